/* check_audit.c: src/audit.c on entries built in memory. */
#include <string.h>

#include "../src/audit.h"
#include "check_run.h"

#define DAY ((int64_t)86400 * 1000000)

static void add(audit *a, entry *e)
{
	errbuf err = {0};
	ck_assert_int_eq(audit_add(a, e, &err), ST_OK);
}

START_TEST(test_findings)
{
	audit *a = audit_new();
	ck_assert_ptr_nonnull(a);
	entry e;
	memset(&e, 0, sizeof e);
	e.action = ACT_ACCOUNT_OPEN;
	strcpy(e.account, "123456");
	e.index = 1;
	e.time_us = 20000 * DAY;
	add(a, &e);
	entry_item it;
	memset(&it, 0, sizeof it);
	it.kind = KIND_KEY;
	it.supersedes = 20241231; /* day 20088 */
	strcpy(it.title, "KG");
	memset(&e, 0, sizeof e);
	e.action = ACT_DESTROY;
	strcpy(e.account, "123456");
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
	strcpy(e.txn, "123456-2025-0001");
	add(a, &e);
	memset(&e, 0, sizeof e);
	e.action = ACT_INVENTORY;
	strcpy(e.account, "123456");
	e.index = 5;
	e.time_us = 20300 * DAY; /* 300 days after opening: over 6 months */
	add(a, &e);
	errbuf err = {0};
	ck_assert_int_eq(audit_finish(a, &err), ST_OK);
	ck_assert_uint_eq(audit_count(a), 3);
	ck_assert_int_eq(audit_get(a, 0)->code, AF_LATE_DESTRUCTION);
	ck_assert_uint_eq(audit_get(a, 0)->index, 3);
	ck_assert_int_eq(audit_get(a, 1)->code, AF_LATE_INCIDENT);
	ck_assert_uint_eq(audit_get(a, 1)->index, 4);
	ck_assert_int_eq(audit_get(a, 2)->code, AF_INVENTORY_OVERDUE);
	ck_assert_uint_eq(audit_get(a, 2)->index, 5);
	ck_assert_uint_eq(audit_get(a, 2)->since, 1);
	audit_free(a);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_findings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(audit_suite());
}
