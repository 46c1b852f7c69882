/* test_bench_corpus.c - the scaled corpus of the scale benches
 * (bench/scaled_corpus.c): the right number of valid notes with unique
 * ids, the same bytes on every run, copies that really differ, and the 1%
 * edit of the incremental bench touching exactly its notes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "cli_util.h"
#include "note.h"
#include "scaled_corpus.h"

#define SOURCE DD_SOURCE_DIR "/corpus/notes"

static size_t source_count(void)
{
	char **paths;
	size_t n;
	dd_error_t err;
	assert_int_equal(dd_scaled_corpus_list(SOURCE, &paths, &n, &err), DD_OK);
	dd_scaled_corpus_list_free(paths, n);
	return n;
}

static char *slurp(const char *path)
{
	char *data;
	dd_error_t err;
	if (dd_read_file(path, 0, &data, NULL, &err) != DD_OK)
		fail_msg("%s", err.message);
	return data;
}

static dd_note_t *load(const char *path)
{
	dd_note_t *note;
	dd_error_t err;
	if (dd_note_load(path, &note, &err) != DD_OK)
		fail_msg("%s", err.message);
	return note;
}

static void test_two_runs_write_the_same_valid_notes(void **state)
{
	(void)state;
	char a[4096], b[4096];
	assert_non_null(cli_scratch("bench_corpus_a", a, sizeof a));
	assert_non_null(cli_scratch("bench_corpus_b", b, sizeof b));
	size_t n_src = source_count(), made_a = 0, made_b = 0;
	assert_true(n_src >= 100);
	dd_error_t err;
	assert_int_equal(dd_scaled_corpus_make(SOURCE, a, 3, &made_a, &err), DD_OK);
	assert_int_equal(dd_scaled_corpus_make(SOURCE, b, 3, &made_b, &err), DD_OK);
	assert_int_equal(made_a, 3 * n_src);
	assert_int_equal(made_b, 3 * n_src);

	char **pa, **pb;
	size_t na, nb;
	assert_int_equal(dd_scaled_corpus_list(a, &pa, &na, &err), DD_OK);
	assert_int_equal(dd_scaled_corpus_list(b, &pb, &nb, &err), DD_OK);
	assert_int_equal(na, 3 * n_src);
	assert_int_equal(nb, na);
	char **ids = calloc(na, sizeof *ids);
	assert_non_null(ids);
	for (size_t i = 0; i < na; i++) {
		/* same relative path, same bytes */
		assert_string_equal(pa[i] + strlen(a), pb[i] + strlen(b));
		char *x = slurp(pa[i]), *y = slurp(pb[i]);
		assert_string_equal(x, y);
		free(x);
		free(y);
		dd_note_t *note = load(pa[i]);
		ids[i] = strdup(note->id);
		dd_note_free(note);
	}
	qsort(ids, na, sizeof *ids, cli_by_string);
	for (size_t i = 1; i < na; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	for (size_t i = 0; i < na; i++)
		free(ids[i]);
	free(ids);
	dd_scaled_corpus_list_free(pa, na);
	dd_scaled_corpus_list_free(pb, nb);
}

