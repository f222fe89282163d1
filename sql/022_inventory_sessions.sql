-- 022_inventory_sessions.sql: the working record of a physical inventory.
--
-- An inventory session (src/invsession.h, docs/ledger.md "Inventory
-- sessions") opens on an account, takes sightings (a barcode scanner types
-- a serial and Enter) and closes when its certification entry lands in the
-- log.  The sightings are working data, not the record: what is signed is
-- the certification, which the server checks against the items it holds,
-- so nothing here can make an inventory say what the account does not hold.
-- Still, only the people of the account write here, and only through the
-- definer functions below, which stamp the person and the time themselves:
-- no login is granted INSERT, UPDATE, DELETE or TRUNCATE.
--
-- The expected list of a session is not stored: it is what the account
-- holds now (custos.inventory_expected), so an item transferred or
-- reported lost during the session leaves it, and one brought on by a
-- possession report joins it.

CREATE TABLE custos.inventory_session (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account    text COLLATE "C" NOT NULL REFERENCES custos.account (number),
	kind       text NOT NULL CHECK (kind IN ('periodic', 'custodian-change')),
	opened_by  text COLLATE "C" NOT NULL REFERENCES custos.person (name),
	opened_at  timestamptz NOT NULL,
	closed_idx bigint REFERENCES custos.log_entry (idx),   -- its certification
	abandoned_at timestamptz,
	abandoned_by text COLLATE "C" REFERENCES custos.person (name),
	CHECK (closed_idx IS NULL OR abandoned_at IS NULL),
	CHECK ((abandoned_at IS NULL) = (abandoned_by IS NULL))
);
-- One open session per account.
CREATE UNIQUE INDEX inventory_session_open ON custos.inventory_session (account)
	WHERE closed_idx IS NULL AND abandoned_at IS NULL;

-- An expected item sighted in a session, with the quantity counted (for a
-- lot) and the quantity the record held when it was counted.
CREATE TABLE custos.inventory_sighting (
	session  bigint NOT NULL REFERENCES custos.inventory_session (id),
	item_id  bigint NOT NULL REFERENCES custos.item (id),
	counted  integer NOT NULL CHECK (counted BETWEEN 0 AND 1000000),
	recorded integer NOT NULL CHECK (recorded BETWEEN 1 AND 1000000),
	at       timestamptz NOT NULL,
	by_person text COLLATE "C" NOT NULL REFERENCES custos.person (name),
	PRIMARY KEY (session, item_id)
);

-- A scan that named no expected item: found, not on record.  item_id and
-- state: the ledger's item with that serial and its state then, when there
-- is exactly one (NULL: unknown to the ledger, or several).
CREATE TABLE custos.inventory_found (
	session  bigint NOT NULL REFERENCES custos.inventory_session (id),
	scan     text COLLATE "C" NOT NULL,
	item_id  bigint REFERENCES custos.item (id),
	state    text,
	at       timestamptz NOT NULL,
	by_person text COLLATE "C" NOT NULL REFERENCES custos.person (name),
	PRIMARY KEY (session, scan)
);

ALTER TABLE custos.inventory_session OWNER TO custos_owner;
ALTER TABLE custos.inventory_sighting OWNER TO custos_owner;
ALTER TABLE custos.inventory_found OWNER TO custos_owner;
REVOKE ALL ON custos.inventory_session, custos.inventory_sighting, custos.inventory_found FROM PUBLIC;
GRANT SELECT ON custos.inventory_session, custos.inventory_sighting, custos.inventory_found
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
ALTER TABLE custos.inventory_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE custos.inventory_sighting ENABLE ROW LEVEL SECURITY;
ALTER TABLE custos.inventory_found ENABLE ROW LEVEL SECURITY;
-- The people of the account read its sessions; administrators, auditors
-- and authorities read every account's.
CREATE POLICY inventory_session_read ON custos.inventory_session FOR SELECT
	USING ((SELECT custos.sees_all()) OR account = ANY ((SELECT custos.my_accounts())::text[]));
CREATE POLICY inventory_sighting_read ON custos.inventory_sighting FOR SELECT
	USING (EXISTS (SELECT FROM custos.inventory_session s WHERE s.id = session));
