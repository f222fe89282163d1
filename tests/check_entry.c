/* check_entry: the log entry format v1 (src/entry.c). */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/key.h"
#include "../src/entry.h"

static key_secret *alice;

static void setup(void)
{
	uint8_t seed[32] = {1, 2, 3};
	ck_assert_int_eq(key_init(), ST_OK);
	ck_assert_int_eq(key_from_seed("TEST-ONLY-alice", seed, &alice, NULL), ST_OK);
}

static void teardown(void)
{
	key_secret_free(alice);
}

static entry_item kg(const char *serial)
{
	entry_item it = {KIND_EQUIPMENT, 1, CLASS_S, false, 1, "", "", "KG-175D", 0, 0};
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	return it;
}

/* A full entry with every kind of field. */
static void make_full(entry *e)
{
	memset(e, 0, sizeof *e);
	snprintf(e->origin, sizeof e->origin, "custos.example/log");
	e->index = 42;
	memset(e->prev, 0xAB, sizeof e->prev);
	e->time_us = INT64_C(1767603600123456);
	e->action = ACT_RECEIPT;
	snprintf(e->txn, sizeof e->txn, "123456-2026-0042");
	snprintf(e->account, sizeof e->account, "123456");
	snprintf(e->peer, sizeof e->peer, "COR");
	snprintf(e->holder, sizeof e->holder, "TEST-ONLY-bob");
	e->nkeys = 1;
	e->keys[0].role = ROLE_CUSTODIAN;
	e->keys[0].key = *key_secret_public(alice);
	entry_item a = kg("1001");
	entry_item b = {KIND_KEY, 1, CLASS_TS, true, 1, "000123", "AB", "AKAT 1234", 20260101,
			20260201};
	entry_item c = {KIND_PUBLICATION, 2, CLASS_C, false, 25, "", "3", "KAO-185 (D)", 0, 0};
	ck_assert_int_eq(entry_add_item(e, &a), ST_OK);
	ck_assert_int_eq(entry_add_item(e, &b), ST_OK);
	ck_assert_int_eq(entry_add_item(e, &c), ST_OK);
	const char text[] = "line one\nline \"two\" \\ caf\xc3\xa9";
	ck_assert_int_eq(entry_set_text(e, text, sizeof text - 1), ST_OK);
}

static char *format_ok(const entry *e, size_t *len)
{
	char *out = NULL;
	errbuf err = {0};
	status st = entry_format(e, &out, len, &err);
	ck_assert_msg(st == ST_OK, "entry_format: %s", err.msg);
	return out;
}

