#!/usr/bin/env bash
# custos-verify builds alone from the files docs/VERIFY.md lists, with only
# libsodium and libcrypto, and the built binary links neither libpq nor
# ncurses.
set -euo pipefail
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

files=$(sed -n 's/^<!-- verifier-sources: \(.*\) -->$/\1/p' docs/VERIFY.md)
[ -n "$files" ] || fail "docs/VERIFY.md lists no verifier sources"
# shellcheck disable=SC2086
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror \
	-o "$tmp/custos-verify" $files \
	$(pkg-config --cflags --libs libsodium libcrypto) -lpthread ||
	fail "custos-verify does not build from the listed sources alone"
"$tmp/custos-verify" --keys tests/vectors/good.keys tests/vectors/good.log >/dev/null ||
	fail "the standalone build rejects good.log"

for bin in "$tmp/custos-verify" "$BUILD/custos-verify"; do
	libs=$(ldd "$bin")
	if grep -Eq 'libpq|ncurses|libtinfo|libform|libmenu|libpanel' <<<"$libs"; then
		fail "$bin links more than libsodium and libcrypto: $libs"
	fi
	grep -q libsodium <<<"$libs" || fail "$bin: no libsodium? $libs"
	grep -q libcrypto <<<"$libs" || fail "$bin: no libcrypto? $libs"
done
echo "custos-verify builds alone and links only libsodium and libcrypto"
