/* buffer.h - the three pieces of memory handling every part of dundian
 * needs, written once: a growable array, a growable string and a whole
 * file read into memory.
 *
 * Growable array: any `T *items; size_t count, capacity;` trio.
 *     if (DD_ARRAY_RESERVE(items, count, capacity, 1) != 0) -> out of memory
 *     items[count++] = x;
 * The array keeps its old contents when growing fails, so the caller can
 * still free what it holds.
 */
#ifndef DD_BUFFER_H
#define DD_BUFFER_H

#include <stdarg.h>
#include <stddef.h>

#include "status.h"

/* Makes room for `more` elements after the first `count` of *items
 * (capacity counts elements of elem_size bytes), doubling the capacity.
 * Returns 0, or -1 when memory ran out or the size would overflow (*items
 * and *capacity unchanged). */
int dd_array_reserve(void **items, size_t count, size_t *capacity, size_t more, size_t elem_size);

#define DD_ARRAY_RESERVE(items, count, capacity, more)                                                                 \
	dd_array_reserve((void **)&(items), (count), &(capacity), (more), sizeof *(items))

/* A growable NUL-terminated string.  Zero-initialise it ({0}); `s` is NULL
 * until something is added.  After a failed allocation `failed` is set
 * and later additions do nothing, so a caller checks once at the end. */
typedef struct dd_buffer {
	char *s;
	size_t len, cap;
	int failed;
} dd_buffer_t;

void dd_buffer_add(dd_buffer_t *b, const char *s, size_t len);
void dd_buffer_puts(dd_buffer_t *b, const char *s);
void dd_buffer_printf(dd_buffer_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string over (never NULL unless failed: "" for an empty
 * buffer) and resets b; NULL after a failure. */
char *dd_buffer_take(dd_buffer_t *b);
void dd_buffer_free(dd_buffer_t *b);

/* Reads the whole file at path into a malloc'd NUL-terminated string
 * (*len, if not NULL, gets its length; the data may hold NULs).  Refuses
 * what is not a regular file (a FIFO would block) and files larger than
 * max_bytes (0: no limit) with DD_ERR_INVALID; DD_ERR_NOT_FOUND when
 * there is no such file, DD_ERR_IO when it cannot be read, each with a
 * message "PATH: what is wrong". */
dd_status_t dd_read_file(const char *path, size_t max_bytes, char **data, size_t *len, dd_error_t *err);

#endif
