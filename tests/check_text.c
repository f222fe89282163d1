/* check_text: the small text modules (utf8, b64, safeprint, json, buf) and
 * key names, verifier keys and trust files. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/key.h"
#include "../keys/trust.h"
#include "../src/b64.h"
#include "../src/buf.h"
#include "../src/json.h"
#include "../src/safeprint.h"
#include "../src/utf8.h"

static const char peter[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

START_TEST(utf8_strict)
{
	static const struct {
		const char *s;
		size_t n;
		uint32_t cp;
	} ok[] = {{"A", 1, 0x41}, {"\xc3\xa9", 2, 0xE9}, {"\xe2\x80\x94", 3, 0x2014},
		  {"\xf0\x9f\x94\x91", 4, 0x1F511}, {"\xf4\x8f\xbf\xbf", 4, 0x10FFFF},
		  {"\xc2\x80", 2, 0x80}, {"\xef\xbf\xbf", 3, 0xFFFF}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		uint32_t cp = 0;
		ck_assert_uint_eq(utf8_decode(ok[i].s, strlen(ok[i].s), &cp), ok[i].n);
		ck_assert_uint_eq(cp, ok[i].cp);
	}
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
		"\xc3", "\xe2\x80", "\xf0\x9f\x94", "\xc3\x28"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint32_t cp;
		ck_assert_msg(utf8_decode(bad[i], strlen(bad[i]), &cp) == 0, "bad[%zu] accepted", i);
		ck_assert(!utf8_valid(bad[i], strlen(bad[i])));
	}
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_is_space(0x3000) && utf8_is_space(0xA0) && utf8_is_space(0x2009));
	ck_assert(!utf8_is_space('x') && !utf8_is_space(0x200B));
	ck_assert(utf8_is_bidi_control(0x202E) && utf8_is_bidi_control(0x2066));
	ck_assert(!utf8_is_bidi_control(0x2014));
	static const uint32_t layout[] = {0x2028, 0x2029, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF,
					  0x061C, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066, 0x2069};
	for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++)
		ck_assert_msg(utf8_is_layout_control(layout[i]), "U+%04X", (unsigned)layout[i]);
	static const uint32_t plain[] = {'a', 0xA0, 0x200A, 0x2010, 0x2027, 0x202F, 0x2065, 0xFEFE};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		ck_assert_msg(!utf8_is_layout_control(plain[i]), "U+%04X", (unsigned)plain[i]);
}
END_TEST

/* utf8_encode is utf8_decode's inverse over every scalar value, and writes
 * nothing for surrogates and values past U+10FFFF. */
START_TEST(utf8_encode_roundtrip)
{
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		char out[4] = {0};
		size_t n = utf8_encode(cp, out);
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			ck_assert_uint_eq(n, 0);
			continue;
		}
		uint32_t back = 0;
		/* not ck_assert_msg: each passing check sends Check's parent a
		 * mark point through a pipe, 1.1 million of them here, which
		 * under ASan and a loaded machine ran past the timeout */
		if (!(n >= 1 && n <= 4 && utf8_decode(out, n, &back) == n && back == cp))
			ck_abort_msg("U+%04X does not round-trip", (unsigned)cp);
	}
	char out[4];
	ck_assert_uint_eq(utf8_encode(0x110000, out), 0);
	ck_assert_uint_eq(utf8_encode(0xFFFFFFFF, out), 0);
}
END_TEST

