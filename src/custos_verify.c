/* custos-verify: the oversight body's offline verifier.
 *
 *   custos-verify --policy FILE [--previous CHECKPOINT] [--json] [--threads N]
 *                 [--holdings] BUNDLE_DIR
 *   custos-verify cosign --key WITNESS_KEYFILE --state STATEFILE
 *                 [--passphrase-fd N] [--policy FILE] [--proof FILE] [--out FILE]
 *                 BUNDLE_DIR|CHECKPOINT
 *   custos-verify proof --policy FILE [--json] FILE.tlog-proof [ENTRY_FILE]
 *   custos-verify witness-vkey WITNESS_KEYFILE
 *   custos-verify --keys TRUSTFILE [--json] [--threads N] LOG     (a bare log file)
 *
 * Exit 0: valid (or cosigned).  1: invalid, or the witness refuses (the
 * first failing index and why are printed).  2: usage, or an input that
 * cannot be read.  docs/custos-verify.md has the details.
 *
 * Links libsodium and libcrypto only, so an oversight body can read and
 * build it alone (`make custos-verify`). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../keys/key.h"
#include "../keys/keyfile.h"
#include "../keys/trust.h"
#include "audit.h"
#include "b64.h"
#include "bundle.h"
#include "entry.h"
#include "policy.h"
#include "tlog.h"
#include "json.h"
#include "logfile.h"
#include "rfile.h"
#include "safeprint.h"
#include "verify.h"
#include "witness.h"

enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"usage: custos-verify --policy FILE [--previous CHECKPOINT] [--json] [--threads N]\n"
	"                     [--holdings] BUNDLE_DIR\n"
	"       custos-verify cosign --key WITNESS_KEYFILE --state STATEFILE [--passphrase-fd N]\n"
	"                     [--policy FILE] [--proof FILE] [--out FILE] BUNDLE_DIR|CHECKPOINT\n"
	"       custos-verify proof --policy FILE [--json] FILE.tlog-proof [ENTRY_FILE]\n"
	"       custos-verify witness-vkey WITNESS_KEYFILE\n"
	"       custos-verify --keys TRUSTFILE [--json] [--threads N] LOG\n"
	"\n"
	"Verify a custos export bundle offline against a trust policy (C2SP\n"
	"tlog-policy): the checkpoint's log signature and witness quorum, every\n"
	"entry (format, chain, time order, signatures by the key registry as of its\n"
	"index, two-person rules), the custody replay, the hash tiles and Merkle root,\n"
	"and consistency with a checkpoint kept from an earlier audit.\n"
	"\n"
	"  --policy FILE      trusted log key, witnesses and quorum\n"
	"  --previous FILE    a checkpoint kept from an earlier audit\n"
	"  --holdings         print the final holdings per account\n"
	"  --json             print the result as one JSON object\n"
	"  --threads N        signature-checking threads (default: all CPUs)\n"
	"  --keys FILE        (bare log mode) trusted verifier keys, one per line\n"
	"\n"
	"cosign: as a witness, check the new checkpoint against the one kept in\n"
	"STATEFILE (refusing a rollback or a fork) and add a tlog-cosignature/v1.\n"
	"proof: check a tlog-proof file (checkpoint, quorum, inclusion of the entry).\n"
	"witness-vkey: print a witness key's cosigner verifier key for policy files.\n"
	"\n"
	"exit status: 0 valid, 1 invalid or refused, 2 usage or unreadable input\n";

static int usage_error(const char *msg)
{
	fprintf(stderr, "custos-verify: %s\n%s", msg, usage_text);
	return EXIT_USAGE;
}

/* The report's times and root as text, for both output forms. */
typedef struct report_text {
	char first[ENTRY_TIME_LEN + 1], last[ENTRY_TIME_LEN + 1];
	char root[B64_LEN(SHA256_LEN) + 1];
} report_text;

static report_text report_text_of(const verify_report *r)
{
	report_text t;
	entry_time_format(r->first_time_us, t.first);
	entry_time_format(r->last_time_us, t.last);
	b64_encode(r->root, SHA256_LEN, t.root);
	return t;
}

static void print_text(const char *path, const verify_report *r)
{
	/* The path and the reason (which may quote key names from the log) go
	 * through safe_fputs: the log is untrusted input. */
	safe_fputs(path, stdout);
	if (!r->valid) {
		printf(": INVALID at entry %" PRIu64 ": ", r->failed_index);
		safe_fputs(r->reason, stdout);
		printf("\n  entries before it checked: %" PRIu64 "\n", r->entries);
		return;
	}
	report_text t = report_text_of(r);
	printf(": valid\n  origin:      ");
	safe_fputs(r->origin, stdout);
	printf("\n  entries:     %" PRIu64 " (index 0 to %" PRIu64 ")\n", r->entries,
	       r->entries - 1);
	printf("  time:        %s to %s\n", t.first, t.last);
	printf("  signatures:  %" PRIu64 " valid, by trusted keys\n", r->signatures);
	printf("  two-person:  %" PRIu64 " entries with two distinct signers\n", r->two_person);
	printf("  tree root:   %s (size %" PRIu64 ")\n", t.root, r->entries);
}

static void print_json(const char *path, const verify_report *r)
{
	printf("{\"log\":");
	json_str(stdout, path);
	printf(",\"valid\":%s,\"entries\":%" PRIu64, r->valid ? "true" : "false", r->entries);
	if (!r->valid) {
		printf(",\"failed_index\":%" PRIu64 ",\"reason\":", r->failed_index);
		json_str(stdout, r->reason);
	} else {
		report_text t = report_text_of(r);
		printf(",\"origin\":");
		json_str(stdout, r->origin);
		printf(",\"first_time\":\"%s\",\"last_time\":\"%s\",\"signatures\":%" PRIu64
		       ",\"two_person\":%" PRIu64 ",\"tree_size\":%" PRIu64 ",\"root\":\"%s\"",
		       t.first, t.last, r->signatures, r->two_person, r->entries, t.root);
	}
	printf(",\"threads\":%u}\n", r->threads);
}

