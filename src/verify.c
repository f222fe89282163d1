#include "verify.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "logfile.h"

typedef verify_record record;

/* Records are checked in runs of CHUNK_RECORDS, handed to whichever thread
 * is free next (so a thread slowed by other load does not hold the rest up).
 * Within a run one thread checks everything; the links between runs (prev
 * and time of each run's first entry) are checked afterwards by verify_log. */
#define CHUNK_RECORDS 1024
typedef struct chunk {
	const record *recs;
	merkle_hash *leaves;      /* shared array, indexed by record number */
	uint64_t lo, hi;          /* records [lo, hi) */
	const verify_opts *opts;
	const char *origin;       /* expected origin (from record 0) */
	/* results */
	bool failed;
	uint64_t failed_index;
	verify_fault fault;
	char reason[256];
	bool first_ok;            /* record lo passed parse, index and origin */
	merkle_hash first_prev;
	int64_t first_time, last_time;
	uint64_t signatures, two_person;
} chunk;

/* Record the first fault of this chunk: "<what>" or "<what>: <detail>",
 * cut to fit the reason buffer. */
static void chunk_fail(chunk *c, uint64_t i, verify_fault f, const char *what,
		       const char *detail)
{
	c->failed = true;
	c->failed_index = i;
	c->fault = f;
	size_t n = strlen(what);
	if (n >= sizeof c->reason)
		n = sizeof c->reason - 1;
	memcpy(c->reason, what, n);
	c->reason[n] = '\0';
	if (detail != NULL && n + 2 < sizeof c->reason) {
		size_t room = sizeof c->reason - n - 3, dl = strlen(detail);
		memcpy(c->reason + n, ": ", 2);
		memcpy(c->reason + n + 2, detail, dl < room ? dl : room);
		c->reason[n + 2 + (dl < room ? dl : room)] = '\0';
	}
}

/* The per-record context of verify_opts.lookup_at. */
typedef struct at_ctx {
	const verify_opts *opts;
	uint64_t index;
} at_ctx;

static const key_public *lookup_at_index(void *ctx, const char *name, size_t namelen,
					 const uint8_t id[KEY_ID_LEN])
{
	const at_ctx *a = ctx;
	return a->opts->lookup_at(a->opts->lookup_at_ctx, a->index, name, namelen, id);
}

/* Check record i in isolation and against the previous record of the same
 * chunk.  Returns false (with c->failed set) at the first fault. */
static bool check_record(chunk *c, uint64_t i, note *n, const key_public **signers)
{
	const record *r = &c->recs[i];
	errbuf err = {0};
	entry e;
	sha256_leaf(r->data, r->len, c->leaves[i]);
	if (note_parse((const char *)r->data, r->len, n, &err) != ST_OK) {
		chunk_fail(c, i, VF_NOTE, "not a valid signed note", err.msg);
		return false;
	}
	status st = entry_parse(n->text, n->textlen, &e, &err);
	if (st != ST_OK) {
		entry_free(&e);
		chunk_fail(c, i, VF_ENTRY, "not a valid log entry", err.msg);
		return false;
	}
	bool ok = false;
	char what[96];
	if (e.index != i) {
		snprintf(what, sizeof what, "index field says %llu but the entry is at position %llu",
			 (unsigned long long)e.index, (unsigned long long)i);
		chunk_fail(c, i, VF_INDEX, what, NULL);
	} else if (strcmp(e.origin, c->origin) != 0) {
		chunk_fail(c, i, VF_ORIGIN, "origin differs from the first entry's", e.origin);
	} else if (i == 0 && !sodium_is_zero(e.prev, SHA256_LEN)) {
		chunk_fail(c, i, VF_PREV, "prev of the first entry must be 32 zero bytes", NULL);
	} else if (i > c->lo && memcmp(e.prev, c->leaves[i - 1], SHA256_LEN) != 0) {
		chunk_fail(c, i, VF_PREV, "prev does not match the leaf hash of the previous entry", NULL);
	} else if (i > c->lo && e.time_us < c->last_time) {
		chunk_fail(c, i, VF_TIME, "time goes backwards from the previous entry", NULL);
	} else {
		size_t need = entry_required_signers(&e), nsigners = 0;
		at_ctx at = {c->opts, i};
		if (c->opts->lookup_at != NULL)
			st = note_verify(n, lookup_at_index, &at, need, signers, &nsigners, &err);
		else
			st = note_verify(n, c->opts->lookup, c->opts->lookup_ctx, need, signers,
					 &nsigners, &err);
		if (st != ST_OK) {
			snprintf(what, sizeof what, "%s entry: signatures", entry_action_name(e.action));
			chunk_fail(c, i, VF_SIGNATURES, what, err.msg);
		} else {
			ok = true;
			c->signatures += nsigners;
			c->two_person += need >= 2;
		}
	}
	/* The links between runs are judged after index and origin (the order
	 * used within a run), so only when those passed. */
	if (i == c->lo && e.index == i && strcmp(e.origin, c->origin) == 0) {
		c->first_ok = true;
		memcpy(c->first_prev, e.prev, SHA256_LEN);
		c->first_time = e.time_us;
	}
	c->last_time = e.time_us;
	entry_free(&e);
	return ok;
}

