/* fuzz_tlog: the C2SP parsers of src/tlog.c that custos-verify runs on an
 * export bundle, on arbitrary bytes.  Every input is tried as each format: a
 * checkpoint body, a signed checkpoint, a cosigner verifier key, a
 * consistency-hash file and a tlog-proof.
 *
 * Invariants checked on every input:
 * - checkpoint body: when tlog_checkpoint_body_parse accepts the input,
 *   tlog_checkpoint_body of the parsed origin, size and root gives back the
 *   input byte for byte (one accepted encoding per checkpoint);
 * - signed checkpoint: tlog_checkpoint_parse's note text is a prefix of the
 *   input and re-formats, from the parsed fields, to exactly that text;
 * - cosignatures, against two fixed witness keys (the TEST-ONLY witnesses
 *   1 and 2 that tests/mkbundle cosigns with): tlog_cosig_verify says
 *   ST_NOSIG exactly when no signature line carries the witness's name and
 *   cosigner key ID (computed here), ST_OK or ST_BADSIG otherwise, with a
 *   time of at most 2^63 - 1 on success; appending a fresh cosignature by
 *   witness 1 (tlog_cosign) turns ST_NOSIG into ST_OK with that time and
 *   leaves ST_OK and ST_BADSIG as they were;
 * - cosigner verifier key: tlog_cosig_vkey_parse accepts only what
 *   tlog_cosig_vkey_format writes back byte for byte, and the parsed key ID
 *   is the cosigner key ID of the parsed name and key;
 * - consistency-hash file: tlog_hashes_parse accepts only what
 *   tlog_hashes_format writes back, one hash per line;
 * - tlog-proof: a parsed proof's extra data and checkpoint lie inside the
 *   input, the checkpoint runs to its end, and when that checkpoint parses
 *   (index below its size, extra without a NUL byte) tlog_proof_format
 *   rebuilds the input byte for byte;
 * - inclusion: tlog_proof_check agrees with a recursive evaluation of
 *   RFC 9162's PATH written here (a different algorithm from merkle.c's):
 *   against the root that evaluation gives it says ST_OK, against any other
 *   root, or a proof of the wrong length, ST_PROOF; the leaf is
 *   SHA-256(0x00 || extra) when the proof carries extra data (what custos
 *   puts there is the entry itself);
 * - every rejection comes with an error message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../keys/key.h"
#include "../../src/b64.h"
#include "../../src/merkle.h"
#include "../../src/note.h"
#include "../../src/tlog.h"
#include "fuzz_util.h"

#define TIME_MAX_S ((uint64_t)INT64_MAX)

static key_secret *witness1;      /* signs the appended cosignatures */
static key_public witnesses[2];   /* TEST-ONLY-witness-1 and -2 */
static note parsed, reparsed;
static tlog_proof parsed_proof;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(key_init() == ST_OK);
	witness1 = fuzz_test_key("TEST-ONLY-witness-1");
	witnesses[0] = *key_secret_public(witness1);
	key_secret *w2 = fuzz_test_key("TEST-ONLY-witness-2");
	witnesses[1] = *key_secret_public(w2);
	key_secret_free(w2);
	return 0;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The body re-formatted from cp's fields must be text[0..len). */
static void check_body_format(const tlog_checkpoint *cp, const char *text, size_t len)
{
	size_t olen = strlen(cp->origin);
	FUZZ_CHECK(olen >= 1 && olen <= TLOG_ORIGIN_MAX);
	char *out = NULL;
	size_t outlen = 0;
	errbuf err = {0};
	FUZZ_CHECK(tlog_checkpoint_body(cp->origin, cp->size, cp->root, &out, &outlen, &err) ==
		   ST_OK);
	FUZZ_CHECK(out != NULL && out[outlen] == '\0');
	FUZZ_CHECK(same(out, outlen, text, len));
	free(out);
}

static void check_body(const char *in, size_t size)
{
	tlog_checkpoint cp;
	errbuf err = {0};
	status st = tlog_checkpoint_body_parse(in, size, &cp, &err);
	if (st == ST_OK)
		check_body_format(&cp, in, size);
	else
		FUZZ_CHECK(st == ST_FORMAT && err.msg[0] != '\0');
}

/* Whether some signature line of n has w's name and cosigner key ID. */
static bool has_cosig_line(const note *n, const key_public *w)
{
	uint8_t id[KEY_ID_LEN];
	size_t namelen = strlen(w->name);
	tlog_cosig_keyid(w->name, namelen, w->pk, id);
	for (size_t i = 0; i < n->nsigs; i++)
		if (same(n->sigs[i].name, n->sigs[i].namelen, w->name, namelen) &&
		    memcmp(n->sigs[i].id, id, KEY_ID_LEN) == 0)
			return true;
	return false;
}

