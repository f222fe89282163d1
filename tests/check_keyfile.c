/* check_keyfile.c: sealed secret key files, passphrase reading, PEM export.
 *
 * Speed: most files here are sealed with libsodium's minimum Argon2id cost
 * through keyfile_create_kdf.  That is sound for tests only because the
 * cost is recorded in the file (and authenticated), so loading runs exactly
 * the code a real file does.  The default cost is exercised by the
 * "default cost" and passwd cases. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../keys/key.h"
#include "../keys/keyfile.h"
#include "../keys/passphrase.h"
#include "../keys/pem.h"
#include "../src/sha.h"
#include "check_run.h"

/* Failures only: in fork mode every passing ck_assert is written to a pipe. */
#define EXPECT(cond, ...)                          \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

#define PASS "correct horse battery staple"
#define MAXFILE 512
/* Offsets from docs/key-file.md, for the tests that forge files. */
#define OFF_VERSION 8
#define OFF_OPS 12
#define OFF_MEM 20
#define OFF_SALT 28
#define OFF_NONCE 44
#define OFF_PK 68
#define OFF_NAME 100

static const keyfile_kdf fast = {crypto_pwhash_argon2id_OPSLIMIT_MIN,
				 crypto_pwhash_argon2id_MEMLIMIT_MIN};
static char dir[64], path[128];

static void setup(void)
{
	ck_assert_int_eq(key_init(), ST_OK);
	snprintf(dir, sizeof dir, "/tmp/check_keyfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/k.key", dir);
}

/* Number of entries in dir other than . and .., removing them if `rm`. */
static int dir_entries(bool rm)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[sizeof dir + 300];
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (rm && unlink(p) != 0)
			rmdir(p);
	}
	closedir(d);
	return n;
}

static void teardown(void)
{
	dir_entries(true);
	rmdir(dir);
}

static key_secret *new_key(const char *name)
{
	key_secret *k;
	ck_assert_int_eq(key_generate(name, &k, NULL), ST_OK);
	return k;
}

/* A fresh key sealed (cheaply) under PASS at `path`; returns the key. */
static key_secret *make_file(void)
{
	errbuf err = {0};
	key_secret *k = new_key("alice@example.org");
	status st = keyfile_create_kdf(path, k, PASS, strlen(PASS), &fast, &err);
	ck_assert_msg(st == ST_OK, "create: %s", err_text(&err, st));
	return k;
}

static size_t slurp(const char *p, uint8_t *buf)
{
	int fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, MAXFILE);
	ck_assert_int_gt(n, 0);
	close(fd);
	return (size_t)n;
}

/* Replace the file at `path` with buf[0..len), mode 0600. */
static void spit(const uint8_t *buf, size_t len)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Load `path` with pass; the key (if any) is freed.  *err gets the detail. */
static status try_load(const char *pass, errbuf *err)
{
	key_secret *k = (key_secret *)&k; /* a non-NULL sentinel */
	status st = keyfile_load(path, pass, strlen(pass), &k, err);
	EXPECT((st == ST_OK) == (k != NULL), "keyfile_load left *out inconsistent");
	key_secret_free(k);
	return st;
}

static void fix_checksum(uint8_t *buf, size_t len)
{
	sha256(buf, len - SHA256_LEN, buf + len - SHA256_LEN);
}

/* --- create and load --- */

START_TEST(test_round_trip)
{
	key_secret *k = make_file(), *l = NULL;
	errbuf err = {0};
	uint8_t s1[32], s2[32], sig[KEY_SIG_LEN];
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	status st = keyfile_load(path, PASS, strlen(PASS), &l, &err);
	ck_assert_msg(st == ST_OK, "load: %s", err_text(&err, st));
	const key_public *a = key_secret_public(k), *b = key_secret_public(l);
	ck_assert_str_eq(a->name, b->name);
	ck_assert_mem_eq(a->pk, b->pk, KEY_PK_LEN);
	ck_assert_mem_eq(a->id, b->id, KEY_ID_LEN);
	key_seed(k, s1);
	key_seed(l, s2);
	ck_assert_mem_eq(s1, s2, sizeof s1);
	sodium_memzero(s1, sizeof s1);
	sodium_memzero(s2, sizeof s2);
	ck_assert_int_eq(key_sign(l, "msg", 3, sig), ST_OK);
	ck_assert(key_verify(a, "msg", 3, sig));
	key_secret_free(k);
	key_secret_free(l);
}
END_TEST

