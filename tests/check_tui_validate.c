/* check_tui_validate: the forms' field validators (tui/validate.c) agree
 * with the ledger's rules and refuse hostile input in words. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../keys/keyfile.h"
#include "../src/ledger.h"
#include "../tui/form.h"
#include "../tui/passentry.h"
#include "../tui/validate.h"
#include "../src/utf8.h"
#include "check_run.h"
#include "testkey.h"

static bool utf8_valid_for_test(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static status last;
static errbuf err;
#define GOOD(call) ck_assert_msg((last = (call)) == ST_OK, "%s: %s", #call, err_text(&err, last))
#define BAD(call)                                                                       \
	do {                                                                            \
		err.msg[0] = '\0';                                                      \
		ck_assert_msg((last = (call)) != ST_OK, "accepted: %s", #call);        \
		ck_assert_msg(err.msg[0] != '\0', "no words for: %s", #call);          \
		ck_assert_msg(strncmp(err.msg, "item", 4) != 0, "ledger prefix kept: %s", \
			      err.msg);                                                 \
	} while (0)

START_TEST(test_account)
{
	GOOD(validate_account("123456", false, &err));
	GOOD(validate_account("COR", true, &err));
	BAD(validate_account("COR", false, &err));
	BAD(validate_account("", false, &err));
	ck_assert_int_eq(last, ST_USAGE);
	BAD(validate_account("12345", false, &err));
	BAD(validate_account("1234567", false, &err));
	BAD(validate_account("12345a", false, &err));
	BAD(validate_account("12 456", false, &err));
	BAD(validate_account("cor", true, &err));
	BAD(validate_account("123456'; DROP TABLE item; --", false, &err));
	ck_assert_msg(strstr(err.msg, "six digits") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_identity)
{
	GOOD(validate_serial("0042", true, &err));
	GOOD(validate_serial("A-1/2.3", true, &err));
	GOOD(validate_serial("", false, &err));
	BAD(validate_serial("", true, &err));
	BAD(validate_serial("a b", true, &err));
	BAD(validate_serial("-1", true, &err));
	BAD(validate_serial("x;y", true, &err));
	BAD(validate_serial("\xff", true, &err));
	BAD(validate_serial("123456789012345678901234567890123", true, &err));
	GOOD(validate_title("KG-175D", &err));
	GOOD(validate_title("AKAT 1234", &err));
	BAD(validate_title("", &err));
	BAD(validate_title(" KG", &err));
	BAD(validate_title("KG  175", &err));
	BAD(validate_title("KG\n175", &err));
	BAD(validate_title("KG'175", &err));
	BAD(validate_title("Ünïcode", &err));
	BAD(validate_title("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", &err));
	GOOD(validate_edition("", &err));
	GOOD(validate_edition("3", &err));
	BAD(validate_edition("3 A", &err));
	BAD(validate_edition("12345678901234567", &err));
}
END_TEST

START_TEST(test_facts)
{
	item_kind k;
	item_class c;
	int alc;
	uint32_t q, d;
	bool cr;
	GOOD(validate_kind("key", &k, &err));
	ck_assert_int_eq(k, KIND_KEY);
	GOOD(validate_kind("publication", &k, &err));
	ck_assert_int_eq(k, KIND_PUBLICATION);
	BAD(validate_kind("keys", &k, &err));
	BAD(validate_kind("key title=X", &k, &err));
	BAD(validate_kind("", &k, &err));
	GOOD(validate_class("TS", &c, &err));
	ck_assert_int_eq(c, CLASS_TS);
	BAD(validate_class("ts", &c, &err));
	BAD(validate_class("SECRET", &c, &err));
	GOOD(validate_alc("6", &alc, &err));
	ck_assert_int_eq(alc, 6);
	GOOD(validate_alc("", &alc, &err));
	ck_assert_int_eq(alc, 0);
	BAD(validate_alc("3", &alc, &err));
	BAD(validate_alc("11", &alc, &err));
	BAD(validate_alc("1 =", &alc, &err));
	GOOD(validate_qty("25", &q, &err));
	ck_assert_uint_eq(q, 25);
	GOOD(validate_qty("", &q, &err));
	ck_assert_uint_eq(q, 1);
	BAD(validate_qty("0", &q, &err));
	BAD(validate_qty("1000001", &q, &err));
	BAD(validate_qty("-1", &q, &err));
	BAD(validate_qty("99999999999999999999", &q, &err));
	BAD(validate_qty("1e3", &q, &err));
	GOOD(validate_date("2026-02-28", &d, &err));
	ck_assert_uint_eq(d, 20260228);
	GOOD(validate_date("", &d, &err));
	ck_assert_uint_eq(d, 0);
	BAD(validate_date("2026-02-30", &d, &err));
	BAD(validate_date("2026-2-3", &d, &err));
	BAD(validate_date("1969-12-31", &d, &err));
	GOOD(validate_crypto("yes", &cr, &err));
	ck_assert(cr);
	BAD(validate_crypto("y", &cr, &err));
	entry_category cat;
	GOOD(validate_category("physical", &cat, &err));
	ck_assert_int_eq(cat, CAT_PHYSICAL);
	BAD(validate_category("lost", &cat, &err));
	BAD(validate_category("", &cat, &err));
	GOOD(validate_txn("123456-2026-0004", &err));
	BAD(validate_txn("123456-2026-4", &err));
	BAD(validate_txn("", &err));
	BAD(validate_txn("123456-2026-0004 ", &err));
	GOOD(validate_person("wendy", &err));
	GOOD(validate_person("rené", &err));
	BAD(validate_person("wen dy", &err));
	BAD(validate_person("a+b", &err));
	BAD(validate_person("", &err));
}
END_TEST

/* A whole item agrees with ledger_parse_item on the same fields. */
START_TEST(test_item)
{
	entry_item it;
	validate_item_fields f = {.title = "KG-175D", .serial = "0042", .cls = "C"};
	GOOD(validate_item(&f, &it, &err));
	ck_assert_int_eq(it.alc, 1);
	ck_assert_int_eq(it.kind, KIND_EQUIPMENT);
	ck_assert_int_eq(it.cls, CLASS_C);
	ck_assert_str_eq(it.serial, "0042");
	f = (validate_item_fields){.title = "AKAT 1234", .edition = "7", .serial = "A1",
				   .kind = "key", .cls = "TS", .alc = "6", .crypto = "yes",
				   .effective = "2026-01-01", .supersedes = "2026-02-01"};
	GOOD(validate_item(&f, &it, &err));
	ck_assert_str_eq(it.title, "AKAT 1234");
	ck_assert_str_eq(it.edition, "7");
	ck_assert_uint_eq(it.supersedes, 20260201);
	ck_assert(it.crypto);
	entry_item same;
	errbuf e2 = {0};
	ck_assert_int_eq(ledger_parse_item("kind=key class=TS alc=6 crypto=yes serial=A1 edition=7 "
					   "effective=2026-01-01 supersedes=2026-02-01 title=AKAT 1234",
					   false, &same, &e2), ST_OK);
	ck_assert_int_eq(memcmp(&it, &same, sizeof it), 0);
	/* rules across fields, in the ledger's words */
	f = (validate_item_fields){.title = "KG-175D", .alc = "6", .serial = "1"};
	BAD(validate_item(&f, &it, &err));
	ck_assert_msg(strstr(err.msg, "electronic key") != NULL, "%s", err.msg);
	f = (validate_item_fields){.title = "KG-175D", .alc = "1"};
	BAD(validate_item(&f, &it, &err));
	ck_assert_msg(strstr(err.msg, "serial") != NULL, "%s", err.msg);
	f = (validate_item_fields){.title = "K", .kind = "key", .serial = "1",
				   .effective = "2026-02-01", .supersedes = "2026-01-01"};
	BAD(validate_item(&f, &it, &err));
	ck_assert_msg(strstr(err.msg, "before") != NULL, "%s", err.msg);
	f = (validate_item_fields){.title = "K", .serial = "1", .effective = "2026-02-01"};
	BAD(validate_item(&f, &it, &err));
	f = (validate_item_fields){.title = "K", .serial = "1", .crypto = "yes"};
	BAD(validate_item(&f, &it, &err));
	f = (validate_item_fields){.title = "K", .serial = "1 title=Y"};
	BAD(validate_item(&f, &it, &err));
	f = (validate_item_fields){.title = "K title=Y", .serial = "1"};
	BAD(validate_item(&f, &it, &err));
	f = (validate_item_fields){.title = NULL};
	BAD(validate_item(&f, &it, &err));
	/* quantity-accounted: no serial, ALC 2 by default */
	f = (validate_item_fields){.title = "KAO 12", .kind = "publication", .qty = "25"};
	GOOD(validate_item(&f, &it, &err));
	ck_assert_int_eq(it.alc, 2);
	ck_assert_uint_eq(it.qty, 25);
}
END_TEST

