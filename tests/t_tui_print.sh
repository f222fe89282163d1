#!/usr/bin/env bash
# TUI scenario: `P` writes the report of the transaction under the cursor
# (issue 12).  alice, on Transactions, prints a transfer: a material
# report in a new 0600 file of ~/custos-reports (made 0700), named for the
# transaction, that pdftotext reads back, recorded in the access log; again
# on the same line: the next free name (-2), the first file untouched; on a
# destroy: the destruction report; on an inventory: the inventory report.
# An auditor prints from the log.  On an incident report: the incident
# report.  On the log's genesis (no transaction) P says there is no report
# and writes nothing.
# From an item's history (Enter on Holdings) it prints the receipt.  A
# reports folder that cannot be made or written ($CUSTOS_REPORT_DIR) is
# said in words; the screen goes on, nothing is left behind, and custos
# quits cleanly (under the sanitizers: no leak from fontconfig, pango or
# cairo at exit).
: "${BUILD:=build}"
. "$(dirname "$0")/tui_lib.sh"
command -v pdftotext >/dev/null || { echo "t_tui_print: pdftotext is not installed (make deps)"; exit 77; }
tui_setup
ok as alice receive --account 123456 --from COR --item "serial=P1 class=C title=KG-175D" \
	--item "serial=P2 class=C title=KG-175D" --item "serial=P3 class=C title=KG-175D" \
	--item "serial=P4 class=C title=KG-175D"
RX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok as alice incident report --category physical --discovered "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)" \
	--serial P4 --text "missing at the shift check"
IX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok asw alice wendy destroy --serial P3 --method shred --authority "DIR-7"
DX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok asw alice wendy inventory --serial P1 --serial P2
VX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
ok as alice transfer --to 654321 --serial P2 --text "by courier"
TX=$(q "SELECT max(number) FROM custos.txn WHERE account = '123456'")
R=$W/custos-reports # HOME is $W: the message line says ~/custos-reports

fail() { echo "FAIL${TUI_STEP:+ [$TUI_STEP]}: $*"; fails=$((fails + 1)); }
mode_is() { [ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ] || fail "$1: mode $(stat -c %a "$1" 2>&1), not $2"; }
pdf_has() { # FILE TEXT...: pdftotext of FILE holds every TEXT
	local f=$1 t; shift
	t=$(pdftotext -layout "$f" - 2>/dev/null) || { fail "$f: not a PDF pdftotext reads"; return; }
	for s in "$@"; do grep -qF -- "$s" <<<"$t" || fail "$f: no '$s' in its text"; done
}
exports() { q "SELECT count(*) FROM custos.access_event WHERE kind = 'export'"; }
nfiles() { find "$R" -type f 2>/dev/null | wc -l; }

step "P on the transfer, on Transactions"
tui_login alice
tui_keys 3
wait_for "Transactions of 123456"
wait_line "$TX" "transfer"
[ -e "$R" ] && fail "the reports folder exists before any P"
tui_keys P
wait_for "material report of $TX written to ~/custos-reports/$TX-material.pdf"
[ -f "$R/$TX-material.pdf" ] || fail "no $R/$TX-material.pdf"
mode_is "$R" 700
mode_is "$R/$TX-material.pdf" 600
pdf_has "$R/$TX-material.pdf" "COMSEC MATERIAL REPORT" "$TX" transfer 654321 P2 "by courier"
[ "$(q "SELECT count(*) FROM custos.access_event WHERE kind = 'export' AND login = 'alice'
	AND detail = 'report material $TX --out $R/$TX-material.pdf'")" = 1 ] ||
	fail "the access log lacks the export: $(q "SELECT detail FROM custos.access_event WHERE kind = 'export'")"

step "the help screen and the bar name P"
assert_screen "P Print"
tui_keys '?'
wait_line " P " "Print" "write the report of the transaction under the cursor as PDF (CUSTOS_PAPER: a4 or letter)"
tui_keys q
wait_for "Transactions of 123456"

