/* view_holdings.c: the account's material.
 *
 * The screen keeps a window of at most WINDOW_MAX rows around the cursor,
 * fetched by key from either edge (query_holdings forward and backward),
 * so a million items open as fast as ten and memory stays bounded: moving
 * past an edge fetches the next page there and drops rows from the other
 * end.  Marks are kept apart from the window (at most ENTRY_MAX_ITEMS, what
 * one entry can list), so marked items stay marked when scrolled away. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/query.h"
#include "views.h"

#define PAGE 200
#define WINDOW_MAX 600
#define SEARCH_MAX 64

typedef struct hrow {
	char account[ENTRY_ACCOUNT_LEN + 1];
	char title[ENTRY_TITLE_MAX + 1];
	char edition[ENTRY_EDITION_MAX + 1];
	char serial[ENTRY_SERIAL_MAX + 1];
	char kind[12], cls[4], status[16];
	int alc;
	bool crypto;
	long long qty;
	char supersedes[12];
	char holder[KEY_NAME_MAX + 1];
	char peer[ENTRY_ACCOUNT_LEN + 1];
	char incident[ENTRY_TXN_MAX + 1];
	char last_txn[ENTRY_TXN_MAX + 1];
} hrow;

static const char *const STATUS_CHOICES[] = {"open",       "all",         "on_hand",
					     "issued",     "in_transit",  "incident",
					     "transferred", "destroyed",  "relieved"};
static const char *const KIND_CHOICES[] = {"", "key", "equipment", "publication"};
static const char *const CLASS_CHOICES[] = {"", "U", "C", "S", "TS"};
static const int ALC_CHOICES[] = {0, 1, 2, 4, 6, 7};
static const char *const SORTS[] = {"title", "serial", "status"};
#define NCHOICE(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef enum mode { M_LIST, M_SEARCH, M_FILTER } mode;

typedef struct hold_state {
	/* what is listed */
	char account[ENTRY_ACCOUNT_LEN + 1]; /* "" = every account the login sees */
	char txn[ENTRY_TXN_MAX + 1];         /* "" or: only this transaction's items */
	char heading[160];
	int status_i, kind_i, class_i, alc_i, sort_i;
	/* the window */
	hrow *rows;
	int n, cursor, top;
	bool more_before, more_after;
	char error[300];
	/* marks */
	tui_sel_item *marks;
	size_t nmarks;
	/* search */
	mode mode;
	char search[SEARCH_MAX + 1]; /* the last search */
	char typing[SEARCH_MAX + 1]; /* the prompt being typed */
	int filter_field;            /* M_FILTER: 0..3 */
	int f_status, f_kind, f_class, f_alc; /* M_FILTER: the values being chosen */
	uint64_t account_gen;        /* which app->account this was opened for */
	bool form_marks;             /* a form was opened from here with the marks, */
	uint64_t form_gen;           /* at this app->generation */
} hold_state;

/* ---- rows -------------------------------------------------------------------- */

static void row_from(hrow *r, const query_item *it)
{
	memset(r, 0, sizeof *r);
	view_copy(r->account, sizeof r->account, it->account);
	view_copy(r->title, sizeof r->title, it->title);
	view_copy(r->edition, sizeof r->edition, it->edition);
	view_copy(r->serial, sizeof r->serial, it->serial);
	view_copy(r->kind, sizeof r->kind, it->kind);
	view_copy(r->cls, sizeof r->cls, it->cls);
	view_copy(r->status, sizeof r->status, it->status);
	r->alc = it->alc;
	r->crypto = it->crypto;
	r->qty = (long long)it->qty;
	view_copy(r->supersedes, sizeof r->supersedes, it->supersedes);
	view_copy(r->holder, sizeof r->holder, it->holder);
	view_copy(r->peer, sizeof r->peer, it->peer);
	view_copy(r->incident, sizeof r->incident, it->incident);
	view_copy(r->last_txn, sizeof r->last_txn, it->last_txn);
}

/* A query_item pointing into r, for making a cursor at r. */
static query_item item_of(const hrow *r)
{
	query_item it = {0};
	it.account = r->account;
	it.title = r->title;
	it.edition = r->edition;
	it.serial = r->serial;
	it.status = r->status;
	return it;
}

