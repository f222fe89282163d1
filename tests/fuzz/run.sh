#!/usr/bin/env bash
# Run libFuzzer targets built by tests/fuzz/fuzz.mk (`make fuzz`).
#
#   tests/fuzz/run.sh BUILDDIR SECONDS TARGET...
#
# For each TARGET (e.g. fuzz_note): first replay the committed reproducers
# tests/fuzz/crashes/TARGET-* (a bug that was found must stay fixed), then
# fuzz for SECONDS from the committed seeds tests/fuzz/seeds-TARGET/ plus the
# working corpus BUILDDIR/corpus-TARGET/ (kept between runs, not committed).
# New crashes are written to BUILDDIR/crashes/.  Prints one summary line per
# target.  Exits 1 if any target crashed, leaked, hit a sanitizer report or
# timed out; the full log of a run is BUILDDIR/TARGET.log.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 BUILDDIR SECONDS TARGET..." >&2
	exit 2
fi
build=$1 seconds=$2
shift 2
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, at least 1" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/crashes"
failed=()

# report LOG: the sanitizer or invariant report of a failed run, with the
# stack frames of our code (not libFuzzer's or libc's).
report() {
	grep -E 'ERROR|SUMMARY|runtime error|invariant failed|^ +#[0-9]|Test unit written' "$1" |
		grep -vE 'fuzzer::|__sanitizer_print_stack_trace|libc\.so|libc_start|nptl/|raise\.c|abort\.c| in _start ' |
		head -n 40 | sed 's/^/          /'
}

# final_stat LOG NAME: a figure of libFuzzer's -print_final_stats output.
final_stat() { awk -v k="stat::$2:" '$1 == k { print $2 }' "$1"; }

for t in "$@"; do
	bin=$build/tests/fuzz/$t
	logf=$build/$t.log
	[ -x "$bin" ] || { echo "fuzz: $bin is not built" >&2; exit 2; }
	mkdir -p "$build/corpus-$t"
	: >"$logf"

	shopt -s nullglob
	repro=("$here/crashes/$t"-*)
	shopt -u nullglob
	if [ ${#repro[@]} -gt 0 ]; then
		if ! "$bin" "${repro[@]}" >>"$logf" 2>&1; then
			printf '  FAIL    %-13s a committed reproducer still fails (tests/fuzz/crashes/)\n' "$t"
			report "$logf"
			failed+=("$t")
			continue
		fi
	fi

	echo "  FUZZ    $t (${seconds} s)"
	rc=0
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
		-rss_limit_mb=2048 -dict="$here/custos.dict" \
		-artifact_prefix="$build/crashes/$t-" \
		"$build/corpus-$t" "$here/seeds-$t" >>"$logf" 2>&1 || rc=$?
	# "#123456 DONE cov: 812 ft: 3021 corp: 400/98Kb ..." and the final stats.
	done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$logf" | tail -n 1 || true)
	cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/([^ ]+).*/cov \1, features \2, corpus \3 inputs (\4)/p' \
		<<<"$done_line")
	ran="in $seconds s"
	[ "$rc" -eq 0 ] || ran="before it stopped"
	printf '          %s execs %s, %s execs/s, %s; peak RSS %s MB\n' \
		"$(final_stat "$logf" number_of_executed_units)" "$ran" \
		"$(final_stat "$logf" average_exec_per_sec)" \
		"${cov:-no coverage line}" "$(final_stat "$logf" peak_rss_mb)"
	if [ "$rc" -ne 0 ]; then
		printf '  FAIL    %-13s exit %d; reproducer in %s/crashes/, log %s\n' "$t" "$rc" "$build" "$logf"
		report "$logf"
		failed+=("$t")
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}"
	exit 1
fi
echo "fuzz: $# targets, no crash, leak or sanitizer report"
