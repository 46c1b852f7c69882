/* test_ranking.c - unit tests of the ranking module (lib/ranking.h).
 *
 * Plans are compiled against a small real index (so term frequencies
 * decide between a word and its exact string) and a small thesaurus:
 * expansion at the chosen weights, topic evidence, global filters, exact
 * strings, long ANDs kept whole (checked by what the search returns),
 * the work bound, the highlight lists, topic feedback, and the weights
 * themselves (DUNDIAN_TUNE, tag wdf, passage score).
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
#include "tokenizer.h"

static dd_lexicon_t *lexicon;
static dd_tokenizer_t *tokenizer;
static dd_db_t *db;
static const char *const topics[] = { "water", "roads" };

/* A document with the given words (positioned), filter terms, tags
 * (DD_SLOT_TOPICS) and id. */
static void put_doc(dd_db_t *w, const char *id, const char *words, const char *filters, const char *tags)
{
	dd_doc_t *doc = dd_doc_new();
	assert_non_null(doc);
	char buf[4096];
	char *save = NULL;
	unsigned pos = 1;
	dd_error_t err;
	/* the body, and the text an exact string is checked against: the words in a row */
	char body[4096] = "";
	snprintf(buf, sizeof buf, "%s", words);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		assert_int_equal(dd_doc_add_posting(doc, t, pos++, 1, &err), DD_OK);
		if (t[0] != DD_PREFIX_BIGRAM[0])
			strncat(body, t, sizeof body - strlen(body) - 1);
	}
	assert_int_equal(dd_doc_set_value(doc, DD_SLOT_BODY, body, strlen(body), &err), DD_OK);
	/* the text as the index keeps it for the check: no title, NUL, body */
	char text[sizeof body + 1] = "";
	memcpy(text + 1, body, strlen(body));
	assert_int_equal(dd_doc_set_value(doc, DD_SLOT_TEXT, text, strlen(body) + 1, &err), DD_OK);
	snprintf(buf, sizeof buf, "%s", filters);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		assert_int_equal(dd_doc_add_boolean_term(doc, t, &err), DD_OK);
	assert_int_equal(dd_doc_set_value(doc, DD_SLOT_TOPICS, tags, strlen(tags), &err), DD_OK);
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
	if (!(lexicon = dd_lexicon_new()) ||
	    dd_lexicon_parse_thesaurus(lexicon, "water\t饮水 吃水 自来水\nroads\t修路 公路\n", "thesaurus", &err) !=
	        DD_OK ||
	    dd_tokenizer_new(lexicon, &tokenizer, &err) != DD_OK || !cli_scratch("ranking", path, sizeof path))
		return -1;
	strcat(path, "/db");
	dd_db_t *w;
	if (dd_db_open_write(path, &w, &err) != DD_OK || dd_db_begin(w, &err) != DD_OK)
		return -1;
	/* 自来水 is in no note: it is never brought in */
	put_doc(w, "a", "村里 吃水 难 B村里 B里吃 B吃水 B水难", "XCOx Kwater XKwater", "water");
	put_doc(w, "b", "吃水 水井 饮水", "XCOy Kwater XKwater", "water");
	put_doc(w, "c", "水井 吃水 吃水", "XCOx Kwater XKwater", "water");
	put_doc(w, "d", "修路 公路 吃水", "XCOy Kroads XKroads", "roads");
	char big[4096] = "";
	for (int i = 0; i < 300; i++)
		snprintf(big + strlen(big), sizeof big - strlen(big), "w%d ", i);
	put_doc(w, "big", big, "", "");
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

static dd_ranking_context_t context(void)
{
	dd_ranking_context_t ctx = { .lexicon = lexicon, .db = db };
	dd_ranking_defaults(&ctx.weights);
	return ctx;
}

static void compile(const dd_ranking_context_t *ctx, const char *text, dd_parsed_query_t *pq)
{
	dd_plan_options_t popts = { tokenizer, topics, 2, NULL };
	dd_error_t err;
	if (dd_ranking_parse(&popts, ctx, text, pq, &err) != DD_OK)
		fail_msg("query '%.100s': %s", text, err.message);
	assert_non_null(pq->plan);
}

