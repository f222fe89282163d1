#!/usr/bin/env bash
# The registers (docs/reports.md): the hand-receipt register of an account
# (open receipts first, each item with the entry that closed it) and the
# destruction register of a period, made from the signed entries, as PDF
# (pdftotext holds the values), CSV (parsed back) and JSON (valid, with the
# values); hostile text escaped; bad accounts, dates and kinds refused with
# no file written; another account's register hidden from a custodian.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
last_txn() { q "SELECT max(number) FROM custos.txn WHERE account = '123456'"; }
idx_of() { q "SELECT idx FROM custos.log_entry WHERE txn = '$1'"; }
leaf_of() { q "SELECT encode(leaf, 'base64') FROM custos.log_entry WHERE txn = '$1'"; }

ok asw adm wendy person add wendy --role holder --account 123456 --pubkey "$(cat "$W/wendy.vkey")"
ok as alice receive --from COR \
	--item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' \
	--item 'kind=key alc=1 class=S crypto=yes serial=0001 edition=A title=AKAT 1234' \
	--item 'kind=publication alc=2 class=U qty=30 serial=LOT7 title=KAM-9'
# H1: two items to carol, both returned in two returns: closed
ok asw alice carol issue --holder carol --serial KG1 --serial KG2 --text $'Field \u202eesu\u202c kit\x01'
H1=$(last_txn)
ok asw alice carol return "$H1" --holder carol --serial KG1
R1=$(last_txn)
# H2: to wendy, still out: open
ok asw alice wendy issue --holder wendy --serial KG3
H2=$(last_txn)
ok asw alice carol return "$H1" --holder carol --serial KG2
R2=$(last_txn)
# H3: key to carol, destroyed while issued: closed by the destruction
ok asw alice carol issue --holder carol --serial 0001
H3=$(last_txn)
ok asw alice wendy destroy --serial 0001 --method shred --authority 'DIR-7/2026'
D1=$(last_txn)
# H4: part of a lot to carol: open
ok asw alice carol issue --holder carol --item 'serial=LOT7 qty=5 title=KAM-9'
H4=$(last_txn)
TODAY=$(date -u +%Y-%m-%d)

# ---- the hand-receipt register, as JSON ----
expect_out "hand-receipt register of account 123456 \(4 entries, 2 open\) written to" \
	asq alice report hand-receipts --account 123456 --format json --out "$W/hr.json"
ok python3 -m json.tool "$W/hr.json"
want 'register JSON' "$(python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
print(g["type"], g["account"], g["account_name"], g["open"], g["closed"], g["report_date"])
for r in g["receipts"]:
    print(r["txn"], r["status"], r["holder"], r["custodian"], r["closed_txn"], r["log"]["index"], r["log"]["leaf_hash"],
          " ".join("%s:%s" % (i["serial"], (i["closed"] or {}).get("by", "open") + "/" + str((i["closed"] or {}).get("txn"))) for i in r["items"]))
' "$W/hr.json")" "hand-receipt register 123456 1st Signal Regiment 2 2 $TODAY
$H2 open wendy alice None $(idx_of "$H2") $(leaf_of "$H2") KG3:open/None
$H4 open carol alice None $(idx_of "$H4") $(leaf_of "$H4") LOT7+$(idx_of "$H4"):open/None
$H1 closed carol alice $R2 $(idx_of "$H1") $(leaf_of "$H1") KG1:returned/$R1 KG2:returned/$R2
$H3 closed carol alice $D1 $(idx_of "$H3") $(leaf_of "$H3") 0001:destroy/$D1"
want 'JSON keeps the true text' "$(python3 -c 'import json,sys; print(repr([r for r in json.load(open(sys.argv[1]))["receipts"] if r["remarks"]][0]["remarks"]))' "$W/hr.json")" "'Field \\u202eesu\\u202c kit\\x01'"

# ---- --holder and --since filter ----
ok asq alice report hand-receipts --account 123456 --holder wendy --format json --out "$W/hw.json"
want '--holder' "$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print(g["holder"], [r["txn"] for r in g["receipts"]])' "$W/hw.json")" "wendy ['$H2']"
ok asq alice report hand-receipts --account 123456 --since 2000-01-01 --until 2000-12-31 --format json --out "$W/h0.json"
want '--since/--until outside' "$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print(len(g["receipts"]), g["since"], g["until"])' "$W/h0.json")" "0 2000-01-01 2000-12-31"
ok asq alice report hand-receipts --account 123456 --since "$TODAY" --format csv --out "$W/hr.csv"

# without --account: the one alice keeps
ok asq alice report hand-receipts --holder wendy --format json --out "$W/hk.json"
want 'the account alice keeps' "$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print(g["account"], [r["txn"] for r in g["receipts"]])' "$W/hk.json")" "123456 ['$H2']"