static query_holdings_filter filter_of(const hold_state *h)
{
	query_holdings_filter f = {0};
	f.account = h->account[0] ? h->account : NULL;
	f.status = STATUS_CHOICES[h->status_i];
	f.kind = KIND_CHOICES[h->kind_i];
	f.cls = CLASS_CHOICES[h->class_i];
	f.alc = ALC_CHOICES[h->alc_i];
	f.sort = SORTS[h->sort_i];
	f.limit = PAGE;
	return f;
}

/* Compare two rows in the list's order (bytewise, as the server's "C"
 * collation). */
static int row_cmp(const hold_state *h, const hrow *a, const hrow *b)
{
	const char *ka[5], *kb[5];
	int n;
	if (h->sort_i == 1) {
		n = 4;
		ka[0] = a->serial, ka[1] = a->account, ka[2] = a->title, ka[3] = a->edition;
		kb[0] = b->serial, kb[1] = b->account, kb[2] = b->title, kb[3] = b->edition;
	} else if (h->sort_i == 2) {
		n = 5;
		ka[0] = a->status, ka[1] = a->account, ka[2] = a->title, ka[3] = a->edition, ka[4] = a->serial;
		kb[0] = b->status, kb[1] = b->account, kb[2] = b->title, kb[3] = b->edition, kb[4] = b->serial;
	} else {
		n = 4;
		ka[0] = a->account, ka[1] = a->title, ka[2] = a->edition, ka[3] = a->serial;
		kb[0] = b->account, kb[1] = b->title, kb[2] = b->edition, kb[3] = b->serial;
	}
	for (int i = 0; i < n; i++) {
		int c = strcmp(ka[i], kb[i]);
		if (c != 0)
			return c;
	}
	return 0;
}

