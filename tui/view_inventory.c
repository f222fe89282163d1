/* view_inventory.c: inventory mode (issue 11): scanning an account's
 * inventory session, and its reconciliation.
 *
 * Scanning (view_scan_ops, kind TUI_V_SCAN) is a text field the size of
 * the screen: a barcode scanner types the serial and Enter, tens of
 * characters in a few milliseconds, so every printable key goes into the
 * scan line and none is a screen command (q, P, /, ?, digits...).  The
 * input loop reads the keys one by one in the order typed (curses keeps
 * what has not been read yet), so a burst of scans is answered scan by
 * scan, none lost or merged.  Only keys that print nothing act: Enter
 * sends the line (invsession_scan), Backspace erases, Esc leaves (the
 * session stays open), F5 the reconciliation, F1 help, F10 quits.  A line
 * that cannot be a serial (more than ENTRY_SERIAL_MAX bytes, a control
 * character) is answered in words here and never sent.
 *
 * The reconciliation (view_recon_ops, kind TUI_V_RECON) lists the four
 * lists of invsession_reconcile with their counts; from a line it drafts
 * the incident report (not sighted) or the possession report (found),
 * sights an expected item by title with the quantity counted, and closes
 * the session with its certification (forms_inventory_close). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/invsession.h"
#include "../src/utf8.h"
#include "forms.h"
#include "views.h"

/* The scan line holds more than a serial so that an overlong one is
 * answered as such rather than cut; what goes beyond is counted, not
 * kept. */
#define SCAN_LINE_MAX 128
#define SCAN_HISTORY 64

/* ---- the session ------------------------------------------------------------ */

/* The account's open session: *id 0 when none.  Retries after a lost
 * connection. */
