/* view_log.c: the signed log, newest first, paged by index from either
 * end (a window of at most WINDOW_MAX entries); Enter shows an entry's
 * signed note exactly as stored; `v` verifies the whole log (chain,
 * signatures by the key registry, replay against the state tables) with
 * a progress bar, and names the first failing entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/logverify.h"
#include "../src/query.h"
#include "views.h"

#define PAGE 200
#define WINDOW_MAX 600
#define DIFFS_MAX 12

typedef struct lrow {
	int64_t index;
	char time[32], action[24], txn[ENTRY_TXN_MAX + 1], account[ENTRY_ACCOUNT_LEN + 1];
	char peer[ENTRY_ACCOUNT_LEN + 1];
	char signers[2 * (KEY_NAME_MAX + 1)];
} lrow;

typedef struct log_state {
	lrow *rows;
	int n, cursor, top;
	bool more_before, more_after; /* newer above / older below the window */
	char error[300];
	/* the last verification */
	bool verified;
	char verdict[700];
	bool verdict_ok;
	char diffs[DIFFS_MAX][200];
	int ndiffs;
	uint64_t ndiff_total;
} log_state;

static void row_from(lrow *r, const query_log_row *q)
{
	memset(r, 0, sizeof *r);
	r->index = q->index;
	view_copy(r->time, sizeof r->time, q->time);
	view_copy(r->action, sizeof r->action, q->action);
	view_copy(r->txn, sizeof r->txn, q->txn);
	view_copy(r->account, sizeof r->account, q->account);
	view_copy(r->peer, sizeof r->peer, q->peer);
	view_copy(r->signers, sizeof r->signers, q->signers);
}

