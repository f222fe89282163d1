#!/usr/bin/env bash
# The access log (sql/020_access_events.sql, src/access.h): custos records
# each session's login, each refused action with its refusal code and
# words, and each export, stamped by the server with the login and its
# person; auditors read it with `custos access`, filtered by person,
# account, kind and time.  As an insider with psql: nobody writes the
# table but through custos.access_record, which names nobody but the
# session's own login and refuses hostile input; nobody but an auditor
# reads it; nobody, the owner included, changes or removes an event.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
nev() { q "SELECT count(*) FROM custos.access_event WHERE $1"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- what custos records ----
l0=$(nev "login = 'alice' AND kind = 'login'")
ok as alice receive --from COR --item 'kind=publication alc=4 class=U qty=40 serial=LOT7 title=KAM-9' \
	--item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D'
[ "$(nev "login = 'alice' AND kind = 'login'")" = $((l0 + 1)) ] || fail "a command's login was not recorded once"
[ "$(nev "login = 'alice' AND kind = 'login' AND person = 'alice' AND detail = 'custos receive'")" -ge 1 ] ||
	fail "the login event lacks its person or what it came through"
[ "$(nev "kind = 'refusal'")" = 0 ] || fail "an action that succeeded was recorded as refused"

# a refusal by a rule: its code, action, account and words
refused as alice transfer --to COR --item 'serial=LOT7 qty=50 title=KAM-9'
[ "$(nev "kind = 'refusal' AND login = 'alice' AND person = 'alice' AND action = 'transfer' AND account = '123456' AND code = 'split_qty'")" = 1 ] ||
	fail "the split_qty refusal was not recorded with its code, action and account"
# a refusal whose words quote what was typed (a quote, UTF-8): kept as it was
refused asw alice wendy destroy --item "serial=ZZ9 title=O'Brien-Ü" --method burn
row=$(q "SELECT coalesce(code, '-') || '|' || action || '|' || detail FROM custos.access_event WHERE kind = 'refusal' ORDER BY id DESC LIMIT 1")
case "$row" in
"item_state|destroy|"*"O'Brien-Ü serial ZZ9 "*) ;;
*) fail "the refusal's words were not kept: $row" ;;
esac
# a refusal at the preview (policy-set is judged before it is signed)
refused asw adm erin policy set transit_alarm_days=100000
[ "$(nev "kind = 'refusal' AND login = 'adm' AND action = 'policy-set' AND code = 'policy_value'")" = 1 ] ||
	fail "the refused policy-set (at its preview) was not recorded"
# denied: a holder may not transfer
refused as carol transfer --to COR --serial KG1 --account 123456
[ "$(nev "kind = 'refusal' AND login = 'carol' AND action = 'transfer'")" = 1 ] ||
	fail "carol's denied transfer was not recorded"
# a usage error is no access event (nothing reached the ledger)
r0=$(nev "kind = 'refusal'")
usage as alice transfer --to COR
[ "$(nev "kind = 'refusal'")" = "$r0" ] || fail "a usage error was recorded as a refusal"

# exports: the log and a report
ok asq dave log export "$W/log"
[ "$(nev "kind = 'export' AND login = 'dave' AND detail = 'log export $W/log'")" = 1 ] ||
	fail "the log export was not recorded"
txn=$(q "SELECT number FROM custos.txn WHERE action = 'receipt' LIMIT 1")
ok asq alice report material "$txn" --format json --out "$W/r.json"
[ "$(nev "kind = 'export' AND login = 'alice' AND detail LIKE 'report material $txn --out %'")" = 1 ] ||
	fail "the report was not recorded as an export"

