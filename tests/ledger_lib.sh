# tests/ledger_lib.sh: helpers for scenario scripts that drive the real
# custos binary against a throwaway PostgreSQL server (tests/pg.sh).
#
#   . tests/ledger_lib.sh        needs BUILD; starts the server, makes $W
#   newdb                        a fresh database; exports PGDATABASE
#   mkkey NAME                   TEST-ONLY key file $W/NAME.key; prints its vkey
#   as NAME custos-args...       run custos as login NAME with NAME's key
#   asw NAME WITNESS args...     the same, with WITNESS's key as second signer
#   ok / refused / usage CMD...  run CMD, expect exit 0 / 1 / 2
#   expect_out PATTERN CMD...    run CMD (exit 0) and grep its output

set -u
: "${BUILD:=build}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tests/pg.sh"
C=$ROOT/$BUILD/custos
CV=$ROOT/$BUILD/custos-verify
MKKEY=$ROOT/$BUILD/tests/mktestkey
PASS='TEST-ONLY passphrase, never use'
W=$(mktemp -d /tmp/custos-t.XXXXXX)
chmod 755 "$W"
fails=0
# Use the run's server (tests/run.sh starts one) or start our own.
if [ -n "${CUSTOS_TEST_PG:-}" ]; then
	cleanup() { rm -rf "$W"; }
else
	cleanup() { pg_stop; [ -n "${KEEP_W:-}" ] && { echo "kept $W"; return; }; rm -rf "$W"; }
	pg_start || exit 1
fi
trap cleanup EXIT

newdb() {
	PGDATABASE=custos_t$RANDOM$RANDOM
	psql -qAt -d postgres -c "CREATE DATABASE $PGDATABASE" || exit 1
	export PGDATABASE
}

mkkey() {
	rm -f "$W/$1.key"
	printf '%s\n' "$PASS" | "$MKKEY" "$1" "$W/$1.key"
}

as() {
	local who=$1; shift
	PGUSER=$who "$C" "$@" --key "$W/$who.key" --passphrase-fd 3 3<<<"$PASS"
}

asw() {
	local who=$1 wit=$2; shift 2
	PGUSER=$who "$C" "$@" --key "$W/$who.key" --passphrase-fd 3 \
		--witness-key "$W/$wit.key" --witness-passphrase-fd 4 3<<<"$PASS" 4<<<"$PASS"
}

# asq NAME args: custos as login NAME, no key (queries, log verify).
asq() {
	local who=$1; shift
	PGUSER=$who "$C" "$@"
}

check_rc() {
	local want=$1 what=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	LAST_OUT=$out
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL ($what: exit $rc, wanted $want): $*"
		printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
		fails=$((fails + 1))
		return 1
	fi
	return 0
}
ok()      { check_rc 0 ok "$@"; }
refused() { check_rc 1 refused "$@"; }
usage()   { check_rc 2 usage "$@"; }

# expect_out PATTERN CMD...: exit 0 and output matching the extended regex.
expect_out() {
	local pat=$1; shift
	ok "$@" || return 1
	if ! printf '%s\n' "$LAST_OUT" | grep -Eq -- "$pat"; then
		echo "FAIL (output lacks /$pat/): $*"
		printf '%s\n' "$LAST_OUT" | tail -5 | sed 's/^/    /'
		fails=$((fails + 1))
		return 1
	fi
}

# expect_err CODE PATTERN CMD...: exit CODE and output matching PATTERN.
expect_err() {
	local code=$1 pat=$2; shift 2
	check_rc "$code" "exit $code" "$@" || return 1
	if ! printf '%s\n' "$LAST_OUT" | grep -Eq -- "$pat"; then
		echo "FAIL (message lacks /$pat/): $*"
		printf '%s\n' "$LAST_OUT" | tail -5 | sed 's/^/    /'
		fails=$((fails + 1))
		return 1
	fi
}

# A state-table query as the owner: psql prints the bare value.
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# want WHAT GOT EXPECTED: GOT is EXPECTED, else a failure naming WHAT.
want() { # WHAT GOT EXPECTED
	[ "$2" = "$3" ] || { echo "FAIL: $1: '$2', expected '$3'"; fails=$((fails + 1)); }
}
# has / lacks WHAT FILE FIXED-STRING: FILE holds (does not hold) the string.
has() { # WHAT FILE FIXED-STRING
	grep -qF -- "$3" "$2" || { echo "FAIL: $1: $2 lacks '$3'"; fails=$((fails + 1)); }
}
lacks() { # WHAT FILE FIXED-STRING
	! grep -qF -- "$3" "$2" || { echo "FAIL: $1: $2 has '$3'"; fails=$((fails + 1)); }
}

# gapfree WHAT: every account's transaction numbers and the log's indexes
# run without a gap; a failure names WHAT.
gapfree() {
	local bad
	bad=$(q "SELECT count(*) FROM (SELECT account, year, count(*) AS n, max(seq) AS m
		 FROM custos.txn GROUP BY 1, 2) s WHERE n <> m")
	[ "$bad" = 0 ] || { echo "FAIL ($1): transaction numbers have gaps"; fails=$((fails+1)); }
	[ "$(q "SELECT count(*) = max(idx) + 1 FROM custos.log_entry")" = t ] ||
		{ echo "FAIL ($1): log indexes have gaps"; fails=$((fails+1)); }
}

finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	echo "all checks passed"
}

# A standard small ledger: administrator adm, accounts 123456 and 654321,
# custodians alice (123456) and bob (654321), holder carol and witness wendy
# on 123456, auditor dave, authority erin.
setup_ledger() {
	newdb
	local who
	for who in adm alice bob carol wendy dave erin mallory; do mkkey $who >"$W/$who.vkey" || exit 1; done
	ok "$C" db init --origin custos.test/ledger --admin adm --admin-key "$W/adm.key" \
		--passphrase-fd 3 3<<<"$PASS" || exit 1
	ok as adm account add 123456 --name "1st Signal Regiment" || exit 1
	ok as adm account add 654321 --name "Second account" || exit 1
	ok asw adm alice person add alice --role custodian --account 123456 --pubkey "$(cat "$W/alice.vkey")" || exit 1
	ok asw adm bob person add bob --role custodian --account 654321 --pubkey "$(cat "$W/bob.vkey")" || exit 1
	ok asw adm carol person add carol --role holder --account 123456 --pubkey "$(cat "$W/carol.vkey")" || exit 1
	ok asw adm wendy person add wendy --role witness --account 123456 --pubkey "$(cat "$W/wendy.vkey")" || exit 1
	ok asw adm dave person add dave --role auditor --pubkey "$(cat "$W/dave.vkey")" || exit 1
	ok asw adm erin person add erin --role authority --pubkey "$(cat "$W/erin.vkey")" || exit 1
}
