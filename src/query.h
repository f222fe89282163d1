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
#include "rules.h"
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
	/* The order: NULL/"" or "title" (account, title, edition, serial);
	 * "serial" (serial, account, title, edition); "status" (status,
	 * account, title, edition, serial).  Each is served by an index
	 * (003_query_indexes.sql) and has its own cursors. */
	const char *sort;
	int limit;
	const char *after;
	/* Page backward: the page holds the (up to limit) rows just BEFORE
	 * the position `after` names (the list's last rows when `after` is
	 * NULL/""), still in list order; its `next` then names the position
	 * before its first row, to go on backward ("" at the list's start). */
	bool backward;
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
	bool in_effect;                     /* keying material put into effect
					     * (key-effective); false: in reserve */
} query_item;

typedef struct query_items {
	query_item *rows; /* in the filter's order (default (account, title,
			   * edition, serial)), bytewise */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;    /* private */
} query_items;

/* One page of the items that match f. */
status query_holdings(db *d, const query_holdings_filter *f, query_items *out,
		      errbuf *err) CUSTOS_WARN_UNUSED;
void query_items_free(query_items *p);

/* The cursor naming the position of item `at` in the order of f->sort
 * (f's other fields are not used): query_holdings with it as `after`
 * lists the rows after `at` (or before it, backward).  For a screen that
 * keeps a window of rows and pages from either edge of it. */
status query_holdings_cursor(const query_holdings_filter *f, const query_item *at,
			     char out[QUERY_CURSOR_MAX], errbuf *err) CUSTOS_WARN_UNUSED;

/* The items listed in transaction `txn`'s entry, as they stand now, by
 * (account, title, edition, serial); at most ENTRY_MAX_ITEMS (an entry
 * holds no more).  No row when the login may not see the transaction. */
status query_txn_items(db *d, const char *txn, query_items *out, errbuf *err) CUSTOS_WARN_UNUSED;

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

/* --- policy --------------------------------------------------------------- */

/* The policies of rules.c's table in force (value) and the entry that set
 * each (set, 0: its default), from the policy table; a policy missing
 * there is its default. */
typedef struct query_policy_row {
	int64_t value;
	uint64_t set;
} query_policy_row;
status query_policy(db *d, query_policy_row out[POL__COUNT], errbuf *err) CUSTOS_WARN_UNUSED;

/* --- a person's key ---------------------------------------------------------- */

/* The verifier key enrolled for person `name` (revoked or not) into *out:
 * what an appointment or a revocation names as its key line.  ST_NOTFOUND
 * ("no person named NAME is enrolled") when there is none. */
status query_person_key(db *d, const char *name, key_public *out, errbuf *err) CUSTOS_WARN_UNUSED;

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
 *                   issue's txn; since: the issue;
 *   "checkpoint"    a checkpoint is due and none was made (checkpoint.h):
 *                   account "" (the whole log; listed only when `account`
 *                   is NULL); subject "since index X, two-person action at
 *                   Y" or "since index X, N entries"; since: the time of
 *                   the entry that made it due.
 * overdue_seconds is how long ago the limit ran out (> 0). */
