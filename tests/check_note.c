/* check_note.c: C2SP signed notes: parsing, verification, signing, and
 * known-answer vectors from tests/vectors/note/ (run from the repo root). */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/key.h"
#include "../src/b64.h"
#include "../src/note.h"

#define VEC "tests/vectors/note/"
#define ED "\xE2\x80\x94"
/* A syntactically valid signature field (PeterNeumann's, key ID c74f20a3). */
#define SIG "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
#define LINE ED " k " SIG "\n"

/* Read a whole file; the caller frees.  Strips one final newline if asked. */
static char *slurp(const char *path, size_t *len, int strip)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repo root)", path);
	char *buf = malloc(NOTE_MAX_LEN + 1);
	ck_assert_ptr_nonnull(buf);
	size_t n = fread(buf, 1, NOTE_MAX_LEN, f);
	ck_assert(!ferror(f));
	fclose(f);
	if (strip && n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void load_vkey(const char *path, key_public *pub)
{
	size_t len;
	char *s = slurp(path, &len, 1);
	errbuf err = {0};
	ck_assert_msg(key_vkey_parse(s, len, pub, &err) == ST_OK, "%s: %s", path, err.msg);
	free(s);
}

static key_secret *seeded(const char *name, uint8_t fill)
{
	uint8_t seed[32];
	key_secret *k = NULL;
	memset(seed, fill, sizeof seed);
	ck_assert(key_from_seed(name, seed, &k, NULL) == ST_OK);
	return k;
}

/* Sign text with keys; the caller frees the note. */
static char *sign(const char *text, key_secret *const *keys, size_t nkeys, size_t *len)
{
	char *out = NULL;
	errbuf err = {0};
	status st = note_sign(text, strlen(text), (const key_secret *const *)keys, nkeys, &out,
			      len, &err);
	ck_assert_msg(st == ST_OK, "note_sign: %s", err_text(&err, st));
	return out;
}

/* Parse buf and verify it against keys[0..nkeys) needing `need` signers. */
static status check(const char *buf, size_t len, const key_public *keys, size_t nkeys,
		    size_t need, const key_public **signers, size_t *nsigners, errbuf *err)
{
	note n;
	status st = note_parse(buf, len, &n, err);
	ck_assert_msg(st == ST_OK, "note_parse: %s", err_text(err, st));
	note_keyset set = {keys, nkeys};
	return note_verify(&n, note_keyset_lookup, &set, need, signers, nsigners, err);
}

/* Flip one bit of the signature bytes (after the key ID) of the signature
 * line that starts at line, keeping the base64 canonical. */
static void flip_sig_bit(char *line, size_t at)
{
	char *b = strchr(line + 4, ' ') + 1;
	uint8_t raw[KEY_ID_LEN + KEY_SIG_LEN + 1];
	char enc[B64_LEN(sizeof raw) + 1];
	size_t rawlen;
	ck_assert(b64_decode(b, B64_LEN(68), raw, sizeof raw, &rawlen) == ST_OK);
	ck_assert_uint_eq(rawlen, 68);
	raw[at] ^= 0x01;
	b64_encode(raw, rawlen, enc);
	memcpy(b, enc, B64_LEN(68));
}

/* The i-th signature line (0-based) of a note we signed. */
static char *sigline_at(char *buf, size_t i)
{
	char *p = strstr(buf, "\n\n" ED " ") + 2;
	while (i-- > 0)
		p = strchr(p, '\n') + 1;
	return p;
}

/* ---- parse ---- */

START_TEST(parse_ok)
{
	static const char buf[] = "a\n\nb\n\n" ED " k.example/x " SIG "\n" ED " k " SIG "\n";
	note n;
	errbuf err = {0};
	ck_assert_int_eq(note_parse(buf, strlen(buf), &n, &err), ST_OK);
	ck_assert_uint_eq(n.textlen, 5);
	ck_assert(memcmp(n.text, "a\n\nb\n", 5) == 0); /* the inner blank line stays in */
	ck_assert_uint_eq(n.nsigs, 2);
	ck_assert_uint_eq(n.sigs[0].namelen, 11);
	ck_assert(memcmp(n.sigs[0].name, "k.example/x", 11) == 0);
	ck_assert(memcmp(n.sigs[0].id, "\xc7\x4f\x20\xa3", 4) == 0);
	ck_assert_uint_eq(n.sigs[1].b64len, strlen(SIG));
	ck_assert(memcmp(n.sigs[1].b64, SIG, strlen(SIG)) == 0);
}
END_TEST

START_TEST(parse_spec_permits)
{
	/* DEL, a C1 control and a non-ASCII key name; a one-byte signature of
	 * an unknown key type; text that is one empty line. */
	static const char *const ok[] = {
		"a\x7f" "b\n\n" LINE,
		"a\xc2\x85" "b\n\n" LINE,
		"\n\n" LINE,
		"a\n\n" ED " k\x7f\xc3\xa9 " SIG "\n",
		"a\n\n" ED " k AAAAAAA=\n",
		"a\n\n\n" LINE, /* the text is "a\n\n" */
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		note n;
		errbuf err = {0};
		status st = note_parse(ok[i], strlen(ok[i]), &n, &err);
		ck_assert_msg(st == ST_OK, "case %zu: %s", i, err_text(&err, st));
	}
	note n;
	ck_assert_int_eq(note_parse(ok[5], strlen(ok[5]), &n, NULL), ST_OK);
	ck_assert_uint_eq(n.textlen, 3);
}
END_TEST

static const struct bad {
	const char *buf;
	size_t len;
	status st;
	const char *msg;
} bad_notes[] = {
#define BAD(s, st, msg) {s, sizeof(s) - 1, st, msg}
	BAD("", ST_FORMAT, "note does not end with a newline"),
	BAD("a\n\n" ED " k " SIG, ST_FORMAT, "note does not end with a newline"),
	BAD("a\r\n\n" LINE, ST_FORMAT, "line 1: control character U+000D"),
	BAD("a\r\n\r\n" ED " k " SIG "\r\n", ST_FORMAT, "line 1: control character U+000D"),
	BAD("a\n\tb\n\n" LINE, ST_FORMAT, "line 2: control character U+0009"),
	BAD("a\0b\n\n" LINE, ST_FORMAT, "line 1: control character U+0000"),
	BAD("a\n\n" ED " k\t" SIG "\n", ST_FORMAT, "line 3: control character U+0009"),
	BAD("\xff\n\n" LINE, ST_FORMAT, "line 1: invalid UTF-8"),
	BAD("\xc0\xaf\n\n" LINE, ST_FORMAT, "line 1: invalid UTF-8"),         /* overlong '/' */
	BAD("\xe0\x80\xaf\n\n" LINE, ST_FORMAT, "line 1: invalid UTF-8"),     /* overlong '/' */
	BAD("\xed\xa0\x80\n\n" LINE, ST_FORMAT, "line 1: invalid UTF-8"),     /* surrogate */
	BAD("\xf4\x90\x80\x80\n\n" LINE, ST_FORMAT, "line 1: invalid UTF-8"), /* > U+10FFFF */
	BAD("a\xe2\x80\n\n" LINE, ST_FORMAT, "line 1: invalid UTF-8"),        /* truncated */
	BAD("a\n\n" ED " k \xe2\x80", ST_FORMAT, "line 3: invalid UTF-8"),
	BAD("a\n" LINE, ST_FORMAT, "no blank line before the signature lines"),
	BAD("\n" LINE, ST_FORMAT, "no blank line before the signature lines"),
	BAD("a\n\n", ST_FORMAT, "no signature lines after the blank line"),
	BAD("a\n\n" LINE "\n", ST_FORMAT, "line 3: text line starts with an em dash"),
	BAD("a\n\n" LINE "b\n\n" LINE, ST_FORMAT, "line 3: text line starts with an em dash"),
	BAD(ED " a\n\n" LINE, ST_FORMAT, "line 1: text line starts with an em dash"),
	BAD("a\n\n" LINE "b\n", ST_FORMAT, "signature line 2: does not start with an em dash"),
	BAD("a\n\nk " SIG "\n", ST_FORMAT, "signature line 1: does not start with an em dash"),
	BAD("a\n\n\xe2\x80\x93 k " SIG "\n", ST_FORMAT,
	    "signature line 1: does not start with an em dash"), /* en dash */
	BAD("a\n\n-- k " SIG "\n", ST_FORMAT, "signature line 1: starts with '-' instead"),
	BAD("a\n\n" LINE ED "k " SIG "\n", ST_FORMAT, "signature line 2: no space after the em"),
	BAD("a\n\n" ED "  k " SIG "\n", ST_FORMAT, "signature line 1: empty key name"),
	BAD("a\n\n" ED " k  " SIG "\n", ST_FORMAT, "signature line 1: two spaces between key"),
	BAD("a\n\n" ED " k " SIG " \n", ST_FORMAT, "signature line 1: space after the signature"),
	BAD("a\n\n" ED " k " SIG " x\n", ST_FORMAT, "signature line 1: space after the signature"),
	BAD("a\n\n" ED " k\n", ST_FORMAT, "signature line 1: no space between key name"),
	BAD("a\n\n" ED " k \n", ST_FORMAT, "signature line 1: no signature after the key name"),
	BAD("a\n\n" ED " k+1 " SIG "\n", ST_FORMAT, "signature line 1: key name contains '+'"),
	BAD("a\n\n" ED " k\xc2\xa0x " SIG "\n", ST_FORMAT,
	    "signature line 1: key name contains a space (U+00A0)"),
	BAD("a\n\n" ED " k\xe3\x80\x80x " SIG "\n", ST_FORMAT,
	    "signature line 1: key name contains a space (U+3000)"),
	BAD("a\n\n" ED " k " SIG "=\n", ST_FORMAT, "signature line 1: signature is not canon"),
	BAD("a\n\n" ED " k AAAAAA\n", ST_FORMAT, "signature line 1: signature is not canon"),
	BAD("a\n\n" ED " k AAAAAAB=\n", ST_FORMAT, "signature line 1: signature is not canon"),
	BAD("a\n\n" ED " k AAAA=AAA\n", ST_FORMAT, "signature line 1: signature is not canon"),
	BAD("a\n\n" ED " k AAAAAA-_\n", ST_FORMAT, "signature line 1: signature is not canon"),
	BAD("a\n\n" ED " k AAAAAA==\n", ST_FORMAT, "signature line 1: signature is shorter"),
#undef BAD
};

START_TEST(parse_rejects)
{
	const struct bad *b = &bad_notes[_i];
	note n;
	errbuf err = {0};
	status st = note_parse(b->buf, b->len, &n, &err);
	ck_assert_msg(st == b->st, "case %d: got %s (%s)", _i, status_message(st), err.msg);
	ck_assert_msg(strstr(err.msg, b->msg) == err.msg, "case %d: \"%s\" is not \"%s...\"",
		      _i, err.msg, b->msg);
	ck_assert_uint_eq(n.nsigs, 0);
	ck_assert_ptr_null(n.text);
}
END_TEST

START_TEST(parse_bad_padding)
{
	/* The last character before '=' carries two padding bits; 'N' sets one. */
	char buf[] = "a\n\n" ED " k " SIG "\n";
	note n;
	errbuf err = {0};
	ck_assert_int_eq(note_parse(buf, strlen(buf), &n, NULL), ST_OK);
	char *m = strstr(buf, "AM=");
	m[1] = 'N';
	ck_assert_int_eq(note_parse(buf, strlen(buf), &n, &err), ST_FORMAT);
	ck_assert_str_eq(err.msg, "signature line 1: signature is not canonical base64");
}
END_TEST

START_TEST(parse_long_signature)
{
	/* An unknown key type's 4 kB signature is fine; padding inside it is not,
	 * wherever the base64 is cut for decoding. */
	enum { RAW = 4096, ENC = B64_LEN(RAW) };
	static uint8_t raw[RAW];
	static char buf[3 + 6 + ENC + 2];
	note n;
	errbuf err = {0};
	memcpy(buf, "a\n\n" ED " k ", 9);
	for (size_t i = 0; i < RAW; i++)
		raw[i] = (uint8_t)i;
	b64_encode(raw, RAW, buf + 9);
	buf[9 + ENC] = '\n';
	ck_assert_int_eq(note_parse(buf, sizeof buf - 1, &n, &err), ST_OK);
	ck_assert(memcmp(n.sigs[0].id, "\0\1\2\3", 4) == 0);
	for (size_t at = 0; at < ENC - 2; at++) { /* it ends in "==" */
		char c = buf[9 + at];
		buf[9 + at] = '=';
		ck_assert_msg(note_parse(buf, sizeof buf - 1, &n, &err) == ST_FORMAT, "at %zu", at);
		buf[9 + at] = c;
	}
	/* A well-formed padded quad ("AAA=", "AA==") anywhere but at the end. */
	for (size_t q = 0; q + 4 < ENC; q += 4) {
		char save[4];
		memcpy(save, buf + 9 + q, 4);
		memcpy(buf + 9 + q, "AAA=", 4);
		ck_assert_msg(note_parse(buf, sizeof buf - 1, &n, &err) == ST_FORMAT, "at %zu", q);
		memcpy(buf + 9 + q, "AA==", 4);
		ck_assert_msg(note_parse(buf, sizeof buf - 1, &n, &err) == ST_FORMAT, "at %zu", q);
		memcpy(buf + 9 + q, save, 4);
	}
}
END_TEST

/* A note with text "a\n" and `count` copies of LINE, in a malloc'd buffer. */
static char *many_lines(size_t count, size_t *len)
{
	size_t ll = strlen(LINE);
	char *buf = malloc(3 + count * ll);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "a\n\n", 3);
	for (size_t i = 0; i < count; i++)
		memcpy(buf + 3 + i * ll, LINE, ll);
	*len = 3 + count * ll;
	return buf;
}

