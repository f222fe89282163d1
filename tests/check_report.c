/* check_report: the COMSEC Material Report's model (src/report.c) from
 * entries alone, and its CSV and JSON writers. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/b64.h"
#include "../src/entry.h"
#include "../src/report.h"
#include "../src/rules.h"
#include "../src/sha.h"

/* An entry as note text with unchecked signature lines by `signers`
 * (report_build reads who signed; the server and verifiers check it). */
static char *signed_note(entry *e, const char *const *signers, size_t n, size_t *len)
{
	char *text = NULL;
	size_t tl = 0;
	errbuf err = {0};
	status st = entry_format(e, &text, &tl, &err);
	ck_assert_msg(st == ST_OK, "entry_format: %s", err.msg);
	uint8_t sig[68];
	memset(sig, 0x5A, sizeof sig);
	char b64[100];
	b64_encode(sig, sizeof sig, b64);
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	fprintf(f, "%s\n", text);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\xe2\x80\x94 %s %s\n", signers[i], b64);
	fclose(f);
	free(text);
	entry_free(e);
	return out;
}

static void base(entry *e, uint64_t index, entry_action a)
{
	memset(e, 0, sizeof *e);
	snprintf(e->origin, sizeof e->origin, "custos.example/log");
	e->index = index;
	e->time_us = INT64_C(1767603600123456) + (int64_t)index;
	e->action = a;
}

static void parse_into(report_entry *re, const char *note, size_t len, uint64_t index)
{
	errbuf err = {0};
	re->note = note;
	re->notelen = len;
	re->index = index;
	/* the entry's text ends before the blank line */
	const char *end = strstr(note, "\n\n");
	ck_assert_ptr_nonnull(end);
	status st = entry_parse(note, (size_t)(end - note) + 1, &re->e, &err);
	ck_assert_msg(st == ST_OK, "entry_parse: %s", err.msg);
}

typedef struct fixture {
	char *notes[4];
	report_entry ctx[3];
	report_entry txn;
} fixture;

/* account-open 123456, person-details wendy, account-details 123456, then
 * a destruction by alice witnessed by wendy with a hostile free text. */
static void make(fixture *fx, entry_action act)
{
	const char *const admin[] = {"adm"};
	entry e;
	size_t len;
	base(&e, 3, ACT_ACCOUNT_OPEN);
	snprintf(e.account, sizeof e.account, "123456");
	ck_assert_int_eq(entry_set_text(&e, "1st Signal Regiment", 19), ST_OK);
	fx->notes[0] = signed_note(&e, admin, 1, &len);
	parse_into(&fx->ctx[0], fx->notes[0], len, 3);

	errbuf err = {0};
	base(&e, 5, ACT_PERSON_DETAILS);
	snprintf(e.holder, sizeof e.holder, "wendy");
	ck_assert_int_eq(entry_set_detail(&e, "rank", "WO", &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "position", "Witness officer", &err), ST_OK);
	fx->notes[1] = signed_note(&e, admin, 1, &len);
	parse_into(&fx->ctx[1], fx->notes[1], len, 5);

	base(&e, 6, ACT_ACCOUNT_DETAILS);
	snprintf(e.account, sizeof e.account, "123456");
	ck_assert_int_eq(entry_set_detail(&e, "address", "CFB \"Kingston\", Bldg 7", &err), ST_OK);
	fx->notes[2] = signed_note(&e, admin, 1, &len);
	parse_into(&fx->ctx[2], fx->notes[2], len, 6);

	base(&e, 9, act);
	snprintf(e.txn, sizeof e.txn, "123456-2026-0007");
	snprintf(e.account, sizeof e.account, "123456");
	if (act == ACT_DESTROY) {
		e.method = METHOD_SHRED;
		snprintf(e.authority, sizeof e.authority, "superseded");
	}
	if (act == ACT_TRANSFER)
		snprintf(e.peer, sizeof e.peer, "COR");
	entry_item a = {KIND_KEY, 1, CLASS_S, true, 1, "0001", "A", "AKAT 1234", 20260101, 20260201};
	entry_item b = {KIND_PUBLICATION, 2, CLASS_U, false, 30, "", "3", "KAM-9", 0, 0};
	ck_assert_int_eq(entry_add_item(&e, &a), ST_OK);
	ck_assert_int_eq(entry_add_item(&e, &b), ST_OK);
	const char text[] = "burnt \xe2\x80\xae" "evil\nline, \"two\"";
	ck_assert_int_eq(entry_set_text(&e, text, sizeof text - 1), ST_OK);
	const char *const two[] = {"alice", "wendy"};
	fx->notes[3] = signed_note(&e, two, 2, &len);
	parse_into(&fx->txn, fx->notes[3], len, 9);
}

