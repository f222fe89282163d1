/* rules.c: the custody rules (rules.h, docs/ledger.md). */
#include "rules.h"

#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- item states ---------------------------------------------------------- */

static const char *const status_names[ITEM__COUNT] = {
	"on_hand", "issued", "in_transit", "incident", "transferred", "destroyed", "relieved"};

static const char *const status_words[ITEM__COUNT] = {
	"on hand",   "issued",    "in transit", "under an incident", "transferred out of the ledger",
	"destroyed", "relieved from accountability"};

const char *item_status_name(item_status s)
{
	return (unsigned)s < ITEM__COUNT ? status_names[s] : "?";
}

const char *item_status_words(item_status s)
{
	return (unsigned)s < ITEM__COUNT ? status_words[s] : "?";
}

int item_status_from_name(const char *s)
{
	for (int i = 0; i < ITEM__COUNT; i++)
		if (strcmp(status_names[i], s) == 0)
			return i;
	return -1;
}

bool item_status_open(item_status s)
{
	return s == ITEM_ON_HAND || s == ITEM_ISSUED || s == ITEM_IN_TRANSIT || s == ITEM_INCIDENT;
}

const char *item_use_name(bool is_key, item_status s, bool in_effect)
{
	if (!is_key || (s != ITEM_ON_HAND && s != ITEM_ISSUED))
		return "";
	return in_effect ? "effective" : "reserve";
}

/* ---- refusal codes -------------------------------------------------------- */

static const char *const refusal_names[RULE__COUNT] = {
#define RULES_REFUSAL_NAME(code, name) [code] = name,
	RULES_REFUSALS(RULES_REFUSAL_NAME)
#undef RULES_REFUSAL_NAME
};

const char *rules_refusal_name(rules_refusal r)
{
	return (unsigned)r < RULE__COUNT ? refusal_names[r] : "?";
}

status err_set_why(errbuf *err, status st, rules_refusal why, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->why = (int)why;
	}
	return st;
}

/* ---- roles ------------------------------------------------------------------ */

bool rules_account_role(entry_role r)
{
	return r == ROLE_CUSTODIAN || r == ROLE_ALTERNATE || r == ROLE_HOLDER || r == ROLE_WITNESS;
}

bool rules_witness_role(entry_role r)
{
	return r == ROLE_CUSTODIAN || r == ROLE_ALTERNATE || r == ROLE_WITNESS;
}

bool rules_holder_role(entry_role r)
{
	return rules_witness_role(r) || r == ROLE_HOLDER;
}

/* ---- what each action is --------------------------------------------------- */

#define M true /* material */
#define RN REF_NONE
#define RR REF_REQUIRED
#define RO REF_OPTIONAL
static const rules_action actions[ACT__COUNT] = {
	/*                       material key    holder  peer ref  items        first            second */
	[ACT_GENESIS] =         {false,  true,   false,  RN,  RN,  ITEMS_NONE,  NEED_ENROLLEE,   NEED_NOTHING},
	[ACT_KEY_ENROL] =       {false,  true,   false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_ENROL_SECOND},
	[ACT_KEY_ROTATE] =      {false,  true,   false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_ROTATE_SECOND},
	[ACT_KEY_REVOKE] =      {false,  true,   false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_REVOKE_SECOND},
	[ACT_ACCOUNT_OPEN] =    {false,  false,  false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_NOTHING},
	[ACT_RECEIPT] =         {M,      false,  false,  RR,  RN,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_TRANSFER] =        {M,      false,  false,  RR,  RN,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_ACCEPT] =          {M,      false,  false,  RO,  RR,  ITEMS_ANY,   NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_ISSUE] =           {M,      false,  true,   RN,  RN,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_HOLDER},
	[ACT_RETURN] =          {M,      false,  true,   RN,  RR,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_HOLDER_OR_WITNESS},
	[ACT_DESTROY] =         {M,      false,  false,  RN,  RN,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_WITNESS},
	[ACT_POSSESSION] =      {M,      false,  false,  RN,  RO,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_INVENTORY] =       {M,      false,  false,  RN,  RN,  ITEMS_ANY,   NEED_CUSTODIAN,  NEED_WITNESS},
	[ACT_INCIDENT_REPORT] = {M,      false,  false,  RN,  RN,  ITEMS_ANY,   NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_INCIDENT_UPDATE] = {M,      false,  false,  RN,  RR,  ITEMS_NONE,  NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_INCIDENT_CLOSE] =  {M,      false,  false,  RN,  RR,  ITEMS_ANY,   NEED_CUSTODIAN,  NEED_AUTHORITY},
	[ACT_CUSTODIAN_CHANGE] = {M,      false,  true,   RN,  RN,  ITEMS_ANY,   NEED_OUTGOING,   NEED_INCOMING},
	[ACT_ACCOUNT_OUTSIDE] = {false,  false,  false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_NOTHING},
	[ACT_ACCOUNT_DETAILS] = {false,  false,  false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_NOTHING},
	[ACT_PERSON_DETAILS] =  {false,  false,  true,   RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_NOTHING},
	[ACT_POLICY_SET] =      {false,  false,  false,  RN,  RN,  ITEMS_NONE,  NEED_ADMIN,      NEED_SECOND},
	[ACT_TRANSFER_REJECT] = {M,      false,  false,  RO,  RR,  ITEMS_ANY,   NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_TRANSFER_RECALL] = {M,      false,  false,  RO,  RR,  ITEMS_ANY,   NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_ALC_CHANGE] =      {M,      false,  false,  RN,  RN,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_NOTHING},
	[ACT_KEY_EFFECTIVE] =   {M,      false,  false,  RN,  RN,  ITEMS_SOME,  NEED_CUSTODIAN,  NEED_NOTHING},
};
#undef M
#undef RN
#undef RR
#undef RO