static status find_session(tui_app *app, const char *account, int64_t *id, invsession_kind *k,
			   errbuf *err)
{
	for (int tries = 0;; tries++) {
		status st = invsession_find(app->db, account, id, k, err);
		if (st != ST_CONN || tries >= 2 || !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			return st;
	}
}

/* ---- scanning ------------------------------------------------------------------ */

typedef enum scan_mode {
	SM_ASK,  /* no session open: y opens one */
	SM_SCAN, /* scanning */
	SM_GONE  /* the session was closed or abandoned meanwhile */
} scan_mode;

/* One answer, as shown. */
typedef struct scan_answer {
	char scan[SCAN_LINE_MAX + 1]; /* what was typed (shown escaped by tui_text) */
	char words[64];               /* "sighted", "unknown", "not a serial" ... */
	char item[INVS_WORDS_MAX];
	tui_style style;
} scan_answer;

typedef struct scan_state {
	char account[ENTRY_ACCOUNT_LEN + 1];
	int64_t session;
	invsession_kind kind;
	scan_mode mode;
	/* the scan line: bytes kept, and what it was really */
	char line[SCAN_LINE_MAX + 1];
	size_t len;
	size_t typed;  /* bytes typed, kept or not */
	bool control;  /* a control character was typed into it */
	/* the answers, newest at (first + n - 1) % SCAN_HISTORY */
	scan_answer hist[SCAN_HISTORY];
	size_t first, n;
	uint64_t scans; /* answers given in this view */
	uint64_t sighted, expected;
	bool have_count;
} scan_state;

static scan_answer *new_answer(scan_state *s)
{
	size_t at;
	if (s->n < SCAN_HISTORY) {
		at = (s->first + s->n++) % SCAN_HISTORY;
	} else {
		at = s->first;
		s->first = (s->first + 1) % SCAN_HISTORY;
	}
	scan_answer *a = &s->hist[at];
	memset(a, 0, sizeof *a);
	s->scans++;
	return a;
}

static tui_style answer_style(invscan_answer a)
{
	switch (a) {
	case SCAN_SIGHTED: return TUI_S_OK;
	case SCAN_ALREADY: return TUI_S_WARN;
	case SCAN_AMBIGUOUS: return TUI_S_WARN;
	default: return TUI_S_ERROR;
	}
}

/* A symbol beside the words, so that colour is never the only signal. */
static const char *answer_mark(const scan_answer *a)
{
	switch (a->style) {
	case TUI_S_OK: return "+";
	case TUI_S_WARN: return "=";
	default: return "!";
	}
}

static void clear_line(scan_state *s)
{
	s->line[0] = '\0';
	s->len = s->typed = 0;
	s->control = false;
}

/* Enter: answer the scan line, then empty it. */
static void send_scan(tui_app *app, scan_state *s)
{
	if (s->typed == 0 && !s->control)
		return; /* an empty line (a scanner's extra Enter): nothing */
	scan_answer *a = new_answer(s);
	snprintf(a->scan, sizeof a->scan, "%s", s->line);
	a->style = TUI_S_ERROR;
	if (s->control) {
		snprintf(a->words, sizeof a->words, "not a serial");
		snprintf(a->item, sizeof a->item, "it holds a control character; nothing recorded");
	} else if (s->typed > ENTRY_SERIAL_MAX) {
		snprintf(a->words, sizeof a->words, "not a serial");
		snprintf(a->item, sizeof a->item,
			 "too long: %zu bytes, a serial has at most %d; nothing recorded", s->typed,
			 ENTRY_SERIAL_MAX);
	} else {
		invscan_result r;
		errbuf err = {0};
		status st;
		for (int tries = 0;; tries++) {
			memset(&r, 0, sizeof r);
			st = invsession_scan(app->db, s->session, s->line, &r, &err);
			if (st != ST_CONN || tries >= 2 ||
			    !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
				break;
		}
		if (st == ST_OK) {
			snprintf(a->words, sizeof a->words, "%s", invscan_answer_words(r.answer));
			snprintf(a->item, sizeof a->item, "%s", r.item);
			a->style = answer_style(r.answer);
			s->sighted = r.sighted;
			s->expected = r.expected;
			s->have_count = true;
		} else if (st == ST_FORMAT) {
			snprintf(a->words, sizeof a->words, "not a serial");
			snprintf(a->item, sizeof a->item, "%s", err_text(&err, st));
		} else {
			snprintf(a->words, sizeof a->words, "%s",
				 st == ST_CONN ? "not sent" : "refused");
			snprintf(a->item, sizeof a->item, "%s; scan it again", err_text(&err, st));
		}
	}
	clear_line(s);
}

/* A printable key into the scan line (UTF-8); past the line's room it is
 * only counted, so that the answer can say how long the scan was. */
static void type_key(scan_state *s, unsigned cp)
{
	char u[4];
	size_t n = utf8_encode(cp, u);
	if (n == 0) {
		s->control = true;
		return;
	}
	s->typed += n;
	if (s->len + n <= SCAN_LINE_MAX) {
		memcpy(s->line + s->len, u, n);
		s->len += n;
		s->line[s->len] = '\0';
	}
}

static void erase_key(scan_state *s)
{
	if (s->len == 0) {
		clear_line(s);
		return;
	}
	size_t at = s->len;
	while (at > 0) {
		at--;
		if (((unsigned char)s->line[at] & 0xc0) != 0x80)
			break;
	}
	s->typed -= s->len - at < s->typed ? s->len - at : s->typed;
	s->len = at;
	s->line[at] = '\0';
	if (s->typed < s->len) /* the overlong part was erased, or more */
		s->typed = s->len;
}

static bool printable(int key)
{
	return !TUI_IS_FN(key) && key >= 0x20 && key != 0x7f && !(key >= 0x80 && key < 0xa0) &&
	       key < 0x110000;
}

static status scan_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	const char *account = arg;
	if (account == NULL || account[0] == '\0')
		return err_set(err, ST_USAGE, "inventory: choose an account first (A switches account)");
	scan_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	view_copy(s->account, sizeof s->account, account);
	status st = find_session(app, s->account, &s->session, &s->kind, err);
	if (st != ST_OK) {
		free(s);
		return st;
	}
	s->mode = s->session != 0 ? SM_SCAN : SM_ASK;
	v->state = s;
	return ST_OK;
}

static void scan_reload(tui_app *app, tui_view *v)
{
	scan_state *s = v->state;
	if (s->mode == SM_ASK)
		return;
	int64_t id = 0;
	invsession_kind k;
	errbuf err = {0};
	if (find_session(app, s->account, &id, &k, &err) == ST_OK && id != s->session)
		s->mode = SM_GONE;
}

static void scan_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	scan_state *s = v->state;
	char line[512];
	int y = r->y, bottom = r->y + r->h;
	for (int i = y; i < bottom; i++)
		tui_text(i, r->x, r->w, "", A_NORMAL, true);
	if (s->mode == SM_ASK) {
		snprintf(line, sizeof line, "Inventory of account %s", s->account);
		tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
		y++;
		tui_text(y++, r->x, r->w, "No inventory session is open on this account.", A_BOLD,
			 true);
		tui_text(y++, r->x, r->w,
			 "y opens a periodic inventory session: every COR-accountable item (ALC-1, "
			 "2, 6) on hand or issued", A_NORMAL, true);
		tui_text(y++, r->x, r->w,
			 "must be sighted; it closes with a certification you and a witness sign.",
			 A_NORMAL, true);
		tui_text(y++, r->x, r->w,
			 "c opens the joint inventory of a change of custodian: every item on hand or "
			 "issued, certified", A_NORMAL, true);
		tui_text(y++, r->x, r->w,
			 "by you and the incoming custodian, who takes the account.  Esc goes back.",
			 A_NORMAL, true);
		return;
	}
	snprintf(line, sizeof line, "Inventory of account %s: session %lld (%s), scanning",
		 s->account, (long long)s->session, invsession_kind_name(s->kind));
	tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	if (s->mode == SM_GONE) {
		tui_text(y++, r->x, r->w,
			 "This session is closed or abandoned now: nothing more is recorded.  Esc "
			 "goes back.", tui_attr(app, TUI_S_WARN), true);
		return;
	}
	if (s->have_count)
		snprintf(line, sizeof line, "sighted %llu of %llu", (unsigned long long)s->sighted,
			 (unsigned long long)s->expected);
	else
		snprintf(line, sizeof line, "scan a serial (F5: the reconciliation and the count)");
	tui_text(y++, r->x, r->w, line, A_BOLD, true);
	y++;
	/* the scan line */
	snprintf(line, sizeof line, "Scan: ");
	int px = tui_text(y, r->x, r->w, line, A_BOLD, false);
	int fw = r->w - px - 1;
	tui_text(y, r->x + px, fw, s->line, tui_attr(app, TUI_S_FIELD_FOCUS), true);
	int cw = tui_text_width(s->line);
	tui_cursor(app, y, r->x + px + (cw < fw ? cw : fw - 1));
	y += 2;
	/* the last answer, large, then the earlier ones */
	if (s->n > 0) {
		const scan_answer *a = &s->hist[(s->first + s->n - 1) % SCAN_HISTORY];
		snprintf(line, sizeof line, "%s %s: %s", answer_mark(a), a->words, a->scan);
		tui_text(y++, r->x, r->w, line, tui_attr(app, a->style) | A_BOLD, true);
		if (a->item[0])
			tui_text(y++, r->x + 2, r->w - 2, a->item, A_NORMAL, true);
		y++;
	}
	if (s->n > 1 && y < bottom - 1) {
		snprintf(line, sizeof line, "Earlier answers (%llu scans here):",
			 (unsigned long long)s->scans);
		tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	}
	for (size_t k = 1; k < s->n && y < bottom - 1; k++) {
		const scan_answer *a = &s->hist[(s->first + s->n - 1 - k) % SCAN_HISTORY];
		char scan[64];
		snprintf(line, sizeof line, "%s %-18s %s  %s", answer_mark(a), a->words,
			 tui_fit(a->scan, 20, scan, sizeof scan), a->item);
		tui_text(y++, r->x, r->w, line, tui_attr(app, a->style), true);
	}
	tui_text(bottom - 1, r->x, r->w,
		 "Every printable key goes into the scan line.  Enter sends, Backspace erases, "
		 "Esc leaves (the session stays open), F5 reconciles",
		 tui_attr(app, TUI_S_DIM), true);
}

