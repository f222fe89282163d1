/* rules.h: the custody rules of docs/ledger.md, in one place.
 *
 * A pure module (no libpq, no I/O): given what the ledger records about
 * the things an entry touches, it says whether the entry may change them,
 * and if not, why, as a refusal code with words.  The ledger (before it
 * signs), the replay (custos log verify, custos-verify) and the TUI's
 * forms call these functions; nobody else states these rules.
 *
 * Refusals cross module boundaries as codes: err_set_why() records the
 * code in errbuf.why beside the words, and callers decide on the code,
 * never on the text. */
#ifndef CUSTOS_RULES_H
#define CUSTOS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "status.h"

/* ---- item states ---------------------------------------------------------- */

typedef enum item_status {
	ITEM_ON_HAND,
	ITEM_ISSUED,
	ITEM_IN_TRANSIT,
	ITEM_INCIDENT,
	ITEM_TRANSFERRED,
	ITEM_DESTROYED,
	ITEM_RELIEVED,
	ITEM__COUNT
} item_status;

/* "on_hand", "issued", ...; the names the database uses too. */
const char *item_status_name(item_status s);
/* "on hand", "under an incident", ...: the same in words. */
const char *item_status_words(item_status s);
int item_status_from_name(const char *s); /* -1 when unknown */
/* Still the ledger's: on hand, issued, in transit or under an incident. */
bool item_status_open(item_status s);
/* The use of keying material held (on hand or issued): "effective" once put
 * into effect (key-effective), else "reserve"; "" for anything else. */
const char *item_use_name(bool is_key, item_status s, bool in_effect);

/* ---- refusal codes -------------------------------------------------------- */

/* Why a rule refused, as carried in errbuf.why (0: no rule's refusal). */
#define RULES_REFUSALS(X)                                                              \
	X(RULE_NONE, "none")                                                           \
	X(RULE_ITEM_STATE, "item_state")           /* not in a state the action takes */ \
	X(RULE_ITEM_FACTS, "item_facts")           /* facts differ from the record */  \
	X(RULE_ITEM_TWICE, "item_twice")           /* listed twice in one entry */     \
	X(RULE_ITEMS_COUNT, "items_count")         /* accept/close: not all under ref */ \
	X(RULE_SERIAL_REQUIRED, "serial_required") /* ALC 1 and 6: accounted by serial */ \
	X(RULE_SIGNERS, "signers")                 /* a signer the action needs is missing */ \
	X(RULE_SOURCE_IN_LEDGER, "source_in_ledger") /* receipt from an account of the ledger */ \
	X(RULE_REVOKE_HOLDS, "revoke_holds")       /* revoking a person who holds material */ \
	X(RULE_REVOKE_LAST, "revoke_last")         /* revoking the last custodian or admin */ \
	X(RULE_PREVIEW_CHANGED, "preview_changed") /* the entry is not the one previewed */ \
	X(RULE_DISCOVERY_TIME, "discovery_time")   /* discovered after it was reported */ \
	X(RULE_NOT_SUPERSEDED, "not_superseded")   /* destroyed as superseded, but is not */ \
	X(RULE_NO_DISCREPANCY, "no_discrepancy")   /* an accept with a category, as sent */ \
	X(RULE_KEY_TAKEN, "key_taken")             /* name or key enrolled to another */ \
	X(RULE_KEY_UNKNOWN, "key_unknown")         /* revoking a key not enrolled */  \
	X(RULE_KEY_REVOKED, "key_revoked")         /* the key line's key is revoked */ \
	X(RULE_ROLE_HELD, "role_held")             /* enrolling a role held already */ \
	X(RULE_ROLE_NOT_HELD, "role_not_held")     /* revoking a role not held */     \
	X(RULE_ACCOUNT_OPEN, "account_open")       /* opening an open account */ \
	X(RULE_INVENTORY_INCOMPLETE, "inventory_incomplete") /* custodian change: not every item */ \
	X(RULE_INCOMING_UNKNOWN, "incoming_unknown") /* custodian change: incoming may not sign */ \
	X(RULE_PEER_UNKNOWN, "peer_unknown")       /* an account neither here nor registered */ \
	X(RULE_SUBJECT_UNKNOWN, "subject_unknown") /* details of no such account or person */ \
	X(RULE_DETAIL_VALUE, "detail_value")       /* a detail's value is not of its kind */ \
	X(RULE_POLICY_VALUE, "policy_value")       /* policy-set: no such policy, twice, out of range */ \
	X(RULE_ALC_VALUE, "alc_value")             /* alc-change: no such ALC, or the item's */ \
	X(RULE_ALC_AUTHORITY, "alc_authority")     /* alc-change: not an upgrade, no authority */ \
	X(RULE_NOT_KEY, "not_key")                 /* key-effective: not keying material */ \
	X(RULE_IN_EFFECT, "in_effect")             /* key-effective: in effect already */ \
	X(RULE_NOT_YET_EFFECTIVE, "not_yet_effective") /* key-effective: effective date later */ \
	X(RULE_SUPERSEDED, "superseded")           /* key-effective: superseded already */ \
	X(RULE_SPLIT_QTY, "split_qty")             /* a part not smaller than its lot */ \
	X(RULE_SPLIT_ACTION, "split_action")       /* a part of a lot, in an action that takes lots whole */ \
	X(RULE_SPLIT_TOO_LONG, "split_too_long")   /* the part's serial would not fit */ \
	X(RULE_LIST_HASH, "list_hash")             /* a certification's list is not the record's */