START_TEST(test_default_cost)
{
	key_secret *k = new_key("bob"), *l;
	errbuf err = {0};
	uint8_t buf[MAXFILE];
	ck_assert_int_eq(keyfile_create(path, k, "pw", 2, &err), ST_OK);
	slurp(path, buf);
	uint64_t ops = 0, mem = 0;
	for (int i = 0; i < 8; i++) {
		ops = ops << 8 | buf[OFF_OPS + i];
		mem = mem << 8 | buf[OFF_MEM + i];
	}
	ck_assert_uint_eq(ops, crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(mem, crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
	ck_assert_int_ge(ops, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
	ck_assert_int_eq(keyfile_load(path, "pw", 2, &l, &err), ST_OK);
	ck_assert_mem_eq(key_secret_public(k)->pk, key_secret_public(l)->pk, KEY_PK_LEN);
	key_secret_free(k);
	key_secret_free(l);
}
END_TEST

START_TEST(test_create_refusals)
{
	key_secret *k = new_key("carol");
	errbuf err = {0};
	uint8_t buf[MAXFILE];
	char link[sizeof path + 8];

	/* An existing file is refused and left exactly as it was. */
	spit((const uint8_t *)"precious", 8);
	ck_assert_int_eq(keyfile_create_kdf(path, k, "pw", 2, &fast, &err), ST_EXISTS);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_uint_eq(slurp(path, buf), 8);
	ck_assert_mem_eq(buf, "precious", 8);

	/* So is a dangling symlink: nothing is created at its target. */
	snprintf(link, sizeof link, "%s/link", dir);
	ck_assert_int_eq(symlink("nowhere", link), 0);
	ck_assert_int_eq(keyfile_create_kdf(link, k, "pw", 2, &fast, &err), ST_EXISTS);
	ck_assert_int_eq(access(link, F_OK), -1);

	/* Empty passphrase, absurd cost, missing directory: no file left. */
	unlink(path);
	ck_assert_int_eq(keyfile_create_kdf(path, k, "", 0, &fast, &err), ST_USAGE);
	keyfile_kdf huge = {3, (size_t)2 << 30}, zero = {0, 8192};
	ck_assert_int_eq(keyfile_create_kdf(path, k, "pw", 2, &huge, &err), ST_USAGE);
	ck_assert_int_eq(keyfile_create_kdf(path, k, "pw", 2, &zero, &err), ST_USAGE);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(link, sizeof link, "%s/no/k", dir);
	ck_assert_int_eq(keyfile_create_kdf(link, k, "pw", 2, &fast, &err), ST_IO);
	ck_assert_int_eq(dir_entries(false), 1); /* the symlink */
	key_secret_free(k);
}
END_TEST

START_TEST(test_wrong_passphrase)
{
	key_secret *k = make_file();
	errbuf err = {0};
	ck_assert_int_eq(try_load("correct horse battery stapl", &err), ST_BADPASS);
	ck_assert_ptr_nonnull(strstr(err.msg, "wrong passphrase"));
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_int_eq(try_load("", &err), ST_BADPASS);
	ck_assert_int_eq(try_load(PASS, &err), ST_OK);
	key_secret_free(k);
}
END_TEST

START_TEST(test_permissions)
{
	static const mode_t bad[] = {0640, 0604, 0644, 0660, 0606, 0610, 0601, 0666, 0700 | 070};
	key_secret *k = make_file();
	errbuf err = {0};
	key_public pub;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(chmod(path, bad[i]), 0);
		ck_assert_int_eq(try_load(PASS, &err), ST_PERM);
		ck_assert_ptr_nonnull(strstr(err.msg, path));
		ck_assert_int_eq(keyfile_read_public(path, &pub, &err), ST_PERM);
	}
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_int_eq(try_load(PASS, &err), ST_OK);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(try_load(PASS, &err), ST_OK);
	key_secret_free(k);
}
END_TEST

/* A key file owned by another user is refused, as ssh does, whatever its
 * mode, naming the file and its owner; one's own loads (root reading
 * root's, as CI runs). */
START_TEST(test_owner)
{
	key_secret *k = make_file();
	errbuf err = {0};
	key_public pub;
	ck_assert_int_eq(try_load(PASS, &err), ST_OK);
	if (geteuid() == 0) {
		static const mode_t modes[] = {0600, 0400, 0640};
		for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
			ck_assert_int_eq(chmod(path, modes[i]), 0);
			ck_assert_int_eq(chown(path, 65534, (gid_t)-1), 0);
			ck_assert_int_eq(try_load(PASS, &err), ST_OWNER);
			ck_assert_msg(strstr(err.msg, path) != NULL && strstr(err.msg, "uid 65534") != NULL,
				      "%s", err.msg);
			ck_assert_int_eq(keyfile_read_public(path, &pub, &err), ST_OWNER);
			ck_assert_int_eq(keyfile_passwd(path, PASS, strlen(PASS), "new passphrase", 14,
							&err), ST_OWNER);
			ck_assert_int_eq(chown(path, 0, (gid_t)-1), 0);
		}
		ck_assert_int_eq(chmod(path, 0600), 0);
		ck_assert_int_eq(try_load(PASS, &err), ST_OK);
	} else {
		/* Not root: no file can be given to another user here.  A file
		 * root owns is another user's: refused for its owner before its
		 * mode or contents are looked at. */
		struct stat sb;
		if (stat("/etc/passwd", &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == 0) {
			ck_assert_int_eq(keyfile_read_public("/etc/passwd", &pub, &err), ST_OWNER);
			ck_assert_msg(strstr(err.msg, "uid 0,") != NULL, "%s", err.msg);
		}
		printf("check_keyfile: note: not root, so a key file of mode 0600 owned by another "
		       "user could not be made; that refusal was not checked (CI runs as root)\n");
	}
	key_secret_free(k);
}
END_TEST

START_TEST(test_not_a_key_file)
{
	errbuf err = {0}, err2 = {0};
	key_public pub;
	ck_assert_int_eq(try_load(PASS, &err), ST_NOTFOUND);
	spit((const uint8_t *)"-----BEGIN PUBLIC KEY-----\n", 27);
	ck_assert_int_eq(try_load(PASS, &err), ST_FORMAT);
	ck_assert_int_eq(keyfile_read_public(path, &pub, &err), ST_FORMAT);
	unlink(path);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(try_load(PASS, &err2), ST_FORMAT);
	ck_assert_str_ne(err.msg, err2.msg);
	rmdir(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0); /* must not block */
	ck_assert_int_eq(try_load(PASS, &err), ST_FORMAT);
}
END_TEST

/* --- damage --- */

START_TEST(test_every_byte_flip)
{
	key_secret *k = make_file();
	uint8_t orig[MAXFILE], buf[MAXFILE];
	size_t len = slurp(path, orig);
	errbuf err;
	key_public pub;
	ck_assert_uint_eq(len, 180 + strlen("alice@example.org"));
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit <= 8; bit++) {
			memcpy(buf, orig, len);
			buf[i] ^= bit < 8 ? 1u << bit : 0xFF;
			spit(buf, len);
			status st = try_load(PASS, &err);
			/* The checksum catches it before the KDF: never "wrong
			 * passphrase" for a damaged file. */
			EXPECT(st == ST_CORRUPT || st == ST_FORMAT,
			       "byte %zu ^ bit %u: status %d (%s)", i, bit, st, err.msg);
			EXPECT(keyfile_read_public(path, &pub, &err) != ST_OK, "public, byte %zu", i);
		}
	}
	spit(orig, len);
	ck_assert_int_eq(try_load(PASS, &err), ST_OK);
	key_secret_free(k);
}
END_TEST

