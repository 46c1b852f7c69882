/* test_snippet.c - sentence splitting, passage choice and marking
 * (lib/snippet.h) on small texts written here, and the query word
 * weights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snippet.h"
#include "text.h"

/* The sentence k of text as a malloc'd string. */
static char *sentence_text(const char *text, const dd_sentence_t *s)
{
	return strndup(text + s->start, s->end - s->start);
}

static void assert_sentences(const char *text, const char *const *expected, const size_t *paragraphs, size_t n)
{
	dd_sentence_t *s;
	size_t count;
	dd_error_t err;
	assert_int_equal(dd_split_sentences(text, strlen(text), &s, &count, &err), DD_OK);
	for (size_t k = 0; k < count && k < n; k++) {
		char *got = sentence_text(text, &s[k]);
		if (strcmp(got, expected[k]) != 0)
			fail_msg("sentence %zu: got '%s', expected '%s'", k, got, expected[k]);
		assert_int_equal(s[k].chars, dd_utf8_length(expected[k], strlen(expected[k])));
		if (paragraphs)
			assert_int_equal(s[k].paragraph, paragraphs[k]);
		free(got);
	}
	assert_int_equal(count, n);
	free(s);
}

static void test_sentences_end_at_full_stops_with_closing_quotes(void **state)
{
	(void)state;
	const char *text = "车到垭口就停了。他说：“那就是兴山村，看着近。”我问为啥？老汉笑了！";
	const char *expected[] = { "车到垭口就停了。", "他说：“那就是兴山村，看着近。”", "我问为啥？", "老汉笑了！" };
	assert_sentences(text, expected, NULL, 4);
}

static void test_sentences_keep_commas_colons_semicolons(void **state)
{
	(void)state;
	const char *text = "散会前我说了三件事：一是讲政策；二是设代办点；三是抓支部。好。";
	const char *expected[] = { "散会前我说了三件事：一是讲政策；二是设代办点；三是抓支部。", "好。" };
	assert_sentences(text, expected, NULL, 2);
}

static void test_sentences_ellipsis(void **state)
{
	(void)state;
	/* an ellipsis inside a sentence goes on; one before a closing quote ends it */
	const char *text = "何老三说：“那……那你也不能断水。”钱国富说：“来不及办……”我打断他。欠三千……最后一行";
	const char *expected[] = { "何老三说：“那……那你也不能断水。”", "钱国富说：“来不及办……”", "我打断他。",
		                   "欠三千……最后一行" };
	assert_sentences(text, expected, NULL, 4);
}

static void test_sentences_paragraphs_lines_and_blanks(void **state)
{
	(void)state;
	const char *text = "　　第一段开头。第一段结尾  \n\n当场打电话：\n一、县卫生局。\n二、县民政局！\n\n\n最后一段";
	const char *expected[] = { "第一段开头。",   "第一段结尾",     "当场打电话：",
		                   "一、县卫生局。", "二、县民政局！", "最后一段" };
	const size_t paragraphs[] = { 1, 1, 2, 2, 2, 3 };
	assert_sentences(text, expected, paragraphs, 6);
}

static void test_sentences_repeated_marks_and_ascii(void **state)
{
	(void)state;
	const char *text = "真的吗？！”他问。Is it? Yes!";
	const char *expected[] = { "真的吗？！”", "他问。", "Is it?", "Yes!" };
	assert_sentences(text, expected, NULL, 4);
}

static void test_sentences_of_empty_text(void **state)
{
	(void)state;
	dd_sentence_t *s;
	size_t count;
	assert_int_equal(dd_split_sentences("", 0, &s, &count, NULL), DD_OK);
	assert_int_equal(count, 0);
	assert_null(s);
	assert_int_equal(dd_split_sentences(" \n\n  ", 5, &s, &count, NULL), DD_OK);
	assert_int_equal(count, 0);
	free(s);
}

