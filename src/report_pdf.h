/* report_pdf.h: the COMSEC Material Report drawn as PDF (cairo + pango,
 * DejaVu fonts, a QR code by libqrencode).  Only custos links this; the
 * model (report.h) knows nothing of it. */
#ifndef CUSTOS_REPORT_PDF_H
#define CUSTOS_REPORT_PDF_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"
#include "report_audit.h"
#include "status.h"

typedef enum report_paper { PAPER_A4, PAPER_LETTER } report_paper;

/* The paper named s as `--paper` and CUSTOS_PAPER say it ("a4",
 * "letter"): true and *p set; false, *p untouched, for anything else. */
bool report_paper_from_name(const char *s, report_paper *p);

/* Its words for a person: "A4", "US Letter". */
const char *report_paper_words(report_paper p);

/* Draw r on pages of `paper` to f: the blocks of the form with the header
 * and "page n of m" on every page, long content broken across pages, every
 * text from the log shown escaped (report_escape) and laid out by pango,
 * a QR code of the entry's origin, index and leaf hash, and on the last
 * page the entry's text and its inclusion proof.  ST_IO / ST_NOMEM. */
status report_pdf_write(const report *r, report_paper paper, FILE *f,
			errbuf *err) CUSTOS_WARN_UNUSED;

/* Draw register g the same way: the header and "page n of m" on every
 * page, the register's account and period, each row (open hand receipts
 * first) with its items, what closed each, and its entry's origin, index
 * and leaf hash, then the custodian's certification.  ST_IO / ST_NOMEM. */
status report_pdf_write_register(const report_register *g, report_paper paper, FILE *f,
				 errbuf *err) CUSTOS_WARN_UNUSED;

/* Draw audit report ra the same way: the log judged (origin, size, root,
 * checkpoint), the date, the accounts, the policy in force, each finding
 * with its kind in words, account, entry indices and their leaf hashes (or
 * "no findings"), the oversight sample with its seed, and the auditor's
 * signature block.  ST_IO / ST_NOMEM. */
status report_pdf_write_audit(const report_audit *ra, report_paper paper, FILE *f,
			      errbuf *err) CUSTOS_WARN_UNUSED;

/* Release the caches fontconfig, pango and cairo keep for the process
 * (so that LeakSanitizer sees nothing left): call once, at exit, after the
 * last report_pdf_write. */
void report_pdf_cleanup(void);

#endif
