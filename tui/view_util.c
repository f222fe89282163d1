/* view_util.c: small helpers shared by the screens (see views.h). */
#include "views.h"

#include "../src/query.h"

#include <stdio.h>
#include <string.h>

int view_scroll(int cursor, int n, int visible, int *top)
{
	if (visible < 1)
		visible = 1;
	if (cursor < 0)
		cursor = 0;
	if (*top > cursor)
		*top = cursor;
	if (cursor >= *top + visible)
		*top = cursor - visible + 1;
	if (*top > n - visible)
		*top = n - visible;
	if (*top < 0)
		*top = 0;
	return *top;
}

bool view_list_move(tui_app *app, tui_action a, int page_rows, void *state, int *cursor,
		    const int *n, const char *next, view_page_fn page)
{
	char after[QUERY_CURSOR_MAX];
	switch (a) {
	case A_UP: (*cursor)--; break;
	case A_DOWN: (*cursor)++; break;
	case A_PGUP: *cursor -= page_rows; break;
	case A_PGDN: *cursor += page_rows; break;
	case A_HOME: *cursor = 0; break;
	case A_END:
		while (next[0] != '\0') {
			snprintf(after, sizeof after, "%s", next);
			if (page(app, state, after) != ST_OK)
				break;
		}
		*cursor = *n - 1;
		break;
	default:
		return false;
	}
	if (*cursor >= *n && next[0] != '\0') {
		snprintf(after, sizeof after, "%s", next);
		(void)page(app, state, after);
	}
	if (*cursor >= *n)
		*cursor = *n - 1;
	if (*cursor < 0)
		*cursor = 0;
	return true;
}

const char *view_duration(int64_t s, char *buf, size_t cap)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, cap, "%lld d %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, cap, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, cap, "%lld min", (long long)(s / 60));
	return buf;
}

const char *view_time(const char *t, char *buf, size_t cap)
{
	/* "2026-01-31T12:00:00.000000Z" -> "2026-01-31 12:00" */
	if (t == NULL || strlen(t) < 16) {
		snprintf(buf, cap, "%s", t ? t : "");
		return buf;
	}
	snprintf(buf, cap, "%.10s %.5s", t, t + 11);
	return buf;
}

static const struct {
	const char *status, *word;
	tui_style style;
} statuses[] = {
	{"on_hand", "+ on hand", TUI_S_OK},
	{"issued", "> issued", TUI_S_NORMAL},
	{"in_transit", "~ in transit", TUI_S_WARN},
	{"incident", "! incident", TUI_S_ERROR},
	{"transferred", "- transferred", TUI_S_DIM},
	{"destroyed", "x destroyed", TUI_S_DIM},
	{"relieved", "- relieved", TUI_S_DIM},
};

const char *view_status_word(const char *s)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcmp(s, statuses[i].status) == 0)
			return statuses[i].word;
	return s;
}

tui_style view_status_style(const char *s)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcmp(s, statuses[i].status) == 0)
			return statuses[i].style;
	return TUI_S_NORMAL;
}

void view_copy(char *dst, size_t cap, const char *s)
{
	if (cap == 0)
		return;
	size_t n = s ? strlen(s) : 0;
	if (n >= cap) {
		n = cap - 1;
		/* back off a cut UTF-8 sequence */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}
