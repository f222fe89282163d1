/* custos_pg.c: the custos PostgreSQL extension.
 *
 * The server verifies what it stores.  These functions give the database
 * the same parsers and signature rules the client and the verifiers use:
 * they are compiled from the same sources (src/entry.c, src/note.c,
 * src/signers.c, src/tlog.c, keys/key.c), so there is one parser, not two.
 * The SQL side (sql/005_security.sql) calls them from SECURITY DEFINER
 * triggers and functions; none of them is executable by PUBLIC.
 *
 * Every refusal is an ERROR with SQLSTATE CU001 ("custos: entry N: ...",
 * naming the check), which the client maps to ST_REFUSED.  Memory from the
 * custos sources is malloc'd and freed before any ereport(ERROR), which
 * would otherwise jump over the free.
 *
 * One parsed entry is kept per backend: the last one entry_verify accepted,
 * keyed by its leaf hash, so that the per-row state guard can ask whether
 * the entry names an item without parsing the note again. */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include <sodium.h>
#include <string.h>

#include "../entry.h"
#include "../note.h"
#include "../sha.h"
#include "../signers.h"
#include "../tlog.h"

PG_MODULE_MAGIC;

#define ERRCODE_CUSTOS_REFUSED MAKE_SQLSTATE('C', 'U', '0', '0', '1')

void _PG_init(void);
void _PG_init(void)
{
	if (sodium_init() < 0)
		ereport(ERROR, (errmsg("custos: libsodium could not be initialised")));
}

static void refuse(const char *fmt, const char *detail) pg_attribute_noreturn();
static void refuse(const char *fmt, const char *detail)
{
	ereport(ERROR, (errcode(ERRCODE_CUSTOS_REFUSED), errmsg(fmt, detail)));
	pg_unreachable();
}

/* The bytes of a bytea argument. */
static const char *bytes_of(bytea *b, size_t *len)
{
	*len = VARSIZE_ANY_EXHDR(b);
	return VARDATA_ANY(b);
}

static text *text_of(const char *s)
{
	return s[0] ? cstring_to_text(s) : NULL;
}

/* ---- the registry handed in by the caller -------------------------------- */

/* Verifier key strings, parsed; lookup by exact name and key ID. */
typedef struct registry {
	key_public *keys;
	size_t n;
} registry;

static const key_public *registry_lookup(void *ctx, const char *name, size_t namelen,
					 const uint8_t id[KEY_ID_LEN])
{
	const registry *r = ctx;
	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->keys[i].name) == namelen && memcmp(r->keys[i].name, name, namelen) == 0 &&
		    memcmp(r->keys[i].id, id, KEY_ID_LEN) == 0)
			return &r->keys[i];
	return NULL;
}

/* Parse a text[] of verifier keys into palloc'd memory (freed with the
 * call's memory context).  A malformed key in the registry is the
 * database's fault, not the caller's: it is an ERROR too. */
static void registry_from_array(ArrayType *a, registry *r)
{
	Datum *elems;
	bool *nulls;
	int n;
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	r->keys = palloc0(sizeof *r->keys * (n > 0 ? n : 1));
	r->n = 0;
	for (int i = 0; i < n; i++) {
		if (nulls[i])
			continue;
		text *t = DatumGetTextPP(elems[i]);
		errbuf err = {0};
		if (key_vkey_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &r->keys[r->n], &err) != ST_OK)
			ereport(ERROR, (errmsg("custos: a key of the registry is malformed: %s",
					       err.msg)));
		r->n++;
	}
}

/* ---- the cached entry ---------------------------------------------------- */

static entry cached;
static uint8_t cached_leaf[SHA256_LEN];
static bool have_cached;

static void cache_drop(void)
{
	if (have_cached)
		entry_free(&cached);
	have_cached = false;
}

/* ---- note_signer_names(note bytea) → text[] ----------------------------- */

