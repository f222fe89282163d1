/* buf.h: a growable byte buffer for building text.  A failed append marks
 * the buffer as failed (and further appends are ignored), so a builder can
 * append freely and check once at the end with buf_status. */
#ifndef CUSTOS_BUF_H
#define CUSTOS_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef struct buf {
	char *data; /* NUL-terminated while not failed */
	size_t len;
	size_t cap;
	bool failed;
} buf;

void buf_append(buf *b, const void *data, size_t len);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ST_OK, or ST_NOMEM if any append failed. */
status buf_status(const buf *b);

/* Hand the data to the caller (malloc'd) and reset b; NULL if failed. */
char *buf_take(buf *b, size_t *len);

void buf_free(buf *b);

#endif
