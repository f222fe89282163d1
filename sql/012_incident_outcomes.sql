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
