/* bundle.c: reading and verifying an export bundle.  See bundle.h.
 *
 * The work, for a bundle of n entries:
 *  1. the checkpoint: parsed, signed by the policy's log key, quorum of
 *     witness cosignatures;
 *  2. the entry bundles, concatenated into one buffer of records;
 *  3. one cheap pass for the key registry's timeline (verify_registry);
 *  4. at the same time: every record's format, chain, time and signatures
 *     on all cores (verify_log with the registry as of each index), and the
 *     custody replay (replay.c, signatures trusted to step 4's check) on a
 *     thread of its own;
 *  5. leaf hashes against the hash tiles, the root against the checkpoint,
 *     earlier checkpoints and consistency proofs against the tree, and the
 *     auditor's previous checkpoint (truncation, fork). */
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logfile.h"
#include "verify.h"
#include "rfile.h"

#define CHECKPOINT_MAX (64 * 1024)
/* Record counts of entry bundles that are not counts. */
#define BUNDLE_BROKEN UINT32_MAX
#define BUNDLE_MISSING (UINT32_MAX - 1)
#define PROOF_FILE_MAX (8 * 1024)

static char *join(const char *dir, const char *rel)
{
	size_t dl = strlen(dir), rl = strlen(rel);
	char *p = malloc(dl + rl + 2);
	if (p != NULL) {
		memcpy(p, dir, dl);
		p[dl] = '/';
		memcpy(p + dl + 1, rel, rl + 1);
	}
	return p;
}

/* Every file of a bundle is opened by rfile_open_in: no symbolic link is
 * followed inside it, so a bundle cannot make the verifier read (and
 * vouch for) a file from elsewhere. */
static status read_rel(const char *dir, const char *rel, size_t max, char **out, size_t *len,
		       errbuf *err)
{
	return rfile_read_in(dir, rel, max, out, len, err);
}

void bundle_entries_free(bundle_entries *e)
{
	for (size_t i = 0; i < e->nmaps; i++)
		munmap(e->maps[i], e->maplens[i]);
	free(e->maps);
	free(e->maplens);
	free(e->recs);
	free(e->counts);
	memset(e, 0, sizeof *e);
}

