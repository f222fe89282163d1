/* ledger.c: the custody ledger's actions (see ledger.h, docs/ledger.md). */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../keys/key.h"
#include "access.h"
#include "b64.h"
#include "note.h"
#include "rules.h"
#include "sha.h"

/* One item as the state tables hold it. */
typedef struct held {
	bool found;
	int64_t id;
	entry_item facts;
	item_status status;
	char account[ENTRY_ACCOUNT_LEN + 1];
	char holder[KEY_NAME_MAX + 1];
	char peer[ENTRY_ACCOUNT_LEN + 1];
	char incident[ENTRY_TXN_MAX + 1];
	char last_txn[ENTRY_TXN_MAX + 1];
	bool in_effect;        /* keying material in effect (key-effective) */
	bool part;             /* the entry's line is a part split off this lot
				* (its serial named once the index is known:
				* take_head) */
} held;

/* The work of one action: the request, the entry being built, the items. */
typedef struct work {
	db *d;
	const ledger_request *req;
	entry e;
	held *held;            /* one per e.items[i] ... */
	size_t nheld;          /* ... of the nheld load_items found */
	char actor[KEY_NAME_MAX + 1];
	char second[KEY_NAME_MAX + 1];
	bool account_open;     /* the request's account is open (open_work) */
	bool keeper;           /* the actor is its custodian or alternate */
	int two_person_class;  /* policy: keying material from this class up
				* needs two signers (3: TS, as the format) */
	bool preview;          /* ledger_preview: check and build, write nothing */
	ledger_second need;    /* the second signer the action needs */
	uint64_t listed_held;  /* inventory, custodian-change: of the items
				* listed, those on hand or issued at the
				* account ... */
	uint64_t held_count;   /* ... of the ones there are */
	errbuf *err;
} work;

void ledger_inventory_words(const ledger_result *r, char *s, size_t cap)
{
	if (r->complete)
		snprintf(s, cap, "complete inventory (%llu of %llu held): the inventory clock "
			 "restarts", (unsigned long long)r->held, (unsigned long long)r->held);
	else
		snprintf(s, cap, "spot check (%llu of %llu held): the inventory clock is not "
			 "reset", (unsigned long long)r->listed,
			 (unsigned long long)r->held);
}

void ledger_new_idem(char out[LEDGER_IDEM_MAX + 1])
{
	uint8_t r[16];
	randombytes_buf(r, sizeof r);
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* ---- small helpers ------------------------------------------------------ */

static status hex_bytea(const char *s, uint8_t *out, size_t n)
{
	if (strncmp(s, "\\x", 2) != 0 || strlen(s) != 2 + 2 * n)
		return ST_FORMAT;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 + 2 * i, "%2x", &v) != 1)
			return ST_FORMAT;
		out[i] = (uint8_t)v;
	}
	return ST_OK;
}

/* Copy a NUL-terminated string into dst[cap], cutting it short if need be
 * (values from the database fit their columns' checks). */
static void copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}
#define COPY(dst, src) copy(dst, sizeof(dst), src)

static int year_of(int64_t us)
{
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(us, t);
	return atoi(t);
}


/* ---- people and roles ---------------------------------------------------- */

/* The enrolled, unrevoked person with this public key: name into `name`.
 * ST_NOTFOUND when there is none. */
static status person_by_key(db *d, const key_public *k, char name[KEY_NAME_MAX + 1], errbuf *err)
{
	const char *p[] = {(const char *)k->pk};
	const int len[] = {KEY_PK_LEN}, fmt[] = {1};
	PGresult *r = NULL;
	status st = db_execb(d, "SELECT name FROM person WHERE pubkey = $1 AND revoked_idx IS NULL",
			     1, p, len, fmt, &r, err);
	if (st != ST_OK)
		return st;
	if (PQntuples(r) == 1 && strcmp(db_val(r, 0, 0), k->name) == 0)
		copy(name, KEY_NAME_MAX + 1, db_val(r, 0, 0));
	else
		st = ST_NOTFOUND;
	PQclear(r);
	return st;
}

/* Does `person` hold `role` on `account` ("" or NULL: whole-log roles)? */
static status has_role(db *d, const char *person, const char *role, const char *account,
		       bool *yes, errbuf *err)
{
	const char *p[] = {person, role, account && account[0] ? account : NULL};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT EXISTS (SELECT FROM person_role WHERE person = $1 AND "
			       "role = $2 AND account IS NOT DISTINCT FROM $3)", 3, p, &r, err);
	if (st == ST_OK)
		*yes = strcmp(db_val(r, 0, 0), "t") == 0;
	PQclear(r);
	return st;
}

static status has_any_role(db *d, const char *person, const char *const *roles, size_t n,
			   const char *account, bool *yes, errbuf *err)
{
	*yes = false;
	for (size_t i = 0; i < n && !*yes; i++) {
		status st = has_role(d, person, roles[i], account, yes, err);
		if (st != ST_OK)
			return st;
	}
	return ST_OK;
}

static const char *const CUSTODY_ROLES[] = {"custodian", "alternate"};

/* Does `person` hold, on `account`, a role that fits(r)? */
static status has_role_such(db *d, const char *person, bool (*fits)(entry_role),
			    const char *account, bool *yes, errbuf *err)
{
	const char *names[ROLE__COUNT];
	size_t n = 0;
	for (int r = 0; r < ROLE__COUNT; r++)
		if (fits((entry_role)r))
			names[n++] = entry_role_name((entry_role)r);
	return has_any_role(d, person, names, n, account, yes, err);
}

/* The second signer's public key: the request's second key, or in a
 * preview the one chosen (second_pub); NULL when none is given. */
static const key_public *second_key(const work *w)
{
	if (w->req->second != NULL)
		return key_secret_public(w->req->second);
	return w->preview ? w->req->second_pub : NULL;
}

/* The second signer: enrolled, unrevoked, distinct from the actor.  A
 * preview without the second key records the need and leaves w->second
 * empty; the checks that need the key wait for the submission. */
static status find_second(work *w, const char *what, ledger_second kind)
{
	w->need = kind;
	const key_public *k = second_key(w);
	if (k == NULL && w->preview)
		return ST_OK;
	if (k == NULL)
		return err_set(w->err, ST_REFUSED, "this action needs a second person (%s): give "
				   "their key with --witness-key", what);
	status st = person_by_key(w->d, k, w->second, w->err);
	if (st == ST_NOTFOUND)
		return err_set(w->err, ST_DENIED, "the %s key '%s' is not an enrolled, unrevoked "
				   "key of this ledger", what, k->name);
	if (st != ST_OK)
		return st;
	if (strcmp(w->second, w->actor) == 0)
		return err_set(w->err, ST_DENIED, "the %s must be a different person from %s",
			       what, w->actor);
	return ST_OK;
}

/* ---- items --------------------------------------------------------------- */

static status parse_row(const PGresult *r, int row, held *h, errbuf *err)
{
	memset(h, 0, sizeof *h);
	h->found = true;
	h->id = db_int(r, row, 0);
	COPY(h->facts.title, db_val(r, row, 1));
	COPY(h->facts.edition, db_val(r, row, 2));
	COPY(h->facts.serial, db_val(r, row, 3));
	const char *kind = db_val(r, row, 4), *cls = db_val(r, row, 6);
	for (int k = 0; k < KIND__COUNT; k++)
		if (strcmp(kind, item_kind_name((item_kind)k)) == 0)
			h->facts.kind = (item_kind)k;
	for (int c = 0; c < CLASS__COUNT; c++)
		if (strcmp(cls, item_class_name((item_class)c)) == 0)
			h->facts.cls = (item_class)c;
	h->facts.alc = (int)db_int(r, row, 5);
	h->facts.crypto = strcmp(db_val(r, row, 7), "t") == 0;
	h->facts.qty = (uint32_t)db_int(r, row, 8);
	if ((!db_null(r, row, 9) &&
	     entry_date_parse(db_val(r, row, 9), ENTRY_DATE_LEN, &h->facts.effective) != ST_OK) ||
	    (!db_null(r, row, 10) &&
	     entry_date_parse(db_val(r, row, 10), ENTRY_DATE_LEN, &h->facts.supersedes) != ST_OK))
		return err_set(err, ST_CORRUPT, "item %s: bad date in the database", h->facts.title);
	COPY(h->account, db_val(r, row, 11));
	int s = item_status_from_name(db_val(r, row, 12));
	if (s < 0)
		return err_set(err, ST_CORRUPT, "item %s: unknown status in the database",
			       h->facts.title);
	h->status = (item_status)s;
	COPY(h->holder, db_val(r, row, 13));
	COPY(h->peer, db_val(r, row, 14));
	COPY(h->incident, db_val(r, row, 15));
	COPY(h->last_txn, db_val(r, row, 16));
	h->in_effect = strcmp(db_val(r, row, 17), "t") == 0;
	return ST_OK;
}

#define ITEM_COLUMNS                                                                   \
	"id, title, edition, serial, kind, alc, class, crypto, qty, effective::text, "      \
	"supersedes::text, account, status, holder, peer, incident, last_txn, in_effect"

/* Load the state of every item of the entry, in one statement.  Nothing
 * is locked: the client's check lets a custodian see a refusal before
 * signing, and the server judges the entry again, under the log's lock,
 * against the state as it is then (custody_apply), so an action that lost
 * a race for an item is refused by the rules, not stored.
 * Items given by identity (title, edition, serial) are looked up as such;
 * items given by serial alone (title "") are the one open item with that
 * serial on the entry's account (or in transit to it), and get their title
 * and edition filled in. */
static bool open_here(const held *h, const char *account)
{
	return (strcmp(h->account, account) == 0 && item_status_open(h->status)) ||
	       (h->status == ITEM_IN_TRANSIT && strcmp(h->peer, account) == 0);
}