/* Run one page query, reconnecting once if the connection was lost. */
static status fetch(tui_app *app, hold_state *h, const query_holdings_filter *f, query_items *out)
{
	errbuf err = {0};
	status st = query_holdings(app->db, f, out, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_holdings(app->db, f, out, &err);
	if (st != ST_OK)
		snprintf(h->error, sizeof h->error, "%s", err_text(&err, st));
	else
		h->error[0] = '\0';
	return st;
}

/* Replace the window with `back` (rows before, list order) then `fwd`. */
static void window_set(hold_state *h, const query_items *back, const query_items *fwd)
{
	h->n = 0;
	if (back != NULL)
		for (size_t i = 0; i < back->n && h->n < WINDOW_MAX; i++)
			row_from(&h->rows[h->n++], &back->rows[i]);
	if (fwd != NULL)
		for (size_t i = 0; i < fwd->n && h->n < WINDOW_MAX; i++)
			row_from(&h->rows[h->n++], &fwd->rows[i]);
}

/* The window around `anchor` (NULL: the list's start), the cursor on the
 * first row at or after it. */
static status load_around(tui_app *app, hold_state *h, const hrow *anchor)
{
	query_holdings_filter f = filter_of(h);
	query_items back = {0}, fwd = {0};
	char at[QUERY_CURSOR_MAX] = "", before[QUERY_CURSOR_MAX] = "";
	errbuf err = {0};
	status st = ST_OK;
	if (h->txn[0] != '\0') {
		st = query_txn_items(app->db, h->txn, &fwd, &err);
		if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			st = query_txn_items(app->db, h->txn, &fwd, &err);
		if (st != ST_OK) {
			snprintf(h->error, sizeof h->error, "%s", err_text(&err, st));
			return st;
		}
		h->error[0] = '\0';
		window_set(h, NULL, &fwd);
		h->more_before = h->more_after = false;
		h->cursor = 0;
		if (anchor != NULL)
			for (int i = 0; i < h->n; i++)
				if (row_cmp(h, &h->rows[i], anchor) >= 0) {
					h->cursor = i;
					break;
				}
		query_items_free(&fwd);
		return ST_OK;
	}
	if (anchor != NULL) {
		query_item it = item_of(anchor);
		if ((st = query_holdings_cursor(&f, &it, at, &err)) != ST_OK)
			return st;
		f.after = at;
		f.backward = true;
		f.limit = PAGE / 2;
		if ((st = fetch(app, h, &f, &back)) != ST_OK)
			return st;
		if (back.n > 0) {
			query_item last = back.rows[back.n - 1];
			if ((st = query_holdings_cursor(&f, &last, before, &err)) != ST_OK)
				goto out;
		}
	}
	f.after = before[0] ? before : NULL;
	f.backward = false;
	f.limit = PAGE;
	if ((st = fetch(app, h, &f, &fwd)) != ST_OK)
		goto out;
	window_set(h, &back, &fwd);
	h->more_before = back.next[0] != '\0';
	h->more_after = fwd.next[0] != '\0';
	h->cursor = (int)back.n;
	if (h->cursor >= h->n)
		h->cursor = h->n > 0 ? h->n - 1 : 0;
	h->top = h->cursor;
out:
	query_items_free(&back);
	query_items_free(&fwd);
	return st;
}

/* The list's last page, cursor on its last row. */
static status load_last(tui_app *app, hold_state *h)
{
	if (h->txn[0] != '\0') {
		h->cursor = h->n ? h->n - 1 : 0;
		return ST_OK;
	}
	query_holdings_filter f = filter_of(h);
	f.backward = true;
	query_items back = {0};
	status st = fetch(app, h, &f, &back);
	if (st != ST_OK)
		return st;
	window_set(h, &back, NULL);
	h->more_before = back.next[0] != '\0';
	h->more_after = false;
	h->cursor = h->n ? h->n - 1 : 0;
	query_items_free(&back);
	return ST_OK;
}

/* Fetch the page after the window's last row; drop rows from the front
 * beyond WINDOW_MAX. */
static status extend_after(tui_app *app, hold_state *h)
{
	if (!h->more_after || h->n == 0)
		return ST_OK;
	query_holdings_filter f = filter_of(h);
	char at[QUERY_CURSOR_MAX];
	errbuf err = {0};
	query_item it = item_of(&h->rows[h->n - 1]);
	status st = query_holdings_cursor(&f, &it, at, &err);
	if (st != ST_OK)
		return st;
	f.after = at;
	query_items fwd = {0};
	if ((st = fetch(app, h, &f, &fwd)) != ST_OK)
		return st;
	int add = (int)fwd.n, drop = h->n + add - WINDOW_MAX;
	if (drop > 0) {
		memmove(h->rows, h->rows + drop, (size_t)(h->n - drop) * sizeof *h->rows);
		h->n -= drop;
		h->cursor -= drop;
		h->top -= drop;
		h->more_before = true;
	}
	for (int i = 0; i < add; i++)
		row_from(&h->rows[h->n++], &fwd.rows[i]);
	h->more_after = fwd.next[0] != '\0';
	query_items_free(&fwd);
	return ST_OK;
}

/* Fetch the page before the window's first row; drop rows from the end. */
static status extend_before(tui_app *app, hold_state *h)
{
	if (!h->more_before || h->n == 0)
		return ST_OK;
	query_holdings_filter f = filter_of(h);
	char at[QUERY_CURSOR_MAX];
	errbuf err = {0};
	query_item it = item_of(&h->rows[0]);
	status st = query_holdings_cursor(&f, &it, at, &err);
	if (st != ST_OK)
		return st;
	f.after = at;
	f.backward = true;
	query_items back = {0};
	if ((st = fetch(app, h, &f, &back)) != ST_OK)
		return st;
	int add = (int)back.n;
	if (h->n + add > WINDOW_MAX) {
		h->n = WINDOW_MAX - add;
		h->more_after = true;
	}
	memmove(h->rows + add, h->rows, (size_t)h->n * sizeof *h->rows);
	for (int i = 0; i < add; i++)
		row_from(&h->rows[i], &back.rows[i]);
	h->n += add;
	h->cursor += add;
	h->top += add;
	h->more_before = back.next[0] != '\0';
	query_items_free(&back);
	return ST_OK;
}

/* Move the cursor by delta rows, fetching across the window's edges. */
static void move_cursor(tui_app *app, hold_state *h, int delta)
{
	int want = h->cursor + delta;
	while (want >= h->n && h->more_after) {
		int before = h->cursor;
		if (extend_after(app, h) != ST_OK)
			break;
		want += h->cursor - before; /* rows dropped at the front */
	}
	while (want < 0 && h->more_before) {
		int before = h->cursor;
		if (extend_before(app, h) != ST_OK)
			break;
		want += h->cursor - before;
	}
	if (want >= h->n)
		want = h->n - 1;
	if (want < 0)
		want = 0;
	h->cursor = want;
}

/* ---- marks ------------------------------------------------------------------------ */

static bool same_item(const tui_sel_item *m, const hrow *r)
{
	return strcmp(m->title, r->title) == 0 && strcmp(m->edition, r->edition) == 0 &&
	       strcmp(m->serial, r->serial) == 0;
}

static int mark_find(const hold_state *h, const hrow *r)
{
	for (size_t i = 0; i < h->nmarks; i++)
		if (same_item(&h->marks[i], r))
			return (int)i;
	return -1;
}

static void sel_from(tui_sel_item *m, const hrow *r)
{
	memset(m, 0, sizeof *m);
	view_copy(m->account, sizeof m->account, r->account);
	view_copy(m->title, sizeof m->title, r->title);
	view_copy(m->edition, sizeof m->edition, r->edition);
	view_copy(m->serial, sizeof m->serial, r->serial);
	view_copy(m->kind, sizeof m->kind, r->kind);
	view_copy(m->cls, sizeof m->cls, r->cls);
	view_copy(m->status, sizeof m->status, r->status);
	view_copy(m->holder, sizeof m->holder, r->holder);
	view_copy(m->last_txn, sizeof m->last_txn, r->last_txn);
	m->qty = r->qty > 0 && r->qty <= ENTRY_QTY_MAX ? (uint32_t)r->qty : 0;
}

static void toggle_mark(tui_app *app, hold_state *h)
{
	if (h->n == 0)
		return;
	const hrow *r = &h->rows[h->cursor];
	int k = mark_find(h, r);
	if (k >= 0) {
		h->marks[k] = h->marks[--h->nmarks];
	} else if (h->nmarks == ENTRY_MAX_ITEMS) {
		tui_message(app, TUI_MSG_WARN, "at most %d items in one entry", ENTRY_MAX_ITEMS);
		return;
	} else {
		sel_from(&h->marks[h->nmarks++], r);
	}
	move_cursor(app, h, 1);
}

/* ---- search ----------------------------------------------------------------------- */

#define SEARCH_FEW 100

/* The nearest match of h->search after (forward) or before the cursor row
 * (from the list's edge when `from_edge`); true if found, with it in *out.
 * Two probes, by title prefix and by serial prefix; each first fetches up
 * to SEARCH_FEW matches in list order with no cursor (the prefix indexes
 * find those at once) and picks the nearest here.  Only a prefix with more
 * matches than that (dense ones, which a walk in list order meets at once)
 * is asked with the cursor.  The nearer of the two probes wins. */
static bool find_match(tui_app *app, hold_state *h, bool forward, bool from_edge, hrow *out)
{
	bool found = false;
	char at[QUERY_CURSOR_MAX] = "";
	errbuf err = {0};
	query_holdings_filter base = filter_of(h);
	const hrow *cur = !from_edge && h->n > 0 ? &h->rows[h->cursor] : NULL;
	for (int by = 0; by < 2; by++) {
		query_holdings_filter f = base;
		if (by == 0)
			f.title = h->search;
		else
			f.serial = h->search;
		f.limit = SEARCH_FEW;
		query_items page = {0};
		if (fetch(app, h, &f, &page) != ST_OK)
			return false;
		if (page.next[0] != '\0' && cur != NULL) {
			/* dense: ask for the one next to the cursor */
			query_items_free(&page);
			if (at[0] == '\0') {
				query_item it = item_of(cur);
				if (query_holdings_cursor(&base, &it, at, &err) != ST_OK)
					return false;
			}
			f.after = at;
			f.backward = !forward;
			f.limit = 1;
			if (fetch(app, h, &f, &page) != ST_OK)
				return false;
		} else if (page.next[0] != '\0' && !forward) {
			/* dense, from the end: the last match */
			query_items_free(&page);
			f.backward = true;
			f.limit = 1;
			if (fetch(app, h, &f, &page) != ST_OK)
				return false;
		}
		/* the nearest of these in the direction asked */
		for (size_t i = 0; i < page.n; i++) {
			hrow cand;
			row_from(&cand, &page.rows[i]);
			if (cur != NULL && (forward ? row_cmp(h, &cand, cur) <= 0 : row_cmp(h, &cand, cur) >= 0))
				continue;
			if (!found || (forward ? row_cmp(h, &cand, out) < 0 : row_cmp(h, &cand, out) > 0)) {
				*out = cand;
				found = true;
			}
		}
		query_items_free(&page);
	}
	return found;
}

static void search_go(tui_app *app, hold_state *h, bool forward, bool fresh)
{
	if (h->search[0] == '\0') {
		tui_message(app, TUI_MSG_INFO, "no search yet: / starts one");
		return;
	}
	hrow match;
	bool wrapped = false;
	bool found;
	if (h->txn[0] != '\0') {
		/* a transaction's few items: look through them here */
		int n = h->n, start = fresh ? (forward ? -1 : n) : h->cursor;
		size_t sl = strlen(h->search);
		for (int k = 1; k <= n; k++) {
			int i = forward ? start + k : start - k;
			if (i >= n || i < 0) {
				wrapped = true;
				i = (i % n + n) % n;
			}
			const hrow *r = &h->rows[i];
			if (strncmp(r->title, h->search, sl) == 0 || strncmp(r->serial, h->search, sl) == 0) {
				h->cursor = i;
				if (wrapped && !fresh)
					tui_message(app, TUI_MSG_INFO, "search went round the list");
				return;
			}
		}
		tui_message(app, TUI_MSG_WARN, "no item's short title or serial starts with \"%s\"",
			    h->search);
		return;
	}
	found = find_match(app, h, forward, fresh, &match);
	if (!found && !fresh && h->error[0] == '\0') {
		found = find_match(app, h, forward, true, &match);
		wrapped = found;
	}
	if (!found) {
		if (h->error[0] == '\0')
			tui_message(app, TUI_MSG_WARN,
				    "no item here whose short title or serial starts with \"%s\"",
				    h->search);
		return;
	}
	(void)load_around(app, h, &match);
	if (wrapped)
		tui_message(app, TUI_MSG_INFO, "search went round the list to the %s",
			    forward ? "top" : "bottom");
}

/* A key typed into the search prompt. */
static void prompt_key(tui_app *app, hold_state *h, int key)
{
	size_t len = strlen(h->typing);
	if (key == TUI_ESC) {
		h->mode = M_LIST;
		return;
	}
	if (key == TUI_ENTER || key == '\r' || key == TUI_FN(KEY_ENTER)) {
		h->mode = M_LIST;
		if (h->typing[0] == '\0')
			return;
		memcpy(h->search, h->typing, sizeof h->search);
		search_go(app, h, true, true);
		return;
	}
	if (key == 0x7f || key == 0x08 || key == TUI_FN(KEY_BACKSPACE)) {
		while (len > 0 && ((unsigned char)h->typing[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		h->typing[len] = '\0';
		return;
	}
	if (key == TUI_CTRL('u')) {
		h->typing[0] = '\0';
		return;
	}
	if (TUI_IS_FN(key) || key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0) || key > 0x10ffff)
		return;
	char u[5];
	size_t ul;
	unsigned c = (unsigned)key;
	if (c < 0x80)
		u[0] = (char)c, ul = 1;
	else if (c < 0x800)
		u[0] = (char)(0xc0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3f)), ul = 2;
	else if (c < 0x10000)
		u[0] = (char)(0xe0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3f)),
		u[2] = (char)(0x80 | (c & 0x3f)), ul = 3;
	else
		u[0] = (char)(0xf0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3f)),
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), ul = 4;
	if (len + ul > SEARCH_MAX)
		return;
	memcpy(h->typing + len, u, ul);
	h->typing[len + ul] = '\0';
}

