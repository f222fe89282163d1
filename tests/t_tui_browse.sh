#!/usr/bin/env bash
# TUI scenario: the framework's own behaviour, as a person sees it.
# Holdings: `/` search by serial and by short title prefix, n/N (going
# round), filter by status, sort, marks, Home/End/PgDn; an item's history
# (entry index, action, signers).  Log: `v` verifies, and names the state
# row that a change behind the log's back made differ.  NO_COLOR leaves no
# colour escape and the status words; the terminal is restored after
# Ctrl-C and after a crash signal; UTF-8 names line up.
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
tui_setup
items=$W/items
for i in $(seq 1000 1049); do echo "kind=equipment alc=1 class=C serial=$i title=KG-175D"; done >"$items"
for i in 1 2 3 4 5; do echo "kind=equipment alc=1 class=S serial=R00$i title=KIV-7M"; done >>"$items"
echo "kind=key alc=1 class=S crypto=yes serial=K7 edition=7 title=AKAT 1234" >>"$items"
ok as alice receive --account 123456 --from COR --items "$items" --text "initial holdings"
# Two holders whose names are not ASCII: é and CJK (two columns a character).
for who in zoë 漢字; do
	mkkey "$who" >"$W/$who.vkey" || exit 1
	chmod 600 "$W/$who.key"
done
ok asw adm zoë person add zoë --role holder --account 123456 --login zoe --pubkey "$(cat "$W/zoë.vkey")"
ok asw adm 漢字 person add 漢字 --role holder --account 123456 --login kanji --pubkey "$(cat "$W/漢字.vkey")"
ok asw alice zoë issue --account 123456 --holder zoë --serial R002
ok asw alice 漢字 issue --account 123456 --holder 漢字 --serial R003
receipt=$(q "SELECT idx FROM custos.log_entry WHERE action = 'receipt'")

# The data row under the cursor: open it and read the item's heading.
opens() {
	tui_keys Enter
	wait_line "$1" "$2" || return 1
	tui_keys q
	wait_for "Holdings of 123456"
}

tui_login alice
step "search by serial, n and N"
tui_keys 2
wait_for "Holdings of 123456: open items by title"
tui_keys /
tui_type R00
tui_keys Enter
wait_for 'search "R00" (n/N)'
opens "KIV-7M" "R001"
tui_keys n
opens "KIV-7M" "R002"
tui_keys N
opens "KIV-7M" "R001"
tui_keys N
wait_for "search went round the list"
opens "KIV-7M" "R005"
tui_keys /
tui_type nothing-like-this
tui_keys Enter
wait_for 'short title or serial starts with "nothing-like-this"'

step "search by short title prefix; the item's history"
tui_keys /
tui_type "AKAT"
tui_keys Enter
wait_for 'search "AKAT"'
tui_keys Enter
wait_line "AKAT 1234" "7" "K7"
wait_for "History: 1 entry"
wait_line "$receipt" "receipt" "123456-" "alice"
tui_keys q
wait_for "Holdings of 123456"

step "filter by status: issued"
tui_keys f
wait_for " Filter "
wait_line "Status" "< open"
tui_keys Right Right Right
wait_line "Status" "< issued"
tui_keys Enter
wait_for "Holdings of 123456: issued items by title"
wait_line "> issued" "R002" "zoë"
wait_line "> issued" "R003" "漢字"
assert_not_screen "+ on hand"
step "UTF-8 holder names line up (the column after them starts in one place)"
a=$(col_of "KIV-7M" "R002") b=$(col_of "KIV-7M" "R003")
[ -n "$a" ] && [ "$a" = "$b" ] || tui_fail "title columns: $a / $b"
tui_keys f
wait_for " Filter "
tui_keys Left Left Left
wait_line "Status" "< open"
tui_keys Enter
wait_for "Holdings of 123456: open items by title"

