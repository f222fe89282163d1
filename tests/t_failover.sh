#!/usr/bin/env bash
# Failover with zero loss on PostgreSQL streaming replication (issue 13).
# A primary and a synchronous standby (tests/ha_lib.sh), reached over TCP
# with TLS (sslmode=verify-full, a throwaway CA, client certificates) by a
# multi-host conninfo with target_session_attrs=read-write.  Checks:
#   - TLS: custos shows the server's certificate and TLS version; a server
#     certificate from another CA, or for another host, is refused in words
#   - a commit whose wait for the standby is cut short (pg_cancel_backend,
#     pg_terminate_backend) exits 3 with "outcome unknown, retry with
#     --idempotency-key K"; the retry says "already recorded" only once
#     the standby has the entry (while it cannot, it too is unknown)
#   - a server that is a standby: retried, then refused in words
#   - an auditor on the hot standby reads, verifies and exports, and is
#     told the bundle stops at the primary's last checkpoint
#   - several clients under load while the primary is killed (SIGKILL) and
#     the standby promoted, HA_FAILOVERS times (default 2; `make check-ha`
#     runs more): every acknowledged action is in the log once, every
#     action is in it at most once, no gaps, `log verify` valid, and no
#     failure but an announced outcome-unknown that the retry resolved.
. "$(dirname "$0")/ledger_lib.sh"
. "$ROOT/tests/ha_lib.sh"
FAILOVERS=${HA_FAILOVERS:-2}
CLIENTS=3
ha_start || exit 1
trap 'ha_stop; cleanup' EXIT
export PGHOST=$HA_DIR PGPORT=${HA_PORT[0]}
setup_ledger
mkkey frank >"$W/frank.vkey" || exit 1
ok as adm account add 222222 --name "Third account" || exit 1
ok asw adm frank person add frank --role custodian --account 222222 --pubkey "$(cat "$W/frank.vkey")" || exit 1
CI=$(ha_conninfo "dbname=$PGDATABASE")
item() { printf 'kind=equipment alc=4 class=U serial=%s title=HA' "$1"; }
# custos as NAME over TLS to whichever node is primary.
ha() { local who=$1; shift; as "$who" "$@" --db "$CI"; }

# --- TLS --------------------------------------------------------------------
expect_out 'TLS TLSv1\.[23] .*server certificate CN=localhost, verified for host localhost' \
	asq alice db status --db "$CI"
expect_out '\(primary\)' asq alice db status --db "$CI"
expect_err 1 'certificate verify failed' asq alice db status \
	--db "$(ha_conninfo "dbname=$PGDATABASE" | sed "s|tls/ca.crt|tls/other.crt|")"
expect_err 1 'does not match host name "127\.0\.0\.1"' asq alice db status \
	--db "$(ha_conninfo "dbname=$PGDATABASE" | sed 's|host=localhost,localhost|host=127.0.0.1,127.0.0.1|')"
# Without a client certificate the server refuses TCP (pg_hba clientcert).
expect_err 1 'certificate' asq alice db status \
	--db "$(ha_conninfo "dbname=$PGDATABASE" | sed 's|sslcert=[^ ]*||; s|sslkey=[^ ]*||') sslcert=/nonexistent sslkey=/nonexistent"

# --- a commit's wait for the standby cut short --------------------------------
sync_names() { ha_psql "$HA_PRIMARY" "ALTER SYSTEM SET synchronous_standby_names = '$1'" &&
	ha_psql "$HA_PRIMARY" "SELECT pg_reload_conf()" >/dev/null; sleep 0.3; }
