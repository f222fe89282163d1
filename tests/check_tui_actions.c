/* check_tui_actions.c: the terminal UI's action table (tui/actions.h).
 *
 * The table is the one truth for keys, the function-key bar, the help
 * screen and who may do what; these tests hold it to that: every action
 * reachable by its keys in every view that offers it, no key meaning two
 * things in one view, the bar and help made of exactly the table's rows,
 * and no action that changes the ledger ever offered to an auditor. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <locale.h>

#include "../tui/actions.h"
#include "../tui/tui.h"
#include "check_run.h"

static const unsigned VIEWS[] = {TUI_V_DASHBOARD, TUI_V_HOLDINGS, TUI_V_ITEM, TUI_V_TXNS,
				 TUI_V_INCIDENTS, TUI_V_PEOPLE,   TUI_V_LOG,  TUI_V_HELP,
				 TUI_V_FORM,      TUI_V_SCAN,     TUI_V_RECON};
#define NVIEWS (sizeof VIEWS / sizeof VIEWS[0])

START_TEST(test_rows_complete)
{
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = tui_action_get((tui_action)a);
		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(d->id, a);
		ck_assert_msg(d->key != 0, "%s has no key", d->name);
		ck_assert_msg(d->label != NULL && d->label[0] != '\0', "%s has no label", d->name);
		ck_assert_msg(d->help != NULL && strlen(d->help) >= 8, "%s has no help line", d->name);
		ck_assert_msg(d->views != 0 && (d->views & ~TUI_V_ALL) == 0, "%s: views", d->name);
		ck_assert_msg(d->roles != 0 && (d->roles & ~TUI_R_ANY) == 0, "%s: roles", d->name);
		ck_assert_msg(d->fkey >= 0 && d->fkey <= 12, "%s: fkey", d->name);
		/* a function key shown in the bar is one of the action's keys */
		if (d->fkey != 0)
			ck_assert_msg(d->key == TUI_FN(KEY_F(d->fkey)) || d->alt == TUI_FN(KEY_F(d->fkey)),
				      "%s shows F%d in the bar but is not bound to it", d->name, d->fkey);
	}
	ck_assert_ptr_null(tui_action_get(A_NONE));
	ck_assert_ptr_null(tui_action_get(A__COUNT));
	ck_assert_ptr_null(tui_action_get((tui_action)-1));
}
END_TEST

START_TEST(test_keys_unique_per_view)
{
	for (size_t v = 0; v < NVIEWS; v++) {
		int keys[2 * A__COUNT];
		tui_action who[2 * A__COUNT];
		size_t n = 0;
		int fkeys[13] = {0};
		for (int a = A_NONE + 1; a < A__COUNT; a++) {
			const tui_action_def *d = tui_action_get((tui_action)a);
			if (!(d->views & VIEWS[v]))
				continue;
			int ks[2] = {d->key, d->alt};
			for (int j = 0; j < 2; j++) {
				if (ks[j] == 0)
					continue;
				for (size_t i = 0; i < n; i++)
					ck_assert_msg(keys[i] != ks[j] || who[i] == (tui_action)a,
						      "view %#x: key %d means both %s and %s", VIEWS[v], ks[j],
						      tui_action_get(who[i])->name, d->name);
				keys[n] = ks[j];
				who[n++] = (tui_action)a;
			}
			if (d->fkey != 0) {
				ck_assert_msg(fkeys[d->fkey] == 0, "view %#x: F%d shown twice", VIEWS[v],
					      d->fkey);
				fkeys[d->fkey] = a;
			}
		}
		ck_assert_msg(n > 0, "view %#x offers nothing", VIEWS[v]);
	}
}
END_TEST

