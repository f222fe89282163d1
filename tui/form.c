/* form.c: the form engine (see form.h). */
#include "form.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "../keys/keyfile.h"
#include "../src/query.h"
#include "../src/rules.h"
#include "../src/utf8.h"

/* ---- building a form ------------------------------------------------------ */

form *form_new(const form_def *def, const char *account)
{
	form *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->def = def;
	f->bad_field = -1;
	snprintf(f->account, sizeof f->account, "%s", account ? account : "");
	ledger_new_idem(f->idem);
	f->path.max = TUI_PATH_MAX - 1;
	snprintf(f->path.label, sizeof f->path.label, "Key file");
	return f;
}

void form_field_validate(form_field *fl)
{
	errbuf err = {0};
	fl->error[0] = '\0';
	if (fl->check != NULL) {
		status st = fl->check(fl->value, &err);
		if (st != ST_OK)
			snprintf(fl->error, sizeof fl->error, "%s", err_text(&err, st));
	}
}

void form_field_set(form_field *fl, const char *text)
{
	size_t n = strnlen(text, fl->max);
	/* never cut a UTF-8 character in half */
	while (n > 0 && n < strlen(text) && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	memcpy(fl->value, text, n);
	fl->value[n] = '\0';
	fl->len = n;
	fl->cur = n;
	fl->untouched = false;
	form_field_validate(fl);
}

form_field *form_add(form *f, const char *label, const char *initial, size_t max,
		     form_check_fn check, int row)
{
	if (f->nfields >= FORM_FIELDS_MAX)
		return NULL;
	form_field *fl = &f->fields[f->nfields++];
	memset(fl, 0, sizeof *fl);
	snprintf(fl->label, sizeof fl->label, "%s", label);
	fl->max = max > VALIDATE_FIELD_MAX ? VALIDATE_FIELD_MAX : max;
	fl->check = check;
	fl->row = row;
	form_field_set(fl, initial ? initial : "");
	fl->untouched = fl->len > 0;
	/* an empty field is not an error until the person moves on or confirms */
	if (fl->len == 0)
		fl->error[0] = '\0';
	return fl;
}

void form_intro(form *f, const char *fmt, ...)
{
	if (f->nintro >= FORM_INTRO_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->intro[f->nintro++], FORM_LINE_MAX, fmt, ap);
	va_end(ap);
}

status form_keep_selection(form *f, const tui_selection *sel)
{
	if (sel == NULL)
		return ST_OK;
	snprintf(f->sel_txn, sizeof f->sel_txn, "%s", sel->txn);
	if (sel->n == 0)
		return ST_OK;
	f->sel = calloc(sel->n, sizeof *f->sel);
	if (f->sel == NULL)
		return ST_NOMEM;
	for (size_t i = 0; i < sel->n; i++) {
		entry_item *it = &f->sel[i];
		snprintf(it->title, sizeof it->title, "%s", sel->items[i].title);
		snprintf(it->edition, sizeof it->edition, "%s", sel->items[i].edition);
		snprintf(it->serial, sizeof it->serial, "%s", sel->items[i].serial);
	}
	f->nsel = sel->n;
	f->sel_qty = sel->n == 1 ? sel->items[0].qty : 0;
	return ST_OK;
}

const char *form_value(const form *f, size_t i)
{
	return i < f->nfields ? f->fields[i].value : "";
}

void form_free(form *f)
{
	if (f == NULL)
		return;
	free(f->sel);
	free(f->items);
	free(f->text);
	free(f->preview);
	passentry_free(&f->pass);
	key_secret_free(f->second);
	form_wipe_secrets(f);
	free(f->ctx);
	free(f);
}

void form_wipe_secrets(form *f)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (f->fields[i].secret) {
			sodium_memzero(f->fields[i].value, sizeof f->fields[i].value);
			f->fields[i].len = f->fields[i].cur = 0;
		}
}

/* ---- editing a field ------------------------------------------------------ */

void form_field_insert(form_field *fl, unsigned cp)
{
	char u[4];
	size_t n = utf8_encode(cp, u);
	fl->untouched = false;
	if (n == 0 || fl->len + n > fl->max)
		return;
	memmove(fl->value + fl->cur + n, fl->value + fl->cur, fl->len - fl->cur + 1);
	memcpy(fl->value + fl->cur, u, n);
	fl->len += n;
	fl->cur += n;
	form_field_validate(fl);
}

static size_t prev_char(const form_field *fl, size_t at)
{
	while (at > 0) {
		at--;
		if (((unsigned char)fl->value[at] & 0xc0) != 0x80)
			break;
	}
	return at;
}