static status load_items(work *w)
{
	size_t n = w->e.nitems;
	if (n == 0)
		return ST_OK;
	w->held = calloc(n, sizeof *w->held);
	w->nheld = w->held != NULL ? n : 0;
	const char **t = calloc(n, sizeof *t), **ed = calloc(n, sizeof *ed),
		   **se = calloc(n, sizeof *se), **bare = calloc(n, sizeof *bare);
	char *at = NULL, *ae = NULL, *as = NULL, *ab = NULL;
	held *rows = NULL;
	PGresult *r = NULL;
	size_t nid = 0, nbare = 0;
	status st = ST_NOMEM;
	if (w->held == NULL || t == NULL || ed == NULL || se == NULL || bare == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const entry_item *it = &w->e.items[i];
		if (it->title[0] == '\0') {
			bare[nbare++] = it->serial;
		} else {
			t[nid] = it->title;
			ed[nid] = it->edition;
			se[nid++] = it->serial;
		}
	}
	at = db_array(t, nid);
	ae = db_array(ed, nid);
	as = db_array(se, nid);
	ab = db_array(bare, nbare);
	if (at == NULL || ae == NULL || as == NULL || ab == NULL)
		goto out;
	const char *p[] = {at, ae, as, ab, w->e.account};
	st = db_exec(w->d,
		     "SELECT " ITEM_COLUMNS " FROM item WHERE id IN ("
		     "SELECT id FROM item WHERE (title, edition, serial) IN "
		     "(SELECT * FROM unnest($1::text[], $2::text[], $3::text[])) "
		     "UNION ALL SELECT id FROM item WHERE serial = ANY ($4::text[]) AND "
		     "((account = $5 AND status IN ('on_hand', 'issued', 'in_transit', 'incident')) "
		     "OR (status = 'in_transit' AND peer = $5))) "
		     "ORDER BY id",
		     5, p, &r, w->err);
	if (st != ST_OK)
		goto out;
	int nrows = PQntuples(r);
	if (nrows > 0 && (rows = calloc((size_t)nrows, sizeof *rows)) == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	for (int row = 0; row < nrows && st == ST_OK; row++)
		st = parse_row(r, row, &rows[row], w->err);
	for (size_t i = 0; i < n && st == ST_OK; i++) {
		entry_item *it = &w->e.items[i];
		bool by_serial = it->title[0] == '\0';
		int matches = 0;
		for (int row = 0; row < nrows; row++) {
			const held *h = &rows[row];
			if (strcmp(h->facts.serial, it->serial) != 0)
				continue;
			if (by_serial ? open_here(h, w->e.account)
				      : strcmp(h->facts.title, it->title) == 0 &&
					strcmp(h->facts.edition, it->edition) == 0) {
				w->held[i] = *h;
				matches++;
			}
		}
		if (by_serial && matches == 0)
			st = err_set(w->err, ST_REFUSED, "no open item with serial %s on account %s",
				     it->serial, w->e.account);
		else if (by_serial && matches > 1)
			st = err_set(w->err, ST_REFUSED,
				     "%d items on account %s have serial %s: give the short title "
				     "too (--item 'serial=%s title=...')", matches, w->e.account,
				     it->serial, it->serial);
		else if (by_serial) {
			COPY(it->title, w->held[i].facts.title);
			COPY(it->edition, w->held[i].facts.edition);
		}
	}
	if (st == ST_OK)
		st = rules_check_distinct(&w->e, w->err);
out:
	PQclear(r);
	free(rows);
	free(t);
	free(ed);
	free(se);
	free(bare);
	free(at);
	free(ae);
	free(as);
	free(ab);
	if (st == ST_NOMEM)
		err_set(w->err, st, "out of memory");
	return st;
}

/* The transaction item h is under (rules_item.under). */
static const char *under_of(const held *h)
{
	switch (h->status) {
	case ITEM_IN_TRANSIT:
	case ITEM_ISSUED:
		return h->last_txn;
	case ITEM_INCIDENT:
	case ITEM_RELIEVED:
		return h->incident;
	default:
		return "";
	}
}

/* Every listed item must be in a state the action takes (rules_check_item).
 * The entry carries the record's facts of every item it does not bring
 * in itself (receipt and possession bring theirs). */
static status check_items(work *w)
{
	bool incoming = w->e.action == ACT_RECEIPT || w->e.action == ACT_POSSESSION;
	for (size_t i = 0; i < w->e.nitems; i++) {
		held *h = &w->held[i];
		/* an item named by identity with a quantity other than its
		 * lot's (ledger_request.items): a part of the lot; an accept
		 * takes what came, as it came */
		uint32_t want = w->e.items[i].qty;
		h->part = h->found && !incoming && w->e.action != ACT_ACCEPT && want != 0 &&
			  want != h->facts.qty;
		if (h->found && !incoming)
			w->e.items[i] = h->facts;
		rules_item x = {.found = h->found, .status = h->status, .account = h->account,
				.holder = h->holder, .under = under_of(h), .facts = &h->facts,
				.in_effect = h->in_effect};
		rules_item part = {.found = false, .lot = &x};
		if (h->part)
			w->e.items[i].qty = want;
		status st = rules_check_item(&w->e, i, h->part ? &part : &x, w->err);
		if (st != ST_OK)
			return st;
	}
	return ST_OK;
}

/* ---- building and writing the entry ------------------------------------- */

/* Open an action in one round trip: take the idempotency key's lock (two
 * submissions under one key, a retry racing its first attempt, run one
 * after the other, so the second finds the first's entry), look the key
 * up, and find the person whose login this session is.  *found when the
 * key was applied before (res filled).  Nothing here waits for the log
 * head: take_head takes it last, once the items are checked. */
static status open_work(work *w, ledger_result *res, bool *found)
{
	const char *p[] = {w->req->idem, w->req->account};
	PGresult *r = NULL;
	/* BEGIN and these statements travel together.  Each statement's
	 * snapshot is taken when it starts, so the lookup after the key's lock
	 * sees an entry committed by whoever held it.  For a material action
	 * the lookup also says whether the account is open and whether the
	 * actor keeps it. */
	status st = db_pipeline_begin(w->d, w->err);
	if (st == ST_OK)
		st = db_begin(w->d, w->err);
	/* The action's statements are few and always the same: plan them once
	 * per connection rather than on every call. */
	if (st == ST_OK)
		st = db_exec(w->d, "SET LOCAL plan_cache_mode = force_generic_plan", 0, NULL, NULL,
			     w->err);
	if (st == ST_OK)
		st = db_exec(w->d, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", 1, p,
			     NULL, w->err);
	if (st == ST_OK)
		st = db_exec(w->d,
			     "SELECT e.idx, coalesce(e.txn, ''), "
			     "(extract(epoch FROM e.time) * 1000000)::bigint, "
			     "p.name, p.pubkey, account_exists($2), EXISTS (SELECT FROM person_role r "
			     "WHERE r.person = p.name AND r.account = $2 AND "
			     "r.role IN ('custodian', 'alternate')), "
			     "(SELECT value FROM policy WHERE name = 'two_person_key_class') "
			     "FROM (SELECT) one "
			     "LEFT JOIN log_entry e ON e.idem = $1 "
			     "LEFT JOIN person p ON p.login = session_user AND p.revoked_idx IS NULL",
			     2, p, NULL, w->err);
	status end = db_pipeline_end(w->d, &r, w->err);
	st = st != ST_OK ? st : end;
	if (st != ST_OK)
		return st;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(w->err, ST_CORRUPT, "the idempotency key is recorded twice");
	}
	*found = !db_null(r, 0, 0);
	if (*found) {
		res->index = (uint64_t)db_int(r, 0, 0);
		COPY(res->txn, db_val(r, 0, 1));
		res->time_us = db_int(r, 0, 2);
		res->already = true;
	}
	bool person = !db_null(r, 0, 3);
	w->account_open = strcmp(db_val(r, 0, 5), "t") == 0;
	w->keeper = strcmp(db_val(r, 0, 6), "t") == 0;
	w->two_person_class = db_null(r, 0, 7)
				      ? (int)rules_policy_of(POL_TWO_PERSON_KEY_CLASS)->dflt
				      : (int)db_int(r, 0, 7);
	uint8_t pk[KEY_PK_LEN] = {0};
	if (person) {
		COPY(w->actor, db_val(r, 0, 3));
		if (hex_bytea(db_val(r, 0, 4), pk, sizeof pk) != ST_OK)
			st = ST_CORRUPT;
	}
	PQclear(r);
	if (st != ST_OK)
		return err_set(w->err, ST_CORRUPT, "a person's key is malformed in the database");
	if (*found)
		return ST_OK;
	if (!person)
		return err_set(w->err, ST_DENIED, "the database login '%s' is not an enrolled person "
				   "of this ledger (or their key is revoked)", db_user(w->d));
	if (w->req->actor == NULL && w->preview)
		return ST_OK;
	const key_public *k = key_secret_public(w->req->actor);
	if (sodium_memcmp(pk, k->pk, KEY_PK_LEN) != 0 || strcmp(k->name, w->actor) != 0)
		return err_set(w->err, ST_DENIED,
			       "the key file given is not the enrolled key of %s (login '%s')",
			       w->actor, db_user(w->d));
	return ST_OK;
}

/* Take the log head, the action's only lock but the idempotency key's,
 * once everything is checked, so that it is held only for signing and the
 * append (the server's judgement and its writes): the entry gets its index, prev and time
 * from the head and, for a material action, the account's next transaction
 * number, counted after the lock was granted (sql/008_append_order.sql). */
static status take_head(work *w)
{
	const char *p[] = {w->e.account[0] ? w->e.account : NULL};
	PGresult *r = NULL;
	status st = db_exec(w->d, "SELECT origin, size, last_leaf, now_us, next_seq "
				  "FROM lock_head_next($1)", 1, p, &r, w->err);
	if (st == ST_DENIED)
		return err_set(w->err, ST_DENIED, "login '%s' may not write to the log: only "
				   "administrators and custodians sign entries", db_user(w->d));
	if (st != ST_OK)
		return st;
	if (PQntuples(r) != 1 || db_null(r, 0, 0)) {
		PQclear(r);
		return err_set(w->err, ST_NOTFOUND, "the log has not been started: run custos db init");
	}
	entry *e = &w->e;
	COPY(e->origin, db_val(r, 0, 0));
	e->index = (uint64_t)db_int(r, 0, 1);
	e->time_us = db_int(r, 0, 3);
	int64_t seq = db_int(r, 0, 4);
	st = hex_bytea(db_val(r, 0, 2), e->prev, SHA256_LEN);
	PQclear(r);
	if (st != ST_OK)
		return err_set(w->err, ST_CORRUPT, "the log head is malformed in the database");
	if (rules_action_of(e->action)->material)
		snprintf(e->txn, sizeof e->txn, "%s-%d-%04lld", e->account, year_of(e->time_us),
			 (long long)seq);
	/* the parts this entry splits off lots are named after its index */
	for (size_t i = 0; i < e->nitems && i < w->nheld; i++)
		if (w->held[i].part &&
		    (st = rules_split_serial(w->held[i].facts.serial, e->index, e->items[i].serial,
					     w->err)) != ST_OK)
			return st;
	return ST_OK;
}

