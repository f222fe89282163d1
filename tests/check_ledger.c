/* check_ledger: the ledger's actions (src/ledger.c) through its C API,
 * against a real PostgreSQL server (tests/pg.sh; PGUSER a superuser).
 * Each test makes its own database from a migrated template, starts the
 * log with TEST-ONLY keys and acts as the people's own login roles; every
 * test ends with `log verify` (logverify_run) finding the tables equal to
 * the replay of the log. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/db.h"
#include "../src/ledger.h"
#include "../src/logverify.h"
#include "../src/migrate.h"
#include "../src/rules.h"
#include "check_run.h"
#include "testkey.h"

static char template_db[32];
static char dbname[64];

static db *connect_as(const char *database, const char *user)
{
	char ci[192];
	snprintf(ci, sizeof ci, "dbname=%s%s%s", database, user ? " user=" : "", user ? user : "");
	db *d = NULL;
	errbuf err = {0};
	status st = db_open(ci, &d, &err);
	ck_assert_msg(st == ST_OK, "connect as %s: %s", user ? user : "owner", err.msg);
	return d;
}

static void run_sql(db *d, const char *sql)
{
	errbuf err = {0};
	status st = db_exec_script(d, sql, &err);
	ck_assert_msg(st == ST_OK, "%s -> %s", sql, err.msg);
}

static long long count(db *d, const char *sql)
{
	PGresult *r = NULL;
	errbuf err = {0};
	status st = db_exec(d, sql, 0, NULL, &r, &err);
	ck_assert_msg(st == ST_OK, "%s -> %s", sql, err.msg);
	long long v = db_int(r, 0, 0);
	PQclear(r);
	return v;
}

/* A request by `actor` (and `second`), with a fresh idempotency key. */
static ledger_request request(entry_action a, const char *account, const key_secret *actor,
			      const key_secret *second)
{
	ledger_request q = {.action = a, .actor = actor, .second = second};
	snprintf(q.account, sizeof q.account, "%s", account ? account : "");
	/* what format v2 asks of these actions */
	if (a == ACT_DESTROY) {
		q.method = METHOD_SHRED;
		snprintf(q.authority, sizeof q.authority, "DIR-1");
	}
	if (a == ACT_INCIDENT_REPORT)
		q.discovered_us = INT64_C(1767603600000000);
	if (a == ACT_INCIDENT_CLOSE)
		q.outcome = OUTCOME_LOST;
	ledger_new_idem(q.idem);
	return q;
}

static status submit(db *d, const ledger_request *q, errbuf *err)
{
	ledger_result res;
	return ledger_submit(d, q, &res, err);
}

static void must(db *d, const ledger_request *q)
{
	errbuf err = {0};
	status st = submit(d, q, &err);
	ck_assert_msg(st == ST_OK, "%s: %s", entry_action_name(q->action), err_text(&err, st));
}

static key_secret *adm, *alice, *wendy;

/* A fresh database: the log begun by adm, account 123456 with custodian
 * alice and witness wendy. */
static void ledger_setup(void)
{
	/* Each test runs in its own process (CK_FORK): name the database by it. */
	snprintf(dbname, sizeof dbname, "%s_%d", template_db, (int)getpid());
	db *owner = connect_as("postgres", NULL);
	char sql[256];
	snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", dbname, template_db);
	run_sql(owner, sql);
	db_close(owner);
	db *d = connect_as(dbname, NULL);
	ledger_result res;
	errbuf err = {0};
	char idem[LEDGER_IDEM_MAX + 1];
	ledger_new_idem(idem);
	status st = ledger_genesis(d, "custos.test/check_ledger", adm, "", idem, &res, &err);
	ck_assert_msg(st == ST_OK, "genesis: %s", err.msg);
	db_close(d);

	d = connect_as(dbname, "adm");
	ledger_request q = request(ACT_ACCOUNT_OPEN, "123456", adm, NULL);
	q.text = "First account";
	q.textlen = strlen(q.text);
	must(d, &q);
	const key_secret *people[] = {alice, wendy};
	const entry_role roles[] = {ROLE_CUSTODIAN, ROLE_WITNESS};
	for (int i = 0; i < 2; i++) {
		q = request(ACT_KEY_ENROL, "123456", adm, people[i]);
		q.role = roles[i];
		q.subject = *key_secret_public(people[i]);
		must(d, &q);
	}
	db_close(d);
}

static void ledger_teardown(void)
{
	db *owner = connect_as("postgres", NULL);
	char sql[128];
	snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", dbname);
	run_sql(owner, sql);
	db_close(owner);
}

static void diff_fail(void *ctx, const char *line)
{
	(void)ctx;
	ck_abort_msg("log verify: %s", line);
}

static void expect_verified(void)
{
	db *d = connect_as(dbname, NULL);
	logverify_report rep;
	errbuf err = {0};
	status st = logverify_run(d, &rep, diff_fail, NULL, &err);
	ck_assert_msg(st == ST_OK, "log verify: %s", err.msg);
	ck_assert_msg(rep.log_ok, "log verify: entry %llu: %s",
		      (unsigned long long)rep.failed_index, rep.reason);
	ck_assert(rep.valid);
	db_close(d);
}

static entry_item equipment(const char *serial)
{
	entry_item it = {.kind = KIND_EQUIPMENT, .alc = 1, .cls = CLASS_C, .qty = 1};
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	snprintf(it.title, sizeof it.title, "KG-175D");
	return it;
}

static void receive(db *d, const char *serial)
{
	entry_item it = equipment(serial);
	ledger_request q = request(ACT_RECEIPT, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &it;
	q.nitems = 1;
	must(d, &q);
}

/* ---- item specifications ------------------------------------------------ */

START_TEST(test_parse_item)
{
	entry_item it;
	errbuf err = {0};
	ck_assert_int_eq(ledger_parse_item("serial=0042 title=KG-175D", false, &it, &err), ST_OK);
	ck_assert_int_eq(it.alc, 1);
	ck_assert_int_eq(it.kind, KIND_EQUIPMENT);
	ck_assert_str_eq(it.title, "KG-175D");
	ck_assert_int_eq(ledger_parse_item("kind=publication qty=25 edition=3 title=KAO 12 A", false,
					   &it, &err), ST_OK);
	ck_assert_int_eq(it.alc, 2);
	ck_assert_uint_eq(it.qty, 25);
	ck_assert_str_eq(it.title, "KAO 12 A");
	ck_assert_int_eq(ledger_parse_item("kind=key alc=6 class=TS crypto=yes serial=1 "
					   "effective=2026-01-01 supersedes=2026-02-01 title=AKAT 1",
					   false, &it, &err), ST_OK);
	ck_assert_uint_eq(it.supersedes, 20260201);
	/* refusals, each with words */
	static const char *const bad[] = {
		"",
		"title=KG-175D serial=1",            /* title is not last */
		"serial=1 title=KG'; DROP TABLE x; --",
		"serial=1 title=",
		"alc=6 serial=1 title=KG-175D",      /* electronic key ALC on equipment */
		"crypto=yes serial=1 title=KG-175D", /* CRYPTO only on keying material */
		"kind=key serial=1 effective=2026-02-30 title=A",
		"qty=0 kind=publication title=A",
		"qty=1000001 kind=publication title=A",
		"colour=red title=A",
		"serial=a;b title=A",
		"serial=1 title=\xff\xfe",
		"serial=1 title=A\nB",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.msg[0] = '\0';
		ck_assert_msg(ledger_parse_item(bad[i], false, &it, &err) == ST_USAGE,
			      "accepted: %s", bad[i]);
		ck_assert_msg(err.msg[0] != '\0', "no reason given for: %s", bad[i]);
	}
	/* a megabyte of input is refused, not copied */
	size_t big = 1 << 20;
	char *s = malloc(big + 16);
	ck_assert_ptr_nonnull(s);
	memcpy(s, "title=", 6);
	memset(s + 6, 'A', big);
	s[6 + big] = '\0';
	ck_assert_int_eq(ledger_parse_item(s, false, &it, &err), ST_USAGE);
	free(s);
	/* identity only: a bare serial, or title/edition/serial */
	ck_assert_int_eq(ledger_parse_item("0042", true, &it, &err), ST_OK);
	ck_assert_str_eq(it.serial, "0042");
	ck_assert_str_eq(it.title, "");
	ck_assert_int_eq(ledger_parse_item("00 42", true, &it, &err), ST_USAGE);
	ck_assert_int_eq(ledger_parse_item("kind=key title=A", true, &it, &err), ST_USAGE);
}
END_TEST

/* ---- actions ------------------------------------------------------------------ */

START_TEST(test_receive_transfer_verify)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "A1");
	receive(d, "A2");
	entry_item it = {0};
	snprintf(it.serial, sizeof it.serial, "A1");
	ledger_request q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &it;
	q.nitems = 1;
	ledger_result res;
	errbuf err = {0};
	ck_assert_int_eq(ledger_submit(d, &q, &res, &err), ST_OK);
	ck_assert_msg(strncmp(res.txn, "123456-", 7) == 0 && strlen(res.txn) == 16, "%s", res.txn);
	/* the same request again: applied once */
	ledger_result again;
	ck_assert_int_eq(ledger_submit(d, &q, &again, &err), ST_OK);
	ck_assert(again.already);
	ck_assert_uint_eq(again.index, res.index);
	ck_assert_str_eq(again.txn, res.txn);
	ck_assert_int_eq(count(d, "SELECT count(*) FROM log_entry WHERE action = 'transfer'"), 1);
	db_close(d);
	expect_verified();
}
END_TEST

