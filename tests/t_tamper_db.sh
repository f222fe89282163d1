#!/usr/bin/env bash
# Forged signatures on copies of a real database and its bundle (issue 5):
# a small ledger made with custos's own commands (people enrolled, receipts,
# a destruction with a witness, a key revoked with `custos key revoke`, the
# log key registered, a checkpoint), then for each case a COPY of the
# database where a database superuser who holds some key files appends one
# entry (tests/forge: canonical, chained, in time order, signed through the
# real code path) with the triggers off, moves the log head, and has the log
# key's holder sign a checkpoint over it (the chain and the root are
# consistent: only the signatures are wrong).  Each is caught and named:
#   unenrolled  a receipt signed by a key that was never enrolled (mallory)
#   revoked     a receipt signed by frank, an alternate whose key was revoked
#   onesig      a destruction (two-person) signed by the custodian alone
# by `custos log verify` on the copy and by custos-verify on the copy's
# exported bundle (exit 1, the entry's index and the reason).  Controls, so
# the test can fail: the real database's bundle verifies, and entries forged
# the same way but signed by the right people verify in the bundle (the log
# verify of those copies finds only the state rows the forged entry did not
# make).  Every database made here is dropped at the end.
. "$(dirname "$0")/ledger_lib.sh"

FORGE=$ROOT/$BUILD/tests/forge
for p in "$FORGE" "$MKKEY" "$C" "$CV"; do
	[ -x "$p" ] || { echo "missing $p (make BUILD=$BUILD $BUILD/tests/forge builds the forger)"; exit 1; }
done
ORIGIN=custos.test/ledger
ACC=123456

# Drop every database this test made, then the library's cleanup.
DBS=()
drop_all() {
	local d
	for d in "${DBS[@]}" "${PGDATABASE:-postgres}"; do
		[ "$d" = postgres ] && continue
		psql -qAtX -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1
	done
}
trap 'drop_all; cleanup' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- a small real ledger --------------------------------------------------------
setup_ledger
mkkey frank >"$W/frank.vkey" || exit 1
ok asw adm frank person add frank --role alternate --account $ACC --pubkey "$(cat "$W/frank.vkey")" || exit 1
for s in E1 E2 E3; do
	ok as alice receive --from COR --item "kind=equipment alc=1 class=C serial=$s title=KG-175D" || exit 1
done
ok asw alice wendy destroy --serial E1 --method burn --authority DIR-1 || exit 1
# frank signs while he may: his revocation is what the forgery must break.
ok as frank receive --from COR --item 'kind=equipment alc=1 class=C serial=F1 title=KG-175D' || exit 1
ok asw adm alice key revoke frank --role alternate --account $ACC || exit 1
revoked_at=$(q "SELECT revoked_idx FROM custos.person WHERE name = 'frank'")
[ -n "$revoked_at" ] || { echo "FAIL: frank's key is not revoked"; exit 1; }
# custos itself refuses him now, and says why.
expect_err 1 'login frank may not use custos: it is not an enrolled person, or its key was revoked' \
	as frank receive --from COR --item 'kind=equipment alc=1 class=C serial=F2 title=KG-175D'
ok as alice receive --from COR --item 'kind=equipment alc=1 class=C serial=E4 title=KG-175D' || exit 1
LOGVK=$(printf '%s\n' "$PASS" | "$MKKEY" "$ORIGIN" "$W/log.key") || exit 1
ok asq adm log key set "$LOGVK" || exit 1
checkpoint() { # DB
	PGDATABASE=$1 PGUSER=alice "$C" log checkpoint --log-key "$W/log.key" --log-passphrase-fd 5 5<<<"$PASS"
}
expect_out 'signed and stored' checkpoint "$PGDATABASE" || exit 1
asq adm log policy >"$W/policy" || exit 1
grep -q "^log $LOGVK\$" "$W/policy" || fail "the policy lacks the log key: $(cat "$W/policy")"

# The valid database: custos log verify and its bundle pass.
expect_out '^valid: ' asq dave log verify
ok asq dave log export --out "$W/b-valid"
expect_out ': valid' "$CV" --policy "$W/policy" "$W/b-valid"

# The canonical item line of serial S, from the receipt entry that made it.
item_of() {
	q "SELECT convert_from(note, 'UTF8') FROM custos.log_entry
	    WHERE action = 'receipt' AND position(convert_to('serial=$1 ', 'UTF8') IN note) > 0" |
		sed -n 's/^item //p'
}
E2ITEM=$(item_of E2)
[ -n "$E2ITEM" ] || { echo "FAIL: no receipt of E2"; exit 1; }
NEWITEM='kind=equipment alc=1 class=C crypto=no qty=1 serial=X1 edition=- effective=- supersedes=- title=KG-175D'

