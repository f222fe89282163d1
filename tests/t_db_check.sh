#!/usr/bin/env bash
# `custos db check` (src/dbcheck.c) on real databases: a ledger made with
# custos's own commands must pass (exit 0, "db check: ok (F functions, T
# tables checked)") as the superuser, a custodian, an auditor and a login
# that is nobody; and each kind of problem, made on purpose as the
# superuser in a scratch copy of that database, must be reported by name:
# a SECURITY DEFINER function without search_path, with pg_temp first or
# not last, owned by a superuser or a login, EXECUTE to PUBLIC, a table
# without row-level security, SELECT or a column to PUBLIC or a login,
# CREATE on the schema or the database, USAGE to PUBLIC, a view that runs
# with its owner's rights, a function in an untrusted language; and on the
# cluster-wide roles (altered and restored here, trap on exit): a group role
# that may log in or is a member of pg_read_server_files, custos_owner a
# superuser or granted to a login, custos_login_admin without CREATEROLE.
#
# Until migration 005 (the owner roles custos_owner and custos_login_admin,
# search_path ending in pg_temp, row-level security on every table) the
# first part fails: that is the point of it.
. "$(dirname "$0")/ledger_lib.sh"

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
NOBODY=dbcheck_nobody$$
SCRATCH=
ROLE_UNDO=()
undo_roles() {
	local u
	for u in "${ROLE_UNDO[@]}"; do psql -qAtX -d postgres -c "$u" >/dev/null 2>&1; done
	ROLE_UNDO=()
}
at_exit() {
	undo_roles
	psql -qAtX -d postgres -c "DROP DATABASE IF EXISTS ${SCRATCH:-none}" >/dev/null 2>&1
	psql -qAtX -d postgres -c "DROP ROLE IF EXISTS $NOBODY" >/dev/null 2>&1
	cleanup
}
trap at_exit EXIT

setup_ledger
psql -qAtX -c "CREATE ROLE $NOBODY LOGIN" >/dev/null || exit 1

# ---- a fresh ledger passes, for whoever asks -----------------------------------------
for who in postgres alice dave $NOBODY; do
	out=$(PGUSER=$who "$C" db check 2>&1); rc=$?
	if [ $rc -ne 0 ] || ! printf '%s\n' "$out" | grep -Eq '^db check: ok \([0-9]+ functions, [0-9]+ tables checked\)$'; then
		fail "db check as $who on a fresh ledger: exit $rc, $(printf '%s\n' "$out" | tail -1)"
		[ $who = postgres ] && printf '%s\n' "$out" | head -n -1 | sed 's/^/    /'
	fi
done
out=$("$C" db check --json 2>&1)
[ "$out" = "[]" ] || fail "db check --json on a fresh ledger: $(printf '%s' "$out" | head -c 300)..."
# It counts what it looked at: every function and table of the schema.
nf=$(q "SELECT count(*) FROM pg_proc WHERE pronamespace = 'custos'::regnamespace")
nt=$(q "SELECT count(*) FROM pg_class WHERE relnamespace = 'custos'::regnamespace AND relkind IN ('r','p','v','m','f')")
out=$("$C" db check 2>&1)
case $out in
*"db check: ok ($nf functions, $nt tables checked)"*) ;;
*"db check: ok"*) fail "db check counted wrong: $out (want $nf functions, $nt tables)" ;;
esac
usage "$C" db check --serial x

