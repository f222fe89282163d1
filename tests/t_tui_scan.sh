#!/usr/bin/env bash
# TUI scenario: an inventory by barcode scanner (docs/tui.md, "Inventory
# mode").  alice opens a session from Holdings (S), and a scanner types a
# burst of serials and Enter at scanner speed: expected items, one twice,
# an unknown serial, another account's item, serials made of digits and of
# screen keys (q / P - 2, and ? which is no serial), none of which may act as a key.  Each is
# answered on the screen with the running count, and the database holds
# exactly the sightings.  The reconciliation lists the missing item (x
# drafts its incident report, which alice signs), the unknown serial (p
# drafts a possession report), and C signs the certification with the
# witness after a preview; a scan between the preview and the signature
# is refused, not signed.  The inventory clock moves only at the
# certification, and the log verifies.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR \
	--item "kind=equipment alc=1 class=C serial=S1 title=KG-175D" \
	--item "kind=equipment alc=1 class=C serial=S2 title=KG-175D" \
	--item "kind=equipment alc=1 class=C serial=20261204 title=KG-175D" \
	--item "kind=equipment alc=1 class=C serial=q/P-2 title=KG-175D" \
	--item "kind=equipment alc=1 class=C serial=M1 title=KY-57" \
	--item "kind=publication alc=2 class=U qty=40 serial=L40 edition=7 title=PUB 9"
ok as bob receive --account 654321 --from COR --item "kind=equipment alc=1 class=C serial=B1 title=KG-84"
clock0=$(q "SELECT coalesce(last_inventory::text, 'never') FROM custos.account WHERE number = '123456'")
sightings() { q "SELECT count(*) FROM custos.inventory_sighting"; }
# wendy_signs: after y on a confirmation, wendy's key file (the one offered)
# and passphrase when the form asks for them, until the entry is signed.
wendy_signs() {
	local scr
	for _ in $(seq 1 50); do
		scr=$(tui_screen)
		[[ $scr == *"signed: entry"* ]] && break
		if [[ $scr == *"the key of wendy"* ]]; then tui_keys Enter; sleep 0.5; fi
		if [[ $scr == *"wendy, type your passphrase"* ]]; then tui_pass; sleep 0.5; fi
		sleep 0.2
	done
	wait_for "signed: entry"
}

step "Holdings, S: no session yet, y opens one"
tui_login alice
tui_keys 2
wait_for "Holdings of"
tui_keys S
wait_for "No inventory session is open on this account."
tui_keys y
wait_for "scanning"
sid=$(q "SELECT id FROM custos.inventory_session WHERE account = '123456' AND closed_idx IS NULL AND abandoned_at IS NULL")
[ -n "$sid" ] || { echo "FAIL: no session opened"; fails=$((fails + 1)); }

step "a burst of scans, as a scanner types them"
# one send-keys: the keys reach the terminal back to back, faster than
# custos answers, so curses holds the rest while each scan is answered
tx send-keys -t "$TUI_S" -l -- $'S1\rS2\rS1\rZZZ999\rB1\r20261204\r?\rq/P-2\r'
wait_for "sighted 4 of 6" 15
wait_line "+ sighted: q/P-2"
assert_screen "8 scans here"
wait_line "! not a serial" "?"
wait_line "= already sighted" "S1"
wait_line "! unknown" "ZZZ999"
wait_line "! not on this account" "B1"
wait_line "+ sighted" "20261204"
assert_not_screen "Keys of"
[ "$(sightings)" = 4 ] || { echo "FAIL: $(sightings) sightings recorded, expected 4"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.inventory_found")" = 2 ] ||
	{ echo "FAIL: found: $(q "SELECT serial FROM custos.inventory_found")"; fails=$((fails + 1)); }

step "hostile scans are answered here and never sent"
long=$(printf 'X%.0s' $(seq 1 40))
tx send-keys -t "$TUI_S" -l -- "$long"
tui_keys Enter
wait_line "! not a serial: $long"
assert_screen "too long: 40 bytes, a serial has at most 32; nothing recorded"
tx send-keys -t "$TUI_S" -l -- $'AB\tC\r'
wait_line "! not a serial"
assert_screen "control character; nothing recorded"
tui_keys Enter Enter # a scanner's extra Enters: nothing
sleep 0.5
assert_screen "10 scans here"
[ "$(sightings)" = 4 ] || { echo "FAIL: a hostile scan was recorded"; fails=$((fails + 1)); }

step "F5: the reconciliation"
tui_keys F5
wait_for "Reconciliation of account 123456, session $sid"
assert_screen "sighted 4 of 6; not sighted 2; found, not on record 2; quantity differences 0"
assert_screen "not closable yet"
wait_line "KY-57" "M1"
wait_line "ZZZ999" "not in the ledger"
tui_keys C
wait_for "not closable yet: 2 not sighted"

step "p on a line that is not found: said, no form"
tui_keys Home
sleep 0.3
tui_keys p
wait_for 'p drafts the possession report of a serial found: put the cursor on a line under "Found, not on record"'

step "x drafts the incident report of M1; alice signs it"
tui_keys Home
sleep 0.3
tui_keys x
wait_for "Drafted from the inventory"
assert_screen "(session $sid): cannot be found"
assert_screen "physical"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action incident-report"
assert_screen "serial=M1"
tui_keys y
wait_for "signed: entry"
wait_for "Reconciliation of account 123456"
tui_keys F5
wait_for "sighted 4 of 5; not sighted 1"

