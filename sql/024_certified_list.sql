-- 024_certified_list.sql: the list a certification hashes, kept.
--
-- A certification (an inventory or custodian-change with detail
-- list_sha256: docs/log-format.md "The sighted list of a certification")
-- lists no items: it signs the count and the SHA-256 of the account's list
-- at its index.  So that a custodian can print what was certified, the
-- server keeps that list, line by line in the list's own order, as it
-- seeded it from custos.item to judge the entry (src/pg/custos_pg.c,
-- seed_list), in the certification's own transaction.  The rows are state
-- like the others: only the extension writes them, while it applies the
-- entry (state_guard); no login may INSERT, UPDATE, DELETE or TRUNCATE.
-- Nothing here is trusted: the report recomputes the digest of the rows
-- and refuses when it is not the entry's list_sha256 (docs/reports.md).
CREATE TABLE custos.certified_item (
	idx     bigint NOT NULL REFERENCES custos.log_entry (idx),
	line    integer NOT NULL CHECK (line >= 1),
	title   text COLLATE "C" NOT NULL,
	edition text COLLATE "C" NOT NULL,
	serial  text COLLATE "C" NOT NULL,
	qty     integer NOT NULL CHECK (qty >= 1),
	PRIMARY KEY (idx, line)
);
ALTER TABLE custos.certified_item OWNER TO custos_owner;
REVOKE ALL ON custos.certified_item FROM PUBLIC;
GRANT SELECT ON custos.certified_item
	TO custos_administrator, custos_custodian, custos_holder, custos_auditor;
CREATE TRIGGER certified_item_state_guard BEFORE INSERT OR UPDATE OR DELETE
	ON custos.certified_item FOR EACH ROW EXECUTE FUNCTION custos.state_guard();
CREATE TRIGGER certified_item_no_truncate BEFORE TRUNCATE ON custos.certified_item
	FOR EACH STATEMENT EXECUTE FUNCTION custos.state_guard();
ALTER TABLE custos.certified_item ENABLE ROW LEVEL SECURITY;
-- A login reads the list of a certification it may read in the log
-- (log_read, 019: the subquery is under log_entry's own policy); sees_all
-- roles read every one.
CREATE POLICY certified_item_read ON custos.certified_item FOR SELECT
	USING ((SELECT custos.sees_all()) OR EXISTS (SELECT FROM custos.log_entry e WHERE e.idx = certified_item.idx));
