#!/usr/bin/env bash
# custos-verify over export bundles made without the database by
# tests/mkbundle (real keys, real signatures, real files): a valid bundle
# passes (text, --json, --holdings, --previous, earlier checkpoints and
# consistency proofs); every tampering is caught with exit 1, naming the
# first failing index and why; the witness's `cosign` refuses a rollback and
# a fork and updates its state file; `proof` checks a tlog-proof on its own.
set -euo pipefail
BUILD=${BUILD:-build}
V=$BUILD/custos-verify
M=$BUILD/tests/mkbundle
K=$BUILD/tests/mktestkey
for p in "$V" "$M" "$K"; do
	[ -x "$p" ] || { echo "missing $p (make BUILD=$BUILD test builds it)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
n=0
ok() { n=$((n + 1)); }

P=$tmp/policy
N=600
$M "$tmp/good" --entries $N --checkpoints 100,300 --policy "$P" >/dev/null
cp "$tmp/good/checkpoint" "$tmp/kept-600"

# run_v EXPECTED_RC ARGS...: run the verifier, keep its output in $out.
run_v() {
	local want=$1
	shift
	set +e
	out=$("$V" "$@" 2>&1)
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "custos-verify $* exited $rc, want $want: $out"
}

# ---- a valid bundle ---------------------------------------------------------
run_v 0 --policy "$P" "$tmp/good"
grep -q ': valid' <<<"$out" || fail "no verdict: $out"
grep -q "entries:      $N (index 0 to $((N - 1)))" <<<"$out" || fail "entry count: $out"
grep -q '2 of 3 cosigned (w1, w2); quorum met' <<<"$out" || fail "witnesses: $out"
grep -q '2 earlier checkpoints in the bundle consistent' <<<"$out" || fail "checkpoints: $out"
ok
run_v 0 --json --threads 2 --policy "$P" "$tmp/good"
grep -q '"valid":true,"entries":600,' <<<"$out" || fail "json: $out"
grep -q '"witnesses":\[{"name":"w1","cosigned":true' <<<"$out" || fail "json witnesses: $out"
ok
run_v 0 --holdings --policy "$P" "$tmp/good"
grep -q 'account 222222 Second Signals Squadron' <<<"$out" || fail "holdings: $out"
grep -q 'KG-175D #X0000002  qty 1  S  ALC 1  on_hand' <<<"$out" || fail "holdings item: $out"
# X0000001 was destroyed: not held by anyone
! grep -q 'X0000001 ' <<<"$out" || fail "destroyed item listed: $out"
ok
run_v 0 --json --holdings --policy "$P" "$tmp/good"
grep -q '"holdings":\[{"account":"111111"' <<<"$out" || fail "json holdings: $out"
ok

# ---- the policy decides -------------------------------------------------------
sed 's/^group w 2 /group w 3 /' "$P" >"$tmp/policy3"
run_v 1 --policy "$tmp/policy3" "$tmp/good"
grep -q 'INVALID (checkpoint): checkpoint: witness quorum not met: 2 of 3' <<<"$out" || fail "quorum: $out"
ok
grep -v '^log ' "$P" >"$tmp/nolog"
run_v 1 --policy "$tmp/nolog" "$tmp/good"
grep -q 'no log key named for origin' <<<"$out" || fail "no log key: $out"
ok
printf 'log x\n' >"$tmp/badpolicy"
run_v 2 --policy "$tmp/badpolicy" "$tmp/good"
grep -q 'line 1: log key' <<<"$out" || fail "bad policy: $out"
ok
run_v 2 --policy "$P" "$tmp/nonexistent"
run_v 2 "$tmp/good"
ok
# A FIFO where a file should be is refused, not waited on (it would block
# the open for ever): the checkpoint, an entry bundle, the policy.  Under
# a timeout, so that a regression fails instead of hanging the suite.
run_vt() {
	local want=$1
	shift
	set +e
	out=$(timeout 20 "$V" "$@" 2>&1)
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "custos-verify $* exited $rc (124: it hung), want $want: $out"
}
cp -r "$tmp/good" "$tmp/fifo"
rm "$tmp/fifo/checkpoint" && mkfifo "$tmp/fifo/checkpoint"
run_vt 2 --policy "$P" "$tmp/fifo"
grep -q 'checkpoint: not a regular file' <<<"$out" || fail "fifo checkpoint: $out"
cp "$tmp/good/checkpoint" "$tmp/fifo/checkpoint.real" && rm "$tmp/fifo/checkpoint" &&
	mv "$tmp/fifo/checkpoint.real" "$tmp/fifo/checkpoint"
rm "$tmp/fifo/tile/entries/000" && mkfifo "$tmp/fifo/tile/entries/000"
run_vt 2 --policy "$P" "$tmp/fifo"
grep -q 'tile/entries/000: not a regular file' <<<"$out" || fail "fifo entry bundle: $out"
mkfifo "$tmp/fifo-policy"
run_vt 2 --policy "$tmp/fifo-policy" "$tmp/good"
ok
# A symbolic link inside a bundle is not followed, whether a file or a
# folder is the link: it could make the verifier read, and vouch for, files
# from elsewhere.  Each link here leads to the very bytes it replaces,
# outside the bundle, so only the refusal to follow it fails the bundle.
# linked WANT_RC PART [VERIFIER ARGS]: PART of a copy of the good bundle
# moved out and linked to.
linked() {
	local want=$1 part=$2
	shift 2
	rm -rf "$tmp/ln" "$tmp/ln-outside"
	cp -r "$tmp/good" "$tmp/ln"
	mv "$tmp/ln/$part" "$tmp/ln-outside"
	ln -s "$tmp/ln-outside" "$tmp/ln/$part"
	run_v "$want" --policy "$P" "$@" "$tmp/ln"
	grep -q "cannot open $tmp/ln/[a-z0-9/.]*: $part is a symbolic link, which is not followed inside $tmp/ln" \
		<<<"$out" || fail "link $part: $out"
	ok
}
linked 2 checkpoint
linked 2 tile/entries/000
linked 2 tile/entries/002.p/88
linked 2 tile/entries
linked 2 tile
linked 1 tile/0/001
grep -q 'INVALID at entry 256: tiles: ' <<<"$out" || fail "tile link index: $out"
linked 1 tile/1/000.p/2
linked 1 tile/0
linked 1 checkpoints/100
grep -q 'INVALID (checkpoint): earlier checkpoint checkpoints/100: ' <<<"$out" || fail "checkpoint link: $out"
linked 2 checkpoints
linked 2 consistency/300
linked 2 consistency
linked 2 tile/entries/000 --json
# The bundle's own path is the caller's: a link to the bundle is followed.
ln -s "$tmp/good" "$tmp/good-link"
run_v 0 --policy "$P" "$tmp/good-link"
ok

# ---- tampering with the entries: each caught at its index, with why --------
expect() { # KIND:INDEX INDEX WORDS
	local dir=$tmp/t-${1%%:*}
	rm -rf "$dir"
	$M "$dir" --entries $N --tamper "$1" >/dev/null
	run_v 1 --policy "$P" "$dir"
	grep -q "INVALID at entry $2: " <<<"$out" || fail "$1: wrong index: $out"
	grep -q -- "$3" <<<"$out" || fail "$1: reason lacks \"$3\": $out"
	run_v 1 --json --policy "$P" "$dir"
	grep -q "\"failure\":{\"kind\":\"entry\",\"index\":$2," <<<"$out" || fail "$1 json: $out"
	ok
}
expect flip:150 150 'does not verify'
expect delete:150 150 'index field says 151 but the entry is at position 150'
expect insert:150 151 'index field says 150 but the entry is at position 151'
expect swap:150 150 'index field says 151 but the entry is at position 150'
expect unenrolled:100 100 'key TEST-ONLY-outsider is not enrolled'
expect revoked:101 101 'key TEST-ONLY-alternate was revoked at entry 20'
expect onesig:102 102 'destroy entry: signatures: signed by 1 distinct trusted key, 2 needed'

# A changed hash tile, and a missing one.
cp -r "$tmp/good" "$tmp/tile"
printf 'X' | dd of="$tmp/tile/tile/0/001" bs=1 seek=100 conv=notrunc status=none
run_v 1 --policy "$P" "$tmp/tile"
grep -q 'INVALID at entry 259: tiles: hash tile tile/0/001 differs' <<<"$out" || fail "tile: $out"
rm "$tmp/tile/tile/0/001"
run_v 1 --policy "$P" "$tmp/tile"
grep -q 'INVALID at entry 256: tiles: .*tile/0/001' <<<"$out" || fail "missing tile: $out"
ok
# A missing entry bundle, and one cut short.
cp -r "$tmp/good" "$tmp/nob"
rm "$tmp/nob/tile/entries/001"
run_v 1 --policy "$P" "$tmp/nob"
grep -q 'INVALID at entry 256: entry bundle tile/entries/001 is missing' <<<"$out" || fail "missing bundle: $out"
head -c 1000 "$tmp/good/tile/entries/001" >"$tmp/nob/tile/entries/001"
run_v 1 --policy "$P" "$tmp/nob"
grep -q 'INVALID at entry 256: entry bundle tile/entries/001: a record runs past the end' <<<"$out" ||
	fail "short bundle: $out"
ok
# A bad consistency proof in the bundle.
cp -r "$tmp/good" "$tmp/cons"
sed -n 2p "$tmp/cons/consistency/300" >"$tmp/cons/consistency/100"
run_v 1 --policy "$P" "$tmp/cons"
grep -q 'consistency/100: the proof does not verify' <<<"$out" || fail "consistency: $out"
ok

# A log key that signs a size its entries do not have: smaller, larger, huge
# (no hang, no huge allocation: the first missing file ends the reading).
# Either way the partial bundle the size calls for (002.p/87, 002.p/89,
# 002) is not there.
for claim in 599:512 601:512 1099511627776:512; do
	$M "$tmp/claim" --entries $N --claim-size "${claim%%:*}" >/dev/null
	printf 'log %s\nquorum none\n' "$(cat "$tmp/claim/log.vkey")" >"$tmp/noquorum"
	run_v 1 --policy "$tmp/noquorum" "$tmp/claim"
	grep -q "INVALID at entry ${claim##*:}: entry bundle tile/entries/002.* is missing" <<<"$out" ||
		fail "claimed size ${claim%%:*}: $out"
	rm -rf "$tmp/claim"
done
ok

# ---- truncation and forks against a kept checkpoint --------------------------
$M "$tmp/ext" --entries 700 --checkpoints 600 >/dev/null
run_v 0 --policy "$P" --previous "$tmp/kept-600" "$tmp/ext"
grep -q 'your checkpoint of size 600 is a prefix of this log (consistency proof verified' <<<"$out" ||
	fail "extension: $out"
ok
$M "$tmp/short" --entries 590 >/dev/null
run_v 1 --policy "$P" --previous "$tmp/kept-600" "$tmp/short"
grep -q 'INVALID at entry 590: truncation: your previous checkpoint has 600 entries' <<<"$out" ||
	fail "truncation: $out"
ok
$M "$tmp/fork" --entries 600 --variant 1 --fork-at 500 >/dev/null
run_v 1 --policy "$P" --previous "$tmp/kept-600" "$tmp/fork"
grep -q 'INVALID (previous): .*fork: entries 0 to 599 of this log do not hash' <<<"$out" ||
	fail "fork: $out"
ok
$M "$tmp/fork7" --entries 700 --variant 1 --fork-at 500 --checkpoints 600 >/dev/null
run_v 1 --policy "$P" --previous "$tmp/kept-600" "$tmp/fork7"
grep -q 'fork: the bundle.s consistency proof consistency/600 does not show' <<<"$out" ||
	fail "fork with proof: $out"
run_v 1 --json --policy "$P" --previous "$tmp/kept-600" "$tmp/fork7"
grep -q '"failure":{"kind":"previous","index":null,' <<<"$out" || fail "fork json: $out"
ok
# The forked bundle is valid on its own: only the kept checkpoint shows it.
run_v 0 --policy "$P" "$tmp/fork"
# A kept checkpoint not signed by the log is unusable input.
sed 's/^600$/601/' "$tmp/kept-600" >"$tmp/kept-bad"
run_v 2 --policy "$P" --previous "$tmp/kept-bad" "$tmp/good"
grep -q 'previous checkpoint: .*does not verify' <<<"$out" || fail "bad kept: $out"
ok

# ---- the witness ----------------------------------------------------------------
echo 'TEST-ONLY witness passphrase' >"$tmp/pass"
$K TEST-ONLY-witness-3 "$tmp/w3.key" <"$tmp/pass" >/dev/null
vk=$("$V" witness-vkey "$tmp/w3.key")
grep -q "^witness w3 $vk\$" "$P" || fail "witness-vkey $vk is not the policy's"
S=$tmp/w3.state
cosign() { # EXPECTED_RC INPUT [ARGS]
	local want=$1 in=$2
	shift 2
	set +e
	out=$("$V" cosign --key "$tmp/w3.key" --state "$S" --passphrase-fd 3 "$@" "$in" \
		3<"$tmp/pass" 2>&1 >"$tmp/cosigned")
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "cosign $in exited $rc, want $want: $out"
}
# No state yet and no policy: the log key is unknown.
cosign 2 "$tmp/good"
[ ! -e "$S" ] || fail "a state file was written without cosigning"
cosign 0 "$tmp/good" --policy "$P"
grep -q '^log custos.example/TEST-ONLY-bundle+' "$S" || fail "state: $(cat "$S")"
grep -q "^— TEST-ONLY-witness-3 " "$tmp/cosigned" || fail "no cosignature line"
# The cosigned checkpoint now meets a 3-of-3 quorum.
cp -r "$tmp/good" "$tmp/good3"
cp "$tmp/cosigned" "$tmp/good3/checkpoint"
run_v 0 --policy "$tmp/policy3" "$tmp/good3"
grep -q '3 of 3 cosigned (w1, w2, w3)' <<<"$out" || fail "three cosignatures: $out"
ok
# The witness does not follow a link inside a bundle either.
rm -rf "$tmp/ln" "$tmp/ln-outside" && cp -r "$tmp/good" "$tmp/ln"
mv "$tmp/ln/checkpoint" "$tmp/ln-outside" && ln -s "$tmp/ln-outside" "$tmp/ln/checkpoint"
cosign 2 "$tmp/ln" --policy "$P"
grep -q "checkpoint is a symbolic link" <<<"$out" || fail "cosign link: $out"
ok
# Growth: the bundle's consistency proof and tiles are not read through links.
for part in consistency/600 consistency tile/0/000 tile; do
	rm -rf "$tmp/ln" "$tmp/ln-outside" && cp -r "$tmp/ext" "$tmp/ln"
	[ "${part#tile}" = "$part" ] || rm -r "$tmp/ln/consistency" # then the tiles are read
	mv "$tmp/ln/$part" "$tmp/ln-outside" && ln -s "$tmp/ln-outside" "$tmp/ln/$part"
	cosign 2 "$tmp/ln"
	grep -q "$part is a symbolic link" <<<"$out" || fail "cosign link $part: $out"
done
ok
# Growth, with the bundle's consistency proof (the log key pinned in state).
cosign 0 "$tmp/ext"
grep -q '^700$' "$S" || fail "state not advanced: $(cat "$S")"
ok
# Rollback: a smaller checkpoint than the one cosigned.
cp "$S" "$tmp/state-before"
cosign 1 "$tmp/good"
grep -q 'REFUSED: rollback: the new checkpoint has size 600, smaller than the 700' <<<"$out" ||
	fail "rollback: $out"
cmp -s "$S" "$tmp/state-before" || fail "a refused cosign changed the state"
ok
# Fork at the same size, and a fork that grows.
$M "$tmp/fork700" --entries 700 --variant 2 --fork-at 650 >/dev/null
cosign 1 "$tmp/fork700"
grep -q 'REFUSED: fork: the new checkpoint has the size 700 this witness already cosigned, with a different root' <<<"$out" ||
	fail "fork same size: $out"
$M "$tmp/fork800" --entries 800 --variant 2 --fork-at 650 --checkpoints 700 >/dev/null
cosign 1 "$tmp/fork800"
grep -q 'REFUSED: fork: the consistency proof from size 700 to 800 does not verify' <<<"$out" ||
	fail "fork with proof: $out"
rm -r "$tmp/fork800/consistency"
cosign 1 "$tmp/fork800"
grep -q 'REFUSED: fork: entries 0 to 699' <<<"$out" || fail "fork from tiles: $out"
cmp -s "$S" "$tmp/state-before" || fail "a refused cosign changed the state"
ok
# A lone checkpoint file that grows needs a proof.
$M "$tmp/b800" --entries 800 --checkpoints 700 >/dev/null
cosign 1 "$tmp/b800/checkpoint"
grep -q 'no consistency proof from size 700 to 800' <<<"$out" || fail "lone checkpoint: $out"
cosign 0 "$tmp/b800/checkpoint" --proof "$tmp/b800/consistency/700"
ok
# A checkpoint the log did not sign.
sed 's/^800$/801/' "$tmp/b800/checkpoint" >"$tmp/forged"
cosign 1 "$tmp/forged"
grep -q 'REFUSED: the checkpoint is not signed by the log key' <<<"$out" || fail "forged: $out"
ok
# A wrong passphrase is usage, not a cosignature.
echo wrong >"$tmp/pass2"
set +e
"$V" cosign --key "$tmp/w3.key" --state "$S" --passphrase-fd 3 "$tmp/b800" 3<"$tmp/pass2" \
	>/dev/null 2>&1
rc=$?
set -e
[ $rc = 2 ] || fail "wrong passphrase gave $rc"
ok

# ---- a tlog-proof on its own ----------------------------------------------------
$M "$tmp/rc" --entries $N --receipt 321 >/dev/null
run_v 0 proof --policy "$P" "$tmp/rc/receipt.tlog-proof" "$tmp/rc/receipt.entry"
grep -q 'valid: entry 321 is in custos.example/TEST-ONLY-bundle at tree size 600' <<<"$out" ||
	fail "proof: $out"
run_v 0 proof --policy "$P" "$tmp/rc/receipt-extra.tlog-proof"
run_v 2 proof --policy "$P" "$tmp/rc/receipt.tlog-proof"
ok
# another entry than the proven one
$M "$tmp/rc2" --entries $N --receipt 322 >/dev/null
run_v 1 proof --policy "$P" "$tmp/rc/receipt.tlog-proof" "$tmp/rc2/receipt.entry"
grep -q "INVALID: the entry's index is 322, the proof's 321" <<<"$out" || fail "proof other: $out"
# a changed proof hash
awk 'NR == 3 { $0 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' \
	"$tmp/rc/receipt.tlog-proof" >"$tmp/badproof"
run_v 1 proof --json --policy "$P" "$tmp/badproof" "$tmp/rc/receipt.entry"
grep -q '"valid":false,"index":321' <<<"$out" || fail "bad proof: $out"
grep -q 'does not lead to the checkpoint' <<<"$out" || fail "bad proof reason: $out"
# the quorum still applies
run_v 1 proof --policy "$tmp/policy3" "$tmp/rc/receipt.tlog-proof" "$tmp/rc/receipt.entry"
grep -q 'quorum not met' <<<"$out" || fail "proof quorum: $out"
# an entry with one byte changed
sed 's/KG-175D/KG-175E/' "$tmp/rc/receipt.entry" >"$tmp/badentry"
run_v 1 proof --policy "$P" "$tmp/rc/receipt.tlog-proof" "$tmp/badentry"
ok

echo "t_verify_bundle: $n checks passed"
