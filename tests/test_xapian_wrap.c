/* test_xapian_wrap.c - unit tests of the C door to Xapian (lib/xapian_wrap.h).
 *
 * Each test works in its own scratch folder under DD_TEST_TMP: create an
 * index, add documents term by term, replace and delete them by id term,
 * commit or cancel transactions, then query it (terms, phrases, value
 * ranges, boolean filters, facets, relevance feedback) and check exactly
 * which documents come back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"

#include "xapian_wrap.h"

/* --- helpers --------------------------------------------------------------- */

static const char *scratch_db(const char *name, char *buf, size_t size)
{
	assert_non_null(cli_scratch(name, buf, size));
	strncat(buf, "/db", size - strlen(buf) - 1);
	return buf;
}

static dd_db_t *open_write(const char *path)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_write(path, &db, &err) != DD_OK)
		fail_msg("open_write %s: %s", path, err.message);
	assert_non_null(db);
	return db;
}

/* A document: words at consecutive positions from a space-separated list,
 * then boolean terms, value 0 and data. */
static void put_doc(dd_db_t *db, const char *id, const char *words, const char *filters, const char *date,
                    const char *data)
{
	dd_doc_t *doc = dd_doc_new();
	assert_non_null(doc);
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", words);
	unsigned pos = 1;
	char *save = NULL;
	dd_error_t err;
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		assert_int_equal(dd_doc_add_posting(doc, w, pos++, 1, &err), DD_OK);
	if (filters) {
		snprintf(buf, sizeof buf, "%s", filters);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			assert_int_equal(dd_doc_add_boolean_term(doc, t, &err), DD_OK);
	}
	if (date)
		assert_int_equal(dd_doc_set_value(doc, 0, date, strlen(date), &err), DD_OK);
	if (data)
		assert_int_equal(dd_doc_set_data(doc, data, strlen(data), &err), DD_OK);
	char idterm[64];
	snprintf(idterm, sizeof idterm, "Q%s", id);
	if (dd_db_replace_doc(db, idterm, doc, &err) != DD_OK)
		fail_msg("replace %s: %s", id, err.message);
	dd_doc_free(doc);
}

/* Runs q (freed here) and returns the ids of the hits, space-separated,
 * in rank order (malloc'd). */
static char *search_ids(dd_db_t *db, dd_query_t *q, const dd_search_options_t *given)
{
	assert_non_null(q);
	dd_search_options_t opts;
	if (given) {
		opts = *given;
	} else {
		memset(&opts, 0, sizeof opts);
		opts.limit = 100;
	}
	dd_results_t *r = NULL;
	dd_error_t err;
	if (dd_db_search(db, q, &opts, &r, &err) != DD_OK)
		fail_msg("search: %s", err.message);
	char *ids = calloc(1, 4096);
	for (size_t i = 0; i < dd_results_count(r); i++) {
		if (i)
			strcat(ids, " ");
		strcat(ids, dd_results_id(r, i));
	}
	dd_results_free(r);
	dd_query_free(q);
	return ids;
}

/* Same, with the ids sorted, for set comparisons. */
static char *search_id_set(dd_db_t *db, dd_query_t *q)
{
	char *ids = search_ids(db, q, NULL);
	char *out = cli_sorted_words(ids);
	free(ids);
	return out;
}

static void assert_ids(char *got, const char *want)
{
	char msg[4300];
	int same = strcmp(got, want) == 0;
	if (!same)
		snprintf(msg, sizeof msg, "hits '%s', expected '%s'", got, want);
	free(got);
	if (!same)
		fail_msg("%s", msg);
}

static dd_query_t *and2(dd_query_op_t op, dd_query_t *a, dd_query_t *b)
{
	dd_query_t *subs[2] = { a, b };
	return dd_query_combine(op, subs, 2);
}

/* A small committed index shared by the query tests. */
static char shared_path[4096];

static int setup_shared(void **state)
{
	(void)state;
	if (!cli_scratch("xapian_wrap_shared", shared_path, sizeof shared_path))
		return -1;
	strcat(shared_path, "/db");
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_write(shared_path, &db, &err) != DD_OK)
		return -1;
	dd_db_begin(db, &err);
	put_doc(db, "a", "村里 吃水 难 吃水 水井", "XCOx Kwater", "2007-03-01", "{\"id\":\"a\"}");
	put_doc(db, "b", "吃水 村里 修路", "XCOx Kroads", "2007-04-09", "{\"id\":\"b\"}");
	put_doc(db, "c", "修路 公路 村里 难", "XCOy Kroads", "2007-04-30", "{\"id\":\"c\"}");
	put_doc(db, "d", "水井 吃水 水质 水井 吃水", "XCOy Kwater", "2008-01-15", "{\"id\":\"d\"}");
	put_doc(db, "e", "公路 修路 公路 班车", "XCOz Kroads", "2006-12-31", "{\"id\":\"e\"}");
	/* facets: a multi-valued slot 6 */
	int st = dd_db_commit(db, &err) == DD_OK ? 0 : -1;
	dd_db_close(db);
	return st;
}

static dd_db_t *open_shared(void)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_read(shared_path, &db, &err) != DD_OK)
		fail_msg("open_read %s: %s", shared_path, err.message);
	return db;
}

/* --- write side ------------------------------------------------------------ */

static void test_create_add_replace_delete(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_crud", path, sizeof path);
	dd_db_t *db = open_write(path);
	assert_int_equal(dd_db_doc_count(db), 0);
	dd_error_t err;
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "N1", "村里 吃水", "XCO石林县", "2007-04-09", "first");
	put_doc(db, "N2", "修路", NULL, "2007-05-01", "second");
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(db), 2);
	assert_int_equal(dd_db_term_freq(db, "吃水"), 1);
	assert_int_equal(dd_db_term_freq(db, "QN1"), 1);
	assert_int_equal(dd_db_term_freq(db, "XCO石林县"), 1);

	char *data = NULL, *value = NULL;
	size_t len = 0;
	assert_int_equal(dd_db_get_data(db, "QN1", &data, &len, &err), DD_OK);
	assert_int_equal(len, 5);
	assert_string_equal(data, "first");
	free(data);
	assert_int_equal(dd_db_get_value(db, "QN1", 0, &value, &err), DD_OK);
	assert_string_equal(value, "2007-04-09");
	free(value);
	assert_int_equal(dd_db_get_value(db, "QN1", 9, &value, &err), DD_OK);
	assert_string_equal(value, ""); /* unset slot */
	free(value);

	/* replace by id term: same count, new content, old terms gone */
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "N1", "自来水", NULL, "2007-04-10", "first, edited");
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(db), 2);
	assert_int_equal(dd_db_term_freq(db, "吃水"), 0);
	assert_int_equal(dd_db_term_freq(db, "XCO石林县"), 0);
	assert_int_equal(dd_db_term_freq(db, "自来水"), 1);
	assert_int_equal(dd_db_get_data(db, "QN1", &data, NULL, &err), DD_OK);
	assert_string_equal(data, "first, edited");
	free(data);

	/* delete */
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	assert_int_equal(dd_db_delete_doc(db, "QN2", &err), DD_OK);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(db), 1);
	assert_int_equal(dd_db_term_freq(db, "修路"), 0);
	data = (char *)0x1;
	dd_error_clear(&err);
	assert_int_equal(dd_db_get_data(db, "QN2", &data, NULL, &err), DD_ERR_NOT_FOUND);
	assert_null(data);
	assert_non_null(strstr(err.message, "N2"));
	assert_int_equal(dd_db_get_value(db, "QN2", 0, &value, &err), DD_ERR_NOT_FOUND);
	dd_db_close(db);

	/* a reader sees what was committed */
	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(r), 1);
	assert_int_equal(dd_db_get_data(r, "QN1", &data, NULL, &err), DD_OK);
	assert_string_equal(data, "first, edited");
	free(data);
	dd_db_close(r);
}

