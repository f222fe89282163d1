-- 008_append_order.sql: the log head is taken last, and numbering after it.
--
-- An action first locks and checks its items, and only then takes the log
-- head, so the head's lock (which serialises every append) is held for
-- signing and the writes alone.  The account's next transaction number
-- must be read after that lock is granted: a statement's snapshot is taken
-- when the statement starts, before it waits, so a number read in the
-- statement that waits misses every entry appended meanwhile (two actions
-- on one account then both took the same number).  In a plpgsql function
-- each statement takes its own snapshot (READ COMMITTED), so the count
-- below sees every entry committed before the lock was granted.
--
-- origin, size, last_leaf, now_us are custos.lock_head()'s; next_seq is
-- the next transaction number of account acct in the year (UTC) of now_us.
CREATE FUNCTION custos.lock_head_next(acct text, OUT origin text, OUT size bigint,
				      OUT last_leaf bytea, OUT now_us bigint, OUT next_seq integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, custos, pg_temp AS $$
BEGIN
	SELECT h.origin, h.size, h.last_leaf, h.now_us INTO origin, size, last_leaf, now_us
	  FROM custos.lock_head() h;
	next_seq := coalesce((SELECT max(t.seq) FROM custos.txn t
			       WHERE t.account = acct AND t.year = extract(year FROM
				     ('epoch'::timestamptz + now_us * interval '1 microsecond')
				     AT TIME ZONE 'UTC')::integer), 0) + 1;
END $$;
ALTER FUNCTION custos.lock_head_next(text) OWNER TO custos_owner;
REVOKE ALL ON FUNCTION custos.lock_head_next(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custos.lock_head_next(text) TO custos_administrator, custos_custodian;
