/* tui.h: the terminal UI's framework (the custodian's main screen).
 *
 * One application context (tui_app), a stack of views, one input loop.
 * A view is a table of functions (tui_view_ops: open, draw, key, done),
 * like tig's view_ops: it draws into the rectangle it is given and answers
 * a key with what should happen (tui_result) rather than acting on the
 * screen itself.  The input loop (tui/app.c) reads a key, looks it up in
 * the action table (tui/actions.h) for the top view's kind, and offers
 * (key, action) to the top view first; what the view does not handle the
 * loop handles (help, back, quit, switching screens, reload).  A form
 * (tui/form.c) is a view like any other, pushed by forms_open().  The
 * terminal is in raw mode: Ctrl-C reaches the loop as a key and quits
 * (cleanly); SIGINT, SIGTERM, SIGHUP and crash signals restore the
 * terminal and then take their course.
 *
 * The screen: line 0 the status line (who, account, server, TLS, log
 * origin and size, connection state); the view from line 1 to LINES-3;
 * line LINES-2 the message line; line LINES-1 the function-key bar.
 *
 * tui/ never builds SQL: it reads through src/query.h and writes through
 * src/ledger.h. */
#ifndef CUSTOS_TUI_H
#define CUSTOS_TUI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "../keys/key.h"
#include "../src/db.h"
#include "../src/entry.h"
#include "../src/status.h"
#include "actions.h"

#define TUI_ACCOUNTS_MAX 32
#define TUI_STACK_MAX 16
#define TUI_PATH_MAX 4096
#define TUI_MSG_MAX 512
/* How long a screen keeps trying to reconnect before it says the
 * connection is lost (F5 and the idle loop try again later). */
#define TUI_RECONNECT_SECONDS 10

typedef struct tui_app tui_app;
typedef struct tui_view tui_view;

/* What a view's key handler asks for. */
typedef enum tui_result {
	TUI_UNHANDLED, /* not mine: the loop applies the global meaning */
	TUI_HANDLED,   /* done; redraw the screen */
	TUI_POP,       /* close this view (the loop calls its done and frees it) */
	TUI_QUIT       /* leave the program */
} tui_result;

/* The rectangle a view draws into (stdscr coordinates). */
typedef struct tui_rect {
	int y, x, h, w;
} tui_rect;

/* A view's functions.  Every function but name/kind may be NULL. */
typedef struct tui_view_ops {
	const char *name; /* "Holdings": the status line shows it */
	unsigned kind;    /* one TUI_V_* bit: which actions the view offers */
	/* Make the view's state (set v->state) from `arg` (what tui_push was
	 * given; NULL for a screen opened by its number key).  A failure is
	 * reported in err and the view is not pushed. */
	status (*open)(tui_app *app, tui_view *v, const void *arg, errbuf *err);
	/* Draw the whole of r (erase what it does not fill).  Called after
	 * every key and on resize; must not read the database when nothing
	 * changed (data is loaded in open/key/reload). */
	void (*draw)(tui_app *app, tui_view *v, const tui_rect *r);
	/* A key pressed while this view is on top: `key` as in actions.h,
	 * `a` what the action table makes of it in this view (A_NONE if
	 * nothing; the role is not checked yet: a view that acts on `a` calls
	 * tui_allowed first).  Form views see every key first, so typing 'q'
	 * in a field types a q. */
	tui_result (*key)(tui_app *app, tui_view *v, int key, tui_action a);
	/* Read the data again (after A_RELOAD, a reconnect, a signed entry, or
	 * coming back to the top when app->generation moved on). */
	void (*reload)(tui_app *app, tui_view *v);
	/* Free the state.  Called once, when the view leaves the stack. */
	void (*done)(tui_app *app, tui_view *v);
} tui_view_ops;

struct tui_view {
	const tui_view_ops *ops;
	void *state;          /* the view's own */
	uint64_t generation;  /* app->generation when last loaded */
	int page_rows;        /* rows the last draw had for its list (for PgUp/PgDn) */
};

/* An item picked on a screen (marked, or under the cursor). */
typedef struct tui_sel_item {
	char account[ENTRY_ACCOUNT_LEN + 1];
	char title[ENTRY_TITLE_MAX + 1];
	char edition[ENTRY_EDITION_MAX + 1];
	char serial[ENTRY_SERIAL_MAX + 1];
	char kind[16];                      /* "key", "equipment", "publication" */
	char cls[4];                        /* "U", "C", "S", "TS" */
	char status[16];                    /* "on_hand", "issued", ... */
	char holder[KEY_NAME_MAX + 1];      /* issued: the holder */
	char last_txn[ENTRY_TXN_MAX + 1];   /* issued: the hand receipt */
	uint32_t qty;                       /* the lot's quantity */
} tui_sel_item;

/* What a form starts from.  Valid only during the forms_open call (the
 * form copies what it keeps). */
