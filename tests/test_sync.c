/* test_sync.c - the mirroring plan (lib/sync.h) on its own, without Xapian
 * or files: given what the index held and what a run found, every
 * decision (add, update, unchanged, duplicate, rejected, remove, keep) and
 * the counts the indexer prints.  The application against a real index is
 * driven through dundian-index by test_index_cli.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sync.h"

/* A note of the run: its file, its id (NULL: rejected) and fingerprint. */
typedef struct run_note {
	const char *path, *id, *fingerprint;
} run_note_t;

#define MAX_FILES 16

/* A decided plan; paths must outlive it, so they live here. */
typedef struct plan {
	const char *paths[MAX_FILES];
	dd_sync_decision_t d[MAX_FILES];
	dd_sync_t *s;
} plan_t;

/* Plans the run files[0..n_files) against known[0..n_known), deciding
 * every file in order. */
static void plan_run(plan_t *p, const dd_sync_known_t *known, size_t n_known, const run_note_t *files, size_t n_files)
{
	assert_true(n_files <= MAX_FILES);
	for (size_t i = 0; i < n_files; i++)
		p->paths[i] = files[i].path;
	dd_error_t err;
	assert_int_equal(dd_sync_new(known, n_known, p->paths, n_files, &p->s, &err), DD_OK);
	for (size_t i = 0; i < n_files; i++)
		assert_int_equal(dd_sync_decide(p->s, i, files[i].id, files[i].fingerprint, &p->d[i], &err), DD_OK);
}

static void expect_counts(const dd_sync_t *s, size_t added, size_t updated, size_t removed, size_t unchanged,
                          size_t rejected)
{
	dd_sync_counts_t c = dd_sync_counts(s);
	if (c.added != added || c.updated != updated || c.removed != removed || c.unchanged != unchanged ||
	    c.rejected != rejected)
		fail_msg("counts %zu added, %zu updated, %zu removed, %zu unchanged, %zu rejected; expected %zu, %zu, "
		         "%zu, %zu, %zu",
		         c.added, c.updated, c.removed, c.unchanged, c.rejected, added, updated, removed, unchanged,
		         rejected);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_new_notes_into_an_empty_index(void **state)
{
	(void)state;
	const run_note_t files[] = { { "/n/a.md", "QA1", "1" }, { "/n/b.md", "QA2", "2" } };
	plan_t p;
	plan_run(&p, NULL, 0, files, N(files));
	for (size_t i = 0; i < N(files); i++) {
		assert_int_equal(p.d[i].action, DD_SYNC_ADD);
		assert_int_equal(p.d[i].known, -1);
		assert_null(p.d[i].holder);
	}
	expect_counts(p.s, 2, 0, 0, 0, 0);
	dd_sync_free(p.s);
}

static void test_unchanged_changed_and_gone(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = {
		{ "QA1", "/n/a.md", "1", 1 }, /* same fingerprint: unchanged */
		{ "QA2", "/n/b.md", "2", 1 }, /* edited: updated */
		{ "QA3", "/n/c.md", "3", 0 }, /* its file is gone: removed */
	};
	const run_note_t files[] = { { "/n/a.md", "QA1", "1" }, { "/n/b.md", "QA2", "2b" }, { "/n/d.md", "QA4", "4" } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_UNCHANGED);
	assert_int_equal(p.d[0].known, 0);
	assert_int_equal(p.d[1].action, DD_SYNC_UPDATE);
	assert_int_equal(p.d[1].known, 1);
	assert_int_equal(p.d[2].action, DD_SYNC_ADD);
	assert_false(dd_sync_removes(p.s, 0));
	assert_false(dd_sync_removes(p.s, 1));
	assert_true(dd_sync_removes(p.s, 2));
	expect_counts(p.s, 1, 1, 1, 1, 0);
	dd_sync_free(p.s);
}

/* Indexing one file or one folder leaves the index's other notes alone
 * while their files exist. */
static void test_files_outside_the_run_are_kept(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QA1", "/n/a.md", "1", 1 }, { "QB1", "/other/b.md", "2", 1 } };
	const run_note_t files[] = { { "/n/a.md", "QA1", "1" } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_false(dd_sync_removes(p.s, 1));
	expect_counts(p.s, 0, 0, 0, 1, 0);
	dd_sync_free(p.s);

	/* an empty run removes exactly the notes whose file is gone */
	const dd_sync_known_t gone[] = { { "QA1", "/n/a.md", "1", 0 }, { "QB1", "/other/b.md", "2", 1 } };
	plan_run(&p, gone, N(gone), NULL, 0);
	assert_true(dd_sync_removes(p.s, 0));
	assert_false(dd_sync_removes(p.s, 1));
	expect_counts(p.s, 0, 0, 1, 0, 0);
	dd_sync_free(p.s);
}

static void test_two_files_one_id(void **state)
{
	(void)state;
	const run_note_t files[] = { { "/n/first.md", "QD1", "1" },
		                     { "/n/other.md", "QD2", "2" },
		                     { "/n/second.md", "QD1", "3" } };
	plan_t p;
	plan_run(&p, NULL, 0, files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_ADD);
	assert_int_equal(p.d[2].action, DD_SYNC_DUPLICATE);
	/* the first in path order keeps the id */
	assert_string_equal(p.d[2].holder, "/n/first.md");
	expect_counts(p.s, 2, 0, 0, 0, 1);
	dd_sync_free(p.s);
}

/* The id is held by a file outside the run that still exists. */
static void test_id_held_by_a_file_outside_the_run(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QX1", "/n/x.md", "1", 1 } };
	const run_note_t files[] = { { "/extra/y.md", "QX1", "2" } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_DUPLICATE);
	assert_string_equal(p.d[0].holder, "/n/x.md");
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 0, 0, 0, 1);
	dd_sync_free(p.s);

	/* once that file is gone, the new one takes the id over */
	const dd_sync_known_t gone[] = { { "QX1", "/n/x.md", "1", 0 } };
	plan_run(&p, gone, N(gone), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_UPDATE);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 1, 0, 0, 0);
	dd_sync_free(p.s);
}

