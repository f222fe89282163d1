/* bench_ledger KEYFILE ACCOUNT PREFIX SECONDS: for SECONDS, act on account
 * ACCOUNT through custos's own code path (ledger_submit: one transaction
 * and one signed log entry per action), alternately taking a new item on
 * (possession, serial PREFIX-<n>) and sending it to the COR (transfer),
 * and print "actions N failures F seconds S".  A failed action is counted
 * and the next one tried (every failure here is one: the items are this
 * client's own).  Passphrase on standard input; the connection from the PG*
 * variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../keys/keyfile.h"
#include "../../keys/passphrase.h"
#include "../../src/ledger.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5 || strlen(argv[2]) != 6) {
		fputs("usage: bench_ledger KEYFILE ACCOUNT PREFIX SECONDS < passphrase\n", stderr);
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
	if (st != ST_OK) {
		fprintf(stderr, "bench_ledger: %s\n", err_text(&err, st));
		key_secret_free(k);
		return 1;
	}
	double seconds = atof(argv[4]), t0 = now(), t = t0;
	long actions = 0, failures = 0;
	for (long i = 0; t - t0 < seconds; i++, t = now()) {
		entry_item it = {.kind = KIND_EQUIPMENT, .alc = 4, .cls = CLASS_U, .qty = 1};
		snprintf(it.serial, sizeof it.serial, "%s-%ld", argv[3], i / 2);
		snprintf(it.title, sizeof it.title, "BENCH");
		ledger_request q = {.action = i % 2 ? ACT_TRANSFER : ACT_POSSESSION, .items = &it,
				    .nitems = 1, .actor = k};
		memcpy(q.account, argv[2], 7);
		if (i % 2)
			memcpy(q.peer, "COR", 4);
		ledger_new_idem(q.idem);
		ledger_result res;
		st = ledger_submit(d, &q, &res, &err);
		if (st == ST_OK) {
			actions++;
		} else {
			if (failures++ < 3)
				fprintf(stderr, "bench_ledger: %s\n", err_text(&err, st));
			i |= 1; /* a failed possession: its transfer cannot follow */
		}
	}
	printf("actions %ld failures %ld seconds %.3f\n", actions, failures, t - t0);
	db_close(d);
	key_secret_free(k);
	return 0;
}
