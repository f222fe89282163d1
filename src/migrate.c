#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "db.h"
#include "sha.h"

static const char CREATE_VERSION_TABLE[] =
	"CREATE SCHEMA IF NOT EXISTS custos;"
	"CREATE TABLE IF NOT EXISTS custos.schema_version ("
	" version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void migration_hash(const migration *m, char out[65])
{
	uint8_t h[SHA256_LEN];
	sha256(m->sql, m->len, h);
	hex(h, sizeof h, out);
}

status migrate_status(db *d, migration_state *states, errbuf *err)
{
	for (size_t i = 0; i < nmigrations; i++)
		states[i] = (migration_state){.m = &migrations[i]};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT to_regclass('custos.schema_version') IS NOT NULL", 0, NULL,
			    &r, err);
	if (st != ST_OK)
		return st;
	bool have = strcmp(db_val(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!have)
		return ST_OK;
	st = db_exec(d, "SELECT version, sha256, applied_at::text FROM custos.schema_version "
			"ORDER BY version", 0, NULL, &r, err);
	if (st != ST_OK)
		return st;
	for (int row = 0; row < PQntuples(r); row++) {
		int v = (int)db_int(r, row, 0);
		size_t i = 0;
		while (i < nmigrations && migrations[i].version != v)
			i++;
		if (i == nmigrations) {
			st = err_set(err, ST_CORRUPT,
				     "the database has migration %d, which this custos does not know: "
				     "use a newer custos", v);
			break;
		}
		char h[65];
		migration_hash(&migrations[i], h);
		if (strcmp(h, db_val(r, row, 1)) != 0) {
			st = err_set(err, ST_CORRUPT,
				     "migration %s as applied differs from this custos's copy "
				     "(a migration must never be edited)", migrations[i].name);
			break;
		}
		states[i].applied = true;
		snprintf(states[i].applied_at, sizeof states[i].applied_at, "%s",
			 db_val(r, row, 2));
	}
	PQclear(r);
	return st;
}

status migrate_apply(db *d, size_t *applied, errbuf *err)
{
	*applied = 0;
	status st = db_exec(d, "SELECT pg_advisory_lock(hashtext('custos migrate'))", 0, NULL,
			    NULL, err);
	if (st != ST_OK)
		return st;
	migration_state states[64];
	if (nmigrations > sizeof states / sizeof states[0]) {
		st = err_set(err, ST_TOOBIG, "too many migrations");
		goto out;
	}
	if ((st = db_exec_script(d, CREATE_VERSION_TABLE, err)) != ST_OK)
		goto out;
	if ((st = migrate_status(d, states, err)) != ST_OK)
		goto out;
	for (size_t i = 0; i < nmigrations; i++) {
		if (states[i].applied)
			continue;
		const migration *m = &migrations[i];
		char h[65], ver[16];
		migration_hash(m, h);
		snprintf(ver, sizeof ver, "%d", m->version);
		const char *params[] = {ver, m->name, h};
		if ((st = db_begin(d, err)) != ST_OK)
			goto out;
		/* Our own SQL, compiled in: a script of several statements. */
		st = db_exec_script(d, m->sql, err);
		if (st == ST_OK)
			st = db_exec(d, "INSERT INTO custos.schema_version (version, name, sha256) "
					"VALUES ($1, $2, $3)", 3, params, NULL, err);
		if (st == ST_OK)
			st = db_commit(d, err);
		if (st != ST_OK) {
			char why[200];
			snprintf(why, sizeof why, "%s", err_text(err, st));
			db_rollback(d);
			err_set(err, st, "migration %s failed: %s", m->name, why);
			goto out;
		}
		(*applied)++;
	}
out:;
	status unlock = db_exec(d, "SELECT pg_advisory_unlock(hashtext('custos migrate'))", 0,
				NULL, NULL, NULL);
	(void)unlock;
	return st;
}
