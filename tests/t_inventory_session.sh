#!/usr/bin/env bash
# Inventory sessions (issue 11; docs/ledger.md "Inventory sessions"): an
# inventory opens on the expected list (every COR-accountable item on hand
# or issued, material out on hand receipt included), takes scans, is
# reconciled (sighted; not sighted, each with a drafted incident report;
# found and not on record, each with a drafted possession report; lots
# counted short), and closes with one certification entry signed by
# custodian and witness that carries the counts and the SHA-256 of the
# sighted list.  Only that certification resets the inventory clock.  The
# session's tables are written only through the server's definer functions,
# by the people of the account: tested as insiders through psql.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
last_inv() { q "SELECT coalesce(last_inventory::text, 'never') FROM custos.account WHERE number = '$1'"; }
sightings() { q "SELECT count(*) FROM custos.inventory_sighting g JOIN custos.inventory_session s ON s.id = g.session WHERE s.account = '${1:-123456}'"; }
founds() { q "SELECT count(*) FROM custos.inventory_found"; }

ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' \
	--item 'kind=publication alc=2 class=U qty=40 serial=L40 edition=7 title=KAO 12' \
	--item 'kind=publication alc=4 class=U serial=LOCAL1 title=KAM 9'
ok asw alice carol issue --holder carol --serial KG3     # out on hand receipt: expected
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B1 title=KG-175D'

# ---- open: the expected list is the COR-accountable material held ----
expect_out '^inventory session [0-9]+ opened on account 123456 \(periodic\): 4 items expected$' \
	asq alice inventory open
expect_err 1 'open inventory session already' asq alice inventory open
expect_err 1 'only the custodian or an alternate' asq bob inventory open --account 123456

# ---- scans from a file, as a scanner writes them (CRLF too) ----
printf 'KG1\r\nKG3\n\nKG1\nB1\nZZZ9\n' >"$W/scans"
ok asq alice inventory scan --file "$W/scans"
want=$(printf '%s\n' 'KG1: sighted, KG-175D serial KG1 (1 of 4 sighted)' \
	'KG3: sighted, KG-175D serial KG3 (2 of 4 sighted)' \
	'KG1: already sighted, KG-175D serial KG1 (2 of 4 sighted)' \
	'B1: not on this account (2 of 4 sighted)' \
	'ZZZ9: unknown (2 of 4 sighted)')
[ "$LAST_OUT" = "$want" ] || { echo "FAIL: the scans' answers"; diff <(echo "$want") <(echo "$LAST_OUT"); fails=$((fails + 1)); }
[ "$(sightings)" = 2 ] && [ "$(founds)" = 2 ] ||
	{ echo "FAIL: 2 sightings and 2 found scans expected, $(sightings) and $(founds) stored"; fails=$((fails + 1)); }
# a file with one bad line records nothing at all
printf 'KG2\nKG 2\n' >"$W/bad"
expect_err 2 'bad line 2 is no serial .*; no scan was recorded' asq alice inventory scan --file "$W/bad"
for hostile in "$(printf 'K\tG')" "$(printf 'KG\033[2J')" "K'G" "$(printf 'K\342\200\256G')" \
	"$(head -c 33 /dev/zero | tr '\0' A)" "$(printf 'K\377G')" ""; do
	usage asq alice inventory scan --serial "$hostile"
done
[ "$(sightings)" = 2 ] && [ "$(founds)" = 2 ] || { echo "FAIL: a refused scan recorded something"; fails=$((fails + 1)); }
# the lot is counted short
expect_out '^KAO 12 edition 7 serial L40.*: counted 38, recorded 40 \(3 of 4 sighted\)$' \
	asq alice inventory count --serial L40 --qty 38
expect_err 1 'no item the session expects' asq alice inventory count --serial LOCAL1 --qty 1

