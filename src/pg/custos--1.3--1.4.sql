-- custos--1.3--1.4.sql: action_material(), whether an action is a numbered
-- transaction of an account (rules.c's action table), so that the append
-- guard (sql/017_action_table.sql) keeps no list of actions of its own.
\echo Use "ALTER EXTENSION custos UPDATE TO '1.4'" to load this file. \quit

CREATE FUNCTION action_material(action text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'custos_action_material' LANGUAGE C IMMUTABLE STRICT;
REVOKE ALL ON FUNCTION action_material(text) FROM PUBLIC;