step "Q counts the lot short; x drafts the incident report of the part missing"
tui_keys Home
sleep 0.3
tui_keys Q
wait_for "Quantity counted"
tui_type "38"
tui_keys Enter
wait_for "quantity differences 1"
wait_line "PUB 9" "L40" "recorded 40, counted 38"
tui_keys Home
sleep 0.3
tui_keys x
wait_for "Drafted from the inventory"
assert_screen "A lot of 40: a smaller Quantity takes part of it"
wait_line "Quantity" "2"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action incident-report"
assert_screen "qty=2"
assert_screen "serial=L40+"
tui_keys y
wait_for "signed: entry"
wait_for "Reconciliation of account 123456"
tui_keys F5
wait_for "sighted 5 of 5; not sighted 0; found, not on record 2; quantity differences 0"
assert_screen "closable: every expected item sighted"
[ "$(q "SELECT qty FROM custos.item WHERE serial = 'L40'")" = 38 ] ||
	{ echo "FAIL: the lot does not keep 38"; fails=$((fails + 1)); }

step "p drafts the possession report of a serial found (left unsigned)"
# the lists that need the custodian come first; with none left, the
# first line is the first found, B1 (another account's: its title is not
# told, the custodian gives it)
tui_keys Home
sleep 0.3
tui_keys p
wait_for "Drafted from the inventory: give what"
assert_screen "not on record here"
wait_line "Item 1 serial" "B1"
tui_keys Escape
sleep 0.3
wait_for "Reconciliation of account 123456"

step "C: a scan between the preview and the signatures is refused"
tui_keys C
wait_for "This exact entry will be signed"
assert_screen "action inventory"
assert_screen "detail list_sha256 "
assert_screen "detail sighted 5"
assert_screen "detail not_sighted 1"
assert_screen "detail qty_diff 1"
# wendy, at her own terminal, sights nothing new but the found list grows
ok env PGUSER=wendy "$C" inventory scan --account 123456 --serial NEW1
tui_keys y
wait_for "the key of wendy"
tui_keys Enter
wait_for "wendy, type your passphrase"
tui_pass
# refused, not signed: the form shows the entry as it is now
wait_for "The entry changed since you saw it"
assert_screen "detail found 3"
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'inventory'")" = 0 ] ||
	{ echo "FAIL: an entry other than the previewed one was signed"; fails=$((fails + 1)); }
[ "$(q "SELECT coalesce(last_inventory::text, 'never') FROM custos.account WHERE number = '123456'")" = "$clock0" ] ||
	{ echo "FAIL: the clock moved before the certification"; fails=$((fails + 1)); }

step "the new preview signed"
tui_keys y
wendy_signs
assert_screen "complete inventory"
[ "$(q "SELECT closed_idx IS NOT NULL FROM custos.inventory_session WHERE id = $sid")" = t ] ||
	{ echo "FAIL: the session is not closed"; fails=$((fails + 1)); }
[ "$(q "SELECT last_inventory IS NOT NULL AND last_inventory::text <> '$clock0' FROM custos.account WHERE number = '123456'")" = t ] ||
	{ echo "FAIL: the certification did not move the clock"; fails=$((fails + 1)); }
[ "$(q "SELECT note LIKE '%detail found 3%detail qty_diff 1%detail sighted 5%' FROM custos.log_entry WHERE action = 'inventory'")" = t ] ||
	{ echo "FAIL: the certification is not the one previewed last"; fails=$((fails + 1)); }

step "a change of custodian, from the TUI: S, c, scan every item, C names wendy"
ok as alice receive --account 123456 --from COR --item "kind=key alc=4 class=C serial=L1 title=AKAT 9"
tui_keys Escape Escape
sleep 0.3
tui_keys 2
wait_for "Holdings of"
tui_keys S
wait_for "No inventory session is open on this account."
assert_screen "c opens the joint inventory of a change of custodian"
tui_keys c
wait_for "custodian-change), scanning"
sid2=$(q "SELECT id FROM custos.inventory_session WHERE kind = 'custodian-change' AND closed_idx IS NULL")
tx send-keys -t "$TUI_S" -l -- $'S1\rS2\r20261204\rq/P-2\r'
wait_for "sighted 4 of 6"
tui_keys F5
wait_for "Reconciliation of account 123456, session $sid2 (custodian-change)"
tui_keys C
wait_for "not closable yet: 2 not sighted"
tui_keys Escape
sleep 0.3
tx send-keys -t "$TUI_S" -l -- $'L40\rL1\r'
wait_for "sighted 6 of 6"
tui_keys F5
wait_for "closable: every expected item sighted"
tui_keys C
wait_for "Change of custodian of account 123456"
tui_keys F2
wait_for "give the person's name"
tui_type "wendy"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action custodian-change"
assert_screen "holder wendy"
assert_screen "detail sighted 6"
assert_not_screen "detail not_sighted"
tui_keys y
wendy_signs
[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'wendy' AND role = 'custodian' AND account = '123456'")" = 1 ] &&
	[ "$(q "SELECT closed_idx IS NOT NULL FROM custos.inventory_session WHERE id = $sid2")" = t ] ||
	{ echo "FAIL: the change of custodian did not pass the account to wendy"; fails=$((fails + 1)); }
tui_quit
ok asq dave log verify
gapfree "after the TUI inventory"
finish