START_TEST(b64_canonical)
{
	uint8_t out[8];
	size_t n;
	char enc[B64_LEN(3) + 1];
	b64_encode((const uint8_t *)"abc", 3, enc);
	ck_assert_str_eq(enc, "YWJj");
	ck_assert_int_eq(b64_decode("YWI=", 4, out, sizeof out, &n), ST_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(out, "ab", 2);
	static const char *const bad[] = {"YWJ=", "YWI", "YWI==", "YW I=", "YWI=\n", "Y-I=",
					  "YQ==YQ==", "====", "YR==", "YWJj\r",
					  /* libsodium 1.0.18 reads bytes 0x80-0xFF as '/':
					   * "YW\x80j" would decode like "YW/j" */
					  "YW\x80j", "YW\xffj", "\xc2\x80\xc2\x80", "YWJ\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(b64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n) != ST_OK,
			      "'%s' accepted", bad[i]);
	/* ... and the right alphabet still decodes */
	ck_assert_int_eq(b64_decode("YW/j", 4, out, sizeof out, &n), ST_OK);
	/* Output buffer too small is refused, not overrun. */
	ck_assert_int_ne(b64_decode("YWJjZGVmZ2hp", 12, out, 8, &n), ST_OK);
}
END_TEST

static char *capture_safe(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	safe_fputs(s, f);
	fclose(f);
	return out;
}

START_TEST(safeprint_escapes)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain caf\xc3\xa9 \xe2\x80\x94 ok", "plain caf\xc3\xa9 \xe2\x80\x94 ok"},
		{"x\x1b[31mred", "x\\x1b[31mred"},
		{"a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd"},
		{"del\x7f", "del\\x7f"},
		{"csi\xc2\x9b", "csi\\u009b"},
		{"rlo\xe2\x80\xae!", "rlo\\u202e!"},
		/* line and paragraph separators, zero-width characters */
		{"l\xe2\x80\xa8p\xe2\x80\xa9", "l\\u2028p\\u2029"},
		{"z\xe2\x80\x8bj\xe2\x80\x8cw\xe2\x80\x8dx", "z\\u200bj\\u200cw\\u200dx"},
		{"w\xe2\x81\xa0" "b\xef\xbb\xbf", "w\\u2060b\\ufeff"},
		/* every bidirectional control */
		{"\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f", "\\u061c\\u200e\\u200f"},
		{"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae",
		 "\\u202a\\u202b\\u202c\\u202d\\u202e"},
		{"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069"},
		/* their neighbours are ordinary text */
		{"\xe2\x80\x8a\xe2\x80\x90\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xef\xbb\xbe",
		 "\xe2\x80\x8a\xe2\x80\x90\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xef\xbb\xbe"},
		{"bad\xff\xfe", "bad\\xff\\xfe"},
		{"cut\xe2\x80", "cut\\xe2\\x80"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = capture_safe(cases[i].in);
		ck_assert_str_eq(got, cases[i].out);
		free(got);
	}
}
END_TEST

START_TEST(json_escapes)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	json_string(f, "q\"b\\n\nc\x01\xff\xc3\xa9", 11);
	fclose(f);
	ck_assert_str_eq(out, "\"q\\\"b\\\\n\\nc\\u0001\\ufffd\xc3\xa9\"");
	free(out);
	/* C1 controls, line and paragraph separators, zero-width characters
	 * and bidirectional controls as \uXXXX; their neighbours as they are */
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"c1\xc2\x85\xc2\x9b", "\"c1\\u0085\\u009b\""},
		{"l\xe2\x80\xa8p\xe2\x80\xa9", "\"l\\u2028p\\u2029\""},
		{"\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0\xef\xbb\xbf",
		 "\"\\u200b\\u200c\\u200d\\u2060\\ufeff\""},
		{"\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa9",
		 "\"\\u061c\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069\""},
		{"\xc2\xa0\xe2\x80\x8a\xe2\x80\xaf\xef\xbb\xbe", "\"\xc2\xa0\xe2\x80\x8a\xe2\x80\xaf\xef\xbb\xbe\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f = open_memstream(&out, &len);
		json_str(f, cases[i].in);
		fclose(f);
		ck_assert_str_eq(out, cases[i].out);
		free(out);
	}
}
END_TEST