START_TEST(test_refusals_write_nothing)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "R1");
	long long size = count(d, "SELECT size FROM log_head");
	errbuf err = {0};
	entry_item it = {0};
	snprintf(it.serial, sizeof it.serial, "R1");
	/* destruction without a witness, with the actor as witness, with a key
	 * that is not enrolled */
	key_secret *mallory = test_key("mallory");
	const key_secret *witnesses[] = {NULL, alice, mallory};
	const status want[] = {ST_REFUSED, ST_DENIED, ST_DENIED};
	for (int i = 0; i < 3; i++) {
		ledger_request q = request(ACT_DESTROY, "123456", alice, witnesses[i]);
		q.items = &it;
		q.nitems = 1;
		ck_assert_int_eq(submit(d, &q, &err), want[i]);
	}
	/* wrong actor key for the login */
	ledger_request q = request(ACT_DESTROY, "123456", wendy, alice);
	q.items = &it;
	q.nitems = 1;
	ck_assert_int_eq(submit(d, &q, &err), ST_DENIED);
	ck_assert_msg(strstr(err.msg, "not the enrolled key") != NULL, "%s", err.msg);
	/* an item not on record, another account */
	entry_item ghost = {0};
	snprintf(ghost.serial, sizeof ghost.serial, "NOPE");
	q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &ghost;
	q.nitems = 1;
	ck_assert_int_eq(submit(d, &q, &err), ST_REFUSED);
	q = request(ACT_TRANSFER, "654321", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &it;
	q.nitems = 1;
	ck_assert_int_eq(submit(d, &q, &err), ST_REFUSED);
	/* text that is too long, and invalid UTF-8 */
	size_t big = 1 << 20;
	char *text = malloc(big);
	ck_assert_ptr_nonnull(text);
	memset(text, 'x', big);
	q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &it;
	q.nitems = 1;
	q.text = text;
	q.textlen = big;
	ck_assert_int_eq(submit(d, &q, &err), ST_REFUSED);
	q.text = "bad \xff utf-8";
	q.textlen = strlen(q.text);
	ck_assert_int_eq(submit(d, &q, &err), ST_REFUSED);
	free(text);
	ck_assert_int_eq(count(d, "SELECT size FROM log_head"), size);
	ck_assert_int_eq(count(d, "SELECT count(*) FROM item WHERE status <> 'on_hand'"), 0);
	/* and the connection is still good for the next action */
	q = request(ACT_DESTROY, "123456", alice, wendy);
	q.items = &it;
	q.nitems = 1;
	must(d, &q);
	key_secret_free(mallory);
	db_close(d);
	expect_verified();
}
END_TEST

/* An idempotency key reused for another request is refused, by submit and
 * by preview, and writes nothing; the same request again is a retry. */
START_TEST(test_idem_reused)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "I1");
	receive(d, "I2");
	entry_item it = {0};
	snprintf(it.serial, sizeof it.serial, "I1");
	ledger_request q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &it;
	q.nitems = 1;
	ledger_result res, again;
	errbuf err = {0};
	ck_assert_int_eq(ledger_submit(d, &q, &res, &err), ST_OK);
	long long size = count(d, "SELECT size FROM log_head");
	/* the same request: a retry */
	ck_assert_int_eq(ledger_submit(d, &q, &again, &err), ST_OK);
	ck_assert(again.already);
	ck_assert_uint_eq(again.index, res.index);
	/* the key with another action, other items, another peer, a text */
	char want[300];
	snprintf(want, sizeof want, "idempotency key %s was used for entry %llu (transfer %s), ",
		 q.idem, (unsigned long long)res.index, res.txn);
	entry_item i2 = equipment("I2");
	ledger_request other = q;
	other.action = ACT_POSSESSION;
	other.peer[0] = '\0';
	other.items = &i2;
	ck_assert_int_eq(ledger_submit(d, &other, &again, &err), ST_REFUSED);
	ck_assert_msg(strstr(err.msg, want) != NULL && strstr(err.msg, "a different action; "
							      "use a new key") != NULL, "%s", err.msg);
	ck_assert(!again.already);
	other = q;
	entry_item bare2 = {0};
	snprintf(bare2.serial, sizeof bare2.serial, "I2");
	other.items = &bare2;
	ck_assert_int_eq(ledger_submit(d, &other, &again, &err), ST_REFUSED);
	ck_assert_msg(strstr(err.msg, "with other items") != NULL, "%s", err.msg);
	other = q;
	memcpy(other.peer, "654321", 7);
	ck_assert_int_eq(ledger_submit(d, &other, &again, &err), ST_REFUSED);
	ck_assert_msg(strstr(err.msg, "another peer") != NULL, "%s", err.msg);
	other = q;
	other.text = "a remark";
	other.textlen = strlen(other.text);
	ck_assert_int_eq(ledger_submit(d, &other, &again, &err), ST_REFUSED);
	ck_assert_msg(strstr(err.msg, "another text") != NULL, "%s", err.msg);
	/* preview: the same request is applied already, another refused */
	char *text = NULL;
	size_t len;
	ledger_signers who;
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_EXISTS);
	other = q;
	other.items = &bare2;
	ck_assert_int_eq(ledger_preview(d, &other, &text, &len, &who, &err), ST_REFUSED);
	ck_assert_msg(strstr(err.msg, "with other items") != NULL, "%s", err.msg);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(count(d, "SELECT size FROM log_head"), size);
	ck_assert_int_eq(count(d, "SELECT count(*) FROM item WHERE status = 'on_hand'"), 1);
	db_close(d);
	expect_verified();
}
END_TEST

