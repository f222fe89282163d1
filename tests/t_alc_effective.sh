#!/usr/bin/env bash
# ALC changes and key put into effect (docs/ledger.md): a custodian
# upgrades an item's ALC alone, downgrades it only with the national
# authority's reference; keying material held in reserve goes into effect
# once, on or after its effective date and before its supersession.
# Through custos, then as the insider through psql: a direct UPDATE of the
# ALC or the effect state is refused, the server refuses a forged entry
# that breaks a rule and applies a sound one.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
alc_of() { q "SELECT alc FROM custos.item WHERE serial = '$1'"; }
use_of() { q "SELECT in_effect FROM custos.item WHERE serial = '$1'"; }
key() { # SERIAL ALC CLASS EFFECTIVE SUPERSEDES
	printf 'kind=key alc=%s class=%s crypto=yes serial=%s effective=%s supersedes=%s title=AKAT %s' \
		"$2" "$3" "$1" "$4" "$5" "$1"
}
ok as alice receive --from COR \
	--item 'kind=equipment alc=2 class=C serial=E1 title=KG-175D' \
	--item 'kind=publication alc=4 class=U qty=5 title=KAM-1' \
	--item "$(key K1 7 S 2020-01-01 2099-12-31)" \
	--item "$(key K2 6 C 2099-01-01 2099-12-31)" \
	--item "$(key K3 7 C 2020-01-01 2021-01-01)" \
	--item "$(key K4 7 C 2020-01-01 2099-12-31)" \
	--item "$(key K5 7 C 2020-01-01 2099-12-31)"
asw alice wendy receive --from COR --item "$(key KT 6 TS 2020-01-01 2099-12-31)" >/dev/null ||
	{ echo "FAIL: receipt of KT"; fails=$((fails + 1)); }

# ---- ALC: upgrade, downgrade, refusals ----
before=$(size)
expect_err 2 'the ALC is 1, 2, 4, 6 or 7, not' as alice alc --alc 3 --serial E1
expect_err 2 'missing --alc' as alice alc --serial E1
expect_err 1 'ALC-2 to ALC-4 is no upgrade: only the national authority may direct it' \
	as alice alc --alc 4 --serial E1
expect_err 1 'hint: a downgrade is the national authority' as alice alc --alc 4 --serial E1
expect_err 1 'item KG-175D serial E1 is ALC-2 already' as alice alc --alc 2 --serial E1
expect_err 1 'not keying material: ALC-7 is for electronic key only' as alice alc --alc 7 --serial E1
expect_err 1 'ALC-1 material is accounted by serial' as alice alc --alc 1 --item 'title=KAM-1'
expect_err 1 'ALC-7 to ALC-6 is no upgrade|ALC-6 to ALC-1 is no upgrade' as alice alc --alc 1 --serial K2
expect_err 1 'the national authority.s reference \(detail authority\) is 1 to 32' \
	as alice alc --alc 4 --serial E1 --authority 'no spaces'
expect_err 1 'wendy is not custodian or alternate of account 123456' as wendy alc --alc 1 --serial E1 --account 123456
want 'refused ALC changes changed the log' "$(size)" "$before"
want 'E1 after the refusals' "$(alc_of E1)" 2
expect_out 'alc: log entry [0-9]+, transaction 123456-' as alice alc --alc 1 --serial E1
want 'E1 upgraded' "$(alc_of E1)" 1
IDX=$(q "SELECT max(idx) FROM custos.log_entry")
want 'the upgrade is in E1 history' "$(q "SELECT count(*) FROM custos.entry_item ei JOIN custos.item i ON i.id = ei.item_id WHERE ei.idx = $IDX AND i.serial = 'E1'")" 1
expect_out 'on_hand on account 123456 ALC 1' asq alice history E1
ok as alice alc --alc 4 --serial E1 --authority NSA-2026/17
want 'E1 downgraded on the authority' "$(alc_of E1)" 4
want 'the downgrade names the authority' \
	"$(q "SELECT convert_from(note, 'UTF8') ~ 'detail authority NSA-2026/17' FROM custos.log_entry WHERE idx = (SELECT max(idx) FROM custos.log_entry)")" t
