-- 007_records.sql: an account keeps read access to everything it ever held.
--
-- An account's records are every item its entries ever listed: after a
-- transfer is accepted, the sender still reads the items it sent (their
-- rows and, through entry_item, their history), as it must to answer for
-- them at its next audit.  Before this migration an item was readable only
-- by the account holding it now (or receiving it, or its holder).
--
-- custos.item_record holds (item, account) for every entry of an account
-- that listed the item.  Nobody writes it but the trigger below, which
-- runs as the entry_item rows of an entry are inserted (those rows are
-- checked by custos.state_guard against the entry).

CREATE TABLE custos.item_record (
	item_id bigint NOT NULL REFERENCES custos.item (id),
	account text   NOT NULL REFERENCES custos.account (number),
	PRIMARY KEY (item_id, account)
);
COMMENT ON TABLE custos.item_record IS
	'custos: the accounts whose entries listed each item: their records (read access)';
ALTER TABLE custos.item_record OWNER TO custos_owner;
ALTER TABLE custos.item_record ENABLE ROW LEVEL SECURITY;
CREATE POLICY item_record_read ON custos.item_record FOR SELECT
	USING ((SELECT custos.sees_all()) OR account = ANY ((SELECT custos.my_accounts())::text[]));
GRANT SELECT ON custos.item_record TO custos_administrator, custos_custodian, custos_holder,
	custos_auditor;

CREATE FUNCTION custos.item_record_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	INSERT INTO custos.item_record (item_id, account)
	SELECT DISTINCT n.item_id, l.account
	  FROM added n JOIN custos.log_entry l ON l.idx = n.idx
	 WHERE l.account IS NOT NULL
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;
ALTER FUNCTION custos.item_record_add() OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.item_record_add() FROM PUBLIC;
CREATE TRIGGER entry_item_record AFTER INSERT ON custos.entry_item
	REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION custos.item_record_add();

-- The records of the log so far.
INSERT INTO custos.item_record (item_id, account)
SELECT DISTINCT ei.item_id, l.account
  FROM custos.entry_item ei JOIN custos.log_entry l ON l.idx = ei.idx
 WHERE l.account IS NOT NULL;

-- An item is readable by the accounts whose records it is, too.
DROP POLICY item_read ON custos.item;
CREATE POLICY item_read ON custos.item FOR SELECT
	USING ((SELECT custos.sees_all()) OR account = ANY ((SELECT custos.my_accounts())::text[])
	       OR peer = ANY ((SELECT custos.my_accounts())::text[]) OR holder = (SELECT custos.me())
	       OR status = 'transferred'
	       OR EXISTS (SELECT FROM custos.item_record r
			   WHERE r.item_id = item.id AND r.account = ANY ((SELECT custos.my_accounts())::text[])));
