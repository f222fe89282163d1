/* fuzz_server: the two checks the custos PostgreSQL extension exposes to
 * what any login may send (src/pg/custos_pg.c), on arbitrary bytes:
 * signers_verify_entry (every appended log entry) and
 * tlog_cosig_line_verify (every stored witness cosignature).
 *
 * The registry is the TEST-ONLY keys that good.log's trust file lists, so
 * the seeds made from good.log reach the accepting path.
 *
 * Invariants checked on every input, taken whole as a stored entry:
 * - the verdict is note_parse's if the note does not parse, an entry
 *   format error if its text is not a canonical entry, signers_check's
 *   otherwise; longer than ENTRY_NOTE_MAX bytes is ST_TOOBIG; every
 *   refusal names its step in the words the extension passes on;
 * - accepted: the text is exactly entry_format of the parsed entry, there
 *   are at least entry_required_signers distinct counted keys, each one a
 *   registry key or the key the entry enrols, each with a signature line in
 *   the note, and note_verify of the same note by the same keys agrees;
 * - whenever the text is a canonical entry, the text signed afresh by the
 *   four registry keys is accepted (the check refuses nothing sound), and
 *   with one signature byte changed in each line it is refused.
 * And split at its last newline into a signed checkpoint and one line:
 * - a line longer than TLOG_COSIG_LINE_MAX, or a checkpoint that does not
 *   parse, is ST_FORMAT; a line accepted for witness 1 names witness 1 and
 *   is ST_NOSIG for witness 2;
 * - a fresh cosignature by witness 1 over the checkpoint (tlog_cosign,
 *   without its newline) is accepted for witness 1 with its time, is
 *   ST_NOSIG for witness 2, and with a signature byte changed is ST_BADSIG;
 * - every refusal comes with an error message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../keys/key.h"
#include "../../src/entry.h"
#include "../../src/note.h"
#include "../../src/signers.h"
#include "../../src/tlog.h"
#include "fuzz_util.h"

#define EM_DASH_SP "\xE2\x80\x94 "

static key_secret *trusted_secret[FUZZ_NTRUSTED];
static key_public trusted[FUZZ_NTRUSTED];
static note_keyset registry = {trusted, FUZZ_NTRUSTED};
static key_secret *witness1;
static key_public witnesses[2];
static note parsed, resigned;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(key_init() == ST_OK);
	for (size_t i = 0; i < FUZZ_NTRUSTED; i++) {
		trusted_secret[i] = fuzz_test_key(fuzz_trusted_names[i]);
		trusted[i] = *key_secret_public(trusted_secret[i]);
	}
	witness1 = fuzz_test_key("TEST-ONLY-witness-1");
	witnesses[0] = *key_secret_public(witness1);
	key_secret *w2 = fuzz_test_key("TEST-ONLY-witness-2");
	witnesses[1] = *key_secret_public(w2);
	key_secret_free(w2);
	return 0;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether key k is one of the registry's or the one e enrols. */
static bool counted_key_known(const entry *e, const key_public *k)
{
	if (k == signers_enrolled(e))
		return true;
	for (size_t i = 0; i < FUZZ_NTRUSTED; i++)
		if (k == &trusted[i])
			return true;
	return false;
}

/* Whether some signature line of n has k's name and key ID. */
static bool has_line(const note *n, const key_public *k)
{
	size_t namelen = strlen(k->name);
	for (size_t i = 0; i < n->nsigs; i++)
		if (n->sigs[i].namelen == namelen && memcmp(n->sigs[i].name, k->name, namelen) == 0 &&
		    memcmp(n->sigs[i].id, k->id, KEY_ID_LEN) == 0)
			return true;
	return false;
}

/* signers_verify_entry of in[0..size); its verdict. */
static status check_entry(const char *in, size_t size, note *n)
{
	entry e;
	const key_public *signers[NOTE_MAX_SIGS];
	size_t nsigners = 99;
	errbuf err = {0};
	status st = signers_verify_entry(in, size, note_keyset_lookup, &registry, n, &e, signers,
					 &nsigners, &err);
	if (st != ST_OK) {
		FUZZ_CHECK(err.msg[0] != '\0');
		if (size > ENTRY_NOTE_MAX) {
			FUZZ_CHECK(st == ST_TOOBIG);
		} else {
			note alone;
			errbuf e2 = {0};
			status pst = note_parse(in, size, &alone, &e2);
			if (pst != ST_OK)
				FUZZ_CHECK(st == pst && starts(err.msg, "the note is not a signed note: "));
			else
				FUZZ_CHECK(starts(err.msg, "the note is not a canonical custos entry: ") ||
					   (starts(err.msg, "entry ") &&
					    (st == ST_NOSIG || st == ST_BADSIG)));
		}
		entry_free(&e);
		return st;
	}
	FUZZ_CHECK(size <= ENTRY_NOTE_MAX);
	char *out = NULL;
	size_t outlen = 0;
	FUZZ_CHECK(entry_format(&e, &out, &outlen, &err) == ST_OK);
	FUZZ_CHECK(outlen == n->textlen && memcmp(out, n->text, outlen) == 0);
	free(out);
	FUZZ_CHECK(nsigners >= entry_required_signers(&e) && nsigners <= n->nsigs);
	for (size_t i = 0; i < nsigners; i++) {
		FUZZ_CHECK(counted_key_known(&e, signers[i]));
		FUZZ_CHECK(has_line(n, signers[i]));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(signers[i]->pk, signers[j]->pk, KEY_PK_LEN) != 0);
	}
	/* note_verify, with the same keys, agrees */
	note_keyset all = {trusted, FUZZ_NTRUSTED};
	key_public keys[FUZZ_NTRUSTED + 1];
	memcpy(keys, trusted, sizeof trusted);
	if (signers_enrolled(&e) != NULL) {
		keys[FUZZ_NTRUSTED] = *signers_enrolled(&e);
		all.nkeys++;
	}
	all.keys = keys;
	size_t nv = 0;
	FUZZ_CHECK(note_verify(n, note_keyset_lookup, &all, nsigners, NULL, &nv, &err) == ST_OK);
	entry_free(&e);
	return st;
}

