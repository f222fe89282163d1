/* check_tlog: C2SP tlog-checkpoint, tlog-cosignature/v1, tlog-tiles and
 * tlog-proof (src/tlog.c), with the specs' own examples from
 * tests/vectors/c2sp/ (run from the repo root). */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../keys/key.h"
#include "../src/b64.h"
#include "../src/merkle.h"
#include "../src/note.h"
#include "../src/tlog.h"
#include "testkey.h"

#define VEC "tests/vectors/c2sp/"
#define ED "\xE2\x80\x94"
#define ROOT64 "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)", path);
	char *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static void root_of(merkle_hash out)
{
	size_t n;
	ck_assert_int_eq(b64_decode(ROOT64, strlen(ROOT64), out, SHA256_LEN, &n), ST_OK);
}

/* ---- checkpoints ---------------------------------------------------------- */

START_TEST(checkpoint_body_round_trip)
{
	merkle_hash root;
	root_of(root);
	char *body;
	size_t len;
	errbuf err = {0};
	ck_assert_int_eq(tlog_checkpoint_body("example.com/behind-the-sofa", 20852163, root, &body,
					      &len, &err), ST_OK);
	ck_assert_str_eq(body, "example.com/behind-the-sofa\n20852163\n" ROOT64 "\n");
	ck_assert_uint_eq(len, strlen(body));
	tlog_checkpoint cp;
	ck_assert_int_eq(tlog_checkpoint_body_parse(body, len, &cp, &err), ST_OK);
	ck_assert_str_eq(cp.origin, "example.com/behind-the-sofa");
	ck_assert_uint_eq(cp.size, 20852163);
	ck_assert_mem_eq(cp.root, root, SHA256_LEN);
	free(body);
	/* size 0 is written "0" */
	ck_assert_int_eq(tlog_checkpoint_body("o", 0, root, &body, &len, &err), ST_OK);
	ck_assert_str_eq(body, "o\n0\n" ROOT64 "\n");
	free(body);
	/* bad origins are refused */
	ck_assert_int_eq(tlog_checkpoint_body("", 1, root, &body, &len, &err), ST_USAGE);
	ck_assert_ptr_null(body);
	ck_assert_int_eq(tlog_checkpoint_body("a\nb", 1, root, &body, &len, &err), ST_USAGE);
	ck_assert_int_eq(tlog_checkpoint_body("a\x01", 1, root, &body, &len, &err), ST_USAGE);
	ck_assert_int_eq(tlog_checkpoint_body("\xff", 1, root, &body, &len, &err), ST_USAGE);
	ck_assert_int_eq(tlog_checkpoint_body(ED " x", 1, root, &body, &len, &err), ST_USAGE);
	char big[TLOG_ORIGIN_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(tlog_checkpoint_body(big, 1, root, &body, &len, &err), ST_USAGE);
	big[TLOG_ORIGIN_MAX] = '\0';
	ck_assert_int_eq(tlog_checkpoint_body(big, 1, root, &body, &len, &err), ST_OK);
	free(body);
}
END_TEST

START_TEST(checkpoint_body_refusals)
{
	static const char *const bad[] = {
		"",                                        /* empty */
		"o\n1\n" ROOT64,                           /* no final newline */
		"o\n1\n",                                  /* two lines */
		"o\n01\n" ROOT64 "\n",                     /* leading zero */
		"o\n+1\n" ROOT64 "\n",                     /* sign */
		"o\n-1\n" ROOT64 "\n",
		"o\n 1\n" ROOT64 "\n",
		"o\n\n" ROOT64 "\n",                       /* empty size */
		"o\n18446744073709551616\n" ROOT64 "\n",   /* 2^64 */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", /* no padding */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", /* padding bits */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", /* 31 bytes */
		"o\n1\n" ROOT64 "\next\n",                 /* extension line */
		"\n1\n" ROOT64 "\n",                       /* empty origin */
		"o\r\n1\n" ROOT64 "\n",                    /* CR */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tlog_checkpoint cp;
		errbuf err = {0};
		ck_assert_msg(tlog_checkpoint_body_parse(bad[i], strlen(bad[i]), &cp, &err) ==
				      ST_FORMAT, "accepted bad checkpoint %zu", i);
		ck_assert_msg(err.msg[0] != '\0', "no message for %zu", i);
	}
	tlog_checkpoint cp;
	const char max[] = "o\n18446744073709551615\n" ROOT64 "\n";
	ck_assert_int_eq(tlog_checkpoint_body_parse(max, strlen(max), &cp, NULL), ST_OK);
	ck_assert_uint_eq(cp.size, UINT64_MAX);
}
END_TEST

/* The tlog-checkpoint spec's example parses, with its signature line. */
START_TEST(spec_checkpoint_example)
{
	size_t len;
	char *text = slurp(VEC "checkpoint.note", &len);
	tlog_checkpoint cp;
	note *n = malloc(sizeof *n);
	errbuf err = {0};
	ck_assert_msg(tlog_checkpoint_parse(text, len, &cp, n, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(cp.origin, "example.com/behind-the-sofa");
	ck_assert_uint_eq(cp.size, 20852163);
	merkle_hash root;
	root_of(root);
	ck_assert_mem_eq(cp.root, root, SHA256_LEN);
	ck_assert_uint_eq(n->nsigs, 1);
	ck_assert(n->sigs[0].ed25519_size);
	/* A note that is not a checkpoint. */
	const char notcp[] = "hello\n\n" ED " k AAAAAAA=\n";
	ck_assert_int_eq(tlog_checkpoint_parse(notcp, strlen(notcp), &cp, n, &err), ST_FORMAT);
	free(n);
	free(text);
}
END_TEST

/* The tlog-cosignature spec's example: the witness line is a key ID, the
 * timestamp of the spec's signed-message example, and 64 bytes; and our
 * signed message for that time is the spec's message byte for byte. */
START_TEST(spec_cosignature_example)
{
	size_t len, mlen;
	char *text = slurp(VEC "cosigned.note", &len);
	char *msg = slurp(VEC "cosigned.message", &mlen);
	tlog_checkpoint cp;
	note *n = malloc(sizeof *n);
	errbuf err = {0};
	ck_assert_msg(tlog_checkpoint_parse(text, len, &cp, n, &err) == ST_OK, "%s", err.msg);
	ck_assert_uint_eq(n->nsigs, 2);
	const note_sigline *w = &n->sigs[1];
	ck_assert(!w->ed25519_size);
	uint8_t raw[TLOG_COSIG_LEN + 3];
	size_t rl;
	ck_assert_int_eq(b64_decode(w->b64, w->b64len, raw, sizeof raw, &rl), ST_OK);
	ck_assert_uint_eq(rl, TLOG_COSIG_LEN);
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | raw[KEY_ID_LEN + i];
	ck_assert_uint_eq(t, 1679315147);
	/* The message our cosigner signs at that time is the spec's. */
	char expect[512];
	snprintf(expect, sizeof expect, "cosignature/v1\ntime %llu\n%.*s", (unsigned long long)t,
		 (int)n->textlen, n->text);
	ck_assert_str_eq(expect, msg);
	/* Unknown witness: no cosignature by it. */
	key_secret *k = test_key("witness.example.com/w1");
	ck_assert_int_eq(tlog_cosig_verify(key_secret_public(k), n, NULL, &err), ST_NOSIG);
	key_secret_free(k);
	free(n);
	free(text);
	free(msg);
}
END_TEST

/* ---- cosignatures --------------------------------------------------------- */

static char *signed_checkpoint(key_secret *logk, const char *body, size_t *len)
{
	const key_secret *ks[1] = {logk};
	char *out;
	ck_assert_int_eq(note_sign(body, strlen(body), ks, 1, &out, len, NULL), ST_OK);
	return out;
}

START_TEST(cosign_and_verify)
{
	key_secret *logk = test_key("example.com/log"), *w = test_key("TEST-ONLY-w1");
	key_secret *other = test_key("TEST-ONLY-w2");
	const char body[] = "example.com/log\n5\n" ROOT64 "\n";
	char *line;
	size_t ll;
	errbuf err = {0};
	ck_assert_int_eq(tlog_cosign(w, body, strlen(body), 1700000000, &line, &ll, &err), ST_OK);
	ck_assert(strncmp(line, ED " TEST-ONLY-w1 ", strlen(ED " TEST-ONLY-w1 ")) == 0);
	ck_assert_uint_eq(ll, strlen(ED " TEST-ONLY-w1 ") + B64_LEN(TLOG_COSIG_LEN) + 1);
	/* The key ID is the cosigner one (type 0x04), not the note one. */
	uint8_t id4[KEY_ID_LEN], raw[TLOG_COSIG_LEN + 3];
	size_t rl;
	const key_public *wp = key_secret_public(w);
	tlog_cosig_keyid(wp->name, strlen(wp->name), wp->pk, id4);
	ck_assert_int_eq(b64_decode(line + strlen(ED " TEST-ONLY-w1 "), B64_LEN(TLOG_COSIG_LEN),
				    raw, sizeof raw, &rl), ST_OK);
	ck_assert_mem_eq(raw, id4, KEY_ID_LEN);
	ck_assert(memcmp(id4, wp->id, KEY_ID_LEN) != 0);

	size_t cl;
	char *cp = signed_checkpoint(logk, body, &cl);
	cp = realloc(cp, cl + ll + 1);
	memcpy(cp + cl, line, ll + 1);
	cl += ll;
	free(line);
	tlog_checkpoint c;
	note *n = malloc(sizeof *n);
	ck_assert_int_eq(tlog_checkpoint_parse(cp, cl, &c, n, &err), ST_OK);
	uint64_t t = 0;
	ck_assert_int_eq(tlog_cosig_verify(wp, n, &t, &err), ST_OK);
	ck_assert_uint_eq(t, 1700000000);
	ck_assert_int_eq(tlog_cosig_verify(key_secret_public(other), n, NULL, &err), ST_NOSIG);
	/* The same key under another name: no match. */
	key_public renamed = *wp;
	snprintf(renamed.name, sizeof renamed.name, "TEST-ONLY-w9");
	ck_assert_int_eq(tlog_cosig_verify(&renamed, n, NULL, &err), ST_NOSIG);
	/* Another key under the witness's name and ID cannot be: the ID
	 * differs.  A changed time in the line breaks the signature. */
	char *bad = strdup(cp);
	char *b64 = strstr(bad, ED " TEST-ONLY-w1 ") + strlen(ED " TEST-ONLY-w1 ");
	raw[KEY_ID_LEN + 7] ^= 1;
	char enc[B64_LEN(TLOG_COSIG_LEN) + 1];
	b64_encode(raw, TLOG_COSIG_LEN, enc);
	memcpy(b64, enc, strlen(enc));
	ck_assert_int_eq(tlog_checkpoint_parse(bad, cl, &c, n, &err), ST_OK);
	ck_assert_int_eq(tlog_cosig_verify(wp, n, NULL, &err), ST_BADSIG);
	/* A cosignature of another checkpoint body. */
	memcpy(bad, cp, cl);
	bad[strlen("example.com/log\n")] = '6';
	ck_assert_int_eq(tlog_checkpoint_parse(bad, cl, &c, n, &err), ST_OK);
	ck_assert_int_eq(tlog_cosig_verify(wp, n, NULL, &err), ST_BADSIG);
	free(bad);
	/* The same cosignature under the note-signing key ID (type byte 0x01
	 * instead of 0x04) is no cosignature by this witness. */
	bad = strdup(cp);
	b64 = strstr(bad, ED " TEST-ONLY-w1 ") + strlen(ED " TEST-ONLY-w1 ");
	raw[KEY_ID_LEN + 7] ^= 1; /* undo the time change above */
	memcpy(raw, wp->id, KEY_ID_LEN);
	b64_encode(raw, TLOG_COSIG_LEN, enc);
	memcpy(b64, enc, strlen(enc));
	ck_assert_int_eq(tlog_checkpoint_parse(bad, cl, &c, n, &err), ST_OK);
	ck_assert_int_eq(tlog_cosig_verify(wp, n, NULL, &err), ST_NOSIG);
	free(bad);
	/* Times above 2^63 - 1 are refused. */
	ck_assert_int_eq(tlog_cosign(w, body, strlen(body), UINT64_C(1) << 63, &line, &ll, &err),
			 ST_USAGE);
	/* Only a checkpoint body can be cosigned. */
	ck_assert_int_eq(tlog_cosign(w, "hello\n", 6, 1, &line, &ll, &err), ST_FORMAT);
	free(n);
	free(cp);
	key_secret_free(logk);
	key_secret_free(w);
	key_secret_free(other);
}
END_TEST

START_TEST(cosig_vkeys)
{
	key_secret *w = test_key("TEST-ONLY-w1");
	char vk[KEY_VKEY_MAX + 1];
	size_t n = tlog_cosig_vkey_format(key_secret_public(w), vk);
	ck_assert_uint_eq(n, strlen(vk));
	key_public p;
	errbuf err = {0};
	ck_assert_int_eq(tlog_cosig_vkey_parse(vk, n, &p, &err), ST_OK);
	ck_assert_mem_eq(p.pk, key_secret_public(w)->pk, KEY_PK_LEN);
	/* the type byte is 0x04: base64 of 0x04 || pk starts with 'B' */
	ck_assert_int_eq(strchr(strchr(vk, '+') + 1, '+')[1], 'B');
	/* a note-signing key (type 0x01) is refused as a cosigner key ... */
	char nk[KEY_VKEY_MAX + 1];
	size_t nl = key_vkey_format(key_secret_public(w), nk);
	ck_assert_int_eq(tlog_cosig_vkey_parse(nk, nl, &p, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "0x01"));
	/* ... and a cosigner key as a note key */
	ck_assert_int_eq(key_vkey_parse(vk, n, &p, &err), ST_FORMAT);
	/* a wrong ID */
	vk[strlen("TEST-ONLY-w1+")] ^= 1;
	ck_assert_int_eq(tlog_cosig_vkey_parse(vk, n, &p, &err), ST_FORMAT);
	key_secret_free(w);
}
END_TEST

/* Base64 is the 64 ASCII characters and '=' only.  libsodium 1.0.18's
 * decoder (under b64_decode) reads every byte 0x80-0xFF as '/', which
 * would give one hash or key many encodings: fuzz_tlog's first finding.
 * Each line here differs from an accepted one only by such a byte where
 * the accepted one has '/'. */
START_TEST(base64_high_bytes)
{
	static const char *const bodies[] = {
		"o\n1\nCsUYapGGPo4dkMgIAUqom\x80Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom\xffXajj7h2fB2MPA3j2jxq2I=\n",
	};
	tlog_checkpoint cp;
	merkle_hash h[MERKLE_MAX_PROOF];
	size_t n;
	errbuf err = {0};
	const char body_ok[] = "o\n1\n" ROOT64 "\n";
	ck_assert_int_eq(tlog_checkpoint_body_parse(body_ok, strlen(body_ok), &cp, &err), ST_OK);
	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(bodies[i]);
		ck_assert_msg(tlog_checkpoint_body_parse(bodies[i], len, &cp, &err) == ST_FORMAT,
			      "accepted checkpoint body %zu", i);
		/* the same root as a consistency-hash line */
		ck_assert_msg(tlog_hashes_parse(bodies[i] + 4, len - 4, h, &n, &err) == ST_FORMAT,
			      "accepted hash line %zu", i);
	}
	/* a proof hash and the extra data */
	const char proof_ok[] = TLOG_PROOF_HEADER "\nextra YS8/\nindex 0\n" ROOT64 "\n\no\n";
	char proof[sizeof proof_ok];
	tlog_proof *p = malloc(sizeof *p);
	ck_assert_int_eq(tlog_proof_parse(proof_ok, strlen(proof_ok), p, &err), ST_OK);
	memcpy(proof, proof_ok, sizeof proof);
	*strchr(proof, '/') = (char)0x80; /* in the extra line */
	ck_assert_int_eq(tlog_proof_parse(proof, strlen(proof), p, &err), ST_FORMAT);
	memcpy(proof, proof_ok, sizeof proof);
	*strchr(strstr(proof, "index"), '/') = (char)0xc0; /* in the proof hash */
	ck_assert_int_eq(tlog_proof_parse(proof, strlen(proof), p, &err), ST_FORMAT);
	free(p);
	/* a cosigner key whose key material has a '/' */
	key_secret *w = test_key("TEST-ONLY-witness-3");
	char vk[KEY_VKEY_MAX + 1];
	size_t vl = tlog_cosig_vkey_format(key_secret_public(w), vk);
	key_public k;
	ck_assert_int_eq(tlog_cosig_vkey_parse(vk, vl, &k, &err), ST_OK);
	char *slash = strchr(strrchr(vk, '+'), '/');
	ck_assert_ptr_nonnull(slash);
	*slash = (char)0xaf;
	ck_assert_int_eq(tlog_cosig_vkey_parse(vk, vl, &k, &err), ST_FORMAT);
	key_secret_free(w);
}
END_TEST

/* ---- tiles ---------------------------------------------------------------- */

START_TEST(tile_paths)
{
	char p[TLOG_PATH_MAX];
	tlog_tile_path(p, 0, 1234067, 256);
	ck_assert_str_eq(p, "tile/0/x001/x234/067");
	tlog_tile_path(p, 0, 1234067, 8);
	ck_assert_str_eq(p, "tile/0/x001/x234/067.p/8");
	tlog_tile_path(p, 3, 0, 1);
	ck_assert_str_eq(p, "tile/3/000.p/1");
	tlog_tile_path(p, 1, 999, 256);
	ck_assert_str_eq(p, "tile/1/999");
	tlog_tile_path(p, 1, 1000, 256);
	ck_assert_str_eq(p, "tile/1/x001/000");
	tlog_entries_path(p, 1234067, 256);
	ck_assert_str_eq(p, "tile/entries/x001/x234/067");
	tlog_entries_path(p, 5, 255);
	ck_assert_str_eq(p, "tile/entries/005.p/255");
	tlog_tile_path(p, 63, UINT64_MAX, 255);
	ck_assert_str_eq(p, "tile/63/x018/x446/x744/x073/x709/x551/615.p/255");
	ck_assert_uint_lt(strlen(p), TLOG_PATH_MAX);
	/* The spec's example: a tree of 70,000 has 273 full level-0 tiles, a
	 * partial one of 112, one full level-1 tile, a partial one of 17, and a
	 * partial level-2 tile of 1. */
	ck_assert_uint_eq(tlog_tile_width(70000, 0, 272), 256);
	ck_assert_uint_eq(tlog_tile_width(70000, 0, 273), 112);
	ck_assert_uint_eq(tlog_tile_width(70000, 0, 274), 0);
	ck_assert_uint_eq(tlog_tile_width(70000, 1, 0), 256);
	ck_assert_uint_eq(tlog_tile_width(70000, 1, 1), 17);
	ck_assert_uint_eq(tlog_tile_width(70000, 2, 0), 1);
	ck_assert_uint_eq(tlog_tile_width(70000, 3, 0), 0);
	ck_assert_uint_eq(tlog_tile_width(256, 0, 0), 256);
	ck_assert_uint_eq(tlog_tile_width(256, 1, 0), 1);
}
END_TEST

static bool file_eq(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	size_t n;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	fclose(f);
	char *got = slurp(path, &n);
	bool eq = n == len && memcmp(got, data, len) == 0;
	free(got);
	return eq;
}

static bool exists(const char *dir, const char *rel)
{
	char path[512];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return stat(path, &sb) == 0;
}

/* Tiles written for a tree, read back, equal a recomputation; an
 * incremental write skips the tiles already full. */
START_TEST(tiles_write_read_back)
{
	enum { N = 70000 };
	merkle_hash *leaves = malloc(N * sizeof *leaves);
	for (uint32_t i = 0; i < N; i++)
		sha256_leaf(&i, sizeof i, leaves[i]);
	char dir[] = "/tmp/check_tlog.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	errbuf err = {0};
	ck_assert_int_eq(tlog_tiles_write(dir, leaves, 600, 0, &err), ST_OK);
	ck_assert(exists(dir, "tile/0/002.p/88"));
	ck_assert_int_eq(tlog_tiles_write(dir, leaves, N, 600, &err), ST_OK);
	char rel[TLOG_PATH_MAX];
	/* level 0: the leaves */
	for (uint64_t t = 0; t < 274; t++) {
		unsigned w = tlog_tile_width(N, 0, t);
		tlog_tile_path(rel, 0, t, w);
		ck_assert_msg(file_eq(dir, rel, leaves[t * 256], w * 32), "%s", rel);
	}
	/* level 1: roots of the full level-0 tiles */
	merkle_hash l1[273];
	for (int t = 0; t < 273; t++)
		merkle_root(leaves + t * 256, 256, l1[t]);
	tlog_tile_path(rel, 1, 0, 256);
	ck_assert(file_eq(dir, rel, l1[0], 256 * 32));
	tlog_tile_path(rel, 1, 1, 17);
	ck_assert(file_eq(dir, rel, l1[256], 17 * 32));
	merkle_hash l2;
	merkle_root(l1, 256, l2);
	ck_assert(file_eq(dir, "tile/2/000.p/1", l2, 32));
	/* The root from the tiles: the level-1 hashes of all full tiles and the
	 * partial level-0 tile give the tree's root. */
	merkle_hash want, got;
	merkle_root(leaves, N, want);
	merkle_hash *mix = malloc(N * sizeof *mix);
	memcpy(mix, leaves, N * sizeof *mix);
	merkle_root(mix, N, got);
	ck_assert_mem_eq(want, got, 32);
	free(mix);
	/* since > n is refused; nothing is written for n = 0 */
	ck_assert_int_eq(tlog_tiles_write(dir, leaves, 5, 6, &err), ST_USAGE);
	/* paths that climb out are refused */
	ck_assert_int_eq(tlog_file_write(dir, "../x", "a", 1, &err), ST_USAGE);
	ck_assert_int_eq(tlog_file_write(dir, "/x", "a", 1, &err), ST_USAGE);
	ck_assert_int_eq(tlog_file_write(dir, "a/../../x", "a", 1, &err), ST_USAGE);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(leaves);
}
END_TEST

/* ---- hash lists and tlog-proof -------------------------------------------- */

START_TEST(hashes_round_trip)
{
	merkle_hash h[3];
	for (int i = 0; i < 3; i++)
		sha256_leaf(&i, sizeof i, h[i]);
	char *text;
	size_t len, n;
	errbuf err = {0};
	ck_assert_int_eq(tlog_hashes_format(h, 3, &text, &len, &err), ST_OK);
	ck_assert_uint_eq(len, 3 * 45);
	merkle_hash back[MERKLE_MAX_PROOF];
	ck_assert_int_eq(tlog_hashes_parse(text, len, back, &n, &err), ST_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(back, h, sizeof h);
	ck_assert_int_eq(tlog_hashes_parse(text, len - 1, back, &n, &err), ST_FORMAT);
	text[3] = '*';
	ck_assert_int_eq(tlog_hashes_parse(text, len, back, &n, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 1"));
	free(text);
	ck_assert_int_eq(tlog_hashes_format(h, 0, &text, &len, &err), ST_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(tlog_hashes_parse(text, 0, back, &n, &err), ST_OK);
	ck_assert_uint_eq(n, 0);
	free(text);
	ck_assert_int_eq(tlog_hashes_parse("\n", 1, back, &n, &err), ST_FORMAT);
}
END_TEST

START_TEST(spec_proof_example)
{
	size_t len;
	char *text = slurp(VEC "example.tlog-proof", &len);
	tlog_proof *p = malloc(sizeof *p);
	errbuf err = {0};
	ck_assert_msg(tlog_proof_parse(text, len, p, &err) == ST_OK, "%s", err.msg);
	ck_assert_uint_eq(p->index, 73894);
	ck_assert_uint_eq(p->prooflen, 5);
	ck_assert_ptr_nonnull(p->extra_b64);
	ck_assert_uint_eq(p->extra_b64len, 52);
	ck_assert(strncmp(p->checkpoint, "example.com/fancylog\n109482\n", 28) == 0);
	free(p);
	free(text);
}
END_TEST

START_TEST(proof_round_trip)
{
	enum { N = 1000 };
	merkle_hash *leaves = malloc(N * sizeof *leaves);
	for (uint32_t i = 0; i < N; i++)
		sha256_leaf(&i, sizeof i, leaves[i]);
	merkle_hash root;
	merkle_root(leaves, N, root);
	key_secret *logk = test_key("example.com/log");
	char *body, *proofs[2];
	size_t bl, cl, pl;
	errbuf err = {0};
	ck_assert_int_eq(tlog_checkpoint_body("example.com/log", N, root, &body, &bl, &err), ST_OK);
	char *cp = signed_checkpoint(logk, body, &cl);
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t plen;
	ck_assert_int_eq(merkle_inclusion_proof(leaves, N, 777, proof, &plen), ST_OK);
	tlog_proof *p = malloc(sizeof *p);
	tlog_checkpoint c;
	note *n = malloc(sizeof *n);
	const char *extras[2] = {NULL, "entry text\n"};
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(tlog_proof_format(777, proof, plen, cp, cl, extras[k], &proofs[k],
						   &pl, &err), ST_OK);
		ck_assert(strncmp(proofs[k], TLOG_PROOF_HEADER "\n", strlen(TLOG_PROOF_HEADER) + 1) == 0);
		ck_assert_int_eq(tlog_proof_parse(proofs[k], pl, p, &err), ST_OK);
		ck_assert_uint_eq(p->index, 777);
		ck_assert_uint_eq(p->prooflen, plen);
		ck_assert_uint_eq(p->checkpointlen, cl);
		ck_assert_mem_eq(p->checkpoint, cp, cl);
		ck_assert_int_eq(k == 1, p->extra_b64 != NULL);
		ck_assert_int_eq(tlog_checkpoint_parse(p->checkpoint, p->checkpointlen, &c, n, &err),
				 ST_OK);
		ck_assert_int_eq(tlog_proof_check(p, &c, leaves[777], &err), ST_OK);
		ck_assert_int_eq(tlog_proof_check(p, &c, leaves[778], &err), ST_PROOF);
	}
	ck_assert_ptr_nonnull(strstr(proofs[1], "\nextra ZW50cnkgdGV4dAo=\nindex 777\n"));
	/* index at or above the size is refused */
	char *o;
	ck_assert_int_eq(tlog_proof_format(N, proof, plen, cp, cl, NULL, &o, &pl, &err), ST_USAGE);
	/* strictness */
	static const char *const bad[] = {
		"c2sp.org/tlog-proof@v2\nindex 1\n\nx\n",
		"c2sp.org/tlog-proof@v1\nindex 01\n\nx\n",
		"c2sp.org/tlog-proof@v1\nindex  1\n\nx\n",
		"c2sp.org/tlog-proof@v1\nextra !!!!\nindex 1\n\nx\n",
		"c2sp.org/tlog-proof@v1\nindex 1\nnot-a-hash\n\nx\n",
		"c2sp.org/tlog-proof@v1\nindex 1\n",
		"c2sp.org/tlog-proof@v1\nindex 1\n\n",
		"c2sp.org/tlog-proof@v1\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(tlog_proof_parse(bad[i], strlen(bad[i]), p, &err) == ST_FORMAT,
			      "accepted bad proof %zu", i);
	free(proofs[0]);
	free(proofs[1]);
	free(p);
	free(n);
	free(cp);
	free(body);
	free(leaves);
	key_secret_free(logk);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tlog");
	TCase *tc = tcase_create("tlog");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, checkpoint_body_round_trip);
	tcase_add_test(tc, checkpoint_body_refusals);
	tcase_add_test(tc, spec_checkpoint_example);
	tcase_add_test(tc, spec_cosignature_example);
	tcase_add_test(tc, cosign_and_verify);
	tcase_add_test(tc, cosig_vkeys);
	tcase_add_test(tc, base64_high_bytes);
	tcase_add_test(tc, tile_paths);
	tcase_add_test(tc, tiles_write_read_back);
	tcase_add_test(tc, hashes_round_trip);
	tcase_add_test(tc, spec_proof_example);
	tcase_add_test(tc, proof_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (key_init() != ST_OK)
		return EXIT_FAILURE;
	return check_run(suite());
}
