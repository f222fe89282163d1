/* logverify.c: replay the log from the database and compare (logverify.h). */
#include "logverify.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "entry.h"
#include "logfile.h"
#include "merkle.h"
#include "note.h"
#include "replay.h"
#include "rules.h"
#include "sha.h"

/* A row of state as "key" and "field=value field=value ..." strings, made
 * the same way from the replay and (in SQL) from the tables. */
typedef struct kv {
	char *key, *val;
} kv;

typedef struct kvlist {
	kv *v;
	size_t n, cap;
	bool failed;
} kvlist;

static void kv_add(kvlist *l, buf *key, buf *val)
{
	char *k = buf_take(key, NULL), *v = buf_take(val, NULL);
	if (k == NULL || v == NULL || l->failed) {
		l->failed = true;
		free(k);
		free(v);
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		kv *nv = realloc(l->v, cap * sizeof *nv);
		if (nv == NULL) {
			l->failed = true;
			free(k);
			free(v);
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = (kv){k, v};
}

static void kv_free(kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	*l = (kvlist){0};
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->key, ((const kv *)b)->key);
}

static const char *dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

/* ---- the replay's side ---------------------------------------------------- */

static bool each_account(void *ctx, const replay_account *a)
{
	buf k = {0}, v = {0};
	buf_puts(&k, a->number);
	buf_printf(&v, "name=%s last_inventory=", a->name);
	if (a->last_inventory_us)
		buf_printf(&v, "%lld", (long long)a->last_inventory_us);
	else
		buf_puts(&v, "-");
	buf_printf(&v, " address=%s cor_account=%s details=", dash(a->address),
		   dash(a->cor_account));
	if (a->details_index)
		buf_printf(&v, "%llu", (unsigned long long)a->details_index);
	else
		buf_puts(&v, "-");
	kv_add(ctx, &k, &v);
	return true;
}

static bool each_outside(void *ctx, const replay_outside *o)
{
	buf k = {0}, v = {0};
	buf_puts(&k, o->number);
	buf_printf(&v, "name=%s address=%s registered=%llu details=", o->name, dash(o->address),
		   (unsigned long long)o->registered_index);
	if (o->details_index)
		buf_printf(&v, "%llu", (unsigned long long)o->details_index);
	else
		buf_puts(&v, "-");
	kv_add(ctx, &k, &v);
	return true;
}

static bool each_old_key(void *ctx, const char *name, const uint8_t pk[KEY_PK_LEN])
{
	buf k = {0}, v = {0};
	for (int i = 0; i < KEY_PK_LEN; i++)
		buf_printf(&k, "%02x", pk[i]);
	buf_printf(&v, "person=%s", name);
	kv_add(ctx, &k, &v);
	return true;
}

/* The policies in force after the last entry, each with the entry that
 * set it; and every value set, by entry. */
static void each_policy(const replay *r, kvlist *l)
{
	for (int p = 0; p < POL__COUNT; p++) {
		buf k = {0}, v = {0};
		uint64_t at;
		int64_t value = replay_policy(r, (rules_policy)p, &at);
		buf_puts(&k, rules_policy_of((rules_policy)p)->name);
		buf_printf(&v, "value=%lld set=", (long long)value);
		if (at)
			buf_printf(&v, "%llu", (unsigned long long)at);
		else
			buf_puts(&v, "default");
		kv_add(l, &k, &v);
	}
}

static bool each_policy_set(void *ctx, const replay_policy_set *ps)
{
	buf k = {0}, v = {0};
	buf_printf(&k, "%llu %s", (unsigned long long)ps->index, rules_policy_of(ps->policy)->name);
	buf_printf(&v, "value=%lld", (long long)ps->value);
	kv_add(ctx, &k, &v);
	return true;
}

static bool each_person(void *ctx, const replay_person *p)
{
	buf k = {0}, v = {0};
	buf_puts(&k, p->name);
	buf_puts(&v, "pubkey=");
	for (int i = 0; i < KEY_PK_LEN; i++)
		buf_printf(&v, "%02x", p->key.pk[i]);
	buf_printf(&v, " enrolled=%llu key_since=%llu revoked=", (unsigned long long)p->enrolled_index,
		   (unsigned long long)p->key_index);
	if (p->revoked)
		buf_printf(&v, "%llu", (unsigned long long)p->revoked_index);
	else
		buf_puts(&v, "-");
	buf_printf(&v, " rank=%s position=%s details=", dash(p->rank), dash(p->position));
	if (p->details_index)
		buf_printf(&v, "%llu", (unsigned long long)p->details_index);
	else
		buf_puts(&v, "-");
	kv_add(ctx, &k, &v);
	return true;
}

static bool each_role(void *ctx, const replay_role *r)
{
	buf k = {0}, v = {0};
	buf_printf(&k, "%s %s%s%s", r->person, entry_role_name(r->role),
		   r->account[0] ? " on " : "", r->account);
	buf_printf(&v, "since=%llu", (unsigned long long)r->since_index);
	kv_add(ctx, &k, &v);
	return true;
}

static void item_key(buf *k, const char *title, const char *edition, const char *serial)
{
	buf_puts(k, title);
	if (edition[0])
		buf_printf(k, " edition %s", edition);
	if (serial[0])
		buf_printf(k, " serial %s", serial);
}

/* An item's value string; made only when compared, so that a million
 * items hold only their keys in memory. */
static void item_value(const replay_item *it, buf *v)
{
	const entry_item *f = &it->facts;
	char eff[ENTRY_DATE_LEN + 1] = "-", sup[ENTRY_DATE_LEN + 1] = "-";
	if (f->effective)
		entry_date_format(f->effective, eff);
	if (f->supersedes)
		entry_date_format(f->supersedes, sup);
	buf_printf(v, "status=%s account=%s holder=%s peer=%s incident=%s kind=%s alc=%d "
		       "class=%s crypto=%s qty=%u effective=%s supersedes=%s in_effect=%s",
		   item_status_name(it->status), dash(it->account), dash(it->holder),
		   dash(it->peer), dash(it->incident), item_kind_name(f->kind), f->alc,
		   item_class_name(f->cls), f->crypto ? "yes" : "no", f->qty, eff, sup,
		   it->in_effect ? "yes" : "no");
}


static bool each_txn(void *ctx, const replay_txn *t)
{
	buf k = {0}, v = {0};
	buf_puts(&k, t->number);
	buf_printf(&v, "action=%s entry=%llu account=%s peer=%s holder=%s ref=%s open=%s",
		   entry_action_name(t->action), (unsigned long long)t->index, dash(t->account),
		   dash(t->peer), dash(t->holder), dash(t->ref), t->open ? "yes" : "no");
	kv_add(ctx, &k, &v);
	return true;
}

static bool each_incident(void *ctx, const replay_incident *i)
{
	buf k = {0}, v = {0};
	buf_puts(&k, i->txn);
	buf_printf(&v, "account=%s category=%s updates=%llu closed=", i->account,
		   entry_category_name(i->category), (unsigned long long)i->updates);
	if (i->closed)
		buf_printf(&v, "%llu", (unsigned long long)i->closed_index);
	else
		buf_puts(&v, "-");
	/* a v1 report counts from its report */
	buf_printf(&v, " discovered=%lld outcome=%s",
		   (long long)(i->discovered_us ? i->discovered_us : i->reported_us),
		   entry_outcome_name(i->outcome));
	kv_add(ctx, &k, &v);
	return true;
}

/* ---- the tables' side: the same strings, made in SQL ---------------------- */

static const struct table {
	const char *what;
	const char *sql; /* two columns: key, value */
} tables[] = {
	{"account",
	 "SELECT number, format('name=%s last_inventory=%s address=%s cor_account=%s details=%s', "
	 "name, coalesce(((extract(epoch FROM last_inventory) * 1000000)::bigint)::text, '-'), "
	 "coalesce(nullif(address, ''), '-'), coalesce(cor_account, '-'), "
	 "coalesce(details_idx::text, '-')) FROM account"},
	{"person",
	 "SELECT name, format('pubkey=%s enrolled=%s key_since=%s revoked=%s rank=%s position=%s "
	 "details=%s', encode(pubkey, 'hex'), enrolled_idx, coalesce(key_idx, enrolled_idx), "
	 "coalesce(revoked_idx::text, '-'), "
	 "coalesce(nullif(rank, ''), '-'), coalesce(nullif(position, ''), '-'), "
	 "coalesce(details_idx::text, '-')) FROM person"},
	{"role",
	 "SELECT person || ' ' || role || coalesce(' on ' || account, ''), "
	 "format('since=%s', since_idx) FROM person_role"},
	{"item", /* (title, edition, serial) first: items are merged in that order */
	 "SELECT title, edition, serial, title || CASE WHEN edition <> '' THEN ' edition ' || edition ELSE '' END "
	 "|| CASE WHEN serial <> '' THEN ' serial ' || serial ELSE '' END, "
	 "format('status=%s account=%s holder=%s peer=%s incident=%s kind=%s alc=%s class=%s "
	 "crypto=%s qty=%s effective=%s supersedes=%s in_effect=%s', status, account, "
	 "coalesce(holder, '-'), "
	 "coalesce(peer, '-'), coalesce(incident, '-'), kind, alc, class, "
	 "CASE WHEN crypto THEN 'yes' ELSE 'no' END, qty, "
	 "coalesce(to_char(effective, 'YYYY-MM-DD'), '-'), "
	 "coalesce(to_char(supersedes, 'YYYY-MM-DD'), '-'), "
	 "CASE WHEN in_effect THEN 'yes' ELSE 'no' END) FROM item"},
	{"transaction",
	 "SELECT number, format('action=%s entry=%s account=%s peer=%s holder=%s ref=%s open=%s', "
	 "action, idx, account, coalesce(peer, '-'), coalesce(holder, '-'), coalesce(ref, '-'), "
	 "CASE WHEN open THEN 'yes' ELSE 'no' END) FROM txn"},
	{"incident",
	 "SELECT txn, format('account=%s category=%s updates=%s closed=%s discovered=%s outcome=%s', "
	 "account, category, updates, coalesce(closed_idx::text, '-'), "
	 "(extract(epoch FROM discovered_at) * 1000000)::bigint, coalesce(outcome, '-')) "
	 "FROM incident"},
	{"outside account",
	 "SELECT number, format('name=%s address=%s registered=%s details=%s', name, "
	 "coalesce(nullif(address, ''), '-'), registered_idx, coalesce(details_idx::text, '-')) "
	 "FROM outside_account"},
	{"replaced key", "SELECT encode(pubkey, 'hex'), format('person=%s', person) FROM person_key"},
	{"policy", /* the signed ones: the operational rows are not the log's */
	 "SELECT name, format('value=%s set=%s', value, coalesce(set_idx::text, 'default')) "
	 "FROM policy WHERE policy_signed(name)"},
	{"policy history",
	 "SELECT idx || ' ' || name, format('value=%s', value) FROM policy_history"},
};

/* The tables' rows in key order (bytewise, as strcmp orders the replay's),
 * fetched a page at a time through a cursor. */
typedef struct dbrows {
	db *d;
	PGresult *r;
	int row;
	bool done;
	errbuf *err;
} dbrows;

static status rows_fetch(dbrows *c)
{
	PQclear(c->r);
	c->r = NULL;
	c->row = 0;
	status st = db_exec_adhoc(c->d, "FETCH 10000 FROM custos_verify", 0, NULL, &c->r, c->err);
	if (st == ST_OK && PQntuples(c->r) == 0)
		c->done = true;
	return st;
}

static status rows_open(dbrows *c, const struct table *t, bool by_identity)
{
	char sql[2048];
	snprintf(sql, sizeof sql, "DECLARE custos_verify NO SCROLL CURSOR FOR %s%s%s", by_identity ? "" : "SELECT * FROM (", t->sql,
		 by_identity ? " ORDER BY title, edition, serial"
			     : ") s (k, v) ORDER BY k COLLATE \"C\"");
	status st = db_exec_adhoc(c->d, sql, 0, NULL, NULL, c->err);
	return st == ST_OK ? rows_fetch(c) : st;
}

static void rows_close(dbrows *c)
{
	PQclear(c->r);
	c->r = NULL;
	status st = db_exec_adhoc(c->d, "CLOSE custos_verify", 0, NULL, NULL, NULL);
	(void)st;
}

/* Name the fields that differ between two "f=v f=v" strings. */
static void report_diff(const char *what, const char *key, const char *dbv, const char *logv,
			logverify_diff_fn diff, void *ctx)
{
	buf line = {0};
	buf_printf(&line, "%s %s:", what, key);
	const char *a = dbv, *b = logv;
	while (*a || *b) {
		size_t la = strcspn(a, " "), lb = strcspn(b, " ");
		/* Values may hold spaces (an account's name is last in its row). */
		if (strncmp(what, "account", 7) == 0)
			la = strlen(a), lb = strlen(b);
		if (la != lb || memcmp(a, b, la) != 0) {
			const char *eq = memchr(a, '=', la);
			size_t nl = eq ? (size_t)(eq - a) : la;
			const char *bv = memchr(b, '=', lb);
			buf_printf(&line, " %.*s: database %.*s, log %.*s;", (int)nl, a,
				   (int)(la - (eq ? nl + 1 : la)), eq ? eq + 1 : "",
				   (int)(lb - (bv ? (size_t)(bv - b) + 1 : lb)), bv ? bv + 1 : "");
		}
		a += la + (a[la] == ' ');
		b += lb + (b[lb] == ' ');
	}
	if (line.len > 0 && line.data[line.len - 1] == ';')
		line.data[--line.len] = '\0';
	if (buf_status(&line) == ST_OK)
		diff(ctx, line.data);
	buf_free(&line);
}

static status compare(const char *what, dbrows *c, kvlist *logl, logverify_diff_fn diff,
		      void *ctx, uint64_t *ndiff)
{
	if (logl->n > 1)
		qsort(logl->v, logl->n, sizeof *logl->v, kv_cmp);
	size_t j = 0;
	char line[1024];
	status st = ST_OK;
	while (st == ST_OK && (!c->done || j < logl->n)) {
		const char *dk = c->done ? NULL : db_val(c->r, c->row, 0);
		const char *dv = c->done ? NULL : db_val(c->r, c->row, 1);
		int cmp = dk == NULL ? 1 : j == logl->n ? -1 : strcmp(dk, logl->v[j].key);
		if (cmp < 0) {
			snprintf(line, sizeof line, "%s %s: in the database but not made by any log "
				 "entry (%s)", what, dk, dv);
			diff(ctx, line);
			(*ndiff)++;
		} else if (cmp > 0) {
			snprintf(line, sizeof line, "%s %s: made by the log but missing from the "
				 "database (%s)", what, logl->v[j].key, logl->v[j].val);
			diff(ctx, line);
			(*ndiff)++;
		} else {
			const char *mv = logl->v[j].val;
			if (strcmp(dv, mv) != 0) {
				report_diff(what, dk, dv, mv, diff, ctx);
				(*ndiff)++;
			}
		}
		if (cmp >= 0)
			j++;
		if (cmp <= 0 && ++c->row == PQntuples(c->r))
			st = rows_fetch(c);
	}
	return st;
}

/* Items are merged as the replay hands them over, in (title, edition,
 * serial) order, against the table read in the same order: nothing is
 * held for a million items but a page of rows. */
typedef struct imerge {
	dbrows *c;
	logverify_diff_fn diff;
	void *ctx;
	uint64_t *ndiff;
	status st;
} imerge;

static void imerge_next(imerge *m)
{
	if (++m->c->row == PQntuples(m->c->r))
		m->st = rows_fetch(m->c);
}

static void imerge_db_only(imerge *m)
{
	char line[1024];
	snprintf(line, sizeof line, "item %s: in the database but not made by any log entry (%s)",
		 db_val(m->c->r, m->c->row, 3), db_val(m->c->r, m->c->row, 4));
	m->diff(m->ctx, line);
	(*m->ndiff)++;
	imerge_next(m);
}

static bool merge_item(void *ctx, const replay_item *it)
{
	imerge *m = ctx;
	const entry_item *f = &it->facts;
	int cmp = 1;
	while (m->st == ST_OK && !m->c->done) {
		const PGresult *r = m->c->r;
		int row = m->c->row;
		cmp = strcmp(db_val(r, row, 0), f->title);
		if (cmp == 0)
			cmp = strcmp(db_val(r, row, 1), f->edition);
		if (cmp == 0)
			cmp = strcmp(db_val(r, row, 2), f->serial);
		if (cmp >= 0)
			break;
		imerge_db_only(m);
		cmp = 1;
	}
	if (m->st != ST_OK)
		return false;
	buf k = {0}, v = {0};
	item_key(&k, f->title, f->edition, f->serial);
	item_value(it, &v);
	if (buf_status(&k) != ST_OK || buf_status(&v) != ST_OK) {
		m->st = ST_NOMEM;
	} else if (cmp == 0 && !m->c->done) {
		const char *dv = db_val(m->c->r, m->c->row, 4);
		if (strcmp(dv, v.data) != 0) {
			report_diff("item", k.data, dv, v.data, m->diff, m->ctx);
			(*m->ndiff)++;
		}
		imerge_next(m);
	} else {
		char line[1024];
		snprintf(line, sizeof line, "item %s: made by the log but missing from the database (%s)",
			 k.data, v.data);
		m->diff(m->ctx, line);
		(*m->ndiff)++;
	}
	buf_free(&k);
	buf_free(&v);
	return m->st == ST_OK;
}

static status compare_items(const replay *r, dbrows *c, logverify_diff_fn diff, void *ctx,
			    uint64_t *ndiff)
{
	imerge m = {c, diff, ctx, ndiff, ST_OK};
	replay_each_item(r, merge_item, &m);
	while (m.st == ST_OK && !c->done)
		imerge_db_only(&m);
	return m.st;
}

/* ---- reading the log -------------------------------------------------------- */

#define PAGE "1000"

static status hex_to(const char *s, uint8_t *out, size_t n)
{
	if (strncmp(s, "\\x", 2) != 0 || strlen(s) != 2 + 2 * n)
		return ST_FORMAT;
	for (size_t i = 0; i < n; i++) {
		char h[3] = {s[2 + 2 * i], s[3 + 2 * i], 0};
		char *end;
		out[i] = (uint8_t)strtoul(h, &end, 16);
		if (*end)
			return ST_FORMAT;
	}
	return ST_OK;
}

/* Walk the log in pages by index (binary notes); fn sees each entry.
 * Returns fn's first non-OK status. */
typedef status (*entry_fn)(void *ctx, uint64_t idx, const uint8_t *rec, size_t len,
			   const uint8_t leaf[SHA256_LEN], errbuf *err);

static status walk_log(db *d, entry_fn fn, void *ctx, errbuf *err)
{
	char after[24] = "-1";
	for (;;) {
		const char *p[] = {after};
		const int fmt[] = {0};
		PGresult *r = NULL;
		/* Binary results: the note exactly as stored. */
		PGresult *res = PQexecParams(db_conn(d),
					     "SELECT idx, leaf, note FROM custos.log_entry "
					     "WHERE idx > $1::bigint ORDER BY idx LIMIT " PAGE,
					     1, NULL, p, NULL, fmt, 1);
		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
			/* run it again through db_exec for the error mapping */
			PQclear(res);
			status st = db_exec(d, "SELECT idx FROM custos.log_entry WHERE idx > $1::bigint "
					       "LIMIT 1", 1, p, &r, err);
			PQclear(r);
			return st != ST_OK ? st : err_set(err, ST_DB, "cannot read the log");
		}
		int n = PQntuples(res);
		status st = ST_OK;
		for (int row = 0; row < n && st == ST_OK; row++) {
			const uint8_t *v = (const uint8_t *)PQgetvalue(res, row, 0);
			uint64_t idx = 0;
			for (int b = 0; b < 8; b++)
				idx = idx << 8 | v[b];
			if (PQgetlength(res, row, 1) != SHA256_LEN) {
				st = err_set(err, ST_CORRUPT, "entry %llu: stored leaf hash malformed",
					     (unsigned long long)idx);
				break;
			}
			st = fn(ctx, idx, (const uint8_t *)PQgetvalue(res, row, 2),
				(size_t)PQgetlength(res, row, 2),
				(const uint8_t *)PQgetvalue(res, row, 1), err);
			snprintf(after, sizeof after, "%llu", (unsigned long long)idx);
		}
		PQclear(res);
		if (st != ST_OK || n == 0)
			return st;
	}
}

