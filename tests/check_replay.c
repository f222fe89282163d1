/* check_replay: the in-memory replay of the signed log (src/replay.c).
 *
 * Every test starts from a small ledger built by the fixture (genesis, two
 * accounts, a person for each role) and appends entries built with
 * entry_format and signed with note_sign by TEST-ONLY keys, chaining index,
 * prev and time as custos would.  Each refusal is checked for its status, a
 * phrase of its message, and that the whole rebuilt state is unchanged. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../keys/key.h"
#include "../src/entry.h"
#include "../src/note.h"
#include "../src/replay.h"
#include "../src/sha.h"
#include "testkey.h"

#define T0 INT64_C(1767603600000000) /* 2026-01-05T09:00:00Z */
#define MINUTE INT64_C(60000000)
#define ORIGIN "custos.example/TEST-ONLY-replay"

enum {
	NOKEY,
	ADMIN,
	ADMIN2,
	CUST,     /* custodian of 111111 */
	ALT,      /* alternate of 111111 */
	WIT,      /* witness of 111111 */
	HOLD,     /* holder of 111111 */
	AUD,      /* auditor */
	AUTH,     /* authority */
	CUST2,    /* custodian of 222222 */
	OUTS,     /* never enrolled */
	NEWK,     /* enrolled by some tests */
	IMPOSTOR, /* the name of CUST with another key */
	ALIAS,    /* the key of CUST under another name */
	NEWK_CUST, /* a third key with the name of CUST */
	NK
};
static const char *const names[NK] = {
	"",
	"TEST-ONLY-admin",
	"TEST-ONLY-admin2",
	"TEST-ONLY-custodian",
	"TEST-ONLY-alternate",
	"TEST-ONLY-witness",
	"TEST-ONLY-holder",
	"TEST-ONLY-auditor",
	"TEST-ONLY-authority",
	"TEST-ONLY-custodian2",
	"TEST-ONLY-outsider",
	"TEST-ONLY-newcomer",
	"TEST-ONLY-custodian",
	"TEST-ONLY-alias",
	"TEST-ONLY-custodian",
};
static key_secret *K[NK];
static replay *R;

/* A TEST-ONLY key named `name` whose seed is that of the key `seedname`. */
static key_secret *seeded(const char *name, const char *seedname)
{
	static const char prefix[] = "custos TEST-ONLY key seed: ";
	char label[sizeof prefix + KEY_NAME_MAX];
	uint8_t seed[32];
	key_secret *k = NULL;
	size_t n = strlen(seedname);
	memcpy(label, prefix, sizeof prefix - 1);
	memcpy(label + sizeof prefix - 1, seedname, n);
	sha256(label, sizeof prefix - 1 + n, seed);
	ck_assert_int_eq(key_from_seed(name, seed, &k, NULL), ST_OK);
	return k;
}

/* ---- building entries ---------------------------------------------------- */

typedef struct spec {
	entry_action action;
	const char *account, *peer, *holder, *ref, *txn, *text;
	entry_category cat;
	int key; /* key line: key index (NOKEY: none) and role */
	entry_role role;
	int key2; /* a second key line (key-rotate's new key), the same role */
	const entry_item *items;
	size_t nitems;
	int sig[3];            /* signers, in order; NOKEY ends the list */
	int64_t time;          /* 0: a minute after the last entry */
	const char *origin;    /* NULL: ORIGIN */
	int64_t index_shift;   /* added to the right index */
	bool bad_prev;
	const char *edit_from, *edit_to; /* replace in the text before signing */
	const char *tamper_from, *tamper_to; /* replace in the note after signing */
	/* format v2's fields; left 0, make() fills what the action needs: an
	 * incident discovered a minute before it is reported, a destruction
	 * by burning under authority DIR-1, an incident closed as lost */
	int64_t discovered;
	entry_outcome outcome;
	entry_method method;
	const char *authority;
	bool v1; /* format v1: none of them */
	const char *details[11]; /* name, value, name, value, ...; NULL ends */
} spec;

#define IT(a) .items = (a), .nitems = sizeof(a) / sizeof((a)[0])

static bool is_material(entry_action a)
{
	return rules_action_of(a)->material;
}

/* The harness's own count of transaction numbers, per account and year. */
static struct {
	char account[8];
	int year;
	int last;
} counters[16];
static size_t ncounters;

static int *counter(const char *account, int year)
{
	for (size_t i = 0; i < ncounters; i++)
		if (strcmp(counters[i].account, account) == 0 && counters[i].year == year)
			return &counters[i].last;
	ck_assert_uint_lt(ncounters, 16);
	snprintf(counters[ncounters].account, sizeof counters[0].account, "%s", account);
	counters[ncounters].year = year;
	counters[ncounters].last = 0;
	return &counters[ncounters++].last;
}

static int year_of(int64_t us)
{
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(us, t);
	return atoi(t);
}

static int64_t time_of(const spec *s)
{
	if (s->time != 0)
		return s->time;
	return replay_size(R) == 0 ? T0 : replay_last_time(R) + MINUTE;
}

/* Replace the first `from` in *buf (of *len bytes) by `to`. */
static void replace(char **buf, size_t *len, const char *from, const char *to)
{
	char *at = strstr(*buf, from);
	ck_assert_msg(at != NULL, "\"%s\" not in the entry", from);
	size_t fl = strlen(from), tl = strlen(to), pos = (size_t)(at - *buf);
	char *out = malloc(*len - fl + tl + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, *buf, pos);
	memcpy(out + pos, to, tl);
	memcpy(out + pos + tl, *buf + pos + fl, *len - pos - fl + 1);
	free(*buf);
	*buf = out;
	*len = *len - fl + tl;
}

/* The signed note of s as the next entry of R. */
static char *make(const spec *s, size_t *len)
{
	entry e = {0};
	snprintf(e.origin, sizeof e.origin, "%s", s->origin ? s->origin : ORIGIN);
	e.index = replay_size(R) + (uint64_t)s->index_shift;
	memcpy(e.prev, replay_last_leaf(R), SHA256_LEN);
	if (s->bad_prev)
		e.prev[5] ^= 0x40;
	e.time_us = time_of(s);
	e.action = s->action;
	if (s->account)
		snprintf(e.account, sizeof e.account, "%s", s->account);
	if (s->txn)
		snprintf(e.txn, sizeof e.txn, "%s", s->txn);
	else if (is_material(s->action) && s->account) {
		int y = year_of(e.time_us);
		snprintf(e.txn, sizeof e.txn, "%s-%d-%04d", s->account, y,
			 *counter(s->account, y) + 1);
	}
	if (s->peer)
		snprintf(e.peer, sizeof e.peer, "%s", s->peer);
	if (s->holder)
		snprintf(e.holder, sizeof e.holder, "%s", s->holder);
	if (s->ref)
		snprintf(e.ref, sizeof e.ref, "%s", s->ref);
	e.category = s->cat;
	if (s->v1) {
		e.version = 1;
	} else {
		if (s->action == ACT_INCIDENT_REPORT)
			e.discovered_us = s->discovered ? s->discovered : e.time_us - MINUTE;
		if (s->action == ACT_INCIDENT_CLOSE)
			e.outcome = s->outcome ? s->outcome : OUTCOME_LOST;
		if (s->action == ACT_DESTROY) {
			e.method = s->method ? s->method : METHOD_BURN;
			snprintf(e.authority, sizeof e.authority, "%s",
				 s->authority ? s->authority : "DIR-1");
		}
	}
	if (s->key != NOKEY) {
		e.nkeys = 1;
		e.keys[0].role = s->role;
		e.keys[0].key = *key_secret_public(K[s->key]);
	}
	if (s->key2 != NOKEY) {
		e.keys[e.nkeys].role = s->role;
		e.keys[e.nkeys++].key = *key_secret_public(K[s->key2]);
	}
	for (size_t i = 0; i < s->nitems; i++)
		ck_assert_int_eq(entry_add_item(&e, &s->items[i]), ST_OK);
	if (s->text)
		ck_assert_int_eq(entry_set_text(&e, s->text, strlen(s->text)), ST_OK);
	for (size_t i = 0; i + 1 < 11 && s->details[i] != NULL; i += 2) {
		errbuf derr = {0};
		ck_assert_int_eq(entry_set_detail(&e, s->details[i], s->details[i + 1], &derr), ST_OK);
	}
	char *text;
	size_t textlen;
	errbuf err = {0};
	ck_assert_msg(entry_format(&e, &text, &textlen, &err) == ST_OK, "entry_format: %s",
		      err.msg);
	entry_free(&e);
	if (s->edit_from)
		replace(&text, &textlen, s->edit_from, s->edit_to);
	const key_secret *signers[3];
	size_t n = 0;
	while (n < 3 && s->sig[n] != NOKEY) {
		signers[n] = K[s->sig[n]];
		n++;
	}
	char *signed_note;
	ck_assert_msg(note_sign(text, textlen, signers, n, &signed_note, len, &err) == ST_OK,
		      "note_sign: %s", err.msg);
	free(text);
	if (s->tamper_from)
		replace(&signed_note, len, s->tamper_from, s->tamper_to);
	return signed_note;
}

static replay *seed_from(const replay *from);
static bool judge_seeded; /* setup turns it on; many_items off (its size) */
/* A certification judged by a seeded replay: the action whose list of the
 * entry's account seed_from gives it (as the server does), ACT__COUNT for
 * none */
static entry_action seed_list_action = ACT__COUNT;
static bool seed_list_give = true; /* false: seed no list (a test of that) */
static replay *seed_from(const replay *from);

/* Apply s to R.  Every entry is also judged by a replay seeded with R's
 * state (the server's way, src/pg/): the verdict must be the same, word
 * for word. */
static status put(const spec *s, errbuf *err)
{
	size_t len;
	char *rec = make(s, &len);
	seed_list_action = ACT__COUNT;
	for (size_t i = 0; i + 1 < 11 && s->details[i] != NULL; i += 2)
		if (strcmp(s->details[i], "list_sha256") == 0 &&
		    (s->action == ACT_INVENTORY || s->action == ACT_CUSTODIAN_CHANGE))
			seed_list_action = s->action;
	replay *seeded_r = judge_seeded && replay_size(R) > 0 ? seed_from(R) : NULL;
	errbuf serr = {0};
	status sst = seeded_r != NULL ? replay_apply(seeded_r, (const uint8_t *)rec, len, &serr)
				     : ST_OK;
	status st = replay_apply(R, (const uint8_t *)rec, len, err);
	if (seeded_r != NULL) {
		ck_assert_msg(sst == st && serr.why == err->why && strcmp(serr.msg, err->msg) == 0,
			      "seeded replay: \"%s\" (%s), the whole replay: \"%s\" (%s)",
			      serr.msg, status_message(sst), err->msg, status_message(st));
		replay_free(seeded_r);
	}
	free(rec);
	if (st == ST_OK && is_material(s->action) && s->txn == NULL)
		++*counter(s->account, year_of(replay_last_time(R)));
	return st;
}

/* ---- the whole state as one hash, to see that a refusal changed nothing -- */

static bool dump_account(void *ctx, const replay_account *a)
{
	fprintf(ctx, "A %s %s %llu %lld %lld [%s] [%s] %llu\n", a->number, a->name,
		(unsigned long long)a->opened_index, (long long)a->opened_us,
		(long long)a->last_inventory_us, a->address, a->cor_account,
		(unsigned long long)a->details_index);
	return true;
}

static bool dump_outside(void *ctx, const replay_outside *o)
{
	fprintf(ctx, "O %s %s [%s] %llu %llu\n", o->number, o->name, o->address,
		(unsigned long long)o->registered_index, (unsigned long long)o->details_index);
	return true;
}

static bool dump_person(void *ctx, const replay_person *p)
{
	fprintf(ctx, "P %s %d %llu %d %llu [%s] [%s] %llu\n", p->name, p->key.pk[0],
		(unsigned long long)p->enrolled_index, p->revoked,
		(unsigned long long)p->revoked_index, p->rank, p->position,
		(unsigned long long)p->details_index);
	return true;
}

static bool dump_role(void *ctx, const replay_role *ro)
{
	fprintf(ctx, "R %s %d %s %llu\n", ro->person, ro->role, ro->account,
		(unsigned long long)ro->since_index);
	return true;
}

static bool dump_item(void *ctx, const replay_item *it)
{
	const entry_item *f = &it->facts;
	fprintf(ctx, "I %s|%s|%s %d %d %d %d %u %u %u %d %s %s %s %s %llu %lld %s\n", f->title,
		f->edition, f->serial, f->kind, f->alc, f->cls, f->crypto, f->qty, f->effective,
		f->supersedes, it->status, it->account, it->holder, it->peer, it->last_txn,
		(unsigned long long)it->last_index, (long long)it->since_us, it->incident);
	return true;
}

static bool dump_txn(void *ctx, const replay_txn *t)
{
	fprintf(ctx, "T %s %d %llu %s %s %s %s %d\n", t->number, t->action,
		(unsigned long long)t->index, t->account, t->peer, t->holder, t->ref, t->open);
	return true;
}

static bool dump_incident(void *ctx, const replay_incident *i)
{
	fprintf(ctx, "N %s %s %d %lld %llu %d %llu %lld %lld\n", i->txn, i->account, i->category,
		(long long)i->reported_us, (unsigned long long)i->updates, i->closed,
		(unsigned long long)i->closed_index, (long long)i->last_update_us,
		(long long)i->closed_us);
	return true;
}

static bool dump_policy_set(void *ctx, const replay_policy_set *ps)
{
	fprintf(ctx, "PS %llu %d %lld\n", (unsigned long long)ps->index, (int)ps->policy,
		(long long)ps->value);
	return true;
}

static void digest(uint8_t out[SHA256_LEN])
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%llu %lld %s\n", (unsigned long long)replay_size(R),
		(long long)replay_last_time(R), replay_origin(R));
	fwrite(replay_last_leaf(R), 1, SHA256_LEN, f);
	replay_each_account(R, dump_account, f);
	replay_each_outside(R, dump_outside, f);
	replay_each_person(R, dump_person, f);
	replay_each_role(R, dump_role, f);
	replay_each_item(R, dump_item, f);
	replay_each_txn(R, dump_txn, f);
	replay_each_incident(R, dump_incident, f);
	for (int p = 0; p < POL__COUNT; p++) {
		uint64_t at;
		int64_t v = replay_policy(R, (rules_policy)p, &at);
		fprintf(f, "P %d %lld %llu\n", p, (long long)v, (unsigned long long)at);
	}
	replay_each_policy_set(R, dump_policy_set, f);
	ck_assert_int_eq(fclose(f), 0);
	sha256(buf, len, out);
	free(buf);
}

#define OK(...) ok_(__LINE__, (spec){__VA_ARGS__})
#define NO(st, words, ...) no_(__LINE__, st, words, (spec){__VA_ARGS__})

static void ok_(int line, spec s)
{
	errbuf err = {0};
	status st = put(&s, &err);
	ck_assert_msg(st == ST_OK, "line %d: refused: %s", line, err_text(&err, st));
}

/* Refused with `want`, a message naming the entry and containing `words`,
 * and nothing changed. */
