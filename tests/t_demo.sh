#!/usr/bin/env bash
# The demo of `make run` (tests/demo.sh), made in a folder of its own on a
# port of its own: it is made through custos's own commands over TCP with
# TLS, and what it prints to use it connects with the server's certificate
# verified (sslmode=verify-full) and the TLS version shown.  A wrong CA, a
# connection without TLS and one without the demo's client certificate are
# refused, in words.  Run again, it reuses the ledger it made.
. "$(dirname "$0")/ledger_lib.sh"
D=$W/demo
port=$((20000 + RANDOM % 20000))
stop_demo() {
	if [ -d "$D/data" ]; then
		if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$(pg_bindir)/pg_ctl" -D "$D/data" -m immediate stop
		else "$(pg_bindir)/pg_ctl" -D "$D/data" -m immediate stop; fi
	fi >/dev/null 2>&1
	cleanup
}
trap stop_demo EXIT
ok env DEMO_PORT=$port "$ROOT/tests/demo.sh" "$BUILD" "$D" || exit 1
env=$LAST_OUT
# the last line is the environment to use; run in a clean one
demo() { env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE bash -c "$(tail -1 <<<"$env") && exec \"\$@\"" _ "$@"; }
expect_out 'TLS TLSv1\.[23] .*server certificate CN=localhost, verified for host localhost' \
	demo env PGUSER=alice "$C" db status
expect_out '^123456 +AKAT 9999 +1 +TS01 +key +TS .*on_hand' demo env PGUSER=alice "$C" holdings
expect_out '^valid' demo env PGUSER=dave "$C" log verify
expect_err 1 'certificate verify failed' demo env PGUSER=alice PGSSLROOTCERT="$D/tls/other.crt" "$C" db status
expect_err 1 'no pg_hba.conf entry .*no encryption' demo env PGUSER=alice PGSSLMODE=disable "$C" db status
expect_err 1 'certificate' demo env PGUSER=alice PGSSLCERT=/nonexistent PGSSLKEY=/nonexistent "$C" db status
expect_err 1 'does not match host name "127\.0\.0\.1"' demo env PGUSER=alice PGHOST=127.0.0.1 "$C" db status
[ "$(stat -c %a "$D/tls/client.key")" = 600 ] || { echo "FAIL: the demo's client key is not 0600"; fails=$((fails + 1)); }
# pgaudit: alice's read and a write of the demo's making are in the server
# log under their logins, and no one but a superuser can turn it off
audited() { grep -c "$1" "$D/server.log" 2>/dev/null || true; }
[ "$(audited 'alice@custos LOG:  AUDIT: SESSION,[0-9]*,[0-9]*,READ,SELECT,TABLE,custos\.')" -gt 0 ] ||
	{ echo "FAIL: pgaudit logged no read by alice"; fails=$((fails + 1)); }
[ "$(audited 'alice@custos LOG:  AUDIT: SESSION,[0-9]*,[0-9]*,WRITE,INSERT,TABLE,custos\.log_entry')" -gt 0 ] ||
	{ echo "FAIL: pgaudit logged no write of the log by alice"; fails=$((fails + 1)); }
[ "$(audited 'admin@custos LOG:  AUDIT: SESSION,[0-9]*,[0-9]*,ROLE,')" -gt 0 ] ||
	{ echo "FAIL: pgaudit logged no role change by admin"; fails=$((fails + 1)); }
expect_err 1 'permission denied to set parameter "pgaudit\.log"' \
	demo psql -qAtX -v ON_ERROR_STOP=1 -U alice -c "SET pgaudit.log = 'none'"
expect_err 1 'permission denied to set parameter "pgaudit\.log"' \
	demo psql -qAtX -v ON_ERROR_STOP=1 -U alice -c "ALTER ROLE alice SET pgaudit.log = 'none'"
# run again: the same ledger, not made anew
size=$(demo psql -qAtX -U postgres -c "SELECT size FROM custos.log_head")
ok env DEMO_PORT=$port "$ROOT/tests/demo.sh" "$BUILD" "$D"
[ "$(demo psql -qAtX -U postgres -c "SELECT size FROM custos.log_head")" = "$size" ] ||
	{ echo "FAIL: the demo was made again"; fails=$((fails + 1)); }
finish