typedef struct vctx {
	replay *r;
	logverify_report *rep;
	uint64_t expect, total;
	logverify_progress_fn progress;
	void *pctx;
} vctx;

/* How often (in entries) the progress callback hears of the walk. */
#define PROGRESS_EVERY 64

static status verify_one(void *ctx, uint64_t idx, const uint8_t *rec, size_t len,
			 const uint8_t leaf[SHA256_LEN], errbuf *err)
{
	vctx *v = ctx;
	(void)err;
	errbuf e = {0};
	uint8_t mine[SHA256_LEN];
	status st = ST_OK;
	if (idx != v->expect)
		st = err_set(&e, ST_FORMAT, "entry %llu is missing from the database (the next "
			     "stored entry is %llu)", (unsigned long long)v->expect,
			     (unsigned long long)idx);
	if (st == ST_OK)
		st = replay_apply(v->r, rec, len, &e);
	if (st == ST_OK) {
		sha256_leaf(rec, len, mine);
		if (memcmp(mine, leaf, SHA256_LEN) != 0)
			st = err_set(&e, ST_CORRUPT, "entry %llu: the stored leaf hash is not the "
				     "entry's", (unsigned long long)idx);
	}
	if (st != ST_OK) {
		v->rep->log_ok = false;
		v->rep->failed_index = idx != v->expect ? v->expect : idx;
		snprintf(v->rep->reason, sizeof v->rep->reason, "%s", err_text(&e, st));
		return ST_PROOF; /* stop the walk; the verdict is in the report */
	}
	v->expect++;
	v->rep->entries++;
	if (v->progress != NULL && v->rep->entries % PROGRESS_EVERY == 0)
		v->progress(v->pctx, v->rep->entries, v->total, "entries");
	return ST_OK;
}

