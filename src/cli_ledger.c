/* The ledger's commands: db init|migrate|status, person add, account
 * add|appoint, key revoke, and the material actions (receive, transfer,
 * accept, issue, return, destroy, possession, inventory, incident
 * report|update|close).  Each action is one ledger_submit; a lost
 * connection is reported, re-established, and the same request (same
 * idempotency key) submitted again, so it applies once. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../keys/key.h"
#include "../keys/keyfile.h"
#include "../keys/passphrase.h"
#include "checkpoint.h"
#include "access.h"
#include "cli.h"
#include "db.h"
#include "dbcheck.h"
#include "json.h"
#include "invsession.h"
#include "ledger.h"
#include "rules.h"
#include "migrate.h"
#include "query.h"
#include "rfile.h"
#include "safeprint.h"

#define MAX_ITEMS ENTRY_MAX_ITEMS
#define TEXT_FILE_MAX (4u << 20)
#define ECHO_MAX 80 /* bytes of a user's input echoed in an error */

typedef struct opts {
	const char *db, *key, *witness_key, *idem, *account, *from, *to, *holder, *ref,
		*category, *text, *text_file, *items_file, *role, *pubkey, *login, *name, *origin,
		*admin, *admin_key, *admin_login, *person, *log_key, *retry, *discovered, *outcome,
		*method, *authority, *incident, *incoming, *address, *cor_account, *rank,
		*position, *alc, *file, *qty, *title;
	int pass_fd, witness_fd, password_fd, log_fd;
	bool json, custodian_change;
	unsigned retry_s;                 /* --retry-seconds, parsed */
	const char *items[MAX_ITEMS + 1]; /* --item specs */
	bool identity[MAX_ITEMS + 1];     /* from --serial: a bare serial */
	size_t nitems;
	const char *operand;
	const char *sets[ENTRY_MAX_DETAILS]; /* policy set: NAME=VALUE operands */
	size_t nsets;
} opts;

enum kind { K_STR, K_FD, K_FLAG, K_ITEM, K_SERIAL };

static const struct option {
	const char *name;
	enum kind kind;
	size_t off;
} options[] = {
#define S(n, f) {n, K_STR, offsetof(opts, f)}
	S("--db", db), S("--key", key), S("--witness-key", witness_key),
	S("--idempotency-key", idem), S("--account", account), S("--from", from), S("--to", to),
	S("--holder", holder), S("--category", category), S("--text", text),
	S("--text-file", text_file), S("--items", items_file), S("--role", role),
	S("--pubkey", pubkey), S("--login", login), S("--name", name), S("--origin", origin),
	S("--admin", admin), S("--admin-key", admin_key), S("--admin-login", admin_login),
	S("--person", person), S("--log-key", log_key), S("--retry-seconds", retry),
	S("--discovered", discovered), S("--outcome", outcome), S("--method", method),
	S("--authority", authority), S("--incident", incident), S("--incoming", incoming),
	S("--address", address), S("--cor-account", cor_account), S("--rank", rank),
	S("--position", position), S("--alc", alc), S("--file", file), S("--qty", qty),
	S("--title", title),
#undef S
	{"--passphrase-fd", K_FD, offsetof(opts, pass_fd)},
	{"--witness-passphrase-fd", K_FD, offsetof(opts, witness_fd)},
	{"--password-fd", K_FD, offsetof(opts, password_fd)},
	{"--log-passphrase-fd", K_FD, offsetof(opts, log_fd)},
	{"--json", K_FLAG, offsetof(opts, json)},
	{"--custodian-change", K_FLAG, offsetof(opts, custodian_change)},
	{"--item", K_ITEM, 0},
	{"--serial", K_SERIAL, 0},
};

/* A verb is its row in cli.c's table; its id is the entry_action it
 * signs (ACT__COUNT for db migrate, status and check). */
typedef cli_verb verb;

static entry_action action_of(const verb *v)
{
	return (entry_action)v->id;
}

/* What to do about a rule's refusal, in this command line's flags; NULL
 * when the words say it all. */
static const char *hint_for(int why)
{
	switch ((rules_refusal)why) {
	case RULE_SIGNERS:
		return "the second person signs with --witness-key FILE (passphrase: "
		       "--witness-passphrase-fd N)";
	case RULE_SOURCE_IN_LEDGER:
		return "that account's custodian sends it with 'custos transfer --to ACCOUNT', "
		       "then this account runs 'custos accept TXN'";
	case RULE_REVOKE_HOLDS:
		return "recover it first: 'custos return TXN --holder NAME --serial SERIAL "
		       "--witness-key WITNESS_KEY'";
	case RULE_REVOKE_LAST:
		return "appoint another first: 'custos account appoint ACCOUNT --person NAME "
		       "--role alternate'";
	case RULE_ITEM_STATE:
		return "'custos history SERIAL' shows where the item is and what happened to it";
	case RULE_INVENTORY_INCOMPLETE:
		return "list every item on hand or issued at the account (--items FILE of "
		       "scanned serials, one 'serial=S' a line); 'custos holdings --account N "
		       "--status on_hand' and '--status issued' show them";
	case RULE_INCOMING_UNKNOWN:
		return "enrol or appoint the incoming custodian first: 'custos account appoint "
		       "ACCOUNT --person NAME --role alternate'";
	case RULE_PEER_UNKNOWN:
		return "an administrator registers an account of another organisation: 'custos "
		       "account outside NUMBER --name NAME [--address TEXT]'; 'custos account list' "
		       "shows the accounts of this ledger";
	case RULE_POLICY_VALUE:
		return "'custos policy show' lists every policy with the values it may take";
	case RULE_NOT_SUPERSEDED:
		return "name the authority that directs the destruction with --authority REF (a "
		       "directive's reference, or the incident's TXN)";
	case RULE_ALC_AUTHORITY:
		return "a downgrade is the national authority's: give its reference with "
		       "--authority REF";
	case RULE_IN_EFFECT:
	case RULE_NOT_KEY:
		return "'custos history SERIAL' shows the item and its entries";
	default:
		return NULL;
	}
}

static int fail(const char *words, status st, const errbuf *err)
{
	fprintf(stderr, "custos %s: ", words);
	safe_fputs(err_text(err, st), stderr);
	fputc('\n', stderr);
	const char *hint = err != NULL ? hint_for(err->why) : NULL;
	if (hint != NULL)
		fprintf(stderr, "hint: %s\n", hint);
	return CLI_FAIL;
}