/* Someone who alters the file and recomputes the checksum: the AEAD, with
 * the whole header as associated data, must still refuse every byte. */
START_TEST(test_forged_checksum)
{
	key_secret *k = make_file();
	uint8_t orig[MAXFILE], buf[MAXFILE];
	size_t len = slurp(path, orig);
	errbuf err;
	for (size_t i = 0; i < len - SHA256_LEN; i++) {
		memcpy(buf, orig, len);
		buf[i] ^= 0xFF; /* keeps any altered memlimit <= 16 MiB or > 1 GiB */
		fix_checksum(buf, len);
		spit(buf, len);
		status st = try_load(PASS, &err);
		EXPECT(st != ST_OK, "byte %zu altered with a fixed checksum loaded", i);
		if (i >= OFF_SALT && i < OFF_NAME)
			EXPECT(st == ST_BADPASS, "byte %zu: status %d (%s)", i, st, err.msg);
	}
	key_secret_free(k);
}
END_TEST

START_TEST(test_truncation_and_trailing)
{
	key_secret *k = make_file();
	uint8_t orig[MAXFILE], buf[MAXFILE + 4096];
	size_t len = slurp(path, orig);
	errbuf err;
	for (size_t n = 0; n < len; n++) {
		spit(orig, n);
		status st = try_load(PASS, &err);
		EXPECT(st == ST_CORRUPT, "truncated to %zu: status %d (%s)", n, st, err.msg);
	}
	static const size_t extra[] = {1, 2, 32, 200, 4096};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		memcpy(buf, orig, len);
		memset(buf + len, '\n', extra[i]);
		spit(buf, len + extra[i]);
		ck_assert_int_eq(try_load(PASS, &err), ST_CORRUPT);
		ck_assert_ptr_nonnull(strstr(err.msg, "trailing"));
	}
	key_secret_free(k);
}
END_TEST

