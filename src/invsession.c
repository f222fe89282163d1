/* invsession.c: inventory sessions (see invsession.h).  The rules of a
 * session (who may work in it, what it expects, what a scan answers) are
 * the server's, in migration 022; this module calls them and builds the
 * certification, whose list digest is rules.c's. */
#include "invsession.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static const char *const kind_names[INVS__COUNT] = {"periodic", "custodian-change"};

const char *invsession_kind_name(invsession_kind k)
{
	return (unsigned)k < INVS__COUNT ? kind_names[k] : "?";
}

int invsession_kind_from_name(const char *s)
{
	for (int k = 0; s != NULL && k < INVS__COUNT; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return -1;
}

/* The server's answers (custos.inventory_scan), in invscan_answer order. */
static const char *const answer_names[SCAN__COUNT] = {"sighted", "already", "not_on_account",
						      "unknown", "ambiguous"};
static const char *const answer_words[SCAN__COUNT] = {
	"sighted", "already sighted", "not on this account", "unknown", "ambiguous"};

const char *invscan_answer_words(invscan_answer a)
{
	return (unsigned)a < SCAN__COUNT ? answer_words[a] : "?";
}

static void id_text(int64_t id, char out[24])
{
	snprintf(out, 24, "%" PRId64, id);
}

status invsession_open(db *d, const char *account, invsession_kind k, int64_t *id, errbuf *err)
{
	*id = 0;
	if (!entry_account_number_valid(account))
		return err_set(err, ST_USAGE, "an account number is 6 digits");
	if ((unsigned)k >= INVS__COUNT)
		return err_set(err, ST_USAGE, "no such kind of inventory session");
	const char *p[] = {account, kind_names[k]};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT custos.inventory_open($1, $2)", 2, p, &r, err);
	if (st == ST_OK)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return st;
}

status invsession_find(db *d, const char *account, int64_t *id, invsession_kind *k, errbuf *err)
{
	*id = 0;
	if (!entry_account_number_valid(account))
		return err_set(err, ST_USAGE, "an account number is 6 digits");
	const char *p[] = {account};
	PGresult *r = NULL;
	status st = db_exec(d,
			    "SELECT id, kind FROM custos.inventory_session WHERE account = $1 "
			    "AND closed_idx IS NULL AND abandoned_at IS NULL",
			    1, p, &r, err);
	if (st == ST_OK && PQntuples(r) == 1) {
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		int kind = invsession_kind_from_name(PQgetvalue(r, 0, 1));
		if (k != NULL)
			*k = kind >= 0 ? (invsession_kind)kind : INVS_PERIODIC;
	}
	PQclear(r);
	return st;
}

/* An item's identity and quantity in words (rules_item_words), into out. */
static void item_words(const char *title, const char *edition, const char *serial, uint32_t qty,
		       char out[INVS_WORDS_MAX])
{
	entry_item it = {.qty = qty};
	snprintf(it.title, sizeof it.title, "%s", title);
	snprintf(it.edition, sizeof it.edition, "%s", edition);
	snprintf(it.serial, sizeof it.serial, "%s", serial);
	char w[INVS_WORDS_MAX];
	snprintf(out, INVS_WORDS_MAX, "%s", rules_item_words(&it, w, sizeof w));
}

status invsession_scan(db *d, int64_t id, const char *scan, invscan_result *res, errbuf *err)
{
	memset(res, 0, sizeof *res);
	size_t n = strnlen(scan, ENTRY_SERIAL_MAX + 1);
	if (!entry_serial_valid(scan, n))
		return err_set(err, ST_FORMAT,
			       "a scan is a serial: 1 to %d letters, digits, '.', '/' or '-' "
			       "(then '+N' parts); nothing was recorded",
			       ENTRY_SERIAL_MAX);
	char ids[24];
	id_text(id, ids);
	const char *p[] = {ids, scan};
	PGresult *r = NULL;
	status st = db_exec(d,
			    "SELECT answer, title, edition, serial, qty, sighted, expected "
			    "FROM custos.inventory_scan($1::bigint, $2)",
			    2, p, &r, err);
	if (st == ST_OK) {
		const char *a = PQgetvalue(r, 0, 0);
		res->answer = SCAN_UNKNOWN;
		for (int k = 0; k < SCAN__COUNT; k++)
			if (strcmp(a, answer_names[k]) == 0)
				res->answer = (invscan_answer)k;
		if (!PQgetisnull(r, 0, 1))
			item_words(PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
				   (uint32_t)strtoul(PQgetvalue(r, 0, 4), NULL, 10), res->item);
		res->sighted = strtoull(PQgetvalue(r, 0, 5), NULL, 10);
		res->expected = strtoull(PQgetvalue(r, 0, 6), NULL, 10);
	}
	PQclear(r);
	return st;
}

status invsession_sight(db *d, int64_t id, const char *title, const char *edition,
			const char *serial, uint32_t qty, invscan_result *res, errbuf *err)
{
	memset(res, 0, sizeof *res);
	if (qty > ENTRY_QTY_MAX)
		return err_set(err, ST_USAGE, "a quantity counted is 0 to %d", ENTRY_QTY_MAX);
	char ids[24], qs[16];
	id_text(id, ids);
	snprintf(qs, sizeof qs, "%u", (unsigned)qty);
	const char *p[] = {ids, title, edition, serial, qs};
	PGresult *r = NULL;
	status st = db_exec(d,
			    "SELECT sighted, expected FROM "
			    "custos.inventory_sight($1::bigint, $2, $3, $4, $5::integer)",
			    5, p, &r, err);
	if (st == ST_OK) {
		res->answer = SCAN_SIGHTED;
		item_words(title, edition, serial, qty, res->item);
		res->sighted = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		res->expected = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	return st;
}

void invrecon_free(invrecon *r)
{
	free(r->sighted);
	free(r->not_sighted);
	free(r->found);
	free(r->qty_diff);
	memset(r, 0, sizeof *r);
}

/* Append a copy of line to list (*n lines).  The list's room doubles when
 * it is full (8, 16, 32, ...: full exactly when *n is 8 or more and a power
 * of two), so a list of n lines costs O(n) copies, not O(n^2) as growing by
 * one line did (tests/bench/scan.sh: 400 MB of reallocations for 2,000
 * lines under ASan). */
static status push_line(invrecon_line **list, size_t *n, const invrecon_line *line, errbuf *err)
{
	size_t k = *n;
	if (k == 0 || (k >= 8 && (k & (k - 1)) == 0)) {
		size_t room = k == 0 ? 8 : 2 * k;
		invrecon_line *p = room > SIZE_MAX / sizeof *p ? NULL : realloc(*list, room * sizeof *p);
		if (p == NULL)
			return err_set(err, ST_NOMEM, "out of memory reconciling the inventory");
		*list = p;
	}
	(*list)[(*n)++] = *line;
	return ST_OK;
}

status invsession_reconcile(db *d, int64_t id, invrecon *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	char ids[24];
	id_text(id, ids);
	const char *p[] = {ids};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT account, kind FROM custos.inventory_session WHERE id = $1::bigint",
			    1, p, &r, err);
	if (st == ST_OK && PQntuples(r) != 1)
		st = err_set(err, ST_NOTFOUND, "no inventory session %s that you may read", ids);
	if (st == ST_OK) {
		snprintf(out->account, sizeof out->account, "%s", PQgetvalue(r, 0, 0));
		int k = invsession_kind_from_name(PQgetvalue(r, 0, 1));
		out->kind = k >= 0 ? (invsession_kind)k : INVS_PERIODIC;
	}
	PQclear(r);
	r = NULL;
	if (st == ST_OK)
		st = db_exec(d,
			     "SELECT list, title, edition, serial, qty, counted, state "
			     "FROM custos.inventory_reconcile($1::bigint)",
			     1, p, &r, err);
	rules_list_digest dg;
	rules_list_digest_init(&dg);
	bool ordered = true;
	for (int i = 0; st == ST_OK && i < PQntuples(r); i++) {
		invrecon_line l = {0};
		const char *list = PQgetvalue(r, i, 0);
		snprintf(l.title, sizeof l.title, "%s", PQgetvalue(r, i, 1));
		snprintf(l.edition, sizeof l.edition, "%s", PQgetvalue(r, i, 2));
		snprintf(l.serial, sizeof l.serial, "%s", PQgetvalue(r, i, 3));
		l.qty = (uint32_t)strtoul(PQgetvalue(r, i, 4), NULL, 10);
		l.counted = (uint32_t)strtoul(PQgetvalue(r, i, 5), NULL, 10);
		snprintf(l.state, sizeof l.state, "%s", PQgetvalue(r, i, 6));
		if (strcmp(list, "found") == 0) {
			st = push_line(&out->found, &out->nfound, &l, err);
			continue;
		}
		out->expected++;
		if (strcmp(list, "sighted") == 0) {
			st = push_line(&out->sighted, &out->nsighted, &l, err);
			ordered = ordered && rules_list_digest_add(&dg, l.title, l.edition, l.serial, l.qty);
		} else if (strcmp(list, "qty_diff") == 0) {
			st = push_line(&out->qty_diff, &out->nqty_diff, &l, err);
		} else {
			st = push_line(&out->not_sighted, &out->nnot_sighted, &l, err);
		}
	}
	PQclear(r);
	uint64_t count = 0;
	rules_list_digest_final(&dg, out->digest, &count);
	if (st == ST_OK && !ordered)
		st = err_set(err, ST_DB, "the server's expected list is not in (title, edition, "
			     "serial) order");
	out->closable = st == ST_OK && out->nnot_sighted == 0 && out->nqty_diff == 0;
	if (st != ST_OK)
		invrecon_free(out);
	return st;
}

status invsession_certification(db *d, int64_t id, const char *incoming, ledger_request *q,
				invcert *c, errbuf *err)
{
	memset(c, 0, sizeof *c);
	invrecon rec;
	status st = invsession_reconcile(d, id, &rec, err);
	if (st != ST_OK)
		return st;
	if (!rec.closable) {
		st = err_set(err, ST_REFUSED,
			     "inventory session %" PRId64 " cannot close: %zu item(s) not sighted and "
			     "%zu counted at another quantity than the record; report them "
			     "(incident report) or sight them first",
			     id, rec.nnot_sighted, rec.nqty_diff);
		invrecon_free(&rec);
		return st;
	}
	if (rec.kind == INVS_CUSTODIAN_CHANGE && (incoming == NULL || incoming[0] == '\0')) {
		invrecon_free(&rec);
		return err_set(err, ST_USAGE, "a change of custodian names the incoming custodian");
	}
	char ids[24];
	id_text(id, ids);
	const char *p[] = {ids};
	PGresult *r = NULL;
	st = db_exec(d, "SELECT found_scans, not_sighted, qty_diff FROM custos.inventory_tally($1::bigint)",
		     1, p, &r, err);
	if (st == ST_OK) {
		char hex[2 * SHA256_LEN + 1];
		for (size_t i = 0; i < SHA256_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", rec.digest[i]);
		/* names in ascending order, as the entry carries them */
		const char *names[5] = {"found", "list_sha256", "not_sighted", "qty_diff", "sighted"};
		const char *vals[5] = {PQgetvalue(r, 0, 0), hex, PQgetvalue(r, 0, 1),
				       PQgetvalue(r, 0, 2), NULL};
		char sighted[24];
		snprintf(sighted, sizeof sighted, "%zu", rec.nsighted);
		vals[4] = sighted;
		for (size_t k = 0; k < 5; k++) {
			bool cc = rec.kind == INVS_CUSTODIAN_CHANGE;
			if (cc && k != 1 && k != 4)
				continue; /* a change of custodian states the list alone */
			snprintf(c->values[c->ndetails], sizeof c->values[0], "%s", vals[k]);
			c->details[c->ndetails].name = names[k];
			c->details[c->ndetails].value = c->values[c->ndetails];
			c->ndetails++;
		}
		memset(q, 0, sizeof *q);
		q->action = rec.kind == INVS_CUSTODIAN_CHANGE ? ACT_CUSTODIAN_CHANGE : ACT_INVENTORY;
		snprintf(q->account, sizeof q->account, "%s", rec.account);
		if (rec.kind == INVS_CUSTODIAN_CHANGE)
			snprintf(q->holder, sizeof q->holder, "%s", incoming);
		q->details = c->details;
		q->ndetails = c->ndetails;
	}
	PQclear(r);
	invrecon_free(&rec);
	return st;
}

status invsession_close(db *d, int64_t id, const key_secret *actor, const key_secret *second,
			const char *incoming, const char *idem, const char *expect, size_t expectlen,
			ledger_result *res, errbuf *err)
{
	memset(res, 0, sizeof *res);
	ledger_request q;
	invcert c;
	status st = invsession_certification(d, id, incoming, &q, &c, err);
	if (st != ST_OK)
		return st;
	q.actor = actor;
	q.second = second;
	q.expect = expect;
	q.expectlen = expectlen;
	if (idem != NULL && idem[0] != '\0')
		snprintf(q.idem, sizeof q.idem, "%s", idem);
	else
		ledger_new_idem(q.idem);
	return ledger_submit(d, &q, res, err);
}

status invsession_abandon(db *d, int64_t id, errbuf *err)
{
	char ids[24];
	id_text(id, ids);
	const char *p[] = {ids};
	return db_exec(d, "SELECT custos.inventory_abandon($1::bigint)", 1, p, NULL, err);
}
