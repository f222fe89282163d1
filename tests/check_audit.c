/* check_audit.c: src/audit.c on entries built in memory. */
#include <string.h>

#include "../src/audit.h"
#include "check_run.h"

#define DAY ((int64_t)86400 * 1000000)

static void add_c(audit *a, entry *e, bool complete)
{
	errbuf err = {0};
	ck_assert_int_eq(audit_add(a, e, complete, &err), ST_OK);
}

static void add(audit *a, entry *e)
{
	add_c(a, e, false);
}

START_TEST(test_findings)
{
	audit *a = audit_new();
	ck_assert_ptr_nonnull(a);
	entry e;
	memset(&e, 0, sizeof e);
	e.action = ACT_ACCOUNT_OPEN;
	snprintf(e.account, sizeof e.account, "%s", "123456");
	e.index = 1;
	e.time_us = 20000 * DAY;
	add(a, &e);
	entry_item it;
	memset(&it, 0, sizeof it);
	it.kind = KIND_KEY;
	it.supersedes = 20241231; /* day 20088 */
	snprintf(it.title, sizeof it.title, "%s", "KG");
	memset(&e, 0, sizeof e);
	e.action = ACT_DESTROY;
	snprintf(e.account, sizeof e.account, "%s", "123456");
	e.index = 2;
	e.time_us = 20088 * DAY + 11 * DAY / 24; /* within 12 h: no finding */
	e.items = &it;
	e.nitems = 1;
	add(a, &e);
	e.index = 3;
	e.time_us = 20088 * DAY + 13 * DAY / 24; /* 13 h: late */
	add(a, &e);
	memset(&e, 0, sizeof e);
	e.action = ACT_INCIDENT_REPORT;
	e.index = 4;
	e.time_us = 20101 * DAY;
	e.discovered_us = 20099 * DAY;
	snprintf(e.txn, sizeof e.txn, "%s", "123456-2025-0001");
	add(a, &e);
	memset(&e, 0, sizeof e);
	e.action = ACT_INVENTORY;
	snprintf(e.account, sizeof e.account, "%s", "123456");
	e.index = 5;
	e.time_us = 20150 * DAY; /* a spot check: does not reset the clock */
	add_c(a, &e, false);
	e.index = 6;
	e.time_us = 20300 * DAY; /* 300 days after opening: over 6 months */
	add_c(a, &e, true);
	e.index = 7;
	e.time_us = 20301 * DAY; /* complete, the day after: on time */
	add_c(a, &e, true);
	errbuf err = {0};
	ck_assert_int_eq(audit_finish(a, &err), ST_OK);
	ck_assert_uint_eq(audit_count(a), 3);
	ck_assert_int_eq(audit_get(a, 0)->code, AF_LATE_DESTRUCTION);
	ck_assert_uint_eq(audit_get(a, 0)->index, 3);
	ck_assert_int_eq(audit_get(a, 1)->code, AF_LATE_INCIDENT);
	ck_assert_uint_eq(audit_get(a, 1)->index, 4);
	ck_assert_int_eq(audit_get(a, 2)->code, AF_INVENTORY_OVERDUE);
	ck_assert_uint_eq(audit_get(a, 2)->index, 6);
	ck_assert_uint_eq(audit_get(a, 2)->since, 1);
	ck_assert_str_eq(audit_get(a, 2)->account, "123456");
	audit_free(a);
}
END_TEST

static void txn(audit *a, uint64_t index, const char *number)
{
	entry e;
	memset(&e, 0, sizeof e);
	e.action = ACT_RECEIPT;
	e.index = index;
	e.time_us = 20000 * DAY + (int64_t)index;
	memcpy(e.account, number, 6);
	snprintf(e.txn, sizeof e.txn, "%s", number);
	add(a, &e);
}

/* Numbers run per account and year: interleaved accounts, a new year
 * starting at 1, five digits after 9999 are no gap; a skip is. */
START_TEST(test_txn_gap)
{
	audit *a = audit_new();
	ck_assert_ptr_nonnull(a);
	txn(a, 1, "123456-2025-0001");
	txn(a, 2, "654321-2025-0001");
	txn(a, 3, "123456-2025-0002");
	txn(a, 4, "123456-2026-0001");
	txn(a, 5, "654321-2025-0002");
	ck_assert_uint_eq(audit_count(a), 0);
	for (uint64_t i = 3; i <= 9999; i++) {
		char t[24];
		snprintf(t, sizeof t, "111111-2025-%04u", (unsigned)i - 2);
		txn(a, 3 + i, t);
	}
	txn(a, 20000, "111111-2025-9998");
	txn(a, 20001, "111111-2025-9999");
	txn(a, 20002, "111111-2025-10000");
	ck_assert_uint_eq(audit_count(a), 0);
	txn(a, 20003, "123456-2025-0004");
	txn(a, 20004, "111111-2025-10002");
	ck_assert_uint_eq(audit_count(a), 2);
	ck_assert_int_eq(audit_get(a, 0)->code, AF_TXN_GAP);
	ck_assert_uint_eq(audit_get(a, 0)->index, 20003);
	ck_assert_str_eq(audit_get(a, 0)->account, "123456");
	ck_assert_uint_eq(audit_get(a, 1)->index, 20004);
	audit_free(a);
}
END_TEST

/* A custodian change the replay judged incomplete is a finding; --account
 * keeps only that account's. */
START_TEST(test_custodian_account)
{
	audit *a = audit_new();
	ck_assert_ptr_nonnull(a);
	audit_only_account(a, "654321");
	entry e;
	memset(&e, 0, sizeof e);
	e.action = ACT_CUSTODIAN_CHANGE;
	e.index = 1;
	e.time_us = 20000 * DAY;
	snprintf(e.account, sizeof e.account, "%s", "123456");
	add_c(a, &e, false);
	add_c(a, &e, true);
	snprintf(e.account, sizeof e.account, "%s", "654321");
	e.index = 2;
	add_c(a, &e, true);
	ck_assert_uint_eq(audit_count(a), 0);
	e.index = 3;
	add_c(a, &e, false);
	ck_assert_uint_eq(audit_count(a), 1);
	ck_assert_int_eq(audit_get(a, 0)->code, AF_CUSTODIAN_NO_INVENTORY);
	ck_assert_uint_eq(audit_get(a, 0)->index, 3);
	audit_free(a);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_findings);
	tcase_add_test(tc, test_txn_gap);
	tcase_add_test(tc, test_custodian_account);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(audit_suite());
}