START_TEST(test_key_lookup)
{
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = tui_action_get((tui_action)a);
		for (size_t v = 0; v < NVIEWS; v++) {
			tui_action got = tui_action_for_key(d->key, VIEWS[v]);
			if (d->views & VIEWS[v]) {
				ck_assert_msg(got == (tui_action)a, "%s not found by its key in view %#x",
					      d->name, VIEWS[v]);
				if (d->alt != 0)
					ck_assert_int_eq(tui_action_for_key(d->alt, VIEWS[v]), a);
			} else {
				ck_assert_msg(got != (tui_action)a, "%s found in view %#x, not offered there",
					      d->name, VIEWS[v]);
			}
		}
	}
	/* Unbound keys, and Enter by any of its names. */
	ck_assert_int_eq(tui_action_for_key(0, TUI_V_HOLDINGS), A_NONE);
	ck_assert_int_eq(tui_action_for_key('Z', TUI_V_HOLDINGS), A_NONE);
	ck_assert_int_eq(tui_action_for_key(0xe9, TUI_V_HOLDINGS), A_NONE);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(12)), TUI_V_HOLDINGS), A_NONE);
	ck_assert_int_eq(tui_action_for_key('\r', TUI_V_HOLDINGS), A_OPEN);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_ENTER), TUI_V_TXNS), A_OPEN);
	/* The bindings the issue names. */
	ck_assert_int_eq(tui_action_for_key('?', TUI_V_LOG), A_HELP);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(1)), TUI_V_FORM), A_HELP);
	ck_assert_int_eq(tui_action_for_key(TUI_ESC, TUI_V_HOLDINGS), A_BACK);
	ck_assert_int_eq(tui_action_for_key(TUI_ESC, TUI_V_FORM), A_FORM_CANCEL);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(10)), TUI_V_FORM), A_QUIT);
	ck_assert_int_eq(tui_action_for_key('/', TUI_V_HOLDINGS), A_SEARCH);
	ck_assert_int_eq(tui_action_for_key(' ', TUI_V_HOLDINGS), A_MARK);
	ck_assert_int_eq(tui_action_for_key('t', TUI_V_HOLDINGS), A_TRANSFER);
	ck_assert_int_eq(tui_action_for_key('a', TUI_V_TXNS), A_ACCEPT);
	ck_assert_int_eq(tui_action_for_key('c', TUI_V_INCIDENTS), A_INCIDENT_CLOSE);
	ck_assert_int_eq(tui_action_for_key('x', TUI_V_INCIDENTS), A_INCIDENT_REPORT);
	ck_assert_int_eq(tui_action_for_key('v', TUI_V_LOG), A_VERIFY);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(2)), TUI_V_FORM), A_FORM_CONFIRM);
	ck_assert_int_eq(tui_action_for_key(TUI_CTRL('s'), TUI_V_FORM), A_FORM_CONFIRM);
	ck_assert_int_eq(tui_action_for_key('6', TUI_V_DASHBOARD), A_PEOPLE);
	/* in a form, digits and q are text, not screens */
	ck_assert_int_eq(tui_action_for_key('q', TUI_V_FORM), A_NONE);
	ck_assert_int_eq(tui_action_for_key('2', TUI_V_FORM), A_NONE);
	/* 'v' is not a verify outside the log */
	ck_assert_int_eq(tui_action_for_key('v', TUI_V_HOLDINGS), A_NONE);
	/* scanning: no printable key is a screen command (the view types them
	 * into the scan line); only keys that print nothing act */
	for (int c = 0x20; c < 0x7f; c++)
		ck_assert_msg(tui_action_for_key(c, TUI_V_SCAN) == A_NONE, "scanning: %c acts", c);
	ck_assert_int_eq(tui_action_for_key(0xe9, TUI_V_SCAN), A_NONE);
	ck_assert_int_eq(tui_action_for_key(TUI_ENTER, TUI_V_SCAN), A_SCAN_SEND);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_ENTER), TUI_V_SCAN), A_SCAN_SEND);
	ck_assert_int_eq(tui_action_for_key(TUI_ESC, TUI_V_SCAN), A_SCAN_LEAVE);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(5)), TUI_V_SCAN), A_SCAN_RECONCILE);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(1)), TUI_V_SCAN), A_SCAN_HELP);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(10)), TUI_V_SCAN), A_QUIT);
	ck_assert_int_eq(tui_action_for_key(0x7f, TUI_V_SCAN), A_SCAN_ERASE);
	ck_assert_int_eq(tui_action_for_key('S', TUI_V_HOLDINGS), A_SCAN);
	ck_assert_int_eq(tui_action_for_key('x', TUI_V_RECON), A_INCIDENT_REPORT);
	ck_assert_int_eq(tui_action_for_key('p', TUI_V_RECON), A_POSSESSION);
	ck_assert_int_eq(tui_action_for_key('C', TUI_V_RECON), A_RECON_CLOSE);
	ck_assert_int_eq(tui_action_for_key('q', TUI_V_RECON), A_BACK);
	ck_assert_int_eq(tui_action_for_key(TUI_FN(KEY_F(5)), TUI_V_RECON), A_RELOAD);
}
END_TEST

