/* custos: the command-line front end.  `custos <command> ...`; with no
 * command, or only the terminal UI's options (--db, --key, --no-key), the
 * terminal UI (tui/).  Exit status: 0 success, 1 refused or failed, 2 usage. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../keys/key.h"
#include "../tui/tui.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: custos [--db CONNINFO] [--key FILE | --no-key] [--log-key FILE]   the terminal UI\n"
	      "       custos <command> [options]   (custos <command> --help for more)\n"
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
	      "  log export FILE     the log file and FILE.keys for custos-verify\n"
	      "  log export --out DIR [--since SIZE]   the bundle for custos-verify --policy\n"
	      "  log key set VKEY | log key show       the log's checkpoint key (once)\n"
	      "  log checkpoint [--log-key FILE] | log checkpoints\n"
	      "  log cosign FILE [--policy POLICY]     store a witness's cosignatures\n"
	      "  log policy [--witness VKEY]... [--quorum N]   a trust policy for verifiers\n"
	      "  log proof TXN|INDEX --out FILE [--entry]      one entry's receipt\n"
	      "\n"
	      "Signing commands take --log-key FILE (or $CUSTOS_LOG_KEY) and\n"
	      "--log-passphrase-fd N to sign the checkpoints that fall due.\n",
	      f);
}

/* If argv holds only the terminal UI's options, fill o and return true. */
static bool tui_args(int argc, char **argv, tui_options *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		const char *val = NULL;
		if (strcmp(a, "--no-key") == 0) {
			o->no_key = true;
			continue;
		}
		if (strcmp(a, "--db") == 0 || strncmp(a, "--db=", 5) == 0)
			dst = &o->conninfo, val = a[4] == '=' ? a + 5 : NULL;
		else if (strcmp(a, "--key") == 0 || strncmp(a, "--key=", 6) == 0)
			dst = &o->key, val = a[5] == '=' ? a + 6 : NULL;
		else if (strcmp(a, "--log-key") == 0 || strncmp(a, "--log-key=", 10) == 0)
			dst = &o->log_key, val = a[9] == '=' ? a + 10 : NULL;
		else
			return false;
		if (val == NULL) {
			if (i + 1 == argc)
				return false;
			val = argv[++i];
		}
		*dst = val;
	}
	return true;
}

int main(int argc, char **argv)
{
	if (key_init() != ST_OK) {
		fputs("custos: libsodium could not be initialised\n", stderr);
		return CLI_FAIL;
	}
	tui_options topt;
	if (tui_args(argc, argv, &topt))
		return tui_main(&topt);
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
