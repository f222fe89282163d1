#!/usr/bin/env bash
# The incident report (docs/reports.md): one incident's initial report,
# every amplifying report in order and the final one (or OPEN), each with
# its entry's index, time, signers and leaf hash, and whether the initial
# report came within the deadline (the audit's rule), made from the signed
# entries as PDF (pdftotext holds each part), CSV (parsed back) and JSON
# (valid, with the values); hostile text escaped; a transaction that is no
# incident refused with no file written.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
last_txn() { q "SELECT max(number) FROM custos.txn WHERE account = '123456'"; }
idx_of() { q "SELECT idx FROM custos.log_entry WHERE txn = '$1'"; }
leaf_of() { q "SELECT encode(leaf, 'base64') FROM custos.log_entry WHERE txn = '$1'"; }
time_of() { q "SELECT substring(convert_from(note, 'UTF8') from E'\\ntime ([^\\n]+)') FROM custos.log_entry WHERE txn = '$1'"; }

ok as alice receive --from COR \
	--item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=key alc=1 class=S crypto=yes serial=0001 edition=A title=AKAT 1234'
RC=$(last_txn)
HOSTILE=$'Safe \u202eevil\u202c "quoted", comma\x01 <b>x</b>'
# I1: discovered 50 hours ago (late under 24 h), two updates, closed lost
D1=$(date -u -d '-50 hours' +%Y-%m-%dT%H:%MZ)
ok as alice incident report --category physical --discovered "$D1" --serial KG1 --serial KG2 \
	--text "$HOSTILE"
I1=$(last_txn)
ok as alice incident update "$I1" --text "searched the vault: KG1 not found"
U1=$(last_txn)
ok as alice incident update "$I1" --text $'second\nline'
U2=$(last_txn)
ok asw alice erin incident close "$I1" --outcome lost
C1=$(last_txn)
# I2: discovered an hour ago (on time), still open
ok as alice incident report --category cryptographic --discovered "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)" \
	--serial 0001 --text "key seen by an uncleared person"
I2=$(last_txn)

# ---- JSON ----
expect_out "incident report of $I1 \(closed, 4 parts\) written to" \
	asq alice report incident "$I1" --format json --out "$W/i1.json"
ok python3 -m json.tool "$W/i1.json"
want 'closed incident JSON' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
i = r["incident"]
print(r["type"], r["action"], r["outgoing_txn"], i["category"], i["discovered"], i["deadline_hours"],
      i["within_deadline"], i["hours_to_report"] >= 49, i["status"], i["outcome"], r["log"]["index"], r["log"]["leaf_hash"])
print([x["serial"] for x in r["items"]])
for p in i["parts"]:
    print(p["part"], p["action"], p["txn"], p["index"], p["leaf_hash"], p["signers"], p["items"], p["outcome"], repr(p["text"]))
' "$W/i1.json")" "other incident-report $I1 physical ${D1%Z}:00.000000Z 24 False True closed lost $(idx_of "$I1") $(leaf_of "$I1")
['KG1', 'KG2']
initial incident-report $I1 $(idx_of "$I1") $(leaf_of "$I1") ['alice'] 2 None '$(printf '%s' "$HOSTILE" | python3 -c 'import sys; print(repr(sys.stdin.read())[1:-1])')'
amplifying incident-update $U1 $(idx_of "$U1") $(leaf_of "$U1") ['alice'] 0 None 'searched the vault: KG1 not found'
amplifying incident-update $U2 $(idx_of "$U2") $(leaf_of "$U2") ['alice'] 0 None 'second\\nline'
final incident-close $C1 $(idx_of "$C1") $(leaf_of "$C1") ['alice', 'erin'] 2 lost None"
want 'part times' "$(python3 -c 'import json,sys; print(" ".join(p["date"] for p in json.load(open(sys.argv[1]))["incident"]["parts"]))' "$W/i1.json")" \
	"$(time_of "$I1") $(time_of "$U1") $(time_of "$U2") $(time_of "$C1")"

