#!/usr/bin/env bash
# Regenerate the seed corpora tests/fuzz/seeds-<target>/ (committed) from the
# log that tests/mkvectors.c generates, a small export bundle and policy that
# tests/mkbundle.c writes, the note vectors of tests/vectors/note/, the C2SP
# examples of tests/vectors/c2sp/, and a few hand-made edge cases.
# Deterministic: a second run gives the same files.
#
#   tests/fuzz/mkseeds.sh MKVECTORS [MKBUNDLE]   (make fuzz-seeds builds and runs it)
#
# MKBUNDLE defaults to the mkbundle beside MKVECTORS.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/mkvectors [PATH/TO/mkbundle]" >&2
	exit 2
fi
mkvectors=$1
mkbundle=${2:-$(dirname "$1")/mkbundle}
if [ ! -x "$mkbundle" ]; then
	echo "$0: $mkbundle is not built" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
vectors=$here/../vectors/note
c2sp=$here/../vectors/c2sp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mkvectors" "$tmp" >/dev/null
log=$tmp/good.log
# A bundle of 12 entries with checkpoints and consistency proofs from sizes
# 5 and 9, a receipt for entry 5, and its policy (quorum: 2 of 3 witnesses);
# the same with `quorum none`.
bundle=$tmp/bundle
"$mkbundle" "$bundle" --entries 12 --checkpoints 5,9 --receipt 5 \
	--policy "$tmp/policy" >/dev/null
"$mkbundle" "$tmp/bundle-none" --entries 12 --policy "$tmp/policy-none" \
	--quorum none >/dev/null

# offset_of FILE N: byte offset of record N (N may be the record count).
offset_of() {
	local off=0 i=0 len
	while [ "$i" -lt "$2" ]; do
		len=$(od -An -tu1 -j "$off" -N2 "$1" | awk '{ print $1 * 256 + $2 }')
		off=$((off + 2 + len))
		i=$((i + 1))
	done
	echo "$off"
}

# record FILE N: the signed note of record N, without its length prefix.
record() {
	local off len
	off=$(offset_of "$1" "$2")
	len=$(od -An -tu1 -j "$off" -N2 "$1" | awk '{ print $1 * 256 + $2 }')
	# (head then tail: tail reads all its input, so no SIGPIPE under pipefail)
	head -c $((off + 2 + len)) "$1" | tail -c "$len"
}

# entry_text FILE N: the entry text of record N (the note up to its blank line).
entry_text() {
	record "$1" "$2" | sed '/^$/,$d'
}

targets="fuzz_note fuzz_entry fuzz_logfile fuzz_tlog fuzz_policy fuzz_server"
for t in $targets; do
	rm -rf "${here:?}/seeds-$t"
	mkdir -p "$here/seeds-$t"
done