status bundle_read_entries(const char *dir, uint64_t n, bundle_entries *e, errbuf *err)
{
	memset(e, 0, sizeof *e);
	uint64_t nb = (n + TLOG_TILE_WIDTH - 1) / TLOG_TILE_WIDTH;
	if (nb == 0)
		return ST_OK;
	/* Room for the records the checkpoint promises, up to a bound: a
	 * hostile size only costs memory once its files exist. */
	uint64_t cap = n < (UINT64_C(1) << 22) ? n : (UINT64_C(1) << 22);
	e->counts = calloc((size_t)nb, sizeof *e->counts);
	e->recs = malloc((size_t)cap * sizeof *e->recs);
	e->maps = calloc((size_t)(nb < 4096 ? nb : 4096), sizeof *e->maps);
	e->maplens = calloc((size_t)(nb < 4096 ? nb : 4096), sizeof *e->maplens);
	size_t mapcap = (size_t)(nb < 4096 ? nb : 4096);
	if (e->counts == NULL || e->recs == NULL || e->maps == NULL || e->maplens == NULL)
		return err_set(err, ST_NOMEM, "out of memory for %" PRIu64 " entries", n);
	for (uint64_t k = 0; k < nb; k++) {
		unsigned w = tlog_tile_width(n, 0, k);
		char rel[TLOG_PATH_MAX];
		tlog_entries_path(rel, k, w);
		char *path = join(dir, rel);
		if (path == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		int fd;
		struct stat sb;
		status ost = rfile_open_in(dir, rel, false, &fd, err);
		if (ost == ST_NOTFOUND) {
			/* Judged with the entries; nothing after a gap is read (a
			 * hostile size must not make us try billions of files). */
			free(path);
			e->counts[k] = BUNDLE_MISSING;
			break;
		}
		if (ost != ST_OK) {
			free(path);
			return ost;
		}
		if (fstat(fd, &sb) != 0) {
			status st = err_set(err, ST_IO, "cannot read %s: %s", path, strerror(errno));
			close(fd);
			free(path);
			return st;
		}
		/* A full bundle holds at most 256 records of at most 65537 bytes. */
		if ((uint64_t)sb.st_size > (uint64_t)TLOG_TILE_WIDTH * (LOGFILE_ENTRY_MAX + 2)) {
			close(fd);
			status st = err_set(err, ST_TOOBIG, "%s is larger than any entry bundle", path);
			free(path);
			return st;
		}
		size_t dl = (size_t)sb.st_size;
		const uint8_t *data = NULL;
		if (dl > 0) {
			int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
			flags |= MAP_POPULATE;
#endif
			void *m = mmap(NULL, dl, PROT_READ, flags, fd, 0);
			if (m == MAP_FAILED) {
				status st = err_set(err, ST_IO, "cannot map %s: %s", path,
						    strerror(errno));
				close(fd);
				free(path);
				return st;
			}
			if (e->nmaps == mapcap) {
				mapcap *= 2;
				void **gm = realloc(e->maps, mapcap * sizeof *gm);
				if (gm != NULL)
					e->maps = gm;
				size_t *gl = realloc(e->maplens, mapcap * sizeof *gl);
				if (gl != NULL)
					e->maplens = gl;
				if (gm == NULL || gl == NULL) {
					munmap(m, dl);
					close(fd);
					free(path);
					return err_set(err, ST_NOMEM, "out of memory");
				}
			}
			e->maps[e->nmaps] = m;
			e->maplens[e->nmaps++] = dl;
			data = m;
		}
		close(fd);
		free(path);
		size_t pos = 0;
		const uint8_t *rec;
		size_t rl;
		while (dl > 0 && logfile_next(data, dl, &pos, &rec, &rl, NULL) == ST_OK) {
			if (e->n == cap) {
				cap *= 2;
				verify_record *g = realloc(e->recs, (size_t)cap * sizeof *g);
				if (g == NULL)
					return err_set(err, ST_NOMEM, "out of memory for the entries");
				e->recs = g;
			}
			e->recs[e->n++] = (verify_record){rec, rl};
			e->counts[k]++;
		}
		if (pos != dl)
			e->counts[k] = BUNDLE_BROKEN; /* a record runs past the end */
	}
	return ST_OK;
}

status bundle_check_tiles(const char *dir, const merkle_hash *leaves, uint64_t n,
			  uint64_t *index, errbuf *err)
{
	const merkle_hash *cur = leaves;
	merkle_hash *owned = NULL;
	uint64_t count = n;
	status st = ST_OK;
	*index = 0;
	for (int level = 0; count > 0 && level < 8; level++) {
		uint64_t ntiles = (count + TLOG_TILE_WIDTH - 1) / TLOG_TILE_WIDTH;
		for (uint64_t t = 0; t < ntiles; t++) {
			unsigned w = tlog_tile_width(n, level, t);
			char rel[TLOG_PATH_MAX];
			tlog_tile_path(rel, level, t, w);
			char *data;
			size_t dl;
			uint64_t first = (t * TLOG_TILE_WIDTH) << (8 * level);
			st = read_rel(dir, rel, TLOG_TILE_WIDTH * sizeof(merkle_hash), &data, &dl, err);
			if (st != ST_OK) {
				*index = first;
				goto out;
			}
			const uint8_t *want = cur[t * TLOG_TILE_WIDTH];
			if (dl != w * sizeof(merkle_hash) || memcmp(data, want, dl) != 0) {
				size_t h = 0;
				while ((h + 1) * sizeof(merkle_hash) <= dl && h < w &&
				       memcmp(data + h * sizeof(merkle_hash), want + h * sizeof(merkle_hash),
					      sizeof(merkle_hash)) == 0)
					h++;
				*index = first + ((uint64_t)h << (8 * level));
				st = err_set(err, ST_CORRUPT,
					     dl != w * sizeof(merkle_hash)
						     ? "hash tile %s holds %zu bytes, not %zu"
						     : "hash tile %s differs from the hashes of the entries "
						       "(hash %zu of the tile)",
					     rel, dl != w * sizeof(merkle_hash) ? dl : h,
					     (size_t)w * sizeof(merkle_hash));
				free(data);
				goto out;
			}
			free(data);
		}
		uint64_t full = count / TLOG_TILE_WIDTH;
		if (full == 0)
			break;
		merkle_hash *next = malloc((size_t)full * sizeof(merkle_hash));
		if (next == NULL) {
			st = err_set(err, ST_NOMEM, "out of memory checking tiles");
			goto out;
		}
		for (uint64_t t = 0; t < full; t++)
			merkle_root(cur + t * TLOG_TILE_WIDTH, TLOG_TILE_WIDTH, next[t]);
		free(owned);
		cur = owned = next;
		count = full;
	}
out:
	free(owned);
	return st;
}

/* bundle_load_checkpoint's checks of text[0..len), the file `path`'s
 * (NULL: err does not name it). */
static status check_checkpoint(const char *path, const char *text, size_t len, const policy *pol,
			       bool need_quorum, tlog_checkpoint *cp, errbuf *err)
{
	status st;
	errbuf e = {0};
	if (need_quorum) {
		st = policy_check_checkpoint(pol, text, len, cp, NULL, &e);
	} else {
		note *n = malloc(sizeof *n);
		st = n == NULL ? ST_NOMEM : tlog_checkpoint_parse(text, len, cp, n, &e);
		if (st == ST_OK)
			st = policy_check_log(pol, n, cp, NULL, &e);
		free(n);
	}
	if (st != ST_OK)
		err_set(err, st, "%s%s%s", path ? path : "", path ? ": " : "", err_text(&e, st));
	return st;
}

status bundle_load_checkpoint(const char *path, const policy *pol, bool need_quorum,
			      tlog_checkpoint *cp, errbuf *err)
{
	char *text;
	size_t len;
	status st = rfile_read(path, CHECKPOINT_MAX, true, &text, &len, err);
	if (st != ST_OK)
		return st;
	st = check_checkpoint(path, text, len, pol, need_quorum, cp, err);
	free(text);
	return st;
}

status bundle_consistent(const merkle_hash *leaves, const tlog_checkpoint *cp, uint64_t m,
			 const merkle_hash root, errbuf *err)
{
	if (m > cp->size)
		return err_set(err, ST_PROOF,
			       "truncation: the earlier checkpoint has %" PRIu64
			       " entries, this one only %" PRIu64 " (entries %" PRIu64
			       " onwards are gone)", m, cp->size, cp->size);
	merkle_hash r;
	merkle_root(leaves, m, r);
	if (memcmp(r, root, SHA256_LEN) != 0)
		return err_set(err, ST_PROOF,
			       "fork: entries 0 to %" PRIu64 " of this log do not hash to the root "
			       "of the earlier checkpoint of size %" PRIu64
			       " (history was rewritten or the log forked)", m ? m - 1 : 0, m);
	return ST_OK;
}

/* ---- the verdict ---------------------------------------------------------- */

static void fail_at(bundle_report *rep, bundle_fault f, bool has_index, uint64_t index,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Record a failure unless an earlier one wins: checkpoint faults first,
 * then the lowest entry index, then the rest in the order found. */
static void fail_at(bundle_report *rep, bundle_fault f, bool has_index, uint64_t index,
		    const char *fmt, ...)
{
	bool wins = rep->valid;
	if (!wins && rep->fault != BF_CHECKPOINT && f == BF_CHECKPOINT)
		wins = true;
	if (!wins && rep->fault == BF_ENTRY && f == BF_ENTRY && index < rep->index)
		wins = true;
	if (!wins && rep->fault == BF_PREVIOUS && f == BF_ENTRY)
		wins = true;
	if (!wins)
		return;
	rep->valid = false;
	rep->fault = f;
	rep->has_index = has_index;
	rep->index = index;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
	va_end(ap);
}

typedef struct replay_job {
	const verify_record *recs;
	uint64_t n;
	replay *r;
	bool failed;
	uint64_t index;
	errbuf err;
	status st;
} replay_job;

static void *replay_run(void *arg)
{
	replay_job *j = arg;
	for (uint64_t i = 0; i < j->n; i++) {
		status st = replay_apply(j->r, j->recs[i].data, j->recs[i].len, &j->err);
		if (st != ST_OK) {
			j->failed = true;
			j->st = st;
			j->index = replay_size(j->r);
			break;
		}
	}
	sha256_thread_done();
	return NULL;
}

/* The registry's word on record `index`'s signature lines. */
static void explain(const bundle_entries *be, const verify_registry *reg, uint64_t index,
		    char *out, size_t cap)
{
	if (index >= be->n)
		return;
	note *n = malloc(sizeof *n);
	if (n != NULL && note_parse((const char *)be->recs[index].data, be->recs[index].len, n,
				    NULL) == ST_OK)
		verify_registry_explain(reg, index, n, out, cap);
	free(n);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sizes of checkpoints/<size> or consistency/<m> files: names that are
 * decimal numbers without leading zeros; anything else is reported. */
static status list_sizes(const char *dir, const char *sub, uint64_t **out, size_t *n,
			 errbuf *err)
{
	*out = NULL;
	*n = 0;
	int fd;
	status st = rfile_open_in(dir, sub, true, &fd, err);
	if (st == ST_NOTFOUND)
		return ST_OK; /* no such folder: none */
	if (st != ST_OK)
		return st;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return err_set(err, ST_IO, "cannot read the folder %s/%s: %s", dir, sub,
			       strerror(errno));
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		size_t nl = strlen(name);
		uint64_t v = 0;
		bool ok = nl > 0 && nl <= 19 && !(nl > 1 && name[0] == '0');
		for (size_t i = 0; ok && i < nl; i++) {
			ok = name[i] >= '0' && name[i] <= '9';
			v = v * 10 + (uint64_t)(name[i] - '0');
		}
		if (!ok)
			continue; /* not ours (an editor's backup, say); ignored */
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			uint64_t *g = realloc(*out, cap * sizeof *g);
			if (g == NULL) {
				st = err_set(err, ST_NOMEM, "out of memory");
				break;
			}
			*out = g;
		}
		(*out)[(*n)++] = v;
	}
	closedir(d);
	return st;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Earlier checkpoints and consistency proofs in the bundle. */
static status check_history(const char *dir, const bundle_opts *opts, const merkle_hash *leaves,
			    bundle_report *rep, errbuf *err)
{
	uint64_t *cps = NULL, *cons = NULL;
	size_t ncps = 0, ncons = 0;
	status st = list_sizes(dir, "checkpoints", &cps, &ncps, err);
	if (st == ST_OK)
		st = list_sizes(dir, "consistency", &cons, &ncons, err);
	if (st != ST_OK)
		goto out;
	if (ncps > 0)
		qsort(cps, ncps, sizeof *cps, cmp_u64);
	if (ncons > 0)
		qsort(cons, ncons, sizeof *cons, cmp_u64);
	for (size_t i = 0; i < ncps; i++) {
		char rel[64], *text;
		size_t tl;
		snprintf(rel, sizeof rel, "checkpoints/%" PRIu64, cps[i]);
		tlog_checkpoint old;
		errbuf e = {0};
		status cs = read_rel(dir, rel, CHECKPOINT_MAX, &text, &tl, &e);
		if (cs == ST_OK) {
			cs = check_checkpoint(NULL, text, tl, opts->pol, false, &old, &e);
			free(text);
		}
		if (cs == ST_OK && old.size != cps[i])
			cs = err_set(&e, ST_FORMAT, "%s holds a checkpoint of size %" PRIu64, rel,
				     old.size);
		if (cs == ST_OK && strcmp(old.origin, rep->cp.origin) != 0)
			cs = err_set(&e, ST_FORMAT, "%s is a checkpoint of another log (%s)", rel,
				     old.origin);
		if (cs == ST_OK)
			cs = bundle_consistent(leaves, &rep->cp, old.size, old.root, &e);
		if (cs != ST_OK) {
			fail_at(rep, BF_CHECKPOINT, false, 0, "earlier checkpoint %s: %s", rel, e.msg);
			goto out;
		}
		rep->checkpoints++;
	}
	for (size_t i = 0; i < ncons; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "consistency/%" PRIu64, cons[i]);
		char *text;
		size_t tl;
		errbuf e = {0};
		merkle_hash proof[MERKLE_MAX_PROOF];
		size_t plen;
		st = read_rel(dir, rel, PROOF_FILE_MAX, &text, &tl, err);
		if (st != ST_OK)
			goto out;
		status cs = tlog_hashes_parse(text, tl, proof, &plen, &e);
		free(text);
		uint64_t m = cons[i];
		if (cs == ST_OK && (m == 0 || m > rep->cp.size))
			cs = err_set(&e, ST_PROOF, "no consistency proof exists from size %" PRIu64
				     " to %" PRIu64, m, rep->cp.size);
		if (cs == ST_OK) {
			merkle_hash r;
			merkle_root(leaves, m, r);
			if (merkle_consistency_verify(m, rep->cp.size, proof, plen, r, rep->cp.root) !=
			    ST_OK)
				cs = err_set(&e, ST_PROOF, "the proof does not verify");
		}
		if (cs != ST_OK) {
			fail_at(rep, BF_CHECKPOINT, false, 0, "%s: %s", rel, e.msg);
			goto out;
		}
	}
out:
	free(cps);
	free(cons);
	return st;
}

/* The auditor's previous checkpoint against this tree. */
static status check_previous(const char *dir, const bundle_opts *opts,
			     const merkle_hash *leaves, bundle_report *rep, errbuf *err)
{
	tlog_checkpoint prev;
	errbuf e = {0};
	status st = bundle_load_checkpoint(opts->previous, opts->pol, false, &prev, &e);
	if (st != ST_OK)
		return err_set(err, st, "previous checkpoint: %s", e.msg);
	rep->previous_checked = true;
	rep->previous_size = prev.size;
	if (strcmp(prev.origin, rep->cp.origin) != 0) {
		fail_at(rep, BF_PREVIOUS, false, 0,
			"the previous checkpoint is of another log (%s, not %s)", prev.origin,
			rep->cp.origin);
		return ST_OK;
	}
	if (prev.size > rep->cp.size) {
		fail_at(rep, BF_PREVIOUS, true, rep->cp.size,
			"truncation: your previous checkpoint has %" PRIu64 " entries, this "
			"bundle's only %" PRIu64 "; entries %" PRIu64 " to %" PRIu64 " are gone",
			prev.size, rep->cp.size, rep->cp.size, prev.size - 1);
		return ST_OK;
	}
	if (prev.size == 0)
		return ST_OK;
	/* A proof in the bundle, if any, must verify; the recomputation from
	 * the entries decides in any case. */
	char rel[64], *text;
	size_t tl;
	snprintf(rel, sizeof rel, "consistency/%" PRIu64, prev.size);
	st = read_rel(dir, rel, PROOF_FILE_MAX, &text, &tl, &e);
	if (st == ST_OK) {
		merkle_hash proof[MERKLE_MAX_PROOF];
		size_t plen;
		status ps = tlog_hashes_parse(text, tl, proof, &plen, &e);
		free(text);
		rep->previous_proof = true;
		if (ps != ST_OK ||
		    merkle_consistency_verify(prev.size, rep->cp.size, proof, plen, prev.root,
					      rep->cp.root) != ST_OK) {
			fail_at(rep, BF_PREVIOUS, false, 0,
				"fork: the bundle's consistency proof %s does not show your previous "
				"checkpoint (size %" PRIu64 ") is a prefix of this one (size %" PRIu64
				")", rel, prev.size, rep->cp.size);
			return ST_OK;
		}
	} else if (st != ST_NOTFOUND) {
		return err_set(err, st, "%s", e.msg);
	}
	if (bundle_consistent(leaves, &rep->cp, prev.size, prev.root, &e) != ST_OK)
		fail_at(rep, BF_PREVIOUS, false, 0, "against your previous checkpoint: %s", e.msg);
	return ST_OK;
}

status bundle_verify(const char *dir, const bundle_opts *opts, bundle_report *rep,
		     errbuf *err)
{
	memset(rep, 0, sizeof *rep);
	rep->valid = true;
	double t0 = now_s();
	char *cptext = NULL;
	size_t cplen = 0;
	bundle_entries be;
	memset(&be, 0, sizeof be);
	verify_registry *reg = NULL;
	verify_report vr;
	memset(&vr, 0, sizeof vr);
	errbuf e = {0};
	double t3 = 0;

	status st = read_rel(dir, "checkpoint", CHECKPOINT_MAX, &cptext, &cplen, err);
	if (st != ST_OK)
		goto out;
	if (policy_check_checkpoint(opts->pol, cptext, cplen, &rep->cp, &rep->cosigs, &e) !=
	    ST_OK) {
		fail_at(rep, BF_CHECKPOINT, false, 0, "checkpoint: %s", e.msg);
		goto done;
	}
	uint64_t n = rep->cp.size;
	if (n == 0) {
		fail_at(rep, BF_CHECKPOINT, false, 0, "the checkpoint is of an empty log");
		goto done;
	}
	st = bundle_read_entries(dir, n, &be, err);
	if (st != ST_OK)
		goto out;
	unsigned *counts = be.counts;
	double tr = now_s();
	rep->seconds_read = tr - t0;
	st = verify_registry_build(be.recs, be.n, &reg);
	rep->seconds_registry = now_s() - tr;
	if (st != ST_OK) {
		err_set(err, st, "out of memory building the key registry");
		goto out;
	}

	replay_job job = {.recs = be.recs, .n = be.n, .r = replay_new()};
	if (job.r == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory");
		goto out;
	}
	replay_trust_signatures(job.r, true);
	rep->state = job.r;
	pthread_t tid;
	bool threaded = pthread_create(&tid, NULL, replay_run, &job) == 0;
	if (!threaded)
		replay_run(&job);
	verify_opts vo = {.lookup_at = verify_registry_lookup,
			  .lookup_at_ctx = reg,
			  .threads = opts->threads,
			  .keep_leaves = true};
	double t1 = now_s();
	st = verify_records(be.recs, be.n, &vo, &vr);
	double t2 = now_s();
	rep->seconds_signatures = t2 - t1;
	if (threaded)
		pthread_join(tid, NULL);
	t3 = now_s();
	rep->seconds_replay_wait = t3 - t2;
	if (st != ST_OK) {
		err_set(err, st, "cannot verify the entries: %s", status_message(st));
		goto out;
	}
	rep->threads = vr.threads;
	rep->signatures = vr.signatures;
	rep->two_person = vr.two_person;
	rep->first_time_us = vr.first_time_us;
	rep->last_time_us = vr.last_time_us;
	/* The framing of each bundle: recorded first, so that at the same
	 * index a missing or broken bundle file is what the report names. */
	uint64_t before = 0;
	for (uint64_t k = 0; k * TLOG_TILE_WIDTH < n; k++) {
		unsigned w = tlog_tile_width(n, 0, k);
		if (counts[k] != w) {
			char rel[TLOG_PATH_MAX];
			tlog_entries_path(rel, k, w);
			if (counts[k] == BUNDLE_MISSING)
				fail_at(rep, BF_ENTRY, true, k * TLOG_TILE_WIDTH,
					"entry bundle %s is missing", rel);
			else if (counts[k] == BUNDLE_BROKEN)
				fail_at(rep, BF_ENTRY, true, k * TLOG_TILE_WIDTH,
					"entry bundle %s: a record runs past the end of the file", rel);
			else
				fail_at(rep, BF_ENTRY, true, before + (counts[k] < w ? counts[k] : w),
					"entry bundle %s holds %u entries, not %u", rel, counts[k], w);
			break;
		}
		before += w;
	}
	if (!vr.valid) {
		char why[256] = "";
		if (vr.fault == VF_SIGNATURES)
			explain(&be, reg, vr.failed_index, why, sizeof why);
		fail_at(rep, BF_ENTRY, true, vr.failed_index, "%s%s%s%s", vr.reason,
			why[0] ? " (" : "", why, why[0] ? ")" : "");
	}
	if (job.failed) {
		/* replay.c says "entry N: why"; N is the index. */
		const char *why = err_text(&job.err, job.st);
		char prefix[40];
		int pl = snprintf(prefix, sizeof prefix, "entry %" PRIu64 ": ", job.index);
		if (strncmp(why, prefix, (size_t)pl) == 0)
			why += pl;
		fail_at(rep, BF_ENTRY, true, job.index, "custody replay: %s", why);
	}
	uint64_t have = vr.records;
	rep->entries = rep->valid ? have : rep->index;
	if (!rep->valid)
		goto done;
	if (have != n) {
		fail_at(rep, BF_ENTRY, true, have < n ? have : n,
			"the bundle holds %" PRIu64 " entries, the checkpoint says %" PRIu64, have, n);
		goto done;
	}
	if (strcmp(vr.origin, rep->cp.origin) != 0) {
		fail_at(rep, BF_CHECKPOINT, false, 0,
			"the checkpoint's origin %s is not the entries' origin %s", rep->cp.origin,
			vr.origin);
		goto done;
	}
	if (memcmp(vr.root, rep->cp.root, SHA256_LEN) != 0) {
		fail_at(rep, BF_CHECKPOINT, false, 0,
			"the Merkle root of the %" PRIu64 " entries is not the checkpoint's root",
			n);
		goto done;
	}
	uint64_t at;
	status ts = bundle_check_tiles(dir, vr.leaves, n, &at, &e);
	if (ts == ST_NOMEM) {
		st = err_set(err, ts, "%s", e.msg);
		goto out;
	}
	if (ts != ST_OK) {
		fail_at(rep, BF_ENTRY, true, at, "tiles: %s", e.msg);
		goto done;
	}
	for (int level = 0; level < 8; level++)
		for (uint64_t t = 0; tlog_tile_width(n, level, t) > 0; t++)
			rep->tiles++;
	if ((st = check_history(dir, opts, vr.leaves, rep, err)) != ST_OK)
		goto out;
	if (opts->previous != NULL && rep->valid &&
	    (st = check_previous(dir, opts, vr.leaves, rep, err)) != ST_OK)
		goto out;
done:
	st = ST_OK;
out:
	if (t3 > 0)
		rep->seconds_after = now_s() - t3;
	rep->seconds_total = now_s() - t0;
	free(cptext);
	bundle_entries_free(&be);
	free(vr.leaves);
	verify_registry_free(reg);
	return st;
}

void bundle_report_free(bundle_report *rep)
{
	replay_free(rep->state);
	rep->state = NULL;
}
