-- 012_incident_outcomes.sql: what entry format v2 adds to an incident.
--
-- An incident report now says when the incident was discovered, and its
-- deadline runs from then, not from the moment the custodian typed it
-- (DOMAIN.md, "Incidents").  An incident's close says the authority's
-- decision: no compromise (the material is back on hand), compromised or
-- lost (the account is relieved of it), destroy (back on hand, to be
-- destroyed as directed).  Material relieved of keeps the incident it was
-- relieved under, so that a possession report naming that incident
-- restores it when it is found.
--
-- An acceptance may record a discrepancy (a short or long shipment): it
-- opens an incident of the receiving account under its own number, so the
-- state guard admits the incident row of an accept (which custody_apply
-- writes only when the replay's rules let the accept open one).
--
-- custody_apply writes these columns from the verified entry; a v1 report
-- (no discovery time) counts from its report, and a v1 close relieved.
ALTER TABLE custos.incident
	ADD COLUMN discovered_at timestamptz,
	ADD COLUMN outcome text
		CHECK (outcome IN ('no-compromise', 'compromised', 'lost', 'destroy'));

-- The rows of incidents reported before v2, and the incident of material
-- relieved before: derived from the log, as custody_apply derives them now.
-- The state guard admits changes only beside an entry; these follow no
-- entry but the entries already stored.
ALTER TABLE custos.incident DISABLE TRIGGER incident_state_guard;
ALTER TABLE custos.item DISABLE TRIGGER item_state_guard;
UPDATE custos.incident SET discovered_at = reported_at;
UPDATE custos.item i SET incident = t.ref
  FROM custos.txn t
 WHERE i.status = 'relieved' AND i.incident IS NULL
   AND t.number = i.last_txn AND t.action = 'incident-close';
ALTER TABLE custos.item ENABLE TRIGGER item_state_guard;
ALTER TABLE custos.incident ENABLE TRIGGER incident_state_guard;
ALTER TABLE custos.incident ALTER COLUMN discovered_at SET NOT NULL;

-- The entries that answer a transaction (an incident's updates, close and
-- possession reports), for the incident's reports.
CREATE INDEX txn_ref ON custos.txn (ref) WHERE ref IS NOT NULL;

-- The open incidents by the deadline's start (alarms).
CREATE INDEX incident_open_discovered ON custos.incident (discovered_at) WHERE closed_idx IS NULL;

-- The state guard of 005, with the incident of an acceptance.
CREATE OR REPLACE FUNCTION custos.state_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, custos, pg_temp AS $$
DECLARE e custos.log_entry; ok boolean; it custos.item;
BEGIN
	SELECT l.* INTO e FROM custos.log_head h JOIN custos.log_entry l ON l.idx = h.size - 1
	 WHERE h.last_xid = pg_catalog.pg_current_xact_id();
	IF NOT FOUND THEN
		RAISE EXCEPTION 'custos: % on % without a log entry in the same transaction',
			TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
	END IF;
	CASE TG_TABLE_NAME
	WHEN 'item' THEN
		ok := TG_OP <> 'DELETE' AND e.account IS NOT NULL
		      AND custos.entry_names_item(e.leaf, NEW.title, NEW.edition, NEW.serial)
		      AND NEW.account = e.account AND NEW.last_idx = e.idx;
		IF ok AND TG_OP = 'UPDATE' THEN
			ok := (OLD.title, OLD.edition, OLD.serial) = (NEW.title, NEW.edition, NEW.serial)
			      AND (OLD.account = e.account OR OLD.account = e.peer
				   OR OLD.account = (SELECT t.account FROM custos.txn t WHERE t.number = e.ref));
		END IF;
	WHEN 'entry_item' THEN
		SELECT * INTO it FROM custos.item i WHERE i.id = NEW.item_id;
		ok := TG_OP = 'INSERT' AND NEW.idx = e.idx AND FOUND
		      AND custos.entry_names_item(e.leaf, it.title, it.edition, it.serial);
	WHEN 'txn' THEN
		IF TG_OP = 'INSERT' THEN
			ok := NEW.number = e.txn AND NEW.idx = e.idx AND NEW.account = e.account
			      AND NEW.action = e.action;
		ELSE
			-- the entry's own, the one it answers, or (destroy, return,
			-- incident-close) a hand receipt of the account it empties
			ok := TG_OP = 'UPDATE' AND (OLD.number, OLD.account, OLD.year, OLD.seq, OLD.action, OLD.idx)
				= (NEW.number, NEW.account, NEW.year, NEW.seq, NEW.action, NEW.idx)
			      AND (OLD.number = e.txn OR OLD.number = e.ref
				   OR (OLD.action = 'issue' AND OLD.account = e.account AND NOT NEW.open));
		END IF;
	WHEN 'incident' THEN
		IF TG_OP = 'INSERT' THEN
			-- an incident report, or an acceptance that records a
			-- discrepancy (its category set: entry format v2)
			ok := (e.action = 'incident-report' OR e.action = 'accept')
			      AND NEW.txn = e.txn AND NEW.account = e.account;
		ELSE
			ok := TG_OP = 'UPDATE' AND OLD.txn = e.ref AND NEW.txn = OLD.txn
			      AND NEW.account = OLD.account AND OLD.account = e.account;
		END IF;
	WHEN 'account' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action = 'account-open' AND NEW.number = e.account AND NEW.opened_idx = e.idx;
		ELSE
			ok := TG_OP = 'UPDATE' AND e.action = 'inventory' AND OLD.number = e.account
			      AND (NEW.number, NEW.name, NEW.opened_idx, NEW.opened_at)
				  = (OLD.number, OLD.name, OLD.opened_idx, OLD.opened_at);
		END IF;
	WHEN 'person' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action IN ('genesis', 'key-enrol') AND NEW.name = e.subject
			      AND NEW.vkey = e.subject_vkey AND NEW.enrolled_idx = e.idx
			      AND NEW.revoked_idx IS NULL;
		ELSE
			ok := TG_OP = 'UPDATE' AND e.action = 'key-revoke' AND OLD.name = e.subject
			      AND (NEW.name, NEW.login, NEW.vkey, NEW.pubkey, NEW.enrolled_idx)
				  = (OLD.name, OLD.login, OLD.vkey, OLD.pubkey, OLD.enrolled_idx)
			      AND NEW.revoked_idx = e.idx;
		END IF;
	WHEN 'person_role' THEN
		IF TG_OP = 'INSERT' THEN
			ok := e.action IN ('genesis', 'key-enrol') AND NEW.person = e.subject
			      AND NEW.role = e.subject_role AND NEW.account IS NOT DISTINCT FROM e.account
			      AND NEW.since_idx = e.idx;
		ELSE
			ok := TG_OP = 'DELETE' AND e.action = 'key-revoke' AND OLD.person = e.subject
			      AND OLD.role = e.subject_role AND OLD.account IS NOT DISTINCT FROM e.account;
		END IF;
	ELSE
		ok := false;
	END CASE;
	IF NOT coalesce(ok, false) THEN
		RAISE EXCEPTION 'custos: % on % is not what entry % (%) names', TG_OP, TG_TABLE_NAME,
			e.idx, e.action USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
	RETURN NEW;
END $$;