static tui_result scan_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	scan_state *s = v->state;
	if (key == TUI_FN(KEY_RESIZE) || a == A_SCAN_HELP || a == A_QUIT)
		return TUI_UNHANDLED;
	if (s->mode == SM_ASK) {
		if (key == TUI_ESC)
			return TUI_POP;
		invsession_kind kind;
		if (key == 'y' || key == 'Y')
			kind = INVS_PERIODIC;
		else if (key == 'c' || key == 'C')
			kind = INVS_CUSTODIAN_CHANGE;
		else
			return TUI_HANDLED;
		errbuf err = {0};
		status st;
		for (int tries = 0;; tries++) {
			st = invsession_open(app->db, s->account, kind, &s->session, &err);
			if (st != ST_CONN || tries >= 2 ||
			    !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
				break;
		}
		if (st != ST_OK) {
			tui_message(app, TUI_MSG_ERROR, "inventory session not opened: %s",
				    err_text(&err, st));
			return TUI_HANDLED;
		}
		s->kind = kind;
		s->mode = SM_SCAN;
		tui_message(app, TUI_MSG_OK, "%s session %lld opened on account %s: scan",
			    kind == INVS_PERIODIC ? "inventory" : "change-of-custodian inventory",
			    (long long)s->session, s->account);
		return TUI_HANDLED;
	}
	if (a == A_SCAN_LEAVE && key == TUI_ESC) {
		if (s->mode == SM_SCAN)
			tui_message(app, TUI_MSG_INFO, "left scanning; session %lld stays open (S "
				    "scans again)", (long long)s->session);
		return TUI_POP;
	}
	if (s->mode == SM_GONE)
		return TUI_HANDLED;
	if (key == TUI_ENTER || key == '\r' || key == TUI_FN(KEY_ENTER)) {
		if (tui_allowed(app, A_SCAN_SEND))
			send_scan(app, s);
		else
			clear_line(s);
		return TUI_HANDLED;
	}
	if (key == TUI_FN(KEY_BACKSPACE) || key == 0x7f || key == 0x08) {
		erase_key(s);
		return TUI_HANDLED;
	}
	if (key == TUI_FN(KEY_F(5))) {
		view_recon_arg arg = {s->account, s->session, s->kind};
		(void)tui_push(app, &view_recon_ops, &arg);
		return TUI_HANDLED;
	}
	if (printable(key)) {
		type_key(s, (unsigned)key);
		return TUI_HANDLED;
	}
	if (!TUI_IS_FN(key)) /* a control character: this line is no serial */
		s->control = true;
	return TUI_HANDLED; /* other function and cursor keys: nothing */
}

