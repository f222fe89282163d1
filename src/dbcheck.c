#include "dbcheck.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

static const struct {
	const char *name, *msg;
} codes[] = {
#define DBCHECK_ROW(code, name, msg) {name, msg},
	DBCHECK_LIST(DBCHECK_ROW)
#undef DBCHECK_ROW
};

static const char *const kinds[] = {
#define DBCHECK_KROW(k, name) name,
	DBCHECK_KINDS(DBCHECK_KROW)
#undef DBCHECK_KROW
};

/* The six roles the schema's privileges may go to. */
static const char *const custos_roles[] = {
	DBCHECK_OWNER, DBCHECK_LOGIN_ADMIN, "custos_administrator", "custos_custodian",
	"custos_holder", "custos_auditor",
};
#define NROLES (sizeof custos_roles / sizeof custos_roles[0])
#define NOWNERS 2 /* the first two of custos_roles */

/* The functions custos_login_admin owns, as dbcheck_function_facts names them. */
static const char *const login_admin_functions[] = {
	DBCHECK_SCHEMA ".sync_login(text)",
	DBCHECK_SCHEMA ".set_login_password(text, text)",
	DBCHECK_SCHEMA ".managed_login(text, boolean)",
};

const char *dbcheck_code_name(dbcheck_code code)
{
	return (unsigned)code < DBC__COUNT ? codes[code].name : "unknown";
}

const char *dbcheck_kind_name(dbcheck_kind kind)
{
	return (unsigned)kind < DBK__COUNT ? kinds[kind] : "object";
}

void dbcheck_report_free(dbcheck_report *r)
{
	free(r->v);
	*r = (dbcheck_report){0};
}

static void copy(char *dst, const char *src)
{
	snprintf(dst, DBCHECK_NAME_MAX, "%s", src ? src : "");
}

void dbcheck_add(dbcheck_report *r, dbcheck_code code, dbcheck_kind kind, const char *object,
		 const char *what, const char *whom)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		dbcheck_finding *v = realloc(r->v, cap * sizeof *v);
		if (v == NULL) {
			r->nomem = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	dbcheck_finding *f = &r->v[r->n++];
	f->code = code;
	f->kind = kind;
	copy(f->object, object);
	copy(f->what, what);
	copy(f->whom, whom);
}

void dbcheck_message(const dbcheck_finding *f, char *out, size_t cap)
{
	if (cap == 0)
		return;
	const char *m = (unsigned)f->code < DBC__COUNT ? codes[f->code].msg : "unknown finding";
	size_t n = 0;
	while (*m && n + 1 < cap) {
		const char *sub = NULL;
		if (strncmp(m, "{what}", 6) == 0)
			sub = f->what;
		else if (strncmp(m, "{whom}", 6) == 0)
			sub = f->whom;
		if (sub != NULL) {
			while (*sub && n + 1 < cap)
				out[n++] = *sub++;
			m += 6;
		} else {
			out[n++] = *m++;
		}
	}
	out[n] = '\0';
}

void dbcheck_text(const dbcheck_finding *f, char *out, size_t cap)
{
	char msg[3 * DBCHECK_NAME_MAX + 200];
	dbcheck_message(f, msg, sizeof msg);
	snprintf(out, cap, "%s %s: %s", dbcheck_kind_name(f->kind), f->object, msg);
}

/* ---- judgements ----------------------------------------------------------- */

bool dbcheck_custos_role(const char *name)
{
	for (size_t i = 0; i < NROLES; i++)
		if (strcmp(name, custos_roles[i]) == 0)
			return true;
	return false;
}

