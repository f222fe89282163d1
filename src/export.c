/* export.c: the oversight bundle and inclusion proofs (see export.h). */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "checkpoint.h"
#include "note.h"
#include "sha.h"
#include "tlog.h"

/* ---- proofs over a tree of range hashes ------------------------------------ */

static uint64_t split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static void reverse(merkle_hash *h, size_t len)
{
	merkle_hash t;
	for (size_t i = 0, j = len; i + 1 < j; i++, j--) {
		memcpy(t, h[i], sizeof t);
		memcpy(h[i], h[j - 1], sizeof t);
		memcpy(h[j - 1], t, sizeof t);
	}
}

/* The walks of merkle.c, with each sibling's hash asked of the tree. */
status export_tree_inclusion(const export_tree *t, uint64_t n, uint64_t index,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *len, errbuf *err)
{
	uint64_t lo = 0, size = n;
	size_t count = 0;
	*len = 0;
	if (index >= n)
		return err_set(err, ST_USAGE, "entry %" PRIu64 " is not in a tree of %" PRIu64,
			       index, n);
	while (size > 1) {
		uint64_t k = split(size);
		status st;
		if (index - lo < k) {
			st = t->hash(t->ctx, lo + k, size - k, proof[count++], err);
			size = k;
		} else {
			st = t->hash(t->ctx, lo, k, proof[count++], err);
			lo += k;
			size -= k;
		}
		if (st != ST_OK)
			return st;
	}
	reverse(proof, count);
	*len = count;
	return ST_OK;
}

status export_tree_consistency(const export_tree *t, uint64_t n, uint64_t m,
			       merkle_hash proof[MERKLE_MAX_PROOF], size_t *len, errbuf *err)
{
	uint64_t lo = 0, size = n;
	bool whole = true;
	size_t count = 0;
	*len = 0;
	if (m == 0 || m > n || n > (uint64_t)1 << 63)
		return err_set(err, ST_USAGE, "no consistency proof from %" PRIu64 " to %" PRIu64,
			       m, n);
	status st = ST_OK;
	while (m != size && st == ST_OK) {
		uint64_t k = split(size);
		if (m <= k) {
			st = t->hash(t->ctx, lo + k, size - k, proof[count++], err);
			size = k;
		} else {
			st = t->hash(t->ctx, lo, k, proof[count++], err);
			lo += k;
			size -= k;
			m -= k;
			whole = false;
		}
	}
	if (st == ST_OK && !whole)
		st = t->hash(t->ctx, lo, size, proof[count++], err);
	if (st != ST_OK)
		return st;
	reverse(proof, count);
	*len = count;
	return ST_OK;
}

/* In memory: the leaves, and every complete subtree of 2^8 leaves and up,
 * computed once (n / 128 hashes in all). */
typedef struct memtree {
	const merkle_hash *leaves;
	uint64_t n;
	merkle_hash *level[64]; /* level[l]: complete subtrees of 2^l leaves, l >= 8 */
	uint64_t count[64];
} memtree;

static void memtree_free(memtree *m)
{
	for (int l = 0; l < 64; l++)
		free(m->level[l]);
	memset(m, 0, sizeof *m);
}

static status memtree_build(memtree *m, const merkle_hash *leaves, uint64_t n, errbuf *err)
{
	memset(m, 0, sizeof *m);
	m->leaves = leaves;
	m->n = n;
	for (int l = 8; l < 63 && (n >> l) > 0; l++) {
		uint64_t c = n >> l;
		if ((m->level[l] = malloc((size_t)c * sizeof(merkle_hash))) == NULL) {
			memtree_free(m);
			return err_set(err, ST_NOMEM, "out of memory for the tree's nodes");
		}
		m->count[l] = c;
		for (uint64_t i = 0; i < c; i++) {
			if (l == 8)
				merkle_root(leaves + i * 256, 256, m->level[l][i]);
			else
				sha256_node(m->level[l - 1][2 * i], m->level[l - 1][2 * i + 1],
					    m->level[l][i]);
		}
	}
	return ST_OK;
}

