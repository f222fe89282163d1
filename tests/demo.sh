#!/usr/bin/env bash
# tests/demo.sh BUILD DIR: start (or reuse) a local PostgreSQL kept in DIR
# and, the first time, fill it with demo data made through custos's own
# commands.  Prints the environment to use it.  Run by `make run`.
#
# The server listens on localhost:DEMO_PORT (5439 by default) with TLS only:
# a throwaway CA of the demo's own (DIR/tls, remade before it expires)
# signs the server's certificate, custos checks it (sslmode=verify-full),
# and the server takes only clients with the demo's client certificate
# (DIR/tls/client.key, readable by the demo's owner alone), so the TCP port
# is as closed to other local users as the owner's Unix socket (DIR, 0700).
# The demo's people log in by trust on top of that; docs/deploy.md says how
# production authenticates.
#
# Demo keys are TEST-ONLY keys (public seeds, tests/testkey.h) in DIR/keys,
# all with the passphrase "TEST-ONLY passphrase, never use": one per person,
# the log key (log.key) and an oversight body's witness key (witness.key).
set -eu
BUILD=$1 DIR=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
C=$ROOT/$BUILD/custos MKKEY=$ROOT/$BUILD/tests/mktestkey
PASS='TEST-ONLY passphrase, never use'
BIN=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=${DEMO_PORT:-5439}
. "$ROOT/tests/tls_lib.sh"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$DIR"
	if ! runuser -u postgres -- test -w "$DIR"; then
		echo "demo: the postgres user cannot reach $DIR (a parent folder is closed to it);" >&2
		echo "demo: set DEMO_DIR to a folder it can reach, e.g. make run DEMO_DIR=/var/tmp/custos-demo" >&2
		exit 1
	fi
fi
chmod 700 "$DIR"
if [ ! -d "$DIR/data" ]; then
	as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
fi
fresh_tls=
if ! openssl x509 -checkend 86400 -noout -in "$DIR/tls/server.crt" >/dev/null 2>&1; then
	rm -rf "$DIR/tls"
	tls_make "$DIR/tls" 30
	fresh_tls=1
fi
# the server reads its own key; the client key stays its user's (libpq
# takes a private key only from its own user or root)
[ "$(id -u)" = 0 ] && chown postgres: "$DIR/tls/server.key"
cat >"$DIR/pg_hba.conf" <<EOF
# custos demo (tests/demo.sh): the owner's Unix socket; TCP with TLS and
# the demo's client certificate only
local   all all                trust
hostssl all all 127.0.0.1/32   trust clientcert=verify-ca
hostssl all all ::1/128        trust clientcert=verify-ca
EOF
OPTS="-c listen_addresses=localhost -c unix_socket_directories=$DIR -c port=$PORT -c ssl=on"
OPTS="$OPTS -c ssl_cert_file=$DIR/tls/server.crt -c ssl_key_file=$DIR/tls/server.key"
OPTS="$OPTS -c ssl_ca_file=$DIR/tls/ca.crt -c hba_file=$DIR/pg_hba.conf"
# pgaudit (docs/deploy.md, "Access monitoring"): the server log records who
# read and wrote what, and every role and privilege change; each line names
# its login and database.
OPTS="$OPTS -c shared_preload_libraries=pgaudit -c log_line_prefix='%m [%p] %q%u@%d '"
# The extension library this tree built, before the installed one (as the
# tests load theirs: tests/pg.sh).
[ -f "$ROOT/$BUILD/pg/custos.so" ] &&
	OPTS="$OPTS -c dynamic_library_path='$ROOT/$BUILD/pg:\$libdir'"
if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
	as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "$OPTS" start >/dev/null
elif [ "$(PGHOST=$DIR PGPORT=$PORT psql -U postgres -d postgres -qAtXc 'SHOW ssl')" != on ] ||
     [ "$(PGHOST=$DIR PGPORT=$PORT psql -U postgres -d postgres -qAtXc 'SHOW shared_preload_libraries')" != pgaudit ]; then
	# a demo server from before TLS or pgaudit: start it again with them
	as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "$OPTS" restart >/dev/null
elif [ -n "$fresh_tls" ]; then
	as_pg "$BIN/pg_ctl" -D "$DIR/data" reload >/dev/null
fi
# Everything below, the demo's making included, goes over TLS.
export PGHOST=localhost PGPORT=$PORT PGSSLMODE=verify-full PGSSLROOTCERT="$DIR/tls/ca.crt" \
	PGSSLCERT="$DIR/tls/client.crt" PGSSLKEY="$DIR/tls/client.key" PGUSER=postgres PGDATABASE=custos
