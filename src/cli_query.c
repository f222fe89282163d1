/* custos holdings | history | txn list | alarms | person list | account list:
 * the read side of the ledger on the command line (src/query.h does the
 * work; this file parses options and prints). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "cli.h"
#include "db.h"
#include "json.h"
#include "ledger.h"
#include "query.h"
#include "rules.h"
#include "safeprint.h"
#include "utf8.h"

enum {
	O_DB = 1 << 0, O_JSON = 1 << 1, O_ACCOUNT = 1 << 2, O_STATUS = 1 << 3,
	O_KIND = 1 << 4, O_CLASS = 1 << 5, O_ALC = 1 << 6, O_TITLE = 1 << 7,
	O_SERIAL = 1 << 8, O_LIMIT = 1 << 9, O_AFTER = 1 << 10,
	O_ACTION = 1 << 11, O_OPEN = 1 << 12, O_PERSON = 1 << 13, O_SINCE = 1 << 14,
	O_UNTIL = 1 << 15,
};

static const struct option {
	const char *name;
	unsigned flag;
	bool arg;
} options[] = {
	{"--db", O_DB, true},           {"--json", O_JSON, false},
	{"--account", O_ACCOUNT, true}, {"--status", O_STATUS, true},
	{"--kind", O_KIND, true},       {"--class", O_CLASS, true},
	{"--alc", O_ALC, true},         {"--title", O_TITLE, true},
	{"--serial", O_SERIAL, true},   {"--limit", O_LIMIT, true},
	{"--after", O_AFTER, true},     {"--action", O_ACTION, true},
	{"--open", O_OPEN, false},      {"--person", O_PERSON, true},
	{"--since", O_SINCE, true},     {"--until", O_UNTIL, true},
};

typedef struct opts {
	unsigned seen;
	const char *db, *account, *status, *kind, *cls, *title, *serial, *after, *action;
	const char *person, *since, *until; /* access */
	const char *operand; /* history: the item */
	int alc, limit;      /* 0 when not given */
} opts;

/* A verb is its row in cli.c's table; its id is a CLI_Q_ code. */
typedef cli_verb verb;

/* ---- messages ------------------------------------------------------------- */

/* A failed query: usage for a bad filter or cursor, else a failure. */
static int fail(const verb *v, status st, const errbuf *err)
{
	fprintf(stderr, "custos %s: ", v->words);
	safe_fputs(err_text(err, st), stderr);
	fputc('\n', stderr);
	return st == ST_USAGE ? CLI_USAGE : CLI_FAIL;
}

/* ---- output helpers ----------------------------------------------------------- */

/* Display width, roughly: code points (safe_fputs may widen control
 * characters into escapes; alignment is then only approximate). */
static size_t width(const char *s)
{
	size_t w = 0, len = strlen(s);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		i += n ? n : 1;
		w++;
	}
	return w;
}

/* Print an untrusted cell padded to w (no padding after the last column). */
static void cell(const char *s, size_t w, bool last)
{
	safe_fputs(s, stdout);
	if (last) {
		fputc('\n', stdout);
		return;
	}
	for (size_t n = width(s); n < w; n++)
		fputc(' ', stdout);
	fputs("  ", stdout);
}

/* A table of ncol columns and n rows given by get(ctx, row, col); row -1
 * asks for the headers.  Columns are as wide as their widest cell so far:
 * w[] carries the widths from page to page (zeroed before the first), and
 * the header is printed when `header` is set. */
#define MAXCOLS 12
typedef const char *(*cell_fn)(const void *ctx, long row, int col, char tmp[64]);

static void table_pages(const void *ctx, size_t n, int ncol, cell_fn get, size_t w[MAXCOLS],
			bool header)
{
	char tmp[64];
	for (long r = -1; r < (long)n; r++)
		for (int c = 0; c < ncol; c++) {
			size_t cw = width(get(ctx, r, c, tmp));
			if (cw > w[c])
				w[c] = cw;
		}
	for (long r = header ? -1 : 0; r < (long)n; r++)
		for (int c = 0; c < ncol; c++)
			cell(get(ctx, r, c, tmp), w[c], c == ncol - 1);
}

