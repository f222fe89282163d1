/* view_help.c: the `?` screen, generated from the action table for the
 * screen it was opened from, so it always tells the truth about the keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

typedef struct help_state {
	unsigned kind;
	char lines[A__COUNT][256];
	bool refused[A__COUNT];
	size_t n;
	int top;
} help_state;

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case TUI_V_DASHBOARD: return "Dashboard";
	case TUI_V_HOLDINGS: return "Holdings";
	case TUI_V_ITEM: return "Item";
	case TUI_V_TXNS: return "Transactions";
	case TUI_V_INCIDENTS: return "Incidents";
	case TUI_V_PEOPLE: return "People";
	case TUI_V_LOG: return "Log";
	case TUI_V_FORM: return "a form";
	case TUI_V_SCAN: return "scanning (every printable key, ? and q too, goes into the scan line)";
	case TUI_V_RECON: return "the reconciliation";
	default: return "Help";
	}
}

typedef struct fill_ctx {
	help_state *h;
	unsigned roles;
} fill_ctx;

static void add_line(void *ctx, tui_action a, const char *text)
{
	fill_ctx *c = ctx;
	if (c->h->n >= A__COUNT)
		return;
	view_copy(c->h->lines[c->h->n], sizeof c->h->lines[0], text);
	c->h->refused[c->h->n] = !tui_action_allowed(a, c->roles);
	c->h->n++;
}

static status help_open(tui_app *app, tui_view *v, const void *arg, errbuf *err)
{
	help_state *h = calloc(1, sizeof *h);
	if (h == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	h->kind = arg ? *(const unsigned *)arg : TUI_V_DASHBOARD;
	if (h->kind == TUI_V_HELP)
		h->kind = TUI_V_DASHBOARD;
	fill_ctx c = {h, tui_roles(app)};
	tui_help_lines(h->kind, c.roles, add_line, &c);
	v->state = h;
	return ST_OK;
}

static void help_draw(tui_app *app, tui_view *v, const tui_rect *r)
{
	help_state *h = v->state;
	char title[160];
	snprintf(title, sizeof title, "Keys of %s (Esc or q: back)", kind_name(h->kind));
	tui_text(r->y, r->x, r->w, title, tui_attr(app, TUI_S_HEADER), true);
	int visible = r->h - 1;
	if (h->top > (int)h->n - visible)
		h->top = (int)h->n - visible;
	if (h->top < 0)
		h->top = 0;
	for (int i = 0; i < visible; i++) {
		size_t k = (size_t)(h->top + i);
		if (k >= h->n)
			break;
		tui_text(r->y + 1 + i, r->x + 1, r->w - 1, h->lines[k],
			 tui_attr(app, h->refused[k] ? TUI_S_DIM : TUI_S_NORMAL), true);
	}
}

static tui_result help_key(tui_app *app, tui_view *v, int key, tui_action a)
{
	(void)app;
	(void)key;
	help_state *h = v->state;
	int page = v->page_rows;
	switch (a) {
	case A_UP: h->top--; return TUI_HANDLED;
	case A_DOWN: h->top++; return TUI_HANDLED;
	case A_PGUP: h->top -= page; return TUI_HANDLED;
	case A_PGDN: h->top += page; return TUI_HANDLED;
	case A_HOME: h->top = 0; return TUI_HANDLED;
	case A_END: h->top = (int)h->n; return TUI_HANDLED;
	case A_HELP: return TUI_POP;
	default: return TUI_UNHANDLED;
	}
}

static void help_done(tui_app *app, tui_view *v)
{
	(void)app;
	free(v->state);
}

const tui_view_ops view_help_ops = {
	.name = "Help",
	.kind = TUI_V_HELP,
	.open = help_open,
	.draw = help_draw,
	.key = help_key,
	.done = help_done,
};
