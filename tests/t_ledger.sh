#!/usr/bin/env bash
# The whole custody lifecycle of DOMAIN.md from the command line, on a real
# PostgreSQL server, with its refusals; every change must be a signed log
# entry that `custos log verify` and custos-verify accept.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger

AKAT='kind=key alc=1 class=S crypto=yes serial=0001 edition=A effective=2026-01-01 supersedes=2026-02-01 title=AKAT 1234'
TSKEY='kind=key alc=1 class=TS crypto=yes serial=9001 edition=B effective=2026-03-01 supersedes=2026-04-01 title=AKAT 5678'

# --- the schema --------------------------------------------------------------
expect_out '0 pending' "$C" db status
expect_out '0 migrations applied; the schema is current' "$C" db migrate
expect_err 1 'already begun' "$C" db init --origin custos.test/other --admin adm --admin-key "$W/adm.key" --passphrase-fd 3 3<<<"$PASS"
# a migration edited after it was applied is named, not silently trusted
q "UPDATE custos.schema_version SET sha256 = repeat('0', 64) WHERE version = 1"
expect_err 1 'migration 001_schema as applied differs' "$C" db status
q "UPDATE custos.schema_version SET sha256 = '$(sha256sum "$ROOT/sql/001_schema.sql" | cut -d' ' -f1)' WHERE version = 1"
expect_out '0 pending' "$C" db status

# --- receipt -------------------------------------------------------------
expect_out 'transaction 123456-20[0-9]{2}-0001' as alice receive --from COR --item "$AKAT" \
	--item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' \
	--item 'kind=publication alc=2 class=U qty=25 edition=3 title=KAO 12' --text "initial receipt"
[ "$(q "SELECT count(*) FROM custos.item WHERE account = '123456' AND status = 'on_hand'")" = 5 ] ||
	{ echo "FAIL: 5 items on hand expected"; fails=$((fails+1)); }
