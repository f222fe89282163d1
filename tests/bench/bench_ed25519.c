/* bench_ed25519: the raw Ed25519 verification rate of libsodium, the
 * baseline that custos-verify is measured against.
 *
 *   bench_ed25519 [--threads T] [--seconds S] [--bytes B]
 *
 * Calls crypto_sign_verify_detached in a loop on T threads (default: one
 * per online CPU) for about S seconds (default 1.5) over 64 distinct
 * messages of B +- 25% bytes (default 550, about a log entry's signed
 * text), signed by 8 keys, and prints one line:
 *
 *   ed25519-verify threads=T bytes=B verifications=N seconds=S rate=R
 *
 * where R is verifications per second of wall time over all threads.
 * Every verification must succeed (a failure exits 1), so the loop cannot
 * be measuring a short-cut. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define NMSGS 64
#define NKEYS 8
#define MAX_THREADS 256

typedef struct sample {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	unsigned char *msg;
	size_t len;
} sample;

static sample samples[NMSGS];
static double run_seconds = 1.5;
static pthread_barrier_t start;
static atomic_bool stop;

typedef struct worker {
	pthread_t tid;
	unsigned first; /* where in samples this thread starts */
	uint64_t count;
	bool bad;
} worker;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
	worker *w = arg;
	unsigned i = w->first;
	pthread_barrier_wait(&start);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int k = 0; k < 16; k++, i = (i + 1) % NMSGS) {
			const sample *s = &samples[i];
			if (crypto_sign_verify_detached(s->sig, s->msg, s->len, s->pk) != 0)
				w->bad = true;
		}
		w->count += 16;
	}
	return NULL;
}

static int usage(void)
{
	fputs("usage: bench_ed25519 [--threads T] [--seconds S] [--bytes B]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long threads = nproc < 1 ? 1 : (unsigned long)nproc, bytes = 550;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		const char *opt = argv[i], *v = argv[++i];
		char *end;
		errno = 0;
		if (strcmp(opt, "--threads") == 0)
			threads = strtoul(v, &end, 10);
		else if (strcmp(opt, "--bytes") == 0)
			bytes = strtoul(v, &end, 10);
		else if (strcmp(opt, "--seconds") == 0)
			run_seconds = strtod(v, &end);
		else
			return usage();
		if (errno || *end || end == v)
			return usage();
	}
	if (threads < 1 || threads > MAX_THREADS || bytes < 4 || bytes > 1000000 ||
	    !(run_seconds > 0 && run_seconds <= 600))
		return usage();
	if (sodium_init() < 0) {
		fputs("bench_ed25519: libsodium could not be initialised\n", stderr);
		return 1;
	}

	/* Fixed keys and messages: the same work on every run. */
	unsigned char pks[NKEYS][crypto_sign_PUBLICKEYBYTES];
	unsigned char sks[NKEYS][crypto_sign_SECRETKEYBYTES];
	for (int k = 0; k < NKEYS; k++) {
		unsigned char seed[crypto_sign_SEEDBYTES];
		memset(seed, 0x42 + k, sizeof seed);
		crypto_sign_seed_keypair(pks[k], sks[k], seed);
	}
	for (int i = 0; i < NMSGS; i++) {
		sample *s = &samples[i];
		s->len = bytes * 3 / 4 + (size_t)i * (bytes / 2) / (NMSGS - 1);
		s->msg = malloc(s->len);
		if (s->msg == NULL) {
			fputs("bench_ed25519: out of memory\n", stderr);
			return 1;
		}
		for (size_t j = 0; j < s->len; j++)
			s->msg[j] = (unsigned char)(' ' + (j * 7 + (size_t)i) % 90);
		memcpy(s->pk, pks[i % NKEYS], sizeof s->pk);
		crypto_sign_detached(s->sig, NULL, s->msg, s->len, sks[i % NKEYS]);
	}
	sodium_memzero(sks, sizeof sks);

	static worker workers[MAX_THREADS];
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (unsigned long t = 0; t < threads; t++) {
		workers[t].first = (unsigned)(t * 7 % NMSGS);
		if (pthread_create(&workers[t].tid, NULL, work, &workers[t]) != 0) {
			fputs("bench_ed25519: cannot start a thread\n", stderr);
			return 1;
		}
	}
	pthread_barrier_wait(&start);
	double t0 = now();
	struct timespec nap = {(time_t)run_seconds,
			       (long)((run_seconds - (double)(time_t)run_seconds) * 1e9)};
	while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
		;
	atomic_store(&stop, true);
	uint64_t total = 0;
	bool bad = false;
	for (unsigned long t = 0; t < threads; t++) {
		pthread_join(workers[t].tid, NULL);
		total += workers[t].count;
		bad |= workers[t].bad;
	}
	double secs = now() - t0;
	pthread_barrier_destroy(&start);
	for (int i = 0; i < NMSGS; i++)
		free(samples[i].msg);
	if (bad) {
		fputs("bench_ed25519: a valid signature failed to verify\n", stderr);
		return 1;
	}
	printf("ed25519-verify threads=%lu bytes=%lu verifications=%" PRIu64
	       " seconds=%.3f rate=%.0f\n",
	       threads, bytes, total, secs, (double)total / secs);
	return 0;
}
