/* merkle.c: RFC 9162 section 2.1 Merkle tree hashes, proofs and their
 * verification, over leaf hashes.
 *
 * Generation walks the RFC's recursive definitions (MTH, PATH, SUBPROOF)
 * top-down in a loop: each step splits the current subtree at k, the largest
 * power of two below its size, and the hash of the subtree *not* descended
 * into becomes one proof element.  Those sibling subtrees are disjoint, so a
 * proof costs at most n - 1 node hashes in total and O(log n) memory (the
 * 2 KiB merkle_stream that hashes each sibling).  The walk meets the siblings root
 * first, while a proof lists them leaf first, so each proof is reversed at
 * the end. */
#include "merkle.h"

#include <string.h>

/* out = SHA-256(0x01 || l || r); out may alias l or r (sha.h does not
 * promise that, so hash into a temporary). */
static void node(const uint8_t *l, const uint8_t *r, merkle_hash out)
{
	merkle_hash t;

	sha256_node(l, r, t);
	memcpy(out, t, sizeof t);
}

/* k for RFC 9162's split of n >= 2 leaves: the largest power of two < n. */
static uint64_t split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* Root of leaves[0..n): a stream over them, O(n) hashes, no recursion. */
void merkle_root(const merkle_hash *leaves, uint64_t n, merkle_hash root)
{
	merkle_stream s = {0};

	for (uint64_t i = 0; i < n; i++)
		merkle_stream_push(&s, leaves[i]);
	merkle_stream_root(&s, root);
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

status merkle_inclusion_proof(const merkle_hash *leaves, uint64_t n, uint64_t index,
			      merkle_hash proof[MERKLE_MAX_PROOF], size_t *len)
{
	uint64_t lo = 0, size = n; /* the subtree leaves[lo..lo+size) holds index */
	size_t count = 0;

	*len = 0;
	if (index >= n)
		return ST_USAGE;
	/* At most 64 splits: each keeps at most half the leaves, rounded up. */
	while (size > 1) {
		uint64_t k = split(size);
		if (index - lo < k) { /* PATH(m, D[0:k]) : MTH(D[k:n]) */
			merkle_root(leaves + lo + k, size - k, proof[count++]);
			size = k;
		} else { /* PATH(m - k, D[k:n]) : MTH(D[0:k]) */
			merkle_root(leaves + lo, k, proof[count++]);
			lo += k;
			size -= k;
		}
	}
	reverse(proof, count);
	*len = count;
	return ST_OK;
}

status merkle_consistency_proof(const merkle_hash *leaves, uint64_t n, uint64_t m,
				merkle_hash proof[MERKLE_MAX_PROOF], size_t *len)
{
	uint64_t lo = 0, size = n; /* SUBPROOF(m, leaves[lo..lo+size), whole) */
	int whole = 1;             /* RFC 9162's b: still on the tree's left edge */
	size_t count = 0;

	*len = 0;
	if (m == 0 || m > n)
		return ST_USAGE;
	/* A tree over more than 2^63 leaves can need 65 hashes; no such array
	 * of leaves fits in memory, so this only keeps proof[] in bounds. */
	if (n > (uint64_t)1 << 63)
		return ST_USAGE;
	while (m != size) {
		uint64_t k = split(size);
		if (m <= k) { /* SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) */
			merkle_root(leaves + lo + k, size - k, proof[count++]);
			size = k;
		} else { /* SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) */
			merkle_root(leaves + lo, k, proof[count++]);
			lo += k;
			size -= k;
			m -= k;
			whole = 0;
		}
	}
	/* SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b true it is empty,
	 * because the verifier already holds that hash as the old root. */
	if (!whole)
		merkle_root(leaves + lo, size, proof[count++]);
	reverse(proof, count);
	*len = count;
	return ST_OK;
}

/* RFC 9162 2.1.3.2, step by step.  fn is the leaf's index and sn the last
 * index at the current level; a hash of the proof is a left sibling when fn
 * is a right child or is the last node of its level. */
status merkle_inclusion_verify(uint64_t index, uint64_t size, const merkle_hash leaf,
			       const merkle_hash *proof, size_t len, const merkle_hash root)
{
	if (index >= size)
		return ST_PROOF;

	uint64_t fn = index, sn = size - 1;
	merkle_hash r;
	memcpy(r, leaf, sizeof r);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return ST_PROOF; /* more hashes than the tree is high */
		if ((fn & 1) || fn == sn) {
			node(proof[i], r, r);
			while (!(fn & 1) && fn != 0) { /* carried up: no right sibling */
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			node(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, sizeof r) == 0 ? ST_OK : ST_PROOF;
}

/* RFC 9162 2.1.4.2, step by step: fr rebuilds the old root and sr the new
 * one from the same hashes, which proves the old tree is a prefix. */
status merkle_consistency_verify(uint64_t m, uint64_t n, const merkle_hash *proof,
				 size_t len, const merkle_hash root1, const merkle_hash root2)
{
	if (m == 0 || m > n)
		return ST_PROOF;
	if (m == n) /* the RFC's algorithm covers m < n; equal trees need no proof */
		return len == 0 && memcmp(root1, root2, SHA256_LEN) == 0 ? ST_OK : ST_PROOF;
	if (len == 0)
		return ST_PROOF;

	/* Step 2 prepends root1 when m is a power of two.  Instead of copying,
	 * read the path through `first` (the head) and `rest` (the tail). */
	const uint8_t *first = proof[0];
	const merkle_hash *rest = proof + 1;
	size_t nrest = len - 1;
	if ((m & (m - 1)) == 0) {
		first = root1;
		rest = proof;
		nrest = len;
	}

	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	merkle_hash fr, sr;
	memcpy(fr, first, sizeof fr);
	memcpy(sr, first, sizeof sr);
	for (size_t i = 0; i < nrest; i++) {
		if (sn == 0)
			return ST_PROOF; /* trailing hashes */
		if ((fn & 1) || fn == sn) {
			node(rest[i], fr, fr);
			node(rest[i], sr, sr);
			while (!(fn & 1) && fn != 0) { /* carried up: no right sibling */
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			node(sr, rest[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, root1, sizeof fr) != 0 || memcmp(sr, root2, sizeof sr) != 0)
		return ST_PROOF;
	return ST_OK;
}

/* The stream is a binary counter of full subtrees.  Invariant: for every bit
 * i set in s->size, stack[i] is the root of the full subtree of 2^i leaves
 * that starts at leaf (s->size >> (i + 1)) << (i + 1); entries for clear
 * bits are stale.  The set bits, high to low, are the tree's full subtrees
 * left to right, which is how RFC 9162 splits a tree of any size.
 *
 * Pushing is binary increment: the new leaf is a subtree of 1; while the
 * counter's bit i is set, it merges with stack[i] (its left neighbour) into a
 * subtree of 2^(i+1).  Amortised one node hash per push.  Precondition:
 * s->size < 2^64 - 1 on entry, far beyond any log. */
void merkle_stream_push(merkle_stream *s, const merkle_hash leaf)
{
	merkle_hash h;
	unsigned i = 0;

	memcpy(h, leaf, sizeof h);
	while (s->size >> i & 1) {
		node(s->stack[i], h, h);
		i++;
	}
	memcpy(s->stack[i], h, sizeof h);
	s->size++;
}

/* MTH(D[n]) splits off its leftmost full subtree and recurses on the rest,
 * so the root nests right to left: fold from the smallest subtree up. */
void merkle_stream_root(const merkle_stream *s, merkle_hash root)
{
	if (s->size == 0) {
		sha256("", 0, root);
		return;
	}

	unsigned low = (unsigned)__builtin_ctzll(s->size);
	merkle_hash r;

	memcpy(r, s->stack[low], sizeof r);
	for (unsigned i = low + 1; i < 64; i++)
		if (s->size >> i & 1)
			node(s->stack[i], r, r);
	memcpy(root, r, sizeof r);
}