const rules_action *rules_action_of(entry_action a)
{
	static const rules_action none = {false, false, false, false, REF_NONE, ITEMS_NONE,
					  NEED_NOTHING, NEED_NOTHING};
	return (unsigned)a < ACT__COUNT ? &actions[a] : &none;
}

void rules_signers(const entry *e, int64_t two_person_class, rules_need *first,
		   rules_need *second)
{
	const rules_action *ra = rules_action_of(e->action);
	*first = ra->first;
	*second = ra->second;
	item_class from = two_person_class >= 0 && two_person_class < CLASS_TS
				  ? (item_class)two_person_class : CLASS_TS;
	if (ra->material && *second == NEED_NOTHING && entry_required_signers_from(e, from) >= 2)
		*second = NEED_WITNESS;
}

const char *rules_need_words(rules_need nd, const entry *e, char *buf, size_t size)
{
	switch (nd) {
	case NEED_NOTHING:
		return "nobody";
	case NEED_ENROLLEE:
		return "the key being enrolled";
	case NEED_ADMIN:
		return "an administrator";
	case NEED_CUSTODIAN:
		snprintf(buf, size, "the custodian or alternate of account %s", e->account);
		return buf;
	case NEED_WITNESS:
		snprintf(buf, size, "a witness of account %s (witness, alternate or custodian)",
			 e->account);
		return buf;
	case NEED_HOLDER:
		snprintf(buf, size, "the holder %s", e->holder);
		return buf;
	case NEED_HOLDER_OR_WITNESS:
		snprintf(buf, size, "the holder %s (or, recovering the material, a witness of account %s)",
			 e->holder, e->account);
		return buf;
	case NEED_AUTHORITY:
		return "an authority";
	case NEED_ENROL_SECOND:
		return "a second person or the key being enrolled";
	case NEED_REVOKE_SECOND:
		return "a second person other than the key being revoked";
	case NEED_OUTGOING:
		snprintf(buf, size, "the outgoing custodian of account %s (its custodian, not an "
			 "alternate)", e->account);
		return buf;
	case NEED_INCOMING:
		snprintf(buf, size, "the incoming custodian %s", e->holder);
		return buf;
	case NEED_ROTATE_SECOND:
		snprintf(buf, size, "the key of %s being replaced (or, the key lost, a second "
			 "administrator or an authority)", e->nkeys > 0 ? e->keys[0].key.name : "?");
		return buf;
	case NEED_SECOND:
		return "a second person who is an administrator or an authority";
	}
	return "?";
}

/* ---- policy ----------------------------------------------------------------- */

static const rules_policy_def policies[POL__COUNT] = {
#define RULES_POLICY_DEF(code, name, dflt, min, max, words) [code] = {name, dflt, min, max, words},
	RULES_POLICIES(RULES_POLICY_DEF)
#undef RULES_POLICY_DEF
};

const rules_policy_def *rules_policy_of(rules_policy p)
{
	return (unsigned)p < POL__COUNT ? &policies[p] : NULL;
}

int rules_policy_from_name(const char *s)
{
	for (int p = 0; p < POL__COUNT; p++)
		if (strcmp(policies[p].name, s) == 0)
			return p;
	return -1;
}

status rules_check_policy(const entry *e, int64_t values[POL__COUNT], errbuf *err)
{
	if (e->action != ACT_POLICY_SET)
		return ST_OK;
	const char *names[ENTRY_MAX_DETAILS], *vals[ENTRY_MAX_DETAILS];
	size_t n = e->ndetails < ENTRY_MAX_DETAILS ? e->ndetails : ENTRY_MAX_DETAILS;
	for (size_t i = 0; i < n; i++) {
		names[i] = e->details[i].name;
		vals[i] = e->details[i].value;
	}
	return rules_check_policy_pairs(n, names, vals, values, err);
}

status rules_check_policy_pairs(size_t n, const char *const names[], const char *const vals[],
				int64_t values[POL__COUNT], errbuf *err)
{
	int64_t v[POL__COUNT];
	for (int p = 0; p < POL__COUNT; p++)
		v[p] = -1;
	if (n == 0)
		return err_set_why(err, ST_REFUSED, RULE_POLICY_VALUE,
				   "a policy-set entry sets at least one policy");
	for (size_t i = 0; i < n; i++) {
		int p = rules_policy_from_name(names[i]);
		if (p < 0)
			return err_set_why(err, ST_REFUSED, RULE_POLICY_VALUE,
					   "%.64s is not a policy of this ledger", names[i]);
		const rules_policy_def *def = &policies[p];
		if (v[p] >= 0)
			return err_set_why(err, ST_REFUSED, RULE_POLICY_VALUE,
					   "policy %s is set twice", def->name);
		const char *s = vals[i];
		int64_t x = 0;
		bool ok = s[0] != '\0' && strlen(s) <= 9 && (s[0] != '0' || s[1] == '\0');
		for (const char *c = s; ok && *c; c++) {
			ok = *c >= '0' && *c <= '9';
			x = x * 10 + (*c - '0');
		}
		if (!ok || x < def->min || x > def->max)
			return err_set_why(err, ST_REFUSED, RULE_POLICY_VALUE,
					   "policy %s is a whole number from %lld to %lld (%s), not "
					   "%.20s%s", def->name, (long long)def->min, (long long)def->max,
					   def->words, s, strlen(s) > 20 ? "..." : "");
		v[p] = x;
	}
	if (values != NULL)
		memcpy(values, v, sizeof v);
	return ST_OK;
}

/* ---- where material comes from -------------------------------------------- */

status rules_check_peer(const entry *e, rules_party peer, errbuf *err)
{
	if (e->action == ACT_RECEIPT && peer == PARTY_LEDGER)
		return err_set_why(err, ST_REFUSED, RULE_SOURCE_IN_LEDGER,
				   "account %s is an account of this ledger: its material arrives "
				   "only by accepting its transfer", e->peer);
	if ((e->action == ACT_RECEIPT || e->action == ACT_TRANSFER) && peer == PARTY_UNKNOWN &&
	    entry_version(e) != 1)
		return err_set_why(err, ST_REFUSED, RULE_PEER_UNKNOWN,
				   "account %s is neither open in this ledger nor registered as an "
				   "account outside it: an administrator registers it first "
				   "(account-outside)", e->peer);
	return ST_OK;
}

