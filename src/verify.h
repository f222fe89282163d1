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

/* Finds the key with this name and key ID that may sign entry `index`
 * (the key registry as it stood before that entry), or returns NULL.
 * Called from several threads at once. */
typedef const key_public *(*verify_lookup_at)(void *ctx, uint64_t index, const char *name,
					      size_t namelen, const uint8_t id[KEY_ID_LEN]);

typedef struct verify_opts {
	note_key_lookup lookup; /* trusted keys; must be safe to call from threads */
	void *lookup_ctx;
	verify_lookup_at lookup_at; /* if set: used instead of lookup, per index */
	void *lookup_at_ctx;
	bool keep_leaves;       /* hand the leaf hashes back in the report */
	unsigned threads;       /* 0: one per online CPU */
	unsigned chunk_records; /* records per unit of work; 0: the default (1024) */
} verify_opts;

/* What kind of fault made a log invalid (verify_report.fault), for callers
 * that act on it; the reason is its words. */
typedef enum verify_fault {
	VF_NONE,        /* valid */
	VF_EMPTY,       /* no records */
	VF_FRAMING,     /* a record's length framing is broken */
	VF_NOTE,        /* not a valid signed note */
	VF_ENTRY,       /* not a valid log entry */
	VF_INDEX,       /* the index field is not the record's position */
	VF_ORIGIN,      /* origin differs from the first entry's */
	VF_PREV,        /* prev is not the previous leaf hash */
	VF_TIME,        /* time goes backwards */
	VF_SIGNATURES,  /* not signed by the trusted keys the entry needs */
	VF_NOMEM        /* could not be checked: out of memory */
} verify_fault;

typedef struct verify_report {
	bool valid;
	verify_fault fault;      /* VF_NONE if valid */
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
	/* opts->keep_leaves: an array of `records` leaf hashes, malloc'd, that
	 * the caller frees (NULL otherwise, or for an empty log).  Complete
	 * only when valid: records after a chunk's first fault are skipped. */
	merkle_hash *leaves;
	uint64_t records;
} verify_report;

/* One record: a whole signed note. */
typedef struct verify_record {
	const uint8_t *data;
	size_t len;
} verify_record;

/* Verify the log file held in buf[0..len).  Returns ST_OK when the check ran
 * to a verdict (in report->valid); another status (ST_NOMEM, ...) if it
 * could not run.  An empty log is reported invalid: nothing was verified. */
status verify_log(const uint8_t *buf, size_t len, const verify_opts *opts,
		  verify_report *report) CUSTOS_WARN_UNUSED;

/* The same over records already split: recs[0..n) (which may point into
 * many buffers, e.g. mapped entry bundles). */
status verify_records(const verify_record *recs, uint64_t n, const verify_opts *opts,
		      verify_report *report) CUSTOS_WARN_UNUSED;

/* The key registry of a log as a timeline: who may sign entry n.  Built by
 * one cheap pass that fully parses only genesis, key-enrol and key-revoke
 * entries and follows replay.c's registry rules (a key may sign from the
 * entry that enrols it, up to and including the key-revoke that removes
 * its last role).  Entries the replay would refuse may put the timeline
 * wrong only after the first refused entry, which is reported anyway. */
typedef struct verify_registry verify_registry;

/* Build the timeline over the records recs[0..n).  Unparsable records are
 * skipped (the full check reports them).  ST_NOMEM only. */
status verify_registry_build(const verify_record *recs, uint64_t n, verify_registry **out)
	CUSTOS_WARN_UNUSED;

/* A verify_lookup_at over a registry (ctx is the verify_registry *);
 * safe to call from several threads. */
const key_public *verify_registry_lookup(void *ctx, uint64_t index, const char *name,
					 size_t namelen, const uint8_t id[KEY_ID_LEN]);

/* Why the signature lines of note n do not count at entry `index`, for a
 * report: for each line, "key NAME is not enrolled", "key NAME was revoked
 * at entry J", "key NAME is enrolled only from entry J" or "key NAME has
 * another key ID", joined by "; " into out (room for cap bytes).  Empty if
 * every line names a key that may sign there. */
void verify_registry_explain(const verify_registry *reg, uint64_t index, const note *n,
			     char *out, size_t cap);

/* How many keys the registry ever held. */
size_t verify_registry_size(const verify_registry *reg);

void verify_registry_free(verify_registry *reg);

#endif
