/* view_incidents.c: incidents on the account in view (every account for
 * those who see all), newest first; open ones marked.  Below the list, the
 * reports of the incident under the cursor as they were signed: initial
 * (the report), amplifying (updates), final (the close, with its outcome).
 * `x` reports a new one, `U` sends an amplifying report on the one under
 * the cursor, `c` closes it, Enter lists its items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

#define INC_PAGE 200
#define INC_MAX 2000

typedef struct irow {
	char txn[ENTRY_TXN_MAX + 1], account[ENTRY_ACCOUNT_LEN + 1], category[16];
	char reported[32], last_update[32], closed[32], discovered[32], outcome[16];
	int64_t updates, items;
	bool open;
} irow;

typedef struct inc_state {
	char account[ENTRY_ACCOUNT_LEN + 1];
	irow *rows;
	int n, cursor, top;
	char next[QUERY_CURSOR_MAX];
	char error[300];
	/* the reports of the incident under the cursor */
	char shown[ENTRY_TXN_MAX + 1]; /* the incident they are of; "" none */
	query_reports reports;
	char reports_error[300];
} inc_state;

static status inc_page(tui_app *app, void *state, const char *after)
{
	inc_state *s = state;
	query_incidents q;
	errbuf err = {0};
	const char *acct = s->account[0] ? s->account : NULL;
	status st = query_incident_list(app->db, acct, false, INC_PAGE, after, &q, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_incident_list(app->db, acct, false, INC_PAGE, after, &q, &err);
	if (st != ST_OK) {
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
		return st;
	}
	s->error[0] = '\0';
	for (size_t i = 0; i < q.n && s->n < INC_MAX; i++) {
		irow *r = &s->rows[s->n++];
		const query_incident *x = &q.rows[i];
		view_copy(r->txn, sizeof r->txn, x->txn);
		view_copy(r->account, sizeof r->account, x->account);
		view_copy(r->category, sizeof r->category, x->category);
		view_copy(r->reported, sizeof r->reported, x->reported);
		view_copy(r->last_update, sizeof r->last_update, x->last_update);
		view_copy(r->closed, sizeof r->closed, x->closed);
		view_copy(r->discovered, sizeof r->discovered, x->discovered);
		view_copy(r->outcome, sizeof r->outcome, x->outcome);
		r->updates = x->updates;
		r->items = x->items;
		r->open = x->open;
	}
	view_copy(s->next, sizeof s->next, s->n < INC_MAX ? q.next : "");
	query_incidents_free(&q);
	return ST_OK;
}

/* Read the reports of the incident under the cursor, unless shown. */
static void reports_load(tui_app *app, inc_state *s)
{
	const char *txn = s->n > 0 ? s->rows[s->cursor].txn : "";
	if (strcmp(txn, s->shown) == 0)
		return;
	query_reports_free(&s->reports);
	s->reports_error[0] = '\0';
	view_copy(s->shown, sizeof s->shown, txn);
	if (txn[0] == '\0')
		return;
	errbuf err = {0};
	status st = query_incident_reports(app->db, txn, &s->reports, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_incident_reports(app->db, txn, &s->reports, &err);
	if (st != ST_OK)
		snprintf(s->reports_error, sizeof s->reports_error, "%s", err_text(&err, st));
}

static const char *report_kind(const char *action)
{
	if (strcmp(action, "incident-report") == 0)
		return "initial report";
	if (strcmp(action, "incident-update") == 0)
		return "amplifying report";
	if (strcmp(action, "incident-close") == 0)
		return "final report, closed";
	if (strcmp(action, "possession") == 0)
		return "found: possession report";
	return action;
}

/* The reports pane: each report's kind, time and entry, then its text
 * line by line; what does not fit is cut. */
static void reports_draw(tui_app *app, inc_state *s, int y, int x, int w, int h)
{
	if (h <= 0)
		return;
	char line[600];
	snprintf(line, sizeof line, "Reports of incident %s", s->shown[0] ? s->shown : "-");
	tui_text(y++, x, w, line, tui_attr(app, TUI_S_HEADER), true);
	int end = y + h - 1;
	if (s->reports_error[0] != '\0' && y < end) {
		tui_text(y++, x, w, s->reports_error, tui_attr(app, TUI_S_ERROR), true);
		return;
	}
	for (size_t i = 0; i < s->reports.n && y < end; i++) {
		const query_report *r = &s->reports.rows[i];
		char t[32];
		const irow *row = &s->rows[s->cursor];
		bool closing = strcmp(r->action, "incident-close") == 0 && row->outcome[0];
		snprintf(line, sizeof line, "%s%s%s  %s  entry %lld", report_kind(r->action),
			 closing ? ": " : "", closing ? row->outcome : "", view_time(r->time, t, sizeof t),
			 (long long)r->index);
		tui_text(y++, x, w, line, tui_attr(app, TUI_S_NORMAL), true);
		/* the text, a line at a time (a NUL byte ends what is shown) */
		const char *p = r->text;
		while (*p && y < end) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			snprintf(line, sizeof line, "    %.*s", (int)(n < 500 ? n : 500), p);
			tui_text(y++, x, w, line, tui_attr(app, TUI_S_DIM), true);
			p += n + (nl != NULL);
		}
	}
}

static void inc_load(tui_app *app, inc_state *s)
{
	s->n = 0;
	s->shown[0] = '\0'; /* read the reports again too */
	view_copy(s->account, sizeof s->account, app->account);
	(void)inc_page(app, s, NULL);
	if (s->cursor >= s->n)
		s->cursor = s->n ? s->n - 1 : 0;
}

static status inc_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)arg;
	inc_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	if ((s->rows = calloc(INC_MAX, sizeof *s->rows)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	inc_load(app, s);
	return ST_OK;
}

static void inc_reload(tui_app *app, tui_view *v)
{
	inc_load(app, v->state);
}

static void inc_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	inc_state *s = v->state;
	char head[400];
	int open = 0;
	for (int i = 0; i < s->n; i++)
		open += s->rows[i].open;
	if (s->error[0] != '\0')
		snprintf(head, sizeof head, "Incidents: cannot read them: %s (F5 tries again)", s->error);
	else
		snprintf(head, sizeof head, "Incidents of %s: %d open, %d in all%s",
			 s->account[0] ? s->account : "every account", open, s->n,
			 s->next[0] ? "+ (End fetches more)" : "");
	tui_text(r->y, r->x, r->w, head, tui_attr(app, s->error[0] ? TUI_S_ERROR : TUI_S_HEADER), true);
	char cols[256];
	snprintf(cols, sizeof cols, "  %-8s %-18s %-7s %-13s %-16s %-16s %5s %7s  %s", "state",
		 "incident", "account", "category", "discovered (UTC)", "reported", "items", "updates",
		 "closed");
	tui_text(r->y + 1, r->x, r->w, cols, tui_attr(app, TUI_S_HEADER), true);
	/* the list above, the reports of the one under the cursor below */
	int pane = s->n > 0 ? r->h / 2 : 0;
	int visible = r->h - 2 - pane;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const irow *x = &s->rows[top + i];
		char t0[32], t1[32], t2[32], line[512];
		snprintf(line, sizeof line, "%c %-8s %-18s %-7s %-13s %-16s %-16s %5lld %7lld  %s%s%s",
			 x->open ? '!' : ' ', x->open ? "OPEN" : "closed", x->txn, x->account, x->category,
			 view_time(x->discovered, t0, sizeof t0), view_time(x->reported, t1, sizeof t1),
			 (long long)x->items, (long long)x->updates, x->outcome,
			 x->outcome[0] ? " " : "", view_time(x->closed, t2, sizeof t2));
		tui_style st = top + i == s->cursor ? TUI_S_CURSOR : x->open ? TUI_S_ERROR : TUI_S_DIM;
		tui_text(r->y + 2 + i, r->x, r->w, line, tui_attr(app, st), true);
	}
	if (s->n == 0 && s->error[0] == '\0')
		tui_text(r->y + 2, r->x + 1, r->w - 1, "No incidents. x reports one.",
			 tui_attr(app, TUI_S_DIM), true);
	if (pane > 0) {
		reports_load(app, s);
		reports_draw(app, s, r->y + 2 + visible, r->x, r->w, pane);
	}
}

