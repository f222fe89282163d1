-- 011_registry_apply.sql: the server derives the key registry and the
-- accounts from the verified entry; nobody writes those rows by hand.
--
-- Until now the server verified a registry entry (genesis, key-enrol,
-- key-revoke, account-open: its form, chain and signatures, its actor an
-- administrator) and the state guard let the appending transaction write
-- only the rows the entry names, but the administrator's client wrote them
-- (account, person, person_role, person.revoked_idx) and the rules of the
-- registry (a name or key enrolled to another, a role held twice, revoking
-- what is not held, the last custodian or administrator, an account opened
-- twice, the second signer's standing) were judged only by the client and,
-- afterwards, by `custos log verify`.  An administrator with psql could
-- store an entry the replay refuses, or a sound one with rows that say
-- something else (another account name, a person's row without its role).
--
-- entry_apply (extension 1.2) judges every entry with the replay's own
-- code against the records it touches and writes what the replay reaches;
-- for registry entries: the account opened, the person enrolled with their
-- role, the role ended and, with the last one, the key's revocation.  Then
-- the person's login is made or brought in line with their roles
-- (sync_login), so a revocation takes its groups away in the same
-- transaction, whoever sent it.  A refusal is CU001, its rule named in the
-- DETAIL where the rules have a code (rules.h).
--
-- A person's login role is not in the entry.  It is their key name, unless
-- an administrator declares another one in the enrolling transaction,
-- before the entry, with custos.enrol_login(person, login): the choice is
-- kept in custos.login_choice under the transaction's ID, and the entry's
-- trigger takes it (and deletes it).  A choice left by a transaction that
-- appended no enrolment of that person is never read again: the next
-- transaction has another ID.  Administrators lose their write privileges
-- on account, person and person_role.
ALTER EXTENSION custos UPDATE TO '1.2';
GRANT EXECUTE ON FUNCTION custos.entry_apply(bytea, text) TO custos_owner;
GRANT EXECUTE ON FUNCTION custos.sync_login(text) TO custos_owner;

CREATE TABLE custos.login_choice (
	xid    xid8 NOT NULL,
	person text COLLATE "C" NOT NULL,
	login  text NOT NULL CHECK (octet_length(login) BETWEEN 1 AND 63),
	PRIMARY KEY (xid, person)
);
COMMENT ON TABLE custos.login_choice IS
	'custos: the login role an administrator chose for a person enrolled in that transaction (custos.enrol_login)';
ALTER TABLE custos.login_choice OWNER TO custos_owner;
ALTER TABLE custos.login_choice ENABLE ROW LEVEL SECURITY;

-- The login role of person p, whom this transaction is about to enrol (the
-- key-enrol or genesis entry comes after this call): l instead of the key
-- name.  Administrators only; refused for a person enrolled already.
CREATE FUNCTION custos.enrol_login(p text, l text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	IF NOT custos.is_owner() AND NOT custos.is_administrator() THEN
		RAISE EXCEPTION 'custos: only an administrator chooses a person''s login'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF l IS NULL OR pg_catalog.octet_length(l) NOT BETWEEN 1 AND 63 THEN
		RAISE EXCEPTION 'custos: a login role name is 1 to 63 bytes, not %',
			coalesce(pg_catalog.octet_length(l), 0) USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT FROM custos.person pe WHERE pe.name = p) THEN
		RAISE EXCEPTION 'custos: % is enrolled already, with login %', p,
			(SELECT pe.login FROM custos.person pe WHERE pe.name = p) USING ERRCODE = 'CU001';
	END IF;
	INSERT INTO custos.login_choice (xid, person, login)
	VALUES (pg_catalog.pg_current_xact_id(), p, l)
	ON CONFLICT (xid, person) DO UPDATE SET login = EXCLUDED.login;
END $$;
ALTER FUNCTION custos.enrol_login(text, text) OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.enrol_login(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custos.enrol_login(text, text) TO custos_administrator;

-- Every entry: judged, and its state written, by the server.
CREATE OR REPLACE FUNCTION custos.log_custody_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE l text;
BEGIN
	IF NEW.action IN ('genesis', 'key-enrol') THEN
		DELETE FROM custos.login_choice c
		 WHERE c.xid = pg_catalog.pg_current_xact_id() AND c.person = NEW.subject
		RETURNING c.login INTO l;
	END IF;
	PERFORM custos.entry_apply(NEW.note, coalesce(l, ''));
	IF NEW.subject IS NOT NULL THEN
		PERFORM custos.sync_login(NEW.subject);
	END IF;
	RETURN NULL;
END $$;

REVOKE INSERT ON custos.account, custos.person, custos.person_role FROM custos_administrator;
REVOKE UPDATE (revoked_idx) ON custos.person FROM custos_administrator;
REVOKE DELETE ON custos.person_role FROM custos_administrator;
-- The row-level security that let administrators write them goes too.
DROP POLICY account_open ON custos.account;
DROP POLICY person_enrol ON custos.person;
DROP POLICY person_revoke ON custos.person;
DROP POLICY person_role_enrol ON custos.person_role;
DROP POLICY person_role_end ON custos.person_role;