/* A failure among the pipelined writes rolls the whole action back, and
 * the same connection serves the next action. */
START_TEST(test_pipeline_failure)
{
	db *owner = connect_as(dbname, NULL);
	db *d = connect_as(dbname, "alice");
	receive(d, "P1");
	run_sql(owner, "CREATE FUNCTION custos.test_fail() RETURNS trigger LANGUAGE plpgsql AS "
		       "$$ BEGIN RAISE EXCEPTION 'test: refused'; END $$;"
		       "CREATE TRIGGER test_fail BEFORE INSERT ON custos.txn FOR EACH ROW "
		       "WHEN (NEW.action = 'transfer') EXECUTE FUNCTION custos.test_fail()");
	long long size = count(d, "SELECT size FROM log_head");
	entry_item it = {0};
	snprintf(it.serial, sizeof it.serial, "P1");
	ledger_request q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &it;
	q.nitems = 1;
	errbuf err = {0};
	ck_assert_int_eq(submit(d, &q, &err), ST_DB);
	ck_assert_msg(strstr(err.msg, "test: refused") != NULL, "%s", err.msg);
	ck_assert_int_eq(count(d, "SELECT size FROM log_head"), size);
	ck_assert_int_eq(count(d, "SELECT count(*) FROM item WHERE serial = 'P1' AND "
				  "status = 'on_hand'"), 1);
	run_sql(owner, "DROP TRIGGER test_fail ON custos.txn; DROP FUNCTION custos.test_fail()");
	ledger_new_idem(q.idem);
	must(d, &q);
	receive(d, "P2");
	db_close(d);
	db_close(owner);
	expect_verified();
}
END_TEST

/* A random walk through the lifecycle: hundreds of actions by two
 * custodians, each applied or refused by the ledger; refusals must be
 * rule refusals, never server errors, and at the end the replay of the log
 * (a second implementation of the same rules) must equal the tables. */
static unsigned long rng_state;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng_state >> 33) % n);
}

/* A random row's `column` from `table` (as the owner), or "" if none. */
static void pick_from(db *owner, const char *column, const char *table, const char *where,
		      char *out, size_t cap)
{
	char sql[640], seed[32];
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s ORDER BY %s "
				  "OFFSET $1::integer %% greatest((SELECT count(*) FROM %s WHERE %s), 1) "
				  "LIMIT 1", column, table, where, column, table, where);
	snprintf(seed, sizeof seed, "%u", rnd(1000000));
	const char *p[] = {seed};
	PGresult *r = NULL;
	errbuf err = {0};
	ck_assert_msg(db_exec(owner, sql, 1, p, &r, &err) == ST_OK, "%s", err.msg);
	snprintf(out, cap, "%s", PQntuples(r) ? db_val(r, 0, 0) : "");
	PQclear(r);
}

static void pick(db *owner, const char *where, char out[ENTRY_SERIAL_MAX + 1])
{
	pick_from(owner, "serial", "item", where, out, ENTRY_SERIAL_MAX + 1);
}

static void pick_txn(db *owner, const char *where, char out[ENTRY_TXN_MAX + 1])
{
	pick_from(owner, "number", "txn", where, out, ENTRY_TXN_MAX + 1);
}

