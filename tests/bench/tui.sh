#!/usr/bin/env bash
# tests/bench/tui.sh: the terminal UI with BENCH_ITEMS (1,000,000) items on
# the custodian's account (the generator of tests/bench/holdings.sh), fsync
# on.  The real binary runs in tmux (a private TMUX_TMPDIR) as the
# custodian alice (row-level security on), typed at like a person would:
# screens, line and page moves across the whole holdings list, End and Home,
# searches with n/N, every sort order, a filter, the log to its oldest
# entry.  custos writes, per key, the microseconds from reading the key to
# the end of the redraw that answers it (CUSTOS_TUI_TIMING); this prints
# their median, 99th percentile and maximum per kind of key, and the peak
# memory (VmHWM) of the process.  A benchmark: it reports, it does not fail
# on a slow machine.
set -u
: "${BUILD:=build/bench}" "${BENCH_ITEMS:=1000000}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/pg.sh"
pg_start fsync || exit 1
export CUSTOS_TEST_PG=1
. "$ROOT/tests/ledger_lib.sh"
export TMUX_TMPDIR=$(mktemp -d /tmp/custos-tui-bench.XXXXXX)
trap 'tmux kill-server 2>/dev/null; rm -rf "$W" "$TMUX_TMPDIR"; pg_stop' EXIT
setup_ledger >/dev/null
B=$ROOT/$BUILD/tests/bench/bench_holdings
t0=$(date +%s)
PGUSER=alice "$B" fill "$W/alice.key" "$BENCH_ITEMS" <<<"$PASS" >/dev/null || exit 1
q "ANALYZE" >/dev/null
echo "tui bench: $BENCH_ITEMS items received in $(( $(date +%s) - t0 )) s"

T=$W/timing
env_vars="PGHOST=$PGHOST PGPORT=$PGPORT PGDATABASE=$PGDATABASE PGUSER=alice CUSTOS_TUI_TIMING=$T"
tmux new-session -d -s bench -x 160 -y 50 "env $env_vars $ROOT/$BUILD/custos --no-key; sleep 30"
sleep 1
pid=$(tmux list-panes -t bench -F '#{pane_pid}')
cpid=$(pgrep -P "$pid" -f custos | head -1)
send() { # send KEY COUNT: type a key COUNT times, waiting for each answer
	local key=$1 n=${2:-1} i
	for ((i = 0; i < n; i++)); do
		local before; before=$(wc -l <"$T" 2>/dev/null || echo 0)
		tmux send-keys -t bench "$key"
		for _ in $(seq 200); do
			[ "$(wc -l <"$T" 2>/dev/null || echo 0)" -gt "$before" ] && break
			sleep 0.01
		done
	done
}
send 2                   # Holdings: the first page of a million
send j 300               # line by line, across window edges
send NPage 100           # page by page
send End                 # the last page (backward query)
send PPage 100           # back up, page by page
send k 300
send Home
send / ; for c in H 0 5 0 0 0 0 0; do send "$c"; done; send Enter   # search a serial
send n 20; send N 20
send / ; for c in K G - 1 5; do send "$c"; done; send Enter          # search a title
send n 20
send s; send NPage 20; send End; send PPage 10   # by serial
send s; send NPage 20; send End; send PPage 10   # by status
send s
send f; send Right; send Down; send Down; send Right; send Enter    # a filter
send NPage 20; send Home
send Space 20            # marks
send 5; send NPage 20; send End; send PPage 20; send Home   # the log
send 1; send 3; send 4
hwm=$(awk '/VmHWM/ {print $2}' /proc/"$cpid"/status 2>/dev/null)
tmux send-keys -t bench F10
sleep 0.5
echo "tui bench: $(wc -l <"$T") keys; microseconds from key to finished redraw, by key:"
awk '{ n[$1]++; v[$1, n[$1]] = $2; all[++N] = $2 }
function stats(arr, k, cnt,   i, j, t, a) {
	for (i = 1; i <= cnt; i++) a[i] = arr[k, i]
	for (i = 2; i <= cnt; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return sprintf("%6d keys  median %8.0f  p99 %8.0f  max %8.0f", cnt, a[int((cnt + 1) / 2)], a[int(cnt * 0.99) > 0 ? int(cnt * 0.99) : 1], a[cnt])
}
END {
	for (k in n) printf "  %-10s %s\n", k, stats(v, k, n[k])
	for (i = 1; i <= N; i++) w["all", i] = all[i]
	printf "  %-10s %s\n", "all keys", stats(w, "all", N)
}' "$T" | sort
echo "tui bench: peak memory of custos (VmHWM) ${hwm:-?} KiB"
