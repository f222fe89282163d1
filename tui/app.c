/* app.c: the terminal UI's startup, screen, stack of views and its one
 * input loop (see tui.h). */
#include "tui.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "../keys/keyfile.h"
#include "../keys/passphrase.h"
#include "../src/access.h"
#include "../src/checkpoint.h"
#include "../src/query.h"
#include "../src/report_pdf.h"
#include "../src/utf8.h"
#include "views.h"

#include "forms.h"

/* How long the loop waits for a key before it looks at the connection
 * and the log's size again. */
#define IDLE_MS 15000

/* ---- the terminal: restored on every way out ------------------------------ */

static volatile sig_atomic_t curses_active;
static struct termios saved_tio;
static bool have_saved_tio;

static void restore_terminal(void)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
	if (have_saved_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

/* Fatal and ending signals: give the terminal back, then let the signal
 * do what it would have done (end the process, dump core). */
static void on_signal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int end_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				  SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < sizeof end_signals / sizeof end_signals[0]; i++)
		sigaction(end_signals[i], &sa, NULL);
}

/* ---- styles ------------------------------------------------------------------ */

static attr_t styles[TUI_S__COUNT];

static void init_styles(tui_app *app)
{
	const char *nc = getenv("NO_COLOR");
	app->color = has_colors() && (nc == NULL || nc[0] == '\0');
	/* Monochrome first: readable with no colour at all. */
	styles[TUI_S_NORMAL] = A_NORMAL;
	styles[TUI_S_STATUS] = A_REVERSE;
	styles[TUI_S_BAR] = A_REVERSE;
	styles[TUI_S_BAR_KEY] = A_BOLD;
	styles[TUI_S_HEADER] = A_BOLD | A_UNDERLINE;
	styles[TUI_S_CURSOR] = A_REVERSE;
	styles[TUI_S_MARK] = A_BOLD;
	styles[TUI_S_OK] = A_NORMAL;
	styles[TUI_S_WARN] = A_BOLD;
	styles[TUI_S_ERROR] = A_BOLD;
	styles[TUI_S_DIM] = A_DIM;
	styles[TUI_S_FIELD] = A_UNDERLINE;
	styles[TUI_S_FIELD_FOCUS] = A_REVERSE;
	if (!app->color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);  /* status line, bar labels */
	init_pair(2, COLOR_WHITE, -1);          /* bar keys */
	init_pair(3, COLOR_GREEN, -1);
	init_pair(4, COLOR_YELLOW, -1);
	init_pair(5, COLOR_RED, -1);
	init_pair(6, COLOR_BLACK, COLOR_WHITE); /* cursor line */
	init_pair(7, COLOR_CYAN, -1);           /* marks */
	styles[TUI_S_STATUS] = COLOR_PAIR(1);
	styles[TUI_S_BAR] = COLOR_PAIR(1);
	styles[TUI_S_BAR_KEY] = COLOR_PAIR(2) | A_BOLD;
	styles[TUI_S_HEADER] = A_BOLD | A_UNDERLINE;
	styles[TUI_S_CURSOR] = COLOR_PAIR(6) | A_REVERSE;
	styles[TUI_S_MARK] = COLOR_PAIR(7) | A_BOLD;
	styles[TUI_S_OK] = COLOR_PAIR(3);
	styles[TUI_S_WARN] = COLOR_PAIR(4) | A_BOLD;
	styles[TUI_S_ERROR] = COLOR_PAIR(5) | A_BOLD;
	styles[TUI_S_FIELD_FOCUS] = COLOR_PAIR(1);
}

attr_t tui_attr(const tui_app *app, tui_style s)
{
	(void)app;
	if ((int)s < 0 || s >= TUI_S__COUNT)
		return A_NORMAL;
	return styles[s];
}

/* ---- text ----------------------------------------------------------------------- */

/* Decode one UTF-8 character at s (n bytes left): its code point, or
 * U+FFFD for an invalid sequence (consuming one byte).  *used bytes. */
static unsigned decode(const unsigned char *s, size_t n, size_t *used)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80) {
		*used = 1;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		*used = 1;
		return 0xfffd;
	}
	if (len > n) {
		*used = 1;
		return 0xfffd;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*used = 1;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*used = 1;
		return 0xfffd;
	}
	*used = len;
	return c;
}

/* A code point as it is shown: controls (C0, DEL, C1) and the layout
 * controls of utf8_is_layout_control (line and paragraph separators,
 * zero-width characters, bidirectional controls) become U+FFFD so text
 * cannot move the cursor, hide a character or reorder the line; its width
 * in columns (0 for combining marks). */
static unsigned shown(unsigned c, int *width)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || utf8_is_layout_control(c))
		c = 0xfffd;
	int w = wcwidth((wchar_t)c);
	if (w < 0) {
		c = 0xfffd;
		w = 1;
	}
	*width = w;
	return c;
}

int tui_text_width(const char *s)
{
	int cols = 0;
	size_t n = s ? strlen(s) : 0, used;
	for (size_t i = 0; i < n; i += used) {
		int w;
		shown(decode((const unsigned char *)s + i, n - i, &used), &w);
		cols += w;
	}
	return cols;
}

