/* entry.h: the custos log entry, formats v2 and v1 (docs/log-format.md).
 *
 * An entry is the text of a C2SP signed note: canonical UTF-8 lines
 *
 *   custos-entry/v2 <origin>
 *   index <n>
 *   prev <base64 of the previous entry's leaf hash>
 *   time <YYYY-MM-DDTHH:MM:SS.ffffffZ>
 *   action <action>
 *   txn <account-year-number or ->
 *   account <6 digits or ->
 *   peer <6 digits, COR or ->
 *   holder <key name or ->
 *   ref <transaction number or ->
 *   category <incident category or ->
 *   discovered <time or ->               v2 only: incident-report
 *   outcome <incident outcome or ->      v2 only: incident-close
 *   method <destruction method or ->     v2 only: destroy
 *   authority <superseded, reference or ->   v2 only: destroy
 *   detail <name> <escaped value>        v2 only: zero or more, names in
 *                                        ascending order, each once, of the
 *                                        names the action takes
 *   key <role> <verifier key>            zero or more
 *   item kind=.. alc=.. class=.. crypto=.. qty=.. serial=.. edition=..
 *        effective=.. supersedes=.. title=..   zero or more
 *   text[ <escaped free text>]
 *
 * Exactly one byte sequence encodes each entry: entry_parse accepts only what
 * entry_format would produce for the same content.  Format v1 is v2 without
 * the four lines discovered .. authority; custos writes v2 and reads both,
 * so logs begun in v1 stay verifiable. */
#ifndef CUSTOS_ENTRY_H
#define CUSTOS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../keys/key.h"
#include "sha.h"
#include "status.h"

#define ENTRY_FORMAT "custos-entry/v2"
#define ENTRY_FORMAT_V1 "custos-entry/v1"
#define ENTRY_VERSION 2
#define ENTRY_ORIGIN_MAX 128
#define ENTRY_TXN_MAX 32
#define ENTRY_ACCOUNT_LEN 6
#define ENTRY_TITLE_MAX 32
#define ENTRY_SERIAL_MAX 32
#define ENTRY_EDITION_MAX 16
#define ENTRY_AUTHORITY_MAX 32
#define ENTRY_MAX_KEYS 8
#define ENTRY_MAX_ITEMS 500
#define ENTRY_TEXT_MAX 16384   /* bytes of free text before escaping */
#define ENTRY_QTY_MAX 1000000
#define ENTRY_MAX_DETAILS 16
#define ENTRY_DETAIL_NAME_MAX 32
#define ENTRY_DETAIL_MAX 256   /* bytes of a detail's value before escaping */
/* The whole signed note must fit a tlog-tiles entry bundle (uint16 length). */
#define ENTRY_NOTE_MAX 65535

/* Actions, their names in the log, and how many distinct signers each needs
 * at the least (two-person integrity is fixed for these; see
 * entry_required_signers for the rule on TOP SECRET keying material). */
#define ENTRY_ACTIONS(X)                                                     \
	X(ACT_GENESIS, "genesis", 1)                                         \
	X(ACT_KEY_ENROL, "key-enrol", 2)                                     \
	X(ACT_KEY_ROTATE, "key-rotate", 2)                                   \
	X(ACT_KEY_REVOKE, "key-revoke", 2)                                   \
	X(ACT_ACCOUNT_OPEN, "account-open", 1)                               \
	X(ACT_RECEIPT, "receipt", 1)                                         \
	X(ACT_TRANSFER, "transfer", 1)                                       \
	X(ACT_ACCEPT, "accept", 1)                                           \
	X(ACT_ISSUE, "issue", 2)                                             \
	X(ACT_RETURN, "return", 2)                                           \
	X(ACT_DESTROY, "destroy", 2)                                         \
	X(ACT_POSSESSION, "possession", 1)                                   \
	X(ACT_INVENTORY, "inventory", 2)                                     \
	X(ACT_INCIDENT_REPORT, "incident-report", 1)                         \
	X(ACT_INCIDENT_UPDATE, "incident-update", 1)                         \
	X(ACT_INCIDENT_CLOSE, "incident-close", 2)                           \
	X(ACT_CUSTODIAN_CHANGE, "custodian-change", 2)                       \
	X(ACT_ACCOUNT_OUTSIDE, "account-outside", 1)                         \
	X(ACT_ACCOUNT_DETAILS, "account-details", 1)                         \
	X(ACT_PERSON_DETAILS, "person-details", 1)                           \
	X(ACT_POLICY_SET, "policy-set", 2)                                   \
	X(ACT_TRANSFER_REJECT, "transfer-reject", 1)                         \
	X(ACT_TRANSFER_RECALL, "transfer-recall", 1)                         \
	X(ACT_ALC_CHANGE, "alc-change", 1)                                   \
	X(ACT_KEY_EFFECTIVE, "key-effective", 1)

