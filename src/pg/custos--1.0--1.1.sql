-- custos--1.0--1.1.sql: the server judges the custody rules of every
-- material entry with the replay's own code (custody_check, custos_pg.c).
\echo Use "ALTER EXTENSION custos UPDATE TO '1.1'" to load this file. \quit

CREATE FUNCTION custody_check(note bytea) RETURNS void
	AS 'MODULE_PATHNAME', 'custos_custody_check' LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION custody_check(bytea) FROM PUBLIC;