void dbcheck_judge_role(const dbcheck_role_facts *f, dbcheck_report *r)
{
	if (!f->exists) {
		dbcheck_add(r, DBC_ROLE_MISSING, DBK_ROLE, f->name, NULL, NULL);
		return;
	}
	bool login_admin = strcmp(f->name, DBCHECK_LOGIN_ADMIN) == 0;
	if (f->super)
		dbcheck_add(r, DBC_ROLE_SUPERUSER, DBK_ROLE, f->name, NULL, NULL);
	if (f->login)
		dbcheck_add(r, DBC_ROLE_LOGIN, DBK_ROLE, f->name, NULL, NULL);
	if (f->createrole && !login_admin)
		dbcheck_add(r, DBC_ROLE_CREATEROLE, DBK_ROLE, f->name, NULL, NULL);
	if (!f->createrole && login_admin)
		dbcheck_add(r, DBC_ROLE_NO_CREATEROLE, DBK_ROLE, f->name, NULL, NULL);
	if (f->createdb)
		dbcheck_add(r, DBC_ROLE_CREATEDB, DBK_ROLE, f->name, NULL, NULL);
	if (f->bypassrls)
		dbcheck_add(r, DBC_ROLE_BYPASSRLS, DBK_ROLE, f->name, NULL, NULL);
	if (f->replication)
		dbcheck_add(r, DBC_ROLE_REPLICATION, DBK_ROLE, f->name, NULL, NULL);
}

void dbcheck_judge_membership(const char *member, const char *role, dbcheck_report *r)
{
	if (dbcheck_custos_role(member))
		dbcheck_add(r, DBC_ROLE_MEMBER_OF, DBK_ROLE, member, NULL, role);
	else
		dbcheck_add(r, DBC_ROLE_HAS_MEMBER, DBK_ROLE, role, NULL, member);
}

/* The last element of a search_path, without spaces or double quotes. */
static void last_element(const char *path, char *out, size_t cap)
{
	const char *p = strrchr(path, ',');
	p = p ? p + 1 : path;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = 0;
	for (; *p && n + 1 < cap; p++)
		if (*p != '"')
			out[n++] = *p;
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
}

dbcheck_code dbcheck_judge_search_path(const char *search_path)
{
	if (search_path == NULL)
		return DBC_DEFINER_NO_PATH;
	if (strcmp(search_path, DBCHECK_SEARCH_PATH) == 0)
		return DBC__COUNT;
	char last[64];
	last_element(search_path, last, sizeof last);
	return strcmp(last, "pg_temp") == 0 ? DBC_DEFINER_PATH_OTHER : DBC_DEFINER_PATH_TEMP;
}

/* Owned by a superuser, or by another role than `want`. */
static void judge_owner(dbcheck_kind kind, const char *name, const char *owner, bool owner_super,
			const char *want, dbcheck_report *r)
{
	if (owner_super)
		dbcheck_add(r, DBC_OWNER_SUPERUSER, kind, name, NULL, owner);
	else if (strcmp(owner, want) != 0)
		dbcheck_add(r, DBC_OWNER_WRONG, kind, name, want, owner);
}

void dbcheck_judge_function(const dbcheck_function_facts *f, dbcheck_report *r)
{
	if (f->in_extension) {
		/* The extension's C functions run as their caller. */
		if (f->definer)
			dbcheck_add(r, DBC_EXTENSION_DEFINER, DBK_FUNCTION, f->name, NULL, NULL);
		return;
	}
	if (!f->trusted_language)
		dbcheck_add(r, DBC_UNTRUSTED_LANGUAGE, DBK_FUNCTION, f->name, f->language, NULL);
	const char *want = DBCHECK_OWNER;
	for (size_t i = 0; i < sizeof login_admin_functions / sizeof login_admin_functions[0]; i++)
		if (strcmp(f->name, login_admin_functions[i]) == 0)
			want = DBCHECK_LOGIN_ADMIN;
	judge_owner(DBK_FUNCTION, f->name, f->owner, f->owner_super, want, r);
	if (f->definer) {
		dbcheck_code c = dbcheck_judge_search_path(f->search_path);
		if (c != DBC__COUNT)
			dbcheck_add(r, c, DBK_FUNCTION, f->name, f->search_path, NULL);
	}
}

