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
#include "testkey.h"

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

/* ---- the administrator's paperwork (People screen) -------------------------------- */

/* adm, an administrator who keeps no account, with no database: the forms
 * below open and build without one (policy and appointment read it). */
static void admin_app(unsigned roles)
{
	memset(&app, 0, sizeof app);
	snprintf(app.person, sizeof app.person, "adm");
	app.global_roles = roles;
}

/* Open paperwork form `id` on `sel`; the form, or NULL when none opened. */
static form *open_paper(tui_action id, const tui_selection *sel)
{
	forms_open(&app, id, sel);
	tui_view *v = tui_top(&app);
	return v != NULL && v->ops == &form_view_ops ? v->state : NULL;
}

static form_field *field_of(form *f, const char *label)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].label, label) == 0)
			return &f->fields[i];
	ck_abort_msg("no field %s", label);
	return NULL;
}

/* What the form builds (the engine's build: account, idem and actor set
 * first), into q; its status, the words in err. */
static status build_of(form *f, ledger_request *q, errbuf *err)
{
	memset(q, 0, sizeof *q);
	q->action = f->def->entry;
	snprintf(q->account, sizeof q->account, "%s", f->account);
	f->bad_field = -1;
	return f->def->build(f, &app, q, err);
}

static const char *detail(const ledger_request *q, const char *name)
{
	for (size_t i = 0; i < q->ndetails; i++)
		if (strcmp(q->details[i].name, name) == 0)
			return q->details[i].value;
	return NULL;
}

/* The verifier key of the TEST-ONLY key `name`, into out. */
static void vkey_of(const char *name, char out[KEY_VKEY_MAX + 1])
{
	key_secret *k = test_key(name);
	ck_assert_ptr_nonnull(k);
	key_vkey_format(key_secret_public(k), out);
	key_secret_free(k);
}

START_TEST(test_paper_refused)
{
	/* anyone but an administrator: no form, whatever the key */
	static const tui_action ids[] = {A_PERSON_DETAILS, A_ACCOUNT_DETAILS, A_ACCOUNT_OUTSIDE,
					 A_KEY_ROTATE,     A_POLICY_SET,      A_PERSON_ENROL,
					 A_ACCOUNT_OPEN,   A_APPOINT,         A_KEY_REVOKE};
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	sel.person = "carol";
	for (unsigned roles = TUI_R_AUDITOR; roles <= TUI_R_AUTHORITY; roles <<= 1)
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
			admin_app(roles);
			ck_assert_ptr_null(open_paper(ids[i], &sel));
			ck_assert_uint_eq(app.depth, 0);
			ck_assert_msg(strstr(app.msg, "needs the administrator role") != NULL,
				      "%s: %s", tui_action_get(ids[i])->name, app.msg);
		}
}
END_TEST

START_TEST(test_paper_person_details)
{
	admin_app(TUI_R_ADMIN);
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	ck_assert_ptr_null(open_paper(A_PERSON_DETAILS, &sel)); /* no person under the cursor */
	ck_assert_ptr_nonnull(strstr(app.msg, "put the cursor on a person"));
	sel.person = "carol";
	sel.rank = "Cpl";
	sel.position = "";
	form *f = open_paper(A_PERSON_DETAILS, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(field_of(f, "Person")->value, "carol");
	ck_assert_str_eq(field_of(f, "Rank or grade")->value, "Cpl");
	ck_assert_str_eq(f->fields[f->focus].label, "Rank or grade");
	ledger_request q;
	errbuf err = {0};
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.holder, "carol");
	ck_assert_str_eq(q.account, "");
	ck_assert_uint_eq(q.ndetails, 1); /* an empty position is left as it is */
	ck_assert_str_eq(detail(&q, "rank"), "Cpl");
	form_field_set(field_of(f, "Rank or grade"), "");
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "give the rank or grade, the position or both"));
	form_field_set(field_of(f, "Position"), "Ops \xe2\x80\xae");
	ck_assert_ptr_nonnull(strstr(field_of(f, "Position")->error, "bidirectional control"));
	close_form();
}
END_TEST