/* Spans for every occurrence of each word (which = index in words), sorted. */
static size_t find_spans(const char *text, const char *const *words, size_t n_words, dd_span_t *spans, size_t max)
{
	size_t n = 0;
	for (const char *p = text; *p; p++)
		for (size_t w = 0; w < n_words; w++)
			if (strncmp(p, words[w], strlen(words[w])) == 0 && n < max) {
				spans[n++] =
				    (dd_span_t){ (size_t)(p - text), (size_t)(p - text) + strlen(words[w]), w };
				p += strlen(words[w]) - 1;
				break;
			}
	return n;
}

static char *passage_text(const char *text, const dd_passage_t *p)
{
	return strndup(text + p->start, p->end - p->start);
}

static void test_two_different_words_beat_one_word_twice(void **state)
{
	(void)state;
	const char *text = "开头一句话。\n\n村里说吃水难，吃水要挑。\n\n村里说吃水难，修路也难。\n\n结尾。";
	const char *words[] = { "吃水", "修路" };
	dd_span_t spans[16];
	size_t n_spans = find_spans(text, words, 2, spans, 16);
	assert_int_equal(n_spans, 4);
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 2, 200, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 2);
	char *best = passage_text(text, &p[0]), *second = passage_text(text, &p[1]);
	assert_string_equal(best, "村里说吃水难，修路也难。");
	assert_int_equal(p[0].paragraph, 3);
	assert_int_equal(p[0].n_spans, 2);
	assert_int_equal(spans[p[0].first_span].which, 0);
	assert_int_equal(spans[p[0].first_span + 1].which, 1);
	assert_string_equal(second, "村里说吃水难，吃水要挑。");
	assert_true(p[0].score > p[1].score);
	free(best);
	free(second);
	free(p);
}

static void test_closer_words_beat_scattered_ones(void **state)
{
	(void)state;
	/* both passages hold both words; the one where they stand together wins,
	 * though it comes later */
	const char *text = "吃水的事，说了很久很久，大家都说该先把路修好。\n\n饮水和修路，一起办。";
	const char *words[] = { "吃水", "修好", "饮水", "修路" };
	dd_span_t spans[16];
	size_t n_spans = find_spans(text, words, 4, spans, 16);
	/* words 0/2 and 1/3 are the same query word */
	for (size_t i = 0; i < n_spans; i++)
		spans[i].which %= 2;
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 1, 200, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 1);
	char *best = passage_text(text, &p[0]);
	assert_string_equal(best, "饮水和修路，一起办。");
	free(best);
	free(p);
}

static void test_passage_is_shortest_run_of_whole_sentences(void **state)
{
	(void)state;
	const char *text = "第一句没有。第二句有低保。第三句也有低保户。第四句没有。";
	const char *words[] = { "低保" };
	dd_span_t spans[8];
	size_t n_spans = find_spans(text, words, 1, spans, 8);
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 3, 200, 0, &p, &n, NULL), DD_OK);
	/* every hit is in some passage; no passage holds a sentence without a hit */
	size_t covered = 0;
	for (size_t k = 0; k < n; k++) {
		char *t = passage_text(text, &p[k]);
		assert_null(strstr(t, "没有"));
		covered += p[k].n_spans;
		free(t);
	}
	assert_int_equal(covered, 2);
	free(p);
}