CREATE POLICY inventory_found_read ON custos.inventory_found FOR SELECT
	USING (EXISTS (SELECT FROM custos.inventory_session s WHERE s.id = session));

-- The items a session of kind k on account a expects now: every item on
-- hand or issued there; for a periodic inventory only the COR-accountable
-- ones (ALC 1, 2 and 6), the list the certification's digest covers
-- (rules_list_counts, src/rules.c).
CREATE FUNCTION custos.inventory_expected(a text, k text)
RETURNS SETOF custos.item
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
	SELECT * FROM custos.item
	 WHERE account = a AND status IN ('on_hand', 'issued')
	   AND (k = 'custodian-change' OR alc IN (1, 2, 6))
$$;

-- The open session s, if the caller may work in it (custodian, alternate
-- or witness of its account); else refused.
CREATE FUNCTION custos.inventory_session_mine(s bigint, custody_only boolean)
RETURNS custos.inventory_session
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE r custos.inventory_session;
BEGIN
	SELECT * INTO r FROM custos.inventory_session WHERE id = s;
	IF NOT FOUND OR NOT EXISTS (SELECT FROM custos.person_role
			WHERE person = custos.me() AND account = r.account
			  AND role IN ('custodian', 'alternate', 'witness')
			  AND (NOT custody_only OR role IN ('custodian', 'alternate'))) THEN
		RAISE EXCEPTION 'custos: no inventory session % that you may work in', s
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF r.closed_idx IS NOT NULL OR r.abandoned_at IS NOT NULL THEN
		RAISE EXCEPTION 'custos: inventory session % is %', s,
			CASE WHEN r.closed_idx IS NOT NULL THEN 'closed' ELSE 'abandoned' END
			USING ERRCODE = 'CU001';
	END IF;
	RETURN r;
END $$;