static status fetch(tui_app *app, log_state *s, const query_log_filter *f, query_log *out)
{
	errbuf err = {0};
	status st = query_log_list(app->db, f, out, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_log_list(app->db, f, out, &err);
	if (st != ST_OK)
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
	else
		s->error[0] = '\0';
	return st;
}

/* The newest page (top) or the oldest (bottom). */
static void load_edge(tui_app *app, log_state *s, bool newest)
{
	query_log_filter f = {.limit = PAGE, .backward = !newest};
	query_log q;
	if (fetch(app, s, &f, &q) != ST_OK)
		return;
	s->n = 0;
	for (size_t i = 0; i < q.n; i++)
		row_from(&s->rows[s->n++], &q.rows[i]);
	s->more_before = !newest && q.next[0] != '\0';
	s->more_after = newest && q.next[0] != '\0';
	s->cursor = newest ? 0 : (s->n ? s->n - 1 : 0);
	s->top = s->cursor;
	query_log_free(&q);
}

static void extend(tui_app *app, log_state *s, bool older)
{
	if (s->n == 0 || !(older ? s->more_after : s->more_before))
		return;
	char at[QUERY_CURSOR_MAX];
	errbuf err = {0};
	if (query_log_cursor(s->rows[older ? s->n - 1 : 0].index, at, &err) != ST_OK)
		return;
	query_log_filter f = {.limit = PAGE, .after = at, .backward = !older};
	query_log q;
	if (fetch(app, s, &f, &q) != ST_OK)
		return;
	int add = (int)q.n;
	if (older) {
		int drop = s->n + add - WINDOW_MAX;
		if (drop > 0) {
			memmove(s->rows, s->rows + drop, (size_t)(s->n - drop) * sizeof *s->rows);
			s->n -= drop, s->cursor -= drop, s->top -= drop;
			s->more_before = true;
		}
		for (int i = 0; i < add; i++)
			row_from(&s->rows[s->n++], &q.rows[i]);
		s->more_after = q.next[0] != '\0';
	} else {
		if (s->n + add > WINDOW_MAX) {
			s->n = WINDOW_MAX - add;
			s->more_after = true;
		}
		memmove(s->rows + add, s->rows, (size_t)s->n * sizeof *s->rows);
		for (int i = 0; i < add; i++)
			row_from(&s->rows[i], &q.rows[i]);
		s->n += add, s->cursor += add, s->top += add;
		s->more_before = q.next[0] != '\0';
	}
	query_log_free(&q);
}

static void move_cursor(tui_app *app, log_state *s, int delta)
{
	int want = s->cursor + delta;
	while (want >= s->n && s->more_after) {
		int before = s->cursor;
		int n = s->n;
		extend(app, s, true);
		want += s->cursor - before;
		if (s->n == n && s->cursor == before)
			break;
	}
	while (want < 0 && s->more_before) {
		int before = s->cursor;
		int n = s->n;
		extend(app, s, false);
		want += s->cursor - before;
		if (s->n == n && s->cursor == before)
			break;
	}
	if (want >= s->n)
		want = s->n - 1;
	if (want < 0)
		want = 0;
	s->cursor = want;
}

/* ---- verification ------------------------------------------------------------- */

typedef struct verify_ctx {
	tui_app *app;
	log_state *s;
	struct timespec last; /* the last progress drawn */
} verify_ctx;

/* Draw the progress bar on the message line, at most every 40 ms (and at
 * the end of each phase). */
static void on_progress(void *ctx, uint64_t done, uint64_t total, const char *phase)
{
	verify_ctx *v = ctx;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (long)(now.tv_sec - v->last.tv_sec) * 1000 + (now.tv_nsec - v->last.tv_nsec) / 1000000;
	if (ms < 40 && done != 0 && done != total)
		return;
	v->last = now;
	int w = COLS - 40;
	if (w < 10)
		w = 10;
	if (w > 60)
		w = 60;
	int fill = total ? (int)((double)done / (double)total * w) : 0;
	if (fill > w)
		fill = w;
	char bar[80], line[200];
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(w - fill));
	bar[w] = '\0';
	int pct = total ? (int)(100.0 * (double)done / (double)total) : 0;
	if (strcmp(phase, "tables") == 0)
		snprintf(line, sizeof line, "Verifying: comparing the state tables %llu/%llu [%s]",
			 (unsigned long long)done + 1, (unsigned long long)total, bar);
	else
		snprintf(line, sizeof line, "Verifying: [%s] %3d%%  %llu of %llu entries", bar, pct,
			 (unsigned long long)done, (unsigned long long)total);
	tui_text(LINES - 2, 0, COLS, line, tui_attr(v->app, TUI_S_WARN), true);
	refresh();
}

static void on_diff(void *ctx, const char *line)
{
	verify_ctx *v = ctx;
	if (v->s->ndiffs < DIFFS_MAX)
		view_copy(v->s->diffs[v->s->ndiffs++], sizeof v->s->diffs[0], line);
}

