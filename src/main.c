/* custos: the command-line front end.  `custos <command> ...`; with no
 * command (later) the terminal UI.  Exit status: 0 success, 1 refused or
 * failed, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "../keys/key.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: custos <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  key new --name NAME --out FILE [--passphrase-fd N]\n"
	      "                      make a key pair; the secret key file is sealed\n"
	      "                      with a passphrase\n"
	      "  key pub [--pem] FILE  print the public key (C2SP verifier key, or PEM)\n"
	      "  key passwd FILE [--passphrase-fd N] [--new-passphrase-fd M]\n"
	      "                      change a key file's passphrase\n"
	      "  help                this text\n",
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
	if (strcmp(cmd, "key") == 0)
		return cli_key(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	fprintf(stderr, "custos: unknown command '%s'; try 'custos help'\n", cmd);
	return CLI_USAGE;
}