START_TEST(parse_limits)
{
	note n;
	errbuf err = {0};
	size_t len;
	char *buf = many_lines(NOTE_MAX_SIGS, &len);
	ck_assert_int_eq(note_parse(buf, len, &n, &err), ST_OK);
	ck_assert_uint_eq(n.nsigs, NOTE_MAX_SIGS);
	free(buf);

	buf = many_lines(NOTE_MAX_SIGS + 1, &len);
	ck_assert_int_eq(note_parse(buf, len, &n, &err), ST_TOOBIG);
	ck_assert_str_eq(err.msg, "more than 100 signature lines");
	free(buf);

	/* NOTE_MAX_LEN bytes in all is accepted, one more is not. */
	size_t tail = 2 + strlen(LINE);
	buf = malloc(NOTE_MAX_LEN + 1);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 'x', NOTE_MAX_LEN + 1);
	memcpy(buf + NOTE_MAX_LEN - tail, "\n\n" LINE, tail);
	ck_assert_int_eq(note_parse(buf, NOTE_MAX_LEN, &n, &err), ST_OK);
	ck_assert_uint_eq(n.textlen, NOTE_MAX_LEN - tail + 1);
	memmove(buf + 1, buf, NOTE_MAX_LEN);
	ck_assert_int_eq(note_parse(buf, NOTE_MAX_LEN + 1, &n, &err), ST_TOOBIG);
	ck_assert_str_eq(err.msg, "note is longer than 1048576 bytes");
	free(buf);
}
END_TEST

