/* export.h: the oversight bundle and inclusion proofs, from the database.
 *
 * A bundle is a folder (docs/bundle.md):
 *   checkpoint              the latest stored checkpoint, every cosignature
 *   tile/entries/...        entry bundles of 256 entries (C2SP tlog-tiles;
 *                           a partial one .p/W), uint16-BE length-prefixed
 *   tile/<L>/...            hash tiles of height 8
 *   checkpoints/<size>      every earlier stored checkpoint, cosignatures too
 *   consistency/<m>         consistency proof from size m to the latest:
 *                           one base64 hash per line
 *   VERIFY.md               how to check it, with custos-verify or by hand
 *   log.vkey                the registered log key (convenience only)
 * It is read in one REPEATABLE READ READ ONLY transaction, so it is one
 * consistent snapshot.  Entries are streamed; memory holds the leaf hashes
 * (32 bytes an entry) and one entry bundle.  Before anything is written the
 * entries are checked against the checkpoint: each leaf hash is recomputed
 * from its note, and the Merkle root of the leaves must be the latest
 * checkpoint's root.
 *
 * Proofs use RFC 9162 hashes over ranges of leaves; complete subtrees of
 * 256 leaves and more come from stored or precomputed nodes, so a proof
 * costs O(log n) subtree hashes, not O(n). */
#ifndef CUSTOS_EXPORT_H
#define CUSTOS_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "merkle.h"
#include "status.h"

typedef struct export_stats {
	uint64_t size;          /* the latest checkpoint's size: entries in the bundle */
	uint64_t since;         /* entries before this were not written again */
	uint64_t bundles;       /* entry bundle files written */
	uint64_t checkpoints;   /* earlier checkpoints (and consistency proofs) written */
	char root_b64[45];
} export_stats;

/* Write the bundle of the latest stored checkpoint into folder `dir` (made
 * if missing; files in it are replaced atomically one by one).  since > 0:
 * an incremental bundle for someone holding the bundle of size `since`:
 * entry bundles and tiles that were already complete at `since` are not
 * written again (copied over the older bundle it gives the full one).
 * ST_NOTFOUND if no checkpoint is stored; ST_USAGE if since is above the
 * checkpoint's size; ST_CORRUPT if the entries do not give the
 * checkpoint's root or a leaf hash is not its note's (err names the
 * entry); ST_DENIED for a person who cannot read the whole log. */
status export_bundle(db *d, const char *dir, uint64_t since, export_stats *stats,
		     errbuf *err) CUSTOS_WARN_UNUSED;

typedef struct export_proof_info {
	uint64_t index;
	uint64_t size; /* the checkpoint's */
	size_t hashes;
	size_t cosignatures;
} export_proof_info;

/* A tlog-proof@v1 file (tlog.h) for one entry, named by its transaction
 * number or its decimal index, against the stored checkpoint covering it
 * that has the most cosignatures (the latest among equals), with those
 * cosignatures, written to the new file `out` (never overwritten:
 * ST_EXISTS).  If entry_out is not NULL the entry's signed note is written
 * to that new file too, so the holder keeps the entry and its receipt.
 * The proof is checked against the checkpoint's root before it is written.
 * ST_NOTFOUND: no such entry (or not visible to this person), or no
 * checkpoint; ST_REFUSED: the latest checkpoint does not cover the entry
 * yet. */
status export_proof(db *d, const char *which, const char *out, const char *entry_out,
		    export_proof_info *info, errbuf *err) CUSTOS_WARN_UNUSED;

/* The same proof as export_proof's file, in a new malloc'd NUL-terminated
 * string *text of *len bytes (no file is written). */
status export_proof_text(db *d, const char *which, char **text, size_t *len,
			 export_proof_info *info, errbuf *err) CUSTOS_WARN_UNUSED;

/* A Merkle tree reachable only through hashes of leaf ranges: hash(ctx, lo,
 * n, out) gives the RFC 6962 hash of leaves [lo, lo + n).  The proofs below
 * ask only for ranges of RFC 9162's recursion. */
typedef struct export_tree {
	status (*hash)(void *ctx, uint64_t lo, uint64_t n, merkle_hash out, errbuf *err);
	void *ctx;
} export_tree;

/* RFC 9162 inclusion proof of `index` in the tree of size n, and
 * consistency proof from size m to size n (0 < m <= n), through t; results
 * as merkle_inclusion_proof / merkle_consistency_proof. */
status export_tree_inclusion(const export_tree *t, uint64_t n, uint64_t index,
			     merkle_hash proof[MERKLE_MAX_PROOF], size_t *len,
			     errbuf *err) CUSTOS_WARN_UNUSED;
status export_tree_consistency(const export_tree *t, uint64_t n, uint64_t m,
			       merkle_hash proof[MERKLE_MAX_PROOF], size_t *len,
			       errbuf *err) CUSTOS_WARN_UNUSED;

#endif
