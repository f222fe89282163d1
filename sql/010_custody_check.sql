-- 010_custody_check.sql: the server judges the custody rules of every entry.
--
-- Until now the server checked an entry's form, chain, signatures, signers'
-- roles and numbering, and that the state rows its transaction changes are
-- the ones the entry names; whether the entry's items were in a state its
-- action may take (on hand to be transferred, in transit under the transfer
-- it accepts, issued to the holder who returns them, ...) was judged only by
-- the client and, afterwards, by the replay of `custos log verify`.  An
-- insider who signs a well-formed entry by hand could store one the replay
-- refuses.  custody_check (extension 1.1) judges each material entry with
-- the replay's own code against the records it touches, before the row is
-- stored; a refusal is CU001, its rule named in the DETAIL.  Triggers fire
-- in name order: log_entry_append (chain, signatures) comes first.
ALTER EXTENSION custos UPDATE TO '1.1';
GRANT EXECUTE ON FUNCTION custos.custody_check(bytea) TO custos_owner;

CREATE FUNCTION custos.log_custody_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	PERFORM custos.custody_check(NEW.note);
	RETURN NEW;
END $$;
ALTER FUNCTION custos.log_custody_guard() OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.log_custody_guard() FROM PUBLIC;
CREATE TRIGGER log_entry_custody BEFORE INSERT ON custos.log_entry
	FOR EACH ROW EXECUTE FUNCTION custos.log_custody_guard();