ok as alice alc --alc 2 --item 'title=KAM-1'
want 'KAM-1 upgraded to ALC-2' "$(q "SELECT alc FROM custos.item WHERE title = 'KAM-1'")" 2
# the new ALC is the record's: the next entry carries it (a transfer, say)
ok as alice transfer --to 654321 --serial E1
ok as bob accept "$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")" --account 654321
want 'E1 accepted with its new ALC' "$(q "SELECT alc || ' ' || account FROM custos.item WHERE serial = 'E1'")" '4 654321'
# TOP SECRET key: a second person signs
expect_err 1 'needs a second|second person' as alice alc --alc 1 --serial KT --authority NSA-2026/18
ok asw alice wendy alc --alc 1 --serial KT --authority NSA-2026/18
want 'KT changed with a witness' "$(alc_of KT)" 1

# ---- key into effect ----
before=$(size)
expect_err 1 'no open item with serial E1 on account 123456' as alice effective --serial E1
expect_err 1 'item KG-175D serial E1 is on hand at account 654321, not on hand or issued at account 123456' \
	as alice effective --item 'serial=E1 title=KG-175D'
expect_err 1 'is publication, not keying material: only key is put into effect' as alice effective --item 'title=KAM-1'
expect_err 1 'item AKAT K2 serial K2 is effective from 2099-01-01, not yet' as alice effective --serial K2
expect_err 1 'item AKAT K3 serial K3 is superseded on 2021-01-01' as alice effective --serial K3
expect_err 1 'needs a second|second person' as alice effective --serial KT
want 'refused effects changed the log' "$(size)" "$before"
expect_out 'on_hand \(reserve\) on account 123456' asq alice history K1
expect_out 'effective: log entry [0-9]+, transaction 123456-' as alice effective --serial K1
want 'K1 in effect' "$(use_of K1)" t
expect_out 'on_hand \(effective\) on account 123456' asq alice history K1
expect_out 'K1 +key +S +7 +1 +on_hand +effective' asq alice holdings --serial K1
expect_out '"in_effect":true' asq alice holdings --serial K1 --json
expect_err 1 'item AKAT K1 serial K1 is in effect already' as alice effective --serial K1
ok asw alice wendy effective --serial KT
# issued key goes into effect and stays under its hand receipt
ok asw alice carol issue --holder carol --serial K4
H=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok as alice effective --serial K4
want 'K4 in effect, still issued under its hand receipt' \
	"$(q "SELECT status || ' ' || in_effect || ' ' || last_txn FROM custos.item WHERE serial = 'K4'")" "issued true $H"
ok asw alice carol return "$H" --holder carol --serial K4
want 'K4 returned, in effect' "$(q "SELECT status || ' ' || in_effect FROM custos.item WHERE serial = 'K4'")" 'on_hand true'
# key that leaves the account comes anywhere in reserve
ok as alice transfer --to 654321 --serial K1
want 'K1 in transit: in reserve' "$(use_of K1)" f
ok as bob accept "$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")" --account 654321
ok as bob effective --serial K1 --account 654321
want 'K1 in effect at its new account' "$(use_of K1)" t
ok asq dave log verify

# ---- the insider: writes through psql ----
refused_sql alice 'permission denied for table item' "UPDATE custos.item SET alc = 1 WHERE serial = 'K5'"
refused_sql alice 'permission denied for table item' "UPDATE custos.item SET in_effect = true WHERE serial = 'K5'"
# the state guard refuses even the database's owner
expect_err 1 "UPDATE on item outside the server's application of a log entry" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.item SET alc = 1 WHERE serial = 'K5'"
expect_err 1 "UPDATE on item outside the server's application of a log entry" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.item SET in_effect = true WHERE serial = 'K5'"
want 'K5 after the direct writes' "$(alc_of K5) $(use_of K5)" '7 f'

