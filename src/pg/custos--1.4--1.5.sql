-- custos--1.4--1.5.sql: refusal_known(), whether a text names one of the
-- rules' refusal codes (rules.h), so that the access log
-- (sql/019_access_events.sql) keeps no list of codes of its own.
\echo Use "ALTER EXTENSION custos UPDATE TO '1.5'" to load this file. \quit

CREATE FUNCTION refusal_known(code text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'custos_refusal_known' LANGUAGE C IMMUTABLE STRICT;
REVOKE ALL ON FUNCTION refusal_known(text) FROM PUBLIC;
