/* check_merkle.c: RFC 9162 section 2.1 trees, proofs and their verification.
 *
 * Checked three ways: against a deliberately naive reference written straight
 * from the RFC's recursive definitions, exhaustively for every tree of up to
 * NMAX leaves; against the published RFC 6962 test data in
 * tests/vectors/merkle/ (run from the repo root); and on a tree of a million
 * leaves, the size the log must handle. */
#include <check.h>

#include "check_run.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/merkle.h"

#define NMAX 130
#define VECTORS "tests/vectors/merkle/rfc6962.txt"

/* In fork mode Check records every passing ck_assert through a file; the
 * exhaustive loops make a million checks, so they report failures only. */
#define EXPECT(cond, ...)                          \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static merkle_hash leaves[NMAX];

/* Distinct leaf hashes: the leaf hash of the 8-byte big-endian index. */
static void make_leaves(merkle_hash *d, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint8_t b[8];
		for (int j = 0; j < 8; j++)
			b[j] = (uint8_t)(i >> (56 - 8 * j));
		sha256_leaf(b, sizeof b, d[i]);
	}
}

static void setup(void)
{
	make_leaves(leaves, NMAX);
}

/* ---- The naive reference: RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1 as written. ---- */

/* The largest power of two smaller than n (n >= 2). */
static uint64_t ref_split(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[n]). */
static void ref_mth(const merkle_hash *d, uint64_t n, merkle_hash out)
{
	if (n == 0) {
		sha256("", 0, out);
	} else if (n == 1) {
		memcpy(out, d[0], SHA256_LEN);
	} else {
		uint64_t k = ref_split(n);
		merkle_hash l, r;
		ref_mth(d, k, l);
		ref_mth(d + k, n - k, r);
		sha256_node(l, r, out);
	}
}

/* A reference proof: its hashes in proof order and its shape, one letter per
 * hash saying how a verifier must use it: 'L' a left sibling, H(p || r);
 * 'R' a right sibling, H(r || p); 'S' (consistency only) the subtree hash
 * the proof starts from.  With shape_only set, no hashes are computed: the
 * shape of any (index, size) is then cheap, and two (index, size) pairs with
 * the same shape are exactly those a verifier cannot tell apart. */
typedef struct ref_proof {
	int shape_only;
	size_t len;
	merkle_hash h[MERKLE_MAX_PROOF];
	char shape[MERKLE_MAX_PROOF + 1];
} ref_proof;

static void ref_add(ref_proof *p, const merkle_hash *d, uint64_t lo, uint64_t n, char side)
{
	EXPECT(p->len < MERKLE_MAX_PROOF, "reference proof too long");
	if (!p->shape_only)
		ref_mth(d + lo, n, p->h[p->len]);
	p->shape[p->len++] = side;
	p->shape[p->len] = '\0';
}

/* PATH(m, D[lo:lo+n]). */
static void ref_path(uint64_t m, const merkle_hash *d, uint64_t lo, uint64_t n, ref_proof *p)
{
	if (n == 1)
		return;
	uint64_t k = ref_split(n);
	if (m < k) {
		ref_path(m, d, lo, k, p);
		ref_add(p, d, lo + k, n - k, 'R');
	} else {
		ref_path(m - k, d, lo + k, n - k, p);
		ref_add(p, d, lo, k, 'L');
	}
}

/* SUBPROOF(m, D[lo:lo+n], b). */
static void ref_subproof(uint64_t m, const merkle_hash *d, uint64_t lo, uint64_t n, int b,
			 ref_proof *p)
{
	if (m == n) {
		if (!b)
			ref_add(p, d, lo, n, 'S');
		return;
	}
	uint64_t k = ref_split(n);
	if (m <= k) {
		ref_subproof(m, d, lo, k, b, p);
		ref_add(p, d, lo + k, n - k, 'R');
	} else {
		ref_subproof(m - k, d, lo + k, n - k, 0, p);
		ref_add(p, d, lo, k, 'L');
	}
}

