/* forge: write a log entry that follows a real log's last entry, signed by
 * the key files given, for the tamper tests on copies of a real database
 * (tests/t_tamper_db.sh).  TEST-ONLY: it is what a database superuser who
 * holds some key files could make, nothing more.
 *
 *   forge --last NOTE --out FILE --sign KEYFILE [--sign KEYFILE]...
 *         [--passphrase-fd N] [--after-us US]
 *         --action ACTION [--account N] [--txn TXN | --txn-seq SEQ]
 *         [--peer X] [--holder NAME] [--ref TXN] [--category C]
 *         [--discovered TIME] [--outcome O] [--method M] [--authority A]
 *         [--v1]
 *         [--keyline 'ROLE VKEY']... [--item 'kind=.. alc=.. ... title=..']...
 *         [--detail NAME=VALUE]... [--text TEXT]
 *
 * NOTE is the signed note of the log's last entry (exactly as stored).  The
 * new entry takes its origin, index + 1, prev = its leaf hash
 * SHA-256(0x00 || NOTE) and its time plus US microseconds (default one
 * second), so that it is chained and in time order.  The fields are the
 * entry's lines after `time`, in the words of docs/log-format.md section 4:
 * an --item value is the item line without "item " in its canonical form
 * (all ten fields, in order); --txn-seq SEQ writes the transaction number
 * ACCOUNT-YEAR-SEQ with the year of the entry's time.  Fields not given are
 * "-", the text empty.  The entry is in format v2, or with --v1 (which
 * takes no value) in format v1, without the lines discovered .. authority.
 *
 * The text is assembled, parsed by entry_parse (which accepts only the
 * canonical encoding), formatted again by entry_format and compared byte for
 * byte, then signed by note_sign with each key in the order given: the real
 * code path, so the entry is well formed and its only fault is whatever
 * the signers are.  Each key file's passphrase is one line read from fd N
 * (one line per key, in order), or without --passphrase-fd the TEST-ONLY
 * passphrase of tests/ledger_lib.sh.
 *
 * Writes the signed note to FILE (a new file) and prints, for the SQL that
 * inserts it: index=N leaf=HEX time=T action=A txn=X account=X peer=X
 * actor=NAME (the first signer; "-" for none). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../keys/key.h"
#include "../keys/keyfile.h"
#include "../keys/passphrase.h"
#include "../src/b64.h"
#include "../src/buf.h"
#include "../src/entry.h"
#include "../src/note.h"
#include "../src/sha.h"

#define TEST_PASS "TEST-ONLY passphrase, never use"
#define MAX_SIGNERS 4

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("forge: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static const char USAGE[] =
	"usage: forge --last NOTE --out FILE --sign KEYFILE [--sign KEYFILE]...\n"
	"             [--passphrase-fd N] [--after-us US] --action ACTION [--account N]\n"
	"             [--txn TXN | --txn-seq SEQ] [--peer X] [--holder NAME] [--ref TXN]\n"
	"             [--category C] [--discovered TIME] [--outcome O] [--method M]\n"
	"             [--authority A] [--v1] [--keyline 'ROLE VKEY']... [--item ITEM]...\n"
	"             [--detail NAME=VALUE]...\n"
	"             [--text TEXT]\n";

/* The whole file at path, malloc'd (NUL-terminated), length in *len. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	if (b == NULL)
		die("out of memory");
	for (;;) {
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap >= (size_t)ENTRY_NOTE_MAX * 2)
			die("%s: larger than any entry", path);
		cap *= 2;
		if ((b = realloc(b, cap + 1)) == NULL)
			die("out of memory");
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

static unsigned long long number(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0)
		die("%s: not a number: %s", opt, v);
	return x;
}

int main(int argc, char **argv)
{
	const char *last = NULL, *out = NULL, *action = NULL, *account = "-", *txn = NULL,
		   *peer = "-", *holder = "-", *ref = "-", *category = "-", *text = NULL,
		   *discovered = "-", *outcome = "-", *method = "-", *authority = "-";
	bool v1 = false;
	const char *sign[MAX_SIGNERS];
	size_t nsign = 0, nkeylines = 0, nitems = 0;
	const char *keylines[ENTRY_MAX_KEYS];
	const char *items[ENTRY_MAX_ITEMS];
	const char *details[ENTRY_MAX_DETAILS];
	size_t ndetails = 0;
	long long txn_seq = -1;
	int pass_fd = -1;
	unsigned long long after_us = 1000000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0) {
			fputs(USAGE, stdout);
			return 0;
		}
		if (strcmp(a, "--v1") == 0) {
			v1 = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "forge: %s needs a value\n%s", a, USAGE);
			return 2;
		}
		const char *v = argv[++i];
		if (strcmp(a, "--last") == 0)
			last = v;
		else if (strcmp(a, "--out") == 0)
			out = v;
		else if (strcmp(a, "--sign") == 0) {
			if (nsign == MAX_SIGNERS)
				die("at most %d --sign", MAX_SIGNERS);
			sign[nsign++] = v;
		} else if (strcmp(a, "--passphrase-fd") == 0)
			pass_fd = (int)number(a, v);
		else if (strcmp(a, "--after-us") == 0)
			after_us = number(a, v);
		else if (strcmp(a, "--action") == 0)
			action = v;
		else if (strcmp(a, "--account") == 0)
			account = v;
		else if (strcmp(a, "--txn") == 0)
			txn = v;
		else if (strcmp(a, "--txn-seq") == 0)
			txn_seq = (long long)number(a, v);
		else if (strcmp(a, "--peer") == 0)
			peer = v;
		else if (strcmp(a, "--holder") == 0)
			holder = v;
		else if (strcmp(a, "--ref") == 0)
			ref = v;
		else if (strcmp(a, "--category") == 0)
			category = v;
		else if (strcmp(a, "--discovered") == 0)
			discovered = v;
		else if (strcmp(a, "--outcome") == 0)
			outcome = v;
		else if (strcmp(a, "--method") == 0)
			method = v;
		else if (strcmp(a, "--authority") == 0)
			authority = v;
		else if (strcmp(a, "--keyline") == 0) {
			if (nkeylines == ENTRY_MAX_KEYS)
				die("at most %d --keyline", ENTRY_MAX_KEYS);
			keylines[nkeylines++] = v;
		} else if (strcmp(a, "--item") == 0) {
			if (nitems == ENTRY_MAX_ITEMS)
				die("at most %d --item", ENTRY_MAX_ITEMS);
			items[nitems++] = v;
		} else if (strcmp(a, "--detail") == 0) {
			if (ndetails == ENTRY_MAX_DETAILS || strchr(v, '=') == NULL)
				die("--detail NAME=VALUE, at most %d", ENTRY_MAX_DETAILS);
			details[ndetails++] = v;
		} else if (strcmp(a, "--text") == 0)
			text = v;
		else {
			fprintf(stderr, "forge: unknown option %s\n%s", a, USAGE);
			return 2;
		}
	}
	if (last == NULL || out == NULL || action == NULL || nsign == 0) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (txn != NULL && txn_seq >= 0)
		die("--txn and --txn-seq exclude each other");
	if (key_init() != ST_OK)
		die("libsodium");
	errbuf err = {0};

	/* The last entry: origin, index, time; prev is its leaf hash. */
	size_t ll;
	char *lastbuf = slurp(last, &ll);
	note *ln = malloc(sizeof *ln);
	entry le = {0};
	if (ln == NULL)
		die("out of memory");
	if (note_parse(lastbuf, ll, ln, &err) != ST_OK)
		die("%s: not a signed note: %s", last, err.msg);
	if (entry_parse(ln->text, ln->textlen, &le, &err) != ST_OK)
		die("%s: not a custos entry: %s", last, err.msg);
	uint8_t prev[SHA256_LEN];
	sha256_leaf(lastbuf, ll, prev);
	if (le.time_us > INT64_MAX - (int64_t)after_us)
		die("--after-us too large");
	int64_t time_us = le.time_us + (int64_t)after_us;
	char tbuf[ENTRY_TIME_LEN + 1], prev64[B64_LEN(SHA256_LEN) + 1];
	entry_time_format(time_us, tbuf);
	b64_encode(prev, SHA256_LEN, prev64);
	char txnbuf[ENTRY_TXN_MAX + 8];
	if (txn_seq >= 0) {
		if (strcmp(account, "-") == 0)
			die("--txn-seq needs --account");
		snprintf(txnbuf, sizeof txnbuf, "%.6s-%.4s-%04lld", account, tbuf, txn_seq);
		txn = txnbuf;
	}
	if (txn == NULL)
		txn = "-";

	/* The text, line by line as docs/log-format.md section 4 orders it. */
	buf t = {0};
	buf_printf(&t, "%s %s\nindex %" PRIu64 "\nprev %s\ntime %s\naction %s\ntxn %s\n"
		       "account %s\npeer %s\nholder %s\nref %s\ncategory %s\n",
		   v1 ? ENTRY_FORMAT_V1 : ENTRY_FORMAT, le.origin, le.index + 1, prev64, tbuf, action,
		   txn, account, peer, holder, ref, category);
	if (!v1)
		buf_printf(&t, "discovered %s\noutcome %s\nmethod %s\nauthority %s\n", discovered,
			   outcome, method, authority);
	for (size_t i = 0; i < ndetails; i++) { /* in the order given */
		const char *eq = strchr(details[i], '=');
		char *esc;
		size_t el;
		if (entry_text_escape(eq + 1, strlen(eq + 1), &esc, &el, &err) != ST_OK)
			die("--detail: %s", err.msg);
		buf_printf(&t, "detail %.*s %s\n", (int)(eq - details[i]), details[i], esc);
		free(esc);
	}
	for (size_t i = 0; i < nkeylines; i++)
		buf_printf(&t, "key %s\n", keylines[i]);
	for (size_t i = 0; i < nitems; i++)
		buf_printf(&t, "item %s\n", items[i]);
	if (text == NULL || text[0] == '\0') {
		buf_puts(&t, "text\n");
	} else {
		char *esc;
		size_t el;
		if (entry_text_escape(text, strlen(text), &esc, &el, &err) != ST_OK)
			die("--text: %s", err.msg);
		buf_printf(&t, "text %s\n", esc);
		free(esc);
	}
	if (buf_status(&t) != ST_OK)
		die("out of memory");

	/* The real parser and formatter: canonical or refused. */
	entry e = {0};
	if (entry_parse(t.data, t.len, &e, &err) != ST_OK)
		die("the entry does not parse: %s\n---\n%s---", err.msg, t.data);
	char *canon;
	size_t cl;
	if (entry_format(&e, &canon, &cl, &err) != ST_OK)
		die("entry_format: %s", err.msg);
	if (cl != t.len || memcmp(canon, t.data, cl) != 0)
		die("the entry is not canonical:\n---\n%s---\n%s---", t.data, canon);

	/* Sign with each key file, in order. */
	key_secret *keys[MAX_SIGNERS];
	for (size_t i = 0; i < nsign; i++) {
		char *pass = NULL;
		size_t pl;
		if (pass_fd >= 0) {
			status ps = passphrase_read_fd(pass_fd, &pass, &pl, &err);
			if (ps != ST_OK)
				die("passphrase for %s: %s", sign[i], err_text(&err, ps));
		}
		status st = pass != NULL ? keyfile_load(sign[i], pass, pl, &keys[i], &err)
					 : keyfile_load(sign[i], TEST_PASS, strlen(TEST_PASS), &keys[i],
							&err);
		passphrase_free(pass);
		if (st != ST_OK)
			die("%s: %s", sign[i], err_text(&err, st));
	}
	char *signed_;
	size_t sl;
	if (note_sign(canon, cl, (const key_secret *const *)keys, nsign, &signed_, &sl, &err) !=
	    ST_OK)
		die("note_sign: %s", err.msg);
	if (sl > ENTRY_NOTE_MAX)
		die("the signed note is %zu bytes, more than a record holds", sl);

	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		die("%s: %s", out, strerror(errno));
	if (write(fd, signed_, sl) != (ssize_t)sl || close(fd) != 0)
		die("%s: write failed", out);

	uint8_t leaf[SHA256_LEN];
	sha256_leaf(signed_, sl, leaf);
	printf("index=%" PRIu64 " leaf=", e.index);
	for (int i = 0; i < SHA256_LEN; i++)
		printf("%02x", leaf[i]);
	printf(" time=%s action=%s txn=%s account=%s peer=%s actor=%s\n", tbuf, action, txn,
	       account, peer, key_secret_public(keys[0])->name);

	for (size_t i = 0; i < nsign; i++)
		key_secret_free(keys[i]);
	free(signed_);
	free(canon);
	entry_free(&e);
	entry_free(&le);
	buf_free(&t);
	free(ln);
	free(lastbuf);
	return 0;
}