static status memtree_hash(void *ctx, uint64_t lo, uint64_t n, merkle_hash out, errbuf *err)
{
	const memtree *m = ctx;
	if (lo > m->n || n > m->n - lo)
		return err_set(err, ST_USAGE, "leaves %" PRIu64 "+%" PRIu64 " outside the tree", lo, n);
	if (n <= 256) {
		merkle_root(m->leaves + lo, n, out);
		return ST_OK;
	}
	if ((n & (n - 1)) == 0 && lo % n == 0) {
		int l = __builtin_ctzll(n);
		memcpy(out, m->level[l][lo >> l], sizeof(merkle_hash));
		return ST_OK;
	}
	uint64_t k = split(n);
	merkle_hash a, b;
	status st = memtree_hash(ctx, lo, k, a, err);
	if (st == ST_OK)
		st = memtree_hash(ctx, lo + k, n - k, b, err);
	if (st == ST_OK)
		sha256_node(a, b, out);
	return st;
}

/* In the database: custos.merkle_tree_hash, which reads stored subtrees. */
static status dbtree_hash(void *ctx, uint64_t lo, uint64_t n, merkle_hash out, errbuf *err)
{
	db *d = ctx;
	char a[24], b[24];
	snprintf(a, sizeof a, "%" PRIu64, lo);
	snprintf(b, sizeof b, "%" PRIu64, n);
	const char *p[] = {a, b};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT encode(custos.merkle_tree_hash($1::bigint, $2::bigint), "
			       "'base64')", 2, p, &r, err);
	if (st != ST_OK)
		return st;
	size_t len = 0;
	const char *v = db_val(r, 0, 0);
	if (strlen(v) != 44 || b64_decode(v, 44, out, SHA256_LEN, &len) != ST_OK || len != 32)
		st = err_set(err, ST_DB, "the server returned a malformed subtree hash");
	PQclear(r);
	return st;
}

/* ---- reading the log ---------------------------------------------------------- */

static status read_root(const char *b64, merkle_hash out, errbuf *err)
{
	size_t len = 0;
	if (strlen(b64) != 44 || b64_decode(b64, 44, out, SHA256_LEN, &len) != ST_OK || len != 32)
		return err_set(err, ST_DB, "a stored root is malformed");
	return ST_OK;
}

static uint64_t be64(const uint8_t *v)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | v[i];
	return x;
}

#define PAGE 4096

/* Called for each entry, in order, with its leaf hash and its note (text,
 * NULL below `notes_from`). */
typedef status (*entry_fn)(void *ctx, uint64_t idx, const uint8_t *leaf, const uint8_t *text,
			   size_t len, errbuf *err);

/* Walk entries [0, n) in pages (binary results: the notes as stored).  Every
 * index must be there: a person who sees only some entries gets ST_DENIED. */
static status walk(db *d, uint64_t n, uint64_t notes_from, entry_fn fn, void *ctx, errbuf *err)
{
	uint64_t next = 0;
	char a[24], b[24], c[24];
	snprintf(b, sizeof b, "%" PRIu64, n);
	snprintf(c, sizeof c, "%" PRIu64, notes_from);
	while (next < n) {
		snprintf(a, sizeof a, "%" PRIu64, next);
		const char *p[] = {a, b, c};
		PGresult *res = PQexecParams(db_conn(d),
					     "SELECT idx, leaf, CASE WHEN idx >= $3::bigint THEN note END "
					     "FROM custos.log_entry WHERE idx >= $1::bigint "
					     "AND idx < $2::bigint ORDER BY idx LIMIT " "4096",
					     3, NULL, p, NULL, NULL, 1);
		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
			PQclear(res);
			PGresult *r = NULL;
			status st = db_exec(d, "SELECT idx FROM custos.log_entry WHERE idx >= $1::bigint "
					       "AND idx < $2::bigint AND $3::bigint >= 0 LIMIT 1",
					    3, p, &r, err);
			PQclear(r);
			return st != ST_OK ? st : err_set(err, ST_DB, "cannot read the log");
		}
		int rows = PQntuples(res);
		status st = ST_OK;
		for (int i = 0; i < rows && st == ST_OK; i++, next++) {
			uint64_t idx = be64((const uint8_t *)PQgetvalue(res, i, 0));
			if (idx != next) {
				st = err_set(err, ST_DENIED, "entry %" PRIu64 " is not visible to this "
					     "login: export as an administrator or auditor", next);
				break;
			}
			if (PQgetlength(res, i, 1) != SHA256_LEN) {
				st = err_set(err, ST_CORRUPT, "entry %" PRIu64 ": stored leaf hash malformed",
					     idx);
				break;
			}
			bool has = !PQgetisnull(res, i, 2);
			st = fn(ctx, idx, (const uint8_t *)PQgetvalue(res, i, 1),
				has ? (const uint8_t *)PQgetvalue(res, i, 2) : NULL,
				has ? (size_t)PQgetlength(res, i, 2) : 0, err);
		}
		PQclear(res);
		if (st != ST_OK)
			return st;
		if (rows == 0)
			return err_set(err, ST_DENIED, "entry %" PRIu64 " is not visible to this login: "
				       "export as an administrator or auditor", next);
	}
	return ST_OK;
}

