#!/usr/bin/env bash
# TUI scenario: a custodian logs in, finds an item by serial, transfers it
# (the form says what is wrong as it is typed; the confirmation shows the
# exact entry), sees it in transit; the receiving custodian accepts it.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=0042 class=C title=KG-175D" \
	--item "serial=0043 class=C title=KG-175D" --item "serial=0044 class=C title=KG-175D" \
	--item "serial=0045 class=C title=KG-175D" --item "serial=0046 class=C title=KG-175D"

step "log in as alice"
tui_login alice
step "find 0043 by serial"
tui_find 0043
step "a refusal longer than the screen's width is shown whole, wrapped"
tui_keys t
wait_for "Transfer, account 123456"
tui_type 999999
tui_keys F2
wait_for "(account-outside)"
assert_screen "Refused: account 999999 is neither open in this ledger nor registered as an"
tui_keys Escape
wait_gone "Transfer, account 123456"
step "transfer form"
tui_keys t
wait_for "Transfer, account 123456"
assert_screen "KG-175D  serial 0043"
tui_type 65432
wait_line "To (account/COR)" "six digits"
tui_type 1
wait_gone "six digits"
tui_keys Tab
tui_type "by courier, bag 7"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action transfer"
assert_screen "peer 654321"
assert_screen "serial=0043 edition=- effective=- supersedes=- title=KG-175D"
assert_screen "text by courier, bag 7"
assert_screen "Signed by: alice (you)"
step "Esc goes back to the form with what was typed"
tui_keys Escape; sleep 0.3
wait_line "Remarks" "by courier, bag 7"
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Transfer signed: entry"
step "in transit"
wait_line "in transit" "0043" "654321"
[ "$(q "SELECT status || ' ' || peer FROM custos.item WHERE serial = '0043'")" = "in_transit 654321" ] ||
	{ echo "FAIL: 0043 is not in transit to 654321"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'transfer'")" = 1 ] ||
	{ echo "FAIL: not one transfer entry"; fails=$((fails + 1)); }
txn=$(q "SELECT txn FROM custos.log_entry WHERE action = 'transfer'")
# the signed text is the text the confirmation showed
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'transfer'" |
	grep -qx "text by courier, bag 7" || { echo "FAIL: remarks not signed"; fails=$((fails + 1)); }
tui_quit

step "bob starts read only (no passphrase at startup) and accepts"
tui_start bob
wait_for "Passphrase of your key" 30
tui_keys Enter
wait_for "read only"
tui_keys 3
wait_for "Transactions"
step "the incoming transfer is listed, and accept opens filled in with it"
wait_line "! $txn" "transfer" "> ACCEPT" "123456"
tui_keys a
wait_for "Accept a transfer, account 654321"
wait_line "Transfer" "$txn"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action accept"
assert_screen "ref $txn"
assert_screen "serial=0043"
tui_keys Enter
step "the form asks for bob's own key, which was not loaded"
wait_for "Passphrase of your key $W/bob.key (not shown)"
tui_type "wrong"
tui_keys Enter
wait_for "Wrong passphrase: try again"
tui_pass
wait_for "Accept a transfer signed: entry"
step "a transfer sent while bob's screen is open shows when he presses 3 again"
wait_for "Transactions of 654321: 0 incoming"
ok as alice transfer --account 123456 --to 654321 --serial 0042
txn2=$(q "SELECT txn FROM custos.log_entry WHERE action = 'transfer' ORDER BY idx DESC LIMIT 1")
tui_keys 3
wait_line "! $txn2" "> ACCEPT" "123456"
assert_screen "Transactions of 654321: 1 incoming"
step "... and by itself when the idle check (15 s) sees the log grow"
ok as alice transfer --account 123456 --to 654321 --serial 0044
wait_for "Transactions of 654321: 2 incoming" 25
step "a short shipment: 0045 arrives without 0046; the discrepancy is an incident"
ok as alice transfer --account 123456 --to 654321 --serial 0045 --serial 0046
txn3=$(q "SELECT txn FROM custos.log_entry WHERE action = 'transfer' ORDER BY idx DESC LIMIT 1")
tui_keys 3
wait_line "! $txn3" "> ACCEPT" "123456"
wait_for "Transactions of 654321: 3 incoming"
tui_keys Home   # the newest first
tui_keys a
wait_for "Accept a transfer, account 654321"
tui_keys C-u
tui_type "$txn3"
tui_keys Tab
tui_type "shipment"
wait_line "Discrepancy" "the category is cryptographic"
tui_keys C-u
tui_type "packaging"
tui_keys Tab
tui_type "0045"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action accept"
assert_screen "category packaging"
assert_screen "serial=0045"
assert_not_screen "serial=0046"
tui_keys y
wait_for "Accept a transfer signed: entry"
tui_quit
[ "$(q "SELECT string_agg(serial || ' ' || account || ' ' || status, ',' ORDER BY serial) FROM custos.item WHERE serial IN ('0045', '0046')")" = \
	"0045 654321 on_hand,0046 123456 in_transit" ] || { echo "FAIL: the short shipment"; fails=$((fails + 1)); }
[ "$(q "SELECT category FROM custos.incident WHERE account = '654321'")" = packaging ] ||
	{ echo "FAIL: the short shipment opened no incident"; fails=$((fails + 1)); }
[ "$(q "SELECT account || ' ' || status FROM custos.item WHERE serial = '0043'")" = "654321 on_hand" ] ||
	{ echo "FAIL: 0043 is not on hand at 654321"; fails=$((fails + 1)); }
ok asq dave log verify
finish
