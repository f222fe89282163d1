/* fuzz_util.h: helpers shared by the libFuzzer targets of tests/fuzz/.
 *
 * FUZZ_CHECK states an invariant: when it fails the target aborts, which
 * libFuzzer reports as a crash and saves the input as a reproducer.  Checks
 * stay on in every build (assert() would vanish under NDEBUG). */
#ifndef CUSTOS_FUZZ_UTIL_H
#define CUSTOS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../keys/key.h"
#include "../../src/sha.h"
#include "../testkey.h"

#define FUZZ_CHECK(cond)                                                           \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                   \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* The TEST-ONLY key named `name`, from the public seed
 * SHA-256("custos TEST-ONLY key seed: " || name) that tests/mkvectors.c uses,
 * so the generated good.log verifies with these keys.  Aborts on failure:
 * a fuzz target cannot run without its keys. */
static inline key_secret *fuzz_test_key(const char *name)
{
	key_secret *k = test_key(name);
	FUZZ_CHECK(k != NULL);
	return k;
}

/* The names of the keys that good.log's trust file lists. */
static const char *const fuzz_trusted_names[] = {"TEST-ONLY-admin", "TEST-ONLY-custodian",
						 "TEST-ONLY-witness", "TEST-ONLY-holder"};
#define FUZZ_NTRUSTED (sizeof fuzz_trusted_names / sizeof fuzz_trusted_names[0])

#endif
