#!/usr/bin/env bash
# Regenerate the seed corpora tests/fuzz/seeds-<target>/ (committed) from the
# log that tests/mkvectors.c generates, the note vectors of
# tests/vectors/note/, and a few hand-made edge cases.  Deterministic: a
# second run gives the same files.
#
#   tests/fuzz/mkseeds.sh MKVECTORS      (make fuzz-seeds builds and runs it)
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/mkvectors" >&2
	exit 2
fi
mkvectors=$1
here=$(cd "$(dirname "$0")" && pwd)
vectors=$here/../vectors/note
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mkvectors" "$tmp" >/dev/null
log=$tmp/good.log

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
	tail -c +$((off + 3)) "$1" | head -c "$len"
}

# entry_text FILE N: the entry text of record N (the note up to its blank line).
entry_text() {
	record "$1" "$2" | sed '/^$/,$d'
}

for t in fuzz_note fuzz_entry fuzz_logfile; do
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

for t in fuzz_note fuzz_entry fuzz_logfile; do
	printf '%-14s %2d files, %6d bytes\n' "$t" "$(find "$here/seeds-$t" -type f | wc -l)" \
		"$(cat "$here/seeds-$t"/* | wc -c)"
done
