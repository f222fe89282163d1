/* report.h: the COMSEC Material Report (GC-223 / SF-153), made from the
 * signed log entries it reports (DOMAIN.md "Reports", docs/reports.md).
 *
 * The model is built from parsed entries only, never from the state
 * tables, so a report says exactly what was signed: the transaction's own
 * entry gives the type, the accounts, the numbers, the date, the line
 * items, the certification and the signers; account-open, account-outside
 * and account-details entries before it give the accounts' names and
 * addresses; person-details entries before it give the signers' rank and
 * position.  report_build takes those entries and does no I/O (it is what
 * tests/check_report.c tests); report_load fetches them from the log.
 * Text in the model is as signed (unescaped, possibly hostile): every
 * writer shows it through report_escape. */
#ifndef CUSTOS_REPORT_H
#define CUSTOS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "entry.h"
#include "status.h"

/* Block 1, the report's type. */
#define REPORT_TYPES(X)                                                      \
	X(REPORT_TRANSFER, "transfer")                                       \
	X(REPORT_INVENTORY, "inventory")                                     \
	X(REPORT_DESTRUCTION, "destruction")                                 \
	X(REPORT_HAND_RECEIPT, "hand receipt")                               \
	X(REPORT_POSSESSION, "possession")                                   \
	X(REPORT_OTHER, "other")

typedef enum report_type {
#define REPORT_TYPE_ENUM(code, name) code,
	REPORT_TYPES(REPORT_TYPE_ENUM)
#undef REPORT_TYPE_ENUM
	REPORT__COUNT
} report_type;

const char *report_type_name(report_type t);

/* The report kinds the CLI asks for: any material transaction, or a
 * destruction only (one transaction); the registers of an account: its
 * hand receipts, its destructions of a period. */
typedef enum report_kind {
	REPORT_KIND_MATERIAL,
	REPORT_KIND_DESTRUCTION,
	REPORT_KIND_HAND_RECEIPTS,
	REPORT_KIND_DESTRUCTIONS,
	REPORT_KIND_INVENTORY,      /* one inventory or custodian-change, with
				     * its count and correction page */
	REPORT_KIND_INCIDENT        /* one incident: its initial, amplifying
				     * and final reports */
} report_kind;

/* The report that entry action a makes, the most telling one: a
 * destruction's for a destroy, an inventory's (with its count and
 * correction page) for an inventory or a change of custodian, the
 * material report for the other material transactions (the actions
 * report_build takes), the incident report for an incident-report.  False,
 * *kind untouched, for an action that makes no report of its own
 * (key-enrol, incident-update, policy-set...). */
bool report_kind_for(entry_action a, report_kind *kind);

/* The kind's word as the command line says it: "material", "destruction",
 * "inventory", "hand-receipts", "destructions", "incident". */
const char *report_kind_name(report_kind k);

/* Block 2: one side of the transaction.  Strings are malloc'd or NULL
 * when the log (as this login sees it) does not say. */
typedef struct report_party {
	char account[ENTRY_ACCOUNT_LEN + 1]; /* 6 digits, "COR", or "" for a
					      * person (hand receipt) or none */
	char *name;        /* the account's name as opened, or the holder */
	char *address;
	char *cor_account; /* the COR's account number for it */
} report_party;

/* Block 7: one line item. */
typedef struct report_line {
	size_t row;                           /* 1, 2, ... */
	char title[ENTRY_TITLE_MAX + 1];
	char edition[ENTRY_EDITION_MAX + 1];  /* "" when none */
	uint32_t qty;
	char serial[ENTRY_SERIAL_MAX + 1];    /* "" when quantity-accounted */
	int alc;                              /* 0: not signed (a certified
					       * list carries none) */
	char remarks[96];                     /* kind, classification, CRYPTO,
					       * dates: made by report_build */
} report_line;

/* Block 9: one signature on the entry. */
#define REPORT_MAX_SIGNERS 4
typedef struct report_signer {
	char name[KEY_NAME_MAX + 1];  /* the signing key's name */
	char keyid[2 * KEY_ID_LEN + 1]; /* its key ID, hex */
	const char *capacity;          /* "custodian", "witness", ... (static) */
	char *rank, *position;         /* from person-details, NULL if none */
} report_signer;

