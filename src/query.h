/* query.h: the read side of the ledger, for the command line and the TUI.
 *
 * Each query runs one or two parameterised statements as the connected
 * login, so row-level security decides what it sees.  Nothing here prints.
 * A result page owns its rows: their strings point into the page and stay
 * valid until the page's _free function, which is safe on a zeroed page
 * and after a failure.  Strings are never NULL ("" for SQL NULL).
 *
 * Lists are paged by key, never by OFFSET: a page holds at most `limit`
 * rows (0 means QUERY_LIMIT_DEFAULT; at most QUERY_LIMIT_MAX) after the
 * position named by `after`, an opaque cursor taken from the `next` of the
 * previous page of the same list (NULL or "" for the first page).  `next`
 * is "" on the last page.  A cursor that this list did not make is refused
 * with ST_USAGE.  Rows added or removed between pages are seen or missed
 * as the keys fall; no row is ever listed twice within one walk.
 *
 * Times are RFC 3339 UTC with microseconds ("2026-01-31T12:00:00.000000Z").
 * Errors: ST_USAGE for a bad filter or cursor (err names which), ST_NOTFOUND
 * (history: no such item), ST_CONN, ST_DENIED, ST_DB as db_exec. */
#ifndef CUSTOS_QUERY_H
#define CUSTOS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "status.h"

#define QUERY_LIMIT_DEFAULT 50
#define QUERY_LIMIT_MAX 1000
#define QUERY_CURSOR_MAX 256 /* cursor text, NUL included */

/* --- holdings ---------------------------------------------------------- */

typedef struct query_holdings_filter {
	const char *account; /* six digits; NULL/"" = every account the login sees */
	const char *status;  /* NULL/"" or "open": on_hand, issued, in_transit and
			      * incident; "all"; or one status name */
	const char *kind;    /* NULL/"" = any; "key", "equipment", "publication" */
	const char *cls;     /* NULL/"" = any; "U", "C", "S", "TS" */
	int alc;             /* 0 = any; 1, 2, 4, 6 or 7 */
	const char *title;   /* short title prefix, bytewise; NULL/"" = any */
	const char *serial;  /* serial prefix, bytewise; NULL/"" = any */
	int limit;
	const char *after;
} query_holdings_filter;

typedef struct query_item {
	const char *account, *title, *edition, *serial;
	const char *kind, *cls, *status;
	int alc;
	bool crypto;
	int64_t qty;
	const char *effective, *supersedes; /* "YYYY-MM-DD", "" when none */
	const char *holder;                 /* issued: the holder's key name */
	const char *peer;                   /* in transit / transferred: receiver */
	const char *incident;               /* status incident: the incident's txn */
	const char *last_txn;
	int64_t last_index;
	const char *since;                  /* when the status last changed */
} query_item;

typedef struct query_items {
	query_item *rows; /* in (account, title, edition, serial) order, bytewise */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;    /* private */
} query_items;

/* One page of the items that match f. */
status query_holdings(db *d, const query_holdings_filter *f, query_items *out,
		      errbuf *err) CUSTOS_WARN_UNUSED;
void query_items_free(query_items *p);

/* The server's plan (EXPLAIN, without costs) for the page query_holdings
 * would fetch with f, one line per plan line, in a malloc'd string the
 * caller frees: to check that every filter is served by an index. */
status query_holdings_explain(db *d, const query_holdings_filter *f, char **plan,
			      errbuf *err) CUSTOS_WARN_UNUSED;

/* --- the history of one item -------------------------------------------- */

typedef struct query_history_filter {
	/* The item: title, edition and serial; or title NULL/"" for the one
	 * item with this serial (refused with ST_USAGE when several have it). */
	const char *title, *edition, *serial;
	int limit;
	const char *after;
} query_history_filter;

typedef struct query_event {
	int64_t index;        /* the log entry */
	const char *time, *action, *txn, *account, *actor; /* txn "" when none */
	const char *signers;  /* key names of the note's signature lines, in
			       * order, separated by single spaces */
} query_event;

typedef struct query_history {
	query_item item;      /* the item as it stands */
	query_event *rows;    /* by log index, oldest first */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res, *item_res; /* private */
	char *names;              /* private: storage of the signers */
} query_history;