# ---- reconcile ----
ok asq alice inventory reconcile
rec=$LAST_OUT
printf '%s\n' "$rec" | grep -q '^inventory session [0-9]* of account 123456 (periodic): 4 expected, 2 sighted, 1 not sighted, 1 counted at another quantity; 2 found, not on record$' ||
	{ echo "FAIL: reconcile's counts"; printf '%s\n' "$rec"; fails=$((fails + 1)); }
printf '%s\n' "$rec" | grep -q '^not closable yet' || { echo "FAIL: reconcile says closable"; fails=$((fails + 1)); }
ok asq alice inventory reconcile --json
printf '%s' "$LAST_OUT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["account"] == "123456" and r["expected"] == 4 and r["closable"] is False, r
assert [l["serial"] for l in r["sighted"]] == ["KG1", "KG3"], r["sighted"]
assert [l["serial"] for l in r["not_sighted"]] == ["KG2"], r["not_sighted"]
assert [(l["serial"], l["qty"], l["counted"]) for l in r["qty_diff"]] == [("L40", 40, 38)], r["qty_diff"]
assert sorted(l["scan"] for l in r["found"]) == ["B1", "ZZZ9"], r["found"]
' || { echo "FAIL: reconcile --json"; fails=$((fails + 1)); }
# not closable: refused, nothing signed, the clock untouched
before=$(size)
expect_err 1 'cannot close: 1 item\(s\) not sighted and 1 counted at another quantity' \
	asw alice wendy inventory close
[ "$(size)" = "$before" ] && [ "$(last_inv 123456)" = never ] || { echo "FAIL: a refused close changed the log or the clock"; fails=$((fails + 1)); }

# ---- the drafted reports, confirmed by running them ----
draft() { printf '%s\n' "$rec" | grep -A1 "^  $1" | sed -n '2s/^ *custos //p'; }
d_kg2=$(draft 'KG-175D serial KG2')
d_lot=$(printf '%s\n' "$rec" | grep -A1 'recorded 40, counted 38' | sed -n '2s/^ *custos //p')
[ -n "$d_kg2" ] && [ -n "$d_lot" ] || { echo "FAIL: no drafted incident reports"; printf '%s\n' "$rec"; fails=$((fails + 1)); }
eval "ok as alice $d_kg2"
eval "ok as alice $d_lot"
[ "$(q "SELECT status FROM custos.item WHERE serial = 'KG2'")" = incident ] || { echo "FAIL: the drafted report did not report KG2"; fails=$((fails + 1)); }
[ "$(q "SELECT qty FROM custos.item WHERE serial = 'L40'")" = 38 ] || { echo "FAIL: the drafted report did not take the 2 missing off the lot"; fails=$((fails + 1)); }
# found ZZZ9: the drafted possession report, completed
d_z=$(printf '%s\n' "$rec" | grep -A1 '^  ZZZ9' | sed -n '2s/^ *custos //p' | sed 's/kind=K alc=A class=C/kind=equipment alc=1 class=C/; s/title=T/title=KY-57/')
eval "ok as alice $d_z"
ok asq alice inventory reconcile
printf '%s\n' "$LAST_OUT" | grep -q '4 expected, 4 sighted, 0 not sighted, 0 counted at another quantity; 1 found' ||
	{ echo "FAIL: after the reports the session should be whole"; printf '%s\n' "$LAST_OUT"; fails=$((fails + 1)); }
[ "$(last_inv 123456)" = never ] || { echo "FAIL: the clock moved before the certification"; fails=$((fails + 1)); }