static void fixture_free(fixture *fx)
{
	for (size_t i = 0; i < 3; i++)
		entry_free(&fx->ctx[i].e);
	entry_free(&fx->txn.e);
	for (size_t i = 0; i < 4; i++)
		free(fx->notes[i]);
}

START_TEST(destruction_model)
{
	fixture fx;
	make(&fx, ACT_DESTROY);
	report r;
	errbuf err = {0};
	status st = report_build(&fx.txn, fx.ctx, 3, NULL, REPORT_KIND_DESTRUCTION,
				 INT64_C(1767700000000000), &r, &err);
	ck_assert_msg(st == ST_OK, "report_build: %s", err.msg);
	ck_assert_int_eq(r.type, REPORT_DESTRUCTION);
	ck_assert_str_eq(r.from.account, "123456");
	ck_assert_str_eq(r.from.name, "1st Signal Regiment");
	ck_assert_str_eq(r.from.address, "CFB \"Kingston\", Bldg 7");
	ck_assert_ptr_null(r.from.cor_account);
	ck_assert_str_eq(r.out_txn, "123456-2026-0007");
	ck_assert_str_eq(r.in_txn, "");
	ck_assert_str_eq(r.report_date, "2026-01-06");
	ck_assert_uint_eq(r.nlines, 2);
	ck_assert_uint_eq(r.lines[1].row, 2);
	ck_assert_str_eq(r.lines[0].title, "AKAT 1234");
	ck_assert_str_eq(r.lines[0].edition, "A");
	ck_assert_str_eq(r.lines[0].remarks, "key, S, CRYPTO, effective 2026-01-01, supersedes 2026-02-01");
	ck_assert_uint_eq(r.lines[1].qty, 30);
	ck_assert_int_eq(r.lines[1].alc, 2);
	ck_assert_ptr_nonnull(strstr(r.certification, "DESTROYED."));
	ck_assert_ptr_nonnull(strstr(r.certification, "Method: shred. Authority: superseded."));
	ck_assert_uint_eq(r.nsigners, 2);
	ck_assert_str_eq(r.signers[0].name, "alice");
	ck_assert_str_eq(r.signers[0].capacity, "custodian");
	ck_assert_ptr_null(r.signers[0].rank);
	ck_assert_str_eq(r.signers[1].name, "wendy");
	ck_assert_str_eq(r.signers[1].capacity, "witness");
	ck_assert_str_eq(r.signers[1].rank, "WO");
	ck_assert_str_eq(r.signers[1].position, "Witness officer");
	ck_assert_str_eq(r.signers[1].keyid, "5a5a5a5a");
	ck_assert_uint_eq(r.index, 9);
	ck_assert_str_eq(r.remarks, "burnt \xe2\x80\xae" "evil\nline, \"two\"");

	/* the writers: CSV quotes and doubles quotes, CRLF; JSON escapes */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_int_eq(report_write_csv(&r, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\"row\",\"short_title\""));
	ck_assert_ptr_nonnull(strstr(out, "\"remarks\"\r\n\"123456-2026-0007\",\"destruction\","));
	ck_assert_ptr_nonnull(strstr(out, "\"2\",\"KAM-9\",\"3\",\"30\",\"\",\"2\",\"publication, U\"\r\n"));
	free(out);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(report_write_json(&r, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\"remarks\":\"burnt \\u202eevil\\nline, \\\"two\\\"\""));
	ck_assert_ptr_nonnull(strstr(out, "\"rank\":\"WO\""));
	ck_assert_ptr_null(strstr(out, "\xe2\x80\xae"));
	free(out);
	report_free(&r);
	fixture_free(&fx);
}
END_TEST

START_TEST(entries_after_do_not_count)
{
	fixture fx;
	make(&fx, ACT_DESTROY);
	fx.ctx[1].index = 12; /* person-details after the destruction */
	report r;
	errbuf err = {0};
	ck_assert_int_eq(report_build(&fx.txn, fx.ctx, 3, NULL, REPORT_KIND_MATERIAL, 0, &r, &err),
			 ST_OK);
	ck_assert_ptr_null(r.signers[1].rank);
	report_free(&r);
	fixture_free(&fx);
}
END_TEST