static size_t next_char(const form_field *fl, size_t at)
{
	if (at >= fl->len)
		return fl->len;
	at++;
	while (at < fl->len && ((unsigned char)fl->value[at] & 0xc0) == 0x80)
		at++;
	return at;
}

void form_field_backspace(form_field *fl)
{
	fl->untouched = false;
	if (fl->cur == 0)
		return;
	size_t p = prev_char(fl, fl->cur);
	memmove(fl->value + p, fl->value + fl->cur, fl->len - fl->cur + 1);
	fl->len -= fl->cur - p;
	fl->cur = p;
	form_field_validate(fl);
}

void form_field_delete(form_field *fl)
{
	fl->untouched = false;
	if (fl->cur >= fl->len)
		return;
	size_t n = next_char(fl, fl->cur);
	memmove(fl->value + fl->cur, fl->value + n, fl->len - n + 1);
	fl->len -= n - fl->cur;
	form_field_validate(fl);
}

void form_field_left(form_field *fl)
{
	fl->untouched = false;
	fl->cur = prev_char(fl, fl->cur);
}

void form_field_right(form_field *fl)
{
	fl->untouched = false;
	fl->cur = next_char(fl, fl->cur);
}

static bool printable(int key)
{
	return !TUI_IS_FN(key) && key >= 0x20 && key != 0x7f && !(key >= 0x80 && key < 0xa0) &&
	       key < 0x110000;
}

bool form_field_key(form_field *fl, int key)
{
	if (printable(key)) {
		if (fl->untouched)
			form_field_set(fl, "");
		form_field_insert(fl, (unsigned)key);
	} else if (key == TUI_FN(KEY_BACKSPACE) || key == 0x7f || key == 0x08) {
		form_field_backspace(fl);
	} else if (key == TUI_FN(KEY_DC)) {
		form_field_delete(fl);
	} else if (key == TUI_FN(KEY_LEFT)) {
		form_field_left(fl);
	} else if (key == TUI_FN(KEY_RIGHT)) {
		form_field_right(fl);
	} else if (key == TUI_FN(KEY_HOME) || key == TUI_CTRL('a')) {
		fl->cur = 0;
		fl->untouched = false;
	} else if (key == TUI_FN(KEY_END) || key == TUI_CTRL('e')) {
		fl->cur = fl->len;
		fl->untouched = false;
	} else if (key == TUI_CTRL('u')) {
		form_field_set(fl, "");
	} else {
		return false;
	}
	return true;
}

/* ---- drawing --------------------------------------------------------------- */

/* Display width of s[0..n). */
static int width_n(const char *s, size_t n)
{
	char tmp[VALIDATE_FIELD_MAX + 1];
	if (n >= sizeof tmp)
		n = sizeof tmp - 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tui_text_width(tmp);
}

/* Draw a field's value in `w` columns at (y, x), scrolled so that the
 * cursor shows; returns the cursor's column. */
static int draw_value(tui_app *app, const form_field *fl, int y, int x, int w, bool focus)
{
	attr_t a = tui_attr(app, focus ? TUI_S_FIELD_FOCUS : TUI_S_FIELD);
	if (fl->secret) { /* never echoed, not even its length */
		tui_text(y, x, w, fl->len ? "(typed, hidden)" : "", a, true);
		return x;
	}
	size_t start = 0;
	while (start < fl->cur && width_n(fl->value + start, fl->cur - start) > w - 1) {
		start++;
		while (start < fl->len && ((unsigned char)fl->value[start] & 0xc0) == 0x80)
			start++;
	}
	char shown[VALIDATE_FIELD_MAX + 1];
	snprintf(shown, sizeof shown, "%s", fl->value + start);
	tui_text(y, x, w, shown, a, true);
	return x + width_n(fl->value + start, fl->cur - start);
}

static void blank(int y, const tui_rect *r)
{
	tui_text(y, r->x, r->w, "", A_NORMAL, true);
}

#define LABEL_W 22

