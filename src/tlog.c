/* tlog.c: C2SP tlog-checkpoint, tlog-cosignature/v1, tlog-tiles and
 * tlog-proof, as specified at c2sp.org.  See tlog.h for the contracts.
 *
 * Decisions beyond the letter of the specs:
 * - Checkpoint extension lines are refused (the spec allows them but
 *   recommends against; custos never writes them, and a verifier has no
 *   way to judge them).
 * - A cosignature line whose name and cosigner key ID match the witness but
 *   does not verify fails the check (as note_verify does for a trusted
 *   key), rather than being skipped. */
#include "tlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "b64.h"
#include "buf.h"
#include "sha.h"

#define EM_DASH "\xE2\x80\x94"
#define COSIG_HEADER "cosignature/v1\n"
#define TIME_MAX_S ((uint64_t)INT64_MAX)

/* Strict decimal: non-empty, digits only, no leading zero (except "0"),
 * fits in uint64_t. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* ---- tlog-checkpoint ---------------------------------------------------- */

static status origin_check(const char *origin, size_t len, errbuf *err)
{
	if (len == 0)
		return err_set(err, ST_FORMAT, "checkpoint origin is empty");
	if (len > TLOG_ORIGIN_MAX)
		return err_set(err, ST_FORMAT, "checkpoint origin is longer than %d bytes",
			       TLOG_ORIGIN_MAX);
	if (memchr(origin, '\n', len) != NULL)
		return err_set(err, ST_FORMAT, "checkpoint origin contains a newline");
	char line[TLOG_ORIGIN_MAX + 1];
	memcpy(line, origin, len);
	line[len] = '\n';
	if (!note_text_valid(line, len + 1))
		return err_set(err, ST_FORMAT,
			       "checkpoint origin is not valid note text (invalid UTF-8, a "
			       "control character, or starts with an em dash and a space)");
	return ST_OK;
}

status tlog_checkpoint_body(const char *origin, uint64_t size, const merkle_hash root,
			    char **out, size_t *len, errbuf *err)
{
	*out = NULL;
	*len = 0;
	status st = origin_check(origin, strlen(origin), err);
	if (st != ST_OK)
		return err_set(err, ST_USAGE, "%s", err_text(err, st));
	char r[B64_LEN(SHA256_LEN) + 1];
	b64_encode(root, SHA256_LEN, r);
	buf b = {0};
	buf_printf(&b, "%s\n%" PRIu64 "\n%s\n", origin, size, r);
	if (buf_status(&b) != ST_OK) {
		buf_free(&b);
		return err_set(err, ST_NOMEM, "out of memory building a checkpoint");
	}
	*out = buf_take(&b, len);
	return ST_OK;
}

status tlog_checkpoint_body_parse(const char *text, size_t len, tlog_checkpoint *cp,
				  errbuf *err)
{
	memset(cp, 0, sizeof *cp);
	if (len == 0 || text[len - 1] != '\n')
		return err_set(err, ST_FORMAT, "checkpoint does not end with a newline");
	const char *p = text, *end = text + len;
	const char *l[3];
	size_t ll[3];
	for (int i = 0; i < 3; i++) {
		if (p >= end)
			return err_set(err, ST_FORMAT,
				       "checkpoint has %d lines; it needs origin, size and root", i);
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		l[i] = p;
		ll[i] = (size_t)(nl - p);
		p = nl + 1;
	}
	if (p != end)
		return err_set(err, ST_FORMAT,
			       "checkpoint has extension lines after the root (refused)");
	status st = origin_check(l[0], ll[0], err);
	if (st != ST_OK)
		return st;
	if (!parse_u64(l[1], ll[1], &cp->size))
		return err_set(err, ST_FORMAT,
			       "checkpoint line 2: tree size must be a decimal number without "
			       "leading zeros");
	size_t rl;
	uint8_t r[SHA256_LEN + 3];
	if (b64_decode(l[2], ll[2], r, sizeof r, &rl) != ST_OK || rl != SHA256_LEN)
		return err_set(err, ST_FORMAT,
			       "checkpoint line 3: root hash must be canonical base64 of 32 bytes");
	memcpy(cp->root, r, SHA256_LEN);
	memcpy(cp->origin, l[0], ll[0]);
	cp->origin[ll[0]] = '\0';
	return ST_OK;
}

