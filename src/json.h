/* json.h: writing JSON output for --json. */
#ifndef CUSTOS_JSON_H
#define CUSTOS_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write s[0..len) as a JSON string literal (quotes included), escaping
 * quotes, backslashes and control characters; bytes that are not valid
 * UTF-8 are written as U+FFFD. */
void json_string(FILE *f, const char *s, size_t len);

/* The same for a NUL-terminated string. */
void json_str(FILE *f, const char *s);

#endif