expect_out "incident report of $I2 \(open, 1 part\) written to" \
	asq alice report incident "$I2" --format json --out "$W/i2.json"
want 'open incident JSON' "$(python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["incident"]
print(i["category"], i["within_deadline"], "hours_to_report" in i, i["status"], i["outcome"], len(i["parts"]), i["parts"][0]["part"])
' "$W/i2.json")" "cryptographic True False open None 1 initial"

# ---- CSV: RFC 4180, parses back ----
ok asq alice report incident "$I1" --format csv --out "$W/i1.csv"
grep -q $'\r$' "$W/i1.csv" || { echo "FAIL: the CSV lines do not end in CRLF"; fails=$((fails + 1)); }
want 'incident CSV' "$(python3 -c '
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="")) if r]
for r in rows: print("|".join(r))' "$W/i1.csv" | sed -n '2,10p' | cut -d'|' -f1-9)" \
"$I1|other|$(time_of "$I1")|123456||1|KG-175D||1
$I1|other|$(time_of "$I1")|123456||2|KG-175D||1
incident|category|discovered|reported|deadline_hours|within_deadline|status|outcome
$I1|physical|${D1%Z}:00.000000Z|$(time_of "$I1")|24|no|closed|lost
incident|part|txn|date|index|leaf_hash|signers|items|outcome
$I1|initial|$I1|$(time_of "$I1")|$(idx_of "$I1")|$(leaf_of "$I1")|alice|2|
$I1|amplifying|$U1|$(time_of "$U1")|$(idx_of "$U1")|$(leaf_of "$U1")|alice|0|
$I1|amplifying|$U2|$(time_of "$U2")|$(idx_of "$U2")|$(leaf_of "$U2")|alice|0|
$I1|final|$C1|$(time_of "$C1")|$(idx_of "$C1")|$(leaf_of "$C1")|alice+erin|2|lost"
want 'CSV text escaped' "$(python3 -c '
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="")) if r]
print([r[-1] for r in rows if r[1:2] == ["initial"]][0])' "$W/i1.csv")" 'Safe \u202eevil\u202c "quoted", comma\x01 <b>x</b>'
lacks 'CSV: no raw bidi' "$W/i1.csv" $'\u202e'
ok asq alice report incident "$I2" --format csv --out "$W/i2.csv"
want 'open CSV status' "$(python3 -c '
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="")) if r]
print([r[5:8] for r in rows if r[0] == sys.argv[2] and r[1] == "cryptographic"][0])' "$W/i2.csv" "$I2")" "['yes', 'open', '']"

# ---- PDF ----
ok asq alice report incident "$I1" --format pdf --out "$W/i1.pdf"
[ "$(stat -c %a "$W/i1.pdf")" = 600 ] || { echo "FAIL: the report is readable by others"; fails=$((fails + 1)); }
pdftotext -layout "$W/i1.pdf" "$W/i1.txt"
for s in 'COMSEC INCIDENT REPORT' 'INCIDENT REPORTED' physical 'LATE: reported' 'deadline 24 h' 'CLOSED: lost' \
	'Incident reports: initial, amplifying, final' 'Initial report' '(incident-report)' \
	'Amplifying report' '(incident-update)' 'Final report' '(incident-close)' "$I1" "$U1" "$U2" "$C1" \
	'searched the vault: KG1 not found' KG-175D KG1 KG2 'alice, erin' 'Log origin: custos.test/ledger' \
	"Entry index: $(idx_of "$I1")" 'Safe \u202eevil\u202c' 'page 1 of'; do
	has 'closed incident PDF' "$W/i1.txt" "$s"
done
lacks 'PDF: no raw bidi' "$W/i1.txt" $'\u202e'
lacks 'a closed incident is not open' "$W/i1.txt" 'OPEN: no final report yet'
# each part's leaf hash, whole on one line
for t in "$I1" "$U1" "$U2" "$C1"; do
	grep -qF "$(leaf_of "$t")" "$W/i1.txt" || { echo "FAIL: the leaf hash of $t is not in the PDF"; fails=$((fails + 1)); }
