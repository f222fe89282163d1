/* mkbundle: write an export bundle without the database, for the tests and
 * the benchmark of custos-verify.
 *
 *   mkbundle DIR [--entries N] [--variant V --fork-at M] [--cosigners K]
 *                [--checkpoints S1,S2,...] [--policy FILE] [--quorum Q]
 *                [--tamper KIND:INDEX] [--receipt INDEX] [--claim-size S]
 *
 * The log is replay-valid and made by the real code path (entry_format,
 * note_sign, the prev chain of leaf hashes), with TEST-ONLY keys whose
 * seeds are public (tests/testkey.h): genesis, two accounts, enrolments
 * (custodians, a witness, an alternate, a holder), then cycles of five
 * entries: receipt on 111111 of two items from the COR, transfer of both to
 * 222222, accept there, destruction of one (custodian and witness sign:
 * two-person), receipt on 222222 of a third item, which stays.  The
 * alternate of 111111 is revoked at entry 20 (when N > 20).  One entry in
 * five carries two signatures.  Deterministic: the same options write the
 * same bytes.
 *
 * DIR receives the bundle (docs/bundle.md): checkpoint (signed by the log
 * key, cosigned by the first K of three TEST-ONLY witnesses, default 2),
 * tile/entries, tile/<L>, checkpoints/<S> and consistency/<S> for each
 * size S of --checkpoints, log.vkey.  --policy writes a policy file (log
 * key, the three witnesses, `group w Q w1 w2 w3`, `quorum w`; Q default 2,
 * or `quorum none` with --quorum none).
 *
 * --variant V with --fork-at M: entries from index M on carry the text
 * "variant V", so two bundles with different V are two signed extensions of
 * one prefix (a fork).
 *
 * --claim-size S replaces the checkpoint by one of size S (the real root,
 * signed by the log key, no cosignatures): a lying log.
 *
 * --receipt INDEX writes DIR/receipt.tlog-proof (tlog-proof of entry INDEX
 * under the latest checkpoint), DIR/receipt.entry (the entry's signed note)
 * and DIR/receipt-extra.tlog-proof (the same with the entry in `extra`).
 *
 * --tamper KIND:INDEX, made while generating (the chain, tiles and
 * checkpoint stay consistent: the log key's holder did it):
 *   unenrolled   entry INDEX is a receipt signed by a key never enrolled
 *   revoked      entry INDEX is a receipt signed by the alternate, revoked
 *                at entry 20 (INDEX > 20)
 *   onesig       entry INDEX is a destruction with one signature
 * or made afterwards on the entry bundle files only:
 *   flip         one byte of entry INDEX's text changed
 *   delete       entry INDEX removed
 *   insert       a copy of entry INDEX inserted after it
 *   swap         entries INDEX and INDEX+1 swapped
 *
 * Prints key=value pairs: entries, signatures, two_signers, text_bytes_avg
 * (the mean signed text), root, and the seconds spent writing entry bundles
 * and hash tiles (each file written atomically: temporary file, fsync,
 * rename). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../keys/key.h"
#include "../src/b64.h"
#include "../src/entry.h"
#include "../src/merkle.h"
#include "../src/note.h"
#include "../src/sha.h"
#include "../src/tlog.h"
#include "testkey.h"

#define T0 INT64_C(1767603600000000) /* 2026-01-05T09:00:00Z */
#define SECOND INT64_C(1000000)
#define ORIGIN "custos.example/TEST-ONLY-bundle"
#define ACC_A "111111"
#define ACC_B "222222"
#define REVOKE_AT 20

enum { LOGKEY, ADMIN, ADMIN2, CUST_A, ALT_A, CUST_B, WIT_B, HOLD_A, OUTSIDER, W1, W2, W3, NK };
static const char *const names[NK] = {
	ORIGIN,
	"TEST-ONLY-admin",
	"TEST-ONLY-admin2",
	"TEST-ONLY-custodian",
	"TEST-ONLY-alternate",
	"TEST-ONLY-custodian2",
	"TEST-ONLY-witness",
	"TEST-ONLY-holder",
	"TEST-ONLY-outsider",
	"TEST-ONLY-witness-1",
	"TEST-ONLY-witness-2",
	"TEST-ONLY-witness-3",
};
static key_secret *K[NK];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mkbundle: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

typedef struct rec {
	char *data;
	size_t len;
} rec;

