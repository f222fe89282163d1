#include "entry.h"

#include "rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "utf8.h"

static const struct {
	const char *name;
	size_t signers;
} actions[] = {
#define ENTRY_ACTION_ROW(code, name, signers) [code] = {name, signers},
	ENTRY_ACTIONS(ENTRY_ACTION_ROW)
#undef ENTRY_ACTION_ROW
};

static const char *const roles[] = {
#define ENTRY_ROLE_ROW(code, name) [code] = name,
	ENTRY_ROLES(ENTRY_ROLE_ROW)
#undef ENTRY_ROLE_ROW
};

static const char *const kinds[] = {[KIND_KEY] = "key", [KIND_EQUIPMENT] = "equipment",
				    [KIND_PUBLICATION] = "publication"};
static const char *const classes[] = {[CLASS_U] = "U", [CLASS_C] = "C", [CLASS_S] = "S",
				      [CLASS_TS] = "TS"};
static const char *const categories[] = {[CAT_NONE] = "-", [CAT_CRYPTOGRAPHIC] = "cryptographic",
					 [CAT_PERSONNEL] = "personnel", [CAT_PHYSICAL] = "physical",
					 [CAT_PACKAGING] = "packaging"};

static const char *const outcomes[] = {[OUTCOME_NONE] = "-",
				       [OUTCOME_NO_COMPROMISE] = "no-compromise",
				       [OUTCOME_COMPROMISED] = "compromised",
				       [OUTCOME_LOST] = "lost", [OUTCOME_DESTROY] = "destroy"};
static const char *const methods[] = {[METHOD_NONE] = "-", [METHOD_BURN] = "burn",
				      [METHOD_SHRED] = "shred", [METHOD_PULVERIZE] = "pulverize",
				      [METHOD_DISINTEGRATE] = "disintegrate",
				      [METHOD_DEGAUSS] = "degauss", [METHOD_ZEROIZE] = "zeroize"};

const char *entry_action_name(entry_action a)
{
	return (unsigned)a < ACT__COUNT ? actions[a].name : "?";
}

const char *entry_role_name(entry_role r)
{
	return (unsigned)r < ROLE__COUNT ? roles[r] : "?";
}

const char *item_kind_name(item_kind k)
{
	return (unsigned)k < KIND__COUNT ? kinds[k] : "?";
}

const char *item_class_name(item_class c)
{
	return (unsigned)c < CLASS__COUNT ? classes[c] : "?";
}

const char *entry_category_name(entry_category c)
{
	return (unsigned)c < CAT__COUNT ? categories[c] : "?";
}

const char *entry_outcome_name(entry_outcome o)
{
	return (unsigned)o < OUTCOME__COUNT ? outcomes[o] : "?";
}

const char *entry_method_name(entry_method m)
{
	return (unsigned)m < METHOD__COUNT ? methods[m] : "?";
}

int entry_version(const entry *e)
{
	return e->version == 1 ? 1 : ENTRY_VERSION;
}

status entry_time_parse_input(const char *s, int64_t *us)
{
	char full[ENTRY_TIME_LEN + 1];
	size_t n = strlen(s);
	if (n == 17 && s[16] == 'Z') /* YYYY-MM-DDTHH:MMZ */
		snprintf(full, sizeof full, "%.16s:00.000000Z", s);
	else if (n == 20 && s[19] == 'Z') /* YYYY-MM-DDTHH:MM:SSZ */
		snprintf(full, sizeof full, "%.19s.000000Z", s);
	else if (n == ENTRY_TIME_LEN)
		memcpy(full, s, n + 1);
	else
		return ST_FORMAT;
	int64_t v;
	if (entry_time_parse(full, ENTRY_TIME_LEN, &v) != ST_OK || v <= 0)
		return ST_FORMAT;
	*us = v;
	return ST_OK;
}

static bool is_incident(entry_action a)
{
	return a == ACT_INCIDENT_REPORT || a == ACT_INCIDENT_UPDATE || a == ACT_INCIDENT_CLOSE;
}

/* Actions that answer an earlier transaction and must name it in `ref`. */
static bool needs_ref(entry_action a)
{
	return rules_action_of(a)->ref == REF_REQUIRED;
}

static int lookup_name(const char *const *names, size_t stride_count, const char *s, size_t len)
{
	for (size_t i = 0; i < stride_count; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/* "-" names no outcome or method: the lookups find only real ones. */
int entry_outcome_from_name(const char *s, size_t len)
{
	int o = lookup_name(outcomes, OUTCOME__COUNT, s, len);
	return o > 0 ? o : -1;
}

int entry_method_from_name(const char *s, size_t len)
{
	int m = lookup_name(methods, METHOD__COUNT, s, len);
	return m > 0 ? m : -1;
}

int entry_action_from_name(const char *s, size_t len)
{
	for (int i = 0; i < ACT__COUNT; i++)
		if (strlen(actions[i].name) == len && memcmp(actions[i].name, s, len) == 0)
			return i;
	return -1;
}

int entry_role_from_name(const char *s, size_t len)
{
	return lookup_name(roles, ROLE__COUNT, s, len);
}

size_t entry_required_signers_from(const entry *e, item_class from)
{
	size_t need = (unsigned)e->action < ACT__COUNT ? actions[e->action].signers : 1;
	if (e->action == ACT_INCIDENT_REPORT)
		return need;
	for (size_t i = 0; i < e->nitems; i++)
		if (e->items[i].cls >= from && e->items[i].kind == KIND_KEY && need < 2)
			need = 2;
	return need;
}

size_t entry_required_signers(const entry *e)
{
	return entry_required_signers_from(e, CLASS_TS);
}

/* ---- time ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm). */
int64_t entry_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

#define US_PER_DAY INT64_C(86400000000)
/* 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z */
int64_t entry_time_add_months(int64_t us, int64_t months)
{
	int64_t days = us / US_PER_DAY, rest = us % US_PER_DAY;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int64_t mm = (int64_t)m - 1 + months, yy = y + mm / 12;
	m = (unsigned)(mm % 12) + 1;
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned last = mdays[m - 1];
	if (m == 2 && ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0))
		last = 29;
	if (d > last)
		d = last;
	return entry_days_from_civil(yy, m, d) * US_PER_DAY + rest;
}

#define TIME_MAX_US (entry_days_from_civil(10000, 1, 1) * US_PER_DAY - 1)

void entry_time_format(int64_t us, char out[ENTRY_TIME_LEN + 1])
{
	if (us < 0)
		us = 0;
	int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int64_t secs = rem / 1000000;
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 (int)(rem % 1000000));
	memcpy(out, tmp, ENTRY_TIME_LEN);
	out[ENTRY_TIME_LEN] = '\0';
}