-- Open a session of kind k on account a, by its custodian or alternate.
CREATE FUNCTION custos.inventory_open(a text, k text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE n bigint;
BEGIN
	IF k IS NULL OR k NOT IN ('periodic', 'custodian-change') THEN
		RAISE EXCEPTION 'custos: an inventory session is periodic or custodian-change'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF NOT EXISTS (SELECT FROM custos.person_role WHERE person = custos.me() AND account = a
			  AND role IN ('custodian', 'alternate')) THEN
		RAISE EXCEPTION 'custos: only the custodian or an alternate of account % opens its inventory', a
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF EXISTS (SELECT FROM custos.inventory_session WHERE account = a
		    AND closed_idx IS NULL AND abandoned_at IS NULL) THEN
		RAISE EXCEPTION 'custos: account % has an open inventory session already', a
			USING ERRCODE = 'unique_violation';
	END IF;
	INSERT INTO custos.inventory_session (account, kind, opened_by, opened_at)
	VALUES (a, k, custos.me(), clock_timestamp()) RETURNING id INTO n;
	RETURN n;
END $$;

-- The running count of session r: expected items sighted, expected items.
CREATE FUNCTION custos.inventory_count(r custos.inventory_session, OUT sighted bigint, OUT expected bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
	SELECT count(g.item_id), count(*)
	  FROM custos.inventory_expected(r.account, r.kind) e
	  LEFT JOIN custos.inventory_sighting g ON g.session = r.id AND g.item_id = e.id
$$;

-- One scan in session s: exactly a serial as the scanner typed it.  The
-- answer: sighted, already, not_on_account, unknown or ambiguous; the
-- expected item (title, edition, serial, quantity) it sighted; the running
-- count.  A scan that is no serial (1 to 32 of A-Z a-z 0-9 . / - +) is
-- refused and records nothing.  An item of another account is answered
-- "not on this account" without saying whose: a scan tells only that the
-- ledger knows the serial.
CREATE FUNCTION custos.inventory_scan(s bigint, scan text,
	OUT answer text, OUT title text, OUT edition text, OUT serial text, OUT qty integer,
	OUT sighted bigint, OUT expected bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE r custos.inventory_session; hits integer; it custos.item; other custos.item; nother integer;
BEGIN
	r := custos.inventory_session_mine(s, false);
	IF scan IS NULL OR scan !~ '^[A-Za-z0-9./+-]{1,32}$' THEN
		RAISE EXCEPTION 'custos: a scan is a serial: 1 to 32 letters, digits, ".", "/", "-" or "+"'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT count(*) INTO hits FROM custos.inventory_expected(r.account, r.kind) e WHERE e.serial = scan;
	IF hits = 1 THEN
		SELECT * INTO it FROM custos.inventory_expected(r.account, r.kind) e WHERE e.serial = scan;
		INSERT INTO custos.inventory_sighting (session, item_id, counted, recorded, at, by_person)
		VALUES (s, it.id, it.qty, it.qty, clock_timestamp(), custos.me())
		ON CONFLICT ON CONSTRAINT inventory_sighting_pkey DO NOTHING;
		answer := CASE WHEN FOUND THEN 'sighted' ELSE 'already' END;
		title := it.title; edition := it.edition; serial := it.serial; qty := it.qty;
	ELSIF hits > 1 THEN
		answer := 'ambiguous';
	ELSE
		SELECT count(*) INTO nother FROM custos.item i WHERE i.serial = scan;
		IF nother = 1 THEN
			SELECT * INTO other FROM custos.item i WHERE i.serial = scan;
		END IF;
		answer := CASE WHEN nother > 0 THEN 'not_on_account' ELSE 'unknown' END;
		INSERT INTO custos.inventory_found (session, scan, item_id, state, at, by_person)
		VALUES (s, scan, other.id,
			CASE WHEN other.account = r.account THEN other.status ELSE NULL END,
			clock_timestamp(), custos.me())
		ON CONFLICT ON CONSTRAINT inventory_found_pkey DO NOTHING;
	END IF;
	SELECT c.sighted, c.expected INTO sighted, expected FROM custos.inventory_count(r) c;
END $$;

-- Sight the expected item (t, e, sn) of session s, counted c (0: as
-- recorded): a lot counted short or long is a quantity difference.
CREATE FUNCTION custos.inventory_sight(s bigint, t text, e text, sn text, c integer,
	OUT sighted bigint, OUT expected bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE r custos.inventory_session; it custos.item;
BEGIN
	r := custos.inventory_session_mine(s, false);
	IF c IS NULL OR c < 0 OR c > 1000000 THEN
		RAISE EXCEPTION 'custos: a quantity counted is 0 to 1000000' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO it FROM custos.inventory_expected(r.account, r.kind) x
	 WHERE x.title = t AND x.edition = coalesce(e, '') AND x.serial = coalesce(sn, '');
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: % % % is not expected in inventory session %', t, e, sn, s
			USING ERRCODE = 'CU001';
	END IF;
	IF c > 1 AND it.serial <> '' AND it.alc IN (1, 6) THEN
		RAISE EXCEPTION 'custos: % serial % is accounted by serial: its quantity is 1', t, sn
			USING ERRCODE = 'CU001';
	END IF;
	INSERT INTO custos.inventory_sighting (session, item_id, counted, recorded, at, by_person)
	VALUES (s, it.id, CASE WHEN c = 0 THEN it.qty ELSE c END, it.qty, clock_timestamp(), custos.me())
	ON CONFLICT ON CONSTRAINT inventory_sighting_pkey DO UPDATE
	   SET counted = EXCLUDED.counted, recorded = EXCLUDED.recorded, at = EXCLUDED.at,
	       by_person = EXCLUDED.by_person;
	SELECT x.sighted, x.expected INTO sighted, expected FROM custos.inventory_count(r) x;
END $$;

-- Abandon open session s (its custodian or an alternate).
CREATE FUNCTION custos.inventory_abandon(s bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE r custos.inventory_session;
BEGIN
	r := custos.inventory_session_mine(s, true);
	UPDATE custos.inventory_session SET abandoned_at = clock_timestamp(), abandoned_by = custos.me()
	 WHERE id = s;
END $$;

-- The reconciliation of session s: one row per expected item (list
-- 'sighted', 'not_sighted' or 'qty_diff': counted at another quantity than
-- the record holds now) and per found scan ('found'), in
-- (title, edition, serial) order, found scans after by scan.
CREATE FUNCTION custos.inventory_reconcile(s bigint,
	OUT list text, OUT title text, OUT edition text, OUT serial text, OUT qty integer,
	OUT counted integer, OUT state text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE r custos.inventory_session;
BEGIN
	r := custos.inventory_session_mine(s, false);
	RETURN QUERY
	SELECT CASE WHEN g.item_id IS NULL AND f.scan IS NULL THEN 'not_sighted'
		    WHEN g.item_id IS NOT NULL AND g.counted <> e.qty THEN 'qty_diff'
		    ELSE 'sighted' END,
	       e.title::text, e.edition::text, e.serial::text, e.qty,
	       coalesce(g.counted, CASE WHEN f.scan IS NOT NULL THEN e.qty END), e.status
	  FROM custos.inventory_expected(r.account, r.kind) e
	  LEFT JOIN custos.inventory_sighting g ON g.session = s AND g.item_id = e.id
	  -- an item found during the session and brought on by a possession
	  -- report was scanned: it is sighted
	  LEFT JOIN custos.inventory_found f ON f.session = s AND f.scan = e.serial AND e.serial <> ''
	 ORDER BY e.title, e.edition, e.serial;
	RETURN QUERY
	SELECT 'found', NULL::text, NULL::text, f.scan::text, NULL::integer, NULL::integer, f.state
	  FROM custos.inventory_found f
	 WHERE f.session = s
	   AND NOT EXISTS (SELECT FROM custos.inventory_expected(r.account, r.kind) e WHERE e.serial = f.scan)
	 ORDER BY f.scan;
END $$;

-- What the certification of session s states beside its list: found_scans,
-- scans of no expected item; not_sighted, items of the list that came
-- under an incident since the session opened (reported missing);
-- qty_diff, lots counted at another quantity than the record held.
CREATE FUNCTION custos.inventory_tally(s bigint,
	OUT found_scans bigint, OUT not_sighted bigint, OUT qty_diff bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE r custos.inventory_session;
BEGIN
	r := custos.inventory_session_mine(s, false);
	found_scans := (SELECT count(*) FROM custos.inventory_found f WHERE f.session = s);
	not_sighted := (SELECT count(*) FROM custos.item i
			 WHERE i.account = r.account AND i.status = 'incident' AND i.since >= r.opened_at
			   AND (r.kind = 'custodian-change' OR i.alc IN (1, 2, 6))
			   -- a part split off a lot counted short is its quantity
			   -- difference, not an item not sighted
			   AND NOT EXISTS (SELECT FROM custos.inventory_sighting g
					     JOIN custos.item l ON l.id = g.item_id
					    WHERE g.session = s AND g.counted <> g.recorded
					      AND l.title = i.title AND l.edition = i.edition
					      AND starts_with(i.serial, l.serial || '+')));
	qty_diff := (SELECT count(*) FROM custos.inventory_sighting g
		      WHERE g.session = s AND g.counted <> g.recorded);
END $$;

DO $$
DECLARE f text;
BEGIN
	FOREACH f IN ARRAY ARRAY[
		'custos.inventory_expected(text, text)',
		'custos.inventory_session_mine(bigint, boolean)',
		'custos.inventory_open(text, text)',
		'custos.inventory_count(custos.inventory_session)',
		'custos.inventory_scan(bigint, text)',
		'custos.inventory_sight(bigint, text, text, text, integer)',
		'custos.inventory_abandon(bigint)',
		'custos.inventory_reconcile(bigint)',
		'custos.inventory_tally(bigint)'] LOOP
		EXECUTE format('ALTER FUNCTION %s OWNER TO custos_owner', f);
		EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION custos.inventory_open(text, text), custos.inventory_scan(bigint, text),
	custos.inventory_sight(bigint, text, text, text, integer), custos.inventory_abandon(bigint),
	custos.inventory_reconcile(bigint), custos.inventory_tally(bigint)
	TO custos_custodian, custos_holder;
