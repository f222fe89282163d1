/* check_rules: the custody rules (src/rules.c), without PostgreSQL.
 *
 * The item-state rule is tested as a table written out by hand from
 * docs/ledger.md: each row is an entry (action, account, holder, ref), an
 * item as recorded, and the verdict with its refusal code and words.  The
 * action table's properties and the signer needs are checked against the
 * entry format's own signer counts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/entry.h"
#include "../src/rules.h"
#include "check_run.h"

#define A "111111" /* the entry's account */
#define B "222222" /* another account */
#define T "111111-2026-0003" /* the transaction named in ref */
#define U "111111-2026-0009" /* another transaction */

typedef struct row {
	int line;
	entry_action action;
	const char *holder, *ref; /* of the entry */
	bool found;
	item_status status;
	const char *account, *holder_now, *under;
	bool differ; /* the entry's facts differ from the record (qty) */
	rules_refusal want; /* RULE_NONE: allowed */
	const char *words;  /* in the refusal; NULL for none */
} row;

#define OK_(act, ...) {__LINE__, act, __VA_ARGS__, RULE_NONE, NULL}
#define NO_(act, ...) {__LINE__, act, __VA_ARGS__}
#define NEW false, ITEM_ON_HAND, "", "", "", false

static const row rows[] = {
	/* receipt: new, or back after leaving the ledger */
	OK_(ACT_RECEIPT, "", "", NEW),
	OK_(ACT_RECEIPT, "", "", true, ITEM_TRANSFERRED, B, "", U, false),
	NO_(ACT_RECEIPT, "", "", true, ITEM_ON_HAND, B, "", "", false, RULE_ITEM_STATE,
	    "is on hand at account 222222, not new to the ledger or transferred out of it"),
	NO_(ACT_RECEIPT, "", "", true, ITEM_DESTROYED, A, "", "", false, RULE_ITEM_STATE,
	    "is destroyed, not new"),
	NO_(ACT_RECEIPT, "", "", true, ITEM_RELIEVED, A, "", "", false, RULE_ITEM_STATE,
	    "is relieved from accountability"),
	/* possession: new, transferred out, or found under an incident here */
	OK_(ACT_POSSESSION, "", "", NEW),
	OK_(ACT_POSSESSION, "", "", true, ITEM_INCIDENT, A, "", U, false),
	NO_(ACT_POSSESSION, "", "", true, ITEM_INCIDENT, A, "", U, true, RULE_ITEM_FACTS,
	    "quantity is 1 in the ledger, not 2"),
	NO_(ACT_POSSESSION, "", "", true, ITEM_INCIDENT, B, "", U, false, RULE_ITEM_STATE,
	    "under an incident (111111-2026-0009) at account 222222"),
	NO_(ACT_POSSESSION, "", "", true, ITEM_ON_HAND, A, "", "", false, RULE_ITEM_STATE,
	    "is on hand at account 111111"),
	/* possession naming an incident (ref): under it, or relieved under it */
	OK_(ACT_POSSESSION, "", T, true, ITEM_RELIEVED, A, "", T, false),
	OK_(ACT_POSSESSION, "", T, true, ITEM_INCIDENT, A, "", T, false),
	NO_(ACT_POSSESSION, "", "", true, ITEM_RELIEVED, A, "", T, false, RULE_ITEM_STATE,
	    "is relieved from accountability, not new"),
	NO_(ACT_POSSESSION, "", T, true, ITEM_RELIEVED, A, "", U, false, RULE_ITEM_STATE,
	    "not under incident 111111-2026-0003 or relieved under it"),
	NO_(ACT_POSSESSION, "", T, true, ITEM_RELIEVED, B, "", T, false, RULE_ITEM_STATE,
	    "relieved from accountability"),
	NO_(ACT_POSSESSION, "", T, NEW, RULE_ITEM_STATE, "is not in the ledger"),
	NO_(ACT_POSSESSION, "", T, true, ITEM_DESTROYED, A, "", T, false, RULE_ITEM_STATE,
	    "is destroyed"),
	/* transfer and issue: on hand here */
	OK_(ACT_TRANSFER, "", "", true, ITEM_ON_HAND, A, "", "", false),
	NO_(ACT_TRANSFER, "", "", true, ITEM_ON_HAND, A, "", "", true, RULE_ITEM_FACTS,
	    "quantity"),
	NO_(ACT_TRANSFER, "", "", true, ITEM_ON_HAND, B, "", "", false, RULE_ITEM_STATE,
	    "is on hand at account 222222, not on hand at account 111111"),
	NO_(ACT_TRANSFER, "", "", true, ITEM_ISSUED, A, "carol", U, false, RULE_ITEM_STATE,
	    "is issued to carol (111111-2026-0009) at account 111111, not on hand"),
	NO_(ACT_TRANSFER, "", "", NEW, RULE_ITEM_STATE, "is not in the ledger"),
	OK_(ACT_ISSUE, "carol", "", true, ITEM_ON_HAND, A, "", "", false),
	NO_(ACT_ISSUE, "carol", "", true, ITEM_IN_TRANSIT, A, "", U, false, RULE_ITEM_STATE,
	    "is in transit (111111-2026-0009)"),
	/* destroy: on hand, issued or under an incident here */
	OK_(ACT_DESTROY, "", "", true, ITEM_ON_HAND, A, "", "", false),
	OK_(ACT_DESTROY, "", "", true, ITEM_ISSUED, A, "carol", U, false),
	OK_(ACT_DESTROY, "", "", true, ITEM_INCIDENT, A, "", U, false),
	NO_(ACT_DESTROY, "", "", true, ITEM_IN_TRANSIT, A, "", U, false, RULE_ITEM_STATE,
	    "not on hand, issued or under an incident at account 111111"),
	NO_(ACT_DESTROY, "", "", true, ITEM_DESTROYED, A, "", "", false, RULE_ITEM_STATE,
	    "is destroyed"),
	/* inventory: any open state here */
	OK_(ACT_INVENTORY, "", "", true, ITEM_IN_TRANSIT, A, "", U, false),
	OK_(ACT_INVENTORY, "", "", true, ITEM_INCIDENT, A, "", U, false),
	NO_(ACT_INVENTORY, "", "", true, ITEM_TRANSFERRED, A, "", U, false, RULE_ITEM_STATE,
	    "not held by account 111111"),
	/* incident report: on hand, issued or in transit here */
	OK_(ACT_INCIDENT_REPORT, "", "", true, ITEM_IN_TRANSIT, A, "", U, false),
	NO_(ACT_INCIDENT_REPORT, "", "", true, ITEM_INCIDENT, A, "", U, false, RULE_ITEM_STATE,
	    "is under an incident"),
	/* accept: in transit under the transfer named (on either side) */
	OK_(ACT_ACCEPT, "", T, true, ITEM_IN_TRANSIT, B, "", T, false),
	NO_(ACT_ACCEPT, "", T, true, ITEM_IN_TRANSIT, B, "", U, false, RULE_ITEM_STATE,
	    "not in transit under transfer 111111-2026-0003"),
	NO_(ACT_ACCEPT, "", T, true, ITEM_ON_HAND, B, "", "", false, RULE_ITEM_STATE,
	    "is on hand at account 222222"),
	/* transfer reject and recall: in transit under the transfer named */
	OK_(ACT_TRANSFER_REJECT, "", T, true, ITEM_IN_TRANSIT, A, "", T, false),
	OK_(ACT_TRANSFER_RECALL, "", T, true, ITEM_IN_TRANSIT, A, "", T, false),
	NO_(ACT_TRANSFER_REJECT, "", T, true, ITEM_IN_TRANSIT, A, "", U, false, RULE_ITEM_STATE,
	    "not in transit under transfer 111111-2026-0003"),
	NO_(ACT_TRANSFER_RECALL, "", T, true, ITEM_ON_HAND, A, "", "", false, RULE_ITEM_STATE,
	    "is on hand at account 111111, not in transit under transfer 111111-2026-0003"),
	NO_(ACT_TRANSFER_RECALL, "", T, NEW, RULE_ITEM_STATE, "is not in the ledger"),
	/* return: issued to the holder under the hand receipt named, here */
	OK_(ACT_RETURN, "carol", T, true, ITEM_ISSUED, A, "carol", T, false),
	NO_(ACT_RETURN, "carol", T, true, ITEM_ISSUED, A, "carol", U, false, RULE_ITEM_STATE,
	    "is issued to carol (111111-2026-0009) at account 111111, not issued to carol under "
	    "hand receipt 111111-2026-0003"),
	NO_(ACT_RETURN, "carol", T, true, ITEM_ISSUED, A, "erin", T, false, RULE_ITEM_STATE,
	    "is issued to erin"),
	NO_(ACT_RETURN, "carol", T, true, ITEM_ISSUED, B, "carol", T, false, RULE_ITEM_STATE,
	    "at account 222222"),
	NO_(ACT_RETURN, "carol", T, true, ITEM_ON_HAND, A, "", "", false, RULE_ITEM_STATE,
	    "is on hand at account 111111"),
	/* incident close: under the incident named */
	OK_(ACT_INCIDENT_CLOSE, "", T, true, ITEM_INCIDENT, A, "", T, false),
	NO_(ACT_INCIDENT_CLOSE, "", T, true, ITEM_INCIDENT, A, "", U, false, RULE_ITEM_STATE,
	    "not under incident 111111-2026-0003"),
	/* custodian change: the joint inventory, on hand or issued here */
	OK_(ACT_CUSTODIAN_CHANGE, "gus", "", true, ITEM_ON_HAND, A, "", "", false),
	OK_(ACT_CUSTODIAN_CHANGE, "gus", "", true, ITEM_ISSUED, A, "carol", U, false),
	NO_(ACT_CUSTODIAN_CHANGE, "gus", "", true, ITEM_IN_TRANSIT, A, "", U, false, RULE_ITEM_STATE,
	    "is in transit (111111-2026-0009) at account 111111, not on hand or issued at account 111111"),
	NO_(ACT_CUSTODIAN_CHANGE, "gus", "", true, ITEM_ON_HAND, B, "", "", false, RULE_ITEM_STATE,
	    "at account 222222, not on hand or issued at account 111111"),
	NO_(ACT_CUSTODIAN_CHANGE, "gus", "", true, ITEM_DESTROYED, A, "", "", false, RULE_ITEM_STATE,
	    "is destroyed"),
	/* ALC change and key into effect: on hand or issued here */
	OK_(ACT_ALC_CHANGE, "", "", true, ITEM_ON_HAND, A, "", "", false),
	OK_(ACT_ALC_CHANGE, "", "", true, ITEM_ISSUED, A, "carol", U, false),
	NO_(ACT_ALC_CHANGE, "", "", true, ITEM_ON_HAND, A, "", "", true, RULE_ITEM_FACTS,
	    "quantity is 1 in the ledger, not 2"),
	NO_(ACT_ALC_CHANGE, "", "", true, ITEM_IN_TRANSIT, A, "", U, false, RULE_ITEM_STATE,
	    "is in transit (111111-2026-0009) at account 111111, not on hand or issued at account 111111"),
	NO_(ACT_ALC_CHANGE, "", "", true, ITEM_ON_HAND, B, "", "", false, RULE_ITEM_STATE,
	    "at account 222222, not on hand or issued at account 111111"),
	NO_(ACT_ALC_CHANGE, "", "", NEW, RULE_ITEM_STATE, "is not in the ledger"),
	OK_(ACT_KEY_EFFECTIVE, "", "", true, ITEM_ON_HAND, A, "", "", false),
	OK_(ACT_KEY_EFFECTIVE, "", "", true, ITEM_ISSUED, A, "carol", U, false),
	NO_(ACT_KEY_EFFECTIVE, "", "", true, ITEM_DESTROYED, A, "", "", false, RULE_ITEM_STATE,
	    "is destroyed, not on hand or issued at account 111111"),
	NO_(ACT_KEY_EFFECTIVE, "", "", true, ITEM_INCIDENT, A, "", U, false, RULE_ITEM_STATE,
	    "is under an incident (111111-2026-0009)"),
	NO_(ACT_KEY_EFFECTIVE, "", "", true, ITEM_TRANSFERRED, B, "", U, false, RULE_ITEM_STATE,
	    "is transferred out of the ledger"),
	/* actions that list no items */
	NO_(ACT_INCIDENT_UPDATE, "", T, true, ITEM_INCIDENT, A, "", T, false, RULE_ITEM_STATE,
	    "not listed in a incident-update entry"),
	NO_(ACT_KEY_ENROL, "", "", NEW, RULE_ITEM_STATE, "listed in a key-enrol entry"),
};

