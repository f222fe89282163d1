/* key.h: Ed25519 key pairs named as C2SP signed-note keys.
 *
 * A key has a name (a C2SP key name: non-empty UTF-8, no Unicode spaces, no
 * '+'; custos also refuses C0 and C1 control characters, DEL and Unicode
 * bidirectional controls; at most KEY_NAME_MAX bytes) and a 4-byte key
 * ID = SHA-256(name || 0x0A || 0x01 || pubkey)[:4].  The public half is a
 * plain struct; the secret half lives only in libsodium guarded memory. */
#ifndef CUSTOS_KEY_H
#define CUSTOS_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/status.h"

#define KEY_NAME_MAX 128
#define KEY_ID_LEN 4
#define KEY_PK_LEN 32
#define KEY_SK_LEN 64
#define KEY_SIG_LEN 64
#define KEY_TYPE_ED25519 0x01
/* name + '+' + 8 hex + '+' + base64(33 bytes) = 44 chars */
#define KEY_VKEY_MAX (KEY_NAME_MAX + 1 + 8 + 1 + 44)

typedef struct key_public {
	char name[KEY_NAME_MAX + 1]; /* NUL-terminated */
	uint8_t id[KEY_ID_LEN];
	uint8_t pk[KEY_PK_LEN];
} key_public;

/* Opaque: a name, public key and secret key in sodium_malloc'd memory that
 * is read-only except while being built, and wiped on free. */
typedef struct key_secret key_secret;

/* Initialise libsodium; call once before anything else here.  Returns
 * ST_CRYPTO if it cannot be initialised. */
status key_init(void) CUSTOS_WARN_UNUSED;

/* True if name[0..len) is a valid C2SP key name within KEY_NAME_MAX. */
bool key_name_valid(const char *name, size_t len);

/* The C2SP Ed25519 key ID of (name, pk). */
void key_id_compute(const char *name, size_t namelen, const uint8_t pk[KEY_PK_LEN],
		    uint8_t id[KEY_ID_LEN]);

/* Make a fresh key pair named `name`.  *out is owned by the caller and freed
 * with key_secret_free. */
status key_generate(const char *name, key_secret **out, errbuf *err) CUSTOS_WARN_UNUSED;

/* Build a secret key from a stored 32-byte Ed25519 seed (as key files hold
 * it).  The seed is not kept; the caller wipes its own copy. */
status key_from_seed(const char *name, const uint8_t seed[32], key_secret **out,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* Copy the 32-byte seed out (for sealing into a key file).  The caller must
 * hold `seed` in guarded memory or wipe it at once. */
void key_seed(const key_secret *key, uint8_t seed[32]);

/* Wipe and free; NULL is allowed. */
void key_secret_free(key_secret *key);

/* The public half of a secret key; valid as long as the key is. */
const key_public *key_secret_public(const key_secret *key);

/* Detached Ed25519 signature over msg. */
status key_sign(const key_secret *key, const void *msg, size_t len,
		uint8_t sig[KEY_SIG_LEN]) CUSTOS_WARN_UNUSED;

/* True if sig is a valid Ed25519 signature by pub over msg. */
bool key_verify(const key_public *pub, const void *msg, size_t len,
		const uint8_t sig[KEY_SIG_LEN]) CUSTOS_WARN_UNUSED;

/* Write the C2SP verifier key string name+hexid+base64(0x01||pk) into out
 * (room for KEY_VKEY_MAX + 1).  Returns its length. */
size_t key_vkey_format(const key_public *pub, char *out);

/* Parse a verifier key string s[0..len).  Rejects a bad name, an ID that is
 * not 8 lower-case hex digits or does not match the key, a key type other
 * than Ed25519, and non-canonical base64. */
status key_vkey_parse(const char *s, size_t len, key_public *out, errbuf *err)
	CUSTOS_WARN_UNUSED;

#endif