/* ---- revocation ----------------------------------------------------------- */

status rules_check_revoke(const entry *e, const rules_revoke *rv, errbuf *err)
{
	if (e->action != ACT_KEY_REVOKE || e->nkeys != 1)
		return ST_OK;
	entry_role ro = e->keys[0].role;
	const char *name = e->keys[0].key.name;
	if (rules_account_role(ro) && rv->issued > 0 && !rv->keeps_holder_role)
		return err_set_why(err, ST_REFUSED, RULE_REVOKE_HOLDS,
				   "%s holds %llu item%s of account %s on hand receipt: the custodian "
				   "recovers %s first (a return signed with a witness)",
				   name, (unsigned long long)rv->issued, rv->issued == 1 ? "" : "s",
				   e->account, rv->issued == 1 ? "it" : "them");
	if ((ro == ROLE_CUSTODIAN || ro == ROLE_ALTERNATE) && rv->others == 0)
		return err_set_why(err, ST_REFUSED, RULE_REVOKE_LAST,
				   "%s is the last custodian or alternate of account %s; appoint "
				   "another before revoking", name, e->account);
	if (ro == ROLE_ADMINISTRATOR && rv->others == 0)
		return err_set_why(err, ST_REFUSED, RULE_REVOKE_LAST,
				   "%s is the last administrator; enrol another before revoking", name);
	return ST_OK;
}

/* ---- the key registry and accounts ------------------------------------- */

static status check_rotate(const entry *e, const rules_registrant *x, errbuf *err)
{
	const char *name = e->keys[0].key.name, *role = entry_role_name(e->keys[0].role);
	const char *where = rules_account_role(e->keys[0].role) ? " on account " : "";
	const char *acct = where[0] ? e->account : "";
	if (!x->found || !x->same_key)
		return err_set_why(err, ST_REFUSED, RULE_KEY_UNKNOWN,
				   "the key of %s to be replaced is not the one enrolled", name);
	if (x->revoked)
		return err_set_why(err, ST_REFUSED, RULE_KEY_REVOKED,
				   "the key of %s was revoked at entry %llu; a revoked person's key "
				   "is not replaced", name, (unsigned long long)x->revoked_index);
	if (!x->holds_role)
		return err_set_why(err, ST_REFUSED, RULE_ROLE_NOT_HELD,
				   "%s does not hold the %s role%s%s", name, role, where, acct);
	if (x->new_key_owner != NULL)
		return err_set_why(err, ST_REFUSED, RULE_KEY_TAKEN,
				   "the new public key is, or was, enrolled under the name %s; a "
				   "new key is one never enrolled", x->new_key_owner);
	return ST_OK;
}

status rules_check_key_line(const entry *e, const rules_registrant *x, errbuf *err)
{
	if (e->action == ACT_KEY_ROTATE && e->nkeys == 2)
		return check_rotate(e, x, err);
	if ((e->action != ACT_KEY_ENROL && e->action != ACT_KEY_REVOKE) || e->nkeys != 1)
		return ST_OK;
	const char *name = e->keys[0].key.name, *role = entry_role_name(e->keys[0].role);
	const char *where = rules_account_role(e->keys[0].role) ? " on account " : "";
	const char *acct = where[0] ? e->account : "";
	if (e->action == ACT_KEY_ENROL) {
		if (x->found && !x->same_key)
			return err_set_why(err, ST_REFUSED, RULE_KEY_TAKEN,
					   "the name %s is already enrolled with another key", name);
		if (!x->found && x->key_owner != NULL)
			return err_set_why(err, ST_REFUSED, RULE_KEY_TAKEN,
					   "this public key is already enrolled under the name %s",
					   x->key_owner);
		if (x->found && x->revoked)
			return err_set_why(err, ST_REFUSED, RULE_KEY_REVOKED,
					   "the key of %s was revoked at entry %llu; a revoked key is "
					   "not enrolled again", name,
					   (unsigned long long)x->revoked_index);
		if (x->found && x->holds_role)
			return err_set_why(err, ST_REFUSED, RULE_ROLE_HELD,
					   "%s already holds the %s role%s%s", name, role, where, acct);
		return ST_OK;
	}
	if (!x->found || !x->same_key)
		return err_set_why(err, ST_REFUSED, RULE_KEY_UNKNOWN,
				   "the key of %s named here is not enrolled", name);
	if (x->revoked)
		return err_set_why(err, ST_REFUSED, RULE_KEY_REVOKED,
				   "the key of %s is already revoked", name);
	if (!x->holds_role)
		return err_set_why(err, ST_REFUSED, RULE_ROLE_NOT_HELD,
				   "%s does not hold the %s role%s%s", name, role, where, acct);
	return ST_OK;
}

status rules_check_incoming(const entry *e, const rules_incoming *x, errbuf *err)
{
	if (e->action != ACT_CUSTODIAN_CHANGE)
		return ST_OK;
	if (!x->found || !x->may_sign)
		return err_set_why(err, ST_REFUSED, RULE_INCOMING_UNKNOWN,
				   "the incoming custodian %s is not an enrolled person who may sign "
				   "(enrol them first, e.g. as alternate of account %s)",
				   e->holder, e->account);
	if (x->custodian)
		return err_set_why(err, ST_REFUSED, RULE_ROLE_HELD,
				   "%s is already custodian of account %s", e->holder, e->account);
	return ST_OK;
}