/* A reader keeps the term frequencies it was asked (the query compiler
 * asks the same words query after query) only while it stays at one
 * revision: after a reopen it answers for the new one. */
static void test_reader_term_freq_follows_reopen(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_freq_reopen", path, sizeof path);
	dd_db_t *w = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "N1", "村里 吃水", NULL, "2007-04-09", "first");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	assert_int_equal(dd_db_term_freq(r, "吃水"), 1);
	assert_int_equal(dd_db_term_freq(r, "修路"), 0);

	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "N2", "吃水 修路", NULL, "2007-05-01", "second");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	/* not reopened: still the revision it opened */
	assert_int_equal(dd_db_term_freq(r, "吃水"), 1);
	assert_int_equal(dd_db_term_freq(r, "修路"), 0);
	int changed = 0;
	assert_int_equal(dd_db_reopen(r, &changed, &err), DD_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(dd_db_term_freq(r, "吃水"), 2);
	assert_int_equal(dd_db_term_freq(r, "修路"), 1);
	assert_int_equal(dd_db_term_freq(w, "修路"), 1);
	dd_db_close(r);
	dd_db_close(w);
}

static void test_transaction_cancelled_is_invisible(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_cancel", path, sizeof path);
	dd_db_t *db = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "keep", "留下", NULL, NULL, "k");
	assert_int_equal(dd_db_commit(db, &err), DD_OK);

	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "gone", "消失", NULL, NULL, "g");
	assert_int_equal(dd_db_delete_doc(db, "Qkeep", &err), DD_OK);
	dd_db_cancel(db);
	assert_int_equal(dd_db_doc_count(db), 1);
	assert_int_equal(dd_db_term_freq(db, "Qgone"), 0);
	assert_int_equal(dd_db_term_freq(db, "Qkeep"), 1);

	/* closing with a transaction open cancels it too */
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "gone2", "消失", NULL, NULL, "g");
	dd_db_close(db);
	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(r), 1);
	assert_int_equal(dd_db_term_freq(r, "Qgone2"), 0);
	assert_int_equal(dd_db_term_freq(r, "消失"), 0);
	dd_db_close(r);
}

static void test_metadata_and_terms(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_meta", path, sizeof path);
	dd_db_t *db = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	assert_int_equal(dd_db_set_metadata(db, "dictionary", "宅基地\n自来水厂\n", &err), DD_OK);
	put_doc(db, "x1", "甲", "XCOb XCOa XCIz", NULL, NULL);
	put_doc(db, "x2", "乙", "XCOc XCOa", NULL, NULL);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	dd_db_close(db);

	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	char *v = dd_db_get_metadata(r, "dictionary", &err);
	assert_non_null(v);
	assert_string_equal(v, "宅基地\n自来水厂\n");
	free(v);
	v = dd_db_get_metadata(r, "never-set", &err);
	assert_non_null(v);
	assert_string_equal(v, "");
	free(v);
	dd_db_close(r);
}

typedef struct term_log {
	char all[512];
	int n, stop_at;
} term_log_t;

static int log_term(const char *suffix, void *ctx)
{
	term_log_t *l = ctx;
	if (l->all[0])
		strcat(l->all, ",");
	strcat(l->all, suffix);
	l->n++;
	return l->stop_at && l->n >= l->stop_at;
}

static void test_foreach_term(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	dd_error_t err;
	term_log_t l = { 0 };
	assert_int_equal(dd_db_foreach_term(db, "XCO", log_term, &l, &err), DD_OK);
	assert_string_equal(l.all, "x,y,z"); /* sorted, prefix stripped, each once */
	term_log_t ids = { 0 };
	assert_int_equal(dd_db_foreach_term(db, "Q", log_term, &ids, &err), DD_OK);
	assert_string_equal(ids.all, "a,b,c,d,e");
	term_log_t two = { .stop_at = 2 };
	assert_int_equal(dd_db_foreach_term(db, "Q", log_term, &two, &err), DD_OK);
	assert_string_equal(two.all, "a,b");
	term_log_t none = { 0 };
	assert_int_equal(dd_db_foreach_term(db, "NOPE", log_term, &none, &err), DD_OK);
	assert_int_equal(none.n, 0);
	dd_db_close(db);
}

/* --- opening errors -------------------------------------------------------- */

static void test_open_missing_index(void **state)
{
	(void)state;
	char dir[4096], path[4200];
	assert_non_null(cli_scratch("xapian_wrap_missing", dir, sizeof dir));
	snprintf(path, sizeof path, "%s/no-such-index", dir);
	dd_db_t *db = (dd_db_t *)0x1;
	dd_error_t err;
	dd_error_clear(&err);
	assert_int_equal(dd_db_open_read(path, &db, &err), DD_ERR_NOT_FOUND);
	assert_null(db);
	assert_int_equal(err.status, DD_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, path));
	assert_null(strchr(err.message, '\n'));
	/* an empty folder is not an index either */
	assert_int_equal(dd_db_open_read(dir, &db, &err), DD_ERR_NOT_FOUND);
}

static void test_two_writers_locked(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_lock", path, sizeof path);
	dd_db_t *first = open_write(path);
	dd_db_t *second = (dd_db_t *)0x1;
	dd_error_t err;
	dd_error_clear(&err);
	assert_int_equal(dd_db_open_write(path, &second, &err), DD_ERR_INDEX);
	assert_null(second);
	assert_non_null(strstr(err.message, "locked by another dundian-index"));
	assert_non_null(strstr(err.message, path));
	dd_db_close(first);
	/* once the first is closed, the lock is free */
	second = open_write(path);
	dd_db_close(second);
}