START_TEST(test_text)
{
	GOOD(validate_text("", 0, 200, false, &err));
	BAD(validate_text("", 0, 200, true, &err));
	const char *q = "lost in transit, «quoted» \"ok\" 'ok' \\ ok";
	GOOD(validate_text(q, strlen(q), 200, true, &err));
	const char *u = "caché au coffre 金庫";
	GOOD(validate_text(u, strlen(u), 200, true, &err));
	BAD(validate_text("a\nb", 3, 200, true, &err));
	BAD(validate_text("a\tb", 3, 200, true, &err));
	BAD(validate_text("a\x1b[2Jb", 6, 200, true, &err));
	BAD(validate_text("a\x7f", 2, 200, true, &err));
	BAD(validate_text("a\0b", 3, 200, true, &err));
	BAD(validate_text("bad \xff", 5, 200, true, &err));
	BAD(validate_text("\xc0\xaf", 2, 200, true, &err));         /* overlong '/' */
	BAD(validate_text("\xed\xa0\x80", 3, 200, true, &err));     /* surrogate */
	BAD(validate_text("a\xe2\x80\xae" "b", 5, 200, true, &err));   /* U+202E */
	BAD(validate_text("\xc2\x85", 2, 200, true, &err));         /* C1 NEL */
	size_t big = ENTRY_TEXT_MAX + 1;
	char *s = malloc(big);
	ck_assert_ptr_nonnull(s);
	memset(s, 'x', big);
	BAD(validate_text(s, big, (size_t)-1, true, &err));
	GOOD(validate_text(s, big - 1, (size_t)-1, true, &err));
	BAD(validate_text(s, 201, 200, true, &err));
	free(s);
}
END_TEST

