#!/usr/bin/env bash
# tests/bench/report.sh: an inventory report of BENCH_REPORT_LINES (10,000)
# line items, PDF and CSV, against a baseline of 100 lines measured in the
# same run: median wall time and peak memory (maximum resident set) of
# BENCH_ROUNDS runs of bench_report each.  The aim (issue 12): under 2 s
# and under 64 MiB for 10,000 lines.  It reports; it fails only if a report
# is not made or the PDF lacks its last line.
set -u
: "${BUILD:=build/bench}" "${BENCH_ROUNDS:=5}" "${BENCH_REPORT_LINES:=10000}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$ROOT/$BUILD/tests/bench/bench_report
RS=$ROOT/$BUILD/tests/bench/runstat
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
declare -A WALL RSS
for fmt in pdf csv; do
	for n in 100 "$BENCH_REPORT_LINES"; do
		: >"$T/w" && : >"$T/m"
		for r in $(seq "$BENCH_ROUNDS"); do
			rm -f "$T/out"
			"$RS" "$T/stat" "$B" "$fmt" "$n" "$T/out" || { echo "report bench: $fmt $n lines failed"; exit 1; }
			sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$T/stat" >>"$T/w"
			sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' "$T/stat" >>"$T/m"
		done
		WALL[$fmt$n]=$(median <"$T/w")
		RSS[$fmt$n]=$(median <"$T/m")
		if [ "$fmt" = pdf ]; then
			pages=$(pdfinfo "$T/out" | sed -n 's/^Pages: *//p')
			pdftotext "$T/out" - | grep -q "H$(printf '%07d' "$n")" ||
				{ echo "report bench: the $n-line PDF lacks its last line"; exit 1; }
			echo "report bench: $n lines, PDF of $pages pages, $(stat -c %s "$T/out") bytes"
		else
			[ "$(grep -c '"H[0-9]\{7\}"' "$T/out")" -ge "$n" ] || { echo "report bench: the CSV lacks lines"; exit 1; }
		fi
	done
done
n=$BENCH_REPORT_LINES
for fmt in pdf csv; do
	awk -v f="$fmt" -v n="$n" -v w0="${WALL[${fmt}100]}" -v w="${WALL[$fmt$n]}" \
		-v m0="${RSS[${fmt}100]}" -v m="${RSS[$fmt$n]}" -v rounds="$BENCH_ROUNDS" 'BEGIN {
		printf "report bench %s: %d lines %.3f s, peak %.1f MiB; 100 lines %.3f s, peak %.1f MiB (medians of %d; time ratio %.1f, memory ratio %.2f; aim < 2 s, < 64 MiB)\n",
			f, n, w, m / 1024, w0, m0 / 1024, rounds, (w0 > 0 ? w / w0 : 0), (m0 > 0 ? m / m0 : 0) }'
done
