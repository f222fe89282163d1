/* ledger.h: the custody ledger's actions, each one database transaction.
 *
 * An action locks the log head, reads the server's time, checks the request
 * against the state tables and the rules of docs/ledger.md, builds the log
 * entry, signs it with the actor's key (and the second person's where the
 * rules demand), inserts the entry, applies the change to the state tables
 * and commits.  A refused action writes nothing.  Each request carries a
 * client-made idempotency key: a request whose key is already in the log is
 * not applied again, and the result says so (a retry after a lost
 * connection); the key given with another request is refused
 * (ledger_request_differs decides which).  The person acting is the one whose PostgreSQL login the
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

/* A detail line of the entry to make (entry_set_detail). */
typedef struct ledger_detail {
	const char *name, *value;
} ledger_detail;

typedef struct ledger_request {
	entry_action action;
	char account[ENTRY_ACCOUNT_LEN + 1]; /* the entry's account */
	char peer[ENTRY_ACCOUNT_LEN + 1];    /* receipt: source; transfer: receiver */
	char holder[KEY_NAME_MAX + 1];       /* issue / return: the holder's name;
					      * custodian-change: the incoming
					      * custodian's */
	char ref[ENTRY_TXN_MAX + 1];         /* accept / return / incident-*: answered txn;
					      * possession: the incident under which
					      * material now found was lost (optional) */
	entry_category category;             /* incident-report */
	int64_t discovered_us;               /* incident-report: when it was
					      * discovered (required) */
	entry_outcome outcome;               /* incident-close (required) */
	entry_method method;                 /* destroy (required) */
	char authority[ENTRY_AUTHORITY_MAX + 1]; /* destroy: a reference, or ""
					      * for "superseded" when every item
					      * is superseded keying material */
	const char *text;                    /* free text (remarks, account name) */
	size_t textlen;
	/* Items.  receipt and possession: every field.  Other actions: the
	 * identity (title, edition, serial), or only the serial (title "") to
	 * find the open item with that serial on the account; the rest is
	 * filled from the state tables.  qty 0 there is the whole lot; another
	 * quantity than the lot's is a part of it, which a transfer, issue or
	 * destruction splits off (the entry lists the part, serial
	 * "LOT+INDEX": rules_split_parent).  incident-close lists its items
	 * itself. */
	entry_item *items;
	size_t nitems;
	/* account-outside, account-details, person-details, policy-set: the
	 * detail lines, names among entry_detail_names(action), in any order */
	const ledger_detail *details;
	size_t ndetails;
	/* key-enrol / key-revoke */
	entry_role role;
	key_public subject;
	char login[LEDGER_LOGIN_MAX + 1];    /* key-enrol of a new person: their role
					      * name; "" for the key name (declared to
					      * the server with custos.enrol_login) */
	/* signers */
	const key_secret *actor;
	const key_secret *second;            /* witness, holder, authority, or the
					      * enrolled key itself; NULL if none */
	/* ledger_preview only, when second is NULL: the public key of the
	 * second signer chosen but not unsealed yet (NULL: not chosen).  The
	 * preview then checks that person as the submission will (enrolled,
	 * another person, the role the action needs), so that a person who
	 * may not sign is refused before typing a passphrase. */
	const key_public *second_pub;
	char idem[LEDGER_IDEM_MAX + 1];      /* idempotency key */
	/* The entry text a preview showed (ledger_preview), or NULL.  When set,
	 * ledger_submit refuses (ST_REFUSED) to sign an entry that differs from
	 * it in any line but index, prev and time, which may move when another
	 * entry lands between the preview and the submission. */
	const char *expect;
	size_t expectlen;
} ledger_request;

/* The kind of second signer an action needs. */
typedef enum ledger_second {
	LEDGER_SECOND_NONE,      /* the actor alone */
	LEDGER_SECOND_WITNESS,   /* destroy, inventory: a witness of the account (rules_witness_role) */
	LEDGER_SECOND_HOLDER,    /* issue, return: the hand-receipt holder */
	LEDGER_SECOND_AUTHORITY, /* incident-close: a person with role authority */
	LEDGER_SECOND_PERSON,    /* TOP SECRET keying material (or the policy's class),
				  * key-enrol, key-revoke: another enrolled person */
	LEDGER_SECOND_INCOMING   /* custodian-change: the incoming custodian (holder) */
} ledger_second;

/* Who must sign an entry: the person acting and the second signer. */
typedef struct ledger_signers {
	char actor[KEY_NAME_MAX + 1];        /* the enrolled person of the session's login */
	ledger_second second;
	char second_name[KEY_NAME_MAX + 1];  /* the person who must co-sign when known
					      * (the holder named, or the owner of the
					      * second key given); "" otherwise */
} ledger_signers;

typedef struct ledger_result {
	uint64_t index;                      /* the entry */
	char txn[ENTRY_TXN_MAX + 1];         /* its transaction number, "" if none */
	bool already;                        /* applied earlier under this idempotency key */
	int64_t time_us;
	/* inventory, custodian-change (not when `already`): it listed `listed`
	 * of the `held` items on hand or issued at the account; complete: all
	 * of them and no other (rules_inventory_complete), so it reset the
	 * inventory clock; an inventory that is not complete is a spot check */
	bool complete;
	uint64_t listed, held;
} ledger_result;

