/* test_query_features.c - "did you mean", prefixes and typed-back values,
 * through the real binaries, on the bundled corpus and on small notes
 * written here:
 *   - a typo (饮说) gets one line on stderr and "suggestion" in JSON, from
 *     search and excerpt; a correct query gets neither;
 *   - the spelling data follows re-indexing: a note removed or changed
 *     takes its words' counts with it;
 *   - 自来* finds the notes holding words starting with 自来 and marks those
 *     words as typed; a bare or short prefix, or a star inside a word, is
 *     refused with one line and exit 2;
 *   - topic:饮水安全 is topic:water;
 *   - county:石林 says which values start with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "text.h"
#include "xapian_wrap.h"

static char corpus_db[4096];

static int setup(void **state)
{
	(void)state;
	return cli_corpus_index("query_features", corpus_db, sizeof corpus_db) ? 0 : -1;
}

/* Lines of s (a last line without '\n' counts). */
static size_t lines(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '\n' || (!p[1] && *p != '\n');
	return n;
}

/* The JSON output of a search, parsed (the test fails when it is not). */
static cJSON *search_json(const char *db, const char *query, cli_result_t *r)
{
	*r = cli_run("dundian-search", "--db", db, "--json", "--limit", "100", query, (char *)NULL);
	cJSON *root = cJSON_Parse(r->out);
	if (!root)
		fail_msg("'%s': not JSON: %s %s", query, r->out, r->err);
	return root;
}