static int main_log(int argc, char **argv)
{
	const char *keys = NULL, *log = NULL;
	int json = 0;
	long threads = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			return EXIT_VALID;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--keys") == 0 || strcmp(a, "--threads") == 0) {
			if (i + 1 >= argc)
				return usage_error("an option needs a value");
			const char *v = argv[++i];
			if (a[2] == 'k') {
				keys = v;
			} else {
				char *end;
				errno = 0;
				threads = strtol(v, &end, 10);
				if (errno || *end || end == v || threads < 1 || threads > 256)
					return usage_error("--threads needs a number from 1 to 256");
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "custos-verify: unknown option %s\n", a);
			return usage_error("see the usage below");
		} else if (log != NULL) {
			return usage_error("give exactly one LOG file");
		} else {
			log = a;
		}
	}
	if (keys == NULL)
		return usage_error("--keys TRUSTFILE is required");
	if (log == NULL)
		return usage_error("no LOG file given");
	if (key_init() != ST_OK) {
		fputs("custos-verify: libsodium could not be initialised\n", stderr);
		return EXIT_USAGE;
	}

	trust t;
	errbuf err = {0};
	status st = trust_load(keys, &t, &err);
	if (st != ST_OK) {
		fprintf(stderr, "custos-verify: %s\n", err_text(&err, st));
		trust_free(&t);
		return EXIT_USAGE;
	}
	if (t.nkeys == 0) {
		fprintf(stderr, "custos-verify: %s: the trust file lists no keys\n", keys);
		trust_free(&t);
		return EXIT_USAGE;
	}
	logfile_map map;
	st = logfile_open(log, &map, &err);
	if (st != ST_OK) {
		fprintf(stderr, "custos-verify: %s\n", err_text(&err, st));
		trust_free(&t);
		return EXIT_USAGE;
	}
	verify_opts opts = {.lookup = trust_lookup, .lookup_ctx = &t, .threads = (unsigned)threads};
	verify_report rep;
	st = verify_log(map.data, map.len, &opts, &rep);
	logfile_close(&map);
	trust_free(&t);
	if (st != ST_OK) {
		fprintf(stderr, "custos-verify: %s: %s\n", log, status_message(st));
		return EXIT_USAGE;
	}
	if (json)
		print_json(log, &rep);
	else
		print_text(log, &rep);
	return rep.valid ? EXIT_VALID : EXIT_INVALID;
}

/* ---- bundle mode ---------------------------------------------------------- */

static const char *fault_name(bundle_fault f)
{
	switch (f) {
	case BF_CHECKPOINT:
		return "checkpoint";
	case BF_ENTRY:
		return "entry";
	case BF_PREVIOUS:
		return "previous";
	default:
		return "none";
	}
}

typedef struct holdings_ctx {
	const char *account;
	FILE *f;
	bool json;
	size_t n;
} holdings_ctx;

static bool holding_item(void *ctx, const replay_item *it)
{
	holdings_ctx *h = ctx;
	if (!item_status_open(it->status) || strcmp(it->account, h->account) != 0)
		return true;
	const entry_item *f = &it->facts;
	const char *use = item_use_name(f->kind == KIND_KEY, it->status, it->in_effect);
	if (h->json) {
		fputs(h->n ? "," : "", h->f);
		fputs("{\"title\":", h->f);
		json_str(h->f, f->title);
		fputs(",\"edition\":", h->f);
		json_str(h->f, f->edition);
		fputs(",\"serial\":", h->f);
		json_str(h->f, f->serial);
		fprintf(h->f, ",\"kind\":\"%s\",\"class\":\"%s\",\"alc\":%d,\"qty\":%u,\"status\":\"%s\"",
			item_kind_name(f->kind), item_class_name(f->cls), f->alc, f->qty,
			item_status_name(it->status));
		fprintf(h->f, ",\"use\":\"%s\"", use);
		fputs(",\"holder\":", h->f);
		json_str(h->f, it->holder);
		fputs(",\"last_txn\":", h->f);
		json_str(h->f, it->last_txn);
		fputs("}", h->f);
	} else {
		fputs("    ", h->f);
		safe_fputs(f->title, h->f);
		if (f->edition[0]) {
			fputs(" ed. ", h->f);
			safe_fputs(f->edition, h->f);
		}
		if (f->serial[0]) {
			fputs(" #", h->f);
			safe_fputs(f->serial, h->f);
		}
		fprintf(h->f, "  qty %u  %s  ALC %d  %s%s%s", f->qty, item_class_name(f->cls), f->alc,
			item_status_name(it->status), use[0] ? " " : "", use);
		if (it->holder[0]) {
			fputs(" (holder ", h->f);
			safe_fputs(it->holder, h->f);
			fputs(")", h->f);
		}
		fputs("  last ", h->f);
		safe_fputs(it->last_txn, h->f);
		fputs("\n", h->f);
	}
	h->n++;
	return true;
}

typedef struct accounts_ctx {
	const replay *r;
	FILE *f;
	bool json;
	size_t n;
} accounts_ctx;

