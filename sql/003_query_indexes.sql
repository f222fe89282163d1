-- 003_query_indexes.sql: indexes for the read side (src/query.c).
--
-- Holdings are paged by key in (account, title, edition, serial) order.
-- Closed items (destroyed, transferred, relieved) stay in the table for
-- ever and soon outnumber open ones, so the default listing (open items)
-- and its filters walk partial indexes that hold open items only: a page
-- never has to skip over years of destroyed material.  A listing by one
-- named status walks item_status.  Serial and title prefix searches use
-- item_serial (001) and the (title, edition, serial) unique index, both in
-- the "C" collation.

CREATE INDEX item_open ON custos.item (account, title, edition, serial)
	WHERE status IN ('on_hand', 'issued', 'in_transit', 'incident');
CREATE INDEX item_open_kind ON custos.item (kind, account, title, edition, serial)
	WHERE status IN ('on_hand', 'issued', 'in_transit', 'incident');
CREATE INDEX item_open_class ON custos.item (class, account, title, edition, serial)
	WHERE status IN ('on_hand', 'issued', 'in_transit', 'incident');
CREATE INDEX item_open_alc ON custos.item (alc, account, title, edition, serial)
	WHERE status IN ('on_hand', 'issued', 'in_transit', 'incident');
CREATE INDEX item_status ON custos.item (status, account, title, edition, serial);