status tlog_checkpoint_parse(const char *in, size_t len, tlog_checkpoint *cp, note *n,
			     errbuf *err)
{
	memset(cp, 0, sizeof *cp);
	errbuf e = {0};
	status st = note_parse(in, len, n, &e);
	if (st != ST_OK)
		return err_set(err, st, "checkpoint note: %s", err_text(&e, st));
	return tlog_checkpoint_body_parse(n->text, n->textlen, cp, err);
}

/* ---- tlog-cosignature/v1 ------------------------------------------------ */

void tlog_cosig_keyid(const char *name, size_t namelen, const uint8_t pk[KEY_PK_LEN],
		      uint8_t id[KEY_ID_LEN])
{
	uint8_t tail[2 + KEY_PK_LEN] = {0x0A, TLOG_COSIG_TYPE_ED25519};
	uint8_t h[SHA256_LEN];
	memcpy(tail + 2, pk, KEY_PK_LEN);
	sha256_2(name, namelen, tail, sizeof tail, h);
	memcpy(id, h, KEY_ID_LEN);
}

size_t tlog_cosig_vkey_format(const key_public *pub, char *out)
{
	uint8_t typed[1 + KEY_PK_LEN] = {TLOG_COSIG_TYPE_ED25519};
	uint8_t id[KEY_ID_LEN];
	size_t n = strlen(pub->name);
	tlog_cosig_keyid(pub->name, n, pub->pk, id);
	memcpy(typed + 1, pub->pk, KEY_PK_LEN);
	memcpy(out, pub->name, n);
	out[n++] = '+';
	sodium_bin2hex(out + n, 9, id, KEY_ID_LEN);
	n += 8;
	out[n++] = '+';
	b64_encode(typed, sizeof typed, out + n);
	return n + B64_LEN(sizeof typed);
}