/* The paperwork's details: an address, rank, position, an outside
 * account's name; and the COR account of an account here. */
START_TEST(test_detail)
{
	GOOD(validate_detail("", "the address", ENTRY_DETAIL_MAX, false, &err));
	BAD(validate_detail("", "the address", ENTRY_DETAIL_MAX, true, &err));
	ck_assert_str_eq(err.msg, "give the address");
	GOOD(validate_detail("1 \"Quay\" Rd, Halifax 'NS' \\", "the address", ENTRY_DETAIL_MAX,
			     true, &err));
	GOOD(validate_detail("Adjudant-chef, 通信", "the rank", ENTRY_DETAIL_MAX, true, &err));
	BAD(validate_detail("Pier\n4", "the address", ENTRY_DETAIL_MAX, true, &err));
	ck_assert_str_eq(err.msg, "the address has a control character (byte 5)");
	BAD(validate_detail("a\x1b[2J", "the rank", ENTRY_DETAIL_MAX, true, &err));
	BAD(validate_detail("bad \xff", "the position", ENTRY_DETAIL_MAX, true, &err));
	ck_assert_str_eq(err.msg, "the position is not valid UTF-8");
	BAD(validate_detail("a\xe2\x80\xae" "b", "the name", 200, true, &err));
	char big[ENTRY_DETAIL_MAX + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	BAD(validate_detail(big, "the address", ENTRY_DETAIL_MAX, true, &err));
	ck_assert_str_eq(err.msg, "the address is 257 bytes; at most 256");
	big[ENTRY_DETAIL_MAX] = '\0';
	GOOD(validate_detail(big, "the address", ENTRY_DETAIL_MAX, true, &err));

	GOOD(validate_cor_account("", &err));
	GOOD(validate_cor_account("100001", &err));
	BAD(validate_cor_account("COR", &err));
	BAD(validate_cor_account("10000", &err));
	BAD(validate_cor_account("12x456", &err));
	BAD(validate_cor_account("1000011", &err));
}
END_TEST

START_TEST(test_key_path)
{
	char dir[] = "/tmp/check_tui_validate_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128], loose[128], junk[128];
	snprintf(path, sizeof path, "%s/wendy.key", dir);
	snprintf(loose, sizeof loose, "%s/loose.key", dir);
	snprintf(junk, sizeof junk, "%s/junk", dir);
	key_secret *k = test_key("wendy");
	static const keyfile_kdf cheap = {1, 8192};
	errbuf e = {0};
	ck_assert_int_eq(keyfile_create_kdf(path, k, "pw", 2, &cheap, &e), ST_OK);
	ck_assert_int_eq(keyfile_create_kdf(loose, k, "pw", 2, &cheap, &e), ST_OK);
	ck_assert_int_eq(chmod(loose, 0644), 0);
	int fd = open(junk, O_CREAT | O_WRONLY | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a key\n", 10), 10);
	close(fd);
	key_public pub;
	GOOD(validate_key_path(path, &pub, &err));
	ck_assert_str_eq(pub.name, "wendy");
	BAD(validate_key_path("", &pub, &err));
	BAD(validate_key_path("/nonexistent/x.key", &pub, &err));
	ck_assert_msg(strstr(err.msg, "no such file") != NULL, "%s", err.msg);
	BAD(validate_key_path(loose, &pub, &err));
	ck_assert_msg(strstr(err.msg, "chmod 600") != NULL, "%s", err.msg);
	BAD(validate_key_path(junk, &pub, &err));
	BAD(validate_key_path(dir, &pub, &err));
	/* another user's (only root can make one) */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 65534, (gid_t)-1), 0);
		BAD(validate_key_path(path, &pub, &err));
		ck_assert_msg(strstr(err.msg, "another user") != NULL, "%s", err.msg);
	}
	unlink(path);
	unlink(loose);
	unlink(junk);
	rmdir(dir);
	key_secret_free(k);
}
END_TEST