/* A canonical entry text, signed afresh by the four registry keys: accepted;
 * with a signature byte changed in every line: refused. */
static void check_resigned(const char *text, size_t textlen)
{
	char *signed_note = NULL;
	size_t len = 0;
	errbuf err = {0};
	FUZZ_CHECK(note_sign(text, textlen, (const key_secret *const *)trusted_secret,
			     FUZZ_NTRUSTED, &signed_note, &len, &err) == ST_OK);
	entry e;
	FUZZ_CHECK(entry_parse(text, textlen, &e, &err) == ST_OK);
	size_t need = entry_required_signers(&e);
	entry_free(&e);
	status st = check_entry(signed_note, len, &resigned);
	if (len <= ENTRY_NOTE_MAX && need <= FUZZ_NTRUSTED)
		FUZZ_CHECK(st == ST_OK);
	/* the third base64 character of each line's signature: a signature byte */
	for (char *p = signed_note + textlen; (p = strstr(p, EM_DASH_SP)) != NULL;) {
		char *sp = strchr(p + 4, ' ');
		FUZZ_CHECK(sp != NULL && strlen(sp) > 12);
		sp[8] = sp[8] == 'A' ? 'B' : 'A';
		p = sp;
	}
	FUZZ_CHECK(check_entry(signed_note, len, &resigned) != ST_OK);
	free(signed_note);
}

static status cosig(const char *cp, size_t cplen, const char *line, size_t linelen, int w,
		    uint64_t *t)
{
	errbuf err = {0};
	status st = tlog_cosig_line_verify(cp, cplen, line, linelen, &witnesses[w], t, &err);
	if (st != ST_OK)
		FUZZ_CHECK(err.msg[0] != '\0');
	return st;
}

static void check_cosig(const char *in, size_t size)
{
	size_t cplen = size;
	while (cplen > 0 && in[cplen - 1] != '\n')
		cplen--;
	const char *line = in + cplen;
	size_t linelen = size - cplen;
	uint64_t t = UINT64_MAX;
	tlog_checkpoint c;
	errbuf err = {0};
	bool cp_ok = tlog_checkpoint_parse(in, cplen, &c, &parsed, &err) == ST_OK;
	status s1 = cosig(in, cplen, line, linelen, 0, &t);
	if (linelen > TLOG_COSIG_LINE_MAX || !cp_ok)
		FUZZ_CHECK(s1 == ST_FORMAT);
	if (s1 == ST_OK) {
		FUZZ_CHECK(linelen > 24 && memcmp(line, EM_DASH_SP "TEST-ONLY-witness-1 ", 24) == 0);
		FUZZ_CHECK(cosig(in, cplen, line, linelen, 1, &t) == ST_NOSIG);
	}
	if (!cp_ok)
		return;
	/* a fresh cosignature by witness 1 */
	uint64_t when = (uint64_t)size * 1000003u;
	char *fresh = NULL;
	size_t freshlen = 0;
	FUZZ_CHECK(tlog_cosign(witness1, parsed.text, parsed.textlen, when, &fresh, &freshlen,
			       &err) == ST_OK);
	FUZZ_CHECK(freshlen > 1 && fresh[freshlen - 1] == '\n');
	freshlen--; /* without its newline */
	t = 0;
	FUZZ_CHECK(cosig(in, cplen, fresh, freshlen, 0, &t) == ST_OK && t == when);
	FUZZ_CHECK(cosig(in, cplen, fresh, freshlen, 1, &t) == ST_NOSIG);
	/* base64 character 20 of the line's signature field: bytes 15 to 17,
	 * past the key ID and the time, in the Ed25519 signature */
	char *b64 = strchr(fresh + 4, ' ');
	FUZZ_CHECK(b64 != NULL && strlen(b64) > 21);
	b64[21] = b64[21] == 'A' ? 'B' : 'A';
	FUZZ_CHECK(cosig(in, cplen, fresh, freshlen, 0, &t) == ST_BADSIG);
	free(fresh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	check_entry(in, size, &parsed);
	/* a canonical entry text, whatever its signatures */
	note n;
	errbuf err = {0};
	if (size <= ENTRY_NOTE_MAX && note_parse(in, size, &n, &err) == ST_OK) {
		entry e;
		status st = entry_parse(n.text, n.textlen, &e, &err);
		entry_free(&e);
		if (st == ST_OK)
			check_resigned(n.text, n.textlen);
	}
	check_cosig(in, size);
	return 0;
}
