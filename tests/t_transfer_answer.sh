#!/usr/bin/env bash
# Transfer rejection and recall (docs/ledger.md): the receiving account
# refuses a transfer in transit, or the sender withdraws it; either way
# every item still in transit under it comes back on hand at the sending
# account and the transfer is closed.  Through custos, then as the insider
# through psql: the server refuses a forged answer that breaks a rule and
# applies a sound one.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
item() { printf 'kind=equipment alc=1 class=C serial=%s title=KG-175D' "$1"; }
ok as alice receive --from COR --item "$(item T1)" --item "$(item T2)" --item "$(item T3)" --item "$(item T4)"
status_of() { q "SELECT status || ' ' || account FROM custos.item WHERE serial = '$1'"; }
is_open() { q "SELECT open FROM custos.txn WHERE number = '$1'"; }

# ---- a transfer to another account of this ledger, rejected by it ----
ok as alice transfer --to 654321 --serial T1 --serial T2
X=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
before=$(size)
expect_err 1 "transfer $X goes to account 654321: its custodian rejects it \\(--account 654321\\)" \
	as alice transfer reject "$X"
expect_err 1 "transfer $X is from account 123456 to 654321: its sender recalls it \\(--account 123456\\)" \
	as bob transfer recall "$X" --account 654321
expect_err 1 'wendy is not custodian or alternate of account 123456' as wendy transfer recall "$X" --account 123456
expect_err 1 'no transaction 654321-2026-0999 on record' as bob transfer reject 654321-2026-0999 --account 654321
expect_err 2 "unknown option '--serial'" as bob transfer reject "$X" --account 654321 --serial T1
usage as bob transfer reject --account 654321
want 'refused answers changed the log' "$(size)" "$before"
expect_out "transfer reject: log entry [0-9]+, transaction 654321-" as bob transfer reject "$X" --account 654321
IDX=$(q "SELECT max(idx) FROM custos.log_entry")
want 'T1 after the rejection' "$(status_of T1)" 'on_hand 123456'
want 'T2 after the rejection' "$(status_of T2)" 'on_hand 123456'
want 'the rejected transfer' "$(is_open "$X")" f
want 'the rejection lists' "$(q "SELECT count(*) FROM custos.entry_item WHERE idx = $IDX")" 2
want 'the rejection names the sender' "$(q "SELECT peer FROM custos.log_entry WHERE idx = $IDX")" 123456
expect_err 1 "$X is not a transfer in transit" as bob accept "$X" --account 654321
expect_err 1 "$X is not a transfer in transit" as alice transfer recall "$X"
# the item is alice's again: she can send it on
ok as alice transfer --to COR --serial T1
Z=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")

# ---- recalled by its sender ----
ok as alice transfer --to 654321 --serial T2
Y=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
expect_out "transfer recall: log entry [0-9]+, transaction 123456-" as alice transfer recall "$Y"
want 'T2 after the recall' "$(status_of T2)" 'on_hand 123456'
want 'the recalled transfer' "$(is_open "$Y")" f
expect_err 1 "$Y is not a transfer in transit" as bob accept "$Y" --account 654321

# ---- the COR refused transfer Z: the sender records it ----
# (bob cannot see another account's transfer to the COR)
expect_err 1 "no transaction $Z on record" as bob transfer reject "$Z" --account 654321
ok as alice transfer reject "$Z"
want 'T1 after the outside rejection' "$(status_of T1)" 'on_hand 123456'
want 'the outside rejection names the COR' \
	"$(q "SELECT peer FROM custos.log_entry WHERE idx = (SELECT max(idx) FROM custos.log_entry)")" COR

# ---- a short shipment, then the rest recalled ----
ok as alice transfer --to 654321 --serial T3 --serial T4
V=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok as bob accept "$V" --account 654321 --category physical --serial T3
want 'the short shipment' "$(is_open "$V")" t
ok as alice transfer recall "$V"
want 'T3, accepted' "$(status_of T3)" 'on_hand 654321'
want 'T4, recalled' "$(status_of T4)" 'on_hand 123456'
want 'the recall of the rest' "$(q "SELECT count(*) FROM custos.entry_item WHERE idx = (SELECT max(idx) FROM custos.log_entry)")" 1
ok asq dave log verify

# ---- the insider: forged answers sent with psql ----
ok as alice transfer --to 654321 --serial T1 --serial T2
U=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
I1='kind=equipment alc=1 class=C crypto=no qty=1 serial=T1 edition=- effective=- supersedes=- title=KG-175D'
I2='kind=equipment alc=1 class=C crypto=no qty=1 serial=T2 edition=- effective=- supersedes=- title=KG-175D'
I4='kind=equipment alc=1 class=C crypto=no qty=1 serial=T4 edition=- effective=- supersedes=- title=KG-175D'
answer_refused() { # NAME WHO ACCOUNT PATTERN RULE|- (forge arguments after the rule)
	local name=$1 who=$2 acct=$3 pat=$4 rule=$5; shift 5
	lastnote "$acct"
	timed "$name" --sign "$W/$who.key" --account "$acct" --txn-seq "$SEQ" "$@"
	refused_sql "$who" "$pat" "$(hand_sql "$name")"
	[ "$rule" = - ] || printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $rule\$" ||
		{ echo "FAIL: $name: no DETAIL naming rule $rule"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
answer_refused part bob 654321 'a rejection or recall must list exactly the 2 items still in transit under' items_count \
	--action transfer-reject --ref "$U" --peer 123456 --item "$I1"
answer_refused extra bob 654321 'item KG-175D serial T4 is on hand at account 123456' - \
	--action transfer-reject --ref "$U" --peer 123456 --item "$I1" --item "$I2" --item "$I4"
answer_refused wrong_side bob 654321 "transfer $U from account 123456 to 654321 is recalled by account 123456, not account 654321" - \
	--action transfer-recall --ref "$U" --peer 123456 --item "$I1" --item "$I2"
answer_refused sender_rejects alice 123456 "is rejected by account 654321, not account 123456" - \
	--action transfer-reject --ref "$U" --peer 654321 --item "$I1" --item "$I2"
answer_refused closed alice 123456 "transfer $X is no longer in transit" - \
	--action transfer-recall --ref "$X" --peer 654321 --item "$I1" --item "$I2"
answer_refused not_transfer alice 123456 "names in ref is a receipt, not a transfer|named in ref is a receipt, not a transfer" - \
	--action transfer-recall --ref 123456-2026-0001 --peer COR --item "$I1"
answer_refused other_peer bob 654321 'peer of this transfer-reject must be 123456, not COR' - \
	--action transfer-reject --ref "$U" --peer COR --item "$I1" --item "$I2"
want 'the forged answers moved T1' "$(status_of T1)" 'in_transit 123456'
# a sound one, signed by hand: the server applies it
lastnote 654321
timed sound --sign "$W/bob.key" --action transfer-reject --account 654321 --txn-seq "$SEQ" \
	--ref "$U" --peer 123456 --item "$I1" --item "$I2"
before=$(size)
ok env PGUSER=bob psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
want 'the sound rejection by hand' "$(size) $(status_of T1) $(status_of T2) $(is_open "$U")" \
	"$((before + 1)) on_hand 123456 on_hand 123456 f"
ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
gapfree answers
finish
