-- 019: the accounts' directory entries are readable by every login.
--
-- A COMSEC Material Report is made from the signed entries it reports
-- (docs/reports.md): the names and addresses of both sides come from the
-- account-open, account-outside and account-details entries in the log, so
-- a custodian can print what was signed about the account at the other end
-- of a transfer.  The account table itself stays confined by row-level
-- security; only these three kinds of entry, which carry an account's
-- number, name, address and COR account and nothing about material, join
-- what log_read already shows (person-details entries have no account and
-- were readable already).  Nothing else changes: material entries of other
-- accounts stay hidden.
DROP POLICY log_read ON custos.log_entry;
CREATE POLICY log_read ON custos.log_entry FOR SELECT
	USING ((SELECT custos.sees_all()) OR account IS NULL OR account = ANY ((SELECT custos.my_accounts())::text[])
	       OR peer = ANY ((SELECT custos.my_accounts())::text[])
	       OR action IN ('account-open', 'account-outside', 'account-details'));