# ---- forging on a copy ------------------------------------------------------------
# forge_case NAME FORGE-ARGS...: a copy of the ledger's database with one
# forged entry appended (the argument @SEQ@ becomes the next transaction
# number of account $ACC), a checkpoint over it signed by the log key, and
# its bundle in $W/b-NAME.  Sets DB and IDX.
forge_case() {
	local name=$1; shift
	DB=${PGDATABASE}_$name IDX=
	psql -qAtX -d postgres -c "CREATE DATABASE $DB TEMPLATE $PGDATABASE" >/dev/null || { fail "$name: copy"; return 1; }
	DBS+=("$DB")
	local d="psql -qAtX -v ON_ERROR_STOP=1 -d $DB"
	$d -c "SELECT encode(note, 'base64') FROM custos.log_entry
		WHERE idx = (SELECT size - 1 FROM custos.log_head)" | base64 -d >"$W/$name.last"
	local seq args=() a
	seq=$($d -c "SELECT coalesce(max(seq), 0) + 1 FROM custos.txn WHERE account = '$ACC'
		AND year = extract(year FROM (SELECT last_time FROM custos.log_head) AT TIME ZONE 'UTC'
				   + interval '1 second')::int")
	for a in "$@"; do args+=("${a//@SEQ@/$seq}"); done
	local out
	out=$("$FORGE" --last "$W/$name.last" --out "$W/$name.note" --passphrase-fd 3 "${args[@]}" \
		3<<<"$PASS"$'\n'"$PASS") || { fail "$name: forge: $out"; return 1; }
	local kv idx= leaf= time= action= txn= account= peer= actor=
	for kv in $out; do
		case $kv in
		index=*) idx=${kv#*=} ;; leaf=*) leaf=${kv#*=} ;; time=*) time=${kv#*=} ;;
		action=*) action=${kv#*=} ;; txn=*) txn=${kv#*=} ;; account=*) account=${kv#*=} ;;
		peer=*) peer=${kv#*=} ;; actor=*) actor=${kv#*=} ;;
		esac
	done
	[ "$idx" = "$($d -c "SELECT size FROM custos.log_head")" ] || { fail "$name: forged index $idx"; return 1; }
	# What a superuser can do: the entry appended with the triggers off,
	# its leaf hash SHA-256(0x00 || note), and the head moved.
	$d >/dev/null <<-SQL || { fail "$name: insert"; return 1; }
		SET session_replication_role = replica;
		BEGIN;
		INSERT INTO custos.log_entry (idx, leaf, note, time, action, txn, account, peer, actor, idem)
		SELECT $idx, sha256('\\x00'::bytea || n), n, '$time', '$action', NULLIF('$txn', '-'),
		       NULLIF('$account', '-'), NULLIF('$peer', '-'), '$actor', 'forged-$name'
		  FROM decode('$(base64 -w0 "$W/$name.note")', 'base64') n;
		UPDATE custos.log_head SET size = $idx + 1, last_leaf = e.leaf, last_time = e.time,
		       last_xid = pg_current_xact_id()
		  FROM custos.log_entry e WHERE e.idx = $idx;
		COMMIT;
	SQL
	[ "$($d -c "SELECT encode(leaf, 'hex') FROM custos.log_entry WHERE idx = $idx")" = "$leaf" ] ||
		{ fail "$name: the stored leaf is not forge's"; return 1; }
	# The log key's holder colludes: a checkpoint over the forged entry.
	expect_out "checkpoint of $((idx + 1)) entries, root .* signed and stored" checkpoint "$DB" ||
		{ fail "$name: no checkpoint over the forgery"; return 1; }
	rm -rf "$W/b-$name"
	ok env PGDATABASE="$DB" PGUSER=dave "$C" log export --out "$W/b-$name" || return 1
	# The bundle carries the forged entry as its last record, byte for byte.
	local tile="$W/b-$name/tile/entries/000.p/$((idx + 1))"
	cmp -s <(tail -c "$(stat -c %s "$W/$name.note")" "$tile") "$W/$name.note" ||
		{ fail "$name: the bundle's last entry is not the forged one"; return 1; }
	IDX=$idx
}

# caught NAME VERIFY-REASON BUNDLE-REASON: both verifiers name entry $IDX and why.
caught() {
	expect_err 1 "^INVALID: the log fails at entry $IDX: .*$2" env PGDATABASE="$DB" PGUSER=dave "$C" log verify
	expect_err 1 "INVALID at entry $IDX: .*$3" "$CV" --policy "$W/policy" "$W/b-$1"
	expect_err 1 "\"failure\":\\{\"kind\":\"entry\",\"index\":$IDX," "$CV" --json --policy "$W/policy" "$W/b-$1"
}

# passes NAME: the forged entry is sound: the bundle verifies, and the log
# verify of the copy passes every entry (the forged one made no state rows).
passes() {
	expect_out ': valid' "$CV" --policy "$W/policy" "$W/b-$1"
	expect_err 1 "^INVALID: the log's $((IDX + 1)) entries verify, but" \
		env PGDATABASE="$DB" PGUSER=dave "$C" log verify
}

# Controls: forged the same way, signed by those who may sign.
if forge_case ctl_receipt --sign "$W/alice.key" --action receipt --account $ACC --txn-seq @SEQ@ \
	--peer COR --item "$NEWITEM"; then
	passes ctl_receipt
fi
if forge_case ctl_destroy --sign "$W/alice.key" --sign "$W/wendy.key" --action destroy --method burn --authority DIR-1 \
	--account $ACC --txn-seq @SEQ@ --item "$E2ITEM"; then
	passes ctl_destroy
fi

# An entry signed by a key never enrolled.
if forge_case unenrolled --sign "$W/mallory.key" --action receipt --account $ACC --txn-seq @SEQ@ \
	--peer COR --item "$NEWITEM"; then
	caught unenrolled 'receipt entry: no signature from a trusted key \(key mallory is not enrolled\)' \
		'receipt entry: signatures: .*key mallory is not enrolled'
fi

# A revoked key signing after its revocation.
if forge_case revoked --sign "$W/frank.key" --action receipt --account $ACC --txn-seq @SEQ@ \
	--peer COR --item "$NEWITEM"; then
	[ "$IDX" -gt "$revoked_at" ] || fail "revoked: entry $IDX is not after the revocation at $revoked_at"
	caught revoked "receipt entry: no signature from a trusted key \\(key frank was revoked at entry $revoked_at\\)" \
		"receipt entry: signatures: .*key frank was revoked at entry $revoked_at"
fi

# A destruction (two-person) with the custodian's signature alone.
if forge_case onesig --sign "$W/alice.key" --action destroy --method burn --authority DIR-1 --account $ACC --txn-seq @SEQ@ \
	--item "$E2ITEM"; then
	caught onesig 'destroy entry: signed by 1 distinct trusted key, 2 needed' \
		'destroy entry: signatures: signed by 1 distinct trusted key, 2 needed'
fi

# ---- more ways to fall one signature short -----------------------------------------
# The custodian's key twice: two signature lines, one distinct key.
if forge_case twice --sign "$W/alice.key" --sign "$W/alice.key" --action destroy --method burn --authority DIR-1 --account $ACC \
	--txn-seq @SEQ@ --item "$E2ITEM"; then
	caught twice 'destroy entry: signed by 1 distinct trusted key, 2 needed' \
		'destroy entry: signatures: signed by 1 distinct trusted key, 2 needed'
fi
# The revoked key as the witness.
if forge_case revwit --sign "$W/alice.key" --sign "$W/frank.key" --action destroy --method burn --authority DIR-1 --account $ACC \
	--txn-seq @SEQ@ --item "$E2ITEM"; then
	caught revwit "destroy entry: signed by 1 distinct trusted key, 2 needed \\(key frank was revoked at entry $revoked_at\\)" \
		"destroy entry: signatures: signed by 1 distinct trusted key, 2 needed \\(key frank was revoked at entry $revoked_at\\)"
fi
# An impostor witness: another key under the witness's name.
ok "$C" key new --name wendy --out "$W/fake-wendy.key" --passphrase-fd 3 3<<<"$PASS"
if forge_case impostor --sign "$W/alice.key" --sign "$W/fake-wendy.key" --action destroy --method burn --authority DIR-1 \
	--account $ACC --txn-seq @SEQ@ --item "$E2ITEM"; then
	caught impostor 'destroy entry: signed by 1 distinct trusted key, 2 needed \(key wendy has another key ID' \
		'destroy entry: signatures: signed by 1 distinct trusted key, 2 needed \(key wendy has another key ID'
fi
# TOP SECRET keying material needs two signers whatever the action.
TSITEM='kind=key alc=1 class=TS crypto=yes qty=1 serial=K1 edition=AB effective=2026-01-01 supersedes=2099-12-31 title=AKAT 1234'
if forge_case ts --sign "$W/alice.key" --action receipt --account $ACC --txn-seq @SEQ@ --peer COR \
	--item "$TSITEM"; then
	caught ts 'receipt entry: signed by 1 distinct trusted key, 2 needed' \
		'receipt entry: signatures: signed by 1 distinct trusted key, 2 needed'
fi
if forge_case ctl_ts --sign "$W/alice.key" --sign "$W/wendy.key" --action receipt --account $ACC \
	--txn-seq @SEQ@ --peer COR --item "$TSITEM"; then
	passes ctl_ts
fi
# A key enrolling itself: the key-enrol (two-person) signed by the new key alone.
if forge_case selfenrol --sign "$W/mallory.key" --action key-enrol --account $ACC \
	--keyline "custodian $(cat "$W/mallory.vkey")"; then
	caught selfenrol 'key-enrol entry: signed by 1 distinct trusted key, 2 needed' \
		'key-enrol entry: signatures: signed by 1 distinct trusted key, 2 needed'
fi
if forge_case ctl_enrol --sign "$W/adm.key" --sign "$W/mallory.key" --action key-enrol \
	--account $ACC --keyline "custodian $(cat "$W/mallory.vkey")"; then
	expect_out ': valid' "$CV" --policy "$W/policy" "$W/b-ctl_enrol"
fi

finish
