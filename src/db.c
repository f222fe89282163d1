#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "buf.h"

/* Statements are prepared once per connection and reused, known by their
 * text (a copy is kept). */
#define DB_PREPARED_MAX 256

struct db {
	PGconn *conn;
	char *prepared[DB_PREPARED_MAX]; /* SQL prepared as "c<index>" (copies) */
	size_t nprepared;
	bool pipe;        /* in pipeline mode: statements are queued */
	size_t queued;    /* results the pipeline owes us */
	char *conninfo;   /* as given; NULL for the environment's defaults */
	char sqlstate[6];
	char server[160];
	bool no_access;   /* the schema exists but this login may not use it */
	/* Judging a COMMIT: while one is in flight (watch), a WARNING from the
	 * server means it did not get the synchronous standby's confirmation. */
	bool watch;       /* a COMMIT is in flight */
	bool commit_queued; /* the pipeline holds a COMMIT */
	bool warned;      /* a WARNING arrived while watching */
	char warn_state[6]; /* its SQLSTATE */
};

/* Pins search_path, and tells whether this login may use the custos
 * schema (true while the schema does not exist yet: `db init`). */
static const char PIN_SEARCH_PATH[] =
	"SELECT pg_catalog.set_config('search_path', 'custos, pg_catalog, pg_temp', false), "
	"CASE WHEN pg_catalog.to_regnamespace('custos') IS NULL THEN true "
	"ELSE pg_catalog.has_schema_privilege('custos', 'USAGE') END, "
	/* A commit is acknowledged only once the synchronous standby (if the
	 * server names one) has it: never less than synchronous_commit=on,
	 * whatever PGOPTIONS asked for. */
	"pg_catalog.set_config('synchronous_commit', "
	"CASE WHEN pg_catalog.current_setting('synchronous_commit') IN ('off', 'local', 'remote_write') "
	"THEN 'on' ELSE pg_catalog.current_setting('synchronous_commit') END, false)";

/* One line of libpq's message: drop the trailing newline. */
static void copy_message(errbuf *err, const char *prefix, const char *msg)
{
	if (err == NULL)
		return;
	snprintf(err->msg, sizeof err->msg, "%s%s", prefix, msg ? msg : "");
	size_t n = strlen(err->msg);
	while (n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == ' '))
		err->msg[--n] = '\0';
}

/* Server notices ("schema already exists, skipping") are not for users,
 * but one kind decides a commit's outcome.  When the wait of a COMMIT for
 * the synchronous standby is cut short (pg_cancel_backend: SQLSTATE 01000;
 * pg_terminate_backend or a shutdown: 57P01), the server commits locally
 * and sends a WARNING instead of an error; the standby may not have the
 * transaction, and a failover would lose it.  That WARNING has no SQLSTATE
 * of its own (01000 is the generic warning), so any WARNING that arrives
 * while a COMMIT is in flight counts: a harmless one costs a resubmission
 * under the same idempotency key, which finds the entry and confirms it
 * (db_confirm_replicated); a missed one would report unreplicated work as
 * done.  Decided by severity and SQLSTATE, never by the message's words. */
static void on_notice(void *arg, const PGresult *r)
{
	db *d = arg;
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (!d->watch || sev == NULL || strcmp(sev, "WARNING") != 0)
		return;
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	d->warned = true;
	snprintf(d->warn_state, sizeof d->warn_state, "%s", state ? state : "");
}

/* The outcome of a COMMIT that was sent, from its status `st` and what
 * arrived while it was in flight: ST_OK only when the server confirmed it
 * without a warning; ST_UNREPLICATED when the server said it cut the wait
 * short; ST_UNKNOWN when the connection went before the answer came. */
static status commit_outcome(db *d, status st, errbuf *err)
{
	bool warned = d->warned;
	d->watch = d->warned = d->commit_queued = false;
	if (warned && (st == ST_OK || st == ST_CONN)) {
		snprintf(d->sqlstate, sizeof d->sqlstate, "%s", d->warn_state);
		return err_set(err, ST_UNREPLICATED, "%s (SQLSTATE %s)",
			       status_message(ST_UNREPLICATED), d->warn_state);
	}
	if (st == ST_CONN)
		return err_set(err, ST_UNKNOWN, "%s", status_message(ST_UNKNOWN));
	return st;
}