/* ---- the bundle ------------------------------------------------------------------ */

typedef struct bctx {
	const char *dir;
	uint64_t n;
	merkle_hash *leaves;
	buf bundle;      /* the entry bundle being filled */
	uint64_t bundles;
} bctx;

static status bundle_flush(bctx *c, uint64_t upto, errbuf *err)
{
	/* upto: entries [0, upto) are in; the bundle holds the last block's. */
	uint64_t b = (upto - 1) / TLOG_TILE_WIDTH;
	unsigned w = (unsigned)(upto - b * TLOG_TILE_WIDTH);
	char rel[TLOG_PATH_MAX];
	tlog_entries_path(rel, b, w);
	status st = buf_status(&c->bundle);
	if (st != ST_OK)
		return err_set(err, st, "out of memory for an entry bundle");
	st = tlog_file_write(c->dir, rel, c->bundle.data, c->bundle.len, err);
	c->bundle.len = 0;
	c->bundles++;
	return st;
}

static status bundle_entry(void *ctx, uint64_t idx, const uint8_t *leaf, const uint8_t *text,
			   size_t len, errbuf *err)
{
	bctx *c = ctx;
	memcpy(c->leaves[idx], leaf, SHA256_LEN);
	if (text == NULL)
		return ST_OK;
	merkle_hash h;
	sha256_leaf(text, len, h);
	if (memcmp(h, leaf, SHA256_LEN) != 0)
		return err_set(err, ST_CORRUPT, "entry %" PRIu64 ": its stored leaf hash is not "
			       "SHA-256(0x00 || note): the log was altered in the database", idx);
	if (len == 0 || len > 65535)
		return err_set(err, ST_CORRUPT, "entry %" PRIu64 ": %zu bytes", idx, len);
	uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	buf_append(&c->bundle, pre, 2);
	buf_append(&c->bundle, text, len);
	if ((idx + 1) % TLOG_TILE_WIDTH == 0 || idx + 1 == c->n)
		return bundle_flush(c, idx + 1, err);
	return ST_OK;
}

/* VERIFY.md of a bundle: what the folder holds and how to check it.  The
 * hand recipe is docs/VERIFY.md's (tests check that the two agree). */
static const char BUNDLE_VERIFY[] =
#include "bundle_verify.inc"
	;

/* Parse a stored checkpoint note and check it: signed by the registered
 * log key, of the size it is stored under. */