typedef struct worker_pool {
	chunk *chunks;
	size_t nchunks;
	atomic_size_t next; /* the next chunk nobody has taken */
} worker_pool;

static void *worker_run(void *arg)
{
	worker_pool *pool = arg;
	note *n = malloc(sizeof *n);
	const key_public **signers = malloc(NOTE_MAX_SIGS * sizeof *signers);
	for (;;) {
		size_t k = atomic_fetch_add(&pool->next, 1);
		if (k >= pool->nchunks)
			break;
		chunk *c = &pool->chunks[k];
		if (n == NULL || signers == NULL) {
			chunk_fail(c, c->lo, VF_NOMEM, "out of memory", NULL);
			continue;
		}
		for (uint64_t i = c->lo; i < c->hi; i++)
			if (!check_record(c, i, n, signers))
				break;
	}
	free(n);
	free(signers);
	sha256_thread_done();
	return NULL;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static void report_fail(verify_report *rep, uint64_t i, verify_fault f, const char *reason)
{
	rep->valid = false;
	rep->failed_index = i;
	rep->fault = f;
	snprintf(rep->reason, sizeof rep->reason, "%s", reason);
}

/* Split the file into records.  On a framing error, *nrecs is the count of
 * whole records before it and *bad holds the reason. */
static status split_records(const uint8_t *buf, size_t len, record **out, uint64_t *nrecs,
			    errbuf *bad)
{
	size_t cap = 1024, n = 0, pos = 0;
	record *recs = malloc(cap * sizeof *recs);
	if (recs == NULL)
		return ST_NOMEM;
	for (;;) {
		const uint8_t *e;
		size_t elen;
		status st = logfile_next(buf, len, &pos, &e, &elen, bad);
		if (st != ST_OK)
			break;
		if (n == cap) {
			record *grown = realloc(recs, 2 * cap * sizeof *recs);
			if (grown == NULL) {
				free(recs);
				return ST_NOMEM;
			}
			recs = grown;
			cap *= 2;
		}
		recs[n++] = (record){e, elen};
	}
	*out = recs;
	*nrecs = n;
	return ST_OK;
}

/* The origin of record 0, parsed on its own so every thread can compare. */
static bool first_origin(const record *r, char origin[ENTRY_ORIGIN_MAX + 1])
{
	static const char prefix[] = ENTRY_FORMAT " ", prefix1[] = ENTRY_FORMAT_V1 " ";
	_Static_assert(sizeof prefix == sizeof prefix1, "format names of one length");
	const char *s = (const char *)r->data;
	const char *nl = memchr(s, '\n', r->len);
	size_t pl = sizeof prefix - 1;
	if (nl == NULL || (size_t)(nl - s) <= pl ||
	    (memcmp(s, prefix, pl) != 0 && memcmp(s, prefix1, pl) != 0) ||
	    (size_t)(nl - s) - pl > ENTRY_ORIGIN_MAX)
		return false;
	memcpy(origin, s + pl, (size_t)(nl - s) - pl);
	origin[(size_t)(nl - s) - pl] = '\0';
	return true;
}

/* verify_log and verify_records: the records recs[0..n), and, if
 * framing_msg is not NULL, a framing fault just after them. */
static status verify_run(const record *recs, uint64_t n, const char *framing_msg,
			 const verify_opts *opts, verify_report *rep)
{
	memset(rep, 0, sizeof *rep);
	status st = ST_OK;
	bool framing_bad = framing_msg != NULL;
	uint64_t per = opts->chunk_records ? opts->chunk_records : CHUNK_RECORDS;
	size_t nchunks = n ? (size_t)((n + per - 1) / per) : 1;
	merkle_hash *leaves = n ? malloc(n * sizeof *leaves) : NULL;
	unsigned nthreads = opts->threads ? opts->threads : online_cpus();
	if (nthreads > nchunks)
		nthreads = (unsigned)nchunks;
	chunk *chunks = calloc(nchunks, sizeof *chunks);
	pthread_t *tids = calloc(nthreads, sizeof *tids);
	if ((n && leaves == NULL) || chunks == NULL || tids == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	rep->threads = nthreads;
	rep->valid = true;
	if (n == 0) {
		report_fail(rep, 0, framing_bad ? VF_FRAMING : VF_EMPTY,
			    framing_bad ? framing_msg : "the log is empty");
		goto out;
	}
	if (!first_origin(&recs[0], rep->origin))
		rep->origin[0] = '\0'; /* record 0 will fail its own parse */

	for (size_t k = 0; k < nchunks; k++) {
		chunk *c = &chunks[k];
		c->recs = recs;
		c->leaves = leaves;
		c->lo = (uint64_t)k * per;
		c->hi = c->lo + per < n ? c->lo + per : n;
		c->opts = opts;
		c->origin = rep->origin;
	}
	worker_pool pool = {.chunks = chunks, .nchunks = nchunks};
	atomic_init(&pool.next, 0);
	unsigned started = 0;
	for (; started + 1 < nthreads; started++)
		if (pthread_create(&tids[started], NULL, worker_run, &pool) != 0)
			break;
	worker_run(&pool); /* this thread works too, and takes what is left */
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	rep->threads = started + 1;

	/* The first fault in log order: each run's link to the previous run,
	 * then the run itself. */
	for (size_t k = 0; k < nchunks && rep->valid; k++) {
		const chunk *c = &chunks[k];
		if (k > 0 && c->first_ok) {
			if (memcmp(c->first_prev, leaves[c->lo - 1], SHA256_LEN) != 0)
				report_fail(rep, c->lo, VF_PREV,
					    "prev does not match the leaf hash of the previous entry");
			else if (c->first_time < chunks[k - 1].last_time)
				report_fail(rep, c->lo, VF_TIME, "time goes backwards from the previous entry");
		}
		if (rep->valid && c->failed)
			report_fail(rep, c->failed_index, c->fault, c->reason);
		rep->signatures += c->signatures;
		rep->two_person += c->two_person;
	}
	if (rep->valid && framing_bad)
		report_fail(rep, n, VF_FRAMING, framing_msg);
	if (rep->valid) {
		merkle_stream ms = {0};
		for (uint64_t i = 0; i < n; i++)
			merkle_stream_push(&ms, leaves[i]);
		merkle_stream_root(&ms, rep->root);
		memcpy(rep->last_leaf, leaves[n - 1], SHA256_LEN);
		rep->first_time_us = chunks[0].first_time;
		rep->last_time_us = chunks[nchunks - 1].last_time;
		rep->entries = n;
	} else {
		rep->entries = rep->failed_index;
	}
	if (opts->keep_leaves) {
		rep->leaves = leaves;
		rep->records = n;
		leaves = NULL;
	}
out:
	free(leaves);
	free(chunks);
	free(tids);
	return st;
}

status verify_log(const uint8_t *buf, size_t len, const verify_opts *opts,
		  verify_report *rep)
{
	record *recs = NULL;
	uint64_t n = 0;
	errbuf framing = {0};
	memset(rep, 0, sizeof *rep);
	status st = split_records(buf, len, &recs, &n, &framing);
	if (st != ST_OK)
		return st;
	st = verify_run(recs, n, framing.msg[0] ? framing.msg : NULL, opts, rep);
	free(recs);
	return st;
}

status verify_records(const verify_record *recs, uint64_t n, const verify_opts *opts,
		      verify_report *rep)
{
	return verify_run(recs, n, NULL, opts, rep);
}

/* ---- the key registry as a timeline -------------------------------------- */

typedef struct reg_key {
	key_public key;
	size_t namelen;
	uint64_t from;       /* may sign entries from this index ... */
	bool revoked;
	uint64_t revoked_at; /* ... up to and including this one, if revoked */
	bool replaced;       /* revoked by a key-rotate, which enrols its successor */
	size_t roles;
} reg_key;

struct verify_registry {
	reg_key *keys;
	size_t n, cap;
};

/* The latest key of the name: the one in force, or the last revoked. */
static reg_key *reg_find(const verify_registry *g, const char *name, size_t namelen)
{
	for (size_t i = g->n; i-- > 0;)
		if (g->keys[i].namelen == namelen && memcmp(g->keys[i].key.name, name, namelen) == 0)
			return &g->keys[i];
	return NULL;
}

/* The key of the name with key ID id (a rotated name has several). */
static const reg_key *reg_find_id(const verify_registry *g, const char *name, size_t namelen,
				  const uint8_t id[KEY_ID_LEN])
{
	for (size_t i = 0; i < g->n; i++)
		if (g->keys[i].namelen == namelen && memcmp(g->keys[i].key.name, name, namelen) == 0 &&
		    memcmp(g->keys[i].key.id, id, KEY_ID_LEN) == 0)
			return &g->keys[i];
	return NULL;
}

static bool reg_pk_taken(const verify_registry *g, const uint8_t pk[KEY_PK_LEN])
{
	for (size_t i = 0; i < g->n; i++)
		if (memcmp(g->keys[i].key.pk, pk, KEY_PK_LEN) == 0)
			return true;
	return false;
}

static bool reg_add(verify_registry *g, reg_key k)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		reg_key *grown = realloc(g->keys, cap * sizeof *grown);
		if (grown == NULL)
			return false;
		g->keys = grown;
		g->cap = cap;
	}
	g->keys[g->n++] = k;
	return true;
}

