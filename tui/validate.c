/* validate.c: field validators for the forms (see validate.h).  Every rule
 * comes from src/: a probe entry or item is checked by entry_format,
 * entry_item_check or ledger_parse_item, and their words are kept. */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/keyfile.h"
#include "../src/ledger.h"
#include "../src/rules.h"
#include "../src/utf8.h"

/* Keep the ledger's words, without its "item: " or "item 1: " prefix. */
static status reword(errbuf *err, status st, const errbuf *src)
{
	const char *m = src->msg;
	if (strncmp(m, "item: ", 6) == 0)
		m += 6;
	else if (strncmp(m, "item 1: ", 8) == 0)
		m += 8;
	return err_set(err, st == ST_OK ? ST_FORMAT : st, "%s", m);
}

/* Is s too long for a field of cap bytes (cap includes the NUL)? */
static bool too_long(const char *s, size_t cap)
{
	return strnlen(s, cap) >= cap;
}

/* A probe entry that entry_format accepts once one field is set. */
static void probe_entry(entry *e, entry_action a)
{
	memset(e, 0, sizeof *e);
	snprintf(e->origin, sizeof e->origin, "probe");
	e->action = a;
}

static status check_probe(entry *e, errbuf *err)
{
	char *text = NULL;
	size_t len = 0;
	errbuf why = {0};
	status st = entry_format(e, &text, &len, &why);
	free(text);
	entry_free(e);
	return st == ST_OK ? ST_OK : reword(err, st, &why);
}

status validate_account(const char *s, bool allow_cor, errbuf *err)
{
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, allow_cor ? "give an account number (six digits) or COR"
							: "give an account number (six digits)");
	if (strcmp(s, "COR") == 0)
		return allow_cor ? ST_OK
				 : err_set(err, ST_FORMAT, "the COR is not an account here: give six digits");
	if (!entry_account_number_valid(s))
		return err_set(err, ST_FORMAT, "an account number is six digits");
	return ST_OK;
}

/* An item with every field valid but the one under test. */
static entry_item probe_item(void)
{
	entry_item it = {.kind = KIND_EQUIPMENT, .alc = 2, .cls = CLASS_U, .qty = 1};
	memcpy(it.title, "X", 2);
	return it;
}

static status check_item(const entry_item *it, errbuf *err)
{
	errbuf why = {0};
	status st = entry_item_check(it, 1, &why);
	return st == ST_OK ? ST_OK : reword(err, st, &why);
}

status validate_serial(const char *s, bool required, errbuf *err)
{
	if (s[0] == '\0')
		return required ? err_set(err, ST_USAGE, "give the serial number") : ST_OK;
	if (too_long(s, ENTRY_SERIAL_MAX + 1))
		return err_set(err, ST_FORMAT, "a serial is at most %d characters", ENTRY_SERIAL_MAX);
	entry_item it = probe_item();
	memcpy(it.serial, s, strlen(s) + 1);
	return check_item(&it, err);
}

status validate_title(const char *s, errbuf *err)
{
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "give the short title (e.g. KG-175D)");
	if (too_long(s, ENTRY_TITLE_MAX + 1))
		return err_set(err, ST_FORMAT, "a short title is at most %d characters",
			       ENTRY_TITLE_MAX);
	entry_item it = probe_item();
	memcpy(it.title, s, strlen(s) + 1);
	return check_item(&it, err);
}

status validate_edition(const char *s, errbuf *err)
{
	if (s[0] == '\0')
		return ST_OK;
	if (too_long(s, ENTRY_EDITION_MAX + 1))
		return err_set(err, ST_FORMAT, "an edition is at most %d characters",
			       ENTRY_EDITION_MAX);
	entry_item it = probe_item();
	memcpy(it.edition, s, strlen(s) + 1);
	return check_item(&it, err);
}

/* One field of an item spec, through ledger_parse_item: "NAME=VALUE
 * title=X".  A value that would split the spec (a space or '=') or is too
 * long is passed as "?", which the parser refuses in its own words. */