static void no_(int line, status want, const char *words, spec s)
{
	uint8_t before[SHA256_LEN], after[SHA256_LEN];
	uint64_t n = replay_size(R);
	digest(before);
	errbuf err = {0};
	status st = put(&s, &err);
	ck_assert_msg(st == want, "line %d: status \"%s\", want \"%s\" (%s)", line,
		      status_message(st), status_message(want), err.msg);
	char prefix[32];
	snprintf(prefix, sizeof prefix, "entry %llu: ", (unsigned long long)n);
	ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0, "line %d: message \"%s\"",
		      line, err.msg);
	ck_assert_msg(strstr(err.msg, words) != NULL, "line %d: message \"%s\" lacks \"%s\"", line,
		      err.msg, words);
	ck_assert_uint_eq(replay_size(R), n);
	digest(after);
	ck_assert_msg(memcmp(before, after, SHA256_LEN) == 0, "line %d: state changed", line);
}

/* ---- looking at the state ------------------------------------------------ */

typedef struct find_ctx {
	const char *key;
	bool found;
	replay_item item;
	replay_txn txn;
	replay_incident incident;
	replay_account account;
	replay_person person;
	size_t count;
} find_ctx;

static bool find_item_fn(void *ctx, const replay_item *it)
{
	find_ctx *c = ctx;
	if (strcmp(it->facts.serial, c->key) != 0)
		return true;
	c->found = true;
	c->item = *it;
	return false;
}

/* The item with this serial (serials are unique in these tests). */
static replay_item item_of(const char *serial)
{
	find_ctx c = {.key = serial};
	replay_each_item(R, find_item_fn, &c);
	ck_assert_msg(c.found, "no item with serial %s", serial);
	return c.item;
}

static item_status status_of(const char *serial)
{
	return item_of(serial).status;
}

static bool find_txn_fn(void *ctx, const replay_txn *t)
{
	find_ctx *c = ctx;
	if (strcmp(t->number, c->key) != 0)
		return true;
	c->found = true;
	c->txn = *t;
	return false;
}

static replay_txn txn_of(const char *number)
{
	find_ctx c = {.key = number};
	replay_each_txn(R, find_txn_fn, &c);
	ck_assert_msg(c.found, "no transaction %s", number);
	return c.txn;
}

static bool find_incident_fn(void *ctx, const replay_incident *i)
{
	find_ctx *c = ctx;
	if (strcmp(i->txn, c->key) != 0)
		return true;
	c->found = true;
	c->incident = *i;
	return false;
}

static replay_incident incident_of(const char *number)
{
	find_ctx c = {.key = number};
	replay_each_incident(R, find_incident_fn, &c);
	ck_assert_msg(c.found, "no incident %s", number);
	return c.incident;
}

static bool find_account_fn(void *ctx, const replay_account *a)
{
	find_ctx *c = ctx;
	if (strcmp(a->number, c->key) != 0)
		return true;
	c->found = true;
	c->account = *a;
	return false;
}

static replay_account account_of(const char *number)
{
	find_ctx c = {.key = number};
	replay_each_account(R, find_account_fn, &c);
	ck_assert_msg(c.found, "no account %s", number);
	return c.account;
}

static bool person_by_name_fn(void *ctx, const replay_person *p)
{
	find_ctx *c = ctx;
	if (strcmp(p->name, c->key) != 0)
		return true;
	c->found = true;
	c->person = *p;
	return false;
}

static replay_person person_of(const char *name)
{
	find_ctx c = {.key = name};
	replay_each_person(R, person_by_name_fn, &c);
	ck_assert_msg(c.found, "no person %s", name);
	return c.person;
}

static bool count_roles_fn(void *ctx, const replay_role *ro)
{
	find_ctx *c = ctx;
	if (strcmp(ro->person, c->key) == 0)
		c->count++;
	return true;
}

static size_t roles_of(const char *person)
{
	find_ctx c = {.key = person};
	replay_each_role(R, count_roles_fn, &c);
	return c.count;
}

typedef struct person_ctx {
	const char *name;
	bool found, revoked;
} person_ctx;

static bool find_person_fn(void *ctx, const replay_person *p)
{
	person_ctx *c = ctx;
	if (strcmp(p->name, c->name) == 0)
		c->found = true, c->revoked = p->revoked;
	return true;
}

static bool revoked(const char *name)
{
	person_ctx c = {.name = name};
	replay_each_person(R, find_person_fn, &c);
	ck_assert(c.found);
	return c.revoked;
}

/* ---- material ------------------------------------------------------------ */

static entry_item kg(const char *serial)
{
	entry_item it = {KIND_EQUIPMENT, 1, CLASS_S, false, 1, "", "", "KG-175D", 0, 0};
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	return it;
}

static entry_item tskey(const char *serial)
{
	entry_item it = {KIND_KEY, 1, CLASS_TS, true, 1, "", "AB", "AKAT 1234", 20260101, 20260201};
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	return it;
}

/* ---- the fixture: a small ledger ----------------------------------------- */


/* ---- a seeded replay: the server's way of judging one entry -------------- */

/* The transaction an item is under, as the database records it
 * (rules_item.under): issued or in transit, its last transaction; under an
 * incident, the incident's. */
static const char *under_of(const replay_item *it)
{
	if (it->status == ITEM_ISSUED || it->status == ITEM_IN_TRANSIT)
		return it->last_txn;
	return it->status == ITEM_INCIDENT || it->status == ITEM_RELIEVED ? it->incident : "";
}

/* Is the item counted under the transaction it is under (relieved
 * material keeps its incident, but is no longer under it)? */
static bool counted(const replay_item *it)
{
	return it->status == ITEM_ISSUED || it->status == ITEM_IN_TRANSIT ||
	       it->status == ITEM_INCIDENT;
}

typedef struct seed_ctx {
	replay *s;
	replay_item *items;
	size_t nitems, cap;
	const replay *from;
} seed_ctx;

typedef struct list_ctx {
	const char *account;
	rules_list_digest d;
} list_ctx;

static bool list_item_fn(void *ctx, const replay_item *it)
{
	list_ctx *l = ctx;
	if (strcmp(it->account, l->account) == 0 &&
	    rules_list_counts(seed_list_action, it->facts.alc, it->status))
		ck_assert(rules_list_digest_add(&l->d, it->facts.title, it->facts.edition,
						it->facts.serial, it->facts.qty));
	return true;
}

static bool seed_account_fn(void *ctx, const replay_account *a)
{
	seed_ctx *c = ctx;
	replay_account b = *a;
	if (seed_list_action != ACT__COUNT && seed_list_give) {
		/* the list as the server reads it: the items in (title, edition,
		 * serial) order, which replay_each_item gives */
		list_ctx l = {.account = a->number};
		rules_list_digest_init(&l.d);
		replay_each_item(c->from, list_item_fn, &l);
		rules_list_digest_final(&l.d, b.list_sha256, &b.list_count);
		b.list_seeded = true;
		b.list_action = seed_list_action;
	}
	ck_assert_int_eq(replay_seed_account(c->s, &b), ST_OK);
	return true;
}

static bool seed_outside_fn(void *ctx, const replay_outside *o)
{
	ck_assert_int_eq(replay_seed_outside(((seed_ctx *)ctx)->s, o), ST_OK);
	return true;
}

static bool seed_person_fn(void *ctx, const replay_person *p)
{
	ck_assert_int_eq(replay_seed_person(((seed_ctx *)ctx)->s, p), ST_OK);
	return true;
}

static bool seed_old_key_fn(void *ctx, const char *name, const uint8_t pk[KEY_PK_LEN])
{
	ck_assert_int_eq(replay_seed_old_key(((seed_ctx *)ctx)->s, name, pk), ST_OK);
	return true;
}

static bool seed_role_fn(void *ctx, const replay_role *ro)
{
	ck_assert_int_eq(replay_seed_role(((seed_ctx *)ctx)->s, ro), ST_OK);
	return true;
}

static bool collect_item_fn(void *ctx, const replay_item *it)
{
	seed_ctx *c = ctx;
	if (c->nitems == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		ck_assert_ptr_nonnull(c->items = realloc(c->items, c->cap * sizeof *c->items));
	}
	c->items[c->nitems++] = *it;
	return true;
}

static bool incident_fn(void *ctx, const replay_incident *i)
{
	find_ctx *f = ctx;
	if (strcmp(i->txn, f->key) != 0)
		return true;
	f->found = true;
	f->incident = *i;
	return false;
}

static bool seed_txn_fn(void *ctx, const replay_txn *t)
{
	seed_ctx *c = ctx;
	uint64_t count = 0;
	for (size_t i = 0; i < c->nitems; i++)
		count += counted(&c->items[i]) && strcmp(under_of(&c->items[i]), t->number) == 0;
	find_ctx f = {.key = t->number};
	replay_each_incident(c->from, incident_fn, &f);
	ck_assert_int_eq(replay_seed_txn(c->s, t, count, f.found ? &f.incident : NULL), ST_OK);
	/* the account's numbering: its highest number of each year (the
	 * transactions come sorted by number, so the last one seeded wins) */
	const char *dash = strrchr(t->number, '-');
	ck_assert_int_eq(replay_seed_seq(c->s, t->account, atoi(dash - 4),
					 strtoull(dash + 1, NULL, 10)),
			 ST_OK);
	return true;
}

/* A new replay seeded with the whole state of `from`, as the server seeds
 * one with the records an entry touches. */
static replay *seed_from(const replay *from)
{
	seed_ctx *c = calloc(1, sizeof *c);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(c->s = replay_new());
	c->from = from;
	replay_seed_head(c->s, replay_origin(from), replay_size(from), replay_last_leaf(from),
			 replay_last_time(from));
	replay_each_account(from, seed_account_fn, c);
	replay_each_outside(from, seed_outside_fn, c);
	replay_each_person(from, seed_person_fn, c);
	replay_each_old_key(from, seed_old_key_fn, c);
	replay_each_role(from, seed_role_fn, c);
	replay_each_item(from, collect_item_fn, c);
	replay_each_txn(from, seed_txn_fn, c);
	for (size_t i = 0; i < c->nitems; i++)
		ck_assert_int_eq(replay_seed_item(c->s, &c->items[i], under_of(&c->items[i])), ST_OK);
	for (int p = 0; p < POL__COUNT; p++) {
		uint64_t at;
		int64_t v = replay_policy(from, (rules_policy)p, &at);
		ck_assert_int_eq(replay_seed_policy(c->s, (rules_policy)p, v, at), ST_OK);
	}
	replay *s = c->s;
	free(c->items);
	free(c);
	return s;
}

static void setup(void)
{
	ck_assert_int_eq(key_init(), ST_OK);
	for (int i = 1; i < NK; i++)
		if (i != IMPOSTOR && i != ALIAS && i != NEWK_CUST)
			ck_assert_ptr_nonnull(K[i] = test_key(names[i]));
	K[IMPOSTOR] = seeded(names[IMPOSTOR], "someone else");
	K[NEWK_CUST] = seeded(names[NEWK_CUST], "a third key");
	K[ALIAS] = seeded(names[ALIAS], names[CUST]);
	ncounters = 0;
	judge_seeded = true;
	ck_assert_ptr_nonnull(R = replay_new());
	OK(.action = ACT_GENESIS, .key = ADMIN, .role = ROLE_ADMINISTRATOR, .sig = {ADMIN},
	   .text = "log created");
	OK(.action = ACT_ACCOUNT_OPEN, .account = "111111", .text = "First Signals Squadron",
	   .sig = {ADMIN});
	OK(.action = ACT_ACCOUNT_OPEN, .account = "222222", .text = "Second Signals Squadron",
	   .sig = {ADMIN});
	OK(.action = ACT_KEY_ENROL, .key = ADMIN2, .role = ROLE_ADMINISTRATOR, .sig = {ADMIN, ADMIN2});
	OK(.action = ACT_KEY_ENROL, .key = CUST, .role = ROLE_CUSTODIAN, .account = "111111",
	   .sig = {ADMIN, CUST});
	OK(.action = ACT_KEY_ENROL, .key = ALT, .role = ROLE_ALTERNATE, .account = "111111",
	   .sig = {ADMIN, ALT});
	OK(.action = ACT_KEY_ENROL, .key = WIT, .role = ROLE_WITNESS, .account = "111111",
	   .sig = {ADMIN, WIT});
	OK(.action = ACT_KEY_ENROL, .key = HOLD, .role = ROLE_HOLDER, .account = "111111",
	   .sig = {ADMIN, HOLD});
	OK(.action = ACT_KEY_ENROL, .key = AUD, .role = ROLE_AUDITOR, .sig = {ADMIN, AUD});
	OK(.action = ACT_KEY_ENROL, .key = AUTH, .role = ROLE_AUTHORITY, .sig = {ADMIN, AUTH});
	OK(.action = ACT_KEY_ENROL, .key = CUST2, .role = ROLE_CUSTODIAN, .account = "222222",
	   .sig = {ADMIN2, CUST2});
	/* an account of another organisation, outside this ledger */
	OK(.action = ACT_ACCOUNT_OUTSIDE, .account = "654321", .text = "Allied signals unit",
	   .sig = {ADMIN});
	ck_assert_uint_eq(replay_size(R), 12);
}

static void teardown(void)
{
	replay_free(R);
	R = NULL;
	for (int i = 1; i < NK; i++)
		key_secret_free(K[i]);
}

/* ---- tests --------------------------------------------------------------- */

/* The collectors write into a char[256] list, bounded. */
#define LIST_MAX 256
static void list_add(char *out, const char *s)
{
	size_t n = strlen(out);
	snprintf(out + n, LIST_MAX - n, "%s", s);
}

static bool collect_account(void *ctx, const replay_account *a)
{
	char *out = ctx;
	list_add(out, a->number);
	list_add(out, " ");
	return true;
}

static bool collect_role(void *ctx, const replay_role *ro)
{
	char *out = ctx;
	if (strcmp(ro->person, names[WIT]) == 0) {
		list_add(out, entry_role_name(ro->role));
		list_add(out, ro->account[0] ? ro->account : "-");
		list_add(out, " ");
	}
	return true;
}

START_TEST(registry_after_genesis)
{
	ck_assert_str_eq(replay_origin(R), ORIGIN);
	char list[256] = "";
	replay_each_account(R, collect_account, list);
	ck_assert_str_eq(list, "111111 222222 ");
	replay_account a = account_of("111111");
	ck_assert_str_eq(a.name, "First Signals Squadron");
	ck_assert_uint_eq(a.opened_index, 1);
	ck_assert_int_eq(a.opened_us, T0 + MINUTE);
	ck_assert_int_eq(a.last_inventory_us, 0);
	ck_assert_uint_eq(roles_of(names[CUST]), 1);
	ck_assert(!revoked(names[HOLD]));
	/* An appointment adds a role to an enrolled person. */
	OK(.action = ACT_KEY_ENROL, .key = WIT, .role = ROLE_ALTERNATE, .account = "222222",
	   .sig = {ADMIN, WIT});
	ck_assert_uint_eq(roles_of(names[WIT]), 2);
	char roles[256] = "";
	replay_each_role(R, collect_role, roles);
	ck_assert_str_eq(roles, "alternate222222 witness111111 ");
	/* A new person proves possession of their key by signing. */
	OK(.action = ACT_KEY_ENROL, .key = NEWK, .role = ROLE_HOLDER, .account = "222222",
	   .sig = {ADMIN, NEWK});
	/* ... or another enrolled person co-signs. */
	OK(.action = ACT_KEY_ENROL, .key = NEWK, .role = ROLE_WITNESS, .account = "222222",
	   .sig = {ADMIN, CUST2});
	ck_assert_uint_eq(roles_of(names[NEWK]), 2);
}
END_TEST