START_TEST(test_paper_account_details)
{
	admin_app(TUI_R_ADMIN);
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	snprintf(sel.account, sizeof sel.account, "123456");
	sel.address = "Bldg 7";
	sel.cor_account = "100001";
	form *f = open_paper(A_ACCOUNT_DETAILS, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(field_of(f, "Account")->value, "123456");
	ck_assert_str_eq(field_of(f, "COR account")->value, "100001");
	ledger_request q;
	errbuf err = {0};
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.account, "123456");
	ck_assert_str_eq(detail(&q, "address"), "Bldg 7");
	ck_assert_str_eq(detail(&q, "cor_account"), "100001");
	form_field_set(field_of(f, "COR account"), "12x");
	ck_assert_str_ne(field_of(f, "COR account")->error, "");
	close_form();
	/* an outside account has no COR account field */
	sel.outside = true;
	sel.cor_account = NULL;
	f = open_paper(A_ACCOUNT_DETAILS, &sel);
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < f->nfields; i++)
		ck_assert_str_ne(f->fields[i].label, "COR account");
	close_form();
}
END_TEST

START_TEST(test_paper_outside)
{
	admin_app(TUI_R_ADMIN);
	form *f = open_paper(A_ACCOUNT_OUTSIDE, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->def->entry, ACT_ACCOUNT_OUTSIDE);
	form_field_set(field_of(f, "Account number"), "12345");
	ck_assert_ptr_nonnull(strstr(field_of(f, "Account number")->error, "six digits"));
	form_field_set(field_of(f, "Account number"), "999999");
	form_field_set(field_of(f, "Name"), "Allied \"signals\"");
	ledger_request q;
	errbuf err = {0};
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.account, "999999");
	ck_assert_uint_eq(q.ndetails, 0); /* no address given */
	ck_assert_uint_eq(q.textlen, strlen("Allied \"signals\""));
	ck_assert_int_eq(memcmp(q.text, "Allied \"signals\"", q.textlen), 0);
	form_field_set(field_of(f, "Address"), "Pier 4");
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(detail(&q, "address"), "Pier 4");
	close_form();
}
END_TEST

START_TEST(test_paper_rotate)
{
	admin_app(TUI_R_ADMIN);
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	sel.person = "alice";
	form *f = open_paper(A_KEY_ROTATE, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(field_of(f, "Person")->value, "alice");
	ck_assert_str_eq(f->fields[f->focus].label, "New key (vkey)");
	char vk[KEY_VKEY_MAX + 1];
	vkey_of("bob", vk);
	form_field_set(field_of(f, "New key (vkey)"), vk);
	ledger_request q;
	errbuf err = {0};
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "the key is named bob, not alice"));
	vkey_of("alice", vk);
	form_field_set(field_of(f, "New key (vkey)"), vk);
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.subject.name, "alice");
	key_secret *k = test_key("alice");
	ck_assert_int_eq(memcmp(q.subject.pk, key_secret_public(k)->pk, KEY_PK_LEN), 0);
	key_secret_free(k);
	close_form();
}
END_TEST