# TOP SECRET keying material needs a second person
expect_err 1 'second person' as alice receive --from COR --item "$TSKEY"
ok asw alice wendy receive --from COR --item "$TSKEY"
# the policy may demand two signers for keying material below TOP SECRET
ok asw adm erin policy set two_person_key_class=2
expect_err 1 'second person' as alice receive --from COR --item 'kind=key alc=1 class=S crypto=yes serial=S2 edition=A title=AKAT 4321'
ok asw alice wendy receive --from COR --item 'kind=key alc=1 class=S crypto=yes serial=S2 edition=A title=AKAT 4321'
ok as alice receive --from COR --item 'kind=key alc=1 class=C serial=C2 edition=A title=AKAT 4321'
ok asw adm erin policy set two_person_key_class=3
# receiving an item that is already open is refused
expect_err 1 'KG-175D serial KG1 is on hand at account 123456, not new to the ledger' as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D'
# material from an account of this ledger comes only by accepting its transfer
expect_err 1 'account 654321 is an account of this ledger: its material arrives only by accepting its transfer' as alice receive --from 654321 --item 'kind=equipment alc=1 class=C serial=FROMBOB title=KG-175D'
# invalid material is refused before anything is written
expect_err 2 'serial' as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=bad;serial title=KG-175D'
expect_err 2 'ALC-1' as alice receive --from COR --item 'kind=equipment alc=1 class=C title=KG-175D'
expect_err 2 'date' as alice receive --from COR --item 'kind=key alc=1 class=S serial=7 effective=2026-02-30 title=AKAT 1'
expect_err 2 'qty' as alice receive --from COR --item 'kind=publication alc=2 class=U qty=0 title=KAO 1'
expect_err 2 'short title' as alice receive --from COR --item "kind=equipment alc=1 class=C serial=9 title=KG'; DROP TABLE custos.item; --"
expect_err 2 'COR or a six-digit' as alice receive --from "1234567" --item "$AKAT"
# a huge argument is refused and not echoed whole
expect_err 2 '\.\.\. \(100000 bytes in all\)' as alice transfer --to COR --serial "$(head -c 100000 /dev/zero | tr '\0' 9)"
[ ${#LAST_OUT} -lt 1000 ] || { echo "FAIL: the error echoed ${#LAST_OUT} bytes"; fails=$((fails+1)); }

# --- transfer and accept ------------------------------------------------------
expect_out 'transaction 123456-[0-9]{4}-0005' as alice transfer --to 654321 --serial KG1 --serial KG2
T=$(q "SELECT number FROM custos.txn WHERE action = 'transfer'")
[ "$(q "SELECT status FROM custos.item WHERE serial = 'KG1'")" = in_transit ] ||
	{ echo "FAIL: KG1 should be in transit"; fails=$((fails+1)); }
# the receiver sees it waiting for acceptance
expect_out "in transit to 654321" asq bob txn list --account 654321
printf '%s\n' "$LAST_OUT" | grep -q "^$T " || { echo "FAIL: bob's list lacks incoming $T"; fails=$((fails+1)); }
# only the receiver accepts; the sender cannot take it back
expect_err 1 'its custodian accepts' as alice accept "$T" --account 123456
expect_err 1 'not custodian' as alice accept "$T" --account 654321
expect_out 'transaction 654321-[0-9]{4}-0001' as bob accept "$T"
[ "$(q "SELECT account || ' ' || status FROM custos.item WHERE serial = 'KG2'")" = "654321 on_hand" ] ||
	{ echo "FAIL: KG2 should be on hand at 654321"; fails=$((fails+1)); }
expect_err 1 'not a transfer in transit' as bob accept "$T"
# the sender keeps its records: the items it sent and their history, read
# as alice herself through psql; an account that never held them does not
for l in alice bob; do
	[ "$(PGUSER=$l psql -qAtX -c "SELECT count(*) FROM custos.item WHERE serial IN ('KG1', 'KG2')")" = 2 ] ||
		{ echo "FAIL: $l no longer reads the items of transfer $T"; fails=$((fails+1)); }
done
[ "$(PGUSER=alice psql -qAtX -c "SELECT count(*) FROM custos.entry_item ei JOIN custos.item i ON i.id = ei.item_id WHERE i.serial = 'KG2'")" -ge 3 ] ||
	{ echo "FAIL: alice no longer reads KG2's history"; fails=$((fails+1)); }
expect_out 'KG2' asq alice history KG2
[ "$(PGUSER=bob psql -qAtX -c "SELECT count(*) FROM custos.item_record WHERE account = '123456'")" = 0 ] ||
	{ echo "FAIL: bob reads account 123456's records"; fails=$((fails+1)); }
[ "$(PGUSER=bob psql -qAtX -c "SELECT count(*) FROM custos.item WHERE serial = 'KG3'")" = 0 ] ||
	{ echo "FAIL: bob reads KG3, which 654321 never held"; fails=$((fails+1)); }
# item not on the account
expect_err 1 'no open item with serial KG1 on account 123456' as alice transfer --to COR --serial KG1
expect_err 1 'not custodian' as alice transfer --to COR --serial KG1 --account 654321
# transfer out of the ledger, acknowledged by the sender
ok as bob transfer --to COR --serial KG2
T2=$(q "SELECT number FROM custos.txn WHERE action = 'transfer' AND account = '654321'")
ok as bob accept "$T2"
[ "$(q "SELECT status FROM custos.item WHERE serial = 'KG2'")" = transferred ] ||
	{ echo "FAIL: KG2 should be transferred"; fails=$((fails+1)); }

# a short shipment, with one item not on the list: received as it came,
# the discrepancy an incident of the receiving account
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=SH1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=SH2 title=KG-175D'
ok as alice transfer --to 654321 --serial SH1 --serial SH2
TS=$(q "SELECT number FROM custos.txn WHERE action = 'transfer' AND account = '123456' AND open")
expect_err 1 'lists all of them .*or records a discrepancy' as bob accept "$TS" --serial SH1
expect_err 1 'lists exactly the 2 items of transfer' as bob accept "$TS" --category physical --serial SH1 --serial SH2
ok as bob accept "$TS" --category physical --serial SH1 --item 'kind=equipment alc=1 class=C serial=SHX title=KG-175D' --text "SH2 missing; SHX not on the list"
[ "$(q "SELECT string_agg(serial || ' ' || account || ' ' || status, ',' ORDER BY serial) FROM custos.item WHERE serial LIKE 'SH%'")" = \
	"SH1 654321 on_hand,SH2 123456 in_transit,SHX 654321 on_hand" ] ||
	{ echo "FAIL: the short shipment's items"; fails=$((fails+1)); }
AI=$(q "SELECT txn FROM custos.incident WHERE account = '654321'")
[ -n "$AI" ] && [ "$(q "SELECT action FROM custos.txn WHERE number = '$AI'")" = accept ] ||
	{ echo "FAIL: the discrepancy opened no incident of 654321"; fails=$((fails+1)); }
[ "$(q "SELECT open FROM custos.txn WHERE number = '$TS'")" = t ] ||
	{ echo "FAIL: transfer $TS should stay in transit for SH2"; fails=$((fails+1)); }
ok as bob accept "$TS" --serial SH2
[ "$(q "SELECT open FROM custos.txn WHERE number = '$TS'")" = f ] ||
	{ echo "FAIL: transfer $TS should be closed"; fails=$((fails+1)); }
ok as bob incident update "$AI" --text "SH2 came in a second box"

# --- hand receipt -------------------------------------------------------------
expect_err 1 'holder signs' as alice issue --holder carol --serial KG3
expect_err 1 "second key is wendy's" asw alice wendy issue --holder carol --serial KG3
ok asw alice carol issue --holder carol --serial KG3 --text "to the ops room"
I=$(q "SELECT number FROM custos.txn WHERE action = 'issue'")
expect_err 1 'KG3 is issued to carol \(123456-2026-[0-9]{4}\) at account 123456, not on hand' as alice transfer --to 654321 --serial KG3
ok asw alice carol return "$I" --holder carol --serial KG3
expect_err 1 'KG3 is on hand at account 123456, not issued to carol under hand receipt' asw alice carol return "$I" --holder carol --serial KG3

# --- destruction (two-person) ---------------------------------------------------
# AKAT 1234 serial 0001 was superseded on 2026-02-01: its destruction needs
# no --authority, and records "superseded"
expect_err 1 'second person' as alice destroy --serial 0001 --method burn
expect_err 1 'different person' asw alice alice destroy --serial 0001 --method burn
expect_err 1 'not an enrolled' asw alice mallory destroy --serial 0001 --method burn
expect_err 1 'dave may not witness on account 123456: a witness holds the witness, alternate or custodian role there' asw alice dave destroy --serial 0001 --method burn
# a witness holds a witnessing role on the account: not a holder, not
# another account's custodian
expect_err 1 'carol may not witness on account 123456' asw alice carol destroy --serial 0001 --method burn
expect_err 1 'bob may not witness on account 123456' asw alice bob destroy --serial 0001 --method burn
# the method is named, from the list
expect_err 2 'give the destruction method' asw alice wendy destroy --serial 0001
expect_err 2 '--method is burn, shred, pulverize, disintegrate, degauss or zeroize, not' asw alice wendy destroy --serial 0001 --method eaten
expect_err 2 'authority reference is at most 32' asw alice wendy destroy --serial 0001 --method burn --authority "$(printf 'D%.0s' {1..40})"
ok asw alice wendy destroy --serial 0001 --method burn --text "witness W. Wendy"
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'destroy'" | grep -q '^authority superseded$' ||
	{ echo "FAIL: a superseded key's destruction should record authority superseded"; fails=$((fails+1)); }
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'destroy'" | grep -q '^method burn$' ||
	{ echo "FAIL: the destruction should record its method"; fails=$((fails+1)); }
expect_err 1 'no open item with serial 0001' asw alice wendy destroy --serial 0001 --method burn
expect_err 1 'destroyed' asw alice wendy destroy --item 'edition=A serial=0001 title=AKAT 1234' --method burn
# equipment is not superseded: its destruction names the direction
expect_err 2 'hint: name the authority that directs the destruction with --authority REF' asw alice wendy destroy --serial C2 --method shred
expect_err 1 'has no supersession date' asw alice wendy destroy --serial C2 --method shred --authority superseded
ok asw alice wendy destroy --serial C2 --method shred --authority DIR-2026-17
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'destroy' ORDER BY idx DESC LIMIT 1" | grep -q '^authority DIR-2026-17$' ||
	{ echo "FAIL: the destruction should record authority DIR-2026-17"; fails=$((fails+1)); }

# --- incident ---------------------------------------------------------------------
# the report says when the incident was discovered; its deadline runs from then
DISC=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%MZ)
expect_err 2 'category' as alice incident report --serial KG3 --discovered "$DISC" --text "missing at muster"
expect_err 2 'give when the incident was discovered' as alice incident report --category physical --serial KG3 --text "missing at muster"
expect_err 2 '--discovered is a UTC time' as alice incident report --category physical --serial KG3 --discovered "yesterday" --text "missing at muster"
expect_err 1 'but discovered at .*, later' as alice incident report --category physical --serial KG3 --discovered "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%MZ)" --text "missing at muster"
ok as alice incident report --category physical --serial KG3 --discovered "$DISC" --text "missing at muster"
N=$(q "SELECT txn FROM custos.incident WHERE account = '123456'")
[ "$(q "SELECT status FROM custos.item WHERE serial = 'KG3'")" = incident ] ||
	{ echo "FAIL: KG3 should be under incident"; fails=$((fails+1)); }
[ "$(q "SELECT to_char(discovered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI\"Z\"') FROM custos.incident WHERE txn = '$N'")" = "$DISC" ] ||
	{ echo "FAIL: the incident should be discovered at $DISC"; fails=$((fails+1)); }
ok as alice incident update "$N" --text "reported to the departmental COMSEC authority"
expect_err 2 'give the authority.s decision' asw alice erin incident close "$N"
expect_err 2 '--outcome is no-compromise, compromised, lost or destroy, not' asw alice erin incident close "$N" --outcome gone
expect_err 1 'not one' asw alice wendy incident close "$N" --outcome lost
ok asw alice erin incident close "$N" --outcome lost
[ "$(q "SELECT status || ' ' || incident FROM custos.item WHERE serial = 'KG3'")" = "relieved $N" ] ||
	{ echo "FAIL: KG3 should be relieved under $N"; fails=$((fails+1)); }
[ "$(q "SELECT outcome FROM custos.incident WHERE txn = '$N'")" = lost ] ||
	{ echo "FAIL: incident $N should be closed as lost"; fails=$((fails+1)); }
# found after relief: back on hand by a possession report naming the incident
expect_err 1 'is relieved from accountability, not new' as alice possession --item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D'
ok as alice possession --item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' --incident "$N" --text "found in the ops room"
[ "$(q "SELECT status || ' ' || coalesce(incident, '-') FROM custos.item WHERE serial = 'KG3'")" = "on_hand -" ] ||
	{ echo "FAIL: KG3 should be on hand again"; fails=$((fails+1)); }
# no compromise: back on hand, nothing written off
ok as alice incident report --category physical --serial KG3 --discovered "$DISC" --text "container unlocked"
N2=$(q "SELECT txn FROM custos.incident WHERE account = '123456' AND txn <> '$N'")
ok asw alice erin incident close "$N2" --outcome no-compromise
[ "$(q "SELECT status FROM custos.item WHERE serial = 'KG3'")" = on_hand ] ||
	{ echo "FAIL: KG3 should be on hand after no compromise"; fails=$((fails+1)); }

# --- possession and inventory --------------------------------------------------------
ok as alice possession --item 'kind=equipment alc=1 class=C serial=KG9 title=KG-175D' --text "found in safe 3"
ok asw alice wendy inventory --serial KG9 --serial 9001
# an incident on TOP SECRET keying material is reported at once, alone
ok as alice incident report --category cryptographic --serial 9001 --discovered "$DISC" --text "seal broken on the canister"
[ "$(q "SELECT status FROM custos.item WHERE serial = '9001'")" = incident ] ||
	{ echo "FAIL: 9001 should be under an incident"; fails=$((fails+1)); }

# --- who may do what -------------------------------------------------------------------
expect_err 1 'wrong passphrase' bash -c "PGUSER=alice '$C' transfer --to COR --serial KG9 --key '$W/alice.key' --passphrase-fd 3 3<<<'not it'"
expect_err 1 'not the enrolled key' bash -c "PGUSER=alice '$C' transfer --to COR --serial KG9 --key '$W/bob.key' --passphrase-fd 3 3<<<'$PASS'"
expect_err 1 'may not write|not custodian|keep no account' as dave transfer --to COR --serial KG9 --account 123456
expect_err 1 'not an administrator' asw alice wendy person add mallory --role holder --account 123456 --pubkey "$(cat "$W/mallory.vkey")"

# --- hostile text is stored literally or refused --------------------------------------
HOSTILE=$'quote \' "dq" ; DROP TABLE custos.item; -- \\ back\nslash\ttab \x1b[31m red \xe2\x80\xae bidi'
ok as alice possession --item 'kind=equipment alc=4 class=U serial=H1 title=HOSTILE 1' --text "$HOSTILE"
[ "$(q "SELECT count(*) FROM custos.item")" -ge 8 ] || { echo "FAIL: items gone"; fails=$((fails+1)); }
# stored literally: the signed entry carries the text, escaped, byte for byte
note=$(q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry e JOIN custos.entry_item USING (idx) JOIN custos.item i ON i.id = item_id WHERE i.serial = 'H1'")
case $note in
*"text quote ' \"dq\" ; DROP TABLE custos.item; -- \\\\ back\\nslash\\x09tab \\x1b[31m red \\u202e bidi"*) ;;
*) echo "FAIL: hostile text not stored literally: $note" | head -3; fails=$((fails+1));;
esac
expect_err 1 'not valid UTF-8|UTF-8' as alice possession --item 'kind=equipment alc=4 class=U serial=H2 title=HOSTILE 2' --text $'bad \xff\xfe utf8'
head -c 1048576 /dev/zero | tr '\0' 'x' >"$W/big.txt"
expect_err 1 'at most 16384' as alice possession --item 'kind=equipment alc=4 class=U serial=H3 title=HOSTILE 3' --text-file "$W/big.txt"
[ "$(q "SELECT count(*) FROM custos.item WHERE serial IN ('H2', 'H3')")" = 0 ] ||
	{ echo "FAIL: a refused action wrote"; fails=$((fails+1)); }

# --- idempotency: the same request twice applies once --------------------------------
before=$(q "SELECT size FROM custos.log_head")
ok as alice possession --item 'kind=equipment alc=4 class=U serial=ID1 title=IDEM' --idempotency-key retry-42
expect_out 'already recorded' as alice possession --item 'kind=equipment alc=4 class=U serial=ID1 title=IDEM' --idempotency-key retry-42
[ "$(q "SELECT size FROM custos.log_head")" = $((before + 1)) ] || { echo "FAIL: idempotency"; fails=$((fails+1)); }

# --- appointments: an alternate acts for the account --------------------------------------
expect_err 1 'carol is not custodian or alternate of account 123456' as carol transfer --account 123456 --to COR --serial KG9
ok asw adm carol account appoint 123456 --person carol --role alternate
ok as carol possession --account 123456 --item 'kind=equipment alc=4 class=U serial=ALT1 title=ALTERNATE'
expect_err 1 'carol already holds the alternate role on account 123456' asw adm carol account appoint 123456 --person carol --role alternate
expect_err 2 'held on an account' asw adm carol person add mallory --role custodian --pubkey "$(cat "$W/mallory.vkey")"
expect_out 'carol .*alternate' asq dave person list
expect_out '123456 .*1st Signal Regiment' asq dave account list

# --- key revocation ------------------------------------------------------------------------
expect_err 1 'last administrator' asw adm alice key revoke adm --role administrator
expect_err 1 'bob is the last custodian or alternate of account 654321; appoint another before revoking' asw adm alice key revoke bob --role custodian --account 654321
# a holder is not revoked with material out: the custodian recovers it, with a witness
mkkey hank >"$W/hank.vkey"
ok asw adm hank person add hank --role holder --account 123456 --pubkey "$(cat "$W/hank.vkey")"
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=HK1 title=KY-99'
ok asw alice hank issue --holder hank --serial HK1
HR=$(q "SELECT last_txn FROM custos.item WHERE serial = 'HK1'")
expect_err 1 'hank holds 1 item of account 123456 on hand receipt: the custodian recovers it first' asw adm alice key revoke hank --role holder --account 123456
printf '%s\n' "$LAST_OUT" | grep -q "^hint: recover it first: 'custos return TXN --holder NAME" ||
	{ echo "FAIL: no hint naming the return's flags: $LAST_OUT"; fails=$((fails+1)); }
expect_err 1 "the second key is bob's: a return is signed by the holder hank, or by a witness" asw alice bob return "$HR" --holder hank --serial HK1
ok asw alice wendy return "$HR" --holder hank --serial HK1 --text "recovered: hank posted out"
[ "$(q "SELECT status FROM custos.item WHERE serial = 'HK1'")" = on_hand ] ||
	{ echo "FAIL: HK1 should be on hand after its recovery"; fails=$((fails+1)); }
ok asw adm alice key revoke hank --role holder --account 123456
ok asw adm alice key revoke wendy --role witness --account 123456
expect_err 1 'not an enrolled' asw alice wendy destroy --serial KG9 --method burn --authority DIR-1

# --- the log verifies, from the database and offline ------------------------------------------
expect_out '^valid: [0-9]+ entries' asq dave log verify
refused asq alice log verify
expect_out '"entries":[0-9]+' asq dave log export "$W/export.log" --json
expect_out 'valid' "$CV" --keys "$W/export.log.keys" "$W/export.log"

# --- row-level security and the append-only log, through psql, as each role ------------------
rls() { PGUSER=$1 psql -qAtX -c "$2" 2>&1; }
[ "$(rls bob "SELECT count(*) FROM custos.item WHERE account = '123456' AND status <> 'transferred'")" = 0 ] ||
	{ echo "FAIL: bob sees account 123456's items"; fails=$((fails+1)); }
# of account 654321's items alice sees only her own records: those that
# entries of 123456 listed (the transfer she sent), not this one
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=BOBONLY title=KG-175D'
RECS="SELECT count(*) FROM custos.item i WHERE i.account = '654321' AND i.status <> 'transferred'"
OWN="$RECS AND EXISTS (SELECT FROM custos.entry_item ei JOIN custos.log_entry l ON l.idx = ei.idx WHERE ei.item_id = i.id AND l.account = '123456')"
[ "$(rls alice "$RECS")" = "$(q "$OWN")" ] && [ "$(q "$RECS")" -gt "$(q "$OWN")" ] ||
	{ echo "FAIL: alice sees account 654321's items beyond her records"; fails=$((fails+1)); }
[ "$(rls dave "SELECT count(DISTINCT account) FROM custos.item")" = 2 ] ||
	{ echo "FAIL: the auditor should read every account"; fails=$((fails+1)); }
for who in alice bob dave adm; do
	for sql in "UPDATE custos.log_entry SET action = 'x'" "DELETE FROM custos.log_entry" \
		   "TRUNCATE custos.log_entry" "UPDATE custos.item SET status = 'on_hand'" \
		   "UPDATE custos.log_head SET size = 0"; do
		out=$(rls $who "$sql; SELECT 'CHANGED'")
		case $out in *CHANGED*) echo "FAIL: $who could run: $sql"; fails=$((fails+1));; esac
	done