/* Sign the entry and insert it (the trigger moves the head). */
static status write_entry(work *w, const char *actor_name, ledger_result *res)
{
	char *text = NULL, *signed_note = NULL;
	size_t textlen, notelen;
	status st = entry_format(&w->e, &text, &textlen, w->err);
	if (st != ST_OK) {
		if (st == ST_FORMAT || st == ST_TOOBIG)
			st = ST_REFUSED;
		goto out;
	}
	size_t line = 0;
	if (w->req->expect != NULL &&
	    !ledger_same_entry(w->req->expect, w->req->expectlen, text, textlen, &line)) {
		st = err_set_why(w->err, ST_REFUSED, RULE_PREVIEW_CHANGED,
				 "the entry is no longer the one previewed (line %zu differs: the "
				 "items or the account changed meanwhile); review it again before "
				 "signing", line);
		goto out;
	}
	const key_secret *keys[2] = {w->req->actor, w->req->second};
	size_t nkeys = w->req->second != NULL ? 2 : 1;
	if (w->e.action == ACT_GENESIS)
		nkeys = 1;
	if ((st = note_sign(text, textlen, keys, nkeys, &signed_note, &notelen, w->err)) != ST_OK)
		goto out;
	uint8_t leaf[SHA256_LEN];
	sha256_leaf(signed_note, notelen, leaf);
	char idx[24], us[24];
	snprintf(idx, sizeof idx, "%llu", (unsigned long long)w->e.index);
	snprintf(us, sizeof us, "%lld", (long long)w->e.time_us);
	const char *p[] = {idx, (const char *)leaf, signed_note, us, entry_action_name(w->e.action),
			   w->e.txn[0] ? w->e.txn : NULL, w->e.account[0] ? w->e.account : NULL,
			   w->e.peer[0] ? w->e.peer : NULL, actor_name, w->req->idem};
	const int len[] = {0, SHA256_LEN, (int)notelen, 0, 0, 0, 0, 0, 0, 0};
	const int fmt[] = {0, 1, 1, 0, 0, 0, 0, 0, 0, 0};
	st = db_execb(w->d,
		      "INSERT INTO log_entry (idx, leaf, note, time, action, txn, account, peer, "
		      "actor, idem) VALUES ($1, $2, $3, "
		      "'epoch'::timestamptz + $4::bigint * interval '1 microsecond', "
		      "$5, $6, $7, $8, $9, $10)",
		      10, p, len, fmt, NULL, w->err);
	if (st == ST_OK) {
		res->index = w->e.index;
		COPY(res->txn, w->e.txn);
		res->time_us = w->e.time_us;
		res->listed = w->listed_held;
		res->held = w->held_count;
		res->complete = rules_inventory_complete(&w->e, w->listed_held, w->held_count);
		/* a certification the server took lists its account's list:
		 * `sighted` of that many (rules_check_certification) */
		const char *n = rules_is_certification(&w->e) ? entry_detail_value(&w->e, "sighted")
							       : NULL;
		if (n != NULL)
			res->listed = res->held = strtoull(n, NULL, 10);
	}
out:
	free(text);
	free(signed_note);
	return st;
}

/* ---- the actions ---------------------------------------------------------- */

static status account_is_open(work *w, const char *account, bool *yes)
{
	const char *p[] = {account};
	PGresult *r = NULL;
	status st = db_exec(w->d, "SELECT account_exists($1)", 1, p,
			    &r, w->err);
	if (st == ST_OK)
		*yes = strcmp(db_val(r, 0, 0), "t") == 0;
	PQclear(r);
	return st;
}

/* What account number `n` is to this ledger (rules_party). */
static status party_of(work *w, const char *n, rules_party *party)
{
	if (strcmp(n, "COR") == 0) {
		*party = PARTY_COR;
		return ST_OK;
	}
	const char *p[] = {n};
	PGresult *r = NULL;
	status st = db_exec(w->d, "SELECT account_exists($1), "
				  "EXISTS (SELECT FROM outside_account WHERE number = $1)",
			    1, p, &r, w->err);
	if (st == ST_OK)
		*party = strcmp(db_val(r, 0, 0), "t") == 0   ? PARTY_LEDGER
			 : strcmp(db_val(r, 0, 1), "t") == 0 ? PARTY_OUTSIDE
							     : PARTY_UNKNOWN;
	PQclear(r);
	return st;
}

static status require_custodian(work *w, const char *account)
{
	bool yes;
	status st = has_any_role(w->d, w->actor, CUSTODY_ROLES, 2, account, &yes, w->err);
	if (st == ST_OK && !yes)
		st = err_set(w->err, ST_DENIED, "%s is not custodian or alternate of account %s",
			     w->actor, account);
	return st;
}

static status require_admin(work *w)
{
	bool yes;
	status st = has_role(w->d, w->actor, "administrator", NULL, &yes, w->err);
	if (st == ST_OK && !yes)
		st = err_set(w->err, ST_DENIED, "%s is not an administrator", w->actor);
	return st;
}

/* The transaction `ref` as recorded: action, account, peer, holder, open. */
typedef struct txn_row {
	char action[24], account[8], peer[8], holder[KEY_NAME_MAX + 1];
	bool open;
} txn_row;

static status load_txn(work *w, const char *number, txn_row *t)
{
	const char *p[] = {number};
	PGresult *r = NULL;
	status st = db_exec(w->d, "SELECT action, account, coalesce(peer, ''), "
				  "coalesce(holder, ''), open FROM txn WHERE number = $1",
			    1, p, &r, w->err);
	if (st != ST_OK)
		return st;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(w->err, ST_REFUSED, "no transaction %s on record", number);
	}
	COPY(t->action, db_val(r, 0, 0));
	COPY(t->account, db_val(r, 0, 1));
	COPY(t->peer, db_val(r, 0, 2));
	COPY(t->holder, db_val(r, 0, 3));
	t->open = strcmp(db_val(r, 0, 4), "t") == 0;
	PQclear(r);
	return ST_OK;
}

/* accept: the items of transfer `ref`, all of them, come on the receiving
 * account, or leave the ledger when the receiver is outside it. */
/* An accept, a rejection or a recall answers transfer t, still in transit:
 * the receiving account of this ledger accepts or rejects it; the sending
 * account recalls it, and records the answer of an account outside this
 * ledger.  Fills in the entry's peer, the other side. */
static status answer_transfer(work *w, const txn_row *t)
{
	entry_action a = w->e.action;
	const char *verb = a == ACT_ACCEPT ? "accepts" : a == ACT_TRANSFER_REJECT ? "rejects"
										  : "recalls";
	if (strcmp(t->action, "transfer") != 0 || !t->open)
		return err_set(w->err, ST_REFUSED, "%s is not a transfer in transit", w->e.ref);
	bool peer_open;
	status st = account_is_open(w, t->peer, &peer_open);
	if (st != ST_OK)
		return st;
	if (peer_open && a != ACT_TRANSFER_RECALL) {
		if (strcmp(w->e.account, t->peer) != 0)
			return err_set(w->err, ST_REFUSED, "transfer %s goes to account %s: its "
				       "custodian %s it (--account %s)", w->e.ref, t->peer, verb,
				       t->peer);
		COPY(w->e.peer, t->account);
	} else {
		if (strcmp(w->e.account, t->account) != 0 && a == ACT_TRANSFER_RECALL)
			return err_set(w->err, ST_REFUSED, "transfer %s is from account %s to %s: "
				       "its sender recalls it (--account %s)", w->e.ref, t->account,
				       t->peer, t->account);
		if (strcmp(w->e.account, t->account) != 0)
			return err_set(w->err, ST_REFUSED, "transfer %s is from account %s to %s "
				       "outside this ledger: account %s records the answer",
				       w->e.ref, t->account, t->peer, t->account);
		COPY(w->e.peer, t->peer);
	}
	return require_custodian(w, w->e.account);
}

/* Add to the entry every item still in transit under its ref. */
static status list_in_transit(work *w, PGresult *r)
{
	for (int row = 0; row < PQntuples(r); row++) {
		entry_item it = {0};
		COPY(it.title, db_val(r, row, 0));
		COPY(it.edition, db_val(r, row, 1));
		COPY(it.serial, db_val(r, row, 2));
		if (entry_add_item(&w->e, &it) != ST_OK)
			return err_set(w->err, ST_NOMEM, "out of memory");
	}
	return ST_OK;
}

static status do_accept(work *w, txn_row *t)
{
	status st = answer_transfer(w, t);
	if (st != ST_OK)
		return st;
	/* The entry lists exactly the transfer's items: an accept without a
	 * discrepancy may leave them to us; a rejection or recall always does. */
	const char *p[] = {w->e.ref};
	PGresult *r = NULL;
	st = db_exec(w->d, "SELECT i.title, i.edition, i.serial FROM item i "
			   "WHERE i.status = 'in_transit' AND i.last_txn = $1 ORDER BY i.id",
		     1, p, &r, w->err);
	if (st != ST_OK)
		return st;
	bool accept = w->e.action == ACT_ACCEPT, discrepancy = w->e.category != CAT_NONE;
	uint64_t under = (uint64_t)PQntuples(r);
	if (!accept && w->e.nitems != 0)
		st = err_set(w->err, ST_USAGE, "a %s lists the transfer's items itself",
			     w->e.action == ACT_TRANSFER_REJECT ? "rejection" : "recall");
	else if (w->e.nitems == 0 && !discrepancy)
		st = list_in_transit(w, r);
	else if ((size_t)PQntuples(r) != w->e.nitems && !discrepancy)
		st = err_set_why(w->err, ST_REFUSED, RULE_ITEMS_COUNT, "transfer %s has %d items in transit; an "
			     "acceptance lists all of them (or none, to take them all), or records "
			     "a discrepancy (--category) listing what arrived", w->e.ref,
			     PQntuples(r));
	PQclear(r);
	if (st != ST_OK)
		return st;
	if ((st = load_items(w)) != ST_OK || (st = check_items(w)) != ST_OK)
		return st;
	uint64_t listed = 0;
	for (size_t i = 0; i < w->e.nitems; i++)
		listed += w->held[i].found && w->held[i].status == ITEM_IN_TRANSIT &&
			  strcmp(w->held[i].last_txn, w->e.ref) == 0;
	return rules_check_count(&w->e, listed, under, w->e.ref, w->err);
}

static status do_holder(work *w, bool issue, txn_row *t)
{
	char name[KEY_NAME_MAX + 1];
	if (second_key(w) == NULL && !w->preview)
		return err_set(w->err, ST_REFUSED, "the holder signs a hand receipt: give their "
				   "key with --witness-key");
	status st = find_second(w, "holder", LEDGER_SECOND_HOLDER);
	if (st != ST_OK)
		return st;
	if (w->second[0] == '\0') {
		/* a preview without the holder's key: check the holder named */
		if (w->e.holder[0] == '\0')
			return err_set(w->err, ST_USAGE, "name the holder of the hand receipt");
		if (strcmp(w->e.holder, w->actor) == 0)
			return err_set(w->err, ST_DENIED, "the holder must be a different person "
				       "from %s", w->actor);
		COPY(name, w->e.holder);
	} else {
		COPY(name, w->second);
	}
	bool yes;
	if (strcmp(name, w->e.holder) != 0) {
		/* a return without the holder: the custodian recovers the
		 * material, with a witness of the account */
		if (!issue && (st = has_role_such(w->d, name, rules_witness_role, w->e.account,
						  &yes, w->err)) != ST_OK)
			return st;
		if (issue || !yes)
			return err_set_why(w->err, ST_DENIED, RULE_SIGNERS,
					   issue ? "the second key is %s's, but the holder is %s"
						 : "the second key is %s's: a return is signed by the "
						   "holder %s, or by a witness of the account recovering "
						   "the material",
					   name, w->e.holder);
	} else {
		if ((st = has_role_such(w->d, name, rules_holder_role, w->e.account, &yes, w->err)) !=
		    ST_OK)
			return st;
		if (!yes)
			return err_set(w->err, ST_DENIED, "%s holds no role on account %s that may "
				       "sign a hand receipt", name, w->e.account);
	}
	if (!issue && (strcmp(t->action, "issue") != 0 || strcmp(t->account, w->e.account) != 0 ||
		       strcmp(t->holder, w->e.holder) != 0))
		return err_set(w->err, ST_REFUSED, "%s is not a hand receipt of account %s to %s",
			       w->e.ref, w->e.account, w->e.holder);
	return check_items(w);
}