START_TEST(text_valid)
{
	ck_assert(note_text_valid("a\n", 2));
	ck_assert(note_text_valid("a\n\nb\x7f\n", 6));
	ck_assert(note_text_valid("\n", 1));
	ck_assert(!note_text_valid("", 0));
	ck_assert(!note_text_valid("a", 1));
	ck_assert(!note_text_valid("a\tb\n", 4));
	ck_assert(!note_text_valid("a\r\n", 3));
	ck_assert(!note_text_valid("a\0\n", 3));
	ck_assert(!note_text_valid("\xc0\xaf\n", 3));
	ck_assert(!note_text_valid("a\n" ED " b\n", 8));
	ck_assert(note_text_valid(ED "b\n", 5)); /* no space: not a signature line */
}
END_TEST

/* ---- verify ---- */

static key_secret *alice, *bob, *mallory, *alice_again, *alice_other;

static void keys_setup(void)
{
	ck_assert(key_init() == ST_OK);
	alice = seeded("alice.example/custos", 1);
	bob = seeded("bob.example/custos", 2);
	mallory = seeded("mallory.example/custos", 3);
	alice_again = seeded("alice.example/second", 1); /* alice's key, another name */
	alice_other = seeded("alice.example/custos", 4); /* alice's name, another key */
}