static int parse(const verb *v, int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->pass_fd = o->witness_fd = o->password_fd = o->log_fd = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a))
			return cli_help(v);
		if ((a[0] != '-' || a[1] == '\0') && action_of(v) == ACT_POLICY_SET &&
		    o->operand != NULL) {
			if (o->nsets == ENTRY_MAX_DETAILS - 1)
				return cli_usage_error(v, "too many policies; at most 16 in one entry",
						       NULL);
			o->sets[o->nsets++] = a;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (v->operand == NULL || o->operand != NULL)
				return cli_usage_error(v, "unexpected argument", a);
			o->operand = a;
			continue;
		}
		const struct option *opt = NULL;
		const char *val = NULL;
		for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
			size_t n = strlen(options[k].name);
			if (strncmp(a, options[k].name, n) == 0 &&
			    (a[n] == '\0' || (a[n] == '=' && options[k].kind != K_FLAG))) {
				opt = &options[k];
				val = a[n] == '=' ? a + n + 1 : NULL;
			}
		}
		if (opt == NULL || !cli_takes(v, opt->name))
			return cli_usage_error(v, "unknown option", a);
		if (opt->kind != K_FLAG && val == NULL) {
			if (i + 1 == argc)
				return cli_usage_error(v, "missing value for option", opt->name);
			val = argv[++i];
		}
		char *field = (char *)o + opt->off;
		switch (opt->kind) {
		case K_STR:
			if (*(const char **)field != NULL)
				return cli_usage_error(v, "option given twice", opt->name);
			*(const char **)field = val;
			break;
		case K_FLAG:
			*(bool *)field = true;
			break;
		case K_FD: {
			char *end;
			errno = 0;
			long fd = strtol(val, &end, 10);
			if (*val < '0' || *val > '9' || errno || *end || fd > INT_MAX)
				return cli_usage_error(v, "a file descriptor must be a number, not",
						       val);
			if (fcntl((int)fd, F_GETFD) < 0)
				return cli_usage_error(v, "file descriptor not open:", val);
			*(int *)field = (int)fd;
			break;
		}
		case K_ITEM:
		case K_SERIAL:
			if (o->nitems == MAX_ITEMS)
				return cli_usage_error(v, "too many items; at most 500 in one entry",
						       NULL);
			o->identity[o->nitems] = opt->kind == K_SERIAL;
			o->items[o->nitems++] = val;
			break;
		}
	}
	if (v->operand != NULL && o->operand == NULL)
		return cli_usage_error(v, "missing operand", v->operand);
	return -1;
}

/* ---- keys ---------------------------------------------------------------- */

/* The default key file: $CUSTOS_KEY, else $XDG_CONFIG_HOME/custos/key
 * (~/.config/custos/key). */
static const char *default_key(char *buf, size_t cap)
{
	const char *k = getenv("CUSTOS_KEY");
	if (k != NULL && k[0] != '\0')
		return k;
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	if (x != NULL && x[0] == '/')
		snprintf(buf, cap, "%s/custos/key", x);
	else if (h != NULL)
		snprintf(buf, cap, "%s/.config/custos/key", h);
	else
		return NULL;
	return buf;
}

/* Load a secret key file, asking its passphrase on the terminal (or
 * reading it from fd). */
static status load_key(const char *path, int fd, const char *whose, key_secret **out,
		       errbuf *err)
{
	char before[160];
	snprintf(before, sizeof before, "Passphrase of %s key ", whose);
	keyfile_pass how = {fd, before, ": "};
	keyfile_step step;
	status st = keyfile_unlock(path, &how, out, &step, err);
	if (st != ST_OK && step == KEYFILE_STEP_UNSEAL) {
		char why[200];
		snprintf(why, sizeof why, "%s", err_text(err, st));
		err_set(err, st, "%s key file %s: %s", whose, path, why);
	}
	return st;
}

/* ---- items and text ------------------------------------------------------ */

static int gather_items(const verb *v, opts *o, ledger_request *q, char **file_data)
{
	errbuf err = {0};
	size_t n = o->nitems;
	char *lines[MAX_ITEMS + 1];
	size_t nlines = 0;
	if (o->items_file != NULL) {
		size_t len;
		status st = rfile_read(o->items_file, 1u << 20, false, file_data, &len, &err);
		if (st != ST_OK)
			return fail(v->words, st, &err);
		/* Lines are cut by the file's length, not at a NUL: a NUL byte
		 * would end its spec early and silently drop the rest of the
		 * line (a title cut short), so it is refused, naming the line. */
		char *end = *file_data + len;
		size_t line = 0;
		for (char *s = *file_data, *nl; s < end; s = nl + 1) {
			line++;
			nl = memchr(s, '\n', (size_t)(end - s));
			if (nl == NULL)
				nl = end; /* rfile_read put a NUL there */
			if (memchr(s, '\0', (size_t)(nl - s)) != NULL) {
				fprintf(stderr, "custos %s: ", v->words);
				safe_fputs_max(o->items_file, ECHO_MAX, stderr);
				fprintf(stderr, " line %zu: a NUL byte; an items file is text, one "
					"SPEC a line\n", line);
				return CLI_USAGE;
			}
			*nl = '\0';
			if (*s == '\0' || *s == '#')
				continue;
			if (n + nlines == MAX_ITEMS)
				return cli_usage_error(v, "too many items; at most 500 in one entry",
						       NULL);
			lines[nlines++] = s;
		}
	}
	q->items = calloc(n + nlines + 1, sizeof *q->items);
	if (q->items == NULL)
		return fail(v->words, ST_NOMEM, NULL);
	bool full = action_of(v) == ACT_RECEIPT || action_of(v) == ACT_POSSESSION;
	for (size_t i = 0; i < n + nlines; i++) {
		const char *spec = i < n ? o->items[i] : lines[i - n];
		bool bare = i < n && o->identity[i];
		if (bare && full)
			return cli_usage_error(v, "new material needs all its details (--item SPEC), "
					       "not only", "--serial");
		/* an acceptance recording a discrepancy: the items sent by --serial,
		 * one that came without being sent by --item with all its details */
		bool whole = full || (action_of(v) == ACT_ACCEPT && o->category != NULL && !bare);
		status st = ledger_parse_item(spec, !whole, &q->items[i], &err);
		if (st == ST_OK && bare && strchr(spec, '=') != NULL)
			st = err_set(&err, ST_USAGE, "--serial takes a serial number alone");
		if (st != ST_OK) {
			fprintf(stderr, "custos %s: ", v->words);
			safe_fputs(err_text(&err, st), stderr);
			fputs(" in '", stderr);
			safe_fputs_max(spec, ECHO_MAX, stderr);
			fputs("'\n", stderr);
			return CLI_USAGE;
		}
	}
	q->nitems = n + nlines;
	return -1;
}

/* ---- output ---------------------------------------------------------------- */

/* Does r say whether inventory v was complete (not when found already
 * recorded: that run did not count)? */
static bool inventory_result(const verb *v, const ledger_result *r)
{
	return action_of(v) == ACT_INVENTORY && !r->already;
}

static void print_result(const verb *v, const opts *o, const ledger_result *r)
{
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(r->time_us, t);
	if (o->json) {
		printf("{\"action\":");
		json_str(stdout, v->words);
		printf(",\"index\":%llu,\"txn\":", (unsigned long long)r->index);
		if (r->txn[0])
			json_str(stdout, r->txn);
		else
			fputs("null", stdout);
		printf(",\"time\":\"%s\",\"already_applied\":%s", t, r->already ? "true" : "false");
		if (inventory_result(v, r))
			printf(",\"complete\":%s,\"listed\":%llu,\"held\":%llu",
			       r->complete ? "true" : "false", (unsigned long long)r->listed,
			       (unsigned long long)r->held);
		puts("}");
		return;
	}
	if (r->already)
		printf("already recorded: ");
	printf("%s: log entry %llu", v->words, (unsigned long long)r->index);
	if (r->txn[0])
		printf(", transaction %s", r->txn);
	printf(", %s\n", t);
	if (inventory_result(v, r)) {
		char words[160];
		ledger_inventory_words(r, words, sizeof words);
		puts(words);
	}
}