START_TEST(roundtrip_full)
{
	entry e, back;
	make_full(&e);
	size_t len;
	char *text = format_ok(&e, &len);
	ck_assert_ptr_nonnull(strstr(text, "custos-entry/v2 custos.example/log\nindex 42\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntime 2026-01-05T09:00:00.123456Z\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nitem kind=key alc=1 class=TS crypto=yes qty=1 "
					   "serial=000123 edition=AB effective=2026-01-01 "
					   "supersedes=2026-02-01 title=AKAT 1234\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nholder TEST-ONLY-bob\nref -\ncategory -\n"
					   "discovered -\noutcome -\nmethod -\nauthority -\nkey "));
	ck_assert_ptr_nonnull(strstr(text, "\ntext line one\\nline \"two\" \\\\ caf\xc3\xa9\n"));
	errbuf err = {0};
	ck_assert_msg(entry_parse(text, len, &back, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(back.origin, e.origin);
	ck_assert_uint_eq(back.index, 42);
	ck_assert_mem_eq(back.prev, e.prev, 32);
	ck_assert_int_eq(back.time_us, e.time_us);
	ck_assert_int_eq(back.action, ACT_RECEIPT);
	ck_assert_str_eq(back.txn, e.txn);
	ck_assert_str_eq(back.peer, "COR");
	ck_assert_str_eq(back.holder, e.holder);
	ck_assert_uint_eq(back.nkeys, 1);
	ck_assert_mem_eq(back.keys[0].key.pk, e.keys[0].key.pk, KEY_PK_LEN);
	ck_assert_uint_eq(back.nitems, 3);
	ck_assert_int_eq(back.items[2].qty, 25);
	ck_assert_uint_eq(back.items[1].effective, 20260101);
	ck_assert_uint_eq(back.items[1].supersedes, 20260201);
	ck_assert_uint_eq(back.items[0].effective, 0);
	ck_assert_str_eq(back.items[2].title, "KAO-185 (D)");
	ck_assert_uint_eq(back.textlen, e.textlen);
	ck_assert_mem_eq(back.text, e.text, e.textlen);
	free(text);
	entry_free(&back);
	entry_free(&e);
}
END_TEST

START_TEST(roundtrip_minimal)
{
	entry e = {0}, back;
	snprintf(e.origin, sizeof e.origin, "o");
	e.action = ACT_GENESIS;
	size_t len;
	char *text = format_ok(&e, &len);
	ck_assert_str_eq(text, "custos-entry/v2 o\nindex 0\n"
			       "prev AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
			       "time 1970-01-01T00:00:00.000000Z\naction genesis\ntxn -\n"
			       "account -\npeer -\nholder -\nref -\ncategory -\n"
			       "discovered -\noutcome -\nmethod -\nauthority -\ntext\n");
	ck_assert_int_eq(entry_parse(text, len, &back, NULL), ST_OK);
	ck_assert_uint_eq(back.textlen, 0);
	ck_assert_int_eq(back.version, ENTRY_VERSION);
	free(text);
	entry_free(&back);
}
END_TEST

/* Format v1, as logs begun before v2 hold it: read, and written again
 * byte for byte (its entries keep their leaf hashes); v1 has none of the
 * v2 lines, and a v2 field in a v1 entry is refused. */
START_TEST(v1_still_read)
{
	const char v1[] = "custos-entry/v1 o\nindex 3\n"
			  "prev AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
			  "time 2026-01-05T09:00:00.000000Z\naction destroy\ntxn 123456-2026-0001\n"
			  "account 123456\npeer -\nholder -\nref -\ncategory -\n"
			  "item kind=equipment alc=1 class=S crypto=no qty=1 serial=7 edition=- "
			  "effective=- supersedes=- title=KG-175D\ntext method: shredded\n";
	entry e;
	errbuf err = {0};
	ck_assert_msg(entry_parse(v1, sizeof v1 - 1, &e, &err) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(e.version, 1);
	ck_assert_int_eq(entry_version(&e), 1);
	ck_assert_int_eq(e.method, METHOD_NONE);
	size_t len;
	char *again = format_ok(&e, &len);
	ck_assert_uint_eq(len, sizeof v1 - 1);
	ck_assert_mem_eq(again, v1, len);
	free(again);
	e.method = METHOD_SHRED;
	char *out = NULL;
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "v1 entry has no"));
	e.method = METHOD_NONE;
	e.action = ACT_ACCEPT; /* a discrepancy at acceptance is v2's */
	snprintf(e.ref, sizeof e.ref, "123456-2026-0001");
	e.category = CAT_PHYSICAL;
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "only incident entries, and an acceptance"));
	e.version = 0;
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_OK);
	free(out);
	entry_free(&e);
	/* a v1 header on v2 lines, and a v2 header without them */
	const char mixed[] = "custos-entry/v1 o\nindex 0\n"
			     "prev AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
			     "time 1970-01-01T00:00:00.000000Z\naction genesis\ntxn -\n"
			     "account -\npeer -\nholder -\nref -\ncategory -\n"
			     "discovered -\noutcome -\nmethod -\nauthority -\ntext\n";
	ck_assert_int_eq(entry_parse(mixed, sizeof mixed - 1, &e, &err), ST_FORMAT);
	entry_free(&e);
	const char bare[] = "custos-entry/v2 o\nindex 0\n"
			    "prev AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
			    "time 1970-01-01T00:00:00.000000Z\naction genesis\ntxn -\n"
			    "account -\npeer -\nholder -\nref -\ncategory -\ntext\n";
	ck_assert_int_eq(entry_parse(bare, sizeof bare - 1, &e, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "discovered"));
	entry_free(&e);
}
END_TEST

