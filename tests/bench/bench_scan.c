/* bench_scan: an inventory session at scale, in-process over libpq as the
 * TUI runs it (tests/bench/scan.sh fills the account first, with
 * bench_holdings fill: serials H0000000 .. H<NITEMS-1>, all COR-accountable).
 *
 *   bench_scan ACCOUNT NITEMS NSCANS ROUNDS
 *
 * 1. invsession_open (periodic), ROUNDS times (each but the last abandoned):
 *    the median.
 * 2. NSCANS scans through invsession_scan, a fixed mix: about 60% expected
 *    serials seen for the first time, 25% repeats of one already sighted,
 *    15% serials no item has.  Before each scan, on the same connection, a
 *    trivial `SELECT 1` and a single-row indexed SELECT of custos.item by
 *    serial: the baseline, measured in the same moments as the scans.
 *    Median and 99th percentile per answer kind and for the baseline, and
 *    the ratio of the scan's median to the baseline's.
 * 3. invsession_reconcile, ROUNDS times: the median, and the process's
 *    peak resident set before and after (getrusage).
 *
 * Every answer is checked: a first sighting must answer "sighted", a repeat
 * "already sighted", an unknown serial "unknown", each with the running
 * count and the expected total right; the reconciliation must list what
 * was sighted, not sighted and found.  A wrong answer is counted and makes
 * the exit status 1 (a slow one does not).  Connection from PG*; run it
 * as the account's custodian so row-level security applies. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../../src/invsession.h"

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

/* The median of ms[0..n-1] (sorted in place); p99 too if not NULL. */
static double median(double *ms, size_t n, double *p99)
{
	if (n == 0) {
		if (p99 != NULL)
			*p99 = 0;
		return 0;
	}
	qsort(ms, n, sizeof *ms, cmp_double);
	if (p99 != NULL) {
		size_t k = (size_t)((double)n * 0.99);
		*p99 = ms[k < n ? k : n - 1];
	}
	return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

static long peak_kib(void)
{
	struct rusage u;
	return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : -1;
}

/* A timed series: one kind of request's latencies. */
typedef struct series {
	const char *name;
	double *ms;
	size_t n;
} series;

static void series_report(series *s, double base)
{
	if (s->n == 0) {
		printf("  %-30s (no runs)\n", s->name);
		return;
	}
	double p99, med = median(s->ms, s->n, &p99);
	printf("  %-30s median %7.3f ms  p99 %7.3f ms  (%zu runs)", s->name, med, p99, s->n);
	if (base > 0)
		printf("  x%.1f the SELECT 1", med / base);
	putchar('\n');
}

enum { K_FIRST, K_REPEAT, K_UNKNOWN, K_SCAN, K_SELECT1, K_BYSERIAL, K__COUNT };

/* Open (ROUNDS times, abandoning all but the last) and print the median;
 * *id: the session left open. */
static status open_rounds(db *d, const char *account, int rounds, int64_t *id, errbuf *err)
{
	double *ms = calloc((size_t)rounds, sizeof *ms);
	if (ms == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = ST_OK;
	for (int r = 0; st == ST_OK && r < rounds; r++) {
		double t0 = now_ms();
		st = invsession_open(d, account, INVS_PERIODIC, id, err);
		ms[r] = now_ms() - t0;
		if (st == ST_OK && r + 1 < rounds)
			st = invsession_abandon(d, *id, err);
	}
	if (st == ST_OK)
		printf("  invsession_open (periodic)     median %7.3f ms  (%d runs)\n",
		       median(ms, (size_t)rounds, NULL), rounds);
	free(ms);
	return st;
}

/* The baseline pair before a scan: SELECT 1, and one item by its serial. */
static status baseline(db *d, const char *serial, series *s, errbuf *err)
{
	PGresult *r = NULL;
	double t0 = now_ms();
	status st = db_exec(d, "SELECT 1", 0, NULL, &r, err);
	s[K_SELECT1].ms[s[K_SELECT1].n++] = now_ms() - t0;
	PQclear(r);
	r = NULL;
	if (st != ST_OK)
		return st;
	const char *p[] = {serial};
	t0 = now_ms();
	st = db_exec(d, "SELECT id, title, edition, serial, qty, status FROM custos.item WHERE serial = $1",
		     1, p, &r, err);
	s[K_BYSERIAL].ms[s[K_BYSERIAL].n++] = now_ms() - t0;
	if (st == ST_OK && PQntuples(r) != 1)
		st = err_set(err, ST_NOTFOUND, "item %s is not in custos.item", serial);
	PQclear(r);
	return st;
}

/* NSCANS scans; *wrong counts the wrong answers, *first the first
 * sightings, *unknown the unknown serials scanned. */
static status scans(db *d, int64_t id, long nitems, long nscans, series *s, long *wrong,
		    long *first, long *unknown, errbuf *err)
{
	/* Distinct expected serials in a shuffled order (a multiplier prime
	 * to nitems walks all of them once); repeats pick one already seen. */
	long step = 7919;
	while (nitems % step == 0)
		step += 2;
	srand(42);
	status st = ST_OK;
	long next = rand() % nitems, ahead = 0;
	for (long i = 0; st == ST_OK && i < nscans; i++) {
		int pick = rand() % 100;
		int kind = pick < 60 || ahead == 0 ? K_FIRST : pick < 85 ? K_REPEAT : K_UNKNOWN;
		if (kind == K_FIRST && ahead == nitems)
			kind = K_REPEAT;
		char serial[24], probe[24];
		long n;
		if (kind == K_FIRST) {
			n = next;
			next = (next + step) % nitems;
			ahead++;
		} else {
			/* already sighted: the ahead first ones of the walk */
			long back = 1 + rand() % ahead;
			n = ((next - back * step) % nitems + nitems) % nitems;
		}
		snprintf(serial, sizeof serial, kind == K_UNKNOWN ? "X%07ld" : "H%07ld",
			 kind == K_UNKNOWN ? i : n);
		snprintf(probe, sizeof probe, "H%07ld", n);
		st = baseline(d, probe, s, err);
		if (st != ST_OK)
			break;
		invscan_result res;
		double t0 = now_ms();
		st = invsession_scan(d, id, serial, &res, err);
		double ms = now_ms() - t0;
		if (st != ST_OK)
			break;
		s[kind].ms[s[kind].n++] = ms;
		s[K_SCAN].ms[s[K_SCAN].n++] = ms;
		invscan_answer want = kind == K_FIRST ? SCAN_SIGHTED
				      : kind == K_REPEAT ? SCAN_ALREADY
							 : SCAN_UNKNOWN;
		if (kind == K_UNKNOWN)
			(*unknown)++;
		if (res.answer != want || res.sighted != (uint64_t)ahead ||
		    res.expected != (uint64_t)nitems) {
			if (*wrong < 10)
				fprintf(stderr,
					"bench_scan: scan %s answered \"%s\" (%llu of %llu sighted), wanted \"%s\" "
					"(%ld of %ld)\n",
					serial, invscan_answer_words(res.answer),
					(unsigned long long)res.sighted, (unsigned long long)res.expected,
					invscan_answer_words(want), ahead, nitems);
			(*wrong)++;
		}
	}
	*first = ahead;
	return st;
}

/* Reconcile ROUNDS times: the median and the peak memory; the lists'
 * sizes must be what the scans made. */
static status reconcile_rounds(db *d, int64_t id, int rounds, long nitems, long first,
			       long unknown, long *wrong, errbuf *err)
{
	double *ms = calloc((size_t)rounds, sizeof *ms);
	if (ms == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	long before = peak_kib();
	status st = ST_OK;
	for (int r = 0; st == ST_OK && r < rounds; r++) {
		invrecon rec;
		double t0 = now_ms();
		st = invsession_reconcile(d, id, &rec, err);
		ms[r] = now_ms() - t0;
		if (st != ST_OK)
			break;
		if (rec.expected != (uint64_t)nitems || rec.nsighted != (size_t)first ||
		    rec.nnot_sighted != (size_t)(nitems - first) || rec.nfound != (size_t)unknown ||
		    rec.nqty_diff != 0 || rec.closable != (first == nitems)) {
			fprintf(stderr,
				"bench_scan: reconcile: %llu expected, %zu sighted, %zu not sighted, "
				"%zu found, %zu qty_diff; wanted %ld, %ld, %ld, %ld, 0\n",
				(unsigned long long)rec.expected, rec.nsighted, rec.nnot_sighted,
				rec.nfound, rec.nqty_diff, nitems, first, nitems - first, unknown);
			(*wrong)++;
		}
		invrecon_free(&rec);
	}
	if (st == ST_OK)
		printf("  invsession_reconcile           median %7.3f ms  (%d runs); peak memory "
		       "%ld KiB (%ld KiB before)\n",
		       median(ms, (size_t)rounds, NULL), rounds, peak_kib(), before);
	free(ms);
	return st;
}

int main(int argc, char **argv)
{
	if (argc != 5 || strlen(argv[1]) != 6 || atol(argv[2]) < 1 || atol(argv[3]) < 1 ||
	    atoi(argv[4]) < 1) {
		fputs("usage: bench_scan ACCOUNT NITEMS NSCANS ROUNDS\n", stderr);
		return 2;
	}
	const char *account = argv[1];
	long nitems = atol(argv[2]), nscans = atol(argv[3]);
	int rounds = atoi(argv[4]);
	errbuf err = {0};
	db *d = NULL;
	if (db_open(NULL, &d, &err) != ST_OK) {
		fprintf(stderr, "bench_scan: %s\n", err.msg);
		return 1;
	}
	static const char *const names[K__COUNT] = {
		"scan: expected, first sighting", "scan: repeat (already)", "scan: unknown serial",
		"scan: all kinds", "baseline: SELECT 1", "baseline: item by serial"};
	series s[K__COUNT];
	status st = ST_OK;
	for (int k = 0; k < K__COUNT; k++) {
		s[k] = (series){.name = names[k], .ms = calloc((size_t)nscans, sizeof(double))};
		if (s[k].ms == NULL)
			st = err_set(&err, ST_NOMEM, "out of memory");
	}
	int64_t id = 0;
	long wrong = 0, first = 0, unknown = 0;
	if (st == ST_OK)
		st = open_rounds(d, account, rounds, &id, &err);
	if (st == ST_OK)
		st = scans(d, id, nitems, nscans, s, &wrong, &first, &unknown, &err);
	if (st == ST_OK) {
		double base = median(s[K_SELECT1].ms, s[K_SELECT1].n, NULL);
		for (int k = 0; k < K__COUNT; k++)
			series_report(&s[k], k == K_SELECT1 ? 0 : base);
		double by = median(s[K_BYSERIAL].ms, s[K_BYSERIAL].n, NULL);
		double all = median(s[K_SCAN].ms, s[K_SCAN].n, NULL);
		printf("  scan / item by serial: x%.1f\n", by > 0 ? all / by : 0);
		st = reconcile_rounds(d, id, rounds, nitems, first, unknown, &wrong, &err);
	}
	if (st == ST_OK)
		printf("  %ld scans (%ld first sightings, %ld unknown), %ld wrong answer(s)\n", nscans,
		       first, unknown, wrong);
	else
		fprintf(stderr, "bench_scan: %s\n", err_text(&err, st));
	if (id != 0) {
		errbuf e2 = {0};
		status st2 = invsession_abandon(d, id, &e2);
		(void)st2;
	}
	for (int k = 0; k < K__COUNT; k++)
		free(s[k].ms);
	db_close(d);
	return st == ST_OK && wrong == 0 ? 0 : 1;
}
