/* custos log verify | log export FILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "json.h"
#include "logverify.h"
#include "safeprint.h"

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

static int usage(const char *what)
{
	fprintf(stderr, "custos log: %s\nusage: custos log verify [--db CONNINFO] [--json]\n"
			"       custos log export FILE [--db CONNINFO] [--json]   (writes FILE and FILE.keys)\n",
		what);
	return CLI_USAGE;
}

int cli_log(int argc, char **argv)
{
	const char *conninfo = NULL, *file = NULL;
	bool json = false;
	if (argc < 2)
		return usage("give verify or export");
	const char *verb = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			conninfo = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			conninfo = argv[i] + 5;
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return usage("unexpected argument");
	}
	bool verify = strcmp(verb, "verify") == 0;
	if (!verify && strcmp(verb, "export") != 0)
		return usage("unknown verb");
	if (verify == (file != NULL))
		return usage(verify ? "verify takes no file" : "export needs a FILE");
	errbuf err = {""};
	db *d = NULL;
	status st = db_open(conninfo, &d, &err);
	if (st != ST_OK) {
		fputs("custos log: ", stderr);
		safe_fputs(err_text(&err, st), stderr);
		fputc('\n', stderr);
		return CLI_FAIL;
	}
	int rc = CLI_FAIL;
	if (verify) {
		logverify_report rep;
		dctx c = {json, 0};
		if (json)
			fputs("{\"differences\":[", stdout);
		st = logverify_run(d, &rep, on_diff, &c, &err);
		if (st != ST_OK) {
			if (json)
				fputs("]}\n", stdout);
			fputs("custos log verify: ", stderr);
			safe_fputs(err_text(&err, st), stderr);
			fputc('\n', stderr);
			goto out;
		}
		if (json) {
			printf("],\"valid\":%s,\"entries\":%llu,\"log_valid\":%s",
			       rep.valid ? "true" : "false", (unsigned long long)rep.entries,
			       rep.log_ok ? "true" : "false");
			if (!rep.log_ok) {
				printf(",\"failed_index\":%llu,\"reason\":",
				       (unsigned long long)rep.failed_index);
				json_str(stdout, rep.reason);
			}
			puts("}");
		} else if (!rep.log_ok) {
			printf("INVALID: the log fails at entry %llu: ",
			       (unsigned long long)rep.failed_index);
			safe_fputs(rep.reason, stdout);
			fputc('\n', stdout);
		} else if (rep.differences) {
			printf("INVALID: the log's %llu entries verify, but %llu state row%s differ "
			       "from its replay (listed above): changes made without a log entry\n",
			       (unsigned long long)rep.entries, (unsigned long long)rep.differences,
			       rep.differences == 1 ? "" : "s");
		} else {
			printf("valid: %llu entries; chain, signatures, roles and custody rules "
			       "verified; the state tables match the replay\n",
			       (unsigned long long)rep.entries);
		}
		rc = rep.valid ? CLI_OK : CLI_FAIL;
		goto out;
	}
	/* export: FILE and FILE.keys, created new (never overwritten). */
	size_t fl = strlen(file);
	char *keys = malloc(fl + 6);
	if (keys == NULL)
		goto out;
	memcpy(keys, file, fl);
	memcpy(keys + fl, ".keys", 6);
	int fd1 = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	int fd2 = fd1 < 0 ? -1 : open(keys, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	FILE *f1 = fd1 >= 0 ? fdopen(fd1, "wb") : NULL, *f2 = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
	if (f1 == NULL || f2 == NULL) {
		fprintf(stderr, "custos log export: cannot create %s: %s\n",
			fd1 < 0 ? file : keys, strerror(errno));
		if (fd1 >= 0)
			unlink(file);
		if (f1) fclose(f1); else if (fd1 >= 0) close(fd1);
		if (f2) fclose(f2); else if (fd2 >= 0) close(fd2);
		free(keys);
		goto out;
	}
	uint64_t n = 0;
	st = logverify_export(d, f1, f2, &n, &err);
	bool closed = fclose(f1) == 0 && fclose(f2) == 0;
	if (st != ST_OK || !closed) {
		fputs("custos log export: ", stderr);
		safe_fputs(closed ? err_text(&err, st) : "write failed", stderr);
		fputc('\n', stderr);
		unlink(file);
		unlink(keys);
	} else {
		if (json) {
			printf("{\"entries\":%llu,\"log\":", (unsigned long long)n);
			json_str(stdout, file);
			fputs(",\"keys\":", stdout);
			json_str(stdout, keys);
			puts("}");
		} else {
			printf("wrote %llu entries to %s and the keys to %s; check them with:\n"
			       "  custos-verify --keys %s %s\n", (unsigned long long)n, file, keys,
			       keys, file);
		}
		rc = CLI_OK;
	}
	free(keys);
out:
	db_close(d);
	return rc;
}
