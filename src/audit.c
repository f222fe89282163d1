/* audit.c: audit findings and the oversight sample; see audit.h. */
#include "audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "note.h"
#include "rules.h"
#include "sha.h"

#define US_PER_HOUR ((int64_t)3600 * 1000000)
#define US_PER_DAY ((int64_t)24 * US_PER_HOUR)

static const char *const code_names[] = {
#define AUDIT_CODE_NAME(code, name, words) name,
	AUDIT_FINDINGS(AUDIT_CODE_NAME)
#undef AUDIT_CODE_NAME
};

static const char *const code_words[] = {
#define AUDIT_CODE_WORDS(code, name, words) words,
	AUDIT_FINDINGS(AUDIT_CODE_WORDS)
#undef AUDIT_CODE_WORDS
};

const char *audit_code_name(audit_code c)
{
	return (unsigned)c < AF__COUNT ? code_names[c] : "?";
}

const char *audit_code_words(audit_code c)
{
	return (unsigned)c < AF__COUNT ? code_words[c] : "?";
}

typedef struct issued {
	char id[ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + ENTRY_SERIAL_MAX + 3];
	char account[ENTRY_ACCOUNT_LEN + 1];
	uint64_t index;
	int64_t time_us;
} issued;

typedef struct acct {
	char number[ENTRY_ACCOUNT_LEN + 1];
	uint64_t since;   /* opening or last complete inventory */
	int64_t since_us;
} acct;

typedef struct seq {
	char key[12];     /* AAAAAA-YYYY */
	uint64_t last;
} seq;

struct audit {
	int64_t pol[POL__COUNT];
	uint64_t entries, last_index;
	int64_t last_us;
	bool finished;
	bool only;        /* audit_only_account */
	char only_acct[ENTRY_ACCOUNT_LEN + 1];
	replay *r;        /* audit_add_record */
	audit_finding *f;
	size_t nf, capf;
	issued *iss;
	size_t niss, capiss;
	acct *acc;
	size_t nacc, capacc;
	seq *sq;
	size_t nsq, capsq;
};

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, nc * size);
	if (q == NULL)
		return false;
	*p = q;
	*cap = nc;
	return true;
}

audit *audit_new(void)
{
	audit *a = calloc(1, sizeof *a);
	if (a == NULL)
		return NULL;
	a->r = replay_new();
	if (a->r == NULL) {
		free(a);
		return NULL;
	}
	replay_trust_signatures(a->r, true);
	for (int p = 0; p < POL__COUNT; p++)
		a->pol[p] = rules_policy_of((rules_policy)p)->dflt;
	return a;
}

void audit_free(audit *a)
{
	if (a == NULL)
		return;
	free(a->f);
	free(a->iss);
	free(a->acc);
	free(a->sq);
	replay_free(a->r);
	free(a);
}

void audit_only_account(audit *a, const char *number)
{
	a->only = number != NULL;
	snprintf(a->only_acct, sizeof a->only_acct, "%s", number ? number : "");
}

const replay *audit_state(const audit *a)
{
	return a->r;
}

static status add_finding(audit *a, audit_code c, const char *account, uint64_t index,
			  uint64_t since, errbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static status add_finding(audit *a, audit_code c, const char *account, uint64_t index,
			  uint64_t since, errbuf *err, const char *fmt, ...)
{
	if (a->only && strcmp(account, a->only_acct) != 0)
		return ST_OK;
	if (!grow((void **)&a->f, &a->capf, a->nf, sizeof *a->f))
		return err_set(err, ST_NOMEM, "out of memory");
	audit_finding *f = &a->f[a->nf++];
	f->code = c;
	f->index = index;
	f->since = since;
	snprintf(f->account, sizeof f->account, "%s", account);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
	return ST_OK;
}

static void item_id(const entry_item *it, char *out, size_t n)
{
	snprintf(out, n, "%s%c%s%c%s", it->title, 0, it->edition, 0, it->serial);
}

/* "KG-175D ed. 2 serial 0001" for a reason. */
static void item_words(const entry_item *it, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s%s", it->title, it->edition[0] ? " ed. " : "", it->edition,
		 it->serial[0] ? " serial " : "", it->serial);
}

static bool id_eq(const char *a, const char *b)
{
	return memcmp(a, b, sizeof ((issued *)0)->id) == 0;
}

