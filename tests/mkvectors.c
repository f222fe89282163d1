/* mkvectors: write the test vectors of tests/vectors/ into DIR.
 *
 *   mkvectors DIR
 *
 * Everything is deterministic (fixed key seeds, fixed times, Ed25519 is
 * deterministic), so t_vectors.sh can regenerate the files and compare them
 * byte for byte with the committed ones.  The keys are TEST-ONLY keys whose
 * seeds are SHA-256("custos TEST-ONLY key seed: " || name): public
 * knowledge, never to be used for anything real.
 *
 * Files: good.log (a realistic account history, 24 entries, with two-person
 * destructions), good.keys (its trust file), and tampered/NAME.log with
 * tampered/NAME.expect ("exit=1 index=N reason=TEXT") for each tampering.
 *
 *   mkvectors --keyfile FILE
 *
 * seals the TEST-ONLY-custodian key into a key file with the passphrase
 * TEST_PASSPHRASE (random salt and nonce, so not reproducible: made once
 * and committed as tests/vectors/TEST-ONLY-custodian.key). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../keys/key.h"
#include "../keys/keyfile.h"
#include "../src/b64.h"
#include "../src/entry.h"
#include "../src/logfile.h"
#include "../src/note.h"
#include "../src/sha.h"
#include "testkey.h"

#define T0 INT64_C(1767603600000000) /* 2026-01-05T09:00:00Z */
#define HOUR INT64_C(3600000000)

enum { ADMIN, CUSTODIAN, WITNESS, HOLDER, OUTSIDER, NKEYS };
static const char *const key_names[NKEYS] = {
	"TEST-ONLY-admin", "TEST-ONLY-custodian", "TEST-ONLY-witness", "TEST-ONLY-holder",
	"TEST-ONLY-outsider"};
static key_secret *keys[NKEYS];

typedef struct note_rec {
	char *data;
	size_t len;
} note_rec;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mkvectors: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void make_keys(void)
{
	for (int i = 0; i < NKEYS; i++)
		if ((keys[i] = test_key(key_names[i])) == NULL)
			die("test_key %s", key_names[i]);
}

/* The description of one entry of the history. */
typedef struct step {
	entry_action action;
	int txn;                 /* 0: none */
	const char *peer;
	int holder;              /* key index or -1 */
	int enrol;               /* key index enrolled/revoked, or -1 */
	entry_role role;
	const entry_item *items;
	size_t nitems;
	const char *text;
	int signers[2];          /* key indices; second -1 if one signer */
	const char *ref;         /* the transaction answered, or NULL */
	entry_category cat;      /* incident category */
} step;

static const char ACCOUNT[] = "123456";
static const char ORIGIN[] = "custos.example/TEST-ONLY-log";