/* A one-page table. */
static void table(const void *ctx, size_t n, int ncol, cell_fn get)
{
	size_t w[MAXCOLS] = {0};
	table_pages(ctx, n, ncol, get, w, true);
}

/* "2026-01-31T12:34:56.123456Z" as "2026-01-31 12:34Z" for tables. */
static const char *short_time(const char *t, char tmp[64])
{
	if (strlen(t) < 16)
		return t;
	snprintf(tmp, 64, "%.10s %.5sZ", t, t + 11);
	return tmp;
}

static void next_line(const char *next)
{
	if (next[0] != '\0')
		printf("next page: --after %s\n", next);
}

static void json_next(const char *next)
{
	fputs(",\"next\":", stdout);
	if (next[0] != '\0')
		json_str(stdout, next);
	else
		fputs("null", stdout);
}

static void json_key(const char *k, const char *v, bool comma)
{
	if (comma)
		fputc(',', stdout);
	json_str(stdout, k);
	fputc(':', stdout);
	json_str(stdout, v);
}

static void json_num(const char *k, long long v)
{
	printf(",\"%s\":%lld", k, v);
}

/* ---- holdings ------------------------------------------------------------------- */

static const char *item_with(const query_item *it)
{
	if (it->holder[0])
		return it->holder;
	if (it->incident[0])
		return it->incident;
	return it->peer;
}

/* Keying material held: in reserve or in effect (key-effective); "" for
 * anything else. */
static const char *item_use(const query_item *it)
{
	int st = item_status_from_name(it->status);
	if (st < 0)
		return "";
	return item_use_name(strcmp(it->kind, "key") == 0, (item_status)st, it->in_effect);
}

static const char *holdings_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"ACCOUNT", "TITLE", "EDITION", "SERIAL", "KIND", "CLASS",
					   "ALC",     "QTY",   "STATUS",  "USE",    "WITH",  "SINCE"};
	if (row < 0)
		return head[col];
	const query_item *it = &((const query_items *)ctx)->rows[row];
	switch (col) {
	case 0: return it->account;
	case 1: return it->title;
	case 2: return it->edition;
	case 3: return it->serial;
	case 4: return it->kind;
	case 5: return it->cls;
	case 6: snprintf(tmp, 64, "%d", it->alc); return tmp;
	case 7: snprintf(tmp, 64, "%lld", (long long)it->qty); return tmp;
	case 8: return it->status;
	case 9: return item_use(it);
	case 10: return item_with(it);
	default: return short_time(it->since, tmp);
	}
}

static void json_item(const query_item *it)
{
	json_key("account", it->account, false);
	json_key("title", it->title, true);
	json_key("edition", it->edition, true);
	json_key("serial", it->serial, true);
	json_key("kind", it->kind, true);
	json_key("class", it->cls, true);
	json_num("alc", it->alc);
	printf(",\"crypto\":%s", it->crypto ? "true" : "false");
	json_num("qty", it->qty);
	json_key("effective", it->effective, true);
	json_key("supersedes", it->supersedes, true);
	json_key("status", it->status, true);
	json_key("holder", it->holder, true);
	json_key("peer", it->peer, true);
	json_key("incident", it->incident, true);
	json_key("last_txn", it->last_txn, true);
	json_num("last_index", it->last_index);
	json_key("since", it->since, true);
	printf(",\"in_effect\":%s", it->in_effect ? "true" : "false");
}