void dbcheck_judge_object(const dbcheck_object_facts *f, dbcheck_report *r)
{
	if (!f->in_extension)
		judge_owner(f->kind, f->name, f->owner, f->owner_super, DBCHECK_OWNER, r);
	if (f->kind == DBK_TABLE && (f->relkind == 'r' || f->relkind == 'p') && !f->rls)
		dbcheck_add(r, DBC_RLS_DISABLED, f->kind, f->name, NULL, NULL);
	if (f->kind == DBK_VIEW && f->relkind == 'v' && !f->security_invoker)
		dbcheck_add(r, DBC_VIEW_OWNER_RIGHTS, f->kind, f->name, NULL, NULL);
}

void dbcheck_judge_grant(const dbcheck_grant_facts *f, dbcheck_report *r)
{
	if (f->grantee_is_owner || f->grantee_super)
		return;
	bool public = strcmp(f->grantee, "PUBLIC") == 0;
	switch (f->kind) {
	case DBK_DATABASE:
		if (strcmp(f->privilege, "CREATE") == 0)
			dbcheck_add(r, DBC_DB_CREATE, f->kind, f->object, NULL, f->grantee);
		return;
	case DBK_SCHEMA:
		if (strcmp(f->privilege, "CREATE") == 0)
			dbcheck_add(r, DBC_SCHEMA_CREATE, f->kind, f->object, NULL, f->grantee);
		else if (strcmp(f->privilege, "USAGE") == 0 && (public || !dbcheck_custos_role(f->grantee)))
			dbcheck_add(r, DBC_SCHEMA_USAGE, f->kind, f->object, NULL, f->grantee);
		return;
	default:
		if (public)
			dbcheck_add(r, DBC_PRIV_PUBLIC, f->kind, f->object, f->privilege, NULL);
		else if (!dbcheck_custos_role(f->grantee))
			dbcheck_add(r, DBC_PRIV_OTHER, f->kind, f->object, f->privilege, f->grantee);
		return;
	}
}

/* ---- gathering the facts ----------------------------------------------------- */

/* A pg_extension member test for the object `oid` of catalog `cat`. */
#define IN_EXTENSION(cat, oid)                                                             \
	"EXISTS (SELECT FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid "        \
	"WHERE d.classid = '" cat "'::regclass AND d.objid = " oid " "                     \
	"AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = $2)"

static const char Q_ROLES[] =
	"SELECT w.name, r.oid IS NOT NULL, coalesce(r.rolsuper, false), "
	"coalesce(r.rolcanlogin, false), coalesce(r.rolcreaterole, false), "
	"coalesce(r.rolcreatedb, false), coalesce(r.rolbypassrls, false), "
	"coalesce(r.rolreplication, false) "
	"FROM unnest($1::text[]) WITH ORDINALITY w(name, i) "
	"LEFT JOIN pg_roles r ON r.rolname = w.name ORDER BY w.i";

/* Custos roles that are members of a superuser, a pg_* role (but the
 * implicit pg_database_owner) or an owner role; and the roles other than
 * superusers and custos roles that are members of an owner role. */
static const char Q_MEMBERS[] =
	"SELECT r.rolname, p.rolname FROM pg_roles r JOIN pg_roles p "
	"  ON p.oid <> r.oid AND pg_has_role(r.oid, p.oid, 'MEMBER') "
	" WHERE r.rolname = ANY ($1::text[]) AND NOT r.rolsuper "
	"   AND (p.rolsuper OR (p.rolname LIKE 'pg\\_%' AND p.rolname <> 'pg_database_owner') "
	"        OR p.rolname = ANY ($2::text[])) "
	"UNION "
	"SELECT m.rolname, g.rolname FROM pg_roles g JOIN pg_roles m "
	"  ON m.oid <> g.oid AND pg_has_role(m.oid, g.oid, 'MEMBER') "
	" WHERE g.rolname = ANY ($2::text[]) AND NOT m.rolsuper AND NOT m.rolname = ANY ($1::text[]) "
	"ORDER BY 1, 2";

static const char Q_SCHEMA[] =
	"SELECT quote_ident(n.nspname), pg_get_userbyid(n.nspowner), o.rolsuper "
	"FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner WHERE n.nspname = $1";