static void draw_edit(tui_app *app, form *f, const tui_rect *r)
{
	int y = r->y, bottom = r->y + r->h; /* exclusive */
	char line[FORM_LINE_MAX + 64];
	snprintf(line, sizeof line, "%s%s%s", f->def->title, f->account[0] ? ", account " : "",
		 f->account);
	tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	for (size_t i = 0; i < f->nintro && y < bottom - 3; i++)
		tui_text(y++, r->x, r->w, f->intro[i], A_NORMAL, true);
	if (y < bottom - 3)
		blank(y++, r);
	/* the note (a refusal may need several lines) and the keys line */
	int nl = tui_text_wrap(0, 0, r->w, FORM_NOTE_LINES, f->note, A_NORMAL, false);
	if (nl > bottom - y - 3)
		nl = bottom - y - 3;
	if (nl < 1)
		nl = 1;
	int end = bottom - 1 - nl; /* where the fields end */
	int rows = end - y; /* lines for fields */
	if (rows < 1)
		rows = 1;
	/* scroll the fields so that the focus shows */
	size_t top = 0;
	if (f->focus >= (size_t)rows)
		top = f->focus - (size_t)rows + 1;
	int fw = r->w - LABEL_W - 2 > 44 ? 44 : r->w - LABEL_W - 2;
	if (fw < 8)
		fw = 8;
	int cy = -1, cx = -1;
	for (size_t i = top; i < f->nfields && y < end; i++, y++) {
		const form_field *fl = &f->fields[i];
		bool focus = i == f->focus && f->stage == FORM_EDIT;
		snprintf(line, sizeof line, "%s%s", focus ? "> " : "  ", fl->label);
		tui_text(y, r->x, LABEL_W, line, focus ? A_BOLD : A_NORMAL, true);
		int c = draw_value(app, fl, y, r->x + LABEL_W, fw, focus);
		if (focus) {
			cy = y;
			cx = c;
		}
		int ex = r->x + LABEL_W + fw + 1, ew = r->x + r->w - ex;
		if (ew > 0) {
			if (fl->error[0]) {
				snprintf(line, sizeof line, "x %s", fl->error);
				tui_text(y, ex, ew, line, tui_attr(app, TUI_S_ERROR), true);
			} else {
				tui_text(y, ex, ew, "", A_NORMAL, true);
			}
		}
	}
	while (y < end)
		blank(y++, r);
	attr_t na = tui_attr(app, f->note_error ? TUI_S_ERROR : TUI_S_OK);
	if (tui_text_wrap(y, r->x, r->w, nl, f->note, na, true) == 0)
		tui_text(y, r->x, r->w, "", na, true);
	y += nl;
	snprintf(line, sizeof line, "Tab/Down next field  Shift-Tab/Up previous  F2 confirm  "
		 "Esc cancel%s", f->def->add_row ? "  Ctrl-N another item" : "");
	tui_text(y, r->x, r->w, line, tui_attr(app, TUI_S_DIM), true);
	if (cy >= 0)
		tui_cursor(app, cy, cx);
}

static const char *second_words(ledger_second s)
{
	switch (s) {
	case LEDGER_SECOND_WITNESS:
		return "a witness of the account (its witness, alternate or custodian)";
	case LEDGER_SECOND_HOLDER:
		return "the holder";
	case LEDGER_SECOND_AUTHORITY:
		return "an authority";
	case LEDGER_SECOND_PERSON:
		return "a second person (two-person integrity)";
	case LEDGER_SECOND_INCOMING:
		return "the incoming custodian";
	default:
		return "";
	}
}

/* How many bytes of s[0..len) fill at most `cols` columns (at least one
 * character, whole characters only). */
static size_t fit(const char *s, size_t len, int cols)
{
	size_t at = 0;
	int used = 0;
	while (at < len) {
		size_t n = 1;
		while (at + n < len && ((unsigned char)s[at + n] & 0xc0) == 0x80)
			n++;
		int w = width_n(s + at, n);
		if (at > 0 && used + w > cols)
			break;
		used += w;
		at += n;
	}
	return at;
}

