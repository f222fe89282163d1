/* mkbenchlog: write a large, realistic, valid log for benchmarks.
 *
 *   mkbenchlog DIR [ENTRIES]        (default 200000 entries)
 *
 * Writes DIR/bench.log and its trust file DIR/bench.keys, and prints one
 * summary line of key=value pairs: entries, two_signers (and _pct),
 * signatures, bytes (of the log file), text_bytes_avg (the mean size of the
 * signed text, what each signature covers).  The log is
 * one COMSEC account's history made by the real code path (entry_format,
 * note_sign, logfile_write, with the prev chain of leaf hashes): genesis and
 * key enrolments, then receipts, transfers, issues and returns (custodian
 * and holder sign), destructions (custodian and witness sign), inventories,
 * possession and incident reports, with one to four items an entry and free
 * text on about a third of them.  About a fifth of the entries carry two
 * signatures.
 *
 * Everything is deterministic (a fixed pseudo-random sequence, fixed times,
 * Ed25519 is deterministic), so two runs write the same bytes.  The keys are
 * TEST-ONLY keys whose seeds are SHA-256("custos TEST-ONLY key seed: " ||
 * name), as in tests/mkvectors.c: public knowledge, never for real use. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../keys/key.h"
#include "../../src/entry.h"
#include "../../src/logfile.h"
#include "../../src/note.h"
#include "../../src/sha.h"
#include "../testkey.h"

#define T0 INT64_C(1767603600000000) /* 2026-01-05T09:00:00Z */
#define SECOND INT64_C(1000000)
#define NHOLDERS 8

static const char ORIGIN[] = "custos.example/TEST-ONLY-bench-log";
static const char ACCOUNT[] = "123456";

enum { ADMIN, CUSTODIAN, ALTERNATE, WITNESS, HOLDER0, NKEYS = HOLDER0 + NHOLDERS };
static char key_names[NKEYS][KEY_NAME_MAX + 1];
static key_secret *keys[NKEYS];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mkbenchlog: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* splitmix64: a fixed, portable pseudo-random sequence. */
static uint64_t rng_state = UINT64_C(0x637573746f73); /* "custos" */

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static unsigned pick(unsigned n)
{
	return (unsigned)(rng() % n);
}

static void make_keys(void)
{
	static const char *const fixed[] = {"TEST-ONLY-admin", "TEST-ONLY-custodian",
					    "TEST-ONLY-alternate", "TEST-ONLY-witness"};
	for (int i = 0; i < NKEYS; i++) {
		if (i < HOLDER0)
			snprintf(key_names[i], sizeof key_names[i], "%s", fixed[i]);
		else
			snprintf(key_names[i], sizeof key_names[i], "TEST-ONLY-holder-%d",
				 i - HOLDER0 + 1);
		if ((keys[i] = test_key(key_names[i])) == NULL)
			die("test_key %s failed", key_names[i]);
	}
}

/* The material an account handles: templates, given serials as they go. */
typedef struct material {
	item_kind kind;
	int alc;
	item_class cls;
	bool crypto;
	const char *edition; /* "" when none */
	const char *title;
	unsigned max_qty;    /* 1: accounted by serial */
} material;

static const material materials[] = {
	{KIND_EQUIPMENT, 1, CLASS_S, false, "", "KG-175D", 1},
	{KIND_EQUIPMENT, 1, CLASS_C, false, "", "KOI-18", 1},
	{KIND_EQUIPMENT, 1, CLASS_S, false, "", "AN/PYQ-10", 1},
	{KIND_KEY, 1, CLASS_S, true, "A", "USKAT 2345", 1},
	{KIND_KEY, 1, CLASS_S, true, "B", "USKAT 2345", 1},
	{KIND_KEY, 1, CLASS_C, true, "C", "AKAC 4411", 1},
	{KIND_KEY, 1, CLASS_TS, true, "AB", "AKAT 1234", 1}, /* needs two signers */
	{KIND_KEY, 6, CLASS_S, true, "", "EKMS 9001", 1},
	{KIND_PUBLICATION, 2, CLASS_C, false, "2", "KAO-185 (D)", 5},
	{KIND_PUBLICATION, 4, CLASS_U, false, "", "NAG-16F", 10},
};
#define NMATERIALS (sizeof materials / sizeof materials[0])

static const char *const remarks[] = {
	"hand receipt on file",
	"received sealed; seals intact",
	"superseded; burned in approved destroyer, witnessed",
	"semi-annual inventory, all sighted",
	"found in vault B during shift check",
	"courier: DCS, package 2026-114",
	"remarks: \"urgent\" per message 0412Z\nsecond line of the remark",
	"returned after exercise; no damage noted",
	"zeroized before turn-in \xe2\x80\x94 see form 153",
	"caf\xc3\xa9 annex storage; tab\there",
};
#define NREMARKS (sizeof remarks / sizeof remarks[0])

/* One action of the account: its name in the log, its share of the
 * entries (in per mille), its signers (second -1 for one), and whether it
 * names a holder and a peer account. */