START_TEST(test_version_and_cost_refused)
{
	key_secret *k = make_file();
	uint8_t orig[MAXFILE], buf[MAXFILE];
	size_t len = slurp(path, orig);
	errbuf err = {0};
	key_public pub;

	memcpy(buf, orig, len);
	buf[OFF_VERSION] = 2;
	fix_checksum(buf, len);
	spit(buf, len);
	ck_assert_int_eq(try_load(PASS, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "version 2"));

	/* 64 GiB, or zero passes: refused before the KDF allocates anything. */
	memcpy(buf, orig, len);
	buf[OFF_MEM + 3] = 0x10;
	fix_checksum(buf, len);
	spit(buf, len);
	ck_assert_int_eq(try_load(PASS, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "Argon2id cost"));
	ck_assert_int_eq(keyfile_read_public(path, &pub, &err), ST_FORMAT);
	memcpy(buf, orig, len);
	buf[OFF_OPS + 7] = 0;
	fix_checksum(buf, len);
	spit(buf, len);
	ck_assert_int_eq(try_load(PASS, &err), ST_FORMAT);
	key_secret_free(k);
}
END_TEST

/* A file whose seal opens but holds another key's seed than its recorded
 * public key (made by someone who knows the passphrase). */
START_TEST(test_seed_must_match_public_key)
{
	key_secret *k = make_file(), *other = new_key("x");
	uint8_t buf[MAXFILE], key[32], seed[32];
	size_t len = slurp(path, buf), hdr = len - 48 - SHA256_LEN;
	errbuf err = {0};
	ck_assert_int_eq(crypto_pwhash(key, sizeof key, PASS, strlen(PASS), buf + OFF_SALT,
				       fast.opslimit, fast.memlimit,
				       crypto_pwhash_ALG_ARGON2ID13), 0);
	key_seed(other, seed);
	crypto_aead_xchacha20poly1305_ietf_encrypt(buf + hdr, NULL, seed, 32, buf, hdr, NULL,
						   buf + OFF_NONCE, key);
	fix_checksum(buf, len);
	spit(buf, len);
	ck_assert_int_eq(try_load(PASS, &err), ST_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not match its public key"));
	sodium_memzero(key, sizeof key);
	sodium_memzero(seed, sizeof seed);
	key_secret_free(k);
	key_secret_free(other);
}
END_TEST

/* --- public key, passwd --- */

START_TEST(test_read_public)
{
	key_secret *k = make_file();
	key_public pub;
	errbuf err = {0};
	ck_assert_int_eq(keyfile_read_public(path, &pub, &err), ST_OK);
	const key_public *want = key_secret_public(k);
	ck_assert_str_eq(pub.name, want->name);
	ck_assert_mem_eq(pub.pk, want->pk, KEY_PK_LEN);
	ck_assert_mem_eq(pub.id, want->id, KEY_ID_LEN);
	key_secret_free(k);
}
END_TEST

START_TEST(test_passwd)
{
	key_secret *k = make_file();
	uint8_t before[MAXFILE], after[MAXFILE];
	size_t len = slurp(path, before);
	key_public pub;
	struct stat sb;
	errbuf err = {0};

	/* Wrong old passphrase: refused, file untouched, nothing left over. */
	ck_assert_int_eq(keyfile_passwd(path, "nope", 4, "new", 3, &err), ST_BADPASS);
	ck_assert_uint_eq(slurp(path, after), len);
	ck_assert_mem_eq(before, after, len);
	ck_assert_int_eq(keyfile_passwd(path, PASS, strlen(PASS), "", 0, &err), ST_USAGE);
	ck_assert_mem_eq(before, after, len);
	ck_assert_int_eq(dir_entries(false), 1);

	status st = keyfile_passwd(path, PASS, strlen(PASS), "new pass", 8, &err);
	ck_assert_msg(st == ST_OK, "passwd: %s", err_text(&err, st));
	ck_assert_int_eq(dir_entries(false), 1);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(try_load(PASS, &err), ST_BADPASS);
	ck_assert_int_eq(try_load("new pass", &err), ST_OK);
	ck_assert_int_eq(keyfile_read_public(path, &pub, &err), ST_OK);
	ck_assert_mem_eq(pub.pk, key_secret_public(k)->pk, KEY_PK_LEN);
	ck_assert_str_eq(pub.name, key_secret_public(k)->name);
	key_secret_free(k);
}
END_TEST

/* --- passphrase_read_fd --- */

/* A pipe holding `data`, write end closed; returns the read end. */
static int pipe_of(const char *data, size_t len)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static status read_one(int fd, char **pass, size_t *len)
{
	errbuf err = {0};
	return passphrase_read_fd(fd, pass, len, &err);
}

START_TEST(test_passphrase_lines)
{
	static const char data[] = "first\nsecond\r\nthird";
	int fd = pipe_of(data, sizeof data - 1);
	char *p;
	size_t len;
	ck_assert_int_eq(read_one(fd, &p, &len), ST_OK);
	ck_assert_str_eq(p, "first");
	ck_assert_uint_eq(len, 5);
	passphrase_free(p);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_OK); /* fd left after line 1 */
	ck_assert_str_eq(p, "second");
	passphrase_free(p);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_OK); /* no newline at EOF */
	ck_assert_str_eq(p, "third");
	passphrase_free(p);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_USAGE); /* end of input */
	ck_assert_ptr_null(p);
	close(fd);

	/* Only one "\r" is stripped, and inner spaces are kept. */
	fd = pipe_of(" a b\r\r\n", 7);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(p, " a b\r", 5);
	passphrase_free(p);
	close(fd);
}
END_TEST

