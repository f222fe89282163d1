/* logverify.h: `custos log verify` and `custos log export` against the
 * database.
 *
 * Verification reads the whole log in one snapshot and replays it
 * (replay.h): chain, time, signatures judged by the key registry as of
 * each entry's index, roles and custody rules.  Then it compares the state
 * the replay rebuilt with the state tables (accounts, people, roles,
 * items and their custody, transactions, incidents) and names every
 * difference: a change that bypassed the log is found here.  The list each
 * certification keeps (custos.certified_item) is judged by the rule that
 * judged the entry (rules_check_certification): a list that no longer
 * hashes to the signed list_sha256, or a list kept for an entry that is no
 * certification, is a difference. */
#ifndef CUSTOS_LOGVERIFY_H
#define CUSTOS_LOGVERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "status.h"

typedef struct logverify_report {
	bool valid;              /* the log verifies and the tables match it */
	uint64_t entries;        /* entries replayed */
	bool log_ok;             /* the log itself verified */
	uint64_t failed_index;   /* !log_ok: the first bad entry */
	char reason[512];        /* !log_ok: why */
	uint64_t differences;    /* state rows that differ from the replay */
	uint64_t unlisted;       /* certifications of items whose list the
				  * database does not keep (signed before
				  * custos kept certified lists, or removed):
				  * not a difference, but no report prints them */
	uint64_t first_unlisted; /* unlisted: the first one's log index */
} logverify_report;

/* Called for each difference found, with a one-line description naming the
 * table row and the field ("item KG-175D serial 0042: status: database
 * destroyed, log on_hand"). */
typedef void (*logverify_diff_fn)(void *ctx, const char *line);

/* Run the verification.  ST_OK when it ran to a verdict (in report);
 * another status when it could not run (connection, permission: only
 * administrators and auditors read the whole log). */
status logverify_run(db *d, logverify_report *report, logverify_diff_fn diff, void *ctx,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* Progress of a verification: `phase` "entries" (done of total entries
 * replayed; called every 64 entries and at the end of the walk) or
 * "tables" (done of total state tables compared).  For a progress bar; it
 * must not use the database connection. */
typedef void (*logverify_progress_fn)(void *ctx, uint64_t done, uint64_t total,
				      const char *phase);

/* logverify_run, telling `progress` (may be NULL) how far it got. */
status logverify_run_progress(db *d, logverify_report *report, logverify_diff_fn diff, void *ctx,
			      logverify_progress_fn progress, void *pctx,
			      errbuf *err) CUSTOS_WARN_UNUSED;

/* Write the log as a log file (docs/log-format.md section 1) to `log` and
 * every key ever enrolled, as a trust file, to `keys`. *entries counts. */
status logverify_export(db *d, FILE *log, FILE *keys, uint64_t *entries,
			errbuf *err) CUSTOS_WARN_UNUSED;

/* Feed the whole log, in one snapshot, to audit a (audit.h), each note
 * checked against its stored leaf hash, and give the Merkle root of its
 * leaves (the checkpoint root at that size, the sample's seed) and the
 * size.  Only administrators and auditors read the whole log (ST_DENIED). */
struct audit;
status logverify_audit(db *d, struct audit *a, uint8_t root[32], uint64_t *size,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* What an audit report tells of the log it judged (logverify_audit_log). */
typedef struct logverify_audited {
	uint8_t root[32];        /* the Merkle root of the size leaves */
	uint64_t size;
	uint8_t *leaves;         /* size * 32 bytes, entry i's leaf at i * 32;
				  * malloc'd, the caller frees */
	bool checkpoint;         /* a signed checkpoint of this size is stored */
	uint64_t cosignatures;   /* its witnesses' cosignatures */
} logverify_audited;

/* logverify_audit, keeping every leaf hash (for the entries the findings
 * name), then audit_finish(a), and whether a checkpoint of the log's size
 * is stored, all in the one snapshot.  ST_CORRUPT also when that
 * checkpoint's root is not the root of the entries.  out->leaves is NULL
 * after a failure. */
status logverify_audit_log(db *d, struct audit *a, logverify_audited *out,
			   errbuf *err) CUSTOS_WARN_UNUSED;

#endif
