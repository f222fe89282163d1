#!/usr/bin/env bash
# custos-verify builds alone from the files docs/VERIFY.md lists, with only
# libsodium and libcrypto, and the built binary links neither libpq nor
# ncurses; the Makefile's target compiles exactly those files with only
# those two libraries' flags.
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

# The Makefile target builds the same list (it reads docs/VERIFY.md) with
# libsodium's and libcrypto's flags only: no libpq include directory and no
# curses flags on any of its compile lines, and exactly the listed sources.
mk="$tmp/mk"
make -n -B V=1 BUILD="$mk" "$mk/custos-verify" >"$tmp/lines" ||
	fail "make -n custos-verify failed"
grep -E -- ' -c -o [^ ]+ [^ ]+\.c$' "$tmp/lines" >"$tmp/cc" || fail "no compile lines"
pq=$(pkg-config --cflags libpq)
curses=$(pkg-config --cflags ncursesw formw menuw panelw)
for flag in $pq $curses -I/usr/include/postgresql "-I$(pg_config --includedir)"; do
	[ "$flag" = -D_DEFAULT_SOURCE ] && continue # every unit's, from the C standard flags
	if grep -F -e " $flag " "$tmp/cc" >&2; then
		fail "custos-verify's objects are compiled with $flag"
	fi
done
built=$(sed 's/.* //' "$tmp/cc" | sort)
listed=$(tr ' ' '\n' <<<"$files" | grep . | sort)
[ "$built" = "$listed" ] ||
	fail "make custos-verify compiles other sources than docs/VERIFY.md lists: $(diff <(echo "$listed") <(echo "$built") | tr '\n' ' ')"
# And it builds so: pkg-config answers nothing for libpq or curses, and
# pg_config is not found.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/pkg-config" <<'EOS'
#!/bin/sh
for a; do case $a in libpq|libssl|ncurses*|form*|menu*|panel*) exit 1;; esac; done
exec /usr/bin/pkg-config "$@"
EOS
chmod +x "$tmp/bin/pkg-config"
PATH="$tmp/bin:$PATH" make -s BUILD="$mk" PG_CONFIG=/nonexistent "$mk/custos-verify" >&2 ||
	fail "make custos-verify needs libpq or curses"
"$mk/custos-verify" --keys tests/vectors/good.keys tests/vectors/good.log >/dev/null ||
	fail "the Makefile's custos-verify rejects good.log"

for bin in "$tmp/custos-verify" "$BUILD/custos-verify" "$mk/custos-verify"; do
	libs=$(ldd "$bin")
	if grep -Eq 'libpq|ncurses|libtinfo|libform|libmenu|libpanel' <<<"$libs"; then
		fail "$bin links more than libsodium and libcrypto: $libs"
	fi
	grep -q libsodium <<<"$libs" || fail "$bin: no libsodium? $libs"
	grep -q libcrypto <<<"$libs" || fail "$bin: no libcrypto? $libs"
done
echo "custos-verify builds alone and links only libsodium and libcrypto"
