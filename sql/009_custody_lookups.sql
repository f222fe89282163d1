-- 009_custody_lookups.sql: the items under a transaction, by index.
--
-- Accepting a transfer lists the items in transit under it, and returning
-- or destroying issued items asks whether their hand receipt still covers
-- any: both look items up by the transaction that put them in that state
-- (last_txn).  Without an index, those lookups read every item in transit,
-- or every issued item, of the whole ledger.
CREATE INDEX item_under ON custos.item (last_txn) WHERE status IN ('in_transit', 'issued');
-- The items under an incident, likewise (the server's custody check counts
-- them, sql/010_custody_check.sql).
CREATE INDEX item_under_incident ON custos.item (incident) WHERE status = 'incident';