# ---- custos access, the auditor's report ----
expect_err 1 'only an auditor reads the access log' asq alice access
expect_out "alice +refusal +123456 +transfer +split_qty +" asq dave access --person alice --kind refusal
printf '%s\n' "$LAST_OUT" | grep -q ' login ' && fail "--kind refusal listed a login"
ok asq dave access --json --account 123456
printf '%s\n' "$LAST_OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ev = d["events"]
assert ev and all(e["account"] == "123456" for e in ev), ev
assert any(e["code"] == "split_qty" and e["person"] == "alice" for e in ev), ev
assert [e["id"] for e in ev] == sorted(e["id"] for e in ev)
assert d["next"] is None
' || fail "custos access --json is not the account's events, oldest first"
# time filters: the server's times; a future window is empty, a bad time a usage error
expect_out '^no events$' asq dave access --since 2999-01-01T00:00Z
n_all=$(nev "true")
ok asq dave access --json --until 2999-01-01T00:00Z
[ "$(printf '%s\n' "$LAST_OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')" -ge "$n_all" ] ||
	fail "--until in the future did not list every event"
# a time without a zone is UTC, whatever the login's TimeZone (+14 here)
q "ALTER ROLE dave SET TimeZone = 'Pacific/Kiritimati'"
after_last=$(q "SELECT to_char((max(at) + interval '1 s') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM custos.access_event")
expect_out '^no events$' asq dave access --since "$after_last" --kind refusal
q "ALTER ROLE dave RESET TimeZone"
expect_err 2 'since and until are times' asq dave access --since 'yesterday-ish'
expect_err 2 'kind must be login, refusal or export' asq dave access --kind bogus
expect_err 2 'account must be six digits' asq dave access --account "12'; DROP TABLE x; --"
# paging: --limit gives one page and the cursor to the next
expect_out '^next page: --after A[0-9]+$' asq dave access --limit 1
cur=$(printf '%s\n' "$LAST_OUT" | sed -n 's/^next page: --after //p')
ok asq dave access --limit 1 --after "$cur" --json
printf '%s\n' "$LAST_OUT" | python3 -c "
import json, sys
ev = json.load(sys.stdin)['events']
assert len(ev) == 1 and ev[0]['id'] > int('$cur'[1:]), ev" || fail "--after did not start after the cursor"
expect_err 2 'cursor' asq dave access --after 'A1; x'

# ---- the insider, with psql ----
# nobody writes the table directly, not even its reader
for who in alice carol dave adm; do
	expect_err 1 'permission denied' env PGUSER=$who psql -qAtX -v ON_ERROR_STOP=1 \
		-c "INSERT INTO custos.access_event (login, kind) VALUES ('bob', 'login')"
done
refused_sql alice 'permission denied' "SELECT count(*) FROM custos.access_event"
refused_sql adm 'permission denied' "SELECT count(*) FROM custos.access_event"
refused_sql dave 'permission denied' "DELETE FROM custos.access_event"
refused_sql dave 'permission denied' "UPDATE custos.access_event SET login = 'bob'"
# the owner's (a superuser's) change or removal of an event is refused too
n=$(nev true)
expect_err 1 'append-only|immutable|refused' psql -qAtX -v ON_ERROR_STOP=1 -c "DELETE FROM custos.access_event WHERE kind = 'refusal'"
expect_err 1 'append-only|immutable|refused' psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.access_event SET login = 'nobody'"
expect_err 1 'append-only|immutable|refused' psql -qAtX -v ON_ERROR_STOP=1 -c "TRUNCATE custos.access_event"
[ "$(nev true)" = "$n" ] || fail "an event was removed"
# access_record names the session's own login, whatever is asked
ok env PGUSER=carol psql -qAtX -v ON_ERROR_STOP=1 -c "SELECT custos.access_record('login', NULL, NULL, NULL, 'by hand')"
[ "$(q "SELECT login || '|' || person FROM custos.access_event WHERE detail = 'by hand'")" = "carol|carol" ] ||
	fail "a hand-recorded event is not stamped with its own login"
# hostile input is refused and stores nothing
n=$(nev true)
for args in "'audit', NULL, NULL, NULL, NULL" "'login', '12345x', NULL, NULL, NULL" \
	"'refusal', NULL, 'exfiltrate', NULL, NULL" "'refusal', NULL, NULL, 'no_such_code', NULL" \
	"'login', NULL, NULL, 'split_qty', NULL" "'login', NULL, NULL, NULL, repeat('x', 201)" \
	"'login', NULL, NULL, NULL, E'two\\nlines'" "'login', NULL, NULL, NULL, E'a\\u202Eb'" \
	"'login', NULL, NULL, NULL, E'a\\u2066b'"; do
	expect_err 1 'custos: an access event' env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 \
		-c "SELECT custos.access_record($args)"
done
[ "$(nev true)" = "$n" ] || fail "a refused access_record stored an event"
# the definer function's search path is pinned: a table of the caller's does not divert it
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c \
	"CREATE TEMP TABLE access_event (x int); SET search_path = pg_temp, custos; SELECT custos.access_record('login', NULL, NULL, NULL, 'pinned')"
[ "$(nev "detail = 'pinned' AND login = 'alice'")" = 1 ] || fail "access_record wrote elsewhere than custos.access_event"

# ---- a database without the access log yet: custos goes on, says so once ----
q "ALTER FUNCTION custos.access_record(text, text, text, text, text) RENAME TO access_record_gone"
expect_out 'KG1' asq alice holdings
printf '%s\n' "$LAST_OUT" | grep -c 'access log' | grep -qx 1 || fail "the missing access log was not noticed once"
q "ALTER FUNCTION custos.access_record_gone(text, text, text, text, text) RENAME TO access_record"

ok asq dave log verify
ok asq alice db check
finish