# pgaudit on the custos database, for every login: reads and writes of
# tables (not the system catalogs), role and privilege changes (ROLE), and
# schema changes (DDL).  Only a superuser may change these settings.
audit_on() {
	psql -qAtX >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS pgaudit;
ALTER DATABASE custos SET pgaudit.log = 'read, write, role, ddl';
ALTER DATABASE custos SET pgaudit.log_catalog = off;
ALTER DATABASE custos SET pgaudit.log_relation = on;
SQL
}
if [ "$(psql -d postgres -qAtXc "SELECT count(*) FROM pg_database WHERE datname = 'custos'")" = 0 ] ||
   [ ! -f "$DIR/demo.done" ]; then
	echo "demo: making the demo ledger (once)..." >&2
	psql -d postgres -qAtXc "DROP DATABASE IF EXISTS custos" >/dev/null 2>&1
	psql -d postgres -qAtXc "CREATE DATABASE custos" >/dev/null
	audit_on
	K=$DIR/keys
	rm -rf "$K"; mkdir -p "$K"; chmod 755 "$K"
	for who in admin alice bob carol wendy dave erin frank; do
		printf '%s\n' "$PASS" | "$MKKEY" $who "$K/$who.key" >"$K/$who.vkey"
	done
	[ "$(id -u)" = 0 ] && chmod 644 "$K"/*.vkey
	run() { local who=$1; shift; PGUSER=$who "$C" "$@" --key "$K/$who.key" --passphrase-fd 3 3<<<"$PASS" >/dev/null; }
	runw() { local who=$1 wit=$2; shift 2; PGUSER=$who "$C" "$@" --key "$K/$who.key" --passphrase-fd 3 \
		--witness-key "$K/$wit.key" --witness-passphrase-fd 4 3<<<"$PASS" 4<<<"$PASS" >/dev/null; }
	"$C" db init --origin demo.custos.example/log --admin admin --admin-key "$K/admin.key" --passphrase-fd 3 3<<<"$PASS" >/dev/null
	run admin account add 123456 --name "1st Signal Regiment, COMSEC account"
	run admin account add 234567 --name "Naval Communications Station"
	run admin account add 345678 --name "Headquarters crypto cell"
	runw admin alice person add alice --role custodian --account 123456 --pubkey "$(cat "$K/alice.vkey")"
	runw admin bob person add bob --role custodian --account 234567 --pubkey "$(cat "$K/bob.vkey")"
	runw admin frank person add frank --role custodian --account 345678 --pubkey "$(cat "$K/frank.vkey")"
	runw admin carol person add carol --role holder --account 123456 --pubkey "$(cat "$K/carol.vkey")"
	runw admin wendy person add wendy --role witness --account 123456 --pubkey "$(cat "$K/wendy.vkey")"
	runw admin dave person add dave --role auditor --pubkey "$(cat "$K/dave.vkey")"
	runw admin erin person add erin --role authority --pubkey "$(cat "$K/erin.vkey")"
	runw admin wendy account appoint 234567 --person wendy --role witness
	runw admin wendy account appoint 345678 --person wendy --role witness
	# what the reports print of accounts and people, and an allied account outside the ledger
	run admin account details 123456 --address "CFB Kingston, Bldg 7, Kingston ON" --cor-account 100001
	run admin account details 234567 --address "HMCS Stadacona, Halifax NS" --cor-account 100001
	run admin account details 345678 --address "NDHQ, 101 Colonel By Dr, Ottawa ON" --cor-account 100001
	run admin account outside 456789 --name "Allied signals unit" --address "Box 12, Northwood, UK"
	run admin person details alice --rank "Sgt" --position "COMSEC custodian"
	run admin person details bob --rank "PO1" --position "COMSEC custodian"
	run admin person details frank --rank "WO" --position "COMSEC custodian"
	run admin person details carol --rank "Cpl" --position "Signals operator"
	run admin person details wendy --rank "MCpl" --position "Witness"
	# ~200 items: equipment by serial, keying material by edition, publications by quantity
	y=$(date -u +%Y)
	for acct in 123456 234567 345678; do
		f=$DIR/items.$acct
		: >"$f"
		for i in $(seq 1 40); do echo "kind=equipment alc=1 class=C serial=${acct:0:2}$(printf %04d $i) title=KG-175D"; done >>"$f"
		for i in $(seq 1 15); do echo "kind=equipment alc=1 class=S serial=${acct:0:2}R$(printf %03d $i) title=KIV-7M"; done >>"$f"
		for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
			nm=$((10#$m + 1)); ny=$y; [ $nm = 13 ] && nm=1 && ny=$((y + 1))
			echo "kind=key alc=1 class=S crypto=yes serial=${acct:0:2}$m edition=$m effective=$y-$m-01 supersedes=$ny-$(printf %02d $nm)-01 title=AKAT 1234"
		done >>"$f"
		echo "kind=publication alc=2 class=U qty=40 edition=7 title=KAO 12 ${acct:0:1}" >>"$f"
		who=alice; [ $acct = 234567 ] && who=bob; [ $acct = 345678 ] && who=frank
		run $who receive --account $acct --from COR --items "$f" --text "initial holdings"
	done
	# TOP SECRET key, two-person
	runw alice wendy receive --account 123456 --from COR --item "kind=key alc=1 class=TS crypto=yes serial=TS01 edition=1 effective=$y-01-01 supersedes=$y-02-01 title=AKAT 9999"
	# old editions destroyed on time, one left overdue (the alarm)
	# (a key already superseded is destroyed under that authority, which
	# custos records itself; one not yet superseded names a direction)
	today=$(date -u +%F)
	auth() { [ "$y-$(printf %02d $((10#$1 + 1)))-01" \> "$today" ] && echo "--authority DIR-$y-07"; }
	for m in 01 02 03 04 05 06 07 08 09; do
		# shellcheck disable=SC2046
		runw alice wendy destroy --account 123456 --serial 12$m --method burn $(auth $m) --text "destroyed by burning"
	done
	# shellcheck disable=SC2046
	runw bob wendy destroy --account 234567 --serial 2301 --method shred $(auth 01)
	# hand receipts
	runw alice carol issue --account 123456 --holder carol --serial 120001 --serial 120002 --serial 12R001 --text "ops room"
	# a transfer in transit, one accepted
	run alice transfer --account 123456 --to 234567 --serial 120010 --serial 120011 --text "loan for exercise"
	run alice transfer --account 123456 --to 345678 --serial 120012
	run alice transfer --account 123456 --to 456789 --serial 120013 --text "to the allied unit"
	run frank accept "$(psql -qAtXc "SELECT number FROM custos.txn WHERE action = 'transfer' AND peer = '345678'")" --account 345678
	# an open incident
	run bob incident report --account 234567 --category physical --serial 23R004 \
		--discovered "$(date -u -d '-3 hours' +%Y-%m-%dT%H:%MZ)" --text "KIV-7M not found at shift check"
	echo "demo: done" >&2
	touch "$DIR/demo.done"
fi
# An existing demo gets the migrations of this custos, if any are new.
"$C" db migrate >/dev/null || { echo "demo: the demo database does not fit this custos; remove $DIR (make stop; rm -rf $DIR) to make it anew" >&2; exit 1; }
# pgaudit on the demo database once more: a demo made before it had none.
audit_on
# Oversight (once): the log key registered, a checkpoint, a witness that
# cosigned it, a trust policy and an exported bundle in DIR/bundle.
if [ ! -f "$DIR/oversight.done" ]; then
	echo "demo: setting up oversight (once)..." >&2
	K=$DIR/keys V=$ROOT/$BUILD/custos-verify
	for k in log witness; do rm -f "$K/$k.key"; done
	printf '%s\n' "$PASS" | "$MKKEY" demo.custos.example/log "$K/log.key" >"$K/log.vkey"
	printf '%s\n' "$PASS" | "$MKKEY" witness.demo.example "$K/witness.key" >/dev/null
	"$V" witness-vkey "$K/witness.key" >"$K/witness.vkey"
	[ "$(id -u)" = 0 ] && chmod 644 "$K"/*.vkey
	PGUSER=admin "$C" log key set "$(cat "$K/log.vkey")" >/dev/null
	PGUSER=admin "$C" log witness add "$(cat "$K/witness.vkey")" >/dev/null
	PGUSER=admin "$C" log checkpoint --log-key "$K/log.key" --log-passphrase-fd 3 3<<<"$PASS" >/dev/null
	PGUSER=dave "$C" log policy --witness "$(cat "$K/witness.vkey")" --quorum 1 >"$DIR/policy"
	rm -rf "$DIR/bundle" "$DIR/witness.state"
	PGUSER=dave "$C" log export --out "$DIR/bundle" >/dev/null
	# The witness's first cosignature: no earlier checkpoint in its state.
	"$V" cosign --key "$K/witness.key" --state "$DIR/witness.state" --passphrase-fd 3 \
		--policy "$DIR/policy" --out "$DIR/cosigned" "$DIR/bundle" 3<<<"$PASS" >/dev/null
	PGUSER=dave "$C" log cosign "$DIR/cosigned" --policy "$DIR/policy" >/dev/null
	rm -rf "$DIR/bundle"
	PGUSER=dave "$C" log export --out "$DIR/bundle" >/dev/null
	touch "$DIR/oversight.done"
fi
printf 'export PGHOST=localhost PGPORT=%s PGSSLMODE=verify-full PGSSLROOTCERT=%q PGSSLCERT=%q PGSSLKEY=%q PGDATABASE=custos\n' \
	"$PORT" "$DIR/tls/ca.crt" "$DIR/tls/client.crt" "$DIR/tls/client.key"
