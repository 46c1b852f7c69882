/* test_exact_strings.c - quoted strings are exact though the index keeps
 * no positions of its character pairs (lib/schema.h): the notes holding
 * all the pairs of a string are checked against their text in the match.
 * Through the real binaries, on small notes written here:
 *   - a string whose pairs all occur in a note, but apart, does not match
 *     it; a string across a word boundary, in a title, in traditional or
 *     full-width characters, with punctuation, or repeating a pair does;
 *     none spans the title and the body;
 *   - the normalised title and body the check reads are kept in the index
 *     (DD_SLOT_TEXT): strings in a title in traditional or full-width
 *     forms, at the start or end of a title or body, across a blank;
 *   - totals and facets count the exact notes, in OR and NOT too;
 *   - a one-character string finds the notes holding the character, though
 *     the index gives a character a term of its own only where no pair
 *     begins with it (before a blank, at the end of a title or paragraph);
 * and on the bundled corpus: for strings whose pairs meet in notes that do
 * not hold them, and for single characters, the notes found are exactly
 * those whose normalised title or body holds the string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "note.h"
#include "schema.h"
#include "text.h"
#include "xapian_wrap.h"

static char small_db[4200], corpus_db[4200];

static int setup(void **state)
{
	(void)state;
	const char *files[] = {
		/* 饮水, 水安 and 安全 all here, never in a row */
		"E1.md", "---\nid: E1\ntitle: 饮水工程\ncounty: 甲县\n---\n\n村里的水源地，安全饮水。水安排好了。\n",
		"E2.md", "---\nid: E2\ntitle: 检查\ncounty: 甲县\n---\n\n要保证饮水安全，饮水优先。\n",
		/* across the words 打井 | 吃水 */
		"E3.md", "---\nid: E3\ntitle: 打井\ncounty: 乙县\n---\n\n他们打井吃水难题多。\n",
		/* traditional characters fold to simplified */
		"E4.md", "---\nid: E4\ntitle: 水\ncounty: 乙县\n---\n\n飲水安全很重要。\n",
		/* in the title only */
		"E5.md", "---\nid: E5\ntitle: 饮水安全检查\ncounty: 甲县\n---\n\n今天去看了。\n",
		/* 饮水 ends the title, 安全 begins the body */
		"E6.md", "---\nid: E6\ntitle: 饮水\ncounty: 丙县\n---\n\n安全第一。ＡＢＣ水厂\n",
		/* 哈哈哈 against 哈哈 twice, apart */
		"E7.md", "---\nid: E7\ntitle: 笑\ncounty: 丙县\n---\n\n他笑：哈哈哈。\n", "E8.md",
		"---\nid: E8\ntitle: 说\ncounty: 丙县\n---\n\n哈哈，他说哈哈。\n",
		/* the text the check reads is normalised when indexed: a title
		 * in traditional characters and full-width letters and digits */
		"F1.md", "---\nid: F1\ntitle: 養老保險ＡＢ２００７\ncounty: 丁县\n---\n\n今天开会。\n",
		/* 征地 ends the title, 地补 and 补偿 are in the body: every pair
		 * of 征地补偿, which spans the title and the body only */
		"F2.md", "---\nid: F2\ntitle: 征地\ncounty: 丁县\n---\n\n补偿款和土地补助。\n",
		/* every pair again, the string only across an ideographic space
		 * or a line break */
		"F3.md", "---\nid: F3\ntitle: 会议\ncounty: 丁县\n---\n\n征地　补偿，土地补助。\n征地\n补偿。\n",
		/* at the very start and end of the body, in full-width forms */
		"F4.md", "---\nid: F4\ntitle: 说明\ncounty: 丁县\n---\n\n徵地補償ＡＢ，按标准发放征地补偿\n", NULL
	};
	if (!cli_notes_index("exact_small", files, small_db, sizeof small_db))
		return -1;
	return cli_corpus_index("exact_corpus", corpus_db, sizeof corpus_db) ? 0 : -1;
}

/* The ids found by query in db, sorted, and the total the search gave. */
static char *found(const char *db, const char *query, int *total)
{
	cli_result_t r =
	    cli_run("dundian-search", "--db", db, "--json", "--limit", "500", "--sort", "date", query, (char *)NULL);
	if (r.status != 0 && r.status != 1)
		fail_msg("'%s': exit %d: %s", query, r.status, r.err);
	cJSON *root = cJSON_Parse(r.out);
	if (!root)
		fail_msg("'%s': not JSON: %s", query, r.out);
	*total = cJSON_GetObjectItemCaseSensitive(root, "total")->valueint;
	cJSON_Delete(root);
	char *ids = cli_hit_ids(r.out);
	cli_result_free(&r);
	char *out = cli_sorted_words(ids);
	free(ids);
	return out;
}

