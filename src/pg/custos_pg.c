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
#include "../rules.h"
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
 * leaf hash must be `leaf`, lists the item (title, edition, serial), or
 * lists a part it splits off that item (rules_split_parent), whose quantity
 * it lowers.  An
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
		char lot[ENTRY_SERIAL_MAX + 1];
		if (strcmp(it->title, want[0]) == 0 && strcmp(it->edition, want[1]) == 0 &&
		    (strcmp(it->serial, want[2]) == 0 ||
		     (rules_split_parent(&cached, i, lot) && strcmp(lot, want[2]) == 0)))
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

/* ---- custody_apply(note bytea) → void ------------------------------------
 *
 * The custody rules (docs/ledger.md) of a material entry, judged by the
 * replay's own code (src/replay.c, the code `custos log verify` and
 * custos-verify run) against the records the entry touches, as this
 * database holds them before the entry: its items, the transactions they
 * are under and the one it answers (ref), with the number of items under
 * each, the accounts all of these name and the account's last transaction
 * number of the year, and the people who signed it or hold its items, with
 * their roles.  entry_verify has checked the chain and the signatures
 * already: the replay is seeded at the entry's own place and trusts them.
 * A refusal is CU001 with the replay's words, and the refusal's code
 * (rules.h) as the DETAIL "rule NAME".  An entry the rules allow is then
 * applied: the state its replay reached is written to the state tables
 * (items, their history, transactions, incidents, the account's last
 * inventory), so the state is derived from the verified entry by the
 * server, never written by the client.  Called from the log's AFTER INSERT
 * trigger (the entry's row exists: the rows written refer to it).
 * Registry entries (genesis, key-enrol, key-revoke, account-open) pass
 * custody_apply untouched (extension 1.1); entry_apply (1.2, below) judges
 * and applies them too. */

#include "executor/spi.h"
#include "../replay.h"

enum { Q_PERSON, Q_ROLE, Q_ITEM, Q_TXN, Q_ACCOUNT, Q_SEQ, Q_OUTSIDE, Q_OLD_KEYS,
       W_ITEM, W_LINK, W_TXN, W_TXN_OPEN, W_INCIDENT, W_INCIDENT_SET, W_INVENTORY,
       /* registry entries (entry_apply): text arguments, like the writes */
       R_PEOPLE, R_ISSUES, R_LOGIN, W_ACCOUNT, W_PERSON, W_ROLE, W_UNROLE, W_REVOKED,
       /* custodian-change */
       R_HELD, R_LIST, W_SYNC_LOGIN,
       /* account-outside, account-details, person-details */
       W_OUTSIDE, W_ACCOUNT_DETAILS, W_OUTSIDE_DETAILS, W_PERSON_DETAILS,
       /* key-rotate */
       W_ROTATE,
       /* policy-set */
       R_POLICY, W_POLICY, W_POLICY_HISTORY,

       /* alc-change, key-effective (migration 016) */
       W_ITEM_USE,
       /* a certification closes the account's open inventory session (022) */
       W_SESSION_CLOSE,
       /* a certification keeps the list it hashes (024) */
       W_CERTIFIED, NQ };
