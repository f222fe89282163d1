/* custos report material | destruction | inventory | incident |
 * hand-receipts: the COMSEC
 * Material Report of one transaction, from its signed log entry, or a
 * register of an account's entries (hand receipts; destructions of a
 * period), as PDF, CSV or JSON (src/report.h, docs/reports.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "access.h"
#include "cli.h"
#include "db.h"
#include "audit.h"
#include "report.h"
#include "report_audit.h"
#include "report_file.h"
#include "report_pdf.h"
#include "safeprint.h"

typedef struct opts {
	const cli_verb *v;
	const char *db, *out, *format, *paper, *operand;
	const char *account, *holder, *since, *until, *sample;
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
		const char **str = strcmp(a, "--db") == 0        ? &o->db
				   : strcmp(a, "--out") == 0     ? &o->out
				   : strcmp(a, "--format") == 0  ? &o->format
				   : strcmp(a, "--account") == 0 ? &o->account
				   : strcmp(a, "--holder") == 0  ? &o->holder
				   : strcmp(a, "--since") == 0   ? &o->since
				   : strcmp(a, "--until") == 0   ? &o->until
				   : strcmp(a, "--sample") == 0  ? &o->sample
								 : &o->paper;
		if (*str != NULL)
			return cli_usage_error(v, "option given twice", a);
		*str = argv[++i];
	}
	/* One transaction (TXN), or a register of an account (--account); the
	 * audit takes neither a transaction nor a period. */
	bool is_audit = v->id == CLI_REPORT_AUDIT;
	if (is_audit && o->operand != NULL)
		return cli_usage_error(v, "unexpected argument", o->operand);
	bool reg = !is_audit && (v->id == CLI_REPORT_HAND_RECEIPTS || o->account != NULL);
	if (reg && o->operand != NULL)
		return cli_usage_error(v, "a register takes --account, not a transaction",
				       o->operand);
	if (!reg && !is_audit && o->operand == NULL)
		return cli_usage_error(v, "missing operand", v->operand);
	if (!reg && (o->since != NULL || o->until != NULL))
		return cli_usage_error(v, "--since and --until are for a register (--account)", NULL);
	if (reg && v->id == CLI_REPORT_DESTRUCTION && o->since == NULL)
		return cli_usage_error(v, "missing --since DATE (the period's first day)", NULL);
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

/* The access log's record of a report written (access.h). */
static void exported(db *d, const cli_verb *v, const char *what, const char *out)
{
	report_file_exported(d, v->words + strlen("report "), what, out);
}

/* A register: load, write, say what was written; closes d. */
static int run_register(const cli_verb *v, const opts *o, db *d, report_format fmt,
			report_paper paper)
{
	errbuf err = {0};
	report_register g;
	/* hand-receipts without --account: the one account this login keeps */
	char keeps[ENTRY_ACCOUNT_LEN + 1] = "";
	if (o->account == NULL) {
		PGresult *r = NULL;
		status st = db_exec(d, "SELECT unnest(custos.my_custody_accounts())", 0, NULL, &r, &err);
		int n = st == ST_OK ? PQntuples(r) : 0;
		if (n == 1)
			snprintf(keeps, sizeof keeps, "%s", db_val(r, 0, 0));
		PQclear(r);
		if (st != ST_OK || n != 1) {
			db_close(d);
			if (st != ST_OK)
				return fail(v, st, &err);
			return cli_usage_error(v, n == 0 ? "you keep no account; give --account N"
						     : "you keep several accounts; give --account N",
					       NULL);
		}
	}
	status st = report_register_load(d,
					 v->id == CLI_REPORT_HAND_RECEIPTS ? REPORT_KIND_HAND_RECEIPTS
									   : REPORT_KIND_DESTRUCTIONS,
					 o->account != NULL ? o->account : keeps, o->holder, o->since,
					 o->until, &g, &err);
	if (st == ST_OK)
		st = report_file_write(NULL, &g, fmt, paper, o->out, &err);
	if (st == ST_OK)
		exported(d, v, g.account, o->out);
	db_close(d);
	if (fmt == REPORT_FORMAT_PDF)
		report_pdf_cleanup();
	if (st != ST_OK) {
		report_register_free(&g);
		return fail(v, st, &err);
	}
	printf("%s of account %s (%zu entr%s", report_register_title(&g), g.account, g.nrows,
	       g.nrows == 1 ? "y" : "ies");
	if (g.kind == REPORT_KIND_HAND_RECEIPTS)
		printf(", %zu open", g.nopen);
	fputs(") written to ", stdout);
	safe_fputs(o->out, stdout);
	fputc('\n', stdout);
	report_register_free(&g);
	return CLI_OK;
}