static void keys_teardown(void)
{
	key_secret_free(alice);
	key_secret_free(bob);
	key_secret_free(mallory);
	key_secret_free(alice_again);
	key_secret_free(alice_other);
}

#define PUB(k) (*key_secret_public(k))
static const char TEXT[] = "custos test/v1\nindex 7\n\nfree text\n";

START_TEST(verify_ok)
{
	key_public trusted[] = {PUB(bob), PUB(alice)};
	const key_public *who[NOTE_MAX_SIGS];
	size_t nwho = 99, len;
	errbuf err = {0};
	char *buf = sign(TEXT, &alice, 1, &len);
	ck_assert_int_eq(check(buf, len, trusted, 2, 1, who, &nwho, &err), ST_OK);
	ck_assert_uint_eq(nwho, 1);
	ck_assert_ptr_eq(who[0], &trusted[1]);
	ck_assert_int_eq(check(buf, len, trusted, 2, 1, NULL, NULL, NULL), ST_OK);
	free(buf);
}
END_TEST

START_TEST(verify_flipped_text)
{
	key_public trusted[] = {PUB(alice)};
	size_t len;
	errbuf err = {0};
	char *buf = sign(TEXT, &alice, 1, &len);
	buf[3] ^= 0x01;
	ck_assert_int_eq(check(buf, len, trusted, 1, 1, NULL, NULL, &err), ST_BADSIG);
	ck_assert_str_eq(err.msg,
			 "signature line 1: signature by alice.example/custos does not verify");
	free(buf);
}
END_TEST