static void draw_confirm(tui_app *app, form *f, const tui_rect *r)
{
	int y = r->y, bottom = r->y + r->h;
	char line[FORM_LINE_MAX + 256];
	snprintf(line, sizeof line, "Confirm: %s. This exact entry will be signed:", f->def->title);
	tui_text(y++, r->x, r->w, line, tui_attr(app, TUI_S_HEADER), true);
	int extra = tui_text_wrap(0, 0, r->w, FORM_NOTE_LINES, f->note, A_NORMAL, false) - 1;
	int avail = bottom - y - 5 - (extra > 0 ? extra : 0);
	if (avail < 1)
		avail = 1;
	/* the entry's lines, wrapped to the width (a continuation starts with
	 * a dimmed arrow, so that nothing is hidden), scrolled from
	 * preview_top */
	const char *p = f->preview ? f->preview : "";
	int n = 0, cols = r->w - 4 > 8 ? r->w - 4 : 8;
	for (const char *s = p; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		size_t at = 0;
		do {
			size_t take = fit(s + at, len - at, cols);
			if (n >= f->preview_top && n - f->preview_top < avail) {
				char seg[FORM_LINE_MAX * 4];
				size_t k = take < sizeof seg - 1 ? take : sizeof seg - 1;
				memcpy(seg, s + at, k);
				seg[k] = '\0';
				tui_text(y, r->x, 4, at ? "  \u21aa " : "  ", tui_attr(app, TUI_S_DIM), true);
				tui_text(y++, r->x + 4, r->w - 4, seg, tui_attr(app, TUI_S_FIELD), true);
			}
			n++;
			at += take;
		} while (at < len);
		s = nl ? nl + 1 : s + len;
	}
	while (y < bottom - 4)
		blank(y++, r);
	if (f->who.second == LEDGER_SECOND_NONE)
		snprintf(line, sizeof line, "Signed by: %s (you)", f->who.actor);
	else
		snprintf(line, sizeof line, "Signed by: %s (you), and %s%s%s", f->who.actor,
			 second_words(f->who.second), f->who.second_name[0] ? ": " : "",
			 f->who.second_name);
	tui_text(y++, r->x, r->w, line, A_BOLD, true);
	/* the stage's prompt */
	int cy = -1, cx = -1;
	switch (f->stage) {
	case FORM_CONFIRM:
		tui_text(y++, r->x, r->w, n > avail ? "y or Enter: sign   Esc: back to the form   "
						      "Up/Down: scroll"
						    : "y or Enter: sign   Esc: back to the form",
			 A_NORMAL, true);
		break;
	case FORM_ACTOR_PASS:
		snprintf(line, sizeof line, "Passphrase of your key %.200s (not shown), then Enter: ",
			 app->key_path);
		cx = tui_text(y, r->x, r->w, line, A_NORMAL, true);
		cy = y++;
		cx = r->x + (cx < r->w ? cx : r->w - 1);
		break;
	case FORM_SECOND_PATH: {
		snprintf(line, sizeof line, "%s%s%s: choose the key file, then Enter:",
			 ledger_second_name(f->who.second), f->who.second_name[0] ? " " : "",
			 f->who.second_name);
		line[0] = (char)(line[0] >= 'a' && line[0] <= 'z' ? line[0] - 32 : line[0]);
		tui_text(y++, r->x, r->w, line, A_NORMAL, true);
		int fw = r->w - 4 > 80 ? 80 : r->w - 4;
		cx = draw_value(app, &f->path, y, r->x + 2, fw, true);
		cy = y++;
		break;
	}
	case FORM_SECOND_PASS:
		snprintf(line, sizeof line, "%s, type your passphrase (not shown), then Enter: ",
			 f->second_pub.name);
		cx = tui_text(y, r->x, r->w, line, A_NORMAL, true);
		cy = y++;
		cx = r->x + (cx < r->w ? cx : r->w - 1);
		break;
	default:
		break;
	}
	const char *note = f->note;
	bool err = f->note_error;
	if (f->stage == FORM_SECOND_PATH && !note[0]) {
		if (f->path.error[0]) {
			note = f->path.error;
			err = true;
		} else if (f->second_pub.name[0]) {
			snprintf(line, sizeof line, "the key of %s", f->second_pub.name);
			note = line;
		}
	}
	int nl = tui_text_wrap(0, 0, r->w, FORM_NOTE_LINES, note, A_NORMAL, false);
	if (nl > bottom - y - 1)
		nl = bottom - y - 1;
	if (nl < 1)
		nl = 1;
	while (y < bottom - 1 - nl)
		blank(y++, r);
	attr_t na = tui_attr(app, err ? TUI_S_ERROR : TUI_S_OK);
	if (y < bottom && tui_text_wrap(y, r->x, r->w, nl, note, na, true) == 0)
		tui_text(y, r->x, r->w, "", na, true);
	y += nl;
	if (y < bottom)
		tui_text(y++, r->x, r->w, f->stage == FORM_CONFIRM ? "" : "Esc: back",
			 tui_attr(app, TUI_S_DIM), true);
	if (cy >= 0)
		tui_cursor(app, cy, cx);
}

static void form_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	form *f = v->state;
	if (r->h < 3 || r->w < 10)
		return;
	if (f->stage == FORM_EDIT)
		draw_edit(app, f, r);
	else
		draw_confirm(app, f, r);
}

/* ---- the steps ---------------------------------------------------------------- */

static void note(form *f, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(form *f, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->note, sizeof f->note, fmt, ap);
	va_end(ap);
	f->note_error = error;
}

/* The request from the fields (the same every time: one idempotency key). */
static status build(tui_app *app, form *f, ledger_request *q, errbuf *err)
{
	memset(q, 0, sizeof *q);
	q->action = f->def->entry;
	snprintf(q->account, sizeof q->account, "%s", f->account);
	memcpy(q->idem, f->idem, sizeof q->idem);
	q->actor = app->key;
	f->bad_field = -1;
	return f->def->build(f, app, q, err);
}

