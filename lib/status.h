/* status.h - the error convention used by every dundian library call.
 *
 * A fallible call returns a dd_status_t and, on failure, writes a one-line
 * human readable message into the caller's dd_error_t (which may be NULL when
 * the caller does not care).  The message never ends with a newline and
 * already names the file, query or note that was at fault.
 */
#ifndef DD_STATUS_H
#define DD_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	DD_OK = 0,
	DD_ERR_IO,        /* a file or folder could not be read or written */
	DD_ERR_INVALID,   /* bad input: a broken note, a malformed query */
	DD_ERR_NOT_FOUND, /* no such note, index or key */
	DD_ERR_NOMEM,     /* out of memory */
	DD_ERR_INDEX,     /* the Xapian index refused: corrupt, locked, ... */
	DD_ERR_ICU        /* ICU failed (missing data, bad locale) */
} dd_status_t;

typedef struct dd_error {
	dd_status_t status;
	char message[512];
} dd_error_t;

/* Records status and a printf-style message in err (if err is not NULL) and
 * returns status, so a caller can write `return dd_error_set(err, ...);`. */
dd_status_t dd_error_set(dd_error_t *err, dd_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to DD_OK with an empty message. */
void dd_error_clear(dd_error_t *err);

/* A short English name of a status, e.g. "invalid input". */
const char *dd_status_name(dd_status_t status);

#ifdef __cplusplus
}
#endif

#endif