int tui_text(int y, int x, int width, const char *s, attr_t attr, bool pad)
{
	if (width <= 0)
		return 0;
	attr_t old_attr;
	short old_pair;
	attr_get(&old_attr, &old_pair, NULL);
	attrset(attr);
	move(y, x);
	int cols = 0;
	size_t n = s ? strlen(s) : 0, used;
	for (size_t i = 0; i < n; i += used) {
		int w;
		unsigned c = shown(decode((const unsigned char *)s + i, n - i, &used), &w);
		if (cols + w > width)
			break;
		if (w == 0 && cols == 0)
			continue; /* a combining mark with nothing to combine with */
		wchar_t wc[2] = {(wchar_t)c, 0};
		addnwstr(wc, 1);
		cols += w;
	}
	if (pad)
		for (; cols < width; cols++)
			addch(' ');
	attr_set(old_attr, old_pair, NULL);
	return cols;
}

/* How many bytes of s make the longest start that fits in `width`
 * columns and in `room` bytes; its columns into *cols. */
static size_t fit_bytes(const char *s, int width, size_t room, int *cols)
{
	size_t len = 0, n = s ? strlen(s) : 0, used;
	*cols = 0;
	for (size_t i = 0; i < n; i += used) {
		int w;
		shown(decode((const unsigned char *)s + i, n - i, &used), &w);
		if (*cols + w > width || len + used > room)
			break;
		len += used;
		*cols += w;
	}
	return len;
}

/* out[len..]: spaces from column `cols` up to `width` (within cap). */
static const char *pad_to(char *out, size_t len, int cols, int width, size_t cap)
{
	for (; cols < width && len + 1 < cap; cols++)
		out[len++] = ' ';
	out[len] = '\0';
	return out;
}

const char *tui_fit(const char *s, int width, char *out, size_t cap)
{
	if (cap == 0)
		return out;
	int cols;
	size_t len = fit_bytes(s, width, cap - 1, &cols);
	memcpy(out, s ? s : "", len);
	return pad_to(out, len, cols, width, cap);
}

const char *tui_fit_cut(const char *s, int width, char *out, size_t cap)
{
	static const char ELLIPSIS[] = "\u2026";
	if (tui_text_width(s) <= width || width < 1 || cap < sizeof ELLIPSIS)
		return tui_fit(s, width, out, cap);
	int cols;
	size_t len = fit_bytes(s, width - 1, cap - sizeof ELLIPSIS, &cols);
	memcpy(out, s, len);
	memcpy(out + len, ELLIPSIS, sizeof ELLIPSIS - 1);
	return pad_to(out, len + sizeof ELLIPSIS - 1, cols + 1, width, cap);
}

int tui_text_wrap(int y, int x, int width, int max_lines, const char *s, attr_t attr,
		  bool draw)
{
	if (s == NULL || width < 2 || max_lines < 1)
		return 0;
	size_t n = strlen(s), at = 0;
	int lines = 0;
	char buf[1024];
	while (at < n && lines < max_lines) {
		while (at < n && s[at] == ' ')
			at++;
		if (at == n)
			break;
		int cols;
		size_t len = fit_bytes(s + at, width, sizeof buf - 1, &cols);
		bool rest = at + len < n;
		if (rest && s[at + len] != ' ') {
			size_t sp = len;
			while (sp > 0 && s[at + sp - 1] != ' ')
				sp--;
			if (sp > 0)
				len = sp - 1; /* up to the last space that fits */
		}
		if (len == 0) /* a character wider than the line */
			len = 1;
		if (lines == max_lines - 1 && rest) {
			if (draw)
				tui_text(y + lines, x, width, tui_fit_cut(s + at, width, buf, sizeof buf),
					 attr, true);
			return lines + 1;
		}
		if (draw) {
			memcpy(buf, s + at, len);
			buf[len] = '\0';
			tui_text(y + lines, x, width, buf, attr, true);
		}
		lines++;
		at += len;
	}
	return lines;
}

void tui_cursor(tui_app *app, int y, int x)
{
	app->cursor_y = y;
	app->cursor_x = x;
}

/* ---- messages --------------------------------------------------------------------- */

void tui_message(tui_app *app, tui_msg_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->msg, sizeof app->msg, fmt, ap);
	va_end(ap);
	app->msg_level = level;
}

/* ---- who --------------------------------------------------------------------------- */

static unsigned role_bit(const char *role)
{
	static const struct {
		const char *name;
		unsigned bit;
	} map[] = {
		{"administrator", TUI_R_ADMIN}, {"custodian", TUI_R_CUSTODIAN},
		{"alternate", TUI_R_CUSTODIAN}, {"holder", TUI_R_HOLDER},
		{"witness", TUI_R_WITNESS},     {"auditor", TUI_R_AUDITOR},
		{"authority", TUI_R_AUTHORITY},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(role, map[i].name) == 0)
			return map[i].bit;
	return 0;
}

unsigned tui_roles(const tui_app *app)
{
	unsigned r = app->global_roles;
	for (size_t i = 0; i < app->naccounts; i++)
		if (strcmp(app->accounts[i].number, app->account) == 0)
			r |= app->accounts[i].roles;
	return r != 0 ? r : TUI_R_NONE;
}