# ---- the insider, with psql ----
sid=$(q "SELECT id FROM custos.inventory_session WHERE account = '123456' AND closed_idx IS NULL")
refused_sql alice 'permission denied' "INSERT INTO custos.inventory_sighting (session, item_id, counted, recorded, at, by_person) SELECT $sid, id, qty, qty, now(), 'alice' FROM custos.item WHERE serial = 'KG1'"
refused_sql alice 'permission denied' "UPDATE custos.inventory_session SET closed_idx = 0"
refused_sql alice 'permission denied' "DELETE FROM custos.inventory_found"
refused_sql bob 'no inventory session' "SELECT * FROM custos.inventory_scan($sid, 'B1')"
refused_sql carol 'no inventory session' "SELECT * FROM custos.inventory_scan($sid, 'KG1')"
refused_sql alice 'a scan is a serial' "SELECT * FROM custos.inventory_scan($sid, E'KG\\n1')"
refused_sql alice 'a scan is a serial' "SELECT * FROM custos.inventory_scan($sid, repeat('A', 100000))"
refused_sql alice 'accounted by serial' "SELECT * FROM custos.inventory_sight($sid, 'KG-175D', '', 'KG1', 5)"
[ "$(PGUSER=bob psql -qAtX -c "SELECT count(*) FROM custos.inventory_session")" = 0 ] ||
	{ echo "FAIL: bob reads account 123456's sessions"; fails=$((fails + 1)); }
[ "$(PGUSER=wendy psql -qAtX -c "SELECT count(*) FROM custos.inventory_sighting")" -gt 0 ] ||
	{ echo "FAIL: the witness cannot read the session's sightings"; fails=$((fails + 1)); }
# the witness scans too (custodian and witness count together)
[ "$(PGUSER=wendy psql -qAtX -c "SELECT answer FROM custos.inventory_scan($sid, 'KG1')")" = already ] ||
	{ echo "FAIL: the witness's scan of KG1"; fails=$((fails + 1)); }
# The expected list (migration 023): inlined into the definer functions,
# so a scan looks its serial up by index; still no login's to call.
refused_sql alice 'permission denied' "SELECT * FROM custos.inventory_expected('123456', 'periodic')"
refused_sql bob 'permission denied' "SELECT count(*) FROM custos.inventory_expected('123456', 'custodian-change')"
[ "$(q "SELECT prosecdef OR proconfig IS NOT NULL OR provolatile = 'v' OR prolang <> (SELECT oid FROM pg_language WHERE lanname = 'sql')
	FROM pg_proc WHERE oid = 'custos.inventory_expected(text, text)'::regprocedure")" = f ] ||
	{ echo "FAIL: custos.inventory_expected cannot be inlined (definer, settings or volatile): every scan reads the whole list"; fails=$((fails + 1)); }

