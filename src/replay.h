/* replay.h: rebuild the ledger's state by replaying the signed log.
 *
 * A replay starts empty and takes the log's records in order.  Each record
 * is checked completely before it changes anything: the signed note parses
 * strictly, the entry parses as format v1, its index is the next one, its
 * origin is the log's, prev is the previous leaf hash, time does not go
 * backwards, the signatures verify against the key registry as it stands
 * at that index (keys enrolled and not revoked), the signers hold the roles
 * the action needs, and the custody rules of docs/ledger.md allow it.  A
 * refused record leaves the state as it was.
 *
 * No libpq here: custos-verify uses this module offline. */
#ifndef CUSTOS_REPLAY_H
#define CUSTOS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "rules.h"
#include "status.h"

typedef struct replay replay;

/* A new, empty replay; NULL when out of memory. */
replay *replay_new(void);
void replay_free(replay *r);

/* With trust set, replay_apply does not check Ed25519 signatures: it only
 * matches signature lines to the registry by name and key ID (and counts
 * distinct keys against the entry's need, and judges roles as usual).  For
 * a caller that has verified every signature against the registry as of
 * each index already (custos-verify does so on all cores).  Default: off. */
void replay_trust_signatures(replay *r, bool trust);

/* Check and apply the next record (a whole signed note, as stored in the
 * log).  ST_OK when applied.  On refusal: ST_FORMAT (does not parse, wrong
 * index/origin/prev/time, genesis anywhere but first), ST_BADSIG / ST_NOSIG
 * (signatures), ST_PERM (signers lack the role), ST_USAGE (the custody
 * rules refuse it, or a key-rotate entry, which this version does not
 * support), ST_NOMEM; err reads "entry N: ..." with what
 * was wrong, and the state is unchanged.  The checks run in that order:
 * chain, signatures, the entry's fields (txn, account, ref, key line),
 * signers' roles, items. */
status replay_apply(replay *r, const uint8_t *rec, size_t len, errbuf *err) CUSTOS_WARN_UNUSED;

/* What the replay has seen so far. */
uint64_t replay_size(const replay *r);               /* records applied */
const uint8_t *replay_last_leaf(const replay *r);   /* 32 bytes; zeros when empty */
int64_t replay_last_time(const replay *r);          /* µs; 0 when empty */
const char *replay_origin(const replay *r);         /* "" when empty */
/* Was the last entry applied a complete inventory of its account (an
 * inventory or custodian-change listing every item held:
 * rules_inventory_complete)?  A spot check is not. */
bool replay_last_complete(const replay *r);

/* The rebuilt state, for comparison with the database.  Each iterator
 * calls fn for every record in a stable order (sorted by its key, bytewise
 * like the "C" collation) and stops early when fn returns false.  Accounts
 * by number, people by name, roles by (person, role name, account), items
 * by (title, edition, serial), transactions and incidents by number.  The
 * pointers passed to fn are valid until the next replay_apply or
 * replay_free.  The iterators sort the replay's own lists in place, so they
 * allocate nothing and cannot fail, but two threads must not iterate the
 * same replay at once. */

typedef struct replay_account {
	const char *number;        /* six digits */
	const char *name;
	uint64_t opened_index;
	int64_t opened_us;
	int64_t last_inventory_us; /* 0 if none */
	uint64_t held;             /* items on hand or issued at the account (what
				    * a change of custodian must list, and a
				    * complete inventory); seeding a replay that
				    * will judge a custodian-change or an
				    * inventory needs it, others may leave it 0 */
	const char *address;       /* account-details: "" when unset (seeding:
				    * NULL is "") */
	const char *cor_account;   /* the same */
	uint64_t details_index;    /* the last account-details; 0 if none */
	/* Seeding a replay that will judge a certification (rules_is_
	 * certification): the list of the account for that entry's action
	 * (rules_list_counts), as the database holds it: how many items and
	 * its digest (rules_list_digest).  A seeded replay judges a
	 * certification only by this (list_seeded, for list_action: else it
	 * refuses it); a replay of the whole log computes the list from its
	 * own state and never reads these.  replay_each_account leaves them
	 * false and zero. */
	bool list_seeded;
	entry_action list_action;
	uint64_t list_count;
	uint8_t list_sha256[32];
} replay_account;
void replay_each_account(const replay *r, bool (*fn)(void *ctx, const replay_account *a),
			 void *ctx);

