/* custos: the command-line front end.  `custos <command> ...`; with no
 * command (later) the terminal UI.  Exit status: 0 success, 1 refused or
 * failed, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "../keys/key.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: custos <command> [options]   (custos <command> --help for more)\n"
	      "\n"
	      "keys:\n"
	      "  key new --name NAME --out FILE [--passphrase-fd N]\n"
	      "  key pub [--pem] FILE\n"
	      "  key passwd FILE [--passphrase-fd N] [--new-passphrase-fd M]\n"
	      "\n"
	      "the ledger (connection: --db CONNINFO or the PG* variables; --json output):\n",
	      f);
	cli_ledger_usage(f);
	fputs("\nqueries:\n"
	      "  holdings [--account N] [--status S] [--kind K] [--class C] [--alc A]\n"
	      "           [--title PREFIX] [--serial PREFIX] [--limit N] [--after CURSOR]\n"
	      "  history ITEM        an item's log entries (ITEM: serial, or title=.. serial=..)\n"
	      "  txn list [--account N]\n"
	      "  alarms              overdue destruction, incidents, transit, inventory\n"
	      "  person list | account list\n"
	      "\n"
	      "the log:\n"
	      "  log verify          chain, signatures by the key registry, replay vs. state\n"
	      "  log export FILE     the log file and FILE.keys for custos-verify\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (key_init() != ST_OK) {
		fputs("custos: libsodium could not be initialised\n", stderr);
		return CLI_FAIL;
	}
	const char *cmd = argv[1];
	const char *sub = argc > 2 ? argv[2] : "";
	if (strcmp(cmd, "key") == 0 && strcmp(sub, "revoke") != 0)
		return cli_key(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "holdings") == 0 || strcmp(cmd, "history") == 0 ||
	    strcmp(cmd, "alarms") == 0 || (strcmp(cmd, "txn") == 0))
		return cli_query(argc - 1, argv + 1);
	if ((strcmp(cmd, "person") == 0 || strcmp(cmd, "account") == 0) &&
	    strcmp(sub, "list") == 0) {
		argv[2] = strcmp(cmd, "person") == 0 ? "person-list" : "account-list";
		return cli_query(argc - 2, argv + 2);
	}
	if (strcmp(cmd, "log") == 0)
		return cli_log(argc - 1, argv + 1);
	return cli_ledger(argc - 1, argv + 1);
}
