#!/usr/bin/env bash
# t_key_cli.sh: `custos key new|pub|passwd` driven through the real binary:
# passphrases from file descriptors and from a terminal (a pseudo-terminal
# made by script(1)), file modes, refusals, usage errors, PEM for openssl.
set -euo pipefail

BUILD=${BUILD:-build}
C=$(cd "$BUILD" && pwd)/custos
T=$(mktemp -d /tmp/t_key_cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

# run WANT CMD...: run CMD with stdout in $T/out and stderr in $T/err, and
# fail unless it exits with status WANT.
run() {
	local want=$1 rc=0
	shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "exit $rc, not $want: $*
--- stdout
$(cat "$T/out")
--- stderr
$(cat "$T/err")"
}
# has FILE TEXT: FILE contains TEXT (fixed string).
has() { grep -qF -- "$2" "$T/$1" || fail "$1 of the last command lacks '$2': $(cat "$T/$1")"; }

vkey_re='^[^+[:space:]]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$'

# --- key new / pub with the passphrase on fd 3
run 0 "$C" key new --name alice@example.org --out alice.key --passphrase-fd 3 3<<<"pass one"
vkey=$(cat out)
[[ $vkey =~ $vkey_re ]] || fail "key new printed '$vkey', not name+hexid+base64"
[[ $vkey == alice@example.org+* ]] || fail "verifier key does not start with the name: $vkey"
has err "alice.key"
[ "$(stat -c %a alice.key)" = 600 ] || fail "alice.key has mode $(stat -c %a alice.key), not 600"
cp alice.key alice.orig

run 0 "$C" key pub alice.key
[ "$(cat out)" = "$vkey" ] || fail "key pub printed '$(cat out)', key new printed '$vkey'"

# --- never overwrite
run 1 "$C" key new --name bob --out alice.key --passphrase-fd 3 3<<<"other"
has err "already exists"
cmp -s alice.key alice.orig || fail "a refused key new changed alice.key"
ln -s nowhere dangling
run 1 "$C" key new --name bob --out dangling --passphrase-fd 3 3<<<"other"
[ ! -e nowhere ] || fail "key new followed a dangling symlink"

# --- PEM: openssl reads the same 32 public-key bytes
run 0 "$C" key pub --pem alice.key
cp out alice.pem
has out "-----BEGIN PUBLIC KEY-----"
openssl pkey -pubin -in alice.pem -text -noout >/dev/null 2>&1 ||
	fail "openssl pkey cannot read the --pem output"
der_pk=$(openssl pkey -pubin -in alice.pem -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
vkey_b64=${vkey#*+}
vkey_b64=${vkey_b64#*+} # name and key ID hold no '+'; the base64 may
vkey_hex=$(printf '%s' "$vkey_b64" | base64 -d | od -An -tx1 | tr -d ' \n')
[ "$vkey_hex" = "01$der_pk" ] || fail "PEM key $der_pk differs from verifier key 0x01||pk $vkey_hex"

# --- passwd: wrong passphrase, then same fd for old and new, then two fds
run 1 "$C" key passwd alice.key --passphrase-fd 3 --new-passphrase-fd 3 3< <(printf 'wrong\nnew\n')
has err "wrong passphrase"
cmp -s alice.key alice.orig || fail "a refused passwd changed alice.key"
run 0 "$C" key passwd alice.key --passphrase-fd 3 --new-passphrase-fd 3 3< <(printf 'pass one\npass two\n')
cmp -s alice.key alice.orig && fail "passwd left alice.key unchanged"
[ "$(stat -c %a alice.key)" = 600 ] || fail "passwd left mode $(stat -c %a alice.key)"
[ "$(ls -A | grep -c tmp || true)" = 0 ] || fail "passwd left a temporary file: $(ls -A)"
run 1 "$C" key passwd alice.key --passphrase-fd 3 --new-passphrase-fd 4 3<<<"pass one" 4<<<"x"
has err "wrong passphrase"
run 0 "$C" key passwd alice.key --passphrase-fd 3 --new-passphrase-fd 4 3<<<"pass two" 4<<<$'pass three\r'
run 0 "$C" key pub alice.key
[ "$(cat out)" = "$vkey" ] || fail "passwd changed the public key"

# --- permissions: group/other access refused for every use
for m in 644 640 604; do
	chmod "$m" alice.key
	run 1 "$C" key pub alice.key
	has err "open to group or others"
	has err "chmod 600"
	run 1 "$C" key passwd alice.key --passphrase-fd 3 --new-passphrase-fd 3 3< <(printf 'pass three\nx\n')
	has err "open to group or others"
done
chmod 600 alice.key

# --- damaged and foreign files
head -c 100 alice.key >short.key && chmod 600 short.key
run 1 "$C" key pub short.key
has err "truncated"
printf 'hello\n' >text.key && chmod 600 text.key
run 1 "$C" key pub text.key
has err "not a custos secret key file"
run 1 "$C" key pub missing.key
has err "does not exist"

# --- passphrase refusals: nothing is left behind
run 1 "$C" key new --name carol --out carol.key --passphrase-fd 3 3<<<""
has err "empty"
run 1 "$C" key new --name carol --out carol.key --passphrase-fd 3 3</dev/null
has err "end of input"
run 1 "$C" key new --name carol --out carol.key --passphrase-fd 3 3< <(head -c 1100 /dev/zero | tr '\0' x)
has err "longer than 1024"
run 1 "$C" key new --name carol --out carol.key --passphrase-fd 7
has err "not open"
[ ! -e carol.key ] || fail "a refused key new left carol.key behind"
run 1 setsid -w "$C" key new --name carol --out carol.key </dev/null
has err "no terminal"
run 1 "$C" key new --name carol --out nodir/carol.key --passphrase-fd 3 3<<<"pw"
[ ! -e carol.key ] || fail "carol.key appeared"

# --- usage errors exit 2
run 2 "$C" key
run 2 "$C" key frobnicate
has err "unknown command 'key frobnicate'"
run 2 "$C" key new --name carol
has err "missing --out"
run 2 "$C" key new --out carol.key
run 2 "$C" key new --name carol --out carol.key --bogus
has err "unknown option '--bogus'"
run 2 "$C" key new --name carol --out
has err "missing value"
run 2 "$C" key new --name carol --out carol.key --passphrase-fd three
has err "number"
run 2 "$C" key new --name carol --out carol.key --passphrase-fd 3x
run 2 "$C" key new --name 'carol smith' --out carol.key --passphrase-fd 3 3<<<"pw"
has err "key name"
run 2 "$C" key new --name carol --name dave --out carol.key
has err "twice"
run 2 "$C" key new --name carol --out carol.key extra
has err "unexpected argument 'extra'"
run 2 "$C" key pub
has err "missing the key FILE"
run 2 "$C" key pub alice.key alice.key
run 2 "$C" key pub --passphrase-fd 3 alice.key
run 2 "$C" key passwd
run 2 "$C" key passwd alice.key --pem
[ ! -e carol.key ] || fail "a usage error left carol.key behind"
for verb in new pub passwd; do
	run 0 "$C" key "$verb" --help
	has out "usage: custos key $verb"
done
run 0 "$C" key --help

# --- the terminal: a pseudo-terminal from script(1)
#
# on_tty CMD ANSWER...: run the shell command CMD on a pseudo-terminal; at
# each prompt (text up to a ':') type the next ANSWER.  $screen gets what
# the terminal showed; returns CMD's exit status.
on_tty() {
	local cmd=$1 chunk line r w pid rc=0
	shift
	screen=
	coproc TTY { timeout 120 script -qec "$cmd" /dev/null; }
	pid=$TTY_PID
	exec {r}<&"${TTY[0]}" {w}>&"${TTY[1]}"
	for answer in "$@"; do
		if ! IFS= read -r -t 60 -d ':' chunk <&"$r"; then
			kill "$pid" 2>/dev/null || true
			fail "no prompt on the terminal for '$cmd'; it showed: $screen$chunk"
		fi
		screen+="$chunk:"
		printf '%s' "$answer" >&"$w"
	done
	while IFS= read -r -t 60 line <&"$r"; do screen+=$line$'\n'; done
	screen+=$line
	exec {r}<&- {w}>&-
	wait "$pid" || rc=$?
	return "$rc"
}

rc=0
on_tty "'$C' key new --name dave --out dave.key" $'secret dave\r' $'secret dave\r' || rc=$?
[ "$rc" = 0 ] || fail "key new on a terminal exited $rc: $screen"
[[ $screen == *"Repeat the passphrase"* ]] || fail "key new did not ask twice: $screen"
[[ $screen != *"secret dave"* ]] || fail "the passphrase was echoed: $screen"
[[ $screen =~ dave\+[0-9a-f]{8}\+ ]] || fail "no verifier key on the terminal: $screen"
run 0 "$C" key passwd dave.key --passphrase-fd 3 --new-passphrase-fd 3 3< <(printf 'secret dave\nnew dave\n')

rc=0
on_tty "'$C' key new --name erin --out erin.key" $'one\r' $'two\r' || rc=$?
[ "$rc" = 1 ] || fail "mismatched passphrases exited $rc: $screen"
[[ $screen == *"passphrases do not match"* ]] || fail "no mismatch message: $screen"
[ ! -e erin.key ] || fail "mismatched passphrases left erin.key"

rc=0
on_tty "'$C' key passwd dave.key" $'new dave\r' $'newer dave\r' $'newer dave\r' || rc=$?
[ "$rc" = 0 ] || fail "passwd on a terminal exited $rc: $screen"
rc=0
on_tty "'$C' key passwd dave.key" $'not it\r' || rc=$?
[ "$rc" = 1 ] || fail "passwd with a wrong passphrase on a terminal exited $rc: $screen"
[[ $screen == *"wrong passphrase"* ]] || fail "no wrong-passphrase message: $screen"

# Ctrl-C at the prompt: custos dies of SIGINT and the terminal echoes again.
cat >"$T/intr.sh" <<EOF
trap 'echo caught' INT
'$C' key new --name frank --out '$T/frank.key'
echo "status=\$?"
stty -a | grep -o -- '-\?echo ' | head -n 1
EOF
on_tty "bash '$T/intr.sh'" $'half typed\003' || true
[[ $screen == *"status=130"* ]] || fail "Ctrl-C did not end key new by SIGINT: $screen"
[[ $screen =~ status=130[^-]*echo ]] && [[ $screen != *"-echo"* ]] ||
	fail "echo is still off after Ctrl-C: $screen"
[ ! -e frank.key ] || fail "Ctrl-C left frank.key"

echo "t_key_cli: all checks passed"