static void scan_done(tui_app *app, tui_view *v)
{
	(void)app;
	free(v->state);
}

const tui_view_ops view_scan_ops = {
	.name = "Inventory",
	.kind = TUI_V_SCAN,
	.open = scan_open,
	.draw = scan_draw,
	.key = scan_key,
	.reload = scan_reload,
	.done = scan_done,
};

/* ---- the reconciliation ------------------------------------------------------- */

typedef enum recon_list { RL_SIGHTED, RL_NOT_SIGHTED, RL_FOUND, RL_QTY, RL__COUNT } recon_list;

static const char *const LIST_TITLE[RL__COUNT] = {
	"Sighted", "Not sighted", "Found, not on record", "Quantity differences"};

/* A line of the screen: a list's heading (line NULL) or one of its lines. */
typedef struct recon_row {
	recon_list list;
	const invrecon_line *line;
} recon_row;

typedef struct recon_state {
	char account[ENTRY_ACCOUNT_LEN + 1];
	int64_t session;
	invsession_kind kind;
	invrecon r;
	bool loaded, gone;
	char error[300];
	recon_row *rows;
	int n, cursor, top;
	/* Q: the quantity being typed for the line under the cursor */
	bool counting;
	char count[12];
} recon_state;

static size_t list_len(const invrecon *r, recon_list l)
{
	switch (l) {
	case RL_SIGHTED: return r->nsighted;
	case RL_NOT_SIGHTED: return r->nnot_sighted;
	case RL_FOUND: return r->nfound;
	default: return r->nqty_diff;
	}
}

