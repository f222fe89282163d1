/* custos log verify | export | key | checkpoint | checkpoints | cosign |
 * policy | proof: the log and its oversight (docs/oversight.md). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../keys/key.h"
#include "audit.h"
#include "checkpoint.h"
#include "access.h"
#include "cli.h"
#include "db.h"
#include "export.h"
#include "json.h"
#include "logverify.h"
#include "policy.h"
#include "safeprint.h"
#include "tlog.h"
#include "rfile.h"

#define MAX_WITNESSES 64

typedef struct opts {
	const cli_verb *v; /* the verb being run */
	const char *db, *out, *log_key, *policy, *since, *quorum, *account, *sample;
	const char *operand;
	const char *witness[MAX_WITNESSES];
	size_t nwitness;
	int pass_fd;
	bool json, entry;
} opts;

static int usage(const opts *o, const char *what, const char *arg)
{
	return cli_usage_error(o->v, what, arg);
}

static int fail(const char *verb, status st, const errbuf *err)
{
	/* `custos audit` is the one verb of this file outside "log" */
	fprintf(stderr, "custos %s%s: ", strcmp(verb, "audit") == 0 ? "" : "log ", verb);
	safe_fputs(err_text(err, st), stderr);
	fputc('\n', stderr);
	return st == ST_USAGE ? CLI_USAGE : CLI_FAIL;
}

/* Parse argv for verb v: the options its row in cli.c names, and one
 * operand if it takes one.  Returns -1 to go on, else an exit status. */
static int parse(const cli_verb *v, int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->v = v;
	o->pass_fd = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **str = NULL;
		if (cli_is_help(a))
			return cli_help(v);
		if (a[0] != '-' || a[1] == '\0') {
			if (v->operand == NULL || o->operand != NULL)
				return usage(o, "unexpected argument", a);
			o->operand = a;
			continue;
		}
		if (!cli_takes(v, a))
			return usage(o, "unknown option", a);
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "--entry") == 0) {
			o->entry = true;
			continue;
		}
		if (i + 1 == argc)
			return usage(o, "missing value for option", a);
		const char *val = argv[++i];
		if (strcmp(a, "--witness") == 0) {
			if (o->nwitness == MAX_WITNESSES)
				return usage(o, "too many witnesses", NULL);
			o->witness[o->nwitness++] = val;
			continue;
		}
		if (strcmp(a, "--log-passphrase-fd") == 0) {
			char *end;
			errno = 0;
			long fd = strtol(val, &end, 10);
			if (*val < '0' || *val > '9' || errno || *end || fd > INT_MAX)
				return usage(o, "a file descriptor must be a number, not", val);
			if (fcntl((int)fd, F_GETFD) < 0)
				return usage(o, "file descriptor not open:", val);
			o->pass_fd = (int)fd;
			continue;
		}
		if (strcmp(a, "--db") == 0)
			str = &o->db;
		else if (strcmp(a, "--out") == 0)
			str = &o->out;
		else if (strcmp(a, "--log-key") == 0)
			str = &o->log_key;
		else if (strcmp(a, "--policy") == 0)
			str = &o->policy;
		else if (strcmp(a, "--since") == 0)
			str = &o->since;
		else if (strcmp(a, "--quorum") == 0)
			str = &o->quorum;
		else if (strcmp(a, "--account") == 0)
			str = &o->account;
		else if (strcmp(a, "--sample") == 0)
			str = &o->sample;
		else
			return usage(o, "unknown option", a); /* named in cli.c, not here */
		if (*str != NULL)
			return usage(o, "option given twice", a);
		*str = val;
	}
	if (v->operand != NULL && o->operand == NULL && v->id != CLI_LOG_EXPORT)
		return usage(o, "missing operand", v->operand);
	return -1;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 19 || (s[0] == '0' && s[1] != '\0'))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* ---- verify and the old export -------------------------------------------- */

typedef struct dctx {
	bool json;
	uint64_t n;
} dctx;

static void on_diff(void *ctx, const char *line)
{
	dctx *c = ctx;
	if (c->json) {
		fputs(c->n ? "," : "", stdout);
		json_str(stdout, line);
	} else {
		fputs("  ", stdout);
		safe_fputs(line, stdout);
		fputc('\n', stdout);
	}
	c->n++;
}