static ref_proof ref_inclusion(uint64_t index, uint64_t n, int shape_only)
{
	ref_proof p = {.shape_only = shape_only};
	ref_path(index, leaves, 0, n, &p);
	return p;
}

static ref_proof ref_consistency(uint64_t m, uint64_t n, int shape_only)
{
	ref_proof p = {.shape_only = shape_only};
	ref_subproof(m, leaves, 0, n, 1, &p);
	return p;
}

/* Should a proof of `shape` verify as leaf `index` of a tree of `size`?
 * Only if that pair's own proof has the very same shape: the verifier then
 * does the same hashing.  Sizes are not bound by the proof (the root, signed
 * in a checkpoint, binds them), so some wrong sizes legitimately pass. */
static int ref_inclusion_accepts(uint64_t index, uint64_t size, const char *shape)
{
	if (index >= size)
		return 0;
	ref_proof q = ref_inclusion(index, size, 1);
	return strcmp(q.shape, shape) == 0;
}

/* The same for a consistency proof of `shape` (len hashes) read as m to n. */
static int ref_consistency_accepts(uint64_t m, uint64_t n, size_t len, const char *shape,
				   const merkle_hash root1, const merkle_hash root2)
{
	if (m == 0 || m > n)
		return 0;
	if (m == n)
		return len == 0 && memcmp(root1, root2, SHA256_LEN) == 0;
	ref_proof q = ref_consistency(m, n, 1);
	return strcmp(q.shape, shape) == 0;
}

/* ---- Helpers ---- */

static int same(const merkle_hash a, const merkle_hash b)
{
	return memcmp(a, b, SHA256_LEN) == 0;
}

static void flip(merkle_hash h)
{
	h[5] ^= 0x10;
}

/* dst = src with one hash removed at `at`, or `extra` inserted at `at`. */
static size_t edit(merkle_hash *dst, const merkle_hash *src, size_t len, size_t at,
		   const uint8_t *extra)
{
	size_t o = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == at && extra)
			memcpy(dst[o++], extra, SHA256_LEN);
		if (i < len && !(i == at && !extra))
			memcpy(dst[o++], src[i], SHA256_LEN);
	}
	return o;
}

/* ---- Roots ---- */

START_TEST(test_roots_and_stream)
{
	merkle_stream s = {0};
	merkle_hash want, got;

	for (uint64_t n = 0; n <= NMAX; n++) {
		ref_mth(leaves, n, want);
		merkle_root(n ? leaves : NULL, n, got);
		EXPECT(same(got, want), "merkle_root differs at size %llu", (unsigned long long)n);
		merkle_stream_root(&s, got);
		EXPECT(same(got, want), "stream root differs at size %llu", (unsigned long long)n);
		EXPECT(s.size == n, "stream size %llu", (unsigned long long)s.size);
		if (n < NMAX)
			merkle_stream_push(&s, leaves[n]);
	}
	/* Reading the root leaves the stream as it was. */
	merkle_stream t = s;
	merkle_stream_root(&s, got);
	ck_assert_mem_eq(&s, &t, sizeof s);
}
END_TEST

/* ---- Inclusion proofs, every index of every size ---- */

