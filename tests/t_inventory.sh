#!/usr/bin/env bash
# Inventories (docs/ledger.md, "Inventories and spot checks"): an inventory
# that lists every item on hand or issued at the account, and no other, is
# complete and starts the account's inventory clock again; one that lists
# fewer is a spot or shift check, which records what was sighted and leaves
# the clock.  custos says which it was; the server decides it by the same
# rule (rules_inventory_complete), also for an inventory an insider signs
# and sends by hand, and log verify and custos-verify agree.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
last_inv() { q "SELECT coalesce(last_inventory::text, 'never') FROM custos.account WHERE number = '$1'"; }
entry_time() { q "SELECT time FROM custos.log_entry WHERE idx = (SELECT size - 1 FROM custos.log_head)"; }
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' \
	--item 'kind=publication alc=2 class=U qty=40 edition=7 title=KAO 12'
ok asw alice carol issue --holder carol --serial KG3     # out on hand receipt: still inventoried
ok as alice transfer --to COR --serial KG2               # in transit: not
[ "$(last_inv 123456)" = never ] || { echo "FAIL: a fresh account has an inventory"; fails=$((fails + 1)); }

# a spot check of one item: recorded, the clock left
expect_out '^spot check \(1 of 3 held\): the inventory clock is not reset$' \
	asw alice wendy inventory --serial KG1 --text "shift check"
[ "$(last_inv 123456)" = never ] || { echo "FAIL: a spot check reset the inventory clock"; fails=$((fails + 1)); }
expect_out '^123456 +[-0-9: Z]+ +never +4 ' asq alice account list   # (4: the transfer in transit is open too)
# an empty inventory of an account that holds items is a spot check too
expect_out '"complete":false,"listed":0,"held":3' asw alice wendy inventory --json
[ "$(last_inv 123456)" = never ] || { echo "FAIL: an empty inventory reset the clock"; fails=$((fails + 1)); }

# complete: every item on hand or issued, the issued one and the lot included
expect_out '^complete inventory \(3 of 3 held\): the inventory clock restarts$' \
	asw alice wendy inventory --serial KG1 --serial KG3 --item 'edition=7 title=KAO 12' --text "semi-annual"
t1=$(entry_time)
[ "$(last_inv 123456)" = "$t1" ] || { echo "FAIL: the complete inventory did not reset the clock"; fails=$((fails + 1)); }
# a later spot check keeps it where the complete one set it
ok asw alice wendy inventory --serial KG3
[ "$(last_inv 123456)" = "$t1" ] || { echo "FAIL: a spot check after a complete one moved the clock"; fails=$((fails + 1)); }
# an idempotent retry of the complete one says it was recorded, not counted again
ok asw alice wendy inventory --serial KG1 --serial KG3 --item 'edition=7 title=KAO 12' --idempotency-key inv-retry-1
ok asw alice wendy inventory --serial KG1 --serial KG3 --item 'edition=7 title=KAO 12' --idempotency-key inv-retry-1
printf '%s\n' "$LAST_OUT" | grep -q '^already recorded' && ! printf '%s\n' "$LAST_OUT" | grep -q 'inventory clock' ||
	{ echo "FAIL: a retried inventory should say only 'already recorded'"; printf '%s\n' "$LAST_OUT"; fails=$((fails + 1)); }
t2=$(q "SELECT max(time) FROM custos.log_entry WHERE action = 'inventory'")
[ "$(last_inv 123456)" = "$t2" ] || { echo "FAIL: the second complete inventory did not reset the clock"; fails=$((fails + 1)); }

# ---- the insider, with psql ----
# the clock is not the custodian's to set
refused_sql alice 'permission denied' "UPDATE custos.account SET last_inventory = now() WHERE number = '123456'"
# a spot check signed by hand and sent with psql: applied as a spot check
KG1='kind=equipment alc=1 class=C crypto=no qty=1 serial=KG1 edition=- effective=- supersedes=- title=KG-175D'
lastnote 123456
timed spot --sign "$W/alice.key" --sign "$W/wendy.key" --action inventory --account 123456 --txn-seq "$SEQ" --item "$KG1"
before=$(size)
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql spot)"
[ "$(size)" = $((before + 1)) ] || { echo "FAIL: the spot check by hand was not applied"; fails=$((fails + 1)); }
[ "$(last_inv 123456)" = "$t2" ] || { echo "FAIL: the server let a hand-sent spot check reset the clock"; fails=$((fails + 1)); }

ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
# a superuser who moves the clock by hand is caught by the replay
q "ALTER TABLE custos.account DISABLE TRIGGER USER" >/dev/null
q "UPDATE custos.account SET last_inventory = now() WHERE number = '123456'" >/dev/null
q "ALTER TABLE custos.account ENABLE TRIGGER USER" >/dev/null
expect_err 1 'account 123456' asq dave log verify
gapfree inventory
finish
