#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/sha.h"
#include "passphrase.h"

/* Layout, version 1 (docs/key-file.md).  n = key name length. */
#define MAGIC "CUSTOSSK"
#define MAGIC_LEN 8
#define VERSION 1
#define OFF_VERSION 8
#define OFF_KDFALG 9
#define OFF_KEYTYPE 10
#define OFF_NAMELEN 11
#define OFF_OPS 12
#define OFF_MEM 20
#define OFF_SALT 28
#define SALT_LEN crypto_pwhash_SALTBYTES
#define OFF_NONCE (OFF_SALT + SALT_LEN)
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define OFF_PK (OFF_NONCE + NONCE_LEN)
#define OFF_NAME (OFF_PK + KEY_PK_LEN)
#define SEED_LEN 32
#define SEALED_LEN (SEED_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define HEADER_LEN(n) (OFF_NAME + (n))
#define FILE_LEN(n) (HEADER_LEN(n) + SEALED_LEN + SHA256_LEN)
#define FILE_MAX FILE_LEN(KEY_NAME_MAX)

_Static_assert(SALT_LEN == 16 && NONCE_LEN == 24 && OFF_NAME == 100 && SEALED_LEN == 48,
	       "docs/key-file.md describes this layout");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32, "AEAD key size");

const keyfile_kdf keyfile_kdf_default = {
	crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
	crypto_pwhash_argon2id_MEMLIMIT_MODERATE,
};

/* Secrets live together in one guarded allocation. */
typedef struct secrets {
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t seed[SEED_LEN];
} secrets;

/* A parsed file: pointers into its bytes. */
typedef struct parsed {
	const uint8_t *bytes;
	size_t hdrlen;
	keyfile_kdf kdf;
	key_public pub;
} parsed;

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool kdf_ok(uint64_t ops, uint64_t mem)
{
	return ops >= crypto_pwhash_argon2id_OPSLIMIT_MIN && ops <= KEYFILE_OPSLIMIT_MAX &&
	       mem >= crypto_pwhash_argon2id_MEMLIMIT_MIN && mem <= KEYFILE_MEMLIMIT_MAX;
}

