/* view_item.c: one item, its details and its whole history from the log
 * (entry index, time, action, transaction, signers), paged by key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

#define HISTORY_PAGE 200
#define HISTORY_MAX 2000 /* events kept; End fetches more up to this */

typedef struct ev {
	int64_t index;
	char time[32], action[24], txn[ENTRY_TXN_MAX + 1], account[ENTRY_ACCOUNT_LEN + 1];
	char signers[2 * (KEY_NAME_MAX + 1)];
} ev;

typedef struct item_state {
	char title[ENTRY_TITLE_MAX + 1], edition[ENTRY_EDITION_MAX + 1], serial[ENTRY_SERIAL_MAX + 1];
	char detail[8][200];
	int ndetail;
	char status[16];
	ev *events;
	int n, cursor, top;
	char next[QUERY_CURSOR_MAX];
	char error[300];
} item_state;

static status item_fetch(tui_app *app, void *state, const char *after)
{
	item_state *s = state;
	query_history_filter f = {s->title, s->edition, s->serial, HISTORY_PAGE, after};
	query_history h;
	errbuf err = {0};
	status st = query_item_history(app->db, &f, &h, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_item_history(app->db, &f, &h, &err);
	if (st != ST_OK) {
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
		return st;
	}
	s->error[0] = '\0';
	if (after == NULL) {
		const query_item *it = &h.item;
		s->n = 0;
		s->ndetail = 0;
		view_copy(s->status, sizeof s->status, it->status);
		snprintf(s->detail[s->ndetail++], sizeof s->detail[0], "%s %s %s", it->title,
			 it->edition[0] ? it->edition : "", it->serial);
		snprintf(s->detail[s->ndetail++], sizeof s->detail[0],
			 "status:  %s   since %.16s   account %s", view_status_word(it->status), it->since,
			 it->account);
		snprintf(s->detail[s->ndetail++], sizeof s->detail[0],
			 "type:    %s   classification %s%s   ALC-%d   quantity %lld", it->kind, it->cls,
			 it->crypto ? " CRYPTO" : "", it->alc, (long long)it->qty);
		if (it->effective[0] || it->supersedes[0])
			snprintf(s->detail[s->ndetail++], sizeof s->detail[0],
				 "key:     effective %s   supersedes %s   %s", it->effective[0] ? it->effective : "-",
				 it->supersedes[0] ? it->supersedes : "-",
				 it->in_effect ? "in effect" : "in reserve");
		if (it->holder[0])
			snprintf(s->detail[s->ndetail++], sizeof s->detail[0],
				 "holder:  %s (hand receipt %s)", it->holder, it->last_txn);
		if (it->peer[0])
			snprintf(s->detail[s->ndetail++], sizeof s->detail[0], "to:      %s (%s)", it->peer,
				 it->last_txn);
		if (it->incident[0])
			snprintf(s->detail[s->ndetail++], sizeof s->detail[0], "incident: %s", it->incident);
		snprintf(s->detail[s->ndetail++], sizeof s->detail[0],
			 "last:    transaction %s, log entry %lld", it->last_txn[0] ? it->last_txn : "-",
			 (long long)it->last_index);
	}
	for (size_t i = 0; i < h.n && s->n < HISTORY_MAX; i++) {
		ev *e = &s->events[s->n++];
		const query_event *q = &h.rows[i];
		e->index = q->index;
		view_copy(e->time, sizeof e->time, q->time);
		view_copy(e->action, sizeof e->action, q->action);
		view_copy(e->txn, sizeof e->txn, q->txn);
		view_copy(e->account, sizeof e->account, q->account);
		view_copy(e->signers, sizeof e->signers, q->signers);
	}
	view_copy(s->next, sizeof s->next, s->n < HISTORY_MAX ? h.next : "");
	query_history_free(&h);
	return ST_OK;
}

static status item_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	const view_item_arg *a = arg;
	if (a == NULL)
		return err_set(err, ST_USAGE, "no item");
	item_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	if ((s->events = calloc(HISTORY_MAX, sizeof *s->events)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	view_copy(s->title, sizeof s->title, a->title);
	view_copy(s->edition, sizeof s->edition, a->edition);
	view_copy(s->serial, sizeof s->serial, a->serial);
	status st = item_fetch(app, s, NULL);
	if (st == ST_NOTFOUND)
		return err_set(err, st, "%s", s->error);
	return ST_OK;
}

static void item_reload(tui_app *app, tui_view *v)
{
	item_state *s = v->state;
	(void)item_fetch(app, s, NULL);
	if (s->cursor >= s->n)
		s->cursor = s->n ? s->n - 1 : 0;
}

static void item_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	item_state *s = v->state;
	int y = r->y;
	if (s->error[0] != '\0') {
		char e[400];
		snprintf(e, sizeof e, "cannot read the item: %s (F5 tries again)", s->error);
		tui_text(y, r->x, r->w, e, tui_attr(app, TUI_S_ERROR), true);
		return;
	}
	for (int i = 0; i < s->ndetail && y < r->y + r->h - 3; i++, y++)
		tui_text(y, r->x + 1, r->w - 1, s->detail[i],
			 tui_attr(app, i == 0 ? TUI_S_HEADER
				      : i == 1 ? view_status_style(s->status) : TUI_S_NORMAL), true);
	y++;
	char cols[200], head[80];
	snprintf(head, sizeof head, "History: %d entr%s%s", s->n, s->n == 1 ? "y" : "ies",
		 s->next[0] ? " so far (End fetches more)" : "");
	tui_text(y++, r->x, r->w, head, tui_attr(app, TUI_S_HEADER), true);
	snprintf(cols, sizeof cols, "  %8s  %-16s  %-16s  %-18s  %s", "entry", "time (UTC)", "action",
		 "transaction", "signers");
	tui_text(y++, r->x, r->w, cols, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->y + r->h - y;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const ev *e = &s->events[top + i];
		char t[32], line[600];
		snprintf(line, sizeof line, "  %8lld  %-16s  %-16s  %-18s  %s", (long long)e->index,
			 view_time(e->time, t, sizeof t), e->action, e->txn[0] ? e->txn : "-", e->signers);
		tui_text(y + i, r->x, r->w, line,
			 tui_attr(app, top + i == s->cursor ? TUI_S_CURSOR : TUI_S_NORMAL), true);
	}
}

static tui_result item_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	item_state *s = v->state;
	if (view_list_move(app, a, v->page_rows, s, &s->cursor, &s->n, s->next, item_fetch))
		return TUI_HANDLED;
	switch (a) {
	case A_OPEN:
		return TUI_HANDLED;
	case A_PRINT:
		if (s->n > 0)
			view_print(app, s->events[s->cursor].txn, s->events[s->cursor].action);
		else
			view_print(app, NULL, NULL);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void item_done(tui_app *app, tui_view *v)
{
	(void)app;
	item_state *s = v->state;
	if (s != NULL)
		free(s->events);
	free(s);
}

const tui_view_ops view_item_ops = {
	.name = "Item",
	.kind = TUI_V_ITEM,
	.open = item_open,
	.draw = item_draw,
	.key = item_key,
	.reload = item_reload,
	.done = item_done,
};