static const char *string_item(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- did you mean ---- */

static void test_typo_gets_a_suggestion(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--limit", "1", "饮说", (char *)NULL);
	assert_int_equal(r.status, 0); /* its characters match, so it is not an error */
	assert_string_equal(r.err, "dundian-search: did you mean 饮水?\n");
	cli_result_free(&r);

	cJSON *root = search_json(corpus_db, "饮说", &r);
	assert_string_equal(string_item(root, "suggestion"), "饮水");
	assert_string_equal(string_item(root, "hint"), "did you mean 饮水?");
	assert_int_equal(lines(r.err), 1);
	cJSON_Delete(root);
	cli_result_free(&r);

	/* the rest of the query is kept; a word of several characters too */
	root = search_json(corpus_db, "合做医疗 county:柳坝县", &r);
	assert_string_equal(string_item(root, "suggestion"), "合作医疗 county:柳坝县");
	cJSON_Delete(root);
	cli_result_free(&r);

	/* nothing matched as quoted: the quoted string corrected */
	root = search_json(corpus_db, "\"宅基低\"", &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(string_item(root, "suggestion"), "\"宅基地\"");
	cJSON_Delete(root);
	cli_result_free(&r);

	/* a word the word breaker knows is no typo, unless nothing matched */
	root = search_json(corpus_db, "矿山", &r);
	assert_int_equal(r.status, 1);
	const char *meant = string_item(root, "suggestion");
	assert_non_null(meant);
	cli_result_t again = cli_run("dundian-search", "--db", corpus_db, meant, (char *)NULL);
	assert_int_equal(again.status, 0);
	assert_string_equal(again.err, "");
	cli_result_free(&again);
	cJSON_Delete(root);
	cli_result_free(&r);

	/* excerpt says it too */
	r = cli_run("dundian-search", "excerpt", "--db", corpus_db, "--limit", "1", "饮说", (char *)NULL);
	assert_string_equal(r.err, "dundian-search excerpt: did you mean 饮水?\n");
	cli_result_free(&r);
	r = cli_run("dundian-search", "excerpt", "--db", corpus_db, "--format", "json", "--limit", "1", "饮说",
	            (char *)NULL);
	root = cJSON_Parse(r.out);
	assert_non_null(root);
	assert_string_equal(string_item(root, "suggestion"), "饮水");
	cJSON_Delete(root);
	cli_result_free(&r);

	/* words of the index, and a string that some note holds, get none */
	const char *fine[] = { "饮水", "合作医疗 报销", "\"镇里\"", "自来*", "county:石林县" };
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		root = search_json(corpus_db, fine[i], &r);
		if (string_item(root, "suggestion") || string_item(root, "hint") || r.err[0])
			fail_msg("'%s' should get no suggestion: %s", fine[i], r.err);
		cJSON_Delete(root);
		cli_result_free(&r);
	}
}

/* The path of the notes folder next to the index cli_notes_index made. */
static void notes_dir(const char *db, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s/notes", (int)(strlen(db) - 3), db);
}

static size_t spelling_freq(const char *db_path, const char *word)
{
	dd_db_t *db;
	dd_error_t err;
	if (dd_db_open_read(db_path, &db, &err) != DD_OK)
		fail_msg("%s", err.message);
	size_t n = dd_db_spelling_freq(db, word);
	dd_db_close(db);
	return n;
}

static void reindex(const char *db, const char *notes)
{
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", db, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
}

static void test_spelling_follows_reindexing(void **state)
{
	(void)state;
	const char *files[] = { "W1.md", "---\nid: W1\ntitle: 村里的饮水\n---\n\n饮水难，饮水贵，群众盼饮水。\n",
		                "W2.md", "---\nid: W2\ntitle: 工程\n---\n\n今年的饮水工程要抓紧。\n",
		                "W3.md", "---\nid: W3\ntitle: 修路\n---\n\n修路的钱还差一半。\n",
		                NULL };
	char db[4200], notes[4300], path[4400];
	assert_non_null(cli_notes_index("spelling_reindex", files, db, sizeof db));
	notes_dir(db, notes, sizeof notes);
	/* notes holding each word, not occurrences */
	assert_int_equal(spelling_freq(db, "饮水"), 2);
	assert_int_equal(spelling_freq(db, "修路"), 1);
	cli_result_t r = cli_run("dundian-search", "--db", db, "饮说", (char *)NULL);
	assert_string_equal(r.err, "dundian-search: did you mean 饮水?\n");
	cli_result_free(&r);

	/* one of the two removed: still suggested */
	snprintf(path, sizeof path, "%s/W1.md", notes);
	assert_int_equal(remove(path), 0);
	reindex(db, notes);
	assert_int_equal(spelling_freq(db, "饮水"), 1);
	r = cli_run("dundian-search", "--db", db, "饮说", (char *)NULL);
	assert_string_equal(r.err, "dundian-search: did you mean 饮水?\n");
	cli_result_free(&r);

	/* the other changed to say 吃水: 饮水 is gone from the spelling data,
	 * 吃水 came in, the untouched note kept its word, and 饮说 (two edits
	 * from 吃水) gets no suggestion any more */
	assert_int_equal(cli_write_file(notes, "W2.md", "---\nid: W2\ntitle: 工程\n---\n\n今年的吃水工程要抓紧。\n"),
	                 0);
	reindex(db, notes);
	assert_int_equal(spelling_freq(db, "饮水"), 0);
	assert_int_equal(spelling_freq(db, "吃水"), 1);
	assert_int_equal(spelling_freq(db, "修路"), 1);
	r = cli_run("dundian-search", "--db", db, "饮说", (char *)NULL);
	assert_string_equal(r.err, "");
	cli_result_free(&r);
	r = cli_run("dundian-search", "--db", db, "吃说", (char *)NULL);
	assert_string_equal(r.err, "dundian-search: did you mean 吃水?\n");
	cli_result_free(&r);
}

/* The wrapper's spelling calls on an index built here: counts per note,
 * taken out again, and the choice among the closest words. */
static void test_spelling_data_and_choice(void **state)
{
	(void)state;
	char dir[4096];
	assert_non_null(cli_scratch("spelling_wrap", dir, sizeof dir));
	strncat(dir, "/db", sizeof dir - strlen(dir) - 1);
	dd_db_t *db;
	dd_error_t err;
	assert_int_equal(dd_db_open_write(dir, &db, &err), DD_OK);
	dd_spelling_t *sp = dd_spelling_new();
	assert_non_null(sp);
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	/* 听说 in five notes, 饮水 in three; terms that are no words are left out */
	for (int i = 0; i < 8; i++) {
		char id[16];
		snprintf(id, sizeof id, "QS%d", i);
		dd_doc_t *doc = dd_doc_new();
		assert_non_null(doc);
		assert_int_equal(dd_doc_add_posting(doc, i < 5 ? "听说" : "饮水", 1, 1, &err), DD_OK);
		assert_int_equal(dd_doc_add_posting(doc, i < 5 ? "听说" : "饮水", 2, 1, &err),
		                 DD_OK); /* twice: counts once */
		assert_int_equal(dd_doc_add_term(doc, "B饮水", 1, &err), DD_OK);
		assert_int_equal(dd_doc_add_term(doc, "水", 1, &err), DD_OK);
		assert_int_equal(dd_doc_add_term(doc, "2007", 1, &err), DD_OK);
		assert_int_equal(dd_spelling_uncount_indexed(sp, db, id, &err), DD_OK);
		assert_int_equal(dd_spelling_count_doc(sp, doc, &err), DD_OK);
		assert_int_equal(dd_db_replace_doc(db, id, doc, &err), DD_OK);
		dd_doc_free(doc);
	}
	assert_int_equal(dd_spelling_apply(sp, db, &err), DD_OK);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	assert_int_equal(dd_db_spelling_freq(db, "听说"), 5);
	assert_int_equal(dd_db_spelling_freq(db, "饮水"), 3);
	assert_int_equal(dd_db_spelling_freq(db, "水"), 0);
	assert_int_equal(dd_db_spelling_freq(db, "2007"), 0);
	assert_int_equal(dd_db_spelling_freq(db, "B饮水"), 0);
	/* 饮说 is one edit from both: the one keeping its first character wins
	 * over the more frequent one (Xapian's own choice would be 听说) */
	char *s = dd_db_spelling_suggestion(db, "饮说", 1);
	assert_string_equal(s, "饮水");
	free(s);
	s = dd_db_spelling_suggestion(db, "听水", 1);
	assert_string_equal(s, "听说");
	free(s);
	s = dd_db_spelling_suggestion(db, "饮水问", 1);
	assert_string_equal(s, "饮水");
	free(s);
	assert_null(dd_db_spelling_suggestion(db, "饮水", 1)); /* a word as typed */
	assert_null(dd_db_spelling_suggestion(db, "一二", 1)); /* two edits */
	assert_null(dd_db_spelling_suggestion(db, "饮", 1));   /* too short */
	/* two notes of 饮水 deleted, one changed to 听说 */
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	for (int i = 5; i < 7; i++) {
		char id[16];
		snprintf(id, sizeof id, "QS%d", i);
		assert_int_equal(dd_spelling_uncount_indexed(sp, db, id, &err), DD_OK);
		assert_int_equal(dd_db_delete_doc(db, id, &err), DD_OK);
	}
	dd_doc_t *doc = dd_doc_new();
	assert_int_equal(dd_doc_add_posting(doc, "听说", 1, 1, &err), DD_OK);
	assert_int_equal(dd_spelling_uncount_indexed(sp, db, "QS7", &err), DD_OK);
	assert_int_equal(dd_spelling_count_doc(sp, doc, &err), DD_OK);
	assert_int_equal(dd_db_replace_doc(db, "QS7", doc, &err), DD_OK);
	dd_doc_free(doc);
	assert_int_equal(dd_spelling_apply(sp, db, &err), DD_OK);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	assert_int_equal(dd_db_spelling_freq(db, "听说"), 6);
	assert_int_equal(dd_db_spelling_freq(db, "饮水"), 0);
	s = dd_db_spelling_suggestion(db, "饮说", 1);
	assert_string_equal(s, "听说");
	free(s);
	dd_spelling_free(sp);
	dd_db_close(db);
}

/* ---- prefixes ---- */

/* Checks that every highlight of every hit covers a word starting with
 * prefix, marked typed, and that there is at least one. */
static void check_prefix_marks(const cJSON *root, const char *prefix)
{
	const cJSON *hits = cJSON_GetObjectItemCaseSensitive(root, "hits"), *h;
	size_t marks = 0;
	cJSON_ArrayForEach(h, hits)
	{
		const char *snippet = string_item(h, "snippet");
		const cJSON *span;
		cJSON_ArrayForEach(span, cJSON_GetObjectItemCaseSensitive(h, "highlights"))
		{
			size_t start = (size_t)cJSON_GetArrayItem(span, 0)->valuedouble;
			size_t end = (size_t)cJSON_GetArrayItem(span, 1)->valuedouble;
			assert_string_equal(cJSON_GetArrayItem(span, 2)->valuestring, "typed");
			/* code point offsets to bytes */
			size_t at = 0, from = 0, to = 0, len = strlen(snippet);
			for (size_t k = 0; at < len; k++) {
				if (k == start)
					from = at;
				dd_utf8_next(snippet, &at);
				if (k + 1 == end)
					to = at;
			}
			assert_true(to > from);
			assert_memory_equal(snippet + from, prefix, strlen(prefix));
			marks++;
		}
	}
	assert_true(marks > 0);
}

/* The ids of a JSON answer's hits, sorted, space-separated (malloc'd). */
static char *sorted_ids(const cJSON *root)
{
	const cJSON *hits = cJSON_GetObjectItemCaseSensitive(root, "hits"), *h;
	size_t n = (size_t)cJSON_GetArraySize(hits), k = 0;
	const char **ids = calloc(n + 1, sizeof *ids);
	cJSON_ArrayForEach(h, hits) ids[k++] = string_item(h, "id");
	qsort(ids, n, sizeof *ids, cli_by_string);
	char *out = calloc(n * 16 + 1, 1);
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%s", i ? " " : "", ids[i]);
	free(ids);
	return out;
}

static void test_prefix_search(void **state)
{
	(void)state;
	const char *files[] = { "P1.md", "---\nid: P1\ntitle: 管道\n---\n\n村里通了自来水，管道是新的。\n",
		                "P2.md", "---\nid: P2\ntitle: 水厂\n---\n\n县里的自来水厂今年扩建。\n",
		                "P3.md", "---\nid: P3\ntitle: 自然村\n---\n\n这个自然村离镇上很远，来水靠山泉。\n",
		                NULL };
	char db[4200];
	assert_non_null(cli_notes_index("prefix_search", files, db, sizeof db));
	cli_result_t r;
	cJSON *root = search_json(db, "自来*", &r);
	assert_int_equal(r.status, 0);
	char *ids = sorted_ids(root);
	assert_string_equal(ids, "P1 P2");
	free(ids);
	check_prefix_marks(root, "自来");
	cJSON_Delete(root);
	cli_result_free(&r);
	/* excluded, and the full-width star */
	root = search_json(db, "村 -自来＊", &r);
	ids = sorted_ids(root);
	assert_string_equal(ids, "P3");
	free(ids);
	cJSON_Delete(root);
	cli_result_free(&r);

	/* the corpus: the notes holding a word starting with 自来 are the
	 * notes holding the string 自来水 (自来水 and 自来水厂 are its words) */
	root = search_json(corpus_db, "自来*", &r);
	cli_result_t s;
	cJSON *literal = search_json(corpus_db, "\"自来水\"", &s);
	char *a = sorted_ids(root), *b = sorted_ids(literal);
	assert_true(strlen(a) > 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	check_prefix_marks(root, "自来");
	cJSON_Delete(root);
	cJSON_Delete(literal);
	cli_result_free(&r);
	cli_result_free(&s);
}

static void test_bad_prefixes(void **state)
{
	(void)state;
	const char *bad[][2] = { { "*", "a bare '*'" },
		                 { "饮水 ＊", "a bare '*'" },
		                 { "自*", "prefix '自*' is too short" },
		                 { "自*水", "'*' may only end a word" },
		                 { "自来**", "'*' may only end a word" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cli_result_t r = cli_run("dundian-search", "--db", corpus_db, bad[i][0], (char *)NULL);
		if (r.status != 2 || lines(r.err) != 1 || !strstr(r.err, bad[i][1]) || r.out[0])
			fail_msg("'%s': status %d, stderr '%s'", bad[i][0], r.status, r.err);
		cli_result_free(&r);
	}
}

/* ---- typed-back values ---- */

static void test_topic_by_name(void **state)
{
	(void)state;
	cli_result_t r, s;
	cJSON *by_name = search_json(corpus_db, "topic:饮水安全", &r),
	      *by_key = search_json(corpus_db, "topic:water", &s);
	assert_int_equal(r.status, 0);
	char *a = sorted_ids(by_name), *b = sorted_ids(by_key);
	assert_true(strlen(a) > 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cJSON_Delete(by_name);
	cJSON_Delete(by_key);
	cli_result_free(&r);
	cli_result_free(&s);
	/* a name that is no topic's is refused like an unknown key */
	r = cli_run("dundian-search", "--db", corpus_db, "topic:饮水", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown topic '饮水'"));
	cli_result_free(&r);
}

static void test_field_value_hint(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "county:石林", (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "dundian-search: no county 石林; did you mean county:石林县?\n");
	cli_result_free(&r);
	cJSON *root = search_json(corpus_db, "修路 county:石林", &r);
	assert_string_equal(string_item(root, "suggestion"), "修路 county:石林县");
	cJSON_Delete(root);
	cli_result_free(&r);
	/* several values start with it: they are listed, nothing is chosen */
	root = search_json(corpus_db, "county:柳", &r);
	assert_null(string_item(root, "suggestion"));
	const char *hint = string_item(root, "hint");
	assert_non_null(hint);
	assert_non_null(strstr(hint, "no county 柳 (values starting with it: 柳"));
	assert_non_null(strstr(hint, "柳浦县"));
	assert_int_equal(lines(r.err), 1);
	cJSON_Delete(root);
	cli_result_free(&r);
	/* no value starts with it: nothing to say */
	r = cli_run("dundian-search", "--db", corpus_db, "county:火星", (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "");
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typo_gets_a_suggestion),
		cmocka_unit_test(test_spelling_follows_reindexing),
		cmocka_unit_test(test_spelling_data_and_choice),
		cmocka_unit_test(test_prefix_search),
		cmocka_unit_test(test_bad_prefixes),
		cmocka_unit_test(test_topic_by_name),
		cmocka_unit_test(test_field_value_hint),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