static void test_open_not_an_index(void **state)
{
	(void)state;
	char dir[4096], file[4200], missing[4200];
	assert_non_null(cli_scratch("xapian_wrap_not_index", dir, sizeof dir));
	snprintf(file, sizeof file, "%s/plain.txt", dir);
	assert_int_equal(cli_write_file(dir, "plain.txt", "just text\n"), 0);
	dd_db_t *db = (dd_db_t *)0x1;
	dd_error_t err;

	/* a regular file: named as such (not Xapian's "Bad line" or "Can't
	 * make an Enquire object"), and left alone by a writer */
	assert_int_equal(dd_db_open_read(file, &db, &err), DD_ERR_INVALID);
	assert_null(db);
	char want[4400];
	snprintf(want, sizeof want, "'%s' is a file, not a dundian index", file);
	assert_string_equal(err.message, want);
	assert_int_equal(dd_db_open_write(file, &db, &err), DD_ERR_INVALID);
	assert_string_equal(err.message, want);
	FILE *f = fopen(file, "rb");
	char back[64] = "";
	assert_non_null(fgets(back, sizeof back, f));
	fclose(f);
	assert_string_equal(back, "just text\n");

	/* a folder with other things in it is not "no index here" */
	assert_int_equal(dd_db_open_read(dir, &db, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "not a dundian index"));

	/* a missing parent folder: the reason, not "mkdir failed" */
	snprintf(missing, sizeof missing, "%s/no/such/db", dir);
	assert_int_equal(dd_db_open_write(missing, &db, &err), DD_ERR_IO);
	assert_null(db);
	assert_non_null(strstr(err.message, "parent folder does not exist"));
	assert_null(strstr(err.message, "mkdir"));
	assert_null(strchr(err.message, '\n'));
}

/* A new index that is never committed disappears on close, with its lock
 * file; one committed stays, and so does a folder that was there before. */
static void test_uncommitted_new_index_removed(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_uncommitted", path, sizeof path);
	dd_db_t *db = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "n1", "甲", NULL, NULL, "d");
	dd_db_close(db);
	struct stat st;
	assert_int_not_equal(stat(path, &st), 0);

	/* an empty folder given: emptied again, kept */
	assert_int_equal(mkdir(path, 0755), 0);
	db = open_write(path);
	dd_db_close(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(rmdir(path), 0); /* fails unless empty */

	db = open_write(path);
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "n1", "甲", NULL, NULL, "d");
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	/* a later failed transaction does not make it "never committed" */
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	dd_db_cancel(db);
	dd_db_close(db);
	assert_int_equal(dd_db_open_read(path, &db, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(db), 1);
	dd_db_close(db);
}

/* The spelling data takes a document's words only: not its prefixed terms
 * (skipped all at once, so the word sorting right after them must still
 * count), nor a term with an ASCII digit (sorting before every prefixed
 * one), a single character or a word longer than DD_SPELLING_MAX_BYTES;
 * a document of prefixed terms only counts nothing. */
static void test_spelling_counts_words_only(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_spelling_words", path, sizeof path);
	dd_db_t *db = open_write(path);
	dd_error_t err;
	dd_spelling_t *spelling = dd_spelling_new();
	assert_non_null(spelling);
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	char long_word[DD_SPELLING_MAX_BYTES + 8];
	memset(long_word, 'x', sizeof long_word - 1);
	long_word[sizeof long_word - 1] = '\0';
	/* "[" sorts right after the prefixes A-Z and "\\" right after it */
	const char *const terms[] = { "2007年", "B饮水", "Z饮水", "[饮水", "\\饮水", "饮水", "水", "a1b", long_word };
	for (unsigned i = 0; i < 3; i++) {
		dd_doc_t *doc = dd_doc_new();
		assert_non_null(doc);
		for (size_t t = 0; t < sizeof terms / sizeof *terms; t++)
			assert_int_equal(dd_doc_add_term(doc, terms[t], 1, &err), DD_OK);
		char idterm[16];
		snprintf(idterm, sizeof idterm, "QS%u", i);
		assert_int_equal(dd_spelling_count_doc(spelling, doc, &err), DD_OK);
		assert_int_equal(dd_db_replace_doc(db, idterm, doc, &err), DD_OK);
		dd_doc_free(doc);
	}
	dd_doc_t *prefixed = dd_doc_new();
	assert_non_null(prefixed);
	assert_int_equal(dd_doc_add_term(prefixed, "B饮水", 1, &err), DD_OK);
	assert_int_equal(dd_doc_add_term(prefixed, "Z自来水", 1, &err), DD_OK);
	assert_int_equal(dd_spelling_count_doc(spelling, prefixed, &err), DD_OK);
	assert_int_equal(dd_db_replace_doc(db, "QS9", prefixed, &err), DD_OK);
	dd_doc_free(prefixed);
	assert_int_equal(dd_spelling_apply(spelling, db, &err), DD_OK);
	dd_spelling_free(spelling);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	dd_db_close(db);

	assert_int_equal(dd_db_open_read(path, &db, &err), DD_OK);
	assert_int_equal(dd_db_spelling_freq(db, "[饮水"), 3);
	assert_int_equal(dd_db_spelling_freq(db, "\\饮水"), 3);
	assert_int_equal(dd_db_spelling_freq(db, "饮水"), 3);
	const char *const none[] = { "2007年", "B饮水", "Z饮水", "Z自来水", "自来水", "水", "a1b", long_word };
	for (size_t t = 0; t < sizeof none / sizeof *none; t++)
		if (dd_db_spelling_freq(db, none[t]) != 0)
			fail_msg("'%s' is in the spelling data", none[t]);
	dd_db_close(db);
}

/* A new index written by two threads (dd_db_set_writers): each writer has
 * a part of its own while the run goes on, and the commit merges them into
 * one index holding every note once, with a replaced note's newer version,
 * without a deleted one, a value set afterwards and the spelling data of
 * what is stored (counted as sync.c does: uncounted before a replace). */