START_TEST(buf_builds)
{
	buf b = {0};
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%04d,", i);
	buf_puts(&b, "end");
	ck_assert_int_eq(buf_status(&b), ST_OK);
	size_t len;
	char *s = buf_take(&b, &len);
	ck_assert_uint_eq(len, 5003);
	ck_assert_uint_eq(strlen(s), len);
	ck_assert(strncmp(s, "0000,0001,", 10) == 0);
	ck_assert_str_eq(s + 4995, "0999,end");
	ck_assert_ptr_null(b.data);
	free(s);
	buf empty = {0};
	s = buf_take(&empty, &len);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(key_names)
{
	char name[KEY_NAME_MAX + 2];
	memset(name, 'n', sizeof name);
	ck_assert(key_name_valid(name, KEY_NAME_MAX));
	ck_assert(!key_name_valid(name, KEY_NAME_MAX + 1));
	ck_assert(key_name_valid("caf\xc3\xa9.example/log", 17));
	static const char *const bad[] = {"", "a b", "a+b", "a\tb", "a\xc2\xa0" "b",
					  "a\xe3\x80\x80" "b", "a\x7f", "a\xc2\x9b", "a\xe2\x80\xae",
					  "a\xff", "a\xed\xa0\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!key_name_valid(bad[i], strlen(bad[i])), "bad[%zu] accepted", i);
}
END_TEST

START_TEST(vkey_roundtrip)
{
	key_public k;
	errbuf err = {0};
	ck_assert_int_eq(key_init(), ST_OK);
	ck_assert_msg(key_vkey_parse(peter, strlen(peter), &k, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(k.name, "PeterNeumann");
	char back[KEY_VKEY_MAX + 1];
	ck_assert_uint_eq(key_vkey_format(&k, back), strlen(peter));
	ck_assert_str_eq(back, peter);
	static const char *const bad[] = {
		"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* upper hex */
		"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* wrong ID */
		"PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  /* name */
		"PeterNeumann+c74f20a3+AhpceQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", /* type 2 */
		"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",   /* short */
		"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  /* 7 hex */
		"PeterNeumann+c74f20a3",
		"PeterNeumann",
		"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", /* bits */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(key_vkey_parse(bad[i], strlen(bad[i]), &k, NULL) != ST_OK,
			      "bad[%zu] accepted", i);
	/* Every prefix of a good key is refused. */
	for (size_t n = 0; n < strlen(peter); n++)
		ck_assert_msg(key_vkey_parse(peter, n, &k, NULL) != ST_OK, "prefix %zu accepted", n);
}
END_TEST

START_TEST(trust_files)
{
	trust t;
	errbuf err = {0};
	char text[512];
	snprintf(text, sizeof text, "# oversight trust file\r\n\n%s\r\n", peter);
	ck_assert_msg(trust_parse(text, strlen(text), &t, &err) == ST_OK, "%s", err.msg);
	ck_assert_uint_eq(t.nkeys, 1);
	const key_public *k = trust_lookup(&t, "PeterNeumann", 12, t.keys[0].id);
	ck_assert_ptr_eq(k, &t.keys[0]);
	ck_assert_ptr_null(trust_lookup(&t, "PeterNeuman", 11, t.keys[0].id));
	uint8_t other[4] = {0};
	ck_assert_ptr_null(trust_lookup(&t, "PeterNeumann", 12, other));
	trust_free(&t);

	snprintf(text, sizeof text, "%s\n%s\n", peter, peter);
	ck_assert_int_eq(trust_parse(text, strlen(text), &t, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 2"));
	trust_free(&t);
	snprintf(text, sizeof text, "%s\n\n  %s\n", peter, peter);
	ck_assert_int_eq(trust_parse(text, strlen(text), &t, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 3"));
	trust_free(&t);
	ck_assert_int_eq(trust_load("/nonexistent/trust", &t, &err), ST_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/trust"));
	trust_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, utf8_strict);
	tcase_add_test(tc, utf8_encode_roundtrip);
	tcase_add_test(tc, b64_canonical);
	tcase_add_test(tc, safeprint_escapes);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, buf_builds);
	tcase_add_test(tc, key_names);
	tcase_add_test(tc, vkey_roundtrip);
	tcase_add_test(tc, trust_files);
	suite_add_tcase(s, tc);
	return check_run(s);
}