static void expect(const char *query, const char *ids)
{
	int total;
	char *got = found(small_db, query, &total);
	if (strcmp(got, ids) != 0)
		fail_msg("'%s' found '%s', not '%s'", query, got, ids);
	size_t n = ids[0] ? 1 : 0;
	for (const char *p = ids; *p; p++)
		n += *p == ' ';
	assert_int_equal(total, n);
	free(got);
}

static void test_pairs_apart_do_not_match(void **state)
{
	(void)state;
	/* E1 holds every pair of 饮水安全 but not the string; E6 holds it only
	 * across its title and body */
	expect("\"饮水安全\"", "E2 E4 E5");
	expect("\"飲水安全\"", "E2 E4 E5");
	expect("\"哈哈哈\"", "E7");
	expect("\"哈哈\"", "E7 E8");
	expect("\"水安排\"", "E1");
	expect("\"安全饮水\"", "E1");
	expect("\"饮水安全检查\"", "E5");
	expect("\"饮水安全第一\"", "");
}

static void test_strings_across_words_and_forms(void **state)
{
	(void)state;
	expect("\"井吃水\"", "E3");
	expect("\"打井吃水难题\"", "E3");
	expect("\"安全，饮水\"", "E2");
	expect("\"abc水厂\"", "E6");
	expect("\"ＡＢＣ水\"", "E6");
	/* pieces of a string with a space must all occur */
	expect("\"饮水安全 检查\"", "E2 E5");
}

static void test_normalised_text_at_index_time(void **state)
{
	(void)state;
	expect("\"养老保险\"", "F1");
	expect("\"養老保險\"", "F1");
	expect("\"养老保险ab2007\"", "F1");
	expect("\"ab２００７\"", "F1");
	expect("\"征地补偿\"", "F4");
	expect("\"徵地補償\"", "F4");
	expect("\"补偿ab\"", "F4");
	expect("\"土地补助\"", "F2 F3");
	/* a string that ends the title and one that begins the body */
	expect("\"征地\"", "F2 F3 F4");
	expect("\"补偿款\"", "F2");
	/* what the check reads: the normalised title, a NUL, the normalised
	 * body (schema.h), blanks kept as the normalisation gives them */
	dd_db_t *db;
	dd_error_t err;
	assert_int_equal(dd_db_open_read(small_db, &db, &err), DD_OK);
	char *text;
	assert_int_equal(dd_db_get_value(db, "QF1", DD_SLOT_TEXT, &text, &err), DD_OK);
	assert_string_equal(text, "养老保险ab2007");
	assert_string_equal(text + strlen(text) + 1, "今天开会。");
	free(text);
	assert_int_equal(dd_db_get_value(db, "QF3", DD_SLOT_TEXT, &text, &err), DD_OK);
	assert_string_equal(text, "会议");
	assert_string_equal(text + strlen(text) + 1, "征地 补偿,土地补助。\n征地\n补偿。");
	free(text);
	dd_db_close(db);
}

static void test_one_character_strings(void **state)
{
	(void)state;
	/* 饮 always begins a pair (饮水): no term of its own */
	expect("\"饮\"", "E1 E2 E4 E5 E6");
	expect("\"飲\"", "E1 E2 E4 E5 E6");
	/* 笑 alone is E7's title; 水 alone is E4's */
	expect("\"笑\"", "E7");
	expect("\"水\"", "E1 E2 E3 E4 E5 E6");
	expect("\"哈\"", "E7 E8");
	expect("\"c\"", "E6");
	expect("\"鱼\"", "");
	dd_db_t *db;
	dd_error_t err;
	assert_int_equal(dd_db_open_read(small_db, &db, &err), DD_OK);
	char term[16];
	snprintf(term, sizeof term, "%s饮", DD_PREFIX_CHAR);
	assert_int_equal(dd_db_term_freq(db, term), 0);
	/* 水 ends a title (E4, E6) and begins pairs elsewhere */
	snprintf(term, sizeof term, "%s水", DD_PREFIX_CHAR);
	assert_int_equal(dd_db_term_freq(db, term), 2);
	dd_db_close(db);
}