START_TEST(test_passphrase_refusals)
{
	char big[PASSPHRASE_MAX + 3], *p;
	size_t len;
	errbuf err = {0};

	int fd = pipe_of("\nx\n", 3);
	ck_assert_int_eq(passphrase_read_fd(fd, &p, &len, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
	ck_assert_ptr_null(p);
	close(fd);
	fd = pipe_of("\r\n", 2);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_USAGE);
	close(fd);
	fd = pipe_of("", 0);
	ck_assert_int_eq(passphrase_read_fd(fd, &p, &len, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "end of input"));
	close(fd);
	fd = pipe_of("a\0b\n", 4);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_FORMAT);
	close(fd);
	ck_assert_int_eq(passphrase_read_fd(999, &p, &len, &err), ST_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "999"));

	/* Exactly PASSPHRASE_MAX bytes, with "\n" or "\r\n": accepted. */
	memset(big, 'x', sizeof big);
	big[PASSPHRASE_MAX] = '\r';
	big[PASSPHRASE_MAX + 1] = '\n';
	fd = pipe_of(big, PASSPHRASE_MAX + 2);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_OK);
	ck_assert_uint_eq(len, PASSPHRASE_MAX);
	passphrase_free(p);
	close(fd);
	fd = pipe_of(big + 1, PASSPHRASE_MAX + 1);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_OK);
	ck_assert_uint_eq(len, PASSPHRASE_MAX - 1);
	passphrase_free(p);
	close(fd);
	/* One byte more: refused, with or without a newline. */
	memset(big, 'x', sizeof big);
	big[PASSPHRASE_MAX + 1] = '\n';
	fd = pipe_of(big, PASSPHRASE_MAX + 2);
	ck_assert_int_eq(passphrase_read_fd(fd, &p, &len, &err), ST_TOOBIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than 1024"));
	ck_assert_ptr_null(p);
	close(fd);
	fd = pipe_of(big, sizeof big);
	ck_assert_int_eq(read_one(fd, &p, &len), ST_TOOBIG);
	close(fd);
}
END_TEST

