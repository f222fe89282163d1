/* views.h: the screens of the terminal UI (tui/view_*.c), for tui/app.c.
 * Internal to tui/: forms reach the screens only through tui.h. */
#ifndef CUSTOS_TUI_VIEWS_H
#define CUSTOS_TUI_VIEWS_H

#include "tui.h"

extern const tui_view_ops view_dashboard_ops;
extern const tui_view_ops view_holdings_ops;
extern const tui_view_ops view_item_ops;
extern const tui_view_ops view_txns_ops;
extern const tui_view_ops view_incidents_ops;
extern const tui_view_ops view_people_ops;
extern const tui_view_ops view_log_ops;
extern const tui_view_ops view_help_ops;
/* Inventory mode (tui/view_inventory.c): scanning takes the account
 * number (a const char *) and finds its open session or offers to open
 * one; the reconciliation takes a view_recon_arg. */
extern const tui_view_ops view_scan_ops;
extern const tui_view_ops view_recon_ops;

typedef struct view_recon_arg {
	const char *account;
	int64_t session;
	int kind; /* invsession_kind */
} view_recon_arg;

/* What view_holdings_ops's open takes as arg (NULL: the account in view,
 * open items, by title). */
typedef struct view_holdings_arg {
	const char *account; /* NULL: the account in view */
	const char *status;  /* NULL: "open" */
	const char *txn;     /* not NULL: only the items of this transaction */
	const char *title;   /* heading, NULL for the default */
} view_holdings_arg;

/* What view_item_ops's open takes: the item's identity. */
typedef struct view_item_arg {
	const char *title, *edition, *serial;
} view_item_arg;

/* Help takes the kind (TUI_V_* bit) of the view it explains, as an
 * unsigned passed by address. */

/* Shared drawing for the list screens: the column heading line at r->y
 * and the scroll position keeping `cursor` inside rows visible; returns
 * the first row to draw.  *top is kept between draws. */
int view_scroll(int cursor, int n, int visible, int *top);

/* Loads the page of a list after the cursor `after` into the view's
 * state (the screens' own page functions). */
typedef status (*view_page_fn)(tui_app *app, void *state, const char *after);

/* The moving actions of a list read forward page by page (Up, Down, PgUp,
 * PgDn, Home, End): moves *cursor over the *n rows loaded so far, loading
 * the next page with page(app, state, next) when the cursor goes past
 * them and `next` (the state's cursor of the next page, "" after the last)
 * is not empty, every page for End; then keeps the cursor on a row.
 * Returns false, touching nothing, for any other action. */
bool view_list_move(tui_app *app, tui_action a, int page_rows, void *state, int *cursor,
		    const int *n, const char *next, view_page_fn page);

/* "3 h", "2 d 4 h", "5 min": a duration in seconds, short, into buf. */
const char *view_duration(int64_t seconds, char *buf, size_t cap);

/* "2026-01-31 12:00" from an RFC 3339 time ("" stays ""), into buf. */
const char *view_time(const char *rfc3339, char *buf, size_t cap);

/* The word and symbol for an item status ("● on hand", "→ in transit",
 * "✗ destroyed"...), and its style. */
const char *view_status_word(const char *s);
tui_style view_status_style(const char *s);

/* Open the form of action a (kind TUI_AK_FORM) with what the screen has
 * picked: checks the role first (the refusal names it), then calls
 * forms_open (tui/forms.h). */
void view_open_form(tui_app *app, tui_action a, const tui_selection *sel);

/* `P` on a line that names transaction txn (NULL or "" for none) of
 * entry action `action` ("transfer", "destroy"...): load the report that
 * action makes (report_kind_for) and write it as PDF to a new file in the
 * reports folder (report_file_dir, report_file_new), record the export in
 * the access log, and say on the message line what was written where.  A
 * line with no report, or a failure (the folder, the database, the
 * file), is said on the message line and changes nothing. */
void view_print(tui_app *app, const char *txn, const char *action);

/* Copy s into dst[cap] (cut at cap-1 bytes, never mid-way through a UTF-8
 * character). */
void view_copy(char *dst, size_t cap, const char *s);

#endif
