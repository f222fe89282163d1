/* check_policy: the verifier's trust policy (src/policy.c, C2SP
 * tlog-policy): parsing, errors with line numbers, quorum arithmetic, and
 * checking real checkpoints against a policy. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/key.h"
#include "../src/buf.h"
#include "../src/policy.h"
#include "../src/tlog.h"
#include "testkey.h"

#define ORIGIN "example.com/TEST-ONLY-log"
#define ROOT64 "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

static key_secret *LOG, *W[6];
static char logv[KEY_VKEY_MAX + 1], wv[6][KEY_VKEY_MAX + 1];

static void setup(void)
{
	ck_assert_int_eq(key_init(), ST_OK);
	LOG = test_key(ORIGIN);
	key_vkey_format(key_secret_public(LOG), logv);
	for (int i = 0; i < 6; i++) {
		char name[32];
		snprintf(name, sizeof name, "TEST-ONLY-w%d", i + 1);
		W[i] = test_key(name);
		tlog_cosig_vkey_format(key_secret_public(W[i]), wv[i]);
	}
}

static void teardown(void)
{
	key_secret_free(LOG);
	for (int i = 0; i < 6; i++)
		key_secret_free(W[i]);
}

/* A policy text from a format with %L for the log key and %1..%6 for the
 * witness keys. */
static char *text_of(const char *fmt)
{
	buf b = {0};
	for (const char *p = fmt; *p; p++) {
		if (*p == '%' && p[1] == 'L') {
			buf_puts(&b, logv);
			p++;
		} else if (*p == '%' && p[1] >= '1' && p[1] <= '6') {
			buf_puts(&b, wv[p[1] - '1']);
			p++;
		} else {
			buf_append(&b, p, 1);
		}
	}
	size_t len;
	return buf_take(&b, &len);
}

static status parse(const char *fmt, policy *p, errbuf *err)
{
	char *t = text_of(fmt);
	status st = policy_parse(t, strlen(t), p, err);
	free(t);
	return st;
}

START_TEST(parse_example)
{
	policy *p = malloc(sizeof *p);
	errbuf err = {0};
	/* The shape of the spec's example, with comments, tabs and URLs. */
	status st = parse("# our auditors' policy\n"
			  "log %L https://log.example/\n"
			  "\n"
			  "witness X1 %1\n"
			  "witness X2 %2\n"
			  "  witness\tX3 %3 https://x3.example/\n"
			  "group X-witnesses 2 X1 X2 X3\n"
			  "   # indented comment\n"
			  "witness Y1 %4\n"
			  "witness Y2 %5\n"
			  "witness Y3 %6\n"
			  "group Y-witnesses any Y1 Y2 Y3\n"
			  "group X-and-Y all X-witnesses Y-witnesses\n"
			  "quorum X-and-Y\n",
			  p, &err);
	ck_assert_msg(st == ST_OK, "%s", err.msg);
	ck_assert_uint_eq(p->nlogs, 1);
	ck_assert_str_eq(p->logs[0].name, ORIGIN);
	ck_assert_uint_eq(p->nwitnesses, 6);
	ck_assert_str_eq(p->witnesses[2].name, "X3");
	ck_assert_uint_eq(p->ngroups, 3);
	ck_assert_uint_eq(p->groups[0].k, 2);
	ck_assert_uint_eq(p->groups[1].k, 1);
	ck_assert_uint_eq(p->groups[2].k, 2);
	ck_assert(!p->quorum_none);
	/* quorum: two of X and one of Y */
	bool w[6] = {0};
	ck_assert(!policy_quorum_met(p, w));
	w[0] = w[1] = true;
	ck_assert(!policy_quorum_met(p, w));
	w[5] = true;
	ck_assert(policy_quorum_met(p, w));
	w[1] = false;
	ck_assert(!policy_quorum_met(p, w));
	w[2] = true;
	ck_assert(policy_quorum_met(p, w));
	memset(w, 0, sizeof w);
	w[3] = w[4] = w[5] = true;
	ck_assert(!policy_quorum_met(p, w));
	free(p);
}
END_TEST