static int run_holdings(const verb *v, const opts *o, db *d)
{
	/* Every item, a page of the largest size at a time, unless --limit
	 * asks for one page (query_holdings' default page is the TUI's). */
	bool json = o->seen & O_JSON, all = !(o->seen & O_LIMIT);
	query_holdings_filter f = {
		.account = o->account, .status = o->status, .kind = o->kind, .cls = o->cls,
		.alc = o->alc, .title = o->title, .serial = o->serial,
		.limit = all ? QUERY_LIMIT_MAX : o->limit, .after = o->after,
	};
	char after[QUERY_CURSOR_MAX] = "";
	size_t total = 0, w[MAXCOLS] = {0};
	if (json)
		fputs("{\"items\":[", stdout);
	for (;;) {
		query_items page;
		errbuf err = {0};
		status st = query_holdings(d, &f, &page, &err);
		if (st != ST_OK) {
			if (json)
				fputs("]}\n", stdout); /* keep stdout well-formed */
			return fail(v, st, &err);
		}
		if (json) {
			for (size_t i = 0; i < page.n; i++) {
				fputs(total + i ? ",{" : "{", stdout);
				json_item(&page.rows[i]);
				fputc('}', stdout);
			}
		} else if (page.n > 0) {
			table_pages(&page, page.n, 12, holdings_cell, w, total == 0);
		}
		total += page.n;
		snprintf(after, sizeof after, "%s", page.next);
		query_items_free(&page);
		if (!all || after[0] == '\0')
			break;
		f.after = after;
	}
	if (json) {
		fputc(']', stdout);
		json_next(all ? "" : after);
		fputs("}\n", stdout);
	} else {
		if (total == 0)
			puts("no items");
		if (!all)
			next_line(after);
	}
	return CLI_OK;
}

/* ---- history ---------------------------------------------------------------------- */

static const char *history_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"INDEX", "TIME", "ACTION", "TXN", "ACTOR", "SIGNERS"};
	if (row < 0)
		return head[col];
	const query_event *e = &((const query_history *)ctx)->rows[row];
	switch (col) {
	case 0: snprintf(tmp, 64, "%lld", (long long)e->index); return tmp;
	case 1: return e->time;
	case 2: return e->action;
	case 3: return e->txn;
	case 4: return e->actor;
	default: return e->signers;
	}
}

static int run_history(const verb *v, const opts *o, db *d)
{
	entry_item id;
	errbuf err = {0};
	status st = ledger_parse_item(o->operand, true, &id, &err);
	if (st != ST_OK)
		return fail(v, ST_USAGE, &err);
	query_history_filter f = {
		.title = id.title, .edition = id.edition, .serial = id.serial,
		.limit = o->limit, .after = o->after,
	};
	query_history h;
	if ((st = query_item_history(d, &f, &h, &err)) != ST_OK)
		return fail(v, st, &err);
	if (o->seen & O_JSON) {
		fputs("{\"item\":{", stdout);
		json_item(&h.item);
		fputs("},\"entries\":[", stdout);
		for (size_t i = 0; i < h.n; i++) {
			const query_event *e = &h.rows[i];
			printf("%s{\"index\":%lld", i ? "," : "", (long long)e->index);
			json_key("time", e->time, true);
			json_key("action", e->action, true);
			json_key("txn", e->txn, true);
			json_key("account", e->account, true);
			json_key("actor", e->actor, true);
			fputs(",\"signers\":[", stdout);
			const char *s = e->signers;
			for (bool first = true; *s;) {
				size_t len = strcspn(s, " ");
				if (!first)
					fputc(',', stdout);
				json_string(stdout, s, len);
				first = false;
				s += len;
				s += *s == ' ';
			}
			fputs("]}", stdout);
		}
		fputc(']', stdout);
		json_next(h.next);
		fputs("}\n", stdout);
	} else {
		const query_item *it = &h.item;
		fputs("item: ", stdout);
		safe_fputs(it->title, stdout);
		if (it->edition[0]) {
			fputs("  edition ", stdout);
			safe_fputs(it->edition, stdout);
		}
		if (it->serial[0]) {
			fputs("  serial ", stdout);
			safe_fputs(it->serial, stdout);
		}
		fputs("\nnow: ", stdout);
		safe_fputs(it->status, stdout);
		if (item_use(it)[0]) {
			fputs(" (", stdout);
			fputs(item_use(it), stdout);
			fputc(')', stdout);
		}
		fputs(" on account ", stdout);
		safe_fputs(it->account, stdout);
		fputs(" ALC ", stdout);
		printf("%d", it->alc);
		fputs(" since ", stdout);
		safe_fputs(it->since, stdout);
		fputs("\n\n", stdout);
		if (h.n > 0)
			table(&h, h.n, 6, history_cell);
		else
			puts("no entries");
		next_line(h.next);
	}
	query_history_free(&h);
	return CLI_OK;
}

/* ---- transactions ----------------------------------------------------------------- */