START_TEST(test_passphrase_no_tty)
{
	/* Each test runs in a forked child, which setsid() detaches from any
	 * terminal; the terminal path itself is driven by tests/t_key_cli.sh. */
	char *p;
	size_t len;
	errbuf err = {0};
	if (setsid() < 0)
		return; /* already a group leader: cannot drop the terminal */
	ck_assert_int_eq(passphrase_read_tty("pw: ", NULL, &p, &len, &err), ST_IO);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err.msg, "no terminal"));
}
END_TEST

/* --- keyfile_unlock --- */

/* keyfile_unlock with the passphrase from fd; checks the *out contract. */
static status unlock_fd(int fd, key_secret **k, keyfile_step *step, errbuf *err)
{
	keyfile_pass how = {fd, "unused prompt: ", NULL};
	*k = (key_secret *)k; /* a non-NULL sentinel */
	status st = keyfile_unlock(path, &how, k, step, err);
	EXPECT((st == ST_OK) == (*k != NULL), "keyfile_unlock left *out inconsistent");
	EXPECT((st == ST_OK) == (*step == KEYFILE_STEP_NONE), "step %d with status %d",
	       (int)*step, (int)st);
	return st;
}

START_TEST(test_unlock)
{
	key_secret *made = make_file(), *k;
	keyfile_step step;
	errbuf err = {0};
	char line[sizeof PASS + 1];
	snprintf(line, sizeof line, "%s\n", PASS);

	/* The right passphrase gives the key that was sealed. */
	int fd = pipe_of(line, strlen(line));
	ck_assert_int_eq(unlock_fd(fd, &k, &step, &err), ST_OK);
	close(fd);
	ck_assert_mem_eq(key_secret_public(k)->pk, key_secret_public(made)->pk, KEY_PK_LEN);
	ck_assert_str_eq(key_secret_public(k)->name, "alice@example.org");
	key_secret_free(k);

	/* A wrong one: keyfile_load's ST_BADPASS and its message, at the unseal. */
	fd = pipe_of("correct horse battery stapl\n", 28);
	ck_assert_int_eq(unlock_fd(fd, &k, &step, &err), ST_BADPASS);
	close(fd);
	ck_assert_int_eq(step, KEYFILE_STEP_UNSEAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "wrong passphrase"));
	ck_assert_ptr_nonnull(strstr(err.msg, path));

	/* An empty line: the passphrase step's ST_USAGE (the TUI's "Enter alone"). */
	fd = pipe_of("\n", 1);
	ck_assert_int_eq(unlock_fd(fd, &k, &step, &err), ST_USAGE);
	close(fd);
	ck_assert_int_eq(step, KEYFILE_STEP_PASSPHRASE);

	/* A file open to group or others is refused before any passphrase is
	 * read: the line is still there for the next reader. */
	ck_assert_int_eq(chmod(path, 0640), 0);
	fd = pipe_of(line, strlen(line));
	ck_assert_int_eq(unlock_fd(fd, &k, &step, &err), ST_PERM);
	ck_assert_int_eq(step, KEYFILE_STEP_PUBLIC);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	char *rest;
	size_t restlen;
	ck_assert_int_eq(read_one(fd, &rest, &restlen), ST_OK);
	ck_assert_str_eq(rest, PASS);
	passphrase_free(rest);
	close(fd);
	ck_assert_int_eq(chmod(path, 0600), 0);

	/* No file at all: ST_NOTFOUND, nothing read either. */
	ck_assert_int_eq(unlink(path), 0);
	fd = pipe_of(line, strlen(line));
	ck_assert_int_eq(unlock_fd(fd, &k, &step, &err), ST_NOTFOUND);
	ck_assert_int_eq(step, KEYFILE_STEP_PUBLIC);
	ck_assert_int_eq(read_one(fd, &rest, &restlen), ST_OK);
	passphrase_free(rest);
	close(fd);
	key_secret_free(made);
}
END_TEST

/* Without a descriptor the passphrase comes from the terminal: with none,
 * the passphrase step fails with ST_IO (the prompt itself is driven by
 * tests/t_key_cli.sh and the TUI scenarios). */
START_TEST(test_unlock_no_tty)
{
	key_secret *made = make_file(), *k = NULL;
	keyfile_step step;
	errbuf err = {0};
	if (setsid() >= 0) {
		keyfile_pass how = {-1, "Passphrase of ", ": "};
		ck_assert_int_eq(keyfile_unlock(path, &how, &k, &step, &err), ST_IO);
		ck_assert_ptr_null(k);
		ck_assert_int_eq(step, KEYFILE_STEP_PASSPHRASE);
	}
	key_secret_free(made);
}
END_TEST

