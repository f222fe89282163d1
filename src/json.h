/* json.h: writing JSON output for --json. */
#ifndef CUSTOS_JSON_H
#define CUSTOS_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write s[0..len) as a JSON string literal (quotes included), escaping
 * quotes, backslashes, C0 and C1 control characters, DEL and the
 * characters utf8_is_layout_control names (line and paragraph separators,
 * zero-width characters, bidirectional controls) as \n or \uXXXX, so
 * that the output shown on a terminal or parsed and shown by another
 * program displays as its bytes are; bytes that are not valid UTF-8 are
 * written as U+FFFD. */
void json_string(FILE *f, const char *s, size_t len);

/* The same for a NUL-terminated string. */
void json_str(FILE *f, const char *s);

#endif
