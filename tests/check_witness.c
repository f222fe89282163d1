/* check_witness.c: the witness's decision (src/witness.c) on real RFC 6962
 * trees built with src/merkle.c: cosign the first checkpoint, the same one
 * again, any tree after the empty one, and a larger tree proven to extend
 * the one cosigned (by a consistency proof or by its leaves); refuse
 * another log, a rollback, a fork at the same size, a proof or leaves that
 * do not show the old tree inside the new one; ask for evidence when none
 * was given. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <string.h>

#include "../src/merkle.h"
#include "../src/sha.h"
#include "../src/witness.h"

#define N 40
#define ORIGIN "custos.example/log"

/* The log's leaves, and a forked history that differs from entry FORK_AT on. */
static merkle_hash good[N], forked[N];
#define FORK_AT 9

static void setup(void)
{
	for (int i = 0; i < N; i++) {
		char s[32];
		snprintf(s, sizeof s, "entry %d", i);
		sha256((const uint8_t *)s, strlen(s), good[i]);
		if (i >= FORK_AT)
			snprintf(s, sizeof s, "forged entry %d", i);
		sha256((const uint8_t *)s, strlen(s), forked[i]);
	}
}

/* The checkpoint of the first n leaves of `leaves`. */
static tlog_checkpoint cp_of(const merkle_hash *leaves, uint64_t n)
{
	tlog_checkpoint c;
	memset(&c, 0, sizeof c);
	snprintf(c.origin, sizeof c.origin, "%s", ORIGIN);
	c.size = n;
	merkle_root(leaves, n, c.root);
	return c;
}

/* Evidence: the consistency proof from m to n over `leaves`. */
static witness_evidence proof_of(const merkle_hash *leaves, uint64_t n, uint64_t m,
				 merkle_hash proof[MERKLE_MAX_PROOF])
{
	witness_evidence ev = {true, proof, 0, NULL};
	ck_assert_int_eq(merkle_consistency_proof(leaves, n, m, proof, &ev.prooflen), ST_OK);
	return ev;
}

START_TEST(test_first_same_empty)
{
	tlog_checkpoint c10 = cp_of(good, 10), c0 = cp_of(good, 0);
	ck_assert_int_eq(witness_decide(NULL, &c10, NULL), WITNESS_COSIGN_FIRST);
	ck_assert_int_eq(witness_decide(&c10, &c10, NULL), WITNESS_COSIGN_SAME);
	ck_assert_int_eq(witness_decide(&c0, &c10, NULL), WITNESS_COSIGN_FROM_EMPTY);
	ck_assert_int_eq(witness_decide(&c0, &c0, NULL), WITNESS_COSIGN_SAME);
	ck_assert(witness_may_cosign(WITNESS_COSIGN_FIRST));
	ck_assert(witness_may_cosign(WITNESS_COSIGN_SAME));
	ck_assert(witness_may_cosign(WITNESS_COSIGN_FROM_EMPTY));
	ck_assert(witness_may_cosign(WITNESS_COSIGN_EXTENDS));
}
END_TEST

START_TEST(test_other_log)
{
	tlog_checkpoint a = cp_of(good, 10), b = cp_of(good, 10);
	snprintf(b.origin, sizeof b.origin, "other.example/log");
	ck_assert_int_eq(witness_decide(&a, &b, NULL), WITNESS_OTHER_LOG);
	ck_assert(!witness_may_cosign(WITNESS_OTHER_LOG));
}
END_TEST

START_TEST(test_rollback)
{
	tlog_checkpoint c20 = cp_of(good, 20);
	for (uint64_t n = 0; n < 20; n++) {
		tlog_checkpoint c = cp_of(good, n);
		merkle_hash proof[MERKLE_MAX_PROOF];
		witness_evidence ev = {true, proof, 0, good};
		ck_assert_int_eq(witness_decide(&c20, &c, NULL), WITNESS_ROLLBACK);
		/* No evidence turns a smaller tree into a cosignature. */
		ck_assert_int_eq(witness_decide(&c20, &c, &ev), WITNESS_ROLLBACK);
	}
	ck_assert(!witness_may_cosign(WITNESS_ROLLBACK));
}
END_TEST

START_TEST(test_fork_same_size)
{
	tlog_checkpoint a = cp_of(good, 20), b = cp_of(forked, 20);
	ck_assert_int_eq(witness_decide(&a, &b, NULL), WITNESS_FORK_SAME_SIZE);
	ck_assert_int_eq(witness_decide(&b, &a, NULL), WITNESS_FORK_SAME_SIZE);
	ck_assert(!witness_may_cosign(WITNESS_FORK_SAME_SIZE));
}
END_TEST

