-- 001_schema.sql: the custody ledger's tables.
--
-- The log (log_entry, log_head) is the truth; every other table is state
-- derived from it by the rules of docs/ledger.md and can be rebuilt by
-- replaying the log.  Text that identifies material uses the "C" collation
-- so that ordering and prefix search are by bytes and served by b-tree
-- indexes.

CREATE SCHEMA IF NOT EXISTS custos;

-- Policy: rules that vary between departments (DOMAIN.md), never hard-coded.
CREATE TABLE custos.policy (
	name        text PRIMARY KEY,
	value       integer NOT NULL CHECK (value >= 0),
	description text NOT NULL
);
INSERT INTO custos.policy (name, value, description) VALUES
	('destruction_deadline_hours', 12,
	 'superseded keying material must be destroyed within this many hours of 00:00 UTC of its supersession date'),
	('incident_report_hours', 24,
	 'an incident must be reported onward (incident update or close) within this many hours of its report'),
	('inventory_interval_months', 6,
	 'an account must be inventoried at least this often'),
	('transit_alarm_days', 30,
	 'a transfer still in transit after this many days is an alarm'),
	('hand_receipt_alarm_days', 90,
	 'a hand receipt open for longer than this many days is an alarm'),
	('two_person_key_class', 3,
	 'every action on keying material of this classification or higher needs two signers '
	 '(0 U, 1 C, 2 S, 3 TS); the log format itself demands it for TS, so only a stricter '
	 'value has effect');

-- The log: one row per entry, the signed note exactly as signed.
CREATE TABLE custos.log_entry (
	idx     bigint PRIMARY KEY CHECK (idx >= 0),
	leaf    bytea NOT NULL CHECK (length(leaf) = 32),
	note    bytea NOT NULL CHECK (length(note) BETWEEN 1 AND 65535),
	time    timestamptz NOT NULL,
	action  text NOT NULL,
	txn     text UNIQUE,
	account text,
	peer    text,
	actor   text NOT NULL,            -- key name of the first signer
	idem    text NOT NULL UNIQUE      -- client-made idempotency key
		CHECK (length(idem) BETWEEN 1 AND 128)
);
CREATE INDEX log_entry_account ON custos.log_entry (account, idx);

-- The one-row head: appends are serialised by locking this row, so a
-- rolled-back append leaves no gap (a sequence would).
CREATE TABLE custos.log_head (
	one       boolean PRIMARY KEY DEFAULT true CHECK (one),
	origin    text NOT NULL,
	size      bigint NOT NULL CHECK (size >= 0),
	last_leaf bytea NOT NULL CHECK (length(last_leaf) = 32),
	last_time timestamptz,
	last_xid  xid8                    -- the transaction of the last append
);

CREATE TABLE custos.account (
	number         text PRIMARY KEY CHECK (number ~ '^[0-9]{6}$'),
	name           text NOT NULL,
	opened_idx     bigint NOT NULL REFERENCES custos.log_entry (idx),
	opened_at      timestamptz NOT NULL,
	last_inventory timestamptz
);

CREATE TABLE custos.person (
	name         text COLLATE "C" PRIMARY KEY,  -- the key name
	login        name NOT NULL UNIQUE,           -- their PostgreSQL role
	vkey         text NOT NULL UNIQUE,           -- C2SP verifier key
	pubkey       bytea NOT NULL UNIQUE CHECK (length(pubkey) = 32),
	enrolled_idx bigint NOT NULL REFERENCES custos.log_entry (idx),
	revoked_idx  bigint REFERENCES custos.log_entry (idx)
);

CREATE TABLE custos.person_role (
	person    text COLLATE "C" NOT NULL REFERENCES custos.person (name),
	role      text NOT NULL CHECK (role IN ('administrator', 'custodian', 'alternate',
						'holder', 'witness', 'auditor', 'authority')),
	account   text REFERENCES custos.account (number),
	since_idx bigint NOT NULL REFERENCES custos.log_entry (idx),
	CHECK ((account IS NULL) = (role IN ('administrator', 'auditor', 'authority'))),
	UNIQUE NULLS NOT DISTINCT (person, role, account)
);
CREATE INDEX person_role_account ON custos.person_role (account, person);