static acct *find_acct(audit *a, const char *number)
{
	for (size_t i = 0; i < a->nacc; i++)
		if (strcmp(a->acc[i].number, number) == 0)
			return &a->acc[i];
	return NULL;
}

static status check_inventory(audit *a, const acct *ac, uint64_t index, int64_t t, bool end,
			      errbuf *err)
{
	int64_t months = a->pol[POL_INVENTORY_INTERVAL];
	if (months <= 0)
		return ST_OK;
	if (t <= entry_time_add_months(ac->since_us, months))
		return ST_OK;
	char at[ENTRY_TIME_LEN + 1];
	entry_time_format(ac->since_us, at);
	return add_finding(a, AF_INVENTORY_OVERDUE, ac->number, index, ac->since, err,
			   "account %s: %s complete inventory since %s (entry %" PRIu64
			   "), more than %" PRId64 " months",
			   ac->number, end ? "no" : "the previous", at, ac->since, months);
}

static status on_destroy(audit *a, const entry *e, errbuf *err)
{
	int64_t hours = a->pol[POL_DESTRUCTION_DEADLINE];
	for (size_t i = 0; i < e->nitems; i++) {
		const entry_item *it = &e->items[i];
		if (it->kind != KIND_KEY || it->supersedes == 0)
			continue;
		int64_t deadline = entry_days_from_civil(it->supersedes / 10000, it->supersedes / 100 % 100,
						   it->supersedes % 100) * US_PER_DAY +
				   hours * US_PER_HOUR;
		if (e->time_us <= deadline)
			continue;
		char w[160], sd[ENTRY_DATE_LEN + 1];
		item_words(it, w, sizeof w);
		entry_date_format(it->supersedes, sd);
		int64_t late = (e->time_us - deadline) / US_PER_HOUR;
		status st = add_finding(a, AF_LATE_DESTRUCTION, e->account, e->index, e->index, err,
					"%s superseded %s destroyed %" PRId64
					" h after its deadline of %" PRId64 " h",
					w, sd, late, hours);
		if (st != ST_OK)
			return st;
	}
	return ST_OK;
}

static status on_txn(audit *a, const entry *e, errbuf *err)
{
	/* AAAAAA-YYYY-NNNN (four digits or more); per account and year, as
	 * the ledger numbers them (the replay refuses any other number) */
	size_t len = strlen(e->txn);
	if (len < 16 || e->txn[6] != '-' || e->txn[11] != '-' ||
	    strspn(e->txn + 12, "0123456789") != len - 12 || len - 12 > 18)
		return ST_OK;
	uint64_t n = strtoull(e->txn + 12, NULL, 10);
	seq *s = NULL;
	for (size_t i = 0; i < a->nsq; i++)
		if (memcmp(a->sq[i].key, e->txn, 11) == 0)
			s = &a->sq[i];
	if (s == NULL) {
		if (!grow((void **)&a->sq, &a->capsq, a->nsq, sizeof *a->sq))
			return err_set(err, ST_NOMEM, "out of memory");
		s = &a->sq[a->nsq++];
		memcpy(s->key, e->txn, 11);
		s->key[11] = '\0';
		s->last = 0;
	}
	status st = ST_OK;
	if (n > s->last + 1)
	{
		char acc[ENTRY_ACCOUNT_LEN + 1];
		memcpy(acc, e->txn, ENTRY_ACCOUNT_LEN);
		acc[ENTRY_ACCOUNT_LEN] = '\0';
		st = add_finding(a, AF_TXN_GAP, acc, e->index, e->index, err,
				 "transaction %s follows %s-%04" PRIu64 ": %" PRIu64 " number(s) missing",
				 e->txn, s->key, s->last, n - s->last - 1);
	}
	if (n > s->last)
		s->last = n;
	return st;
}

static status on_issue(audit *a, const entry *e, errbuf *err)
{
	for (size_t i = 0; i < e->nitems; i++) {
		if (!grow((void **)&a->iss, &a->capiss, a->niss, sizeof *a->iss))
			return err_set(err, ST_NOMEM, "out of memory");
		issued *is = &a->iss[a->niss++];
		memset(is->id, 0, sizeof is->id);
		item_id(&e->items[i], is->id, sizeof is->id);
		is->index = e->index;
		is->time_us = e->time_us;
		snprintf(is->account, sizeof is->account, "%s", e->account);
	}
	return ST_OK;
}

