/* access.h: the access log (sql/019_access_events.sql): each custos
 * session's login, each refused action with its refusal code, each export,
 * recorded for auditors; and the auditor's list of them.
 *
 * An event is recorded in a short transaction of its own, after any action
 * of the session has ended, with synchronous_commit = local and a short
 * statement timeout: it never waits for a synchronous standby nor holds up
 * the session, and it never takes part in a ledger action (a refusal is
 * recorded after the refused action's transaction rolled back).  The server
 * stamps the time, the login and its person; only codes and names cross
 * (the kind, the account, the action, the refusal code), never an error's
 * words.
 *
 * Failing to record is never the action's failure: access_login,
 * access_refusal and access_export report it, once per process, through
 * the notice function (access_set_notice; by default a line on stderr) and
 * return nothing.  On a read-only standby, where an auditor reads and
 * exports, no event can be stored: the notice says so. */
#ifndef CUSTOS_ACCESS_H
#define CUSTOS_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "entry.h"
#include "query.h"
#include "rules.h"
#include "status.h"

typedef enum access_kind { ACCESS_LOGIN, ACCESS_REFUSAL, ACCESS_EXPORT, ACCESS__COUNT } access_kind;

/* "login", "refusal", "export"; "?" for anything else. */
const char *access_kind_name(access_kind k);

#define ACCESS_DETAIL_MAX 200 /* characters the server keeps in an event's detail */

/* Record one event of the session's login: account NULL or six digits,
 * action ACT__COUNT for none, why RULE_NONE for none (a refusal only),
 * detail NULL or a short plain text (the server refuses control and bidi
 * characters and more than ACCESS_DETAIL_MAX characters).  Runs its own
 * transaction: call it outside one.  ST_READONLY on a standby; ST_NOTFOUND
 * when the database lacks migration 019; else db_exec's statuses. */
status access_record(db *d, access_kind kind, const char *account, entry_action action,
		     rules_refusal why, const char *detail, errbuf *err) CUSTOS_WARN_UNUSED;

/* Where a failure to record goes: fn(text) with the words, at most once per
 * process.  NULL silences it (a screen that has no stderr); the default
 * writes "custos: ..." to stderr. */
void access_set_notice(void (*fn)(const char *text));

/* The session began: `what` says through what: the verb's words
 * ("holdings", "transfer") or "terminal"; the event's detail is
 * "custos WHAT".  Failures go to the notice. */
void access_login(db *d, const char *what);

/* An action of the ledger was refused: st ST_REFUSED or ST_DENIED (any
 * other status records nothing), why the rules_refusal of errbuf.why (0
 * for none), words the refusal's detail (err_text), kept as plain text of
 * at most ACCESS_DETAIL_MAX characters.  Failures go to the notice. */
void access_refusal(db *d, entry_action action, const char *account, status st, int why,
		    const char *words);

/* The log or a report was exported: `what` says what and where ("log
 * export --out /srv/bundle"), kept as plain text of at most
 * ACCESS_DETAIL_MAX characters.  Failures go to the notice. */
void access_export(db *d, const char *what);

/* ---- the auditor's list --------------------------------------------------- */

/* Filters; NULL or "" (0 for limit) means any.  since/until: times the
 * server reads as timestamptz (ISO 8601, e.g. 2026-12-07T08:00Z); since is
 * inclusive, until exclusive.  person: a person's name; account: six
 * digits; kind: login, refusal or export.  after: the cursor a page gave. */
typedef struct access_filter {
	const char *person, *account, *since, *until, *kind, *after;
	int limit;
} access_filter;

typedef struct access_event {
	int64_t id;
	const char *at;      /* RFC 3339, UTC, microseconds */
	const char *login;
	const char *person;  /* "" when the login is nobody's */
	const char *account; /* "" when none */
	const char *kind;
	const char *action;  /* "" when none */
	const char *code;    /* "" when none */
	const char *detail;  /* "" when none */
} access_event;

typedef struct access_events {
	access_event *rows; /* oldest first, by id */
	size_t n;
	char next[QUERY_CURSOR_MAX]; /* "" on the last page */
	PGresult *res;      /* private */
} access_events;

/* One page of events matching f.  ST_USAGE for a filter or cursor that is
 * not valid (err names it); ST_DENIED for a login that is no auditor.
 * On success the caller frees out with access_events_free. */
status access_list(db *d, const access_filter *f, access_events *out, errbuf *err) CUSTOS_WARN_UNUSED;
void access_events_free(access_events *p);

#endif