static void test_new_index_by_two_writers(void **state)
{
	(void)state;
	char path[4096], part[4300], unfinished[4200];
	scratch_db("xapian_wrap_two_writers", path, sizeof path);
	snprintf(unfinished, sizeof unfinished, "%s" DD_UNFINISHED, path);
	snprintf(part, sizeof part, "%s/shard1", unfinished);
	/* a flush every 10 documents: a new index commits every 40 */
	setenv("XAPIAN_FLUSH_THRESHOLD", "10", 1);
	dd_db_t *db = open_write(path);
	unsetenv("XAPIAN_FLUSH_THRESHOLD");
	dd_error_t err;
	dd_spelling_t *spelling = dd_spelling_new();
	assert_non_null(spelling);
	assert_int_equal(dd_db_set_writers(db, 2, &err), DD_OK);
	struct stat st;
	assert_int_equal(stat(part, &st), 0); /* the other writer's part */
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	enum { N = 300 };
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < N; i++) {
			if (round == 1 && i % 3)
				continue; /* every third note again, a newer version */
			char id[32], idterm[40], data[64];
			snprintf(id, sizeof id, "N%04u", i);
			snprintf(idterm, sizeof idterm, "Q%s", id);
			snprintf(data, sizeof data, "%s version %u", id, round);
			dd_doc_t *doc = dd_doc_new();
			assert_non_null(doc);
			assert_int_equal(dd_doc_add_term(doc, round ? "新版" : "旧版", 1, &err), DD_OK);
			assert_int_equal(dd_doc_add_term(doc, i % 2 ? "单数" : "双数", 1, &err), DD_OK);
			assert_int_equal(dd_doc_set_data(doc, data, strlen(data), &err), DD_OK);
			assert_int_equal(dd_spelling_uncount_indexed(spelling, db, idterm, &err), DD_OK);
			assert_int_equal(dd_spelling_count_doc(spelling, doc, &err), DD_OK);
			if (dd_db_replace_doc(db, idterm, doc, &err) != DD_OK)
				fail_msg("replace %s: %s", id, err.message);
			dd_doc_free(doc);
		}
	}
	assert_int_equal(dd_db_doc_count(db), N);
	/* the other writer's part holds its share (its commits so far) */
	dd_db_t *other = NULL;
	assert_int_equal(dd_db_open_read(part, &other, &err), DD_OK);
	assert_true(dd_db_doc_count(other) >= N / 4 && dd_db_doc_count(other) < N);
	dd_db_close(other);
	assert_int_equal(dd_spelling_uncount_indexed(spelling, db, "QN0007", &err), DD_OK);
	assert_int_equal(dd_db_delete_doc(db, "QN0007", &err), DD_OK);
	assert_int_equal(dd_db_set_doc_value(db, "QN0011", 5, "marked", &err), DD_OK);
	assert_int_equal(dd_db_set_doc_value(db, "QN0012", 5, "marked", &err), DD_OK);
	assert_int_equal(dd_db_set_metadata(db, "key", "value", &err), DD_OK);
	assert_int_equal(dd_spelling_apply(spelling, db, &err), DD_OK);
	dd_spelling_free(spelling);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	dd_db_close(db);
	assert_int_not_equal(stat(unfinished, &st), 0); /* parts and all gone */

	assert_int_equal(dd_db_open_read(path, &db, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(db), N - 1);
	assert_int_equal(dd_db_term_freq(db, "新版"), N / 3); /* N0007 was not one */
	assert_int_equal(dd_db_term_freq(db, "旧版"), N - N / 3 - 1);
	assert_int_equal(dd_db_term_freq(db, "单数"), N / 2 - 1);
	assert_int_equal(dd_db_spelling_freq(db, "新版"), N / 3);
	assert_int_equal(dd_db_spelling_freq(db, "旧版"), N - N / 3 - 1);
	assert_int_equal(dd_db_spelling_freq(db, "单数"), N / 2 - 1);
	char *value = NULL, *data = NULL;
	assert_int_equal(dd_db_get_data(db, "QN0007", &data, NULL, &err), DD_ERR_NOT_FOUND);
	assert_int_equal(dd_db_get_data(db, "QN0003", &data, NULL, &err), DD_OK);
	assert_string_equal(data, "N0003 version 1");
	free(data);
	assert_int_equal(dd_db_get_data(db, "QN0004", &data, NULL, &err), DD_OK);
	assert_string_equal(data, "N0004 version 0");
	free(data);
	for (const char *const *id = (const char *const[]){ "QN0011", "QN0012", NULL }; *id; id++) {
		assert_int_equal(dd_db_get_value(db, *id, 5, &value, &err), DD_OK);
		assert_string_equal(value, "marked");
		free(value);
	}
	value = dd_db_get_metadata(db, "key", &err);
	assert_non_null(value);
	assert_string_equal(value, "value");
	free(value);
	dd_db_close(db);
}

/* A failed add is reported, and the half-built document is refused. */
static void test_doc_add_failures(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_doc_fail", path, sizeof path);
	dd_db_t *db = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	put_doc(db, "ok", "好", NULL, NULL, "fine");

	char long_term[DD_TERM_MAX_BYTES + 2];
	memset(long_term, 'a', sizeof long_term - 1);
	long_term[sizeof long_term - 1] = '\0';
	char edge[DD_TERM_MAX_BYTES + 1];
	memset(edge, 'b', sizeof edge - 1);
	edge[sizeof edge - 1] = '\0';
	dd_doc_t *doc = dd_doc_new();
	assert_non_null(doc);
	assert_int_equal(dd_doc_add_term(doc, "完整", 1, &err), DD_OK);
	assert_int_equal(dd_doc_add_boolean_term(doc, edge, &err), DD_OK); /* exactly the limit */
	dd_error_clear(&err);
	assert_int_equal(dd_doc_add_posting(doc, long_term, 1, 1, &err), DD_ERR_INVALID);
	assert_int_equal(err.status, DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "246 bytes"));
	assert_int_equal(dd_doc_add_boolean_term(doc, "", &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "empty term"));
	assert_int_equal(dd_doc_set_data(doc, "half", 4, &err), DD_OK);
	/* the first failure is the one reported when storing is refused */
	assert_int_equal(dd_db_replace_doc(db, "Qhalf", doc, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "half"));
	assert_non_null(strstr(err.message, "246 bytes"));
	dd_doc_free(doc);
	/* an id term over the limit is refused too, before Xapian sees it */
	doc = dd_doc_new();
	assert_int_equal(dd_doc_add_term(doc, "x", 1, &err), DD_OK);
	long_term[0] = 'Q';
	assert_int_equal(dd_db_replace_doc(db, long_term, doc, &err), DD_ERR_INVALID);
	dd_doc_free(doc);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	assert_int_equal(dd_db_doc_count(db), 1);
	assert_int_equal(dd_db_term_freq(db, "完整"), 0);
	assert_int_equal(dd_db_term_freq(db, "Qhalf"), 0);
	dd_db_close(db);
}