START_TEST(wrong_kind)
{
	fixture fx;
	make(&fx, ACT_TRANSFER);
	report r;
	errbuf err = {0};
	ck_assert_int_eq(report_build(&fx.txn, fx.ctx, 3, "999999-2026-0001", REPORT_KIND_DESTRUCTION,
				      0, &r, &err), ST_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a transfer, not a destruction"));
	report_free(&r);
	ck_assert_int_eq(report_build(&fx.txn, fx.ctx, 3, "999999-2026-0001", REPORT_KIND_MATERIAL,
				      0, &r, &err), ST_OK);
	ck_assert_str_eq(r.to.account, "COR");
	ck_assert_str_eq(r.to.name, "Central Office of Record");
	ck_assert_str_eq(r.in_txn, "999999-2026-0001");
	report_free(&r);
	/* a directory entry is no material transaction */
	ck_assert_int_eq(report_build(&fx.ctx[0], NULL, 0, NULL, REPORT_KIND_MATERIAL, 0, &r, &err),
			 ST_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a material transaction"));
	report_free(&r);
	fixture_free(&fx);
}
END_TEST

/* The report P prints for each action (report_kind_for): the one rule
 * the TUI asks; every action is named, so a new one must be decided. */
START_TEST(kind_for_action)
{
	static const struct {
		entry_action a;
		int kind; /* -1: no report */
	} want[] = {
		{ACT_GENESIS, -1}, {ACT_KEY_ENROL, -1}, {ACT_KEY_ROTATE, -1}, {ACT_KEY_REVOKE, -1},
		{ACT_ACCOUNT_OPEN, -1}, {ACT_RECEIPT, REPORT_KIND_MATERIAL},
		{ACT_TRANSFER, REPORT_KIND_MATERIAL}, {ACT_ACCEPT, REPORT_KIND_MATERIAL},
		{ACT_ISSUE, REPORT_KIND_MATERIAL}, {ACT_RETURN, REPORT_KIND_MATERIAL},
		{ACT_DESTROY, REPORT_KIND_DESTRUCTION}, {ACT_POSSESSION, REPORT_KIND_MATERIAL},
		{ACT_INVENTORY, REPORT_KIND_INVENTORY}, {ACT_INCIDENT_REPORT, REPORT_KIND_INCIDENT},
		{ACT_INCIDENT_UPDATE, -1}, {ACT_INCIDENT_CLOSE, -1},
		{ACT_CUSTODIAN_CHANGE, REPORT_KIND_INVENTORY}, {ACT_ACCOUNT_OUTSIDE, -1},
		{ACT_ACCOUNT_DETAILS, -1}, {ACT_PERSON_DETAILS, -1}, {ACT_POLICY_SET, -1},
		{ACT_TRANSFER_REJECT, REPORT_KIND_MATERIAL}, {ACT_TRANSFER_RECALL, REPORT_KIND_MATERIAL},
		{ACT_ALC_CHANGE, -1}, {ACT_KEY_EFFECTIVE, -1},
	};
	ck_assert_uint_eq(sizeof want / sizeof want[0], ACT__COUNT);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		report_kind k = REPORT_KIND_HAND_RECEIPTS;
		bool has = report_kind_for(want[i].a, &k);
		ck_assert_msg(has == (want[i].kind >= 0), "%s", entry_action_name(want[i].a));
		ck_assert_int_eq(k, want[i].kind >= 0 ? want[i].kind : REPORT_KIND_HAND_RECEIPTS);
	}
	ck_assert_str_eq(report_kind_name(REPORT_KIND_MATERIAL), "material");
	ck_assert_str_eq(report_kind_name(REPORT_KIND_DESTRUCTION), "destruction");
	ck_assert_str_eq(report_kind_name(REPORT_KIND_INVENTORY), "inventory");
	/* what report_kind_for picks, report_build takes */
	fixture fx;
	make(&fx, ACT_TRANSFER);
	report_kind k;
	ck_assert(report_kind_for(fx.txn.e.action, &k));
	report r;
	errbuf err = {0};
	ck_assert_int_eq(report_build(&fx.txn, fx.ctx, 3, NULL, k, 0, &r, &err), ST_OK);
	report_free(&r);
	fixture_free(&fx);
}
END_TEST

START_TEST(escape)
{
	char *s = report_escape("a\xe2\x80\xae\x01\nb\xff");
	ck_assert_str_eq(s, "a\\u202e\\x01\\x0ab\\xff");
	free(s);
	s = report_escape_lines("a\x1b[31m\nb");
	ck_assert_str_eq(s, "a\\x1b[31m\nb");
	free(s);
}
END_TEST

/* A material entry of the account its txn names, signed by alice and `second`. */
static char *reg_note(uint64_t index, entry_action a, const char *txn, const char *ref,
		      const char *holder, const char *const *serials, size_t nserials,
		      const char *second, int64_t time_us, size_t *len)
{
	entry e;
	base(&e, index, a);
	e.time_us = time_us;
	snprintf(e.txn, sizeof e.txn, "%s", txn);
	snprintf(e.account, sizeof e.account, "%.6s", txn);
	snprintf(e.ref, sizeof e.ref, "%s", ref);
	snprintf(e.holder, sizeof e.holder, "%s", holder);
	if (a == ACT_DESTROY) {
		e.method = METHOD_BURN;
		snprintf(e.authority, sizeof e.authority, "superseded");
	}
	for (size_t i = 0; i < nserials; i++) {
		entry_item it = {KIND_EQUIPMENT, 1, CLASS_C, false, 1, "", "", "KG-175D", 0, 0};
		snprintf(it.serial, sizeof it.serial, "%s", serials[i]);
		ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	}
	const char *const two[] = {"alice", second};
	return signed_note(&e, two, 2, len);
}

#define DAY INT64_C(86400000000)
#define T0 INT64_C(1767603600000000) /* 2026-01-05 */

START_TEST(hand_receipt_register)
{
	const char *k12[] = {"K1", "K2"}, *k1[] = {"K1"}, *k2[] = {"K2"}, *k3[] = {"K3"},
		   *k4[] = {"K4"};
	char *notes[8];
	size_t lens[8];
	notes[0] = reg_note(10, ACT_ISSUE, "123456-2026-0001", "", "carol", k12, 2, "carol", T0, &lens[0]);
	notes[1] = reg_note(11, ACT_RETURN, "123456-2026-0002", "123456-2026-0001", "carol", k1, 1,
			    "carol", T0 + DAY, &lens[1]);
	notes[2] = reg_note(12, ACT_ISSUE, "123456-2026-0003", "", "wendy", k3, 1, "wendy", T0 + 2 * DAY, &lens[2]);
	/* a return of K2 under another receipt does not close this one */
	notes[3] = reg_note(13, ACT_RETURN, "123456-2026-0004", "123456-2026-0003", "wendy", k2, 1,
			    "wendy", T0 + 3 * DAY, &lens[3]);
	notes[4] = reg_note(14, ACT_ISSUE, "123456-2026-0005", "", "carol", k4, 1, "carol", T0 + 4 * DAY, &lens[4]);
	notes[5] = reg_note(15, ACT_DESTROY, "123456-2026-0006", "", "", k4, 1, "wendy", T0 + 5 * DAY, &lens[5]);
	notes[6] = reg_note(16, ACT_RETURN, "123456-2026-0007", "123456-2026-0001", "carol", k2, 1,
			    "carol", T0 + 6 * DAY, &lens[6]);
	/* another account's issue is not on this register */
	notes[7] = reg_note(17, ACT_ISSUE, "654321-2026-0001", "", "bob", k1, 1, "bob", T0 + 7 * DAY, &lens[7]);
	report_entry es[8];
	for (size_t i = 0; i < 8; i++)
		parse_into(&es[i], notes[i], lens[i], 10 + i);

	report_register g;
	errbuf err = {0};
	ck_assert_int_eq(report_register_build(REPORT_KIND_HAND_RECEIPTS, "123456", NULL, NULL, NULL,
					       es, 8, T0, &g, &err), ST_OK);
	ck_assert_uint_eq(g.nrows, 3);
	ck_assert_uint_eq(g.nopen, 1);
	/* open first: K3 to wendy */
	ck_assert_str_eq(g.rows[0].txn, "123456-2026-0003");
	ck_assert(g.rows[0].open);
	ck_assert(!g.rows[0].lines[0].closed);
	ck_assert_str_eq(g.rows[0].second, "wendy");
	/* then closed, in log order: K1 and K2 returned in two returns */
	ck_assert_str_eq(g.rows[1].txn, "123456-2026-0001");
	ck_assert(!g.rows[1].open);
	ck_assert_str_eq(g.rows[1].lines[0].by_txn, "123456-2026-0002");
	ck_assert_uint_eq(g.rows[1].lines[0].by_index, 11);
	ck_assert_str_eq(g.rows[1].lines[1].by_txn, "123456-2026-0007");
	ck_assert_str_eq(g.rows[1].closed_txn, "123456-2026-0007");
	ck_assert_str_eq(g.rows[1].holder, "carol");
	ck_assert_uint_eq(g.rows[1].index, 10);
	/* K4 destroyed while issued */
	ck_assert_str_eq(g.rows[2].txn, "123456-2026-0005");
	ck_assert_int_eq(g.rows[2].lines[0].by_action, ACT_DESTROY);
	ck_assert_str_eq(g.rows[2].lines[0].by_txn, "123456-2026-0006");
	report_register_free(&g);

	/* --holder, --since / --until (inclusive, by the issue's date) */
	ck_assert_int_eq(report_register_build(REPORT_KIND_HAND_RECEIPTS, "123456", "carol",
					       "2026-01-06", NULL, es, 8, T0, &g, &err), ST_OK);
	ck_assert_uint_eq(g.nrows, 1);
	ck_assert_str_eq(g.rows[0].txn, "123456-2026-0005");
	ck_assert_str_eq(g.holder, "carol");
	report_register_free(&g);
	ck_assert_int_eq(report_register_build(REPORT_KIND_HAND_RECEIPTS, "123456", NULL,
					       "2026-01-05", "2026-01-07", es, 8, T0, &g, &err), ST_OK);
	ck_assert_uint_eq(g.nrows, 2);
	report_register_free(&g);

	/* the destruction register of a period */
	ck_assert_int_eq(report_register_build(REPORT_KIND_DESTRUCTIONS, "123456", NULL,
					       "2026-01-10", "2026-01-10", es, 8, T0, &g, &err), ST_OK);
	ck_assert_uint_eq(g.nrows, 1);
	ck_assert_str_eq(g.rows[0].method, "burn");
	ck_assert_str_eq(g.rows[0].second, "wendy");
	ck_assert_str_eq(g.rows[0].lines[0].line.serial, "K4");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_int_eq(report_register_write_csv(&g, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\"123456\",\"123456-2026-0006\",\"2026-01-10T"));
	ck_assert_ptr_nonnull(strstr(out, "\"alice\",\"wendy\",\"burn\",\"superseded\",\"1\",\"KG-175D\""));
	free(out);
	report_register_free(&g);
	ck_assert_int_eq(report_register_build(REPORT_KIND_DESTRUCTIONS, "123456", NULL,
					       "2026-01-11", NULL, es, 8, T0, &g, &err), ST_OK);
	ck_assert_uint_eq(g.nrows, 0);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(report_register_write_json(&g, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\"destructions\":[]"));
	free(out);
	report_register_free(&g);
	ck_assert_int_eq(report_register_build(REPORT_KIND_MATERIAL, "123456", NULL, NULL, NULL,
					       es, 8, T0, &g, &err), ST_USAGE);
	report_register_free(&g);
	for (size_t i = 0; i < 8; i++) {
		entry_free(&es[i].e);
		free(notes[i]);
	}
}
END_TEST

START_TEST(inventory_count_and_corrections)
{
	const char *k123[] = {"K1", "K2", "K3"}, *k2[] = {"K2"}, *k3[] = {"K3"}, *k13[] = {"K1", "K3"},
		   *k4[] = {"K4"}, *k1[] = {"K1"};
	char *notes[7];
	size_t lens[7];
	notes[0] = reg_note(10, ACT_POSSESSION, "123456-2026-0001", "", "", k123, 3, "wendy", T0, &lens[0]);
	notes[1] = reg_note(11, ACT_ISSUE, "123456-2026-0002", "", "carol", k3, 1, "carol", T0 + DAY, &lens[1]);
	notes[2] = reg_note(12, ACT_DESTROY, "123456-2026-0003", "", "", k2, 1, "wendy", T0 + 2 * DAY, &lens[2]);
	notes[3] = reg_note(13, ACT_INVENTORY, "123456-2026-0004", "", "", k13, 2, "wendy", T0 + 3 * DAY, &lens[3]);
	notes[4] = reg_note(14, ACT_POSSESSION, "123456-2026-0005", "", "", k4, 1, "wendy", T0 + 4 * DAY, &lens[4]);
	notes[5] = reg_note(15, ACT_INVENTORY, "123456-2026-0006", "", "", k1, 1, "wendy", T0 + 5 * DAY, &lens[5]);
	/* another account's possession does not count */
	notes[6] = reg_note(16, ACT_POSSESSION, "654321-2026-0001", "", "", k1, 1, "bob", T0 + 5 * DAY, &lens[6]);
	report_entry es[7];
	for (size_t i = 0; i < 7; i++)
		parse_into(&es[i], notes[i], lens[i], 10 + i);
	/* the history is read in log order; the foreign entry sits before the
	 * spot check to show it is ignored */
	report_entry hist[7] = {es[0], es[1], es[2], es[3], es[4], es[6], es[5]};
	hist[5].index = 14;

	report r;
	errbuf err = {0};
	ck_assert_int_eq(report_build(&es[3], NULL, 0, NULL, REPORT_KIND_INVENTORY, T0, &r, &err), ST_OK);
	ck_assert_int_eq(report_inventory_build(&r, &es[3], hist, 7, &err), ST_OK);
	ck_assert(r.inv->complete);
	ck_assert_uint_eq(r.inv->listed, 2);
	ck_assert_uint_eq(r.inv->held, 2);
	ck_assert_str_eq(r.inv->words, "complete inventory (2 of 2 held): the inventory clock restarts");
	ck_assert_uint_eq(r.inv->prev_index, 0);
	ck_assert_uint_eq(r.inv->nadd, 3);
	ck_assert_uint_eq(r.inv->ndel, 1);
	ck_assert_str_eq(r.inv->dels[0].line.serial, "K2");
	ck_assert_int_eq(r.inv->dels[0].action, ACT_DESTROY);
	report_free(&r);

	ck_assert_int_eq(report_build(&es[5], NULL, 0, NULL, REPORT_KIND_INVENTORY, T0, &r, &err), ST_OK);
	ck_assert_int_eq(report_inventory_build(&r, &es[5], hist, 7, &err), ST_OK);
	ck_assert(!r.inv->complete);
	ck_assert_str_eq(r.inv->words, "spot check (1 of 3 held): the inventory clock is not reset");
	ck_assert_uint_eq(r.inv->prev_index, 13);
	ck_assert_str_eq(r.inv->prev_txn, "123456-2026-0004");
	ck_assert_uint_eq(r.inv->nadd, 1);
	ck_assert_str_eq(r.inv->adds[0].line.serial, "K4");
	ck_assert_uint_eq(r.inv->adds[0].index, 14);
	ck_assert_uint_eq(r.inv->ndel, 0);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_int_eq(report_write_json(&r, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\"inventory\":{\"complete\":false,\"listed\":1,\"held\":3,"));
	ck_assert_ptr_nonnull(strstr(out, "\"previous_complete\":{\"txn\":\"123456-2026-0004\""));
	free(out);
	report_free(&r);

	/* not an inventory: refused */
	ck_assert_int_eq(report_build(&es[4], NULL, 0, NULL, REPORT_KIND_INVENTORY, T0, &r, &err), ST_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a possession, not an inventory"));
	report_free(&r);
	for (size_t i = 0; i < 7; i++) {
		entry_free(&es[i].e);
		free(notes[i]);
	}
}
END_TEST

/* A certification's line items: the kept list, trusted only when it hashes
 * to the signed list_sha256 and its length is the signed sighted. */
START_TEST(certified_list)
{
	report_line good[2] = {{.row = 1, .title = "KAO 12", .edition = "7", .qty = 40, .alc = 2},
			       {.row = 2, .title = "KG-175D", .serial = "KG1", .qty = 1, .alc = 1}};
	rules_list_digest d;
	rules_list_digest_init(&d);
	for (size_t i = 0; i < 2; i++)
		ck_assert(rules_list_digest_add(&d, good[i].title, good[i].edition, good[i].serial,
						good[i].qty));
	uint8_t dg[SHA256_LEN];
	uint64_t count;
	rules_list_digest_final(&d, dg, &count);
	char hex[2 * SHA256_LEN + 1];
	for (size_t i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	entry e;
	errbuf err = {0};
	base(&e, 20, ACT_INVENTORY);
	snprintf(e.txn, sizeof e.txn, "123456-2026-0009");
	snprintf(e.account, sizeof e.account, "123456");
	ck_assert_int_eq(entry_set_detail(&e, "found", "1", &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "list_sha256", hex, &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "not_sighted", "0", &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "qty_diff", "0", &err), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "sighted", "2", &err), ST_OK);
	const char *const two[] = {"alice", "wendy"};
	size_t len;
	char *note = signed_note(&e, two, 2, &len);
	report_entry re;
	parse_into(&re, note, len, 20);
	report r;
	ck_assert_int_eq(report_build(&re, NULL, 0, NULL, REPORT_KIND_INVENTORY, T0, &r, &err), ST_OK);
	ck_assert_uint_eq(r.nlines, 0);

	/* changed, reordered, cut short, renumbered: refused, r untouched */
	report_line bad[2];
	for (int k = 0; k < 4; k++) {
		memcpy(bad, good, sizeof bad);
		size_t n = 2;
		if (k == 0)
			bad[0].qty = 39;
		if (k == 1)
			bad[0] = good[1], bad[1] = good[0], bad[0].row = 1, bad[1].row = 2;
		if (k == 2)
			n = 1;
		if (k == 3)
			bad[1].row = 3;
		ck_assert_int_eq(report_certified_attach(&r, &re, bad, n, &err), ST_CORRUPT);
		ck_assert_ptr_nonnull(strstr(err.msg, "certification 123456-2026-0009 (log entry 20)"));
		ck_assert_uint_eq(r.nlines, 0);
		ck_assert_ptr_null(r.cert);
	}
	ck_assert_int_eq(report_certified_attach(&r, &re, NULL, 0, &err), ST_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "keeps no list of it"));

	ck_assert_int_eq(report_certified_attach(&r, &re, good, 2, &err), ST_OK);
	ck_assert_uint_eq(r.nlines, 2);
	ck_assert_str_eq(r.lines[1].serial, "KG1");
	ck_assert_int_eq(r.lines[1].alc, 0); /* not signed: not printed */
	ck_assert(r.cert->verified);
	ck_assert_str_eq(r.cert->list_sha256, hex);
	ck_assert_int_eq(r.cert->sighted, 2);
	ck_assert_int_eq(r.cert->found, 1);
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	ck_assert_int_eq(report_write_json(&r, f, &err), ST_OK);
	fclose(f);
	char want[256];
	snprintf(want, sizeof want, "\"certification\":{\"list_sha256\":\"%s\",\"lines\":2,"
		 "\"sighted\":2,\"found\":1,\"not_sighted\":0,\"qty_diff\":0,\"verified\":true}", hex);
	/* no inventory part (the material report): the certification on its own */
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_null(strstr(out, "\"inventory\":"));
	free(out);
	report_free(&r);

	/* with its inventory part: the signed count, and the JSON's certification */
	ck_assert_int_eq(report_build(&re, NULL, 0, NULL, REPORT_KIND_INVENTORY, T0, &r, &err), ST_OK);
	ck_assert_int_eq(report_inventory_build(&r, &re, NULL, 0, &err), ST_OK);
	ck_assert_str_eq(r.inv->words, "complete inventory (2 of 2 held): the inventory clock restarts");
	ck_assert_int_eq(report_certified_attach(&r, &re, good, 2, &err), ST_OK);
	out = NULL;
	f = open_memstream(&out, &olen);
	ck_assert_int_eq(report_write_json(&r, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_nonnull(strstr(out, "\"alc\":null,\"remarks\":null"));
	free(out);
	report_free(&r);
	entry_free(&re.e);
	free(note);

	/* an entry that lists its items is no certification */
	char *notes[1];
	size_t lens[1];
	const char *k1[] = {"K1"};
	notes[0] = reg_note(21, ACT_INVENTORY, "123456-2026-0010", "", "", k1, 1, "wendy", T0, &lens[0]);
	parse_into(&re, notes[0], lens[0], 21);
	ck_assert_int_eq(report_build(&re, NULL, 0, NULL, REPORT_KIND_INVENTORY, T0, &r, &err), ST_OK);
	ck_assert_int_eq(report_certified_attach(&r, &re, good, 2, &err), ST_REFUSED);
	ck_assert_uint_eq(r.nlines, 1);
	report_free(&r);
	entry_free(&re.e);
	free(notes[0]);
}
END_TEST

/* An incident entry of account 123456 (reg_note's fields, and the incident's). */
static char *inc_note(uint64_t index, entry_action a, const char *txn, const char *ref,
		      int64_t time_us, int64_t discovered_us, const char *text, size_t *len)
{
	entry e;
	base(&e, index, a);
	e.time_us = time_us;
	snprintf(e.txn, sizeof e.txn, "%s", txn);
	snprintf(e.account, sizeof e.account, "123456");
	snprintf(e.ref, sizeof e.ref, "%s", ref);
	if (a == ACT_INCIDENT_REPORT) {
		e.category = CAT_PHYSICAL;
		e.discovered_us = discovered_us;
	}
	if (a == ACT_INCIDENT_CLOSE)
		e.outcome = OUTCOME_LOST;
	if (a != ACT_INCIDENT_UPDATE) {
		entry_item it = {KIND_EQUIPMENT, 1, CLASS_C, false, 1, "KG1", "", "KG-175D", 0, 0};
		ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	}
	if (text != NULL)
		ck_assert_int_eq(entry_set_text(&e, text, strlen(text)), ST_OK);
	const char *const two[] = {"alice", "erin"};
	return signed_note(&e, two, a == ACT_INCIDENT_CLOSE ? 2 : 1, len);
}

#define HOUR INT64_C(3600000000)

START_TEST(incident_parts_and_deadline)
{
	char *notes[8];
	size_t lens[8];
	const char *I = "123456-2026-0002";
	/* a policy of 72 h before the incident; one of 12 h after it */
	entry pe;
	base(&pe, 9, ACT_POLICY_SET);
	pe.time_us = T0 - HOUR;
	errbuf err = {0};
	ck_assert_int_eq(entry_set_detail(&pe, "incident_report_hours", "72", &err), ST_OK);
	const char *const adm[] = {"adm", "erin"};
	notes[0] = signed_note(&pe, adm, 2, &lens[0]);
	notes[1] = inc_note(10, ACT_INCIDENT_REPORT, I, "", T0, T0 - 50 * HOUR, "vault open", &lens[1]);
	notes[2] = inc_note(11, ACT_INCIDENT_UPDATE, "123456-2026-0003", "123456-2026-0099", T0 + HOUR,
			    0, "another incident's", &lens[2]);
	notes[3] = inc_note(12, ACT_INCIDENT_UPDATE, "123456-2026-0004", I, T0 + 2 * HOUR, 0,
			    "first update", &lens[3]);
	base(&pe, 13, ACT_POLICY_SET);
	pe.time_us = T0 + 3 * HOUR;
	ck_assert_int_eq(entry_set_detail(&pe, "incident_report_hours", "12", &err), ST_OK);
	notes[4] = signed_note(&pe, adm, 2, &lens[4]);
	notes[5] = inc_note(14, ACT_INCIDENT_UPDATE, "123456-2026-0005", I, T0 + 4 * HOUR, 0,
			    "second update", &lens[5]);
	notes[6] = inc_note(15, ACT_INCIDENT_CLOSE, "123456-2026-0006", I, T0 + 5 * HOUR, 0, NULL,
			    &lens[6]);
	notes[7] = inc_note(16, ACT_INCIDENT_UPDATE, "123456-2026-0007", I, T0 + 6 * HOUR, 0,
			    "after the close", &lens[7]);
	report_entry es[8];
	for (size_t i = 0; i < 8; i++)
		parse_into(&es[i], notes[i], lens[i], 9 + i);
	report_entry later[5] = {es[2], es[3], es[5], es[6], es[7]};
	report_entry pol[2] = {es[0], es[4]};

	report r;
	ck_assert_int_eq(report_build(&es[1], NULL, 0, NULL, REPORT_KIND_INCIDENT, T0, &r, &err), ST_OK);
	ck_assert_int_eq(report_incident_build(&r, &es[1], later, 5, pol, 2, &err), ST_OK);
	const report_incident *inc = r.inc;
	ck_assert_int_eq(inc->category, CAT_PHYSICAL);
	ck_assert_int_eq(inc->deadline_hours, 72); /* the 12 h came later */
	ck_assert(!inc->late);
	ck_assert(inc->closed);
	ck_assert_int_eq(inc->outcome, OUTCOME_LOST);
	ck_assert_uint_eq(inc->nparts, 4); /* not another's, not after the close */
	ck_assert_int_eq(inc->parts[0].action, ACT_INCIDENT_REPORT);
	ck_assert_uint_eq(inc->parts[0].index, 10);
	ck_assert_str_eq(inc->parts[1].txn, "123456-2026-0004");
	ck_assert_str_eq(inc->parts[1].text, "first update");
	ck_assert_str_eq(inc->parts[2].txn, "123456-2026-0005");
	ck_assert_int_eq(inc->parts[3].action, ACT_INCIDENT_CLOSE);
	ck_assert_uint_eq(inc->parts[3].nsigners, 2);
	ck_assert_str_eq(inc->parts[3].signers[1], "erin");
	ck_assert_ptr_null(inc->parts[3].text);
	ck_assert_str_eq(report_incident_part_name(inc->parts[3].action), "final");
	char b64[45];
	uint8_t leaf[SHA256_LEN];
	sha256_leaf(es[6].note, es[6].notelen, leaf);
	b64_encode(leaf, sizeof leaf, b64);
	ck_assert_str_eq(inc->parts[3].leaf_b64, b64);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_int_eq(report_write_json(&r, f, &err), ST_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "\"deadline_hours\":72,\"within_deadline\":true,\"status\":\"closed\",\"outcome\":\"lost\""));
	free(out);
	report_free(&r);

	/* under the default 24 h it is late, by 50 h; open without its close */
	ck_assert_int_eq(report_build(&es[1], NULL, 0, NULL, REPORT_KIND_INCIDENT, T0, &r, &err), ST_OK);
	ck_assert_int_eq(report_incident_build(&r, &es[1], later, 3, NULL, 0, &err), ST_OK);
	ck_assert_int_eq(r.inc->deadline_hours, 24);
	ck_assert(r.inc->late);
	ck_assert_int_eq(r.inc->late_hours, 50);
	ck_assert(!r.inc->closed);
	ck_assert_uint_eq(r.inc->nparts, 3);
	report_free(&r);

	/* the rule itself: exactly the deadline is on time */
	ck_assert(!rules_incident_late(&es[1].e, 50, NULL));
	ck_assert(rules_incident_late(&es[1].e, 49, NULL));
	ck_assert(!rules_incident_late(&es[3].e, 1, NULL)); /* not a report */

	/* an update, or a material kind of the report, is refused */
	ck_assert_int_eq(report_build(&es[3], NULL, 0, NULL, REPORT_KIND_INCIDENT, T0, &r, &err), ST_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a incident-update entry, not an incident report"));
	report_free(&r);
	ck_assert_int_eq(report_build(&es[1], NULL, 0, NULL, REPORT_KIND_MATERIAL, T0, &r, &err), ST_REFUSED);
	report_free(&r);
	for (size_t i = 0; i < 8; i++) {
		entry_free(&es[i].e);
		free(notes[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, destruction_model);
	tcase_add_test(tc, entries_after_do_not_count);
	tcase_add_test(tc, wrong_kind);
	tcase_add_test(tc, kind_for_action);
	tcase_add_test(tc, escape);
	tcase_add_test(tc, hand_receipt_register);
	tcase_add_test(tc, inventory_count_and_corrections);
	tcase_add_test(tc, certified_list);
	tcase_add_test(tc, incident_parts_and_deadline);
	suite_add_tcase(s, tc);
	return check_run(s);
}