static status connect_now(db *d, errbuf *err)
{
	for (size_t i = 0; i < d->nprepared; i++) /* a new session has none */
		free(d->prepared[i]);
	d->nprepared = 0;
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {d->conninfo, "custos", NULL};
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (d->conn == NULL)
		return err_set(err, ST_NOMEM, "out of memory connecting to the database");
	if (PQstatus(d->conn) != CONNECTION_OK) {
		copy_message(err, "cannot connect to the database: ", PQerrorMessage(d->conn));
		/* A server that wants a password we lack will want it next time
		 * too: not worth retrying (ST_DENIED); anything else may be a
		 * server that is down or not yet promoted (ST_CONN). */
		status st = PQconnectionNeedsPassword(d->conn) ? ST_DENIED : ST_CONN;
		PQfinish(d->conn);
		d->conn = NULL;
		return st;
	}
	PQsetClientEncoding(d->conn, "UTF8");
	PQsetNoticeReceiver(d->conn, on_notice, d);
	const char *host = PQhost(d->conn);
	snprintf(d->server, sizeof d->server, "%s:%s/%s", host ? host : "",
		 PQport(d->conn) ? PQport(d->conn) : "", PQdb(d->conn) ? PQdb(d->conn) : "");
	PGresult *r = NULL;
	status st = db_exec(d, PIN_SEARCH_PATH, 0, NULL, &r, err);
	d->no_access = st == ST_OK && strcmp(PQgetvalue(r, 0, 1), "f") == 0;
	PQclear(r);
	if (st != ST_OK) {
		PQfinish(d->conn);
		d->conn = NULL;
	}
	return st;
}

/* A handle that keeps a copy of conninfo and is not connected; NULL when
 * out of memory. */
static db *new_handle(const char *conninfo)
{
	db *d = calloc(1, sizeof *d);
	if (d != NULL && conninfo != NULL && conninfo[0] != '\0' &&
	    (d->conninfo = strdup(conninfo)) == NULL) {
		free(d);
		d = NULL;
	}
	return d;
}

