-- custos--1.1--1.2.sql: the server judges every registry entry (genesis,
-- key-enrol, key-revoke, account-open) with the replay's own code too, and
-- writes the registry rows the replay reaches (entry_apply, custos_pg.c).
\echo Use "ALTER EXTENSION custos UPDATE TO '1.2'" to load this file. \quit

CREATE FUNCTION entry_apply(note bytea, login text) RETURNS void
	AS 'MODULE_PATHNAME', 'custos_entry_apply' LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION entry_apply(bytea, text) FROM PUBLIC;
