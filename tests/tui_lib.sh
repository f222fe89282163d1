# tests/tui_lib.sh: drive the real custos terminal UI in tmux.
#
#   . tests/tui_lib.sh            needs BUILD; includes tests/ledger_lib.sh
#   tui_setup                     a small ledger (setup_ledger: alice custodian
#                                 of 123456, bob of 654321, carol holder, wendy
#                                 witness, dave auditor, erin authority)
#   tui_start WHO [ARGS...]       start custos as login WHO in a 120x40 tmux
#                                 window (WHO's key file given with --key;
#                                 the array TUI_ENV adds VAR=VALUE words to
#                                 its environment, e.g. TUI_ENV=(NO_COLOR=1))
#   tui_keys KEY...               tmux send-keys (names: Enter Escape Tab BTab
#                                 F2 F10 Up Down Space C-s ...)
#   tui_type TEXT                 type TEXT literally (UTF-8)
#   tui_pass                      type the test passphrase and Enter
#   wait_for TEXT [SECONDS]       wait until TEXT is on the screen (default 10 s)
#   wait_gone TEXT [SECONDS]      wait until TEXT is no longer on the screen
#   assert_screen TEXT            TEXT is on the screen now (or within 3 s)
#   assert_not_screen TEXT        TEXT is not on the screen
#   wait_line TEXT... [-- SECS]   wait for one screen line holding every TEXT
#   tui_screen                    print the screen (capture-pane -p)
#   col_of NEEDLE TEXT...         the display column where NEEDLE starts on
#                                 the first screen line holding every TEXT
#   tui_resize COLS ROWS          resize the window (the terminal gets SIGWINCH)
#   tui_quit                      F10, and wait for custos to exit with status 0
#   pg_down / pg_up               stop / start the test server (a lost connection)
#
# A failed wait or assertion counts a failure (finish reports them) and
# prints the screen.  The tmux server is private to the test: its socket is
# in a folder of our own (TMUX_TMPDIR) and only that server is killed.

. "$(dirname "${BASH_SOURCE[0]}")/ledger_lib.sh"

if ! command -v tmux >/dev/null; then
	echo "tui_lib: tmux is not installed (make deps installs it)"
	exit 77
fi
TUI_TMPDIR=$(mktemp -d /tmp/custos-tmux.XXXXXX)
export TMUX_TMPDIR=$TUI_TMPDIR
unset TMUX
TUI_S=custos0
TUI_N=0
TUI_STEP=""
TUI_ENV=()
tx() { tmux -L custos-test "$@"; }
tui_cleanup() {
	tx kill-server >/dev/null 2>&1
	rm -rf "$TUI_TMPDIR"
	cleanup
}
trap tui_cleanup EXIT

tui_setup() {
	setup_ledger
	# the witness's key where a person would keep it
	chmod 600 "$W"/*.key
}

# step NAME: label what follows, for failure messages.
step() { TUI_STEP=$*; }

tui_start() {
	local who=$1; shift
	local cmd old=$TUI_S
	# a new session each time; the old one goes after (killing the last
	# session first would stop the server under our feet)
	TUI_N=$((TUI_N + 1))
	TUI_S=custos$TUI_N
	cmd=$(printf '%q ' env PGHOST="$PGHOST" PGPORT="$PGPORT" PGDATABASE="$PGDATABASE" \
		PGUSER="$who" LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME="$W" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" ${TUI_ENV[@]+"${TUI_ENV[@]}"} "$C" --key "$W/$who.key" "$@")
	tx new-session -d -s "$TUI_S" -x 120 -y 40 \
		"$cmd; echo \"[custos exited with status \$?]\"; sleep 3600" || {
		echo "FAIL: tmux new-session"; fails=$((fails + 1)); return 1; }
	tx set-option -t "$TUI_S" status off >/dev/null
	[ "$old" != "$TUI_S" ] && tx kill-session -t "$old" >/dev/null 2>&1
	return 0
}

tui_keys() { tx send-keys -t "$TUI_S" "$@"; }
tui_type() { tx send-keys -t "$TUI_S" -l -- "$1"; }
tui_pass() { tui_type "$PASS"; tui_keys Enter; }
tui_screen() { tx capture-pane -p -t "$TUI_S"; }
tui_resize() { tx resize-window -t "$TUI_S" -x "$1" -y "$2"; }

tui_fail() {
	echo "FAIL${TUI_STEP:+ [$TUI_STEP]}: $*"
	echo "---- screen ----"
	tui_screen | sed 's/^/    |/'
	echo "----------------"
	fails=$((fails + 1))
	return 1
}

wait_for() {
	local text=$1 secs=${2:-10} end
	end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while (( $(date +%s%N) / 1000000 < end )); do
		tui_screen | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	tui_fail "waited ${secs}s for: $text"
}

wait_gone() {
	local text=$1 secs=${2:-10} end
	end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while (( $(date +%s%N) / 1000000 < end )); do
		tui_screen | grep -qF -- "$text" || return 0
		sleep 0.1
	done
	tui_fail "waited ${secs}s for this to go: $text"
}

assert_screen() { wait_for "$1" 3; }
assert_not_screen() {
	tui_screen | grep -qF -- "$1" && { tui_fail "on the screen but should not be: $1"; return 1; }
	return 0
}

tui_quit() {
	tui_keys F10
	wait_for "[custos exited with status 0]" 10
}

wait_line() {
	local secs=10 end pats=() line hit
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then secs=$2; break; fi
		pats+=("$1"); shift
	done
	end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while (( $(date +%s%N) / 1000000 < end )); do
		while IFS= read -r line; do
			hit=1
			for p in "${pats[@]}"; do [[ $line == *"$p"* ]] || { hit=0; break; }; done
			[ $hit = 1 ] && return 0
		done < <(tui_screen)
		sleep 0.1
	done
	tui_fail "waited ${secs}s for a line with: ${pats[*]}"
}

# The test server goes away and comes back (same data, same port).
pg_down() { pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1; }
pg_up() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -c port=$PGPORT -c fsync=off -c max_connections=200" \
		start >/dev/null
}

# col_of NEEDLE TEXT...: the display column (terminal cells) where NEEDLE
# starts on the first screen line holding every TEXT: wide characters
# count two.
col_of() {
	local needle=$1; shift
	tui_screen | python3 -c '
import sys, unicodedata
needle, pats = sys.argv[1], sys.argv[2:]
for line in sys.stdin:
    if all(p in line for p in pats) and needle in line:
        pre = line[:line.index(needle)]
        print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in pre))
        break
' "$needle" "$@"
}

# tui_login WHO [ARGS...]: start custos as WHO, type the passphrase, and
# wait for the first screen.
tui_login() {
	local who=$1
	tui_start "$@" || return 1
	wait_for "Passphrase of your key" 30 || return 1
	tui_pass
	wait_for "welcome, $who" 30
}

# tui_find SERIAL: Holdings, search by serial, cursor on it.
tui_find() {
	tui_keys 2
	wait_for "Holdings of" || return 1
	tui_keys /
	tui_type "$1"
	tui_keys Enter
	wait_for "search \"$1\""
}
