/* cli.h: the command-line verbs.  Each takes argv with argv[0] = the verb
 * and returns the process exit status: CLI_OK, CLI_FAIL (refused or failed),
 * CLI_USAGE (bad usage).  Only these functions and main print or exit. */
#ifndef CUSTOS_CLI_H
#define CUSTOS_CLI_H

#include <stdio.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

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