static const invrecon_line *list_at(const invrecon *r, recon_list l, size_t i)
{
	switch (l) {
	case RL_SIGHTED: return &r->sighted[i];
	case RL_NOT_SIGHTED: return &r->not_sighted[i];
	case RL_FOUND: return &r->found[i];
	default: return &r->qty_diff[i];
	}
}

static bool is_line(const recon_state *s, int i)
{
	return i >= 0 && i < s->n && s->rows[i].line != NULL;
}

/* Read the reconciliation again, keeping the cursor on the same line
 * (same list and identity) when it is still there. */
static void recon_load(tui_app *app, recon_state *s)
{
	recon_row keep = {RL_SIGHTED, NULL};
	invrecon_line kept;
	memset(&kept, 0, sizeof kept);
	if (is_line(s, s->cursor)) {
		keep.list = s->rows[s->cursor].list;
		kept = *s->rows[s->cursor].line;
		keep.line = &kept;
	}
	int64_t id = 0;
	invsession_kind k;
	errbuf err = {0};
	status st = find_session(app, s->account, &id, &k, &err);
	if (st == ST_OK && id != s->session) {
		s->gone = true;
		return;
	}
	invrecon r;
	memset(&r, 0, sizeof r);
	for (int tries = 0; st == ST_OK || st == ST_CONN; tries++) {
		st = invsession_reconcile(app->db, s->session, &r, &err);
		if (st != ST_CONN || tries >= 2 || !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			break;
	}
	if (st != ST_OK) {
		snprintf(s->error, sizeof s->error, "%s", err_text(&err, st));
		return;
	}
	size_t total = RL__COUNT;
	for (int l = 0; l < RL__COUNT; l++)
		total += list_len(&r, (recon_list)l);
	recon_row *rows = calloc(total, sizeof *rows);
	if (rows == NULL) {
		invrecon_free(&r);
		snprintf(s->error, sizeof s->error, "out of memory");
		return;
	}
	invrecon_free(&s->r);
	free(s->rows);
	s->r = r;
	s->rows = rows;
	s->n = 0;
	s->error[0] = '\0';
	s->loaded = true;
	int at = -1;
	/* the lists that need the custodian first: not sighted, quantity
	 * differences, found; then what is done */
	static const recon_list order[RL__COUNT] = {RL_NOT_SIGHTED, RL_QTY, RL_FOUND, RL_SIGHTED};
	for (int o = 0; o < RL__COUNT; o++) {
		recon_list l = order[o];
		s->rows[s->n++] = (recon_row){l, NULL};
		for (size_t i = 0; i < list_len(&s->r, l); i++) {
			const invrecon_line *ln = list_at(&s->r, l, i);
			if (keep.line != NULL && at < 0 && l == keep.list &&
			    strcmp(ln->title, kept.title) == 0 && strcmp(ln->edition, kept.edition) == 0 &&
			    strcmp(ln->serial, kept.serial) == 0)
				at = s->n;
			s->rows[s->n++] = (recon_row){l, ln};
		}
	}
	if (at < 0) {
		at = s->cursor < s->n ? s->cursor : s->n - 1;
		while (at < s->n && !is_line(s, at))
			at++;
		if (at >= s->n)
			for (at = s->n - 1; at > 0 && !is_line(s, at); at--)
				;
	}
	s->cursor = at < 0 ? 0 : at;
}

static status recon_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	const view_recon_arg *a = arg;
	recon_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	view_copy(s->account, sizeof s->account, a->account);
	s->session = a->session;
	s->kind = (invsession_kind)a->kind;
	v->state = s;
	recon_load(app, s);
	return ST_OK;
}

static void recon_reload(tui_app *app, tui_view *v)
{
	recon_load(app, v->state);
}

