#!/usr/bin/env bash
# TUI scenario: an ALC change and key put into effect from Holdings.
# alice marks an item and asks for a downgrade: refused before anyone signs,
# as no authority is named; with the national authority's reference the
# exact entry is shown (detail alc, detail authority) and signed.  Then
# the marked key, in reserve, goes into effect (F2 shows key-effective);
# marked with equipment, the form refuses before signing.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR \
	--item "kind=key alc=7 class=C crypto=yes serial=K1 effective=2020-01-01 supersedes=2099-12-31 title=AKAT 1" \
	--item "kind=equipment alc=2 serial=E1 class=C title=KG-175D"

step "alice asks for a downgrade of E1 without the authority"
tui_login alice
tui_keys 2
wait_line "E1" "on hand"
tui_keys Home j Space
sleep 0.3
tui_keys L
wait_for "Change of ALC, account 123456"
assert_screen "Items (1):"
tui_type "4"
tui_keys F2
wait_for "ALC-2 to ALC-4 is no upgrade"
tui_keys Escape
sleep 0.3
step "the same with the national authority's reference"
tui_keys L
wait_for "Change of ALC, account 123456"
tui_type "4"
tui_keys Tab
tui_type "NSA-2026/17"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action alc-change"
assert_screen "detail alc 4"
assert_screen "detail authority NSA-2026/17"
assert_screen "alc=2"
assert_screen "serial=E1"
tui_keys y
wait_for "Change of ALC signed: entry"
step "alice marks K1 and E1 for effect: E1 is no key"
tui_keys 2
wait_line "K1" "on hand"
tui_keys Home Space j Space
sleep 0.3
tui_keys E
wait_for "Key into effect, account 123456"
assert_screen "Items (2):"
tui_keys F2
wait_for "Refused: item KG-175D serial E1 is equipment, not keying material"
tui_keys Escape
sleep 0.3
step "alice puts K1 alone into effect"
tui_keys Space
sleep 0.3
tui_keys E
wait_for "Key into effect, account 123456"
assert_screen "Items (1):"
assert_screen "serial K1"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action key-effective"
assert_screen "serial=K1"
assert_not_screen "serial=E1"
tui_keys y
wait_for "Key into effect signed: entry"
tui_quit
[ "$(q "SELECT alc FROM custos.item WHERE serial = 'E1'") $(q "SELECT in_effect FROM custos.item WHERE serial = 'K1'")" = "4 t" ] ||
	{ echo "FAIL: E1 is not ALC-4 or K1 not in effect"; fails=$((fails + 1)); }
ok asq dave log verify
finish