/* The person's roles in words, for refusals and the status line. */
static const char *my_roles_text(const tui_app *app, char *buf, size_t cap)
{
	unsigned r = tui_roles(app);
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{TUI_R_ADMIN, "administrator"}, {TUI_R_CUSTODIAN, "custodian"},
		{TUI_R_HOLDER, "holder"},       {TUI_R_WITNESS, "witness"},
		{TUI_R_AUDITOR, "auditor"},     {TUI_R_AUTHORITY, "authority"},
	};
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (r & names[i].bit) {
			int w = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", names[i].name);
			if (w < 0 || (size_t)w >= cap - len)
				break;
			len += (size_t)w;
		}
	if (len == 0)
		snprintf(buf, cap, "%s", app->person[0] ? "no role here" : "not enrolled");
	return buf;
}

bool tui_may_checkpoint(const tui_app *app)
{
	if (app->global_roles & TUI_R_ADMIN)
		return true;
	if (app->log_key == NULL)
		return false;
	for (size_t i = 0; i < app->naccounts; i++)
		if (app->accounts[i].roles & TUI_R_CUSTODIAN)
			return true;
	return false;
}

bool tui_allowed(tui_app *app, tui_action a)
{
	const tui_action_def *d = tui_action_get(a);
	if (d == NULL)
		return false;
	if (tui_action_allowed(a, tui_roles(app)))
		return true;
	char need[96], have[96];
	tui_roles_text(d->roles, need, sizeof need);
	my_roles_text(app, have, sizeof have);
	if (d->roles & ~TUI_R_SEES_ALL)
		tui_message(app, TUI_MSG_ERROR, "%s needs the %s role on account %s; you are %s here",
			    d->label, need, app->account[0] ? app->account : "(none)", have);
	else
		tui_message(app, TUI_MSG_ERROR, "%s needs the %s role; you are %s", d->label, need,
			    have);
	return false;
}