static status check_cosig(const note *n, const key_public *w, uint64_t *time_s)
{
	errbuf err = {0};
	*time_s = UINT64_MAX;
	status st = tlog_cosig_verify(w, n, time_s, &err);
	FUZZ_CHECK((st == ST_NOSIG) == !has_cosig_line(n, w));
	if (st == ST_OK)
		FUZZ_CHECK(*time_s <= TIME_MAX_S);
	else
		FUZZ_CHECK((st == ST_NOSIG || st == ST_BADSIG) && err.msg[0] != '\0');
	return st;
}

/* A cosignature by witness 1 appended to the note in[0..size) (parsed as
 * n) changes its verdict only from ST_NOSIG to ST_OK. */
static void check_append_cosig(const char *in, size_t size, const note *n, status before)
{
	uint8_t h[SHA256_LEN];
	sha256(in, size, h);
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = (t << 8) | h[i];
	t &= TIME_MAX_S;
	char *line = NULL;
	size_t linelen = 0;
	errbuf err = {0};
	FUZZ_CHECK(tlog_cosign(witness1, n->text, n->textlen, t, &line, &linelen, &err) == ST_OK);
	FUZZ_CHECK(line != NULL && line[linelen] == '\0');
	char *both = malloc(size + linelen);
	FUZZ_CHECK(both != NULL);
	memcpy(both, in, size);
	memcpy(both + size, line, linelen);
	free(line);
	tlog_checkpoint cp;
	status st = tlog_checkpoint_parse(both, size + linelen, &cp, &reparsed, &err);
	if (n->nsigs == NOTE_MAX_SIGS || size + linelen > NOTE_MAX_LEN) {
		/* no room for another signature line */
		FUZZ_CHECK(st != ST_OK);
		free(both);
		return;
	}
	FUZZ_CHECK(st == ST_OK && reparsed.nsigs == n->nsigs + 1);
	uint64_t got;
	status after = check_cosig(&reparsed, &witnesses[0], &got);
	if (before == ST_NOSIG)
		FUZZ_CHECK(after == ST_OK && got == t);
	else
		FUZZ_CHECK(after == before);
	free(both);
}

