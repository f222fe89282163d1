/* view_dashboard.c: the alarms (src/query.h's query_alarm_list) on every
 * account the person sees, "checkpoint due" only to those who can make
 * one (tui_may_checkpoint); Enter opens the items behind the one under
 * the cursor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

typedef struct dash_state {
	query_alarms alarms;
	bool loaded;
	char error[256];
	int cursor, top;
} dash_state;

/* Drop the "checkpoint" alarms from a: for a person who cannot act on
 * them (tui_may_checkpoint). */
static void drop_checkpoints(query_alarms *a)
{
	size_t kept = 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->rows[i].kind, "checkpoint") != 0)
			a->rows[kept++] = a->rows[i];
	a->n = kept;
}

static status dash_load(tui_app *app, dash_state *d, errbuf *err)
{
	query_alarms_free(&d->alarms);
	d->loaded = false;
	status st = query_alarm_list(app->db, NULL, &d->alarms, err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_alarm_list(app->db, NULL, &d->alarms, err);
	if (st != ST_OK) {
		snprintf(d->error, sizeof d->error, "%s", err_text(err, st));
		return st;
	}
	if (!tui_may_checkpoint(app))
		drop_checkpoints(&d->alarms);
	d->error[0] = '\0';
	d->loaded = true;
	if (d->cursor >= (int)d->alarms.n)
		d->cursor = d->alarms.n ? (int)d->alarms.n - 1 : 0;
	return ST_OK;
}

static status dash_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)arg;
	dash_state *d = calloc(1, sizeof *d);
	if (d == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = d;
	status st = dash_load(app, d, err);
	/* A screen that could not load still opens, saying why. */
	return st == ST_NOMEM ? st : ST_OK;
}

static void dash_reload(tui_app *app, tui_view *v)
{
	errbuf err = {0};
	(void)dash_load(app, v->state, &err);
}

static const char *kind_word(const char *kind)
{
	if (strcmp(kind, "destruction") == 0)
		return "destroy overdue";
	if (strcmp(kind, "incident") == 0)
		return "incident unreported";
	if (strcmp(kind, "transit") == 0)
		return "in transit too long";
	if (strcmp(kind, "inventory") == 0)
		return "inventory due";
	if (strcmp(kind, "hand-receipt") == 0)
		return "hand receipt aged";
	if (strcmp(kind, "checkpoint") == 0)
		return "checkpoint due";
	return kind;
}

static void dash_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	dash_state *d = v->state;
	char head[512];
	if (d->error[0] != '\0') {
		tui_text(r->y, r->x, r->w, "Alarms", tui_attr(app, TUI_S_HEADER), true);
		snprintf(head, sizeof head, "cannot read the alarms: %s (F5 tries again)", d->error);
		tui_text(r->y + 2, r->x + 1, r->w - 1, head, tui_attr(app, TUI_S_ERROR), true);
		return;
	}
	snprintf(head, sizeof head, "Alarms: %zu%s", d->alarms.n,
		 d->alarms.n ? "   (Enter opens the items behind one)" : "");
	tui_text(r->y, r->x, r->w, head, tui_attr(app, TUI_S_HEADER), true);
	if (d->alarms.n == 0) {
		tui_text(r->y + 2, r->x + 1, r->w - 1,
			 "No alarms: no overdue destruction, incident, transfer, inventory or hand receipt.",
			 tui_attr(app, TUI_S_OK), true);
		tui_text(r->y + 4, r->x + 1, r->w - 1,
			 "2 Holdings  3 Transactions  4 Incidents  5 Log  ? Help", A_NORMAL, true);
		return;
	}
	/* The subject takes what the other columns leave (at least 34). */
	int sw = r->w - 64;
	sw = sw < 34 ? 34 : sw > 60 ? 60 : sw;
	char cols[256];
	snprintf(cols, sizeof cols, "   %-20s %-7s %-*s %-14s %s", "alarm", "account", sw, "subject",
		 "overdue by", "since");
	tui_text(r->y + 1, r->x, r->w, cols, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 2;
	int top = view_scroll(d->cursor, (int)d->alarms.n, visible, &d->top);
	for (int i = 0; i < visible && top + i < (int)d->alarms.n; i++) {
		const query_alarm *a = &d->alarms.rows[top + i];
		char dur[32], since[32], line[512], subj[256];
		snprintf(line, sizeof line, " ! %-20s %-7s %s %-14s %s", kind_word(a->kind),
			 a->account, tui_fit(a->subject, sw, subj, sizeof subj),
			 view_duration(a->overdue_seconds, dur, sizeof dur),
			 view_time(a->since, since, sizeof since));
		bool cur = top + i == d->cursor;
		tui_text(r->y + 2 + i, r->x, r->w, line,
			 tui_attr(app, cur ? TUI_S_CURSOR : TUI_S_WARN), true);
	}
}

static void dash_open_alarm(tui_app *app, const query_alarm *a)
{
	if (strcmp(a->kind, "checkpoint") == 0) {
		/* Nothing to list: the log needs a checkpoint signed by the log
		 * key.  With the log key at hand, sign it now; else say how. */
		if (app->log_key == NULL) {
			tui_message(app, TUI_MSG_WARN, "A checkpoint is due: the holder of the log key "
				    "runs 'custos log checkpoint --log-key FILE' (or starts custos with "
				    "CUSTOS_LOG_KEY=FILE)");
			return;
		}
		char cp[200];
		tui_after_submit(app, cp, sizeof cp);
		tui_ledger_changed(app);
		if (cp[0] == '\0')
			tui_message(app, TUI_MSG_INFO, "no checkpoint is due any more");
		else
			tui_message(app, strncmp(cp, "; no", 4) == 0 ? TUI_MSG_ERROR : TUI_MSG_OK, "%s",
				    cp + 2);
		return;
	}
	if (strcmp(a->kind, "destruction") == 0) {
		view_item_arg arg = {a->title, a->edition, a->serial};
		(void)tui_push(app, &view_item_ops, &arg);
	} else if (strcmp(a->kind, "inventory") == 0) {
		view_holdings_arg arg = {.account = a->account, .status = "open"};
		(void)tui_push(app, &view_holdings_ops, &arg);
	} else {
		char title[128];
		snprintf(title, sizeof title, "Items of %s", a->subject);
		view_holdings_arg arg = {.account = a->account, .txn = a->subject, .title = title};
		(void)tui_push(app, &view_holdings_ops, &arg);
	}
}

static tui_result dash_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	dash_state *d = v->state;
	int n = (int)d->alarms.n;
	switch (a) {
	case A_UP: d->cursor--; break;
	case A_DOWN: d->cursor++; break;
	case A_PGUP: d->cursor -= v->page_rows; break;
	case A_PGDN: d->cursor += v->page_rows; break;
	case A_HOME: d->cursor = 0; break;
	case A_END: d->cursor = n - 1; break;
	case A_OPEN:
		if (n > 0)
			dash_open_alarm(app, &d->alarms.rows[d->cursor]);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	if (d->cursor >= n)
		d->cursor = n - 1;
	if (d->cursor < 0)
		d->cursor = 0;
	return TUI_HANDLED;
}

static void dash_done(tui_app *app, tui_view *v)
{
	(void)app;
	dash_state *d = v->state;
	if (d != NULL)
		query_alarms_free(&d->alarms);
	free(d);
}

const tui_view_ops view_dashboard_ops = {
	.name = "Dashboard",
	.kind = TUI_V_DASHBOARD,
	.open = dash_open,
	.draw = dash_draw,
	.key = dash_key,
	.reload = dash_reload,
	.done = dash_done,
};