START_TEST(test_auditor_changes_nothing)
{
	int mutating = 0, paperwork = 0;
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = tui_action_get((tui_action)a);
		if (tui_action_mutates((tui_action)a)) {
			ck_assert_msg(!tui_action_allowed((tui_action)a, TUI_R_AUDITOR),
				      "an auditor may %s", d->name);
			ck_assert_msg(!tui_action_allowed((tui_action)a, TUI_R_NONE),
				      "a login that is no person may %s", d->name);
			/* the administrator's paperwork is theirs alone; the rest is
			 * the custodian's */
			if (d->roles == TUI_R_ADMIN) {
				paperwork++;
				continue;
			}
			mutating++;
			ck_assert_msg(tui_action_allowed((tui_action)a, TUI_R_CUSTODIAN),
				      "a custodian may not %s", d->name);
		}
	}
	/* account details, outside accounts, person details, key rotation, policy,
	 * enrolment, account opening, appointment, revocation */
	ck_assert_int_eq(paperwork, 9);
	ck_assert(!tui_action_allowed(A_PERSON_ENROL, TUI_R_ANY & ~TUI_R_ADMIN));
	ck_assert(!tui_action_allowed(A_ACCOUNT_OPEN, TUI_R_ANY & ~TUI_R_ADMIN));
	ck_assert(!tui_action_allowed(A_APPOINT, TUI_R_ANY & ~TUI_R_ADMIN));
	ck_assert(!tui_action_allowed(A_KEY_REVOKE, TUI_R_ANY & ~TUI_R_ADMIN));
	ck_assert(tui_action_allowed(A_KEY_REVOKE, TUI_R_ADMIN));
	ck_assert_int_eq(tui_action_for_key('P', TUI_V_PEOPLE), A_PERSON_ENROL);
	ck_assert_int_eq(tui_action_for_key('o', TUI_V_PEOPLE), A_ACCOUNT_OPEN);
	ck_assert_int_eq(tui_action_for_key('a', TUI_V_PEOPLE), A_APPOINT);
	ck_assert_int_eq(tui_action_for_key('X', TUI_V_PEOPLE), A_KEY_REVOKE);
	ck_assert_int_eq(tui_action_for_key('a', TUI_V_TXNS), A_ACCEPT);
	ck_assert(!tui_action_allowed(A_KEY_ROTATE, TUI_R_CUSTODIAN | TUI_R_AUTHORITY));
	ck_assert(!tui_action_allowed(A_POLICY_SET, TUI_R_CUSTODIAN | TUI_R_AUTHORITY));
	ck_assert(!tui_action_allowed(A_PERSON_DETAILS, TUI_R_CUSTODIAN | TUI_R_AUTHORITY));
	ck_assert(!tui_action_allowed(A_ACCOUNT_OUTSIDE, TUI_R_CUSTODIAN | TUI_R_WITNESS));
	ck_assert(tui_action_allowed(A_ACCOUNT_DETAILS, TUI_R_ADMIN));
	ck_assert(tui_action_allowed(A_ACCOUNTS, TUI_R_AUDITOR));
	ck_assert_int_eq(mutating, 19); /* the nine forms of the issue, inventory, incident update,
					 * change of custodian, transfer reject and recall, ALC
					 * change, key into effect; inventory mode, counting a
					 * lot, an inventory session's certification */
	for (size_t v = 0; v < NVIEWS; v++) {
		tui_action got[A__COUNT];
		size_t n = tui_actions_offered(VIEWS[v], TUI_R_AUDITOR, got, A__COUNT);
		ck_assert_uint_le(n, A__COUNT);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(!tui_action_mutates(got[i]), "view %#x offers %s to an auditor",
				      VIEWS[v], tui_action_get(got[i])->name);
		/* the bar is made of offered actions only: no mutating label in it */
		char bar[1024];
		tui_bar_text(VIEWS[v], TUI_R_AUDITOR, bar, sizeof bar);
		for (int a = A_NONE + 1; a < A__COUNT; a++) {
			if (!tui_action_mutates((tui_action)a))
				continue;
			char token[64], k[16];
			const tui_action_def *d = tui_action_get((tui_action)a);
			snprintf(token, sizeof token, "%s %s", tui_key_name(d->key, k, sizeof k), d->label);
			ck_assert_msg(strstr(bar, token) == NULL, "auditor's bar shows '%s': %s", token, bar);
		}
	}
	/* the verify and people screens are theirs */
	ck_assert(tui_action_allowed(A_VERIFY, TUI_R_AUDITOR));
	ck_assert(tui_action_allowed(A_PEOPLE, TUI_R_AUDITOR));
	ck_assert(!tui_action_allowed(A_PEOPLE, TUI_R_CUSTODIAN));
	ck_assert(!tui_action_allowed(A_VERIFY, TUI_R_CUSTODIAN | TUI_R_HOLDER));
}
END_TEST

