/* forms.c: the action forms (see forms.h): their fields, and how the
 * fields and the selection make a ledger request.  The engine (stages,
 * confirmation, keys, submission) is tui/form.c. */
#include "forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/invsession.h"
#include "../src/query.h"
#include "../src/rules.h"
#include "form.h"
#include "validate.h"

#define REMARKS_MAX 1000
#define ACCOUNT_NAME_MAX 200 /* the ledger's bound on an account's name */

/* ---- validators with the form's signature ------------------------------------ */

static status c_peer(const char *v, errbuf *e) { return validate_account(v, true, e); }
static status c_title(const char *v, errbuf *e) { return validate_title(v, e); }
static status c_edition(const char *v, errbuf *e) { return validate_edition(v, e); }
static status c_serial(const char *v, errbuf *e) { return validate_serial(v, false, e); }
static status c_kind(const char *v, errbuf *e) { return validate_kind(v, NULL, e); }
static status c_class(const char *v, errbuf *e) { return validate_class(v, NULL, e); }
static status c_alc(const char *v, errbuf *e) { return validate_alc(v, NULL, e); }
static status c_qty(const char *v, errbuf *e) { return validate_qty(v, NULL, e); }
static status c_crypto(const char *v, errbuf *e) { return validate_crypto(v, NULL, e); }
static status c_date(const char *v, errbuf *e) { return validate_date(v, NULL, e); }
static status c_person(const char *v, errbuf *e) { return validate_person(v, e); }
static status c_txn(const char *v, errbuf *e) { return validate_txn(v, e); }
static status c_category(const char *v, errbuf *e) { return validate_category(v, NULL, e); }
static status c_category_opt(const char *v, errbuf *e)
{
	return v[0] ? validate_category(v, NULL, e) : ST_OK;
}
static status c_serials(const char *v, errbuf *e)
{
	return validate_text(v, strlen(v), 4000, false, e);
}
static status c_remarks(const char *v, errbuf *e)
{
	return validate_text(v, strlen(v), REMARKS_MAX, false, e);
}
static status c_what(const char *v, errbuf *e)
{
	return validate_text(v, strlen(v), REMARKS_MAX, true, e);
}
static status c_method(const char *v, errbuf *e) { return validate_method(v, NULL, e); }
static status c_outcome(const char *v, errbuf *e) { return validate_outcome(v, NULL, e); }
static status c_authority(const char *v, errbuf *e) { return validate_authority(v, e); }
static status c_incident(const char *v, errbuf *e) { return v[0] ? validate_txn(v, e) : ST_OK; }
static status c_alc_new(const char *v, errbuf *e)
{
	if (v[0] == '\0')
		return err_set(e, ST_FORMAT, "give the new ALC: 1, 2, 4, 6 or 7");
	return validate_alc(v, NULL, e);
}
static status c_discovered(const char *v, errbuf *e)
{
	return validate_discovered(v, (int64_t)time(NULL) * 1000000, NULL, e);
}

static status c_account(const char *v, errbuf *e) { return validate_account(v, false, e); }
static status c_number(const char *v, errbuf *e)
{
	bool ok = v[0] != '\0' && strlen(v) <= 9;
	for (const char *c = v; ok && *c; c++)
		ok = *c >= '0' && *c <= '9';
	return ok ? ST_OK : err_set(e, ST_USAGE, "a whole number");
}
static status c_cor_account(const char *v, errbuf *e) { return validate_cor_account(v, e); }
static status c_account_name(const char *v, errbuf *e)
{
	return validate_detail(v, "the account's name", ACCOUNT_NAME_MAX, true, e);
}
static status c_address(const char *v, errbuf *e)
{
	return validate_detail(v, "the address", ENTRY_DETAIL_MAX, false, e);
}
static status c_rank(const char *v, errbuf *e)
{
	return validate_detail(v, "the rank or grade", ENTRY_DETAIL_MAX, false, e);
}
static status c_position(const char *v, errbuf *e)
{
	return validate_detail(v, "the position", ENTRY_DETAIL_MAX, false, e);
}

static status c_role(const char *v, errbuf *e) { return validate_role(v, NULL, e); }
static status c_login(const char *v, errbuf *e) { return validate_login(v, e); }
static status c_account_opt(const char *v, errbuf *e)
{
	return v[0] ? validate_account(v, false, e) : ST_OK;
}
static status c_vkey(const char *v, errbuf *e)
{
	if (v[0] == '\0')
		return err_set(e, ST_USAGE, "give the person's verifier key (custos key pub FILE)");
	key_public k;
	return key_vkey_parse(v, strlen(v), &k, e);
}

/* ---- shared pieces -------------------------------------------------------------- */

/* The index of the field labelled `label`, or -1. */
static int field(const form *f, const char *label)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].label, label) == 0)
			return (int)i;
	return -1;
}

static const char *value(const form *f, const char *label)
{
	int i = field(f, label);
	return i >= 0 ? f->fields[i].value : "";
}