/* The second signer found (if given) is a witness of the entry's account. */
static status check_witness(work *w)
{
	bool yes = true;
	status st = ST_OK;
	if (w->second[0] != '\0')
		st = has_role_such(w->d, w->second, rules_witness_role, w->e.account, &yes, w->err);
	if (st == ST_OK && !yes)
		st = err_set_why(w->err, ST_DENIED, RULE_SIGNERS,
				 "%s may not witness on account %s: a witness holds the witness, "
				 "alternate or custodian role there", w->second, w->e.account);
	return st;
}

/* The second signer is a witness: enrolled, another person, of the account. */
static status require_witness(work *w)
{
	status st = find_second(w, "witness", LEDGER_SECOND_WITNESS);
	return st == ST_OK ? check_witness(w) : st;
}

/* Inventory and custodian-change: how many of the listed items are on hand
 * or issued at the account (w->listed_held) of how many are
 * (w->held_count); unless missing is NULL, it (cap bytes) gets the first
 * few that are not listed, in words, and *nmissing how many are not. */
static status count_held(work *w, char *missing, size_t cap, size_t *nmissing)
{
	const entry *e = &w->e;
	const char *a[] = {e->account};
	PGresult *r = NULL;
	status st = db_exec(w->d, "SELECT title, edition, serial FROM item WHERE account = $1 "
				  "AND status IN ('on_hand', 'issued') ORDER BY id", 1, a, &r, w->err);
	if (st != ST_OK)
		return st;
	w->held_count = (uint64_t)PQntuples(r);
	w->listed_held = 0;
	for (int row = 0; row < PQntuples(r); row++) {
		bool in_list = false;
		for (size_t k = 0; k < e->nitems && !in_list; k++)
			in_list = strcmp(e->items[k].title, db_val(r, row, 0)) == 0 &&
				  strcmp(e->items[k].edition, db_val(r, row, 1)) == 0 &&
				  strcmp(e->items[k].serial, db_val(r, row, 2)) == 0;
		if (in_list) {
			w->listed_held++;
		} else if (missing != NULL && (*nmissing)++ < 5) {
			entry_item it = {0};
			COPY(it.title, db_val(r, row, 0));
			COPY(it.edition, db_val(r, row, 1));
			COPY(it.serial, db_val(r, row, 2));
			char words[128];
			size_t l = strlen(missing);
			snprintf(missing + l, cap - l, "%s%s", l ? "; " : "",
				 rules_item_words(&it, words, sizeof words));
		}
	}
	PQclear(r);
	return ST_OK;
}

/* A change of custodian: the actor is the account's custodian (the
 * outgoing one), the holder the incoming custodian, who co-signs; the
 * items are the joint inventory, every item on hand or issued at the
 * account, each checked by check_items.  A list that leaves some out is
 * refused with the first few of them named. */
static status do_handover(work *w)
{
	entry *e = &w->e;
	bool yes;
	status st;
	if (e->holder[0] == '\0')
		return err_set(w->err, ST_USAGE, "name the incoming custodian (--to NAME)");
	if ((st = has_role(w->d, w->actor, "custodian", e->account, &yes, w->err)) != ST_OK)
		return st;
	if (!yes)
		return err_set_why(w->err, ST_DENIED, RULE_SIGNERS,
				   "%s is not the custodian of account %s: the outgoing custodian "
				   "hands over (an alternate does not)", w->actor, e->account);
	if (strcmp(e->holder, w->actor) == 0)
		return err_set(w->err, ST_USAGE, "the incoming custodian is another person than %s",
			       w->actor);
	const char *p[] = {e->holder, e->account};
	PGresult *r = NULL;
	st = db_exec(w->d,
		     "SELECT p.revoked_idx IS NULL AND EXISTS (SELECT FROM person_role x "
		     "WHERE x.person = p.name AND x.role <> 'auditor'), "
		     "EXISTS (SELECT FROM person_role x WHERE x.person = p.name "
		     "AND x.role = 'custodian' AND x.account = $2) FROM person p WHERE p.name = $1",
		     2, p, &r, w->err);
	if (st != ST_OK)
		return st;
	rules_incoming in = {.found = PQntuples(r) == 1};
	if (in.found) {
		in.may_sign = strcmp(db_val(r, 0, 0), "t") == 0;
		in.custodian = strcmp(db_val(r, 0, 1), "t") == 0;
	}
	PQclear(r);
	if ((st = rules_check_incoming(e, &in, w->err)) != ST_OK)
		return st;
	if ((st = check_items(w)) != ST_OK)
		return st;
	/* every item on hand or issued at the account, and no other */
	char missing[512] = "";
	size_t nmissing = 0;
	if ((st = count_held(w, missing, sizeof missing, &nmissing)) != ST_OK)
		return st;
	if ((st = rules_check_count(e, w->listed_held, w->held_count, NULL, w->err)) != ST_OK) {
		if (nmissing > 0) {
			size_t l = strlen(w->err->msg);
			snprintf(w->err->msg + l, sizeof w->err->msg - l, "; not listed: %s%s", missing,
				 nmissing > 5 ? "; ..." : "");
		}
		return st;
	}
	if (second_key(w) == NULL && !w->preview)
		return err_set(w->err, ST_REFUSED, "the incoming custodian %s co-signs: give their "
				   "key with --witness-key", e->holder);
	if ((st = find_second(w, "incoming custodian", LEDGER_SECOND_INCOMING)) != ST_OK)
		return st;
	if (w->second[0] != '\0' && strcmp(w->second, e->holder) != 0)
		return err_set_why(w->err, ST_DENIED, RULE_SIGNERS,
				   "the second key is %s's, but the incoming custodian is %s",
				   w->second, e->holder);
	return ST_OK;
}

/* Build the entry's content for a material action and check the rules. */
static status check_material(work *w, txn_row *t)
{
	const ledger_request *q = w->req;
	bool open = w->account_open, keeper = w->keeper;
	status st;
	if (!open)
		return err_set(w->err, ST_REFUSED, "account %s is not open in this ledger",
			       w->e.account);
	if (q->ref[0] != '\0' && (st = load_txn(w, q->ref, t)) != ST_OK)
		return st;
	bool answer = w->e.action == ACT_ACCEPT || w->e.action == ACT_TRANSFER_REJECT ||
		      w->e.action == ACT_TRANSFER_RECALL;
	if (!answer && !keeper)
		return err_set(w->err, ST_DENIED, "%s is not custodian or alternate of account %s",
			       w->actor, w->e.account);
	if (!answer && w->e.action != ACT_INCIDENT_CLOSE && (st = load_items(w)) != ST_OK)
		return st;
	switch (w->e.action) {
	case ACT_RECEIPT:
	case ACT_POSSESSION:
		if (w->e.nitems == 0)
			return err_set(w->err, ST_USAGE, "list the items (--item)");
		if (w->e.action == ACT_RECEIPT && w->e.peer[0] == '\0')
			return err_set(w->err, ST_USAGE, "say where the material comes from (--from "
					   "COR or an account number)");
		if (strcmp(w->e.peer, w->e.account) == 0)
			return err_set(w->err, ST_REFUSED, "an account cannot receive from itself");
		if (w->e.ref[0] && (strcmp(t->action, entry_action_name(ACT_INCIDENT_REPORT)) != 0 ||
				    strcmp(t->account, w->e.account) != 0))
			return err_set(w->err, ST_REFUSED, "%s is not an incident of account %s",
				       w->e.ref, w->e.account);
		rules_party from = PARTY_COR;
		if (w->e.action == ACT_RECEIPT && (st = party_of(w, w->e.peer, &from)) != ST_OK)
			return st;
		if ((st = rules_check_peer(&w->e, from, w->err)) != ST_OK)
			return st;
		return check_items(w);
	case ACT_TRANSFER: {
		if (w->e.nitems == 0)
			return err_set(w->err, ST_USAGE, "list the items (--item or --serial)");
		if (w->e.peer[0] == '\0' || strcmp(w->e.peer, w->e.account) == 0)
			return err_set(w->err, ST_REFUSED, "a transfer goes to another account or "
					   "the COR (--to)");
		rules_party to;
		if ((st = party_of(w, w->e.peer, &to)) != ST_OK ||
		    (st = rules_check_peer(&w->e, to, w->err)) != ST_OK)
			return st;
		return check_items(w);
	}
	case ACT_ACCEPT:
	case ACT_TRANSFER_REJECT:
	case ACT_TRANSFER_RECALL:
		return do_accept(w, t);
	case ACT_ISSUE:
		if (w->e.nitems == 0)
			return err_set(w->err, ST_USAGE, "list the items (--item or --serial)");
		return do_holder(w, true, t);
	case ACT_RETURN:
		if (w->e.nitems == 0)
			return err_set(w->err, ST_USAGE, "list the items (--item or --serial)");
		return do_holder(w, false, t);
	case ACT_DESTROY: {
		if (w->e.nitems == 0)
			return err_set(w->err, ST_USAGE, "list the items (--item or --serial)");
		if (w->e.method == METHOD_NONE)
			return err_set(w->err, ST_USAGE, "give the destruction method (--method burn, "
					   "shred, pulverize, disintegrate, degauss or zeroize)");
		if ((st = check_items(w)) != ST_OK)
			return st;
		return require_witness(w);
	}
	case ACT_INVENTORY: {
		if ((st = check_items(w)) != ST_OK)
			return st;
		return require_witness(w);
	}
	case ACT_CUSTODIAN_CHANGE:
		return do_handover(w);
	case ACT_ALC_CHANGE:
	case ACT_KEY_EFFECTIVE:
		/* the items as recorded; the new ALC, its authority and the
		 * dates are rules_check_entry's (check_timed) */
		if (w->e.nitems == 0)
			return err_set(w->err, ST_USAGE, "list the items (--item or --serial)");
		if (w->e.action == ACT_ALC_CHANGE && entry_detail_value(&w->e, "alc") == NULL)
			return err_set(w->err, ST_USAGE, "give the new ALC (--to 1, 2, 4, 6 or 7)");
		return check_items(w);
	case ACT_INCIDENT_REPORT: {
		if (w->e.category == CAT_NONE)
			return err_set(w->err, ST_USAGE, "give the incident's category (--category "
					   "cryptographic|personnel|physical|packaging)");
		if (w->e.discovered_us == 0)
			return err_set(w->err, ST_USAGE, "give when the incident was discovered "
					   "(--discovered YYYY-MM-DDTHH:MMZ, UTC): its deadline runs "
					   "from then");
		return check_items(w);
	}
	case ACT_INCIDENT_UPDATE:
	case ACT_INCIDENT_CLOSE: {
		const char *p[] = {w->e.ref, w->e.account};
		PGresult *r = NULL;
		st = db_exec(w->d, "SELECT category FROM incident WHERE txn = $1 AND account = $2 "
				   "AND closed_idx IS NULL", 2, p, &r, w->err);
		if (st != ST_OK)
			return st;
		int n = PQntuples(r);
		if (n == 1)
			for (int c = 1; c < CAT__COUNT; c++)
				if (strcmp(db_val(r, 0, 0), entry_category_name((entry_category)c)) == 0)
					w->e.category = (entry_category)c;
		PQclear(r);
		if (n != 1)
			return err_set(w->err, ST_REFUSED, "%s is not an open incident of account %s",
				       w->e.ref, w->e.account);
		if (w->e.action == ACT_INCIDENT_UPDATE) {
			if (w->e.nitems != 0)
				return err_set(w->err, ST_USAGE, "an incident update lists no items");
			return ST_OK;
		}
		/* close: the incident's items still under it, as the outcome says */
		if (w->e.outcome == OUTCOME_NONE)
			return err_set(w->err, ST_USAGE, "give the authority's decision (--outcome "
					   "no-compromise, compromised, lost or destroy)");
		if (w->e.nitems != 0)
			return err_set(w->err, ST_USAGE, "an incident close lists its items itself");
		st = db_exec(w->d, "SELECT title, edition, serial FROM item WHERE incident = $1 "
				   "AND status = 'incident' ORDER BY id", 1, p, &r, w->err);
		if (st != ST_OK)
			return st;
		for (int row = 0; row < PQntuples(r) && st == ST_OK; row++) {
			entry_item it = {0};
			COPY(it.title, db_val(r, row, 0));
			COPY(it.edition, db_val(r, row, 1));
			COPY(it.serial, db_val(r, row, 2));
			if (entry_add_item(&w->e, &it) != ST_OK)
				st = err_set(w->err, ST_NOMEM, "out of memory");
		}
		PQclear(r);
		if (st == ST_OK)
			st = load_items(w);
		if (st == ST_OK)
			st = check_items(w);
		if (st != ST_OK)
			return st;
		if ((st = find_second(w, "authority", LEDGER_SECOND_AUTHORITY)) != ST_OK ||
		    w->second[0] == '\0')
			return st;
		bool yes;
		if ((st = has_role(w->d, w->second, "authority", NULL, &yes, w->err)) != ST_OK)
			return st;
		if (!yes)
			return err_set(w->err, ST_DENIED, "relief from accountability is co-signed by "
				       "an authority; %s is not one", w->second);
		return ST_OK;
	}
	default:
		return err_set(w->err, ST_REFUSED, "%s is not supported in this version",
			       entry_action_name(w->e.action));
	}
}

