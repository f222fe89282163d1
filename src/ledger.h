/* ledger.h: the custody ledger's actions, each one database transaction.
 *
 * An action locks the log head, reads the server's time, checks the request
 * against the state tables and the rules of docs/ledger.md, builds the log
 * entry, signs it with the actor's key (and the second person's where the
 * rules demand), inserts the entry, applies the change to the state tables
 * and commits.  A refused action writes nothing.  Each request carries a
 * client-made idempotency key: a request whose key is already in the log is
 * not applied again, and the result says so (a retry after a lost
 * connection).  The person acting is the one whose PostgreSQL login the
 * session uses; their key file must hold that person's enrolled key. */
#ifndef CUSTOS_LEDGER_H
#define CUSTOS_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "entry.h"
#include "status.h"

#define LEDGER_IDEM_MAX 128
#define LEDGER_LOGIN_MAX 63

typedef struct ledger_request {
	entry_action action;
	char account[ENTRY_ACCOUNT_LEN + 1]; /* the entry's account */
	char peer[ENTRY_ACCOUNT_LEN + 1];    /* receipt: source; transfer: receiver */
	char holder[KEY_NAME_MAX + 1];       /* issue / return: the holder's name */
	char ref[ENTRY_TXN_MAX + 1];         /* accept / return / incident-*: answered txn */
	entry_category category;             /* incident-report */
	const char *text;                    /* free text (remarks, account name) */
	size_t textlen;
	/* Items.  receipt and possession: every field.  Other actions: the
	 * identity (title, edition, serial), or only the serial (title "") to
	 * find the open item with that serial on the account; the rest is
	 * filled from the state tables.  incident-close lists its items itself. */
	entry_item *items;
	size_t nitems;
	/* key-enrol / key-revoke */
	entry_role role;
	key_public subject;
	char login[LEDGER_LOGIN_MAX + 1];    /* key-enrol of a new person: their role
					      * name; "" for the key name */
	/* signers */
	const key_secret *actor;
	const key_secret *second;            /* witness, holder, authority, or the
					      * enrolled key itself; NULL if none */
	char idem[LEDGER_IDEM_MAX + 1];      /* idempotency key */
} ledger_request;

typedef struct ledger_result {
	uint64_t index;                      /* the entry */
	char txn[ENTRY_TXN_MAX + 1];         /* its transaction number, "" if none */
	bool already;                        /* applied earlier under this idempotency key */
	int64_t time_us;
} ledger_result;

/* Make a fresh random idempotency key. */
void ledger_new_idem(char out[LEDGER_IDEM_MAX + 1]);

/* Apply one action (see above).  ST_REFUSED: the rules refuse it (err says
 * which rule and which item); ST_DENIED: the person lacks the role;
 * ST_CONN: the connection was lost (reconnect and submit the same request
 * again); ST_USAGE: the request is malformed; ST_DB: the server failed. */
status ledger_submit(db *d, const ledger_request *req, ledger_result *res,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* Start the log: write the genesis entry enrolling the first administrator
 * (`admin`, whose login role is `login`, "" for the key name) with the log's
 * origin.  The schema must be migrated; refuses a database whose log has
 * begun (ST_EXISTS). */
status ledger_genesis(db *d, const char *origin, const key_secret *admin, const char *login,
		      const char *idem, ledger_result *res, errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse an item given as "key=value" fields separated by spaces, in any
 * order, with title= last (it takes the rest): kind, alc, class, crypto
 * (yes/no), qty, serial, edition, effective, supersedes, title.  Defaults:
 * kind=equipment, class=U, crypto=no, qty=1, alc=1 (ALC 2 if no serial).
 * With `identity_only`, only title, edition and serial are allowed (and
 * a bare serial). */
status ledger_parse_item(const char *spec, bool identity_only, entry_item *out,
			 errbuf *err) CUSTOS_WARN_UNUSED;

#endif
