#!/usr/bin/env bash
# TUI scenario: people and accounts on the People screen (issue 14).  adm
# (started --no-key) enrols nina, a new holder with a key made by `custos
# key new` (P): a key of someone else is refused in words, a bidi control
# in the login is refused, the password is typed hidden and set after the
# entry (a SCRAM verifier, never in the entry); nina's own key co-signs.
# adm opens account 777777 (o): a short number and an account that exists
# are refused in words.  adm appoints nina holder there (a): an unknown
# person is refused in words.  Revoking carol's holder role while carol
# holds material is refused on F2, before any passphrase (X); adm revokes
# nina's role on 777777.  An auditor is refused each form before any
# passphrase; `log verify` is valid after.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
. "$(dirname "$0")/insider_lib.sh"
tui_setup
"$C" key new --name nina --out "$W/nina.key" --passphrase-fd 3 3<<<"$PASS" >/dev/null 2>&1 ||
	{ echo "FAIL: key new"; exit 1; }
chmod 600 "$W/nina.key"
VN=$("$C" key pub "$W/nina.key")
ok as alice receive --account 123456 --from COR --item "serial=H1 class=C title=KG-175D"
ok asw alice carol issue --holder carol --serial H1

step "adm enrols nina: a key of someone else, a bidi login, then hers"
tui_start adm --no-key
wait_for "read only (--no-key)" 30
tui_keys 6
wait_line "carol" "holder:123456"
assert_screen "P Enrol"
tui_keys P
wait_for "Enrol a person"
wait_line "Role" "holder"
tui_type $'ni\u202ena'
wait_line "Name" "a person's name has no spaces"
tui_keys C-u
tui_type "nina"
tui_keys Tab
tui_type "$(cat "$W/bob.vkey")"
tui_keys Tab Tab
tui_type "123456"
tui_keys Tab
tui_type $'nina\u202e'
wait_line "Login role" "the login role name has a bidirectional control"
tui_keys C-u
tui_keys Tab
tui_type "s3cr'et\"pw"
sleep 0.3
assert_not_screen "s3cr"
assert_screen "(typed, hidden)"
tui_keys F2
wait_for "Key: the key is named bob, not nina"
assert_not_screen "This exact entry will be signed"
tui_keys C-u
tui_type "$VN"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action key-enrol"
assert_screen "account 123456"
assert_screen "key holder"
assert_not_screen "s3cr"
tui_keys y
wait_for "Passphrase of your key $W/adm.key"
tui_pass
wait_for "choose the key file"
tui_keys C-u
tui_type "$W/nina.key"
wait_for "the key of nina"
tui_keys Enter
wait_for "nina, type your passphrase"
tui_pass
wait_for "Enrol a person signed: entry"
assert_not_screen "password is not set"
wait_line "nina" "holder:123456"
[ "$(q "SELECT vkey FROM custos.person WHERE name = 'nina'")" = "$VN" ] ||
	{ echo "FAIL: nina is not enrolled with her key"; fails=$((fails + 1)); }
[ "$(q "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'nina'")" = t ] ||
	{ echo "FAIL: nina's login has no SCRAM password"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE position('s3cr' in convert_from(note, 'UTF8')) > 0")" = 0 ] ||
	{ echo "FAIL: the password is in the log"; fails=$((fails + 1)); }

step "adm opens account 777777: a short number, one that exists, then it"
tui_keys o
wait_for "Open an account"
tui_type "77777"
wait_line "Account number" "an account number is six digits"
tui_keys C-u
tui_type "123456"
tui_keys Tab
tui_type $'Field \u2067Ops'
wait_line "Name" "the account's name has a bidirectional control"
tui_keys C-u
tui_type 'Field "Ops" unit'
tui_keys F2
wait_for "Refused: account 123456 is already open in this ledger"
assert_not_screen "This exact entry will be signed"
tui_keys BTab C-u
tui_type "777777"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action account-open"
assert_screen "account 777777"
assert_screen 'text Field "Ops" unit'
tui_keys y
wait_for "Open an account signed: entry"
[ "$(q "SELECT name FROM custos.account WHERE number = '777777'")" = 'Field "Ops" unit' ] ||
	{ echo "FAIL: account 777777"; fails=$((fails + 1)); }

