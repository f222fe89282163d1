/* rfile.h: opening files to read that may come from someone else (a
 * bundle, a policy, a trust file, a witness's returned checkpoint). */
#ifndef CUSTOS_RFILE_H
#define CUSTOS_RFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

/* Open path for reading only if it is a regular file.  The open itself
 * uses O_NONBLOCK, so a FIFO or a device put where a file should be cannot
 * block the caller (it is refused instead); O_NOCTTY and O_CLOEXEC too.
 * Returns the descriptor (blocking again), or -1 with errno set: EINVAL
 * when path is not a regular file. */
int rfile_open(const char *path);

/* rfile_open as a stdio stream ("rb"); NULL with errno set. */
FILE *rfile_fopen(const char *path);

/* Read all of path, at most max bytes, into a new malloc'd buffer *out
 * (NUL-terminated; *len bytes).  With regular_only the file is opened by
 * rfile_open, so a FIFO or device is refused without blocking; without it
 * (a path the user typed, which may be <(...)) anything readable is read to
 * its end.  ST_NOTFOUND if it does not exist, ST_TOOBIG if it holds more
 * than max bytes, ST_IO otherwise, ST_NOMEM; err names the file. */
status rfile_read(const char *path, size_t max, bool regular_only, char **out, size_t *len,
		  errbuf *err) CUSTOS_WARN_UNUSED;

/* What went wrong, for a message: "not a regular file" for rfile's EINVAL,
 * else strerror(e). */
const char *rfile_strerror(int e);

#endif