/* The description of text's compiled query (malloc'd). */
static char *described(const dd_ranking_context_t *ctx, const char *text)
{
	dd_parsed_query_t pq;
	compile(ctx, text, &pq);
	char *d = dd_query_describe(pq.query);
	dd_parsed_query_free(&pq);
	return d;
}

/* text compiles to the query Xapian describes as want. */
static void expect_described(const dd_ranking_context_t *ctx, const char *text, const char *want)
{
	char *d = described(ctx, text);
	int same = strcmp(d, want) == 0;
	if (!same)
		fprintf(stderr, "query '%s' gave %s\n", text, d);
	free(d);
	assert_true(same);
}

/* The ids text finds, in id order, space-separated (static). */
static const char *found(const char *text)
{
	static char ids[256];
	dd_ranking_context_t ctx = context();
	dd_parsed_query_t pq;
	compile(&ctx, text, &pq);
	dd_search_options_t opts;
	dd_ranking_search_options(&ctx.weights, &opts, 0, 100);
	dd_results_t *res;
	dd_error_t err;
	assert_int_equal(dd_db_search(db, pq.query, &opts, &res, &err), DD_OK);
	size_t n = dd_results_count(res);
	char *list[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *id = dd_results_data(res, i, &len);
		list[i] = strndup(id, len);
	}
	if (n > 1)
		qsort(list, n, sizeof *list, cli_by_string);
	ids[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? " " : "", list[i]);
		free(list[i]);
	}
	dd_results_free(res);
	dd_parsed_query_free(&pq);
	return ids;
}

/* --- compiling ----------------------------------------------------------- */

static void test_expansion_at_its_weight(void **state)
{
	(void)state;
	dd_ranking_context_t ctx = context();
	expect_described(&ctx, "饮水", "Query((饮水 OR 1 * 吃水 OR 0.5 * XKwater))");
	ctx.weights.expansion_weight = 0.25;
	ctx.weights.topic_weight = 2;
	expect_described(&ctx, "饮水", "Query((饮水 OR 0.25 * 吃水 OR 2 * XKwater))");
	/* excluded words are not expanded; no lexicon, no expansion */
	expect_described(&ctx, "水井 -饮水", "Query((水井 AND_NOT 饮水))");
	ctx.lexicon = NULL;
	expect_described(&ctx, "饮水", "Query(饮水)");
}

static void test_cooccurrence_and_unknown_words(void **state)
{
	(void)state;
	dd_ranking_context_t ctx = context();
	ctx.lexicon = NULL;
	/* one chunk of two words: all of them together ranked up; typed as
	 * one word the index does not know, its sequence first */
	expect_described(
	    &ctx, "村里吃水",
	    "Query(((1 * ((B村里 AND B里吃 AND B吃水) FILTER PostingSource(CheckedSource(村里吃水))) OR 0.5 * "
	    "村里 OR 0.5 * 吃水) OR 1 * (村里 AND 吃水)))");
	ctx.weights.cooccurrence_weight = 0;
	ctx.weights.sequence_weight = 0;
	expect_described(&ctx, "村里吃水", "Query((村里 OR 吃水))");
	/* a word the index never saw: its exact string, highlighted as one */
	dd_parsed_query_t pq;
	compile(&ctx, "村里 xyz", &pq);
	char *d = dd_query_describe(pq.query);
	assert_string_equal(d, "Query((村里 OR ((Bxy AND Byz) FILTER PostingSource(CheckedSource(xyz)))))");
	free(d);
	assert_int_equal(pq.n_words, 1);
	assert_int_equal(pq.n_literals, 1);
	assert_string_equal(pq.literals[0], "xyz");
	dd_parsed_query_free(&pq);
}

static void test_filters_and_literals(void **state)
{
	(void)state;
	dd_ranking_context_t ctx = context();
	ctx.lexicon = NULL;
	expect_described(&ctx, "county:x county:y topic:water 水井",
	                 "Query((水井 FILTER ((XCOx OR XCOy) AND Kwater)))");
	expect_described(&ctx, "\"吃水难\" -county:y date:2007-01-01..",
	                 "Query(((((B吃水 AND B水难) FILTER PostingSource(CheckedSource(吃水难))) FILTER VALUE_GE 0 "
	                 "2007-01-01) AND_NOT XCOy))");
	/* what the search returns */
	assert_string_equal(found("吃水 county:x"), "a c");
	assert_string_equal(found("吃水 -county:x"), "b d");
	assert_string_equal(found("county:x OR topic:roads"), "a c d");
	assert_string_equal(found("\"吃水难\""), "a");
}

