-- 013_state_applied.sql: the state tables are the server's to write.
--
-- Since 010 and 011 no login may write account, person, person_role, item,
-- entry_item, txn or incident: the server derives them from each entry it
-- has verified and judged (entry_apply, extension 1.2).  The state guard of
-- 005 and 012 judged each row against the entry a second time, in SQL, and
-- so stated the custody rules twice.  It now admits exactly one writer: the
-- extension while it applies an entry (applying(), extension 1.3).  Any
-- other change, by a definer function of the schema, its owner or a
-- trigger, is refused; a superuser can still disable the trigger, which
-- `custos log verify` then finds (docs/threat-model.md).
ALTER EXTENSION custos UPDATE TO '1.3';
GRANT EXECUTE ON FUNCTION custos.applying() TO custos_owner;

CREATE OR REPLACE FUNCTION custos.state_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	IF NOT custos.applying() THEN
		RAISE EXCEPTION 'custos: % on % outside the server''s application of a log entry',
			TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege',
			HINT = 'State changes only as the server applies an entry it has verified.';
	END IF;
	IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
	RETURN NEW;
END $$;