static const char *txn_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"TXN",    "TIME", "ACTION", "PEER",
					   "HOLDER", "REF",  "OPEN",   "INDEX"};
	if (row < 0)
		return head[col];
	const query_txn *t = &((const query_txns *)ctx)->rows[row];
	switch (col) {
	case 0: return t->number;
	case 1: return short_time(t->time, tmp);
	case 2: return t->action;
	case 3: return t->peer;
	case 4: return t->holder;
	case 5: return t->ref;
	case 6: return t->open ? "open" : "";
	default: snprintf(tmp, 64, "%lld", (long long)t->index); return tmp;
	}
}

static int run_txn(const verb *v, const opts *o, db *d)
{
	errbuf err = {0};
	status st;
	char account[8] = "";
	if (o->account == NULL) {
		/* A login that sees one account need not name it. */
		query_accounts acc;
		if ((st = query_account_list(d, 2, NULL, &acc, &err)) != ST_OK)
			return fail(v, st, &err);
		size_t n = acc.n;
		if (n == 1)
			snprintf(account, sizeof account, "%s", acc.rows[0].number);
		query_accounts_free(&acc);
		if (n != 1)
			return cli_usage_error(v, n ? "this login sees several accounts: give --account"
					       : "this login sees no account", NULL);
	}
	query_txn_filter f = {
		.account = o->account ? o->account : account, .action = o->action,
		.open_only = o->seen & O_OPEN, .limit = o->limit, .after = o->after,
	};
	query_txns t, in = {0};
	if ((st = query_txn_list(d, &f, &t, &err)) != ST_OK)
		return fail(v, st, &err);
	/* With the first page: what other accounts have sent here. */
	if (o->after == NULL && (st = query_txn_incoming(d, f.account, 1000, &in, &err)) != ST_OK) {
		query_txns_free(&t);
		return fail(v, st, &err);
	}
	if (o->seen & O_JSON) {
		fputs("{\"transactions\":[", stdout);
		for (size_t i = 0; i < t.n; i++) {
			const query_txn *x = &t.rows[i];
			fputs(i ? ",{" : "{", stdout);
			json_key("number", x->number, false);
			json_key("account", x->account, true);
			json_num("year", x->year);
			json_num("seq", x->seq);
			json_key("action", x->action, true);
			json_key("time", x->time, true);
			json_key("peer", x->peer, true);
			json_key("holder", x->holder, true);
			json_key("ref", x->ref, true);
			printf(",\"open\":%s", x->open ? "true" : "false");
			json_num("index", x->index);
			fputc('}', stdout);
		}
		fputs("],\"incoming\":[", stdout);
		for (size_t i = 0; i < in.n; i++) {
			const query_txn *x = &in.rows[i];
			fputs(i ? ",{" : "{", stdout);
			json_key("number", x->number, false);
			json_key("from", x->account, true);
			json_key("time", x->time, true);
			json_num("index", x->index);
			fputc('}', stdout);
		}
		fputc(']', stdout);
		json_next(t.next);
		fputs("}\n", stdout);
	} else {
		if (t.n > 0)
			table(&t, t.n, 8, txn_cell);
		else
			puts("no transactions");
		if (in.n > 0) {
			fputs("\nin transit to ", stdout);
			safe_fputs(f.account, stdout);
			fputs(", to accept (custos accept TXN):\n", stdout);
			table(&in, in.n, 8, txn_cell);
		}
		next_line(t.next);
	}
	query_txns_free(&t);
	query_txns_free(&in);
	return CLI_OK;
}

/* ---- alarms ------------------------------------------------------------------------ */

/* "3d 04h 05m" */
static const char *duration(int64_t s, char tmp[64])
{
	long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
	if (d > 0)
		snprintf(tmp, 64, "%lldd %02lldh %02lldm", d, h, m);
	else
		snprintf(tmp, 64, "%lldh %02lldm", h, m);
	return tmp;
}

static const char *alarm_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"ALARM", "ACCOUNT", "SUBJECT", "SINCE", "OVERDUE BY"};
	if (row < 0)
		return head[col];
	const query_alarm *a = &((const query_alarms *)ctx)->rows[row];
	switch (col) {
	case 0: return a->kind;
	case 1: return a->account;
	case 2: return a->subject;
	case 3: return short_time(a->since, tmp);
	default: return duration(a->overdue_seconds, tmp);
	}
}

