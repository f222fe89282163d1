/* custos report material | destruction: the COMSEC Material Report of one
 * transaction, from its signed log entry (src/report.h), as PDF, CSV or
 * JSON (docs/reports.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "cli.h"
#include "db.h"
#include "report.h"
#include "report_pdf.h"
#include "safeprint.h"

typedef enum { FMT_PDF, FMT_CSV, FMT_JSON } format;

typedef struct opts {
	const cli_verb *v;
	const char *db, *out, *format, *paper, *operand;
} opts;

static int parse(const cli_verb *v, int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->v = v;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a))
			return cli_help(v);
		if (a[0] != '-' || a[1] == '\0') {
			if (o->operand != NULL)
				return cli_usage_error(v, "unexpected argument", a);
			o->operand = a;
			continue;
		}
		if (!cli_takes(v, a))
			return cli_usage_error(v, "unknown option", a);
		if (i + 1 == argc)
			return cli_usage_error(v, "missing value for option", a);
		const char **str = strcmp(a, "--db") == 0       ? &o->db
				   : strcmp(a, "--out") == 0    ? &o->out
				   : strcmp(a, "--format") == 0 ? &o->format
								: &o->paper;
		if (*str != NULL)
			return cli_usage_error(v, "option given twice", a);
		*str = argv[++i];
	}
	if (o->operand == NULL)
		return cli_usage_error(v, "missing operand", v->operand);
	if (o->format == NULL)
		return cli_usage_error(v, "missing --format pdf|csv|json", NULL);
	if (o->out == NULL || o->out[0] == '\0')
		return cli_usage_error(v, "missing --out FILE", NULL);
	return -1;
}

static int fail(const cli_verb *v, status st, const errbuf *err)
{
	fprintf(stderr, "custos %s: ", v->words);
	safe_fputs(err_text(err, st), stderr);
	fputc('\n', stderr);
	return st == ST_USAGE ? CLI_USAGE : CLI_FAIL;
}

/* Write r to the new file `path` (never over an existing one), readable by
 * its owner alone: a report lists accountable material by serial.  Nothing
 * is left behind on a failure. */
static status write_out(const report *r, format fmt, report_paper paper, const char *path,
			errbuf *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, errno == EEXIST ? ST_EXISTS : ST_IO, "cannot create %s: %s",
			       path, strerror(errno));
	FILE *f = fdopen(fd, "wb");
	if (f == NULL) {
		close(fd);
		unlink(path);
		return err_set(err, ST_IO, "cannot write %s", path);
	}
	status st = fmt == FMT_PDF   ? report_pdf_write(r, paper, f, err)
		    : fmt == FMT_CSV ? report_write_csv(r, f, err)
				     : report_write_json(r, f, err);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		st = st != ST_OK ? st : err_set(err, ST_IO, "cannot write %s", path);
	if (fclose(f) != 0 && st == ST_OK)
		st = err_set(err, ST_IO, "cannot write %s", path);
	if (st != ST_OK)
		unlink(path);
	return st;
}

int cli_report(const cli_verb *v, int argc, char **argv)
{
	opts o;
	int rc = parse(v, argc, argv, &o);
	if (rc >= 0)
		return rc;
	format fmt;
	if (strcmp(o.format, "pdf") == 0)
		fmt = FMT_PDF;
	else if (strcmp(o.format, "csv") == 0)
		fmt = FMT_CSV;
	else if (strcmp(o.format, "json") == 0)
		fmt = FMT_JSON;
	else
		return cli_usage_error(v, "--format is pdf, csv or json, not", o.format);
	report_paper paper = PAPER_A4;
	if (o.paper != NULL && strcmp(o.paper, "letter") == 0)
		paper = PAPER_LETTER;
	else if (o.paper != NULL && strcmp(o.paper, "a4") != 0)
		return cli_usage_error(v, "--paper is a4 or letter, not", o.paper);
	if (o.paper != NULL && fmt != FMT_PDF)
		return cli_usage_error(v, "--paper is for --format pdf only", NULL);

	errbuf err = {0};
	db *d = NULL;
	status st = db_open(o.db, &d, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	access_login(d, v->words);
	report r;
	st = report_load(d, o.operand,
			 v->id == CLI_REPORT_DESTRUCTION ? REPORT_KIND_DESTRUCTION : REPORT_KIND_MATERIAL,
			 &r, &err);
	if (st == ST_OK)
		st = write_out(&r, fmt, paper, o.out, &err);
	if (st == ST_OK) {
		char what[4200];
		snprintf(what, sizeof what, "%s %s --out %s", v->words, o.operand, o.out);
		access_export(d, what);
	}
	db_close(d);
	if (fmt == FMT_PDF)
		report_pdf_cleanup();
	if (st != ST_OK) {
		report_free(&r);
		return fail(v, st, &err);
	}
	printf("%s report of %s (log entry %llu) written to ", report_type_name(r.type),
	       o.operand, (unsigned long long)r.index);
	safe_fputs(o.out, stdout);
	fputc('\n', stdout);
	report_free(&r);
	return CLI_OK;
}