# ---- each kind of problem, made on purpose in a scratch copy -----------------------------
SCRATCH=${PGDATABASE}_bad
psql -qAtX -d postgres -c "CREATE DATABASE $SCRATCH TEMPLATE $PGDATABASE" >/dev/null || exit 1
before=$(PGDATABASE=$SCRATCH "$C" db check 2>&1)
PGDATABASE=$SCRATCH psql -qAtX -v ON_ERROR_STOP=1 >/dev/null <<SQL || { fail "could not break the scratch database"; exit 1; }
ALTER FUNCTION custos.me() RESET search_path;
ALTER FUNCTION custos.sees_all() SET search_path = pg_temp, pg_catalog, custos;
ALTER FUNCTION custos.is_administrator() SET search_path = pg_catalog, custos, public, pg_temp;
ALTER FUNCTION custos.account_exists(text) OWNER TO postgres;
ALTER FUNCTION custos.my_accounts() OWNER TO alice;
GRANT EXECUTE ON FUNCTION custos.lock_head() TO PUBLIC;
ALTER TABLE custos.item DISABLE ROW LEVEL SECURITY;
GRANT SELECT ON custos.txn TO PUBLIC;
GRANT UPDATE (name) ON custos.account TO PUBLIC;
GRANT DELETE ON custos.incident TO alice;
GRANT USAGE ON SEQUENCE custos.item_id_seq TO PUBLIC;
GRANT CREATE ON SCHEMA custos TO alice;
GRANT USAGE ON SCHEMA custos TO PUBLIC;
GRANT CREATE ON DATABASE $SCRATCH TO PUBLIC;
CREATE VIEW custos.all_items AS SELECT * FROM custos.item;
CREATE FUNCTION custos.upper_internal(text) RETURNS text LANGUAGE internal IMMUTABLE STRICT AS 'upper';
CREATE FUNCTION custos.planted() RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
SQL
# Roles are cluster-wide: each change is undone right after the check below
# (and on exit).
rq() { psql -qAtX -d postgres -c "$1" >/dev/null || fail "could not: $1"; }
rq "ALTER ROLE custos_auditor LOGIN"; ROLE_UNDO+=("ALTER ROLE custos_auditor NOLOGIN")
rq "ALTER ROLE custos_holder CREATEDB"; ROLE_UNDO+=("ALTER ROLE custos_holder NOCREATEDB")
rq "GRANT pg_read_server_files TO custos_custodian"; ROLE_UNDO+=("REVOKE pg_read_server_files FROM custos_custodian")
have_owner=$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'custos_owner'")
have_la=$(q "SELECT count(*) FROM pg_roles WHERE rolname = 'custos_login_admin'")
if [ "$have_owner" = 1 ]; then
	rq "ALTER ROLE custos_owner SUPERUSER"; ROLE_UNDO+=("ALTER ROLE custos_owner NOSUPERUSER")
	rq "GRANT custos_owner TO alice"; ROLE_UNDO+=("REVOKE custos_owner FROM alice")
fi
if [ "$have_la" = 1 ] && [ "$(q "SELECT rolcreaterole FROM pg_roles WHERE rolname = 'custos_login_admin'")" = t ]; then
	rq "ALTER ROLE custos_login_admin NOCREATEROLE"; ROLE_UNDO+=("ALTER ROLE custos_login_admin CREATEROLE")
fi
text=$(PGDATABASE=$SCRATCH "$C" db check 2>&1); trc=$?
json=$(PGDATABASE=$SCRATCH "$C" db check --json 2>&1); jrc=$?
asnobody=$(PGDATABASE=$SCRATCH PGUSER=$NOBODY "$C" db check --json 2>&1)
undo_roles

[ $trc = 1 ] && [ $jrc = 1 ] || fail "db check on a broken database: exit $trc (text), $jrc (json), want 1"
# The expected findings, as db check prints them.
while IFS= read -r line; do
	[ -z "$line" ] && continue
	printf '%s\n' "$text" | grep -Fxq -- "$line" || fail "not reported: $line"
