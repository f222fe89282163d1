/* report_audit.h: the audit report, `custos report audit` (docs/reports.md,
 * "The audit report"): the findings of `custos audit` and its oversight
 * sample as a printable report.
 *
 * The findings and the sample are src/audit.c's, unchanged: this module
 * holds no finding rule of its own.  It adds what a reader of the paper
 * needs beside them: the log judged (origin, size, root hash, whether a
 * signed checkpoint of that size is stored), the accounts audited with
 * their names, the policy in force at the end of the log, each finding's
 * kind in words and the leaf hashes of the entries it names.
 * report_audit_build does no I/O; report_audit_load reads the whole log
 * (administrators and auditors only, as `custos audit`).  Text in the model
 * is as signed (account names, item titles in the reasons): every writer
 * shows it escaped (report_escape), JSON as JSON escapes it. */
#ifndef CUSTOS_REPORT_AUDIT_H
#define CUSTOS_REPORT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"
#include "db.h"
#include "logverify.h"
#include "rules.h"
#include "status.h"

typedef struct report_audit_row {
	audit_finding f;           /* as src/audit.c found it */
	char leaf_b64[45];         /* the leaf hash of entry f.index, base64 */
	char since_leaf_b64[45];   /* of entry f.since */
} report_audit_row;

typedef struct report_audit_account {
	char number[ENTRY_ACCOUNT_LEN + 1];
	char *name;                /* as its account-open entry says, malloc'd */
	uint64_t opened_index;
} report_audit_account;

typedef struct report_audit {
	char origin[ENTRY_ORIGIN_MAX + 1];
	uint64_t size;             /* entries judged: the log's size */
	char root_b64[45];         /* the Merkle root of them: the sample's seed */
	bool checkpoint;           /* a signed checkpoint of that size is stored */
	uint64_t cosignatures;
	char report_date[ENTRY_DATE_LEN + 1];
	char account[ENTRY_ACCOUNT_LEN + 1]; /* --account, "" for every account */
	size_t naccounts;
	report_audit_account *accounts;       /* the audited, in order of opening */
	int64_t policy[POL__COUNT];           /* in force after the last entry */
	size_t nrows;
	report_audit_row *rows;               /* the findings, in audit.c's order */
	size_t sample_k;                      /* the K of --sample */
	size_t npicks;
	audit_pick *picks;                    /* audit_sample's */
} report_audit;

/* Build ra from audit a, fed and finished over the log that `log`
 * describes (logverify_audit_log: its root, size and every leaf), for
 * account `account` (NULL: every account; a's own filter must be the same)
 * with a sample of k, dated now_us (UTC microseconds).  ST_NOTFOUND when
 * account is not in the log; ST_NOMEM.  ra is freed with
 * report_audit_free, also after a failure. */
status report_audit_build(const audit *a, const logverify_audited *log, const char *account,
			  size_t k, int64_t now_us, report_audit *ra, errbuf *err) CUSTOS_WARN_UNUSED;

/* Audit the whole log as this login reads it and build ra.  ST_USAGE: not
 * an account number; ST_DENIED: neither an administrator nor an auditor
 * (the refusal of `custos audit`); ST_NOTFOUND: no such account. */
status report_audit_load(db *d, const char *account, size_t k, report_audit *ra,
			 errbuf *err) CUSTOS_WARN_UNUSED;

void report_audit_free(report_audit *ra);

/* CSV (RFC 4180, CRLF, every field quoted, text escaped as in the PDF):
 * the log (origin, size, root, checkpoint, date, account), a blank line,
 * the accounts, a blank line, the findings (code, account, index, since,
 * reason as `custos audit --json` has them, then kind, leaf_hash,
 * since_leaf_hash), a blank line, the sample.  Each section has its header
 * row. */
status report_audit_write_csv(const report_audit *ra, FILE *f, errbuf *err) CUSTOS_WARN_UNUSED;

/* One JSON object: "entries", "findings" (each with the keys of `custos
 * audit --json` and kind, leaf_hash, since_leaf_hash) and "sample" (as
 * `custos audit --json --sample K` has it), with "report", "origin",
 * "log", "report_date", "account", "accounts", "policy", "sample_k". */
status report_audit_write_json(const report_audit *ra, FILE *f, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