static void test_context_adds_sentences_each_side(void **state)
{
	(void)state;
	const char *text = "甲。乙。丙有宅基地。丁。戊。\n\n另一段。";
	const char *words[] = { "宅基地" };
	dd_span_t spans[4];
	size_t n_spans = find_spans(text, words, 1, spans, 4);
	dd_passage_t *p;
	size_t n;
	dd_passage_options_t opts = { 1, 200, 1, NULL, 0 };
	assert_int_equal(dd_choose_passages(text, strlen(text), spans, n_spans, &opts, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 1);
	char *t = passage_text(text, &p[0]);
	assert_string_equal(t, "乙。丙有宅基地。丁。");
	free(t);
	free(p);
	/* context never leaves the paragraph */
	opts.context = 10;
	assert_int_equal(dd_choose_passages(text, strlen(text), spans, n_spans, &opts, &p, &n, NULL), DD_OK);
	t = passage_text(text, &p[0]);
	assert_string_equal(t, "甲。乙。丙有宅基地。丁。戊。");
	free(t);
	free(p);
}

static void test_long_sentence_kept_whole_never_cut_in_a_character(void **state)
{
	(void)state;
	/* one 300-character sentence with a hit in the middle: kept whole */
	char text[2048] = "前言。";
	for (int i = 0; i < 150; i++)
		strcat(text, "长");
	strcat(text, "饮水");
	for (int i = 0; i < 148; i++)
		strcat(text, "句");
	strcat(text, "。后记。");
	const char *words[] = { "饮水" };
	dd_span_t spans[2];
	size_t n_spans = find_spans(text, words, 1, spans, 2);
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 1, 50, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(dd_utf8_length(text + p[0].start, p[0].end - p[0].start), 301);
	assert_true(dd_utf8_valid(text + p[0].start, p[0].end - p[0].start, NULL));
	assert_int_equal(strncmp(text + p[0].start, "长", 3), 0);
	assert_int_equal(strncmp(text + p[0].end - 3, "。", 3), 0);
	free(p);
}

/* Issue 12: the shortness term made the score of a window holding a hit
 * negative once its sentence passed about 5,500 characters, and such a hit
 * got no passage (and the search an empty snippet). */
static char *long_sentence_with(const char *word, size_t each_side)
{
	char *text = malloc(each_side * 2 * 3 + strlen(word) + 64);
	strcpy(text, "前言。");
	char *w = text + strlen(text);
	for (size_t i = 0; i < each_side; i++, w += 3)
		memcpy(w, "长", 3);
	w = stpcpy(w, word);
	for (size_t i = 0; i < each_side; i++, w += 3)
		memcpy(w, "句", 3);
	strcpy(w, "。后记。");
	return text;
}

/* The one passage dd_best_passages (at most 2 asked, no context) chooses
 * for the one span of word in text: it holds the span and scores above 0. */
static dd_passage_t only_passage_for(const char *text, const char *word, size_t max_chars)
{
	dd_span_t spans[2];
	size_t n_spans = find_spans(text, &word, 1, spans, 2);
	assert_int_equal(n_spans, 1);
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 2, max_chars, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].n_spans, 1);
	assert_true(p[0].score > 0);
	dd_passage_t one = p[0];
	free(p);
	return one;
}

/* only_passage_for's passage is the text expected. */
static void assert_only_passage(const char *text, const char *word, size_t max_chars, const char *expected)
{
	dd_passage_t p = only_passage_for(text, word, max_chars);
	char *t = passage_text(text, &p);
	assert_string_equal(t, expected);
	free(t);
}

static void test_hit_in_a_very_long_sentence_still_gets_its_passage(void **state)
{
	(void)state;
	const size_t sides[] = { 100, 3000, 10000 };
	double last = 1e300;
	for (size_t k = 0; k < sizeof sides / sizeof sides[0]; k++) {
		char *text = long_sentence_with("饮水", sides[k]);
		dd_passage_t p = only_passage_for(text, "饮水", 50);
		assert_int_equal(dd_utf8_length(text + p.start, p.end - p.start), 2 * sides[k] + 3);
		/* above the opening's 0, and still shorter is better */
		assert_true(p.score < last);
		last = p.score;
		free(text);
	}
}

static void test_exact_string_over_sentences_longer_than_max_chars(void **state)
{
	(void)state;
	/* found by fuzzing: a hit running over two sentences and longer than
	 * max_chars fitted in no window, and got no passage */
	assert_only_passage("开头。看着近。”我问村里人平时怎么下山。结尾。", "看着近。”我问村里人", 5,
	                    "看着近。”我问村里人平时怎么下山。");
}

