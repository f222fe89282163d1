#!/usr/bin/env bash
# tests/bench/bundle.sh: custos-verify over an export bundle (the oversight
# path: checkpoint, witnesses, every entry, registry as of each index,
# custody replay, tiles), against the raw Ed25519 rate of the same machine
# measured in the same run.  Run by tests/bench/run.sh after its own
# figures; it builds nothing.
#
#   BUILD=build/bench [BENCH_BUNDLE_ENTRIES=1000000] [BENCH_ROUNDS=5] tests/bench/bundle.sh
#
# 1. tests/mkbundle writes a replay-valid bundle of BENCH_BUNDLE_ENTRIES
#    entries (one in five with two signatures) and its policy; it reports
#    the time spent writing the entry bundles and the hash tiles.
# 2. BENCH_ROUNDS rounds: bench_ed25519 on 1 thread and on all CPUs, then
#    `custos-verify --json --policy P BUNDLE` under runstat.
# 3. Per-round figures, medians, and the ratios entries/s and signatures/s
#    over raw 1-thread rate x threads (the aim is >= 80%), and the CPU
#    efficiency (sigcpu): signatures / raw rate per CPU second, over the
#    verifier's CPU seconds; on a machine shared with other work the wall
#    ratios drift, this one much less.
set -euo pipefail

build=${BUILD:-build/bench}
entries=${BENCH_BUNDLE_ENTRIES:-1000000}
rounds=${BENCH_ROUNDS:-5}
raw_seconds=${BENCH_RAW_SECONDS:-1.5}
aim=80
bin=$build/tests/bench
verifier=$build/custos-verify
gen=$build/tests/mkbundle
for p in "$verifier" "$gen" "$bin/bench_ed25519" "$bin/runstat"; do
	if [ ! -x "$p" ]; then
		echo "bench-bundle: $p is missing; run make bench (or make bench-build)" >&2
		exit 2
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/custos-bench-bundle.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

kv() { sed -nE "s/(^|.*[[:space:]{,])\"?$1\"?[=:]\"?([^[:space:],}\"]+).*/\2/p" <<<"$2" | head -n 1; }
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
cores=$(getconf _NPROCESSORS_ONLN)

echo
echo "bench-bundle: $(date -u '+%Y-%m-%d %H:%M UTC'), $cores online CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$EPOCHREALTIME
summary=$("$gen" "$tmp/bundle" --entries "$entries" --policy "$tmp/policy")
gen_s=$(calc "$EPOCHREALTIME - $start")
bytes=$(du -sb "$tmp/bundle" | cut -f1)
text_avg=$(kv text_bytes_avg "$summary")
printf 'bench-bundle: bundle of %s entries (%s with two signatures, %s signatures), %.1f MiB, mean signed text %s bytes; generated in %.1f s\n' \
	"$(kv entries "$summary")" "$(kv two_signers "$summary")" "$(kv signatures "$summary")" \
	"$(calc "$bytes / 1048576")" "$text_avg" "$gen_s"
printf 'bench-bundle: writing the bundle: entry bundles %.2f s, hash tiles %.2f s (every file: temporary file, fsync, rename)\n' \
	"$(kv entries_write_s "$summary")" "$(kv tiles_write_s "$summary")"
echo
printf '%-6s %11s %11s | %8s %11s %11s %7s %6s %8s | %7s %7s %7s\n' \
	round raw1/s "raw${cores}/s" verify_s entries/s sigs/s threads cpu% rss_MiB e/1xT s/1xT sigcpu