START_TEST(verify_flipped_sig)
{
	key_public trusted[] = {PUB(alice)};
	size_t len;
	char *buf = sign(TEXT, &alice, 1, &len);
	flip_sig_bit(sigline_at(buf, 0), KEY_ID_LEN + 10);
	ck_assert_int_eq(check(buf, len, trusted, 1, 1, NULL, NULL, NULL), ST_BADSIG);
	free(buf);
}
END_TEST

START_TEST(verify_unknown_ignored)
{
	key_public trusted[] = {PUB(alice)};
	size_t len;
	errbuf err = {0};
	/* alice's name with another key, so another key ID */
	char *buf = sign(TEXT, &alice_other, 1, &len);
	ck_assert_int_eq(check(buf, len, trusted, 1, 1, NULL, NULL, &err), ST_NOSIG);
	ck_assert_str_eq(err.msg, "no signature from a trusted key");
	free(buf);

	/* alice's key ID with a flipped bit */
	buf = sign(TEXT, &alice, 1, &len);
	flip_sig_bit(sigline_at(buf, 0), 0);
	ck_assert_int_eq(check(buf, len, trusted, 1, 1, NULL, NULL, NULL), ST_NOSIG);
	free(buf);

	/* alice's key ID under another name, of the same length */
	buf = sign(TEXT, &alice, 1, &len);
	memcpy(sigline_at(buf, 0) + 4, "alicf", 5);
	ck_assert_int_eq(check(buf, len, trusted, 1, 1, NULL, NULL, NULL), ST_NOSIG);
	free(buf);

	/* the name lookup does not match prefixes */
	buf = sign(TEXT, &alice, 1, &len);
	key_public prefix = trusted[0];
	prefix.name[5] = '\0';
	ck_assert_int_eq(check(buf, len, &prefix, 1, 1, NULL, NULL, NULL), ST_NOSIG);
	free(buf);

	/* an unknown key beside a valid known one */
	key_secret *both[] = {mallory, alice};
	const key_public *who[NOTE_MAX_SIGS];
	size_t nwho;
	buf = sign(TEXT, both, 2, &len);
	ck_assert_int_eq(check(buf, len, trusted, 1, 1, who, &nwho, NULL), ST_OK);
	ck_assert_uint_eq(nwho, 1);
	ck_assert_ptr_eq(who[0], &trusted[0]);
	free(buf);
}
END_TEST

START_TEST(verify_one_bad_rejects)
{
	key_public trusted[] = {PUB(alice), PUB(bob)};
	key_secret *both[] = {alice, bob};
	size_t len;
	errbuf err = {0};
	for (size_t bad_line = 0; bad_line < 2; bad_line++) {
		char *buf = sign(TEXT, both, 2, &len);
		flip_sig_bit(sigline_at(buf, bad_line), KEY_ID_LEN + 63);
		ck_assert_int_eq(check(buf, len, trusted, 2, 1, NULL, NULL, &err), ST_BADSIG);
		ck_assert(strncmp(err.msg, bad_line ? "signature line 2" : "signature line 1",
				  16) == 0);
		free(buf);
	}
}
END_TEST

/* A signature whose base64 holds "//" written as U+0080 (C2 80: valid
 * UTF-8, two bytes, so the length stays a multiple of 4) must not parse:
 * libsodium 1.0.18 decodes every byte 0x80-0xFF as '/', which made the
 * note's bytes changeable without breaking its signature. */
START_TEST(parse_sig_high_bytes)
{
	for (int i = 0; i < 5000; i++) {
		char text[32], *out = NULL;
		size_t outlen = 0;
		int tl = snprintf(text, sizeof text, "entry %d\n", i);
		const key_secret *k[1] = {alice};
		ck_assert_int_eq(note_sign(text, (size_t)tl, k, 1, &out, &outlen, NULL), ST_OK);
		char *sl = strstr(out, "\n\n") + 2, *dd = strstr(sl, "//");
		if (dd == NULL) {
			free(out);
			continue;
		}
		note n;
		errbuf err = {0};
		ck_assert_int_eq(note_parse(out, outlen, &n, NULL), ST_OK);
		dd[0] = (char)0xc2;
		dd[1] = (char)0x80;
		ck_assert_int_eq(note_parse(out, outlen, &n, &err), ST_FORMAT);
		free(out);
		return;
	}
	ck_abort_msg("no signature with \"//\" in 5000 tries");
}
END_TEST

