#!/usr/bin/env bash
# Change of custodian (docs/ledger.md): the outgoing and the incoming
# custodian sign one joint inventory of every item on hand or issued at the
# account; accountability passes at that entry, the outgoing custodian's
# role ends.  Through custos, then as the insider through psql: the server
# refuses a forged handover that breaks a rule and applies a sound one.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
for who in gus hal jo; do mkkey $who >"$W/$who.vkey" || exit 1; done
ok asw adm gus person add gus --role alternate --account 123456 --pubkey "$(cat "$W/gus.vkey")"
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D'
ok asw alice carol issue --holder carol --serial KG3
ok as alice transfer --to COR --serial KG2        # in transit: not inventoried
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG4 title=KG-175D'
ok asw alice wendy destroy --serial KG4 --method shred --authority DIR-7   # gone: not listed

# ---- refusals, each changing nothing ----
before=$(size)
usage asw alice gus custodian change --serial KG1 --serial KG3
expect_err 1 'lists every item on hand or issued at account 123456, 2 now; it lists 1.*not listed: KG-175D serial KG3' \
	asw alice gus custodian change --incoming gus --serial KG1
printf '%s\n' "$LAST_OUT" | grep -q '^hint: list every item' ||
	{ echo "FAIL: no hint for an incomplete inventory"; fails=$((fails + 1)); }
expect_err 1 'item KG-175D serial KG2 is in transit' \
	asw alice gus custodian change --incoming gus --serial KG1 --serial KG3 --item 'serial=KG2 title=KG-175D'
expect_err 1 'the incoming custodian nobody is not an enrolled person' \
	asw alice gus custodian change --incoming nobody --serial KG1 --serial KG3
expect_err 1 'the incoming custodian dave is not an enrolled person who may sign' \
	asw alice dave custodian change --incoming dave --serial KG1 --serial KG3
expect_err 1 "the second key is wendy's, but the incoming custodian is gus" \
	asw alice wendy custodian change --incoming gus --serial KG1 --serial KG3
expect_err 1 'gus is not the custodian of account 123456: the outgoing custodian hands over' \
	asw gus carol custodian change --incoming carol --serial KG1 --serial KG3
expect_err 1 'incoming custodian gus co-signs: give their key' \
	as alice custodian change --incoming gus --serial KG1 --serial KG3
[ "$(size)" = "$before" ] || { echo "FAIL: a refused handover changed the log"; fails=$((fails + 1)); }

# ---- the handover ----
expect_out 'custodian change: log entry [0-9]+, transaction 123456-' asw alice gus custodian change --incoming gus --serial KG1 --serial KG3 \
	--text 'joint inventory, change of custodian'
IDX=$(q "SELECT max(idx) FROM custos.log_entry")
[ "$(q "SELECT string_agg(role || ' ' || since_idx, ',' ORDER BY role) FROM custos.person_role WHERE person = 'gus' AND account = '123456'")" = "alternate $(q "SELECT since_idx FROM custos.person_role WHERE person = 'gus' AND role = 'alternate'"),custodian $IDX" ] ||
	{ echo "FAIL: gus is not custodian from entry $IDX"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'alice'")" = 0 ] &&
	[ "$(q "SELECT revoked_idx FROM custos.person WHERE name = 'alice'")" = "$IDX" ] ||
	{ echo "FAIL: alice's custodian role (her last) did not end at $IDX"; fails=$((fails + 1)); }
[ "$(q "SELECT pg_has_role('alice', 'custos_custodian', 'MEMBER')")" = f ] &&
	[ "$(q "SELECT pg_has_role('gus', 'custos_custodian', 'MEMBER')")" = t ] ||
	{ echo "FAIL: the logins' group roles do not follow the handover"; fails=$((fails + 1)); }
[ "$(q "SELECT last_inventory = (SELECT time FROM custos.log_entry WHERE idx = $IDX) FROM custos.account WHERE number = '123456'")" = t ] ||
	{ echo "FAIL: the handover is not the account's last inventory"; fails=$((fails + 1)); }
[ "$(q "SELECT status || ' ' || holder FROM custos.item WHERE serial = 'KG3'")" = "issued carol" ] ||
	{ echo "FAIL: the issued item changed"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.entry_item WHERE idx = $IDX")" = 2 ] ||
	{ echo "FAIL: the handover does not list its two items"; fails=$((fails + 1)); }
# the outgoing custodian no longer acts; the incoming one does
refused as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG5 title=KG-175D'
ok as gus receive --from COR --item 'kind=equipment alc=1 class=C serial=KG5 title=KG-175D'
ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"

# ---- the insider: forged handovers of account 654321 sent with psql ----
ok asw adm hal person add hal --role alternate --account 654321 --pubkey "$(cat "$W/hal.vkey")"
ok asw adm jo person add jo --role witness --account 654321 --pubkey "$(cat "$W/jo.vkey")"
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B1 title=KG-175D'
B1='kind=equipment alc=1 class=C crypto=no qty=1 serial=B1 edition=- effective=- supersedes=- title=KG-175D'
handover_refused() { # NAME PATTERN RULE|- (forge arguments after the name)
	local name=$1 pat=$2 rule=$3; shift 3
	lastnote 654321
	timed "$name" --action custodian-change --account 654321 --txn-seq "$SEQ" "$@"
	refused_sql "$(field actor)" "$pat" "$(hand_sql "$name")"
	[ "$rule" = - ] || printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $rule\$" ||
		{ echo "FAIL: $name: no DETAIL naming rule $rule"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
handover_refused alone 'signed by 1 distinct trusted key, 2 needed' - \
	--sign "$W/bob.key" --holder hal --item "$B1"
handover_refused by_witness 'permission denied for table log_entry' - \
	--sign "$W/jo.key" --sign "$W/hal.key" --holder hal --item "$B1"
handover_refused by_alternate 'needs the outgoing custodian of account 654321 \(its custodian, not an alternate\)' signers \
	--sign "$W/hal.key" --sign "$W/jo.key" --holder jo --item "$B1"
handover_refused not_cosigned 'needs the incoming custodian jo besides' signers \
	--sign "$W/bob.key" --sign "$W/hal.key" --holder jo --item "$B1"
handover_refused short 'lists every item on hand or issued at account 654321, 1 now; it lists 0' inventory_incomplete \
	--sign "$W/bob.key" --sign "$W/hal.key" --holder hal
handover_refused to_auditor 'the incoming custodian dave is not an enrolled person who may sign' incoming_unknown \
	--sign "$W/bob.key" --sign "$W/dave.key" --holder dave --item "$B1"
[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'hal' AND role = 'custodian'")" = 0 ] ||
	{ echo "FAIL: a refused handover gave hal the account"; fails=$((fails + 1)); }
# a sound one, signed by hand: the server applies it
lastnote 654321
timed sound --sign "$W/bob.key" --sign "$W/hal.key" --action custodian-change --account 654321 \
	--txn-seq "$SEQ" --holder hal --item "$B1"
before=$(size)
ok env PGUSER=bob psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
[ "$(size)" = $((before + 1)) ] &&
	[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'hal' AND role = 'custodian' AND account = '654321' AND since_idx = $(field index)")" = 1 ] &&
	[ "$(q "SELECT revoked_idx FROM custos.person WHERE name = 'bob'")" = "$(field index)" ] ||
	{ echo "FAIL: the sound handover by hand was not applied"; fails=$((fails + 1)); }
ok asq dave log verify
gapfree handover
finish