/* A line of an inventory's correction page: an item that came on the
 * account (addition) or left it (deletion) between the previous complete
 * inventory and this one, and the entry that did it. */
typedef struct report_change {
	report_line line;
	entry_action action;
	char txn[ENTRY_TXN_MAX + 1];
	char time[ENTRY_TIME_LEN + 1];
	uint64_t index;
} report_change;

/* A certification's counts as signed (details sighted, found,
 * not_sighted, qty_diff; -1 where the entry states none, as a
 * custodian-change states only sighted), its list_sha256, and whether the
 * list the report prints hashes to it (report_certified_attach). */
typedef struct report_certified {
	char list_sha256[2 * SHA256_LEN + 1];
	int64_t sighted, found, not_sighted, qty_diff;
	bool verified;
} report_certified;

/* What an inventory report adds (report_inventory_build). */
typedef struct report_inventory {
	bool complete;             /* rules_inventory_complete */
	uint64_t listed, held;     /* listed of the held items on hand or issued */
	char words[160];           /* ledger_inventory_words: what custos printed */
	uint64_t prev_index;       /* the previous complete inventory, 0: none
				    * (the correction page runs from the
				    * account's opening) */
	char prev_txn[ENTRY_TXN_MAX + 1];
	char prev_time[ENTRY_TIME_LEN + 1];
	size_t nadd, ndel;
	report_change *adds, *dels; /* malloc'd, in log order */
} report_inventory;

/* One part of an incident report: the initial report (incident-report),
 * an amplifying one (incident-update) or the final one (incident-close),
 * from its own signed entry. */
typedef struct report_incident_part {
	entry_action action;
	char txn[ENTRY_TXN_MAX + 1];
	char time[ENTRY_TIME_LEN + 1];
	uint64_t index;
	char leaf_b64[45];
	size_t nsigners;
	char signers[REPORT_MAX_SIGNERS][KEY_NAME_MAX + 1];
	entry_outcome outcome;  /* the final report: the authority's decision */
	size_t nitems;          /* the items the entry lists */
	char *text;             /* its free text, malloc'd, or NULL */
} report_incident_part;

const char *report_incident_part_name(entry_action a); /* "initial", ... */

/* What an incident report adds (report_incident_build). */
typedef struct report_incident {
	entry_category category;
	char discovered[ENTRY_TIME_LEN + 1]; /* "" when the entry says none (v1) */
	int64_t deadline_hours;   /* incident_report_hours in force at it */
	bool late;                /* rules_incident_late */
	int64_t late_hours;       /* when late: hours from discovery to report */
	bool closed;
	entry_outcome outcome;    /* when closed */
	size_t nparts;            /* parts[0] the initial report, then the
				   * amplifying ones in log order, then the
				   * final one when closed */
	report_incident_part *parts;
} report_incident;

typedef struct report {
	report_type type;
	entry_action action;
	report_party from, to;
	char report_date[ENTRY_DATE_LEN + 1];   /* block 3: YYYY-MM-DD, UTC */
	char out_txn[ENTRY_TXN_MAX + 1];        /* block 4, "" when none */
	char txn_date[ENTRY_TIME_LEN + 1];      /* block 5: the entry's time */
	char in_txn[ENTRY_TXN_MAX + 1];         /* block 6, "" when none */
	size_t nlines;
	report_line *lines;                     /* malloc'd */
	char *certification;                    /* block 8, malloc'd */
	size_t nsigners;
	report_signer signers[REPORT_MAX_SIGNERS];
	char *remarks;                          /* the entry's free text, or NULL */
	/* where it comes from */
	char origin[ENTRY_ORIGIN_MAX + 1];
	uint64_t index;
	char leaf_b64[45];
	char *note;          /* the whole signed note */
	size_t notelen;
	char *proof;         /* its tlog-proof against a checkpoint, or NULL */
	size_t prooflen;
	uint64_t checkpoint_size; /* 0 when no checkpoint covers it yet */
	report_inventory *inv;    /* REPORT_KIND_INVENTORY, else NULL */
	report_certified *cert;   /* a certification's report, else NULL */
	report_incident *inc;     /* REPORT_KIND_INCIDENT, else NULL */
} report;

