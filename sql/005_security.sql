-- 005_security.sql: the database is the security boundary.
--
-- Every person logs in as their own role and may send any SQL, so the
-- server itself refuses what is not allowed:
-- - SECURITY DEFINER functions belong to custos_owner (NOLOGIN, not a
--   superuser), or, for the two that manage logins, to custos_login_admin
--   (NOLOGIN, CREATEROLE only); every one pins
--   search_path = pg_catalog, custos, pg_temp, so a caller's temporary
--   tables and types are found last, never instead of the catalog's.
-- - The custos extension (src/pg/custos_pg.c, the client's own parsers)
--   verifies every appended entry: canonical v1 text, index, prev, time,
--   action, transaction number, accounts and actor equal to the row and the
--   head, signatures by keys enrolled and unrevoked as of the index, the
--   action's distinct signers; and the actor's role for the action.
-- - A transaction that appended an entry changes only the state rows that
--   entry names, in the way its action allows (custos.state_guard).
-- - Checkpoints are stored only with a valid signature by the log key;
--   cosignatures only with a valid signature by a witness key that an
--   administrator registered.
-- - The log lock is waited for a bounded time (policy log_lock_wait_ms),
--   and the refusal names who holds it; custos logins lose an idle
--   transaction after policy idle_transaction_seconds.
-- - Row-level security is enabled on every table.
--
-- Needs the custos extension installed on the server (make install-ext)
-- and a superuser to run (CREATE EXTENSION with C functions).

CREATE EXTENSION IF NOT EXISTS custos SCHEMA custos;

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'custos_owner') THEN
		CREATE ROLE custos_owner NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'custos_login_admin') THEN
		CREATE ROLE custos_login_admin NOLOGIN CREATEROLE;
	END IF;
END $$;
ALTER ROLE custos_owner NOSUPERUSER NOCREATEDB NOCREATEROLE NOLOGIN NOREPLICATION NOBYPASSRLS;
ALTER ROLE custos_login_admin NOSUPERUSER NOCREATEDB CREATEROLE NOLOGIN NOREPLICATION NOBYPASSRLS;

INSERT INTO custos.policy (name, value, description) VALUES
	('log_lock_wait_ms', 5000,
	 'an action waits at most this many milliseconds for the log lock, then is refused '
	 'with the name of the person holding it'),
	('idle_transaction_seconds', 5,
	 'a custos login''s session that sits idle inside a transaction this long is ended '
	 '(idle_in_transaction_session_timeout), releasing the log lock it may hold');

-- What the extension found in each entry, kept beside it so that the state
-- guard needs no second parse: the transaction the entry answers, the
-- holder, and the person, role and key its key line names.
ALTER TABLE custos.log_entry ADD COLUMN ref text, ADD COLUMN holder text,
	ADD COLUMN subject text, ADD COLUMN subject_role text, ADD COLUMN subject_vkey text;

-- Witnesses whose cosignatures the database accepts: registered by an
-- administrator, never changed (like the log key).
CREATE TABLE custos.witness (
	name     text PRIMARY KEY,
	vkey     text NOT NULL UNIQUE,       -- cosigner verifier key (type 0x04)
	keyid    bytea NOT NULL CHECK (length(keyid) = 4),
	pubkey   bytea NOT NULL UNIQUE CHECK (length(pubkey) = 32),
	added_by text NOT NULL,
	added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER witness_immutable BEFORE UPDATE OR DELETE ON custos.witness
	FOR EACH ROW EXECUTE FUNCTION custos.log_immutable();
CREATE TRIGGER witness_no_truncate BEFORE TRUNCATE ON custos.witness
	FOR EACH STATEMENT EXECUTE FUNCTION custos.log_immutable();

-- The schema's owner is custos_owner now: "the owner" of earlier
-- migrations (benchmarks, repairs, db init) is a superuser.
CREATE OR REPLACE FUNCTION custos.is_owner() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	RETURN coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user),
			false);
