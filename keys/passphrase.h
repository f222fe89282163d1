/* passphrase.h: read a passphrase from the terminal without echo, or one
 * line from a file descriptor (for scripts).  Never from argv.
 *
 * A passphrase is 1 to PASSPHRASE_MAX bytes with no NUL byte, returned
 * NUL-terminated in libsodium guarded memory and released with
 * passphrase_free, which wipes it. */
#ifndef CUSTOS_PASSPHRASE_H
#define CUSTOS_PASSPHRASE_H

#include <stddef.h>

#include "../src/status.h"

#define PASSPHRASE_MAX 1024

/* Read one line from fd, one byte at a time so that the fd is left just
 * after the line's newline: a second call reads the next line.  A single
 * trailing "\n" or "\r\n" is stripped; the last line may lack its newline.
 * Errors: ST_USAGE for end of input before any byte, or an empty line;
 * ST_TOOBIG for a line over PASSPHRASE_MAX bytes; ST_FORMAT for a NUL byte;
 * ST_IO for a read error (e.g. fd not open).  On success *out (free with
 * passphrase_free) and *len are set; on failure *out is NULL. */
status passphrase_read_fd(int fd, char **out, size_t *len, errbuf *err) CUSTOS_WARN_UNUSED;

/* Write `prompt` to the controlling terminal (/dev/tty) and read a line
 * with echo off; if `confirm` is not NULL, prompt again with it and require
 * the same passphrase (ST_BADPASS "passphrases do not match" otherwise).
 * The terminal's settings are restored on every path: on SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT or SIGTSTP (blocked while echo is off except when waiting
 * for input) they are restored, the signal's previous disposition
 * reinstated and the signal raised again (if that returns, the result is
 * ST_IO).  ST_IO if there is no terminal.  Same results as
 * passphrase_read_fd otherwise.  Not for concurrent use from two threads. */
status passphrase_read_tty(const char *prompt, const char *confirm, char **out, size_t *len,
			   errbuf *err) CUSTOS_WARN_UNUSED;

/* Wipe and free a passphrase; NULL is allowed. */
void passphrase_free(char *pass);

#endif