static bool holding_account(void *ctx, const replay_account *a)
{
	accounts_ctx *c = ctx;
	holdings_ctx h = {a->number, c->f, c->json, 0};
	if (c->json) {
		fprintf(c->f, "%s{\"account\":\"%s\",\"name\":", c->n ? "," : "", a->number);
		json_str(c->f, a->name);
		fputs(",\"items\":[", c->f);
		replay_each_item(c->r, holding_item, &h);
		fputs("]}", c->f);
	} else {
		fprintf(c->f, "  account %s ", a->number);
		safe_fputs(a->name, c->f);
		fputs("\n", c->f);
		replay_each_item(c->r, holding_item, &h);
		if (h.n == 0)
			fputs("    (holds nothing)\n", c->f);
	}
	c->n++;
	return true;
}

static void print_bundle_text(const char *dir, const policy *pol, const bundle_report *r,
			      bool holdings)
{
	safe_fputs(dir, stdout);
	if (!r->valid) {
		if (r->has_index)
			printf(": INVALID at entry %" PRIu64 ": ", r->index);
		else
			printf(": INVALID (%s): ", fault_name(r->fault));
		safe_fputs(r->reason, stdout);
		printf("\n");
		if (r->fault == BF_ENTRY && r->has_index)
			printf("  entries before it checked: %" PRIu64 "\n", r->index);
		return;
	}
	char root[B64_LEN(SHA256_LEN) + 1], first[ENTRY_TIME_LEN + 1], last[ENTRY_TIME_LEN + 1];
	b64_encode(r->cp.root, SHA256_LEN, root);
	entry_time_format(r->first_time_us, first);
	entry_time_format(r->last_time_us, last);
	printf(": valid\n  origin:       ");
	safe_fputs(r->cp.origin, stdout);
	printf("\n  checkpoint:   size %" PRIu64 ", root %s, signed by ", r->cp.size, root);
	safe_fputs(r->cosigs.log ? r->cosigs.log->name : "?", stdout);
	printf("\n  witnesses:    %zu of %zu cosigned", r->cosigs.ncosigned, pol->nwitnesses);
	for (size_t i = 0, k = 0; i < pol->nwitnesses; i++)
		if (r->cosigs.cosigned[i]) {
			printf(k++ ? ", " : " (");
			safe_fputs(pol->witnesses[i].name, stdout);
		}
	printf("%s; quorum %s\n", r->cosigs.ncosigned ? ")" : "",
	       pol->quorum_none ? "none needed" : "met");
	printf("  entries:      %" PRIu64 " (index 0 to %" PRIu64 "), %s to %s\n", r->entries,
	       r->entries - 1, first, last);
	printf("  signatures:   %" PRIu64 " valid by the key registry as of each index; %" PRIu64
	       " two-person entries\n", r->signatures, r->two_person);
	printf("  custody:      replayed, every rule holds\n");
	printf("  tiles:        %" PRIu64 " hash tiles match the entries; root matches\n", r->tiles);
	printf("  checkpoints:  %" PRIu64 " earlier checkpoints in the bundle consistent\n",
	       r->checkpoints);
	if (r->previous_checked)
		printf("  previous:     your checkpoint of size %" PRIu64
		       " is a prefix of this log (%s)\n", r->previous_size,
		       r->previous_proof ? "consistency proof verified, and recomputed"
					 : "recomputed from the entries");
	printf("  threads:      %u; %.2f s (entries %.2f s)\n", r->threads, r->seconds_total,
	       r->seconds_signatures);
	if (holdings && r->state != NULL) {
		printf("holdings (items each account is accountable for now):\n");
		accounts_ctx c = {r->state, stdout, false, 0};
		replay_each_account(r->state, holding_account, &c);
	}
}

static void print_bundle_json(const char *dir, const policy *pol, const bundle_report *r,
			      bool holdings)
{
	printf("{\"bundle\":");
	json_str(stdout, dir);
	printf(",\"valid\":%s,\"entries\":%" PRIu64 ",\"signatures\":%" PRIu64
	       ",\"two_person\":%" PRIu64 ",\"threads\":%u",
	       r->valid ? "true" : "false", r->entries, r->signatures, r->two_person, r->threads);
	if (!r->valid) {
		printf(",\"failure\":{\"kind\":\"%s\",\"index\":", fault_name(r->fault));
		if (r->has_index)
			printf("%" PRIu64, r->index);
		else
			printf("null");
		printf(",\"reason\":");
		json_str(stdout, r->reason);
		printf("}");
	}
	char root[B64_LEN(SHA256_LEN) + 1];
	b64_encode(r->cp.root, SHA256_LEN, root);
	printf(",\"origin\":");
	json_str(stdout, r->cp.origin);
	printf(",\"tree_size\":%" PRIu64 ",\"root\":\"%s\",\"witnesses\":[", r->cp.size, root);
	for (size_t i = 0; i < pol->nwitnesses; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_str(stdout, pol->witnesses[i].name);
		printf(",\"cosigned\":%s", r->cosigs.cosigned[i] ? "true" : "false");
		if (r->cosigs.cosigned[i])
			printf(",\"time\":%" PRIu64, r->cosigs.cosig_time[i]);
		printf("}");
	}
	printf("],\"tiles\":%" PRIu64 ",\"checkpoints\":%" PRIu64, r->tiles, r->checkpoints);
	if (r->previous_checked)
		printf(",\"previous\":{\"size\":%" PRIu64 ",\"proof_checked\":%s}", r->previous_size,
		       r->previous_proof ? "true" : "false");
	if (r->valid) {
		char first[ENTRY_TIME_LEN + 1], last[ENTRY_TIME_LEN + 1];
		entry_time_format(r->first_time_us, first);
		entry_time_format(r->last_time_us, last);
		printf(",\"first_time\":\"%s\",\"last_time\":\"%s\"", first, last);
	}
	printf(",\"seconds\":%.3f,\"seconds_entries\":%.3f,\"phases\":{\"read\":%.3f,"
	       "\"registry\":%.3f,\"parallel\":%.3f,\"replay_wait\":%.3f,\"after\":%.3f}",
	       r->seconds_total, r->seconds_signatures, r->seconds_read, r->seconds_registry,
	       r->seconds_signatures, r->seconds_replay_wait, r->seconds_after);
	if (holdings && r->valid && r->state != NULL) {
		printf(",\"holdings\":[");
		accounts_ctx c = {r->state, stdout, true, 0};
		replay_each_account(r->state, holding_account, &c);
		printf("]");
	}
	printf("}\n");
}

