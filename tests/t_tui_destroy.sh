#!/usr/bin/env bash
# TUI scenario: destruction with a witness at the same terminal (the key
# chooser starts at the account's witness's key file; the witness must be
# another person who may witness there, refused before any passphrase; a
# wrong passphrase is refused and asked again), and an auditor who is
# offered nothing that changes the ledger.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=D1 class=C title=KG-175D" \
	--item "serial=D2 class=C title=KG-175D" --item "serial=D3 class=C title=KG-175D"

step "alice marks two items"
tui_login alice
tui_keys 2
wait_line "D1" "on hand"
tui_keys Home Space Space   # Space marks and moves down
sleep 0.3
tui_keys d
wait_for "Destroy, account 123456"
assert_screen "Items (2):"
assert_screen "serial D1"
assert_screen "serial D2"
step "the method is required, one of the list"
tui_keys F2
wait_line "Method" "the method is burn, shred"
tui_type "cross-cut shredder"
wait_line "Method" "the method is burn, shred"
tui_keys C-u
tui_type "shred"
step "equipment is not superseded: the authority is named"
tui_keys Tab
tui_keys F2
wait_for "has no supersession date"
tui_type "DIR 17"
wait_line "Authority" "a reference is 1 to 32 letters"
tui_keys C-u
tui_type "DIR-2026-17"
tui_keys Tab
tui_type "annual clean-up"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action destroy"
assert_screen "method shred"
assert_screen "authority DIR-2026-17"
assert_screen "text annual clean-up"
assert_screen "and a witness of the account (its witness, alternate or custodian)"
tui_keys y
step "the witness chooses a key: it starts at the account's witness's, beside alice's"
wait_for "Witness: choose the key file"
wait_for "the key of wendy"
assert_screen "$W/wendy.key"
step "not alice's own"
tui_keys C-u
tui_type "$W/alice.key"
wait_for "the key of alice"
tui_keys Enter
wait_for "This is your own key: the witness must be another person"
step "dave, auditor, may not witness: refused before his passphrase"
tui_keys C-u
tui_type "$W/dave.key"
wait_for "the key of dave"
tui_keys Enter
wait_for "dave may not witness on account 123456"
assert_not_screen "dave, type your passphrase"
assert_screen "Witness: choose the key file"
step "carol, holder, may not witness either"
tui_keys C-u
tui_type "$W/carol.key"
wait_for "the key of carol"
tui_keys Enter
wait_for "carol may not witness on account 123456"
assert_not_screen "carol, type your passphrase"
tui_keys C-u
tui_type "$W/nokey.key"
wait_for "no such file"
tui_keys C-u
tui_type "$W/wendy.key"
wait_for "the key of wendy"
tui_keys Enter
wait_for "wendy, type your passphrase (not shown)"
step "a wrong passphrase"
tui_type "not the passphrase"
tui_keys Enter
wait_for "Wrong passphrase: try again"
assert_not_screen "not the passphrase"
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'destroy'")" = 0 ] ||
	{ echo "FAIL: destroyed before the witness signed"; fails=$((fails + 1)); }
tui_pass
wait_for "Destroy signed: entry"
assert_not_screen "$PASS"
tui_quit
[ "$(q "SELECT string_agg(serial || ' ' || status, ',' ORDER BY serial) FROM custos.item")" = \
	"D1 destroyed,D2 destroyed,D3 on_hand" ] || { echo "FAIL: wrong items destroyed"; fails=$((fails + 1)); }
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'destroy'" | grep -q '^— wendy ' ||
	{ echo "FAIL: wendy's signature missing"; fails=$((fails + 1)); }

step "dave, auditor"
tui_login dave
tui_keys 2
wait_for "Holdings"
wait_line "D3"
assert_not_screen "d Destroy"
assert_not_screen "t Transfer"
assert_not_screen "r Receive"
tui_keys d
wait_for "needs"
assert_screen "custodian"
assert_not_screen "Destroy, account"
tui_keys t
wait_for "needs"
assert_not_screen "Transfer, account"
tui_quit
ok asq dave log verify
finish
