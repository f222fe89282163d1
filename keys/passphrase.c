#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

/* Room for PASSPHRASE_MAX bytes, a '\r' and the NUL. */
#define CAP (PASSPHRASE_MAX + 2)

/* Signals that end a terminal prompt.  While echo is off they are blocked
 * except inside pselect(), so one arriving at any moment interrupts the
 * wait for input instead of slipping in just before a blocking read(). */
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define NSIG_TTY (sizeof tty_signals / sizeof tty_signals[0])
static volatile sig_atomic_t tty_caught;

static void tty_on_signal(int sig)
{
	tty_caught = sig;
}

void passphrase_free(char *pass)
{
	if (pass != NULL)
		sodium_free(pass);
}

/* Read one line from fd into a new guarded buffer; `src` names fd in errors.
 * With `unblock` (the terminal path), wait for input with that signal mask. */
static status read_line(int fd, const char *src, const sigset_t *unblock, char **out,
			size_t *outlen, errbuf *err)
{
	char *buf = sodium_malloc(CAP);
	size_t len = 0;
	status st = ST_OK;
	*out = NULL;
	if (buf == NULL)
		return err_set(err, ST_NOMEM, "cannot allocate guarded memory for a passphrase");
	for (;;) {
		if (unblock != NULL) {
			fd_set rfds;
			FD_ZERO(&rfds);
			FD_SET(fd, &rfds);
			if (pselect(fd + 1, &rfds, NULL, NULL, NULL, unblock) < 0) {
				if (errno == EINTR && !tty_caught)
					continue;
				st = tty_caught ? err_set(err, ST_IO, "passphrase entry interrupted")
						: err_set(err, ST_IO, "cannot wait for the terminal: %s",
							  strerror(errno));
				goto out;
			}
		}
		ssize_t r = read(fd, buf + len, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = err_set(err, ST_IO, "cannot read a passphrase from %s: %s", src,
				     strerror(errno));
			goto out;
		}
		if (r == 0) {
			if (len == 0) {
				st = err_set(err, ST_USAGE, "no passphrase: %s is at end of input",
					     src);
				goto out;
			}
			break;
		}
		if (buf[len] == '\n')
			break;
		if (buf[len] == '\0') {
			st = err_set(err, ST_FORMAT, "the passphrase from %s contains a NUL byte",
				     src);
			goto out;
		}
		if (++len == CAP) /* no room left for a newline to end it */
			break;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > PASSPHRASE_MAX) {
		st = err_set(err, ST_TOOBIG, "the passphrase from %s is longer than %d bytes",
			     src, PASSPHRASE_MAX);
		goto out;
	}
	if (len == 0) {
		st = err_set(err, ST_USAGE, "the passphrase from %s is empty", src);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
out:
	passphrase_free(buf);
	return st;
}

status passphrase_read_fd(int fd, char **out, size_t *len, errbuf *err)
{
	char src[40];
	snprintf(src, sizeof src, "file descriptor %d", fd);
	return read_line(fd, src, NULL, out, len, err);
}

/* Prompt on the terminal fd and read a line with echo off. */
static status tty_ask(int fd, const char *prompt, char **out, size_t *len, errbuf *err)
{
	struct sigaction sa, old[NSIG_TTY];
	struct termios saved, noecho;
	sigset_t block, oldmask;
	status st;

	*out = NULL;
	if (fd >= FD_SETSIZE)
		return err_set(err, ST_IO, "terminal descriptor %d is too large", fd);
	if (tcgetattr(fd, &saved) != 0)
		return err_set(err, ST_IO, "cannot read the terminal's settings: %s",
			       strerror(errno));
	noecho = saved;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	noecho.c_lflag |= ICANON;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tty_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < NSIG_TTY; i++)
		sigaddset(&block, tty_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &oldmask);
	tty_caught = 0;
	for (size_t i = 0; i < NSIG_TTY; i++)
		sigaction(tty_signals[i], &sa, &old[i]);

	/* Echo off first, then the prompt: what is typed after the prompt
	 * appears is never echoed nor flushed away. */
	if (tcsetattr(fd, TCSAFLUSH, &noecho) != 0 || write(fd, prompt, strlen(prompt)) < 0)
		st = err_set(err, ST_IO, "cannot prompt on the terminal: %s", strerror(errno));
	else
		st = read_line(fd, "the terminal", &oldmask, out, len, err);

	tcsetattr(fd, TCSAFLUSH, &saved);
	if (write(fd, "\n", 1) < 0) {
		/* The newline typed was not echoed; nothing more to do. */
	}
	for (size_t i = 0; i < NSIG_TTY; i++)
		sigaction(tty_signals[i], &old[i], NULL);
	int sig = tty_caught;
	tty_caught = 0;
	/* Echo is back: a signal still pending now meets its old disposition. */
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	if (sig != 0) {
		passphrase_free(*out);
		*out = NULL;
		raise(sig);
		st = err_set(err, ST_IO, "passphrase entry interrupted");
	}
	return st;
}

status passphrase_read_tty(const char *prompt, const char *confirm, char **out, size_t *len,
			   errbuf *err)
{
	char *again = NULL;
	size_t againlen = 0;
	*out = NULL;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, ST_IO, "no terminal to ask for a passphrase on (%s)",
			       strerror(errno));
	status st = tty_ask(fd, prompt, out, len, err);
	if (st == ST_OK && confirm != NULL) {
		st = tty_ask(fd, confirm, &again, &againlen, err);
		if (st == ST_OK && (againlen != *len || sodium_memcmp(again, *out, *len) != 0))
			st = err_set(err, ST_BADPASS, "passphrases do not match");
		passphrase_free(again);
		if (st != ST_OK) {
			passphrase_free(*out);
			*out = NULL;
		}
	}
	close(fd);
	return st;
}