typedef struct replay_person {
	const char *name;          /* key name */
	key_public key;
	uint64_t enrolled_index;
	bool revoked;
	uint64_t revoked_index;    /* valid when revoked */
	const char *rank;          /* person-details: "" when unset (seeding:
				    * NULL is "") */
	const char *position;      /* the same */
	uint64_t details_index;    /* the last person-details; 0 if none */
	uint64_t key_index;        /* the entry since which key counts (its
				    * enrolment or the last key-rotate; seeding:
				    * 0 is enrolled_index) */
} replay_person;
void replay_each_person(const replay *r, bool (*fn)(void *ctx, const replay_person *p),
			void *ctx);
/* The keys people held before a key-rotate (name, public key), in no
 * particular order. */
void replay_each_old_key(const replay *r,
			 bool (*fn)(void *ctx, const char *name, const uint8_t pk[KEY_PK_LEN]),
			 void *ctx);

/* Accounts outside this ledger, registered by account-outside. */
typedef struct replay_outside {
	const char *number;        /* six digits */
	const char *name;
	const char *address;       /* "" when unset (seeding: NULL is "") */
	uint64_t registered_index;
	uint64_t details_index;    /* the last account-details; 0 if none */
} replay_outside;
void replay_each_outside(const replay *r, bool (*fn)(void *ctx, const replay_outside *o),
			 void *ctx);

typedef struct replay_role {
	const char *person;
	entry_role role;
	const char *account;       /* "" for whole-log roles */
	uint64_t since_index;
} replay_role;
void replay_each_role(const replay *r, bool (*fn)(void *ctx, const replay_role *ro), void *ctx);

typedef struct replay_item {
	entry_item facts;          /* title, edition, serial identify it */
	item_status status;
	const char *account;       /* the account accountable for it */
	const char *holder;        /* "" unless issued */
	const char *peer;          /* in_transit / transferred: the receiver */
	const char *last_txn;      /* the transaction that last changed it */
	uint64_t last_index;       /* the entry that last changed it */
	int64_t since_us;          /* that entry's time: when the status last
				    * changed */
	const char *incident;      /* status incident, or relieved: the
				    * incident's txn */
	bool in_effect;            /* keying material put into effect
				    * (key-effective) since it came on hand;
				    * false: in reserve */
} replay_item;
void replay_each_item(const replay *r, bool (*fn)(void *ctx, const replay_item *it), void *ctx);

/* Transactions as the ledger numbered them (only material actions). */
typedef struct replay_txn {
	const char *number;        /* AAAAAA-YYYY-NNNN */
	entry_action action;
	uint64_t index;
	const char *account, *peer, *holder, *ref;
	bool open;                 /* transfer: in transit; issue: some items
				    * still issued under it; incident-report:
				    * the incident is open */
} replay_txn;
void replay_each_txn(const replay *r, bool (*fn)(void *ctx, const replay_txn *t), void *ctx);

typedef struct replay_incident {
	const char *txn;           /* the incident-report's transaction */
	const char *account;
	entry_category category;
	int64_t reported_us;
	uint64_t updates;          /* incident-update entries */
	bool closed;
	uint64_t closed_index;     /* valid when closed */
	int64_t last_update_us;    /* the last incident-update; 0 if none */
	int64_t closed_us;         /* valid when closed */
	int64_t discovered_us;     /* when it was discovered; 0 for a v1 report,
				    * which counts from reported_us */
	entry_outcome outcome;     /* valid when closed; OUTCOME_NONE for a v1
				    * close, which relieved */
} replay_incident;
void replay_each_incident(const replay *r, bool (*fn)(void *ctx, const replay_incident *i),
			  void *ctx);

