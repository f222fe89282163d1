/* note.c: C2SP signed notes, parsed strictly and verified without allocating.
 *
 * Decisions beyond the letter of c2sp.org/signed-note:
 * - DEL (U+007F) and the C1 controls are not "ASCII control characters below
 *   U+0020", so the spec permits them and so do we, in the text and in key
 *   names.  (Our own key names are stricter: key_name_valid refuses DEL.)
 * - A text line may not begin with "— " (em dash, space): such a line reads
 *   as a signature line and could pass for one in the middle of the text.
 *   note_text_valid refuses it too, so everything note_sign makes parses.
 * - Key names in signature lines follow the spec only (non-empty, no Unicode
 *   space, no '+'): a signature whose name could never be ours is an unknown
 *   key's, to be ignored, not a malformed note. */
#include "note.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "utf8.h"

#define EM_DASH "\xE2\x80\x94"
#define SIG_PREFIX EM_DASH " "
#define SIG_PREFIX_LEN 4
/* base64(key ID || Ed25519 signature) */
#define ED25519_B64_LEN B64_LEN(KEY_ID_LEN + KEY_SIG_LEN)

static bool sig_prefixed(const char *s, size_t len)
{
	return len >= SIG_PREFIX_LEN && memcmp(s, SIG_PREFIX, SIG_PREFIX_LEN) == 0;
}

/* Check s[0..len) for invalid UTF-8 and control characters other than
 * newline; line numbers in err count from `line`. */
static status scan(const char *s, size_t len, size_t line, errbuf *err)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t n;
		if (c == '\n') {
			line++, i++;
			continue;
		}
		if (c >= 0x20 && c < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return err_set(err, ST_FORMAT, "line %zu: invalid UTF-8", line);
		if (cp < 0x20)
			return err_set(err, ST_FORMAT, "line %zu: control character U+%04X",
				       line, (unsigned)cp);
		i += n;
	}
	return ST_OK;
}

/* The text rules other than encoding: non-empty, ends in a newline, and no
 * line that starts like a signature line. */
static status text_lines(const char *text, size_t len, errbuf *err)
{
	if (len == 0)
		return err_set(err, ST_FORMAT, "note text is empty");
	if (text[len - 1] != '\n')
		return err_set(err, ST_FORMAT, "note text does not end with a newline");
	size_t line = 1;
	for (const char *p = text, *end = text + len; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (sig_prefixed(p, (size_t)(nl - p)))
			return err_set(err, ST_FORMAT,
				       "line %zu: text line starts with an em dash and a space "
				       "like a signature line", line);
		p = nl + 1;
	}
	return ST_OK;
}

static status text_check(const char *text, size_t len, errbuf *err)
{
	status st;
	if (len > NOTE_MAX_LEN)
		return err_set(err, ST_TOOBIG, "note text is longer than %u bytes", NOTE_MAX_LEN);
	if ((st = scan(text, len, 1, err)) != ST_OK)
		return st;
	return text_lines(text, len, err);
}

bool note_text_valid(const char *text, size_t len)
{
	return text_check(text, len, NULL) == ST_OK;
}

/* Decode canonical base64 s[0..len) in pieces, without allocating, keeping
 * the first KEY_ID_LEN bytes in sig->id and, when the whole decodes to a key
 * ID and an Ed25519 signature, those 64 bytes in sig->sig.  Returns the
 * decoded length, or 0 if the text is not canonical base64. */
static size_t b64_check(const char *s, size_t len, note_sigline *sig)
{
	enum { CHUNK = 512 }; /* a multiple of 4 */
	uint8_t buf[CHUNK / 4 * 3];
	size_t total = 0;
	if (len == 0 || len % 4 != 0)
		return 0;
	for (size_t off = 0; off < len; off += CHUNK) {
		size_t n = len - off < CHUNK ? len - off : CHUNK, got;
		/* padding may only end the whole text, not a piece of it */
		if (off + n < len && s[off + n - 1] == '=')
			return 0;
		if (b64_decode(s + off, n, buf, sizeof buf, &got) != ST_OK)
			return 0;
		if (off == 0)
			memcpy(sig->id, buf, got < KEY_ID_LEN ? got : KEY_ID_LEN);
		total += got;
		if (off == 0 && n == len && got == KEY_ID_LEN + KEY_SIG_LEN) {
			memcpy(sig->sig, buf + KEY_ID_LEN, KEY_SIG_LEN);
			sig->ed25519_size = true;
		}
	}
	return total;
}

