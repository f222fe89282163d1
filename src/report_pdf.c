/* report_pdf.c: the COMSEC Material Report as PDF (report_pdf.h).
 *
 * The pages are laid out twice by the same code: a first pass that draws
 * nothing counts the pages, so the second can print "page n of m".  Every
 * text goes through pango as plain text (never markup) after
 * report_escape, wraps at word or character boundaries, and a paragraph
 * longer than a page is broken between its lines. */
#include "report_pdf.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <qrencode.h>

#define MARGIN 42.0
#define PAD 3.0
#define FONT "DejaVu Sans 8.5"
#define FONT_BOLD "DejaVu Sans Bold 8.5"
#define FONT_TITLE "DejaVu Sans Bold 12"
#define FONT_MONO "DejaVu Sans Mono 6.5"

typedef struct pdf {
	cairo_t *cr;
	bool draw;       /* false: the counting pass */
	double w, h, y;
	int page, pages;
	const report *r;            /* the report drawn, or */
	const report_register *g;   /* the register, or */
	const report_audit *a;      /* the audit report */
	const char *heading;        /* every page's title */
	char sub[ENTRY_ORIGIN_MAX + 160]; /* and the line under it (escaped) */
	void (*body)(struct pdf *);
	/* What a section in progress draws at the top of each page it runs
	 * on to (its heading and column header), or NULL. */
	void (*continued)(struct pdf *);
	PangoFontDescription *font, *bold, *title, *mono;
} pdf;

bool report_paper_from_name(const char *s, report_paper *p)
{
	if (s != NULL && strcmp(s, "a4") == 0)
		*p = PAPER_A4;
	else if (s != NULL && strcmp(s, "letter") == 0)
		*p = PAPER_LETTER;
	else
		return false;
	return true;
}

const char *report_paper_words(report_paper p)
{
	return p == PAPER_LETTER ? "US Letter" : "A4";
}

static PangoLayout *layout(pdf *p, const PangoFontDescription *fd, double width, const char *text)
{
	PangoLayout *l = pango_cairo_create_layout(p->cr);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	/* The text is shown as it is read, left to right, whatever it says. */
	pango_layout_set_auto_dir(l, FALSE);
	pango_layout_set_text(l, text, -1);
	return l;
}

/* A layout of untrusted text, escaped (lines: its newlines kept). */
static PangoLayout *layout_esc_as(pdf *p, const PangoFontDescription *fd, double width,
				  const char *s, bool lines)
{
	char *e = lines ? report_escape_lines(s) : report_escape(s);
	PangoLayout *l = layout(p, fd, width, e != NULL ? e : "(out of memory)");
	free(e);
	return l;
}

static PangoLayout *layout_esc(pdf *p, const PangoFontDescription *fd, double width, const char *s)
{
	return layout_esc_as(p, fd, width, s, false);
}