# Run custos in the background while no standby can confirm, then do $1 to
# the backend waiting for it; the exit status and output land in $W/cut.*.
cut_short() {
	local how=$1; shift
	sync_names nobody
	( "$@" >"$W/cut.out" 2>&1; echo $? >"$W/cut.rc" ) &
	local p=$! t=0
	until [ "$(ha_psql "$HA_PRIMARY" "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")" = 1 ]; do
		t=$((t + 1)); [ $t -gt 100 ] && { echo "FAIL: no commit waits for the standby"; fails=$((fails + 1)); break; }
		sleep 0.1
	done
	ha_psql "$HA_PRIMARY" "SELECT $how(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'" >/dev/null
	wait $p
	sync_names '*'
	LAST_OUT=$(cat "$W/cut.out")
}
expect_unknown() { # what key
	local what=$1 key=$2
	if [ "$(cat "$W/cut.rc")" != 3 ] ||
	   ! grep -q -- "outcome unknown, retry with --idempotency-key $key\$" <<<"$LAST_OUT"; then
		echo "FAIL ($what): wanted exit 3 and the key, got exit $(cat "$W/cut.rc"):"
		sed 's/^/    /' <<<"$LAST_OUT"; fails=$((fails + 1))
	fi
}
cut_short pg_cancel_backend ha alice possession --item "$(item CUT1)" --idempotency-key cut-1
expect_unknown "cancelled wait" cut-1
grep -q 'SQLSTATE 01000' <<<"$LAST_OUT" || { echo "FAIL: the cancel's SQLSTATE is not named"; fails=$((fails + 1)); }
cut_short pg_terminate_backend ha alice possession --item "$(item CUT2)" --idempotency-key cut-2
expect_unknown "terminated wait" cut-2
# A generated key is printed, and it is the one to retry with.
cut_short pg_cancel_backend ha alice possession --item "$(item CUT3)"
key3=$(sed -n 's/.*retry with --idempotency-key \([0-9a-f]*\)$/\1/p' <<<"$LAST_OUT")
[ -n "$key3" ] && expect_unknown "generated key" "$key3"
[ -n "$key3" ] || { echo "FAIL: no generated key printed: $LAST_OUT"; fails=$((fails + 1)); }
# The retry finds the entry, but while no standby confirms it is still unknown...
cut_short pg_cancel_backend ha alice possession --item "$(item CUT1)" --idempotency-key cut-1
expect_unknown "retry before the standby has it" cut-1
# ... and once the standby confirms, it is recorded, once.
expect_out '^already recorded: possession' ha alice possession --item "$(item CUT1)" --idempotency-key cut-1
expect_out '^already recorded: possession' ha alice possession --item "$(item CUT2)" --idempotency-key cut-2
expect_out '^already recorded: possession' ha alice possession --item "$(item CUT3)" --idempotency-key "$key3"
[ "$(q "SELECT count(*) FROM custos.item WHERE serial LIKE 'CUT%'")" = 3 ] ||
	{ echo "FAIL: the cut-short actions are not each recorded once"; fails=$((fails + 1)); }
# JSON says so too.
cut_short pg_cancel_backend ha alice possession --item "$(item CUT4)" --idempotency-key cut-4 --json
grep -q '"outcome":"unknown","idempotency_key":"cut-4"' <<<"$LAST_OUT" ||
	{ echo "FAIL: --json lacks the unknown outcome: $LAST_OUT"; fails=$((fails + 1)); }
ok ha alice possession --item "$(item CUT4)" --idempotency-key cut-4
# A registry action commits outside a pipeline: judged the same way.
cut_short pg_cancel_backend ha adm account add 444444 --name "Cut short" --idempotency-key cut-acct
expect_unknown "registry action" cut-acct
expect_out '^already recorded: account add' ha adm account add 444444 --name "Cut short" --idempotency-key cut-acct

# --- a standby is not a primary -------------------------------------------------
SB=$((1 - HA_PRIMARY))
ONE="host=localhost port=${HA_PORT[$SB]} sslmode=verify-full sslrootcert=$HA_DIR/tls/ca.crt sslcert=$HA_DIR/tls/client.crt sslkey=$HA_DIR/tls/client.key dbname=$PGDATABASE"
expect_err 1 'read-only standby.*target_session_attrs=read-write' \
	as alice possession --item "$(item RO1)" --db "$ONE" --retry-seconds 1
[ "$(q "SELECT count(*) FROM custos.item WHERE serial = 'RO1'")" = 0 ] ||
	{ echo "FAIL: an action refused on the standby was applied"; fails=$((fails + 1)); }
expect_err 2 'retry-seconds' ha alice possession --item "$(item RO2)" --retry-seconds soon
# Nothing listening: retried for the time given, then refused in words;
# a connection string that cannot parse is not retried.
t0=$EPOCHREALTIME
expect_err 1 'trying again for up to 2 s' \
	as alice possession --item "$(item NONE1)" --db "host=localhost port=1 dbname=$PGDATABASE" --retry-seconds 2
awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a >= 1.9 && b - a < 10) }' ||
	{ echo "FAIL: the connection was not retried for 2 s"; fails=$((fails + 1)); }
expect_err 2 'connection string is malformed' \
	as alice possession --item "$(item NONE2)" --db "$CI bogus=1"

