/* b64.h: standard base64 (RFC 4648 section 4, with padding), strict. */
#ifndef CUSTOS_B64_H
#define CUSTOS_B64_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Length of the base64 text for n bytes, without a terminating NUL. */
#define B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Encode n bytes into out (room for B64_LEN(n) + 1); NUL-terminates. */
void b64_encode(const uint8_t *in, size_t n, char *out);

/* Decode exactly `textlen` characters of canonical base64 into out (room for
 * `outcap` bytes); *outlen receives the decoded length.  Rejects characters
 * outside the alphabet, whitespace, missing or extra padding and non-zero
 * padding bits, so each byte string has exactly one accepted encoding. */
status b64_decode(const char *text, size_t textlen, uint8_t *out, size_t outcap,
		  size_t *outlen) CUSTOS_WARN_UNUSED;

#endif