done <<EOF
function custos.me(): SECURITY DEFINER without a search_path of its own (must be 'pg_catalog, custos, pg_temp')
function custos.sees_all(): SECURITY DEFINER with search_path 'pg_temp, pg_catalog, custos' (must end in pg_temp)
function custos.is_administrator(): SECURITY DEFINER with search_path 'pg_catalog, custos, public, pg_temp' (must be 'pg_catalog, custos, pg_temp')
function custos.account_exists(text): owned by postgres, a superuser
function custos.my_accounts(): owned by alice, not custos_owner
function custos.lock_head(): EXECUTE granted to PUBLIC
function custos.planted(): SECURITY DEFINER without a search_path of its own (must be 'pg_catalog, custos, pg_temp')
function custos.planted(): EXECUTE granted to PUBLIC
function custos.upper_internal(text): LANGUAGE internal (untrusted) but not part of extension custos
table custos.item: row-level security disabled
table custos.txn: SELECT granted to PUBLIC
column custos.account.name: UPDATE granted to PUBLIC
table custos.incident: DELETE granted to alice, not a custos role
sequence custos.item_id_seq: USAGE granted to PUBLIC
view custos.all_items: runs with its owner's rights (security_invoker is off), past row-level security
schema custos: CREATE granted to alice
schema custos: USAGE granted to PUBLIC, not a custos role
database $SCRATCH: CREATE granted to PUBLIC, who may make schemas
role custos_auditor: may log in
role custos_holder: has CREATEDB
role custos_custodian: is a member of pg_read_server_files
EOF
if [ "$have_owner" = 1 ]; then
	for line in "role custos_owner: is a superuser" "role custos_owner: is granted to alice, who may act as it"; do
		printf '%s\n' "$text" | grep -Fxq -- "$line" || fail "not reported: $line"
	done
else
	printf '%s\n' "$text" | grep -Fxq "role custos_owner: does not exist" || fail "not reported: custos_owner missing"
	echo "note: no role custos_owner yet (migration 005): its attributes were not tested"
fi
if [ "$have_la" = 1 ]; then
	printf '%s\n' "$text" | grep -Fxq "role custos_login_admin: lacks CREATEROLE (it creates the logins of persons)" ||
		fail "not reported: custos_login_admin without CREATEROLE"
fi
# The closing count is the number of lines above it, and of JSON findings.
n=$(printf '%s\n' "$text" | grep -c ': ')
n=$((n - 1))
last=$(printf '%s\n' "$text" | tail -1)
[ "$last" = "db check: $n problems" ] || fail "closing line '$last', want 'db check: $n problems'"
nj=$(printf '%s' "$json" | grep -o '{"code":' | wc -l)
[ "$nj" = "$n" ] || fail "--json has $nj findings, the text $n"
case $json in
'[{"code":'*'}]') ;;
*) fail "--json is not an array of findings: $(printf '%s' "$json" | head -c 200)" ;;
esac
printf '%s' "$json" | grep -Fq '{"code":"definer_no_search_path","kind":"function","object":"custos.me()","what":null,"whom":null,' ||
	fail "--json lacks me()'s finding as data"
printf '%s' "$json" | grep -Fq '{"code":"schema_create","kind":"schema","object":"custos","what":null,"whom":"alice",' ||
	fail "--json lacks the schema's CREATE to alice as data"
# A login that is nobody reads the same catalog and finds the same.
[ "$asnobody" = "$json" ] || fail "db check as $NOBODY differs from the superuser's"
# The roles are restored: the fresh ledger's verdict is the same as before.
after=$("$C" db check 2>&1)
[ "$(PGDATABASE=$SCRATCH "$C" db check 2>&1 | grep '^role ')" = "$(printf '%s\n' "$before" | grep '^role ')" ] ||
	fail "the roles were not restored"
printf '%s\n' "$after" | grep -q 'role custos_auditor: may log in' && fail "custos_auditor still logs in"

# A database without the schema: one finding, exit 1.
psql -qAtX -d postgres -c "DROP DATABASE $SCRATCH" >/dev/null
psql -qAtX -d postgres -c "CREATE DATABASE $SCRATCH" >/dev/null
expect_err 1 'schema custos: does not exist in this database' env PGDATABASE=$SCRATCH "$C" db check
finish
