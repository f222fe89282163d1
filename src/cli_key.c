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

/* The options of all verbs; each verb's row in cli.c names the ones it takes. */
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

static int fail(const char *verb, status st, const errbuf *err, const char *todo)
{
	fprintf(stderr, "custos %s: ", verb);
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

/* Parse argv for verb v.  Returns -1 to go on, else an exit status. */
static int parse(const cli_verb *v, int argc, char **argv, opts *o)
{
	bool dashdash = false;
	memset(o, 0, sizeof *o);
	o->fd = o->newfd = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && cli_is_help(a))
			return cli_help(v);
		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (v->operand == NULL || o->file != NULL)
				return cli_usage_error(v, "unexpected argument", a);
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
		if (opt == NULL || !cli_takes(v, opt->name))
			return cli_usage_error(v, "unknown option", a);
		if (o->seen & opt->flag)
			return cli_usage_error(v, "option given twice", opt->name);
		o->seen |= opt->flag;
		if (opt->arg && val == NULL) {
			if (i + 1 == argc)
				return cli_usage_error(v, "missing value for option", opt->name);
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
				return cli_usage_error(v, "a file descriptor must be a number, not", val);
			if (fcntl(opt->flag == O_FD ? o->fd : o->newfd, F_GETFD) < 0) {
				fprintf(stderr, "custos %s: file descriptor %s is not open; "
					"open it for the passphrase, e.g. '%s 3 3<passfile'\n",
					v->words, val, opt->name);
				return CLI_FAIL;
			}
			break;
		case O_PEM:
			o->pem = true;
			break;
		}
	}
	if (v->operand != NULL && o->file == NULL)
		return cli_usage_error(v, "missing the key FILE", NULL);
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
		fprintf(stderr, "custos %s: cannot write to standard output: %s\n", verb,
			strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int key_new(const cli_verb *v, const opts *o)
{
	errbuf err = {0};
	struct stat sb;
	char vkey[KEY_VKEY_MAX + 1];
	key_secret *key = NULL;
	char *pass = NULL;
	size_t passlen;
	int rc;

	if (o->name == NULL || o->out == NULL)
		return cli_usage_error(v, o->name ? "missing --out FILE" : "missing --name NAME", NULL);
	if (!key_name_valid(o->name, strlen(o->name)))
		return cli_usage_error(v, "key name must be 1 to 128 bytes of UTF-8 with no "
				       "spaces, '+' or control characters, not", o->name);
	/* Checked again with O_EXCL; this only saves typing a passphrase in vain. */
	if (lstat(o->out, &sb) == 0) {
		(void)err_set(&err, ST_EXISTS, "%.160s already exists", o->out);
		return fail(v->words, ST_EXISTS, &err, todo(ST_EXISTS));
	}
	if ((rc = get_pass(v->words, o->fd, "Passphrase for the new key: ",
			   "Repeat the passphrase: ", &pass, &passlen)) >= 0)
		return rc;
	status st = key_generate(o->name, &key, &err);
	if (st == ST_OK)
		st = keyfile_create(o->out, key, pass, passlen, &err);
	passphrase_free(pass);
	if (st != ST_OK) {
		key_secret_free(key);
		return fail(v->words, st, &err, todo(st));
	}
	key_vkey_format(key_secret_public(key), vkey);
	key_secret_free(key);
	printf("%s\n", vkey);
	fputs("custos: secret key sealed with your passphrase in ", stderr);
	safe_fputs(o->out, stderr);
	fputs("; keep the file and the passphrase safe\n", stderr);
	return finish(v->words);
}

static int key_pub(const cli_verb *v, const opts *o)
{
	errbuf err = {0};
	key_public pub;
	status st = keyfile_read_public(o->file, &pub, &err);
	if (st != ST_OK)
		return fail(v->words, st, &err, todo(st));
	if (o->pem) {
		char *pem;
		if ((st = pem_public_key(&pub, &pem, &err)) != ST_OK)
			return fail(v->words, st, &err, "report this as a bug");
		fputs(pem, stdout);
		free(pem);
	} else {
		char vkey[KEY_VKEY_MAX + 1];
		key_vkey_format(&pub, vkey);
		printf("%s\n", vkey);
	}
	return finish(v->words);
}

static int key_passwd(const cli_verb *v, const opts *o)
{
	errbuf err = {0};
	char *old = NULL, *new = NULL;
	size_t oldlen, newlen;
	status st;
	int rc;

	if ((rc = get_pass(v->words, o->fd, "Current passphrase: ", NULL, &old, &oldlen)) >= 0)
		return rc;
	if (o->newfd < 0) {
		/* Check the current passphrase before asking for a new one twice. */
		key_secret *key;
		st = keyfile_load(o->file, old, oldlen, &key, &err);
		key_secret_free(key);
		if (st != ST_OK) {
			passphrase_free(old);
			return fail(v->words, st, &err, todo(st));
		}
	}
	if ((rc = get_pass(v->words, o->newfd, "New passphrase: ", "Repeat the new passphrase: ",
			   &new, &newlen)) >= 0) {
		passphrase_free(old);
		return rc;
	}
	st = keyfile_passwd(o->file, old, oldlen, new, newlen, &err);
	passphrase_free(old);
	passphrase_free(new);
	if (st != ST_OK)
		return fail(v->words, st, &err, todo(st));
	fputs("custos: ", stderr);
	safe_fputs(o->file, stderr);
	fputs(" is now sealed with the new passphrase\n", stderr);
	return CLI_OK;
}

int cli_key(const cli_verb *v, int argc, char **argv)
{
	static int (*const run[])(const cli_verb *, const opts *) = {
		[CLI_KEY_NEW] = key_new, [CLI_KEY_PUB] = key_pub, [CLI_KEY_PASSWD] = key_passwd};
	opts o;
	int rc = parse(v, argc, argv, &o);
	return rc >= 0 ? rc : run[v->id](v, &o);
}