static void verify(tui_app *app, tui_view *view)
{
	log_state *s = view->state;
	logverify_report rep;
	errbuf err = {0};
	verify_ctx vc = {app, s, {0, 0}};
	s->ndiffs = 0;
	tui_message(app, TUI_MSG_INFO, "Verifying the log...");
	tui_redraw(app);
	status st = logverify_run_progress(app->db, &rep, on_diff, &vc, on_progress, &vc, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = logverify_run_progress(app->db, &rep, on_diff, &vc, on_progress, &vc, &err);
	s->verified = true;
	s->ndiff_total = rep.differences;
	if (st != ST_OK) {
		s->verdict_ok = false;
		snprintf(s->verdict, sizeof s->verdict, "could not verify: %s", err_text(&err, st));
		tui_message(app, TUI_MSG_ERROR, "%s", s->verdict);
		return;
	}
	if (rep.valid) {
		s->verdict_ok = true;
		snprintf(s->verdict, sizeof s->verdict,
			 "VALID: %llu entries; chain, signatures, roles and custody rules verified; "
			 "the state tables match the replay",
			 (unsigned long long)rep.entries);
		tui_message(app, TUI_MSG_OK, "the log verifies: %llu entries", (unsigned long long)rep.entries);
		return;
	}
	s->verdict_ok = false;
	if (!rep.log_ok) {
		snprintf(s->verdict, sizeof s->verdict, "FAILED at entry %llu: %s",
			 (unsigned long long)rep.failed_index, rep.reason);
		tui_message(app, TUI_MSG_ERROR, "the log fails verification at entry %llu",
			    (unsigned long long)rep.failed_index);
		/* put the cursor on the failing entry if it is in the window */
		for (int i = 0; i < s->n; i++)
			if ((uint64_t)s->rows[i].index == rep.failed_index)
				s->cursor = i;
	} else {
		snprintf(s->verdict, sizeof s->verdict,
			 "FAILED: the log's %llu entries verify, but %llu state row%s from its replay",
			 (unsigned long long)rep.entries, (unsigned long long)rep.differences,
			 rep.differences == 1 ? " differs" : "s differ");
		tui_message(app, TUI_MSG_ERROR, "the state tables differ from the log in %llu row%s",
			    (unsigned long long)rep.differences, rep.differences == 1 ? "" : "s");
	}
}

/* ---- one entry's note ----------------------------------------------------------- */

typedef struct note_state {
	int64_t index;
	char *text;
	char **lines;
	int n, top;
} note_state;

static status note_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	note_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	s->index = *(const int64_t *)arg;
	size_t len;
	status st = query_log_note(app->db, s->index, &s->text, &len, err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_log_note(app->db, s->index, &s->text, &len, err);
	if (st != ST_OK)
		return st;
	int cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += s->text[i] == '\n';
	if ((s->lines = calloc((size_t)cap, sizeof *s->lines)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (char *p = s->text; p != NULL && s->n < cap;) {
		s->lines[s->n++] = p;
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
	}
	if (s->n > 0 && s->lines[s->n - 1][0] == '\0')
		s->n--;
	return ST_OK;
}

static void note_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	note_state *s = v->state;
	char head[128];
	snprintf(head, sizeof head, "Log entry %lld: the signed note exactly as stored", (long long)s->index);
	tui_text(r->y, r->x, r->w, head, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 1;
	if (s->top > s->n - visible)
		s->top = s->n - visible;
	if (s->top < 0)
		s->top = 0;
	for (int i = 0; i < visible && s->top + i < s->n; i++)
		tui_text(r->y + 1 + i, r->x + 1, r->w - 1, s->lines[s->top + i], A_NORMAL, true);
}

static tui_result note_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)app;
	(void)key;
	note_state *s = v->state;
	switch (a) {
	case A_UP: s->top--; return TUI_HANDLED;
	case A_DOWN: s->top++; return TUI_HANDLED;
	case A_PGUP: s->top -= v->page_rows; return TUI_HANDLED;
	case A_PGDN: s->top += v->page_rows; return TUI_HANDLED;
	case A_HOME: s->top = 0; return TUI_HANDLED;
	case A_END: s->top = s->n; return TUI_HANDLED;
	default: return TUI_UNHANDLED;
	}
}

static void note_done(tui_app *app, tui_view *v)
{
	(void)app;
	note_state *s = v->state;
	if (s != NULL) {
		free(s->lines);
		free(s->text);
	}
	free(s);
}

static const tui_view_ops view_note_ops = {
	.name = "Entry",
	.kind = TUI_V_ITEM,
	.open = note_open,
	.draw = note_draw,
	.key = note_key,
	.done = note_done,
};

/* ---- the view ---------------------------------------------------------------------- */

static status log_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)arg;
	log_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = s;
	if ((s->rows = calloc(WINDOW_MAX, sizeof *s->rows)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	load_edge(app, s, true);
	return ST_OK;
}

static void log_reload(tui_app *app, tui_view *v)
{
	log_state *s = v->state;
	/* New entries arrive at the top: start there again. */
	load_edge(app, s, true);
}

static void log_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	log_state *s = v->state;
	char head[400];
	int y = r->y;
	snprintf(head, sizeof head, "Log %s: %lld entries, newest first%s", app->origin,
		 (long long)app->log_size,
		 tui_action_allowed(A_VERIFY, tui_roles(app)) ? "   (v verifies it all)" : "");
	tui_text(y++, r->x, r->w, head, tui_attr(app, TUI_S_HEADER), true);
	if (s->verified) {
		tui_text(y++, r->x + 1, r->w - 1, s->verdict,
			 tui_attr(app, s->verdict_ok ? TUI_S_OK : TUI_S_ERROR), true);
		for (int i = 0; i < s->ndiffs && y < r->y + r->h - 4; i++) {
			char d[260];
			snprintf(d, sizeof d, "  differs: %s", s->diffs[i]);
			tui_text(y++, r->x + 1, r->w - 1, d, tui_attr(app, TUI_S_ERROR), true);
		}
		if (s->ndiff_total > (uint64_t)s->ndiffs && y < r->y + r->h - 4) {
			char d[80];
			snprintf(d, sizeof d, "  ... and %llu more (custos log verify lists them all)",
				 (unsigned long long)(s->ndiff_total - (uint64_t)s->ndiffs));
			tui_text(y++, r->x + 1, r->w - 1, d, tui_attr(app, TUI_S_ERROR), true);
		}
	}
	if (s->error[0] != '\0') {
		char e[400];
		snprintf(e, sizeof e, "cannot read the log: %s (F5 tries again)", s->error);
		tui_text(y++, r->x + 1, r->w - 1, e, tui_attr(app, TUI_S_ERROR), true);
	}
	char cols[256];
	snprintf(cols, sizeof cols, "  %8s  %-16s  %-16s  %-18s  %-7s %-7s %s", "entry", "time (UTC)",
		 "action", "transaction", "account", "to", "signers");
	tui_text(y++, r->x, r->w, cols, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->y + r->h - y;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const lrow *e = &s->rows[top + i];
		char t[32], line[600];
		snprintf(line, sizeof line, "  %8lld  %-16s  %-16s  %-18s  %-7s %-7s %s", (long long)e->index,
			 view_time(e->time, t, sizeof t), e->action, e->txn[0] ? e->txn : "-",
			 e->account[0] ? e->account : "-", e->peer[0] ? e->peer : "-", e->signers);
		tui_text(y + i, r->x, r->w, line,
			 tui_attr(app, top + i == s->cursor ? TUI_S_CURSOR : TUI_S_NORMAL), true);
	}
}