/* Set the request's free text to `a`, or "a; b" (both may be empty). */
static status set_text(form *f, ledger_request *q, const char *a, const char *b, errbuf *err)
{
	free(f->text);
	f->text = NULL;
	size_t la = strlen(a), lb = strlen(b), n = la + lb + 3;
	f->text = malloc(n);
	if (f->text == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	snprintf(f->text, n, "%s%s%s", a, la && lb ? "; " : "", b);
	f->textlen = strlen(f->text);
	q->text = f->text;
	q->textlen = f->textlen;
	return ST_OK;
}

/* The selected items as the request's items (identity only: the ledger
 * fills in the rest from its tables). */
static status use_selection(form *f, ledger_request *q, errbuf *err)
{
	free(f->items);
	f->items = NULL;
	f->nitems = 0;
	if (f->nsel > 0) {
		f->items = calloc(f->nsel, sizeof *f->items);
		if (f->items == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		memcpy(f->items, f->sel, f->nsel * sizeof *f->items);
		f->nitems = f->nsel;
	}
	q->items = f->items;
	q->nitems = f->nitems;
	return ST_OK;
}

/* Transfer, issue, destroy of one quantity lot: field "Quantity", the
 * lot's quantity at first (the whole lot); less is a part of it, which
 * the entry splits off (the ledger's rule: ledger_request.items). */
#define QUANTITY "Quantity"

static void add_quantity(form *f)
{
	if (f->nsel != 1 || f->sel_qty < 2)
		return;
	char q[16];
	snprintf(q, sizeof q, "%u", (unsigned)f->sel_qty);
	form_intro(f, "A lot of %u: a smaller Quantity takes part of it; the entry lists the "
		      "part with serial %s+N, N its index, and the lot keeps the rest.",
		   (unsigned)f->sel_qty, f->sel[0].serial);
	(void)form_add(f, QUANTITY, q, 8, c_qty, 0);
}

/* The selection as the request's items, with the part the Quantity field
 * asks for. */
static status use_selection_part(form *f, ledger_request *q, errbuf *err)
{
	status st = use_selection(f, q, err);
	int k = field(f, QUANTITY);
	if (st != ST_OK || k < 0 || f->nitems != 1)
		return st;
	uint32_t n = 0;
	errbuf why = {0};
	if ((st = validate_qty(f->fields[k].value, &n, &why)) != ST_OK) {
		f->bad_field = k;
		return err_set(err, st, "Quantity: %s", err_text(&why, st));
	}
	/* more than the lot is the rule's to refuse (split_qty), at the preview */
	f->items[0].qty = n == f->sel_qty ? 0 : n; /* 0: the whole lot */
	return ST_OK;
}

static void copy_to(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* "Items (3):" and one line per item (at most 5, then "and N more"). */
static void intro_items(form *f)
{
	form_intro(f, "Items (%zu):", f->nsel);
	for (size_t i = 0; i < f->nsel; i++) {
		if (i == 5 && f->nsel > 6) {
			form_intro(f, "  and %zu more", f->nsel - 5);
			break;
		}
		const entry_item *it = &f->sel[i];
		form_intro(f, "  %s%s%s%s%s", it->title, it->edition[0] ? "  edition " : "",
			   it->edition, it->serial[0] ? "  serial " : "", it->serial);
	}
}

/* ---- item rows (receipt, possession) ------------------------------------------- */

static const char *const ROW_FIELDS[] = {"short title", "edition",  "serial",    "kind",
					 "class",       "ALC",      "quantity",  "CRYPTO",
					 "effective",   "supersedes"};
#define ROW_NFIELDS (sizeof ROW_FIELDS / sizeof ROW_FIELDS[0])

static void row_label(char *out, size_t cap, int row, const char *what)
{
	snprintf(out, cap, "Item %d %s", row, what);
}

static void add_item_row(form *f)
{
	if (f->nfields + ROW_NFIELDS > FORM_FIELDS_MAX) {
		form_intro(f, "No room for more items in one entry here");
		return;
	}
	/* the rows go before the last field (the remarks) */
	form_field last = f->fields[--f->nfields];
	int row = ++f->rows;
	static const form_check_fn checks[ROW_NFIELDS] = {c_title, c_edition, c_serial, c_kind,
							  c_class, c_alc,     c_qty,    c_crypto,
							  c_date,  c_date};
	static const char *const initial[ROW_NFIELDS] = {"", "", "", "equipment", "U",
							 "", "", "", "", ""};
	static const size_t max[ROW_NFIELDS] = {ENTRY_TITLE_MAX, ENTRY_EDITION_MAX,
						ENTRY_SERIAL_MAX, 16, 4, 2, 8, 4,
						ENTRY_DATE_LEN, ENTRY_DATE_LEN};
	size_t first = f->nfields;
	for (size_t i = 0; i < ROW_NFIELDS; i++) {
		char label[40];
		row_label(label, sizeof label, row, ROW_FIELDS[i]);
		(void)form_add(f, label, initial[i], max[i], checks[i], row);
	}
	f->fields[f->nfields++] = last;
	f->focus = first;
}

/* A row the person left alone: no title, nothing but the defaults. */
static bool row_empty(const form *f, int row)
{
	for (size_t i = 0; i < f->nfields; i++) {
		const form_field *fl = &f->fields[i];
		if (fl->row != row || fl->len == 0)
			continue;
		if (strstr(fl->label, " kind") && strcmp(fl->value, "equipment") == 0)
			continue;
		if (strstr(fl->label, " class") && strcmp(fl->value, "U") == 0)
			continue;
		return false;
	}
	return true;
}

static status build_rows(form *f, ledger_request *q, errbuf *err)
{
	free(f->items);
	f->items = calloc((size_t)(f->rows > 0 ? f->rows : 1), sizeof *f->items);
	f->nitems = 0;
	if (f->items == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (int row = 1; row <= f->rows; row++) {
		if (row_empty(f, row) && !(row == 1 && f->rows == 1))
			continue;
		const char *v[ROW_NFIELDS];
		int title_at = -1;
		for (size_t i = 0; i < ROW_NFIELDS; i++) {
			char label[40];
			row_label(label, sizeof label, row, ROW_FIELDS[i]);
			int k = field(f, label);
			v[i] = k >= 0 ? f->fields[k].value : "";
			if (i == 0)
				title_at = k;
		}
		validate_item_fields in = {.title = v[0], .edition = v[1], .serial = v[2],
					   .kind = v[3], .cls = v[4], .alc = v[5], .qty = v[6],
					   .crypto = v[7], .effective = v[8], .supersedes = v[9]};
		errbuf why = {0};
		status st = validate_item(&in, &f->items[f->nitems], &why);
		if (st != ST_OK) {
			f->bad_field = title_at;
			return err_set(err, st, "Item %d: %s", row, err_text(&why, st));
		}
		f->nitems++;
	}
	if (f->nitems == 0)
		return err_set(err, ST_USAGE, "give at least one item");
	q->items = f->items;
	q->nitems = f->nitems;
	return ST_OK;
}

/* ---- the forms -------------------------------------------------------------------- */

static status b_receive(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->peer, sizeof q->peer, value(f, "From (COR/account)"));
	status st = build_rows(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_possession(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->ref, sizeof q->ref, value(f, "Lost under incident"));
	status st = build_rows(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_transfer(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->peer, sizeof q->peer, value(f, "To (account/COR)"));
	status st = use_selection_part(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

/* A short shipment: the serials that arrived, separated by spaces (a
 * scanner's Enter moves on, so they are typed or scanned one after the
 * other), each the identity of an item of the transfer. */
static status arrived_items(form *f, ledger_request *q, errbuf *err)
{
	const char *v = value(f, "Arrived (serials)");
	size_t n = 0, cap = strlen(v) / 2 + 1;
	free(f->items);
	f->items = calloc(cap, sizeof *f->items);
	f->nitems = 0;
	if (f->items == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	for (const char *p = v; *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len == 0)
			break;
		char serial[ENTRY_SERIAL_MAX + 2];
		snprintf(serial, sizeof serial, "%.*s", (int)(len <= ENTRY_SERIAL_MAX ? len : ENTRY_SERIAL_MAX + 1), p);
		errbuf why = {0};
		status st = validate_serial(serial, true, &why);
		if (st != ST_OK || n >= ENTRY_MAX_ITEMS) {
			f->bad_field = field(f, "Arrived (serials)");
			return err_set(err, st != ST_OK ? st : ST_TOOBIG, "Arrived: %s",
				       st != ST_OK ? err_text(&why, st) : "too many items");
		}
		/* valid: at most ENTRY_SERIAL_MAX bytes */
		memcpy(f->items[n++].serial, serial, strlen(serial) + 1);
		p += len;
	}
	f->nitems = n;
	q->items = f->items;
	q->nitems = n;
	return ST_OK;
}

static status b_accept(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->ref, sizeof q->ref, value(f, "Transfer"));
	const char *cat = value(f, "Discrepancy");
	if (cat[0] != '\0') { /* a short shipment: an incident, and what arrived */
		status st = validate_category(cat, &q->category, err);
		if (st == ST_OK)
			st = arrived_items(f, q, err);
		if (st != ST_OK) {
			if (f->bad_field < 0)
				f->bad_field = field(f, "Discrepancy");
			return st;
		}
	}
	return set_text(f, q, value(f, "Remarks"), "", err);
}

/* A rejection or recall: the transfer named, its items found by the ledger. */
static status b_answer(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->ref, sizeof q->ref, value(f, "Transfer"));
	return set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_issue(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->holder, sizeof q->holder, value(f, "Holder"));
	status st = use_selection_part(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_return(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->holder, sizeof q->holder, value(f, "Holder"));
	copy_to(q->ref, sizeof q->ref, value(f, "Hand receipt"));
	status st = use_selection(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_destroy(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	status st = validate_method(value(f, "Method"), &q->method, err);
	if (st != ST_OK) {
		f->bad_field = field(f, "Method");
		return st;
	}
	copy_to(q->authority, sizeof q->authority, value(f, "Authority"));
	if ((st = use_selection_part(f, q, err)) != ST_OK)
		return st;
	return set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_inventory(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	status st = use_selection(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_handover(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->holder, sizeof q->holder, value(f, "Incoming custodian"));
	status st = use_selection(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

/* An ALC change: detail alc, and detail authority when given.  The TUI
 * opens one form at a time, so the request's detail lines may live here;
 * their values are the form's fields. */
static status b_alc(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	static ledger_detail details[2];
	size_t n = 0;
	details[n++] = (ledger_detail){"alc", value(f, "New ALC")};
	if (value(f, "Authority (downgrade)")[0] != '\0')
		details[n++] = (ledger_detail){"authority", value(f, "Authority (downgrade)")};
	q->details = details;
	q->ndetails = n;
	status st = use_selection(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_effective(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	status st = use_selection(f, q, err);
	return st != ST_OK ? st : set_text(f, q, value(f, "Remarks"), "", err);
}

static status b_incident(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	entry_category c = CAT_NONE;
	status st = validate_category(value(f, "Category"), &c, err);
	if (st != ST_OK) {
		f->bad_field = field(f, "Category");
		return st;
	}
	q->category = c;
	st = validate_discovered(value(f, "Discovered (UTC)"), 0, &q->discovered_us, err);
	if (st != ST_OK) {
		f->bad_field = field(f, "Discovered (UTC)");
		return st;
	}
	if ((st = use_selection_part(f, q, err)) != ST_OK)
		return st;
	return set_text(f, q, value(f, "What happened"), "", err);
}

static status b_update(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->ref, sizeof q->ref, value(f, "Incident"));
	return set_text(f, q, value(f, "What is reported"), "", err);
}

static status b_close(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->ref, sizeof q->ref, value(f, "Incident"));
	status st = validate_outcome(value(f, "Outcome"), &q->outcome, err);
	if (st != ST_OK) {
		f->bad_field = field(f, "Outcome");
		return st;
	}
	return set_text(f, q, value(f, "Remarks"), "", err);
}

/* ---- the administrator's paperwork (account-outside, account-details,
 * person-details) ------------------------------------------------------------- */

/* Add detail `name` from the field labelled `label` when it is not empty
 * (an empty field leaves the detail as it is). */
static void detail_from(form *f, const char *name, const char *label)
{
	const char *v = value(f, label);
	if (v[0] != '\0' && f->ndetails < sizeof f->details / sizeof f->details[0])
		f->details[f->ndetails++] = (ledger_detail){name, v};
}

static void use_details(form *f, ledger_request *q)
{
	q->details = f->details;
	q->ndetails = f->ndetails;
}

static status b_outside(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->account, sizeof q->account, value(f, "Account number"));
	f->ndetails = 0;
	detail_from(f, "address", "Address");
	use_details(f, q);
	return set_text(f, q, value(f, "Name"), "", err);
}

static status b_account_details(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->account, sizeof q->account, value(f, "Account"));
	f->ndetails = 0;
	detail_from(f, "address", "Address");
	detail_from(f, "cor_account", "COR account");
	if (f->ndetails == 0) {
		f->bad_field = field(f, "Address");
		return err_set(err, ST_USAGE, "give the address, the COR account or both");
	}
	use_details(f, q);
	return ST_OK;
}

static status b_person_details(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	q->account[0] = '\0';
	copy_to(q->holder, sizeof q->holder, value(f, "Person"));
	f->ndetails = 0;
	detail_from(f, "rank", "Rank or grade");
	detail_from(f, "position", "Position");
	if (f->ndetails == 0) {
		f->bad_field = field(f, "Rank or grade");
		return err_set(err, ST_USAGE, "give the rank or grade, the position or both");
	}
	use_details(f, q);
	return ST_OK;
}

/* key-rotate: the person's new verifier key (custos key pub), named as
 * they are. */
static status b_rotate(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	q->account[0] = '\0';
	const char *person = value(f, "Person"), *vk = value(f, "New key (vkey)");
	errbuf why = {0};
	status st = key_vkey_parse(vk, strlen(vk), &q->subject, &why);
	if (st == ST_OK && strcmp(q->subject.name, person) != 0)
		st = err_set(&why, ST_USAGE, "the key is named %s, not %s", q->subject.name, person);
	if (st != ST_OK) {
		f->bad_field = field(f, "New key (vkey)");
		return err_set(err, st, "New key: %s", err_text(&why, st));
	}
	return ST_OK;
}

/* The policy form's labels, one per policy of rules.c's table. */
static const char *const POLICY_LABELS[] = {
	[POL_DESTRUCTION_DEADLINE] = "Destruction (hours)",
	[POL_HAND_RECEIPT_ALARM] = "Hand receipt (days)",
	[POL_INCIDENT_REPORT] = "Incident (hours)",
	[POL_INVENTORY_INTERVAL] = "Inventory (months)",
	[POL_TRANSIT_ALARM] = "Transit (days)",
	[POL_TWO_PERSON_KEY_CLASS] = "Two-person class",
};
_Static_assert(sizeof POLICY_LABELS / sizeof POLICY_LABELS[0] == POL__COUNT,
	       "a label for every policy");

/* policy-set: a detail for every policy whose field was edited (an
 * untouched field keeps the value in force); the values are judged by the
 * preview (rules_check_policy_pairs: name, range). */
static status b_policy(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	q->account[0] = '\0';
	f->ndetails = 0;
	for (int p = 0; p < POL__COUNT; p++) {
		int i = field(f, POLICY_LABELS[p]);
		if (i >= 0 && !f->fields[i].untouched)
			f->details[f->ndetails++] =
				(ledger_detail){rules_policy_of((rules_policy)p)->name, f->fields[i].value};
	}
	if (f->ndetails == 0) {
		f->bad_field = field(f, POLICY_LABELS[0]);
		return err_set(err, ST_USAGE, "change at least one policy's value");
	}
	use_details(f, q);
	return ST_OK;
}

/* key-enrol, key-revoke: the role of field Role and, for a role held on
 * an account (rules_account_role), the account of field Account; a role
 * held everywhere takes none. */
static status role_line(form *f, ledger_request *q, errbuf *err)
{
	status st = validate_role(value(f, "Role"), &q->role, err);
	if (st != ST_OK) {
		f->bad_field = field(f, "Role");
		return st;
	}
	copy_to(q->account, sizeof q->account, value(f, "Account"));
	if (rules_account_role(q->role) != (q->account[0] != '\0')) {
		f->bad_field = field(f, "Account");
		return err_set(err, ST_USAGE, rules_account_role(q->role)
					      ? "role %s is held on an account: give the account"
					      : "role %s is held everywhere, on no account: leave "
						"Account empty",
			       entry_role_name(q->role));
	}
	return ST_OK;
}

/* key-enrol of a new person: their verifier key (custos key pub), named
 * as they are, their first role and their login role ("": the key name). */
static status b_enrol(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	const char *name = value(f, "Name"), *vk = value(f, "Key (vkey)");
	errbuf why = {0};
	status st = key_vkey_parse(vk, strlen(vk), &q->subject, &why);
	if (st == ST_OK && strcmp(q->subject.name, name) != 0)
		st = err_set(&why, ST_USAGE, "the key is named %s, not %s", q->subject.name, name);
	if (st != ST_OK) {
		f->bad_field = field(f, "Key (vkey)");
		return err_set(err, st, "Key: %s", err_text(&why, st));
	}
	copy_to(q->login, sizeof q->login, value(f, "Login role"));
	return role_line(f, q, err);
}

/* After the enrolment: the login's password, when one was typed (the
 * CLI's --password-fd; ledger_set_login_password).  The engine wipes it
 * (form_wipe_secrets) whatever this returns. */
static status after_enrol(form *f, tui_app *app, const ledger_result *res, errbuf *err)
{
	(void)res;
	const char *pass = value(f, "Password");
	if (pass[0] == '\0')
		return ST_OK;
	errbuf why = {0};
	status st = ledger_set_login_password(app->db, value(f, "Name"), pass, &why);
	return st == ST_OK ? ST_OK
			   : err_set(err, st, "the login's password is not set (%s)",
				     err_text(&why, st));
}

/* account-open: the number, and the name as the entry's text. */
static status b_open(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	(void)app;
	copy_to(q->account, sizeof q->account, value(f, "Account number"));
	return set_text(f, q, value(f, "Name"), "", err);
}

/* key-enrol of a person enrolled (an appointment) and key-revoke: the key
 * line is the person's key in force (query_person_key), with the role. */
static status b_person_role(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	status st = role_line(f, q, err);
	if (st != ST_OK)
		return st;
	if ((st = query_person_key(app->db, value(f, "Person"), &q->subject, err)) != ST_OK)
		f->bad_field = field(f, "Person");
	return st;
}

static const form_def PAPERWORK[] = {
	{A_PERSON_ENROL, ACT_KEY_ENROL, "Enrol a person", b_enrol, NULL},
	{A_ACCOUNT_OPEN, ACT_ACCOUNT_OPEN, "Open an account", b_open, NULL},
	{A_APPOINT, ACT_KEY_ENROL, "Appoint to a role", b_person_role, NULL},
	{A_KEY_REVOKE, ACT_KEY_REVOKE, "Revoke a role", b_person_role, NULL},
	{A_ACCOUNT_OUTSIDE, ACT_ACCOUNT_OUTSIDE, "Register an outside account", b_outside, NULL},
	{A_ACCOUNT_DETAILS, ACT_ACCOUNT_DETAILS, "Account details", b_account_details, NULL},
	{A_PERSON_DETAILS, ACT_PERSON_DETAILS, "Rank and position", b_person_details, NULL},
	{A_KEY_ROTATE, ACT_KEY_ROTATE, "Replace a key", b_rotate, NULL},
	{A_POLICY_SET, ACT_POLICY_SET, "Policy", b_policy, NULL},
};

static const char *or_empty(const char *s) { return s != NULL ? s : ""; }

/* The first of `roles` (query_person's "role" or "role:account", space
 * separated) into role and account ("" when it has none, or none at all). */
static void first_role(const char *roles, char *role, size_t rcap, char *acct, size_t acap)
{
	size_t n = strcspn(roles, " "), rn = strcspn(roles, ": ");
	if (rn > n)
		rn = n;
	snprintf(role, rcap, "%.*s", (int)rn, roles);
	snprintf(acct, acap, "%.*s", rn < n ? (int)(n - rn - 1) : 0, rn < n ? roles + rn + 1 : "");
}

/* The paperwork forms need no account in view (an administrator may keep
 * none): the account or person they are about is a field, prefilled from
 * the line under the cursor, its current details as defaults.  False if
 * `id` is not one of them. */
static bool paperwork_open(tui_app *app, tui_action id, const tui_selection *sel)
{
	const form_def *def = NULL;
	for (size_t i = 0; i < sizeof PAPERWORK / sizeof PAPERWORK[0]; i++)
		if (PAPERWORK[i].action == id)
			def = &PAPERWORK[i];
	if (def == NULL)
		return false;
	if (!tui_allowed(app, id)) /* before any field, let alone a passphrase */
		return true;
	tui_selection none;
	memset(&none, 0, sizeof none);
	if (sel == NULL)
		sel = &none;
	if ((id == A_PERSON_DETAILS || id == A_KEY_ROTATE) && or_empty(sel->person)[0] == '\0') {
		tui_message(app, TUI_MSG_WARN, "%s: put the cursor on a person (l lists the people)",
			    def->title);
		return true;
	}
	query_policy_row pol[POL__COUNT];
	errbuf err = {0};
	status st = id == A_POLICY_SET ? query_policy(app->db, pol, &err) : ST_OK;
	if (st != ST_OK) {
		tui_message(app, TUI_MSG_ERROR, "%s: %s", def->title, err_text(&err, st));
		return true;
	}
	form *f = form_new(def, "");
	if (f == NULL) {
		tui_message(app, TUI_MSG_ERROR, "out of memory");
		return true;
	}
	char role[24] = "", racct[ENTRY_ACCOUNT_LEN + 1] = "";
	first_role(or_empty(sel->roles), role, sizeof role, racct, sizeof racct);
	switch (id) {
	case A_PERSON_ENROL:
		form_intro(f, "A new person: their name, the verifier key they made (custos key pub "
			      "FILE), their first role");
		form_intro(f, "and, for a role held on an account, that account.  Their own key "
			      "co-signs (they hold it), or another person's.");
		form_intro(f, "Login role: empty for their name.  Password: typed hidden, set "
			      "after the entry, never in it.");
		(void)form_add(f, "Name", "", KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "Key (vkey)", "", KEY_VKEY_MAX, c_vkey, 0);
		(void)form_add(f, "Role", "holder", 16, c_role, 0);
		(void)form_add(f, "Account", sel->account, ENTRY_ACCOUNT_LEN, c_account_opt, 0);
		(void)form_add(f, "Login role", "", LEDGER_LOGIN_MAX, c_login, 0);
		{
			form_field *pw = form_add(f, "Password", "", 256, NULL, 0);
			if (pw != NULL)
				pw->secret = true;
		}
		f->after = after_enrol;
		break;
	case A_ACCOUNT_OPEN:
		form_intro(f, "A new account of this ledger: its number, six digits not used yet, "
			      "and its name.");
		form_intro(f, "Appoint its custodian (a) next.");
		(void)form_add(f, "Account number", "", ENTRY_ACCOUNT_LEN, c_account, 0);
		(void)form_add(f, "Name", "", ACCOUNT_NAME_MAX, c_account_name, 0);
		break;
	case A_APPOINT:
		form_intro(f, "An enrolled person takes one more role: custodian, alternate, holder "
			      "or witness on an account,");
		form_intro(f, "administrator, auditor or authority everywhere (no account).  "
			      "Another person co-signs.");
		(void)form_add(f, "Person", or_empty(sel->person), KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "Role", "", 16, c_role, 0);
		(void)form_add(f, "Account", sel->account, ENTRY_ACCOUNT_LEN, c_account_opt, 0);
		f->focus = or_empty(sel->person)[0] ? 1 : 0;
		break;
	case A_KEY_REVOKE:
		form_intro(f, "%s loses the role; their last role gone, the person is revoked.  "
			      "Another person co-signs.",
			   or_empty(sel->person)[0] ? sel->person : "The person");
		form_intro(f, "Refused while they hold material issued to them there, or for the "
			      "last custodian or administrator.");
		if (sel->roles != NULL && sel->roles[0])
			form_intro(f, "Roles now: %s", sel->roles);
		(void)form_add(f, "Person", or_empty(sel->person), KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "Role", role, 16, c_role, 0);
		(void)form_add(f, "Account", racct, ENTRY_ACCOUNT_LEN, c_account_opt, 0);
		f->focus = 1;
		break;
	case A_KEY_ROTATE:
		form_intro(f, "A new key for %s, who keeps every role: their new verifier key (custos "
			      "key pub FILE), a key never enrolled.  The second signature is the old "
			      "key's or, the key lost, a second administrator's or an authority's.",
			   sel->person);
		(void)form_add(f, "Person", sel->person, KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "New key (vkey)", "", KEY_VKEY_MAX, NULL, 0);
		f->focus = 1;
		break;
	case A_POLICY_SET:
		form_intro(f, "The values in force; change those to set (a whole number in its "
			      "range).  A second administrator or an authority co-signs; every later "
			      "entry is judged by them.");
		for (int p = 0; p < POL__COUNT; p++) {
			const rules_policy_def *d = rules_policy_of((rules_policy)p);
			char v[24];
			snprintf(v, sizeof v, "%lld", (long long)pol[p].value);
			(void)form_add(f, POLICY_LABELS[p], v, 9, c_number, 0);
			if (p < FORM_INTRO_MAX - 2)
				form_intro(f, "%s: %lld to %lld, %s", POLICY_LABELS[p], (long long)d->min,
					   (long long)d->max, d->words);
		}
		break;
	case A_ACCOUNT_OUTSIDE:
		form_intro(f, "An account of another organisation, that material may be transferred "
			      "to or received from.  Its number is six digits, not one of this ledger.");
		(void)form_add(f, "Account number", "", ENTRY_ACCOUNT_LEN, c_account, 0);
		(void)form_add(f, "Name", "", ACCOUNT_NAME_MAX, c_account_name, 0);
		(void)form_add(f, "Address", "", ENTRY_DETAIL_MAX, c_address, 0);
		break;
	case A_ACCOUNT_DETAILS:
		form_intro(f, "What the COMSEC Material Report says of the account: its address%s.  "
			      "An empty field leaves that detail as it is.",
			   sel->outside ? " (an outside account has no COR account here)"
					: " and the number the COR knows it by");
		(void)form_add(f, "Account", sel->account, ENTRY_ACCOUNT_LEN, c_account, 0);
		(void)form_add(f, "Address", or_empty(sel->address), ENTRY_DETAIL_MAX, c_address, 0);
		if (!sel->outside)
			(void)form_add(f, "COR account", or_empty(sel->cor_account), ENTRY_ACCOUNT_LEN,
				       c_cor_account, 0);
		f->focus = 1;
		break;
	case A_PERSON_DETAILS:
		form_intro(f, "What the paperwork says of the person: rank or grade, and position.  "
			      "An empty field leaves that detail as it is.");
		(void)form_add(f, "Person", sel->person, KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "Rank or grade", or_empty(sel->rank), ENTRY_DETAIL_MAX, c_rank, 0);
		(void)form_add(f, "Position", or_empty(sel->position), ENTRY_DETAIL_MAX, c_position, 0);
		f->focus = 1;
		break;
	default:
		break;
	}
	form_open(app, f);
	return true;
}

/* ---- drafts from an inventory's reconciliation ------------------------------ */

/* Set the field labelled `label` to text, as if typed (a draft the person
 * reads and may change before F2). */
static void draft_field(form *f, const char *label, const char *text)
{
	int k = field(f, label);
	if (k >= 0 && text != NULL)
		form_field_set(&f->fields[k], text);
}

/* An item not sighted: a physical incident (the item cannot be found),
 * discovered now, its words the reconciliation's. */
static void draft_incident(form *f, const tui_selection *sel)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%MZ", &tm);
	form_intro(f, "Drafted from the inventory: check each field, then F2.");
	draft_field(f, "Category", "physical");
	draft_field(f, "Discovered (UTC)", now);
	draft_field(f, "What happened", sel->draft);
	if (sel->draft_qty > 0) {
		char q[16];
		snprintf(q, sizeof q, "%u", (unsigned)sel->draft_qty);
		draft_field(f, QUANTITY, q);
	}
	f->focus = (size_t)(field(f, "What happened") >= 0 ? field(f, "What happened") : 0);
}

/* Found, not on record: the serial as scanned (and the title and edition
 * when the ledger knows the item elsewhere) in the first item row. */
static void draft_possession(form *f, const tui_selection *sel)
{
	const tui_sel_item *it = &sel->items[0];
	form_intro(f, "Drafted from the inventory: give what the serial does not say (title, "
		      "kind, class, ALC), then F2.");
	draft_field(f, "Item 1 serial", it->serial);
	if (it->title[0] != '\0')
		draft_field(f, "Item 1 short title", it->title);
	if (it->edition[0] != '\0')
		draft_field(f, "Item 1 edition", it->edition);
	draft_field(f, "Remarks", sel->draft);
	int k = field(f, it->title[0] ? "Item 1 kind" : "Item 1 short title");
	f->focus = k >= 0 ? (size_t)k : 0;
}

/* What each form needs from the selection. */
enum { NEEDS_NOTHING, NEEDS_ITEMS };

typedef struct form_kind {
	form_def def;
	int needs;
} form_kind;

static const form_kind KINDS[] = {
	{{A_RECEIVE, ACT_RECEIPT, "Receive", b_receive, add_item_row}, NEEDS_NOTHING},
	{{A_POSSESSION, ACT_POSSESSION, "Possession report", b_possession, add_item_row},
	 NEEDS_NOTHING},
	{{A_TRANSFER, ACT_TRANSFER, "Transfer", b_transfer, NULL}, NEEDS_ITEMS},
	{{A_ACCEPT, ACT_ACCEPT, "Accept a transfer", b_accept, NULL}, NEEDS_NOTHING},
	{{A_REJECT, ACT_TRANSFER_REJECT, "Reject a transfer", b_answer, NULL}, NEEDS_NOTHING},
	{{A_RECALL, ACT_TRANSFER_RECALL, "Recall a transfer", b_answer, NULL}, NEEDS_NOTHING},
	{{A_ISSUE, ACT_ISSUE, "Issue on hand receipt", b_issue, NULL}, NEEDS_ITEMS},
	{{A_RETURN, ACT_RETURN, "Return from hand receipt", b_return, NULL}, NEEDS_ITEMS},
	{{A_DESTROY, ACT_DESTROY, "Destroy", b_destroy, NULL}, NEEDS_ITEMS},
	{{A_INVENTORY, ACT_INVENTORY, "Inventory", b_inventory, NULL}, NEEDS_ITEMS},
	{{A_HANDOVER, ACT_CUSTODIAN_CHANGE, "Change of custodian", b_handover, NULL}, NEEDS_ITEMS},
	{{A_INCIDENT_REPORT, ACT_INCIDENT_REPORT, "Incident report", b_incident, NULL},
	 NEEDS_NOTHING},
	{{A_ALC, ACT_ALC_CHANGE, "Change of ALC", b_alc, NULL}, NEEDS_ITEMS},
	{{A_EFFECTIVE, ACT_KEY_EFFECTIVE, "Key into effect", b_effective, NULL}, NEEDS_ITEMS},
	{{A_INCIDENT_UPDATE, ACT_INCIDENT_UPDATE, "Amplifying report", b_update, NULL},
	 NEEDS_NOTHING},
	{{A_INCIDENT_CLOSE, ACT_INCIDENT_CLOSE, "Close an incident", b_close, NULL},
	 NEEDS_NOTHING},
};

void forms_open(tui_app *app, tui_action id, const tui_selection *sel)
{
	if (paperwork_open(app, id, sel))
		return;
	const form_kind *k = NULL;
	for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
		if (KINDS[i].def.action == id)
			k = &KINDS[i];
	if (k == NULL) {
		tui_message(app, TUI_MSG_WARN, "This action has no form");
		return;
	}
	if (!tui_allowed(app, id))
		return;
	const char *account = sel && sel->account[0] ? sel->account : app->account;
	if (account[0] == '\0') {
		tui_message(app, TUI_MSG_WARN, "%s: choose an account first (A switches account)",
			    k->def.title);
		return;
	}
	if (k->needs == NEEDS_ITEMS && (sel == NULL || sel->n == 0)) {
		tui_message(app, TUI_MSG_WARN, "%s: mark the items first (Space), or put the "
			    "cursor on one", k->def.title);
		return;
	}
	form *f = form_new(&k->def, account);
	if (f == NULL || form_keep_selection(f, sel) != ST_OK) {
		form_free(f);
		tui_message(app, TUI_MSG_ERROR, "out of memory");
		return;
	}
	switch (id) {
	case A_RECEIVE:
		(void)form_add(f, "From (COR/account)", "COR", 8, c_peer, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		add_item_row(f);
		f->focus = 0;
		break;
	case A_POSSESSION:
		form_intro(f, "Material found, or not yet on record, comes on the account; "
			      "material lost under an incident names it.");
		(void)form_add(f, "Lost under incident", "", ENTRY_TXN_MAX, c_incident, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		add_item_row(f);
		f->focus = 0;
		if (sel != NULL && sel->draft != NULL && sel->n == 1)
			draft_possession(f, sel);
		break;
	case A_TRANSFER:
		intro_items(f);
		(void)form_add(f, "To (account/COR)", "", 8, c_peer, 0);
		add_quantity(f);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_ACCEPT:
		form_intro(f, "The items of the transfer come on account %s.  A short shipment: "
			      "Discrepancy is its incident category, and the serials that arrived "
			      "are listed; the rest stays in transit.", account);
		(void)form_add(f, "Transfer", sel ? sel->txn : "", ENTRY_TXN_MAX, c_txn, 0);
		(void)form_add(f, "Discrepancy", "", 16, c_category_opt, 0);
		(void)form_add(f, "Arrived (serials)", "", 4000, c_serials, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_REJECT:
	case A_RECALL:
		form_intro(f, id == A_REJECT
				      ? "Account %s refuses the transfer (or records that its outside "
					"receiver did): every item still in transit goes back on hand "
					"at the sending account."
				      : "Account %s withdraws its transfer: every item still in transit "
					"comes back on hand.",
			   account);
		(void)form_add(f, "Transfer", sel ? sel->txn : "", ENTRY_TXN_MAX, c_txn, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		f->focus = 1;
		break;
	case A_ISSUE:
		intro_items(f);
		(void)form_add(f, "Holder", "", KEY_NAME_MAX, c_person, 0);
		add_quantity(f);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_RETURN:
		intro_items(f);
		(void)form_add(f, "Holder", sel->items[0].holder, KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "Hand receipt", sel->items[0].last_txn, ENTRY_TXN_MAX, c_txn, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_DESTROY:
		intro_items(f);
		form_intro(f, "Destruction is final and needs a witness.  Method: burn, shred, "
			      "pulverize, disintegrate, degauss or zeroize.  Authority: empty for "
			      "superseded key, else the direction's reference.");
		(void)form_add(f, "Method", "", 16, c_method, 0);
		(void)form_add(f, "Authority", "", ENTRY_AUTHORITY_MAX, c_authority, 0);
		add_quantity(f);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_INVENTORY:
		intro_items(f);
		form_intro(f, "These items were sighted on account %s; a witness co-signs.  "
			      "Marking every item on hand or issued makes it a complete inventory, "
			      "which starts the inventory clock again; fewer is a spot check.",
			   account);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_HANDOVER:
		intro_items(f);
		form_intro(f, "Change of custodian of account %s: you and the incoming custodian "
			      "sign this joint inventory, which lists every item on hand or issued "
			      "there (mark them all).  Your custodian role ends with it.", account);
		(void)form_add(f, "Incoming custodian", "", KEY_NAME_MAX, c_person, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_ALC:
		intro_items(f);
		form_intro(f, "Their new ALC: 1 or 6 (to the COR by serial), 2 (by quantity), 4, "
			      "7.  An upgrade, to a stricter control, is the account's; any other "
			      "change only on the national authority's direction: its reference.");
		(void)form_add(f, "New ALC", "", 2, c_alc_new, 0);
		(void)form_add(f, "Authority (downgrade)", "", ENTRY_AUTHORITY_MAX, c_authority, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_EFFECTIVE:
		intro_items(f);
		form_intro(f, "This keying material, held in reserve on account %s, goes into "
			      "effect: its effective date reached, its supersession date not.",
			   account);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	case A_INCIDENT_REPORT:
		if (f->nsel > 0)
			intro_items(f);
		add_quantity(f);
		(void)form_add(f, "Category", "", 16, c_category, 0);
		(void)form_add(f, "Discovered (UTC)", "", ENTRY_TIME_LEN, c_discovered, 0);
		(void)form_add(f, "What happened", "", REMARKS_MAX, c_what, 0);
		form_intro(f, "Category: cryptographic, personnel, physical or packaging.  "
			      "Discovered: when it was found out, UTC (2026-12-05T09:30Z); the "
			      "deadline runs from it.");
		if (sel != NULL && sel->draft != NULL)
			draft_incident(f, sel);
		break;
	case A_INCIDENT_UPDATE:
		form_intro(f, "An amplifying report on the incident: what is known now, what was "
			      "done, to whom it was reported.");
		(void)form_add(f, "Incident", sel ? sel->txn : "", ENTRY_TXN_MAX, c_txn, 0);
		(void)form_add(f, "What is reported", "", REMARKS_MAX, c_what, 0);
		f->focus = 1;
		break;
	case A_INCIDENT_CLOSE:
		form_intro(f, "The authority's decision, co-signed by the authority: no-compromise "
			      "(back on hand), compromised or lost (written off), destroy (back on "
			      "hand, to be destroyed).");
		(void)form_add(f, "Incident", sel ? sel->txn : "", ENTRY_TXN_MAX, c_txn, 0);
		(void)form_add(f, "Outcome", "", 16, c_outcome, 0);
		(void)form_add(f, "Remarks", "", REMARKS_MAX, c_remarks, 0);
		break;
	default:
		break;
	}
	form_open(app, f);
}

/* ---- an inventory session's certification ------------------------------------ */

/* The session the form closes (the form's ctx), and the certification
 * request's storage (invsession_certification). */
typedef struct certify_ctx {
	int64_t session;
	invsession_kind kind;
	invcert cert;
} certify_ctx;

#define INCOMING "Incoming custodian"

/* The certification request, as the session makes it (for the preview,
 * the check of the second signer, and what invsession_close signs). */
static status b_certify(form *f, tui_app *app, ledger_request *q, errbuf *err)
{
	certify_ctx *c = f->ctx;
	const char *incoming = NULL;
	if (c->kind == INVS_CUSTODIAN_CHANGE) {
		incoming = value(f, INCOMING);
		if (incoming[0] == '\0') {
			f->bad_field = field(f, INCOMING);
			return err_set(err, ST_USAGE, "name the incoming custodian");
		}
	}
	char idem[LEDGER_IDEM_MAX + 1];
	memcpy(idem, q->idem, sizeof idem);
	const key_secret *actor = q->actor;
	status st;
	for (int tries = 0;; tries++) {
		memset(&c->cert, 0, sizeof c->cert);
		st = invsession_certification(app->db, c->session, incoming, q, &c->cert, err);
		if (st != ST_CONN || tries >= 2 || !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			break;
	}
	memcpy(q->idem, idem, sizeof q->idem);
	q->actor = actor;
	return st;
}

static status certify_sign(form *f, tui_app *app, ledger_result *res, errbuf *err)
{
	certify_ctx *c = f->ctx;
	const char *incoming = c->kind == INVS_CUSTODIAN_CHANGE ? value(f, INCOMING) : NULL;
	return invsession_close(app->db, c->session, app->key, f->second, incoming, f->idem,
				f->preview, f->previewlen, res, err);
}

static const form_def CERTIFY[INVS__COUNT] = {
	[INVS_PERIODIC] = {A_RECON_CLOSE, ACT_INVENTORY, "Inventory certification", b_certify,
			   NULL},
	[INVS_CUSTODIAN_CHANGE] = {A_RECON_CLOSE, ACT_CUSTODIAN_CHANGE,
				   "Change of custodian certification", b_certify, NULL},
};

void forms_inventory_close(tui_app *app, const char *account, int64_t session,
			   invsession_kind kind)
{
	if (!tui_allowed(app, A_RECON_CLOSE))
		return;
	if ((int)kind < 0 || kind >= INVS__COUNT)
		return;
	form *f = form_new(&CERTIFY[kind], account);
	certify_ctx *c = f != NULL ? calloc(1, sizeof *c) : NULL;
	if (c == NULL) {
		form_free(f);
		tui_message(app, TUI_MSG_ERROR, "out of memory");
		return;
	}
	c->session = session;
	c->kind = kind;
	f->ctx = c;
	f->sign = certify_sign;
	if (kind == INVS_CUSTODIAN_CHANGE) {
		form_intro(f, "Change of custodian of account %s: you and the incoming custodian "
			      "sign the certification of this joint inventory.  Your custodian role "
			      "ends with it.", account);
		(void)form_add(f, INCOMING, "", KEY_NAME_MAX, c_person, 0);
	} else {
		f->start_confirm = true;
	}
	form_open(app, f);
}