/* Words for a failure of the ledger: the rule or the role. */
static void refusal(form *f, status st, const errbuf *err)
{
	const char *why = err_text(err, st);
	if (st == ST_DENIED)
		note(f, true, "Not permitted: %s", why);
	else if (st == ST_REFUSED)
		note(f, true, "Refused: %s", why);
	else
		note(f, true, "%s", why);
}

/* ledger_preview of q, reconnecting on a lost connection. */
static status ask_preview(tui_app *app, const ledger_request *q, char **text, size_t *len,
			  ledger_signers *who, errbuf *err)
{
	for (int tries = 0;; tries++) {
		status st = ledger_preview(app->db, q, text, len, who, err);
		if (st != ST_CONN || tries >= 2 || !tui_reconnect(app, st, TUI_RECONNECT_SECONDS))
			return st;
	}
}

static void preview(tui_app *app, form *f)
{
	/* every field first: the first that is wrong gets the focus */
	for (size_t i = 0; i < f->nfields; i++) {
		form_field_validate(&f->fields[i]);
		if (f->fields[i].error[0]) {
			f->focus = i;
			note(f, true, "%s: %s", f->fields[i].label, f->fields[i].error);
			return;
		}
	}
	ledger_request q;
	errbuf err = {0};
	status st = build(app, f, &q, &err);
	if (st != ST_OK) {
		if (f->bad_field >= 0 && (size_t)f->bad_field < f->nfields)
			f->focus = (size_t)f->bad_field;
		note(f, true, "%s", err_text(&err, st));
		return;
	}
	free(f->preview);
	f->preview = NULL;
	st = ask_preview(app, &q, &f->preview, &f->previewlen, &f->who, &err);
	if (st != ST_OK) {
		if (st == ST_CONN)
			note(f, true, "The connection to the database is lost; what you typed is kept: "
			     "press F2 again when it is back");
		else
			refusal(f, st, &err);
		return;
	}
	f->note[0] = '\0';
	f->preview_top = 0;
	f->stage = FORM_CONFIRM;
}

bool form_could_sign(ledger_second need, const char *account, const char *roles)
{
	for (const char *t = roles; *t;) {
		size_t n = strcspn(t, " "), rn = strcspn(t, ": ");
		int r = entry_role_from_name(t, rn);
		const char *acct = rn < n ? t + rn + 1 : "";
		size_t an = rn < n ? n - rn - 1 : 0;
		bool here = an == strlen(account) && memcmp(acct, account, an) == 0;
		if (r >= 0 && need == LEDGER_SECOND_AUTHORITY && r == ROLE_AUTHORITY && an == 0)
			return true;
		/* a material action's second person is a witness of its account */
		if (r >= 0 && (need == LEDGER_SECOND_WITNESS || need == LEDGER_SECOND_PERSON) &&
		    here && rules_witness_role((entry_role)r))
			return true;
		t += n;
		t += strspn(t, " ");
	}
	return false;
}

