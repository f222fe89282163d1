-- custos--1.0.sql: the C functions of the custos extension (custos_pg.c).
-- Created in schema custos by sql/005_security.sql (CREATE EXTENSION custos).
-- None is executable by PUBLIC: the SECURITY DEFINER triggers and functions
-- of the schema call them.
\echo Use "CREATE EXTENSION custos" to load this file. \quit

CREATE FUNCTION note_signer_names(note bytea) RETURNS text[]
	AS 'MODULE_PATHNAME', 'custos_note_signer_names' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION entry_verify(note bytea, registry text[],
	OUT idx bigint, OUT origin text, OUT prev bytea, OUT "time" timestamptz,
	OUT action text, OUT txn text, OUT account text, OUT peer text,
	OUT holder text, OUT ref text, OUT key_role text, OUT key_name text, OUT key_vkey text,
	OUT actor text, OUT signers text[], OUT leaf bytea)
	AS 'MODULE_PATHNAME', 'custos_entry_verify' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION entry_names_item(leaf bytea, title text, edition text, serial text)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'custos_entry_names_item' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION note_signed_by(note bytea, vkey text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'custos_note_signed_by' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION cosignature_verify(checkpoint bytea, line bytea, vkey text) RETURNS bigint
	AS 'MODULE_PATHNAME', 'custos_cosignature_verify' LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION vkey_parse(vkey text, cosigner boolean,
	OUT name text, OUT keyid bytea, OUT pubkey bytea)
	AS 'MODULE_PATHNAME', 'custos_vkey_parse' LANGUAGE C IMMUTABLE STRICT;

REVOKE ALL ON FUNCTION note_signer_names(bytea), entry_verify(bytea, text[]),
	entry_names_item(bytea, text, text, text), note_signed_by(bytea, text),
	cosignature_verify(bytea, bytea, text), vkey_parse(text, boolean) FROM PUBLIC;
