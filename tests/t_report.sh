#!/usr/bin/env bash
# The COMSEC Material Report (docs/reports.md): made from the signed log
# entries of a real ledger (a transfer of several items, its accept, a
# destruction with its witness), as PDF (every block in pdftotext, A4 and
# Letter), CSV (RFC 4180, parsed back) and JSON (valid, with the values);
# hostile names and remarks shown escaped; unknown or wrong transactions
# refused with no file written.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger

ok as adm account details 123456 --address 'CFB Kingston, Bldg 7' --cor-account 100001
ok as adm account details 654321 --address 'HMCS Example, Halifax'
ok as adm person details alice --rank 'Sgt' --position 'COMSEC custodian'
ok as adm person details wendy --rank 'WO' --position 'Witness officer'
AKAT='kind=key alc=1 class=S crypto=yes serial=0001 edition=A effective=2026-01-01 supersedes=2026-02-01 title=AKAT 1234'
ok as alice receive --from COR --item "$AKAT" \
	--item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=publication alc=2 class=U qty=30 serial=LOT7 title=KAM-9'
ok as alice transfer --to 654321 --serial KG1 --serial KG2 --text 'Two KG-175D by courier'
TX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok as bob accept "$TX" --account 654321
AC=$(q "SELECT max(number) FROM custos.txn WHERE account = '654321'")
ok asw alice wendy destroy --serial 0001 --method shred --authority superseded
DX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK"
ok env PGUSER=adm "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"

# ---- the transfer, as its sender ----
ok asq alice report material "$TX" --format pdf --out "$W/tx.pdf"
[ "$(stat -c %a "$W/tx.pdf")" = 600 ] || { echo "FAIL: a report file is readable by others than its owner"; fails=$((fails + 1)); }
pdftotext -layout "$W/tx.pdf" "$W/tx.txt"
for s in 'COMSEC MATERIAL REPORT' '1. Type' transfer '2. From' '2. To' '1st Signal Regiment' \
	'Address: CFB Kingston, Bldg 7' 'COR account: 100001' 'Second account' \
	'Address: HMCS Example, Halifax' 'Account: 654321' '3. Date of' "$(date -u +%Y-%m-%d)" \
	'4. Outgoing' "$TX" '5. Date of' '6. Incoming' "$AC" '7. Line items' KG-175D KG1 KG2 \
	'equipment, C' '8. Certification' 'SHIPPED.' '9. Signatures' Custodian alice Sgt \
	'COMSEC custodian' 'Ink signature and date' 'key ID' 'Two KG-175D by courier' \
	'Log origin: custos.test/ledger' 'page 1 of 2' 'page 2 of 2' 'custos-entry/v2 custos.test/ledger' \
	'c2sp.org/tlog-proof@v1'; do
	has "transfer PDF" "$W/tx.txt" "$s"
done
IDX=$(q "SELECT idx FROM custos.log_entry WHERE txn = '$TX'")
has 'the entry index' "$W/tx.txt" "Entry index: $IDX"
LEAF=$(q "SELECT encode(leaf, 'base64') FROM custos.log_entry WHERE txn = '$TX'")
tr -d '\n' <"$W/tx.txt" | grep -qF "$LEAF" || { echo "FAIL: the leaf hash $LEAF is not in the PDF"; fails=$((fails + 1)); }
want 'A4' "$(pdfinfo "$W/tx.pdf" | sed -n 's/^Page size: *\([0-9.]* x [0-9.]*\) pts.*/\1/p')" '595.276 x 841.89'
ok asq alice report material "$TX" --format pdf --paper letter --out "$W/tx-letter.pdf"
want 'Letter' "$(pdfinfo "$W/tx-letter.pdf" | sed -n 's/^Page size: *\([0-9.]* x [0-9.]*\) pts.*/\1/p')" '612 x 792'
# the QR code carries the origin, index and leaf hash: decoded from the page
# as a phone would see it (zbarimg, of make deps)
command -v zbarimg >/dev/null || { echo "FAIL: zbarimg is not installed (make deps)"; fails=$((fails + 1)); }
pdftoppm -png -r 150 -f 1 -l 1 "$W/tx.pdf" "$W/tx-page"
want 'the QR code' "$(zbarimg -q --raw "$W"/tx-page*.png)" "custos-entry custos.test/ledger $(q "SELECT idx FROM custos.log_entry WHERE txn = '$TX'") $LEAF"