/* ---- filter ------------------------------------------------------------------------- */

static void filter_key(tui_app *app, hold_state *h, int key, tui_action a)
{
	int *val[] = {&h->f_status, &h->f_kind, &h->f_class, &h->f_alc};
	int nval[] = {NCHOICE(STATUS_CHOICES), NCHOICE(KIND_CHOICES), NCHOICE(CLASS_CHOICES),
		      NCHOICE(ALC_CHOICES)};
	if (key == TUI_ESC || a == A_BACK) {
		h->mode = M_LIST;
		return;
	}
	if (key == TUI_ENTER || key == '\r' || key == TUI_FN(KEY_ENTER) || a == A_FILTER) {
		h->mode = M_LIST;
		h->status_i = h->f_status, h->kind_i = h->f_kind;
		h->class_i = h->f_class, h->alc_i = h->f_alc;
		if (load_around(app, h, NULL) == ST_OK)
			tui_message(app, TUI_MSG_INFO, "filter applied");
		return;
	}
	if (a == A_UP || key == TUI_FN(KEY_BTAB))
		h->filter_field = (h->filter_field + 3) % 4;
	else if (a == A_DOWN || key == '\t')
		h->filter_field = (h->filter_field + 1) % 4;
	else if (key == TUI_FN(KEY_LEFT) || key == 'h')
		*val[h->filter_field] = (*val[h->filter_field] + nval[h->filter_field] - 1) % nval[h->filter_field];
	else if (key == TUI_FN(KEY_RIGHT) || key == 'l' || key == ' ')
		*val[h->filter_field] = (*val[h->filter_field] + 1) % nval[h->filter_field];
}

