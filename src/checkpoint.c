/* checkpoint.c: checkpoints and cosignatures on the database side (see
 * checkpoint.h and sql/004_checkpoints.sql). */
#include "checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/keyfile.h"
#include "b64.h"
#include "buf.h"
#include "note.h"
#include "policy.h"
#include "tlog.h"

/* A note's signature lines start here: after the text, "\n" then "— ". */
static const char EM_DASH[] = "\xe2\x80\x94 ";

status checkpoint_key_set(db *d, const char *vkey, errbuf *err)
{
	key_public pub;
	status st = key_vkey_parse(vkey, strlen(vkey), &pub, err);
	if (st != ST_OK)
		return st == ST_NOMEM ? st : ST_USAGE;
	const char *p[] = {vkey};
	st = db_exec(d, "SELECT custos.log_key_set($1)", 1, p, NULL, err);
	if (st == ST_DB && strcmp(db_sqlstate(d), "P0001") == 0)
		return ST_USAGE; /* the server's RAISE names what is wrong */
	return st;
}

status checkpoint_witness_add(db *d, const char *vkey, bool *added, errbuf *err)
{
	key_public pub;
	status st = tlog_cosig_vkey_parse(vkey, strlen(vkey), &pub, err);
	if (st != ST_OK)
		return st == ST_NOMEM ? st : ST_USAGE;
	const char *p[] = {vkey};
	PGresult *r = NULL;
	st = db_exec(d, "SELECT custos.witness_add($1)", 1, p, &r, err);
	if (st == ST_OK)
		*added = strcmp(db_val(r, 0, 0), "t") == 0;
	PQclear(r);
	if (st == ST_REFUSED)
		return ST_USAGE; /* the server's parser names what is wrong */
	return st;
}

status checkpoint_witnesses(db *d, bool (*fn)(void *ctx, const char *vkey, const char *by,
					       const char *at),
			    void *ctx, errbuf *err)
{
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT vkey, added_by, added_at::text FROM custos.witness "
			       "ORDER BY name", 0, NULL, &r, err);
	if (st != ST_OK)
		return st;
	for (int i = 0; i < PQntuples(r); i++)
		if (!fn(ctx, db_val(r, i, 0), db_val(r, i, 1), db_val(r, i, 2)))
			break;
	PQclear(r);
	return ST_OK;
}

status checkpoint_key_get(db *d, key_public *out, errbuf *err)
{
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT vkey FROM custos.log_key", 0, NULL, &r, err);
	if (st != ST_OK)
		return st;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return err_set(err, ST_NOTFOUND, "no log key is registered: an administrator "
			       "registers it with custos log key set VKEY");
	}
	const char *v = db_val(r, 0, 0);
	st = key_vkey_parse(v, strlen(v), out, err);
	PQclear(r);
	return st;
}

status checkpoint_key_load(const char *path, int fd, key_secret **out, errbuf *err)
{
	*out = NULL;
	if (path == NULL || path[0] == '\0')
		path = getenv("CUSTOS_LOG_KEY");
	if (path == NULL || path[0] == '\0')
		return ST_OK;
	keyfile_pass how = {fd, "Passphrase of the log key ", ": "};
	keyfile_step step;
	status st = keyfile_unlock(path, &how, out, &step, err);
	if (st != ST_OK && step == KEYFILE_STEP_UNSEAL) {
		char why[200];
		snprintf(why, sizeof why, "%s", err_text(err, st));
		err_set(err, st, "log key file %s: %s", path, why);
	}
	return st;
}

/* The log key's signature on a checkpoint note must verify with the
 * registered key. */
