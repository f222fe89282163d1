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

/* Open dir/rel without following a symbolic link inside dir: for the
 * files of a bundle, which come from someone else and must not lead
 * elsewhere.  dir is opened as given (the caller's own path); then each
 * name of rel is opened relative to the directory before it with
 * O_NOFOLLOW (and O_DIRECTORY but for the last, unless want_dir), so a
 * link anywhere in rel is refused and nothing can be swapped between a
 * check and the open.  rel is made by the caller: names separated by
 * single slashes, none empty, "." or "..".  The file must be a regular
 * file, opened as rfile_open does (O_NONBLOCK for the open, so a FIFO is
 * refused without blocking); with want_dir, a directory (for fdopendir).
 * On success *fd is the descriptor.  ST_NOTFOUND if a name does not
 * exist; ST_IO otherwise, with err naming the file and, for a link, which
 * part of rel is one. */
status rfile_open_in(const char *dir, const char *rel, bool want_dir, int *fd,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* rfile_read of dir/rel opened by rfile_open_in (a regular file, no link
 * followed inside dir).  Errors as rfile_read and rfile_open_in. */
status rfile_read_in(const char *dir, const char *rel, size_t max, char **out, size_t *len,
		     errbuf *err) CUSTOS_WARN_UNUSED;

/* What went wrong, for a message: "not a regular file" for rfile's EINVAL,
 * else strerror(e). */
const char *rfile_strerror(int e);

#endif
