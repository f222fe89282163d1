#include "safeprint.h"

#include <string.h>

#include "utf8.h"

static int is_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || utf8_is_bidi_control(cp);
}

void safe_fputs(const char *s, FILE *f)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			fprintf(f, "\\x%02x", (unsigned char)s[i]);
			i++;
		} else if (is_unsafe(cp)) {
			fprintf(f, cp < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
			i += n;
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
}