/* Issue 12: a 301-way AND whose last word matches nothing returned notes
 * (operands past 256 were dropped).  Now every operand counts. */
static void test_long_and_is_exact(void **state)
{
	(void)state;
	char q[4096] = "";
	for (int i = 0; i < 300; i++)
		snprintf(q + strlen(q), sizeof q - strlen(q), "%sw%d", i ? " AND " : "", i);
	assert_string_equal(found(q), "big");
	strcat(q, " AND 村里");
	assert_string_equal(found(q), "");
	/* and as many exclusions */
	char ex[4096] = "w0";
	for (int i = 1; i < 300; i++)
		snprintf(ex + strlen(ex), sizeof ex - strlen(ex), " -x%d", i);
	assert_string_equal(found(ex), "big");
	strcat(ex, " -w299");
	assert_string_equal(found(ex), "");
}

static void test_work_bound(void **state)
{
	(void)state;
	/* a thesaurus group of 40 words: 600 typed words bring in 24,600 terms */
	dd_lexicon_t *lex = dd_lexicon_new();
	char line[1024] = "big\t";
	for (int i = 0; i < 40; i++)
		snprintf(line + strlen(line), sizeof line - strlen(line), "%sg%d", i ? " " : "", i);
	dd_error_t err;
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, line, "big", &err), DD_OK);
	dd_ranking_context_t ctx = { .lexicon = lex, .db = NULL };
	dd_ranking_defaults(&ctx.weights);
	dd_plan_options_t popts = { tokenizer, NULL, 0, NULL };
	char q[4096] = "";
	for (int i = 0; i < 600; i++)
		strcat(q, "g1 ");
	dd_parsed_query_t pq;
	assert_int_equal(dd_ranking_parse(&popts, &ctx, q, &pq, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "too complex"));
	assert_null(strchr(err.message, '\n'));
	assert_null(pq.query);
	assert_null(pq.plan);
	/* 100 are fine */
	q[300] = '\0';
	assert_int_equal(dd_ranking_parse(&popts, &ctx, q, &pq, &err), DD_OK);
	dd_parsed_query_free(&pq);
	dd_lexicon_free(lex);
}

static void test_highlight_lists_in_typed_order(void **state)
{
	(void)state;
	dd_ranking_context_t ctx = context();
	dd_parsed_query_t pq;
	/* the excluded word is a global filter, compiled last, but typed first */
	compile(&ctx, "-饮水 水井 \"镇里\" 水井", &pq);
	assert_int_equal(pq.n_words, 2);
	assert_string_equal(pq.words[0], "饮水");
	assert_string_equal(pq.words[1], "水井");
	assert_int_equal(pq.n_literals, 1);
	assert_string_equal(pq.literals[0], "镇里");
	assert_true(pq.has_text);
	assert_false(pq.plain);
	dd_parsed_query_free(&pq);
	/* relatives follow their word */
	compile(&ctx, "饮水 修路", &pq);
	assert_int_equal(pq.n_words, 4);
	assert_string_equal(pq.words[0], "饮水");
	assert_string_equal(pq.words[1], "吃水");
	assert_string_equal(pq.words[2], "修路");
	assert_string_equal(pq.words[3], "公路");
	assert_true(pq.plain);
	dd_parsed_query_free(&pq);
}

/* --- evidence that scales with the query ------------------------------------ */

/* The ids of the best notes for text in db, best first, space-separated
 * (static), with the given weights and lexicon. */