static void test_copies_differ_from_each_other(void **state)
{
	(void)state;
	char dir[4096], path[4400];
	assert_non_null(cli_scratch("bench_corpus_copies", dir, sizeof dir));
	dd_error_t err;
	assert_int_equal(dd_scaled_corpus_make(SOURCE, dir, 2, NULL, &err), DD_OK);
	dd_note_t *src = load(SOURCE "/N0001.md");
	snprintf(path, sizeof path, "%s/c000/N0001-000.md", dir);
	dd_note_t *c0 = load(path);
	snprintf(path, sizeof path, "%s/c001/N0001-001.md", dir);
	dd_note_t *c1 = load(path);

	/* copy 0: the source with a new id */
	assert_string_equal(c0->id, "N0001-000");
	assert_string_equal(c0->title, src->title);
	assert_string_equal(c0->date, src->date);
	assert_string_equal(c0->county, src->county);
	assert_string_equal(c0->body, src->body);

	/* copy 1: title marked, a week later, paragraphs rotated by one,
	 * digits shifted by one; place kept */
	assert_string_equal(c1->id, "N0001-001");
	char title[1024];
	snprintf(title, sizeof title, "%s (1)", src->title);
	assert_string_equal(c1->title, title);
	assert_string_equal(src->date, "2007-04-09");
	assert_string_equal(c1->date, "2007-04-16");
	assert_string_equal(c1->county, src->county);
	assert_int_equal(c1->body_len, src->body_len);
	assert_string_not_equal(c1->body, src->body);
	const char *second = strstr(src->body, "\n\n") + 2;
	const char *end = strstr(second, "\n\n");
	size_t len = (size_t)(end - second);
	char *shifted = strndup(second, len);
	for (char *p = shifted; *p; p++)
		if (*p >= '0' && *p <= '9')
			*p = (char)('0' + (*p - '0' + 1) % 10);
	assert_memory_equal(c1->body, shifted, len);
	free(shifted);
	dd_note_free(src);
	dd_note_free(c0);
	dd_note_free(c1);
}

static void test_change_touches_one_note_in_every(void **state)
{
	(void)state;
	char dir[4096];
	assert_non_null(cli_scratch("bench_corpus_change", dir, sizeof dir));
	dd_error_t err;
	size_t made, changed;
	assert_int_equal(dd_scaled_corpus_make(SOURCE, dir, 1, &made, &err), DD_OK);
	char **paths;
	size_t n;
	assert_int_equal(dd_scaled_corpus_list(dir, &paths, &n, &err), DD_OK);
	char *before0 = slurp(paths[0]), *before1 = slurp(paths[1]), *before100 = slurp(paths[100]);
	assert_int_equal(dd_scaled_corpus_change(dir, 100, 7, &changed, &err), DD_OK);
	assert_int_equal(changed, (made + 99) / 100);
	char *after0 = slurp(paths[0]), *after1 = slurp(paths[1]), *after100 = slurp(paths[100]);
	assert_string_not_equal(before0, after0);
	assert_string_not_equal(before100, after100);
	assert_string_equal(before1, after1);
	dd_note_t *note = load(paths[0]);
	assert_non_null(strstr(note->body, "补记（第7轮）"));
	dd_note_free(note);
	free(before0), free(before1), free(before100), free(after0), free(after1), free(after100);
	dd_scaled_corpus_list_free(paths, n);
}

static void test_bad_arguments_are_refused(void **state)
{
	(void)state;
	char dir[4096];
	assert_non_null(cli_scratch("bench_corpus_bad", dir, sizeof dir));
	dd_error_t err;
	size_t made = 99;
	assert_int_equal(dd_scaled_corpus_make(SOURCE, dir, 0, &made, &err), DD_ERR_INVALID);
	assert_int_equal(made, 0);
	assert_int_equal(dd_scaled_corpus_make(SOURCE, dir, 1000, NULL, &err), DD_ERR_INVALID);
	assert_int_equal(dd_scaled_corpus_make(DD_TEST_TMP "/no/such/folder", dir, 1, NULL, &err), DD_ERR_IO);
	assert_non_null(strstr(err.message, "no/such/folder"));
	/* an empty folder has no notes to copy */
	assert_int_equal(dd_scaled_corpus_make(dir, dir, 1, NULL, &err), DD_ERR_INVALID);
	assert_int_equal(dd_scaled_corpus_change(dir, 0, 1, NULL, &err), DD_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_runs_write_the_same_valid_notes),
		cmocka_unit_test(test_copies_differ_from_each_other),
		cmocka_unit_test(test_change_touches_one_note_in_every),
		cmocka_unit_test(test_bad_arguments_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
