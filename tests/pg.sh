# tests/pg.sh: a throwaway PostgreSQL server for one test run.
#
#   . tests/pg.sh; pg_start [fsync]    start one; exports PGHOST PGPORT PGUSER
#   pg_stop                            stop it and remove its folder
#
# The server listens on a Unix socket only, in a private folder under /tmp,
# with trust authentication (the folder is mode 0700).  initdb and postgres
# refuse to run as root, so as root they run as the `postgres` user.
# fsync is off unless the first argument is "fsync" (benchmarks).

pg_bindir() { pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

pg_as() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The custos extension's shared library this tree built: a server started
# for the tests loads it from there ($CUSTOS_EXT_DIR, which tests/run.sh
# sets to $BUILD/pg) before the installed one, so that trees built from
# different sources, on one machine, each test their own.  The control file
# names the module without a directory (module_pathname 'custos'), which
# dynamic_library_path resolves.
pg_ext_conf() {
	[ -n "${CUSTOS_EXT_DIR:-}" ] || return 0
	printf "dynamic_library_path = '%s:\$libdir'\n" "$CUSTOS_EXT_DIR" |
		pg_as tee -a "$1/postgresql.conf" >/dev/null
}

pg_start() {
	local fsync=off bin
	[ "${1:-}" = fsync ] && fsync=on
	bin=$(pg_bindir)
	if [ ! -x "$bin/initdb" ]; then
		echo "pg.sh: no PostgreSQL server binaries in '$bin' (make deps installs them)" >&2
		return 1
	fi
	PG_DIR=$(mktemp -d /tmp/custos-pg.XXXXXX) || return 1
	[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
	chmod 700 "$PG_DIR"
	if ! pg_as "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync \
		-E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
		cat "$PG_DIR/initdb.log" >&2; rm -rf "$PG_DIR"; return 1
	fi
	pg_ext_conf "$PG_DIR/data"
	# A port of our own: try a few at random.
	local port tries=0
	while :; do
		port=$((20000 + RANDOM % 20000))
		if pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
			-o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -c port=$port -c fsync=$fsync -c max_connections=200" \
			start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 5 ]; then
			cat "$PG_DIR/server.log" >&2; rm -rf "$PG_DIR"; return 1
		fi
	done
	export PGHOST=$PG_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	PG_BIN=$bin
	export PG_DIR PG_BIN
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}

# Restart the server (tests of a lost connection); keeps data and port.
pg_restart() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -c port=$PGPORT -c fsync=off -c max_connections=200" \
		start >/dev/null
}