static const char *const custody_sql[NQ] = {
	"SELECT name, vkey, enrolled_idx, revoked_idx IS NOT NULL, coalesce(revoked_idx, 0), "
	"coalesce(rank, ''), coalesce(position, ''), coalesce(details_idx, 0), "
	"coalesce(key_idx, enrolled_idx) FROM custos.person WHERE name = ANY ($1)",
	"SELECT person, role, coalesce(account, ''), since_idx FROM custos.person_role "
	"WHERE person = ANY ($1)",
	"SELECT title, edition, serial, kind, alc, class, crypto, qty, "
	"coalesce(to_char(effective, 'YYYYMMDD'), '0'), coalesce(to_char(supersedes, 'YYYYMMDD'), '0'), "
	"account, status, CASE WHEN status IN ('issued', 'in_transit') THEN last_txn "
	"WHEN status IN ('incident', 'relieved') THEN coalesce(incident, '') ELSE '' END, last_txn, "
	"in_effect FROM custos.item WHERE (title, edition, serial) IN "
	"(SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))",
	"SELECT t.number, t.action, t.idx, t.account, coalesce(t.peer, ''), "
	"coalesce(t.holder, ''), coalesce(t.ref, ''), t.open, "
	"(SELECT count(*) FROM custos.item i WHERE i.status IN ('issued', 'in_transit') "
	"AND i.last_txn = t.number) + (SELECT count(*) FROM custos.item i "
	"WHERE i.status = 'incident' AND i.incident = t.number), "
	"coalesce(n.category, ''), coalesce(n.updates, 0), n.closed_idx IS NOT NULL "
	"FROM custos.txn t LEFT JOIN custos.incident n ON n.txn = t.number "
	"WHERE t.number = ANY ($1)",
	"SELECT number, name, opened_idx, coalesce(address, ''), coalesce(cor_account, ''), "
	"coalesce(details_idx, 0) FROM custos.account WHERE number = ANY ($1)",
	"SELECT coalesce(max(seq), 0) FROM custos.txn WHERE account = $1 AND year = $2",
	"SELECT number, name, coalesce(address, ''), registered_idx, coalesce(details_idx, 0) "
	"FROM custos.outside_account WHERE number = ANY ($1)",
	/* Q_OLD_KEYS: the keys these people held before a key-rotate */
	"SELECT person, encode(pubkey, 'hex') FROM custos.person_key WHERE person = ANY ($1)",
	/* W_ITEM: an item's custody (and, new or received, its facts) as the
	 * replay has it after the entry; its history row with it */
	"WITH i AS (INSERT INTO custos.item AS i (title, edition, serial, kind, alc, class, crypto, "
	"qty, effective, supersedes, account, status, holder, peer, incident, last_txn, last_idx, since, "
	"in_effect) "
	"VALUES ($1, $2, $3, $4, $5::smallint, $6, $7::boolean, $8::integer, "
	"to_date(nullif($9, '0'), 'YYYYMMDD'), to_date(nullif($10, '0'), 'YYYYMMDD'), $11, $12, "
	"nullif($13, ''), nullif($14, ''), nullif($15, ''), $16, $17::bigint, $18::timestamptz, "
	"$19::boolean) "
	"ON CONFLICT (title, edition, serial) DO UPDATE SET kind = EXCLUDED.kind, alc = EXCLUDED.alc, "
	"class = EXCLUDED.class, crypto = EXCLUDED.crypto, qty = EXCLUDED.qty, "
	"effective = EXCLUDED.effective, supersedes = EXCLUDED.supersedes, account = EXCLUDED.account, "
	"status = EXCLUDED.status, holder = EXCLUDED.holder, peer = EXCLUDED.peer, "
	"incident = EXCLUDED.incident, last_txn = EXCLUDED.last_txn, last_idx = EXCLUDED.last_idx, "
	"since = EXCLUDED.since, in_effect = EXCLUDED.in_effect RETURNING id) "
	"INSERT INTO custos.entry_item (item_id, idx) SELECT id, $17::bigint FROM i",
	/* W_LINK: an item the entry lists but does not change (inventory) */
	"INSERT INTO custos.entry_item (item_id, idx) SELECT id, $4::bigint FROM custos.item "
	"WHERE (title, edition, serial) = ($1, $2, $3)",
	"INSERT INTO custos.txn (number, account, year, seq, action, idx, time, peer, holder, ref, open) "
	"VALUES ($1, $2, $3::integer, $4::integer, $5, $6::bigint, $7::timestamptz, nullif($8, ''), "
	"nullif($9, ''), nullif($10, ''), $11::boolean)",
	"UPDATE custos.txn SET open = $2::boolean WHERE number = $1 AND open <> $2::boolean",
	"INSERT INTO custos.incident (txn, account, category, reported_at, discovered_at) "
	"VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz)",
	"UPDATE custos.incident SET updates = $2::integer, "
	"last_update = CASE WHEN $3 = '' THEN last_update ELSE $3::timestamptz END, "
	"closed_idx = nullif($4, '')::bigint, closed_at = nullif($5, '')::timestamptz, "
	"outcome = nullif($6, '-') WHERE txn = $1",
	"UPDATE custos.account SET last_inventory = $2::timestamptz WHERE number = $1",
	/* R_PEOPLE: besides the signers and the key line's name, the people a
	 * registry entry's rules look at: whoever holds the key line's public
	 * key; revoking an account's custodian or alternate, the others who
	 * keep it; revoking an administrator, the other administrators */
	"SELECT name FROM custos.person WHERE pubkey = decode($1, 'hex') "
	"UNION SELECT person FROM custos.person_key WHERE pubkey = decode($1, 'hex') "
	"UNION SELECT r.person FROM custos.person_role r "
	"WHERE (r.account = $2 AND r.role IN ('custodian', 'alternate')) "
	"OR (r.role = 'administrator' AND $3::boolean)",
	/* R_ISSUES: revoking an account role, the hand receipts of that account
	 * still open to the person (what is issued to them) */
	"SELECT number FROM custos.txn WHERE action = 'issue' AND account = $1 AND holder = $2 "
	"AND open",
	"SELECT name FROM custos.person WHERE login = $1::name AND name <> $2",
	"INSERT INTO custos.account (number, name, opened_idx, opened_at) "
	"VALUES ($1, $2, $3::bigint, $4::timestamptz)",
	"INSERT INTO custos.person (name, login, vkey, pubkey, enrolled_idx) "
	"VALUES ($1, $2::name, $3, decode($4, 'hex'), $5::bigint)",
	"INSERT INTO custos.person_role (person, role, account, since_idx) "
	"VALUES ($1, $2, $3, $4::bigint)",
	"DELETE FROM custos.person_role WHERE person = $1 AND role = $2 "
	"AND account IS NOT DISTINCT FROM $3",
	"UPDATE custos.person SET revoked_idx = $2::bigint WHERE name = $1 AND revoked_idx IS NULL",
	/* R_HELD: what a change of custodian of account $1 must list, and a
	 * complete inventory */
	"SELECT count(*) FROM custos.item WHERE account = $1 AND status IN ('on_hand', 'issued')",
	/* R_LIST: the items of a certification's list of account $1, in the
	 * list's order (the columns are COLLATE "C": bytewise); which of them
	 * count is rules_list_counts' */
	"SELECT title, edition, serial, qty, alc, status FROM custos.item "
	"WHERE account = $1 AND status IN ('on_hand', 'issued') ORDER BY title, edition, serial",
	"SELECT custos.sync_login($1)",
	"INSERT INTO custos.outside_account (number, name, address, registered_idx) "
	"VALUES ($1, $2, nullif($3, ''), $4::bigint)",
	"UPDATE custos.account SET address = nullif($2, ''), cor_account = nullif($3, ''), "
	"details_idx = $4::bigint WHERE number = $1",
	"UPDATE custos.outside_account SET address = nullif($2, ''), details_idx = $3::bigint "
	"WHERE number = $1",
	"UPDATE custos.person SET rank = nullif($2, ''), position = nullif($3, ''), "
	"details_idx = $4::bigint WHERE name = $1",
	/* W_ROTATE: the key in force moves to person_key, the new one takes its place */
	"WITH old AS (INSERT INTO custos.person_key (person, vkey, pubkey, from_idx, replaced_idx) "
	"SELECT name, vkey, pubkey, coalesce(key_idx, enrolled_idx), $4::bigint "
	"FROM custos.person WHERE name = $1 RETURNING person) "
	"UPDATE custos.person p SET vkey = $2, pubkey = decode($3, 'hex'), key_idx = $4::bigint "
	"FROM old WHERE p.name = old.person",
	/* R_POLICY: the policies in force, and the entry that set each */
	"SELECT name, value, coalesce(set_idx, 0) FROM custos.policy",
	"UPDATE custos.policy SET value = $2::integer, set_idx = $3::bigint "
	"WHERE name = $1 AND custos.policy_signed(name)",
	"INSERT INTO custos.policy_history (idx, name, value) VALUES ($3::bigint, $1, $2::integer)",
	/* W_ITEM_USE: an item's ALC and whether its key is in effect, as the
	 * replay has them after an alc-change or key-effective; its custody
	 * and last transaction stay (an issued item stays under its issue) */
	"UPDATE custos.item SET alc = $4::smallint, in_effect = $5::boolean "
	"WHERE (title, edition, serial) = ($1, $2, $3)",
	"UPDATE custos.inventory_session SET closed_idx = $2::bigint WHERE account = $1 AND kind = $3 "
	"AND closed_idx IS NULL AND abandoned_at IS NULL",
	/* W_CERTIFIED: the certification's list, line n the n-th element of
	 * the arrays (title, edition, serial, qty), in one statement */
	"INSERT INTO custos.certified_item (idx, line, title, edition, serial, qty) "
	"SELECT $1::bigint, l.n, l.t, l.e, l.s, l.q::integer "
	"FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS l(t, e, s, q, n)",
};
static const int custody_nargs[NQ] = {1, 1, 3, 1, 1, 2, 1, 1, 19, 4, 11, 2, 5, 6, 2,
				      3, 2, 2, 4, 5, 4, 3, 2,
				      1, 1, 1,
				      4, 4, 3, 4,
				      4,
				      0, 3, 3,
				      5, 3,
				      5};