typedef struct kind {
	entry_action action;
	unsigned permille;
	int signer2;       /* key index, HOLDER0 for "the holder", or -1 */
	bool holder, peer;
} kind;

static const kind kinds_mix[] = {
	{ACT_RECEIPT, 300, -1, false, true},
	{ACT_TRANSFER, 200, -1, false, true},
	{ACT_ACCEPT, 100, -1, false, true},
	{ACT_ISSUE, 70, HOLDER0, true, false},
	{ACT_RETURN, 70, HOLDER0, true, false},
	{ACT_DESTROY, 35, WITNESS, false, false},
	{ACT_POSSESSION, 145, -1, false, false},
	{ACT_INCIDENT_REPORT, 40, -1, false, false},
	{ACT_INCIDENT_UPDATE, 35, -1, false, false},
	{ACT_INVENTORY, 5, WITNESS, false, false},
};
#define NKINDS (sizeof kinds_mix / sizeof kinds_mix[0])

typedef struct gen {
	FILE *f;
	uint64_t index;
	uint8_t prev[SHA256_LEN];
	int64_t time;
	uint64_t txn, serial;
	uint64_t two_signers, signatures, bytes, text_bytes;
} gen;

/* Format, sign (signers[0..nsigners)), append, and advance the chain. */
static void append(gen *g, entry *e, const int *signers, size_t nsigners)
{
	char *text, *signed_note;
	size_t textlen, notelen;
	errbuf err = {0};
	snprintf(e->origin, sizeof e->origin, "%s", ORIGIN);
	e->index = g->index;
	memcpy(e->prev, g->prev, SHA256_LEN);
	e->time_us = g->time;
	if (entry_format(e, &text, &textlen, &err) != ST_OK)
		die("entry %" PRIu64 ": %s", g->index, err.msg);
	const key_secret *sk[2] = {keys[signers[0]], nsigners > 1 ? keys[signers[1]] : NULL};
	if (note_sign(text, textlen, sk, nsigners, &signed_note, &notelen, &err) != ST_OK)
		die("entry %" PRIu64 ": note_sign: %s", g->index, err.msg);
	if (logfile_write(g->f, signed_note, notelen) != ST_OK)
		die("entry %" PRIu64 ": write: %s", g->index, strerror(errno));
	sha256_leaf(signed_note, notelen, g->prev);
	if (entry_required_signers(e) != nsigners)
		die("entry %" PRIu64 ": needs %zu signers, has %zu", g->index,
		    entry_required_signers(e), nsigners);
	g->two_signers += nsigners > 1;
	g->signatures += nsigners;
	g->bytes += 2 + notelen;
	g->text_bytes += textlen;
	g->index++;
	g->time += (int64_t)(1 + pick(900)) * SECOND + pick(1000000);
	free(text);
	free(signed_note);
	entry_free(e);
}

static void enrol(gen *g, int who, entry_role role, const char *text)
{
	entry e = {0};
	e.action = g->index == 0 ? ACT_GENESIS : ACT_KEY_ENROL;
	if (role != ROLE_ADMINISTRATOR)
		snprintf(e.account, sizeof e.account, "%s", ACCOUNT);
	e.nkeys = 1;
	e.keys[0].role = role;
	e.keys[0].key = *key_secret_public(keys[who]);
	if (text != NULL && entry_set_text(&e, text, strlen(text)) != ST_OK)
		die("out of memory");
	int signers[2] = {ADMIN, who};
	append(g, &e, signers, g->index == 0 ? 1 : 2);
}

