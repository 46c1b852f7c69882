/* status.c - the error convention: see status.h. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

dd_status_t dd_error_set(dd_error_t *err, dd_status_t status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
		err->status = status;
	}
	return status;
}

void dd_error_clear(dd_error_t *err)
{
	if (err) {
		err->status = DD_OK;
		err->message[0] = '\0';
	}
}

const char *dd_status_name(dd_status_t status)
{
	switch (status) {
	case DD_OK:
		return "ok";
	case DD_ERR_IO:
		return "i/o error";
	case DD_ERR_INVALID:
		return "invalid input";
	case DD_ERR_NOT_FOUND:
		return "not found";
	case DD_ERR_NOMEM:
		return "out of memory";
	case DD_ERR_INDEX:
		return "index error";
	case DD_ERR_ICU:
		return "ICU error";
	}
	return "unknown error";
}