/* The v2 lines: each on its one action, required there, and round trip. */
START_TEST(v2_fields)
{
	entry e = {0};
	snprintf(e.origin, sizeof e.origin, "o");
	snprintf(e.account, sizeof e.account, "123456");
	snprintf(e.txn, sizeof e.txn, "123456-2026-0001");
	e.time_us = INT64_C(1767603600000000);
	entry_item it = kg("7");
	ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	char *out = NULL;
	size_t len;
	errbuf err = {0};
	static const struct {
		entry_action a;
		int64_t discovered;
		entry_outcome outcome;
		entry_method method;
		const char *authority;
		const char *why; /* NULL: valid */
	} cases[] = {
		{ACT_DESTROY, 0, OUTCOME_NONE, METHOD_BURN, "DIR-2026-17", NULL},
		{ACT_DESTROY, 0, OUTCOME_NONE, METHOD_ZEROIZE, "superseded", NULL},
		{ACT_DESTROY, 0, OUTCOME_NONE, METHOD_NONE, "superseded", "gives its method"},
		{ACT_DESTROY, 0, OUTCOME_NONE, METHOD_BURN, "", "gives its authority"},
		{ACT_DESTROY, 0, OUTCOME_NONE, METHOD_BURN, "a b", "authority must be"},
		{ACT_DESTROY, 0, OUTCOME_NONE, METHOD_BURN, "-x", "authority must be"},
		{ACT_DESTROY, 5, OUTCOME_NONE, METHOD_BURN, "x", "only an incident report"},
		{ACT_TRANSFER, 0, OUTCOME_NONE, METHOD_BURN, "", "only a destruction has a method"},
		{ACT_TRANSFER, 0, OUTCOME_NONE, METHOD_NONE, "x", "only a destruction has an auth"},
		{ACT_TRANSFER, 0, OUTCOME_LOST, METHOD_NONE, "", "only an incident close"},
		{ACT_INCIDENT_REPORT, INT64_C(1767600000000000), OUTCOME_NONE, METHOD_NONE, "", NULL},
		{ACT_INCIDENT_REPORT, 0, OUTCOME_NONE, METHOD_NONE, "", "was discovered"},
		{ACT_INCIDENT_CLOSE, 0, OUTCOME_NO_COMPROMISE, METHOD_NONE, "", NULL},
		{ACT_INCIDENT_CLOSE, 0, OUTCOME_NONE, METHOD_NONE, "", "gives its outcome"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		e.action = cases[i].a;
		e.category = cases[i].a == ACT_INCIDENT_REPORT || cases[i].a == ACT_INCIDENT_CLOSE
				     ? CAT_PHYSICAL
				     : CAT_NONE;
		snprintf(e.ref, sizeof e.ref, "%s",
			 cases[i].a == ACT_INCIDENT_CLOSE ? "123456-2026-0001" : "");
		e.discovered_us = cases[i].discovered;
		e.outcome = cases[i].outcome;
		e.method = cases[i].method;
		snprintf(e.authority, sizeof e.authority, "%s", cases[i].authority);
		status st = entry_format(&e, &out, &len, &err);
		if (cases[i].why == NULL) {
			ck_assert_msg(st == ST_OK, "case %zu: %s", i, err.msg);
			entry back;
			ck_assert_msg(entry_parse(out, len, &back, &err) == ST_OK, "case %zu: %s", i,
				      err.msg);
			ck_assert_int_eq(back.discovered_us, e.discovered_us);
			ck_assert_int_eq(back.outcome, e.outcome);
			ck_assert_int_eq(back.method, e.method);
			ck_assert_str_eq(back.authority, e.authority);
			entry_free(&back);
			free(out);
		} else {
			ck_assert_msg(st == ST_FORMAT, "case %zu accepted", i);
			ck_assert_msg(strstr(err.msg, cases[i].why) != NULL, "case %zu: '%s' lacks '%s'",
				      i, err.msg, cases[i].why);
		}
	}
	entry_free(&e);
}
END_TEST

/* Detail lines: each a name the action takes, once, in ascending order,
 * escaped like free text, round-tripping byte for byte; none on an action
 * that takes none, none in v1; hand-made lines out of order, twice, with
 * an unknown name or a raw control byte are refused by the parser. */
START_TEST(details)
{
	entry e = {0};
	errbuf err = {0};
	snprintf(e.origin, sizeof e.origin, "o");
	e.action = ACT_PERSON_DETAILS;
	snprintf(e.holder, sizeof e.holder, "carol");
	e.time_us = INT64_C(1767603600000000);
	char *out = NULL;
	size_t len;
	/* at least one detail */
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "at least 1"));
	ck_assert_int_eq(entry_set_detail(&e, "rank", "Sgt", &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "position", "COMSEC custodian\nBldg 7 \\ \xe2\x80\xae", &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "rank", "WO", &err), ST_OK); /* replaces */
	ck_assert_int_eq(e.ndetails, 2);
	ck_assert_str_eq(e.details[0].name, "position"); /* kept in order */
	ck_assert_int_eq(entry_set_detail(&e, "address", "x", &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no detail address"));
	ck_assert_int_eq(entry_set_detail(&e, "rank", "", &err), ST_FORMAT);
	ck_assert_int_eq(entry_set_detail(&e, "rank", "\xff", &err), ST_FORMAT);
	char big[ENTRY_DETAIL_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(entry_set_detail(&e, "rank", big, &err), ST_FORMAT);
	ck_assert_str_eq(entry_detail_value(&e, "rank"), "WO");
	ck_assert_ptr_null(entry_detail_value(&e, "address"));

	ck_assert_msg(entry_format(&e, &out, &len, &err) == ST_OK, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(out, "\nauthority -\ndetail position COMSEC custodian\\nBldg 7 "
				       "\\\\ \\u202e\ndetail rank WO\ntext\n"));
	entry back;
	ck_assert_msg(entry_parse(out, len, &back, &err) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(back.ndetails, 2);
	ck_assert_str_eq(entry_detail_value(&back, "position"), "COMSEC custodian\nBldg 7 \\ \xe2\x80\xae");
	entry_free(&back);

	/* hand-made variants of the same text */
	static const struct {
		const char *from, *to, *why;
	} bad[] = {
		{"detail position COMSEC custodian\\nBldg 7 \\\\ \\u202e\ndetail rank WO\n",
		 "detail rank WO\ndetail position COMSEC custodian\\nBldg 7 \\\\ \\u202e\n", "out of order"},
		{"detail rank WO\n", "detail rank WO\ndetail rank WO\n", "out of order or given twice"},
		{"detail rank WO\n", "detail grade WO\n", "has no detail grade"},
		{"detail rank WO\n", "detail rank W\x01O\n", ""},
		{"detail rank WO\n", "detail rank\n", "detail"},
		{"detail rank WO\n", "detail rank W\\x4fO\n", ""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *at = strstr(out, bad[i].from);
		ck_assert_ptr_nonnull(at);
		char t[1024];
		snprintf(t, sizeof t, "%.*s%s%s", (int)(at - out), out, bad[i].to,
			 at + strlen(bad[i].from));
		entry x;
		ck_assert_msg(entry_parse(t, strlen(t), &x, &err) != ST_OK, "variant %zu accepted", i);
		ck_assert_msg(strstr(err.msg, bad[i].why) != NULL, "variant %zu: %s", i, err.msg);
		entry_free(&x);
	}
	free(out);

	/* an action that takes none, and v1 */
	entry o = {0};
	snprintf(o.origin, sizeof o.origin, "o");
	o.action = ACT_ACCOUNT_OPEN;
	snprintf(o.account, sizeof o.account, "123456");
	ck_assert_int_eq(entry_set_detail(&o, "rank", "x", &err), ST_FORMAT);
	entry_free(&o);
	e.version = 1;
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "v1"));
	entry_free(&e);
}
END_TEST

START_TEST(time_input)
{
	int64_t us = 0;
	ck_assert_int_eq(entry_time_parse_input("2026-12-05T09:30Z", &us), ST_OK);
	ck_assert_int_eq(us, INT64_C(1796463000000000));
	ck_assert_int_eq(entry_time_parse_input("2026-12-05T09:30:15Z", &us), ST_OK);
	ck_assert_int_eq(us, INT64_C(1796463015000000));
	ck_assert_int_eq(entry_time_parse_input("2026-12-05T09:30:15.000001Z", &us), ST_OK);
	ck_assert_int_eq(us, INT64_C(1796463015000001));
	const char *bad_in[] = {"", "2026-12-05", "2026-12-05T09:30", "2026-12-05 09:30Z",
				"2026-12-05T09:30+01:00", "2026-02-30T09:30Z", "2026-12-05T25:00Z",
				"1970-01-01T00:00Z", "2026-12-05T09:3xZ"};
	for (size_t i = 0; i < sizeof bad_in / sizeof bad_in[0]; i++)
		ck_assert_msg(entry_time_parse_input(bad_in[i], &us) == ST_FORMAT, "'%s' accepted",
			      bad_in[i]);
}
END_TEST

/* Text of the full entry with one substring replaced. */
static char *full_with(const char *from, const char *to, size_t *len)
{
	entry e;
	make_full(&e);
	size_t n;
	char *text = format_ok(&e, &n);
	entry_free(&e);
	char *at = strstr(text, from);
	ck_assert_msg(at != NULL, "'%s' not in the entry", from);
	size_t fl = strlen(from), tl = strlen(to);
	char *out = malloc(n - fl + tl + 1);
	size_t pre = (size_t)(at - text);
	memcpy(out, text, pre);
	memcpy(out + pre, to, tl);
	memcpy(out + pre + tl, at + fl, n - pre - fl + 1);
	*len = n - fl + tl;
	free(text);
	return out;
}

/* Each mutation of a valid entry must be refused with a message that
 * mentions `why`. */
static const struct {
	const char *from, *to, *why;
} bad[] = {
	{"custos-entry/v2 ", "custos-entry/v3 ", "line 1"},
	{"custos-entry/v2 ", "custos-entry/v1 ", "expected \"text\""},
	{"\ndiscovered -\n", "\ndiscovered 2026-01-05T09:00:00.000000Z\n", "only an incident"},
	{"\ndiscovered -\n", "\ndiscovered 1970-01-01T00:00:00.000000Z\n", "discovered"},
	{"\ndiscovered -\n", "\ndiscovered yesterday\n", "discovered"},
	{"\ndiscovered -\n", "\n", "expected \"discovered\""},
	{"\noutcome -\n", "\noutcome lost\n", "only an incident close"},
	{"\noutcome -\n", "\noutcome misplaced\n", "outcome"},
	{"\nmethod -\n", "\nmethod burn\n", "only a destruction"},
	{"\nmethod -\n", "\nmethod eaten\n", "method"},
	{"\nauthority -\n", "\nauthority x\n", "only a destruction"},
	{"\nauthority -\n", "\nmethod -\n", "expected \"authority\""},
	{"custos.example/log", "custos example", "line 1"},
	{"custos.example/log", "a+b", "origin"},
	{"index 42", "index 042", "index"},
	{"index 42", "index 18446744073709551616", "index"},
	{"index 42", "index -1", "index"},
	{"index 42", "index  42", "index"},
	{"6s=\n", "6t=\n", "prev"},
	{"\nprev ", "\nprev x", "prev"},
	{"T09:00:00.123456Z", "T09:00:00.123456+00:00", "time"},
	{"T09:00:00.123456Z", "T09:00:00Z", "time"},
	{"T09:00:00.123456Z", "T24:00:00.000000Z", "time"},
	{"T09:00:00.123456Z", "T23:59:60.000000Z", "time"},
	{"2026-01-05T", "2026-02-29T", "time"},
	{"2026-01-05T", "2026-13-01T", "time"},
	{"2026-01-05T", "1969-12-31T", "time"},
	{"2026-01-05T", "2026-1-05T0", "time"},
	{"action receipt", "action Receipt", "action"},
	{"action receipt", "action burn", "action"},
	{"txn 123456-2026-0042", "txn 654321-2026-0042", "transaction number"},
	{"txn 123456-2026-0042", "txn 123456-2026-0000", "transaction number"},
	{"txn 123456-2026-0042", "txn 123456-2026-00042", "transaction number"},
	{"txn 123456-2026-0042", "txn 123456-2026-42", "transaction number"},
	{"txn 123456-2026-0042", "txn 123456-0026-0042", "transaction number"},
	{"account 123456", "account 12345", "account"},
	{"account 123456", "account 12345a", "account"},
	{"peer COR", "peer cor", "peer"},
	{"peer COR", "peer", "peer"},
	{"holder TEST-ONLY-bob", "holder TEST ONLY", "holder"},
	{"holder TEST-ONLY-bob", "holder a+b", "holder"},
	{"key custodian", "key janitor", "role"},
	{"key custodian TEST-ONLY-alice+", "key custodian TEST-ONLY-alicf+", "verifier key"},
	{"item kind=equipment", "item kind=tool", "kind"},
	{"kind=equipment alc=1", "kind=equipment alc=3", "ALC"},
	{"kind=equipment alc=1", "kind=equipment alc=11", "ALC"},
	{"class=S crypto=no qty=1 serial=1001", "class=X crypto=no qty=1 serial=1001",
	 "classification"},
	{"class=S crypto=no qty=1 serial=1001", "class=S crypto=yes qty=1 serial=1001",
	 "CRYPTO"},
	{"class=S crypto=no qty=1 serial=1001", "class=S crypto=no qty=2 serial=1001", "serial"},
	{"class=S crypto=no qty=1 serial=1001", "class=S crypto=no qty=1 serial=-", "serial"},
	{"class=S crypto=no qty=1 serial=1001", "class=S crypto=no qty=01 serial=1001",
	 "quantity"},
	{"qty=25", "qty=0", "quantity"},
	{"qty=25", "qty=1000001", "quantity"},
	{"serial=1001", "serial=10 01", "item"},
	{"serial=1001", "serial=-1001", "serial"},
	{"serial=1001", "serial=1001'", "serial"},
	/* a part split off a lot: "+N" segments, N a decimal without leading zeros */
	{"serial=1001", "serial=1001+0", "serial"},
	{"serial=1001", "serial=1001+", "serial"},
	{"serial=1001", "serial=1001++5", "serial"},
	{"serial=1001", "serial=1001+05", "serial"},
	{"serial=1001", "serial=1001+5a", "serial"},
	{"serial=1001", "serial=1001+5-1", "serial"},
	{"serial=1001", "serial=+", "serial"},
	{"serial=1001", "serial=+-5", "serial"},
	{"title=KG-175D", "title=KG-175D ", "short title"},
	{"title=KG-175D", "title=KG  175D", "short title"},
	{"title=KG-175D", "title=KG-175D;DROP", "short title"},
	{"title=KG-175D", "title=", "short title"},
	{"title=KG-175D", "title=KG-175D-EXTRA-LONG-TITLE-OVER-32-CHARS", "short title"},
	{"edition=AB", "edition=A B", "item"},
	{"alc=1 class=TS", "class=TS alc=1", "alc="},
	{"\ntext line one\\nline \"two\" \\\\ caf\xc3\xa9\n", "\ntext \n", "canonical"},
	{"\ntext line one", "\ntext line\x01one", "control"},
	{"\ntext line one", "\ntext line\\x41one", "must not be escaped"},
	{"\ntext line one", "\ntext line\\x0aone", "must not be escaped"},
	{"\ntext line one", "\ntext line\\tone", "unknown escape"},
	{"\ntext line one", "\ntext line\\u0041one", "written as itself"},
	{"\ntext line one", "\ntext line\xe2\x80\xaeone", "bidirectional"},
	{"\ntext line one", "\ntext line\xc3one", "UTF-8"},
	{"\ntext line one", "\ntext line\xc0\xafone", "UTF-8"},
	{"\ntext line one", "\ntext line\\x0Aone", "unknown escape"},
	{"caf\xc3\xa9\n", "caf\xc3\xa9\\\n", "backslash at the end"},
	{"caf\xc3\xa9\n", "caf\xc3\xa9\nextra\n", "unexpected line"},
	{"caf\xc3\xa9\n", "caf\xc3\xa9\r\n", "control"},
	{"\nholder TEST-ONLY-bob\n", "\n", "expected \"holder\""},
	{"\nref -\n", "\n", "expected \"ref\""},
	{"\nref -\n", "\nref 123456-2026-0\n", "ref"},
	{"\nref -\n", "\nref x\n", "ref"},
	{"\ncategory -\n", "\ncategory physical\n", "only incident entries"},
	{"action receipt", "action accept", "must name the transaction it answers"},
	{"\ncategory -\n", "\ncategory theft\n", "category"},
	{"\ncategory -\n", "\n", "expected \"category\""},
	{"effective=2026-01-01", "effective=2026-02-30", "effective date"},
	{"effective=2026-01-01", "effective=26-01-01", "effective date"},
	{"supersedes=2026-02-01", "supersedes=2025-12-31", "before effective"},
	{"edition=- effective=- supersedes=- title=KG-175D",
	 "edition=- effective=2026-01-01 supersedes=- title=KG-175D", "only keying material"},
	{"edition=AB effective=2026-01-01 supersedes", "edition=AB supersedes", "effective="},
	{"\nholder TEST-ONLY-bob\n", "\nholder TEST-ONLY-bob\nholder x\n", "expected \"ref\""},
};

START_TEST(refuses_mutation)
{
	size_t len;
	char *text = full_with(bad[_i].from, bad[_i].to, &len);
	entry e;
	errbuf err = {0};
	status st = entry_parse(text, len, &e, &err);
	ck_assert_msg(st != ST_OK, "mutation %d (%s -> %s) accepted", _i, bad[_i].from, bad[_i].to);
	ck_assert_msg(strstr(err.msg, bad[_i].why) != NULL, "mutation %d: message '%s' lacks '%s'",
		      _i, err.msg, bad[_i].why);
	entry_free(&e);
	free(text);
}
END_TEST

START_TEST(time_format_parse)
{
	static const struct {
		const char *s;
		int64_t us;
	} ok[] = {
		{"1970-01-01T00:00:00.000000Z", 0},
		{"2024-02-29T23:59:59.999999Z", INT64_C(1709251199999999)},
		{"2000-02-29T00:00:00.000000Z", INT64_C(951782400000000)},
		{"9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999)},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t us;
		char back[ENTRY_TIME_LEN + 1];
		ck_assert_int_eq(entry_time_parse(ok[i].s, strlen(ok[i].s), &us), ST_OK);
		ck_assert_int_eq(us, ok[i].us);
		entry_time_format(us, back);
		ck_assert_str_eq(back, ok[i].s);
	}
	static const char *const no[] = {"1900-02-29T00:00:00.000000Z", "2023-02-29T00:00:00.000000Z",
					 "2026-04-31T00:00:00.000000Z", "2026-00-10T00:00:00.000000Z",
					 "2026-01-05 09:00:00.000000Z", "2026-01-05T09:00:00.000000z"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		int64_t us;
		ck_assert_msg(entry_time_parse(no[i], strlen(no[i]), &us) != ST_OK, "%s accepted", no[i]);
	}
}
END_TEST

START_TEST(text_escape_every_byte)
{
	/* Every byte 0x00..0x7F plus multi-byte UTF-8 and bidi controls. */
	char in[256];
	size_t n = 0;
	for (int c = 0; c < 0x80; c++)
		in[n++] = (char)c;
	const char extra[] = "\xc3\xa9\xe2\x80\xae\xe2\x81\xa6\xd8\x9c\xf0\x9f\x94\x91";
	memcpy(in + n, extra, sizeof extra - 1);
	n += sizeof extra - 1;
	char *esc, *back;
	size_t el, bl;
	ck_assert_int_eq(entry_text_escape(in, n, &esc, &el, NULL), ST_OK);
	for (size_t i = 0; i < el; i++)
		ck_assert_msg((unsigned char)esc[i] >= 0x20 && esc[i] != 0x7F,
			      "escaped text holds control byte %02x", (unsigned char)esc[i]);
	ck_assert_ptr_nonnull(strstr(esc, "\\x00\\x01"));
	ck_assert_ptr_nonnull(strstr(esc, "\\x09\\n\\x0b"));
	ck_assert_ptr_nonnull(strstr(esc, "\\u202e\\u2066\\u061c"));
	ck_assert_int_eq(entry_text_unescape(esc, el, &back, &bl, NULL), ST_OK);
	ck_assert_uint_eq(bl, n);
	ck_assert_mem_eq(back, in, n);
	free(esc);
	free(back);
	ck_assert_int_eq(entry_text_escape("\xff", 1, &esc, &el, NULL), ST_FORMAT);
	ck_assert_int_eq(entry_text_escape("\xed\xa0\x80", 3, &esc, &el, NULL), ST_FORMAT);
}
END_TEST

START_TEST(required_signers)
{
	entry e = {0};
	snprintf(e.origin, sizeof e.origin, "o");
	e.action = ACT_RECEIPT;
	ck_assert_uint_eq(entry_required_signers(&e), 1);
	entry_item eq = {KIND_EQUIPMENT, 1, CLASS_TS, false, 1, "9", "", "KG-175D", 0, 0};
	ck_assert_int_eq(entry_add_item(&e, &eq), ST_OK);
	ck_assert_uint_eq(entry_required_signers(&e), 1); /* TS equipment: one */
	entry_item key = {KIND_KEY, 1, CLASS_TS, true, 1, "9", "A", "AKAT 1", 0, 0};
	ck_assert_int_eq(entry_add_item(&e, &key), ST_OK);
	ck_assert_uint_eq(entry_required_signers(&e), 2); /* TS keying material: TPI */
	/* a department's policy may ask it from SECRET up, or CONFIDENTIAL */
	key.cls = CLASS_S;
	e.items[1] = key;
	ck_assert_uint_eq(entry_required_signers(&e), 1);
	ck_assert_uint_eq(entry_required_signers_from(&e, CLASS_S), 2);
	ck_assert_uint_eq(entry_required_signers_from(&e, CLASS_C), 2);
	ck_assert_uint_eq(entry_required_signers_from(&e, CLASS__COUNT), 1);
	/* reporting an incident never waits for a second person, whatever it
	 * concerns */
	key.cls = CLASS_TS;
	e.items[1] = key;
	e.action = ACT_INCIDENT_REPORT;
	ck_assert_uint_eq(entry_required_signers(&e), 1);
	ck_assert_uint_eq(entry_required_signers_from(&e, CLASS_U), 1);
	entry_free(&e);
	static const entry_action two[] = {ACT_DESTROY, ACT_INVENTORY, ACT_ISSUE, ACT_RETURN,
					   ACT_INCIDENT_CLOSE, ACT_KEY_ENROL, ACT_KEY_REVOKE,
					   ACT_KEY_ROTATE, ACT_CUSTODIAN_CHANGE};
	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
		entry d = {.action = two[i]};
		ck_assert_uint_eq(entry_required_signers(&d), 2);
	}
}
END_TEST

START_TEST(limits)
{
	entry e;
	make_full(&e);
	char *big = malloc(ENTRY_TEXT_MAX + 1);
	memset(big, 'x', ENTRY_TEXT_MAX + 1);
	size_t len;
	char *out;
	errbuf err = {0};
	ck_assert_int_eq(entry_set_text(&e, big, ENTRY_TEXT_MAX), ST_OK);
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_OK);
	free(out);
	ck_assert_int_eq(entry_set_text(&e, big, ENTRY_TEXT_MAX + 1), ST_OK);
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_TOOBIG);
	/* 16 KiB of control bytes escape to 64 KiB: too big for one record. */
	memset(big, 0x01, ENTRY_TEXT_MAX);
	ck_assert_int_eq(entry_set_text(&e, big, ENTRY_TEXT_MAX), ST_OK);
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_TOOBIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "too large"));
	free(big);
	ck_assert_int_eq(entry_set_text(&e, "", 0), ST_OK);
	entry_item it = kg("1");
	while (e.nitems < ENTRY_MAX_ITEMS)
		ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	ck_assert_int_eq(entry_add_item(&e, &it), ST_TOOBIG);
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_OK);
	entry back;
	ck_assert_int_eq(entry_parse(out, len, &back, &err), ST_OK);
	ck_assert_uint_eq(back.nitems, ENTRY_MAX_ITEMS);
	entry_free(&back);
	free(out);
	entry_free(&e);
}
END_TEST