# --- an auditor on the hot standby ------------------------------------------------
# A checkpoint on the primary, then one more entry: the standby has the
# entry but cannot make the checkpoint that would cover it.
printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key" >"$W/log.vkey" || exit 1
ok asq adm log key set "$(cat "$W/log.vkey")"
ok asq alice log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
ok ha alice possession --item "$(item AFTERCP)"
# synchronous_commit=on waits for the standby's flush, not its replay.
replayed() {
	local t=0 total
	total=$(q "SELECT count(*) FROM custos.log_entry")
	until [ "$(ha_psql $((1 - HA_PRIMARY)) "SELECT count(*) FROM custos.log_entry")" = "$total" ]; do
		t=$((t + 1)); [ $t -gt 50 ] && { echo "FAIL: the standby lacks entries"; fails=$((fails + 1)); break; }
		sleep 0.1
	done
}
replayed
expect_out '\(hot standby, read only\)' asq dave db status --db "$ONE"
expect_out '^valid' asq dave log verify --db "$ONE"
# the access log cannot record on a standby: said once, and the work goes on
[ "$(grep -c 'read-only standby: the access log cannot record' <<<"$LAST_OUT")" = 1 ] ||
	{ echo "FAIL: the standby's refusal of the access event was not said once:"; sed 's/^/    /' <<<"$LAST_OUT"; fails=$((fails + 1)); }
expect_out 'bundle of' asq dave log export --out "$W/sb-bundle" --db "$ONE"
grep -q 'note: the bundle ends at the last checkpoint, [0-9]* entries; the log on this hot standby has [0-9]*' <<<"$LAST_OUT" &&
	grep -q 'checkpoints are made on the primary' <<<"$LAST_OUT" ||
	{ echo "FAIL: the standby's export does not say where the bundle stops:"; sed 's/^/    /' <<<"$LAST_OUT"; fails=$((fails + 1)); }

