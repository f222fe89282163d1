/* note.h: C2SP signed notes (c2sp.org/signed-note).
 *
 * A signed note is a text ending in a newline, a blank line, and one or more
 * signature lines "— <key name> <base64(keyid[4] || signature)>\n".  Parsing
 * is strict and allocation-free: a parsed `note` points into the caller's
 * buffer, which must outlive it. */
#ifndef CUSTOS_NOTE_H
#define CUSTOS_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "../keys/key.h"
#include "status.h"

/* We accept up to this many signature lines (the spec demands at least 16)
 * and notes up to NOTE_MAX_LEN bytes in all. */
#define NOTE_MAX_SIGS 100
#define NOTE_MAX_LEN (1u << 20)

typedef struct note_sigline {
	const char *name; /* key name, not NUL-terminated */
	size_t namelen;
	uint8_t id[KEY_ID_LEN];   /* key ID from the signature's first 4 bytes */
	const char *b64;  /* the whole base64 field: base64(id || signature) */
	size_t b64len;
	bool ed25519_size; /* the field decodes to a key ID and 64 bytes ... */
	uint8_t sig[KEY_SIG_LEN]; /* ... which are here, decoded once */
} note_sigline;

typedef struct note {
	const char *text; /* the signed text, final newline included */
	size_t textlen;
	size_t nsigs;
	note_sigline sigs[NOTE_MAX_SIGS];
} note;

/* True if text[0..len) may be the text of a note: non-empty, at most
 * NOTE_MAX_LEN bytes, valid UTF-8, no ASCII control character other than
 * newline, ends with a newline, and no line starting with "— " (em dash,
 * space), which would read as a signature line. */
bool note_text_valid(const char *text, size_t len);

/* Parse buf[0..len) as a signed note.  Rejects invalid UTF-8, control
 * characters, a missing final newline, a text line that starts like a
 * signature line, more than NOTE_MAX_LEN bytes (ST_TOOBIG), no blank line before the signatures,
 * zero or more than NOTE_MAX_SIGS signatures, a signature line without the
 * em dash and single spaces, an invalid key name, and base64 that is not
 * canonical or decodes to fewer than 5 bytes.  err names the line. */
status note_parse(const char *buf, size_t len, note *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* Finds the trusted key with this exact name and key ID, or returns NULL.
 * Lets a caller judge signatures by a registry as of some log index. */
typedef const key_public *(*note_key_lookup)(void *ctx, const char *name, size_t namelen,
					     const uint8_t id[KEY_ID_LEN]);

/* Verify a parsed note by the C2SP rules: a signature whose (name, key ID)
 * matches no trusted key is ignored; one that matches must be a valid
 * Ed25519 signature of the text or the whole note is rejected (ST_BADSIG);
 * at least one must verify (else ST_NOSIG).  `need` (>= 1) is how many
 * valid signatures by distinct public keys are required (2 for two-person
 * integrity); fewer gives ST_NOSIG with a message saying how many were found.
 * On success signers[0..*nsigners) lists the distinct verified keys, in the
 * order their signature lines appear (signers has room for NOTE_MAX_SIGS;
 * it may be NULL if the caller does not need them). */
status note_verify(const note *n, note_key_lookup lookup, void *ctx, size_t need,
		   const key_public **signers, size_t *nsigners, errbuf *err) CUSTOS_WARN_UNUSED;

/* A lookup over a plain array of keys: ctx is a `note_keyset *`. */
typedef struct note_keyset {
	const key_public *keys;
	size_t nkeys;
} note_keyset;
const key_public *note_keyset_lookup(void *ctx, const char *name, size_t namelen,
				     const uint8_t id[KEY_ID_LEN]);

/* Sign text[0..textlen) (which must pass note_text_valid) with each of
 * keys[0..nkeys) in order, producing "text\n— name sig\n..." in a new
 * malloc'd buffer *out of length *outlen (NUL-terminated for convenience). */
status note_sign(const char *text, size_t textlen, const key_secret *const *keys,
		 size_t nkeys, char **out, size_t *outlen, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
