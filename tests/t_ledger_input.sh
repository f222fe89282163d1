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

# --- a reused idempotency key ---------------------------------------------------------
ok as alice transfer --to COR --serial F1 --idempotency-key reuse-1
E=$(q "SELECT idx FROM custos.log_entry WHERE idem = 'reuse-1'")
T=$(q "SELECT txn FROM custos.log_entry WHERE idem = 'reuse-1'")
# The same request again is a retry (a lost connection): applied once.
expect_out "^already recorded: transfer: log entry $E, transaction $T" \
	as alice transfer --to COR --serial F1 --idempotency-key reuse-1
expect_out '"already_applied":true' as alice transfer --to COR --serial F1 --idempotency-key reuse-1 --json
# The key with another action or content is refused, naming the entry.
s=$(size) n=$(items)
used="idempotency key reuse-1 was used for entry $E \\(transfer $T\\)"
expect_err 1 "$used, a different action; use a new key" \
	as alice possession --item 'kind=equipment alc=1 class=C serial=X1 title=KG-175D' --idempotency-key reuse-1
expect_err 1 "$used, with other items; use a new key" as alice transfer --to COR --serial F2 --idempotency-key reuse-1
expect_err 1 "$used, with other items; use a new key" as alice transfer --to COR --serial F1 --serial F2 --idempotency-key reuse-1
expect_err 1 "$used, with another peer" as alice transfer --to 654321 --serial F1 --idempotency-key reuse-1
expect_err 1 "$used, with another text; use a new key" as alice transfer --to COR --serial F1 --text 'sent back' --idempotency-key reuse-1
expect_err 1 "$used, by another person; use a new key" as adm transfer --account 123456 --to COR --serial F1 --idempotency-key reuse-1
unchanged "a reused idempotency key" "$s" "$n"
[ "$(q "SELECT status FROM custos.item WHERE serial = 'F2'")" = on_hand ] ||
	{ echo "FAIL: F2 moved under a reused key"; fails=$((fails+1)); }

expect_out '^valid: [0-9]+ entries' asq dave log verify
finish