START_TEST(test_random_walk)
{
	rng_state = 0x5eed0000UL + (unsigned long)_i;
	key_secret *bob = test_key("bob"), *carol = test_key("carol"), *erin = test_key("erin");
	db *a = connect_as(dbname, "adm");
	ledger_request q = request(ACT_ACCOUNT_OPEN, "654321", adm, NULL);
	q.text = "Second";
	q.textlen = 6;
	must(a, &q);
	struct { const key_secret *k; entry_role role; const char *acct; } enrol[] = {
		{bob, ROLE_CUSTODIAN, "654321"}, {carol, ROLE_HOLDER, "123456"},
		{erin, ROLE_AUTHORITY, ""}, {wendy, ROLE_WITNESS, "654321"},
	};
	for (size_t i = 0; i < sizeof enrol / sizeof enrol[0]; i++) {
		q = request(ACT_KEY_ENROL, enrol[i].acct, adm, enrol[i].k);
		if (enrol[i].k == wendy)
			q.second = bob; /* wendy is enrolled already: another person co-signs */
		q.role = enrol[i].role;
		q.subject = *key_secret_public(enrol[i].k);
		must(a, &q);
	}
	db_close(a);
	db *owner = connect_as(dbname, NULL);
	db *da = connect_as(dbname, "alice"), *db_ = connect_as(dbname, "bob");
	unsigned applied = 0, refused = 0, serial = 0, answered = 0;
	for (int step = 0; step < 250; step++) {
		bool at_a = rnd(2) == 0;
		db *d = at_a ? da : db_;
		const key_secret *me = at_a ? alice : bob;
		const char *acct = at_a ? "123456" : "654321", *other = at_a ? "654321" : "123456";
		entry_item it = {0};
		ledger_request r = request(ACT_RECEIPT, acct, me, NULL);
		char where[160];
		switch (rnd(10)) {
		case 0:
		case 1: { /* receipt of new material, sometimes keying material */
			it = equipment("");
			snprintf(it.serial, sizeof it.serial, "W%u", ++serial);
			if (rnd(3) == 0) {
				it.kind = KIND_KEY;
				it.cls = (item_class)rnd(4);
				it.crypto = true;
				it.effective = 20260101;
				it.supersedes = 20260201;
				if (it.cls == CLASS_TS)
					r.second = at_a ? wendy : NULL; /* bob has none: refused */
			}
			memcpy(r.peer, "COR", 4);
			break;
		}
		case 2: /* transfer to the other account or out */
			r.action = ACT_TRANSFER;
			snprintf(where, sizeof where, "account = '%s' AND status = 'on_hand'", acct);
			pick(owner, where, it.serial);
			snprintf(r.peer, sizeof r.peer, "%s", rnd(2) ? other : "COR");
			break;
		case 3: { /* accept or reject what is in transit here (an outside
			   * receiver's answer), or recall a transfer of ours */
			unsigned k = rnd(4);
			r.action = k == 3 ? ACT_TRANSFER_RECALL : k == 2 ? ACT_TRANSFER_REJECT : ACT_ACCEPT;
			if (k == 3)
				snprintf(where, sizeof where, "open AND action = 'transfer' AND "
							      "account = '%s'", acct);
			else
				snprintf(where, sizeof where, "open AND action = 'transfer' AND (peer = "
							      "'%s' OR (account = '%s' AND peer = 'COR'))",
					 acct, acct);
			pick_txn(owner, where, r.ref);
			break;
		}
		case 4: /* hand receipt to carol (on 123456 only) */
			r.action = ACT_ISSUE;
			r.second = carol;
			snprintf(r.holder, sizeof r.holder, "carol");
			snprintf(where, sizeof where, "account = '%s' AND status = 'on_hand'", acct);
			pick(owner, where, it.serial);
			break;
		case 5: /* return from carol */
			r.action = ACT_RETURN;
			r.second = carol;
			snprintf(r.holder, sizeof r.holder, "carol");
			snprintf(where, sizeof where, "account = '%s' AND status = 'issued'", acct);
			pick(owner, where, it.serial);
			if (it.serial[0]) {
				char w2[160];
				snprintf(w2, sizeof w2, "number = (SELECT last_txn FROM item WHERE serial = '%s')",
					 it.serial);
				pick_txn(owner, w2, r.ref);
			}
			break;
		case 6: /* destruction with wendy */
			r.action = ACT_DESTROY;
			r.second = wendy;
			r.method = METHOD_BURN;
			snprintf(r.authority, sizeof r.authority, "DIR-2");
			snprintf(where, sizeof where, "account = '%s' AND status IN ('on_hand', 'issued', "
						      "'incident')", acct);
			pick(owner, where, it.serial);
			break;
		case 7: /* incident on an item, or its close with erin */
			if (rnd(2)) {
				r.action = ACT_INCIDENT_REPORT;
				r.category = CAT_PHYSICAL;
				r.discovered_us = INT64_C(1767603600000000);
				snprintf(where, sizeof where, "account = '%s' AND status = 'on_hand'", acct);
				pick(owner, where, it.serial);
			} else {
				r.action = ACT_INCIDENT_CLOSE;
				r.second = erin;
				r.outcome = rnd(2) ? OUTCOME_LOST : OUTCOME_NO_COMPROMISE;
				snprintf(where, sizeof where, "open AND action = 'incident-report' AND "
							      "account = '%s'", acct);
				pick_txn(owner, where, r.ref);
			}
			break;
		case 8: /* found: an item under incident, or relieved, comes back */
			r.action = ACT_POSSESSION;
			snprintf(where, sizeof where, "account = '%s' AND status IN ('incident', "
						      "'relieved')", acct);
			pick(owner, where, it.serial);
			if (it.serial[0]) {
				char w2[160];
				snprintf(w2, sizeof w2, "number = (SELECT incident FROM item WHERE "
							"serial = '%s' AND status = 'relieved')",
					 it.serial);
				pick_txn(owner, w2, r.ref); /* relieved: name the incident */
			}
			if (it.serial[0]) {
				/* possession gives the item's details as recorded */
				const char *p[] = {it.serial};
				PGresult *res = NULL;
				errbuf e = {0};
				ck_assert(db_exec(owner, "SELECT title, kind, class, crypto FROM item "
							 "WHERE serial = $1", 1, p, &res, &e) == ST_OK);
				char keep[ENTRY_SERIAL_MAX + 1];
				memcpy(keep, it.serial, sizeof keep);
				it = equipment(keep);
				if (strcmp(db_val(res, 0, 1), "key") == 0) {
					it.kind = KIND_KEY;
					it.crypto = true;
					it.cls = (item_class)(strchr("UCS", db_val(res, 0, 2)[0]) -
							      "UCS");
					if (strcmp(db_val(res, 0, 2), "TS") == 0)
						it.cls = CLASS_TS;
					it.effective = 20260101;
					it.supersedes = 20260201;
					if (it.cls == CLASS_TS)
						r.second = at_a ? wendy : NULL;
				}
				PQclear(res);
			}
			break;
		default: /* a witnessed inventory of one item */
			r.action = ACT_INVENTORY;
			r.second = wendy;
			snprintf(where, sizeof where, "account = '%s' AND status IN ('on_hand', "
						      "'issued')", acct);
			pick(owner, where, it.serial);
			break;
		}
		bool has_item = it.serial[0] != '\0';
		if (r.action != ACT_ACCEPT && r.action != ACT_TRANSFER_REJECT &&
		    r.action != ACT_TRANSFER_RECALL && r.action != ACT_INCIDENT_CLOSE) {
			if (!has_item && r.action != ACT_RECEIPT)
				continue;
			r.items = &it;
			r.nitems = 1;
		} else if (r.ref[0] == '\0') {
			continue;
		}
		errbuf err = {0};
		ledger_result res;
		status st = ledger_submit(d, &r, &res, &err);
		ck_assert_msg(st == ST_OK || st == ST_REFUSED || st == ST_DENIED || st == ST_USAGE,
			      "step %d (%s): unexpected %s: %s", step, entry_action_name(r.action),
			      status_message(st), err.msg);
		if (st == ST_OK)
			applied++;
		else
			refused++;
		answered += st == ST_OK && (r.action == ACT_TRANSFER_REJECT ||
					    r.action == ACT_TRANSFER_RECALL);
	}
	db_close(da);
	db_close(db_);
	db_close(owner);
	key_secret_free(bob);
	key_secret_free(carol);
	key_secret_free(erin);
	ck_assert_msg(applied > 100, "only %u of %u actions applied", applied, applied + refused);
	ck_assert_msg(answered > 0, "no transfer was rejected or recalled");
	expect_verified();
}
END_TEST


/* ---- preview: the exact entry before it is signed ------------------------ */

static ledger_request transfer_by_serial(const char *serial, entry_item *it)
{
	memset(it, 0, sizeof *it);
	snprintf(it->serial, sizeof it->serial, "%s", serial);
	ledger_request q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = it;
	q.nitems = 1;
	return q;
}

/* The stored note of entry idx, its text only (up to the blank line). */
static char *stored_text(db *d, uint64_t idx)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT convert_from(note, 'UTF8') FROM log_entry WHERE idx = %llu",
		 (unsigned long long)idx);
	PGresult *r = NULL;
	errbuf err = {0};
	ck_assert_int_eq(db_exec(d, sql, 0, NULL, &r, &err), ST_OK);
	ck_assert_int_eq(PQntuples(r), 1);
	const char *note = db_val(r, 0, 0);
	const char *blank = strstr(note, "\n\n");
	ck_assert_ptr_nonnull(blank);
	char *t = strndup(note, (size_t)(blank - note) + 1);
	PQclear(r);
	return t;
}

/* The state a preview must not change, as one string. */
static void snapshot(db *d, char *out, size_t cap)
{
	snprintf(out, cap, "%lld/%lld/%lld/%lld/%lld",
		 count(d, "SELECT size FROM log_head"), count(d, "SELECT count(*) FROM log_entry"),
		 count(d, "SELECT count(*) FROM txn"),
		 count(d, "SELECT count(*) FROM item WHERE status = 'on_hand'"),
		 count(d, "SELECT count(*) FROM entry_item"));
}

/* A part of a lot, previewed: its serial is named after the index the
 * preview had; an entry that lands meanwhile moves the index, and the part
 * signed is named after the entry's own index, its lot and quantity as
 * previewed.  The lot keeps the rest. */
START_TEST(test_preview_part)
{
	db *d = connect_as(dbname, "alice");
	entry_item lot = {.kind = KIND_PUBLICATION, .alc = 4, .cls = CLASS_U, .qty = 100};
	snprintf(lot.serial, sizeof lot.serial, "LOT9");
	snprintf(lot.title, sizeof lot.title, "KAM-9");
	ledger_request rq = request(ACT_RECEIPT, "123456", alice, NULL);
	memcpy(rq.peer, "COR", 4);
	rq.items = &lot;
	rq.nitems = 1;
	must(d, &rq);
	entry_item part = {.qty = 30};
	snprintf(part.serial, sizeof part.serial, "LOT9");
	snprintf(part.title, sizeof part.title, "KAM-9");
	ledger_request q = request(ACT_TRANSFER, "123456", alice, NULL);
	memcpy(q.peer, "COR", 4);
	q.items = &part;
	q.nitems = 1;
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	errbuf err = {0};
	status st = ledger_preview(d, &q, &text, &len, &who, &err);
	ck_assert_msg(st == ST_OK, "preview: %s", err_text(&err, st));
	long long at = count(d, "SELECT size FROM log_head");
	char want[64];
	snprintf(want, sizeof want, "qty=30 serial=LOT9+%lld ", at);
	ck_assert_msg(strstr(text, want) != NULL, "%s lacks %s", text, want);
	db *other = connect_as(dbname, "adm");
	ledger_request o = request(ACT_ACCOUNT_OPEN, "345678", adm, NULL);
	o.text = "Third account";
	o.textlen = strlen(o.text);
	must(other, &o);
	db_close(other);
	q.expect = text;
	q.expectlen = len;
	ledger_result res;
	st = ledger_submit(d, &q, &res, &err);
	ck_assert_msg(st == ST_OK, "submit: %s", err_text(&err, st));
	ck_assert_int_eq((long long)res.index, at + 1);
	char *signed_text = stored_text(d, res.index);
	snprintf(want, sizeof want, "qty=30 serial=LOT9+%lld ", at + 1);
	ck_assert_msg(strstr(signed_text, want) != NULL, "%s lacks %s", signed_text, want);
	ck_assert_int_eq(count(d, "SELECT qty FROM item WHERE serial = 'LOT9'"), 70);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT qty FROM item WHERE serial = 'LOT9+%lld' AND status = "
		 "'in_transit'", at + 1);
	ck_assert_int_eq(count(d, sql), 30);
	free(text);
	free(signed_text);
	db_close(d);
	expect_verified();
}
END_TEST

