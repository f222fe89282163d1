/* validate.h: the checks a form runs on each field as it is typed.
 *
 * Pure C, no curses: each validator takes what is in the field (a
 * NUL-terminated UTF-8 string) and returns ST_OK, or a failure status with
 * a message in words in err ("serial must be 1 to 32 letters, digits, ...").
 * The rules are the ledger's own: the validators call entry_format's and
 * ledger_parse_item's checks on a probe rather than repeat them, so the
 * form and the ledger never disagree.  An empty optional field is ST_OK;
 * an empty required one says what to give. */
#ifndef CUSTOS_TUI_VALIDATE_H
#define CUSTOS_TUI_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../keys/key.h"
#include "../src/entry.h"
#include "../src/status.h"

/* Longest text a form field takes (bytes). */
#define VALIDATE_FIELD_MAX 1024

/* A six-digit account number; with allow_cor, also "COR" (a receipt's
 * source, a transfer's receiver). */
status validate_account(const char *s, bool allow_cor, errbuf *err) CUSTOS_WARN_UNUSED;

/* A serial (register, accounting) number: letters, digits, '.', '/', '-'. */
status validate_serial(const char *s, bool required, errbuf *err) CUSTOS_WARN_UNUSED;

/* A short title ("KG-175D", "AKAT 1234"); always required. */
status validate_title(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;

/* An edition (keying material); optional. */
status validate_edition(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;

/* The kind: key, equipment or publication.  *out set on success (may be
 * NULL). */
status validate_kind(const char *s, item_kind *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* The classification: U, C, S or TS. */
status validate_class(const char *s, item_class *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* The ALC: 1, 2, 4, 6 or 7; "" is the default (0 in *out: ALC 1 with a
 * serial, 2 without). */
status validate_alc(const char *s, int *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* A quantity from 1 to ENTRY_QTY_MAX; "" is 1. */
status validate_qty(const char *s, uint32_t *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* A date YYYY-MM-DD (effective, supersedes); "" is none (0). */
status validate_date(const char *s, uint32_t *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* The CRYPTO marking: "yes", "no", or "" (no). */
status validate_crypto(const char *s, bool *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* The fields of one item as typed in a form row. */
typedef struct validate_item_fields {
	const char *title, *edition, *serial, *kind, *cls, *alc, *qty, *crypto, *effective,
		*supersedes;
} validate_item_fields;

/* A whole item (a receipt or possession row): each field, then the item
 * as ledger_parse_item and entry_item_check see it (ALC against kind,
 * serial against ALC, dates only for keying material, supersession not
 * before the effective date).  *out is the item on success. */
status validate_item(const validate_item_fields *f, entry_item *out,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* A transaction number ACCOUNT-YEAR-NNNN (the transfer to accept, the hand
 * receipt to end, the incident to close). */
status validate_txn(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;

/* A person's name as the log writes it (a key name: the holder). */
status validate_person(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;

/* An incident category: cryptographic, personnel, physical, packaging. */
status validate_category(const char *s, entry_category *out, errbuf *err) CUSTOS_WARN_UNUSED;
/* Format v2's fields: an incident's outcome and a destruction's method by
 * name; an authority reference ("" allowed: superseded key); when an
 * incident was discovered (entry_time_parse_input, not after now_us). */
status validate_outcome(const char *s, entry_outcome *out, errbuf *err) CUSTOS_WARN_UNUSED;
status validate_method(const char *s, entry_method *out, errbuf *err) CUSTOS_WARN_UNUSED;
status validate_authority(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;
status validate_discovered(const char *s, int64_t now_us, int64_t *out,
			   errbuf *err) CUSTOS_WARN_UNUSED;

/* Free text of len bytes: at most `max` bytes (and never more than
 * ENTRY_TEXT_MAX), valid UTF-8, and, because a form's field is one line,
 * no control characters and no bidirectional controls (the log could
 * carry them escaped; a person typing has no reason to).  With required,
 * empty text is refused. */
status validate_text(const char *s, size_t len, size_t max, bool required,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* A detail of the paperwork (an address, a rank, a position, an outside
 * account's name): `what` names it in the message ("the address").  At
 * most `max` bytes (ENTRY_DETAIL_MAX for a detail line), then as
 * validate_text: valid UTF-8, no control or bidirectional control
 * characters.  With required, empty is refused ("give the address"). */
status validate_detail(const char *s, const char *what, size_t max, bool required,
		       errbuf *err) CUSTOS_WARN_UNUSED;

/* A COR account number of an account of this ledger (account-details'
 * cor_account): six digits, as validate_account; "" (optional) is ST_OK. */
status validate_cor_account(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;

/* A role a person holds (entry_role_from_name's names: administrator,
 * custodian, alternate, holder, witness, auditor, authority); *out (may be
 * NULL) is it.  Empty is refused ("give the role"). */
status validate_role(const char *s, entry_role *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* A new person's PostgreSQL login role name: "" (optional: their key
 * name), else as validate_detail: at most LEDGER_LOGIN_MAX bytes, no
 * control or bidirectional control characters. */
status validate_login(const char *s, errbuf *err) CUSTOS_WARN_UNUSED;

/* A key file's path: not empty, a readable custos key file whose mode
 * grants group and others nothing.  Reads only the file's public part; on
 * success *owner (may be NULL) is the key's public key, whose name says
 * whose key it is. */
status validate_key_path(const char *path, key_public *owner, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