START_TEST(test_extends_by_proof)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	for (uint64_t m = 1; m < N; m++)
		for (uint64_t n = m + 1; n <= N; n++) {
			tlog_checkpoint old = cp_of(good, m), cp = cp_of(good, n);
			ck_assert_int_eq(witness_decide(&old, &cp, NULL), WITNESS_NEED_PROOF);
			witness_evidence ev = proof_of(good, n, m, proof);
			ck_assert_int_eq(witness_decide(&old, &cp, &ev), WITNESS_COSIGN_EXTENDS);
		}
}
END_TEST

START_TEST(test_fork_by_proof)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	/* The old tree is the real log's, the new one a fork of it after entry
	 * FORK_AT: its honest proof does not reach the old root. */
	tlog_checkpoint old = cp_of(good, 12), cp = cp_of(forked, 30);
	witness_evidence ev = proof_of(forked, 30, 12, proof);
	ck_assert_int_eq(witness_decide(&old, &cp, &ev), WITNESS_FORK_PROOF);
	/* The real log's proof does not fit the forked checkpoint either. */
	ev = proof_of(good, 30, 12, proof);
	ck_assert_int_eq(witness_decide(&old, &cp, &ev), WITNESS_FORK_PROOF);
	/* A genuine proof with a hash flipped, or cut short, fails. */
	tlog_checkpoint real = cp_of(good, 30);
	ev = proof_of(good, 30, 12, proof);
	ck_assert_int_eq(witness_decide(&old, &real, &ev), WITNESS_COSIGN_EXTENDS);
	proof[0][0] ^= 1;
	ck_assert_int_eq(witness_decide(&old, &real, &ev), WITNESS_FORK_PROOF);
	proof[0][0] ^= 1;
	ev.prooflen--;
	ck_assert_int_eq(witness_decide(&old, &real, &ev), WITNESS_FORK_PROOF);
	/* An empty proof between different sizes proves nothing. */
	ev.prooflen = 0;
	ck_assert_int_eq(witness_decide(&old, &real, &ev), WITNESS_FORK_PROOF);
	ck_assert(!witness_may_cosign(WITNESS_FORK_PROOF));
}
END_TEST

START_TEST(test_by_leaves)
{
	/* The real log's leaves show the new tree extends the old one. */
	tlog_checkpoint old = cp_of(good, 12), cp = cp_of(good, 30);
	witness_evidence ev = {false, NULL, 0, good};
	ck_assert_int_eq(witness_decide(&old, &cp, &ev), WITNESS_COSIGN_EXTENDS);
	/* A fork's leaves hash to the fork's root, but do not begin with the
	 * tree this witness cosigned. */
	tlog_checkpoint fcp = cp_of(forked, 30);
	ev.leaves = forked;
	ck_assert_int_eq(witness_decide(&old, &fcp, &ev), WITNESS_FORK_TILES);
	/* Leaves that do not hash to the checkpoint's root are refused before
	 * anything is concluded from them. */
	ev.leaves = good;
	ck_assert_int_eq(witness_decide(&old, &fcp, &ev), WITNESS_TILES_MISMATCH);
	/* An old tree inside the common prefix is extended by both histories. */
	tlog_checkpoint early = cp_of(good, FORK_AT);
	ev.leaves = forked;
	ck_assert_int_eq(witness_decide(&early, &fcp, &ev), WITNESS_COSIGN_EXTENDS);
	ck_assert(!witness_may_cosign(WITNESS_FORK_TILES));
	ck_assert(!witness_may_cosign(WITNESS_TILES_MISMATCH));
}
END_TEST

START_TEST(test_proof_before_leaves)
{
	/* Given both, the proof decides: a bad proof is not saved by good leaves. */
	merkle_hash proof[MERKLE_MAX_PROOF];
	tlog_checkpoint old = cp_of(good, 12), cp = cp_of(good, 30);
	witness_evidence ev = proof_of(good, 30, 12, proof);
	ev.leaves = good;
	proof[1][3] ^= 0x80;
	ck_assert_int_eq(witness_decide(&old, &cp, &ev), WITNESS_FORK_PROOF);
}
END_TEST

START_TEST(test_need_proof)
{
	tlog_checkpoint old = cp_of(good, 5), cp = cp_of(good, 6);
	witness_evidence none = {false, NULL, 0, NULL};
	ck_assert_int_eq(witness_decide(&old, &cp, NULL), WITNESS_NEED_PROOF);
	ck_assert_int_eq(witness_decide(&old, &cp, &none), WITNESS_NEED_PROOF);
	ck_assert(!witness_may_cosign(WITNESS_NEED_PROOF));
}
END_TEST

static Suite *witness_suite(void)
{
	Suite *s = suite_create("witness");
	TCase *tc = tcase_create("decide");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_first_same_empty);
	tcase_add_test(tc, test_other_log);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_fork_same_size);
	tcase_add_test(tc, test_extends_by_proof);
	tcase_add_test(tc, test_fork_by_proof);
	tcase_add_test(tc, test_by_leaves);
	tcase_add_test(tc, test_proof_before_leaves);
	tcase_add_test(tc, test_need_proof);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(witness_suite());
}
