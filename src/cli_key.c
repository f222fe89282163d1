/* custos key new|pub|passwd: make, show and reseal secret key files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../keys/key.h"
#include "../keys/keyfile.h"
#include "../keys/passphrase.h"
#include "../keys/pem.h"
#include "cli.h"
#include "safeprint.h"

/* The options of all verbs; each verb names the ones it takes. */
enum { O_NAME = 1, O_OUT = 2, O_FD = 4, O_NEWFD = 8, O_PEM = 16 };

static const struct option {
	const char *name;
	unsigned flag;
	bool arg;
} options[] = {
	{"--name", O_NAME, true},
	{"--out", O_OUT, true},
	{"--passphrase-fd", O_FD, true},
	{"--new-passphrase-fd", O_NEWFD, true},
	{"--pem", O_PEM, false},
};

typedef struct opts {
	unsigned seen;
	const char *name, *out, *file;
	int fd, newfd; /* -1: ask on the terminal */
	bool pem;
} opts;

static const struct verb {
	const char *name;
	unsigned options;
	bool file; /* takes one FILE operand */
	const char *usage, *help;
} verbs[] = {
	{"new", O_NAME | O_OUT | O_FD, false,
	 "custos key new --name NAME --out FILE [--passphrase-fd N]",
	 "Make a key pair named NAME.  The secret key goes to FILE (created with\n"
	 "mode 0600; an existing FILE is never overwritten), sealed with a\n"
	 "passphrase asked twice on the terminal, or read as one line from file\n"
	 "descriptor N.  The public key is printed as a C2SP verifier key.\n"},
	{"pub", O_PEM, true, "custos key pub [--pem] FILE",
	 "Print the public key of secret key file FILE as a C2SP verifier key\n"
	 "(name+keyid+base64), or with --pem as PEM SubjectPublicKeyInfo for\n"
	 "openssl.  No passphrase is needed.\n"},
	{"passwd", O_FD | O_NEWFD, true,
	 "custos key passwd FILE [--passphrase-fd N] [--new-passphrase-fd M]",
	 "Reseal secret key file FILE under a new passphrase; the key stays the\n"
	 "same.  The current passphrase is read from fd N and the new one from fd\n"
	 "M (N and M may be the same: first line current, second line new);\n"
	 "either not given is asked on the terminal.  FILE is replaced atomically.\n"},
};

/* Arguments and error details may hold anything a user or a file gave us:
 * they go to the terminal through safe_fputs. */
static int usage_error(const struct verb *v, const char *what, const char *arg)
{
	fprintf(stderr, "custos: key %s: %s", v->name, what);
	if (arg != NULL) {
		fputs(" '", stderr);
		safe_fputs(arg, stderr);
		fputc('\'', stderr);
	}
	fprintf(stderr, "; see 'custos key %s --help'\n", v->name);
	return CLI_USAGE;
}

static int fail(const char *verb, status st, const errbuf *err, const char *todo)
{
	fprintf(stderr, "custos: key %s: ", verb);
	safe_fputs(err_text(err, st), stderr);
	fprintf(stderr, "; %s\n", todo);
	return CLI_FAIL;
}

/* What to do about a key file error. */
static const char *todo(status st)
{
	switch (st) {
	case ST_BADPASS:
		return "check the passphrase and try again";
	case ST_PERM:
		return "if the file is yours, run 'chmod 600' on it, and treat the key as "
		       "exposed if others could have copied it";
	case ST_OWNER:
		return "use your own key file; if this one is yours, have its owner or root "
		       "give it to you (chown), and treat the key as exposed if others could "
		       "have copied it";
	case ST_CORRUPT:
		return "restore the key file from a backup";
	case ST_FORMAT:
		return "check that the path names a custos secret key file";
	case ST_NOTFOUND:
		return "check the path";
	case ST_EXISTS:
		return "choose another path; custos never overwrites a key file";
	case ST_NOMEM:
		return "free some memory and try again";
	default:
		return "check the path and try again";
	}
}