/* ---- editing a form field (no screen needed) ------------------------------- */

static status check_serial_req(const char *v, errbuf *e)
{
	return validate_serial(v, true, e);
}

START_TEST(test_field_edit)
{
	form_field fl;
	memset(&fl, 0, sizeof fl);
	fl.max = 12;
	fl.check = check_serial_req;
	form_field_set(&fl, "");
	ck_assert_msg(fl.error[0] != '\0', "an empty required field says so");
	form_field_insert(&fl, 'A');
	form_field_insert(&fl, '1');
	ck_assert_str_eq(fl.value, "A1");
	ck_assert_str_eq(fl.error, "");
	form_field_insert(&fl, ' ');                /* not in a serial: said at once */
	ck_assert_msg(strstr(fl.error, "serial") != NULL, "%s", fl.error);
	form_field_backspace(&fl);
	ck_assert_str_eq(fl.error, "");
	/* UTF-8: a character is inserted, erased and stepped over whole */
	fl.check = NULL;
	form_field_set(&fl, "");
	form_field_insert(&fl, 0xe9);               /* é, 2 bytes */
	form_field_insert(&fl, 0x91d1);             /* 金, 3 bytes, 2 columns */
	form_field_insert(&fl, 0x1f512);            /* 🔒, 4 bytes */
	ck_assert_str_eq(fl.value, "é金🔒");
	ck_assert_uint_eq(fl.len, 9);
	form_field_left(&fl);
	ck_assert_uint_eq(fl.cur, 5);
	form_field_left(&fl);
	ck_assert_uint_eq(fl.cur, 2);
	form_field_insert(&fl, 'x');
	ck_assert_str_eq(fl.value, "éx金🔒");
	form_field_backspace(&fl);
	form_field_backspace(&fl);
	ck_assert_str_eq(fl.value, "金🔒");
	ck_assert_uint_eq(fl.cur, 0);
	form_field_backspace(&fl);                  /* at the start: nothing */
	ck_assert_str_eq(fl.value, "金🔒");
	form_field_delete(&fl);
	ck_assert_str_eq(fl.value, "🔒");
	form_field_right(&fl);
	ck_assert_uint_eq(fl.cur, 4);
	form_field_right(&fl);
	ck_assert_uint_eq(fl.cur, 4);
	/* surrogates and code points beyond Unicode are not text */
	form_field_insert(&fl, 0xd800);
	form_field_insert(&fl, 0x110000);
	ck_assert_str_eq(fl.value, "🔒");
	/* the field takes at most max bytes, and never half a character */
	for (int i = 0; i < 20; i++)
		form_field_insert(&fl, 0x91d1);
	ck_assert_uint_le(fl.len, fl.max);
	ck_assert_uint_eq(fl.len, 10);
	ck_assert(utf8_valid_for_test(fl.value));
	form_field_set(&fl, "abcdefghijk\xc3\xa9");   /* 13 bytes: cut before the é, not inside */
	ck_assert_str_eq(fl.value, "abcdefghijk");
}
END_TEST

