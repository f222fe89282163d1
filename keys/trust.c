#include "trust.h"
#include "../src/rfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUST_FILE_MAX (1u << 20)

status trust_parse(const char *text, size_t len, trust *t, errbuf *err)
{
	memset(t, 0, sizeof *t);
	int line = 0;
	for (const char *p = text, *end = text + len; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		const char *s = p;
		p = nl ? nl + 1 : end;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0 || s[0] == '#')
			continue;
		key_public k;
		errbuf kerr = {0};
		if (key_vkey_parse(s, n, &k, &kerr) != ST_OK)
			return err_set(err, ST_FORMAT, "trust file line %d: %s", line + 1, kerr.msg);
		for (size_t i = 0; i < t->nkeys; i++)
			if (strcmp(t->keys[i].name, k.name) == 0 &&
			    memcmp(t->keys[i].id, k.id, KEY_ID_LEN) == 0)
				return err_set(err, ST_FORMAT,
					       "trust file line %d: key %s is listed twice (or two keys "
					       "share its name and key ID)", line + 1, k.name);
		key_public *grown = realloc(t->keys, (t->nkeys + 1) * sizeof *grown);
		if (grown == NULL)
			return err_set(err, ST_NOMEM, "out of memory reading the trust file");
		t->keys = grown;
		t->keys[t->nkeys++] = k;
	}
	return ST_OK;
}

status trust_load(const char *path, trust *t, errbuf *err)
{
	memset(t, 0, sizeof *t);
	char *text = NULL;
	size_t n = 0;
	status st = rfile_read(path, TRUST_FILE_MAX, true, &text, &n, err);
	if (st == ST_OK)
		st = trust_parse(text, n, t, err);
	free(text);
	return st;
}

void trust_free(trust *t)
{
	free(t->keys);
	memset(t, 0, sizeof *t);
}

const key_public *trust_lookup(void *ctx, const char *name, size_t namelen,
			       const uint8_t id[KEY_ID_LEN])
{
	const trust *t = ctx;
	for (size_t i = 0; i < t->nkeys; i++)
		if (memcmp(t->keys[i].id, id, KEY_ID_LEN) == 0 &&
		    strlen(t->keys[i].name) == namelen &&
		    memcmp(t->keys[i].name, name, namelen) == 0)
			return &t->keys[i];
	return NULL;
}
