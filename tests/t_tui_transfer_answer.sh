#!/usr/bin/env bash
# TUI scenario: the receiving custodian rejects an incoming transfer (R on
# Transactions) and the sender recalls another (W); each form opens filled
# in with the transfer under the cursor, the confirmation shows the exact
# entry, and the items are back on hand at the sending account.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=R1 class=C title=KG-175D" \
	--item "serial=R2 class=C title=KG-175D"
ok as alice transfer --account 123456 --to 654321 --serial R1
X=$(q "SELECT txn FROM custos.log_entry WHERE action = 'transfer' ORDER BY idx DESC LIMIT 1")
ok as alice transfer --account 123456 --to 654321 --serial R2
Y=$(q "SELECT txn FROM custos.log_entry WHERE action = 'transfer' ORDER BY idx DESC LIMIT 1")

step "bob rejects the first incoming transfer (the oldest is listed first)"
tui_login bob
tui_keys 3
wait_line "! $X" "> ACCEPT" "123456"
tui_keys Home
tui_keys R
wait_for "Reject a transfer, account 654321"
wait_line "Transfer" "$X"
tui_type "wrong equipment sent"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action transfer-reject"
assert_screen "ref $X"
assert_screen "peer 123456"
assert_screen "serial=R1"
assert_not_screen "serial=R2"
assert_screen "text wrong equipment sent"
tui_keys y
wait_for "Reject a transfer signed: entry"
step "bob cannot recall alice's transfer: the form opens without it"
tui_keys 3
wait_line "! $Y" "> ACCEPT" "123456"
tui_keys Home
tui_keys W
wait_for "Recall a transfer, account 654321"
assert_not_screen "$Y"
tui_keys Escape
tui_quit
[ "$(q "SELECT status || ' ' || account FROM custos.item WHERE serial = 'R1'")" = "on_hand 123456" ] ||
	{ echo "FAIL: R1 is not back on hand at 123456"; fails=$((fails + 1)); }

step "alice recalls the other"
tui_login alice
tui_keys 3
wait_line "$Y" "transfer" "open"
tui_keys Home   # the newest first: Y, still in transit
tui_keys W
wait_for "Recall a transfer, account 123456"
wait_line "Transfer" "$Y"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action transfer-recall"
assert_screen "ref $Y"
assert_screen "peer 654321"
assert_screen "serial=R2"
tui_keys y
wait_for "Recall a transfer signed: entry"
tui_quit
[ "$(q "SELECT status || ' ' || account FROM custos.item WHERE serial = 'R2'")" = "on_hand 123456" ] &&
	[ "$(q "SELECT count(*) FROM custos.txn WHERE action = 'transfer' AND open")" = 0 ] ||
	{ echo "FAIL: R2 is not back on hand, or a transfer is still open"; fails=$((fails + 1)); }
ok asq dave log verify
finish