/* Value of n decimal digits already checked to be digits. */
static uint32_t digits(const char *s, size_t n)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint32_t)(s[i] - '0');
	return v;
}

status entry_time_parse(const char *s, size_t len, int64_t *us)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	if (len != ENTRY_TIME_LEN)
		return ST_FORMAT;
	for (size_t i = 0; i < len; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return ST_FORMAT;
	uint32_t y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2),
		 h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2),
		 frac = digits(s + 20, 6);
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
		return ST_FORMAT;
	*us = (entry_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * INT64_C(1000000) +
	      frac;
	return ST_OK;
}

static bool date_ok(uint32_t y, uint32_t m, uint32_t d)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
	       !(m == 2 && d == 29 && !leap);
}

bool entry_date_valid(uint32_t v)
{
	return date_ok(v / 10000, v / 100 % 100, v % 100);
}

void entry_date_format(uint32_t v, char out[ENTRY_DATE_LEN + 1])
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%04u-%02u-%02u", v / 10000 % 10000, v / 100 % 100, v % 100);
	memcpy(out, tmp, ENTRY_DATE_LEN);
	out[ENTRY_DATE_LEN] = '\0';
}

status entry_date_parse(const char *s, size_t len, uint32_t *v)
{
	static const char shape[] = "dddd-dd-dd";
	if (len != ENTRY_DATE_LEN)
		return ST_FORMAT;
	for (size_t i = 0; i < len; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return ST_FORMAT;
	uint32_t y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (!date_ok(y, m, d))
		return ST_FORMAT;
	*v = y * 10000 + m * 100 + d;
	return ST_OK;
}

/* ---- free text ------------------------------------------------------------- */

static bool needs_hex_escape(unsigned char c)
{
	return (c < 0x20 && c != '\n') || c == 0x7F;
}


status entry_text_escape(const char *in, size_t len, char **out, size_t *outlen, errbuf *err)
{
	if (!utf8_valid(in, len))
		return err_set(err, ST_FORMAT, "free text is not valid UTF-8");
	buf b = {0};
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)in[i];
		uint32_t cp;
		size_t n = utf8_decode(in + i, len - i, &cp);
		if (c == '\\')
			buf_append(&b, "\\\\", 2);
		else if (c == '\n')
			buf_append(&b, "\\n", 2);
		else if (needs_hex_escape(c))
			buf_printf(&b, "\\x%02x", c);
		else if (utf8_is_bidi_control(cp))
			buf_printf(&b, "\\u%04x", (unsigned)cp);
		else
			buf_append(&b, &in[i], n);
		i += n;
	}
	*out = buf_take(&b, outlen);
	return *out ? ST_OK : err_set(err, ST_NOMEM, "out of memory escaping free text");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

status entry_text_unescape(const char *in, size_t len, char **out, size_t *outlen, errbuf *err)
{
	buf b = {0};
	status st = ST_OK;
	for (size_t i = 0; i < len && st == ST_OK; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c != '\\') {
			uint32_t cp;
			size_t n = utf8_decode(in + i, len - i, &cp);
			if (c < 0x20 || c == 0x7F)
				st = err_set(err, ST_FORMAT, "text: raw control character at byte %zu", i);
			else if (n == 0)
				st = err_set(err, ST_FORMAT, "text: not valid UTF-8 at byte %zu", i);
			else if (utf8_is_bidi_control(cp))
				st = err_set(err, ST_FORMAT,
					     "text: raw bidirectional control at byte %zu", i);
			else
				buf_append(&b, &in[i], n);
			i += n ? n - 1 : 0;
			continue;
		}
		if (i + 1 >= len) {
			st = err_set(err, ST_FORMAT, "text: backslash at the end");
		} else if (in[i + 1] == '\\' || in[i + 1] == 'n') {
			buf_append(&b, in[i + 1] == 'n' ? "\n" : "\\", 1);
			i++;
		} else if (in[i + 1] == 'u' && i + 5 < len && hexval(in[i + 2]) >= 0 &&
			   hexval(in[i + 3]) >= 0 && hexval(in[i + 4]) >= 0 && hexval(in[i + 5]) >= 0) {
			uint32_t cp = (uint32_t)(hexval(in[i + 2]) << 12 | hexval(in[i + 3]) << 8 |
						 hexval(in[i + 4]) << 4 | hexval(in[i + 5]));
			if (!utf8_is_bidi_control(cp)) {
				st = err_set(err, ST_FORMAT,
					     "text: \\u escapes a character that is written as itself");
			} else {
				char u[3] = {(char)(0xE0 | cp >> 12), (char)(0x80 | ((cp >> 6) & 0x3F)),
					     (char)(0x80 | (cp & 0x3F))};
				if (cp < 0x800) {
					u[0] = (char)(0xC0 | cp >> 6);
					u[1] = (char)(0x80 | (cp & 0x3F));
				}
				buf_append(&b, u, cp < 0x800 ? 2 : 3);
			}
			i += 5;
		} else if (in[i + 1] == 'x' && i + 3 < len && hexval(in[i + 2]) >= 0 &&
			   hexval(in[i + 3]) >= 0) {
			unsigned char v = (unsigned char)(hexval(in[i + 2]) * 16 + hexval(in[i + 3]));
			if (!needs_hex_escape(v))
				st = err_set(err, ST_FORMAT,
					     "text: \\x%c%c escapes a byte that must not be escaped "
					     "that way", in[i + 2], in[i + 3]);
			else
				buf_append(&b, &v, 1);
			i += 3;
		} else {
			st = err_set(err, ST_FORMAT, "text: unknown escape at byte %zu", i);
		}
	}
	if (st == ST_OK && !b.failed && !utf8_valid(b.data ? b.data : "", b.len))
		st = err_set(err, ST_FORMAT, "text: not valid UTF-8");
	if (st != ST_OK) {
		buf_free(&b);
		return st;
	}
	*out = buf_take(&b, outlen);
	return *out ? ST_OK : err_set(err, ST_NOMEM, "out of memory reading free text");
}