START_TEST(chain_refusals)
{
	entry_item a[] = {kg("1001")};
	NO(ST_FORMAT, "index field says 13, but this is entry 12", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(a), .sig = {CUST}, .index_shift = 1);
	NO(ST_FORMAT, "index field says 11", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST}, .index_shift = -1);
	NO(ST_FORMAT, "prev does not match", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST}, .bad_prev = true);
	NO(ST_FORMAT, "time goes backwards", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST}, .time = replay_last_time(R) - 1);
	NO(ST_FORMAT, "not the log's origin", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST}, .origin = "custos.example/other-log");
	NO(ST_FORMAT, "only the first entry may be genesis", .action = ACT_GENESIS, .key = ADMIN,
	   .role = ROLE_ADMINISTRATOR, .sig = {ADMIN});
	/* The same time as the previous entry is fine. */
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST},
	   .time = replay_last_time(R));
	ck_assert_int_eq(status_of("1001"), ITEM_ON_HAND);

	/* Records that are no entry at all. */
	errbuf err = {0};
	uint64_t n = replay_size(R);
	ck_assert_int_eq(replay_apply(R, (const uint8_t *)"hello\n", 6, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a valid signed note"));
	ck_assert_int_eq(replay_apply(R, (const uint8_t *)"", 0, &err), ST_FORMAT);
	const char bad[] = "custos-entry/v1 x\nindex 12\n\n\xe2\x80\x94 a AAAAAAA=\n";
	ck_assert_int_eq(replay_apply(R, (const uint8_t *)bad, sizeof bad - 1, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "entry 13: "));
	ck_assert_uint_eq(replay_size(R), n);
	/* A txn of another account than the entry's does not even parse. */
	NO(ST_FORMAT, "not a valid entry", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST}, .edit_from = "\ntxn 111111-",
	   .edit_to = "\ntxn 222222-");
}
END_TEST

START_TEST(first_entry)
{
	replay *keep = R;
	R = replay_new();
	ck_assert_ptr_nonnull(R);
	ck_assert_uint_eq(replay_size(R), 0);
	ck_assert_str_eq(replay_origin(R), "");
	static const uint8_t zero[SHA256_LEN];
	ck_assert_mem_eq(replay_last_leaf(R), zero, SHA256_LEN);
	NO(ST_FORMAT, "the first entry must be genesis", .action = ACT_ACCOUNT_OPEN,
	   .account = "111111", .text = "x", .sig = {ADMIN});
	NO(ST_NOSIG, "no signature from a trusted key", .action = ACT_GENESIS, .key = ADMIN,
	   .role = ROLE_ADMINISTRATOR, .sig = {OUTS});
	NO(ST_USAGE, "enrols an administrator", .action = ACT_GENESIS, .key = ADMIN,
	   .role = ROLE_AUDITOR, .sig = {ADMIN});
	NO(ST_FORMAT, "prev must be zero", .action = ACT_GENESIS, .key = ADMIN,
	   .role = ROLE_ADMINISTRATOR, .sig = {ADMIN}, .bad_prev = true);
	OK(.action = ACT_GENESIS, .key = ADMIN, .role = ROLE_ADMINISTRATOR, .sig = {ADMIN},
	   .origin = "custos.example/another");
	ck_assert_str_eq(replay_origin(R), "custos.example/another");
	ck_assert_uint_eq(replay_size(R), 1);
	replay_free(R);
	R = keep;
}
END_TEST

START_TEST(signature_refusals)
{
	entry_item a[] = {kg("1001")};
	NO(ST_NOSIG, "no signature from a trusted key", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {OUTS});
	/* The impostor's signature line names the custodian, with another key ID. */
	NO(ST_NOSIG, "no signature from a trusted key", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {IMPOSTOR});
	/* A byte of the text changed after signing. */
	NO(ST_BADSIG, "does not verify", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST}, .tamper_from = "serial=1001",
	   .tamper_to = "serial=1009");
	/* One key signing twice is one signer. */
	NO(ST_NOSIG, "1 distinct trusted key, 2 needed", .action = ACT_DESTROY,
	   .account = "111111", IT(a), .sig = {CUST, CUST});
	/* Two-person integrity for TOP SECRET keying material. */
	entry_item ts[] = {tskey("000123")};
	NO(ST_NOSIG, "2 needed", .action = ACT_RECEIPT, .account = "111111", .peer = "654321",
	   IT(ts), .sig = {CUST});
	NO(ST_PERM, "a witness of account 111111", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "654321", IT(ts), .sig = {CUST, AUD});
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "654321", IT(ts), .sig = {CUST, WIT});
	ck_assert_int_eq(status_of("000123"), ITEM_ON_HAND);
	NO(ST_NOSIG, "2 needed", .action = ACT_TRANSFER, .account = "111111", .peer = "654321",
	   IT(ts), .sig = {CUST});
	/* An unknown extra signature is ignored. */
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST, OUTS});
}
END_TEST

START_TEST(role_refusals)
{
	entry_item a[] = {kg("1001")}, b[] = {kg("1002")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {ALT});
	NO(ST_PERM, "the custodian or alternate of account 111111", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "222222", IT(a), .sig = {HOLD});
	NO(ST_PERM, "the custodian or alternate of account 111111", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(b), .sig = {CUST2});
	NO(ST_PERM, "the custodian or alternate of account 111111", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(b), .sig = {AUD});
	NO(ST_PERM, "a witness of account 111111 (witness, alternate or custodian) besides",
	   .action = ACT_DESTROY, .account = "111111", IT(a), .sig = {CUST, AUD});
	/* A witness holds a role on the account that lets them witness: not a
	 * holder, not another account's custodian, not a whole-log authority. */
	NO(ST_PERM, "a witness of account 111111", .action = ACT_DESTROY, .account = "111111",
	   IT(a), .sig = {CUST, HOLD});
	NO(ST_PERM, "a witness of account 111111", .action = ACT_DESTROY, .account = "111111",
	   IT(a), .sig = {CUST, CUST2});
	NO(ST_PERM, "a witness of account 111111", .action = ACT_INVENTORY, .account = "111111",
	   IT(a), .sig = {CUST, AUTH});
	/* The auditor cannot stand in for the custodian either. */
	NO(ST_PERM, "needs the custodian", .action = ACT_DESTROY, .account = "111111", IT(a),
	   .sig = {AUD, WIT});
	/* Custodian and alternate together: two people of the account. */
	OK(.action = ACT_DESTROY, .account = "111111", IT(a), .sig = {ALT, CUST});
	ck_assert_int_eq(status_of("1001"), ITEM_DESTROYED);
	NO(ST_PERM, "an administrator", .action = ACT_ACCOUNT_OPEN, .account = "333333",
	   .text = "Third", .sig = {CUST});
}
END_TEST

START_TEST(receipt_and_identity)
{
	entry_item a[] = {kg("1001"), kg("1002")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	replay_item it = item_of("1001");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.account, "111111");
	ck_assert_str_eq(it.last_txn, "111111-2026-0001");
	ck_assert_uint_eq(it.last_index, 12);
	ck_assert_str_eq(it.facts.title, "KG-175D");
	ck_assert_str_eq(it.holder, "");
	replay_txn t = txn_of("111111-2026-0001");
	ck_assert_int_eq(t.action, ACT_RECEIPT);
	ck_assert_str_eq(t.peer, "COR");
	ck_assert(!t.open);

	entry_item again[] = {kg("1001")};
	NO(ST_USAGE, "item KG-175D serial 1001 is on hand at account 111111, not new",
	   .action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(again), .sig = {CUST});
	NO(ST_USAGE, "is on hand at account 111111", .action = ACT_RECEIPT, .account = "222222",
	   .peer = "COR", IT(again), .sig = {CUST2});
	entry_item twice[] = {kg("1003"), kg("1004"), kg("1003")};
	NO(ST_USAGE, "item KG-175D serial 1003 is listed twice", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(twice), .sig = {CUST});
	/* Same serial, another title or edition: another item. */
	entry_item other[] = {kg("1001"), kg("1001")};
	snprintf(other[0].title, sizeof other[0].title, "KG-250");
	snprintf(other[1].edition, sizeof other[1].edition, "B");
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(other), .sig = {CUST});
	NO(ST_USAGE, "peer must be another account", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "111111", IT(twice), .sig = {CUST});
	NO(ST_USAGE, "names the other side in peer", .action = ACT_RECEIPT, .account = "111111",
	   IT(twice), .sig = {CUST});
	NO(ST_USAGE, "at least one item", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", .sig = {CUST});
	NO(ST_USAGE, "has no holder", .action = ACT_RECEIPT, .account = "111111", .peer = "COR",
	   .holder = names[HOLD], IT(twice), .sig = {CUST});
	/* Facts do not change while the item is open. */
	entry_item changed[] = {kg("1001")};
	changed[0].cls = CLASS_C;
	NO(ST_USAGE, "classification is S in the ledger, not C", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "COR", IT(changed), .sig = {CUST});
	changed[0] = tskey("1001");
	snprintf(changed[0].title, sizeof changed[0].title, "KG-175D");
	snprintf(changed[0].edition, sizeof changed[0].edition, "%s", "");
	NO(ST_USAGE, "kind is equipment in the ledger, not key", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "COR", IT(changed), .sig = {CUST, WIT});
	ck_assert_int_eq(status_of("1001"), ITEM_ON_HAND);
}
END_TEST

START_TEST(txn_numbering)
{
	entry_item a[] = {kg("1001")}, b[] = {kg("1002")}, c[] = {kg("1003")};
	NO(ST_USAGE, "out of sequence: the next of account 111111 in 2026 is 111111-2026-0001",
	   .action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST},
	   .txn = "111111-2026-0002");
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	NO(ST_USAGE, "out of sequence", .action = ACT_RECEIPT, .account = "111111", .peer = "COR",
	   IT(b), .sig = {CUST}, .txn = "111111-2026-0001");
	NO(ST_USAGE, "out of sequence", .action = ACT_RECEIPT, .account = "111111", .peer = "COR",
	   IT(b), .sig = {CUST}, .txn = "111111-2026-0003");
	NO(ST_USAGE, "is of 2025, but the entry's time is in 2026", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(b), .sig = {CUST}, .txn = "111111-2025-0001");
	NO(ST_USAGE, "needs a transaction number", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(b), .sig = {CUST}, .edit_from = "txn 111111-2026-0002",
	   .edit_to = "txn -");
	NO(ST_USAGE, "account 333333 is not open", .action = ACT_RECEIPT, .account = "333333",
	   .peer = "COR", IT(b), .sig = {CUST});
	NO(ST_USAGE, "has no transaction number", .action = ACT_ACCOUNT_OPEN, .account = "333333",
	   .text = "Third", .sig = {ADMIN}, .txn = "333333-2026-0001");
	/* Each account counts on its own. */
	OK(.action = ACT_RECEIPT, .account = "222222", .peer = "COR", IT(b), .sig = {CUST2});
	ck_assert_str_eq(item_of("1002").last_txn, "222222-2026-0001");
	/* A new year starts again at 1. */
	int64_t next_year = INT64_C(1798761600000000); /* 2027-01-01T00:00:00Z */
	NO(ST_USAGE, "the next of account 111111 in 2027 is 111111-2027-0001", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(c), .sig = {CUST}, .time = next_year,
	   .txn = "111111-2027-0002");
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(c), .sig = {CUST},
	   .time = next_year);
	ck_assert_str_eq(item_of("1003").last_txn, "111111-2027-0001");
}
END_TEST

START_TEST(transfer_and_accept_in_ledger)
{
	entry_item three[] = {kg("3001"), kg("3002"), kg("3003")};
	entry_item two[] = {kg("3001"), kg("3002")}, one[] = {kg("3001")};
	entry_item wrong[] = {kg("3001"), kg("3003")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(three), .sig = {CUST});
	NO(ST_USAGE, "peer must be another account", .action = ACT_TRANSFER, .account = "111111",
	   .peer = "111111", IT(two), .sig = {CUST});
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(two), .sig = {CUST});
	replay_item it = item_of("3001");
	ck_assert_int_eq(it.status, ITEM_IN_TRANSIT);
	ck_assert_str_eq(it.peer, "222222");
	ck_assert_str_eq(it.account, "111111");
	ck_assert(txn_of("111111-2026-0002").open);
	NO(ST_USAGE, "is in transit (111111-2026-0002) at account 111111, not on hand",
	   .action = ACT_TRANSFER, .account = "111111", .peer = "COR", IT(one), .sig = {CUST});
	NO(ST_USAGE, "exactly the 2 items still in transit under 111111-2026-0002; it lists 1",
	   .action = ACT_ACCEPT, .account = "222222", .ref = "111111-2026-0002", IT(one),
	   .sig = {CUST2});
	NO(ST_USAGE, "item KG-175D serial 3003 is on hand at account 111111, not in transit under "
		     "transfer 111111-2026-0002",
	   .action = ACT_ACCEPT, .account = "222222", .ref = "111111-2026-0002", IT(wrong),
	   .sig = {CUST2});
	NO(ST_USAGE, "which records its acceptance", .action = ACT_ACCEPT, .account = "111111",
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST});
	NO(ST_PERM, "the custodian or alternate of account 222222", .action = ACT_ACCEPT,
	   .account = "222222", .ref = "111111-2026-0002", IT(two), .sig = {CUST});
	NO(ST_USAGE, "is a receipt, not a transfer", .action = ACT_ACCEPT, .account = "222222",
	   .ref = "111111-2026-0001", IT(two), .sig = {CUST2});
	NO(ST_USAGE, "not in the ledger", .action = ACT_ACCEPT, .account = "222222",
	   .ref = "111111-2026-0042", IT(two), .sig = {CUST2});
	NO(ST_USAGE, "peer of this accept must be 111111", .action = ACT_ACCEPT,
	   .account = "222222", .peer = "COR", .ref = "111111-2026-0002", IT(two), .sig = {CUST2});
	OK(.action = ACT_ACCEPT, .account = "222222", .peer = "111111", .ref = "111111-2026-0002",
	   IT(two), .sig = {CUST2});
	it = item_of("3002");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.account, "222222");
	ck_assert_str_eq(it.last_txn, "222222-2026-0001");
	ck_assert_str_eq(it.peer, "");
	ck_assert(!txn_of("111111-2026-0002").open);
	NO(ST_USAGE, "no longer in transit", .action = ACT_ACCEPT, .account = "222222",
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST2});
	/* Now on the other account: the first custodian cannot touch it. */
	NO(ST_USAGE, "is on hand at account 222222, not on hand at account 111111",
	   .action = ACT_TRANSFER, .account = "111111", .peer = "COR", IT(one), .sig = {CUST});
}
END_TEST

