/* runstat: run a command and record its wall time and peak memory.
 *
 *   runstat STATSFILE COMMAND [ARG...]
 *
 * Runs COMMAND (its stdin, stdout and stderr are ours), waits for it, and
 * writes one line to STATSFILE:
 *
 *   wall_s=1.234567 maxrss_kib=12345 user_s=2.345 sys_s=0.123 exit=0
 *
 * maxrss_kib is the child's peak resident set (getrusage ru_maxrss, in KiB
 * on Linux): what /usr/bin/time -f %M prints, without needing the `time`
 * package.  Exits with COMMAND's exit status (128 + N if a signal N ended
 * it, 127 if it could not be started). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: runstat STATSFILE COMMAND [ARG...]\n", stderr);
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (out == NULL) {
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int wstatus;
	struct rusage ru;
	pid_t got;
	while ((got = wait4(pid, &wstatus, 0, &ru)) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (got != pid) {
		fprintf(stderr, "runstat: wait: %s\n", strerror(errno));
		return 2;
	}
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
		   : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 2;
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(out, "wall_s=%.6f maxrss_kib=%ld user_s=%.3f sys_s=%.3f exit=%d\n", wall,
		ru.ru_maxrss, seconds(ru.ru_utime), seconds(ru.ru_stime), code);
	if (fclose(out) != 0) {
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return code;
}
