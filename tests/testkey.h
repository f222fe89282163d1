/* testkey.h: the TEST-ONLY keys of the test vectors, benchmarks and fuzz
 * targets.  Their seeds are public, SHA-256("custos TEST-ONLY key seed: "
 * || name): never trust such a key for anything real. */
#ifndef CUSTOS_TESTKEY_H
#define CUSTOS_TESTKEY_H

#include <string.h>

#include "../keys/key.h"
#include "../src/sha.h"

/* The TEST-ONLY key named `name`, or NULL if the name is invalid or memory
 * runs out.  The caller frees it with key_secret_free. */
static inline key_secret *test_key(const char *name)
{
	static const char prefix[] = "custos TEST-ONLY key seed: ";
	char label[sizeof prefix + KEY_NAME_MAX];
	size_t n = strlen(name);
	uint8_t seed[32];
	key_secret *k = NULL;
	if (n > KEY_NAME_MAX)
		return NULL;
	memcpy(label, prefix, sizeof prefix - 1);
	memcpy(label + sizeof prefix - 1, name, n);
	sha256(label, sizeof prefix - 1 + n, seed);
	if (key_from_seed(name, seed, &k, NULL) != ST_OK)
		return NULL;
	return k;
}

#endif