/* ---- running one action ------------------------------------------------------ */

bool cli_retry_seconds(const char *arg, unsigned *out)
{
	const char *s = arg != NULL ? arg : getenv("CUSTOS_RETRY_SECONDS");
	*out = CLI_RETRY_DEFAULT;
	if (s == NULL || s[0] == '\0')
		return arg == NULL;
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || n > 3600)
		return false;
	*out = (unsigned)n;
	return true;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The words for giving up on retrying: `st` was the last attempt's status,
 * `unknown` whether any attempt's outcome was unknown. */
static status give_up(status st, bool unknown, unsigned retry, const errbuf *conn, errbuf *err)
{
	if (unknown)
		return err_set(err, ST_UNKNOWN, "%s; then no primary answered within %u s",
			       status_message(ST_UNKNOWN), retry);
	if (st == ST_READONLY)
		return err_set(err, ST_READONLY, "the server is a read-only standby, and no primary "
			       "answered within %u s: list every server in the connection string, "
			       "with target_session_attrs=read-write (docs/deploy.md)", retry);
	if (conn != NULL) {
		errbuf why = *conn;
		return err_set(err, st, "no primary answered within %u s: %s", retry,
			       err_text(&why, ST_CONN));
	}
	return st;
}

/* Submit q until it is decided or `retry` seconds have passed.  Submitted
 * again (same idempotency key, so it applies once) after: a connection lost
 * before the commit (ST_CONN), a server that is now a standby
 * (ST_READONLY), and a connection lost after the commit was sent
 * (ST_UNKNOWN: the resubmission finds the entry and confirms it reached the
 * standby, or applies it on the new primary).  Not after ST_UNREPLICATED:
 * someone cut the commit's wait short on purpose, so waiting again is not
 * ours to decide.  Once any attempt's outcome was unknown, running out of
 * time leaves it unknown (ST_UNKNOWN), never "not applied". */
static status submit(db *d, const ledger_request *q, ledger_result *r, unsigned retry,
		     errbuf *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool unknown = false;
	long pause_ms = 100;
	for (int attempt = 0;; attempt++) {
		status st = ledger_submit(d, q, r, err);
		if (st == ST_UNKNOWN || st == ST_UNREPLICATED)
			unknown = true;
		if (st == ST_OK || st == ST_UNREPLICATED)
			return st;
		bool again = st == ST_CONN || st == ST_READONLY || st == ST_UNKNOWN;
		if (!again)
			return st; /* decided: the action did not apply */
		if (attempt == 0 || st != ST_CONN)
			fprintf(stderr, "custos: %s; reconnecting (for up to %u s)...\n",
				st == ST_READONLY ? "the server is a read-only standby"
				: st == ST_UNKNOWN ? "the connection was lost after the commit was sent"
						   : "the connection to the database was lost", retry);
		/* A standby answers at once: give a failover time to happen. */
		if (st == ST_READONLY) {
			struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
			if (pause_ms < 1000)
				pause_ms *= 2;
		}
		double left = (double)retry - seconds_since(&t0);
		if (left < 0.1)
			return give_up(st, unknown, retry, NULL, err);
		errbuf e2 = {0};
		if (db_reconnect(d, (unsigned)left, &e2) != ST_OK)
			return give_up(st, unknown, retry, &e2, err);
		if (st != ST_READONLY)
			fputs("custos: reconnected; submitting again under the same idempotency key "
			      "(it applies once)\n", stderr);
	}
}

/* An action that may or may not stand: say so, with the key that finds out. */
static int outcome_unknown(const verb *v, const opts *o, const ledger_request *q, status st,
			   const errbuf *err)
{
	fprintf(stderr, "custos %s: ", v->words);
	safe_fputs(err_text(err, st), stderr);
	fprintf(stderr, "\ncustos %s: outcome unknown, retry with --idempotency-key ", v->words);
	safe_fputs(q->idem, stderr);
	fputc('\n', stderr);
	if (o->json) {
		printf("{\"action\":");
		json_str(stdout, v->words);
		printf(",\"outcome\":\"unknown\",\"idempotency_key\":");
		json_str(stdout, q->idem);
		printf("}\n");
	}
	return CLI_UNKNOWN;
}

/* db_exec for the reads before an action: after a lost connection (the
 * primary failed over) reconnect for up to `retry` seconds and read again. */
static status read_retry(db *d, unsigned retry, const char *sql, int n, const char *const *p,
			 PGresult **r, errbuf *err)
{
	status st = db_exec(d, sql, n, p, r, err);
	if (st != ST_CONN || retry == 0)
		return st;
	fprintf(stderr, "custos: the connection to the database was lost; reconnecting (for up "
		"to %u s)...\n", retry);
	errbuf e2 = {0};
	if (db_reconnect(d, retry, &e2) != ST_OK)
		return give_up(st, false, retry, &e2, err);
	return db_exec(d, sql, n, p, r, err);
}

/* The account acted on: --account, else the only one the login keeps. */
static int pick_account(const verb *v, db *d, const opts *o, char out[ENTRY_ACCOUNT_LEN + 1])
{
	if (o->account != NULL) {
		if (!entry_account_number_valid(o->account))
			return cli_usage_error(v, "an account number is six digits, not", o->account);
		memcpy(out, o->account, 7);
		return -1;
	}
	PGresult *r = NULL;
	errbuf err = {0};
	status st = read_retry(d, o->retry_s, "SELECT unnest(my_custody_accounts())", 0, NULL, &r,
			       &err);
	if (st != ST_OK)
		return fail(v->words, st, &err);
	int n = PQntuples(r);
	if (n == 1)
		snprintf(out, ENTRY_ACCOUNT_LEN + 1, "%s", db_val(r, 0, 0));
	PQclear(r);
	if (n != 1)
		return cli_usage_error(v, n == 0 ? "you keep no account; give --account"
				       : "you keep several accounts; give --account",
				       NULL);
	return -1;
}

static int peer_of(const verb *v, const char *s, char out[ENTRY_ACCOUNT_LEN + 1])
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "COR") != 0 && !entry_account_number_valid(s))
		return cli_usage_error(v, "the other side is COR or a six-digit account, not", s);
	snprintf(out, ENTRY_ACCOUNT_LEN + 1, "%s", s);
	return -1;
}

static int copy_arg(const verb *v, char *dst, size_t cap, const char *s, const char *what)
{
	if (s == NULL)
		return -1;
	if (strlen(s) >= cap)
		return cli_usage_error(v, what, s);
	memcpy(dst, s, strlen(s) + 1);
	return -1;
}

static int role_of(const verb *v, const char *s, entry_role *out)
{
	if (s == NULL)
		return cli_usage_error(v, "missing --role", NULL);
	int r = entry_role_from_name(s, strlen(s));
	if (r < 0)
		return cli_usage_error(v, "unknown role (administrator, custodian, alternate, "
				       "holder, witness, auditor, authority)", s);
	*out = (entry_role)r;
	return -1;
}

/* Set a new person's login password from fd (ledger_set_login_password). */
static status set_password(db *d, const char *person, int fd, errbuf *err)
{
	char *pass = NULL;
	size_t len;
	status st = passphrase_read_fd(fd, &pass, &len, err);
	if (st != ST_OK)
		return st;
	st = ledger_set_login_password(d, person, pass, err);
	passphrase_free(pass);
	return st;
}