static int parse_threads(const char *v, long *threads)
{
	char *end;
	errno = 0;
	*threads = strtol(v, &end, 10);
	return !(errno || *end || end == v || *threads < 1 || *threads > 256);
}

/* --audit on a valid bundle: the findings of src/audit.c, and with
 * --sample K the oversight sample seeded by the checkpoint's root. */
static int run_audit(const char *dir, const bundle_report *rep, long sample, bool json)
{
	errbuf err = {0};
	bundle_entries be;
	memset(&be, 0, sizeof be);
	audit *au = audit_new();
	status st = au == NULL ? ST_NOMEM : bundle_read_entries(dir, rep->cp.size, &be, &err);
	for (uint64_t i = 0; st == ST_OK && i < be.n; i++)
		st = audit_add_record(au, be.recs[i].data, be.recs[i].len, &err);
	if (st == ST_OK)
		st = audit_finish(au, &err);
	audit_pick *picks = NULL;
	size_t npicks = 0;
	if (st == ST_OK && sample >= 0) {
		st = audit_sample(audit_state(au), rep->cp.root, (size_t)sample, &picks, &npicks,
					  &err);
	}
	int rc = EXIT_VALID;
	if (st != ST_OK) {
		fputs("custos-verify: audit: ", stderr);
		safe_fputs(err_text(&err, st), stderr);
		fputs("\n", stderr);
		rc = EXIT_USAGE;
	} else {
		audit_print(stdout, au, picks, npicks, sample >= 0, json);
	}
	free(picks);
	audit_free(au);
	bundle_entries_free(&be);
	return rc;
}

static int main_bundle(int argc, char **argv)
{
	const char *pol_path = NULL, *previous = NULL, *dir = NULL;
	bool json = false, holdings = false, do_audit = false;
	long threads = 0, sample = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--audit") == 0) {
			do_audit = true;
		} else if (strcmp(a, "--sample") == 0) {
			char *end = NULL;
			if (i + 1 >= argc)
				return usage_error("an option needs a value");
			errno = 0;
			sample = strtol(argv[++i], &end, 10);
			if (errno != 0 || end == argv[i] || *end != '\0' || sample < 0 || sample > 100000)
				return usage_error("--sample needs a number from 0 to 100000");
		} else if (strcmp(a, "--holdings") == 0) {
			holdings = true;
		} else if (strcmp(a, "--policy") == 0 || strcmp(a, "--previous") == 0 ||
			   strcmp(a, "--threads") == 0) {
			if (i + 1 >= argc)
				return usage_error("an option needs a value");
			const char *v = argv[++i];
			if (strcmp(a, "--policy") == 0)
				pol_path = v;
			else if (strcmp(a, "--previous") == 0)
				previous = v;
			else if (!parse_threads(v, &threads))
				return usage_error("--threads needs a number from 1 to 256");
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "custos-verify: unknown option %s\n", a);
			return usage_error("see the usage below");
		} else if (dir != NULL) {
			return usage_error("give exactly one BUNDLE_DIR");
		} else {
			dir = a;
		}
	}
	struct stat sb;
	if (pol_path == NULL && dir != NULL && stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		return usage_error("--keys TRUSTFILE is required for a log file "
				   "(a bundle folder needs --policy FILE)");
	if (pol_path == NULL)
		return usage_error("--policy FILE is required");
	if (dir == NULL)
		return usage_error("no BUNDLE_DIR given");
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "custos-verify: %s is not a folder\n", dir);
		return EXIT_USAGE;
	}
	policy *pol = malloc(sizeof *pol);
	if (pol == NULL || key_init() != ST_OK) {
		free(pol);
		fputs("custos-verify: cannot initialise (memory or libsodium)\n", stderr);
		return EXIT_USAGE;
	}
	errbuf err = {0};
	status st = policy_load(pol_path, pol, &err);
	if (st != ST_OK) {
		fputs("custos-verify: ", stderr);
		safe_fputs(err_text(&err, st), stderr);
		fputs("\n", stderr);
		free(pol);
		return EXIT_USAGE;
	}
	bundle_opts bo = {.pol = pol, .previous = previous, .threads = (unsigned)threads};
	bundle_report rep;
	st = bundle_verify(dir, &bo, &rep, &err);
	int rc;
	if (st != ST_OK) {
		fputs("custos-verify: ", stderr);
		safe_fputs(err_text(&err, st), stderr);
		fputs("\n", stderr);
		rc = EXIT_USAGE;
	} else if (do_audit && rep.valid) {
		rc = run_audit(dir, &rep, sample, json);
	} else {
		if (json)
			print_bundle_json(dir, pol, &rep, holdings);
		else
			print_bundle_text(dir, pol, &rep, holdings);
		rc = rep.valid ? EXIT_VALID : EXIT_INVALID;
	}
	bundle_report_free(&rep);
	free(pol);
	return rc;
}

/* ---- cosign: the witness -------------------------------------------------- */

#define STATE_MAX (64 * 1024)

static int fail_usage(const char *what, const errbuf *err, status st)
{
	fputs("custos-verify: ", stderr);
	if (what != NULL) {
		safe_fputs(what, stderr);
		fputs(": ", stderr);
	}
	safe_fputs(err_text(err, st), stderr);
	fputs("\n", stderr);
	return EXIT_USAGE;
}