static status parse_field(const char *name, const char *v, entry_item *out, errbuf *err)
{
	char spec[96];
	bool odd = v[0] == '\0' || strpbrk(v, " =") != NULL || strlen(v) > 40;
	snprintf(spec, sizeof spec, "%s=%s title=X", name, odd ? "?" : v);
	errbuf why = {0};
	status st = ledger_parse_item(spec, false, out, &why);
	/* the probe has no serial: ALC 1 and 6 would ask for one */
	if (st != ST_OK && why.why == RULE_SERIAL_REQUIRED)
		st = ST_OK;
	return st == ST_OK ? ST_OK : reword(err, st, &why);
}

status validate_kind(const char *s, item_kind *out, errbuf *err)
{
	entry_item it;
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "give the kind: key, equipment or publication");
	status st = parse_field("kind", s, &it, err);
	if (st == ST_OK && out != NULL)
		*out = it.kind;
	return st;
}

status validate_class(const char *s, item_class *out, errbuf *err)
{
	entry_item it;
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "give the classification: U, C, S or TS");
	status st = parse_field("class", s, &it, err);
	if (st == ST_OK && out != NULL)
		*out = it.cls;
	return st;
}

status validate_alc(const char *s, int *out, errbuf *err)
{
	entry_item it = {0};
	status st = ST_OK;
	if (s[0] != '\0') {
		/* ALC 6 and 7 are for key: ask as key so that only the value is judged */
		char spec[64];
		bool odd = strpbrk(s, " =") != NULL || strlen(s) > 8;
		snprintf(spec, sizeof spec, "kind=key serial=1 alc=%s title=X", odd ? "?" : s);
		errbuf why = {0};
		st = ledger_parse_item(spec, false, &it, &why);
		if (st != ST_OK)
			return reword(err, st, &why);
	}
	if (out != NULL)
		*out = s[0] ? it.alc : 0;
	return st;
}

status validate_qty(const char *s, uint32_t *out, errbuf *err)
{
	entry_item it = {.qty = 1};
	if (s[0] != '\0') {
		/* quantity-accounted: a publication without a serial */
		char spec[64];
		bool odd = strpbrk(s, " =") != NULL || strlen(s) > 12;
		snprintf(spec, sizeof spec, "kind=publication qty=%s title=X", odd ? "?" : s);
		errbuf why = {0};
		status st = ledger_parse_item(spec, false, &it, &why);
		if (st != ST_OK)
			return reword(err, st, &why);
	}
	if (out != NULL)
		*out = it.qty;
	return ST_OK;
}

status validate_date(const char *s, uint32_t *out, errbuf *err)
{
	uint32_t d = 0;
	if (s[0] != '\0' && entry_date_parse(s, strlen(s), &d) != ST_OK)
		return err_set(err, ST_FORMAT, "a date is YYYY-MM-DD, a real day from 1970 to 9999");
	if (out != NULL)
		*out = d;
	return ST_OK;
}

status validate_crypto(const char *s, bool *out, errbuf *err)
{
	entry_item it = {0};
	if (s[0] != '\0') {
		char spec[64];
		bool odd = strpbrk(s, " =") != NULL || strlen(s) > 8;
		snprintf(spec, sizeof spec, "kind=key serial=1 crypto=%s title=X", odd ? "?" : s);
		errbuf why = {0};
		status st = ledger_parse_item(spec, false, &it, &why);
		if (st != ST_OK)
			return reword(err, st, &why);
	}
	if (out != NULL)
		*out = it.crypto;
	return ST_OK;
}