static const char *ranked(dd_db_t *in, const dd_lexicon_t *lex, const dd_ranking_t *weights, const char *text)
{
	static char ids[256];
	dd_tokenizer_t *tok;
	dd_error_t err;
	assert_int_equal(dd_tokenizer_new(lex, &tok, &err), DD_OK);
	dd_ranking_context_t ctx = { .lexicon = lex, .db = in, .weights = *weights };
	dd_plan_options_t popts = { tok, NULL, 0, NULL };
	dd_parsed_query_t pq;
	if (dd_ranking_parse(&popts, &ctx, text, &pq, &err) != DD_OK)
		fail_msg("%s", err.message);
	dd_search_options_t opts;
	dd_ranking_search_options(weights, &opts, 0, 4);
	dd_results_t *res;
	if (dd_db_search(in, pq.query, &opts, &res, &err) != DD_OK)
		fail_msg("%s", err.message);
	ids[0] = '\0';
	for (size_t i = 0; i < dd_results_count(res); i++) {
		size_t len;
		const char *id = dd_results_data(res, i, &len);
		snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%.*s", i ? " " : "", (int)len, id);
	}
	dd_results_free(res);
	dd_parsed_query_free(&pq);
	dd_tokenizer_free(tok);
	return ids;
}

/* A specific query of several words is not drowned by the topic group of
 * one of them: the note holding the rare typed words beats the notes rich
 * in 果农's topic neighbours.  With the expansion at full weight whatever
 * the other words say (evidence_half 0), the topic-rich notes win: the
 * scaling is what makes the difference. */
static void test_specific_words_beat_topic_group(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_parse_thesaurus(
	                     lex, "farming\t特色农业 | 果农 冷库 茶叶 茶园 合作社 收购 销路 品牌\n", "thesaurus", &err),
	                 DD_OK);
	char path[4096];
	assert_true(cli_scratch("ranking-specific", path, sizeof path));
	strcat(path, "/db");
	dd_db_t *w, *r;
	assert_int_equal(dd_db_open_write(path, &w, &err), DD_OK);
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "rare", "紫菜 贩子 村里 晒场 开会 干部 路 村里", "", "");
	put_doc(w, "t1", "果农 冷库 茶叶 茶园 合作社 收购 销路 品牌", "", "farming");
	put_doc(w, "t2", "果农 冷库 茶叶 合作社 收购 销路 品牌 茶园", "", "farming");
	put_doc(w, "t3", "果农 茶园 合作社 收购 冷库 品牌 销路 茶叶", "", "farming");
	/* 贩子 is not unique to one note */
	put_doc(w, "f1", "村里 干部 开会 贩子", "", "");
	put_doc(w, "f2", "村里 干部 开会 贩子", "", "");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_close(w);
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	dd_ranking_t weights;
	dd_ranking_defaults(&weights);
	const char *q = "果农 紫菜 贩子";
	assert_int_equal(strncmp(ranked(r, lex, &weights, q), "rare ", 5), 0);
	weights.evidence_half = 0;
	assert_int_not_equal(strncmp(ranked(r, lex, &weights, q), "rare ", 5), 0);
	/* alone, 果农 still brings in its topic: the rich notes first */
	dd_ranking_defaults(&weights);
	assert_int_equal(strncmp(ranked(r, lex, &weights, "果农"), "t", 1), 0);
	dd_db_close(r);
	dd_lexicon_free(lex);
}

/* An unknown word (五保户: the tokenizer gives 五保 户, the index has no
 * such term) is matched whole first: the note holding the sequence beats
 * notes holding 五保 often, with its relatives, but never 五保户. */
static void test_unknown_word_whole_first(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, "relief\t困难户 | 五保 低保 救助 民政\n", "thesaurus", &err),
	                 DD_OK);
	char path[4096];
	assert_true(cli_scratch("ranking-unknown", path, sizeof path));
	strcat(path, "/db");
	dd_db_t *w, *r;
	assert_int_equal(dd_db_open_write(path, &w, &err), DD_OK);
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	/* the words and the character pairs, as the index holds them; the
	 * body (put_doc) is the words in a row */
	put_doc(w, "whole", "村里 B村里 有 B里有 五保 B有五 户 B五保 B保户 两 B户两", "", "");
	put_doc(w, "apart", "五保 五保 低保 救助 民政 户 困难户 B五保 B保对 B对象", "", "relief");
	put_doc(w, "many", "五保 低保 低保 救助 民政 困难户 户 B五保 B保和", "", "relief");
	put_doc(w, "other", "村里 修路 B村里 B里修 B修路", "", "");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_close(w);
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	dd_ranking_t weights;
	dd_ranking_defaults(&weights);
	assert_int_equal(strncmp(ranked(r, lex, &weights, "五保户"), "whole ", 6), 0);
	/* without the sequence, the notes rich in 五保 and its relatives win */
	weights.sequence_weight = 0;
	assert_int_not_equal(strncmp(ranked(r, lex, &weights, "五保户"), "whole ", 6), 0);
	dd_db_close(r);
	dd_lexicon_free(lex);
}

