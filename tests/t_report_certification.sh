#!/usr/bin/env bash
# The inventory report of a certification (docs/reports.md "The inventory
# report"; sql/024_certified_list.sql): a session closed with one
# certification entry lists no items, so the report prints the list the
# server kept of it in the certification's own transaction
# (custos.certified_item), and only after checking that the list hashes to
# the signed list_sha256.  PDF (every line and the hash), CSV (parsed back
# to the list), JSON (valid; its lines hash, by python's hashlib, to
# list_sha256).  The list is the server's to write: psql as a custodian
# cannot write it, another account's custodian reads none of it.  Altered
# by the database superuser, the report refuses and writes no file, and
# `custos log verify` names the list as a difference; a list removed is
# noted, not a difference.  A custodian-change certification too (its list
# has every ALC).
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
last_txn() { q "SELECT max(number) FROM custos.txn WHERE account = '${1:-123456}'"; }
nofile() { # WHAT FILE...
	local what=$1 f; shift
	for f in "$@"; do [ ! -e "$f" ] || { echo "FAIL: $what left $f"; fails=$((fails + 1)); }; done
}

ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' \
	--item 'kind=publication alc=2 class=U qty=40 serial=L40 edition=7 title=KAO 12 (b)' \
	--item 'kind=publication alc=4 class=U serial=LOCAL1 title=KAM 9'
