#!/usr/bin/env bash
# Run test programs and scripts; print each result and a closing tally
# "N passed, N failed".  Exit 1 if any failed.  A test program or script
# exits 0 on success; a script may exit 77 to say it could not run, which
# counts as a failure here (nothing is skipped silently).
set -u
pass=0 fail=0 failed=()
# One throwaway PostgreSQL server for the whole run; each test makes its
# own database on it.
. "$(dirname "$0")/pg.sh"
if [ -n "${BUILD:-}" ] && [ -f "$BUILD/pg/custos.so" ]; then
	CUSTOS_EXT_DIR=$(cd "$BUILD/pg" && pwd); export CUSTOS_EXT_DIR
fi
pg_start || { echo "FAIL  cannot start a PostgreSQL server for the tests"; exit 1; }
trap pg_stop EXIT
export CUSTOS_TEST_PG=1
# LeakSanitizer's one suppression: fontconfig's own configuration (tests/lsan.supp).
LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
for t in "$@"; do
	name=${t##*/}
	start=$EPOCHREALTIME
	if [[ $t == *.sh ]]; then out=$(bash "$t" 2>&1); rc=$?
	else out=$("$t" 2>&1); rc=$?; fi
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS  %-28s %6ss\n' "$name" "$secs"
		printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks:' | sed 's/^/      /'
	else
		fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL  %-28s %6ss (exit %d)\n' "$name" "$secs" "$rc"
		printf '%s\n' "$out" | tail -n "${RUN_TAIL:-60}" | sed 's/^/      /'
	fi
done
[ $fail -eq 0 ] || printf 'failed: %s\n' "${failed[*]}"
printf '%d passed, %d failed\n' "$pass" "$fail"
[ $fail -eq 0 ]
