/* policy.c: C2SP tlog-policy files and checking checkpoints against them.
 * See policy.h for the grammar.  Decisions beyond the spec: URLs are
 * accepted and ignored (the verifier is offline); the file must end in a
 * newline; names are at most POLICY_NAME_MAX bytes. */
#include "policy.h"
#include "rfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS (3 + POLICY_MAX_MEMBERS + 1)

typedef struct word {
	const char *s;
	size_t len;
} word;

static bool word_is(const word *w, const char *lit)
{
	return w->len == strlen(lit) && memcmp(w->s, lit, w->len) == 0;
}

/* Find a defined witness or group by name. */
static bool lookup_name(const policy *p, const word *w, policy_ref *out)
{
	for (size_t i = 0; i < p->nwitnesses; i++)
		if (strlen(p->witnesses[i].name) == w->len &&
		    memcmp(p->witnesses[i].name, w->s, w->len) == 0) {
			*out = (policy_ref){false, i};
			return true;
		}
	for (size_t i = 0; i < p->ngroups; i++)
		if (strlen(p->groups[i].name) == w->len &&
		    memcmp(p->groups[i].name, w->s, w->len) == 0) {
			*out = (policy_ref){true, i};
			return true;
		}
	return false;
}

static status new_name(const policy *p, const word *w, size_t line, char *dst, errbuf *err)
{
	policy_ref r;
	if (w->len > POLICY_NAME_MAX)
		return err_set(err, ST_FORMAT, "line %zu: name longer than %d bytes", line,
			       POLICY_NAME_MAX);
	if (word_is(w, "none"))
		return err_set(err, ST_FORMAT, "line %zu: the name none is reserved", line);
	if (lookup_name(p, w, &r))
		return err_set(err, ST_FORMAT, "line %zu: the name %.*s is already defined", line,
			       (int)w->len, w->s);
	memcpy(dst, w->s, w->len);
	dst[w->len] = '\0';
	return ST_OK;
}

