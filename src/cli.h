/* cli.h: the command-line verbs.  Each takes argv with argv[0] = the verb
 * and returns the process exit status: CLI_OK, CLI_FAIL (refused or failed),
 * CLI_USAGE (bad usage).  Only these functions and main print or exit. */
#ifndef CUSTOS_CLI_H
#define CUSTOS_CLI_H

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* custos key new|pub|passwd ... (src/cli_key.c) */
int cli_key(int argc, char **argv);

#endif