/* A note moved to another file keeps its id: updated, not removed and
 * added (its fingerprint covers the path). */
static void test_note_that_moved(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QM1", "/n/M1.md", "old", 0 }, { "QZ", "/n/z.md", "z", 1 } };
	const run_note_t files[] = { { "/n/sub/M1.md", "QM1", "moved" }, { "/n/z.md", "QZ", "z" } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_UPDATE);
	assert_int_equal(p.d[0].known, 0);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 1, 0, 1, 0);
	dd_sync_free(p.s);

	/* moved while its old file, still part of the run, took another id */
	const dd_sync_known_t swapped[] = { { "QX", "/n/a.md", "x", 1 } };
	const run_note_t now[] = { { "/n/a.md", "QY", "y" }, { "/n/b.md", "QX", "x2" } };
	plan_run(&p, swapped, N(swapped), now, N(now));
	assert_int_equal(p.d[0].action, DD_SYNC_ADD);
	assert_int_equal(p.d[1].action, DD_SYNC_UPDATE);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 1, 1, 0, 0, 0);
	dd_sync_free(p.s);
}

/* The index's file of an id is part of the run but later in path order:
 * the earlier file takes the id, the old file is the duplicate. */
static void test_first_in_path_order_wins_over_the_index(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QD", "/n/z.md", "z", 1 } };
	const run_note_t files[] = { { "/n/a.md", "QD", "a" }, { "/n/z.md", "QD", "z" } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_UPDATE);
	assert_int_equal(p.d[1].action, DD_SYNC_DUPLICATE);
	assert_string_equal(p.d[1].holder, "/n/a.md");
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 1, 0, 0, 1);
	dd_sync_free(p.s);
}

/* A rejected note changes nothing: the index keeps its older version. */
static void test_rejected_note_keeps_its_older_version(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QK1", "/n/k1.md", "1", 1 }, { "QK2", "/n/k2.md", "2", 1 } };
	const run_note_t files[] = { { "/n/k1.md", NULL, NULL },
		                     { "/n/k2.md", "QK2", "2" },
		                     { "/n/new.md", NULL, NULL } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_REJECTED);
	assert_int_equal(p.d[0].known, -1);
	assert_int_equal(p.d[2].action, DD_SYNC_REJECTED);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 0, 0, 1, 2);
	dd_sync_free(p.s);
}