static status parse_line(policy *p, const word *w, size_t nw, size_t line, bool *have_quorum,
			 errbuf *err)
{
	errbuf e = {0};
	if (word_is(&w[0], "log")) {
		if (nw < 2 || nw > 3)
			return err_set(err, ST_FORMAT, "line %zu: expected: log <vkey> [<url>]", line);
		if (p->nlogs == POLICY_MAX_LOGS)
			return err_set(err, ST_FORMAT, "line %zu: more than %d logs", line,
				       POLICY_MAX_LOGS);
		key_public k;
		if (key_vkey_parse(w[1].s, w[1].len, &k, &e) != ST_OK)
			return err_set(err, ST_FORMAT, "line %zu: log key: %s", line, e.msg);
		for (size_t i = 0; i < p->nlogs; i++)
			if (memcmp(p->logs[i].pk, k.pk, KEY_PK_LEN) == 0)
				return err_set(err, ST_FORMAT,
					       "line %zu: this log key is already listed", line);
		p->logs[p->nlogs++] = k;
		return ST_OK;
	}
	if (word_is(&w[0], "witness")) {
		if (nw < 3 || nw > 4)
			return err_set(err, ST_FORMAT,
				       "line %zu: expected: witness <name> <vkey> [<url>]", line);
		if (p->nwitnesses == POLICY_MAX_WITNESSES)
			return err_set(err, ST_FORMAT, "line %zu: more than %d witnesses", line,
				       POLICY_MAX_WITNESSES);
		policy_witness *wi = &p->witnesses[p->nwitnesses];
		status st = new_name(p, &w[1], line, wi->name, err);
		if (st != ST_OK)
			return st;
		if (tlog_cosig_vkey_parse(w[2].s, w[2].len, &wi->key, &e) != ST_OK)
			return err_set(err, ST_FORMAT, "line %zu: witness key: %s", line, e.msg);
		for (size_t i = 0; i < p->nwitnesses; i++)
			if (memcmp(p->witnesses[i].key.pk, wi->key.pk, KEY_PK_LEN) == 0)
				return err_set(err, ST_FORMAT,
					       "line %zu: this witness key is already listed (as %s)",
					       line, p->witnesses[i].name);
		p->nwitnesses++;
		return ST_OK;
	}
	if (word_is(&w[0], "group")) {
		if (nw < 4)
			return err_set(err, ST_FORMAT,
				       "line %zu: expected: group <name> <k|all|any> <member>...",
				       line);
		if (p->ngroups == POLICY_MAX_GROUPS)
			return err_set(err, ST_FORMAT, "line %zu: more than %d groups", line,
				       POLICY_MAX_GROUPS);
		size_t nm = nw - 3;
		if (nm > POLICY_MAX_MEMBERS)
			return err_set(err, ST_FORMAT, "line %zu: more than %d members", line,
				       POLICY_MAX_MEMBERS);
		policy_group *g = &p->groups[p->ngroups];
		memset(g, 0, sizeof *g);
		status st = new_name(p, &w[1], line, g->name, err);
		if (st != ST_OK)
			return st;
		if (word_is(&w[2], "all")) {
			g->k = nm;
		} else if (word_is(&w[2], "any")) {
			g->k = 1;
		} else {
			size_t k = 0;
			bool ok = w[2].len > 0 && w[2].len <= 6 && w[2].s[0] != '0';
			for (size_t i = 0; ok && i < w[2].len; i++) {
				ok = w[2].s[i] >= '0' && w[2].s[i] <= '9';
				k = k * 10 + (size_t)(w[2].s[i] - '0');
			}
			if (!ok)
				return err_set(err, ST_FORMAT,
					       "line %zu: threshold must be all, any or a decimal "
					       "number from 1", line);
			if (k > nm)
				return err_set(err, ST_FORMAT,
					       "line %zu: threshold %zu is more than the %zu members",
					       line, k, nm);
			g->k = k;
		}
		for (size_t i = 0; i < nm; i++) {
			const word *m = &w[3 + i];
			policy_ref r;
			if (word_is(m, "none"))
				return err_set(err, ST_FORMAT,
					       "line %zu: none cannot be a group member", line);
			if (!lookup_name(p, m, &r))
				return err_set(err, ST_FORMAT,
					       "line %zu: member %.*s is not defined on an earlier line",
					       line, (int)(m->len > 64 ? 64 : m->len), m->s);
			for (size_t j = 0; j < i; j++)
				if (g->members[j].is_group == r.is_group &&
				    g->members[j].index == r.index)
					return err_set(err, ST_FORMAT,
						       "line %zu: member %.*s is listed twice", line,
						       (int)(m->len > 64 ? 64 : m->len), m->s);
			g->members[i] = r;
		}
		g->nmembers = nm;
		p->ngroups++;
		return ST_OK;
	}
	if (word_is(&w[0], "quorum")) {
		if (nw != 2)
			return err_set(err, ST_FORMAT, "line %zu: expected: quorum <name|none>", line);
		if (*have_quorum)
			return err_set(err, ST_FORMAT, "line %zu: a second quorum line", line);
		*have_quorum = true;
		if (word_is(&w[1], "none")) {
			p->quorum_none = true;
			return ST_OK;
		}
		if (!lookup_name(p, &w[1], &p->quorum))
			return err_set(err, ST_FORMAT,
				       "line %zu: quorum %.*s is not defined on an earlier line", line,
				       (int)(w[1].len > 64 ? 64 : w[1].len), w[1].s);
		return ST_OK;
	}
	return err_set(err, ST_FORMAT,
		       "line %zu: unknown keyword %.*s (expected log, witness, group or quorum)",
		       line, (int)(w[0].len > 32 ? 32 : w[0].len), w[0].s);
}

status policy_parse(const char *text, size_t len, policy *p, errbuf *err)
{
	memset(p, 0, sizeof *p);
	bool have_quorum = false;
	const char *s = text, *end = text + len;
	size_t line = 0;
	while (s < end) {
		line++;
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			return err_set(err, ST_FORMAT, "line %zu: no newline at the end of the file",
				       line);
		word w[MAX_WORDS];
		size_t nw = 0;
		for (const char *c = s; c < nl;) {
			unsigned char ch = (unsigned char)*c;
			if (ch == ' ' || ch == '\t') {
				c++;
				continue;
			}
			const char *b = c;
			while (c < nl && *c != ' ' && *c != '\t') {
				unsigned char x = (unsigned char)*c;
				if (x < 0x20 || x == 0x7F)
					return err_set(err, ST_FORMAT,
						       "line %zu: control character 0x%02x", line, x);
				c++;
			}
			if (nw == 0 && *b == '#')
				break; /* a comment: the rest of the line is free text */
			if (nw == MAX_WORDS)
				return err_set(err, ST_FORMAT, "line %zu: too many words", line);
			w[nw++] = (word){b, (size_t)(c - b)};
		}
		/* Comments may hold any allowed byte; check them too. */
		for (const char *c = s; c < nl; c++) {
			unsigned char x = (unsigned char)*c;
			if ((x < 0x20 && x != '\t') || x == 0x7F)
				return err_set(err, ST_FORMAT, "line %zu: control character 0x%02x",
					       line, x);
		}
		if (nw > 0) {
			status st = parse_line(p, w, nw, line, &have_quorum, err);
			if (st != ST_OK)
				return st;
		}
		s = nl + 1;
	}
	if (!have_quorum)
		return err_set(err, ST_FORMAT, "no quorum line (use \"quorum none\" for none)");
	return ST_OK;
}

