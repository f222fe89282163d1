#include "verify.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "logfile.h"

typedef struct record {
	const uint8_t *data;
	size_t len;
} record;

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
	char reason[256];
	bool first_ok;            /* record lo passed parse, index and origin */
	merkle_hash first_prev;
	int64_t first_time, last_time;
	uint64_t signatures, two_person;
} chunk;

/* Record the first fault of this chunk: "<what>" or "<what>: <detail>",
 * cut to fit the reason buffer. */
static void chunk_fail(chunk *c, uint64_t i, const char *what, const char *detail)
{
	c->failed = true;
	c->failed_index = i;
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

/* Check record i in isolation and against the previous record of the same
 * chunk.  Returns false (with c->failed set) at the first fault. */
static bool check_record(chunk *c, uint64_t i, note *n, const key_public **signers)
{
	const record *r = &c->recs[i];
	errbuf err = {{0}};
	entry e;
	sha256_leaf(r->data, r->len, c->leaves[i]);
	if (note_parse((const char *)r->data, r->len, n, &err) != ST_OK) {
		chunk_fail(c, i, "not a valid signed note", err.msg);
		return false;
	}
	status st = entry_parse(n->text, n->textlen, &e, &err);
	if (st != ST_OK) {
		entry_free(&e);
		chunk_fail(c, i, "not a valid log entry", err.msg);
		return false;
	}
	bool ok = false;
	char what[96];
	if (e.index != i) {
		snprintf(what, sizeof what, "index field says %llu but the entry is at position %llu",
			 (unsigned long long)e.index, (unsigned long long)i);
		chunk_fail(c, i, what, NULL);
	} else if (strcmp(e.origin, c->origin) != 0) {
		chunk_fail(c, i, "origin differs from the first entry's", e.origin);
	} else if (i == 0 && !sodium_is_zero(e.prev, SHA256_LEN)) {
		chunk_fail(c, i, "prev of the first entry must be 32 zero bytes", NULL);
	} else if (i > c->lo && memcmp(e.prev, c->leaves[i - 1], SHA256_LEN) != 0) {
		chunk_fail(c, i, "prev does not match the leaf hash of the previous entry", NULL);
	} else if (i > c->lo && e.time_us < c->last_time) {
		chunk_fail(c, i, "time goes backwards from the previous entry", NULL);
	} else {
		size_t need = entry_required_signers(&e), nsigners = 0;
		st = note_verify(n, c->opts->lookup, c->opts->lookup_ctx, need, signers,
				 &nsigners, &err);
		if (st != ST_OK) {
			snprintf(what, sizeof what, "%s entry: signatures", entry_action_name(e.action));
			chunk_fail(c, i, what, err.msg);
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
			chunk_fail(c, c->lo, "out of memory", NULL);
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

static void report_fail(verify_report *rep, uint64_t i, const char *reason)
{
	rep->valid = false;
	rep->failed_index = i;
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
	static const char prefix[] = ENTRY_FORMAT " ";
	const char *s = (const char *)r->data;
	const char *nl = memchr(s, '\n', r->len);
	size_t pl = sizeof prefix - 1;
	if (nl == NULL || (size_t)(nl - s) <= pl || memcmp(s, prefix, pl) != 0 ||
	    (size_t)(nl - s) - pl > ENTRY_ORIGIN_MAX)
		return false;
	memcpy(origin, s + pl, (size_t)(nl - s) - pl);
	origin[(size_t)(nl - s) - pl] = '\0';
	return true;
}

status verify_log(const uint8_t *buf, size_t len, const verify_opts *opts,
		  verify_report *rep)
{
	memset(rep, 0, sizeof *rep);
	record *recs = NULL;
	uint64_t n = 0;
	errbuf framing = {{0}};
	status st = split_records(buf, len, &recs, &n, &framing);
	if (st != ST_OK)
		return st;
	bool framing_bad = framing.msg[0] != '\0';
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
		report_fail(rep, 0, framing_bad ? framing.msg : "the log is empty");
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
				report_fail(rep, c->lo,
					    "prev does not match the leaf hash of the previous entry");
			else if (c->first_time < chunks[k - 1].last_time)
				report_fail(rep, c->lo, "time goes backwards from the previous entry");
		}
		if (rep->valid && c->failed)
			report_fail(rep, c->failed_index, c->reason);
		rep->signatures += c->signatures;
		rep->two_person += c->two_person;
	}
	if (rep->valid && framing_bad)
		report_fail(rep, n, framing.msg);
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
out:
	free(recs);
	free(leaves);
	free(chunks);
	free(tids);
	return st;
}