static int run_verify(db *d, const opts *o)
{
	errbuf err = {0};
	logverify_report rep;
	dctx c = {o->json, 0};
	if (o->json)
		fputs("{\"differences\":[", stdout);
	status st = logverify_run(d, &rep, on_diff, &c, &err);
	if (st != ST_OK) {
		if (o->json)
			fputs("]}\n", stdout);
		return fail("verify", st, &err);
	}
	if (o->json) {
		printf("],\"valid\":%s,\"entries\":%llu,\"log_valid\":%s,\"unlisted\":%llu",
		       rep.valid ? "true" : "false", (unsigned long long)rep.entries,
		       rep.log_ok ? "true" : "false", (unsigned long long)rep.unlisted);
		if (!rep.log_ok) {
			printf(",\"failed_index\":%llu,\"reason\":", (unsigned long long)rep.failed_index);
			json_str(stdout, rep.reason);
		}
		puts("}");
	} else if (!rep.log_ok) {
		printf("INVALID: the log fails at entry %llu: ", (unsigned long long)rep.failed_index);
		safe_fputs(rep.reason, stdout);
		fputc('\n', stdout);
	} else if (rep.differences) {
		printf("INVALID: the log's %llu entries verify, but %llu state row%s differ%s "
		       "from its replay (listed above): changes made without a log entry\n",
		       (unsigned long long)rep.entries, (unsigned long long)rep.differences,
		       rep.differences == 1 ? "" : "s", rep.differences == 1 ? "s" : "");
	} else {
		printf("valid: %llu entries; chain, signatures, roles and custody rules "
		       "verified; the state tables match the replay\n",
		       (unsigned long long)rep.entries);
	}
	if (!o->json && rep.log_ok && rep.unlisted)
		printf("note: %llu certification%s of items keep%s no certified list (the first: log "
		       "entry %llu): signed before custos kept certified lists, or the list was "
		       "removed; no inventory report prints %s\n",
		       (unsigned long long)rep.unlisted, rep.unlisted == 1 ? "" : "s",
		       rep.unlisted == 1 ? "s" : "", (unsigned long long)rep.first_unlisted,
		       rep.unlisted == 1 ? "it" : "them");
	return rep.valid ? CLI_OK : CLI_FAIL;
}

/* `custos audit`: the findings of src/audit.c on the entries in the
 * database, printed as custos-verify --audit prints them from a bundle. */
static int run_audit(db *d, const opts *o, uint64_t sample)
{
	errbuf err = {0};
	audit *au = audit_new();
	if (au == NULL) {
		status nomem = err_set(&err, ST_NOMEM, "out of memory");
		return fail("audit", nomem, &err);
	}
	if (o->account != NULL)
		audit_only_account(au, o->account);
	uint8_t root[32];
	uint64_t size = 0;
	status st = logverify_audit(d, au, root, &size, &err);
	if (st == ST_OK)
		st = audit_finish(au, &err);
	audit_pick *picks = NULL;
	size_t npicks = 0;
	if (st == ST_OK && o->sample != NULL)
		st = audit_sample(audit_state(au), root, (size_t)sample, &picks, &npicks, &err);
	int rc = CLI_OK;
	if (st != ST_OK)
		rc = fail("audit", st, &err);
	else
		audit_print(stdout, au, picks, npicks, o->sample != NULL, o->json);
	free(picks);
	audit_free(au);
	return rc;
}