status rules_check_account_new(const entry *e, rules_party now, errbuf *err)
{
	if (e->action != ACT_ACCOUNT_OPEN && e->action != ACT_ACCOUNT_OUTSIDE)
		return ST_OK;
	if (now == PARTY_LEDGER)
		return err_set_why(err, ST_REFUSED, RULE_ACCOUNT_OPEN, "account %s is already open "
				   "in this ledger", e->account);
	if (now == PARTY_OUTSIDE)
		return err_set_why(err, ST_REFUSED, RULE_ACCOUNT_OPEN, "account %s is already "
				   "registered as an account outside this ledger", e->account);
	return ST_OK;
}

status rules_check_details(const entry *e, rules_party acct, bool person_current, errbuf *err)
{
	if (e->action == ACT_ACCOUNT_DETAILS) {
		if (acct != PARTY_LEDGER && acct != PARTY_OUTSIDE)
			return err_set_why(err, ST_REFUSED, RULE_SUBJECT_UNKNOWN,
					   "account %s is neither open in this ledger nor registered "
					   "outside it", e->account);
		const char *cor = entry_detail_value(e, "cor_account");
		if (cor != NULL && acct == PARTY_OUTSIDE)
			return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
					   "account %s is outside this ledger: it has no COR account "
					   "here", e->account);
		if (cor != NULL && !entry_account_number_valid(cor))
			return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
					   "the COR account (detail cor_account) is six digits");
	}
	if (e->action == ACT_PERSON_DETAILS && !person_current)
		return err_set_why(err, ST_REFUSED, RULE_SUBJECT_UNKNOWN,
				   "%s is not an enrolled person whose key is in force", e->holder);
	return ST_OK;
}

/* ---- items ---------------------------------------------------------------- */

const char *rules_item_words(const entry_item *it, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", it->title, it->edition[0] ? " edition " : "",
		 it->edition, it->serial[0] ? " serial " : "", it->serial);
	return buf;
}

static void date_words(uint32_t d, char out[16])
{
	if (d == 0)
		snprintf(out, 16, "none");
	else
		entry_date_format(d, out);
}

/* The facts of an open item must not change. */
static status check_facts(const entry_item *had_it, const entry_item *it, errbuf *err)
{
	char w[128], had[16], got[16];
	const char *what = NULL;
	if (had_it->kind != it->kind) {
		what = "kind";
		snprintf(had, sizeof had, "%s", item_kind_name(had_it->kind));
		snprintf(got, sizeof got, "%s", item_kind_name(it->kind));
	} else if (had_it->alc != it->alc) {
		what = "ALC";
		snprintf(had, sizeof had, "%d", had_it->alc);
		snprintf(got, sizeof got, "%d", it->alc);
	} else if (had_it->cls != it->cls) {
		what = "classification";
		snprintf(had, sizeof had, "%s", item_class_name(had_it->cls));
		snprintf(got, sizeof got, "%s", item_class_name(it->cls));
	} else if (had_it->crypto != it->crypto) {
		what = "CRYPTO marking";
		snprintf(had, sizeof had, "%s", had_it->crypto ? "yes" : "no");
		snprintf(got, sizeof got, "%s", it->crypto ? "yes" : "no");
	} else if (had_it->qty != it->qty) {
		what = "quantity";
		snprintf(had, sizeof had, "%u", (unsigned)had_it->qty);
		snprintf(got, sizeof got, "%u", (unsigned)it->qty);
	} else if (had_it->effective != it->effective) {
		what = "effective date";
		date_words(had_it->effective, had);
		date_words(it->effective, got);
	} else if (had_it->supersedes != it->supersedes) {
		what = "supersession date";
		date_words(had_it->supersedes, had);
		date_words(it->supersedes, got);
	}
	if (what == NULL)
		return ST_OK;
	return err_set_why(err, ST_REFUSED, RULE_ITEM_FACTS, "item %s: %s is %s in the ledger, not %s",
			   rules_item_words(it, w, sizeof w), what, had, got);
}

static bool eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* rules_check_item for a record x: the item itself, or (part) the lot that
 * line k splits, whose facts but the quantity the line must have and which
 * the words name. */