static SPIPlanPtr custody_plan[NQ];

static void custody_prepare(int q)
{
	if (custody_plan[q] != NULL)
		return;
	Oid types[19];
	for (int i = 0; i < 19; i++)
		types[i] = q >= W_ITEM ? TEXTOID : TEXTARRAYOID;
	if (q == Q_SEQ)
		types[0] = TEXTOID, types[1] = INT4OID;
	if (q == W_CERTIFIED)
		types[1] = types[2] = types[3] = types[4] = TEXTARRAYOID;
	SPIPlanPtr p = SPI_prepare(custody_sql[q], custody_nargs[q], types);
	if (p == NULL || SPI_keepplan(p) != 0)
		ereport(ERROR, (errmsg("custos: custody_apply cannot plan statement %d: %s", q,
				       SPI_result_code_string(SPI_result))));
	custody_plan[q] = p;
}

static SPITupleTable *custody_query(int q, Datum *args)
{
	custody_prepare(q);
	if (SPI_execute_plan(custody_plan[q], args, NULL, true, 0) != SPI_OK_SELECT)
		ereport(ERROR, (errmsg("custos: custody_apply query %d failed", q)));
	return SPI_tuptable;
}

/* Run write statement q with text arguments v (NULL: SQL NULL). */
static void custody_write(int q, const char *const *v)
{
	custody_prepare(q);
	Datum args[19];
	char nulls[19];
	for (int i = 0; i < custody_nargs[q]; i++) {
		nulls[i] = v[i] == NULL ? 'n' : ' ';
		args[i] = v[i] == NULL ? (Datum)0 : PointerGetDatum(cstring_to_text(v[i]));
	}
	int rc = SPI_execute_plan(custody_plan[q], args, nulls, false, 0);
	if (rc != SPI_OK_INSERT && rc != SPI_OK_UPDATE && rc != SPI_OK_DELETE)
		ereport(ERROR, (errmsg("custos: custody_apply statement %d failed", q)));
}

/* Run read statement q (q >= R_PEOPLE) with text arguments v. */
static SPITupleTable *registry_query(int q, const char *const *v)
{
	Datum args[4];
	for (int i = 0; i < custody_nargs[q]; i++)
		args[i] = PointerGetDatum(cstring_to_text(v[i]));
	return custody_query(q, args);
}

/* Column c (0-based) of row r as text; "" for NULL. */
static const char *col(SPITupleTable *t, uint64 r, int c)
{
	char *v = SPI_getvalue(t->vals[r], t->tupdesc, c + 1);
	return v != NULL ? v : "";
}

/* A set of distinct strings, as a text[] for a query. */
typedef struct strset {
	const char *v[ENTRY_MAX_ITEMS * 2 + NOTE_MAX_SIGS + 64];
	int n;
} strset;

static void strset_add(strset *s, const char *v)
{
	if (v[0] == '\0')
		return;
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return;
	if (s->n == (int)(sizeof s->v / sizeof s->v[0]))
		ereport(ERROR, (errmsg("custos: custody_apply: too many records for one entry")));
	s->v[s->n++] = pstrdup(v);
}

static Datum strset_array(const strset *s)
{
	Datum *d = palloc(sizeof *d * (s->n > 0 ? s->n : 1));
	for (int i = 0; i < s->n; i++)
		d[i] = PointerGetDatum(cstring_to_text(s->v[i]));
	return PointerGetDatum(construct_array(d, s->n, TEXTOID, -1, false, TYPALIGN_INT));
}

static int name_index(const char *(*name)(int), int count, const char *s)
{
	for (int i = 0; i < count; i++)
		if (strcmp(name(i), s) == 0)
			return i;
	return -1;
}
static const char *kind_name(int k) { return item_kind_name((item_kind)k); }
static const char *class_name(int c) { return item_class_name((item_class)c); }
static const char *category_name(int c) { return entry_category_name((entry_category)c); }

/* Six digits: an account of a ledger (not "COR", not "-"). */
static void seeded(status st, const char *what)
{
	if (st != ST_OK)
		ereport(ERROR, (errmsg("custos: custody_apply: the database's %s does not fit the "
				       "ledger's records (%s)", what, status_message(st))));
}

/* The names a registry entry e's rules look at besides its signers: the
 * key line's person and whoever holds its public key, the people
 * R_PEOPLE names for a revocation, and the hand receipts open to the
 * person revoked. */