static bool parse_fd(const char *s, int *fd)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT_MAX)
		return false;
	*fd = (int)v;
	return true;
}

/* Parse argv[1..] for verb v.  Returns -1 to go on, else an exit status. */
static int parse(const struct verb *v, int argc, char **argv, opts *o)
{
	bool dashdash = false;
	memset(o, 0, sizeof *o);
	o->fd = o->newfd = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			printf("usage: %s\n\n%s", v->usage, v->help);
			return CLI_OK;
		}
		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (!v->file || o->file != NULL)
				return usage_error(v, "unexpected argument", a);
			o->file = a;
			continue;
		}
		const struct option *opt = NULL;
		const char *val = NULL;
		for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
			size_t n = strlen(options[k].name);
			if (strncmp(a, options[k].name, n) == 0 &&
			    (a[n] == '\0' || (a[n] == '=' && options[k].arg))) {
				opt = &options[k];
				val = a[n] == '=' ? a + n + 1 : NULL;
			}
		}
		if (opt == NULL || !(v->options & opt->flag))
			return usage_error(v, "unknown option", a);
		if (o->seen & opt->flag)
			return usage_error(v, "option given twice", opt->name);
		o->seen |= opt->flag;
		if (opt->arg && val == NULL) {
			if (i + 1 == argc)
				return usage_error(v, "missing value for option", opt->name);
			val = argv[++i];
		}
		switch (opt->flag) {
		case O_NAME:
			o->name = val;
			break;
		case O_OUT:
			o->out = val;
			break;
		case O_FD:
		case O_NEWFD:
			if (!parse_fd(val, opt->flag == O_FD ? &o->fd : &o->newfd))
				return usage_error(v, "a file descriptor must be a number, not", val);
			if (fcntl(opt->flag == O_FD ? o->fd : o->newfd, F_GETFD) < 0) {
				fprintf(stderr, "custos: key %s: file descriptor %s is not open; "
					"open it for the passphrase, e.g. '%s 3 3<passfile'\n",
					v->name, val, opt->name);
				return CLI_FAIL;
			}
			break;
		case O_PEM:
			o->pem = true;
			break;
		}
	}
	if (v->file && o->file == NULL)
		return usage_error(v, "missing the key FILE", NULL);
	return -1;
}

/* A passphrase from fd, or from the terminal when fd is -1. */
static int get_pass(const char *verb, int fd, const char *prompt, const char *confirm,
		    char **pass, size_t *len)
{
	errbuf err = {0};
	status st = fd >= 0 ? passphrase_read_fd(fd, pass, len, &err)
			    : passphrase_read_tty(prompt, confirm, pass, len, &err);
	if (st == ST_OK)
		return -1;
	if (fd < 0 && st == ST_IO)
		return fail(verb, st, &err, "run at a terminal, or give --passphrase-fd N");
	return fail(verb, st, &err,
		    st == ST_BADPASS  ? "type the same passphrase twice"
		    : st == ST_TOOBIG ? "use a shorter passphrase"
				      : "give a non-empty passphrase on one line");
}