# ---- CSV: RFC 4180, parses back ----
want 'register CSV' "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows), "|".join(rows[0]))
for r in rows[1:]: print("|".join(r[1:2] + r[3:4] + r[5:6] + r[10:11] + r[12:14] + r[17:]))' "$W/hr.csv")" \
"6 account|transaction|date|holder|custodian|status|row|short_title|edition|quantity|serial|alc|closed_by|closed_txn|closed_date|closed_index|origin|index|leaf_hash
$H2|wendy|open|KG3|open||$(idx_of "$H2")|$(leaf_of "$H2")
$H4|carol|open|LOT7+$(idx_of "$H4")|open||$(idx_of "$H4")|$(leaf_of "$H4")
$H1|carol|closed|KG1|returned|$R1|$(idx_of "$H1")|$(leaf_of "$H1")
$H1|carol|closed|KG2|returned|$R2|$(idx_of "$H1")|$(leaf_of "$H1")
$H3|carol|closed|0001|destroy|$D1|$(idx_of "$H3")|$(leaf_of "$H3")"
grep -q $'\r$' "$W/hr.csv" || { echo "FAIL: the CSV lines do not end in CRLF"; fails=$((fails + 1)); }

# ---- PDF ----
ok asq alice report hand-receipts --account 123456 --format pdf --out "$W/hr.pdf"
[ "$(stat -c %a "$W/hr.pdf")" = 600 ] || { echo "FAIL: the register is readable by others"; fails=$((fails + 1)); }
pdftotext -layout "$W/hr.pdf" "$W/hr.txt"
for s in 'HAND-RECEIPT REGISTER' '1st Signal Regiment' 123456 \
	'4 hand receipts: 2 open, 2 closed' 'Open hand receipts' 'Closed hand receipts' "$H1" "$H2" "$H3" "$H4" \
	"returned by $R1" "returned by $R2" "destroy $D1" 'OPEN' "closed by $R2 on $TODAY" carol wendy KG-175D KG3 \
	"entry $(idx_of "$H2"), leaf hash" 'Log custos.test/ledger' 'Certification' 'Ink signature and date' \
	'Field \u202eesu\u202c kit\x01' 'page 1 of'; do
	has 'register PDF' "$W/hr.txt" "$s"
done
lacks 'no raw bidi control' "$W/hr.txt" $'\u202e'
tr -d '\n ' <"$W/hr.txt" | grep -qF "$(leaf_of "$H3")" || { echo "FAIL: a leaf hash is not in the PDF"; fails=$((fails + 1)); }
# open receipts come before closed ones on the page
o=$(grep -n "Open hand receipts" "$W/hr.txt" | head -1 | cut -d: -f1)
c=$(grep -n "Closed hand receipts" "$W/hr.txt" | head -1 | cut -d: -f1)
[ -n "$o" ] && [ -n "$c" ] && [ "$o" -lt "$c" ] || { echo "FAIL: open receipts are not first"; fails=$((fails + 1)); }
ok asq alice report hand-receipts --account 123456 --format pdf --paper letter --out "$W/hr-letter.pdf"
want 'Letter' "$(pdfinfo "$W/hr-letter.pdf" | sed -n 's/^Page size: *\([0-9.]* x [0-9.]*\) pts.*/\1/p')" '612 x 792'

# a long free text flows across pages, nothing cut
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG9 title=KG-175D'
LONGTEXT="$(for i in $(seq 1 1200); do printf 'word%d ' "$i"; done)ENDMARK"
ok asw alice carol issue --holder carol --serial KG9 --text "$LONGTEXT"
ok asq alice report hand-receipts --account 123456 --holder carol --format pdf --out "$W/long.pdf"
pdftotext "$W/long.pdf" - | grep -qF ENDMARK || { echo "FAIL: a long remark is cut in the register"; fails=$((fails + 1)); }
pdftotext "$W/long.pdf" - | grep -qF 'word600 ' || { echo "FAIL: the middle of a long remark is lost"; fails=$((fails + 1)); }

# ---- the destruction register of a period ----
ok asw alice wendy destroy --serial KG1 --method burn --authority 'DIR-8'
D2=$(last_txn)
expect_out "destruction register of account 123456 \(2 entries\)" \
	asq alice report destruction --account 123456 --since "$TODAY" --format json --out "$W/dx.json"
