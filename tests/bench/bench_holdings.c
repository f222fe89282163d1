/* bench_holdings: the read side at scale.
 *
 *   bench_holdings fill KEYFILE N     receive N items on account 123456
 *                                     through ledger_submit, 400 per
 *                                     receipt (passphrase on stdin)
 *   bench_holdings query ROUNDS       time the holdings first page and a
 *                                     serial search, ROUNDS times each;
 *                                     print median and 99th percentile
 *
 * The connection comes from the PG* variables; run it as the custodian so
 * row-level security applies as it does for a user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../keys/keyfile.h"
#include "../../keys/passphrase.h"
#include "../../src/ledger.h"
#include "../../src/query.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int fill(db *d, const char *keyfile, long n)
{
	errbuf err = {0};
	char *pass = NULL;
	size_t len;
	key_secret *k = NULL;
	status st = passphrase_read_fd(0, &pass, &len, &err);
	if (st == ST_OK)
		st = keyfile_load(keyfile, pass, len, &k, &err);
	passphrase_free(pass);
	entry_item *items = calloc(400, sizeof *items);
	if (items == NULL)
		st = ST_NOMEM;
	double t0 = now_ms();
	for (long base = 0; st == ST_OK && base < n; base += 400) {
		size_t m = 0;
		for (long i = base; i < n && i < base + 400; i++, m++) {
			entry_item *it = &items[m];
			memset(it, 0, sizeof *it);
			it->kind = KIND_EQUIPMENT;
			it->alc = 1;
			it->cls = (item_class)(i % 3);
			it->qty = 1;
			snprintf(it->serial, sizeof it->serial, "H%07ld", i);
			snprintf(it->title, sizeof it->title, "KG-%ld", 100 + i % 97);
		}
		ledger_request q = {.action = ACT_RECEIPT, .items = items, .nitems = m, .actor = k};
		memcpy(q.account, "123456", 7);
		memcpy(q.peer, "COR", 4);
		ledger_new_idem(q.idem);
		ledger_result res;
		st = ledger_submit(d, &q, &res, &err);
	}
	if (st == ST_OK)
		printf("filled %ld items in %.1f s\n", n, (now_ms() - t0) / 1e3);
	else
		fprintf(stderr, "bench_holdings: %s\n", err_text(&err, st));
	free(items);
	key_secret_free(k);
	return st == ST_OK ? 0 : 1;
}

static void report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	int p99 = (int)((double)n * 0.99);
	if (p99 >= n)
		p99 = n - 1;
	printf("%-28s median %.3f ms  p99 %.3f ms  (%d runs)\n", what, ms[n / 2], ms[p99], n);
}

static int query(db *d, int rounds, long nitems)
{
	errbuf err = {0};
	double *a = calloc((size_t)rounds, sizeof *a), *b = calloc((size_t)rounds, sizeof *b);
	status st = a && b ? ST_OK : ST_NOMEM;
	srand(42);
	for (int r = 0; st == ST_OK && r < rounds; r++) {
		query_items page;
		query_holdings_filter f = {.account = "123456", .limit = 50};
		double t0 = now_ms();
		st = query_holdings(d, &f, &page, &err);
		a[r] = now_ms() - t0;
		size_t got = page.n;
		query_items_free(&page);
		if (st != ST_OK || got != 50) {
			st = st != ST_OK ? st : ST_NOTFOUND;
			break;
		}
		char prefix[16];
		snprintf(prefix, sizeof prefix, "H%07ld", (long)rand() % nitems);
		query_holdings_filter g = {.serial = prefix, .limit = 50};
		t0 = now_ms();
		st = query_holdings(d, &g, &page, &err);
		b[r] = now_ms() - t0;
		got = page.n;
		query_items_free(&page);
		if (st == ST_OK && got != 1)
			st = ST_NOTFOUND;
	}
	if (st == ST_OK) {
		report("holdings first page", a, rounds);
		report("serial search", b, rounds);
	} else {
		fprintf(stderr, "bench_holdings: %s\n", err_text(&err, st));
	}
	free(a);
	free(b);
	return st == ST_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || key_init() != ST_OK) {
		fputs("usage: bench_holdings fill KEYFILE N | query ROUNDS NITEMS\n", stderr);
		return 2;
	}
	errbuf err = {0};
	db *d = NULL;
	if (db_open(NULL, &d, &err) != ST_OK) {
		fprintf(stderr, "bench_holdings: %s\n", err.msg);
		return 1;
	}
	int rc = strcmp(argv[1], "fill") == 0 && argc == 4 ? fill(d, argv[2], atol(argv[3]))
		 : strcmp(argv[1], "query") == 0 && argc == 4 ? query(d, atoi(argv[2]), atol(argv[3]))
							       : 2;
	db_close(d);
	return rc;
}
