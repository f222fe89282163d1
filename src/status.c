#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const messages[] = {
#define STATUS_MSG(code, msg) [code] = msg,
	STATUS_LIST(STATUS_MSG)
#undef STATUS_MSG
};

const char *status_message(status st)
{
	if ((unsigned)st >= ST__COUNT)
		return "unknown error";
	return messages[st];
}

status err_set(errbuf *err, status st, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->why = 0;
	}
	return st;
}

const char *err_text(const errbuf *err, status st)
{
	if (err != NULL && err->msg[0] != '\0')
		return err->msg;
	return status_message(st);
}