static status judge_receipt(audit *a, const issued *is, uint64_t index, int64_t t, bool end,
			    errbuf *err)
{
	int64_t days = a->pol[POL_HAND_RECEIPT_ALARM];
	if (t - is->time_us <= days * US_PER_DAY)
		return ST_OK;
	const char *title = is->id, *ed = title + strlen(title) + 1, *serial = ed + strlen(ed) + 1;
	return add_finding(a, AF_HAND_RECEIPT_OPEN, is->account, index, is->index, err,
			   "%s%s%s%s%s issued %s %" PRId64 " days, policy %" PRId64 " days", title,
			   ed[0] ? " ed. " : "", ed, serial[0] ? " serial " : "", serial,
			   end ? "and still open after" : "and returned after",
			   (t - is->time_us) / US_PER_DAY, days);
}

static status on_return(audit *a, const entry *e, errbuf *err)
{
	for (size_t i = 0; i < e->nitems; i++) {
		char id[sizeof ((issued *)0)->id];
		memset(id, 0, sizeof id);
		item_id(&e->items[i], id, sizeof id);
		for (size_t k = 0; k < a->niss; k++) {
			if (!id_eq(a->iss[k].id, id))
				continue;
			status st = judge_receipt(a, &a->iss[k], e->index, e->time_us, false, err);
			if (st != ST_OK)
				return st;
			a->iss[k] = a->iss[--a->niss];
			break;
		}
	}
	return ST_OK;
}

status audit_add(audit *a, const entry *e, bool complete, errbuf *err)
{
	if (a->finished)
		return err_set(err, ST_USAGE, "audit: entry after the end");
	status st = ST_OK;
	/* Judged by the policy in force at e's index: set before it. */
	switch (e->action) {
	case ACT_DESTROY:
		st = on_destroy(a, e, err);
		break;
	case ACT_INCIDENT_REPORT: {
		int64_t hours = a->pol[POL_INCIDENT_REPORT], late_h = 0;
		if (rules_incident_late(e, hours, &late_h)) {
			char at[ENTRY_TIME_LEN + 1];
			entry_time_format(e->discovered_us, at);
			st = add_finding(a, AF_LATE_INCIDENT, e->account, e->index, e->index, err,
					 "incident %s discovered %s reported %" PRId64
					 " h later, policy %" PRId64 " h",
					 e->txn, at, late_h, hours);
		}
		break;
	}
	case ACT_ISSUE:
		st = on_issue(a, e, err);
		break;
	case ACT_RETURN:
		st = on_return(a, e, err);
		break;
	case ACT_ACCOUNT_OPEN:
		if (find_acct(a, e->account) == NULL) {
			if (!grow((void **)&a->acc, &a->capacc, a->nacc, sizeof *a->acc))
				return err_set(err, ST_NOMEM, "out of memory");
			acct *ac = &a->acc[a->nacc++];
			snprintf(ac->number, sizeof ac->number, "%s", e->account);
			ac->since = e->index;
			ac->since_us = e->time_us;
		}
		break;
	case ACT_POLICY_SET: {
		int64_t v[POL__COUNT];
		errbuf why = {0};
		if (rules_check_policy(e, v, &why) == ST_OK)
			for (int p = 0; p < POL__COUNT; p++)
				if (v[p] >= 0)
					a->pol[p] = v[p];
		break;
	}
	default:
		break;
	}
	if (st == ST_OK && e->action == ACT_CUSTODIAN_CHANGE && !complete)
		st = add_finding(a, AF_CUSTODIAN_NO_INVENTORY, e->account, e->index, e->index, err,
				 "account %s: change of custodian %s without a joint inventory of "
				 "every item held (it lists %zu)", e->account, e->txn, e->nitems);
	/* Only a complete inventory resets the clock: a spot check does not. */
	if (st == ST_OK && complete) {
		acct *ac = find_acct(a, e->account);
		if (ac != NULL) {
			st = check_inventory(a, ac, e->index, e->time_us, false, err);
			ac->since = e->index;
			ac->since_us = e->time_us;
		}
	}
	if (st == ST_OK && e->txn[0] != '\0')
		st = on_txn(a, e, err);
	if (st != ST_OK)
		return st;
	a->entries++;
	a->last_index = e->index;
	a->last_us = e->time_us;
	return ST_OK;
}

