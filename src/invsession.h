/* invsession.h: inventory sessions (docs/ledger.md, "Inventory sessions").
 *
 * A session is the working record of one physical inventory of an account:
 * it opens on the expected list (what the account holds and the inventory
 * must sight), takes sightings (a scanner types a serial and Enter), is
 * reconciled, and closes with one certification entry signed by custodian
 * and witness (or, for a change of custodian, by the outgoing and incoming
 * custodians).  The sightings are working data in the database (migration
 * 022), not entries of the log: what is signed is the certification, which
 * the server checks against the record (rules_list_digest).
 *
 * Every function runs its own statements on d (no transaction of the
 * caller's is assumed) and answers with a status and err; the server's
 * refusals come back as ST_REFUSED with the words in err. */
#ifndef CUSTOS_INVSESSION_H
#define CUSTOS_INVSESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "entry.h"
#include "ledger.h"
#include "status.h"

typedef enum invsession_kind {
	INVS_PERIODIC,         /* every COR-accountable item (ALC-1, 2, 6) on hand
				* or issued: resets the inventory clock */
	INVS_CUSTODIAN_CHANGE, /* every item on hand or issued: the joint
				* inventory of a change of custodian */
	INVS__COUNT
} invsession_kind;

/* "periodic", "custodian-change": the names the database uses. */
const char *invsession_kind_name(invsession_kind k);
int invsession_kind_from_name(const char *s); /* -1 when unknown */

/* The answer to one scan. */
typedef enum invscan_answer {
	SCAN_SIGHTED,        /* an expected item, sighted now */
	SCAN_ALREADY,        /* an expected item sighted before in this session */
	SCAN_NOT_ON_ACCOUNT, /* an item of the ledger, but not expected here
			      * (another account's, transferred, destroyed, in
			      * transit or under an incident): found, not on record */
	SCAN_UNKNOWN,        /* no item of the ledger has this serial */
	SCAN_AMBIGUOUS,      /* several expected items have this serial: sight
			      * them by title (invsession_sight) */
	SCAN__COUNT
} invscan_answer;

/* "sighted", "already sighted", "not on this account", "unknown",
 * "ambiguous": what the screen shows. */
const char *invscan_answer_words(invscan_answer a);

#define INVS_WORDS_MAX 128

typedef struct invscan_result {
	invscan_answer answer;
	char item[INVS_WORDS_MAX]; /* the item in words (rules_item_words) when
				    * the scan named one, else "" */
	uint64_t sighted;          /* running count: expected items sighted */
	uint64_t expected;         /* expected items now */
} invscan_result;

/* Open a session of kind k on account (6 digits) for the person of the
 * login; ST_REFUSED when the account has an open session already (one at
 * a time) or the login may not inventory it.  *id: the session. */
status invsession_open(db *d, const char *account, invsession_kind k, int64_t *id,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* The open session of account, if any: *id 0 when none. */
status invsession_find(db *d, const char *account, int64_t *id, invsession_kind *k,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* One scan: exactly the serial as typed (1 to ENTRY_SERIAL_MAX bytes, no
 * control characters; anything else is ST_FORMAT and records nothing).
 * One round trip. */
status invsession_scan(db *d, int64_t id, const char *scan, invscan_result *r,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* Sight the expected item (title, edition, serial) and, for a lot, record
 * the quantity counted (qty 0: as recorded).  ST_REFUSED when it is not
 * expected. */
status invsession_sight(db *d, int64_t id, const char *title, const char *edition,
			const char *serial, uint32_t qty, invscan_result *r,
			errbuf *err) CUSTOS_WARN_UNUSED;

/* One line of a reconciliation list. */
typedef struct invrecon_line {
	char title[ENTRY_TITLE_MAX + 1];
	char edition[ENTRY_EDITION_MAX + 1];
	char serial[ENTRY_SERIAL_MAX + 1]; /* found: the scan as typed */
	uint32_t qty;                      /* as recorded (0 for found) */
	uint32_t counted;                  /* quantity difference: as counted */
	char state[32];                    /* not on record: the ledger's state
					    * of the item ("" when unknown) */
} invrecon_line;

typedef struct invrecon {
	invrecon_line *sighted, *not_sighted, *found, *qty_diff;
	size_t nsighted, nnot_sighted, nfound, nqty_diff;
	uint64_t expected;
	/* The sighted list's digest (rules_list_digest) and whether the
	 * session can close: every expected item sighted at its quantity */
	uint8_t digest[32];
	bool closable;
	invsession_kind kind;
	char account[ENTRY_ACCOUNT_LEN + 1];
} invrecon;

/* Reconcile: the four lists, each in (title, edition, serial) order. */
status invsession_reconcile(db *d, int64_t id, invrecon *out, errbuf *err) CUSTOS_WARN_UNUSED;
void invrecon_free(invrecon *r);

/* The certification request of session id, for a form that previews it
 * (ledger_preview) before the signers unseal their keys: *q gets the
 * action (inventory, or custodian-change with holder `incoming`), the
 * account and the details (found, list_sha256, not_sighted, qty_diff,
 * sighted), pointing into *c, which must outlive q; the caller sets the
 * signers and the idempotency key.  ST_REFUSED, in words, when the
 * reconciliation is not closable (items not sighted, quantities that
 * differ). */
typedef struct invcert {
	ledger_detail details[5];
	char values[5][72];
	size_t ndetails;
} invcert;
status invsession_certification(db *d, int64_t id, const char *incoming, ledger_request *q,
				invcert *c, errbuf *err) CUSTOS_WARN_UNUSED;

/* Close the session with its certification entry, signed by actor and
 * second (the witness; for a change of custodian the incoming custodian,
 * named by `incoming`).  Refused (ST_REFUSED) unless the reconciliation is
 * closable; res as ledger_submit gives it.  expect (expectlen bytes) is
 * the entry text the signers previewed, or NULL: when set, an entry that
 * would say anything else (a scan or a possession report since the
 * preview changed the list) is refused, as ledger_request.expect is. */
status invsession_close(db *d, int64_t id, const key_secret *actor, const key_secret *second,
			const char *incoming, const char *idem, const char *expect,
			size_t expectlen, ledger_result *res, errbuf *err) CUSTOS_WARN_UNUSED;

/* Abandon an open session: its sightings are kept, it certifies nothing. */
status invsession_abandon(db *d, int64_t id, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
