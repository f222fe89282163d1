#!/usr/bin/env bash
# TUI scenario: two of the administrator's two-person entries on the People
# screen.  adm replaces alice's key (K): a key named for someone else is
# refused in words, F2 shows both key lines, alice's old key co-signs; the
# old key signs nothing afterwards.  adm sets the policy (Y): the fields hold
# the values in force, a value out of range is refused by the preview with
# the rule's words, only the changed policy is in the entry, an authority
# co-signs.  An auditor is refused both forms before any passphrase.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
"$C" key new --name alice --out "$W/alice2.key" --passphrase-fd 3 3<<<"$PASS" >/dev/null 2>&1 ||
	{ echo "FAIL: key new"; exit 1; }
V2=$("$C" key pub "$W/alice2.key")

# people_on_alice WHO: WHO's TUI on the People screen, the cursor on alice
# (by name: adm, alice).
people_on_alice() {
	tui_start "$1" --no-key
	wait_for "read only (--no-key)" 30
	tui_keys 6
	wait_line "alice" "custodian:123456"
	tui_keys Home j
	sleep 0.3
}

step "adm opens Rotate key on alice"
people_on_alice adm
tui_keys K
wait_for "Replace a key"
wait_line "Person" "alice"
tui_type "$(cat "$W/bob.vkey")"
tui_keys F2
wait_for "New key: the key is named bob, not alice"
tui_keys C-u
tui_type "$V2"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action key-rotate"
assert_screen "key custodian $(cut -c1-40 "$W/alice.vkey")"
assert_screen "key custodian $(printf '%s' "$V2" | cut -c1-40)"
tui_keys y
wait_for "Passphrase of your key $W/adm.key"
tui_pass
wait_for "choose the key file"
tui_keys C-u
tui_type "$W/alice.key"
wait_for "the key of alice"
tui_keys Enter
wait_for "alice, type your passphrase"
tui_pass
wait_for "Replace a key signed: entry"
[ "$(q "SELECT vkey FROM custos.person WHERE name = 'alice'")" = "$V2" ] ||
	{ echo "FAIL: alice's key was not replaced"; fails=$((fails + 1)); }

step "adm sets the policy: out of range first, then 24 hours"
tui_keys Y
wait_for "Policy"
wait_line "Destruction (hours)" "12"
wait_line "Two-person class" "3"
tui_keys F2
wait_for "change at least one policy's value"
tui_type "99"
tui_keys F2
wait_for "policy destruction_deadline_hours is a whole number from 1 to 72"
tui_keys C-u
tui_type "24"
tui_keys F2
wait_for "This exact entry will be signed"
assert_screen "action policy-set"
assert_screen "detail destruction_deadline_hours 24"
assert_not_screen "detail transit_alarm_days"
tui_keys y
wait_for "choose the key file"
tui_keys C-u
tui_type "$W/erin.key"
wait_for "the key of erin"
tui_keys Enter
wait_for "erin, type your passphrase"
tui_pass
wait_for "Policy signed: entry"
tui_quit
[ "$(q "SELECT value FROM custos.policy WHERE name = 'destruction_deadline_hours'")" = 24 ] &&
	[ "$(q "SELECT value FROM custos.policy WHERE name = 'transit_alarm_days'")" = 30 ] ||
	{ echo "FAIL: the policy set is not the one signed"; fails=$((fails + 1)); }

step "the old key signs no more; an auditor is refused both forms"
expect_err 1 'the key file given is not the enrolled key of alice' \
	as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=R1 title=KG-175D'
people_on_alice dave
tui_keys K
wait_for "Rotate key needs the administrator role"
tui_keys Y
wait_for "Policy needs the administrator role"
assert_not_screen "Passphrase"
tui_quit
ok asq dave log verify
finish