static entry_item kg(uint32_t qty)
{
	entry_item it = {.kind = KIND_EQUIPMENT, .alc = 1, .cls = CLASS_C, .qty = qty};
	snprintf(it.title, sizeof it.title, "KG-175D");
	snprintf(it.serial, sizeof it.serial, "0042");
	return it;
}

/* The verdict of a table's row: allowed, or refused with code `want` and
 * words containing `words`. */
static void expect_verdict(int line, status st, const errbuf *err, rules_refusal want,
			   const char *words)
{
	if (want == RULE_NONE) {
		ck_assert_msg(st == ST_OK, "line %d: refused: %s", line, err->msg);
		return;
	}
	ck_assert_msg(st == ST_REFUSED, "line %d: allowed", line);
	ck_assert_msg(err->why == (int)want, "line %d: why %s, want %s (%s)", line,
		      rules_refusal_name((rules_refusal)err->why), rules_refusal_name(want), err->msg);
	ck_assert_msg(strstr(err->msg, words) != NULL, "line %d: \"%s\" lacks \"%s\"", line,
		      err->msg, words);
}

START_TEST(item_table)
{
	const row *r = &rows[_i];
	entry e = {0};
	e.action = r->action;
	snprintf(e.account, sizeof e.account, "%s", A);
	snprintf(e.holder, sizeof e.holder, "%s", r->holder);
	snprintf(e.ref, sizeof e.ref, "%s", r->ref);
	entry_item it = kg(r->differ ? 2 : 1), rec = kg(1);
	ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	rules_item x = {.found = r->found, .status = r->status, .account = r->account,
			.holder = r->holder_now, .under = r->under, .facts = &rec};
	errbuf err = {0};
	err.why = -1;
	status st = rules_check_item(&e, 0, &x, &err);
	expect_verdict(r->line, st, &err, r->want, r->words);
	if (r->want != RULE_NONE)
		ck_assert_msg(strncmp(err.msg, "item KG-175D serial 0042", 24) == 0,
			      "line %d: \"%s\" does not name the item", r->line, err.msg);
	entry_free(&e);
}
END_TEST

/* rules_check_entry: the entry's own fields (format v2). */
START_TEST(entry_rules)
{
	entry e = {0};
	errbuf err = {0};
	snprintf(e.account, sizeof e.account, "%s", A);
	e.time_us = INT64_C(1767603600000000); /* 2026-01-05T09:00:00Z */
	e.action = ACT_INCIDENT_REPORT;
	e.discovered_us = e.time_us;
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK);
	e.discovered_us = e.time_us + 1;
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_DISCOVERY_TIME);
	e.action = ACT_DESTROY;
	e.discovered_us = 0;
	snprintf(e.authority, sizeof e.authority, "DIR-7");
	entry_item k = {.kind = KIND_KEY, .alc = 1, .cls = CLASS_S, .crypto = true, .qty = 1,
			.effective = 20251201, .supersedes = 20260105};
	snprintf(k.title, sizeof k.title, "AKAT 1");
	snprintf(k.serial, sizeof k.serial, "1");
	entry_item eq = kg(1);
	ck_assert_int_eq(entry_add_item(&e, &k), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK); /* a reference: any item */
	snprintf(e.authority, sizeof e.authority, "superseded");
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK); /* superseded that very day */
	e.items[0].supersedes = 20260106;
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_NOT_SUPERSEDED);
	ck_assert_str_eq(err.msg, "item AKAT 1 serial 1 is superseded on 2026-01-06, not by "
				  "2026-01-05: its destruction needs the reference of its authority");
	e.items[0].supersedes = 20260104;
	ck_assert_int_eq(entry_add_item(&e, &eq), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_NOT_SUPERSEDED);
	ck_assert_ptr_nonnull(strstr(err.msg, "KG-175D serial 0042 has no supersession date"));
	entry_free(&e);
}
END_TEST

