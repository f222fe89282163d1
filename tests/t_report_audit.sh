#!/usr/bin/env bash
# The audit report (docs/reports.md, "The audit report"): `custos report
# audit` writes the findings of `custos audit` and its oversight sample as
# PDF (pdftotext holds each finding with its kind, account, indices and
# leaf hashes, the log's root, the policy, the sample and the signature
# block), CSV (parsed back: the same rows as `custos audit --json`) and
# JSON (the same findings and sample).  A clean log says "no findings";
# hostile account names come out escaped; a custodian is refused as by
# `custos audit`, and no file is left; the file is 0600; the access log
# records the export.
. "$(dirname "$0")/ledger_lib.sh"
command -v pdftotext >/dev/null || { echo "t_report_audit: pdftotext is not installed (make deps)"; exit 77; }
setup_ledger
leaf_at() { q "SELECT encode(leaf, 'base64') FROM custos.log_entry WHERE idx = $1"; }
mode_is() { want "mode of $1" "$(stat -c %a "$1")" "$2"; }
# same_as_audit JSONFILE [ARGS]: its findings and sample are custos audit's.
same_as_audit() {
	local f=$1; shift
	asq dave audit --json "$@" >"$W/audit.json" || { echo "FAIL: custos audit $*"; fails=$((fails + 1)); }
	python3 - "$f" "$W/audit.json" <<-'EOF' || { echo "FAIL: $f is not custos audit --json $*"; fails=$((fails + 1)); }
	import json, sys
	r, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	keys = ("code", "account", "index", "since", "reason")
	got = [{k: x[k] for k in keys} for x in r["findings"]]
	assert got == a["findings"], (got, a["findings"])
	assert r["entries"] == a["entries"], (r["entries"], a["entries"])
	if "sample" in a:
	    assert r["sample"] == a["sample"], (r["sample"], a["sample"])
	EOF
}

# ---- a clean log: "no findings" ----
n=$(q "SELECT size FROM custos.log_head")
expect_out "^audit report of every account \($n entries, 0 findings, sample of 0\) written to $W/clean.pdf$" \
	asq dave report audit --format pdf --out "$W/clean.pdf"
mode_is "$W/clean.pdf" 600
pdftotext -layout "$W/clean.pdf" "$W/clean.txt"
has 'clean PDF' "$W/clean.txt" "COMSEC AUDIT REPORT"
has 'clean PDF' "$W/clean.txt" "no findings"
has 'clean PDF' "$W/clean.txt" "custos.test/ledger"
has 'clean PDF' "$W/clean.txt" "(no item is held: nothing to sight)"
ok asq dave report audit --format json --out "$W/clean.json"
same_as_audit "$W/clean.json"
want 'clean JSON findings' "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$W/clean.json")" 0

# ---- the crafted history (as t_audit.sh) ----
ok as adm account add 777777 --name $'Evil \u202eREVO\u202c "q,uote" <b>\\n'
ok asw adm erin account appoint 777777 --person alice --role custodian
day() { date -u -d "$1" +%F; }
key() { # SERIAL CLASS SUPERSEDES
	printf 'kind=key alc=7 class=%s crypto=yes serial=%s effective=2020-01-01 supersedes=%s title=AKAT %s' \
		"$2" "$1" "$3" "$1"
}
ok as alice receive --account 123456 --from COR --item "$(key K1 C "$(day '-1 day')")" \
	--item "$(key K3 C "$(day '-5 days')")" \
	--item 'kind=equipment alc=1 class=C serial=E1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=E2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=S serial=E3 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=E4 title=KG-175D'
ok asw alice wendy receive --account 123456 --from COR --item "$(key KT TS 2099-12-31)"
ok as alice receive --account 777777 --from COR --item 'kind=equipment alc=1 class=C serial=X1 title=KG-84'
# under the 12 h default: K1, superseded since yesterday 00:00, is late
ok asw alice wendy destroy --account 123456 --serial K1 --method shred --authority DIR-7
i_k1=$(q "SELECT max(idx) FROM custos.log_entry")
ok asw adm erin policy set destruction_deadline_hours=72 hand_receipt_alarm_days=0
# under 72 h: K3 (5 days) late
ok asw alice wendy destroy --account 123456 --serial K3 --method shred --authority DIR-7
i_k3=$(q "SELECT max(idx) FROM custos.log_entry")
ok as alice incident report --account 123456 --category physical \
	--discovered "$(date -u -d '-50 hours' +%Y-%m-%dT%H:%MZ)" --serial E1 --text "late"
i_inc=$(q "SELECT max(idx) FROM custos.log_entry")
# a hand receipt still open, with a policy of 0 days: open since its issue
ok asw alice carol issue --account 123456 --holder carol --serial E2
i_iss=$(q "SELECT max(idx) FROM custos.log_entry")
sleep 1
ok as alice possession --account 123456 --item 'kind=equipment alc=1 class=U serial=E9 title=KY-57'
i_last=$(q "SELECT max(idx) FROM custos.log_entry")
n=$(q "SELECT size FROM custos.log_head")
asq dave audit >"$W/audit.txt"
grep -q "^audit: $n entries, 4 finding(s)$" "$W/audit.txt" || { echo "FAIL: the crafted history: $(cat "$W/audit.txt")"; fails=$((fails + 1)); }