status tlog_cosig_vkey_parse(const char *s, size_t len, key_public *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	const char *p1 = memchr(s, '+', len);
	if (p1 == NULL)
		return err_set(err, ST_FORMAT, "cosigner key has no '+' after the name");
	size_t namelen = (size_t)(p1 - s);
	if (!key_name_valid(s, namelen))
		return err_set(err, ST_FORMAT, "cosigner key has an invalid key name");
	const char *hex = p1 + 1, *end = s + len;
	if (end - hex < 9 || hex[8] != '+')
		return err_set(err, ST_FORMAT, "cosigner key ID must be 8 hex digits");
	uint8_t id[KEY_ID_LEN];
	for (int i = 0; i < 8; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return err_set(err, ST_FORMAT,
				       "cosigner key ID must be 8 lower-case hex digits");
	if (sodium_hex2bin(id, sizeof id, hex, 8, NULL, NULL, NULL) != 0)
		return err_set(err, ST_FORMAT, "cosigner key ID must be 8 hex digits");
	const char *b = hex + 9;
	uint8_t typed[1 + KEY_PK_LEN + 3];
	size_t tlen;
	if (b64_decode(b, (size_t)(end - b), typed, sizeof typed, &tlen) != ST_OK)
		return err_set(err, ST_FORMAT, "cosigner key material is not canonical base64");
	if (tlen < 1 || typed[0] != TLOG_COSIG_TYPE_ED25519)
		return err_set(err, ST_FORMAT,
			       "cosigner key type is 0x%02x, not an Ed25519 cosignature/v1 "
			       "key (0x04)", tlen < 1 ? 0u : typed[0]);
	if (tlen != 1 + KEY_PK_LEN)
		return err_set(err, ST_FORMAT, "Ed25519 cosigner key must hold 32 bytes");
	memcpy(out->name, s, namelen);
	memcpy(out->pk, typed + 1, KEY_PK_LEN);
	tlog_cosig_keyid(out->name, namelen, out->pk, out->id);
	if (memcmp(out->id, id, KEY_ID_LEN) != 0)
		return err_set(err, ST_FORMAT, "cosigner key ID does not match its name and key");
	return ST_OK;
}

/* "cosignature/v1\ntime <t>\n" || body, malloc'd. */
static char *cosig_message(uint64_t t, const char *body, size_t bodylen, size_t *len)
{
	buf b = {0};
	buf_printf(&b, COSIG_HEADER "time %" PRIu64 "\n", t);
	buf_append(&b, body, bodylen);
	return buf_take(&b, len);
}

status tlog_cosign(const key_secret *witness, const char *body, size_t bodylen,
		   uint64_t time_s, char **line, size_t *linelen, errbuf *err)
{
	*line = NULL;
	*linelen = 0;
	tlog_checkpoint cp;
	status st = tlog_checkpoint_body_parse(body, bodylen, &cp, err);
	if (st != ST_OK)
		return st;
	if (time_s > TIME_MAX_S)
		return err_set(err, ST_USAGE, "cosignature time is above 2^63 - 1");
	const key_public *pub = key_secret_public(witness);
	size_t msglen;
	char *msg = cosig_message(time_s, body, bodylen, &msglen);
	if (msg == NULL)
		return err_set(err, ST_NOMEM, "out of memory building a cosignature");
	uint8_t raw[TLOG_COSIG_LEN];
	tlog_cosig_keyid(pub->name, strlen(pub->name), pub->pk, raw);
	for (int i = 0; i < 8; i++)
		raw[KEY_ID_LEN + i] = (uint8_t)(time_s >> (56 - 8 * i));
	st = key_sign(witness, msg, msglen, raw + KEY_ID_LEN + 8);
	free(msg);
	if (st != ST_OK)
		return err_set(err, st, "cannot sign the cosignature");
	char b64[B64_LEN(TLOG_COSIG_LEN) + 1];
	b64_encode(raw, sizeof raw, b64);
	buf b = {0};
	buf_printf(&b, EM_DASH " %s %s\n", pub->name, b64);
	if (buf_status(&b) != ST_OK) {
		buf_free(&b);
		return err_set(err, ST_NOMEM, "out of memory building a cosignature");
	}
	*line = buf_take(&b, linelen);
	return ST_OK;
}

status tlog_cosig_verify(const key_public *witness, const note *n, uint64_t *time_s,
			 errbuf *err)
{
	size_t namelen = strlen(witness->name);
	uint8_t id[KEY_ID_LEN];
	tlog_cosig_keyid(witness->name, namelen, witness->pk, id);
	bool found = false;
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		if (s->namelen != namelen || memcmp(s->name, witness->name, namelen) != 0 ||
		    memcmp(s->id, id, KEY_ID_LEN) != 0)
			continue;
		found = true;
		uint8_t raw[TLOG_COSIG_LEN + 3];
		size_t rl;
		if (b64_decode(s->b64, s->b64len, raw, sizeof raw, &rl) != ST_OK ||
		    rl != TLOG_COSIG_LEN)
			return err_set(err, ST_BADSIG,
				       "cosignature by %s is not a key ID, a time and an "
				       "Ed25519 signature (%d bytes)", witness->name,
				       TLOG_COSIG_LEN);
		uint64_t t = 0;
		for (int k = 0; k < 8; k++)
			t = (t << 8) | raw[KEY_ID_LEN + k];
		if (t > TIME_MAX_S)
			return err_set(err, ST_BADSIG, "cosignature by %s has a time above 2^63 - 1",
				       witness->name);
		size_t msglen;
		char *msg = cosig_message(t, n->text, n->textlen, &msglen);
		if (msg == NULL)
			return err_set(err, ST_NOMEM, "out of memory checking a cosignature");
		bool ok = key_verify(witness, msg, msglen, raw + KEY_ID_LEN + 8);
		free(msg);
		if (!ok)
			return err_set(err, ST_BADSIG, "cosignature by %s does not verify",
				       witness->name);
		if (time_s != NULL)
			*time_s = t;
	}
	if (!found)
		return err_set(err, ST_NOSIG, "no cosignature by %s", witness->name);
	return ST_OK;
}