static void line_words(const invrecon_line *l, recon_list list, char *out, size_t cap)
{
	char title[80], ed[40], serial[80];
	tui_fit(l->title[0] ? l->title : (list == RL_FOUND ? "(unknown)" : ""), 18, title,
		sizeof title);
	tui_fit(l->edition, 8, ed, sizeof ed);
	tui_fit(l->serial, 24, serial, sizeof serial);
	switch (list) {
	case RL_QTY:
		snprintf(out, cap, "%s %s %s recorded %u, counted %u", title, ed, serial,
			 (unsigned)l->qty, (unsigned)l->counted);
		break;
	case RL_FOUND:
		snprintf(out, cap, "%s %s %s %s", title, ed, serial,
			 l->state[0] ? l->state : "not in the ledger");
		break;
	default:
		snprintf(out, cap, "%s %s %s qty %u", title, ed, serial, (unsigned)l->qty);
		break;
	}
}

static void recon_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	recon_state *s = v->state;
	char line[512];
	int y = r->y, bottom = r->y + r->h;
	for (int i = y; i < bottom; i++)
		tui_text(i, r->x, r->w, "", A_NORMAL, true);
	snprintf(line, sizeof line, "Reconciliation of account %s, session %lld (%s)", s->account,
		 (long long)s->session, invsession_kind_name(s->kind));
	tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	if (s->gone) {
		tui_text(y++, r->x, r->w, "This session is closed or abandoned now; q goes back.",
			 tui_attr(app, TUI_S_WARN), true);
		return;
	}
	if (!s->loaded) {
		snprintf(line, sizeof line, "cannot read the reconciliation: %s (F5 tries again)",
			 s->error);
		tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_ERROR), true);
		return;
	}
	snprintf(line, sizeof line,
		 "sighted %zu of %llu; not sighted %zu; found, not on record %zu; quantity "
		 "differences %zu", s->r.nsighted, (unsigned long long)s->r.expected,
		 s->r.nnot_sighted, s->r.nfound, s->r.nqty_diff);
	tui_text(y++, r->x, r->w, line, A_BOLD, true);
	if (s->r.closable)
		tui_text(y++, r->x, r->w, "closable: every expected item sighted; C certifies with "
			 "the witness", tui_attr(app, TUI_S_OK), true);
	else
		tui_text(y++, r->x, r->w, "not closable yet: x reports an item not sighted, Q "
			 "sights by title or counts a lot", tui_attr(app, TUI_S_WARN), true);
	if (s->error[0])
		tui_text(y++, r->x, r->w, s->error, tui_attr(app, TUI_S_ERROR), true);
	int visible = bottom - y - (s->counting ? 1 : 0);
	v->page_rows = visible;
	int top = view_scroll(s->cursor, s->n, visible, &s->top);
	for (int i = 0; i < visible && top + i < s->n; i++) {
		const recon_row *row = &s->rows[top + i];
		if (row->line == NULL) {
			snprintf(line, sizeof line, "%s (%zu)", LIST_TITLE[row->list],
				 list_len(&s->r, row->list));
			tui_text(y + i, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
			continue;
		}
		char w[400];
		line_words(row->line, row->list, w, sizeof w);
		snprintf(line, sizeof line, "  %s", w);
		tui_style st = row->list == RL_SIGHTED ? TUI_S_OK
			       : row->list == RL_FOUND ? TUI_S_WARN
						       : TUI_S_ERROR;
		tui_text(y + i, r->x, r->w, line,
			 tui_attr(app, top + i == s->cursor ? TUI_S_CURSOR : st), true);
	}
	if (s->counting) {
		snprintf(line, sizeof line, "Quantity counted (Enter; 0 or empty: as recorded; Esc "
			 "cancels): %s", s->count);
		tui_text(bottom - 1, r->x, r->w, line, tui_attr(app, TUI_S_FIELD_FOCUS), true);
		tui_cursor(app, bottom - 1, r->x + tui_text_width(line));
	}
}

/* Move the cursor by `by` lines, over the headings. */
static void recon_move(recon_state *s, int by)
{
	int at = s->cursor + by;
	if (at < 0)
		at = 0;
	if (at >= s->n)
		at = s->n - 1;
	int step = by < 0 ? -1 : 1;
	int probe = at;
	while (probe >= 0 && probe < s->n && !is_line(s, probe))
		probe += step;
	if (probe < 0 || probe >= s->n)
		for (probe = at; probe >= 0 && probe < s->n && !is_line(s, probe); probe -= step)
			;
	if (is_line(s, probe))
		s->cursor = probe;
}