static const char Q_FUNCTIONS[] =
	"SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || "
	"       oidvectortypes(p.proargtypes) || ')', "
	"pg_get_userbyid(p.proowner), o.rolsuper, p.prosecdef, "
	"(SELECT substr(c, 13) FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%' LIMIT 1), "
	"l.lanname, l.lanpltrusted, " IN_EXTENSION("pg_proc", "p.oid") " "
	"FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
	"JOIN pg_roles o ON o.oid = p.proowner JOIN pg_language l ON l.oid = p.prolang "
	"WHERE n.nspname = $1 ORDER BY 1";

static const char Q_RELATIONS[] =
	"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind, "
	"pg_get_userbyid(c.relowner), o.rolsuper, c.relrowsecurity, "
	IN_EXTENSION("pg_class", "c.oid") ", "
	"EXISTS (SELECT FROM unnest(c.reloptions) x WHERE lower(x) IN "
	"  ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', "
	"   'security_invoker=yes')) "
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"JOIN pg_roles o ON o.oid = c.relowner "
	"WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') ORDER BY 1";

/* Types (not a table's row type, not an array type) and operators. */
static const char Q_TYPES[] =
	"SELECT 'type', quote_ident(n.nspname) || '.' || quote_ident(t.typname), "
	"pg_get_userbyid(t.typowner), o.rolsuper, " IN_EXTENSION("pg_type", "t.oid") " "
	"FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
	"JOIN pg_roles o ON o.oid = t.typowner "
	"WHERE n.nspname = $1 "
	"  AND (t.typrelid = 0 OR EXISTS (SELECT FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')) "
	"  AND NOT EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid) "
	"UNION ALL "
	"SELECT 'operator', quote_ident(n.nspname) || '.' || x.oprname || '(' || "
	"       coalesce(format_type(nullif(x.oprleft, 0), NULL), 'NONE') || ', ' || "
	"       coalesce(format_type(nullif(x.oprright, 0), NULL), 'NONE') || ')', "
	"pg_get_userbyid(x.oprowner), o.rolsuper, " IN_EXTENSION("pg_operator", "x.oid") " "
	"FROM pg_operator x JOIN pg_namespace n ON n.oid = x.oprnamespace "
	"JOIN pg_roles o ON o.oid = x.oprowner WHERE n.nspname = $1 "
	"ORDER BY 1, 2";

/* Every privilege granted on the database (CREATE only), the schema, its
 * functions, relations and columns.  A NULL ACL is the default one. */
static const char Q_GRANTS[] =
	"WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = $1::text), g AS ("
	" SELECT 1 AS k, quote_ident(d.datname) AS object, d.datdba AS owner, a.grantee, a.privilege_type "
	"   FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
	"  WHERE d.datname = current_database() AND a.privilege_type = 'CREATE' "
	" UNION ALL "
	" SELECT 2, quote_ident(n.nspname), n.nspowner, a.grantee, a.privilege_type "
	"   FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
	"  WHERE n.oid = (SELECT oid FROM s) "
	" UNION ALL "
	" SELECT 3, quote_ident($1::text) || '.' || quote_ident(p.proname) || '(' || "
	"        oidvectortypes(p.proargtypes) || ')', p.proowner, a.grantee, a.privilege_type "
	"   FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
	"  WHERE p.pronamespace = (SELECT oid FROM s) "
	" UNION ALL "
	" SELECT CASE c.relkind WHEN 'S' THEN 6 WHEN 'v' THEN 5 WHEN 'm' THEN 5 ELSE 4 END, "
	"        quote_ident($1::text) || '.' || quote_ident(c.relname), c.relowner, a.grantee, a.privilege_type "
	"   FROM pg_class c, aclexplode(coalesce(c.relacl, "
	"        acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))) a "
	"  WHERE c.relnamespace = (SELECT oid FROM s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') "
	" UNION ALL "
	" SELECT 7, quote_ident($1::text) || '.' || quote_ident(c.relname) || '.' || quote_ident(t.attname), "
	"        c.relowner, a.grantee, a.privilege_type "
	"   FROM pg_class c JOIN pg_attribute t ON t.attrelid = c.oid AND t.attnum > 0 "
	"        AND NOT t.attisdropped AND t.attacl IS NOT NULL, aclexplode(t.attacl) a "
	"  WHERE c.relnamespace = (SELECT oid FROM s)) "
	"SELECT g.k, g.object, CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END, "
	"       g.privilege_type, g.grantee = g.owner, coalesce(r.rolsuper, false) "
	"FROM g LEFT JOIN pg_roles r ON r.oid = g.grantee ORDER BY 1, 2, 3, 4";

