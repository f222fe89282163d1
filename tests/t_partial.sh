#!/usr/bin/env bash
# Partial quantities (docs/ledger.md, "Partial quantities"): a transfer,
# issue, destruction or incident report takes part of a quantity lot.  The entry lists the
# part as the lot's serial plus "+INDEX", its own index; the lot keeps its
# identity with the rest; the part is a new item that takes the action's
# effect and is named by its serial afterwards.  Through custos, then as
# the insider through psql: a direct write of a quantity is refused, and
# the server refuses a forged split that breaks a rule.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
row() { # SERIAL: "qty status account" of the item with that serial
	q "SELECT qty || ' ' || status || ' ' || account FROM custos.item WHERE serial = '$1'"
}
last_txn() { q "SELECT max(number) FROM custos.txn WHERE account = '${1:-123456}'"; }
last_idx() { q "SELECT max(idx) FROM custos.log_entry"; }
in_history() { # SERIAL IDX: does the item's history hold entry IDX?
	q "SELECT count(*) FROM custos.entry_item ei JOIN custos.item i ON i.id = ei.item_id
	   WHERE i.serial = '$1' AND ei.idx = $2"
}
ok as alice receive --from COR \
	--item 'kind=publication alc=4 class=U qty=100 serial=LOT7 title=KAM-9' \
	--item 'kind=publication alc=2 class=C qty=50 title=KAO-1' \
	--item 'kind=equipment alc=1 class=C serial=E1 title=KG-175D' \
	--item 'kind=publication alc=4 class=U qty=10 serial=A23456789012345678901234567890 title=KAM-L'

# ---- a transfer of 30 of 100 ----
N=$(size)
expect_out "transfer: log entry $N, transaction 123456-" \
	as alice transfer --to 654321 --item 'serial=LOT7 qty=30 title=KAM-9'
want 'the entry lists the part' \
	"$(q "SELECT convert_from(note, 'UTF8') ~ 'qty=30 serial=LOT7\\+$N ' FROM custos.log_entry WHERE idx = $N")" t
want 'the lot keeps the rest' "$(row LOT7)" '70 on_hand 123456'
want 'the part is in transit' "$(row "LOT7+$N")" '30 in_transit 123456'
want 'the lot has the split in its history' "$(in_history LOT7 "$N")" 1
want 'the part has it too' "$(in_history "LOT7+$N" "$N")" 1
expect_out "LOT7\\+$N +publication +U +4 +30 +in_transit" asq alice holdings --serial LOT7
expect_out "LOT7 +publication +U +4 +70 +on_hand" asq alice holdings --serial LOT7
T1=$(last_txn)
ok as bob accept "$T1" --account 654321
want 'the part accepted' "$(row "LOT7+$N")" '30 on_hand 654321'
# a part of the part, at the receiver
P=$N N2=$(size)
ok as bob transfer --to 123456 --account 654321 --item "serial=LOT7+$P qty=10 title=KAM-9"
want 'a part of a part' "$(row "LOT7+$P+$N2")" '10 in_transit 654321'
want 'the part keeps the rest' "$(row "LOT7+$P")" '20 on_hand 654321'
ok as alice accept "$(last_txn 654321)"
want 'back at 123456 as its own lot' "$(row "LOT7+$P+$N2")" '10 on_hand 123456'

# ---- an issue of 5 and its return ----
N3=$(size)
ok asw alice carol issue --holder carol --item 'serial=LOT7 qty=5 title=KAM-9'
H=$(last_txn)
want 'the issued part' "$(row "LOT7+$N3")" '5 issued 123456'
want 'the lot after the issue' "$(row LOT7)" '65 on_hand 123456'
want 'the hand receipt holds the part' \
	"$(q "SELECT holder || ' ' || last_txn FROM custos.item WHERE serial = 'LOT7+$N3'")" "carol $H"
ok asw alice carol return "$H" --holder carol --serial "LOT7+$N3"
want 'the part returned' "$(row "LOT7+$N3")" '5 on_hand 123456'

# ---- a destruction of 20 of a lot without a serial ----
N4=$(size)
ok asw alice wendy destroy --item 'qty=20 title=KAO-1' --method burn --authority DIR-2026/3
want 'the destroyed part' "$(row "+$N4")" '20 destroyed 123456'
want 'the lot without a serial keeps 30' \
	"$(q "SELECT qty || ' ' || status FROM custos.item WHERE title = 'KAO-1' AND serial = ''")" '30 on_hand'

# ---- a retry under one idempotency key applies once ----
N5=$(size)
ok as alice transfer --to 654321 --item 'serial=LOT7 qty=15 title=KAM-9' --idempotency-key part-retry-1
expect_out 'already recorded|applied already' \
	as alice transfer --to 654321 --item 'serial=LOT7 qty=15 title=KAM-9' --idempotency-key part-retry-1
want 'the retry split nothing more' "$(row LOT7) $(size)" "50 on_hand 123456 $((N5 + 1))"
expect_err 1 'idempotency key part-retry-1 was used for entry [0-9]+ \(transfer 123456-[0-9-]+\), with other items' \
	as alice transfer --to 654321 --item 'serial=LOT7 qty=16 title=KAM-9' --idempotency-key part-retry-1

# ---- refusals, in words naming what is wrong; nothing changes ----
before=$(size)
expect_err 1 'lot KAM-9 serial LOT7 holds 50: a part of it is 1 to 49, not 80' \
	as alice transfer --to 654321 --item 'serial=LOT7 qty=80 title=KAM-9'