static status check_item(const entry *e, size_t k, const rules_item *x, bool part, errbuf *err)
{
	const entry_item *it = part ? x->facts : &e->items[k];
	const char *acct = e->account;
	item_status s = x->found ? x->status : ITEM__COUNT;
	bool here = x->found && eq(x->account, acct);
	bool ok;
	char want[KEY_NAME_MAX + 96];
	switch (e->action) {
	case ACT_RECEIPT:
		ok = !x->found || s == ITEM_TRANSFERRED;
		snprintf(want, sizeof want, "new to the ledger or transferred out of it");
		break;
	case ACT_POSSESSION:
		if (e->ref[0]) { /* found again: under or relieved under incident ref */
			ok = here && (s == ITEM_INCIDENT || s == ITEM_RELIEVED) && eq(x->under, e->ref);
			snprintf(want, sizeof want, "under incident %s or relieved under it", e->ref);
			break;
		}
		ok = !x->found || s == ITEM_TRANSFERRED || (s == ITEM_INCIDENT && here);
		snprintf(want, sizeof want, "new, transferred out, or under an incident at account %s",
			 acct);
		break;
	case ACT_TRANSFER:
	case ACT_ISSUE:
		ok = here && s == ITEM_ON_HAND;
		snprintf(want, sizeof want, "on hand at account %s", acct);
		break;
	case ACT_DESTROY:
		ok = here && (s == ITEM_ON_HAND || s == ITEM_ISSUED || s == ITEM_INCIDENT);
		snprintf(want, sizeof want, "on hand, issued or under an incident at account %s", acct);
		break;
	case ACT_INVENTORY:
		ok = here && item_status_open(s);
		snprintf(want, sizeof want, "held by account %s", acct);
		break;
	case ACT_INCIDENT_REPORT:
		ok = here && (s == ITEM_ON_HAND || s == ITEM_ISSUED || s == ITEM_IN_TRANSIT);
		snprintf(want, sizeof want, "on hand, issued or in transit at account %s", acct);
		break;
	case ACT_TRANSFER_REJECT:
	case ACT_TRANSFER_RECALL:
		ok = x->found && s == ITEM_IN_TRANSIT && eq(x->under, e->ref);
		snprintf(want, sizeof want, "in transit under transfer %s", e->ref);
		break;
	case ACT_ACCEPT:
		ok = x->found && s == ITEM_IN_TRANSIT && eq(x->under, e->ref);
		if (e->category != CAT_NONE) { /* a discrepancy: also what came extra */
			ok = ok || !x->found || s == ITEM_TRANSFERRED;
			snprintf(want, sizeof want, "in transit under transfer %s, new to the "
				 "ledger or transferred out of it", e->ref);
			break;
		}
		snprintf(want, sizeof want, "in transit under transfer %s", e->ref);
		break;
	case ACT_RETURN:
		ok = here && s == ITEM_ISSUED && eq(x->holder, e->holder) && eq(x->under, e->ref);
		snprintf(want, sizeof want, "issued to %s under hand receipt %s", e->holder, e->ref);
		break;
	case ACT_INCIDENT_CLOSE:
		ok = x->found && s == ITEM_INCIDENT && eq(x->under, e->ref);
		snprintf(want, sizeof want, "under incident %s", e->ref);
		break;
	case ACT_CUSTODIAN_CHANGE:
	case ACT_ALC_CHANGE:
	case ACT_KEY_EFFECTIVE:
		ok = here && (s == ITEM_ON_HAND || s == ITEM_ISSUED);
		snprintf(want, sizeof want, "on hand or issued at account %s", acct);
		break;
	default:
		ok = false;
		snprintf(want, sizeof want, "listed in a %s entry", entry_action_name(e->action));
		break;
	}
	char w[128];
	if (!ok) {
		char now[KEY_NAME_MAX + ENTRY_TXN_MAX + 96];
		if (!x->found)
			snprintf(now, sizeof now, "is not in the ledger");
		else if (!item_status_open(s))
			snprintf(now, sizeof now, "is %s", status_words[s]);
		else if (s == ITEM_ISSUED)
			snprintf(now, sizeof now, "is issued to %s (%s) at account %s", x->holder,
				 x->under, x->account);
		else if (x->under != NULL && x->under[0])
			snprintf(now, sizeof now, "is %s (%s) at account %s", status_words[s], x->under,
				 x->account);
		else
			snprintf(now, sizeof now, "is %s at account %s", status_words[s], x->account);
		return err_set_why(err, ST_REFUSED, RULE_ITEM_STATE, "item %s %s, not %s",
				   rules_item_words(it, w, sizeof w), now, want);
	}
	if (x->found && item_status_open(s)) {
		entry_item line = e->items[k];
		if (part)
			line.qty = x->facts->qty;
		status st = check_facts(x->facts, &line, err);
		if (st != ST_OK)
			return st;
	}
	if (e->action == ACT_KEY_EFFECTIVE && x->in_effect)
		return err_set_why(err, ST_REFUSED, RULE_IN_EFFECT, "item %s is in effect already",
				   rules_item_words(it, w, sizeof w));
	return ST_OK;
}

status rules_check_item(const entry *e, size_t k, const rules_item *x, errbuf *err)
{
	if (x->found || x->lot == NULL)
		return check_item(e, k, x, false, err);
	const entry_item *it = &e->items[k];
	char w[128], l[128];
	rules_item_words(it, w, sizeof w);
	rules_item_words(x->lot->facts, l, sizeof l);
	/* an incident report takes the part missing from a lot (an inventory
	 * counted it short) */
	if (e->action != ACT_TRANSFER && e->action != ACT_ISSUE && e->action != ACT_DESTROY &&
	    e->action != ACT_INCIDENT_REPORT)
		return err_set_why(err, ST_REFUSED, RULE_SPLIT_ACTION,
				   "item %s is a part of lot %s: only a transfer, an issue, a "
				   "destruction or an incident report takes part of a lot; %s takes "
				   "it whole", w, l,
				   entry_action_name(e->action));
	status st = check_item(e, k, x->lot, true, err);
	if (st != ST_OK)
		return st;
	uint32_t had = x->lot->facts->qty;
	if (had == 1)
		return err_set_why(err, ST_REFUSED, RULE_SPLIT_QTY,
				   "lot %s holds 1: it is not split; name it whole", l);
	if (it->qty >= had)
		return err_set_why(err, ST_REFUSED, RULE_SPLIT_QTY,
				   "lot %s holds %u: a part of it is 1 to %u, not %u%s", l, had,
				   had > 1 ? had - 1 : 0, it->qty,
				   it->qty == had ? " (all of it: name the lot itself)" : "");
	return ST_OK;
}

/* ---- partial quantities --------------------------------------------------- */

bool rules_split_parent(const entry *e, size_t k, char parent[ENTRY_SERIAL_MAX + 1])
{
	const char *serial = e->items[k].serial;
	const char *plus = strrchr(serial, '+');
	if (plus == NULL)
		return false;
	char want[24];
	snprintf(want, sizeof want, "%" PRIu64, e->index);
	if (strcmp(plus + 1, want) != 0)
		return false;
	size_t n = (size_t)(plus - serial);
	memcpy(parent, serial, n);
	parent[n] = '\0';
	return true;
}

status rules_split_serial(const char *lot, uint64_t index, char out[ENTRY_SERIAL_MAX + 1],
			  errbuf *err)
{
	char s[ENTRY_SERIAL_MAX + 32];
	int n = snprintf(s, sizeof s, "%.*s+%" PRIu64, ENTRY_SERIAL_MAX, lot, index);
	if (n < 0 || (size_t)n > ENTRY_SERIAL_MAX)
		return err_set_why(err, ST_REFUSED, RULE_SPLIT_TOO_LONG,
				   "a part split off lot serial %s by entry %" PRIu64 " has serial "
				   "%s, longer than %d characters: a part of a part too many "
				   "times; transfer, issue or destroy the lot whole", lot, index, s,
				   ENTRY_SERIAL_MAX);
	memcpy(out, s, (size_t)n + 1);
	return ST_OK;
}

