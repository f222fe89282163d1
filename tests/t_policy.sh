#!/usr/bin/env bash
# Policy as signed entries: `custos policy show|set`, the refusals of a
# policy-set (rules.c's RULE_POLICY_VALUE and the signers it needs), from
# the command line and as an insider through psql; an entry is judged by
# the policy in force at its index (two_person_key_class raised to SECRET);
# the log verifies, from the database and offline.
. "$(dirname "$0")/ledger_lib.sh"
setup_ledger
. "$(dirname "$0")/insider_lib.sh"
pol() { q "SELECT value || ' ' || coalesce(set_idx::text, 'default') FROM custos.policy WHERE name = '$1'"; }
SKEY='kind=key alc=1 class=S crypto=yes serial=S1 edition=A effective=2026-01-01 supersedes=2026-02-01 title=AKAT 1234'
S1='kind=key alc=1 class=S crypto=yes qty=1 serial=S1 edition=A effective=2026-01-01 supersedes=2026-02-01 title=AKAT 1234'

# --- show: every policy, its default ------------------------------------------------
expect_out '^two_person_key_class +3  default +keying material' asq dave policy show
expect_out '^destruction_deadline_hours +12  default' asq dave policy show
expect_out '"name":"transit_alarm_days","value":30,"set":null' asq carol policy show --json
# the database's signed rows are rules.c's table, by name
want 'signed policies' "$(q "SELECT string_agg(name, ' ' ORDER BY name COLLATE \"C\") FROM custos.policy WHERE custos.policy_signed(name)")" \
	"$(asq dave policy show | awk '/^[a-z]/ {print $1}' | tr '\n' ' ' | sed 's/ $//')"