expect_err 1 'lot KG-175D serial E1 holds 1: it is not split' \
	as alice transfer --to 654321 --item 'serial=E1 qty=2 title=KG-175D'
expect_err 1 'only a transfer, an issue, a destruction or an incident report takes part of a lot; inventory takes it whole' \
	asw alice wendy inventory --item 'serial=LOT7 qty=3 title=KAM-9'
expect_err 1 'longer than 32 characters' \
	as alice transfer --to 654321 --item 'serial=A23456789012345678901234567890 qty=3 title=KAM-L'
expect_err 2 'qty must be a number from 1 to' as alice transfer --to 654321 --item 'serial=LOT7 qty=0 title=KAM-9'
expect_err 2 'qty must be a number from 1 to' as alice transfer --to 654321 --item "serial=LOT7 qty=1';DROP title=KAM-9"
expect_err 1 'item KAM-9 serial LOT7\+0 is not in the ledger' as alice transfer --to 654321 --item 'serial=LOT7+0 qty=3 title=KAM-9'
expect_err 1 'item KAM-9 serial LOT7\+99999 is not in the ledger' \
	as alice transfer --to 654321 --item 'serial=LOT7+99999 title=KAM-9'
want 'refusals changed the log' "$(size)" "$before"
want 'refusals changed the lot' "$(row LOT7)" '50 on_hand 123456'
ok asq dave log verify

# ---- the insider: writes through psql ----
refused_sql alice 'permission denied for table item' "UPDATE custos.item SET qty = 99 WHERE serial = 'LOT7'"
expect_err 1 "UPDATE on item outside the server's application of a log entry" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.item SET qty = 99 WHERE serial = 'LOT7'"

# ---- the insider: forged splits ----
lot() { # SERIAL QTY [CLASS]: a line of KAM-9
	printf 'kind=publication alc=4 class=%s crypto=no qty=%s serial=%s edition=- effective=- supersedes=- title=KAM-9' \
		"${3:-U}" "$2" "$1"
}
forged() { # NAME PATTERN RULE (forge arguments after the rule)
	local name=$1 pat=$2 rule=$3; shift 3
	lastnote
	timed "$name" --sign "$W/alice.key" --account 123456 --txn-seq "$SEQ" "$@"
	refused_sql alice "$pat" "$(hand_sql "$name")"
	printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $rule\$" ||
		{ echo "FAIL: $name: no DETAIL naming rule $rule"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
X=$(size) # the index the next forged entry has
forged all_of_it 'lot KAM-9 serial LOT7 holds 50: a part of it is 1 to 49, not 50' split_qty \
	--action transfer --peer 654321 --item "$(lot "LOT7+$X" 50)"
forged more 'holds 50: a part of it is 1 to 49, not 70' split_qty \
	--action transfer --peer 654321 --item "$(lot "LOT7+$X" 70)"
forged facts 'classification is U in the ledger, not S' item_facts \
	--action transfer --peer 654321 --item "$(lot "LOT7+$X" 5 S)"
forged inventory 'inventory takes it whole' split_action \
	--action inventory --sign "$W/wendy.key" --item "$(lot "LOT7+$X" 5)"
forged whole_and_part 'lot KAM-9 serial LOT7 is listed whole and a part of it too' item_twice \
	--action transfer --peer 654321 --item "$(lot LOT7 50)" --item "$(lot "LOT7+$X" 5)"
forged other_index "item KAM-9 serial LOT7\\+$((X + 7)) is not in the ledger" item_state \
	--action transfer --peer 654321 --item "$(lot "LOT7+$((X + 7))" 5)"
forged elsewhere "item KAM-9 serial LOT7\\+$P is on hand at account 654321, not on hand, issued or under an incident at account 123456" item_state \
	--action destroy --sign "$W/wendy.key" --method burn --authority DIR-1 --item "$(lot "LOT7+$P+$X" 5)"
want 'the forged splits changed the lot' "$(row LOT7) $(size)" "50 on_hand 123456 $X"
# a sound split, signed by hand: the server applies it itself
lastnote
timed sound --sign "$W/alice.key" --account 123456 --txn-seq "$SEQ" --action transfer --peer 654321 \
	--item "$(lot "LOT7+$X" 7)"
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
want 'the sound split by hand' "$(row LOT7) / $(row "LOT7+$X")" '43 on_hand 123456 / 7 in_transit 123456'

# ---- an incident report of part of a lot: an inventory counted it short ----
ok as alice receive --from COR --item 'kind=publication alc=4 class=U qty=10 serial=LOT10 title=KAM-10'
N=$(size)
expect_out "incident report: log entry $N, transaction 123456-" \
	as alice incident report --category physical --discovered 2026-01-01T00:00Z \
	--text 'counted 8 of 10' --item 'serial=LOT10 qty=2 title=KAM-10'
want 'the lot keeps what was counted' "$(row LOT10)" '8 on_hand 123456'
want 'the missing part is under the incident' "$(row "LOT10+$N")" '2 incident 123456'

# ---- the log agrees, online and offline ----
ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
gapfree partial
# a superuser who bypasses the guard is found out: log verify replays the split
psql -qAtX -c "SET session_replication_role = replica; UPDATE custos.item SET qty = 44 WHERE serial = 'LOT7'" >/dev/null
expect_err 1 'item KAM-9 serial LOT7: qty: database 44, log 43' asq dave log verify
finish
