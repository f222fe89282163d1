#!/usr/bin/env bash
# The server refuses what an insider inserts into the log by hand (psql as
# a custodian): without a note, unsigned, non-canonical, unenrolled, one signature short,
# another account's, out of sequence, backdated, breaking a custody rule;
# and state rows written by hand.  Each refusal names its check and changes
# nothing; a sound entry stored by hand gets its state from the server.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=KG1 title=KG-175D' \
	--item 'kind=equipment alc=1 class=C serial=KG2 title=KG-175D'
ok as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B1 title=KG-175D'
NEWITEM='kind=equipment alc=1 class=C crypto=no qty=1 serial=X1 edition=- effective=- supersedes=- title=KG-175D'
KG1='kind=equipment alc=1 class=C crypto=no qty=1 serial=KG1 edition=- effective=- supersedes=- title=KG-175D'
lastnote

refused_sql alice 'not a signed note' "INSERT INTO custos.log_entry (idx, leaf, note, time, action, actor, idem)
	SELECT size, sha256('\\x00'::bytea || 'x'::bytea), 'x', now(), 'receipt', 'alice', 'u1' FROM custos.log_head"
refused_sql alice 'entry [0-9]+: the row has no note' "INSERT INTO custos.log_entry (idx) SELECT size FROM custos.log_head"
forge unenrolled --sign "$W/mallory.key" --action receipt --account 123456 --txn-seq "$SEQ" --peer COR --item "$NEWITEM"
refused_sql postgres 'receipt\): no signature from a trusted key' "$(insert_sql "$W/unenrolled.note")"
forge onesig --sign "$W/alice.key" --action destroy --account 123456 --txn-seq "$SEQ" --item "$KG1" \
	--method burn --authority DIR-1
refused_sql alice 'destroy\): signed by 1 distinct trusted key, 2 needed' "$(insert_sql "$W/onesig.note")"
sed 's/^index \([0-9]*\)$/index 0\1/' "$W/onesig.note" >"$W/noncanon.note"
refused_sql alice 'not a canonical custos entry' "$(insert_sql "$W/noncanon.note")"
forge other --sign "$W/alice.key" --action receipt --account 654321 --txn-seq 2 --peer COR --item "$NEWITEM"
refused_sql alice 'alice may not sign a receipt entry of account 654321' "$(insert_sql "$W/other.note")"
forge squat --sign "$W/alice.key" --action receipt --account 123456 --txn-seq $((SEQ + 5)) --peer COR --item "$NEWITEM"
refused_sql alice "transaction number 123456-[0-9]{4}-000$((SEQ + 5)) is not the account's next" "$(insert_sql "$W/squat.note")"
forge actor --sign "$W/alice.key" --action receipt --account 123456 --txn-seq "$SEQ" --peer COR --item "$NEWITEM"
refused_sql alice 'row-level security|actor bob is not its first signer' "$(insert_sql "$W/actor.note" bob)"
refused_sql postgres "actor bob is not its first signer alice" "$(insert_sql "$W/actor.note" bob)"
# backdated: one microsecond after the last entry, a second ago
sleep 1
forge past --sign "$W/alice.key" --after-us 1 --action receipt --account 123456 --txn-seq "$SEQ" --peer COR --item "$NEWITEM"
refused_sql alice "is not the server's time of this transaction" "$(insert_sql "$W/past.note")"
# out of sequence: chained to the entry before the last
q "SELECT encode(note, 'base64') FROM custos.log_entry WHERE idx = (SELECT size - 2 FROM custos.log_head)" |
	base64 -d >"$W/before"
LAST=$W/before forge reseq --sign "$W/alice.key" --action receipt --account 123456 --txn-seq "$SEQ" --peer COR --item "$NEWITEM"
refused_sql alice 'not at the head of the log' "$(insert_sql "$W/reseq.note")"

