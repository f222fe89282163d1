# tests/insider_lib.sh: the insider's tools, for tests that send the server
# by hand (psql as a custos login) what custos would not: entries forged and
# signed with tests/forge, inserted at the head of the log.  Source it after
# tests/ledger_lib.sh.
#
#   lastnote [ACCOUNT]     $W/last: the last entry's note; SEQ: ACCOUNT's
#                          next transaction number (default 123456)
#   forge NAME ARGS        $W/NAME.note: a signed entry after $W/last (or
#                          $LAST); FOUT: what forge printed
#   timed NAME ARGS        the same, timed two seconds ahead of the server's
#                          clock (for a transaction that waits until then)
#   field KEY              a value forge printed (index, time, txn, ...)
#   insert_sql NOTE [ACTOR]  the INSERT custos would send for NOTE
#   hand_sql NAME [SQL]    a transaction that waits for NAME's time, runs SQL,
#                          inserts NAME's note and commits
#   refused_sql WHO PATTERN SQL   psql as WHO fails with PATTERN; the log
#                          does not grow
#   size                   the log's size
FORGE=$ROOT/$BUILD/tests/forge
size() { q "SELECT size FROM custos.log_head"; }
lastnote() {
	q "SELECT encode(note, 'base64') FROM custos.log_entry WHERE idx = (SELECT size - 1 FROM custos.log_head)" |
		base64 -d >"$W/last"
	SEQ=$(q "SELECT coalesce(max(seq), 0) + 1 FROM custos.txn WHERE account = '${1:-123456}'")
}
forge() {
	local name=$1; shift
	FOUT=$("$FORGE" --last "${LAST:-$W/last}" --out "$W/$name.note" --passphrase-fd 3 "$@" \
		3<<<"$PASS"$'\n'"$PASS"$'\n'"$PASS") || { echo "FAIL: forge $name: $FOUT"; fails=$((fails + 1)); }
}
field() { printf '%s\n' $FOUT | sed -n "s/^$1=//p"; }
insert_sql() {
	local actor=${2:-$(field actor)}
	cat <<-SQL
	INSERT INTO custos.log_entry (idx, leaf, note, time, action, txn, account, peer, actor, idem)
	SELECT $(field index), sha256('\\x00'::bytea || n), n, '$(field time)', '$(field action)',
	       NULLIF('$(field txn)', '-'), NULLIF('$(field account)', '-'), NULLIF('$(field peer)', '-'),
	       '$actor', 'hand-$RANDOM$RANDOM'
	  FROM decode('$(base64 -w0 "$1")', 'base64') n;
	SQL
}
refused_sql() {
	local before; before=$(size)
	expect_err 1 "$2" env PGUSER="$1" psql -qAtX -v ON_ERROR_STOP=1 -c "$3"
	[ "$(size)" = "$before" ] || { echo "FAIL: the log grew ($2)"; fails=$((fails + 1)); }
}
# timed NAME FORGE-ARGS: forge entry NAME with a time a little ahead of the
# server's clock, so that hand_sql's transaction, which waits for that time,
# begins before it (the server refuses an entry timed before its
# transaction).  Signing can take longer than the lead on a loaded machine
# (a key file's passphrase KDF for each --sign, under the sanitizers): when
# the time signed is no longer 1 s ahead, it signs again with twice the lead.
timed() {
	local us lead=2
	while :; do
		us=$(q "SELECT (extract(epoch FROM clock_timestamp() + interval '$lead s' - last_time) * 1000000)::bigint FROM custos.log_head")
		rm -f "$W/$1.note" # forge makes its file new (O_EXCL)
		forge "$1" --after-us "$us" "${@:2}"
		[ "$lead" -lt 32 ] && [ -n "$(field time)" ] &&
			[ "$(q "SELECT clock_timestamp() + interval '1 s' > '$(field time)'::timestamptz")" = t ] ||
			break
		lead=$((lead * 2))
	done
	AT=$(q "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'")
}
hand_sql() {
	printf "BEGIN; SELECT pg_sleep_until('%s'::timestamptz + interval '1 ms'); %s %s COMMIT;" \
		"$(field time)" "${2:-}" "$(insert_sql "$W/$1.note")"
}