ok python3 -m json.tool "$W/dx.json"
want 'destruction register JSON' "$(python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
print(g["type"], g["since"], g["until"])
for r in g["destructions"]:
    print(r["txn"], r["custodian"], r["witness"], r["method"], r["authority"], r["log"]["index"], r["log"]["leaf_hash"], [i["serial"] for i in r["items"]])' "$W/dx.json")" \
"destruction register $TODAY None
$D1 alice wendy shred DIR-7/2026 $(idx_of "$D1") $(leaf_of "$D1") ['0001']
$D2 alice wendy burn DIR-8 $(idx_of "$D2") $(leaf_of "$D2") ['KG1']"
ok asq alice report destruction --account 123456 --since "$TODAY" --until "$TODAY" --format csv --out "$W/dx.csv"
want 'destruction register CSV' "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows), "|".join(rows[0]))
for r in rows[1:]: print("|".join(r[1:2] + r[3:7] + r[11:12] + r[15:]))' "$W/dx.csv")" \
"3 account|transaction|date|custodian|witness|method|authority|row|short_title|edition|quantity|serial|alc|remarks|origin|index|leaf_hash
$D1|alice|wendy|shred|DIR-7/2026|0001|$(idx_of "$D1")|$(leaf_of "$D1")
$D2|alice|wendy|burn|DIR-8|KG1|$(idx_of "$D2")|$(leaf_of "$D2")"
ok asq alice report destruction --account 123456 --since 2000-01-01 --until 2000-01-02 --format json --out "$W/dx0.json"
want 'a period with none' "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["destructions"]))' "$W/dx0.json")" 0
ok asq alice report destruction --account 123456 --since "$TODAY" --format pdf --out "$W/dx.pdf"
pdftotext -layout "$W/dx.pdf" "$W/dx.txt"
for s in 'DESTRUCTION REGISTER' '2 destructions in the period' "$D1" "$D2" shred burn 'DIR-7/2026' \
	Witness wendy 'AKAT 1234 ed. A' 'key, S, CRYPTO' "entry $(idx_of "$D2"), leaf hash" "$TODAY to the report"; do
	has 'destruction register PDF' "$W/dx.txt" "$s"
done
# the one-transaction form still works
ok asq alice report destruction "$D2" --format csv --out "$W/d2.csv"

# ---- refused: a clear error, no file ----
expect_err 1 'no account 999999' asq alice report hand-receipts --account 999999 --format pdf --out "$W/no1.pdf"
expect_err 1 'no account 654321' asq alice report hand-receipts --account 654321 --format json --out "$W/no2.json"
expect_err 1 'no account 654321' asq alice report destruction --account 654321 --since "$TODAY" --format csv --out "$W/no3.csv"
expect_err 2 'six-digit account number' asq alice report hand-receipts --account "12'; DROP TABLE x; --" --format csv --out "$W/no4.csv"
expect_err 2 'you keep no account; give --account N' asq dave report hand-receipts --format csv --out "$W/no5.csv"
expect_err 2 '--holder takes a person' asq alice report hand-receipts --account 123456 --holder "$(printf 'x%.0s' $(seq 300))" --format csv --out "$W/no14.csv"
ok asq alice report hand-receipts --account 123456 --holder $'car\u202eol\x01' --format pdf --out "$W/hh.pdf"
pdftotext "$W/hh.pdf" - | grep -qF 'car\u202eol\x01' || { echo "FAIL: a hostile --holder is not shown escaped"; fails=$((fails + 1)); }
expect_err 2 'missing --since DATE' asq alice report destruction --account 123456 --format csv --out "$W/no6.csv"
expect_err 2 '--since takes a date' asq alice report destruction --account 123456 --since 2026-13-01 --format csv --out "$W/no7.csv"
expect_err 2 '--until takes a date' asq alice report hand-receipts --account 123456 --until $'2026\xff' --format csv --out "$W/no8.csv"
expect_err 2 'before --since' asq alice report destruction --account 123456 --since 2026-02-01 --until 2026-01-01 --format csv --out "$W/no9.csv"
expect_err 2 'a register takes --account, not a transaction' asq alice report destruction "$D1" --account 123456 --since "$TODAY" --format csv --out "$W/no10.csv"
expect_err 2 '--since and --until are for a register' asq alice report destruction "$D1" --since "$TODAY" --format csv --out "$W/no11.csv"
expect_err 2 "unknown option '--holder'" asq alice report destruction --account 123456 --holder carol --since "$TODAY" --format csv --out "$W/no12.csv"
expect_err 2 "--format is pdf, csv or json, not 'xml'" asq alice report hand-receipts --account 123456 --format xml --out "$W/no13"
expect_err 1 'File exists' asq alice report hand-receipts --account 123456 --format pdf --out "$W/hr.pdf"
for f in no14.csv no1.pdf no2.json no3.csv no4.csv no5.csv no6.csv no7.csv no8.csv no9.csv no10.csv no11.csv no12.csv no13; do
	[ ! -e "$W/$f" ] || { echo "FAIL: a refused report left $f"; fails=$((fails + 1)); }
done

# ---- the insider: bob's entries of 123456 are hidden; the auditor sees them ----
want "alice's issues, hidden from bob" "$(PGUSER=bob q "SELECT count(*) FROM custos.log_entry WHERE account = '123456' AND action = 'issue'")" 0
ok asq dave report hand-receipts --account 123456 --format json --out "$W/dave.json"
want 'the auditor reads the register' "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["receipts"]))' "$W/dave.json")" 5
ok asq dave log verify
[ -n "${REPORT_KEEP:-}" ] && cp "$W/hr.pdf" "$W/dx.pdf" "$REPORT_KEEP"/
finish