# A sound entry, timed for the transaction that inserts it: accepted, and
# the server writes the state it implies (custody_apply); a custodian
# writes no state row by hand, in that transaction or any other.
timed good --sign "$W/alice.key" --action receipt --account 123456 --txn-seq "$SEQ" --peer COR --item "$NEWITEM"
wait_sql="SELECT pg_sleep_until('$(field time)'::timestamptz + interval '1 ms')"
refused_sql alice 'permission denied for table item' "BEGIN; $wait_sql; $(insert_sql "$W/good.note") UPDATE custos.item SET status = 'destroyed' WHERE serial = 'KG2'; COMMIT;"
refused_sql alice 'permission denied for table txn' "INSERT INTO custos.txn (number, account, year, seq, action, idx, time, open) VALUES ('123456-2026-0099', '123456', 2026, 99, 'receipt', 1, now(), false)"
timed good2 --sign "$W/alice.key" --action receipt --account 123456 --txn-seq "$SEQ" --peer COR --item "$NEWITEM"
wait_sql="SELECT pg_sleep_until('$(field time)'::timestamptz + interval '1 ms')"
before=$(size)
ok env PGUSER=alice psql -qAtX -v ON_ERROR_STOP=1 -c "BEGIN; $wait_sql; $(insert_sql "$W/good2.note") COMMIT;"
[ "$(size)" = $((before + 1)) ] || { echo "FAIL: the sound entry was not stored"; fails=$((fails + 1)); }
[ "$(q "SELECT status || ' ' || account || ' ' || last_txn FROM custos.item WHERE serial = 'X1'")" = "on_hand 123456 $(field txn)" ] ||
	{ echo "FAIL: the server did not write X1's state"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.entry_item ei JOIN custos.item i ON i.id = ei.item_id WHERE i.serial = 'X1'")" = 1 ] ||
	{ echo "FAIL: X1 has no history row"; fails=$((fails + 1)); }
[ "$(q "SELECT status FROM custos.item WHERE serial = 'B1'")" = on_hand ] || { echo "FAIL: B1 changed"; fails=$((fails + 1)); }
ok asq dave log verify