typedef struct gen {
	rec *recs;
	merkle_hash *leaves;
	uint64_t n, cap;
	uint64_t want;
	int variant;
	uint64_t fork_at;
	const char *tamper;
	uint64_t tamper_at;
	uint64_t signatures, two_signers, text_bytes;
	unsigned txn_a, txn_b, serial;
	unsigned held_b;      /* items received on B and still there */
	unsigned next_b;      /* the oldest of them */
} gen;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static entry_item kg(unsigned serial)
{
	entry_item it = {KIND_EQUIPMENT, 1, CLASS_S, false, 1, "", "", "KG-175D", 0, 0};
	snprintf(it.serial, sizeof it.serial, "X%07u", serial);
	return it;
}

/* Format, sign with signers[0..ns), append, advance the chain. */
static void append(gen *g, entry *e, const int *signers, size_t ns)
{
	snprintf(e->origin, sizeof e->origin, "%s", ORIGIN);
	e->index = g->n;
	if (g->n > 0)
		memcpy(e->prev, g->leaves[g->n - 1], SHA256_LEN);
	e->time_us = T0 + (int64_t)g->n * SECOND;
	if (g->variant && g->n >= g->fork_at && e->text == NULL) {
		char t[32];
		snprintf(t, sizeof t, "variant %d", g->variant);
		if (entry_set_text(e, t, strlen(t)) != ST_OK)
			die("out of memory");
	}
	char *text, *note_;
	size_t tl, nl;
	errbuf err = {0};
	if (entry_format(e, &text, &tl, &err) != ST_OK)
		die("entry %" PRIu64 ": entry_format: %s", g->n, err.msg);
	const key_secret *sk[2];
	for (size_t i = 0; i < ns; i++)
		sk[i] = K[signers[i]];
	if (note_sign(text, tl, sk, ns, &note_, &nl, &err) != ST_OK)
		die("entry %" PRIu64 ": note_sign: %s", g->n, err.msg);
	free(text);
	g->text_bytes += tl;
	entry_free(e);
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 1024;
		g->recs = realloc(g->recs, g->cap * sizeof *g->recs);
		g->leaves = realloc(g->leaves, g->cap * sizeof *g->leaves);
		if (g->recs == NULL || g->leaves == NULL)
			die("out of memory");
	}
	g->recs[g->n] = (rec){note_, nl};
	sha256_leaf(note_, nl, g->leaves[g->n]);
	g->n++;
	g->signatures += ns;
	g->two_signers += ns > 1;
}

static void txn(char *out, const char *acc, unsigned *counter)
{
	snprintf(out, ENTRY_TXN_MAX + 1, "%s-2026-%04u", acc, ++*counter);
}

static void key_entry(gen *g, entry_action a, int who, entry_role role, const char *acc,
		      int s1, int s2)
{
	entry e = {0};
	e.action = a;
	if (acc)
		snprintf(e.account, sizeof e.account, "%s", acc);
	e.nkeys = 1;
	e.keys[0].role = role;
	e.keys[0].key = *key_secret_public(K[who]);
	int sg[2] = {s1, s2};
	append(g, &e, sg, s2 < 0 ? 1 : 2);
}

static void add_items(entry *e, const unsigned *serials, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		entry_item it = kg(serials[i]);
		if (entry_add_item(e, &it) != ST_OK)
			die("out of memory");
	}
}

static void simple(gen *g, entry_action a, const char *acc, const char *peer, const char *ref,
		   const unsigned *serials, size_t nitems, int s1, int s2)
{
	entry e = {0};
	e.action = a;
	snprintf(e.account, sizeof e.account, "%s", acc);
	txn(e.txn, acc, strcmp(acc, ACC_A) == 0 ? &g->txn_a : &g->txn_b);
	if (peer)
		snprintf(e.peer, sizeof e.peer, "%s", peer);
	if (ref)
		snprintf(e.ref, sizeof e.ref, "%s", ref);
	add_items(&e, serials, nitems);
	if (a == ACT_DESTROY) { /* format v2: how, and under what direction */
		e.method = METHOD_SHRED;
		snprintf(e.authority, sizeof e.authority, "DIR-1");
	}
	int sg[2] = {s1, s2};
	append(g, &e, sg, s2 < 0 ? 1 : 2);
}