START_TEST(test_paper_enrol)
{
	admin_app(TUI_R_ADMIN);
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	snprintf(sel.account, sizeof sel.account, "123456");
	form *f = open_paper(A_PERSON_ENROL, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->def->entry, ACT_KEY_ENROL);
	ck_assert_str_eq(field_of(f, "Role")->value, "holder");
	ck_assert_str_eq(field_of(f, "Account")->value, "123456");
	ck_assert(field_of(f, "Password")->secret);
	ck_assert(!field_of(f, "Name")->secret);
	ck_assert_ptr_nonnull(f->after);
	char vk[KEY_VKEY_MAX + 1];
	vkey_of("nina", vk);
	form_field_set(field_of(f, "Name"), "nina");
	form_field_set(field_of(f, "Key (vkey)"), vk);
	form_field_set(field_of(f, "Password"), "s3cret");
	ledger_request q;
	errbuf err = {0};
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.subject.name, "nina");
	ck_assert_int_eq(q.role, ROLE_HOLDER);
	ck_assert_str_eq(q.account, "123456");
	ck_assert_str_eq(q.login, "");
	ck_assert_ptr_null(q.text); /* the password goes nowhere near the entry */
	form_field_set(field_of(f, "Login role"), "nina_l");
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.login, "nina_l");
	/* a role held everywhere takes no account; an account role needs one */
	form_field_set(field_of(f, "Role"), "auditor");
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "role auditor is held everywhere"));
	form_field_set(field_of(f, "Account"), "");
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_int_eq(q.role, ROLE_AUDITOR);
	form_field_set(field_of(f, "Role"), "custodian");
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "role custodian is held on an account"));
	form_field_set(field_of(f, "Role"), "janitor");
	ck_assert_ptr_nonnull(strstr(field_of(f, "Role")->error, "a role is administrator"));
	/* a key named for someone else */
	form_field_set(field_of(f, "Role"), "holder");
	form_field_set(field_of(f, "Account"), "123456");
	vkey_of("bob", vk);
	form_field_set(field_of(f, "Key (vkey)"), vk);
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "Key: the key is named bob, not nina"));
	form_field_set(field_of(f, "Key (vkey)"), "nina+00000000+AAAA");
	ck_assert_str_ne(field_of(f, "Key (vkey)")->error, "");
	form_field_set(field_of(f, "Login role"), "nina\xe2\x80\xae");
	ck_assert_ptr_nonnull(strstr(field_of(f, "Login role")->error, "bidirectional control"));
	/* the password is wiped, not only forgotten */
	form_field *pw = field_of(f, "Password");
	form_wipe_secrets(f);
	ck_assert_uint_eq(pw->len, 0);
	for (size_t i = 0; i < sizeof pw->value; i++)
		ck_assert_int_eq(pw->value[i], 0);
	ck_assert_str_eq(field_of(f, "Name")->value, "nina");
	close_form();
}
END_TEST

START_TEST(test_paper_open_appoint_revoke)
{
	admin_app(TUI_R_ADMIN);
	form *f = open_paper(A_ACCOUNT_OPEN, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->def->entry, ACT_ACCOUNT_OPEN);
	form_field_set(field_of(f, "Account number"), "77777");
	ck_assert_ptr_nonnull(strstr(field_of(f, "Account number")->error, "six digits"));
	form_field_set(field_of(f, "Account number"), "777777");
	form_field_set(field_of(f, "Name"), "");
	ck_assert_str_ne(field_of(f, "Name")->error, "");
	form_field_set(field_of(f, "Name"), "Field \"Ops\"");
	ledger_request q;
	errbuf err = {0};
	ck_assert_int_eq(build_of(f, &q, &err), ST_OK);
	ck_assert_str_eq(q.account, "777777");
	ck_assert_int_eq(memcmp(q.text, "Field \"Ops\"", q.textlen), 0);
	close_form();
	/* revoke: the person's first role prefilled; a role and account that
	 * do not go together are refused before the database is asked */
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	sel.person = "carol";
	sel.roles = "holder:123456 witness:654321";
	f = open_paper(A_KEY_REVOKE, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->def->entry, ACT_KEY_REVOKE);
	ck_assert_str_eq(field_of(f, "Person")->value, "carol");
	ck_assert_str_eq(field_of(f, "Role")->value, "holder");
	ck_assert_str_eq(field_of(f, "Account")->value, "123456");
	form_field_set(field_of(f, "Role"), "authority");
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "role authority is held everywhere"));
	close_form();
	sel.roles = "auditor";
	f = open_paper(A_KEY_REVOKE, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(field_of(f, "Role")->value, "auditor");
	ck_assert_str_eq(field_of(f, "Account")->value, "");
	close_form();
	/* appoint: the person under the cursor, the role to type */
	f = open_paper(A_APPOINT, &sel);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->def->entry, ACT_KEY_ENROL);
	ck_assert_str_eq(field_of(f, "Person")->value, "carol");
	ck_assert_str_eq(f->fields[f->focus].label, "Role");
	form_field_set(field_of(f, "Role"), "witness");
	ck_assert_int_eq(build_of(f, &q, &err), ST_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "role witness is held on an account"));
	close_form();
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
	t = tcase_create("paperwork");
	tcase_add_test(t, test_paper_refused);
	tcase_add_test(t, test_paper_person_details);
	tcase_add_test(t, test_paper_account_details);
	tcase_add_test(t, test_paper_outside);
	tcase_add_test(t, test_paper_rotate);
	tcase_add_test(t, test_paper_enrol);
	tcase_add_test(t, test_paper_open_appoint_revoke);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	if (key_init() != ST_OK)
		return EXIT_FAILURE;
	return check_run(suite());
}
