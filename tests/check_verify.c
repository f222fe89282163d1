/* check_verify: verify_log over the committed good.log and mutations of it. */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../keys/trust.h"
#include "../src/logfile.h"
#include "../src/verify.h"

static trust tr;
static logfile_map good;

static void setup(void)
{
	errbuf err = {0};
	ck_assert_int_eq(key_init(), ST_OK);
	ck_assert_msg(trust_load("tests/vectors/good.keys", &tr, &err) == ST_OK, "%s", err.msg);
	ck_assert_msg(logfile_open("tests/vectors/good.log", &good, &err) == ST_OK, "%s", err.msg);
}

static void teardown(void)
{
	trust_free(&tr);
	logfile_close(&good);
}

/* Verify with `threads` threads handing out runs of `chunk` records. */
static verify_report run_chunked(const uint8_t *buf, size_t len, unsigned threads, unsigned chunk)
{
	verify_opts o = {.lookup = trust_lookup, .lookup_ctx = &tr, .threads = threads,
			 .chunk_records = chunk};
	verify_report r;
	ck_assert_int_eq(verify_log(buf, len, &o, &r), ST_OK);
	return r;
}

static verify_report run(const uint8_t *buf, size_t len, unsigned threads)
{
	return run_chunked(buf, len, threads, 0);
}

START_TEST(good_is_valid)
{
	verify_report r = run(good.data, good.len, 0);
	ck_assert_msg(r.valid, "good.log invalid at %llu: %s", (unsigned long long)r.failed_index,
		      r.reason);
	ck_assert_uint_eq(r.entries, 24);
	ck_assert_str_eq(r.origin, "custos.example/TEST-ONLY-log");
	ck_assert_uint_eq(r.two_person, 11);
	ck_assert_uint_eq(r.signatures, 35);
	/* The root equals the root of the leaf hashes computed independently. */
	merkle_hash leaves[24];
	size_t pos = 0, i = 0;
	const uint8_t *e;
	size_t elen;
	while (logfile_next(good.data, good.len, &pos, &e, &elen, NULL) == ST_OK)
		sha256_leaf(e, elen, leaves[i++]);
	ck_assert_uint_eq(i, 24);
	merkle_hash root;
	merkle_root(leaves, 24, root);
	ck_assert_mem_eq(root, r.root, SHA256_LEN);
	ck_assert_mem_eq(leaves[23], r.last_leaf, SHA256_LEN);
}
END_TEST

/* Every prefix of whole records is a valid log; every cut inside a record
 * is caught at that record. */
START_TEST(prefixes_and_cuts)
{
	size_t pos = 0, count = 0;
	const uint8_t *e;
	size_t elen;
	while (logfile_next(good.data, good.len, &pos, &e, &elen, NULL) == ST_OK) {
		count++;
		verify_report r = run(good.data, pos, 2);
		ck_assert_msg(r.valid, "prefix of %zu records invalid: %s", count, r.reason);
		ck_assert_uint_eq(r.entries, count);
		r = run(good.data, pos - 1, 2);
		ck_assert(!r.valid);
		ck_assert_uint_eq(r.failed_index, count - 1);
	}
}
END_TEST

/* Flipping any one bit of the log makes it invalid, and the verdict (index
 * and reason) does not depend on the number of threads or on how the log
 * is cut into runs of work. */
START_TEST(every_flip_caught)
{
	uint8_t *copy = malloc(good.len);
	unsigned checked = 0;
	for (size_t off = 0; off < good.len; off += 3) {
		memcpy(copy, good.data, good.len);
		copy[off] ^= (uint8_t)(1u << (off % 8));
		verify_report a = run(copy, good.len, 1);
		verify_report b = run_chunked(copy, good.len, 4, 1 + (unsigned)(off % 5));
		ck_assert_msg(!a.valid, "flip at byte %zu not detected", off);
		ck_assert_uint_eq(a.failed_index, b.failed_index);
		ck_assert_str_eq(a.reason, b.reason);
		checked++;
	}
	ck_assert_uint_gt(checked, 3000);
	free(copy);
}
END_TEST