static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int refuse(const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fputs("custos-verify cosign: REFUSED: ", stderr);
	safe_fputs(msg, stderr);
	fputs("\n", stderr);
	return EXIT_INVALID;
}

/* The leaf hashes of a tree of size n from the bundle's level-0 tiles. */
static status leaves_from_tiles(const char *dir, uint64_t n, merkle_hash **out, errbuf *err)
{
	*out = NULL;
	merkle_hash *l = malloc((size_t)(n ? n : 1) * sizeof *l);
	if (l == NULL)
		return err_set(err, ST_NOMEM, "out of memory for %" PRIu64 " leaf hashes", n);
	for (uint64_t t = 0; t * TLOG_TILE_WIDTH < n; t++) {
		unsigned w = tlog_tile_width(n, 0, t);
		char rel[TLOG_PATH_MAX];
		tlog_tile_path(rel, 0, t, w);
		char *data;
		size_t dl;
		/* A bundle's file: no symbolic link followed inside it. */
		status st = rfile_read_in(dir, rel, TLOG_TILE_WIDTH * sizeof(merkle_hash), &data,
					  &dl, err);
		if (st == ST_OK && dl != w * sizeof(merkle_hash)) {
			free(data);
			st = err_set(err, ST_CORRUPT, "%s/%s holds %zu bytes, not %zu", dir, rel, dl,
				     (size_t)w * sizeof(merkle_hash));
		}
		if (st != ST_OK) {
			free(l);
			return st;
		}
		memcpy(l[t * TLOG_TILE_WIDTH], data, dl);
		free(data);
	}
	*out = l;
	return ST_OK;
}

/* The checkpoint note text without the signature lines by `w` (so a
 * re-cosign replaces the witness's earlier line), into a new buffer. */
static char *without_witness(const note *n, const key_public *w, size_t *len)
{
	uint8_t id[KEY_ID_LEN];
	size_t namelen = strlen(w->name);
	tlog_cosig_keyid(w->name, namelen, w->pk, id);
	size_t cap = n->textlen + 1;
	for (size_t i = 0; i < n->nsigs; i++)
		cap += n->sigs[i].namelen + n->sigs[i].b64len + 8;
	char *out = malloc(cap + 1);
	if (out == NULL)
		return NULL;
	size_t pos = 0;
	memcpy(out, n->text, n->textlen);
	pos = n->textlen;
	out[pos++] = '\n';
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		if (s->namelen == namelen && memcmp(s->name, w->name, namelen) == 0 &&
		    memcmp(s->id, id, KEY_ID_LEN) == 0)
			continue;
		pos += (size_t)snprintf(out + pos, cap + 1 - pos, "\xE2\x80\x94 %.*s %.*s\n",
					(int)s->namelen, s->name, (int)s->b64len, s->b64);
	}
	out[pos] = '\0';
	*len = pos;
	return out;
}

/* Write data to path atomically: temporary file, fsync, rename, fsync of
 * the folder. */
static status write_atomic(const char *path, const char *data, size_t len, errbuf *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash > path ? (int)(slash - path) : 1, path);
	status st = tlog_file_write(dir, slash ? slash + 1 : path, data, len, err);
	if (st != ST_OK)
		return st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		if (fsync(fd) != 0)
			st = err_set(err, ST_IO, "cannot sync folder %s", dir);
		close(fd);
	}
	return st;
}

/* Read what shows that cp extends old for witness_decide: the proof from
 * --proof FILE or the bundle's consistency/OLDSIZE into proof[], else (a bundle without
 * one) the bundle's leaves into *leaves (the caller frees them).  Returns
 * -1 to go on (ev filled as far as there is evidence), else the exit status
 * with the reason printed. */
static int read_evidence(const char *input, bool is_dir, const char *proof_path,
			 const tlog_checkpoint *old, const tlog_checkpoint *cp,
			 merkle_hash proof[MERKLE_MAX_PROOF], witness_evidence *ev,
			 merkle_hash **leaves)
{
	errbuf err = {0};
	status st;
	char ppath[4096], prel[64];
	snprintf(prel, sizeof prel, "consistency/%" PRIu64, old->size);
	if (proof_path != NULL)
		snprintf(ppath, sizeof ppath, "%s", proof_path);
	else if (is_dir)
		snprintf(ppath, sizeof ppath, "%s/%s", input, prel);
	if (proof_path != NULL || is_dir) {
		char *pt;
		size_t pl;
		st = proof_path != NULL ? rfile_read(ppath, 8192, true, &pt, &pl, &err)
					: rfile_read_in(input, prel, 8192, &pt, &pl, &err);
		if (st == ST_OK) {
			st = tlog_hashes_parse(pt, pl, proof, &ev->prooflen, &err);
			free(pt);
			if (st != ST_OK)
				return refuse("%s: %s", ppath, err.msg);
			ev->have_proof = true;
			ev->proof = proof;
		} else if (st != ST_NOTFOUND || proof_path != NULL) {
			return fail_usage(NULL, &err, st);
		}
	}
	if (!ev->have_proof && is_dir) {
		/* No proof: recompute from the bundle's tiles. */
		if ((st = leaves_from_tiles(input, cp->size, leaves, &err)) != ST_OK)
			return fail_usage("no consistency proof, and the tiles", &err, st);
		ev->leaves = *leaves;
	}
	return -1;
}

/* The words for a verdict that refuses to cosign cp after old; returns the
 * exit status. */