/* The fields of entry format v2: --discovered (incident report),
 * --outcome (incident close), --method and --authority (destroy), and
 * --incident (possession of material found after an incident).  -1 when
 * all are good, else the exit status of a usage error. */
static int v2_fields(const verb *v, const opts *o, ledger_request *q)
{
	if (o->discovered != NULL && entry_time_parse_input(o->discovered, &q->discovered_us) != ST_OK)
		return cli_usage_error(v, "--discovered is a UTC time, YYYY-MM-DDTHH:MMZ, not",
				       o->discovered);
	if (o->outcome != NULL) {
		int c = entry_outcome_from_name(o->outcome, strlen(o->outcome));
		if (c < 0)
			return cli_usage_error(v, "--outcome is no-compromise, compromised, lost or "
					       "destroy, not", o->outcome);
		q->outcome = (entry_outcome)c;
	}
	if (o->method != NULL) {
		int c = entry_method_from_name(o->method, strlen(o->method));
		if (c < 0)
			return cli_usage_error(v, "--method is burn, shred, pulverize, disintegrate, "
					       "degauss or zeroize, not", o->method);
		q->method = (entry_method)c;
	}
	int rc;
	if (action_of(v) == ACT_ALC_CHANGE) /* the authority is a detail there */
		return copy_arg(v, q->ref, sizeof q->ref, o->incident, "not a transaction number");
	if ((rc = copy_arg(v, q->authority, sizeof q->authority, o->authority,
			   "an authority reference is at most 32 bytes")) >= 0)
		return rc;
	return copy_arg(v, q->ref, sizeof q->ref, o->incident, "not a transaction number");
}

static int session_of(const verb *v, db *d, const char *account, int64_t *id,
		      invsession_kind *k);

/* inventory close: q becomes the certification of the account's open
 * session (invsession_certification), keeping its signers and key. */
static int session_request(const verb *v, db *d, const opts *o, ledger_request *q, invcert *c)
{
	int64_t id;
	invsession_kind kind;
	int rc = session_of(v, d, q->account, &id, &kind);
	if (rc >= 0)
		return rc;
	if (kind == INVS_CUSTODIAN_CHANGE && o->incoming == NULL)
		return cli_usage_error(v, "a change of custodian's session closes with --incoming NAME",
				       NULL);
	ledger_request cq;
	errbuf err = {0};
	status st = invsession_certification(d, id, o->incoming, &cq, c, &err);
	if (st != ST_OK)
		return st == ST_USAGE ? (fail(v->words, st, &err), CLI_USAGE) : fail(v->words, st, &err);
	q->action = cq.action;
	memcpy(q->holder, cq.holder, sizeof q->holder);
	q->details = cq.details;
	q->ndetails = cq.ndetails;
	return -1;
}

