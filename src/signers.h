/* signers.h: which keys count as signers of a log entry.
 *
 * One rule, used by the replay (custos log verify, custos-verify) and by
 * the server extension on every appended entry (src/pg/custos_pg.c): a
 * signature counts when its key is in the registry as of the entry's index
 * (enrolled and not revoked; the caller's lookup says which), or, for
 * genesis and key-enrol entries with one key line, when it is the key that
 * the entry enrols (proof that its holder has the secret key).  The entry
 * needs entry_required_signers(e) distinct counted keys. */
#ifndef CUSTOS_SIGNERS_H
#define CUSTOS_SIGNERS_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"
#include "note.h"
#include "status.h"

/* Judge the signature lines of the parsed note n, whose text parsed as e.
 * registry(ctx, ...) finds a key enrolled and unrevoked as of e->index.
 * With verify, every matching line must carry a valid Ed25519 signature
 * (note_verify's rules); without, lines are matched by name and key ID only
 * (for a caller that verified every signature against the same registry
 * already).  On success signers[0..*nsigners) (room for NOTE_MAX_SIGS) are
 * the distinct counted keys in line order; signers[i] == enrolled (see
 * below) for the key the entry enrols.  ST_NOSIG (too few, or none) or
 * ST_BADSIG (a matching line does not verify), with err saying how many
 * were found and how many are needed. */
status signers_check(const entry *e, const note *n, note_key_lookup registry, void *ctx,
		     bool verify, const key_public **signers, size_t *nsigners,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* The server's check of one stored entry (src/pg/custos_pg.c), the one
 * parse the extension exposes: buf[0..len) must be a signed note (parsed
 * into *n, whose pointers point into buf) of at most ENTRY_NOTE_MAX bytes,
 * whose text is a canonical custos entry, v2 or v1 (parsed into *e), and
 * whose valid signatures meet the entry's need (signers_check with verify,
 * against registry).  *e is zeroed first; the caller frees it with
 * entry_free whatever is returned.  On failure err names the step: "the
 * note is not a signed note: ...", "the note is not a canonical
 * custos entry: ..." or "entry N (ACTION): ..." (the status of
 * note_parse, entry_parse or signers_check). */
status signers_verify_entry(const char *buf, size_t len, note_key_lookup registry, void *ctx,
			    note *n, entry *e, const key_public **signers, size_t *nsigners,
			    errbuf *err) CUSTOS_WARN_UNUSED;

/* The key that e enrols and that may sign it (genesis, key-enrol with one
 * key line), or NULL. */
const key_public *signers_enrolled(const entry *e);

#endif