step "P again on the same line: a new file, -2; the first untouched"
sum1=$(sha256sum <"$R/$TX-material.pdf")
touch -d '2020-01-01' "$R/$TX-material.pdf"
tui_keys P
wait_for "material report of $TX written to ~/custos-reports/$TX-material-2.pdf"
mode_is "$R/$TX-material-2.pdf" 600
pdf_has "$R/$TX-material-2.pdf" "$TX"
[ "$(sha256sum <"$R/$TX-material.pdf")" = "$sum1" ] || fail "the first file was changed"
[ "$(stat -c %Y "$R/$TX-material.pdf")" = "$(date -d 2020-01-01 +%s)" ] || fail "the first file was written again"
[ "$(nfiles)" = 2 ] || fail "$(nfiles) files in the reports folder, not 2"

step "a symbolic link in the way is not followed: the next name"
ln -s /etc/passwd-custos-never "$R/$TX-material-3.pdf"
tui_keys P
wait_for "material report of $TX written to ~/custos-reports/$TX-material-4.pdf"
[ -e /etc/passwd-custos-never ] && fail "a report was written through a symbolic link"
[ -L "$R/$TX-material-3.pdf" ] || fail "the symbolic link was replaced"

step "P on the inventory: the inventory report"
tui_keys j
sleep 0.3
tui_keys P
wait_for "inventory report of $VX written to ~/custos-reports/$VX-inventory.pdf"
mode_is "$R/$VX-inventory.pdf" 600
pdf_has "$R/$VX-inventory.pdf" "$VX" "INVENTORIED" P1 P2

step "P on the destroy: the destruction report"
tui_keys j
sleep 0.3
tui_keys P
wait_for "destruction report of $DX written to ~/custos-reports/$DX-destruction.pdf"
mode_is "$R/$DX-destruction.pdf" 600
pdf_has "$R/$DX-destruction.pdf" "$DX" "DESTROYED" "shred" "DIR-7" wendy

step "P on the incident report: the incident report"
tui_keys j
sleep 0.3
tui_keys P
wait_for "incident report of $IX written to ~/custos-reports/$IX-incident.pdf"
mode_is "$R/$IX-incident.pdf" 600
pdf_has "$R/$IX-incident.pdf" "$IX" "missing at the shift check"
n0=$(nfiles); e0=$(exports)

step "on the log: the genesis names no transaction"
tui_keys 5
wait_for "newest first"
tui_keys G
wait_line "genesis"
tui_keys P
wait_for "no report here: the line under the cursor names no transaction"
[ "$(nfiles)" = "$n0" ] || fail "a file was written for the genesis"
step "on the log: the newest entry is the transfer"
tui_keys g
sleep 0.3
tui_keys P
wait_for "material report of $TX written to ~/custos-reports/$TX-material-5.pdf"

step "from an item's history: the receipt"
tui_find P1
tui_keys Enter
wait_for "History: "
tui_keys P
wait_for "material report of $RX written to ~/custos-reports/$RX-material.pdf"
pdf_has "$R/$RX-material.pdf" "$RX" "RECEIVED" P1 P2 P3 P4
step "an entry's note names no transaction here: said, nothing written"
tui_keys 5
wait_for "newest first"
tui_keys Enter
wait_for "the signed note exactly as stored"
n0=$(nfiles)
tui_keys P
wait_for "no report here: the line under the cursor names no transaction"
[ "$(nfiles)" = "$n0" ] || fail "a file was written from a note"
tui_quit

step "an auditor prints from the log"
tui_start dave --no-key
wait_for "read only (--no-key)" 30
tui_keys 5
wait_line "$TX" "transfer"
tui_keys P
wait_for "material report of $TX written to ~/custos-reports/$TX-material-6.pdf"
[ "$(q "SELECT count(*) FROM custos.access_event WHERE kind = 'export' AND login = 'dave'
	AND detail = 'report material $TX --out $R/$TX-material-6.pdf'")" = 1 ] ||
	fail "the access log lacks dave's export"
tui_quit