typedef enum entry_action {
#define ENTRY_ACTION_ENUM(code, name, signers) code,
	ENTRY_ACTIONS(ENTRY_ACTION_ENUM)
#undef ENTRY_ACTION_ENUM
	ACT__COUNT
} entry_action;

#define ENTRY_ROLES(X)                                                       \
	X(ROLE_ADMINISTRATOR, "administrator")                               \
	X(ROLE_CUSTODIAN, "custodian")                                       \
	X(ROLE_ALTERNATE, "alternate")                                       \
	X(ROLE_HOLDER, "holder")                                             \
	X(ROLE_WITNESS, "witness")                                           \
	X(ROLE_AUDITOR, "auditor")                                           \
	X(ROLE_AUTHORITY, "authority")

typedef enum entry_role {
#define ENTRY_ROLE_ENUM(code, name) code,
	ENTRY_ROLES(ENTRY_ROLE_ENUM)
#undef ENTRY_ROLE_ENUM
	ROLE__COUNT
} entry_role;

typedef enum item_kind { KIND_KEY, KIND_EQUIPMENT, KIND_PUBLICATION, KIND__COUNT } item_kind;

/* Incident categories (DOMAIN.md); CAT_NONE for entries that are not about
 * an incident. */
typedef enum entry_category {
	CAT_NONE,
	CAT_CRYPTOGRAPHIC,
	CAT_PERSONNEL,
	CAT_PHYSICAL,
	CAT_PACKAGING,
	CAT__COUNT
} entry_category;
typedef enum item_class { CLASS_U, CLASS_C, CLASS_S, CLASS_TS, CLASS__COUNT } item_class;

/* How an incident closes (incident-close, v2), the authority's decision:
 * no compromise, the material is back on hand; compromised or lost, the
 * account is relieved of it; destroy, it is back on hand to be destroyed
 * as directed (the destruction names the incident as its authority). */
typedef enum entry_outcome {
	OUTCOME_NONE,
	OUTCOME_NO_COMPROMISE,
	OUTCOME_COMPROMISED,
	OUTCOME_LOST,
	OUTCOME_DESTROY,
	OUTCOME__COUNT
} entry_outcome;

/* How material was destroyed (destroy, v2). */
typedef enum entry_method {
	METHOD_NONE,
	METHOD_BURN,
	METHOD_SHRED,
	METHOD_PULVERIZE,
	METHOD_DISINTEGRATE,
	METHOD_DEGAUSS,
	METHOD_ZEROIZE,
	METHOD__COUNT
} entry_method;

/* The authority of a destruction that is not a reference: the key was
 * superseded (rules_check_entry checks that every item was). */
#define ENTRY_AUTHORITY_SUPERSEDED "superseded"

/* A destruction's authority as the format admits it: 1 to
 * ENTRY_AUTHORITY_MAX letters, digits, '.', '/' or '-', starting with a
 * letter or digit. */
bool entry_authority_valid(const char *s, size_t n);

/* A named value an entry sets (a person's rank, an account's address, a
 * policy value): `detail NAME VALUE`, the value escaped as free text is. */
typedef struct entry_detail {
	char name[ENTRY_DETAIL_NAME_MAX + 1]; /* one of entry_detail_names(action) */
	char *value;                          /* malloc'd, NUL-terminated: 1 to
					       * ENTRY_DETAIL_MAX bytes of UTF-8,
					       * no NUL */
} entry_detail;

/* The detail names action a takes, NULL-terminated and in ascending order
 * (the order of the lines); an action that takes none has an empty list.
 * *required: how many of them the entry must carry at the least. */
const char *const *entry_detail_names(entry_action a, size_t *required);

