#include "rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fd opened with O_NONBLOCK: blocking again if it is a regular file, else
 * closed (-1, errno EINVAL). */
static int keep_regular(int fd)
{
	if (fd < 0)
		return -1;
	struct stat sb;
	int flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &sb) != 0 || flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int rfile_open(const char *path)
{
	return keep_regular(open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
}

FILE *rfile_fopen(const char *path)
{
	int fd = rfile_open(path);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "rb");
	if (f == NULL) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

const char *rfile_strerror(int e)
{
	return e == EINVAL ? "not a regular file" : strerror(e);
}

/* Read all of f (closed here), at most max bytes, as rfile_read does; the
 * file's name for messages is prefix (may be "") then path. */
static status read_all(FILE *f, const char *prefix, const char *path, size_t max, char **out,
		       size_t *len, errbuf *err)
{
	char *buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return err_set(err, ST_NOMEM, "out of memory reading %s%s", prefix, path);
	}
	/* One byte more than allowed tells a file that is too large. */
	size_t n = fread(buf, 1, max + 1, f);
	bool bad = ferror(f);
	fclose(f);
	status st = bad ? err_set(err, ST_IO, "cannot read %s%s", prefix, path)
		    : n > max ? err_set(err, ST_TOOBIG, "%s%s is too large (more than %zu bytes)",
					prefix, path, max)
			      : ST_OK;
	if (st != ST_OK) {
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return ST_OK;
}

status rfile_read(const char *path, size_t max, bool regular_only, char **out, size_t *len,
		  errbuf *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = regular_only ? rfile_fopen(path) : fopen(path, "rb");
	if (f == NULL)
		return err_set(err, errno == ENOENT ? ST_NOTFOUND : ST_IO, "cannot open %s: %s",
			       path, rfile_strerror(errno));
	return read_all(f, "", path, max, out, len, err);
}

/* open_in's walk: -1 with errno; ELOOP sets *link to the length of the
 * part of rel that ends with the link. */
static int open_below(const char *dir, const char *rel, bool want_dir, size_t *link)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (const char *p = rel; d >= 0;) {
		size_t n = strcspn(p, "/");
		bool last = p[n] == '\0';
		char name[NAME_MAX + 1];
		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(d);
			errno = EINVAL;
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
		if (!last || want_dir)
			flags |= O_DIRECTORY;
		int fd = openat(d, name, flags);
		int e = errno;
		/* O_DIRECTORY makes Linux say ENOTDIR for a link: ask which it
		 * was, for the message only (the open has refused it already). */
		struct stat sb;
		if (fd < 0 && e == ENOTDIR && fstatat(d, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(sb.st_mode))
			e = ELOOP;
		close(d);
		if (fd < 0 && e == ELOOP)
			*link = (size_t)(p - rel) + n;
		if (fd < 0 || last) {
			errno = e;
			return fd;
		}
		d = fd;
		p += n + 1;
	}
	return -1;
}

status rfile_open_in(const char *dir, const char *rel, bool want_dir, int *fd, errbuf *err)
{
	size_t link = 0;
	*fd = open_below(dir, rel, want_dir, &link);
	if (*fd >= 0 && !want_dir)
		*fd = keep_regular(*fd);
	if (*fd >= 0)
		return ST_OK;
	int e = errno;
	if (e == ELOOP)
		return err_set(err, ST_IO, "cannot open %s/%s: %.*s is a symbolic link, which is "
			       "not followed inside %s", dir, rel, (int)link, rel, dir);
	return err_set(err, e == ENOENT ? ST_NOTFOUND : ST_IO, "cannot open %s/%s: %s", dir, rel,
		       rfile_strerror(e));
}

status rfile_read_in(const char *dir, const char *rel, size_t max, char **out, size_t *len,
		     errbuf *err)
{
	*out = NULL;
	*len = 0;
	int fd;
	status st = rfile_open_in(dir, rel, false, &fd, err);
	if (st != ST_OK)
		return st;
	FILE *f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		return err_set(err, ST_NOMEM, "out of memory reading %s/%s", dir, rel);
	}
	char prefix[4096];
	snprintf(prefix, sizeof prefix, "%s/", dir);
	return read_all(f, prefix, rel, max, out, len, err);
}