static void check_checkpoint(const char *in, size_t size)
{
	tlog_checkpoint cp, body;
	errbuf err = {0};
	status st = tlog_checkpoint_parse(in, size, &cp, &parsed, &err);
	if (st != ST_OK) {
		FUZZ_CHECK((st == ST_FORMAT || st == ST_TOOBIG) && err.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(parsed.text == in && parsed.textlen < size && parsed.nsigs >= 1);
	FUZZ_CHECK(tlog_checkpoint_body_parse(parsed.text, parsed.textlen, &body, &err) == ST_OK);
	FUZZ_CHECK(memcmp(&body, &cp, sizeof cp) == 0);
	check_body_format(&cp, parsed.text, parsed.textlen);
	uint64_t t;
	status w1 = check_cosig(&parsed, &witnesses[0], &t);
	(void)check_cosig(&parsed, &witnesses[1], &t);
	check_append_cosig(in, size, &parsed, w1);
}

static void check_vkey(const char *in, size_t size)
{
	key_public k;
	errbuf err = {0};
	status st = tlog_cosig_vkey_parse(in, size, &k, &err);
	if (st != ST_OK) {
		FUZZ_CHECK(st == ST_FORMAT && err.msg[0] != '\0');
		return;
	}
	char out[KEY_VKEY_MAX + 1];
	size_t outlen = tlog_cosig_vkey_format(&k, out);
	FUZZ_CHECK(outlen <= KEY_VKEY_MAX);
	FUZZ_CHECK(same(out, outlen, in, size));
	uint8_t id[KEY_ID_LEN];
	tlog_cosig_keyid(k.name, strlen(k.name), k.pk, id);
	FUZZ_CHECK(memcmp(id, k.id, KEY_ID_LEN) == 0);
}

static void check_hashes(const char *in, size_t size)
{
	merkle_hash h[MERKLE_MAX_PROOF];
	size_t n = 99;
	errbuf err = {0};
	status st = tlog_hashes_parse(in, size, h, &n, &err);
	if (st != ST_OK) {
		FUZZ_CHECK(st == ST_FORMAT && err.msg[0] != '\0');
		return;
	}
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += in[i] == '\n';
	FUZZ_CHECK(n == lines && n <= MERKLE_MAX_PROOF);
	char *out = NULL;
	size_t outlen = 0;
	FUZZ_CHECK(tlog_hashes_format(h, n, &out, &outlen, &err) == ST_OK);
	FUZZ_CHECK(out != NULL && out[outlen] == '\0');
	FUZZ_CHECK(same(out, outlen, in, size));
	free(out);
}

/* RFC 9162 PATH(m, D[n]) evaluated from the top: the root of a tree of n
 * leaves in which leaf `index` is `leaf` and the siblings on its path are
 * proof[0..len) (leaf's sibling first, so the top one is proof[len - 1]).
 * False if the proof does not have exactly the path's length. */
static bool path_root(uint64_t index, uint64_t n, const merkle_hash leaf,
		      const merkle_hash *proof, size_t len, merkle_hash out)
{
	if (n == 1) {
		if (len != 0)
			return false;
		memcpy(out, leaf, SHA256_LEN);
		return true;
	}
	if (len == 0)
		return false;
	uint64_t k = 1;
	while (k < n - k) /* the largest power of two below n */
		k <<= 1;
	merkle_hash sub;
	if (index < k) {
		if (!path_root(index, k, leaf, proof, len - 1, sub))
			return false;
		sha256_node(sub, proof[len - 1], out);
	} else {
		if (!path_root(index - k, n - k, leaf, proof, len - 1, sub))
			return false;
		sha256_node(proof[len - 1], sub, out);
	}
	return true;
}

/* tlog_proof_check of p for (index, n) agrees with path_root. */
static void check_inclusion(const tlog_proof *p, uint64_t n, const merkle_hash leaf,
			    const merkle_hash *claimed)
{
	tlog_checkpoint cp = {.origin = "fuzz", .size = n};
	errbuf err = {0};
	merkle_hash want;
	bool ok = p->index < n && path_root(p->index, n, leaf, p->proof, p->prooflen, want);
	if (ok) {
		memcpy(cp.root, want, SHA256_LEN);
		FUZZ_CHECK(tlog_proof_check(p, &cp, leaf, &err) == ST_OK);
		cp.root[p->index % SHA256_LEN] ^= 1;
		FUZZ_CHECK(tlog_proof_check(p, &cp, leaf, &err) == ST_PROOF);
	}
	if (claimed != NULL) {
		memcpy(cp.root, *claimed, SHA256_LEN);
		status st = tlog_proof_check(p, &cp, leaf, &err);
		FUZZ_CHECK(st == (ok && memcmp(want, *claimed, SHA256_LEN) == 0 ? ST_OK : ST_PROOF));
		if (st != ST_OK)
			FUZZ_CHECK(err.msg[0] != '\0');
	}
}

static void check_proof(const char *in, size_t size)
{
	errbuf err = {0};
	status st = tlog_proof_parse(in, size, &parsed_proof, &err);
	if (st != ST_OK) {
		FUZZ_CHECK(st == ST_FORMAT && err.msg[0] != '\0');
		return;
	}
	const tlog_proof *p = &parsed_proof;
	const char *end = in + size;
	FUZZ_CHECK(p->prooflen <= MERKLE_MAX_PROOF);
	FUZZ_CHECK(p->checkpoint > in && p->checkpointlen > 0 &&
		   p->checkpoint + p->checkpointlen == end);
	FUZZ_CHECK(p->checkpoint[-1] == '\n');
	FUZZ_CHECK(p->checkpoint - in >= (ptrdiff_t)sizeof TLOG_PROOF_HEADER);
	FUZZ_CHECK(memcmp(in, TLOG_PROOF_HEADER "\n", sizeof TLOG_PROOF_HEADER) == 0);

	/* The leaf: the extra data's leaf hash if there is extra data. */
	merkle_hash leaf;
	uint8_t *extra = NULL;
	size_t extralen = 0;
	if (p->extra_b64 != NULL) {
		FUZZ_CHECK(p->extra_b64 > in && p->extra_b64 + p->extra_b64len < p->checkpoint);
		FUZZ_CHECK(p->extra_b64len > 0 && p->extra_b64[p->extra_b64len] == '\n');
		extra = malloc(p->extra_b64len + 1);
		FUZZ_CHECK(extra != NULL);
		FUZZ_CHECK(b64_decode(p->extra_b64, p->extra_b64len, extra, p->extra_b64len,
				      &extralen) == ST_OK);
		FUZZ_CHECK(extralen > 0);
		extra[extralen] = '\0';
		sha256_leaf(extra, extralen, leaf);
	} else {
		FUZZ_CHECK(p->extra_b64len == 0);
		sha256_leaf("", 0, leaf);
	}

	tlog_checkpoint cp;
	bool cp_ok = tlog_checkpoint_parse(p->checkpoint, p->checkpointlen, &cp, &parsed, &err) ==
		     ST_OK;
	if (cp_ok)
		check_inclusion(p, cp.size, leaf, &cp.root);
	if (p->index < UINT64_MAX)
		check_inclusion(p, p->index + 1, leaf, NULL);
	if (p->index < UINT64_MAX / 2)
		check_inclusion(p, 2 * p->index + 2, leaf, NULL);

	/* Format the parsed pieces again. */
	if (cp_ok && p->index < cp.size && (extra == NULL || strlen((char *)extra) == extralen)) {
		char *out = NULL;
		size_t outlen = 0;
		FUZZ_CHECK(tlog_proof_format(p->index, p->proof, p->prooflen, p->checkpoint,
					     p->checkpointlen, (const char *)extra, &out, &outlen,
					     &err) == ST_OK);
		FUZZ_CHECK(out != NULL && out[outlen] == '\0');
		FUZZ_CHECK(same(out, outlen, in, size));
		free(out);
	}
	free(extra);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	check_body(in, size);
	check_checkpoint(in, size);
	check_vkey(in, size);
	check_hashes(in, size);
	check_proof(in, size);
	return 0;
}
