#!/usr/bin/env bash
# tests/bench/ledger.sh: transfers per second through custos's own code path
# (bench_ledger: ledger_submit, one transaction and one signed log entry
# each) next to pgbench's tpcb-like rate, one client each, on the same
# server with fsync on, in the same run.  Medians of BENCH_ROUNDS rounds.
set -u
: "${BUILD:=build/bench}" "${BENCH_ROUNDS:=5}" "${BENCH_TRANSFERS:=300}" "${BENCH_SECONDS:=5}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/pg.sh"
pg_start fsync || exit 1
export CUSTOS_TEST_PG=1
. "$ROOT/tests/ledger_lib.sh"
trap 'rm -rf "$W"; pg_stop' EXIT
setup_ledger >/dev/null
n=$((BENCH_ROUNDS * BENCH_TRANSFERS))
for start in $(seq 0 400 $((n - 1))); do
	items=()
	for i in $(seq $start $((start + 399 < n - 1 ? start + 399 : n - 1))); do
		items+=(--item "kind=equipment alc=1 class=C serial=B$i title=KG-175D")
	done
	as alice receive --from COR "${items[@]}" >/dev/null || exit 1
done
createdb bench && pgbench -q -i -s 1 bench >/dev/null 2>&1 || exit 1
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$W/custos" ; : >"$W/pgbench"
for r in $(seq 1 "$BENCH_ROUNDS"); do
	PGUSER=alice "$ROOT/$BUILD/tests/bench/bench_ledger" "$W/alice.key" $(((r - 1) * BENCH_TRANSFERS)) \
		"$BENCH_TRANSFERS" <<<"$PASS" | awk '{ print $2 }' >>"$W/custos" || exit 1
	pgbench -n -c 1 -T "$BENCH_SECONDS" bench 2>/dev/null |
		awk '/^tps/ { print $3 }' >>"$W/pgbench"
done
c=$(median <"$W/custos"); p=$(median <"$W/pgbench")
echo "custos transfers/s, per round: $(tr '\n' ' ' <"$W/custos")"
echo "pgbench tpcb-like tps, per round: $(tr '\n' ' ' <"$W/pgbench")"
printf 'median: custos %.1f transfers/s, pgbench %.1f tps, ratio %.2f\n' "$c" "$p" \
	"$(awk -v a="$c" -v b="$p" 'BEGIN { print a / b }')"
asq dave log verify | sed 's/^/log verify: /'