# ---- JSON: the audit's findings and sample, with kinds and leaf hashes ----
expect_out "^audit report of every account \($n entries, 4 findings, sample of 3\) written to" \
	asq dave report audit --sample 2 --format json --out "$W/a.json"
mode_is "$W/a.json" 600
ok python3 -m json.tool "$W/a.json"
same_as_audit "$W/a.json" --sample 2
want 'JSON findings' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    print(f["code"], f["account"], f["index"], f["since"], f["kind"], f["leaf_hash"], f["since_leaf_hash"])
' "$W/a.json")" "$(printf '%s\n' \
	"late_destruction 123456 $i_k1 $i_k1 superseded keying material destroyed after its deadline $(leaf_at "$i_k1") $(leaf_at "$i_k1")" \
	"late_destruction 123456 $i_k3 $i_k3 superseded keying material destroyed after its deadline $(leaf_at "$i_k3") $(leaf_at "$i_k3")" \
	"late_incident 123456 $i_inc $i_inc incident reported after its deadline $(leaf_at "$i_inc") $(leaf_at "$i_inc")" \
	"hand_receipt_open 123456 $i_last $i_iss item on hand receipt longer than the policy allows $(leaf_at "$i_last") $(leaf_at "$i_iss")")"
root=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["log"]["root_hash"])' "$W/a.json")
want 'JSON log and policy' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["report"], r["origin"], r["log"]["size"], r["log"]["checkpoint"], r["account"],
      r["policy"]["destruction_deadline_hours"], r["policy"]["hand_receipt_alarm_days"], r["sample_k"],
      [a["account"] for a in r["accounts"]], r["accounts"][2]["name"])
' "$W/a.json")" "audit custos.test/ledger $n False None 72 0 2 ['123456', '654321', '777777'] "$'Evil \u202eREVO\u202c "q,uote" <b>\\n'
# the root is the log's Merkle root: what a checkpoint of this size signs
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK"
ok env PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
want 'the root is the checkpoint root' "$(q "SELECT encode(root, 'base64') FROM custos.checkpoint WHERE size = $n")" "$root"
ok asq dave report audit --sample 2 --format json --out "$W/a2.json"
want 'a stored checkpoint is named' "$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["log"]; print(l["checkpoint"], l["root_hash"])' "$W/a2.json")" "True $root"

# ---- CSV: parses back to the rows of custos audit --json ----
ok asq dave report audit --sample 2 --format csv --out "$W/a.csv"
mode_is "$W/a.csv" 600
python3 - "$W/a.csv" "$W/audit.json" "$root" "$n" <<-'EOF' || { echo "FAIL: the CSV is not the audit's rows"; fails=$((fails + 1)); }
import csv, json, sys
raw = open(sys.argv[1], newline="").read()
assert "\r\n" in raw and "\n" not in raw.replace("\r\n", ""), "not CRLF"
sections = [s for s in raw.split("\r\n\r\n")]
rows = [list(csv.reader(s.splitlines())) for s in sections]
a = json.load(open(sys.argv[2]))
head, accts, finds, sample = rows
assert head[0][:3] == ["origin", "log_size", "root_hash"], head
assert head[1][:3] == ["custos.test/ledger", sys.argv[4], sys.argv[3]], head
assert [r[0] for r in accts[1:]] == ["123456", "654321", "777777"], accts
assert accts[0] == ["account", "name", "opened_index"], accts
assert finds[0][:5] == ["code", "account", "index", "since", "reason"], finds[0]
got = [{"code": r[0], "account": r[1], "index": int(r[2]), "since": int(r[3]), "reason": r[4]} for r in finds[1:]]
assert got == a["findings"], (got, a["findings"])
assert sample[0] == ["why", "account", "title", "edition", "serial", "class"], sample[0]
want = [[s["why"], s["account"], s["title"], s["edition"], s["serial"], s["class"]] for s in a["sample"]]
assert sample[1:] == want, (sample[1:], want)
EOF
# the hostile name, escaped as in the PDF (no bidi control, no raw newline)
has 'CSV: the hostile name escaped' "$W/a.csv" '"Evil \u202eREVO\u202c ""q,uote"" <b>\n"'
lacks 'CSV: no raw bidi control' "$W/a.csv" $'\u202e'

