-- 014_outside_accounts.sql: accounts outside this ledger, and what the
-- paperwork says of accounts and people.
--
-- A receipt comes from the COR or an account outside this ledger, and a
-- transfer goes to an account of this ledger, the COR or an outside account;
-- until now any six digits passed as "outside".  An administrator now
-- registers an outside account with an account-outside entry, and the
-- server refuses a v2 receipt or transfer naming an account it does not
-- know (rule peer_unknown).  The COMSEC Material Report names each side with
-- its address and a person with rank and position: account-details and
-- person-details entries set them.  Every row here is the server's to
-- write, as it applies the verified entry (013's state guard).
CREATE TABLE custos.outside_account (
	number         text PRIMARY KEY CHECK (number ~ '^[0-9]{6}$'),
	name           text NOT NULL,
	address        text,
	registered_idx bigint NOT NULL REFERENCES custos.log_entry (idx),
	details_idx    bigint REFERENCES custos.log_entry (idx)
);
ALTER TABLE custos.outside_account OWNER TO custos_owner;
CREATE TRIGGER outside_account_state_guard BEFORE INSERT OR UPDATE OR DELETE
	ON custos.outside_account FOR EACH ROW EXECUTE FUNCTION custos.state_guard();

ALTER TABLE custos.account
	ADD COLUMN address     text,
	ADD COLUMN cor_account text CHECK (cor_account ~ '^[0-9]{6}$'),
	ADD COLUMN details_idx bigint REFERENCES custos.log_entry (idx);
ALTER TABLE custos.person
	ADD COLUMN rank        text,
	ADD COLUMN position    text,
	ADD COLUMN details_idx bigint REFERENCES custos.log_entry (idx);

-- The addresses of the accounts material may go to are no secret of any
-- one account: every custos login reads the whole list.
GRANT SELECT ON custos.outside_account
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
ALTER TABLE custos.outside_account ENABLE ROW LEVEL SECURITY;
CREATE POLICY outside_account_read ON custos.outside_account FOR SELECT USING (true);