static double height_of(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void show(pdf *p, PangoLayout *l, double x, double y)
{
	if (!p->draw)
		return;
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

static void new_page(pdf *p)
{
	if (p->page > 0 && p->draw)
		cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN;
	double width = p->w - 2 * MARGIN;
	PangoLayout *t = layout(p, p->title, width, p->heading);
	show(p, t, MARGIN, p->y);
	char right[64];
	snprintf(right, sizeof right, "page %d of %d", p->page, p->pages);
	PangoLayout *pg = layout(p, p->font, width, right);
	pango_layout_set_alignment(pg, PANGO_ALIGN_RIGHT);
	show(p, pg, MARGIN, p->y + 3);
	p->y += height_of(t) + 1;
	PangoLayout *s = layout(p, p->font, width, p->sub);
	show(p, s, MARGIN, p->y);
	p->y += height_of(s) + 4;
	if (p->draw) {
		cairo_set_line_width(p->cr, 0.8);
		cairo_move_to(p->cr, MARGIN, p->y);
		cairo_line_to(p->cr, p->w - MARGIN, p->y);
		cairo_stroke(p->cr);
	}
	p->y += 6;
	g_object_unref(t);
	g_object_unref(pg);
	g_object_unref(s);
	void (*cont)(pdf *) = p->continued;
	if (cont != NULL) {
		p->continued = NULL; /* what it draws fits: no recursion */
		cont(p);
		p->continued = cont;
	}
}

/* Room for `need` points more on this page, or a new page. */
static void ensure(pdf *p, double need)
{
	if (p->y + need > p->h - MARGIN)
		new_page(p);
}

/* Draw layout l at x line by line from p->y, breaking pages between lines. */
static void flow(pdf *p, PangoLayout *l, double x)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	do {
		PangoRectangle logical;
		pango_layout_iter_get_line_extents(it, NULL, &logical);
		double lh = (double)logical.height / PANGO_SCALE;
		double base = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE -
			      (double)logical.y / PANGO_SCALE;
		ensure(p, lh);
		if (p->draw) {
			cairo_move_to(p->cr, x + (double)logical.x / PANGO_SCALE, p->y + base);
			pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		}
		p->y += lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

static void paragraph(pdf *p, const PangoFontDescription *fd, const char *text, bool escape)
{
	double width = p->w - 2 * MARGIN;
	PangoLayout *l = escape ? layout_esc_as(p, fd, width, text, true) : layout(p, fd, width, text);
	flow(p, l, MARGIN);
	g_object_unref(l);
	p->y += 4;
}

/* One row of boxed cells: labels (bold, trusted) over values (escaped). */
typedef struct cell {
	const char *label; /* NULL: none */
	const char *value; /* untrusted unless `safe`; NULL shows "-" */
	double width;      /* share of the line's width */
	int flags;         /* BOLD; SAFE: value is made here or escaped already */
} cell;
enum { BOLD = 1, SAFE = 2 };

static void row(pdf *p, const cell *c, size_t n)
{
	double total = p->w - 2 * MARGIN, h = 0;
	PangoLayout *lab[8] = {0}, *val[8] = {0};
	for (size_t i = 0; i < n && i < 8; i++) {
		double w = c[i].width * total - 2 * PAD;
		double ch = 0;
		if (c[i].label != NULL) {
			lab[i] = layout(p, p->bold, w, c[i].label);
			ch += height_of(lab[i]);
		}
		const PangoFontDescription *fd = (c[i].flags & BOLD) ? p->bold : p->font;
		const char *v = c[i].value != NULL ? c[i].value : "-";
		val[i] = (c[i].flags & SAFE) ? layout(p, fd, w, v) : layout_esc(p, fd, w, v);
		ch += height_of(val[i]);
		if (ch > h)
			h = ch;
	}
	h += 2 * PAD;
	/* a cell taller than a page is cut at the page's foot (never more than
	 * a few escaped names and addresses) */
	if (h > p->h - 2 * MARGIN - 60)
		h = p->h - 2 * MARGIN - 60;
	ensure(p, h);
	double x = MARGIN;
	for (size_t i = 0; i < n && i < 8; i++) {
		double w = c[i].width * total;
		if (p->draw) {
			cairo_save(p->cr);
			cairo_set_line_width(p->cr, 0.5);
			cairo_rectangle(p->cr, x, p->y, w, h);
			cairo_stroke_preserve(p->cr);
			cairo_clip(p->cr);
			double y = p->y + PAD;
			if (lab[i] != NULL) {
				show(p, lab[i], x + PAD, y);
				y += height_of(lab[i]);
			}
			show(p, val[i], x + PAD, y);
			cairo_restore(p->cr);
		}
		x += w;
		if (lab[i] != NULL)
			g_object_unref(lab[i]);
		g_object_unref(val[i]);
	}
	p->y += h;
}

static char *party_text(const report_party *pt)
{
	if (pt->account[0] == '\0' && pt->name == NULL)
		return strdup("(none: this transaction has no other side)");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	char *name = report_escape(pt->name), *addr = report_escape(pt->address),
	     *cor = report_escape(pt->cor_account);
	fprintf(f, "%s\n", pt->name != NULL && name ? name : "(name not in the log this login reads)");
	fprintf(f, "Address: %s\n", pt->address != NULL && addr ? addr : "-");
	fprintf(f, "Account: %s", pt->account[0] ? pt->account : "-");
	if (pt->cor_account != NULL && cor)
		fprintf(f, "   COR account: %s", cor);
	free(name);
	free(addr);
	free(cor);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The line items, with their header repeated on every page they run to. */
static const cell ITEM_HEAD[] = {
	{NULL, "Row", 0.07, BOLD},      {NULL, "Short title / edition", 0.23, BOLD},
	{NULL, "Quantity", 0.11, BOLD}, {NULL, "Serial / accounting no.", 0.21, BOLD},
	{NULL, "ALC", 0.06, BOLD},      {NULL, "Remarks", 0.32, BOLD},
};
#define NCOLS (sizeof ITEM_HEAD / sizeof ITEM_HEAD[0])

static void items_continued(pdf *p)
{
	paragraph(p, p->bold, "7. Line items (continued)", false);
	row(p, ITEM_HEAD, NCOLS);
}

static void items(pdf *p)
{
	const report *r = p->r;
	const cell *c = ITEM_HEAD;
	ensure(p, 40);
	paragraph(p, p->bold, "7. Line items", false);
	row(p, c, NCOLS);
	/* a row that breaks the page starts the next one under the heading */
	p->continued = items_continued;
	for (size_t i = 0; i < r->nlines; i++) {
		const report_line *l = &r->lines[i];
		char rowv[24], title[ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + 8], qty[16], alc[8];
		snprintf(rowv, sizeof rowv, "%zu", l->row);
		snprintf(title, sizeof title, "%s%s%s", l->title, l->edition[0] ? " ed. " : "",
			 l->edition);
		snprintf(qty, sizeof qty, "%" PRIu32, l->qty);
		snprintf(alc, sizeof alc, "%d", l->alc);
		if (l->alc == 0)
			snprintf(alc, sizeof alc, " "); /* a certified list signs no ALC */
		cell v[NCOLS] = {
			{NULL, rowv, c[0].width, 0},     {NULL, title, c[1].width, 0},
			{NULL, qty, c[2].width, 0},      {NULL, l->serial[0] ? l->serial : "-", c[3].width, 0},
			{NULL, alc, c[4].width, 0},
			{NULL, l->remarks[0] ? l->remarks : " ", c[5].width, 0},
		};
		row(p, v, NCOLS);
	}
	p->continued = NULL;
	if (r->nlines == 0) {
		cell none[] = {{NULL, "(no line items)", 1.0, 0}};
		row(p, none, 1);
	}
	p->y += 6;
}

static void signatures(pdf *p)
{
	const report *r = p->r;
	ensure(p, 30);
	paragraph(p, p->bold, "9. Signatures", false);
	for (size_t i = 0; i < r->nsigners; i++) {
		const report_signer *s = &r->signers[i];
		char who[KEY_NAME_MAX + 64], signed_by[160];
		snprintf(who, sizeof who, "%s", s->name);
		snprintf(signed_by, sizeof signed_by,
			 "Signed cryptographically in the log entry with the key named above, "
			 "key ID %s.", s->keyid);
		char cap[40];
		snprintf(cap, sizeof cap, "%s", s->capacity);
		cap[0] = (char)(cap[0] >= 'a' && cap[0] <= 'z' ? cap[0] - 32 : cap[0]);
		cell a[] = {{cap, who, 0.34, 0},
			    {"Rank / grade", s->rank, 0.22, 0},
			    {"Position", s->position, 0.44, 0}};
		cell b[] = {{"Key", signed_by, 0.5, 0},
			    {"Ink signature and date", " \n \n ", 0.5, SAFE}};
		ensure(p, 70);
		row(p, a, 3);
		row(p, b, 2);
		p->y += 6;
	}
	if (r->nsigners == 0)
		paragraph(p, p->font, "(no signatures)", false);
}

static void qr(pdf *p, const char *text, double x, double y, double size)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return;
	if (p->draw) {
		double m = size / (q->width + 8); /* a quiet zone of 4 modules */
		cairo_save(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		for (int j = 0; j < q->width; j++)
			for (int i = 0; i < q->width; i++)
				if (q->data[j * q->width + i] & 1)
					cairo_rectangle(p->cr, x + (i + 4) * m, y + (j + 4) * m, m, m);
		cairo_fill(p->cr);
		cairo_restore(p->cr);
	}
	QRcode_free(q);
}

/* A QR code of qrtext at the right margin and body (escaped already) in
 * the column beside it. */
static void qr_beside(pdf *p, const char *qrtext, const char *body)
{
	double size = 92;
	ensure(p, size + 8);
	qr(p, qrtext, p->w - MARGIN - size, p->y, size);
	PangoLayout *l = layout(p, p->font, p->w - 2 * MARGIN - size - 10, body);
	show(p, l, MARGIN, p->y + 4);
	double h = height_of(l);
	p->y += (h > size ? h : size) + 8;
	g_object_unref(l);
}

/* The provenance: where in the log the report comes from, and its QR code. */
static void provenance(pdf *p)
{
	const report *r = p->r;
	char text[ENTRY_ORIGIN_MAX + 128];
	snprintf(text, sizeof text, "custos-entry %s %" PRIu64 " %s", r->origin, r->index,
		 r->leaf_b64);
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (f == NULL)
		return;
	char *origin = report_escape(r->origin);
	fprintf(f, "Made from the signed log entry, not from the state tables.\n"
		   "Log origin: %s\nEntry index: %" PRIu64 "\nLeaf hash (SHA-256, base64): %s\n",
		origin ? origin : "?", r->index, r->leaf_b64);
	free(origin);
	if (r->proof != NULL)
		fprintf(f, "Inclusion proof against the checkpoint of size %" PRIu64
			   " on the last page.", r->checkpoint_size);
	else
		fprintf(f, "No checkpoint covers this entry yet: no inclusion proof.");
	if (fclose(f) != 0) {
		free(body);
		return;
	}
	qr_beside(p, text, body);
	free(body);
}

/* One section of the correction page: items and the entries that moved them. */
static void changes(pdf *p, const char *title, const report_change *c, size_t n)
{
	ensure(p, 50);
	paragraph(p, p->bold, title, false);
	cell h[] = {{NULL, "Row", 0.07, BOLD},     {NULL, "Short title / edition", 0.21, BOLD},
		    {NULL, "Qty", 0.07, BOLD},     {NULL, "Serial / accounting no.", 0.21, BOLD},
		    {NULL, "ALC", 0.06, BOLD},     {NULL, "By entry (UTC)", 0.38, BOLD}};
	row(p, h, 6);
	for (size_t i = 0; i < n; i++) {
		char rowv[24], title_ed[ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + 8], qty[16], alc[8];
		char by[ENTRY_TXN_MAX + ENTRY_TIME_LEN + 64];
		snprintf(rowv, sizeof rowv, "%zu", i + 1);
		snprintf(title_ed, sizeof title_ed, "%s%s%s", c[i].line.title,
			 c[i].line.edition[0] ? " ed. " : "", c[i].line.edition);
		snprintf(qty, sizeof qty, "%" PRIu32, c[i].line.qty);
		snprintf(alc, sizeof alc, "%d", c[i].line.alc);
		/* static words and a transaction number (AAAAAA-YYYY-NNNN) */
		snprintf(by, sizeof by, "%s %s\n%.10s %.8s, entry %" PRIu64,
			 entry_action_name(c[i].action), c[i].txn, c[i].time, c[i].time + 11,
			 c[i].index);
		cell v[] = {{NULL, rowv, 0.07, 0},  {NULL, title_ed, 0.21, 0},
			    {NULL, qty, 0.07, 0},   {NULL, c[i].line.serial[0] ? c[i].line.serial : "-", 0.21, 0},
			    {NULL, alc, 0.06, 0},   {NULL, by, 0.38, SAFE}};
		int page = p->page;
		ensure(p, 14);
		if (p->page != page)
			row(p, h, 6);
		row(p, v, 6);
	}
	if (n == 0) {
		cell none[] = {{NULL, "(none)", 1.0, SAFE}};
		row(p, none, 1);
	}
	p->y += 8;
}

/* The inventory's correction page: additions and deletions since the
 * previous complete inventory. */
static void corrections(pdf *p)
{
	const report_inventory *inv = p->r->inv;
	new_page(p);
	paragraph(p, p->title, "Correction page: additions and deletions", false);
	char since[ENTRY_TXN_MAX + ENTRY_TIME_LEN + 160];
	if (inv->prev_index)
		snprintf(since, sizeof since, "Since the previous complete inventory, %s of %.10s "
			 "(log entry %" PRIu64 "), the entries of the account brought on and took "
			 "off these items.", inv->prev_txn, inv->prev_time, inv->prev_index);
	else
		snprintf(since, sizeof since, "No complete inventory of the account comes before "
			 "this one: since the account was opened, its entries brought on and took "
			 "off these items.");
	paragraph(p, p->font, since, false);
	char t[64];
	snprintf(t, sizeof t, "Additions (%zu)", inv->nadd);
	changes(p, t, inv->adds, inv->nadd);
	snprintf(t, sizeof t, "Deletions (%zu)", inv->ndel);
	changes(p, t, inv->dels, inv->ndel);
	char words[sizeof inv->words + 16];
	snprintf(words, sizeof words, "Count: %s.", inv->words);
	paragraph(p, p->bold, words, false);
}

/* An incident's summary: category, discovery, deadline, status. */
static void incident_summary(pdf *p)
{
	const report_incident *inc = p->r->inc;
	char disc[40], dl[96], state[64];
	if (inc->discovered[0])
		snprintf(disc, sizeof disc, "%.10s %.8s UTC", inc->discovered, inc->discovered + 11);
	else
		snprintf(disc, sizeof disc, "not recorded (format v1)");
	if (inc->discovered[0] == '\0')
		snprintf(dl, sizeof dl, "unknown (%" PRId64 " h)", inc->deadline_hours);
	else if (inc->late)
		snprintf(dl, sizeof dl, "LATE: reported %" PRId64 " h after discovery, deadline %" PRId64
			 " h", inc->late_hours, inc->deadline_hours);
	else
		snprintf(dl, sizeof dl, "within the deadline of %" PRId64 " h", inc->deadline_hours);
	if (inc->closed)
		snprintf(state, sizeof state, "CLOSED: %s", entry_outcome_name(inc->outcome));
	else
		snprintf(state, sizeof state, "OPEN: no final report yet");
	cell c[] = {{"Incident category", entry_category_name(inc->category), 0.2, SAFE | BOLD},
		    {"Discovered", disc, 0.22, SAFE},
		    {"Initial report", dl, 0.33, SAFE},
		    {"Status", state, 0.25, SAFE | BOLD}};
	row(p, c, 4);
	p->y += 6;
}

/* The incident's parts: initial, amplifying, final, each from its entry. */
static void incident_parts(pdf *p)
{
	const report_incident *inc = p->r->inc;
	new_page(p);
	paragraph(p, p->title, "Incident reports: initial, amplifying, final", false);
	for (size_t i = 0; i < inc->nparts; i++) {
		const report_incident_part *pt = &inc->parts[i];
		char head[64], when[40], idx[24], who[REPORT_MAX_SIGNERS * (KEY_NAME_MAX + 2) + 1];
		snprintf(head, sizeof head, "%s report\n(%s)", report_incident_part_name(pt->action),
			 entry_action_name(pt->action));
		head[0] = (char)(head[0] - 32);
		snprintf(when, sizeof when, "%.10s %.8s UTC", pt->time, pt->time + 11);
		snprintf(idx, sizeof idx, "%" PRIu64, pt->index);
		size_t at = 0;
		who[0] = '\0';
		for (size_t k = 0; k < pt->nsigners; k++) {
			int n = snprintf(who + at, sizeof who - at, "%s%s", k ? ", " : "", pt->signers[k]);
			if (n > 0 && (size_t)n < sizeof who - at)
				at += (size_t)n;
		}
		ensure(p, 90);
		cell a[] = {{"Part", head, 0.36, SAFE | BOLD},
			    {"Transaction", pt->txn[0] ? pt->txn : NULL, 0.22, 0},
			    {"Time", when, 0.28, SAFE},
			    {"Log entry", idx, 0.14, SAFE}};
		row(p, a, 4);
		char outcome[64] = "";
		if (pt->action == ACT_INCIDENT_CLOSE)
			snprintf(outcome, sizeof outcome, "%s", entry_outcome_name(pt->outcome));
		char items[24];
		snprintf(items, sizeof items, "%zu", pt->nitems);
		/* the leaf hash on a line of its own: never broken */
		cell b[] = {{"Signers", who, 0.64, 0},
			    {pt->action == ACT_INCIDENT_CLOSE ? "Outcome" : "Items",
			     pt->action == ACT_INCIDENT_CLOSE ? outcome : items, 0.36, SAFE}};
		row(p, b, 2);
		cell c[] = {{"Leaf hash (SHA-256, base64)", pt->leaf_b64, 1.0, SAFE}};
		row(p, c, 1);
		paragraph(p, p->font, pt->text != NULL ? pt->text : "(no text)", true);
		p->y += 6;
	}
	if (!inc->closed)
		paragraph(p, p->bold, "OPEN: no final report yet.", false);
}

/* What a certification signed beside its list: the counts, and that the
 * lines of block 7 hash to its list_sha256 (report_certified_attach). */
static void certified(pdf *p)
{
	const report_certified *c = p->r->cert;
	char t[256];
	int n = snprintf(t, sizeof t, "Counts as signed: sighted %" PRId64, c->sighted);
	const int64_t v[3] = {c->found, c->not_sighted, c->qty_diff};
	const char *w[3] = {"found, not on record", "not sighted (reported)",
			    "counted at another quantity"};
	for (int k = 0; k < 3 && n > 0 && (size_t)n < sizeof t; k++)
		if (v[k] >= 0)
			n += snprintf(t + n, sizeof t - (size_t)n, "; %s %" PRId64, w[k], v[k]);
	if (n > 0 && (size_t)n < sizeof t)
		snprintf(t + n, sizeof t - (size_t)n, ".");
	paragraph(p, p->font, t, false);
	snprintf(t, sizeof t, "Certified list: the %zu line(s) of block 7 are the list the server "
		 "kept of this certification; the list hashes to the certified list_sha256 %s.",
		 p->r->nlines, c->list_sha256);
	paragraph(p, p->font, t, false);
}

static void lay_out(pdf *p)
{
	const report *r = p->r;
	char type[64];
	snprintf(type, sizeof type, "%s", report_type_name(r->type));
	char action[64];
	snprintf(action, sizeof action, "log action: %s", entry_action_name(r->action));
	cell b1[] = {{"1. Type", type, 0.5, BOLD}, {"", action, 0.5, 0}};
	row(p, b1, 2);
	char *from = party_text(&r->from), *to = party_text(&r->to);
	cell b2[] = {{"2. From", from, 0.5, SAFE}, {"2. To", to, 0.5, SAFE}};
	row(p, b2, 2);
	free(from);
	free(to);
	char when[32];
	snprintf(when, sizeof when, "%.10s %.8s UTC", r->txn_date, r->txn_date + 11);
	cell b3[] = {{"3. Date of report", r->report_date, 0.22, 0},
		     {"4. Outgoing transaction no.", r->out_txn[0] ? r->out_txn : NULL, 0.26, 0},
		     {"5. Date of transaction", when, 0.26, 0},
		     {"6. Incoming transaction no.", r->in_txn[0] ? r->in_txn : NULL, 0.26, 0}};
	row(p, b3, 4);
	p->y += 8;
	if (r->inc != NULL)
		incident_summary(p);
	items(p);
	ensure(p, 40);
	paragraph(p, p->bold, "8. Certification", false);
	paragraph(p, p->font, r->certification, true);
	if (r->inv != NULL) {
		char words[sizeof r->inv->words + 16];
		snprintf(words, sizeof words, "Count: %s.", r->inv->words);
		paragraph(p, p->bold, words, false);
	}
	if (r->cert != NULL)
		certified(p);
	p->y += 4;
	signatures(p);
	ensure(p, 30);
	paragraph(p, p->bold, "Remarks", false);
	paragraph(p, p->font, r->remarks != NULL ? r->remarks : "(none)", true);
	p->y += 4;
	provenance(p);
	if (r->inv != NULL)
		corrections(p);
	if (r->inc != NULL)
		incident_parts(p);

	/* The last page: the entry as signed, and its proof. */
	new_page(p);
	paragraph(p, p->bold, "The log entry as signed (signed note, C2SP signed-note)", false);
	paragraph(p, p->mono, r->note, true);
	p->y += 6;
	ensure(p, 30);
	paragraph(p, p->bold, "Its inclusion proof (C2SP tlog-proof) against a checkpoint", false);
	paragraph(p, p->mono,
		  r->proof != NULL ? r->proof
				   : "No checkpoint covers this entry yet. Make one (custos log "
				     "checkpoint) and print the report again.",
		  true);
}

/* The same font options on both passes, so that they break the same lines. */
static void set_options(cairo_t *cr)
{
	cairo_font_options_t *o = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(cr, o);
	cairo_font_options_destroy(o);
}

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Lay out p (its body, heading and sub set) on pages of `paper` to f, in
 * the two passes. */
static status write_pdf(pdf *pp, report_paper paper, const char *title, FILE *f, errbuf *err)
{
	pdf p = *pp;
	p.w = paper == PAPER_LETTER ? 612.0 : 595.276;
	p.h = paper == PAPER_LETTER ? 792.0 : 841.89;
	p.font = pango_font_description_from_string(FONT);
	p.bold = pango_font_description_from_string(FONT_BOLD);
	p.title = pango_font_description_from_string(FONT_TITLE);
	p.mono = pango_font_description_from_string(FONT_MONO);

	/* The counting pass, on a surface that records nothing. */
	cairo_surface_t *count = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	p.cr = cairo_create(count);
	p.draw = false;
	p.pages = 0;
	set_options(p.cr);
	p.page = 0;
	new_page(&p);
	p.body(&p);
	int pages = p.page;
	cairo_destroy(p.cr);
	cairo_surface_destroy(count);

	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_fn, f, p.w, p.h);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "custos");
	p.cr = cairo_create(s);
	p.draw = true;
	p.pages = pages;
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	set_options(p.cr);
	p.page = 0;
	new_page(&p);
	p.body(&p);
	cairo_show_page(p.cr);
	cairo_status_t cs = cairo_status(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	if (cs == CAIRO_STATUS_SUCCESS)
		cs = cairo_surface_status(s);
	cairo_surface_destroy(s);
	pango_font_description_free(p.font);
	pango_font_description_free(p.bold);
	pango_font_description_free(p.title);
	pango_font_description_free(p.mono);
	if (cs != CAIRO_STATUS_SUCCESS)
		return err_set(err, cs == CAIRO_STATUS_NO_MEMORY ? ST_NOMEM : ST_IO,
			       "cannot write the PDF: %s", cairo_status_to_string(cs));
	return ST_OK;
}

status report_pdf_write(const report *r, report_paper paper, FILE *f, errbuf *err)
{
	pdf p = {0};
	p.r = r;
	p.heading = r->inc != NULL ? "COMSEC INCIDENT REPORT" : "COMSEC MATERIAL REPORT (GC-223 / SF-153)";
	p.body = lay_out;
	char sub[sizeof p.sub];
	snprintf(sub, sizeof sub, "transaction %s   log %s, entry %" PRIu64,
		 r->out_txn[0] ? r->out_txn : r->in_txn, r->origin, r->index);
	char *esc = report_escape(sub);
	snprintf(p.sub, sizeof p.sub, "%s", esc != NULL ? esc : "?");
	free(esc);
	return write_pdf(&p, paper, r->inc != NULL ? "COMSEC Incident Report" : "COMSEC Material Report",
			 f, err);
}

/* ---- registers ------------------------------------------------------------------ */

static const cell REG_HEAD[] = {
	{NULL, "Row", 0.07, BOLD},      {NULL, "Short title / edition", 0.21, BOLD},
	{NULL, "Qty", 0.07, BOLD},      {NULL, "Serial / accounting no.", 0.21, BOLD},
	{NULL, "ALC", 0.06, BOLD},      {NULL, "Returned / closed by (UTC)", 0.38, BOLD},
};

/* One register row's items, the last column `last` of each (escaped here). */
static void reg_items(pdf *p, const report_reg_row *rr, bool hr)
{
	cell c[NCOLS];
	memcpy(c, REG_HEAD, sizeof c);
	if (!hr)
		c[5].value = "Remarks";
	row(p, c, NCOLS);
	for (size_t k = 0; k < rr->nlines; k++) {
		const report_reg_line *l = &rr->lines[k];
		char rowv[24], title[ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + 8], qty[16], alc[8];
		char last[ENTRY_TXN_MAX + ENTRY_TIME_LEN + 80];
		snprintf(rowv, sizeof rowv, "%zu", l->line.row);
		snprintf(title, sizeof title, "%s%s%s", l->line.title, l->line.edition[0] ? " ed. " : "",
			 l->line.edition);
		snprintf(qty, sizeof qty, "%" PRIu32, l->line.qty);
		snprintf(alc, sizeof alc, "%d", l->line.alc);
		if (!hr)
			snprintf(last, sizeof last, "%s", l->line.remarks);
		else if (l->closed)
			snprintf(last, sizeof last, "%s %s\n%.10s %.8s, entry %" PRIu64,
				 l->by_action == ACT_RETURN ? "returned by" : entry_action_name(l->by_action),
				 l->by_txn, l->by_time, l->by_time + 11, l->by_index);
		else
			snprintf(last, sizeof last, "OPEN: still on this hand receipt");
		cell v[NCOLS] = {
			{NULL, rowv, c[0].width, 0},  {NULL, title, c[1].width, 0},
			{NULL, qty, c[2].width, 0},   {NULL, l->line.serial[0] ? l->line.serial : "-", c[3].width, 0},
			/* made here of static words and transaction numbers, which
			 * parse as AAAAAA-YYYY-NNNN; remarks: escaped */
			{NULL, alc, c[4].width, 0},   {NULL, last, c[5].width,
							 hr ? (l->closed ? SAFE : SAFE | BOLD) : 0},
		};
		int page = p->page;
		ensure(p, 14);
		if (p->page != page)
			row(p, c, NCOLS);
		row(p, v, NCOLS);
	}
}

static void reg_row(pdf *p, const report_reg_row *r, bool hr)
{
	char when[32], state[ENTRY_TXN_MAX + 64];
	snprintf(when, sizeof when, "%.10s %.8s UTC", r->time, r->time + 11);
	ensure(p, 90);
	if (hr) {
		if (r->open)
			snprintf(state, sizeof state, "OPEN");
		else
			snprintf(state, sizeof state, "closed by %s on %.10s", r->closed_txn,
				 r->closed_time);
		cell a[] = {{"Hand receipt", r->txn, 0.30, BOLD},
			    {"Date of issue", when, 0.25, 0},
			    {"Holder", r->holder, 0.225, 0},
			    {"Issued by", r->custodian, 0.225, 0}};
		row(p, a, 4);
		cell b[] = {{"Status", state, 1.0, BOLD}};
		row(p, b, 1);
	} else {
		cell a[] = {{"Destruction", r->txn, 0.30, BOLD},
			    {"Date", when, 0.25, 0},
			    {"Custodian", r->custodian, 0.225, 0},
			    {"Witness", r->second[0] ? r->second : NULL, 0.225, 0}};
		row(p, a, 4);
		cell b[] = {{"Method", r->method, 0.30, 0}, {"Authority", r->authority, 0.70, 0}};
		row(p, b, 2);
	}
	reg_items(p, r, hr);
	char *origin = report_escape(p->g->origin);
	char prov[ENTRY_ORIGIN_MAX * 8 + 128];
	snprintf(prov, sizeof prov, "Log %s, entry %" PRIu64 ", leaf hash %s", origin ? origin : "?",
		 r->index, r->leaf_b64);
	free(origin);
	cell pv[] = {{NULL, prov, 1.0, SAFE}};
	row(p, pv, 1);
	if (r->remarks != NULL) {
		/* flowed, not boxed: free text may run longer than a page */
		p->y += 2;
		paragraph(p, p->bold, "Remarks", false);
		paragraph(p, p->font, r->remarks, true);
	}
	p->y += 10;
}

static void lay_out_register(pdf *p)
{
	const report_register *g = p->g;
	bool hr = g->kind == REPORT_KIND_HAND_RECEIPTS;
	char type[64], acct[ENTRY_ACCOUNT_LEN + 8], period[64];
	snprintf(type, sizeof type, "%s", report_register_title(g));
	snprintf(acct, sizeof acct, "%s", g->account);
	snprintf(period, sizeof period, "%s to %s", g->since[0] ? g->since : "the start",
		 g->until[0] ? g->until : "the report's date");
	cell b1[] = {{"Register", type, 0.28, BOLD},
		     {"Account", acct, 0.14, 0},
		     {"Account name", g->account_name, 0.30, 0},
		     {"Date of report", g->report_date, 0.28, 0}};
	row(p, b1, 4);
	cell b2[] = {{"Period (entry dates, UTC)", period, 0.5, 0},
		     {hr ? "Holder" : "", hr ? (g->holder[0] ? g->holder : "every holder") : " ", 0.5, 0}};
	row(p, b2, 2);
	p->y += 6;
	char sum[160];
	if (hr)
		snprintf(sum, sizeof sum, "%zu hand receipt%s: %zu open, %zu closed. Open receipts are "
			 "listed first.", g->nrows, g->nrows == 1 ? "" : "s", g->nopen, g->nrows - g->nopen);
	else
		snprintf(sum, sizeof sum, "%zu destruction%s in the period.", g->nrows,
			 g->nrows == 1 ? "" : "s");
	paragraph(p, p->bold, sum, false);
	p->y += 4;
	for (size_t i = 0; i < g->nrows; i++) {
		if (hr && i == 0 && g->nopen > 0)
			paragraph(p, p->bold, "Open hand receipts", false);
		if (hr && i == g->nopen)
			paragraph(p, p->bold, "Closed hand receipts", false);
		reg_row(p, &g->rows[i], hr);
	}
	ensure(p, 110);
	paragraph(p, p->bold, "Certification", false);
	paragraph(p, p->font,
		  hr ? "I certify that this register lists every hand receipt of the account in the "
		       "period as signed in the log, and what closed each."
		     : "I certify that this register lists every destruction of the account in the "
		       "period as signed in the log, each in the presence of the witness named.",
		  false);
	paragraph(p, p->font, "Each row is a signed log entry: its origin, index and leaf hash "
			      "identify it for custos log proof and custos-verify.", false);
	cell sig[] = {{"Custodian", " ", 0.34, SAFE},
		      {"Rank / grade", " ", 0.22, SAFE},
		      {"Ink signature and date", " \n \n ", 0.44, SAFE}};
	row(p, sig, 3);
}

status report_pdf_write_register(const report_register *g, report_paper paper, FILE *f,
				 errbuf *err)
{
	pdf p = {0};
	p.g = g;
	p.heading = g->kind == REPORT_KIND_HAND_RECEIPTS ? "HAND-RECEIPT REGISTER"
							 : "DESTRUCTION REGISTER";
	p.body = lay_out_register;
	char *origin = report_escape(g->origin);
	snprintf(p.sub, sizeof p.sub, "account %s   log %s   %zu entr%s", g->account,
		 origin != NULL ? origin : "?", g->nrows, g->nrows == 1 ? "y" : "ies");
	free(origin);
	return write_pdf(&p, paper, p.heading, f, err);
}

/* ---- the audit report ----------------------------------------------------------- */

static const cell SAMPLE_HEAD[] = {
	{NULL, "Row", 0.07, BOLD},     {NULL, "Why", 0.13, BOLD},
	{NULL, "Account", 0.11, BOLD}, {NULL, "Short title / edition", 0.27, BOLD},
	{NULL, "Serial", 0.20, BOLD},  {NULL, "Class", 0.08, BOLD},
	{NULL, "Sighted", 0.14, BOLD},
};
#define NSAMPLE (sizeof SAMPLE_HEAD / sizeof SAMPLE_HEAD[0])

static void sample_continued(pdf *p)
{
	paragraph(p, p->bold, "Oversight sample (continued)", false);
	row(p, SAMPLE_HEAD, NSAMPLE);
}

static void audit_finding_rows(pdf *p)
{
	const report_audit *a = p->a;
	char sum[160];
	if (a->nrows == 0)
		snprintf(sum, sizeof sum, "Findings: no findings. The %" PRIu64 " entries of the log "
			 "show none of the findings custos audit judges.", a->size);
	else
		snprintf(sum, sizeof sum, "Findings: %zu finding%s.", a->nrows, a->nrows == 1 ? "" : "s");
	ensure(p, 40);
	paragraph(p, p->title, sum, false);
	for (size_t i = 0; i < a->nrows; i++) {
		const report_audit_row *r = &a->rows[i];
		char num[24], kind[160], idx[24], since[24];
		snprintf(num, sizeof num, "%zu", i + 1);
		/* static words and the code's name */
		snprintf(kind, sizeof kind, "%s (%s)", audit_code_words(r->f.code),
			 audit_code_name(r->f.code));
		snprintf(idx, sizeof idx, "%" PRIu64, r->f.index);
		if (r->f.since != r->f.index)
			snprintf(since, sizeof since, "%" PRIu64, r->f.since);
		else
			snprintf(since, sizeof since, "-");
		ensure(p, 90);
		cell c1[] = {{"No.", num, 0.07, SAFE | BOLD}, {"Kind", kind, 0.93, SAFE | BOLD}};
		row(p, c1, 2);
		cell c1b[] = {{"Account", r->f.account, 0.34, 0},
			      {"Entry", idx, 0.33, SAFE},
			      {"Since entry", since, 0.33, SAFE}};
		row(p, c1b, 3);
		cell c2[] = {{"Reason", r->f.reason, 1.0, 0}};
		row(p, c2, 1);
		char leaf[96], sleaf[96];
		snprintf(leaf, sizeof leaf, "entry %" PRIu64 ": %s", r->f.index,
			 r->leaf_b64[0] ? r->leaf_b64 : "-");
		cell c3[] = {{"Leaf hash (SHA-256, base64)", leaf, 1.0, SAFE}};
		row(p, c3, 1);
		if (r->f.since != r->f.index) {
			snprintf(sleaf, sizeof sleaf, "entry %" PRIu64 ": %s", r->f.since,
				 r->since_leaf_b64[0] ? r->since_leaf_b64 : "-");
			cell c4[] = {{"Leaf hash of the entry it runs since", sleaf, 1.0, SAFE}};
			row(p, c4, 1);
		}
		p->y += 8;
	}
}

static void audit_sample_rows(pdf *p)
{
	const report_audit *a = p->a;
	size_t nall = 0;
	for (size_t i = 0; i < a->npicks; i++)
		nall += a->picks[i].all;
	ensure(p, 80);
	paragraph(p, p->title, "Oversight sample", false);
	char how[400];
	snprintf(how, sizeof how,
		 "Every TOP SECRET keying material item held (the 100%% sighting: %zu) and %zu of "
		 "the other items held (asked: %zu), those with the smallest SHA-256(seed || title "
		 "|| 0x00 || edition || 0x00 || serial). Seed: the root hash of the log judged, %s "
		 "(docs/audit.md, \"The oversight sample\").",
		 nall, a->npicks - nall, a->sample_k, a->root_b64);
	paragraph(p, p->font, how, false);
	row(p, SAMPLE_HEAD, NSAMPLE);
	p->continued = sample_continued;
	for (size_t i = 0; i < a->npicks; i++) {
		const audit_pick *k = &a->picks[i];
		char num[24], title[ENTRY_TITLE_MAX + ENTRY_EDITION_MAX + 8];
		snprintf(num, sizeof num, "%zu", i + 1);
		snprintf(title, sizeof title, "%s%s%s", k->title, k->edition[0] ? " ed. " : "",
			 k->edition);
		cell v[NSAMPLE] = {
			{NULL, num, SAMPLE_HEAD[0].width, SAFE},
			{NULL, k->all ? "all (TS key)" : "random", SAMPLE_HEAD[1].width, SAFE},
			{NULL, k->account, SAMPLE_HEAD[2].width, 0},
			{NULL, title, SAMPLE_HEAD[3].width, 0},
			{NULL, k->serial[0] ? k->serial : "-", SAMPLE_HEAD[4].width, 0},
			{NULL, item_class_name(k->cls), SAMPLE_HEAD[5].width, SAFE},
			{NULL, " ", SAMPLE_HEAD[6].width, SAFE},
		};
		row(p, v, NSAMPLE);
	}
	p->continued = NULL;
	if (a->npicks == 0) {
		cell none[] = {{NULL, "(no item is held: nothing to sight)", 1.0, SAFE}};
		row(p, none, 1);
	}
	p->y += 8;
}

static void lay_out_audit(pdf *p)
{
	const report_audit *a = p->a;
	char size[64], accts[40];
	snprintf(size, sizeof size, "%" PRIu64 " entries (0 to %" PRIu64 ")", a->size,
		 a->size ? a->size - 1 : 0);
	snprintf(accts, sizeof accts, "%s", a->account[0] ? a->account : "every account");
	cell b1[] = {{"Log origin", a->origin, 0.40, 0},
		     {"Size judged", size, 0.24, SAFE},
		     {"Accounts", accts, 0.18, SAFE},
		     {"Date of report", a->report_date, 0.18, SAFE}};
	row(p, b1, 4);
	char ck[200];
	if (a->checkpoint)
		snprintf(ck, sizeof ck, "a checkpoint of size %" PRIu64 " signed by the log key is "
			 "stored, with this root; %" PRIu64 " witness cosignature%s",
			 a->size, a->cosignatures, a->cosignatures == 1 ? "" : "s");
	else
		snprintf(ck, sizeof ck, "no signed checkpoint of size %" PRIu64 " is stored: the root "
			 "is computed from the entries (custos log checkpoint signs one)", a->size);
	cell b2[] = {{"Root hash judged against (RFC 6962 Merkle root of the entries, base64)",
		      a->root_b64, 1.0, SAFE | BOLD}};
	row(p, b2, 1);
	cell b3[] = {{"Checkpoint", ck, 1.0, SAFE}};
	row(p, b3, 1);
	p->y += 6;
	/* the QR code names the log judged: what a checkpoint of it signs */
	char qrtext[ENTRY_ORIGIN_MAX + 96];
	snprintf(qrtext, sizeof qrtext, "custos-log %s %" PRIu64 " %s", a->origin, a->size,
		 a->root_b64);
	qr_beside(p, qrtext,
		  "Made from the signed log, replayed entry by entry, each checked against its "
		  "stored leaf hash: the findings of custos audit (src/audit.c), each judged by the "
		  "policy in force at its entry. custos-verify --audit on a bundle of the same log "
		  "gives the same findings and sample. The QR code holds \"custos-log\", the log "
		  "origin, the size and the root hash judged.");

	ensure(p, 40);
	paragraph(p, p->bold, "Accounts audited", false);
	cell ah[] = {{NULL, "Account", 0.15, BOLD}, {NULL, "Name (as opened)", 0.65, BOLD},
		     {NULL, "Opened at entry", 0.20, BOLD}};
	row(p, ah, 3);
	for (size_t i = 0; i < a->naccounts; i++) {
		char idx[24];
		snprintf(idx, sizeof idx, "%" PRIu64, a->accounts[i].opened_index);
		cell v[] = {{NULL, a->accounts[i].number, 0.15, 0}, {NULL, a->accounts[i].name, 0.65, 0},
			    {NULL, idx, 0.20, SAFE}};
		row(p, v, 3);
	}
	if (a->naccounts == 0) {
		cell none[] = {{NULL, "(no account is open in the log)", 1.0, SAFE}};
		row(p, none, 1);
	}
	p->y += 6;

	ensure(p, 60);
	paragraph(p, p->bold, "Policy in force after the last entry (each finding says the value "
			      "it was judged by)", false);
	for (int k = 0; k < POL__COUNT; k++) {
		const rules_policy_def *d = rules_policy_of((rules_policy)k);
		char v[32];
		snprintf(v, sizeof v, "%" PRId64, a->policy[k]);
		cell c[] = {{NULL, d->name, 0.32, SAFE}, {NULL, v, 0.08, SAFE},
			    {NULL, d->words, 0.60, SAFE}};
		row(p, c, 3);
	}
	p->y += 8;

	audit_finding_rows(p);
	audit_sample_rows(p);

	ensure(p, 130);
	paragraph(p, p->bold, "Certification", false);
	char cert[300];
	snprintf(cert, sizeof cert,
		 "I have audited the log %s of size %" PRIu64 " with the root hash %s: the "
		 "findings are as listed, and I sighted the items of the sample (marked in the "
		 "column Sighted).", "(origin above)", a->size, a->root_b64);
	paragraph(p, p->font, cert, false);
	cell sig[] = {{"Auditor", " ", 0.34, SAFE},
		      {"Rank / grade", " ", 0.22, SAFE},
		      {"Position / office", " ", 0.44, SAFE}};
	row(p, sig, 3);
	cell sig2[] = {{"Ink signature and date", " \n \n ", 1.0, SAFE}};
	row(p, sig2, 1);
}

status report_pdf_write_audit(const report_audit *ra, report_paper paper, FILE *f, errbuf *err)
{
	pdf p = {0};
	p.a = ra;
	p.heading = "COMSEC AUDIT REPORT";
	p.body = lay_out_audit;
	char sub[sizeof p.sub];
	snprintf(sub, sizeof sub, "log %s   size %" PRIu64 "   %zu finding%s   %s", ra->origin,
		 ra->size, ra->nrows, ra->nrows == 1 ? "" : "s",
		 ra->account[0] ? ra->account : "every account");
	char *esc = report_escape(sub);
	snprintf(p.sub, sizeof p.sub, "%s", esc != NULL ? esc : "?");
	free(esc);
	return write_pdf(&p, paper, "COMSEC Audit Report", f, err);
}

void report_pdf_cleanup(void)
{
	/* The default font map and its fonts, with the cairo scaled fonts
	 * they hold: marked dead and released.  What stays is the libraries'
	 * own process-wide state (cairo's static caches, fontconfig's
	 * configuration).  Their teardown functions, cairo_debug_reset_static_data
	 * and FcFini, are debugging aids that assert nothing of theirs is still
	 * referenced; with pango 1.50 (which loads fontconfig's configuration on
	 * a thread of its own) that is not always so, and about one run in ten
	 * aborted at exit.  They are not called: fontconfig's 288 bytes are the
	 * one suppression in tests/lsan.supp. */
	PangoFontMap *fm = pango_cairo_font_map_get_default();
	if (PANGO_IS_FC_FONT_MAP(fm))
		pango_fc_font_map_shutdown(PANGO_FC_FONT_MAP(fm));
	pango_cairo_font_map_set_default(NULL);
}