done
# the parts in log order
a=$(grep -n "$U1" "$W/i1.txt" | tail -1 | cut -d: -f1)
b=$(grep -n "$U2" "$W/i1.txt" | tail -1 | cut -d: -f1)
c=$(grep -n "$C1" "$W/i1.txt" | tail -1 | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] ||
	{ echo "FAIL: the parts are not in log order"; fails=$((fails + 1)); }
ok asq alice report incident "$I2" --format pdf --paper letter --out "$W/i2.pdf"
pdftotext -layout "$W/i2.pdf" "$W/i2.txt"
for s in 'OPEN: no final report yet' 'within the deadline of 24 h' cryptographic 'AKAT 1234'; do
	has 'open incident PDF' "$W/i2.txt" "$s"
done
lacks 'an open incident has no final part' "$W/i2.txt" 'Final report'

# ---- the deadline follows the policy in force at the report ----
ok asw adm erin policy set incident_report_hours=72
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG5 title=KG-175D'
ok as alice incident report --category personnel --discovered "$(date -u -d '-50 hours' +%Y-%m-%dT%H:%MZ)" \
	--serial KG5 --text "on time under 72 h"
I3=$(last_txn)
ok asq alice report incident "$I3" --format json --out "$W/i3.json"
want 'policy 72 h' "$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["incident"]; print(i["deadline_hours"], i["within_deadline"])' "$W/i3.json")" "72 True"
# ... and the earlier incident stays judged by the 24 h in force then
rm -f "$W/i1.json"
ok asq alice report incident "$I1" --format json --out "$W/i1.json"
want 'policy then' "$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["incident"]; print(i["deadline_hours"], i["within_deadline"])' "$W/i1.json")" "24 False"

# ---- refused: a clear error, no file ----
expect_err 1 "is a receipt entry, not an incident report" asq alice report incident "$RC" --format pdf --out "$W/no1.pdf"
expect_err 1 "is a incident-update entry, not an incident report" asq alice report incident "$U1" --format json --out "$W/no2.json"
expect_err 1 "no transaction 123456-2099-9999" asq alice report incident 123456-2099-9999 --format csv --out "$W/no3.csv"
expect_err 2 "not a transaction number" asq alice report incident "x'; DROP TABLE custos.log_entry; --" --format csv --out "$W/no4.csv"
expect_err 2 "not a transaction number" asq alice report incident "$(printf 'x%.0s' $(seq 100))" --format csv --out "$W/no5.csv"
expect_err 2 "missing operand" asq alice report incident --format csv --out "$W/no6.csv"
expect_err 1 'File exists' asq alice report incident "$I1" --format pdf --out "$W/i1.pdf"
# report material makes no report of an incident (it is 'report incident')
expect_err 1 "not a material transaction" asq alice report material "$I1" --format csv --out "$W/no7.csv"
for f in no1.pdf no2.json no3.csv no4.csv no5.csv no6.csv no7.csv; do
	[ ! -e "$W/$f" ] || { echo "FAIL: a refused report left $f"; fails=$((fails + 1)); }
done
want 'the log is intact' "$(q "SELECT count(*) > 0 FROM custos.log_entry")" t

# ---- the insider: bob (another account) sees no part of alice's incident ----
want "alice's incident, hidden from bob" "$(PGUSER=bob q "SELECT count(*) FROM custos.log_entry WHERE txn IN ('$I1', '$U1', '$C1')")" 0
expect_err 1 "no transaction $I1" asq bob report incident "$I1" --format json --out "$W/bob.json"
[ ! -e "$W/bob.json" ] || { echo "FAIL: bob got a report"; fails=$((fails + 1)); }
ok asq dave report incident "$I1" --format json --out "$W/dave.json"
want 'the auditor reads it' "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["incident"]["parts"]))' "$W/dave.json")" 4
[ -n "${REPORT_KEEP:-}" ] && cp "$W/i1.pdf" "$REPORT_KEEP"/
finish