step "adm appoints nina holder on 777777: an unknown person first"
tui_keys F5
wait_line "nina" "holder:123456"
# by name: adm, alice, bob, carol, dave, erin, nina
tui_keys Home j j j j j j
sleep 0.3
tui_keys a
wait_for "Appoint to a role"
wait_line "Person" "nina"
tui_keys BTab C-u
tui_type "nobody"
tui_keys Tab
tui_type "holder"
tui_keys Tab
tui_type "777777"
tui_keys F2
wait_for "no person named nobody is enrolled"
assert_not_screen "This exact entry will be signed"
tui_keys BTab BTab C-u
tui_type "nina"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action key-enrol"
assert_screen "account 777777"
tui_keys y
wait_for "choose the key file"
tui_keys C-u
tui_type "$W/alice.key"
wait_for "the key of alice"
tui_keys Enter
wait_for "alice, type your passphrase"
tui_pass
wait_for "Appoint to a role signed: entry"
wait_line "nina" "holder:123456" "holder:777777"

step "revoking carol, who holds material, is refused before any passphrase"
tui_keys Home j j j
sleep 0.3
tui_keys X
wait_for "Revoke a role"
wait_line "Person" "carol"
wait_line "Role" "holder"
wait_line "Account" "123456"
tui_keys F2
wait_for "Refused: carol holds 1 item of account 123456 on hand receipt"
assert_not_screen "This exact entry will be signed"
assert_not_screen "Passphrase"
assert_not_screen "choose the key file"
tui_keys Escape
wait_for "cancelled, nothing signed"

step "adm revokes nina's role on 777777"
tui_keys Home j j j j j j
sleep 0.3
tui_keys X
wait_for "Revoke a role"
wait_line "Person" "nina"
tui_keys Tab C-u
tui_type "777777"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action key-revoke"
assert_screen "account 777777"
tui_keys y
wait_for "choose the key file"
tui_keys C-u
tui_type "$W/alice.key"
wait_for "the key of alice"
tui_keys Enter
wait_for "alice, type your passphrase"
tui_pass
wait_for "Revoke a role signed: entry"
tui_quit
[ "$(q "SELECT string_agg(role || ':' || coalesce(account, ''), ' ' ORDER BY account) FROM custos.person_role WHERE person = 'nina'")" = "holder:123456" ] ||
	{ echo "FAIL: nina's roles after the revocation"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'carol'")" = 1 ] ||
	{ echo "FAIL: carol lost her role"; fails=$((fails + 1)); }

step "an insider: nobody but an administrator sets a login's password through psql"
PW=$(q "SELECT rolpassword FROM pg_authid WHERE rolname = 'nina'")
for who in dave nina alice; do
	refused_sql "$who" "only an administrator sets passwords|permission denied for function set_login_password" \
		"SELECT custos.set_login_password('nina', 'SCRAM-SHA-256\$4096:AAAA\$AAAA:AAAA')"
done
[ "$(q "SELECT rolpassword FROM pg_authid WHERE rolname = 'nina'")" = "$PW" ] ||
	{ echo "FAIL: nina's password changed"; fails=$((fails + 1)); }

step "an auditor is refused every form before any passphrase"
tui_start dave --no-key
wait_for "read only (--no-key)" 30
tui_keys 6
wait_line "nina" "holder:123456"
assert_not_screen "P Enrol"
tui_keys Home j j j
sleep 0.3
tui_keys P
wait_for "Enrol needs the administrator role"
tui_keys o
wait_for "Open account needs the administrator role"
tui_keys a
wait_for "Appoint needs the administrator role"
tui_keys X
wait_for "Revoke needs the administrator role"
assert_not_screen "Enrol a person"
assert_not_screen "Revoke a role"
assert_not_screen "Passphrase"
tui_keys '?'
wait_line "Enrol" "(needs administrator)"
wait_line "Revoke" "(needs administrator)"
tui_keys q
tui_quit
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action IN ('key-enrol', 'key-revoke', 'account-open')")" = 12 ] ||
	{ echo "FAIL: the entries of people and accounts"; fails=$((fails + 1)); }
ok asq dave log verify
finish