START_TEST(test_preview_equals_submit)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "V1");
	entry_item it;
	ledger_request q = transfer_by_serial("V1", &it);
	q.text = "to the COR, by courier \"quoted\"";
	q.textlen = strlen(q.text);
	char before[128], after[128];
	snapshot(d, before, sizeof before);
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	errbuf err = {0};
	status st = ledger_preview(d, &q, &text, &len, &who, &err);
	ck_assert_msg(st == ST_OK, "preview: %s", err_text(&err, st));
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_str_eq(who.actor, "alice");
	ck_assert_int_eq(who.second, LEDGER_SECOND_NONE);
	ck_assert_msg(strstr(text, "\naction transfer\n") && strstr(text, "\npeer COR\n") &&
		      strstr(text, "serial=V1 ") && strstr(text, "title=KG-175D\n") &&
		      strstr(text, "\ntxn 123456-"), "%s", text);
	/* the preview wrote nothing, and holds no lock: another session acts */
	snapshot(d, after, sizeof after);
	ck_assert_str_eq(before, after);
	db *other = connect_as(dbname, "adm");
	ledger_request o = request(ACT_ACCOUNT_OPEN, "234567", adm, NULL);
	o.text = "Second account";
	o.textlen = strlen(o.text);
	must(other, &o);
	db_close(other);
	/* the submission signs the same text; index, prev and time moved by
	 * the entry that landed meanwhile (on no account: the transaction
	 * number stays) */
	q.expect = text;
	q.expectlen = len;
	ledger_result res;
	st = ledger_submit(d, &q, &res, &err);
	ck_assert_msg(st == ST_OK, "submit: %s", err_text(&err, st));
	char *signed_text = stored_text(d, res.index);
	size_t line = 0;
	ck_assert_msg(ledger_same_entry(text, len, signed_text, strlen(signed_text), &line),
		      "line %zu differs:\n%s\n---\n%s", line, text, signed_text);
	ck_assert_msg(strcmp(text, signed_text) != 0, "index and prev should have moved");
	/* with nothing landing in between, the text is the same to the byte
	 * but for the time */
	receive(d, "V2");
	q = transfer_by_serial("V2", &it);
	free(text);
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	q.expect = text;
	q.expectlen = len;
	ck_assert_int_eq(ledger_submit(d, &q, &res, &err), ST_OK);
	free(signed_text);
	signed_text = stored_text(d, res.index);
	const char *tp = strstr(text, "\ntime "), *ts = strstr(signed_text, "\ntime ");
	ck_assert_ptr_nonnull(tp);
	ck_assert_ptr_nonnull(ts);
	ck_assert_int_eq(memcmp(text, signed_text, (size_t)(tp - text)), 0);
	ck_assert_str_eq(strchr(tp + 1, '\n'), strchr(ts + 1, '\n'));
	/* a preview of a request already applied says so */
	char *again = NULL;
	ck_assert_int_eq(ledger_preview(d, &q, &again, &len, &who, &err), ST_EXISTS);
	ck_assert_ptr_null(again);
	ck_assert_msg(strstr(err.msg, "applied already") != NULL, "%s", err.msg);
	free(text);
	free(signed_text);
	db_close(d);
	expect_verified();
}
END_TEST

/* The sequence number of an entry text's transaction number (after its
 * last '-'), or -1. */
static long txn_seq(const char *text)
{
	const char *t = strstr(text, "\ntxn ");
	if (t == NULL)
		return -1;
	const char *end = strchr(t + 1, '\n'), *dash = NULL;
	for (const char *c = t + 1; c < end; c++)
		if (*c == '-')
			dash = c;
	return dash != NULL ? strtol(dash + 1, NULL, 10) : -1;
}

/* Another action on the account takes the transaction number a preview
 * showed: the submission still signs what was reviewed, under the next
 * number (before the fix, the number was counted before the head's lock
 * and the two actions collided). */
START_TEST(test_preview_then_number_taken)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "N1");
	entry_item it;
	ledger_request q = transfer_by_serial("N1", &it);
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	errbuf err = {0};
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	db *other = connect_as(dbname, "alice");
	receive(other, "N2");
	db_close(other);
	q.expect = text;
	q.expectlen = len;
	ledger_result res;
	status st = ledger_submit(d, &q, &res, &err);
	ck_assert_msg(st == ST_OK, "submit: %s", err_text(&err, st));
	char *signed_text = stored_text(d, res.index);
	ck_assert_int_eq(txn_seq(signed_text), txn_seq(text) + 1);
	ck_assert_int_eq(strtol(strrchr(res.txn, '-') + 1, NULL, 10), txn_seq(signed_text));
	free(text);
	free(signed_text);
	db_close(d);
	expect_verified();
}
END_TEST

START_TEST(test_preview_then_items_change)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "W1");
	entry_item it;
	ledger_request q = transfer_by_serial("W1", &it);
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	errbuf err = {0};
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	/* meanwhile: W1 is destroyed and another item with serial W1 arrives */
	entry_item gone = it;
	ledger_request x = request(ACT_DESTROY, "123456", alice, wendy);
	x.items = &gone;
	x.nitems = 1;
	must(d, &x);
	entry_item other = equipment("W1");
	snprintf(other.title, sizeof other.title, "KY-57");
	x = request(ACT_RECEIPT, "123456", alice, NULL);
	memcpy(x.peer, "COR", 4);
	x.items = &other;
	x.nitems = 1;
	must(d, &x);
	char before[128], after[128];
	snapshot(d, before, sizeof before);
	/* the same request would now send the KY-57: refused, nothing written */
	q.expect = text;
	q.expectlen = len;
	ledger_result res;
	ck_assert_int_eq(ledger_submit(d, &q, &res, &err), ST_REFUSED);
	ck_assert_msg(err.why == RULE_PREVIEW_CHANGED, "why %d: %s", err.why, err.msg);
	ck_assert_msg(strstr(err.msg, "no longer the one previewed") != NULL, "%s", err.msg);
	snapshot(d, after, sizeof after);
	ck_assert_str_eq(before, after);
	/* a fresh preview shows the new item, and that one goes through */
	free(text);
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	ck_assert_msg(strstr(text, "title=KY-57\n") != NULL, "%s", text);
	q.expect = text;
	q.expectlen = len;
	ck_assert_int_eq(ledger_submit(d, &q, &res, &err), ST_OK);
	/* an expected text that is not an entry at all is refused too */
	receive(d, "W2");
	q = transfer_by_serial("W2", &it);
	q.expect = "custos-entry/v1 elsewhere\n";
	q.expectlen = strlen(q.expect);
	ck_assert_int_eq(ledger_submit(d, &q, &res, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_PREVIEW_CHANGED);
	free(text);
	db_close(d);
	expect_verified();
}
END_TEST