static void check_inclusion(uint64_t i, uint64_t n, const merkle_hash root)
{
	ref_proof want = ref_inclusion(i, n, 0);
	merkle_hash proof[MERKLE_MAX_PROOF], bad[MERKLE_MAX_PROOF + 1], wrong;
	size_t len = 99;
	unsigned long long ui = i, un = n;

	EXPECT(merkle_inclusion_proof(leaves, n, i, proof, &len) == ST_OK, "proof %llu/%llu", ui, un);
	EXPECT(len == want.len, "proof %llu/%llu: %zu hashes, want %zu", ui, un, len, want.len);
	for (size_t j = 0; j < len; j++)
		EXPECT(same(proof[j], want.h[j]), "proof %llu/%llu: hash %zu differs", ui, un, j);
	EXPECT(merkle_inclusion_verify(i, n, leaves[i], proof, len, root) == ST_OK,
	       "proof %llu/%llu does not verify", ui, un);

	/* Each hash altered. */
	for (size_t j = 0; j < len; j++) {
		memcpy(bad, proof, len * sizeof *proof);
		flip(bad[j]);
		EXPECT(merkle_inclusion_verify(i, n, leaves[i], bad, len, root) == ST_PROOF,
		       "%llu/%llu: hash %zu flipped verifies", ui, un, j);
	}
	/* Wrong leaf, wrong root. */
	memcpy(wrong, leaves[i], sizeof wrong);
	flip(wrong);
	EXPECT(merkle_inclusion_verify(i, n, wrong, proof, len, root) == ST_PROOF,
	       "%llu/%llu: wrong leaf verifies", ui, un);
	memcpy(wrong, root, sizeof wrong);
	flip(wrong);
	EXPECT(merkle_inclusion_verify(i, n, leaves[i], proof, len, wrong) == ST_PROOF,
	       "%llu/%llu: wrong root verifies", ui, un);
	if (i + 1 < n)
		EXPECT(merkle_inclusion_verify(i, n, leaves[i + 1], proof, len, root) == ST_PROOF,
		       "%llu/%llu: neighbour leaf verifies", ui, un);

	/* Wrong index or size: rejected unless the reference gives the same shape. */
	const uint64_t idx[] = {i - 1, i + 1, i ^ 2, i ^ 4, n - 1, n, UINT64_MAX};
	for (size_t j = 0; j < sizeof idx / sizeof *idx; j++) {
		if (idx[j] == i)
			continue;
		/* Index and size pin the leaf's position, so every other index
		 * in the same tree fails; the reference confirms it. */
		int want_ok = ref_inclusion_accepts(idx[j], n, want.shape);
		EXPECT(!want_ok, "reference: index %llu shares %llu's path in %llu",
		       (unsigned long long)idx[j], ui, un);
		EXPECT(merkle_inclusion_verify(idx[j], n, leaves[i], proof, len, root) == ST_PROOF,
		       "%llu/%llu: index %llu verifies", ui, un, (unsigned long long)idx[j]);
	}
	const uint64_t sizes[] = {n - 1, n + 1, n + 2, n * 2, n / 2, i, 0};
	for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++) {
		if (sizes[j] == n || sizes[j] > 2 * NMAX)
			continue;
		status expect = ref_inclusion_accepts(i, sizes[j], want.shape) ? ST_OK : ST_PROOF;
		EXPECT(merkle_inclusion_verify(i, sizes[j], leaves[i], proof, len, root) == expect,
		       "%llu/%llu as size %llu: want %s", ui, un, (unsigned long long)sizes[j],
		       expect == ST_OK ? "same-shape pass" : "failure");
	}

	/* One hash short (last, first), one too many (end, front). */
	size_t blen;
	if (len > 0) {
		blen = edit(bad, proof, len, len - 1, NULL);
		EXPECT(merkle_inclusion_verify(i, n, leaves[i], bad, blen, root) == ST_PROOF,
		       "%llu/%llu: without last hash verifies", ui, un);
		blen = edit(bad, proof, len, 0, NULL);
		EXPECT(merkle_inclusion_verify(i, n, leaves[i], bad, blen, root) == ST_PROOF,
		       "%llu/%llu: without first hash verifies", ui, un);
	}
	blen = edit(bad, proof, len, len, root);
	EXPECT(merkle_inclusion_verify(i, n, leaves[i], bad, blen, root) == ST_PROOF,
	       "%llu/%llu: trailing root verifies", ui, un);
	blen = edit(bad, proof, len, 0, leaves[i]);
	EXPECT(merkle_inclusion_verify(i, n, leaves[i], bad, blen, root) == ST_PROOF,
	       "%llu/%llu: leading leaf verifies", ui, un);
}

START_TEST(test_inclusion_exhaustive)
{
	for (uint64_t n = 1; n <= NMAX; n++) {
		merkle_hash root;
		ref_mth(leaves, n, root);
		for (uint64_t i = 0; i < n; i++)
			check_inclusion(i, n, root);
	}
}
END_TEST

