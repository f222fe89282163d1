/* view_people.c: the people enrolled in the log, their roles, rank and
 * position and whether their key is revoked; and, switched with `l`, the
 * accounts: this ledger's with their address and COR account, and those
 * registered outside it (administrators, auditors, authorities).  An
 * administrator sets a person's rank and position (e), an account's
 * details (D) and registers an outside account (O) from here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

#define PEOPLE_PAGE 200
#define PEOPLE_MAX 5000

#define ACCOUNTS_MAX 5000

typedef struct prow {
	char name[KEY_NAME_MAX + 1], login[64], roles[256];
	char rank[ENTRY_DETAIL_MAX + 1], position[ENTRY_DETAIL_MAX + 1];
	int64_t enrolled, revoked_at;
	bool revoked;
} prow;

/* An account of this ledger, or one outside it. */
typedef struct arow {
	char number[ENTRY_ACCOUNT_LEN + 1], name[256];
	char address[ENTRY_DETAIL_MAX + 1], cor[ENTRY_ACCOUNT_LEN + 1];
	bool outside;
	int64_t registered; /* outside: the account-outside entry */
} arow;

typedef struct people_state {
	prow *rows;
	int n, cursor, top;
	char next[QUERY_CURSOR_MAX];
	char error[300];
	/* the accounts list (`l`) */
	bool accounts;
	arow *acc;
	int nacc, acursor, atop;
	char aerror[300];
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
		view_copy(r->rank, sizeof r->rank, q.rows[i].rank);
		view_copy(r->position, sizeof r->position, q.rows[i].position);
	}
	view_copy(s->next, sizeof s->next, s->n < PEOPLE_MAX ? q.next : "");
	query_persons_free(&q);
	return ST_OK;
}

/* Every account of this ledger, then every account outside it (a list
 * an administrator keeps short: read whole, at most ACCOUNTS_MAX). */
static void accounts_load(tui_app *app, people_state *s)
{
	char after[QUERY_CURSOR_MAX] = "";
	errbuf err = {0};
	status st = ST_OK;
	s->nacc = 0;
	s->aerror[0] = '\0';
	do {
		query_accounts q;
		st = query_account_list(app->db, PEOPLE_PAGE, after, &q, &err);
		if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			st = query_account_list(app->db, PEOPLE_PAGE, after, &q, &err);
		if (st != ST_OK)
			break;
		for (size_t i = 0; i < q.n && s->nacc < ACCOUNTS_MAX; i++) {
			arow *a = &s->acc[s->nacc++];
			memset(a, 0, sizeof *a);
			view_copy(a->number, sizeof a->number, q.rows[i].number);
			view_copy(a->name, sizeof a->name, q.rows[i].name);
			view_copy(a->address, sizeof a->address, q.rows[i].address);
			view_copy(a->cor, sizeof a->cor, q.rows[i].cor_account);
		}
		view_copy(after, sizeof after, s->nacc < ACCOUNTS_MAX ? q.next : "");
		query_accounts_free(&q);
	} while (after[0] != '\0');
	after[0] = '\0';
	while (st == ST_OK) {
		query_outsides q;
		st = query_outside_list(app->db, PEOPLE_PAGE, after, &q, &err);
		if (st != ST_OK)
			break;
		for (size_t i = 0; i < q.n && s->nacc < ACCOUNTS_MAX; i++) {
			arow *a = &s->acc[s->nacc++];
			memset(a, 0, sizeof *a);
			view_copy(a->number, sizeof a->number, q.rows[i].number);
			view_copy(a->name, sizeof a->name, q.rows[i].name);
			view_copy(a->address, sizeof a->address, q.rows[i].address);
			a->outside = true;
			a->registered = q.rows[i].registered_index;
		}
		view_copy(after, sizeof after, s->nacc < ACCOUNTS_MAX ? q.next : "");
		query_outsides_free(&q);
		if (after[0] == '\0')
			break;
	}
	if (st != ST_OK)
		snprintf(s->aerror, sizeof s->aerror, "%s", err_text(&err, st));
	if (s->acursor >= s->nacc)
		s->acursor = s->nacc ? s->nacc - 1 : 0;
}