/* One signed entry: its note, index and leaf hash, parsed. */
typedef struct report_entry {
	const char *note;
	size_t notelen;
	uint64_t index;
	entry e;
} report_entry;

/* Build r from the transaction's entry `txn` and the entries before it
 * that describe its parties and signers (ctx[0..nctx), in log order; the
 * others are ignored), `answer` the transaction number that answers it
 * (the accept of a transfer) or NULL, and the report's date (UTC
 * microseconds).  ST_REFUSED when kind does not fit the entry's action
 * (err says what the entry is); ST_NOMEM.  r is freed with report_free,
 * also after a failure. */
status report_build(const report_entry *txn, const report_entry *ctx, size_t nctx,
		    const char *answer, report_kind kind, int64_t now_us, report *r,
		    errbuf *err) CUSTOS_WARN_UNUSED;

/* Add to r (built by report_build from inventory or custodian-change
 * entry txn) its inventory count and correction page, from hist[0..n):
 * the entries in log order whose account or peer is the inventory's
 * account, up to it (others are ignored).  The items on hand or issued at
 * the account before txn are counted by following those entries
 * (receipt, accept, possession, a rejected or recalled transfer and an
 * incident closed without loss bring items on; transfer, destroy and
 * incident-report take them off; an issue of a part adds the part), and
 * each earlier inventory is judged complete or not the same way
 * (rules_inventory_complete).  ST_NOMEM. */
status report_inventory_build(report *r, const report_entry *txn, const report_entry *hist,
			      size_t n, errbuf *err) CUSTOS_WARN_UNUSED;

/* Make lines[0..n) (row, title, edition, serial, qty; alc 0) the line
 * items of r, built by report_build from certification txn
 * (rules_is_certification): the list the server kept of it
 * (custos.certified_item, in line order), which is trusted only when its
 * digest (rules_list_digest_*) is the entry's list_sha256 and its length
 * the entry's sighted.  Fills r->cert (verified).  ST_CORRUPT, naming the
 * entry, when the lines do not hash to list_sha256 (a line changed,
 * added, dropped or out of order); ST_NOTFOUND when no line is kept but
 * the entry certifies some; ST_REFUSED when txn is no certification;
 * ST_NOMEM.  r's lines are untouched on failure. */
status report_certified_attach(report *r, const report_entry *txn, const report_line *lines,
			       size_t n, errbuf *err) CUSTOS_WARN_UNUSED;

/* Add to r (built by report_build with REPORT_KIND_INCIDENT from
 * incident-report entry txn) its parts: txn itself, then of later[0..n)
 * (log order) the incident-update and incident-close entries whose ref is
 * txn's number (others are ignored; nothing after a close), and whether it
 * was reported within the deadline: the policy incident_report_hours as
 * the policy-set entries of pol[0..npol) before txn leave it
 * (rules_incident_late, the audit's rule).  ST_NOMEM. */
status report_incident_build(report *r, const report_entry *txn, const report_entry *later,
			     size_t n, const report_entry *pol, size_t npol,
			     errbuf *err) CUSTOS_WARN_UNUSED;

/* Fetch transaction `txn`'s entry and those report_build wants from the
 * log as this login sees it, with an inclusion proof when a checkpoint
 * covers it, and build r.  ST_NOTFOUND: no such transaction; ST_USAGE: not
 * a transaction number; ST_REFUSED: not a kind of report this entry makes. */
status report_load(db *d, const char *txn, report_kind kind, report *r,
		   errbuf *err) CUSTOS_WARN_UNUSED;

void report_free(report *r);

/* s (NUL-terminated, may be NULL) with control characters, bidi and other
 * layout controls and invalid UTF-8 as visible escapes (safeprint.h), in a
 * new malloc'd string; NULL only when out of memory. */
char *report_escape(const char *s);

/* The same, keeping each newline as a line break (free text, the note). */
char *report_escape_lines(const char *s);

/* One CSV field (RFC 4180): s escaped (report_escape; NULL as ""), quoted,
 * then "," or, when last, CRLF. */
void report_csv_field(FILE *f, const char *s, bool last);