ok asw alice carol issue --holder carol --serial KG3     # out on hand receipt: in the list
ok asq alice inventory open
ok asq alice inventory scan --serial KG1 --serial KG2 --serial KG3 --serial L40
expect_out '^complete inventory \(4 of 4 held\)' asw alice wendy inventory close
IX=$(last_txn)
IDX=$(q "SELECT idx FROM custos.log_entry WHERE txn = '$IX'")
HASH=$(q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE idx = $IDX" | sed -n 's/^detail list_sha256 //p')
[ ${#HASH} = 64 ] || { echo "FAIL: the certification carries no list_sha256"; fails=$((fails + 1)); }

# ---- the server kept the list, in its order, as it hashes ----
want 'the kept list' "$(q "SELECT string_agg(line || ':' || title || '/' || edition || '/' || serial || '/' || qty, ' ' ORDER BY line) FROM custos.certified_item WHERE idx = $IDX")" \
	'1:KAO 12 (b)/7/L40/40 2:KG-175D//KG1/1 3:KG-175D//KG2/1 4:KG-175D//KG3/1'
want 'the kept list hashes to the signed one' \
	"$(q "SELECT title || E'\t' || edition || E'\t' || serial || E'\t' || qty FROM custos.certified_item WHERE idx = $IDX ORDER BY line" | sha256sum | cut -c1-64)" "$HASH"

# ---- JSON: valid, its lines hash to list_sha256 ----
ok asq alice report inventory "$IX" --format json --out "$W/c.json"
ok python3 -m json.tool "$W/c.json"
want 'certification JSON' "$(python3 -c '
import hashlib, json, sys
r = json.load(open(sys.argv[1])); c = r["inventory"]["certification"]
text = "".join("%s\t%s\t%s\t%d\n" % (l["short_title"], l["edition"] or "", l["serial"] or "", l["quantity"]) for l in r["items"])
print(hashlib.sha256(text.encode()).hexdigest() == c["list_sha256"] == sys.argv[2], c["verified"])
print(c["lines"], c["sighted"], c["found"], c["not_sighted"], c["qty_diff"], len(r["items"]))
print([l["row"] for l in r["items"]], {l["alc"] for l in r["items"]}, r["inventory"]["words"])' "$W/c.json" "$HASH")" \
"True True
4 4 0 0 0 4
[1, 2, 3, 4] {None} complete inventory (4 of 4 held): the inventory clock restarts"

# ---- CSV: parses back to the list, then the certification's row ----
ok asq alice report inventory "$IX" --format csv --out "$W/c.csv"
want 'certification CSV' "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows))
for r in rows[1:5]: print("|".join(r[5:11]))
print(rows[5], rows[6]); print("|".join(rows[7][1:])); print(rows[8], rows[9][1])' "$W/c.csv")" \
"15
1|KAO 12 (b)|7|40|L40|
2|KG-175D||1|KG1|
3|KG-175D||1|KG2|
4|KG-175D||1|KG3|
[] ['transaction', 'list_sha256', 'lines', 'sighted', 'found', 'not_sighted', 'qty_diff', 'verified']
$HASH|4|4|0|0|0|true
[] section"

# ---- PDF: every line and the hash ----
ok asq alice report inventory "$IX" --format pdf --out "$W/c.pdf"
pdftotext -layout "$W/c.pdf" "$W/c.txt"
tr -s ' \n' '  ' <"$W/c.txt" >"$W/c.flat"
for s in 'INVENTORIED.' 'Count: complete inventory (4 of 4 held)' 'KAO 12 (b) ed. 7' L40 KG1 KG2 KG3 \
	'Counts as signed: sighted 4; found, not on record 0; not sighted (reported) 0; counted at another quantity 0.' \
	'the list hashes to the certified list_sha256' Custodian alice Witness wendy; do
	has 'certification PDF' "$W/c.flat" "$s"
done
tr -d ' \n' <"$W/c.txt" | grep -qF "list_sha256$HASH" || { echo "FAIL: the PDF lacks the hash $HASH"; fails=$((fails + 1)); }
grep -q 'no line items' "$W/c.txt" && { echo "FAIL: the PDF says no line items"; fails=$((fails + 1)); }
[ -n "${REPORT_KEEP:-}" ] && cp "$W/c.pdf" "$REPORT_KEEP"/
# the COMSEC Material Report of the certification (type Inventory) lists the same lines
ok asq alice report material "$IX" --format pdf --out "$W/m.pdf"
[ -n "${REPORT_KEEP:-}" ] && cp "$W/m.pdf" "$REPORT_KEEP"/
pdftotext -layout "$W/m.pdf" "$W/m.txt"
tr -s ' \n' '  ' <"$W/m.txt" >"$W/m.flat"
for s in 'INVENTORIED.' 'KAO 12 (b) ed. 7' L40 KG1 KG2 KG3 'the list hashes to the certified list_sha256'; do
	has 'certification material PDF' "$W/m.flat" "$s"
done
lacks 'certification material PDF' "$W/m.txt" 'no line items'
ok asq alice report material "$IX" --format json --out "$W/m.json"
want 'certification material JSON' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
c = r["certification"]
print(r["inventory"] if "inventory" in r else "-", c["verified"], c["list_sha256"] == sys.argv[2], c["lines"], [(l["row"], l["serial"]) for l in r["items"]])' "$W/m.json" "$HASH")" \
	"- True True 4 [(1, 'L40'), (2, 'KG1'), (3, 'KG2'), (4, 'KG3')]"

# ---- the insider, with psql: the list is the server's ----
refused_sql alice 'permission denied' "INSERT INTO custos.certified_item (idx, line, title, edition, serial, qty) VALUES ($IDX, 5, 'KG-175D', '', 'KG9', 1)"
refused_sql alice 'permission denied' "UPDATE custos.certified_item SET qty = 2"
refused_sql alice 'permission denied' "DELETE FROM custos.certified_item"
refused_sql alice 'permission denied' "TRUNCATE custos.certified_item"
# nor inside a transaction that appends her own valid entry
lastnote
timed poss --sign "$W/alice.key" --action possession --account 123456 --txn-seq "$SEQ" \
	--item 'kind=equipment alc=4 class=U crypto=no qty=1 serial=E-P1 edition=- effective=- supersedes=- title=PROBE'
refused_sql alice 'permission denied' "$(hand_sql poss "UPDATE custos.certified_item SET qty = 2 WHERE idx = $IDX;")"
# the owner's definer functions and triggers cannot either: the state guard
refused_sql postgres 'outside the server' "UPDATE custos.certified_item SET qty = 2 WHERE idx = $IDX AND line = 1"
refused_sql postgres 'outside the server' "TRUNCATE custos.certified_item"
want 'bob reads none of 123456' "$(PGUSER=bob psql -qAtX -c "SELECT count(*) FROM custos.certified_item")" 0
want 'carol, of 123456, reads its list' "$(PGUSER=carol psql -qAtX -c "SELECT count(*) FROM custos.certified_item")" 4
want 'the auditor reads it' "$(PGUSER=dave psql -qAtX -c "SELECT count(*) FROM custos.certified_item")" 4
expect_err 1 "no transaction $IX in the log" asq bob report inventory "$IX" --format json --out "$W/bob.json"
nofile 'bob' "$W/bob.json"

# ---- a list changed by the superuser: refused, no file ----
tamper() { # SQL: run with the state guard off, as the superuser
	q "ALTER TABLE custos.certified_item DISABLE TRIGGER certified_item_state_guard; $1; ALTER TABLE custos.certified_item ENABLE TRIGGER certified_item_state_guard" >/dev/null
}
q "CREATE TABLE public.keep AS SELECT * FROM custos.certified_item WHERE idx = $IDX" >/dev/null
restore() { tamper "DELETE FROM custos.certified_item WHERE idx = $IDX; INSERT INTO custos.certified_item SELECT * FROM public.keep"; }
n=0
for change in "UPDATE custos.certified_item SET qty = 39 WHERE idx = $IDX AND line = 1" \
	"UPDATE custos.certified_item SET serial = 'KG9' WHERE idx = $IDX AND line = 3" \
	"DELETE FROM custos.certified_item WHERE idx = $IDX AND line = 4" \
	"INSERT INTO custos.certified_item VALUES ($IDX, 5, 'KG-175D', '', 'KG4', 1)" \
	"UPDATE custos.certified_item SET serial = CASE line WHEN 2 THEN 'KG2' ELSE 'KG1' END WHERE idx = $IDX AND line IN (2, 3)" \
	"UPDATE custos.certified_item SET line = line + 1 WHERE idx = $IDX AND line = 4" \
	"UPDATE custos.certified_item SET title = repeat('A', 100000) WHERE idx = $IDX AND line = 2" \
	"UPDATE custos.certified_item SET title = E'KG-175D\\t' WHERE idx = $IDX AND line = 2"; do
	n=$((n + 1))
	tamper "$change"
	for fmt in pdf csv json; do
		expect_err 1 "certification $IX \\(log entry $IDX\\).*the list was changed after it was certified" \
			asq alice report inventory "$IX" --format $fmt --out "$W/t$n.$fmt"
		nofile "tamper $n" "$W/t$n.$fmt"
	done
	expect_err 1 "certification $IX \\(log entry $IDX\\).*the list was changed after it was certified" \
		asq alice report material "$IX" --format csv --out "$W/tm$n.csv"
	nofile "tamper $n, material" "$W/tm$n.csv"
	expect_err 1 "^  certified list of $IX \\(log entry $IDX\\): its [0-9]+ lines (do not hash to the signed list_sha256|are not a list)" \
		asq dave log verify
	has "log verify, tamper $n" <(printf '%s\n' "$LAST_OUT") 'INVALID: the log'"'"'s'
	restore
done
tamper "DELETE FROM custos.certified_item WHERE idx = $IDX"
expect_err 1 "certification $IX \\(log entry $IDX\\) certifies 4 items, but the database keeps no list of it" \
	asq dave report inventory "$IX" --format pdf --out "$W/gone.pdf"
nofile 'no list' "$W/gone.pdf"
expect_out "^note: 1 certification of items keeps no certified list \\(the first: log entry $IDX\\)" \
	asq dave log verify
want 'log verify JSON counts the list removed' "$(PGUSER=dave "$C" log verify --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["valid"], r["unlisted"])')" 'True 1'
restore
# a list kept for an entry that is no certification (the receipt)
RIDX=$(q "SELECT min(idx) FROM custos.log_entry WHERE action = 'receipt'")
tamper "INSERT INTO custos.certified_item VALUES ($RIDX, 1, 'KG-175D', '', 'KG1', 1)"
expect_err 1 "^  certified list of log entry $RIDX: 1 line kept for an entry that is no certification" \
	asq dave log verify
tamper "DELETE FROM custos.certified_item WHERE idx = $RIDX"
ok asq dave log verify
ok asq alice report inventory "$IX" --format json --out "$W/again.json"

# ---- a change of custodian: its list has every ALC, it states sighted alone ----
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B1 title=KG-175D' \
	--item 'kind=publication alc=4 class=U qty=3 title=KAM 9'
ok asq bob inventory open --custodian-change
ok asq bob inventory scan --serial B1
ok asq bob inventory count --title 'KAM 9' --qty 3
ok asw bob carol inventory close --incoming carol
CX=$(last_txn 654321)
CIDX=$(q "SELECT idx FROM custos.log_entry WHERE txn = '$CX'")
CHASH=$(q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry WHERE idx = $CIDX" | sed -n 's/^detail list_sha256 //p')
ok asq carol report inventory "$CX" --format json --out "$W/cc.json"
want 'custodian-change JSON' "$(python3 -c '
import hashlib, json, sys
r = json.load(open(sys.argv[1])); c = r["inventory"]["certification"]
text = "".join("%s\t%s\t%s\t%d\n" % (l["short_title"], l["edition"] or "", l["serial"] or "", l["quantity"]) for l in r["items"])
print(r["action"], hashlib.sha256(text.encode()).hexdigest() == c["list_sha256"] == sys.argv[2], c["verified"])
print(c["lines"], c["sighted"], c["found"], c["not_sighted"], c["qty_diff"], [(l["short_title"], l["serial"], l["quantity"]) for l in r["items"]])' "$W/cc.json" "$CHASH")" \
"custodian-change True True
2 2 None None None [('KAM 9', None, 3), ('KG-175D', 'B1', 1)]"
ok asq carol report inventory "$CX" --format pdf --out "$W/cc.pdf"
pdftotext -layout "$W/cc.pdf" "$W/cc.txt"
tr -s ' \n' '  ' <"$W/cc.txt" >"$W/cc.flat"
has 'custodian-change PDF' "$W/cc.flat" 'Counts as signed: sighted 2.'
has 'custodian-change PDF' "$W/cc.txt" 'KAM 9'
tr -d ' \n' <"$W/cc.txt" | grep -qF "list_sha256$CHASH" || { echo "FAIL: the custodian-change PDF lacks its hash"; fails=$((fails + 1)); }

ok asq dave log verify
finish