static void test_boolean_counts_and_facets(void **state)
{
	(void)state;
	expect("\"饮水安全\" OR \"井吃水\"", "E2 E3 E4 E5");
	expect("\"饮水\" -\"饮水安全\"", "E1 E6");
	expect("\"饮水安全\" county:甲县", "E2 E5");
	expect("\"饮水安全\" OR \"哈哈哈\" -county:乙县", "E2 E5 E7");
	/* facets count the exact notes: 甲县 E2 E5, 乙县 E4; not E1 or E6 */
	cli_result_t r =
	    cli_run("dundian-search", "--db", small_db, "--json", "--facets", "county", "\"饮水安全\"", (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	assert_non_null(root);
	const cJSON *county =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "facets"), "county");
	char seen[256] = "";
	const cJSON *f;
	cJSON_ArrayForEach(f, county)
	{
		snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s%s:%d", seen[0] ? " " : "",
		         cJSON_GetObjectItemCaseSensitive(f, "value")->valuestring,
		         cJSON_GetObjectItemCaseSensitive(f, "count")->valueint);
	}
	assert_string_equal(seen, "甲县:2 乙县:1");
	cJSON_Delete(root);
	cli_result_free(&r);
}

/* ---- the bundled corpus, against a scan of its notes ---- */

/* Sorted ids of the corpus notes whose normalised title or body holds s. */
static char *scanned(const char *s)
{
	DIR *d = opendir(CLI_CORPUS_NOTES);
	assert_non_null(d);
	char *v[600] = { 0 };
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 600) {
		if (!strstr(e->d_name, ".md"))
			continue;
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", CLI_CORPUS_NOTES, e->d_name);
		dd_note_t *note;
		dd_error_t err;
		if (dd_note_load(path, &note, &err) != DD_OK)
			fail_msg("%s", err.message);
		char *title = dd_normalize_string(note->title, strlen(note->title));
		char *body = dd_normalize_string(note->body, note->body_len);
		if (strstr(title, s) || strstr(body, s))
			v[n++] = strdup(note->id);
		free(title);
		free(body);
		dd_note_free(note);
	}
	closedir(d);
	char *out = cli_sorted_join(v, n);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	return out;
}

/* Notes holding every character pair of s (apart or not). */
static size_t candidates(const char *s)
{
	dd_db_t *db;
	dd_error_t err;
	assert_int_equal(dd_db_open_read(corpus_db, &db, &err), DD_OK);
	dd_query_t *pairs[64];
	size_t n = 0, i = 0, len = strlen(s);
	while (i < len && n < 64) {
		size_t j = i;
		dd_utf8_next(s, &j);
		if (j >= len)
			break;
		size_t k = j;
		dd_utf8_next(s, &k);
		char term[64];
		snprintf(term, sizeof term, "%s%.*s", DD_PREFIX_BIGRAM, (int)(k - i), s + i);
		pairs[n++] = dd_query_term(term, 1);
		i = j;
	}
	dd_query_t *q = dd_query_combine(DD_QUERY_AND, pairs, n);
	dd_search_options_t opts;
	memset(&opts, 0, sizeof opts);
	opts.limit = 1;
	opts.check_at_least = 1000;
	dd_results_t *r;
	assert_int_equal(dd_db_search(db, q, &opts, &r, &err), DD_OK);
	size_t total = dd_results_total(r);
	dd_results_free(r);
	dd_query_free(q);
	dd_db_close(db);
	return total;
}

static void test_corpus_strings_exact(void **state)
{
	(void)state;
	static const char *const strings[] = { "饮水安全", "水的问题", "村里的水", "不是问题", "合作医疗", "看病就医",
		                               "吃水难",   "一个村",   "书记说",   "的时候",   "了一下",   "水不够",
		                               "上学难",   "老百姓的", "水",       "井",       "医",       "。" };
	size_t extra = 0;
	for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
		char query[64];
		snprintf(query, sizeof query, "\"%s\"", strings[i]);
		int total;
		char *got = found(corpus_db, query, &total);
		char *want = scanned(strings[i]);
		if (strcmp(got, want) != 0)
			fail_msg("'%s' found\n  %s\nnot\n  %s", query, got, want);
		size_t n = want[0] ? 1 : 0;
		for (const char *p = want; *p; p++)
			n += *p == ' ';
		assert_int_equal(total, n);
		size_t c = dd_utf8_length(strings[i], strlen(strings[i])) > 1 ? candidates(strings[i]) : n;
		assert_true(c >= n);
		extra += c - n;
		free(got);
		free(want);
	}
	/* the check had notes to turn away */
	assert_true(extra > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_apart_do_not_match), cmocka_unit_test(test_strings_across_words_and_forms),
		cmocka_unit_test(test_one_character_strings),    cmocka_unit_test(test_boolean_counts_and_facets),
		cmocka_unit_test(test_corpus_strings_exact),     cmocka_unit_test(test_normalised_text_at_index_time),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