START_TEST(transfer_out_of_ledger)
{
	entry_item a[] = {kg("3003")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "654321", IT(a), .sig = {CUST});
	NO(ST_USAGE, "outside this ledger; only account 111111", .action = ACT_ACCEPT,
	   .account = "222222", .ref = "111111-2026-0002", IT(a), .sig = {CUST2});
	OK(.action = ACT_ACCEPT, .account = "111111", .ref = "111111-2026-0002", IT(a),
	   .sig = {CUST}, .text = "receiver's acknowledgement");
	replay_item it = item_of("3003");
	ck_assert_int_eq(it.status, ITEM_TRANSFERRED);
	ck_assert_str_eq(it.peer, "654321");
	ck_assert(!txn_of("111111-2026-0002").open);
	/* Material that left may come back, with new facts. */
	entry_item back[] = {kg("3003")};
	back[0].cls = CLASS_C;
	/* From an account of this ledger, material comes by its transfer only. */
	NO(ST_USAGE, "account 111111 is an account of this ledger: its material arrives only by "
	   "accepting its transfer", .action = ACT_RECEIPT, .account = "222222", .peer = "111111",
	   IT(back), .sig = {CUST2});
	OK(.action = ACT_RECEIPT, .account = "222222", .peer = "654321", IT(back), .sig = {CUST2});
	it = item_of("3003");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_int_eq(it.facts.cls, CLASS_C);
	ck_assert_str_eq(it.account, "222222");
	ck_assert_str_eq(it.peer, "");
}
END_TEST

START_TEST(transfer_reject_and_recall)
{
	entry_item three[] = {kg("3001"), kg("3002"), kg("3003")};
	entry_item two[] = {kg("3001"), kg("3002")}, one[] = {kg("3001")}, last[] = {kg("3003")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(three), .sig = {CUST});
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(two), .sig = {CUST});
	/* the receiver rejects, not the sender; all of it, as it is in transit */
	NO(ST_USAGE, "is rejected by account 222222, not account 111111",
	   .action = ACT_TRANSFER_REJECT, .account = "111111", .ref = "111111-2026-0002", IT(two),
	   .sig = {CUST});
	NO(ST_USAGE, "is recalled by account 111111, not account 222222",
	   .action = ACT_TRANSFER_RECALL, .account = "222222", .ref = "111111-2026-0002", IT(two),
	   .sig = {CUST2});
	NO(ST_USAGE, "a rejection or recall must list exactly the 2 items still in transit under "
		     "111111-2026-0002; it lists 1",
	   .action = ACT_TRANSFER_REJECT, .account = "222222", .ref = "111111-2026-0002", IT(one),
	   .sig = {CUST2});
	NO(ST_USAGE, "is a receipt, not a transfer", .action = ACT_TRANSFER_RECALL,
	   .account = "111111", .ref = "111111-2026-0001", IT(one), .sig = {CUST});
	NO(ST_USAGE, "peer of this transfer-reject must be 111111, not COR",
	   .action = ACT_TRANSFER_REJECT, .account = "222222", .peer = "COR",
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST2});
	NO(ST_PERM, "the custodian or alternate of account 222222", .action = ACT_TRANSFER_REJECT,
	   .account = "222222", .ref = "111111-2026-0002", IT(two), .sig = {CUST});
	OK(.action = ACT_TRANSFER_REJECT, .account = "222222", .peer = "111111",
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST2});
	replay_item it = item_of("3002");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.account, "111111");
	ck_assert_str_eq(it.peer, "");
	ck_assert_str_eq(it.last_txn, "222222-2026-0001");
	ck_assert(!txn_of("111111-2026-0002").open);
	NO(ST_USAGE, "no longer in transit", .action = ACT_ACCEPT, .account = "222222",
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST2});
	/* back on hand: the sender sends it again, then recalls it */
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "654321", IT(two), .sig = {CUST});
	OK(.action = ACT_TRANSFER_RECALL, .account = "111111", .ref = "111111-2026-0003", IT(two),
	   .sig = {CUST});
	it = item_of("3001");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.account, "111111");
	ck_assert(!txn_of("111111-2026-0003").open);
	NO(ST_USAGE, "no longer in transit", .action = ACT_TRANSFER_RECALL, .account = "111111",
	   .ref = "111111-2026-0003", IT(two), .sig = {CUST});
	/* an outside receiver's refusal is the sender's to record */
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "654321", IT(last), .sig = {CUST});
	OK(.action = ACT_TRANSFER_REJECT, .account = "111111", .peer = "654321",
	   .ref = "111111-2026-0005", IT(last), .sig = {CUST});
	it = item_of("3003");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.account, "111111");
}
END_TEST

START_TEST(issue_and_return)
{
	entry_item a[] = {kg("4001"), kg("4002")}, one[] = {kg("4001")}, two[] = {kg("4002")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	NO(ST_USAGE, "names the holder", .action = ACT_ISSUE, .account = "111111", IT(a),
	   .sig = {CUST, HOLD});
	NO(ST_USAGE, "holds no holder, witness, custodian or alternate role on account 111111",
	   .action = ACT_ISSUE, .account = "111111", .holder = names[AUD], IT(a),
	   .sig = {CUST, AUD});
	NO(ST_USAGE, "is not an enrolled person", .action = ACT_ISSUE, .account = "111111",
	   .holder = names[OUTS], IT(a), .sig = {CUST, WIT});
	/* Signatures are judged first: an outsider's does not count at all. */
	NO(ST_NOSIG, "1 distinct trusted key, 2 needed", .action = ACT_ISSUE, .account = "111111",
	   .holder = names[OUTS], IT(a), .sig = {CUST, OUTS});
	NO(ST_PERM, "the holder TEST-ONLY-holder besides", .action = ACT_ISSUE,
	   .account = "111111", .holder = names[HOLD], IT(a), .sig = {CUST, WIT});
	NO(ST_PERM, "the custodian or alternate", .action = ACT_ISSUE, .account = "111111",
	   .holder = names[HOLD], IT(a), .sig = {WIT, HOLD});
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(a),
	   .sig = {CUST, HOLD});
	replay_item it = item_of("4001");
	ck_assert_int_eq(it.status, ITEM_ISSUED);
	ck_assert_str_eq(it.holder, names[HOLD]);
	replay_txn t = txn_of("111111-2026-0002");
	ck_assert(t.open);
	ck_assert_str_eq(t.holder, names[HOLD]);
	/* A witness may hold material too. */
	NO(ST_USAGE, "is issued to TEST-ONLY-holder (111111-2026-0002) at account 111111, not on hand",
	   .action = ACT_ISSUE, .account = "111111", .holder = names[WIT], IT(one),
	   .sig = {CUST, WIT});
	NO(ST_USAGE, "issue 111111-2026-0002 was to TEST-ONLY-holder, not to TEST-ONLY-witness",
	   .action = ACT_RETURN, .account = "111111", .holder = names[WIT],
	   .ref = "111111-2026-0002", IT(one), .sig = {CUST, WIT});
	NO(ST_PERM, "the holder TEST-ONLY-holder (or, recovering", .action = ACT_RETURN,
	   .account = "111111", .holder = names[HOLD], .ref = "111111-2026-0002", IT(one),
	   .sig = {CUST, CUST2});
	NO(ST_USAGE, "is not an issue of account 111111", .action = ACT_RETURN,
	   .account = "111111", .holder = names[HOLD], .ref = "111111-2026-0001", IT(one),
	   .sig = {CUST, HOLD});
	OK(.action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0002", IT(one), .sig = {CUST, HOLD});
	it = item_of("4001");
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.holder, "");
	ck_assert(txn_of("111111-2026-0002").open); /* 4002 still out */
	NO(ST_USAGE, "is on hand at account 111111, not issued to TEST-ONLY-holder under hand receipt 111111-2026-0002",
	   .action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0002", IT(one), .sig = {CUST, HOLD});
	/* A return answers the hand receipt its items are under, as the
	 * ledger writes it: items of another receipt to the same holder are
	 * refused (the replay used to take them back, closing a receipt the
	 * entry does not name). */
	entry_item three[] = {kg("4003")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(three), .sig = {CUST});
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(three),
	   .sig = {CUST, HOLD});
	ck_assert(txn_of("111111-2026-0005").open);
	NO(ST_USAGE, "(111111-2026-0005) at account 111111, not issued to TEST-ONLY-holder under hand receipt 111111-2026-0002",
	   .action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0002", IT(three), .sig = {CUST, HOLD});
	OK(.action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0005", IT(three), .sig = {CUST, HOLD});
	ck_assert(!txn_of("111111-2026-0005").open);
	ck_assert(txn_of("111111-2026-0002").open);
	/* The holder is posted out.  Their key is not revoked while material
	 * is issued to them: it would be stranded, as a return needs them. */
	NO(ST_USAGE, "TEST-ONLY-holder holds 1 item of account 111111 on hand receipt",
	   .action = ACT_KEY_REVOKE, .key = HOLD, .role = ROLE_HOLDER, .account = "111111",
	   .sig = {ADMIN, WIT});
	/* The custodian recovers it with a witness (not with a holder, nor with
	 * another account's custodian), and then the key goes. */
	NO(ST_PERM, "(or, recovering the material, a witness of account 111111)",
	   .action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST, CUST2});
	OK(.action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0002", IT(two), .sig = {CUST, WIT}, .text = "recovered: posted out");
	ck_assert_int_eq(status_of("4002"), ITEM_ON_HAND);
	ck_assert(!txn_of("111111-2026-0002").open);
	OK(.action = ACT_KEY_REVOKE, .key = HOLD, .role = ROLE_HOLDER, .account = "111111",
	   .sig = {ADMIN, WIT});
	ck_assert(revoked(names[HOLD]));
	/* and their signature no longer counts */
	NO(ST_USAGE, "is not an enrolled person", .action = ACT_ISSUE, .account = "111111",
	   .holder = names[HOLD], IT(one), .sig = {CUST, WIT});
}
END_TEST

/* Partial quantities: a part split off a lot by a transfer, issue or
 * destruction, serial "LOT+INDEX"; the lot keeps the rest. */
static entry_item kam(const char *serial, uint32_t qty)
{
	entry_item it = {KIND_PUBLICATION, 4, CLASS_U, false, qty, "", "", "KAM-9", 0, 0};
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	return it;
}

/* The serial of the part that the next entry splits off lot */
static const char *part_of(const char *lot, char out[ENTRY_SERIAL_MAX + 1])
{
	errbuf err = {0};
	ck_assert_int_eq(rules_split_serial(lot, replay_size(R), out, &err), ST_OK);
	return out;
}

START_TEST(partial_quantities)
{
	char p1[ENTRY_SERIAL_MAX + 1], p2[ENTRY_SERIAL_MAX + 1], p3[ENTRY_SERIAL_MAX + 1];
	char px[ENTRY_SERIAL_MAX + 1];
	entry_item lot[] = {kam("L7", 100)};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(lot), .sig = {CUST});
	entry_item all[] = {kam(part_of("L7", px), 100)}, more[] = {kam(px, 101)};
	NO(ST_USAGE, "lot KAM-9 serial L7 holds 100: a part of it is 1 to 99, not 100",
	   .action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(all), .sig = {CUST});
	NO(ST_USAGE, "not 101", .action = ACT_TRANSFER, .account = "111111", .peer = "222222",
	   IT(more), .sig = {CUST});
	entry_item other_class[] = {kam(px, 30)};
	other_class[0].cls = CLASS_C;
	NO(ST_USAGE, "classification is U in the ledger, not C", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "222222", IT(other_class), .sig = {CUST});
	entry_item counted_part[] = {kam(px, 30)};
	NO(ST_USAGE, "inventory takes it whole", .action = ACT_INVENTORY, .account = "111111",
	   IT(counted_part), .sig = {CUST, WIT});
	entry_item both[] = {kam("L7", 100), kam(px, 30)};
	NO(ST_USAGE, "lot KAM-9 serial L7 is listed whole and a part of it too",
	   .action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(both), .sig = {CUST});
	char later[ENTRY_SERIAL_MAX + 1];
	snprintf(later, sizeof later, "L7+%llu", (unsigned long long)replay_size(R) + 1);
	entry_item not_now[] = {kam(later, 30)};
	NO(ST_USAGE, "is not in the ledger, not on hand at account 111111", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "222222", IT(not_now), .sig = {CUST});
	/* 30 go to 222222, which accepts them and sends 10 back */
	entry_item t1[] = {kam(part_of("L7", p1), 30)};
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(t1), .sig = {CUST});
	replay_item it = item_of("L7");
	ck_assert_int_eq(it.facts.qty, 70);
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.last_txn, "111111-2026-0001"); /* still the receipt's */
	it = item_of(p1);
	ck_assert_int_eq(it.facts.qty, 30);
	ck_assert_int_eq(it.status, ITEM_IN_TRANSIT);
	ck_assert_str_eq(it.account, "111111");
	ck_assert_str_eq(it.peer, "222222");
	OK(.action = ACT_ACCEPT, .account = "222222", .peer = "111111", .ref = "111111-2026-0002",
	   IT(t1), .sig = {CUST2});
	ck_assert_str_eq(item_of(p1).account, "222222");
	entry_item t2[] = {kam(part_of(p1, p2), 10)};
	OK(.action = ACT_TRANSFER, .account = "222222", .peer = "111111", IT(t2), .sig = {CUST2});
	ck_assert_int_eq(item_of(p1).facts.qty, 20);
	ck_assert_int_eq(item_of(p2).status, ITEM_IN_TRANSIT);
	/* 5 issued to the holder; 2 of the issued part destroyed */
	entry_item i1[] = {kam(part_of("L7", p3), 5)};
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(i1),
	   .sig = {CUST, HOLD});
	ck_assert_int_eq(item_of("L7").facts.qty, 65);
	it = item_of(p3);
	ck_assert_int_eq(it.status, ITEM_ISSUED);
	ck_assert_str_eq(it.holder, names[HOLD]);
	char p4[ENTRY_SERIAL_MAX + 1];
	entry_item d1[] = {kam(part_of(p3, p4), 2)};
	OK(.action = ACT_DESTROY, .account = "111111", IT(d1), .sig = {CUST, WIT});
	it = item_of(p3);
	ck_assert_int_eq(it.facts.qty, 3);
	ck_assert_int_eq(it.status, ITEM_ISSUED);
	ck_assert_int_eq(status_of(p4), ITEM_DESTROYED);
	ck_assert_int_eq(item_of(p4).facts.qty, 2);
	/* a part, once split, is an item like any other */
	NO(ST_USAGE, "is destroyed, not on hand", .action = ACT_TRANSFER, .account = "111111",
	   .peer = "COR", IT(d1), .sig = {CUST});
}
END_TEST