# ---- the accept, as the receiver: the sender's name from the log ----
ok asq bob report material "$AC" --format json --out "$W/ac.json"
ok python3 -m json.tool "$W/ac.json"
want 'accept JSON' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["type"], r["action"], r["from"]["account"], r["from"]["name"], r["from"]["cor_account"],
      r["to"]["account"], r["outgoing_txn"], r["incoming_txn"], len(r["items"]),
      r["items"][0]["serial"], r["signatures"][0]["name"], r["certification"][:9],
      r["log"]["index"], r["log"]["leaf_hash"], r["log"]["proof"].split("\n")[0])' "$W/ac.json")" \
	"transfer accept 123456 1st Signal Regiment 100001 654321 $TX $AC 2 KG1 bob RECEIVED. $(q "SELECT idx FROM custos.log_entry WHERE txn = '$AC'") $(q "SELECT encode(leaf, 'base64') FROM custos.log_entry WHERE txn = '$AC'") c2sp.org/tlog-proof@v1"

# ---- the destruction, with its witness ----
ok asq alice report destruction "$DX" --format pdf --out "$W/dx.pdf"
pdftotext -layout "$W/dx.pdf" "$W/dx.txt"
for s in destruction 'AKAT 1234 ed. A' 0001 'key, S, CRYPTO' \
	'DESTROYED.' 'Method: shred. Authority: superseded.' Witness wendy WO 'Witness officer' alice Sgt; do
	has "destruction PDF" "$W/dx.txt" "$s"
done
ok asq alice report material "$DX" --format csv --out "$W/dx.csv"
ok asq alice report material "$TX" --format csv --out "$W/tx.csv"
want 'transfer CSV' "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows), "|".join(rows[0]), "|".join(rows[1]), "|".join(rows[2][5:11]))' "$W/tx.csv")" \
	"3 transaction|type|date|from_account|to_account|row|short_title|edition|quantity|serial|alc|remarks $TX|transfer|$(q "SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM custos.log_entry WHERE txn = '$TX'")|123456|654321|1|KG-175D||1|KG1|1|equipment, C 2|KG-175D||1|KG2|1"
head -c 200 "$W/tx.csv" | grep -q $'\r$' || grep -q $'\r' "$W/tx.csv" || { echo "FAIL: the CSV lines do not end in CRLF"; fails=$((fails + 1)); }

# ---- refused: no file is written ----
expect_err 1 "$TX is a transfer, not a destruction" asq alice report destruction "$TX" --format pdf --out "$W/no1.pdf"
expect_err 1 'no transaction 123456-2026-0999 in the log' asq alice report material 123456-2026-0999 --format pdf --out "$W/no2.pdf"
expect_err 2 "--format is pdf, csv or json, not 'html'" asq alice report material "$TX" --format html --out "$W/no4"
expect_err 2 "--paper is a4 or letter, not 'a5'" asq alice report material "$TX" --format pdf --paper a5 --out "$W/no5"
expect_err 2 'missing --out FILE' asq alice report material "$TX" --format pdf
expect_err 2 'missing --format' asq alice report material "$TX" --out "$W/no6"
expect_err 1 'cannot create .*tx.pdf: File exists' asq alice report material "$TX" --format pdf --out "$W/tx.pdf"
for f in no1.pdf no2.pdf no4 no5 no6; do
	[ ! -e "$W/$f" ] || { echo "FAIL: a refused report left $f"; fails=$((fails + 1)); }
done

