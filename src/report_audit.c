/* report_audit.c: the audit report (report_audit.h). */
#include "report_audit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "json.h"
#include "replay.h"
#include "report.h"

void report_audit_free(report_audit *ra)
{
	for (size_t i = 0; i < ra->naccounts; i++)
		free(ra->accounts[i].name);
	free(ra->accounts);
	free(ra->rows);
	free(ra->picks);
	memset(ra, 0, sizeof *ra);
}

typedef struct acc_ctx {
	report_audit *ra;
	const char *only;
	size_t cap;
	bool nomem;
} acc_ctx;

static bool add_account(void *ctx, const replay_account *a)
{
	acc_ctx *c = ctx;
	if (c->only != NULL && strcmp(a->number, c->only) != 0)
		return true;
	report_audit *ra = c->ra;
	if (ra->naccounts == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 8;
		report_audit_account *q = realloc(ra->accounts, nc * sizeof *q);
		if (q == NULL) {
			c->nomem = true;
			return false;
		}
		ra->accounts = q;
		c->cap = nc;
	}
	report_audit_account *x = &ra->accounts[ra->naccounts];
	memset(x, 0, sizeof *x);
	snprintf(x->number, sizeof x->number, "%s", a->number);
	x->opened_index = a->opened_index;
	if ((x->name = strdup(a->name != NULL ? a->name : "")) == NULL) {
		c->nomem = true;
		return false;
	}
	ra->naccounts++;
	return true;
}

static int by_opening(const void *va, const void *vb)
{
	const report_audit_account *a = va, *b = vb;
	return a->opened_index < b->opened_index ? -1 : a->opened_index > b->opened_index;
}