static int run_action(const verb *v, opts *o)
{
	errbuf err = {0};
	db *d = NULL;
	key_secret *actor = NULL, *second = NULL, *log_key = NULL;
	char *item_data = NULL, *text_data = NULL, *shown = NULL;
	ledger_request q = {.action = action_of(v)};
	int rc;
	if (o->witness_key == NULL && o->witness_fd >= 0)
		return cli_usage_error(v, "--witness-passphrase-fd without --witness-key", NULL);
	if ((rc = gather_items(v, o, &q, &item_data)) >= 0)
		goto out;
	if (o->text != NULL && o->text_file != NULL) {
		rc = cli_usage_error(v, "give --text or --text-file, not both", NULL);
		goto out;
	}
	if (o->text != NULL) {
		q.text = o->text;
		q.textlen = strlen(o->text);
	} else if (o->text_file != NULL) {
		status st = rfile_read(o->text_file, TEXT_FILE_MAX, false, &text_data, &q.textlen, &err);
		if (st != ST_OK) {
			rc = fail(v->words, st, &err);
			goto out;
		}
		q.text = text_data;
	}
	if (!cli_retry_seconds(o->retry, &o->retry_s)) {
		rc = cli_usage_error(v, "--retry-seconds (or CUSTOS_RETRY_SECONDS) is 0 to 3600, not",
				     o->retry ? o->retry : getenv("CUSTOS_RETRY_SECONDS"));
		goto out;
	}
	unsigned retry = o->retry_s;
	if (o->idem != NULL) {
		if (strlen(o->idem) == 0 || strlen(o->idem) > LEDGER_IDEM_MAX) {
			rc = cli_usage_error(v, "an idempotency key is 1 to 128 bytes", NULL);
			goto out;
		}
		memcpy(q.idem, o->idem, strlen(o->idem) + 1);
	} else {
		ledger_new_idem(q.idem);
	}
	if (o->category != NULL) {
		int c = -1;
		for (int k = 1; k < CAT__COUNT; k++)
			if (strcmp(o->category, entry_category_name((entry_category)k)) == 0)
				c = k;
		if (c < 0) {
			rc = cli_usage_error(v, "the category is cryptographic, personnel, "
					     "physical or packaging, not", o->category);
			goto out;
		}
		q.category = (entry_category)c;
	}
	if ((rc = v2_fields(v, o, &q)) >= 0 ||
	    (rc = peer_of(v, o->from ? o->from : o->to, q.peer)) >= 0 ||
	    (rc = copy_arg(v, q.holder, sizeof q.holder, o->holder, "holder name too long")) >= 0)
		goto out;
	if (rules_action_of(action_of(v))->ref == REF_REQUIRED) {
		if ((rc = copy_arg(v, q.ref, sizeof q.ref, o->operand, "not a transaction number")) >= 0)
			goto out;
	}
	if (action_of(v) == ACT_RETURN && o->holder == NULL) {
		rc = cli_usage_error(v, "missing --holder", NULL);
		goto out;
	}
	if (action_of(v) == ACT_ISSUE && o->holder == NULL) {
		rc = cli_usage_error(v, "missing --holder", NULL);
		goto out;
	}
	if (action_of(v) == ACT_CUSTODIAN_CHANGE) {
		if (o->incoming == NULL) {
			rc = cli_usage_error(v, "missing --incoming NAME", NULL);
			goto out;
		}
		if ((rc = copy_arg(v, q.holder, sizeof q.holder, o->incoming,
				   "the incoming custodian's name is too long")) >= 0)
			goto out;
	}
	/* the details an account or a person is given, as the options name them;
	 * the policies, as NAME=VALUE operands */
	ledger_detail details[ENTRY_MAX_DETAILS];
	char pnames[ENTRY_MAX_DETAILS][ENTRY_DETAIL_NAME_MAX + 1];
	if (action_of(v) == ACT_POLICY_SET) {
		for (size_t i = 0; i <= o->nsets && i < ENTRY_MAX_DETAILS; i++) {
			const char *a = i == 0 ? o->operand : o->sets[i - 1];
			const char *eq = strchr(a, '=');
			if (eq == NULL || eq == a || (size_t)(eq - a) > ENTRY_DETAIL_NAME_MAX) {
				rc = cli_usage_error(v, "a policy is set as NAME=VALUE, not", a);
				goto out;
			}
			snprintf(pnames[i], sizeof pnames[i], "%.*s", (int)(eq - a), a);
			details[q.ndetails++] = (ledger_detail){pnames[i], eq + 1};
		}
	}
	const struct { const char *name, *value; } given[] = {
		{"address", o->address}, {"cor_account", o->cor_account},
		{"position", o->position}, {"rank", o->rank}};
	for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
		if (given[i].value != NULL)
			details[q.ndetails++] = (ledger_detail){given[i].name, given[i].value};
	if (action_of(v) == ACT_ALC_CHANGE) {
		/* detail alc, the new ALC; detail authority, the national
		 * authority's reference (a downgrade) */
		if (o->alc == NULL) {
			rc = cli_usage_error(v, "missing --alc N, the new ALC (1, 2, 4, 6 or 7)", NULL);
			goto out;
		}
		if (strlen(o->alc) != 1 || rules_alc_strictness(o->alc[0] - '0') < 0) {
			rc = cli_usage_error(v, "the ALC is 1, 2, 4, 6 or 7, not", o->alc);
			goto out;
		}
		q.ndetails = 0;
		details[q.ndetails++] = (ledger_detail){"alc", o->alc};
		if (o->authority != NULL)
			details[q.ndetails++] = (ledger_detail){"authority", o->authority};
	}
	q.details = details;
	if ((action_of(v) == ACT_ACCOUNT_DETAILS || action_of(v) == ACT_PERSON_DETAILS) &&
	    q.ndetails == 0) {
		rc = cli_usage_error(v, action_of(v) == ACT_PERSON_DETAILS
						? "give --rank, --position or both"
						: "give --address, --cor-account or both",
				     NULL);
		goto out;
	}
	if (action_of(v) == ACT_PERSON_DETAILS &&
	    (rc = copy_arg(v, q.holder, sizeof q.holder, o->operand, "a name is at most 63 bytes")) >= 0)
		goto out;
	if (action_of(v) == ACT_ACCOUNT_DETAILS || action_of(v) == ACT_ACCOUNT_OUTSIDE) {
		if ((rc = copy_arg(v, q.account, sizeof q.account, o->operand, "not an account number")) >= 0)
			goto out;
		if (!entry_account_number_valid(q.account)) {
			rc = cli_usage_error(v, "an account number is six digits, not", o->operand);
			goto out;
		}
	}
	if (action_of(v) == ACT_ACCOUNT_OPEN || action_of(v) == ACT_ACCOUNT_OUTSIDE) {
		if ((rc = copy_arg(v, q.account, sizeof q.account, o->operand, "not an account number")) >= 0)
			goto out;
		if (!entry_account_number_valid(q.account)) {
			rc = cli_usage_error(v, "an account number is six digits, not", o->operand);
			goto out;
		}
		if (o->name == NULL) {
			rc = cli_usage_error(v, "missing --name", NULL);
			goto out;
		}
		for (const unsigned char *p = (const unsigned char *)o->name; *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				rc = cli_usage_error(v, "an account name has no control characters", NULL);
				goto out;
			}
		q.text = o->name;
		q.textlen = strlen(o->name);
	}
	if ((action_of(v) == ACT_KEY_ENROL || action_of(v) == ACT_KEY_REVOKE) &&
	    (rc = role_of(v, o->role, &q.role)) >= 0)
		goto out;
	if ((action_of(v) == ACT_KEY_ENROL && strcmp(v->words, "person add") == 0) ||
	    action_of(v) == ACT_KEY_ROTATE) {
		if (o->pubkey == NULL) {
			rc = cli_usage_error(v, "missing --pubkey VKEY", NULL);
			goto out;
		}
		status st = key_vkey_parse(o->pubkey, strlen(o->pubkey), &q.subject, &err);
		if (st != ST_OK) {
			fprintf(stderr, "custos %s: --pubkey: ", v->words);
			safe_fputs(err_text(&err, st), stderr);
			fputc('\n', stderr);
			rc = CLI_USAGE;
			goto out;
		}
		if (strcmp(q.subject.name, o->operand) != 0) {
			rc = cli_usage_error(v, "NAME must be the key's name, which is",
					     q.subject.name);
			goto out;
		}
		if (action_of(v) == ACT_KEY_ENROL &&
		    (rc = copy_arg(v, q.login, sizeof q.login, o->login,
				   "a login role name is at most 63 bytes")) >= 0)
			goto out;
	}
	if (action_of(v) == ACT_KEY_ENROL || action_of(v) == ACT_KEY_REVOKE) {
		if (o->account != NULL && (rc = copy_arg(v, q.account, sizeof q.account, o->account,
						     "an account number is six digits")) >= 0)
			goto out;
	}
	if (strcmp(v->words, "account appoint") == 0) {
		if (o->person == NULL) {
			rc = cli_usage_error(v, "missing --person NAME", NULL);
			goto out;
		}
		if ((rc = copy_arg(v, q.account, sizeof q.account, o->operand, "not an account number")) >= 0)
			goto out;
	}
	if (o->account != NULL && !entry_account_number_valid(o->account)) {
		rc = cli_usage_error(v, "an account number is six digits, not", o->account);
		goto out;
	}
	/* Keys before connecting: the passphrases take a moment, the lock none. */
	char defkey[4096];
	const char *keypath = o->key ? o->key : default_key(defkey, sizeof defkey);
	if (keypath == NULL) {
		rc = cli_usage_error(v, "no key file: give --key FILE or set CUSTOS_KEY", NULL);
		goto out;
	}
	status st = load_key(keypath, o->pass_fd, "your", &actor, &err);
	if (st == ST_OK && o->witness_key != NULL)
		st = load_key(o->witness_key, o->witness_fd, "the second person's", &second, &err);
	/* The log key (--log-key or $CUSTOS_LOG_KEY), for a checkpoint due after this. */
	if (st == ST_OK)
		st = checkpoint_key_load(o->log_key, o->log_fd, &log_key, &err);
	if (st != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	q.actor = actor;
	q.second = second;
	if ((st = db_open(o->db, &d, &err)) == ST_CONN && retry > 0) {
		fprintf(stderr, "custos %s: ", v->words);
		safe_fputs(err_text(&err, st), stderr);
		fprintf(stderr, "; trying again for up to %u s\n", retry);
		err.msg[0] = '\0';
		st = db_open_retry(o->db, retry, &d, &err);
	}
	if (st != ST_OK) {
		rc = st == ST_USAGE ? (fail(v->words, st, &err), CLI_USAGE) : fail(v->words, st, &err);
		goto out;
	}
	access_login(d, v->words);
	if (rules_action_of(action_of(v))->material && (rc = pick_account(v, d, o, q.account)) >= 0)
		goto out;
	invcert cert;
	if (strcmp(v->words, "inventory close") == 0 && (rc = session_request(v, d, o, &q, &cert)) >= 0)
		goto out;
	if (strcmp(v->words, "account appoint") == 0 || action_of(v) == ACT_KEY_REVOKE) {
		const char *who = action_of(v) == ACT_KEY_REVOKE ? o->operand : o->person;
		/* the person's key in force (query_person_key, the TUI's too),
		 * read again after a lost connection as read_retry does */
		st = query_person_key(d, who, &q.subject, &err);
		if (st == ST_CONN && retry > 0) {
			fprintf(stderr, "custos: the connection to the database was lost; "
				"reconnecting (for up to %u s)...\n", retry);
			errbuf e2 = {0};
			err.msg[0] = '\0';
			st = db_reconnect(d, retry, &e2) != ST_OK
				     ? give_up(ST_CONN, false, retry, &e2, &err)
				     : query_person_key(d, who, &q.subject, &err);
		}
		if (st != ST_OK) {
			rc = fail(v->words, st, &err);
			goto out;
		}
	}
	if (action_of(v) == ACT_POLICY_SET) {
		/* the exact entry, judged as the submission will be, before it is
		 * signed; the submission signs only that entry (q.expect) */
		ledger_signers who;
		if ((st = ledger_preview(d, &q, &shown, &q.expectlen, &who, &err)) != ST_OK) {
			rc = st == ST_USAGE ? (fail(v->words, st, &err), CLI_USAGE)
					    : fail(v->words, st, &err);
			goto out;
		}
		q.expect = shown;
		FILE *to = o->json ? stderr : stdout;
		fprintf(to, "the entry to be signed by %s and %s:\n", who.actor, who.second_name);
		fwrite(shown, 1, q.expectlen, to); /* our own canonical text, values judged */
		fflush(to);
	}
	ledger_result res;
	if ((st = submit(d, &q, &res, retry, &err)) != ST_OK) {
		if (st == ST_UNKNOWN || st == ST_UNREPLICATED)
			rc = outcome_unknown(v, o, &q, st, &err);
		else
			rc = st == ST_USAGE ? (fail(v->words, st, &err), CLI_USAGE)
					    : fail(v->words, st, &err);
		goto out;
	}
	if (o->password_fd >= 0 && (st = set_password(d, q.subject.name, o->password_fd, &err)) != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	print_result(v, o, &res);
	rc = CLI_OK;
	/* A checkpoint if one is due (checkpoint.h); the entry stands either way. */
	checkpoint_made cm;
	if ((st = checkpoint_after_submit(d, log_key, &cm, &err)) != ST_OK) {
		fputs("custos: warning: the entry is made, but the checkpoint due was not: ", stderr);
		safe_fputs(err_text(&err, st), stderr);
		fputs(" (custos alarms shows it until one is made)\n", stderr);
	} else if (cm.size > 0 && cm.stored && !o->json) {
		printf("checkpoint of %llu entries signed and stored\n", (unsigned long long)cm.size);
	}
out:
	db_close(d);
	key_secret_free(actor);
	key_secret_free(second);
	key_secret_free(log_key);
	free(q.items);
	free(item_data);
	free(text_data);
	free(shown);
	return rc;
}

/* ---- inventory sessions (invsession.h) ------------------------------------------ */

#define SCAN_FILE_MAX (4u << 20)

/* The open inventory session of account, into *id and *k; or the failure
 * that there is none. */
static int session_of(const verb *v, db *d, const char *account, int64_t *id, invsession_kind *k)
{
	errbuf err = {0};
	status st = invsession_find(d, account, id, k, &err);
	if (st != ST_OK)
		return fail(v->words, st, &err);
	if (*id == 0) {
		fprintf(stderr, "custos %s: account %s has no open inventory session; "
			"open one with 'custos inventory open'\n", v->words, account);
		return CLI_FAIL;
	}
	return -1;
}

/* The scans of --file (one a line, as the scanner typed it; blank lines
 * and a CR before the LF ignored) and --serial, every one checked before
 * any is sent: a file with a line that is no serial records nothing. */
static int gather_scans(const verb *v, const opts *o, char **data, const char ***scans,
			size_t *n)
{
	*scans = NULL;
	*n = 0;
	size_t cap = o->nitems, len = 0;
	errbuf err = {0};
	if (o->file != NULL) {
		status st = rfile_read(o->file, SCAN_FILE_MAX, false, data, &len, &err);
		if (st != ST_OK)
			return fail(v->words, st, &err);
		for (size_t i = 0; i < len; i++)
			cap += (*data)[i] == '\n';
		cap++;
	}
	if (cap == 0)
		return cli_usage_error(v, "give the scans: --serial S, or --file FILE", NULL);
	if ((*scans = calloc(cap, sizeof **scans)) == NULL)
		return fail(v->words, err_set(&err, ST_NOMEM, "out of memory"), &err);
	for (size_t k = 0; k < o->nitems; k++)
		(*scans)[(*n)++] = o->items[k];
	char *p = *data, *end = *data + len;
	for (size_t line = 1; p != NULL && p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl != NULL ? nl : end;
		if (stop > p && stop[-1] == '\r')
			stop--;
		size_t l = (size_t)(stop - p);
		if (memchr(p, '\0', l) != NULL || (l > 0 && !entry_serial_valid(p, l))) {
			fprintf(stderr, "custos %s: %s line %zu is no serial (1 to %d letters, digits, "
				"'.', '/' or '-'); no scan was recorded\n",
				v->words, o->file, line, ENTRY_SERIAL_MAX);
			return CLI_USAGE;
		}
		*stop = '\0';
		if (l > 0)
			(*scans)[(*n)++] = p;
		p = nl != NULL ? nl + 1 : NULL;
	}
	for (size_t k = 0; k < o->nitems; k++)
		if (!entry_serial_valid(o->items[k], strlen(o->items[k])))
			return cli_usage_error(v, "a scan is a serial (1 to 32 letters, digits, '.', "
					       "'/' or '-'); no scan was recorded; not",
					       o->items[k]);
	return -1;
}

static void print_scan(const opts *o, const char *scan, const invscan_result *r, bool first)
{
	if (o->json) {
		fputs(first ? "[" : ",", stdout);
		printf("{\"scan\":");
		json_str(stdout, scan);
		printf(",\"answer\":");
		json_str(stdout, invscan_answer_words(r->answer));
		printf(",\"item\":");
		if (r->item[0])
			json_str(stdout, r->item);
		else
			fputs("null", stdout);
		printf(",\"sighted\":%llu,\"expected\":%llu}", (unsigned long long)r->sighted,
		       (unsigned long long)r->expected);
		return;
	}
	safe_fputs(scan, stdout); /* checked: a serial */
	printf(": %s%s%s (%llu of %llu sighted)\n", invscan_answer_words(r->answer),
	       r->item[0] ? ", " : "", r->item, (unsigned long long)r->sighted,
	       (unsigned long long)r->expected);
}

static void json_line(const invrecon_line *l, bool found)
{
	if (found) {
		printf("{\"scan\":");
		json_str(stdout, l->serial);
		printf(",\"state\":");
		if (l->state[0])
			json_str(stdout, l->state);
		else
			fputs("null", stdout);
		putchar('}');
		return;
	}
	printf("{\"title\":");
	json_str(stdout, l->title);
	printf(",\"edition\":");
	json_str(stdout, l->edition);
	printf(",\"serial\":");
	json_str(stdout, l->serial);
	printf(",\"qty\":%u,\"counted\":%u}", (unsigned)l->qty, (unsigned)l->counted);
}

static void json_list(const char *name, const invrecon_line *l, size_t n, bool found)
{
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		json_line(&l[i], found);
	}
	putchar(']');
}

/* The line's item as an --item spec: identity and, for a part, qty. */
static void item_spec(const invrecon_line *l, uint32_t qty, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s%s%s%s", l->serial[0] ? "serial=" : "", l->serial,
			 l->edition[0] ? " edition=" : "", l->edition);
	if (qty > 0 && n >= 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, "%sqty=%u", n > 0 ? " " : "", (unsigned)qty);
	if (n >= 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, "%stitle=%s", n > 0 ? " " : "", l->title);
}

