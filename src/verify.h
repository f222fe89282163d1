/* verify.h: offline verification of a whole log file.
 *
 * Checks every record: the C2SP signed-note parses strictly, the entry text
 * parses as format v1, index n is record n, all entries share the first
 * entry's origin, prev is the leaf hash of the previous record (32 zero
 * bytes for the first), time never goes backwards, and the note carries
 * valid signatures by as many distinct trusted keys as the entry needs
 * (entry_required_signers).  Signatures are checked on several threads. */
#ifndef CUSTOS_VERIFY_H
#define CUSTOS_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "merkle.h"
#include "note.h"

typedef struct verify_opts {
	note_key_lookup lookup; /* trusted keys; must be safe to call from threads */
	void *lookup_ctx;
	unsigned threads;       /* 0: one per online CPU */
	unsigned chunk_records; /* records per unit of work; 0: the default (1024) */
} verify_opts;

typedef struct verify_report {
	bool valid;
	uint64_t entries;        /* records checked (all of them if valid) */
	uint64_t failed_index;   /* if !valid: the first failing record, 0-based */
	char reason[256];        /* if !valid: why it failed */
	char origin[ENTRY_ORIGIN_MAX + 1];
	uint64_t signatures;     /* valid signatures by trusted keys */
	uint64_t two_person;     /* entries that needed two distinct signers */
	int64_t first_time_us, last_time_us;
	merkle_hash root;        /* RFC 6962 root over all leaf hashes, if valid */
	merkle_hash last_leaf;   /* leaf hash of the last record, if valid */
	unsigned threads;        /* threads used */
} verify_report;

/* Verify the log file held in buf[0..len).  Returns ST_OK when the check ran
 * to a verdict (in report->valid); another status (ST_NOMEM, ...) if it
 * could not run.  An empty log is reported invalid: nothing was verified. */
status verify_log(const uint8_t *buf, size_t len, const verify_opts *opts,
		  verify_report *report) CUSTOS_WARN_UNUSED;

#endif
