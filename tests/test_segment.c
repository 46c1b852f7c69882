/* test_segment.c - unit tests of segmenting a query again by the index's
 * statistics (lib/segment.h), and of its effect on ranking: a query the
 * tokenizer cuts through a better word (躺半天才 as 躺|半|天才) finds the
 * note holding that word (半天) first, on small notes written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "lexicon.h"
#include "plan.h"
#include "ranking.h"
#include "schema.h"
#include "segment.h"
#include "tokenizer.h"

/* --- the model alone, over a table of document frequencies --------------- */

typedef struct table {
	const char *const *words; /* word, df as text, word, df... NULL-ended */
	const char *const *dictionary;
} table_t;

static size_t table_freq(const char *word, void *ctx)
{
	const table_t *t = ctx;
	for (size_t i = 0; t->words[i]; i += 2)
		if (strcmp(t->words[i], word) == 0)
			return (size_t)atoi(t->words[i + 1]);
	return 0;
}

static int table_is_word(const char *word, void *ctx)
{
	const table_t *t = ctx;
	for (size_t i = 0; t->dictionary && t->dictionary[i]; i++)
		if (strcmp(t->dictionary[i], word) == 0)
			return 1;
	return 0;
}

/* The words chosen for words (space-separated) of chunk, space-separated,
 * or "=" when the tokenizer's stand (static). */
static const char *segmented(const table_t *t, const char *chunk, const char *words)
{
	static char got[512];
	dd_segment_model_t m = { table_freq, table_is_word, (void *)t, 500 };
	char buf[512], *v[32], *save = NULL;
	size_t n = 0;
	snprintf(buf, sizeof buf, "%s", words);
	for (char *w = strtok_r(buf, " ", &save); w && n < 32; w = strtok_r(NULL, " ", &save))
		v[n++] = w;
	char **out;
	size_t n_out;
	dd_error_t err;
	assert_int_equal(dd_segment_query_words(&m, chunk, v, n, &out, &n_out, &err), DD_OK);
	if (!out)
		return "=";
	got[0] = '\0';
	for (size_t i = 0; i < n_out; i++) {
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", out[i]);
		free(out[i]);
	}
	free(out);
	return got;
}

static const char *const corpus_words[] = { "躺", "10",  "半",     "122", "天才", "7",   "半天", "51", "才",   "160",
	                                    "被", "149", "了",     "400", "一",   "300", "了一", "40", "一天", "60",
	                                    "天", "100", "木",     "20",  "头顶", "5",   "木头", "30", "顶",   "25",
	                                    "水", "300", "自来水", "80",  "自来", "2",   "水厂", "20", NULL };

static void test_the_likelier_cut_wins(void **state)
{
	(void)state;
	table_t t = { corpus_words, NULL };
	/* 半天 and 才 are much likelier together than 半 and the rare 天才 */
	assert_string_equal(segmented(&t, "躺半天才被", "躺 半 天才 被"), "躺 半天 才 被");
	assert_string_equal(segmented(&t, "木头顶", "木 头顶"), "木头 顶");
	/* already the likelier cut: unchanged */
	assert_string_equal(segmented(&t, "躺半天才被", "躺 半天 才 被"), "=");
	/* a word holding a function character at its edge is no candidate
	 * (了一 is frequent here, yet 走了 一天 stays) */
	assert_string_equal(segmented(&t, "了一天", "了 一天"), "=");
}

static void test_breaks_and_dictionary_words_stay(void **state)
{
	(void)state;
	static const char *const dictionary[] = { "天才", NULL };
	table_t t = { corpus_words, dictionary };
	/* a dictionary word the tokenizer gave is never split */
	assert_string_equal(segmented(&t, "躺半天才被", "躺 半 天才 被"), "=");
	t.dictionary = NULL;
	/* typed with a break between them: not one run */
	assert_string_equal(segmented(&t, "躺半 天才被", "躺 半 天才 被"), "=");
	/* a single word stands */
	assert_string_equal(segmented(&t, "半天", "半天"), "=");
	/* a word that is not Han stands, the Han run after it is segmented */
	assert_string_equal(segmented(&t, "ab半天才", "ab 半 天才"), "ab 半天 才");
}

/* --- in a query, over a small index ------------------------------------------ */

static dd_lexicon_t *lexicon;
static dd_tokenizer_t *tokenizer;
static dd_db_t *db;

/* A note whose words are the space-separated words (positioned), with the
 * pairs of adjacent characters of its body (the words run together). */