/* ---- the key registry and accounts -------------------------------------- */


/* What revoking the request's role would leave behind (rules_check_revoke). */
static status check_revoke(work *w)
{
	const ledger_request *q = w->req;
	const char *holder_roles[ROLE__COUNT];
	size_t nh = 0;
	for (int r = 0; r < ROLE__COUNT; r++)
		if (rules_holder_role((entry_role)r) && (entry_role)r != q->role)
			holder_roles[nh++] = entry_role_name((entry_role)r);
	char *arr = db_array(holder_roles, nh);
	if (arr == NULL)
		return err_set(w->err, ST_NOMEM, "out of memory");
	const char *p[] = {q->subject.name, w->e.account[0] ? w->e.account : NULL,
			   entry_role_name(q->role), arr};
	PGresult *r = NULL;
	status st = db_exec(w->d,
			    "SELECT (SELECT count(*) FROM item WHERE status = 'issued' AND holder = $1 "
			    "        AND account = $2), "
			    "       EXISTS (SELECT FROM person_role WHERE person = $1 AND account = $2 "
			    "               AND role = ANY ($4::text[])), "
			    "       (SELECT count(*) FROM person_role r JOIN person p ON p.name = r.person "
			    "         WHERE p.revoked_idx IS NULL AND r.person <> $1 "
			    "           AND r.account IS NOT DISTINCT FROM $2 "
			    "           AND r.role = ANY (CASE WHEN $3 = 'administrator' "
			    "               THEN ARRAY['administrator'] ELSE ARRAY['custodian', 'alternate'] END))",
			    4, p, &r, w->err);
	free(arr);
	if (st != ST_OK)
		return st;
	rules_revoke rv = {.issued = (uint64_t)db_int(r, 0, 0),
			   .keeps_holder_role = strcmp(db_val(r, 0, 1), "t") == 0,
			   .others = (uint64_t)db_int(r, 0, 2)};
	PQclear(r);
	return rules_check_revoke(&w->e, &rv, w->err);
}

/* key-rotate: the entry's two key lines (the key in force, then q->subject,
 * with the person's first role and its account), judged as the server
 * will; the second signer is the key replaced or, the key lost, a second
 * administrator or an authority. */
static status check_rotate(work *w)
{
	const ledger_request *q = w->req;
	const key_public *k = &q->subject;
	const char *p[] = {k->name, (const char *)k->pk};
	const int len[] = {0, KEY_PK_LEN}, fmt[] = {0, 1};
	PGresult *r = NULL;
	status st = db_execb(w->d, "SELECT p.vkey, p.revoked_idx IS NOT NULL, coalesce(p.revoked_idx, 0), "
			     "r.role, coalesce(r.account, ''), r.role IS NOT NULL, "
			     "(SELECT name FROM person WHERE pubkey = $2 UNION "
			     " SELECT person FROM person_key WHERE pubkey = $2 LIMIT 1) "
			     "FROM (SELECT 1) one LEFT JOIN person p ON p.name = $1 "
			     "LEFT JOIN LATERAL (SELECT role, account FROM person_role "
			     " WHERE person = p.name ORDER BY since_idx, role LIMIT 1) r ON true",
			     2, p, len, fmt, &r, w->err);
	if (st != ST_OK)
		return st;
	rules_registrant x = {0};
	char owner[KEY_NAME_MAX + 1] = "";
	entry *e = &w->e;
	e->nkeys = 2;
	e->keys[0] = (entry_key){.role = ROLE_HOLDER, .key = *k};
	if (!db_null(r, 0, 0)) {
		const char *vk = db_val(r, 0, 0);
		if (key_vkey_parse(vk, strlen(vk), &e->keys[0].key, NULL) != ST_OK) {
			PQclear(r);
			return err_set(w->err, ST_CORRUPT, "the key of %s in the database is malformed",
				       k->name);
		}
		x.found = x.same_key = true;
		x.revoked = strcmp(db_val(r, 0, 1), "t") == 0;
		x.revoked_index = (uint64_t)db_int(r, 0, 2);
		x.holds_role = strcmp(db_val(r, 0, 5), "t") == 0;
		if (x.holds_role) {
			const char *role = db_val(r, 0, 3);
			int ro = entry_role_from_name(role, strlen(role));
			e->keys[0].role = ro >= 0 ? (entry_role)ro : ROLE_HOLDER;
			COPY(e->account, db_val(r, 0, 4));
		}
	}
	if (!db_null(r, 0, 6)) {
		COPY(owner, db_val(r, 0, 6));
		x.new_key_owner = owner;
	}
	PQclear(r);
	e->keys[1] = (entry_key){.role = e->keys[0].role, .key = *k};
	if ((st = rules_check_key_line(e, &x, w->err)) != ST_OK)
		return st;
	w->need = LEDGER_SECOND_PERSON;
	const key_public *s2 = second_key(w);
	if (s2 == NULL && w->preview)
		return ST_OK;
	char words[KEY_NAME_MAX + 128];
	rules_need_words(NEED_ROTATE_SECOND, e, words, sizeof words);
	if (s2 == NULL)
		return err_set(w->err, ST_REFUSED, "key-rotate is two-person: give %s with "
				   "--witness-key", words);
	if ((st = find_second(w, "second person", LEDGER_SECOND_PERSON)) != ST_OK)
		return st;
	if (sodium_memcmp(s2->pk, e->keys[0].key.pk, KEY_PK_LEN) == 0)
		return ST_OK;
	static const char *const roles[] = {"administrator", "authority"};
	bool fits;
	if ((st = has_any_role(w->d, w->second, roles, 2, NULL, &fits, w->err)) != ST_OK)
		return st;
	if (!fits)
		return err_set_why(w->err, ST_DENIED, RULE_SIGNERS,
				   "%s may not co-sign this key-rotate: it needs %s", w->second, words);
	return ST_OK;
}

/* policy-set: the second signer is another person, an administrator or
 * an authority (NEED_SECOND); the values were judged by prepare_entry. */
static status check_policy_second(work *w)
{
	status st = find_second(w, "second administrator or authority", LEDGER_SECOND_PERSON);
	if (st != ST_OK || w->second[0] == '\0')
		return st;
	static const char *const roles[] = {"administrator", "authority"};
	bool yes;
	if ((st = has_any_role(w->d, w->second, roles, 2, NULL, &yes, w->err)) != ST_OK)
		return st;
	if (!yes)
		return err_set_why(w->err, ST_DENIED, RULE_SIGNERS,
				   "%s may not co-sign a policy: the second person is an "
				   "administrator or an authority", w->second);
	return ST_OK;
}

static status check_registry(work *w, bool *new_person)
{
	const ledger_request *q = w->req;
	status st = require_admin(w);
	if (st != ST_OK)
		return st;
	rules_party party = PARTY_UNKNOWN;
	if (w->e.account[0] != '\0' && (st = party_of(w, w->e.account, &party)) != ST_OK)
		return st;
	if (w->e.action == ACT_ACCOUNT_OPEN || w->e.action == ACT_ACCOUNT_OUTSIDE) {
		if (w->e.account[0] == '\0')
			return err_set(w->err, ST_USAGE, "give the account number (six digits)");
		if ((st = rules_check_account_new(&w->e, party, w->err)) != ST_OK)
			return st;
		if (q->textlen == 0 || q->textlen > 200)
			return err_set(w->err, ST_USAGE, "an account's name is 1 to 200 bytes");
		return ST_OK;
	}
	if (w->e.action == ACT_ACCOUNT_DETAILS)
		return rules_check_details(&w->e, party, false, w->err);
	if (w->e.action == ACT_KEY_ROTATE)
		return check_rotate(w);
	if (w->e.action == ACT_POLICY_SET)
		return check_policy_second(w);
	if (w->e.action == ACT_PERSON_DETAILS) {
		const char *p[] = {w->e.holder};
		PGresult *r = NULL;
		if ((st = db_exec(w->d, "SELECT 1 FROM person WHERE name = $1 AND revoked_idx IS NULL",
				  1, p, &r, w->err)) != ST_OK)
			return st;
		bool current = PQntuples(r) == 1;
		PQclear(r);
		return rules_check_details(&w->e, PARTY_UNKNOWN, current, w->err);
	}
	const key_public *k = &q->subject;
	if (rules_account_role(q->role) != (w->e.account[0] != '\0'))
		return err_set(w->err, ST_USAGE, rules_account_role(q->role)
					  ? "role %s is held on an account: give --account"
					  : "role %s is not tied to an account: drop --account",
			       entry_role_name(q->role));
	if (w->e.account[0] != '\0') {
		bool open;
		if ((st = account_is_open(w, w->e.account, &open)) != ST_OK)
			return st;
		if (!open)
			return err_set(w->err, ST_REFUSED, "account %s is not open", w->e.account);
	}
	/* Who holds this name, or this public key, and the role? */
	const char *p[] = {k->name, (const char *)k->pk, entry_role_name(q->role),
			   w->e.account[0] ? w->e.account : NULL};
	const int len[] = {0, KEY_PK_LEN, 0, 0}, fmt[] = {0, 1, 0, 0};
	PGresult *r = NULL;
	st = db_execb(w->d, "SELECT name, name = $1, pubkey = $2, revoked_idx IS NOT NULL, "
			    "coalesce(revoked_idx, 0), EXISTS (SELECT FROM person_role r "
			    "WHERE r.person = p.name AND r.role = $3 AND "
			    "r.account IS NOT DISTINCT FROM $4) "
			    "FROM person p WHERE name = $1 OR pubkey = $2 ORDER BY name = $1 DESC",
		      4, p, len, fmt, &r, w->err);
	if (st != ST_OK)
		return st;
	char owner[KEY_NAME_MAX + 1] = "";
	rules_registrant x = {0};
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(db_val(r, i, 1), "t") == 0) {
			x.found = true;
			x.same_key = strcmp(db_val(r, i, 2), "t") == 0;
			x.revoked = strcmp(db_val(r, i, 3), "t") == 0;
			x.revoked_index = (uint64_t)db_int(r, i, 4);
			x.holds_role = strcmp(db_val(r, i, 5), "t") == 0;
		} else {
			COPY(owner, db_val(r, i, 0));
			x.key_owner = owner;
		}
	}
	PQclear(r);
	*new_person = !x.found;
	if ((st = rules_check_key_line(&w->e, &x, w->err)) != ST_OK)
		return st;
	const char *login = q->login[0] ? q->login : k->name;
	if (w->e.action == ACT_KEY_ENROL && *new_person && strlen(login) > LEDGER_LOGIN_MAX)
		return err_set(w->err, ST_USAGE, "the login role name '%s' is longer than %d bytes: "
			       "give --login", login, LEDGER_LOGIN_MAX);
	if (w->e.action == ACT_KEY_REVOKE && (st = check_revoke(w)) != ST_OK)
		return st;
	/* The second signer: another enrolled person, or (enrolment) the key
	 * being enrolled, proving its holder has the secret key. */
	w->need = LEDGER_SECOND_PERSON;
	const key_public *s = second_key(w);
	if (s == NULL && w->preview)
		return ST_OK;
	if (s == NULL)
		return err_set(w->err, ST_REFUSED, "%s is two-person: give the key of a second "
				   "person, or of the person enrolled, with --witness-key",
			       entry_action_name(w->e.action));
	if (w->e.action == ACT_KEY_ENROL && sodium_memcmp(s->pk, k->pk, KEY_PK_LEN) == 0 &&
	    strcmp(s->name, k->name) == 0) {
		COPY(w->second, k->name);
		return ST_OK;
	}
	if ((st = find_second(w, "second person", LEDGER_SECOND_PERSON)) != ST_OK)
		return st;
	if (w->e.action == ACT_KEY_REVOKE && strcmp(w->second, k->name) == 0)
		return err_set(w->err, ST_DENIED, "the key being revoked cannot co-sign its own "
				   "revocation");
	return ST_OK;
}