START_TEST(format_validates)
{
	entry e;
	make_full(&e);
	char *out;
	size_t len;
	errbuf err = {0};
	snprintf(e.items[0].serial, sizeof e.items[0].serial, "bad serial");
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "item 1: serial"));
	/* parts split off lots (rules_split_parent): with or without a base */
	const char *parts[] = {"1001+5", "+5", "1001+5+77", "A/B.C-1+123456789"};
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		snprintf(e.items[0].serial, sizeof e.items[0].serial, "%s", parts[i]);
		ck_assert_msg(entry_format(&e, &out, &len, &err) == ST_OK, "%s: %s", parts[i],
			      err.msg);
		entry back;
		ck_assert_int_eq(entry_parse(out, len, &back, &err), ST_OK);
		ck_assert_str_eq(back.items[0].serial, parts[i]);
		entry_free(&back);
		free(out);
	}
	snprintf(e.items[0].serial, sizeof e.items[0].serial, "1001");
	e.items[1].kind = KIND_EQUIPMENT; /* CRYPTO on equipment */
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "item 2"));
	e.items[1].kind = KIND_KEY;
	e.action = ACT__COUNT;
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	e.action = ACT_RECEIPT;
	e.account[0] = '\0'; /* a txn number needs its account */
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	entry_free(&e);
}
END_TEST

