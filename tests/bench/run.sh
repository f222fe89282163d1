#!/usr/bin/env bash
# tests/bench/run.sh: measure custos-verify against the raw Ed25519 rate of
# the same machine, in the same run.  `make bench` builds the binaries
# (optimised, no sanitizers) in build/bench and runs this; it builds nothing.
#
#   BUILD=build/bench [BENCH_ENTRIES=200000] [BENCH_ROUNDS=5] tests/bench/run.sh
#
# 1. mkbenchlog writes a realistic log of BENCH_ENTRIES entries and its trust
#    file into a temporary directory (removed on exit).
# 2. BENCH_ROUNDS rounds, each: bench_ed25519 on 1 thread and on all online
#    CPUs (messages of the log's mean signed-text size), then
#    `custos-verify --json` on the log under runstat (wall time, peak RSS).
# 3. The per-round figures, their medians, and the ratios of the verifier to
#    the raw rate: by entries/s and by signatures/s (an entry with two
#    signatures costs two verifications).  The aim is >= 80% of the raw
#    1-thread rate x the threads the verifier used.
#
# A benchmark reports; it does not fail on a slow machine.  It exits non-zero
# only if a program is missing or fails, or the verifier rejects the log.
set -euo pipefail

build=${BUILD:-build/bench}
entries=${BENCH_ENTRIES:-200000}
rounds=${BENCH_ROUNDS:-5}
raw_seconds=${BENCH_RAW_SECONDS:-1.5}
aim=80

