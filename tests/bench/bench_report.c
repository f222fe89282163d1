/* bench_report: the report renderers at scale.
 *
 *   bench_report pdf|csv N FILE     write an inventory report of N line
 *                                   items (and N/10 additions on its
 *                                   correction page) to the new FILE
 *
 * The report is made in memory as report_inventory_build leaves one (the
 * renderers take the model, not the database), so the figure is the
 * renderer's: layout, page breaking, the QR code, the file.  Run it under
 * runstat for wall time and peak memory (tests/bench/report.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/report.h"
#include "../../src/report_pdf.h"

static char *dup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL) {
		fputs("bench_report: out of memory\n", stderr);
		exit(1);
	}
	return d;
}

static void line(report_line *l, size_t row)
{
	l->row = row;
	snprintf(l->title, sizeof l->title, "KG-%zu", 100 + row % 97);
	snprintf(l->serial, sizeof l->serial, "H%07zu", row);
	l->qty = 1;
	l->alc = 1;
	snprintf(l->remarks, sizeof l->remarks, "equipment, %s, CRYPTO",
		 row % 3 == 0 ? "SECRET" : "CONFIDENTIAL");
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "pdf") != 0 && strcmp(argv[1], "csv") != 0)) {
		fputs("usage: bench_report pdf|csv N FILE\n", stderr);
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n < 1 || n > 1000000) {
		fputs("bench_report: N is 1 to 1000000\n", stderr);
		return 2;
	}
	report r = {0};
	r.type = REPORT_INVENTORY;
	r.action = ACT_INVENTORY;
	snprintf(r.from.account, sizeof r.from.account, "123456");
	r.from.name = dup("1st Signal Regiment");
	r.from.address = dup("Building 4, Example Barracks");
	snprintf(r.report_date, sizeof r.report_date, "2026-12-07");
	snprintf(r.out_txn, sizeof r.out_txn, "123456-2026-0042");
	snprintf(r.txn_date, sizeof r.txn_date, "2026-12-07T08:00:00.000000Z");
	r.certification = dup("INVENTORIED. I certify that the material listed above was sighted "
			      "and inventoried by the custodian and the witness who sign below.");
	r.nsigners = 2;
	snprintf(r.signers[0].name, sizeof r.signers[0].name, "alice");
	snprintf(r.signers[0].keyid, sizeof r.signers[0].keyid, "c26e0d90");
	r.signers[0].capacity = "custodian";
	snprintf(r.signers[1].name, sizeof r.signers[1].name, "wendy");
	snprintf(r.signers[1].keyid, sizeof r.signers[1].keyid, "a62dff5a");
	r.signers[1].capacity = "witness";
	snprintf(r.origin, sizeof r.origin, "custos.example/ledger");
	r.index = 4242;
	snprintf(r.leaf_b64, sizeof r.leaf_b64, "FG4jOAJ78hJHjhMSpcEkNqfDwl6Z4hMIpG5tKmlmOAw=");
	r.note = dup("custos-entry/v2 custos.example/ledger\nindex 4242\n(the entry)\n");
	r.notelen = strlen(r.note);
	r.nlines = (size_t)n;
	r.lines = calloc(r.nlines, sizeof *r.lines);
	report_inventory *inv = calloc(1, sizeof *inv);
	size_t nadd = (size_t)n / 10;
	if (r.lines == NULL || inv == NULL || (nadd > 0 && (inv->adds = calloc(nadd, sizeof *inv->adds)) == NULL)) {
		fputs("bench_report: out of memory\n", stderr);
		return 1;
	}
	r.inv = inv;
	for (size_t i = 0; i < r.nlines; i++)
		line(&r.lines[i], i + 1);
	inv->complete = true;
	inv->listed = inv->held = (uint64_t)n;
	snprintf(inv->words, sizeof inv->words, "complete inventory (%ld of %ld held)", n, n);
	inv->nadd = nadd;
	for (size_t i = 0; i < nadd; i++) {
		line(&inv->adds[i].line, i + 1);
		inv->adds[i].action = ACT_RECEIPT;
		snprintf(inv->adds[i].txn, sizeof inv->adds[i].txn, "123456-2026-0001");
		snprintf(inv->adds[i].time, sizeof inv->adds[i].time, "2026-06-01T08:00:00.000000Z");
		inv->adds[i].index = 10;
	}
	FILE *f = fopen(argv[3], "wx");
	if (f == NULL) {
		perror(argv[3]);
		return 1;
	}
	errbuf err = {0};
	status st = strcmp(argv[1], "pdf") == 0 ? report_pdf_write(&r, PAPER_A4, f, &err)
						: report_write_csv(&r, f, &err);
	if (fclose(f) != 0 && st == ST_OK)
		st = ST_IO;
	if (strcmp(argv[1], "pdf") == 0)
		report_pdf_cleanup();
	report_free(&r);
	if (st != ST_OK) {
		fprintf(stderr, "bench_report: %s\n", err_text(&err, st));
		return 1;
	}
	return 0;
}