START_TEST(test_bar_from_table)
{
	char bar[1024];
	tui_bar_text(TUI_V_HOLDINGS, TUI_R_CUSTODIAN, bar, sizeof bar);
	/* function keys in key order, then the view's own keys */
	ck_assert_ptr_nonnull(strstr(bar, "F1 Help"));
	ck_assert_ptr_nonnull(strstr(bar, "F10 Quit"));
	ck_assert(strstr(bar, "F1 Help") < strstr(bar, "F3 Search"));
	ck_assert(strstr(bar, "F3 Search") < strstr(bar, "F10 Quit"));
	ck_assert(strstr(bar, "F10 Quit") < strstr(bar, "r Receive"));
	/* actions that open a form come before those that arrange the view,
	 * so a bar cut at the screen's width keeps them */
	ck_assert_msg(strstr(bar, "x Incident") < strstr(bar, "n Next"), "bar order: %s", bar);
	ck_assert_msg(strstr(bar, "d Destroy") < strstr(bar, "Space Mark"), "bar order: %s", bar);
	/* every action offered here with a bar place is in it, with its label */
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = tui_action_get((tui_action)a);
		if (!(d->views & TUI_V_HOLDINGS))
			continue;
		char token[64], k[16];
		bool shown = d->fkey != 0 || d->kind == TUI_AK_FORM || d->kind == TUI_AK_VIEW;
		snprintf(token, sizeof token, "%s %s",
			 tui_key_name(d->fkey ? TUI_FN(KEY_F(d->fkey)) : d->key, k, sizeof k), d->label);
		if (shown)
			ck_assert_msg(strstr(bar, token) != NULL, "bar lacks '%s': %s", token, bar);
	}
	/* a form's bar: F2 Confirm, no screen switching */
	tui_bar_text(TUI_V_FORM, TUI_R_CUSTODIAN, bar, sizeof bar);
	ck_assert_ptr_nonnull(strstr(bar, "F2 Confirm"));
	ck_assert_ptr_null(strstr(bar, "Holdings"));
	/* ... and the form's own control keys (another item) */
	ck_assert_msg(strstr(bar, "Ctrl-N Another item") != NULL, "form bar: %s", bar);
	ck_assert_int_eq(tui_action_for_key(TUI_CTRL('n'), TUI_V_FORM), A_FORM_ANOTHER);
	ck_assert_int_eq(tui_action_for_key(TUI_CTRL('n'), TUI_V_HOLDINGS), A_NONE);
	/* a small buffer is cut, never overrun, and ends between items */
	char small[12];
	memset(small, 'Z', sizeof small);
	tui_bar_text(TUI_V_HOLDINGS, TUI_R_CUSTODIAN, small, 10);
	ck_assert_uint_lt(strlen(small), 10);
	ck_assert_int_eq(small[10], 'Z');
	ck_assert_str_eq(small, "F1 Help");
	/* a bar cut short keeps the table's order: no later, shorter item
	 * takes the place of one that did not fit */
	char cut[140];
	tui_bar_text(TUI_V_HOLDINGS, TUI_R_CUSTODIAN, cut, 136);
	ck_assert_msg(strstr(cut, "n Next") == NULL || strstr(cut, "x Incident") != NULL,
		      "cut bar skips an item: %s", cut);
	tui_bar_text(TUI_V_HOLDINGS, TUI_R_CUSTODIAN, small, 1);
	ck_assert_str_eq(small, "");
}
END_TEST

