-- 015_policy_entries.sql: policy as signed entries.
--
-- The policies that vary between departments (destruction deadline, the
-- alarms' limits, the two-person class: rules.c's policy table) were rows
-- an owner could UPDATE, and nothing in the log said which value judged an
-- entry.  They are now set by policy-set entries, signed by an
-- administrator and a second administrator or authority, which the server
-- judges and applies (entry_apply): custos.policy holds the value in force
-- and the entry that set it (set_idx, NULL for the default of 001), and
-- custos.policy_history every value set, by entry.  Both are the server's
-- to write, as 013's state tables: a row of a signed policy changes only
-- while the server applies an entry.  The operational rows of 004 and 005
-- (checkpoint interval, lock wait, idle time) stay the owner's to tune.
--
-- Which rows are signed policies is rules.c's table (RULES_POLICIES); the
-- names are stated here once more because an extension version for it
-- would have to be 1.5, and 017 (immutable, after this file) updates the
-- extension to 1.4, which would be a downgrade on a new database.  The
-- server writes a policy only where this function agrees (entry_apply
-- refuses the entry otherwise), and tests/t_policy.sh compares the two.
CREATE FUNCTION custos.policy_signed(n text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, custos, pg_temp
RETURN n = ANY (ARRAY['destruction_deadline_hours', 'hand_receipt_alarm_days',
		      'incident_report_hours', 'inventory_interval_months',
		      'transit_alarm_days', 'two_person_key_class']);
ALTER FUNCTION custos.policy_signed(text) OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.policy_signed(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custos.policy_signed(text)
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;

-- The log has no policy-set entry yet, so it says every signed policy is at
-- its default (001's rows).  A value an owner changed by hand before is
-- one the log cannot account for, and would make the server judge entries
-- by other values than a replay does: the migration stops and says so.
DO $$
DECLARE d record;
BEGIN
	FOR d IN SELECT v.name, v.dflt, p.value
		   FROM (VALUES ('destruction_deadline_hours', 12), ('hand_receipt_alarm_days', 90),
				('incident_report_hours', 24), ('inventory_interval_months', 6),
				('transit_alarm_days', 30), ('two_person_key_class', 3)) v (name, dflt)
		   LEFT JOIN custos.policy p ON p.name = v.name
		  WHERE p.value IS DISTINCT FROM v.dflt LOOP
		RAISE EXCEPTION 'custos: policy % is %, not its default %', d.name,
			coalesce(d.value::text, 'missing'), d.dflt
			USING HINT = 'The log cannot say who set it.  Set it back to the default (or '
				     'insert the row), migrate, and set it again with custos policy set.';
	END LOOP;
END $$;

ALTER TABLE custos.policy ADD COLUMN set_idx bigint REFERENCES custos.log_entry (idx);

CREATE TABLE custos.policy_history (
	idx   bigint NOT NULL REFERENCES custos.log_entry (idx),
	name  text NOT NULL REFERENCES custos.policy (name),
	value integer NOT NULL CHECK (value >= 0),
	PRIMARY KEY (idx, name)
);
ALTER TABLE custos.policy_history OWNER TO custos_owner;
CREATE TRIGGER policy_history_state_guard BEFORE INSERT OR UPDATE OR DELETE
	ON custos.policy_history FOR EACH ROW EXECUTE FUNCTION custos.state_guard();

CREATE FUNCTION custos.policy_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	IF NOT custos.applying() AND
	   ((TG_OP <> 'INSERT' AND custos.policy_signed(OLD.name)) OR
	    (TG_OP <> 'DELETE' AND custos.policy_signed(NEW.name))) THEN
		RAISE EXCEPTION 'custos: % of policy % outside the server''s application of a log entry',
			TG_OP, CASE WHEN TG_OP = 'INSERT' THEN NEW.name ELSE OLD.name END
			USING ERRCODE = 'insufficient_privilege',
			HINT = 'A policy is set by a signed policy-set entry: custos policy set.';
	END IF;
	IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
	RETURN NEW;
END $$;
ALTER FUNCTION custos.policy_guard() OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.policy_guard() FROM PUBLIC;
CREATE TRIGGER policy_state_guard BEFORE INSERT OR UPDATE OR DELETE
	ON custos.policy FOR EACH ROW EXECUTE FUNCTION custos.policy_guard();
-- and neither is emptied at once (the server never truncates)
CREATE TRIGGER policy_no_truncate BEFORE TRUNCATE ON custos.policy
	FOR EACH STATEMENT EXECUTE FUNCTION custos.state_guard();
CREATE TRIGGER policy_history_no_truncate BEFORE TRUNCATE ON custos.policy_history
	FOR EACH STATEMENT EXECUTE FUNCTION custos.state_guard();

-- What the policy was at each entry is no secret of any account.
GRANT SELECT ON custos.policy, custos.policy_history
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
ALTER TABLE custos.policy_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY policy_history_read ON custos.policy_history FOR SELECT USING (true);
