/* replay.c: rebuild the ledger's state by replaying the signed log
 * (replay.h, docs/ledger.md).
 *
 * replay_apply works in phases, and only the last one changes anything:
 *
 *   1. the record parses (signed note, entry v1) and fits the chain
 *      (index, origin, prev, time);
 *   2. the signatures verify against the key registry as it stands;
 *   3. the fields fit the action (txn numbering, account, ref, key line);
 *   4. the signers hold the roles the action needs;
 *   5. every listed item is in a state the action may change;
 *   6. everything the change needs is allocated (records, table room);
 *   7. the change is made; nothing in this phase can fail.
 *
 * Records (accounts, people, transactions, items) live in an arena and are
 * never freed one by one: nothing leaves the ledger, an item that leaves
 * keeps its identity for ever and a revoked person stays on record.  Each
 * kind of record has an open-addressing hash table for look-ups and a list
 * that the iterators sort on demand. */
#include "replay.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "rules.h"
#include "sha.h"
#include "signers.h"

/* ---- arena --------------------------------------------------------------- */

/* Bump allocation in chunks; a mark taken before a record's allocations
 * lets a refused record give them back. */
typedef struct chunk {
	struct chunk *prev;
	size_t cap, used;
	max_align_t data[];
} chunk;

typedef struct arena {
	chunk *top;
} arena;

typedef struct arena_mark {
	chunk *top;
	size_t used;
} arena_mark;

#define ARENA_CHUNK ((size_t)256 * 1024)

