-- 002_roles.sql: who may do what.
--
-- Group roles (cluster-wide, NOLOGIN): custos_administrator,
-- custos_custodian, custos_holder, custos_auditor.  Every person logs in as
-- their own role, a member of the groups their ledger roles call for
-- (custos.sync_login).  Row-level security confines a person to the
-- accounts they belong to; administrators and auditors read everything.
-- The objects' owner (who ran the migrations) is the "owner" role.

DO $$
DECLARE g text;
BEGIN
	FOREACH g IN ARRAY ARRAY['custos_administrator', 'custos_custodian',
				 'custos_holder', 'custos_auditor'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = g) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', g);
		END IF;
	END LOOP;
END $$;

REVOKE ALL ON SCHEMA custos FROM PUBLIC;
GRANT USAGE ON SCHEMA custos TO custos_administrator, custos_custodian, custos_holder, custos_auditor;

-- These small functions are PL/pgSQL, not SQL, so that their plans are
-- cached for the session: a row-level-security policy calls them in every
-- statement.

-- Who is asking: the person whose login is the session user, not revoked.
CREATE FUNCTION custos.me() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN (SELECT name FROM custos.person WHERE login = session_user AND revoked_idx IS NULL);
END $$;

-- The accounts the asking person holds any role on / custody roles on.
CREATE FUNCTION custos.my_accounts() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(DISTINCT account), '{}') FROM custos.person_role
	 WHERE person = custos.me() AND account IS NOT NULL);
END $$;
CREATE FUNCTION custos.my_custody_accounts() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(DISTINCT account), '{}') FROM custos.person_role
	 WHERE person = custos.me() AND role IN ('custodian', 'alternate'));
END $$;

-- Administrators and auditors read every account.
CREATE FUNCTION custos.sees_all() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN (SELECT EXISTS (SELECT FROM custos.person_role
			WHERE person = custos.me() AND role IN ('administrator', 'auditor', 'authority')));
END $$;
CREATE FUNCTION custos.is_administrator() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN (SELECT EXISTS (SELECT FROM custos.person_role
			WHERE person = custos.me() AND role = 'administrator'));
END $$;

