/* access.c: the access log (see access.h). */
#include "access.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safeprint.h"
#include "utf8.h"

static const char *const kind_names[ACCESS__COUNT] = {"login", "refusal", "export"};

const char *access_kind_name(access_kind k)
{
	return (unsigned)k < ACCESS__COUNT ? kind_names[k] : "?";
}

/* ---- recording ------------------------------------------------------------- */

/* The event's own transaction never waits for a synchronous standby
 * (a dead one would hold the COMMIT for ever) nor for long on anything
 * else; both settings end with the transaction. */
static const char ACCESS_SETTINGS[] =
	"SELECT pg_catalog.set_config('synchronous_commit', 'local', true), "
	"pg_catalog.set_config('statement_timeout', '3s', true), "
	"pg_catalog.set_config('lock_timeout', '1s', true)";
static const char ACCESS_RECORD[] = "SELECT custos.access_record($1, $2, $3, $4, $5)";

status access_record(db *d, access_kind kind, const char *account, entry_action action,
		     rules_refusal why, const char *detail, errbuf *err)
{
	if ((unsigned)kind >= ACCESS__COUNT)
		return err_set(err, ST_USAGE, "no such kind of access event");
	const char *p[5] = {
		kind_names[kind],
		account != NULL && account[0] != '\0' ? account : NULL,
		(unsigned)action < ACT__COUNT ? entry_action_name(action) : NULL,
		why != RULE_NONE ? rules_refusal_name(why) : NULL,
		detail != NULL && detail[0] != '\0' ? detail : NULL,
	};
	status st = db_begin(d, err);
	if (st == ST_OK)
		st = db_exec(d, ACCESS_SETTINGS, 0, NULL, NULL, err);
	if (st == ST_OK)
		st = db_exec(d, ACCESS_RECORD, 5, p, NULL, err);
	if (st == ST_OK)
		return db_commit(d, err);
	/* 42883: no such function, 3F000/42P01: no such schema or table */
	const char *code = db_sqlstate(d);
	db_rollback(d);
	if (strcmp(code, "42883") == 0 || strcmp(code, "3F000") == 0 || strcmp(code, "42P01") == 0)
		return err_set(err, ST_NOTFOUND, "the database has no access log yet "
			       "(custos db migrate applies migration 019)");
	return st;
}

static void notice_stderr(const char *text)
{
	fputs("custos: ", stderr);
	safe_fputs(text, stderr);
	fputc('\n', stderr);
}

static void (*notice_fn)(const char *) = notice_stderr;
static bool noticed;

void access_set_notice(void (*fn)(const char *text))
{
	notice_fn = fn;
}

/* Tell of a failure to record, once per process. */
static void notice(access_kind kind, status st, const errbuf *err)
{
	if (noticed || notice_fn == NULL)
		return;
	noticed = true;
	char text[512];
	if (st == ST_READONLY)
		snprintf(text, sizeof text, "this server is a read-only standby: the access log "
			 "cannot record this session's %s (or later events); going on",
			 kind_names[kind]);
	else
		snprintf(text, sizeof text, "the access log did not record this session's %s "
			 "(%s); going on", kind_names[kind], err_text(err, st));
	notice_fn(text);
}

/* At most ACCESS_DETAIL_MAX characters of s, with every character the
 * server refuses in a detail (controls, layout and bidi controls, bytes
 * that are not UTF-8) replaced by '?': a detail quotes what the user typed
 * (a refusal's words, a path). */
