#!/usr/bin/env bash
# Audit findings on a crafted history on a real server: `custos audit`
# (live, from the database) and `custos-verify --audit` (offline, from the
# bundle of `custos log export`) print the same bytes, text and --json; the
# oversight sample is the same from both.  A clean history has no findings,
# the crafted one exactly the ones planted (so the test fails both ways).
. "$(dirname "$0")/ledger_lib.sh"

ORIGIN=custos.test/ledger
setup_ledger
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" "$ORIGIN" "$W/log.key") || exit 1
expect_out 'log key registered' asq adm log key set "$LOGVK"
# bundle DIR: a checkpoint of the log as it stands, then the bundle.
bundle() {
	PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS" >/dev/null ||
		{ echo "FAIL: checkpoint"; fails=$((fails + 1)); }
	ok asq dave log export --out "$W/$1"
}
# same NAME ARGS...: custos audit ARGS (live) and custos-verify --audit
# ARGS on bundle NAME print the same bytes.
same() {
	local b=$1; shift
	asq dave audit "$@" >"$W/live.out" 2>"$W/live.err" || { echo "FAIL: custos audit $*: $(cat "$W/live.err")"; fails=$((fails + 1)); }
	"$CV" --policy "$W/policy0" --audit "$@" "$W/$b" >"$W/off.out" 2>"$W/off.err" ||
		{ echo "FAIL: custos-verify --audit $*: $(cat "$W/off.err")"; fails=$((fails + 1)); }
	diff "$W/live.out" "$W/off.out" >/dev/null ||
		{ echo "FAIL: live and offline differ ($*):"; diff "$W/live.out" "$W/off.out" | head; fails=$((fails + 1)); }
}
asq adm log policy >"$W/policy0"

# ---- a clean history: no findings, live and offline ----
bundle b0
n=$(q "SELECT size FROM custos.log_head")
expect_out "^audit: $n entries, 0 finding\(s\)$" asq dave audit
same b0
same b0 --json
printf '%s' "$(cat "$W/live.out")" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["findings"] == [], d' ||
	{ echo "FAIL: --json findings of a clean log"; fails=$((fails + 1)); }

# ---- the crafted history ----
day() { date -u -d "$1" +%F; }
key() { # SERIAL CLASS SUPERSEDES
	printf 'kind=key alc=7 class=%s crypto=yes serial=%s effective=2020-01-01 supersedes=%s title=AKAT %s' \
		"$2" "$1" "$3" "$1"
}
ok as alice receive --from COR --item "$(key K1 C "$(day '-1 day')")" \
	--item "$(key K2 C "$(day '-1 day')")" --item "$(key K3 C "$(day '-5 days')")" \
	--item 'kind=equipment alc=1 class=C serial=E1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=E2 title=KG-175D' \
	--item 'kind=equipment alc=1 class=S serial=E3 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=E4 title=KG-175D'
ok asw alice wendy receive --from COR --item "$(key KT TS 2099-12-31)"
# under the 12 h default: K1, superseded since yesterday 00:00, is late
ok asw alice wendy destroy --serial K1 --method shred --authority DIR-7
i_k1=$(q "SELECT max(idx) FROM custos.log_entry")
ok asw adm erin policy set destruction_deadline_hours=72
# under 72 h: K2 (superseded 24 to 48 h ago) is on time, K3 (5 days) late
ok asw alice wendy destroy --serial K2 --method shred --authority DIR-7
ok asw alice wendy destroy --serial K3 --method shred --authority DIR-7
i_k3=$(q "SELECT max(idx) FROM custos.log_entry")
# an incident discovered 2 days ago is late (24 h); one of an hour ago not
ok as alice incident report --category physical --discovered "$(date -u -d '-50 hours' +%Y-%m-%dT%H:%MZ)" \
	--serial E1 --text "late"
i_inc=$(q "SELECT max(idx) FROM custos.log_entry")
ok as alice incident report --category physical --discovered "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)" \
	--serial E2 --text "on time"
bundle b1
n=$(q "SELECT size FROM custos.log_head")
ok asq dave audit
printf '%s\n' "$LAST_OUT" >"$W/got"
want=$(printf '%s\n' "audit: $n entries, 3 finding(s)" \
	"late_destruction entry $i_k1: AKAT K1 serial K1 superseded" \
	"late_destruction entry $i_k3: AKAT K3 serial K3 superseded" \
	"late_incident entry $i_inc: incident ")
lines=$(wc -l <"$W/got")
[ "$lines" = 4 ] || { echo "FAIL: findings: $(cat "$W/got")"; fails=$((fails + 1)); }
k=0
while IFS= read -r w; do
	k=$((k + 1))
	sed -n "${k}p" "$W/got" | grep -qF -- "$w" ||
		{ echo "FAIL: finding $k: want '$w', got '$(sed -n "${k}p" "$W/got")'"; fails=$((fails + 1)); }
done <<<"$want"
grep -q "K1 .* h after its deadline of 12 h" "$W/got" || { echo "FAIL: K1 judged by 12 h"; fails=$((fails + 1)); }
grep -q "K3 .* h after its deadline of 72 h" "$W/got" || { echo "FAIL: K3 judged by 72 h"; fails=$((fails + 1)); }
same b1
same b1 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [f["code"] for f in d["findings"]] == ["late_destruction","late_destruction","late_incident"], d; assert d["findings"][0]["account"] == "123456"' "$W/live.out" ||
	{ echo "FAIL: --json findings"; fails=$((fails + 1)); }
# --account: another account's findings are none of its business
expect_out "^audit: $n entries, 0 finding\(s\)$" asq dave audit --account 654321

# ---- the sample: after the findings, the same from database and bundle ----
same b1 --sample 2
grep -q '^late_incident' "$W/live.out" || { echo "FAIL: --sample dropped the findings"; fails=$((fails + 1)); }
grep -q '^sample: 3 item(s)$' "$W/live.out" || { echo "FAIL: sample size: $(cat "$W/live.out")"; fails=$((fails + 1)); }
grep -q '^all 123456 AKAT KT serial KT TS$' "$W/live.out" ||
	{ echo "FAIL: the TS key is not in the 100% sighting: $(cat "$W/live.out")"; fails=$((fails + 1)); }
same b1 --sample 2 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["findings"]) == 3 and len(d["sample"]) == 3, d' "$W/live.out" ||
	{ echo "FAIL: --sample --json"; fails=$((fails + 1)); }
same b1 --sample 0

# ---- refusals ----
expect_err 2 'sample needs a number' "$CV" --policy "$W/policy0" --audit --sample -1 "$W/b1"
expect_err 2 '--sample needs a number' asq dave audit --sample x
expect_err 2 '--account needs a six-digit' asq dave audit --account "12'4"
expect_err 1 'only an administrator or an auditor reads the whole log' asq carol audit
finish
