/* fuzz_policy: policy_parse (C2SP tlog-policy) on arbitrary bytes, then the
 * parsed policy's quorum and a fixed checkpoint checked against it.
 *
 * Invariants checked on every input:
 * - a rejected policy comes with an error that names its line ("line N: ...")
 *   or says the quorum line is missing;
 * - a parsed policy keeps the grammar's promises: counts within the limits;
 *   names non-empty, distinct, not "none"; keys unique with the right key
 *   IDs; 1 <= k <= members in every group, members distinct and defined
 *   earlier; the quorum names a witness or an earlier group;
 * - canonical form: the policy written back here (one log, witness, group
 *   and quorum line each, keys re-formatted) parses to the same policy;
 * - quorum: policy_quorum_met agrees with the spec's recursive definition
 *   (evaluated here where that takes under 100000 steps), holds when every
 *   witness cosigned, fails when none did (unless `quorum none`), and is
 *   monotone: adding a cosigner to a set that meets it never breaks it;
 * - the fixed checkpoint (signed by the log key of tests/mkbundle, cosigned
 *   by its witnesses 1 and 2) passes policy_check_checkpoint exactly when
 *   the policy lists that log key under the checkpoint's origin and the
 *   witnesses that have those two keys (name and key) meet the quorum; the
 *   result lists exactly those witnesses, with their cosignature times;
 * - the same checkpoint with a forged cosignature by witness 3 added gives
 *   the same verdict, unless the policy lists the log and witness 3: then
 *   ST_BADSIG, naming the policy's witness. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../keys/key.h"
#include "../../src/buf.h"
#include "../../src/note.h"
#include "../../src/policy.h"
#include "../../src/tlog.h"
#include "fuzz_util.h"

#define ORIGIN "custos.example/TEST-ONLY-bundle"
#define COSIG_T0 1767700000u /* witness i cosigns at COSIG_T0 + i */
#define NCOSIGNERS 2

static key_public log_key, cosigners[NCOSIGNERS], forger;
static char *checkpoint; /* the fixed signed checkpoint note */
static size_t checkpointlen;
static char *forged; /* the same with a bad cosignature by witness 3 */
static size_t forgedlen;
static policy parsed, reparsed;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The checkpoint the way tests/mkbundle writes one: signed by the log key
 * named ORIGIN, then cosigned by TEST-ONLY-witness-1 and -2. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(key_init() == ST_OK);
	key_secret *lk = fuzz_test_key(ORIGIN);
	log_key = *key_secret_public(lk);
	merkle_hash root;
	sha256("fuzz_policy", 11, root);
	char *body;
	size_t bodylen;
	FUZZ_CHECK(tlog_checkpoint_body(ORIGIN, 12, root, &body, &bodylen, NULL) == ST_OK);
	const key_secret *signers[1] = {lk};
	FUZZ_CHECK(note_sign(body, bodylen, signers, 1, &checkpoint, &checkpointlen, NULL) ==
		   ST_OK);
	key_secret_free(lk);
	for (unsigned i = 0; i < NCOSIGNERS; i++) {
		char name[32];
		snprintf(name, sizeof name, "TEST-ONLY-witness-%u", i + 1);
		key_secret *w = fuzz_test_key(name);
		cosigners[i] = *key_secret_public(w);
		char *line;
		size_t linelen;
		FUZZ_CHECK(tlog_cosign(w, body, bodylen, COSIG_T0 + i, &line, &linelen, NULL) ==
			   ST_OK);
		checkpoint = realloc(checkpoint, checkpointlen + linelen + 1);
		FUZZ_CHECK(checkpoint != NULL);
		memcpy(checkpoint + checkpointlen, line, linelen + 1);
		checkpointlen += linelen;
		free(line);
		key_secret_free(w);
	}
	/* Witness 3 cosigns, then one bit of its Ed25519 signature flips. */
	key_secret *w3 = fuzz_test_key("TEST-ONLY-witness-3");
	forger = *key_secret_public(w3);
	char *line;
	size_t linelen;
	FUZZ_CHECK(tlog_cosign(w3, body, bodylen, COSIG_T0 + 2, &line, &linelen, NULL) == ST_OK);
	key_secret_free(w3);
	line[linelen - 20] = line[linelen - 20] == 'A' ? 'B' : 'A';
	forgedlen = checkpointlen + linelen;
	forged = malloc(forgedlen + 1);
	FUZZ_CHECK(forged != NULL);
	memcpy(forged, checkpoint, checkpointlen);
	memcpy(forged + checkpointlen, line, linelen + 1);
	free(line);
	free(body);
	return 0;
}