typedef struct tui_selection {
	char account[ENTRY_ACCOUNT_LEN + 1]; /* the account in view ("" none) */
	const tui_sel_item *items;           /* the marked items; if none is
					      * marked, the one under the cursor;
					      * NULL when n == 0 */
	size_t n;
	char txn[ENTRY_TXN_MAX + 1];         /* Transactions: the transaction under
					      * the cursor (an incoming transfer
					      * to accept); Incidents: the incident's
					      * txn; "" otherwise */
	char txn_action[24];                 /* its action ("transfer", "issue",
					      * "incident-report"), "" none */
	char txn_peer[ENTRY_ACCOUNT_LEN + 1];/* a transfer's other account */
	/* People screen: the person under the cursor and their details, or
	 * the account under the cursor (sel.account) and its; NULL when none */
	const char *person, *rank, *position, *address, *cor_account;
	const char *roles;                   /* the person's roles, as query_person's
					      * ("role" or "role:account", space
					      * separated), or NULL */
	bool outside;                        /* the account is one outside this
					      * ledger */
	/* An inventory's reconciliation: a drafted report of the line under
	 * the cursor (not sighted: the incident report; found: the possession
	 * report of items[0]'s serial; a lot counted short: the incident
	 * report of the part missing), its free text this; NULL otherwise */
	const char *draft;
	uint32_t draft_qty;                  /* a lot counted short: the part
					      * missing (the form's Quantity),
					      * else 0 */
} tui_selection;

typedef enum tui_msg_level { TUI_MSG_INFO, TUI_MSG_OK, TUI_MSG_WARN, TUI_MSG_ERROR } tui_msg_level;

/* Colours and attributes by meaning.  With NO_COLOR set or a monochrome
 * terminal they fall back to bold / reverse / underline, and every status
 * shown also has a word or symbol, so colour is never the only signal. */
typedef enum tui_style {
	TUI_S_NORMAL,
	TUI_S_STATUS,     /* the status line */
	TUI_S_BAR,        /* the function-key bar's labels */
	TUI_S_BAR_KEY,    /* the keys in the bar */
	TUI_S_HEADER,     /* column headings, titles */
	TUI_S_CURSOR,     /* the line under the cursor */
	TUI_S_MARK,       /* a marked line */
	TUI_S_OK,
	TUI_S_WARN,
	TUI_S_ERROR,
	TUI_S_DIM,        /* closed material, help's refused actions */
	TUI_S_FIELD,      /* a form field */
	TUI_S_FIELD_FOCUS,/* the field being edited */
	TUI_S__COUNT
} tui_style;

typedef struct tui_account_role {
	char number[ENTRY_ACCOUNT_LEN + 1];
	unsigned roles; /* TUI_R_* held on this account */
} tui_account_role;

struct tui_app {
	db *db;                         /* the connection (owned) */
	const char *conninfo;           /* --db, or NULL for PG* / service files */
	/* who */
	char person[KEY_NAME_MAX + 1];  /* the enrolled person ("" when the login
					 * is no enrolled person) */
	char login[64];                 /* the PostgreSQL login */
	unsigned global_roles;          /* TUI_R_ADMIN / AUDITOR / AUTHORITY, or
					 * TUI_R_NONE */
	tui_account_role accounts[TUI_ACCOUNTS_MAX]; /* account roles, by number */
	size_t naccounts;
	char account[ENTRY_ACCOUNT_LEN + 1]; /* the account in view ("" = all the
					      * login sees: auditors) */
	/* the person's key: loaded at startup, or NULL (auditor read-only, or
	 * not given); a form that signs asks for it when NULL and sets it */
	key_secret *key;
	char key_path[TUI_PATH_MAX];    /* "" when no key file was found */
	/* the log key (--log-key FILE or $CUSTOS_LOG_KEY), or NULL: with it
	 * every successful submit signs the checkpoint that falls due */
	key_secret *log_key;
	/* the server and the log, for the status line */
	char server[256];
	char tls[24]; /* "no", or the TLS version ("TLSv1.3") */
	char origin[ENTRY_ORIGIN_MAX + 1];
	int64_t log_size;
	bool conn_lost;                 /* the status line says so */
	/* display */
	bool color;                     /* false with NO_COLOR or a monochrome terminal */
	uint64_t generation;            /* moves on when the ledger changed */
	bool printed;                   /* a PDF was drawn: report_pdf_cleanup
					 * at exit */
	bool paper_told;                /* a bad CUSTOS_PAPER was said once */
	/* private to tui/app.c */
	tui_view *stack[TUI_STACK_MAX];
	size_t depth;
	char msg[TUI_MSG_MAX];
	tui_msg_level msg_level;
	int cursor_y, cursor_x;         /* where tui_cursor asked for it; -1 hidden */
	bool quit;
};

/* ---- the stack of views ---------------------------------------------------- */

/* Open a view with ops->open(app, view, arg) and put it on top.  ST_TOOBIG
 * when the stack is full; open's failure otherwise (the message line then
 * says why, so a caller may ignore the result).  Used by forms_open to
 * push a form. */
status tui_push(tui_app *app, const tui_view_ops *ops, const void *arg);

/* Close the top view (done, then free).  The one below is reloaded if the
 * ledger changed meanwhile.  The last view is never popped: pop on the
 * bottom view does nothing. */
void tui_pop(tui_app *app);