static status check_stored(const char *text, size_t len, const key_public *logkey, uint64_t size,
			   tlog_checkpoint *cp, errbuf *err)
{
	note *nt = malloc(sizeof *nt);
	if (nt == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = tlog_checkpoint_parse(text, len, cp, nt, err);
	if (st == ST_OK) {
		note_keyset ks = {logkey, 1};
		st = note_verify(nt, note_keyset_lookup, &ks, 1, NULL, NULL, err);
	}
	free(nt);
	if (st == ST_OK && cp->size != size)
		st = err_set(err, ST_CORRUPT, "it says %" PRIu64 " entries", cp->size);
	if (st != ST_OK) {
		char why[160];
		snprintf(why, sizeof why, "%s", err_text(err, st));
		st = err_set(err, ST_CORRUPT, "the stored checkpoint of %" PRIu64 " entries does "
			     "not verify with the registered log key: %s", size, why);
	}
	return st;
}

static status write_text(const char *dir, const char *rel, const char *s, size_t len, errbuf *err)
{
	return tlog_file_write(dir, rel, s, len, err);
}

status export_bundle(db *d, const char *dir, uint64_t since, export_stats *stats, errbuf *err)
{
	memset(stats, 0, sizeof *stats);
	char *cp = NULL, *hashes = NULL;
	size_t cplen = 0, hlen = 0;
	PGresult *r = NULL;
	bctx c = {.dir = dir};
	memtree mt = {0};
	key_public logkey;
	status st = db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	if ((st = checkpoint_key_get(d, &logkey, err)) != ST_OK)
		goto out;
	uint64_t n = 0;
	if ((st = checkpoint_note(d, 0, &cp, &cplen, &n, err)) != ST_OK)
		goto out;
	if (since > n) {
		st = err_set(err, ST_USAGE, "--since %" PRIu64 " is beyond the latest checkpoint's "
			     "size %" PRIu64, since, n);
		goto out;
	}
	/* The checkpoint as stored must verify with the registered key. */
	tlog_checkpoint tc;
	if ((st = check_stored(cp, cplen, &logkey, n, &tc, err)) != ST_OK)
		goto out;
	stats->size = n;
	stats->since = since;
	if ((c.leaves = malloc((size_t)n * sizeof(merkle_hash))) == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory for %" PRIu64 " leaf hashes", n);
		goto out;
	}
	c.n = n;
	uint64_t first = since / TLOG_TILE_WIDTH * TLOG_TILE_WIDTH;
	if ((st = walk(d, n, first, bundle_entry, &c, err)) != ST_OK)
		goto out;
	stats->bundles = c.bundles;
	if ((st = memtree_build(&mt, c.leaves, n, err)) != ST_OK)
		goto out;
	merkle_hash root;
	export_tree t = {memtree_hash, &mt};
	if ((st = memtree_hash(&mt, 0, n, root, err)) != ST_OK)
		goto out;
	if (memcmp(root, tc.root, sizeof root) != 0) {
		st = err_set(err, ST_CORRUPT, "the log's %" PRIu64 " entries do not give the root "
			     "of the latest checkpoint: the log was altered in the database", n);
		goto out;
	}
	b64_encode(root, sizeof root, stats->root_b64);
	if ((st = tlog_tiles_write(dir, c.leaves, n, since, err)) != ST_OK)
		goto out;
	/* Earlier checkpoints and the consistency proofs from each, each
	 * checked: signed by the log key, and its tree a prefix of this one
	 * (else the log was rewritten after it was made). */
	uint64_t before = n;
	for (;;) {
		char bs[24];
		snprintf(bs, sizeof bs, "%" PRIu64, before);
		const char *p[] = {bs};
		if ((st = db_exec(d, "SELECT c.size, convert_from(c.note, 'UTF8') || coalesce(("
				     "SELECT string_agg(convert_from(s.line, 'UTF8') || E'\\n', '' "
				     "ORDER BY s.added_at, s.line) FROM custos.cosignature s "
				     "WHERE s.size = c.size), '') FROM custos.checkpoint c "
				     "WHERE c.size < $1::bigint ORDER BY c.size DESC LIMIT 500",
				  1, p, &r, err)) != ST_OK)
			goto out;
		int rows = PQntuples(r);
		for (int i = 0; i < rows; i++) {
			uint64_t m = (uint64_t)db_int(r, i, 0);
			char rel[48];
			const char *text = db_val(r, i, 1);
			tlog_checkpoint cpm;
			if ((st = check_stored(text, strlen(text), &logkey, m, &cpm, err)) != ST_OK)
				goto out;
			snprintf(rel, sizeof rel, "checkpoints/%" PRIu64, m);
			if ((st = write_text(dir, rel, text, strlen(text), err)) != ST_OK)
				goto out;
			merkle_hash proof[MERKLE_MAX_PROOF];
			size_t plen = 0;
			if ((st = export_tree_consistency(&t, n, m, proof, &plen, err)) != ST_OK)
				goto out;
			if (merkle_consistency_verify(m, n, proof, plen, cpm.root, root) != ST_OK) {
				st = err_set(err, ST_CORRUPT, "the log's first %" PRIu64 " entries do not "
					     "give the root of its checkpoint of that size: the log was "
					     "altered in the database after it", m);
				goto out;
			}
			free(hashes);
			hashes = NULL;
			if ((st = tlog_hashes_format(proof, plen, &hashes, &hlen, err)) != ST_OK)
				goto out;
			snprintf(rel, sizeof rel, "consistency/%" PRIu64, m);
			if ((st = write_text(dir, rel, hashes, hlen, err)) != ST_OK)
				goto out;
			stats->checkpoints++;
			before = m;
		}
		PQclear(r);
		r = NULL;
		if (rows < 500)
			break;
	}
	/* The holder of the bundle of `since` entries gets a proof from it too
	 * (written again if that size was a checkpoint's: the same bytes). */
	if (since > 0) {
		merkle_hash proof[MERKLE_MAX_PROOF];
		size_t plen = 0;
		char rel[48];
		free(hashes);
		hashes = NULL;
		snprintf(rel, sizeof rel, "consistency/%" PRIu64, since);
		if ((st = export_tree_consistency(&t, n, since, proof, &plen, err)) != ST_OK ||
		    (st = tlog_hashes_format(proof, plen, &hashes, &hlen, err)) != ST_OK ||
		    (st = write_text(dir, rel, hashes, hlen, err)) != ST_OK)
			goto out;
	}
	char v[KEY_VKEY_MAX + 2];
	size_t vl = key_vkey_format(&logkey, v);
	v[vl++] = '\n';
	if ((st = write_text(dir, "log.vkey", v, vl, err)) != ST_OK ||
	    (st = write_text(dir, "VERIFY.md", BUNDLE_VERIFY, sizeof BUNDLE_VERIFY - 1, err)) != ST_OK)
		goto out;
	/* The checkpoint last: a bundle with it is complete. */
	st = write_text(dir, "checkpoint", cp, cplen, err);
out:
	db_rollback(d);
	PQclear(r);
	buf_free(&c.bundle);
	free(c.leaves);
	memtree_free(&mt);
	free(cp);
	free(hashes);
	return st;
}

/* ---- one entry's proof --------------------------------------------------------- */

static status write_new(const char *path, const void *data, size_t len, errbuf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_set(err, errno == EEXIST ? ST_EXISTS : ST_IO, "cannot create %s: %s", path,
			       strerror(errno));
	const uint8_t *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(path);
			return err_set(err, ST_IO, "cannot write %s", path);
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		unlink(path);
		return err_set(err, ST_IO, "cannot write %s", path);
	}
	return ST_OK;
}