typedef struct seen {
	tui_action a[A__COUNT];
	char text[A__COUNT][256];
	size_t n;
} seen;

static void collect(void *ctx, tui_action a, const char *text)
{
	seen *s = ctx;
	ck_assert_uint_lt(s->n, A__COUNT);
	s->a[s->n] = a;
	snprintf(s->text[s->n], sizeof s->text[0], "%s", text);
	s->n++;
}

START_TEST(test_help_is_the_table)
{
	for (size_t v = 0; v < NVIEWS; v++) {
		seen s = {0};
		size_t n = tui_help_lines(VIEWS[v], TUI_R_AUDITOR, collect, &s);
		ck_assert_uint_eq(n, s.n);
		/* exactly the actions the table offers in this view, in its order */
		size_t k = 0;
		for (int a = A_NONE + 1; a < A__COUNT; a++) {
			const tui_action_def *d = tui_action_get((tui_action)a);
			if (!(d->views & VIEWS[v]))
				continue;
			ck_assert_uint_lt(k, s.n);
			ck_assert_int_eq(s.a[k], a);
			ck_assert_msg(strstr(s.text[k], d->label) && strstr(s.text[k], d->help),
				      "help line of %s: %s", d->name, s.text[k]);
			char key[16];
			ck_assert_ptr_nonnull(strstr(s.text[k], tui_key_name(d->key, key, sizeof key)));
			/* an auditor sees which role a refused action needs */
			if (!tui_action_allowed((tui_action)a, TUI_R_AUDITOR))
				ck_assert_msg(strstr(s.text[k], "(needs ") != NULL, "%s", s.text[k]);
			else
				ck_assert_ptr_null(strstr(s.text[k], "(needs "));
			k++;
		}
		ck_assert_uint_eq(k, s.n);
	}
	/* the line of a refused action names the role */
	seen s = {0};
	tui_help_lines(TUI_V_HOLDINGS, TUI_R_AUDITOR, collect, &s);
	bool found = false;
	for (size_t i = 0; i < s.n; i++)
		if (s.a[i] == A_DESTROY) {
			ck_assert_ptr_nonnull(strstr(s.text[i], "(needs custodian or alternate)"));
			found = true;
		}
	ck_assert(found);
	/* no callback: it still counts */
	ck_assert_uint_eq(tui_help_lines(TUI_V_HOLDINGS, TUI_R_ANY, NULL, NULL), s.n);
}
END_TEST

