#!/usr/bin/env bash
# TUI scenario: every alarm on the Dashboard opens the items behind it.
# The policy limits are set as low as they go (a policy-set entry signed
# by the administrator and the authority) so that each alarm is due at
# once: superseded keying material not destroyed, an incident not
# reported onward, a transfer in transit, an inventory, a hand receipt;
# and the log's checkpoint due, shown only to whoever can make one (an
# administrator here; alice, a custodian without the log key, cannot),
# which says what to do.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok asw adm erin policy set destruction_deadline_hours=1 incident_report_hours=1 \
	transit_alarm_days=0 inventory_interval_months=0 hand_receipt_alarm_days=0
ok as alice receive --account 123456 --from COR \
	--item "kind=key alc=1 class=S crypto=yes serial=K1 edition=1 effective=2020-01-01 supersedes=2020-02-01 title=AKAT 1234" \
	--item "serial=E1 class=C title=KG-175D" --item "serial=E2 class=C title=KG-175D" \
	--item "serial=E3 class=C title=KIV-7M"
ok asw alice carol issue --account 123456 --holder carol --serial E1
ok as alice transfer --account 123456 --to 654321 --serial E2
ok as alice incident report --account 123456 --category physical --serial E3 --discovered "$(date -u -d "-30 hours" +%Y-%m-%dT%H:%MZ)" --text "seal broken"
txn() { q "SELECT txn FROM custos.log_entry WHERE action = '$1'"; }
issue=$(txn issue) transfer=$(txn transfer) incident=$(txn incident-report)

tui_login alice
wait_for "Alarms: 5"
wait_line "destroy overdue" "123456" "AKAT 1234 1 K1"
wait_line "incident unreported" "$incident"
wait_line "in transit too long" "$transfer"
wait_line "inventory due" "123456"
wait_line "hand receipt aged" "$issue"
# open the alarm on line N (1 = the first) and wait for what it shows
open_alarm() {
	local n=$1; shift
	tui_keys Home
	for ((i = 1; i < n; i++)); do tui_keys Down; done
	tui_keys Enter
	wait_line "$@" || return 1
	tui_keys q
	wait_for "Alarms: 5"
}
step "destroy overdue: the item, with its history"
open_alarm 1 "AKAT 1234" "K1"
step "incident: the items reported"
open_alarm 2 "Items of $incident"
open_alarm 2 "! incident" "E3"
step "in transit: the items sent"
open_alarm 3 "Items of $transfer"
open_alarm 3 "~ in transit" "E2" "654321"
step "inventory: the account's holdings"
open_alarm 4 "Holdings of 123456: open items"
step "hand receipt: the items issued"
open_alarm 5 "Items of $issue"
open_alarm 5 "> issued" "E1" "carol"
step "alice, custodian without the log key: no checkpoint alarm"
assert_not_screen "checkpoint due"
tui_quit
step "adm, administrator: checkpoint due (no log key here): Enter says what to do"
tui_login adm
wait_line "checkpoint due" "since index 0, two-person action at"
tui_keys End Enter
wait_for "custos log checkpoint --log-key FILE"
tui_quit
finish
