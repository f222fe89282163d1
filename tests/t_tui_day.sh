#!/usr/bin/env bash
# TUI scenario: a custodian's whole day from the terminal UI alone:
# receive two items (equipment and keying material), issue one on hand
# receipt (the holder signs at the terminal) and take it back, transfer it
# to another account whose custodian accepts it, destroy the keying
# material with a witness, report an incident and close it with the
# authority.  The log verifies.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=X1 class=C title=KY-57"
count() { q "SELECT count(*) FROM custos.log_entry WHERE action = '$1'"; }
state() { q "SELECT account || ' ' || status || coalesce(' ' || holder, '') FROM custos.item WHERE serial = '$1'"; }
expect_state() {
	local got
	got=$(state "$1")
	[ "$got" = "$2" ] || { echo "FAIL: item $1 is '$got', wanted '$2'"; fails=$((fails + 1)); }
}

tui_login alice
step "receive two items"
tui_keys 2
wait_for "Holdings of 123456"
tui_keys r
wait_for "Receive, account 123456"
wait_line "From (COR/account)" "COR"
tui_keys Tab; tui_type "KG-175D"
tui_keys Tab Tab; tui_type "1001"
tui_keys Tab Tab C-u; tui_type "C"
tui_keys C-n
wait_line "> Item 2 short title"
tui_type "AKAT 1234"
tui_keys Tab; tui_type "7"
tui_keys Tab; tui_type "K7"
tui_keys Tab C-u; tui_type "keys"
wait_line "Item 2 kind" "kind must be key, equipment or publication"
tui_keys BSpace
wait_gone "kind must be key"
tui_keys Tab C-u; tui_type "S"
tui_keys Tab; tui_type "1"
tui_keys Tab Tab; tui_type "yes"
tui_keys Tab; tui_type "2026-01-01"
tui_keys Tab; tui_type "2026-12-31"
tui_keys Tab; tui_type "initial delivery"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action receipt"
assert_screen "peer COR"
assert_screen "serial=1001 edition=- effective=- supersedes=- title=KG-175D"
# the long item line wraps, marked as a continuation: nothing is hidden
assert_screen "item kind=key alc=1 class=S crypto=yes qty=1 serial=K7 edition=7 effective=2026-01-01 supersedes=2026-12-31"
wait_line "↪" "1234"
tui_keys y
wait_for "Receive signed: entry"
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'receipt' ORDER BY idx DESC LIMIT 1" |
	grep -qxF "item kind=key alc=1 class=S crypto=yes qty=1 serial=K7 edition=7 effective=2026-01-01 supersedes=2026-12-31 title=AKAT 1234" ||
	{ echo "FAIL: the keying material's line is not in the signed entry"; fails=$((fails + 1)); }
expect_state 1001 "123456 on_hand"
expect_state K7 "123456 on_hand"

step "issue 1001 to carol, who signs at the terminal"
tui_find 1001
tui_keys i
wait_for "Issue on hand receipt, account 123456"
tui_type carol
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "holder carol"
assert_screen "and the holder: carol"
tui_keys y
wait_for "Holder carol: choose the key file"
wait_for "the key of carol"
tui_keys Enter
wait_for "carol, type your passphrase"
tui_pass
wait_for "Issue on hand receipt signed: entry"
expect_state 1001 "123456 issued carol"
wait_line "1001" "carol"

step "carol returns it"
tui_find 1001
tui_keys u
wait_for "Return from hand receipt, account 123456"
wait_line "Holder" "carol"
wait_line "Hand receipt" "123456-"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action return"
tui_keys y
wait_for "the key of carol"
tui_keys Enter
wait_for "carol, type your passphrase"
tui_pass
wait_for "Return from hand receipt signed: entry"
expect_state 1001 "123456 on_hand"

step "transfer 1001 to 654321"
tui_find 1001
tui_keys t
wait_for "Transfer, account 123456"
tui_type 654321
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Transfer signed: entry"
expect_state 1001 "123456 in_transit"
tui_quit

step "bob accepts it"
txn=$(q "SELECT txn FROM custos.log_entry WHERE action = 'transfer'")
# --no-key: no passphrase at startup; the form asks for the key given
tui_start bob --no-key
wait_for "read only (--no-key)" 30
tui_keys 3
wait_for "Transactions"
wait_line "! $txn" "> ACCEPT"
tui_keys a
wait_for "Accept a transfer, account 654321"
wait_line "Transfer" "$txn"
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Passphrase of your key $W/bob.key"
tui_pass
wait_for "Accept a transfer signed: entry"
expect_state 1001 "654321 on_hand"
tui_quit