/* --- PEM --- */

START_TEST(test_pem)
{
	key_secret *k = new_key("pem-test");
	const key_public *pub = key_secret_public(k);
	char *pem;
	uint8_t raw[KEY_PK_LEN];
	size_t rawlen = sizeof raw;
	errbuf err = {0};

	ck_assert_int_eq(pem_public_key(pub, &pem, &err), ST_OK);
	ck_assert_str_eq(pem + strlen(pem) - 25, "-----END PUBLIC KEY-----\n");
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(pkey);
	ck_assert_int_eq(EVP_PKEY_get_base_id(pkey), EVP_PKEY_ED25519);
	ck_assert_int_eq(EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen), 1);
	ck_assert_uint_eq(rawlen, KEY_PK_LEN);
	ck_assert_mem_eq(raw, pub->pk, KEY_PK_LEN);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	free(pem);
	key_secret_free(k);
}
END_TEST

/* openssl(1) itself verifies a key_sign signature against the PEM, and
 * refuses it over a different message. */
/* Exit status of `openssl pkeyutl -verify -rawin` over dir/msg, dir/sig and
 * dir/key.pem (dir = where), run directly (no shell), its output discarded. */
static int openssl_verify(const char *where)
{
	char key[PATH_MAX], msg[PATH_MAX], sig[PATH_MAX];
	snprintf(key, sizeof key, "%s/key.pem", where);
	snprintf(msg, sizeof msg, "%s/msg", where);
	snprintf(sig, sizeof sig, "%s/sig", where);
	char *const argv[] = {"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key,
			      "-rawin", "-in", msg, "-sigfile", sig, NULL};
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	int wst;
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	return WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
}

START_TEST(test_pem_openssl_verifies)
{
	key_secret *k = new_key("pem-test");
	char *pem, cmd[1024];
	uint8_t sig[KEY_SIG_LEN];
	static const char msg[] = "custos transfer 42\n";
	errbuf err = {0};
	FILE *f;

	ck_assert_int_eq(pem_public_key(key_secret_public(k), &pem, &err), ST_OK);
	ck_assert_int_eq(key_sign(k, msg, sizeof msg - 1, sig), ST_OK);
	snprintf(cmd, sizeof cmd, "%s/key.pem", dir);
	ck_assert_ptr_nonnull(f = fopen(cmd, "w"));
	fputs(pem, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s/sig", dir);
	ck_assert_ptr_nonnull(f = fopen(cmd, "w"));
	fwrite(sig, 1, sizeof sig, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s/msg", dir);
	ck_assert_ptr_nonnull(f = fopen(cmd, "w"));
	fwrite(msg, 1, sizeof msg - 1, f);
	fclose(f);
	ck_assert_int_eq(openssl_verify(dir), 0);
	snprintf(cmd, sizeof cmd, "%s/msg", dir);
	ck_assert_ptr_nonnull(f = fopen(cmd, "a"));
	fputc('!', f);
	fclose(f);
	ck_assert_int_ne(openssl_verify(dir), 0);
	free(pem);
	key_secret_free(k);
}
END_TEST

static Suite *keyfile_suite(void)
{
	Suite *s = suite_create("keyfile");
	struct {
		const char *name;
		const TTest *tests[8];
	} cases[] = {
		{"create+load", {test_round_trip, test_default_cost, test_create_refusals,
				 test_wrong_passphrase, test_permissions, test_owner,
				 test_not_a_key_file}},
		{"damage", {test_every_byte_flip, test_forged_checksum,
			    test_truncation_and_trailing, test_version_and_cost_refused,
			    test_seed_must_match_public_key}},
		{"public+passwd", {test_read_public, test_passwd}},
		{"passphrase", {test_passphrase_lines, test_passphrase_refusals,
				test_passphrase_no_tty}},
		{"pem", {test_pem, test_pem_openssl_verifies}},
		{"unlock", {test_unlock, test_unlock_no_tty}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 60); /* Argon2id at the default cost, under ASan */
		for (size_t j = 0; j < 8 && cases[i].tests[j] != NULL; j++)
			tcase_add_test(tc, cases[i].tests[j]);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return check_run(keyfile_suite());
}