/* ---- Consistency proofs, every 1 <= m <= n ---- */

static void check_consistency(uint64_t m, uint64_t n, const merkle_hash root1,
			      const merkle_hash root2)
{
	ref_proof want = ref_consistency(m, n, 0);
	merkle_hash proof[MERKLE_MAX_PROOF], bad[MERKLE_MAX_PROOF + 1], r;
	size_t len = 99;
	unsigned long long um = m, un = n;

	EXPECT(merkle_consistency_proof(leaves, n, m, proof, &len) == ST_OK, "proof %llu-%llu", um, un);
	EXPECT(len == want.len, "proof %llu-%llu: %zu hashes, want %zu", um, un, len, want.len);
	for (size_t j = 0; j < len; j++)
		EXPECT(same(proof[j], want.h[j]), "proof %llu-%llu: hash %zu differs", um, un, j);
	EXPECT(merkle_consistency_verify(m, n, proof, len, root1, root2) == ST_OK,
	       "proof %llu-%llu does not verify", um, un);

	for (size_t j = 0; j < len; j++) {
		memcpy(bad, proof, len * sizeof *proof);
		flip(bad[j]);
		EXPECT(merkle_consistency_verify(m, n, bad, len, root1, root2) == ST_PROOF,
		       "%llu-%llu: hash %zu flipped verifies", um, un, j);
	}
	/* Wrong roots: either altered, or the two swapped. */
	memcpy(r, root1, sizeof r);
	flip(r);
	EXPECT(merkle_consistency_verify(m, n, proof, len, r, root2) == ST_PROOF,
	       "%llu-%llu: wrong root1 verifies", um, un);
	memcpy(r, root2, sizeof r);
	flip(r);
	EXPECT(merkle_consistency_verify(m, n, proof, len, root1, r) == ST_PROOF,
	       "%llu-%llu: wrong root2 verifies", um, un);
	if (m < n)
		EXPECT(merkle_consistency_verify(m, n, proof, len, root2, root1) == ST_PROOF,
		       "%llu-%llu: swapped roots verify", um, un);

	/* Wrong m or n: rejected unless the reference gives the same shape. */
	const uint64_t ms[] = {m - 1, m + 1, m ^ 2, n, n + 1, 0};
	for (size_t j = 0; j < sizeof ms / sizeof *ms; j++) {
		if (ms[j] == m)
			continue;
		status expect = ref_consistency_accepts(ms[j], n, len, want.shape, root1, root2)
					? ST_OK
					: ST_PROOF;
		EXPECT(merkle_consistency_verify(ms[j], n, proof, len, root1, root2) == expect,
		       "%llu-%llu as m = %llu: want %s", um, un, (unsigned long long)ms[j],
		       expect == ST_OK ? "same-shape pass" : "failure");
	}
	const uint64_t ns[] = {n - 1, n + 1, n + 2, n * 2, n / 2, m - 1, 0};
	for (size_t j = 0; j < sizeof ns / sizeof *ns; j++) {
		if (ns[j] == n || ns[j] > 2 * NMAX)
			continue;
		status expect = ref_consistency_accepts(m, ns[j], len, want.shape, root1, root2)
					? ST_OK
					: ST_PROOF;
		EXPECT(merkle_consistency_verify(m, ns[j], proof, len, root1, root2) == expect,
		       "%llu-%llu as n = %llu: want %s", um, un, (unsigned long long)ns[j],
		       expect == ST_OK ? "same-shape pass" : "failure");
	}

	/* Truncated and extended, including the classic mistake of sending
	 * root1 itself when m is a power of two. */
	size_t blen;
	if (len > 0) {
		/* NULL: an empty proof must not be read at all. */
		EXPECT(merkle_consistency_verify(m, n, NULL, 0, root1, root2) == ST_PROOF,
		       "%llu-%llu: empty proof verifies", um, un);
		blen = edit(bad, proof, len, len - 1, NULL);
		EXPECT(merkle_consistency_verify(m, n, bad, blen, root1, root2) == ST_PROOF,
		       "%llu-%llu: without last hash verifies", um, un);
		blen = edit(bad, proof, len, 0, NULL);
		EXPECT(merkle_consistency_verify(m, n, bad, blen, root1, root2) == ST_PROOF,
		       "%llu-%llu: without first hash verifies", um, un);
		blen = edit(bad, proof, len, 0, proof[0]);
		EXPECT(merkle_consistency_verify(m, n, bad, blen, root1, root2) == ST_PROOF,
		       "%llu-%llu: doubled first hash verifies", um, un);
	}
	blen = edit(bad, proof, len, len, root1);
	EXPECT(merkle_consistency_verify(m, n, bad, blen, root1, root2) == ST_PROOF,
	       "%llu-%llu: trailing root1 verifies", um, un);
	blen = edit(bad, proof, len, len, root2);
	EXPECT(merkle_consistency_verify(m, n, bad, blen, root1, root2) == ST_PROOF,
	       "%llu-%llu: trailing root2 verifies", um, un);
	blen = edit(bad, proof, len, 0, root1);
	EXPECT(merkle_consistency_verify(m, n, bad, blen, root1, root2) == ST_PROOF,
	       "%llu-%llu: leading root1 verifies", um, un);
}