/* The ALCs in order of strictness, and what an alc-change may do. */
START_TEST(alc_change)
{
	/* 1 and 6 (by serial, to the COR) > 2 (by quantity) > 4 > 7 */
	ck_assert_int_eq(rules_alc_strictness(1), rules_alc_strictness(6));
	ck_assert_int_gt(rules_alc_strictness(1), rules_alc_strictness(2));
	ck_assert_int_gt(rules_alc_strictness(2), rules_alc_strictness(4));
	ck_assert_int_gt(rules_alc_strictness(4), rules_alc_strictness(7));
	ck_assert_int_eq(rules_alc_strictness(3), -1);
	ck_assert_int_eq(rules_alc_strictness(0), -1);
	ck_assert(rules_alc_upgrade(2, 1));
	ck_assert(rules_alc_upgrade(7, 4));
	ck_assert(rules_alc_upgrade(4, 6));
	ck_assert(!rules_alc_upgrade(1, 2));
	ck_assert(!rules_alc_upgrade(1, 6)); /* equally strict: the authority's */
	ck_assert(!rules_alc_upgrade(6, 1));
	ck_assert(!rules_alc_upgrade(2, 2));
	ck_assert(!rules_alc_upgrade(3, 1));
	ck_assert(!rules_alc_upgrade(2, 5));

	entry e = {0};
	errbuf err = {0};
	e.action = ACT_ALC_CHANGE;
	snprintf(e.account, sizeof e.account, "%s", A);
	e.time_us = INT64_C(1767603600000000); /* 2026-01-05T09:00:00Z */
	entry_item it = kg(1);
	it.alc = 2;
	ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED); /* no detail alc */
	ck_assert_int_eq(err.why, RULE_ALC_VALUE);
	ck_assert_int_eq(rules_alc_of(&e), -1);
	ck_assert_int_eq(entry_set_detail(&e, "alc", "1", &err), ST_OK);
	ck_assert_int_eq(rules_alc_of(&e), 1);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK); /* 2 -> 1: an upgrade */
	static const struct {
		const char *to, *authority;
		rules_refusal want;
		const char *words;
	} cases[] = {
		{"4", NULL, RULE_ALC_AUTHORITY, "item KG-175D serial 0042: ALC-2 to ALC-4 is no "
		 "upgrade: only the national authority may direct it"},
		{"4", "NSA/2026-17", RULE_NONE, NULL},
		{"2", "NSA/2026-17", RULE_ALC_VALUE, "item KG-175D serial 0042 is ALC-2 already"},
		{"3", NULL, RULE_ALC_VALUE, "the new ALC (detail alc) is one of 1, 2, 4, 6 or 7"},
		{"11", NULL, RULE_ALC_VALUE, "is one of"},
		{"6", NULL, RULE_ALC_VALUE, "is equipment, not keying material: ALC-6 is for "
		 "electronic key only"},
		{"7", "NSA-1", RULE_ALC_VALUE, "ALC-7 is for electronic key only"},
		{"4", "not a ref", RULE_DETAIL_VALUE, "(detail authority) is 1 to 32"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(entry_set_detail(&e, "alc", cases[i].to, &err), ST_OK);
		if (cases[i].authority != NULL)
			ck_assert_int_eq(entry_set_detail(&e, "authority", cases[i].authority, &err),
					 ST_OK);
		else if (e.ndetails == 2) { /* drop it: "authority" sorts after "alc" */
			free(e.details[1].value);
			e.ndetails = 1;
		}
		err.why = -1;
		status st = rules_check_entry(&e, &err);
		if (cases[i].want == RULE_NONE) {
			ck_assert_msg(st == ST_OK, "case %zu: %s", i, err.msg);
			continue;
		}
		ck_assert_msg(st == ST_REFUSED, "case %zu allowed", i);
		ck_assert_msg(err.why == (int)cases[i].want, "case %zu: why %s (%s)", i,
			      rules_refusal_name((rules_refusal)err.why), err.msg);
		ck_assert_msg(strstr(err.msg, cases[i].words) != NULL, "case %zu: \"%s\" lacks \"%s\"",
			      i, err.msg, cases[i].words);
	}
	/* ALC-1 and ALC-6: by serial, quantity 1 */
	entry_free(&e);
	memset(&e, 0, sizeof e);
	e.action = ACT_ALC_CHANGE;
	e.time_us = INT64_C(1767603600000000);
	entry_item pub = {.kind = KIND_PUBLICATION, .alc = 4, .cls = CLASS_U, .qty = 5};
	snprintf(pub.title, sizeof pub.title, "KAM-1");
	ck_assert_int_eq(entry_add_item(&e, &pub), ST_OK);
	ck_assert_int_eq(entry_set_detail(&e, "alc", "1", &err), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_SERIAL_REQUIRED);
	ck_assert_str_eq(err.msg, "item KAM-1: ALC-1 material is accounted by serial, one item a "
				  "serial; it has no serial");
	ck_assert_int_eq(entry_set_detail(&e, "alc", "2", &err), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK);
	/* the signers: the custodian, and a witness for TOP SECRET key */
	rules_need first, second;
	rules_signers(&e, 3, &first, &second);
	ck_assert_int_eq(first, NEED_CUSTODIAN);
	ck_assert_int_eq(second, NEED_NOTHING);
	entry_item ts = {.kind = KIND_KEY, .alc = 6, .cls = CLASS_TS, .crypto = true, .qty = 1};
	snprintf(ts.title, sizeof ts.title, "AKAT 1");
	snprintf(ts.serial, sizeof ts.serial, "1");
	ck_assert_int_eq(entry_add_item(&e, &ts), ST_OK);
	rules_signers(&e, 3, &first, &second);
	ck_assert_int_eq(second, NEED_WITNESS);
	entry_free(&e);
}
END_TEST

