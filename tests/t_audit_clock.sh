#!/usr/bin/env bash
# Audit findings that need time to pass (docs/audit.md): an account whose
# last complete inventory is older than the policy's interval, and a hand
# receipt open longer than policy.  The history is made on the test server
# with its clock set 400 days back (libfaketime, Debian package faketime,
# preloaded into the server alone: every entry's time is the server's),
# then the server runs on the real clock and the log goes on.  Live
# `custos audit` and offline `custos-verify --audit` print the same bytes;
# an account inventoried today has no such finding (so the test can fail
# both ways).
. "$(dirname "$0")/ledger_lib.sh"

FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || { echo "FAIL: libfaketime is missing (make deps installs faketime)"; exit 1; }
# restart_at OFFSET: the test server restarted with its clock OFFSET
# ("-400d") from the real one, or on the real clock with "".
restart_at() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
	local envs=()
	[ -n "$1" ] && envs=(env LD_PRELOAD="$FAKETIME_LIB" FAKETIME="$1" FAKETIME_NO_CACHE=1)
	pg_as "${envs[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -c port=$PGPORT -c fsync=off -c max_connections=200" \
		start >/dev/null || { echo "FAIL: the server did not start (clock $1)"; tail -5 "$PG_DIR/server.log"; exit 1; }
}
restart_at -400d
then=$(q "SELECT now()::date")
[ "$then" = "$(date -u -d '-400 days' +%F)" ] || { echo "FAIL: the server's clock is $then, not 400 days back"; exit 1; }

ORIGIN=custos.test/ledger
setup_ledger
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=E1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=E2 title=KG-175D'
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B1 title=KG-175D'
# 400 days ago: both accounts complete an inventory, alice issues E2 on hand receipt
expect_out '^complete inventory' asw alice wendy inventory --serial E1 --serial E2
i_inv=$(q "SELECT max(idx) FROM custos.log_entry")
ok asw alice carol issue --holder carol --serial E2
i_hr=$(q "SELECT max(idx) FROM custos.log_entry")

# on the day itself nothing is late
expect_out '^audit: [0-9]+ entries, 0 finding\(s\)$' asq dave audit

restart_at ""
[ "$(q "SELECT now()::date")" = "$(date -u +%F)" ] || { echo "FAIL: the server is not back on the real clock"; exit 1; }
# today: alice's account only spot-checked (the clock stays); bob's was
# never inventoried since it opened
expect_out '^spot check' asw alice wendy inventory --serial E1
last=$(q "SELECT max(idx) FROM custos.log_entry")
i_open=$(q "SELECT idx FROM custos.log_entry WHERE action = 'account-open' AND account = '654321'")

LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" "$ORIGIN" "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK"
ok env PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
ok asq dave log export --out "$W/b"
asq adm log policy >"$W/policy"
ok asq dave audit
printf '%s\n' "$LAST_OUT" >"$W/live"
want=$(printf '%s\n' "audit: $((last + 1)) entries, 3 finding(s)" \
	"inventory_overdue entry $last since $i_inv: account 123456: no complete inventory since $(date -u -d '-400 days' +%F)" \
	"inventory_overdue entry $last since $i_open: account 654321: no complete inventory since $(date -u -d '-400 days' +%F)" \
	"hand_receipt_open entry $last since $i_hr: KG-175D serial E2 issued and still open after 400 days, policy 90 days")
[ "$(wc -l <"$W/live")" = 4 ] || { echo "FAIL: not 3 findings"; fails=$((fails + 1)); }
k=0
while IFS= read -r w; do
	k=$((k + 1))
	sed -n "${k}p" "$W/live" | grep -qF -- "$w" ||
		{ echo "FAIL: finding $k: want '$w', got '$(sed -n "${k}p" "$W/live")'"; fails=$((fails + 1)); }
done <<<"$want"
for args in "" "--json" "--sample 1"; do
	# shellcheck disable=SC2086
	asq dave audit $args >"$W/l.out"
	# shellcheck disable=SC2086
	"$CV" --policy "$W/policy" --audit $args "$W/b" >"$W/o.out" || { echo "FAIL: custos-verify --audit $args"; fails=$((fails + 1)); }
	cmp -s "$W/l.out" "$W/o.out" || { echo "FAIL: live and offline differ ($args)"; diff "$W/l.out" "$W/o.out" | head; fails=$((fails + 1)); }
done
finish