# --- set: administrator and authority; shown before signing; show names the entry -----
expect_out 'the entry to be signed by adm and erin:' asw adm erin policy set destruction_deadline_hours=24 transit_alarm_days=10
printf '%s\n' "$LAST_OUT" | grep -qx 'action policy-set' && printf '%s\n' "$LAST_OUT" | grep -qx 'detail destruction_deadline_hours 24' ||
	{ echo "FAIL: the entry was not shown before signing"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
set1=$(($(size) - 1))
want 'destruction deadline set' "$(pol destruction_deadline_hours)" "24 $set1"
want 'transit alarm set' "$(pol transit_alarm_days)" "10 $set1"
want 'history' "$(q "SELECT string_agg(idx || ':' || name || '=' || value, ' ' ORDER BY name) FROM custos.policy_history")" \
	"$set1:destruction_deadline_hours=24 $set1:transit_alarm_days=10"
expect_out "^destruction_deadline_hours +24  entry $set1 +hours after" asq dave policy show
expect_out "^incident_report_hours +24  default +hours from its discovery" asq dave policy show
expect_out '^valid: ' asq dave log verify

# --- the refusals, from the command line: nothing is written ----------------------------
before=$(size)
expect_err 1 'unknown_policy is not a policy of this ledger' asw adm erin policy set unknown_policy=1
expect_err 1 'policy destruction_deadline_hours is a whole number from 1 to 72' asw adm erin policy set destruction_deadline_hours=73
expect_err 1 'policy two_person_key_class is a whole number from 0 to 3 .*, not x' asw adm erin policy set two_person_key_class=x
expect_err 1 'policy incident_report_hours is a whole number from 1 to 72' asw adm erin policy set incident_report_hours=0
expect_err 1 'policy transit_alarm_days is set twice' asw adm erin policy set transit_alarm_days=5 transit_alarm_days=6
expect_err 2 'a policy is set as NAME=VALUE' asw adm erin policy set transit_alarm_days
expect_err 1 'needs a second person' as adm policy set transit_alarm_days=5
expect_err 1 'wendy may not co-sign a policy: the second person is an administrator or an authority' \
	asw adm wendy policy set transit_alarm_days=5
expect_err 1 'must be a different person from adm' asw adm adm policy set transit_alarm_days=5
expect_err 1 'dave is not an administrator' asw dave erin policy set transit_alarm_days=5
expect_err 1 'erin is not an administrator' asw erin adm policy set transit_alarm_days=5
want 'the refusals wrote nothing' "$(size) $(pol transit_alarm_days)" "$before 10 $set1"

# --- the insider, through psql ---------------------------------------------------------------
# the policy table and its history are the server's to write, even for the owner
expect_err 1 "UPDATE of policy two_person_key_class outside the server's application of a log entry" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.policy SET value = 0 WHERE name = 'two_person_key_class'"
expect_err 1 "DELETE of policy transit_alarm_days outside" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "DELETE FROM custos.policy WHERE name = 'transit_alarm_days'"
expect_err 1 "INSERT on policy_history outside the server's application" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "INSERT INTO custos.policy_history VALUES ($set1, 'two_person_key_class', 0)"
expect_err 1 "DELETE on policy_history outside the server's application" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "DELETE FROM custos.policy_history"
expect_err 1 "TRUNCATE on policy_history outside the server's application" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "TRUNCATE custos.policy_history"
expect_err 1 "TRUNCATE on policy(_history)? outside the server's application" \
	psql -qAtX -v ON_ERROR_STOP=1 -c "TRUNCATE custos.policy CASCADE"
for who in adm alice dave erin; do
	refused_sql $who 'permission denied|outside the server' "UPDATE custos.policy SET value = 1 WHERE name = 'destruction_deadline_hours'"
	refused_sql $who 'permission denied|outside the server' "DELETE FROM custos.policy_history"
done
want 'the insiders changed nothing' "$(pol two_person_key_class) $(pol transit_alarm_days) $(q "SELECT count(*) FROM custos.policy_history")" \
	"3 default 10 $set1 2"
# the operational rows stay the owner's to tune
ok psql -qAtX -v ON_ERROR_STOP=1 -c "UPDATE custos.policy SET value = 300 WHERE name = 'checkpoint_interval_entries'"
# the auditor reads the history
want 'the auditor reads the history' "$(PGUSER=dave psql -qAtX -c "SELECT count(*) FROM custos.policy_history")" 2
# a policy-set signed by one person: refused by the server's signature check
lastnote
forge onesig --sign "$W/adm.key" --action policy-set --detail two_person_key_class=0
refused_sql adm 'policy-set\): signed by 1 distinct trusted key, 2 needed' "$(insert_sql "$W/onesig.note")"
# two signatures, but the second is a witness: refused by the replay's rule
server_refused() { # NAME PATTERN RULE (forge arguments after them); psql as $WHO (adm)
	local name=$1 pat=$2 rule=$3; shift 3
	lastnote
	timed "$name" "$@"
	refused_sql "${WHO:-adm}" "$pat" "$(hand_sql "$name")"
	printf '%s\n' "$LAST_OUT" | grep -q "DETAIL:  rule $rule\$" ||
		{ echo "FAIL: $name: no DETAIL naming rule $rule"; printf '%s\n' "$LAST_OUT" | sed 's/^/    /'; fails=$((fails + 1)); }
}
server_refused witness 'needs a second person who is an administrator or an authority' signers \
	--sign "$W/adm.key" --sign "$W/wendy.key" --action policy-set --detail two_person_key_class=0
server_refused range 'policy destruction_deadline_hours is a whole number from 1 to 72' policy_value \
	--sign "$W/adm.key" --sign "$W/erin.key" --action policy-set --detail destruction_deadline_hours=99
# an auditor's: refused by the append guard, before any rule
lastnote
timed auditor --sign "$W/dave.key" --sign "$W/erin.key" --action policy-set --detail two_person_key_class=0
refused_sql dave 'permission denied|row-level security|dave may not sign a policy-set entry' "$(hand_sql auditor)"
refused_sql postgres 'dave may not sign a policy-set entry \(administrators only\)' "$(hand_sql auditor)"
want 'the forgeries changed nothing' "$(pol two_person_key_class) $(pol destruction_deadline_hours)" "3 default 24 $set1"
# a sound one by hand: the server applies it
lastnote
timed sound --sign "$W/adm.key" --sign "$W/erin.key" --action policy-set --detail hand_receipt_alarm_days=60
ok env PGUSER=adm psql -qAtX -v ON_ERROR_STOP=1 -c "$(hand_sql sound)"
want 'the sound policy-set by hand' "$(pol hand_receipt_alarm_days)" "60 $(field index)"

# --- judged by the policy in force: SECRET keying material needs two signers -------------
ok as alice receive --from COR --item "$SKEY"
ok asw adm erin policy set two_person_key_class=2
set2=$(($(size) - 1))
want 'two-person class set' "$(pol two_person_key_class)" "2 $set2"
expect_err 1 'second person' as alice transfer --to COR --serial S1
expect_err 1 'second person' as alice receive --from COR --item 'kind=key alc=1 class=S crypto=yes serial=S2 edition=A title=AKAT 1234'
ok as alice receive --from COR --item 'kind=key alc=1 class=C crypto=yes serial=C2 edition=A title=AKAT 1234'
# a SECRET key's transfer signed by alice alone, by hand: refused by the server
WHO=alice server_refused alone 'needs a witness of account 123456' signers \
	--sign "$W/alice.key" --action transfer --account 123456 --txn-seq "$(q "SELECT coalesce(max(seq), 0) + 1 FROM custos.txn WHERE account = '123456'")" --peer COR --item "$S1"
ok asw alice wendy transfer --to COR --serial S1
# and back to the default: one custodian may again
ok asw adm erin policy set two_person_key_class=3
ok as alice receive --from COR --item 'kind=key alc=1 class=S crypto=yes serial=S3 edition=A title=AKAT 1234'

# --- the log verifies, from the database and offline ----------------------------------------
expect_out '^valid: ' asq dave log verify
want 'history after several sets' "$(q "SELECT count(*) FROM custos.policy_history")" 5
ok asq dave log export "$W/log"
expect_out valid "$CV" --keys "$W/log.keys" "$W/log"
# and as an export bundle, against a trust policy
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK"
ok env PGUSER=adm "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
ok asq dave log export --out "$W/bundle"
asq dave log policy >"$W/trust" || { echo "FAIL: log policy"; fails=$((fails + 1)); }
expect_out ': valid' "$CV" --policy "$W/trust" "$W/bundle"
gapfree policy

# --- the replay judges by index too: a superuser appends, triggers off -----------------------
ok asw adm erin policy set two_person_key_class=2
S3='kind=key alc=1 class=S crypto=yes qty=1 serial=S3 edition=A effective=- supersedes=- title=AKAT 1234'
lastnote
forge bypass --sign "$W/alice.key" --action transfer --account 123456 --txn-seq "$SEQ" --peer COR --item "$S3"
ok psql -qAtX -v ON_ERROR_STOP=1 -c "SET session_replication_role = replica; BEGIN; $(insert_sql "$W/bypass.note")
	UPDATE custos.log_head SET size = $(field index) + 1, last_leaf = e.leaf, last_time = e.time
	  FROM custos.log_entry e WHERE e.idx = $(field index); COMMIT;"
expect_err 1 "entry $(field index): a transfer entry needs a witness of account 123456" asq dave log verify

# --- migration 015 on a database whose policy was changed by hand before it --------------
newdb
ok "$C" db migrate
# as it stood before 015, with a deadline tuned by hand
q "DROP TRIGGER policy_state_guard ON custos.policy; DROP FUNCTION custos.policy_guard();
   DROP TRIGGER policy_no_truncate ON custos.policy;
   DROP TABLE custos.policy_history; ALTER TABLE custos.policy DROP COLUMN set_idx;
   DROP FUNCTION custos.policy_signed(text); DELETE FROM custos.schema_version WHERE version = 15;
   UPDATE custos.policy SET value = 24 WHERE name = 'destruction_deadline_hours'"
expect_err 1 'policy destruction_deadline_hours is 24, not its default 12' "$C" db migrate
expect_out '1 pending' "$C" db status
q "UPDATE custos.policy SET value = 12 WHERE name = 'destruction_deadline_hours'"
ok "$C" db migrate
expect_out '0 pending' "$C" db status
# a new database: every signed row at rules.c's default
ok "$C" policy show --json
want 'the table has rules.c defaults' "$(printf '%s\n' "$LAST_OUT" | grep -Eo '"value":([0-9]+),"set":null,"words":"[^"]*","default":\1,' | wc -l)" 6
printf '%s\n' "$LAST_OUT" | grep -q '"name":"destruction_deadline_hours","value":12,"set":null' ||
	{ echo "FAIL: the default deadline"; fails=$((fails + 1)); }
finish