declare -a R1 RN W EPS SPS RSS CPU E1 S1 SC SN
threads=
for ((r = 1; r <= rounds; r++)); do
	out1=$("$bin/runstat" "$tmp/rawstats" "$bin/bench_ed25519" --threads 1 --seconds "$raw_seconds" \
		--bytes "$text_avg")
	raw1=$(kv rate "$out1")
	rawst=$(cat "$tmp/rawstats")
	# the same rate per second of CPU time: what other load cannot depress
	raw1cpu=$(calc "$(kv verifications "$out1") / ($(kv user_s "$rawst") + $(kv sys_s "$rawst"))")
	rawn=$(kv rate "$("$bin/bench_ed25519" --threads "$cores" --seconds "$raw_seconds" --bytes "$text_avg")")
	if ! "$bin/runstat" "$tmp/stats" "$verifier" --json --policy "$tmp/policy" "$tmp/bundle" \
		>"$tmp/verify.json"; then
		echo "bench-bundle: custos-verify did not accept the generated bundle:" >&2
		cat "$tmp/verify.json" >&2
		exit 1
	fi
	json=$(cat "$tmp/verify.json") stats=$(cat "$tmp/stats")
	n=$(kv entries "$json") sigs=$(kv signatures "$json") threads=$(kv threads "$json")
	wall=$(kv wall_s "$stats")
	eps=$(calc "$n / $wall") sps=$(calc "$sigs / $wall")
	cpu_pct=$(calc "100 * ($(kv user_s "$stats") + $(kv sys_s "$stats")) / $wall")
	rss=$(calc "$(kv maxrss_kib "$stats") / 1024")
	e1=$(calc "100 * $eps / ($raw1 * $threads)") s1=$(calc "100 * $sps / ($raw1 * $threads)")
	sc=$(calc "100 * ($sigs / $raw1cpu) / ($(kv user_s "$stats") + $(kv sys_s "$stats"))")
	SN+=("$(calc "100 * $sps / $rawn")")
	R1+=("$raw1") RN+=("$rawn") W+=("$wall") EPS+=("$eps") SPS+=("$sps") RSS+=("$rss")
	CPU+=("$cpu_pct") E1+=("$e1") S1+=("$s1") SC+=("$sc")
	printf '%-6s %11.0f %11.0f | %8.3f %11.0f %11.0f %7s %6.0f %8.1f | %6.1f%% %6.1f%% %6.1f%%\n' \
		"$r" "$raw1" "$rawn" "$wall" "$eps" "$sps" "$threads" "$cpu_pct" "$rss" "$e1" "$s1" "$sc"
done
m_e1=$(median "${E1[@]}") m_s1=$(median "${S1[@]}")
printf '%-6s %11.0f %11.0f | %8.3f %11.0f %11.0f %7s %6.0f %8.1f | %6.1f%% %6.1f%% %6.1f%%\n' \
	MEDIAN "$(median "${R1[@]}")" "$(median "${RN[@]}")" "$(median "${W[@]}")" \
	"$(median "${EPS[@]}")" "$(median "${SPS[@]}")" "$threads" "$(median "${CPU[@]}")" \
	"$(median "${RSS[@]}")" "$m_e1" "$m_s1" "$(median "${SC[@]}")"
echo "columns: as above; e/1xT = entries/s / (raw1/s x threads), s/1xT = signatures/s / (raw1/s x threads);"
echo "  sigcpu = the CPU time the signatures alone take at the raw 1-thread rate per CPU second, as a"
echo "  share of the verifier's CPU time (user + sys): its efficiency, which other load barely changes."
met() { awk -v v="$1" -v a="$aim" 'BEGIN { print (v >= a) ? "MET" : "NOT MET" }'; }
printf 'bench-bundle: aim: >= %d%% of raw 1-thread rate x %s threads (median of per-round ratios)\n' "$aim" "$threads"
printf 'bench-bundle:   by signatures/s: %5.1f%% - %s\n' "$m_s1" "$(met "$m_s1")"
printf 'bench-bundle:   by entries/s:    %5.1f%% - %s\n' "$m_e1" "$(met "$m_e1")"
printf 'bench-bundle: signatures/s against the raw rate measured on all %s CPUs at once (raw%s/s): %.1f%%\n' \
	"$cores" "$cores" "$(median "${SN[@]}")"
printf 'bench-bundle:   (raw%s/s is %.1f%% of raw1/s x %s here: the machine itself does not scale perfectly)\n' \
	"$cores" "$(calc "100 * $(median "${RN[@]}") / ($(median "${R1[@]}") * $cores)")" "$cores"
echo "bench-bundle: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