static int refuse_verdict(witness_verdict wv, const tlog_checkpoint *old,
			  const tlog_checkpoint *cp)
{
	switch (wv) {
	case WITNESS_OTHER_LOG:
		return refuse("the checkpoint is of log %s, the state file's of %s", cp->origin,
			      old->origin);
	case WITNESS_ROLLBACK:
		return refuse("rollback: the new checkpoint has size %" PRIu64 ", smaller than "
			      "the %" PRIu64 " this witness already cosigned", cp->size, old->size);
	case WITNESS_FORK_SAME_SIZE:
		return refuse("fork: the new checkpoint has the size %" PRIu64 " this witness "
			      "already cosigned, with a different root", cp->size);
	case WITNESS_FORK_PROOF:
		return refuse("fork: the consistency proof from size %" PRIu64 " to %" PRIu64
			      " does not verify against the checkpoint this witness cosigned",
			      old->size, cp->size);
	case WITNESS_TILES_MISMATCH:
		return refuse("the bundle's tiles do not hash to the checkpoint's root");
	case WITNESS_FORK_TILES:
		return refuse("fork: entries 0 to %" PRIu64 " of this log do not hash to the root "
			      "of the earlier checkpoint of size %" PRIu64
			      " (history was rewritten or the log forked)", old->size - 1, old->size);
	case WITNESS_NEED_PROOF:
		return refuse("no consistency proof from size %" PRIu64 " to %" PRIu64
			      " (give --proof FILE or a bundle folder)", old->size, cp->size);
	case WITNESS_COSIGN_FIRST:
	case WITNESS_COSIGN_SAME:
	case WITNESS_COSIGN_FROM_EMPTY:
	case WITNESS_COSIGN_EXTENDS:
		break;
	}
	return EXIT_USAGE; /* not a refusal: never reached for those */
}

