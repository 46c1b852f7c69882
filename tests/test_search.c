/* test_search.c - dd_search (lib/searching.h) called directly, on an index of
 * the bundled corpus: the same hits in the same order as dundian-search
 * prints, facet counts that agree with filtered searches, oldest first
 * when the query has no words, "more like this" without its seed, snippet
 * highlights that point at the query's words, typed tags with names,
 * bodies only when asked, and the refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "searching.h"
#include "text.h"

static char db_path[4096];
static dd_engine_t *engine;

static int setup(void **state)
{
	(void)state;
	if (!cli_corpus_index("search_unit", db_path, sizeof db_path))
		return -1;
	dd_error_t err;
	if (dd_engine_open(db_path, &engine, &err) != DD_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dd_engine_close(engine);
	return 0;
}

/* Runs req, failing the test on an error. */
static void run(const dd_search_request_t *req, dd_search_result_t *res)
{
	dd_error_t err;
	if (dd_search(engine, req, res, &err) != DD_OK)
		fail_msg("dd_search '%s': %s", req->text ? req->text : "", err.message);
}

/* The same hits, in the same order, with the same total as the CLI. */
static void test_same_as_the_command_line(void **state)
{
	(void)state;
	const char *queries[] = { "饮水", "合作医疗 报销", "\"镇里\"", "county:石林县", "宅基地 -城中村" };
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		cli_result_t r = cli_run("dundian-search", "--db", db_path, "--json", "--limit", "20", "--no-snippets",
		                         queries[q], (char *)NULL);
		assert_int_equal(r.status, 0);
		cJSON *root = cJSON_Parse(r.out);
		assert_non_null(root);
		dd_search_request_t req = { .text = queries[q], .limit = 20, .check_at_least = DD_SEARCH_ALL };
		dd_search_result_t res;
		run(&req, &res);
		assert_int_equal(res.total, (size_t)cJSON_GetObjectItemCaseSensitive(root, "total")->valuedouble);
		const cJSON *hits = cJSON_GetObjectItemCaseSensitive(root, "hits");
		assert_int_equal(res.n_hits, (size_t)cJSON_GetArraySize(hits));
		for (size_t i = 0; i < res.n_hits; i++) {
			const cJSON *h = cJSON_GetArrayItem(hits, (int)i);
			assert_string_equal(res.hits[i].note.id,
			                    cJSON_GetObjectItemCaseSensitive(h, "id")->valuestring);
			assert_int_equal(res.hits[i].rank, i + 1);
		}
		dd_search_result_free(&res);
		cJSON_Delete(root);
		cli_result_free(&r);
	}
}

/* Each facet count is the total of the search filtered by that value. */
static void test_facet_counts(void **state)
{
	(void)state;
	const char *fields[] = { "county", "topic" };
	dd_search_request_t req = {
		.text = "修路", .limit = 5, .facets = fields, .n_facets = 2, .check_at_least = DD_SEARCH_ALL
	};
	dd_search_result_t res;
	run(&req, &res);
	assert_int_equal(res.n_facets, 2);
	assert_string_equal(res.facets[0].field, "county");
	assert_true(res.facets[0].n_values > 3);
	for (size_t f = 0; f < 2; f++) {
		const dd_facet_t *facet = &res.facets[f];
		for (size_t k = 0; k < facet->n_values && k < 3; k++) {
			if (k > 0)
				assert_true(facet->values[k - 1].count >= facet->values[k].count);
			char text[512];
			snprintf(text, sizeof text, "修路 %s:%s", facet->field, facet->values[k].value);
			dd_search_request_t one = { .text = text, .limit = 0, .check_at_least = DD_SEARCH_ALL };
			dd_search_result_t filtered;
			run(&one, &filtered);
			assert_int_equal(filtered.total, facet->values[k].count);
			dd_search_result_free(&filtered);
		}
	}
	/* topics carry their names, other fields their value */
	assert_string_equal(res.facets[0].values[0].name, res.facets[0].values[0].value);
	assert_string_equal(res.facets[1].values[0].name, dd_engine_topic_label(engine, res.facets[1].values[0].value));
	assert_string_not_equal(res.facets[1].values[0].name, res.facets[1].values[0].value);
	dd_search_result_free(&res);

	const char *unknown[] = { "weather" };
	dd_search_request_t bad = { .text = "修路", .limit = 5, .facets = unknown, .n_facets = 1 };
	dd_error_t err;
	assert_int_equal(dd_search(engine, &bad, &res, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "weather"));
	dd_search_result_free(&res);
}