step "a reports folder that cannot be made: said, the screen goes on"
: >"$W/plainfile"
e0=$(exports)
TUI_ENV=(CUSTOS_REPORT_DIR="$W/plainfile/reports")
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_keys P
wait_for "no report written: cannot make the reports folder $W/plainfile/reports: Not a directory"
assert_screen "Transactions of 123456"
step "a reports folder that is a file"
TUI_ENV=(CUSTOS_REPORT_DIR="$W/plainfile")
tui_quit
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_keys P
wait_for "no report written: the reports folder $W/plainfile is not a folder"
[ -s "$W/plainfile" ] && fail "the file in place of the folder was written"
tui_quit

step "a reports folder where no file can be made"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere a mode allows nothing: /proc refuses every new file
	RO=/proc
else
	RO=$W/readonly; mkdir -m 500 "$RO"
fi
TUI_ENV=(CUSTOS_REPORT_DIR="$RO")
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_keys P
wait_for "no material report of $TX written: cannot create $RO/"
assert_screen "Transactions of 123456"
[ -e "$RO/$TX-material.pdf" ] && fail "a file was left in $RO"
[ "$(exports)" = "$e0" ] || fail "a failed report was recorded as an export"
step "hostile folder name: shown escaped, the file made"
TUI_ENV=(CUSTOS_REPORT_DIR="$W/r"$'\e[2J\u202e'"x")
tui_quit
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_keys P
# ESC and U+202E each show as U+FFFD (docs/tui.md, Conventions)
wait_for "material report of $TX written to ~/r"$'\xef\xbf\xbd'"[2J"$'\xef\xbf\xbd'"x/$TX-material.pdf"
assert_screen "Transactions of 123456"
[ -f "$W/r"$'\e[2J\u202e'"x/$TX-material.pdf" ] || fail "no report in the folder of the hostile name"
tui_quit
TUI_ENV=()

command -v pdfinfo >/dev/null || { echo "t_tui_print: pdfinfo is not installed (make deps)"; exit 77; }
page_size() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Page size: *\([0-9.]* x [0-9.]* pts\).*/\1/p'; }
step "the default paper is A4, and the message line says so"
page_size "$R/$TX-material.pdf" | grep -q '^595.* x 841.* pts$' || fail "the default is not A4: $(page_size "$R/$TX-material.pdf")"
step "CUSTOS_PAPER=letter: US Letter, said on the message line"
TUI_ENV=(CUSTOS_PAPER=letter)
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_keys P
wait_for "material report of $TX written to ~/custos-reports/$TX-material-7.pdf, PDF, US Letter"
[ "$(page_size "$R/$TX-material-7.pdf")" = "612 x 792 pts" ] ||
	fail "CUSTOS_PAPER=letter gave $(page_size "$R/$TX-material-7.pdf")"
pdf_has "$R/$TX-material-7.pdf" "COMSEC MATERIAL REPORT" "$TX"
tui_quit
step "CUSTOS_PAPER=a4: A4"
TUI_ENV=(CUSTOS_PAPER=a4)
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_keys P
wait_for "$TX-material-8.pdf, PDF, A4"
page_size "$R/$TX-material-8.pdf" | grep -q '^595.* x 841.* pts$' || fail "CUSTOS_PAPER=a4 gave $(page_size "$R/$TX-material-8.pdf")"
tui_quit
step "a bad CUSTOS_PAPER: said once in words, A4 used"
TUI_ENV=(CUSTOS_PAPER=b5)
tui_login alice
tui_keys 3
wait_line "$TX" "transfer"
tui_resize 200 40 # the whole message line
tui_keys P
wait_for "$TX-material-9.pdf, PDF, A4 (CUSTOS_PAPER \"b5\" is not a4 or letter)"
page_size "$R/$TX-material-9.pdf" | grep -q '^595.* x 841.* pts$' || fail "a bad CUSTOS_PAPER gave $(page_size "$R/$TX-material-9.pdf")"
tui_keys P
wait_for "$TX-material-10.pdf, PDF, A4"
assert_not_screen "is not a4 or letter"
tui_quit
TUI_ENV=()

gapfree "after printing"
finish
