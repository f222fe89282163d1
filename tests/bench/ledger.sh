#!/usr/bin/env bash
# tests/bench/ledger.sh: custos's aggregate action rate with 1, 2, 4 and 8
# clients at once, next to pgbench tpcb-like with the same client counts, on
# the same server (fsync on), in the same run.
#
# Each client is bench_ledger (custos's own code path, ledger_submit: one
# transaction and one signed entry per action), alternating possession and
# transfer of its own items, as its own person with its own login:
#   same: the clients are the custodian and alternates of one account;
#   diff: each client is the custodian of its own account.
# BENCH_ROUNDS rounds of BENCH_SECONDS per measurement; medians reported,
# and the ratios to pgbench's 1-client rate measured in the same run.  A
# benchmark reports: it exits non-zero only when a program fails, not when
# the machine is slow.  Every failed action is counted and printed.
#
# Then one client on an account holding BENCH_LARGE_ITEMS items, next to
# one client on a small account in the same rounds: an action's cost must
# not grow with the items an account (or the ledger) holds.
set -u
: "${BUILD:=build/bench}" "${BENCH_ROUNDS:=3}" "${BENCH_SECONDS:=3}" "${BENCH_LARGE_ITEMS:=100000}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/pg.sh"
pg_start fsync || exit 1
export CUSTOS_TEST_PG=1
. "$ROOT/tests/ledger_lib.sh"
trap 'rm -rf "$W"; pg_stop' EXIT
setup_ledger >/dev/null
BL=$ROOT/$BUILD/tests/bench/bench_ledger
CLIENTS="1 2 4 8"
for i in 1 2 3 4 5 6 7 8; do
	for who in alt$i cust$i; do mkkey $who >"$W/$who.vkey" || exit 1; done
	ok asw adm alt$i person add alt$i --role alternate --account 123456 \
		--pubkey "$(cat "$W/alt$i.vkey")" >/dev/null || exit 1
	ok as adm account add 70000$i --name "Bench account $i" >/dev/null || exit 1
	ok asw adm cust$i person add cust$i --role custodian --account 70000$i \
		--pubkey "$(cat "$W/cust$i.vkey")" >/dev/null || exit 1
done
createdb bench && pgbench -q -i -s 1 bench >/dev/null 2>&1 || exit 1

# custos_rate KIND N ROUND: N clients at once; prints actions/s in all and
# adds the failures to $W/failures.
custos_rate() {
	local kind=$1 n=$2 round=$3 c pids=() who acct
	for c in $(seq 1 "$n"); do
		if [ "$kind" = same ]; then who=alt$c acct=123456; else who=cust$c acct=70000$c; fi
		PGUSER=$who "$BL" "$W/$who.key" "$acct" "$kind$n-$round-$c" "$BENCH_SECONDS" \
			<<<"$PASS" >"$W/out.$c" 2>"$W/err.$c" & pids+=($!)
	done
	wait "${pids[@]}" || { cat "$W"/err.*; exit 1; }
	cat "$W"/err.* >&2
	awk '{ a += $2; f += $4; rate += $2 / $6 } END { print f >> "'"$W/failures"'"; printf "%.1f\n", rate }' \
		$(for c in $(seq 1 "$n"); do echo "$W/out.$c"; done)
	rm -f "$W"/out.* "$W"/err.*
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$W/failures"
for r in $(seq 1 "$BENCH_ROUNDS"); do
	for n in $CLIENTS; do
		custos_rate same "$n" "$r" >>"$W/same.$n"
		custos_rate diff "$n" "$r" >>"$W/diff.$n"
		pgbench -n -c "$n" -j "$n" -T "$BENCH_SECONDS" bench 2>/dev/null |
			awk '/^tps/ { print $3 }' >>"$W/pgbench.$n"
	done
done
p1=$(median <"$W/pgbench.1")
echo "ledger: actions/s in all (median of $BENCH_ROUNDS rounds of ${BENCH_SECONDS}s; per round in brackets),"
echo "ledger: and the ratio to pgbench tpcb-like with 1 client ($p1 tps), same server, same run"
printf 'ledger: %-8s %-34s %-34s %s\n' clients "custos, one account" "custos, one account each" "pgbench tpcb-like"
for n in $CLIENTS; do
	s=$(median <"$W/same.$n") d=$(median <"$W/diff.$n") p=$(median <"$W/pgbench.$n")
	printf 'ledger: %-8s %-34s %-34s %s\n' "$n" \
		"$(printf '%.0f (%.2f) [%s]' "$s" "$(awk -v a="$s" -v b="$p1" 'BEGIN { print a / b }')" "$(paste -sd' ' "$W/same.$n")")" \
		"$(printf '%.0f (%.2f) [%s]' "$d" "$(awk -v a="$d" -v b="$p1" 'BEGIN { print a / b }')" "$(paste -sd' ' "$W/diff.$n")")" \
		"$(printf '%.0f (%.2f)' "$p" "$(awk -v a="$p" -v b="$p1" 'BEGIN { print a / b }')")"
done
# One client on an account holding many items, one on a small account.
PGUSER=alice "$ROOT/$BUILD/tests/bench/bench_holdings" fill "$W/alice.key" "$BENCH_LARGE_ITEMS" \
	<<<"$PASS" >/dev/null || exit 1
q "ANALYZE" >/dev/null
for r in $(seq 1 "$BENCH_ROUNDS"); do
	custos_rate same 1 "L$r" >>"$W/large"
	custos_rate diff 1 "L$r" >>"$W/small"
done
l=$(median <"$W/large") s=$(median <"$W/small")
printf 'ledger: 1 client, account holding %s items: %.0f actions/s [%s]; small account: %.0f [%s]; ratio %.2f\n' \
	"$BENCH_LARGE_ITEMS" "$l" "$(paste -sd' ' "$W/large")" "$s" "$(paste -sd' ' "$W/small")" \
	"$(awk -v a="$l" -v b="$s" 'BEGIN { print a / b }')"
echo "ledger: failed actions: $(awk '{ f += $1 } END { print f + 0 }' "$W/failures")"
asq dave log verify | sed 's/^/ledger: log verify: /'