bool rules_opens_incident(entry_action a, entry_category c)
{
	return a == ACT_INCIDENT_REPORT || (a == ACT_ACCEPT && c != CAT_NONE);
}

bool rules_incident_late(const entry *e, int64_t hours, int64_t *late_h)
{
	const int64_t us_per_hour = (int64_t)3600 * 1000000;
	if (e->action != ACT_INCIDENT_REPORT || e->discovered_us == 0 ||
	    e->time_us - e->discovered_us <= hours * us_per_hour)
		return false;
	if (late_h != NULL)
		*late_h = (e->time_us - e->discovered_us) / us_per_hour;
	return true;
}

bool rules_inventory_complete(const entry *e, uint64_t listed, uint64_t held)
{
	if (rules_is_certification(e))
		return true;
	return (e->action == ACT_INVENTORY || e->action == ACT_CUSTODIAN_CHANGE) &&
	       e->nitems == held && listed == held;
}

status rules_check_count(const entry *e, uint64_t listed, uint64_t under, const char *ref,
			 errbuf *err)
{
	bool accept = e->action == ACT_ACCEPT;
	if (e->action == ACT_CUSTODIAN_CHANGE) {
		if (rules_is_certification(e)) /* rules_check_certification's */
			return ST_OK;
		if (rules_inventory_complete(e, listed, under))
			return ST_OK;
		return err_set_why(err, ST_REFUSED, RULE_INVENTORY_INCOMPLETE,
				   "a change of custodian lists every item on hand or issued at "
				   "account %s, %" PRIu64 " now; it lists %zu", e->account, under,
				   e->nitems);
	}
	bool back = e->action == ACT_TRANSFER_REJECT || e->action == ACT_TRANSFER_RECALL;
	if (!accept && !back && e->action != ACT_INCIDENT_CLOSE)
		return ST_OK;
	if (accept && e->category != CAT_NONE) {
		if (listed == under && e->nitems == listed)
			return err_set_why(err, ST_REFUSED, RULE_NO_DISCREPANCY,
					   "this acceptance records a discrepancy (category %s) but "
					   "lists exactly the %" PRIu64 " item%s of transfer %s: accept "
					   "without a category", entry_category_name(e->category),
					   under, under == 1 ? "" : "s", ref);
		return ST_OK;
	}
	if (e->nitems == under && listed == under)
		return ST_OK;
	return err_set_why(err, ST_REFUSED, RULE_ITEMS_COUNT,
			   "%s must list exactly the %" PRIu64 " item%s still %s %s; it lists %zu",
			   accept ? "an accept" : back ? "a rejection or recall" : "an incident close",
			   under, under == 1 ? "" : "s",
			   accept || back ? "in transit under" : "under incident", ref, e->nitems);
}

/* ---- accounting legend codes and key in effect ------------------------ */

int rules_alc_strictness(int alc)
{
	switch (alc) {
	case 1: /* to the COR, by serial */
	case 6: /* electronic key, to the COR, by serial */
		return 3;
	case 2: /* to the COR, by quantity */
		return 2;
	case 4: /* reported to the COR on receipt, then local */
		return 1;
	case 7: /* electronic key, local */
		return 0;
	default:
		return -1;
	}
}

bool rules_alc_upgrade(int from, int to)
{
	int f = rules_alc_strictness(from), t = rules_alc_strictness(to);
	return f >= 0 && t > f;
}

int rules_alc_of(const entry *e)
{
	const char *v = entry_detail_value(e, "alc");
	if (v == NULL || v[0] == '\0' || v[1] != '\0' || rules_alc_strictness(v[0] - '0') < 0)
		return -1;
	return v[0] - '0';
}

/* The entry's UTC date as YYYYMMDD. */
static status entry_day(const entry *e, uint32_t *day, errbuf *err)
{
	char when[ENTRY_TIME_LEN + 1];
	entry_time_format(e->time_us, when);
	if (entry_date_parse(when, ENTRY_DATE_LEN, day) != ST_OK)
		return err_set(err, ST_FORMAT, "the entry's time has no date");
	return ST_OK;
}

static status check_alc_change(const entry *e, errbuf *err)
{
	char w[128];
	int to = rules_alc_of(e);
	if (to < 0)
		return err_set_why(err, ST_REFUSED, RULE_ALC_VALUE,
				   "the new ALC (detail alc) is one of 1, 2, 4, 6 or 7");
	const char *ref = entry_detail_value(e, "authority");
	if (ref != NULL && !entry_authority_valid(ref, strlen(ref)))
		return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
				   "the national authority's reference (detail authority) is 1 to "
				   "%d letters, digits, '.', '/' or '-', starting with a letter or "
				   "digit", ENTRY_AUTHORITY_MAX);
	for (size_t k = 0; k < e->nitems; k++) {
		const entry_item *it = &e->items[k];
		rules_item_words(it, w, sizeof w);
		if (it->alc == to)
			return err_set_why(err, ST_REFUSED, RULE_ALC_VALUE,
					   "item %s is ALC-%d already", w, to);
		if ((to == 6 || to == 7) && it->kind != KIND_KEY)
			return err_set_why(err, ST_REFUSED, RULE_ALC_VALUE,
					   "item %s is %s, not keying material: ALC-%d is for "
					   "electronic key only", w, item_kind_name(it->kind), to);
		if ((to == 1 || to == 6) && (it->serial[0] == '\0' || it->qty != 1))
			return err_set_why(err, ST_REFUSED, RULE_SERIAL_REQUIRED,
					   "item %s: ALC-%d material is accounted by serial, one "
					   "item a serial; it has %s", w, to,
					   it->serial[0] ? "a quantity above 1" : "no serial");
		if (!rules_alc_upgrade(it->alc, to) && ref == NULL)
			return err_set_why(err, ST_REFUSED, RULE_ALC_AUTHORITY,
					   "item %s: ALC-%d to ALC-%d is no upgrade: only the "
					   "national authority may direct it; give its reference "
					   "(detail authority)", w, it->alc, to);
	}
	return ST_OK;
}