END $$;

-- A policy value (a positive integer), or the default.
CREATE FUNCTION custos.policy_value(n text, dflt integer) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	RETURN coalesce((SELECT p.value FROM custos.policy p WHERE p.name = n), dflt);
END $$;

-- Who holds the log lock, as a sentence for the refusal: the person (and
-- login) of the other session whose transaction has the log head's row
-- locked (FOR UPDATE takes ROW SHARE on the table, the append's UPDATE ROW
-- EXCLUSIVE; plain readers take neither).
CREATE FUNCTION custos.log_lock_holder() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE who text; l name; p integer;
BEGIN
	SELECT k.pid INTO p FROM pg_catalog.pg_locks k
	 WHERE k.locktype = 'relation' AND k.relation = 'custos.log_head'::regclass
	   AND k.mode IN ('RowShareLock', 'RowExclusiveLock') AND k.granted
	   AND k.pid <> pg_catalog.pg_backend_pid()
	 ORDER BY k.pid LIMIT 1;
	IF p IS NULL THEN
		RETURN 'another session';
	END IF;
	SELECT a.usename INTO l FROM pg_catalog.pg_stat_activity a WHERE a.pid = p;
	SELECT pe.name INTO who FROM custos.person pe WHERE pe.login = l;
	RETURN coalesce(who || ' (login ' || l || ', server process ' || p || ')',
			'login ' || coalesce(l, '?') || ' (server process ' || p || ')');
END $$;

