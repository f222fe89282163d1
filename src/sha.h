/* sha.h: SHA-256 through OpenSSL's EVP interface (hardware accelerated),
 * and the RFC 6962 hashes built on it. */
#ifndef CUSTOS_SHA_H
#define CUSTOS_SHA_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* out = SHA-256(data).  Aborts only if OpenSSL cannot allocate a digest
 * context, which leaves no safe way to continue. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

/* out = SHA-256(a || b); either part may be empty. */
void sha256_2(const void *a, size_t alen, const void *b, size_t blen,
	      uint8_t out[SHA256_LEN]);

/* RFC 6962 leaf hash: SHA-256(0x00 || data). */
void sha256_leaf(const void *data, size_t len, uint8_t out[SHA256_LEN]);

/* RFC 6962 interior node hash: SHA-256(0x01 || left || right).  out may
 * alias left or right (the inputs are consumed before out is written). */
void sha256_node(const uint8_t left[SHA256_LEN], const uint8_t right[SHA256_LEN],
		 uint8_t out[SHA256_LEN]);

/* An incremental SHA-256: sha256_begin, any number of sha256_update, then
 * sha256_end exactly once, which writes the digest and frees the context
 * (so every begin is paired with an end, also on a path that gives the
 * digest up).  Aborts only if OpenSSL cannot allocate a context. */
typedef struct sha256_ctx {
	void *evp; /* EVP_MD_CTX; NULL after sha256_end */
} sha256_ctx;
void sha256_begin(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_end(sha256_ctx *c, uint8_t out[SHA256_LEN]);

/* Free this thread's digest context; call before a worker thread exits.
 * Hashing again afterwards is allowed (a new context is made). */
void sha256_thread_done(void);

#endif
