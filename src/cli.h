/* cli.h: the command-line verbs.
 *
 * cli_verbs (src/cli.c) is the one table of verbs: `custos` dispatches
 * from it, `custos help` lists it, `custos VERB --help` prints its row, and
 * every parser accepts exactly the options its row names (cli_takes), so
 * usage, help and parsing cannot disagree.
 *
 * A verb's run function takes argv after the verb's words (argv[0] is the
 * first argument, argc may be 0) and returns the process exit status:
 * CLI_OK, CLI_FAIL (refused or failed), CLI_USAGE (bad usage), CLI_UNKNOWN
 * (the action's commit was sent but not confirmed by the synchronous
 * standby: it may or may not stand; run it again with the idempotency key
 * printed).  Only these functions and main print or exit. */
#ifndef CUSTOS_CLI_H
#define CUSTOS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_UNKNOWN = 3 };

typedef struct cli_verb cli_verb;
struct cli_verb {
	const char *words;    /* "transfer", "log checkpoint", "log key set" */
	const char *group;    /* the heading `custos help` lists it under */
	int (*run)(const cli_verb *v, int argc, char **argv);
	int id;               /* the module's code for it: an entry_action for
				 cli_ledger, else the module's CLI_*_ enum */
	const char *operand;  /* its operand as shown (e.g. "TXN"), or NULL */
	const char *synopsis; /* the usage line after "custos WORDS" */
	const char *options;  /* every option it accepts, space separated */
	const char *help;     /* what it does, lines ending in '\n' */
};

/* The modules' codes for their verbs (cli_verb.id). */
enum { CLI_KEY_NEW, CLI_KEY_PUB, CLI_KEY_PASSWD };
enum { CLI_Q_HOLDINGS, CLI_Q_HISTORY, CLI_Q_TXN, CLI_Q_ALARMS, CLI_Q_PERSONS, CLI_Q_ACCOUNTS,
       CLI_Q_POLICY, CLI_Q_ACCESS };
enum {
	CLI_LOG_VERIFY, CLI_LOG_EXPORT, CLI_LOG_KEY_SET, CLI_LOG_KEY_SHOW, CLI_LOG_CHECKPOINT,
	CLI_LOG_CHECKPOINTS, CLI_LOG_COSIGN, CLI_LOG_POLICY, CLI_LOG_PROOF, CLI_LOG_WITNESS_ADD,
	CLI_LOG_WITNESS_LIST, CLI_LOG_AUDIT
};

enum { CLI_REPORT_MATERIAL, CLI_REPORT_DESTRUCTION, CLI_REPORT_HAND_RECEIPTS,
       CLI_REPORT_INVENTORY, CLI_REPORT_INCIDENT,
       CLI_REPORT_AUDIT };

/* Run `custos ARGS...` for argv[1..]: dispatch to the verb its leading
 * words name, `help`, or a usage error naming the unknown word. */
int cli_main(int argc, char **argv);

/* True if `option` (e.g. "--account") is one of v's options. */
bool cli_takes(const cli_verb *v, const char *option);

/* True for "--help" and "-h". */
bool cli_is_help(const char *arg);

/* Print v's usage line, help and options to stdout; returns CLI_OK. */
int cli_help(const cli_verb *v);

/* Print "custos WORDS: WHAT 'ARG'; see 'custos WORDS --help'" to stderr
 * (ARG, when not NULL, escaped and cut short); returns CLI_USAGE. */
int cli_usage_error(const cli_verb *v, const char *what, const char *arg);

/* How long to keep trying to reach a primary (a failover's window):
 * `arg` (--retry-seconds) if not NULL, else $CUSTOS_RETRY_SECONDS, else
 * CLI_RETRY_DEFAULT.  Returns false for a value that is not a number of
 * seconds from 0 to 3600. */
#define CLI_RETRY_DEFAULT 30u
bool cli_retry_seconds(const char *arg, unsigned *out);

/* The modules' run functions (cli_verb.run). */
int cli_key(const cli_verb *v, int argc, char **argv);    /* src/cli_key.c */
int cli_ledger(const cli_verb *v, int argc, char **argv); /* src/cli_ledger.c */
int cli_query(const cli_verb *v, int argc, char **argv);  /* src/cli_query.c */
int cli_log(const cli_verb *v, int argc, char **argv);    /* src/cli_log.c */
int cli_report(const cli_verb *v, int argc, char **argv); /* src/cli_report.c */

#endif