/* The action line is the fifth line of the entry text; only the key
 * registry's actions need a full parse. */
static bool registry_action(const uint8_t *rec, size_t len)
{
	const uint8_t *p = rec, *end = rec + len;
	for (int i = 0; i < 4; i++) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return false;
		p = nl + 1;
	}
	static const char *const acts[] = {"action genesis\n", "action key-enrol\n",
					   "action key-revoke\n", "action key-rotate\n"};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		size_t al = strlen(acts[i]);
		if ((size_t)(end - p) >= al && memcmp(p, acts[i], al) == 0)
			return true;
	}
	return false;
}

static status registry_note(verify_registry *g, const uint8_t *rec, size_t len, uint64_t at,
			    note *n)
{
	entry e;
	if (note_parse((const char *)rec, len, n, NULL) != ST_OK)
		return ST_OK;
	if (entry_parse(n->text, n->textlen, &e, NULL) != ST_OK ||
	    e.nkeys != (e.action == ACT_KEY_ROTATE ? 2u : 1u)) {
		entry_free(&e);
		return ST_OK;
	}
	const key_public *k = &e.keys[0].key;
	size_t namelen = strlen(k->name);
	reg_key *p = reg_find(g, k->name, namelen);
	if (e.action == ACT_KEY_ROTATE) {
		/* the old key counts up to this entry, the new one after it */
		const key_public *nk = &e.keys[1].key;
		if (p != NULL && !p->revoked && memcmp(p->key.pk, k->pk, KEY_PK_LEN) == 0 &&
		    strcmp(nk->name, k->name) == 0 && !reg_pk_taken(g, nk->pk)) {
			size_t roles = p->roles;
			p->revoked = p->replaced = true;
			p->revoked_at = at;
			if (!reg_add(g, (reg_key){.key = *nk, .namelen = namelen, .from = at + 1,
						  .roles = roles})) {
				entry_free(&e);
				return ST_NOMEM;
			}
		}
	} else if (e.action == ACT_GENESIS || e.action == ACT_KEY_ENROL) {
		if (p == NULL) {
			if (!reg_pk_taken(g, k->pk) &&
			    !reg_add(g, (reg_key){.key = *k, .namelen = namelen, .from = at,
						  .roles = 1})) {
				entry_free(&e);
				return ST_NOMEM;
			}
		} else if (memcmp(p->key.pk, k->pk, KEY_PK_LEN) == 0 && !p->revoked) {
			p->roles++;
		}
	} else if (e.action == ACT_KEY_REVOKE && p != NULL && !p->revoked &&
		   memcmp(p->key.pk, k->pk, KEY_PK_LEN) == 0 && p->roles > 0) {
		if (--p->roles == 0) {
			p->revoked = true;
			p->revoked_at = at;
		}
	}
	entry_free(&e);
	return ST_OK;
}