static status check_key_effective(const entry *e, errbuf *err)
{
	uint32_t today;
	status st = entry_day(e, &today, err);
	if (st != ST_OK)
		return st;
	char w[128], d[ENTRY_DATE_LEN + 1];
	for (size_t k = 0; k < e->nitems; k++) {
		const entry_item *it = &e->items[k];
		rules_item_words(it, w, sizeof w);
		if (it->kind != KIND_KEY)
			return err_set_why(err, ST_REFUSED, RULE_NOT_KEY,
					   "item %s is %s, not keying material: only key is put "
					   "into effect", w, item_kind_name(it->kind));
		if (it->effective != 0 && it->effective > today) {
			entry_date_format(it->effective, d);
			return err_set_why(err, ST_REFUSED, RULE_NOT_YET_EFFECTIVE,
					   "item %s is effective from %s, not yet", w, d);
		}
		if (it->supersedes != 0 && it->supersedes <= today) {
			entry_date_format(it->supersedes, d);
			return err_set_why(err, ST_REFUSED, RULE_SUPERSEDED,
					   "item %s is superseded on %s: it is destroyed, not put "
					   "into effect", w, d);
		}
	}
	return ST_OK;
}

status rules_check_entry(const entry *e, errbuf *err)
{
	if (e->action == ACT_INVENTORY || e->action == ACT_CUSTODIAN_CHANGE)
		return rules_check_certification_details(e, err);
	if (e->action == ACT_ALC_CHANGE)
		return check_alc_change(e, err);
	if (e->action == ACT_KEY_EFFECTIVE)
		return check_key_effective(e, err);
	char when[ENTRY_TIME_LEN + 1], found[ENTRY_TIME_LEN + 1];
	if (e->action == ACT_INCIDENT_REPORT && e->discovered_us > e->time_us) {
		entry_time_format(e->time_us, when);
		entry_time_format(e->discovered_us, found);
		return err_set_why(err, ST_REFUSED, RULE_DISCOVERY_TIME,
				   "the incident is reported at %s but discovered at %s, later", when,
				   found);
	}
	if (e->action != ACT_DESTROY || strcmp(e->authority, ENTRY_AUTHORITY_SUPERSEDED) != 0)
		return ST_OK;
	char date[ENTRY_DATE_LEN + 1], sup[ENTRY_DATE_LEN + 1], w[128];
	entry_time_format(e->time_us, when);
	memcpy(date, when, ENTRY_DATE_LEN);
	date[ENTRY_DATE_LEN] = '\0';
	uint32_t today = 0;
	if (entry_date_parse(date, ENTRY_DATE_LEN, &today) != ST_OK)
		return err_set(err, ST_FORMAT, "the entry's time has no date");
	for (size_t k = 0; k < e->nitems; k++) {
		const entry_item *it = &e->items[k];
		if (it->kind == KIND_KEY && it->supersedes != 0 && it->supersedes <= today)
			continue;
		if (it->kind != KIND_KEY || it->supersedes == 0)
			return err_set_why(err, ST_REFUSED, RULE_NOT_SUPERSEDED,
					   "item %s has no supersession date, so its destruction "
					   "needs the reference of its authority, not superseded",
					   rules_item_words(it, w, sizeof w));
		entry_date_format(it->supersedes, sup);
		return err_set_why(err, ST_REFUSED, RULE_NOT_SUPERSEDED,
				   "item %s is superseded on %s, not by %s: its destruction needs "
				   "the reference of its authority", rules_item_words(it, w, sizeof w),
				   sup, date);
	}
	return ST_OK;
}

static int cmp_item_ptr(const void *a, const void *b)
{
	const entry_item *x = *(const entry_item *const *)a, *y = *(const entry_item *const *)b;
	int c = strcmp(x->title, y->title);
	if (c == 0)
		c = strcmp(x->edition, y->edition);
	if (c == 0)
		c = strcmp(x->serial, y->serial);
	return c;
}

status rules_check_distinct(const entry *e, errbuf *err)
{
	const entry_item *sorted[ENTRY_MAX_ITEMS];
	size_t n = e->nitems < ENTRY_MAX_ITEMS ? e->nitems : ENTRY_MAX_ITEMS;
	for (size_t k = 0; k < n; k++)
		sorted[k] = &e->items[k];
	qsort(sorted, n, sizeof *sorted, cmp_item_ptr);
	for (size_t k = 1; k < n; k++)
		if (cmp_item_ptr(&sorted[k - 1], &sorted[k]) == 0) {
			char w[128];
			return err_set_why(err, ST_REFUSED, RULE_ITEM_TWICE, "item %s is listed twice",
					   rules_item_words(sorted[k], w, sizeof w));
		}
	/* a part split off a lot, and the lot whole */
	for (size_t k = 0; k < n; k++) {
		entry_item lot = e->items[k];
		if (!rules_split_parent(e, k, lot.serial))
			continue;
		const entry_item *key = &lot;
		if (bsearch(&key, sorted, n, sizeof *sorted, cmp_item_ptr) != NULL) {
			char w[128];
			return err_set_why(err, ST_REFUSED, RULE_ITEM_TWICE, "lot %s is listed whole "
					   "and a part of it too", rules_item_words(&lot, w, sizeof w));
		}
	}
	return ST_OK;
}

/* ---- certification ----------------------------------------------------- */

void rules_list_digest_init(rules_list_digest *d)
{
	memset(d, 0, sizeof *d);
	sha256_begin(&d->sha);
}

/* Is s (NUL-terminated) at most max bytes, none below 0x20? */
static bool list_field_ok(const char *s, size_t max, size_t *len)
{
	size_t n = strnlen(s, max + 1);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	*len = n;
	return true;
}

