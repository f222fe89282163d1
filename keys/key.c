#include "key.h"

#include <sodium.h>
#include <string.h>

#include "../src/b64.h"
#include "../src/sha.h"
#include "../src/utf8.h"

struct key_secret {
	key_public pub;
	uint8_t sk[KEY_SK_LEN];
};

status key_init(void)
{
	return sodium_init() < 0 ? ST_CRYPTO : ST_OK;
}

bool key_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > KEY_NAME_MAX)
		return false;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(name + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == '+' ||
		    utf8_is_space(cp) || utf8_is_bidi_control(cp))
			return false;
		i += n;
	}
	return true;
}

void key_id_compute(const char *name, size_t namelen, const uint8_t pk[KEY_PK_LEN],
		    uint8_t id[KEY_ID_LEN])
{
	uint8_t tail[2 + KEY_PK_LEN] = {0x0A, KEY_TYPE_ED25519};
	uint8_t h[SHA256_LEN];
	memcpy(tail + 2, pk, KEY_PK_LEN);
	sha256_2(name, namelen, tail, sizeof tail, h);
	memcpy(id, h, KEY_ID_LEN);
}

static status key_build(const char *name, const uint8_t *seed, key_secret **out,
			errbuf *err)
{
	size_t len = strlen(name);
	*out = NULL;
	if (!key_name_valid(name, len))
		return err_set(err, ST_USAGE,
			       "key name must be 1 to %d bytes of UTF-8 with no spaces, "
			       "'+' or control characters", KEY_NAME_MAX);
	key_secret *k = sodium_malloc(sizeof *k);
	if (k == NULL)
		return err_set(err, ST_NOMEM, "cannot allocate guarded memory for a key");
	memset(k, 0, sizeof *k);
	memcpy(k->pub.name, name, len + 1);
	int rc = seed ? crypto_sign_seed_keypair(k->pub.pk, k->sk, seed)
		      : crypto_sign_keypair(k->pub.pk, k->sk);
	if (rc != 0) {
		sodium_free(k);
		return err_set(err, ST_CRYPTO, "libsodium could not make a key pair");
	}
	key_id_compute(name, len, k->pub.pk, k->pub.id);
	sodium_mprotect_readonly(k);
	*out = k;
	return ST_OK;
}

status key_generate(const char *name, key_secret **out, errbuf *err)
{
	return key_build(name, NULL, out, err);
}

status key_from_seed(const char *name, const uint8_t seed[32], key_secret **out,
		     errbuf *err)
{
	return key_build(name, seed, out, err);
}

void key_seed(const key_secret *key, uint8_t seed[32])
{
	crypto_sign_ed25519_sk_to_seed(seed, key->sk);
}

void key_secret_free(key_secret *key)
{
	if (key != NULL)
		sodium_free(key); /* sodium_free wipes before unmapping */
}

const key_public *key_secret_public(const key_secret *key)
{
	return &key->pub;
}

status key_sign(const key_secret *key, const void *msg, size_t len,
		uint8_t sig[KEY_SIG_LEN])
{
	if (crypto_sign_detached(sig, NULL, msg, len, key->sk) != 0)
		return ST_CRYPTO;
	return ST_OK;
}

bool key_verify(const key_public *pub, const void *msg, size_t len,
		const uint8_t sig[KEY_SIG_LEN])
{
	return crypto_sign_verify_detached(sig, msg, len, pub->pk) == 0;
}

size_t key_vkey_format(const key_public *pub, char *out)
{
	uint8_t typed[1 + KEY_PK_LEN] = {KEY_TYPE_ED25519};
	size_t n = strlen(pub->name);
	memcpy(typed + 1, pub->pk, KEY_PK_LEN);
	memcpy(out, pub->name, n);
	out[n++] = '+';
	sodium_bin2hex(out + n, 9, pub->id, KEY_ID_LEN);
	n += 8;
	out[n++] = '+';
	b64_encode(typed, sizeof typed, out + n);
	return n + B64_LEN(sizeof typed);
}

status key_vkey_parse(const char *s, size_t len, key_public *out, errbuf *err)
{
	const char *p1 = memchr(s, '+', len);
	if (p1 == NULL)
		return err_set(err, ST_FORMAT, "verifier key has no '+' after the name");
	size_t namelen = (size_t)(p1 - s);
	if (!key_name_valid(s, namelen))
		return err_set(err, ST_FORMAT, "verifier key has an invalid key name");
	const char *hex = p1 + 1, *end = s + len;
	if (end - hex < 9 || hex[8] != '+')
		return err_set(err, ST_FORMAT, "verifier key ID must be 8 hex digits");
	uint8_t id[KEY_ID_LEN];
	for (int i = 0; i < 8; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return err_set(err, ST_FORMAT,
				       "verifier key ID must be 8 lower-case hex digits");
	if (sodium_hex2bin(id, sizeof id, hex, 8, NULL, NULL, NULL) != 0)
		return err_set(err, ST_FORMAT, "verifier key ID must be 8 hex digits");
	const char *b = hex + 9;
	uint8_t typed[1 + KEY_PK_LEN + 3];
	size_t tlen;
	if (b64_decode(b, (size_t)(end - b), typed, sizeof typed, &tlen) != ST_OK)
		return err_set(err, ST_FORMAT, "verifier key material is not canonical base64");
	if (tlen < 1 || typed[0] != KEY_TYPE_ED25519)
		return err_set(err, ST_FORMAT, "verifier key type is not Ed25519 (0x01)");
	if (tlen != 1 + KEY_PK_LEN)
		return err_set(err, ST_FORMAT, "Ed25519 verifier key must hold 32 bytes");
	memset(out, 0, sizeof *out);
	memcpy(out->name, s, namelen);
	memcpy(out->pk, typed + 1, KEY_PK_LEN);
	key_id_compute(out->name, namelen, out->pk, out->id);
	if (memcmp(out->id, id, KEY_ID_LEN) != 0)
		return err_set(err, ST_FORMAT, "verifier key ID does not match its name and key");
	return ST_OK;
}