status tlog_cosig_line_verify(const char *cp, size_t cplen, const char *line, size_t linelen,
			      const key_public *witness, uint64_t *time_s, errbuf *err)
{
	if (linelen > TLOG_COSIG_LINE_MAX || memchr(line, '\n', linelen) != NULL)
		return err_set(err, ST_FORMAT, "a cosignature is one line of at most %d bytes",
			       TLOG_COSIG_LINE_MAX);
	note *n = malloc(2 * sizeof *n);
	if (n == NULL)
		return err_set(err, ST_NOMEM, "out of memory checking a cosignature");
	tlog_checkpoint c;
	errbuf why = {0};
	char *a = NULL;
	status st = tlog_checkpoint_parse(cp, cplen, &c, &n[0], &why);
	if (st != ST_OK) {
		st = err_set(err, ST_FORMAT, "the checkpoint does not parse: %s", err_text(&why, st));
		goto out;
	}
	/* The checkpoint's body, a blank line and the cosignature line alone. */
	size_t alen = n[0].textlen + 1 + linelen + 1;
	a = malloc(alen);
	if (a == NULL) {
		st = err_set(err, ST_NOMEM, "out of memory checking a cosignature");
		goto out;
	}
	memcpy(a, n[0].text, n[0].textlen);
	a[n[0].textlen] = '\n';
	memcpy(a + n[0].textlen + 1, line, linelen);
	a[alen - 1] = '\n';
	st = tlog_checkpoint_parse(a, alen, &c, &n[1], &why);
	if (st != ST_OK) {
		st = err_set(err, ST_FORMAT, "not a cosignature line: %s", err_text(&why, st));
		goto out;
	}
	st = tlog_cosig_verify(witness, &n[1], time_s, err);
out:
	free(a);
	free(n);
	return st;
}

/* ---- tlog-tiles --------------------------------------------------------- */

/* "<N>" split into 3-digit elements, all but the last with an 'x'. */
static int index_path(char *out, size_t cap, uint64_t index)
{
	unsigned groups[7];
	int ng = 0;
	do {
		groups[ng++] = (unsigned)(index % 1000);
		index /= 1000;
	} while (index > 0);
	int n = 0;
	for (int i = ng - 1; i >= 0; i--)
		n += snprintf(out + n, cap - (size_t)n, i > 0 ? "x%03u/" : "%03u", groups[i]);
	return n;
}

static void tile_path(char out[TLOG_PATH_MAX], const char *level, uint64_t index,
		      unsigned width)
{
	int n = snprintf(out, TLOG_PATH_MAX, "tile/%s/", level);
	n += index_path(out + n, TLOG_PATH_MAX - (size_t)n, index);
	if (width < TLOG_TILE_WIDTH)
		snprintf(out + n, TLOG_PATH_MAX - (size_t)n, ".p/%u", width);
}

void tlog_tile_path(char out[TLOG_PATH_MAX], int level, uint64_t index, unsigned width)
{
	char l[8];
	snprintf(l, sizeof l, "%d", level);
	tile_path(out, l, index, width);
}

void tlog_entries_path(char out[TLOG_PATH_MAX], uint64_t index, unsigned width)
{
	tile_path(out, "entries", index, width);
}

unsigned tlog_tile_width(uint64_t n, int level, uint64_t index)
{
	if (level < 0 || level >= 8)
		return 0;
	uint64_t hashes = n >> (8 * level);
	uint64_t full = hashes / TLOG_TILE_WIDTH;
	if (index < full)
		return TLOG_TILE_WIDTH;
	if (index == full)
		return (unsigned)(hashes % TLOG_TILE_WIDTH);
	return 0;
}

