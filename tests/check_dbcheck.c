/* check_dbcheck: the judgements of `custos db check` (src/dbcheck.c), one
 * object's facts at a time, without a database; and the text and JSON of
 * findings.  tests/t_db_check.sh runs the whole check on real databases. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/dbcheck.h"
#include "check_run.h"

/* Whether r holds exactly one finding with this code (and object). */
static bool has(const dbcheck_report *r, dbcheck_code code, const char *object)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].code == code && strcmp(r->v[i].object, object) == 0;
	return n == 1;
}

START_TEST(search_paths)
{
	ck_assert_int_eq(dbcheck_judge_search_path("pg_catalog, custos, pg_temp"), DBC__COUNT);
	ck_assert_int_eq(dbcheck_judge_search_path(NULL), DBC_DEFINER_NO_PATH);
	ck_assert_int_eq(dbcheck_judge_search_path("pg_catalog, custos"), DBC_DEFINER_PATH_TEMP);
	ck_assert_int_eq(dbcheck_judge_search_path("pg_catalog"), DBC_DEFINER_PATH_TEMP);
	ck_assert_int_eq(dbcheck_judge_search_path(""), DBC_DEFINER_PATH_TEMP);
	/* pg_temp first or in the middle is what this check exists for */
	ck_assert_int_eq(dbcheck_judge_search_path("pg_temp, pg_catalog, custos"), DBC_DEFINER_PATH_TEMP);
	/* one schema whose name has commas in it (SET search_path = '...'), not pg_temp */
	ck_assert_int_eq(dbcheck_judge_search_path("\"pg_catalog, custos, pg_temp\""),
			 DBC_DEFINER_PATH_OTHER);
	/* ends in pg_temp but is not the required path */
	ck_assert_int_eq(dbcheck_judge_search_path("custos, pg_catalog, pg_temp"), DBC_DEFINER_PATH_OTHER);
	ck_assert_int_eq(dbcheck_judge_search_path("pg_catalog, custos, public, pg_temp"),
			 DBC_DEFINER_PATH_OTHER);
	ck_assert_int_eq(dbcheck_judge_search_path("\"$user\", pg_temp"), DBC_DEFINER_PATH_OTHER);
}
END_TEST