/* Declare the login role of the person a key-enrol enrols, when it is not
 * their key name: the server takes it from custos.enrol_login when it
 * derives the person's row from the entry (sql/011_registry_apply.sql).
 * Nothing to send for an appointment or for the default login. */
static status declare_login(work *w, bool new_person)
{
	const ledger_request *q = w->req;
	if (w->e.action != ACT_KEY_ENROL || !new_person || q->login[0] == '\0' ||
	    strcmp(q->login, q->subject.name) == 0)
		return ST_OK;
	const char *p[] = {q->subject.name, q->login};
	return db_exec(w->d, "SELECT enrol_login($1, $2)", 2, p, NULL, w->err);
}

/* ---- entry points --------------------------------------------------------- */

/* Does the entry need two signers: the format's rule (TOP SECRET keying
 * material), or the policy's stricter one for keying material of a lower
 * classification? */
static bool needs_two(const work *w)
{
	rules_need first, second;
	rules_signers(&w->e, w->two_person_class, &first, &second);
	return second != rules_action_of(w->e.action)->second;
}

/* The rules of the entry's own fields, once take_head has given it its
 * time (rules_check_entry).  A destruction without an authority is one of
 * superseded key: "superseded", if every item is; else the custodian names
 * the authority. */
static status check_timed(work *w)
{
	entry *e = &w->e;
	if (e->action == ACT_DESTROY && e->authority[0] == '\0') {
		COPY(e->authority, ENTRY_AUTHORITY_SUPERSEDED);
		errbuf why = {0};
		status st = rules_check_entry(e, &why);
		if (st == ST_OK)
			return ST_OK;
		/* nothing named: a usage error, not a refusal of what was asked */
		return err_set_why(w->err, why.why == RULE_NOT_SUPERSEDED ? ST_USAGE : st, why.why,
				   "%s", why.msg);
	}
	return rules_check_entry(e, w->err);
}

/* The entry as requested; take_head gives it its place in the log. */
static status prepare_entry(work *w)
{
	const ledger_request *q = w->req;
	entry *e = &w->e;
	e->action = q->action;
	COPY(e->account, q->account);
	COPY(e->peer, q->peer);
	COPY(e->holder, q->holder);
	COPY(e->ref, q->ref);
	e->category = q->category;
	e->discovered_us = q->discovered_us;
	e->outcome = q->outcome;
	e->method = q->method;
	COPY(e->authority, q->authority);
	if (q->action == ACT_POLICY_SET) {
		/* judged as given: two values for one policy would otherwise
		 * become one detail line */
		const char *names[ENTRY_MAX_DETAILS], *vals[ENTRY_MAX_DETAILS];
		if (q->ndetails > ENTRY_MAX_DETAILS)
			return err_set(w->err, ST_USAGE, "at most %d policies in one entry",
				       ENTRY_MAX_DETAILS);
		for (size_t i = 0; i < q->ndetails; i++) {
			names[i] = q->details[i].name;
			vals[i] = q->details[i].value;
		}
		status st = rules_check_policy_pairs(q->ndetails, names, vals, NULL, w->err);
		if (st != ST_OK)
			return st;
	}
	for (size_t i = 0; i < q->ndetails; i++) {
		status st = entry_set_detail(e, q->details[i].name, q->details[i].value, w->err);
		if (st != ST_OK)
			return st;
	}
	for (size_t i = 0; i < q->nitems; i++)
		if (entry_add_item(e, &q->items[i]) != ST_OK)
			return err_set(w->err, ST_TOOBIG, "at most %d items in one entry",
				       ENTRY_MAX_ITEMS);
	if (q->textlen > ENTRY_TEXT_MAX)
		return err_set(w->err, ST_REFUSED, "the text is %zu bytes; at most %d", q->textlen,
			       ENTRY_TEXT_MAX);
	if (q->textlen > 0 && entry_set_text(e, q->text, q->textlen) != ST_OK)
		return err_set(w->err, ST_NOMEM, "out of memory");
	return ST_OK;
}

/* The checks of an action, shared by submit and preview: everything but
 * the writes.  w->e is the entry to sign when it returns ST_OK. */
static status check_request(work *w, txn_row *t, bool *new_person)
{
	const ledger_request *q = w->req;
	status st;
	if ((st = prepare_entry(w)) != ST_OK)
		return st;
	if (rules_action_of(q->action)->material) {
		if ((st = check_material(w, t)) != ST_OK)
			return st;
		if (needs_two(w) && w->need == LEDGER_SECOND_NONE) {
			if ((st = find_second(w, "second person for TOP SECRET keying material, or "
						 "keying material the two-person policy names",
					      LEDGER_SECOND_PERSON)) != ST_OK)
				return st;
			if ((st = check_witness(w)) != ST_OK)
				return st;
		}
	} else {
		if (q->action == ACT_KEY_ENROL || q->action == ACT_KEY_REVOKE) {
			w->e.nkeys = 1;
			w->e.keys[0] = (entry_key){.role = q->role, .key = q->subject};
		}
		if ((st = check_registry(w, new_person)) != ST_OK)
			return st;
	}
	if (w->second[0] == '\0' && second_key(w) != NULL)
		return err_set(w->err, ST_USAGE, "%s needs no second signature; drop --witness-key",
			       entry_action_name(q->action));
	return ST_OK;
}

/* ---- a reused idempotency key ------------------------------------------ */

/* Does the request's item name item j of e?  A part that e splits off a
 * lot is named by the lot and the part's quantity. */
static bool same_identity(const entry_item *want, const entry *e, size_t j)
{
	const entry_item *got = &e->items[j];
	char lot[ENTRY_SERIAL_MAX + 1];
	bool part = rules_split_parent(e, j, lot);
	if (part && want->qty != got->qty)
		return false;
	return strcmp(want->serial, part ? lot : got->serial) == 0 &&
	       (want->title[0] == '\0' ||
		(strcmp(want->title, got->title) == 0 && strcmp(want->edition, got->edition) == 0));
}

/* Do the request's items name exactly the entry's items?  Items named in
 * full are matched first: they are unique in an entry, so a bare serial
 * left for later cannot take an item a full identity needs. */
static bool same_items(const ledger_request *q, const entry *e)
{
	if (q->nitems != e->nitems)
		return false;
	if (q->nitems == 0)
		return true;
	bool *taken = calloc(e->nitems, sizeof *taken);
	if (taken == NULL)
		return false; /* refused as different: safe, and only without memory */
	bool same = true;
	for (int bare = 0; bare < 2 && same; bare++)
		for (size_t i = 0; i < q->nitems && same; i++) {
			if ((q->items[i].title[0] == '\0') != bare)
				continue;
			size_t j = 0;
			while (j < e->nitems && (taken[j] || !same_identity(&q->items[i], e, j)))
				j++;
			if (j == e->nitems)
				same = false;
			else
				taken[j] = true;
		}
	free(taken);
	return same;
}

const char *ledger_request_differs(const ledger_request *q, const char *actor, const entry *e,
				   const char *recorded_actor)
{
	if (q->action != e->action)
		return "a different action";
	if (strcmp(actor, recorded_actor) != 0)
		return "by another person";
	if (strcmp(q->account, e->account) != 0)
		return "on another account";
	bool answer = q->action == ACT_ACCEPT || q->action == ACT_TRANSFER_REJECT ||
		      q->action == ACT_TRANSFER_RECALL; /* peer and items filled in */
	if (!answer && strcmp(q->peer, e->peer) != 0)
		return "with another peer (source or receiver)";
	if (strcmp(q->holder, e->holder) != 0)
		return "with another holder";
	if (strcmp(q->ref, e->ref) != 0)
		return "answering another transaction";
	if (q->action != ACT_INCIDENT_UPDATE && q->action != ACT_INCIDENT_CLOSE &&
	    q->category != e->category)
		return "with another category";
	if (q->discovered_us != e->discovered_us)
		return "with another discovery time";
	if (q->outcome != e->outcome)
		return "with another outcome";
	if (q->method != e->method)
		return "with another method";
	if (strcmp(q->authority, e->authority) != 0 &&
	    !(q->authority[0] == '\0' && strcmp(e->authority, ENTRY_AUTHORITY_SUPERSEDED) == 0))
		return "under another authority";
	if (q->action == ACT_KEY_ENROL || q->action == ACT_KEY_REVOKE) {
		if (e->nkeys != 1 || e->keys[0].role != q->role ||
		    strcmp(e->keys[0].key.name, q->subject.name) != 0 ||
		    memcmp(e->keys[0].key.pk, q->subject.pk, KEY_PK_LEN) != 0)
			return "for another key or role";
	}
	if (q->action == ACT_KEY_ROTATE &&
	    (e->nkeys != 2 || strcmp(e->keys[1].key.name, q->subject.name) != 0 ||
	     memcmp(e->keys[1].key.pk, q->subject.pk, KEY_PK_LEN) != 0))
		return "for another key";
	bool derived = q->nitems == 0 && (answer || q->action == ACT_INCIDENT_CLOSE);
	if (!derived && !same_items(q, e))
		return "with other items";
	if (q->textlen != e->textlen || (q->textlen > 0 && memcmp(q->text, e->text, q->textlen) != 0))
		return "with another text";
	if (q->ndetails != e->ndetails)
		return "with other details";
	for (size_t i = 0; i < q->ndetails; i++) {
		const char *v = entry_detail_value(e, q->details[i].name);
		if (v == NULL || strcmp(v, q->details[i].value) != 0)
			return "with other details";
	}
	return NULL;
}