/* The line under the cursor as a form's selection item. */
static void sel_item_of(const recon_state *s, const invrecon_line *l, tui_sel_item *it)
{
	memset(it, 0, sizeof *it);
	view_copy(it->account, sizeof it->account, s->account);
	view_copy(it->title, sizeof it->title, l->title);
	view_copy(it->edition, sizeof it->edition, l->edition);
	view_copy(it->serial, sizeof it->serial, l->serial);
	it->qty = l->qty;
}

static void draft_form(tui_app *app, recon_state *s, tui_action a)
{
	const recon_row *row = is_line(s, s->cursor) ? &s->rows[s->cursor] : NULL;
	recon_list want = a == A_INCIDENT_REPORT ? RL_NOT_SIGHTED : RL_FOUND;
	bool short_lot = a == A_INCIDENT_REPORT && row != NULL && row->list == RL_QTY &&
			 row->line->counted < row->line->qty;
	if (a == A_INCIDENT_REPORT && row != NULL && row->list == RL_QTY && !short_lot) {
		tui_message(app, TUI_MSG_WARN, "counted more than recorded: count again, or bring "
			    "the rest on by a possession report (no incident)");
		return;
	}
	if (row == NULL || (row->list != want && !short_lot)) {
		tui_message(app, TUI_MSG_WARN, "%s: put the cursor on a line under \"%s\"%s",
			    a == A_INCIDENT_REPORT ? "x drafts the incident report of an item not "
						     "sighted"
						   : "p drafts the possession report of a serial found",
			    LIST_TITLE[want],
			    a == A_INCIDENT_REPORT ? " or a lot counted short" : "");
		return;
	}
	tui_sel_item it;
	sel_item_of(s, row->line, &it);
	char draft[300];
	uint32_t part = 0;
	if (short_lot) {
		part = row->line->qty - row->line->counted;
		snprintf(draft, sizeof draft, "counted %u of %u in the inventory of account %s "
			 "(session %lld): %u missing", (unsigned)row->line->counted,
			 (unsigned)row->line->qty, s->account, (long long)s->session, (unsigned)part);
	} else if (a == A_INCIDENT_REPORT)
		snprintf(draft, sizeof draft, "not sighted in the inventory of account %s (session "
			 "%lld): cannot be found", s->account, (long long)s->session);
	else
		snprintf(draft, sizeof draft, "found in the inventory of account %s (session %lld), "
			 "not on record here", s->account, (long long)s->session);
	tui_selection sel;
	memset(&sel, 0, sizeof sel);
	view_copy(sel.account, sizeof sel.account, s->account);
	sel.items = &it;
	sel.n = 1;
	sel.draft = draft;
	sel.draft_qty = part;
	view_open_form(app, a, &sel);
}

