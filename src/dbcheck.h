/* dbcheck.h: audit a live database's security settings (`custos db check`).
 *
 * Every person logs in to PostgreSQL as their own role and may send any
 * SQL, so the database is the security boundary.  dbcheck reads
 * pg_catalog only (any login may run it; it changes nothing) and compares
 * what it finds with the state the migrations must establish:
 *
 *   - roles custos_owner and custos_login_admin exist, are NOLOGIN,
 *     NOSUPERUSER, NOCREATEDB, NOBYPASSRLS, NOREPLICATION; custos_owner
 *     NOCREATEROLE, custos_login_admin CREATEROLE; neither is a member of
 *     a superuser, a pg_* role or the other, and no login but a superuser
 *     is a member of either.  The group roles custos_administrator,
 *     custos_custodian, custos_holder, custos_auditor have no attribute
 *     and no such membership either.
 *   - schema custos is owned by custos_owner; CREATE on it is granted to
 *     nobody else; USAGE to the group roles and the two owner roles only.
 *     CREATE on the database (making schemas) to nobody but its owner.
 *   - every function in schema custos is owned by custos_owner, except
 *     sync_login(text) and set_login_password(text, text), owned by
 *     custos_login_admin; members of extension custos (its C functions)
 *     may be owned by whoever created the extension but are never
 *     SECURITY DEFINER; no other function is in an untrusted language.
 *     Every SECURITY DEFINER function has search_path exactly
 *     "pg_catalog, custos, pg_temp".  No function is executable by PUBLIC.
 *   - every table, view and sequence in schema custos is owned by
 *     custos_owner; every table has row-level security enabled; a view
 *     runs with its caller's rights (security_invoker); no privilege on a
 *     relation or a column is granted to PUBLIC.  Types and operators in
 *     the schema are owned by custos_owner.
 *   - privileges on the schema's objects are granted only to the group
 *     roles and the two owner roles (besides the object's owner and
 *     superusers, who hold them anyway).
 *
 * A finding is data: a code, the kind and name of the object, and up to
 * two details (a role, a privilege, a search_path).  The judgement of one
 * object's facts is a pure function (dbcheck_judge_*), tested without a
 * database; dbcheck_run gathers the facts and judges them all. */
#ifndef CUSTOS_DBCHECK_H
#define CUSTOS_DBCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "db.h"
#include "status.h"

#define DBCHECK_SCHEMA "custos"
#define DBCHECK_OWNER "custos_owner"
#define DBCHECK_LOGIN_ADMIN "custos_login_admin"
/* The search_path every SECURITY DEFINER function must set, as PostgreSQL
 * stores it in pg_proc.proconfig ("search_path=" and this). */
#define DBCHECK_SEARCH_PATH "pg_catalog, custos, pg_temp"

/* The codes: enum name, JSON name, message.  In a message {what} and {whom}
 * stand for the finding's two details. */