/* Open the read-only snapshot that a reading of the whole log runs in,
 * for an administrator or an auditor only (ST_DENIED for anyone else: row
 * level security would show them a part as if it were all).  The caller
 * rolls back, also after a failure. */
static status begin_whole_log(db *d, errbuf *err)
{
	status st = db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL,
			    err);
	PGresult *h = NULL;
	if (st == ST_OK)
		st = db_exec(d, "SELECT sees_all() OR is_owner()", 0, NULL, &h, err);
	if (st != ST_OK)
		return st;
	bool all = strcmp(db_val(h, 0, 0), "t") == 0;
	PQclear(h);
	if (!all)
		return err_set(err, ST_DENIED, "only an administrator or an auditor reads the whole "
			       "log; '%s' is neither", db_user(d));
	return ST_OK;
}

/* ---- the certified lists ---------------------------------------------------- */

/* A certification of the log: its index and its entry (rules_is_certification). */
typedef struct certified {
	uint64_t idx;
	entry e;
} certified;

typedef struct certlist {
	certified *v;
	size_t n;
} certlist;

static void certlist_free(certlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		entry_free(&l->v[i].e);
	free(l->v);
	*l = (certlist){0};
}

/* The log's certifications, in index order, from the snapshot the replay
 * verified (so every note parses; one that does not is ST_CORRUPT). */
