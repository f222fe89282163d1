-- 021: indexes for the reports' lookups in the log.
--
-- A report is made from the signed entries (docs/reports.md), and finds
-- them by what they answer or describe: the accept that answers a transfer
-- and an incident's updates and close (by ref), the accounts' directory
-- entries, the people's details and the policy in force (by action).
-- Without an index each of those read the whole log: seconds a report on
-- a log of a million entries.  Both indexes are partial: they hold only
-- the entries that carry a reference, and only the directory and policy
-- entries, so an append of an ordinary material entry costs almost nothing
-- more (docs/benchmarks.md).
CREATE INDEX log_entry_ref ON custos.log_entry (ref, idx) WHERE ref IS NOT NULL;
CREATE INDEX log_entry_directory ON custos.log_entry (action, idx)
	WHERE action IN ('account-open', 'account-outside', 'account-details', 'person-details',
			 'policy-set');