/* Reading hits: each read succeeds and dd_results_error says so.  (A
 * failing read could not be provoked from outside: Xapian keeps reading a
 * table cut off under a reader, and a re-index committed in between did
 * not reuse the reader's blocks.) */
static void test_results_reads_report_status(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	dd_search_options_t opts = { .limit = 10 };
	dd_results_t *res = NULL;
	dd_error_t err;
	dd_query_t *q = dd_query_term("修路", 1);
	assert_int_equal(dd_db_search(db, q, &opts, &res, &err), DD_OK);
	dd_query_free(q);
	assert_int_equal(dd_results_count(res), 3);
	for (size_t i = 0; i < dd_results_count(res); i++) {
		size_t len = 0;
		const char *d = dd_results_data(res, i, &len);
		char want[32];
		snprintf(want, sizeof want, "{\"id\":\"%s\"}", dd_results_id(res, i));
		assert_string_equal(d, want);
		assert_int_equal(len, strlen(want));
		assert_int_equal(strlen(dd_results_value(res, i, 0, &len)), 10); /* the date */
	}
	assert_int_equal(dd_results_error(res, &err), DD_OK);
	dd_results_free(res);
	dd_db_close(db);
}

/* --- queries --------------------------------------------------------------- */

static void test_term_and_operators(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	assert_ids(search_id_set(db, dd_query_term("吃水", 1)), "a b d");
	assert_ids(search_id_set(db, dd_query_term("不存在", 1)), "");
	assert_ids(search_id_set(db, and2(DD_QUERY_AND, dd_query_term("吃水", 1), dd_query_term("村里", 1))), "a b");
	assert_ids(search_id_set(db, and2(DD_QUERY_OR, dd_query_term("水质", 1), dd_query_term("班车", 1))), "d e");
	assert_ids(search_id_set(db, and2(DD_QUERY_AND_NOT, dd_query_term("吃水", 1), dd_query_term("村里", 1))), "d");
	/* AND_NOT with several: first and not any of the rest */
	dd_query_t *three[3] = { dd_query_term("村里", 1), dd_query_term("吃水", 1), dd_query_term("难", 1) };
	assert_ids(search_id_set(db, dd_query_combine(DD_QUERY_AND_NOT, three, 3)), "");
	dd_query_t *three2[3] = { dd_query_term("村里", 1), dd_query_term("水井", 1), dd_query_term("公路", 1) };
	assert_ids(search_id_set(db, dd_query_combine(DD_QUERY_AND_NOT, three2, 3)), "b");
	/* AND_MAYBE: matches of the first only, the second ranks up */
	char *maybe =
	    search_ids(db, and2(DD_QUERY_AND_MAYBE, dd_query_term("修路", 1), dd_query_term("班车", 1)), NULL);
	assert_int_equal(strncmp(maybe, "e ", 2), 0);
	free(maybe);
	assert_ids(search_id_set(db, and2(DD_QUERY_AND_MAYBE, dd_query_term("修路", 1), dd_query_term("班车", 1))),
	           "b c e");
	assert_ids(search_id_set(db, dd_query_match_all()), "a b c d e");
	assert_ids(search_id_set(db, dd_query_match_nothing()), "");
	assert_ids(search_id_set(db, dd_query_combine(DD_QUERY_OR, NULL, 0)), "");
	/* NULL entries are skipped */
	dd_query_t *with_null[3] = { NULL, dd_query_term("班车", 1), NULL };
	assert_ids(search_id_set(db, dd_query_combine(DD_QUERY_OR, with_null, 3)), "e");
	/* copy is independent of the original */
	dd_query_t *q = dd_query_term("水质", 1);
	dd_query_t *copy = dd_query_copy(q);
	dd_query_free(q);
	assert_ids(search_id_set(db, copy), "d");
	dd_db_close(db);
}

static void test_ranking_and_scale(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	/* d holds 水井 twice, a once, in documents of the same length */
	char *ids = search_ids(db, dd_query_term("水井", 1), NULL);
	assert_string_equal(ids, "d a");
	free(ids);
	dd_search_options_t opts = { .limit = 10 };
	dd_results_t *r = NULL;
	dd_error_t err;
	dd_query_t *q = dd_query_term("公路", 1);
	assert_int_equal(dd_db_search(db, q, &opts, &r, &err), DD_OK);
	assert_int_equal(dd_results_count(r), 2);
	assert_int_equal(dd_results_total(r), 2);
	double top = dd_results_score(r, 0), second = dd_results_score(r, 1);
	assert_true(top >= second);
	assert_true(second > 0);
	assert_string_equal(dd_results_id(r, 0), "e");
	size_t len = 0;
	const char *data = dd_results_data(r, 0, &len);
	assert_int_equal(len, strlen("{\"id\":\"e\"}"));
	assert_memory_equal(data, "{\"id\":\"e\"}", len);
	dd_results_free(r);
	/* scaling by 3 triples every score; scaling by 0 makes it boolean */
	dd_query_t *scaled = dd_query_scale(q, 3.0);
	assert_int_equal(dd_db_search(db, scaled, &opts, &r, &err), DD_OK);
	assert_true(dd_results_score(r, 0) > top * 2.99 && dd_results_score(r, 0) < top * 3.01);
	dd_results_free(r);
	dd_query_free(scaled);
	dd_query_t *zero = dd_query_scale(dd_query_term("公路", 1), 0);
	assert_int_equal(dd_db_search(db, zero, &opts, &r, &err), DD_OK);
	assert_int_equal(dd_results_count(r), 2);
	assert_true(dd_results_score(r, 0) == 0.0);
	dd_results_free(r);
	dd_query_free(zero);
	dd_db_close(db);
}

static void test_phrase_with_positions(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	/* a: 村里 吃水 难 ..., b: 吃水 村里 ... */
	const char *ab[] = { "村里", "吃水" };
	assert_ids(search_id_set(db, dd_query_phrase(ab, 2, 0)), "a");
	const char *ba[] = { "吃水", "村里" };
	assert_ids(search_id_set(db, dd_query_phrase(ba, 2, 0)), "b");
	const char *three[] = { "村里", "吃水", "难" };
	assert_ids(search_id_set(db, dd_query_phrase(three, 3, 3)), "a");
	/* c: 修路 公路 村里 难 - 公路 and 难 are not adjacent */
	const char *gap[] = { "公路", "难" };
	assert_ids(search_id_set(db, dd_query_phrase(gap, 2, 0)), "");
	/* but within a window of 3 they are */
	assert_ids(search_id_set(db, dd_query_phrase(gap, 2, 3)), "c");
	const char *one[] = { "水质" };
	assert_ids(search_id_set(db, dd_query_phrase(one, 1, 0)), "d");
	char *d = NULL;
	dd_query_t *q = dd_query_phrase(ab, 2, 0);
	d = dd_query_describe(q);
	assert_non_null(strstr(d, "PHRASE"));
	free(d);
	dd_query_free(q);
	dd_db_close(db);
}