done
out=$(rls dave "INSERT INTO custos.account (number, name, opened_idx, opened_at) VALUES ('999999', 'x', 0, now()); SELECT 'CHANGED'")
case $out in *CHANGED*) echo "FAIL: the auditor could insert"; fails=$((fails+1));; esac
# even the owner cannot rewrite the log (trigger)
out=$(psql -qAtX -c "UPDATE custos.log_entry SET action = 'x' WHERE idx = 1; SELECT 'CHANGED'" 2>&1)
case $out in *CHANGED*) echo "FAIL: the owner rewrote the log"; fails=$((fails+1));; esac
# nor change state without a log entry
out=$(psql -qAtX -c "UPDATE custos.item SET status = 'on_hand' WHERE serial = '0001'; SELECT 'CHANGED'" 2>&1)
case $out in *CHANGED*) echo "FAIL: state changed without a log entry"; fails=$((fails+1));; esac

# a holder sees only what is issued to them and their account; an
# administrator reads everything
[ "$(rls carol "$RECS")" = "$(q "$OWN")" ] ||
	{ echo "FAIL: carol sees account 654321's items beyond 123456's records"; fails=$((fails+1)); }
[ "$(rls carol "SELECT count(*) FROM custos.txn WHERE account = '654321' AND peer IS DISTINCT FROM '123456'")" = 0 ] ||
	{ echo "FAIL: carol sees account 654321's transactions"; fails=$((fails+1)); }