static status people_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)arg;
	people_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	if ((s->rows = calloc(PEOPLE_MAX, sizeof *s->rows)) == NULL ||
	    (s->acc = calloc(ACCOUNTS_MAX, sizeof *s->acc)) == NULL)
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
	if (s->accounts)
		accounts_load(app, s);
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
#define RANK_COLS_MAX 12
#define POSITION_COLS_MAX 20

typedef struct people_cols {
	int name, login, key, enrolled, rank, position;
} people_cols;

static int widest(int w, const char *s, int most)
{
	int n = tui_text_width(s);
	return n > w ? (n > most ? most : n) : w;
}

static people_cols columns(const people_state *s)
{
	people_cols c = {tui_text_width("name (key)"), tui_text_width("login"),
			 tui_text_width("key"), tui_text_width("enrolled"), tui_text_width("rank"),
			 tui_text_width("position")};
	for (int i = 0; i < s->n; i++) {
		const prow *p = &s->rows[i];
		char key[32], idx[24];
		c.name = widest(c.name, p->name, NAME_COLS_MAX);
		c.login = widest(c.login, p->login, LOGIN_COLS_MAX);
		c.key = widest(c.key, key_text(p, key, sizeof key), (int)sizeof key);
		snprintf(idx, sizeof idx, "%lld", (long long)p->enrolled);
		c.enrolled = widest(c.enrolled, idx, (int)sizeof idx);
		c.rank = widest(c.rank, p->rank, RANK_COLS_MAX);
		c.position = widest(c.position, p->position, POSITION_COLS_MAX);
	}
	return c;
}

/* One line of the table: the cells, each padded to its column. */
static void table_line(char *line, size_t cap, const people_cols *c, const char *name,
		       const char *login, const char *key, const char *enrolled, const char *rank,
		       const char *position, const char *roles)
{
	char n[KEY_NAME_MAX + 4 * NAME_COLS_MAX], l[64 + 4 * LOGIN_COLS_MAX], k[64], e[32];
	char rk[ENTRY_DETAIL_MAX + 4 * RANK_COLS_MAX], ps[ENTRY_DETAIL_MAX + 4 * POSITION_COLS_MAX];
	snprintf(line, cap, "  %s %s %s %s %s %s %s", tui_fit_cut(name, c->name, n, sizeof n),
		 tui_fit_cut(login, c->login, l, sizeof l), tui_fit(key, c->key, k, sizeof k),
		 tui_fit(enrolled, c->enrolled, e, sizeof e), tui_fit_cut(rank, c->rank, rk, sizeof rk),
		 tui_fit_cut(position, c->position, ps, sizeof ps), roles);
}

#define ANAME_COLS_MAX 28