/* Key into effect: keying material, in reserve, within its dates. */
START_TEST(key_effective)
{
	entry e = {0};
	errbuf err = {0};
	e.action = ACT_KEY_EFFECTIVE;
	snprintf(e.account, sizeof e.account, "%s", A);
	e.time_us = INT64_C(1767603600000000); /* 2026-01-05T09:00:00Z */
	entry_item k = {.kind = KIND_KEY, .alc = 7, .cls = CLASS_S, .crypto = true, .qty = 1,
			.effective = 20260105, .supersedes = 20260201};
	snprintf(k.title, sizeof k.title, "AKAT 1");
	snprintf(k.serial, sizeof k.serial, "1");
	ck_assert_int_eq(entry_add_item(&e, &k), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK); /* effective that very day */
	e.items[0].effective = 20260106;
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_NOT_YET_EFFECTIVE);
	ck_assert_str_eq(err.msg, "item AKAT 1 serial 1 is effective from 2026-01-06, not yet");
	e.items[0].effective = 0; /* no date: any time */
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_OK);
	e.items[0].supersedes = 20260105;
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_SUPERSEDED);
	ck_assert_ptr_nonnull(strstr(err.msg, "is superseded on 2026-01-05"));
	e.items[0].supersedes = 0;
	entry_item eq = kg(1);
	ck_assert_int_eq(entry_add_item(&e, &eq), ST_OK);
	ck_assert_int_eq(rules_check_entry(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_NOT_KEY);
	ck_assert_str_eq(err.msg, "item KG-175D serial 0042 is equipment, not keying material: only "
				  "key is put into effect");
	/* in effect already: the record says so */
	entry_item rec = e.items[0];
	rules_item x = {.found = true, .status = ITEM_ON_HAND, .account = A, .holder = "",
			.under = "", .facts = &rec, .in_effect = true};
	ck_assert_int_eq(rules_check_item(&e, 0, &x, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_IN_EFFECT);
	ck_assert_str_eq(err.msg, "item AKAT 1 serial 1 is in effect already");
	x.in_effect = false;
	ck_assert_int_eq(rules_check_item(&e, 0, &x, &err), ST_OK);
	/* another action does not look at it */
	e.action = ACT_TRANSFER;
	x.in_effect = true;
	ck_assert_int_eq(rules_check_item(&e, 0, &x, &err), ST_OK);
	entry_free(&e);
}
END_TEST

/* A change of custodian: whom it may name, and that it lists every item
 * on hand or issued at the account. */
START_TEST(custodian_change)
{
	entry e = {0};
	e.action = ACT_CUSTODIAN_CHANGE;
	snprintf(e.account, sizeof e.account, A);
	snprintf(e.holder, sizeof e.holder, "gus");
	errbuf err = {0};
	rules_incoming ok = {.found = true, .may_sign = true};
	ck_assert_int_eq(rules_check_incoming(&e, &ok, &err), ST_OK);
	rules_incoming none = {0}, auditor = {.found = true}, already = {true, true, true};
	ck_assert_int_eq(rules_check_incoming(&e, &none, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_INCOMING_UNKNOWN);
	ck_assert_int_eq(rules_check_incoming(&e, &auditor, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_INCOMING_UNKNOWN);
	ck_assert_int_eq(rules_check_incoming(&e, &already, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_ROLE_HELD);
	ck_assert_str_eq(err.msg, "gus is already custodian of account 111111");
	/* the count: every held item, none missing */
	ck_assert_int_eq(rules_check_count(&e, 0, 0, NULL, &err), ST_OK); /* an empty account */
	entry_item a = kg(1), b = kg(1);
	snprintf(b.serial, sizeof b.serial, "0043");
	ck_assert_int_eq(entry_add_item(&e, &a), ST_OK);
	ck_assert_int_eq(rules_check_count(&e, 1, 2, NULL, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_INVENTORY_INCOMPLETE);
	ck_assert_str_eq(err.msg, "a change of custodian lists every item on hand or issued at "
				  "account 111111, 2 now; it lists 1");
	ck_assert_int_eq(entry_add_item(&e, &b), ST_OK);
	ck_assert_int_eq(rules_check_count(&e, 2, 2, NULL, &err), ST_OK);
	ck_assert_int_eq(rules_check_count(&e, 1, 1, NULL, &err), ST_REFUSED); /* one not held */
	/* the signers: the outgoing custodian and the incoming one */
	rules_need first, second;
	rules_signers(&e, 3, &first, &second);
	ck_assert_int_eq(first, NEED_OUTGOING);
	ck_assert_int_eq(second, NEED_INCOMING);
	char w[128];
	ck_assert_str_eq(rules_need_words(second, &e, w, sizeof w), "the incoming custodian gus");
	/* another action: not this rule's */
	e.action = ACT_ISSUE;
	ck_assert_int_eq(rules_check_incoming(&e, &none, &err), ST_OK);
	entry_free(&e);
}
END_TEST

/* A part split off a lot (rules_item.lot): the action, the lot's state,
 * its facts and the part's quantity, each refusal with its code. */
typedef struct split_row {
	int line;
	entry_action action;
	item_status status; /* the lot's */
	const char *account; /* the lot's */
	uint32_t lot_qty, part_qty;
	bool other_class;    /* the line's classification differs from the lot's */
	rules_refusal want;
	const char *words;
} split_row;

static const split_row split_rows[] = {
	{__LINE__, ACT_TRANSFER, ITEM_ON_HAND, A, 100, 30, false, RULE_NONE, NULL},
	{__LINE__, ACT_ISSUE, ITEM_ON_HAND, A, 100, 1, false, RULE_NONE, NULL},
	{__LINE__, ACT_DESTROY, ITEM_ON_HAND, A, 100, 99, false, RULE_NONE, NULL},
	{__LINE__, ACT_DESTROY, ITEM_ISSUED, A, 100, 5, false, RULE_NONE, NULL},
	{__LINE__, ACT_DESTROY, ITEM_INCIDENT, A, 100, 5, false, RULE_NONE, NULL},
	{__LINE__, ACT_TRANSFER, ITEM_ON_HAND, A, 100, 100, false, RULE_SPLIT_QTY,
	 "lot KAM-9 serial LOT7 holds 100: a part of it is 1 to 99, not 100 (all of it"},
	{__LINE__, ACT_ISSUE, ITEM_ON_HAND, A, 100, 101, false, RULE_SPLIT_QTY,
	 "holds 100: a part of it is 1 to 99, not 101"},
	{__LINE__, ACT_TRANSFER, ITEM_ON_HAND, A, 1, 1, false, RULE_SPLIT_QTY,
	 "lot KAM-9 serial LOT7 holds 1: it is not split"},
	{__LINE__, ACT_TRANSFER, ITEM_ON_HAND, A, 100, 30, true, RULE_ITEM_FACTS,
	 "classification is U in the ledger, not C"},
	{__LINE__, ACT_TRANSFER, ITEM_ISSUED, A, 100, 30, false, RULE_ITEM_STATE,
	 "item KAM-9 serial LOT7 is issued to carol (111111-2026-0009) at account 111111, not "
	 "on hand at account 111111"},
	{__LINE__, ACT_ISSUE, ITEM_ON_HAND, B, 100, 30, false, RULE_ITEM_STATE,
	 "is on hand at account 222222, not on hand at account 111111"},
	{__LINE__, ACT_DESTROY, ITEM_IN_TRANSIT, A, 100, 30, false, RULE_ITEM_STATE,
	 "not on hand, issued or under an incident"},
	{__LINE__, ACT_INVENTORY, ITEM_ON_HAND, A, 100, 30, false, RULE_SPLIT_ACTION,
	 "item KAM-9 serial LOT7+57 is a part of lot KAM-9 serial LOT7: only a transfer, an "
	 "issue, a destruction or an incident report takes part of a lot; inventory takes it "
	 "whole"},
	/* an inventory counted the lot short: the missing part is reported */
	{__LINE__, ACT_INCIDENT_REPORT, ITEM_ON_HAND, A, 100, 30, false, RULE_NONE, NULL},
	{__LINE__, ACT_INCIDENT_REPORT, ITEM_ISSUED, A, 10, 2, false, RULE_NONE, NULL},
	{__LINE__, ACT_INCIDENT_REPORT, ITEM_ON_HAND, A, 10, 10, false, RULE_SPLIT_QTY,
	 "holds 10: a part of it is 1 to 9, not 10"},
	{__LINE__, ACT_INCIDENT_REPORT, ITEM_DESTROYED, A, 10, 2, false, RULE_ITEM_STATE,
	 "not on hand, issued or in transit"},
	{__LINE__, ACT_RECEIPT, ITEM_ON_HAND, A, 100, 30, false, RULE_SPLIT_ACTION,
	 "receipt takes it whole"},
	{__LINE__, ACT_ALC_CHANGE, ITEM_ON_HAND, A, 100, 30, false, RULE_SPLIT_ACTION,
	 "alc-change takes it whole"},
	{__LINE__, ACT_CUSTODIAN_CHANGE, ITEM_ON_HAND, A, 100, 30, false, RULE_SPLIT_ACTION,
	 "custodian-change takes it whole"},
};

static entry_item kam(const char *serial, uint32_t qty)
{
	entry_item it = {.kind = KIND_PUBLICATION, .alc = 4, .cls = CLASS_U, .qty = qty};
	snprintf(it.title, sizeof it.title, "KAM-9");
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	return it;
}

START_TEST(split_table)
{
	const split_row *r = &split_rows[_i];
	entry e = {0};
	e.action = r->action;
	e.index = 57;
	snprintf(e.account, sizeof e.account, "%s", A);
	entry_item part = kam("LOT7+57", r->part_qty), rec = kam("LOT7", r->lot_qty);
	if (r->other_class)
		part.cls = CLASS_C;
	ck_assert_int_eq(entry_add_item(&e, &part), ST_OK);
	char parent[ENTRY_SERIAL_MAX + 1];
	ck_assert(rules_split_parent(&e, 0, parent));
	ck_assert_str_eq(parent, "LOT7");
	bool issued = r->status == ITEM_ISSUED;
	rules_item lot = {.found = true, .status = r->status, .account = r->account,
			  .holder = issued ? "carol" : "", .under = issued ? U : "", .facts = &rec};
	rules_item x = {.found = false, .lot = &lot};
	errbuf err = {0};
	err.why = -1;
	status st = rules_check_item(&e, 0, &x, &err);
	expect_verdict(r->line, st, &err, r->want, r->words);
	entry_free(&e);
}
END_TEST

/* Which line is a part this entry splits off, and the part's serial. */
START_TEST(split_names)
{
	entry e = {0};
	e.action = ACT_TRANSFER;
	e.index = 57;
	const char *serials[] = {"LOT7+57", "LOT7+5", "LOT7+570", "LOT7", "+57", "A+3+57", "A+57+3"};
	const char *parents[] = {"LOT7", NULL, NULL, NULL, "", "A+3", NULL};
	for (size_t i = 0; i < sizeof serials / sizeof *serials; i++) {
		entry_item it = kam(serials[i], 1);
		ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
		char parent[ENTRY_SERIAL_MAX + 1] = "unset";
		bool is = rules_split_parent(&e, i, parent);
		ck_assert_msg(is == (parents[i] != NULL), "%s", serials[i]);
		if (is)
			ck_assert_str_eq(parent, parents[i]);
	}
	char out[ENTRY_SERIAL_MAX + 1];
	errbuf err = {0};
	ck_assert_int_eq(rules_split_serial("LOT7", 57, out, &err), ST_OK);
	ck_assert_str_eq(out, "LOT7+57");
	ck_assert_int_eq(rules_split_serial("", 9, out, &err), ST_OK);
	ck_assert_str_eq(out, "+9");
	/* 29 + "+100" = 33: one too many */
	ck_assert_int_eq(rules_split_serial("A2345678901234567890123456789", 10, out, &err), ST_OK);
	ck_assert_int_eq(strlen(out), 32);
	ck_assert_int_eq(rules_split_serial("A2345678901234567890123456789", 100, out, &err),
			 ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_SPLIT_TOO_LONG);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than 32 characters"));
	/* a lot listed whole beside a part of it */
	entry_free(&e);
	entry f = {0};
	f.action = ACT_TRANSFER;
	f.index = 57;
	entry_item whole = kam("LOT7", 70), part = kam("LOT7+57", 30), other = kam("LOT7+56", 30);
	ck_assert_int_eq(entry_add_item(&f, &part), ST_OK);
	ck_assert_int_eq(entry_add_item(&f, &other), ST_OK);
	ck_assert_int_eq(rules_check_distinct(&f, &err), ST_OK);
	ck_assert_int_eq(entry_add_item(&f, &whole), ST_OK);
	ck_assert_int_eq(rules_check_distinct(&f, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_ITEM_TWICE);
	ck_assert_str_eq(err.msg, "lot KAM-9 serial LOT7 is listed whole and a part of it too");
	entry_free(&f);
}
END_TEST

START_TEST(distinct)
{
	entry e = {0};
	e.action = ACT_DESTROY;
	entry_item a = kg(1), b = kg(1), c = kg(1);
	snprintf(b.serial, sizeof b.serial, "0043");
	snprintf(c.edition, sizeof c.edition, "AB");
	ck_assert_int_eq(entry_add_item(&e, &a), ST_OK);
	ck_assert_int_eq(entry_add_item(&e, &b), ST_OK);
	ck_assert_int_eq(entry_add_item(&e, &c), ST_OK);
	errbuf err = {0};
	ck_assert_int_eq(rules_check_distinct(&e, &err), ST_OK);
	ck_assert_int_eq(entry_add_item(&e, &b), ST_OK);
	ck_assert_int_eq(rules_check_distinct(&e, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_ITEM_TWICE);
	ck_assert_str_eq(err.msg, "item KG-175D serial 0043 is listed twice");
	/* err_set clears the code a rule left */
	(void)err_set(&err, ST_USAGE, "x");
	ck_assert_int_eq(err.why, RULE_NONE);
	entry_free(&e);
}
END_TEST

/* The action table agrees with the entry format's signer counts: an action
 * that needs two distinct signers names a second signer, and one that needs
 * one names none. */
START_TEST(actions_and_signers)
{
	for (int a = 0; a < ACT__COUNT; a++) {
		entry e = {0};
		e.action = (entry_action)a;
		const rules_action *ra = rules_action_of(e.action);
		rules_need first, second;
		rules_signers(&e, 3, &first, &second);
		ck_assert_msg(first != NEED_NOTHING, "%s: nobody acts", entry_action_name(e.action));
		ck_assert_msg((second != NEED_NOTHING) == (entry_required_signers(&e) >= 2),
			      "%s: second signer %d, format needs %zu", entry_action_name(e.action),
			      second, entry_required_signers(&e));
		ck_assert_msg(ra->material == (first == NEED_CUSTODIAN || first == NEED_OUTGOING),
			      "%s: material actions are the custodian's", entry_action_name(e.action));
		ck_assert(!(ra->key_line && ra->material));
		entry_free(&e);
	}
	/* TOP SECRET keying material needs a second person on a one-person action */
	entry e = {0};
	e.action = ACT_TRANSFER;
	entry_item ts = {.kind = KIND_KEY, .alc = 1, .cls = CLASS_TS, .qty = 1};
	snprintf(ts.title, sizeof ts.title, "AKAT 1234");
	snprintf(ts.serial, sizeof ts.serial, "7");
	ck_assert_int_eq(entry_add_item(&e, &ts), ST_OK);
	rules_need first, second;
	rules_signers(&e, 3, &first, &second);
	ck_assert_int_eq(first, NEED_CUSTODIAN);
	ck_assert_int_eq(second, NEED_WITNESS);
	/* ... but an issue's second signer stays the holder */
	e.action = ACT_ISSUE;
	rules_signers(&e, 3, &first, &second);
	ck_assert_int_eq(second, NEED_HOLDER);
	entry_free(&e);
	ck_assert(rules_account_role(ROLE_WITNESS));
	ck_assert(!rules_account_role(ROLE_AUDITOR));
	ck_assert(!rules_account_role(ROLE_AUTHORITY));
}
END_TEST

/* The key line's rules, one case each: what the registry records about the
 * person named, and the verdict with its code and words. */
START_TEST(key_line)
{
	entry e = {0};
	e.action = ACT_KEY_ENROL;
	e.nkeys = 1;
	e.keys[0].role = ROLE_WITNESS;
	snprintf(e.keys[0].key.name, sizeof e.keys[0].key.name, "carol");
	snprintf(e.account, sizeof e.account, A);
	static const struct {
		entry_action action;
		rules_registrant x;
		rules_refusal want;
		const char *words;
	} cases[] = {
		{ACT_KEY_ENROL, {0}, RULE_NONE, NULL},
		{ACT_KEY_ENROL, {.found = true, .same_key = true}, RULE_NONE, NULL},
		{ACT_KEY_ENROL, {.found = true}, RULE_KEY_TAKEN,
		 "the name carol is already enrolled with another key"},
		{ACT_KEY_ENROL, {.key_owner = "dave"}, RULE_KEY_TAKEN,
		 "this public key is already enrolled under the name dave"},
		{ACT_KEY_ENROL, {.found = true, .same_key = true, .revoked = true, .revoked_index = 7},
		 RULE_KEY_REVOKED, "the key of carol was revoked at entry 7; a revoked key is not "
				   "enrolled again"},
		{ACT_KEY_ENROL, {.found = true, .same_key = true, .holds_role = true}, RULE_ROLE_HELD,
		 "carol already holds the witness role on account 111111"},
		{ACT_KEY_REVOKE, {.found = true, .same_key = true, .holds_role = true}, RULE_NONE, NULL},
		{ACT_KEY_REVOKE, {0}, RULE_KEY_UNKNOWN, "the key of carol named here is not enrolled"},
		{ACT_KEY_REVOKE, {.found = true, .holds_role = true}, RULE_KEY_UNKNOWN,
		 "the key of carol named here is not enrolled"},
		{ACT_KEY_REVOKE, {.found = true, .same_key = true, .revoked = true}, RULE_KEY_REVOKED,
		 "the key of carol is already revoked"},
		{ACT_KEY_REVOKE, {.found = true, .same_key = true}, RULE_ROLE_NOT_HELD,
		 "carol does not hold the witness role on account 111111"},
		/* key-rotate: the first key line the key in force, the second new */
		{ACT_KEY_ROTATE, {.found = true, .same_key = true, .holds_role = true}, RULE_NONE, NULL},
		{ACT_KEY_ROTATE, {.found = true, .holds_role = true}, RULE_KEY_UNKNOWN,
		 "the key of carol to be replaced is not the one enrolled"},
		{ACT_KEY_ROTATE, {.holds_role = true}, RULE_KEY_UNKNOWN,
		 "the key of carol to be replaced is not the one enrolled"},
		{ACT_KEY_ROTATE, {.found = true, .same_key = true, .revoked = true, .revoked_index = 9},
		 RULE_KEY_REVOKED, "the key of carol was revoked at entry 9; a revoked person's key is "
				   "not replaced"},
		{ACT_KEY_ROTATE, {.found = true, .same_key = true}, RULE_ROLE_NOT_HELD,
		 "carol does not hold the witness role on account 111111"},
		{ACT_KEY_ROTATE, {.found = true, .same_key = true, .holds_role = true,
				  .new_key_owner = "carol"}, RULE_KEY_TAKEN,
		 "the new public key is, or was, enrolled under the name carol; a new key is one never "
		 "enrolled"},
		/* other actions: not this rule's */
		{ACT_ACCOUNT_OPEN, {.found = true}, RULE_NONE, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		e.action = cases[i].action;
		e.nkeys = e.action == ACT_KEY_ROTATE ? 2 : 1;
		e.keys[1] = e.keys[0];
		errbuf err = {0};
		status st = rules_check_key_line(&e, &cases[i].x, &err);
		ck_assert_msg(st == (cases[i].want == RULE_NONE ? ST_OK : ST_REFUSED), "case %zu", i);
		if (cases[i].want != RULE_NONE) {
			ck_assert_int_eq(err.why, cases[i].want);
			ck_assert_str_eq(err.msg, cases[i].words);
		}
	}
	/* a whole-log role names no account */
	e.action = ACT_KEY_REVOKE;
	e.keys[0].role = ROLE_AUDITOR;
	errbuf err = {0};
	rules_registrant x = {.found = true, .same_key = true};
	ck_assert_int_eq(rules_check_key_line(&e, &x, &err), ST_REFUSED);
	ck_assert_str_eq(err.msg, "carol does not hold the auditor role");

	entry o = {0};
	o.action = ACT_ACCOUNT_OPEN;
	snprintf(o.account, sizeof o.account, A);
	ck_assert_int_eq(rules_check_account_new(&o, PARTY_UNKNOWN, &err), ST_OK);
	ck_assert_int_eq(rules_check_account_new(&o, PARTY_LEDGER, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_ACCOUNT_OPEN);
	ck_assert_str_eq(err.msg, "account 111111 is already open in this ledger");
	o.action = ACT_ACCOUNT_OUTSIDE;
	ck_assert_int_eq(rules_check_account_new(&o, PARTY_OUTSIDE, &err), ST_REFUSED);
	ck_assert_str_eq(err.msg,
			 "account 111111 is already registered as an account outside this ledger");
	ck_assert_int_eq(rules_check_account_new(&o, PARTY_LEDGER, &err), ST_REFUSED);
	ck_assert_int_eq(rules_check_account_new(&o, PARTY_UNKNOWN, &err), ST_OK);
	o.action = ACT_RECEIPT;
	ck_assert_int_eq(rules_check_account_new(&o, PARTY_LEDGER, &err), ST_OK);
}
END_TEST

/* Where material may come from and go: by what the peer is to the ledger. */
START_TEST(peers)
{
	static const struct {
		entry_action action;
		rules_party peer;
		int version;
		rules_refusal want;
	} cases[] = {
		{ACT_RECEIPT, PARTY_COR, 2, RULE_NONE},
		{ACT_RECEIPT, PARTY_OUTSIDE, 2, RULE_NONE},
		{ACT_RECEIPT, PARTY_LEDGER, 2, RULE_SOURCE_IN_LEDGER},
		{ACT_RECEIPT, PARTY_LEDGER, 1, RULE_SOURCE_IN_LEDGER},
		{ACT_RECEIPT, PARTY_UNKNOWN, 2, RULE_PEER_UNKNOWN},
		{ACT_RECEIPT, PARTY_UNKNOWN, 1, RULE_NONE}, /* older than registration */
		{ACT_TRANSFER, PARTY_LEDGER, 2, RULE_NONE},
		{ACT_TRANSFER, PARTY_OUTSIDE, 2, RULE_NONE},
		{ACT_TRANSFER, PARTY_COR, 2, RULE_NONE},
		{ACT_TRANSFER, PARTY_UNKNOWN, 2, RULE_PEER_UNKNOWN},
		{ACT_TRANSFER, PARTY_UNKNOWN, 1, RULE_NONE},
		{ACT_ACCEPT, PARTY_UNKNOWN, 2, RULE_NONE}, /* judged by its transfer */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		entry e = {.action = cases[i].action, .version = cases[i].version};
		snprintf(e.peer, sizeof e.peer, "999999");
		errbuf err = {0};
		status st = rules_check_peer(&e, cases[i].peer, &err);
		ck_assert_msg((st == ST_OK) == (cases[i].want == RULE_NONE), "row %zu: %s", i, err.msg);
		if (cases[i].want != RULE_NONE)
			ck_assert_int_eq(err.why, cases[i].want);
	}
	entry e = {.action = ACT_TRANSFER, .version = 2};
	snprintf(e.peer, sizeof e.peer, "999999");
	errbuf err = {0};
	ck_assert_int_eq(rules_check_peer(&e, PARTY_UNKNOWN, &err), ST_REFUSED);
	ck_assert_str_eq(err.msg, "account 999999 is neither open in this ledger nor registered as "
				  "an account outside it: an administrator registers it first "
				  "(account-outside)");
}
END_TEST

START_TEST(details)
{
	entry e = {.action = ACT_ACCOUNT_DETAILS, .version = 2};
	snprintf(e.account, sizeof e.account, A);
	errbuf err = {0};
	ck_assert_int_eq(entry_set_detail(&e, "address", "1 Main St", &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&e, PARTY_LEDGER, false, &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&e, PARTY_OUTSIDE, false, &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&e, PARTY_UNKNOWN, false, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_SUBJECT_UNKNOWN);
	ck_assert_int_eq(entry_set_detail(&e, "cor_account", "12345x", &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&e, PARTY_LEDGER, false, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_DETAIL_VALUE);
	ck_assert_str_eq(err.msg, "the COR account (detail cor_account) is six digits");
	ck_assert_int_eq(entry_set_detail(&e, "cor_account", "100001", &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&e, PARTY_LEDGER, false, &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&e, PARTY_OUTSIDE, false, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_DETAIL_VALUE);
	entry_free(&e);
	entry p = {.action = ACT_PERSON_DETAILS, .version = 2};
	snprintf(p.holder, sizeof p.holder, "carol");
	ck_assert_int_eq(rules_check_details(&p, PARTY_UNKNOWN, true, &err), ST_OK);
	ck_assert_int_eq(rules_check_details(&p, PARTY_UNKNOWN, false, &err), ST_REFUSED);
	ck_assert_int_eq(err.why, RULE_SUBJECT_UNKNOWN);
	ck_assert_str_eq(err.msg, "carol is not an enrolled person whose key is in force");
}
END_TEST

/* policy-set: each row the details given (name=value pairs, as a request
 * gives them) and the verdict with its words. */
static const struct policy_row {
	int line;
	const char *pairs[4][2];
	size_t n;
	rules_refusal want;
	const char *words;
} policy_rows[] = {
	{__LINE__, {{"destruction_deadline_hours", "24"}}, 1, RULE_NONE, NULL},
	{__LINE__, {{"destruction_deadline_hours", "1"}, {"two_person_key_class", "0"}}, 2, RULE_NONE, NULL},
	{__LINE__, {{"destruction_deadline_hours", "72"}, {"transit_alarm_days", "0"}}, 2, RULE_NONE, NULL},
	{__LINE__, {{"inventory_interval_months", "12"}, {"hand_receipt_alarm_days", "365"}}, 2, RULE_NONE, NULL},
	{__LINE__, {{"incident_report_hours", "72"}, {"two_person_key_class", "3"}}, 2, RULE_NONE, NULL},
	{__LINE__, {{0}}, 0, RULE_POLICY_VALUE, "a policy-set entry sets at least one policy"},
	{__LINE__, {{"checkpoint_interval_entries", "3"}}, 1, RULE_POLICY_VALUE,
	 "checkpoint_interval_entries is not a policy of this ledger"},
	{__LINE__, {{"destruction_deadline_hours", "24"}, {"destruction_deadline_hours", "12"}}, 2,
	 RULE_POLICY_VALUE, "policy destruction_deadline_hours is set twice"},
	{__LINE__, {{"destruction_deadline_hours", "73"}}, 1, RULE_POLICY_VALUE,
	 "policy destruction_deadline_hours is a whole number from 1 to 72 (hours after 00:00 UTC "
	 "of its supersession date within which superseded keying material is destroyed), not 73"},
	{__LINE__, {{"destruction_deadline_hours", "0"}}, 1, RULE_POLICY_VALUE, "from 1 to 72"},
	{__LINE__, {{"two_person_key_class", "4"}}, 1, RULE_POLICY_VALUE, "from 0 to 3"},
	{__LINE__, {{"two_person_key_class", "-1"}}, 1, RULE_POLICY_VALUE, "not -1"},
	{__LINE__, {{"transit_alarm_days", "07"}}, 1, RULE_POLICY_VALUE, "not 07"},
	{__LINE__, {{"transit_alarm_days", ""}}, 1, RULE_POLICY_VALUE, "from 0 to 365"},
	{__LINE__, {{"transit_alarm_days", "1e3"}}, 1, RULE_POLICY_VALUE, "not 1e3"},
	{__LINE__, {{"transit_alarm_days", "99999999999999999999"}}, 1, RULE_POLICY_VALUE, "from 0 to 365"},
	{__LINE__, {{"incident_report_hours", "0"}}, 1, RULE_POLICY_VALUE, "from 1 to 72"},
	{__LINE__, {{"inventory_interval_months", "13"}}, 1, RULE_POLICY_VALUE, "from 0 to 12"},
};

START_TEST(policy_table)
{
	const struct policy_row *r = &policy_rows[_i];
	const char *names[4], *vals[4];
	for (size_t i = 0; i < r->n; i++) {
		names[i] = r->pairs[i][0];
		vals[i] = r->pairs[i][1];
	}
	errbuf err = {0};
	int64_t v[POL__COUNT];
	status st = rules_check_policy_pairs(r->n, names, vals, v, &err);
	ck_assert_msg((st == ST_OK) == (r->want == RULE_NONE), "line %d: %s", r->line, err.msg);
	if (r->want != RULE_NONE) {
		ck_assert_int_eq(st, ST_REFUSED);
		ck_assert_msg(err.why == (int)r->want, "line %d: why %d", r->line, err.why);
		ck_assert_msg(strstr(err.msg, r->words) != NULL, "line %d: %s", r->line, err.msg);
		return;
	}
	for (int p = 0; p < POL__COUNT; p++) {
		const char *want = NULL;
		for (size_t i = 0; i < r->n; i++)
			if (strcmp(names[i], rules_policy_of((rules_policy)p)->name) == 0)
				want = vals[i];
		ck_assert_msg(want ? v[p] == strtoll(want, NULL, 10) : v[p] == -1, "line %d", r->line);
	}
	/* the same verdict on an entry with these details */
	entry e = {.action = ACT_POLICY_SET, .version = 2};
	for (size_t i = 0; i < r->n; i++)
		ck_assert_int_eq(entry_set_detail(&e, names[i], vals[i], &err), ST_OK);
	ck_assert_int_eq(rules_check_policy(&e, NULL, &err), ST_OK);
	entry_free(&e);
}
END_TEST

START_TEST(policies)
{
	/* one table: the entry format's policy-set detail names are its names,
	 * in order, and every default is in its range */
	size_t req;
	const char *const *names = entry_detail_names(ACT_POLICY_SET, &req);
	int p = 0;
	for (; names[p] != NULL; p++) {
		const rules_policy_def *d = rules_policy_of((rules_policy)p);
		ck_assert_msg(d != NULL && strcmp(d->name, names[p]) == 0, "%s", names[p]);
		ck_assert_int_eq(rules_policy_from_name(names[p]), p);
		ck_assert(d->min <= d->dflt && d->dflt <= d->max);
	}
	ck_assert_int_eq(p, POL__COUNT);
	ck_assert_ptr_null(rules_policy_of(POL__COUNT));
	ck_assert_int_eq(rules_policy_from_name("log_lock_wait_ms"), -1);
	ck_assert_int_eq(rules_policy_of(POL_DESTRUCTION_DEADLINE)->dflt, 12);
	ck_assert_int_eq(rules_policy_of(POL_TWO_PERSON_KEY_CLASS)->dflt, 3);
	/* another action: not this rule's */
	entry o = {.action = ACT_ACCOUNT_DETAILS, .version = 2};
	ck_assert_int_eq(rules_check_policy(&o, NULL, NULL), ST_OK);

	/* policy-set: an administrator and a second administrator or authority */
	entry e = {.action = ACT_POLICY_SET, .version = 2};
	rules_need first, second;
	rules_signers(&e, 3, &first, &second);
	ck_assert_int_eq(first, NEED_ADMIN);
	ck_assert_int_eq(second, NEED_SECOND);
	char w[128];
	ck_assert_str_eq(rules_need_words(second, &e, w, sizeof w),
			 "a second person who is an administrator or an authority");

	/* two_person_key_class in force: SECRET keying material on a
	 * one-person action needs a witness from class 2 down, not at 3 */
	static const struct {
		item_kind kind;
		item_class cls;
		int64_t policy;
		rules_need second;
	} two[] = {
		{KIND_KEY, CLASS_S, 3, NEED_NOTHING},     {KIND_KEY, CLASS_S, 2, NEED_WITNESS},
		{KIND_KEY, CLASS_S, 0, NEED_WITNESS},     {KIND_KEY, CLASS_C, 2, NEED_NOTHING},
		{KIND_KEY, CLASS_C, 1, NEED_WITNESS},     {KIND_KEY, CLASS_TS, 3, NEED_WITNESS},
		{KIND_KEY, CLASS_U, 0, NEED_WITNESS},     {KIND_EQUIPMENT, CLASS_S, 0, NEED_NOTHING},
		{KIND_KEY, CLASS_TS, 99, NEED_WITNESS},   {KIND_KEY, CLASS_S, -1, NEED_NOTHING},
	};
	for (size_t k = 0; k < sizeof two / sizeof two[0]; k++) {
		entry t = {.action = ACT_TRANSFER, .version = 2};
		entry_item it = {.kind = two[k].kind, .alc = 1, .cls = two[k].cls, .qty = 1};
		snprintf(it.title, sizeof it.title, "AKAT 1");
		snprintf(it.serial, sizeof it.serial, "1");
		ck_assert_int_eq(entry_add_item(&t, &it), ST_OK);
		rules_signers(&t, two[k].policy, &first, &second);
		ck_assert_msg(second == two[k].second, "row %zu: %d", k, second);
		/* an issue's second stays the holder; a destruction's the witness */
		t.action = ACT_ISSUE;
		rules_signers(&t, two[k].policy, &first, &second);
		ck_assert_int_eq(second, NEED_HOLDER);
		entry_free(&t);
	}
}
END_TEST

START_TEST(status_names)
{
	for (int s = 0; s < ITEM__COUNT; s++)
		ck_assert_int_eq(item_status_from_name(item_status_name((item_status)s)), s);
	ck_assert_int_eq(item_status_from_name("lost"), -1);
	ck_assert_str_eq(item_status_words(ITEM_INCIDENT), "under an incident");
	for (int r = 0; r < RULE__COUNT; r++)
		ck_assert_str_ne(rules_refusal_name((rules_refusal)r), "?");
}
END_TEST


/* ---- certification: the sighted list and its digest ------------------- */

static void hex32(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

START_TEST(list_digest)
{
	/* the bytes the list stands for, built here and hashed whole */
	static const char lines[] = "KAM-9\t\tLOT7\t100\n"
				    "KG-175D\t\tE1\t1\n"
				    "KG-175D\tAB\tE2\t1\n";
	uint8_t want[32], got[32];
	sha256(lines, strlen(lines), want);
	rules_list_digest d;
	rules_list_digest_init(&d);
	ck_assert(rules_list_digest_add(&d, "KAM-9", "", "LOT7", 100));
	ck_assert(rules_list_digest_add(&d, "KG-175D", "", "E1", 1));
	ck_assert(rules_list_digest_add(&d, "KG-175D", "AB", "E2", 1));
	uint64_t n = 0;
	rules_list_digest_final(&d, got, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(got, want, 32);
	/* and what `printf ... | sha256sum` says (docs/log-format.md) */
	char hex[65];
	hex32(got, hex);
	ck_assert_str_eq(hex, "cc2d54235602d35e24bbf28b33373ee36f4f34921a577693633efd5e15065510");

	/* the empty list: SHA-256 of nothing */
	rules_list_digest_init(&d);
	rules_list_digest_final(&d, got, &n);
	ck_assert_uint_eq(n, 0);
	hex32(got, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* (title, edition, serial) order: a title that is a prefix sorts first */
	rules_list_digest_init(&d);
	ck_assert(rules_list_digest_add(&d, "A", "", "9", 1));
	ck_assert(rules_list_digest_add(&d, "A", "B", "", 1));
	ck_assert(rules_list_digest_add(&d, "A B", "", "", 1));
	ck_assert(rules_list_digest_add(&d, "AB", "", "1", 1));
	rules_list_digest_final(&d, got, &n);
	ck_assert_uint_eq(n, 4);
	static const char order[] = "A\t\t9\t1\nA\tB\t\t1\nA B\t\t\t1\nAB\t\t1\t1\n";
	sha256(order, strlen(order), want);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST

/* Items out of order, twice, or malformed: refused, the digest unusable. */
typedef struct order_row {
	const char *t1, *e1, *s1, *t2, *e2, *s2;
} order_row;
static const order_row order_rows[] = {
	{"KG-175D", "", "E2", "KG-175D", "", "E1"}, /* serial descending */
	{"KG-175D", "", "E1", "KG-175D", "", "E1"}, /* twice */
	{"KG-175D", "AB", "E1", "KG-175D", "", "E9"}, /* edition descending */
	{"AB", "", "", "A", "", "9"},              /* title: a prefix after */
	{"A", "", "1", "B", "", "2\t3"},           /* a TAB in a field */
	{"A", "", "1", "B\n", "", "2"},            /* a newline */
	{"A", "", "1", "", "", "2"},               /* no title */
	{"A", "", "1", "B", "", "123456789012345678901234567890123"}, /* too long */
};

START_TEST(list_order)
{
	const order_row *o = &order_rows[_i];
	rules_list_digest d;
	rules_list_digest_init(&d);
	ck_assert(rules_list_digest_add(&d, o->t1, o->e1, o->s1, 1));
	ck_assert(!rules_list_digest_add(&d, o->t2, o->e2, o->s2, 1));
	/* unusable from then on, even for an item in order */
	ck_assert(!rules_list_digest_add(&d, "ZZZ", "", "", 1));
	uint8_t got[32], zero[32] = {0};
	uint64_t n = 7;
	rules_list_digest_final(&d, got, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_mem_eq(got, zero, 32);
}
END_TEST

START_TEST(list_counts)
{
	static const int alcs[] = {1, 2, 4, 6, 7};
	for (size_t i = 0; i < sizeof alcs / sizeof alcs[0]; i++) {
		int alc = alcs[i];
		bool cor = alc == 1 || alc == 2 || alc == 6;
		for (int s = 0; s < ITEM__COUNT; s++) {
			bool held = s == ITEM_ON_HAND || s == ITEM_ISSUED;
			ck_assert_msg(rules_list_counts(ACT_INVENTORY, alc, (item_status)s) ==
					      (held && cor),
				      "inventory ALC-%d %s", alc, item_status_name((item_status)s));
			ck_assert_msg(rules_list_counts(ACT_CUSTODIAN_CHANGE, alc, (item_status)s) ==
					      held,
				      "custodian-change ALC-%d %s", alc,
				      item_status_name((item_status)s));
			ck_assert(!rules_list_counts(ACT_TRANSFER, alc, (item_status)s));
		}
	}
	ck_assert(!rules_list_counts(ACT_CUSTODIAN_CHANGE, 3, ITEM_ON_HAND));
}
END_TEST

/* A certification entry of action a with details (name, value) pairs. */
static void cert_entry(entry *e, entry_action a, const char *const *kv)
{
	memset(e, 0, sizeof *e);
	e->action = a;
	snprintf(e->account, sizeof e->account, "%s", A);
	for (; kv[0] != NULL; kv += 2) {
		errbuf err = {0};
		status st = entry_set_detail(e, kv[0], kv[1], &err);
		ck_assert_msg(st == ST_OK, "%s: %s", kv[0], err.msg);
	}
}

typedef struct cert_row {
	int line;
	entry_action action;
	const char *kv[12];
	bool with_item;
	uint64_t held;      /* the record's list: held items ... */
	bool other_digest;  /* ... and a digest other than list_sha256's */
	rules_refusal want;
	const char *words;
} cert_row;

#define H64 "cc2d54235602d35e24bbf28b33373ee36f4f34921a577693633efd5e15065510"
static const cert_row cert_rows[] = {
	{__LINE__, ACT_INVENTORY, {"found", "1", "list_sha256", H64, "not_sighted", "0", "qty_diff",
				   "2", "sighted", "3", NULL}, false, 3, false, RULE_NONE, NULL},
	{__LINE__, ACT_CUSTODIAN_CHANGE, {"list_sha256", H64, "sighted", "3", NULL}, false, 3,
	 false, RULE_NONE, NULL},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "sighted", "3", NULL}, false, 3, true,
	 RULE_LIST_HASH, "the certified list (3 items, sha256 cc2d5423...) is not the list of the "
	 "3 items accountable to the COR (ALC 1, 2, 6) held at account 111111"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "sighted", "2", NULL}, false, 3, false,
	 RULE_LIST_HASH, "(2 items, sha256 cc2d5423...) is not the list of the 3 items"},
	{__LINE__, ACT_CUSTODIAN_CHANGE, {"list_sha256", H64, "sighted", "4", NULL}, false, 3,
	 false, RULE_LIST_HASH, "of every ALC held at account 111111"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "sighted", "3", NULL}, true, 3, false,
	 RULE_DETAIL_VALUE, "a certification lists no items (it lists 1)"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", "CC2D54235602D35E24BBF28B33373EE36F4F34921A577693633EFD5E15065510",
				   "sighted", "3", NULL}, false, 3, false, RULE_DETAIL_VALUE,
	 "list_sha256 must be 64 lower-case hex digits"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", "cc2d", "sighted", "3", NULL}, false, 3, false,
	 RULE_DETAIL_VALUE, "64 lower-case hex digits"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64 "0", "sighted", "3", NULL}, false, 3, false,
	 RULE_DETAIL_VALUE, "64 lower-case hex digits"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "sighted", "03", NULL}, false, 3, false,
	 RULE_DETAIL_VALUE, "detail sighted must be a whole number 0 to 1000000000, written "
	 "without leading zeros"},
	{__LINE__, ACT_INVENTORY, {"found", "-1", "list_sha256", H64, "sighted", "3", NULL}, false,
	 3, false, RULE_DETAIL_VALUE, "detail found must be"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "qty_diff", "1000000001", "sighted", "3",
				   NULL}, false, 3, false, RULE_DETAIL_VALUE, "detail qty_diff must"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "not_sighted", " 1", "sighted", "3", NULL},
	 false, 3, false, RULE_DETAIL_VALUE, "detail not_sighted must"},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, NULL}, false, 3, false, RULE_DETAIL_VALUE,
	 "states how many items were sighted"},
	{__LINE__, ACT_CUSTODIAN_CHANGE, {"sighted", "3", NULL}, false, 3, false, RULE_DETAIL_VALUE,
	 "detail sighted is a certification's, and this custodian-change carries no list_sha256"},
	{__LINE__, ACT_INVENTORY, {"sighted", "1000000000", "list_sha256", H64, NULL}, false,
	 1000000000, false, RULE_NONE, NULL},
	{__LINE__, ACT_INVENTORY, {"list_sha256", H64, "sighted", "0", NULL}, false, 0, false,
	 RULE_NONE, NULL},
};

START_TEST(certification)
{
	const cert_row *c = &cert_rows[_i];
	entry e;
	cert_entry(&e, c->action, c->kv);
	if (c->with_item) {
		entry_item it = {.kind = KIND_EQUIPMENT, .alc = 1, .cls = CLASS_C, .qty = 1};
		snprintf(it.title, sizeof it.title, "KG-175D");
		snprintf(it.serial, sizeof it.serial, "E1");
		ck_assert_int_eq(entry_add_item(&e, &it), ST_OK);
	}
	uint8_t d[32];
	for (int i = 0; i < 32; i++) {
		unsigned b;
		ck_assert_int_eq(sscanf(&H64[2 * i], "%2x", &b), 1);
		d[i] = (uint8_t)b;
	}
	if (c->other_digest)
		d[31] ^= 1;
	errbuf err = {0};
	status st = rules_check_certification(&e, c->held, d, &err);
	ck_assert_msg(c->want == RULE_NONE ? st == ST_OK : st == ST_REFUSED,
		      "line %d: %s", c->line, err.msg);
	ck_assert_msg(err.why == (int)c->want, "line %d: why %s, not %s: %s", c->line,
		      rules_refusal_name((rules_refusal)err.why), rules_refusal_name(c->want), err.msg);
	if (c->words != NULL)
		ck_assert_msg(strstr(err.msg, c->words) != NULL, "line %d: \"%s\" lacks \"%s\"",
			      c->line, err.msg, c->words);
	/* the entry's own fields alone: the same verdict on the details */
	errbuf err2 = {0};
	status st2 = rules_check_entry(&e, &err2);
	if (c->want == RULE_DETAIL_VALUE)
		ck_assert_msg(st2 == ST_REFUSED && err2.why == (int)RULE_DETAIL_VALUE, "line %d", c->line);
	else
		ck_assert_msg(st2 == ST_OK, "line %d: %s", c->line, err2.msg);
	ck_assert(rules_is_certification(&e) == (entry_detail_value(&e, "list_sha256") != NULL));
	if (c->want == RULE_NONE) {
		ck_assert(rules_inventory_complete(&e, 0, c->held));
		ck_assert_int_eq(rules_check_count(&e, 0, c->held, NULL, &err), ST_OK);
	}
	entry_free(&e);
}
END_TEST

START_TEST(certification_plain)
{
	/* an inventory that lists items and carries no detail is no certification,
	 * and rules_check_certification lets it pass: rules_inventory_complete
	 * judges it as before */
	entry e;
	static const char *const none[] = {NULL};
	cert_entry(&e, ACT_INVENTORY, none);
	ck_assert(!rules_is_certification(&e));
	uint8_t d[32] = {0};
	errbuf err = {0};
	ck_assert_int_eq(rules_check_certification(&e, 5, d, &err), ST_OK);
	ck_assert(!rules_inventory_complete(&e, 0, 5));
	ck_assert(rules_inventory_complete(&e, 0, 0));
	entry_free(&e);
	/* other actions take none of the certification's details */
	cert_entry(&e, ACT_TRANSFER, none);
	errbuf err2 = {0};
	ck_assert_int_eq(entry_set_detail(&e, "list_sha256", H64, &err2), ST_FORMAT);
	ck_assert(!rules_is_certification(&e));
	entry_free(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, item_table, 0, (int)(sizeof rows / sizeof rows[0]));
	tcase_add_test(tc, distinct);
	tcase_add_loop_test(tc, split_table, 0, sizeof split_rows / sizeof split_rows[0]);
	tcase_add_test(tc, split_names);
	tcase_add_test(tc, custodian_change);
	tcase_add_test(tc, alc_change);
	tcase_add_test(tc, key_effective);
	tcase_add_test(tc, entry_rules);
	tcase_add_test(tc, actions_and_signers);
	tcase_add_test(tc, key_line);
	tcase_add_test(tc, peers);
	tcase_add_test(tc, details);
	tcase_add_test(tc, status_names);
	tcase_add_loop_test(tc, policy_table, 0, (int)(sizeof policy_rows / sizeof policy_rows[0]));
	tcase_add_test(tc, policies);
	tcase_add_test(tc, list_digest);
	tcase_add_loop_test(tc, list_order, 0, (int)(sizeof order_rows / sizeof order_rows[0]));
	tcase_add_test(tc, list_counts);
	tcase_add_loop_test(tc, certification, 0, (int)(sizeof cert_rows / sizeof cert_rows[0]));
	tcase_add_test(tc, certification_plain);
	suite_add_tcase(s, tc);
	return check_run(s);
}