[ "$(rls adm "SELECT count(DISTINCT account) FROM custos.txn")" = 2 ] ||
	{ echo "FAIL: the administrator should read every account"; fails=$((fails+1)); }
# of another account's entries, only its directory entries (migration 019)
[ "$(rls bob "SELECT count(*) FROM custos.log_entry WHERE account = '123456' AND peer IS DISTINCT FROM '654321' AND action NOT IN ('account-open', 'account-outside', 'account-details')")" = 0 ] ||
	{ echo "FAIL: bob reads account 123456's log entries"; fails=$((fails+1)); }
[ "$(rls bob "SELECT count(*) FROM custos.log_entry WHERE account = '123456' AND action = 'account-open'")" = 1 ] ||
	{ echo "FAIL: bob cannot read account 123456's account-open entry"; fails=$((fails+1)); }
# the log takes an entry only from its own actor
out=$(rls alice "INSERT INTO custos.log_entry (idx, leaf, note, time, action, actor, idem) SELECT size, sha256('x'), 'x', now(), 'receipt', 'bob', 'forged' FROM custos.log_head; SELECT 'CHANGED'")
case $out in *CHANGED*) echo "FAIL: alice appended an entry as bob"; fails=$((fails+1));; esac

# --- queries ---------------------------------------------------------------------------------
expect_out 'KG-175D .*KG9 .*on_hand' asq alice holdings --serial KG9
expect_out 'destroy .*alice wendy|alice +wendy' asq alice history 0001
expect_out '123456-[0-9]{4}-0001' asq alice txn list --account 123456
expect_err 2 'limit' asq alice holdings --limit 0
expect_err 2 'cursor' asq alice holdings --after 'not-a-cursor'
ok asq alice holdings --title "'; DROP TABLE custos.item; --"
# holdings prints every item (more than the TUI's page of 50) unless --limit N
for i in $(seq -w 1 60); do echo "kind=equipment alc=1 class=C serial=H$i title=HOLD-60"; done >"$W/h60"
ok as alice receive --from COR --items "$W/h60"
expect_out 'HOLD-60' asq alice holdings --title HOLD-60
[ "$(grep -c ' HOLD-60 ' <<<"$LAST_OUT")" = 60 ] && ! grep -q 'next page' <<<"$LAST_OUT" ||
	{ echo "FAIL: holdings without --limit: $(grep -c ' HOLD-60 ' <<<"$LAST_OUT") of 60 rows"; fails=$((fails+1)); }
