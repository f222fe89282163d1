#!/usr/bin/env bash
# The inventory report (docs/reports.md): one inventory entry's count in
# the words custos printed when it was signed (complete inventory N of N
# held, or spot check L of N held; ledger_inventory_words), the items
# sighted, both signatures, and the correction page: the items the
# account's entries brought on and took off since the previous complete
# inventory; as PDF, CSV (parsed back) and JSON (valid, with the values);
# hostile text escaped; other kinds of entry and unseen ones refused, no file.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
last_txn() { q "SELECT max(number) FROM custos.txn WHERE account = '123456'"; }
idx_of() { q "SELECT idx FROM custos.log_entry WHERE txn = '$1'"; }

ok as adm person details wendy --rank 'WO' --position 'Witness officer'
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG3 title=KG-175D' \
	--item 'kind=publication alc=2 class=U qty=40 edition=7 title=KAO 12'
RX=$(last_txn)
ok asw alice carol issue --holder carol --serial KG3
ok as alice transfer --to COR --serial KG2
TX=$(last_txn)
# A: complete (the issued one and the lot included; the one in transit not)
ok asw alice wendy inventory --serial KG1 --serial KG3 --item 'edition=7 title=KAO 12' --text $'semi-annual \u202eevil\u202c\x07'
WA=$LAST_OUT
IA=$(last_txn)
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG4 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG5 title=KG-175D'
RY=$(last_txn)
ok asw alice wendy destroy --serial KG1 --method burn --authority DIR-9
DX=$(last_txn)
ok asw alice carol issue --holder carol --item 'edition=7 qty=5 title=KAO 12'
PART="+$(idx_of "$(last_txn)")"
# B: a spot check of one of the five held (KG3, KG4, KG5, the lot, its part)
ok asw alice wendy inventory --serial KG4
WB=$LAST_OUT
IB=$(last_txn)

# ---- the complete one, as JSON: custos's words, and the page since opening ----
ok asq alice report inventory "$IA" --format json --out "$W/a.json"
ok python3 -m json.tool "$W/a.json"
want 'complete JSON' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); i = r["inventory"]
print(r["type"], r["action"], r["from"]["account"], i["complete"], i["listed"], i["held"], i["previous_complete"])
print(i["words"])
print(" ".join("%s/%s/%s" % (c["serial"] or c["short_title"], c["action"], c["txn"]) for c in i["additions"]))
print(" ".join("%s/%s/%s" % (c["serial"], c["action"], c["txn"]) for c in i["deletions"]))
print([s["name"] for s in r["signatures"]], r["signatures"][1]["capacity"], r["signatures"][1]["rank"], len(r["items"]))' "$W/a.json")" \
"inventory inventory 123456 True 3 3 None
complete inventory (3 of 3 held): the inventory clock restarts
KG1/receipt/$RX KG2/receipt/$RX KG3/receipt/$RX KAO 12/receipt/$RX
KG2/transfer/$TX
['alice', 'wendy'] witness WO 3"
printf '%s\n' "$WA" | grep -qxF 'complete inventory (3 of 3 held): the inventory clock restarts' ||
	{ echo "FAIL: custos printed other words when it was signed: $WA"; fails=$((fails + 1)); }

# ---- the spot check: the words custos printed, the page since A ----
ok asq alice report inventory "$IB" --format json --out "$W/b.json"
ok python3 -m json.tool "$W/b.json"
WORDS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inventory"]["words"])' "$W/b.json")
want 'the spot check in the words custos printed' "$WORDS" 'spot check (1 of 5 held): the inventory clock is not reset'
printf '%s\n' "$WB" | grep -qxF "$WORDS" || { echo "FAIL: the report says '$WORDS', custos said: $WB"; fails=$((fails + 1)); }
want 'spot check JSON' "$(python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["inventory"]
print(i["complete"], i["listed"], i["held"], i["previous_complete"]["txn"], i["previous_complete"]["index"])
print(" ".join("%s/%s" % (c["serial"], c["txn"]) for c in i["additions"]), "|", " ".join("%s/%s/%s" % (c["serial"], c["action"], c["index"]) for c in i["deletions"]))' "$W/b.json")" \
"False 1 5 $IA $(idx_of "$IA")
KG4/$RY KG5/$RY | KG1/destroy/$(idx_of "$DX")"