/* A file that now holds another id: the note it held is removed, unless
 * the file lost its claim (rejected or duplicate), then it is kept. */
static void test_file_now_holding_another_id(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QX1", "/n/x.md", "1", 1 } };
	const run_note_t files[] = { { "/n/x.md", "QX2", "2" } };
	plan_t p;
	plan_run(&p, known, N(known), files, N(files));
	assert_int_equal(p.d[0].action, DD_SYNC_ADD);
	assert_true(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 1, 0, 1, 0, 0);
	dd_sync_free(p.s);

	const run_note_t clash[] = { { "/n/a.md", "QX2", "a" }, { "/n/x.md", "QX2", "2" } };
	plan_run(&p, known, N(known), clash, N(clash));
	assert_int_equal(p.d[1].action, DD_SYNC_DUPLICATE);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 1, 0, 0, 0, 1);
	dd_sync_free(p.s);
}

/* Notes of another shard: neither rejected nor removed when the index
 * never held them; a note the index held for a file whose note now
 * belongs to another shard is removed. */
static void test_notes_of_other_shards(void **state)
{
	(void)state;
	const dd_sync_known_t known[] = { { "QX1", "/n/x.md", "1", 1 } };
	plan_t p;
	for (size_t i = 0; i < MAX_FILES; i++)
		p.paths[i] = NULL;
	p.paths[0] = "/n/a.md";
	p.paths[1] = "/n/x.md";
	dd_error_t err;
	assert_int_equal(dd_sync_new(known, N(known), p.paths, 2, &p.s, &err), DD_OK);
	dd_sync_elsewhere(p.s, 0);
	assert_int_equal(dd_sync_decide(p.s, 1, "QX1", "1", &p.d[1], &err), DD_OK);
	assert_int_equal(p.d[1].action, DD_SYNC_UNCHANGED);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 0, 0, 1, 0);
	assert_int_equal(dd_sync_counts(p.s).elsewhere, 1);
	dd_sync_free(p.s);

	/* x.md now holds a note of another shard: its old note goes */
	assert_int_equal(dd_sync_new(known, N(known), p.paths, 2, &p.s, &err), DD_OK);
	dd_sync_elsewhere(p.s, 0);
	dd_sync_elsewhere(p.s, 1);
	dd_sync_elsewhere(p.s, 1); /* counted once */
	assert_true(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 0, 1, 0, 0);
	assert_int_equal(dd_sync_counts(p.s).elsewhere, 2);
	dd_sync_free(p.s);

	/* the hash is stable (FNV-1a, documented) and within range */
	assert_int_equal(dd_sync_shard_of("N0001", 1), 0);
	assert_int_equal(dd_sync_shard_of("", 7), 14695981039346656037u % 7);
	for (unsigned n = 2; n < 9; n++)
		assert_true(dd_sync_shard_of("N0001", n) < n);
	assert_int_equal(dd_sync_shard_of("a", 1000), 12638187200555641996u % 1000);
}

/* A note rejected after its decision (its document could not be built)
 * gives its id back and keeps its previous version. */
