/* fuzz_note: note_parse, note_verify and note_sign on arbitrary bytes.
 *
 * Invariants checked on every input:
 * - a parsed note's text is a prefix of the input that ends with '\n' and
 *   passes note_text_valid; the blank line follows it; every signature line's
 *   name and base64 lie within the input after the text;
 * - the input is exactly text, "\n", then "— name b64\n" per signature line
 *   (nothing is skipped or normalised);
 * - note_verify against a fixed key set never crashes, and what it reports
 *   is consistent (signers are distinct, needing 2 passes only if 1 does);
 * - any text note_text_valid accepts (the parsed text, or the whole input)
 *   can be signed, and the signed note parses back to the same text and
 *   verifies with the signing key;
 * - a rejected input comes with an error message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../keys/key.h"
#include "../../src/note.h"
#include "fuzz_util.h"

#define EM_DASH_SP "\xE2\x80\x94 "

/* The fixed key set: the TEST-ONLY keys of good.log and the published keys
 * of tests/vectors/note/. */
static const char *const vkeys[] = {
	"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
};
#define NVKEYS (sizeof vkeys / sizeof vkeys[0])
static key_public keyset_keys[FUZZ_NTRUSTED + NVKEYS];
static note_keyset keyset = {keyset_keys, 0};
static key_secret *signer; /* signs texts for the round trip */
static note parsed, resigned;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(key_init() == ST_OK);
	for (size_t i = 0; i < FUZZ_NTRUSTED; i++) {
		key_secret *k = fuzz_test_key(fuzz_trusted_names[i]);
		keyset_keys[keyset.nkeys++] = *key_secret_public(k);
		key_secret_free(k);
	}
	for (size_t i = 0; i < NVKEYS; i++)
		FUZZ_CHECK(key_vkey_parse(vkeys[i], strlen(vkeys[i]),
					  &keyset_keys[keyset.nkeys++], NULL) == ST_OK);
	signer = fuzz_test_key("TEST-ONLY-fuzz");
	return 0;
}

/* The input must be the parsed pieces put back together, byte for byte. */
static void check_layout(const char *in, size_t size, const note *n)
{
	const char *end = in + size;
	FUZZ_CHECK(n->text == in);
	FUZZ_CHECK(n->textlen > 0 && n->textlen < size);
	FUZZ_CHECK(n->text[n->textlen - 1] == '\n');
	FUZZ_CHECK(note_text_valid(n->text, n->textlen));
	FUZZ_CHECK(n->nsigs >= 1 && n->nsigs <= NOTE_MAX_SIGS);
	const char *p = in + n->textlen;
	FUZZ_CHECK(*p++ == '\n'); /* the blank line */
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		FUZZ_CHECK(s->namelen > 0 && s->b64len > 0 && s->b64len % 4 == 0);
		FUZZ_CHECK(s->name >= in + n->textlen && s->name + s->namelen <= end);
		FUZZ_CHECK(s->b64 >= in + n->textlen && s->b64 + s->b64len <= end);
		FUZZ_CHECK((size_t)(end - p) >= 4 && memcmp(p, EM_DASH_SP, 4) == 0);
		p += 4;
		FUZZ_CHECK(s->name == p);
		p += s->namelen;
		FUZZ_CHECK(p < end && *p++ == ' ');
		FUZZ_CHECK(s->b64 == p);
		p += s->b64len;
		FUZZ_CHECK(p < end && *p++ == '\n');
	}
	FUZZ_CHECK(p == end);
}

/* note_verify never crashes and reports consistently for need = 1 and 2. */
static void check_verify(const note *n)
{
	const key_public *signers[NOTE_MAX_SIGS];
	size_t nsigners = 99;
	errbuf err = {0};
	status one = note_verify(n, note_keyset_lookup, &keyset, 1, signers, &nsigners, &err);
	if (one == ST_OK) {
		FUZZ_CHECK(nsigners >= 1 && nsigners <= n->nsigs);
		for (size_t i = 0; i < nsigners; i++)
			for (size_t j = i + 1; j < nsigners; j++)
				FUZZ_CHECK(memcmp(signers[i]->pk, signers[j]->pk, KEY_PK_LEN) != 0);
	} else {
		FUZZ_CHECK(one == ST_BADSIG || one == ST_NOSIG);
		FUZZ_CHECK(nsigners == 0 && err.msg[0] != '\0');
	}
	status two = note_verify(n, note_keyset_lookup, &keyset, 2, NULL, NULL, &err);
	FUZZ_CHECK(two != ST_OK || (one == ST_OK && nsigners >= 2));
	FUZZ_CHECK(one != ST_OK || nsigners < 2 || two == ST_OK);
}

/* Signing a valid text gives a note that parses to that text and verifies. */
static void check_sign(const char *text, size_t len)
{
	char *out = NULL;
	size_t outlen = 0;
	errbuf err = {0};
	const key_secret *keys[1] = {signer};
	status st = note_sign(text, len, keys, 1, &out, &outlen, &err);
	if (st == ST_TOOBIG) /* the text fits, the signature line does not */
		return;
	FUZZ_CHECK(st == ST_OK && out != NULL && out[outlen] == '\0');
	FUZZ_CHECK(note_parse(out, outlen, &resigned, &err) == ST_OK);
	FUZZ_CHECK(resigned.textlen == len && memcmp(resigned.text, text, len) == 0);
	FUZZ_CHECK(resigned.nsigs == 1);
	note_keyset mine = {key_secret_public(signer), 1};
	FUZZ_CHECK(note_verify(&resigned, note_keyset_lookup, &mine, 1, NULL, NULL, &err) ==
		   ST_OK);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	errbuf err = {0};
	status st = note_parse(in, size, &parsed, &err);
	if (st == ST_OK) {
		check_layout(in, size, &parsed);
		check_verify(&parsed);
		check_sign(parsed.text, parsed.textlen);
	} else {
		FUZZ_CHECK(st == ST_FORMAT || st == ST_TOOBIG);
		FUZZ_CHECK(err.msg[0] != '\0');
	}
	/* The whole input as a note text. */
	if (note_text_valid(in, size))
		check_sign(in, size);
	return 0;
}
