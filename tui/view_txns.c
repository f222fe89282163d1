/* view_txns.c: the account's transactions, newest first, with the
 * transfers from other accounts in transit to it (its custodian accepts
 * them with `a`) listed on top.  Enter lists a transaction's items, `P`
 * writes its report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

#define TXN_PAGE 200
#define TXN_MAX 5000 /* rows kept; the command line lists further */

typedef struct trow {
	char number[ENTRY_TXN_MAX + 1], account[ENTRY_ACCOUNT_LEN + 1], action[24], time[32];
	char peer[ENTRY_ACCOUNT_LEN + 1], holder[KEY_NAME_MAX + 1], ref[ENTRY_TXN_MAX + 1];
	int64_t index;
	bool open, incoming;
} trow;

typedef struct txn_state {
	char account[ENTRY_ACCOUNT_LEN + 1];
	trow *rows;
	int n, nincoming, cursor, top;
	char next[QUERY_CURSOR_MAX];
	char error[300];
} txn_state;

static void add_rows(txn_state *s, const query_txns *t, bool incoming)
{
	for (size_t i = 0; i < t->n && s->n < TXN_MAX; i++) {
		trow *r = &s->rows[s->n++];
		const query_txn *q = &t->rows[i];
		view_copy(r->number, sizeof r->number, q->number);
		view_copy(r->account, sizeof r->account, q->account);
		view_copy(r->action, sizeof r->action, q->action);
		view_copy(r->time, sizeof r->time, q->time);
		view_copy(r->peer, sizeof r->peer, q->peer);
		view_copy(r->holder, sizeof r->holder, q->holder);
		view_copy(r->ref, sizeof r->ref, q->ref);
		r->index = q->index;
		r->open = q->open;
		r->incoming = incoming;
	}
}

static status txn_page(tui_app *app, void *state, const char *after)
{
	txn_state *s = state;
	query_txn_filter f = {.account = s->account, .limit = TXN_PAGE, .after = after};
	query_txns t;
	errbuf err = {0};
	status st = query_txn_list(app->db, &f, &t, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_txn_list(app->db, &f, &t, &err);
	if (st != ST_OK) {
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
		return st;
	}
	add_rows(s, &t, false);
	view_copy(s->next, sizeof s->next, s->n < TXN_MAX ? t.next : "");
	query_txns_free(&t);
	return ST_OK;
}

static status txn_load(tui_app *app, txn_state *s)
{
	s->n = s->nincoming = 0;
	s->next[0] = '\0';
	s->error[0] = '\0';
	view_copy(s->account, sizeof s->account, app->account);
	if (s->account[0] == '\0') {
		snprintf(s->error, sizeof s->error, "no account in view (A switches accounts)");
		return ST_USAGE;
	}
	query_txns in;
	errbuf err = {0};
	status st = query_txn_incoming(app->db, s->account, 100, &in, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_txn_incoming(app->db, s->account, 100, &in, &err);
	if (st != ST_OK) {
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
		return st;
	}
	add_rows(s, &in, true);
	s->nincoming = s->n;
	query_txns_free(&in);
	return txn_page(app, s, NULL);
}

static status txn_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)arg;
	txn_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	if ((s->rows = calloc(TXN_MAX, sizeof *s->rows)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	(void)txn_load(app, s);
	return ST_OK;
}

static void txn_reload(tui_app *app, tui_view *v)
{
	txn_state *s = v->state;
	int cursor = s->cursor;
	(void)txn_load(app, s);
	s->cursor = cursor < s->n ? cursor : (s->n ? s->n - 1 : 0);
}

static void txn_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	txn_state *s = v->state;
	char head[400];
	if (s->error[0] != '\0' && s->n == 0) {
		snprintf(head, sizeof head, "Transactions: %s", s->error);
		tui_text(r->y, r->x, r->w, head, tui_attr(app, TUI_S_ERROR), true);
		return;
	}
	snprintf(head, sizeof head, "Transactions of %s: %d incoming to accept (a), then all, newest first%s",
		 s->account, s->nincoming, s->next[0] ? "" : "");
	tui_text(r->y, r->x, r->w, head, tui_attr(app, TUI_S_HEADER), true);
	char cols[256];
	snprintf(cols, sizeof cols, "  %-18s %-16s %-16s %-8s %-12s %-18s %s", "transaction",
		 "time (UTC)", "action", "state", "other side", "answers", "entry");
	tui_text(r->y + 1, r->x, r->w, cols, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 2;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const trow *t = &s->rows[top + i];
		char tm[32], line[512];
		const char *state = t->incoming ? "> ACCEPT" : t->open ? "open" : "";
		const char *other = t->incoming ? t->account : t->holder[0] ? t->holder : t->peer;
		char who[64];
		snprintf(line, sizeof line, "%c %-18s %-16s %-16s %-8s %s %-18s %lld",
			 t->incoming ? '!' : ' ', t->number, view_time(t->time, tm, sizeof tm), t->action,
			 state, tui_fit(other, 12, who, sizeof who), t->ref, (long long)t->index);
		tui_style st = top + i == s->cursor ? TUI_S_CURSOR
			       : t->incoming		 ? TUI_S_WARN
						 : TUI_S_NORMAL;
		tui_text(r->y + 2 + i, r->x, r->w, line, tui_attr(app, st), true);
	}
	if (s->n == 0)
		tui_text(r->y + 2, r->x + 1, r->w - 1, "No transactions yet.", tui_attr(app, TUI_S_DIM),
			 true);
}

static tui_result txn_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	txn_state *s = v->state;
	if (view_list_move(app, a, v->page_rows, s, &s->cursor, &s->n, s->next, txn_page))
		return TUI_HANDLED;
	switch (a) {
	case A_OPEN:
		if (s->n > 0) {
			const trow *t = &s->rows[s->cursor];
			char title[128];
			snprintf(title, sizeof title, "Items of %s (%s)", t->number, t->action);
			view_holdings_arg arg = {.account = "", .txn = t->number, .title = title};
			(void)tui_push(app, &view_holdings_ops, &arg);
		}
		return TUI_HANDLED;
	case A_PRINT:
		if (s->n > 0)
			view_print(app, s->rows[s->cursor].number, s->rows[s->cursor].action);
		else
			view_print(app, NULL, NULL);
		return TUI_HANDLED;
	case A_ACCEPT:
	case A_REJECT:
	case A_RECALL: {
		tui_selection sel;
		memset(&sel, 0, sizeof sel);
		view_copy(sel.account, sizeof sel.account, s->account);
		if (s->n > 0) {
			const trow *t = &s->rows[s->cursor];
			bool ours = t->open && strcmp(t->action, "transfer") == 0;
			if (a == A_RECALL ? ours && !t->incoming : t->incoming || ours) {
				view_copy(sel.txn, sizeof sel.txn, t->number);
				view_copy(sel.txn_action, sizeof sel.txn_action, t->action);
				view_copy(sel.txn_peer, sizeof sel.txn_peer, t->incoming ? t->account : t->peer);
			}
		}
		view_open_form(app, a, &sel);
		return TUI_HANDLED;
	}
	default:
		return TUI_UNHANDLED;
	}
}

static void txn_done(tui_app *app, tui_view *v)
{
	(void)app;
	txn_state *s = v->state;
	if (s != NULL)
		free(s->rows);
	free(s);
}

const tui_view_ops view_txns_ops = {
	.name = "Transactions",
	.kind = TUI_V_TXNS,
	.open = txn_open,
	.draw = txn_draw,
	.key = txn_key,
	.reload = txn_reload,
	.done = txn_done,
};