/* Read who the login is, their roles and the log head into app. */
static status load_whoami(tui_app *app, errbuf *err)
{
	query_me me;
	status st = query_whoami(app->db, &me, err);
	if (st != ST_OK)
		return st;
	view_copy(app->login, sizeof app->login, me.login);
	view_copy(app->person, sizeof app->person, me.name);
	view_copy(app->origin, sizeof app->origin, me.origin);
	app->log_size = me.log_size;
	app->global_roles = 0;
	app->naccounts = 0;
	/* "role" or "role:account", space separated, sorted by role then account */
	char roles[1024];
	view_copy(roles, sizeof roles, me.roles);
	query_me_free(&me);
	char *save = NULL;
	for (char *tok = strtok_r(roles, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');
		if (colon == NULL) {
			app->global_roles |= role_bit(tok);
			continue;
		}
		*colon = '\0';
		const char *acct = colon + 1;
		size_t i;
		for (i = 0; i < app->naccounts; i++)
			if (strcmp(app->accounts[i].number, acct) == 0)
				break;
		if (i == app->naccounts) {
			if (app->naccounts == TUI_ACCOUNTS_MAX)
				continue;
			view_copy(app->accounts[i].number, sizeof app->accounts[i].number, acct);
			app->accounts[i].roles = 0;
			app->naccounts++;
		}
		app->accounts[i].roles |= role_bit(tok);
	}
	/* Those who see every account may look at any: list them (no roles). */
	if (app->global_roles & TUI_R_SEES_ALL) {
		query_accounts acc;
		if (query_account_list(app->db, TUI_ACCOUNTS_MAX, NULL, &acc, err) == ST_OK) {
			for (size_t k = 0; k < acc.n && app->naccounts < TUI_ACCOUNTS_MAX; k++) {
				size_t i;
				for (i = 0; i < app->naccounts; i++)
					if (strcmp(app->accounts[i].number, acc.rows[k].number) == 0)
						break;
				if (i == app->naccounts) {
					view_copy(app->accounts[i].number, sizeof app->accounts[i].number,
						  acc.rows[k].number);
					app->accounts[i].roles = 0;
					app->naccounts++;
				}
			}
			query_accounts_free(&acc);
		}
	}
	return ST_OK;
}

/* The account to start on: the first one the person keeps (custodian or
 * alternate), else the first they have any role on, else the first listed. */

/* The status line's TLS word: the version, or "no" (db_tls_describe has
 * the whole story: cipher, the server's certificate, how it was checked). */
static void tls_version(tui_app *app)
{
	char full[512];
	db_tls_describe(app->db, full, sizeof full);
	size_t n = strcspn(full, " ");
	snprintf(app->tls, sizeof app->tls, "%.*s", (int)(n < 23 ? n : 23), full);
}

static void pick_account(tui_app *app)
{
	if (app->account[0] != '\0')
		for (size_t i = 0; i < app->naccounts; i++)
			if (strcmp(app->accounts[i].number, app->account) == 0)
				return;
	app->account[0] = '\0';
	for (size_t i = 0; i < app->naccounts; i++)
		if (app->accounts[i].roles & TUI_R_CUSTODIAN) {
			view_copy(app->account, sizeof app->account, app->accounts[i].number);
			return;
		}
	if (app->naccounts > 0)
		view_copy(app->account, sizeof app->account, app->accounts[0].number);
}

/* ---- the connection ------------------------------------------------------------------ */

void tui_ledger_changed(tui_app *app)
{
	app->generation++;
	query_me me;
	errbuf err = {0};
	status st = query_whoami(app->db, &me, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = query_whoami(app->db, &me, &err);
	if (st == ST_OK) {
		app->log_size = me.log_size;
		view_copy(app->origin, sizeof app->origin, me.origin);
		query_me_free(&me);
	}
}

bool tui_reconnect(tui_app *app, status st, unsigned seconds)
{
	if (st != ST_CONN)
		return false;
	app->conn_lost = true;
	tui_message(app, TUI_MSG_WARN, "the connection to the database was lost; reconnecting...");
	if (curses_active)
		tui_redraw(app);
	errbuf err = {0};
	status rs = db_reconnect(app->db, seconds, &err);
	if (rs != ST_OK) {
		tui_message(app, TUI_MSG_ERROR,
			    "the connection to the database is lost (%s); F5 tries again",
			    err_text(&err, rs));
		return false;
	}
	app->conn_lost = false;
	view_copy(app->server, sizeof app->server, db_server(app->db));
	tls_version(app);
	tui_message(app, TUI_MSG_OK, "reconnected to the database");
	return true;
}

/* ---- the stack ----------------------------------------------------------------------- */

tui_view *tui_top(tui_app *app)
{
	return app->depth ? app->stack[app->depth - 1] : NULL;
}

status tui_push(tui_app *app, const tui_view_ops *ops, const void *arg)
{
	if (app->depth == TUI_STACK_MAX) {
		tui_message(app, TUI_MSG_ERROR, "too many screens open; go back (Esc) first");
		return ST_TOOBIG;
	}
	tui_view *v = calloc(1, sizeof *v);
	if (v == NULL) {
		tui_message(app, TUI_MSG_ERROR, "out of memory");
		return ST_NOMEM;
	}
	v->ops = ops;
	v->generation = app->generation;
	v->page_rows = LINES > 4 ? LINES - 4 : 1;
	errbuf err = {0};
	status st = ops->open ? ops->open(app, v, arg, &err) : ST_OK;
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
		st = ops->open(app, v, arg, &err);
	if (st != ST_OK) {
		if (ops->done)
			ops->done(app, v);
		free(v);
		if (!app->conn_lost)
			tui_message(app, TUI_MSG_ERROR, "%s: %s", ops->name, err_text(&err, st));
		return st;
	}
	app->stack[app->depth++] = v;
	return ST_OK;
}

static void view_free(tui_app *app, tui_view *v)
{
	if (v->ops->done)
		v->ops->done(app, v);
	free(v);
}

void tui_pop(tui_app *app)
{
	if (app->depth <= 1)
		return;
	view_free(app, app->stack[--app->depth]);
}

static void pop_all(tui_app *app)
{
	while (app->depth > 0)
		view_free(app, app->stack[--app->depth]);
}

/* ---- drawing -------------------------------------------------------------------------- */

static void draw_status(tui_app *app, const tui_view *v)
{
	attr_t st = tui_attr(app, TUI_S_STATUS);
	char roles[96], line[1024], right[128];
	my_roles_text(app, roles, sizeof roles);
	/* "read only" early: on a narrow screen the end of the line is cut */
	snprintf(line, sizeof line, " %s (%s%s)  acct %s  %s  TLS %s  log %s #%lld",
		 app->person[0] ? app->person : app->login, roles, app->key ? "" : ", read only",
		 app->account[0] ? app->account : "-", app->server, app->tls,
		 app->origin[0] ? app->origin : "(not started)", (long long)app->log_size);
	snprintf(right, sizeof right, " %s ", v ? v->ops->name : "");
	int rw = tui_text_width(right);
	if (app->conn_lost) {
		const char *lost = " CONNECTION LOST ";
		int lw = (int)strlen(lost);
		tui_text(0, 0, COLS - lw - rw, line, st, true);
		tui_text(0, COLS - lw - rw, lw, lost, tui_attr(app, TUI_S_ERROR) | A_REVERSE, true);
	} else {
		tui_text(0, 0, COLS - rw, line, st, true);
	}
	tui_text(0, COLS - rw, rw, right, st | A_BOLD, true);
}

static void draw_message(tui_app *app)
{
	static const char *const prefix[] = {"", "OK: ", "Warning: ", "Error: "};
	static const tui_style style[] = {TUI_S_NORMAL, TUI_S_OK, TUI_S_WARN, TUI_S_ERROR};
	char line[TUI_MSG_MAX + 16];
	snprintf(line, sizeof line, "%s%s", app->msg[0] ? prefix[app->msg_level] : "", app->msg);
	tui_text(LINES - 2, 0, COLS, line, tui_attr(app, style[app->msg_level]), true);
}

/* The columns tui_bar_text's text takes on the screen, where each "  "
 * between two items is drawn as one space (ASCII keys and labels). */
static size_t bar_width(const char *bar)
{
	size_t w = strlen(bar);
	for (const char *p = bar; (p = strstr(p, "  ")) != NULL; p += 2)
		w--;
	return w;
}

static void draw_bar(tui_app *app, const tui_view *v)
{
	char bar[1024];
	unsigned kind = v ? v->ops->kind : TUI_V_DASHBOARD;
	tui_bar_text(kind, tui_roles(app), bar, sizeof bar);
	/* Too wide for the screen: cut between items and say where the rest
	 * is ("? More": the help lists every key). */
	size_t room = COLS > 0 ? (size_t)COLS : 0;
	if (bar_width(bar) > room) {
		for (size_t cap = strlen(bar); cap > 1; cap--) {
			tui_bar_text(kind, tui_roles(app), bar, cap);
			if (bar_width(bar) + sizeof " ? More" - 1 <= room)
				break;
		}
		snprintf(bar + strlen(bar), sizeof bar - strlen(bar), "%s? More", bar[0] ? "  " : "");
	}
	/* "KEY Label  KEY Label": keys in one style, labels in the other. */
	int x = 0;
	move(LINES - 1, 0);
	for (char *p = bar; *p != '\0' && x < COLS;) {
		char *end = strstr(p, "  ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[128];
		snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), p);
		char *sp = strchr(item, ' ');
		if (sp != NULL)
			*sp = '\0';
		x += tui_text(LINES - 1, x, COLS - x, item, tui_attr(app, TUI_S_BAR_KEY), false);
		if (sp != NULL && x < COLS) {
			char label[130];
			snprintf(label, sizeof label, " %s", sp + 1);
			x += tui_text(LINES - 1, x, COLS - x, label, tui_attr(app, TUI_S_BAR), false);
		}
		if (x < COLS)
			x += tui_text(LINES - 1, x, 1, " ", A_NORMAL, false);
		p += n;
		while (*p == ' ')
			p++;
	}
	if (x < COLS)
		tui_text(LINES - 1, x, COLS - x, "", A_NORMAL, true);
}

void tui_redraw(tui_app *app)
{
	tui_view *v = tui_top(app);
	app->cursor_y = app->cursor_x = -1;
	erase();
	if (LINES < 5 || COLS < 20) {
		tui_text(0, 0, COLS, "custos: the terminal is too small", A_BOLD, false);
		refresh();
		return;
	}
	draw_status(app, v);
	if (v != NULL && v->ops->draw) {
		tui_rect r = {1, 0, LINES - 3, COLS};
		v->page_rows = r.h > 2 ? r.h - 2 : 1;
		v->ops->draw(app, v, &r);
	}
	draw_message(app);
	draw_bar(app, v);
	if (app->cursor_y >= 0) {
		move(app->cursor_y, app->cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

/* ---- keys ------------------------------------------------------------------------------- */

int tui_getkey(tui_app *app)
{
	(void)app;
	for (;;) {
		wint_t wc;
		int r = get_wch(&wc);
		if (r == KEY_CODE_YES)
			return TUI_FN((int)wc);
		if (r == OK)
			return (int)wc;
		return 0; /* timeout or error */
	}
}

static const tui_view_ops *screen_for(tui_action a)
{
	switch (a) {
	case A_DASHBOARD: return &view_dashboard_ops;
	case A_HOLDINGS: return &view_holdings_ops;
	case A_TXNS: return &view_txns_ops;
	case A_INCIDENTS: return &view_incidents_ops;
	case A_LOG: return &view_log_ops;
	case A_PEOPLE: return &view_people_ops;
	default: return NULL;
	}
}

static void reload_top(tui_app *app);

/* Switch to a screen: it replaces every view open. */
static void open_screen(tui_app *app, const tui_view_ops *ops)
{
	tui_view *top = tui_top(app);
	if (app->depth == 1 && top->ops == ops) {
		/* The screen's own key again: read it anew (what others signed
		 * meanwhile, e.g. a transfer coming in, shows). */
		reload_top(app);
		return;
	}
	/* Open the new one first so that a failure leaves things as they were. */
	if (tui_push(app, ops, NULL) != ST_OK)
		return;
	tui_view *v = app->stack[--app->depth];
	pop_all(app);
	app->stack[app->depth++] = v;
}

static void reload_top(tui_app *app)
{
	tui_view *v = tui_top(app);
	if (v == NULL)
		return;
	v->generation = app->generation;
	if (v->ops->reload)
		v->ops->reload(app, v);
}

/* What the loop does with an action the view left alone. */
static void global_action(tui_app *app, tui_view *v, tui_action a)
{
	const tui_view_ops *screen = screen_for(a);
	if (screen != NULL) {
		if (tui_allowed(app, a))
			open_screen(app, screen);
		return;
	}
	switch (a) {
	case A_HELP:
	case A_SCAN_HELP: {
		unsigned kind = v ? v->ops->kind : TUI_V_DASHBOARD;
		if (v == NULL || v->ops != &view_help_ops)
			(void)tui_push(app, &view_help_ops, &kind);
		return;
	}
	case A_BACK:
	case A_FORM_CANCEL:
		if (app->depth > 1)
			tui_pop(app);
		else
			tui_message(app, TUI_MSG_INFO, "this is the first screen; F10 quits");
		return;
	case A_QUIT:
		app->quit = true;
		return;
	case A_RELOAD:
		if (app->conn_lost && !tui_reconnect(app, ST_CONN, TUI_RECONNECT_SECONDS))
			return;
		app->msg[0] = '\0';
		tui_ledger_changed(app);
		if (app->conn_lost)
			return;
		reload_top(app);
		if (!app->conn_lost && app->msg[0] == '\0')
			tui_message(app, TUI_MSG_INFO, "reloaded");
		return;
	case A_ACCOUNT: {
		if (app->naccounts < 2) {
			tui_message(app, TUI_MSG_INFO, "you have no other account");
			return;
		}
		size_t i = 0;
		while (i < app->naccounts && strcmp(app->accounts[i].number, app->account) != 0)
			i++;
		i = i >= app->naccounts ? 0 : (i + 1) % app->naccounts;
		view_copy(app->account, sizeof app->account, app->accounts[i].number);
		tui_message(app, TUI_MSG_INFO, "account %s", app->account);
		app->generation++;
		reload_top(app);
		return;
	}
	case A_PRINT:
		/* a screen whose lines name no transaction (an entry's note) */
		view_print(app, NULL, NULL);
		return;
	default:
		break;
	}
	if (tui_action_mutates(a)) {
		/* A screen without a selection for it: open the form empty. */
		if (!tui_allowed(app, a))
			return;
		tui_selection sel;
		memset(&sel, 0, sizeof sel);
		view_copy(sel.account, sizeof sel.account, app->account);
		view_open_form(app, a, &sel);
	}
}

void view_open_form(tui_app *app, tui_action a, const tui_selection *sel)
{
	if (!tui_allowed(app, a))
		return;
	forms_open(app, a, sel);
}

/* CUSTOS_TUI_TIMING=FILE: for the benchmark (docs/benchmarks.md), one
 * line per key: the key and the microseconds from reading it to the end of
 * the redraw that answers it (its work and the screen update). */
static FILE *timing;

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void loop(tui_app *app)
{
	double t_key = 0;
	int last_key = 0;
	while (!app->quit && app->depth > 0) {
		tui_view *v = tui_top(app);
		if (v->generation != app->generation && !app->conn_lost)
			reload_top(app);
		tui_redraw(app);
		if (timing != NULL && t_key > 0) {
			char name[16];
			fprintf(timing, "%s %.0f\n", tui_key_name(last_key, name, sizeof name),
				now_us() - t_key);
			fflush(timing);
		}
		int key = tui_getkey(app);
		t_key = key ? now_us() : 0;
		last_key = key;
		if (key == 0) {
			/* Idle: look at the connection and the log's size. */
			if (app->conn_lost) {
				errbuf err = {0};
				if (db_reconnect(app->db, 1, &err) == ST_OK) {
					app->conn_lost = false;
					tui_message(app, TUI_MSG_OK, "reconnected to the database");
					reload_top(app);
				}
			} else {
				query_me me;
				errbuf err = {0};
				status st = query_whoami(app->db, &me, &err);
				if (st == ST_OK) {
					/* Someone else signed meanwhile (a transfer to
					 * this account...): the screen on top reads
					 * again.  Not a form (what is typed stays; the
					 * next idle check after it closes does it), and
					 * not through app->generation, which means "this
					 * person signed" (Holdings then drops the marks
					 * a form used). */
					if (me.log_size != app->log_size &&
					    tui_top(app)->ops->kind != TUI_V_FORM) {
						app->log_size = me.log_size;
						reload_top(app);
					}
					query_me_free(&me);
				} else if (tui_reconnect(app, st, 5)) {
					reload_top(app);
				}
			}
			continue;
		}
		if (key == TUI_FN(KEY_RESIZE))
			continue; /* the next pass redraws at the new size */
		if (key == TUI_CTRL('c')) {
			app->quit = true;
			break;
		}
		tui_action a = tui_action_for_key(key, v->ops->kind);
		if (v->ops->kind != TUI_V_FORM)
			app->msg[0] = '\0';
		tui_result r = v->ops->key ? v->ops->key(app, v, key, a) : TUI_UNHANDLED;
		switch (r) {
		case TUI_HANDLED:
			break;
		case TUI_POP:
			if (app->depth > 1)
				tui_pop(app);
			break;
		case TUI_QUIT:
			app->quit = true;
			break;
		case TUI_UNHANDLED:
			if (a != A_NONE)
				global_action(app, v, a);
			break;
		}
	}
}

/* ---- startup ----------------------------------------------------------------------------- */

/* The default key file: $CUSTOS_KEY, else $XDG_CONFIG_HOME/custos/key
 * (~/.config/custos/key); "" when there is no home. */
static void default_key(char *buf, size_t cap)
{
	const char *k = getenv("CUSTOS_KEY"), *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	if (k != NULL && k[0] != '\0')
		snprintf(buf, cap, "%s", k);
	else if (x != NULL && x[0] == '/')
		snprintf(buf, cap, "%s/custos/key", x);
	else if (h != NULL && h[0] != '\0')
		snprintf(buf, cap, "%s/.config/custos/key", h);
	else
		buf[0] = '\0';
}

/* Load the person's key before the screen starts, asking the passphrase
 * on the terminal (up to three tries; an empty line skips: read only).
 * Returns 0, or 1 when startup must stop (the reason printed). */
static int load_key(tui_app *app, const tui_options *o, char *note, size_t notecap)
{
	note[0] = '\0';
	bool explicit = o->key != NULL || (getenv("CUSTOS_KEY") && getenv("CUSTOS_KEY")[0]);
	if (o->key != NULL)
		snprintf(app->key_path, sizeof app->key_path, "%s", o->key);
	else
		default_key(app->key_path, sizeof app->key_path);
	if (o->no_key) {
		/* Keep the path: a form that signs asks for this key's passphrase. */
		struct stat nb;
		if (app->key_path[0] != '\0' && stat(app->key_path, &nb) != 0)
			app->key_path[0] = '\0';
		snprintf(note, notecap, "read only (--no-key); a form asks for your key");
		return 0;
	}
	unsigned signs = TUI_R_ADMIN | TUI_R_CUSTODIAN | TUI_R_HOLDER | TUI_R_WITNESS |
			 TUI_R_AUTHORITY;
	bool signer = (app->global_roles & signs) != 0;
	for (size_t i = 0; i < app->naccounts; i++)
		signer |= (app->accounts[i].roles & signs) != 0;
	struct stat sb;
	if (app->key_path[0] == '\0' || stat(app->key_path, &sb) != 0) {
		if (explicit) {
			fprintf(stderr, "custos: key file %s: %s\n", app->key_path,
				app->key_path[0] ? strerror(errno) : "no path");
			return 1;
		}
		if (signer)
			snprintf(note, notecap, "no key file at %.200s: read only until a form asks for it",
				 app->key_path[0] ? app->key_path : "~/.config/custos/key");
		app->key_path[0] = '\0';
		return 0;
	}
	if (!signer && !explicit) {
		snprintf(note, notecap, "read only: your roles sign nothing");
		return 0;
	}
	key_public pub;
	errbuf err = {0};
	status st = keyfile_read_public(app->key_path, &pub, &err);
	if (st != ST_OK) {
		fprintf(stderr, "custos: %s\n", err_text(&err, st));
		return 1;
	}
	if (app->person[0] != '\0' && strcmp(pub.name, app->person) != 0) {
		fprintf(stderr, "custos: the key file %s holds the key of %s, but you log in as %s "
				"(%s); give your own with --key FILE\n",
			app->key_path, pub.name, app->person, app->login);
		return 1;
	}
	keyfile_pass how = {-1, "Passphrase of your key ", " (Enter alone: read only): "};
	for (int attempt = 0; attempt < 3; attempt++) {
		keyfile_step step;
		st = keyfile_unlock(app->key_path, &how, &app->key, &step, &err);
		if (st == ST_OK)
			return 0;
		if (step == KEYFILE_STEP_PASSPHRASE && st == ST_USAGE) {
			snprintf(note, notecap, "read only: no passphrase given; a form asks again");
			return 0;
		}
		fprintf(stderr, "custos: %s\n", err_text(&err, st));
		if (step != KEYFILE_STEP_UNSEAL || st != ST_BADPASS)
			return 1;
	}
	snprintf(note, notecap, "read only: the passphrase was wrong three times");
	return 0;
}

/* Load the log key (--log-key, else $CUSTOS_LOG_KEY; neither: none),
 * asking its passphrase like the person's key: three tries, Enter alone
 * goes on without it.  Returns 0, or 1 when startup must stop (the reason
 * printed): a log key file that cannot be read or is not this log's. */
static int load_log_key(tui_app *app, const tui_options *o, char *note, size_t notecap)
{
	const char *path = o->log_key;
	if (path == NULL || path[0] == '\0')
		path = getenv("CUSTOS_LOG_KEY");
	if (path == NULL || path[0] == '\0')
		return 0;
	key_public pub;
	errbuf err = {0};
	status st = keyfile_read_public(path, &pub, &err);
	if (st != ST_OK) {
		fprintf(stderr, "custos: log key: %s\n", err_text(&err, st));
		return 1;
	}
	if (app->origin[0] != '\0' && strcmp(pub.name, app->origin) != 0) {
		fprintf(stderr, "custos: the log key file %s is named %s, but this log's origin is "
				"%s: it is not this log's key\n", path, pub.name, app->origin);
		return 1;
	}
	keyfile_pass how = {-1, "Passphrase of the log key ",
			    ", to sign checkpoints (Enter alone: none): "};
	for (int attempt = 0; attempt < 3; attempt++) {
		keyfile_step step;
		st = keyfile_unlock(path, &how, &app->log_key, &step, &err);
		if (st == ST_OK)
			return 0;
		if (step == KEYFILE_STEP_PASSPHRASE && st == ST_USAGE) {
			snprintf(note, notecap, "no log key: checkpoints are left to 'custos log checkpoint'");
			return 0;
		}
		if (step == KEYFILE_STEP_UNSEAL)
			fprintf(stderr, "custos: log key %s: %s\n", path, err_text(&err, st));
		else if (step == KEYFILE_STEP_PUBLIC)
			fprintf(stderr, "custos: log key: %s\n", err_text(&err, st));
		else
			fprintf(stderr, "custos: %s\n", err_text(&err, st));
		if (step != KEYFILE_STEP_UNSEAL || st != ST_BADPASS)
			return 1;
	}
	snprintf(note, notecap, "no log key: its passphrase was wrong three times");
	return 0;
}

void tui_after_submit(tui_app *app, char *out, size_t cap)
{
	if (cap == 0)
		return;
	out[0] = '\0';
	if (app->log_key == NULL)
		return;
	checkpoint_made made;
	errbuf err = {0};
	memset(&made, 0, sizeof made);
	status st = checkpoint_after_submit(app->db, app->log_key, &made, &err);
	if (st != ST_OK)
		snprintf(out, cap, "; no checkpoint: %s", err_text(&err, st));
	else if (made.size > 0)
		snprintf(out, cap, "; checkpoint of %llu entries signed", (unsigned long long)made.size);
}

/* Where the access log's one notice goes (access.h): before the screen
 * starts it waits in early_notice for the first message line; after, it is
 * the message line. */
static tui_app *notice_app;
static char early_notice[512];

static void access_notice(const char *text)
{
	if (curses_active && notice_app != NULL)
		tui_message(notice_app, TUI_MSG_WARN, "%s", text);
	else
		snprintf(early_notice, sizeof early_notice, "%s", text);
}

int tui_main(const tui_options *o)
{
	tui_app app;
	memset(&app, 0, sizeof app);
	app.conninfo = o->conninfo;
	app.cursor_y = app.cursor_x = -1;
	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("custos: the terminal UI needs a terminal; use 'custos help' for the commands\n",
		      stderr);
		return 1;
	}
	errbuf err = {0};
	status st = db_open(o->conninfo, &app.db, &err);
	if (st != ST_OK) {
		fprintf(stderr, "custos: cannot connect to the database: %s\n", err_text(&err, st));
		return 1;
	}
	notice_app = &app;
	access_set_notice(access_notice);
	access_login(app.db, "terminal");
	if ((st = load_whoami(&app, &err)) != ST_OK) {
		fprintf(stderr, "custos: %s (is this a custos database? see 'custos db status')\n",
			err_text(&err, st));
		db_close(app.db);
		return 1;
	}
	view_copy(app.server, sizeof app.server, db_server(app.db));
	tls_version(&app);
	pick_account(&app);
	char note[300];
	if (load_key(&app, o, note, sizeof note) != 0) {
		db_close(app.db);
		return 1;
	}
	char lnote[200] = "";
	if (load_log_key(&app, o, lnote, sizeof lnote) != 0) {
		key_secret_free(app.key);
		key_secret_free(app.log_key);
		db_close(app.db);
		return 1;
	}
	if (note[0] == '\0' && lnote[0] != '\0')
		snprintf(note, sizeof note, "%s", lnote);
	const char *tf = getenv("CUSTOS_TUI_TIMING");
	if (tf != NULL && tf[0] != '\0' && (timing = fopen(tf, "a")) == NULL) {
		fprintf(stderr, "custos: CUSTOS_TUI_TIMING: cannot open %s\n", tf);
		key_secret_free(app.key);
		key_secret_free(app.log_key);
		db_close(app.db);
		return 1;
	}
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_saved_tio = true;
	install_signals();
	atexit(restore_terminal);
	if (initscr() == NULL) {
		fputs("custos: cannot start the screen (is TERM set?)\n", stderr);
		key_secret_free(app.key);
		key_secret_free(app.log_key);
		db_close(app.db);
		return 1;
	}
	curses_active = 1;
	raw(); /* Ctrl-S and Ctrl-C reach us as keys; Ctrl-C quits cleanly */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(IDLE_MS);
	init_styles(&app);
	if (app.person[0] == '\0')
		tui_message(&app, TUI_MSG_WARN, "the login %s is no enrolled person: you see what it may read",
			    app.login);
	else if (early_notice[0] != '\0')
		tui_message(&app, TUI_MSG_WARN, "%s", early_notice);
	else if (note[0] != '\0')
		tui_message(&app, TUI_MSG_INFO, "%s", note);
	else
		tui_message(&app, TUI_MSG_INFO, "welcome, %s; ? shows the keys", app.person);
	if (tui_push(&app, &view_dashboard_ops, NULL) != ST_OK &&
	    tui_push(&app, &view_help_ops, &(unsigned){TUI_V_DASHBOARD}) != ST_OK) {
		restore_terminal();
		fprintf(stderr, "custos: cannot open the first screen: %s\n", app.msg);
		key_secret_free(app.key);
		key_secret_free(app.log_key);
		db_close(app.db);
		return 1;
	}
	loop(&app);
	pop_all(&app);
	restore_terminal();
	if (app.printed)
		report_pdf_cleanup();
	if (timing != NULL)
		fclose(timing);
	key_secret_free(app.key);
	app.key = NULL;
	key_secret_free(app.log_key);
	app.log_key = NULL;
	db_close(app.db);
	return 0;
}