static void expect_oldest_first(const dd_search_result_t *res)
{
	assert_true(res->n_hits > 1);
	for (size_t i = 1; i < res->n_hits; i++)
		assert_true(strcmp(res->hits[i - 1].note.date, res->hits[i].note.date) <= 0);
}

/* Filters only, or no text at all: oldest first; sort = date too. */
static void test_date_order_without_words(void **state)
{
	(void)state;
	dd_search_result_t res;
	dd_search_request_t filters = { .text = "county:石林县", .limit = 50 };
	run(&filters, &res);
	expect_oldest_first(&res);
	dd_search_result_free(&res);

	dd_search_request_t everything = { .limit = DD_SEARCH_ALL, .check_at_least = DD_SEARCH_ALL };
	run(&everything, &res);
	assert_int_equal(res.total, 500);
	assert_int_equal(res.n_hits, 500);
	expect_oldest_first(&res);
	dd_search_result_free(&res);

	dd_search_request_t by_date = { .text = "饮水", .limit = 30, .sort = DD_SORT_DATE };
	run(&by_date, &res);
	expect_oldest_first(&res);
	dd_search_result_free(&res);
}

/* More like this never returns its seed; an unknown seed is NOT_FOUND. */
static void test_like(void **state)
{
	(void)state;
	dd_search_result_t res;
	dd_search_request_t like = { .like_id = "N0001", .limit = 50 };
	run(&like, &res);
	assert_true(res.total > 10);
	for (size_t i = 0; i < res.n_hits; i++)
		assert_string_not_equal(res.hits[i].note.id, "N0001");
	/* ranked, not by date */
	int out_of_date_order = 0;
	for (size_t i = 1; i < res.n_hits; i++)
		out_of_date_order |= strcmp(res.hits[i - 1].note.date, res.hits[i].note.date) > 0;
	assert_true(out_of_date_order);
	dd_search_result_free(&res);

	dd_search_request_t restricted = { .like_id = "N0001", .text = "county:石林县", .limit = 50 };
	run(&restricted, &res);
	for (size_t i = 0; i < res.n_hits; i++)
		assert_string_equal(res.hits[i].note.county, "石林县");
	dd_search_result_free(&res);

	dd_error_t err;
	dd_search_request_t unknown = { .like_id = "N9999", .limit = 5 };
	assert_int_equal(dd_search(engine, &unknown, &res, &err), DD_ERR_NOT_FOUND);
	assert_string_equal(err.message, "no note N9999");
	dd_search_result_free(&res);
}

/* Every highlight of an exact-string query is that string in the plain
 * snippet; the snippet is a piece of the body. */