START_TEST(quorum_forms)
{
	policy *p = malloc(sizeof *p);
	errbuf err = {0};
	bool w[6] = {0};
	ck_assert_int_eq(parse("log %L\nquorum none\n", p, &err), ST_OK);
	ck_assert(p->quorum_none);
	ck_assert(policy_quorum_met(p, w));
	ck_assert_int_eq(parse("witness a %1\nquorum a\n", p, &err), ST_OK);
	ck_assert(!policy_quorum_met(p, w));
	w[0] = true;
	ck_assert(policy_quorum_met(p, w));
	ck_assert_int_eq(parse("witness a %1\nwitness b %2\nwitness c %3\n"
			       "group g 3 a b c\nquorum g\n", p, &err), ST_OK);
	w[1] = true;
	ck_assert(!policy_quorum_met(p, w));
	w[2] = true;
	ck_assert(policy_quorum_met(p, w));
	free(p);
}
END_TEST

/* Each bad policy is refused with its line number. */
START_TEST(parse_errors)
{
	static const struct {
		const char *text, *words;
	} bad[] = {
		{"log %L\n", "no quorum line"},
		{"log %L\nquorum none", "line 2: no newline"},
		{"log %L\nquorum none\nquorum none\n", "line 3: a second quorum"},
		{"log %1\nquorum none\n", "line 1: log key"},
		{"witness a %L\nquorum none\n", "line 1: witness key"},
		{"log %L\nlog %L\nquorum none\n", "line 2: this log key is already listed"},
		{"witness a %1\nwitness b %1\nquorum none\n", "line 2: this witness key"},
		{"witness a %1\nwitness a %2\nquorum none\n", "line 2: the name a is already"},
		{"witness none %1\nquorum none\n", "line 1: the name none is reserved"},
		{"quorum a\nwitness a %1\n", "line 1: quorum a is not defined"},
		{"witness a %1\ngroup g 2 a\nquorum g\n", "line 2: threshold 2 is more than"},
		{"witness a %1\ngroup g 0 a\nquorum g\n", "line 2: threshold must be"},
		{"witness a %1\ngroup g 01 a\nquorum g\n", "line 2: threshold must be"},
		{"witness a %1\ngroup g any a a\nquorum g\n", "line 2: member a is listed twice"},
		{"witness a %1\ngroup g any a b\nquorum g\n", "line 2: member b is not defined"},
		{"witness a %1\ngroup g any none\nquorum g\n", "line 2: none cannot be"},
		{"witness a %1\ngroup g any\nquorum g\n", "line 2: expected: group"},
		{"witness a %1\ngroup g any g\nquorum g\n", "line 2: member g is not defined"},
		{"witnes a %1\nquorum none\n", "line 1: unknown keyword"},
		{"log %L extra words here\nquorum none\n", "line 1: expected: log"},
		{"# a\x01 comment\nquorum none\n", "line 1: control character"},
		{"log %L\r\nquorum none\n", "line 1: control character"},
		{"quorum none none\n", "line 1: expected: quorum"},
	};
	policy *p = malloc(sizeof *p);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errbuf err = {0};
		ck_assert_msg(parse(bad[i].text, p, &err) == ST_FORMAT, "accepted bad policy %zu", i);
		ck_assert_msg(strstr(err.msg, bad[i].words) != NULL, "policy %zu: \"%s\" lacks \"%s\"",
			      i, err.msg, bad[i].words);
	}
	/* non-ASCII names are opaque bytes and allowed */
	errbuf err = {0};
	ck_assert_int_eq(parse("witness \xe2\x84\xaa %1\nquorum \xe2\x84\xaa\n", p, &err), ST_OK);
	ck_assert_int_eq(parse("witness K %1\nquorum \xe2\x84\xaa\n", p, &err), ST_FORMAT);
	free(p);
}
END_TEST

/* Groups may share members: each group here has the two before it as
 * members, so evaluating every group afresh from the top walks about
 * 1.6^64 paths (the policy_quorum_met of fuzz_policy's first finding never
 * returned).  Each group must be evaluated once. */