/* The top view, or NULL. */
tui_view *tui_top(tui_app *app);

/* ---- roles ----------------------------------------------------------------- */

/* The role bits of the person on the account in view (global roles
 * included). */
unsigned tui_roles(const tui_app *app);

/* Whether the person can act on a due checkpoint, so that its alarm is
 * theirs: an administrator (who keeps the log key, and runs custos log
 * checkpoint), or a custodian or alternate of any account with the log
 * key loaded (app->log_key).  The server stores checkpoints from
 * administrators, custodians and alternates (sql/004_checkpoints.sql) and
 * only the log key signs one. */
bool tui_may_checkpoint(const tui_app *app);

/* Whether the person may use action a here; if not, the message line
 * says which role it needs ("Transfer needs the custodian or alternate
 * role on account 123456; you are auditor") and false is returned. */
bool tui_allowed(tui_app *app, tui_action a);

/* ---- messages, the ledger, the connection ------------------------------------ */

/* Put a one-line message on the message line (replacing the last one);
 * printf format; text is shown safely (control characters escaped). */
void tui_message(tui_app *app, tui_msg_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Say that the ledger changed (an entry was signed): every view reloads
 * when it is next on top, and the status line's log size is read again. */
void tui_ledger_changed(tui_app *app);

/* After a call that returned st: if st is ST_CONN, say so on the status
 * line, redraw, and reconnect (db_reconnect, up to `seconds`); true if the
 * connection is back (the caller retries the same request: a request
 * with the same idempotency key applies once), false otherwise (the
 * message line says the connection is lost; nothing else changes). */
bool tui_reconnect(tui_app *app, status st, unsigned seconds);

/* After a successful submit: if a log key is loaded and a checkpoint is
 * due, make and store it (checkpoint_after_submit).  Writes into out
 * (cap bytes) what to add to the message line: "; checkpoint of 12
 * entries signed", "; no checkpoint: <why>" when making it failed (the
 * entry stays signed; the dashboard's alarm remains), or "" when nothing
 * was due or no log key is loaded. */
void tui_after_submit(tui_app *app, char *out, size_t cap);

/* ---- drawing helpers ----------------------------------------------------------- */

/* The attribute for a style (colour pair or monochrome fallback). */
attr_t tui_attr(const tui_app *app, tui_style s);

/* Draw UTF-8 text at (y, x) in at most `width` columns with attribute
 * attr, padding with spaces to `width` when pad is true.  Invalid UTF-8
 * shows as U+FFFD, control characters as U+FFFD too, wide characters
 * count two columns and are never cut in half.  Returns the columns
 * used. */
int tui_text(int y, int x, int width, const char *s, attr_t attr, bool pad);

/* Display width in columns of UTF-8 text as tui_text draws it. */
int tui_text_width(const char *s);

/* Copy into out (cap bytes) the longest start of UTF-8 text s that fits
 * in `width` columns as tui_text shows it, then spaces up to exactly
 * `width` columns: a table cell for snprintf's "%s", which pads by bytes
 * and so misaligns names like "Zoë".  Returns out. */
const char *tui_fit(const char *s, int width, char *out, size_t cap);

/* tui_fit, but a text longer than `width` columns is cut one column
 * shorter and ends with "…" (U+2026), so that a cut name shows it is one. */
const char *tui_fit_cut(const char *s, int width, char *out, size_t cap);

/* Draw UTF-8 text s from (y, x) as tui_text does, broken at spaces into
 * lines of at most `width` columns (a word longer than a line is cut where
 * the line ends), on at most `max_lines` lines, each padded to `width`; the
 * last line ends with an ellipsis (U+2026) when text is left over.  Draws nothing when
 * `draw` is false.  Returns the number of lines used (0 for empty text). */
int tui_text_wrap(int y, int x, int width, int max_lines, const char *s, attr_t attr,
		  bool draw);

/* Ask for the terminal cursor to be shown at (y, x) after this draw (a
 * form's field); without the call it is hidden. */
void tui_cursor(tui_app *app, int y, int x);

/* Read one key for a view that must wait for it (the passphrase entry):
 * like the loop's own read, KEY_RESIZE included (as TUI_FN(KEY_RESIZE),
 * after which the caller redraws with tui_redraw).  Returns the key, or 0
 * when none came for 15 s (the loop then looks at the connection). */
int tui_getkey(tui_app *app);

/* Redraw the whole screen now (status line, top view, message, bar). */
void tui_redraw(tui_app *app);

/* ---- the program ------------------------------------------------------------------ */

/* Options of `custos` with no command. */
typedef struct tui_options {
	const char *conninfo; /* --db */
	const char *key;      /* --key; NULL: $CUSTOS_KEY or the XDG default */
	bool no_key;          /* --no-key: read only, ask no passphrase */
	const char *log_key;  /* --log-key; NULL: $CUSTOS_LOG_KEY; neither: none */
} tui_options;

/* Run the terminal UI; returns the process exit status (0 normal quit,
 * 1 could not start: the reason printed on stderr after the terminal
 * was restored). */
int tui_main(const tui_options *o);

#endif