static const char *ref_name(const policy *p, policy_ref r)
{
	return r.is_group ? p->groups[r.index].name : p->witnesses[r.index].name;
}

/* The grammar's promises about a parsed policy. */
static void check_shape(const policy *p)
{
	FUZZ_CHECK(p->nlogs <= POLICY_MAX_LOGS && p->nwitnesses <= POLICY_MAX_WITNESSES &&
		   p->ngroups <= POLICY_MAX_GROUPS);
	for (size_t i = 0; i < p->nlogs; i++) {
		const key_public *k = &p->logs[i];
		uint8_t id[KEY_ID_LEN];
		FUZZ_CHECK(key_name_valid(k->name, strlen(k->name)));
		key_id_compute(k->name, strlen(k->name), k->pk, id);
		FUZZ_CHECK(memcmp(id, k->id, KEY_ID_LEN) == 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(p->logs[j].pk, k->pk, KEY_PK_LEN) != 0);
	}
	/* Names: witnesses then groups, all distinct. */
	size_t nnames = p->nwitnesses + p->ngroups;
	for (size_t i = 0; i < nnames; i++) {
		const char *a = i < p->nwitnesses ? p->witnesses[i].name
						   : p->groups[i - p->nwitnesses].name;
		size_t alen = strlen(a);
		FUZZ_CHECK(alen >= 1 && alen <= POLICY_NAME_MAX && strcmp(a, "none") != 0);
		FUZZ_CHECK(strpbrk(a, " \t") == NULL);
		for (size_t j = 0; j < i; j++) {
			const char *b = j < p->nwitnesses ? p->witnesses[j].name
							   : p->groups[j - p->nwitnesses].name;
			FUZZ_CHECK(strcmp(a, b) != 0);
		}
	}
	for (size_t i = 0; i < p->nwitnesses; i++) {
		const key_public *k = &p->witnesses[i].key;
		uint8_t id[KEY_ID_LEN];
		FUZZ_CHECK(key_name_valid(k->name, strlen(k->name)));
		tlog_cosig_keyid(k->name, strlen(k->name), k->pk, id);
		FUZZ_CHECK(memcmp(id, k->id, KEY_ID_LEN) == 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(p->witnesses[j].key.pk, k->pk, KEY_PK_LEN) != 0);
	}
	for (size_t g = 0; g < p->ngroups; g++) {
		const policy_group *gr = &p->groups[g];
		FUZZ_CHECK(gr->nmembers >= 1 && gr->nmembers <= POLICY_MAX_MEMBERS);
		FUZZ_CHECK(gr->k >= 1 && gr->k <= gr->nmembers);
		for (size_t i = 0; i < gr->nmembers; i++) {
			policy_ref r = gr->members[i];
			FUZZ_CHECK(r.is_group ? r.index < g : r.index < p->nwitnesses);
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(gr->members[j].is_group != r.is_group ||
					   gr->members[j].index != r.index);
		}
	}
	if (!p->quorum_none)
		FUZZ_CHECK(p->quorum.is_group ? p->quorum.index < p->ngroups
					      : p->quorum.index < p->nwitnesses);
}