/* Write r as CSV (RFC 4180: CRLF, quoted fields) / one JSON object. */
status report_write_csv(const report *r, FILE *f, errbuf *err) CUSTOS_WARN_UNUSED;
status report_write_json(const report *r, FILE *f, errbuf *err) CUSTOS_WARN_UNUSED;

/* ---- registers: many entries of one account ----------------------------
 *
 * The hand-receipt register lists every issue (hand receipt) of an account,
 * with each item and the entry that took it off the receipt (its return,
 * or a destruction or incident report while it was issued), or "open".
 * The destruction register of a period lists every destroy entry with its
 * items, method, authority and witness.  Like report, it is built from the
 * signed entries alone (report_register_build does no I/O) and every row
 * carries its entry's origin, index and leaf hash. */

/* An item of a row, and for a hand receipt what closed it. */
typedef struct report_reg_line {
	report_line line;
	bool closed;
	entry_action by_action;              /* return, destroy, incident-report */
	char by_txn[ENTRY_TXN_MAX + 1];
	char by_time[ENTRY_TIME_LEN + 1];
	uint64_t by_index;
} report_reg_line;

typedef struct report_reg_row {
	entry_action action;                 /* issue or destroy */
	char txn[ENTRY_TXN_MAX + 1];
	char time[ENTRY_TIME_LEN + 1];
	char holder[KEY_NAME_MAX + 1];       /* issue: the holder */
	char custodian[KEY_NAME_MAX + 1];    /* the first signer */
	char second[KEY_NAME_MAX + 1];       /* the second signer (the holder, the
					      * witness), "" if none */
	char method[24], authority[ENTRY_AUTHORITY_MAX + 1]; /* destroy */
	char *remarks;                       /* the entry's free text, or NULL */
	bool open;                           /* issue: an item is still on it */
	char closed_time[ENTRY_TIME_LEN + 1]; /* issue closed: the last closing */
	char closed_txn[ENTRY_TXN_MAX + 1];
	uint64_t index;
	char leaf_b64[45];
	size_t nlines;
	report_reg_line *lines;
} report_reg_row;

typedef struct report_register {
	report_kind kind;                    /* HAND_RECEIPTS or DESTRUCTIONS */
	char account[ENTRY_ACCOUNT_LEN + 1];
	char *account_name;                  /* from its account-open entry */
	char holder[KEY_NAME_MAX + 1];       /* the --holder filter, "" for all */
	char since[ENTRY_DATE_LEN + 1], until[ENTRY_DATE_LEN + 1]; /* "" none */
	char report_date[ENTRY_DATE_LEN + 1];
	char origin[ENTRY_ORIGIN_MAX + 1];
	size_t nrows, nopen;                 /* hand receipts: open rows first */
	report_reg_row *rows;
} report_register;

const char *report_register_title(const report_register *g); /* "hand-receipt register" */

/* Build g of `kind` for account `account` from es[0..n), entries in log
 * order (others' and other actions are ignored): issue, return, destroy
 * and incident-report entries of the account and its account-open.
 * holder (or NULL) keeps the receipts to that person; since / until
 * ("YYYY-MM-DD" or NULL, UTC, both inclusive) keep the rows whose entry is
 * dated in that period.  Hand receipts come open first, then closed, each
 * in log order.  ST_USAGE for a kind that is no register; ST_NOMEM.  g is
 * freed with report_register_free, also after a failure. */
status report_register_build(report_kind kind, const char *account, const char *holder,
			     const char *since, const char *until, const report_entry *es,
			     size_t n, int64_t now_us, report_register *g,
			     errbuf *err) CUSTOS_WARN_UNUSED;

/* Fetch the entries report_register_build wants from the log as this
 * login sees it and build g.  ST_USAGE: not an account number or not a
 * date, or until before since; ST_NOTFOUND: no such account this login
 * may see. */
status report_register_load(db *d, report_kind kind, const char *account, const char *holder,
			    const char *since, const char *until, report_register *g,
			    errbuf *err) CUSTOS_WARN_UNUSED;

void report_register_free(report_register *g);

status report_register_write_csv(const report_register *g, FILE *f, errbuf *err) CUSTOS_WARN_UNUSED;
status report_register_write_json(const report_register *g, FILE *f, errbuf *err) CUSTOS_WARN_UNUSED;

#endif
