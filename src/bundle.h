/* bundle.h: reading and verifying an export bundle (docs/bundle.md).
 *
 *   DIR/checkpoint          the latest checkpoint note, with cosignatures
 *   DIR/tile/entries/...    entry bundles (tlog-tiles), 256 entries each
 *   DIR/tile/<L>/...        hash tiles, height 8
 *   DIR/checkpoints/<size>  earlier checkpoints
 *   DIR/consistency/<m>     consistency proof from size m to the latest
 *
 * Offline, no libpq: custos-verify's engine.  Verification order and
 * verdict: the checkpoint (log signature and witness quorum) first, since
 * nothing else means anything without it; then every entry (format, chain,
 * time order, signatures by the registry as of its index, two-person rules,
 * custody replay), the entry bundles' framing, the tiles and the roots;
 * then consistency with the previous checkpoint.  The earliest failing
 * entry index wins among the entry-level faults. */
#ifndef CUSTOS_BUNDLE_H
#define CUSTOS_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "policy.h"
#include "replay.h"
#include "status.h"
#include "tlog.h"
#include "verify.h"

/* The entries of a bundle, each file mapped read-only (the files must not
 * change while they are mapped, as with logfile_open). */
typedef struct bundle_entries {
	verify_record *recs;   /* all whole records, in order */
	uint64_t n;
	unsigned *counts;      /* per entry bundle file: see bundle_read_entries */
	void **maps;
	size_t *maplens;
	size_t nmaps;
} bundle_entries;

/* Map the entry bundles of a tree of size n under dir (full ones, then the
 * partial one) and list their records in *e (free with
 * bundle_entries_free, also after failure).  e->counts[k] (ceil(n / 256)
 * of them) receives each file's record count, UINT32_MAX if a record runs
 * past the file's end, or UINT32_MAX - 1 if the file is missing (nothing
 * after it is read), so the caller can judge the framing together with the
 * entries.  ST_NOMEM, or ST_IO / ST_TOOBIG for a file that cannot be read,
 * with err naming it. */
status bundle_read_entries(const char *dir, uint64_t n, bundle_entries *e, errbuf *err)
	CUSTOS_WARN_UNUSED;
void bundle_entries_free(bundle_entries *e);

/* Compare every hash tile a tree of size n needs (under dir) with the tiles
 * computed from leaves[0..n).  ST_OK if all are present and equal; else
 * ST_CORRUPT (or ST_NOTFOUND for a missing tile) with *index the first
 * leaf the bad tile covers and err naming the tile. */
status bundle_check_tiles(const char *dir, const merkle_hash *leaves, uint64_t n,
			  uint64_t *index, errbuf *err) CUSTOS_WARN_UNUSED;

typedef struct bundle_opts {
	const policy *pol;
	const char *previous;  /* a kept checkpoint file, or NULL */
	unsigned threads;      /* 0: all online CPUs */
} bundle_opts;

/* The kind of the first failure. */
typedef enum bundle_fault {
	BF_NONE,
	BF_CHECKPOINT, /* the checkpoint: signature, quorum, format */
	BF_ENTRY,      /* an entry (index set) */
	BF_PREVIOUS,   /* the kept checkpoint: truncation, fork, signature */
} bundle_fault;

typedef struct bundle_report {
	bool valid;
	bundle_fault fault;
	bool has_index;
	uint64_t index;        /* the first failing entry, if has_index */
	char reason[512];
	/* what was checked */
	tlog_checkpoint cp;
	policy_result cosigs;
	uint64_t entries;
	uint64_t signatures, two_person;
	uint64_t tiles;        /* hash tiles compared */
	uint64_t checkpoints;  /* earlier checkpoints (checkpoints/) found consistent */
	bool previous_checked;
	uint64_t previous_size;
	bool previous_proof;   /* the bundle's consistency/<m> proof was checked */
	int64_t first_time_us, last_time_us;
	unsigned threads;
	double seconds_signatures, seconds_total;
	/* wall time of each phase: reading the files, the registry pass,
	 * waiting for the replay after the parallel pass, tiles and history */
	double seconds_read, seconds_registry, seconds_replay_wait, seconds_after;
	/* The replayed state (for --holdings), owned by the report; NULL if
	 * the replay did not run.  Freed by bundle_report_free. */
	replay *state;
} bundle_report;

/* Verify the bundle in dir.  ST_OK when a verdict was reached (in
 * rep->valid); ST_IO / ST_NOTFOUND / ST_NOMEM / ST_FORMAT (policy or
 * previous checkpoint unreadable) when it could not run, with err. */
status bundle_verify(const char *dir, const bundle_opts *opts, bundle_report *rep,
		     errbuf *err) CUSTOS_WARN_UNUSED;

void bundle_report_free(bundle_report *rep);

/* Read and check the kept checkpoint at path against the log's key in the
 * policy (no quorum needed: it is the auditor's own copy).  For
 * custos-verify's --previous and the witness's state file. */
status bundle_load_checkpoint(const char *path, const policy *pol, bool need_quorum,
			      tlog_checkpoint *cp, errbuf *err) CUSTOS_WARN_UNUSED;

/* Consistency of an earlier tree (size m, root) with the bundle's latest
 * tree (cp) whose leaves are known: ST_OK, or ST_PROOF with err saying
 * truncation (m > size) or fork (different root at m). */
status bundle_consistent(const merkle_hash *leaves, const tlog_checkpoint *cp, uint64_t m,
			 const merkle_hash root, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
