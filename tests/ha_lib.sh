# tests/ha_lib.sh: a primary and a synchronous standby on streaming
# replication, for failover tests.  Sourced by tests that also source
# tests/ledger_lib.sh (for pg_as, pg_bindir and the ledger helpers).
#
#   ha_start                   node 0 primary, node 1 its synchronous standby;
#                              both on TCP (localhost, TLS required, client
#                              certificates checked) and a Unix socket;
#                              sets HA_PRIMARY (0 or 1) and HA_CONN
#   ha_conninfo [extra]        the multi-host conninfo custos uses
#   ha_psql N SQL              run SQL as postgres on node N (socket)
#   ha_crash N                 SIGKILL node N's postmaster and every child
#   ha_promote N               promote node N (waits until it is primary)
#   ha_rebuild N               node N anew: a base backup of the primary,
#                              started as its synchronous standby
#   ha_wait_sync               until the primary has a synchronous standby
#   ha_stop                    stop both nodes, remove everything
#
# Every commit waits for the standby: synchronous_standby_names = '*' and
# synchronous_commit = on on both nodes (a promoted standby keeps them).

. "$(dirname "${BASH_SOURCE[0]}")/tls_lib.sh"
HA_DIR= HA_PRIMARY=0
HA_PORT=()

# The settings of both nodes (the standby's come with its base backup).
ha_conf() {
	cat <<EOF
listen_addresses = 'localhost'
unix_socket_directories = '$HA_DIR'
fsync = off
max_connections = 100
wal_level = replica
max_wal_senders = 10
hot_standby = on
synchronous_commit = on
synchronous_standby_names = '*'
wal_sender_timeout = 5s
wal_receiver_status_interval = 1s
ssl = on
ssl_cert_file = '$HA_DIR/tls/server.crt'
ssl_key_file = '$HA_DIR/tls/server.key'
ssl_ca_file = '$HA_DIR/tls/ca.crt'
EOF
}

ha_start() {
	local bin
	bin=$(pg_bindir)
	HA_DIR=$(mktemp -d /tmp/custos-ha.XXXXXX) || return 1
	chmod 700 "$HA_DIR"
	tls_make "$HA_DIR/tls" || return 1
	[ "$(id -u)" = 0 ] && chown -R postgres: "$HA_DIR"
	pg_as "$bin/initdb" -D "$HA_DIR/n0" -A trust -U postgres --no-sync -E UTF8 \
		--locale=C.UTF-8 >"$HA_DIR/initdb.log" 2>&1 || { cat "$HA_DIR/initdb.log" >&2; return 1; }
	ha_conf | pg_as tee -a "$HA_DIR/n0/postgresql.conf" >/dev/null
	pg_ext_conf "$HA_DIR/n0"
	# Unix socket: trust (the harness).  TCP: TLS only, with a client
	# certificate the test CA signed; plain TCP is refused.
	pg_as tee "$HA_DIR/n0/pg_hba.conf" >/dev/null <<EOF
local all all trust
local replication all trust
hostssl all all 127.0.0.1/32 trust clientcert=verify-ca
hostssl all all ::1/128 trust clientcert=verify-ca
EOF
	HA_PORT=()
	local i
	for i in 0 1; do HA_PORT[$i]=$((20000 + RANDOM % 20000)); done
	[ "${HA_PORT[0]}" = "${HA_PORT[1]}" ] && HA_PORT[1]=$((HA_PORT[0] + 1))
	ha_run 0 || return 1
	HA_PRIMARY=0
	ha_rebuild 1 || return 1
	export HA_DIR HA_PRIMARY
}

# Start node N on its port.
ha_run() {
	pg_as "$(pg_bindir)/pg_ctl" -D "$HA_DIR/n$1" -l "$HA_DIR/n$1.log" -w -t 60 \
		-o "-c port=${HA_PORT[$1]} -c cluster_name=n$1" start >/dev/null 2>&1 ||
		{ echo "ha_lib: node $1 does not start:" >&2; tail -20 "$HA_DIR/n$1.log" >&2; return 1; }
}

ha_psql() {
	local n=$1; shift
	psql -qAtX -h "$HA_DIR" -p "${HA_PORT[$n]}" -U postgres -d "${PGDATABASE:-postgres}" \
		-v ON_ERROR_STOP=1 -c "$1"
}

ha_conninfo() {
	printf 'host=localhost,localhost port=%s,%s target_session_attrs=read-write sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s connect_timeout=2 %s' \
		"${HA_PORT[0]}" "${HA_PORT[1]}" "$HA_DIR/tls/ca.crt" "$HA_DIR/tls/client.crt" \
		"$HA_DIR/tls/client.key" "${1:-}"
}

ha_crash() {
	local pid
	pid=$(head -1 "$HA_DIR/n$1/postmaster.pid" 2>/dev/null) || return 0
	# The postmaster first, then its children, which would otherwise go on
	# serving their sessions for a moment.
	kill -KILL "$pid" 2>/dev/null
	local kids
	kids=$(pgrep -P "$pid" 2>/dev/null)
	[ -n "$kids" ] && kill -KILL $kids 2>/dev/null
	local t=0
	while kill -0 "$pid" 2>/dev/null && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	rm -f "$HA_DIR/n$1/postmaster.pid"
}

ha_promote() {
	pg_as "$(pg_bindir)/pg_ctl" -D "$HA_DIR/n$1" -w -t 60 promote >/dev/null || return 1
	HA_PRIMARY=$1
}

ha_rebuild() {
	local n=$1 p=$HA_PRIMARY
	rm -rf "$HA_DIR/n$n"
	pg_as "$(pg_bindir)/pg_basebackup" -h "$HA_DIR" -p "${HA_PORT[$p]}" -U postgres \
		-D "$HA_DIR/n$n" -X stream -c fast --no-sync >"$HA_DIR/basebackup.log" 2>&1 ||
		{ cat "$HA_DIR/basebackup.log" >&2; return 1; }
	pg_as tee -a "$HA_DIR/n$n/postgresql.auto.conf" >/dev/null <<EOF
primary_conninfo = 'host=$HA_DIR port=${HA_PORT[$p]} user=postgres application_name=n$n'
EOF
	pg_as touch "$HA_DIR/n$n/standby.signal"
	ha_run "$n" || return 1
	ha_wait_sync
}

ha_wait_sync() {
	local t=0
	until [ "$(ha_psql "$HA_PRIMARY" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'" 2>/dev/null)" = 1 ]; do
		t=$((t + 1))
		[ $t -gt 300 ] && { echo "ha_lib: no synchronous standby after 30 s" >&2; return 1; }
		sleep 0.1
	done
}

ha_stop() {
	[ -n "$HA_DIR" ] || return 0
	local i
	for i in 0 1; do
		[ -f "$HA_DIR/n$i/postmaster.pid" ] &&
			pg_as "$(pg_bindir)/pg_ctl" -D "$HA_DIR/n$i" -m immediate -w stop >/dev/null 2>&1
	done
	rm -rf "$HA_DIR"
	HA_DIR=
}
