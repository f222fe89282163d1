#!/usr/bin/env bash
# docs/VERIFY.md's shell-and-openssl recipes, extracted from the document and
# run with dash: the entry recipe on the committed vectors (it must pass on
# good.log for both signers of a two-person destruction, and fail on
# tampered copies), then the bundle recipe (checkpoint, entry, inclusion
# proof) on a bundle exported from a real database, and on tampered copies.
if [ "${1:-}" = bundle ]; then
	. "$(dirname "$0")/ledger_lib.sh"
	set -o pipefail
	shell=$(command -v dash || command -v sh)
	sed -n '/<!-- bundle-recipe:begin -->/,/<!-- bundle-recipe:end -->/p' "$ROOT/docs/VERIFY.md" |
		sed '1,2d;$d' | sed '$d' >"$W/recipe.sh"
	grep -q 'openssl pkeyutl -verify' "$W/recipe.sh" || { echo "FAIL: no bundle recipe in docs/VERIFY.md"; exit 1; }
	setup_ledger
	LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" custos.test/ledger "$W/log.key")
	ok asq adm log key set "$LOGVK"
	ok asw alice wendy receive --from COR --item 'kind=key alc=1 class=TS crypto=yes serial=T1 edition=A title=AKAT 1234'
	for i in $(seq 1 6); do ok as alice receive --from COR --item "kind=equipment alc=1 class=C serial=E$i title=KG-175D"; done
	ok asw alice wendy destroy --serial E3 --method burn --authority DIR-1
	ok env PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
	ok asq dave log export --out "$W/b"
	# The bundle's own VERIFY.md is docs/bundle-VERIFY.md, with the same recipe.
	cmp -s "$W/b/VERIFY.md" "$ROOT/docs/bundle-VERIFY.md" ||
		{ echo "FAIL: the bundle's VERIFY.md is not docs/bundle-VERIFY.md (regenerate src/bundle_verify.inc)"; fails=$((fails + 1)); }
	sed -n '/<!-- bundle-recipe:begin -->/,/<!-- bundle-recipe:end -->/p' "$W/b/VERIFY.md" |
		sed '1,2d;$d' | sed '$d' | cmp -s - "$W/recipe.sh" ||
		{ echo "FAIL: the bundle's recipe differs from docs/VERIFY.md's"; fails=$((fails + 1)); }
	size=$(sed -n 2p "$W/b/checkpoint")
	run() { # BUNDLE N SIGNER PROOF: the recipe's exit status; output in $W/out
		local d
		d=$(mktemp -d -p "$W")
		(cd "$d" && B=$1 LOGKEY=$LOGVK N=$2 VKEY=$(cat "$W/$3.vkey") PROOF=$4 "$shell" "$W/recipe.sh") \
			>"$W/out" 2>&1
	}
	ti=$(q "SELECT idx FROM custos.log_entry WHERE action = 'destroy'")
	ok asq dave log proof "$ti" --out "$W/p.$ti"
	ok asq dave log proof 0 --out "$W/p.0"
	ok asq dave log proof $((size - 1)) --out "$W/p.last"
	for who in alice wendy; do
		run "$W/b" "$ti" "$who" "$W/p.$ti" || { echo "FAIL: recipe rejects entry $ti by $who: $(cat "$W/out")"; fails=$((fails + 1)); }
		[ "$(grep -c 'Signature Verified Successfully' "$W/out")" = 2 ] && grep -q "inclusion OK: entry $ti is in the tree of $size" "$W/out" ||
			{ echo "FAIL: recipe verdicts: $(cat "$W/out")"; fails=$((fails + 1)); }
	done
	run "$W/b" 0 adm "$W/p.0" || { echo "FAIL: recipe rejects entry 0: $(cat "$W/out")"; fails=$((fails + 1)); }
	run "$W/b" $((size - 1)) alice "$W/p.last" || { echo "FAIL: recipe rejects the last entry: $(cat "$W/out")"; fails=$((fails + 1)); }
	must_fail() { # WHAT BUNDLE N SIGNER PROOF
		local what=$1; shift
		if run "$@"; then echo "FAIL: recipe accepts $what: $(cat "$W/out")"; fails=$((fails + 1)); fi
	}
	must_fail "the wrong signer" "$W/b" "$ti" carol "$W/p.$ti"
	must_fail "entry 0's proof for another entry" "$W/b" 1 adm "$W/p.0"
	# Tampered copies of the bundle.
	tb() { rm -rf "$W/t"; cp -r "$W/b" "$W/t"; }
	tb; sed -i '3{s/^A/B/;t;s/^./A/}' "$W/t/checkpoint"
	must_fail "a checkpoint with another root" "$W/t" "$ti" alice "$W/p.$ti"
	tb; sed -i '2s/.*/'"$((size + 1))"'/' "$W/t/checkpoint"
	must_fail "a checkpoint with another size" "$W/t" 0 adm "$W/p.0"
	tb; f=$(find "$W/t/tile/entries" -type f); off=$(( $(q "SELECT sum(length(note) + 2) FROM custos.log_entry WHERE idx < $ti") + 60 ))
	c=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	if [ "$c" = 90 ]; then printf Y; else printf Z; fi | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
	must_fail "a changed byte in entry $ti" "$W/t" "$ti" alice "$W/p.$ti"
	grep -q 'Signature Verification Failure' "$W/out" || { echo "FAIL: openssl did not refuse: $(cat "$W/out")"; fails=$((fails + 1)); }
	# A proof hash changed: signatures hold, inclusion does not.
	sed '3{s/^A/B/;t;s/^./A/}' "$W/p.$ti" >"$W/p.bad"
	must_fail "a changed proof" "$W/b" "$ti" alice "$W/p.bad"
	grep -q 'inclusion OK' "$W/out" && { echo "FAIL: a bad proof reported OK"; fails=$((fails + 1)); }
	finish
	exit
fi
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
	run tests/vectors/good.log 12 "$who" || fail "recipe rejects good entry 12 by $who: $(cat "$tmp/out")"
	grep -q 'Signature Verified Successfully' "$tmp/out" || fail "no openssl verdict: $(cat "$tmp/out")"
	grep -q 'chain link OK: entry 12 follows entry 11' "$tmp/out" || fail "no chain verdict"
done
run tests/vectors/good.log 22 TEST-ONLY-admin || fail "recipe rejects entry 22: $(cat "$tmp/out")"
# A changed byte in entry 8: openssl must refuse the signature.
if run tests/vectors/tampered/flipped-byte.log 8 TEST-ONLY-custodian; then
	fail "recipe accepts a tampered entry"
fi
grep -q 'Signature Verification Failure' "$tmp/out" || fail "openssl did not say why: $(cat "$tmp/out")"
# A forged signature at 6.
if run tests/vectors/tampered/forged-signature.log 6 TEST-ONLY-custodian; then
	fail "recipe accepts a forged signature"
fi
# A re-signed entry with a wrong prev at 5: the signature is fine, the link is not.
if run tests/vectors/tampered/broken-chain.log 5 TEST-ONLY-admin; then
	fail "recipe accepts a broken chain link"
fi
grep -q 'Signature Verified Successfully' "$tmp/out" || fail "entry 5's signature should verify"
if grep -q 'chain link OK' "$tmp/out"; then fail "broken link reported OK"; fi
echo "VERIFY.md recipe: good entries pass, tampered ones fail"
exec bash "$0" bundle