/* The request's idempotency key is in the log already, as entry res->index
 * (open_work found it): ST_OK when that entry is this request's (a retry,
 * reported as applied), ST_REFUSED when the key was used for another
 * request (err names the entry and what differs), ST_CORRUPT when the
 * stored entry cannot be read. */
static status check_retry(work *w, const ledger_result *res)
{
	char at[24];
	snprintf(at, sizeof at, "%llu", (unsigned long long)res->index);
	const char *p[] = {at};
	PGresult *r = NULL;
	status st = db_exec(w->d, "SELECT note, actor FROM log_entry WHERE idx = $1", 1, p, &r,
			    w->err);
	if (st != ST_OK)
		return st;
	size_t len = 0;
	unsigned char *raw = NULL;
	note *n = malloc(sizeof *n);
	entry e = {0};
	char recorded[KEY_NAME_MAX + 1] = "";
	errbuf why = {0};
	if (PQntuples(r) != 1) {
		st = err_set(&why, ST_CORRUPT, "not found");
	} else {
		COPY(recorded, db_val(r, 0, 1));
		raw = PQunescapeBytea((const unsigned char *)db_val(r, 0, 0), &len);
		if (raw == NULL || n == NULL)
			st = ST_NOMEM;
		else if ((st = note_parse((const char *)raw, len, n, &why)) == ST_OK)
			st = entry_parse(n->text, n->textlen, &e, &why);
	}
	PQclear(r);
	if (st == ST_NOMEM) {
		err_set(w->err, st, "out of memory");
	} else if (st != ST_OK) {
		st = err_set(w->err, ST_CORRUPT, "entry %s, recorded under this idempotency key, "
			     "cannot be read: %s", at, err_text(&why, st));
	} else {
		const ledger_request *q = w->req;
		const char *actor = q->actor ? key_secret_public(q->actor)->name : w->actor;
		const char *differs = ledger_request_differs(q, actor, &e, recorded);
		if (differs != NULL)
			st = err_set(w->err, ST_REFUSED, "idempotency key %.64s%s was used for entry "
				     "%s (%s%s%s), %s; use a new key", q->idem,
				     strlen(q->idem) > 64 ? "..." : "", at,
				     entry_action_name(e.action), e.txn[0] ? " " : "", e.txn, differs);
	}
	entry_free(&e);
	PQfreemem(raw);
	free(n);
	return st;
}

static status check_supported(const ledger_request *q, errbuf *err)
{
	if (q->action == ACT_GENESIS)
		return err_set(err, ST_REFUSED, "%s is not supported by ledger_submit",
			       entry_action_name(q->action));
	return ST_OK;
}

/* The number of times an action is tried again, from the start, after the
 * server chose it as the victim of a deadlock or a serialization failure
 * (ST_CONFLICT): the other action went ahead, and this one is judged
 * afresh against what it did. */
#define LEDGER_CONFLICT_TRIES 8

/* One attempt of ledger_submit, in one transaction. */
static status submit_once(db *d, const ledger_request *q, ledger_result *res, errbuf *err)
{
	memset(res, 0, sizeof *res);
	work w = {.d = d, .req = q, .err = err};
	bool found = false, new_person = false;
	txn_row t = {0};
	status st = open_work(&w, res, &found);
	if (st != ST_OK)
		goto out;
	if (found) {
		/* A retry applies once; a reused key for another request is refused.
		 * The first attempt's commit may have been confirmed by the primary
		 * alone: "already recorded" only once the sync standby has it. */
		if ((st = check_retry(&w, res)) == ST_OK) {
			db_rollback(d);
			st = db_confirm_replicated(d, err);
		}
		if (st != ST_OK)
			memset(res, 0, sizeof *res);
		goto out;
	}
	if ((st = check_request(&w, &t, &new_person)) != ST_OK || (st = take_head(&w)) != ST_OK ||
	    (st = check_timed(&w)) != ST_OK)
		goto out;
	/* An inventory is complete or a spot check by what is held now: counted
	 * under the log head's lock, as the server counts it (no entry can move
	 * an item meanwhile). */
	if (w.e.action == ACT_INVENTORY && (st = count_held(&w, NULL, 0, NULL)) != ST_OK)
		goto out;
	/* Everything is checked.  The entry is all the client writes: the
	 * server judges it and derives the state from it (entry_apply,
	 * sql/010_custody_check.sql and sql/011_registry_apply.sql), so the
	 * login a new person is to have, the entry and the COMMIT go to the
	 * server in one round trip. */
	if ((st = db_pipeline_begin(d, err)) != ST_OK)
		goto out;
	st = declare_login(&w, new_person);
	if (st == ST_OK)
		st = write_entry(&w, w.actor, res);
	if (st == ST_OK)
		st = db_commit(d, err);
	status end = db_pipeline_end(d, NULL, err);
	st = st != ST_OK ? st : end;
out:
	if (st != ST_OK || found)
		db_rollback(d);
	entry_free(&w.e);
	free(w.held);
	return st;
}

status ledger_submit(db *d, const ledger_request *q, ledger_result *res, errbuf *err)
{
	memset(res, 0, sizeof *res);
	if (q->actor == NULL || q->idem[0] == '\0')
		return err_set(err, ST_USAGE, "an action needs the actor's key and an idempotency key");
	status st = check_supported(q, err);
	if (st != ST_OK)
		return st;
	for (int tries = 1;; tries++) {
		st = submit_once(d, q, res, err);
		if (st != ST_CONFLICT || tries == LEDGER_CONFLICT_TRIES)
			break;
	}
	/* A refused action is an access event, recorded after its
	 * transaction rolled back (access.h). */
	access_refusal(d, q->action, q->account, st, err != NULL ? err->why : 0, err_text(err, st));
	return st;
}

status ledger_preview(db *d, const ledger_request *q, char **text, size_t *len,
		      ledger_signers *who, errbuf *err)
{
	*text = NULL;
	*len = 0;
	memset(who, 0, sizeof *who);
	work w = {.d = d, .req = q, .err = err, .preview = true};
	if (q->idem[0] == '\0')
		return err_set(err, ST_USAGE, "an action needs an idempotency key");
	status st = check_supported(q, err);
	if (st != ST_OK)
		return st;
	bool found = false, new_person = false;
	txn_row t = {0};
	ledger_result res = {0};
	if ((st = open_work(&w, &res, &found)) != ST_OK)
		goto out;
	if (found) {
		if ((st = check_retry(&w, &res)) == ST_OK)
			st = err_set(err, ST_EXISTS, "this action was applied already: entry %llu%s%s",
				     (unsigned long long)res.index, res.txn[0] ? ", txn " : "",
				     res.txn);
		goto out;
	}
	if ((st = check_request(&w, &t, &new_person)) != ST_OK || (st = take_head(&w)) != ST_OK ||
	    (st = check_timed(&w)) != ST_OK)
		goto out;
	if ((st = entry_format(&w.e, text, len, err)) != ST_OK) {
		if (st == ST_FORMAT || st == ST_TOOBIG)
			st = ST_REFUSED;
		goto out;
	}
	COPY(who->actor, w.actor);
	who->second = w.need;
	if (w.second[0] != '\0')
		COPY(who->second_name, w.second);
	else if (w.need == LEDGER_SECOND_HOLDER || w.need == LEDGER_SECOND_INCOMING)
		COPY(who->second_name, w.e.holder);
out:
	/* Nothing of a preview stays: the head's lock goes here. */
	db_rollback(d);
	if (st != ST_OK) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	entry_free(&w.e);
	free(w.held);
	access_refusal(d, q->action, q->account, st, err != NULL ? err->why : 0, err_text(err, st));
	return st;
}

/* The text of line `from` onward: its length up to the newline. */
static size_t line_len(const char *s, size_t left)
{
	const char *nl = memchr(s, '\n', left);
	return nl != NULL ? (size_t)(nl - s) + 1 : left;
}

static bool movable_line(const char *s, size_t n)
{
	static const char *const MOVE[] = {"index ", "prev ", "time "};
	for (size_t i = 0; i < sizeof MOVE / sizeof MOVE[0]; i++) {
		size_t m = strlen(MOVE[i]);
		if (n >= m && memcmp(s, MOVE[i], m) == 0)
			return true;
	}
	return false;
}

/* Do lines x and y (lengths n, m; line number `at` of their entries)
 * differ only where another append may move them? */
static bool moved_only(const char *x, size_t n, const char *y, size_t m, size_t at)
{
	if (at >= 2 && at <= 4 && movable_line(x, n) && movable_line(y, m)) {
		size_t fx = strcspn(x, " "), fy = strcspn(y, " ");
		return fx == fy && fx < n && memcmp(x, y, fx) == 0;
	}
	/* "txn A-YYYY-NNNN": the account and year stay, the number may not */
	static const char TXN[] = "txn ";
	if (at != 6 || n < sizeof TXN || m < sizeof TXN || memcmp(x, TXN, sizeof TXN - 1) != 0 ||
	    memcmp(y, TXN, sizeof TXN - 1) != 0)
		return false;
	size_t dx = n, dy = m;
	while (dx > 0 && x[dx - 1] != '-')
		dx--;
	while (dy > 0 && y[dy - 1] != '-')
		dy--;
	return dx == dy && dx > sizeof TXN && memcmp(x, y, dx) == 0;
}

/* The index of an entry text (its second line), or "" when it has none. */
static void text_index(const char *s, size_t n, char out[24])
{
	out[0] = '\0';
	const char *nl = memchr(s, '\n', n);
	if (nl == NULL)
		return;
	size_t left = n - (size_t)(nl + 1 - s), l = line_len(nl + 1, left);
	if (l > 6 && l - 6 < 24 && memcmp(nl + 1, "index ", 6) == 0) {
		memcpy(out, nl + 7, l - 7);
		out[l - 7] = '\0';
	}
}

/* Item lines x and y (lengths n, m) of entries with indices ix and iy:
 * the same but for the serial of a part the entry splits off a lot,
 * "LOT+ix" in x and "LOT+iy" in y? */
