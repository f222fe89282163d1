#!/usr/bin/env bash
# t_cli_help.sh: the command line's usage agrees with its parsers.  The
# verbs come from `custos help`, so a new verb is checked without editing
# this script: each answers --help and -h with its own usage line on
# stdout (exit 0), each option its help names is one the parser takes, an
# unknown option or word is a usage error (exit 2) that names it, and a verb
# group (custos log --help) lists its verbs.  Nothing here reaches a
# database: the help stops the parse first, and PGHOST points nowhere.
set -euo pipefail

BUILD=${BUILD:-build}
C=$(cd "$BUILD" && pwd)/custos
T=$(mktemp -d /tmp/t_cli_help.XXXXXX)
trap 'rm -rf "$T"' EXIT
export PGHOST=/nonexistent PGPORT=1
unset CUSTOS_KEY CUSTOS_LOG_KEY

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run CMD...: run CMD; $rc, and its output in $T/out and $T/err.
run() { rc=0; "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?; }

run "$C" help
[ "$rc" -eq 0 ] || fail "custos help: exit $rc"
cp "$T/out" "$T/help"
# A verb's words: the lower-case words after "custos" on a usage line
# (a word may hold a hyphen: report hand-receipts; an option starts "--").
mapfile -t verbs < <(sed -nE 's/^  custos (([a-z][a-z-]* ?)+).*/\1/p' "$T/help" | sed 's/ $//')
[ "${#verbs[@]}" -ge 30 ] || fail "custos help lists ${#verbs[@]} verbs: $(cat "$T/help")"
for must in "incident report" "log checkpoint" "txn list" "key new" "person add" holdings \
	"report hand-receipts" "report destruction" "report incident"; do
	printf '%s\n' "${verbs[@]}" | grep -qxF "$must" || fail "custos help does not list '$must'"
done

for verb in "${verbs[@]}"; do
	read -ra w <<<"$verb"
	for h in --help -h; do
		run "$C" "${w[@]}" "$h"
		[ "$rc" -eq 0 ] || fail "custos $verb $h: exit $rc: $(cat "$T/err")"
		grep -qE "^usage: custos $verb( |\$)" "$T/out" ||
			fail "custos $verb $h does not print 'usage: custos $verb': $(head -3 "$T/out")"
	done
	run "$C" "${w[@]}" --help
	cp "$T/out" "$T/vhelp"
	# Every option named anywhere in the help is listed under "options:",
	# with its value's name if it takes one, and the parser takes it.
	for opt in $(grep -oE -- '--[a-z][a-z-]*' "$T/vhelp" | sort -u); do
		line=$(grep -E -- "^  $opt( |\$)" "$T/vhelp" || true)
		if [ -z "$line" ]; then
			fail "custos $verb --help names $opt but does not list it"
			continue
		fi
		if ! [[ $line =~ ^\ \ $opt(\ [^\ ]+)?\ \ +[^\ ] ]]; then
			fail "custos $verb --help lists $opt without saying what it does: '$line'"
			continue
		fi
		if [[ $line =~ ^\ \ $opt\ [^\ ] ]]; then args=("$opt" 1); else args=("$opt"); fi
		# The option (value 1: a number, an open fd, a string), then --help:
		# a parser that takes the option goes on to the help.
		run "$C" "${w[@]}" "${args[@]}" --help
		if grep -q 'unknown option' "$T/err"; then
			fail "custos $verb: its help names $opt, its parser does not take it: $(cat "$T/err")"
		elif [ "$rc" -ne 0 ] || ! grep -qE "^usage: custos $verb( |\$)" "$T/out"; then
			fail "custos $verb ${args[*]} --help: exit $rc: $(cat "$T/err")"
		fi
	done
	run "$C" "${w[@]}" --no-such-option
	[ "$rc" -eq 2 ] || fail "custos $verb --no-such-option: exit $rc, not 2"
	grep -qF -- "unknown option '--no-such-option'" "$T/err" ||
		fail "custos $verb --no-such-option: $(cat "$T/err")"
done

# A group of verbs: its --help lists them; alone, or with a wrong word, usage.
for group in incident log "log key" key db person account txn; do
	read -ra w <<<"$group"
	run "$C" "${w[@]}" --help
	[ "$rc" -eq 0 ] || fail "custos $group --help: exit $rc: $(cat "$T/err")"
	grep -qE "^usage: custos $group " "$T/out" || fail "custos $group --help: $(cat "$T/out")"
	run "$C" "${w[@]}"
	[ "$rc" -eq 2 ] || fail "custos $group: exit $rc, not 2"
	grep -qF "incomplete command '$group'" "$T/err" || fail "custos $group: $(cat "$T/err")"
	run "$C" "${w[@]}" frobnicate
	[ "$rc" -eq 2 ] || fail "custos $group frobnicate: exit $rc, not 2"
	grep -qF "unknown command '$group frobnicate'" "$T/err" ||
		fail "custos $group frobnicate: $(cat "$T/err")"
done
run "$C" frobnicate --help
[ "$rc" -eq 2 ] || fail "custos frobnicate: exit $rc, not 2"
grep -qF "unknown command 'frobnicate'" "$T/err" || fail "custos frobnicate: $(cat "$T/err")"
run "$C" --frobnicate
[ "$rc" -eq 2 ] || fail "custos --frobnicate: exit $rc, not 2"
grep -qF "unknown command '--frobnicate'" "$T/err" || fail "custos --frobnicate: $(cat "$T/err")"
for h in --help -h; do
	run "$C" "$h"
	[ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/help" || fail "custos $h is not custos help"
done
run "$C" help log checkpoint
[ "$rc" -eq 0 ] && grep -q '^usage: custos log checkpoint' "$T/out" ||
	fail "custos help log checkpoint: $(cat "$T/out" "$T/err")"

[ "$fails" -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "t_cli_help: ${#verbs[@]} verbs"