-- Lock the log head for an append and return it, waiting at most
-- log_lock_wait_ms; then refuse with SQLSTATE 55P03 naming the holder.
CREATE OR REPLACE FUNCTION custos.lock_head(OUT origin text, OUT size bigint, OUT last_leaf bytea,
					    OUT last_time_us bigint, OUT now_us bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, custos, pg_temp SET lock_timeout = '5s' AS $$
DECLARE wait_ms integer := custos.policy_value('log_lock_wait_ms', 5000);
BEGIN
	PERFORM pg_catalog.set_config('lock_timeout', wait_ms || 'ms', true);
	BEGIN
		SELECT h.origin, h.size, h.last_leaf,
		       (extract(epoch FROM h.last_time) * 1000000)::bigint,
		       -- the server's clock, never before the last entry's time
		       (extract(epoch FROM greatest(clock_timestamp(), h.last_time)) * 1000000)::bigint
		  INTO origin, size, last_leaf, last_time_us, now_us
		  FROM custos.log_head h FOR UPDATE;
	EXCEPTION WHEN lock_not_available THEN
		RAISE EXCEPTION 'custos: the log is busy: % has held its lock for more than % ms; '
			'try again', custos.log_lock_holder(), wait_ms
			USING ERRCODE = 'lock_not_available';
	END;
END $$;

-- The actor's standing for an action: material actions are signed first
-- by a custodian or alternate of the entry's account, registry actions by
-- an administrator.  (The other signers' roles and the custody rules are
-- judged by the replay; see docs/threat-model.md.)
CREATE FUNCTION custos.actor_may(actor text, act text, acct text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	IF act IN ('key-enrol', 'key-revoke', 'account-open') THEN
		RETURN EXISTS (SELECT FROM custos.person_role r
				WHERE r.person = actor AND r.role = 'administrator');
	END IF;
	RETURN EXISTS (SELECT FROM custos.person_role r WHERE r.person = actor
			AND r.account = acct AND r.role IN ('custodian', 'alternate'));
END $$;

-- Every entry is verified before it is stored, and moves the head.
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
	material := v.action IN ('receipt', 'transfer', 'accept', 'issue', 'return', 'destroy',
				 'possession', 'inventory', 'incident-report', 'incident-update',
				 'incident-close');
	IF v.action = 'genesis' THEN
		IF v.idx <> 0 THEN
			RAISE EXCEPTION 'custos: entry %: only the first entry may be genesis', v.idx
				USING ERRCODE = 'CU001';
		END IF;
	ELSIF v.idx = 0 THEN
		RAISE EXCEPTION 'custos: entry 0 must be genesis, not %', v.action USING ERRCODE = 'CU001';
	ELSIF NOT material AND v.action NOT IN ('key-enrol', 'key-revoke', 'account-open') THEN
		RAISE EXCEPTION 'custos: entry %: % entries are not supported by this ledger', v.idx,
			v.action USING ERRCODE = 'CU001';
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

-- State follows only its entry: in the transaction that appended entry e,
-- a state row may change only if e names it, in the way e's action allows.
-- (The custody rules themselves are the replay's: docs/ledger.md.)
CREATE OR REPLACE FUNCTION custos.state_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE e custos.log_entry; ok boolean; it custos.item;
BEGIN
	SELECT l.* INTO e FROM custos.log_head h JOIN custos.log_entry l ON l.idx = h.size - 1
	 WHERE h.last_xid = pg_catalog.pg_current_xact_id();
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: % on % without a log entry in the same transaction',
			TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
	END IF;
	CASE TG_TABLE_NAME
	WHEN 'item' THEN
		ok := TG_OP <> 'DELETE' AND e.account IS NOT NULL
		      AND custos.entry_names_item(e.leaf, NEW.title, NEW.edition, NEW.serial)
		      AND NEW.account = e.account AND NEW.last_idx = e.idx;
		IF ok AND TG_OP = 'UPDATE' THEN
			ok := (OLD.title, OLD.edition, OLD.serial) = (NEW.title, NEW.edition, NEW.serial)
			      AND (OLD.account = e.account OR OLD.account = e.peer
				   OR OLD.account = (SELECT t.account FROM custos.txn t WHERE t.number = e.ref));
		END IF;
	WHEN 'entry_item' THEN
		SELECT * INTO it FROM custos.item i WHERE i.id = NEW.item_id;
		ok := TG_OP = 'INSERT' AND NEW.idx = e.idx AND FOUND
		      AND custos.entry_names_item(e.leaf, it.title, it.edition, it.serial);
	WHEN 'txn' THEN
		IF TG_OP = 'INSERT' THEN
			ok := NEW.number = e.txn AND NEW.idx = e.idx AND NEW.account = e.account
			      AND NEW.action = e.action;
		ELSE
			-- the entry's own, the one it answers, or (destroy, return,
			-- incident-close) a hand receipt of the account it empties
			ok := TG_OP = 'UPDATE' AND (OLD.number, OLD.account, OLD.year, OLD.seq, OLD.action, OLD.idx)
				= (NEW.number, NEW.account, NEW.year, NEW.seq, NEW.action, NEW.idx)
			      AND (OLD.number = e.txn OR OLD.number = e.ref
				   OR (OLD.action = 'issue' AND OLD.account = e.account AND NOT NEW.open));
		END IF;
	WHEN 'incident' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action = 'incident-report' AND NEW.txn = e.txn AND NEW.account = e.account;
		ELSE
			ok := TG_OP = 'UPDATE' AND OLD.txn = e.ref AND NEW.txn = OLD.txn
			      AND NEW.account = OLD.account AND OLD.account = e.account;
		END IF;
	WHEN 'account' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action = 'account-open' AND NEW.number = e.account AND NEW.opened_idx = e.idx;
		ELSE
			ok := TG_OP = 'UPDATE' AND e.action = 'inventory' AND OLD.number = e.account
			      AND (NEW.number, NEW.name, NEW.opened_idx, NEW.opened_at)
				  = (OLD.number, OLD.name, OLD.opened_idx, OLD.opened_at);
		END IF;
	WHEN 'person' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action IN ('genesis', 'key-enrol') AND NEW.name = e.subject
			      AND NEW.vkey = e.subject_vkey AND NEW.enrolled_idx = e.idx
			      AND NEW.revoked_idx IS NULL;
		ELSE
			ok := TG_OP = 'UPDATE' AND e.action = 'key-revoke' AND OLD.name = e.subject
			      AND (NEW.name, NEW.login, NEW.vkey, NEW.pubkey, NEW.enrolled_idx)
				  = (OLD.name, OLD.login, OLD.vkey, OLD.pubkey, OLD.enrolled_idx)
			      AND NEW.revoked_idx = e.idx;
		END IF;
	WHEN 'person_role' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action IN ('genesis', 'key-enrol') AND NEW.person = e.subject
			      AND NEW.role = e.subject_role AND NEW.account IS NOT DISTINCT FROM e.account
			      AND NEW.since_idx = e.idx;
		ELSE
			ok := TG_OP = 'DELETE' AND e.action = 'key-revoke' AND OLD.person = e.subject
			      AND OLD.role = e.subject_role AND OLD.account IS NOT DISTINCT FROM e.account;
		END IF;
	ELSE
		ok := false;
	END CASE;
	IF NOT coalesce(ok, false) THEN
		RAISE EXCEPTION 'custos: % on % is not what entry % (%) names', TG_OP, TG_TABLE_NAME,
			e.idx, e.action USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
	RETURN NEW;
END $$;

-- Make a person's login role (if missing), its group memberships match
-- their ledger roles, and its session limits those of the policy.
CREATE OR REPLACE FUNCTION custos.sync_login(p text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE
	l name; revoked boolean; g text; want boolean;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator manages logins'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT pe.login, pe.revoked_idx IS NOT NULL INTO l, revoked FROM custos.person pe WHERE pe.name = p;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no person %', p;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = l) THEN
		EXECUTE pg_catalog.format('CREATE ROLE %I LOGIN', l);
	ELSIF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = l) THEN
		-- a superuser is not managed here (db init by the superuser itself)
		RETURN;
	END IF;
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
	SELECT pe.login INTO l FROM custos.person pe WHERE pe.name = p;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no person %', p;
	END IF;
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = l) THEN
		RAISE EXCEPTION 'custos: % logs in as a superuser; custos does not set its password', p
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	EXECUTE pg_catalog.format('ALTER ROLE %I PASSWORD %L', l, verifier);
END $$;

