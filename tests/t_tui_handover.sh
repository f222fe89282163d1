#!/usr/bin/env bash
# TUI scenario: a change of custodian.  alice marks what she and wendy
# sighted; a list that leaves an item out is refused before anyone signs;
# the whole list is shown as the exact entry, wendy co-signs at the same
# terminal, and from that entry wendy is the account's custodian.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=H1 class=C title=KG-175D" \
	--item "serial=H2 class=C title=KG-175D"

step "alice marks one item of two"
tui_login alice
tui_keys 2
wait_line "H1" "on hand"
tui_keys Home Space
sleep 0.3
tui_keys H
wait_for "Change of custodian, account 123456"
assert_screen "Items (1):"
tui_type "wendy"
tui_keys F2
wait_for "lists every item on hand or issued at account 123456, 2 now; it lists 1"
# the refusal is shown whole, over two lines: the item it misses ends it
assert_screen "it lists 1; not listed:"
assert_screen "KG-175D serial H2"
tui_keys Escape
sleep 0.3
step "both items (H1 is still marked)"
tui_keys Home j Space
sleep 0.3
tui_keys H
wait_for "Change of custodian, account 123456"
assert_screen "Items (2):"
tui_type "wendy"
tui_keys Tab
tui_type "joint inventory on handover"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action custodian-change"
assert_screen "holder wendy"
assert_screen "serial=H1"
assert_screen "serial=H2"
assert_screen "the incoming custodian: wendy"
tui_keys y
wait_for "the key of wendy"
tui_keys Enter
wait_for "wendy, type your passphrase (not shown)"
tui_pass
wait_for "signed: entry"
tui_quit
[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'wendy' AND role = 'custodian' AND account = '123456'")" = 1 ] &&
	[ "$(q "SELECT revoked_idx IS NOT NULL FROM custos.person WHERE name = 'alice'")" = t ] ||
	{ echo "FAIL: the handover did not pass the account to wendy"; fails=$((fails + 1)); }
ok asq dave log verify
finish