START_TEST(test_passentry)
{
	passentry p = {0};
	ck_assert_int_eq(passentry_init(&p), ST_OK);
	ck_assert_int_eq(passentry_key(&p, '\r'), PASS_IGNORED); /* nothing typed yet */
	const char *pw = "pässwörd 金";
	/* type it as code points */
	for (const unsigned char *s = (const unsigned char *)pw; *s;) {
		unsigned cp;
		int n;
		if (*s < 0x80) { cp = *s; n = 1; }
		else if (*s < 0xe0) { cp = (unsigned)(*s & 0x1f) << 6 | (s[1] & 0x3f); n = 2; }
		else { cp = (unsigned)(*s & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f); n = 3; }
		ck_assert_int_eq(passentry_key(&p, (int)cp), PASS_MORE);
		s += n;
	}
	ck_assert_uint_eq(p.len, strlen(pw));
	ck_assert_int_eq(memcmp(p.buf, pw, p.len), 0);
	/* function keys and controls are not typed */
	ck_assert_int_eq(passentry_key(&p, TUI_FN(KEY_F(2))), PASS_IGNORED);
	ck_assert_int_eq(passentry_key(&p, 0x01), PASS_IGNORED);
	ck_assert_uint_eq(p.len, strlen(pw));
	/* backspace erases a whole character */
	ck_assert_int_eq(passentry_key(&p, TUI_FN(KEY_BACKSPACE)), PASS_MORE);
	ck_assert_uint_eq(p.len, strlen(pw) - 3);
	ck_assert_int_eq(passentry_key(&p, 0x91d1), PASS_MORE);
	ck_assert_int_eq(passentry_key(&p, '\r'), PASS_DONE);
	ck_assert_int_eq(passentry_key(&p, TUI_ESC), PASS_CANCEL);
	/* unseal a key file with it: right, then wrong; the typing is wiped */
	char dir[] = "/tmp/check_tui_pass_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[96];
	snprintf(path, sizeof path, "%s/k.key", dir);
	key_secret *k = test_key("alice");
	static const keyfile_kdf cheap = {1, 8192};
	errbuf e = {0};
	ck_assert_int_eq(keyfile_create_kdf(path, k, pw, strlen(pw), &cheap, &e), ST_OK);
	key_secret *got = NULL;
	ck_assert_int_eq(passentry_unseal(&p, path, &got, &e), ST_OK);
	ck_assert_str_eq(key_secret_public(got)->name, "alice");
	ck_assert_uint_eq(p.len, 0);
	for (size_t i = 0; i <= PASSPHRASE_MAX; i++)
		ck_assert_int_eq(p.buf[i], 0);
	key_secret_free(got);
	ck_assert_int_eq(passentry_unseal(&p, path, &got, &e), ST_USAGE); /* nothing typed */
	ck_assert_int_eq(passentry_key(&p, 'x'), PASS_MORE);
	ck_assert_int_eq(passentry_unseal(&p, path, &got, &e), ST_BADPASS);
	ck_assert_ptr_null(got);
	/* Ctrl-U erases all; the length is bounded */
	for (int i = 0; i < PASSPHRASE_MAX + 10; i++)
		(void)passentry_key(&p, 'a');
	ck_assert_uint_eq(p.len, PASSPHRASE_MAX);
	ck_assert_int_eq(passentry_key(&p, TUI_CTRL('u')), PASS_MORE);
	ck_assert_uint_eq(p.len, 0);
	passentry_free(&p);
	ck_assert_ptr_null(p.buf);
	passentry_free(&p); /* twice is harmless */
	unlink(path);
	rmdir(dir);
	key_secret_free(k);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tui_validate");
	TCase *t = tcase_create("fields");
	tcase_add_test(t, test_account);
	tcase_add_test(t, test_identity);
	tcase_add_test(t, test_facts);
	tcase_add_test(t, test_item);
	tcase_add_test(t, test_text);
	tcase_add_test(t, test_detail);
	tcase_add_test(t, test_key_path);
	suite_add_tcase(s, t);
	t = tcase_create("editing");
	tcase_add_test(t, test_field_edit);
	tcase_add_test(t, test_passentry);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	if (key_init() != ST_OK)
		return EXIT_FAILURE;
	return check_run(suite());
}
