#!/usr/bin/env bash
# The committed vectors of tests/vectors/ are what mkvectors makes today, and
# custos-verify gives each its expected verdict: good.log valid, every
# tampered log invalid at the expected entry for the expected reason.
set -euo pipefail
BUILD=${BUILD:-build}
V=tests/vectors
verify=$BUILD/custos-verify
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Reproducible: regenerate and compare byte for byte.
"$BUILD/tests/mkvectors" "$tmp/gen"
for f in good.log good.keys $(cd "$V" && ls tampered | sed "s,^,tampered/,"); do
	cmp -s "$V/$f" "$tmp/gen/$f" || fail "$V/$f differs from what mkvectors makes now"
done
[ "$(ls "$tmp/gen/tampered" | wc -l)" = "$(ls "$V/tampered" | wc -l)" ] ||
	fail "mkvectors makes a different set of tampered logs than is committed"

# 2. The good log is valid, on any number of threads, with the same root.
roots=
for t in 1 2 3 7; do
	out=$("$verify" --keys "$V/good.keys" --threads "$t" --json "$V/good.log") ||
		fail "good.log rejected with $t threads: $out"
	grep -q '"valid":true,"entries":24,' <<<"$out" || fail "unexpected: $out"
	grep -q '"two_person":11,' <<<"$out" || fail "two-person count: $out"
	roots+=$(grep -o '"root":"[^"]*"' <<<"$out")$'\n'
done
[ "$(sort -u <<<"$roots" | grep -c root)" = 1 ] || fail "roots differ by thread count: $roots"
"$verify" --keys "$V/good.keys" "$V/good.log" | grep -q '^tests/vectors/good.log: valid$' ||
	fail "text report does not say valid"

# 2b. A log in format v1, as custos wrote it before v2, stays valid.
out=$("$verify" --keys "$V/v1/good.keys" --json "$V/v1/good.log") ||
	fail "the v1 good.log is rejected: $out"
grep -q '"valid":true,"entries":23,' <<<"$out" || fail "v1 good.log: unexpected: $out"
head -1 "$V/v1/good.log" | grep -q 'custos-entry/v1 ' || fail "v1/good.log is not in format v1"
grep -q 'custos-entry/v2 ' "$V/good.log" || fail "good.log is not in format v2"

# 3. Each tampered log: exit 1, the expected index and reason.
n=0
for log in "$V"/tampered/*.log; do
	read -r want_exit want_index want_reason <"${log%.log}.expect"
	want_exit=${want_exit#exit=} want_index=${want_index#index=} want_reason=${want_reason#reason=}
	want_reason=$(sed -n 's/^exit=[0-9]* index=[0-9]* reason=//p' "${log%.log}.expect")
	for t in 1 2 5; do
		set +e
		out=$("$verify" --keys "$V/good.keys" --threads "$t" --json "$log")
		rc=$?
		set -e
		[ "$rc" = "$want_exit" ] || fail "$log: exit $rc, want $want_exit ($out)"
		grep -q "\"failed_index\":$want_index," <<<"$out" ||
			fail "$log ($t threads): want index $want_index, got $out"
		grep -qF "$want_reason" <<<"$out" || fail "$log: reason lacks '$want_reason': $out"
	done
	n=$((n + 1))
done
[ "$n" -ge 9 ] || fail "only $n tampered logs"

# 4. Usage and unreadable input: exit 2 with a message naming the problem.
expect_exit() { # code, message-substring, args...
	local code=$1 msg=$2 rc
	shift 2
	set +e
	out=$("$verify" "$@" 2>&1)
	rc=$?
	set -e
	[ "$rc" = "$code" ] || fail "custos-verify $*: exit $rc, want $code: $out"
	grep -qF -- "$msg" <<<"$out" || fail "custos-verify $*: message lacks '$msg': $out"
}
expect_exit 2 "--keys TRUSTFILE is required" "$V/good.log"
expect_exit 2 "no LOG file" --keys "$V/good.keys"
expect_exit 2 "unknown option --frobnicate" --frobnicate --keys "$V/good.keys" "$V/good.log"
expect_exit 2 "No such file" --keys "$tmp/none" "$V/good.log"
expect_exit 2 "No such file" --keys "$V/good.keys" "$tmp/none.log"
expect_exit 2 "--threads needs" --threads 0 --keys "$V/good.keys" "$V/good.log"
printf 'not-a-key\n' >"$tmp/bad.keys"
expect_exit 2 "trust file line 1" --keys "$tmp/bad.keys" "$V/good.log"
printf '# only a comment\n' >"$tmp/empty.keys"
expect_exit 2 "lists no keys" --keys "$tmp/empty.keys" "$V/good.log"
: >"$tmp/empty.log"
expect_exit 1 "the log is empty" --keys "$V/good.keys" "$tmp/empty.log"
# A trust file lacking the witness: two-person entries fail at the first.
grep -v witness "$V/good.keys" >"$tmp/nowitness.keys"
expect_exit 1 "INVALID at entry 4" --keys "$tmp/nowitness.keys" "$V/good.log"
# Random bytes are refused, never crash.
head -c 4096 /dev/urandom >"$tmp/random.log"
set +e; "$verify" --keys "$V/good.keys" "$tmp/random.log" >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 1 ] || fail "random bytes: exit $rc, want 1"
echo "vectors: reproducible; good.log valid; $n tampered logs each caught as expected"

# 5. The committed TEST-ONLY key file holds the custodian key of good.keys
#    and opens with the documented passphrase (on a 0600 copy).
cp tests/vectors/TEST-ONLY-custodian.key "$tmp/k.key"
chmod 600 "$tmp/k.key"
[ "$("$BUILD/custos" key pub "$tmp/k.key")" = "$(grep '^TEST-ONLY-custodian+' "$V/good.keys")" ] ||
	fail "TEST-ONLY-custodian.key is not the custodian key of good.keys"
printf 'TEST-ONLY passphrase, never use\nnew TEST-ONLY passphrase\n' >"$tmp/pass"
"$BUILD/custos" key passwd "$tmp/k.key" --passphrase-fd 3 --new-passphrase-fd 3 3<"$tmp/pass" ||
	fail "the documented passphrase does not open TEST-ONLY-custodian.key"
echo "TEST-ONLY key file matches good.keys and opens with its passphrase"