START_TEST(quorum_shared_subgroups)
{
	buf b = {0};
	buf_puts(&b, "witness a %1\nwitness b %2\ngroup g0 any a b\ngroup g1 any a g0\n");
	for (int i = 2; i < POLICY_MAX_GROUPS; i++)
		buf_printf(&b, "group g%d any g%d g%d\n", i, i - 1, i - 2);
	buf_printf(&b, "quorum g%d\n", POLICY_MAX_GROUPS - 1);
	size_t len;
	char *fmt = buf_take(&b, &len);
	policy *p = malloc(sizeof *p);
	errbuf err = {0};
	ck_assert_msg(parse(fmt, p, &err) == ST_OK, "%s", err.msg);
	ck_assert_uint_eq(p->ngroups, POLICY_MAX_GROUPS);
	bool w[2] = {false, false};
	ck_assert(!policy_quorum_met(p, w));
	w[1] = true;
	ck_assert(policy_quorum_met(p, w));
	free(fmt);
	free(p);
}
END_TEST

/* A checkpoint signed by the log and cosigned by witnesses i in `who`. */
static char *checkpoint(const bool *who, size_t *len)
{
	const char body[] = ORIGIN "\n42\n" ROOT64 "\n";
	const key_secret *ks[1] = {LOG};
	char *out;
	ck_assert_int_eq(note_sign(body, strlen(body), ks, 1, &out, len, NULL), ST_OK);
	for (int i = 0; i < 6; i++) {
		if (!who[i])
			continue;
		char *line;
		size_t ll;
		ck_assert_int_eq(tlog_cosign(W[i], body, strlen(body), 1700000000 + (uint64_t)i, &line,
					     &ll, NULL), ST_OK);
		out = realloc(out, *len + ll + 1);
		memcpy(out + *len, line, ll + 1);
		*len += ll;
		free(line);
	}
	return out;
}

START_TEST(check_checkpoints)
{
	policy *p = malloc(sizeof *p);
	errbuf err = {0};
	ck_assert_int_eq(parse("log %L\nwitness a %1\nwitness b %2\nwitness c %3\n"
			       "group g 2 a b c\nquorum g\n", p, &err), ST_OK);
	bool who[6] = {true, false, true};
	size_t len;
	char *cp = checkpoint(who, &len);
	tlog_checkpoint c;
	policy_result r;
	ck_assert_msg(policy_check_checkpoint(p, cp, len, &c, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert_uint_eq(c.size, 42);
	ck_assert_uint_eq(r.ncosigned, 2);
	ck_assert(r.cosigned[0] && !r.cosigned[1] && r.cosigned[2]);
	ck_assert_uint_eq(r.cosig_time[2], 1700000002);
	ck_assert_ptr_nonnull(r.log);
	free(cp);
	/* one cosignature is not a quorum of two */
	who[2] = false;
	cp = checkpoint(who, &len);
	ck_assert_int_eq(policy_check_checkpoint(p, cp, len, &c, &r, &err), ST_NOSIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "quorum not met: 1 of 3"));
	/* a tampered cosignature is an error, not merely absent */
	who[1] = true;
	free(cp);
	cp = checkpoint(who, &len);
	char *last = strrchr(cp, ' ') + 20;
	*last = *last == 'A' ? 'B' : 'A';
	ck_assert_int_eq(policy_check_checkpoint(p, cp, len, &c, &r, &err), ST_BADSIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "witness b"));
	free(cp);
	/* cosignatures by witnesses the policy does not know do not count */
	bool others[6] = {false, false, false, true, true, true};
	cp = checkpoint(others, &len);
	ck_assert_int_eq(policy_check_checkpoint(p, cp, len, &c, &r, &err), ST_NOSIG);
	free(cp);
	/* no log key for this origin */
	ck_assert_int_eq(parse("witness a %1\nquorum none\n", p, &err), ST_OK);
	cp = checkpoint(who, &len);
	ck_assert_int_eq(policy_check_checkpoint(p, cp, len, &c, &r, &err), ST_NOSIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "no log key named for origin"));
	free(cp);
	free(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_example);
	tcase_add_test(tc, quorum_forms);
	tcase_add_test(tc, quorum_shared_subgroups);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, check_checkpoints);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