status validate_item(const validate_item_fields *f, entry_item *out, errbuf *err)
{
	status st;
	const char *empty = "";
#define OR_EMPTY(p) ((p) != NULL ? (p) : empty)
	const char *title = OR_EMPTY(f->title), *edition = OR_EMPTY(f->edition),
		   *serial = OR_EMPTY(f->serial), *kind = OR_EMPTY(f->kind), *cls = OR_EMPTY(f->cls),
		   *alc = OR_EMPTY(f->alc), *qty = OR_EMPTY(f->qty), *crypto = OR_EMPTY(f->crypto),
		   *eff = OR_EMPTY(f->effective), *sup = OR_EMPTY(f->supersedes);
#undef OR_EMPTY
	if ((st = validate_title(title, err)) != ST_OK ||
	    (st = validate_edition(edition, err)) != ST_OK ||
	    (st = validate_serial(serial, false, err)) != ST_OK ||
	    (kind[0] && (st = validate_kind(kind, NULL, err)) != ST_OK) ||
	    (cls[0] && (st = validate_class(cls, NULL, err)) != ST_OK) ||
	    (st = validate_alc(alc, NULL, err)) != ST_OK ||
	    (st = validate_qty(qty, NULL, err)) != ST_OK ||
	    (st = validate_crypto(crypto, NULL, err)) != ST_OK ||
	    (st = validate_date(eff, NULL, err)) != ST_OK ||
	    (st = validate_date(sup, NULL, err)) != ST_OK)
		return st;
	/* Each field is sound and has no spaces (but the title, which goes
	 * last): the whole item goes through the ledger's own parser. */
	char full[640];
	size_t at = 0;
	const char *names[] = {"kind", "class", "alc", "qty", "crypto", "serial", "edition",
			       "effective", "supersedes", "title"};
	const char *vals[] = {kind, cls, alc, qty, crypto, serial, edition, eff, sup, title};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (vals[i][0] == '\0')
			continue;
		int n = snprintf(full + at, sizeof full - at, "%s%s=%s", at ? " " : "", names[i],
				 vals[i]);
		if (n < 0 || (size_t)n >= sizeof full - at)
			return err_set(err, ST_TOOBIG, "the item's fields are too long");
		at += (size_t)n;
	}
	entry_item it;
	errbuf why = {0};
	st = ledger_parse_item(full, false, &it, &why);
	if (st != ST_OK)
		return reword(err, st, &why);
	if (out != NULL)
		*out = it;
	return ST_OK;
}

status validate_txn(const char *s, errbuf *err)
{
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "give the transaction number (ACCOUNT-YEAR-NNNN)");
	if (too_long(s, ENTRY_TXN_MAX + 1))
		return err_set(err, ST_FORMAT, "a transaction number is ACCOUNT-YEAR-NNNN");
	entry e;
	probe_entry(&e, ACT_ACCEPT);
	memcpy(e.account, "000000", 7);
	memcpy(e.ref, s, strlen(s) + 1);
	return check_probe(&e, err);
}

status validate_person(const char *s, errbuf *err)
{
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "give the person's name");
	if (too_long(s, KEY_NAME_MAX + 1))
		return err_set(err, ST_FORMAT, "a person's name is at most %d bytes", KEY_NAME_MAX);
	entry e;
	probe_entry(&e, ACT_ACCOUNT_OPEN);
	memcpy(e.holder, s, strlen(s) + 1);
	status st = check_probe(&e, err);
	if (st != ST_OK)
		return err_set(err, st, "a person's name has no spaces, '+' or control characters");
	return ST_OK;
}

status validate_category(const char *s, entry_category *out, errbuf *err)
{
	for (int c = CAT_NONE + 1; c < CAT__COUNT; c++)
		if (strcmp(s, entry_category_name((entry_category)c)) == 0) {
			if (out != NULL)
				*out = (entry_category)c;
			return ST_OK;
		}
	return err_set(err, s[0] ? ST_FORMAT : ST_USAGE,
		       "the category is cryptographic, personnel, physical or packaging");
}

status validate_outcome(const char *s, entry_outcome *out, errbuf *err)
{
	int o = entry_outcome_from_name(s, strlen(s));
	if (o < 0)
		return err_set(err, s[0] ? ST_FORMAT : ST_USAGE, "the outcome is no-compromise, "
			       "compromised, lost or destroy");
	if (out != NULL)
		*out = (entry_outcome)o;
	return ST_OK;
}

status validate_method(const char *s, entry_method *out, errbuf *err)
{
	int m = entry_method_from_name(s, strlen(s));
	if (m < 0)
		return err_set(err, s[0] ? ST_FORMAT : ST_USAGE, "the method is burn, shred, "
			       "pulverize, disintegrate, degauss or zeroize");
	if (out != NULL)
		*out = (entry_method)m;
	return ST_OK;
}

status validate_authority(const char *s, errbuf *err)
{
	if (s[0] != '\0' && !entry_authority_valid(s, strlen(s)))
		return err_set(err, ST_FORMAT, "a reference is 1 to %d letters, digits, '.', '/' "
			       "or '-'", ENTRY_AUTHORITY_MAX);
	return ST_OK;
}