/* What submit refuses, preview refuses with the same status and words. */
START_TEST(test_preview_refuses_as_submit)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "Q1");
	size_t big = 1 << 20;
	char *huge = malloc(big);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'x', big);
	entry_item q1 = {0}, ghost = {0}, twice[2] = {{0}};
	snprintf(q1.serial, sizeof q1.serial, "Q1");
	snprintf(ghost.serial, sizeof ghost.serial, "NOPE");
	twice[0] = q1;
	twice[1] = q1;
	ledger_request reqs[9];
	int n = 0;
	reqs[n] = transfer_by_serial("NOPE", &ghost);           /* not on record */
	n++;
	reqs[n] = transfer_by_serial("Q1", &q1);                /* to itself */
	memcpy(reqs[n].peer, "123456", 7);
	n++;
	reqs[n] = transfer_by_serial("Q1", &q1);                /* another account */
	memcpy(reqs[n].account, "654321", 7);
	n++;
	reqs[n] = transfer_by_serial("Q1", &q1);                /* text too long */
	reqs[n].text = huge;
	reqs[n].textlen = big;
	n++;
	reqs[n] = transfer_by_serial("Q1", &q1);                /* invalid UTF-8 */
	reqs[n].text = "bad \xff\xfe";
	reqs[n].textlen = 6;
	n++;
	reqs[n] = transfer_by_serial("Q1", &q1);                /* listed twice */
	reqs[n].items = twice;
	reqs[n].nitems = 2;
	n++;
	reqs[n] = request(ACT_DESTROY, "123456", alice, alice); /* own witness */
	reqs[n].items = &q1;
	reqs[n].nitems = 1;
	n++;
	reqs[n] = request(ACT_ISSUE, "123456", alice, NULL);    /* to oneself */
	memcpy(reqs[n].holder, "alice", 6);
	reqs[n].items = &q1;
	reqs[n].nitems = 1;
	n++;
	reqs[n] = request(ACT_TRANSFER, "123456", wendy, NULL); /* another's key */
	memcpy(reqs[n].peer, "COR", 4);
	reqs[n].items = &q1;
	reqs[n].nitems = 1;
	n++;
	char before[128], after[128];
	snapshot(d, before, sizeof before);
	for (int i = 0; i < n; i++) {
		errbuf ep = {0}, es = {0};
		char *text = NULL;
		size_t len = 0;
		ledger_signers who;
		status sp = ledger_preview(d, &reqs[i], &text, &len, &who, &ep);
		ledger_request sq = reqs[i];
		if (sq.action == ACT_ISSUE)
			sq.second = alice; /* submit needs the holder's key */
		status ss = submit(d, &sq, &es);
		ck_assert_msg(sp != ST_OK && sp == ss, "request %d: preview %d, submit %d (%s)", i,
			      sp, ss, es.msg);
		ck_assert_msg(strcmp(ep.msg, es.msg) == 0, "request %d: '%s' vs '%s'", i, ep.msg,
			      es.msg);
		ck_assert_ptr_null(text);
	}
	snapshot(d, after, sizeof after);
	ck_assert_str_eq(before, after);
	/* without the second key, the preview says who must sign */
	ledger_request q = request(ACT_DESTROY, "123456", alice, NULL);
	q.items = &q1;
	q.nitems = 1;
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	errbuf err = {0};
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	ck_assert_int_eq(who.second, LEDGER_SECOND_WITNESS);
	ck_assert_str_eq(ledger_second_name(who.second), "witness");
	free(text);
	q = request(ACT_ISSUE, "123456", NULL, NULL);           /* actor key not loaded */
	memcpy(q.holder, "wendy", 6);
	q.items = &q1;
	q.nitems = 1;
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	ck_assert_int_eq(who.second, LEDGER_SECOND_HOLDER);
	ck_assert_str_eq(who.second_name, "wendy");
	ck_assert_str_eq(who.actor, "alice");
	ck_assert_msg(strstr(text, "\nholder wendy\n") != NULL, "%s", text);
	free(text);
	/* with the witness's key, the preview checks it too */
	q = request(ACT_DESTROY, "123456", alice, wendy);
	q.items = &q1;
	q.nitems = 1;
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	ck_assert_str_eq(who.second_name, "wendy");
	free(text);
	/* with only the public key of the second person chosen (before their
	 * passphrase), the same checks: the witness passes; the administrator,
	 * who holds no role on the account, and a key not enrolled do not */
	q = request(ACT_DESTROY, "123456", alice, NULL);
	q.items = &q1;
	q.nitems = 1;
	q.second_pub = key_secret_public(wendy);
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_OK);
	ck_assert_str_eq(who.second_name, "wendy");
	free(text);
	q.second_pub = key_secret_public(adm);
	err = (errbuf){0};
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_DENIED);
	ck_assert_int_eq(err.why, RULE_SIGNERS);
	ck_assert_msg(strstr(err.msg, "adm may not witness on account 123456") != NULL, "%s",
		      err.msg);
	ck_assert_ptr_null(text);
	key_secret *stranger = test_key("stranger");
	q.second_pub = key_secret_public(stranger);
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_DENIED);
	q.second_pub = key_secret_public(alice);
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &err), ST_DENIED);
	key_secret_free(stranger);
	snapshot(d, after, sizeof after);
	ck_assert_str_eq(before, after);
	free(huge);
	db_close(d);
	expect_verified();
}
END_TEST

/* alc-change and key-effective: the client refuses before signing with the
 * code the server and the replay use, and the preview shows the detail
 * lines; a sound change and effect go through and the log verifies. */
