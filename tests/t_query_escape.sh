#!/usr/bin/env bash
# Names holding line and paragraph separators, zero-width characters and
# bidirectional controls, through the real custos binary on a real
# PostgreSQL server: every query's output (account list, person list,
# holdings, txn list, history; text and --json) shows them escaped as
# \uXXXX, never as themselves.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger

# Each character as UTF-8 bytes (not $'\u...', which depends on the locale)
# and as the escape custos writes in its place.
raw=($'\xe2\x80\xa8' $'\xe2\x80\xa9' $'\xe2\x80\x8b' $'\xe2\x80\x8c' $'\xe2\x80\x8d'
	$'\xe2\x81\xa0' $'\xef\xbb\xbf' $'\xd8\x9c' $'\xe2\x80\x8e' $'\xe2\x80\x8f'
	$'\xe2\x80\xaa' $'\xe2\x80\xab' $'\xe2\x80\xac' $'\xe2\x80\xad' $'\xe2\x80\xae'
	$'\xe2\x81\xa6' $'\xe2\x81\xa7' $'\xe2\x81\xa8' $'\xe2\x81\xa9')
esc=(2028 2029 200b 200c 200d 2060 feff 061c 200e 200f 202a 202b 202c 202d 202e 2066 2067 2068 2069)

# "n" then each character followed by a letter, and how custos must show it.
name=n shown=n letters=abcdefghijklmnopqrstuvwxyz
for i in "${!raw[@]}"; do
	name+="${raw[$i]}${letters:$i:1}"
	shown+="\\u${esc[$i]}${letters:$i:1}"
done

# no_raw WHAT: $LAST_OUT holds none of the characters as themselves.
no_raw() {
	local i
	for i in "${!raw[@]}"; do
		case $LAST_OUT in
		*"${raw[$i]}"*) echo "FAIL: $1 prints U+${esc[$i]} raw"; fails=$((fails+1));;
		esac
	done
}
# shows WHAT STRING: $LAST_OUT holds STRING, byte for byte.
shows() {
	case $LAST_OUT in
	*"$2"*) ;;
	*) echo "FAIL: $1 lacks '$2'"; printf '%s\n' "$LAST_OUT" | tail -3 | sed 's/^/    /'
	   fails=$((fails+1));;
	esac
}

# --- an account's name ------------------------------------------------------------
ok as adm account add 777777 --name "$name"
ok asq dave account list
shows "account list" "777777 "
shows "account list" "$shown"
no_raw "account list"
ok asq dave account list --json
shows "account list --json" "\"name\":\"$shown\""
no_raw "account list --json"

# --- a person's name (key names may hold the zero-width characters) -------------------
# The name: "zo" and the five zero-width characters, each before a letter.
pname=zo pshown=zo
for i in 2 3 4 5 6; do
	pname+="${raw[$i]}${letters:$i:1}"
	pshown+="\\u${esc[$i]}${letters:$i:1}"
done
mkkey "$pname" >"$W/p.vkey" || exit 1
ok asw adm "$pname" person add "$pname" --role holder --account 123456 --pubkey "$(cat "$W/p.vkey")"
ok asq dave person list
shows "person list" "$pshown"
no_raw "person list"
ok asq dave person list --json
shows "person list --json" "\"name\":\"$pshown\""
no_raw "person list --json"

# as the holder of a hand receipt: holdings, txn list, history
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=Z1 title=KG-175D'
ok asw alice "$pname" issue --holder "$pname" --serial Z1
for args in "holdings --serial Z1" "txn list --account 123456" "history Z1"; do
	# shellcheck disable=SC2086 # the words are the command's arguments
	ok asq alice $args
	shows "$args" "$pshown"
	no_raw "$args"
	# shellcheck disable=SC2086
	ok asq alice $args --json
	shows "$args --json" "\"$pshown\""
	no_raw "$args --json"
done

expect_out '^valid: [0-9]+ entries' asq dave log verify
finish