# --- clients under load, the primary killed and the standby promoted ----------------
# Each client: its own account, one possession after another, each under
# its own key; an exit 3 is retried with the key it printed.  Every
# attempt is written down: "key exit already?".
client() {
	local who=$1 i=0 key out rc tries
	# Ends when told to, or when the test is gone (its folder removed).
	while [ -d "$W" ] && [ ! -e "$W/stop" ]; do
		while [ -e "$W/pause" ]; do sleep 0.1; done
		i=$((i + 1)); key=$who-$i; tries=0
		while :; do
			out=$(ha "$who" possession --item "$(item "$key")" --idempotency-key "$key" \
				--retry-seconds 60 2>&1); rc=$?
			echo "$key $rc $(grep -c '^already recorded' <<<"$out") $(grep -c 'trying again for up to' <<<"$out") $(grep -c 'reconnecting' <<<"$out")" >>"$W/$who.att"
			[ $rc = 3 ] && grep -q -- "retry with --idempotency-key $key\$" <<<"$out" &&
				[ $tries -lt 5 ] && { tries=$((tries + 1)); continue; }
			[ $rc = 0 ] || printf '%s exit %s: %s\n' "$key" "$rc" "$out" >>"$W/$who.fail"
			break
		done
	done
}
who_list=(alice bob frank)
rm -f "$W/stop" "$W"/*.att "$W"/*.fail
pids=()
for c in "${who_list[@]:0:$CLIENTS}"; do client "$c" & pids+=($!); done
# However the test ends, the clients end with it.
trap 'kill "${pids[@]}" 2>/dev/null; ha_stop; cleanup' EXIT
t_load=$EPOCHREALTIME
for f in $(seq 1 "$FAILOVERS"); do
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + r / 32768 }')"
	old=$HA_PRIMARY new=$((1 - HA_PRIMARY))
	before=$(ha_psql "$old" "SELECT count(*) FROM custos.log_entry" 2>/dev/null)
	if [ "$f" = 1 ]; then
		# The first time, the primary dies while commits wait for the
		# standby: every client's, and one registry action's (a commit
		# outside a pipeline).  Sent but unconfirmed: each client must
		# find out by itself on the new primary.
		# Appends are serialised by the log head's lock, which a commit
		# holds while it waits: the clients pause, the registry action
		# takes the lock and waits, the clients queue behind it.
		touch "$W/pause"; sleep 1
		sync_names nobody
		( ha adm account add 333333 --name "In flight" --idempotency-key inflight \
			>"$W/inflight.out" 2>&1; echo $? >"$W/inflight.rc" ) & inflight=$!
		t=0
		until [ "$(ha_psql "$old" "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND usename = 'adm'")" = 1 ]; do
			t=$((t + 1)); [ $t -gt 100 ] && { echo "FAIL: the registry action does not wait for the standby"; fails=$((fails + 1)); break; }
			sleep 0.1
		done
		rm -f "$W/pause"; sleep 0.5
		waiting=$(ha_psql "$old" "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' OR wait_event_type = 'Lock'")
	fi
	ha_crash "$old"
	ha_promote "$new" || { echo "FAIL: failover $f: cannot promote node $new"; fails=$((fails + 1)); break; }
	ha_rebuild "$old" || { echo "FAIL: failover $f: cannot rebuild node $old"; fails=$((fails + 1)); break; }
	echo "failover $f: node $old (about $before entries) killed${waiting:+ with a commit waiting for the standby and $((waiting - 1)) actions queued behind it}, node $new promoted, node $old rebuilt as its standby"
	waiting=
	if [ -n "${inflight:-}" ]; then
		wait $inflight; inflight=
		LAST_OUT=$(cat "$W/inflight.out")
		if [ "$(cat "$W/inflight.rc")" != 0 ] ||
		   ! grep -q 'lost after the commit was sent' <<<"$LAST_OUT" ||
		   ! grep -Eq '^(already recorded: )?account add: log entry' <<<"$LAST_OUT"; then
			echo "FAIL: the action in flight at the crash did not ride through:"
			sed 's/^/    /' <<<"$LAST_OUT"; fails=$((fails + 1))
		fi
		grep -q '^already recorded' <<<"$LAST_OUT" && inflight_how="already recorded (confirmed on the new primary's standby)" ||
			inflight_how="applied on the new primary"
		echo "failover $f: the registry action in flight: $inflight_how"
	fi
done
sleep 1
touch "$W/stop"
wait "${pids[@]}"
secs=$(awk -v a="$t_load" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
export PGPORT=${HA_PORT[$HA_PRIMARY]}

# What the clients were told, against what the log holds.
cat "$W"/*.att >"$W/all.att"
attempts=$(wc -l <"$W/all.att")
acked=$(awk '$2 == 0 { print $1 }' "$W/all.att" | sort -u)
n_acked=$(printf '%s\n' "$acked" | grep -c .)
n_unknown=$(awk '$2 == 3' "$W/all.att" | wc -l)
n_already=$(awk '$2 == 0 && $3 > 0' "$W/all.att" | wc -l)
n_fail=$(cat "$W"/*.fail 2>/dev/null | grep -c .)
n_connect=$(awk '$4 > 0' "$W/all.att" | wc -l)
n_resubmit=$(awk '$5 > 0' "$W/all.att" | wc -l)
if [ "$n_fail" -ne 0 ]; then
	echo "FAIL: $n_fail client failure(s) that were neither refusals nor resolved unknowns:"
	cat "$W"/*.fail | head -10 | sed 's/^/    /'
	fails=$((fails + n_fail))
fi
# Every key acknowledged is in the log exactly once; no key is in it that
# its client was not told about; each item came on once.
in_log=$(q "SELECT idem FROM custos.log_entry WHERE idem ~ '^(alice|bob|frank)-[0-9]+\$' ORDER BY 1")
lost=$(comm -23 <(printf '%s\n' "$acked" | grep . | sort) <(printf '%s\n' "$in_log" | sort))
extra=$(comm -13 <(printf '%s\n' "$acked" | grep . | sort) <(printf '%s\n' "$in_log" | sort))
[ -z "$lost" ] || { echo "FAIL: acknowledged but lost: $lost"; fails=$((fails + 1)); }
[ -z "$extra" ] || { echo "FAIL: in the log but never acknowledged: $extra"; fails=$((fails + 1)); }
twice=$(q "SELECT count(*) FROM (SELECT serial FROM custos.item WHERE title = 'HA' GROUP BY serial HAVING count(*) > 1) s")
[ "$twice" = 0 ] || { echo "FAIL: $twice items came on twice"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.item WHERE title = 'HA' AND serial ~ '^(alice|bob|frank)-'")" = "$n_acked" ] ||
	{ echo "FAIL: items on the accounts do not match the acknowledged actions"; fails=$((fails + 1)); }
bad=$(q "SELECT count(*) FROM (SELECT account, year, count(*) AS n, max(seq) AS m FROM custos.txn GROUP BY 1, 2) s WHERE n <> m")
[ "$bad" = 0 ] || { echo "FAIL: transaction numbers have gaps"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) = max(idx) + 1 FROM custos.log_entry")" = t ] ||
	{ echo "FAIL: log indexes have gaps"; fails=$((fails + 1)); }
expect_out '^valid' asq dave log verify --db "$CI"
# The standby has it all too.
ha_wait_sync
replayed
total=$(q "SELECT count(*) FROM custos.log_entry")
echo "failover: $FAILOVERS failovers in ${secs} s under $CLIENTS clients: $attempts attempts, $n_acked actions acknowledged (all in the log once), $n_already reported already recorded, $n_connect waited for a primary to connect to, $n_resubmit reconnected and resubmitted, $n_unknown announced outcome-unknown (retried), $n_fail failures; log of $total entries verified"
finish