static tui_result inc_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	inc_state *s = v->state;
	if (view_list_move(app, a, v->page_rows, s, &s->cursor, &s->n, s->next, inc_page))
		return TUI_HANDLED;
	switch (a) {
	case A_OPEN:
		if (s->n > 0) {
			const irow *x = &s->rows[s->cursor];
			char title[128];
			snprintf(title, sizeof title, "Items reported in incident %s", x->txn);
			view_holdings_arg arg = {.account = "", .txn = x->txn, .title = title};
			(void)tui_push(app, &view_holdings_ops, &arg);
		}
		return TUI_HANDLED;
	case A_INCIDENT_CLOSE:
	case A_INCIDENT_UPDATE:
	case A_INCIDENT_REPORT: {
		tui_selection sel;
		memset(&sel, 0, sizeof sel);
		view_copy(sel.account, sizeof sel.account, app->account);
		if (a != A_INCIDENT_REPORT && s->n > 0) {
			const irow *x = &s->rows[s->cursor];
			if (!x->open) {
				tui_message(app, TUI_MSG_WARN, "incident %s is closed already", x->txn);
				return TUI_HANDLED;
			}
			view_copy(sel.account, sizeof sel.account, x->account);
			view_copy(sel.txn, sizeof sel.txn, x->txn);
			view_copy(sel.txn_action, sizeof sel.txn_action, "incident-report");
		}
		view_open_form(app, a, &sel);
		return TUI_HANDLED;
	}
	default:
		return TUI_UNHANDLED;
	}
}

static void inc_done(tui_app *app, tui_view *v)
{
	(void)app;
	inc_state *s = v->state;
	if (s != NULL) {
		free(s->rows);
		query_reports_free(&s->reports);
	}
	free(s);
}

const tui_view_ops view_incidents_ops = {
	.name = "Incidents",
	.kind = TUI_V_INCIDENTS,
	.open = inc_open,
	.draw = inc_draw,
	.key = inc_key,
	.reload = inc_reload,
	.done = inc_done,
};