START_TEST(destruction)
{
	entry_item a[] = {kg("5001")}, b[] = {kg("5002")}, ghost[] = {kg("5999")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "222222", .peer = "COR", IT(b), .sig = {CUST2});
	NO(ST_USAGE, "item KG-175D serial 5999 is not in the ledger, not on hand, issued or under "
		     "an incident at account 111111",
	   .action = ACT_DESTROY, .account = "111111", IT(ghost), .sig = {CUST, WIT});
	NO(ST_USAGE, "item KG-175D serial 5002 is on hand at account 222222, not on hand, issued "
		     "or under an incident at account 111111",
	   .action = ACT_DESTROY, .account = "111111", IT(b), .sig = {CUST, WIT});
	NO(ST_NOSIG, "1 distinct trusted key, 2 needed", .action = ACT_DESTROY,
	   .account = "111111", IT(a), .sig = {CUST});
	OK(.action = ACT_DESTROY, .account = "111111", IT(a), .sig = {CUST, WIT},
	   .text = "superseded; burned");
	replay_item it = item_of("5001");
	ck_assert_int_eq(it.status, ITEM_DESTROYED);
	ck_assert_str_eq(it.last_txn, "111111-2026-0002");
	ck_assert(!item_status_open(it.status));
	NO(ST_USAGE, "item KG-175D serial 5001 is destroyed, not on hand, issued or under an "
		     "incident at account 111111",
	   .action = ACT_DESTROY, .account = "111111", IT(a), .sig = {CUST, WIT});
	NO(ST_USAGE, "is destroyed, not on hand at account 111111", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	NO(ST_USAGE, "is destroyed, not new", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {CUST});
	NO(ST_USAGE, "is destroyed, not new, transferred out", .action = ACT_POSSESSION,
	   .account = "111111", IT(a), .sig = {CUST});
	NO(ST_USAGE, "is destroyed, not held by account 111111", .action = ACT_INVENTORY,
	   .account = "111111", IT(a), .sig = {CUST, WIT});
	ck_assert_int_eq(status_of("5001"), ITEM_DESTROYED);
}
END_TEST

START_TEST(incidents)
{
	entry_item a[] = {kg("2001"), kg("2002")}, one[] = {kg("2001")}, two[] = {kg("2002")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(two),
	   .sig = {CUST, HOLD});
	NO(ST_PERM, "the custodian", .action = ACT_INCIDENT_REPORT, .account = "111111", IT(a),
	   .cat = CAT_PHYSICAL, .sig = {WIT});
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(a), .cat = CAT_PHYSICAL,
	   .sig = {CUST}, .text = "container found unlocked");
	const char *inc = "111111-2026-0003";
	replay_item it = item_of("2002");
	ck_assert_int_eq(it.status, ITEM_INCIDENT);
	ck_assert_str_eq(it.incident, inc);
	ck_assert_str_eq(it.holder, "");
	ck_assert(!txn_of("111111-2026-0002").open); /* nothing issued under it now */
	replay_incident ri = incident_of(inc);
	ck_assert_int_eq(ri.category, CAT_PHYSICAL);
	ck_assert(!ri.closed);
	ck_assert_uint_eq(ri.updates, 0);
	ck_assert(txn_of(inc).open);

	NO(ST_USAGE, "lists no items", .action = ACT_INCIDENT_UPDATE, .account = "111111",
	   .ref = inc, IT(one), .sig = {CUST});
	NO(ST_USAGE, "is physical, not personnel", .action = ACT_INCIDENT_UPDATE,
	   .account = "111111", .ref = inc, .cat = CAT_PERSONNEL, .sig = {CUST});
	NO(ST_USAGE, "is not an incident of account 222222", .action = ACT_INCIDENT_UPDATE,
	   .account = "222222", .ref = inc, .sig = {CUST2});
	OK(.action = ACT_INCIDENT_UPDATE, .account = "111111", .ref = inc, .sig = {CUST},
	   .text = "amplifying report sent");
	ri = incident_of(inc);
	ck_assert_uint_eq(ri.updates, 1);
	ck_assert_int_eq(ri.last_update_us, replay_last_time(R));

	/* Found again: possession brings it back on hand. */
	OK(.action = ACT_POSSESSION, .account = "111111", IT(one), .sig = {CUST});
	ck_assert_int_eq(status_of("2001"), ITEM_ON_HAND);
	ck_assert_str_eq(item_of("2001").incident, "");

	NO(ST_PERM, "needs an authority besides the custodian", .action = ACT_INCIDENT_CLOSE,
	   .account = "111111", .ref = inc, IT(two), .sig = {CUST, ADMIN});
	NO(ST_USAGE, "is on hand at account 111111, not under incident", .action = ACT_INCIDENT_CLOSE,
	   .account = "111111", .ref = inc, IT(a), .sig = {CUST, AUTH});
	NO(ST_USAGE, "exactly the 1 item still under incident", .action = ACT_INCIDENT_CLOSE,
	   .account = "111111", .ref = inc, .sig = {CUST, AUTH});
	OK(.action = ACT_INCIDENT_CLOSE, .account = "111111", .ref = inc, IT(two),
	   .cat = CAT_PHYSICAL, .sig = {CUST, AUTH}, .text = "no compromise; relieved");
	ck_assert_int_eq(status_of("2002"), ITEM_RELIEVED);
	ri = incident_of(inc);
	ck_assert(ri.closed);
	ck_assert_uint_eq(ri.closed_index, replay_size(R) - 1);
	ck_assert(!txn_of(inc).open);
	NO(ST_USAGE, "is already closed", .action = ACT_INCIDENT_UPDATE, .account = "111111",
	   .ref = inc, .sig = {CUST});
	NO(ST_USAGE, "is relieved from accountability, not new", .action = ACT_POSSESSION,
	   .account = "111111", IT(two), .sig = {CUST});
	/* A new item found comes on hand by possession. */
	entry_item found[] = {kg("2003")};
	OK(.action = ACT_POSSESSION, .account = "111111", IT(found), .sig = {CUST});
	ck_assert_int_eq(status_of("2003"), ITEM_ON_HAND);
	/* An incident may concern no item at all. */
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", .cat = CAT_PERSONNEL, .sig = {CUST},
	   .text = "clearance lapsed");
	/* In transit material may be reported too, and then leaves the transfer. */
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(found), .sig = {CUST});
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(found), .cat = CAT_PACKAGING,
	   .sig = {CUST});
	ck_assert_int_eq(status_of("2003"), ITEM_INCIDENT);
	NO(ST_USAGE, "is under an incident (111111-2026-0010) at account 111111, not in transit",
	   .action = ACT_ACCEPT, .account = "222222", .ref = "111111-2026-0009", IT(found),
	   .sig = {CUST2});
	OK(.action = ACT_ACCEPT, .account = "222222", .ref = "111111-2026-0009", .sig = {CUST2});
	ck_assert(!txn_of("111111-2026-0009").open);
	/* An incident on TOP SECRET keying material is reported at once by
	 * one person: a report never waits for a second. */
	entry_item ts[] = {tskey("7007")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(ts), .sig = {CUST, WIT});
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(ts), .cat = CAT_CRYPTOGRAPHIC,
	   .sig = {CUST});
	ck_assert_int_eq(status_of("7007"), ITEM_INCIDENT);
}
END_TEST

/* Doctrine (DOMAIN.md, "Incidents"; issue 14, 1, 2, 9 and 10): the report
 * carries when the incident was discovered; the close carries the
 * authority's decision, and only compromised or lost relieves; material
 * found after relief comes back by a possession report naming the
 * incident; a destruction names its method and authority, and
 * "superseded" only for keying material that is. */
START_TEST(incident_outcomes)
{
	entry_item a[] = {kg("3001")}, b[] = {kg("3002")}, c[] = {kg("3003")},
		   all[] = {kg("3001"), kg("3002"), kg("3003")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(all), .sig = {CUST});
	int64_t now = replay_last_time(R) + MINUTE;
	NO(ST_USAGE, "reported at 2026-01-05T09:13:00.000000Z but discovered at 2026-01-05T09:14:00.000000Z, later",
	   .action = ACT_INCIDENT_REPORT, .account = "111111", IT(a), .cat = CAT_PHYSICAL,
	   .time = now, .discovered = now + MINUTE, .sig = {CUST});
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(a), .cat = CAT_PHYSICAL,
	   .discovered = T0 - 60 * MINUTE, .sig = {CUST});
	const char *inc1 = "111111-2026-0002";
	ck_assert_int_eq(incident_of(inc1).discovered_us, T0 - 60 * MINUTE);
	/* 1. no compromise: back on hand, not written off */
	OK(.action = ACT_INCIDENT_CLOSE, .account = "111111", .ref = inc1, IT(a),
	   .cat = CAT_PHYSICAL, .outcome = OUTCOME_NO_COMPROMISE, .sig = {CUST, AUTH});
	ck_assert_int_eq(status_of("3001"), ITEM_ON_HAND);
	ck_assert_str_eq(item_of("3001").incident, "");
	ck_assert_int_eq(incident_of(inc1).outcome, OUTCOME_NO_COMPROMISE);
	ck_assert(incident_of(inc1).closed);
	/* lost: relieved under the incident */
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(b), .cat = CAT_PHYSICAL,
	   .sig = {CUST});
	const char *inc2 = "111111-2026-0004";
	OK(.action = ACT_INCIDENT_CLOSE, .account = "111111", .ref = inc2, IT(b),
	   .cat = CAT_PHYSICAL, .outcome = OUTCOME_LOST, .sig = {CUST, AUTH});
	ck_assert_int_eq(status_of("3002"), ITEM_RELIEVED);
	ck_assert_str_eq(item_of("3002").incident, inc2);
	/* 2. found after relief: not as new material, but naming the incident */
	NO(ST_USAGE, "is relieved from accountability, not new", .action = ACT_POSSESSION,
	   .account = "111111", IT(b), .sig = {CUST});
	NO(ST_USAGE, "111111-2026-0001 named in ref is not an incident of account 111111",
	   .action = ACT_POSSESSION, .account = "111111", .ref = "111111-2026-0001", IT(b),
	   .sig = {CUST});
	NO(ST_USAGE, "transaction 111111-2026-0099 named in ref is not in the ledger",
	   .action = ACT_POSSESSION, .account = "111111", .ref = "111111-2026-0099", IT(b),
	   .sig = {CUST});
	NO(ST_USAGE, "item KG-175D serial 3003 is on hand at account 111111, not under incident "
		     "111111-2026-0004 or relieved under it",
	   .action = ACT_POSSESSION, .account = "111111", .ref = inc2, IT(c), .sig = {CUST});
	NO(ST_USAGE, "is relieved from accountability, not under incident 111111-2026-0002",
	   .action = ACT_POSSESSION, .account = "111111", .ref = inc1, IT(b), .sig = {CUST});
	OK(.action = ACT_POSSESSION, .account = "111111", .ref = inc2, IT(b), .sig = {CUST},
	   .text = "found behind the safe");
	ck_assert_int_eq(status_of("3002"), ITEM_ON_HAND);
	ck_assert_str_eq(item_of("3002").incident, "");
	/* destroy as directed: back on hand, destroyed under the incident */
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(c), .cat = CAT_CRYPTOGRAPHIC,
	   .sig = {CUST});
	const char *inc3 = "111111-2026-0007";
	OK(.action = ACT_INCIDENT_CLOSE, .account = "111111", .ref = inc3, IT(c),
	   .cat = CAT_CRYPTOGRAPHIC, .outcome = OUTCOME_DESTROY, .sig = {CUST, AUTH});
	ck_assert_int_eq(status_of("3003"), ITEM_ON_HAND);
	/* 9. the authority: superseded only for keying material that is */
	NO(ST_USAGE, "item KG-175D serial 3003 has no supersession date", .action = ACT_DESTROY,
	   .account = "111111", IT(c), .authority = "superseded", .sig = {CUST, WIT});
	OK(.action = ACT_DESTROY, .account = "111111", IT(c), .authority = inc3,
	   .method = METHOD_DISINTEGRATE, .sig = {CUST, WIT});
	ck_assert_int_eq(status_of("3003"), ITEM_DESTROYED);
	entry_item old_key[] = {{KIND_KEY, 1, CLASS_S, true, 1, "9001", "A", "AKAT 99", 20251201,
				 20260102}};
	entry_item live_key[] = {{KIND_KEY, 1, CLASS_S, true, 1, "9002", "A", "AKAT 99", 20260101,
				  20260301}};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(old_key), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(live_key), .sig = {CUST});
	NO(ST_USAGE, "item AKAT 99 edition A serial 9002 is superseded on 2026-03-01, not by "
		     "2026-01-05",
	   .action = ACT_DESTROY, .account = "111111", IT(live_key), .authority = "superseded",
	   .sig = {CUST, WIT});
	OK(.action = ACT_DESTROY, .account = "111111", IT(old_key), .authority = "superseded",
	   .method = METHOD_BURN, .sig = {CUST, WIT});
	ck_assert_int_eq(status_of("9001"), ITEM_DESTROYED);
}
END_TEST

/* A log begun in format v1 replays as before: a v1 close (no outcome)
 * relieved, and v2 entries follow v1 ones in one chain. */
START_TEST(v1_entries)
{
	entry_item a[] = {kg("3101")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST},
	   .v1 = true);
	OK(.action = ACT_INCIDENT_REPORT, .account = "111111", IT(a), .cat = CAT_PHYSICAL,
	   .sig = {CUST}, .v1 = true);
	const char *inc = "111111-2026-0002";
	ck_assert_int_eq(incident_of(inc).discovered_us, 0);
	OK(.action = ACT_INCIDENT_CLOSE, .account = "111111", .ref = inc, IT(a),
	   .cat = CAT_PHYSICAL, .sig = {CUST, AUTH}, .v1 = true);
	ck_assert_int_eq(status_of("3101"), ITEM_RELIEVED);
	ck_assert_int_eq(incident_of(inc).outcome, OUTCOME_NONE);
	OK(.action = ACT_POSSESSION, .account = "111111", .ref = inc, IT(a), .sig = {CUST});
	ck_assert_int_eq(status_of("3101"), ITEM_ON_HAND);
	OK(.action = ACT_DESTROY, .account = "111111", IT(a), .sig = {CUST, WIT}, .v1 = true,
	   .text = "method: shredded");
	ck_assert_int_eq(status_of("3101"), ITEM_DESTROYED);
}
END_TEST

/* Doctrine 7: a short (or long) shipment is received, the discrepancy
 * recorded: the accept lists what arrived, with a category; what is
 * missing stays in transit (the sender stays accountable, the transfer
 * open); what came extra comes on hand; the accept is an incident of the
 * receiving account, updated and closed like a report. */