/* What inventory result r did to the account's inventory clock, in words,
 * into out (cap bytes, NUL-terminated, truncated if need be). */
void ledger_inventory_words(const ledger_result *r, char *out, size_t cap);

/* Make a fresh random idempotency key. */
void ledger_new_idem(char out[LEDGER_IDEM_MAX + 1]);

/* Apply one action (see above).  ST_REFUSED: the rules refuse it (err says
 * which rule and which item, or the idempotency key was used for another
 * request); ST_DENIED: the person lacks the role;
 * ST_CONN: the connection was lost before the commit was sent, or
 * ST_READONLY: the server is a standby (reconnect and submit the same
 * request again); ST_UNKNOWN / ST_UNREPLICATED: the commit was sent but
 * not confirmed by the synchronous standby (db_commit), so the action may
 * or may not stand: submit the same request again to learn which;
 * ST_USAGE: the request is malformed; ST_DB: the server failed.  A
 * request found already applied (res->already) is reported only after
 * db_confirm_replicated, with its statuses. */
status ledger_submit(db *d, const ledger_request *req, ledger_result *res,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* Preview an action: run the checks of ledger_submit in a transaction that
 * is rolled back (it writes nothing and holds the log head's lock only for
 * that instant) and return in *text (malloc'd, NUL-terminated, caller
 * frees; *len bytes) the entry text exactly as it would be signed now,
 * index, prev and time included, and in *who the signers it needs.
 * req->actor may be NULL (the actor's key not yet loaded: the session's
 * login names the actor); req->second may be NULL, and then the second
 * signer's checks that need their key wait for the submission (who->second
 * says what kind of person must sign).  A request that ledger_submit would
 * refuse is refused here with the same status and words, except the refusals
 * that depend on a key not given.  ST_EXISTS: this request was applied
 * already under its idempotency key (err names the entry); ST_REFUSED if the
 * key was used for another request.  On failure *text is NULL. */
status ledger_preview(db *d, const ledger_request *req, char **text, size_t *len,
		      ledger_signers *who, errbuf *err) CUSTOS_WARN_UNUSED;

/* Do two entry texts agree in every line but index, prev, time and the
 * sequence number of the transaction number (the part after its last '-':
 * another action on the account may take the number a preview showed)?
 * When not and `line` is not NULL, *line is the first line (from 1) that
 * differs. */
bool ledger_same_entry(const char *a, size_t alen, const char *b, size_t blen, size_t *line);

/* Is entry e, found in the log under req's idempotency key with
 * `recorded_actor` as its actor, the one req asks for?  NULL when it is:
 * the request is a retry (after a lost connection, say) and is reported
 * as applied.  Otherwise a phrase naming the first difference ("a
 * different action", "with other items", ...): the key was reused for
 * another request, which is refused.  `actor` is the person acting now
 * (the name of req's key).
 *
 * Compared: the action, the actor, account, peer, holder, ref, category,
 * the key and role of a key-enrol or key-revoke, the set of items by
 * identity (title, edition, serial; an item req names by serial alone
 * matches the entry's item with that serial) and the text, byte for byte.
 * Not compared, because the ledger fills them in: index, prev, time, txn,
 * the items' other facts, the peer of an accept, the category of an
 * incident update or close, the items of an accept or incident close that
 * req leaves empty; nor the second signer. */
const char *ledger_request_differs(const ledger_request *req, const char *actor, const entry *e,
				   const char *recorded_actor);

/* The words for a kind of second signer: "witness", "holder", "authority",
 * "second person", or "" for none. */
const char *ledger_second_name(ledger_second s);

/* Start the log: write the genesis entry enrolling the first administrator
 * (`admin`, whose login role is `login`, "" for the key name) with the log's
 * origin: the log head, the login and the entry are all it sends; the
 * server writes the administrator's rows and login from the entry.  The
 * schema must be migrated; refuses a database whose log has begun
 * (ST_EXISTS). */
status ledger_genesis(db *d, const char *origin, const key_secret *admin, const char *login,
		      const char *idem, ledger_result *res, errbuf *err) CUSTOS_WARN_UNUSED;

/* Set the login password of enrolled person `person` (their login role,
 * from the person table) to `pass` (NUL-terminated; not kept: the caller
 * wipes it), sent only as a SCRAM-SHA-256 verifier made here, through
 * custos.set_login_password (an administrator's).  A person with no row
 * is no error and nothing is set: the enrolment it follows was refused. */
status ledger_set_login_password(db *d, const char *person, const char *pass,
				 errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse an item given as "key=value" fields separated by spaces, in any
 * order, with title= last (it takes the rest): kind, alc, class, crypto
 * (yes/no), qty, serial, edition, effective, supersedes, title.  Defaults:
 * kind=equipment, class=U, crypto=no, qty=1, alc=1 (ALC 2 if no serial).
 * With `identity_only`, only title, edition, serial and qty are allowed
 * (and a bare serial), and qty is 0 (the whole lot) unless given. */
status ledger_parse_item(const char *spec, bool identity_only, entry_item *out,
			 errbuf *err) CUSTOS_WARN_UNUSED;

#endif