/* The accounts list: number, where, name, COR account, address. */
static void accounts_draw(tui_app *app, people_state *s, const tui_rect *r)
{
	char head[400];
	int outside = 0;
	for (int i = 0; i < s->nacc; i++)
		outside += s->acc[i].outside;
	if (s->aerror[0] != '\0')
		snprintf(head, sizeof head, "Accounts: cannot read them: %s (F5 tries again)", s->aerror);
	else
		snprintf(head, sizeof head, "Accounts: %d of this ledger, %d outside it (l: people)",
			 s->nacc - outside, outside);
	tui_text(r->y, r->x, r->w, head, tui_attr(app, s->aerror[0] ? TUI_S_ERROR : TUI_S_HEADER),
		 true);
	int wname = tui_text_width("name");
	for (int i = 0; i < s->nacc; i++)
		wname = widest(wname, s->acc[i].name, ANAME_COLS_MAX);
	char line[1024], nm[256 + 4 * ANAME_COLS_MAX], where[32], cor[16];
	snprintf(line, sizeof line, "  %-6s %-12s %s %-7s %s", "number", "where",
		 tui_fit("name", wname, nm, sizeof nm), "COR", "address");
	tui_text(r->y + 1, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 2;
	int top = view_scroll(s->acursor, s->nacc, visible, &s->atop);
	for (int i = 0; i < visible && top + i < s->nacc; i++) {
		const arow *a = &s->acc[top + i];
		if (a->outside)
			snprintf(where, sizeof where, "outside@%lld", (long long)a->registered);
		else
			snprintf(where, sizeof where, "this ledger");
		snprintf(cor, sizeof cor, "%s", a->cor[0] ? a->cor : a->outside ? "" : "-");
		snprintf(line, sizeof line, "  %-6s %-12s %s %-7s %s", a->number, where,
			 tui_fit_cut(a->name, wname, nm, sizeof nm), cor,
			 a->address[0] ? a->address : "-");
		tui_style st = top + i == s->acursor ? TUI_S_CURSOR : TUI_S_NORMAL;
		tui_text(r->y + 2 + i, r->x, r->w, line, tui_attr(app, st), true);
	}
}

static void people_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	people_state *s = v->state;
	if (s->accounts) {
		accounts_draw(app, s, r);
		return;
	}
	char head[400];
	if (s->error[0] != '\0')
		snprintf(head, sizeof head, "People: cannot read them: %s (F5 tries again)", s->error);
	else
		snprintf(head, sizeof head, "People: %d%s", s->n, s->next[0] ? "+ (End fetches more)" : "");
	tui_text(r->y, r->x, r->w, head, tui_attr(app, s->error[0] ? TUI_S_ERROR : TUI_S_HEADER), true);
	people_cols c = columns(s);
	char line[1024];
	table_line(line, sizeof line, &c, "name (key)", "login", "key", "enrolled", "rank",
		   "position", "roles");
	tui_text(r->y + 1, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 2;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const prow *p = &s->rows[top + i];
		char key[32], idx[24];
		snprintf(idx, sizeof idx, "%lld", (long long)p->enrolled);
		table_line(line, sizeof line, &c, p->name, p->login, key_text(p, key, sizeof key), idx,
			   p->rank, p->position, p->roles[0] ? p->roles : "(no role)");
		tui_style st = top + i == s->cursor ? TUI_S_CURSOR : p->revoked ? TUI_S_DIM : TUI_S_NORMAL;
		tui_text(r->y + 2 + i, r->x, r->w, line, tui_attr(app, st), true);
	}
}

static tui_result people_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	people_state *s = v->state;
	static const char none[] = "";
	if (s->accounts ? view_list_move(app, a, v->page_rows, s, &s->acursor, &s->nacc, none,
					 people_page)
			: view_list_move(app, a, v->page_rows, s, &s->cursor, &s->n, s->next,
					 people_page))
		return TUI_HANDLED;
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	switch (a) {
	case A_OPEN:
		return TUI_HANDLED;
	case A_ACCOUNTS:
		s->accounts = !s->accounts;
		if (s->accounts)
			accounts_load(app, s);
		return TUI_HANDLED;
	case A_PERSON_DETAILS:
	case A_KEY_ROTATE:
	case A_KEY_REVOKE:
	case A_APPOINT:
	case A_PERSON_ENROL:
		/* the person under the cursor, with their details as the defaults;
		 * in the accounts list, the account under the cursor */
		if (!s->accounts && s->cursor < s->n) {
			const prow *p = &s->rows[s->cursor];
			sel.person = p->name;
			sel.rank = p->rank;
			sel.position = p->position;
			sel.roles = p->roles;
		} else if (s->accounts && s->acursor < s->nacc && !s->acc[s->acursor].outside) {
			view_copy(sel.account, sizeof sel.account, s->acc[s->acursor].number);
		}
		view_open_form(app, a, &sel);
		return TUI_HANDLED;
	case A_ACCOUNT_DETAILS:
		/* the account under the cursor, else the one in view */
		if (s->accounts && s->acursor < s->nacc) {
			const arow *ac = &s->acc[s->acursor];
			view_copy(sel.account, sizeof sel.account, ac->number);
			sel.address = ac->address;
			sel.cor_account = ac->cor;
			sel.outside = ac->outside;
		} else {
			view_copy(sel.account, sizeof sel.account, app->account);
		}
		view_open_form(app, a, &sel);
		return TUI_HANDLED;
	case A_ACCOUNT_OUTSIDE:
	case A_ACCOUNT_OPEN:
	case A_POLICY_SET:
		view_open_form(app, a, &sel);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void people_done(tui_app *app, tui_view *v)
{
	(void)app;
	people_state *s = v->state;
	if (s != NULL) {
		free(s->rows);
		free(s->acc);
	}
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
