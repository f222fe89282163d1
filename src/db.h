/* db.h: the one place that talks to PostgreSQL (libpq).
 *
 * Connections take a libpq connection string or URI (NULL or "" for the
 * PG* variables, service files and .pgpass, as psql does) and pin
 * search_path to "custos, pg_catalog, pg_temp" right after connecting.
 * Every statement goes through db_exec/db_execb with its values as
 * parameters; SQL is never assembled from input.  Every PGresult is
 * checked here and cleared on every path. */
#ifndef CUSTOS_DB_H
#define CUSTOS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "status.h"

typedef struct db db;

/* Connect.  On failure *out is NULL and err says why (libpq's message):
 * ST_USAGE for a connection string that does not parse, ST_DENIED when the
 * server wants a password that was not given, ST_CONN otherwise (no server
 * answered, or none that target_session_attrs accepts; a refused TLS
 * certificate is here too, as libpq gives it no code of its own). */
status db_open(const char *conninfo, db **out, errbuf *err) CUSTOS_WARN_UNUSED;
void db_close(db *d);

/* db_open, trying again for up to `seconds` while no server answers (or
 * none that target_session_attrs accepts): the window of a failover. */
status db_open_retry(const char *conninfo, unsigned seconds, db **out,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* Drop the connection and make a new one with the same parameters (after
 * ST_CONN).  Tries for up to `seconds`, with a growing pause. */
status db_reconnect(db *d, unsigned seconds, errbuf *err) CUSTOS_WARN_UNUSED;

/* Run one statement with text parameters (NULL = SQL NULL).  Each distinct
 * statement is prepared once per connection (up to 256 of them), so later
 * calls skip parsing and planning.  On success
 * *res (if res is not NULL) holds the result for the caller to PQclear.
 * Errors: ST_CONN when the connection is gone (reconnect and retry),
 * ST_DENIED for a privilege or row-level-security refusal, ST_EXISTS for
 * a unique violation, ST_READONLY on a standby (SQLSTATE 25006: after a
 * failover, reconnect to find the primary), ST_DB otherwise; err carries
 * the server's message. */
status db_exec(db *d, const char *sql, int nparams, const char *const *params, PGresult **res,
	       errbuf *err) CUSTOS_WARN_UNUSED;

/* db_exec without preparing: planned afresh with the actual values, for
 * statements whose optional filters (`$n IS NULL OR ...`) must fold away. */
status db_exec_adhoc(db *d, const char *sql, int nparams, const char *const *params,
		     PGresult **res, errbuf *err) CUSTOS_WARN_UNUSED;

/* The same with explicit lengths and formats (1 = binary, for bytea). */
status db_execb(db *d, const char *sql, int nparams, const char *const *params,
		const int *lengths, const int *formats, PGresult **res,
		errbuf *err) CUSTOS_WARN_UNUSED;

/* Run a fixed script of several statements that takes no parameters: only
 * for SQL compiled into custos (the migrations), never for input. */
status db_exec_script(db *d, const char *sql, errbuf *err) CUSTOS_WARN_UNUSED;

/* Pipeline mode (one round trip for many statements): between
 * db_pipeline_begin and db_pipeline_end, db_exec/db_execb calls that want
 * no result are only queued and return ST_OK; db_pipeline_end sends them
 * and returns the first failure (the transaction is then rolled back).
 * Asking for a result inside a pipeline is an error; the last statement's
 * result comes back in *last (if last is not NULL; caller PQclears). */
status db_pipeline_begin(db *d, errbuf *err) CUSTOS_WARN_UNUSED;
status db_pipeline_end(db *d, PGresult **last, errbuf *err) CUSTOS_WARN_UNUSED;

/* BEGIN / COMMIT / ROLLBACK.  db_rollback never fails loudly: it is the
 * cleanup path (and a lost connection has rolled back anyway). */
status db_begin(db *d, errbuf *err) CUSTOS_WARN_UNUSED;
void db_rollback(db *d);

/* COMMIT, judged (inside a pipeline: queued, and judged by
 * db_pipeline_end).  ST_OK only when the server confirmed it with no
 * warning, i.e. (with synchronous_commit=on, which custos pins as the
 * least) once the synchronous standby has it.  The two outcomes a client
 * cannot know: ST_UNREPLICATED, the server committed locally but cut the
 * wait for the standby short (a WARNING, SQLSTATE 01000 on cancel, 57P01
 * on terminate, while the COMMIT was in flight); ST_UNKNOWN, the
 * connection went after the COMMIT was sent.  Either way the work may or
 * may not stand: submit it again under the same idempotency key.  A
 * server error (the transaction failed) keeps its own status; ST_CONN
 * when the connection was gone before the COMMIT was sent. */
status db_commit(db *d, errbuf *err) CUSTOS_WARN_UNUSED;

/* Confirm that every transaction committed on this server so far has
 * reached its synchronous standby: a minimal write transaction whose
 * commit waits for the standby (WAL is replicated in order).  ST_OK when
 * confirmed; ST_UNREPLICATED, ST_UNKNOWN as db_commit; ST_READONLY on a
 * standby.  For a resubmission that finds its work already done: the
 * first attempt's COMMIT may have been confirmed by the primary alone. */
status db_confirm_replicated(db *d, errbuf *err) CUSTOS_WARN_UNUSED;

/* The SQLSTATE of the last failed statement ("" if none). */
const char *db_sqlstate(const db *d);

/* Facts about the session, for status lines and checks. */
const char *db_user(const db *d);         /* the login role */
const char *db_server(const db *d);       /* host or socket directory, port, database */
bool db_tls(const db *d);
/* The session's TLS in words for a status line, into out (cap bytes):
 * "no", or the protocol version and cipher, the server certificate's
 * common name and how it was verified (sslmode), e.g. "TLSv1.3
 * TLS_AES_256_GCM_SHA384, server certificate CN=db1, verified for host
 * db1".  A refused certificate never gets this far: db_open fails with
 * libpq's words (ST_CONN). */
void db_tls_describe(db *d, char *out, size_t cap);
PGconn *db_conn(db *d);

/* Field helpers for result rows: the text value ("" when NULL), whether
 * it is NULL, and an integer value (0 when NULL). */
const char *db_val(const PGresult *r, int row, int col);
bool db_null(const PGresult *r, int row, int col);
int64_t db_int(const PGresult *r, int row, int col);

/* Quote a list of strings as one PostgreSQL array literal ("{"a","b"}"),
 * to pass as a single text[] parameter.  Caller frees; NULL when out of
 * memory.  NULL entries become NULL elements. */
char *db_array(const char *const *v, size_t n);

#endif