/* The policy in canonical form: logs, witnesses, groups, quorum. */
static char *format_policy(const policy *p, size_t *len)
{
	buf b = {0};
	char vk[KEY_VKEY_MAX + 1];
	buf_puts(&b, "# canonical form\n");
	for (size_t i = 0; i < p->nlogs; i++) {
		key_vkey_format(&p->logs[i], vk);
		buf_printf(&b, "log %s\n", vk);
	}
	for (size_t i = 0; i < p->nwitnesses; i++) {
		tlog_cosig_vkey_format(&p->witnesses[i].key, vk);
		buf_printf(&b, "witness %s %s\n", p->witnesses[i].name, vk);
	}
	for (size_t g = 0; g < p->ngroups; g++) {
		const policy_group *gr = &p->groups[g];
		buf_printf(&b, "group %s %zu", gr->name, gr->k);
		for (size_t i = 0; i < gr->nmembers; i++)
			buf_printf(&b, " %s", ref_name(p, gr->members[i]));
		buf_puts(&b, "\n");
	}
	buf_printf(&b, "quorum %s\n", p->quorum_none ? "none" : ref_name(p, p->quorum));
	FUZZ_CHECK(buf_status(&b) == ST_OK);
	return buf_take(&b, len);
}

static bool same_key(const key_public *a, const key_public *b)
{
	return strcmp(a->name, b->name) == 0 && memcmp(a->id, b->id, KEY_ID_LEN) == 0 &&
	       memcmp(a->pk, b->pk, KEY_PK_LEN) == 0;
}

static bool same_ref(policy_ref a, policy_ref b)
{
	return a.is_group == b.is_group && a.index == b.index;
}

static void check_canonical(const policy *p)
{
	size_t len;
	char *text = format_policy(p, &len);
	errbuf err = {0};
	status st = policy_parse(text, len, &reparsed, &err);
	if (st != ST_OK)
		fprintf(stderr, "canonical form refused: %s\n%s", err.msg, text);
	FUZZ_CHECK(st == ST_OK);
	const policy *q = &reparsed;
	FUZZ_CHECK(q->nlogs == p->nlogs && q->nwitnesses == p->nwitnesses &&
		   q->ngroups == p->ngroups && q->quorum_none == p->quorum_none);
	for (size_t i = 0; i < p->nlogs; i++)
		FUZZ_CHECK(same_key(&q->logs[i], &p->logs[i]));
	for (size_t i = 0; i < p->nwitnesses; i++) {
		FUZZ_CHECK(strcmp(q->witnesses[i].name, p->witnesses[i].name) == 0);
		FUZZ_CHECK(same_key(&q->witnesses[i].key, &p->witnesses[i].key));
	}
	for (size_t g = 0; g < p->ngroups; g++) {
		const policy_group *a = &p->groups[g], *b = &q->groups[g];
		FUZZ_CHECK(strcmp(a->name, b->name) == 0 && a->k == b->k &&
			   a->nmembers == b->nmembers);
		for (size_t i = 0; i < a->nmembers; i++)
			FUZZ_CHECK(same_ref(a->members[i], b->members[i]));
	}
	if (!p->quorum_none)
		FUZZ_CHECK(same_ref(q->quorum, p->quorum));
	free(text);
}

/* The spec's definition, recursively: a witness is met if it cosigned, a
 * group if at least k of its members are.  Shared subgroups make this
 * exponential, so it gives up (-1) after `budget` steps. */
static int ref_met(const policy *p, policy_ref r, const bool *witnessed, long *budget)
{
	if (--*budget < 0)
		return -1;
	if (!r.is_group)
		return witnessed[r.index];
	const policy_group *g = &p->groups[r.index];
	size_t n = 0;
	for (size_t i = 0; i < g->nmembers; i++) {
		int m = ref_met(p, g->members[i], witnessed, budget);
		if (m < 0)
			return -1;
		n += (size_t)m;
	}
	return n >= g->k;
}

/* policy_quorum_met, checked against ref_met when that finishes. */
static bool quorum_met(const policy *p, const bool *witnessed)
{
	bool got = policy_quorum_met(p, witnessed);
	long budget = 100000;
	int want = p->quorum_none ? 1 : ref_met(p, p->quorum, witnessed, &budget);
	FUZZ_CHECK(want < 0 || got == (want == 1));
	return got;
}