bin=$build/tests/bench
verifier=$build/custos-verify
for p in "$verifier" "$bin/mkbenchlog" "$bin/bench_ed25519" "$bin/runstat"; do
	if [ ! -x "$p" ]; then
		echo "bench: $p is missing; run make bench (or make bench-build)" >&2
		exit 2
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/custos-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# kv KEY TEXT: the value of KEY=value in a line of key=value pairs.
kv() { sed -nE "s/(^|.*[[:space:]{,])\"?$1\"?[=:]\"?([^[:space:],}\"]+).*/\2/p" <<<"$2" | head -n 1; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
# median N...: the median of the numbers.
median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

cores=$(getconf _NPROCESSORS_ONLN)
cpu=$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $cores online CPUs, ${cpu:-unknown CPU}"
echo "bench: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

start=$EPOCHREALTIME
summary=$("$bin/mkbenchlog" "$tmp" "$entries")
gen_s=$(calc "$EPOCHREALTIME - $start")
log_bytes=$(stat -c %s "$tmp/bench.log")
text_avg=$(kv text_bytes_avg "$summary")
printf 'bench: log of %s entries (%s%% with two signatures, %s signatures), %s bytes (%.1f MiB), mean signed text %s bytes; generated in %.1f s\n' \
	"$(kv entries "$summary")" "$(kv two_signers_pct "$summary")" "$(kv signatures "$summary")" \
	"$log_bytes" "$(calc "$log_bytes / 1048576")" "$text_avg" "$gen_s"
echo

printf '%-6s %11s %11s | %8s %11s %11s %7s %6s %8s | %7s %7s %7s %7s\n' \
	round raw1/s "raw${cores}/s" verify_s entries/s sigs/s threads cpu% rss_MiB \
	e/1xT e/rawN s/1xT s/rawN
declare -a R1 RN W EPS SPS RSS CPU E1 EN S1 SN
threads=
for ((r = 1; r <= rounds; r++)); do
	out=$("$bin/bench_ed25519" --threads 1 --seconds "$raw_seconds" --bytes "$text_avg")
	raw1=$(kv rate "$out")
	out=$("$bin/bench_ed25519" --threads "$cores" --seconds "$raw_seconds" --bytes "$text_avg")
	rawn=$(kv rate "$out")

	if ! "$bin/runstat" "$tmp/stats" "$verifier" --json --keys "$tmp/bench.keys" \
		"$tmp/bench.log" >"$tmp/verify.json"; then
		echo "bench: custos-verify did not accept the generated log:" >&2
		cat "$tmp/verify.json" >&2
		exit 1
	fi
	json=$(cat "$tmp/verify.json")
	stats=$(cat "$tmp/stats")
	if [ "$(kv valid "$json")" != true ]; then
		echo "bench: custos-verify says the generated log is invalid: $json" >&2
		exit 1
	fi
	n=$(kv entries "$json") sigs=$(kv signatures "$json") threads=$(kv threads "$json")
	wall=$(kv wall_s "$stats")
	eps=$(calc "$n / $wall") sps=$(calc "$sigs / $wall")
	cpu_pct=$(calc "100 * ($(kv user_s "$stats") + $(kv sys_s "$stats")) / $wall")
	rss=$(calc "$(kv maxrss_kib "$stats") / 1024")
	e1=$(calc "100 * $eps / ($raw1 * $threads)") en=$(calc "100 * $eps / $rawn")
	s1=$(calc "100 * $sps / ($raw1 * $threads)") sn=$(calc "100 * $sps / $rawn")
	R1+=("$raw1") RN+=("$rawn") W+=("$wall") EPS+=("$eps") SPS+=("$sps") RSS+=("$rss")
	CPU+=("$cpu_pct") E1+=("$e1") EN+=("$en") S1+=("$s1") SN+=("$sn")
	printf '%-6s %11.0f %11.0f | %8.3f %11.0f %11.0f %7s %6.0f %8.1f | %6.1f%% %6.1f%% %6.1f%% %6.1f%%\n' \
		"$r" "$raw1" "$rawn" "$wall" "$eps" "$sps" "$threads" "$cpu_pct" "$rss" \
		"$e1" "$en" "$s1" "$sn"
done

m_r1=$(median "${R1[@]}") m_rn=$(median "${RN[@]}") m_eps=$(median "${EPS[@]}")
m_sps=$(median "${SPS[@]}") m_s1=$(median "${S1[@]}") m_e1=$(median "${E1[@]}")
printf '%-6s %11.0f %11.0f | %8.3f %11.0f %11.0f %7s %6.0f %8.1f | %6.1f%% %6.1f%% %6.1f%% %6.1f%%\n' \
	MEDIAN "$m_r1" "$m_rn" "$(median "${W[@]}")" "$m_eps" "$m_sps" "$threads" \
	"$(median "${CPU[@]}")" "$(median "${RSS[@]}")" "$m_e1" "$(median "${EN[@]}")" \
	"$m_s1" "$(median "${SN[@]}")"
echo
echo "columns: raw1/s, raw${cores}/s = libsodium Ed25519 verifications/s on 1 and $cores threads;"
echo "  verify_s = custos-verify wall time; e/1xT = verifier entries/s / (raw1/s x its threads);"
echo "  e/rawN = entries/s / raw${cores}/s; s/1xT, s/rawN = the same with verified signatures/s."
echo "  Ratios are per round (same-run baseline); MEDIAN is the median of each column."
printf 'bench: peak RSS of custos-verify %.1f MiB (max of rounds); log file %.1f MiB\n' \
	"$(printf '%s\n' "${RSS[@]}" | sort -g | tail -n 1)" "$(calc "$log_bytes / 1048576")"
met() { awk -v v="$1" -v a="$aim" 'BEGIN { print (v >= a) ? "MET" : "NOT MET" }'; }
printf 'bench: aim: verifier >= %d%% of raw 1-thread rate x %s threads (median of per-round ratios)\n' \
	"$aim" "$threads"
printf 'bench:   by signatures/s: %5.1f%% - %s\n' "$m_s1" "$(met "$m_s1")"
printf 'bench:   by entries/s:    %5.1f%% - %s\n' "$m_e1" "$(met "$m_e1")"
printf 'bench: medians: verifier %.0f entries/s, %.0f signatures/s; raw %.0f/s on 1 thread, %.0f/s on %s\n' \
	"$m_eps" "$m_sps" "$m_r1" "$m_rn" "$cores"
echo "bench: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# The export-bundle verifier (custos-verify --policy over a bundle):
# tests/bench/bundle.sh, with its own figures.
if [ -x "$build/tests/mkbundle" ]; then
	BUILD=$build BENCH_ROUNDS=$rounds BENCH_RAW_SECONDS=$raw_seconds "$(dirname "$0")/bundle.sh"
fi
