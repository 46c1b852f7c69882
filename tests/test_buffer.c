/* test_buffer.c - growable arrays and strings, and reading whole files
 * (lib/buffer.h): growth keeps contents, overflowing sizes are refused,
 * and a FIFO, a folder or a file too large are refused at once with a
 * message naming the path, never read (a FIFO would block). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"

static void test_array_grows_and_keeps(void **state)
{
	(void)state;
	int *items = NULL;
	size_t count = 0, capacity = 0;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(DD_ARRAY_RESERVE(items, count, capacity, 1), 0);
		assert_true(capacity > count);
		items[count++] = i;
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(items[i], i);
	/* a size that would overflow is refused, the array left alone */
	size_t before = capacity;
	assert_int_equal(DD_ARRAY_RESERVE(items, count, capacity, SIZE_MAX), -1);
	assert_int_equal(DD_ARRAY_RESERVE(items, count, capacity, SIZE_MAX / 2), -1);
	assert_int_equal(capacity, before);
	assert_int_equal(items[999], 999);
	free(items);
}

static void test_buffer(void **state)
{
	(void)state;
	dd_buffer_t b = { 0 };
	char *empty = dd_buffer_take(&b);
	assert_string_equal(empty, "");
	free(empty);
	dd_buffer_puts(&b, "饮水");
	dd_buffer_add(&b, "abc", 2);
	dd_buffer_printf(&b, "-%d-", 42);
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	dd_buffer_printf(&b, "%s|", big); /* longer than printf's first try */
	assert_int_equal(b.len, strlen("饮水ab-42-") + 999 + 1);
	char *s = dd_buffer_take(&b);
	assert_int_equal(strncmp(s, "饮水ab-42-xxx", strlen("饮水ab-42-xxx")), 0);
	assert_int_equal(s[strlen(s) - 1], '|');
	assert_null(b.s);
	free(s);
}

static void test_read_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/dd-buffer-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], fifo[256];
	snprintf(path, sizeof path, "%s/note.md", dir);
	snprintf(fifo, sizeof fifo, "%s/pipe", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("a\0b", 1, 3, f);
	fclose(f);

	char *data;
	size_t len;
	dd_error_t err;
	assert_int_equal(dd_read_file(path, 0, &data, &len, &err), DD_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "a\0b", 4); /* NUL-terminated too */
	free(data);

	assert_int_equal(dd_read_file(path, 2, &data, &len, &err), DD_ERR_INVALID);
	assert_null(data);
	assert_non_null(strstr(err.message, "too large"));
	assert_non_null(strstr(err.message, path));

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(dd_read_file(fifo, 0, &data, &len, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "not a regular file"));
	assert_int_equal(dd_read_file(dir, 0, &data, &len, &err), DD_ERR_INVALID);

	char missing[300];
	snprintf(missing, sizeof missing, "%s/none", dir);
	assert_int_equal(dd_read_file(missing, 0, &data, NULL, &err), DD_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, missing));

	unlink(fifo);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_grows_and_keeps),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