/* ---- policy: the values in force by index --------------------------------
 *
 * A replay starts with every policy at its default (rules_policy_of) and
 * policy-set entries change them; an entry is judged by the policies in
 * force at its index, set by the entries before it. */

typedef struct replay_policy_set {
	uint64_t index;            /* the policy-set entry */
	rules_policy policy;
	int64_t value;
} replay_policy_set;

/* The value of policy p after the last entry applied, and in *set_index
 * (when not NULL) the entry that set it, 0 for its default.  -1 for no
 * such policy. */
int64_t replay_policy(const replay *r, rules_policy p, uint64_t *set_index);
/* The value of policy p in force at entry `index`: set by an entry before
 * it, else the default (a seeded value is not history: a seeded replay
 * answers with the defaults here).  -1 for no such policy. */
int64_t replay_policy_at(const replay *r, rules_policy p, uint64_t index);
/* Every policy the entries applied set, in index order (each entry's in
 * policy order). */
void replay_each_policy_set(const replay *r, bool (*fn)(void *ctx, const replay_policy_set *s),
			    void *ctx);

/* ---- seeding: one entry judged against the database's records ----------
 *
 * The server (src/pg/) judges every appended material entry with this
 * module, the same code as the replay of the whole log: it seeds an empty
 * replay with the records the entry touches, as the database holds them,
 * and calls replay_apply with the entry (signatures trusted: the server has
 * verified them).  Seed in this order: the head; the accounts (of the
 * ledger and outside it); then their
 * transaction numbers, the people and their roles, the transactions, the
 * items.  A record that names one not seeded (a role's or transaction's
 * account, an item's account or the transaction it is under) is ST_NOTFOUND;
 * one seeded twice ST_EXISTS; a malformed one ST_FORMAT; ST_NOMEM. */

/* The log as it stands before the entry: size, last leaf, time, origin.
 * It makes the replay a seeded one: one that holds only what the entry
 * touches (a certification is then judged by the seeded list). */
void replay_seed_head(replay *r, const char *origin, uint64_t size,
		      const uint8_t last_leaf[32], int64_t last_time_us);
status replay_seed_account(replay *r, const replay_account *a) CUSTOS_WARN_UNUSED;
status replay_seed_outside(replay *r, const replay_outside *o) CUSTOS_WARN_UNUSED;
/* The last transaction number account `number` gave in `year`. */
status replay_seed_seq(replay *r, const char *number, int year, uint64_t last) CUSTOS_WARN_UNUSED;
/* A person's key and enrolment (their roles come by replay_seed_role). */
status replay_seed_person(replay *r, const replay_person *p) CUSTOS_WARN_UNUSED;
/* A public key that was the seeded person `name`'s before a key-rotate
 * (so that it is never enrolled again). */
status replay_seed_old_key(replay *r, const char *name, const uint8_t pk[KEY_PK_LEN])
	CUSTOS_WARN_UNUSED;
status replay_seed_role(replay *r, const replay_role *ro) CUSTOS_WARN_UNUSED;
/* A transaction with the number of items now under it (issued, in transit
 * or under an incident by it); inc: an incident report's incident, else
 * NULL.  t->open as the ledger records it. */
status replay_seed_txn(replay *r, const replay_txn *t, uint64_t count,
		       const replay_incident *inc) CUSTOS_WARN_UNUSED;
/* An item, under transaction `under` ("" for none: rules_item.under). */
status replay_seed_item(replay *r, const replay_item *it, const char *under) CUSTOS_WARN_UNUSED;
/* Policy p's value in force, set by entry set_index (0: the default);
 * ST_FORMAT when out of its range or set at or after the head.  After the
 * head. */
status replay_seed_policy(replay *r, rules_policy p, int64_t value,
			  uint64_t set_index) CUSTOS_WARN_UNUSED;

#endif