/* mkdir -p of the folders in path[0..upto). */
static status make_dirs(char *path, size_t upto, errbuf *err)
{
	for (size_t i = 1; i <= upto; i++) {
		if (i < upto && path[i] != '/')
			continue;
		char c = path[i];
		path[i] = '\0';
		int rc = mkdir(path, 0755);
		int e = errno;
		path[i] = c;
		if (rc != 0 && e != EEXIST) {
			path[i] = '\0';
			status st = err_set(err, ST_IO, "cannot make folder %s: %s", path,
					    strerror(e));
			path[i] = c;
			return st;
		}
	}
	return ST_OK;
}

status tlog_file_write(const char *dir, const char *relpath, const void *data, size_t len,
		       errbuf *err)
{
	if (relpath[0] == '/' || relpath[0] == '\0')
		return err_set(err, ST_USAGE, "path %s must be relative", relpath);
	for (const char *p = relpath; *p;) {
		size_t el = strcspn(p, "/");
		if (el == 2 && p[0] == '.' && p[1] == '.')
			return err_set(err, ST_USAGE, "path %s may not contain ..", relpath);
		p += el;
		if (*p == '/')
			p++;
	}
	size_t dl = strlen(dir), rl = strlen(relpath);
	char *path = malloc(dl + rl + 10);
	if (path == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, relpath, rl + 1);
	char *slash = strrchr(path, '/');
	status st = make_dirs(path, (size_t)(slash - path), err);
	if (st != ST_OK) {
		free(path);
		return st;
	}
	char *tmp = malloc(dl + rl + 16);
	if (tmp == NULL) {
		free(path);
		return err_set(err, ST_NOMEM, "out of memory");
	}
	snprintf(tmp, dl + rl + 16, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		st = err_set(err, ST_IO, "cannot create a temporary file for %s: %s", path,
			     strerror(errno));
		goto out;
	}
	const uint8_t *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			st = err_set(err, ST_IO, "cannot write %s: %s", tmp, strerror(errno));
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	if (st == ST_OK && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
		st = err_set(err, ST_IO, "cannot sync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && st == ST_OK)
		st = err_set(err, ST_IO, "cannot close %s: %s", tmp, strerror(errno));
	if (st == ST_OK && rename(tmp, path) != 0)
		st = err_set(err, ST_IO, "cannot rename %s to %s: %s", tmp, path,
			     strerror(errno));
	if (st != ST_OK)
		unlink(tmp);
out:
	free(tmp);
	free(path);
	return st;
}

status tlog_tiles_write(const char *dir, const merkle_hash *leaves, uint64_t n,
			uint64_t since, errbuf *err)
{
	if (since > n)
		return err_set(err, ST_USAGE,
			       "tiles since size %" PRIu64 " asked for a tree of size %" PRIu64,
			       since, n);
	const merkle_hash *cur = leaves;
	uint64_t count = n;
	merkle_hash *owned = NULL;
	status st = ST_OK;
	for (int level = 0; count > 0 && level < 8; level++) {
		uint64_t full = count / TLOG_TILE_WIDTH;
		unsigned part = (unsigned)(count % TLOG_TILE_WIDTH);
		uint64_t since_full = (since >> (8 * level)) / TLOG_TILE_WIDTH;
		char rel[TLOG_PATH_MAX];
		for (uint64_t t = since_full; t < full; t++) {
			tlog_tile_path(rel, level, t, TLOG_TILE_WIDTH);
			st = tlog_file_write(dir, rel, cur + t * TLOG_TILE_WIDTH,
					     TLOG_TILE_WIDTH * sizeof(merkle_hash), err);
			if (st != ST_OK)
				goto out;
		}
		if (part > 0) {
			tlog_tile_path(rel, level, full, part);
			st = tlog_file_write(dir, rel, cur + full * TLOG_TILE_WIDTH,
					     part * sizeof(merkle_hash), err);
			if (st != ST_OK)
				goto out;
		}
		if (full == 0)
			break;
		merkle_hash *next = malloc((size_t)full * sizeof(merkle_hash));
		if (next == NULL) {
			st = err_set(err, ST_NOMEM, "out of memory computing tiles");
			goto out;
		}
		for (uint64_t t = 0; t < full; t++)
			merkle_root(cur + t * TLOG_TILE_WIDTH, TLOG_TILE_WIDTH, next[t]);
		free(owned);
		owned = next;
		cur = next;
		count = full;
	}
out:
	free(owned);
	return st;
}

/* ---- hash lists --------------------------------------------------------- */

status tlog_hashes_format(const merkle_hash *h, size_t n, char **out, size_t *outlen,
			  errbuf *err)
{
	buf b = {0};
	buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		char s[B64_LEN(SHA256_LEN) + 1];
		b64_encode(h[i], SHA256_LEN, s);
		buf_printf(&b, "%s\n", s);
	}
	if (buf_status(&b) != ST_OK) {
		buf_free(&b);
		*out = NULL;
		*outlen = 0;
		return err_set(err, ST_NOMEM, "out of memory formatting hashes");
	}
	*out = buf_take(&b, outlen);
	if (*out == NULL) {
		*out = calloc(1, 1);
		*outlen = 0;
		if (*out == NULL)
			return err_set(err, ST_NOMEM, "out of memory formatting hashes");
	}
	return ST_OK;
}

status tlog_hashes_parse(const char *text, size_t len, merkle_hash h[MERKLE_MAX_PROOF],
			 size_t *n, errbuf *err)
{
	*n = 0;
	const char *p = text, *end = text + len;
	size_t line = 0;
	while (p < end) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return err_set(err, ST_FORMAT, "line %zu: no newline at the end", line);
		if (*n == MERKLE_MAX_PROOF)
			return err_set(err, ST_FORMAT, "more than %d hashes", MERKLE_MAX_PROOF);
		uint8_t tmp[SHA256_LEN + 3];
		size_t tl;
		if (b64_decode(p, (size_t)(nl - p), tmp, sizeof tmp, &tl) != ST_OK ||
		    tl != SHA256_LEN)
			return err_set(err, ST_FORMAT,
				       "line %zu: not canonical base64 of a 32-byte hash", line);
		memcpy(h[(*n)++], tmp, SHA256_LEN);
		p = nl + 1;
	}
	return ST_OK;
}