START_TEST(test_key_names)
{
	char b[16];
	ck_assert_str_eq(tui_key_name(TUI_FN(KEY_F(1)), b, sizeof b), "F1");
	ck_assert_str_eq(tui_key_name(TUI_FN(KEY_F(10)), b, sizeof b), "F10");
	ck_assert_str_eq(tui_key_name(TUI_ESC, b, sizeof b), "Esc");
	ck_assert_str_eq(tui_key_name(TUI_ENTER, b, sizeof b), "Enter");
	ck_assert_str_eq(tui_key_name(' ', b, sizeof b), "Space");
	ck_assert_str_eq(tui_key_name(TUI_CTRL('l'), b, sizeof b), "Ctrl-L");
	ck_assert_str_eq(tui_key_name(TUI_FN(KEY_PPAGE), b, sizeof b), "PgUp");
	ck_assert_str_eq(tui_key_name(TUI_FN(KEY_BTAB), b, sizeof b), "Shift-Tab");
	ck_assert_str_eq(tui_key_name('/', b, sizeof b), "/");
	ck_assert_str_eq(tui_key_name(0xe9, b, sizeof b), "\xc3\xa9");
	ck_assert_str_eq(tui_key_name(0x20ac, b, sizeof b), "\xe2\x82\xac");
	ck_assert_str_eq(tui_key_name(0x1f512, b, sizeof b), "\xf0\x9f\x94\x92");
	ck_assert_str_eq(tui_key_name(0x110000, b, sizeof b), "?");
	ck_assert_str_eq(tui_key_name(-5, b, sizeof b), "?");
	/* cut, never overrun */
	char tiny[4] = "ZZZ";
	tui_key_name(TUI_FN(KEY_F(10)), tiny, 3);
	ck_assert_str_eq(tiny, "F1");
}
END_TEST