typedef struct entry_key {
	entry_role role;
	key_public key;
} entry_key;

typedef struct entry_item {
	item_kind kind;
	int alc;              /* 1, 2, 4, 6 or 7 */
	item_class cls;
	bool crypto;          /* CRYPTO marking: keying material only */
	uint32_t qty;         /* 1..ENTRY_QTY_MAX; 1 for serial-accounted items */
	char serial[ENTRY_SERIAL_MAX + 1];   /* "" when none */
	char edition[ENTRY_EDITION_MAX + 1]; /* "" when none */
	char title[ENTRY_TITLE_MAX + 1];     /* short title, e.g. "KG-175D" */
	uint32_t effective;   /* keying material: effective date as YYYYMMDD
			       * (UTC), 0 when none */
	uint32_t supersedes;  /* keying material: supersession date, the same;
			       * not before `effective` */
} entry_item;

typedef struct entry {
	int version;                      /* 0 or ENTRY_VERSION: format v2;
					   * 1: format v1 (read, not written) */
	char origin[ENTRY_ORIGIN_MAX + 1];
	uint64_t index;
	uint8_t prev[SHA256_LEN];
	int64_t time_us;                  /* microseconds since 1970-01-01 UTC */
	entry_action action;
	char txn[ENTRY_TXN_MAX + 1];      /* "" when none */
	char account[ENTRY_ACCOUNT_LEN + 1]; /* "" when none */
	char peer[ENTRY_ACCOUNT_LEN + 1];    /* "", "COR" or 6 digits */
	char holder[KEY_NAME_MAX + 1];    /* "" when none */
	char ref[ENTRY_TXN_MAX + 1];      /* a transaction this one answers: the
					   * transfer an accept closes, the issue a
					   * return ends, the incident an update or
					   * close is about; "" when none */
	entry_category category;          /* incident entries only */
	int64_t discovered_us;            /* incident-report: when the incident
					   * was discovered; 0 when none */
	entry_outcome outcome;            /* incident-close only */
	entry_method method;              /* destroy only */
	char authority[ENTRY_AUTHORITY_MAX + 1]; /* destroy only: "superseded"
					   * or a reference (a directive, an
					   * incident's transaction number);
					   * "" when none */
	size_t ndetails;
	entry_detail details[ENTRY_MAX_DETAILS]; /* names ascending */
	size_t nkeys;
	entry_key keys[ENTRY_MAX_KEYS];
	size_t nitems;
	entry_item *items;                /* malloc'd array of nitems */
	char *text;                       /* malloc'd, NUL-terminated, unescaped */
	size_t textlen;                   /* may contain NUL bytes */
} entry;

/* Serialise e as note text (final newline included) into a new malloc'd,
 * NUL-terminated buffer.  Every field is validated first; err names the
 * first bad one.  Fails with ST_TOOBIG if the text would leave no room for
 * two signature lines within ENTRY_NOTE_MAX. */
status entry_format(const entry *e, char **out, size_t *outlen, errbuf *err) CUSTOS_WARN_UNUSED;

/* Parse note text into *out (which the caller later frees with entry_free,
 * also after a failure).  Rejects anything entry_format would not produce
 * for the same content; err names the line and the fault. */
status entry_parse(const char *text, size_t len, entry *out, errbuf *err) CUSTOS_WARN_UNUSED;

/* Check one item's fields as entry_format would (k numbers it in err). */
status entry_item_check(const entry_item *it, size_t k, errbuf *err) CUSTOS_WARN_UNUSED;

/* Release the details, items and text of e and zero it. */
void entry_free(entry *e);

/* Set detail `name` of e to a copy of value (NUL-terminated), in its place
 * among the others; ST_FORMAT if name is not one e's action takes or the
 * value is empty, too long or not UTF-8 (err says which), ST_TOOBIG past
 * ENTRY_MAX_DETAILS. */
status entry_set_detail(entry *e, const char *name, const char *value,
			errbuf *err) CUSTOS_WARN_UNUSED;
/* The value of detail `name`, or NULL when e does not set it. */
const char *entry_detail_value(const entry *e, const char *name);

/* Set e->text (copying len bytes) / append an item; the entry owns copies. */
status entry_set_text(entry *e, const char *text, size_t len) CUSTOS_WARN_UNUSED;
status entry_add_item(entry *e, const entry_item *item) CUSTOS_WARN_UNUSED;