/* accept, return, incident update and close name the transaction they
 * answer; an incident report needs a category. */
START_TEST(refs_and_categories)
{
	entry e;
	make_full(&e);
	char *out;
	size_t len;
	errbuf err = {0};
	static const entry_action need_ref[] = {ACT_ACCEPT, ACT_RETURN, ACT_INCIDENT_UPDATE,
						ACT_INCIDENT_CLOSE};
	for (size_t i = 0; i < sizeof need_ref / sizeof need_ref[0]; i++) {
		e.action = need_ref[i];
		e.category = e.action == ACT_ACCEPT || e.action == ACT_RETURN ? CAT_NONE
									      : CAT_PHYSICAL;
		e.outcome = e.action == ACT_INCIDENT_CLOSE ? OUTCOME_LOST : OUTCOME_NONE;
		e.ref[0] = '\0';
		ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
		ck_assert_ptr_nonnull(strstr(err.msg, "ref"));
		snprintf(e.ref, sizeof e.ref, "654321-2026-0031"); /* another account's */
		ck_assert_msg(entry_format(&e, &out, &len, &err) == ST_OK, "%s", err.msg);
		entry back;
		ck_assert_int_eq(entry_parse(out, len, &back, &err), ST_OK);
		ck_assert_str_eq(back.ref, "654321-2026-0031");
		ck_assert_int_eq(back.category, e.category);
		entry_free(&back);
		free(out);
	}
	e.action = ACT_INCIDENT_REPORT;
	e.category = CAT_NONE;
	e.outcome = OUTCOME_NONE;
	e.discovered_us = e.time_us;
	ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "category"));
	for (int c = CAT_CRYPTOGRAPHIC; c < CAT__COUNT; c++) {
		e.category = (entry_category)c;
		ck_assert_int_eq(entry_format(&e, &out, &len, &err), ST_OK);
		ck_assert_ptr_nonnull(strstr(out, entry_category_name(e.category)));
		free(out);
	}
	entry_free(&e);
}
END_TEST