# ---- close: the certification ----
expect_out '^complete inventory \(4 of 4 held\): the inventory clock restarts$' asw alice wendy inventory close
t=$(q "SELECT time FROM custos.log_entry WHERE idx = (SELECT size - 1 FROM custos.log_head)")
[ "$(last_inv 123456)" = "$t" ] || { echo "FAIL: the certification did not reset the clock"; fails=$((fails + 1)); }
note=$(q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE idx = (SELECT size - 1 FROM custos.log_head)")
for l in 'action inventory' 'detail found 2' 'detail not_sighted 1' 'detail qty_diff 1' 'detail sighted 4'; do
	printf '%s\n' "$note" | grep -qx "$l" || { echo "FAIL: the certification lacks '$l'"; printf '%s\n' "$note"; fails=$((fails + 1)); }
done
printf '%s\n' "$note" | grep -q '^item ' && { echo "FAIL: the certification lists items"; fails=$((fails + 1)); }
# its hash is that of the list as docs/log-format.md computes it by hand
hand=$(q "SELECT title || E'\t' || edition || E'\t' || serial || E'\t' || qty FROM custos.item WHERE account = '123456' AND status IN ('on_hand', 'issued') AND alc IN (1, 2, 6)" | LC_ALL=C sort | sha256sum | cut -c1-64)
printf '%s\n' "$note" | grep -qx "detail list_sha256 $hand" || { echo "FAIL: the list hash is not the hand-computed $hand"; fails=$((fails + 1)); }
[ "$(q "SELECT closed_idx = (SELECT size - 1 FROM custos.log_head) FROM custos.inventory_session WHERE id = $sid")" = t ] ||
	{ echo "FAIL: the session is not closed by its certification"; fails=$((fails + 1)); }
expect_err 1 'has no open inventory session' asq alice inventory scan --serial KG1

# ---- the insider signs a certification by hand (both keys) and sends it with psql ----
forged() { # NAME RULE (forge arguments after the rule)
	local name=$1 rule=$2; shift 2
	lastnote
	timed "$name" --sign "$W/alice.key" --sign "$W/wendy.key" --action inventory --account 123456 \
		--txn-seq "$SEQ" "$@"
	refused_sql alice "rule $rule" "$(hand_sql "$name")"
}
n=$(q "SELECT count(*) FROM custos.item WHERE account = '123456' AND status IN ('on_hand', 'issued') AND alc IN (1, 2, 6)")
forged zeros list_hash --detail list_sha256="$(printf '0%.0s' $(seq 64))" --detail sighted="$n"
forged count list_hash --detail list_sha256="$hand" --detail sighted=$((n + 1))
forged upper detail_value --detail list_sha256="$(printf '%s' "$hand" | tr a-f A-F)" --detail sighted="$n"
forged zero detail_value --detail list_sha256="$hand" --detail sighted="0$n"
forged nosighted detail_value --detail list_sha256="$hand"
forged items detail_value --detail list_sha256="$hand" --detail sighted="$n" \
	--item 'kind=equipment alc=1 class=C crypto=no qty=1 serial=KG1 edition=- effective=- supersedes=- title=KG-175D'
# the same, sound, is taken: the rule is the list, not who sent it
lastnote
timed sound --sign "$W/alice.key" --sign "$W/wendy.key" --action inventory --account 123456 \
	--txn-seq "$SEQ" --detail list_sha256="$hand" --detail sighted="$n"
before=$(size)
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
[ "$(size)" = $((before + 1)) ] || { echo "FAIL: a sound certification by hand was refused"; fails=$((fails + 1)); }

# ---- abandon ----
ok asq alice inventory open
ok asq alice inventory abandon
expect_err 1 'has no open inventory session' asq alice inventory reconcile
[ "$(q "SELECT count(*) FROM custos.inventory_session WHERE abandoned_by = 'alice'")" = 1 ] || { echo "FAIL: abandon"; fails=$((fails + 1)); }

# ---- more than one entry's 500 items, by a change of custodian ----
items=()
for i in $(seq 1 300); do items+=(--item "kind=equipment alc=1 class=C serial=M$i title=KG-250"); done
ok as bob receive --from COR "${items[@]}"
items=()
for i in $(seq 301 600); do items+=(--item "kind=publication alc=4 class=U serial=M$i title=KAM 9"); done
ok as bob receive --from COR "${items[@]}"
ok asq bob inventory open --custodian-change
seq -f 'M%g' 1 600 >"$W/many"
echo B1 >>"$W/many"
ok asq bob inventory scan --file "$W/many"
printf '%s\n' "$LAST_OUT" | tail -1 | grep -q '^B1: sighted, KG-175D serial B1 (601 of 601 sighted)$' ||
	{ echo "FAIL: 601 scans"; printf '%s\n' "$LAST_OUT" | tail -2; fails=$((fails + 1)); }
expect_err 2 'closes with --incoming' asw bob carol inventory close
expect_out 'complete inventory \(601 of 601 held\)' asw bob carol inventory close --incoming carol
[ "$(q "SELECT string_agg(person || ':' || role, ',' ORDER BY person) FROM custos.person_role WHERE account = '654321'")" = "carol:custodian" ] ||
	{ echo "FAIL: the change of custodian did not pass the account to carol"; q "SELECT * FROM custos.person_role WHERE account = '654321'"; fails=$((fails + 1)); }

ok asq dave log verify
# offline, the certifications are judged from the bundle's own replay
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
gapfree sessions
finish
