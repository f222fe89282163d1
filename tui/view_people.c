/* view_people.c: the people enrolled in the log, their roles and whether
 * their key is revoked (administrators, auditors, authorities). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

#define PEOPLE_PAGE 200
#define PEOPLE_MAX 5000

typedef struct prow {
	char name[KEY_NAME_MAX + 1], login[64], roles[256];
	int64_t enrolled, revoked_at;
	bool revoked;
} prow;

typedef struct people_state {
	prow *rows;
	int n, cursor, top;
	char next[QUERY_CURSOR_MAX];
	char error[300];
} people_state;

static status people_page(tui_app *app, void *state, const char *after)
{
	people_state *s = state;
	query_persons q;
	errbuf err = {0};
	status st = query_person_list(app->db, PEOPLE_PAGE, after, &q, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_person_list(app->db, PEOPLE_PAGE, after, &q, &err);
	if (st != ST_OK) {
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
		return st;
	}
	s->error[0] = '\0';
	for (size_t i = 0; i < q.n && s->n < PEOPLE_MAX; i++) {
		prow *r = &s->rows[s->n++];
		view_copy(r->name, sizeof r->name, q.rows[i].name);
		view_copy(r->login, sizeof r->login, q.rows[i].login);
		view_copy(r->roles, sizeof r->roles, q.rows[i].roles);
		r->enrolled = q.rows[i].enrolled_index;
		r->revoked = q.rows[i].revoked;
		r->revoked_at = q.rows[i].revoked_index;
	}
	view_copy(s->next, sizeof s->next, s->n < PEOPLE_MAX ? q.next : "");
	query_persons_free(&q);
	return ST_OK;
}

static status people_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)arg;
	people_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	if ((s->rows = calloc(PEOPLE_MAX, sizeof *s->rows)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	(void)people_page(app, s, NULL);
	return ST_OK;
}

static void people_reload(tui_app *app, tui_view *v)
{
	people_state *s = v->state;
	s->n = 0;
	(void)people_page(app, s, NULL);
	if (s->cursor >= s->n)
		s->cursor = s->n ? s->n - 1 : 0;
}

/* The key column's text of a person. */
static const char *key_text(const prow *p, char *buf, size_t cap)
{
	if (p->revoked)
		snprintf(buf, cap, "x revoked@%lld", (long long)p->revoked_at);
	else
		snprintf(buf, cap, "valid");
	return buf;
}

#define NAME_COLS_MAX 24
#define LOGIN_COLS_MAX 16

/* The columns' widths: each as wide as its widest cell among the rows
 * loaded (so that they stay put while scrolling), name and login at most
 * NAME_COLS_MAX and LOGIN_COLS_MAX (longer ones are cut, marked "…"). */
typedef struct people_cols {
	int name, login, key, enrolled;
} people_cols;

static int widest(int w, const char *s, int most)
{
	int n = tui_text_width(s);
	return n > w ? (n > most ? most : n) : w;
}

static people_cols columns(const people_state *s)
{
	people_cols c = {tui_text_width("name (key)"), tui_text_width("login"),
			 tui_text_width("key"), tui_text_width("enrolled")};
	for (int i = 0; i < s->n; i++) {
		const prow *p = &s->rows[i];
		char key[32], idx[24];
		c.name = widest(c.name, p->name, NAME_COLS_MAX);
		c.login = widest(c.login, p->login, LOGIN_COLS_MAX);
		c.key = widest(c.key, key_text(p, key, sizeof key), (int)sizeof key);
		snprintf(idx, sizeof idx, "%lld", (long long)p->enrolled);
		c.enrolled = widest(c.enrolled, idx, (int)sizeof idx);
	}
	return c;
}

/* One line of the table: the cells, each padded to its column. */
static void table_line(char *line, size_t cap, const people_cols *c, const char *name,
		       const char *login, const char *key, const char *enrolled, const char *roles)
{
	char n[KEY_NAME_MAX + 4 * NAME_COLS_MAX], l[64 + 4 * LOGIN_COLS_MAX], k[64], e[32];
	snprintf(line, cap, "  %s %s %s %s %s", tui_fit_cut(name, c->name, n, sizeof n),
		 tui_fit_cut(login, c->login, l, sizeof l), tui_fit(key, c->key, k, sizeof k),
		 tui_fit(enrolled, c->enrolled, e, sizeof e), roles);
}

static void people_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	people_state *s = v->state;
	char head[400];
	if (s->error[0] != '\0')
		snprintf(head, sizeof head, "People: cannot read them: %s (F5 tries again)", s->error);
	else
		snprintf(head, sizeof head, "People: %d%s", s->n, s->next[0] ? "+ (End fetches more)" : "");
	tui_text(r->y, r->x, r->w, head, tui_attr(app, s->error[0] ? TUI_S_ERROR : TUI_S_HEADER), true);
	people_cols c = columns(s);
	char line[1024];
	table_line(line, sizeof line, &c, "name (key)", "login", "key", "enrolled", "roles");
	tui_text(r->y + 1, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 2;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const prow *p = &s->rows[top + i];
		char key[32], idx[24];
		snprintf(idx, sizeof idx, "%lld", (long long)p->enrolled);
		table_line(line, sizeof line, &c, p->name, p->login, key_text(p, key, sizeof key), idx,
			   p->roles[0] ? p->roles : "(no role)");
		tui_style st = top + i == s->cursor ? TUI_S_CURSOR : p->revoked ? TUI_S_DIM : TUI_S_NORMAL;
		tui_text(r->y + 2 + i, r->x, r->w, line, tui_attr(app, st), true);
	}
}

static tui_result people_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	people_state *s = v->state;
	if (view_list_move(app, a, v->page_rows, s, &s->cursor, &s->n, s->next, people_page))
		return TUI_HANDLED;
	switch (a) {
	case A_OPEN:
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void people_done(tui_app *app, tui_view *v)
{
	(void)app;
	people_state *s = v->state;
	if (s != NULL)
		free(s->rows);
	free(s);
}

const tui_view_ops view_people_ops = {
	.name = "People",
	.kind = TUI_V_PEOPLE,
	.open = people_open,
	.draw = people_draw,
	.key = people_key,
	.reload = people_reload,
	.done = people_done,
};
