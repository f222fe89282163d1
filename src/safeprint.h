/* safeprint.h: writing untrusted text (names and reasons that come from
 * files, logs or the command line) to a terminal without letting it move
 * the cursor, change colours or reorder the line. */
#ifndef CUSTOS_SAFEPRINT_H
#define CUSTOS_SAFEPRINT_H

#include <stddef.h>
#include <stdio.h>

/* Write s to f with C0 and C1 control characters, DEL, the characters
 * utf8_is_layout_control names (line and paragraph separators, zero-width
 * characters, bidirectional controls) and bytes that are not valid UTF-8
 * replaced by visible escapes (\xHH for bytes, \uHHHH for characters).
 * Everything else, including other UTF-8, is written as it is. */
void safe_fputs(const char *s, FILE *f);

/* The same for at most `max` bytes of s, then "... (N bytes in all)" when
 * s is longer: for echoing what a user typed in an error message.  A
 * character cut in two shows as \xHH escapes. */
void safe_fputs_max(const char *s, size_t max, FILE *f);

#endif