static void test_hit_over_a_paragraph_break_gets_its_passage(void **state)
{
	(void)state;
	/* found by fuzzing: an exact string matched over a paragraph break
	 * (blanks match blanks) fitted in no window of one paragraph, and
	 * the note got no passage */
	assert_only_passage("开头。一晚上没睡\n\n晚上七点半，大家走了。结尾。", "没睡\n\n晚上", 30,
	                    "一晚上没睡\n\n晚上七点半，大家走了。");
	/* a hit ending in the blanks after the last sentence: the passage
	 * runs to the hit's end */
	assert_only_passage("开头。一晚上没睡　", "没睡　", 30, "一晚上没睡　");
}

static void test_max_chars_limits_the_window(void **state)
{
	(void)state;
	const char *text = "水在这里。这一句很长很长很长很长很长很长很长很长很长很长。路在那里。";
	const char *words[] = { "水", "路" };
	dd_span_t spans[4];
	size_t n_spans = find_spans(text, words, 2, spans, 4);
	dd_passage_t *p;
	size_t n;
	/* room for all three sentences: both words in one passage */
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 1, 200, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(p[0].n_spans, 2);
	free(p);
	/* 20 characters: the words must go in separate passages */
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 2, 20, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].n_spans, 1);
	assert_int_equal(p[1].n_spans, 1);
	assert_true(p[0].end <= p[1].start || p[1].end <= p[0].start);
	free(p);
}

static void test_typed_word_beats_many_relatives(void **state)
{
	(void)state;
	const char *text = "报销、住院、起付线都讲了。\n\n合作医疗办得好。";
	const char *words[] = { "合作医疗", "报销", "住院", "起付线" };
	dd_span_t spans[8];
	size_t n_spans = find_spans(text, words, 4, spans, 8);
	double weights[] = { 1.0, DD_RELATIVE_WEIGHT, DD_RELATIVE_WEIGHT, DD_RELATIVE_WEIGHT };
	dd_passage_options_t opts = { 1, 200, 0, weights, 4 };
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_choose_passages(text, strlen(text), spans, n_spans, &opts, &p, &n, NULL), DD_OK);
	char *t = passage_text(text, &p[0]);
	assert_string_equal(t, "合作医疗办得好。");
	free(t);
	free(p);
	/* unweighted, three different words win */
	assert_int_equal(dd_best_passages(text, strlen(text), spans, n_spans, 1, 200, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(p[0].paragraph, 1);
	free(p);
}

/* Issue 9: an editor's excerpt prefers the passage holding the typed word
 * to one holding only relatives, however many: eleven different relatives
 * (at DD_RELATIVE_WEIGHT, 1.1 together) used to outweigh one typed word. */
static void test_typed_word_beats_a_dozen_relatives(void **state)
{
	(void)state;
	const char *text = "报销、住院、起付线、封顶线、大病、医药费、结报、病种、统筹、参合、医保都讲了。\n\n"
	                   "这个村的合作医疗办得好。";
	const char *words[] = { "合作医疗", "报销", "住院", "起付线", "封顶线", "大病",
		                "医药费",   "结报", "病种", "统筹",   "参合",   "医保" };
	dd_span_t spans[16];
	size_t n_spans = find_spans(text, words, 12, spans, 16);
	assert_int_equal(n_spans, 12);
	double weights[12];
	weights[0] = 1.0;
	for (int i = 1; i < 12; i++)
		weights[i] = DD_RELATIVE_WEIGHT;
	assert_true(11 * DD_RELATIVE_WEIGHT > 1.0); /* the case the bound is for */
	dd_passage_options_t opts = { 1, 200, 0, weights, 12 };
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_choose_passages(text, strlen(text), spans, n_spans, &opts, &p, &n, NULL), DD_OK);
	char *t = passage_text(text, &p[0]);
	assert_string_equal(t, "这个村的合作医疗办得好。");
	free(t);
	free(p);
	/* the bound keeps relatives counting among themselves */
	assert_true(dd_ranking_coverage(0, 0.3) > dd_ranking_coverage(0, 0.2));
	assert_true(dd_ranking_coverage(1, 0) > dd_ranking_coverage(0, 100));
}