static int finish(const char *verb)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "custos: key %s: cannot write to standard output: %s\n", verb,
			strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int key_new(const struct verb *v, const opts *o)
{
	errbuf err = {0};
	struct stat sb;
	char vkey[KEY_VKEY_MAX + 1];
	key_secret *key = NULL;
	char *pass = NULL;
	size_t passlen;
	int rc;

	if (o->name == NULL || o->out == NULL)
		return usage_error(v, o->name ? "missing --out FILE" : "missing --name NAME", NULL);
	if (!key_name_valid(o->name, strlen(o->name)))
		return usage_error(v, "key name must be 1 to 128 bytes of UTF-8 with no "
				   "spaces, '+' or control characters, not", o->name);
	/* Checked again with O_EXCL; this only saves typing a passphrase in vain. */
	if (lstat(o->out, &sb) == 0) {
		(void)err_set(&err, ST_EXISTS, "%.160s already exists", o->out);
		return fail(v->name, ST_EXISTS, &err, todo(ST_EXISTS));
	}
	if ((rc = get_pass(v->name, o->fd, "Passphrase for the new key: ",
			   "Repeat the passphrase: ", &pass, &passlen)) >= 0)
		return rc;
	status st = key_generate(o->name, &key, &err);
	if (st == ST_OK)
		st = keyfile_create(o->out, key, pass, passlen, &err);
	passphrase_free(pass);
	if (st != ST_OK) {
		key_secret_free(key);
		return fail(v->name, st, &err, todo(st));
	}
	key_vkey_format(key_secret_public(key), vkey);
	key_secret_free(key);
	printf("%s\n", vkey);
	fputs("custos: secret key sealed with your passphrase in ", stderr);
	safe_fputs(o->out, stderr);
	fputs("; keep the file and the passphrase safe\n", stderr);
	return finish(v->name);
}

static int key_pub(const struct verb *v, const opts *o)
{
	errbuf err = {0};
	key_public pub;
	status st = keyfile_read_public(o->file, &pub, &err);
	if (st != ST_OK)
		return fail(v->name, st, &err, todo(st));
	if (o->pem) {
		char *pem;
		if ((st = pem_public_key(&pub, &pem, &err)) != ST_OK)
			return fail(v->name, st, &err, "report this as a bug");
		fputs(pem, stdout);
		free(pem);
	} else {
		char vkey[KEY_VKEY_MAX + 1];
		key_vkey_format(&pub, vkey);
		printf("%s\n", vkey);
	}
	return finish(v->name);
}

static int key_passwd(const struct verb *v, const opts *o)
{
	errbuf err = {0};
	char *old = NULL, *new = NULL;
	size_t oldlen, newlen;
	status st;
	int rc;

	if ((rc = get_pass(v->name, o->fd, "Current passphrase: ", NULL, &old, &oldlen)) >= 0)
		return rc;
	if (o->newfd < 0) {
		/* Check the current passphrase before asking for a new one twice. */
		key_secret *key;
		st = keyfile_load(o->file, old, oldlen, &key, &err);
		key_secret_free(key);
		if (st != ST_OK) {
			passphrase_free(old);
			return fail(v->name, st, &err, todo(st));
		}
	}
	if ((rc = get_pass(v->name, o->newfd, "New passphrase: ", "Repeat the new passphrase: ",
			   &new, &newlen)) >= 0) {
		passphrase_free(old);
		return rc;
	}
	st = keyfile_passwd(o->file, old, oldlen, new, newlen, &err);
	passphrase_free(old);
	passphrase_free(new);
	if (st != ST_OK)
		return fail(v->name, st, &err, todo(st));
	fputs("custos: ", stderr);
	safe_fputs(o->file, stderr);
	fputs(" is now sealed with the new passphrase\n", stderr);
	return CLI_OK;
}

int cli_key(int argc, char **argv)
{
	static int (*const run[])(const struct verb *, const opts *) = {key_new, key_pub,
									 key_passwd};
	const char *verb = argc > 1 ? argv[1] : "";
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(verb, verbs[i].name) != 0)
			continue;
		opts o;
		int rc = parse(&verbs[i], argc - 1, argv + 1, &o);
		return rc >= 0 ? rc : run[i](&verbs[i], &o);
	}
	bool help = strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 ||
		    strcmp(verb, "help") == 0;
	FILE *f = help ? stdout : stderr;
	if (!help && argc > 1)
	{
		fputs("custos: key: unknown verb '", stderr);
		safe_fputs(verb, stderr);
		fputs("'\n", stderr);
	}
	else if (!help)
		fputs("custos: key: missing verb\n", stderr);
	fputs("usage:\n", f);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  %s\n", verbs[i].usage);
	return help ? CLI_OK : CLI_USAGE;
}
