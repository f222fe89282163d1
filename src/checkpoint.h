/* checkpoint.h: checkpoints and cosignatures on the database side.
 *
 * The log key is a custos key file whose name is the log's origin; its
 * verifier key is registered in the database once (custos.log_key) and
 * never changes.  A checkpoint is a C2SP tlog-checkpoint note (origin,
 * size, base64 RFC 6962 root) signed by that key.  The server computes
 * the root from stored complete subtrees (sql/004_checkpoints.sql), so a
 * checkpoint reads only the entries since the last one; the client signs
 * it, checks its own signature against the registered key, and stores it
 * with custos.checkpoint_store, which checks the root again.  Witnesses'
 * tlog-cosignature/v1 lines are stored beside their checkpoint.  Every
 * table is append-only.
 *
 * A checkpoint is due when an entry with two signatures (a two-person
 * action) or policy checkpoint_interval_entries entries follow the last
 * one.  Signing needs the log key, so the client that has it at hand makes
 * the due checkpoint right after a submit (checkpoint_after_submit); until
 * someone does, the alarms list says "checkpoint due". */
#ifndef CUSTOS_CHECKPOINT_H
#define CUSTOS_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../keys/key.h"
#include "db.h"
#include "status.h"

/* Register the log's verifier key `vkey` (name+hexid+base64(0x01||pk)).
 * Only an administrator (or the schema's owner), only once, and the key's
 * name must be the log's origin.  ST_EXISTS if a log key is registered
 * already; ST_USAGE for a malformed key or a wrong name; ST_DENIED for
 * someone else. */
status checkpoint_key_set(db *d, const char *vkey, errbuf *err) CUSTOS_WARN_UNUSED;

/* Register a witness by its cosigner verifier key `vkey`
 * (name+hexid+base64(0x04||pk), as custos-verify witness-vkey prints it):
 * the database then stores cosignatures that verify by it.  Only an
 * administrator (or the schema's owner); once per witness, never changed.
 * *added false if it was registered already.  ST_USAGE for a malformed key,
 * ST_EXISTS for a name or key registered with another key or name,
 * ST_DENIED for someone else. */
status checkpoint_witness_add(db *d, const char *vkey, bool *added, errbuf *err)
	CUSTOS_WARN_UNUSED;

/* The registered witnesses' cosigner verifier keys, in name order: fn is
 * called with each (and who registered it, and when, as the server's
 * text) until it returns false. */
status checkpoint_witnesses(db *d, bool (*fn)(void *ctx, const char *vkey, const char *by,
					       const char *at),
			    void *ctx, errbuf *err) CUSTOS_WARN_UNUSED;

/* The registered log key into *out; ST_NOTFOUND if none is registered. */
status checkpoint_key_get(db *d, key_public *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* Load the log key file at `path` (NULL: $CUSTOS_LOG_KEY; neither given:
 * ST_OK with *out NULL, for "no log key at hand").  The passphrase is one
 * line from fd when fd >= 0, else asked on the terminal.  Errors as
 * keyfile_load, with the file named in err. */
status checkpoint_key_load(const char *path, int fd, key_secret **out, errbuf *err)
	CUSTOS_WARN_UNUSED;

/* What checkpoint_make did. */
typedef struct checkpoint_made {
	uint64_t size;   /* the checkpoint's size (the log's size when made) */
	bool stored;     /* false: a checkpoint of that size was stored already */
	char root_b64[45];
} checkpoint_made;

/* Make, verify and store a checkpoint of the whole log as it is now, signed
 * by `log_key`.  ST_BADSIG if log_key is not the registered log key (named
 * in err), ST_NOTFOUND if none is registered, ST_DENIED if the person may
 * not make checkpoints (administrators, custodians and alternates may). */
status checkpoint_make(db *d, const key_secret *log_key, checkpoint_made *out,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* Whether a checkpoint is due and why. */
typedef struct checkpoint_due_info {
	bool due;
	uint64_t size;            /* entries in the log */
	uint64_t last_size;       /* the size of the latest checkpoint (0: none) */
	bool two_person;          /* a two-person entry follows it ... */
	uint64_t two_person_idx;  /* ... the first such */
	uint64_t interval;        /* policy checkpoint_interval_entries */
	char due_at[40];          /* server time of the entry that made it due, "" */
} checkpoint_due_info;

status checkpoint_due(db *d, checkpoint_due_info *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* After a successful submit: make a checkpoint if one is due, else do
 * nothing.  `log_key` NULL does nothing (the alarm stays).  *made (may be
 * NULL) says what was made (made->size 0 when nothing was). */
status checkpoint_after_submit(db *d, const key_secret *log_key, checkpoint_made *made,
			       errbuf *err) CUSTOS_WARN_UNUSED;

/* Store the cosignatures in a checkpoint note text[0..len) a witness
 * returned: its text must be the text of a stored checkpoint.  Every
 * signature line that is not the log key's and not stored yet must be a
 * tlog-cosignature/v1 line (76 bytes).  With `policy_path` (NULL for none:
 * a trust policy file, src/policy.h) each new line must also be a valid
 * cosignature by a witness the policy names, else nothing is stored.
 * *size is the checkpoint's size, *added the lines added (0: all known). */
status checkpoint_cosign(db *d, const char *text, size_t len, const char *policy_path,
			 uint64_t *size, size_t *added, errbuf *err) CUSTOS_WARN_UNUSED;

/* The stored checkpoint of `size` entries (0: the latest) as a note with
 * every stored cosignature line appended (in the order they were stored),
 * in a new malloc'd NUL-terminated *note of length *len; *size_out its
 * size.  ST_NOTFOUND if there is none. */
status checkpoint_note(db *d, uint64_t size, char **note, size_t *len, uint64_t *size_out,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* One stored checkpoint, for listings. */
typedef struct checkpoint_row {
	uint64_t size;
	const char *root_b64, *made_at, *made_by;
	size_t cosignatures;
	const char *witnesses; /* their names, space separated */
} checkpoint_row;

/* Call fn for each stored checkpoint, newest first, at most `limit` (0: all),
 * sizes below `before` (0: from the latest): keyset paged. */
status checkpoint_list(db *d, uint64_t before, int limit,
		       void (*fn)(void *ctx, const checkpoint_row *row), void *ctx,
		       errbuf *err) CUSTOS_WARN_UNUSED;

#endif