static status verify_signed(const char *sn, size_t snlen, const key_public *reg, errbuf *err)
{
	note *n = malloc(sizeof *n);
	if (n == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	status st = note_parse(sn, snlen, n, err);
	if (st == ST_OK) {
		note_keyset ks = {reg, 1};
		st = note_verify(n, note_keyset_lookup, &ks, 1, NULL, NULL, err);
	}
	free(n);
	return st;
}

status checkpoint_make(db *d, const key_secret *log_key, checkpoint_made *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	key_public reg;
	const key_public *mine = key_secret_public(log_key);
	PGresult *r = NULL;
	char *body = NULL, *sn = NULL;
	size_t bodylen = 0, snlen = 0;
	status st = db_begin(d, err);
	if (st != ST_OK)
		return st;
	if ((st = checkpoint_key_get(d, &reg, err)) != ST_OK)
		goto out;
	if (strcmp(reg.name, mine->name) != 0 || memcmp(reg.pk, mine->pk, KEY_PK_LEN) != 0) {
		char v[KEY_VKEY_MAX + 1];
		key_vkey_format(&reg, v);
		st = err_set(err, ST_BADSIG, "the key %.128s is not the registered log key %s",
			     mine->name, v);
		goto out;
	}
	if ((st = db_exec(d, "SELECT origin, size, (SELECT count(*) FROM custos.checkpoint c "
			     "WHERE c.size = h.size) FROM custos.log_head h", 0, NULL, &r, err)) != ST_OK)
		goto out;
	if (PQntuples(r) != 1 || db_int(r, 0, 1) < 1) {
		st = err_set(err, ST_NOTFOUND, "the log has no entries yet: run custos db init");
		goto out;
	}
	out->size = (uint64_t)db_int(r, 0, 1);
	char origin[KEY_NAME_MAX + 1];
	snprintf(origin, sizeof origin, "%s", db_val(r, 0, 0));
	bool exists = db_int(r, 0, 2) > 0;
	PQclear(r);
	r = NULL;
	char sz[24];
	snprintf(sz, sizeof sz, "%" PRIu64, out->size);
	const char *p[] = {sz, NULL};
	if ((st = db_exec(d, exists ? "SELECT encode(root, 'base64') FROM custos.checkpoint "
				      "WHERE size = $1::bigint"
				    : "SELECT encode(custos.checkpoint_root($1::bigint), 'base64')",
			  1, p, &r, err)) != ST_OK)
		goto out;
	snprintf(out->root_b64, sizeof out->root_b64, "%s", db_val(r, 0, 0));
	if (exists) {
		st = db_commit(d, err);
		PQclear(r);
		return st;
	}
	merkle_hash root;
	size_t rl = 0;
	if (strlen(out->root_b64) != 44 ||
	    b64_decode(out->root_b64, 44, root, sizeof root, &rl) != ST_OK || rl != 32) {
		st = err_set(err, ST_DB, "the server returned a malformed root");
		goto out;
	}
	if ((st = tlog_checkpoint_body(origin, out->size, root, &body, &bodylen, err)) != ST_OK)
		goto out;
	const key_secret *keys[] = {log_key};
	if ((st = note_sign(body, bodylen, keys, 1, &sn, &snlen, err)) != ST_OK)
		goto out;
	/* Check what we made before anyone relies on it. */
	if ((st = verify_signed(sn, snlen, &reg, err)) != ST_OK) {
		char why[200];
		snprintf(why, sizeof why, "%s", err_text(err, st));
		st = err_set(err, ST_BADSIG, "the new checkpoint does not verify: %s", why);
		goto out;
	}
	PQclear(r);
	r = NULL;
	p[0] = sn;
	p[1] = sz;
	if ((st = db_exec(d, "SELECT custos.checkpoint_store(convert_to($1, 'UTF8'), $2::bigint)",
			  2, p, &r, err)) != ST_OK)
		goto out;
	out->stored = strcmp(db_val(r, 0, 0), "t") == 0;
	st = db_commit(d, err);
out:
	if (st != ST_OK)
		db_rollback(d);
	PQclear(r);
	free(body);
	free(sn);
	return st;
}

status checkpoint_due(db *d, checkpoint_due_info *out, errbuf *err)
{
	memset(out, 0, sizeof *out);
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT due, size, last_size, two_person_idx, interval_entries, "
			       "coalesce(to_char(due_at AT TIME ZONE 'UTC', "
			       "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '') FROM custos.checkpoint_due()",
			    0, NULL, &r, err);
	if (st != ST_OK)
		return st;
	out->due = strcmp(db_val(r, 0, 0), "t") == 0;
	out->size = (uint64_t)db_int(r, 0, 1);
	out->last_size = (uint64_t)db_int(r, 0, 2);
	out->two_person = !db_null(r, 0, 3);
	out->two_person_idx = (uint64_t)db_int(r, 0, 3);
	out->interval = (uint64_t)db_int(r, 0, 4);
	snprintf(out->due_at, sizeof out->due_at, "%s", db_val(r, 0, 5));
	PQclear(r);
	return ST_OK;
}

status checkpoint_after_submit(db *d, const key_secret *log_key, checkpoint_made *made,
			       errbuf *err)
{
	checkpoint_made m = {0};
	if (made != NULL)
		*made = m;
	if (log_key == NULL)
		return ST_OK;
	checkpoint_due_info due;
	status st = checkpoint_due(d, &due, err);
	if (st != ST_OK || !due.due)
		return st;
	st = checkpoint_make(d, log_key, &m, err);
	if (st == ST_OK && made != NULL)
		*made = m;
	return st;
}

