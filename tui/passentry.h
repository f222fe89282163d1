/* passentry.h: a passphrase typed into a form, never echoed, held in
 * libsodium guarded memory and wiped when done.
 *
 * No curses here: the form feeds keys (as actions.h encodes them) and
 * draws the prompt; this module only keeps the secret. */
#ifndef CUSTOS_TUI_PASSENTRY_H
#define CUSTOS_TUI_PASSENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "../keys/key.h"
#include "../keys/passphrase.h"
#include "../src/status.h"

typedef struct passentry {
	char *buf;  /* sodium_malloc'd, PASSPHRASE_MAX + 1 bytes; NULL before init */
	size_t len; /* bytes typed */
} passentry;

/* What a key did to the entry. */
typedef enum passentry_result {
	PASS_MORE,   /* typed or erased; keep reading */
	PASS_DONE,   /* Enter with something typed */
	PASS_CANCEL, /* Esc */
	PASS_IGNORED /* a key that means nothing here */
} passentry_result;

/* Allocate the guarded buffer (ST_NOMEM on failure). */
status passentry_init(passentry *p) CUSTOS_WARN_UNUSED;

/* Feed one key: a Unicode code point is appended as UTF-8 (up to
 * PASSPHRASE_MAX bytes; more is ignored), Backspace erases the last
 * character, Ctrl-U erases all, Enter ends (only when not empty), Esc
 * cancels. */
passentry_result passentry_key(passentry *p, int key);

/* Unseal the key file at `path` with what was typed, then wipe it
 * (whatever the result).  Results as keyfile_load. */
status passentry_unseal(passentry *p, const char *path, key_secret **out,
			errbuf *err) CUSTOS_WARN_UNUSED;

/* Wipe what was typed (the buffer stays for more typing). */
void passentry_clear(passentry *p);

/* Wipe and free the buffer; p may be zeroed or already freed. */
void passentry_free(passentry *p);

#endif