static void test_highlights_point_at_the_words(void **state)
{
	(void)state;
	dd_search_result_t res;
	dd_search_request_t req = { .text = "\"吃水\"", .limit = 10, .snippets = 1, .bodies = 1 };
	run(&req, &res);
	assert_true(res.n_hits > 3);
	for (size_t i = 0; i < res.n_hits; i++) {
		const dd_search_hit_t *h = &res.hits[i];
		assert_non_null(h->snippet);
		assert_non_null(strstr(h->note.body, h->snippet));
		assert_true(h->n_highlights > 0);
		for (size_t k = 0; k < h->n_highlights; k++) {
			/* code point offsets to bytes */
			size_t byte = 0, start = 0, end = 0;
			for (size_t c = 0; c <= h->highlights[k].end; c++) {
				if (c == h->highlights[k].start)
					start = byte;
				if (c == h->highlights[k].end)
					end = byte;
				if (h->snippet[byte])
					dd_utf8_next(h->snippet, &byte);
			}
			assert_int_equal(end - start, strlen("吃水"));
			assert_memory_equal(h->snippet + start, "吃水", end - start);
			assert_int_equal(h->highlights[k].kind, DD_MATCH_LITERAL);
		}
	}
	dd_search_result_free(&res);

	/* 饮水 typed, 吃水 one of its relatives: their marks say which */
	dd_search_request_t words = { .text = "饮水 吃水", .limit = 20, .snippets = 1 };
	run(&words, &res);
	size_t typed = 0, relative = 0;
	for (size_t i = 0; i < res.n_hits; i++) {
		const dd_search_hit_t *h = &res.hits[i];
		for (size_t k = 0; k < h->n_highlights; k++) {
			/* the highlighted text, from code points to bytes */
			size_t byte = 0, c = 0;
			while (c < h->highlights[k].start && h->snippet[byte]) {
				dd_utf8_next(h->snippet, &byte);
				c++;
			}
			size_t from = byte;
			while (c < h->highlights[k].end && h->snippet[byte]) {
				dd_utf8_next(h->snippet, &byte);
				c++;
			}
			int is_typed =
			    (byte - from == strlen("饮水") && memcmp(h->snippet + from, "饮水", byte - from) == 0) ||
			    (byte - from == strlen("吃水") && memcmp(h->snippet + from, "吃水", byte - from) == 0);
			assert_int_equal(h->highlights[k].kind, is_typed ? DD_MATCH_TYPED : DD_MATCH_RELATIVE);
			typed += is_typed;
			relative += !is_typed;
		}
	}
	assert_true(typed > 0);
	assert_true(relative > 0); /* 自来水, 水井...: relatives of 饮水 */
	dd_search_result_free(&res);

	/* without snippets: none, and no body unless asked */
	dd_search_request_t bare = { .text = "饮水", .limit = 3 };
	run(&bare, &res);
	assert_null(res.hits[0].snippet);
	assert_int_equal(res.hits[0].n_highlights, 0);
	assert_string_equal(res.hits[0].note.body, "");
	dd_search_result_free(&res);
	dd_search_request_t snippets_only = { .text = "饮水", .limit = 3, .snippets = 1 };
	run(&snippets_only, &res);
	assert_non_null(res.hits[0].snippet);
	assert_string_equal(res.hits[0].note.body, "");
	dd_search_result_free(&res);
}

/* Typed tags, named from the index's taxonomy; the metadata fields. */
static void test_typed_tags_and_fields(void **state)
{
	(void)state;
	dd_search_result_t res;
	dd_search_request_t req = { .text = "id:N0229", .limit = 1 };
	run(&req, &res);
	assert_int_equal(res.n_hits, 1);
	const dd_stored_note_t *n = &res.hits[0].note;
	assert_string_equal(n->title, "松田村饮水情况调查");
	assert_string_equal(n->county, "柳浦县");
	assert_string_equal(n->date, "2007-03-24");
	assert_true(n->n_tags >= 1);
	assert_string_equal(n->tags[0].key, "water");
	assert_string_equal(n->tags[0].name, "饮水安全");
	assert_true(n->tags[0].score > 0.5 && n->tags[0].score <= 1.0);
	assert_int_equal(n->tags[0].manual, 0);
	dd_search_result_free(&res);

	dd_stored_note_t note;
	dd_error_t err;
	assert_int_equal(dd_engine_get_note(engine, "N0229", &note, &err), DD_OK);
	assert_string_equal(note.tags[0].name, "饮水安全");
	assert_true(note.body_len > 100);
	dd_stored_note_free(&note);
	assert_int_equal(dd_engine_get_note(engine, "N9999", &note, &err), DD_ERR_NOT_FOUND);
	assert_string_equal(err.message, "no note N9999");
}

/* Paging, feedback off, refusals, the parsed query handed back. */
/* Topic feedback decided from the page's own match (searching.c,
 * match_with_feedback) gives what deciding it from a match of its own and
 * then matching again gives (the way --explain still takes): the same
 * hits in the same order, the same scores (to the last bits: the weights
 * are summed in another order) and exact totals, for words that bring in their topic and
 * for words outside the thesaurus whose topic feedback adds notes that
 * hold none of them (种植, 工厂), on every page. */
