#!/usr/bin/env bash
# Key rotation (docs/ledger.md): an administrator and the key replaced (or,
# the key lost, a second administrator or an authority) sign a key-rotate
# entry; the person keeps every role, the old key signs nothing after that
# entry and is never anyone's key again.  Through custos, then as the
# insider through psql: the server refuses a forged rotation that breaks a
# rule and applies a sound one; nobody writes the key tables by hand.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
newkey() { # NAME FILE: a real key (custos key new), its vkey on stdout
	rm -f "$2"
	"$C" key new --name "$1" --out "$2" --passphrase-fd 3 3<<<"$PASS" >/dev/null 2>&1 &&
		"$C" key pub "$2"
}
V2=$(newkey alice "$W/alice2.key") || exit 1
V3=$(newkey alice "$W/alice3.key") || exit 1
V1=$(cat "$W/alice.vkey")
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D'

# ---- refusals, each changing nothing ----
before=$(size)
usage asw adm alice key rotate alice
expect_err 2 "NAME must be the key's name, which is 'bob'" \
	asw adm alice key rotate alice --pubkey "$(cat "$W/bob.vkey")"
expect_err 1 'key-rotate is two-person: give the key of alice being replaced \(or, the key lost, a second administrator or an authority\) with --witness-key' \
	as adm key rotate alice --pubkey "$V2"
expect_err 1 'wendy may not co-sign this key-rotate: it needs the key of alice being replaced' \
	asw adm wendy key rotate alice --pubkey "$V2"
expect_err 1 'the new public key is, or was, enrolled under the name alice; a new key is one never enrolled' \
	asw adm erin key rotate alice --pubkey "$V1"
expect_err 1 'the key of zed to be replaced is not the one enrolled' \
	asw adm erin key rotate zed --pubkey "$(mkkey zed)"
refused asw alice adm key rotate alice --pubkey "$V2"
[ "$(size)" = "$before" ] || { echo "FAIL: a refused rotation changed the log"; fails=$((fails + 1)); }

# ---- the rotation, signed by the old key ----
expect_out 'key rotate: log entry [0-9]+' asw adm alice key rotate alice --pubkey "$V2"
IDX=$(q "SELECT max(idx) FROM custos.log_entry")
[ "$(q "SELECT vkey = '$V2' AND key_idx = $IDX FROM custos.person WHERE name = 'alice'")" = t ] ||
	{ echo "FAIL: alice's key in force is not the new one from entry $IDX"; fails=$((fails + 1)); }
[ "$(q "SELECT vkey || ' ' || from_idx || ' ' || replaced_idx FROM custos.person_key WHERE person = 'alice'")" = \
	"$V1 $(q "SELECT enrolled_idx FROM custos.person WHERE name = 'alice'") $IDX" ] ||
	{ echo "FAIL: the old key is not kept with its entries"; fails=$((fails + 1)); }
[ "$(q "SELECT string_agg(role || ' ' || account, ',') FROM custos.person_role WHERE person = 'alice'")" = "custodian 123456" ] ||
	{ echo "FAIL: alice's roles changed"; fails=$((fails + 1)); }
# the old key signs no more; the new one acts
expect_err 1 'the key file given is not the enrolled key of alice' \
	as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D'
mv "$W/alice.key" "$W/alice1.key"; cp "$W/alice2.key" "$W/alice.key"
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D'
# the old key is never enrolled again
expect_err 1 'is, or was, enrolled under the name alice' asw adm erin key rotate alice --pubkey "$V1"

# ---- the key lost: the administrator and an authority ----
ok asw adm erin key rotate alice --pubkey "$V3"
cp "$W/alice3.key" "$W/alice.key"
ok as alice transfer --to COR --serial KG1
ok asq dave log verify
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"

# ---- the insider: the key tables by hand ----
expect_err 1 'permission denied for table person' env PGUSER=adm psql -qAtX -v ON_ERROR_STOP=1 \
	-c "UPDATE custos.person SET vkey = '$V1' WHERE name = 'alice'"
expect_err 1 'permission denied for table person_key' env PGUSER=adm psql -qAtX -v ON_ERROR_STOP=1 \
	-c "DELETE FROM custos.person_key"
expect_err 1 "UPDATE on person_key outside the server's application of a log entry" \
	q "UPDATE custos.person_key SET replaced_idx = replaced_idx"
# ... and forged rotations sent with psql
rot_refused() { # NAME PATTERN RULE|- (forge arguments after the name)
	local name=$1 pat=$2 rule=$3; shift 3
	lastnote
	timed "$name" --action key-rotate --account 123456 "$@"
	refused_sql adm "$pat" "$(hand_sql "$name")"
	[ "$rule" = - ] || printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $rule\$" ||
		{ echo "FAIL: $name: no DETAIL naming rule $rule"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
V4=$(newkey alice "$W/alice4.key") || exit 1
rot_refused alone 'signed by 1 distinct trusted key, 2 needed' - \
	--sign "$W/adm.key" --keyline "custodian $V3" --keyline "custodian $V4"
rot_refused by_witness 'needs the key of alice being replaced' signers \
	--sign "$W/adm.key" --sign "$W/wendy.key" --keyline "custodian $V3" --keyline "custodian $V4"
rot_refused old_line 'the key of alice to be replaced is not the one enrolled' key_unknown \
	--sign "$W/adm.key" --sign "$W/erin.key" --keyline "custodian $V2" --keyline "custodian $V4"
rot_refused reused 'the new public key is, or was, enrolled under the name alice' key_taken \
	--sign "$W/adm.key" --sign "$W/erin.key" --keyline "custodian $V3" --keyline "custodian $V1"
rot_refused one_line 'exactly two key lines' - \
	--sign "$W/adm.key" --sign "$W/erin.key" --keyline "custodian $V4"
# a sound one, signed by hand: the server applies it
lastnote
timed sound --sign "$W/adm.key" --sign "$W/alice.key" --action key-rotate --account 123456 \
	--keyline "custodian $V3" --keyline "custodian $V4"
ok env PGUSER=adm psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
[ "$(q "SELECT vkey = '$V4' AND key_idx = $(field index) FROM custos.person WHERE name = 'alice'")" = t ] &&
	[ "$(q "SELECT count(*) FROM custos.person_key WHERE person = 'alice'")" = 3 ] ||
	{ echo "FAIL: the sound rotation by hand was not applied"; fails=$((fails + 1)); }
ok asq dave log verify
gapfree rotation
# a superuser who bypasses the guard to forget a replaced key is found out
q "ALTER TABLE custos.person_key DISABLE TRIGGER person_key_state_guard;
   DELETE FROM custos.person_key WHERE vkey = '$V1';
   ALTER TABLE custos.person_key ENABLE TRIGGER person_key_state_guard" >/dev/null
expect_err 1 'replaced key' asq dave log verify
finish