static status certlist_load(db *d, certlist *l, errbuf *err)
{
	PGresult *res = NULL;
	status st = db_exec(d, "SELECT idx, convert_from(note, 'UTF8') FROM custos.log_entry "
			       "WHERE action IN ('inventory', 'custodian-change') ORDER BY idx",
			    0, NULL, &res, err);
	if (st != ST_OK)
		return st;
	int rows = PQntuples(res);
	if (rows > 0 && (l->v = calloc((size_t)rows, sizeof *l->v)) == NULL)
		st = err_set(err, ST_NOMEM, "out of memory");
	note nt;
	for (int i = 0; i < rows && st == ST_OK; i++) {
		certified *c = &l->v[l->n];
		c->idx = (uint64_t)strtoull(PQgetvalue(res, i, 0), NULL, 10);
		if (note_parse(PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1), &nt, NULL) !=
			    ST_OK ||
		    entry_parse(nt.text, nt.textlen, &c->e, NULL) != ST_OK) {
			entry_free(&c->e);
			st = err_set(err, ST_CORRUPT, "log entry %llu does not parse",
				     (unsigned long long)c->idx);
		} else if (rules_is_certification(&c->e)) {
			l->n++;
		} else {
			entry_free(&c->e);
		}
	}
	PQclear(res);
	return st;
}