#define DBCHECK_LIST(X)                                                                    \
	X(DBC_SCHEMA_MISSING, "schema_missing", "does not exist in this database")        \
	X(DBC_ROLE_MISSING, "role_missing", "does not exist")                               \
	X(DBC_ROLE_SUPERUSER, "role_superuser", "is a superuser")                           \
	X(DBC_ROLE_LOGIN, "role_login", "may log in")                                       \
	X(DBC_ROLE_CREATEROLE, "role_createrole", "has CREATEROLE")                         \
	X(DBC_ROLE_NO_CREATEROLE, "role_no_createrole",                                     \
	  "lacks CREATEROLE (it creates the logins of persons)")                            \
	X(DBC_ROLE_CREATEDB, "role_createdb", "has CREATEDB")                               \
	X(DBC_ROLE_BYPASSRLS, "role_bypassrls", "has BYPASSRLS")                            \
	X(DBC_ROLE_REPLICATION, "role_replication", "has REPLICATION")                      \
	X(DBC_ROLE_MEMBER_OF, "role_member_of", "is a member of {whom}")                    \
	X(DBC_ROLE_HAS_MEMBER, "role_has_member",                                           \
	  "is granted to {whom}, who may act as it")                                        \
	X(DBC_OWNER_SUPERUSER, "owner_superuser", "owned by {whom}, a superuser")           \
	X(DBC_OWNER_WRONG, "owner_wrong", "owned by {whom}, not {what}")                    \
	X(DBC_DB_CREATE, "database_create",                                                 \
	  "CREATE granted to {whom}, who may make schemas")                                 \
	X(DBC_SCHEMA_CREATE, "schema_create", "CREATE granted to {whom}")                   \
	X(DBC_SCHEMA_USAGE, "schema_usage", "USAGE granted to {whom}, not a custos role")   \
	X(DBC_DEFINER_NO_PATH, "definer_no_search_path",                                    \
	  "SECURITY DEFINER without a search_path of its own (must be '" DBCHECK_SEARCH_PATH \
	  "')")                                                                             \
	X(DBC_DEFINER_PATH_TEMP, "definer_search_path_temp",                                \
	  "SECURITY DEFINER with search_path '{what}' (must end in pg_temp)")               \
	X(DBC_DEFINER_PATH_OTHER, "definer_search_path",                                    \
	  "SECURITY DEFINER with search_path '{what}' (must be '" DBCHECK_SEARCH_PATH "')") \
	X(DBC_EXTENSION_DEFINER, "extension_definer",                                       \
	  "SECURITY DEFINER, but a function of extension custos must not be")               \
	X(DBC_UNTRUSTED_LANGUAGE, "untrusted_language",                                     \
	  "LANGUAGE {what} (untrusted) but not part of extension custos")                   \
	X(DBC_PRIV_PUBLIC, "granted_to_public", "{what} granted to PUBLIC")                 \
	X(DBC_PRIV_OTHER, "granted_to_other", "{what} granted to {whom}, not a custos role") \
	X(DBC_RLS_DISABLED, "rls_disabled", "row-level security disabled")                  \
	X(DBC_VIEW_OWNER_RIGHTS, "view_owner_rights",                                       \
	  "runs with its owner's rights (security_invoker is off), past row-level security")

typedef enum dbcheck_code {
#define DBCHECK_ENUM(code, name, msg) code,
	DBCHECK_LIST(DBCHECK_ENUM)
#undef DBCHECK_ENUM
	DBC__COUNT
} dbcheck_code;

/* The kinds of object a finding names. */
#define DBCHECK_KINDS(X) \
	X(DBK_ROLE, "role") X(DBK_DATABASE, "database") X(DBK_SCHEMA, "schema") \
	X(DBK_FUNCTION, "function") X(DBK_TABLE, "table") X(DBK_VIEW, "view") \
	X(DBK_SEQUENCE, "sequence") X(DBK_COLUMN, "column") X(DBK_TYPE, "type") \
	X(DBK_OPERATOR, "operator")

typedef enum dbcheck_kind {
#define DBCHECK_KENUM(k, name) k,
	DBCHECK_KINDS(DBCHECK_KENUM)
#undef DBCHECK_KENUM
	DBK__COUNT
} dbcheck_kind;

#define DBCHECK_NAME_MAX 200

typedef struct dbcheck_finding {
	dbcheck_code code;
	dbcheck_kind kind;
	char object[DBCHECK_NAME_MAX]; /* "custos.me()", "custos.person", "custos_owner" */
	char what[DBCHECK_NAME_MAX];   /* a privilege, a search_path, an expected owner */
	char whom[DBCHECK_NAME_MAX];   /* a role ("PUBLIC" for everyone) */
} dbcheck_finding;

/* The findings of one check, and how many objects it looked at.  Zeroed
 * is empty; dbcheck_report_free frees the findings (safe on a zeroed one). */
typedef struct dbcheck_report {
	dbcheck_finding *v;
	size_t n, cap;
	size_t functions, tables; /* in schema custos, checked */
	bool nomem;               /* a finding could not be stored */
} dbcheck_report;

void dbcheck_report_free(dbcheck_report *r);

