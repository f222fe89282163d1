#include "witness.h"

#include <string.h>

#include "sha.h"

bool witness_may_cosign(witness_verdict v)
{
	return v == WITNESS_COSIGN_FIRST || v == WITNESS_COSIGN_SAME ||
	       v == WITNESS_COSIGN_FROM_EMPTY || v == WITNESS_COSIGN_EXTENDS;
}

witness_verdict witness_decide(const tlog_checkpoint *old, const tlog_checkpoint *cp,
			       const witness_evidence *ev)
{
	if (old == NULL)
		return WITNESS_COSIGN_FIRST;
	if (strcmp(old->origin, cp->origin) != 0)
		return WITNESS_OTHER_LOG;
	if (cp->size < old->size)
		return WITNESS_ROLLBACK;
	if (cp->size == old->size)
		return memcmp(cp->root, old->root, SHA256_LEN) == 0 ? WITNESS_COSIGN_SAME
								    : WITNESS_FORK_SAME_SIZE;
	if (old->size == 0)
		return WITNESS_COSIGN_FROM_EMPTY;
	if (ev != NULL && ev->have_proof)
		return merkle_consistency_verify(old->size, cp->size, ev->proof, ev->prooflen,
						 old->root, cp->root) == ST_OK
			       ? WITNESS_COSIGN_EXTENDS
			       : WITNESS_FORK_PROOF;
	if (ev != NULL && ev->leaves != NULL) {
		merkle_hash r;
		merkle_root(ev->leaves, cp->size, r);
		if (memcmp(r, cp->root, SHA256_LEN) != 0)
			return WITNESS_TILES_MISMATCH;
		merkle_root(ev->leaves, old->size, r);
		if (memcmp(r, old->root, SHA256_LEN) != 0)
			return WITNESS_FORK_TILES;
		return WITNESS_COSIGN_EXTENDS;
	}
	return WITNESS_NEED_PROOF;
}