START_TEST(verify_wrong_length)
{
	/* alice's name and key ID with a 63- or 65-byte signature: a known
	 * Ed25519 key whose signature cannot verify. */
	key_public trusted[] = {PUB(alice)};
	for (size_t siglen = 63; siglen <= 65; siglen += 2) {
		uint8_t raw[4 + 65] = {0};
		char line[256], enc[B64_LEN(sizeof raw) + 1];
		memcpy(raw, trusted[0].id, KEY_ID_LEN);
		b64_encode(raw, 4 + siglen, enc);
		int n = snprintf(line, sizeof line, "a\n\n" ED " %s %s\n", trusted[0].name, enc);
		ck_assert(n > 0 && (size_t)n < sizeof line);
		ck_assert_int_eq(check(line, (size_t)n, trusted, 1, 1, NULL, NULL, NULL),
				 ST_BADSIG);
	}
}
END_TEST

START_TEST(verify_need)
{
	key_public trusted[] = {PUB(alice), PUB(bob), PUB(alice_again)};
	const key_public *who[NOTE_MAX_SIGS];
	size_t nwho, len;
	errbuf err = {0};
	char *buf;

	key_secret *two[] = {bob, alice};
	buf = sign(TEXT, two, 2, &len);
	ck_assert_int_eq(check(buf, len, trusted, 3, 2, who, &nwho, &err), ST_OK);
	ck_assert_uint_eq(nwho, 2);
	ck_assert_ptr_eq(who[0], &trusted[1]);
	ck_assert_ptr_eq(who[1], &trusted[0]);
	ck_assert_int_eq(check(buf, len, trusted, 3, 3, who, &nwho, &err), ST_NOSIG);
	ck_assert_str_eq(err.msg, "signed by 2 distinct trusted keys, 3 needed");
	ck_assert_uint_eq(nwho, 0);
	free(buf);

	key_secret *twice[] = {alice, alice};
	buf = sign(TEXT, twice, 2, &len);
	ck_assert_int_eq(check(buf, len, trusted, 3, 2, NULL, NULL, &err), ST_NOSIG);
	ck_assert_str_eq(err.msg, "signed by 1 distinct trusted key, 2 needed");
	ck_assert_int_eq(check(buf, len, trusted, 3, 1, who, &nwho, &err), ST_OK);
	ck_assert_uint_eq(nwho, 1);
	free(buf);

	/* two names on one public key are one person */
	key_secret *renamed[] = {alice, alice_again};
	buf = sign(TEXT, renamed, 2, &len);
	ck_assert_int_eq(check(buf, len, trusted, 3, 2, NULL, NULL, &err), ST_NOSIG);
	ck_assert_int_eq(check(buf, len, trusted, 3, 1, who, &nwho, &err), ST_OK);
	ck_assert_uint_eq(nwho, 1);
	ck_assert_ptr_eq(who[0], &trusted[0]);
	free(buf);

	buf = sign(TEXT, &alice, 1, &len);
	ck_assert_int_eq(check(buf, len, trusted, 3, 2, NULL, NULL, &err), ST_NOSIG);
	ck_assert_int_eq(check(buf, len, trusted, 3, 0, NULL, NULL, &err), ST_USAGE);
	free(buf);
}
END_TEST

START_TEST(verify_duplicates_and_limits)
{
	/* NOTE_MAX_SIGS copies of one line: parses, counts as one signer. */
	key_public trusted[] = {PUB(alice)};
	size_t len, one;
	char *buf = sign("a\n", &alice, 1, &len);
	const char *line = sigline_at(buf, 0);
	size_t ll = strlen(line);
	char *many = malloc(3 + NOTE_MAX_SIGS * ll);
	ck_assert_ptr_nonnull(many);
	memcpy(many, "a\n\n", 3);
	for (size_t i = 0; i < NOTE_MAX_SIGS; i++)
		memcpy(many + 3 + i * ll, line, ll);
	ck_assert_int_eq(check(many, 3 + NOTE_MAX_SIGS * ll, trusted, 1, 1, NULL, &one, NULL),
			 ST_OK);
	ck_assert_uint_eq(one, 1);
	free(many);
	free(buf);
}
END_TEST