static int main_cosign(int argc, char **argv)
{
	const char *keypath = NULL, *state = NULL, *pol_path = NULL, *proof_path = NULL;
	const char *out_path = NULL, *input = NULL;
	long pfd = -1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--key") == 0 || strcmp(a, "--state") == 0 ||
		    strcmp(a, "--policy") == 0 || strcmp(a, "--proof") == 0 ||
		    strcmp(a, "--out") == 0 || strcmp(a, "--passphrase-fd") == 0) {
			if (i + 1 >= argc)
				return usage_error("an option needs a value");
			const char *v = argv[++i];
			if (strcmp(a, "--key") == 0)
				keypath = v;
			else if (strcmp(a, "--state") == 0)
				state = v;
			else if (strcmp(a, "--policy") == 0)
				pol_path = v;
			else if (strcmp(a, "--proof") == 0)
				proof_path = v;
			else if (strcmp(a, "--out") == 0)
				out_path = v;
			else {
				char *end;
				errno = 0;
				pfd = strtol(v, &end, 10);
				if (errno || *end || end == v || pfd < 0 || pfd > 1000000)
					return usage_error("--passphrase-fd needs a file descriptor number");
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "custos-verify cosign: unknown option %s\n", a);
			return usage_error("see the usage below");
		} else if (input != NULL) {
			return usage_error("give exactly one BUNDLE_DIR or CHECKPOINT");
		} else {
			input = a;
		}
	}
	if (keypath == NULL || state == NULL || input == NULL)
		return usage_error("cosign needs --key, --state and a BUNDLE_DIR or CHECKPOINT");
	if (key_init() != ST_OK)
		return usage_error("libsodium could not be initialised");

	int rc = EXIT_USAGE;
	errbuf err = {0};
	status st;
	policy *pol = calloc(1, sizeof *pol);
	note *nn = malloc(sizeof *nn), *on = malloc(sizeof *on);
	char *statetext = NULL, *cptext = NULL, *line = NULL, *base = NULL;
	char *result = NULL, *newstate = NULL;
	merkle_hash *leaves = NULL;
	key_secret *wkey = NULL;
	size_t statelen = 0, cplen = 0;
	if (pol == NULL || nn == NULL || on == NULL) {
		fputs("custos-verify: out of memory\n", stderr);
		goto out;
	}
	if (pol_path != NULL && (st = policy_load(pol_path, pol, &err)) != ST_OK) {
		rc = fail_usage(NULL, &err, st);
		goto out;
	}
	/* The state: "log <vkey>\n" then the last checkpoint this witness
	 * cosigned.  The log key is pinned at the first cosignature. */
	key_public logkey;
	bool have_state = false, have_logkey = false;
	tlog_checkpoint old;
	st = rfile_read(state, STATE_MAX, true, &statetext, &statelen, &err);
	if (st == ST_OK) {
		const char *nl = memchr(statetext, '\n', statelen);
		errbuf e = {0};
		if (nl == NULL || statelen < 4 || memcmp(statetext, "log ", 4) != 0 ||
		    key_vkey_parse(statetext + 4, (size_t)(nl - statetext - 4), &logkey, &e) != ST_OK) {
			fprintf(stderr, "custos-verify: state file %s: the first line must be "
					"\"log <vkey>\" %s\n", state, e.msg);
			goto out;
		}
		const char *cp = nl + 1;
		if (tlog_checkpoint_parse(cp, statelen - (size_t)(cp - statetext), &old, on, &e) !=
		    ST_OK) {
			fprintf(stderr, "custos-verify: state file %s: %s\n", state, e.msg);
			goto out;
		}
		have_state = have_logkey = true;
	} else if (st != ST_NOTFOUND) {
		rc = fail_usage("state file", &err, st);
		goto out;
	}

	/* The new checkpoint. */
	struct stat sb;
	bool is_dir = stat(input, &sb) == 0 && S_ISDIR(sb.st_mode);
	char cpfile[4096];
	snprintf(cpfile, sizeof cpfile, is_dir ? "%s/checkpoint" : "%s", input);
	st = is_dir ? rfile_read_in(input, "checkpoint", STATE_MAX, &cptext, &cplen, &err)
		    : rfile_read(cpfile, STATE_MAX, true, &cptext, &cplen, &err);
	if (st != ST_OK) {
		rc = fail_usage(NULL, &err, st);
		goto out;
	}
	tlog_checkpoint cp;
	if ((st = tlog_checkpoint_parse(cptext, cplen, &cp, nn, &err)) != ST_OK) {
		rc = refuse("%s: %s", cpfile, err.msg);
		goto out;
	}
	/* The log key: from the policy (named for the origin), else pinned. */
	if (pol_path != NULL) {
		const key_public *k = NULL;
		for (size_t i = 0; i < pol->nlogs; i++)
			if (strcmp(pol->logs[i].name, cp.origin) == 0)
				k = &pol->logs[i];
		if (k == NULL) {
			rc = refuse("the policy has no log key for origin %s", cp.origin);
			goto out;
		}
		if (have_logkey && memcmp(logkey.pk, k->pk, KEY_PK_LEN) != 0) {
			rc = refuse("the policy's key for %s is not the log key pinned in %s",
				    cp.origin, state);
			goto out;
		}
		logkey = *k;
		have_logkey = true;
	}
	if (!have_logkey) {
		fputs("custos-verify cosign: no state file yet: give --policy FILE for the "
		      "log's key\n", stderr);
		goto out;
	}
	note_keyset ks = {&logkey, 1};
	if (strcmp(logkey.name, cp.origin) != 0 ||
	    (st = note_verify(nn, note_keyset_lookup, &ks, 1, NULL, NULL, &err)) != ST_OK) {
		rc = refuse("the checkpoint is not signed by the log key %s: %s", logkey.name,
			    strcmp(logkey.name, cp.origin) != 0 ? "another origin" : err.msg);
		goto out;
	}

	/* Does the new tree extend the one this witness cosigned?  Evidence
	 * (a proof, else the bundle's tiles) is read only when it decides. */
	const tlog_checkpoint *prev = have_state ? &old : NULL;
	witness_verdict wv = witness_decide(prev, &cp, NULL);
	merkle_hash proof[MERKLE_MAX_PROOF];
	witness_evidence ev = {false, proof, 0, NULL};
	if (wv == WITNESS_NEED_PROOF) {
		if ((rc = read_evidence(input, is_dir, proof_path, &old, &cp, proof, &ev,
					&leaves)) >= 0)
			goto out;
		rc = EXIT_USAGE;
		wv = witness_decide(prev, &cp, &ev);
	}
	if (!witness_may_cosign(wv)) {
		rc = refuse_verdict(wv, &old, &cp);
		goto out;
	}

	/* Consistent: cosign. */
	keyfile_pass how = {pfd >= 0 ? (int)pfd : -1, "Witness key passphrase: ", NULL};
	keyfile_step step;
	if ((st = keyfile_unlock(keypath, &how, &wkey, &step, &err)) != ST_OK) {
		rc = fail_usage(step == KEYFILE_STEP_PASSPHRASE ? "passphrase" : NULL, &err, st);
		goto out;
	}
	size_t linelen, baselen;
	if ((st = tlog_cosign(wkey, nn->text, nn->textlen, (uint64_t)time(NULL), &line, &linelen,
			      &err)) != ST_OK) {
		rc = fail_usage("cosign", &err, st);
		goto out;
	}
	if ((base = without_witness(nn, key_secret_public(wkey), &baselen)) == NULL ||
	    (result = malloc(baselen + linelen + 1)) == NULL) {
		fputs("custos-verify: out of memory\n", stderr);
		goto out;
	}
	memcpy(result, base, baselen);
	memcpy(result + baselen, line, linelen + 1);
	size_t rlen = baselen + linelen;
	/* The new state first: a witness must never cosign what it has not
	 * recorded. */
	char vk[KEY_VKEY_MAX + 1];
	size_t vl = key_vkey_format(&logkey, vk);
	size_t nsl = 4 + vl + 1 + rlen;
	if ((newstate = malloc(nsl + 1)) == NULL) {
		fputs("custos-verify: out of memory\n", stderr);
		goto out;
	}
	snprintf(newstate, nsl + 1, "log %s\n%s", vk, result);
	if ((st = write_atomic(state, newstate, nsl, &err)) != ST_OK) {
		rc = fail_usage("state file", &err, st);
		goto out;
	}
	if (out_path != NULL) {
		if ((st = write_atomic(out_path, result, rlen, &err)) != ST_OK) {
			rc = fail_usage(NULL, &err, st);
			goto out;
		}
	} else if (fwrite(result, 1, rlen, stdout) != rlen || fflush(stdout) != 0) {
		fputs("custos-verify: cannot write the cosigned checkpoint\n", stderr);
		goto out;
	}
	fprintf(stderr, "custos-verify cosign: cosigned %s size %" PRIu64 " as %s\n", cp.origin,
		cp.size, key_secret_public(wkey)->name);
	rc = EXIT_VALID;
out:
	key_secret_free(wkey);
	free(pol);
	free(nn);
	free(on);
	free(statetext);
	free(cptext);
	free(line);
	free(base);
	free(result);
	free(newstate);
	free(leaves);
	return rc;
}

/* ---- proof: a tlog-proof on its own --------------------------------------- */