-- A checkpoint is stored only if the log key's signature verifies.
CREATE OR REPLACE FUNCTION custos.checkpoint_store(n bytea, sz bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE k custos.log_key; hs bigint; r bytea; body bytea; sig bytea; rest bytea;
BEGIN
	IF NOT custos.is_owner() AND NOT EXISTS (SELECT FROM custos.person_role pr
			WHERE pr.person = custos.me() AND pr.role IN ('administrator', 'custodian', 'alternate')) THEN
		RAISE EXCEPTION 'custos: only an administrator, custodian or alternate stores checkpoints'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT * INTO k FROM custos.log_key;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no log key is registered (custos log key set VKEY)';
	END IF;
	SELECT h.size INTO hs FROM custos.log_head h;
	IF sz < 1 OR sz > hs THEN
		RAISE EXCEPTION 'custos: a checkpoint of size % for a log of % entries', sz, hs;
	END IF;
	PERFORM pg_catalog.pg_advisory_xact_lock(7268853);
	IF EXISTS (SELECT FROM custos.checkpoint c WHERE c.size = sz) THEN
		RETURN false;
	END IF;
	r := custos.checkpoint_root_checked(sz);
	body := convert_to(k.name || E'\n' || sz || E'\n' || encode(r, 'base64') || E'\n', 'UTF8');
	IF substring(n FROM 1 FOR length(body)) IS DISTINCT FROM body THEN
		RAISE EXCEPTION 'custos: the checkpoint''s text is not the log''s origin, size % and root %',
			sz, encode(r, 'base64') USING ERRCODE = 'CU001';
	END IF;
	rest := substring(n FROM length(body) + 1);
	IF substring(rest FROM 1 FOR length(convert_to(k.name, 'UTF8')) + 6)
	   IS DISTINCT FROM '\x0ae2809420'::bytea || convert_to(k.name || ' ', 'UTF8')
	   OR length(rest) <> length(convert_to(k.name, 'UTF8')) + 6 + 92 + 1
	   OR get_byte(rest, length(rest) - 1) <> 10 THEN
		RAISE EXCEPTION 'custos: a checkpoint carries exactly one signature line, by the log key %', k.name
			USING ERRCODE = 'CU001';
	END IF;
	IF NOT custos.note_signed_by(n, k.vkey) THEN
		RAISE EXCEPTION 'custos: the checkpoint''s signature is not by the registered log key'
			USING ERRCODE = 'CU001';
	END IF;
	INSERT INTO custos.checkpoint (size, root, note, made_by) VALUES (sz, r, n, coalesce(custos.me(), session_user));
	RETURN true;
END $$;

-- Register a witness by its cosigner verifier key (name+hexid+base64(0x04||pk)):
-- an administrator, once per witness, never changed.
CREATE FUNCTION custos.witness_add(v text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE k record;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator registers witnesses'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	k := custos.vkey_parse(v, true);
	IF EXISTS (SELECT FROM custos.witness w WHERE w.vkey = v) THEN
		RETURN false;
	END IF;
	IF EXISTS (SELECT FROM custos.witness w WHERE w.name = k.name OR w.pubkey = k.pubkey) THEN
		RAISE EXCEPTION 'custos: a witness named % or with that key is registered with another key',
			k.name USING ERRCODE = 'unique_violation';
	END IF;
	INSERT INTO custos.witness (name, vkey, keyid, pubkey, added_by)
	VALUES (k.name, v, k.keyid, k.pubkey, coalesce(custos.me(), session_user));
	RETURN true;
END $$;

-- Add one witness cosignature line (without its newline) to the stored
-- checkpoint of `sz` entries, if it verifies by a registered witness key.
-- True if new, false if stored already.
CREATE OR REPLACE FUNCTION custos.cosignature_add(sz bigint, l bytea) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE t text; nm text; b bytea; c custos.checkpoint; w custos.witness;
BEGIN
	IF NOT custos.is_owner() AND NOT custos.sees_all() THEN
		RAISE EXCEPTION 'custos: only an administrator, auditor or authority stores cosignatures'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT * INTO c FROM custos.checkpoint cp WHERE cp.size = sz;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no checkpoint of size % is stored', sz;
	END IF;
	t := convert_from(l, 'UTF8');
	IF t !~ '^— [^ ]+ [A-Za-z0-9+/]+=*$' THEN
		RAISE EXCEPTION 'custos: not a cosignature line' USING ERRCODE = 'CU001';
	END IF;
	nm := split_part(t, ' ', 2);
	b := decode(split_part(t, ' ', 3), 'base64');
	IF length(b) <> 76 THEN
		RAISE EXCEPTION 'custos: a tlog-cosignature/v1 signature is 76 bytes, not %', length(b)
			USING ERRCODE = 'CU001';
	END IF;
	SELECT * INTO w FROM custos.witness wi WHERE wi.name = nm AND wi.keyid = substring(b FROM 1 FOR 4);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: no witness % with key ID % is registered (custos log witness add VKEY)',
			nm, encode(substring(b FROM 1 FOR 4), 'hex') USING ERRCODE = 'CU001';
	END IF;
	PERFORM custos.cosignature_verify(c.note, l, w.vkey);
	IF EXISTS (SELECT FROM custos.cosignature cs WHERE cs.size = sz AND cs.line = l) THEN
		RETURN false;
	END IF;
	INSERT INTO custos.cosignature (size, line, name, keyid, added_by)
	VALUES (sz, l, nm, substring(b FROM 1 FOR 4), coalesce(custos.me(), session_user));
	RETURN true;
END $$;

-- Row-level security on every table.  The tables below hold nothing an
-- enrolled person may not read; their writes go through definer functions
-- (which run as the owner, whom row-level security does not confine) or
-- are refused by privileges and the state guard.
DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['policy', 'log_head', 'person', 'person_role', 'log_key',
				 'merkle_node', 'checkpoint', 'cosignature', 'witness',
				 'schema_version'] LOOP
		EXECUTE pg_catalog.format('ALTER TABLE custos.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE pg_catalog.format('CREATE POLICY %I ON custos.%I FOR SELECT USING (true)',
					  t || '_read', t);
	END LOOP;
END $$;
CREATE POLICY person_enrol ON custos.person FOR INSERT WITH CHECK ((SELECT custos.is_administrator()));
CREATE POLICY person_revoke ON custos.person FOR UPDATE USING ((SELECT custos.is_administrator()));
CREATE POLICY person_role_enrol ON custos.person_role FOR INSERT
	WITH CHECK ((SELECT custos.is_administrator()));
CREATE POLICY person_role_end ON custos.person_role FOR DELETE
	USING ((SELECT custos.is_administrator()));
-- A peer's custodian no longer updates another account's transactions.
DROP POLICY txn_update ON custos.txn;
CREATE POLICY txn_update ON custos.txn FOR UPDATE
	USING (account = ANY ((SELECT custos.my_custody_accounts())::text[])
	       OR (action = 'transfer' AND peer = ANY ((SELECT custos.my_custody_accounts())::text[])));

-- Ownership: everything of the schema to custos_owner, the two login
-- functions to custos_login_admin; the extension's C functions stay the
-- extension's.  Every definer function pins its search_path, pg_temp last.
ALTER SCHEMA custos OWNER TO custos_owner;
DO $$
DECLARE o record;
BEGIN
	FOR o IN SELECT c.oid::regclass AS name FROM pg_catalog.pg_class c
		  WHERE c.relnamespace = 'custos'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO custos_owner', o.name);
	END LOOP;
	FOR o IN SELECT p.oid::regprocedure AS name, p.prosecdef FROM pg_catalog.pg_proc p
		  WHERE p.pronamespace = 'custos'::regnamespace
		    AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_proc'::regclass
				    AND d.objid = p.oid AND d.deptype = 'e')
	LOOP
		EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO custos_owner', o.name);
		IF o.prosecdef THEN
			EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, custos, pg_temp',
						  o.name);
		END IF;
	END LOOP;
