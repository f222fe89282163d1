/* trust.h: a verifier's trust file: one C2SP verifier key string per line
 * (name+hexid+base64).  Blank lines and lines starting with '#' are
 * ignored.  Used offline by custos-verify; never talks to a database. */
#ifndef CUSTOS_TRUST_H
#define CUSTOS_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"

typedef struct trust {
	key_public *keys;
	size_t nkeys;
} trust;

/* Parse text[0..len) into *t (freed with trust_free, also after failure).
 * Rejects a malformed key, a duplicate, and two keys sharing both name and
 * key ID; err names the line. */
status trust_parse(const char *text, size_t len, trust *t, errbuf *err) CUSTOS_WARN_UNUSED;

/* Read and parse the file at path (at most 1 MiB, a regular file: see
 * rfile_read for the errors of reading it). */
status trust_load(const char *path, trust *t, errbuf *err) CUSTOS_WARN_UNUSED;

void trust_free(trust *t);

/* A note_key_lookup over a trust: ctx is a `trust *`. */
const key_public *trust_lookup(void *ctx, const char *name, size_t namelen,
			       const uint8_t id[KEY_ID_LEN]);

#endif