START_TEST(test_consistency_exhaustive)
{
	merkle_hash roots[NMAX + 1];

	for (uint64_t n = 0; n <= NMAX; n++)
		ref_mth(leaves, n, roots[n]);
	for (uint64_t n = 1; n <= NMAX; n++)
		for (uint64_t m = 1; m <= n; m++)
			check_consistency(m, n, roots[m], roots[n]);
}
END_TEST

/* ---- Edges ---- */

START_TEST(test_arguments)
{
	merkle_hash proof[MERKLE_MAX_PROOF], root, junk[MERKLE_MAX_PROOF + 1];
	size_t len = 99;

	merkle_root(leaves, 5, root);
	memset(junk, 0xa5, sizeof junk);

	ck_assert_int_eq(merkle_inclusion_proof(leaves, 5, 5, proof, &len), ST_USAGE);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(merkle_inclusion_proof(NULL, 0, 0, proof, &len), ST_USAGE);
	ck_assert_int_eq(merkle_consistency_proof(leaves, 5, 0, proof, &len), ST_USAGE);
	ck_assert_int_eq(merkle_consistency_proof(leaves, 5, 6, proof, &len), ST_USAGE);
	ck_assert_int_eq(merkle_consistency_proof(NULL, 0, 0, proof, &len), ST_USAGE);
	/* The 65-hash proofs of trees over 2^63 leaves are refused before any
	 * leaf is read. */
	ck_assert_int_eq(merkle_consistency_proof(leaves, UINT64_MAX, 3, proof, &len), ST_USAGE);
	ck_assert_uint_eq(len, 0);

	/* Index at or past the size, the empty tree. */
	ck_assert_int_eq(merkle_inclusion_verify(5, 5, leaves[4], proof, 0, root), ST_PROOF);
	ck_assert_int_eq(merkle_inclusion_verify(0, 0, root, proof, 0, root), ST_PROOF);
	ck_assert_int_eq(merkle_inclusion_verify(UINT64_MAX, UINT64_MAX, root, junk, 64, root),
			 ST_PROOF);
	/* Huge sizes run their loops to the end without faults. */
	ck_assert_int_eq(merkle_inclusion_verify(UINT64_MAX - 1, UINT64_MAX, root, junk,
						 MERKLE_MAX_PROOF + 1, root),
			 ST_PROOF);
	ck_assert_int_eq(merkle_inclusion_verify(0, UINT64_MAX, root, junk, MERKLE_MAX_PROOF, root),
			 ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(UINT64_MAX - 1, UINT64_MAX, junk,
						   MERKLE_MAX_PROOF + 1, root, root),
			 ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify((uint64_t)1 << 62, UINT64_MAX, junk,
						   MERKLE_MAX_PROOF, root, root),
			 ST_PROOF);

	/* m == 0, m > n; m == n needs an empty proof and equal roots. */
	ck_assert_int_eq(merkle_consistency_verify(0, 5, proof, 0, root, root), ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(0, 0, proof, 0, root, root), ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(6, 5, proof, 0, root, root), ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(5, 5, NULL, 0, root, root), ST_OK);
	ck_assert_int_eq(merkle_consistency_verify(4, 5, NULL, 0, root, root), ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(3, 5, NULL, 0, root, root), ST_PROOF);
	/* A tree of one leaf: the leaf is the root and the proof is empty. */
	ck_assert_int_eq(merkle_inclusion_verify(0, 1, leaves[0], NULL, 0, leaves[0]), ST_OK);
	ck_assert_int_eq(merkle_inclusion_verify(0, 1, leaves[0], NULL, 0, leaves[1]), ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(5, 5, &root, 1, root, root), ST_PROOF);
	ck_assert_int_eq(merkle_consistency_verify(5, 5, proof, 0, root, leaves[0]), ST_PROOF);
}
END_TEST

