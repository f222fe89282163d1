#!/usr/bin/env bash
# TUI scenario: the administrator's paperwork on the People screen.  adm
# (started --no-key: the form asks the passphrase) sets carol's rank and
# position and sees them in the list; registers an outside account, to
# which alice's transfer is then accepted (refused before); sets an
# account's address and COR account, shown in the accounts list (`l`).
# Each form shows the exact entry on F2; bad fields and the ledger's own
# refusals are said in words; hostile text set from the command line shows
# escaped and does not break the screen.  An auditor and an authority see
# the details and the outside accounts, and are refused the forms before
# any passphrase.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=P1 class=C title=KG-175D"
expect_err 1 'account 999999 is neither open in this ledger nor registered' \
	as alice transfer --to 999999 --serial P1

step "adm sets carol's rank and position"
tui_start adm --no-key
wait_for "read only (--no-key)" 30
tui_keys 6
wait_line "carol" "holder:123456"
assert_screen "rank"
assert_screen "position"
# by name: adm, alice, bob, carol
tui_keys Home j j j
sleep 0.3
tui_keys e
wait_for "Rank and position"
wait_line "Person" "carol"
tui_type "Sgt"
tui_keys Tab
tui_type $'Ops \u202e'
wait_for "the position has a bidirectional control character"
tui_keys C-u
tui_type 'Ops "chief" \ O'"'"'Brien'
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action person-details"
assert_screen "holder carol"
assert_screen "detail rank Sgt"
assert_screen 'detail position Ops "chief" \\ O'"'"'Brien'
tui_keys y
wait_for "Passphrase of your key $W/adm.key"
tui_pass
wait_for "Rank and position signed: entry"
wait_line "carol" "Sgt" 'Ops "chief"'
[ "$(q "SELECT rank || '|' || position FROM custos.person WHERE name = 'carol'")" = \
	'Sgt|Ops "chief" \ O'"'"'Brien' ] || { echo "FAIL: carol's details"; fails=$((fails + 1)); }

step "an outside account: bad number, one of this ledger, then a good one"
tui_keys l
wait_for "Accounts: 2 of this ledger, 0 outside it"
wait_line "123456" "this ledger" "1st Signal Regiment"
tui_keys O
wait_for "Register an outside account"
tui_type "12345"
wait_line "Account number" "an account number is six digits"
tui_type "6"
tui_keys Tab
tui_type "Joins"
tui_keys F2
wait_for "Refused: account 123456 is already open in this ledger"
assert_not_screen "This exact entry will be signed"
tui_keys BTab C-u
tui_type "999999"
tui_keys Tab C-u
tui_type 'Allied "signals" unit'
tui_keys Tab
tui_type "Pier 4, Halifax"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action account-outside"
assert_screen "account 999999"
assert_screen "detail address Pier 4, Halifax"
assert_screen 'text Allied "signals" unit'
tui_keys y
wait_for "Register an outside account signed: entry"
wait_line "999999" "outside@" 'Allied "signals" unit' "Pier 4, Halifax"
assert_screen "Accounts: 2 of this ledger, 1 outside it"
[ "$(q "SELECT name || '|' || address FROM custos.outside_account WHERE number = '999999'")" = \
	'Allied "signals" unit|Pier 4, Halifax' ] || { echo "FAIL: the outside account"; fails=$((fails + 1)); }
ok as alice transfer --to 999999 --serial P1

step "account details: a bad COR account, then address and COR account"
tui_keys Home
sleep 0.3
tui_keys D
wait_for "Account details"
wait_line "Account" "123456"
tui_type "CFB Kingston, Bldg 7"
tui_keys Tab
tui_type "12x"
wait_line "COR account" "the COR account is six digits"
tui_keys F2
wait_for "COR account: the COR account is six digits"
tui_keys C-u
tui_type "100001"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action account-details"
assert_screen "detail address CFB Kingston, Bldg 7"
assert_screen "detail cor_account 100001"
tui_keys y
wait_for "Account details signed: entry"
wait_line "123456" "100001" "CFB Kingston, Bldg 7"
[ "$(q "SELECT address || '|' || cor_account FROM custos.account WHERE number = '123456'")" = \
	'CFB Kingston, Bldg 7|100001' ] || { echo "FAIL: account details"; fails=$((fails + 1)); }

step "an outside account's details have no COR account"
tui_keys End
sleep 0.3
tui_keys D
wait_for "Account details"
wait_line "Account" "999999"
assert_screen "(an outside account has no COR account here)"
assert_not_screen "COR account   "
tui_keys Escape
wait_for "cancelled, nothing signed"

step "hostile text from the command line shows escaped"
ok as adm account details 654321 --address $'Bldg\n"9"\u202e;\x1b[2J'
ok as adm person details bob --rank "$(printf 'W%.0s' $(seq 256))"
tui_keys F5
wait_line "654321" 'Bldg�"9"�;�[2J'
# one line: the newline did not start another
tui_screen | grep -q '^"9"' && tui_fail "the address broke its line"
tui_keys Home j
sleep 0.3
tui_keys D
wait_for "Account details"
wait_line "Address" "the address has a control character"
tui_keys Escape
tui_keys l
wait_for "People: "
wait_line "bob " "WWWWWWWWWWW…"
# the screen keeps its frame: status line on top, bar at the bottom
tui_screen | head -1 | grep -q "adm" || tui_fail "the status line is gone"
tui_screen | tail -1 | grep -q "F1 Help" || tui_fail "the bar is gone"
tui_quit

for who in dave erin; do
	step "$who sees the details and is refused the forms"
	tui_start "$who" --no-key
	wait_for "read only (--no-key)" 30
	tui_keys 6
	wait_line "carol" "Sgt"
	tui_keys Home j j j
	sleep 0.3
	tui_keys e
	wait_for "Rank/position needs the administrator role"
	assert_not_screen "Rank and position,"
	assert_not_screen "Passphrase"
	tui_keys l
	wait_line "999999" "outside@" "Pier 4, Halifax"
	wait_line "123456" "100001" "CFB Kingston"
	tui_keys O
	wait_for "Outside account needs the administrator role"
	assert_not_screen "Register an outside account"
	tui_keys D
	wait_for "Account details needs the administrator role"
	assert_not_screen "Passphrase"
	tui_keys '?'
	wait_line "Rank/position" "(needs administrator)"
	wait_line "Accounts/people" "switch the list"
	tui_keys q
	tui_quit
done
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action IN ('account-outside', 'account-details', 'person-details')")" = 5 ] ||
	{ echo "FAIL: the paperwork entries"; fails=$((fails + 1)); }
ok asq dave log verify
finish
