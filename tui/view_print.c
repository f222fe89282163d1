/* view_print.c: `P`, the report of the transaction on the line under the
 * cursor, as PDF in a new file of the reports folder (views.h).  What
 * report an action makes is src/report.c's rule (report_kind_for); how the
 * file is made is src/report_file.c's, the same as `custos report`'s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/report.h"
#include "../src/report_file.h"
#include "views.h"

/* path with $HOME's part as "~" (as a shell shows it), so that the file's
 * name fits the message line; path itself otherwise. */
static const char *home_short(const char *path)
{
	static char buf[TUI_PATH_MAX];
	const char *home = getenv("HOME");
	size_t n = home != NULL ? strlen(home) : 0;
	while (n > 1 && home[n - 1] == '/')
		n--;
	if (n < 2 || strncmp(path, home, n) != 0 || path[n] != '/')
		return path;
	snprintf(buf, sizeof buf, "~%s", path + n);
	return buf;
}

/* The paper of `P`: $CUSTOS_PAPER (a4 or letter), else A4.  A value that
 * is neither is said in words the first time (into bad, cap bytes; ""
 * after that, or when it is good), and A4 used. */
static report_paper paper_of(tui_app *app, char *bad, size_t cap)
{
	report_paper p = PAPER_A4;
	const char *env = getenv("CUSTOS_PAPER");
	bad[0] = '\0';
	if (env == NULL || env[0] == '\0' || report_paper_from_name(env, &p))
		return p;
	if (!app->paper_told)
		snprintf(bad, cap, " (CUSTOS_PAPER \"%.24s\" is not a4 or letter)", env);
	app->paper_told = true;
	return PAPER_A4;
}

void view_print(tui_app *app, const char *txn, const char *action)
{
	if (txn == NULL || txn[0] == '\0') {
		tui_message(app, TUI_MSG_INFO,
			    "no report here: the line under the cursor names no transaction");
		return;
	}
	report_kind kind;
	int act = action != NULL ? entry_action_from_name(action, strlen(action)) : -1;
	if (act < 0 || !report_kind_for((entry_action)act, &kind)) {
		tui_message(app, TUI_MSG_INFO,
			    "no report for %s: its %s entry makes no COMSEC Material Report", txn,
			    action != NULL && action[0] != '\0' ? action : "?");
		return;
	}
	char dir[TUI_PATH_MAX], path[TUI_PATH_MAX], name[ENTRY_TXN_MAX + 32];
	snprintf(name, sizeof name, "%s-%s", txn, report_kind_name(kind));
	errbuf err = {0};
	status st = report_file_dir(dir, sizeof dir, &err);
	if (st != ST_OK) {
		tui_message(app, TUI_MSG_ERROR, "no report written: %s", err_text(&err, st));
		return;
	}
	report r;
	st = report_load(app->db, txn, kind, &r, &err);
	if (st == ST_CONN && tui_reconnect(app, st, TUI_RECONNECT_SECONDS)) {
		report_free(&r);
		err = (errbuf){0};
		st = report_load(app->db, txn, kind, &r, &err);
	}
	char bad[96];
	report_paper paper = paper_of(app, bad, sizeof bad);
	if (st == ST_OK) {
		app->printed = true; /* fontconfig and pango keep caches from now */
		st = report_file_new(&r, REPORT_FORMAT_PDF, paper, dir, name, path, sizeof path,
				     &err);
	}
	report_free(&r);
	if (st != ST_OK) {
		tui_message(app, TUI_MSG_ERROR, "no %s report of %s written: %s",
			    report_kind_name(kind), txn, err_text(&err, st));
		return;
	}
	report_file_exported(app->db, report_kind_name(kind), txn, path);
	tui_message(app, bad[0] ? TUI_MSG_WARN : TUI_MSG_OK, "%s report of %s written to %s, PDF, %s%s",
		    report_kind_name(kind), txn, home_short(path), report_paper_words(paper), bad);
}
