/* fuzz_logfile: a whole log file of arbitrary bytes.
 *
 * Walks the records with logfile_next, feeds each to note_parse and its
 * text to entry_parse, then runs verify_log (one thread) with the trust file
 * of the generated good.log.  Invariants:
 * - logfile_next returns records inside the input, back to back, and stops
 *   at the clean end (ST_NOTFOUND) or with ST_CORRUPT and a message;
 * - verify_log reaches a verdict; when it says valid, the framing was clean,
 *   every record parsed as a note and an entry, it counted every record,
 *   and its Merkle root and last leaf match ones computed here;
 * - when it says invalid, the failing index is at most the record count
 *   and a reason is given. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../keys/key.h"
#include "../../keys/trust.h"
#include "../../src/entry.h"
#include "../../src/logfile.h"
#include "../../src/merkle.h"
#include "../../src/note.h"
#include "../../src/verify.h"
#include "fuzz_util.h"

static trust trusted;
static note parsed;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(key_init() == ST_OK);
	/* good.keys, built the way mkvectors writes it, read by trust_parse. */
	char text[4 * (KEY_VKEY_MAX + 2)] = "";
	size_t len = 0;
	for (size_t i = 0; i < FUZZ_NTRUSTED; i++) {
		key_secret *k = fuzz_test_key(fuzz_trusted_names[i]);
		len += key_vkey_format(key_secret_public(k), text + len);
		text[len++] = '\n';
		key_secret_free(k);
	}
	FUZZ_CHECK(trust_parse(text, len, &trusted, NULL) == ST_OK);
	FUZZ_CHECK(trusted.nkeys == FUZZ_NTRUSTED);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, nrecs = 0, nparsed = 0;
	errbuf err = {0};
	status st;
	merkle_stream ms = {0};
	merkle_hash leaf = {0};
	const uint8_t *rec;
	size_t reclen;
	while ((st = logfile_next(data, size, &pos, &rec, &reclen, &err)) == ST_OK) {
		FUZZ_CHECK(reclen >= 1 && reclen <= LOGFILE_ENTRY_MAX);
		FUZZ_CHECK(rec >= data + 2 && rec + reclen == data + pos && pos <= size);
		nrecs++;
		sha256_leaf(rec, reclen, leaf);
		merkle_stream_push(&ms, leaf);
		if (note_parse((const char *)rec, reclen, &parsed, &err) != ST_OK)
			continue;
		entry e;
		if (entry_parse(parsed.text, parsed.textlen, &e, &err) == ST_OK)
			nparsed++;
		entry_free(&e);
	}
	bool clean = st == ST_NOTFOUND;
	FUZZ_CHECK(clean ? pos == size : st == ST_CORRUPT && err.msg[0] != '\0');

	verify_opts opts = {.lookup = trust_lookup, .lookup_ctx = &trusted, .threads = 1};
	verify_report rep;
	FUZZ_CHECK(verify_log(data, size, &opts, &rep) == ST_OK);
	FUZZ_CHECK(rep.threads == 1);
	if (rep.valid) {
		FUZZ_CHECK(clean && nrecs > 0 && nparsed == nrecs && rep.entries == nrecs);
		FUZZ_CHECK(rep.signatures >= nrecs && rep.two_person <= nrecs);
		FUZZ_CHECK(rep.first_time_us <= rep.last_time_us);
		merkle_hash root;
		merkle_stream_root(&ms, root);
		FUZZ_CHECK(memcmp(root, rep.root, sizeof root) == 0);
		FUZZ_CHECK(memcmp(leaf, rep.last_leaf, sizeof leaf) == 0);
	} else {
		FUZZ_CHECK(rep.failed_index <= nrecs && rep.reason[0] != '\0');
		FUZZ_CHECK(rep.entries == rep.failed_index);
	}
	return 0;
}