status audit_add_record(audit *a, const uint8_t *rec, size_t len, errbuf *err)
{
	note *n = malloc(sizeof *n);
	if (n == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	entry e;
	memset(&e, 0, sizeof e);
	status st = replay_apply(a->r, rec, len, err);
	if (st == ST_OK)
		st = note_parse((const char *)rec, len, n, err);
	if (st == ST_OK)
		st = entry_parse(n->text, n->textlen, &e, err);
	if (st == ST_OK)
		st = audit_add(a, &e, replay_last_complete(a->r), err);
	entry_free(&e);
	free(n);
	return st;
}

status audit_finish(audit *a, errbuf *err)
{
	if (a->finished)
		return ST_OK;
	a->finished = true;
	status st = ST_OK;
	for (size_t i = 0; i < a->nacc && st == ST_OK; i++)
		st = check_inventory(a, &a->acc[i], a->last_index, a->last_us, true, err);
	/* Open hand receipts in the order they were issued. */
	for (size_t i = 0; i + 1 < a->niss; i++)
		for (size_t k = i + 1; k < a->niss; k++)
			if (a->iss[k].index < a->iss[i].index ||
			    (a->iss[k].index == a->iss[i].index &&
			     memcmp(a->iss[k].id, a->iss[i].id, sizeof a->iss[i].id) < 0)) {
				issued t = a->iss[i];
				a->iss[i] = a->iss[k];
				a->iss[k] = t;
			}
	for (size_t i = 0; i < a->niss && st == ST_OK; i++)
		st = judge_receipt(a, &a->iss[i], a->last_index, a->last_us, true, err);
	return st;
}

size_t audit_count(const audit *a)
{
	return a->nf;
}

const audit_finding *audit_get(const audit *a, size_t i)
{
	return i < a->nf ? &a->f[i] : NULL;
}

uint64_t audit_entries(const audit *a)
{
	return a->entries;
}

int64_t audit_policy(const audit *a, rules_policy p)
{
	return (unsigned)p < POL__COUNT ? a->pol[p] : -1;
}

void audit_print_text(FILE *f, const audit *a)
{
	fprintf(f, "audit: %" PRIu64 " entries, %zu finding(s)\n", a->entries, a->nf);
	for (size_t i = 0; i < a->nf; i++) {
		const audit_finding *x = &a->f[i];
		fprintf(f, "%s entry %" PRIu64, audit_code_name(x->code), x->index);
		if (x->since != x->index)
			fprintf(f, " since %" PRIu64, x->since);
		fprintf(f, ": %s\n", x->reason);
	}
}

static void print_findings_json(FILE *f, const audit *a)
{
	fprintf(f, "\"entries\":%" PRIu64 ",\"findings\":[", a->entries);
	for (size_t i = 0; i < a->nf; i++) {
		const audit_finding *x = &a->f[i];
		fprintf(f, "%s{\"code\":", i ? "," : "");
		json_str(f, audit_code_name(x->code));
		fputs(",\"account\":", f);
		json_str(f, x->account);
		fprintf(f, ",\"index\":%" PRIu64 ",\"since\":%" PRIu64 ",\"reason\":", x->index,
			x->since);
		json_str(f, x->reason);
		fputs("}", f);
	}
	fputs("]", f);
}

void audit_print_json(FILE *f, const audit *a)
{
	fputs("{", f);
	print_findings_json(f, a);
	fputs("}\n", f);
}

/* ---- the sample ---------------------------------------------------------- */

typedef struct cand {
	audit_pick p;
	uint8_t h[SHA256_LEN];
} cand;

typedef struct collect {
	cand *c;
	size_t n, cap;
	bool nomem;
} collect;

static bool collect_item(void *ctx, const replay_item *it)
{
	collect *cl = ctx;
	if (it->status != ITEM_ON_HAND && it->status != ITEM_ISSUED)
		return true;
	if (!grow((void **)&cl->c, &cl->cap, cl->n, sizeof *cl->c)) {
		cl->nomem = true;
		return false;
	}
	cand *c = &cl->c[cl->n++];
	/* copies: `it` is the iterator's, valid during this call only */
	snprintf(c->p.title, sizeof c->p.title, "%s", it->facts.title);
	snprintf(c->p.edition, sizeof c->p.edition, "%s", it->facts.edition);
	snprintf(c->p.serial, sizeof c->p.serial, "%s", it->facts.serial);
	snprintf(c->p.account, sizeof c->p.account, "%s", it->account);
	c->p.cls = it->facts.cls;
	c->p.key = it->facts.kind == KIND_KEY;
	c->p.all = c->p.key && it->facts.cls == CLASS_TS;
	return true;
}

static int id_cmp(const audit_pick *x, const audit_pick *y)
{
	int c = strcmp(x->title, y->title);
	if (c == 0)
		c = strcmp(x->edition, y->edition);
	if (c == 0)
		c = strcmp(x->serial, y->serial);
	return c;
}

static int cand_cmp(const void *va, const void *vb)
{
	const cand *a = va, *b = vb;
	if (a->p.all != b->p.all)
		return a->p.all ? -1 : 1;
	if (!a->p.all) {
		int c = memcmp(a->h, b->h, SHA256_LEN);
		if (c != 0)
			return c;
	}
	return id_cmp(&a->p, &b->p);
}

bool audit_sample_parse(const char *s, size_t *k)
{
	size_t len = s != NULL ? strlen(s) : 0;
	if (len == 0 || len > 7 || strspn(s, "0123456789") != len || (s[0] == '0' && len > 1))
		return false;
	unsigned long v = strtoul(s, NULL, 10);
	if (v > AUDIT_SAMPLE_MAX)
		return false;
	*k = (size_t)v;
	return true;
}

status audit_sample(const replay *r, const uint8_t root[32], size_t k, audit_pick **out,
		    size_t *n, errbuf *err)
{
	*out = NULL;
	*n = 0;
	collect cl = {0};
	replay_each_item(r, collect_item, &cl);
	if (cl.nomem) {
		free(cl.c);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < cl.n; i++) {
		cand *c = &cl.c[i];
		size_t tl = strlen(c->p.title), el = strlen(c->p.edition), sl = strlen(c->p.serial);
		size_t len = 32 + tl + 1 + el + 1 + sl;
		uint8_t *buf = malloc(len);
		if (buf == NULL) {
			free(cl.c);
			return err_set(err, ST_NOMEM, "out of memory");
		}
		memcpy(buf, root, 32);
		memcpy(buf + 32, c->p.title, tl + 1);
		memcpy(buf + 33 + tl, c->p.edition, el + 1);
		memcpy(buf + 34 + tl + el, c->p.serial, sl);
		sha256(buf, len, c->h);
		free(buf);
	}
	if (cl.n > 0)
		qsort(cl.c, cl.n, sizeof *cl.c, cand_cmp);
	size_t take = 0, others = 0;
	for (size_t i = 0; i < cl.n; i++) {
		if (cl.c[i].p.all)
			take++;
		else if (others < k) {
			others++;
			take++;
		}
	}
	audit_pick *p = take ? malloc(take * sizeof *p) : NULL;
	if (take && p == NULL) {
		free(cl.c);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < take; i++)
		p[i] = cl.c[i].p;
	free(cl.c);
	*out = p;
	*n = take;
	return ST_OK;
}

void audit_print_sample_text(FILE *f, const audit_pick *p, size_t n)
{
	fprintf(f, "sample: %zu item(s)\n", n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %s %s%s%s%s%s %s\n", p[i].all ? "all" : "random", p[i].account,
			p[i].title, p[i].edition[0] ? " ed. " : "", p[i].edition,
			p[i].serial[0] ? " serial " : "", p[i].serial, item_class_name(p[i].cls));
}

static void print_sample_json(FILE *f, const audit_pick *p, size_t n)
{
	fputs("\"sample\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"why\":\"%s\",\"account\":", i ? "," : "",
			p[i].all ? "all" : "random");
		json_str(f, p[i].account);
		fputs(",\"title\":", f);
		json_str(f, p[i].title);
		fputs(",\"edition\":", f);
		json_str(f, p[i].edition);
		fputs(",\"serial\":", f);
		json_str(f, p[i].serial);
		fputs(",\"class\":", f);
		json_str(f, item_class_name(p[i].cls));
		fputs("}", f);
	}
	fputs("]", f);
}

void audit_print_sample_json(FILE *f, const audit_pick *p, size_t n)
{
	fputs("{", f);
	print_sample_json(f, p, n);
	fputs("}\n", f);
}

void audit_print(FILE *f, const audit *a, const audit_pick *p, size_t n, bool sample, bool json)
{
	if (!json) {
		audit_print_text(f, a);
		if (sample)
			audit_print_sample_text(f, p, n);
		return;
	}
	fputs("{", f);
	print_findings_json(f, a);
	if (sample) {
		fputs(",", f);
		print_sample_json(f, p, n);
	}
	fputs("}\n", f);
}
