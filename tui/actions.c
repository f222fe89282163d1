/* actions.c: lookups over the action table (see actions.h).  No curses
 * calls: only its KEY_* constants. */
#include "actions.h"

#include <stdio.h>
#include <string.h>

static const tui_action_def table[A__COUNT] = {
	[A_NONE] = {A_NONE, "A_NONE", 0, 0, 0, TUI_AK_NAV, "", "", 0, 0},
#define TUI_ACTION_ROW(id_, key_, alt_, fkey_, kind_, label_, help_, roles_, views_) \
	[id_] = {id_, #id_, key_, alt_, fkey_, kind_, label_, help_, roles_, views_},
	TUI_ACTIONS(TUI_ACTION_ROW)
#undef TUI_ACTION_ROW
};

const tui_action_def *tui_action_get(tui_action a)
{
	if ((int)a <= (int)A_NONE || (int)a >= (int)A__COUNT)
		return NULL;
	return &table[a];
}

tui_action tui_action_for_key(int key, unsigned view)
{
	if (key == 0)
		return A_NONE;
	/* KEY_ENTER and a carriage return are Enter too. */
	if (key == '\r')
		key = TUI_ENTER;
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = &table[a];
		if ((d->views & view) && (d->key == key || d->alt == key))
			return (tui_action)a;
	}
	return A_NONE;
}

bool tui_action_allowed(tui_action a, unsigned roles)
{
	const tui_action_def *d = tui_action_get(a);
	return d != NULL && (d->roles & roles) != 0;
}

bool tui_action_mutates(tui_action a)
{
	const tui_action_def *d = tui_action_get(a);
	return d != NULL && d->kind == TUI_AK_FORM;
}

size_t tui_actions_offered(unsigned view, unsigned roles, tui_action *out, size_t cap)
{
	size_t n = 0;
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = &table[a];
		if (!(d->views & view) || !(d->roles & roles))
			continue;
		if (n < cap)
			out[n] = (tui_action)a;
		n++;
	}
	return n;
}

