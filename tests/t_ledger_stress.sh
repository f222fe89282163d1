#!/usr/bin/env bash
# Concurrency, crashes and server restarts against a real PostgreSQL server:
# exactly one of two racing transfers of an item succeeds, a client killed
# at any point leaves no partial state and no gap, and a restarted server
# loses nothing and applies nothing twice.  `custos log verify` must pass
# after each part, and transaction numbers stay gap-free.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
ROUNDS=${STRESS_ROUNDS:-15}

# --- two processes transfer the same item at once ------------------------------
items=()
for i in $(seq 1 "$ROUNDS"); do items+=(--item "kind=equipment alc=1 class=C serial=R$i title=KG-175D"); done
ok as alice receive --from COR "${items[@]}"
for i in $(seq 1 "$ROUNDS"); do
	as alice transfer --to 654321 --serial R$i >"$W/a.out" 2>&1 & pa=$!
	as alice transfer --to COR --serial R$i >"$W/b.out" 2>&1 & pb=$!
	wait $pa; ra=$?; wait $pb; rb=$?
	if [ $((ra + rb)) -ne 1 ] || { [ $ra -ne 0 ] && [ $rb -ne 0 ]; }; then
		echo "FAIL: round $i: exits $ra and $rb, wanted one 0 and one 1"
		cat "$W/a.out" "$W/b.out" | sed 's/^/    /'
		fails=$((fails+1))
	fi
done
[ "$(q "SELECT count(*) FROM custos.item WHERE serial LIKE 'R%' AND status = 'in_transit'")" = "$ROUNDS" ] ||
	{ echo "FAIL: every raced item should be in transit exactly once"; fails=$((fails+1)); }
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'transfer'")" = "$ROUNDS" ] ||
	{ echo "FAIL: one transfer entry per raced item"; fails=$((fails+1)); }
gapfree race
expect_out '^valid' asq dave log verify

# --- kill -9 the client at random points of an action ----------------------------------
# How long does one action take here?  Kill at random moments within that.
t0=$(date +%s%N)
ok as alice possession --item 'kind=equipment alc=4 class=U serial=K0 title=CRASH'
span_us=$(( ($(date +%s%N) - t0) / 1000 ))
for i in $(seq 1 "$ROUNDS"); do
	# exec, so that $! is custos itself and not a subshell
	( PGUSER=alice exec "$C" possession --item "kind=equipment alc=4 class=U serial=K$i title=CRASH" \
		--key "$W/alice.key" --passphrase-fd 3 3<<<"$PASS" >/dev/null 2>&1 ) &
	pid=$!
	sleep "$(awk -v s="$span_us" -v r="$RANDOM" 'BEGIN { printf "%.6f", s * (r / 32768) / 1e6 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done
sleep 0.5 # let the server notice the dead connections and roll back
n=$(q "SELECT count(*) FROM custos.item WHERE title = 'CRASH'")
m=$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'possession'")
[ "$n" = "$m" ] || { echo "FAIL: $n CRASH items but $m possession entries"; fails=$((fails+1)); }
echo "crash: $((n - 1)) of $ROUNDS killed actions had committed (one action takes ${span_us} µs)"
gapfree crash
expect_out '^valid' asq dave log verify
ok as alice possession --item 'kind=equipment alc=4 class=U serial=AFTER1 title=CRASH'

# --- restart the server between and during actions ------------------------------------------
pg_restart
ok as alice possession --item 'kind=equipment alc=4 class=U serial=AFTER2 title=RESTART'
for i in $(seq 1 5); do
	as alice possession --item "kind=equipment alc=4 class=U serial=S$i title=RESTART" \
		--idempotency-key "restart-$i" >"$W/r.out" 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 10))"
	pg_restart
	wait $pid; rc=$?
	# Retried by hand with the same idempotency key: applies at most once.
	as alice possession --item "kind=equipment alc=4 class=U serial=S$i title=RESTART" \
		--idempotency-key "restart-$i" >/dev/null 2>&1 ||
		{ echo "FAIL: round $i: retry after restart failed (first exit $rc)"; fails=$((fails+1)); }
	[ "$(q "SELECT count(*) FROM custos.log_entry WHERE idem = 'restart-$i'")" = 1 ] ||
		{ echo "FAIL: round $i: not applied exactly once"; fails=$((fails+1)); }
done
gapfree restart
expect_out '^valid' asq dave log verify
# --- a failure in the pipelined writes rolls everything back ------------------------------------
# A trigger (made by the owner for this test) makes the transaction row's
# insert fail after the entry and the custody change were sent.
ok as alice possession --item 'kind=equipment alc=4 class=U serial=P1 title=PIPE'
q "CREATE FUNCTION custos.test_fail() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'test: refused'; END \$\$;
   CREATE TRIGGER test_fail BEFORE INSERT ON custos.txn FOR EACH ROW WHEN (NEW.action = 'transfer') EXECUTE FUNCTION custos.test_fail()"
before=$(q "SELECT size FROM custos.log_head")
expect_err 1 'test: refused' as alice transfer --to COR --serial P1
[ "$(q "SELECT size FROM custos.log_head")" = "$before" ] || { echo "FAIL: a failed pipeline left an entry"; fails=$((fails+1)); }
[ "$(q "SELECT status FROM custos.item WHERE serial = 'P1'")" = on_hand ] || { echo "FAIL: a failed pipeline changed custody"; fails=$((fails+1)); }
q "DROP TRIGGER test_fail ON custos.txn; DROP FUNCTION custos.test_fail()"
ok as alice transfer --to COR --serial P1
expect_out '^valid' asq dave log verify
finish