static int run_alarms(const verb *v, const opts *o, db *d)
{
	errbuf err = {0};
	query_alarms a;
	status st = query_alarm_list(d, o->account, &a, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	if (o->seen & O_JSON) {
		fputs("{\"now\":", stdout);
		if (a.n > 0)
			json_str(stdout, a.now);
		else
			fputs("null", stdout);
		fputs(",\"alarms\":[", stdout);
		for (size_t i = 0; i < a.n; i++) {
			const query_alarm *x = &a.rows[i];
			fputs(i ? ",{" : "{", stdout);
			json_key("kind", x->kind, false);
			json_key("account", x->account, true);
			json_key("subject", x->subject, true);
			json_key("since", x->since, true);
			json_num("overdue_seconds", x->overdue_seconds);
			fputc('}', stdout);
		}
		fputs("]}\n", stdout);
	} else if (a.n > 0) {
		table(&a, a.n, 5, alarm_cell);
	} else {
		puts("no alarms");
	}
	query_alarms_free(&a);
	return CLI_OK;
}

/* ---- people and accounts ------------------------------------------------------------- */

static const char *person_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"NAME", "LOGIN", "ENROLLED", "REVOKED", "ROLES"};
	if (row < 0)
		return head[col];
	const query_person *p = &((const query_persons *)ctx)->rows[row];
	switch (col) {
	case 0: return p->name;
	case 1: return p->login;
	case 2: snprintf(tmp, 64, "%lld", (long long)p->enrolled_index); return tmp;
	case 3:
		if (!p->revoked)
			return "";
		snprintf(tmp, 64, "%lld", (long long)p->revoked_index);
		return tmp;
	default: return p->roles;
	}
}

static int run_person_list(const verb *v, const opts *o, db *d)
{
	errbuf err = {0};
	query_persons p;
	status st = query_person_list(d, o->limit, o->after, &p, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	if (o->seen & O_JSON) {
		fputs("{\"persons\":[", stdout);
		for (size_t i = 0; i < p.n; i++) {
			const query_person *x = &p.rows[i];
			fputs(i ? ",{" : "{", stdout);
			json_key("name", x->name, false);
			json_key("login", x->login, true);
			fputs(",\"roles\":[", stdout);
			const char *s = x->roles;
			for (bool first = true; *s; first = false) {
				size_t len = strcspn(s, " "), colon = strcspn(s, ":");
				fputs(first ? "{\"role\":" : ",{\"role\":", stdout);
				json_string(stdout, s, colon < len ? colon : len);
				fputs(",\"account\":", stdout);
				if (colon < len)
					json_string(stdout, s + colon + 1, len - colon - 1);
				else
					fputs("null", stdout);
				fputc('}', stdout);
				s += len;
				s += *s == ' ';
			}
			fputc(']', stdout);
			json_num("enrolled_index", x->enrolled_index);
			if (x->revoked)
				json_num("revoked_index", x->revoked_index);
			else
				fputs(",\"revoked_index\":null", stdout);
			fputc('}', stdout);
		}
		fputc(']', stdout);
		json_next(p.next);
		fputs("}\n", stdout);
	} else {
		if (p.n > 0)
			table(&p, p.n, 5, person_cell);
		else
			puts("no persons");
		next_line(p.next);
	}
	query_persons_free(&p);
	return CLI_OK;
}

static const char *account_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"ACCOUNT", "OPENED", "INVENTORIED", "OPEN ITEMS", "NAME"};
	if (row < 0)
		return head[col];
	const query_account *a = &((const query_accounts *)ctx)->rows[row];
	switch (col) {
	case 0: return a->number;
	case 1: return short_time(a->opened, tmp);
	case 2: return a->last_inventory[0] ? short_time(a->last_inventory, tmp) : "never";
	case 3: snprintf(tmp, 64, "%lld", (long long)a->open_items); return tmp;
	default: return a->name;
	}
}