static void filter_draw(tui_app *app, hold_state *h, const tui_rect *r)
{
	int w = 56, hgt = 8;
	if (w > r->w)
		w = r->w;
	int y0 = r->y + 2, x0 = r->x + (r->w - w) / 2;
	char alc[8], line[128];
	snprintf(alc, sizeof alc, "%d", ALC_CHOICES[h->f_alc]);
	const char *vals[] = {STATUS_CHOICES[h->f_status],
			      KIND_CHOICES[h->f_kind][0] ? KIND_CHOICES[h->f_kind] : "any",
			      CLASS_CHOICES[h->f_class][0] ? CLASS_CHOICES[h->f_class] : "any",
			      ALC_CHOICES[h->f_alc] ? alc : "any"};
	const char *names[] = {"Status", "Type", "Classification", "ALC"};
	tui_text(y0, x0, w, " Filter ", tui_attr(app, TUI_S_STATUS), true);
	for (int i = 0; i < 4; i++) {
		snprintf(line, sizeof line, "  %-16s < %-12s >", names[i], vals[i]);
		tui_text(y0 + 1 + i, x0, w, line,
			 tui_attr(app, i == h->filter_field ? TUI_S_FIELD_FOCUS : TUI_S_NORMAL), true);
	}
	tui_text(y0 + 5, x0, w, "", A_NORMAL, true);
	tui_text(y0 + 6, x0, w, "  Up/Down field, Left/Right/Space value, Enter apply, Esc cancel",
		 tui_attr(app, TUI_S_DIM), true);
	(void)hgt;
}