static status sigline(const char *s, size_t len, size_t num, note_sigline *sig, errbuf *err)
{
	if (!sig_prefixed(s, len)) {
		if (len >= 3 && memcmp(s, EM_DASH, 3) == 0)
			return err_set(err, ST_FORMAT,
				       "signature line %zu: no space after the em dash", num);
		if (len > 0 && s[0] == '-')
			return err_set(err, ST_FORMAT,
				       "signature line %zu: starts with '-' instead of an em dash "
				       "(U+2014)", num);
		return err_set(err, ST_FORMAT,
			       "signature line %zu: does not start with an em dash (U+2014)", num);
	}
	const char *name = s + SIG_PREFIX_LEN, *end = s + len;
	const char *sp = memchr(name, ' ', (size_t)(end - name));
	if (sp == NULL)
		return err_set(err, ST_FORMAT,
			       "signature line %zu: no space between key name and signature", num);
	if (sp == name)
		return err_set(err, ST_FORMAT,
			       "signature line %zu: empty key name (two spaces after the em dash)",
			       num);
	for (const char *p = name; p < sp;) {
		uint32_t cp;
		size_t n = utf8_decode(p, (size_t)(sp - p), &cp); /* scan() passed it */
		if (cp == '+')
			return err_set(err, ST_FORMAT, "signature line %zu: key name contains '+'",
				       num);
		if (utf8_is_space(cp))
			return err_set(err, ST_FORMAT,
				       "signature line %zu: key name contains a space (U+%04X)", num,
				       (unsigned)cp);
		p += n;
	}
	const char *b = sp + 1;
	size_t blen = (size_t)(end - b);
	if (blen == 0)
		return err_set(err, ST_FORMAT,
			       "signature line %zu: no signature after the key name", num);
	if (b[0] == ' ')
		return err_set(err, ST_FORMAT,
			       "signature line %zu: two spaces between key name and signature",
			       num);
	if (memchr(b, ' ', blen) != NULL)
		return err_set(err, ST_FORMAT, "signature line %zu: space after the signature",
			       num);
	sig->ed25519_size = false;
	size_t dlen = b64_check(b, blen, sig);
	if (dlen == 0)
		return err_set(err, ST_FORMAT,
			       "signature line %zu: signature is not canonical base64", num);
	if (dlen < KEY_ID_LEN + 1)
		return err_set(err, ST_FORMAT,
			       "signature line %zu: signature is shorter than a key ID and "
			       "one byte", num);
	sig->name = name;
	sig->namelen = (size_t)(sp - name);
	sig->b64 = b;
	sig->b64len = blen;
	return ST_OK;
}

status note_parse(const char *buf, size_t len, note *out, errbuf *err)
{
	status st;
	out->text = NULL;
	out->textlen = 0;
	out->nsigs = 0;
	if (len > NOTE_MAX_LEN)
		return err_set(err, ST_TOOBIG, "note is longer than %u bytes", NOTE_MAX_LEN);
	if ((st = scan(buf, len, 1, err)) != ST_OK)
		return st;
	if (len == 0 || buf[len - 1] != '\n')
		return err_set(err, ST_FORMAT, "note does not end with a newline");

	/* The text ends at the last empty line: the last "\n\n". */
	size_t sep = len - 1;
	while (sep > 0 && !(buf[sep - 1] == '\n' && buf[sep] == '\n'))
		sep--;
	if (sep == 0)
		return err_set(err, ST_FORMAT, "no blank line before the signature lines");
	if ((st = text_lines(buf, sep, err)) != ST_OK)
		return st;
	if (sep + 1 == len)
		return err_set(err, ST_FORMAT, "no signature lines after the blank line");

	size_t num = 1;
	for (const char *p = buf + sep + 1, *end = buf + len; p < end; num++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (num > NOTE_MAX_SIGS)
			return err_set(err, ST_TOOBIG, "more than %d signature lines",
				       NOTE_MAX_SIGS);
		if ((st = sigline(p, (size_t)(nl - p), num, &out->sigs[num - 1], err)) != ST_OK)
			return st;
		p = nl + 1;
	}
	out->text = buf;
	out->textlen = sep;
	out->nsigs = num - 1;
	return ST_OK;
}

const key_public *note_keyset_lookup(void *ctx, const char *name, size_t namelen,
				     const uint8_t id[KEY_ID_LEN])
{
	const note_keyset *set = ctx;
	if (namelen > KEY_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < set->nkeys; i++) {
		const key_public *k = &set->keys[i];
		if (memcmp(k->id, id, KEY_ID_LEN) == 0 && k->name[namelen] == '\0' &&
		    memcmp(k->name, name, namelen) == 0)
			return k;
	}
	return NULL;
}