static bool tf(const PGresult *res, int row, int col)
{
	return strcmp(db_val(res, row, col), "t") == 0;
}

static dbcheck_kind relkind_kind(char k)
{
	return k == 'S' ? DBK_SEQUENCE : (k == 'v' || k == 'm') ? DBK_VIEW : DBK_TABLE;
}

static int finding_order(const void *a, const void *b)
{
	const dbcheck_finding *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp(x->object, y->object);
	if (c != 0)
		return c;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	if ((c = strcmp(x->what, y->what)) != 0)
		return c;
	return strcmp(x->whom, y->whom);
}

static status gather(db *d, dbcheck_report *r, errbuf *err)
{
	PGresult *res = NULL;
	char *roles = db_array(custos_roles, NROLES), *owners = db_array(custos_roles, NOWNERS);
	status st = ST_OK;
	if (roles == NULL || owners == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory");
		goto out;
	}
	const char *p1[] = {DBCHECK_SCHEMA};
	if ((st = db_exec(d, Q_SCHEMA, 1, p1, &res, err)) != ST_OK)
		goto out;
	bool have_schema = PQntuples(res) == 1;
	if (have_schema)
		judge_owner(DBK_SCHEMA, db_val(res, 0, 0), db_val(res, 0, 1), tf(res, 0, 2),
			    DBCHECK_OWNER, r);
	else
		dbcheck_add(r, DBC_SCHEMA_MISSING, DBK_SCHEMA, DBCHECK_SCHEMA, NULL, NULL);
	PQclear(res);
	res = NULL;

	const char *pr[] = {roles};
	if ((st = db_exec(d, Q_ROLES, 1, pr, &res, err)) != ST_OK)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		dbcheck_role_facts f = {
			.name = db_val(res, i, 0), .exists = tf(res, i, 1), .super = tf(res, i, 2),
			.login = tf(res, i, 3), .createrole = tf(res, i, 4), .createdb = tf(res, i, 5),
			.bypassrls = tf(res, i, 6), .replication = tf(res, i, 7),
		};
		dbcheck_judge_role(&f, r);
	}
	PQclear(res);
	res = NULL;

	const char *pm[] = {roles, owners};
	if ((st = db_exec(d, Q_MEMBERS, 2, pm, &res, err)) != ST_OK)
		goto out;
	for (int i = 0; i < PQntuples(res); i++)
		dbcheck_judge_membership(db_val(res, i, 0), db_val(res, i, 1), r);
	PQclear(res);
	res = NULL;
	if (!have_schema)
		goto out;

	const char *p2[] = {DBCHECK_SCHEMA, DBCHECK_SCHEMA};
	if ((st = db_exec(d, Q_FUNCTIONS, 2, p2, &res, err)) != ST_OK)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		dbcheck_function_facts f = {
			.name = db_val(res, i, 0), .owner = db_val(res, i, 1),
			.owner_super = tf(res, i, 2), .definer = tf(res, i, 3),
			.search_path = db_null(res, i, 4) ? NULL : db_val(res, i, 4),
			.language = db_val(res, i, 5), .trusted_language = tf(res, i, 6),
			.in_extension = tf(res, i, 7),
		};
		dbcheck_judge_function(&f, r);
		r->functions++;
	}
	PQclear(res);
	res = NULL;

	if ((st = db_exec(d, Q_RELATIONS, 2, p2, &res, err)) != ST_OK)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		char k = db_val(res, i, 1)[0];
		dbcheck_object_facts f = {
			.kind = relkind_kind(k), .name = db_val(res, i, 0), .relkind = k,
			.owner = db_val(res, i, 2), .owner_super = tf(res, i, 3), .rls = tf(res, i, 4),
			.in_extension = tf(res, i, 5), .security_invoker = tf(res, i, 6),
		};
		dbcheck_judge_object(&f, r);
		r->tables += k != 'S';
	}
	PQclear(res);
	res = NULL;

	if ((st = db_exec(d, Q_TYPES, 2, p2, &res, err)) != ST_OK)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		dbcheck_object_facts f = {
			.kind = strcmp(db_val(res, i, 0), "type") == 0 ? DBK_TYPE : DBK_OPERATOR,
			.name = db_val(res, i, 1), .owner = db_val(res, i, 2),
			.owner_super = tf(res, i, 3), .in_extension = tf(res, i, 4),
		};
		dbcheck_judge_object(&f, r);
	}
	PQclear(res);
	res = NULL;

	if ((st = db_exec(d, Q_GRANTS, 1, p1, &res, err)) != ST_OK)
		goto out;
	static const dbcheck_kind grant_kinds[] = {DBK_DATABASE, DBK_DATABASE, DBK_SCHEMA,
						   DBK_FUNCTION, DBK_TABLE, DBK_VIEW,
						   DBK_SEQUENCE, DBK_COLUMN};
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t k = db_int(res, i, 0);
		if (k < 1 || k > 7)
			continue;
		dbcheck_grant_facts f = {
			.kind = grant_kinds[k], .object = db_val(res, i, 1), .grantee = db_val(res, i, 2),
			.privilege = db_val(res, i, 3), .grantee_is_owner = tf(res, i, 4),
			.grantee_super = tf(res, i, 5),
		};
		dbcheck_judge_grant(&f, r);
	}
