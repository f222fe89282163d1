/* logfile.h: the log file, a sequence of signed notes each prefixed by its
 * length as a big-endian uint16 (the C2SP tlog-tiles entry-bundle encoding).
 * An empty file is an empty log. */
#ifndef CUSTOS_LOGFILE_H
#define CUSTOS_LOGFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

#define LOGFILE_ENTRY_MAX 65535

/* Append one record to f.  ST_TOOBIG if len is 0 or over LOGFILE_ENTRY_MAX,
 * ST_IO if the write fails. */
status logfile_write(FILE *f, const void *entry, size_t len) CUSTOS_WARN_UNUSED;

/* Walk records in buf[0..len): on ST_OK, *entry and *entrylen are the record at
 * *pos and *pos moves past it.  Returns ST_NOTFOUND at the clean end of the
 * buffer, ST_CORRUPT (with err naming the offset) if a record is empty or
 * runs past the end. */
status logfile_next(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **entry,
		    size_t *entrylen, errbuf *err) CUSTOS_WARN_UNUSED;

/* A whole log file mapped read-only into memory. */
typedef struct logfile_map {
	const uint8_t *data;
	size_t len;
} logfile_map;

/* Map path (an empty file gives len 0).  ST_IO with err naming the file. */
status logfile_open(const char *path, logfile_map *map, errbuf *err) CUSTOS_WARN_UNUSED;
void logfile_close(logfile_map *map);

#endif