status db_open(const char *conninfo, db **out, errbuf *err)
{
	*out = NULL;
	/* A connection string that does not parse never will: say so now. */
	if (conninfo != NULL && conninfo[0] != '\0') {
		char *why = NULL;
		PQconninfoOption *o = PQconninfoParse(conninfo, &why);
		if (o == NULL) {
			copy_message(err, "the connection string is malformed: ",
				     why ? why : "out of memory");
			PQfreemem(why);
			return ST_USAGE;
		}
		PQconninfoFree(o);
	}
	db *d = new_handle(conninfo);
	if (d == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = connect_now(d, err);
	if (st != ST_OK) {
		db_close(d);
		return st;
	}
	*out = d;
	return ST_OK;
}

status db_open_retry(const char *conninfo, unsigned seconds, db **out, errbuf *err)
{
	status st = db_open(conninfo, out, err);
	if (st != ST_CONN || seconds == 0)
		return st;
	/* db_reconnect's loop, on a handle that has not connected yet. */
	db *d = new_handle(conninfo);
	if (d == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	if ((st = db_reconnect(d, seconds, err)) != ST_OK) {
		db_close(d);
		return st;
	}
	*out = d;
	return ST_OK;
}

void db_close(db *d)
{
	if (d == NULL)
		return;
	PQfinish(d->conn);
	for (size_t i = 0; i < d->nprepared; i++)
		free(d->prepared[i]);
	free(d->conninfo);
	free(d);
}

status db_reconnect(db *d, unsigned seconds, errbuf *err)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long pause_ms = 100;
	for (;;) {
		PQfinish(d->conn);
		d->conn = NULL;
		status st = connect_now(d, err);
		if (st != ST_CONN)
			return st;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left_ms = (long)seconds * 1000 - ((long)(now.tv_sec - start.tv_sec) * 1000 +
						       (now.tv_nsec - start.tv_nsec) / 1000000L);
		if (left_ms <= 0)
			return st;
		if (pause_ms > left_ms) /* the last try at the end of the time given */
			pause_ms = left_ms;
		struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		if (pause_ms < 2000)
			pause_ms *= 2;
	}
}

/* Map a failed result to a status and a message naming the cause. */
static status result_error(db *d, const PGresult *r, errbuf *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(d->sqlstate, sizeof d->sqlstate, "%s", state ? state : "");
	/* An error result without an SQLSTATE was made by libpq, not the
	 * server: the connection broke (in pipeline mode libpq reports a
	 * server that went away this way before it marks the connection bad). */
	bool from_libpq = r != NULL && (state == NULL || state[0] == '\0');
	if (PQstatus(d->conn) != CONNECTION_OK || from_libpq ||
	    (state && strncmp(state, "08", 2) == 0 && strcmp(state, "08P01") != 0) ||
	    (state && (strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
		       strcmp(state, "57P03") == 0))) {
		copy_message(err, "connection to the database lost: ", PQerrorMessage(d->conn));
		return ST_CONN;
	}
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	/* A login without the schema (no custos role: never enrolled, or its
	 * key revoked) sees "function ... does not exist": say what it means. */
	if (d->no_access && state &&
	    (strcmp(state, "42883") == 0 || strcmp(state, "42P01") == 0 ||
	     strcmp(state, "3F000") == 0 || strcmp(state, "42501") == 0)) {
		if (err != NULL)
			snprintf(err->msg, sizeof err->msg,
				 "database: the login %s may not use custos: it is not an enrolled "
				 "person, or its key was revoked (ask an administrator)",
				 PQuser(d->conn) ? PQuser(d->conn) : "");
		return ST_DENIED;
	}
	copy_message(err, "database: ", msg ? msg : PQerrorMessage(d->conn));
	if (state && strcmp(state, "42501") == 0)
		return ST_DENIED;
	/* read_only_sql_transaction: this server is (now) a standby; the
	 * primary is elsewhere (target_session_attrs=read-write finds it). */
	if (state && strcmp(state, "25006") == 0)
		return ST_READONLY;
	if (state && strcmp(state, "23505") == 0)
		return ST_EXISTS;
	/* lock_not_available: the log lock was held past the wait the policy
	 * allows (custos.lock_head names who holds it). */
	if (state && strcmp(state, "55P03") == 0)
		return ST_BUSY;
	/* deadlock_detected, serialization_failure: the server rolled this
	 * transaction back so that another could go on; it may be tried again
	 * (ledger_submit does). */
	if (state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0))
		return ST_CONFLICT;
	/* CU001: the server refused an entry, checkpoint or cosignature
	 * (src/pg/custos_pg.c, sql/005_security.sql). */
	if (state && strcmp(state, "CU001") == 0)
		return ST_REFUSED;
	return ST_DB;
}

/* The prepared statement for sql: its name in `name`, preparing it on
 * first use.  Returns false (run it unprepared) when the cache is full. */
static bool prepared_name(db *d, const char *sql, int nparams, char name[16], PGresult **fail)
{
	size_t i = 0;
	while (i < d->nprepared && strcmp(d->prepared[i], sql) != 0)
		i++;
	if (i == DB_PREPARED_MAX)
		return false;
	snprintf(name, 16, "c%zu", i);
	if (i < d->nprepared)
		return true;
	char *copy = strdup(sql);
	if (copy == NULL)
		return false;
	if (d->pipe) {
		if (!PQsendPrepare(d->conn, name, sql, nparams, NULL)) {
			free(copy);
			return false;
		}
		d->queued++;
		d->prepared[d->nprepared++] = copy;
		return true;
	}
	PGresult *r = PQprepare(d->conn, name, sql, nparams, NULL);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		free(copy);
		*fail = r;
		return true;
	}
	PQclear(r);
	d->prepared[d->nprepared++] = copy;
	return true;
}

static status exec(db *d, bool adhoc, const char *sql, int nparams, const char *const *params,
		   const int *lengths, const int *formats, PGresult **res, errbuf *err)
{
	if (res != NULL)
		*res = NULL;
	d->sqlstate[0] = '\0';
	if (d->conn == NULL)
		return err_set(err, ST_CONN, "not connected to the database");
	char name[16];
	PGresult *r = NULL;
	if (d->pipe) {
		if (res != NULL || adhoc)
			return err_set(err, ST_USAGE, "internal: a result asked for inside a pipeline");
		if (!prepared_name(d, sql, nparams, name, &r) ||
		    !PQsendQueryPrepared(d->conn, name, nparams, params, lengths, formats, 0))
			return err_set(err, ST_CONN, "connection to the database lost: %s",
				       PQerrorMessage(d->conn));
		d->queued++;
		return ST_OK;
	}
	if (adhoc || !prepared_name(d, sql, nparams, name, &r))
		r = PQexecParams(d->conn, sql, nparams, NULL, params, lengths, formats, 0);
	else if (r == NULL)
		r = PQexecPrepared(d->conn, name, nparams, params, lengths, formats, 0);
	ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
		status st = result_error(d, r, err);
		PQclear(r);
		return st;
	}
	if (res != NULL)
		*res = r;
	else
		PQclear(r);
	return ST_OK;
}

