#include "signers.h"

#include <string.h>

const key_public *signers_enrolled(const entry *e)
{
	if ((e->action == ACT_GENESIS || e->action == ACT_KEY_ENROL) && e->nkeys == 1)
		return &e->keys[0].key;
	return NULL;
}

typedef struct lookup_ctx {
	note_key_lookup registry;
	void *ctx;
	const key_public *enrolling;
} lookup_ctx;

static const key_public *lookup(void *ctx, const char *name, size_t namelen,
				const uint8_t id[KEY_ID_LEN])
{
	const lookup_ctx *c = ctx;
	const key_public *k = c->registry(c->ctx, name, namelen, id);
	if (k != NULL)
		return k;
	k = c->enrolling;
	if (k != NULL && strlen(k->name) == namelen && memcmp(k->name, name, namelen) == 0 &&
	    memcmp(k->id, id, KEY_ID_LEN) == 0)
		return k;
	return NULL;
}

/* note_verify's counting without the Ed25519 checks. */
static status match(const note *n, lookup_ctx *c, size_t need, const key_public **got,
		    size_t *ngot, errbuf *err)
{
	*ngot = 0;
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		const key_public *k = lookup(c, s->name, s->namelen, s->id);
		if (k == NULL)
			continue;
		size_t j = 0;
		while (j < *ngot && memcmp(got[j]->pk, k->pk, KEY_PK_LEN) != 0)
			j++;
		if (j == *ngot)
			got[(*ngot)++] = k;
	}
	if (*ngot == 0)
		return err_set(err, ST_NOSIG, "no signature from a trusted key");
	if (*ngot < need)
		return err_set(err, ST_NOSIG, "signed by %zu distinct trusted key%s, %zu needed",
			       *ngot, *ngot == 1 ? "" : "s", need);
	return ST_OK;
}

status signers_check(const entry *e, const note *n, note_key_lookup registry, void *ctx,
		     bool verify, const key_public **signers, size_t *nsigners, errbuf *err)
{
	lookup_ctx c = {registry, ctx, signers_enrolled(e)};
	size_t need = entry_required_signers(e);
	if (verify)
		return note_verify(n, lookup, &c, need, signers, nsigners, err);
	return match(n, &c, need, signers, nsigners, err);
}

status signers_verify_entry(const char *buf, size_t len, note_key_lookup registry, void *ctx,
			    note *n, entry *e, const key_public **signers, size_t *nsigners,
			    errbuf *err)
{
	memset(e, 0, sizeof *e);
	*nsigners = 0;
	errbuf why = {0};
	if (len > ENTRY_NOTE_MAX)
		return err_set(err, ST_TOOBIG, "the note is longer than %d bytes", ENTRY_NOTE_MAX);
	status st = note_parse(buf, len, n, &why);
	if (st != ST_OK)
		return err_set(err, st, "the note is not a signed note: %s", err_text(&why, st));
	st = entry_parse(n->text, n->textlen, e, &why);
	if (st != ST_OK)
		return err_set(err, st, "the note is not a canonical custos entry: %s",
			       err_text(&why, st));
	st = signers_check(e, n, registry, ctx, true, signers, nsigners, &why);
	if (st != ST_OK)
		return err_set(err, st, "entry %llu (%s): %s", (unsigned long long)e->index,
			       entry_action_name(e->action), err_text(&why, st));
	return ST_OK;
}