static void put_note(dd_db_t *w, const char *id, const char *words)
{
	dd_doc_t *doc = dd_doc_new();
	assert_non_null(doc);
	char buf[1024], body[1024] = "", *save = NULL;
	unsigned pos = 1;
	dd_error_t err;
	snprintf(buf, sizeof buf, "%s", words);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		assert_int_equal(dd_doc_add_posting(doc, t, pos++, 1, &err), DD_OK);
		strncat(body, t, sizeof body - strlen(body) - 1);
	}
	/* every character pair (3-byte UTF-8 characters here) */
	for (size_t i = 0; i + 6 <= strlen(body); i += 3) {
		char pair[16];
		snprintf(pair, sizeof pair, "%s%.6s", DD_PREFIX_BIGRAM, body + i);
		assert_int_equal(dd_doc_add_term(doc, pair, 1, &err), DD_OK);
	}
	assert_int_equal(dd_doc_set_value(doc, DD_SLOT_BODY, body, strlen(body), &err), DD_OK);
	assert_int_equal(dd_doc_set_data(doc, id, strlen(id), &err), DD_OK);
	char idterm[DD_TERM_MAX + 32];
	dd_schema_id_term(id, idterm, sizeof idterm);
	if (dd_db_replace_doc(w, idterm, doc, &err) != DD_OK)
		fail_msg("%s", err.message);
	dd_doc_free(doc);
}

static int setup(void **state)
{
	(void)state;
	dd_error_t err;
	char path[4096];
	if (!(lexicon = dd_lexicon_new()) || dd_tokenizer_new(lexicon, &tokenizer, &err) != DD_OK ||
	    !cli_scratch("segment", path, sizeof path))
		return -1;
	strcat(path, "/db");
	dd_db_t *w;
	if (dd_db_open_write(path, &w, &err) != DD_OK || dd_db_begin(w, &err) != DD_OK)
		return -1;
	/* the note remembered says 大半天; another says 三天才, which ICU cuts
	 * as 三 天才 (the way it cuts the query's 半天才) */
	put_note(w, "remembered", "老人 躺 了 大 半天 才 发现");
	put_note(w, "other", "老人 躺 了 三 天才 被 发现");
	for (int i = 0; i < 6; i++) {
		char id[16];
		snprintf(id, sizeof id, "f%d", i);
		put_note(w, id, i < 3 ? "等 了 半天 才 来" : "才 开始 说话");
	}
	if (dd_db_commit(w, &err) != DD_OK)
		return -1;
	dd_db_close(w);
	return dd_db_open_read(path, &db, &err) == DD_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	dd_db_close(db);
	dd_tokenizer_free(tokenizer);
	dd_lexicon_free(lexicon);
	return 0;
}

static int collect_word(const dd_token_t *tok, void *ctx)
{
	char *s = ctx;
	snprintf(s + strlen(s), 256 - strlen(s), "%s%s", s[0] ? " " : "", tok->text);
	return 0;
}

static void test_query_finds_the_better_word_first(void **state)
{
	(void)state;
	const char *query = "躺半天才";
	/* the premise: the tokenizer alone cuts through 半天 */
	char words[256] = "";
	dd_error_t err;
	assert_int_equal(dd_tokenize(tokenizer, query, strlen(query), DD_TOKENIZE_QUERY, collect_word, words, &err),
	                 DD_OK);
	assert_string_equal(words, "躺 半 天才");
	dd_ranking_context_t ctx = { .lexicon = lexicon, .db = db };
	dd_ranking_defaults(&ctx.weights);
	dd_plan_options_t popts = { tokenizer, NULL, 0, NULL };
	dd_parsed_query_t pq;
	if (dd_ranking_parse(&popts, &ctx, query, &pq, &err) != DD_OK)
		fail_msg("%s", err.message);
	dd_search_options_t opts;
	dd_ranking_search_options(&ctx.weights, &opts, 0, 10);
	dd_results_t *res;
	assert_int_equal(dd_db_search(db, pq.query, &opts, &res, &err), DD_OK);
	assert_true(dd_results_count(res) >= 2);
	size_t len;
	const char *first = dd_results_data(res, 0, &len);
	assert_int_equal(len, strlen("remembered"));
	assert_memory_equal(first, "remembered", len);
	dd_results_free(res);
	/* the words looked for, and highlighted, are the index's */
	assert_int_equal(pq.plan->root->n_items, 3);
	assert_string_equal(pq.plan->root->items[1], "半天");
	assert_string_equal(pq.plan->root->items[2], "才");
	dd_parsed_query_free(&pq);
	/* without an index to count words in, the tokenizer's words stand */
	ctx.db = NULL;
	if (dd_ranking_parse(&popts, &ctx, query, &pq, &err) != DD_OK)
		fail_msg("%s", err.message);
	assert_string_equal(pq.plan->root->items[1], "半");
	dd_parsed_query_free(&pq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_likelier_cut_wins),
		cmocka_unit_test(test_breaks_and_dictionary_words_stay),
		cmocka_unit_test(test_query_finds_the_better_word_first),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