status db_execb(db *d, const char *sql, int nparams, const char *const *params,
		const int *lengths, const int *formats, PGresult **res, errbuf *err)
{
	return exec(d, false, sql, nparams, params, lengths, formats, res, err);
}

status db_exec(db *d, const char *sql, int nparams, const char *const *params, PGresult **res,
	       errbuf *err)
{
	return exec(d, false, sql, nparams, params, NULL, NULL, res, err);
}

status db_exec_adhoc(db *d, const char *sql, int nparams, const char *const *params,
		     PGresult **res, errbuf *err)
{
	return exec(d, true, sql, nparams, params, NULL, NULL, res, err);
}

status db_exec_script(db *d, const char *sql, errbuf *err)
{
	d->sqlstate[0] = '\0';
	if (d->conn == NULL)
		return err_set(err, ST_CONN, "not connected to the database");
	PGresult *r = PQexec(d->conn, sql);
	ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	status st = ST_OK;
	if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK)
		st = result_error(d, r, err);
	PQclear(r);
	return st;
}

status db_pipeline_begin(db *d, errbuf *err)
{
	if (d->conn == NULL)
		return err_set(err, ST_CONN, "not connected to the database");
	if (!PQenterPipelineMode(d->conn))
		return err_set(err, ST_DB, "cannot enter pipeline mode");
	d->pipe = true;
	d->queued = 0;
	return ST_OK;
}

status db_pipeline_end(db *d, PGresult **last, errbuf *err)
{
	status st = ST_OK;
	if (last != NULL)
		*last = NULL;
	d->pipe = false;
	d->watch = d->commit_queued;
	d->warned = false;
	if (!PQpipelineSync(d->conn))
		st = err_set(err, ST_CONN, "connection to the database lost: %s",
			     PQerrorMessage(d->conn));
	/* Each queued command gives one result and then NULL; the sync its own. */
	for (size_t i = 0; st != ST_CONN && i < d->queued; i++) {
		PGresult *r = PQgetResult(d->conn);
		ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK && st == ST_OK &&
		    es != PGRES_PIPELINE_ABORTED)
			st = result_error(d, r, err);
		if (last != NULL && i + 1 == d->queued && st == ST_OK && r != NULL) {
			*last = r;
			r = NULL;
			PGresult *end = PQgetResult(d->conn);
			PQclear(end);
			continue;
		}
		PQclear(r);
		if (r == NULL || PQstatus(d->conn) != CONNECTION_OK) {
			st = st != ST_OK ? st : err_set(err, ST_CONN, "connection to the database lost");
			break;
		}
		PGresult *end = PQgetResult(d->conn);
		PQclear(end);
	}
	if (st != ST_CONN) {
		PGresult *sync = PQgetResult(d->conn);
		PQclear(sync);
		PQexitPipelineMode(d->conn);
	}
	d->queued = 0;
	if (d->commit_queued)
		st = commit_outcome(d, st, err);
	if (st != ST_OK && last != NULL) {
		PQclear(*last);
		*last = NULL;
	}
	if (st != ST_OK && PQstatus(d->conn) == CONNECTION_OK) {
		/* Statements queued after the failure were never prepared, so the
		 * cache cannot be trusted: roll back, then start it afresh. */
		if (PQtransactionStatus(d->conn) != PQTRANS_IDLE)
			PQclear(PQexec(d->conn, "ROLLBACK"));
		PQclear(PQexec(d->conn, "DEALLOCATE ALL"));
		for (size_t i = 0; i < d->nprepared; i++)
			free(d->prepared[i]);
		d->nprepared = 0;
	}
	return st;
}

status db_begin(db *d, errbuf *err)
{
	return db_exec(d, "BEGIN", 0, NULL, NULL, err);
}