# A well-formed entry, signed by hand, that breaks a custody rule is
# refused by the server with the replay's own judgement (custody_check,
# sql/010_custody_check.sql), its rule named; nothing changes.
custody_refused() { # NAME PATTERN RULE (forge arguments in $ARGS)
	timed "$1" --sign "$W/alice.key" "${ARGS[@]}"
	wait_sql="SELECT pg_sleep_until('$(field time)'::timestamptz + interval '1 ms')"
	refused_sql alice "$2" "BEGIN; $wait_sql; $(insert_sql "$W/$1.note") COMMIT;"
	printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $3\$" ||
		{ echo "FAIL: $1: no DETAIL naming rule $3"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
B1='kind=equipment alc=1 class=C crypto=no qty=1 serial=B1 edition=- effective=- supersedes=- title=KG-175D'
lastnote
ARGS=(--action transfer --account 123456 --txn-seq "$SEQ" --peer COR --item "$B1")
custody_refused another_accounts 'item KG-175D serial B1 is on hand at account 654321, not on hand at account 123456' item_state
ARGS=(--action possession --account 123456 --txn-seq "$SEQ" --item "$KG1")
custody_refused on_hand_again 'item KG-175D serial KG1 is on hand at account 123456, not new, transferred out' item_state
ARGS=(--action transfer --account 123456 --txn-seq "$SEQ" --peer COR --item "$KG1" --item "$KG1")
custody_refused twice 'listed twice' item_twice
ARGS=(--action accept --account 123456 --txn-seq "$SEQ" --peer COR --ref "123456-2026-0999" --item "$KG1")
custody_refused no_such_ref 'transaction 123456-2026-0999 named in ref is not in the ledger' none
# Format v2's rules (doctrine 9, 10): "superseded" only for keying material
# that is; an incident not discovered after its report.
ARGS=(--sign "$W/wendy.key" --action destroy --account 123456 --txn-seq "$SEQ" --item "$KG1"
      --method burn --authority superseded)
custody_refused not_superseded 'item KG-175D serial KG1 has no supersession date' not_superseded
ARGS=(--action incident-report --account 123456 --txn-seq "$SEQ" --category physical --item "$KG1"
      --discovered 2099-01-01T00:00:00.000000Z)
custody_refused discovered_later 'but discovered at 2099-01-01T00:00:00.000000Z, later' discovery_time
# An entry in format v1 is verifiable where it is stored, but none is
# appended any more: its v2 fields (method, authority, discovery, outcome)
# cannot be left out.
timed v1entry --sign "$W/alice.key" --v1 --action possession --account 123456 --txn-seq "$SEQ" --item "$NEWITEM"
wait_sql="SELECT pg_sleep_until('$(field time)'::timestamptz + interval '1 ms')"
refused_sql alice 'entries are appended in format custos-entry/v2' "BEGIN; $wait_sql; $(insert_sql "$W/v1entry.note") COMMIT;"
[ "$(q "SELECT status FROM custos.item WHERE serial = 'KG1'")" = on_hand ] || { echo "FAIL: KG1 changed"; fails=$((fails + 1)); }

# Registry entries (issue 14): the server judges them with the replay's
# rules and writes their rows itself (entry_apply, sql/011_registry_apply.sql);
# an administrator writes none of them by hand.
for probe in "INSERT INTO custos.account (number, name, opened_idx, opened_at) VALUES ('999999', 'x', 0, now())|account" \
	"INSERT INTO custos.person (name, login, vkey, pubkey, enrolled_idx) VALUES ('p', 'p', 'p+00000000+x', decode(repeat('ab', 32), 'hex'), 0)|person" \
	"INSERT INTO custos.person_role (person, role, account, since_idx) VALUES ('dave', 'witness', '123456', 0)|person_role" \
	"UPDATE custos.person SET revoked_idx = 0 WHERE name = 'alice'|person" \
	"DELETE FROM custos.person_role WHERE person = 'alice'|person_role"; do
	refused_sql adm "permission denied for table ${probe##*|}" "${probe%|*}"
done
stored_as_adm() { # NAME [SQL-BEFORE]
	local before; before=$(size)
	ok env PGUSER=adm psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql "$@")"
	[ "$(size)" = $((before + 1)) ] || { echo "FAIL: $1 was not stored"; fails=$((fails + 1)); }
}
mkkey gina >"$W/gina.vkey" || exit 1
lastnote
timed gina_enrol --sign "$W/adm.key" --sign "$W/gina.key" --action key-enrol --account 123456 \
	--keyline "holder $(cat "$W/gina.vkey")"
stored_as_adm gina_enrol
IDX=$(field index)
[ "$(q "SELECT login || ' ' || enrolled_idx || ' ' || (revoked_idx IS NULL) FROM custos.person WHERE name = 'gina'")" = "gina $IDX true" ] ||
	{ echo "FAIL: the server did not write gina's person row"; fails=$((fails + 1)); }
[ "$(q "SELECT string_agg(role || ' ' || account || ' ' || since_idx, ',') FROM custos.person_role WHERE person = 'gina'")" = "holder 123456 $IDX" ] ||
	{ echo "FAIL: the server did not write gina's role"; fails=$((fails + 1)); }
[ "$(q "SELECT pg_has_role('gina', 'custos_holder', 'MEMBER')")" = t ] ||
	{ echo "FAIL: gina's login was not made a holder"; fails=$((fails + 1)); }
# another login, declared in the enrolling transaction; by an administrator only
mkkey ivy >"$W/ivy.vkey" || exit 1
refused_sql alice 'permission denied for function enrol_login' "SELECT custos.enrol_login('ivy', 'ivy_login')"
lastnote
timed ivy_enrol --sign "$W/adm.key" --sign "$W/ivy.key" --action key-enrol --keyline "auditor $(cat "$W/ivy.vkey")"
stored_as_adm ivy_enrol "SELECT custos.enrol_login('ivy', 'ivy_login');"
[ "$(q "SELECT login FROM custos.person WHERE name = 'ivy'")" = ivy_login ] &&
	[ "$(q "SELECT pg_has_role('ivy_login', 'custos_auditor', 'MEMBER')")" = t ] ||
	{ echo "FAIL: ivy's declared login was not used"; fails=$((fails + 1)); }
[ "$(q "SELECT count(*) FROM custos.login_choice")" = 0 ] || { echo "FAIL: a login choice stayed"; fails=$((fails + 1)); }
# a revocation signed by hand: the role ends, the key is revoked, the login loses its group
lastnote
timed gina_revoke --sign "$W/adm.key" --sign "$W/alice.key" --action key-revoke --account 123456 \
	--keyline "holder $(cat "$W/gina.vkey")"
stored_as_adm gina_revoke
[ "$(q "SELECT revoked_idx FROM custos.person WHERE name = 'gina'")" = "$(field index)" ] &&
	[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'gina'")" = 0 ] &&
	[ "$(q "SELECT pg_has_role('gina', 'custos_holder', 'MEMBER')")" = f ] ||
	{ echo "FAIL: the hand revocation of gina was not applied"; fails=$((fails + 1)); }
ok asq dave log verify

# Registry entries that break a rule: refused, the rule named, the log unchanged.
registry_refused() { # NAME PATTERN RULE (forge arguments in $ARGS)
	lastnote
	timed "$1" "${ARGS[@]}"
	refused_sql adm "$2" "$(hand_sql "$1")"
	printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $3\$" ||
		{ echo "FAIL: $1: no DETAIL naming rule $3"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
# another key named alice (a random one: the TEST-ONLY keys are one per name)
"$C" key new --name alice --out "$W/alice2.key" --passphrase-fd 3 3<<<"$PASS" >/dev/null &&
	"$C" key pub "$W/alice2.key" >"$W/alice2.vkey" || exit 1
ARGS=(--sign "$W/adm.key" --sign "$W/alice2.key" --action key-enrol --account 123456 --keyline "witness $(cat "$W/alice2.vkey")")
registry_refused name_taken 'the name alice is already enrolled with another key' key_taken
ARGS=(--sign "$W/adm.key" --sign "$W/bob.key" --action key-revoke --account 123456 --keyline "witness $(cat "$W/alice.vkey")")
registry_refused not_held 'alice does not hold the witness role on account 123456' role_not_held
ARGS=(--sign "$W/adm.key" --sign "$W/alice.key" --action key-revoke --account 654321 --keyline "custodian $(cat "$W/bob.vkey")")
registry_refused last_custodian 'bob is the last custodian or alternate of account 654321' revoke_last
ARGS=(--sign "$W/adm.key" --sign "$W/bob.key" --action key-revoke --keyline "administrator $(cat "$W/adm.vkey")")
registry_refused last_admin 'adm is the last administrator' revoke_last
ARGS=(--sign "$W/adm.key" --action account-open --account 123456 --text 'Again')
registry_refused open_again 'account 123456 is already open' account_open
[ "$(q "SELECT name FROM custos.account WHERE number = '123456'")" = "1st Signal Regiment" ] &&
	[ "$(q "SELECT count(*) FROM custos.person_role WHERE person = 'bob'")" = 1 ] ||
	{ echo "FAIL: a refused registry entry changed state"; fails=$((fails + 1)); }
ok asq dave log verify

# The log lock: held by an idle session, another action waits a bounded
# time and is refused naming the holder.
PGUSER=alice psql -qAtX -c "BEGIN" -c "SELECT custos.lock_head()" -c "SET idle_in_transaction_session_timeout = 0" \
	-c "SELECT pg_sleep(8)" -c "COMMIT" >/dev/null 2>&1 &
sleep 1
t0=$EPOCHREALTIME
expect_err 1 'the log is busy: alice \(login alice, server process [0-9]+\) has held its lock for more than 5000 ms' \
	as bob receive --from COR --item 'kind=equipment alc=1 class=C serial=B2 title=KG-175D'
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }')
[ "$secs" -le 7 ] || { echo "FAIL: the refusal took $secs s"; fails=$((fails + 1)); }
wait
# custos logins end an idle transaction by themselves
[ "$(q "SELECT rolconfig::text FROM pg_roles WHERE rolname = 'carol'")" = '{idle_in_transaction_session_timeout=5s}' ] ||
	{ echo "FAIL: carol's login has no idle timeout"; fails=$((fails + 1)); }
finish