/* Every committed tampered log gets the same verdict however it is cut. */
START_TEST(tampered_any_chunking)
{
	static const char *const names[] = {"broken-chain", "destroy-one-signature",
					    "flipped-byte", "forged-signature", "removed",
					    "swapped", "time-backwards", "truncated",
					    "untrusted-key"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "tests/vectors/tampered/%s.log", names[i]);
		logfile_map m;
		ck_assert_int_eq(logfile_open(path, &m, NULL), ST_OK);
		verify_report want = run(m.data, m.len, 1);
		ck_assert(!want.valid);
		for (unsigned chunk = 1; chunk <= 8; chunk++) {
			verify_report got = run_chunked(m.data, m.len, 3, chunk);
			ck_assert_msg(got.failed_index == want.failed_index &&
					      strcmp(got.reason, want.reason) == 0,
				      "%s, runs of %u: %llu %s, want %llu %s", names[i], chunk,
				      (unsigned long long)got.failed_index, got.reason,
				      (unsigned long long)want.failed_index, want.reason);
		}
		logfile_close(&m);
	}
	verify_report r = run_chunked(good.data, good.len, 2, 1);
	ck_assert(r.valid);
	ck_assert_uint_eq(r.signatures, 35);
}
END_TEST

/* Each committed tampered log fails with the fault of its kind, as a code
 * (callers act on the code, never on the reason's words), and the same code
 * however the log is cut into runs. */
START_TEST(tampered_fault_codes)
{
	static const struct {
		const char *name;
		verify_fault fault;
	} cases[] = {
		{"broken-chain", VF_PREV},          {"destroy-one-signature", VF_SIGNATURES},
		{"forged-signature", VF_SIGNATURES}, {"removed", VF_INDEX},
		{"swapped", VF_INDEX},              {"time-backwards", VF_TIME},
		{"truncated", VF_FRAMING},          {"untrusted-key", VF_SIGNATURES},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "tests/vectors/tampered/%s.log", cases[i].name);
		logfile_map m;
		ck_assert_int_eq(logfile_open(path, &m, NULL), ST_OK);
		for (unsigned chunk = 1; chunk <= 4; chunk++) {
			verify_report r = run_chunked(m.data, m.len, 2, chunk);
			ck_assert_msg(!r.valid && r.fault == cases[i].fault,
				      "%s, runs of %u: fault %d (%s), want %d", cases[i].name, chunk,
				      (int)r.fault, r.reason, (int)cases[i].fault);
		}
		logfile_close(&m);
	}
	verify_report r = run(good.data, good.len, 2);
	ck_assert(r.valid && r.fault == VF_NONE);
	r = run(good.data, 0, 1);
	ck_assert(!r.valid && r.fault == VF_EMPTY);
}
END_TEST

START_TEST(untrusted_everything)
{
	trust none = {0};
	verify_opts o = {.lookup = trust_lookup, .lookup_ctx = &none, .threads = 3};
	verify_report r;
	ck_assert_int_eq(verify_log(good.data, good.len, &o, &r), ST_OK);
	ck_assert(!r.valid);
	ck_assert_uint_eq(r.failed_index, 0);
	ck_assert_uint_eq(r.fault, VF_SIGNATURES);
	ck_assert_ptr_nonnull(strstr(r.reason, "no signature from a trusted key"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("log");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, good_is_valid);
	tcase_add_test(tc, prefixes_and_cuts);
	tcase_add_test(tc, every_flip_caught);
	tcase_add_test(tc, tampered_any_chunking);
	tcase_add_test(tc, tampered_fault_codes);
	tcase_add_test(tc, untrusted_everything);
	suite_add_tcase(s, tc);
	return check_run(s);
}
