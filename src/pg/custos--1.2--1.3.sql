-- custos--1.2--1.3.sql: applying(), true only while the server writes the
-- state an entry it has just judged reached (entry_apply, custos_pg.c); the
-- state tables' guard admits changes only then (sql/013_state_applied.sql).
\echo Use "ALTER EXTENSION custos UPDATE TO '1.3'" to load this file. \quit

CREATE FUNCTION applying() RETURNS boolean
	AS 'MODULE_PATHNAME', 'custos_applying' LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION applying() FROM PUBLIC;