START_TEST(accept_discrepancy)
{
	entry_item three[] = {kg("3201"), kg("3202"), kg("3203")};
	entry_item arrived[] = {kg("3201"), kg("3299")}, last[] = {kg("3202"), kg("3203")};
	entry_item all_three[] = {kg("3201"), kg("3202"), kg("3203")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(three), .sig = {CUST});
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(three), .sig = {CUST});
	const char *tr = "111111-2026-0002";
	entry_item one[] = {kg("3201")};
	NO(ST_USAGE, "exactly the 3 items still in transit under 111111-2026-0002; it lists 1",
	   .action = ACT_ACCEPT, .account = "222222", .ref = tr, IT(one), .sig = {CUST2});
	NO(ST_USAGE, "item KG-175D serial 3299 is not in the ledger, not in transit under transfer "
		     "111111-2026-0002",
	   .action = ACT_ACCEPT, .account = "222222", .ref = tr, IT(arrived), .sig = {CUST2});
	NO(ST_USAGE, "lists exactly the 3 items of transfer 111111-2026-0002: accept without a "
		     "category",
	   .action = ACT_ACCEPT, .account = "222222", .ref = tr, IT(all_three),
	   .cat = CAT_PHYSICAL, .sig = {CUST2});
	OK(.action = ACT_ACCEPT, .account = "222222", .peer = "111111", .ref = tr, IT(arrived),
	   .cat = CAT_PHYSICAL, .sig = {CUST2}, .text = "two KG-175D missing, one not on the list");
	const char *acc = "222222-2026-0001";
	ck_assert_int_eq(status_of("3201"), ITEM_ON_HAND);
	ck_assert_str_eq(item_of("3201").account, "222222");
	ck_assert_int_eq(status_of("3299"), ITEM_ON_HAND); /* came extra */
	ck_assert_str_eq(item_of("3299").account, "222222");
	ck_assert_int_eq(status_of("3202"), ITEM_IN_TRANSIT); /* missing: still the sender's */
	ck_assert_str_eq(item_of("3202").account, "111111");
	ck_assert(txn_of(tr).open);
	replay_incident ri = incident_of(acc);
	ck_assert(!ri.closed);
	ck_assert_int_eq(ri.category, CAT_PHYSICAL);
	ck_assert_str_eq(ri.account, "222222");
	/* the rest turns up: accepted under the same transfer, which closes */
	OK(.action = ACT_INCIDENT_UPDATE, .account = "222222", .ref = acc, .sig = {CUST2},
	   .text = "the sender says the rest went in a second box");
	OK(.action = ACT_ACCEPT, .account = "222222", .peer = "111111", .ref = tr, IT(last),
	   .sig = {CUST2});
	ck_assert_int_eq(status_of("3203"), ITEM_ON_HAND);
	ck_assert(!txn_of(tr).open);
	OK(.action = ACT_INCIDENT_CLOSE, .account = "222222", .ref = acc, .cat = CAT_PHYSICAL,
	   .outcome = OUTCOME_NO_COMPROMISE, .sig = {CUST2, AUTH});
	ck_assert(incident_of(acc).closed);
	ck_assert_int_eq(incident_of(acc).outcome, OUTCOME_NO_COMPROMISE);
}
END_TEST

START_TEST(inventory)
{
	entry_item a[] = {kg("6001"), kg("6002")}, b[] = {kg("6003")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "222222", .peer = "COR", IT(b), .sig = {CUST2});
	NO(ST_NOSIG, "2 needed", .action = ACT_INVENTORY, .account = "111111", IT(a),
	   .sig = {CUST});
	NO(ST_USAGE, "is on hand at account 222222, not held by account 111111",
	   .action = ACT_INVENTORY, .account = "111111", IT(b), .sig = {CUST, WIT});
	entry_item changed[] = {kg("6001")};
	changed[0].qty = 1;
	changed[0].alc = 4;
	NO(ST_USAGE, "ALC is 1 in the ledger, not 4", .action = ACT_INVENTORY,
	   .account = "111111", IT(changed), .sig = {CUST, WIT});
	/* A spot check (one of the two items) leaves the clock. */
	entry_item one[] = {kg("6002")};
	OK(.action = ACT_INVENTORY, .account = "111111", IT(one), .sig = {CUST, WIT});
	ck_assert_int_eq(account_of("111111").last_inventory_us, 0);
	/* Every item held: complete, the clock starts again. */
	OK(.action = ACT_INVENTORY, .account = "111111", IT(a), .sig = {CUST, WIT});
	int64_t complete = replay_last_time(R);
	ck_assert_int_eq(account_of("111111").last_inventory_us, complete);
	ck_assert_int_eq(account_of("222222").last_inventory_us, 0);
	/* Sighting does not change the items. */
	ck_assert_str_eq(item_of("6001").last_txn, "111111-2026-0001");
	/* An administrator is no witness of an account he holds no role on. */
	NO(ST_PERM, "a witness of account 222222", .action = ACT_INVENTORY, .account = "222222",
	   .sig = {CUST2, ADMIN});
	/* An inventory may sight nothing: a spot check here, which leaves
	 * the clock where the complete one set it. */
	OK(.action = ACT_INVENTORY, .account = "111111", .sig = {ALT, WIT});
	ck_assert(replay_last_time(R) > complete);
	ck_assert_int_eq(account_of("111111").last_inventory_us, complete);
	ck_assert_int_eq(account_of("222222").last_inventory_us, 0);
}
END_TEST

/* alc-change and key-effective: the record's ALC and effect state change,
 * not the item's custody; later entries carry the new ALC; the state comes
 * back as reserve when the key moves on.  Every entry is judged by a seeded
 * replay too (apply), so the server's seeding carries the state. */
START_TEST(alc_and_effect)
{
	entry_item eq[] = {kg("9001")};
	eq[0].alc = 2;
	entry_item k[] = {tskey("9002")}, issued[] = {tskey("9003")}, both[] = {tskey("9002"),
										 tskey("9003")};
	k[0].cls = issued[0].cls = both[0].cls = both[1].cls = CLASS_S;
	k[0].alc = issued[0].alc = both[0].alc = both[1].alc = 7;
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(eq), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(both), .sig = {CUST});
	/* ALC: an upgrade alone, a downgrade on the authority's reference */
	NO(ST_USAGE, "ALC-2 to ALC-4 is no upgrade", .action = ACT_ALC_CHANGE,
	   .account = "111111", IT(eq), .details = {"alc", "4"}, .sig = {CUST});
	NO(ST_USAGE, "is ALC-2 already", .action = ACT_ALC_CHANGE, .account = "111111", IT(eq),
	   .details = {"alc", "2"}, .sig = {CUST});
	NO(ST_PERM, "the custodian or alternate of account 111111", .action = ACT_ALC_CHANGE,
	   .account = "111111", IT(eq), .details = {"alc", "1"}, .sig = {WIT});
	OK(.action = ACT_ALC_CHANGE, .account = "111111", IT(eq), .details = {"alc", "1"},
	   .sig = {CUST});
	replay_item it = item_of("9001");
	ck_assert_int_eq(it.facts.alc, 1);
	ck_assert_int_eq(it.status, ITEM_ON_HAND);
	ck_assert_str_eq(it.last_txn, "111111-2026-0001"); /* custody unchanged */
	/* the record's ALC is now 1: an entry with the old one is refused */
	NO(ST_USAGE, "ALC is 1 in the ledger, not 2", .action = ACT_ALC_CHANGE,
	   .account = "111111", IT(eq), .details = {"alc", "4", "authority", "NSA-17"},
	   .sig = {CUST});
	eq[0].alc = 1;
	OK(.action = ACT_ALC_CHANGE, .account = "111111", IT(eq),
	   .details = {"alc", "4", "authority", "NSA-17"}, .sig = {CUST});
	ck_assert_int_eq(item_of("9001").facts.alc, 4);
	eq[0].alc = 4;
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(eq), .sig = {CUST});
	/* key into effect: once, issued or on hand, and it stays under its issue */
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(issued),
	   .sig = {CUST, HOLD});
	ck_assert(!item_of("9002").in_effect);
	NO(ST_USAGE, "is equipment, not keying material", .action = ACT_KEY_EFFECTIVE,
	   .account = "111111", IT(eq), .sig = {CUST});
	OK(.action = ACT_KEY_EFFECTIVE, .account = "111111", IT(both), .sig = {CUST});
	ck_assert(item_of("9002").in_effect);
	it = item_of("9003");
	ck_assert(it.in_effect);
	ck_assert_int_eq(it.status, ITEM_ISSUED);
	ck_assert_str_eq(it.holder, names[HOLD]);
	NO(ST_USAGE, "is in effect already", .action = ACT_KEY_EFFECTIVE, .account = "111111",
	   IT(k), .sig = {CUST});
	OK(.action = ACT_RETURN, .account = "111111", .holder = names[HOLD],
	   .ref = "111111-2026-0006", IT(issued), .sig = {CUST, HOLD});
	ck_assert(!txn_of("111111-2026-0006").open);
	ck_assert(item_of("9003").in_effect);
	/* superseded on 2026-02-01: not put into effect from that day */
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "222222", IT(k), .sig = {CUST});
	ck_assert(!item_of("9002").in_effect); /* arrives in reserve */
	OK(.action = ACT_ACCEPT, .account = "222222", .ref = "111111-2026-0009", IT(k),
	   .sig = {CUST2});
	NO(ST_USAGE, "is superseded on 2026-02-01", .action = ACT_KEY_EFFECTIVE,
	   .account = "222222", IT(k), .time = INT64_C(1769936400000000) /* 2026-02-01T09Z */,
	   .sig = {CUST2});
	/* TOP SECRET key: a witness signs too */
	entry_item ts[] = {tskey("9004")};
	ts[0].alc = 6;
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(ts), .sig = {CUST, WIT});
	NO(ST_NOSIG, "2 needed", .action = ACT_KEY_EFFECTIVE, .account = "111111", IT(ts),
	   .sig = {CUST});
	OK(.action = ACT_KEY_EFFECTIVE, .account = "111111", IT(ts), .sig = {CUST, WIT});
	ck_assert(item_of("9004").in_effect);
}
END_TEST

/* A change of custodian: the joint inventory lists every item on hand or
 * issued at the account (in transit, destroyed or another account's do not
 * count); the custodian (not an alternate) hands over to the person named,
 * who co-signs; from that index the incoming one is custodian and the
 * outgoing one's role (here their last) ends. */
START_TEST(custodian_change)
{
	entry_item a[] = {kg("8001"), kg("8002"), kg("8003"), kg("8004")};
	entry_item b[] = {kg("8005")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "222222", .peer = "COR", IT(b), .sig = {CUST2});
	entry_item issued[] = {kg("8002")}, gone[] = {kg("8003")}, away[] = {kg("8004")};
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(issued),
	   .sig = {CUST, HOLD});
	OK(.action = ACT_DESTROY, .account = "111111", IT(gone), .sig = {CUST, WIT});
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "COR", IT(away), .sig = {CUST});
	entry_item all[] = {kg("8001"), kg("8002")}, part[] = {kg("8001")};
	entry_item extra[] = {kg("8001"), kg("8002"), kg("8004")};
	entry_item other[] = {kg("8001"), kg("8002"), kg("8005")};
	uint8_t before[SHA256_LEN], after[SHA256_LEN];
	digest(before);
	NO(ST_USAGE, "lists every item on hand or issued at account 111111, 2 now; it lists 1",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[ALT], IT(part),
	   .sig = {CUST, ALT});
	NO(ST_USAGE, "item KG-175D serial 8004 is in transit", .action = ACT_CUSTODIAN_CHANGE,
	   .account = "111111", .holder = names[ALT], IT(extra), .sig = {CUST, ALT});
	NO(ST_USAGE, "item KG-175D serial 8005 is on hand at account 222222",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[ALT], IT(other),
	   .sig = {CUST, ALT});
	NO(ST_USAGE, "names the holder", .action = ACT_CUSTODIAN_CHANGE, .account = "111111",
	   IT(all), .sig = {CUST, ALT});
	NO(ST_USAGE, "the incoming custodian TEST-ONLY-auditor is not an enrolled person who may sign",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[AUD], IT(all),
	   .sig = {CUST, AUD});
	NO(ST_USAGE, "TEST-ONLY-custodian is already custodian of account 111111",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[CUST], IT(all),
	   .sig = {ALT, CUST});
	NO(ST_PERM, "needs the outgoing custodian of account 111111 (its custodian, not an alternate)",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[WIT], IT(all),
	   .sig = {ALT, WIT});
	NO(ST_PERM, "needs the incoming custodian TEST-ONLY-alternate besides",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[ALT], IT(all),
	   .sig = {CUST, WIT});
	digest(after);
	ck_assert_mem_eq(before, after, SHA256_LEN);
	OK(.action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[ALT], IT(all),
	   .sig = {CUST, ALT});
	ck_assert_int_eq(account_of("111111").last_inventory_us, replay_last_time(R));
	ck_assert(revoked(names[CUST]));
	ck_assert_uint_eq(roles_of(names[CUST]), 0);
	ck_assert_uint_eq(roles_of(names[ALT]), 2); /* alternate, and custodian now */
	ck_assert_int_eq(status_of("8002"), ITEM_ISSUED);
	ck_assert_str_eq(item_of("8001").last_txn, "111111-2026-0001"); /* listed, unchanged */
	/* the outgoing custodian signs no more; the incoming one acts */
	entry_item c[] = {kg("8006")};
	NO(ST_NOSIG, "was revoked at entry", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(c), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(c), .sig = {ALT});
	/* an empty account changes custodian with an empty inventory */
	OK(.action = ACT_CUSTODIAN_CHANGE, .account = "222222", .holder = names[ALT],
	   IT(b), .sig = {CUST2, ALT});
	NO(ST_USAGE, "3 now; it lists 1", .action = ACT_CUSTODIAN_CHANGE, .account = "111111",
	   .holder = names[WIT], IT(part), .sig = {ALT, WIT});
}
END_TEST


/* A certification (docs/log-format.md, "The sighted list"): counts and the
 * hash of the list, no item lines; judged against the whole state here and
 * against the seeded list by put()'s seeded replay. */