static tui_result log_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)key;
	log_state *s = v->state;
	int page = v->page_rows > 1 ? v->page_rows - 1 : 1;
	switch (a) {
	case A_UP: move_cursor(app, s, -1); return TUI_HANDLED;
	case A_DOWN: move_cursor(app, s, 1); return TUI_HANDLED;
	case A_PGUP: move_cursor(app, s, -page); return TUI_HANDLED;
	case A_PGDN: move_cursor(app, s, page); return TUI_HANDLED;
	case A_HOME: load_edge(app, s, true); return TUI_HANDLED;
	case A_END: load_edge(app, s, false); return TUI_HANDLED;
	case A_OPEN:
		if (s->n > 0)
			(void)tui_push(app, &view_note_ops, &s->rows[s->cursor].index);
		return TUI_HANDLED;
	case A_PRINT:
		if (s->n > 0)
			view_print(app, s->rows[s->cursor].txn, s->rows[s->cursor].action);
		else
			view_print(app, NULL, NULL);
		return TUI_HANDLED;
	case A_VERIFY:
		if (tui_allowed(app, a))
			verify(app, v);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void log_done(tui_app *app, tui_view *v)
{
	(void)app;
	log_state *s = v->state;
	if (s != NULL)
		free(s->rows);
	free(s);
}

const tui_view_ops view_log_ops = {
	.name = "Log",
	.kind = TUI_V_LOG,
	.open = log_open,
	.draw = log_draw,
	.key = log_key,
	.reload = log_reload,
	.done = log_done,
};
