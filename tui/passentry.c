/* passentry.c: the passphrase typed in a form (see passentry.h). */
#include "passentry.h"

#include <string.h>

#include <sodium.h>

#include "../keys/keyfile.h"
#include "../src/utf8.h"
#include "actions.h"

status passentry_init(passentry *p)
{
	p->len = 0;
	p->buf = sodium_malloc(PASSPHRASE_MAX + 1);
	if (p->buf == NULL)
		return ST_NOMEM;
	sodium_memzero(p->buf, PASSPHRASE_MAX + 1);
	return ST_OK;
}

passentry_result passentry_key(passentry *p, int key)
{
	if (p->buf == NULL)
		return PASS_IGNORED;
	if (key == TUI_ESC)
		return PASS_CANCEL;
	if (key == '\n' || key == '\r' || key == TUI_FN(KEY_ENTER))
		return p->len > 0 ? PASS_DONE : PASS_IGNORED;
	if (key == TUI_FN(KEY_BACKSPACE) || key == 0x7f || key == 0x08) {
		while (p->len > 0) {
			unsigned char c = (unsigned char)p->buf[--p->len];
			p->buf[p->len] = '\0';
			if ((c & 0xc0) != 0x80)
				break;
		}
		return PASS_MORE;
	}
	if (key == TUI_CTRL('u')) {
		passentry_clear(p);
		return PASS_MORE;
	}
	if (TUI_IS_FN(key) || key < 0x20 || (key >= 0x7f && key < 0xa0))
		return PASS_IGNORED;
	char u[4];
	size_t n = utf8_encode((uint32_t)key, u);
	if (n == 0 || p->len + n > PASSPHRASE_MAX)
		return PASS_IGNORED;
	memcpy(p->buf + p->len, u, n);
	p->len += n;
	sodium_memzero(u, sizeof u);
	return PASS_MORE;
}

status passentry_unseal(passentry *p, const char *path, key_secret **out, errbuf *err)
{
	*out = NULL;
	if (p->buf == NULL || p->len == 0)
		return err_set(err, ST_USAGE, "type the passphrase first");
	status st = keyfile_load(path, p->buf, p->len, out, err);
	passentry_clear(p);
	return st;
}

void passentry_clear(passentry *p)
{
	if (p->buf != NULL)
		sodium_memzero(p->buf, PASSPHRASE_MAX + 1);
	p->len = 0;
}

void passentry_free(passentry *p)
{
	if (p->buf != NULL)
		sodium_free(p->buf); /* sodium_free wipes before freeing */
	p->buf = NULL;
	p->len = 0;
}