/* Q's Enter: sight the line's item, with the count typed (0: as recorded). */
static void count_done(tui_app *app, recon_state *s)
{
	s->counting = false;
	const recon_row *row = is_line(s, s->cursor) ? &s->rows[s->cursor] : NULL;
	if (row == NULL)
		return;
	unsigned long q = 0;
	if (s->count[0] != '\0') {
		char *end;
		q = strtoul(s->count, &end, 10);
		if (*end != '\0' || q > UINT32_MAX) {
			tui_message(app, TUI_MSG_ERROR, "the quantity counted is a whole number");
			return;
		}
	}
	invscan_result res;
	errbuf err = {0};
	status st;
	for (int tries = 0;; tries++) {
		memset(&res, 0, sizeof res);
		st = invsession_sight(app->db, s->session, row->line->title, row->line->edition,
				      row->line->serial, (uint32_t)q, &res, &err);
		if (st != ST_CONN || tries >= 2 || !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			break;
	}
	if (st != ST_OK) {
		tui_message(app, TUI_MSG_ERROR, "not sighted: %s", err_text(&err, st));
		return;
	}
	tui_message(app, TUI_MSG_OK, "%s: %s%s; sighted %llu of %llu",
		    invscan_answer_words(res.answer), res.item[0] ? res.item : row->line->serial,
		    q ? " (counted)" : "", (unsigned long long)res.sighted,
		    (unsigned long long)res.expected);
	recon_load(app, s);
}

static tui_result count_key(tui_app *app, recon_state *s, int key)
{
	size_t n = strlen(s->count);
	if (key == TUI_ESC) {
		s->counting = false;
	} else if (key == TUI_ENTER || key == '\r' || key == TUI_FN(KEY_ENTER)) {
		count_done(app, s);
	} else if (key == TUI_FN(KEY_BACKSPACE) || key == 0x7f || key == 0x08) {
		if (n > 0)
			s->count[n - 1] = '\0';
	} else if (key >= '0' && key <= '9' && n + 1 < sizeof s->count) {
		s->count[n] = (char)key;
		s->count[n + 1] = '\0';
	}
	return TUI_HANDLED;
}

static tui_result recon_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	recon_state *s = v->state;
	if (s->counting) {
		if (key == TUI_FN(KEY_RESIZE) || a == A_QUIT)
			return TUI_UNHANDLED;
		return count_key(app, s, key);
	}
	int page = v->page_rows > 1 ? v->page_rows - 1 : 1;
	switch (a) {
	case A_UP: recon_move(s, -1); return TUI_HANDLED;
	case A_DOWN: recon_move(s, 1); return TUI_HANDLED;
	case A_PGUP: recon_move(s, -page); return TUI_HANDLED;
	case A_PGDN: recon_move(s, page); return TUI_HANDLED;
	case A_HOME: s->cursor = 0; recon_move(s, 1); recon_move(s, -1); return TUI_HANDLED;
	case A_END: s->cursor = s->n - 1; recon_move(s, -1); recon_move(s, 1); return TUI_HANDLED;
	case A_RECON_SCAN: return TUI_POP;
	case A_OPEN:
		if (is_line(s, s->cursor) && s->rows[s->cursor].list != RL_FOUND) {
			const invrecon_line *l = s->rows[s->cursor].line;
			view_item_arg arg = {l->title, l->edition, l->serial};
			(void)tui_push(app, &view_item_ops, &arg);
		}
		return TUI_HANDLED;
	case A_ACCOUNT:
		tui_message(app, TUI_MSG_INFO, "the reconciliation is of account %s; q goes back",
			    s->account);
		return TUI_HANDLED;
	default:
		break;
	}
	if (s->gone || !s->loaded) {
		if (tui_action_mutates(a)) {
			tui_message(app, TUI_MSG_WARN, "no open session to act on");
			return TUI_HANDLED;
		}
		return TUI_UNHANDLED;
	}
	switch (a) {
	case A_INCIDENT_REPORT:
	case A_POSSESSION:
		draft_form(app, s, a);
		return TUI_HANDLED;
	case A_RECON_COUNT:
		if (!tui_allowed(app, a))
			return TUI_HANDLED;
		if (!is_line(s, s->cursor) || s->rows[s->cursor].list == RL_FOUND) {
			tui_message(app, TUI_MSG_WARN, "Q sights an expected item: put the cursor on "
				    "a line not sighted or with a quantity difference");
			return TUI_HANDLED;
		}
		s->counting = true;
		s->count[0] = '\0';
		return TUI_HANDLED;
	case A_RECON_CLOSE:
		if (!s->r.closable) {
			tui_message(app, TUI_MSG_WARN, "not closable yet: %zu not sighted, %zu quantity "
				    "differences", s->r.nnot_sighted, s->r.nqty_diff);
			return TUI_HANDLED;
		}
		forms_inventory_close(app, s->account, s->session, s->kind);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void recon_done(tui_app *app, tui_view *v)
{
	(void)app;
	recon_state *s = v->state;
	if (s != NULL) {
		invrecon_free(&s->r);
		free(s->rows);
	}
	free(s);
}

const tui_view_ops view_recon_ops = {
	.name = "Reconciliation",
	.kind = TUI_V_RECON,
	.open = recon_open,
	.draw = recon_draw,
	.key = recon_key,
	.reload = recon_reload,
	.done = recon_done,
};