-- Whether an account is open in this ledger: not a secret, and needed to
-- tell a transfer between two accounts here from one leaving the ledger.
CREATE FUNCTION custos.account_exists(n text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	RETURN (SELECT EXISTS (SELECT FROM custos.account WHERE number = n));
END $$;

-- Lock the log head for an append and return it.  Only persons who may
-- sign entries get here; the lock serialises appends.
CREATE FUNCTION custos.lock_head(OUT origin text, OUT size bigint, OUT last_leaf bytea,
				 OUT last_time_us bigint, OUT now_us bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
	SELECT h.origin, h.size, h.last_leaf,
	       (extract(epoch FROM h.last_time) * 1000000)::bigint,
	       -- the server's clock, never before the last entry's time
	       (extract(epoch FROM greatest(clock_timestamp(), h.last_time)) * 1000000)::bigint
	  FROM custos.log_head h FOR UPDATE
$$;

-- An entry is appended only at the head, and moves it.
CREATE FUNCTION custos.log_append_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE h custos.log_head;
BEGIN
	SELECT * INTO h FROM custos.log_head FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: the log has no head; run custos db init';
	END IF;
	IF NEW.idx <> h.size THEN
		RAISE EXCEPTION 'custos: log entry % is not at the head (size %)', NEW.idx, h.size;
	END IF;
	IF h.last_time IS NOT NULL AND NEW.time < h.last_time THEN
		RAISE EXCEPTION 'custos: log entry % is earlier than the entry before it', NEW.idx;
	END IF;
	UPDATE custos.log_head SET size = NEW.idx + 1, last_leaf = NEW.leaf,
	       last_time = NEW.time, last_xid = pg_current_xact_id();
	RETURN NEW;
END $$;
CREATE TRIGGER log_entry_append BEFORE INSERT ON custos.log_entry
	FOR EACH ROW EXECUTE FUNCTION custos.log_append_guard();

-- The log is append-only: no UPDATE, DELETE or TRUNCATE, for anyone.
CREATE FUNCTION custos.log_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'custos: the log is append-only; % on % refused', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER log_entry_immutable BEFORE UPDATE OR DELETE ON custos.log_entry
	FOR EACH ROW EXECUTE FUNCTION custos.log_immutable();
CREATE TRIGGER log_entry_no_truncate BEFORE TRUNCATE ON custos.log_entry
	FOR EACH STATEMENT EXECUTE FUNCTION custos.log_immutable();
CREATE TRIGGER log_head_no_truncate BEFORE TRUNCATE ON custos.log_head
	FOR EACH STATEMENT EXECUTE FUNCTION custos.log_immutable();
CREATE TRIGGER entry_item_immutable BEFORE UPDATE OR DELETE ON custos.entry_item
	FOR EACH ROW EXECUTE FUNCTION custos.log_immutable();

-- Fail closed: state changes only in a transaction that appended an entry.
CREATE FUNCTION custos.state_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
BEGIN
	IF (SELECT last_xid FROM custos.log_head) IS DISTINCT FROM pg_current_xact_id() THEN
		RAISE EXCEPTION 'custos: % on % without a log entry in the same transaction',
			TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
	RETURN NEW;
END $$;
DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['account', 'person', 'person_role', 'item', 'entry_item',
				 'txn', 'incident'] LOOP
		EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON custos.%I '
					  'FOR EACH ROW EXECUTE FUNCTION custos.state_guard()',
					  t || '_state_guard', t);
	END LOOP;
END $$;

-- Make a person's login role (if missing) and its group memberships match
-- their ledger roles; a revoked person keeps the login but no group.
CREATE FUNCTION custos.sync_login(p text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE
	l name; revoked boolean; g text; want boolean;
BEGIN
	IF session_user <> (SELECT nspowner::regrole::name FROM pg_namespace WHERE nspname = 'custos')
	   AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator manages logins'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT login, revoked_idx IS NOT NULL INTO l, revoked FROM custos.person WHERE name = p;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no person %', p;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = l) THEN
		EXECUTE format('CREATE ROLE %I LOGIN', l);
	END IF;
	FOREACH g IN ARRAY ARRAY['custos_administrator', 'custos_custodian',
				 'custos_holder', 'custos_auditor'] LOOP
		want := NOT revoked AND EXISTS (
			SELECT FROM custos.person_role r WHERE r.person = p AND
			CASE g WHEN 'custos_administrator' THEN r.role = 'administrator'
			       WHEN 'custos_custodian' THEN r.role IN ('custodian', 'alternate')
			       WHEN 'custos_holder' THEN r.role IN ('holder', 'witness')
			       ELSE r.role IN ('auditor', 'authority') END);
		IF want THEN
			EXECUTE format('GRANT %I TO %I', g, l);
		ELSIF pg_has_role(l, g, 'MEMBER') THEN
			EXECUTE format('REVOKE %I FROM %I', g, l);
		END IF;
	END LOOP;
END $$;

-- Set a login's password from a SCRAM verifier made by the client
-- (PQencryptPasswordConn), so the clear password never reaches the server.
CREATE FUNCTION custos.set_login_password(p text, verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos AS $$
DECLARE l name;
BEGIN
	IF session_user <> (SELECT nspowner::regrole::name FROM pg_namespace WHERE nspname = 'custos')
	   AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator sets passwords'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF verifier !~ '^SCRAM-SHA-256\$' THEN
		RAISE EXCEPTION 'custos: not a SCRAM-SHA-256 verifier';
	END IF;
	SELECT login INTO l FROM custos.person WHERE name = p;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no person %', p;
	END IF;
	EXECUTE format('ALTER ROLE %I PASSWORD %L', l, verifier);
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA custos FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custos.me(), custos.my_accounts(), custos.my_custody_accounts(),
	custos.sees_all(), custos.is_administrator(), custos.account_exists(text)
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
GRANT EXECUTE ON FUNCTION custos.lock_head() TO custos_administrator, custos_custodian;
GRANT EXECUTE ON FUNCTION custos.sync_login(text), custos.set_login_password(text, text)
	TO custos_administrator;

-- Table privileges: everyone reads (row-level security filters), signers
-- write the tables their actions change.  Nobody but the owner updates,
-- deletes or truncates the log.
GRANT SELECT ON ALL TABLES IN SCHEMA custos
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
GRANT INSERT ON custos.log_entry TO custos_administrator, custos_custodian;
GRANT INSERT ON custos.account, custos.person, custos.person_role TO custos_administrator;
GRANT UPDATE (revoked_idx) ON custos.person TO custos_administrator;
GRANT DELETE ON custos.person_role TO custos_administrator;
GRANT INSERT, UPDATE ON custos.item, custos.txn, custos.incident
	TO custos_custodian;
GRANT INSERT ON custos.entry_item TO custos_custodian;
GRANT UPDATE (last_inventory) ON custos.account TO custos_custodian;

-- Row-level security.  Every function call in a policy is wrapped in a
-- scalar subquery, so PostgreSQL evaluates it once per statement (an
-- initplan) instead of once per row and again while planning.
ALTER TABLE custos.account ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_read ON custos.account FOR SELECT
	USING ((SELECT custos.sees_all()) OR number = ANY ((SELECT custos.my_accounts())::text[]));
CREATE POLICY account_open ON custos.account FOR INSERT WITH CHECK ((SELECT custos.is_administrator()));
CREATE POLICY account_inventory ON custos.account FOR UPDATE
	USING (number = ANY ((SELECT custos.my_custody_accounts())::text[]));

ALTER TABLE custos.item ENABLE ROW LEVEL SECURITY;
-- A closed 'transferred' item stays visible: it may come back by receipt.
CREATE POLICY item_read ON custos.item FOR SELECT
	USING ((SELECT custos.sees_all()) OR account = ANY ((SELECT custos.my_accounts())::text[])
	       OR peer = ANY ((SELECT custos.my_accounts())::text[]) OR holder = (SELECT custos.me())
	       OR status = 'transferred');
CREATE POLICY item_insert ON custos.item FOR INSERT
	WITH CHECK (account = ANY ((SELECT custos.my_custody_accounts())::text[]));
CREATE POLICY item_update ON custos.item FOR UPDATE
	USING (account = ANY ((SELECT custos.my_custody_accounts())::text[])
	       OR (status = 'in_transit' AND peer = ANY ((SELECT custos.my_custody_accounts())::text[]))
	       OR status = 'transferred')
	WITH CHECK (account = ANY ((SELECT custos.my_custody_accounts())::text[])
		    OR (status = 'transferred' AND peer = ANY ((SELECT custos.my_custody_accounts())::text[])));

ALTER TABLE custos.log_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY log_read ON custos.log_entry FOR SELECT
	USING ((SELECT custos.sees_all()) OR account IS NULL OR account = ANY ((SELECT custos.my_accounts())::text[])
	       OR peer = ANY ((SELECT custos.my_accounts())::text[]));
-- An entry is appended by its actor (the first signer) only.
CREATE POLICY log_append ON custos.log_entry FOR INSERT WITH CHECK (actor = (SELECT custos.me()));

ALTER TABLE custos.entry_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY entry_item_read ON custos.entry_item FOR SELECT
	USING ((SELECT custos.sees_all()) OR EXISTS (SELECT FROM custos.item i WHERE i.id = item_id));
CREATE POLICY entry_item_add ON custos.entry_item FOR INSERT WITH CHECK (true);

ALTER TABLE custos.txn ENABLE ROW LEVEL SECURITY;
CREATE POLICY txn_read ON custos.txn FOR SELECT
	USING ((SELECT custos.sees_all()) OR account = ANY ((SELECT custos.my_accounts())::text[])
	       OR peer = ANY ((SELECT custos.my_accounts())::text[]));
CREATE POLICY txn_write ON custos.txn FOR INSERT
	WITH CHECK (account = ANY ((SELECT custos.my_custody_accounts())::text[]));
CREATE POLICY txn_update ON custos.txn FOR UPDATE
	USING (account = ANY ((SELECT custos.my_custody_accounts())::text[]) OR peer = ANY ((SELECT custos.my_custody_accounts())::text[]));

ALTER TABLE custos.incident ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_read ON custos.incident FOR SELECT
	USING ((SELECT custos.sees_all()) OR account = ANY ((SELECT custos.my_accounts())::text[]));
CREATE POLICY incident_insert ON custos.incident FOR INSERT
	WITH CHECK (account = ANY ((SELECT custos.my_custody_accounts())::text[]));
CREATE POLICY incident_update ON custos.incident FOR UPDATE
	USING (account = ANY ((SELECT custos.my_custody_accounts())::text[]));