START_TEST(verify_sixteen)
{
	key_secret *keys[16];
	key_public trusted[16];
	const key_public *who[NOTE_MAX_SIGS];
	size_t nwho, len;
	for (int i = 0; i < 16; i++) {
		char name[32];
		snprintf(name, sizeof name, "k%02d.example", i);
		keys[i] = seeded(name, (uint8_t)(0x40 + i));
		trusted[15 - i] = PUB(keys[i]);
	}
	char *buf = sign(TEXT, keys, 16, &len);
	ck_assert_int_eq(check(buf, len, trusted, 16, 16, who, &nwho, NULL), ST_OK);
	ck_assert_uint_eq(nwho, 16);
	for (int i = 0; i < 16; i++)
		ck_assert_ptr_eq(who[i], &trusted[15 - i]);
	free(buf);
	for (int i = 0; i < 16; i++)
		key_secret_free(keys[i]);
}
END_TEST

/* ---- sign ---- */

START_TEST(sign_roundtrip)
{
	/* A generated vector: two signers, parsed back, verified with need=2. */
	key_secret *two[] = {alice, bob};
	key_public trusted[] = {PUB(bob), PUB(alice)};
	const key_public *who[NOTE_MAX_SIGS];
	size_t nwho, len, len2;
	note n;
	char *buf = sign(TEXT, two, 2, &len);
	ck_assert_uint_eq(strlen(buf), len);
	ck_assert_int_eq(note_parse(buf, len, &n, NULL), ST_OK);
	ck_assert_uint_eq(n.textlen, strlen(TEXT));
	ck_assert(memcmp(n.text, TEXT, n.textlen) == 0);
	ck_assert_uint_eq(n.nsigs, 2);
	ck_assert(n.sigs[0].namelen == 20 && memcmp(n.sigs[0].name, "alice.example/custos", 20) == 0);
	ck_assert(n.sigs[1].namelen == 18 && memcmp(n.sigs[1].name, "bob.example/custos", 18) == 0);
	ck_assert(memcmp(n.sigs[0].id, trusted[1].id, KEY_ID_LEN) == 0);
	ck_assert(memcmp(n.sigs[1].id, trusted[0].id, KEY_ID_LEN) == 0);
	note_keyset set = {trusted, 2};
	ck_assert_int_eq(note_verify(&n, note_keyset_lookup, &set, 2, who, &nwho, NULL), ST_OK);
	ck_assert_uint_eq(nwho, 2);
	ck_assert_ptr_eq(who[0], &trusted[1]); /* alice signed first */
	ck_assert_ptr_eq(who[1], &trusted[0]);

	char *again = sign(TEXT, two, 2, &len2); /* deterministic */
	ck_assert_uint_eq(len, len2);
	ck_assert(memcmp(buf, again, len) == 0);
	free(again);
	free(buf);
}
END_TEST