# ---- CSV: the items, then the correction page ----
ok asq alice report inventory "$IB" --format csv --out "$W/b.csv"
want 'inventory CSV' "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows), rows[1][1], rows[1][9], rows[2], "|".join(rows[3][:6]))
for r in rows[4:]: print(r[0], r[1], r[2], r[3], r[5], r[9])' "$W/b.csv")" \
"7 inventory KG4 [] transaction|section|by_txn|by_action|by_date|by_index
$IB addition $RY receipt $(idx_of "$RY") KG4
$IB addition $RY receipt $(idx_of "$RY") KG5
$IB deletion $DX destroy $(idx_of "$DX") KG1"

# ---- PDF ----
ok asq alice report inventory "$IA" --format pdf --out "$W/a.pdf"
pdftotext -layout "$W/a.pdf" "$W/a.txt"
for s in 'COMSEC MATERIAL REPORT' inventory 'INVENTORIED.' \
	'Count: complete inventory (3 of 3 held): the inventory clock restarts.' \
	'Correction page: additions and deletions' 'No complete inventory of the account comes before' \
	'Additions (4)' 'Deletions (1)' "transfer $TX" "receipt $RX" KG-175D 'KAO 12 ed. 7' \
	Custodian alice Witness wendy 'Witness officer' 'semi-annual \u202eevil\u202c\x07' \
	"Entry index: $(idx_of "$IA")"; do
	has 'complete PDF' "$W/a.txt" "$s"
done
lacks 'no raw bidi control' "$W/a.txt" $'\u202e'
ok asq alice report inventory "$IB" --format pdf --out "$W/b.pdf"
pdftotext -layout "$W/b.pdf" "$W/b.txt"
for s in 'Count: spot check (1 of 5 held): the inventory clock is not reset.' \
	"Since the previous complete inventory, $IA" 'Additions (2)' 'Deletions (1)' "destroy $DX" KG5; do
	has 'spot check PDF' "$W/b.txt" "$s"
done

# ---- refused: a clear error, no file ----
expect_err 1 "$TX is a transfer, not an inventory" asq alice report inventory "$TX" --format pdf --out "$W/no1.pdf"
expect_err 1 'no transaction 123456-2026-0999' asq alice report inventory 123456-2026-0999 --format json --out "$W/no2.json"
expect_err 1 "no transaction $IA in the log" asq bob report inventory "$IA" --format csv --out "$W/no3.csv"
expect_err 2 'missing operand' asq alice report inventory --format csv --out "$W/no4.csv"
expect_err 2 "unknown option '--account'" asq alice report inventory "$IA" --account 123456 --format csv --out "$W/no5.csv"
for f in no1.pdf no2.json no3.csv no4.csv no5.csv; do
	[ ! -e "$W/$f" ] || { echo "FAIL: a refused report left $f"; fails=$((fails + 1)); }
done
# the auditor reads it, with the same count
ok asq dave report inventory "$IB" --format json --out "$W/dave.json"
want 'the auditor sees the same count' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inventory"]["words"])' "$W/dave.json")" "$WORDS"
# ---- a change of custodian is the joint inventory: complete, both custodians ----
mkkey gus >"$W/gus.vkey" || exit 1
ok asw adm gus person add gus --role alternate --account 123456 --pubkey "$(cat "$W/gus.vkey")"
ok asw alice gus custodian change --incoming gus --serial KG3 --serial KG4 --serial KG5 \
	--item 'edition=7 title=KAO 12' --item "edition=7 serial=$PART title=KAO 12"
CX=$(last_txn)
ok asq gus report inventory "$CX" --format json --out "$W/c.json"
want 'custodian change JSON' "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); i = r["inventory"]
print(r["action"], i["words"], i["previous_complete"]["txn"], [s["capacity"] for s in r["signatures"]], [c["serial"] for c in i["additions"]], [c["serial"] for c in i["deletions"]])' "$W/c.json")" \
"custodian-change complete inventory (5 of 5 held): the inventory clock restarts $IA ['custodian', 'incoming custodian'] ['KG4', 'KG5'] ['KG1']"
# (custos prints no count for a handover; the server restarted the clock)
want 'the server restarted the clock at the handover' \
	"$(q "SELECT a.last_inventory = l.time FROM custos.account a, custos.log_entry l WHERE a.number = '123456' AND l.txn = '$CX'")" t
ok asq dave log verify
[ -n "${REPORT_KEEP:-}" ] && cp "$W/a.pdf" "$W/b.pdf" "$REPORT_KEEP"/
finish
