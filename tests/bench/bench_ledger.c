/* bench_ledger KEYFILE FIRST COUNT: transfer items with serials B<FIRST>
 * .. B<FIRST+COUNT-1> of the login's account to the COR, one ledger_submit
 * (one transaction, one signed entry) each, through custos's own code path,
 * and print "transfers/s <rate>".  Passphrase on standard input; the
 * connection from the PG* variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../keys/keyfile.h"
#include "../../keys/passphrase.h"
#include "../../src/ledger.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: bench_ledger KEYFILE FIRST COUNT < passphrase\n", stderr);
		return 2;
	}
	if (key_init() != ST_OK)
		return 1;
	errbuf err = {0};
	char *pass = NULL;
	size_t len;
	key_secret *k = NULL;
	db *d = NULL;
	status st = passphrase_read_fd(0, &pass, &len, &err);
	if (st == ST_OK)
		st = keyfile_load(argv[1], pass, len, &k, &err);
	passphrase_free(pass);
	if (st == ST_OK)
		st = db_open(NULL, &d, &err);
	long first = atol(argv[2]), count = atol(argv[3]);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = first; st == ST_OK && i < first + count; i++) {
		entry_item it = {0};
		snprintf(it.serial, sizeof it.serial, "B%ld", i);
		ledger_request q = {.action = ACT_TRANSFER, .items = &it, .nitems = 1, .actor = k};
		memcpy(q.account, "123456", 7);
		memcpy(q.peer, "COR", 4);
		ledger_new_idem(q.idem);
		ledger_result res;
		st = ledger_submit(d, &q, &res, &err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (st == ST_OK)
		printf("transfers/s %.1f\n", (double)count / secs);
	else
		fprintf(stderr, "bench_ledger: %s\n", err_text(&err, st));
	db_close(d);
	key_secret_free(k);
	return st == ST_OK ? 0 : 1;
}