status query_item_history(db *d, const query_history_filter *f, query_history *out,
			  errbuf *err) CUSTOS_WARN_UNUSED;
void query_history_free(query_history *p);

/* --- transactions ---------------------------------------------------------- */

typedef struct query_txn_filter {
	const char *account;  /* six digits, required */
	const char *action;   /* NULL/"" = any; else an action name */
	bool open_only;       /* only transfers in transit, issues with items out,
			       * open incidents */
	int limit;
	const char *after;
} query_txn_filter;

typedef struct query_txn {
	const char *number, *account, *action, *time, *peer, *holder, *ref;
	int year, seq;
	int64_t index;
	bool open;
} query_txn;

typedef struct query_txns {
	query_txn *rows;      /* newest first: by (year, seq) descending */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;        /* private */
} query_txns;

status query_txn_list(db *d, const query_txn_filter *f, query_txns *out,
		      errbuf *err) CUSTOS_WARN_UNUSED;
void query_txns_free(query_txns *p);

/* Transfers from other accounts in transit to `account` (its custodian
 * accepts them), oldest first, at most `limit` (0: 50). */
status query_txn_incoming(db *d, const char *account, int limit, query_txns *out,
			  errbuf *err) CUSTOS_WARN_UNUSED;

/* --- alarms --------------------------------------------------------------- */

/* Alarms at the server's clock, by the policy table (docs/ledger.md, "Time
 * and alarms").  kind is one of:
 *   "destruction"   superseded keying material (on hand, issued or under
 *                   incident) not destroyed within destruction_deadline_hours
 *                   of 00:00 UTC of its supersession date; subject: the item
 *                   "TITLE EDITION SERIAL"; since: that 00:00 UTC;
 *   "incident"      open incident without update for incident_report_hours;
 *                   subject: the incident's txn; since: its report;
 *   "transit"       transfer in transit for transit_alarm_days; subject: the
 *                   transfer's txn; since: the transfer;
 *   "inventory"     account not inventoried for inventory_interval_months;
 *                   subject: the account; since: last inventory or opening;
 *   "hand-receipt"  issue open for hand_receipt_alarm_days; subject: the
 *                   issue's txn; since: the issue.
 * overdue_seconds is how long ago the limit ran out (> 0). */
typedef struct query_alarm {
	const char *kind, *account, *subject, *since;
	int64_t overdue_seconds;
} query_alarm;

typedef struct query_alarms {
	query_alarm *rows;    /* by kind (in the order above), then since */
	size_t n;
	const char *now;      /* the server time they were computed at */
	PGresult *res;        /* private */
} query_alarms;

/* Every alarm on `account` (NULL/"" = on every account the login sees).
 * Not paged: an alarm is a thing to act on, and each kind is found through
 * an index on the few rows that can raise it. */
status query_alarm_list(db *d, const char *account, query_alarms *out,
			errbuf *err) CUSTOS_WARN_UNUSED;
void query_alarms_free(query_alarms *p);

/* --- people and accounts ------------------------------------------------------ */

typedef struct query_person {
	const char *name, *login;
	const char *roles;    /* "role" or "role:account", space separated,
			       * sorted; "" when none */
	int64_t enrolled_index;
	bool revoked;
	int64_t revoked_index; /* valid when revoked */
} query_person;

typedef struct query_persons {
	query_person *rows;   /* by name, bytewise */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;        /* private */
} query_persons;

status query_person_list(db *d, int limit, const char *after, query_persons *out,
			 errbuf *err) CUSTOS_WARN_UNUSED;
void query_persons_free(query_persons *p);

typedef struct query_account {
	const char *number, *name, *opened;
	const char *last_inventory; /* "" when never inventoried */
	int64_t open_items;         /* on_hand, issued, in_transit, incident */
} query_account;

typedef struct query_accounts {
	query_account *rows;  /* by number */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;        /* private */
} query_accounts;

status query_account_list(db *d, int limit, const char *after, query_accounts *out,
			  errbuf *err) CUSTOS_WARN_UNUSED;
void query_accounts_free(query_accounts *p);

#endif