typedef enum rules_refusal {
#define RULES_REFUSAL_ENUM(code, name) code,
	RULES_REFUSALS(RULES_REFUSAL_ENUM)
#undef RULES_REFUSAL_ENUM
	RULE__COUNT
} rules_refusal;

/* "item_state", ...: a stable name for logs and JSON. */
const char *rules_refusal_name(rules_refusal r);

/* err_set, and the refusal code in err->why. */
status err_set_why(errbuf *err, status st, rules_refusal why, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- roles ------------------------------------------------------------------ */

/* A role held on an account (custodian, alternate, holder, witness); the
 * others (administrator, authority, auditor) are whole-log roles. */
bool rules_account_role(entry_role r);

/* May a person holding role r on an account witness there (destruction,
 * inventory, the second signature on TOP SECRET key)?  Witness, alternate
 * and custodian: a holder or a person of another account may not. */
bool rules_witness_role(entry_role r);

/* May a person holding role r on an account sign a hand receipt there?
 * Holder, witness, alternate and custodian. */
bool rules_holder_role(entry_role r);

/* ---- what each action is --------------------------------------------------- */

/* What a signer must be, one requirement per signer. */
typedef enum rules_need {
	NEED_NOTHING,
	NEED_ENROLLEE,      /* the key the entry enrols */
	NEED_ADMIN,         /* an administrator */
	NEED_CUSTODIAN,     /* custodian or alternate of the entry's account */
	NEED_WITNESS,       /* a witness of the entry's account (rules_witness_role) */
	NEED_HOLDER,        /* the person named in holder */
	NEED_HOLDER_OR_WITNESS, /* return: the holder, or a witness of the account
				 * when the custodian recovers the material */
	NEED_AUTHORITY,     /* an authority */
	NEED_ENROL_SECOND,  /* key-enrol: a second person, or the key enrolled */
	NEED_REVOKE_SECOND, /* key-revoke: a second person, not the key revoked */
	NEED_OUTGOING,      /* custodian-change: a custodian (not an alternate) of
			     * the entry's account, other than the incoming one */
	NEED_INCOMING,      /* custodian-change: the person named in holder */
	NEED_ROTATE_SECOND, /* key-rotate: the key being replaced, or (a lost key)
			     * a second person who is an administrator or an
			     * authority */
	NEED_SECOND,        /* policy-set: a second person, unrevoked, who is an
			     * administrator or an authority */
} rules_need;

typedef enum rules_items {
	ITEMS_NONE, /* lists no items */
	ITEMS_ANY,  /* zero or more */
	ITEMS_SOME, /* at least one */
} rules_items;

/* Whether an action answers an earlier transaction in ref (and whether
 * it names the other side in peer). */
typedef enum rules_ref {
	REF_NONE,     /* never */
	REF_REQUIRED, /* always */
	REF_OPTIONAL, /* possession: the incident under which the material
		       * was lost, when it is found again */
} rules_ref;

typedef struct rules_action {
	bool material;      /* a numbered transaction of an account */
	bool key_line;      /* carries exactly one key line */
	bool holder;        /* names the hand-receipt holder */
	rules_ref peer;     /* names the other side in peer: REF_REQUIRED for
			     * receipt and transfer, REF_OPTIONAL for the
			     * answers to a transfer (filled in by the client) */
	rules_ref ref;      /* answers a transaction */
	rules_items items;
	rules_need first;   /* the signer acting */
	rules_need second;  /* the second signer, NEED_NOTHING if none (see
			     * rules_signers for TOP SECRET key) */
} rules_action;

/* The properties of action a (a < ACT__COUNT). */
const rules_action *rules_action_of(entry_action a);

/* The signers entry e needs: its action's, and for an action that one
 * custodian does alone, a witness of the account when it lists keying
 * material of classification two_person_class or higher, the policy
 * two_person_key_class in force at the entry's index (TOP SECRET keying
 * material always: entry_required_signers). */
void rules_signers(const entry *e, int64_t two_person_class, rules_need *first,
		   rules_need *second);

/* "an administrator", "the holder carol", ...: who fits need nd for e. */
const char *rules_need_words(rules_need nd, const entry *e, char *buf, size_t size);

/* ---- policy ----------------------------------------------------------------- */

/* The policies of docs/ledger.md that vary between departments (DOMAIN.md):
 * set only by policy-set entries, judged by the value in force at each
 * entry's index.  Their names are the detail names a policy-set entry
 * takes (entry_detail_names), their defaults migration 001's rows. */
#define RULES_POLICIES(X)                                                             \
	X(POL_DESTRUCTION_DEADLINE, "destruction_deadline_hours", 12, 1, 72,           \
	  "hours after 00:00 UTC of its supersession date within which superseded "     \
	  "keying material is destroyed")                                              \
	X(POL_HAND_RECEIPT_ALARM, "hand_receipt_alarm_days", 90, 0, 365,              \
	  "days a hand receipt may stay open before it is an alarm (0: at once)")       \
	X(POL_INCIDENT_REPORT, "incident_report_hours", 24, 1, 72,                      \
	  "hours from its discovery within which an incident is reported onward")       \
	X(POL_INVENTORY_INTERVAL, "inventory_interval_months", 6, 0, 12,               \
	  "months between an account's inventories (0: always due)")                   \
	X(POL_TRANSIT_ALARM, "transit_alarm_days", 30, 0, 365,                          \
	  "days a transfer may stay in transit before it is an alarm (0: at once)")     \
	X(POL_TWO_PERSON_KEY_CLASS, "two_person_key_class", 3, 0, 3,                     \
	  "keying material of this classification or higher needs two signers "         \
	  "(0 U, 1 C, 2 S, 3 TS)")

typedef enum rules_policy {
#define RULES_POLICY_ENUM(code, name, dflt, min, max, words) code,
	RULES_POLICIES(RULES_POLICY_ENUM)
#undef RULES_POLICY_ENUM
	POL__COUNT
} rules_policy;

typedef struct rules_policy_def {
	const char *name;
	int64_t dflt, min, max;
	const char *words;
} rules_policy_def;

/* The definition of policy p (p < POL__COUNT). */
const rules_policy_def *rules_policy_of(rules_policy p);
/* The policy named s, or -1. */
int rules_policy_from_name(const char *s);

/* May policy-set entry e set what it names?  Each detail names a known
 * policy, once, with a decimal integer in its range; at least one.
 * ST_REFUSED, RULE_POLICY_VALUE, naming the policy and its range.  On
 * ST_OK and when values is not NULL, values[p] is the value e sets for
 * policy p, or -1 where e leaves it.  ST_OK for any other action. */
status rules_check_policy(const entry *e, int64_t values[POL__COUNT], errbuf *err);
/* The same for n (name, value) pairs, as a request gives them before they
 * are an entry's details. */
status rules_check_policy_pairs(size_t n, const char *const names[], const char *const vals[],
				int64_t values[POL__COUNT], errbuf *err);

/* ---- where material comes from -------------------------------------------- */

/* What an account number is to this ledger. */
typedef enum rules_party {
	PARTY_UNKNOWN, /* neither open here nor registered outside */
	PARTY_LEDGER,  /* an open account of this ledger */
	PARTY_OUTSIDE, /* registered by an account-outside entry */
	PARTY_COR,     /* the peer "COR" */
} rules_party;

/* A receipt names its source in peer: the COR or an account outside this
 * ledger.  Material from an account of this ledger arrives only by
 * accepting that account's transfer, so that it leaves there as it comes
 * here (RULE_SOURCE_IN_LEDGER).  A receipt's source and a transfer's
 * receiver that are not the COR are an account of this ledger or one
 * registered outside it (RULE_PEER_UNKNOWN), but in a v1 entry, older
 * than the registration.  ST_OK for any other action. */
status rules_check_peer(const entry *e, rules_party peer, errbuf *err);

/* ---- revocation ----------------------------------------------------------- */

/* What a key-revoke entry's revocation would leave behind. */
typedef struct rules_revoke {
	uint64_t issued;         /* items of the entry's account issued to the person */
	bool keeps_holder_role;  /* they keep another role on that account that may
				  * hold material (rules_holder_role) */
	uint64_t others;         /* the other unrevoked people who hold, on the
				  * entry's account, the custodian or alternate
				  * role (revoking either of those), or the
				  * administrator role (revoking it) */
} rules_revoke;

/* May e (key-revoke) take the role it names from the person it names?
 * Not while material is issued to them under the account and no role of
 * theirs there may hold it (RULE_REVOKE_HOLDS: the custodian recovers it
 * first, with a witness); not from the last custodian or alternate of an
 * account, nor from the last administrator (RULE_REVOKE_LAST).  ST_OK for
 * any other action. */
status rules_check_revoke(const entry *e, const rules_revoke *rv, errbuf *err);

/* ---- the entry on its own ------------------------------------------------- */

/* The rules an entry's own fields decide (format v2): an incident cannot be
 * discovered after it is reported (RULE_DISCOVERY_TIME); a destruction
 * whose authority is "superseded" lists only keying material whose
 * supersession date is the entry's UTC date or earlier
 * (RULE_NOT_SUPERSEDED).
 * alc-change (its items' facts being the record's, which rules_check_item
 * sees to): detail alc is an ALC (RULE_ALC_VALUE) other than each item's
 * (RULE_ALC_VALUE); ALC-6 and ALC-7 only for keying material
 * (RULE_ALC_VALUE); ALC-1 and ALC-6 only for an item with a serial and
 * quantity 1 (RULE_SERIAL_REQUIRED); a change that is no upgrade of every
 * item (rules_alc_upgrade) carries detail authority, the national
 * authority's reference (RULE_ALC_AUTHORITY), a reference as a
 * destruction's authority is written (RULE_DETAIL_VALUE).
 * key-effective: every item is keying material (RULE_NOT_KEY) whose
 * effective date, if any, is the entry's UTC date or earlier
 * (RULE_NOT_YET_EFFECTIVE) and whose supersession date, if any, is later
 * (RULE_SUPERSEDED).  ST_OK for any other entry. */
status rules_check_entry(const entry *e, errbuf *err);

/* ---- the key registry and accounts ------------------------------------- */

/* What the ledger records about the person a key-enrol or key-revoke
 * entry's key line names, before the entry. */
typedef struct rules_registrant {
	bool found;              /* a person is enrolled under the key line's name */
	bool same_key;           /* found: with the key line's public key */
	const char *key_owner;   /* another person's name under which the key line's
				  * public key is enrolled, or NULL */
	bool revoked;            /* found: their key is revoked ... */
	uint64_t revoked_index;  /* ... at this entry */
	bool holds_role;         /* found: they hold the key line's role (on the
				  * entry's account for an account role) */
	const char *new_key_owner; /* key-rotate: the person under whose name the
				    * second key line's public key is or ever was
				    * enrolled (the rotated person included), or NULL */
} rules_registrant;

/* May e (key-enrol or key-revoke, one key line) change the registry so?
 * An enrolment is of a new name with a new public key, or of a name
 * enrolled with that same key, unrevoked, that lacks the role; a
 * revocation is of an enrolled, unrevoked key and a role it holds.
 * ST_REFUSED with RULE_KEY_TAKEN (the name enrolled with another key, or
 * the key under another name), RULE_KEY_UNKNOWN, RULE_KEY_REVOKED,
 * RULE_ROLE_HELD or RULE_ROLE_NOT_HELD.  What revoking leaves behind is
 * rules_check_revoke's.  ST_OK for any other action. */
status rules_check_key_line(const entry *e, const rules_registrant *x, errbuf *err);
/* The same for key-rotate, whose first key line (x describes it) is the
 * person's enrolled, unrevoked key with a role they hold (RULE_KEY_UNKNOWN,
 * RULE_KEY_REVOKED, RULE_ROLE_NOT_HELD) and whose second key line, the
 * same name and role, is a public key never enrolled before, under any
 * name (RULE_KEY_TAKEN). */

/* ---- change of custodian ------------------------------------------------ */

/* What the ledger records about the incoming custodian a custodian-change
 * entry names in holder. */
typedef struct rules_incoming {
	bool found;          /* enrolled under that name */
	bool may_sign;       /* found: unrevoked, with a role other than auditor */
	bool custodian;      /* found: holds the custodian role on the account */
} rules_incoming;

/* May e (custodian-change) pass the account to the person it names?  They
 * must be enrolled and able to sign (RULE_INCOMING_UNKNOWN) and not its
 * custodian already (RULE_ROLE_HELD).  ST_OK for any other action. */
status rules_check_incoming(const entry *e, const rules_incoming *x, errbuf *err);

/* account-open and account-outside name a number this ledger does not
 * know yet: `now` is what it is before the entry.  ST_REFUSED,
 * RULE_ACCOUNT_OPEN, when it is open here or registered outside already.
 * ST_OK for any other action. */
status rules_check_account_new(const entry *e, rules_party now, errbuf *err);

/* account-details sets an address or COR account of an account open here
 * or registered outside (`acct`), person-details a rank or position of an
 * enrolled person whose key is not revoked (`person_current`); else
 * RULE_SUBJECT_UNKNOWN.  A cor_account is six digits, and only of an
 * account of this ledger (RULE_DETAIL_VALUE).
 * ST_OK for any other action. */
status rules_check_details(const entry *e, rules_party acct, bool person_current, errbuf *err);

/* ---- items ---------------------------------------------------------------- */

/* One item an entry lists, as the ledger records it before the entry. */
typedef struct rules_item rules_item;
struct rules_item {
	bool found;               /* on record at all (false: new to the ledger) */
	item_status status;
	const char *account;      /* the account accountable for it */
	const char *holder;       /* issued: to whom; else "" */
	const char *under;        /* the transaction it is under: in transit, the
				   * transfer; issued, the issue; under an
				   * incident, the report; else "" */
	const entry_item *facts;  /* kind, ALC, class, ... as recorded */
	bool in_effect;           /* keying material: put into effect (key-effective)
				   * since it came on hand; false: in reserve */
	/* Not found, and the line is a part split off a lot by this entry
	 * (rules_split_parent): the lot, as recorded; else NULL. */
	const rules_item *lot;
};

/* "KG-175D serial 0042", "AKAT 1234 edition AB serial 000123". */
const char *rules_item_words(const entry_item *it, char *buf, size_t size);

/* May entry e change item k (e->items[k]), recorded as x?  ST_OK, or
 * ST_REFUSED with why RULE_ITEM_STATE ("item X is issued (T) at account A,
 * not on hand at account A") or RULE_ITEM_FACTS (an open item's facts in
 * the entry differ from the record).  The entry's own fields (account,
 * holder, ref) say what state each action takes:
 *   receipt      new, or transferred out of the ledger
 *   possession   new, transferred out, or under an incident of the account;
 *                with ref (an incident of the account): also relieved
 *                under that incident, which restores it
 *   transfer, issue   on hand at the account
 *   destroy      on hand, issued or under an incident at the account
 *   inventory    held by the account (any open state)
 *   incident-report   on hand, issued or in transit at the account
 *   accept       in transit under the transfer ref; recording a
 *                discrepancy (category), also new or transferred out
 *   return       issued to holder under the hand receipt ref, at the account
 *   incident-close    under the incident ref
 *   transfer-reject, transfer-recall   in transit under the transfer ref
 *   custodian-change  on hand or issued at the account
 *   alc-change   on hand or issued at the account
 *   key-effective     on hand or issued at the account, in reserve (in
 *                effect already: RULE_IN_EFFECT)
 * Any other action lists no items and is refused.
 * A part split off a lot (x->lot set): only a transfer, issue,
 * destruction or incident report (the part an inventory counted short)
 * takes part of a lot (RULE_SPLIT_ACTION); the lot must be in
 * a state the action takes, its facts but the quantity the line's, and
 * the part 1 to one less than the lot's quantity (RULE_SPLIT_QTY).  The
 * lot keeps its identity and state with the part's quantity taken off;
 * the part is a new item that takes the action's effect. */
status rules_check_item(const entry *e, size_t k, const rules_item *x, errbuf *err);

/* ---- certification: an inventory by counts and the hash of its list -------
 *
 * An inventory or custodian-change that carries detail list_sha256 is a
 * certification: it lists no items but the count (`sighted`) and SHA-256
 * of the list of the account at its index (docs/log-format.md, "The
 * sighted list"): every item on hand or issued at the account that
 * rules_list_counts admits, one line "TITLE\tEDITION\tSERIAL\tQTY\n" each
 * (edition, serial empty when none), in ascending bytewise order of
 * (title, edition, serial), which is `LC_ALL=C sort` of the lines.  An
 * inventory certification also states found, not_sighted and qty_diff,
 * which are signed, not recomputed. */

/* The digest of a list, built one item at a time.  Pair every
 * rules_list_digest_init with one rules_list_digest_final (it frees). */
typedef struct rules_list_digest {
	sha256_ctx sha;
	uint64_t count;
	bool bad;  /* an item out of order or malformed: unusable */
	char prev[ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + ENTRY_SERIAL_MAX + 3];
	size_t prevlen; /* 0: no item yet */
} rules_list_digest;

void rules_list_digest_init(rules_list_digest *d);
/* Add one line; items must come in the order above: false (and the digest
 * is then unusable) if (title, edition, serial) is not greater than the
 * previous one, or a field is longer than the entry format's or holds a
 * byte below 0x20 (which no valid title, edition or serial does). */
bool rules_list_digest_add(rules_list_digest *d, const char *title, const char *edition,
			   const char *serial, uint32_t qty);
/* The digest of the lines added and how many; all zeros and *count 0 when
 * an add failed (a caller that checks its adds never sees that). */
void rules_list_digest_final(rules_list_digest *d, uint8_t out[32], uint64_t *count);

/* Does an item of ALC alc in state s belong in the list of action a
 * (ACT_INVENTORY or ACT_CUSTODIAN_CHANGE)?  On hand or issued; for an
 * inventory only COR-accountable material (ALC 1, 2, 6:
 * rules_alc_strictness >= 2), for a custodian-change every ALC.  False for
 * any other action. */
bool rules_list_counts(entry_action a, int alc, item_status s);

/* Is e a certification (an inventory or custodian-change with detail
 * list_sha256)? */
bool rules_is_certification(const entry *e);

/* The details of a certification as the format admits them: list_sha256
 * 64 lower-case hex digits, the counts decimal 0..1000000000 without
 * leading zeros, sighted present; an inventory or custodian-change without
 * list_sha256 carries none of them; a certification lists no items.
 * ST_REFUSED, RULE_DETAIL_VALUE.  ST_OK for any other action.
 * rules_check_entry calls it. */
status rules_check_certification_details(const entry *e, errbuf *err);

/* Judge certification e against the record's list: `held` lines with
 * digest `digest`.  ST_REFUSED with RULE_LIST_HASH when sighted != held
 * or the digest differs; RULE_DETAIL_VALUE as
 * rules_check_certification_details (which it applies to any inventory
 * or custodian-change).  ST_OK for an entry that is no certification and
 * carries none of its details. */
status rules_check_certification(const entry *e, uint64_t held, const uint8_t digest[32],
				 errbuf *err);

/* ---- partial quantities --------------------------------------------------- */

/* Is item line k of e a part that e splits off a lot: does its serial end
 * in "+N", N being e's own index?  Then parent (ENTRY_SERIAL_MAX + 1
 * bytes) is the lot's serial, the line's without that segment ("" for a
 * lot without a serial); the lot has the line's title and edition.  A
 * line naming "+N" of another entry is an item like any other: the part
 * that entry split off. */
bool rules_split_parent(const entry *e, size_t k, char parent[ENTRY_SERIAL_MAX + 1]);

/* The serial of the part that entry `index` splits off the lot whose
 * serial is `lot`: "LOT+index".  ST_REFUSED, RULE_SPLIT_TOO_LONG, when it
 * would be longer than ENTRY_SERIAL_MAX. */
status rules_split_serial(const char *lot, uint64_t index, char out[ENTRY_SERIAL_MAX + 1],
			  errbuf *err);

/* accept, transfer-reject, transfer-recall and incident-close list exactly
 * the items still under ref
 * (RULE_ITEMS_COUNT): `listed` of the entry's items are under it, of
 * `under` there.  An accept that records a discrepancy (its category set:
 * a short or long shipment, which opens an incident of the account) lists
 * what arrived: any of the items under ref, and items from outside it
 * (new to the ledger or transferred out), as long as something differs
 * (RULE_NO_DISCREPANCY).  ST_OK for any other action. */
status rules_check_count(const entry *e, uint64_t listed, uint64_t under, const char *ref,
			 errbuf *err);
/* A custodian-change is the joint inventory: it lists every item on hand
 * or issued at the account (`held` of them; RULE_INVENTORY_INCOMPLETE
 * otherwise), `listed` of its items being such.  rules_check_count does
 * this for custodian-change with under = held; ref is unused. */

/* Is inventory or custodian-change e complete: does it list every item on
 * hand or issued at its account and no other?  `listed` of its e->nitems
 * items are on hand or issued there, `held` items are.  Only a complete
 * one resets the account's inventory clock (last inventory); an inventory
 * that is not complete is a spot or shift check: it records what was
 * sighted and leaves the clock.  A certification (rules_is_certification)
 * is complete: true for one, which rules_check_certification judges
 * instead (and rules_check_count lets pass).  False for any other
 * action. */
bool rules_inventory_complete(const entry *e, uint64_t listed, uint64_t held);

/* Does the transaction of action a, with category c, open an incident:
 * an incident report, or an accept that records a discrepancy? */
bool rules_opens_incident(entry_action a, entry_category c);

/* Was incident-report e reported later than `hours` (the policy
 * incident_report_hours in force at it) after its discovery?  *late_h
 * (when not NULL) is then the whole hours between them.  False when e
 * says no discovery time (format v1) or is no incident report.  The
 * audit's late_incident finding and the incident report both ask this. */
bool rules_incident_late(const entry *e, int64_t hours, int64_t *late_h);

/* ---- accounting legend codes and key in effect ------------------------ */

/* How strictly ALC `alc` controls material: 3 for ALC-1 and ALC-6 (each
 * item accountable to the COR by serial), 2 for ALC-2 (to the COR by
 * quantity), 1 for ALC-4 (reported to the COR on receipt, then local), 0
 * for ALC-7 (electronic key, local); -1 for a number that is no ALC.  The
 * one ordering of the ALCs (DOMAIN.md, docs/ledger.md). */
int rules_alc_strictness(int alc);

/* Is the change of an item's ALC from `from` to `to` an upgrade, to a
 * stricter control, which the account may make on its own?  Any other
 * change (a downgrade, or between ALC-1 and ALC-6, equally strict) is the
 * national authority's to direct. */
bool rules_alc_upgrade(int from, int to);

/* The new ALC of an alc-change entry (detail alc), or -1 when the detail
 * is missing or is not one of 1, 2, 4, 6, 7 written as one digit. */
int rules_alc_of(const entry *e);

/* Is an item listed twice (same title, edition and serial), or a lot
 * listed whole beside a part the entry splits off it?  ST_REFUSED,
 * RULE_ITEM_TWICE, naming it. */
status rules_check_distinct(const entry *e, errbuf *err);

#endif
