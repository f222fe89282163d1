/* query.c: the read side of the ledger (see query.h). */
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "entry.h"
#include "rules.h"
#include "utf8.h"

/* A timestamptz column as RFC 3339 UTC with microseconds. */
#define RFC3339(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The columns item_fill reads, in its order. */
#define ITEM_COLUMNS                                                                     \
	"account, title, edition, serial, kind, class, status, alc, crypto, qty, "       \
	"to_char(effective, 'YYYY-MM-DD'), to_char(supersedes, 'YYYY-MM-DD'), holder, "  \
	"peer, incident, last_txn, last_idx, " RFC3339("since") ", in_effect"
#define ITEM_NCOLUMNS 19

static const char *const ALL_STATUSES[] = {"on_hand",     "issued",    "in_transit", "incident",
					   "transferred", "destroyed", "relieved"};
static const char *const KINDS[] = {"key", "equipment", "publication"};
static const char *const CLASSES[] = {"U", "C", "S", "TS"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- checking input ---------------------------------------------------- */

static const char *given(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static status check_limit(int limit, int *out, errbuf *err)
{
	if (limit == 0)
		limit = QUERY_LIMIT_DEFAULT;
	if (limit < 1 || limit > QUERY_LIMIT_MAX)
		return err_set(err, ST_USAGE, "limit must be 1 to %d", QUERY_LIMIT_MAX);
	*out = limit;
	return ST_OK;
}

static status check_account(const char *s, errbuf *err)
{
	if (s != NULL && !entry_account_number_valid(s))
		return err_set(err, ST_USAGE, "account must be six digits");
	return ST_OK;
}

/* Text compared with the ledger's: valid UTF-8 and not absurdly long
 * (PostgreSQL would refuse invalid UTF-8 with a less useful message). */
static status check_text(const char *what, const char *s, size_t max, errbuf *err)
{
	if (s == NULL)
		return ST_OK;
	size_t n = strlen(s);
	if (!utf8_valid(s, n))
		return err_set(err, ST_USAGE, "%s is not valid UTF-8", what);
	if (n > max)
		return err_set(err, ST_USAGE, "%s is longer than %zu bytes", what, max);
	return ST_OK;
}

/* A non-negative decimal integer without sign or leading zeros. */
static bool parse_uint(const char *s, int64_t max, int64_t *out)
{
	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- cursors --------------------------------------------------------------
 * A cursor is base64 of a tag byte naming the list, then each key field
 * preceded by a NUL byte.  It only says where a page starts: every value
 * in it is checked again and travels as a parameter, and the login's
 * row-level security still decides what is seen, so a forged cursor can
 * only move within what the login may read. */

#define CURSOR_RAW_MAX ((QUERY_CURSOR_MAX - 1) / 4 * 3)

static status cursor_make(char tag, const char *const *fields, size_t n,
			  char out[QUERY_CURSOR_MAX], errbuf *err)
{
	uint8_t raw[CURSOR_RAW_MAX];
	size_t len = 0;
	raw[len++] = (uint8_t)tag;
	for (size_t i = 0; i < n; i++) {
		size_t fl = strlen(fields[i]);
		if (len + 1 + fl > sizeof raw)
			return err_set(err, ST_TOOBIG, "a key of this page is too long for a cursor");
		raw[len++] = 0;
		memcpy(raw + len, fields[i], fl);
		len += fl;
	}
	b64_encode(raw, len, out);
	return ST_OK;
}

/* Split cursor text into n fields (pointers into raw).  ST_USAGE for
 * anything that is not a cursor of this list. */
static status cursor_parse(const char *text, char tag, size_t n, char raw[CURSOR_RAW_MAX + 1],
			   const char **fields, errbuf *err)
{
	size_t tl = strlen(text), len = 0;
	if (tl >= QUERY_CURSOR_MAX ||
	    b64_decode(text, tl, (uint8_t *)raw, CURSOR_RAW_MAX, &len) != ST_OK || len < 1 ||
	    raw[0] != tag)
		goto bad;
	raw[len] = '\0';
	size_t k = 0;
	for (size_t i = 1; i < len; i++) {
		if (raw[i] != '\0')
			continue;
		if (k == n)
			goto bad;
		fields[k++] = raw + i + 1;
	}
	if (k != n)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!utf8_valid(fields[i], strlen(fields[i])))
			goto bad;
	return ST_OK;
bad:
	return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
}

/* ---- pages ---------------------------------------------------------------- */

/* Allocate n rows of size sz (NULL for none). */
static status rows_new(size_t n, size_t sz, void **rows, errbuf *err)
{
	*rows = NULL;
	if (n == 0)
		return ST_OK;
	if ((*rows = calloc(n, sz)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	return ST_OK;
}

/* A page fetched limit + 1 rows: is there a next page, and how many rows
 * belong to this one. */
static size_t page_rows(const PGresult *r, int limit, bool *more)
{
	size_t n = (size_t)PQntuples(r);
	*more = n > (size_t)limit;
	return *more ? (size_t)limit : n;
}

static void item_fill(const PGresult *r, int row, query_item *it)
{
	it->account = db_val(r, row, 0);
	it->title = db_val(r, row, 1);
	it->edition = db_val(r, row, 2);
	it->serial = db_val(r, row, 3);
	it->kind = db_val(r, row, 4);
	it->cls = db_val(r, row, 5);
	it->status = db_val(r, row, 6);
	it->alc = (int)db_int(r, row, 7);
	it->crypto = strcmp(db_val(r, row, 8), "t") == 0;
	it->qty = db_int(r, row, 9);
	it->effective = db_val(r, row, 10);
	it->supersedes = db_val(r, row, 11);
	it->holder = db_val(r, row, 12);
	it->peer = db_val(r, row, 13);
	it->incident = db_val(r, row, 14);
	it->last_txn = db_val(r, row, 15);
	it->last_index = db_int(r, row, 16);
	it->since = db_val(r, row, 17);
	it->in_effect = strcmp(db_val(r, row, 18), "t") == 0;
}

/* ---- holdings ----------------------------------------------------------------
 * Optional filters are written "($n IS NULL OR ...)" and the status choice
 * as a CASE on a parameter: libpq's unnamed statements are planned with
 * the parameter values, so the planner folds those away and the remaining
 * conditions match an index (003_query_indexes.sql): item_open and its
 * kind/class/alc siblings for open items, item_status for one status,
 * item_serial or the title index for a prefix.  `^@` is "starts with":
 * its operand is literal text (no LIKE wildcards to escape) and on the "C"
 * collation columns it becomes an index range. */

/* The filters every order shares: $1 account, $2 status choice, $3 kind,
 * $4 class, $5 ALC, $6 title prefix, $7 serial prefix. */
#define OPEN_IN "status IN ('on_hand', 'issued', 'in_transit', 'incident')"
/* The same set as a range, for the status order: the four open statuses
 * are exactly those between 'destroyed' and 'relieved' (the CHECK
 * constraint lists them all), and a range on the index's first column
 * combines with the keyset's row comparison where an IN list does not
 * (PostgreSQL 15 then starts the scan at the list's first value and
 * filters: 330 ms instead of 0.6 ms at a million items). */
#define OPEN_RANGE "status > 'destroyed' AND status < 'relieved'"

#define HOLDINGS_WHERE(open)                                                              \
	" WHERE ($1::text IS NULL OR account = $1)"                                       \
	"   AND CASE $2::text WHEN 'open' THEN " open                                     \
	"                     WHEN 'all' THEN true ELSE status = $2 END"                  \
	"   AND ($3::text IS NULL OR kind = $3)"                                          \
	"   AND ($4::text IS NULL OR class = $4)"                                         \
	"   AND ($5::smallint IS NULL OR alc = $5::smallint)"                             \
	"   AND ($6::text IS NULL OR title ^@ $6)"                                        \
	"   AND ($7::text IS NULL OR serial ^@ $7)"

/* Each order: its key columns (a unique key, so that keyset paging never
 * repeats or skips a row), the index that serves it, the cursor's tag,
 * and its statements forward (after the cursor) and backward (before it,
 * read in reverse and turned round here).
 *   title:  (account, title, edition, serial): item_open, item_open_kind/
 *           class/alc, item_account_title
 *   serial: (serial, account, title, edition): item_serial
 *   status: (status, account, title, edition, serial): item_status */
#define HOLDINGS_KEYSET(cols, params, op) \
	"   AND ($8::text IS NULL OR (" cols ") " op " (" params "))"

/* The title order's keyset when the account is fixed ($1) compares the
 * columns after it: PostgreSQL 15's b-tree positions a scan on `account =
 * $1` alone when a row comparison also starts at the account column, and
 * then filters its way to the cursor (half a second in the middle of a
 * million items); (title, edition, serial) after an equality positions at
 * once.  The CASE folds away: the statement is planned with its values. */
#define T_KEYSET(op)                                                                       \
	"   AND ($8::text IS NULL OR CASE WHEN $1::text IS NULL"                            \
	"        THEN (account, title, edition, serial) " op " ($8, $9, $10, $11)"         \
	"        ELSE $1 " op " $8 OR ($1 = $8 AND (title, edition, serial) " op " ($9, $10, $11)) END)"

#define HOLDINGS_SQL(open, cols, params, op, dir, limit)                                  \
	"SELECT " ITEM_COLUMNS " FROM item" HOLDINGS_WHERE(open)                          \
	HOLDINGS_KEYSET(cols, params, op) " ORDER BY " dir " LIMIT " limit
#define HOLDINGS_SQL_T(op, dir)                                                           \
	"SELECT " ITEM_COLUMNS " FROM item" HOLDINGS_WHERE(OPEN_IN) T_KEYSET(op)          \
	" ORDER BY " dir " LIMIT $12"

#define T_COLS "account, title, edition, serial"
#define T_PAR "$8, $9, $10, $11"
#define T_ASC "account, title, edition, serial"
#define T_DESC "account DESC, title DESC, edition DESC, serial DESC"
#define S_COLS "serial, account, title, edition"
#define S_ASC "serial, account, title, edition"
#define S_DESC "serial DESC, account DESC, title DESC, edition DESC"
#define U_COLS "status, account, title, edition, serial"
#define U_PAR "$8, $9, $10, $11, $12"
#define U_ASC "status, account, title, edition, serial"
#define U_DESC "status DESC, account DESC, title DESC, edition DESC, serial DESC"

typedef struct holdings_order {
	const char *name;
	char tag;
	size_t nkeys;                 /* key columns in the cursor */
	const char *fwd, *back;       /* the statements */
} holdings_order;

static const holdings_order ORDERS[] = {
	{"title", 'H', 4, HOLDINGS_SQL_T(">", T_ASC), HOLDINGS_SQL_T("<", T_DESC)},
	{"serial", 'S', 4, HOLDINGS_SQL(OPEN_IN, S_COLS, T_PAR, ">", S_ASC, "$12"),
	 HOLDINGS_SQL(OPEN_IN, S_COLS, T_PAR, "<", S_DESC, "$12")},
	{"status", 'U', 5, HOLDINGS_SQL(OPEN_RANGE, U_COLS, U_PAR, ">", U_ASC, "$13"),
	 HOLDINGS_SQL(OPEN_RANGE, U_COLS, U_PAR, "<", U_DESC, "$13")},
};

#define HOLDINGS_NPARAMS_MAX 13

typedef struct holdings_args {
	const char *p[HOLDINGS_NPARAMS_MAX];
	int np;
	const holdings_order *order;
	char alc[8], limit[16];
	char raw[CURSOR_RAW_MAX + 1];
	int limit_n;
} holdings_args;

static const holdings_order *order_of(const char *sort)
{
	if (given(sort) == NULL)
		return &ORDERS[0];
	for (size_t i = 0; i < NELEM(ORDERS); i++)
		if (strcmp(sort, ORDERS[i].name) == 0)
			return &ORDERS[i];
	return NULL;
}

/* An item's key fields in the order's column order. */
static void order_keys(const holdings_order *o, const query_item *it, const char **k)
{
	if (o->tag == 'S') {
		k[0] = it->serial, k[1] = it->account, k[2] = it->title, k[3] = it->edition;
	} else if (o->tag == 'U') {
		k[0] = it->status, k[1] = it->account, k[2] = it->title, k[3] = it->edition;
		k[4] = it->serial;
	} else {
		k[0] = it->account, k[1] = it->title, k[2] = it->edition, k[3] = it->serial;
	}
}

static status holdings_args_make(const query_holdings_filter *f, holdings_args *a, errbuf *err)
{
	memset(a, 0, sizeof *a);
	status st;
	const char *account = given(f->account), *status_ = given(f->status);
	const char *kind = given(f->kind), *cls = given(f->cls);
	const char *title = given(f->title), *serial = given(f->serial);
	if ((st = check_limit(f->limit, &a->limit_n, err)) != ST_OK ||
	    (st = check_account(account, err)) != ST_OK)
		return st;
	if ((a->order = order_of(f->sort)) == NULL)
		return err_set(err, ST_USAGE, "sort must be title, serial or status");
	if (status_ == NULL)
		status_ = "open";
	if (strcmp(status_, "open") != 0 && strcmp(status_, "all") != 0 &&
	    !in_list(status_, ALL_STATUSES, NELEM(ALL_STATUSES)))
		return err_set(err, ST_USAGE, "status must be open, all, on_hand, issued, "
					      "in_transit, incident, transferred, destroyed or relieved");
	if (kind != NULL && !in_list(kind, KINDS, NELEM(KINDS)))
		return err_set(err, ST_USAGE, "kind must be key, equipment or publication");
	if (cls != NULL && !in_list(cls, CLASSES, NELEM(CLASSES)))
		return err_set(err, ST_USAGE, "class must be U, C, S or TS");
	if (f->alc != 0 && f->alc != 1 && f->alc != 2 && f->alc != 4 && f->alc != 6 && f->alc != 7)
		return err_set(err, ST_USAGE, "ALC must be 1, 2, 4, 6 or 7");
	if ((st = check_text("title prefix", title, 128, err)) != ST_OK ||
	    (st = check_text("serial prefix", serial, 128, err)) != ST_OK)
		return st;
	a->p[0] = account;
	a->p[1] = status_;
	a->p[2] = kind;
	a->p[3] = cls;
	if (f->alc != 0) {
		snprintf(a->alc, sizeof a->alc, "%d", f->alc);
		a->p[4] = a->alc;
	}
	a->p[5] = title;
	a->p[6] = serial;
	size_t nk = a->order->nkeys;
	if (given(f->after) != NULL) {
		const char *k[5];
		if ((st = cursor_parse(f->after, a->order->tag, nk, a->raw, k, err)) != ST_OK)
			return st;
		size_t acct = a->order->tag == 'H' ? 0 : 1;
		if (!entry_account_number_valid(k[acct]))
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
		memcpy(&a->p[7], k, nk * sizeof k[0]);
	}
	/* One row more than the page, to know whether another page follows. */
	snprintf(a->limit, sizeof a->limit, "%d", a->limit_n + 1);
	a->np = 7 + (int)nk + 1;
	a->p[a->np - 1] = a->limit;
	return ST_OK;
}

void query_items_free(query_items *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_holdings_cursor(const query_holdings_filter *f, const query_item *at,
			     char out[QUERY_CURSOR_MAX], errbuf *err)
{
	const holdings_order *o = order_of(f->sort);
	out[0] = '\0';
	if (o == NULL)
		return err_set(err, ST_USAGE, "sort must be title, serial or status");
	const char *k[5];
	order_keys(o, at, k);
	return cursor_make(o->tag, k, o->nkeys, out, err);
}

status query_holdings(db *d, const query_holdings_filter *f, query_items *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	holdings_args a;
	status st = holdings_args_make(f, &a, err);
	if (st != ST_OK)
		return st;
	const char *sql = f->backward ? a.order->back : a.order->fwd;
	if ((st = db_exec_adhoc(d, sql, a.np, a.p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, a.limit_n, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	/* Backward pages come newest-last from the server: turn them round so
	 * that every page is in list order. */
	for (size_t i = 0; i < out->n; i++)
		item_fill(out->res, (int)i, &out->rows[f->backward ? out->n - 1 - i : i]);
	if (more) {
		const query_item *edge = &out->rows[f->backward ? 0 : out->n - 1];
		if ((st = query_holdings_cursor(f, edge, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_items_free(out);
	return st;
}

status query_holdings_explain(db *d, const query_holdings_filter *f, char **plan, errbuf *err)
{
	*plan = NULL;
	holdings_args a;
	status st = holdings_args_make(f, &a, err);
	if (st != ST_OK)
		return st;
	buf sql = {0};
	buf_puts(&sql, "EXPLAIN (COSTS OFF) ");
	buf_puts(&sql, f->backward ? a.order->back : a.order->fwd);
	char *text = buf_take(&sql, NULL);
	if (text == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	PGresult *r = NULL;
	st = db_exec_adhoc(d, text, a.np, a.p, &r, err);
	free(text);
	if (st != ST_OK)
		return st;
	buf b = {0};
	for (int i = 0; i < PQntuples(r); i++) {
		buf_puts(&b, db_val(r, i, 0));
		buf_puts(&b, "\n");
	}
	PQclear(r);
	if ((*plan = buf_take(&b, NULL)) == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	return ST_OK;
}

/* The items of one transaction's entry, as they stand: by the txn's
 * primary key, entry_item_idx and the item's primary key. */
static const char TXN_ITEMS[] =
	"SELECT " ITEM_COLUMNS " FROM item"
	" WHERE id IN (SELECT ei.item_id FROM txn t JOIN entry_item ei ON ei.idx = t.idx"
	"               WHERE t.number = $1)"
	" ORDER BY account, title, edition, serial LIMIT $2";

status query_txn_items(db *d, const char *txn, query_items *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	if (given(txn) == NULL)
		return err_set(err, ST_USAGE, "name the transaction");
	if ((st = check_text("transaction number", txn, ENTRY_TXN_MAX, err)) != ST_OK)
		return st;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", ENTRY_MAX_ITEMS);
	const char *p[] = {txn, lim};
	if ((st = db_exec(d, TXN_ITEMS, 2, p, &out->res, err)) != ST_OK)
		return st;
	out->n = (size_t)PQntuples(out->res);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK) {
		query_items_free(out);
		return st;
	}
	for (size_t i = 0; i < out->n; i++)
		item_fill(out->res, (int)i, &out->rows[i]);
	return ST_OK;
}

/* ---- history ------------------------------------------------------------------ */

static const char ITEM_BY_IDENTITY[] =
	"SELECT " ITEM_COLUMNS ", id FROM item WHERE title = $1 AND edition = $2 AND serial = $3";
/* Two rows are enough to know that a serial is not unique. */
static const char ITEM_BY_SERIAL[] =
	"SELECT " ITEM_COLUMNS ", id FROM item WHERE serial = $1 ORDER BY id LIMIT 2";

/* Entries listing the item, by its primary key (item_id, idx). */
static const char HISTORY[] =
	"SELECT e.idx, " RFC3339("e.time") ", e.action, e.txn, e.account, e.actor, e.note"
	"  FROM entry_item ei JOIN log_entry e ON e.idx = ei.idx"
	" WHERE ei.item_id = $1 AND ei.idx > $2"
	" ORDER BY ei.idx LIMIT $3";

/* Append the key names of a signed note's signature lines to b, separated
 * by spaces: the lines after the last blank line that start with "— "
 * (U+2014, space); the name runs to the next space. */
static void note_signers(const unsigned char *note, size_t len, buf *b)
{
	static const char DASH[] = "\xe2\x80\x94 ";
	size_t start = 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (note[i] == '\n' && note[i + 1] == '\n')
			start = i + 2;
	bool first = true;
	for (size_t i = start; i < len;) {
		const unsigned char *nl = memchr(note + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - note) : len;
		if (end - i > 4 && memcmp(note + i, DASH, 4) == 0) {
			size_t s = i + 4, e = s;
			while (e < end && note[e] != ' ')
				e++;
			if (!first)
				buf_puts(b, " ");
			buf_append(b, note + s, e - s);
			first = false;
		}
		i = end + 1;
	}
}

void query_history_free(query_history *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	PQclear(p->item_res);
	free(p->rows);
	free(p->names);
	memset(p, 0, sizeof *p);
}

status query_item_history(db *d, const query_history_filter *f, query_history *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	int limit;
	status st;
	const char *title = given(f->title);
	const char *edition = f->edition ? f->edition : "", *serial = f->serial ? f->serial : "";
	if ((st = check_limit(f->limit, &limit, err)) != ST_OK ||
	    (st = check_text("title", title, 128, err)) != ST_OK ||
	    (st = check_text("edition", edition, 128, err)) != ST_OK ||
	    (st = check_text("serial", serial, 128, err)) != ST_OK)
		return st;
	if (title == NULL && serial[0] == '\0')
		return err_set(err, ST_USAGE, "name the item by its serial, or by title, edition and serial");
	char after[24] = "-1", lim[16];
	if (given(f->after) != NULL) {
		char raw[CURSOR_RAW_MAX + 1];
		const char *k[1];
		int64_t idx;
		if ((st = cursor_parse(f->after, 'E', 1, raw, k, err)) != ST_OK)
			return st;
		if (!parse_uint(k[0], INT64_MAX, &idx))
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
		snprintf(after, sizeof after, "%lld", (long long)idx);
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);

	if (title != NULL) {
		const char *p[] = {title, edition, serial};
		st = db_exec(d, ITEM_BY_IDENTITY, 3, p, &out->item_res, err);
	} else {
		const char *p[] = {serial};
		st = db_exec(d, ITEM_BY_SERIAL, 1, p, &out->item_res, err);
	}
	if (st != ST_OK)
		goto fail;
	if (PQntuples(out->item_res) == 0) {
		st = err_set(err, ST_NOTFOUND, "no such item (or not one this login may see)");
		goto fail;
	}
	if (PQntuples(out->item_res) > 1) {
		st = err_set(err, ST_USAGE, "more than one item has this serial; give title and edition");
		goto fail;
	}
	item_fill(out->item_res, 0, &out->item);

	const char *p[] = {db_val(out->item_res, 0, ITEM_NCOLUMNS), after, lim};
	if ((st = db_exec(d, HISTORY, 3, p, &out->res, err)) != ST_OK)
		goto fail;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	/* The signers go into one buffer; offsets first, as it may move. */
	buf names = {0};
	size_t *off = out->n ? calloc(out->n, sizeof *off) : NULL;
	if (out->n && off == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < out->n; i++) {
		size_t nlen = 0;
		unsigned char *note =
			PQunescapeBytea((const unsigned char *)db_val(out->res, (int)i, 6), &nlen);
		off[i] = names.len;
		if (note == NULL) {
			names.failed = true;
			break;
		}
		note_signers(note, nlen, &names);
		buf_append(&names, "", 1); /* the NUL ending this row's names */
		PQfreemem(note);
	}
	if (out->n > 0 && (out->names = buf_take(&names, NULL)) == NULL) {
		free(off);
		buf_free(&names);
		st = err_set(err, ST_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < out->n; i++) {
		query_event *e = &out->rows[i];
		e->index = db_int(out->res, (int)i, 0);
		e->time = db_val(out->res, (int)i, 1);
		e->action = db_val(out->res, (int)i, 2);
		e->txn = db_val(out->res, (int)i, 3);
		e->account = db_val(out->res, (int)i, 4);
		e->actor = db_val(out->res, (int)i, 5);
		e->signers = out->names + off[i];
	}
	free(off);
	if (more) {
		const char *k[] = {db_val(out->res, (int)out->n - 1, 0)};
		if ((st = cursor_make('E', k, 1, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_history_free(out);
	return st;
}

/* ---- transactions -------------------------------------------------------------
 * By the unique index on (account, year, seq), read backwards. */

static const char TXN_LIST[] =
	"SELECT number, account, action, " RFC3339("time") ", peer, holder, ref, year, seq, idx, open"
	"  FROM txn"
	" WHERE account = $1 AND ($2::text IS NULL OR action = $2) AND (NOT $3::boolean OR open)"
	"   AND ($4::integer IS NULL OR (year, seq) < ($4::integer, $5::integer))"
	" ORDER BY year DESC, seq DESC LIMIT $6";

void query_txns_free(query_txns *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

/* Rows of TXN_LIST's shape into out->rows. */
static void txn_rows(query_txns *out)
{
	for (size_t i = 0; i < out->n; i++) {
		query_txn *t = &out->rows[i];
		const PGresult *r = out->res;
		t->number = db_val(r, (int)i, 0);
		t->account = db_val(r, (int)i, 1);
		t->action = db_val(r, (int)i, 2);
		t->time = db_val(r, (int)i, 3);
		t->peer = db_val(r, (int)i, 4);
		t->holder = db_val(r, (int)i, 5);
		t->ref = db_val(r, (int)i, 6);
		t->year = (int)db_int(r, (int)i, 7);
		t->seq = (int)db_int(r, (int)i, 8);
		t->index = db_int(r, (int)i, 9);
		t->open = strcmp(db_val(r, (int)i, 10), "t") == 0;
	}
}

/* Transfers from other accounts still in transit to this one: what its
 * custodian has to accept.  Served by the partial index txn_open. */
static const char TXN_INCOMING[] =
	"SELECT number, account, action, " RFC3339("time") ", peer, holder, ref, year, seq, idx, open"
	"  FROM txn"
	" WHERE open AND action = 'transfer' AND peer = $1"
	" ORDER BY time, number LIMIT $2";

status query_txn_incoming(db *d, const char *account, int limit, query_txns *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	if ((st = check_limit(limit, &limit, err)) != ST_OK ||
	    (st = check_account(account, err)) != ST_OK)
		return st;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[] = {account, lim};
	if ((st = db_exec(d, TXN_INCOMING, 2, p, &out->res, err)) != ST_OK)
		return st;
	out->n = (size_t)PQntuples(out->res);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK) {
		query_txns_free(out);
		return st;
	}
	txn_rows(out);
	return ST_OK;
}

status query_txn_list(db *d, const query_txn_filter *f, query_txns *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	int limit;
	status st;
	const char *account = given(f->account), *action = given(f->action);
	if ((st = check_limit(f->limit, &limit, err)) != ST_OK)
		return st;
	if (account == NULL)
		return err_set(err, ST_USAGE, "name the account");
	if ((st = check_account(account, err)) != ST_OK)
		return st;
	if (action != NULL && entry_action_from_name(action, strlen(action)) < 0)
		return err_set(err, ST_USAGE, "no action named so (receipt, transfer, accept, issue, "
					      "return, destroy, possession, inventory, incident-...)");
	char year[16], seq[16], lim[16];
	const char *p[] = {account, action, f->open_only ? "true" : "false", NULL, NULL, lim};
	if (given(f->after) != NULL) {
		char raw[CURSOR_RAW_MAX + 1];
		const char *k[2];
		int64_t y, s;
		if ((st = cursor_parse(f->after, 'T', 2, raw, k, err)) != ST_OK)
			return st;
		if (!parse_uint(k[0], 9999, &y) || !parse_uint(k[1], INT32_MAX, &s))
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
		snprintf(year, sizeof year, "%d", (int)y);
		snprintf(seq, sizeof seq, "%d", (int)s);
		p[3] = year;
		p[4] = seq;
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	if ((st = db_exec_adhoc(d, TXN_LIST, 6, p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	txn_rows(out);
	if (more) {
		const PGresult *r = out->res;
		const char *k[] = {db_val(r, (int)out->n - 1, 7), db_val(r, (int)out->n - 1, 8)};
		if ((st = cursor_make('T', k, 2, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_txns_free(out);
	return st;
}

/* ---- policy ---------------------------------------------------------------------- */

status query_policy(db *d, query_policy_row out[POL__COUNT], errbuf *err)
{
	for (int p = 0; p < POL__COUNT; p++)
		out[p] = (query_policy_row){rules_policy_of((rules_policy)p)->dflt, 0};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT name, value, coalesce(set_idx, 0) FROM policy", 0, NULL, &r,
			    err);
	if (st != ST_OK)
		return st;
	for (int i = 0; i < PQntuples(r); i++) {
		int p = rules_policy_from_name(db_val(r, i, 0));
		if (p >= 0)
			out[p] = (query_policy_row){db_int(r, i, 1), (uint64_t)db_int(r, i, 2)};
	}
	PQclear(r);
	return ST_OK;
}

/* ---- a person's key ----------------------------------------------------------- */

status query_person_key(db *d, const char *name, key_public *out, errbuf *err)
{
	const char *p[] = {name};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT vkey FROM person WHERE name = $1", 1, p, &r, err);
	if (st != ST_OK)
		return st;
	if (PQntuples(r) == 1)
		st = key_vkey_parse(db_val(r, 0, 0), strlen(db_val(r, 0, 0)), out, err);
	else
		st = err_set(err, ST_NOTFOUND, "no person named %s is enrolled", name);
	PQclear(r);
	return st;
}

/* ---- alarms -----------------------------------------------------------------------
 * One statement, so every alarm is judged at the same now().  Each branch
 * states its limit in a form an index can serve (item_superseded,
 * incident_open_discovered, txn_open); `due` is when the limit ran out.  A policy
 * row that is missing counts as its default ($2..$6: rules.c's table, the one
 * statement of the defaults) rather than silencing its alarm. */

static const char ALARMS[] =
	"WITH p AS (SELECT"
	"  coalesce(max(value) FILTER (WHERE name = 'destruction_deadline_hours'), $2::integer) AS dh,"
	"  coalesce(max(value) FILTER (WHERE name = 'incident_report_hours'), $3::integer) AS ih,"
	"  coalesce(max(value) FILTER (WHERE name = 'transit_alarm_days'), $4::integer) AS td,"
	"  coalesce(max(value) FILTER (WHERE name = 'inventory_interval_months'), $5::integer) AS im,"
	"  coalesce(max(value) FILTER (WHERE name = 'hand_receipt_alarm_days'), $6::integer) AS hd"
	"  FROM policy),"
	" a AS ("
	"  SELECT 1 AS ord, 'destruction' AS kind, i.account,"
	"         concat_ws(' ', i.title, nullif(i.edition, ''), nullif(i.serial, '')) AS subject,"
	"         i.supersedes::timestamp AT TIME ZONE 'UTC' AS since,"
	"         (i.supersedes::timestamp AT TIME ZONE 'UTC') + p.dh * interval '1 hour' AS due,"
	"         i.title, i.edition, i.serial"
	"    FROM item i, p"
	"   WHERE i.kind = 'key' AND i.status IN ('on_hand', 'issued', 'incident')"
	"     AND i.supersedes <= ((now() - p.dh * interval '1 hour') AT TIME ZONE 'UTC')::date"
	"  UNION ALL"
	"  SELECT 2, 'incident', n.account, n.txn, n.discovered_at,"
	"         n.discovered_at + p.ih * interval '1 hour', NULL, NULL, NULL"
	"    FROM incident n, p"
	"   WHERE n.closed_idx IS NULL AND n.updates = 0"
	"     AND n.discovered_at < now() - p.ih * interval '1 hour'"
	"  UNION ALL"
	"  SELECT 3, 'transit', t.account, t.number, t.time, t.time + p.td * interval '1 day',"
	"         NULL, NULL, NULL"
	"    FROM txn t, p"
	"   WHERE t.open AND t.action = 'transfer' AND t.time < now() - p.td * interval '1 day'"
	"  UNION ALL"
	"  SELECT 4, 'inventory', c.number, c.number, coalesce(c.last_inventory, c.opened_at),"
	"         coalesce(c.last_inventory, c.opened_at) + p.im * interval '1 month',"
	"         NULL, NULL, NULL"
	"    FROM account c, p"
	"  UNION ALL"
	"  SELECT 5, 'hand-receipt', t.account, t.number, t.time, t.time + p.hd * interval '1 day',"
	"         NULL, NULL, NULL"
	"    FROM txn t, p"
	"   WHERE t.open AND t.action = 'issue' AND t.time < now() - p.hd * interval '1 day'"
	/* A checkpoint is due (sql/004_checkpoints.sql): the whole log's, so
	 * listed only when no account is asked for. */
	"  UNION ALL"
	"  SELECT 6, 'checkpoint', NULL, 'since index ' || c.since_idx ||"
	"         coalesce(', two-person action at ' || c.two_person_idx,"
	"                  ', ' || (c.size - c.last_size) || ' entries'), c.due_at, c.due_at,"
	"         NULL, NULL, NULL"
	"    FROM custos.checkpoint_due() c WHERE c.due AND $1::text IS NULL)"
	" SELECT kind, account, subject, " RFC3339("since") ","
	"        floor(extract(epoch FROM now() - due))::bigint, " RFC3339("now()") ","
	"        title, edition, serial"
	"   FROM a"
	"  WHERE due < now() AND ($1::text IS NULL OR account = $1)"
	"  ORDER BY ord, since, account, subject";

void query_alarms_free(query_alarms *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_alarm_list(db *d, const char *account, query_alarms *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	account = given(account);
	if ((st = check_account(account, err)) != ST_OK)
		return st;
	static const rules_policy pol[] = {POL_DESTRUCTION_DEADLINE, POL_INCIDENT_REPORT,
					   POL_TRANSIT_ALARM, POL_INVENTORY_INTERVAL,
					   POL_HAND_RECEIPT_ALARM};
	char dflt[5][24];
	const char *p[6] = {account};
	for (size_t i = 0; i < 5; i++) {
		snprintf(dflt[i], sizeof dflt[i], "%lld", (long long)rules_policy_of(pol[i])->dflt);
		p[i + 1] = dflt[i];
	}
	if ((st = db_exec(d, ALARMS, 6, p, &out->res, err)) != ST_OK)
		return st;
	out->n = (size_t)PQntuples(out->res);
	out->now = "";
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK) {
		query_alarms_free(out);
		return st;
	}
	for (size_t i = 0; i < out->n; i++) {
		query_alarm *a = &out->rows[i];
		a->kind = db_val(out->res, (int)i, 0);
		a->account = db_val(out->res, (int)i, 1);
		a->subject = db_val(out->res, (int)i, 2);
		a->since = db_val(out->res, (int)i, 3);
		a->overdue_seconds = db_int(out->res, (int)i, 4);
		out->now = db_val(out->res, (int)i, 5);
		a->title = db_val(out->res, (int)i, 6);
		a->edition = db_val(out->res, (int)i, 7);
		a->serial = db_val(out->res, (int)i, 8);
	}
	return ST_OK;
}

/* ---- people and accounts -------------------------------------------------------- */

static const char PERSON_LIST[] =
	"SELECT p.name, p.login, coalesce((SELECT string_agg(r.role || coalesce(':' || r.account, ''),"
	"                                              ' ' ORDER BY r.role, r.account)"
	"                                    FROM person_role r WHERE r.person = p.name), ''),"
	"       p.enrolled_idx, p.revoked_idx IS NOT NULL, p.revoked_idx,"
	"       coalesce(p.rank, ''), coalesce(p.position, '')"
	"  FROM person p WHERE ($1::text IS NULL OR p.name > $1)"
	" ORDER BY p.name LIMIT $2";

void query_persons_free(query_persons *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_person_list(db *d, int limit, const char *after, query_persons *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	char raw[CURSOR_RAW_MAX + 1], lim[16];
	const char *k[1] = {NULL};
	if ((st = check_limit(limit, &limit, err)) != ST_OK)
		return st;
	if (given(after) != NULL && (st = cursor_parse(after, 'P', 1, raw, k, err)) != ST_OK)
		return st;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[] = {k[0], lim};
	if ((st = db_exec(d, PERSON_LIST, 2, p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < out->n; i++) {
		query_person *q = &out->rows[i];
		q->name = db_val(out->res, (int)i, 0);
		q->login = db_val(out->res, (int)i, 1);
		q->roles = db_val(out->res, (int)i, 2);
		q->enrolled_index = db_int(out->res, (int)i, 3);
		q->revoked = strcmp(db_val(out->res, (int)i, 4), "t") == 0;
		q->revoked_index = db_int(out->res, (int)i, 5);
		q->rank = db_val(out->res, (int)i, 6);
		q->position = db_val(out->res, (int)i, 7);
	}
	if (more) {
		const char *key[] = {out->rows[out->n - 1].name};
		if ((st = cursor_make('P', key, 1, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_persons_free(out);
	return st;
}

/* The open-item count is an index-only count on item_open. */
static const char ACCOUNT_LIST[] =
	"SELECT c.number, c.name, " RFC3339("c.opened_at") ", " RFC3339("c.last_inventory") ","
	"       (SELECT count(*) FROM item i WHERE i.account = c.number"
	"           AND i.status IN ('on_hand', 'issued', 'in_transit', 'incident')),"
	"       coalesce(c.address, ''), coalesce(c.cor_account, '')"
	"  FROM account c WHERE ($1::text IS NULL OR c.number > $1)"
	" ORDER BY c.number LIMIT $2";

void query_accounts_free(query_accounts *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_account_list(db *d, int limit, const char *after, query_accounts *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	char raw[CURSOR_RAW_MAX + 1], lim[16];
	const char *k[1] = {NULL};
	if ((st = check_limit(limit, &limit, err)) != ST_OK)
		return st;
	if (given(after) != NULL) {
		if ((st = cursor_parse(after, 'A', 1, raw, k, err)) != ST_OK)
			return st;
		if (!entry_account_number_valid(k[0]))
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[] = {k[0], lim};
	if ((st = db_exec(d, ACCOUNT_LIST, 2, p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < out->n; i++) {
		query_account *a = &out->rows[i];
		a->number = db_val(out->res, (int)i, 0);
		a->name = db_val(out->res, (int)i, 1);
		a->opened = db_val(out->res, (int)i, 2);
		a->last_inventory = db_val(out->res, (int)i, 3);
		a->open_items = db_int(out->res, (int)i, 4);
		a->address = db_val(out->res, (int)i, 5);
		a->cor_account = db_val(out->res, (int)i, 6);
	}
	if (more) {
		const char *key[] = {out->rows[out->n - 1].number};
		if ((st = cursor_make('A', key, 1, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_accounts_free(out);
	return st;
}

static const char OUTSIDE_LIST[] =
	"SELECT o.number, o.name, coalesce(o.address, ''), o.registered_idx"
	"  FROM outside_account o WHERE ($1::text IS NULL OR o.number > $1)"
	" ORDER BY o.number LIMIT $2";

void query_outsides_free(query_outsides *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_outside_list(db *d, int limit, const char *after, query_outsides *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	char raw[CURSOR_RAW_MAX + 1], lim[16];
	const char *k[1] = {NULL};
	if ((st = check_limit(limit, &limit, err)) != ST_OK)
		return st;
	if (given(after) != NULL) {
		if ((st = cursor_parse(after, 'O', 1, raw, k, err)) != ST_OK)
			return st;
		if (!entry_account_number_valid(k[0]))
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[] = {k[0], lim};
	if ((st = db_exec(d, OUTSIDE_LIST, 2, p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < out->n; i++) {
		query_outside *o = &out->rows[i];
		o->number = db_val(out->res, (int)i, 0);
		o->name = db_val(out->res, (int)i, 1);
		o->address = db_val(out->res, (int)i, 2);
		o->registered_index = db_int(out->res, (int)i, 3);
	}
	if (more) {
		const char *key[] = {out->rows[out->n - 1].number};
		if ((st = cursor_make('O', key, 1, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_outsides_free(out);
	return st;
}

/* ---- the session ---------------------------------------------------------------- */

static const char WHOAMI[] =
	"SELECT session_user, coalesce(p.name, ''),"
	"       coalesce((SELECT string_agg(r.role || coalesce(':' || r.account, ''),"
	"                                   ' ' ORDER BY r.role, r.account)"
	"                   FROM person_role r WHERE r.person = p.name), ''),"
	"       coalesce(h.origin, ''), coalesce(h.size, 0)"
	"  FROM (SELECT 1) one"
	"  LEFT JOIN person p ON p.login = session_user AND p.revoked_idx IS NULL"
	"  LEFT JOIN log_head h ON true";

void query_me_free(query_me *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	memset(p, 0, sizeof *p);
}

status query_whoami(db *d, query_me *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st = db_exec(d, WHOAMI, 0, NULL, &out->res, err);
	if (st != ST_OK)
		return st;
	if (PQntuples(out->res) != 1) {
		query_me_free(out);
		return err_set(err, ST_DB, "the session query returned no row");
	}
	out->login = db_val(out->res, 0, 0);
	out->name = db_val(out->res, 0, 1);
	out->roles = db_val(out->res, 0, 2);
	out->origin = db_val(out->res, 0, 3);
	out->log_size = db_int(out->res, 0, 4);
	return ST_OK;
}

/* ---- incidents ---------------------------------------------------------------------
 * Few rows: an account has tens of incidents in its life, not millions. */

static const char INCIDENT_LIST[] =
	"SELECT n.txn, n.account, n.category, " RFC3339("n.reported_at") ", n.updates,"
	"       " RFC3339("n.last_update") ", n.closed_idx IS NULL, " RFC3339("n.closed_at") ","
	"       (SELECT count(*) FROM txn t JOIN entry_item ei ON ei.idx = t.idx"
	"         WHERE t.number = n.txn),"
	"       " RFC3339("n.reported_at") ","
	"       " RFC3339("n.discovered_at") ", coalesce(n.outcome, '')"
	"  FROM incident n"
	" WHERE ($1::text IS NULL OR n.account = $1) AND (NOT $2::boolean OR n.closed_idx IS NULL)"
	"   AND ($3::timestamptz IS NULL OR (n.reported_at, n.txn) < ($3::timestamptz, $4::text))"
	" ORDER BY n.reported_at DESC, n.txn DESC LIMIT $5";

/* The entries of an incident: its own, and those that answer it (ref),
 * through txn_ref (migration 012). */
static const char INCIDENT_REPORTS[] =
	"SELECT l.idx, " RFC3339("l.time") ", l.action, l.note"
	"  FROM txn t JOIN log_entry l ON l.idx = t.idx"
	" WHERE t.number = $1 OR t.ref = $1"
	" ORDER BY l.idx LIMIT $2";

void query_reports_free(query_reports *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->rows[i].text);
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_incident_reports(db *d, const char *txn, query_reports *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st = check_text("incident", txn, ENTRY_TXN_MAX, err);
	if (st != ST_OK)
		return st;
	if (txn == NULL || txn[0] == '\0')
		return err_set(err, ST_USAGE, "name the incident (ACCOUNT-YEAR-NNNN)");
	char lim[16];
	snprintf(lim, sizeof lim, "%d", QUERY_REPORTS_MAX);
	const char *p[] = {txn, lim};
	if ((st = db_exec(d, INCIDENT_REPORTS, 2, p, &out->res, err)) != ST_OK)
		return st;
	size_t n = (size_t)PQntuples(out->res);
	if ((st = rows_new(n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		query_report *x = &out->rows[i];
		x->index = db_int(out->res, (int)i, 0);
		x->time = db_val(out->res, (int)i, 1);
		x->action = db_val(out->res, (int)i, 2);
		out->n = i + 1;
		size_t nlen = 0;
		unsigned char *raw =
			PQunescapeBytea((const unsigned char *)db_val(out->res, (int)i, 3), &nlen);
		/* the text of a signed note is what precedes its last blank line */
		size_t textlen = 0;
		for (size_t k = 0; raw != NULL && k + 1 < nlen; k++)
			if (raw[k] == '\n' && raw[k + 1] == '\n')
				textlen = k + 1;
		entry e = {0};
		errbuf why = {0};
		status pst = raw != NULL ? entry_parse((const char *)raw, textlen, &e, &why) : ST_NOMEM;
		PQfreemem(raw);
		if (pst == ST_NOMEM) {
			entry_free(&e);
			st = err_set(err, ST_NOMEM, "out of memory");
			goto fail;
		}
		if (pst != ST_OK) { /* stored, so verified: say so rather than guess */
			entry_free(&e);
			st = err_set(err, ST_CORRUPT, "entry %lld is not a custos entry: %s",
				     (long long)x->index, why.msg);
			goto fail;
		}
		x->text = e.text != NULL ? e.text : strdup("");
		x->textlen = e.text != NULL ? e.textlen : 0;
		e.text = NULL;
		entry_free(&e);
		if (x->text == NULL) {
			st = err_set(err, ST_NOMEM, "out of memory");
			goto fail;
		}
	}
	return ST_OK;
fail:
	query_reports_free(out);
	return st;
}

void query_incidents_free(query_incidents *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	memset(p, 0, sizeof *p);
}

status query_incident_list(db *d, const char *account, bool open_only, int limit,
			   const char *after, query_incidents *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	char raw[CURSOR_RAW_MAX + 1], lim[16];
	const char *k[2] = {NULL, NULL};
	account = given(account);
	if ((st = check_limit(limit, &limit, err)) != ST_OK ||
	    (st = check_account(account, err)) != ST_OK)
		return st;
	if (given(after) != NULL) {
		if ((st = cursor_parse(after, 'N', 2, raw, k, err)) != ST_OK)
			return st;
		/* the time goes back to the server as a parameter: only its shape
		 * is checked here */
		if (strlen(k[0]) != 27 || k[0][26] != 'Z')
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[] = {account, open_only ? "true" : "false", k[0], k[1], lim};
	if ((st = db_exec_adhoc(d, INCIDENT_LIST, 5, p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < out->n; i++) {
		query_incident *x = &out->rows[i];
		const PGresult *r = out->res;
		x->txn = db_val(r, (int)i, 0);
		x->account = db_val(r, (int)i, 1);
		x->category = db_val(r, (int)i, 2);
		x->reported = db_val(r, (int)i, 3);
		x->updates = db_int(r, (int)i, 4);
		x->last_update = db_val(r, (int)i, 5);
		x->open = strcmp(db_val(r, (int)i, 6), "t") == 0;
		x->closed = db_val(r, (int)i, 7);
		x->items = db_int(r, (int)i, 8);
		x->discovered = db_val(r, (int)i, 10);
		x->outcome = db_val(r, (int)i, 11);
	}
	if (more) {
		const char *key[] = {out->rows[out->n - 1].reported, out->rows[out->n - 1].txn};
		if ((st = cursor_make('N', key, 2, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_incidents_free(out);
	return st;
}

/* ---- the log --------------------------------------------------------------------------
 * Newest first by the primary key (or log_entry_account for one account);
 * row-level security decides which entries a custodian reads. */

/* Only the note's last 2 KiB travel: its signature block (at most
 * ENTRY_MAX_KEYS lines of a key name and 68 bytes of base64, after the
 * last blank line) always fits, and an entry can be 64 KiB. */
#define LOG_COLUMNS "idx, " RFC3339("time") ", action, txn, account, peer, actor," \
	" substring(note FROM greatest(1, length(note) - 2047))"
/* "\n\n" then per signer "— " (4 bytes), the name, a space, 92 bytes of
 * base64 and a newline */
_Static_assert(2 + ENTRY_MAX_KEYS * (4 + KEY_NAME_MAX + 1 + 92 + 1) <= 2048,
	       "the log list's note tail must hold every signature line");
static const char LOG_FWD[] =
	"SELECT " LOG_COLUMNS " FROM log_entry"
	" WHERE ($1::text IS NULL OR account = $1) AND ($2::bigint IS NULL OR idx < $2)"
	" ORDER BY idx DESC LIMIT $3";
static const char LOG_BACK[] =
	"SELECT " LOG_COLUMNS " FROM log_entry"
	" WHERE ($1::text IS NULL OR account = $1) AND ($2::bigint IS NULL OR idx > $2)"
	" ORDER BY idx LIMIT $3";

void query_log_free(query_log *p)
{
	if (p == NULL)
		return;
	PQclear(p->res);
	free(p->rows);
	free(p->names);
	memset(p, 0, sizeof *p);
}

status query_log_cursor(int64_t index, char out[QUERY_CURSOR_MAX], errbuf *err)
{
	char s[24];
	snprintf(s, sizeof s, "%lld", (long long)index);
	const char *k[] = {s};
	return cursor_make('L', k, 1, out, err);
}

/* The signers of rows[0..n) (note in column `col` of res, row order
 * `rowmap`) into one buffer; sets each row's signers. */
static status log_signers(query_log *out, int col, bool backward, errbuf *err)
{
	buf names = {0};
	size_t *off = out->n ? calloc(out->n, sizeof *off) : NULL;
	if (out->n && off == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (size_t i = 0; i < out->n; i++) {
		size_t nlen = 0;
		size_t row = backward ? out->n - 1 - i : i;
		unsigned char *note =
			PQunescapeBytea((const unsigned char *)db_val(out->res, (int)row, col), &nlen);
		off[i] = names.len;
		if (note == NULL) {
			names.failed = true;
			break;
		}
		note_signers(note, nlen, &names);
		buf_append(&names, "", 1);
		PQfreemem(note);
	}
	if (out->n > 0 && (out->names = buf_take(&names, NULL)) == NULL) {
		free(off);
		buf_free(&names);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < out->n; i++)
		out->rows[i].signers = out->names + off[i];
	free(off);
	return ST_OK;
}

status query_log_list(db *d, const query_log_filter *f, query_log *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	status st;
	int limit;
	const char *account = given(f->account);
	char raw[CURSOR_RAW_MAX + 1], lim[16], at[24];
	const char *pos = NULL;
	if ((st = check_limit(f->limit, &limit, err)) != ST_OK ||
	    (st = check_account(account, err)) != ST_OK)
		return st;
	if (given(f->after) != NULL) {
		const char *k[1];
		int64_t idx;
		if ((st = cursor_parse(f->after, 'L', 1, raw, k, err)) != ST_OK)
			return st;
		if (!parse_uint(k[0], INT64_MAX, &idx))
			return err_set(err, ST_USAGE, "the cursor is not one this list gave out");
		snprintf(at, sizeof at, "%lld", (long long)idx);
		pos = at;
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[] = {account, pos, lim};
	if ((st = db_exec_adhoc(d, f->backward ? LOG_BACK : LOG_FWD, 3, p, &out->res, err)) != ST_OK)
		return st;
	bool more;
	out->n = page_rows(out->res, limit, &more);
	if ((st = rows_new(out->n, sizeof *out->rows, (void **)&out->rows, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < out->n; i++) {
		size_t row = f->backward ? out->n - 1 - i : i;
		query_log_row *e = &out->rows[i];
		const PGresult *r = out->res;
		e->index = db_int(r, (int)row, 0);
		e->time = db_val(r, (int)row, 1);
		e->action = db_val(r, (int)row, 2);
		e->txn = db_val(r, (int)row, 3);
		e->account = db_val(r, (int)row, 4);
		e->peer = db_val(r, (int)row, 5);
		e->actor = db_val(r, (int)row, 6);
	}
	if ((st = log_signers(out, 7, f->backward, err)) != ST_OK)
		goto fail;
	if (more) {
		int64_t edge = out->rows[f->backward ? 0 : out->n - 1].index;
		if ((st = query_log_cursor(edge, out->next, err)) != ST_OK)
			goto fail;
	}
	return ST_OK;
fail:
	query_log_free(out);
	return st;
}

static const char LOG_NOTE[] = "SELECT note FROM log_entry WHERE idx = $1";

status query_log_note(db *d, int64_t index, char **note, size_t *len, errbuf *err)
{
	*note = NULL;
	*len = 0;
	char at[24];
	snprintf(at, sizeof at, "%lld", (long long)index);
	const char *p[] = {at};
	PGresult *r = NULL;
	status st = db_exec(d, LOG_NOTE, 1, p, &r, err);
	if (st != ST_OK)
		return st;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(err, ST_NOTFOUND, "no log entry %lld (or not one this login may read)",
			       (long long)index);
	}
	size_t n = 0;
	unsigned char *raw = PQunescapeBytea((const unsigned char *)db_val(r, 0, 0), &n);
	PQclear(r);
	if (raw == NULL || (*note = malloc(n + 1)) == NULL) {
		PQfreemem(raw);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	memcpy(*note, raw, n);
	(*note)[n] = '\0';
	*len = n;
	PQfreemem(raw);
	return ST_OK;
}