typedef struct query_alarm {
	const char *kind, *account, *subject, *since;
	int64_t overdue_seconds;
	/* "destruction": the item's identity, to open it; "" for other kinds */
	const char *title, *edition, *serial;
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
	const char *rank, *position; /* person-details; "" when never set */
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
	const char *address;        /* account-details; "" when never set */
	const char *cor_account;    /* account-details: six digits, "" when none */
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

/* An account outside this ledger, as account-outside registered it and
 * account-details changed it. */
typedef struct query_outside {
	const char *number, *name;
	const char *address;        /* "" when none */
	int64_t registered_index;   /* the account-outside entry */
} query_outside;

typedef struct query_outsides {
	query_outside *rows;  /* by number */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;        /* private */
} query_outsides;

/* The accounts outside this ledger (every login reads them all), a page
 * of at most `limit` (0: the default) after cursor `after` (NULL/"": from
 * the first); its `next` names the following page, "" after the last.
 * ST_USAGE for a cursor this list did not give out.  The rows point into
 * out->res: free with query_outsides_free. */
status query_outside_list(db *d, int limit, const char *after, query_outsides *out,
			  errbuf *err) CUSTOS_WARN_UNUSED;
void query_outsides_free(query_outsides *p);

/* --- the session: who is asking, and the log ------------------------------- */

typedef struct query_me {
	const char *login;    /* the session's login role */
	const char *name;     /* the enrolled person with that login, not revoked;
			       * "" when there is none */
	const char *roles;    /* as query_person's: "role" or "role:account",
			       * space separated, sorted; "" when none */
	const char *origin;   /* the log's origin; "" before the genesis entry */
	int64_t log_size;     /* entries in the log */
	PGresult *res;        /* private */
} query_me;

/* Who the connected login is, their roles, and the log head: one
 * statement.  ST_DB when the schema is missing (not a custos database). */
status query_whoami(db *d, query_me *out, errbuf *err) CUSTOS_WARN_UNUSED;
void query_me_free(query_me *p);

/* --- incidents ------------------------------------------------------------------ */

typedef struct query_incident {
	const char *txn, *account, *category;
	const char *reported;      /* when reported */
	int64_t updates;           /* amplifying reports */
	const char *last_update;   /* "" when none */
	bool open;
	const char *closed;        /* "" while open */
	int64_t items;             /* items the report listed */
	const char *discovered;    /* when discovered (a v1 report: when reported) */
	const char *outcome;       /* once closed: no-compromise, ...; "" else, and
				    * for a v1 close */
} query_incident;

typedef struct query_incidents {
	query_incident *rows; /* newest report first: (reported, txn) descending */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;        /* private */
} query_incidents;

/* One page of the incidents on `account` (NULL/"" = every account the
 * login sees), open ones only with open_only. */
status query_incident_list(db *d, const char *account, bool open_only, int limit,
			   const char *after, query_incidents *out, errbuf *err) CUSTOS_WARN_UNUSED;
void query_incidents_free(query_incidents *p);

/* The reports of one incident, as signed: its report (initial), its
 * updates (amplifying), its close (final), and possession reports of
 * material found under it, in log order (at most QUERY_REPORTS_MAX). */
#define QUERY_REPORTS_MAX 200
typedef struct query_report {
	int64_t index;
	const char *time, *action;  /* the entry's */
	char *text;                 /* its free text, unescaped; "" when none;
				     * may hold any character: print it safely */
	size_t textlen;
} query_report;

typedef struct query_reports {
	query_report *rows;
	size_t n;
	PGresult *res;        /* private */
} query_reports;

status query_incident_reports(db *d, const char *txn, query_reports *out,
			      errbuf *err) CUSTOS_WARN_UNUSED;
void query_reports_free(query_reports *p);

/* --- the log ------------------------------------------------------------------------ */

typedef struct query_log_filter {
	const char *account;  /* NULL/"" = every entry the login may read */
	int limit;
	const char *after;    /* cursor, as for holdings */
	bool backward;        /* as for holdings: the rows before `after` (the
			       * newest when `after` is NULL/""), in list order */
} query_log_filter;

typedef struct query_log_row {
	int64_t index;
	const char *time, *action, *txn, *account, *peer, *actor; /* "" when none */
	const char *signers;  /* key names of the signature lines, space separated */
} query_log_row;

typedef struct query_log {
	query_log_row *rows;  /* newest first: by index descending */
	size_t n;
	char next[QUERY_CURSOR_MAX];
	PGresult *res;        /* private */
	char *names;          /* private */
} query_log;

/* One page of log entries, by the primary key (or log_entry_account). */
status query_log_list(db *d, const query_log_filter *f, query_log *out,
		      errbuf *err) CUSTOS_WARN_UNUSED;
void query_log_free(query_log *p);

/* The cursor naming entry `index`'s position in the log list. */
status query_log_cursor(int64_t index, char out[QUERY_CURSOR_MAX], errbuf *err) CUSTOS_WARN_UNUSED;

/* The signed note of entry `index`, exactly as stored, in a malloc'd
 * NUL-terminated string (*len bytes, the note may hold no NUL); the
 * caller frees.  ST_NOTFOUND when there is none the login may read. */
status query_log_note(db *d, int64_t index, char **note, size_t *len, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
