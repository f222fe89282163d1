#include "rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rfile_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
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

status rfile_read(const char *path, size_t max, bool regular_only, char **out, size_t *len,
		  errbuf *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = regular_only ? rfile_fopen(path) : fopen(path, "rb");
	if (f == NULL)
		return err_set(err, errno == ENOENT ? ST_NOTFOUND : ST_IO, "cannot open %s: %s",
			       path, rfile_strerror(errno));
	char *buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return err_set(err, ST_NOMEM, "out of memory reading %s", path);
	}
	/* One byte more than allowed tells a file that is too large. */
	size_t n = fread(buf, 1, max + 1, f);
	bool bad = ferror(f);
	fclose(f);
	status st = bad ? err_set(err, ST_IO, "cannot read %s", path)
		    : n > max ? err_set(err, ST_TOOBIG, "%s is too large (more than %zu bytes)", path, max)
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
