/* utf8.h: strict UTF-8 decoding and encoding (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
#ifndef CUSTOS_UTF8_H
#define CUSTOS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..len).  Returns the number of bytes used
 * (1-4) and stores the code point in *cp, or returns 0 if the bytes at s do
 * not start a well-formed sequence (or len is 0). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode code point cp into out: returns the bytes written (1-4), or 0
 * (nothing written) for a surrogate or a value above U+10FFFF. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* True if all of s[0..len) is well-formed UTF-8. */
bool utf8_valid(const char *s, size_t len);

/* True for the code points Unicode calls white space (category Zs, Zl, Zp,
 * and the ASCII/Latin-1 space controls): the "Unicode spaces" that C2SP
 * signed-note forbids in key names. */
bool utf8_is_space(uint32_t cp);

/* True for the Unicode bidirectional formatting characters (U+061C,
 * U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which can make text
 * display in another order than its bytes. */
bool utf8_is_bidi_control(uint32_t cp);

/* True for the characters that change how text is laid out without
 * showing themselves: the line and paragraph separators (U+2028, U+2029),
 * the zero-width characters (U+200B-U+200D, U+2060, U+FEFF) and the
 * bidirectional controls.  Text shown to a person (safeprint, json, the
 * terminal UI) escapes or replaces them, so a name cannot break a line,
 * hide a character or reorder what follows. */
bool utf8_is_layout_control(uint32_t cp);

#endif