/* ---- field validation ------------------------------------------------------- */

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static bool origin_valid(const char *s, size_t n)
{
	if (n == 0 || n > ENTRY_ORIGIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7F || s[i] == '+')
			return false;
	return true;
}

bool entry_account_number_valid(const char *s)
{
	return s != NULL && strnlen(s, ENTRY_ACCOUNT_LEN + 1) == ENTRY_ACCOUNT_LEN &&
	       all_digits(s, ENTRY_ACCOUNT_LEN);
}

/* "123456-2026-0042": account, year, number >= 1 zero-padded to 4 digits;
 * the account part must be `account` unless that is NULL. */
static bool txn_valid(const char *s, size_t n, const char *account)
{
	if (n < 16 || n > ENTRY_TXN_MAX || s[6] != '-' || s[11] != '-' ||
	    !all_digits(s, 6) || !all_digits(s + 7, 4) || !all_digits(s + 12, n - 12))
		return false;
	if (n > 16 && s[12] == '0')
		return false; /* more than 4 digits: no leading zero */
	bool nonzero = false;
	for (size_t i = 12; i < n; i++)
		nonzero |= s[i] != '0';
	return nonzero && s[7] >= '1' &&
	       (account == NULL || memcmp(s, account, ENTRY_ACCOUNT_LEN) == 0);
}

/* Serial numbers and editions: letters, digits, '.', '/', '-'; starts with a
 * letter or digit. */
static bool token_valid(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max || !is_alnum(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '/' && s[i] != '-')
			return false;
	return true;
}

/* A serial: a token (its base, possibly empty), then any number of
 * "+N" segments, N a decimal without leading zeros: the part of a lot
 * that entry N split off (rules_split_parent).  1 to ENTRY_SERIAL_MAX. */
static bool serial_valid(const char *s, size_t n)
{
	if (n == 0 || n > ENTRY_SERIAL_MAX)
		return false;
	size_t base = 0;
	while (base < n && s[base] != '+')
		base++;
	if (base > 0 && !token_valid(s, base, ENTRY_SERIAL_MAX))
		return false;
	for (size_t i = base; i < n;) {
		i++; /* the '+' */
		if (i >= n || s[i] < '1' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i < n && s[i] != '+')
			return false;
	}
	return true;
}

bool entry_serial_valid(const char *s, size_t n)
{
	return serial_valid(s, n);
}

bool entry_authority_valid(const char *s, size_t n)
{
	return token_valid(s, n, ENTRY_AUTHORITY_MAX);
}

/* Short titles: as tokens, plus single inner spaces and parentheses. */
static bool title_valid(const char *s, size_t n)
{
	if (n == 0 || n > ENTRY_TITLE_MAX || !is_alnum(s[0]) || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' && s[i - 1] == ' ')
			return false;
		if (!is_alnum(c) && !strchr(" ./-()", c))
			return false;
	}
	return true;
}

status entry_item_check(const entry_item *it, size_t k, errbuf *err)
{
	if ((unsigned)it->kind >= KIND__COUNT)
		return err_set(err, ST_FORMAT, "item %zu: unknown kind", k);
	if (it->alc != 1 && it->alc != 2 && it->alc != 4 && it->alc != 6 && it->alc != 7)
		return err_set(err, ST_FORMAT, "item %zu: ALC must be 1, 2, 4, 6 or 7", k);
	if ((unsigned)it->cls >= CLASS__COUNT)
		return err_set(err, ST_FORMAT, "item %zu: unknown classification", k);
	if (it->crypto && it->kind != KIND_KEY)
		return err_set(err, ST_FORMAT, "item %zu: only keying material is marked CRYPTO", k);
	if ((it->alc == 6 || it->alc == 7) && it->kind != KIND_KEY)
		return err_set(err, ST_FORMAT, "item %zu: ALC-%d is for electronic key only", k,
			       it->alc);
	if (it->qty < 1 || it->qty > ENTRY_QTY_MAX)
		return err_set(err, ST_FORMAT, "item %zu: quantity must be 1 to %d", k,
			       ENTRY_QTY_MAX);
	size_t sl = strnlen(it->serial, sizeof it->serial);
	if (sl > 0 && !serial_valid(it->serial, sl))
		return err_set(err, ST_FORMAT,
			       "item %zu: serial must be 1 to %d letters, digits, '.', '/' or '-', "
			       "starting with a letter or digit, then any '+N' of a part split "
			       "off a lot", k, ENTRY_SERIAL_MAX);
	if ((it->alc == 1 || it->alc == 6) && (sl == 0 || it->qty != 1))
		return err_set_why(err, ST_FORMAT, RULE_SERIAL_REQUIRED,
				   "item %zu: ALC-%d material is accounted by serial: give a serial "
				   "and quantity 1", k, it->alc);
	size_t el = strnlen(it->edition, sizeof it->edition);
	if (el > 0 && !token_valid(it->edition, el, ENTRY_EDITION_MAX))
		return err_set(err, ST_FORMAT,
			       "item %zu: edition must be 1 to %d letters, digits, '.', '/' or '-'",
			       k, ENTRY_EDITION_MAX);
	if ((it->effective || it->supersedes) && it->kind != KIND_KEY)
		return err_set(err, ST_FORMAT,
			       "item %zu: only keying material has effective and supersession dates",
			       k);
	if ((it->effective && !entry_date_valid(it->effective)) ||
	    (it->supersedes && !entry_date_valid(it->supersedes)))
		return err_set(err, ST_FORMAT, "item %zu: not a calendar date from 1970 to 9999", k);
	if (it->effective && it->supersedes && it->supersedes < it->effective)
		return err_set(err, ST_FORMAT, "item %zu: supersession date before effective date",
			       k);
	if (!title_valid(it->title, strnlen(it->title, sizeof it->title)))
		return err_set(err, ST_FORMAT,
			       "item %zu: short title must be 1 to %d letters, digits, single "
			       "spaces or . / - ( ), starting with a letter or digit", k,
			       ENTRY_TITLE_MAX);
	return ST_OK;
}