status report_audit_build(const audit *a, const logverify_audited *log, const char *account,
			  size_t k, int64_t now_us, report_audit *ra, errbuf *err)
{
	memset(ra, 0, sizeof *ra);
	const replay *rp = audit_state(a);
	snprintf(ra->origin, sizeof ra->origin, "%s", replay_origin(rp));
	ra->size = log->size;
	b64_encode(log->root, 32, ra->root_b64);
	ra->checkpoint = log->checkpoint;
	ra->cosignatures = log->cosignatures;
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(now_us, t);
	snprintf(ra->report_date, sizeof ra->report_date, "%.10s", t);
	snprintf(ra->account, sizeof ra->account, "%s", account != NULL ? account : "");
	for (int p = 0; p < POL__COUNT; p++)
		ra->policy[p] = audit_policy(a, (rules_policy)p);

	acc_ctx c = {ra, account, 0, false};
	replay_each_account(rp, add_account, &c);
	if (c.nomem)
		return err_set(err, ST_NOMEM, "out of memory");
	if (account != NULL && ra->naccounts == 0)
		return err_set(err, ST_NOTFOUND, "no account %s in the log", account);
	if (ra->naccounts > 1)
		qsort(ra->accounts, ra->naccounts, sizeof *ra->accounts, by_opening);

	size_t n = audit_count(a);
	if (n > 0 && (ra->rows = calloc(n, sizeof *ra->rows)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		report_audit_row *row = &ra->rows[i];
		row->f = *audit_get(a, i);
		/* every index a finding names is an entry of the log judged */
		if (row->f.index < log->size && log->leaves != NULL)
			b64_encode(log->leaves + row->f.index * 32, 32, row->leaf_b64);
		if (row->f.since < log->size && log->leaves != NULL)
			b64_encode(log->leaves + row->f.since * 32, 32, row->since_leaf_b64);
		ra->nrows++;
	}
	ra->sample_k = k;
	return audit_sample(rp, log->root, k, &ra->picks, &ra->npicks, err);
}

status report_audit_load(db *d, const char *account, size_t k, report_audit *ra, errbuf *err)
{
	memset(ra, 0, sizeof *ra);
	if (account != NULL && !entry_account_number_valid(account))
		return err_set(err, ST_USAGE, "--account takes a six-digit account number");
	audit *a = audit_new();
	if (a == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	if (account != NULL)
		audit_only_account(a, account);
	logverify_audited log;
	status st = logverify_audit_log(d, a, &log, err);
	if (st == ST_OK)
		st = report_audit_build(a, &log, account, k, (int64_t)time(NULL) * 1000000, ra, err);
	free(log.leaves);
	audit_free(a);
	return st;
}

/* ---- CSV and JSON ------------------------------------------------------------ */

static void csv_u64(FILE *f, uint64_t v, bool last)
{
	char s[24];
	snprintf(s, sizeof s, "%" PRIu64, v);
	report_csv_field(f, s, last);
}

static void csv_row(FILE *f, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		report_csv_field(f, v[i], i + 1 == n);
}

status report_audit_write_csv(const report_audit *ra, FILE *f, errbuf *err)
{
	static const char *const head[] = {"origin",      "log_size", "root_hash", "checkpoint",
					   "cosignatures", "report_date", "account", "entries",
					   "findings"};
	csv_row(f, head, sizeof head / sizeof head[0]);
	report_csv_field(f, ra->origin, false);
	csv_u64(f, ra->size, false);
	report_csv_field(f, ra->root_b64, false);
	report_csv_field(f, ra->checkpoint ? "signed" : "none", false);
	csv_u64(f, ra->cosignatures, false);
	report_csv_field(f, ra->report_date, false);
	report_csv_field(f, ra->account[0] ? ra->account : "every account", false);
	csv_u64(f, ra->size, false);
	csv_u64(f, ra->nrows, true);
	fputs("\r\n", f);

	static const char *const ah[] = {"account", "name", "opened_index"};
	csv_row(f, ah, 3);
	for (size_t i = 0; i < ra->naccounts; i++) {
		report_csv_field(f, ra->accounts[i].number, false);
		report_csv_field(f, ra->accounts[i].name, false);
		csv_u64(f, ra->accounts[i].opened_index, true);
	}
	fputs("\r\n", f);

	static const char *const fh[] = {"code", "account", "index", "since", "reason",
					 "kind", "leaf_hash", "since_leaf_hash"};
	csv_row(f, fh, sizeof fh / sizeof fh[0]);
	for (size_t i = 0; i < ra->nrows; i++) {
		const report_audit_row *r = &ra->rows[i];
		report_csv_field(f, audit_code_name(r->f.code), false);
		report_csv_field(f, r->f.account, false);
		csv_u64(f, r->f.index, false);
		csv_u64(f, r->f.since, false);
		report_csv_field(f, r->f.reason, false);
		report_csv_field(f, audit_code_words(r->f.code), false);
		report_csv_field(f, r->leaf_b64, false);
		report_csv_field(f, r->since_leaf_b64, true);
	}
	fputs("\r\n", f);

	static const char *const sh[] = {"why", "account", "title", "edition", "serial", "class"};
	csv_row(f, sh, sizeof sh / sizeof sh[0]);
	for (size_t i = 0; i < ra->npicks; i++) {
		const audit_pick *p = &ra->picks[i];
		const char *v[] = {p->all ? "all" : "random", p->account, p->title, p->edition,
				   p->serial, item_class_name(p->cls)};
		csv_row(f, v, sizeof v / sizeof v[0]);
	}
	return ferror(f) ? err_set(err, ST_IO, "cannot write the CSV") : ST_OK;
}

static void jkey(FILE *f, const char *key, const char *v, bool comma)
{
	json_str(f, key);
	fputc(':', f);
	if (v != NULL)
		json_str(f, v);
	else
		fputs("null", f);
	if (comma)
		fputc(',', f);
}

status report_audit_write_json(const report_audit *ra, FILE *f, errbuf *err)
{
	fputc('{', f);
	jkey(f, "report", "audit", true);
	jkey(f, "origin", ra->origin, true);
	fprintf(f, "\"log\":{\"size\":%" PRIu64 ",", ra->size);
	jkey(f, "root_hash", ra->root_b64, true);
	fprintf(f, "\"checkpoint\":%s,\"cosignatures\":%" PRIu64 "},",
		ra->checkpoint ? "true" : "false", ra->cosignatures);
	jkey(f, "report_date", ra->report_date, true);
	jkey(f, "account", ra->account[0] ? ra->account : NULL, true);
	fputs("\"accounts\":[", f);
	for (size_t i = 0; i < ra->naccounts; i++) {
		fputs(i ? ",{" : "{", f);
		jkey(f, "account", ra->accounts[i].number, true);
		jkey(f, "name", ra->accounts[i].name, true);
		fprintf(f, "\"opened_index\":%" PRIu64 "}", ra->accounts[i].opened_index);
	}
	fputs("],\"policy\":{", f);
	for (int p = 0; p < POL__COUNT; p++) {
		json_str(f, rules_policy_of((rules_policy)p)->name);
		fprintf(f, ":%" PRId64 "%s", ra->policy[p], p + 1 < POL__COUNT ? "," : "");
	}
	fprintf(f, "},\"entries\":%" PRIu64 ",\"findings\":[", ra->size);
	for (size_t i = 0; i < ra->nrows; i++) {
		const report_audit_row *r = &ra->rows[i];
		fputs(i ? ",{" : "{", f);
		jkey(f, "code", audit_code_name(r->f.code), true);
		jkey(f, "account", r->f.account, true);
		fprintf(f, "\"index\":%" PRIu64 ",\"since\":%" PRIu64 ",", r->f.index, r->f.since);
		jkey(f, "reason", r->f.reason, true);
		jkey(f, "kind", audit_code_words(r->f.code), true);
		jkey(f, "leaf_hash", r->leaf_b64, true);
		jkey(f, "since_leaf_hash", r->since_leaf_b64, false);
		fputc('}', f);
	}
	fprintf(f, "],\"sample_k\":%zu,\"sample\":[", ra->sample_k);
	for (size_t i = 0; i < ra->npicks; i++) {
		const audit_pick *p = &ra->picks[i];
		fputs(i ? ",{" : "{", f);
		jkey(f, "why", p->all ? "all" : "random", true);
		jkey(f, "account", p->account, true);
		jkey(f, "title", p->title, true);
		jkey(f, "edition", p->edition, true);
		jkey(f, "serial", p->serial, true);
		jkey(f, "class", item_class_name(p->cls), false);
		fputc('}', f);
	}
	fputs("]}\n", f);
	return ferror(f) ? err_set(err, ST_IO, "cannot write the JSON") : ST_OK;
}
