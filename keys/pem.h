/* pem.h: a public key as PEM SubjectPublicKeyInfo, the form `openssl pkey`
 * and `openssl pkeyutl -verify -pubin -rawin` read. */
#ifndef CUSTOS_PEM_H
#define CUSTOS_PEM_H

#include "key.h"

/* The "-----BEGIN PUBLIC KEY-----" PEM text of pub's Ed25519 key (RFC 8410),
 * as a malloc'd NUL-terminated string in *out that the caller frees with
 * free().  On failure *out is NULL and the result is ST_NOMEM or ST_CRYPTO. */
status pem_public_key(const key_public *pub, char **out, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