/* Proofs arrive from outside; a verifier must stop at the first hash more
 * than the tree's height allows, not read on through a claimed length.
 * Each proof sits in a heap block of exactly its size (ASan traps a read
 * past it) and is passed with len = SIZE_MAX. */
/* A heap copy of proof[0..len) with no slack; NULL when len is 0. */
static merkle_hash *dup_exact(const merkle_hash *proof, size_t len)
{
	if (len == 0)
		return NULL;
	merkle_hash *p = malloc(len * sizeof *p);
	ck_assert_ptr_nonnull(p);
	memcpy(p, proof, len * sizeof *p);
	return p;
}

START_TEST(test_reads_bounded)
{
	const uint64_t sizes[] = {1, 2, 3, 5, 8, 13, 64, NMAX};
	merkle_hash proof[MERKLE_MAX_PROOF], root1, root2;
	size_t len;

	for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++) {
		uint64_t n = sizes[j], i = n / 3, m = n / 2 + 1;
		merkle_root(leaves, n, root2);

		ck_assert_int_eq(merkle_inclusion_proof(leaves, n, i, proof, &len), ST_OK);
		merkle_hash *heap = dup_exact(proof, len);
		ck_assert_int_eq(merkle_inclusion_verify(i, n, leaves[i], heap, len, root2), ST_OK);
		ck_assert_int_eq(merkle_inclusion_verify(i, n, leaves[i], heap, SIZE_MAX, root2),
				 ST_PROOF);
		free(heap);

		merkle_root(leaves, m, root1);
		ck_assert_int_eq(merkle_consistency_proof(leaves, n, m, proof, &len), ST_OK);
		heap = dup_exact(proof, len);
		ck_assert_int_eq(merkle_consistency_verify(m, n, heap, len, root1, root2), ST_OK);
		if (m < n)
			ck_assert_int_eq(merkle_consistency_verify(m, n, heap, SIZE_MAX, root1, root2),
					 ST_PROOF);
		free(heap);
	}
}
END_TEST

/* RFC 9162's inclusion check binds the leaf to the root, not to the size:
 * a proof of leaf 0 in a tree of 3 also passes as "leaf 0 of 4", because
 * both run the same two hashes.  The size must come from a signed
 * checkpoint, never from the proof's sender.  Pinned so nobody "fixes" the
 * verifier into something that differs from the RFC. */
START_TEST(test_size_not_bound_by_proof)
{
	merkle_hash proof[MERKLE_MAX_PROOF], root;
	size_t len;

	merkle_root(leaves, 3, root);
	ck_assert_int_eq(merkle_inclusion_proof(leaves, 3, 0, proof, &len), ST_OK);
	ck_assert_int_eq(merkle_inclusion_verify(0, 3, leaves[0], proof, len, root), ST_OK);
	ck_assert_int_eq(merkle_inclusion_verify(0, 4, leaves[0], proof, len, root), ST_OK);
	ck_assert_int_eq(merkle_inclusion_verify(0, 5, leaves[0], proof, len, root), ST_PROOF);
}
END_TEST

