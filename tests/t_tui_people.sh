#!/usr/bin/env bash
# TUI scenario: the People screen keeps its columns (login, key, enrolled,
# roles) lined up on every row: names that are long, names of wide
# (two-column) characters, and revoked keys, whose "x revoked@N" is wider
# than "valid".  A name cut to its column ends with "…".
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
long=bartholomew.fitzgerald.montgomery.the.third
wide=漢字漢字漢字漢字漢字漢字漢字漢字
add() { # NAME LOGIN ROLE
	mkkey "$1" >"$W/$1.vkey" || exit 1
	ok asw adm "$1" person add "$1" --role "$3" --account 123456 --login "$2" \
		--pubkey "$(cat "$W/$1.vkey")" || exit 1
}
add zoë zoe holder
add 漢字 kanji holder
add "$wide" widekanji witness
add "$long" bart witness
ok asw adm alice key revoke wendy --role witness --account 123456
ok asw adm alice key revoke "$wide" --role witness --account 123456
ok asw adm alice key revoke "$long" --role witness --account 123456

tui_login dave
tui_keys 6
wait_for "People: 11"
wait_line "zoë" "zoe"
wait_line "漢字" "kanji"
wait_line "widekanji" "revoked"
wait_line "bart" "revoked"
wait_line "wendy" "revoked"
# Each column starts where its heading does, on every row.
check_cols() { # ROW-TEXT KEY-TEXT LOGIN " ENROLLED " ROLES
	local row=$1 key=$2 h c
	for col in login key enrolled roles; do
		case $col in
		login) [ "$3" = - ] && continue  # the same as the name: not to be told apart
		       h=$(col_of "login" "name (key)"); c=$(col_of "$3" "$row") ;;
		key) h=$(col_of " key " "name (key)"); h=$((h + 1)); c=$(col_of "$key" "$row") ;;
		enrolled) h=$(col_of "enrolled" "name (key)"); c=$(col_of "$4" "$row"); c=$((c + 1)) ;;
		roles) h=$(col_of "roles" "name (key)"); c=$(col_of "$5" "$row") ;;
		esac
		[ -n "$h" ] && [ "$h" = "$c" ] || tui_fail "row $row: $col at column $c, its heading at $h"
	done
}
enrolled() { q "SELECT enrolled_idx FROM custos.person WHERE name = '$1'"; }
# ROW-TEXT KEY-TEXT LOGIN " ENROLLED " ROLES (each a text unique on its row)
check_cols "zoe " "valid" "zoe " " $(enrolled zoë) " "holder:123456"
check_cols "kanji" "valid" "kanji" " $(enrolled 漢字) " "holder:123456"
check_cols "widekanji" "x revoked@" "widekanji" " $(enrolled "$wide") " "(no role)"
check_cols "bart " "x revoked@" "bart " " $(enrolled "$long") " "(no role)"
check_cols "wendy" "x revoked@" - " $(enrolled wendy) " "(no role)"
check_cols "alice" "valid" - " $(enrolled alice) " "custodian:123456"
step "a name too long for its column is cut, and says so"
wait_line "bartholomew" "…" "bart "
wait_line "漢字漢字" "…" "widekanji"
tui_quit
finish
