/* status.h: the one result type of libcustos.
 *
 * Every function in src/ and keys/ that can fail returns a `status`; 0 is
 * success.  The X-macro below is the single list of codes and their messages,
 * so a code can never lack a message.  Where the caller needs to know *which*
 * field or line was wrong, functions also take an `errbuf *` (may be NULL)
 * that receives a one-line detail. */
#ifndef CUSTOS_STATUS_H
#define CUSTOS_STATUS_H

#include <stddef.h>

#define CUSTOS_WARN_UNUSED __attribute__((warn_unused_result))

#define STATUS_LIST(X)                                                       \
	X(ST_OK, "success")                                                  \
	X(ST_NOMEM, "out of memory")                                         \
	X(ST_IO, "input/output error")                                       \
	X(ST_USAGE, "invalid argument")                                      \
	X(ST_EXISTS, "file already exists")                                  \
	X(ST_NOTFOUND, "not found")                                          \
	X(ST_PERM, "key file is readable by group or others")                \
	X(ST_BADPASS, "wrong passphrase")                                    \
	X(ST_CORRUPT, "file is truncated or altered")                        \
	X(ST_FORMAT, "malformed input")                                      \
	X(ST_TOOBIG, "input too large")                                      \
	X(ST_BADSIG, "signature does not verify")                            \
	X(ST_NOSIG, "no valid signature from a trusted key")                 \
	X(ST_CRYPTO, "cryptographic library failure")                        \
	X(ST_PROOF, "proof does not verify")                                 \
	X(ST_DB, "database error")                                           \
	X(ST_CONN, "connection to the database lost")                        \
	X(ST_REFUSED, "refused by the ledger rules")                         \
	X(ST_DENIED, "not permitted for this person")                        \
	X(ST_BUSY, "the log is busy; try again")                             \
	X(ST_CONFLICT, "another action conflicted with this one; try again") \
	X(ST_OWNER, "key file is owned by another user")                     \
	X(ST_READONLY, "the server is a read-only standby")                  \
	X(ST_UNKNOWN, "outcome unknown: the connection was lost after the "  \
		      "commit was sent")                                     \
	X(ST_UNREPLICATED, "outcome unknown: the server cut short the "      \
			   "commit's wait for the synchronous standby")

typedef enum status {
#define STATUS_ENUM(code, msg) code,
	STATUS_LIST(STATUS_ENUM)
#undef STATUS_ENUM
	ST__COUNT
} status;

/* Human-readable message for a status code; never NULL. */
const char *status_message(status st);

/* Detail for the last failure: a short sentence naming what was wrong. */
typedef struct errbuf {
	char msg[256];
	int why; /* a rules_refusal (rules.h) when a rule refused; 0 otherwise */
} errbuf;

/* Record a detail in `err` (if not NULL; its `why` becomes 0) and return
 * `st`, so a failing path reads `return err_set(err, ST_FORMAT, "line %d: ...", n);`. */
status err_set(errbuf *err, status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The detail if one was set, else the status message. */
const char *err_text(const errbuf *err, status st);

#endif
