-- 019_access_events.sql: who logged in, what was refused, what was exported.
--
-- custos.access_event is the access log that auditors read (issue 11):
-- each custos session's login, each action the rules refused (with the
-- refusal code of rules.h), each export of the log.  It is not the ledger:
-- the events are the client's report, in its own short transaction, of
-- what it did and tried; the server stamps who reported it and when.
--
-- - Written only through custos.access_record, a definer function of
--   custos_owner that stamps the time (the server's), the session's login
--   and that login's person itself: a caller names nobody, only the kind,
--   the account, the action, the refusal code and a short detail, each
--   judged (the action by the extension's action table, the code by its
--   list of refusals: one list, rules.c's).
-- - Append-only: no login is granted INSERT, UPDATE, DELETE or TRUNCATE,
--   and a trigger refuses UPDATE, DELETE and TRUNCATE even to the owner.
-- - Read by auditors only (custos_auditor): an administrator's logins and
--   refusals are what the auditor watches.
ALTER EXTENSION custos UPDATE TO '1.5';
GRANT EXECUTE ON FUNCTION custos.refusal_known(text) TO custos_owner;

CREATE TABLE custos.access_event (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at      timestamptz NOT NULL DEFAULT clock_timestamp(),
	login   text COLLATE "C" NOT NULL,
	person  text COLLATE "C",
	account text COLLATE "C" CHECK (account ~ '^[0-9]{6}$'),
	kind    text NOT NULL CHECK (kind IN ('login', 'refusal', 'export')),
	action  text COLLATE "C" CHECK (length(action) <= 32),
	code    text COLLATE "C" CHECK (length(code) <= 32 AND (code IS NULL OR kind = 'refusal')),
	detail  text CHECK (length(detail) <= 200)
);
-- The filters of custos access (src/access.c), each paged by id.
CREATE INDEX access_event_person ON custos.access_event (person, id);
CREATE INDEX access_event_account ON custos.access_event (account, id);
CREATE INDEX access_event_at ON custos.access_event (at, id);
CREATE INDEX access_event_kind ON custos.access_event (kind, id);
ALTER TABLE custos.access_event OWNER TO custos_owner;

CREATE TRIGGER access_event_immutable BEFORE UPDATE OR DELETE ON custos.access_event
	FOR EACH ROW EXECUTE FUNCTION custos.log_immutable();
CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON custos.access_event
	FOR EACH STATEMENT EXECUTE FUNCTION custos.log_immutable();

REVOKE ALL ON custos.access_event FROM PUBLIC;
GRANT SELECT ON custos.access_event TO custos_auditor;
ALTER TABLE custos.access_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY access_event_read ON custos.access_event FOR SELECT USING (true);

-- Record one event of the session's login and return its id.  k: login,
-- refusal or export; acct: six digits or NULL; act: an action name of the
-- format or NULL; c: a refusal code (kind refusal only) or NULL; d: at
-- most 200 characters, no control, line-separator or bidi character, or
-- NULL.  Anything else is refused (22023) and nothing is stored.  The
-- caller runs it in a transaction of its own with synchronous_commit =
-- local, so that the event never waits for a standby (src/access.c).
CREATE FUNCTION custos.access_record(k text, acct text, act text, c text, d text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE who text; n bigint;
BEGIN
	IF k IS NULL OR k NOT IN ('login', 'refusal', 'export') THEN
		RAISE EXCEPTION 'custos: an access event is a login, a refusal or an export'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF acct IS NOT NULL AND acct !~ '^[0-9]{6}$' THEN
		RAISE EXCEPTION 'custos: an access event''s account is six digits'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF act IS NOT NULL AND (length(act) > 32 OR custos.action_material(act) IS NULL) THEN
		RAISE EXCEPTION 'custos: an access event''s action is an action of the log'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF c IS NOT NULL AND (k <> 'refusal' OR length(c) > 32 OR NOT custos.refusal_known(c)) THEN
		RAISE EXCEPTION 'custos: an access event''s code is a refusal code of the rules'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF d IS NOT NULL AND (length(d) > 200
	    OR d ~ '[[:cntrl:]\u0080-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]') THEN
		RAISE EXCEPTION 'custos: an access event''s detail is at most 200 characters, '
			'none of them a control, line-separator or bidi character'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT pe.name INTO who FROM custos.person pe WHERE pe.login = session_user;
	INSERT INTO custos.access_event (at, login, person, account, kind, action, code, detail)
	VALUES (clock_timestamp(), session_user, who, acct, k, act, c, d)
	RETURNING id INTO n;
	RETURN n;
END $$;
ALTER FUNCTION custos.access_record(text, text, text, text, text) OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.access_record(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custos.access_record(text, text, text, text, text)
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