static status derive(const char *pass, size_t passlen, const keyfile_kdf *kdf,
		     const uint8_t *salt, secrets *s, const char *path, errbuf *err)
{
	if (crypto_pwhash(s->key, sizeof s->key, pass, passlen, salt, kdf->opslimit,
			  kdf->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(err, ST_NOMEM, "%.160s: not enough memory for the passphrase "
			       "KDF (%zu MiB)", path, kdf->memlimit >> 20);
	return ST_OK;
}

/* The whole file for `key` sealed under pass: buf has room for FILE_MAX. */
static status seal(const key_secret *key, const char *pass, size_t passlen,
		   const keyfile_kdf *kdf, uint8_t *buf, size_t *len, const char *path,
		   errbuf *err)
{
	const key_public *pub = key_secret_public(key);
	size_t n = strlen(pub->name);
	if (passlen == 0)
		return err_set(err, ST_USAGE, "%.160s: refusing to seal a key with an empty "
			       "passphrase", path);
	if (!kdf_ok(kdf->opslimit, kdf->memlimit))
		return err_set(err, ST_USAGE, "%.160s: Argon2id cost out of range", path);
	memset(buf, 0, FILE_MAX);
	memcpy(buf, MAGIC, MAGIC_LEN);
	buf[OFF_VERSION] = VERSION;
	buf[OFF_KDFALG] = crypto_pwhash_ALG_ARGON2ID13;
	buf[OFF_KEYTYPE] = KEY_TYPE_ED25519;
	buf[OFF_NAMELEN] = (uint8_t)n;
	put64(buf + OFF_OPS, kdf->opslimit);
	put64(buf + OFF_MEM, kdf->memlimit);
	randombytes_buf(buf + OFF_SALT, SALT_LEN);
	randombytes_buf(buf + OFF_NONCE, NONCE_LEN);
	memcpy(buf + OFF_PK, pub->pk, KEY_PK_LEN);
	memcpy(buf + OFF_NAME, pub->name, n);

	secrets *s = sodium_malloc(sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "cannot allocate guarded memory");
	status st = derive(pass, passlen, kdf, buf + OFF_SALT, s, path, err);
	if (st == ST_OK) {
		key_seed(key, s->seed);
		crypto_aead_xchacha20poly1305_ietf_encrypt(buf + HEADER_LEN(n), NULL, s->seed,
							   SEED_LEN, buf, HEADER_LEN(n), NULL,
							   buf + OFF_NONCE, s->key);
		sha256(buf, HEADER_LEN(n) + SEALED_LEN, buf + HEADER_LEN(n) + SEALED_LEN);
		*len = FILE_LEN(n);
	}
	sodium_free(s);
	return st;
}

/* Check the layout, checksum, algorithms and cost of bytes[0..len). */
static status parse(const uint8_t *b, size_t len, const char *path, parsed *p, errbuf *err)
{
	if (len == 0)
		return err_set(err, ST_CORRUPT, "key file %.160s is empty", path);
	if (memcmp(b, MAGIC, len < MAGIC_LEN ? len : MAGIC_LEN) != 0)
		return err_set(err, ST_FORMAT, "%.160s is not a custos secret key file", path);
	if (len <= OFF_NAMELEN)
		return err_set(err, ST_CORRUPT, "key file %.160s is truncated (%zu bytes)",
			       path, len);
	if (b[OFF_VERSION] != VERSION)
		return err_set(err, ST_FORMAT, "key file %.160s has version %u; this custos "
			       "reads version %d", path, b[OFF_VERSION], VERSION);
	size_t n = b[OFF_NAMELEN];
	if (n == 0 || n > KEY_NAME_MAX)
		return err_set(err, ST_CORRUPT, "key file %.160s is damaged: key name length "
			       "%zu", path, n);
	if (len < FILE_LEN(n))
		return err_set(err, ST_CORRUPT, "key file %.160s is truncated (%zu of %zu bytes)",
			       path, len, (size_t)FILE_LEN(n));
	if (len > FILE_LEN(n))
		return err_set(err, ST_CORRUPT, "key file %.160s has trailing bytes after its "
			       "end (expected %zu bytes)", path, (size_t)FILE_LEN(n));
	uint8_t sum[SHA256_LEN];
	sha256(b, FILE_LEN(n) - SHA256_LEN, sum);
	if (memcmp(sum, b + FILE_LEN(n) - SHA256_LEN, SHA256_LEN) != 0)
		return err_set(err, ST_CORRUPT, "key file %.160s is damaged: its checksum does "
			       "not match its contents", path);
	if (b[OFF_KDFALG] != crypto_pwhash_ALG_ARGON2ID13 || b[OFF_KEYTYPE] != KEY_TYPE_ED25519)
		return err_set(err, ST_FORMAT, "key file %.160s uses an unknown algorithm "
			       "(KDF %u, key type %u)", path, b[OFF_KDFALG], b[OFF_KEYTYPE]);
	uint64_t ops = get64(b + OFF_OPS), mem = get64(b + OFF_MEM);
	if (!kdf_ok(ops, mem))
		return err_set(err, ST_FORMAT, "key file %.160s asks for an Argon2id cost of "
			       "%llu passes over %llu KiB; custos accepts %u to %llu passes over "
			       "%u KiB to %zu MiB", path, (unsigned long long)ops,
			       (unsigned long long)(mem >> 10), crypto_pwhash_argon2id_OPSLIMIT_MIN,
			       KEYFILE_OPSLIMIT_MAX, crypto_pwhash_argon2id_MEMLIMIT_MIN >> 10,
			       KEYFILE_MEMLIMIT_MAX >> 20);
	if (!key_name_valid((const char *)b + OFF_NAME, n))
		return err_set(err, ST_CORRUPT, "key file %.160s is damaged: invalid key name",
			       path);
	memset(p, 0, sizeof *p);
	p->bytes = b;
	p->hdrlen = HEADER_LEN(n);
	p->kdf.opslimit = ops;
	p->kdf.memlimit = (size_t)mem;
	memcpy(p->pub.name, b + OFF_NAME, n);
	memcpy(p->pub.pk, b + OFF_PK, KEY_PK_LEN);
	key_id_compute(p->pub.name, n, p->pub.pk, p->pub.id);
	return ST_OK;
}

/* Read and parse the file at path into buf (room for FILE_MAX + 1). */
static status read_keyfile(const char *path, uint8_t *buf, parsed *p, errbuf *err)
{
	/* O_NONBLOCK: a FIFO must not hang us before fstat can refuse it. */
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(err, ST_NOTFOUND, "key file %.160s does not exist", path);
		return err_set(err, ST_IO, "cannot open key file %.160s: %s", path,
			       strerror(errno));
	}
	struct stat sb;
	status st = ST_OK;
	size_t len = 0;
	if (fstat(fd, &sb) != 0) {
		st = err_set(err, ST_IO, "cannot stat key file %.160s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = err_set(err, ST_FORMAT, "%.160s is not a regular file", path);
		goto out;
	}
	/* As ssh does: a secret key file is its user's own.  One owned by
	 * another user (who can read it, replace it, or give it to us) is
	 * refused even when its mode is right. */
	if (sb.st_uid != geteuid()) {
		st = err_set(err, ST_OWNER, "key file %.160s is owned by uid %u, not by you (uid "
			     "%u); custos reads only secret key files of the user running it",
			     path, (unsigned)sb.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		st = err_set(err, ST_PERM, "key file %.160s is open to group or others (mode "
			     "%04o); custos reads only owner-only secret key files", path,
			     (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	while (len < FILE_MAX + 1) {
		ssize_t r = read(fd, buf + len, FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = err_set(err, ST_IO, "cannot read key file %.160s: %s", path,
				     strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	st = parse(buf, len, path, p, err);
out:
	close(fd);
	return st;
}

/* fsync the directory holding path, so a create or rename there is durable. */
static status sync_dir(const char *path, errbuf *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof dir)
		return err_set(err, ST_IO, "path too long: %.160s", path);
	if (n == 0)
		memcpy(dir, ".", 2);
	else {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		status st = err_set(err, ST_IO, "cannot sync directory %.160s: %s", dir,
				    strerror(errno));
		if (fd >= 0)
			close(fd);
		return st;
	}
	close(fd);
	return ST_OK;
}

/* Write buf to the new file fd (already named path), fsync and close it. */
static status write_out(int fd, const uint8_t *buf, size_t len, const char *path, errbuf *err)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			status st = err_set(err, ST_IO, "cannot write %.160s: %s", path,
					    strerror(errno));
			close(fd);
			return st;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		status st = err_set(err, ST_IO, "cannot sync %.160s: %s", path, strerror(errno));
		close(fd);
		return st;
	}
	if (close(fd) != 0)
		return err_set(err, ST_IO, "cannot close %.160s: %s", path, strerror(errno));
	return ST_OK;
}

status keyfile_create_kdf(const char *path, const key_secret *key, const char *pass,
			  size_t passlen, const keyfile_kdf *kdf, errbuf *err)
{
	uint8_t buf[FILE_MAX];
	size_t len = 0;
	/* Seal first: the slow KDF must not run while a partial file exists. */
	status st = seal(key, pass, passlen, kdf, buf, &len, path, err);
	if (st != ST_OK)
		return st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(err, ST_EXISTS, "%.160s already exists", path);
		return err_set(err, ST_IO, "cannot create key file %.160s: %s", path,
			       strerror(errno));
	}
	st = write_out(fd, buf, len, path, err);
	if (st == ST_OK)
		st = sync_dir(path, err);
	if (st != ST_OK)
		unlink(path);
	return st;
}

status keyfile_create(const char *path, const key_secret *key, const char *pass,
		      size_t passlen, errbuf *err)
{
	return keyfile_create_kdf(path, key, pass, passlen, &keyfile_kdf_default, err);
}

status keyfile_read_public(const char *path, key_public *out, errbuf *err)
{
	uint8_t buf[FILE_MAX + 1];
	parsed p;
	status st = read_keyfile(path, buf, &p, err);
	if (st == ST_OK)
		*out = p.pub;
	return st;
}

status keyfile_load(const char *path, const char *pass, size_t passlen, key_secret **out,
		    errbuf *err)
{
	uint8_t buf[FILE_MAX + 1];
	parsed p;
	*out = NULL;
	status st = read_keyfile(path, buf, &p, err);
	if (st != ST_OK)
		return st;
	secrets *s = sodium_malloc(sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "cannot allocate guarded memory");
	st = derive(pass, passlen, &p.kdf, buf + OFF_SALT, s, path, err);
	if (st != ST_OK)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->seed, NULL, NULL, buf + p.hdrlen,
						       SEALED_LEN, buf, p.hdrlen,
						       buf + OFF_NONCE, s->key) != 0) {
		st = err_set(err, ST_BADPASS, "wrong passphrase for key file %.160s", path);
		goto out;
	}
	st = key_from_seed(p.pub.name, s->seed, out, err);
	if (st != ST_OK)
		goto out;
	if (sodium_memcmp(key_secret_public(*out)->pk, p.pub.pk, KEY_PK_LEN) != 0) {
		key_secret_free(*out);
		*out = NULL;
		st = err_set(err, ST_CORRUPT, "key file %.160s is damaged: its sealed key does "
			     "not match its public key", path);
	}
out:
	sodium_free(s);
	return st;
}

status keyfile_unlock(const char *path, const keyfile_pass *how, key_secret **out,
		      keyfile_step *step, errbuf *err)
{
	keyfile_step failed = KEYFILE_STEP_PUBLIC;
	*out = NULL;
	key_public pub;
	char *pass = NULL;
	size_t len = 0;
	status st = keyfile_read_public(path, &pub, err);
	if (st != ST_OK)
		goto out;
	failed = KEYFILE_STEP_PASSPHRASE;
	if (how->fd >= 0) {
		st = passphrase_read_fd(how->fd, &pass, &len, err);
	} else {
		char prompt[600];
		snprintf(prompt, sizeof prompt, "%s%s%s", how->before != NULL ? how->before : "",
			 how->after != NULL ? pub.name : "", how->after != NULL ? how->after : "");
		st = passphrase_read_tty(prompt, NULL, &pass, &len, err);
	}
	if (st != ST_OK)
		goto out;
	failed = KEYFILE_STEP_UNSEAL;
	st = keyfile_load(path, pass, len, out, err);
	if (st == ST_OK)
		failed = KEYFILE_STEP_NONE;
out:
	passphrase_free(pass);
	if (step != NULL)
		*step = failed;
	return st;
}

status keyfile_passwd(const char *path, const char *oldpass, size_t oldlen,
		      const char *newpass, size_t newlen, errbuf *err)
{
	key_secret *key;
	uint8_t buf[FILE_MAX];
	size_t len = 0;
	char tmp[PATH_MAX];
	status st = keyfile_load(path, oldpass, oldlen, &key, err);
	if (st != ST_OK)
		return st;
	st = seal(key, newpass, newlen, &keyfile_kdf_default, buf, &len, path, err);
	key_secret_free(key);
	if (st != ST_OK)
		return st;
	int n = snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return err_set(err, ST_IO, "path too long: %.160s", path);
	int fd = mkstemp(tmp); /* O_CREAT|O_EXCL, mode 0600 */
	if (fd < 0)
		return err_set(err, ST_IO, "cannot create a temporary file beside %.160s: %s",
			       path, strerror(errno));
	st = write_out(fd, buf, len, tmp, err);
	if (st == ST_OK && rename(tmp, path) != 0)
		st = err_set(err, ST_IO, "cannot replace %.160s: %s", path, strerror(errno));
	if (st != ST_OK) {
		unlink(tmp);
		return st;
	}
	return sync_dir(path, err);
}