/* ---- Known answers ---- */

static int unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > max)
		return 0;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", s[2 * i]) ||
		    !strchr("0123456789abcdef", s[2 * i + 1]))
			return 0;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 1;
}

static uint64_t number(const char *s)
{
	char *end;
	ck_assert_msg(s && *s >= '0' && *s <= '9', "%s: number expected", VECTORS);
	uint64_t v = strtoull(s, &end, 10);
	ck_assert_msg(*end == '\0', "%s: bad number %s", VECTORS, s);
	return v;
}

/* The rest of a line as hashes; returns how many. */
static size_t hashes(char **save, merkle_hash *out)
{
	size_t n = 0, len;
	char *w;
	while ((w = strtok_r(NULL, " \t\n", save)) != NULL) {
		ck_assert_uint_lt(n, MERKLE_MAX_PROOF);
		ck_assert_msg(unhex(w, out[n], SHA256_LEN, &len) && len == SHA256_LEN,
			      "%s: bad hash %s", VECTORS, w);
		n++;
	}
	return n;
}

START_TEST(test_vectors)
{
	FILE *f = fopen(VECTORS, "r");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)", VECTORS);

	merkle_hash d[16], want[MERKLE_MAX_PROOF], got[MERKLE_MAX_PROOF], r1, r2;
	size_t nleaves = 0, nroots = 0, nincl = 0, ncons = 0, len, wlen;
	char line[2048];

	while (fgets(line, sizeof line, f)) {
		ck_assert_msg(strchr(line, '\n') != NULL, "%s: line too long", VECTORS);
		char *save, *w = strtok_r(line, " \t\n", &save);
		if (w == NULL || w[0] == '#')
			continue;
		if (strcmp(w, "leaf") == 0) {
			uint8_t data[64];
			char *hex = strtok_r(NULL, " \t\n", &save);
			len = 0;
			ck_assert_msg(hex == NULL || unhex(hex, data, sizeof data, &len),
				      "%s: bad leaf %s", VECTORS, hex);
			ck_assert_uint_lt(nleaves, 16);
			sha256_leaf(data, len, d[nleaves++]);
		} else if (strcmp(w, "root") == 0) {
			uint64_t n = number(strtok_r(NULL, " \t\n", &save));
			ck_assert_uint_le(n, nleaves);
			ck_assert_uint_eq(hashes(&save, want), 1);
			merkle_root(d, n, got[0]);
			ck_assert_msg(same(got[0], want[0]), "root of %llu", (unsigned long long)n);
			merkle_stream s = {0};
			for (uint64_t i = 0; i < n; i++)
				merkle_stream_push(&s, d[i]);
			merkle_stream_root(&s, got[0]);
			ck_assert_msg(same(got[0], want[0]), "stream root of %llu", (unsigned long long)n);
			nroots++;
		} else if (strcmp(w, "inclusion") == 0) {
			uint64_t i = number(strtok_r(NULL, " \t\n", &save));
			uint64_t n = number(strtok_r(NULL, " \t\n", &save));
			ck_assert_uint_le(n, nleaves);
			wlen = hashes(&save, want);
			ck_assert_int_eq(merkle_inclusion_proof(d, n, i, got, &len), ST_OK);
			ck_assert_uint_eq(len, wlen);
			ck_assert_mem_eq(got, want, len * SHA256_LEN);
			merkle_root(d, n, r1);
			ck_assert_int_eq(merkle_inclusion_verify(i, n, d[i], want, wlen, r1), ST_OK);
			nincl++;
		} else if (strcmp(w, "consistency") == 0) {
			uint64_t m = number(strtok_r(NULL, " \t\n", &save));
			uint64_t n = number(strtok_r(NULL, " \t\n", &save));
			ck_assert_uint_le(n, nleaves);
			wlen = hashes(&save, want);
			ck_assert_int_eq(merkle_consistency_proof(d, n, m, got, &len), ST_OK);
			ck_assert_uint_eq(len, wlen);
			ck_assert_mem_eq(got, want, len * SHA256_LEN);
			merkle_root(d, m, r1);
			merkle_root(d, n, r2);
			ck_assert_int_eq(merkle_consistency_verify(m, n, want, wlen, r1, r2), ST_OK);
			ncons++;
		} else {
			ck_abort_msg("%s: unknown line kind %s", VECTORS, w);
		}
	}
	ck_assert(!ferror(f));
	fclose(f);
	/* A file cut short must not pass quietly. */
	ck_assert_uint_eq(nleaves, 8);
	ck_assert_uint_eq(nroots, 9);
	ck_assert_uint_eq(nincl, 5);
	ck_assert_uint_eq(ncons, 5);
}
END_TEST