/* One entry of day-to-day accounting. */
static void account_entry(gen *g)
{
	unsigned r = pick(1000), acc = 0;
	const kind *k = &kinds_mix[0];
	for (size_t i = 0; i < NKINDS; i++, k++)
		if (r < (acc += k->permille))
			break;
	if (k == kinds_mix + NKINDS)
		k--;
	entry e = {0};
	e.action = k->action;
	snprintf(e.account, sizeof e.account, "%s", ACCOUNT);
	snprintf(e.txn, sizeof e.txn, "%s-2026-%04" PRIu64, ACCOUNT, ++g->txn);
	if (k->peer)
		snprintf(e.peer, sizeof e.peer, "%s", pick(3) == 0 ? "COR" : "654321");
	/* What an accept, return or incident update answers: an earlier
	 * transaction (of the sending account for an accept). */
	if (e.action == ACT_ACCEPT)
		snprintf(e.ref, sizeof e.ref, "654321-2026-%04u", 1 + pick(9000));
	else if ((e.action == ACT_RETURN || e.action == ACT_INCIDENT_UPDATE) && g->txn > 1)
		snprintf(e.ref, sizeof e.ref, "%s-2026-%04u", ACCOUNT, 1 + pick((unsigned)(g->txn - 1)));
	else if (e.action == ACT_RETURN || e.action == ACT_INCIDENT_UPDATE)
		snprintf(e.ref, sizeof e.ref, "%s-2026-0001", ACCOUNT);
	if (e.action == ACT_INCIDENT_REPORT || e.action == ACT_INCIDENT_UPDATE)
		e.category = (entry_category)(CAT_CRYPTOGRAPHIC + pick(CAT__COUNT - 1));
	int holder = HOLDER0 + (int)pick(NHOLDERS);
	if (k->holder)
		snprintf(e.holder, sizeof e.holder, "%s", key_names[holder]);
	unsigned nitems = 1 + pick(4);
	bool top_secret_key = false;
	for (unsigned i = 0; i < nitems; i++) {
		/* TOP SECRET key is rare: it would make most entries two-person. */
		const material *m = &materials[pick(NMATERIALS)];
		if (m->cls == CLASS_TS && k->signer2 < 0 && pick(8) != 0)
			m = &materials[0];
		entry_item it = {.kind = m->kind, .alc = m->alc, .cls = m->cls,
				 .crypto = m->crypto, .qty = 1};
		if (m->max_qty > 1)
			it.qty = 1 + pick(m->max_qty);
		else
			snprintf(it.serial, sizeof it.serial, "%" PRIu64, 100000 + g->serial++);
		snprintf(it.edition, sizeof it.edition, "%s", m->edition);
		snprintf(it.title, sizeof it.title, "%s", m->title);
		top_secret_key |= m->cls == CLASS_TS && m->kind == KIND_KEY;
		if (entry_add_item(&e, &it) != ST_OK)
			die("out of memory");
	}
	if (pick(3) == 0) {
		const char *t = remarks[pick(NREMARKS)];
		if (entry_set_text(&e, t, strlen(t)) != ST_OK)
			die("out of memory");
	}
	int signers[2] = {pick(10) == 0 ? ALTERNATE : CUSTODIAN, -1};
	if (k->signer2 == HOLDER0)
		signers[1] = holder;
	else if (k->signer2 >= 0)
		signers[1] = k->signer2;
	else if (top_secret_key)
		signers[1] = WITNESS;
	append(g, &e, signers, signers[1] >= 0 ? 2 : 1);
}

static FILE *create(const char *dir, const char *name, char *path, size_t pathsize)
{
	snprintf(path, pathsize, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	return f;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fputs("usage: mkbenchlog DIR [ENTRIES]\n", stderr);
		return 2;
	}
	const char *dir = argv[1];
	unsigned long long n = 200000;
	if (argc == 3) {
		char *end;
		errno = 0;
		n = strtoull(argv[2], &end, 10);
		if (errno || *end || end == argv[2] || n < NKEYS + 2 || n > 100000000)
			die("ENTRIES must be a number from %d to 100000000", NKEYS + 2);
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die("%s: %s", dir, strerror(errno));
	if (key_init() != ST_OK)
		die("libsodium could not be initialised");
	make_keys();

	char path[4096];
	FILE *kf = create(dir, "bench.keys", path, sizeof path);
	fputs("# TEST-ONLY keys of a generated benchmark log; never trust them elsewhere\n", kf);
	for (int i = 0; i < NKEYS; i++) {
		char vkey[KEY_VKEY_MAX + 1];
		key_vkey_format(key_secret_public(keys[i]), vkey);
		fprintf(kf, "%s\n", vkey);
	}
	if (fclose(kf) != 0)
		die("%s: %s", path, strerror(errno));

	gen g = {.time = T0};
	g.f = create(dir, "bench.log", path, sizeof path);
	static char iobuf[1 << 20];
	setvbuf(g.f, iobuf, _IOFBF, sizeof iobuf);

	enrol(&g, ADMIN, ROLE_ADMINISTRATOR, "log created; first administrator enrolled");
	{
		entry e = {0};
		e.action = ACT_ACCOUNT_OPEN;
		snprintf(e.account, sizeof e.account, "%s", ACCOUNT);
		if (entry_set_text(&e, "Example Signals Squadron", 24) != ST_OK)
			die("out of memory");
		int signers[2] = {ADMIN, -1};
		append(&g, &e, signers, 1);
	}
	enrol(&g, CUSTODIAN, ROLE_CUSTODIAN, "custodian appointed in writing, memo 2026-001");
	enrol(&g, ALTERNATE, ROLE_ALTERNATE, "alternate custodian appointed");
	enrol(&g, WITNESS, ROLE_WITNESS, NULL);
	for (int i = HOLDER0; i < NKEYS; i++)
		enrol(&g, i, ROLE_HOLDER, NULL);
	while (g.index < n)
		account_entry(&g);
	if (fclose(g.f) != 0)
		die("%s: %s", path, strerror(errno));

	printf("mkbenchlog entries=%" PRIu64 " two_signers=%" PRIu64 " two_signers_pct=%.1f"
	       " signatures=%" PRIu64 " bytes=%" PRIu64 " text_bytes_avg=%.0f\n",
	       g.index, g.two_signers, 100.0 * (double)g.two_signers / (double)g.index,
	       g.signatures, g.bytes, (double)g.text_bytes / (double)g.index);
	for (int i = 0; i < NKEYS; i++)
		key_secret_free(keys[i]);
	return 0;
}