static void check_quorum(const policy *p, const uint8_t *data, size_t size)
{
	bool w[POLICY_MAX_WITNESSES];
	size_t n = p->nwitnesses;
	memset(w, 1, sizeof w);
	FUZZ_CHECK(quorum_met(p, w));
	memset(w, 0, sizeof w);
	FUZZ_CHECK(quorum_met(p, w) == p->quorum_none);
	/* A set of cosigners picked by the input's hash, then each one more. */
	uint8_t h[SHA256_LEN];
	sha256(data, size, h);
	for (size_t i = 0; i < n; i++)
		w[i] = (h[i / 8 % SHA256_LEN] >> (i % 8)) & 1;
	bool base = quorum_met(p, w);
	for (size_t i = 0; i < n; i++) {
		if (w[i])
			continue;
		w[i] = true;
		bool more = quorum_met(p, w);
		FUZZ_CHECK(!base || more);
		w[i] = false;
	}
}

/* policy_check_checkpoint on the fixed checkpoint, against what it should
 * find: which log key and witnesses of p match the signers. */
static void check_checkpoint(const policy *p)
{
	bool log_ok = false;
	for (size_t i = 0; i < p->nlogs; i++)
		log_ok |= same_key(&p->logs[i], &log_key);
	bool want[POLICY_MAX_WITNESSES] = {0};
	uint64_t want_time[POLICY_MAX_WITNESSES] = {0};
	size_t nwant = 0;
	for (size_t i = 0; i < p->nwitnesses; i++)
		for (unsigned j = 0; j < NCOSIGNERS; j++)
			if (strcmp(p->witnesses[i].key.name, cosigners[j].name) == 0 &&
			    memcmp(p->witnesses[i].key.pk, cosigners[j].pk, KEY_PK_LEN) == 0) {
				want[i] = true;
				want_time[i] = COSIG_T0 + j;
				nwant++;
			}
	tlog_checkpoint cp;
	policy_result res;
	errbuf err = {0};
	status st = policy_check_checkpoint(p, checkpoint, checkpointlen, &cp, &res, &err);
	FUZZ_CHECK(strcmp(cp.origin, ORIGIN) == 0 && cp.size == 12);
	if (!log_ok) {
		FUZZ_CHECK(st == ST_NOSIG && err.msg[0] != '\0');
		return;
	}
	FUZZ_CHECK(res.log != NULL && res.log >= p->logs && res.log < p->logs + p->nlogs);
	FUZZ_CHECK(same_key(res.log, &log_key));
	FUZZ_CHECK(res.ncosigned == nwant);
	for (size_t i = 0; i < p->nwitnesses; i++) {
		FUZZ_CHECK(res.cosigned[i] == want[i]);
		if (want[i])
			FUZZ_CHECK(res.cosig_time[i] == want_time[i]);
	}
	if (quorum_met(p, want))
		FUZZ_CHECK(st == ST_OK);
	else
		FUZZ_CHECK(st == ST_NOSIG && err.msg[0] != '\0');

	/* With the forged cosignature by witness 3. */
	const policy_witness *w3 = NULL;
	for (size_t i = 0; i < p->nwitnesses; i++)
		if (strcmp(p->witnesses[i].key.name, forger.name) == 0 &&
		    memcmp(p->witnesses[i].key.pk, forger.pk, KEY_PK_LEN) == 0)
			w3 = &p->witnesses[i];
	errbuf ferr = {0};
	status fst = policy_check_checkpoint(p, forged, forgedlen, &cp, NULL, &ferr);
	if (w3 == NULL) {
		FUZZ_CHECK(fst == st);
	} else {
		FUZZ_CHECK(fst == ST_BADSIG);
		FUZZ_CHECK(strncmp(ferr.msg, "witness ", 8) == 0 &&
			   strncmp(ferr.msg + 8, w3->name, strlen(w3->name)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	errbuf err = {0};
	status st = policy_parse((const char *)data, size, &parsed, &err);
	if (st != ST_OK) {
		FUZZ_CHECK(st == ST_FORMAT);
		FUZZ_CHECK(strncmp(err.msg, "line ", 5) == 0 ||
			   strncmp(err.msg, "no quorum line", 14) == 0);
		return 0;
	}
	check_shape(&parsed);
	check_canonical(&parsed);
	check_quorum(&parsed, data, size);
	check_checkpoint(&parsed);
	return 0;
}