/* The check of dd_query_checked here: the document's id (in its data) is
 * one of the letters of key. */
static int id_in_key(const char *key, dd_candidate_t *c)
{
	size_t len;
	const char *id = strstr(dd_candidate_data(c, &len), "\"id\":\"");
	return id && strchr(key, id[6]) != NULL;
}

static dd_query_t *checked(const char *t1, const char *t2, const char *key)
{
	const char *terms[] = { t1, t2 };
	return dd_query_checked(NULL, terms, t2 ? 2 : 1, key, id_in_key, 0);
}

/* Candidates checked one by one inside the match, whether the checked
 * query drives the match or is asked about documents others found. */
static void test_checked_candidates(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	/* 吃水: a b d; 村里: a b c; 公路: c e; 水质: d */
	assert_ids(search_id_set(db, checked("吃水", NULL, "ad")), "a d");
	assert_ids(search_id_set(db, checked("吃水", "村里", "abcd")), "a b");
	assert_ids(search_id_set(db, checked("吃水", "村里", "bcd")), "b");
	assert_ids(search_id_set(db, checked("无此", NULL, "abcde")), "");
	assert_ids(search_id_set(db, and2(DD_QUERY_OR, checked("吃水", NULL, "a"), dd_query_term("公路", 1))), "a c e");
	assert_ids(search_id_set(db, and2(DD_QUERY_AND, checked("吃水", NULL, "ad"), dd_query_term("水质", 1))), "d");
	assert_ids(search_id_set(db, and2(DD_QUERY_AND, checked("吃水", NULL, "ab"), dd_query_term("水质", 1))), "");
	assert_ids(search_id_set(db, and2(DD_QUERY_AND_NOT, dd_query_term("吃水", 1), checked("吃水", NULL, "a"))),
	           "b d");
	assert_ids(search_id_set(db, and2(DD_QUERY_AND, checked("吃水", NULL, "abd"), checked("村里", NULL, "bc"))),
	           "b");
	/* weighted as the terms' AND; the total counts the accepted only */
	dd_search_options_t opts;
	memset(&opts, 0, sizeof opts);
	opts.limit = 1;
	opts.check_at_least = 100;
	dd_results_t *r;
	dd_error_t err;
	dd_query_t *q = checked("吃水", NULL, "bd");
	assert_int_equal(dd_db_search(db, q, &opts, &r, &err), DD_OK);
	assert_int_equal(dd_results_total(r), 2);
	assert_string_equal(dd_results_id(r, 0), "d"); /* 吃水 twice */
	assert_true(dd_results_score(r, 0) > 0);
	dd_results_free(r);
	dd_query_free(q);
	dd_db_close(db);
}

/* The check of test_checked_memo: id_in_key, counted. */
static size_t checks_made;
static int counted_id_in_key(const char *key, dd_candidate_t *c)
{
	checks_made++;
	return id_in_key(key, c);
}

/* A checked query built over a reader remembers what its check said for
 * the revision searched: searched again (topic feedback, then the page,
 * or a query of the same string built anew on the same handle) it checks
 * nothing twice; after the index changed and the reader was
 * reopened, it checks again and answers for the new text. */
static void test_checked_memo(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_checked_memo", path, sizeof path);
	dd_db_t *w = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "a", "吃水 村里", NULL, NULL, "{\"id\":\"a\"}");
	put_doc(w, "b", "吃水 修路", NULL, NULL, "{\"id\":\"b\"}");
	put_doc(w, "c", "吃水", NULL, NULL, "{\"id\":\"c\"}");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	const char *terms[] = { "吃水" };
	dd_query_t *q = dd_query_checked(r, terms, 1, "ab", counted_id_in_key, 0);
	assert_non_null(q);
	dd_search_options_t opts = { .limit = 10 };
	checks_made = 0;
	assert_ids(search_id_set(r, dd_query_copy(q)), "a b");
	assert_int_equal(checks_made, 3);
	assert_ids(search_id_set(r, dd_query_copy(q)), "a b");
	assert_ids(search_ids(r, dd_query_copy(q), &opts), "a b");
	assert_int_equal(checks_made, 3); /* remembered */
	/* by the handle: the same string in a query built anew checks
	 * nothing; another string checks afresh */
	dd_query_t *again = dd_query_checked(r, terms, 1, "ab", counted_id_in_key, 0);
	assert_ids(search_id_set(r, again), "a b");
	assert_int_equal(checks_made, 3);
	assert_ids(search_id_set(r, dd_query_checked(r, terms, 1, "b", counted_id_in_key, 0)), "b");
	assert_int_equal(checks_made, 6);

	/* b now says it is d: the check refuses it */
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "b", "吃水 修路", NULL, NULL, "{\"id\":\"d\"}");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	int changed = 0;
	assert_int_equal(dd_db_reopen(r, &changed, &err), DD_OK);
	assert_int_equal(changed, 1);
	assert_ids(search_id_set(r, dd_query_copy(q)), "a");
	assert_int_equal(checks_made, 9);
	dd_query_free(q);

	/* over a writer (its uncommitted changes keep the revision) and
	 * without an index, nothing is remembered */
	q = dd_query_checked(w, terms, 1, "ab", counted_id_in_key, 0);
	checks_made = 0;
	assert_ids(search_id_set(w, dd_query_copy(q)), "a");
	assert_ids(search_id_set(w, dd_query_copy(q)), "a");
	assert_int_equal(checks_made, 6);
	dd_query_free(q);
	dd_db_close(r);
	dd_db_close(w);
}

/* The check reads only documents holding every term: when the rarest
 * term drives the match and the checked source is asked about its
 * documents before the commoner term is, those without the commoner term
 * are turned away by its posting list, not by reading their text. */