bool rules_list_digest_add(rules_list_digest *d, const char *title, const char *edition,
			   const char *serial, uint32_t qty)
{
	size_t tl, el, sl;
	if (d->bad || !list_field_ok(title, ENTRY_TITLE_MAX, &tl) || tl == 0 ||
	    !list_field_ok(edition, ENTRY_EDITION_MAX, &el) ||
	    !list_field_ok(serial, ENTRY_SERIAL_MAX, &sl)) {
		d->bad = true;
		return false;
	}
	/* the key "title\0edition\0serial": bytewise order of it is the order
	 * of (title, edition, serial), no field holding a NUL */
	char key[sizeof d->prev];
	size_t kl = 0;
	memcpy(key, title, tl + 1);
	kl += tl + 1;
	memcpy(key + kl, edition, el + 1);
	kl += el + 1;
	memcpy(key + kl, serial, sl + 1);
	kl += sl + 1;
	if (d->prevlen > 0) {
		size_t m = kl < d->prevlen ? kl : d->prevlen;
		int c = memcmp(d->prev, key, m);
		if (c > 0 || (c == 0 && d->prevlen >= kl)) {
			d->bad = true;
			return false;
		}
	}
	memcpy(d->prev, key, kl);
	d->prevlen = kl;
	char q[16];
	int ql = snprintf(q, sizeof q, "\t%" PRIu32 "\n", qty);
	sha256_update(&d->sha, title, tl);
	sha256_update(&d->sha, "\t", 1);
	sha256_update(&d->sha, edition, el);
	sha256_update(&d->sha, "\t", 1);
	sha256_update(&d->sha, serial, sl);
	sha256_update(&d->sha, q, (size_t)ql);
	d->count++;
	return true;
}

void rules_list_digest_final(rules_list_digest *d, uint8_t out[32], uint64_t *count)
{
	sha256_end(&d->sha, out);
	*count = d->count;
	if (d->bad) {
		memset(out, 0, 32);
		*count = 0;
	}
}

bool rules_list_counts(entry_action a, int alc, item_status s)
{
	if (s != ITEM_ON_HAND && s != ITEM_ISSUED)
		return false;
	if (a == ACT_CUSTODIAN_CHANGE)
		return rules_alc_strictness(alc) >= 0;
	if (a == ACT_INVENTORY)
		return rules_alc_strictness(alc) >= 2;
	return false;
}

bool rules_is_certification(const entry *e)
{
	return (e->action == ACT_INVENTORY || e->action == ACT_CUSTODIAN_CHANGE) &&
	       entry_detail_value(e, "list_sha256") != NULL;
}

#define CERT_COUNT_MAX 1000000000u

/* A count as a certification writes it: decimal 0..CERT_COUNT_MAX, no
 * leading zero, no sign. */
static bool cert_count(const char *v, uint64_t *out)
{
	size_t n = strlen(v);
	if (n == 0 || n > 10 || (n > 1 && v[0] == '0'))
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > CERT_COUNT_MAX)
		return false;
	*out = x;
	return true;
}

/* 64 lower-case hex digits into out. */
static bool cert_hex(const char *v, uint8_t out[32])
{
	if (strlen(v) != 64)
		return false;
	for (size_t i = 0; i < 64; i++) {
		char c = v[i];
		int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (x < 0)
			return false;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(x << 4);
		else
			out[i / 2] |= (uint8_t)x;
	}
	return true;
}

status rules_check_certification_details(const entry *e, errbuf *err)
{
	static const char *const counts[] = {"found", "not_sighted", "qty_diff", "sighted"};
	if (e->action != ACT_INVENTORY && e->action != ACT_CUSTODIAN_CHANGE)
		return ST_OK;
	const char *hex = entry_detail_value(e, "list_sha256");
	if (hex == NULL) {
		if (e->ndetails > 0)
			return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
					   "detail %s is a certification's, and this %s carries no "
					   "list_sha256", e->details[0].name,
					   entry_action_name(e->action));
		return ST_OK;
	}
	uint8_t d[32];
	if (!cert_hex(hex, d))
		return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
				   "detail list_sha256 must be 64 lower-case hex digits");
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		const char *v = entry_detail_value(e, counts[i]);
		uint64_t x;
		if (v != NULL && !cert_count(v, &x))
			return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
					   "detail %s must be a whole number 0 to %u, written without "
					   "leading zeros", counts[i], CERT_COUNT_MAX);
	}
	if (entry_detail_value(e, "sighted") == NULL)
		return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
				   "a certification states how many items were sighted (detail "
				   "sighted)");
	if (e->nitems > 0)
		return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE,
				   "a certification lists no items (it lists %zu): the list is "
				   "certified by its hash", e->nitems);
	return ST_OK;
}

status rules_check_certification(const entry *e, uint64_t held, const uint8_t digest[32],
				 errbuf *err)
{
	status st = rules_check_certification_details(e, err);
	if (st != ST_OK || !rules_is_certification(e))
		return st;
	uint8_t d[32];
	uint64_t sighted = 0;
	if (!cert_hex(entry_detail_value(e, "list_sha256"), d) ||
	    !cert_count(entry_detail_value(e, "sighted"), &sighted))
		return err_set_why(err, ST_REFUSED, RULE_DETAIL_VALUE, "malformed certification");
	if (sighted == held && memcmp(d, digest, 32) == 0)
		return ST_OK;
	return err_set_why(err, ST_REFUSED, RULE_LIST_HASH,
			   "the certified list (%" PRIu64 " item%s, sha256 %.8s...) is not the list "
			   "of the %" PRIu64 " item%s %s held at account %s (sha256 "
			   "%02x%02x%02x%02x...)", sighted, sighted == 1 ? "" : "s",
			   entry_detail_value(e, "list_sha256"), held, held == 1 ? "" : "s",
			   e->action == ACT_INVENTORY ? "accountable to the COR (ALC 1, 2, 6)"
						      : "of every ALC",
			   e->account, digest[0], digest[1], digest[2], digest[3]);
}