static void registry_names(const entry *e, strset *people, strset *txns)
{
	const entry_key *k = &e->keys[0];
	bool revoke = e->action == ACT_KEY_REVOKE;
	char hex[2 * KEY_PK_LEN + 1];
	for (int i = 0; i < KEY_PK_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", k->key.pk[i]);
	strset_add(people, k->key.name);
	const char *v[] = {hex, revoke ? e->account : "",
			   revoke && k->role == ROLE_ADMINISTRATOR ? "t" : "f"};
	SPITupleTable *t = registry_query(R_PEOPLE, v);
	for (uint64 i = 0; i < t->numvals; i++)
		strset_add(people, col(t, i, 0));
	if (e->action == ACT_KEY_ROTATE && e->nkeys == 2) { /* whoever had the new key */
		for (int i = 0; i < KEY_PK_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", e->keys[1].key.pk[i]);
		t = registry_query(R_PEOPLE, v);
		for (uint64 i = 0; i < t->numvals; i++)
			strset_add(people, col(t, i, 0));
	}
	if (revoke && e->account[0]) {
		const char *w[] = {e->account, k->key.name};
		t = registry_query(R_ISSUES, w);
		for (uint64 i = 0; i < t->numvals; i++)
			strset_add(txns, col(t, i, 0));
	}
}

/* The lines of a certification's list as seed_list admitted them, in the
 * list's order: title, edition, serial, qty (text Datums, palloc'd in the
 * SPI context), for apply_inventory to keep (W_CERTIFIED). */
typedef struct certified_list {
	Datum *v[4];
	int n;
} certified_list;

/* The list of certification e's account, as custos.item holds it, into
 * a (replay_account's list_*): the replay judges e by it; its lines into
 * cl.  ERRORs on a database fault or a row that does not fit the list's
 * order. */
static void seed_list(replay_account *a, const entry *e, certified_list *cl)
{
	const char *v[] = {e->account};
	SPITupleTable *t = registry_query(R_LIST, v);
	rules_list_digest d;
	bool ok = true;
	rules_list_digest_init(&d);
	for (int k = 0; k < 4; k++)
		cl->v[k] = palloc(sizeof(Datum) * (t->numvals > 0 ? t->numvals : 1));
	cl->n = 0;
	for (uint64 i = 0; i < t->numvals && ok; i++) {
		const char *st = col(t, i, 5);
		int s = item_status_from_name(st);
		long qty = strtol(col(t, i, 3), NULL, 10);
		if (s < 0 || qty < 1 || qty > ENTRY_QTY_MAX) {
			ok = false;
			break;
		}
		if (!rules_list_counts(e->action, (int)strtol(col(t, i, 4), NULL, 10), (item_status)s))
			continue;
		ok = rules_list_digest_add(&d, col(t, i, 0), col(t, i, 1), col(t, i, 2), (uint32_t)qty);
		for (int k = 0; k < 4; k++)
			cl->v[k][cl->n] = PointerGetDatum(cstring_to_text(col(t, i, k)));
		cl->n++;
	}
	rules_list_digest_final(&d, a->list_sha256, &a->list_count);
	if (!ok)
		seeded(ST_FORMAT, "list of the account's items");
	a->list_seeded = true;
	a->list_action = e->action;
}

/* Seed r with what entry e (note n) touches.  ERRORs on a database fault. */
static void custody_seed(replay *r, const entry *e, const note *n, certified_list *cl)
{
	uint8_t prev[SHA256_LEN];
	memcpy(prev, e->prev, SHA256_LEN);
	replay_seed_head(r, e->origin, e->index, prev, e->time_us);
	/* the policies in force at the entry's index (a row of another
	 * policy, operational, is not the replay's) */
	SPITupleTable *tpol = registry_query(R_POLICY, NULL);
	for (uint64 i = 0; i < tpol->numvals; i++) {
		int p = rules_policy_from_name(col(tpol, i, 0));
		if (p >= 0)
			seeded(replay_seed_policy(r, (rules_policy)p, strtoll(col(tpol, i, 1), NULL, 10),
						  strtoull(col(tpol, i, 2), NULL, 10)),
			       "policy");
	}

	strset people = {0}, accounts = {0}, txns = {0};
	for (size_t i = 0; i < n->nsigs; i++)
		strset_add(&people, pnstrdup(n->sigs[i].name, n->sigs[i].namelen));
	strset_add(&people, e->holder);
	strset_add(&accounts, e->account);
	if (entry_account_number_valid(e->peer))
		strset_add(&accounts, e->peer);
	strset_add(&txns, e->ref);
	if (rules_action_of(e->action)->key_line && e->nkeys >= 1)
		registry_names(e, &people, &txns);

	Datum arg[3];
	arg[0] = strset_array(&people);
	SPITupleTable *tp = custody_query(Q_PERSON, arg);
	SPITupleTable *tr = custody_query(Q_ROLE, arg);
	SPITupleTable *tk = custody_query(Q_OLD_KEYS, arg);
	for (uint64 i = 0; i < tr->numvals; i++)
		strset_add(&accounts, col(tr, i, 2));

	/* the items listed, and the lot of each part the entry splits off */
	size_t cap = 2 * (e->nitems > 0 ? e->nitems : 1), ni = 0;
	Datum *ti = palloc(sizeof *ti * 3 * cap);
	for (size_t k = 0; k < e->nitems; k++) {
		char lot[ENTRY_SERIAL_MAX + 1];
		const char *serials[2] = {e->items[k].serial,
					  rules_split_parent(e, k, lot) ? lot : NULL};
		for (int j = 0; j < 2 && serials[j] != NULL; j++, ni++) {
			ti[ni] = PointerGetDatum(cstring_to_text(e->items[k].title));
			ti[cap + ni] = PointerGetDatum(cstring_to_text(e->items[k].edition));
			ti[2 * cap + ni] = PointerGetDatum(cstring_to_text(serials[j]));
		}
	}
	for (int c = 0; c < 3; c++)
		arg[c] = PointerGetDatum(construct_array(ti + c * cap, (int)ni, TEXTOID, -1, false,
							  TYPALIGN_INT));
	SPITupleTable *tit = custody_query(Q_ITEM, arg);
	for (uint64 i = 0; i < tit->numvals; i++) {
		strset_add(&accounts, col(tit, i, 10));
		strset_add(&txns, col(tit, i, 12));
	}

	arg[0] = strset_array(&txns);
	SPITupleTable *tt = custody_query(Q_TXN, arg);
	for (uint64 i = 0; i < tt->numvals; i++) {
		strset_add(&accounts, col(tt, i, 3));
		if (entry_account_number_valid(col(tt, i, 4)))
			strset_add(&accounts, col(tt, i, 4));
	}

	arg[0] = strset_array(&accounts);
	SPITupleTable *ta = custody_query(Q_ACCOUNT, arg);
	for (uint64 i = 0; i < ta->numvals; i++) {
		replay_account a = {.number = col(ta, i, 0), .name = col(ta, i, 1),
				    .opened_index = strtoull(col(ta, i, 2), NULL, 10),
				    .address = col(ta, i, 3), .cor_account = col(ta, i, 4),
				    .details_index = strtoull(col(ta, i, 5), NULL, 10)};
		if ((e->action == ACT_CUSTODIAN_CHANGE || e->action == ACT_INVENTORY) &&
		    strcmp(a.number, e->account) == 0) {
			const char *v[] = {e->account};
			a.held = strtoull(col(registry_query(R_HELD, v), 0, 0), NULL, 10);
			if (rules_is_certification(e))
				seed_list(&a, e, cl);
		}
		seeded(replay_seed_account(r, &a), "account");
	}
	SPITupleTable *to = custody_query(Q_OUTSIDE, arg);
	for (uint64 i = 0; i < to->numvals; i++) {
		replay_outside o = {.number = col(to, i, 0), .name = col(to, i, 1),
				    .address = col(to, i, 2),
				    .registered_index = strtoull(col(to, i, 3), NULL, 10),
				    .details_index = strtoull(col(to, i, 4), NULL, 10)};
		seeded(replay_seed_outside(r, &o), "outside account");
	}
	if (entry_account_number_valid(e->account)) {
		char t[ENTRY_TIME_LEN + 1];
		entry_time_format(e->time_us, t);
		int year = (int)strtol(t, NULL, 10);
		arg[0] = PointerGetDatum(cstring_to_text(e->account));
		arg[1] = Int32GetDatum(year);
		SPITupleTable *ts = custody_query(Q_SEQ, arg);
		status st = replay_seed_seq(r, e->account, year, strtoull(col(ts, 0, 0), NULL, 10));
		if (st != ST_NOTFOUND) /* an account not open: the replay refuses the entry */
			seeded(st, "transaction numbers");
	}
	for (uint64 i = 0; i < tp->numvals; i++) {
		replay_person p = {.name = col(tp, i, 0),
				   .enrolled_index = strtoull(col(tp, i, 2), NULL, 10),
				   .revoked = strcmp(col(tp, i, 3), "t") == 0,
				   .revoked_index = strtoull(col(tp, i, 4), NULL, 10),
				   .rank = col(tp, i, 5), .position = col(tp, i, 6),
				   .details_index = strtoull(col(tp, i, 7), NULL, 10),
				   .key_index = strtoull(col(tp, i, 8), NULL, 10)};
		const char *vk = col(tp, i, 1);
		errbuf err = {0};
		if (key_vkey_parse(vk, strlen(vk), &p.key, &err) != ST_OK)
			ereport(ERROR, (errmsg("custos: custody_apply: person %s has a malformed key: %s",
					       p.name, err.msg)));
		seeded(replay_seed_person(r, &p), "person");
	}
	for (uint64 i = 0; i < tk->numvals; i++) {
		uint8_t pk[KEY_PK_LEN];
		const char *hex = col(tk, i, 1);
		if (strlen(hex) != 2 * KEY_PK_LEN)
			seeded(ST_FORMAT, "replaced key");
		for (int j = 0; j < KEY_PK_LEN; j++) {
			unsigned b;
			if (sscanf(hex + 2 * j, "%2x", &b) != 1)
				seeded(ST_FORMAT, "replaced key");
			pk[j] = (uint8_t)b;
		}
		seeded(replay_seed_old_key(r, col(tk, i, 0), pk), "replaced key");
	}
	for (uint64 i = 0; i < tr->numvals; i++) {
		const char *role = col(tr, i, 1);
		int ro = entry_role_from_name(role, strlen(role));
		replay_role rr = {.person = col(tr, i, 0), .role = (entry_role)ro,
				  .account = col(tr, i, 2),
				  .since_index = strtoull(col(tr, i, 3), NULL, 10)};
		if (ro < 0)
			seeded(ST_FORMAT, "role");
		seeded(replay_seed_role(r, &rr), "role");
	}
	for (uint64 i = 0; i < tt->numvals; i++) {
		const char *action = col(tt, i, 1);
		int a = entry_action_from_name(action, strlen(action));
		replay_txn t = {.number = col(tt, i, 0), .action = (entry_action)a,
				.index = strtoull(col(tt, i, 2), NULL, 10), .account = col(tt, i, 3),
				.peer = col(tt, i, 4), .holder = col(tt, i, 5), .ref = col(tt, i, 6),
				.open = strcmp(col(tt, i, 7), "t") == 0};
		replay_incident inc = {.category = (entry_category)name_index(category_name, CAT__COUNT,
									       col(tt, i, 9)),
				       .updates = strtoull(col(tt, i, 10), NULL, 10),
				       .closed = strcmp(col(tt, i, 11), "t") == 0};
		if (a < 0)
			seeded(ST_FORMAT, "transaction");
		seeded(replay_seed_txn(r, &t, strtoull(col(tt, i, 8), NULL, 10),
				       col(tt, i, 9)[0] != '\0' ? &inc : NULL), /* an incident */
		       "transaction");
	}
	for (uint64 i = 0; i < tit->numvals; i++) {
		replay_item it = {.account = col(tit, i, 10), .last_txn = col(tit, i, 13)};
		entry_item *f = &it.facts;
		int kind = name_index(kind_name, KIND__COUNT, col(tit, i, 3));
		int cls = name_index(class_name, CLASS__COUNT, col(tit, i, 5));
		int status = item_status_from_name(col(tit, i, 11));
		if (kind < 0 || cls < 0 || status < 0 || strlen(col(tit, i, 0)) > ENTRY_TITLE_MAX ||
		    strlen(col(tit, i, 1)) > ENTRY_EDITION_MAX || strlen(col(tit, i, 2)) > ENTRY_SERIAL_MAX)
			seeded(ST_FORMAT, "item");
		snprintf(f->title, sizeof f->title, "%s", col(tit, i, 0));
		snprintf(f->edition, sizeof f->edition, "%s", col(tit, i, 1));
		snprintf(f->serial, sizeof f->serial, "%s", col(tit, i, 2));
		f->kind = (item_kind)kind;
		f->alc = (int)strtol(col(tit, i, 4), NULL, 10);
		f->cls = (item_class)cls;
		f->crypto = strcmp(col(tit, i, 6), "t") == 0;
		f->qty = (uint32_t)strtoul(col(tit, i, 7), NULL, 10);
		f->effective = (uint32_t)strtoul(col(tit, i, 8), NULL, 10);
		f->supersedes = (uint32_t)strtoul(col(tit, i, 9), NULL, 10);
		it.status = (item_status)status;
		it.in_effect = strcmp(col(tit, i, 14), "t") == 0;
		seeded(replay_seed_item(r, &it, col(tit, i, 12)), "item");
	}
}

/* ---- writing the state the replay reached ---- */

typedef struct apply_ctx {
	const entry *e;
	const certified_list *cl; /* a certification's list (seed_list) */
	char time[ENTRY_TIME_LEN + 1]; /* the entry's */
	char idx[24];
} apply_ctx;

static bool apply_item(void *ctx, const replay_item *it)
{
	apply_ctx *c = ctx;
	const entry_item *f = &it->facts;
	if (c->e->action == ACT_INVENTORY || c->e->action == ACT_CUSTODIAN_CHANGE) {
		/* listed, not changed */
		const char *v[] = {f->title, f->edition, f->serial, c->idx};
		custody_write(W_LINK, v);
		return true;
	}
	if (c->e->action == ACT_ALC_CHANGE || c->e->action == ACT_KEY_EFFECTIVE) {
		/* listed, its ALC or use changed */
		char nalc[8];
		snprintf(nalc, sizeof nalc, "%d", f->alc);
		const char *u[] = {f->title, f->edition, f->serial, nalc, it->in_effect ? "t" : "f"};
		custody_write(W_ITEM_USE, u);
		const char *v[] = {f->title, f->edition, f->serial, c->idx};
		custody_write(W_LINK, v);
		return true;
	}
	char alc[8], qty[16], eff[16], sup[16], since[ENTRY_TIME_LEN + 1];
	snprintf(alc, sizeof alc, "%d", f->alc);
	snprintf(qty, sizeof qty, "%u", f->qty);
	snprintf(eff, sizeof eff, "%u", f->effective);
	snprintf(sup, sizeof sup, "%u", f->supersedes);
	entry_time_format(it->since_us, since);
	const char *v[] = {f->title, f->edition, f->serial, item_kind_name(f->kind), alc,
			   item_class_name(f->cls), f->crypto ? "t" : "f", qty, eff, sup,
			   it->account, item_status_name(it->status), it->holder, it->peer,
			   it->incident, it->last_txn, c->idx, since, it->in_effect ? "t" : "f"};
	custody_write(W_ITEM, v);
	return true;
}

/* The entry's account's last inventory as the replay derived it: moved to
 * the entry's time by a complete inventory, left by a spot check.  A
 * certification also closes the account's open inventory session of its
 * kind (migration 022) and keeps the list it hashes, the lines seed_list
 * admitted, in custos.certified_item (024), in the entry's own transaction. */
static bool apply_inventory(void *ctx, const replay_account *a)
{
	apply_ctx *c = ctx;
	if (strcmp(a->number, c->e->account) != 0)
		return true;
	if (a->last_inventory_us == c->e->time_us) {
		const char *v[] = {a->number, c->time};
		custody_write(W_INVENTORY, v);
	}
	if (rules_is_certification(c->e)) {
		char idx[24];
		snprintf(idx, sizeof idx, "%llu", (unsigned long long)c->e->index);
		const char *v[] = {a->number, idx,
				   c->e->action == ACT_CUSTODIAN_CHANGE ? "custodian-change" : "periodic"};
		custody_write(W_SESSION_CLOSE, v);
		/* its list, kept: one statement for every line */
		custody_prepare(W_CERTIFIED);
		const certified_list *cl = c->cl;
		if (cl->v[0] == NULL)
			ereport(ERROR, (errmsg("custos: certification %s: its list was not seeded", idx)));
		Datum args[5] = {PointerGetDatum(cstring_to_text(idx))};
		for (int k = 0; k < 4; k++)
			args[1 + k] = PointerGetDatum(construct_array(cl->v[k], cl->n, TEXTOID, -1,
								      false, TYPALIGN_INT));
		if (SPI_execute_plan(custody_plan[W_CERTIFIED], args, NULL, false, 0) != SPI_OK_INSERT ||
		    SPI_processed != (uint64)cl->n)
			ereport(ERROR, (errmsg("custos: certification %s: its list cannot be kept", idx)));
	}
	return false;
}

static bool apply_txn(void *ctx, const replay_txn *t)
{
	apply_ctx *c = ctx;
	if (strcmp(t->number, c->e->txn) != 0) {
		const char *v[] = {t->number, t->open ? "t" : "f"};
		custody_write(W_TXN_OPEN, v);
		return true;
	}
	const char *dash = strrchr(t->number, '-');
	char year[8], seq[16], idx[24];
	snprintf(year, sizeof year, "%.4s", dash - 4);
	snprintf(seq, sizeof seq, "%s", dash + 1);
	snprintf(idx, sizeof idx, "%llu", (unsigned long long)t->index);
	const char *v[] = {t->number, t->account, year, seq, entry_action_name(t->action), idx,
			   c->time, t->peer, t->holder, t->ref, t->open ? "t" : "f"};
	custody_write(W_TXN, v);
	return true;
}

static bool apply_incident(void *ctx, const replay_incident *i)
{
	apply_ctx *c = ctx;
	const entry *e = c->e;
	if (strcmp(i->txn, e->txn) == 0) {
		char found[ENTRY_TIME_LEN + 1];
		entry_time_format(i->discovered_us ? i->discovered_us : e->time_us, found);
		const char *v[] = {i->txn, i->account, entry_category_name(i->category), c->time,
				   found};
		custody_write(W_INCIDENT, v);
	} else if (strcmp(i->txn, e->ref) == 0 &&
		   (e->action == ACT_INCIDENT_UPDATE || e->action == ACT_INCIDENT_CLOSE)) {
		/* (a possession names the incident too, and changes nothing of it) */
		char updates[24], last[ENTRY_TIME_LEN + 1] = "", closed_idx[24] = "",
			closed_at[ENTRY_TIME_LEN + 1] = "";
		snprintf(updates, sizeof updates, "%llu", (unsigned long long)i->updates);
		if (i->last_update_us != 0)
			entry_time_format(i->last_update_us, last);
		if (i->closed) {
			snprintf(closed_idx, sizeof closed_idx, "%llu",
				 (unsigned long long)i->closed_index);
			entry_time_format(i->closed_us, closed_at);
		}
		const char *v[] = {i->txn, updates, last, closed_idx, closed_at,
				   entry_outcome_name(i->outcome)};
		custody_write(W_INCIDENT_SET, v);
	}
	return true;
}

/* Write what replay r (seeded by custody_seed, entry e applied) holds now
 * of the records e touched. */
/* A change of custodian, as the replay reached it: the incoming
 * custodian's role begins at the entry; a person whose custodian role on
 * the account the replay ended (the outgoing custodian) loses its row, and
 * with their last role their key is revoked; both logins' group roles
 * follow (sync_login). */
typedef struct handover_ctx {
	apply_ctx *c;
	strset custodians; /* who holds the custodian role on the account after it */
} handover_ctx;

static bool handover_role(void *ctx, const replay_role *ro)
{
	handover_ctx *h = ctx;
	if (ro->role == ROLE_CUSTODIAN && strcmp(ro->account, h->c->e->account) == 0)
		strset_add(&h->custodians, ro->person);
	return true;
}

static bool handover_person(void *ctx, const replay_person *p)
{
	handover_ctx *h = ctx;
	const entry *e = h->c->e;
	bool custodian = false;
	for (int i = 0; i < h->custodians.n; i++)
		custodian |= strcmp(h->custodians.v[i], p->name) == 0;
	if (strcmp(p->name, e->holder) == 0) {
		const char *v[] = {p->name, "custodian", e->account, h->c->idx};
		custody_write(W_ROLE, v);
	} else if (!custodian) {
		const char *v[] = {p->name, "custodian", e->account};
		custody_write(W_UNROLE, v);
		if (SPI_processed == 0)
			return true; /* was not the account's custodian: untouched */
		if (p->revoked && p->revoked_index == e->index) {
			const char *w[] = {p->name, h->c->idx};
			custody_write(W_REVOKED, w);
		}
	} else {
		return true;
	}
	custody_prepare(W_SYNC_LOGIN);
	Datum arg = PointerGetDatum(cstring_to_text(p->name));
	if (SPI_execute_plan(custody_plan[W_SYNC_LOGIN], &arg, NULL, false, 0) != SPI_OK_SELECT)
		ereport(ERROR, (errmsg("custos: custodian-change cannot bring %s's login in line",
				       p->name)));
	return true;
}

static void custody_write_state(const replay *r, const entry *e, const certified_list *cl)
{
	apply_ctx c = {.e = e, .cl = cl};
	entry_time_format(e->time_us, c.time);
	snprintf(c.idx, sizeof c.idx, "%llu", (unsigned long long)e->index);
	replay_each_item(r, apply_item, &c);
	replay_each_txn(r, apply_txn, &c);
	replay_each_incident(r, apply_incident, &c);
	if (e->action == ACT_INVENTORY || e->action == ACT_CUSTODIAN_CHANGE)
		replay_each_account(r, apply_inventory, &c);
	if (e->action == ACT_CUSTODIAN_CHANGE) {
		handover_ctx *h = palloc0(sizeof *h);
		h->c = &c;
		replay_each_role(r, handover_role, h);
		replay_each_person(r, handover_person, h);
	}
}

/* ---- writing the registry the replay reached ---- */

typedef struct registry_ctx {
	const entry *e;
	const char *login; /* a new person's login; "" for their key name */
	char time[ENTRY_TIME_LEN + 1];
	char idx[24];
} registry_ctx;

static bool registry_account(void *ctx, const replay_account *a)
{
	registry_ctx *c = ctx;
	if (strcmp(a->number, c->e->account) == 0 && a->opened_index == c->e->index) {
		const char *v[] = {a->number, a->name, c->idx, c->time};
		custody_write(W_ACCOUNT, v);
	} else if (strcmp(a->number, c->e->account) == 0 && a->details_index == c->e->index) {
		const char *v[] = {a->number, a->address, a->cor_account, c->idx};
		custody_write(W_ACCOUNT_DETAILS, v);
	}
	return true;
}

/* The outside account the entry registers, or whose details it sets. */
static bool registry_outside(void *ctx, const replay_outside *o)
{
	registry_ctx *c = ctx;
	if (strcmp(o->number, c->e->account) != 0)
		return true;
	if (o->registered_index == c->e->index) {
		const char *v[] = {o->number, o->name, o->address, c->idx};
		custody_write(W_OUTSIDE, v);
	} else if (o->details_index == c->e->index) {
		const char *v[] = {o->number, o->address, c->idx};
		custody_write(W_OUTSIDE_DETAILS, v);
	}
	return false;
}

/* The person whose rank and position the entry sets. */
static bool registry_details(void *ctx, const replay_person *p)
{
	registry_ctx *c = ctx;
	if (strcmp(p->name, c->e->holder) != 0 || p->details_index != c->e->index)
		return true;
	const char *v[] = {p->name, p->rank, p->position, c->idx};
	custody_write(W_PERSON_DETAILS, v);
	return false;
}

/* The key line's person: enrolled by this entry (a new row, with its
 * login), or revoked by it. */
static bool registry_person(void *ctx, const replay_person *p)
{
	registry_ctx *c = ctx;
	if (strcmp(p->name, c->e->keys[0].key.name) != 0)
		return true;
	if (p->enrolled_index == c->e->index && !p->revoked) {
		const char *login = c->login[0] ? c->login : p->name;
		if (strlen(login) >= NAMEDATALEN)
			ereport(ERROR, (errcode(ERRCODE_CUSTOS_REFUSED),
					errmsg("custos: entry %llu: the login role name %s is longer than "
					       "%d bytes: declare %s's login with custos.enrol_login "
					       "before the entry", (unsigned long long)c->e->index, login,
					       NAMEDATALEN - 1, p->name)));
		const char *l[] = {login, p->name};
		SPITupleTable *t = registry_query(R_LOGIN, l);
		if (t->numvals > 0)
			ereport(ERROR, (errcode(ERRCODE_CUSTOS_REFUSED),
					errmsg("custos: entry %llu: the login role %s belongs to another "
					       "person, %s", (unsigned long long)c->e->index, login,
					       col(t, 0, 0))));
		char vkey[KEY_VKEY_MAX + 1], hex[2 * KEY_PK_LEN + 1];
		key_vkey_format(&p->key, vkey);
		for (int i = 0; i < KEY_PK_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", p->key.pk[i]);
		const char *v[] = {p->name, login, vkey, hex, c->idx};
		custody_write(W_PERSON, v);
	} else if (c->e->action == ACT_KEY_ROTATE && p->key_index == c->e->index) {
		char vkey[KEY_VKEY_MAX + 1], hex[2 * KEY_PK_LEN + 1];
		key_vkey_format(&p->key, vkey);
		for (int i = 0; i < KEY_PK_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", p->key.pk[i]);
		const char *v[] = {p->name, vkey, hex, c->idx};
		custody_write(W_ROTATE, v);
		if (SPI_processed != 1)
			ereport(ERROR, (errmsg("custos: entry %llu: the key it replaces is not on record",
					       (unsigned long long)c->e->index)));
	} else if (p->revoked && p->revoked_index == c->e->index) {
		const char *v[] = {p->name, c->idx};
		custody_write(W_REVOKED, v);
	}
	return false;
}

static bool registry_role(void *ctx, const replay_role *ro)
{
	registry_ctx *c = ctx;
	if (strcmp(ro->person, c->e->keys[0].key.name) == 0 && ro->since_index == c->e->index) {
		const char *v[] = {ro->person, entry_role_name(ro->role),
				   ro->account[0] ? ro->account : NULL, c->idx};
		custody_write(W_ROLE, v);
	}
	return true;
}

/* The policies policy-set entry e sets: in force from the next entry on,
 * and in the history. */
static bool registry_policy(void *ctx, const replay_policy_set *ps)
{
	registry_ctx *c = ctx;
	if (ps->index != c->e->index)
		return true;
	char v[24];
	snprintf(v, sizeof v, "%lld", (long long)ps->value);
	const char *name = rules_policy_of(ps->policy)->name;
	const char *w[] = {name, v, c->idx};
	custody_write(W_POLICY, w);
	if (SPI_processed != 1)
		ereport(ERROR, (errmsg("custos: entry %llu: policy %s is not a signed policy of the "
				       "database's policy table", (unsigned long long)c->e->index,
				       name)));
	custody_write(W_POLICY_HISTORY, w);
	return true;
}

/* Write what replay r (seeded by custody_seed, registry entry e applied)
 * holds now of the records e changed: the account it opens; the person it
 * enrols (login: theirs, "" for their key name) and the role it gives;
 * the role it ends and, with the last one, the key's revocation. */
static void registry_write_state(const replay *r, const entry *e, const char *login)
{
	registry_ctx c = {.e = e, .login = login};
	entry_time_format(e->time_us, c.time);
	snprintf(c.idx, sizeof c.idx, "%llu", (unsigned long long)e->index);
	if (e->action == ACT_ACCOUNT_OPEN || e->action == ACT_ACCOUNT_DETAILS) {
		replay_each_account(r, registry_account, &c);
		if (e->action == ACT_ACCOUNT_OPEN)
			return;
	}
	if (e->action == ACT_ACCOUNT_OUTSIDE || e->action == ACT_ACCOUNT_DETAILS) {
		replay_each_outside(r, registry_outside, &c);
		return;
	}
	if (e->action == ACT_PERSON_DETAILS) {
		replay_each_person(r, registry_details, &c);
		return;
	}
	if (e->action == ACT_POLICY_SET) {
		replay_each_policy_set(r, registry_policy, &c);
		return;
	}
	if (e->action == ACT_KEY_REVOKE) {
		const entry_key *k = &e->keys[0];
		const char *v[] = {k->key.name, entry_role_name(k->role),
				   rules_account_role(k->role) ? e->account : NULL};
		custody_write(W_UNROLE, v);
		if (SPI_processed != 1)
			ereport(ERROR, (errmsg("custos: entry %llu: the role it ends is not on record",
					       (unsigned long long)e->index)));
	}
	replay_each_person(r, registry_person, &c);
	if (e->action != ACT_KEY_REVOKE)
		replay_each_role(r, registry_role, &c);
}

/* True while entry_apply writes the state an entry reached, and only then:
 * the state guard (sql/013_state_applied.sql) refuses any other change of
 * the state tables, whoever makes it. */
static bool applying;

/* Judge the entry of note (buf, len) with the replay's code against the
 * records it touches, and write the state it reaches: material entries
 * always; registry entries (genesis, key-enrol, key-revoke, account-open)
 * when `registry`, else they pass untouched (extension 1.1's
 * custody_apply).  login: as registry_write_state. */
static void entry_apply(const char *buf, size_t len, bool registry, const char *login)
{
	note *n = palloc(sizeof *n);
	errbuf err = {0};
	if (note_parse(buf, len, n, &err) != ST_OK)
		refuse("custos: the note is not a signed note: %s", err.msg);
	entry e;
	status st = entry_parse(n->text, n->textlen, &e, &err);
	if (st != ST_OK) {
		entry_free(&e);
		refuse("custos: not a log entry: %s", err.msg);
	}
	/* v1 entries stay verifiable where they are stored; new ones carry
	 * what v2 adds (discovery time, outcome, method and authority), so
	 * that nobody appends an entry that leaves them out. */
	if (entry_version(&e) != ENTRY_VERSION) {
		entry_free(&e);
		refuse("custos: entries are appended in format %s; this one is in an earlier "
		       "format", ENTRY_FORMAT);
	}
	bool material = rules_action_of(e.action)->material;
	if (!material && !registry) {
		entry_free(&e);
		return;
	}
	replay *r = replay_new();
	if (r == NULL) {
		entry_free(&e);
		ereport(ERROR, (errmsg("custos: out of memory")));
	}
	replay_trust_signatures(r, true);
	certified_list cl = {{NULL}, 0};
	/* The replay and the entry are malloc'd: freed on every way out. */
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			ereport(ERROR, (errmsg("custos: custody_apply cannot connect to SPI")));
		custody_seed(r, &e, n, &cl);
		st = replay_apply(r, (const uint8_t *)buf, len, &err);
		applying = true;
		if (st == ST_OK && material)
			custody_write_state(r, &e, &cl);
		else if (st == ST_OK)
			registry_write_state(r, &e, login);
		applying = false;
		SPI_finish();
	}
	PG_CATCH();
	{
		applying = false;
		replay_free(r);
		entry_free(&e);
		PG_RE_THROW();
	}
	PG_END_TRY();
	replay_free(r);
	entry_free(&e);
	if (st != ST_OK) {
		const char *why = err.why ? rules_refusal_name((rules_refusal)err.why) : "none";
		ereport(ERROR, (errcode(ERRCODE_CUSTOS_REFUSED), errmsg("custos: %s", err.msg),
				errdetail("rule %s", why)));
	}
}

PG_FUNCTION_INFO_V1(custos_custody_apply);
Datum custos_custody_apply(PG_FUNCTION_ARGS)
{
	size_t len;
	const char *buf = bytes_of(PG_GETARG_BYTEA_PP(0), &len);
	entry_apply(buf, len, false, "");
	PG_RETURN_VOID();
}

/* ---- entry_apply(note bytea, login text) → void --------------------------
 *
 * custody_apply for every entry (extension 1.2): a registry entry too is
 * judged by the replay's rules (docs/ledger.md: the key registry and
 * accounts) against the records it touches (the people it names and who
 * holds its key, for a revocation the account's other keepers or the
 * other administrators and the hand receipts open to the person, the
 * accounts of all their roles), and its rows are the server's to write:
 * the account opened, the person enrolled (with login `login`, or their
 * key name when login is ""; refused if that login is another person's or
 * longer than a role name), the role given or ended, the key revoked with
 * its last role.  Refusals as custody_apply's. */
PG_FUNCTION_INFO_V1(custos_entry_apply);
Datum custos_entry_apply(PG_FUNCTION_ARGS)
{
	size_t len;
	const char *buf = bytes_of(PG_GETARG_BYTEA_PP(0), &len);
	char *login = text_to_cstring(PG_GETARG_TEXT_PP(1));
	entry_apply(buf, len, true, login);
	PG_RETURN_VOID();
}

/* ---- applying() → boolean (extension 1.3) --------------------------------
 *
 * Whether this backend is inside entry_apply, writing the state of the entry
 * it has just judged.  The state tables' guard trigger admits a change only
 * then: the state is the server's to derive from verified entries. */
PG_FUNCTION_INFO_V1(custos_applying);
Datum custos_applying(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(applying);
}

/* ---- action_material(action text) → boolean (extension 1.4) -------------
 *
 * Whether the action named is a numbered transaction of an account (the
 * action table of rules.c); NULL for a name that is no action. */
PG_FUNCTION_INFO_V1(custos_action_material);
Datum custos_action_material(PG_FUNCTION_ARGS)
{
	text *t = PG_GETARG_TEXT_PP(0);
	int a = entry_action_from_name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	if (a < 0)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(rules_action_of((entry_action)a)->material);
}

/* ---- refusal_known(code text) → boolean (extension 1.5) ------------------
 *
 * Whether code is the name of one of the rules' refusals (rules.h,
 * rules_refusal_name; "none" is no refusal), so that the access log
 * (sql/019_access_events.sql) keeps no list of codes of its own. */
PG_FUNCTION_INFO_V1(custos_refusal_known);
Datum custos_refusal_known(PG_FUNCTION_ARGS)
{
	text *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	size_t n = VARSIZE_ANY_EXHDR(t);
	for (int r = RULE_NONE + 1; r < RULE__COUNT; r++) {
		const char *name = rules_refusal_name((rules_refusal)r);
		if (strlen(name) == n && memcmp(name, s, n) == 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}