/* Add a finding (details may be NULL; names longer than DBCHECK_NAME_MAX - 1
 * bytes are cut).  Out of memory sets r->nomem. */
void dbcheck_add(dbcheck_report *r, dbcheck_code code, dbcheck_kind kind, const char *object,
		 const char *what, const char *whom);

/* The JSON name of a code and a kind, and the message of a finding with
 * its details filled in, as "KIND OBJECT: MESSAGE" (cut to fit cap). */
const char *dbcheck_code_name(dbcheck_code code);
const char *dbcheck_kind_name(dbcheck_kind kind);
void dbcheck_message(const dbcheck_finding *f, char *out, size_t cap);
void dbcheck_text(const dbcheck_finding *f, char *out, size_t cap);

/* ---- the judgements: one object's facts, no database ------------------- */

/* A role's attributes.  `exists` false: the others are ignored. */
typedef struct dbcheck_role_facts {
	const char *name;
	bool exists, super, login, createrole, createdb, bypassrls, replication;
} dbcheck_role_facts;

/* Attributes of custos_owner, custos_login_admin and the group roles
 * (which must exist; any other name is judged as a group role). */
void dbcheck_judge_role(const dbcheck_role_facts *f, dbcheck_report *r);

/* Whether a role is one of the six custos roles (the two owners and the
 * four groups), which may be granted privileges on the schema's objects. */
bool dbcheck_custos_role(const char *name);

/* A function of schema custos.  name: "me()", "sync_login(text)" (the
 * argument types as oidvectortypes gives them); search_path: the value
 * of its search_path setting, NULL if it has none. */
typedef struct dbcheck_function_facts {
	const char *name, *owner, *language, *search_path;
	bool owner_super, definer, trusted_language, in_extension;
} dbcheck_function_facts;

void dbcheck_judge_function(const dbcheck_function_facts *f, dbcheck_report *r);

/* The search_path a SECURITY DEFINER function sets: DBC__COUNT if it is
 * right, else the code of what is wrong with it. */
dbcheck_code dbcheck_judge_search_path(const char *search_path);

/* A relation of schema custos (relkind as in pg_class: r p v m f S), or a
 * type or operator (kind DBK_TYPE / DBK_OPERATOR, relkind ignored). */
typedef struct dbcheck_object_facts {
	dbcheck_kind kind;
	const char *name, *owner;
	char relkind;
	bool owner_super, in_extension, rls, security_invoker;
} dbcheck_object_facts;

void dbcheck_judge_object(const dbcheck_object_facts *f, dbcheck_report *r);

/* One privilege granted on an object: grantee "PUBLIC" for everyone.
 * Privileges held by the object's owner or a superuser are never findings.
 * For DBK_DATABASE only CREATE is judged; for DBK_SCHEMA, CREATE and USAGE. */
typedef struct dbcheck_grant_facts {
	dbcheck_kind kind;
	const char *object, *grantee, *privilege;
	bool grantee_is_owner, grantee_super;
} dbcheck_grant_facts;

void dbcheck_judge_grant(const dbcheck_grant_facts *f, dbcheck_report *r);

/* A membership: `member` is a member, directly or through others, of
 * `role`.  dbcheck_run asks for two sorts only: a custos role that is a
 * member of a superuser, a pg_* role or an owner role; and a login or other
 * role (not a superuser, not a custos role) that is a member of an owner
 * role.  Both are findings. */
void dbcheck_judge_membership(const char *member, const char *role, dbcheck_report *r);

/* ---- the whole check --------------------------------------------------- */

/* Read the catalog of the connected database (in a read-only transaction
 * with search_path pg_catalog, rolled back) and fill *out (which the
 * caller frees with dbcheck_report_free, also after a failure).  Returns
 * ST_OK when the check ran, whatever it found; ST_NOMEM, ST_CONN, ST_DB as
 * db_exec when it could not. */
status dbcheck_run(db *d, dbcheck_report *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* Print the findings as a JSON array of {"code","kind","object","what",
 * "whom","message"} (what/whom null when empty), one line. */
void dbcheck_json(const dbcheck_report *r, FILE *f);

#endif