PG_FUNCTION_INFO_V1(custos_note_signer_names);
Datum custos_note_signer_names(PG_FUNCTION_ARGS)
{
	size_t len;
	const char *buf = bytes_of(PG_GETARG_BYTEA_PP(0), &len);
	note *n = palloc(sizeof *n);
	errbuf err = {0};
	if (note_parse(buf, len, n, &err) != ST_OK)
		refuse("custos: the note is not a signed note: %s", err.msg);
	Datum *names = palloc(sizeof *names * n->nsigs);
	for (size_t i = 0; i < n->nsigs; i++)
		names[i] = PointerGetDatum(cstring_to_text_with_len(n->sigs[i].name,
								     (int)n->sigs[i].namelen));
	ArrayType *a = construct_array(names, (int)n->nsigs, TEXTOID, -1, false, TYPALIGN_INT);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* ---- entry_verify(note bytea, registry text[]) → record ------------------
 *
 * The note must be a signed note whose text is a canonical v1 entry (the
 * parse/format round trip of entry_parse) and whose signatures, judged by
 * signers_check against the registry given (the keys enrolled and not
 * revoked as of the entry's index) plus the key an enrolment enrols, meet
 * the entry's need.  Returns what the caller compares with the row and the
 * head: index, origin, prev, time, action, txn, account, peer, holder,
 * ref, the key line's role, name and verifier key, the actor (the first counted signer),
 * every counted signer, and the leaf hash.  The accepted entry is cached. */

PG_FUNCTION_INFO_V1(custos_entry_verify);
Datum custos_entry_verify(PG_FUNCTION_ARGS)
{
	size_t len;
	const char *buf = bytes_of(PG_GETARG_BYTEA_PP(0), &len);
	registry reg;
	registry_from_array(PG_GETARG_ARRAYTYPE_P(1), &reg);
	TupleDesc desc;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errmsg("custos: entry_verify must return a record")));
	desc = BlessTupleDesc(desc);

	note *n = palloc(sizeof *n);
	errbuf err = {0};
	cache_drop();
	entry e;
	const key_public **signers = palloc(sizeof *signers * NOTE_MAX_SIGS);
	size_t nsigners = 0;
	status st = signers_verify_entry(buf, len, registry_lookup, &reg, n, &e, signers, &nsigners,
					 &err);
	if (st != ST_OK) {
		char what[sizeof err.msg];
		snprintf(what, sizeof what, "%s", err_text(&err, st));
		entry_free(&e);
		refuse("custos: %s", what);
	}

	Datum v[16];
	bool nulls[16] = {false};
	uint8_t leaf[SHA256_LEN];
	sha256_leaf(buf, len, leaf);
	v[0] = Int64GetDatum((int64)e.index);
	v[1] = PointerGetDatum(cstring_to_text(e.origin));
	bytea *prev = palloc(VARHDRSZ + SHA256_LEN);
	SET_VARSIZE(prev, VARHDRSZ + SHA256_LEN);
	memcpy(VARDATA(prev), e.prev, SHA256_LEN);
	v[2] = PointerGetDatum(prev);
	v[3] = TimestampTzGetDatum((TimestampTz)(e.time_us -
		((int64)(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)));
	v[4] = PointerGetDatum(cstring_to_text(entry_action_name(e.action)));
	const char *opt[] = {e.txn, e.account, e.peer, e.holder, e.ref};
	for (int i = 0; i < 5; i++) {
		text *t = text_of(opt[i]);
		nulls[5 + i] = t == NULL;
		v[5 + i] = PointerGetDatum(t);
	}
	nulls[10] = nulls[11] = nulls[12] = e.nkeys == 0;
	if (e.nkeys > 0) {
		char vkey[KEY_VKEY_MAX + 1];
		key_vkey_format(&e.keys[0].key, vkey);
		v[10] = PointerGetDatum(cstring_to_text(entry_role_name(e.keys[0].role)));
		v[11] = PointerGetDatum(cstring_to_text(e.keys[0].key.name));
		v[12] = PointerGetDatum(cstring_to_text(vkey));
	}
	v[13] = PointerGetDatum(cstring_to_text(signers[0]->name));
	Datum *names = palloc(sizeof *names * nsigners);
	for (size_t i = 0; i < nsigners; i++)
		names[i] = PointerGetDatum(cstring_to_text(signers[i]->name));
	v[14] = PointerGetDatum(construct_array(names, (int)nsigners, TEXTOID, -1, false,
						TYPALIGN_INT));
	bytea *lf = palloc(VARHDRSZ + SHA256_LEN);
	SET_VARSIZE(lf, VARHDRSZ + SHA256_LEN);
	memcpy(VARDATA(lf), leaf, SHA256_LEN);
	v[15] = PointerGetDatum(lf);

	cached = e;   /* the cache owns e's items and text now */
	memcpy(cached_leaf, leaf, SHA256_LEN);
	have_cached = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, nulls)));
}

/* ---- entry_names_item(leaf bytea, title, edition, serial) → boolean ------
 *
 * Whether the entry that entry_verify accepted last in this session, whose
 * leaf hash must be `leaf`, lists the item (title, edition, serial).  An
 * ERROR if that entry is not the one cached: the state guard calls this
 * only in the transaction that appended it. */