START_TEST(sign_rejects)
{
	char *out = (char *)1;
	size_t len = 1;
	errbuf err = {0};
	const key_secret *one[] = {alice};
	static const char *const texts[] = {"", "a", "a\tb\n", "a\r\n", "\xff\n", "a\n" ED " b\n"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		ck_assert_int_eq(note_sign(texts[i], strlen(texts[i]), one, 1, &out, &len, &err),
				 ST_FORMAT);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_int_eq(note_sign("a\n", 2, one, 0, &out, &len, &err), ST_USAGE);
	ck_assert_int_eq(note_sign("a\n", 2, one, NOTE_MAX_SIGS + 1, &out, &len, &err),
			 ST_USAGE);

	/* a text that fits alone but not with its signature line */
	char *big = malloc(NOTE_MAX_LEN);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', NOTE_MAX_LEN);
	big[NOTE_MAX_LEN - 1] = '\n';
	ck_assert(note_text_valid(big, NOTE_MAX_LEN));
	ck_assert_int_eq(note_sign(big, NOTE_MAX_LEN, one, 1, &out, &len, &err), ST_TOOBIG);
	ck_assert_int_eq(note_sign(big, NOTE_MAX_LEN + 1, one, 1, &out, &len, &err), ST_TOOBIG);
	ck_assert_ptr_null(out);
	free(big);
}
END_TEST

/* ---- vectors ---- */

START_TEST(vector_peterneumann)
{
	key_public pub;
	load_vkey(VEC "peterneumann.vkey", &pub);
	ck_assert_str_eq(pub.name, "PeterNeumann");

	size_t seedlen, textlen, notelen, outlen;
	uint8_t typed[33];
	char *seed64 = slurp(VEC "peterneumann.seed", &seedlen, 1);
	ck_assert(b64_decode(seed64, seedlen, typed, sizeof typed, &outlen) == ST_OK);
	ck_assert(outlen == 33 && typed[0] == KEY_TYPE_ED25519);
	key_secret *k = NULL;
	ck_assert(key_from_seed("PeterNeumann", typed + 1, &k, NULL) == ST_OK);
	ck_assert(memcmp(key_secret_public(k)->pk, pub.pk, KEY_PK_LEN) == 0);
	ck_assert(memcmp(key_secret_public(k)->id, pub.id, KEY_ID_LEN) == 0);

	char *text = slurp(VEC "peterneumann.text", &textlen, 0);
	char *want = slurp(VEC "peterneumann.note", &notelen, 0);
	char *out = NULL;
	const key_secret *signer[] = {k};
	ck_assert(note_sign(text, textlen, signer, 1, &out, &outlen, NULL) == ST_OK);
	ck_assert_uint_eq(outlen, notelen);
	ck_assert_str_eq(out, want);

	const key_public *who[NOTE_MAX_SIGS];
	size_t nwho;
	errbuf err = {0};
	ck_assert_int_eq(check(want, notelen, &pub, 1, 1, who, &nwho, &err), ST_OK);
	ck_assert(nwho == 1 && who[0] == &pub);

	free(out);
	free(want);
	free(text);
	free(seed64);
	key_secret_free(k);
}
END_TEST

START_TEST(vector_example_foo)
{
	key_public pub;
	size_t len;
	errbuf err = {0};
	load_vkey(VEC "example-foo.vkey", &pub);
	char *buf = slurp(VEC "example-foo.note", &len, 0);
	status st = check(buf, len, &pub, 1, 1, NULL, NULL, &err);
	ck_assert_msg(st == ST_OK, "%s", err_text(&err, st));
	free(buf);
}
END_TEST

START_TEST(vector_quasimodo)
{
	static const char text[] = "Ognuno sta solo sul cuor della terra\n"
				   "trafitto da un raggio di sole:\n\ned \xc3\xa8 subito sera.\n";
	size_t len;
	note n;
	errbuf err = {0};
	char *buf = slurp(VEC "quasimodo.note", &len, 0);
	ck_assert_int_eq(note_parse(buf, len, &n, &err), ST_OK);
	ck_assert_uint_eq(n.textlen, strlen(text));
	ck_assert(memcmp(n.text, text, n.textlen) == 0);
	ck_assert_uint_eq(n.nsigs, 1);
	ck_assert(n.sigs[0].namelen == 27 &&
		  memcmp(n.sigs[0].name, "quasimodo.example/salvatore", 27) == 0);
	ck_assert(memcmp(n.sigs[0].id, "\x36\x7b\xa0\x4b", 4) == 0);

	key_public other;
	load_vkey(VEC "example-foo.vkey", &other);
	note_keyset set = {&other, 1};
	ck_assert_int_eq(note_verify(&n, note_keyset_lookup, &set, 1, NULL, NULL, &err),
			 ST_NOSIG);
	free(buf);
}
END_TEST

static Suite *note_suite(void)
{
	Suite *s = suite_create("note");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_ok);
	tcase_add_test(tc, parse_spec_permits);
	tcase_add_loop_test(tc, parse_rejects, 0, (int)(sizeof bad_notes / sizeof bad_notes[0]));
	tcase_add_test(tc, parse_bad_padding);
	tcase_add_test(tc, parse_long_signature);
	tcase_add_test(tc, parse_limits);
	tcase_add_test(tc, text_valid);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, verify_ok);
	tcase_add_test(tc, verify_flipped_text);
	tcase_add_test(tc, verify_flipped_sig);
	tcase_add_test(tc, verify_unknown_ignored);
	tcase_add_test(tc, verify_one_bad_rejects);
	tcase_add_test(tc, verify_wrong_length);
	tcase_add_test(tc, parse_sig_high_bytes);
	tcase_add_test(tc, verify_need);
	tcase_add_test(tc, verify_duplicates_and_limits);
	tcase_add_test(tc, verify_sixteen);
	suite_add_tcase(s, tc);

	tc = tcase_create("sign");
	tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, sign_roundtrip);
	tcase_add_test(tc, sign_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, vector_peterneumann);
	tcase_add_test(tc, vector_example_foo);
	tcase_add_test(tc, vector_quasimodo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(note_suite());
}