static int main_proof(int argc, char **argv)
{
	const char *pol_path = NULL, *proof_path = NULL, *entry_path = NULL;
	bool json = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--policy") == 0) {
			if (i + 1 >= argc)
				return usage_error("an option needs a value");
			pol_path = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "custos-verify proof: unknown option %s\n", a);
			return usage_error("see the usage below");
		} else if (proof_path == NULL) {
			proof_path = a;
		} else if (entry_path == NULL) {
			entry_path = a;
		} else {
			return usage_error("proof takes FILE.tlog-proof and at most one ENTRY_FILE");
		}
	}
	if (pol_path == NULL || proof_path == NULL)
		return usage_error("proof needs --policy FILE and FILE.tlog-proof");
	if (key_init() != ST_OK)
		return usage_error("libsodium could not be initialised");
	int rc = EXIT_USAGE;
	errbuf err = {0};
	status st;
	policy *pol = malloc(sizeof *pol);
	tlog_proof *pr = malloc(sizeof *pr);
	char *text = NULL, *ent = NULL;
	uint8_t *extra = NULL;
	size_t tl = 0, el = 0;
	char reason[600] = "";
	tlog_checkpoint cp;
	memset(&cp, 0, sizeof cp);
	bool valid = false;
	if (pol == NULL || pr == NULL) {
		fputs("custos-verify: out of memory\n", stderr);
		goto out;
	}
	if ((st = policy_load(pol_path, pol, &err)) != ST_OK) {
		rc = fail_usage(NULL, &err, st);
		goto out;
	}
	if ((st = rfile_read(proof_path, NOTE_MAX_LEN, true, &text, &tl, &err)) != ST_OK) {
		rc = fail_usage(NULL, &err, st);
		goto out;
	}
	if (entry_path != NULL &&
	    (st = rfile_read(entry_path, LOGFILE_ENTRY_MAX, true, &ent, &el, &err)) != ST_OK) {
		rc = fail_usage(NULL, &err, st);
		goto out;
	}
	rc = EXIT_INVALID;
	if (tlog_proof_parse(text, tl, pr, &err) != ST_OK) {
		snprintf(reason, sizeof reason, "not a tlog-proof: %s", err.msg);
		goto report;
	}
	if (policy_check_checkpoint(pol, pr->checkpoint, pr->checkpointlen, &cp, NULL, &err) !=
	    ST_OK) {
		snprintf(reason, sizeof reason, "checkpoint: %s", err.msg);
		goto report;
	}
	const uint8_t *leafdata = (const uint8_t *)ent;
	size_t leaflen = el;
	if (ent == NULL && pr->extra_b64 != NULL) {
		/* custos puts the entry's signed note in the extra line. */
		extra = malloc(pr->extra_b64len);
		if (extra == NULL || b64_decode(pr->extra_b64, pr->extra_b64len, extra,
						pr->extra_b64len, &leaflen) != ST_OK) {
			snprintf(reason, sizeof reason, "the extra data cannot be decoded");
			goto report;
		}
		leafdata = extra;
	}
	if (leafdata == NULL) {
		fputs("custos-verify proof: the proof carries no entry; give ENTRY_FILE\n", stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	/* The entry must be a custos entry of this log at this index. */
	note *n = malloc(sizeof *n);
	entry e;
	memset(&e, 0, sizeof e);
	if (n == NULL) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (note_parse((const char *)leafdata, leaflen, n, &err) != ST_OK)
		snprintf(reason, sizeof reason, "the entry is not a signed note: %s", err.msg);
	else if (entry_parse(n->text, n->textlen, &e, &err) != ST_OK)
		snprintf(reason, sizeof reason, "the entry does not parse: %s", err.msg);
	else if (e.index != pr->index)
		snprintf(reason, sizeof reason, "the entry's index is %" PRIu64 ", the proof's %" PRIu64,
			 e.index, pr->index);
	else if (strcmp(e.origin, cp.origin) != 0)
		snprintf(reason, sizeof reason, "the entry is of log %s, the checkpoint of %s",
			 e.origin, cp.origin);
	entry_free(&e);
	free(n);
	if (reason[0] == '\0') {
		merkle_hash leaf;
		sha256_leaf(leafdata, leaflen, leaf);
		if (tlog_proof_check(pr, &cp, leaf, &err) != ST_OK)
			snprintf(reason, sizeof reason, "%s", err.msg);
		else
			valid = true;
	}
report:
	if (json) {
		printf("{\"proof\":");
		json_str(stdout, proof_path);
		printf(",\"valid\":%s,\"index\":%" PRIu64, valid ? "true" : "false", pr->index);
		printf(",\"origin\":");
		json_str(stdout, cp.origin);
		printf(",\"tree_size\":%" PRIu64, cp.size);
		if (!valid) {
			printf(",\"reason\":");
			json_str(stdout, reason);
		}
		printf("}\n");
	} else {
		safe_fputs(proof_path, stdout);
		if (valid) {
			printf(": valid: entry %" PRIu64 " is in ", pr->index);
			safe_fputs(cp.origin, stdout);
			printf(" at tree size %" PRIu64 " (checkpoint signed, quorum met)\n", cp.size);
		} else {
			printf(": INVALID: ");
			safe_fputs(reason, stdout);
			printf("\n");
		}
	}
	rc = valid ? EXIT_VALID : EXIT_INVALID;
out:
	free(pol);
	free(pr);
	free(text);
	free(ent);
	free(extra);
	return rc;
}

static int main_witness_vkey(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("witness-vkey takes one WITNESS_KEYFILE");
	if (key_init() != ST_OK)
		return usage_error("libsodium could not be initialised");
	key_public pub;
	errbuf err = {0};
	status st = keyfile_read_public(argv[2], &pub, &err);
	if (st != ST_OK)
		return fail_usage(NULL, &err, st);
	char vk[KEY_VKEY_MAX + 1];
	tlog_cosig_vkey_format(&pub, vk);
	printf("%s\n", vk);
	return EXIT_VALID;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "cosign") == 0)
		return main_cosign(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "proof") == 0)
		return main_proof(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "witness-vkey") == 0)
		return main_witness_vkey(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return EXIT_VALID;
		}
		if (strcmp(argv[i], "--keys") == 0)
			return main_log(argc, argv);
	}
	return main_bundle(argc, argv);
}