status policy_load(const char *path, policy *p, errbuf *err)
{
	char *text = NULL;
	size_t n = 0;
	status st = rfile_read(path, POLICY_FILE_MAX, true, &text, &n, err);
	if (st != ST_OK)
		return st;
	errbuf e = {0};
	st = policy_parse(text, n, p, &e);
	if (st != ST_OK)
		err_set(err, st, "%s: %s", path, e.msg);
	free(text);
	return st;
}

/* Each group is evaluated once, in the order of the file: a group's members
 * are witnesses and groups defined before it (policy_parse sees to that), so
 * their results are known by then.  Evaluating a group afresh wherever it is
 * a member would walk every path through shared subgroups, exponentially
 * many (a group listing the two groups before it, 64 deep, never returns). */
bool policy_quorum_met(const policy *p, const bool *witnessed)
{
	if (p->quorum_none)
		return true;
	bool met[POLICY_MAX_GROUPS] = {false};
	for (size_t g = 0; g < p->ngroups; g++) {
		const policy_group *gr = &p->groups[g];
		size_t n = 0;
		for (size_t i = 0; i < gr->nmembers; i++) {
			policy_ref r = gr->members[i];
			if (r.is_group)
				n += r.index < g && met[r.index];
			else
				n += witnessed[r.index];
		}
		met[g] = n >= gr->k;
	}
	return p->quorum.is_group ? met[p->quorum.index] : witnessed[p->quorum.index];
}

status policy_check_log(const policy *p, const note *n, const tlog_checkpoint *cp,
			const key_public **log, errbuf *err)
{
	key_public named[POLICY_MAX_LOGS];
	size_t nnamed = 0;
	for (size_t i = 0; i < p->nlogs; i++)
		if (strcmp(p->logs[i].name, cp->origin) == 0)
			named[nnamed++] = p->logs[i];
	if (nnamed == 0)
		return err_set(err, ST_NOSIG, "the policy has no log key named for origin %s",
			       cp->origin);
	note_keyset ks = {named, nnamed};
	const key_public *signers[NOTE_MAX_SIGS];
	size_t nsigners = 0;
	errbuf e = {0};
	status st = note_verify(n, note_keyset_lookup, &ks, 1, signers, &nsigners, &e);
	if (st != ST_OK)
		return err_set(err, st, "checkpoint signature by the log: %s", err_text(&e, st));
	for (size_t i = 0; log != NULL && i < p->nlogs; i++)
		if (memcmp(p->logs[i].pk, signers[0]->pk, KEY_PK_LEN) == 0)
			*log = &p->logs[i];
	return ST_OK;
}

status policy_check_checkpoint(const policy *p, const char *in, size_t len,
			       tlog_checkpoint *cp, policy_result *res, errbuf *err)
{
	policy_result local;
	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	note *n = malloc(sizeof *n);
	if (n == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = tlog_checkpoint_parse(in, len, cp, n, err);
	if (st != ST_OK)
		goto out;
	errbuf e = {0};
	if ((st = policy_check_log(p, n, cp, &res->log, err)) != ST_OK)
		goto out;
	for (size_t i = 0; i < p->nwitnesses; i++) {
		st = tlog_cosig_verify(&p->witnesses[i].key, n, &res->cosig_time[i], &e);
		if (st == ST_OK) {
			res->cosigned[i] = true;
			res->ncosigned++;
		} else if (st != ST_NOSIG) {
			st = err_set(err, st, "witness %s: %s", p->witnesses[i].name, e.msg);
			goto out;
		}
	}
	st = ST_OK;
	if (!policy_quorum_met(p, res->cosigned))
		st = err_set(err, ST_NOSIG,
			     "witness quorum not met: %zu of %zu witnesses cosigned this checkpoint",
			     res->ncosigned, p->nwitnesses);
out:
	free(n);
	return st;
}
