/* audit.h: audit findings from the signed log, and the oversight sample.
 *
 * A pure module (no libpq): `custos audit` is to feed it the entries read
 * from the database, custos-verify --audit the entries of a bundle, in
 * index order, so that both print the same findings for the same log.
 * Each finding is judged by the policy in force at the entry's index (the
 * defaults of rules.h, changed by policy-set entries before it); what is
 * still open at the end is judged as of the last entry's time, never the
 * clock, so that the result depends on the log alone. */
#ifndef CUSTOS_AUDIT_H
#define CUSTOS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "entry.h"
#include "replay.h"
#include "rules.h"
#include "status.h"

/* Each finding: its code, its name in the output, its kind in words for a
 * person (the audit report). */
#define AUDIT_FINDINGS(X)                                                             \
	X(AF_LATE_DESTRUCTION, "late_destruction",                                    \
	  "superseded keying material destroyed after its deadline")                  \
	X(AF_LATE_INCIDENT, "late_incident", "incident reported after its deadline")  \
	X(AF_INVENTORY_OVERDUE, "inventory_overdue",                                  \
	  "complete inventories of the account too far apart")                        \
	X(AF_HAND_RECEIPT_OPEN, "hand_receipt_open",                                  \
	  "item on hand receipt longer than the policy allows")                       \
	X(AF_TXN_GAP, "txn_gap", "a transaction number skipped")                      \
	X(AF_CUSTODIAN_NO_INVENTORY, "custodian_no_inventory",                        \
	  "change of custodian without a joint inventory of every item")

typedef enum audit_code {
#define AUDIT_CODE_ENUM(code, name, words) code,
	AUDIT_FINDINGS(AUDIT_CODE_ENUM)
#undef AUDIT_CODE_ENUM
	AF__COUNT
} audit_code;

const char *audit_code_name(audit_code c);
/* The finding's kind in words ("incident reported after its deadline"). */
const char *audit_code_words(audit_code c);

typedef struct audit_finding {
	audit_code code;
	uint64_t index;      /* the entry the finding is about (for what is
			      * still open at the end: the last entry) */
	uint64_t since;      /* the entry the period began at (issue, last
			      * inventory); == index if none */
	char account[ENTRY_ACCOUNT_LEN + 1]; /* the account it is about */
	char reason[256];
} audit_finding;

typedef struct audit audit;

audit *audit_new(void);
void audit_free(audit *a);

/* Record only the findings about account `number` (NULL: all). */
void audit_only_account(audit *a, const char *number);

/* Take the next entry (index order).  complete: e is a complete inventory
 * of its account, as the replay judged it (replay_last_complete, that is
 * rules_inventory_complete); the audit has no rule of its own for it. */
status audit_add(audit *a, const entry *e, bool complete, errbuf *err) CUSTOS_WARN_UNUSED;
/* The same from a whole signed note as stored in the log: the audit's own
 * replay applies it first (signatures trusted: the caller has verified
 * them) and says whether it was a complete inventory.  A record the replay
 * refuses is an error (ST_USAGE etc.): the audit judges valid logs only. */
status audit_add_record(audit *a, const uint8_t *rec, size_t len, errbuf *err)
	CUSTOS_WARN_UNUSED;
/* The state the records replayed to (for audit_sample). */
const replay *audit_state(const audit *a);
/* Judge what is still open as of the last entry's time; once. */
status audit_finish(audit *a, errbuf *err) CUSTOS_WARN_UNUSED;

size_t audit_count(const audit *a);
const audit_finding *audit_get(const audit *a, size_t i);
uint64_t audit_entries(const audit *a);
/* The value of policy p (rules.h) in force after the last entry: the
 * default changed by the policy-set entries the audit took. */
int64_t audit_policy(const audit *a, rules_policy p);

void audit_print_text(FILE *f, const audit *a);
void audit_print_json(FILE *f, const audit *a);

/* ---- the oversight sample ------------------------------------------------
 *
 * Of the items held (on hand or issued) in the replayed state: every
 * TOP SECRET keying material item, then k of the rest, those whose
 * SHA-256(root || title NUL edition NUL serial) is smallest (ties by
 * identity).  root is the audited checkpoint's root hash, so auditor and
 * audited derive the same sample and neither chooses it. */
typedef struct audit_pick {
	char title[ENTRY_TITLE_MAX + 1], edition[ENTRY_EDITION_MAX + 1];
	char serial[ENTRY_SERIAL_MAX + 1], account[ENTRY_ACCOUNT_LEN + 1];
	item_class cls;
	bool key;
	bool all;                  /* in the 100% TS key sighting */
} audit_pick;

/* The K of `--sample K`: a decimal number of items, 0 to AUDIT_SAMPLE_MAX,
 * no sign, no leading zero.  False, *k untouched, for anything else. */
#define AUDIT_SAMPLE_MAX 1000000
bool audit_sample_parse(const char *s, size_t *k);

status audit_sample(const replay *r, const uint8_t root[32], size_t k, audit_pick **out,
		    size_t *n, errbuf *err) CUSTOS_WARN_UNUSED;
void audit_print_sample_text(FILE *f, const audit_pick *p, size_t n);
void audit_print_sample_json(FILE *f, const audit_pick *p, size_t n);
/* What `custos audit` and `custos-verify --audit` print, the same bytes for
 * the same log: the findings, then (sample) the sample; JSON: one object
 * {"entries","findings"[,"sample"]}. */
void audit_print(FILE *f, const audit *a, const audit_pick *p, size_t n, bool sample, bool json);

#endif