expect_out '"next":null' asq alice holdings --title HOLD-60 --json
[ "$(grep -o '"serial":"H[0-9]*"' <<<"$LAST_OUT" | wc -l)" = 60 ] ||
	{ echo "FAIL: holdings --json without --limit: not 60 items"; fails=$((fails+1)); }
expect_out '^next page: --after ' asq alice holdings --title HOLD-60 --limit 7
[ "$(grep -c ' HOLD-60 ' <<<"$LAST_OUT")" = 7 ] ||
	{ echo "FAIL: holdings --limit 7: $(grep -c ' HOLD-60 ' <<<"$LAST_OUT") rows"; fails=$((fails+1)); }
after=$(sed -n 's/^next page: --after //p' <<<"$LAST_OUT")
expect_out 'H08' asq alice holdings --title HOLD-60 --limit 53 --after "$after"
[ "$(grep -c ' HOLD-60 ' <<<"$LAST_OUT")" = 53 ] && ! grep -q 'next page' <<<"$LAST_OUT" ||
	{ echo "FAIL: holdings --limit 53 --after: $(grep -c ' HOLD-60 ' <<<"$LAST_OUT") rows"; fails=$((fails+1)); }

# --- connection: a service file works as in psql ---------------------------------------------
printf '[ledger]\nhost=%s\nport=%s\ndbname=%s\nuser=alice\n' "$PGHOST" "$PGPORT" "$PGDATABASE" >"$W/services"
expect_out 'KG9' env -u PGHOST -u PGPORT -u PGDATABASE PGSERVICEFILE="$W/services" "$C" holdings --db service=ledger --serial KG9
expect_err 1 'cannot connect' "$C" holdings --db "host=/nonexistent port=1"