status verify_registry_build(const verify_record *recs, uint64_t nrecs, verify_registry **out)
{
	*out = NULL;
	verify_registry *g = calloc(1, sizeof *g);
	note *n = malloc(sizeof *n);
	status st = ST_OK;
	if (g == NULL || n == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	for (uint64_t at = 0; at < nrecs; at++)
		if (registry_action(recs[at].data, recs[at].len) &&
		    (st = registry_note(g, recs[at].data, recs[at].len, at, n)) != ST_OK)
			goto out;
	*out = g;
	g = NULL;
out:
	free(n);
	verify_registry_free(g);
	return st;
}

const key_public *verify_registry_lookup(void *ctx, uint64_t index, const char *name,
					 size_t namelen, const uint8_t id[KEY_ID_LEN])
{
	const verify_registry *g = ctx;
	const reg_key *p = reg_find_id(g, name, namelen, id);
	if (p == NULL || index < p->from || (p->revoked && index > p->revoked_at))
		return NULL;
	return &p->key;
}

void verify_registry_explain(const verify_registry *reg, uint64_t index, const note *n,
			     char *out, size_t cap)
{
	size_t pos = 0;
	if (cap == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		const reg_key *p = reg_find_id(reg, s->name, s->namelen, s->id);
		char why[64];
		if (p == NULL && reg_find(reg, s->name, s->namelen) == NULL)
			snprintf(why, sizeof why, "is not enrolled");
		else if (p == NULL)
			snprintf(why, sizeof why, "has another key ID than the enrolled key");
		else if (index < p->from)
			snprintf(why, sizeof why, "is enrolled only from entry %" PRIu64, p->from);
		else if (p->revoked && index > p->revoked_at)
			snprintf(why, sizeof why, "was %s at entry %" PRIu64,
				 p->replaced ? "replaced" : "revoked", p->revoked_at);
		else
			continue;
		int w = snprintf(out + pos, cap - pos, "%skey %.*s %s", pos ? "; " : "",
				 (int)(s->namelen > 128 ? 128 : s->namelen), s->name, why);
		if (w < 0 || (size_t)w >= cap - pos)
			break;
		pos += (size_t)w;
	}
}

size_t verify_registry_size(const verify_registry *reg)
{
	return reg->n;
}

void verify_registry_free(verify_registry *reg)
{
	if (reg == NULL)
		return;
	free(reg->keys);
	free(reg);
}
