#!/usr/bin/env bash
# Accounts outside this ledger and the details the paperwork needs
# (docs/ledger.md): material goes to and comes from the COR, an account of
# this ledger, or an outside account an administrator registered; an
# account's address and COR account and a person's rank and position are
# set by entries.  Through custos, then as the insider through psql.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
item() { printf 'kind=equipment alc=1 class=C serial=%s title=KG-175D' "$1"; }
ok as alice receive --from COR --item "$(item O1)" --item "$(item O2)"

# ---- an unknown account is refused, with the way out ----
before=$(size)
expect_err 1 'account 999999 is neither open in this ledger nor registered as an account outside it' \
	as alice transfer --to 999999 --serial O1
printf '%s\n' "$LAST_OUT" | grep -q "^hint: an administrator registers an account of another organisation: 'custos account outside" ||
	{ echo "FAIL: no hint for an unknown peer"; fails=$((fails + 1)); }
expect_err 1 'account 999999 is neither open' as alice receive --from 999999 --item "$(item O3)"
expect_err 1 'alice is not an administrator' as alice account outside 999999 --name 'Allied unit'
expect_err 1 'account 654321 is already open in this ledger' as adm account outside 654321 --name X
expect_err 2 'missing --name' as adm account outside 999999
expect_err 2 'an account number is six digits' as adm account outside 99999 --name X
expect_err 1 'detail address: 1 to 256 bytes' as adm account outside 999999 --name X \
	--address "$(printf 'a%.0s' $(seq 300))"
expect_err 1 'not UTF-8' as adm account outside 999999 --name X --address $'\xff\xfe'
want 'refusals changed the log' "$(size)" "$before"

# ---- registered, it is a peer ----
ADDR=$'HMCS Example\n1 "Quay" Rd, Halifax \u202e NS'
ok as adm account outside 999999 --name 'Allied signals unit' --address "$ADDR"
want 'the outside account' "$(q "SELECT name || '|' || address FROM custos.outside_account WHERE number = '999999'")" \
	"Allied signals unit|$ADDR"
expect_err 1 'account 999999 is already registered as an account outside this ledger' \
	as adm account outside 999999 --name Again
expect_err 1 'account 999999 is already registered as an account outside this ledger' \
	as adm account add 999999 --name Joins
ok as alice transfer --to 999999 --serial O1
T=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok as alice accept "$T"
want 'O1 after the outside acknowledgement' "$(q "SELECT status || ' ' || peer FROM custos.item WHERE serial = 'O1'")" \
	'transferred 999999'
ok as alice receive --from 999999 --item "$(item O1)"
# every login reads the list: a holder too
want 'carol reads the outside accounts' "$(PGUSER=carol q "SELECT count(*) FROM custos.outside_account")" 1

# ---- details of accounts ----
expect_err 2 'give --address, --cor-account or both' as adm account details 123456
expect_err 1 'the COR account \(detail cor_account\) is six digits' as adm account details 123456 --cor-account COR-1
expect_err 1 'account 888888 is neither open in this ledger nor registered outside it' \
	as adm account details 888888 --address x
expect_err 1 'account 999999 is outside this ledger: it has no COR account here' \
	as adm account details 999999 --cor-account 100001
expect_err 1 'alice is not an administrator' as alice account details 123456 --address x
ok as adm account details 123456 --address 'CFB Kingston, Bldg 7' --cor-account 100001
ok as adm account details 123456 --address 'Bldg 9'
want 'account details' "$(q "SELECT address || '|' || cor_account FROM custos.account WHERE number = '123456'")" \
	'Bldg 9|100001'
ok as adm account details 999999 --address 'Pier 4'
want 'outside details' "$(q "SELECT address FROM custos.outside_account WHERE number = '999999'")" 'Pier 4'

# ---- details of people ----
expect_err 2 'give --rank, --position or both' as adm person details carol
expect_err 1 'nobody is not an enrolled person whose key is in force' as adm person details nobody --rank Sgt
ok as adm person details carol --rank Sgt --position 'Signals operator'
ok as adm person details carol --rank WO
want 'person details' "$(q "SELECT rank || '|' || position FROM custos.person WHERE name = 'carol'")" \
	'WO|Signals operator'
ok asq dave log verify

# ---- the insider ----
lastnote
timed unknown --sign "$W/alice.key" --action transfer --account 123456 --txn-seq "$SEQ" --peer 777777 \
	--item 'kind=equipment alc=1 class=C crypto=no qty=1 serial=O2 edition=- effective=- supersedes=- title=KG-175D'
refused_sql alice 'account 777777 is neither open in this ledger nor registered' "$(hand_sql unknown)"
printf '%s\n' "$LAST_OUT" | grep -q 'DETAIL:  rule peer_unknown$' ||
	{ echo "FAIL: no DETAIL naming rule peer_unknown"; fails=$((fails + 1)); }
lastnote
timed by_custodian --sign "$W/alice.key" --action account-outside --account 777777 --text Forged
refused_sql alice 'permission denied for table log_entry|may not sign' "$(hand_sql by_custodian)"
lastnote
timed bad_cor --sign "$W/adm.key" --action account-details --account 123456 --detail cor_account=12x456
refused_sql adm 'is six digits' "$(hand_sql bad_cor)"
printf '%s\n' "$LAST_OUT" | grep -q 'DETAIL:  rule detail_value$' ||
	{ echo "FAIL: no DETAIL naming rule detail_value"; fails=$((fails + 1)); }
lastnote
timed revoked_person --sign "$W/adm.key" --action person-details --holder mallory --detail rank=Cpl
refused_sql adm 'mallory is not an enrolled person' "$(hand_sql revoked_person)"
# a direct write is refused whoever sends it
refused_sql adm 'permission denied for table outside_account' "UPDATE custos.outside_account SET address = 'x'"
# and the state guard refuses even the database's owner
expect_err 1 "UPDATE on outside_account outside the server's application of a log entry" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.outside_account SET address = 'x'"
refused_sql adm 'permission denied|outside the server' "UPDATE custos.person SET rank = 'General' WHERE name = 'carol'"
# a sound one, signed by hand: the server applies it
lastnote
timed sound --sign "$W/adm.key" --action account-outside --account 777777 --detail 'address=Box 12' --text 'Depot'
before=$(size)
ok env PGUSER=adm psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
want 'the sound registration by hand' "$(size) $(q "SELECT name || '|' || address || '|' || registered_idx FROM custos.outside_account WHERE number = '777777'")" \
	"$((before + 1)) Depot|Box 12|$(field index)"
ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
gapfree outside
finish