# --- a login password is set as a SCRAM verifier made by the client --------------------------
mkkey pat >"$W/pat.vkey"
ok asw adm pat person add pat --role holder --account 123456 --pubkey "$(cat "$W/pat.vkey")" --password-fd 5 5<<<'pat-login-secret'
case $(q "SELECT rolpassword FROM pg_authid WHERE rolname = 'pat'") in
SCRAM-SHA-256\$*) ;;
*) echo "FAIL: pat's password is not a SCRAM verifier"; fails=$((fails+1));;
esac

# --- tampering with the state tables (as the owner, triggers off) is found and named -----------
psql -qAtX -c "SET session_replication_role = replica; UPDATE custos.item SET status = 'on_hand' WHERE serial = '0001'" >/dev/null
expect_err 1 'item AKAT 1234 edition A serial 0001: status: database on_hand, log destroyed' asq dave log verify
psql -qAtX -c "SET session_replication_role = replica; UPDATE custos.item SET status = 'destroyed' WHERE serial = '0001'; INSERT INTO custos.account (number, name, opened_idx, opened_at) VALUES ('777777', 'ghost', 0, now())" >/dev/null
expect_err 1 'account 777777: in the database but not made by any log entry' asq dave log verify
psql -qAtX -c "SET session_replication_role = replica; DELETE FROM custos.account WHERE number = '777777';
	INSERT INTO custos.item (title, serial, kind, alc, class, crypto, qty, account, status, last_txn, last_idx, since)
	VALUES ('GHOST', 'G1', 'equipment', 1, 'C', false, 1, '123456', 'on_hand', 'x', 1, now());
	DELETE FROM custos.entry_item WHERE item_id = (SELECT id FROM custos.item WHERE serial = 'KG9');
	DELETE FROM custos.item WHERE serial = 'KG9'" >/dev/null
expect_err 1 'item GHOST serial G1: in the database but not made by any log entry' asq dave log verify
expect_err 1 'item KG-175D serial KG9: made by the log but missing from the database' asq dave log verify
finish