/* The generation-time tampering, at g->n == g->tamper_at: true if done. */
static bool tampered_entry(gen *g)
{
	if (g->tamper == NULL || g->n != g->tamper_at)
		return false;
	unsigned s = ++g->serial;
	if (strcmp(g->tamper, "unenrolled") == 0) {
		simple(g, ACT_RECEIPT, ACC_A, "COR", NULL, &s, 1, OUTSIDER, -1);
	} else if (strcmp(g->tamper, "revoked") == 0) {
		if (g->n <= REVOKE_AT)
			die("--tamper revoked needs an index after %d", REVOKE_AT);
		simple(g, ACT_RECEIPT, ACC_A, "COR", NULL, &s, 1, ALT_A, -1);
	} else if (strcmp(g->tamper, "onesig") == 0) {
		if (g->held_b == 0)
			die("--tamper onesig: nothing on hand at %s yet", ACC_B);
		unsigned d = g->next_b;
		simple(g, ACT_DESTROY, ACC_B, NULL, NULL, &d, 1, CUST_B, -1);
	} else {
		return false;
	}
	/* The generator's own bookkeeping goes on as if it had been valid. */
	return true;
}

/* One step of the cycle (step = 0..4). */
static void cycle_step(gen *g, unsigned step)
{
	static unsigned x, y, tr;
	static char trnum[ENTRY_TXN_MAX + 1];
	switch (step) {
	case 0: {
		x = ++g->serial;
		y = ++g->serial;
		unsigned s[2] = {x, y};
		simple(g, ACT_RECEIPT, ACC_A, "COR", NULL, s, 2, CUST_A, -1);
		break;
	}
	case 1: {
		unsigned s[2] = {x, y};
		tr = g->txn_a + 1;
		snprintf(trnum, sizeof trnum, "%s-2026-%04u", ACC_A, tr);
		simple(g, ACT_TRANSFER, ACC_A, ACC_B, NULL, s, 2, CUST_A, -1);
		break;
	}
	case 2: {
		unsigned s[2] = {x, y};
		simple(g, ACT_ACCEPT, ACC_B, ACC_A, trnum, s, 2, CUST_B, -1);
		break;
	}
	case 3:
		simple(g, ACT_DESTROY, ACC_B, NULL, NULL, &x, 1, CUST_B, WIT_B);
		break;
	case 4: {
		unsigned z = ++g->serial;
		simple(g, ACT_RECEIPT, ACC_B, "COR", NULL, &z, 1, CUST_B, -1);
		if (g->held_b++ == 0)
			g->next_b = z;
		break;
	}
	}
}

static void generate(gen *g)
{
	entry e = {0};
	key_entry(g, ACT_GENESIS, ADMIN, ROLE_ADMINISTRATOR, NULL, ADMIN, -1);
	const char *accs[2][2] = {{ACC_A, "First Signals Squadron"}, {ACC_B, "Second Signals Squadron"}};
	for (int i = 0; i < 2; i++) {
		e = (entry){0};
		e.action = ACT_ACCOUNT_OPEN;
		snprintf(e.account, sizeof e.account, "%s", accs[i][0]);
		if (entry_set_text(&e, accs[i][1], strlen(accs[i][1])) != ST_OK)
			die("out of memory");
		int sg[1] = {ADMIN};
		append(g, &e, sg, 1);
	}
	key_entry(g, ACT_KEY_ENROL, ADMIN2, ROLE_ADMINISTRATOR, NULL, ADMIN, ADMIN2);
	key_entry(g, ACT_KEY_ENROL, CUST_A, ROLE_CUSTODIAN, ACC_A, ADMIN, CUST_A);
	key_entry(g, ACT_KEY_ENROL, ALT_A, ROLE_ALTERNATE, ACC_A, ADMIN, ALT_A);
	key_entry(g, ACT_KEY_ENROL, CUST_B, ROLE_CUSTODIAN, ACC_B, ADMIN, CUST_B);
	key_entry(g, ACT_KEY_ENROL, WIT_B, ROLE_WITNESS, ACC_B, ADMIN, WIT_B);
	key_entry(g, ACT_KEY_ENROL, HOLD_A, ROLE_HOLDER, ACC_A, ADMIN, HOLD_A);
	unsigned step = 0;
	while (g->n < g->want) {
		if (g->n == REVOKE_AT) {
			key_entry(g, ACT_KEY_REVOKE, ALT_A, ROLE_ALTERNATE, ACC_A, ADMIN, ADMIN2);
			continue;
		}
		if (tampered_entry(g))
			continue;
		cycle_step(g, step);
		step = (step + 1) % 5;
	}
}

