#!/usr/bin/env bash
# TUI scenario: the database server goes away in the middle of a form and
# comes back.  The form keeps what was typed, the TUI says the connection
# was lost and reconnects, and the signed action applies once.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=C1 class=C title=KG-175D" \
	--item "serial=C2 class=C title=KG-175D"

tui_login alice
tui_find C1
tui_keys t
wait_for "Transfer, account 123456"
tui_type 654321
tui_keys Tab
tui_type "sent while the server restarts"
step "the server restarts under the open form"
pg_restart || { echo "FAIL: pg_restart"; fails=$((fails + 1)); }
tui_keys F2
wait_for "This exact entry will be signed" 40
assert_screen "text sent while the server restarts"
step "the server is down when the entry is signed"
pg_down
tui_keys y
wait_for "the connection to the database was lost" 20
sleep 1
pg_up || { echo "FAIL: pg_up"; fails=$((fails + 1)); }
wait_for "Transfer signed: entry" 60
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'transfer'")" = 1 ] ||
	{ echo "FAIL: not exactly one transfer"; fails=$((fails + 1)); }
[ "$(q "SELECT status FROM custos.item WHERE serial = 'C1'")" = in_transit ] ||
	{ echo "FAIL: C1 not in transit"; fails=$((fails + 1)); }
step "the same session works on"
tui_find C2
tui_keys t
wait_for "Transfer, account 123456"
tui_type COR
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Transfer signed: entry"
tui_quit
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'transfer'")" = 2 ] ||
	{ echo "FAIL: not two transfers"; fails=$((fails + 1)); }
ok asq dave log verify
finish
