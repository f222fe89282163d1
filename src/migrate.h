/* migrate.h: the database schema, as numbered migrations (sql/NNN_*.sql)
 * compiled into custos.  Migrations are forward-only: each is applied once,
 * in order, in its own transaction, and recorded with its SHA-256 in
 * custos.schema_version; a recorded migration whose text differs from this
 * binary's copy is an error (a migration is never edited). */
#ifndef CUSTOS_MIGRATE_H
#define CUSTOS_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef struct migration {
	int version;
	const char *name;   /* file name without .sql */
	const char *sql;
	size_t len;
} migration;

extern const migration migrations[];
extern const size_t nmigrations;

typedef struct db db;

typedef struct migration_state {
	const migration *m;
	bool applied;
	char applied_at[40];   /* server time, "" when pending */
} migration_state;

/* Fill states[0..nmigrations) with what the database has applied.  ST_CORRUPT
 * when an applied migration differs from ours or is unknown to us. */
status migrate_status(db *d, migration_state *states, errbuf *err) CUSTOS_WARN_UNUSED;

/* Apply every pending migration, in order; *applied counts them.  Holds an
 * advisory lock so two migrating clients do not interleave. */
status migrate_apply(db *d, size_t *applied, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