/* ---- writing -------------------------------------------------------------- */

static void put(const char *dir, const char *rel, const void *data, size_t len)
{
	errbuf err = {0};
	if (tlog_file_write(dir, rel, data, len, &err) != ST_OK)
		die("%s", err.msg);
}

/* The entry bundles of recs[0..n). */
static void write_entries(const char *dir, const rec *recs, uint64_t n)
{
	for (uint64_t k = 0; k * TLOG_TILE_WIDTH < n; k++) {
		unsigned w = tlog_tile_width(n, 0, k);
		size_t len = 0;
		for (unsigned i = 0; i < w; i++)
			len += 2 + recs[k * TLOG_TILE_WIDTH + i].len;
		uint8_t *b = malloc(len), *p = b;
		if (b == NULL)
			die("out of memory");
		for (unsigned i = 0; i < w; i++) {
			const rec *r = &recs[k * TLOG_TILE_WIDTH + i];
			*p++ = (uint8_t)(r->len >> 8);
			*p++ = (uint8_t)r->len;
			memcpy(p, r->data, r->len);
			p += r->len;
		}
		char rel[TLOG_PATH_MAX];
		tlog_entries_path(rel, k, w);
		put(dir, rel, b, len);
		free(b);
	}
}

/* A checkpoint of the first `size` leaves, signed by the log key and
 * cosigned by the first `cosigners` witnesses. */
static char *checkpoint(const gen *g, uint64_t size, int cosigners, size_t *len)
{
	merkle_hash root;
	merkle_root(g->leaves, size, root);
	char *body, *signed_;
	size_t bl, sl;
	errbuf err = {0};
	if (tlog_checkpoint_body(ORIGIN, size, root, &body, &bl, &err) != ST_OK)
		die("checkpoint: %s", err.msg);
	const key_secret *lk[1] = {K[LOGKEY]};
	if (note_sign(body, bl, lk, 1, &signed_, &sl, &err) != ST_OK)
		die("checkpoint: %s", err.msg);
	for (int i = 0; i < cosigners; i++) {
		char *line;
		size_t ll;
		if (tlog_cosign(K[W1 + i], body, bl, 1767700000 + (uint64_t)i, &line, &ll, &err) !=
		    ST_OK)
			die("cosign: %s", err.msg);
		signed_ = realloc(signed_, sl + ll + 1);
		if (signed_ == NULL)
			die("out of memory");
		memcpy(signed_ + sl, line, ll + 1);
		sl += ll;
		free(line);
	}
	free(body);
	*len = sl;
	return signed_;
}

