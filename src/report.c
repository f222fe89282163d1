/* report.c: the COMSEC Material Report's model, from signed entries
 * (report.h), and its CSV and JSON forms. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "b64.h"
#include "export.h"
#include "json.h"
#include "ledger.h"
#include "note.h"
#include "rules.h"
#include "safeprint.h"
#include "sha.h"

const char *report_type_name(report_type t)
{
	static const char *const names[] = {
#define REPORT_TYPE_NAME(code, name) name,
		REPORT_TYPES(REPORT_TYPE_NAME)
#undef REPORT_TYPE_NAME
	};
	return t < REPORT__COUNT ? names[t] : "?";
}

static char *escape(const char *s, bool lines)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	while (s != NULL) {
		const char *nl = lines ? strchr(s, '\n') : NULL;
		if (nl == NULL) {
			safe_fputs(s, f);
			break;
		}
		char *line = strndup(s, (size_t)(nl - s));
		if (line == NULL) {
			fclose(f);
			free(out);
			return NULL;
		}
		safe_fputs(line, f);
		free(line);
		fputc('\n', f);
		s = nl + 1;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *report_escape(const char *s)
{
	return escape(s, false);
}

char *report_escape_lines(const char *s)
{
	return escape(s, true);
}

static void party_free(report_party *p)
{
	free(p->name);
	free(p->address);
	free(p->cor_account);
	memset(p, 0, sizeof *p);
}

void report_free(report *r)
{
	party_free(&r->from);
	party_free(&r->to);
	free(r->lines);
	free(r->certification);
	for (size_t i = 0; i < r->nsigners; i++) {
		free(r->signers[i].rank);
		free(r->signers[i].position);
	}
	free(r->remarks);
	free(r->note);
	free(r->proof);
	if (r->inv != NULL) {
		free(r->inv->adds);
		free(r->inv->dels);
		free(r->inv);
	}
	free(r->cert);
	if (r->inc != NULL) {
		for (size_t i = 0; i < r->inc->nparts; i++)
			free(r->inc->parts[i].text);
		free(r->inc->parts);
		free(r->inc);
	}
	memset(r, 0, sizeof *r);
}

/* Replace *dst by a copy of s (NULL keeps *dst).  False when out of memory. */
static bool set_str(char **dst, const char *s)
{
	if (s == NULL)
		return true;
	char *c = strdup(s);
	if (c == NULL)
		return false;
	free(*dst);
	*dst = c;
	return true;
}

/* Which block each action fills, and how. */
typedef struct shape {
	report_type type;
	char from, to;      /* 'a' the entry's account, 'p' its peer, 'h' its
			     * holder, 0 none */
	char out, in;       /* 't' the entry's txn, 'r' its ref, 'x' the
			     * answer's, 0 none */
	const char *second; /* the second signer's capacity */
	const char *cert;   /* block 8 */
} shape;

/* An incident's initial report (REPORT_KIND_INCIDENT only: 'custos report
 * material' makes no report of it). */
static const shape incident_shape = {REPORT_OTHER, 'a', 0, 't', 0, "second signer",
				     "INCIDENT REPORTED. The custodian of the account in FROM "
				     "reports the incident above concerning the material listed "
				     "above; amplifying reports and the final report follow."};

static const shape *shape_of(entry_action a)
{
	static const shape transfer = {REPORT_TRANSFER, 'a', 'p', 't', 'x', "second signer",
				       "SHIPPED. I certify that the material listed above was "
				       "transferred from the account in FROM to the account in TO."};
	static const shape accept = {REPORT_TRANSFER, 'p', 'a', 'r', 't', "second signer",
				     "RECEIVED. I certify that the material listed above was "
				     "received and is held on the account in TO."};
	static const shape receipt = {REPORT_TRANSFER, 'p', 'a', 0, 't', "second signer",
				      "RECEIVED. I certify that the material listed above was "
				      "received and is held on the account in TO."};
	static const shape reject = {REPORT_TRANSFER, 'a', 'p', 'r', 't', "second signer",
				     "REJECTED. The account in FROM refused the transfer named "
				     "in OUTGOING; the material listed above returns to the "
				     "account in TO."};
	static const shape recall = {REPORT_TRANSFER, 'a', 'p', 'r', 't', "second signer",
				     "RECALLED. The account in FROM withdrew the transfer named "
				     "in OUTGOING; the material listed above is back on it."};
	static const shape issue = {REPORT_HAND_RECEIPT, 'a', 'h', 't', 0, "holder",
				    "RECEIVED ON HAND RECEIPT. The holder in TO received the "
				    "material listed above and is responsible for safeguarding "
				    "it; the account in FROM stays accountable."};
	static const shape ret = {REPORT_HAND_RECEIPT, 'h', 'a', 'r', 't', "holder",
				  "RETURNED. The material listed above was returned from hand "
				  "receipt to the account in TO."};
	static const shape destroy = {REPORT_DESTRUCTION, 'a', 0, 't', 0, "witness",
				      "DESTROYED. I certify that the material listed above was "
				      "destroyed in the presence of the witness who signs below."};
	static const shape possession = {REPORT_POSSESSION, 0, 'a', 0, 't', "second signer",
					 "POSSESSION. The material listed above came into the "
					 "possession of the account in TO and is taken on it."};
	static const shape inventory = {REPORT_INVENTORY, 'a', 0, 't', 0, "witness",
					"INVENTORIED. I certify that the material listed above "
					"was sighted and inventoried by the custodian and the "
					"witness who sign below."};
	static const shape change = {REPORT_INVENTORY, 'a', 0, 't', 0, "incoming custodian",
				     "INVENTORIED. The outgoing and incoming custodians who sign "
				     "below inventoried the material listed above together."};
	switch (a) {
	case ACT_TRANSFER: return &transfer;
	case ACT_ACCEPT: return &accept;
	case ACT_RECEIPT: return &receipt;
	case ACT_TRANSFER_REJECT: return &reject;
	case ACT_TRANSFER_RECALL: return &recall;
	case ACT_ISSUE: return &issue;
	case ACT_RETURN: return &ret;
	case ACT_DESTROY: return &destroy;
	case ACT_POSSESSION: return &possession;
	case ACT_INVENTORY: return &inventory;
	case ACT_CUSTODIAN_CHANGE: return &change;
	default: return NULL;
	}
}

bool report_kind_for(entry_action a, report_kind *kind)
{
	if (a == ACT_INCIDENT_REPORT) {
		*kind = REPORT_KIND_INCIDENT;
		return true;
	}
	if (shape_of(a) == NULL)
		return false;
	*kind = a == ACT_DESTROY				       ? REPORT_KIND_DESTRUCTION
		: a == ACT_INVENTORY || a == ACT_CUSTODIAN_CHANGE ? REPORT_KIND_INVENTORY
								   : REPORT_KIND_MATERIAL;
	return true;
}

const char *report_kind_name(report_kind k)
{
	switch (k) {
	case REPORT_KIND_MATERIAL: return "material";
	case REPORT_KIND_DESTRUCTION: return "destruction";
	case REPORT_KIND_INVENTORY: return "inventory";
	case REPORT_KIND_HAND_RECEIPTS: return "hand-receipts";
	case REPORT_KIND_DESTRUCTIONS: return "destructions";
	case REPORT_KIND_INCIDENT: return "incident";
	}
	return "?";
}

static bool party_init(report_party *p, char which, const entry *e)
{
	switch (which) {
	case 'a':
		snprintf(p->account, sizeof p->account, "%s", e->account);
		return true;
	case 'p':
		snprintf(p->account, sizeof p->account, "%s", e->peer);
		if (strcmp(e->peer, "COR") == 0)
			return set_str(&p->name, "Central Office of Record");
		return true;
	case 'h':
		return set_str(&p->name, e->holder[0] ? e->holder : NULL);
	default:
		return true;
	}
}

/* What ctx entry c says about party p (an account). */
static bool party_apply(report_party *p, const entry *c)
{
	if (p->account[0] == '\0' || strcmp(p->account, "COR") == 0 ||
	    strcmp(c->account, p->account) != 0)
		return true;
	if (c->action == ACT_ACCOUNT_OPEN || c->action == ACT_ACCOUNT_OUTSIDE) {
		char *name = malloc(c->textlen + 1);
		if (name == NULL)
			return false;
		memcpy(name, c->text, c->textlen);
		name[c->textlen] = '\0';
		free(p->name);
		p->name = name;
	}
	if (c->action == ACT_ACCOUNT_OUTSIDE || c->action == ACT_ACCOUNT_DETAILS)
		return set_str(&p->address, entry_detail_value(c, "address")) &&
		       set_str(&p->cor_account, entry_detail_value(c, "cor_account"));
	return true;
}

