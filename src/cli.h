/* cli.h: the command-line verbs.  Each takes argv with argv[0] = the verb
 * and returns the process exit status: CLI_OK, CLI_FAIL (refused or failed),
 * CLI_USAGE (bad usage), CLI_UNKNOWN (the action's commit was sent but not
 * confirmed by the synchronous standby: it may or may not stand; run it
 * again with the idempotency key printed).  Only these functions and main
 * print or exit. */
#ifndef CUSTOS_CLI_H
#define CUSTOS_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_UNKNOWN = 3 };

/* How long to keep trying to reach a primary (a failover's window):
 * `arg` (--retry-seconds) if not NULL, else $CUSTOS_RETRY_SECONDS, else
 * CLI_RETRY_DEFAULT.  Returns false for a value that is not a number of
 * seconds from 0 to 3600. */
#define CLI_RETRY_DEFAULT 30u
bool cli_retry_seconds(const char *arg, unsigned *out);

/* custos key new|pub|passwd ... (src/cli_key.c) */
int cli_key(int argc, char **argv);

/* The ledger's commands (src/cli_ledger.c): argv[0] (and argv[1]) name the
 * verb, e.g. "transfer" or "incident" "report". */
int cli_ledger(int argc, char **argv);
void cli_ledger_usage(FILE *f);

/* custos holdings, history, txn list, alarms, person list, account list
 * (src/cli_query.c): argv[0] is "holdings", "history", "txn", "alarms",
 * "person-list" or "account-list". */
int cli_query(int argc, char **argv);

/* custos log verify|export (src/cli_log.c). */
int cli_log(int argc, char **argv);

#endif