START_TEST(dates)
{
	char s[ENTRY_DATE_LEN + 1];
	uint32_t v;
	ck_assert(entry_date_valid(20240229) && !entry_date_valid(20230229));
	ck_assert(!entry_date_valid(19691231) && !entry_date_valid(0) && !entry_date_valid(20261301));
	entry_date_format(20260107, s);
	ck_assert_str_eq(s, "2026-01-07");
	ck_assert_int_eq(entry_date_parse(s, strlen(s), &v), ST_OK);
	ck_assert_uint_eq(v, 20260107);
	ck_assert_int_ne(entry_date_parse("2026-1-07", 9, &v), ST_OK);
	ck_assert_int_ne(entry_date_parse("2026/01/07", 10, &v), ST_OK);
	ck_assert_int_ne(entry_date_parse("2026-01-32", 10, &v), ST_OK);
}
END_TEST

/* The one account-number check: six ASCII digits, nothing else. */
START_TEST(account_numbers)
{
	ck_assert(entry_account_number_valid("123456"));
	ck_assert(entry_account_number_valid("000000"));
	ck_assert(!entry_account_number_valid("12345"));
	ck_assert(!entry_account_number_valid("1234567"));
	ck_assert(!entry_account_number_valid("12345a"));
	ck_assert(!entry_account_number_valid("12 456"));
	ck_assert(!entry_account_number_valid("-12345"));
	ck_assert(!entry_account_number_valid("COR"));
	ck_assert(!entry_account_number_valid(""));
	/* Digits that are not ASCII: ARABIC-INDIC and FULLWIDTH DIGIT ONE. */
	ck_assert(!entry_account_number_valid("\xd9\xa1\xd9\xa2\xd9\xa3"));
	ck_assert(!entry_account_number_valid("12345\xef\xbc\x91"));
	ck_assert(!entry_account_number_valid("12345\xb9")); /* Latin-1 superscript one */
	/* An embedded NUL ends the string: what is left is too short. */
	ck_assert(!entry_account_number_valid("123\0" "456"));
	ck_assert(!entry_account_number_valid(NULL));
}
END_TEST

