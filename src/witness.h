/* witness.h: the witness's decision whether to cosign a checkpoint.
 *
 * A witness (custos-verify cosign) keeps the last checkpoint it cosigned
 * and cosigns a new one only if the new tree extends that one: never a
 * smaller tree (rollback), never another root at the same size or a larger
 * tree that does not contain the old one (fork).  witness_decide is that
 * decision alone, with no I/O: main_cosign reads the files, checks the log
 * key's signature, and turns the verdict into words and an exit status. */
#ifndef CUSTOS_WITNESS_H
#define CUSTOS_WITNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "merkle.h"
#include "tlog.h"

typedef enum witness_verdict {
	WITNESS_COSIGN_FIRST,    /* no earlier checkpoint: the first one, trusted on first use */
	WITNESS_COSIGN_SAME,     /* the size and root already cosigned: cosign again */
	WITNESS_COSIGN_FROM_EMPTY, /* the earlier tree was empty: every tree extends it */
	WITNESS_COSIGN_EXTENDS,  /* larger, and the evidence proves it contains the earlier tree */
	WITNESS_OTHER_LOG,       /* the new checkpoint's origin is not the earlier one's */
	WITNESS_ROLLBACK,        /* smaller than the tree already cosigned */
	WITNESS_FORK_SAME_SIZE,  /* the size already cosigned with another root */
	WITNESS_FORK_PROOF,      /* larger, and the consistency proof does not verify */
	WITNESS_TILES_MISMATCH,  /* larger, and the leaves given do not hash to its root */
	WITNESS_FORK_TILES,      /* larger, and its leaves do not begin with the earlier tree */
	WITNESS_NEED_PROOF,      /* larger, and no evidence was given: ask for a proof */
} witness_verdict;

/* True for the verdicts that let the witness cosign. */
bool witness_may_cosign(witness_verdict v);

/* What the witness has to show that the new tree extends the old one; at
 * most one of the two is used, the proof first.  `proof` (have_proof):
 * the RFC 6962 consistency proof from the earlier size to the new one.
 * `leaves` (not NULL): the new tree's cp->size leaf hashes, from which
 * both roots are recomputed. */
typedef struct witness_evidence {
	bool have_proof;
	const merkle_hash *proof;
	size_t prooflen;
	const merkle_hash *leaves;
} witness_evidence;

/* Decide on the new checkpoint `cp` (its signature already checked) given
 * the last one this witness cosigned, `old` (NULL when it has cosigned
 * none).  `ev` may be NULL or empty: the verdict is then
 * WITNESS_NEED_PROOF exactly when evidence would decide, so a caller can
 * decide once, read the evidence only when asked, and decide again.  The
 * checks come in this order: other log, rollback, fork at the same size,
 * same, from empty, then the evidence. */
witness_verdict witness_decide(const tlog_checkpoint *old, const tlog_checkpoint *cp,
			       const witness_evidence *ev);

#endif
