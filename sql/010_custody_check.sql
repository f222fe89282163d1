-- 010_custody_check.sql: the server judges the custody rules of every
-- material entry, and derives the state from it.
--
-- Until now the server checked an entry's form, chain, signatures, signers'
-- roles and numbering, and that the state rows its transaction changes are
-- the ones the entry names; whether the entry's items were in a state its
-- action may take (on hand to be transferred, in transit under the transfer
-- it accepts, issued to the holder who returns them, ...) was judged only by
-- the client and, afterwards, by the replay of `custos log verify`, and the
-- client wrote the state rows.  An insider who signs a well-formed entry by
-- hand could store one the replay refuses, or store a sound one and leave
-- the state behind it.
--
-- custody_apply (extension 1.1) judges each material entry with the
-- replay's own code against the records it touches and writes the state
-- the replay reaches: items, their history, transactions, incidents, the
-- account's last inventory.  A refusal is CU001, its rule named in the
-- DETAIL.  It runs after the row is stored (AFTER INSERT: the rows it
-- writes refer to the entry), and the appending statement fails with it.
-- Custodians no longer write these tables at all.
ALTER EXTENSION custos UPDATE TO '1.1';
GRANT EXECUTE ON FUNCTION custos.custody_apply(bytea) TO custos_owner;

CREATE FUNCTION custos.log_custody_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	PERFORM custos.custody_apply(NEW.note);
	RETURN NULL;
END $$;
ALTER FUNCTION custos.log_custody_apply() OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.log_custody_apply() FROM PUBLIC;
CREATE TRIGGER log_entry_custody AFTER INSERT ON custos.log_entry
	FOR EACH ROW EXECUTE FUNCTION custos.log_custody_apply();

REVOKE INSERT, UPDATE ON custos.item, custos.txn, custos.incident FROM custos_custodian;
REVOKE INSERT ON custos.entry_item FROM custos_custodian;
REVOKE UPDATE (last_inventory) ON custos.account FROM custos_custodian;
