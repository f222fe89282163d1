-- custos--1.0--1.1.sql: the server judges the custody rules of every
-- material entry with the replay's own code, and writes the state the
-- replay reaches (custody_apply, custos_pg.c).
\echo Use "ALTER EXTENSION custos UPDATE TO '1.1'" to load this file. \quit

CREATE FUNCTION custody_apply(note bytea) RETURNS void
	AS 'MODULE_PATHNAME', 'custos_custody_apply' LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION custody_apply(bytea) FROM PUBLIC;
