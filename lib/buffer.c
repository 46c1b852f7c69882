/* buffer.c - growable arrays and strings, whole files (buffer.h). */
#include "buffer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dd_array_reserve(void **items, size_t count, size_t *capacity, size_t more, size_t elem_size)
{
	if (more > SIZE_MAX - count)
		return -1;
	size_t need = count + more;
	if (need <= *capacity)
		return 0;
	size_t cap = *capacity ? *capacity : 8;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (elem_size && cap > SIZE_MAX / elem_size)
		return -1;
	void *p = realloc(*items, cap * elem_size);
	if (!p)
		return -1;
	*items = p;
	*capacity = cap;
	return 0;
}

void dd_buffer_add(dd_buffer_t *b, const char *s, size_t len)
{
	if (b->failed)
		return;
	if (len == SIZE_MAX || DD_ARRAY_RESERVE(b->s, b->len, b->cap, len + 1) != 0) {
		b->failed = 1;
		return;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void dd_buffer_puts(dd_buffer_t *b, const char *s)
{
	dd_buffer_add(b, s, strlen(s));
}

void dd_buffer_printf(dd_buffer_t *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		dd_buffer_add(b, small, (size_t)n);
		return;
	}
	if (DD_ARRAY_RESERVE(b->s, b->len, b->cap, (size_t)n + 1) != 0) {
		b->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *dd_buffer_take(dd_buffer_t *b)
{
	char *s = b->failed ? NULL : b->s ? b->s : strdup("");
	if (b->failed)
		free(b->s);
	memset(b, 0, sizeof *b);
	return s;
}

void dd_buffer_free(dd_buffer_t *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

dd_status_t dd_read_file(const char *path, size_t max_bytes, char **data, size_t *len, dd_error_t *err)
{
	*data = NULL;
	if (len)
		*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; the type is
	 * checked on the open file, so it cannot change in between. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return dd_error_set(err, e == ENOENT ? DD_ERR_NOT_FOUND : DD_ERR_IO, "%s: cannot open: %s", path,
		                    strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return dd_error_set(err, DD_ERR_INVALID, "%s: not a regular file", path);
	}
	if (max_bytes && (uintmax_t)st.st_size > max_bytes) {
		close(fd);
		return dd_error_set(err, DD_ERR_INVALID, "%s: too large (%jd bytes; at most %zu)", path,
		                    (intmax_t)st.st_size, max_bytes);
	}
	dd_buffer_t b = { 0 };
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			dd_buffer_free(&b);
			return dd_error_set(err, DD_ERR_IO, "%s: read error: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		dd_buffer_add(&b, chunk, (size_t)r);
		if (max_bytes && b.len > max_bytes) {
			close(fd);
			dd_buffer_free(&b);
			return dd_error_set(err, DD_ERR_INVALID, "%s: too large (more than %zu bytes)", path,
			                    max_bytes);
		}
	}
	close(fd);
	size_t n = b.len;
	char *s = dd_buffer_take(&b);
	if (!s)
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	*data = s;
	if (len)
		*len = n;
	return DD_OK;
}
