#!/usr/bin/env bash
# Many custodians at once: six custodians of one account, then six accounts,
# each acting on its own items at the same time.  No action may fail for
# another's sake: every failure is counted and any is a failure of this
# test (the items are disjoint, so no rule refusal is expected).  Then the
# numbers are gap-free, every action is in the log exactly once, and the
# log verifies.  Last, one request submitted twice at once under one
# idempotency key applies once and both submissions report it applied.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
WORKERS=6
ROUNDS=${CONCURRENT_ROUNDS:-12}

# worker WHO ACCOUNT TAG: ROUNDS times, take a new item on (possession) and
# send it to the COR (transfer); one line per failed action in $W/fail.TAG.
worker() {
	local who=$1 acct=$2 tag=$3 i out
	: >"$W/fail.$tag"
	for i in $(seq 1 "$ROUNDS"); do
		out=$(as "$who" possession --account "$acct" \
			--item "kind=equipment alc=4 class=U serial=$tag-$i title=CONC" 2>&1) ||
			printf 'possession %s-%s: %s\n' "$tag" "$i" "$out" >>"$W/fail.$tag"
		out=$(as "$who" transfer --account "$acct" --to COR --serial "$tag-$i" 2>&1) ||
			printf 'transfer %s-%s: %s\n' "$tag" "$i" "$out" >>"$W/fail.$tag"
	done
}

# run_workers PART WHO:ACCOUNT...: run one worker per pair at once; count.
run_workers() {
	local part=$1 pair pids=() tags=() n=0 failed
	shift
	for pair in "$@"; do
		n=$((n + 1))
		worker "${pair%%:*}" "${pair##*:}" "$part$n" &
		pids+=($!)
		tags+=("$part$n")
	done
	wait "${pids[@]}"
	failed=$(cat "${tags[@]/#/$W/fail.}" | wc -l)
	echo "$part: $((2 * ROUNDS * n)) actions by $n custodians at once, $failed failed"
	if [ "$failed" -ne 0 ]; then
		echo "FAIL ($part): $failed actions failed for another's sake"
		cat "${tags[@]/#/$W/fail.}" | head -10 | sed 's/^/    /'
		fails=$((fails + 1))
	fi
	local want=$((ROUNDS * n)) got
	for act in possession transfer; do
		got=$(q "SELECT count(*) FROM custos.log_entry l JOIN custos.entry_item ei ON ei.idx = l.idx
			 JOIN custos.item i ON i.id = ei.item_id
			 WHERE l.action = '$act' AND i.serial LIKE '$part%'")
		[ "$got" = "$want" ] || { echo "FAIL ($part): $got $act entries, wanted $want"; fails=$((fails+1)); }
	done
	gapfree "$part"
}

# --- six custodians of one account --------------------------------------------------
pairs=(alice:123456)
for i in 1 2 3 4 5; do
	mkkey alt$i >"$W/alt$i.vkey" || exit 1
	ok asw adm alt$i person add alt$i --role alternate --account 123456 \
		--pubkey "$(cat "$W/alt$i.vkey")" || exit 1
	pairs+=(alt$i:123456)
done
run_workers same "${pairs[@]}"

# --- six accounts, one custodian each ------------------------------------------------
pairs=(alice:123456 bob:654321)
for i in 1 2 3 4; do
	acct=70000$i
	mkkey cust$i >"$W/cust$i.vkey" || exit 1
	ok as adm account add $acct --name "Account $i" || exit 1
	ok asw adm cust$i person add cust$i --role custodian --account $acct \
		--pubkey "$(cat "$W/cust$i.vkey")" || exit 1
	pairs+=(cust$i:$acct)
done
run_workers diff "${pairs[@]}"

# --- one request, submitted twice at once under one key ------------------------------
for r in 1 2 3 4 5; do
	for k in a b; do
		as alice possession --item "kind=equipment alc=4 class=U serial=IDEM$r title=CONC" \
			--idempotency-key "twice-$r" >"$W/idem.$k" 2>&1 &
		eval "p$k=\$!"
	done
	wait "$pa"; ra=$?; wait "$pb"; rb=$?
	if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ]; then
		echo "FAIL (idem $r): exits $ra and $rb, wanted both 0"
		cat "$W/idem.a" "$W/idem.b" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
	[ "$(cat "$W/idem.a" "$W/idem.b" | grep -c 'already recorded')" = 1 ] ||
		{ echo "FAIL (idem $r): one submission should report 'already recorded'"
		  cat "$W/idem.a" "$W/idem.b" | sed 's/^/    /'; fails=$((fails + 1)); }
	[ "$(q "SELECT count(*) FROM custos.log_entry WHERE idem = 'twice-$r'")" = 1 ] ||
		{ echo "FAIL (idem $r): not applied exactly once"; fails=$((fails + 1)); }
done
gapfree idem
expect_out '^valid' asq dave log verify
finish