/* Is "<dir><name>.key" a file?  Its path into out (TUI_PATH_MAX bytes). */
static bool key_file_of(const char *dir, const char *name, char *out)
{
	struct stat sb;
	int n = snprintf(out, TUI_PATH_MAX, "%s%s.key", dir, name);
	return n > 0 && n < TUI_PATH_MAX && stat(out, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The first person by name, not the actor nor revoked, who could be the
 * second signer of f (form_could_sign) and whose key file is in dir;
 * its path into out, false if none (or the people cannot be read). */
static bool guess_second(tui_app *app, form *f, const char *dir, char *out)
{
	char after[QUERY_CURSOR_MAX] = "";
	bool found = false;
	for (int page = 0; page < 50 && !found; page++) {
		query_persons q;
		errbuf err = {0};
		if (query_person_list(app->db, QUERY_LIMIT_MAX, after, &q, &err) != ST_OK)
			return false;
		for (size_t i = 0; i < q.n && !found; i++) {
			const query_person *p = &q.rows[i];
			found = !p->revoked && strcmp(p->name, f->who.actor) != 0 &&
				form_could_sign(f->who.second, f->account, p->roles) &&
				key_file_of(dir, p->name, out);
		}
		snprintf(after, sizeof after, "%s", q.next);
		query_persons_free(&q);
		if (after[0] == '\0')
			break;
	}
	return found;
}

/* Where the key chooser starts: where the second person's key is
 * expected by the convention the actor's own key follows, a file named
 * for its person ("wendy.key") in the folder of the actor's key.  That
 * file when the second person is known (the holder named) and it is
 * there; else the file of the first person who could sign (guess_second);
 * else the folder. */
static void second_default(tui_app *app, form *f)
{
	char dir[TUI_PATH_MAX], file[TUI_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", app->key_path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	const char *name = f->who.second_name;
	bool have = name[0] != '\0' ? key_file_of(dir, name, file) : guess_second(app, f, dir, file);
	snprintf(f->second_default, sizeof f->second_default, "%s", have ? file : dir);
}

/* Whose key the chosen file holds, for the prompt ("the key of wendy"). */
static void read_owner(form *f)
{
	if (f->path.error[0] || validate_key_path(f->path.value, &f->second_pub, NULL) != ST_OK)
		memset(&f->second_pub, 0, sizeof f->second_pub);
}

static status check_path(const char *value, errbuf *err)
{
	return validate_key_path(value, NULL, err);
}

static tui_result submit(tui_app *app, form *f);

/* After the actor's key: the second person, or the submission. */
static tui_result after_actor(tui_app *app, form *f)
{
	if (f->who.second == LEDGER_SECOND_NONE)
		return submit(app, f);
	if (f->pass.buf == NULL && passentry_init(&f->pass) != ST_OK) {
		note(f, true, "out of memory");
		return TUI_HANDLED;
	}
	second_default(app, f);
	f->path.check = check_path;
	form_field_set(&f->path, f->second_default);
	if (f->path.error[0] && f->second_default[0] &&
	    f->second_default[strlen(f->second_default) - 1] == '/')
		f->path.error[0] = '\0'; /* a folder to start from: not an error yet */
	memset(&f->second_pub, 0, sizeof f->second_pub);
	read_owner(f);
	f->note[0] = '\0';
	f->stage = FORM_SECOND_PATH;
	return TUI_HANDLED;
}

static tui_result submit(tui_app *app, form *f)
{
	ledger_request q;
	errbuf err = {0};
	status st = build(app, f, &q, &err);
	ledger_result res = {0};
	if (st == ST_OK) {
		q.second = f->second;
		q.expect = f->preview;
		q.expectlen = f->previewlen;
		for (int tries = 0;; tries++) {
			st = f->sign != NULL ? f->sign(f, app, &res, &err)
					     : ledger_submit(app->db, &q, &res, &err);
			/* Lost before or after the commit, or a server that is now a
			 * standby: the same request again (one idempotency key). */
			bool again = st == ST_CONN || st == ST_UNKNOWN || st == ST_READONLY;
			if (!again || tries >= 2 || !tui_reconnect(app, ST_CONN, TUI_RECONNECT_SECONDS))
				break;
		}
	}
	key_secret_free(f->second);
	f->second = NULL;
	passentry_clear(&f->pass);
	if (st == ST_OK) {
		tui_ledger_changed(app);
		char after[FORM_NOTE_MAX] = "";
		if (f->after != NULL) {
			errbuf aerr = {0};
			status ast = f->after(f, app, &res, &aerr);
			if (ast != ST_OK)
				snprintf(after, sizeof after, "; but %s", err_text(&aerr, ast));
		}
		form_wipe_secrets(f);
		char cp[200], inv[160] = "";
		tui_after_submit(app, cp, sizeof cp);
		if ((f->def->entry == ACT_INVENTORY || f->sign != NULL) && !res.already) {
			inv[0] = ';';
			inv[1] = ' ';
			ledger_inventory_words(&res, inv + 2, sizeof inv - 2);
		}
		tui_message(app, after[0] ? TUI_MSG_WARN : TUI_MSG_OK, "%s signed: entry %llu%s%s%s%s%s%s",
			    f->def->title, (unsigned long long)res.index, res.txn[0] ? ", txn " : "",
			    res.txn,
			    res.already ? " (it had been applied before the connection was lost)"
					: "", inv, after, cp);
		return TUI_POP;
	}
	if (st == ST_CONN) {
		f->stage = FORM_CONFIRM;
		note(f, true, "The connection to the database is lost; nothing is lost here: press "
		     "y to sign again when it is back (it applies once)");
		return TUI_HANDLED;
	}
	if (st == ST_UNKNOWN || st == ST_UNREPLICATED) {
		f->stage = FORM_CONFIRM;
		note(f, true, "Outcome unknown (the synchronous standby did not confirm the commit): "
		     "press y to sign again with idempotency key %s; it applies once, and says so "
		     "if it stood", f->idem);
		return TUI_HANDLED;
	}
	if (st == ST_REFUSED && err.why == RULE_PREVIEW_CHANGED) {
		f->stage = FORM_EDIT;
		preview(app, f);
		if (f->stage == FORM_CONFIRM)
			note(f, true, "The entry changed since you saw it (the ledger moved on): "
			     "check it again before signing");
		return TUI_HANDLED;
	}
	f->stage = FORM_EDIT;
	refusal(f, st, &err);
	return TUI_HANDLED;
}

static tui_result start_signing(tui_app *app, form *f)
{
	f->note[0] = '\0';
	if (app->key != NULL)
		return after_actor(app, f);
	if (app->key_path[0] == '\0') {
		note(f, true, "No key file: start custos with --key FILE (or set CUSTOS_KEY)");
		return TUI_HANDLED;
	}
	if (f->pass.buf == NULL && passentry_init(&f->pass) != ST_OK) {
		note(f, true, "out of memory");
		return TUI_HANDLED;
	}
	f->stage = FORM_ACTOR_PASS;
	return TUI_HANDLED;
}

/* ---- keys ---------------------------------------------------------------------- */

static tui_result key_edit(tui_app *app, form *f, int key, tui_action a)
{
	form_field *fl = f->nfields ? &f->fields[f->focus] : NULL;
	if (key == TUI_ESC) {
		tui_message(app, TUI_MSG_INFO, "%s: cancelled, nothing signed", f->def->title);
		return TUI_POP;
	}
	if (a == A_FORM_CONFIRM) {
		preview(app, f);
		return TUI_HANDLED;
	}
	if (a == A_FORM_ANOTHER) {
		if (f->def->add_row == NULL) {
			tui_message(app, TUI_MSG_INFO, "%s: this form takes no more items", f->def->title);
			return TUI_HANDLED;
		}
		f->def->add_row(f);
		return TUI_HANDLED;
	}
	bool enter = key == '\n' || key == '\r' || key == TUI_FN(KEY_ENTER);
	if (a == A_FORM_NEXT || enter) {
		if (fl != NULL)
			form_field_validate(fl);
		if (enter && f->focus + 1 >= f->nfields)
			preview(app, f);
		else if (f->focus + 1 < f->nfields)
			f->focus++;
		return TUI_HANDLED;
	}
	if (a == A_FORM_PREV) {
		if (f->focus > 0)
			f->focus--;
		return TUI_HANDLED;
	}
	if (fl != NULL && form_field_key(fl, key)) {
		if (f->note_error)
			f->note[0] = '\0';
		return TUI_HANDLED;
	}
	if (a == A_HELP || a == A_QUIT || key == TUI_FN(KEY_RESIZE))
		return TUI_UNHANDLED;
	return TUI_HANDLED;
}

static tui_result key_confirm(tui_app *app, form *f, int key, tui_action a)
{
	if (key == TUI_ESC) {
		f->stage = FORM_EDIT;
		f->note[0] = '\0';
		return TUI_HANDLED;
	}
	if (key == 'y' || key == 'Y' || key == '\n' || key == '\r' || key == TUI_FN(KEY_ENTER))
		return start_signing(app, f);
	if (key == TUI_FN(KEY_DOWN) || key == 'j')
		f->preview_top++;
	else if ((key == TUI_FN(KEY_UP) || key == 'k') && f->preview_top > 0)
		f->preview_top--;
	else if (key == TUI_FN(KEY_NPAGE))
		f->preview_top += 10;
	else if (key == TUI_FN(KEY_PPAGE))
		f->preview_top = f->preview_top > 10 ? f->preview_top - 10 : 0;
	else if (a == A_HELP || a == A_QUIT || key == TUI_FN(KEY_RESIZE))
		return TUI_UNHANDLED;
	if (f->preview_top > 600)
		f->preview_top = 600;
	return TUI_HANDLED;
}

/* Unsealing takes a moment (Argon2id): say so first.  whose: NULL for the
 * actor's own key. */
static void unsealing(tui_app *app, form *f, const char *whose)
{
	if (whose == NULL)
		note(f, false, "Opening your key...");
	else
		note(f, false, "Opening the key of %s...", whose);
	tui_redraw(app);
}

static tui_result key_actor_pass(tui_app *app, form *f, int key)
{
	switch (passentry_key(&f->pass, key)) {
	case PASS_CANCEL:
		passentry_clear(&f->pass);
		f->stage = FORM_CONFIRM;
		f->note[0] = '\0';
		return TUI_HANDLED;
	case PASS_DONE: {
		unsealing(app, f, NULL);
		key_secret *k = NULL;
		errbuf err = {0};
		status st = passentry_unseal(&f->pass, app->key_path, &k, &err);
		if (st != ST_OK) {
			note(f, true, "%s: try again", st == ST_BADPASS ? "Wrong passphrase"
								 : err_text(&err, st));
			return TUI_HANDLED;
		}
		app->key = k;
		f->note[0] = '\0';
		return after_actor(app, f);
	}
	default:
		if (key == TUI_FN(KEY_RESIZE))
			return TUI_UNHANDLED;
		return TUI_HANDLED;
	}
}

/* May the owner of `pub` be the second signer?  The ledger's preview
 * with their public key says, as the submission will, before they type
 * their passphrase (a person who may not witness is refused here). */
static status check_second(tui_app *app, form *f, const key_public *pub, errbuf *err)
{
	ledger_request q;
	status st = build(app, f, &q, err);
	if (st != ST_OK)
		return st;
	q.second_pub = pub;
	char *text = NULL;
	size_t len = 0;
	ledger_signers who;
	st = ask_preview(app, &q, &text, &len, &who, err);
	free(text);
	return st;
}

static tui_result key_second_path(tui_app *app, form *f, int key)
{
	if (key == TUI_ESC) {
		f->stage = FORM_CONFIRM;
		f->note[0] = '\0';
		return TUI_HANDLED;
	}
	if (key == '\n' || key == '\r' || key == TUI_FN(KEY_ENTER)) {
		errbuf err = {0};
		key_public pub;
		status st = validate_key_path(f->path.value, &pub, &err);
		if (st != ST_OK) {
			note(f, true, "%s", err_text(&err, st));
			return TUI_HANDLED;
		}
		if (strcmp(pub.name, f->who.actor) == 0 ||
		    (app->key != NULL && strcmp(pub.name, key_secret_public(app->key)->name) == 0)) {
			note(f, true, "This is your own key: the %s must be another person",
			     ledger_second_name(f->who.second));
			return TUI_HANDLED;
		}
		if (f->who.second_name[0] && strcmp(pub.name, f->who.second_name) != 0) {
			note(f, true, "This is the key of %s; the %s is %s", pub.name,
			     ledger_second_name(f->who.second), f->who.second_name);
			return TUI_HANDLED;
		}
		if ((st = check_second(app, f, &pub, &err)) != ST_OK) {
			if (st == ST_CONN)
				note(f, true, "The connection to the database is lost: press Enter "
				     "again when it is back");
			else
				refusal(f, st, &err);
			return TUI_HANDLED;
		}
		f->second_pub = pub;
		f->note[0] = '\0';
		passentry_clear(&f->pass);
		f->stage = FORM_SECOND_PASS;
		return TUI_HANDLED;
	}
	if (form_field_key(&f->path, key)) {
		f->note[0] = '\0';
		read_owner(f);
		return TUI_HANDLED;
	}
	if (key == TUI_FN(KEY_RESIZE))
		return TUI_UNHANDLED;
	return TUI_HANDLED;
}

static tui_result key_second_pass(tui_app *app, form *f, int key)
{
	switch (passentry_key(&f->pass, key)) {
	case PASS_CANCEL:
		passentry_clear(&f->pass);
		f->stage = FORM_SECOND_PATH;
		f->note[0] = '\0';
		return TUI_HANDLED;
	case PASS_DONE: {
		unsealing(app, f, f->second_pub.name);
		errbuf err = {0};
		key_secret_free(f->second);
		f->second = NULL;
		status st = passentry_unseal(&f->pass, f->path.value, &f->second, &err);
		if (st != ST_OK) {
			note(f, true, "%s: try again", st == ST_BADPASS ? "Wrong passphrase"
								 : err_text(&err, st));
			return TUI_HANDLED;
		}
		f->note[0] = '\0';
		note(f, false, "Signing...");
		tui_redraw(app);
		f->note[0] = '\0';
		return submit(app, f);
	}
	default:
		if (key == TUI_FN(KEY_RESIZE))
			return TUI_UNHANDLED;
		return TUI_HANDLED;
	}
}

static tui_result form_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	form *f = v->state;
	switch (f->stage) {
	case FORM_EDIT:
		return key_edit(app, f, key, a);
	case FORM_CONFIRM:
		return key_confirm(app, f, key, a);
	case FORM_ACTOR_PASS:
		return key_actor_pass(app, f, key);
	case FORM_SECOND_PATH:
		return key_second_path(app, f, key);
	case FORM_SECOND_PASS:
		return key_second_pass(app, f, key);
	}
	return TUI_HANDLED;
}

/* ---- the view -------------------------------------------------------------------- */

static status form_view_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	(void)app;
	(void)err;
	v->state = (void *)arg;
	return ST_OK;
}

static void form_done(tui_app *app, tui_view *v)
{
	(void)app;
	form_free(v->state);
	v->state = NULL;
}

const tui_view_ops form_view_ops = {
	.name = "Form",
	.kind = TUI_V_FORM,
	.open = form_view_open,
	.draw = form_draw,
	.key = form_key,
	.reload = NULL,
	.done = form_done,
};

void form_open(tui_app *app, form *f)
{
	bool confirm = f->start_confirm;
	if (tui_push(app, &form_view_ops, f) != ST_OK) {
		form_free(f);
		return;
	}
	if (confirm)
		preview(app, f);
}