static void list_hex(const char *lines, char out[65])
{
	uint8_t d[SHA256_LEN];
	sha256(lines, strlen(lines), d);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

START_TEST(certification)
{
	entry_item a[] = {kg("7002"), kg("7001"), kg("7003"), tskey("7004")};
	a[2].alc = 4;        /* locally accountable: not in an inventory's list */
	a[3].alc = 7;
	a[3].cls = CLASS_S;  /* one signer */
	entry_item lot[] = {{KIND_PUBLICATION, 2, CLASS_C, false, 40, "", "", "KAO-1", 0, 0}};
	entry_item b[] = {kg("7005")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(lot), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "222222", .peer = "COR", IT(b), .sig = {CUST2});
	entry_item gone[] = {kg("7002")};
	OK(.action = ACT_ISSUE, .account = "111111", .holder = names[HOLD], IT(gone),
	   .sig = {CUST, HOLD});
	/* the lists, written out: issued counts, ALC 4 and 7 only for a change */
	char inv[65], all[65], bad[65];
	list_hex("KAO-1\t\t\t40\nKG-175D\t\t7001\t1\nKG-175D\t\t7002\t1\n", inv);
	list_hex("AKAT 1234\tAB\t7004\t1\nKAO-1\t\t\t40\nKG-175D\t\t7001\t1\n"
		 "KG-175D\t\t7002\t1\nKG-175D\t\t7003\t1\n", all);
	list_hex("KAO-1\t\t\t40\nKG-175D\t\t7001\t1\n", bad);
	uint8_t before[SHA256_LEN], after[SHA256_LEN];
	digest(before);
	NO(ST_USAGE, "the certified list (3 items, sha256 ", .action = ACT_INVENTORY,
	   .account = "111111", .details = {"list_sha256", bad, "sighted", "3"},
	   .sig = {CUST, WIT});
	NO(ST_USAGE, "is not the list of the 3 items accountable to the COR (ALC 1, 2, 6) held "
	   "at account 111111", .action = ACT_INVENTORY, .account = "111111",
	   .details = {"list_sha256", inv, "sighted", "2"}, .sig = {CUST, WIT});
	NO(ST_USAGE, "(3 items, sha256 ", .action = ACT_INVENTORY, .account = "111111",
	   .details = {"list_sha256", all, "sighted", "3"}, .sig = {CUST, WIT});
	NO(ST_USAGE, "a certification lists no items (it lists 1)", .action = ACT_INVENTORY,
	   .account = "111111", IT(b), .details = {"list_sha256", inv, "sighted", "3"},
	   .sig = {CUST, WIT});
	NO(ST_USAGE, "without leading zeros", .action = ACT_INVENTORY, .account = "111111",
	   .details = {"list_sha256", inv, "sighted", "03"}, .sig = {CUST, WIT});
	NO(ST_NOSIG, "2 needed", .action = ACT_INVENTORY, .account = "111111",
	   .details = {"list_sha256", inv, "sighted", "3"}, .sig = {CUST});
	/* a seeded replay that was not given the list refuses, never guesses */
	{
		spec s = {.action = ACT_INVENTORY, .account = "111111",
			  .details = {"list_sha256", inv, "sighted", "3"}, .sig = {CUST, WIT}};
		size_t len;
		char *rec = make(&s, &len);
		seed_list_action = ACT_INVENTORY;
		seed_list_give = false;
		replay *sr = seed_from(R);
		seed_list_give = true;
		errbuf err = {0};
		ck_assert_int_eq(replay_apply(sr, (const uint8_t *)rec, len, &err), ST_USAGE);
		ck_assert_msg(strstr(err.msg, "the list of the account was not given") != NULL,
			      "%s", err.msg);
		/* given the list of another action, the same */
		seed_list_action = ACT_CUSTODIAN_CHANGE;
		replay *sr2 = seed_from(R);
		errbuf err2 = {0};
		ck_assert_int_eq(replay_apply(sr2, (const uint8_t *)rec, len, &err2), ST_USAGE);
		ck_assert_msg(strstr(err2.msg, "was not given") != NULL, "%s", err2.msg);
		replay_free(sr);
		replay_free(sr2);
		free(rec);
	}
	digest(after);
	ck_assert_mem_eq(before, after, SHA256_LEN);
	ck_assert_int_eq(account_of("111111").last_inventory_us, 0);
	/* the right list: complete, the clock starts */
	OK(.action = ACT_INVENTORY, .account = "111111",
	   .details = {"found", "0", "list_sha256", inv, "not_sighted", "0", "qty_diff", "0",
		       "sighted", "3"},
	   .sig = {CUST, WIT});
	ck_assert(replay_last_complete(R));
	ck_assert_int_eq(account_of("111111").last_inventory_us, replay_last_time(R));
	ck_assert_int_eq(account_of("222222").last_inventory_us, 0);
	/* a change of custodian certifies every ALC */
	NO(ST_USAGE, "is not the list of the 5 items of every ALC held at account 111111",
	   .action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[ALT],
	   .details = {"list_sha256", inv, "sighted", "5"}, .sig = {CUST, ALT});
	OK(.action = ACT_CUSTODIAN_CHANGE, .account = "111111", .holder = names[ALT],
	   .details = {"list_sha256", all, "sighted", "5"}, .sig = {CUST, ALT});
	ck_assert(replay_last_complete(R));
	ck_assert_int_eq(account_of("111111").last_inventory_us, replay_last_time(R));
	ck_assert(revoked(names[CUST]));
	ck_assert_uint_eq(roles_of(names[ALT]), 2);
	/* an empty list: SHA-256 of nothing */
	char none[65];
	list_hex("", none);
	OK(.action = ACT_TRANSFER, .account = "222222", .peer = "COR", IT(b), .sig = {CUST2});
	NO(ST_USAGE, "(1 item, sha256 ", .action = ACT_CUSTODIAN_CHANGE, .account = "222222",
	   .holder = names[ALT], .details = {"list_sha256", none, "sighted", "1"},
	   .sig = {CUST2, ALT});
	OK(.action = ACT_CUSTODIAN_CHANGE, .account = "222222", .holder = names[ALT],
	   .details = {"list_sha256", none, "sighted", "0"}, .sig = {CUST2, ALT});
	ck_assert_int_eq(account_of("222222").last_inventory_us, replay_last_time(R));
}
END_TEST

START_TEST(key_registry)
{
	/* Signers of key-enrol. */
	NO(ST_NOSIG, "1 distinct trusted key, 2 needed", .action = ACT_KEY_ENROL, .key = NEWK,
	   .role = ROLE_HOLDER, .account = "111111", .sig = {ADMIN});
	NO(ST_PERM, "a second person or the key being enrolled besides an administrator",
	   .action = ACT_KEY_ENROL, .key = NEWK, .role = ROLE_HOLDER, .account = "111111",
	   .sig = {ADMIN, AUD});
	NO(ST_PERM, "needs an administrator", .action = ACT_KEY_ENROL, .key = NEWK,
	   .role = ROLE_HOLDER, .account = "111111", .sig = {CUST, NEWK});
	/* The key being enrolled counts only for its own enrolment. */
	entry_item a[] = {kg("7001")};
	NO(ST_NOSIG, "no signature from a trusted key", .action = ACT_RECEIPT, .account = "111111",
	   .peer = "COR", IT(a), .sig = {NEWK});
	/* Fields of key-enrol. */
	NO(ST_USAGE, "the custodian role needs an account", .action = ACT_KEY_ENROL, .key = NEWK,
	   .role = ROLE_CUSTODIAN, .sig = {ADMIN, NEWK});
	NO(ST_USAGE, "account 333333 is not open", .action = ACT_KEY_ENROL, .key = NEWK,
	   .role = ROLE_CUSTODIAN, .account = "333333", .sig = {ADMIN, NEWK});
	NO(ST_USAGE, "whole-log role", .action = ACT_KEY_ENROL, .key = NEWK, .role = ROLE_AUDITOR,
	   .account = "111111", .sig = {ADMIN, NEWK});
	NO(ST_USAGE, "the name TEST-ONLY-custodian is already enrolled with another key",
	   .action = ACT_KEY_ENROL, .key = IMPOSTOR, .role = ROLE_CUSTODIAN, .account = "222222",
	   .sig = {ADMIN, IMPOSTOR});
	NO(ST_USAGE, "already enrolled under the name TEST-ONLY-custodian", .action = ACT_KEY_ENROL,
	   .key = ALIAS, .role = ROLE_WITNESS, .account = "222222", .sig = {ADMIN, ALIAS});
	NO(ST_USAGE, "TEST-ONLY-custodian already holds the custodian role on account 111111",
	   .action = ACT_KEY_ENROL, .key = CUST, .role = ROLE_CUSTODIAN, .account = "111111",
	   .sig = {ADMIN, CUST});
	NO(ST_USAGE, "exactly one key line", .action = ACT_KEY_ENROL, .sig = {ADMIN, ADMIN2});
	OK(.action = ACT_KEY_ENROL, .key = NEWK, .role = ROLE_WITNESS, .account = "222222",
	   .sig = {ADMIN, NEWK});

	/* key-revoke. */
	NO(ST_USAGE, "does not hold the holder role on account 222222", .action = ACT_KEY_REVOKE,
	   .key = NEWK, .role = ROLE_HOLDER, .account = "222222", .sig = {ADMIN, WIT});
	NO(ST_USAGE, "is not enrolled", .action = ACT_KEY_REVOKE, .key = OUTS,
	   .role = ROLE_HOLDER, .account = "222222", .sig = {ADMIN, WIT});
	NO(ST_PERM, "a second person other than the key being revoked", .action = ACT_KEY_REVOKE,
	   .key = NEWK, .role = ROLE_WITNESS, .account = "222222", .sig = {ADMIN, NEWK});
	NO(ST_PERM, "needs an administrator", .action = ACT_KEY_REVOKE, .key = NEWK,
	   .role = ROLE_WITNESS, .account = "222222", .sig = {CUST, WIT});
	OK(.action = ACT_KEY_REVOKE, .key = NEWK, .role = ROLE_WITNESS, .account = "222222",
	   .sig = {ADMIN, CUST2});
	ck_assert(revoked(names[NEWK]));
	ck_assert_uint_eq(roles_of(names[NEWK]), 0);
	NO(ST_USAGE, "is already revoked", .action = ACT_KEY_REVOKE, .key = NEWK,
	   .role = ROLE_WITNESS, .account = "222222", .sig = {ADMIN, CUST2});
	NO(ST_USAGE, "a revoked key is not enrolled again", .action = ACT_KEY_ENROL, .key = NEWK,
	   .role = ROLE_WITNESS, .account = "222222", .sig = {ADMIN, CUST2});

	/* One of two roles ends: the key stays valid. */
	OK(.action = ACT_KEY_ENROL, .key = WIT, .role = ROLE_HOLDER, .account = "111111",
	   .sig = {ADMIN, WIT});
	OK(.action = ACT_KEY_REVOKE, .key = WIT, .role = ROLE_WITNESS, .account = "111111",
	   .sig = {ADMIN, CUST});
	ck_assert(!revoked(names[WIT]));
	ck_assert_uint_eq(roles_of(names[WIT]), 1);

	/* The last custodian or alternate of an account stays; one of two goes. */
	NO(ST_USAGE, "TEST-ONLY-custodian2 is the last custodian or alternate of account 222222",
	   .action = ACT_KEY_REVOKE, .key = CUST2, .role = ROLE_CUSTODIAN, .account = "222222",
	   .sig = {ADMIN, CUST});
	OK(.action = ACT_KEY_REVOKE, .key = ALT, .role = ROLE_ALTERNATE, .account = "111111",
	   .sig = {ADMIN, CUST});
	NO(ST_USAGE, "TEST-ONLY-custodian is the last custodian or alternate of account 111111",
	   .action = ACT_KEY_REVOKE, .key = CUST, .role = ROLE_CUSTODIAN, .account = "111111",
	   .sig = {ADMIN, WIT});

	/* The last administrator stays. */
	OK(.action = ACT_KEY_REVOKE, .key = ADMIN2, .role = ROLE_ADMINISTRATOR, .sig = {ADMIN, CUST});
	ck_assert(revoked(names[ADMIN2]));
	NO(ST_USAGE, "TEST-ONLY-admin is the last administrator", .action = ACT_KEY_REVOKE,
	   .key = ADMIN, .role = ROLE_ADMINISTRATOR, .sig = {ADMIN, CUST});
	ck_assert(!revoked(names[ADMIN]));
	/* A revoked administrator's signature does not count. */
	NO(ST_NOSIG, "no signature from a trusted key", .action = ACT_ACCOUNT_OPEN,
	   .account = "333333", .text = "Third", .sig = {ADMIN2});
	OK(.action = ACT_ACCOUNT_OPEN, .account = "333333", .text = "Third", .sig = {ADMIN});
}
END_TEST

/* A person's key replaced: signed by an administrator and the key
 * replaced (or, lost, a second administrator or an authority); the old key
 * signs no more from the next entry, and is never anyone's key again.
 * IMPOSTOR is a key with the custodian's name: here, their new key. */
START_TEST(key_rotation)
{
	entry_item a[] = {kg("7001")}, b[] = {kg("7002")};
#define ROT(...) .action = ACT_KEY_ROTATE, .role = ROLE_CUSTODIAN, .account = "111111", __VA_ARGS__
	NO(ST_USAGE, "exactly two key lines", ROT(.key = CUST, .sig = {ADMIN, CUST}));
	NO(ST_USAGE, "two key lines name one person with one role",
	   ROT(.key = CUST, .key2 = ALIAS, .sig = {ADMIN, CUST}));
	NO(ST_USAGE, "the key of TEST-ONLY-custodian to be replaced is not the one enrolled",
	   ROT(.key = IMPOSTOR, .key2 = CUST, .sig = {ADMIN, AUTH}));
	NO(ST_USAGE, "TEST-ONLY-custodian does not hold the witness role on account 111111",
	   .action = ACT_KEY_ROTATE, .role = ROLE_WITNESS, .account = "111111", .key = CUST,
	   .key2 = IMPOSTOR, .sig = {ADMIN, CUST});
	NO(ST_NOSIG, "1 distinct trusted key, 2 needed", ROT(.key = CUST, .key2 = IMPOSTOR,
							      .sig = {ADMIN}));
	/* a witness of the account is not the key replaced, nor an authority */
	NO(ST_PERM, "the key of TEST-ONLY-custodian being replaced (or, the key lost, a second "
	   "administrator or an authority)", ROT(.key = CUST, .key2 = IMPOSTOR, .sig = {ADMIN, WIT}));
	NO(ST_PERM, "needs an administrator", ROT(.key = CUST, .key2 = IMPOSTOR, .sig = {CUST, AUTH}));
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	OK(ROT(.key = CUST, .key2 = IMPOSTOR, .sig = {ADMIN, CUST}));
	replay_person p = person_of(names[CUST]);
	ck_assert_mem_eq(p.key.pk, key_secret_public(K[IMPOSTOR])->pk, KEY_PK_LEN);
	ck_assert_uint_eq(p.key_index, replay_size(R) - 1);
	ck_assert(!revoked(names[CUST]));
	/* the old key signs no more; the new one acts with the custodian's roles */
	NO(ST_NOSIG, "has another key ID than the key in force since entry", .action = ACT_RECEIPT,
	   .account = "111111", .peer = "COR", IT(b), .sig = {CUST});
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(b), .sig = {IMPOSTOR});
	/* the old key is never enrolled again, by anyone or as a new key */
	NO(ST_USAGE, "the new public key is, or was, enrolled under the name TEST-ONLY-custodian",
	   ROT(.key = IMPOSTOR, .key2 = CUST, .sig = {ADMIN, IMPOSTOR}));
	NO(ST_USAGE, "already enrolled under the name TEST-ONLY-custodian",
	   .action = ACT_KEY_ENROL, .key = ALIAS, .role = ROLE_HOLDER, .account = "111111",
	   .sig = {ADMIN, ALIAS});
	/* the key lost: an administrator and an authority put a new one in */
	OK(ROT(.key = IMPOSTOR, .key2 = NEWK_CUST, .sig = {ADMIN, AUTH}));
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "COR", IT(b), .sig = {NEWK_CUST});
#undef ROT
}
END_TEST