START_TEST(functions)
{
	dbcheck_report r = {0};
	dbcheck_function_facts ok = {.name = "custos.me()", .owner = "custos_owner",
				     .language = "plpgsql", .search_path = "pg_catalog, custos, pg_temp",
				     .definer = true, .trusted_language = true};
	dbcheck_judge_function(&ok, &r);
	ck_assert_uint_eq(r.n, 0);
	/* today's schema: a superuser owns it, and pg_temp is not last */
	dbcheck_function_facts f = ok;
	f.owner = "postgres", f.owner_super = true, f.search_path = "pg_catalog, custos";
	dbcheck_judge_function(&f, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(has(&r, DBC_OWNER_SUPERUSER, "custos.me()"));
	ck_assert(has(&r, DBC_DEFINER_PATH_TEMP, "custos.me()"));
	char line[512];
	dbcheck_text(&r.v[1], line, sizeof line);
	ck_assert_str_eq(line, "function custos.me(): SECURITY DEFINER with search_path "
			       "'pg_catalog, custos' (must end in pg_temp)");
	dbcheck_text(&r.v[0], line, sizeof line);
	ck_assert_str_eq(line, "function custos.me(): owned by postgres, a superuser");
	dbcheck_report_free(&r);
	/* RESET search_path */
	f = ok, f.search_path = NULL;
	dbcheck_judge_function(&f, &r);
	ck_assert(r.n == 1 && has(&r, DBC_DEFINER_NO_PATH, "custos.me()"));
	dbcheck_report_free(&r);
	/* a function that is not SECURITY DEFINER needs no search_path */
	f = ok, f.definer = false, f.search_path = NULL;
	dbcheck_judge_function(&f, &r);
	ck_assert_uint_eq(r.n, 0);
	/* the wrong owner, and the two functions of custos_login_admin */
	f = ok, f.owner = "alice";
	dbcheck_judge_function(&f, &r);
	ck_assert(r.n == 1 && has(&r, DBC_OWNER_WRONG, "custos.me()"));
	dbcheck_text(&r.v[0], line, sizeof line);
	ck_assert_str_eq(line, "function custos.me(): owned by alice, not custos_owner");
	dbcheck_report_free(&r);
	f = ok, f.name = "custos.sync_login(text)";
	dbcheck_judge_function(&f, &r);
	ck_assert(r.n == 1 && has(&r, DBC_OWNER_WRONG, "custos.sync_login(text)"));
	ck_assert_str_eq(r.v[0].what, "custos_login_admin");
	dbcheck_report_free(&r);
	f.owner = "custos_login_admin";
	dbcheck_judge_function(&f, &r);
	f.name = "custos.set_login_password(text, text)";
	dbcheck_judge_function(&f, &r);
	ck_assert_uint_eq(r.n, 0);
	/* custos_login_admin owns nothing else */
	f.name = "custos.me()";
	dbcheck_judge_function(&f, &r);
	ck_assert(r.n == 1 && has(&r, DBC_OWNER_WRONG, "custos.me()"));
	dbcheck_report_free(&r);
	/* the extension's C functions: any owner, never SECURITY DEFINER */
	dbcheck_function_facts c = {.name = "custos.entry_verify(bytea)", .owner = "postgres",
				    .owner_super = true, .language = "c", .in_extension = true};
	dbcheck_judge_function(&c, &r);
	ck_assert_uint_eq(r.n, 0);
	c.definer = true;
	dbcheck_judge_function(&c, &r);
	ck_assert(r.n == 1 && has(&r, DBC_EXTENSION_DEFINER, "custos.entry_verify(bytea)"));
	dbcheck_report_free(&r);
	/* C outside the extension */
	c.in_extension = false, c.definer = false, c.owner = "custos_owner", c.owner_super = false;
	dbcheck_judge_function(&c, &r);
	ck_assert(r.n == 1 && has(&r, DBC_UNTRUSTED_LANGUAGE, "custos.entry_verify(bytea)"));
	dbcheck_report_free(&r);
}
END_TEST

START_TEST(roles)
{
	dbcheck_report r = {0};
	dbcheck_role_facts owner = {.name = "custos_owner", .exists = true};
	dbcheck_judge_role(&owner, &r);
	ck_assert_uint_eq(r.n, 0);
	dbcheck_role_facts bad = owner;
	bad.super = bad.login = bad.createrole = bad.createdb = bad.bypassrls = bad.replication = true;
	dbcheck_judge_role(&bad, &r);
	ck_assert_uint_eq(r.n, 6);
	ck_assert(has(&r, DBC_ROLE_SUPERUSER, "custos_owner"));
	ck_assert(has(&r, DBC_ROLE_LOGIN, "custos_owner"));
	ck_assert(has(&r, DBC_ROLE_CREATEROLE, "custos_owner"));
	ck_assert(has(&r, DBC_ROLE_BYPASSRLS, "custos_owner"));
	dbcheck_report_free(&r);
	/* custos_login_admin needs CREATEROLE and nothing else */
	dbcheck_role_facts la = {.name = "custos_login_admin", .exists = true, .createrole = true};
	dbcheck_judge_role(&la, &r);
	ck_assert_uint_eq(r.n, 0);
	la.createrole = false;
	dbcheck_judge_role(&la, &r);
	ck_assert(r.n == 1 && has(&r, DBC_ROLE_NO_CREATEROLE, "custos_login_admin"));
	dbcheck_report_free(&r);
	dbcheck_role_facts gone = {.name = "custos_owner"};
	dbcheck_judge_role(&gone, &r);
	ck_assert(r.n == 1 && has(&r, DBC_ROLE_MISSING, "custos_owner"));
	dbcheck_report_free(&r);
	/* group roles: no attribute either */
	dbcheck_role_facts g = {.name = "custos_auditor", .exists = true, .login = true};
	dbcheck_judge_role(&g, &r);
	ck_assert(r.n == 1 && has(&r, DBC_ROLE_LOGIN, "custos_auditor"));
	dbcheck_report_free(&r);
	/* memberships: a custos role in a powerful one, or a login in an owner role */
	dbcheck_judge_membership("custos_custodian", "pg_execute_server_program", &r);
	dbcheck_judge_membership("alice", "custos_owner", &r);
	ck_assert(r.n == 2 && has(&r, DBC_ROLE_MEMBER_OF, "custos_custodian") &&
		  has(&r, DBC_ROLE_HAS_MEMBER, "custos_owner"));
	char line[512];
	dbcheck_text(&r.v[1], line, sizeof line);
	ck_assert_str_eq(line, "role custos_owner: is granted to alice, who may act as it");
	dbcheck_report_free(&r);
	ck_assert(dbcheck_custos_role("custos_holder"));
	ck_assert(!dbcheck_custos_role("custos_holders"));
	ck_assert(!dbcheck_custos_role("PUBLIC"));
}
END_TEST

START_TEST(objects_and_grants)
{
	dbcheck_report r = {0};
	dbcheck_object_facts t = {.kind = DBK_TABLE, .name = "custos.person", .owner = "custos_owner",
				  .relkind = 'r', .rls = true};
	dbcheck_judge_object(&t, &r);
	ck_assert_uint_eq(r.n, 0);
	t.rls = false;
	dbcheck_judge_object(&t, &r);
	ck_assert(r.n == 1 && has(&r, DBC_RLS_DISABLED, "custos.person"));
	char line[512];
	dbcheck_text(&r.v[0], line, sizeof line);
	ck_assert_str_eq(line, "table custos.person: row-level security disabled");
	dbcheck_report_free(&r);
	/* a sequence has no row-level security; a view needs security_invoker */
	dbcheck_object_facts s = {.kind = DBK_SEQUENCE, .name = "custos.item_id_seq",
				  .owner = "custos_owner", .relkind = 'S'};
	dbcheck_judge_object(&s, &r);
	ck_assert_uint_eq(r.n, 0);
	dbcheck_object_facts v = {.kind = DBK_VIEW, .name = "custos.v", .owner = "custos_owner",
				  .relkind = 'v'};
	dbcheck_judge_object(&v, &r);
	ck_assert(r.n == 1 && has(&r, DBC_VIEW_OWNER_RIGHTS, "custos.v"));
	dbcheck_report_free(&r);
	v.security_invoker = true;
	dbcheck_judge_object(&v, &r);
	ck_assert_uint_eq(r.n, 0);

	dbcheck_grant_facts g = {.kind = DBK_FUNCTION, .object = "custos.f()", .grantee = "PUBLIC",
				 .privilege = "EXECUTE"};
	dbcheck_judge_grant(&g, &r);
	ck_assert(r.n == 1 && has(&r, DBC_PRIV_PUBLIC, "custos.f()"));
	dbcheck_text(&r.v[0], line, sizeof line);
	ck_assert_str_eq(line, "function custos.f(): EXECUTE granted to PUBLIC");
	dbcheck_report_free(&r);
	g.grantee = "custos_custodian";
	dbcheck_judge_grant(&g, &r);
	g.grantee = "postgres", g.grantee_super = true;
	dbcheck_judge_grant(&g, &r);
	g.grantee = "custos_owner", g.grantee_super = false, g.grantee_is_owner = true;
	dbcheck_judge_grant(&g, &r);
	ck_assert_uint_eq(r.n, 0);
	g.grantee = "alice", g.grantee_is_owner = false;
	dbcheck_judge_grant(&g, &r);
	ck_assert(r.n == 1 && has(&r, DBC_PRIV_OTHER, "custos.f()"));
	dbcheck_report_free(&r);
	dbcheck_grant_facts tg = {.kind = DBK_TABLE, .object = "custos.t", .grantee = "PUBLIC",
				  .privilege = "SELECT"};
	dbcheck_judge_grant(&tg, &r);
	dbcheck_text(&r.v[0], line, sizeof line);
	ck_assert_str_eq(line, "table custos.t: SELECT granted to PUBLIC");
	dbcheck_report_free(&r);
	/* the schema: CREATE to nobody, USAGE to custos roles only */
	dbcheck_grant_facts sg = {.kind = DBK_SCHEMA, .object = "custos", .grantee = "alice",
				  .privilege = "CREATE"};
	dbcheck_judge_grant(&sg, &r);
	dbcheck_text(&r.v[0], line, sizeof line);
	ck_assert_str_eq(line, "schema custos: CREATE granted to alice");
	dbcheck_report_free(&r);
	sg.grantee = "custos_holder";
	dbcheck_judge_grant(&sg, &r);
	ck_assert(r.n == 1 && has(&r, DBC_SCHEMA_CREATE, "custos"));
	dbcheck_report_free(&r);
	sg.privilege = "USAGE";
	dbcheck_judge_grant(&sg, &r);
	ck_assert_uint_eq(r.n, 0);
	sg.grantee = "PUBLIC";
	dbcheck_judge_grant(&sg, &r);
	ck_assert(r.n == 1 && has(&r, DBC_SCHEMA_USAGE, "custos"));
	dbcheck_report_free(&r);
	/* the database: CREATE only */
	dbcheck_grant_facts dg = {.kind = DBK_DATABASE, .object = "d", .grantee = "PUBLIC",
				  .privilege = "TEMPORARY"};
	dbcheck_judge_grant(&dg, &r);
	ck_assert_uint_eq(r.n, 0);
	dg.privilege = "CREATE";
	dbcheck_judge_grant(&dg, &r);
	ck_assert(r.n == 1 && has(&r, DBC_DB_CREATE, "d"));
	dbcheck_report_free(&r);
}
END_TEST

START_TEST(json_and_text)
{
	dbcheck_report r = {0};
	dbcheck_add(&r, DBC_DEFINER_PATH_TEMP, DBK_FUNCTION, "custos.\"odd\nname\"()",
		    "pg_catalog, custos", NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	dbcheck_json(&r, f);
	fclose(f);
	ck_assert_str_eq(buf, "[{\"code\":\"definer_search_path_temp\",\"kind\":\"function\","
			      "\"object\":\"custos.\\\"odd\\nname\\\"()\",\"what\":\"pg_catalog, custos\","
			      "\"whom\":null,\"message\":\"SECURITY DEFINER with search_path "
			      "'pg_catalog, custos' (must end in pg_temp)\"}]\n");
	free(buf);
	/* a small buffer cuts, never overruns */
	char small[12];
	dbcheck_text(&r.v[0], small, sizeof small);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	dbcheck_message(&r.v[0], small, sizeof small);
	ck_assert_str_eq(small, "SECURITY DE");
	/* every code has a distinct name */
	for (int a = 0; a < DBC__COUNT; a++)
		for (int b = a + 1; b < DBC__COUNT; b++)
			ck_assert_str_ne(dbcheck_code_name((dbcheck_code)a), dbcheck_code_name((dbcheck_code)b));
	dbcheck_report_free(&r);
	f = open_memstream(&buf, &len);
	dbcheck_json(&r, f);
	fclose(f);
	ck_assert_str_eq(buf, "[]\n");
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dbcheck");
	TCase *tc = tcase_create("judge");
	tcase_add_test(tc, search_paths);
	tcase_add_test(tc, functions);
	tcase_add_test(tc, roles);
	tcase_add_test(tc, objects_and_grants);
	tcase_add_test(tc, json_and_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