static void plain_detail(const char *s, char *out, size_t cap)
{
	size_t o = 0, len = strlen(s);
	int chars = 0;
	while (len > 0 && chars < ACCESS_DETAIL_MAX && o + 5 < cap) {
		uint32_t cp = 0;
		size_t n = utf8_decode(s, len, &cp);
		bool bad = n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
			   utf8_is_layout_control(cp) || (cp >= 0x2060 && cp <= 0x206f);
		if (bad) {
			out[o++] = '?';
			n = n == 0 ? 1 : n;
		} else {
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
		len -= n;
		chars++;
	}
	out[o] = '\0';
}

/* Record, and tell of a failure.  A status that says the connection went
 * (or the outcome is unknown) is left for the next action to meet. */
static void record(db *d, access_kind kind, const char *account, entry_action action,
		   rules_refusal why, const char *detail)
{
	if (d == NULL)
		return;
	errbuf err = {0};
	char plain[4 * ACCESS_DETAIL_MAX + 1] = "";
	if (detail != NULL)
		plain_detail(detail, plain, sizeof plain);
	status st = access_record(d, kind, account, action, why, plain, &err);
	if (st != ST_OK)
		notice(kind, st, &err);
}

void access_login(db *d, const char *what)
{
	char detail[128];
	snprintf(detail, sizeof detail, "custos %s", what);
	record(d, ACCESS_LOGIN, NULL, ACT__COUNT, RULE_NONE, detail);
}

void access_refusal(db *d, entry_action action, const char *account, status st, int why,
		    const char *words)
{
	if (st != ST_REFUSED && st != ST_DENIED)
		return;
	rules_refusal r = why > RULE_NONE && why < RULE__COUNT ? (rules_refusal)why : RULE_NONE;
	record(d, ACCESS_REFUSAL, account, action, r,
	       words != NULL && words[0] != '\0' ? words : status_message(st));
}

void access_export(db *d, const char *what)
{
	record(d, ACCESS_EXPORT, NULL, ACT__COUNT, RULE_NONE, what);
}

/* ---- the auditor's list ------------------------------------------------------ */

#define RFC3339(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Planned afresh each time (db_exec_adhoc), so that the filters not given
 * fold away and the one given uses its index. */
static const char ACCESS_LIST[] =
	"SELECT a.id, " RFC3339("a.at") ", a.login, coalesce(a.person, ''),"
	"       coalesce(a.account, ''), a.kind, coalesce(a.action, ''), coalesce(a.code, ''),"
	"       coalesce(a.detail, '')"
	"  FROM custos.access_event a"
	" WHERE ($1::text IS NULL OR a.person = $1)"
	"   AND ($2::text IS NULL OR a.account = $2)"
	"   AND ($3::timestamptz IS NULL OR a.at >= $3::timestamptz)"
	"   AND ($4::timestamptz IS NULL OR a.at < $4::timestamptz)"
	"   AND ($5::text IS NULL OR a.kind = $5)"
	"   AND ($6::bigint IS NULL OR a.id > $6::bigint)"
	" ORDER BY a.id LIMIT $7";

static const char *given(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* A time filter: short printable ASCII, for the server to read. */
static status check_time(const char *name, const char *s, errbuf *err)
{
	if (s == NULL)
		return ST_OK;
	size_t n = strlen(s);
	if (n > 64)
		return err_set(err, ST_USAGE, "%s is a time, e.g. 2026-12-07T08:00Z", name);
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return err_set(err, ST_USAGE, "%s is a time, e.g. 2026-12-07T08:00Z", name);
	return ST_OK;
}

/* The cursor is the last id of the page, as "A" and decimal digits. */
static status cursor_id(const char *s, char out[24], errbuf *err)
{
	size_t n = strlen(s);
	if (n < 2 || n > 20 || s[0] != 'A' || strspn(s + 1, "0123456789") != n - 1)
		return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
	memcpy(out, s + 1, n);
	return ST_OK;
}

void access_events_free(access_events *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status access_list(db *d, const access_filter *f, access_events *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	const char *person = given(f->person), *account = given(f->account);
	const char *since = given(f->since), *until = given(f->until), *kind = given(f->kind);
	int limit = f->limit == 0 ? QUERY_LIMIT_DEFAULT : f->limit;
	if (limit < 1 || limit > QUERY_LIMIT_MAX)
		return err_set(err, ST_USAGE, "limit must be 1 to %d", QUERY_LIMIT_MAX);
	if (person != NULL && strlen(person) > KEY_NAME_MAX)
		return err_set(err, ST_USAGE, "a person's name is at most %d bytes", KEY_NAME_MAX);
	if (account != NULL && !entry_account_number_valid(account))
		return err_set(err, ST_USAGE, "account must be six digits");
	if (kind != NULL && strcmp(kind, "login") != 0 && strcmp(kind, "refusal") != 0 &&
	    strcmp(kind, "export") != 0)
		return err_set(err, ST_USAGE, "kind must be login, refusal or export");
	status st;
	if ((st = check_time("since", since, err)) != ST_OK ||
	    (st = check_time("until", until, err)) != ST_OK)
		return st;
	char after[24] = "", lim[16];
	if (given(f->after) != NULL && (st = cursor_id(f->after, after, err)) != ST_OK)
		return st;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[7] = {person, account, since, until, kind, after[0] ? after : NULL, lim};
	/* A time without a zone is UTC, whatever the server's TimeZone: the
	 * setting lasts for this read-only transaction alone. */
	if ((st = db_begin(d, err)) == ST_OK &&
	    (st = db_exec(d, "SELECT pg_catalog.set_config('TimeZone', 'UTC', true)", 0, NULL, NULL,
			  err)) == ST_OK)
		st = db_exec_adhoc(d, ACCESS_LIST, 7, p, &out->res, err);
	if (st != ST_OK) {
		char code[8];
		snprintf(code, sizeof code, "%s", db_sqlstate(d));
		db_rollback(d);
		/* 22007/22008: a time the server cannot read */
		if (strcmp(code, "22007") == 0 || strcmp(code, "22008") == 0 ||
		    strcmp(code, "22003") == 0)
			st = err_set(err, ST_USAGE, "since and until are times, e.g. 2026-12-07T08:00Z");
		else if (st == ST_DENIED)
			st = err_set(err, ST_DENIED, "only an auditor reads the access log");
		return st;
	}
	db_rollback(d); /* nothing was written: the read ends here */
	int rows = PQntuples(out->res);
	size_t n = rows > limit ? (size_t)limit : (size_t)rows;
	if (n > 0 && (out->rows = calloc(n, sizeof *out->rows)) == NULL) {
		access_events_free(out);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		access_event *e = &out->rows[i];
		int r = (int)i;
		e->id = db_int(out->res, r, 0);
		e->at = db_val(out->res, r, 1);
		e->login = db_val(out->res, r, 2);
		e->person = db_val(out->res, r, 3);
		e->account = db_val(out->res, r, 4);
		e->kind = db_val(out->res, r, 5);
		e->action = db_val(out->res, r, 6);
		e->code = db_val(out->res, r, 7);
		e->detail = db_val(out->res, r, 8);
	}
	if (rows > limit)
		snprintf(out->next, sizeof out->next, "A%lld", (long long)out->rows[n - 1].id);
	return ST_OK;
}