PG_FUNCTION_INFO_V1(custos_entry_names_item);
Datum custos_entry_names_item(PG_FUNCTION_ARGS)
{
	size_t len;
	const char *leaf = bytes_of(PG_GETARG_BYTEA_PP(0), &len);
	if (!have_cached || len != SHA256_LEN || memcmp(leaf, cached_leaf, SHA256_LEN) != 0)
		refuse("custos: %s", "the entry of this transaction was not verified in this session");
	const char *want[3];
	for (int i = 0; i < 3; i++)
		want[i] = text_to_cstring(PG_GETARG_TEXT_PP(1 + i));
	for (size_t i = 0; i < cached.nitems; i++) {
		const entry_item *it = &cached.items[i];
		if (strcmp(it->title, want[0]) == 0 && strcmp(it->edition, want[1]) == 0 &&
		    strcmp(it->serial, want[2]) == 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}

/* ---- note_signed_by(note bytea, vkey text) → boolean ---------------------
 *
 * True if the note carries a valid signature by the Ed25519 verifier key
 * (C2SP signed-note rules: a line with the key's name and ID must verify).
 * False if no line is by that key; an ERROR if the note or key is
 * malformed or a line by the key does not verify. */

PG_FUNCTION_INFO_V1(custos_note_signed_by);
Datum custos_note_signed_by(PG_FUNCTION_ARGS)
{
	size_t len;
	const char *buf = bytes_of(PG_GETARG_BYTEA_PP(0), &len);
	text *vk = PG_GETARG_TEXT_PP(1);
	key_public k;
	errbuf err = {0};
	if (key_vkey_parse(VARDATA_ANY(vk), VARSIZE_ANY_EXHDR(vk), &k, &err) != ST_OK)
		refuse("custos: not an Ed25519 verifier key: %s", err.msg);
	note *n = palloc(sizeof *n);
	if (note_parse(buf, len, n, &err) != ST_OK)
		refuse("custos: not a signed note: %s", err.msg);
	note_keyset ks = {&k, 1};
	status st = note_verify(n, note_keyset_lookup, &ks, 1, NULL, NULL, &err);
	if (st == ST_NOSIG)
		PG_RETURN_BOOL(false);
	if (st != ST_OK)
		refuse("custos: the note's signature does not verify: %s", err_text(&err, st));
	PG_RETURN_BOOL(true);
}

/* ---- cosignature_verify(checkpoint bytea, line bytea, vkey text) → bigint
 *
 * The timestamp of the tlog-cosignature/v1 line (without its newline) by
 * the witness whose cosigner verifier key is vkey, over the body of the
 * signed checkpoint note.  An ERROR, naming why, if it does not verify. */

PG_FUNCTION_INFO_V1(custos_cosignature_verify);
Datum custos_cosignature_verify(PG_FUNCTION_ARGS)
{
	size_t cplen, linelen;
	const char *cp = bytes_of(PG_GETARG_BYTEA_PP(0), &cplen);
	const char *line = bytes_of(PG_GETARG_BYTEA_PP(1), &linelen);
	text *vk = PG_GETARG_TEXT_PP(2);
	key_public w;
	errbuf err = {0};
	if (tlog_cosig_vkey_parse(VARDATA_ANY(vk), VARSIZE_ANY_EXHDR(vk), &w, &err) != ST_OK)
		refuse("custos: not a witness (cosigner) verifier key: %s", err.msg);
	uint64_t t = 0;
	status st = tlog_cosig_line_verify(cp, cplen, line, linelen, &w, &t, &err);
	if (st == ST_FORMAT)
		refuse("custos: %s", err.msg);
	if (st != ST_OK)
		refuse("custos: the cosignature does not verify by the registered witness key: %s",
		       err_text(&err, st));
	PG_RETURN_INT64((int64)t);
}

/* ---- vkey_parse(vkey text, cosigner boolean) → (name, keyid, pubkey) -----
 *
 * A verifier key string checked by the client's own parser: Ed25519 signing
 * key (type 0x01) or, with cosigner, a tlog-cosignature key (type 0x04). */

PG_FUNCTION_INFO_V1(custos_vkey_parse);
Datum custos_vkey_parse(PG_FUNCTION_ARGS)
{
	text *vk = PG_GETARG_TEXT_PP(0);
	bool cosigner = PG_GETARG_BOOL(1);
	TupleDesc desc;
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errmsg("custos: vkey_parse must return a record")));
	desc = BlessTupleDesc(desc);
	key_public k;
	errbuf err = {0};
	status st = cosigner ? tlog_cosig_vkey_parse(VARDATA_ANY(vk), VARSIZE_ANY_EXHDR(vk), &k, &err)
			     : key_vkey_parse(VARDATA_ANY(vk), VARSIZE_ANY_EXHDR(vk), &k, &err);
	if (st != ST_OK)
		refuse("custos: not a verifier key: %s", err.msg);
	Datum v[3];
	bool nulls[3] = {false};
	v[0] = PointerGetDatum(cstring_to_text(k.name));
	bytea *id = palloc(VARHDRSZ + KEY_ID_LEN), *pk = palloc(VARHDRSZ + KEY_PK_LEN);
	SET_VARSIZE(id, VARHDRSZ + KEY_ID_LEN);
	memcpy(VARDATA(id), k.id, KEY_ID_LEN);
	SET_VARSIZE(pk, VARHDRSZ + KEY_PK_LEN);
	memcpy(VARDATA(pk), k.pk, KEY_PK_LEN);
	v[1] = PointerGetDatum(id);
	v[2] = PointerGetDatum(pk);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, nulls)));
}