# Signed notes: the published vectors, entries with one and two signatures
# and with escaped free text, and hand-made near misses.
s=$here/seeds-fuzz_note
cp "$vectors"/*.note "$s/"
record "$log" 0 >"$s/entry-genesis.note"
record "$log" 6 >"$s/entry-two-signers.note"
record "$log" 20 >"$s/entry-escaped-text.note"
printf 'a\n\n\xe2\x80\x94 k AAAAAAA=\n' >"$s/minimal.note"
printf 'a\n\n- k AAAAAAA=\n' >"$s/ascii-dash.note"
printf 'a\n\xe2\x80\x94 x\n\n\xe2\x80\x94 k AAAAAAA=\n' >"$s/forged-line.note"
{ record "$log" 1; printf '\xe2\x80\x94 unknown AAAAAAA=\n'; } >"$s/extra-unknown-sig.note"

# Entry texts: every kind of field the generated history uses.
s=$here/seeds-fuzz_entry
entry_text "$log" 0 >"$s/genesis.txt"          # key line, free text
entry_text "$log" 3 >"$s/key-enrol.txt"        # no free text
entry_text "$log" 5 >"$s/receipt-two-items.txt"
entry_text "$log" 8 >"$s/issue-holder.txt"
entry_text "$log" 14 >"$s/publication-qty.txt"
entry_text "$log" 16 >"$s/inventory.txt"       # TOP SECRET key: two signers
entry_text "$log" 20 >"$s/escaped-text.txt"    # \\, \n, \x09, \x7f, \u202e
entry_text "$log" 21 >"$s/key-revoke.txt"

# Log files: the whole good log, its first three records, and two damaged ones.
s=$here/seeds-fuzz_logfile
cp "$log" "$s/good.log"
head -c "$(offset_of "$log" 3)" "$log" >"$s/first-three.log"
cp "$tmp/tampered/swapped.log" "$s/swapped.log"
cp "$tmp/tampered/truncated.log" "$s/truncated.log"

# Checkpoints, cosignatures, cosigner keys, consistency files and
# tlog-proofs: fuzz_tlog tries every input as each of them.
s=$here/seeds-fuzz_tlog
cp "$c2sp/checkpoint.note" "$s/spec-checkpoint.note"
cp "$c2sp/cosigned.note" "$s/spec-cosigned.note"
cp "$c2sp/example.tlog-proof" "$s/spec-example.tlog-proof"
cp "$bundle/checkpoint" "$s/bundle-cosigned-w1-w2.note"   # by witnesses 1 and 2
cp "$bundle/checkpoints/5" "$s/bundle-checkpoint-5.note"   # log signature only
sed '/^$/,$d' "$bundle/checkpoint" >"$s/bundle-body.txt"   # the body alone
cp "$bundle/consistency/5" "$s/bundle-consistency-5"
cp "$bundle/receipt.tlog-proof" "$s/bundle-receipt.tlog-proof"
cp "$bundle/receipt-extra.tlog-proof" "$s/bundle-receipt-extra.tlog-proof"
awk '$1 == "witness" && $2 == "w1" { printf "%s", $3 }' "$tmp/policy" >"$s/witness-1.vkey"
: >"$s/empty"                                              # an empty consistency file
for i in $(seq 13); do cat "$bundle/consistency/5"; done >"$tmp/hashes-65"
sed -n '1,64p' "$tmp/hashes-65" >"$s/hashes-64"                # the most allowed
{ sed '/^$/,$d' "$bundle/checkpoint"; printf 'extension\n'; } >"$s/body-extension.txt"

# The extension's checks: stored entries (one signer, two signers, an
# enrolment that its own key signs, the same with a signature missing), and
# a checkpoint followed by one cosignature line without its newline (the
# input is split at its last newline).
s=$here/seeds-fuzz_server
record "$log" 0 >"$s/entry-genesis.note"
record "$log" 1 >"$s/entry-second.note"
record "$log" 6 >"$s/entry-two-signers.note"
record "$log" 6 | awk 'NR == 1, /^$/ { print; next } !done { print; done = 1 }' >"$s/entry-one-of-two.note"
record "$log" 20 >"$s/entry-escaped-text.note"
{ grep -v '^— TEST-ONLY-witness-' "$bundle/checkpoint"
  grep -m1 '^— TEST-ONLY-witness-1 ' "$bundle/checkpoint" | tr -d '\n'; } >"$s/checkpoint-cosig-w1.txt"
{ cat "$bundle/checkpoints/5"; grep -m1 '^— TEST-ONLY-witness-2 ' "$bundle/checkpoint" | tr -d '\n'; } \
	>"$s/checkpoint-cosig-wrong-body.txt"

# Policies: mkbundle's two, and one with every form of the grammar
# (comments, tabs, URLs, nested groups, thresholds all/any/k).
s=$here/seeds-fuzz_policy
cp "$tmp/policy" "$s/bundle-2-of-3.policy"
cp "$tmp/policy-none" "$s/bundle-none.policy"
awk '$1 == "log" || $1 == "witness" { print }' "$tmp/policy" | sed 's/^witness/ witness\t/' |
	sed '2s|$| https://w1.example/|' >"$s/nested.policy"
printf '# nested\ngroup a any w1 w2\ngroup b all a w3\ngroup c 1 b\nquorum c\n' \
	>>"$s/nested.policy"

for t in $targets; do
	printf '%-14s %2d files, %6d bytes\n' "$t" "$(find "$here/seeds-$t" -type f | wc -l)" \
		"$(cat "$here/seeds-$t"/* | wc -c)"
done