static void test_checked_reads_candidates_only(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_checked_candidates", path, sizeof path);
	dd_db_t *w = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	/* 饮水 (rarer): a b c d; 安全 (commoner): a e f g h i */
	const char *docs[][2] = { { "a", "饮水 安全" }, { "b", "饮水" }, { "c", "饮水" },
		                  { "d", "饮水" },      { "e", "安全" }, { "f", "安全" },
		                  { "g", "安全" },      { "h", "安全" }, { "i", "安全" } };
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		char json[32];
		snprintf(json, sizeof json, "{\"id\":\"%s\"}", docs[i][0]);
		put_doc(w, docs[i][0], docs[i][1], NULL, NULL, json);
	}
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_close(w);
	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	const char *terms[] = { "饮水", "安全" };
	checks_made = 0;
	assert_ids(search_id_set(r, dd_query_checked(r, terms, 2, "abcdefghi", counted_id_in_key, 0)), "a");
	assert_int_equal(checks_made, 1);
	/* and beside another query that leads (a fresh handle: the first
	 * remembers what was checked) */
	dd_db_close(r);
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	checks_made = 0;
	assert_ids(search_id_set(r, and2(DD_QUERY_AND, dd_query_term("饮水", 1),
	                                 dd_query_checked(r, terms, 2, "abcdefghi", counted_id_in_key, 0))),
	           "a");
	assert_int_equal(checks_made, 1);
	dd_db_close(r);
}

/* Hits of equal weight come in the order of the tie slot's values, not of
 * indexing, wherever the page starts and ends, and the total counts every
 * match. */
static void test_ties_by_value(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_ties", path, sizeof path);
	dd_db_t *w = open_write(path);
	dd_error_t err;
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	/* indexed in the order e d c b a; keys (slot 0) order them a..e; f
	 * weighs more (吃水 twice) */
	const char *ids[] = { "e", "d", "c", "b", "a" };
	for (size_t i = 0; i < 5; i++) {
		char key[8];
		snprintf(key, sizeof key, "k%s", ids[i]);
		put_doc(w, ids[i], "吃水 村里 修路", NULL, key, "{}");
	}
	put_doc(w, "f", "吃水 吃水 修路", NULL, "kz", "{}");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_close(w);
	dd_db_t *r = NULL;
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	dd_search_options_t opts = { .limit = 3, .tie_break = 1, .tie_slot = 0 };
	assert_ids(search_ids(r, dd_query_term("吃水", 1), &opts), "f a b");
	opts.offset = 2;
	assert_ids(search_ids(r, dd_query_term("吃水", 1), &opts), "b c d");
	opts.offset = 4;
	opts.limit = 10;
	assert_ids(search_ids(r, dd_query_term("吃水", 1), &opts), "d e");
	opts.offset = 0;
	opts.limit = 1;
	dd_results_t *res = NULL;
	dd_query_t *q = dd_query_term("吃水", 1);
	assert_int_equal(dd_db_search(r, q, &opts, &res, &err), DD_OK);
	assert_int_equal(dd_results_total(res), 6);
	dd_results_free(res);
	dd_query_free(q);
	dd_db_close(r);
}

static void test_value_range_and_sort(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	assert_ids(search_id_set(db, dd_query_value_range(0, "2007-04-01", "2007-04-30")), "b c");
	assert_ids(search_id_set(db, dd_query_value_range(0, "2007-01-01", NULL)), "a b c d");
	assert_ids(search_id_set(db, dd_query_value_range(0, NULL, "2007-03-01")), "a e");
	assert_ids(search_id_set(db, dd_query_value_range(0, NULL, NULL)), "a b c d e");
	assert_ids(search_id_set(db, dd_query_value_range(0, "2009-01-01", NULL)), "");
	dd_search_options_t opts = { .limit = 10, .sort_by_value = 1, .sort_slot = 0 };
	assert_ids(search_ids(db, dd_query_match_all(), &opts), "e a b c d");
	opts.sort_descending = 1;
	assert_ids(search_ids(db, dd_query_match_all(), &opts), "d c b a e");
	/* paging */
	opts.sort_descending = 0;
	opts.offset = 1;
	opts.limit = 2;
	assert_ids(search_ids(db, dd_query_match_all(), &opts), "a b");
	dd_results_t *r = NULL;
	dd_error_t err;
	dd_query_t *all = dd_query_match_all();
	assert_int_equal(dd_db_search(db, all, &opts, &r, &err), DD_OK);
	assert_int_equal(dd_results_total(r), 5);
	assert_int_equal(dd_results_count(r), 2);
	dd_results_free(r);
	dd_query_free(all);
	dd_db_close(db);
}

static void test_boolean_filter(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	assert_ids(search_id_set(db, and2(DD_QUERY_FILTER, dd_query_term("吃水", 1), dd_query_term("XCOx", 1))), "a b");
	assert_ids(search_id_set(db, and2(DD_QUERY_FILTER, dd_query_match_all(), dd_query_term("Kroads", 1))), "b c e");
	/* several filters: all must hold */
	dd_query_t *f3[3] = { dd_query_term("村里", 1), dd_query_term("Kroads", 1), dd_query_term("XCOy", 1) };
	assert_ids(search_id_set(db, dd_query_combine(DD_QUERY_FILTER, f3, 3)), "c");
	/* the filter does not change the weights */
	dd_search_options_t opts = { .limit = 10 };
	dd_results_t *plain = NULL, *filtered = NULL;
	dd_error_t err;
	dd_query_t *q1 = dd_query_term("吃水", 1);
	dd_query_t *q2 = and2(DD_QUERY_FILTER, dd_query_term("吃水", 1), dd_query_term("Kwater", 1));
	assert_int_equal(dd_db_search(db, q1, &opts, &plain, &err), DD_OK);
	assert_int_equal(dd_db_search(db, q2, &opts, &filtered, &err), DD_OK);
	assert_int_equal(dd_results_count(filtered), 2);
	for (size_t i = 0; i < dd_results_count(filtered); i++)
		for (size_t j = 0; j < dd_results_count(plain); j++)
			if (strcmp(dd_results_id(filtered, i), dd_results_id(plain, j)) == 0)
				assert_true(dd_results_score(filtered, i) == dd_results_score(plain, j));
	dd_results_free(plain);
	dd_results_free(filtered);
	dd_query_free(q1);
	dd_query_free(q2);
	/* a boolean term adds nothing to document length: term freq 1 each */
	assert_int_equal(dd_db_term_freq(db, "Kwater"), 2);
	dd_db_close(db);
}

typedef struct facet_log {
	char values[8][32];
	size_t counts[8];
	size_t n;
} facet_log_t;

static void log_facet(const char *value, size_t count, void *ctx)
{
	facet_log_t *l = ctx;
	if (l->n < 8) {
		snprintf(l->values[l->n], sizeof l->values[0], "%s", value);
		l->counts[l->n] = count;
	}
	l->n++;
}

static size_t facet_count(const facet_log_t *l, const char *value)
{
	for (size_t i = 0; i < l->n && i < 8; i++)
		if (strcmp(l->values[i], value) == 0)
			return l->counts[i];
	return 0;
}