static void test_no_hits_gives_the_opening(void **state)
{
	(void)state;
	const char *text = "第一句。第二句。\n\n第二段。";
	dd_passage_t *p;
	size_t n;
	assert_int_equal(dd_best_passages(text, strlen(text), NULL, 0, 3, 200, 0, &p, &n, NULL), DD_OK);
	assert_int_equal(n, 1);
	assert_true(p[0].score == 0);
	char *t = passage_text(text, &p[0]);
	assert_string_equal(t, "第一句。第二句。");
	free(t);
	free(p);
}

static void test_mark_spans(void **state)
{
	(void)state;
	const char *text = "甲说吃水难，修路也难。";
	const char *words[] = { "吃水", "修路" };
	dd_span_t spans[4];
	size_t n_spans = find_spans(text, words, 2, spans, 4);
	char *marked = dd_mark_spans(text, 0, strlen(text), spans, n_spans, "【", "】");
	assert_string_equal(marked, "甲说【吃水】难，【修路】也难。");
	free(marked);
	/* a span only partly inside the range is not marked */
	marked = dd_mark_spans(text, strlen("甲说吃"), strlen(text), spans, n_spans, "<", ">");
	assert_string_equal(marked, "水难，<修路>也难。");
	free(marked);
}

static void test_query_word_weights(void **state)
{
	(void)state;
	char *words[] = { "合作医疗", "参合", "报销" };
	char *literals[] = { "镇里" };
	dd_parsed_query_t pq = { 0 };
	pq.words = words;
	pq.n_words = 3;
	pq.literals = literals;
	pq.n_literals = 1;
	double *w = dd_query_word_weights(&pq, "合作医疗 报销 \"镇里\"");
	assert_non_null(w);
	assert_true(w[0] == 1.0);
	assert_true(w[1] == DD_RELATIVE_WEIGHT);
	assert_true(w[2] == 1.0);
	assert_true(w[3] == 1.0);
	free(w);
	/* full-width input is normalised before comparing */
	char *ascii[] = { "abc" };
	pq.words = ascii;
	pq.n_words = 1;
	pq.n_literals = 0;
	w = dd_query_word_weights(&pq, "ＡＢＣ");
	assert_non_null(w);
	assert_true(w[0] == 1.0);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sentences_end_at_full_stops_with_closing_quotes),
		cmocka_unit_test(test_sentences_keep_commas_colons_semicolons),
		cmocka_unit_test(test_sentences_ellipsis),
		cmocka_unit_test(test_sentences_paragraphs_lines_and_blanks),
		cmocka_unit_test(test_sentences_repeated_marks_and_ascii),
		cmocka_unit_test(test_sentences_of_empty_text),
		cmocka_unit_test(test_two_different_words_beat_one_word_twice),
		cmocka_unit_test(test_closer_words_beat_scattered_ones),
		cmocka_unit_test(test_passage_is_shortest_run_of_whole_sentences),
		cmocka_unit_test(test_context_adds_sentences_each_side),
		cmocka_unit_test(test_long_sentence_kept_whole_never_cut_in_a_character),
		cmocka_unit_test(test_hit_in_a_very_long_sentence_still_gets_its_passage),
		cmocka_unit_test(test_exact_string_over_sentences_longer_than_max_chars),
		cmocka_unit_test(test_hit_over_a_paragraph_break_gets_its_passage),
		cmocka_unit_test(test_max_chars_limits_the_window),
		cmocka_unit_test(test_typed_word_beats_many_relatives),
		cmocka_unit_test(test_typed_word_beats_a_dozen_relatives),
		cmocka_unit_test(test_no_hits_gives_the_opening),
		cmocka_unit_test(test_mark_spans),
		cmocka_unit_test(test_query_word_weights),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