static void test_withdrawn_note(void **state)
{
	(void)state;
	const run_note_t files[] = { { "/n/a.md", "QW", "a" }, { "/n/b.md", "QW", "b" } };
	plan_t p;
	dd_error_t err;
	p.paths[0] = files[0].path;
	p.paths[1] = files[1].path;
	assert_int_equal(dd_sync_new(NULL, 0, p.paths, 2, &p.s, &err), DD_OK);
	assert_int_equal(dd_sync_decide(p.s, 0, "QW", "a", &p.d[0], &err), DD_OK);
	assert_int_equal(p.d[0].action, DD_SYNC_ADD);
	dd_sync_withdraw(p.s, 0);
	assert_int_equal(dd_sync_decide(p.s, 1, "QW", "b", &p.d[1], &err), DD_OK);
	assert_int_equal(p.d[1].action, DD_SYNC_ADD);
	expect_counts(p.s, 1, 0, 0, 0, 1);
	dd_sync_free(p.s);

	const dd_sync_known_t known[] = { { "QK", "/n/k.md", "1", 1 } };
	const run_note_t edited[] = { { "/n/k.md", "QK", "2" } };
	plan_run(&p, known, N(known), edited, N(edited));
	assert_int_equal(p.d[0].action, DD_SYNC_UPDATE);
	dd_sync_withdraw(p.s, 0);
	dd_sync_withdraw(p.s, 0); /* twice: counted once */
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 0, 0, 0, 1);
	dd_sync_free(p.s);

	/* a withdrawn claim on a known id frees it for a later file: the
	 * note's own file, unchanged, is not a duplicate */
	const run_note_t moved_back[] = { { "/n/a.md", "QK", "2" }, { "/n/k.md", "QK", "1" } };
	p.paths[0] = moved_back[0].path;
	p.paths[1] = moved_back[1].path;
	assert_int_equal(dd_sync_new(known, N(known), p.paths, 2, &p.s, &err), DD_OK);
	assert_int_equal(dd_sync_decide(p.s, 0, "QK", "2", &p.d[0], &err), DD_OK);
	assert_int_equal(p.d[0].action, DD_SYNC_UPDATE);
	dd_sync_withdraw(p.s, 0);
	assert_int_equal(dd_sync_decide(p.s, 1, "QK", "1", &p.d[1], &err), DD_OK);
	assert_int_equal(p.d[1].action, DD_SYNC_UNCHANGED);
	assert_false(dd_sync_removes(p.s, 0));
	expect_counts(p.s, 0, 0, 0, 1, 1);
	dd_sync_free(p.s);

	/* only an add or an update can be withdrawn */
	const run_note_t same[] = { { "/n/k.md", "QK", "1" } };
	plan_run(&p, known, N(known), same, N(same));
	dd_sync_withdraw(p.s, 0);
	expect_counts(p.s, 0, 0, 0, 1, 0);
	dd_sync_free(p.s);
}

/* The binary searches rely on the order of both lists: refused otherwise. */
static void test_order_checked(void **state)
{
	(void)state;
	dd_error_t err;
	dd_sync_t *s = NULL;
	const char *unsorted[] = { "/n/b.md", "/n/a.md" };
	assert_int_equal(dd_sync_new(NULL, 0, unsorted, 2, &s, &err), DD_ERR_INVALID);
	assert_null(s);
	assert_non_null(strstr(err.message, "/n/a.md"));
	const char *twice[] = { "/n/a.md", "/n/a.md" };
	assert_int_equal(dd_sync_new(NULL, 0, twice, 2, &s, &err), DD_ERR_INVALID);
	const dd_sync_known_t known[] = { { "QB", "/n/b.md", "1", 1 }, { "QA", "/n/a.md", "1", 1 } };
	assert_int_equal(dd_sync_new(known, 2, NULL, 0, &s, &err), DD_ERR_INVALID);
	assert_null(s);

	const char *one[] = { "/n/a.md" };
	assert_int_equal(dd_sync_new(NULL, 0, one, 1, &s, &err), DD_OK);
	dd_sync_decision_t d;
	assert_int_equal(dd_sync_decide(s, 1, "QA", "1", &d, &err), DD_ERR_INVALID);
	assert_false(dd_sync_removes(s, 5));
	dd_sync_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_notes_into_an_empty_index),
		cmocka_unit_test(test_unchanged_changed_and_gone),
		cmocka_unit_test(test_files_outside_the_run_are_kept),
		cmocka_unit_test(test_two_files_one_id),
		cmocka_unit_test(test_id_held_by_a_file_outside_the_run),
		cmocka_unit_test(test_note_that_moved),
		cmocka_unit_test(test_first_in_path_order_wins_over_the_index),
		cmocka_unit_test(test_rejected_note_keeps_its_older_version),
		cmocka_unit_test(test_file_now_holding_another_id),
		cmocka_unit_test(test_withdrawn_note),
		cmocka_unit_test(test_notes_of_other_shards),
		cmocka_unit_test(test_order_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