/* A Han word no note holds and the thesaurus does not know (织袜: notes
 * write 袜机, 袜厂) falls back on its characters at character_weight: the
 * note holding 袜 beats one holding the other typed word more often; the
 * characters alone match nothing.  A word the thesaurus knows is
 * matched through its relatives, not its characters. */
static void test_unknown_word_characters_last(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, "safety\t起火 | 着火 消防\n", "thesaurus", &err), DD_OK);
	char path[4096];
	assert_true(cli_scratch("ranking-characters", path, sizeof path));
	strcat(path, "/db");
	dd_db_t *w, *r;
	assert_int_equal(dd_db_open_write(path, &w, &err), DD_OK);
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "socks", "工人 袜机 C工 C人 C袜 C机 B工人 B袜机", "", "");
	put_doc(w, "workers", "工人 工人 工人 作坊 C工 C人 C作 C坊 B工人 B作坊", "", "");
	put_doc(w, "other", "村里 修路 C村 C里 C修 C路 B村里 B修路", "", "");
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_close(w);
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	dd_ranking_t weights;
	dd_ranking_defaults(&weights);
	const char *q = "织袜 工人";
	assert_string_equal(ranked(r, lex, &weights, q), "socks workers");
	/* the characters only rank up what the rest matches: alone, the word
	 * no note holds finds nothing */
	assert_string_equal(ranked(r, lex, &weights, "织袜"), "");
	/* without the characters, the other word decides */
	weights.character_weight = 0;
	assert_string_equal(ranked(r, lex, &weights, q), "workers socks");
	/* a word of the thesaurus: its relatives, not its characters */
	dd_ranking_defaults(&weights);
	dd_ranking_context_t ctx = { .lexicon = lex, .db = r, .weights = weights };
	char *d = described(&ctx, "起火");
	assert_null(strstr(d, "C起"));
	free(d);
	/* a character in most notes (人, in two of three) is left out */
	d = described(&ctx, "织袜");
	assert_string_equal(d, "Query((B织袜 AND_MAYBE 0.5 * ((WILDCARD SYNONYM B织 SYNONYM C织) OR (WILDCARD SYNONYM "
	                       "B袜 SYNONYM C袜))))");
	free(d);
	d = described(&ctx, "人员");
	assert_string_equal(d, "Query((B人员 AND_MAYBE 0.5 * (WILDCARD SYNONYM B员 SYNONYM C员)))");
	free(d);
	/* excluded, it removes the notes holding the word, not its characters */
	assert_string_equal(ranked(r, lex, &weights, "工人 -织袜"), "workers socks");
	dd_db_close(r);
	dd_lexicon_free(lex);
}

/* A rare word typed in a description (臭气, in one note of sixty-odd) is
 * likely the user's wording, not the note's: the note that says it
 * otherwise (臭味, sharing 臭) and matches the other typed words comes
 * before the one holding 臭气 itself.  Without the characters of the rare
 * words, 臭气 and 熏 win; in a short query the typed word stands. */