/* The checkpoint a receipt for entry `index` is made against: of the
 * stored checkpoints that cover it, the one with the most cosignatures, the
 * latest among equals, so that a receipt meets a witness quorum whenever a
 * cosigned checkpoint covers the entry (the latest checkpoint, made after
 * every two-person action, is usually not cosigned yet).  *size is 0 when
 * none covers it: the caller then takes the latest and says it is short. */
static status proof_checkpoint(db *d, uint64_t index, uint64_t *size, errbuf *err)
{
	char idx[24];
	snprintf(idx, sizeof idx, "%" PRIu64, index);
	const char *p[] = {idx};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT c.size FROM custos.checkpoint c WHERE c.size > $1::bigint "
			       "ORDER BY (SELECT count(*) FROM custos.cosignature s "
			       "WHERE s.size = c.size) DESC, c.size DESC LIMIT 1",
			    1, p, &r, err);
	*size = st == ST_OK && PQntuples(r) == 1 ? (uint64_t)db_int(r, 0, 0) : 0;
	PQclear(r);
	return st;
}

/* export_proof and export_proof_text: write to `out` (and `entry_out`), or
 * hand the proof's text over in *text / *textlen when text is not NULL. */
static status proof_make(db *d, const char *which, const char *out, const char *entry_out,
			 char **text, size_t *textlen, export_proof_info *info, errbuf *err)
{
	memset(info, 0, sizeof *info);
	char *cp = NULL, *pf = NULL;
	size_t cplen = 0, pflen = 0;
	PGresult *r = NULL;
	note *nt = NULL;
	bool by_index = which[0] != '\0' && strspn(which, "0123456789") == strlen(which);
	if (by_index && (strlen(which) > 19 || (which[0] == '0' && which[1] != '\0')))
		return err_set(err, ST_USAGE, "an entry index is a decimal number without leading zeros");
	if (!by_index && strlen(which) > 40)
		return err_set(err, ST_USAGE, "not a transaction number or an entry index");
	status st = db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	const char *p[] = {which};
	if ((st = db_exec(d, by_index ? "SELECT idx, encode(leaf, 'base64'), encode(note, 'base64') "
					"FROM custos.log_entry WHERE idx = $1::bigint"
				      : "SELECT idx, encode(leaf, 'base64'), encode(note, 'base64') "
					"FROM custos.log_entry WHERE txn = $1",
			  1, p, &r, err)) != ST_OK)
		goto out;
	if (PQntuples(r) != 1) {
		st = err_set(err, ST_NOTFOUND, "no entry %s%.40s in the log (or not one this login "
			     "may see)", by_index ? "" : "with transaction number ", which);
		goto out;
	}
	info->index = (uint64_t)db_int(r, 0, 0);
	merkle_hash leaf, calc;
	const char *nb = db_val(r, 0, 2);
	size_t nblen = strlen(nb), notelen = 0;
	uint8_t *notebuf = malloc(nblen / 4 * 3 + 3);
	if (notebuf == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory");
		goto out;
	}
	/* encode(..., 'base64') wraps lines at 76 characters: drop the newlines. */
	size_t k = 0;
	char *flat = malloc(nblen + 1);
	if (flat == NULL) {
		free(notebuf);
		st = err_set(err, ST_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nblen; i++)
		if (nb[i] != '\n')
			flat[k++] = nb[i];
	st = b64_decode(flat, k, notebuf, nblen / 4 * 3 + 3, &notelen);
	free(flat);
	if (st != ST_OK || read_root(db_val(r, 0, 1), leaf, err) != ST_OK) {
		free(notebuf);
		st = err_set(err, ST_DB, "entry %" PRIu64 " came back malformed", info->index);
		goto out;
	}
	sha256_leaf(notebuf, notelen, calc);
	if (memcmp(calc, leaf, sizeof leaf) != 0) {
		free(notebuf);
		st = err_set(err, ST_CORRUPT, "entry %" PRIu64 ": its stored leaf hash is not "
			     "SHA-256(0x00 || note): the log was altered in the database", info->index);
		goto out;
	}
	PQclear(r);
	r = NULL;
	uint64_t n = 0, chosen = 0;
	if ((st = proof_checkpoint(d, info->index, &chosen, err)) != ST_OK ||
	    (st = checkpoint_note(d, chosen, &cp, &cplen, &n, err)) != ST_OK) {
		free(notebuf);
		goto out;
	}
	info->size = n;
	if (info->index >= n) {
		free(notebuf);
		st = err_set(err, ST_REFUSED, "entry %" PRIu64 " is not covered by the latest "
			     "checkpoint (size %" PRIu64 "): make a checkpoint first", info->index, n);
		goto out;
	}
	tlog_checkpoint tc;
	if ((nt = malloc(sizeof *nt)) == NULL) {
		free(notebuf);
		st = err_set(err, ST_NOMEM, "out of memory");
		goto out;
	}
	if ((st = tlog_checkpoint_parse(cp, cplen, &tc, nt, err)) != ST_OK) {
		free(notebuf);
		goto out;
	}
	info->cosignatures = nt->nsigs > 0 ? nt->nsigs - 1 : 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t plen = 0;
	export_tree t = {dbtree_hash, d};
	if ((st = export_tree_inclusion(&t, n, info->index, proof, &plen, err)) != ST_OK) {
		free(notebuf);
		goto out;
	}
	if (merkle_inclusion_verify(info->index, n, leaf, proof, plen, tc.root) != ST_OK) {
		free(notebuf);
		st = err_set(err, ST_CORRUPT, "the inclusion proof of entry %" PRIu64 " does not lead "
			     "to the checkpoint's root: the log was altered in the database",
			     info->index);
		goto out;
	}
	info->hashes = plen;
	st = tlog_proof_format(info->index, proof, plen, cp, cplen, NULL, &pf, &pflen, err);
	if (st == ST_OK && text != NULL) {
		*text = pf;
		*textlen = pflen;
		pf = NULL;
	} else if (st == ST_OK)
		st = write_new(out, pf, pflen, err);
	if (st == ST_OK && entry_out != NULL && (st = write_new(entry_out, notebuf, notelen, err)) != ST_OK)
		unlink(out);
	free(notebuf);
out:
	db_rollback(d);
	PQclear(r);
	free(nt);
	free(cp);
	free(pf);
	return st;
}

status export_proof(db *d, const char *which, const char *out, const char *entry_out,
		    export_proof_info *info, errbuf *err)
{
	return proof_make(d, which, out, entry_out, NULL, NULL, info, err);
}

status export_proof_text(db *d, const char *which, char **text, size_t *len,
			 export_proof_info *info, errbuf *err)
{
	*text = NULL;
	*len = 0;
	return proof_make(d, which, NULL, NULL, text, len, info, err);
}
