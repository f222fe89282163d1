/* keyfile.h: a person's secret key, sealed with a passphrase in a file.
 *
 * One small binary file per key (docs/key-file.md has it byte by byte):
 * a header (magic, version, algorithms, Argon2id parameters, salt, nonce,
 * public key, key name), the 32-byte Ed25519 seed sealed with
 * XChaCha20-Poly1305 under Argon2id(passphrase, salt) with the whole header
 * as associated data, and a SHA-256 checksum of everything before it.  The
 * checksum is no protection (anyone can recompute it); it only lets a
 * damaged file be told apart from a wrong passphrase.  The public key can
 * be read without the passphrase; loading checks that the unsealed seed
 * gives that public key back.
 *
 * Files are created with O_EXCL and mode 0600, and are refused when they
 * belong to another user or their mode grants group or others any access.  Every function names the file
 * in its error detail. */
#ifndef CUSTOS_KEYFILE_H
#define CUSTOS_KEYFILE_H

#include <stddef.h>

#include "key.h"

/* Argon2id cost.  Files record the cost they were sealed with; loading
 * refuses a cost outside [libsodium's minimum, these maxima] before
 * allocating anything, so a damaged or hostile file cannot ask for 64 GiB. */
typedef struct keyfile_kdf {
	unsigned long long opslimit; /* Argon2id passes */
	size_t memlimit;             /* bytes */
} keyfile_kdf;

#define KEYFILE_OPSLIMIT_MAX 16ULL
#define KEYFILE_MEMLIMIT_MAX ((size_t)1 << 30) /* 1 GiB: libsodium's SENSITIVE */

/* What new files get: libsodium's MODERATE (3 passes, 256 MiB). */
extern const keyfile_kdf keyfile_kdf_default;

/* Seal `key` with pass[0..passlen) into a new file at `path`, made with
 * O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, written, fsynced, and its
 * directory fsynced.  ST_EXISTS if anything (even a dangling symlink) is
 * at `path`, which is then left as it was; ST_USAGE for an empty
 * passphrase.  On any failure no file is left behind. */
status keyfile_create(const char *path, const key_secret *key, const char *pass,
		      size_t passlen, errbuf *err) CUSTOS_WARN_UNUSED;

/* keyfile_create with an explicit Argon2id cost (ST_USAGE if outside the
 * range loading accepts).  For tests, which seal with libsodium's minimum
 * cost to stay fast; everything else uses keyfile_create. */
status keyfile_create_kdf(const char *path, const key_secret *key, const char *pass,
			  size_t passlen, const keyfile_kdf *kdf,
			  errbuf *err) CUSTOS_WARN_UNUSED;

/* Unseal the key file at `path` with pass[0..passlen).  On success *out is
 * the key (free with key_secret_free); on failure *out is NULL and:
 *   ST_NOTFOUND  no such file
 *   ST_OWNER     it is owned by another user than the one running custos
 *                (fstat's st_uid is not geteuid(); root may read root's)
 *   ST_PERM      its mode grants group or others any access (checked with
 *                fstat on the opened file)
 *   ST_FORMAT    not a custos key file, an unknown version or algorithm,
 *                or a KDF cost outside the accepted range
 *   ST_CORRUPT   truncated, trailing bytes, checksum mismatch, or a sealed
 *                seed that does not give the recorded public key
 *   ST_BADPASS   the checksum holds but the seal does not open: the
 *                passphrase is wrong (or someone re-made the checksum)
 *   ST_NOMEM     no memory for the KDF; ST_IO any other read failure. */
status keyfile_load(const char *path, const char *pass, size_t passlen,
		    key_secret **out, errbuf *err) CUSTOS_WARN_UNUSED;

/* The public key recorded in the key file at `path`, without the
 * passphrase.  Same checks and errors as keyfile_load short of the KDF; the
 * public key is authenticated only when the file is loaded. */
status keyfile_read_public(const char *path, key_public *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* Which step of keyfile_unlock failed, so that a caller can word its
 * message (the status says why). */
typedef enum keyfile_step {
	KEYFILE_STEP_NONE,       /* success */
	KEYFILE_STEP_PUBLIC,     /* reading the file (keyfile_read_public's errors) */
	KEYFILE_STEP_PASSPHRASE, /* reading the passphrase (passphrase_read_fd/_tty's) */
	KEYFILE_STEP_UNSEAL,     /* unsealing the key (keyfile_load's) */
} keyfile_step;

/* Where keyfile_unlock gets the passphrase.  fd >= 0: one line read from
 * that descriptor, no prompt.  fd < 0: the terminal, without echo, with
 * the prompt `before`, the key's name (as the file records it), `after`;
 * when `after` is NULL the prompt is `before` alone. */
typedef struct keyfile_pass {
	int fd;
	const char *before;
	const char *after;
} keyfile_pass;

/* Unlock the key file at `path`: read its public part (the owner and mode
 * checks of keyfile_load refuse the file here, before any passphrase is
 * asked), read the passphrase as `how` says, unseal the key, and wipe the
 * passphrase on every path.  On success *out is the key in guarded memory
 * (free with key_secret_free).  On failure *out is NULL, `err` holds the
 * failing step's message unchanged, and *step (if not NULL) says which step
 * failed; the status is that step's: keyfile_read_public's, then
 * passphrase_read_fd's or passphrase_read_tty's (ST_USAGE for an empty
 * line), then keyfile_load's (ST_BADPASS for a wrong passphrase). */
status keyfile_unlock(const char *path, const keyfile_pass *how, key_secret **out,
		      keyfile_step *step, errbuf *err) CUSTOS_WARN_UNUSED;

/* Reseal the key file at `path` (opened with oldpass) under newpass, with
 * the default cost and a fresh salt and nonce.  Atomic: the new file is
 * written to `path`.tmpXXXXXX (O_EXCL, mode 0600) in the same directory,
 * fsynced, renamed over `path`, and the directory fsynced; on failure
 * `path` is untouched and the temporary file removed.  Errors as
 * keyfile_load and keyfile_create. */
status keyfile_passwd(const char *path, const char *oldpass, size_t oldlen,
		      const char *newpass, size_t newlen, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