step "alice destroys the keying material with wendy as witness"
tui_login alice
tui_find K7
tui_keys d
wait_for "Destroy, account 123456"
assert_screen "AKAT 1234  edition 7  serial K7"
tui_type "burn"
tui_keys Tab
tui_type "DIR-2026-09"   # K7 is superseded only on 2026-12-31: the direction's reference
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "method burn"
assert_screen "authority DIR-2026-09"
tui_keys y
wait_for "Witness: choose the key file"
assert_screen "$W/wendy.key"   # the witness of the account whose key is beside alice's
wait_for "the key of wendy"
tui_keys Enter
wait_for "wendy, type your passphrase"
tui_pass
wait_for "Destroy signed: entry"
expect_state K7 "123456 destroyed"

step "an inventory: the item under the cursor sighted, wendy co-signs"
before=$(q "SELECT last_inventory FROM custos.account WHERE number = '123456'")
tui_find X1
tui_keys I
wait_for "Inventory, account 123456"
assert_screen "These items were sighted on account 123456"
tui_type "monthly check"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action inventory"
assert_screen "serial=X1"
tui_keys y
wait_for "Witness: choose the key file"
assert_screen "$W/wendy.key"   # the witness of the account whose key is beside alice's
wait_for "the key of wendy"
tui_keys Enter
wait_for "wendy, type your passphrase"
tui_pass
wait_for "Inventory signed: entry"
# X1 is all the account holds: a complete inventory, which starts the clock
assert_screen "complete inventory (1 of 1 held): the inventory clock restarts"
after=$(q "SELECT last_inventory FROM custos.account WHERE number = '123456'")
[ "$after" != "$before" ] || { echo "FAIL: the inventory did not move the account's last inventory"; fails=$((fails + 1)); }

step "an incident"
tui_find X1
tui_keys x
wait_for "Incident report, account 123456"
tui_type "lost"
wait_line "Category" "cryptographic, personnel, physical or packaging"
tui_keys C-u
tui_type physical
tui_keys Tab
step "when it was discovered: required, not in the future"
tui_type "$(date -u -d '+1 day' +%Y-%m-%dT%H:%MZ)"
wait_line "Discovered" "that is in the future"
tui_keys C-u
disc=$(date -u -d '-5 hours' +%Y-%m-%dT%H:%MZ)
tui_type "$disc"
tui_keys Tab
tui_type "safe found open at 07:00"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "category physical"
assert_screen "discovered ${disc%Z}:00.000000Z"
assert_screen "text safe found open at 07:00"
tui_keys y
wait_for "Incident report signed: entry"
expect_state X1 "123456 incident"

step "the incident's reports, as signed, under the list"
inc=$(q "SELECT txn FROM custos.log_entry WHERE action = 'incident-report'")
tui_keys 4
wait_for "Reports of incident $inc"
wait_line "initial report" "entry"
assert_screen "    safe found open at 07:00"
wait_line "$inc" "${disc:0:10} ${disc:11:5}"
step "an amplifying report (U)"
tui_keys U
wait_for "Amplifying report, account 123456"
wait_line "Incident" "$inc"
tui_type "reported to the departmental COMSEC authority"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action incident-update"
assert_screen "ref $inc"
tui_keys y
wait_for "Amplifying report signed: entry"
[ "$(q "SELECT updates FROM custos.incident WHERE txn = '$inc'")" = 1 ] ||
	{ echo "FAIL: the incident should have one update"; fails=$((fails + 1)); }
tui_keys 4
wait_line "amplifying report" "entry"
assert_screen "    reported to the departmental COMSEC authority"

step "relief from accountability, co-signed by the authority erin"
tui_keys 4
wait_for "Incidents"
tui_keys c
wait_for "Close an incident, account 123456"
wait_line "Incident" "$inc"
tui_keys F2
wait_line "Outcome" "the outcome is no-compromise, compromised, lost or destroy"
tui_type "lost"   # the refused field has the focus
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action incident-close"
assert_screen "outcome lost"
assert_screen "ref $inc"
assert_screen "and an authority"
tui_keys y
wait_for "Authority: choose the key file"
assert_screen "$W/erin.key"    # the authority whose key is beside alice's
wait_for "the key of erin"
tui_keys Enter
wait_for "erin, type your passphrase"
tui_pass
wait_for "Close an incident signed: entry"
expect_state X1 "123456 relieved"
tui_keys 4
wait_line "final report, closed: lost" "entry"
wait_line "$inc" "lost"
tui_quit

for a in receipt issue return transfer accept destroy inventory incident-report incident-close; do
	[ "$(count $a)" -ge 1 ] || { echo "FAIL: no $a entry"; fails=$((fails + 1)); }
done
expect_out '^valid' asq dave log verify
finish