END $$;
ALTER FUNCTION custos.sync_login(text) OWNER TO custos_login_admin;
ALTER FUNCTION custos.set_login_password(text, text) OWNER TO custos_login_admin;

-- What the owner roles may use of each other's.
GRANT USAGE ON SCHEMA custos TO custos_login_admin;
GRANT SELECT ON custos.person, custos.person_role, custos.policy TO custos_login_admin;
GRANT EXECUTE ON FUNCTION custos.entry_verify(bytea, text[]), custos.note_signer_names(bytea),
	custos.entry_names_item(bytea, text, text, text), custos.note_signed_by(bytea, text),
	custos.cosignature_verify(bytea, bytea, text), custos.vkey_parse(text, boolean)
	TO custos_owner;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA custos FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custos.is_owner(), custos.is_administrator(), custos.me(),
	custos.policy_value(text, integer) TO custos_login_admin;
GRANT EXECUTE ON FUNCTION custos.is_owner(), custos.policy_value(text, integer)
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
GRANT EXECUTE ON FUNCTION custos.witness_add(text) TO custos_administrator;
GRANT SELECT ON custos.witness TO custos_administrator, custos_custodian, custos_holder, custos_auditor;

-- Existing logins get the session limits.
DO $$
DECLARE p text;
BEGIN
	FOR p IN SELECT name FROM custos.person LOOP
		PERFORM custos.sync_login(p);
	END LOOP;
END $$;