/* ---- the view ------------------------------------------------------------------------ */

static status hold_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	const view_holdings_arg *a = arg;
	hold_state *h = calloc(1, sizeof *h);
	if (h == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	v->state = h;
	h->rows = calloc(WINDOW_MAX, sizeof *h->rows);
	h->marks = calloc(ENTRY_MAX_ITEMS, sizeof *h->marks);
	if (h->rows == NULL || h->marks == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	view_copy(h->account, sizeof h->account, a && a->account ? a->account : app->account);
	if (a != NULL && a->txn != NULL)
		view_copy(h->txn, sizeof h->txn, a->txn);
	if (a != NULL && a->title != NULL)
		view_copy(h->heading, sizeof h->heading, a->title);
	if (a != NULL && a->status != NULL)
		for (int i = 0; i < NCHOICE(STATUS_CHOICES); i++)
			if (strcmp(a->status, STATUS_CHOICES[i]) == 0)
				h->status_i = i;
	h->account_gen = app->generation;
	(void)load_around(app, h, NULL);
	return ST_OK;
}

static void hold_reload(tui_app *app, tui_view *v)
{
	hold_state *h = v->state;
	/* The ledger changed after a form took the marked items: that form
	 * signed, so the marks have done their work. */
	if (h->form_marks && app->generation != h->form_gen) {
		h->nmarks = 0;
		h->form_marks = false;
	}
	/* Opened as "the account in view" and the account changed: follow it. */
	if (h->txn[0] == '\0' && h->heading[0] == '\0' && strcmp(h->account, app->account) != 0) {
		view_copy(h->account, sizeof h->account, app->account);
		h->nmarks = 0;
		(void)load_around(app, h, NULL);
		return;
	}
	if (h->n > 0) {
		hrow anchor = h->rows[h->cursor];
		(void)load_around(app, h, &anchor);
	} else {
		(void)load_around(app, h, NULL);
	}
	/* Marked items that changed status stay marked; the form says if one
	 * no longer fits. */
}

static void hold_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	hold_state *h = v->state;
	char head[512], filt[160] = "";
	if (h->kind_i || h->class_i || h->alc_i) {
		char alc[16] = "";
		if (h->alc_i)
			snprintf(alc, sizeof alc, " ALC-%d", ALC_CHOICES[h->alc_i]);
		snprintf(filt, sizeof filt, "  [%s%s%s%s%s]", KIND_CHOICES[h->kind_i],
			 h->kind_i && h->class_i ? " " : "", CLASS_CHOICES[h->class_i], alc, "");
	}
	if (h->heading[0] != '\0')
		snprintf(head, sizeof head, "%s", h->heading);
	else
		snprintf(head, sizeof head, "Holdings of %s: %s items by %s%s",
			 h->account[0] ? h->account : "every account", STATUS_CHOICES[h->status_i],
			 SORTS[h->sort_i], filt);
	size_t hl = strlen(head);
	if (h->nmarks > 0)
		snprintf(head + hl, sizeof head - hl, "   %zu marked", h->nmarks);
	hl = strlen(head);
	if (h->search[0] != '\0')
		snprintf(head + hl, sizeof head - hl, "   search \"%s\" (n/N)", h->search);
	tui_text(r->y, r->x, r->w, head, tui_attr(app, TUI_S_HEADER), true);

	/* Columns that fit: the rightmost go first on a narrow terminal. */
	bool wide = r->w >= 110, mid = r->w >= 90;
	char cols[256];
	snprintf(cols, sizeof cols, "  %-13s %-7s %-16s %-8s %-14s %-11s %-3s %-3s%s%s", "status",
		 "account", "short title", "edition", "serial", "type", "cls", "alc",
		 mid ? "    qty" : "", wide ? "  holder/to   supersedes" : "");
	tui_text(r->y + 1, r->x, r->w, cols, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 2 - (h->mode == M_SEARCH ? 1 : 0);
	if (h->error[0] != '\0' && h->n == 0) {
		char e[400];
		snprintf(e, sizeof e, "cannot read the holdings: %s (F5 tries again)", h->error);
		tui_text(r->y + 2, r->x + 1, r->w - 1, e, tui_attr(app, TUI_S_ERROR), true);
	} else if (h->n == 0) {
		tui_text(r->y + 2, r->x + 1, r->w - 1,
			 h->txn[0] ? "No items in this transaction that you may see."
				   : "No items here. f changes the filter; r receives material.",
			 tui_attr(app, TUI_S_DIM), true);
	}
	int top = view_scroll(h->cursor, h->n, visible, &h->top);
	for (int i = 0; i < visible && top + i < h->n; i++) {
		const hrow *row = &h->rows[top + i];
		bool cur = top + i == h->cursor, marked = mark_find(h, row) >= 0;
		char qty[16] = "", other[64] = "", line[512];
		if (mid)
			snprintf(qty, sizeof qty, " %6lld", row->qty);
		char who[64];
		if (wide)
			snprintf(other, sizeof other, "  %s %-10s",
				 tui_fit(row->holder[0] ? row->holder : row->peer, 11, who, sizeof who),
				 row->supersedes);
		char title[80];
		snprintf(line, sizeof line, "%c %-13s %-7s %s %-8s %-14s %-11s %-3s %-3d%s%s",
			 marked ? '*' : ' ', view_status_word(row->status), row->account,
			 tui_fit(row->title, 16, title, sizeof title),
			 row->edition, row->serial, row->kind, row->cls, row->alc, qty, other);
		attr_t at = cur ? tui_attr(app, TUI_S_CURSOR)
				: marked ? tui_attr(app, TUI_S_MARK)
					 : tui_attr(app, view_status_style(row->status));
		tui_text(r->y + 2 + i, r->x, r->w, line, at, true);
	}
	/* Where the window is: more rows above / below than shown. */
	if (h->more_before || top > 0)
		tui_text(r->y + 1, r->x + r->w - 3, 3, " ^ ", tui_attr(app, TUI_S_HEADER), false);
	if (h->more_after || top + visible < h->n)
		tui_text(r->y + r->h - 1 - (h->mode == M_SEARCH ? 1 : 0), r->x + r->w - 3, 3, " v ",
			 tui_attr(app, TUI_S_HEADER), false);
	if (h->mode == M_SEARCH) {
		char p[SEARCH_MAX + 64];
		snprintf(p, sizeof p, "/%s", h->typing);
		int used = tui_text(r->y + r->h - 1, r->x, r->w, p, tui_attr(app, TUI_S_FIELD_FOCUS), true);
		(void)used;
		tui_cursor(app, r->y + r->h - 1, r->x + tui_text_width(p));
	}
	if (h->mode == M_FILTER)
		filter_draw(app, h, r);
}

/* The selection a form starts from: the marked items, else the one under
 * the cursor. */
static void open_form(tui_app *app, hold_state *h, tui_action a)
{
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	view_copy(sel.account, sizeof sel.account, h->account[0] ? h->account : app->account);
	tui_sel_item one;
	if (h->nmarks > 0) {
		sel.items = h->marks;
		sel.n = h->nmarks;
		h->form_marks = true;
		h->form_gen = app->generation;
	} else if (h->n > 0 && a != A_RECEIVE && a != A_POSSESSION) {
		sel_from(&one, &h->rows[h->cursor]);
		sel.items = &one;
		sel.n = 1;
	}
	if (h->txn[0] != '\0')
		view_copy(sel.txn, sizeof sel.txn, h->txn);
	view_open_form(app, a, &sel);
}

static tui_result hold_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	hold_state *h = v->state;
	if (h->mode == M_SEARCH) {
		if (a == A_QUIT || a == A_HELP)
			return TUI_UNHANDLED;
		prompt_key(app, h, key);
		return TUI_HANDLED;
	}
	if (h->mode == M_FILTER) {
		if (a == A_QUIT)
			return TUI_UNHANDLED;
		filter_key(app, h, key, a);
		return TUI_HANDLED;
	}
	int page = v->page_rows > 1 ? v->page_rows - 1 : 1;
	switch (a) {
	case A_UP: move_cursor(app, h, -1); return TUI_HANDLED;
	case A_DOWN: move_cursor(app, h, 1); return TUI_HANDLED;
	case A_PGUP: move_cursor(app, h, -page); return TUI_HANDLED;
	case A_PGDN: move_cursor(app, h, page); return TUI_HANDLED;
	case A_HOME:
		if (h->more_before || h->txn[0] == '\0')
			(void)load_around(app, h, NULL);
		h->cursor = 0;
		return TUI_HANDLED;
	case A_END:
		(void)load_last(app, h);
		return TUI_HANDLED;
	case A_OPEN:
		if (h->n > 0) {
			const hrow *r = &h->rows[h->cursor];
			view_item_arg arg = {r->title, r->edition, r->serial};
			(void)tui_push(app, &view_item_ops, &arg);
		}
		return TUI_HANDLED;
	case A_MARK:
		toggle_mark(app, h);
		return TUI_HANDLED;
	case A_SEARCH:
		h->mode = M_SEARCH;
		h->typing[0] = '\0';
		return TUI_HANDLED;
	case A_NEXT:
		search_go(app, h, true, false);
		return TUI_HANDLED;
	case A_PREV:
		search_go(app, h, false, false);
		return TUI_HANDLED;
	case A_FILTER:
		if (h->txn[0] != '\0') {
			tui_message(app, TUI_MSG_INFO, "a transaction's items are not filtered");
			return TUI_HANDLED;
		}
		h->mode = M_FILTER;
		h->filter_field = 0;
		h->f_status = h->status_i, h->f_kind = h->kind_i;
		h->f_class = h->class_i, h->f_alc = h->alc_i;
		return TUI_HANDLED;
	case A_SCAN:
		/* inventory mode: scanning the account's session */
		if (tui_allowed(app, a))
			(void)tui_push(app, &view_scan_ops,
				       h->account[0] ? h->account : app->account);
		return TUI_HANDLED;
	case A_SORT:
		if (h->txn[0] != '\0') {
			tui_message(app, TUI_MSG_INFO, "a transaction's items are listed by title");
			return TUI_HANDLED;
		}
		h->sort_i = (h->sort_i + 1) % NCHOICE(SORTS);
		/* the window around the same item, in the new order */
		if (h->n > 0) {
			hrow anchor = h->rows[h->cursor];
			(void)load_around(app, h, &anchor);
		} else {
			(void)load_around(app, h, NULL);
		}
		tui_message(app, TUI_MSG_INFO, "sorted by %s", SORTS[h->sort_i]);
		return TUI_HANDLED;
	default:
		break;
	}
	if (tui_action_mutates(a)) {
		open_form(app, h, a);
		return TUI_HANDLED;
	}
	return TUI_UNHANDLED;
}

static void hold_done(tui_app *app, tui_view *v)
{
	(void)app;
	hold_state *h = v->state;
	if (h != NULL) {
		free(h->rows);
		free(h->marks);
	}
	free(h);
}

const tui_view_ops view_holdings_ops = {
	.name = "Holdings",
	.kind = TUI_V_HOLDINGS,
	.open = hold_open,
	.draw = hold_draw,
	.key = hold_key,
	.reload = hold_reload,
	.done = hold_done,
};
