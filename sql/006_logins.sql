-- 006_logins.sql: custos manages only the logins it made.
--
-- custos.sync_login gives a person's login the custos group roles of their
-- ledger roles, and custos.set_login_password sets its password.  Before
-- this migration an administrator could name any existing role as a
-- person's login: a group role (custos_holder: every holder would become an
-- administrator) or a login the server's own administrators made for
-- something else (its password taken over).
--
-- Now a login custos manages is a direct member of custos_login, a NOLOGIN
-- role that is granted nothing.  sync_login makes a missing login and makes
-- it a member; an existing role that is not a member is refused: a group
-- role, a custos_ or pg_ role, or a login custos did not make.  A
-- superuser who wants custos to manage an existing login says so with
-- GRANT custos_login TO that login.  Roles are the cluster's, not the
-- database's: a login made by custos in one database of a cluster is one
-- custos manages in its other databases too.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'custos_login') THEN
		CREATE ROLE custos_login NOLOGIN;
	END IF;
END $$;
COMMENT ON ROLE custos_login IS
	'custos: its direct members are the logins custos manages (custos.sync_login); granted nothing';
GRANT custos_login TO custos_login_admin WITH ADMIN OPTION;

-- The logins of the persons enrolled so far were made by custos, or
-- adopted by the superuser who ran its migrations: custos manages them.
DO $$
DECLARE l name;
BEGIN
	FOR l IN SELECT r.rolname FROM custos.person pe JOIN pg_catalog.pg_roles r ON r.rolname = pe.login
		  WHERE r.rolcanlogin AND NOT r.rolsuper
		    AND r.rolname !~ '^(custos|pg)_' LOOP
		EXECUTE pg_catalog.format('GRANT custos_login TO %I', l);
	END LOOP;
END $$;

-- The login of person p, if custos manages it; refused otherwise, naming
-- why.  Null for a login that is a superuser (db init run by the
-- superuser as its own first administrator): custos leaves it alone.
-- Not a definer: it runs as the caller, sync_login or set_login_password.
CREATE FUNCTION custos.managed_login(p text, make boolean) RETURNS name
LANGUAGE plpgsql SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE l name; r pg_catalog.pg_roles;
BEGIN
	SELECT pe.login INTO l FROM custos.person pe WHERE pe.name = p;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no person %', p;
	END IF;
	SELECT * INTO r FROM pg_catalog.pg_roles ro WHERE ro.rolname = l;
	IF NOT FOUND THEN
		IF NOT make THEN
			RAISE EXCEPTION 'custos: the login % of % does not exist', l, p;
		END IF;
		EXECUTE pg_catalog.format('CREATE ROLE %I LOGIN', l);
		EXECUTE pg_catalog.format('GRANT custos_login TO %I', l);
		RETURN l;
	END IF;
	IF r.rolsuper THEN
		RETURN NULL;
	END IF;
	IF l ~ '^(custos|pg)_' OR NOT r.rolcanlogin THEN
		RAISE EXCEPTION 'custos: % is a group role, not a login; a person logs in as a role of their own', l
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members m
		       WHERE m.roleid = 'custos_login'::pg_catalog.regrole AND m.member = r.oid) THEN
		RAISE EXCEPTION 'custos: the login % exists and custos did not make it', l
			USING ERRCODE = 'insufficient_privilege',
			      HINT = pg_catalog.format('Choose another --login, or a superuser lets custos manage it: GRANT custos_login TO %I',
						       l);
	END IF;
	RETURN l;
END $$;
ALTER FUNCTION custos.managed_login(text, boolean) OWNER TO custos_login_admin;
REVOKE ALL ON FUNCTION custos.managed_login(text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION custos.sync_login(p text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE
	l name; revoked boolean; g text; want boolean;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() THEN
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

CREATE OR REPLACE FUNCTION custos.set_login_password(p text, verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE l name;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator sets passwords'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF verifier !~ '^SCRAM-SHA-256\$' THEN
		RAISE EXCEPTION 'custos: not a SCRAM-SHA-256 verifier';
	END IF;
	l := custos.managed_login(p, false);
	IF l IS NULL THEN
		RAISE EXCEPTION 'custos: % logs in as a superuser; custos does not set its password', p
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	EXECUTE pg_catalog.format('ALTER ROLE %I PASSWORD %L', l, verifier);
END $$;

-- An entry row without its note is refused in words before the append
-- guard runs (the guard's checks are all of the note; a strict check of a
-- null note would otherwise end in a PL/pgSQL error about an unassigned
-- record).  Triggers fire in name order: log_entry_0_note comes first.
CREATE FUNCTION custos.log_note_missing() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'custos: entry %: the row has no note; a log entry is its signed note', NEW.idx
		USING ERRCODE = 'CU001';
END $$;
ALTER FUNCTION custos.log_note_missing() OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.log_note_missing() FROM PUBLIC;
CREATE TRIGGER log_entry_0_note BEFORE INSERT ON custos.log_entry
	FOR EACH ROW WHEN (NEW.note IS NULL) EXECUTE FUNCTION custos.log_note_missing();
