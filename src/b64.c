#include "b64.h"

#include <sodium.h>

void b64_encode(const uint8_t *in, size_t n, char *out)
{
	sodium_bin2base64(out, B64_LEN(n) + 1, in, n, sodium_base64_VARIANT_ORIGINAL);
}

status b64_decode(const char *text, size_t textlen, uint8_t *out, size_t outcap,
		  size_t *outlen)
{
	const char *end = NULL;
	size_t n = 0;
	if (textlen % 4 != 0)
		return ST_FORMAT;
	/* libsodium 1.0.18 reads every byte 0x80-0xFF as '/': refuse any byte
	 * outside the alphabet first, or one byte string would have many
	 * accepted encodings (found by tests/fuzz/fuzz_tlog).  Where '='
	 * may stand is left to libsodium. */
	for (size_t i = 0; i < textlen; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '='))
			return ST_FORMAT;
	}
	if (sodium_base642bin(out, outcap, text, textlen, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + textlen)
		return ST_FORMAT;
	*outlen = n;
	return ST_OK;
}