status note_verify(const note *n, note_key_lookup lookup, void *ctx, size_t need,
		   const key_public **signers, size_t *nsigners, errbuf *err)
{
	const key_public *local[NOTE_MAX_SIGS];
	const key_public **got = signers != NULL ? signers : local;
	size_t ngot = 0;
	if (nsigners != NULL)
		*nsigners = 0;
	if (need == 0)
		return err_set(err, ST_USAGE, "note_verify: need must be at least 1");
	if (n->nsigs > NOTE_MAX_SIGS)
		return err_set(err, ST_USAGE, "note_verify: note has more than %d signatures",
			       NOTE_MAX_SIGS);

	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		const key_public *k = lookup(ctx, s->name, s->namelen, s->id);
		if (k == NULL)
			continue; /* an unknown key: ignored, as the spec demands */
		if (memcmp(k->id, s->id, KEY_ID_LEN) != 0 || strlen(k->name) != s->namelen ||
		    memcmp(k->name, s->name, s->namelen) != 0)
			return err_set(err, ST_USAGE,
				       "signature line %zu: key lookup returned a key of another "
				       "name or ID", i + 1);
		if (!s->ed25519_size || !key_verify(k, n->text, n->textlen, s->sig))
			return err_set(err, ST_BADSIG,
				       "signature line %zu: signature by %s does not verify", i + 1,
				       k->name);
		size_t j = 0;
		while (j < ngot && memcmp(got[j]->pk, k->pk, KEY_PK_LEN) != 0)
			j++;
		if (j == ngot)
			got[ngot++] = k;
	}
	if (ngot == 0)
		return err_set(err, ST_NOSIG, "no signature from a trusted key");
	if (ngot < need)
		return err_set(err, ST_NOSIG,
			       "signed by %zu distinct trusted key%s, %zu needed", ngot,
			       ngot == 1 ? "" : "s", need);
	if (nsigners != NULL)
		*nsigners = ngot;
	return ST_OK;
}

status note_sign(const char *text, size_t textlen, const key_secret *const *keys,
		 size_t nkeys, char **out, size_t *outlen, errbuf *err)
{
	status st;
	*out = NULL;
	*outlen = 0;
	if ((st = text_check(text, textlen, err)) != ST_OK)
		return st;
	if (nkeys == 0 || nkeys > NOTE_MAX_SIGS)
		return err_set(err, ST_USAGE, "a note takes 1 to %d signatures, not %zu",
			       NOTE_MAX_SIGS, nkeys);
	size_t len = textlen + 1;
	for (size_t i = 0; i < nkeys; i++)
		len += SIG_PREFIX_LEN + strlen(key_secret_public(keys[i])->name) + 1 +
		       ED25519_B64_LEN + 1;
	if (len > NOTE_MAX_LEN)
		return err_set(err, ST_TOOBIG, "signed note would be longer than %u bytes",
			       NOTE_MAX_LEN);

	char *buf = malloc(len + 1);
	if (buf == NULL)
		return err_set(err, ST_NOMEM, "cannot allocate %zu bytes for a note", len + 1);
	memcpy(buf, text, textlen);
	size_t pos = textlen;
	buf[pos++] = '\n';
	for (size_t i = 0; i < nkeys; i++) {
		const key_public *pub = key_secret_public(keys[i]);
		size_t namelen = strlen(pub->name);
		uint8_t raw[KEY_ID_LEN + KEY_SIG_LEN];
		memcpy(raw, pub->id, KEY_ID_LEN);
		if (key_sign(keys[i], text, textlen, raw + KEY_ID_LEN) != ST_OK) {
			free(buf);
			return err_set(err, ST_CRYPTO, "signing with key %s failed", pub->name);
		}
		memcpy(buf + pos, SIG_PREFIX, SIG_PREFIX_LEN);
		pos += SIG_PREFIX_LEN;
		memcpy(buf + pos, pub->name, namelen);
		pos += namelen;
		buf[pos++] = ' ';
		b64_encode(raw, sizeof raw, buf + pos); /* writes a NUL, overwritten next */
		pos += ED25519_B64_LEN;
		buf[pos++] = '\n';
	}
	buf[pos] = '\0';
	*out = buf;
	*outlen = pos;
	return ST_OK;
}