status validate_discovered(const char *s, int64_t now_us, int64_t *out, errbuf *err)
{
	int64_t us;
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "say when it was discovered, UTC: YYYY-MM-DDTHH:MMZ");
	if (entry_time_parse_input(s, &us) != ST_OK)
		return err_set(err, ST_FORMAT, "a time is UTC: YYYY-MM-DDTHH:MMZ");
	if (now_us > 0 && us > now_us)
		return err_set(err, ST_FORMAT, "that is in the future");
	if (out != NULL)
		*out = us;
	return ST_OK;
}

status validate_text(const char *s, size_t len, size_t max, bool required, errbuf *err)
{
	if (max > ENTRY_TEXT_MAX)
		max = ENTRY_TEXT_MAX;
	if (len == 0)
		return required ? err_set(err, ST_USAGE, "say what happened (free text)") : ST_OK;
	if (len > max)
		return err_set(err, ST_TOOBIG, "the text is %zu bytes; at most %zu", len, max);
	/* the log's own rule first: valid UTF-8, escapable */
	char *esc = NULL;
	size_t esclen = 0;
	errbuf why = {0};
	status st = entry_text_escape(s, len, &esc, &esclen, &why);
	free(esc);
	if (st != ST_OK)
		return err_set(err, st, "the text is not valid UTF-8");
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			return err_set(err, ST_FORMAT, "the text is not valid UTF-8");
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return err_set(err, ST_FORMAT, "the text has a control character (byte %zu)",
				       i + 1);
		if (utf8_is_bidi_control(cp))
			return err_set(err, ST_FORMAT, "the text has a bidirectional control "
				       "character (byte %zu), which would show it in another order", i + 1);
		i += n;
	}
	return ST_OK;
}

status validate_detail(const char *s, const char *what, size_t max, bool required,
		       errbuf *err)
{
	size_t len = strlen(s);
	if (len == 0)
		return required ? err_set(err, ST_USAGE, "give %s", what) : ST_OK;
	if (len > max)
		return err_set(err, ST_TOOBIG, "%s is %zu bytes; at most %zu", what, len, max);
	errbuf why = {0};
	status st = validate_text(s, len, max, false, &why);
	if (st != ST_OK) { /* "the text ..." of validate_text, said of this field */
		const char *m = err_text(&why, st);
		if (strncmp(m, "the text", 8) == 0)
			return err_set(err, st, "%s%s", what, m + 8);
		return err_set(err, st, "%s: %s", what, m);
	}
	return ST_OK;
}

status validate_cor_account(const char *s, errbuf *err)
{
	if (s[0] == '\0')
		return ST_OK;
	errbuf why = {0};
	if (validate_account(s, false, &why) != ST_OK)
		return err_set(err, ST_FORMAT, "the COR account is six digits (the number the COR "
			       "knows this account by)");
	return ST_OK;
}

status validate_key_path(const char *path, key_public *owner, errbuf *err)
{
	if (path[0] == '\0')
		return err_set(err, ST_USAGE, "give the path of the key file");
	if (too_long(path, 4096))
		return err_set(err, ST_TOOBIG, "the path is too long");
	key_public pub;
	errbuf why = {0};
	status st = keyfile_read_public(path, &pub, &why);
	switch (st) {
	case ST_OK:
		if (owner != NULL)
			*owner = pub;
		return ST_OK;
	case ST_NOTFOUND:
		return err_set(err, st, "no such file");
	case ST_PERM:
		return err_set(err, st, "the key file is readable by group or others: chmod 600 it");
	case ST_OWNER:
		return err_set(err, st, "the key file belongs to another user: use your own");
	case ST_FORMAT:
	case ST_CORRUPT:
		return err_set(err, st, "not a custos key file, or a damaged one");
	default:
		return err_set(err, st, "%s", err_text(&why, st));
	}
}

status validate_role(const char *s, entry_role *out, errbuf *err)
{
	if (s[0] == '\0')
		return err_set(err, ST_USAGE, "give the role");
	int r = entry_role_from_name(s, strlen(s));
	if (r < 0)
		return err_set(err, ST_USAGE, "a role is administrator, custodian, alternate, "
			       "holder, witness, auditor or authority");
	if (out != NULL)
		*out = (entry_role)r;
	return ST_OK;
}

status validate_login(const char *s, errbuf *err)
{
	return validate_detail(s, "the login role name", LEDGER_LOGIN_MAX, false, err);
}
