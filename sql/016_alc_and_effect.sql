-- 016_alc_and_effect.sql: an item's ALC changes, and key goes into effect.
--
-- An alc-change entry changes the ALC of items on hand or issued (an
-- upgrade by the account, anything else on the national authority's
-- reference); a key-effective entry puts keying material held in reserve
-- into effect.  Whether an item is in effect is the new column in_effect:
-- false as every item comes on hand or goes in transit (in reserve), true
-- once a key-effective entry lists it.  The server derives both from the
-- verified entry, as every column of item (013's state guard, a trigger on
-- every INSERT, UPDATE and DELETE of the table, refuses any other writer:
-- an insider's UPDATE of item.alc or item.in_effect through psql among
-- them).  Adding the column with its default rewrites no row and fires no
-- trigger.
ALTER TABLE custos.item
	ADD COLUMN in_effect boolean NOT NULL DEFAULT false,
	ADD CONSTRAINT item_in_effect_key CHECK (NOT in_effect OR kind = 'key');
