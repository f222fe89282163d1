/* report_file.h: a report written to a file of its own, for `custos
 * report` (src/cli_report.c) and the terminal UI's `P` alike: always a new
 * file (O_EXCL: never over an existing one, never through a symbolic
 * link), mode 0600, since a report lists accountable material by serial;
 * nothing is left behind on a failure.  It calls the PDF writer, so only
 * custos links it. */
#ifndef CUSTOS_REPORT_FILE_H
#define CUSTOS_REPORT_FILE_H

#include <stddef.h>

#include "db.h"
#include "report.h"
#include "report_audit.h"
#include "report_pdf.h"
#include "status.h"

typedef enum report_format { REPORT_FORMAT_PDF, REPORT_FORMAT_CSV, REPORT_FORMAT_JSON } report_format;

/* The extension of a format's files: "pdf", "csv", "json". */
const char *report_format_ext(report_format fmt);

/* Write report r, or register g when r is NULL, in fmt (paper for PDF) to
 * the new file `path`.  ST_EXISTS when path exists; ST_IO when it cannot
 * be created or written (err names the file and why); the writers'
 * statuses. */
status report_file_write(const report *r, const report_register *g, report_format fmt,
			 report_paper paper, const char *path, errbuf *err) CUSTOS_WARN_UNUSED;

/* Write audit report a the same way to the new file `path`. */
status report_file_write_audit(const report_audit *a, report_format fmt, report_paper paper,
			       const char *path, errbuf *err) CUSTOS_WARN_UNUSED;

/* The reports folder, into dir (cap bytes): $CUSTOS_REPORT_DIR, else
 * $HOME/custos-reports; made with mode 0700 when it does not exist (its
 * parent must).  ST_USAGE when neither variable gives one; ST_IO when it
 * cannot be made or is no folder (err says which and why). */
status report_file_dir(char *dir, size_t cap, errbuf *err) CUSTOS_WARN_UNUSED;

/* Write r in fmt to a new file in folder dir named NAME.EXT or, when that
 * exists, NAME-2.EXT, NAME-3.EXT ... (up to REPORT_FILE_TRIES names), and
 * put the path written into path (cap bytes; on a failure, the path
 * tried last).  name is letters, digits, '-', '_' and '.' only, not
 * starting with '.' (else ST_USAGE): a transaction number and a kind,
 * "123456-2026-0004-material".  ST_EXISTS when every name is taken; else
 * as report_file_write. */
#define REPORT_FILE_TRIES 100
status report_file_new(const report *r, report_format fmt, report_paper paper, const char *dir,
		       const char *name, char *path, size_t cap, errbuf *err) CUSTOS_WARN_UNUSED;

/* Record in the access log (access_export) that a report was written, as
 * the command line says it: "report KIND OPERAND --out PATH" (kind
 * "material", "hand-receipts"...; operand the transaction or the
 * account). */
void report_file_exported(db *d, const char *kind, const char *operand, const char *path);

#endif