const char *tui_key_name(int key, char *buf, size_t cap)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{TUI_FN(KEY_UP), "Up"},       {TUI_FN(KEY_DOWN), "Down"},
		{TUI_FN(KEY_LEFT), "Left"},   {TUI_FN(KEY_RIGHT), "Right"},
		{TUI_FN(KEY_PPAGE), "PgUp"},  {TUI_FN(KEY_NPAGE), "PgDn"},
		{TUI_FN(KEY_HOME), "Home"},   {TUI_FN(KEY_END), "End"},
		{TUI_FN(KEY_ENTER), "Enter"}, {TUI_FN(KEY_BTAB), "Shift-Tab"},
		{TUI_FN(KEY_BACKSPACE), "Backspace"}, {TUI_FN(KEY_DC), "Delete"},
		{TUI_ENTER, "Enter"},         {'\t', "Tab"},
		{TUI_ESC, "Esc"},             {' ', "Space"},
		{0x7f, "Backspace"},
	};
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].key == key) {
			snprintf(buf, cap, "%s", names[i].name);
			return buf;
		}
	if (key < 0) {
		snprintf(buf, cap, "?");
	} else if (TUI_IS_FN(key)) {
		int k = key & ~TUI_FN_BIT;
		if (k >= KEY_F(1) && k <= KEY_F(24))
			snprintf(buf, cap, "F%d", k - KEY_F0);
		else
			snprintf(buf, cap, "key %d", k);
	} else if (key > 0 && key < 0x20) {
		snprintf(buf, cap, "Ctrl-%c", 'A' + key - 1);
	} else if (key > 0 && key < 0x80) {
		snprintf(buf, cap, "%c", key);
	} else if (key >= 0x80 && key < 0x110000 && cap >= 5) {
		/* UTF-8 of the code point */
		unsigned c = (unsigned)key;
		if (c < 0x800) {
			buf[0] = (char)(0xc0 | (c >> 6));
			buf[1] = (char)(0x80 | (c & 0x3f));
			buf[2] = '\0';
		} else if (c < 0x10000) {
			buf[0] = (char)(0xe0 | (c >> 12));
			buf[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[2] = (char)(0x80 | (c & 0x3f));
			buf[3] = '\0';
		} else {
			buf[0] = (char)(0xf0 | (c >> 18));
			buf[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			buf[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[3] = (char)(0x80 | (c & 0x3f));
			buf[4] = '\0';
		}
	} else {
		snprintf(buf, cap, "?");
	}
	return buf;
}

/* Append "  KEY LABEL" to buf if it fits; once one does not, the bar is
 * full and nothing after it is added (a later, shorter item must not jump
 * the queue). */
static void bar_add(char *buf, size_t cap, size_t *len, bool *full, int key, const char *label)
{
	if (*full)
		return;
	char k[16];
	tui_key_name(key, k, sizeof k);
	int w = snprintf(buf + *len, cap - *len, "%s%s %s", *len ? "  " : "", k, label);
	if (w < 0 || (size_t)w >= cap - *len) {
		buf[*len] = '\0';
		*full = true;
		return;
	}
	*len += (size_t)w;
}

/* A form's own key that the form's bar shows: a control key that is not
 * also a plain editing key (Ctrl-N another item). */
static bool bar_edit_key(const tui_action_def *d)
{
	return d->kind == TUI_AK_EDIT && !TUI_IS_FN(d->key) && d->key > 0 && d->key < 0x20 &&
	       d->key != '\t' && d->key != '\n' && d->key != '\r' && d->key != TUI_ESC;
}

void tui_bar_text(unsigned view, unsigned roles, char *buf, size_t cap)
{
	size_t len = 0;
	bool full = false;
	if (cap == 0)
		return;
	buf[0] = '\0';
	/* The function keys first, in key order. */
	for (int f = 1; f <= 12; f++)
		for (int a = A_NONE + 1; a < A__COUNT; a++) {
			const tui_action_def *d = &table[a];
			if (d->fkey == f && (d->views & view) && (d->roles & roles))
				bar_add(buf, cap, &len, &full, TUI_FN(KEY_F(f)), d->label);
		}
	/* Then the single keys of the view's own actions: those that open a
	 * form (and a form's control keys) before those that arrange the view,
	 * so that a bar cut at the screen's width loses the least needed. */
	for (int pass = 0; pass < 2; pass++)
		for (int a = A_NONE + 1; a < A__COUNT; a++) {
			const tui_action_def *d = &table[a];
			if (d->fkey != 0 || !(d->views & view) || !(d->roles & roles))
				continue;
			bool first = d->kind == TUI_AK_FORM || bar_edit_key(d);
			if (pass == 0 ? !first : d->kind != TUI_AK_VIEW)
				continue;
			bar_add(buf, cap, &len, &full, d->key, d->label);
		}
}

size_t tui_help_lines(unsigned view, unsigned roles,
		      void (*line)(void *ctx, tui_action a, const char *text), void *ctx)
{
	size_t n = 0;
	for (int a = A_NONE + 1; a < A__COUNT; a++) {
		const tui_action_def *d = &table[a];
		if (!(d->views & view))
			continue;
		char k1[16], k2[16], keys[40], need[96] = "", text[256];
		tui_key_name(d->key, k1, sizeof k1);
		if (d->alt != 0 && strcmp(k1, tui_key_name(d->alt, k2, sizeof k2)) != 0)
			snprintf(keys, sizeof keys, "%s %s", k1, k2);
		else
			snprintf(keys, sizeof keys, "%s", k1);
		if (!(d->roles & roles)) {
			char r[80];
			snprintf(need, sizeof need, " (needs %s)", tui_roles_text(d->roles, r, sizeof r));
		}
		snprintf(text, sizeof text, "%-14s %-12s %s%s", keys, d->label, d->help, need);
		if (line != NULL)
			line(ctx, (tui_action)a, text);
		n++;
	}
	return n;
}

const char *tui_roles_text(unsigned roles, char *buf, size_t cap)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{TUI_R_ADMIN, "administrator"},
		{TUI_R_CUSTODIAN, "custodian or alternate"},
		{TUI_R_HOLDER, "holder"},
		{TUI_R_WITNESS, "witness"},
		{TUI_R_AUDITOR, "auditor"},
		{TUI_R_AUTHORITY, "authority"},
		{TUI_R_NONE, "no enrolled person"},
	};
	size_t n = 0, k = 0, len = 0;
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		n += (roles & names[i].bit) != 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(roles & names[i].bit))
			continue;
		const char *sep = k == 0 ? "" : k + 1 == n ? " or " : ", ";
		int w = snprintf(buf + len, cap - len, "%s%s", sep, names[i].name);
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
		k++;
	}
	return buf;
}
