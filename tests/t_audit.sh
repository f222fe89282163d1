#!/usr/bin/env bash
# custos-verify --audit on a bundle: the findings (src/audit.c) and the
# oversight sample seeded by the checkpoint's root.  First step: the
# offline side only; the crafted history (late destruction, late incident,
# overdue inventory) and `custos audit` live are still to come.
. "$(dirname "$0")/ledger_lib.sh"

ORIGIN=custos.test/ledger
setup_ledger
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" "$ORIGIN" "$W/log.key") || exit 1
expect_out 'log key registered' asq adm log key set "$LOGVK"
PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS" >/dev/null ||
	{ echo "FAIL: checkpoint"; fails=$((fails + 1)); }
ok asq dave log export --out "$W/b1"
asq adm log policy >"$W/policy0"
n=$(q "SELECT size FROM custos.log_head")
expect_out "^audit: $n entries, [0-9]+ finding" "$CV" --policy "$W/policy0" --audit "$W/b1"
ok "$CV" --policy "$W/policy0" --audit --json "$W/b1"
printf '%s' "$LAST_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "findings" in d' ||
	{ echo "FAIL: --audit --json is not JSON: $LAST_OUT"; fails=$((fails + 1)); }
# The sample is a function of the bundle alone: the same twice.
ok "$CV" --policy "$W/policy0" --audit --sample 2 "$W/b1"
s1=$LAST_OUT
ok "$CV" --policy "$W/policy0" --audit --sample 2 "$W/b1"
[ "$s1" = "$LAST_OUT" ] || { echo "FAIL: the sample differs between runs"; fails=$((fails + 1)); }
expect_out '^sample: [0-9]+ item' "$CV" --policy "$W/policy0" --audit --sample 2 "$W/b1"
expect_err 2 'sample needs a number' "$CV" --policy "$W/policy0" --audit --sample -1 "$W/b1"
finish