static void test_facets_multi_valued(void **state)
{
	(void)state;
	char path[4096];
	scratch_db("xapian_wrap_facets", path, sizeof path);
	dd_db_t *db = open_write(path);
	dd_error_t err;
	const char *topics[] = { "water\nroads", "water", "roads\nschool\nwater", "", "school" };
	const char *county[] = { "石林县", "石林县", "兴山县", "兴山县", "石林县" };
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	for (int i = 0; i < 5; i++) {
		dd_doc_t *doc = dd_doc_new();
		assert_int_equal(dd_doc_add_term(doc, i < 4 ? "村" : "镇", 1, &err), DD_OK);
		assert_int_equal(dd_doc_set_value(doc, 6, topics[i], strlen(topics[i]), &err), DD_OK);
		assert_int_equal(dd_doc_set_value(doc, 2, county[i], strlen(county[i]), &err), DD_OK);
		char id[8];
		snprintf(id, sizeof id, "Q%d", i);
		assert_int_equal(dd_db_replace_doc(db, id, doc, &err), DD_OK);
		dd_doc_free(doc);
	}
	assert_int_equal(dd_db_commit(db, &err), DD_OK);

	unsigned slots[2] = { 6, 2 };
	dd_search_options_t opts = { .limit = 1, .facet_slots = slots, .facet_slot_count = 2 };
	dd_results_t *r = NULL;
	dd_query_t *q = dd_query_term("村", 1);
	assert_int_equal(dd_db_search(db, q, &opts, &r, &err), DD_OK);
	/* counted over all 4 matches, not just the one hit shown */
	assert_int_equal(dd_results_count(r), 1);
	facet_log_t t = { 0 }, c = { 0 };
	dd_results_foreach_facet(r, 0, log_facet, &t);
	dd_results_foreach_facet(r, 1, log_facet, &c);
	assert_int_equal(t.n, 3); /* water, roads, school; "" not counted */
	assert_int_equal(facet_count(&t, "water"), 3);
	assert_int_equal(facet_count(&t, "roads"), 2);
	assert_int_equal(facet_count(&t, "school"), 1);
	assert_int_equal(c.n, 2);
	assert_int_equal(facet_count(&c, "石林县"), 2);
	assert_int_equal(facet_count(&c, "兴山县"), 2);
	facet_log_t none = { 0 };
	dd_results_foreach_facet(r, 5, log_facet, &none); /* out of range: nothing */
	assert_int_equal(none.n, 0);
	dd_results_free(r);
	dd_query_free(q);
	dd_db_close(db);
}

static void test_like_query(void **state)
{
	(void)state;
	dd_db_t *db = open_shared();
	const char *seed[] = { "Qd" };
	const char *prefixes[] = { "" };
	dd_query_t *lq = NULL;
	dd_error_t err;
	assert_int_equal(dd_db_like_query(db, seed, 1, 10, prefixes, 1, &lq, &err), DD_OK);
	assert_non_null(lq);
	/* the terms come from d: no prefixed (upper-case) terms, no roads words */
	char *d = dd_query_describe(lq);
	assert_non_null(strstr(d, "水井"));
	assert_null(strstr(d, "Qd"));
	assert_null(strstr(d, "XCO"));
	assert_null(strstr(d, "公路"));
	free(d);
	/* excluding the seed, the water note a ranks first */
	dd_query_t *q = and2(DD_QUERY_AND_NOT, lq, dd_query_term("Qd", 1));
	char *ids = search_ids(db, q, NULL);
	assert_int_equal(strncmp(ids, "a", 1), 0);
	assert_null(strstr(ids, "d"));
	assert_null(strstr(ids, "e")); /* e shares no word with d */
	free(ids);

	/* prefix selection: only K terms */
	const char *kpre[] = { "K" };
	assert_int_equal(dd_db_like_query(db, seed, 1, 10, kpre, 1, &lq, &err), DD_OK);
	d = dd_query_describe(lq);
	assert_non_null(strstr(d, "Kwater"));
	assert_null(strstr(d, "水井"));
	free(d);
	dd_query_free(lq);

	const char *missing[] = { "Qnope" };
	lq = (dd_query_t *)0x1;
	assert_int_equal(dd_db_like_query(db, missing, 1, 10, prefixes, 1, &lq, &err), DD_ERR_NOT_FOUND);
	assert_null(lq);
	assert_non_null(strstr(err.message, "nope"));
	dd_db_close(db);
}

static void test_describe(void **state)
{
	(void)state;
	dd_query_t *q = and2(DD_QUERY_AND, dd_query_term("甲", 1), dd_query_term("乙", 1));
	char *d = dd_query_describe(q);
	assert_string_equal(d, "Query((甲 AND 乙))");
	free(d);
	dd_query_free(q);
	q = dd_query_value_range(0, "2007-01-01", "2007-12-31");
	d = dd_query_describe(q);
	assert_string_equal(d, "Query(VALUE_RANGE 0 2007-01-01 2007-12-31)");
	free(d);
	dd_query_free(q);
	dd_query_t *syn[2] = { dd_query_term("吃水", 1), dd_query_term("饮水", 1) };
	q = dd_query_combine(DD_QUERY_SYNONYM, syn, 2);
	d = dd_query_describe(q);
	assert_string_equal(d, "Query((吃水 SYNONYM 饮水))");
	free(d);
	dd_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_add_replace_delete),
		cmocka_unit_test(test_reader_term_freq_follows_reopen),
		cmocka_unit_test(test_transaction_cancelled_is_invisible),
		cmocka_unit_test(test_metadata_and_terms),
		cmocka_unit_test(test_foreach_term),
		cmocka_unit_test(test_open_missing_index),
		cmocka_unit_test(test_two_writers_locked),
		cmocka_unit_test(test_open_not_an_index),
		cmocka_unit_test(test_uncommitted_new_index_removed),
		cmocka_unit_test(test_spelling_counts_words_only),
		cmocka_unit_test(test_new_index_by_two_writers),
		cmocka_unit_test(test_doc_add_failures),
		cmocka_unit_test(test_results_reads_report_status),
		cmocka_unit_test(test_term_and_operators),
		cmocka_unit_test(test_ranking_and_scale),
		cmocka_unit_test(test_phrase_with_positions),
		cmocka_unit_test(test_checked_candidates),
		cmocka_unit_test(test_checked_memo),
		cmocka_unit_test(test_checked_reads_candidates_only),
		cmocka_unit_test(test_ties_by_value),
		cmocka_unit_test(test_value_range_and_sort),
		cmocka_unit_test(test_boolean_filter),
		cmocka_unit_test(test_facets_multi_valued),
		cmocka_unit_test(test_like_query),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, setup_shared, NULL);
}