/* The log file FILE and FILE.keys, created new (never overwritten). */
static int run_export_file(db *d, const opts *o)
{
	errbuf err = {0};
	const char *file = o->operand;
	size_t fl = strlen(file);
	char *keys = malloc(fl + 6);
	if (keys == NULL)
		return CLI_FAIL;
	memcpy(keys, file, fl);
	memcpy(keys + fl, ".keys", 6);
	int rc = CLI_FAIL;
	int fd1 = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	int fd2 = fd1 < 0 ? -1 : open(keys, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	FILE *f1 = fd1 >= 0 ? fdopen(fd1, "wb") : NULL, *f2 = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
	if (f1 == NULL || f2 == NULL) {
		fprintf(stderr, "custos log export: cannot create %s: %s\n", fd1 < 0 ? file : keys,
			strerror(errno));
		if (fd1 >= 0)
			unlink(file);
		if (f1) fclose(f1); else if (fd1 >= 0) close(fd1);
		if (f2) fclose(f2); else if (fd2 >= 0) close(fd2);
		free(keys);
		return CLI_FAIL;
	}
	uint64_t n = 0;
	status st = logverify_export(d, f1, f2, &n, &err);
	bool closed = fclose(f1) == 0;
	closed = fclose(f2) == 0 && closed;
	if (st != ST_OK || !closed) {
		fputs("custos log export: ", stderr);
		safe_fputs(closed ? err_text(&err, st) : "write failed", stderr);
		fputc('\n', stderr);
		unlink(file);
		unlink(keys);
	} else {
		if (o->json) {
			printf("{\"entries\":%llu,\"log\":", (unsigned long long)n);
			json_str(stdout, file);
			fputs(",\"keys\":", stdout);
			json_str(stdout, keys);
			puts("}");
		} else {
			printf("wrote %llu entries to %s and the keys to %s; check them with:\n"
			       "  custos-verify --keys %s %s\n", (unsigned long long)n, file, keys, keys,
			       file);
		}
		rc = CLI_OK;
	}
	free(keys);
	return rc;
}

/* ---- checkpoints ------------------------------------------------------------- */

static void print_made(const opts *o, const checkpoint_made *m)
{
	if (o->json)
		printf("{\"size\":%" PRIu64 ",\"root\":\"%s\",\"new\":%s}\n", m->size, m->root_b64,
		       m->stored ? "true" : "false");
	else if (m->stored)
		printf("checkpoint of %" PRIu64 " entries, root %s, signed and stored\n", m->size,
		       m->root_b64);
	else
		printf("the checkpoint of %" PRIu64 " entries (root %s) was stored already\n",
		       m->size, m->root_b64);
}

/* Make a checkpoint with the log key of --log-key or $CUSTOS_LOG_KEY.  With
 * `needed` false, no key at hand is not an error (*made stays empty). */
static int make_checkpoint(db *d, const opts *o, const char *verb, bool needed,
			   checkpoint_made *made)
{
	errbuf err = {0};
	key_secret *k = NULL;
	memset(made, 0, sizeof *made);
	status st = checkpoint_key_load(o->log_key, o->pass_fd, &k, &err);
	if (st != ST_OK)
		return fail(verb, st, &err);
	if (k == NULL) {
		if (!needed)
			return -1;
		return usage(o, "no log key: give --log-key FILE or set CUSTOS_LOG_KEY", NULL);
	}
	st = checkpoint_make(d, k, made, &err);
	key_secret_free(k);
	if (st != ST_OK)
		return fail(verb, st, &err);
	return -1;
}

static void list_row(void *ctx, const checkpoint_row *row)
{
	bool *json_first = ctx;
	if (json_first[0]) {
		printf("%s{\"size\":%" PRIu64 ",\"root\":\"%s\",\"made_at\":\"%s\",\"made_by\":",
		       json_first[1] ? "" : ",", row->size, row->root_b64, row->made_at);
		json_str(stdout, row->made_by);
		printf(",\"cosignatures\":%zu,\"witnesses\":", row->cosignatures);
		json_str(stdout, row->witnesses);
		fputc('}', stdout);
		json_first[1] = false;
		return;
	}
	printf("%10" PRIu64 "  %s  %s  ", row->size, row->root_b64, row->made_at);
	safe_fputs_max(row->made_by, 32, stdout);
	printf("  %zu", row->cosignatures);
	if (row->witnesses[0]) {
		fputs(" (", stdout);
		safe_fputs_max(row->witnesses, 200, stdout);
		fputc(')', stdout);
	}
	fputc('\n', stdout);
}

static int run_checkpoints(db *d, const opts *o)
{
	errbuf err = {0};
	bool ctx[2] = {o->json, true};
	if (o->json)
		fputs("{\"checkpoints\":[", stdout);
	else
		printf("%10s  %-44s  %-27s  %s  %s\n", "size", "root", "made at", "by",
		       "cosignatures");
	status st = checkpoint_list(d, 0, 0, list_row, ctx, &err);
	if (o->json)
		puts("]}");
	return st == ST_OK ? CLI_OK : fail("checkpoints", st, &err);
}

static bool print_witness(void *ctx, const char *vkey, const char *by, const char *at)
{
	(void)ctx;
	safe_fputs(vkey, stdout);
	fputs("  registered by ", stdout);
	safe_fputs(by, stdout);
	printf(" at %s\n", at);
	return true;
}

static int run_cosign(db *d, const opts *o)
{
	errbuf err = {0};
	size_t len = 0;
	char *text = NULL;
	status rs = rfile_read(o->operand, 65536, true, &text, &len, &err);
	if (rs != ST_OK)
		return fail("cosign", rs, &err);
	uint64_t size = 0;
	size_t added = 0;
	status st = checkpoint_cosign(d, text, len, o->policy, &size, &added, &err);
	free(text);
	if (st != ST_OK)
		return fail("cosign", st, &err);
	if (o->json)
		printf("{\"size\":%" PRIu64 ",\"added\":%zu}\n", size, added);
	else
		printf("checkpoint of %" PRIu64 " entries: %zu new cosignature%s stored\n", size, added,
		       added == 1 ? "" : "s");
	return CLI_OK;
}

/* A trust policy for verifiers: the registered log key, the witnesses given
 * and the quorum (default: all of them; none without witnesses). */
static int run_policy(db *d, const opts *o)
{
	errbuf err = {0};
	key_public logkey;
	status st = checkpoint_key_get(d, &logkey, &err);
	if (st != ST_OK)
		return fail("policy", st, &err);
	key_public w[MAX_WITNESSES];
	for (size_t i = 0; i < o->nwitness; i++) {
		st = tlog_cosig_vkey_parse(o->witness[i], strlen(o->witness[i]), &w[i], &err);
		if (st != ST_OK) {
			fputs("custos log policy: --witness ", stderr);
			safe_fputs_max(o->witness[i], 80, stderr);
			fputs(": ", stderr);
			safe_fputs(err_text(&err, st), stderr);
			fputc('\n', stderr);
			return CLI_USAGE;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(w[i].name, w[j].name) == 0)
				return usage(o, "a witness is given twice:", w[i].name);
	}
	uint64_t q = o->nwitness;
	if (o->quorum != NULL && (!parse_u64(o->quorum, &q) || q > o->nwitness || q == 0))
		return usage(o, "--quorum must be 1 to the number of witnesses, not", o->quorum);
	char v[KEY_VKEY_MAX + 1];
	key_vkey_format(&logkey, v);
	printf("# custos trust policy (c2sp.org/tlog-policy) for the log %s\n", logkey.name);
	printf("log %s\n", v);
	for (size_t i = 0; i < o->nwitness; i++) {
		tlog_cosig_vkey_format(&w[i], v);
		printf("witness %s %s\n", w[i].name, v);
	}
	if (o->nwitness == 0) {
		puts("quorum none");
		return CLI_OK;
	}
	printf("group witnesses %" PRIu64, q);
	for (size_t i = 0; i < o->nwitness; i++)
		printf(" %s", w[i].name);
	puts("\nquorum witnesses");
	return CLI_OK;
}

static int run_proof(db *d, const opts *o)
{
	errbuf err = {0};
	size_t ol = strlen(o->out);
	char *entry_path = NULL;
	if (o->entry) {
		if ((entry_path = malloc(ol + 7)) == NULL)
			return CLI_FAIL;
		memcpy(entry_path, o->out, ol);
		memcpy(entry_path + ol, ".entry", 7);
	}
	export_proof_info info;
	status st = export_proof(d, o->operand, o->out, entry_path, &info, &err);
	if (st != ST_OK) {
		free(entry_path);
		return fail("proof", st, &err);
	}
	if (o->json) {
		printf("{\"index\":%" PRIu64 ",\"checkpoint_size\":%" PRIu64 ",\"hashes\":%zu,"
		       "\"cosignatures\":%zu,\"proof\":", info.index, info.size, info.hashes,
		       info.cosignatures);
		json_str(stdout, o->out);
		if (entry_path) {
			fputs(",\"entry\":", stdout);
			json_str(stdout, entry_path);
		}
		puts("}");
	} else {
		printf("entry %" PRIu64 ": inclusion proof (%zu hashes) in the checkpoint of %" PRIu64
		       " entries with %zu cosignature%s, written to ", info.index, info.hashes,
		       info.size, info.cosignatures, info.cosignatures == 1 ? "" : "s");
		safe_fputs(o->out, stdout);
		if (entry_path) {
			fputs(" and the entry to ", stdout);
			safe_fputs(entry_path, stdout);
		}
		fputc('\n', stdout);
	}
	free(entry_path);
	return CLI_OK;
}

static int run_export_dir(db *d, const opts *o)
{
	errbuf err = {0};
	uint64_t since = 0;
	if (o->since != NULL && !parse_u64(o->since, &since))
		return usage(o, "--since takes a checkpoint size, not", o->since);
	/* A hot standby cannot store a checkpoint: the bundle is of the last
	 * one the primary made, and entries after it wait for the next. */
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT pg_catalog.pg_is_in_recovery(), "
			       "coalesce((SELECT max(idx) + 1 FROM log_entry), 0)", 0, NULL, &r, &err);
	if (st != ST_OK)
		return fail("export", st, &err);
	bool standby = strcmp(db_val(r, 0, 0), "t") == 0;
	uint64_t log_size = (uint64_t)db_int(r, 0, 1);
	PQclear(r);
	if (!standby && (o->log_key != NULL || getenv("CUSTOS_LOG_KEY") != NULL)) {
		checkpoint_made m;
		int rc = make_checkpoint(d, o, "export", false, &m);
		if (rc >= 0)
			return rc;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	export_stats s;
	st = export_bundle(d, o->out, since, &s, &err);
	if (st != ST_OK)
		return fail("export", st, &err);
	if (s.size < log_size) {
		fprintf(stderr, "custos log export: note: the bundle ends at the last checkpoint, "
			"%" PRIu64 " entries; the log%s has %" PRIu64 ", and the %" PRIu64
			" after the checkpoint are not in this bundle", s.size,
			standby ? " on this hot standby" : "", log_size, log_size - s.size);
		if (standby)
			fputs(" (this server is a standby: checkpoints are made on the primary; "
			      "export again after the primary makes the next)\n", stderr);
		else
			fputs(" (make a checkpoint first: --log-key, or custos log checkpoint)\n",
			      stderr);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (o->json) {
		printf("{\"size\":%" PRIu64 ",\"since\":%" PRIu64 ",\"root\":\"%s\",\"entry_bundles\":%"
		       PRIu64 ",\"earlier_checkpoints\":%" PRIu64 ",\"seconds\":%.3f,"
		       "\"log_size\":%" PRIu64 ",\"standby\":%s,\"dir\":",
		       s.size, s.since, s.root_b64, s.bundles, s.checkpoints, secs, log_size,
		       standby ? "true" : "false");
		json_str(stdout, o->out);
		puts("}");
	} else {
		printf("bundle of %" PRIu64 " entries (root %s) in ", s.size, s.root_b64);
		safe_fputs(o->out, stdout);
		printf(": %" PRIu64 " entry bundle%s%s, %" PRIu64 " earlier checkpoint%s with "
		       "consistency proofs, %.2f s\n", s.bundles, s.bundles == 1 ? "" : "s",
		       since ? " (incremental)" : "", s.checkpoints, s.checkpoints == 1 ? "" : "s",
		       secs);
	}
	return CLI_OK;
}

int cli_log(const cli_verb *v, int argc, char **argv)
{
	opts o;
	int rc = parse(v, argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* Check the options' combinations before connecting. */
	const char *verb = v->words + 4; /* after "log " */
	if (v->id == CLI_LOG_EXPORT && o.out == NULL) {
		if (o.operand == NULL)
			return usage(&o, "give --out DIR (a bundle) or FILE (a log file)", NULL);
		const char *dir_only = o.since ? "--since"
				       : o.log_key ? "--log-key"
				       : o.pass_fd >= 0 ? "--log-passphrase-fd" : NULL;
		if (dir_only != NULL) {
			char m[80];
			snprintf(m, sizeof m, "a log file (no --out DIR) does not take %s", dir_only);
			return usage(&o, m, NULL);
		}
	}
	if (v->id == CLI_LOG_EXPORT && o.out != NULL && o.operand != NULL)
		return usage(&o, "give --out DIR or FILE, not both", NULL);
	if (v->id == CLI_LOG_EXPORT && o.out != NULL && o.out[0] == '\0')
		return usage(&o, "--out needs a folder", NULL);
	if (v->id == CLI_LOG_PROOF && o.out == NULL)
		return usage(&o, "missing --out FILE", NULL);
	uint64_t sample = 0;
	if (v->id == CLI_LOG_AUDIT) {
		verb = "audit";
		size_t k = 0;
		if (o.sample != NULL && audit_sample_parse(o.sample, &k))
			sample = k;
		else if (o.sample != NULL)
			return usage(&o, "--sample needs a number of items (0 to 1000000), not",
				     o.sample);
		if (o.account != NULL &&
		    (strlen(o.account) != ENTRY_ACCOUNT_LEN ||
		     strspn(o.account, "0123456789") != ENTRY_ACCOUNT_LEN))
			return usage(&o, "--account needs a six-digit account number, not",
				     o.account);
	}
	errbuf err = {0};
	db *d = NULL;
	status st = db_open(o.db, &d, &err);
	if (st != ST_OK)
		return fail(verb, st, &err);
	access_login(d, v->words);
	checkpoint_made m;
	key_public k;
	switch (v->id) {
	case CLI_LOG_VERIFY:
		rc = run_verify(d, &o);
		break;
	case CLI_LOG_AUDIT:
		rc = run_audit(d, &o, sample);
		break;
	case CLI_LOG_EXPORT:
		rc = o.out != NULL ? run_export_dir(d, &o) : run_export_file(d, &o);
		if (rc == CLI_OK) {
			char what[4200];
			snprintf(what, sizeof what, "log export %s%s", o.out != NULL ? "--out " : "",
				 o.out != NULL ? o.out : o.operand);
			access_export(d, what);
		}
		break;
	case CLI_LOG_KEY_SET:
		st = checkpoint_key_set(d, o.operand, &err);
		if (st != ST_OK) {
			rc = fail("key set", st, &err);
			break;
		}
		printf("log key registered: ");
		safe_fputs(o.operand, stdout);
		fputc('\n', stdout);
		rc = CLI_OK;
		break;
	case CLI_LOG_WITNESS_ADD: {
		bool added = false;
		st = checkpoint_witness_add(d, o.operand, &added, &err);
		if (st != ST_OK) {
			rc = fail("witness add", st, &err);
			break;
		}
		printf(added ? "witness registered: " : "witness already registered: ");
		safe_fputs(o.operand, stdout);
		fputc('\n', stdout);
		rc = CLI_OK;
		break;
	}
	case CLI_LOG_WITNESS_LIST:
		st = checkpoint_witnesses(d, print_witness, NULL, &err);
		rc = st == ST_OK ? CLI_OK : fail("witness list", st, &err);
		break;
	case CLI_LOG_KEY_SHOW: {
		st = checkpoint_key_get(d, &k, &err);
		if (st != ST_OK) {
			rc = fail("key show", st, &err);
			break;
		}
		char vk[KEY_VKEY_MAX + 1];
		key_vkey_format(&k, vk);
		puts(vk);
		rc = CLI_OK;
		break;
	}
	case CLI_LOG_CHECKPOINT:
		rc = make_checkpoint(d, &o, "checkpoint", true, &m);
		if (rc < 0) {
			print_made(&o, &m);
			rc = CLI_OK;
		}
		break;
	case CLI_LOG_CHECKPOINTS:
		rc = run_checkpoints(d, &o);
		break;
	case CLI_LOG_COSIGN:
		rc = run_cosign(d, &o);
		break;
	case CLI_LOG_POLICY:
		rc = run_policy(d, &o);
		break;
	case CLI_LOG_PROOF:
		rc = run_proof(d, &o);
		break;
	}
	db_close(d);
	return rc;
}