static void test_rare_word_characters(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, "roads\t修路 | 公路\n", "thesaurus", &err), DD_OK);
	char path[4096];
	assert_true(cli_scratch("ranking-rare", path, sizeof path));
	strcat(path, "/db");
	dd_db_t *w, *r;
	assert_int_equal(dd_db_open_write(path, &w, &err), DD_OK);
	assert_int_equal(dd_db_begin(w, &err), DD_OK);
	put_doc(w, "paraphrase",
	        "猪场 臭味 敬老院 老人 关着 窗户 B猪场 B臭味 B味敬 B敬老 B老院 B院老 B老人 B人关 B关着 B着窗 B窗户", "",
	        "");
	put_doc(w, "rare", "猪场 的 臭气 熏 人 B猪场 B场的 B的臭 B臭气 B气熏 B熏人", "", "");
	/* enough other notes that a word in one note is rare */
	for (int i = 0; i < 60; i++) {
		char id[16];
		snprintf(id, sizeof id, "n%d", i);
		put_doc(w, id, i % 4 ? "村里 开会 B村里 B里开 B开会" : "老人 整天 开会 B老人 B人整 B整天 B天开 B开会",
		        "", "");
	}
	assert_int_equal(dd_db_commit(w, &err), DD_OK);
	dd_db_close(w);
	assert_int_equal(dd_db_open_read(path, &r, &err), DD_OK);
	dd_ranking_t weights;
	dd_ranking_defaults(&weights);
	const char *q = "猪场臭气熏得敬老院老人整天关窗";
	assert_string_equal(ranked(r, lex, &weights, q), "paraphrase rare n0 n4");
	/* the characters of 臭气, for the notes without 臭气 only */
	dd_ranking_context_t ctx = { .lexicon = lex, .db = r, .weights = weights };
	char *d = described(&ctx, q);
	if (!strstr(d, "((WILDCARD SYNONYM B臭 SYNONYM C臭) OR (WILDCARD SYNONYM B气 SYNONYM C气)) AND_NOT 臭气"))
		fail_msg("%s", d);
	free(d);
	/* a short query: the typed word stands */
	assert_string_equal(ranked(r, lex, &weights, "猪场臭气"), "rare paraphrase");
	/* without the characters of the rare words, they win */
	weights.rare_chars = 0;
	assert_string_equal(ranked(r, lex, &weights, q), "rare paraphrase n0 n4");
	dd_db_close(r);
	dd_lexicon_free(lex);
}

/* A typed synonym brings in its group's synonyms as one term (one idf),
 * and its neighbours each apart at the lower weight; a typed neighbour
 * brings in the whole group at the neighbour weight. */
static void test_synonyms_one_term_neighbours_apart(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, "water\t饮水 吃水 水井 | 井水 水管\n", "thesaurus", &err),
	                 DD_OK);
	assert_int_equal(dd_lexicon_group_synonyms(lex, 0), 3);
	assert_int_equal(dd_lexicon_group_size(lex, 0), 5);
	dd_ranking_context_t ctx = { .lexicon = lex, .db = NULL };
	dd_ranking_defaults(&ctx.weights);
	ctx.weights.expansion_weight = 0.5;
	ctx.weights.neighbour_weight = 0.25;
	ctx.weights.topic_weight = 2;
	expect_described(&ctx, "饮水",
	                 "Query((饮水 OR 0.5 * (吃水 SYNONYM 水井) OR (0.25 * 井水 OR 0.25 * 水管) OR 2 * XKwater))");
	expect_described(&ctx, "井水",
	                 "Query((井水 OR (0.25 * 饮水 OR 0.25 * 吃水 OR 0.25 * 水井 OR 0.25 * 水管) OR 2 * XKwater))");
	/* a misplaced '|' is refused, naming the line */
	dd_lexicon_t *bad = dd_lexicon_new();
	assert_int_equal(dd_lexicon_parse_thesaurus(bad, "water\t饮水\nroads\t| 修路\n", "t.txt", &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "t.txt:2"));
	assert_int_equal(dd_lexicon_parse_thesaurus(bad, "roads\t修路 | 公路 | 路面\n", "t.txt", &err), DD_ERR_INVALID);
	dd_lexicon_free(bad);
	dd_lexicon_free(lex);
}

/* --- feedback and weights -------------------------------------------------- */

static void test_topic_feedback(void **state)
{
	(void)state;
	dd_ranking_context_t ctx = context();
	ctx.lexicon = NULL;
	dd_parsed_query_t pq;
	dd_error_t err;
	/* 吃水: three water notes and one roads note; water dominates */
	compile(&ctx, "吃水", &pq);
	assert_int_equal(dd_ranking_topic_feedback(&ctx.weights, db, topics, 2, &pq, &err), DD_OK);
	char *d = dd_query_describe(pq.query);
	assert_non_null(strstr(d, "XKwater"));
	assert_null(strstr(d, "XKroads"));
	assert_true(strncmp(d, "Query((吃水 OR ", strlen("Query((吃水 OR ")) == 0);
	free(d);
	dd_parsed_query_free(&pq);
	/* the weight is feedback_weight times the share */
	ctx.weights.feedback_weight = 0;
	compile(&ctx, "吃水", &pq);
	assert_int_equal(dd_ranking_topic_feedback(&ctx.weights, db, topics, 2, &pq, &err), DD_OK);
	d = dd_query_describe(pq.query);
	assert_non_null(strstr(d, "0 * XKwater"));
	free(d);
	dd_parsed_query_free(&pq);
	/* not for a structured query; not with too few notes */
	const char *const unchanged[] = { "\"吃水\"", "吃水 county:x", "修路" };
	for (size_t i = 0; i < 3; i++) {
		compile(&ctx, unchanged[i], &pq);
		char *before = dd_query_describe(pq.query);
		assert_int_equal(dd_ranking_topic_feedback(&ctx.weights, db, topics, 2, &pq, &err), DD_OK);
		d = dd_query_describe(pq.query);
		assert_string_equal(d, before);
		free(d);
		free(before);
		dd_parsed_query_free(&pq);
	}
}

