#!/usr/bin/env bash
# TUI scenario: the window is resized in the middle of a form; what was
# typed (UTF-8, wide characters) is still there and is what gets signed.
# Esc on the form cancels and signs nothing.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=R1 class=C title=KG-175D"
remark='caché «sûr» 金庫 ok'

tui_login alice
tui_find R1
tui_keys t
wait_for "Transfer, account 123456"
tui_type 654321
tui_keys Tab
tui_type "$remark"
wait_line "Remarks" "$remark"
step "small window"
tui_resize 80 24
sleep 0.5
wait_line "Remarks" "$remark"
wait_line "To (account/COR)" "654321"
step "smaller still, then back"
tui_resize 50 12
sleep 0.5
tui_resize 120 40
sleep 0.5
wait_line "Remarks" "$remark"
step "UTF-8 editing: erase the wide character and type it again"
tui_keys BSpace BSpace BSpace BSpace   # " ok" and the wide 庫
wait_line "Remarks" "caché «sûr» 金"
assert_not_screen "$remark"
tui_type "庫 ok"
wait_line "Remarks" "$remark"
step "resize on the confirmation"
tui_keys F2
wait_for "This exact entry will be signed"
tui_resize 100 30
sleep 0.5
wait_for "text $remark"
tui_resize 120 40
step "back to the form, then cancel"
tui_keys Escape
sleep 0.3
wait_line "Remarks" "$remark"
tui_keys Escape
wait_for "Transfer: cancelled, nothing signed"
[ "$(q "SELECT count(*) FROM custos.log_entry WHERE action = 'transfer'")" = 0 ] ||
	{ echo "FAIL: a cancelled form signed"; fails=$((fails + 1)); }
step "sign it after all, and see the text as typed in the log"
tui_keys t
wait_for "Transfer, account 123456"
tui_type 654321
tui_keys Tab
tui_type "$remark"
tui_resize 90 30
sleep 0.3
tui_keys F2
wait_for "This exact entry will be signed"
tui_keys y
wait_for "Transfer signed: entry"
tui_quit
q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE action = 'transfer'" |
	grep -qxF "text $remark" || { echo "FAIL: the remark was not signed as typed"; fails=$((fails + 1)); }
finish
