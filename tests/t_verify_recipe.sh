#!/usr/bin/env bash
# docs/VERIFY.md's shell-and-openssl recipe, extracted from the document and
# run with dash on the committed vectors: it must pass on good.log for both
# signers of a two-person destruction, and fail on tampered copies.
set -euo pipefail
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
sed -n '/<!-- recipe:begin -->/,/<!-- recipe:end -->/p' docs/VERIFY.md |
	sed '1,2d;$d' | sed '$d' >"$tmp/recipe.sh"
grep -q 'openssl pkeyutl -verify' "$tmp/recipe.sh" || fail "recipe not found in docs/VERIFY.md"
shell=$(command -v dash || command -v sh)

run() { # log n name -> exit status of the recipe, output in $tmp/out
	local d
	d=$(mktemp -d -p "$tmp")
	(cd "$d" && LOG=$root/$1 KEYS=$root/tests/vectors/good.keys N=$2 NAME=$3 \
		"$shell" "$tmp/recipe.sh") >"$tmp/out" 2>&1
}
for who in TEST-ONLY-custodian TEST-ONLY-witness; do
	run tests/vectors/good.log 11 "$who" || fail "recipe rejects good entry 11 by $who: $(cat "$tmp/out")"
	grep -q 'Signature Verified Successfully' "$tmp/out" || fail "no openssl verdict: $(cat "$tmp/out")"
	grep -q 'chain link OK: entry 11 follows entry 10' "$tmp/out" || fail "no chain verdict"
done
run tests/vectors/good.log 21 TEST-ONLY-admin || fail "recipe rejects entry 21: $(cat "$tmp/out")"
# A changed byte in entry 7: openssl must refuse the signature.
if run tests/vectors/tampered/flipped-byte.log 7 TEST-ONLY-custodian; then
	fail "recipe accepts a tampered entry"
fi
grep -q 'Signature Verification Failure' "$tmp/out" || fail "openssl did not say why: $(cat "$tmp/out")"
# A forged signature at 5.
if run tests/vectors/tampered/forged-signature.log 5 TEST-ONLY-custodian; then
	fail "recipe accepts a forged signature"
fi
# A re-signed entry with a wrong prev at 4: the signature is fine, the link is not.
if run tests/vectors/tampered/broken-chain.log 4 TEST-ONLY-admin; then
	fail "recipe accepts a broken chain link"
fi
grep -q 'Signature Verified Successfully' "$tmp/out" || fail "entry 4's signature should verify"
if grep -q 'chain link OK' "$tmp/out"; then fail "broken link reported OK"; fi
echo "VERIFY.md recipe: good entries pass, tampered ones fail"
