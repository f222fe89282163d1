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

/* Connect.  On failure *out is NULL and err says why (libpq's message). */
status db_open(const char *conninfo, db **out, errbuf *err) CUSTOS_WARN_UNUSED;
void db_close(db *d);

/* Drop the connection and make a new one with the same parameters (after
 * ST_CONN).  Tries for up to `seconds`, with a growing pause. */
status db_reconnect(db *d, unsigned seconds, errbuf *err) CUSTOS_WARN_UNUSED;

/* Run one statement with text parameters (NULL = SQL NULL).  Each distinct
 * statement is prepared once per connection (up to 256 of them), so later
 * calls skip parsing and planning.  On success
 * *res (if res is not NULL) holds the result for the caller to PQclear.
 * Errors: ST_CONN when the connection is gone (reconnect and retry),
 * ST_DENIED for a privilege or row-level-security refusal, ST_EXISTS for
 * a unique violation, ST_DB otherwise; err carries the server's message. */
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
status db_commit(db *d, errbuf *err) CUSTOS_WARN_UNUSED;
void db_rollback(db *d);

/* The SQLSTATE of the last failed statement ("" if none). */
const char *db_sqlstate(const db *d);

/* Facts about the session, for status lines and checks. */
const char *db_user(const db *d);         /* the login role */
const char *db_server(const db *d);       /* host or socket directory, port, database */
bool db_tls(const db *d);
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
