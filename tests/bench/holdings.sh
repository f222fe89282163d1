#!/usr/bin/env bash
# tests/bench/holdings.sh: holdings first page and a serial search with
# BENCH_ITEMS (1,000,000) items in the database, as the custodian (row-level
# security on): median and 99th-percentile latency in the client
# (bench_holdings), and the peak memory (maximum resident set) of the
# `custos holdings` process doing the same.  fsync on.
set -u
: "${BUILD:=build/bench}" "${BENCH_ITEMS:=1000000}" "${BENCH_QUERIES:=1000}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/pg.sh"
pg_start fsync || exit 1
export CUSTOS_TEST_PG=1
. "$ROOT/tests/ledger_lib.sh"
trap 'rm -rf "$W"; pg_stop' EXIT
setup_ledger >/dev/null
B=$ROOT/$BUILD/tests/bench/bench_holdings
PGUSER=alice "$B" fill "$W/alice.key" "$BENCH_ITEMS" <<<"$PASS" || exit 1
q "ANALYZE" >/dev/null
PGUSER=alice "$B" query "$BENCH_QUERIES" "$BENCH_ITEMS" || exit 1
# The auditor's whole-log verification at this size: time and peak memory.
/usr/bin/time -f 'log verify: %e s, peak memory %M KiB' env PGUSER=dave "$C" log verify 2>&1 | sed 's/^/  /'
for args in "--account 123456 --limit 50" "--serial H0123456"; do
	kb=$( { /usr/bin/time -f '%M' env PGUSER=alice "$C" holdings $args >/dev/null; } 2>&1 | tail -1)
	echo "custos holdings $args: peak memory $((kb / 1024)) MiB ($kb KiB)"
done
