/* test_tagger.c - unit tests of the topic tagger (lib/tagger.h).
 *
 * Short notes written here must or must not get a topic; broken taxonomy
 * files must fail with a clear message; a topic added in a test-written
 * taxonomy must work with no code change; and a few bundled corpus notes
 * whose topics are obvious must be tagged with exactly those topics.
 * DD_SOURCE_DIR (set by CMake) is the repository root holding corpus/.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, unlink */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "status.h"
#include "tagger.h"

#ifndef DD_SOURCE_DIR
#define DD_SOURCE_DIR "."
#endif

#define TAXONOMY_PATH DD_SOURCE_DIR "/corpus/taxonomy.json"
#define MAX_TAGS 8

/* --- helpers ------------------------------------------------------------- */

static int setup_bundled(void **state)
{
	dd_error_t err;
	dd_tagger_t *tagger = NULL;
	if (dd_tagger_load(TAXONOMY_PATH, &tagger, &err) != DD_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	*state = tagger;
	return 0;
}

static int teardown_bundled(void **state)
{
	dd_tagger_free(*state);
	return 0;
}

/* Writes text to a fresh temporary file; its path goes to path (>= 64 bytes). */
static void write_temp_file(char *path, const char *text)
{
	strcpy(path, "/tmp/dd-test-tagger-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *file = fdopen(fd, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

/* Loads a taxonomy given as text; returns the status and fills err. */
static dd_status_t load_text(const char *text, dd_tagger_t **tagger, dd_error_t *err)
{
	char path[64];
	write_temp_file(path, text);
	dd_status_t status = dd_tagger_load(path, tagger, err);
	unlink(path);
	return status;
}

static int has_tag(const dd_tag_t *tags, size_t count, const char *key)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(tags[i].key, key) == 0)
			return 1;
	return 0;
}

/* Reads a bundled note and splits it into title and body (in place). */
static char *read_note(const char *id, char **title, char **body)
{
	char path[512];
	snprintf(path, sizeof path, "%s/corpus/notes/%s.md", DD_SOURCE_DIR, id);
	FILE *file = fopen(path, "rb");
	assert_non_null(file);
	char *text = calloc(1, 1 << 16);
	assert_non_null(text);
	size_t got = fread(text, 1, (1 << 16) - 1, file);
	fclose(file);
	text[got] = '\0';

	char *line = strstr(text, "\ntitle: ");
	assert_non_null(line);
	*title = line + strlen("\ntitle: ");
	*strchr(*title, '\n') = '\0';
	char *end = strstr(*title + strlen(*title) + 1, "\n---\n");
	assert_non_null(end);
	*body = end + strlen("\n---\n");
	return text;
}

/* --- notes written here -------------------------------------------------- */

static void test_water_note_gets_water(void **state)
{
	const dd_tagger_t *tagger = *state;
	const char *title = "村里的吃水难";
	const char *body = "全村三百多户，至今没有通自来水。旱季一到，水窖见底，老人每天要走两里路去挑水。"
	                   "去年打的水井水质不合格，县里化验说不能直接饮用。村民盼着引水工程早日开工，"
	                   "把山上的水源接进来，把水管铺到每家每户，让大家喝上放心水。";
	dd_tag_t tags[MAX_TAGS];
	size_t n = dd_tagger_tag(tagger, title, body, tags, MAX_TAGS);
	assert_true(n >= 1);
	assert_string_equal(tags[0].key, "water");
	assert_false(has_tag(tags, n, "pollution"));
	assert_false(has_tag(tags, n, "school"));
	assert_true(tags[0].score > 0.5 && tags[0].score <= 1.0);
	assert_int_equal(tags[0].manual, 0);
}

static void test_school_note_gets_school_not_water(void **state)
{
	const dd_tagger_t *tagger = *state;
	const char *title = "村小的最后一个班";
	const char *body = "村小只剩下一个年级、十一个学生，两位老师都已年过半百。留守儿童占了一大半，"
	                   "父母在外打工，孩子跟着爷爷奶奶过。中心小学离村十五里，没有校车，"
	                   "家长担心孩子上学路上的安全。教室的黑板裂了缝，学校盼着教育局早点派新教师来。";
	dd_tag_t tags[MAX_TAGS];
	size_t n = dd_tagger_tag(tagger, title, body, tags, MAX_TAGS);
	assert_true(has_tag(tags, n, "school"));
	assert_false(has_tag(tags, n, "water"));
	assert_false(has_tag(tags, n, "credit"));
}

static void test_passing_mention_is_not_a_tag(void **state)
{
	const dd_tagger_t *tagger = *state;
	/* One mention of 自来水 in a note about the weather and a meal. */
	const char *body = "早上下了一场小雨，山里的雾很久才散。中午在老乡家吃饭，一碗腊肉、一盘青菜，"
	                   "灶上的铁锅用自来水刷得发亮。饭后大家坐在屋檐下聊天，说今年的天气比往年暖和，"
	                   "桃花开得早，燕子也回来得早。";
	dd_tag_t tags[MAX_TAGS];
	size_t n = dd_tagger_tag(tagger, "雨后", body, tags, MAX_TAGS);
	assert_int_equal(n, 0);
}

static void test_empty_note_and_null_text(void **state)
{
	const dd_tagger_t *tagger = *state;
	dd_tag_t tags[MAX_TAGS];
	assert_int_equal(dd_tagger_tag(tagger, "", "", tags, MAX_TAGS), 0);
	assert_int_equal(dd_tagger_tag(tagger, NULL, NULL, tags, MAX_TAGS), 0);
}

static void test_max_limits_tags_and_order_is_best_first(void **state)
{
	const dd_tagger_t *tagger = *state;
	const char *body = "新农合参合率只有六成，报销要跑合管办，起付线谁也说不清。"
	                   "合作医疗的报账单压在抽屉里。村卫生室的村医一个人看全村的病，看病难。"
	                   "村道还是土路，班车一天一趟，修路的钱没有着落。";
	dd_tag_t tags[MAX_TAGS];
	size_t all = dd_tagger_tag(tagger, "合作医疗报销难", body, tags, MAX_TAGS);
	assert_true(all >= 2);
	assert_string_equal(tags[0].key, "medins");
	for (size_t i = 1; i < all; i++)
		assert_true(tags[i - 1].score >= tags[i].score);
	dd_tag_t one[1];
	assert_int_equal(dd_tagger_tag(tagger, "合作医疗报销难", body, one, 1), 1);
	assert_string_equal(one[0].key, "medins");
	assert_int_equal(dd_tagger_tag(tagger, "合作医疗报销难", body, one, 0), 0);
}

static void test_topic_lookup(void **state)
{
	const dd_tagger_t *tagger = *state;
	assert_int_equal(dd_tagger_topic_count(tagger), 22);
	int water = dd_tagger_find_topic(tagger, "water");
	assert_true(water >= 0);
	assert_string_equal(dd_tagger_topic_key(tagger, (size_t)water), "water");
	assert_string_equal(dd_tagger_topic_name(tagger, (size_t)water), "饮水安全");
	assert_true(dd_tagger_topic_threshold(tagger, (size_t)water) > 0);
	assert_int_equal(dd_tagger_find_topic(tagger, "no-such-topic"), -1);
	assert_null(dd_tagger_topic_key(tagger, 1000));
}

/* --- broken taxonomies --------------------------------------------------- */

static void test_missing_file_is_io_error(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger = (dd_tagger_t *)1;
	assert_int_equal(dd_tagger_load("/nonexistent/taxonomy.json", &tagger, &err), DD_ERR_IO);
	assert_null(tagger);
	assert_int_equal(err.status, DD_ERR_IO);
	assert_non_null(strstr(err.message, "/nonexistent/taxonomy.json"));
}

static void test_bad_json_names_file_and_line(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(load_text("{\n \"topics\": [\n  { \"key\": \"water\", }\n ]\n}\n", &tagger, &err),
	                 DD_ERR_INVALID);
	assert_null(tagger);
	assert_non_null(strstr(err.message, "/tmp/dd-test-tagger-"));
	assert_non_null(strstr(err.message, "not valid JSON (line 3)"));
}

static void test_broken_topics_are_refused(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;

	assert_int_equal(load_text("{\"topics\": []}", &tagger, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "\"topics\""));

	assert_int_equal(load_text("{\"topics\": [{\"key\": \"water\", \"name\": \"饮水安全\"}]}", &tagger, &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "topic \"water\" needs \"terms\""));

	assert_int_equal(load_text("{\"topics\": [{\"key\": \"water\", \"name\": \"饮水\", "
	                           "\"terms\": {\"自来水\": \"heavy\"}}]}",
	                           &tagger, &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "term \"自来水\": weight must be a number"));

	assert_int_equal(load_text("{\"topics\": ["
	                           "{\"key\": \"water\", \"name\": \"饮水\", \"terms\": {\"水\": 1}},"
	                           "{\"key\": \"water\", \"name\": \"饮水\", \"terms\": {\"水\": 1}}]}",
	                           &tagger, &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "\"water\" appears twice"));

	assert_int_equal(load_text("{\"topics\": [{\"name\": \"饮水\", \"terms\": {\"水\": 1}}]}", &tagger, &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "topic 1 needs a \"key\""));

	assert_int_equal(load_text("{\"tagging\": {\"threshold\": -1}, \"topics\": "
	                           "[{\"key\": \"w\", \"name\": \"饮水\", \"terms\": {\"水\": 1}}]}",
	                           &tagger, &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "threshold > 0"));
	assert_null(tagger);
}

/* --- a topic added in data only ----------------------------------------- */

static void test_new_topic_needs_no_code(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	const char *taxonomy = "{ \"tagging\": { \"threshold\": 2.0 },\n"
	                       "  \"topics\": [\n"
	                       "   { \"key\": \"water\", \"name\": \"饮水安全\", \"about\": \"drinking water\",\n"
	                       "     \"terms\": { \"自来水\": 2, \"水窖\": 2 } },\n"
	                       "   { \"key\": \"tourism\", \"name\": \"乡村旅游\", \"about\": \"rural tourism\",\n"
	                       "     \"threshold\": 4.0,\n"
	                       "     \"terms\": { \"农家乐\": 2, \"游客\": 1.5, \"民宿\": 2, \"景区\": 1.5 } }\n"
	                       "  ] }\n";
	assert_int_equal(load_text(taxonomy, &tagger, &err), DD_OK);
	assert_int_equal(dd_tagger_topic_count(tagger), 2);
	assert_int_equal(dd_tagger_find_topic(tagger, "tourism"), 1);
	assert_string_equal(dd_tagger_topic_name(tagger, 1), "乡村旅游");

	const char *body = "周末游客多了，村口新开了三家农家乐，两户人家把老屋改成了民宿，"
	                   "离景区只有二十分钟车程。";
	dd_tag_t tags[4];
	size_t n = dd_tagger_tag(tagger, "村里来了游客", body, tags, 4);
	assert_int_equal(n, 1);
	assert_string_equal(tags[0].key, "tourism");

	/* Below the topic's own threshold of 4.0: one weak term is not enough. */
	n = dd_tagger_tag(tagger, "", "来了一个游客，问了问路。", tags, 4);
	assert_int_equal(n, 0);
	dd_tagger_free(tagger);
}

static void test_title_hit_weighs_more_than_body_hit(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(load_text("{\"tagging\": {\"title_weight\": 3},"
	                           " \"topics\": [{\"key\": \"water\", \"name\": \"饮水\","
	                           " \"terms\": {\"自来水\": 1}}]}",
	                           &tagger, &err),
	                 DD_OK);
	double in_title, in_body;
	dd_tagger_score(tagger, "自来水", "今天天气很好。", &in_title);
	dd_tagger_score(tagger, "今天", "自来水，天气很好。", &in_body);
	assert_true(in_title > in_body);
	assert_true(in_body > 0);
	dd_tagger_free(tagger);
}

/* --- the matcher --------------------------------------------------------- */

/* What the tagger counted before its automaton, kept here as the reference:
 * strstr again from the end of each hit. */
static size_t strstr_count(const char *text, const char *term)
{
	size_t hits = 0, length = strlen(term);
	for (const char *p = strstr(text, term); p; p = strstr(p + length, term))
		hits++;
	return hits;
}

/* Every term's count in text equals strstr's. */
static void expect_counts_as_strstr(const dd_tagger_t *tagger, const char *text, const char *what)
{
	size_t n = dd_tagger_term_count(tagger);
	size_t *counts = calloc(n, sizeof *counts);
	assert_non_null(counts);
	assert_int_equal(dd_tagger_count_terms(tagger, text, counts), 0);
	for (size_t t = 0; t < n; t++) {
		const char *term = dd_tagger_term_text(tagger, t, NULL, NULL);
		if (counts[t] != strstr_count(text, term))
			fail_msg("%s: term %s counted %zu times, strstr says %zu", what, term, counts[t],
			         strstr_count(text, term));
	}
	free(counts);
}

/* A taxonomy whose terms overlap and nest; count of each term in text. */
static const char *nested_taxonomy = "{\"topics\": ["
                                     "{\"key\": \"water\", \"name\": \"饮水\", \"terms\": "
                                     "{\"自来水\": 1, \"来水\": 1, \"水\": 1, \"水水\": 1, \"自来水厂\": 1}},"
                                     "{\"key\": \"ascii\", \"name\": \"英文\", \"terms\": "
                                     "{\"aa\": 1, \"aab\": 1, \"b\": 1, \"水\": 1}}]}";

static size_t count_of(const dd_tagger_t *tagger, const char *text, const char *topic_key, const char *term)
{
	size_t n = dd_tagger_term_count(tagger), topic, result = SIZE_MAX;
	size_t *counts = calloc(n, sizeof *counts);
	assert_non_null(counts);
	assert_int_equal(dd_tagger_count_terms(tagger, text, counts), 0);
	for (size_t t = 0; t < n; t++)
		if (strcmp(dd_tagger_term_text(tagger, t, &topic, NULL), term) == 0 &&
		    strcmp(dd_tagger_topic_key(tagger, topic), topic_key) == 0)
			result = counts[t];
	free(counts);
	assert_true(result != SIZE_MAX);
	return result;
}

static void test_matcher_overlapping_and_nested_terms(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(load_text(nested_taxonomy, &tagger, &err), DD_OK);
	assert_int_equal(dd_tagger_term_count(tagger), 9);
	const char *text = "自来水厂的自来水，水水水。aaab aab";
	/* nested: 自来水厂 holds 自来水 holds 来水 holds 水, each counted */
	assert_int_equal(count_of(tagger, text, "water", "自来水厂"), 1);
	assert_int_equal(count_of(tagger, text, "water", "自来水"), 2);
	assert_int_equal(count_of(tagger, text, "water", "来水"), 2);
	assert_int_equal(count_of(tagger, text, "water", "水"), 5);
	/* a term overlapping itself counts leftmost non-overlapping hits */
	assert_int_equal(count_of(tagger, text, "water", "水水"), 1);
	assert_int_equal(count_of(tagger, text, "ascii", "aa"), 2);
	assert_int_equal(count_of(tagger, text, "ascii", "aab"), 2);
	assert_int_equal(count_of(tagger, text, "ascii", "b"), 2);
	/* the same text in two topics is counted for both */
	assert_int_equal(count_of(tagger, text, "ascii", "水"), 5);
	expect_counts_as_strstr(tagger, text, "nested");
	expect_counts_as_strstr(tagger, "aaaaaaab水水水水水水水", "runs");
	dd_tagger_free(tagger);
}

static void test_matcher_multibyte_boundaries(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(load_text(nested_taxonomy, &tagger, &err), DD_OK);
	/* 尴 is E5 B0 B4 and 水 E6 B0 B4: the shared tail bytes are no hit */
	assert_int_equal(count_of(tagger, "尴尬", "water", "水"), 0);
	assert_int_equal(count_of(tagger, "尴水尬", "water", "水"), 1);
	/* broken UTF-8 around a term: still found, as strstr finds it */
	const char broken[] = { (char)0xE6, (char)0xB0, 'a',        'a',        (char)0xE6,
		                (char)0xB0, (char)0xB4, (char)0xB4, (char)0xFF, 0 };
	assert_int_equal(count_of(tagger, broken, "water", "水"), 1);
	expect_counts_as_strstr(tagger, broken, "broken UTF-8");
	dd_tagger_free(tagger);
}

static void test_matcher_empty_and_huge_note(void **state)
{
	const dd_tagger_t *tagger = *state;
	expect_counts_as_strstr(tagger, "", "empty");
	size_t n = dd_tagger_term_count(tagger);
	size_t *counts = calloc(n, sizeof *counts);
	assert_non_null(counts);
	assert_int_equal(dd_tagger_count_terms(tagger, NULL, counts), 0);
	for (size_t t = 0; t < n; t++)
		assert_int_equal(counts[t], 0);

	/* 8 MB: 自来水 and 挑水 every 30 bytes, nothing else of the taxonomy */
	const char *unit = "自来水挑水，一二三四五。";
	size_t unit_length = strlen(unit), repeats = (8u << 20) / unit_length;
	char *huge = malloc(repeats * unit_length + 1);
	assert_non_null(huge);
	for (size_t i = 0; i < repeats; i++)
		memcpy(huge + i * unit_length, unit, unit_length);
	huge[repeats * unit_length] = '\0';
	assert_int_equal(dd_tagger_count_terms(tagger, huge, counts), 0);
	size_t water = (size_t)dd_tagger_find_topic(tagger, "water"), topic, found = 0;
	for (size_t t = 0; t < n; t++) {
		const char *term = dd_tagger_term_text(tagger, t, &topic, NULL);
		if (topic == water && (strcmp(term, "自来水") == 0 || strcmp(term, "挑水") == 0)) {
			assert_int_equal(counts[t], repeats);
			found++;
		}
	}
	assert_int_equal(found, 2);
	/* scored whole: water leads (the length divisor keeps it under its
	 * threshold, so no tag) */
	double scores[64];
	assert_true(dd_tagger_topic_count(tagger) <= 64);
	dd_tagger_score(tagger, "", huge, scores);
	assert_true(scores[water] > 0);
	for (size_t i = 0; i < dd_tagger_topic_count(tagger); i++)
		assert_true(i == water || scores[i] < scores[water]);
	free(huge);
	free(counts);
}

/* The automaton counts every term of the bundled taxonomy in every bundled
 * note (title and body) exactly as the strstr scan it replaced did. */
static void test_matcher_equals_strstr_on_corpus(void **state)
{
	const dd_tagger_t *tagger = *state;
	int checked = 0;
	for (int id = 1; id <= 500; id++) {
		char name[16], *title, *body;
		snprintf(name, sizeof name, "N%04d", id);
		char *text = read_note(name, &title, &body);
		expect_counts_as_strstr(tagger, title, name);
		expect_counts_as_strstr(tagger, body, name);
		free(text);
		checked++;
	}
	assert_int_equal(checked, 500);
}

/* --- learned weights ----------------------------------------------------- */

static const char *tourism_taxonomy = "{ \"tagging\": { \"threshold\": 2.0 },\n"
                                      "  \"topics\": [\n"
                                      "   { \"key\": \"water\", \"name\": \"饮水安全\",\n"
                                      "     \"terms\": { \"自来水\": 2, \"水窖\": 2 } },\n"
                                      "   { \"key\": \"tourism\", \"name\": \"乡村旅游\", \"threshold\": 4.0,\n"
                                      "     \"terms\": { \"农家乐\": 2, \"游客\": 1.5, \"民宿\": 2 } }\n"
                                      "  ] }\n";

/* Writes text to path (or removes path when text is NULL). */
static void write_file(const char *path, const char *text)
{
	if (!text) {
		unlink(path);
		return;
	}
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

/* Loads the tourism taxonomy with weights (NULL: no weights file). */
static dd_status_t load_with_weights(const char *weights, dd_tagger_t **tagger, dd_error_t *err, char *weights_path)
{
	char path[64];
	write_temp_file(path, tourism_taxonomy);
	assert_int_equal(dd_tagger_weights_path(path, weights_path, 128), 0);
	write_file(weights_path, weights);
	dd_status_t status = dd_tagger_load(path, tagger, err);
	unlink(path);
	unlink(weights_path);
	return status;
}

static void test_weights_path_follows_taxonomy(void **state)
{
	(void)state;
	char path[64];
	assert_int_equal(dd_tagger_weights_path("corpus/taxonomy.json", path, sizeof path), 0);
	assert_string_equal(path, "corpus/taxonomy.weights.tsv");
	assert_int_equal(dd_tagger_weights_path("/tmp/topics", path, sizeof path), 0);
	assert_string_equal(path, "/tmp/topics.weights.tsv");
	assert_int_equal(dd_tagger_weights_path("corpus/taxonomy.json", path, 20), -1);
}

static void test_weights_missing_file_keeps_hand_weights(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	char weights_path[128];
	assert_int_equal(load_with_weights(NULL, &tagger, &err, weights_path), DD_OK);
	assert_true(dd_tagger_topic_threshold(tagger, 1) == 4.0);
	dd_tag_t tags[4];
	assert_int_equal(dd_tagger_tag(tagger, "", "来了一个游客，问了问路。", tags, 4), 0);
	/* named but missing: not found, the tagger unchanged */
	assert_int_equal(dd_tagger_read_weights(tagger, "/nonexistent/t.weights.tsv", &err), DD_ERR_NOT_FOUND);
	assert_true(dd_tagger_topic_threshold(tagger, 1) == 4.0);
	dd_tagger_free(tagger);
}

static void test_weights_file_changes_tags(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	char weights_path[128];
	const char *weights = "# learned\n"
	                      "threshold\ttourism\t1.5\n"
	                      "weight\ttourism\t游客\t4\r\n"
	                      "\n"
	                      "weight\twater\t水窖\t-1\n";
	assert_int_equal(load_with_weights(weights, &tagger, &err, weights_path), DD_OK);
	assert_true(dd_tagger_topic_threshold(tagger, 1) == 1.5);
	assert_true(dd_tagger_topic_threshold(tagger, 0) == 2.0); /* left out: the hand value */
	double weight;
	assert_string_equal(dd_tagger_term_text(tagger, 1, NULL, &weight), "水窖");
	assert_true(weight == -1);
	assert_string_equal(dd_tagger_term_text(tagger, 0, NULL, &weight), "自来水");
	assert_true(weight == 2);
	/* one tourist is now enough */
	dd_tag_t tags[4];
	assert_int_equal(dd_tagger_tag(tagger, "", "来了一个游客，问了问路。", tags, 4), 1);
	assert_string_equal(tags[0].key, "tourism");
	/* and the hand weights come back on request */
	dd_tagger_set_weights(tagger, NULL, NULL);
	assert_int_equal(dd_tagger_tag(tagger, "", "来了一个游客，问了问路。", tags, 4), 0);
	dd_tagger_free(tagger);
}

static void test_weights_malformed_file_is_refused(void **state)
{
	(void)state;
	const struct {
		const char *text, *says;
	} bad[] = {
		{ "threshold\ttourism\n", ":1: expected" },
		{ "# c\nweight\ttourism\t游客\n", ":2: expected" },
		{ "size\ttourism\t3\n", ":1: expected" },
		{ "weight\ttourism\t游客\t3\textra\n", ":1: expected" },
		{ "weight\ttourism\t游客\theavy\n", ":1: \"heavy\" is not a weight" },
		{ "weight\ttourism\t游客\tnan\n", ":1: \"nan\" is not a weight" },
		{ "weight\ttourism\t游客\t\n", ":1: \"\" is not a weight" },
		{ "threshold\ttourism\t0\n", ":1: \"0\" is not a threshold" },
		{ "threshold\ttourism\t1e999\n", ":1: \"1e999\" is not a threshold" },
		{ "threshold\troads\t3\n", ":1: no topic \"roads\" in the taxonomy (stale weights" },
		{ "weight\twater\t游客\t3\n", ":1: topic \"water\" has no term \"游客\"" },
		{ "weight\twater\t水窖\t3\nweight\twater\t水窖\t2\n",
		  ":2: weight of topic \"water\", term \"水窖\" given twice" },
		{ "threshold\twater\t3\nthreshold\twater\t3\n", ":2: threshold of topic \"water\" given twice" },
		{ "learned\twater\t游客\n", ":1: expected" },
		{ "learned\twater\t\t1\n", ":1: a learned term may not be empty" },
		{ "learned\twater\t水窖\t1\n", ":1: \"水窖\" is a term of topic \"water\" in the taxonomy (stale" },
		{ "learned\troads\t路\t1\n", ":1: no topic \"roads\"" },
		{ "learned\twater\t水管\tmany\n", ":1: \"many\" is not a weight" },
		{ "learned\twater\t水管\t1\nlearned\twater\t水管\t2\n",
		  ": topic \"water\": the term \"水管\" is given twice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dd_error_t err;
		dd_tagger_t *tagger = (dd_tagger_t *)1;
		char weights_path[128], expected[256];
		assert_int_equal(load_with_weights(bad[i].text, &tagger, &err, weights_path), DD_ERR_INVALID);
		assert_null(tagger);
		snprintf(expected, sizeof expected, "%s%s", weights_path, bad[i].says);
		if (strncmp(err.message, expected, strlen(expected)) != 0)
			fail_msg("case %zu: message \"%s\", expected it to start \"%s\"", i, err.message, expected);
		assert_null(strchr(err.message, '\n'));
	}
}

/* A learned line adds a term the taxonomy does not list for that topic: it
 * counts for that topic only, is written back, and the hand weights make
 * it inert. */
static void test_weights_learned_terms(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger, *other;
	char weights_path[128];
	const char *weights = "learned\twater\t水管\t2.5\n"
	                      "learned\twater\t游客\t-3\n"    /* another topic's term, against water */
	                      "learned\ttourism\t自来水\t0\n" /* weight 0: loaded, not written back */
	                      "weight\twater\t自来水\t1\n";
	assert_int_equal(load_with_weights(weights, &tagger, &err, weights_path), DD_OK);
	/* numbering: water's two terms, its learned ones, then tourism's */
	assert_int_equal(dd_tagger_term_count(tagger), 8);
	size_t topic;
	double weight;
	assert_string_equal(dd_tagger_term_text(tagger, 2, &topic, &weight), "水管");
	assert_true(topic == 0 && weight == 2.5 && dd_tagger_term_is_learned(tagger, 2));
	assert_string_equal(dd_tagger_term_text(tagger, 3, &topic, &weight), "游客");
	assert_true(topic == 0 && weight == -3 && dd_tagger_term_is_learned(tagger, 3));
	assert_string_equal(dd_tagger_term_text(tagger, 4, &topic, NULL), "农家乐");
	assert_true(topic == 1 && !dd_tagger_term_is_learned(tagger, 4) && !dd_tagger_term_is_learned(tagger, 0));
	assert_string_equal(dd_tagger_term_text(tagger, 7, &topic, NULL), "自来水");
	assert_true(topic == 1 && dd_tagger_term_is_learned(tagger, 7));

	/* 水管 alone makes water now (2.5 * log2(1 + 1) >= 2), the hand list does not have it */
	dd_tag_t tags[4];
	const char *pipes = "村里的水管冻裂了，大家去修。";
	assert_int_equal(dd_tagger_tag(tagger, "", pipes, tags, 4), 1);
	assert_string_equal(tags[0].key, "water");
	/* and a tourist holds water back, without touching tourism's score */
	double scores[2], hand_scores[2];
	dd_tagger_score(tagger, "", "自来水通了，游客也来了。", scores);
	assert_true(fabs(scores[0] - (1 - 3) / sqrt(0.25)) < 1e-9);
	assert_int_equal(dd_tagger_tag(tagger, "", "自来水通了，游客也来了。", tags, 4), 0);

	/* written back and read into another tagger: the same scores */
	char path[64];
	write_temp_file(path, "");
	assert_int_equal(dd_tagger_write_weights(tagger, path, NULL, &err), DD_OK);
	char *text;
	assert_int_equal(dd_read_file(path, 0, &text, NULL, NULL), DD_OK);
	assert_non_null(strstr(text, "learned\twater\t水管\t2.5\n"));
	assert_null(strstr(text, "learned\ttourism")); /* weight 0 */
	free(text);
	assert_int_equal(load_text(tourism_taxonomy, &other, &err), DD_OK);
	assert_int_equal(dd_tagger_read_weights(other, path, &err), DD_OK);
	unlink(path);
	assert_int_equal(dd_tagger_term_count(other), 7);
	dd_tagger_score(other, "", "自来水通了，游客也来了。", hand_scores);
	assert_true(hand_scores[0] == scores[0] && hand_scores[1] == scores[1]);
	/* reading a file again replaces the learned terms rather than adding */
	write_file(weights_path, weights);
	assert_int_equal(dd_tagger_read_weights(other, weights_path, &err), DD_OK);
	assert_int_equal(dd_tagger_term_count(other), 8);
	/* a file giving a learned term twice leaves the tagger as it was */
	write_file(weights_path, "learned\twater\t井\t1\nlearned\twater\t井\t1\n");
	assert_int_equal(dd_tagger_read_weights(other, weights_path, &err), DD_ERR_INVALID);
	assert_int_equal(dd_tagger_term_count(other), 8);
	assert_string_equal(dd_tagger_term_text(other, 2, NULL, &weight), "水管");
	assert_true(weight == 2.5);

	/* the hand weights: learned terms weigh 0 */
	dd_tagger_set_weights(tagger, NULL, NULL);
	assert_int_equal(dd_tagger_tag(tagger, "", pipes, tags, 4), 0);
	dd_tagger_term_text(tagger, 2, NULL, &weight);
	assert_true(weight == 0);
	unlink(weights_path);
	dd_tagger_free(tagger);
	dd_tagger_free(other);
}

/* Adding learned terms by hand: numbered after their topic's terms, found
 * by the matcher; bad requests refused with the tagger unchanged. */
static void test_add_terms(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(load_text(tourism_taxonomy, &tagger, &err), DD_OK);
	const size_t topics[2] = { 1, 0 };
	const char *texts[2] = { "采摘", "水管" };
	assert_int_equal(dd_tagger_add_terms(tagger, topics, texts, 2, &err), DD_OK);
	assert_int_equal(dd_tagger_term_count(tagger), 7);
	assert_string_equal(dd_tagger_term_text(tagger, 2, NULL, NULL), "水管");
	assert_string_equal(dd_tagger_term_text(tagger, 6, NULL, NULL), "采摘");
	size_t counts[7];
	assert_int_equal(dd_tagger_count_terms(tagger, "水管边上有人采摘，采摘完喝自来水。", counts), 0);
	assert_true(counts[0] == 1 && counts[2] == 1 && counts[6] == 2 && counts[5] == 0);

	const size_t bad_topic[1] = { 2 }, water[2] = { 0, 0 };
	const char *empty[1] = { "" }, *tab[1] = { "水\t管" }, *own[1] = { "水窖" }, *twice[2] = { "井", "井" };
	assert_int_equal(dd_tagger_add_terms(tagger, bad_topic, texts, 1, &err), DD_ERR_INVALID);
	assert_int_equal(dd_tagger_add_terms(tagger, water, empty, 1, &err), DD_ERR_INVALID);
	assert_int_equal(dd_tagger_add_terms(tagger, water, tab, 1, &err), DD_ERR_INVALID);
	assert_int_equal(dd_tagger_add_terms(tagger, water, own, 1, &err), DD_ERR_INVALID);
	assert_string_equal(err.message, "topic \"water\" already has the term \"水窖\"");
	assert_int_equal(dd_tagger_add_terms(tagger, water, texts + 1, 1, &err), DD_ERR_INVALID); /* 水管 again */
	assert_int_equal(dd_tagger_add_terms(tagger, water, twice, 2, &err), DD_ERR_INVALID);
	assert_int_equal(dd_tagger_term_count(tagger), 7);
	dd_tagger_free(tagger);
}

static void test_weights_written_then_read_back(void **state)
{
	(void)state;
	dd_error_t err;
	dd_tagger_t *tagger, *other;
	assert_int_equal(load_text(tourism_taxonomy, &tagger, &err), DD_OK);
	assert_int_equal(load_text(tourism_taxonomy, &other, &err), DD_OK);
	double weights[5] = { 2.5, -0.25, 1.125, 3, 0.5 }, thresholds[2] = { 2.75, 1.0 / 3 };
	assert_int_equal(dd_tagger_term_count(tagger), 5);
	dd_tagger_set_weights(tagger, weights, thresholds);
	char path[64];
	write_temp_file(path, "");
	assert_int_equal(dd_tagger_write_weights(tagger, path, "two lines\nof comment", &err), DD_OK);
	assert_int_equal(dd_tagger_read_weights(other, path, &err), DD_OK);
	unlink(path);
	for (size_t t = 0; t < 5; t++) {
		double weight;
		assert_non_null(dd_tagger_term_text(other, t, NULL, &weight));
		assert_true(fabs(weight - weights[t]) < 1e-5);
	}
	assert_true(fabs(dd_tagger_topic_threshold(other, 1) - 1.0 / 3) < 1e-5);
	assert_int_equal(dd_tagger_write_weights(tagger, "/nonexistent/dir/w.tsv", NULL, &err), DD_ERR_IO);
	dd_tagger_free(tagger);
	dd_tagger_free(other);
}

/* The bundled taxonomy comes with learned weights, and they are in effect. */
static void test_bundled_weights_are_loaded(void **state)
{
	const dd_tagger_t *tagger = *state;
	dd_error_t err;
	dd_tagger_t *hand;
	assert_int_equal(dd_tagger_load_hand(TAXONOMY_PATH, &hand, &err), DD_OK);
	/* the taxonomy's terms in the same order, some with other weights, and
	 * learned terms after each topic's own */
	size_t differ = 0, learned_terms = 0, h = 0;
	for (size_t t = 0; t < dd_tagger_term_count(tagger); t++) {
		double learned, written;
		size_t topic, hand_topic;
		const char *text = dd_tagger_term_text(tagger, t, &topic, &learned);
		if (dd_tagger_term_is_learned(tagger, t)) {
			learned_terms++;
			assert_true(learned != 0); /* weight 0 is not written */
			continue;
		}
		assert_string_equal(text, dd_tagger_term_text(hand, h++, &hand_topic, &written));
		assert_true(topic == hand_topic);
		differ += learned != written;
	}
	assert_int_equal(h, dd_tagger_term_count(hand));
	assert_true(differ > 0);
	assert_true(learned_terms > 0);
	dd_tagger_free(hand);
}

/* --- bundled corpus notes with obvious topics ---------------------------- */

static void expect_note_tags(const dd_tagger_t *tagger, const char *id, const char **expected, size_t expected_count)
{
	char *title, *body;
	char *text = read_note(id, &title, &body);
	dd_tag_t tags[MAX_TAGS];
	size_t n = dd_tagger_tag(tagger, title, body, tags, MAX_TAGS);
	for (size_t i = 0; i < expected_count; i++) {
		if (!has_tag(tags, n, expected[i]))
			fail_msg("%s (%s) was not tagged %s", id, title, expected[i]);
	}
	if (n != expected_count)
		fail_msg("%s (%s) has %zu tags, expected %zu (first: %s)", id, title, n, expected_count,
		         n ? tags[0].key : "none");
	free(text);
}

static void test_bundled_notes(void **state)
{
	const dd_tagger_t *tagger = *state;
	/* N0002 跟田大娘去挑水: fetching water down the mountain. */
	expect_note_tags(tagger, "N0002", (const char *[]){ "water" }, 1);
	/* N0007 借钱这道坎: loans for a small enterprise. */
	expect_note_tags(tagger, "N0007", (const char *[]){ "credit", "business" }, 2);
	/* N0033 三口山塘一座库: ponds, a reservoir, and the village committee. */
	expect_note_tags(tagger, "N0033", (const char *[]){ "irrigation", "cadres" }, 2);
	/* N0128 电视只收得到三个台: TV and village culture. */
	expect_note_tags(tagger, "N0128", (const char *[]){ "culture" }, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_water_note_gets_water, setup_bundled, teardown_bundled),
		cmocka_unit_test_setup_teardown(test_school_note_gets_school_not_water, setup_bundled,
		                                teardown_bundled),
		cmocka_unit_test_setup_teardown(test_passing_mention_is_not_a_tag, setup_bundled, teardown_bundled),
		cmocka_unit_test_setup_teardown(test_empty_note_and_null_text, setup_bundled, teardown_bundled),
		cmocka_unit_test_setup_teardown(test_max_limits_tags_and_order_is_best_first, setup_bundled,
		                                teardown_bundled),
		cmocka_unit_test_setup_teardown(test_topic_lookup, setup_bundled, teardown_bundled),
		cmocka_unit_test(test_missing_file_is_io_error),
		cmocka_unit_test(test_bad_json_names_file_and_line),
		cmocka_unit_test(test_broken_topics_are_refused),
		cmocka_unit_test(test_new_topic_needs_no_code),
		cmocka_unit_test(test_title_hit_weighs_more_than_body_hit),
		cmocka_unit_test_setup_teardown(test_bundled_notes, setup_bundled, teardown_bundled),
		cmocka_unit_test(test_weights_path_follows_taxonomy),
		cmocka_unit_test(test_weights_missing_file_keeps_hand_weights),
		cmocka_unit_test(test_weights_file_changes_tags),
		cmocka_unit_test(test_weights_malformed_file_is_refused),
		cmocka_unit_test(test_weights_written_then_read_back),
		cmocka_unit_test(test_weights_learned_terms),
		cmocka_unit_test(test_add_terms),
		cmocka_unit_test_setup_teardown(test_bundled_weights_are_loaded, setup_bundled, teardown_bundled),
		cmocka_unit_test(test_matcher_overlapping_and_nested_terms),
		cmocka_unit_test(test_matcher_multibyte_boundaries),
		cmocka_unit_test_setup_teardown(test_matcher_empty_and_huge_note, setup_bundled, teardown_bundled),
		cmocka_unit_test_setup_teardown(test_matcher_equals_strstr_on_corpus, setup_bundled, teardown_bundled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
