/* merkle.h: RFC 6962 / RFC 9162 section 2.1 Merkle trees over leaf hashes.
 *
 * Leaves are given as their leaf hashes (SHA-256(0x00 || entry)); interior
 * nodes are SHA-256(0x01 || left || right); the root of the empty tree is
 * SHA-256 of the empty string.  Sizes and indices are uint64_t. */
#ifndef CUSTOS_MERKLE_H
#define CUSTOS_MERKLE_H

#include <stdint.h>

#include "sha.h"
#include "status.h"

/* The longest proof for any tree of up to 2^63 leaves. */
#define MERKLE_MAX_PROOF 64

typedef uint8_t merkle_hash[SHA256_LEN];

/* Root hash of the tree over leaves[0..n). */
void merkle_root(const merkle_hash *leaves, uint64_t n, merkle_hash root);

/* Inclusion proof (RFC 9162 2.1.3.1) of leaf `index` in the tree over
 * leaves[0..n): proof[0..*len), *len <= MERKLE_MAX_PROOF.  ST_USAGE if
 * index >= n. */
status merkle_inclusion_proof(const merkle_hash *leaves, uint64_t n, uint64_t index,
			      merkle_hash proof[MERKLE_MAX_PROOF], size_t *len)
	CUSTOS_WARN_UNUSED;

/* ST_OK if proof[0..len) proves `leaf` is at `index` in the tree of `size`
 * leaves with root `root` (RFC 9162 2.1.3.2); ST_PROOF otherwise. */
status merkle_inclusion_verify(uint64_t index, uint64_t size, const merkle_hash leaf,
			       const merkle_hash *proof, size_t len, const merkle_hash root)
	CUSTOS_WARN_UNUSED;

/* Consistency proof (RFC 9162 2.1.4.1) between the tree of the first `m`
 * leaves and the tree over leaves[0..n), 0 < m <= n.  m == n gives an empty
 * proof.  ST_USAGE if m is 0 or above n, or n is above 2^63 (such a
 * proof can need 65 hashes, more than MERKLE_MAX_PROOF). */
status merkle_consistency_proof(const merkle_hash *leaves, uint64_t n, uint64_t m,
				merkle_hash proof[MERKLE_MAX_PROOF], size_t *len)
	CUSTOS_WARN_UNUSED;

/* ST_OK if proof[0..len) shows the tree of size m with root1 is a prefix of
 * the tree of size n with root2 (RFC 9162 2.1.4.2); ST_PROOF otherwise
 * (including m == 0, m > n, or a non-empty proof when m == n). */
status merkle_consistency_verify(uint64_t m, uint64_t n, const merkle_hash *proof,
				 size_t len, const merkle_hash root1, const merkle_hash root2)
	CUSTOS_WARN_UNUSED;

/* A tree built one leaf at a time in O(log n) memory: for computing the
 * root of a log read as a stream.  Zero-initialise, push, read the root at
 * any size. */
typedef struct merkle_stream {
	uint64_t size;
	merkle_hash stack[64]; /* stack[i]: root of a full subtree, see merkle.c */
} merkle_stream;

/* Add the next leaf hash; s->size must be below 2^64 - 1. */
void merkle_stream_push(merkle_stream *s, const merkle_hash leaf);
void merkle_stream_root(const merkle_stream *s, merkle_hash root);

#endif