/* The item of reconciliation line l in words (rules_item_words). */
static const char *line_words(const invrecon_line *l, char w[INVS_WORDS_MAX])
{
	entry_item it = {.qty = l->qty};
	memcpy(it.title, l->title, sizeof it.title);
	memcpy(it.edition, l->edition, sizeof it.edition);
	memcpy(it.serial, l->serial, sizeof it.serial);
	return rules_item_words(&it, w, INVS_WORDS_MAX);
}

/* The reconciliation in words, with the drafted reports: each a command
 * the custodian confirms by running it (titles, editions and serials hold
 * no quote: entry_item_check). */
static void print_reconcile(const invrecon *r, int64_t id)
{
	char when[ENTRY_TIME_LEN + 1], w[INVS_WORDS_MAX], spec[160];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	entry_time_format((int64_t)now.tv_sec * 1000000, when);
	when[16] = 'Z'; /* YYYY-MM-DDTHH:MMZ */
	when[17] = '\0';
	printf("inventory session %lld of account %s (%s): %llu expected, %zu sighted, %zu not "
	       "sighted, %zu counted at another quantity; %zu found, not on record\n",
	       (long long)id, r->account, invsession_kind_name(r->kind),
	       (unsigned long long)r->expected, r->nsighted, r->nnot_sighted, r->nqty_diff, r->nfound);
	if (r->nnot_sighted > 0)
		puts("\nnot sighted (each a drafted incident report: confirm it by running it):");
	for (size_t i = 0; i < r->nnot_sighted; i++) {
		const invrecon_line *l = &r->not_sighted[i];
		item_spec(l, 0, spec, sizeof spec);
		printf("  %s (%s)\n    custos incident report --account %s --category physical "
		       "--discovered %s --item '%s' --text 'not sighted at inventory session %lld'\n",
		       line_words(l, w), l->state, r->account, when, spec,
		       (long long)id);
	}
	if (r->nqty_diff > 0)
		puts("\ncounted at another quantity (short: a drafted incident report of the part "
		     "missing; long: count again, or bring the rest on by a possession report):");
	for (size_t i = 0; i < r->nqty_diff; i++) {
		const invrecon_line *l = &r->qty_diff[i];
		printf("  %s: recorded %u, counted %u\n", line_words(l, w),
		       (unsigned)l->qty, (unsigned)l->counted);
		if (l->counted < l->qty) {
			item_spec(l, l->qty - l->counted, spec, sizeof spec);
			printf("    custos incident report --account %s --category physical "
			       "--discovered %s --item '%s' --text 'counted %u of %u at inventory "
			       "session %lld'\n",
			       r->account, when, spec, (unsigned)l->counted, (unsigned)l->qty,
			       (long long)id);
		}
	}
	if (r->nfound > 0)
		puts("\nfound, not on record (each a drafted possession report: complete the item's "
		     "facts and run it):");
	for (size_t i = 0; i < r->nfound; i++) {
		const invrecon_line *l = &r->found[i];
		printf("  %s (%s)\n    custos possession --account %s --item 'kind=K alc=A class=C "
		       "serial=%s title=T'\n",
		       l->serial, l->state[0] ? l->state : "not on this account or unknown",
		       r->account, l->serial);
	}
	if (r->closable)
		printf("\nevery expected item is sighted: close with 'custos inventory close "
		       "--account %s --witness-key FILE'%s\n",
		       r->account, r->kind == INVS_CUSTODIAN_CHANGE ? " --incoming NAME" : "");
	else
		puts("\nnot closable yet: report or sight what is not sighted, and settle the "
		     "quantities");
}

