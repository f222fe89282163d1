#!/usr/bin/env bash
# TUI scenario: part of a quantity lot.  The Transfer, Issue and Destroy
# forms of one lot hold a Quantity field, the lot's quantity at first; a
# larger one is refused before anything is signed, a smaller one takes a
# part, and the confirmation shows the exact entry with the part's line
# (serial LOT+INDEX).  An item of quantity 1 gets no such field.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR \
	--item 'kind=publication alc=4 class=U qty=100 serial=LOT7 title=KAM-9' \
	--item 'serial=0042 class=C title=KG-175D'

step "log in as alice"
tui_login alice
step "an item of quantity 1: no Quantity field"
tui_find 0042
tui_keys t
wait_for "Transfer, account 123456"
assert_not_screen "Quantity"
tui_keys Escape
wait_gone "Transfer, account 123456"
step "the lot of 100: Quantity starts at the whole lot"
tui_find LOT7
tui_keys t
wait_for "Transfer, account 123456"
assert_screen "A lot of 100: a smaller Quantity takes part of it"
wait_line "Quantity" "100"
tui_type 654321
tui_keys Tab
step "more than the lot: refused in words, before any signing"
tui_type 150
tui_keys F2
wait_for "lot KAM-9 serial LOT7 holds 100: a part of it is 1 to 99, not 150"
assert_not_screen "This exact entry will be signed"
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'transfer'")" = 0 ] ||
	{ echo "FAIL: a refused part was signed"; fails=$((fails + 1)); }
step "not a number: the field says so as it is typed"
tui_keys BSpace BSpace BSpace
tui_type 3x
wait_line "Quantity" "3x"
tui_keys F2
wait_for "Quantity:"
assert_not_screen "This exact entry will be signed"
tui_keys BSpace BSpace
tui_type 30
tui_keys F2
wait_for "This exact entry will be signed"
N=$(q "SELECT size FROM custos.log_head")
assert_screen "action transfer"
assert_screen "qty=30 serial=LOT7+$N edition=- effective=- supersedes=- title=KAM-9"
tui_keys y
wait_for "Transfer signed: entry"
[ "$(q "SELECT qty || ' ' || status FROM custos.item WHERE serial = 'LOT7'")" = "70 on_hand" ] ||
	{ echo "FAIL: the lot does not keep 70"; fails=$((fails + 1)); }
[ "$(q "SELECT qty || ' ' || status || ' ' || peer FROM custos.item WHERE serial = 'LOT7+$N'")" = "30 in_transit 654321" ] ||
	{ echo "FAIL: the part of 30 is not in transit"; fails=$((fails + 1)); }
step "the holdings show the lot's rest and the part"
tui_find LOT7
wait_line "LOT7+$N" "30"
wait_line "LOT7 " "70"
step "issue and destroy of the lot offer the field too"
tui_find LOT7
tui_keys i
wait_for "Issue"
wait_line "Quantity" "70"
tui_keys Escape
tui_find LOT7
tui_keys d
wait_for "Destr"
wait_line "Quantity" "70"
tui_keys Escape
tui_quit
ok asq dave log verify
finish