START_TEST(test_alc_and_effect)
{
	db *d = connect_as(dbname, "alice");
	receive(d, "L1"); /* equipment, ALC-1 */
	entry_item l1 = {0};
	snprintf(l1.serial, sizeof l1.serial, "L1");
	ledger_detail down[] = {{"alc", "2"}}, ref[] = {{"alc", "2"}, {"authority", "NSA-7"}};
	ledger_request q = request(ACT_ALC_CHANGE, "123456", alice, NULL);
	q.items = &l1;
	q.nitems = 1;
	q.details = down;
	q.ndetails = 1;
	char before[128], after[128];
	snapshot(d, before, sizeof before);
	errbuf ep = {0}, es = {0};
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &ep), ST_REFUSED);
	ck_assert_int_eq(ep.why, RULE_ALC_AUTHORITY);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(submit(d, &q, &es), ST_REFUSED);
	ck_assert_int_eq(es.why, RULE_ALC_AUTHORITY);
	ck_assert_str_eq(ep.msg, es.msg);
	snapshot(d, after, sizeof after);
	ck_assert_str_eq(before, after);
	q.details = ref;
	q.ndetails = 2;
	ck_assert_int_eq(ledger_preview(d, &q, &text, &len, &who, &ep), ST_OK);
	ck_assert_msg(strstr(text, "\ndetail alc 2\ndetail authority NSA-7\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, " alc=1 ") != NULL, "%s", text); /* as recorded */
	free(text);
	must(d, &q);
	/* equipment is not put into effect */
	ledger_request e = request(ACT_KEY_EFFECTIVE, "123456", alice, NULL);
	e.items = &l1;
	e.nitems = 1;
	ck_assert_int_eq(ledger_preview(d, &e, &text, &len, &who, &ep), ST_REFUSED);
	ck_assert_int_eq(ep.why, RULE_NOT_KEY);
	/* a key: into effect once */
	entry_item k = {.kind = KIND_KEY, .alc = 7, .cls = CLASS_C, .crypto = true, .qty = 1,
			.effective = 20200101};
	snprintf(k.title, sizeof k.title, "AKAT 9");
	snprintf(k.serial, sizeof k.serial, "L2");
	ledger_request r = request(ACT_RECEIPT, "123456", alice, NULL);
	memcpy(r.peer, "COR", 4);
	r.items = &k;
	r.nitems = 1;
	must(d, &r);
	entry_item l2 = {0};
	snprintf(l2.serial, sizeof l2.serial, "L2");
	e = request(ACT_KEY_EFFECTIVE, "123456", alice, NULL);
	e.items = &l2;
	e.nitems = 1;
	must(d, &e);
	e = request(ACT_KEY_EFFECTIVE, "123456", alice, NULL);
	e.items = &l2;
	e.nitems = 1;
	ck_assert_int_eq(ledger_preview(d, &e, &text, &len, &who, &ep), ST_REFUSED);
	ck_assert_int_eq(ep.why, RULE_IN_EFFECT);
	ck_assert_int_eq(submit(d, &e, &es), ST_REFUSED);
	ck_assert_int_eq(es.why, RULE_IN_EFFECT);
	db_close(d);
	expect_verified();
}
END_TEST

START_TEST(test_same_entry)
{
	const char *a = "custos-entry/v1 o\nindex 4\nprev AAAA\ntime 2026-01-01T00:00:00.000000Z\n"
			"action transfer\ntext\n";
	const char *b = "custos-entry/v1 o\nindex 5\nprev BBBB\ntime 2026-01-01T00:00:01.000000Z\n"
			"action transfer\ntext\n";
	const char *c = "custos-entry/v1 o\nindex 5\nprev BBBB\ntime 2026-01-01T00:00:01.000000Z\n"
			"action destroy\ntext\n";
	size_t line = 0;
	ck_assert(ledger_same_entry(a, strlen(a), b, strlen(b), &line));
	ck_assert(!ledger_same_entry(a, strlen(a), c, strlen(c), &line));
	ck_assert_uint_eq(line, 5);
	/* a line missing, a line longer, another origin, a field moved in place of index */
	ck_assert(!ledger_same_entry(a, strlen(a), a, strlen(a) - 5, &line));
	ck_assert(!ledger_same_entry(a, strlen(a) - 1, a, strlen(a), &line));
	ck_assert(!ledger_same_entry("custos-entry/v1 p\n", 18, a, strlen(a), &line));
	ck_assert_uint_eq(line, 1);
	const char *d = "custos-entry/v1 o\ntime 4\nprev AAAA\ntime 2026-01-01T00:00:00.000000Z\n"
			"action transfer\ntext\n";
	ck_assert(!ledger_same_entry(a, strlen(a), d, strlen(d), &line));
	ck_assert_uint_eq(line, 2);
	ck_assert(ledger_same_entry("", 0, "", 0, NULL));
	/* the transaction's sequence number may move (another action on the
	 * account took it); its account and year, or the line's place, may not */
#define TXN_ENTRY(t) "custos-entry/v1 o\nindex 4\nprev AAAA\ntime 2026-01-01T00:00:00.000000Z\n" \
		     "action transfer\n" t "\naccount 123456\n"
	const char *t1 = TXN_ENTRY("txn 123456-2026-0004"), *t2 = TXN_ENTRY("txn 123456-2026-0005");
	const char *t3 = TXN_ENTRY("txn 123457-2026-0004"), *t4 = TXN_ENTRY("txn 123456-2027-0004");
	const char *t5 = TXN_ENTRY("txn -"), *t6 = TXN_ENTRY("txn 123456-2026-10004");
	ck_assert(ledger_same_entry(t1, strlen(t1), t2, strlen(t2), &line));
	ck_assert(ledger_same_entry(t1, strlen(t1), t6, strlen(t6), &line));
	ck_assert(!ledger_same_entry(t1, strlen(t1), t3, strlen(t3), &line));
	ck_assert_uint_eq(line, 6);
	ck_assert(!ledger_same_entry(t1, strlen(t1), t4, strlen(t4), &line));
	ck_assert(!ledger_same_entry(t1, strlen(t1), t5, strlen(t5), &line));
	ck_assert(!ledger_same_entry(t5, strlen(t5), t1, strlen(t1), &line));
	const char *moved = "custos-entry/v1 o\nindex 4\nprev AAAA\ntime 2026-01-01T00:00:00.000000Z\n"
			    "action transfer\naccount 123456-2026-0004\ntxn 123456-2026-0004\n";
	const char *moved2 = "custos-entry/v1 o\nindex 4\nprev AAAA\ntime 2026-01-01T00:00:00.000000Z\n"
			     "action transfer\naccount 123456-2026-0005\ntxn 123456-2026-0004\n";
	ck_assert(!ledger_same_entry(moved, strlen(moved), moved2, strlen(moved2), &line));
	ck_assert_uint_eq(line, 6);
#undef TXN_ENTRY
	/* a part split off a lot is named after the entry's index: it moves
	 * with the index, and nothing else of its line may */
#define PART_ENTRY(i, s) "custos-entry/v2 o\nindex " i "\nprev AAAA\n" \
		"time 2026-01-01T00:00:00.000000Z\naction transfer\n" \
		"item kind=publication alc=4 class=U crypto=no qty=30 serial=" s \
		" edition=- effective=- supersedes=- title=KAM-9\ntext\n"
	const char *p1 = PART_ENTRY("57", "LOT7+57"), *p2 = PART_ENTRY("58", "LOT7+58");
	const char *p3 = PART_ENTRY("58", "LOT8+58"), *p4 = PART_ENTRY("58", "LOT7+57");
	const char *p5 = PART_ENTRY("580", "LOT7+580"), *p6 = PART_ENTRY("57", "LOT7+5");
	const char *p7 = PART_ENTRY("58", "LOT+58"), *p8 = PART_ENTRY("58", "+58");
	const char *p9 = "custos-entry/v2 o\nindex 58\nprev AAAA\ntime 2026-01-01T00:00:00.000000Z\n"
			 "action transfer\nitem kind=publication alc=4 class=U crypto=no qty=31 "
			 "serial=LOT7+58 edition=- effective=- supersedes=- title=KAM-9\ntext\n";
	ck_assert(ledger_same_entry(p1, strlen(p1), p2, strlen(p2), &line));
	ck_assert(ledger_same_entry(p1, strlen(p1), p5, strlen(p5), &line));
	ck_assert(!ledger_same_entry(p1, strlen(p1), p3, strlen(p3), &line)); /* another lot */
	ck_assert_uint_eq(line, 6);
	ck_assert(!ledger_same_entry(p4, strlen(p4), p5, strlen(p5), &line)); /* not the index */
	ck_assert(!ledger_same_entry(p6, strlen(p6), p2, strlen(p2), &line));
	ck_assert(!ledger_same_entry(p1, strlen(p1), p7, strlen(p7), &line));
	ck_assert(!ledger_same_entry(p1, strlen(p1), p8, strlen(p8), &line));
	ck_assert(!ledger_same_entry(p1, strlen(p1), p9, strlen(p9), &line)); /* quantity */
	ck_assert_uint_eq(line, 6);
#undef PART_ENTRY
}
END_TEST

/* ledger_request_differs: each compared field, and what it leaves alone. */
START_TEST(test_request_differs)
{
	entry_item full = {.kind = KIND_EQUIPMENT, .alc = 1, .cls = CLASS_C, .qty = 1};
	snprintf(full.serial, sizeof full.serial, "S1");
	snprintf(full.title, sizeof full.title, "KG-175D");
	entry_item full2 = full;
	snprintf(full2.title, sizeof full2.title, "KG-250");
	entry e = {.action = ACT_TRANSFER, .index = 7, .time_us = 1};
	memcpy(e.account, "123456", 7);
	memcpy(e.peer, "COR", 4);
	snprintf(e.txn, sizeof e.txn, "123456-2026-0004");
	ck_assert_int_eq(entry_add_item(&e, &full), ST_OK);
	ck_assert_int_eq(entry_add_item(&e, &full2), ST_OK);
	ck_assert_int_eq(entry_set_text(&e, "moved", 5), ST_OK);

	/* The request as the command line may make it: a serial alone, which
	 * must not take the item the full identity names (both have serial S1). */
	entry_item ids[2] = {{0}, {0}};
	snprintf(ids[0].serial, sizeof ids[0].serial, "S1");
	ids[1] = full;
	ledger_request q = {.action = ACT_TRANSFER, .items = ids, .nitems = 2, .text = "moved",
			    .textlen = 5};
	memcpy(q.account, "123456", 7);
	memcpy(q.peer, "COR", 4);
	ck_assert_ptr_null(ledger_request_differs(&q, "alice", &e, "alice"));
	ids[1] = full2;
	ids[0] = full;
	ck_assert_ptr_null(ledger_request_differs(&q, "alice", &e, "alice"));

	ledger_request r = q;
	r.action = ACT_DESTROY;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "a different action");
	ck_assert_str_eq(ledger_request_differs(&q, "bob", &e, "alice"), "by another person");
	r = q;
	memcpy(r.account, "654321", 7);
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "on another account");
	r = q;
	memcpy(r.peer, "654321", 7);
	ck_assert_ptr_nonnull(strstr(ledger_request_differs(&r, "alice", &e, "alice"), "peer"));
	r = q;
	memcpy(r.holder, "carol", 6);
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with another holder");
	r = q;
	memcpy(r.ref, "123456-2026-0001", 17);
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"),
			 "answering another transaction");
	r = q;
	r.category = CAT_PHYSICAL;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with another category");
	/* items: one fewer, one other, an edition, the same item twice */
	entry_item other[2] = {full, full};
	r = q;
	r.nitems = 1;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with other items");
	snprintf(other[1].serial, sizeof other[1].serial, "S2");
	r.items = other;
	r.nitems = 2;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with other items");
	other[1] = full2;
	snprintf(other[1].edition, sizeof other[1].edition, "B");
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with other items");
	other[1] = full;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with other items");
	/* text: none, another, a prefix */
	r = q;
	r.text = NULL;
	r.textlen = 0;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with another text");
	r.text = "moveD";
	r.textlen = 5;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with another text");
	r.textlen = 4;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with another text");

	/* What the ledger fills in is not compared: an accept's peer and
	 * items, an incident close's category and items. */
	entry a = e;
	a.action = ACT_ACCEPT;
	memcpy(a.ref, "654321-2026-0001", 17);
	r = q;
	r.action = ACT_ACCEPT;
	memcpy(r.ref, "654321-2026-0001", 17);
	r.peer[0] = '\0';
	r.nitems = 0;
	ck_assert_ptr_null(ledger_request_differs(&r, "alice", &a, "alice"));
	a.action = ACT_INCIDENT_CLOSE;
	a.category = CAT_PHYSICAL;
	r.action = ACT_INCIDENT_CLOSE;
	memcpy(r.peer, "COR", 4);
	ck_assert_ptr_null(ledger_request_differs(&r, "alice", &a, "alice"));
	/* ... but a transfer's empty item list is compared */
	r = q;
	r.nitems = 0;
	ck_assert_str_eq(ledger_request_differs(&r, "alice", &e, "alice"), "with other items");

	/* key-enrol: the key and the role */
	key_secret *k1 = test_key("kim"), *k2 = test_key("lee");
	entry k = {.action = ACT_KEY_ENROL, .nkeys = 1};
	k.keys[0] = (entry_key){.role = ROLE_AUDITOR, .key = *key_secret_public(k1)};
	ledger_request kq = {.action = ACT_KEY_ENROL, .role = ROLE_AUDITOR,
			     .subject = *key_secret_public(k1)};
	ck_assert_ptr_null(ledger_request_differs(&kq, "adm", &k, "adm"));
	kq.role = ROLE_AUTHORITY;
	ck_assert_str_eq(ledger_request_differs(&kq, "adm", &k, "adm"), "for another key or role");
	kq.role = ROLE_AUDITOR;
	kq.subject = *key_secret_public(k2);
	ck_assert_str_eq(ledger_request_differs(&kq, "adm", &k, "adm"), "for another key or role");
	key_secret_free(k1);
	key_secret_free(k2);
	entry_free(&e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *t = tcase_create("parse");
	tcase_add_test(t, test_parse_item);
	tcase_add_test(t, test_same_entry);
	tcase_add_test(t, test_request_differs);
	suite_add_tcase(s, t);
	t = tcase_create("actions");
	tcase_add_checked_fixture(t, ledger_setup, ledger_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_receive_transfer_verify);
	tcase_add_test(t, test_idem_reused);
	tcase_add_test(t, test_refusals_write_nothing);
	tcase_add_test(t, test_pipeline_failure);
	tcase_add_test(t, test_preview_equals_submit);
	tcase_add_test(t, test_preview_part);
	tcase_add_test(t, test_preview_then_items_change);
	tcase_add_test(t, test_preview_then_number_taken);
	tcase_add_test(t, test_preview_refuses_as_submit);
	tcase_add_test(t, test_alc_and_effect);
	tcase_add_loop_test(t, test_random_walk, 0, 5);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	if (key_init() != ST_OK)
		return EXIT_FAILURE;
	adm = test_key("adm");
	alice = test_key("alice");
	wendy = test_key("wendy");
	/* One migrated template per run; each test copies it. */
	snprintf(template_db, sizeof template_db, "check_ledger_%d", (int)getpid());
	/* Outside a test: no ck_assert here. */
	db *owner = NULL, *t = NULL;
	char sql[128];
	errbuf err = {0};
	size_t applied = 0;
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", template_db);
	status st = db_open("dbname=postgres", &owner, &err);
	if (st == ST_OK)
		st = db_exec_script(owner, sql, &err);
	char ci[64];
	snprintf(ci, sizeof ci, "dbname=%s", template_db);
	if (st == ST_OK)
		st = db_open(ci, &t, &err);
	if (st == ST_OK)
		st = migrate_apply(t, &applied, &err);
	db_close(t);
	if (st != ST_OK) {
		fprintf(stderr, "check_ledger: setting up the template: %s\n", err.msg);
		db_close(owner);
		return EXIT_FAILURE;
	}
	int rc = check_run(suite());
	snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", template_db);
	if (db_exec_script(owner, sql, &err) != ST_OK)
		fprintf(stderr, "drop: %s\n", err.msg);
	db_close(owner);
	key_secret_free(adm);
	key_secret_free(alice);
	key_secret_free(wendy);
	return rc;
}