static const certified *certlist_find(const certlist *l, uint64_t idx)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->v[mid].idx == idx)
			return &l->v[mid];
		if (l->v[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Judge one stored list (the lines of log entry idx, in line order: dg
 * has them all, `inorder` false if a line number was not the next) and
 * name it when it is a difference. */
static void judge_list(const certlist *l, uint64_t idx, rules_list_digest *dg, bool inorder,
		       uint64_t lines, logverify_diff_fn diff, void *ctx, uint64_t *differences)
{
	uint8_t digest[SHA256_LEN];
	uint64_t count = 0;
	rules_list_digest_final(dg, digest, &count);
	const certified *c = certlist_find(l, idx);
	char line[256];
	errbuf why = {0};
	const char *s = lines == 1 ? "" : "s";
	if (c == NULL)
		snprintf(line, sizeof line, "certified list of log entry %llu: %llu line%s kept for "
			 "an entry that is no certification", (unsigned long long)idx,
			 (unsigned long long)lines, s);
	else if (!inorder) /* a line numbered out of turn, or refused by the digest */
		snprintf(line, sizeof line, "certified list of %s (log entry %llu): its %llu line%s "
			 "are not a list (numbered out of order, or a line out of place)",
			 c->e.txn, (unsigned long long)idx, (unsigned long long)lines, s);
	else if (rules_check_certification(&c->e, count, digest, &why) != ST_OK)
		snprintf(line, sizeof line, "certified list of %s (log entry %llu): its %llu line%s "
			 "do not hash to the signed list_sha256", c->e.txn, (unsigned long long)idx,
			 (unsigned long long)lines, s);
	else
		return;
	(*differences)++;
	diff(ctx, line);
}

/* Compare custos.certified_item with the log's certifications: every list
 * kept must hash to its entry's list_sha256; a certification of items with
 * no list kept counts in rep->unlisted. */
static status compare_certified(db *d, logverify_report *rep, logverify_diff_fn diff, void *ctx,
				errbuf *err)
{
	certlist l = {0};
	status st = certlist_load(d, &l, err);
	size_t next = 0; /* the next certification not yet matched to a list */
	dbrows c = {.d = d, .err = err};
	bool declared = false;
	if (st == ST_OK)
		st = db_exec_adhoc(d, "DECLARE custos_verify NO SCROLL CURSOR FOR SELECT idx, line, "
				      "title, edition, serial, qty FROM custos.certified_item "
				      "ORDER BY idx, line", 0, NULL, NULL, err);
	if (st == ST_OK) {
		declared = true;
		st = rows_fetch(&c);
	}
	rules_list_digest dg;
	uint64_t cur = 0, lines = 0;
	bool open = false, inorder = true;
	for (;;) {
		if (st != ST_OK)
			break;
		bool end = c.done || c.row >= PQntuples(c.r);
		if (end && !c.done) {
			if ((st = rows_fetch(&c)) != ST_OK)
				break;
			continue;
		}
		uint64_t idx = end ? 0 : (uint64_t)strtoull(PQgetvalue(c.r, c.row, 0), NULL, 10);
		if (open && (end || idx != cur)) {
			judge_list(&l, cur, &dg, inorder, lines, diff, ctx, &rep->differences);
			open = false;
		}
		/* certifications before this list that keep none */
		while (next < l.n && (end || l.v[next].idx < idx)) {
			const char *s = entry_detail_value(&l.v[next].e, "sighted");
			if (s != NULL && strcmp(s, "0") != 0 && rep->unlisted++ == 0)
				rep->first_unlisted = l.v[next].idx;
			next++;
		}
		if (end)
			break;
		if (!open) {
			rules_list_digest_init(&dg);
			open = true, inorder = true, cur = idx, lines = 0;
			if (next < l.n && l.v[next].idx == idx)
				next++;
		}
		long qty = strtol(PQgetvalue(c.r, c.row, 5), NULL, 10);
		inorder = inorder &&
			  strtoull(PQgetvalue(c.r, c.row, 1), NULL, 10) == lines + 1 &&
			  qty >= 1 && qty <= UINT32_MAX &&
			  rules_list_digest_add(&dg, PQgetvalue(c.r, c.row, 2), PQgetvalue(c.r, c.row, 3),
						PQgetvalue(c.r, c.row, 4), (uint32_t)qty);
		lines++;
		c.row++;
	}
	if (open) { /* a failure midway: release the digest */
		uint8_t dummy[SHA256_LEN];
		uint64_t n;
		rules_list_digest_final(&dg, dummy, &n);
	}
	if (declared)
		rows_close(&c);
	certlist_free(&l);
	return st;
}

status logverify_run(db *d, logverify_report *rep, logverify_diff_fn diff, void *ctx,
		     errbuf *err)
{
	return logverify_run_progress(d, rep, diff, ctx, NULL, NULL, err);
}

status logverify_run_progress(db *d, logverify_report *rep, logverify_diff_fn diff, void *ctx,
			      logverify_progress_fn progress, void *pctx, errbuf *err)
{
	memset(rep, 0, sizeof *rep);
	rep->log_ok = true;
	replay *r = replay_new();
	if (r == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	kvlist logl = {0};
	PGresult *h = NULL;
	status st = begin_whole_log(d, err);
	if (st != ST_OK)
		goto out;
	vctx v = {r, rep, 0, 0, progress, pctx};
	if (progress != NULL) {
		if ((st = db_exec(d, "SELECT size FROM log_head", 0, NULL, &h, err)) != ST_OK)
			goto out;
		v.total = PQntuples(h) == 1 ? (uint64_t)db_int(h, 0, 0) : 0;
		PQclear(h);
		progress(pctx, 0, v.total, "entries");
	}
	st = walk_log(d, verify_one, &v, err);
	if (progress != NULL)
		progress(pctx, rep->entries, v.total, "entries");
	if (st == ST_PROOF) {
		st = ST_OK;
		goto out;
	}
	if (st != ST_OK)
		goto out;
	/* The head must be where the log ends. */
	if ((st = db_exec(d, "SELECT size, last_leaf FROM log_head", 0, NULL, &h, err)) != ST_OK)
		goto out;
	uint8_t leaf[SHA256_LEN] = {0};
	bool head_ok = PQntuples(h) == 1 && (uint64_t)db_int(h, 0, 0) == rep->entries &&
		       hex_to(db_val(h, 0, 1), leaf, SHA256_LEN) == ST_OK &&
		       memcmp(leaf, replay_last_leaf(r), SHA256_LEN) == 0;
	PQclear(h);
	if (!head_ok) {
		rep->log_ok = false;
		rep->failed_index = rep->entries;
		snprintf(rep->reason, sizeof rep->reason, "the log head does not point at the last "
			 "entry (%llu entries)", (unsigned long long)rep->entries);
		goto out;
	}
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		if (progress != NULL)
			progress(pctx, t, sizeof tables / sizeof tables[0], "tables");
		switch (t) {
		case 0: replay_each_account(r, each_account, &logl); break;
		case 1: replay_each_person(r, each_person, &logl); break;
		case 2: replay_each_role(r, each_role, &logl); break;
		case 3: break; /* merged as they come: compare_items */
		case 4: replay_each_txn(r, each_txn, &logl); break;
		case 5: replay_each_incident(r, each_incident, &logl); break;
		case 6: replay_each_outside(r, each_outside, &logl); break;
		case 7: replay_each_old_key(r, each_old_key, &logl); break;
		case 8: each_policy(r, &logl); break;
		default: replay_each_policy_set(r, each_policy_set, &logl); break;
		}
		if (logl.failed) {
			st = err_set(err, ST_NOMEM, "out of memory");
			goto out;
		}
		dbrows c = {.d = d, .err = err};
		if ((st = rows_open(&c, &tables[t], t == 3)) == ST_OK)
			st = t == 3 ? compare_items(r, &c, diff, ctx, &rep->differences)
				    : compare(tables[t].what, &c, &logl, diff, ctx, &rep->differences);
		rows_close(&c);
		kv_free(&logl);
		if (st != ST_OK)
			goto out;
	}
	st = compare_certified(d, rep, diff, ctx, err);
out:
	rep->valid = st == ST_OK && rep->log_ok && rep->differences == 0;
	db_rollback(d);
	kv_free(&logl);
	replay_free(r);
	return st;
}

typedef struct ectx {
	FILE *log;
	uint64_t n;
} ectx;

static status export_one(void *ctx, uint64_t idx, const uint8_t *rec, size_t len,
			 const uint8_t leaf[SHA256_LEN], errbuf *err)
{
	ectx *e = ctx;
	(void)leaf;
	if (idx != e->n)
		return err_set(err, ST_CORRUPT, "entry %llu is missing from the database",
			       (unsigned long long)e->n);
	status st = logfile_write(e->log, rec, len);
	if (st != ST_OK)
		return err_set(err, st, "cannot write the log file");
	e->n++;
	return ST_OK;
}

status logverify_export(db *d, FILE *log, FILE *keys, uint64_t *entries, errbuf *err)
{
	*entries = 0;
	status st = db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL,
			    err);
	if (st != ST_OK)
		return st;
	ectx e = {log, 0};
	st = walk_log(d, export_one, &e, err);
	PGresult *r = NULL;
	if (st == ST_OK)
		st = db_exec(d, "SELECT vkey FROM (SELECT vkey, enrolled_idx AS since FROM person "
				"UNION ALL SELECT vkey, from_idx FROM person_key) k ORDER BY since, vkey",
			     0, NULL, &r, err);
	if (st == ST_OK) {
		fputs("# custos trust file: every key ever enrolled in this log\n", keys);
		for (int row = 0; row < PQntuples(r); row++)
			fprintf(keys, "%s\n", db_val(r, row, 0));
		PQclear(r);
		if (fflush(keys) != 0 || fflush(log) != 0)
			st = err_set(err, ST_IO, "cannot write the export");
	}
	db_rollback(d);
	*entries = e.n;
	return st;
}

typedef struct actx {
	struct audit *a;
	merkle_stream ms;
	uint64_t n;
	bool keep;          /* keep every leaf (logverify_audit_log) */
	uint8_t *leaves;
	uint64_t cap;
} actx;

static status audit_one(void *ctx, uint64_t idx, const uint8_t *rec, size_t len,
			const uint8_t leaf[SHA256_LEN], errbuf *err)
{
	actx *c = ctx;
	if (idx != c->n)
		return err_set(err, ST_CORRUPT, "entry %llu is missing from the database",
			       (unsigned long long)c->n);
	uint8_t mine[SHA256_LEN];
	sha256_leaf(rec, len, mine);
	if (memcmp(mine, leaf, SHA256_LEN) != 0)
		return err_set(err, ST_CORRUPT, "entry %llu: the stored leaf hash is not the entry's",
			       (unsigned long long)idx);
	status st = audit_add_record(c->a, rec, len, err);
	if (st != ST_OK)
		return st;
	if (c->keep) {
		if (c->n == c->cap) {
			uint64_t nc = c->cap ? c->cap * 2 : 1024;
			uint8_t *q = nc <= SIZE_MAX / SHA256_LEN ? realloc(c->leaves, nc * SHA256_LEN) : NULL;
			if (q == NULL)
				return err_set(err, ST_NOMEM, "out of memory");
			c->leaves = q;
			c->cap = nc;
		}
		memcpy(c->leaves + c->n * SHA256_LEN, mine, SHA256_LEN);
	}
	merkle_stream_push(&c->ms, mine);
	c->n++;
	return ST_OK;
}

/* The walk of logverify_audit and logverify_audit_log, in the snapshot
 * (the caller begins and rolls back); c->a is set, and c->keep. */
static status audit_walk(db *d, actx *c, uint8_t root[32], uint64_t *size, errbuf *err)
{
	PGresult *h = NULL;
	status st = walk_log(d, audit_one, c, err);
	if (st == ST_OK &&
	    (st = db_exec(d, "SELECT size FROM log_head", 0, NULL, &h, err)) == ST_OK) {
		if (PQntuples(h) != 1 || (uint64_t)db_int(h, 0, 0) != c->n)
			st = err_set(err, ST_CORRUPT, "the log head does not point at the last entry "
				     "(%llu entries)", (unsigned long long)c->n);
		PQclear(h);
	}
	if (st == ST_OK) {
		merkle_stream_root(&c->ms, root);
		*size = c->n;
	}
	return st;
}

status logverify_audit(db *d, struct audit *a, uint8_t root[32], uint64_t *size, errbuf *err)
{
	*size = 0;
	memset(root, 0, 32);
	actx *c = NULL;
	status st = begin_whole_log(d, err);
	if (st == ST_OK && (c = calloc(1, sizeof *c)) == NULL)
		st = err_set(err, ST_NOMEM, "out of memory");
	if (st == ST_OK) {
		c->a = a;
		st = audit_walk(d, c, root, size, err);
	}
	free(c);
	db_rollback(d);
	return st;
}

status logverify_audit_log(db *d, struct audit *a, logverify_audited *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	actx *c = NULL;
	PGresult *h = NULL;
	status st = begin_whole_log(d, err);
	if (st == ST_OK && (c = calloc(1, sizeof *c)) == NULL)
		st = err_set(err, ST_NOMEM, "out of memory");
	if (st == ST_OK) {
		c->a = a;
		c->keep = true;
		st = audit_walk(d, c, out->root, &out->size, err);
	}
	if (st == ST_OK)
		st = audit_finish(a, err);
	char size[24];
	snprintf(size, sizeof size, "%llu", (unsigned long long)out->size);
	const char *p[] = {size};
	if (st == ST_OK)
		st = db_exec(d, "SELECT root, (SELECT count(*) FROM custos.cosignature s "
				"WHERE s.size = k.size) FROM custos.checkpoint k WHERE size = $1::bigint",
			     1, p, &h, err);
	if (st == ST_OK && PQntuples(h) == 1) {
		uint8_t root[SHA256_LEN];
		if (hex_to(db_val(h, 0, 0), root, SHA256_LEN) != ST_OK ||
		    memcmp(root, out->root, SHA256_LEN) != 0)
			st = err_set(err, ST_CORRUPT, "the stored checkpoint of size %s has another root "
				     "than the log's entries", size);
		out->checkpoint = true;
		out->cosignatures = (uint64_t)db_int(h, 0, 1);
	}
	PQclear(h);
	if (st == ST_OK) {
		out->leaves = c->leaves;
		c->leaves = NULL;
	}
	if (c != NULL)
		free(c->leaves);
	free(c);
	db_rollback(d);
	return st;
}