-- Items and their custody.  An item's identity (title, edition, serial) is
-- unique for ever: material that leaves and comes back is the same row.
CREATE TABLE custos.item (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title      text COLLATE "C" NOT NULL,
	edition    text COLLATE "C" NOT NULL DEFAULT '',
	serial     text COLLATE "C" NOT NULL DEFAULT '',
	kind       text NOT NULL CHECK (kind IN ('key', 'equipment', 'publication')),
	alc        smallint NOT NULL CHECK (alc IN (1, 2, 4, 6, 7)),
	class      text NOT NULL CHECK (class IN ('U', 'C', 'S', 'TS')),
	crypto     boolean NOT NULL,
	qty        integer NOT NULL CHECK (qty BETWEEN 1 AND 1000000),
	effective  date,
	supersedes date,
	-- custody
	account    text NOT NULL REFERENCES custos.account (number),
	status     text NOT NULL CHECK (status IN ('on_hand', 'issued', 'in_transit', 'incident',
						   'transferred', 'destroyed', 'relieved')),
	holder     text COLLATE "C" REFERENCES custos.person (name),
	peer       text,                  -- in transit / transferred: the receiver
	incident   text,                  -- status incident: the incident's txn
	last_txn   text NOT NULL,
	last_idx   bigint NOT NULL REFERENCES custos.log_entry (idx),
	since      timestamptz NOT NULL,  -- when the status last changed
	UNIQUE (title, edition, serial),
	CHECK ((status = 'issued') = (holder IS NOT NULL))
);
-- Holdings pages (keyset by title, edition, serial within an account) and
-- the searches a screen offers.
CREATE INDEX item_account_title ON custos.item (account, title, edition, serial);
CREATE INDEX item_serial ON custos.item (serial);
CREATE INDEX item_superseded ON custos.item (supersedes) WHERE kind = 'key' AND status IN ('on_hand', 'issued', 'incident');
CREATE INDEX item_peer ON custos.item (peer) WHERE status = 'in_transit';

-- Which entries list which items: an item's history.
CREATE TABLE custos.entry_item (
	item_id bigint NOT NULL REFERENCES custos.item (id),
	idx     bigint NOT NULL REFERENCES custos.log_entry (idx),
	PRIMARY KEY (item_id, idx)
);
CREATE INDEX entry_item_idx ON custos.entry_item (idx);

-- Transactions, numbered gap-free per account and year: the next number is
-- max(seq) + 1 under the log head's lock, and (account, year, seq) is
-- unique, so a number is never skipped or used twice.
CREATE TABLE custos.txn (
	number  text PRIMARY KEY,
	account text NOT NULL REFERENCES custos.account (number),
	year    integer NOT NULL,
	seq     integer NOT NULL CHECK (seq >= 1),
	action  text NOT NULL,
	idx     bigint NOT NULL UNIQUE REFERENCES custos.log_entry (idx),
	time    timestamptz NOT NULL,
	peer    text,
	holder  text,
	ref     text,
	open    boolean NOT NULL DEFAULT false,  -- transfer in transit, issue with items out
	UNIQUE (account, year, seq)
);
CREATE INDEX txn_open ON custos.txn (action, time) WHERE open;

CREATE TABLE custos.incident (
	txn         text PRIMARY KEY REFERENCES custos.txn (number),
	account     text NOT NULL REFERENCES custos.account (number),
	category    text NOT NULL CHECK (category IN ('cryptographic', 'personnel', 'physical', 'packaging')),
	reported_at timestamptz NOT NULL,
	updates     integer NOT NULL DEFAULT 0,
	last_update timestamptz,
	closed_idx  bigint REFERENCES custos.log_entry (idx),
	closed_at   timestamptz
);
CREATE INDEX incident_open ON custos.incident (reported_at) WHERE closed_idx IS NULL;
