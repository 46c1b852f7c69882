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
#include <unistd.h>

#include "buffer.h"
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
/* On e, each query's pages as one match takes them (feedback decided
 * from the page's own match) and as two (explain: feedback by a match of
 * its own) hold the same hits in the same order with the same exact total;
 * how many of them feedback boosted (other scores) or widened (more notes)
 * is added to *boosted and *widened. */
static void same_as_two_matches(dd_engine_t *e, const char *const *queries, size_t n_queries, const size_t (*pages)[2],
                                size_t n_pages, size_t *boosted, size_t *widened)
{
	for (size_t q = 0; q < n_queries; q++) {
		for (size_t p = 0; p < n_pages; p++) {
			dd_search_request_t req = { .text = queries[q],
				                    .offset = pages[p][0],
				                    .limit = pages[p][1],
				                    .check_at_least = DD_SEARCH_ALL };
			dd_search_result_t one, two, none;
			dd_error_t err;
			if (dd_search(e, &req, &one, &err) != DD_OK)
				fail_msg("%s: %s", queries[q], err.message);
			req.explain = 1; /* feedback by a match of its own */
			if (dd_search(e, &req, &two, &err) != DD_OK)
				fail_msg("%s: %s", queries[q], err.message);
			req.explain = 0;
			req.no_feedback = 1;
			if (dd_search(e, &req, &none, &err) != DD_OK)
				fail_msg("%s: %s", queries[q], err.message);
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
			*boosted += one.n_hits && none.n_hits && fabs(one.hits[0].score - none.hits[0].score) > 1e-6;
			*widened += one.total > none.total;
			dd_search_result_free(&one);
			dd_search_result_free(&two);
			dd_search_result_free(&none);
		}
	}
}

static void test_feedback_from_the_page_match(void **state)
{
	(void)state;
	const char *queries[] = { "饮水安全", "道路交通", "看病就医", "征地补偿", "外来务工人员", "基层组织建设",
		                  "种植",     "工厂",     "修路",     "合作医疗", "矛盾纠纷" };
	const size_t pages[][2] = { { 0, 10 }, { 0, 1 }, { 0, 30 }, { 7, 5 }, { 20, 20 } };
	size_t boosted = 0, widened = 0;
	same_as_two_matches(engine, queries, sizeof queries / sizeof queries[0], pages, sizeof pages / sizeof pages[0],
	                    &boosted, &widened);
	assert_true(boosted > 20);
	assert_true(widened > 0);
}

/* Writes copies of the bundled note `id` into dir as ID-c00, ID-c01, ...:
 * from the first, every third copy without its last paragraph (so copies
 * weigh the same, or a little differently). */
static void write_copies(const char *dir, const char *id, size_t copies)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s.md", CLI_CORPUS_NOTES, id);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char text[1 << 16];
	size_t len = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[len] = '\0';
	char *line = strstr(text, "id: ");
	assert_non_null(line);
	char *rest = strchr(line, '\n');
	assert_non_null(rest);
	char *last = strstr(text, "\n\n");
	for (char *p = last; p && (p = strstr(p + 2, "\n\n")) != NULL && p[2];)
		last = p;
	for (size_t k = 0; k < copies; k++) {
		size_t keep = k % 3 == 0 && last ? (size_t)(last - rest) + 1 : strlen(rest);
		char name[64];
		snprintf(name, sizeof name, "%s-c%02zu.md", id, k);
		dd_buffer_t note = { 0 };
		dd_buffer_add(&note, text, (size_t)(line - text));
		dd_buffer_printf(&note, "id: %s-c%02zu", id, k);
		dd_buffer_add(&note, rest, keep);
		assert_false(note.failed);
		assert_int_equal(cli_write_file(dir, name, note.s), 0);
		dd_buffer_free(&note);
	}
}

/* Many notes weighing (nearly) the same at the top, as copies of one note
 * make, more than the candidates of the page's match: the page and the
 * total are still those of two matches, also after a re-index that the
 * open engine follows (what it keeps of the previous revision, such as the
 * best weight a boost gives, is dropped). */
static void test_feedback_page_among_copies(void **state)
{
	(void)state;
	char root[4096], notes[4200], db[4200];
	assert_non_null(cli_scratch("search_copies", root, sizeof root));
	snprintf(notes, sizeof notes, "%s/notes", root);
	snprintf(db, sizeof db, "%s/db", root);
	assert_int_equal(mkdir(notes, 0755), 0);
	const char *ids[] = { "N0047", "N0304", "N0409", "N0219" };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		write_copies(notes, ids[i], 40);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", db, CLI_CORPUS_NOTES, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	dd_engine_t *e;
	dd_error_t err;
	assert_int_equal(dd_engine_open(db, &e, &err), DD_OK);
	const char *queries[] = { "饮水安全", "道路交通", "看病就医", "基层组织建设", "井水" };
	const size_t pages[][2] = { { 0, 10 }, { 0, 1 }, { 0, 45 }, { 35, 10 }, { 38, 4 } };
	size_t boosted = 0, widened = 0;
	same_as_two_matches(e, queries, sizeof queries / sizeof queries[0], pages, sizeof pages / sizeof pages[0],
	                    &boosted, &widened);
	assert_true(boosted > 0);

	/* the copies of the water note go, others come: a new revision */
	for (size_t k = 0; k < 40; k++) {
		char path[4300];
		snprintf(path, sizeof path, "%s/N0047-c%02zu.md", notes, k);
		assert_int_equal(unlink(path), 0);
	}
	write_copies(notes, "N0048", 40);
	r = cli_run("dundian-index", "--quiet", "--db", db, CLI_CORPUS_NOTES, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	int changed = 0;
	assert_int_equal(dd_db_reopen(dd_engine_db(e), &changed, &err), DD_OK);
	assert_true(changed);
	same_as_two_matches(e, queries, sizeof queries / sizeof queries[0], pages, sizeof pages / sizeof pages[0],
	                    &boosted, &widened);
	dd_engine_close(e);
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
		cmocka_unit_test(test_feedback_page_among_copies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
