#!/usr/bin/env bash
# tests/bench/scan.sh: an inventory session on an account of
# BENCH_SCAN_ITEMS (100,000) COR-accountable items, on a fresh server with
# fsync on, as the custodian (row-level security on), in-process over libpq
# as the TUI scans (bench_scan):
# 1. bench_holdings fill puts the items on account 123456;
# 2. invsession_open (periodic), median of BENCH_ROUNDS (3);
# 3. BENCH_SCANS (2000) scans through invsession_scan, a mix of expected
#    serials (first sighting), repeats and unknown serials: median and 99th
#    percentile per answer kind, beside a baseline measured in the same run
#    on the same connection (a `SELECT 1` round trip and one item by serial)
#    and the ratio of scan to baseline;
# 4. invsession_reconcile, median of BENCH_ROUNDS, and its peak memory.
# With BENCH_SCAN_EXPLAIN=1, the plans (EXPLAIN ANALYZE, by auto_explain,
# nested statements included) of every statement of bench_scan's that took
# 1 ms or more go to the output too: use it with few scans (BENCH_SCANS=5).
#
# A benchmark reports: it exits non-zero only when a program fails or an
# answer is wrong (bench_scan counts them: an expected serial not answered
# "sighted" the first time, a repeat not "already sighted", a count off).
set -u
: "${BUILD:=build/bench}" "${BENCH_SCAN_ITEMS:=100000}" "${BENCH_SCANS:=2000}" "${BENCH_ROUNDS:=3}"
: "${BENCH_SCAN_EXPLAIN:=}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for p in "$ROOT/$BUILD/custos" "$ROOT/$BUILD/tests/mktestkey" "$ROOT/$BUILD/tests/bench/bench_holdings" \
	"$ROOT/$BUILD/tests/bench/bench_scan"; do
	[ -x "$p" ] || { echo "scan.sh: $p is missing (make bench-build)" >&2; exit 2; }
done
. "$ROOT/tests/pg.sh"
pg_start fsync || exit 1
export CUSTOS_TEST_PG=1
. "$ROOT/tests/ledger_lib.sh"
trap 'rm -rf "$W"; pg_stop' EXIT

cpu=$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "scan bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(getconf _NPROCESSORS_ONLN) online CPUs, ${cpu:-unknown CPU}"
echo "scan bench: PostgreSQL $(psql -qAtX -c 'SHOW server_version'), fsync $(psql -qAtX -c 'SHOW fsync'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
setup_ledger >/dev/null || exit 1
PGUSER=alice "$ROOT/$BUILD/tests/bench/bench_holdings" fill "$W/alice.key" "$BENCH_SCAN_ITEMS" <<<"$PASS" |
	sed 's/^/scan bench: /'
[ "${PIPESTATUS[0]}" = 0 ] || exit 1
q "ANALYZE" >/dev/null || exit 1
if [ -n "$BENCH_SCAN_EXPLAIN" ]; then
	# The plans of the statements inside the definer functions, in the
	# server's log, for the sessions that start from now on.
	q "LOAD 'auto_explain'" >/dev/null || exit 1
	psql -qAtX -c "ALTER DATABASE $PGDATABASE SET session_preload_libraries = 'auto_explain'" \
		-c "ALTER DATABASE $PGDATABASE SET auto_explain.log_min_duration = 1" \
		-c "ALTER DATABASE $PGDATABASE SET auto_explain.log_analyze = on" \
		-c "ALTER DATABASE $PGDATABASE SET auto_explain.log_nested_statements = on" || exit 1
	log_from=$(stat -c %s "$PG_DIR/server.log")
fi
echo "scan bench: $BENCH_SCAN_ITEMS expected items, $BENCH_SCANS scans (in-process, invsession_scan):"
PGUSER=alice "$ROOT/$BUILD/tests/bench/bench_scan" 123456 "$BENCH_SCAN_ITEMS" "$BENCH_SCANS" "$BENCH_ROUNDS"
rc=$?
if [ -n "$BENCH_SCAN_EXPLAIN" ]; then
	echo "scan bench: plans (auto_explain) of the statements that took 1 ms or more:"
	tail -c +"$((log_from + 1))" "$PG_DIR/server.log" | grep -v '^[[:space:]]*$'
fi
echo "scan bench: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$rc" = 0 ] || echo "scan bench: FAILED (bench_scan exit $rc)" >&2
exit "$rc"
