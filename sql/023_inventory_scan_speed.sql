-- 023_inventory_scan_speed.sql: a scan's cost no longer grows with the
-- account (tests/bench/scan.sh; docs/ledger.md "Inventory sessions").
--
-- custos.inventory_expected (022) was a SECURITY DEFINER function with its
-- own search_path, and PostgreSQL never inlines such a function: every
-- call built the whole expected list and filtered it afterwards.  A scan
-- called it three times (the hits for the serial, the hit itself, the
-- running count), about 70 ms each at 100,000 items, instead of an index
-- lookup by serial.
--
-- Its only callers are the definer functions of 022, which run as
-- custos_owner with search_path pinned to pg_catalog, custos, pg_temp; no
-- login may execute it (REVOKE ALL in 022, no GRANT since).  As an
-- invoker function without settings it is inlined into each caller's
-- query, so it runs there as custos_owner under the caller's pinned
-- search_path, exactly as before, with the caller's conditions (serial,
-- title) pushed down to the indexes.  Its body names custos.item in full.
ALTER FUNCTION custos.inventory_expected(text, text) SECURITY INVOKER;
ALTER FUNCTION custos.inventory_expected(text, text) RESET ALL;