START_TEST(test_roles_text)
{
	char b[128];
	ck_assert_str_eq(tui_roles_text(TUI_R_CUSTODIAN, b, sizeof b), "custodian or alternate");
	ck_assert_str_eq(tui_roles_text(TUI_R_SEES_ALL, b, sizeof b),
			 "administrator, auditor or authority");
	ck_assert_str_eq(tui_roles_text(TUI_R_ADMIN | TUI_R_AUDITOR, b, sizeof b),
			 "administrator or auditor");
	ck_assert_str_eq(tui_roles_text(0, b, sizeof b), "");
	char small[8];
	tui_roles_text(TUI_R_SEES_ALL, small, sizeof small);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

/* Whose the "checkpoint due" alarm is: an administrator's, or a
 * custodian's or alternate's who has the log key loaded; nobody else's. */
START_TEST(test_may_checkpoint)
{
	static tui_app app;
	memset(&app, 0, sizeof app);
	snprintf(app.accounts[0].number, sizeof app.accounts[0].number, "123456");
	app.naccounts = 1;
	static const struct {
		unsigned global, account;
		bool log_key, may;
	} cases[] = {
		{TUI_R_ADMIN, 0, false, true},       {TUI_R_ADMIN, 0, true, true},
		{0, TUI_R_CUSTODIAN, false, false},  {0, TUI_R_CUSTODIAN, true, true},
		{TUI_R_AUDITOR, 0, false, false},    {TUI_R_AUDITOR, 0, true, false},
		{TUI_R_AUTHORITY, 0, true, false},   {0, TUI_R_WITNESS, true, false},
		{0, TUI_R_HOLDER, true, false},      {TUI_R_NONE, 0, false, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		app.global_roles = cases[i].global;
		app.accounts[0].roles = cases[i].account;
		/* only whether a key is loaded matters here, never its bytes */
		app.log_key = cases[i].log_key ? (key_secret *)&app : NULL;
		ck_assert_msg(tui_may_checkpoint(&app) == cases[i].may, "case %zu", i);
	}
}
END_TEST

/* The cell helper the screens use for names: by display columns. */
START_TEST(test_fit)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	char b[64];
	ck_assert_str_eq(tui_fit("Zo\xc3\xab", 5, b, sizeof b), "Zo\xc3\xab  ");
	ck_assert_int_eq(tui_text_width(b), 5);
	/* a wide character is never cut in half */
	ck_assert_str_eq(tui_fit("\xe6\x97\xa5\xe6\x9c\xac", 3, b, sizeof b), "\xe6\x97\xa5 ");
	ck_assert_str_eq(tui_fit("abcdef", 3, b, sizeof b), "abc");
	ck_assert_str_eq(tui_fit("", 2, b, sizeof b), "  ");
	ck_assert_str_eq(tui_fit(NULL, 1, b, sizeof b), " ");
	/* invalid UTF-8 and a control character count one column each (shown
	 * as U+FFFD) */
	ck_assert_str_eq(tui_fit("\xff\x1b[2J", 4, b, sizeof b), "\xff\x1b[2");
	ck_assert_int_eq(tui_text_width("\xff\x1b[2J"), 5);
	/* bidirectional controls too, and the line and paragraph separators
	 * and zero-width characters, which would otherwise take no column */
	ck_assert_int_eq(tui_text_width("a\xe2\x80\xae" "b"), 3);
	static const char *const hidden[] = {"\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\x8b",
					     "\xe2\x80\x8c", "\xe2\x80\x8d", "\xe2\x81\xa0",
					     "\xef\xbb\xbf", "\xd8\x9c",     "\xe2\x81\xa6"};
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		char s[16];
		snprintf(s, sizeof s, "a%sb", hidden[i]);
		ck_assert_msg(tui_text_width(s) == 3, "hidden[%zu] takes %d columns, not 1", i,
			      tui_text_width(s) - 2);
	}
	/* never past cap */
	char small[4];
	ck_assert_str_eq(tui_fit("abcdef", 10, small, sizeof small), "abc");
	/* cut and marked: one column for the "…", wide characters whole */
	ck_assert_str_eq(tui_fit_cut("abcdef", 6, b, sizeof b), "abcdef");
	ck_assert_str_eq(tui_fit_cut("abc", 6, b, sizeof b), "abc   ");
	ck_assert_str_eq(tui_fit_cut("abcdefg", 6, b, sizeof b), "abcde\u2026");
	ck_assert_int_eq(tui_text_width(b), 6);
	ck_assert_str_eq(tui_fit_cut("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, b, sizeof b),
			 "\xe6\x97\xa5\xe6\x9c\xac\u2026");
	ck_assert_str_eq(tui_fit_cut("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, b, sizeof b),
			 "\xe6\x97\xa5\u2026 ");
	ck_assert_int_eq(tui_text_width(b), 4);
	ck_assert_str_eq(tui_fit_cut("abcdef", 0, b, sizeof b), "");
	ck_assert_str_eq(tui_fit_cut("abcdef", 10, small, sizeof small), "abc");
	char tiny[6];                       /* room for "ab" and the mark only */
	ck_assert_str_eq(tui_fit_cut("abcdefgh", 5, tiny, sizeof tiny), "ab\u2026");
}
END_TEST

/* docs/tui.md copies the table: every action's keys, label and help line
 * must be there as one row (run from the repository's root, as
 * tests/run.sh does). */
START_TEST(test_guide_lists_the_table)
{
	FILE *f = fopen("docs/tui.md", "r");
	ck_assert_msg(f != NULL, "docs/tui.md: cannot open (run from the repository root)");
	static char doc[65536];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	ck_assert_uint_lt(n, sizeof doc - 1);
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = tui_action_get((tui_action)a);
		char row[400], k[16];
		snprintf(row, sizeof row, "| %s | %s |", d->label, d->help);
		ck_assert_msg(strstr(doc, row) != NULL, "docs/tui.md lacks the row of %s: %s", d->name, row);
		snprintf(row, sizeof row, "| `%s`", tui_key_name(d->key, k, sizeof k));
		char *line = strstr(doc, row);
		ck_assert_msg(line != NULL, "docs/tui.md lacks the key of %s: %s", d->name, row);
	}
}
END_TEST

static Suite *tui_actions_suite(void)
{
	Suite *s = suite_create("tui_actions");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_rows_complete);
	tcase_add_test(tc, test_keys_unique_per_view);
	tcase_add_test(tc, test_key_lookup);
	tcase_add_test(tc, test_auditor_changes_nothing);
	tcase_add_test(tc, test_bar_from_table);
	tcase_add_test(tc, test_help_is_the_table);
	tcase_add_test(tc, test_key_names);
	tcase_add_test(tc, test_roles_text);
	tcase_add_test(tc, test_guide_lists_the_table);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_may_checkpoint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(tui_actions_suite());
}