static void test_feedback_from_the_page_match(void **state)
{
	(void)state;
	const char *queries[] = { "饮水安全", "道路交通", "看病就医", "征地补偿", "外来务工人员", "基层组织建设",
		                  "种植",     "工厂",     "修路",     "合作医疗", "矛盾纠纷" };
	const size_t pages[][2] = { { 0, 10 }, { 0, 1 }, { 0, 30 }, { 7, 5 }, { 20, 20 } };
	size_t boosted = 0, widened = 0;
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
			dd_search_request_t req = { .text = queries[q],
				                    .offset = pages[p][0],
				                    .limit = pages[p][1],
				                    .check_at_least = DD_SEARCH_ALL };
			dd_search_result_t one, two, none;
			run(&req, &one);
			req.explain = 1; /* feedback by a match of its own */
			run(&req, &two);
			req.explain = 0;
			req.no_feedback = 1;
			run(&req, &none);
			assert_int_equal(one.total, two.total);
			assert_int_equal(one.n_hits, two.n_hits);
			for (size_t i = 0; i < one.n_hits; i++) {
				/* the weights summed in another order: equal to the last bits */
				if (strcmp(one.hits[i].note.id, two.hits[i].note.id) != 0 ||
				    fabs(one.hits[i].score - two.hits[i].score) > 1e-9 * two.hits[i].score)
					fail_msg("%s, hits %zu+%zu: hit %zu is %s %.9g, not %s %.9g", queries[q],
					         pages[p][0], pages[p][1], i, one.hits[i].note.id, one.hits[i].score,
					         two.hits[i].note.id, two.hits[i].score);
			}
			/* feedback did something: other scores, or more notes */
			boosted += one.n_hits && fabs(one.hits[0].score - none.hits[0].score) > 1e-6;
			widened += one.total > none.total;
			dd_search_result_free(&one);
			dd_search_result_free(&two);
			dd_search_result_free(&none);
		}
	}
	assert_true(boosted > 20);
	assert_true(widened > 0);
}

static void test_paging_and_refusals(void **state)
{
	(void)state;
	dd_search_result_t all, page;
	dd_search_request_t first = { .text = "合作医疗", .limit = 10 };
	run(&first, &all);
	dd_search_request_t second = { .text = "合作医疗", .offset = 5, .limit = 3 };
	run(&second, &page);
	assert_int_equal(page.n_hits, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(page.hits[i].note.id, all.hits[5 + i].note.id);
		assert_int_equal(page.hits[i].rank, 6 + i);
	}
	/* the parsed words, for callers that cut their own passages */
	assert_true(all.query.n_words >= 1);
	assert_true(all.elapsed_ms > 0);
	dd_search_result_free(&page);

	/* topic feedback only adds notes */
	dd_search_request_t exact = {
		.text = "合作医疗", .limit = 10, .no_feedback = 1, .check_at_least = DD_SEARCH_ALL
	};
	run(&exact, &page);
	dd_search_request_t ranked = { .text = "合作医疗", .limit = 10, .check_at_least = DD_SEARCH_ALL };
	dd_search_result_free(&all);
	run(&ranked, &all);
	assert_true(page.total <= all.total);
	dd_search_result_free(&page);
	dd_search_result_free(&all);

	dd_error_t err;
	dd_search_request_t far = { .text = "饮水", .offset = (size_t)DD_SEARCH_MAX_OFFSET + 1, .limit = 10 };
	assert_int_equal(dd_search(engine, &far, &page, &err), DD_ERR_INVALID);
	assert_int_equal(page.n_hits, 0);
	dd_search_request_t bad = { .text = "饮水 \"镇里", .limit = 10 };
	assert_int_equal(dd_search(engine, &bad, &page, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "镇里"));
	dd_search_result_free(&page);

	dd_search_request_t explain = { .text = "饮水", .limit = 1, .explain = 1 };
	run(&explain, &page);
	assert_non_null(page.explain);
	assert_non_null(strstr(page.explain, "Query("));
	dd_search_result_free(&page);
}

int main(void)
{
	alarm(580);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_the_command_line),
		cmocka_unit_test(test_facet_counts),
		cmocka_unit_test(test_date_order_without_words),
		cmocka_unit_test(test_like),
		cmocka_unit_test(test_highlights_point_at_the_words),
		cmocka_unit_test(test_typed_tags_and_fields),
		cmocka_unit_test(test_paging_and_refusals),
		cmocka_unit_test(test_feedback_from_the_page_match),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