/* Build, sign and append entry `index` of a chain. */
static note_rec sign_entry(const step *s, uint64_t index, const uint8_t prev[32], int64_t time)
{
	entry e = {0};
	snprintf(e.origin, sizeof e.origin, "%s", ORIGIN);
	e.index = index;
	memcpy(e.prev, prev, 32);
	e.time_us = time;
	e.action = s->action;
	if (s->action == ACT_ACCOUNT_OUTSIDE) /* the account registered: in peer */
		snprintf(e.account, sizeof e.account, "%s", s->peer);
	else if (s->action != ACT_GENESIS && s->action != ACT_KEY_ENROL &&
		 s->action != ACT_KEY_REVOKE)
		snprintf(e.account, sizeof e.account, "%s", ACCOUNT);
	if (s->enrol >= 0 && s->role != ROLE_ADMINISTRATOR)
		snprintf(e.account, sizeof e.account, "%s", ACCOUNT);
	if (s->txn)
		snprintf(e.txn, sizeof e.txn, "%s-2026-%04d", ACCOUNT, s->txn);
	if (s->peer && s->action != ACT_ACCOUNT_OUTSIDE)
		snprintf(e.peer, sizeof e.peer, "%s", s->peer);
	if (s->holder >= 0)
		snprintf(e.holder, sizeof e.holder, "%s", key_names[s->holder]);
	if (s->ref)
		snprintf(e.ref, sizeof e.ref, "%s", s->ref);
	e.category = s->cat;
	/* format v2: when the incident was discovered, how it closed, how and
	 * under what direction material was destroyed */
	if (s->action == ACT_INCIDENT_REPORT)
		e.discovered_us = time - HOUR;
	if (s->action == ACT_INCIDENT_CLOSE)
		e.outcome = OUTCOME_NO_COMPROMISE;
	if (s->action == ACT_DESTROY) {
		e.method = METHOD_BURN;
		snprintf(e.authority, sizeof e.authority, "DIR-2026-01");
	}
	if (s->enrol >= 0) {
		e.nkeys = 1;
		e.keys[0].role = s->role;
		e.keys[0].key = *key_secret_public(keys[s->enrol]);
	}
	for (size_t i = 0; i < s->nitems; i++)
		if (entry_add_item(&e, &s->items[i]) != ST_OK)
			die("entry_add_item");
	if (s->text && entry_set_text(&e, s->text, strlen(s->text)) != ST_OK)
		die("entry_set_text");
	char *text;
	size_t textlen;
	errbuf err = {0};
	if (entry_format(&e, &text, &textlen, &err) != ST_OK)
		die("entry %llu: %s", (unsigned long long)index, err.msg);
	entry_free(&e);
	const key_secret *signers[2] = {keys[s->signers[0]],
					s->signers[1] >= 0 ? keys[s->signers[1]] : NULL};
	note_rec r;
	if (note_sign(text, textlen, signers, signers[1] ? 2 : 1, &r.data, &r.len, &err) != ST_OK)
		die("note_sign %llu: %s", (unsigned long long)index, err.msg);
	free(text);
	return r;
}

static const entry_item kg1001[] = {
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "1001", "", "KG-175D", 0, 0}};
static const entry_item kg_pair[] = {
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "1001", "", "KG-175D", 0, 0},
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "1002", "", "KG-175D", 0, 0}};
static const entry_item kg1002[] = {
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "1002", "", "KG-175D", 0, 0}};
static const entry_item akat[] = {
	{KIND_KEY, 1, CLASS_TS, true, 1, "000123", "AB", "AKAT 1234", 20260101, 20260201}};
static const entry_item uskat[] = {
	{KIND_KEY, 1, CLASS_S, true, 1, "4401", "A", "USKAT 2345", 20260101, 20260107},
	{KIND_KEY, 1, CLASS_S, true, 1, "4402", "B", "USKAT 2345", 20260107, 20260114},
	{KIND_KEY, 1, CLASS_S, true, 1, "4403", "C", "USKAT 2345", 20260114, 20260121}};
static const entry_item uskat_a[] = {
	{KIND_KEY, 1, CLASS_S, true, 1, "4401", "A", "USKAT 2345", 20260101, 20260107}};
static const entry_item koi[] = {
	{KIND_EQUIPMENT, 1, CLASS_C, false, 1, "77", "", "KOI-18", 0, 0}};
static const entry_item pubs[] = {
	{KIND_PUBLICATION, 2, CLASS_C, false, 3, "", "2", "KAO-185 (D)", 0, 0}};
static const entry_item ekey[] = {
	{KIND_KEY, 6, CLASS_S, true, 1, "EK-2026-0042", "", "EKMS 9001", 0, 0}};
static const entry_item inventory[] = {
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "1001", "", "KG-175D", 0, 0},
	{KIND_KEY, 1, CLASS_TS, true, 1, "000123", "AB", "AKAT 1234", 20260101, 20260201},
	{KIND_KEY, 1, CLASS_S, true, 1, "4402", "B", "USKAT 2345", 20260107, 20260114},
	{KIND_KEY, 1, CLASS_S, true, 1, "4403", "C", "USKAT 2345", 20260114, 20260121}};
static const entry_item radios[] = {
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "R-3301", "", "AN/PRC-117G", 0, 0},
	{KIND_EQUIPMENT, 1, CLASS_S, false, 1, "R-3302", "", "AN/PRC-117G", 0, 0}};