static void write_policy(const char *path, const char *quorum)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	char vk[KEY_VKEY_MAX + 1];
	key_vkey_format(key_secret_public(K[LOGKEY]), vk);
	fprintf(f, "# TEST-ONLY policy written by tests/mkbundle\nlog %s\n", vk);
	for (int i = 0; i < 3; i++) {
		tlog_cosig_vkey_format(key_secret_public(K[W1 + i]), vk);
		fprintf(f, "witness w%d %s\n", i + 1, vk);
	}
	if (strcmp(quorum, "none") == 0)
		fprintf(f, "quorum none\n");
	else
		fprintf(f, "group w %s w1 w2 w3\nquorum w\n", quorum);
	if (fclose(f) != 0)
		die("%s: write failed", path);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		fputs("usage: mkbundle DIR [--entries N] [--variant V --fork-at M] [--cosigners K]\n"
		      "       [--checkpoints S1,S2] [--policy FILE] [--quorum Q] [--tamper KIND:INDEX]\n",
		      stderr);
		return 2;
	}
	const char *dir = argv[1], *policy = NULL, *quorum = "2", *cps = NULL, *tamper = NULL;
	long long receipt = -1;
	uint64_t claim = 0;
	gen g = {.want = 60};
	int cosigners = 2;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			die("%s needs a value", argv[i]);
		const char *a = argv[i], *v = argv[++i];
		if (strcmp(a, "--entries") == 0)
			g.want = strtoull(v, NULL, 10);
		else if (strcmp(a, "--variant") == 0)
			g.variant = atoi(v);
		else if (strcmp(a, "--fork-at") == 0)
			g.fork_at = strtoull(v, NULL, 10);
		else if (strcmp(a, "--cosigners") == 0)
			cosigners = atoi(v);
		else if (strcmp(a, "--checkpoints") == 0)
			cps = v;
		else if (strcmp(a, "--policy") == 0)
			policy = v;
		else if (strcmp(a, "--quorum") == 0)
			quorum = v;
		else if (strcmp(a, "--tamper") == 0)
			tamper = v;
		else if (strcmp(a, "--receipt") == 0)
			receipt = atoll(v);
		else if (strcmp(a, "--claim-size") == 0)
			claim = strtoull(v, NULL, 10);
		else
			die("unknown option %s", a);
	}
	if (g.want < 12 || cosigners < 0 || cosigners > 3)
		die("--entries must be at least 12 and --cosigners 0 to 3");
	char tkind[16] = "";
	uint64_t tat = 0;
	if (tamper != NULL) {
		const char *c = strchr(tamper, ':');
		if (c == NULL || (size_t)(c - tamper) >= sizeof tkind)
			die("--tamper KIND:INDEX");
		memcpy(tkind, tamper, (size_t)(c - tamper));
		tat = strtoull(c + 1, NULL, 10);
		if (tat + 1 >= g.want)
			die("--tamper index must be below entries - 1");
		g.tamper = tkind;
		g.tamper_at = tat;
	}
	if (key_init() != ST_OK)
		die("libsodium");
	for (int i = 0; i < NK; i++)
		if ((K[i] = test_key(names[i])) == NULL)
			die("test_key %s", names[i]);
	generate(&g);

	double t0 = now_s();
	write_entries(dir, g.recs, g.n);
	double t1 = now_s();
	errbuf err = {0};
	if (tlog_tiles_write(dir, g.leaves, g.n, 0, &err) != ST_OK)
		die("tiles: %s", err.msg);
	double t2 = now_s();
	size_t cl;
	char *cp = checkpoint(&g, g.n, cosigners, &cl);
	put(dir, "checkpoint", cp, cl);
	free(cp);
	for (const char *s = cps; s != NULL && *s;) {
		uint64_t m = strtoull(s, NULL, 10);
		if (m == 0 || m > g.n)
			die("--checkpoints: size %" PRIu64 " is not 1 to %" PRIu64, m, g.n);
		char rel[64];
		snprintf(rel, sizeof rel, "checkpoints/%" PRIu64, m);
		cp = checkpoint(&g, m, 0, &cl);
		put(dir, rel, cp, cl);
		free(cp);
		merkle_hash proof[MERKLE_MAX_PROOF];
		size_t plen;
		if (merkle_consistency_proof(g.leaves, g.n, m, proof, &plen) != ST_OK)
			die("consistency proof");
		char *text;
		size_t tl;
		if (tlog_hashes_format(proof, plen, &text, &tl, &err) != ST_OK)
			die("%s", err.msg);
		snprintf(rel, sizeof rel, "consistency/%" PRIu64, m);
		put(dir, rel, text, tl);
		free(text);
		s = strchr(s, ',');
		if (s)
			s++;
	}
	if (claim > 0) {
		/* A checkpoint the log key signed for a size the entries do not
		 * have (with the real root). */
		merkle_hash root;
		merkle_root(g.leaves, g.n, root);
		char *body, *signed_;
		size_t bl, sl;
		const key_secret *lk[1] = {K[LOGKEY]};
		if (tlog_checkpoint_body(ORIGIN, claim, root, &body, &bl, &err) != ST_OK ||
		    note_sign(body, bl, lk, 1, &signed_, &sl, &err) != ST_OK)
			die("claim: %s", err.msg);
		put(dir, "checkpoint", signed_, sl);
		free(body);
		free(signed_);
	}
	char vk[KEY_VKEY_MAX + 2];
	size_t vl = key_vkey_format(key_secret_public(K[LOGKEY]), vk);
	vk[vl++] = '\n';
	put(dir, "log.vkey", vk, vl);
	if (policy)
		write_policy(policy, quorum);
	if (receipt >= 0) {
		if ((uint64_t)receipt >= g.n)
			die("--receipt %lld is not below %" PRIu64, receipt, g.n);
		merkle_hash proof[MERKLE_MAX_PROOF];
		size_t plen, pl;
		if (merkle_inclusion_proof(g.leaves, g.n, (uint64_t)receipt, proof, &plen) != ST_OK)
			die("inclusion proof");
		cp = checkpoint(&g, g.n, cosigners, &cl);
		const rec *r = &g.recs[receipt];
		char *entry_text = malloc(r->len + 1), *pf;
		memcpy(entry_text, r->data, r->len);
		entry_text[r->len] = '\0';
		const char *extras[2] = {NULL, entry_text};
		const char *files[2] = {"receipt.tlog-proof", "receipt-extra.tlog-proof"};
		for (int k = 0; k < 2; k++) {
			if (tlog_proof_format((uint64_t)receipt, proof, plen, cp, cl, extras[k], &pf, &pl,
					      &err) != ST_OK)
				die("tlog-proof: %s", err.msg);
			put(dir, files[k], pf, pl);
			free(pf);
		}
		put(dir, "receipt.entry", r->data, r->len);
		free(entry_text);
		free(cp);
	}

	/* Tampering with the entry bundles after the fact. */
	if (g.tamper != NULL && g.tamper_at < g.n) {
		uint64_t k = g.tamper_at;
		rec t;
		bool rewrite = true;
		if (strcmp(tkind, "flip") == 0) {
			/* a byte of the free text or item list, not the framing */
			g.recs[k].data[g.recs[k].len / 3] ^= 0x01;
		} else if (strcmp(tkind, "delete") == 0) {
			free(g.recs[k].data);
			memmove(&g.recs[k], &g.recs[k + 1], (g.n - k - 1) * sizeof *g.recs);
			g.n--;
		} else if (strcmp(tkind, "insert") == 0) {
			g.recs = realloc(g.recs, (g.n + 1) * sizeof *g.recs);
			memmove(&g.recs[k + 2], &g.recs[k + 1], (g.n - k - 1) * sizeof *g.recs);
			g.recs[k + 1].len = g.recs[k].len;
			g.recs[k + 1].data = malloc(g.recs[k].len);
			memcpy(g.recs[k + 1].data, g.recs[k].data, g.recs[k].len);
			g.n++;
		} else if (strcmp(tkind, "swap") == 0) {
			t = g.recs[k];
			g.recs[k] = g.recs[k + 1];
			g.recs[k + 1] = t;
		} else {
			rewrite = false;
		}
		if (rewrite) {
			/* Remove the old bundle files, then write the tampered ones
			 * where the checkpoint's size expects them. */
			uint64_t size = g.want;
			uint64_t nb = (size + TLOG_TILE_WIDTH - 1) / TLOG_TILE_WIDTH;
			size_t total = 0;
			for (uint64_t i = 0; i < g.n; i++)
				total += 2 + g.recs[i].len;
			uint8_t *all = malloc(total), *p = all;
			for (uint64_t i = 0; i < g.n; i++) {
				*p++ = (uint8_t)(g.recs[i].len >> 8);
				*p++ = (uint8_t)g.recs[i].len;
				memcpy(p, g.recs[i].data, g.recs[i].len);
				p += g.recs[i].len;
			}
			/* Each bundle file takes its expected count of records, the
			 * last one takes the rest. */
			size_t off = 0;
			for (uint64_t b = 0; b < nb; b++) {
				unsigned w = tlog_tile_width(size, 0, b);
				size_t start = off;
				for (unsigned i = 0; (i < w || b + 1 == nb) && off < total; i++)
					off += 2 + (((size_t)all[off] << 8) | all[off + 1]);
				char rel[TLOG_PATH_MAX];
				tlog_entries_path(rel, b, w);
				put(dir, rel, all + start, off - start);
			}
			free(all);
		}
	}
	merkle_hash root;
	merkle_root(g.leaves, g.want < g.n ? g.want : g.n, root);
	char r64[B64_LEN(SHA256_LEN) + 1];
	b64_encode(root, SHA256_LEN, r64);
	printf("entries=%" PRIu64 " signatures=%" PRIu64 " two_signers=%" PRIu64
	       " text_bytes_avg=%" PRIu64 " root=%s entries_write_s=%.3f tiles_write_s=%.3f\n",
	       g.n, g.signatures, g.two_signers, g.text_bytes / (g.n ? g.n : 1), r64, t1 - t0,
	       t2 - t1);
	for (uint64_t i = 0; i < g.n; i++)
		free(g.recs[i].data);
	free(g.recs);
	free(g.leaves);
	for (int i = 0; i < NK; i++)
		key_secret_free(K[i]);
	return 0;
}
