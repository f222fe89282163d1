-- 017_action_table.sql: the append guard keeps no list of actions.
--
-- The guard of 005 named the material actions and the registry actions it
-- admitted, and actor_may the actions an administrator signs: a third
-- statement of the action table, which every new action had to edit.  Now
-- both ask the extension (action_material, extension 1.4: rules.c's action
-- table).  Whether an action the format knows may be appended, and with
-- what, is the replay's judgement in entry_apply, which refuses an action
-- this version does not carry out.
ALTER EXTENSION custos UPDATE TO '1.4';
GRANT EXECUTE ON FUNCTION custos.action_material(text) TO custos_owner;

-- The first signer of a registry entry is an administrator; of a material
-- one, a custodian or alternate of its account.
CREATE OR REPLACE FUNCTION custos.actor_may(actor text, act text, acct text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	IF NOT custos.action_material(act) THEN
		RETURN EXISTS (SELECT FROM custos.person_role r
				WHERE r.person = actor AND r.role = 'administrator');
	END IF;
	RETURN EXISTS (SELECT FROM custos.person_role r WHERE r.person = actor
			AND r.account = acct AND r.role IN ('custodian', 'alternate'));
END $$;

-- Every entry is verified before it is stored, and moves the head (005).
CREATE OR REPLACE FUNCTION custos.log_append_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, custos, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
	h custos.log_head; v record; reg text[]; yr integer; nxt integer; want text;
	material boolean;
BEGIN
	PERFORM pg_catalog.set_config('lock_timeout',
				      custos.policy_value('log_lock_wait_ms', 5000) || 'ms', true);
	BEGIN
		SELECT * INTO h FROM custos.log_head FOR UPDATE;
	EXCEPTION WHEN lock_not_available THEN
		RAISE EXCEPTION 'custos: the log is busy: % holds its lock; try again',
			custos.log_lock_holder() USING ERRCODE = 'lock_not_available';
	END;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: the log has no head; run custos db init';
	END IF;
	-- The registry as of this index: every enrolled, unrevoked key among
	-- the note's signers (the extension adds the key an enrolment enrols).
	reg := ARRAY(SELECT p.vkey FROM custos.person p
		      WHERE p.revoked_idx IS NULL AND p.name = ANY (custos.note_signer_names(NEW.note)));
	v := custos.entry_verify(NEW.note, reg);
	IF v.idx <> h.size OR NEW.idx IS DISTINCT FROM h.size THEN
		RAISE EXCEPTION 'custos: entry %: not at the head of the log (the next index is %)',
			v.idx, h.size USING ERRCODE = 'CU001';
	END IF;
	IF v.origin <> h.origin THEN
		RAISE EXCEPTION 'custos: entry %: origin % is not the log''s origin %', v.idx, v.origin,
			h.origin USING ERRCODE = 'CU001';
	END IF;
	IF v.prev <> h.last_leaf THEN
		RAISE EXCEPTION 'custos: entry %: prev is not the leaf hash of entry %', v.idx, v.idx - 1
			USING ERRCODE = 'CU001';
	END IF;
	IF NEW.leaf IS DISTINCT FROM v.leaf THEN
		RAISE EXCEPTION 'custos: entry %: the row''s leaf is not SHA-256(0x00 || note)', v.idx
			USING ERRCODE = 'CU001';
	END IF;
	IF NEW.action IS DISTINCT FROM v.action OR NEW.txn IS DISTINCT FROM v.txn
	   OR NEW.account IS DISTINCT FROM v.account OR NEW.peer IS DISTINCT FROM v.peer THEN
		RAISE EXCEPTION 'custos: entry %: the row''s action, txn, account or peer is not the '
			'entry''s', v.idx USING ERRCODE = 'CU001';
	END IF;
	IF NEW.actor IS DISTINCT FROM v.actor THEN
		RAISE EXCEPTION 'custos: entry %: the row''s actor % is not its first signer %', v.idx,
			NEW.actor, v.actor USING ERRCODE = 'CU001';
	END IF;
	-- Which actions there are, and where.
	material := custos.action_material(v.action);
	IF v.action = 'genesis' THEN
		IF v.idx <> 0 THEN
			RAISE EXCEPTION 'custos: entry %: only the first entry may be genesis', v.idx
				USING ERRCODE = 'CU001';
		END IF;
	ELSIF v.idx = 0 THEN
		RAISE EXCEPTION 'custos: entry 0 must be genesis, not %', v.action USING ERRCODE = 'CU001';
	ELSIF NOT custos.actor_may(v.actor, v.action, v.account) THEN
		RAISE EXCEPTION 'custos: entry %: % may not sign a% % entry%', v.idx, v.actor,
			CASE WHEN v.action ~ '^[aeiou]' THEN 'n' ELSE '' END, v.action,
			CASE WHEN material THEN ' of account ' || coalesce(v.account, '-')
			     ELSE ' (administrators only)' END USING ERRCODE = 'CU001';
	END IF;
	-- Transaction numbers: material actions only, the account's own, the
	-- year of the entry's time (UTC), the next number with no gap.
	IF material <> (v.txn IS NOT NULL) THEN
		RAISE EXCEPTION 'custos: entry %: % entries % a transaction number', v.idx, v.action,
			CASE WHEN material THEN 'need' ELSE 'have no' END USING ERRCODE = 'CU001';
	END IF;
	IF material THEN
		yr := extract(year FROM v.time AT TIME ZONE 'UTC')::integer;
		nxt := coalesce((SELECT max(t.seq) FROM custos.txn t
				  WHERE t.account = v.account AND t.year = yr), 0) + 1;
		want := v.account || '-' || yr || '-' ||
			CASE WHEN nxt < 10000 THEN lpad(nxt::text, 4, '0') ELSE nxt::text END;
		IF v.txn <> want THEN
			RAISE EXCEPTION 'custos: entry %: transaction number % is not the account''s next, %',
				v.idx, v.txn, want USING ERRCODE = 'CU001';
		END IF;
	END IF;
	-- Time is the server's, taken in this transaction, never backwards.
	IF NEW.time IS DISTINCT FROM v.time THEN
		RAISE EXCEPTION 'custos: entry %: the row''s time is not the entry''s', v.idx
			USING ERRCODE = 'CU001';
	END IF;
	IF v.time < greatest(pg_catalog.now(), h.last_time)
	   OR v.time > greatest(pg_catalog.clock_timestamp(), h.last_time) THEN
		RAISE EXCEPTION 'custos: entry %: its time % is not the server''s time of this '
			'transaction (from % to now, and not before the last entry''s)', v.idx, v.time,
			pg_catalog.now() USING ERRCODE = 'CU001';
	END IF;
	NEW.ref := v.ref;
	NEW.holder := v.holder;
	NEW.subject := v.key_name;
	NEW.subject_role := v.key_role;
	NEW.subject_vkey := v.key_vkey;
	UPDATE custos.log_head SET size = NEW.idx + 1, last_leaf = NEW.leaf,
	       last_time = NEW.time, last_xid = pg_catalog.pg_current_xact_id();
	RETURN NEW;
END $$;

-- A login's group roles follow its person's roles (006), also when the
-- entry that changes them is signed by custodians: a change of custodian
-- gives the incoming custodian the role and ends the outgoing one's, and
-- the server, applying it (applying()), brings both logins in line.  The
-- groups are derived from person_role, which only the server writes, so
-- nobody gains by the call.
GRANT EXECUTE ON FUNCTION custos.applying() TO custos_login_admin;
CREATE OR REPLACE FUNCTION custos.sync_login(p text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE
	l name; revoked boolean; g text; want boolean;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() AND NOT custos.applying() THEN
		RAISE EXCEPTION 'custos: only an administrator manages logins'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	l := custos.managed_login(p, true);
	IF l IS NULL THEN
		RETURN;
	END IF;
	SELECT pe.revoked_idx IS NOT NULL INTO revoked FROM custos.person pe WHERE pe.name = p;
	EXECUTE pg_catalog.format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', l,
				  custos.policy_value('idle_transaction_seconds', 5) || 's');
	FOREACH g IN ARRAY ARRAY['custos_administrator', 'custos_custodian',
				 'custos_holder', 'custos_auditor'] LOOP
		want := NOT revoked AND EXISTS (
			SELECT FROM custos.person_role r WHERE r.person = p AND
			CASE g WHEN 'custos_administrator' THEN r.role = 'administrator'
			       WHEN 'custos_custodian' THEN r.role IN ('custodian', 'alternate')
			       WHEN 'custos_holder' THEN r.role IN ('holder', 'witness')
			       ELSE r.role IN ('auditor', 'authority') END);
		IF want THEN
			EXECUTE pg_catalog.format('GRANT %I TO %I', g, l);
		ELSIF pg_catalog.pg_has_role(l, g, 'MEMBER') THEN
			EXECUTE pg_catalog.format('REVOKE %I FROM %I', g, l);
		END IF;
	END LOOP;
END $$;
