#include "safeprint.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

static int is_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || utf8_is_layout_control(cp);
}

void safe_fputs(const char *s, FILE *f)
{
	safe_fputs_max(s, SIZE_MAX, f);
}

void safe_fputs_max(const char *s, size_t max, FILE *f)
{
	size_t len = strnlen(s, max == SIZE_MAX ? SIZE_MAX : max + 1);
	bool cut = len > max;
	if (cut)
		len = max;
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
	if (cut)
		fprintf(f, "... (%zu bytes in all)", strlen(s));
}
