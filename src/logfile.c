#include "logfile.h"
#include "rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

status logfile_write(FILE *f, const void *entry, size_t len)
{
	if (len == 0 || len > LOGFILE_ENTRY_MAX)
		return ST_TOOBIG;
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	if (fwrite(hdr, 1, 2, f) != 2 || fwrite(entry, 1, len, f) != len)
		return ST_IO;
	return ST_OK;
}

status logfile_next(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **entry,
		    size_t *entrylen, errbuf *err)
{
	size_t p = *pos;
	if (p == len)
		return ST_NOTFOUND;
	if (len - p < 2)
		return err_set(err, ST_CORRUPT, "log file: truncated length at byte offset %zu", p);
	size_t n = (size_t)buf[p] << 8 | buf[p + 1];
	if (n == 0)
		return err_set(err, ST_CORRUPT, "log file: empty record at byte offset %zu", p);
	if (len - p - 2 < n)
		return err_set(err, ST_CORRUPT,
			       "log file: record at byte offset %zu runs past the end of the file", p);
	*entry = buf + p + 2;
	*entrylen = n;
	*pos = p + 2 + n;
	return ST_OK;
}

status logfile_open(const char *path, logfile_map *map, errbuf *err)
{
	map->data = NULL;
	map->len = 0;
	int fd = rfile_open(path);
	if (fd < 0)
		return err_set(err, ST_IO, "%s: %s", path, rfile_strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(err, ST_IO, "%s: not a regular file", path);
	}
	if (sb.st_size > 0) {
		void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(fd);
			return err_set(err, ST_IO, "%s: %s", path, strerror(e));
		}
		map->data = p;
		map->len = (size_t)sb.st_size;
	}
	close(fd);
	return ST_OK;
}

void logfile_close(logfile_map *map)
{
	if (map->len > 0)
		munmap((void *)map->data, map->len);
	map->data = NULL;
	map->len = 0;
}