/* ---- tlog-proof --------------------------------------------------------- */

status tlog_proof_format(uint64_t index, const merkle_hash *proof, size_t len,
			 const char *checkpoint_note, size_t cplen, const char *extra,
			 char **out, size_t *outlen, errbuf *err)
{
	*out = NULL;
	*outlen = 0;
	if (len > MERKLE_MAX_PROOF)
		return err_set(err, ST_USAGE, "inclusion proof longer than %d hashes",
			       MERKLE_MAX_PROOF);
	note *n = malloc(sizeof *n);
	if (n == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	tlog_checkpoint cp;
	status st = tlog_checkpoint_parse(checkpoint_note, cplen, &cp, n, err);
	free(n);
	if (st != ST_OK)
		return st;
	if (index >= cp.size)
		return err_set(err, ST_USAGE,
			       "index %" PRIu64 " is not below the checkpoint's size %" PRIu64,
			       index, cp.size);
	buf b = {0};
	buf_puts(&b, TLOG_PROOF_HEADER "\n");
	if (extra != NULL) {
		size_t el = strlen(extra);
		char *e64 = malloc(B64_LEN(el) + 1);
		if (e64 == NULL) {
			buf_free(&b);
			return err_set(err, ST_NOMEM, "out of memory");
		}
		b64_encode((const uint8_t *)extra, el, e64);
		buf_printf(&b, "extra %s\n", e64);
		free(e64);
	}
	buf_printf(&b, "index %" PRIu64 "\n", index);
	for (size_t i = 0; i < len; i++) {
		char s[B64_LEN(SHA256_LEN) + 1];
		b64_encode(proof[i], SHA256_LEN, s);
		buf_printf(&b, "%s\n", s);
	}
	buf_puts(&b, "\n");
	buf_append(&b, checkpoint_note, cplen);
	if (buf_status(&b) != ST_OK) {
		buf_free(&b);
		return err_set(err, ST_NOMEM, "out of memory building a tlog-proof");
	}
	*out = buf_take(&b, outlen);
	return ST_OK;
}

/* The next line of [*s, end) into l[0..ll) (without its newline), *s moves
 * past it and *line counts it; false when no complete line is left. */
static bool next_line(const char **s, const char *end, const char **l, size_t *ll,
		      size_t *line)
{
	const char *nl = *s < end ? memchr(*s, '\n', (size_t)(end - *s)) : NULL;
	if (nl == NULL)
		return false;
	*l = *s;
	*ll = (size_t)(nl - *s);
	*s = nl + 1;
	(*line)++;
	return true;
}

status tlog_proof_parse(const char *in, size_t len, tlog_proof *p, errbuf *err)
{
	memset(p, 0, sizeof *p);
	const char *s = in, *end = in + len;
	size_t line = 0;
	const char *l;
	size_t ll;
	if (!next_line(&s, end, &l, &ll, &line) || ll != strlen(TLOG_PROOF_HEADER) ||
	    memcmp(l, TLOG_PROOF_HEADER, ll) != 0)
		return err_set(err, ST_FORMAT, "line 1 must be \"%s\"", TLOG_PROOF_HEADER);
	if (!next_line(&s, end, &l, &ll, &line))
		return err_set(err, ST_FORMAT, "line 2: missing index line");
	if (ll >= 6 && memcmp(l, "extra ", 6) == 0) {
		size_t dl;
		uint8_t *tmp = malloc(ll);
		if (tmp == NULL)
			return err_set(err, ST_NOMEM, "out of memory");
		status st = b64_decode(l + 6, ll - 6, tmp, ll, &dl);
		free(tmp);
		if (st != ST_OK || ll == 6)
			return err_set(err, ST_FORMAT, "line 2: extra data is not canonical base64");
		p->extra_b64 = l + 6;
		p->extra_b64len = ll - 6;
		if (!next_line(&s, end, &l, &ll, &line))
			return err_set(err, ST_FORMAT, "line 3: missing index line");
	}
	if (ll < 6 || memcmp(l, "index ", 6) != 0 || !parse_u64(l + 6, ll - 6, &p->index))
		return err_set(err, ST_FORMAT,
			       "line %zu: must be \"index N\" (decimal, no leading zeros)", line);
	for (;;) {
		if (!next_line(&s, end, &l, &ll, &line))
			return err_set(err, ST_FORMAT,
				       "no empty line before the checkpoint");
		if (ll == 0)
			break;
		if (p->prooflen == MERKLE_MAX_PROOF)
			return err_set(err, ST_FORMAT, "more than %d proof hashes",
				       MERKLE_MAX_PROOF);
		uint8_t tmp[SHA256_LEN + 3];
		size_t tl;
		if (b64_decode(l, ll, tmp, sizeof tmp, &tl) != ST_OK || tl != SHA256_LEN)
			return err_set(err, ST_FORMAT,
				       "line %zu: proof hash is not canonical base64 of 32 bytes",
				       line);
		memcpy(p->proof[p->prooflen++], tmp, SHA256_LEN);
	}
	if (s == end)
		return err_set(err, ST_FORMAT, "no checkpoint after the empty line");
	p->checkpoint = s;
	p->checkpointlen = (size_t)(end - s);
	return ST_OK;
}

status tlog_proof_check(const tlog_proof *p, const tlog_checkpoint *cp, const merkle_hash leaf,
			errbuf *err)
{
	if (p->index >= cp->size)
		return err_set(err, ST_PROOF,
			       "index %" PRIu64 " is not below the checkpoint's size %" PRIu64,
			       p->index, cp->size);
	if (merkle_inclusion_verify(p->index, cp->size, leaf, p->proof, p->prooflen, cp->root) !=
	    ST_OK)
		return err_set(err, ST_PROOF,
			       "inclusion proof for index %" PRIu64 " does not lead to the "
			       "checkpoint's root (size %" PRIu64 ")", p->index, cp->size);
	return ST_OK;
}