# ---- the insider: forged entries ----
I5='kind=key alc=7 class=C crypto=yes qty=1 serial=K5 edition=- effective=2020-01-01 supersedes=2099-12-31 title=AKAT K5'
I4='kind=key alc=7 class=C crypto=yes qty=1 serial=K4 edition=- effective=2020-01-01 supersedes=2099-12-31 title=AKAT K4'
I3='kind=key alc=7 class=C crypto=yes qty=1 serial=K3 edition=- effective=2020-01-01 supersedes=2021-01-01 title=AKAT K3'
I5_6='kind=key alc=6 class=C crypto=yes qty=1 serial=K5 edition=- effective=2020-01-01 supersedes=2099-12-31 title=AKAT K5'
forged() { # NAME PATTERN RULE|- (forge arguments after the rule)
	local name=$1 pat=$2 rule=$3; shift 3
	lastnote
	timed "$name" --sign "$W/alice.key" --account 123456 --txn-seq "$SEQ" "$@"
	refused_sql alice "$pat" "$(hand_sql "$name")"
	[ "$rule" = - ] || printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $rule\$" ||
		{ echo "FAIL: $name: no DETAIL naming rule $rule"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
# a sound upgrade, signed by hand: the server applies it
lastnote
timed sound --sign "$W/alice.key" --action alc-change --account 123456 --txn-seq "$SEQ" \
	--detail alc=6 --item "$I5"
before=$(size)
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
want 'the sound upgrade by hand' "$(size) $(alc_of K5)" "$((before + 1)) 6"
forged no_authority 'ALC-6 to ALC-2 is no upgrade' alc_authority \
	--action alc-change --detail alc=2 --item "$I5_6"
forged sideways 'ALC-6 to ALC-1 is no upgrade' alc_authority \
	--action alc-change --detail alc=1 --item "$I5_6"
forged same_alc 'is ALC-6 already' alc_value --action alc-change --detail alc=6 --item "$I5_6"
forged bad_alc 'the new ALC \(detail alc\) is one of' alc_value --action alc-change --detail alc=5 --item "$I5_6"
forged old_facts 'ALC is 6 in the ledger, not 7' item_facts --action alc-change --detail alc=1 \
	--detail authority=NSA-1 --item "$I5"
forged twice 'is in effect already' in_effect --action key-effective --item "$I4"
forged superseded 'is superseded on 2021-01-01' superseded --action key-effective --item "$I3"
forged no_items 'lists at least one item' - --action key-effective
want 'the forged entries moved K5' "$(alc_of K5) $(use_of K5)" '6 f'
lastnote
timed sound2 --sign "$W/alice.key" --action key-effective --account 123456 --txn-seq "$SEQ" \
	--item "$I5_6"
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound2)"
want 'the sound effect by hand' "$(use_of K5)" t
ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
# the offline holdings of an export bundle say what is in effect and what is
# held in reserve
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK"
ok env PGUSER=adm "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
ok asq dave log export --out "$W/bundle"
asq dave log policy >"$W/policy"
expect_out 'AKAT K5 #K5  qty 1  C  ALC 6  on_hand effective  last' "$CV" --policy "$W/policy" --holdings "$W/bundle"
expect_out 'AKAT K2 #K2  qty 1  [A-Z]+  ALC [0-9]  on_hand reserve  last' "$CV" --policy "$W/policy" --holdings "$W/bundle"
expect_out '"serial":"K2",[^}]*"use":"reserve"' "$CV" --policy "$W/policy" --holdings --json "$W/bundle"
gapfree alc
# a superuser who turns the guard off is found out: log verify compares both
psql -qAtX -c "SET session_replication_role = replica; UPDATE custos.item SET in_effect = false WHERE serial = 'K5'" >/dev/null
expect_err 1 'item AKAT K5 serial K5: in_effect: database no, log yes' asq dave log verify
psql -qAtX -c "SET session_replication_role = replica; UPDATE custos.item SET in_effect = true, alc = 1 WHERE serial = 'K5'" >/dev/null
expect_err 1 'item AKAT K5 serial K5: alc: database 1, log 6' asq dave log verify
finish