/* The lines of format v2: each on the one action it belongs to, where it
 * is required; none in a v1 entry. */
static status check_v2_fields(const entry *e, errbuf *err)
{
	size_t al = strnlen(e->authority, sizeof e->authority);
	if (e->version != 0 && e->version != 1 && e->version != ENTRY_VERSION)
		return err_set(err, ST_FORMAT, "unknown format version %d", e->version);
	if ((unsigned)e->outcome >= OUTCOME__COUNT || (unsigned)e->method >= METHOD__COUNT)
		return err_set(err, ST_FORMAT, "unknown outcome or destruction method");
	if (e->version == 1) {
		if (e->discovered_us || e->outcome || e->method || al)
			return err_set(err, ST_FORMAT, "a v1 entry has no discovered, outcome, "
				       "method or authority");
		return ST_OK;
	}
	bool report = e->action == ACT_INCIDENT_REPORT, close = e->action == ACT_INCIDENT_CLOSE,
	     destroy = e->action == ACT_DESTROY;
	if (report != (e->discovered_us != 0))
		return err_set(err, ST_FORMAT, report ? "an incident report gives the time the "
					       "incident was discovered"
					     : "only an incident report has a discovery time");
	if (e->discovered_us < 0 || e->discovered_us > TIME_MAX_US)
		return err_set(err, ST_FORMAT, "discovery time is outside 1970 to 9999");
	if (close != (e->outcome != OUTCOME_NONE))
		return err_set(err, ST_FORMAT, close ? "an incident close gives its outcome: "
					      "no-compromise, compromised, lost or destroy"
					    : "only an incident close has an outcome");
	if (destroy != (e->method != METHOD_NONE))
		return err_set(err, ST_FORMAT, destroy ? "a destruction gives its method: burn, "
						"shred, pulverize, disintegrate, degauss or zeroize"
					      : "only a destruction has a method");
	if (destroy != (al > 0))
		return err_set(err, ST_FORMAT, destroy ? "a destruction gives its authority: "
						"superseded, or the reference of the direction"
					      : "only a destruction has an authority");
	if (al > 0 && !entry_authority_valid(e->authority, al))
		return err_set(err, ST_FORMAT, "authority must be 1 to %d letters, digits, '.', "
			       "'/' or '-', starting with a letter or digit", ENTRY_AUTHORITY_MAX);
	return ST_OK;
}

/* ---- details ---------------------------------------------------------------- */

const char *const *entry_detail_names(entry_action a, size_t *required)
{
	static const char *const none[] = {NULL};
	static const char *const account[] = {"address", "cor_account", NULL};
	static const char *const outside[] = {"address", NULL};
	static const char *const person[] = {"position", "rank", NULL};
	static const char *const policy[] = {"destruction_deadline_hours",
					     "hand_receipt_alarm_days",
					     "incident_report_hours",
					     "inventory_interval_months",
					     "transit_alarm_days",
					     "two_person_key_class",
					     NULL};
	static const char *const alc[] = {"alc", "authority", NULL};
	/* a certification (rules_is_certification): counts and the list's hash */
	static const char *const inventory[] = {"found", "list_sha256", "not_sighted", "qty_diff",
						"sighted", NULL};
	static const char *const change[] = {"list_sha256", "sighted", NULL};
	*required = 0;
	switch (a) {
	case ACT_INVENTORY:
		return inventory;
	case ACT_CUSTODIAN_CHANGE:
		return change;
	case ACT_ACCOUNT_OUTSIDE:
		return outside;
	case ACT_ACCOUNT_DETAILS:
		*required = 1;
		return account;
	case ACT_PERSON_DETAILS:
		*required = 1;
		return person;
	case ACT_POLICY_SET:
		*required = 1;
		return policy;
	case ACT_ALC_CHANGE: /* the new ALC; a change that is no upgrade, the
			      * national authority's reference */
		*required = 1;
		return alc;
	default:
		return none;
	}
}

