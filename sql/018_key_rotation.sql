-- 018_key_rotation.sql: a person's key replaced by a key-rotate entry.
--
-- custos.person holds each person's key in force; a key-rotate entry
-- (signed by an administrator and by the key replaced, or, the key lost,
-- by a second administrator or an authority) puts a new key there, and the
-- key replaced moves to person_key with the entries it counted for.  A
-- key that was anyone's is never enrolled again: the server judges an
-- enrolment or a rotation against both tables.  Both are the server's to
-- write, as it applies the verified entry (013's state guard).
CREATE TABLE custos.person_key (
	person       text COLLATE "C" NOT NULL REFERENCES custos.person (name),
	vkey         text NOT NULL UNIQUE,
	pubkey       bytea NOT NULL UNIQUE CHECK (length(pubkey) = 32),
	from_idx     bigint NOT NULL REFERENCES custos.log_entry (idx),
	replaced_idx bigint NOT NULL REFERENCES custos.log_entry (idx),
	CHECK (from_idx < replaced_idx)
);
CREATE INDEX person_key_person ON custos.person_key (person);
ALTER TABLE custos.person_key OWNER TO custos_owner;
CREATE TRIGGER person_key_state_guard BEFORE INSERT OR UPDATE OR DELETE
	ON custos.person_key FOR EACH ROW EXECUTE FUNCTION custos.state_guard();

-- The entry since which the person's key in force counts: NULL, their
-- enrolment; else the last key-rotate.
ALTER TABLE custos.person ADD COLUMN key_idx bigint REFERENCES custos.log_entry (idx);

-- Public keys are no secret: every custos login reads who held which key when.
GRANT SELECT ON custos.person_key
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor, custos_login_admin;
ALTER TABLE custos.person_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY person_key_read ON custos.person_key FOR SELECT USING (true);
