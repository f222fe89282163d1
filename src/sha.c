#include "sha.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* One digest context per thread, made on first use: EVP_MD_CTX_new per hash
 * would cost an allocation on the verifier's hot path. */
static _Thread_local EVP_MD_CTX *tls_ctx;

/* The SHA-256 implementation, fetched once: EVP_sha256() in a digest init
 * looks the algorithm up again on every hash. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void sha256_parts(const void *const *parts, const size_t *lens, int n,
			 uint8_t out[SHA256_LEN])
{
	if (tls_ctx == NULL && (tls_ctx = EVP_MD_CTX_new()) == NULL) {
		fputs("custos: OpenSSL could not allocate a digest context\n", stderr);
		abort();
	}
	pthread_once(&md_once, md_fetch);
	if (md_sha256 == NULL) {
		fputs("custos: OpenSSL has no SHA-256\n", stderr);
		abort();
	}
	unsigned int outlen = 0;
	int ok = EVP_DigestInit_ex2(tls_ctx, md_sha256, NULL);
	for (int i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(tls_ctx, parts[i], lens[i]);
	if (!ok || !EVP_DigestFinal_ex(tls_ctx, out, &outlen) || outlen != SHA256_LEN) {
		fputs("custos: OpenSSL SHA-256 failed\n", stderr);
		abort();
	}
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	const void *parts[] = {data};
	size_t lens[] = {len};
	sha256_parts(parts, lens, 1, out);
}

void sha256_2(const void *a, size_t alen, const void *b, size_t blen,
	      uint8_t out[SHA256_LEN])
{
	const void *parts[] = {a, b};
	size_t lens[] = {alen, blen};
	sha256_parts(parts, lens, 2, out);
}

void sha256_leaf(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	static const uint8_t zero = 0x00;
	sha256_2(&zero, 1, data, len, out);
}

void sha256_node(const uint8_t left[SHA256_LEN], const uint8_t right[SHA256_LEN],
		 uint8_t out[SHA256_LEN])
{
	static const uint8_t one = 0x01;
	const void *parts[] = {&one, left, right};
	size_t lens[] = {1, SHA256_LEN, SHA256_LEN};
	sha256_parts(parts, lens, 3, out);
}

static void sha256_die(const char *what)
{
	fprintf(stderr, "custos: OpenSSL %s\n", what);
	abort();
}

void sha256_begin(sha256_ctx *c)
{
	pthread_once(&md_once, md_fetch);
	if (md_sha256 == NULL)
		sha256_die("has no SHA-256");
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	if (x == NULL)
		sha256_die("could not allocate a digest context");
	if (!EVP_DigestInit_ex2(x, md_sha256, NULL))
		sha256_die("SHA-256 failed");
	c->evp = x;
}

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
	if (c->evp == NULL || (len > 0 && !EVP_DigestUpdate(c->evp, data, len)))
		sha256_die("SHA-256 failed");
}

void sha256_end(sha256_ctx *c, uint8_t out[SHA256_LEN])
{
	unsigned int outlen = 0;
	if (c->evp == NULL || !EVP_DigestFinal_ex(c->evp, out, &outlen) || outlen != SHA256_LEN)
		sha256_die("SHA-256 failed");
	EVP_MD_CTX_free(c->evp);
	c->evp = NULL;
}

void sha256_thread_done(void)
{
	EVP_MD_CTX_free(tls_ctx);
	tls_ctx = NULL;
}