static bool moved_part(const char *x, size_t n, const char *y, size_t m, const char *ix,
		       const char *iy)
{
	static const char SER[] = " serial=";
	if (n < 5 || m < 5 || memcmp(x, "item ", 5) != 0 || memcmp(y, "item ", 5) != 0 || !ix[0] ||
	    !iy[0])
		return false;
	size_t at = 0, k = sizeof SER - 1;
	while (at + k <= n && at + k <= m && memcmp(x + at, SER, k) != 0)
		at++;
	if (at + k > n || at + k > m || memcmp(x, y, at + k) != 0)
		return false;
	const char *sx = x + at + k, *sy = y + at + k;
	size_t lx = 0, ly = 0;
	while (at + k + lx < n && sx[lx] != ' ' && sx[lx] != '\n')
		lx++;
	while (at + k + ly < m && sy[ly] != ' ' && sy[ly] != '\n')
		ly++;
	size_t px = strlen(ix), py = strlen(iy);
	if (lx <= px || ly <= py || lx - px != ly - py || memcmp(sx, sy, lx - px - 1) != 0 ||
	    sx[lx - px - 1] != '+' || memcmp(sx + lx - px, ix, px) != 0 ||
	    memcmp(sy + ly - py, iy, py) != 0)
		return false;
	size_t rx = n - (size_t)(sx + lx - x), ry = m - (size_t)(sy + ly - y);
	return rx == ry && memcmp(sx + lx, sy + ly, rx) == 0;
}

bool ledger_same_entry(const char *a, size_t alen, const char *b, size_t blen, size_t *line)
{
	char ia_index[24], ib_index[24];
	text_index(a, alen, ia_index);
	text_index(b, blen, ib_index);
	size_t ia = 0, ib = 0, n = 0;
	while (ia < alen || ib < blen) {
		n++;
		size_t la = ia < alen ? line_len(a + ia, alen - ia) : 0;
		size_t lb = ib < blen ? line_len(b + ib, blen - ib) : 0;
		/* The first line holds the origin; only the fields another
		 * append moves may differ, and only where both texts have them. */
		bool same = la == lb && memcmp(a + ia, b + ib, la) == 0;
		if (!same && la > 0 && lb > 0)
			same = moved_only(a + ia, la, b + ib, lb, n) ||
			       moved_part(a + ia, la, b + ib, lb, ia_index, ib_index);
		if (!same) {
			if (line != NULL)
				*line = n;
			return false;
		}
		ia += la;
		ib += lb;
	}
	return true;
}

const char *ledger_second_name(ledger_second s)
{
	switch (s) {
	case LEDGER_SECOND_WITNESS:
		return "witness";
	case LEDGER_SECOND_HOLDER:
		return "holder";
	case LEDGER_SECOND_AUTHORITY:
		return "authority";
	case LEDGER_SECOND_PERSON:
		return "second person";
	case LEDGER_SECOND_INCOMING:
		return "incoming custodian";
	default:
		return "";
	}
}

status ledger_genesis(db *d, const char *origin, const key_secret *admin, const char *login,
		      const char *idem, ledger_result *res, errbuf *err)
{
	memset(res, 0, sizeof *res);
	const key_public *k = key_secret_public(admin);
	ledger_request q = {.action = ACT_GENESIS, .actor = admin};
	COPY(q.idem, idem);
	work w = {.d = d, .req = &q, .err = err};
	COPY(w.e.origin, origin);
	w.e.action = ACT_GENESIS;
	w.e.nkeys = 1;
	w.e.keys[0] = (entry_key){.role = ROLE_ADMINISTRATOR, .key = *k};
	const char *who = login && login[0] ? login : k->name;
	if (strlen(who) > LEDGER_LOGIN_MAX)
		return err_set(err, ST_USAGE, "the login role name '%s' is longer than %d bytes: "
				   "give --admin-login", who, LEDGER_LOGIN_MAX);
	status st = db_begin(d, err);
	if (st != ST_OK)
		return st;
	PGresult *r = NULL;
	const char *zero = "\\x0000000000000000000000000000000000000000000000000000000000000000";
	const char *p0[] = {origin, zero};
	st = db_exec(d, "INSERT INTO log_head (origin, size, last_leaf) VALUES ($1, 0, $2::bytea)",
		     2, p0, NULL, err);
	if (st == ST_EXISTS) {
		st = err_set(err, ST_EXISTS, "this database's log has already begun");
		goto out;
	}
	if (st != ST_OK)
		goto out;
	st = db_exec(d, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint", 0, NULL,
		     &r, err);
	if (st != ST_OK)
		goto out;
	w.e.time_us = db_int(r, 0, 0);
	PQclear(r);
	/* The server derives the administrator's person and role rows from the
	 * entry and makes their login (sql/011_registry_apply.sql). */
	if (strcmp(who, k->name) != 0) {
		const char *p[] = {k->name, who};
		st = db_exec(d, "SELECT enrol_login($1, $2)", 2, p, NULL, err);
	}
	if (st == ST_OK)
		st = write_entry(&w, k->name, res);
	if (st == ST_OK)
		st = db_commit(d, err);
out:
	if (st != ST_OK)
		db_rollback(d);
	entry_free(&w.e);
	return st;
}

/* ---- item specifications -------------------------------------------------- */

static status spec_value(const char *v, size_t n, char *dst, size_t cap, const char *what,
			 errbuf *err)
{
	if (n == 0 || n >= cap)
		return err_set(err, ST_USAGE, "item: %s must be 1 to %zu characters", what, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return ST_OK;
}

status ledger_parse_item(const char *spec, bool identity_only, entry_item *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	out->kind = KIND_EQUIPMENT;
	out->cls = CLASS_U;
	out->qty = identity_only ? 0 : 1; /* by identity: 0, the whole lot */
	out->alc = 0;
	const char *s = spec;
	bool bare = strchr(spec, '=') == NULL;
	if (bare) {
		if (!identity_only)
			return err_set(err, ST_USAGE, "item '%.40s': give fields as key=value "
				       "(title=... serial=... kind=... alc=... class=...)", spec);
		status st = spec_value(spec, strlen(spec), out->serial, sizeof out->serial,
				       "serial", err);
		if (st != ST_OK)
			return st;
		entry_item probe = {.kind = KIND_EQUIPMENT, .alc = 1, .qty = 1, .title = "X"};
		memcpy(probe.serial, out->serial, sizeof probe.serial);
		if (entry_item_check(&probe, 1, NULL) != ST_OK)
			return err_set(err, ST_USAGE, "'%.40s' is not a serial number (letters, "
				       "digits, '.', '/' or '-')", spec);
		return ST_OK;
	}
	while (*s != '\0') {
		const char *eq = strchr(s, '=');
		if (eq == NULL)
			return err_set(err, ST_USAGE, "item: expected key=value at '%.40s'", s);
		size_t kl = (size_t)(eq - s);
		const char *v = eq + 1;
		bool is_title = kl == 5 && memcmp(s, "title", 5) == 0;
		const char *end = is_title ? v + strlen(v) : strchr(v, ' ');
		if (end == NULL)
			end = v + strlen(v);
		size_t vl = (size_t)(end - v);
		status st = ST_OK;
#define KEY(name) (kl == sizeof(name) - 1 && memcmp(s, name, kl) == 0)
		if (is_title) {
			if (memchr(v, '=', vl) != NULL)
				return err_set(err, ST_USAGE, "item: title= comes last: it takes the "
						   "rest of the line");
			st = spec_value(v, vl, out->title, sizeof out->title, "title", err);
		} else if (KEY("serial")) {
			st = spec_value(v, vl, out->serial, sizeof out->serial, "serial", err);
		} else if (KEY("edition")) {
			st = spec_value(v, vl, out->edition, sizeof out->edition, "edition", err);
		} else if (KEY("qty")) {
			char num[12];
			if (vl == 0 || vl >= sizeof num || strspn(v, "0123456789") < vl)
				return err_set(err, ST_USAGE, "item: qty must be a number from 1 to %d",
					       ENTRY_QTY_MAX);
			memcpy(num, v, vl);
			num[vl] = '\0';
			unsigned long q = strtoul(num, NULL, 10);
			if (q < 1 || q > ENTRY_QTY_MAX)
				return err_set(err, ST_USAGE, "item: qty must be a number from 1 to %d",
					       ENTRY_QTY_MAX);
			out->qty = (uint32_t)q;
		} else if (identity_only) {
			return err_set(err, ST_USAGE, "item: only title=, edition= and serial= "
					   "identify material here (and qty= takes part of a lot), "
					   "not '%.*s'", (int)kl, s);
		} else if (KEY("kind")) {
			int k = -1;
			for (int i = 0; i < KIND__COUNT; i++)
				if (strlen(item_kind_name((item_kind)i)) == vl &&
				    memcmp(v, item_kind_name((item_kind)i), vl) == 0)
					k = i;
			if (k < 0)
				return err_set(err, ST_USAGE, "item: kind must be key, equipment or "
						   "publication");
			out->kind = (item_kind)k;
		} else if (KEY("class")) {
			int c = -1;
			for (int i = 0; i < CLASS__COUNT; i++)
				if (strlen(item_class_name((item_class)i)) == vl &&
				    memcmp(v, item_class_name((item_class)i), vl) == 0)
					c = i;
			if (c < 0)
				return err_set(err, ST_USAGE, "item: class must be U, C, S or TS");
			out->cls = (item_class)c;
		} else if (KEY("alc")) {
			if (vl != 1 || strchr("12467", v[0]) == NULL)
				return err_set(err, ST_USAGE, "item: alc must be 1, 2, 4, 6 or 7");
			out->alc = v[0] - '0';
		} else if (KEY("crypto")) {
			if (vl == 3 && memcmp(v, "yes", 3) == 0)
				out->crypto = true;
			else if (!(vl == 2 && memcmp(v, "no", 2) == 0))
				return err_set(err, ST_USAGE, "item: crypto must be yes or no");
		} else if (KEY("effective") || KEY("supersedes")) {
			uint32_t *dst = KEY("effective") ? &out->effective : &out->supersedes;
			if (entry_date_parse(v, vl, dst) != ST_OK)
				return err_set(err, ST_USAGE, "item: %.*s must be a date YYYY-MM-DD",
					       (int)kl, s);
		} else {
			return err_set(err, ST_USAGE, "item: unknown field '%.*s' (kind, alc, class, "
					   "crypto, qty, serial, edition, effective, supersedes, title)",
				       (int)kl, s);
		}
#undef KEY
		if (st != ST_OK)
			return st;
		s = *end == ' ' ? end + 1 : end;
	}
	if (out->title[0] == '\0')
		return err_set(err, ST_USAGE, "item: give its short title (title=..., last)");
	if (identity_only)
		return ST_OK;
	if (out->alc == 0)
		out->alc = out->serial[0] ? 1 : 2;
	status st = entry_item_check(out, 1, err);
	if (st != ST_OK) {
		/* entry_item_check says "item 1: ..."; keep its words. */
		return ST_USAGE;
	}
	return ST_OK;
}

status ledger_set_login_password(db *d, const char *person, const char *pass, errbuf *err)
{
	const char *p0[] = {person};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT login FROM person WHERE name = $1", 1, p0, &r, err);
	if (st == ST_OK && PQntuples(r) == 1) {
		char *verifier = PQencryptPasswordConn(db_conn(d), pass, db_val(r, 0, 0),
						       "scram-sha-256");
		if (verifier == NULL) {
			st = err_set(err, ST_DB, "cannot make a SCRAM verifier");
		} else {
			const char *p[] = {person, verifier};
			st = db_exec(d, "SELECT set_login_password($1, $2)", 2, p, NULL, err);
			PQfreemem(verifier);
		}
	}
	PQclear(r);
	return st;
}