#define N(a) (sizeof(a) / sizeof(a)[0])
#define NONE NULL, 0
static const step history[] = {
	{ACT_GENESIS, 0, NULL, -1, ADMIN, ROLE_ADMINISTRATOR, NONE,
	 "log created; first administrator enrolled", {ADMIN, -1}, NULL, CAT_NONE},
	{ACT_ACCOUNT_OPEN, 0, NULL, -1, -1, 0, NONE, "Example Signals Squadron", {ADMIN, -1}, NULL, CAT_NONE},
	{ACT_ACCOUNT_OUTSIDE, 0, "654321", -1, -1, 0, NONE, "Allied Signals Unit", {ADMIN, -1}, NULL,
	 CAT_NONE},
	{ACT_KEY_ENROL, 0, NULL, -1, CUSTODIAN, ROLE_CUSTODIAN, NONE,
	 "custodian appointed in writing, memo 2026-001", {ADMIN, CUSTODIAN}, NULL, CAT_NONE},
	{ACT_KEY_ENROL, 0, NULL, -1, WITNESS, ROLE_WITNESS, NONE, NULL, {ADMIN, WITNESS}, NULL, CAT_NONE},
	{ACT_KEY_ENROL, 0, NULL, -1, HOLDER, ROLE_HOLDER, NONE, NULL, {ADMIN, HOLDER}, NULL, CAT_NONE},
	{ACT_RECEIPT, 1, "COR", -1, -1, 0, kg_pair, N(kg_pair), NULL, {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_RECEIPT, 2, "654321", -1, -1, 0, akat, N(akat), "TOP SECRET key: two-person receipt",
	 {CUSTODIAN, WITNESS}, NULL, CAT_NONE},
	{ACT_RECEIPT, 3, "COR", -1, -1, 0, uskat, N(uskat), NULL, {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_ISSUE, 4, NULL, HOLDER, -1, 0, kg1001, N(kg1001), "hand receipt HR-17",
	 {CUSTODIAN, HOLDER}, NULL, CAT_NONE},
	{ACT_POSSESSION, 5, NULL, -1, -1, 0, koi, N(koi), "found in vault B during shift check",
	 {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_TRANSFER, 6, "654321", -1, -1, 0, kg1002, N(kg1002), NULL, {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_DESTROY, 7, NULL, -1, -1, 0, uskat_a, N(uskat_a), "early destruction, COMSEC directive 2026-01",
	 {CUSTODIAN, WITNESS}, NULL, CAT_NONE},
	{ACT_RETURN, 8, NULL, HOLDER, -1, 0, kg1001, N(kg1001), NULL, {CUSTODIAN, HOLDER},
	 .ref = "123456-2026-0004"},
	{ACT_INCIDENT_REPORT, 9, NULL, -1, -1, 0, koi, N(koi),
	 "container found unlocked", {CUSTODIAN, -1}, .cat = CAT_PHYSICAL},
	{ACT_RECEIPT, 10, "COR", -1, -1, 0, pubs, N(pubs), NULL, {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_RECEIPT, 11, "COR", -1, -1, 0, ekey, N(ekey), NULL, {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_INVENTORY, 12, NULL, -1, -1, 0, inventory, N(inventory),
	 "semi-annual inventory, all sighted", {CUSTODIAN, WITNESS}, NULL, CAT_NONE},
	{ACT_DESTROY, 13, NULL, -1, -1, 0, akat, N(akat), "TOP SECRET key, early destruction",
	 {CUSTODIAN, WITNESS}, NULL, CAT_NONE},
	{ACT_INCIDENT_UPDATE, 14, NULL, -1, -1, 0, koi, N(koi), "amplifying report sent",
	 {CUSTODIAN, -1}, .ref = "123456-2026-0009", .cat = CAT_PHYSICAL},
	{ACT_INCIDENT_CLOSE, 15, NULL, -1, -1, 0, koi, N(koi), "no compromise; closed",
	 {CUSTODIAN, ADMIN}, .ref = "123456-2026-0009", .cat = CAT_PHYSICAL},
	{ACT_RECEIPT, 16, "COR", -1, -1, 0, kg1002, N(kg1002),
	 "remarks with \"quotes\", back\\slash, a tab\there,\nnew line\n— forged: line, "
	 "caf\xc3\xa9, \xe2\x80\xae, DEL\x7f",
	 {CUSTODIAN, -1}, NULL, CAT_NONE},
	{ACT_KEY_REVOKE, 0, NULL, -1, HOLDER, ROLE_HOLDER, NONE, "holder posted out",
	 {ADMIN, WITNESS}, NULL, CAT_NONE},
	{ACT_ACCEPT, 17, "654321", -1, -1, 0, radios, N(radios),
	 "transfer from account 654321 received intact", {CUSTODIAN, -1},
	 .ref = "654321-2026-0031"},
};

/* Build the history; `mutate` may change a step (by index) before signing,
 * `time_shift` is added to the time of entry `shift_at`. */
typedef struct chain_opts {
	int shift_at;
	int64_t time_shift;
	int bad_prev_at;  /* entry whose prev is replaced by garbage, -1 none */
	int outsider_at;  /* entry signed by the outsider instead, -1 none */
	int drop_witness_at; /* two-person entry signed by its first signer only */
} chain_opts;

static size_t build_chain(const chain_opts *o, note_rec *out)
{
	uint8_t prev[32] = {0};
	size_t n = N(history);
	for (size_t i = 0; i < n; i++) {
		step s = history[i];
		int64_t t = T0 + (int64_t)i * 3 * HOUR;
		if ((int)i == o->shift_at)
			t += o->time_shift;
		uint8_t p[32];
		memcpy(p, prev, 32);
		if ((int)i == o->bad_prev_at)
			p[0] ^= 0x01;
		if ((int)i == o->outsider_at)
			s.signers[0] = OUTSIDER, s.signers[1] = -1;
		if ((int)i == o->drop_witness_at)
			s.signers[1] = -1;
		out[i] = sign_entry(&s, i, p, t);
		sha256_leaf(out[i].data, out[i].len, prev);
	}
	return n;
}

static void write_log(const char *dir, const char *name, const note_rec *recs, size_t n,
		      size_t cut)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (logfile_write(f, recs[i].data, recs[i].len) != ST_OK)
			die("write %s", path);
	if (fclose(f) != 0)
		die("close %s", path);
	if (cut > 0 && truncate(path, cut) != 0)
		die("truncate %s", path);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		die("%s: cannot write", path);
}

/* A tampered copy: NAME.log plus NAME.expect with the verdict. */
static void tampered(const char *dir, const char *name, const note_rec *recs, size_t n,
		     size_t cut, int index, const char *reason)
{
	char file[128], expect[256];
	snprintf(file, sizeof file, "tampered/%s.log", name);
	write_log(dir, file, recs, n, cut);
	snprintf(file, sizeof file, "tampered/%s.expect", name);
	snprintf(expect, sizeof expect, "exit=1 index=%d reason=%s\n", index, reason);
	write_text(dir, file, expect);
}

static void free_chain(note_rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].data);
}

#define TEST_PASSPHRASE "TEST-ONLY passphrase, never use"

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--keyfile") == 0) {
		errbuf err = {0};
		if (key_init() != ST_OK)
			die("libsodium");
		make_keys();
		if (keyfile_create(argv[2], keys[CUSTODIAN], TEST_PASSPHRASE,
				   strlen(TEST_PASSPHRASE), &err) != ST_OK)
			die("%s", err.msg);
		for (int i = 0; i < NKEYS; i++)
			key_secret_free(keys[i]);
		return 0;
	}
	if (argc != 2) {
		fputs("usage: mkvectors DIR | mkvectors --keyfile FILE\n", stderr);
		return 2;
	}
	const char *dir = argv[1];
	char sub[512];
	snprintf(sub, sizeof sub, "%s/tampered", dir);
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || (mkdir(sub, 0755) != 0 && errno != EEXIST))
		die("%s: %s", dir, strerror(errno));
	if (key_init() != ST_OK)
		die("libsodium");
	make_keys();

	/* The trust file: every key but the outsider. */
	char trust[2048] = "# TEST-ONLY keys of tests/vectors/good.log; never trust them elsewhere\n";
	for (int i = 0; i < OUTSIDER; i++) {
		char vkey[KEY_VKEY_MAX + 1];
		key_vkey_format(key_secret_public(keys[i]), vkey);
		strncat(trust, vkey, sizeof trust - strlen(trust) - 2);
		strncat(trust, "\n", sizeof trust - strlen(trust) - 1);
	}
	write_text(dir, "good.keys", trust);

	enum { MAXN = 64 };
	note_rec good[MAXN], alt[MAXN], tmp[MAXN];
	const chain_opts plain = {-1, 0, -1, -1, -1};
	size_t n = build_chain(&plain, good);
	write_log(dir, "good.log", good, n, 0);

	/* One byte of entry 8's text changed (an item serial 4401 -> 4409). */
	memcpy(tmp, good, sizeof good);
	char *copy = malloc(good[8].len);
	memcpy(copy, good[8].data, good[8].len);
	char *at = strstr(copy, "serial=4401");
	at[strlen("serial=440")] = '9';
	tmp[8].data = copy;
	tampered(dir, "flipped-byte", tmp, n, 0, 8, "signatures");
	free(copy);

	/* Entries 10 and 11 swapped. */
	memcpy(tmp, good, sizeof good);
	tmp[10] = good[11], tmp[11] = good[10];
	tampered(dir, "swapped", tmp, n, 0, 10, "index field");

	/* Entry 13 removed. */
	memcpy(tmp, good, sizeof good);
	memmove(tmp + 13, tmp + 14, (n - 14) * sizeof *tmp);
	tampered(dir, "removed", tmp, n - 1, 0, 13, "index field");

	/* Entry 6's signature replaced by a forged one (same key ID, sig of
	 * other bytes by the outsider key). */
	memcpy(tmp, good, sizeof good);
	copy = malloc(good[6].len + 1);
	memcpy(copy, good[6].data, good[6].len);
	copy[good[6].len] = '\0';
	{
		char *sig = strstr(copy, "\n\n\xe2\x80\x94 TEST-ONLY-custodian ");
		sig += strlen("\n\n\xe2\x80\x94 TEST-ONLY-custodian ");
		uint8_t raw[4 + 64];
		size_t rawlen;
		if (b64_decode(sig, B64_LEN(68), raw, sizeof raw, &rawlen) != ST_OK)
			die("decode sig");
		if (key_sign(keys[OUTSIDER], copy, (size_t)(sig - copy), raw + 4) != ST_OK)
			die("sign");
		char enc[B64_LEN(68) + 1];
		b64_encode(raw, 68, enc);
		memcpy(sig, enc, B64_LEN(68));
	}
	tmp[6].data = copy;
	tampered(dir, "forged-signature", tmp, n, 0, 6, "signatures");
	free(copy);

	/* Signed consistently, but the destruction at 12 has no witness. */
	chain_opts one_sig = plain;
	one_sig.drop_witness_at = 12;
	build_chain(&one_sig, alt);
	tampered(dir, "destroy-one-signature", alt, n, 0, 12, "destroy entry: signatures");
	free_chain(alt, n);

	/* Entry 10 signed by a key that is not in the trust file. */
	chain_opts outsider = plain;
	outsider.outsider_at = 10;
	build_chain(&outsider, alt);
	tampered(dir, "untrusted-key", alt, n, 0, 10, "signatures");
	free_chain(alt, n);

	/* Re-signed chain whose entry 7 is earlier than entry 6. */
	chain_opts back = plain;
	back.shift_at = 7, back.time_shift = -4 * HOUR;
	build_chain(&back, alt);
	tampered(dir, "time-backwards", alt, n, 0, 7, "time goes backwards");
	free_chain(alt, n);

	/* Re-signed chain with a wrong prev at 5. */
	chain_opts badprev = plain;
	badprev.bad_prev_at = 5;
	build_chain(&badprev, alt);
	tampered(dir, "broken-chain", alt, n, 0, 5, "prev does not match");
	free_chain(alt, n);

	/* The file cut in the middle of the last record. */
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += 2 + good[i].len;
	tampered(dir, "truncated", good, n, total - 10, (int)n - 1, "runs past the end");

	free_chain(good, n);
	for (int i = 0; i < NKEYS; i++)
		key_secret_free(keys[i]);
	return 0;
}