static void test_weights(void **state)
{
	(void)state;
	dd_ranking_t r;
	unsetenv("DUNDIAN_TUNE");
	dd_ranking_tuned(&r);
	dd_ranking_t d;
	dd_ranking_defaults(&d);
	assert_true(r.bm25_k1 == d.bm25_k1 && r.expansion_weight == d.expansion_weight);
	assert_true(r.topic_weight == d.topic_weight && r.feedback_weight == d.feedback_weight);
	/* relatives count less than the word, neighbours less than synonyms */
	assert_true(d.neighbour_weight < d.expansion_weight && d.expansion_weight <= 1);
	assert_true(d.character_weight < 1 && d.evidence_half > 0);
	setenv(
	    "DUNDIAN_TUNE",
	    "k1=2,expand=0.3,bogus,feedback=0,neighbour=0.1,half=3,sequence=2,char=0.25,rarechar=0.5,raredf=0.1,long=4",
	    1);
	dd_ranking_tuned(&r);
	assert_true(r.bm25_k1 == 2 && r.bm25_b == 0.75 && r.expansion_weight == 0.3 && r.feedback_weight == 0);
	assert_true(r.neighbour_weight == 0.1 && r.evidence_half == 3 && r.sequence_weight == 2 &&
	            r.character_weight == 0.25);
	assert_true(r.rare_chars == 0.5 && r.rare_df == 0.1 && r.long_chunk == 4);
	unsetenv("DUNDIAN_TUNE");
	dd_search_options_t opts;
	dd_ranking_search_options(&r, &opts, 5, 7);
	assert_true(opts.bm25_k1 == 2 && opts.bm25_b == 0.75);
	assert_int_equal(opts.offset, 5);
	assert_int_equal(opts.limit, 7);
	/* index time: a sure tag weighs ten times an unsure one */
	assert_int_equal(dd_ranking_tag_wdf(0), 1);
	assert_int_equal(dd_ranking_tag_wdf(1), 10);
	assert_int_equal(dd_ranking_tag_wdf(0.5), 6);
	assert_int_equal(DD_TITLE_WDF, 4);
	/* passages: another word beats closeness, hits and shortness */
	assert_true(dd_ranking_passage_score(2, 200, 1, 200) > dd_ranking_passage_score(1, 2, 5, 10));
	assert_true(dd_ranking_passage_score(1, 2, 1, 50) > dd_ranking_passage_score(1, 40, 1, 50));
	assert_true(dd_ranking_passage_score(1, 2, 1, 50) > dd_ranking_passage_score(1, 2, 1, 90));
	assert_true(DD_RELATIVE_WEIGHT < 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expansion_at_its_weight),
		cmocka_unit_test(test_cooccurrence_and_unknown_words),
		cmocka_unit_test(test_filters_and_literals),
		cmocka_unit_test(test_long_and_is_exact),
		cmocka_unit_test(test_work_bound),
		cmocka_unit_test(test_highlight_lists_in_typed_order),
		cmocka_unit_test(test_specific_words_beat_topic_group),
		cmocka_unit_test(test_unknown_word_whole_first),
		cmocka_unit_test(test_unknown_word_characters_last),
		cmocka_unit_test(test_rare_word_characters),
		cmocka_unit_test(test_synonyms_one_term_neighbours_apart),
		cmocka_unit_test(test_topic_feedback),
		cmocka_unit_test(test_weights),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
