#!/usr/bin/env bash
# The COMSEC Material Report (docs/reports.md): made from the signed log
# entries of a real ledger (a transfer of several items, its accept, a
# destruction with its witness), as PDF (every block in pdftotext, A4 and
# Letter), CSV (RFC 4180, parsed back) and JSON (valid, with the values);
# hostile names and remarks shown escaped; unknown or wrong transactions
# refused with no file written.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
want() { # WHAT GOT EXPECTED
	[ "$2" = "$3" ] || { echo "FAIL: $1: '$2', expected '$3'"; fails=$((fails + 1)); }
}
has() { # WHAT FILE FIXED-STRING
	grep -qF -- "$3" "$2" || { echo "FAIL: $1: $2 lacks '$3'"; fails=$((fails + 1)); }
}
lacks() { # WHAT FILE FIXED-STRING
	! grep -qF -- "$3" "$2" || { echo "FAIL: $1: $2 has '$3'"; fails=$((fails + 1)); }
}

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
pdftotext -layout "$W/tx.pdf" "$W/tx.txt"
cat "$W/tx.txt"
cp "$W/tx.pdf" /tmp/report-tx.pdf; finish