/* ---- cosignatures ------------------------------------------------------------ */

/* One signature line of a parsed note, rebuilt as its bytes without the
 * newline ("— name b64"). */
static void sigline_text(const note_sigline *s, buf *b)
{
	b->len = 0;
	buf_puts(b, EM_DASH);
	buf_append(b, s->name, s->namelen);
	buf_append(b, " ", 1);
	buf_append(b, s->b64, s->b64len);
}

/* The policy's witness with this signature line's name and cosigner key ID. */
static const key_public *witness_of(const policy *pol, const note_sigline *s)
{
	for (size_t i = 0; i < pol->nwitnesses; i++) {
		const key_public *k = &pol->witnesses[i].key;
		if (strlen(k->name) == s->namelen && memcmp(k->name, s->name, s->namelen) == 0 &&
		    memcmp(k->id, s->id, KEY_ID_LEN) == 0)
			return k;
	}
	return NULL;
}

status checkpoint_cosign(db *d, const char *text, size_t len, const char *policy_path,
			 uint64_t *size, size_t *added, errbuf *err)
{
	*size = 0;
	*added = 0;
	note *n = malloc(sizeof *n);
	policy *pol = NULL;
	PGresult *r = NULL;
	buf line = {0};
	if (n == NULL)
		return err_set(err, ST_NOMEM, "out of memory");
	tlog_checkpoint cp;
	status st = tlog_checkpoint_parse(text, len, &cp, n, err);
	if (st != ST_OK)
		goto out;
	if (policy_path != NULL) {
		if ((pol = malloc(sizeof *pol)) == NULL) {
			st = err_set(err, ST_NOMEM, "out of memory");
			goto out;
		}
		if ((st = policy_load(policy_path, pol, err)) != ST_OK)
			goto out;
	}
	key_public reg;
	if ((st = db_begin(d, err)) != ST_OK)
		goto out;
	if ((st = checkpoint_key_get(d, &reg, err)) != ST_OK)
		goto out;
	char sz[24];
	snprintf(sz, sizeof sz, "%" PRIu64, cp.size);
	const char *p[] = {sz, NULL};
	if ((st = db_exec(d, "SELECT convert_from(note, 'UTF8') FROM custos.checkpoint "
			     "WHERE size = $1::bigint", 1, p, &r, err)) != ST_OK)
		goto out;
	const char *stored = PQntuples(r) == 1 ? db_val(r, 0, 0) : NULL;
	if (stored == NULL || strlen(stored) < n->textlen + 1 ||
	    memcmp(stored, n->text, n->textlen) != 0 || stored[n->textlen] != '\n') {
		st = err_set(err, ST_REFUSED, "the note's checkpoint (size %" PRIu64 ") is not the "
			     "one stored for that size: its text differs", cp.size);
		goto out;
	}
	PQclear(r);
	r = NULL;
	/* First judge every line, then store: all or nothing. */
	bool take[NOTE_MAX_SIGS] = {false};
	for (size_t i = 0; i < n->nsigs; i++) {
		const note_sigline *s = &n->sigs[i];
		if (s->namelen == strlen(reg.name) && memcmp(s->name, reg.name, s->namelen) == 0 &&
		    memcmp(s->id, reg.id, KEY_ID_LEN) == 0)
			continue; /* the log key's own signature */
		uint8_t raw[TLOG_COSIG_LEN + 1];
		size_t rl = 0;
		if (b64_decode(s->b64, s->b64len, raw, sizeof raw, &rl) != ST_OK ||
		    rl != TLOG_COSIG_LEN) {
			st = err_set(err, ST_FORMAT, "signature line %zu (%.*s) is not a "
				     "tlog-cosignature/v1 cosignature", i + 1,
				     (int)(s->namelen > 64 ? 64 : s->namelen), s->name);
			goto out;
		}
		if (pol != NULL) {
			const key_public *w = witness_of(pol, s);
			if (w == NULL) {
				st = err_set(err, ST_NOSIG, "signature line %zu: %.*s is not a "
					     "witness of the policy %s", i + 1,
					     (int)(s->namelen > 64 ? 64 : s->namelen), s->name,
					     policy_path);
				goto out;
			}
			/* Only this one line: the witness may have cosigned twice. */
			note one = *n;
			one.nsigs = 1;
			one.sigs[0] = *s;
			if ((st = tlog_cosig_verify(w, &one, NULL, err)) != ST_OK) {
				char why[160];
				snprintf(why, sizeof why, "%s", err_text(err, st));
				st = err_set(err, ST_BADSIG, "signature line %zu by %s: %s", i + 1,
					     w->name, why);
				goto out;
			}
		}
		take[i] = true;
	}
	for (size_t i = 0; i < n->nsigs; i++) {
		if (!take[i])
			continue;
		sigline_text(&n->sigs[i], &line);
		if ((st = buf_status(&line)) != ST_OK)
			goto out;
		p[1] = line.data;
		if ((st = db_exec(d, "SELECT custos.cosignature_add($1::bigint, convert_to($2, 'UTF8'))",
				  2, p, &r, err)) != ST_OK)
			goto out;
		if (strcmp(db_val(r, 0, 0), "t") == 0)
			(*added)++;
		PQclear(r);
		r = NULL;
	}
	if ((st = db_commit(d, err)) == ST_OK)
		*size = cp.size;
out:
	if (st != ST_OK) {
		db_rollback(d);
		*added = 0;
	}
	PQclear(r);
	buf_free(&line);
	free(pol);
	free(n);
	return st;
}

