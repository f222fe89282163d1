/* check_tui_form: the form engine (tui/form.c) driven without a terminal:
 * the real forms of tui/forms.c opened on an application context that
 * has no database, keys fed as the input loop feeds them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/key.h"
#include "../tui/form.h"
#include "../tui/forms.h"
#include "check_run.h"

static tui_app app;

/* Alice, custodian of 123456, with the Receive form open. */
static form *open_receive(void)
{
	memset(&app, 0, sizeof app);
	snprintf(app.person, sizeof app.person, "alice");
	snprintf(app.account, sizeof app.account, "123456");
	snprintf(app.accounts[0].number, sizeof app.accounts[0].number, "123456");
	app.accounts[0].roles = TUI_R_CUSTODIAN;
	app.naccounts = 1;
	forms_open(&app, A_RECEIVE, NULL);
	tui_view *v = tui_top(&app);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_eq(v->ops, &form_view_ops);
	return v->state;
}

static void close_form(void)
{
	tui_view *v = tui_top(&app);
	v->ops->done(&app, v);
	free(v);
	app.depth = 0;
}

/* A key as the input loop gives it to the form. */
static void key(int k)
{
	tui_view *v = tui_top(&app);
	(void)v->ops->key(&app, v, k, tui_action_for_key(k, TUI_V_FORM));
}

static void type(const char *s)
{
	for (; *s; s++)
		key((unsigned char)*s);
}

/* Tab to the field labelled `label`; returns it. */
static form_field *go(form *f, const char *label)
{
	for (size_t tabs = 0; tabs < f->nfields; tabs++) {
		if (strcmp(f->fields[f->focus].label, label) == 0)
			return &f->fields[f->focus];
		key('\t');
	}
	ck_abort_msg("no field %s", label);
	return NULL;
}

START_TEST(test_default_replaced)
{
	form *f = open_receive();
	/* moving through a field is not editing it: its default stays
	 * untouched, and the first key typed replaces it */
	form_field *from = go(f, "From (COR/account)");
	ck_assert_str_eq(from->value, "COR");
	key('\t');
	key(TUI_FN(KEY_BTAB));
	type("123457");
	ck_assert_str_eq(from->value, "123457");
	form_field *kind = go(f, "Item 1 kind");
	ck_assert_str_eq(kind->value, "equipment");
	type("key");
	ck_assert_str_eq(kind->value, "key");
	ck_assert_str_eq(kind->error, "");
	type("s");                          /* typed into what the person typed */
	ck_assert_str_eq(kind->value, "keys");
	form_field *cls = go(f, "Item 1 class");
	ck_assert_str_eq(cls->value, "U");
	type("S");
	ck_assert_str_eq(cls->value, "S");
	close_form();
}
END_TEST

START_TEST(test_default_edited)
{
	form *f = open_receive();
	form_field *kind = go(f, "Item 1 kind");
	key(TUI_FN(KEY_BACKSPACE));         /* editing it: the default is kept */
	ck_assert_str_eq(kind->value, "equipmen");
	type("t");
	ck_assert_str_eq(kind->value, "equipment");
	form_field *cls = go(f, "Item 1 class");
	key(TUI_FN(KEY_LEFT));              /* a cursor key first: insert at it */
	type("T");
	ck_assert_str_eq(cls->value, "TU");
	close_form();
	f = open_receive();
	kind = go(f, "Item 1 kind");
	key(TUI_FN(KEY_END));
	type("s");
	ck_assert_str_eq(kind->value, "equipments");
	key(TUI_CTRL('u'));                 /* erased: typing starts afresh */
	type("key");
	ck_assert_str_eq(kind->value, "key");
	close_form();
}
END_TEST

START_TEST(test_field_primitives)
{
	/* a field made by hand (not form_add) has no default */
	form_field fl;
	memset(&fl, 0, sizeof fl);
	fl.max = 16;
	form_field_set(&fl, "abc");
	ck_assert(!fl.untouched);
	ck_assert(form_field_key(&fl, 'd'));
	ck_assert_str_eq(fl.value, "abcd");
	ck_assert(!form_field_key(&fl, TUI_FN(KEY_F(2))));
	ck_assert_str_eq(fl.value, "abcd");
}
END_TEST

/* A note is broken at spaces into lines of the width; a word longer than a
 * line is cut; what does not fit the last line allowed is cut there. */
START_TEST(test_note_wrap)
{
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "", A_NORMAL, false), 0);
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "   ", A_NORMAL, false), 0);
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "Refused: too late", A_NORMAL, false), 1);
	/* 20 columns exactly fit one line */
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "aaaaaaaaa bbbbbbbbbb", A_NORMAL, false), 1);
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "aaaaaaaaa bbbbbbbbbbb", A_NORMAL, false), 2);
	/* "account 999999 is" / "neither open in this" / "ledger" */
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "account 999999 is neither open in this ledger",
				       A_NORMAL, false), 3);
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 2, "account 999999 is neither open in this ledger",
				       A_NORMAL, false), 2);
	/* 45 letters without a space: cut into 20 + 20 + 5 */
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 4, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
				       A_NORMAL, false), 3);
	ck_assert_int_eq(tui_text_wrap(0, 0, 1, 4, "abc", A_NORMAL, false), 0);
	ck_assert_int_eq(tui_text_wrap(0, 0, 20, 0, "abc", A_NORMAL, false), 0);
}
END_TEST

START_TEST(test_could_sign)
{
	const char *acct = "123456";
	ck_assert(form_could_sign(LEDGER_SECOND_WITNESS, acct, "witness:123456"));
	ck_assert(form_could_sign(LEDGER_SECOND_WITNESS, acct, "custodian:654321 alternate:123456"));
	ck_assert(form_could_sign(LEDGER_SECOND_PERSON, acct, "custodian:123456"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, "witness:654321"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, "witness:1234567"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, "witness:12345"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, "holder:123456"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, "auditor"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, "administrator"));
	ck_assert(!form_could_sign(LEDGER_SECOND_WITNESS, acct, ""));
	ck_assert(form_could_sign(LEDGER_SECOND_AUTHORITY, acct, "auditor authority"));
	ck_assert(!form_could_sign(LEDGER_SECOND_AUTHORITY, acct, "witness:123456"));
	ck_assert(!form_could_sign(LEDGER_SECOND_HOLDER, acct, "holder:123456")); /* named instead */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tui_form");
	TCase *t = tcase_create("defaults");
	tcase_add_test(t, test_default_replaced);
	tcase_add_test(t, test_default_edited);
	tcase_add_test(t, test_field_primitives);
	suite_add_tcase(s, t);
	t = tcase_create("second signer");
	tcase_add_test(t, test_could_sign);
	tcase_add_test(t, test_note_wrap);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	if (key_init() != ST_OK)
		return EXIT_FAILURE;
	return check_run(suite());
}