# ---- hostile text: escaped, and the layout holds ----
LONG=$(printf 'W%.0s' $(seq 200))
ok as adm account details 654321 --address $'Evil \u202eesrever\u202c Rd\x01 '"$LONG"
ok as alice transfer --to 654321 --serial LOT7 --text $'Handle \u202egnirts\u202c with\tcare\x7f '"$LONG"$'\nsecond line'
HX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok asq alice report material "$HX" --format pdf --out "$W/hx.pdf"
pdftotext -layout "$W/hx.pdf" "$W/hx.txt"
has 'the bidi override in an address, escaped' "$W/hx.txt" 'Evil \u202eesrever\u202c Rd\x01'
has 'the bidi override in the remarks, escaped' "$W/hx.txt" 'Handle \u202egnirts\u202c with\x09care\x7f'
has 'a newline in the remarks is a line break' "$W/hx.txt" 'second line'
lacks 'no raw bidi control reaches the page' "$W/hx.txt" $'\u202e'
has 'the quantity' "$W/hx.txt" KAM-9
ok asq alice report material "$HX" --format json --out "$W/hx.json"
ok python3 -m json.tool "$W/hx.json"
want 'JSON keeps the true text' "$(python3 -c 'import json,sys; print(repr(json.load(open(sys.argv[1]))["to"]["address"][:13]))' "$W/hx.json")" "'Evil \\u202eesrever'"
# the long word breaks inside its box: nothing runs off the page
pdftotext -bbox "$W/hx.pdf" "$W/hx.html"
python3 - "$W/hx.html" <<'PY' || { echo "FAIL: text runs off the page"; fails=$((fails + 1)); }
import re, sys
html = open(sys.argv[1]).read()
w = float(re.search(r'<page width="([0-9.]+)"', html).group(1))
bad = [m for m in re.finditer(r'xMax="([0-9.]+)"', html) if float(m.group(1)) > w - 30]
sys.exit(1 if bad else 0)
PY

# ---- many line items: pages break, the table's header repeats ----
ITEMS=$W/items
# (every third title takes two lines in its cell: rows of two heights)
for n in $(seq 1 70); do
	t=KG-250; [ $((n % 3)) = 0 ] && t='KG-250 KEY LOADER ASSEMBLY UNIT'
	printf 'kind=equipment alc=1 class=C serial=M%03d title=%s\n' "$n" "$t"
done >"$ITEMS"
ok as alice receive --from COR --items "$ITEMS" --text 'seventy'
MX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok asq alice report material "$MX" --format pdf --out "$W/mx.pdf"
pdftotext -layout "$W/mx.pdf" "$W/mx.txt"
P=$(pdfinfo "$W/mx.pdf" | sed -n 's/^Pages: *//p')
[ "$P" -ge 3 ] || { echo "FAIL: 70 items on $P pages"; fails=$((fails + 1)); }
has 'page n of m' "$W/mx.txt" "page $P of $P"
has 'the table goes on' "$W/mx.txt" '7. Line items (continued)'
want 'the header on every page' "$(grep -c 'COMSEC MATERIAL REPORT' "$W/mx.txt")" "$P"
has 'the last item' "$W/mx.txt" M070
# on every page the table runs on to, its heading comes before its first row
for pg in $(seq 2 "$P"); do
	pdftotext -layout -f "$pg" -l "$pg" "$W/mx.pdf" - | awk -v pg="$pg" '
		/Line items \(continued\)/ && !row { head = 1 }
		/ M0[0-9][0-9] / && !row { row = 1; if (!head) bad = 1 }
		END { if (bad) { print "FAIL: page " pg ": a line item above the table heading"; exit 1 } }' ||
		fails=$((fails + 1))
done
has 'a receipt comes from the COR' "$W/mx.txt" 'Central Office of Record'

# ---- the insider: alice reads the directory entries, not bob's material ----
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B1 title=KG-175D'
BX=$(q "SELECT max(number) FROM custos.txn WHERE account = '654321'")
want "bob's account-open, read by alice" "$(PGUSER=alice q "SELECT count(*) FROM custos.log_entry WHERE action = 'account-open' AND account = '654321'")" 1
want "bob's receipt, hidden from alice" "$(PGUSER=alice q "SELECT count(*) FROM custos.log_entry WHERE txn = '$BX'")" 0
want "bob's account row, hidden from alice" "$(PGUSER=alice q "SELECT count(*) FROM custos.account WHERE number = '654321'")" 0
expect_err 1 "no transaction $BX in the log" asq alice report material "$BX" --format csv --out "$W/no7.csv"
# a non-material entry makes no report
GX=$(q "SELECT txn FROM custos.log_entry WHERE txn IS NOT NULL AND action NOT IN ('transfer','accept','receipt','destroy') LIMIT 1")
[ -z "$GX" ] || expect_err 1 'not a material transaction' asq dave report material "$GX" --format csv --out "$W/no8.csv"
ok asq dave log verify
[ -n "${REPORT_KEEP:-}" ] && cp "$W/tx.pdf" "$W/mx.pdf" "$W/hx.pdf" "$REPORT_KEEP"/
finish