/* ---- A million leaves ---- */

START_TEST(test_million)
{
	/* One proof of each kind over the size the log must serve: each costs
	 * at most n - 1 node hashes and O(log n) stack, and still verifies. */
	const uint64_t n = 1000000, m = 999999, index = 777777;
	merkle_hash *d = malloc(n * sizeof *d);
	ck_assert_ptr_nonnull(d);
	/* Any distinct 32-byte values serve as leaf hashes; skip hashing them. */
	for (uint64_t i = 0; i < n; i++) {
		memset(d[i], 0, SHA256_LEN);
		memcpy(d[i], &i, sizeof i);
	}

	merkle_stream s = {0}, at_m = {0};
	merkle_hash root, root1, proof[MERKLE_MAX_PROOF];
	size_t len;
	for (uint64_t i = 0; i < n; i++) {
		if (i == m)
			at_m = s;
		merkle_stream_push(&s, d[i]);
	}
	merkle_stream_root(&s, root);
	merkle_stream_root(&at_m, root1);

	ck_assert_int_eq(merkle_inclusion_proof(d, n, index, proof, &len), ST_OK);
	ck_assert_uint_le(len, 20); /* ceil(log2(10^6)) */
	ck_assert_int_eq(merkle_inclusion_verify(index, n, d[index], proof, len, root), ST_OK);
	ck_assert_int_eq(merkle_consistency_proof(d, n, m, proof, &len), ST_OK);
	ck_assert_int_eq(merkle_consistency_verify(m, n, proof, len, root1, root), ST_OK);
	free(d);
}
END_TEST

/* ---- Threads ---- */

/* Verification keeps no shared state: several threads verify every proof of
 * the largest tree at once.  Each returns its failure count. */
static merkle_hash thr_root;
static merkle_hash thr_proofs[NMAX][MERKLE_MAX_PROOF];
static size_t thr_lens[NMAX];

static void *verify_all(void *arg)
{
	uintptr_t failures = 0;
	(void)arg;
	for (int round = 0; round < 20; round++)
		for (uint64_t i = 0; i < NMAX; i++)
			failures += merkle_inclusion_verify(i, NMAX, leaves[i], thr_proofs[i],
							    thr_lens[i], thr_root) != ST_OK;
	sha256_thread_done();
	return (void *)failures;
}

START_TEST(test_threads)
{
	pthread_t t[4];

	merkle_root(leaves, NMAX, thr_root);
	for (uint64_t i = 0; i < NMAX; i++)
		ck_assert_int_eq(merkle_inclusion_proof(leaves, NMAX, i, thr_proofs[i], &thr_lens[i]),
				 ST_OK);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, verify_all, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *failures;
		ck_assert_int_eq(pthread_join(t[i], &failures), 0);
		ck_assert_uint_eq((uintptr_t)failures, 0);
	}
}
END_TEST

static Suite *merkle_suite(void)
{
	Suite *s = suite_create("merkle");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60); /* the exhaustive cases under ASan */
	tcase_add_test(tc, test_roots_and_stream);
	tcase_add_test(tc, test_inclusion_exhaustive);
	tcase_add_test(tc, test_consistency_exhaustive);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_reads_bounded);
	tcase_add_test(tc, test_size_not_bound_by_proof);
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_million);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(merkle_suite());
}