/* Calendar months as PostgreSQL adds them: the day clamped to the month's
 * last, leap years, across years; the time of day kept. */
START_TEST(add_months)
{
	static const struct { const char *from; int64_t months; const char *to; } v[] = {
		{"2026-01-31T10:00:00.000001Z", 1, "2026-02-28T10:00:00.000001Z"},
		{"2024-01-31T00:00:00.000000Z", 1, "2024-02-29T00:00:00.000000Z"},
		{"2025-08-31T23:59:59.000000Z", 6, "2026-02-28T23:59:59.000000Z"},
		{"2026-06-15T12:00:00.000000Z", 6, "2026-12-15T12:00:00.000000Z"},
		{"2026-12-07T08:00:00.000000Z", 13, "2028-01-07T08:00:00.000000Z"},
		{"2000-02-29T00:00:00.000000Z", 12, "2001-02-28T00:00:00.000000Z"},
		{"1999-12-31T00:00:00.000000Z", 2, "2000-02-29T00:00:00.000000Z"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		int64_t a = 0, b = 0;
		ck_assert_int_eq(entry_time_parse(v[i].from, strlen(v[i].from), &a), ST_OK);
		ck_assert_int_eq(entry_time_parse(v[i].to, strlen(v[i].to), &b), ST_OK);
		ck_assert_msg(entry_time_add_months(a, v[i].months) == b, "%s + %lld months",
			      v[i].from, (long long)v[i].months);
	}
	ck_assert_int_eq(entry_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(entry_days_from_civil(2000, 3, 1), 11017);
}
END_TEST

START_TEST(names_tables)
{
	for (int a = 0; a < ACT__COUNT; a++) {
		const char *n = entry_action_name((entry_action)a);
		ck_assert_int_eq(entry_action_from_name(n, strlen(n)), a);
	}
	for (int r = 0; r < ROLE__COUNT; r++) {
		const char *n = entry_role_name((entry_role)r);
		ck_assert_int_eq(entry_role_from_name(n, strlen(n)), r);
	}
	ck_assert_int_eq(entry_action_from_name("destroyX", 8), -1);
	ck_assert_int_eq(entry_action_from_name("destro", 6), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("entry");
	TCase *tc = tcase_create("format");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, roundtrip_full);
	tcase_add_test(tc, roundtrip_minimal);
	tcase_add_test(tc, v1_still_read);
	tcase_add_test(tc, v2_fields);
	tcase_add_test(tc, time_input);
	tcase_add_test(tc, details);
	tcase_add_loop_test(tc, refuses_mutation, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, time_format_parse);
	tcase_add_test(tc, text_escape_every_byte);
	tcase_add_test(tc, required_signers);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, format_validates);
	tcase_add_test(tc, refs_and_categories);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, names_tables);
	tcase_add_test(tc, add_months);
	tcase_add_test(tc, account_numbers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