START_TEST(accounts_and_unsupported)
{
	NO(ST_USAGE, "account 111111 is already open", .action = ACT_ACCOUNT_OPEN,
	   .account = "111111", .text = "Again", .sig = {ADMIN});
	NO(ST_USAGE, "1 to 200 bytes", .action = ACT_ACCOUNT_OPEN, .account = "333333",
	   .sig = {ADMIN});
	NO(ST_USAGE, "NUL byte", .action = ACT_ACCOUNT_OPEN, .account = "333333",
	   .text = "Third", .edit_from = "text Third", .edit_to = "text Th\\x00ird", .sig = {ADMIN});
	NO(ST_USAGE, "account-open names the account", .action = ACT_ACCOUNT_OPEN, .text = "Third",
	   .sig = {ADMIN});
	OK(.action = ACT_ACCOUNT_OPEN, .account = "333333", .text = "Third", .sig = {ADMIN});
	ck_assert_str_eq(account_of("333333").name, "Third");
}
END_TEST

/* Outside accounts are registered before material goes to or comes from
 * them; details of accounts and people are set by an administrator. */
START_TEST(outside_and_details)
{
	entry_item a[] = {kg("5001")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	NO(ST_USAGE, "account 777777 is neither open in this ledger nor registered",
	   .action = ACT_TRANSFER, .account = "111111", .peer = "777777", IT(a), .sig = {CUST});
	NO(ST_USAGE, "account 777777 is neither open in this ledger nor registered",
	   .action = ACT_RECEIPT, .account = "111111", .peer = "777777", IT(a), .sig = {CUST});
	/* a v1 entry is older than registration: its peer is any account */
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "777777", IT(a), .sig = {CUST},
	   .v1 = true);
	NO(ST_PERM, "an administrator", .action = ACT_ACCOUNT_OUTSIDE, .account = "777777",
	   .text = "Unit", .sig = {CUST});
	NO(ST_USAGE, "already open in this ledger", .action = ACT_ACCOUNT_OUTSIDE,
	   .account = "222222", .text = "Unit", .sig = {ADMIN});
	NO(ST_USAGE, "already registered as an account outside this ledger",
	   .action = ACT_ACCOUNT_OUTSIDE, .account = "654321", .text = "Again", .sig = {ADMIN});
	NO(ST_USAGE, "already registered as an account outside this ledger",
	   .action = ACT_ACCOUNT_OPEN, .account = "654321", .text = "Joins", .sig = {ADMIN});
	NO(ST_USAGE, "1 to 200 bytes", .action = ACT_ACCOUNT_OUTSIDE, .account = "888888",
	   .sig = {ADMIN});
	OK(.action = ACT_ACCOUNT_OUTSIDE, .account = "888888", .text = "Depot",
	   .details = {"address", "12 Quay Rd, Halifax"}, .sig = {ADMIN});
	entry_item b[] = {kg("5002")};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "888888", IT(b), .sig = {CUST});
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "888888", IT(b), .sig = {CUST});
	/* details */
	NO(ST_PERM, "an administrator", .action = ACT_ACCOUNT_DETAILS, .account = "111111",
	   .details = {"address", "x"}, .sig = {CUST});
	NO(ST_USAGE, "account 999999 is neither open in this ledger nor registered outside it",
	   .action = ACT_ACCOUNT_DETAILS, .account = "999999", .details = {"address", "x"},
	   .sig = {ADMIN});
	NO(ST_USAGE, "is six digits", .action = ACT_ACCOUNT_DETAILS, .account = "111111",
	   .details = {"cor_account", "COR-1"}, .sig = {ADMIN});
	NO(ST_USAGE, "has no COR account here", .action = ACT_ACCOUNT_DETAILS, .account = "888888",
	   .details = {"cor_account", "100001"}, .sig = {ADMIN});
	OK(.action = ACT_ACCOUNT_DETAILS, .account = "111111",
	   .details = {"address", "CFB Kingston, Bldg 7", "cor_account", "100001"}, .sig = {ADMIN});
	OK(.action = ACT_ACCOUNT_DETAILS, .account = "111111", .details = {"address", "Bldg 9"},
	   .sig = {ADMIN});
	replay_account ac = account_of("111111");
	ck_assert_str_eq(ac.address, "Bldg 9");
	ck_assert_str_eq(ac.cor_account, "100001"); /* not given: kept */
	ck_assert_uint_eq(ac.details_index, replay_size(R) - 1);
	OK(.action = ACT_ACCOUNT_DETAILS, .account = "888888", .details = {"address", "Pier 4"},
	   .sig = {ADMIN});
	NO(ST_USAGE, "TEST-ONLY-nobody is not an enrolled person whose key is in force",
	   .action = ACT_PERSON_DETAILS, .holder = "TEST-ONLY-nobody", .details = {"rank", "Sgt"},
	   .sig = {ADMIN});
	NO(ST_USAGE, "has no account", .action = ACT_PERSON_DETAILS, .holder = "TEST-ONLY-holder",
	   .account = "111111", .details = {"rank", "Sgt"}, .sig = {ADMIN});
	OK(.action = ACT_PERSON_DETAILS, .holder = "TEST-ONLY-holder",
	   .details = {"position", "Signals operator", "rank", "Sgt"}, .sig = {ADMIN});
	OK(.action = ACT_PERSON_DETAILS, .holder = "TEST-ONLY-holder", .details = {"rank", "WO"},
	   .sig = {ADMIN});
	replay_person p = person_of("TEST-ONLY-holder");
	ck_assert_str_eq(p.rank, "WO");
	ck_assert_str_eq(p.position, "Signals operator");
}
END_TEST

/* Policy-set entries: an administrator and a second administrator or
 * authority set policies in range; every entry is judged by the policy in
 * force at its index, and the values by index stay known. */
START_TEST(policy_by_index)
{
	entry_item sk = {KIND_KEY, 1, CLASS_S, true, 1, "", "A", "AKAT 4321", 20260101, 20260201};
	snprintf(sk.serial, sizeof sk.serial, "S1");
	entry_item a[] = {sk};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	/* the defaults, before any policy-set */
	uint64_t at = 99;
	ck_assert_int_eq(replay_policy(R, POL_TWO_PERSON_KEY_CLASS, &at), 3);
	ck_assert_uint_eq(at, 0);
	ck_assert_int_eq(replay_policy(R, POL_DESTRUCTION_DEADLINE, NULL), 12);
	/* the refusals */
	NO(ST_NOSIG, "2 needed", .action = ACT_POLICY_SET,
	   .details = {"two_person_key_class", "2"}, .sig = {ADMIN});
	NO(ST_PERM, "needs a second person who is an administrator or an authority besides an "
		    "administrator", .action = ACT_POLICY_SET,
	   .details = {"two_person_key_class", "2"}, .sig = {ADMIN, WIT});
	NO(ST_PERM, "needs an administrator among its signers", .action = ACT_POLICY_SET,
	   .details = {"two_person_key_class", "2"}, .sig = {AUD, AUTH});
	NO(ST_USAGE, "policy destruction_deadline_hours is a whole number from 1 to 72",
	   .action = ACT_POLICY_SET, .details = {"destruction_deadline_hours", "73"},
	   .sig = {ADMIN, AUTH});
	NO(ST_USAGE, "policy two_person_key_class is a whole number from 0 to 3",
	   .action = ACT_POLICY_SET, .details = {"two_person_key_class", "x"}, .sig = {ADMIN, AUTH});
	NO(ST_USAGE, "a policy-set entry has no account", .action = ACT_POLICY_SET,
	   .account = "111111", .details = {"two_person_key_class", "2"}, .sig = {ADMIN, AUTH});
	errbuf err = {0};
	spec bad = {.action = ACT_POLICY_SET, .details = {"incident_report_hours", "0"},
		    .sig = {ADMIN, AUTH}};
	ck_assert_int_eq(put(&bad, &err), ST_USAGE);
	ck_assert_int_eq(err.why, RULE_POLICY_VALUE);
	spec one = {.action = ACT_POLICY_SET, .details = {"transit_alarm_days", "5"},
		    .sig = {ADMIN, HOLD}};
	ck_assert_int_eq(put(&one, &err), ST_PERM);
	ck_assert_int_eq(err.why, RULE_SIGNERS);
	/* SECRET keying material from class 2 on needs a witness */
	OK(.action = ACT_POLICY_SET, .details = {"destruction_deadline_hours", "24",
						 "two_person_key_class", "2"}, .sig = {ADMIN, ADMIN2});
	uint64_t set = replay_size(R) - 1;
	ck_assert_int_eq(replay_policy(R, POL_TWO_PERSON_KEY_CLASS, &at), 2);
	ck_assert_uint_eq(at, set);
	ck_assert_int_eq(replay_policy(R, POL_DESTRUCTION_DEADLINE, &at), 24);
	ck_assert_uint_eq(at, set);
	ck_assert_int_eq(replay_policy(R, POL_TRANSIT_ALARM, &at), 30);
	ck_assert_uint_eq(at, 0);
	NO(ST_PERM, "needs a witness of account 111111", .action = ACT_TRANSFER,
	   .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	entry_item c = sk;
	c.cls = CLASS_C;
	snprintf(c.serial, sizeof c.serial, "C1");
	entry_item cc[] = {c};
	OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", IT(cc), .sig = {CUST});
	/* the authority may be the second person; back to TOP SECRET only */
	OK(.action = ACT_POLICY_SET, .details = {"two_person_key_class", "3"}, .sig = {ADMIN, AUTH});
	uint64_t back = replay_size(R) - 1;
	OK(.action = ACT_TRANSFER, .account = "111111", .peer = "COR", IT(a), .sig = {CUST});
	/* judged by index: the value in force at each entry */
	ck_assert_int_eq(replay_policy_at(R, POL_TWO_PERSON_KEY_CLASS, set), 3);
	ck_assert_int_eq(replay_policy_at(R, POL_TWO_PERSON_KEY_CLASS, set + 1), 2);
	ck_assert_int_eq(replay_policy_at(R, POL_TWO_PERSON_KEY_CLASS, back), 2);
	ck_assert_int_eq(replay_policy_at(R, POL_TWO_PERSON_KEY_CLASS, back + 1), 3);
	ck_assert_int_eq(replay_policy_at(R, POL_DESTRUCTION_DEADLINE, set), 12);
	ck_assert_int_eq(replay_policy_at(R, POL_DESTRUCTION_DEADLINE, back + 1), 24);
	ck_assert_int_eq(replay_policy_at(R, POL__COUNT, back), -1);
	/* a seeded value out of range, or set at the head or later, is refused */
	ck_assert_int_eq(replay_seed_policy(R, POL_DESTRUCTION_DEADLINE, 73, 0), ST_FORMAT);
	ck_assert_int_eq(replay_seed_policy(R, POL_DESTRUCTION_DEADLINE, 24, replay_size(R)),
			 ST_FORMAT);
}
END_TEST

START_TEST(item_status_names)
{
	for (int s = 0; s < ITEM__COUNT; s++)
		ck_assert_int_eq(item_status_from_name(item_status_name((item_status)s)), s);
	ck_assert_int_eq(item_status_from_name("lost"), -1);
	ck_assert_str_eq(item_status_name(ITEM_IN_TRANSIT), "in_transit");
	ck_assert(item_status_open(ITEM_INCIDENT));
	ck_assert(!item_status_open(ITEM_RELIEVED));
}
END_TEST

typedef struct order_ctx {
	size_t n;
	char last[96];
	bool sorted;
	size_t on_hand;
} order_ctx;

static bool check_order(void *ctx, const replay_item *it)
{
	order_ctx *c = ctx;
	char key[96];
	snprintf(key, sizeof key, "%s|%s|%s", it->facts.title, it->facts.edition, it->facts.serial);
	if (c->n > 0 && strcmp(c->last, key) >= 0)
		c->sorted = false;
	memcpy(c->last, key, sizeof key);
	c->on_hand += it->status == ITEM_ON_HAND;
	c->n++;
	return true;
}

/* 100,000 items in 200 receipts of 500; then a few thousand move. */
START_TEST(many_items)
{
	enum { PER = ENTRY_MAX_ITEMS, ENTRIES = 200 };
	judge_seeded = false; /* seeding 100,000 items per entry: the other tests judge it */
	entry_item *items = calloc(PER, sizeof *items);
	ck_assert_ptr_nonnull(items);
	clock_t start = clock();
	for (int e = 0; e < ENTRIES; e++) {
		/* Entries in descending serial order, so the list is not born sorted. */
		for (int i = 0; i < PER; i++) {
			items[i] = kg("");
			snprintf(items[i].serial, sizeof items[i].serial, "S%06d",
				 (ENTRIES - 1 - e) * PER + i);
		}
		OK(.action = ACT_RECEIPT, .account = "111111", .peer = "COR", .items = items,
		   .nitems = PER, .sig = {CUST});
	}
	for (int e = 0; e < 4; e++) {
		for (int i = 0; i < PER; i++) {
			items[i] = kg("");
			snprintf(items[i].serial, sizeof items[i].serial, "S%06d", e * PER + i);
		}
		OK(.action = ACT_DESTROY, .account = "111111", .items = items, .nitems = PER,
		   .sig = {CUST, WIT});
	}
	double secs = (double)(clock() - start) / CLOCKS_PER_SEC;
	order_ctx c = {.sorted = true};
	replay_each_item(R, check_order, &c);
	ck_assert_uint_eq(c.n, ENTRIES * PER);
	ck_assert(c.sorted);
	ck_assert_uint_eq(c.on_hand, ENTRIES * PER - 4 * PER);
	ck_assert_int_eq(status_of("S000000"), ITEM_DESTROYED);
	ck_assert_int_eq(status_of("S099999"), ITEM_ON_HAND);
	ck_assert_str_eq(txn_of("111111-2026-0204").number, "111111-2026-0204");
	fprintf(stderr, "many_items: %d items in %d entries replayed in %.2f s CPU\n",
		ENTRIES * PER, ENTRIES + 4, secs);
	free(items);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("ledger");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, registry_after_genesis);
	tcase_add_test(tc, chain_refusals);
	tcase_add_test(tc, first_entry);
	tcase_add_test(tc, signature_refusals);
	tcase_add_test(tc, role_refusals);
	tcase_add_test(tc, receipt_and_identity);
	tcase_add_test(tc, txn_numbering);
	tcase_add_test(tc, transfer_and_accept_in_ledger);
	tcase_add_test(tc, transfer_out_of_ledger);
	tcase_add_test(tc, transfer_reject_and_recall);
	tcase_add_test(tc, alc_and_effect);
	tcase_add_test(tc, outside_and_details);
	tcase_add_test(tc, issue_and_return);
	tcase_add_test(tc, destruction);
	tcase_add_test(tc, partial_quantities);
	tcase_add_test(tc, incidents);
	tcase_add_test(tc, incident_outcomes);
	tcase_add_test(tc, v1_entries);
	tcase_add_test(tc, accept_discrepancy);
	tcase_add_test(tc, inventory);
	tcase_add_test(tc, certification);
	tcase_add_test(tc, custodian_change);
	tcase_add_test(tc, key_registry);
	tcase_add_test(tc, key_rotation);
	tcase_add_test(tc, accounts_and_unsupported);
	tcase_add_test(tc, item_status_names);
	tcase_add_test(tc, policy_by_index);
	tcase_add_test(tc, many_items);
	suite_add_tcase(s, tc);
	return check_run(s);
}