status db_commit(db *d, errbuf *err)
{
	if (d->pipe) {
		status st = db_exec(d, "COMMIT", 0, NULL, NULL, err);
		d->commit_queued = st == ST_OK;
		return st;
	}
	/* A connection already gone never got the COMMIT: rolled back. */
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK)
		return err_set(err, ST_CONN, "connection to the database lost before the commit");
	d->watch = true;
	d->warned = false;
	d->commit_queued = true;
	return commit_outcome(d, db_exec(d, "COMMIT", 0, NULL, NULL, err), err);
}

status db_confirm_replicated(db *d, errbuf *err)
{
	/* A transaction that writes WAL waits at its commit for the
	 * synchronous standby (synchronous_commit at least 'on'); WAL is
	 * replicated in order, so once this commit is confirmed every commit
	 * before it is on the standby too, the entry found among them.  A
	 * temporary table's catalog rows are the smallest write any login may
	 * make (it needs the TEMPORARY privilege on the database, which
	 * PostgreSQL grants to PUBLIC and custos does not revoke); ON COMMIT
	 * DROP leaves nothing behind. */
	status st = db_begin(d, err);
	if (st == ST_OK)
		st = db_exec(d, "SELECT pg_catalog.set_config('synchronous_commit', 'on', true) "
				"WHERE pg_catalog.current_setting('synchronous_commit') "
				"IN ('off', 'local', 'remote_write')", 0, NULL, NULL, err);
	if (st == ST_OK)
		st = db_exec_script(d, "CREATE TEMPORARY TABLE custos_replication_barrier () "
				       "ON COMMIT DROP", err);
	if (st == ST_OK)
		return db_commit(d, err);
	db_rollback(d);
	return st;
}

void db_rollback(db *d)
{
	if (d->conn != NULL && PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		PQclear(PQexec(d->conn, "ROLLBACK"));
}

const char *db_sqlstate(const db *d)
{
	return d->sqlstate;
}

const char *db_user(const db *d)
{
	const char *u = d->conn ? PQuser(d->conn) : NULL;
	return u ? u : "";
}

const char *db_server(const db *d)
{
	return d->server;
}

bool db_tls(const db *d)
{
	return d->conn != NULL && PQsslInUse(d->conn);
}

/* The value of conninfo keyword `key` as libpq used it, into out. */
static void conn_option(PGconn *c, const char *key, char *out, size_t cap)
{
	out[0] = '\0';
	PQconninfoOption *opts = PQconninfo(c);
	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL)
			snprintf(out, cap, "%s", o->val);
	PQconninfoFree(opts);
}

void db_tls_describe(db *d, char *out, size_t cap)
{
	if (d->conn == NULL || !PQsslInUse(d->conn)) {
		snprintf(out, cap, "no");
		return;
	}
	const char *proto = PQsslAttribute(d->conn, "protocol");
	const char *cipher = PQsslAttribute(d->conn, "cipher");
	char cn[128] = "", mode[32];
	/* The server's identity: its certificate's subject (libpq has checked
	 * it against sslrootcert, and under verify-full against the host). */
	SSL *ssl = PQsslStruct(d->conn, "OpenSSL");
	X509 *x = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	if (x != NULL) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
		X509_free(x);
	}
	for (char *p = cn; *p; p++) /* a name from the network: printable only */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	conn_option(d->conn, "sslmode", mode, sizeof mode);
	const char *host = PQhost(d->conn);
	snprintf(out, cap, "%s %s, server certificate CN=%s, %s%s", proto ? proto : "?",
		 cipher ? cipher : "", cn[0] ? cn : "(none)",
		 strcmp(mode, "verify-full") == 0 ? "verified for host " :
		 strcmp(mode, "verify-ca") == 0 ? "CA verified, host not checked (sslmode=verify-ca)" :
		 "NOT verified (sslmode is not verify-full)",
		 strcmp(mode, "verify-full") == 0 && host ? host : "");
}

PGconn *db_conn(db *d)
{
	return d->conn;
}

const char *db_val(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

bool db_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

int64_t db_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

char *db_array(const char *const *v, size_t n)
{
	buf b = {0};
	buf_puts(&b, "{");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, ",");
		if (v[i] == NULL) {
			buf_puts(&b, "NULL");
			continue;
		}
		buf_puts(&b, "\"");
		for (const char *p = v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_puts(&b, "\\");
			buf_append(&b, p, 1);
		}
		buf_puts(&b, "\"");
	}
	buf_puts(&b, "}");
	return buf_take(&b, NULL);
}
