/* custos: with no command, or only the terminal UI's options (--db, --key,
 * --no-key, --log-key), the terminal UI (tui/); else `custos <command> ...`,
 * the verbs of src/cli.c.  Exit status: 0 success, 1 refused or failed,
 * 2 usage, 3 outcome unknown. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../keys/key.h"
#include "../tui/tui.h"
#include "cli.h"

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
	return cli_main(argc, argv);
}
