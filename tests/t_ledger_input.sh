#!/usr/bin/env bash
# Bad input to the ledger's commands, through the real custos binary on a
# real PostgreSQL server: each is refused with a message naming what is
# wrong, and nothing is written (the log's size and the items stay as they
# were).
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger

size() { q "SELECT size FROM custos.log_head"; }
items() { q "SELECT count(*) FROM custos.item"; }
unchanged() { # WHAT SIZE ITEMS
	[ "$(size)" = "$2" ] && [ "$(items)" = "$3" ] ||
		{ echo "FAIL: $1 wrote something"; fails=$((fails+1)); }
}

# --- an items file (--items FILE) ----------------------------------------------
# A good one: one SPEC a line, blank lines and comments skipped.
printf '%s\n' 'kind=equipment alc=1 class=C serial=F1 title=KG-175D' '' '# a comment' \
	'kind=equipment alc=1 class=C serial=F2 title=KG-175D' >"$W/items"
ok as alice receive --from COR --items "$W/items"
[ "$(q "SELECT string_agg(title || '/' || serial, ' ' ORDER BY serial) FROM custos.item WHERE serial LIKE 'F_'")" = 'KG-175D/F1 KG-175D/F2' ] ||
	{ echo "FAIL: the items file's items"; fails=$((fails+1)); }
# A NUL byte would cut its line short (here the title to "KG-1"): refused,
# naming the file and the line, for receive and possession alike.
s=$(size) n=$(items)
printf 'kind=equipment alc=1 class=C serial=N1 title=KG-175D\n# a comment\nkind=equipment alc=1 class=C serial=N2 title=KG-1\0-75D\n' >"$W/nul-items"
expect_err 2 "nul-items line 3: a NUL byte" as alice receive --from COR --items "$W/nul-items"
expect_err 2 "nul-items line 3: a NUL byte" as alice possession --items "$W/nul-items"
printf 'kind=equipment alc=1 class=C serial=N3 title=KG-175D\0' >"$W/nul-end"
expect_err 2 "nul-end line 1: a NUL byte" as alice receive --from COR --items "$W/nul-end"
unchanged "an items file with a NUL byte" "$s" "$n"

expect_out '^valid: [0-9]+ entries' asq dave log verify
finish