static void line_remarks(const entry_item *it, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s, %s%s", item_kind_name(it->kind), item_class_name(it->cls),
			 it->crypto ? ", CRYPTO" : "");
	char d[ENTRY_DATE_LEN + 1];
	if (it->effective && n > 0 && (size_t)n < cap) {
		entry_date_format(it->effective, d);
		n += snprintf(out + n, cap - (size_t)n, ", effective %s", d);
	}
	if (it->supersedes && n > 0 && (size_t)n < cap) {
		entry_date_format(it->supersedes, d);
		snprintf(out + n, cap - (size_t)n, ", supersedes %s", d);
	}
}

/* Block 7 line `row` of item it. */
static void line_of(const entry_item *it, size_t row, report_line *l)
{
	l->row = row;
	memcpy(l->title, it->title, sizeof l->title);
	memcpy(l->edition, it->edition, sizeof l->edition);
	memcpy(l->serial, it->serial, sizeof l->serial);
	l->qty = it->qty;
	l->alc = it->alc;
	line_remarks(it, l->remarks, sizeof l->remarks);
}

static status build_cert(report *r, const shape *sh, const entry *e, errbuf *err)
{
	char *c = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&c, &len);
	if (f == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	fputs(sh->cert, f);
	if (e->action == ACT_DESTROY)
		fprintf(f, " Method: %s. Authority: %s.", entry_method_name(e->method),
			e->authority[0] ? e->authority : "-");
	if (fclose(f) != 0) {
		free(c);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	r->certification = c;
	return ST_OK;
}

status report_build(const report_entry *txn, const report_entry *ctx, size_t nctx,
		    const char *answer, report_kind kind, int64_t now_us, report *r, errbuf *err)
{
	memset(r, 0, sizeof *r);
	const entry *e = &txn->e;
	if (kind == REPORT_KIND_INCIDENT && e->action != ACT_INCIDENT_REPORT)
		return err_set(err, ST_REFUSED, "%s is a %s entry, not an incident report: it "
			       "makes no incident report", e->txn[0] ? e->txn : "the entry",
			       entry_action_name(e->action));
	const shape *sh = kind == REPORT_KIND_INCIDENT ? &incident_shape : shape_of(e->action);
	if (sh == NULL)
		return err_set(err, ST_REFUSED, "%s is a %s entry, not a material transaction: "
			       "it makes no material report", e->txn[0] ? e->txn : "the entry",
			       entry_action_name(e->action));
	if (kind == REPORT_KIND_DESTRUCTION && e->action != ACT_DESTROY)
		return err_set(err, ST_REFUSED, "%s is a %s, not a destruction: see "
			       "'custos report material'", e->txn, entry_action_name(e->action));
	if (kind == REPORT_KIND_INVENTORY && e->action != ACT_INVENTORY &&
	    e->action != ACT_CUSTODIAN_CHANGE)
		return err_set(err, ST_REFUSED, "%s is a %s, not an inventory or a change of "
			       "custodian: see 'custos report material'", e->txn,
			       entry_action_name(e->action));
	r->type = sh->type;
	r->action = e->action;
	if (!party_init(&r->from, sh->from, e) || !party_init(&r->to, sh->to, e))
		return err_set(err, ST_NOMEM, "out of memory");
	const char *from_field[] = {['t'] = e->txn, ['r'] = e->ref, ['x'] = answer};
	if (sh->out)
		snprintf(r->out_txn, sizeof r->out_txn, "%s", from_field[(int)sh->out] ? from_field[(int)sh->out] : "");
	if (sh->in)
		snprintf(r->in_txn, sizeof r->in_txn, "%s", from_field[(int)sh->in] ? from_field[(int)sh->in] : "");
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(now_us, t);
	snprintf(r->report_date, sizeof r->report_date, "%.10s", t);
	entry_time_format(e->time_us, r->txn_date);

	if (e->nitems > 0 && (r->lines = calloc(e->nitems, sizeof *r->lines)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (size_t i = 0; i < e->nitems; i++)
		line_of(&e->items[i], i + 1, &r->lines[i]);
	r->nlines = e->nitems;
	status st = build_cert(r, sh, e, err);
	if (st != ST_OK)
		return st;
	if (e->textlen > 0) {
		if ((r->remarks = malloc(e->textlen + 1)) == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		memcpy(r->remarks, e->text, e->textlen);
		r->remarks[e->textlen] = '\0';
	}

	/* The signers, from the note's signature lines. */
	note *nt = malloc(sizeof *nt);
	if (nt == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	if ((st = note_parse(txn->note, txn->notelen, nt, err)) != ST_OK) {
		free(nt);
		return st;
	}
	for (size_t i = 0; i < nt->nsigs && r->nsigners < REPORT_MAX_SIGNERS; i++) {
		report_signer *s = &r->signers[r->nsigners++];
		size_t n = nt->sigs[i].namelen < KEY_NAME_MAX ? nt->sigs[i].namelen : KEY_NAME_MAX;
		memcpy(s->name, nt->sigs[i].name, n);
		s->name[n] = '\0';
		for (size_t k = 0; k < KEY_ID_LEN; k++)
			snprintf(s->keyid + 2 * k, 3, "%02x", nt->sigs[i].id[k]);
		s->capacity = i == 0 ? "custodian" : sh->second;
	}
	free(nt);

	/* What the entries before it say about the parties and signers; the
	 * later entry wins. */
	for (size_t i = 0; i < nctx; i++) {
		const entry *c = &ctx[i].e;
		if (ctx[i].index >= txn->index)
			continue;
		if (!party_apply(&r->from, c) || !party_apply(&r->to, c))
			return err_set(err, ST_NOMEM, "out of memory");
		if (c->action != ACT_PERSON_DETAILS)
			continue;
		for (size_t k = 0; k < r->nsigners; k++)
			if (strcmp(r->signers[k].name, c->holder) == 0 &&
			    (!set_str(&r->signers[k].rank, entry_detail_value(c, "rank")) ||
			     !set_str(&r->signers[k].position, entry_detail_value(c, "position"))))
				return err_set(err, ST_NOMEM, "out of memory");
	}

	snprintf(r->origin, sizeof r->origin, "%s", e->origin);
	r->index = txn->index;
	uint8_t leaf[SHA256_LEN];
	sha256_leaf(txn->note, txn->notelen, leaf);
	b64_encode(leaf, sizeof leaf, r->leaf_b64);
	if ((r->note = malloc(txn->notelen + 1)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	memcpy(r->note, txn->note, txn->notelen);
	r->note[txn->notelen] = '\0';
	r->notelen = txn->notelen;
	return ST_OK;
}

/* ---- an inventory's count and correction page ------------------------------------ */

/* The items on hand or issued at one account, by identity. */
typedef struct held_set {
	size_t n, cap;
	const entry_item **it; /* into the entries, which outlive the set */
} held_set;

static bool same(const entry_item *a, const entry_item *b)
{
	return strcmp(a->title, b->title) == 0 && strcmp(a->edition, b->edition) == 0 &&
	       strcmp(a->serial, b->serial) == 0;
}

static ssize_t held_find(const held_set *h, const entry_item *it)
{
	for (size_t i = 0; i < h->n; i++)
		if (same(h->it[i], it))
			return (ssize_t)i;
	return -1;
}

/* Add it (false: out of memory); true if it was added, in *added. */
static bool held_add(held_set *h, const entry_item *it, bool *added)
{
	*added = false;
	if (held_find(h, it) >= 0)
		return true;
	if (h->n == h->cap) {
		size_t nc = h->cap ? 2 * h->cap : 64;
		const entry_item **ni = realloc(h->it, nc * sizeof *ni);
		if (ni == NULL)
			return false;
		h->it = ni;
		h->cap = nc;
	}
	h->it[h->n++] = it;
	*added = true;
	return true;
}

static bool held_remove(held_set *h, const entry_item *it)
{
	ssize_t i = held_find(h, it);
	if (i < 0)
		return false;
	h->it[i] = h->it[--h->n];
	return true;
}

static bool change_add(report_change **v, size_t *n, const report_entry *re, const entry_item *it)
{
	report_change *nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (nv == NULL)
		return false;
	*v = nv;
	report_change *c = &nv[(*n)++];
	memset(c, 0, sizeof *c);
	line_of(it, *n, &c->line);
	c->action = re->e.action;
	snprintf(c->txn, sizeof c->txn, "%s", re->e.txn);
	entry_time_format(re->e.time_us, c->time);
	c->index = re->index;
	return true;
}

/* +1 when entry e brings its items on account a, -1 when it takes them
 * off, 0 when it leaves what a holds (an issue's part: see below). */
static int held_effect(const entry *e, const char *a)
{
	bool mine = strcmp(e->account, a) == 0, peer = strcmp(e->peer, a) == 0;
	switch (e->action) {
	case ACT_RECEIPT:
	case ACT_ACCEPT:
	case ACT_POSSESSION:
	case ACT_TRANSFER_RECALL:
		return mine ? 1 : 0;
	case ACT_TRANSFER_REJECT: /* back on hand at the sender, the peer */
		return peer ? 1 : 0;
	case ACT_INCIDENT_CLOSE:
		return mine && (e->outcome == OUTCOME_NO_COMPROMISE || e->outcome == OUTCOME_DESTROY)
			       ? 1 : 0;
	case ACT_TRANSFER:
	case ACT_DESTROY:
	case ACT_INCIDENT_REPORT:
		return mine ? -1 : 0;
	default:
		return 0;
	}
}

status report_inventory_build(report *r, const report_entry *txn, const report_entry *hist,
			      size_t n, errbuf *err)
{
	const entry *x = &txn->e;
	const char *a = x->account;
	report_inventory *inv = calloc(1, sizeof *inv);
	if (inv == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	r->inv = inv;
	held_set h = {0};
	status st = ST_OK;
	for (size_t i = 0; i < n && hist[i].index < txn->index; i++) {
		const entry *e = &hist[i].e;
		if (strcmp(e->account, a) != 0 && strcmp(e->peer, a) != 0)
			continue;
		if ((e->action == ACT_INVENTORY || e->action == ACT_CUSTODIAN_CHANGE) &&
		    strcmp(e->account, a) == 0) {
			uint64_t listed = 0;
			for (size_t k = 0; k < e->nitems; k++)
				listed += held_find(&h, &e->items[k]) >= 0;
			if (rules_inventory_complete(e, listed, h.n)) {
				/* the correction page starts again here */
				inv->prev_index = hist[i].index;
				snprintf(inv->prev_txn, sizeof inv->prev_txn, "%s", e->txn);
				entry_time_format(e->time_us, inv->prev_time);
				free(inv->adds);
				free(inv->dels);
				inv->adds = inv->dels = NULL;
				inv->nadd = inv->ndel = 0;
			}
			continue;
		}
		int eff = held_effect(e, a);
		for (size_t k = 0; k < e->nitems; k++) {
			const entry_item *it = &e->items[k];
			char lot[ENTRY_SERIAL_MAX + 1];
			bool part = rules_split_parent(e, k, lot);
			bool ok = true, added = false;
			if (eff > 0) {
				ok = held_add(&h, it, &added);
				if (ok && added)
					ok = change_add(&inv->adds, &inv->nadd, &hist[i], it);
			} else if (eff < 0 && !part && held_remove(&h, it)) {
				/* a part taken off a lot leaves the lot held */
				ok = change_add(&inv->dels, &inv->ndel, &hist[i], it);
			} else if (e->action == ACT_ISSUE && part && strcmp(e->account, a) == 0) {
				/* the part issued is a new item, held */
				ok = held_add(&h, it, &added);
			}
			if (!ok) {
				st = err_set(err, ST_NOMEM, "out of memory");
				goto out;
			}
		}
	}
	for (size_t k = 0; k < x->nitems; k++)
		inv->listed += held_find(&h, &x->items[k]) >= 0;
	inv->held = h.n;
	if (rules_is_certification(x)) {
		/* the count it certified, as custos printed it: sighted of the
		 * list, which the server found to be the whole list */
		const char *v = entry_detail_value(x, "sighted");
		inv->listed = inv->held = v != NULL ? strtoull(v, NULL, 10) : 0;
	}
	inv->complete = rules_inventory_complete(x, inv->listed, inv->held);
	ledger_result lr = {.complete = inv->complete, .listed = inv->listed, .held = inv->held};
	ledger_inventory_words(&lr, inv->words, sizeof inv->words);
out:
	free(h.it);
	return st;
}

/* ---- a certification's list ----------------------------------------------------- */

/* Detail `name` of e as a count, -1 when e states none. */
static int64_t detail_count(const entry *e, const char *name)
{
	const char *v = entry_detail_value(e, name);
	return v != NULL ? (int64_t)strtoll(v, NULL, 10) : -1;
}

status report_certified_attach(report *r, const report_entry *txn, const report_line *lines,
			       size_t n, errbuf *err)
{
	const entry *e = &txn->e;
	if (!rules_is_certification(e))
		return err_set(err, ST_REFUSED, "%s is no certification: it lists its items",
			       e->txn[0] ? e->txn : "the entry");
	errbuf why = {0};
	if (rules_check_certification_details(e, &why) != ST_OK)
		return err_set(err, ST_CORRUPT, "certification %s (log entry %" PRIu64 "): %s",
			       e->txn, txn->index, why.msg);
	report_certified *c = calloc(1, sizeof *c);
	if (c == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	snprintf(c->list_sha256, sizeof c->list_sha256, "%s", entry_detail_value(e, "list_sha256"));
	c->sighted = detail_count(e, "sighted");
	c->found = detail_count(e, "found");
	c->not_sighted = detail_count(e, "not_sighted");
	c->qty_diff = detail_count(e, "qty_diff");
	if (n == 0 && c->sighted > 0) {
		int64_t sighted = c->sighted;
		free(c);
		return err_set(err, ST_NOTFOUND, "certification %s (log entry %" PRIu64 ") certifies "
			       "%" PRId64 " items, but the database keeps no list of it (it was "
			       "signed before custos kept certified lists, or the list was "
			       "removed); no report is made", e->txn, txn->index, sighted);
	}
	/* The list is trusted only as far as it hashes to what was signed. */
	rules_list_digest d;
	bool ok = true;
	rules_list_digest_init(&d);
	for (size_t i = 0; i < n && ok; i++)
		ok = lines[i].row == i + 1 &&
		     rules_list_digest_add(&d, lines[i].title, lines[i].edition, lines[i].serial,
					   lines[i].qty);
	uint8_t dg[SHA256_LEN];
	uint64_t count = 0;
	rules_list_digest_final(&d, dg, &count);
	/* the rule that judged the entry: sighted lines, and their digest */
	if (!ok || rules_check_certification(e, count, dg, &why) != ST_OK) {
		free(c);
		return err_set(err, ST_CORRUPT, "certification %s (log entry %" PRIu64 "): the list "
			       "the database keeps of it (%zu lines) does not hash to its signed "
			       "list_sha256: the list was changed after it was certified; no report "
			       "is made (run 'custos log verify')", e->txn, txn->index, n);
	}
	report_line *v = NULL;
	if (n > 0 && (v = calloc(n, sizeof *v)) == NULL) {
		free(c);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = lines[i];
		v[i].alc = 0;          /* not in the list: only what was signed */
		v[i].remarks[0] = '\0';
	}
	free(r->lines);
	r->lines = v;
	r->nlines = n;
	c->verified = true;
	free(r->cert);
	r->cert = c;
	return ST_OK;
}

/* ---- an incident's parts ------------------------------------------------------- */

const char *report_incident_part_name(entry_action a)
{
	return a == ACT_INCIDENT_REPORT   ? "initial"
	       : a == ACT_INCIDENT_UPDATE ? "amplifying"
	       : a == ACT_INCIDENT_CLOSE  ? "final"
					  : "?";
}

static status part_add(report_incident *inc, const report_entry *re, errbuf *err)
{
	report_incident_part *v = realloc(inc->parts, (inc->nparts + 1) * sizeof *v);
	if (v == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	inc->parts = v;
	report_incident_part *pt = &v[inc->nparts];
	memset(pt, 0, sizeof *pt);
	const entry *e = &re->e;
	pt->action = e->action;
	snprintf(pt->txn, sizeof pt->txn, "%s", e->txn);
	entry_time_format(e->time_us, pt->time);
	pt->index = re->index;
	uint8_t leaf[SHA256_LEN];
	sha256_leaf(re->note, re->notelen, leaf);
	b64_encode(leaf, sizeof leaf, pt->leaf_b64);
	pt->outcome = e->outcome;
	pt->nitems = e->nitems;
	note *nt = malloc(sizeof *nt);
	if (nt == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = note_parse(re->note, re->notelen, nt, err);
	if (st != ST_OK) {
		free(nt);
		return st;
	}
	for (size_t i = 0; i < nt->nsigs && pt->nsigners < REPORT_MAX_SIGNERS; i++) {
		size_t k = nt->sigs[i].namelen < KEY_NAME_MAX ? nt->sigs[i].namelen : KEY_NAME_MAX;
		memcpy(pt->signers[pt->nsigners], nt->sigs[i].name, k);
		pt->signers[pt->nsigners++][k] = '\0';
	}
	free(nt);
	if (e->textlen > 0) {
		if ((pt->text = malloc(e->textlen + 1)) == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		memcpy(pt->text, e->text, e->textlen);
		pt->text[e->textlen] = '\0';
	}
	inc->nparts++;
	return ST_OK;
}

status report_incident_build(report *r, const report_entry *txn, const report_entry *later,
			     size_t n, const report_entry *pol, size_t npol, errbuf *err)
{
	const entry *x = &txn->e;
	report_incident *inc = calloc(1, sizeof *inc);
	if (inc == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	r->inc = inc;
	inc->category = x->category;
	if (x->discovered_us != 0)
		entry_time_format(x->discovered_us, inc->discovered);
	inc->deadline_hours = rules_policy_of(POL_INCIDENT_REPORT)->dflt;
	for (size_t i = 0; i < npol; i++) {
		int64_t v[POL__COUNT];
		errbuf why = {0};
		if (pol[i].index < txn->index && pol[i].e.action == ACT_POLICY_SET &&
		    rules_check_policy(&pol[i].e, v, &why) == ST_OK && v[POL_INCIDENT_REPORT] >= 0)
			inc->deadline_hours = v[POL_INCIDENT_REPORT];
	}
	inc->late = rules_incident_late(x, inc->deadline_hours, &inc->late_hours);
	status st = part_add(inc, txn, err);
	for (size_t i = 0; i < n && st == ST_OK && !inc->closed; i++) {
		const entry *e = &later[i].e;
		if (later[i].index <= txn->index || strcmp(e->ref, x->txn) != 0 ||
		    (e->action != ACT_INCIDENT_UPDATE && e->action != ACT_INCIDENT_CLOSE))
			continue;
		st = part_add(inc, &later[i], err);
		if (st == ST_OK && e->action == ACT_INCIDENT_CLOSE) {
			inc->closed = true;
			inc->outcome = e->outcome;
		}
	}
	return st;
}

/* ---- from the database ----------------------------------------------------------- */

static status fetch(db *d, const char *sql, int np, const char *const *p, PGresult **res,
		    report_entry **out, size_t *n, errbuf *err)
{
	*out = NULL;
	*n = 0;
	status st = db_exec(d, sql, np, p, res, err);
	if (st != ST_OK)
		return st;
	int rows = PQntuples(*res);
	if (rows == 0)
		return ST_OK;
	if ((*out = calloc((size_t)rows, sizeof **out)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (int i = 0; i < rows; i++) {
		report_entry *re = &(*out)[i];
		re->index = (uint64_t)strtoull(PQgetvalue(*res, i, 0), NULL, 10);
		re->note = PQgetvalue(*res, i, 1);
		re->notelen = (size_t)PQgetlength(*res, i, 1);
		*n = (size_t)i + 1;
		note *nt = malloc(sizeof *nt);
		if (nt == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		st = note_parse(re->note, re->notelen, nt, err);
		if (st == ST_OK)
			st = entry_parse(nt->text, nt->textlen, &re->e, err);
		free(nt);
		if (st != ST_OK)
			return err_set(err, ST_CORRUPT, "log entry %" PRIu64 " does not parse", re->index);
	}
	return ST_OK;
}

static void entries_free(report_entry *es, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_free(&es[i].e);
	free(es);
}

/* r's inclusion proof, when a checkpoint covers its entry. */
static status attach_proof(db *d, report *r, errbuf *err)
{
	char which[24];
	snprintf(which, sizeof which, "%" PRIu64, r->index);
	export_proof_info info;
	errbuf why = {0};
	status st = export_proof_text(d, which, &r->proof, &r->prooflen, &info, &why);
	if (st == ST_OK)
		r->checkpoint_size = info.size;
	else if (st == ST_REFUSED || st == ST_NOTFOUND)
		st = ST_OK; /* no checkpoint covers it yet: the report says so */
	else
		*err = why;
	return st;
}

/* The list the server kept of certification te (custos.certified_item,
 * in line order), checked against what it signed, as r's line items
 * (report_certified_attach).  A row that does not fit a line (too long,
 * no quantity) is a list changed: ST_CORRUPT. */
static status load_certified(db *d, const report_entry *te, report *r, errbuf *err)
{
	char idx[24];
	snprintf(idx, sizeof idx, "%" PRIu64, te->index);
	const char *p[] = {idx};
	PGresult *res = NULL;
	status st = db_exec(d, "SELECT line, title, edition, serial, qty FROM custos.certified_item "
			       "WHERE idx = $1::bigint ORDER BY line",
			    1, p, &res, err);
	if (st != ST_OK)
		return st;
	size_t n = (size_t)PQntuples(res);
	report_line *v = n > 0 ? calloc(n, sizeof *v) : NULL;
	if (n > 0 && v == NULL) {
		PQclear(res);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && st == ST_OK; i++) {
		const char *f[3] = {db_val(res, (int)i, 1), db_val(res, (int)i, 2), db_val(res, (int)i, 3)};
		long long row = strtoll(db_val(res, (int)i, 0), NULL, 10);
		long long qty = strtoll(db_val(res, (int)i, 4), NULL, 10);
		if (strlen(f[0]) > ENTRY_TITLE_MAX || strlen(f[1]) > ENTRY_EDITION_MAX ||
		    strlen(f[2]) > ENTRY_SERIAL_MAX || row < 1 || qty < 1 || qty > ENTRY_QTY_MAX) {
			st = err_set(err, ST_CORRUPT, "certification %s (log entry %" PRIu64 "): line "
				     "%zu of the list the database keeps of it is no item line: the "
				     "list was changed after it was certified; no report is made",
				     te->e.txn, te->index, i + 1);
			break;
		}
		v[i].row = (size_t)row;
		snprintf(v[i].title, sizeof v[i].title, "%s", f[0]);
		snprintf(v[i].edition, sizeof v[i].edition, "%s", f[1]);
		snprintf(v[i].serial, sizeof v[i].serial, "%s", f[2]);
		v[i].qty = (uint32_t)qty;
	}
	if (st == ST_OK)
		st = report_certified_attach(r, te, v, n, err);
	free(v);
	PQclear(res);
	return st;
}

status report_load(db *d, const char *txn, report_kind kind, report *r, errbuf *err)
{
	memset(r, 0, sizeof *r);
	if (txn[0] == '\0' || strlen(txn) > ENTRY_TXN_MAX)
		return err_set(err, ST_USAGE, "not a transaction number");
	PGresult *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *r5 = NULL;
	report_entry *te = NULL, *ctx = NULL, *hist = NULL, *pols = NULL;
	size_t nte = 0, nctx = 0, nhist = 0, npols = 0;
	status st = db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	const char *p1[] = {txn};
	if ((st = fetch(d, "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry WHERE txn = $1", 1, p1, &r1, &te,
			&nte, err)) != ST_OK)
		goto out;
	if (nte != 1) {
		st = err_set(err, ST_NOTFOUND, "no transaction %s in the log (or not one this "
			     "login may see)", txn);
		goto out;
	}
	const entry *e = &te->e;
	char idx[24];
	snprintf(idx, sizeof idx, "%" PRIu64, te->index);
	const char *p2[] = {idx, e->account, e->peer};
	/* The parties' directory entries and the signers' details before it
	 * (signers are matched by name in report_build; person-details of
	 * everyone is small: one entry a change). */
	if ((st = fetch(d, "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry WHERE idx < $1::bigint AND "
			   "((action IN ('account-open', 'account-outside', 'account-details') "
			   "AND account IN ($2, $3)) OR action = 'person-details') ORDER BY idx",
			3, p2, &r2, &ctx, &nctx, err)) != ST_OK)
		goto out;
	char answer[ENTRY_TXN_MAX + 1] = "";
	if (e->action == ACT_TRANSFER) {
		if ((st = db_exec(d, "SELECT txn FROM custos.log_entry WHERE action = 'accept' "
				     "AND ref = $1 ORDER BY idx LIMIT 1", 1, p1, &r3, err)) != ST_OK)
			goto out;
		if (PQntuples(r3) == 1)
			snprintf(answer, sizeof answer, "%s", db_val(r3, 0, 0));
	}
	if ((st = report_build(te, ctx, nctx, answer[0] ? answer : NULL, kind,
			       (int64_t)time(NULL) * 1000000, r, err)) != ST_OK)
		goto out;
	/* A certification lists no items: its list is the one the server kept,
	 * read in this snapshot and checked against the signed hash. */
	if ((kind == REPORT_KIND_INVENTORY || kind == REPORT_KIND_MATERIAL) &&
	    rules_is_certification(e) &&
	    (st = load_certified(d, te, r, err)) != ST_OK)
		goto out;
	if (kind == REPORT_KIND_INVENTORY) {
		/* The account's material entries before it, in this snapshot. */
		const char *p4[] = {e->account, idx};
		if ((st = fetch(d, "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry "
				   "WHERE (account = $1 OR peer = $1) AND idx < $2::bigint AND action IN "
				   "('receipt', 'accept', 'possession', 'transfer-recall', "
				   "'transfer-reject', 'incident-close', 'transfer', 'destroy', "
				   "'incident-report', 'issue', 'inventory', 'custodian-change') "
				   "ORDER BY idx",
				2, p4, &r4, &hist, &nhist, err)) != ST_OK ||
		    (st = report_inventory_build(r, te, hist, nhist, err)) != ST_OK)
			goto out;
	}
	if (kind == REPORT_KIND_INCIDENT) {
		/* Its amplifying and final reports; the policy in force at it. */
		if ((st = fetch(d, "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry "
				   "WHERE ref = $1 AND idx > $2::bigint AND action IN "
				   "('incident-update', 'incident-close') ORDER BY idx",
				2, (const char *const[]){txn, idx}, &r4, &hist, &nhist, err)) != ST_OK ||
		    (st = fetch(d, "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry "
				   "WHERE action = 'policy-set' AND idx < $1::bigint ORDER BY idx",
				1, p2, &r5, &pols, &npols, err)) != ST_OK ||
		    (st = report_incident_build(r, te, hist, nhist, pols, npols, err)) != ST_OK)
			goto out;
	}
	db_rollback(d);
	st = attach_proof(d, r, err);
	goto done;
out:
	db_rollback(d);
done:
	entries_free(te, nte);
	entries_free(ctx, nctx);
	entries_free(hist, nhist);
	entries_free(pols, npols);
	PQclear(r1);
	PQclear(r2);
	PQclear(r3);
	PQclear(r4);
	PQclear(r5);
	return st;
}

/* ---- CSV (RFC 4180) and JSON --------------------------------------------------------- */

void report_csv_field(FILE *f, const char *s, bool last)
{
	char *esc = report_escape(s);
	fputc('"', f);
	for (const char *c = esc ? esc : ""; *c; c++) {
		if (*c == '"')
			fputc('"', f);
		fputc(*c, f);
	}
	fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
	free(esc);
}

/* "alice+bob": a part's signers. */
static void signers_text(const report_incident_part *pt, char *out, size_t cap)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < pt->nsigners && at < cap; i++) {
		int n = snprintf(out + at, cap - at, "%s%s", i ? "+" : "", pt->signers[i]);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

/* An incident's summary and its parts, each section with its header. */
static void incident_csv(const report_incident *inc, const char *txn, FILE *f)
{
	static const char *const sh[] = {"incident", "category", "discovered", "reported",
					 "deadline_hours", "within_deadline", "status", "outcome"};
	size_t ns = sizeof sh / sizeof sh[0];
	fputs("\r\n", f);
	for (size_t i = 0; i < ns; i++)
		report_csv_field(f, sh[i], i + 1 == ns);
	char hours[24];
	snprintf(hours, sizeof hours, "%" PRId64, inc->deadline_hours);
	const char *sv[] = {txn,
			    entry_category_name(inc->category),
			    inc->discovered,
			    inc->parts[0].time,
			    hours,
			    inc->discovered[0] == '\0' ? "unknown" : inc->late ? "no" : "yes",
			    inc->closed ? "closed" : "open",
			    inc->closed ? entry_outcome_name(inc->outcome) : ""};
	for (size_t k = 0; k < ns; k++)
		report_csv_field(f, sv[k], k + 1 == ns);
	static const char *const ph[] = {"incident", "part", "txn", "date", "index",
					 "leaf_hash", "signers", "items", "outcome", "text"};
	size_t np = sizeof ph / sizeof ph[0];
	fputs("\r\n", f);
	for (size_t i = 0; i < np; i++)
		report_csv_field(f, ph[i], i + 1 == np);
	for (size_t i = 0; i < inc->nparts; i++) {
		const report_incident_part *pt = &inc->parts[i];
		char idx[24], items[24], who[REPORT_MAX_SIGNERS * (KEY_NAME_MAX + 1) + 1];
		snprintf(idx, sizeof idx, "%" PRIu64, pt->index);
		snprintf(items, sizeof items, "%zu", pt->nitems);
		signers_text(pt, who, sizeof who);
		const char *v[] = {txn,
				   report_incident_part_name(pt->action),
				   pt->txn,
				   pt->time,
				   idx,
				   pt->leaf_b64,
				   who,
				   items,
				   pt->action == ACT_INCIDENT_CLOSE ? entry_outcome_name(pt->outcome) : "",
				   pt->text != NULL ? pt->text : ""};
		for (size_t k = 0; k < np; k++)
			report_csv_field(f, v[k], k + 1 == np);
	}
}

status report_write_csv(const report *r, FILE *f, errbuf *err)
{
	static const char *const head[] = {"transaction", "type", "date", "from_account",
					   "to_account", "row", "short_title", "edition",
					   "quantity", "serial", "alc", "remarks"};
	size_t nh = sizeof head / sizeof head[0];
	for (size_t i = 0; i < nh; i++)
		report_csv_field(f, head[i], i + 1 == nh);
	const char *txn = r->out_txn[0] ? r->out_txn : r->in_txn;
	for (size_t i = 0; i < r->nlines; i++) {
		const report_line *l = &r->lines[i];
		char row[24], qty[16], alc[8];
		snprintf(row, sizeof row, "%zu", l->row);
		snprintf(qty, sizeof qty, "%" PRIu32, l->qty);
		snprintf(alc, sizeof alc, "%d", l->alc);
		if (l->alc == 0)
			alc[0] = '\0'; /* a certified list signs no ALC */
		const char *v[] = {txn, report_type_name(r->type), r->txn_date, r->from.account,
				   r->to.account, row, l->title, l->edition, qty, l->serial, alc,
				   l->remarks};
		for (size_t k = 0; k < nh; k++)
			report_csv_field(f, v[k], k + 1 == nh);
	}
	if (r->cert != NULL) {
		/* the certification: its own header, then its one row */
		static const char *const kh[] = {"transaction", "list_sha256", "lines", "sighted",
						 "found", "not_sighted", "qty_diff", "verified"};
		size_t nk = sizeof kh / sizeof kh[0];
		const report_certified *c = r->cert;
		char lines[24], cnt[4][24];
		snprintf(lines, sizeof lines, "%zu", r->nlines);
		const int64_t cv[4] = {c->sighted, c->found, c->not_sighted, c->qty_diff};
		for (int k = 0; k < 4; k++) {
			cnt[k][0] = '\0';
			if (cv[k] >= 0)
				snprintf(cnt[k], sizeof cnt[k], "%" PRId64, cv[k]);
		}
		const char *v[] = {txn, c->list_sha256, lines, cnt[0], cnt[1], cnt[2], cnt[3],
				   c->verified ? "true" : "false"};
		fputs("\r\n", f);
		for (size_t i = 0; i < nk; i++)
			report_csv_field(f, kh[i], i + 1 == nk);
		for (size_t i = 0; i < nk; i++)
			report_csv_field(f, v[i], i + 1 == nk);
	}
	if (r->inv != NULL) {
		/* the correction page: its own header, then one row a change */
		static const char *const ch[] = {"transaction", "section", "by_txn", "by_action",
						 "by_date", "by_index", "short_title", "edition",
						 "quantity", "serial", "alc", "remarks"};
		fputs("\r\n", f);
		for (size_t i = 0; i < nh; i++)
			report_csv_field(f, ch[i], i + 1 == nh);
		for (int sec = 0; sec < 2; sec++) {
			const report_change *c = sec ? r->inv->dels : r->inv->adds;
			size_t n = sec ? r->inv->ndel : r->inv->nadd;
			for (size_t i = 0; i < n; i++) {
				char qty[16], alc[8], by[24];
				snprintf(qty, sizeof qty, "%" PRIu32, c[i].line.qty);
				snprintf(alc, sizeof alc, "%d", c[i].line.alc);
				snprintf(by, sizeof by, "%" PRIu64, c[i].index);
				const char *v[] = {txn, sec ? "deletion" : "addition", c[i].txn,
						   entry_action_name(c[i].action), c[i].time, by,
						   c[i].line.title, c[i].line.edition, qty,
						   c[i].line.serial, alc, c[i].line.remarks};
				for (size_t k = 0; k < nh; k++)
					report_csv_field(f, v[k], k + 1 == nh);
			}
		}
	}
	if (r->inc != NULL)
		incident_csv(r->inc, txn, f);
	return ferror(f) ? err_set(err, ST_IO, "cannot write the CSV") : ST_OK;
}

static void json_key_str(FILE *f, const char *key, const char *v, bool comma)
{
	fprintf(f, "\"%s\":", key);
	if (v == NULL)
		fputs("null", f);
	else
		json_str(f, v);
	if (comma)
		fputc(',', f);
}

static void json_party(FILE *f, const char *key, const report_party *p)
{
	fprintf(f, "\"%s\":{", key);
	json_key_str(f, "account", p->account[0] ? p->account : NULL, true);
	json_key_str(f, "name", p->name, true);
	json_key_str(f, "address", p->address, true);
	json_key_str(f, "cor_account", p->cor_account, false);
	fputs("},", f);
}

static void json_changes(FILE *f, const char *key, const report_change *c, size_t n)
{
	fprintf(f, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",{" : "{", f);
		json_key_str(f, "short_title", c[i].line.title, true);
		json_key_str(f, "edition", c[i].line.edition[0] ? c[i].line.edition : NULL, true);
		fprintf(f, "\"quantity\":%" PRIu32 ",", c[i].line.qty);
		json_key_str(f, "serial", c[i].line.serial[0] ? c[i].line.serial : NULL, true);
		fprintf(f, "\"alc\":%d,", c[i].line.alc);
		json_key_str(f, "action", entry_action_name(c[i].action), true);
		json_key_str(f, "txn", c[i].txn, true);
		json_key_str(f, "date", c[i].time, true);
		fprintf(f, "\"index\":%" PRIu64 "}", c[i].index);
	}
	fputs("]", f);
}

/* A count as signed, null where the entry states none. */
static void json_count(FILE *f, const char *key, int64_t v, bool comma)
{
	if (v >= 0)
		fprintf(f, "\"%s\":%" PRId64 "%s", key, v, comma ? "," : "");
	else
		fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
}

static void json_certified(FILE *f, const report_certified *c, size_t nlines)
{
	fputs("\"certification\":{", f);
	json_key_str(f, "list_sha256", c->list_sha256, true);
	fprintf(f, "\"lines\":%zu,", nlines);
	json_count(f, "sighted", c->sighted, true);
	json_count(f, "found", c->found, true);
	json_count(f, "not_sighted", c->not_sighted, true);
	json_count(f, "qty_diff", c->qty_diff, true);
	fprintf(f, "\"verified\":%s},", c->verified ? "true" : "false");
}

static void json_inventory(FILE *f, const report_inventory *inv, const report_certified *c,
			   size_t nlines)
{
	fprintf(f, "\"inventory\":{\"complete\":%s,\"listed\":%" PRIu64 ",\"held\":%" PRIu64 ",",
		inv->complete ? "true" : "false", inv->listed, inv->held);
	json_key_str(f, "words", inv->words, true);
	if (c != NULL)
		json_certified(f, c, nlines);
	if (inv->prev_index) {
		fputs("\"previous_complete\":{", f);
		json_key_str(f, "txn", inv->prev_txn, true);
		json_key_str(f, "date", inv->prev_time, true);
		fprintf(f, "\"index\":%" PRIu64 "},", inv->prev_index);
	} else {
		fputs("\"previous_complete\":null,", f);
	}
	json_changes(f, "additions", inv->adds, inv->nadd);
	fputc(',', f);
	json_changes(f, "deletions", inv->dels, inv->ndel);
	fputs("},", f);
}

static void json_incident(FILE *f, const report_incident *inc)
{
	fputs("\"incident\":{", f);
	json_key_str(f, "category", entry_category_name(inc->category), true);
	json_key_str(f, "discovered", inc->discovered[0] ? inc->discovered : NULL, true);
	json_key_str(f, "reported", inc->parts[0].time, true);
	fprintf(f, "\"deadline_hours\":%" PRId64 ",", inc->deadline_hours);
	if (inc->discovered[0] == '\0')
		fputs("\"within_deadline\":null,", f);
	else
		fprintf(f, "\"within_deadline\":%s,", inc->late ? "false" : "true");
	if (inc->late)
		fprintf(f, "\"hours_to_report\":%" PRId64 ",", inc->late_hours);
	json_key_str(f, "status", inc->closed ? "closed" : "open", true);
	json_key_str(f, "outcome", inc->closed ? entry_outcome_name(inc->outcome) : NULL, true);
	fputs("\"parts\":[", f);
	for (size_t i = 0; i < inc->nparts; i++) {
		const report_incident_part *pt = &inc->parts[i];
		fputs(i ? ",{" : "{", f);
		json_key_str(f, "part", report_incident_part_name(pt->action), true);
		json_key_str(f, "action", entry_action_name(pt->action), true);
		json_key_str(f, "txn", pt->txn, true);
		json_key_str(f, "date", pt->time, true);
		fprintf(f, "\"index\":%" PRIu64 ",", pt->index);
		json_key_str(f, "leaf_hash", pt->leaf_b64, true);
		fputs("\"signers\":[", f);
		for (size_t k = 0; k < pt->nsigners; k++) {
			if (k)
				fputc(',', f);
			json_str(f, pt->signers[k]);
		}
		fprintf(f, "],\"items\":%zu,", pt->nitems);
		json_key_str(f, "outcome",
			     pt->action == ACT_INCIDENT_CLOSE ? entry_outcome_name(pt->outcome) : NULL,
			     true);
		json_key_str(f, "text", pt->text, false);
		fputc('}', f);
	}
	fputs("]},", f);
}

status report_write_json(const report *r, FILE *f, errbuf *err)
{
	fputc('{', f);
	json_key_str(f, "type", report_type_name(r->type), true);
	json_key_str(f, "action", entry_action_name(r->action), true);
	json_party(f, "from", &r->from);
	json_party(f, "to", &r->to);
	json_key_str(f, "report_date", r->report_date, true);
	json_key_str(f, "outgoing_txn", r->out_txn[0] ? r->out_txn : NULL, true);
	json_key_str(f, "transaction_date", r->txn_date, true);
	json_key_str(f, "incoming_txn", r->in_txn[0] ? r->in_txn : NULL, true);
	fputs("\"items\":[", f);
	for (size_t i = 0; i < r->nlines; i++) {
		const report_line *l = &r->lines[i];
		fprintf(f, "%s{\"row\":%zu,", i ? "," : "", l->row);
		json_key_str(f, "short_title", l->title, true);
		json_key_str(f, "edition", l->edition[0] ? l->edition : NULL, true);
		fprintf(f, "\"quantity\":%" PRIu32 ",", l->qty);
		json_key_str(f, "serial", l->serial[0] ? l->serial : NULL, true);
		if (l->alc > 0)
			fprintf(f, "\"alc\":%d,", l->alc);
		else
			fputs("\"alc\":null,", f); /* a certified list signs no ALC */
		json_key_str(f, "remarks", l->remarks[0] ? l->remarks : NULL, false);
		fputc('}', f);
	}
	fputs("],", f);
	json_key_str(f, "certification", r->certification, true);
	fputs("\"signatures\":[", f);
	for (size_t i = 0; i < r->nsigners; i++) {
		const report_signer *s = &r->signers[i];
		fputs(i ? ",{" : "{", f);
		json_key_str(f, "name", s->name, true);
		json_key_str(f, "key_id", s->keyid, true);
		json_key_str(f, "capacity", s->capacity, true);
		json_key_str(f, "rank", s->rank, true);
		json_key_str(f, "position", s->position, false);
		fputc('}', f);
	}
	fputs("],", f);
	json_key_str(f, "remarks", r->remarks, true);
	if (r->inv != NULL)
		json_inventory(f, r->inv, r->cert, r->nlines);
	else if (r->cert != NULL) /* the material report of a certification */
		json_certified(f, r->cert, r->nlines);
	if (r->inc != NULL)
		json_incident(f, r->inc);
	fputs("\"log\":{", f);
	json_key_str(f, "origin", r->origin, true);
	fprintf(f, "\"index\":%" PRIu64 ",", r->index);
	json_key_str(f, "leaf_hash", r->leaf_b64, true);
	json_key_str(f, "entry", r->note, true);
	if (r->checkpoint_size)
		fprintf(f, "\"checkpoint_size\":%" PRIu64 ",", r->checkpoint_size);
	else
		fputs("\"checkpoint_size\":null,", f);
	json_key_str(f, "proof", r->proof, false);
	fputs("}}\n", f);
	return ferror(f) ? err_set(err, ST_IO, "cannot write the JSON") : ST_OK;
}

/* ---- registers ------------------------------------------------------------------ */

const char *report_register_title(const report_register *g)
{
	return g->kind == REPORT_KIND_HAND_RECEIPTS ? "hand-receipt register"
						    : "destruction register";
}

static void reg_row_free(report_reg_row *row)
{
	free(row->remarks);
	free(row->lines);
}

void report_register_free(report_register *g)
{
	for (size_t i = 0; i < g->nrows; i++)
		reg_row_free(&g->rows[i]);
	free(g->rows);
	free(g->account_name);
	memset(g, 0, sizeof *g);
}


static bool same_item(const report_line *l, const entry_item *it)
{
	return strcmp(l->title, it->title) == 0 && strcmp(l->edition, it->edition) == 0 &&
	       strcmp(l->serial, it->serial) == 0;
}

/* The names of the first two signers of note re (""s when none). */
static status signer_names(const report_entry *re, char first[KEY_NAME_MAX + 1],
			   char second[KEY_NAME_MAX + 1], errbuf *err)
{
	first[0] = second[0] = '\0';
	note *nt = malloc(sizeof *nt);
	if (nt == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = note_parse(re->note, re->notelen, nt, err);
	for (size_t i = 0; st == ST_OK && i < nt->nsigs && i < 2; i++) {
		char *dst = i == 0 ? first : second;
		size_t n = nt->sigs[i].namelen < KEY_NAME_MAX ? nt->sigs[i].namelen : KEY_NAME_MAX;
		memcpy(dst, nt->sigs[i].name, n);
		dst[n] = '\0';
	}
	free(nt);
	return st;
}

static bool in_period(const char *time, const char *since, const char *until)
{
	return (since == NULL || strncmp(time, since, ENTRY_DATE_LEN) >= 0) &&
	       (until == NULL || strncmp(time, until, ENTRY_DATE_LEN) <= 0);
}

/* A new row of g for entry re. */
static status reg_row_add(report_register *g, const report_entry *re, size_t *cap, errbuf *err)
{
	const entry *e = &re->e;
	if (g->nrows == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		report_reg_row *nr = realloc(g->rows, nc * sizeof *nr);
		if (nr == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		g->rows = nr;
		*cap = nc;
	}
	report_reg_row *row = &g->rows[g->nrows++];
	memset(row, 0, sizeof *row);
	row->action = e->action;
	snprintf(row->txn, sizeof row->txn, "%s", e->txn);
	entry_time_format(e->time_us, row->time);
	snprintf(row->holder, sizeof row->holder, "%s", e->holder);
	if (e->action == ACT_DESTROY) {
		snprintf(row->method, sizeof row->method, "%s", entry_method_name(e->method));
		snprintf(row->authority, sizeof row->authority, "%s", e->authority);
	}
	row->index = re->index;
	uint8_t leaf[SHA256_LEN];
	sha256_leaf(re->note, re->notelen, leaf);
	b64_encode(leaf, sizeof leaf, row->leaf_b64);
	row->open = e->action == ACT_ISSUE && e->nitems > 0;
	status st = signer_names(re, row->custodian, row->second, err);
	if (st != ST_OK)
		return st;
	if (e->textlen > 0) {
		if ((row->remarks = malloc(e->textlen + 1)) == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		memcpy(row->remarks, e->text, e->textlen);
		row->remarks[e->textlen] = '\0';
	}
	if (e->nitems > 0 && (row->lines = calloc(e->nitems, sizeof *row->lines)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (size_t i = 0; i < e->nitems; i++)
		line_of(&e->items[i], i + 1, &row->lines[i].line);
	row->nlines = e->nitems;
	return ST_OK;
}

/* Entry re takes items off the hand receipts still open in g: a return
 * those named in its ref, a destruction or an incident report any it
 * lists (docs/ledger.md: each leaves the receipt it was issued under). */
static void reg_close(report_register *g, const report_entry *re)
{
	const entry *e = &re->e;
	for (size_t r = 0; r < g->nrows; r++) {
		report_reg_row *row = &g->rows[r];
		if (!row->open || (e->action == ACT_RETURN && strcmp(row->txn, e->ref) != 0))
			continue;
		bool any_open = false;
		for (size_t k = 0; k < row->nlines; k++) {
			report_reg_line *l = &row->lines[k];
			for (size_t i = 0; !l->closed && i < e->nitems; i++)
				if (same_item(&l->line, &e->items[i])) {
					l->closed = true;
					l->by_action = e->action;
					snprintf(l->by_txn, sizeof l->by_txn, "%s", e->txn);
					entry_time_format(e->time_us, l->by_time);
					l->by_index = re->index;
					snprintf(row->closed_txn, sizeof row->closed_txn, "%s", e->txn);
					memcpy(row->closed_time, l->by_time, sizeof row->closed_time);
				}
			any_open |= !l->closed;
		}
		row->open = any_open;
	}
}

static int row_order(const void *a, const void *b)
{
	const report_reg_row *x = a, *y = b;
	if (x->open != y->open)
		return x->open ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

status report_register_build(report_kind kind, const char *account, const char *holder,
			     const char *since, const char *until, const report_entry *es,
			     size_t n, int64_t now_us, report_register *g, errbuf *err)
{
	memset(g, 0, sizeof *g);
	if (kind != REPORT_KIND_HAND_RECEIPTS && kind != REPORT_KIND_DESTRUCTIONS)
		return err_set(err, ST_USAGE, "not a kind of register");
	g->kind = kind;
	snprintf(g->account, sizeof g->account, "%s", account);
	snprintf(g->holder, sizeof g->holder, "%s", holder != NULL ? holder : "");
	snprintf(g->since, sizeof g->since, "%s", since != NULL ? since : "");
	snprintf(g->until, sizeof g->until, "%s", until != NULL ? until : "");
	char t[ENTRY_TIME_LEN + 1];
	entry_time_format(now_us, t);
	snprintf(g->report_date, sizeof g->report_date, "%.10s", t);
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		const entry *e = &es[i].e;
		if (strcmp(e->account, account) != 0)
			continue;
		if (g->origin[0] == '\0')
			snprintf(g->origin, sizeof g->origin, "%s", e->origin);
		if (e->action == ACT_ACCOUNT_OPEN) {
			free(g->account_name);
			if ((g->account_name = strndup(e->text, e->textlen)) == NULL)
				return err_set(err, ST_NOMEM, "out of memory");
			continue;
		}
		char when[ENTRY_TIME_LEN + 1];
		entry_time_format(e->time_us, when);
		status st = ST_OK;
		if (kind == REPORT_KIND_HAND_RECEIPTS) {
			if (e->action == ACT_RETURN || e->action == ACT_DESTROY ||
			    e->action == ACT_INCIDENT_REPORT)
				reg_close(g, &es[i]);
			else if (e->action == ACT_ISSUE && in_period(when, since, until) &&
				 (holder == NULL || strcmp(holder, e->holder) == 0))
				st = reg_row_add(g, &es[i], &cap, err);
		} else if (e->action == ACT_DESTROY && in_period(when, since, until)) {
			st = reg_row_add(g, &es[i], &cap, err);
		}
		if (st != ST_OK)
			return st;
	}
	if (g->nrows > 0)
		qsort(g->rows, g->nrows, sizeof *g->rows, row_order);
	for (size_t i = 0; i < g->nrows; i++)
		g->nopen += g->rows[i].open;
	return ST_OK;
}

status report_register_load(db *d, report_kind kind, const char *account, const char *holder,
			    const char *since, const char *until, report_register *g, errbuf *err)
{
	memset(g, 0, sizeof *g);
	if (!entry_account_number_valid(account))
		return err_set(err, ST_USAGE, "--account takes a six-digit account number");
	if (holder != NULL && (holder[0] == '\0' || strlen(holder) > KEY_NAME_MAX))
		return err_set(err, ST_USAGE, "--holder takes a person's name, 1 to %d bytes",
			       KEY_NAME_MAX);
	const char *dates[] = {since, until};
	for (size_t i = 0; i < 2; i++) {
		uint32_t ymd;
		if (dates[i] != NULL &&
		    (strlen(dates[i]) != ENTRY_DATE_LEN ||
		     entry_date_parse(dates[i], ENTRY_DATE_LEN, &ymd) != ST_OK))
			return err_set(err, ST_USAGE, "--%s takes a date, YYYY-MM-DD (UTC)",
				       i == 0 ? "since" : "until");
	}
	if (since != NULL && until != NULL && strcmp(until, since) < 0)
		return err_set(err, ST_USAGE, "--until %s is before --since %s", until, since);
	PGresult *r0 = NULL, *r1 = NULL;
	report_entry *es = NULL;
	size_t n = 0;
	status st = db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, err);
	if (st != ST_OK)
		return st;
	const char *p[] = {account};
	if ((st = db_exec(d, "SELECT 1 FROM custos.account WHERE number = $1", 1, p, &r0, err)) !=
	    ST_OK)
		goto out;
	if (PQntuples(r0) != 1) {
		st = err_set(err, ST_NOTFOUND, "no account %s (or not one this login may see)",
			     account);
		goto out;
	}
	/* By the index on (account, idx): the account's own entries only. */
	st = fetch(d,
		   kind == REPORT_KIND_HAND_RECEIPTS
			   ? "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry "
			     "WHERE account = $1 AND action IN ('account-open', 'issue', 'return', "
			     "'destroy', 'incident-report') ORDER BY idx"
			   : "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry "
			     "WHERE account = $1 AND action IN ('account-open', 'destroy') ORDER BY idx",
		   1, p, &r1, &es, &n, err);
	if (st == ST_OK)
		st = report_register_build(kind, account, holder, since, until, es, n,
					   (int64_t)time(NULL) * 1000000, g, err);
out:
	db_rollback(d);
	entries_free(es, n);
	PQclear(r0);
	PQclear(r1);
	return st;
}

/* ---- registers as CSV and JSON ---------------------------------------------------- */

static const char *by_name(const report_reg_line *l)
{
	return l->by_action == ACT_RETURN ? "returned" : entry_action_name(l->by_action);
}

status report_register_write_csv(const report_register *g, FILE *f, errbuf *err)
{
	bool hr = g->kind == REPORT_KIND_HAND_RECEIPTS;
	static const char *const hr_head[] = {
		"account", "transaction", "date", "holder", "custodian", "status", "row",
		"short_title", "edition", "quantity", "serial", "alc", "closed_by", "closed_txn",
		"closed_date", "closed_index", "origin", "index", "leaf_hash"};
	static const char *const dx_head[] = {
		"account", "transaction", "date", "custodian", "witness", "method", "authority",
		"row", "short_title", "edition", "quantity", "serial", "alc", "remarks",
		"origin", "index", "leaf_hash"};
	const char *const *head = hr ? hr_head : dx_head;
	size_t nh = hr ? sizeof hr_head / sizeof *hr_head : sizeof dx_head / sizeof *dx_head;
	for (size_t i = 0; i < nh; i++)
		report_csv_field(f, head[i], i + 1 == nh);
	for (size_t r = 0; r < g->nrows; r++) {
		const report_reg_row *row = &g->rows[r];
		char idx[24];
		snprintf(idx, sizeof idx, "%" PRIu64, row->index);
		for (size_t k = 0; k < row->nlines; k++) {
			const report_reg_line *l = &row->lines[k];
			char rowv[24], qty[16], alc[8], by_idx[24] = "";
			snprintf(rowv, sizeof rowv, "%zu", l->line.row);
			snprintf(qty, sizeof qty, "%" PRIu32, l->line.qty);
			snprintf(alc, sizeof alc, "%d", l->line.alc);
			if (l->closed)
				snprintf(by_idx, sizeof by_idx, "%" PRIu64, l->by_index);
			const char *hv[] = {g->account, row->txn, row->time, row->holder,
					    row->custodian, row->open ? "open" : "closed", rowv,
					    l->line.title, l->line.edition, qty, l->line.serial, alc,
					    l->closed ? by_name(l) : "open", l->by_txn, l->by_time,
					    by_idx, g->origin, idx, row->leaf_b64};
			const char *dv[] = {g->account, row->txn, row->time, row->custodian,
					    row->second, row->method, row->authority, rowv,
					    l->line.title, l->line.edition, qty, l->line.serial, alc,
					    l->line.remarks, g->origin, idx, row->leaf_b64};
			for (size_t i = 0; i < nh; i++)
				report_csv_field(f, hr ? hv[i] : dv[i], i + 1 == nh);
		}
	}
	return ferror(f) ? err_set(err, ST_IO, "cannot write the CSV") : ST_OK;
}

status report_register_write_json(const report_register *g, FILE *f, errbuf *err)
{
	bool hr = g->kind == REPORT_KIND_HAND_RECEIPTS;
	fputc('{', f);
	json_key_str(f, "type", report_register_title(g), true);
	json_key_str(f, "account", g->account, true);
	json_key_str(f, "account_name", g->account_name, true);
	if (hr)
		json_key_str(f, "holder", g->holder[0] ? g->holder : NULL, true);
	json_key_str(f, "since", g->since[0] ? g->since : NULL, true);
	json_key_str(f, "until", g->until[0] ? g->until : NULL, true);
	json_key_str(f, "report_date", g->report_date, true);
	json_key_str(f, "origin", g->origin[0] ? g->origin : NULL, true);
	if (hr)
		fprintf(f, "\"open\":%zu,\"closed\":%zu,", g->nopen, g->nrows - g->nopen);
	fprintf(f, "\"%s\":[", hr ? "receipts" : "destructions");
	for (size_t r = 0; r < g->nrows; r++) {
		const report_reg_row *row = &g->rows[r];
		fputs(r ? ",{" : "{", f);
		json_key_str(f, "txn", row->txn, true);
		json_key_str(f, "date", row->time, true);
		json_key_str(f, "custodian", row->custodian, true);
		if (hr) {
			json_key_str(f, "holder", row->holder, true);
			json_key_str(f, "status", row->open ? "open" : "closed", true);
			json_key_str(f, "closed_date", row->open ? NULL : row->closed_time, true);
			json_key_str(f, "closed_txn", row->open ? NULL : row->closed_txn, true);
		} else {
			json_key_str(f, "witness", row->second[0] ? row->second : NULL, true);
			json_key_str(f, "method", row->method, true);
			json_key_str(f, "authority", row->authority, true);
		}
		json_key_str(f, "remarks", row->remarks, true);
		fputs("\"items\":[", f);
		for (size_t k = 0; k < row->nlines; k++) {
			const report_reg_line *l = &row->lines[k];
			fprintf(f, "%s{\"row\":%zu,", k ? "," : "", l->line.row);
			json_key_str(f, "short_title", l->line.title, true);
			json_key_str(f, "edition", l->line.edition[0] ? l->line.edition : NULL, true);
			fprintf(f, "\"quantity\":%" PRIu32 ",", l->line.qty);
			json_key_str(f, "serial", l->line.serial[0] ? l->line.serial : NULL, true);
			fprintf(f, "\"alc\":%d,", l->line.alc);
			json_key_str(f, "remarks", l->line.remarks, hr);
			if (hr && l->closed) {
				fputs("\"closed\":{", f);
				json_key_str(f, "by", by_name(l), true);
				json_key_str(f, "txn", l->by_txn, true);
				json_key_str(f, "date", l->by_time, true);
				fprintf(f, "\"index\":%" PRIu64 "}", l->by_index);
			} else if (hr) {
				fputs("\"closed\":null", f);
			}
			fputc('}', f);
		}
		fputs("],\"log\":{", f);
		json_key_str(f, "origin", g->origin, true);
		fprintf(f, "\"index\":%" PRIu64 ",", row->index);
		json_key_str(f, "leaf_hash", row->leaf_b64, false);
		fputs("}}", f);
	}
	fputs("]}\n", f);
	return ferror(f) ? err_set(err, ST_IO, "cannot write the JSON") : ST_OK;
}
