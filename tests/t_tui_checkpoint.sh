#!/usr/bin/env bash
# TUI scenario: checkpoints after actions.  The dashboard's "checkpoint
# due" alarm shows to those who can make one (an administrator; a
# custodian with the log key), not to an auditor nor to a custodian
# without the key; without the log key it says what to do; with the log key
# (CUSTOS_LOG_KEY, its passphrase asked at startup like the person's own)
# the submit that finds one due signs it and the message line says so;
# Enter alone at its prompt goes on without it; a key that is not this
# log's stops custos before the screen opens.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key" >"$W/log.vkey" || exit 1
chmod 600 "$W/log.key"
PGUSER=adm ok "$C" log key set "$(cat "$W/log.vkey")"
ok as alice receive --account 123456 --from COR --item "serial=0042 class=C title=KG-175D" \
	--item "serial=0043 class=C title=KG-175D"
checkpoints() { q "SELECT count(*) || ' ' || coalesce(max(size), 0) FROM custos.checkpoint"; }
[ "$(checkpoints)" = "0 0" ] || { echo "FAIL: a checkpoint before any was made"; fails=$((fails + 1)); }

step "the auditor cannot make a checkpoint: no alarm for him"
tui_login dave
wait_for "Alarms:"
assert_not_screen "checkpoint due"
tui_quit
step "nor alice without the log key"
tui_login alice
wait_for "Alarms:"
assert_not_screen "checkpoint due"
tui_quit
step "the administrator sees the alarm; Enter says what to do"
tui_login adm
wait_line "checkpoint due" "two-person action"
tui_keys G Enter
wait_for "custos log checkpoint --log-key FILE"
tui_quit

step "alice with the log key: the transfer signs the due checkpoint"
TUI_ENV=(CUSTOS_LOG_KEY="$W/log.key")
tui_start alice
wait_for "Passphrase of your key" 30
tui_pass
wait_for "Passphrase of the log key custos.test/ledger" 30
tui_type "wrong"; tui_keys Enter
wait_for "Passphrase of the log key custos.test/ledger, to sign checkpoints" 10
tui_pass
wait_for "welcome, alice" 30
step "alice with the log key sees the alarm"
wait_line "checkpoint due" "two-person action"
tui_find 0043
tui_keys t
wait_for "Transfer, account 123456"
tui_type 654321
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Transfer signed: entry"
size=$(q "SELECT size FROM custos.log_head")
wait_for "checkpoint of $size entries signed"
[ "$(checkpoints)" = "1 $size" ] || { echo "FAIL: checkpoints '$(checkpoints)', wanted 1 of $size"; fails=$((fails + 1)); }
step "the next one-person action: none due, none made"
tui_find 0042
tui_keys t
wait_for "Transfer, account 123456"
tui_type 654321
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Transfer signed: entry"
assert_not_screen "checkpoint of"
[ "$(checkpoints)" = "1 $size" ] || { echo "FAIL: a checkpoint that was not due: $(checkpoints)"; fails=$((fails + 1)); }
tui_quit

step "Enter alone at the log key's prompt: custos starts without it"
tui_start bob
wait_for "Passphrase of your key" 30
tui_pass
wait_for "Passphrase of the log key" 30
tui_keys Enter
wait_for "no log key: checkpoints are left to 'custos log checkpoint'" 30
tui_quit

step "someone's own key given as the log key is refused before the screen opens"
TUI_ENV=(CUSTOS_LOG_KEY="$W/bob.key")
tui_start bob
wait_for "Passphrase of your key" 30
tui_pass
wait_for "is named bob, but this log's origin is custos.test/ledger" 30
wait_for "[custos exited with status 1]"
step "--log-key FILE is the option form of CUSTOS_LOG_KEY"
TUI_ENV=()
tui_start bob --log-key "$W/bob.key"
wait_for "Passphrase of your key" 30
tui_pass
wait_for "is named bob, but this log's origin is custos.test/ledger" 30
wait_for "[custos exited with status 1]"
step "a log key file that is not there stops custos, naming it"
TUI_ENV=(CUSTOS_LOG_KEY="$W/no such.key")
tui_start bob
wait_for "Passphrase of your key" 30
tui_pass
wait_for "log key: " 30
wait_for "no such.key"
wait_for "[custos exited with status 1]"
TUI_ENV=()
ok asq dave log verify
finish