static int run_session(const verb *v, opts *o)
{
	errbuf err = {0};
	db *d = NULL;
	char *data = NULL;
	const char **scans = NULL;
	size_t nscans = 0;
	int rc = -1;
	char account[ENTRY_ACCOUNT_LEN + 1];
	bool scan = strcmp(v->words, "inventory scan") == 0;
	bool count = strcmp(v->words, "inventory count") == 0;
	uint32_t qty = 0;
	if (scan && (rc = gather_scans(v, o, &data, &scans, &nscans)) >= 0)
		goto out;
	if (count) {
		char *end = NULL;
		unsigned long n = o->qty != NULL ? strtoul(o->qty, &end, 10) : 0;
		if (o->qty == NULL || *o->qty < '1' || *o->qty > '9' || *end || n > ENTRY_QTY_MAX) {
			rc = cli_usage_error(v, "--qty is the quantity counted, 1 to 1000000, not",
					     o->qty ? o->qty : "(none)");
			goto out;
		}
		qty = (uint32_t)n;
		if (o->nitems > 1 || (o->nitems == 0 && o->title == NULL)) {
			rc = cli_usage_error(v, "name the lot: --serial S (and --title T if several "
					     "items share the serial)", NULL);
			goto out;
		}
	}
	status st = db_open(o->db, &d, &err);
	if (st != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	access_login(d, v->words);
	if ((rc = pick_account(v, d, o, account)) >= 0)
		goto out;
	int64_t id = 0;
	invsession_kind kind = INVS_PERIODIC;
	if (strcmp(v->words, "inventory open") == 0) {
		kind = o->custodian_change ? INVS_CUSTODIAN_CHANGE : INVS_PERIODIC;
		if ((st = invsession_open(d, account, kind, &id, &err)) != ST_OK) {
			rc = fail(v->words, st, &err);
			goto out;
		}
	} else if ((rc = session_of(v, d, account, &id, &kind)) >= 0) {
		goto out;
	}
	rc = CLI_OK;
	if (scan) {
		size_t done = 0;
		for (; done < nscans; done++) {
			invscan_result r;
			if ((st = invsession_scan(d, id, scans[done], &r, &err)) != ST_OK)
				break;
			print_scan(o, scans[done], &r, done == 0);
		}
		if (o->json && done > 0)
			puts("]");
		if (st != ST_OK) {
			rc = fail(v->words, st, &err);
			fprintf(stderr, "custos %s: %zu of %zu scans recorded; scanning them again is "
				"safe (a sighted item is answered 'already sighted')\n",
				v->words, done, nscans);
		}
		goto out;
	}
	if (strcmp(v->words, "inventory abandon") == 0) {
		if ((st = invsession_abandon(d, id, &err)) != ST_OK)
			rc = fail(v->words, st, &err);
		else
			printf("inventory session %lld of account %s abandoned: it certifies nothing\n",
			       (long long)id, account);
		goto out;
	}
	invrecon rec;
	if ((st = invsession_reconcile(d, id, &rec, &err)) != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	if (count) {
		/* the expected lot: --serial (or none), --title when given */
		const char *serial = o->nitems == 1 ? o->items[0] : "";
		const invrecon_line *hit = NULL;
		size_t hits = 0;
		const invrecon_line *lists[] = {rec.sighted, rec.not_sighted, rec.qty_diff};
		size_t ns[] = {rec.nsighted, rec.nnot_sighted, rec.nqty_diff};
		for (size_t k = 0; k < 3; k++)
			for (size_t i = 0; i < ns[k]; i++)
				if (strcmp(lists[k][i].serial, serial) == 0 &&
				    (o->title == NULL || strcmp(lists[k][i].title, o->title) == 0)) {
					hit = &lists[k][i];
					hits++;
				}
		if (hits != 1) {
			fprintf(stderr, "custos %s: %s\n", v->words,
				hits == 0 ? "no item the session expects has that serial and title"
					  : "several expected items have that serial: give --title");
			rc = CLI_FAIL;
		} else {
			invscan_result r;
			if ((st = invsession_sight(d, id, hit->title, hit->edition, hit->serial, qty,
						   &r, &err)) != ST_OK)
				rc = fail(v->words, st, &err);
			else
				printf("%s: counted %u, recorded %u (%llu of %llu sighted)\n", r.item,
				       (unsigned)qty, (unsigned)hit->qty, (unsigned long long)r.sighted,
				       (unsigned long long)r.expected);
		}
	} else if (strcmp(v->words, "inventory open") == 0) {
		printf("inventory session %lld opened on account %s (%s): %llu items expected\n",
		       (long long)id, account, invsession_kind_name(kind),
		       (unsigned long long)rec.expected);
	} else if (o->json) {
		char hex[2 * SHA256_LEN + 1];
		for (size_t i = 0; i < SHA256_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", rec.digest[i]);
		printf("{\"session\":%lld,\"account\":\"%s\",\"kind\":\"%s\",\"expected\":%llu,"
		       "\"closable\":%s,\"list_sha256\":\"%s\"",
		       (long long)id, account, invsession_kind_name(kind),
		       (unsigned long long)rec.expected, rec.closable ? "true" : "false", hex);
		json_list("sighted", rec.sighted, rec.nsighted, false);
		json_list("not_sighted", rec.not_sighted, rec.nnot_sighted, false);
		json_list("qty_diff", rec.qty_diff, rec.nqty_diff, false);
		json_list("found", rec.found, rec.nfound, true);
		puts("}");
	} else {
		print_reconcile(&rec, id);
	}
	invrecon_free(&rec);
out:
	db_close(d);
	free(scans);
	free(data);
	return rc;
}

/* ---- db init / migrate / status / check ---------------------------------------- */

/* custos db check: the findings, one a line, and a closing count. */
static int run_db_check(db *d, const opts *o)
{
	errbuf err = {0};
	dbcheck_report r;
	status st = dbcheck_run(d, &r, &err);
	if (st != ST_OK) {
		dbcheck_report_free(&r);
		return fail("db check", st, &err);
	}
	if (o->json) {
		dbcheck_json(&r, stdout);
	} else {
		for (size_t i = 0; i < r.n; i++) {
			char line[4 * DBCHECK_NAME_MAX + 200];
			dbcheck_text(&r.v[i], line, sizeof line);
			safe_fputs(line, stdout);
			fputc('\n', stdout);
		}
		if (r.n > 0)
			printf("db check: %zu problem%s\n", r.n, r.n == 1 ? "" : "s");
		else
			printf("db check: ok (%zu functions, %zu tables checked)\n", r.functions,
			       r.tables);
	}
	int rc = r.n > 0 ? CLI_FAIL : CLI_OK;
	dbcheck_report_free(&r);
	return rc;
}

static int run_db(const verb *v, opts *o)
{
	errbuf err = {0};
	db *d = NULL;
	key_secret *admin = NULL;
	int rc = CLI_FAIL;
	status st;
	if (action_of(v) == ACT_GENESIS) {
		if (o->origin == NULL || o->admin == NULL || o->admin_key == NULL)
			return cli_usage_error(v, "give --origin, --admin and --admin-key", NULL);
		if ((st = load_key(o->admin_key, o->pass_fd, "the administrator's", &admin, &err)) != ST_OK)
			return fail(v->words, st, &err);
		if (strcmp(key_secret_public(admin)->name, o->admin) != 0) {
			rc = cli_usage_error(v, "--admin must be the name of the key in --admin-key, "
					     "which is", key_secret_public(admin)->name);
			goto out;
		}
	}
	if ((st = db_open(o->db, &d, &err)) != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	if (strcmp(v->words, "db check") == 0) {
		rc = run_db_check(d, o);
		goto out;
	}
	if (strcmp(v->words, "db status") == 0) {
		migration_state states[64];
		if (nmigrations > 64 || (st = migrate_status(d, states, &err)) != ST_OK) {
			rc = fail(v->words, st, &err);
			goto out;
		}
		size_t pending = 0;
		/* Which server this is and how we reached it: after a failover,
		 * and to see TLS at work (docs/deploy.md). */
		char tls[512];
		db_tls_describe(d, tls, sizeof tls);
		PGresult *r = NULL;
		bool standby = db_exec(d, "SELECT pg_catalog.pg_is_in_recovery()", 0, NULL, &r,
				       &err) == ST_OK && strcmp(db_val(r, 0, 0), "t") == 0;
		PQclear(r);
		if (o->json) {
			fputs("{\"server\":", stdout);
			json_str(stdout, db_server(d));
			printf(",\"standby\":%s,\"tls\":", standby ? "true" : "false");
			json_str(stdout, tls);
			fputs(",\"migrations\":[", stdout);
		} else {
			fputs("server ", stdout);
			safe_fputs(db_server(d), stdout);
			printf(" (%s), TLS %s\n", standby ? "hot standby, read only" : "primary", tls);
		}
		for (size_t i = 0; i < nmigrations; i++) {
			pending += !states[i].applied;
			if (o->json) {
				printf("%s{\"version\":%d,\"name\":", i ? "," : "", states[i].m->version);
				json_str(stdout, states[i].m->name);
				printf(",\"applied\":%s", states[i].applied ? "true" : "false");
				if (states[i].applied) {
					fputs(",\"applied_at\":", stdout);
					json_str(stdout, states[i].applied_at);
				}
				fputc('}', stdout);
			} else {
				printf("%-24s %s%s\n", states[i].m->name,
				       states[i].applied ? "applied " : "pending",
				       states[i].applied_at);
			}
		}
		if (o->json)
			printf("],\"pending\":%zu}\n", pending);
		else
			printf("%zu applied, %zu pending\n", nmigrations - pending, pending);
		rc = CLI_OK;
		goto out;
	}
	size_t applied = 0;
	if ((st = migrate_apply(d, &applied, &err)) != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	if (action_of(v) != ACT_GENESIS) {
		if (o->json)
			printf("{\"applied\":%zu}\n", applied);
		else
			printf("%zu migration%s applied; the schema is current\n", applied,
			       applied == 1 ? "" : "s");
		rc = CLI_OK;
		goto out;
	}
	char idem[LEDGER_IDEM_MAX + 1];
	ledger_new_idem(idem);
	ledger_result res;
	st = ledger_genesis(d, o->origin, admin, o->admin_login ? o->admin_login : "", idem, &res,
			    &err);
	if (st != ST_OK) {
		rc = fail(v->words, st, &err);
		goto out;
	}
	print_result(v, o, &res);
	rc = CLI_OK;
out:
	db_close(d);
	key_secret_free(admin);
	return rc;
}



int cli_ledger(const cli_verb *v, int argc, char **argv)
{
	opts o;
	int rc = parse(v, argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (strncmp(v->words, "db ", 3) == 0)
		return run_db(v, &o);
	if (strncmp(v->words, "inventory ", 10) == 0 && strcmp(v->words, "inventory close") != 0)
		return run_session(v, &o);
	return run_action(v, &o);
}
