/* custos-verify: the oversight body's offline verifier.
 *
 *   custos-verify --keys TRUSTFILE [--json] [--threads N] LOG
 *
 * Exit 0: the log is valid.  1: it is not (the first failing entry and why
 * are printed).  2: usage, or an input that cannot be read.
 *
 * Links libsodium and libcrypto only, so an oversight body can read and
 * build it alone (`make custos-verify`). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/key.h"
#include "../keys/trust.h"
#include "b64.h"
#include "json.h"
#include "logfile.h"
#include "safeprint.h"
#include "verify.h"

enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"usage: custos-verify --keys TRUSTFILE [--json] [--threads N] LOG\n"
	"\n"
	"Verify a custos log file offline: every entry's format, index, hash chain\n"
	"and time order, and its signatures by the keys in TRUSTFILE (one C2SP\n"
	"verifier key per line), with two distinct signers where the entry needs\n"
	"two-person integrity.\n"
	"\n"
	"  --keys FILE   trusted verifier keys\n"
	"  --json        print the result as one JSON object\n"
	"  --threads N   signature-checking threads (default: all CPUs)\n"
	"\n"
	"exit status: 0 valid, 1 invalid, 2 usage or unreadable input\n";

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

int main(int argc, char **argv)
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
	errbuf err = {{0}};
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