status checkpoint_note(db *d, uint64_t size, char **note_out, size_t *len, uint64_t *size_out,
		       errbuf *err)
{
	*note_out = NULL;
	*len = 0;
	*size_out = 0;
	char sz[24];
	snprintf(sz, sizeof sz, "%" PRIu64, size);
	const char *p[] = {size ? sz : NULL};
	PGresult *r = NULL;
	status st = db_exec(d, "SELECT c.size, convert_from(c.note, 'UTF8'), "
			       "coalesce((SELECT string_agg(convert_from(s.line, 'UTF8') || E'\\n', '' "
			       "ORDER BY s.added_at, s.line) FROM custos.cosignature s "
			       "WHERE s.size = c.size), '') "
			       "FROM custos.checkpoint c WHERE $1::bigint IS NULL OR c.size = $1::bigint "
			       "ORDER BY c.size DESC LIMIT 1", 1, p, &r, err);
	if (st != ST_OK)
		return st;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return size ? err_set(err, ST_NOTFOUND, "no checkpoint of size %" PRIu64 " is stored",
				      size)
			    : err_set(err, ST_NOTFOUND, "no checkpoint is stored yet: make one with "
				      "custos log checkpoint --log-key FILE");
	}
	buf b = {0};
	buf_puts(&b, db_val(r, 0, 1));
	buf_puts(&b, db_val(r, 0, 2));
	*size_out = (uint64_t)db_int(r, 0, 0);
	PQclear(r);
	if ((st = buf_status(&b)) != ST_OK) {
		buf_free(&b);
		return err_set(err, st, "out of memory");
	}
	*note_out = buf_take(&b, len);
	return ST_OK;
}

status checkpoint_list(db *d, uint64_t before, int limit,
		       void (*fn)(void *ctx, const checkpoint_row *row), void *ctx, errbuf *err)
{
	char b[24], l[16];
	snprintf(b, sizeof b, "%" PRIu64, before);
	snprintf(l, sizeof l, "%d", limit > 0 ? limit : 1000);
	for (;;) {
		const char *p[] = {before ? b : NULL, l};
		PGresult *r = NULL;
		status st = db_exec(d, "SELECT c.size, encode(c.root, 'base64'), "
				       "to_char(c.made_at AT TIME ZONE 'UTC', "
				       "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), c.made_by, "
				       "(SELECT count(*) FROM custos.cosignature s WHERE s.size = c.size), "
				       "coalesce((SELECT string_agg(DISTINCT s.name, ' ') "
				       "FROM custos.cosignature s WHERE s.size = c.size), '') "
				       "FROM custos.checkpoint c WHERE $1::bigint IS NULL OR c.size < $1::bigint "
				       "ORDER BY c.size DESC LIMIT $2::integer", 2, p, &r, err);
		if (st != ST_OK)
			return st;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			checkpoint_row row = {
				.size = (uint64_t)db_int(r, i, 0), .root_b64 = db_val(r, i, 1),
				.made_at = db_val(r, i, 2), .made_by = db_val(r, i, 3),
				.cosignatures = (size_t)db_int(r, i, 4), .witnesses = db_val(r, i, 5)};
			fn(ctx, &row);
			snprintf(b, sizeof b, "%" PRIu64, row.size);
			before = row.size;
		}
		PQclear(r);
		if (limit > 0 || n < 1000)
			return ST_OK;
	}
}