step "sort by serial; marks; Home, End, PgDn"
tui_keys s
wait_for "Holdings of 123456: open items by serial"
tui_keys Home
sleep 0.3
first=$(tui_screen | sed -n 4p)
[[ $first == *" 1000 "* ]] || tui_fail "first row by serial is not 1000: $first"
# Space marks and moves down, so that several marks go quickly.
tui_keys Space
wait_for "1 marked"
wait_line "* + on hand" "1000"
tui_keys Space
wait_for "2 marked"
wait_line "* + on hand" "1001"
tui_keys Up Space
wait_for "1 marked"
wait_line "  + on hand" "1001"
tui_keys End
wait_line "R005"
assert_not_screen " 1000 "
tui_keys Home
wait_line "1000"
assert_not_screen "R005"
# the first PgDn goes to the last line shown, the next one scrolls a page
tui_keys NPage
sleep 0.3
tui_keys NPage
wait_gone " 1000 "
wait_for "1 marked"
tui_keys PPage PPage
wait_line "* + on hand" "1000"
tui_quit

step "the auditor verifies the log"
tui_login dave
tui_keys 5
wait_for "Log custos.test/ledger"
wait_line "receipt" "alice"
tui_keys v
wait_for "VALID:" 30
wait_for "the state tables match the replay"
step "a state row changed behind the log's back is named"
tamper() { q "SET session_replication_role = replica; UPDATE custos.item SET status = '$1' WHERE serial = '1001'" >/dev/null; }
tamper destroyed
tui_keys v
wait_for "FAILED: the log's" 30
wait_for "1 state row differs"
wait_line "differs:" "1001"
tui_quit
tamper on_hand

step "UTF-8 names line up on the People screen"
tui_login dave
tui_keys 6
wait_line "zoë" "zoe"
wait_line "漢字" "kanji"
a=$(col_of "valid" "zoë") b=$(col_of "valid" "漢字") c=$(col_of "valid" "alice")
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] || tui_fail "login columns: $a / $b / $c"
step "with colour, colour escapes are on the screen (so the next check can fail)"
tx capture-pane -e -p -t "$TUI_S" | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;|48;)' ||
	tui_fail "no colour escape with colour on"
tui_quit

step "NO_COLOR: no colour escape, the status words remain"
TUI_ENV=(NO_COLOR=1)
tui_login alice
tui_keys 2
wait_line "+ on hand" "1000"
tui_keys End
wait_line "> issued" "R002"
if tx capture-pane -e -p -t "$TUI_S" | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;|48;)'; then
	tui_fail "a colour escape with NO_COLOR=1"
fi
tui_quit
TUI_ENV=()

# custos run from a shell in the pane, so that the shell's stty shows the
# terminal custos left behind.
shell_start() {
	TUI_N=$((TUI_N + 1))
	local old=$TUI_S
	TUI_S=custos$TUI_N
	tx new-session -d -s "$TUI_S" -x 120 -y 40 "env PS1='sh\$ ' bash --norc --noprofile" ||
		{ tui_fail "tmux new-session"; return 1; }
	tx set-option -t "$TUI_S" status off >/dev/null
	tx kill-session -t "$old" >/dev/null 2>&1
	wait_for 'sh$'
	tui_type "$(printf '%q ' env PGHOST="$PGHOST" PGPORT="$PGPORT" PGDATABASE="$PGDATABASE" \
		PGUSER=alice LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME="$W" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		"$C" --key "$W/alice.key")"
	tui_keys Enter
	wait_for "Passphrase of your key" 30 || return 1
	tui_pass
	wait_for "welcome, alice" 30
}
# stty -a in the pane shows echo and icanon on (no "-echo", no "-icanon").
tty_sane() {
	tui_keys C-l
	tui_type "clear; stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(echo|icanon)' | sort | tr '\n' ' '; echo END"
	tui_keys Enter
	# the command line itself ends in "echo END": wait for stty's answer,
	# which ends in "icanon END" whether the modes are on or off
	wait_for "icanon END" || return 1
	local got
	got=$(tui_screen | grep -E 'END$' | grep -vF 'echo END' | tail -1)
	[ "$got" = "echo icanon END" ] || tui_fail "after $1: stty shows '$got'"
}
step "Ctrl-C: the terminal is restored"
shell_start
tui_keys C-c
wait_for 'sh$'
tty_sane Ctrl-C
step "a crash signal: the terminal is restored"
shell_start
bash_pid=$(tx display -p -t "$TUI_S" '#{pane_pid}')
cpid=$(ps -o pid= --ppid "$bash_pid" | tr -d ' ' | head -1)
[ -n "$cpid" ] && kill -SEGV "$cpid"
wait_for 'sh$'
tty_sane SIGSEGV
finish