static bool detail_name_of(entry_action a, const char *name)
{
	size_t req;
	for (const char *const *n = entry_detail_names(a, &req); *n != NULL; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

static status detail_value_check(const char *name, const char *v, size_t n, errbuf *err)
{
	if (n == 0 || n > ENTRY_DETAIL_MAX)
		return err_set(err, ST_FORMAT, "detail %s: 1 to %d bytes", name, ENTRY_DETAIL_MAX);
	if (memchr(v, '\0', n) != NULL || !utf8_valid(v, n))
		return err_set(err, ST_FORMAT, "detail %s: not UTF-8 text", name);
	return ST_OK;
}

/* Details: none in a v1 entry; each a name the action takes, once, in
 * ascending order, with a valid value; at least the action's required
 * count. */
static status check_details(const entry *e, errbuf *err)
{
	size_t required;
	(void)entry_detail_names(e->action, &required);
	if (e->ndetails > ENTRY_MAX_DETAILS)
		return err_set(err, ST_FORMAT, "at most %d detail lines", ENTRY_MAX_DETAILS);
	if (e->ndetails > 0 && entry_version(e) == 1)
		return err_set(err, ST_FORMAT, "a v1 entry has no detail lines");
	for (size_t i = 0; i < e->ndetails; i++) {
		const entry_detail *d = &e->details[i];
		if (strnlen(d->name, sizeof d->name) > ENTRY_DETAIL_NAME_MAX ||
		    !detail_name_of(e->action, d->name))
			return err_set(err, ST_FORMAT, "a %s entry has no detail %.*s",
				       entry_action_name(e->action), ENTRY_DETAIL_NAME_MAX, d->name);
		if (i > 0 && strcmp(e->details[i - 1].name, d->name) >= 0)
			return err_set(err, ST_FORMAT, "detail %s: out of order or given twice",
				       d->name);
		if (d->value == NULL)
			return err_set(err, ST_FORMAT, "detail %s: no value", d->name);
		status st = detail_value_check(d->name, d->value, strlen(d->value), err);
		if (st != ST_OK)
			return st;
	}
	if (e->ndetails < required)
		return err_set(err, ST_FORMAT, "a %s entry sets at least %zu of its details",
			       entry_action_name(e->action), required);
	return ST_OK;
}

status entry_set_detail(entry *e, const char *name, const char *value, errbuf *err)
{
	if (!detail_name_of(e->action, name))
		return err_set(err, ST_FORMAT, "a %s entry has no detail %.*s",
			       entry_action_name(e->action), ENTRY_DETAIL_NAME_MAX, name);
	size_t n = strlen(value);
	status st = detail_value_check(name, value, n, err);
	if (st != ST_OK)
		return st;
	size_t at = 0;
	while (at < e->ndetails && strcmp(e->details[at].name, name) < 0)
		at++;
	bool replace = at < e->ndetails && strcmp(e->details[at].name, name) == 0;
	if (!replace && e->ndetails >= ENTRY_MAX_DETAILS)
		return err_set(err, ST_TOOBIG, "at most %d detail lines", ENTRY_MAX_DETAILS);
	char *copy = malloc(n + 1);
	if (copy == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	memcpy(copy, value, n + 1);
	if (replace) {
		free(e->details[at].value);
	} else {
		memmove(&e->details[at + 1], &e->details[at],
			(e->ndetails - at) * sizeof e->details[0]);
		e->ndetails++;
		snprintf(e->details[at].name, sizeof e->details[at].name, "%s", name);
	}
	e->details[at].value = copy;
	return ST_OK;
}

const char *entry_detail_value(const entry *e, const char *name)
{
	for (size_t i = 0; i < e->ndetails; i++)
		if (strcmp(e->details[i].name, name) == 0)
			return e->details[i].value;
	return NULL;
}

static status entry_check(const entry *e, errbuf *err)
{
	status st;
	if (!origin_valid(e->origin, strnlen(e->origin, sizeof e->origin)))
		return err_set(err, ST_FORMAT,
			       "origin must be 1 to %d printable ASCII characters without spaces "
			       "or '+'", ENTRY_ORIGIN_MAX);
	if ((unsigned)e->action >= ACT__COUNT)
		return err_set(err, ST_FORMAT, "unknown action");
	if (e->time_us < 0 || e->time_us > TIME_MAX_US)
		return err_set(err, ST_FORMAT, "time is outside 1970 to 9999");
	size_t al = strnlen(e->account, sizeof e->account);
	if (al > 0 && !entry_account_number_valid(e->account))
		return err_set(err, ST_FORMAT, "account number must be six digits");
	size_t tl = strnlen(e->txn, sizeof e->txn);
	if (tl > 0 && (al == 0 || !txn_valid(e->txn, tl, e->account)))
		return err_set(err, ST_FORMAT,
			       "transaction number must be ACCOUNT-YEAR-NNNN on the entry's account");
	size_t pl = strnlen(e->peer, sizeof e->peer);
	if (pl > 0 && strcmp(e->peer, "COR") != 0 && !entry_account_number_valid(e->peer))
		return err_set(err, ST_FORMAT, "peer must be a six-digit account number or COR");
	size_t hl = strnlen(e->holder, sizeof e->holder);
	if (hl > 0 && !key_name_valid(e->holder, hl))
		return err_set(err, ST_FORMAT, "holder must be a valid key name");
	size_t rl = strnlen(e->ref, sizeof e->ref);
	if (rl > 0 && !txn_valid(e->ref, rl, NULL))
		return err_set(err, ST_FORMAT, "ref must be a transaction number ACCOUNT-YEAR-NNNN");
	if (rl == 0 && needs_ref(e->action))
		return err_set(err, ST_FORMAT, "a %s entry must name the transaction it answers in ref",
			       entry_action_name(e->action));
	if ((unsigned)e->category >= CAT__COUNT)
		return err_set(err, ST_FORMAT, "unknown incident category");
	if (e->category != CAT_NONE && !is_incident(e->action) &&
	    !(e->action == ACT_ACCEPT && entry_version(e) != 1))
		return err_set(err, ST_FORMAT, "only incident entries, and an acceptance that "
			       "records a discrepancy, have a category");
	if (e->category == CAT_NONE && e->action == ACT_INCIDENT_REPORT)
		return err_set(err, ST_FORMAT,
			       "an incident report needs a category: cryptographic, personnel, "
			       "physical or packaging");
	if ((st = check_v2_fields(e, err)) != ST_OK)
		return st;
	if ((st = check_details(e, err)) != ST_OK)
		return st;
	if (e->nkeys > ENTRY_MAX_KEYS)
		return err_set(err, ST_FORMAT, "at most %d key lines", ENTRY_MAX_KEYS);
	for (size_t i = 0; i < e->nkeys; i++)
		if ((unsigned)e->keys[i].role >= ROLE__COUNT ||
		    !key_name_valid(e->keys[i].key.name, strnlen(e->keys[i].key.name,
								  sizeof e->keys[i].key.name)))
			return err_set(err, ST_FORMAT, "key %zu: bad role or key name", i + 1);
	if (e->nitems > ENTRY_MAX_ITEMS)
		return err_set(err, ST_TOOBIG, "at most %d items in one entry", ENTRY_MAX_ITEMS);
	for (size_t i = 0; i < e->nitems; i++) {
		st = entry_item_check(&e->items[i], i + 1, err);
		if (st != ST_OK)
			return st;
	}
	if (e->textlen > ENTRY_TEXT_MAX)
		return err_set(err, ST_TOOBIG, "free text is longer than %d bytes", ENTRY_TEXT_MAX);
	return ST_OK;
}

/* ---- format ----------------------------------------------------------------- */

static const char *or_dash(const char *s)
{
	return s[0] ? s : "-";
}

static void put_u64(buf *b, uint64_t v)
{
	char digits_rev[20];
	size_t n = 0;
	do
		digits_rev[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		buf_append(b, &digits_rev[--n], 1);
}

/* "\nname value": ends the previous line and writes the next field. */
static void put_field(buf *b, const char *name, const char *value)
{
	buf_append(b, "\n", 1);
	buf_puts(b, name);
	buf_append(b, " ", 1);
	buf_puts(b, value);
}

/* Room kept for two Ed25519 signature lines with maximal key names, so that a
 * formatted entry always fits ENTRY_NOTE_MAX once signed. */
#define SIGLINES_RESERVE (1 + 2 * (3 + 1 + KEY_NAME_MAX + 1 + B64_LEN(4 + KEY_SIG_LEN) + 1))

status entry_format(const entry *e, char **out, size_t *outlen, errbuf *err)
{
	status st = entry_check(e, err);
	if (st != ST_OK)
		return st;
	char prev[B64_LEN(SHA256_LEN) + 1], time[ENTRY_TIME_LEN + 1], vkey[KEY_VKEY_MAX + 1];
	b64_encode(e->prev, SHA256_LEN, prev);
	entry_time_format(e->time_us, time);

	/* Plain appends, not printf: this runs twice for every entry a
	 * verifier reads (the canonical round trip). */
	buf b = {0};
	bool v1 = entry_version(e) == 1;
	buf_puts(&b, v1 ? ENTRY_FORMAT_V1 " " : ENTRY_FORMAT " ");
	buf_puts(&b, e->origin);
	buf_puts(&b, "\nindex ");
	put_u64(&b, e->index);
	put_field(&b, "prev", prev);
	put_field(&b, "time", time);
	put_field(&b, "action", entry_action_name(e->action));
	put_field(&b, "txn", or_dash(e->txn));
	put_field(&b, "account", or_dash(e->account));
	put_field(&b, "peer", or_dash(e->peer));
	put_field(&b, "holder", or_dash(e->holder));
	put_field(&b, "ref", or_dash(e->ref));
	put_field(&b, "category", entry_category_name(e->category));
	if (!v1) {
		char found[ENTRY_TIME_LEN + 1] = "-";
		if (e->discovered_us)
			entry_time_format(e->discovered_us, found);
		put_field(&b, "discovered", found);
		put_field(&b, "outcome", entry_outcome_name(e->outcome));
		put_field(&b, "method", entry_method_name(e->method));
		put_field(&b, "authority", or_dash(e->authority));
	}
	for (size_t i = 0; i < e->ndetails; i++) {
		char *esc;
		size_t esclen;
		st = entry_text_escape(e->details[i].value, strlen(e->details[i].value), &esc,
				       &esclen, err);
		if (st != ST_OK) {
			buf_free(&b);
			return st;
		}
		buf_puts(&b, "\ndetail ");
		buf_puts(&b, e->details[i].name);
		buf_append(&b, " ", 1);
		buf_append(&b, esc, esclen);
		free(esc);
	}
	buf_append(&b, "\n", 1);
	for (size_t i = 0; i < e->nkeys; i++) {
		key_vkey_format(&e->keys[i].key, vkey);
		buf_puts(&b, "key ");
		buf_puts(&b, entry_role_name(e->keys[i].role));
		buf_append(&b, " ", 1);
		buf_puts(&b, vkey);
		buf_append(&b, "\n", 1);
	}
	for (size_t i = 0; i < e->nitems; i++) {
		const entry_item *it = &e->items[i];
		char eff[ENTRY_DATE_LEN + 1] = "-", sup[ENTRY_DATE_LEN + 1] = "-";
		char alc = (char)('0' + it->alc);
		if (it->effective)
			entry_date_format(it->effective, eff);
		if (it->supersedes)
			entry_date_format(it->supersedes, sup);
		buf_puts(&b, "item kind=");
		buf_puts(&b, item_kind_name(it->kind));
		buf_puts(&b, " alc=");
		buf_append(&b, &alc, 1);
		buf_puts(&b, " class=");
		buf_puts(&b, item_class_name(it->cls));
		buf_puts(&b, it->crypto ? " crypto=yes qty=" : " crypto=no qty=");
		put_u64(&b, it->qty);
		buf_puts(&b, " serial=");
		buf_puts(&b, or_dash(it->serial));
		buf_puts(&b, " edition=");
		buf_puts(&b, or_dash(it->edition));
		buf_puts(&b, " effective=");
		buf_puts(&b, eff);
		buf_puts(&b, " supersedes=");
		buf_puts(&b, sup);
		buf_puts(&b, " title=");
		buf_puts(&b, it->title);
		buf_append(&b, "\n", 1);
	}
	buf_puts(&b, "text");
	if (e->textlen > 0) {
		char *esc;
		size_t esclen;
		st = entry_text_escape(e->text, e->textlen, &esc, &esclen, err);
		if (st != ST_OK) {
			buf_free(&b);
			return st;
		}
		buf_append(&b, " ", 1);
		buf_append(&b, esc, esclen);
		free(esc);
	}
	buf_append(&b, "\n", 1);
	if (buf_status(&b) != ST_OK) {
		buf_free(&b);
		return err_set(err, ST_NOMEM, "out of memory formatting an entry");
	}
	if (b.len + SIGLINES_RESERVE > ENTRY_NOTE_MAX) {
		buf_free(&b);
		return err_set(err, ST_TOOBIG,
			       "entry is too large for one log record (%d bytes with signatures); "
			       "use fewer items or shorter text", ENTRY_NOTE_MAX);
	}
	*out = buf_take(&b, outlen);
	return ST_OK;
}

/* ---- parse ------------------------------------------------------------------ */

typedef struct cursor {
	const char *p, *end;
	int line;
	const char *val; /* value of the current line, after "name " */
	size_t vlen;
} cursor;

/* Take the next line if it starts with "name " (or is exactly "name" when
 * bare_ok).  Returns false (leaving the cursor) if it does not. */
static bool take(cursor *c, const char *name, bool bare_ok)
{
	size_t n = strlen(name);
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (nl == NULL)
		return false;
	size_t ll = (size_t)(nl - c->p);
	if (ll > n && memcmp(c->p, name, n) == 0 && c->p[n] == ' ') {
		c->val = c->p + n + 1;
		c->vlen = ll - n - 1;
	} else if (bare_ok && ll == n && memcmp(c->p, name, n) == 0) {
		c->val = c->p + n;
		c->vlen = 0;
	} else {
		return false;
	}
	c->p = nl + 1;
	c->line++;
	return true;
}

static bool is_dash(const cursor *c)
{
	return c->vlen == 1 && c->val[0] == '-';
}

/* Copy an optional ("-" = none) string value of at most max bytes. */
static bool copy_opt(const cursor *c, char *dst, size_t max)
{
	if (is_dash(c)) {
		dst[0] = '\0';
		return true;
	}
	if (c->vlen == 0 || c->vlen > max)
		return false;
	memcpy(dst, c->val, c->vlen);
	dst[c->vlen] = '\0';
	return true;
}

static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* Take "name=value " from s (the last field takes the rest of the line). */
static bool take_field(const char **s, const char *end, const char *name, bool last,
		       const char **val, size_t *vlen)
{
	size_t n = strlen(name);
	if ((size_t)(end - *s) <= n || memcmp(*s, name, n) != 0 || (*s)[n] != '=')
		return false;
	*val = *s + n + 1;
	const char *stop = last ? end : memchr(*val, ' ', (size_t)(end - *val));
	if (stop == NULL)
		return false;
	*vlen = (size_t)(stop - *val);
	*s = last ? end : stop + 1;
	return true;
}

static status parse_item(const cursor *c, entry_item *it, errbuf *err)
{
	const char *s = c->val, *end = c->val + c->vlen, *v;
	size_t vl;
	uint64_t num;
	int k;
	memset(it, 0, sizeof *it);
#define FIELD(name, last)                                                            \
	if (!take_field(&s, end, name, last, &v, &vl))                               \
		return err_set(err, ST_FORMAT, "line %d: item: expected %s=", c->line, name)
#define BAD(what) return err_set(err, ST_FORMAT, "line %d: item: bad %s", c->line, what)
	FIELD("kind", false);
	if ((k = lookup_name(kinds, KIND__COUNT, v, vl)) < 0)
		BAD("kind (key, equipment or publication)");
	it->kind = (item_kind)k;
	FIELD("alc", false);
	if (vl != 1 || v[0] < '0' || v[0] > '9')
		BAD("ALC");
	it->alc = v[0] - '0';
	FIELD("class", false);
	if ((k = lookup_name(classes, CLASS__COUNT, v, vl)) < 0)
		BAD("classification (U, C, S or TS)");
	it->cls = (item_class)k;
	FIELD("crypto", false);
	if (vl == 3 && memcmp(v, "yes", 3) == 0)
		it->crypto = true;
	else if (!(vl == 2 && memcmp(v, "no", 2) == 0))
		BAD("crypto (yes or no)");
	FIELD("qty", false);
	if (!parse_u64(v, vl, &num) || num > ENTRY_QTY_MAX)
		BAD("quantity");
	it->qty = (uint32_t)num;
	FIELD("serial", false);
	if (!(vl == 1 && v[0] == '-')) {
		if (vl == 0 || vl > ENTRY_SERIAL_MAX)
			BAD("serial");
		memcpy(it->serial, v, vl);
	}
	FIELD("edition", false);
	if (!(vl == 1 && v[0] == '-')) {
		if (vl == 0 || vl > ENTRY_EDITION_MAX)
			BAD("edition");
		memcpy(it->edition, v, vl);
	}
	FIELD("effective", false);
	if (!(vl == 1 && v[0] == '-') && entry_date_parse(v, vl, &it->effective) != ST_OK)
		BAD("effective date (YYYY-MM-DD or -)");
	FIELD("supersedes", false);
	if (!(vl == 1 && v[0] == '-') && entry_date_parse(v, vl, &it->supersedes) != ST_OK)
		BAD("supersession date (YYYY-MM-DD or -)");
	FIELD("title", true);
	if (vl == 0 || vl > ENTRY_TITLE_MAX)
		BAD("short title");
	memcpy(it->title, v, vl);
#undef FIELD
#undef BAD
	return ST_OK;
}

status entry_add_item(entry *e, const entry_item *item)
{
	if (e->nitems >= ENTRY_MAX_ITEMS)
		return ST_TOOBIG;
	entry_item *p = realloc(e->items, (e->nitems + 1) * sizeof *p);
	if (p == NULL)
		return ST_NOMEM;
	e->items = p;
	e->items[e->nitems++] = *item;
	return ST_OK;
}

status entry_set_text(entry *e, const char *text, size_t len)
{
	char *p = malloc(len + 1);
	if (p == NULL)
		return ST_NOMEM;
	if (len > 0)
		memcpy(p, text, len);
	p[len] = '\0';
	free(e->text);
	e->text = p;
	e->textlen = len;
	return ST_OK;
}

void entry_free(entry *e)
{
	for (size_t i = 0; i < e->ndetails && i < ENTRY_MAX_DETAILS; i++)
		free(e->details[i].value);
	free(e->items);
	free(e->text);
	memset(e, 0, sizeof *e);
}

status entry_parse(const char *text, size_t len, entry *e, errbuf *err)
{
	cursor c = {.p = text, .end = text + len, .line = 0};
	status st;
	memset(e, 0, sizeof *e);
	if (len == 0 || text[len - 1] != '\n')
		return err_set(err, ST_FORMAT, "entry text must end with a newline");
	if (len > ENTRY_NOTE_MAX)
		return err_set(err, ST_TOOBIG, "entry is larger than %d bytes", ENTRY_NOTE_MAX);
	if (take(&c, ENTRY_FORMAT_V1, false))
		e->version = 1;
	else if (take(&c, ENTRY_FORMAT, false))
		e->version = ENTRY_VERSION;
	else
		return err_set(err, ST_FORMAT, "line 1: not a %s or %s entry", ENTRY_FORMAT,
			       ENTRY_FORMAT_V1);
	if (!origin_valid(c.val, c.vlen))
		return err_set(err, ST_FORMAT, "line 1: invalid origin");
	memcpy(e->origin, c.val, c.vlen);
#define EXPECT(name, bare)                                                           \
	if (!take(&c, name, bare))                                                   \
		return err_set(err, ST_FORMAT, "line %d: expected \"%s\"", c.line + 1, name)
#define FAIL(...) return err_set(err, ST_FORMAT, __VA_ARGS__)
	EXPECT("index", false);
	if (!parse_u64(c.val, c.vlen, &e->index))
		FAIL("line %d: index must be a decimal number without leading zeros", c.line);
	EXPECT("prev", false);
	size_t hl;
	if (b64_decode(c.val, c.vlen, e->prev, sizeof e->prev, &hl) != ST_OK || hl != SHA256_LEN)
		FAIL("line %d: prev must be the base64 of a 32-byte hash", c.line);
	EXPECT("time", false);
	if (entry_time_parse(c.val, c.vlen, &e->time_us) != ST_OK)
		FAIL("line %d: time must be UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ", c.line);
	EXPECT("action", false);
	int a = entry_action_from_name(c.val, c.vlen);
	if (a < 0)
		FAIL("line %d: unknown action", c.line);
	e->action = (entry_action)a;
	EXPECT("txn", false);
	if (!copy_opt(&c, e->txn, ENTRY_TXN_MAX))
		FAIL("line %d: bad transaction number", c.line);
	EXPECT("account", false);
	if (!copy_opt(&c, e->account, ENTRY_ACCOUNT_LEN))
		FAIL("line %d: bad account number", c.line);
	EXPECT("peer", false);
	if (!copy_opt(&c, e->peer, ENTRY_ACCOUNT_LEN))
		FAIL("line %d: bad peer account", c.line);
	EXPECT("holder", false);
	if (!copy_opt(&c, e->holder, KEY_NAME_MAX))
		FAIL("line %d: bad holder", c.line);
	EXPECT("ref", false);
	if (!copy_opt(&c, e->ref, ENTRY_TXN_MAX))
		FAIL("line %d: bad ref", c.line);
	EXPECT("category", false);
	int cat = lookup_name(categories, CAT__COUNT, c.val, c.vlen);
	if (cat < 0)
		FAIL("line %d: unknown incident category", c.line);
	e->category = (entry_category)cat;
	if (e->version == ENTRY_VERSION) {
		EXPECT("discovered", false);
		if (!is_dash(&c) && (entry_time_parse(c.val, c.vlen, &e->discovered_us) != ST_OK ||
				     e->discovered_us == 0))
			FAIL("line %d: discovered must be UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ, or -",
			     c.line);
		EXPECT("outcome", false);
		int o = is_dash(&c) ? 0 : entry_outcome_from_name(c.val, c.vlen);
		if (o < 0)
			FAIL("line %d: unknown incident outcome", c.line);
		e->outcome = (entry_outcome)o;
		EXPECT("method", false);
		int m = is_dash(&c) ? 0 : entry_method_from_name(c.val, c.vlen);
		if (m < 0)
			FAIL("line %d: unknown destruction method", c.line);
		e->method = (entry_method)m;
		EXPECT("authority", false);
		if (!copy_opt(&c, e->authority, ENTRY_AUTHORITY_MAX))
			FAIL("line %d: bad authority", c.line);
		while (take(&c, "detail", false)) {
			if (e->ndetails >= ENTRY_MAX_DETAILS)
				FAIL("line %d: more than %d detail lines", c.line, ENTRY_MAX_DETAILS);
			const char *sp = memchr(c.val, ' ', c.vlen);
			size_t nl = sp ? (size_t)(sp - c.val) : c.vlen;
			if (sp == NULL || nl == 0 || nl > ENTRY_DETAIL_NAME_MAX)
				FAIL("line %d: detail: expected a name and a value", c.line);
			entry_detail *d = &e->details[e->ndetails];
			memcpy(d->name, c.val, nl);
			d->name[nl] = '\0';
			size_t vl;
			st = entry_text_unescape(sp + 1, c.vlen - nl - 1, &d->value, &vl, err);
			if (st != ST_OK)
				return st;
			e->ndetails++;
			if (vl != strlen(d->value))
				FAIL("line %d: detail %s: not UTF-8 text", c.line, d->name);
		}
	}
	while (take(&c, "key", false)) {
		if (e->nkeys >= ENTRY_MAX_KEYS)
			FAIL("line %d: more than %d key lines", c.line, ENTRY_MAX_KEYS);
		const char *sp = memchr(c.val, ' ', c.vlen);
		int r = sp ? entry_role_from_name(c.val, (size_t)(sp - c.val)) : -1;
		if (r < 0)
			FAIL("line %d: key: unknown role", c.line);
		entry_key *k = &e->keys[e->nkeys++];
		k->role = (entry_role)r;
		st = key_vkey_parse(sp + 1, c.vlen - (size_t)(sp + 1 - c.val), &k->key, NULL);
		if (st != ST_OK)
			FAIL("line %d: key: not a valid verifier key", c.line);
	}
	while (take(&c, "item", false)) {
		entry_item it;
		if ((st = parse_item(&c, &it, err)) != ST_OK)
			return st;
		if ((st = entry_add_item(e, &it)) != ST_OK)
			return err_set(err, st, "line %d: too many items", c.line);
	}
	EXPECT("text", true);
	if (c.vlen > 0 && (st = entry_text_unescape(c.val, c.vlen, &e->text, &e->textlen, err)) != ST_OK)
		return st;
	if (c.p != c.end)
		FAIL("line %d: unexpected line after text", c.line + 1);
#undef EXPECT
#undef FAIL
	/* The fields are valid one by one; now the entry as a whole, and a
	 * round trip, so that no second encoding of this content is accepted. */
	char *again;
	size_t againlen;
	if ((st = entry_format(e, &again, &againlen, err)) != ST_OK)
		return st;
	bool same = againlen == len && memcmp(again, text, len) == 0;
	free(again);
	if (!same)
		return err_set(err, ST_FORMAT, "entry is not in canonical form");
	return ST_OK;
}