# ---- PDF: every finding with its kind, account, indices, leaf hashes ----
expect_out "written to $W/a.pdf$" asq dave report audit --sample 2 --format pdf --out "$W/a.pdf"
mode_is "$W/a.pdf" 600
[ -n "${REP3_KEEP:-}" ] && cp "$W/a.pdf" "$REP3_KEEP"
pdftotext "$W/a.pdf" "$W/a.txt"
tr -s ' \n' '  ' <"$W/a.txt" >"$W/a.flat"
for s in "COMSEC AUDIT REPORT" "custos.test/ledger" "$root" "4 findings" \
	"superseded keying material destroyed after its deadline" "(late_destruction)" \
	"incident reported after its deadline" "(late_incident)" \
	"item on hand receipt longer than the policy allows" "(hand_receipt_open)" \
	"entry $i_k1: $(leaf_at "$i_k1")" "entry $i_k3: $(leaf_at "$i_k3")" \
	"entry $i_inc: $(leaf_at "$i_inc")" "entry $i_last: $(leaf_at "$i_last")" \
	"entry $i_iss: $(leaf_at "$i_iss")" \
	"AKAT K1 serial K1 superseded" "destruction_deadline_hours 72" "hand_receipt_alarm_days 0" \
	"Oversight sample" "all (TS key)" "AKAT KT" "Auditor" "Ink signature and date" \
	"a checkpoint of size $n signed by the log key is stored"; do
	has 'PDF' "$W/a.flat" "$s"
done
for i in "$i_k1" "$i_k3" "$i_inc" "$i_last" "$i_iss"; do
	grep -qw -- "$i" "$W/a.flat" || { echo "FAIL: PDF lacks entry index $i"; fails=$((fails + 1)); }
done
has 'PDF: the hostile name escaped' "$W/a.flat" 'Evil \u202eREVO\u202c "q,uote" <b>\n'
lacks 'PDF: no raw bidi control' "$W/a.txt" $'\u202e'
# its QR code names the log judged: origin, size, root
pdftoppm -png -r 150 -f 1 -l 1 "$W/a.pdf" "$W/a-page"
want 'the QR code' "$(zbarimg -q --raw "$W"/a-page*.png)" "custos-log custos.test/ledger $n $root"
ok pdfinfo "$W/a.pdf"
grep -q "^Page size: *595" <<<"$LAST_OUT" || { echo "FAIL: the default paper is not A4"; fails=$((fails + 1)); }
ok asq dave report audit --format pdf --paper letter --out "$W/letter.pdf"
ok pdfinfo "$W/letter.pdf"
grep -q "^Page size: *612 x 792 pts" <<<"$LAST_OUT" || { echo "FAIL: --paper letter: $LAST_OUT"; fails=$((fails + 1)); }

# ---- --account: that account's findings and name only ----
expect_out "^audit report of 777777 \($n entries, 0 findings" \
	asq adm report audit --account 777777 --format json --out "$W/acc.json"
same_as_audit "$W/acc.json" --account 777777
want '--account: the account' "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["account"], [a["account"] for a in r["accounts"]])' "$W/acc.json")" "777777 ['777777']"
ok asq dave report audit --account 123456 --format json --out "$W/acc2.json"
same_as_audit "$W/acc2.json" --account 123456
expect_err 1 'no account 111111 in the log' asq dave report audit --account 111111 --format json --out "$W/none.json"
[ -e "$W/none.json" ] && { echo "FAIL: a file for an unknown account"; fails=$((fails + 1)); }

# ---- the access log records each export ----
want 'the export recorded' "$(q "SELECT count(*) FROM custos.access_event WHERE kind = 'export' AND login = 'dave'
	AND detail = 'report audit every-account --out $W/a.pdf'")" 1
want 'the --account export recorded' "$(q "SELECT count(*) FROM custos.access_event WHERE kind = 'export' AND login = 'adm'
	AND detail = 'report audit 777777 --out $W/acc.json'")" 1

# ---- refusals: a custodian as by custos audit; bad options; no file ----
e0=$(q "SELECT count(*) FROM custos.access_event WHERE kind = 'export'")
expect_err 1 "only an administrator or an auditor reads the whole log; 'alice' is neither" \
	asq alice report audit --format pdf --out "$W/alice.pdf"
[ -e "$W/alice.pdf" ] && { echo "FAIL: a file for a custodian"; fails=$((fails + 1)); }
expect_err 1 "only an administrator or an auditor reads the whole log" \
	asq carol report audit --account 123456 --format csv --out "$W/carol.csv"
[ -e "$W/carol.csv" ] && { echo "FAIL: a file for a holder"; fails=$((fails + 1)); }
want 'a refused report is no export' "$(q "SELECT count(*) FROM custos.access_event WHERE kind = 'export'")" "$e0"
expect_err 2 '--sample needs a number' asq dave report audit --sample x --format json --out "$W/x.json"
expect_err 2 '--sample needs a number' asq dave report audit --sample -1 --format json --out "$W/x.json"
expect_err 2 '--account needs a six-digit' asq dave report audit --account "12'4" --format json --out "$W/x.json"
expect_err 2 'unexpected argument' asq dave report audit 123456-2026-0001 --format json --out "$W/x.json"
expect_err 2 'missing --format' asq dave report audit --out "$W/x.json"
expect_err 2 '--paper is for --format pdf only' asq dave report audit --format csv --paper letter --out "$W/x.csv"
[ -e "$W/x.json" ] || [ -e "$W/x.csv" ] && { echo "FAIL: a file after a usage error"; fails=$((fails + 1)); }
expect_err 1 'exists' asq dave report audit --format json --out "$W/a.json"
same_as_audit "$W/a.json" --sample 2 # not overwritten
expect_out 'report audit' "$C" report --help
gapfree "after the audit reports"
finish
