/* report_file.c: reports written to new files (report_file.h). */
#include "report_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"

const char *report_format_ext(report_format fmt)
{
	return fmt == REPORT_FORMAT_PDF ? "pdf" : fmt == REPORT_FORMAT_CSV ? "csv" : "json";
}

/* The new file `path`, owner-only; -1 with errno set. */
static int create(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* What a file holds: a report, a register or an audit report (one of). */
typedef struct what {
	const report *r;
	const report_register *g;
	const report_audit *a;
} what;

/* Write w to fd, the new file `path`, and close it; unlink path on a
 * failure. */
static status fill(int fd, what w, report_format fmt, report_paper paper, const char *path,
		   errbuf *err)
{
	const report *r = w.r;
	const report_register *g = w.g;
	FILE *f = fdopen(fd, "wb");
	if (f == NULL) {
		close(fd);
		unlink(path);
		return err_set(err, ST_IO, "cannot write %s", path);
	}
	status st;
	if (w.a != NULL)
		st = fmt == REPORT_FORMAT_PDF	? report_pdf_write_audit(w.a, paper, f, err)
		     : fmt == REPORT_FORMAT_CSV ? report_audit_write_csv(w.a, f, err)
						: report_audit_write_json(w.a, f, err);
	else if (r == NULL)
		st = fmt == REPORT_FORMAT_PDF	? report_pdf_write_register(g, paper, f, err)
		     : fmt == REPORT_FORMAT_CSV ? report_register_write_csv(g, f, err)
						: report_register_write_json(g, f, err);
	else
		st = fmt == REPORT_FORMAT_PDF	? report_pdf_write(r, paper, f, err)
		     : fmt == REPORT_FORMAT_CSV ? report_write_csv(r, f, err)
						: report_write_json(r, f, err);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		st = st != ST_OK ? st : err_set(err, ST_IO, "cannot write %s: %s", path, strerror(errno));
	if (fclose(f) != 0 && st == ST_OK)
		st = err_set(err, ST_IO, "cannot write %s: %s", path, strerror(errno));
	if (st != ST_OK)
		unlink(path);
	return st;
}

static status write_new(what w, report_format fmt, report_paper paper, const char *path,
			errbuf *err)
{
	int fd = create(path);
	if (fd < 0)
		return err_set(err, errno == EEXIST ? ST_EXISTS : ST_IO, "cannot create %s: %s", path,
			       strerror(errno));
	return fill(fd, w, fmt, paper, path, err);
}

status report_file_write(const report *r, const report_register *g, report_format fmt,
			 report_paper paper, const char *path, errbuf *err)
{
	return write_new((what){r, g, NULL}, fmt, paper, path, err);
}

status report_file_write_audit(const report_audit *a, report_format fmt, report_paper paper,
			       const char *path, errbuf *err)
{
	return write_new((what){NULL, NULL, a}, fmt, paper, path, err);
}

status report_file_dir(char *dir, size_t cap, errbuf *err)
{
	const char *env = getenv("CUSTOS_REPORT_DIR"), *home = getenv("HOME");
	int n;
	if (env != NULL && env[0] != '\0')
		n = snprintf(dir, cap, "%s", env);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(dir, cap, "%s%scustos-reports", home,
			     home[strlen(home) - 1] == '/' ? "" : "/");
	else
		return err_set(err, ST_USAGE, "no reports folder: set CUSTOS_REPORT_DIR or HOME");
	if (n < 0 || (size_t)n >= cap)
		return err_set(err, ST_USAGE, "the reports folder's name is too long");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(err, ST_IO, "cannot make the reports folder %s: %s", dir,
			       strerror(errno));
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return err_set(err, ST_IO, "cannot use the reports folder %s: %s", dir,
			       strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return err_set(err, ST_IO, "the reports folder %s is not a folder", dir);
	return ST_OK;
}

/* A file name of the safe characters only (no '/', no leading '.'). */
static bool name_ok(const char *s)
{
	if (s[0] == '\0' || s[0] == '.')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

status report_file_new(const report *r, report_format fmt, report_paper paper, const char *dir,
		       const char *name, char *path, size_t cap, errbuf *err)
{
	if (!name_ok(name))
		return err_set(err, ST_USAGE, "not a report file name");
	const char *ext = report_format_ext(fmt);
	const char *sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";
	for (int i = 1; i <= REPORT_FILE_TRIES; i++) {
		char num[16] = "";
		if (i > 1)
			snprintf(num, sizeof num, "-%d", i);
		int n = snprintf(path, cap, "%s%s%s%s.%s", dir, sep, name, num, ext);
		if (n < 0 || (size_t)n >= cap)
			return err_set(err, ST_USAGE, "the report file's name is too long");
		int fd = create(path);
		if (fd >= 0)
			return fill(fd, (what){r, NULL, NULL}, fmt, paper, path, err);
		if (errno != EEXIST)
			return err_set(err, ST_IO, "cannot create %s: %s", path, strerror(errno));
	}
	return err_set(err, ST_EXISTS, "%s%s%s.%s and %d more names exist already: move some away",
		       dir, sep, name, ext, REPORT_FILE_TRIES - 1);
}

void report_file_exported(db *d, const char *kind, const char *operand, const char *path)
{
	char detail[4200];
	snprintf(detail, sizeof detail, "report %s %s --out %s", kind, operand, path);
	access_export(d, detail);
}