out:
	PQclear(res);
	free(roles);
	free(owners);
	return st;
}

status dbcheck_run(db *d, dbcheck_report *out, errbuf *err)
{
	*out = (dbcheck_report){0};
	status st = db_begin(d, err);
	if (st != ST_OK)
		return st;
	/* Read only, and every name resolved in pg_catalog: the session's
	 * search_path puts custos first. */
	st = db_exec(d, "SET TRANSACTION READ ONLY", 0, NULL, NULL, err);
	if (st == ST_OK)
		st = db_exec(d, "SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)", 0,
			     NULL, NULL, err);
	if (st == ST_OK)
		st = gather(d, out, err);
	db_rollback(d);
	if (st == ST_OK && out->nomem)
		st = err_set(err, ST_NOMEM, "out of memory");
	if (st == ST_OK && out->n > 1)
		qsort(out->v, out->n, sizeof out->v[0], finding_order);
	return st;
}

static void json_or_null(FILE *f, const char *s)
{
	if (s[0] == '\0')
		fputs("null", f);
	else
		json_str(f, s);
}

void dbcheck_json(const dbcheck_report *r, FILE *f)
{
	fputc('[', f);
	for (size_t i = 0; i < r->n; i++) {
		const dbcheck_finding *x = &r->v[i];
		char msg[3 * DBCHECK_NAME_MAX + 200];
		dbcheck_message(x, msg, sizeof msg);
		fprintf(f, "%s{\"code\":", i ? "," : "");
		json_str(f, dbcheck_code_name(x->code));
		fputs(",\"kind\":", f);
		json_str(f, dbcheck_kind_name(x->kind));
		fputs(",\"object\":", f);
		json_str(f, x->object);
		fputs(",\"what\":", f);
		json_or_null(f, x->what);
		fputs(",\"whom\":", f);
		json_or_null(f, x->whom);
		fputs(",\"message\":", f);
		json_str(f, msg);
		fputc('}', f);
	}
	fputs("]\n", f);
}
