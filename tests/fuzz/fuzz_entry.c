/* fuzz_entry: entry_parse and the free-text escaping on arbitrary bytes.
 *
 * Invariants checked on every input:
 * - canonical form: when entry_parse accepts the input, entry_format of the
 *   parsed entry reproduces the input byte for byte;
 * - the parsed free text escapes to exactly the text field of the input,
 *   and unescaping that gives the free text back;
 * - escaping: entry_text_escape accepts exactly valid UTF-8, and
 *   entry_text_unescape(entry_text_escape(x)) == x;
 * - unescaping: whatever entry_text_unescape accepts is the one escaped form
 *   of its result, entry_text_escape(entry_text_unescape(y)) == y;
 * - a rejected input comes with an error message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/entry.h"
#include "../../src/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(key_init() == ST_OK);
	return 0;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* unescape(escape(x)) == x for x = in[0..len); escape fails only if x is
 * not UTF-8.  If want_esc is given, escape(x) must equal it. */
static void check_escape(const char *in, size_t len, const char *want_esc, size_t want_len)
{
	char *esc = NULL, *back = NULL;
	size_t esclen = 0, backlen = 0;
	errbuf err = {0};
	status st = entry_text_escape(in, len, &esc, &esclen, &err);
	if (!utf8_valid(in, len)) {
		FUZZ_CHECK(st == ST_FORMAT && err.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(st == ST_OK && esc != NULL);
	FUZZ_CHECK(esc[esclen] == '\0'); /* "a malloc'd, NUL-terminated string" */
	FUZZ_CHECK(memchr(esc, '\n', esclen) == NULL); /* cannot forge a line */
	if (want_esc != NULL)
		FUZZ_CHECK(same(esc, esclen, want_esc, want_len));
	FUZZ_CHECK(entry_text_unescape(esc, esclen, &back, &backlen, &err) == ST_OK);
	FUZZ_CHECK(same(back, backlen, in, len));
	free(esc);
	free(back);
}

/* escape(unescape(y)) == y whenever unescape accepts y = in[0..len). */
static void check_unescape(const char *in, size_t len)
{
	char *raw = NULL, *again = NULL;
	size_t rawlen = 0, againlen = 0;
	errbuf err = {0};
	status st = entry_text_unescape(in, len, &raw, &rawlen, &err);
	if (st != ST_OK) {
		FUZZ_CHECK(st == ST_FORMAT && err.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(raw != NULL && raw[rawlen] == '\0');
	FUZZ_CHECK(utf8_valid(raw, rawlen));
	FUZZ_CHECK(entry_text_escape(raw, rawlen, &again, &againlen, &err) == ST_OK);
	FUZZ_CHECK(same(again, againlen, in, len));
	free(raw);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	entry e;
	errbuf err = {0};
	status st = entry_parse(in, size, &e, &err);
	if (st == ST_OK) {
		char *out = NULL;
		size_t outlen = 0;
		FUZZ_CHECK(entry_format(&e, &out, &outlen, &err) == ST_OK);
		FUZZ_CHECK(same(out, outlen, in, size));
		free(out);
		size_t need = entry_required_signers(&e);
		FUZZ_CHECK(need == 1 || need == 2);
		/* The last line is "text" or "text <escaped free text>". */
		const char *line = in + size - 1;
		while (line > in && line[-1] != '\n')
			line--;
		FUZZ_CHECK((size_t)(in + size - line) >= 5 && memcmp(line, "text", 4) == 0);
		const char *field = line + 5;
		size_t fieldlen = (size_t)(in + size - 1 - line) - 4;
		fieldlen = fieldlen > 0 ? fieldlen - 1 : 0;
		FUZZ_CHECK(e.textlen > 0 ? fieldlen > 0 : line[4] == '\n');
		if (e.textlen > 0)
			check_escape(e.text, e.textlen, field, fieldlen);
	} else {
		FUZZ_CHECK(err.msg[0] != '\0');
	}
	entry_free(&e);

	/* The escaping functions on the raw input. */
	if (size <= ENTRY_TEXT_MAX) {
		check_escape(in, size, NULL, 0);
		check_unescape(in, size);
	}
	return 0;
}