/* size bytes aligned for any type, or NULL when out of memory. */
static void *arena_alloc(arena *a, size_t size)
{
	size_t align = sizeof(max_align_t);
	size = (size + align - 1) / align * align;
	chunk *c = a->top;
	if (c == NULL || c->cap - c->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		if ((c = malloc(sizeof *c + cap)) == NULL)
			return NULL;
		c->prev = a->top;
		c->cap = cap;
		c->used = 0;
		a->top = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

static arena_mark arena_get_mark(const arena *a)
{
	return (arena_mark){a->top, a->top != NULL ? a->top->used : 0};
}

/* Give back everything allocated since m. */
static void arena_rollback(arena *a, arena_mark m)
{
	while (a->top != m.top) {
		chunk *c = a->top;
		a->top = c->prev;
		free(c);
	}
	if (a->top != NULL)
		a->top->used = m.used;
}

static void arena_free(arena *a)
{
	arena_rollback(a, (arena_mark){NULL, 0});
}

/* A copy of s, or NULL when out of memory. */
static char *arena_strdup(arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* ---- hash table ---------------------------------------------------------- */

/* Open addressing with linear probing over records that are never removed.
 * `key` gives a record's key bytes.  `list` holds the same records in no
 * particular order: rehashing walks it, and the iterators sort it. */
typedef struct table {
	void **slot; /* cap slots, NULL when free; cap is 0 or a power of two */
	size_t cap;
	void **list;
	size_t n, listcap;
	void (*key)(const void *rec, const char **k, size_t *len);
} table;

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a, then a final mix */
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * UINT64_C(1099511628211);
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

static void *table_find(const table *t, const void *k, size_t len)
{
	if (t->cap == 0)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = (size_t)hash_bytes(k, len) & mask;; i = (i + 1) & mask) {
		void *rec = t->slot[i];
		if (rec == NULL)
			return NULL;
		const char *rk;
		size_t rl;
		t->key(rec, &rk, &rl);
		if (rl == len && memcmp(rk, k, len) == 0)
			return rec;
	}
}

static void slot_place(void **slot, size_t cap, const table *t, void *rec)
{
	const char *k;
	size_t len;
	t->key(rec, &k, &len);
	size_t i = (size_t)hash_bytes(k, len) & (cap - 1);
	while (slot[i] != NULL)
		i = (i + 1) & (cap - 1);
	slot[i] = rec;
}

/* Make room for `extra` more records (load at most 0.7).  False when out of
 * memory; the table's contents are unchanged either way. */
static bool table_reserve(table *t, size_t extra)
{
	size_t need = t->n + extra;
	if (need > t->listcap) {
		size_t cap = t->listcap ? t->listcap : 16;
		while (cap < need)
			cap *= 2;
		void **l = realloc(t->list, cap * sizeof *l);
		if (l == NULL)
			return false;
		t->list = l;
		t->listcap = cap;
	}
	if (need * 10 > t->cap * 7) {
		size_t cap = t->cap ? t->cap : 16;
		while (need * 10 > cap * 7)
			cap *= 2;
		void **s = calloc(cap, sizeof *s);
		if (s == NULL)
			return false;
		for (size_t i = 0; i < t->n; i++)
			slot_place(s, cap, t, t->list[i]);
		free(t->slot);
		t->slot = s;
		t->cap = cap;
	}
	return true;
}

/* Add a record whose key is not in the table; room must be reserved. */
static void table_insert(table *t, void *rec)
{
	slot_place(t->slot, t->cap, t, rec);
	t->list[t->n++] = rec;
}

static void table_free(table *t)
{
	free(t->slot);
	free(t->list);
}

/* ---- records ------------------------------------------------------------- */

typedef struct txn_seq {
	int year;
	uint64_t last; /* the last number used in that year */
} txn_seq;

typedef struct account {
	char number[ENTRY_ACCOUNT_LEN + 1];
	const char *name; /* arena */
	uint64_t opened_index;
	int64_t opened_us, last_inventory_us;
	/* Items on hand or issued at the account (what a change of custodian
	 * inventories): as seeded, then kept by commit_items. */
	int64_t held;
	txn_seq *seqs; /* malloc'd */
	size_t nseqs, capseqs;
	/* for the paperwork (account-details): arena, "" when unset */
	const char *address, *cor_account;
	uint64_t details_index; /* the last account-details; 0 if none */
	/* seeded: the list for a certification (replay_account) */
	bool list_seeded;
	entry_action list_action;
	uint64_t list_count;
	uint8_t list_sha256[SHA256_LEN];
} account;

/* An account outside this ledger, registered by account-outside: a
 * receipt may come from it and a transfer go to it. */
typedef struct outside {
	char number[ENTRY_ACCOUNT_LEN + 1];
	const char *name, *address; /* arena; address "" when unset */
	uint64_t registered_index, details_index;
} outside;

typedef struct role_rec {
	entry_role role;
	const account *acct; /* NULL for whole-log roles */
	uint64_t since;
} role_rec;

typedef struct person {
	key_public key;
	uint64_t enrolled_index, revoked_index;
	uint64_t key_index; /* the entry since which key counts: the enrolment's or
			     * the last key-rotate's */
	bool revoked;
	role_rec *roles; /* malloc'd; the roles held now */
	size_t nroles, caproles;
	/* for the paperwork (person-details): arena, "" when unset */
	const char *rank, *position;
	uint64_t details_index; /* the last person-details; 0 if none */
} person;

typedef struct txn {
	char number[ENTRY_TXN_MAX + 1];
	entry_action action;
	uint64_t index;
	int64_t time_us;
	const account *acct;
	char peer[ENTRY_ACCOUNT_LEN + 1];
	char ref[ENTRY_TXN_MAX + 1];
	const char *holder; /* a person's name, or "" */
	/* Items now under this transaction: in transit (transfer), issued
	 * (issue), in status incident (incident-report). */
	uint64_t count;
	bool open; /* transfer: in transit; incident-report: not closed */
	/* incident-report only */
	entry_category category;
	int64_t discovered_us;  /* 0 in a v1 report: reported_us counts */
	entry_outcome outcome;  /* once closed */
	uint64_t updates, closed_index;
	int64_t last_update_us, closed_us;
} txn;

/* An item with its facts packed; id is "title\0edition\0serial\0". */
typedef struct item {
	uint8_t status, kind, cls, alc;
	bool crypto;
	bool in_effect; /* keying material put into effect here (key-effective);
			 * false: in reserve, as every item comes on hand */
	uint32_t qty, effective, supersedes;
	account *acct;
	txn *last;  /* the transaction that last changed it */
	txn *under; /* issued: the issue; in transit or transferred: the transfer;
		     * incident: the incident report; otherwise NULL */
	size_t idlen;
	char id[];
} item;

#define ITEM_ID_MAX (ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + ENTRY_SERIAL_MAX + 3)

struct replay {
	uint64_t size;
	uint8_t last_leaf[SHA256_LEN];
	int64_t last_time;
	char origin[ENTRY_ORIGIN_MAX + 1];
	table accounts, outsides, persons, person_keys, items, txns;
	size_t nadmins; /* people who hold the administrator role */
	bool trust_signatures; /* replay_trust_signatures: no Ed25519 here */
	bool last_complete;    /* replay_last_complete */
	bool seeded;           /* replay_seed_head: holds only what one entry
				* touches, not the whole state */
	arena mem;
	/* the policies in force after the last entry, the entry that set
	 * each (0: its default), and every change in index order */
	int64_t pol[POL__COUNT];
	uint64_t pol_index[POL__COUNT];
	replay_policy_set *pol_hist;
	size_t npol_hist, cappol_hist;
};

static void account_key(const void *rec, const char **k, size_t *len)
{
	const account *a = rec;
	*k = a->number;
	*len = ENTRY_ACCOUNT_LEN;
}

static void outside_key(const void *rec, const char **k, size_t *len)
{
	const outside *o = rec;
	*k = o->number;
	*len = ENTRY_ACCOUNT_LEN;
}

static void person_key(const void *rec, const char **k, size_t *len)
{
	const person *p = rec;
	*k = p->key.name;
	*len = strlen(p->key.name);
}

/* A public key that is or was a person's (a rotated key stays theirs, so
 * that it is never enrolled again). */
typedef struct person_pk {
	uint8_t pk[KEY_PK_LEN];
	person *p;
} person_pk;

static void person_pk_key(const void *rec, const char **k, size_t *len)
{
	const person_pk *x = rec;
	*k = (const char *)x->pk;
	*len = KEY_PK_LEN;
}

/* The person whose key pk is or was, or NULL. */
static person *pk_owner(const replay *r, const uint8_t pk[KEY_PK_LEN])
{
	const person_pk *x = table_find(&r->person_keys, pk, KEY_PK_LEN);
	return x != NULL ? x->p : NULL;
}

/* Record in x (allocated, room reserved in person_keys) that pk is p's. */
static void add_pk(replay *r, person_pk *x, person *p, const uint8_t pk[KEY_PK_LEN])
{
	memcpy(x->pk, pk, KEY_PK_LEN);
	x->p = p;
	table_insert(&r->person_keys, x);
}

static void item_key(const void *rec, const char **k, size_t *len)
{
	const item *it = rec;
	*k = it->id;
	*len = it->idlen;
}

static void txn_key(const void *rec, const char **k, size_t *len)
{
	const txn *t = rec;
	*k = t->number;
	*len = strlen(t->number);
}

replay *replay_new(void)
{
	replay *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->accounts.key = account_key;
	r->outsides.key = outside_key;
	r->persons.key = person_key;
	r->person_keys.key = person_pk_key;
	r->items.key = item_key;
	r->txns.key = txn_key;
	for (int p = 0; p < POL__COUNT; p++)
		r->pol[p] = rules_policy_of((rules_policy)p)->dflt;
	return r;
}

void replay_trust_signatures(replay *r, bool trust)
{
	r->trust_signatures = trust;
}

void replay_free(replay *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->accounts.n; i++)
		free(((account *)r->accounts.list[i])->seqs);
	for (size_t i = 0; i < r->persons.n; i++)
		free(((person *)r->persons.list[i])->roles);
	table_free(&r->accounts);
	table_free(&r->outsides);
	table_free(&r->persons);
	table_free(&r->person_keys);
	table_free(&r->items);
	table_free(&r->txns);
	arena_free(&r->mem);
	free(r->pol_hist);
	free(r);
}

uint64_t replay_size(const replay *r)
{
	return r->size;
}

const uint8_t *replay_last_leaf(const replay *r)
{
	return r->last_leaf;
}

int64_t replay_last_time(const replay *r)
{
	return r->last_time;
}

bool replay_last_complete(const replay *r)
{
	return r->last_complete;
}

const char *replay_origin(const replay *r)
{
	return r->origin;
}

/* ---- small helpers ------------------------------------------------------- */

/* Refuse entry `index`: err reads "entry N: <what>". */
static status refuse(errbuf *err, status st, uint64_t index, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static status refuse(errbuf *err, status st, uint64_t index, const char *fmt, ...)
{
	char what[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(err, st, "entry %" PRIu64 ": %s", index, what);
}

/* Refuse the entry for a rule's refusal `why` (rules.h): its words after
 * "entry N: ", its code kept in err->why. */
static status refuse_rule(errbuf *err, uint64_t index, const errbuf *why)
{
	status st = refuse(err, ST_USAGE, index, "%s", why->msg);
	if (err != NULL)
		err->why = why->why;
	return st;
}


/* The position of role (ro, a) in p->roles, or p->nroles if p lacks it. */
static size_t find_role(const person *p, entry_role ro, const account *a)
{
	size_t i = 0;
	while (i < p->nroles && (p->roles[i].role != ro || p->roles[i].acct != a))
		i++;
	return i;
}

static bool has_role(const person *p, entry_role ro, const account *a)
{
	return find_role(p, ro, a) < p->nroles;
}

/* A person who may sign at all: holds some role other than auditor. */
static bool may_sign(const person *p)
{
	for (size_t i = 0; i < p->nroles; i++)
		if (p->roles[i].role != ROLE_AUDITOR)
			return true;
	return false;
}

/* Does p hold, on account a, a role that fits(r)? */
static bool role_on(const person *p, const account *a, bool (*fits)(entry_role))
{
	for (size_t i = 0; a != NULL && i < p->nroles; i++)
		if (p->roles[i].acct == a && fits(p->roles[i].role))
			return true;
	return false;
}

static bool custodian_of(const person *p, const account *a)
{
	return a != NULL && (has_role(p, ROLE_CUSTODIAN, a) || has_role(p, ROLE_ALTERNATE, a));
}

static account *find_account(const replay *r, const char *number)
{
	if (strlen(number) != ENTRY_ACCOUNT_LEN)
		return NULL;
	return table_find(&r->accounts, number, ENTRY_ACCOUNT_LEN);
}

static outside *find_outside(const replay *r, const char *number)
{
	if (strlen(number) != ENTRY_ACCOUNT_LEN)
		return NULL;
	return table_find(&r->outsides, number, ENTRY_ACCOUNT_LEN);
}

/* What `number` (an entry's account or peer) is to the ledger now. */
static rules_party party_of(const replay *r, const char *number)
{
	if (strcmp(number, "COR") == 0)
		return PARTY_COR;
	if (find_account(r, number) != NULL)
		return PARTY_LEDGER;
	return find_outside(r, number) != NULL ? PARTY_OUTSIDE : PARTY_UNKNOWN;
}

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static person *find_person(const replay *r, const char *name)
{
	return table_find(&r->persons, name, strlen(name));
}

static txn *find_txn(const replay *r, const char *number)
{
	return table_find(&r->txns, number, strlen(number));
}

static size_t item_id(const entry_item *it, char out[ITEM_ID_MAX])
{
	size_t n = 0;
	const char *parts[3] = {it->title, it->edition, it->serial};
	for (int i = 0; i < 3; i++) {
		size_t l = strlen(parts[i]);
		memcpy(out + n, parts[i], l + 1);
		n += l + 1;
	}
	return n;
}

static void item_facts(const item *x, entry_item *f)
{
	memset(f, 0, sizeof *f);
	f->kind = (item_kind)x->kind;
	f->alc = x->alc;
	f->cls = (item_class)x->cls;
	f->crypto = x->crypto;
	f->qty = x->qty;
	f->effective = x->effective;
	f->supersedes = x->supersedes;
	const char *p = x->id;
	snprintf(f->title, sizeof f->title, "%s", p);
	p += strlen(p) + 1;
	snprintf(f->edition, sizeof f->edition, "%s", p);
	p += strlen(p) + 1;
	snprintf(f->serial, sizeof f->serial, "%s", p);
}

static void item_set_facts(item *x, const entry_item *f)
{
	x->kind = (uint8_t)f->kind;
	x->alc = (uint8_t)f->alc;
	x->cls = (uint8_t)f->cls;
	x->crypto = f->crypto;
	x->qty = f->qty;
	x->effective = f->effective;
	x->supersedes = f->supersedes;
}

static int utc_year(int64_t us)
{
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(us, t);
	return (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
}

static txn_seq *find_seq(const account *a, int year)
{
	for (size_t i = 0; i < a->nseqs; i++)
		if (a->seqs[i].year == year)
			return &a->seqs[i];
	return NULL;
}

/* ---- phase 1: the chain -------------------------------------------------- */

static status check_chain(const replay *r, const entry *e, errbuf *err)
{
	uint64_t at = r->size;
	if (e->index != at)
		return refuse(err, ST_FORMAT, at,
			      "index field says %" PRIu64 ", but this is entry %" PRIu64
			      " of the log", e->index, at);
	if (at == 0 && e->action != ACT_GENESIS)
		return refuse(err, ST_FORMAT, at, "the first entry must be genesis, not %s",
			      entry_action_name(e->action));
	if (at > 0 && e->action == ACT_GENESIS)
		return refuse(err, ST_FORMAT, at, "only the first entry may be genesis");
	if (at > 0 && strcmp(e->origin, r->origin) != 0)
		return refuse(err, ST_FORMAT, at, "origin %s is not the log's origin %s", e->origin,
			      r->origin);
	if (memcmp(e->prev, r->last_leaf, SHA256_LEN) != 0)
		return refuse(err, ST_FORMAT, at,
			      at == 0 ? "prev must be zero in the first entry"
				      : "prev does not match the leaf hash of the previous entry");
	if (e->time_us < r->last_time) {
		char now[ENTRY_TIME_LEN + 1], before[ENTRY_TIME_LEN + 1];
		entry_time_format(e->time_us, now);
		entry_time_format(r->last_time, before);
		return refuse(err, ST_FORMAT, at,
			      "time goes backwards: %s is earlier than the previous entry's %s", now,
			      before);
	}
	return ST_OK;
}

/* ---- phase 2: signatures ------------------------------------------------- */

/* The registry as it stands at the entry's index: enrolled, unrevoked
 * persons (signers_check adds the key an enrolment enrols). */
static const key_public *registry_lookup(void *ctx, const char *name, size_t namelen,
					 const uint8_t id[KEY_ID_LEN])
{
	const replay *r = ctx;
	const person *p = table_find(&r->persons, name, namelen);
	if (p != NULL && !p->revoked && memcmp(p->key.id, id, KEY_ID_LEN) == 0)
		return &p->key;
	return NULL;
}

/* A verified signer: an enrolled person, or (p == NULL) the key being
 * enrolled. */
typedef struct signer {
	const key_public *key;
	const person *p;
} signer;

typedef struct signers {
	signer s[NOTE_MAX_SIGS];
	size_t n;
} signers;

/* Why each signature line of n matches no key of the registry, as
 * "key NAME is not enrolled; key NAME was revoked at entry N", into out. */
static void explain_untrusted(const replay *r, const entry *e, const note *n, char *out,
			      size_t cap)
{
	size_t pos = 0;
	out[0] = '\0';
	const key_public *enrolling = signers_enrolled(e);
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		if (registry_lookup((void *)r, s->name, s->namelen, s->id) != NULL)
			continue;
		if (enrolling != NULL && strlen(enrolling->name) == s->namelen &&
		    memcmp(enrolling->name, s->name, s->namelen) == 0 &&
		    memcmp(enrolling->id, s->id, KEY_ID_LEN) == 0)
			continue;
		const person *p = table_find(&r->persons, s->name, s->namelen);
		char why[96];
		if (p == NULL)
			snprintf(why, sizeof why, "is not enrolled");
		else if (memcmp(p->key.id, s->id, KEY_ID_LEN) != 0)
			snprintf(why, sizeof why, "has another key ID than the key in force since "
				 "entry %" PRIu64, p->key_index);
		else if (p->revoked)
			snprintf(why, sizeof why, "was revoked at entry %" PRIu64, p->revoked_index);
		else
			continue;
		int w = snprintf(out + pos, cap - pos, "%skey %.*s %s", pos ? "; " : "",
				 (int)(s->namelen > 64 ? 64 : s->namelen), s->name, why);
		if (w < 0 || (size_t)w >= cap - pos)
			break;
		pos += (size_t)w;
	}
}

static status check_signatures(const replay *r, const entry *e, const note *n, signers *out,
			       errbuf *err)
{
	const key_public *keys[NOTE_MAX_SIGS];
	size_t nkeys = 0;
	errbuf why = {0};
	status st = signers_check(e, n, registry_lookup, (void *)r, !r->trust_signatures, keys,
				  &nkeys, &why);
	if (st != ST_OK) {
		char untrusted[192];
		explain_untrusted(r, e, n, untrusted, sizeof untrusted);
		return refuse(err, st, r->size, "%s entry: %s%s%s%s", entry_action_name(e->action),
			      err_text(&why, st), untrusted[0] ? " (" : "", untrusted,
			      untrusted[0] ? ")" : "");
	}
	const key_public *enrolling = signers_enrolled(e);
	out->n = nkeys;
	for (size_t i = 0; i < nkeys; i++) {
		out->s[i].key = keys[i];
		out->s[i].p = keys[i] == enrolling ? NULL : find_person(r, keys[i]->name);
	}
	return ST_OK;
}

/* ---- phase 3: fields ----------------------------------------------------- */

/* What the later phases learn about the entry. */
typedef struct plan {
	uint64_t at;          /* the entry's index */
	account *acct;        /* the entry's account, when open */
	int year;             /* material actions: the transaction's year ... */
	uint64_t seq;         /* ... and number */
	txn *ref;             /* the transaction named by ref */
	person *holder;       /* issue, return: the holder; custodian-change: the
			       * incoming custodian */
	person *outgoing;     /* custodian-change: the custodian whose role ends */
	person *who;          /* key-*: the person the key line names (NULL: new) */
	bool accept_here;     /* accept: items come on this account (else the
			       * outside receiver's acknowledgement) */
	bool complete;        /* inventory, custodian-change: it lists every
			       * item held (rules_inventory_complete) */
	item *found[ENTRY_MAX_ITEMS]; /* per listed item: its record, NULL if new */
	item *lot[ENTRY_MAX_ITEMS];   /* per listed item: the lot it is a part of,
				       * split off by this entry; else NULL */
	/* phase 6 */
	bool made[ENTRY_MAX_ITEMS];
	txn *t;
	account *new_acct;
	outside *new_outside;
	person *new_person;
	struct person_pk *new_pk; /* genesis, key-enrol of a new person, key-rotate */
	const char *detail[2]; /* *-details: the values set, copied (NULL: kept) */
	int64_t pol[POL__COUNT]; /* policy-set: the values set (-1: kept) */
} plan;

#define ACCOUNT_NAME_MAX 200

static status check_txn_number(const replay *r, const entry *e, plan *pl, errbuf *err)
{
	uint64_t at = pl->at;
	int year = utc_year(e->time_us);
	int txyear = atoi(e->txn + 7);
	if (txyear != year)
		return refuse(err, ST_USAGE, at,
			      "transaction number %s is of %d, but the entry's time is in %d",
			      e->txn, txyear, year);
	uint64_t seq = 0;
	for (const char *p = e->txn + 12; *p; p++)
		seq = seq > UINT64_MAX / 20 ? UINT64_MAX / 2 : seq * 10 + (uint64_t)(*p - '0');
	const txn_seq *last = find_seq(pl->acct, year);
	uint64_t next = last != NULL ? last->last + 1 : 1;
	if (seq != next)
		return refuse(err, ST_USAGE, at,
			      "transaction number %s is out of sequence: the next of account %s "
			      "in %d is %s-%d-%04" PRIu64,
			      e->txn, e->account, year, e->account, year, next);
	if (find_txn(r, e->txn) != NULL) /* cannot happen when numbering holds */
		return refuse(err, ST_USAGE, at, "transaction number %s is already used", e->txn);
	pl->year = year;
	pl->seq = seq;
	return ST_OK;
}

/* The key line of genesis, key-enrol and key-revoke. */
static status check_key_line(const replay *r, const entry *e, plan *pl, errbuf *err)
{
	uint64_t at = pl->at;
	const char *act = entry_action_name(e->action);
	bool rotate = e->action == ACT_KEY_ROTATE;
	if (rotate && e->nkeys != 2)
		return refuse(err, ST_USAGE, at, "a key-rotate entry has exactly two key lines (the "
			      "key replaced, then the new key), not %zu", e->nkeys);
	if (!rotate && e->nkeys != 1)
		return refuse(err, ST_USAGE, at, "a %s entry has exactly one key line, not %zu", act,
			      e->nkeys);
	entry_role ro = e->keys[0].role;
	const key_public *k = &e->keys[0].key;
	if (rotate && (strcmp(e->keys[1].key.name, k->name) != 0 || e->keys[1].role != ro))
		return refuse(err, ST_USAGE, at, "a key-rotate entry's two key lines name one person "
			      "with one role, not %s %s and %s %s", entry_role_name(ro), k->name,
			      entry_role_name(e->keys[1].role), e->keys[1].key.name);
	if (e->action == ACT_GENESIS) {
		if (ro != ROLE_ADMINISTRATOR)
			return refuse(err, ST_USAGE, at,
				      "genesis enrols an administrator, not a %s",
				      entry_role_name(ro));
		if (e->account[0])
			return refuse(err, ST_USAGE, at, "genesis has no account");
		return ST_OK;
	}
	if (rules_account_role(ro)) {
		if (!e->account[0])
			return refuse(err, ST_USAGE, at, "the %s role needs an account", entry_role_name(ro));
		if ((pl->acct = find_account(r, e->account)) == NULL)
			return refuse(err, ST_USAGE, at, "account %s is not open", e->account);
	} else if (e->account[0]) {
		return refuse(err, ST_USAGE, at,
			      "%s is a whole-log role: the account must be -, not %s",
			      entry_role_name(ro), e->account);
	}
	person *p = find_person(r, k->name);
	pl->who = p;
	const person *owner = pk_owner(r, k->pk);
	const person *new_owner = rotate ? pk_owner(r, e->keys[1].key.pk) : NULL;
	rules_registrant x = {.found = p != NULL,
			      .same_key = p != NULL && memcmp(p->key.pk, k->pk, KEY_PK_LEN) == 0,
			      .key_owner = owner != NULL && owner != p ? owner->key.name : NULL,
			      .revoked = p != NULL && p->revoked,
			      .revoked_index = p != NULL ? p->revoked_index : 0,
			      .holds_role = p != NULL && has_role(p, ro, pl->acct),
			      .new_key_owner = new_owner != NULL ? new_owner->key.name : NULL};
	errbuf why = {0};
	if (rules_check_key_line(e, &x, &why) != ST_OK)
		return refuse_rule(err, at, &why);
	if (e->action == ACT_KEY_ENROL || rotate)
		return ST_OK;
	rules_revoke rv = {0};
	if (pl->acct != NULL) {
		/* what is issued to them there, and who else keeps the account */
		for (size_t i = 0; i < r->txns.n; i++) {
			const txn *t = r->txns.list[i];
			if (t->action == ACT_ISSUE && t->acct == pl->acct &&
			    strcmp(t->holder, k->name) == 0)
				rv.issued += t->count;
		}
		for (size_t i = 0; i < p->nroles; i++)
			rv.keeps_holder_role |= p->roles[i].acct == pl->acct && p->roles[i].role != ro &&
						rules_holder_role(p->roles[i].role);
		for (size_t i = 0; i < r->persons.n; i++) {
			const person *q = r->persons.list[i];
			rv.others += q != p && !q->revoked && custodian_of(q, pl->acct);
		}
	} else if (ro == ROLE_ADMINISTRATOR) {
		rv.others = r->nadmins - 1;
	}
	if (rules_check_revoke(e, &rv, &why) != ST_OK)
		return refuse_rule(err, at, &why);
	return ST_OK;
}

static status check_fields(const replay *r, const entry *e, plan *pl, errbuf *err)
{
	uint64_t at = pl->at;
	entry_action a = e->action;
	const char *act = entry_action_name(a);
	const rules_action *ra = rules_action_of(a);
	bool material = ra->material;
	bool key_action = ra->key_line;

	if (material && !e->txn[0])
		return refuse(err, ST_USAGE, at, "a %s entry needs a transaction number", act);
	if (!material && e->txn[0])
		return refuse(err, ST_USAGE, at, "a %s entry has no transaction number, not %s", act,
			      e->txn);
	bool wants_holder = ra->holder;
	if (wants_holder && !e->holder[0])
		return refuse(err, ST_USAGE, at, "a %s entry names the holder", act);
	if (!wants_holder && e->holder[0])
		return refuse(err, ST_USAGE, at, "a %s entry has no holder", act);
	bool wants_peer = ra->peer == REF_REQUIRED;
	if (wants_peer && !e->peer[0])
		return refuse(err, ST_USAGE, at, "a %s entry names the other side in peer", act);
	if (ra->peer == REF_NONE && e->peer[0])
		return refuse(err, ST_USAGE, at, "a %s entry has no peer", act);
	if (ra->ref == REF_NONE && e->ref[0])
		return refuse(err, ST_USAGE, at, "a %s entry answers no transaction (ref)", act);
	if (!key_action && e->nkeys > 0)
		return refuse(err, ST_USAGE, at, "a %s entry has no key lines", act);
	if (ra->items == ITEMS_NONE && e->nitems > 0)
		return refuse(err, ST_USAGE, at, "a %s entry lists no items", act);
	/* An inventory may sight nothing, an incident (personnel, say) may
	 * concern no item, and accept and incident-close list what is still
	 * under their ref, which may be nothing. */
	if (ra->items == ITEMS_SOME && e->nitems == 0)
		return refuse(err, ST_USAGE, at, "a %s entry lists at least one item", act);

	if (key_action)
		return check_key_line(r, e, pl, err);
	if (a == ACT_ACCOUNT_OPEN || a == ACT_ACCOUNT_OUTSIDE) {
		if (!e->account[0])
			return refuse(err, ST_USAGE, at, "%s names the account", act);
		errbuf why = {0};
		if (rules_check_account_new(e, party_of(r, e->account), &why) != ST_OK)
			return refuse_rule(err, at, &why);
		if (e->textlen < 1 || e->textlen > ACCOUNT_NAME_MAX)
			return refuse(err, ST_USAGE, at,
				      "the account's name (the entry's text) must be 1 to %d bytes",
				      ACCOUNT_NAME_MAX);
		if (memchr(e->text, '\0', e->textlen) != NULL)
			return refuse(err, ST_USAGE, at, "the account's name contains a NUL byte");
		return ST_OK;
	}
	if (a == ACT_POLICY_SET) {
		errbuf why = {0};
		if (e->account[0])
			return refuse(err, ST_USAGE, at, "a policy-set entry has no account");
		if (rules_check_policy(e, pl->pol, &why) != ST_OK)
			return refuse_rule(err, at, &why);
		return ST_OK;
	}
	if (a == ACT_ACCOUNT_DETAILS || a == ACT_PERSON_DETAILS) {
		if (a == ACT_ACCOUNT_DETAILS && !e->account[0])
			return refuse(err, ST_USAGE, at, "account-details names the account");
		if (a == ACT_PERSON_DETAILS && e->account[0])
			return refuse(err, ST_USAGE, at, "a person-details entry has no account");
		const person *p = a == ACT_PERSON_DETAILS ? find_person(r, e->holder) : NULL;
		errbuf why = {0};
		if (rules_check_details(e, party_of(r, e->account), p != NULL && !p->revoked,
					&why) != ST_OK)
			return refuse_rule(err, at, &why);
		return ST_OK;
	}

	/* Material actions. */
	if ((pl->acct = find_account(r, e->account)) == NULL)
		return refuse(err, ST_USAGE, at, "account %s is not open", e->account);
	status st = check_txn_number(r, e, pl, err);
	if (st != ST_OK)
		return st;
	if (wants_peer && strcmp(e->peer, e->account) == 0)
		return refuse(err, ST_USAGE, at, "peer must be another account than %s itself",
			      e->account);
	errbuf why = {0};
	if (rules_check_peer(e, party_of(r, e->peer), &why) != ST_OK)
		return refuse_rule(err, at, &why);
	if (rules_check_entry(e, &why) != ST_OK)
		return refuse_rule(err, at, &why);
	if (e->ref[0] && (pl->ref = find_txn(r, e->ref)) == NULL)
		return refuse(err, ST_USAGE, at, "transaction %s named in ref is not in the ledger",
			      e->ref);
	txn *t = pl->ref;
	switch (a) {
	case ACT_ACCEPT: {
		if (t->action != ACT_TRANSFER)
			return refuse(err, ST_USAGE, at, "%s named in ref is a %s, not a transfer",
				      t->number, entry_action_name(t->action));
		if (!t->open)
			return refuse(err, ST_USAGE, at, "transfer %s is no longer in transit",
				      t->number);
		const account *to = find_account(r, t->peer);
		if (to != NULL && to == pl->acct) {
			pl->accept_here = true;
		} else if (to == NULL && t->acct == pl->acct) {
			pl->accept_here = false;
		} else if (to != NULL) {
			return refuse(err, ST_USAGE, at,
				      "transfer %s goes to account %s, which records its acceptance, "
				      "not account %s",
				      t->number, t->peer, e->account);
		} else {
			return refuse(err, ST_USAGE, at,
				      "transfer %s went from account %s to %s outside this ledger; "
				      "only account %s records the acknowledgement",
				      t->number, t->acct->number, t->peer, t->acct->number);
		}
		const char *other = pl->accept_here ? t->acct->number : t->peer;
		if (e->peer[0] && strcmp(e->peer, other) != 0)
			return refuse(err, ST_USAGE, at, "peer of this accept must be %s, not %s",
				      other, e->peer);
		break;
	}
	case ACT_TRANSFER_REJECT:
	case ACT_TRANSFER_RECALL: {
		if (t->action != ACT_TRANSFER)
			return refuse(err, ST_USAGE, at, "%s named in ref is a %s, not a transfer",
				      t->number, entry_action_name(t->action));
		if (!t->open)
			return refuse(err, ST_USAGE, at, "transfer %s is no longer in transit",
				      t->number);
		/* A rejection is the receiver's, recorded by the sender for an
		 * account outside this ledger; a recall is the sender's. */
		const account *to = find_account(r, t->peer);
		const account *by = a == ACT_TRANSFER_REJECT && to != NULL ? to : t->acct;
		if (by != pl->acct)
			return refuse(err, ST_USAGE, at,
				      "transfer %s from account %s to %s is %s by account %s, "
				      "not account %s",
				      t->number, t->acct->number, t->peer,
				      a == ACT_TRANSFER_REJECT ? "rejected" : "recalled", by->number,
				      e->account);
		const char *other = by == t->acct ? t->peer : t->acct->number;
		if (e->peer[0] && strcmp(e->peer, other) != 0)
			return refuse(err, ST_USAGE, at, "peer of this %s must be %s, not %s",
				      entry_action_name(a), other, e->peer);
		break;
	}
	case ACT_ISSUE: {
		person *h = find_person(r, e->holder);
		if (h == NULL || h->revoked)
			return refuse(err, ST_USAGE, at, "holder %s is not an enrolled person",
				      e->holder);
		if (!role_on(h, pl->acct, rules_holder_role))
			return refuse(err, ST_USAGE, at,
				      "%s holds no holder, witness, custodian or alternate role on "
				      "account %s, so cannot sign a hand receipt there",
				      e->holder, e->account);
		pl->holder = h;
		break;
	}
	case ACT_RETURN:
		if (t->action != ACT_ISSUE || t->acct != pl->acct)
			return refuse(err, ST_USAGE, at, "%s named in ref is not an issue of account %s",
				      t->number, e->account);
		if (strcmp(t->holder, e->holder) != 0)
			return refuse(err, ST_USAGE, at, "issue %s was to %s, not to %s", t->number,
				      t->holder, e->holder);
		pl->holder = find_person(r, e->holder);
		break;
	case ACT_CUSTODIAN_CHANGE: {
		person *in = find_person(r, e->holder);
		rules_incoming x = {.found = in != NULL,
				    .may_sign = in != NULL && !in->revoked && may_sign(in),
				    .custodian = in != NULL && has_role(in, ROLE_CUSTODIAN, pl->acct)};
		if (rules_check_incoming(e, &x, &why) != ST_OK)
			return refuse_rule(err, at, &why);
		pl->holder = in;
		break;
	}
	case ACT_POSSESSION:
		if (t != NULL && (!rules_opens_incident(t->action, t->category) || t->acct != pl->acct))
			return refuse(err, ST_USAGE, at,
				      "%s named in ref is not an incident of account %s", t->number,
				      e->account);
		break;
	case ACT_INCIDENT_UPDATE:
	case ACT_INCIDENT_CLOSE:
		if (!rules_opens_incident(t->action, t->category) || t->acct != pl->acct)
			return refuse(err, ST_USAGE, at,
				      "%s named in ref is not an incident of account %s", t->number,
				      e->account);
		if (!t->open)
			return refuse(err, ST_USAGE, at, "incident %s is already closed", t->number);
		if (e->category != CAT_NONE && e->category != t->category)
			return refuse(err, ST_USAGE, at, "incident %s is %s, not %s", t->number,
				      entry_category_name(t->category),
				      entry_category_name(e->category));
		break;
	default:
		break;
	}
	return ST_OK;
}

/* ---- phase 4: roles ------------------------------------------------------ */

static bool fits(const signer *s, rules_need nd, const entry *e, const plan *pl)
{
	const person *p = s->p;
	/* the key line's key (key-rotate: the key replaced) */
	bool is_key_line = e->nkeys > 0 && memcmp(s->key->pk, e->keys[0].key.pk, KEY_PK_LEN) == 0;
	switch (nd) {
	case NEED_NOTHING:
		return true;
	case NEED_ENROLLEE:
		return is_key_line;
	case NEED_ADMIN:
		return p != NULL && has_role(p, ROLE_ADMINISTRATOR, NULL);
	case NEED_CUSTODIAN:
		return p != NULL && custodian_of(p, pl->acct);
	case NEED_WITNESS:
		return p != NULL && role_on(p, pl->acct, rules_witness_role);
	case NEED_HOLDER:
		return p != NULL && may_sign(p) && strcmp(p->key.name, e->holder) == 0;
	case NEED_HOLDER_OR_WITNESS:
		return p != NULL && ((may_sign(p) && strcmp(p->key.name, e->holder) == 0) ||
				     role_on(p, pl->acct, rules_witness_role));
	case NEED_AUTHORITY:
		return p != NULL && has_role(p, ROLE_AUTHORITY, NULL);
	case NEED_ENROL_SECOND:
		return is_key_line || (p != NULL && may_sign(p));
	case NEED_REVOKE_SECOND:
		return p != NULL && may_sign(p) && !is_key_line;
	case NEED_OUTGOING:
		return p != NULL && has_role(p, ROLE_CUSTODIAN, pl->acct) &&
		       strcmp(p->key.name, e->holder) != 0;
	case NEED_INCOMING:
		return p != NULL && may_sign(p) && strcmp(p->key.name, e->holder) == 0;
	case NEED_ROTATE_SECOND:
		return is_key_line || (p != NULL && may_sign(p) &&
				       (has_role(p, ROLE_ADMINISTRATOR, NULL) ||
					has_role(p, ROLE_AUTHORITY, NULL)));
	case NEED_SECOND:
		return p != NULL && may_sign(p) &&
		       (has_role(p, ROLE_ADMINISTRATOR, NULL) || has_role(p, ROLE_AUTHORITY, NULL));
	}
	return false;
}

/* The signers hold what the action needs; a change of custodian also
 * learns whose custodian role ends (the first signer who fits). */
static status check_roles(const replay *r, const entry *e, const signers *sg, plan *pl,
			  errbuf *err)
{
	rules_need first, second;
	rules_signers(e, r->pol[POL_TWO_PERSON_KEY_CLASS], &first, &second);
	bool any_first = false;
	for (size_t i = 0; i < sg->n; i++) {
		if (!fits(&sg->s[i], first, e, pl))
			continue;
		any_first = true;
		if (e->action == ACT_CUSTODIAN_CHANGE)
			pl->outgoing = (person *)sg->s[i].p;
		if (second == NEED_NOTHING)
			return ST_OK;
		for (size_t j = 0; j < sg->n; j++)
			if (j != i && fits(&sg->s[j], second, e, pl))
				return ST_OK;
	}
	char names[160] = "", w1[KEY_NAME_MAX + 64], w2[KEY_NAME_MAX + 64];
	for (size_t i = 0; i < sg->n; i++) {
		size_t l = strlen(names);
		snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", sg->s[i].key->name);
	}
	status st;
	if (!any_first)
		st = refuse(err, ST_PERM, pl->at, "a %s entry needs %s among its signers; signed by %s",
			    entry_action_name(e->action), rules_need_words(first, e, w1, sizeof w1),
			    names);
	else
		st = refuse(err, ST_PERM, pl->at, "a %s entry needs %s besides %s; signed by %s",
			    entry_action_name(e->action), rules_need_words(second, e, w2, sizeof w2),
			    rules_need_words(first, e, w1, sizeof w1), names);
	if (err != NULL)
		err->why = RULE_SIGNERS;
	return st;
}

/* ---- phase 5: items ------------------------------------------------------ */

/* What the rules see of record x (NULL: not on record); facts is room for
 * its facts. */
static void describe(const item *x, rules_item *ri, entry_item *facts)
{
	memset(ri, 0, sizeof *ri);
	ri->found = x != NULL;
	if (x == NULL)
		return;
	item_facts(x, facts);
	ri->status = (item_status)x->status;
	ri->account = x->acct->number;
	ri->holder = x->status == ITEM_ISSUED && x->under ? x->under->holder : "";
	ri->under = x->under != NULL ? x->under->number : "";
	ri->facts = facts;
	ri->in_effect = x->in_effect;
}

static int cmp_item(const void *a, const void *b);

/* The list of account ac for a certification by action a, from the whole
 * state this replay holds: its count and digest (rules_list_digest).
 * ST_NOMEM. */
static status account_list(const replay *r, const account *ac, entry_action a,
			   uint8_t out[SHA256_LEN], uint64_t *count)
{
	size_t n = 0;
	for (size_t i = 0; i < r->items.n; i++) {
		const item *x = r->items.list[i];
		n += x->acct == ac && rules_list_counts(a, x->alc, (item_status)x->status);
	}
	const item **v = malloc((n ? n : 1) * sizeof *v);
	if (v == NULL)
		return ST_NOMEM;
	n = 0;
	for (size_t i = 0; i < r->items.n; i++) {
		const item *x = r->items.list[i];
		if (x->acct == ac && rules_list_counts(a, x->alc, (item_status)x->status))
			v[n++] = x;
	}
	qsort(v, n, sizeof *v, cmp_item);
	rules_list_digest d;
	rules_list_digest_init(&d);
	for (size_t i = 0; i < n; i++) {
		entry_item f;
		item_facts(v[i], &f);
		if (!rules_list_digest_add(&d, f.title, f.edition, f.serial, f.qty))
			break; /* cannot be: the ids are distinct and valid */
	}
	rules_list_digest_final(&d, out, count);
	free(v);
	return ST_OK;
}

static status check_items(const replay *r, const entry *e, plan *pl, errbuf *err)
{
	errbuf why = {0};
	status st = rules_check_distinct(e, &why);
	for (size_t k = 0; k < e->nitems && st == ST_OK; k++) {
		const entry_item *it = &e->items[k];
		char id[ITEM_ID_MAX];
		item *x = table_find(&r->items, id, item_id(it, id));
		pl->found[k] = x;
		pl->lot[k] = NULL;
		entry_item facts, lot_facts;
		rules_item ri, lot;
		describe(x, &ri, &facts);
		entry_item parent = *it;
		if (x == NULL && rules_split_parent(e, k, parent.serial) &&
		    (pl->lot[k] = table_find(&r->items, id, item_id(&parent, id))) != NULL) {
			describe(pl->lot[k], &lot, &lot_facts);
			ri.lot = &lot;
		}
		st = rules_check_item(e, k, &ri, &why);
	}
	/* Each listed item is checked and none twice; how many of them are
	 * still under ref decides the count (an accept recording a discrepancy
	 * lists what arrived). */
	const txn *ref = pl->ref;
	if (st == ST_OK && (e->action == ACT_ACCEPT || e->action == ACT_INCIDENT_CLOSE ||
			    e->action == ACT_TRANSFER_REJECT || e->action == ACT_TRANSFER_RECALL)) {
		uint64_t listed = 0;
		for (size_t k = 0; k < e->nitems; k++)
			listed += pl->found[k] != NULL && pl->found[k]->under == ref &&
				  (pl->found[k]->status == ITEM_IN_TRANSIT ||
				   pl->found[k]->status == ITEM_INCIDENT);
		st = rules_check_count(e, listed, ref->count, ref->number, &why);
	}
	if (st == ST_OK && (e->action == ACT_CUSTODIAN_CHANGE || e->action == ACT_INVENTORY)) {
		uint64_t listed = 0, nheld = pl->acct->held > 0 ? (uint64_t)pl->acct->held : 0;
		for (size_t k = 0; k < e->nitems; k++)
			listed += pl->found[k] != NULL && pl->found[k]->acct == pl->acct &&
				  (pl->found[k]->status == ITEM_ON_HAND ||
				   pl->found[k]->status == ITEM_ISSUED);
		pl->complete = rules_inventory_complete(e, listed, nheld);
		st = rules_check_count(e, listed, nheld, NULL, &why);
	}
	if (st == ST_OK && rules_is_certification(e)) {
		uint64_t n = 0;
		uint8_t d[SHA256_LEN];
		if (!r->seeded) {
			if ((st = account_list(r, pl->acct, e->action, d, &n)) != ST_OK)
				return refuse(err, st, pl->at, "out of memory");
		} else if (pl->acct->list_seeded && pl->acct->list_action == e->action) {
			n = pl->acct->list_count;
			memcpy(d, pl->acct->list_sha256, SHA256_LEN);
		} else {
			return refuse(err, ST_USAGE, pl->at,
				      "a certification of account %s, but the list of the account "
				      "was not given to judge it", pl->acct->number);
		}
		st = rules_check_certification(e, n, d, &why);
		pl->complete = st == ST_OK;
	}
	return st == ST_OK ? ST_OK : refuse_rule(err, pl->at, &why);
}

/* ---- phase 6: allocation ------------------------------------------------- */

/* arr (of *cap elements of elem bytes) with room for at least `want`: the
 * same or a moved array, or NULL when out of memory (arr is then intact). */
static void *grow(void *arr, size_t *cap, size_t want, size_t elem)
{
	if (want <= *cap)
		return arr;
	size_t n = *cap ? *cap * 2 : 4;
	while (n < want)
		n *= 2;
	void *p = realloc(arr, n * elem);
	if (p != NULL)
		*cap = n;
	return p;
}

/* Allocate every record and all room the change needs.  On failure the
 * records made here are given back; any extra capacity stays, harmless. */
static status reserve(replay *r, const entry *e, plan *pl, errbuf *err)
{
	arena_mark mark = arena_get_mark(&r->mem);
	size_t fresh = 0;
	entry_action a = e->action;

	if (rules_action_of(a)->material) {
		account *ac = pl->acct;
		txn_seq *seqs = grow(ac->seqs, &ac->capseqs, ac->nseqs + 1, sizeof *seqs);
		if (seqs == NULL)
			goto nomem;
		ac->seqs = seqs;
		if (!table_reserve(&r->txns, 1) ||
		    (pl->t = arena_alloc(&r->mem, sizeof *pl->t)) == NULL)
			goto nomem;
		memset(pl->t, 0, sizeof *pl->t);
	}
	for (size_t k = 0; k < e->nitems; k++) {
		pl->made[k] = false;
		if (pl->found[k] != NULL)
			continue;
		char id[ITEM_ID_MAX];
		size_t idlen = item_id(&e->items[k], id);
		item *x = arena_alloc(&r->mem, sizeof *x + idlen);
		if (x == NULL)
			goto nomem;
		memset(x, 0, sizeof *x);
		memcpy(x->id, id, idlen);
		x->idlen = idlen;
		pl->found[k] = x;
		pl->made[k] = true;
		fresh++;
	}
	if (fresh > 0 && !table_reserve(&r->items, fresh))
		goto nomem;
	if (a == ACT_ACCOUNT_OPEN) {
		account *ac = arena_alloc(&r->mem, sizeof *ac);
		char *name = arena_alloc(&r->mem, e->textlen + 1);
		if (ac == NULL || name == NULL || !table_reserve(&r->accounts, 1))
			goto nomem;
		memset(ac, 0, sizeof *ac);
		memcpy(name, e->text, e->textlen);
		name[e->textlen] = '\0';
		ac->name = name;
		pl->new_acct = ac;
	}
	if (a == ACT_ACCOUNT_OUTSIDE) {
		outside *o = arena_alloc(&r->mem, sizeof *o);
		char *name = arena_alloc(&r->mem, e->textlen + 1);
		if (o == NULL || name == NULL || !table_reserve(&r->outsides, 1))
			goto nomem;
		memset(o, 0, sizeof *o);
		memcpy(name, e->text, e->textlen);
		name[e->textlen] = '\0';
		o->name = name;
		pl->new_outside = o;
	}
	if (a == ACT_ACCOUNT_OUTSIDE || a == ACT_ACCOUNT_DETAILS || a == ACT_PERSON_DETAILS) {
		/* the values, in the order of entry_detail_names (address first;
		 * position, rank) */
		size_t req;
		const char *const *names = entry_detail_names(a, &req);
		for (size_t i = 0; i < 2 && names[i] != NULL; i++) {
			const char *v = entry_detail_value(e, names[i]);
			pl->detail[i] = NULL;
			if (v != NULL && (pl->detail[i] = arena_strdup(&r->mem, v)) == NULL)
				goto nomem;
		}
	}
	if (((a == ACT_GENESIS || a == ACT_KEY_ENROL) && pl->who == NULL) || a == ACT_KEY_ROTATE) {
		pl->new_pk = arena_alloc(&r->mem, sizeof *pl->new_pk);
		if (pl->new_pk == NULL || !table_reserve(&r->person_keys, 1))
			goto nomem;
	}
	if (a == ACT_POLICY_SET) {
		replay_policy_set *h = grow(r->pol_hist, &r->cappol_hist,
					    r->npol_hist + POL__COUNT, sizeof *h);
		if (h == NULL)
			goto nomem;
		r->pol_hist = h;
	}
	if ((a == ACT_GENESIS || a == ACT_KEY_ENROL) && pl->who == NULL) {
		person *p = arena_alloc(&r->mem, sizeof *p);
		if (p == NULL || !table_reserve(&r->persons, 1))
			goto nomem;
		memset(p, 0, sizeof *p);
		if ((p->roles = grow(NULL, &p->caproles, 1, sizeof *p->roles)) == NULL)
			goto nomem;
		pl->new_person = p;
	} else if (a == ACT_KEY_ENROL || a == ACT_CUSTODIAN_CHANGE) {
		person *p = a == ACT_KEY_ENROL ? pl->who : pl->holder;
		role_rec *roles = grow(p->roles, &p->caproles, p->nroles + 1, sizeof *roles);
		if (roles == NULL)
			goto nomem;
		p->roles = roles;
	}
	return ST_OK;
nomem:
	if (pl->new_person != NULL)
		free(pl->new_person->roles);
	pl->new_person = NULL;
	arena_rollback(&r->mem, mark);
	return refuse(err, ST_NOMEM, pl->at, "out of memory");
}

/* ---- phase 7: the change ------------------------------------------------- */

/* An item leaves the transaction it was under. */
static void leave_under(item *x)
{
	if (x->under != NULL && (x->status == ITEM_ISSUED || x->status == ITEM_IN_TRANSIT ||
				 x->status == ITEM_INCIDENT))
		x->under->count--;
	x->under = NULL;
}

/* Is x counted in its account's `held`? */
static bool held(const item *x)
{
	return x->acct != NULL && (x->status == ITEM_ON_HAND || x->status == ITEM_ISSUED);
}

static void commit_items(replay *r, const entry *e, plan *pl)
{
	txn *t = pl->t;
	for (size_t k = 0; k < e->nitems; k++) {
		item *x = pl->found[k];
		const entry_item *it = &e->items[k];
		if (pl->made[k]) {
			item_set_facts(x, it);
			table_insert(&r->items, x);
		}
		if (pl->lot[k] != NULL) {
			/* a part split off a lot: the lot keeps the rest, the part
			 * starts where the lot is and takes the action's effect */
			item *lot = pl->lot[k];
			lot->qty -= it->qty;
			x->acct = lot->acct;
			x->status = lot->status;
			x->in_effect = lot->in_effect;
			x->last = lot->last;
		} else if (!pl->made[k] && held(x)) {
			x->acct->held--; /* counted again below if it still is */
		}
		switch (e->action) {
		case ACT_RECEIPT:
		case ACT_POSSESSION:
			item_set_facts(x, it); /* new facts for transferred material */
			leave_under(x);
			x->status = ITEM_ON_HAND;
			x->acct = pl->acct;
			x->in_effect = false; /* comes in reserve */
			break;
		case ACT_TRANSFER:
			x->in_effect = false; /* arrives in reserve, wherever it goes */
			x->status = ITEM_IN_TRANSIT;
			x->under = t;
			t->count++;
			break;
		case ACT_ACCEPT:
			if (x->under != pl->ref || x->status != ITEM_IN_TRANSIT) {
				/* came extra (a discrepancy): on hand here, as received */
				item_set_facts(x, it);
				x->in_effect = false;
				leave_under(x);
				x->status = ITEM_ON_HAND;
				x->acct = pl->acct;
				break;
			}
			leave_under(x);
			if (pl->accept_here) {
				x->status = ITEM_ON_HAND;
				x->acct = pl->acct;
			} else {
				x->status = ITEM_TRANSFERRED;
				x->under = pl->ref; /* the receiver stays on record */
			}
			break;
		case ACT_TRANSFER_REJECT:
		case ACT_TRANSFER_RECALL:
			/* back on hand at the sending account */
			leave_under(x);
			x->status = ITEM_ON_HAND;
			x->acct = find_account(r, pl->ref->acct->number);
			break;
		case ACT_ISSUE:
			x->status = ITEM_ISSUED;
			x->under = t;
			t->count++;
			break;
		case ACT_RETURN:
			leave_under(x);
			x->status = ITEM_ON_HAND;
			break;
		case ACT_DESTROY:
			leave_under(x);
			x->status = ITEM_DESTROYED;
			break;
		case ACT_INCIDENT_REPORT:
			leave_under(x);
			x->status = ITEM_INCIDENT;
			x->under = t;
			t->count++;
			break;
		case ACT_INCIDENT_CLOSE:
			/* The authority's decision: back on hand (no compromise,
			 * or to be destroyed as directed), or relieved under the
			 * incident (compromised, lost, or a v1 close), where a
			 * possession report referencing it can restore it. */
			leave_under(x);
			if (e->outcome == OUTCOME_NO_COMPROMISE || e->outcome == OUTCOME_DESTROY) {
				x->status = ITEM_ON_HAND;
			} else {
				x->status = ITEM_RELIEVED;
				x->under = pl->ref;
			}
			break;
		case ACT_ALC_CHANGE:
		case ACT_KEY_EFFECTIVE:
			/* Its accounting or its use changes, not its custody: the
			 * item stays under the transaction it is under (an issue's
			 * hand receipt), which remains its last. */
			if (e->action == ACT_ALC_CHANGE)
				x->alc = (uint8_t)rules_alc_of(e);
			else
				x->in_effect = true;
			if (held(x))
				x->acct->held++;
			continue;
		default: /* inventory, custodian-change: the items do not change */
			if (held(x))
				x->acct->held++;
			continue;
		}
		x->last = t;
		if (held(x))
			x->acct->held++;
	}
}

static void commit(replay *r, const entry *e, plan *pl)
{
	entry_action a = e->action;
	if (rules_action_of(a)->material) {
		txn *t = pl->t;
		snprintf(t->number, sizeof t->number, "%s", e->txn);
		t->action = a;
		t->index = pl->at;
		t->time_us = e->time_us;
		t->acct = pl->acct;
		snprintf(t->peer, sizeof t->peer, "%s", e->peer);
		snprintf(t->ref, sizeof t->ref, "%s", e->ref);
		t->holder = pl->holder != NULL ? pl->holder->key.name : "";
		t->category = e->category;
		t->discovered_us = e->discovered_us;
		table_insert(&r->txns, t);
		txn_seq *sq = find_seq(pl->acct, pl->year);
		if (sq == NULL) {
			sq = &pl->acct->seqs[pl->acct->nseqs++];
			sq->year = pl->year;
		}
		sq->last = pl->seq;
		commit_items(r, e, pl);
		switch (a) {
		case ACT_TRANSFER:
		case ACT_INCIDENT_REPORT:
			t->open = true;
			break;
		case ACT_ACCEPT:
			/* in transit while items are (a short shipment); a
			 * discrepancy opens an incident of this account */
			pl->ref->open = pl->ref->count > 0;
			t->open = e->category != CAT_NONE;
			break;
		case ACT_TRANSFER_REJECT:
		case ACT_TRANSFER_RECALL:
			pl->ref->open = false; /* every item is back */
			break;
		case ACT_INVENTORY:
			/* a spot or shift check leaves the clock */
			if (pl->complete)
				pl->acct->last_inventory_us = e->time_us;
			break;
		case ACT_CUSTODIAN_CHANGE: {
			/* a full inventory; accountability passes at this index */
			pl->acct->last_inventory_us = e->time_us;
			person *in = pl->holder, *out = pl->outgoing;
			in->roles[in->nroles++] = (role_rec){ROLE_CUSTODIAN, pl->acct, pl->at};
			out->roles[find_role(out, ROLE_CUSTODIAN, pl->acct)] = out->roles[out->nroles - 1];
			out->nroles--;
			if (out->nroles == 0) {
				out->revoked = true;
				out->revoked_index = pl->at;
			}
			break;
		}
		case ACT_INCIDENT_UPDATE:
			pl->ref->updates++;
			pl->ref->last_update_us = e->time_us;
			break;
		case ACT_INCIDENT_CLOSE:
			pl->ref->open = false;
			pl->ref->closed_index = pl->at;
			pl->ref->closed_us = e->time_us;
			pl->ref->outcome = e->outcome;
			break;
		default:
			break;
		}
		return;
	}
	if (a == ACT_ACCOUNT_OPEN) {
		account *ac = pl->new_acct;
		snprintf(ac->number, sizeof ac->number, "%s", e->account);
		ac->opened_index = pl->at;
		ac->opened_us = e->time_us;
		table_insert(&r->accounts, ac);
		return;
	}
	if (a == ACT_ACCOUNT_OUTSIDE) {
		outside *o = pl->new_outside;
		snprintf(o->number, sizeof o->number, "%s", e->account);
		o->address = or_empty(pl->detail[0]);
		o->registered_index = pl->at;
		table_insert(&r->outsides, o);
		return;
	}
	if (a == ACT_ACCOUNT_DETAILS) {
		/* a detail not given keeps its value */
		account *ac = find_account(r, e->account);
		if (ac != NULL) {
			ac->address = pl->detail[0] ? pl->detail[0] : ac->address;
			ac->cor_account = pl->detail[1] ? pl->detail[1] : ac->cor_account;
			ac->details_index = pl->at;
		} else {
			outside *o = find_outside(r, e->account);
			o->address = pl->detail[0] ? pl->detail[0] : o->address;
			o->details_index = pl->at;
		}
		return;
	}
	if (a == ACT_POLICY_SET) {
		for (int p = 0; p < POL__COUNT; p++)
			if (pl->pol[p] >= 0) {
				r->pol[p] = pl->pol[p];
				r->pol_index[p] = pl->at;
				r->pol_hist[r->npol_hist++] =
					(replay_policy_set){pl->at, (rules_policy)p, pl->pol[p]};
			}
		return;
	}
	if (a == ACT_PERSON_DETAILS) {
		person *p = find_person(r, e->holder);
		p->position = pl->detail[0] ? pl->detail[0] : p->position;
		p->rank = pl->detail[1] ? pl->detail[1] : p->rank;
		p->details_index = pl->at;
		return;
	}
	if (a == ACT_GENESIS)
		snprintf(r->origin, sizeof r->origin, "%s", e->origin);
	entry_role ro = e->keys[0].role;
	person *p = pl->who;
	if (a == ACT_GENESIS || a == ACT_KEY_ENROL) {
		if (p == NULL) {
			p = pl->new_person;
			p->key = e->keys[0].key;
			p->enrolled_index = p->key_index = pl->at;
			table_insert(&r->persons, p);
			add_pk(r, pl->new_pk, p, p->key.pk);
		}
		p->roles[p->nroles++] = (role_rec){ro, pl->acct, pl->at};
		if (ro == ROLE_ADMINISTRATOR)
			r->nadmins++;
		return;
	}
	if (a == ACT_KEY_ROTATE) {
		/* the old key signs no more; it stays the person's, never enrolled again */
		p->key = e->keys[1].key;
		p->key_index = pl->at;
		add_pk(r, pl->new_pk, p, p->key.pk);
		return;
	}
	/* key-revoke */
	p->roles[find_role(p, ro, pl->acct)] = p->roles[p->nroles - 1];
	p->nroles--;
	if (ro == ROLE_ADMINISTRATOR)
		r->nadmins--;
	if (p->nroles == 0) {
		p->revoked = true;
		p->revoked_index = pl->at;
	}
}

/* ---- seeding: a partial state read from the database --------------------- */


status replay_seed_policy(replay *r, rules_policy p, int64_t value, uint64_t set_index)
{
	const rules_policy_def *def = rules_policy_of(p);
	if (def == NULL || value < def->min || value > def->max ||
	    (set_index != 0 && set_index >= r->size))
		return ST_FORMAT;
	r->pol[p] = value;
	r->pol_index[p] = set_index;
	return ST_OK;
}

/* ---- policy ------------------------------------------------------------------ */

int64_t replay_policy(const replay *r, rules_policy p, uint64_t *set_index)
{
	if (set_index != NULL)
		*set_index = (unsigned)p < POL__COUNT ? r->pol_index[p] : 0;
	return (unsigned)p < POL__COUNT ? r->pol[p] : -1;
}

int64_t replay_policy_at(const replay *r, rules_policy p, uint64_t index)
{
	const rules_policy_def *def = rules_policy_of(p);
	if (def == NULL)
		return -1;
	int64_t v = def->dflt;
	for (size_t i = 0; i < r->npol_hist && r->pol_hist[i].index < index; i++)
		if (r->pol_hist[i].policy == p)
			v = r->pol_hist[i].value;
	return v;
}

void replay_each_policy_set(const replay *r, bool (*fn)(void *ctx, const replay_policy_set *s),
			    void *ctx)
{
	for (size_t i = 0; i < r->npol_hist; i++)
		if (!fn(ctx, &r->pol_hist[i]))
			return;
}

void replay_seed_head(replay *r, const char *origin, uint64_t size,
		      const uint8_t last_leaf[SHA256_LEN], int64_t last_time_us)
{
	snprintf(r->origin, sizeof r->origin, "%s", origin);
	r->size = size;
	memcpy(r->last_leaf, last_leaf, SHA256_LEN);
	r->last_time = last_time_us;
	r->seeded = true;
}

status replay_seed_account(replay *r, const replay_account *a)
{
	if (strlen(a->number) != ENTRY_ACCOUNT_LEN)
		return ST_FORMAT;
	if (find_account(r, a->number) != NULL)
		return ST_EXISTS;
	account *ac = arena_alloc(&r->mem, sizeof *ac);
	char *name = arena_strdup(&r->mem, a->name);
	if (ac == NULL || name == NULL || !table_reserve(&r->accounts, 1))
		return ST_NOMEM;
	memset(ac, 0, sizeof *ac);
	memcpy(ac->number, a->number, ENTRY_ACCOUNT_LEN + 1);
	ac->name = name;
	ac->opened_index = a->opened_index;
	ac->opened_us = a->opened_us;
	ac->last_inventory_us = a->last_inventory_us;
	ac->held = (int64_t)a->held;
	ac->address = arena_strdup(&r->mem, or_empty(a->address));
	ac->cor_account = arena_strdup(&r->mem, or_empty(a->cor_account));
	if (ac->address == NULL || ac->cor_account == NULL)
		return ST_NOMEM;
	ac->details_index = a->details_index;
	ac->list_seeded = a->list_seeded;
	ac->list_action = a->list_action;
	ac->list_count = a->list_count;
	memcpy(ac->list_sha256, a->list_sha256, SHA256_LEN);
	table_insert(&r->accounts, ac);
	return ST_OK;
}

status replay_seed_outside(replay *r, const replay_outside *o)
{
	if (strlen(o->number) != ENTRY_ACCOUNT_LEN)
		return ST_FORMAT;
	if (find_outside(r, o->number) != NULL || find_account(r, o->number) != NULL)
		return ST_EXISTS;
	outside *x = arena_alloc(&r->mem, sizeof *x);
	if (x == NULL || !table_reserve(&r->outsides, 1))
		return ST_NOMEM;
	memset(x, 0, sizeof *x);
	memcpy(x->number, o->number, ENTRY_ACCOUNT_LEN + 1);
	x->name = arena_strdup(&r->mem, or_empty(o->name));
	x->address = arena_strdup(&r->mem, or_empty(o->address));
	if (x->name == NULL || x->address == NULL)
		return ST_NOMEM;
	x->registered_index = o->registered_index;
	x->details_index = o->details_index;
	table_insert(&r->outsides, x);
	return ST_OK;
}

status replay_seed_seq(replay *r, const char *number, int year, uint64_t last)
{
	account *ac = find_account(r, number);
	if (ac == NULL)
		return ST_NOTFOUND;
	txn_seq *sq = find_seq(ac, year);
	if (sq == NULL) {
		txn_seq *seqs = grow(ac->seqs, &ac->capseqs, ac->nseqs + 1, sizeof *seqs);
		if (seqs == NULL)
			return ST_NOMEM;
		ac->seqs = seqs;
		sq = &ac->seqs[ac->nseqs++];
		sq->year = year;
	}
	sq->last = last;
	return ST_OK;
}

status replay_seed_person(replay *r, const replay_person *p)
{
	if (find_person(r, p->key.name) != NULL || pk_owner(r, p->key.pk) != NULL)
		return ST_EXISTS;
	person *x = arena_alloc(&r->mem, sizeof *x);
	person_pk *xk = arena_alloc(&r->mem, sizeof *xk);
	if (x == NULL || xk == NULL || !table_reserve(&r->persons, 1) ||
	    !table_reserve(&r->person_keys, 1))
		return ST_NOMEM;
	memset(x, 0, sizeof *x);
	x->key = p->key;
	x->enrolled_index = p->enrolled_index;
	x->revoked = p->revoked;
	x->revoked_index = p->revoked_index;
	x->rank = arena_strdup(&r->mem, or_empty(p->rank));
	x->position = arena_strdup(&r->mem, or_empty(p->position));
	if (x->rank == NULL || x->position == NULL)
		return ST_NOMEM;
	x->details_index = p->details_index;
	x->key_index = p->key_index > 0 ? p->key_index : p->enrolled_index;
	table_insert(&r->persons, x);
	add_pk(r, xk, x, x->key.pk);
	return ST_OK;
}

status replay_seed_old_key(replay *r, const char *name, const uint8_t pk[KEY_PK_LEN])
{
	person *p = find_person(r, name);
	if (p == NULL)
		return ST_NOTFOUND;
	if (pk_owner(r, pk) != NULL)
		return ST_EXISTS;
	person_pk *xk = arena_alloc(&r->mem, sizeof *xk);
	if (xk == NULL || !table_reserve(&r->person_keys, 1))
		return ST_NOMEM;
	add_pk(r, xk, p, pk);
	return ST_OK;
}

status replay_seed_role(replay *r, const replay_role *ro)
{
	person *p = find_person(r, ro->person);
	account *a = ro->account[0] ? find_account(r, ro->account) : NULL;
	if (p == NULL || (ro->account[0] && a == NULL))
		return ST_NOTFOUND;
	if (has_role(p, ro->role, a))
		return ST_EXISTS;
	role_rec *roles = grow(p->roles, &p->caproles, p->nroles + 1, sizeof *roles);
	if (roles == NULL)
		return ST_NOMEM;
	p->roles = roles;
	p->roles[p->nroles++] = (role_rec){ro->role, a, ro->since_index};
	if (ro->role == ROLE_ADMINISTRATOR)
		r->nadmins++;
	return ST_OK;
}

status replay_seed_txn(replay *r, const replay_txn *t, uint64_t count,
		       const replay_incident *inc)
{
	if (strlen(t->number) > ENTRY_TXN_MAX || strlen(t->peer) > ENTRY_ACCOUNT_LEN ||
	    strlen(t->ref) > ENTRY_TXN_MAX)
		return ST_FORMAT;
	account *a = find_account(r, t->account);
	if (a == NULL)
		return ST_NOTFOUND;
	if (find_txn(r, t->number) != NULL)
		return ST_EXISTS;
	txn *x = arena_alloc(&r->mem, sizeof *x);
	const char *holder = arena_strdup(&r->mem, t->holder);
	if (x == NULL || holder == NULL || !table_reserve(&r->txns, 1))
		return ST_NOMEM;
	memset(x, 0, sizeof *x);
	memcpy(x->number, t->number, strlen(t->number) + 1);
	x->action = t->action;
	x->index = t->index;
	x->acct = a;
	memcpy(x->peer, t->peer, strlen(t->peer) + 1);
	memcpy(x->ref, t->ref, strlen(t->ref) + 1);
	x->holder = holder;
	x->count = count;
	x->open = t->open;
	if (inc != NULL) {
		x->category = inc->category;
		x->updates = inc->updates;
		x->last_update_us = inc->last_update_us;
		x->time_us = inc->reported_us;
		x->closed_index = inc->closed_index;
		x->closed_us = inc->closed_us;
		x->discovered_us = inc->discovered_us;
		x->outcome = inc->outcome;
	}
	table_insert(&r->txns, x);
	return ST_OK;
}

status replay_seed_item(replay *r, const replay_item *it, const char *under)
{
	char id[ITEM_ID_MAX];
	size_t idlen = item_id(&it->facts, id);
	if (table_find(&r->items, id, idlen) != NULL)
		return ST_EXISTS;
	account *a = find_account(r, it->account);
	txn *u = under[0] ? find_txn(r, under) : NULL;
	if (a == NULL || (under[0] && u == NULL) || (unsigned)it->status >= ITEM__COUNT)
		return ST_NOTFOUND;
	item *x = arena_alloc(&r->mem, sizeof *x + idlen);
	if (x == NULL || !table_reserve(&r->items, 1))
		return ST_NOMEM;
	memset(x, 0, sizeof *x);
	memcpy(x->id, id, idlen);
	x->idlen = idlen;
	item_set_facts(x, &it->facts);
	x->status = (uint8_t)it->status;
	x->acct = a;
	x->under = u;
	x->last = find_txn(r, it->last_txn);
	x->in_effect = it->in_effect;
	table_insert(&r->items, x);
	return ST_OK;
}

/* ---- replay_apply -------------------------------------------------------- */

status replay_apply(replay *r, const uint8_t *rec, size_t len, errbuf *err)
{
	uint64_t at = r->size;
	entry e;
	errbuf why = {0};
	status st;
	memset(&e, 0, sizeof e);
	if (len == 0 || len > ENTRY_NOTE_MAX)
		return refuse(err, ST_FORMAT, at, "a record is 1 to %d bytes, not %zu",
			      ENTRY_NOTE_MAX, len);
	note *n = malloc(sizeof *n); /* about 11 KiB: kept off the stack */
	plan *pl = malloc(sizeof *pl);
	signers *sg = malloc(sizeof *sg);
	if (n == NULL || pl == NULL || sg == NULL) {
		st = refuse(err, ST_NOMEM, at, "out of memory");
		goto out;
	}
	memset(pl, 0, sizeof *pl);
	pl->at = at;
	if ((st = note_parse((const char *)rec, len, n, &why)) != ST_OK) {
		st = refuse(err, ST_FORMAT, at, "not a valid signed note: %s", err_text(&why, st));
		goto out;
	}
	if ((st = entry_parse(n->text, n->textlen, &e, &why)) != ST_OK) {
		st = refuse(err, st == ST_NOMEM ? ST_NOMEM : ST_FORMAT, at,
			    "not a valid entry: %s", err_text(&why, st));
		goto out;
	}
	if ((st = check_chain(r, &e, err)) != ST_OK ||
	    (st = check_signatures(r, &e, n, sg, err)) != ST_OK ||
	    (st = check_fields(r, &e, pl, err)) != ST_OK ||
	    (st = check_roles(r, &e, sg, pl, err)) != ST_OK ||
	    (st = check_items(r, &e, pl, err)) != ST_OK ||
	    (st = reserve(r, &e, pl, err)) != ST_OK)
		goto out;
	commit(r, &e, pl);
	r->last_complete = (e.action == ACT_INVENTORY || e.action == ACT_CUSTODIAN_CHANGE) &&
			   pl->complete;
	r->size++;
	sha256_leaf(rec, len, r->last_leaf);
	r->last_time = e.time_us;
out:
	entry_free(&e);
	free(n);
	free(pl);
	free(sg);
	return st;
}

/* ---- iterators ----------------------------------------------------------- */

/* The iterators sort the replay's own lists in place (the order of a list
 * means nothing else), so they allocate nothing and cannot fail; for the
 * same reason two threads must not iterate one replay at once. */

static int cmp_account(const void *a, const void *b)
{
	return strcmp((*(const account *const *)a)->number, (*(const account *const *)b)->number);
}

static int cmp_person(const void *a, const void *b)
{
	return strcmp((*(const person *const *)a)->key.name, (*(const person *const *)b)->key.name);
}

static int cmp_role(const void *a, const void *b)
{
	const role_rec *x = a, *y = b;
	int c = strcmp(entry_role_name(x->role), entry_role_name(y->role));
	if (c == 0)
		c = strcmp(x->acct ? x->acct->number : "", y->acct ? y->acct->number : "");
	return c;
}

static int cmp_item(const void *a, const void *b)
{
	const item *x = *(const item *const *)a, *y = *(const item *const *)b;
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, n); /* NUL separators: (title, edition, serial) order */
	return c != 0 ? c : (x->idlen > y->idlen) - (x->idlen < y->idlen);
}

static int cmp_txn(const void *a, const void *b)
{
	return strcmp((*(const txn *const *)a)->number, (*(const txn *const *)b)->number);
}

void replay_each_account(const replay *r, bool (*fn)(void *ctx, const replay_account *a),
			 void *ctx)
{
	if (r->accounts.n > 0)
		qsort(r->accounts.list, r->accounts.n, sizeof(void *), cmp_account);
	for (size_t i = 0; i < r->accounts.n; i++) {
		const account *ac = r->accounts.list[i];
		replay_account ra = {ac->number, ac->name, ac->opened_index, ac->opened_us,
				     ac->last_inventory_us, ac->held > 0 ? (uint64_t)ac->held : 0,
				     or_empty(ac->address), or_empty(ac->cor_account),
				     ac->details_index, false, ACT_GENESIS, 0, {0}};
		if (!fn(ctx, &ra))
			return;
	}
}

static int cmp_outside(const void *a, const void *b)
{
	return strcmp((*(const outside *const *)a)->number, (*(const outside *const *)b)->number);
}

void replay_each_outside(const replay *r, bool (*fn)(void *ctx, const replay_outside *o),
			 void *ctx)
{
	if (r->outsides.n > 0)
		qsort(r->outsides.list, r->outsides.n, sizeof(void *), cmp_outside);
	for (size_t i = 0; i < r->outsides.n; i++) {
		const outside *o = r->outsides.list[i];
		replay_outside ro = {o->number, o->name, or_empty(o->address), o->registered_index,
				     o->details_index};
		if (!fn(ctx, &ro))
			return;
	}
}

void replay_each_old_key(const replay *r,
			 bool (*fn)(void *ctx, const char *name, const uint8_t pk[KEY_PK_LEN]),
			 void *ctx)
{
	for (size_t i = 0; i < r->person_keys.n; i++) {
		const person_pk *x = r->person_keys.list[i];
		if (memcmp(x->pk, x->p->key.pk, KEY_PK_LEN) != 0 && !fn(ctx, x->p->key.name, x->pk))
			return;
	}
}

void replay_each_person(const replay *r, bool (*fn)(void *ctx, const replay_person *p),
			void *ctx)
{
	if (r->persons.n > 0)
		qsort(r->persons.list, r->persons.n, sizeof(void *), cmp_person);
	for (size_t i = 0; i < r->persons.n; i++) {
		const person *p = r->persons.list[i];
		replay_person rp = {p->key.name, p->key, p->enrolled_index, p->revoked,
				    p->revoked_index, or_empty(p->rank), or_empty(p->position),
				    p->details_index, p->key_index};
		if (!fn(ctx, &rp))
			return;
	}
}

void replay_each_role(const replay *r, bool (*fn)(void *ctx, const replay_role *ro), void *ctx)
{
	if (r->persons.n > 0)
		qsort(r->persons.list, r->persons.n, sizeof(void *), cmp_person);
	for (size_t i = 0; i < r->persons.n; i++) {
		const person *p = r->persons.list[i];
		if (p->nroles > 0)
			qsort(p->roles, p->nroles, sizeof *p->roles, cmp_role);
		for (size_t j = 0; j < p->nroles; j++) {
			const role_rec *rr = &p->roles[j];
			replay_role ro = {p->key.name, rr->role, rr->acct ? rr->acct->number : "",
					  rr->since};
			if (!fn(ctx, &ro))
				return;
		}
	}
}

void replay_each_item(const replay *r, bool (*fn)(void *ctx, const replay_item *it), void *ctx)
{
	if (r->items.n > 0)
		qsort(r->items.list, r->items.n, sizeof(void *), cmp_item);
	for (size_t i = 0; i < r->items.n; i++) {
		const item *x = r->items.list[i];
		replay_item ri;
		item_facts(x, &ri.facts);
		ri.status = (item_status)x->status;
		ri.account = x->acct->number;
		/* (under and last are always set in a replay of the whole log;
		 * a seeded one may lack them) */
		const txn *u = x->under, *last = x->last;
		ri.holder = x->status == ITEM_ISSUED && u != NULL ? u->holder : "";
		ri.peer = (x->status == ITEM_IN_TRANSIT || x->status == ITEM_TRANSFERRED) && u != NULL
				  ? u->peer
				  : "";
		ri.last_txn = last != NULL ? last->number : "";
		ri.last_index = last != NULL ? last->index : 0;
		ri.since_us = last != NULL ? last->time_us : 0;
		ri.incident = (x->status == ITEM_INCIDENT || x->status == ITEM_RELIEVED) && u != NULL
				      ? u->number
				      : "";
		ri.in_effect = x->in_effect;
		if (!fn(ctx, &ri))
			return;
	}
}

void replay_each_txn(const replay *r, bool (*fn)(void *ctx, const replay_txn *t), void *ctx)
{
	if (r->txns.n > 0)
		qsort(r->txns.list, r->txns.n, sizeof(void *), cmp_txn);
	for (size_t i = 0; i < r->txns.n; i++) {
		const txn *t = r->txns.list[i];
		bool open = t->action == ACT_ISSUE ? t->count > 0 : t->open;
		replay_txn rt = {t->number, t->action, t->index, t->acct->number, t->peer,
				 t->holder, t->ref, open};
		if (!fn(ctx, &rt))
			return;
	}
}

void replay_each_incident(const replay *r, bool (*fn)(void *ctx, const replay_incident *i),
			  void *ctx)
{
	if (r->txns.n > 0)
		qsort(r->txns.list, r->txns.n, sizeof(void *), cmp_txn);
	for (size_t i = 0; i < r->txns.n; i++) {
		const txn *t = r->txns.list[i];
		if (!rules_opens_incident(t->action, t->category))
			continue;
		replay_incident ri = {t->number,       t->acct->number,   t->category,
				      t->time_us,      t->updates,        !t->open,
				      t->closed_index, t->last_update_us, t->closed_us,
				      t->discovered_us, t->outcome};
		if (!fn(ctx, &ri))
			return;
	}
}