/* The audit report: load, write, say what was written; closes d. */
static int run_audit(const cli_verb *v, const opts *o, db *d, report_format fmt,
		     report_paper paper, size_t k)
{
	errbuf err = {0};
	report_audit ra;
	status st = report_audit_load(d, o->account, k, &ra, &err);
	if (st == ST_OK)
		st = report_file_write_audit(&ra, fmt, paper, o->out, &err);
	if (st == ST_OK)
		exported(d, v, o->account != NULL ? o->account : "every-account", o->out);
	db_close(d);
	if (fmt == REPORT_FORMAT_PDF)
		report_pdf_cleanup();
	if (st != ST_OK) {
		report_audit_free(&ra);
		return fail(v, st, &err);
	}
	printf("audit report of %s (%llu entries, %zu finding%s, sample of %zu) written to ",
	       ra.account[0] ? ra.account : "every account", (unsigned long long)ra.size,
	       ra.nrows, ra.nrows == 1 ? "" : "s", ra.npicks);
	safe_fputs(o->out, stdout);
	fputc('\n', stdout);
	report_audit_free(&ra);
	return CLI_OK;
}

int cli_report(const cli_verb *v, int argc, char **argv)
{
	opts o;
	int rc = parse(v, argc, argv, &o);
	if (rc >= 0)
		return rc;
	report_format fmt;
	if (strcmp(o.format, "pdf") == 0)
		fmt = REPORT_FORMAT_PDF;
	else if (strcmp(o.format, "csv") == 0)
		fmt = REPORT_FORMAT_CSV;
	else if (strcmp(o.format, "json") == 0)
		fmt = REPORT_FORMAT_JSON;
	else
		return cli_usage_error(v, "--format is pdf, csv or json, not", o.format);
	report_paper paper = PAPER_A4;
	if (o.paper != NULL && !report_paper_from_name(o.paper, &paper))
		return cli_usage_error(v, "--paper is a4 or letter, not", o.paper);
	if (o.paper != NULL && fmt != REPORT_FORMAT_PDF)
		return cli_usage_error(v, "--paper is for --format pdf only", NULL);

	size_t k = 0;
	if (o.sample != NULL && !audit_sample_parse(o.sample, &k))
		return cli_usage_error(v, "--sample needs a number of items (0 to 1000000), not",
				       o.sample);
	if (v->id == CLI_REPORT_AUDIT && o.account != NULL && !entry_account_number_valid(o.account))
		return cli_usage_error(v, "--account needs a six-digit account number, not",
				       o.account);

	errbuf err = {0};
	db *d = NULL;
	status st = db_open(o.db, &d, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	access_login(d, v->words);
	if (v->id == CLI_REPORT_AUDIT)
		return run_audit(v, &o, d, fmt, paper, k);
	if (o.account != NULL || v->id == CLI_REPORT_HAND_RECEIPTS)
		return run_register(v, &o, d, fmt, paper);
	report r;
	st = report_load(d, o.operand,
			 v->id == CLI_REPORT_DESTRUCTION  ? REPORT_KIND_DESTRUCTION
			 : v->id == CLI_REPORT_INVENTORY ? REPORT_KIND_INVENTORY
			 : v->id == CLI_REPORT_INCIDENT  ? REPORT_KIND_INCIDENT
							 : REPORT_KIND_MATERIAL,
			 &r, &err);
	if (st == ST_OK)
		st = report_file_write(&r, NULL, fmt, paper, o.out, &err);
	if (st == ST_OK)
		exported(d, v, o.operand, o.out);
	db_close(d);
	if (fmt == REPORT_FORMAT_PDF)
		report_pdf_cleanup();
	if (st != ST_OK) {
		report_free(&r);
		return fail(v, st, &err);
	}
	if (r.inc != NULL)
		printf("incident report of %s (%s, %zu part%s) written to ", o.operand,
		       r.inc->closed ? "closed" : "open", r.inc->nparts, r.inc->nparts == 1 ? "" : "s");
	else
		printf("%s report of %s (log entry %llu) written to ", report_type_name(r.type),
		       o.operand, (unsigned long long)r.index);
	safe_fputs(o.out, stdout);
	fputc('\n', stdout);
	report_free(&r);
	return CLI_OK;
}