/* How many valid signatures by distinct keys the entry needs: the action's
 * fixed minimum, and two for an entry that moves keying material of
 * classification `from` or above (two-person integrity).  An incident
 * report moves nothing and never waits for a second person: material at
 * risk is reported by whoever finds it out. */
size_t entry_required_signers_from(const entry *e, item_class from);

/* The same for the log format's own rule, TOP SECRET keying material:
 * what every verifier checks. */
size_t entry_required_signers(const entry *e);

const char *entry_action_name(entry_action a);
const char *entry_role_name(entry_role r);
const char *item_kind_name(item_kind k);
const char *item_class_name(item_class c);
const char *entry_category_name(entry_category c);
const char *entry_outcome_name(entry_outcome o);   /* "-" for OUTCOME_NONE */
const char *entry_method_name(entry_method m);     /* "-" for METHOD_NONE */
int entry_outcome_from_name(const char *s, size_t len); /* -1 when unknown */
int entry_method_from_name(const char *s, size_t len);

/* The format version e is written in (1 or ENTRY_VERSION). */
int entry_version(const entry *e);

/* Dates of keying material: YYYYMMDD as a number, written "YYYY-MM-DD".
 * entry_date_valid: a real calendar date from 1970 to 9999. */
#define ENTRY_DATE_LEN 10
/* Is s an account number: exactly ENTRY_ACCOUNT_LEN ASCII digits '0'..'9'
 * and its NUL?  NULL is not.  The one check of account numbers: the entry
 * format, the CLI, the TUI, queries and the server extension use it. */
bool entry_account_number_valid(const char *s);
/* Is s[0..n) a serial as the format admits it (a token, then any "+N"
 * parts: rules_split_parent), 1 to ENTRY_SERIAL_MAX bytes?  What a scan
 * must be (src/invsession.c). */
bool entry_serial_valid(const char *s, size_t n);

bool entry_date_valid(uint32_t yyyymmdd);
void entry_date_format(uint32_t yyyymmdd, char out[ENTRY_DATE_LEN + 1]);
status entry_date_parse(const char *s, size_t len, uint32_t *yyyymmdd) CUSTOS_WARN_UNUSED;

/* Look a name up; return -1 when unknown. */
int entry_action_from_name(const char *s, size_t len);
int entry_role_from_name(const char *s, size_t len);

/* RFC 3339 UTC with microseconds, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 chars +
 * NUL).  entry_time_parse accepts exactly that form, years 1970-9999. */
#define ENTRY_TIME_LEN 27
void entry_time_format(int64_t us, char out[ENTRY_TIME_LEN + 1]);
status entry_time_parse(const char *s, size_t len, int64_t *us) CUSTOS_WARN_UNUSED;

/* Days since 1970-01-01 of the civil (proleptic Gregorian) date y-m-d. */
int64_t entry_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The time us (microseconds since 1970, not negative) plus `months`
 * calendar months, the day of the month clamped to the new month's last,
 * as PostgreSQL adds an interval of months. */
int64_t entry_time_add_months(int64_t us, int64_t months);
/* A time a person types, UTC: "YYYY-MM-DDTHH:MMZ", "YYYY-MM-DDTHH:MM:SSZ" or
 * the log's own form; after 1970-01-01T00:00:00Z. */
status entry_time_parse_input(const char *s, int64_t *us) CUSTOS_WARN_UNUSED;

/* Escape / unescape the free text (docs/log-format.md): backslash is "\\",
 * newline "\n", other bytes below 0x20 and 0x7F are "\xHH", the Unicode
 * bidirectional controls (U+061C, U+200E-F, U+202A-E, U+2066-9) are "\uXXXX"
 * (lower-case hex); every other character is written as itself, and nothing
 * else may be escaped.  The input must be valid UTF-8.  Both write a
 * malloc'd, NUL-terminated string. */
status entry_text_escape(const char *in, size_t len, char **out, size_t *outlen,
			 errbuf *err) CUSTOS_WARN_UNUSED;
status entry_text_unescape(const char *in, size_t len, char **out, size_t *outlen,
			   errbuf *err) CUSTOS_WARN_UNUSED;

#endif