static int run_account_list(const verb *v, const opts *o, db *d)
{
	errbuf err = {0};
	query_accounts a;
	status st = query_account_list(d, o->limit, o->after, &a, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	if (o->seen & O_JSON) {
		fputs("{\"accounts\":[", stdout);
		for (size_t i = 0; i < a.n; i++) {
			const query_account *x = &a.rows[i];
			fputs(i ? ",{" : "{", stdout);
			json_key("number", x->number, false);
			json_key("name", x->name, true);
			json_key("opened", x->opened, true);
			fputs(",\"last_inventory\":", stdout);
			if (x->last_inventory[0])
				json_str(stdout, x->last_inventory);
			else
				fputs("null", stdout);
			json_num("open_items", x->open_items);
			fputc('}', stdout);
		}
		fputc(']', stdout);
		json_next(a.next);
		fputs("}\n", stdout);
	} else {
		if (a.n > 0)
			table(&a, a.n, 5, account_cell);
		else
			puts("no accounts");
		next_line(a.next);
	}
	query_accounts_free(&a);
	return CLI_OK;
}

/* custos policy show: every policy of rules.c's table, its value in force
 * and the entry that set it (or its default), from the policy table. */
static int run_policy_show(const verb *v, const opts *o, db *d)
{
	errbuf err = {0};
	query_policy_row rows[POL__COUNT];
	status st = query_policy(d, rows, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	bool json = o->seen & O_JSON;
	if (json)
		fputs("{\"policies\":[", stdout);
	for (int p = 0; p < POL__COUNT; p++) {
		const rules_policy_def *def = rules_policy_of((rules_policy)p);
		char value[24], set[24];
		snprintf(value, sizeof value, "%lld", (long long)rows[p].value);
		snprintf(set, sizeof set, "%llu", (unsigned long long)rows[p].set);
		if (json) {
			fputs(p ? ",{" : "{", stdout);
			json_key("name", def->name, false);
			printf(",\"value\":%s,\"set\":%s", value, rows[p].set ? set : "null");
			json_key("words", def->words, true);
			printf(",\"default\":%lld,\"min\":%lld,\"max\":%lld}", (long long)def->dflt,
			       (long long)def->min, (long long)def->max);
		} else {
			char by[32];
			snprintf(by, sizeof by, rows[p].set ? "entry %.20s" : "default", set);
			printf("%-28s %4s  %-13s %s (%lld to %lld)\n", def->name, value, by,
			       def->words, (long long)def->min, (long long)def->max);
		}
	}
	if (json)
		fputs("]}\n", stdout);
	return CLI_OK;
}

/* ---- access -------------------------------------------------------------------- */

static const char *access_cell(const void *ctx, long row, int col, char tmp[64])
{
	static const char *const head[] = {"AT",     "LOGIN", "PERSON", "KIND",
					   "ACCOUNT", "ACTION", "CODE",  "DETAIL"};
	if (row < 0)
		return head[col];
	const access_event *e = &((const access_events *)ctx)->rows[row];
	switch (col) {
	case 0: return short_time(e->at, tmp);
	case 1: return e->login;
	case 2: return e->person;
	case 3: return e->kind;
	case 4: return e->account;
	case 5: return e->action;
	case 6: return e->code;
	default: return e->detail;
	}
}

/* custos access: the access log (access.h), every matching event oldest
 * first, or one page with --limit; auditors only. */
static int run_access(const verb *v, const opts *o, db *d)
{
	bool json = o->seen & O_JSON, all = !(o->seen & O_LIMIT);
	access_filter f = {
		.person = o->person, .account = o->account, .since = o->since, .until = o->until,
		.kind = o->kind, .after = o->after, .limit = all ? QUERY_LIMIT_MAX : o->limit,
	};
	char after[QUERY_CURSOR_MAX] = "";
	size_t total = 0, w[MAXCOLS] = {0};
	if (json)
		fputs("{\"events\":[", stdout);
	for (;;) {
		access_events page;
		errbuf err = {0};
		status st = access_list(d, &f, &page, &err);
		if (st != ST_OK) {
			if (json)
				fputs("]}\n", stdout); /* keep stdout well-formed */
			return fail(v, st, &err);
		}
		for (size_t i = 0; json && i < page.n; i++) {
			const access_event *e = &page.rows[i];
			fputs(total + i ? ",{" : "{", stdout);
			printf("\"id\":%lld", (long long)e->id);
			json_key("at", e->at, true);
			json_key("login", e->login, true);
			json_key("person", e->person, true);
			json_key("kind", e->kind, true);
			json_key("account", e->account, true);
			json_key("action", e->action, true);
			json_key("code", e->code, true);
			json_key("detail", e->detail, true);
			fputc('}', stdout);
		}
		if (!json && page.n > 0)
			table_pages(&page, page.n, 8, access_cell, w, total == 0);
		total += page.n;
		snprintf(after, sizeof after, "%s", page.next);
		access_events_free(&page);
		if (!all || after[0] == '\0')
			break;
		f.after = after;
	}
	if (json) {
		fputc(']', stdout);
		json_next(all ? "" : after);
		fputs("}\n", stdout);
	} else {
		if (total == 0)
			puts("no events");
		if (!all)
			next_line(after);
	}
	return CLI_OK;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return false;
	*out = (int)n;
	return true;
}

/* Parse argv for verb v.  Returns -1 to go on, else an exit status. */
static int parse(const verb *v, int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	bool dashdash = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && cli_is_help(a))
			return cli_help(v);
		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (v->operand == NULL || o->operand != NULL)
				return cli_usage_error(v, "unexpected argument", a);
			o->operand = a;
			continue;
		}
		const struct option *opt = NULL;
		for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
			if (strcmp(a, options[k].name) == 0)
				opt = &options[k];
		if (opt == NULL || !cli_takes(v, opt->name))
			return cli_usage_error(v, "unknown option", a);
		if (o->seen & opt->flag)
			return cli_usage_error(v, "option given twice:", a);
		o->seen |= opt->flag;
		const char *val = NULL;
		if (opt->arg) {
			if (i + 1 >= argc)
				return cli_usage_error(v, "option needs a value:", a);
			val = argv[++i];
		}
		switch (opt->flag) {
		case O_DB: o->db = val; break;
		case O_ACCOUNT: o->account = val; break;
		case O_STATUS: o->status = val; break;
		case O_KIND: o->kind = val; break;
		case O_CLASS: o->cls = val; break;
		case O_TITLE: o->title = val; break;
		case O_SERIAL: o->serial = val; break;
		case O_AFTER: o->after = val; break;
		case O_ACTION: o->action = val; break;
		case O_PERSON: o->person = val; break;
		case O_SINCE: o->since = val; break;
		case O_UNTIL: o->until = val; break;
		case O_ALC:
			if (!parse_int(val, 1, 7, &o->alc) || o->alc == 3 || o->alc == 5)
				return cli_usage_error(v, "--alc must be 1, 2, 4, 6 or 7, not", val);
			break;
		case O_LIMIT:
			if (!parse_int(val, 1, QUERY_LIMIT_MAX, &o->limit)) {
				fprintf(stderr, "custos %s: --limit must be 1 to %d\n", v->words,
					QUERY_LIMIT_MAX);
				return CLI_USAGE;
			}
			break;
		default: break;
		}
	}
	if (v->operand != NULL && o->operand == NULL)
		return cli_usage_error(v, "name the item (a serial, or 'serial=S edition=E title=T')",
				       NULL);
	return -1;
}

int cli_query(const cli_verb *v, int argc, char **argv)
{
	static int (*const run[])(const verb *, const opts *, db *) = {
		[CLI_Q_HOLDINGS] = run_holdings, [CLI_Q_HISTORY] = run_history,
		[CLI_Q_TXN] = run_txn,           [CLI_Q_ALARMS] = run_alarms,
		[CLI_Q_PERSONS] = run_person_list, [CLI_Q_ACCOUNTS] = run_account_list,
		[CLI_Q_POLICY] = run_policy_show, [CLI_Q_ACCESS] = run_access,
	};
	opts o;
	int rc = parse(v, argc, argv, &o);
	if (rc >= 0)
		return rc;
	db *d = NULL;
	errbuf err = {0};
	status st = db_open(o.db, &d, &err);
	if (st != ST_OK)
		return fail(v, st, &err);
	access_login(d, v->words);
	rc = run[v->id](v, &o, d);
	db_close(d);
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		fprintf(stderr, "custos %s: cannot write the output\n", v->words);
		rc = CLI_FAIL;
	}
	return rc;
}
