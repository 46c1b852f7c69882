/* test_snippet_corpus.c - the fast highlighting (lib/snippet.c tokenizes
 * only the clauses that can hold a query word) marks exactly what
 * tokenizing the whole text marks, on every note of the bundled corpus,
 * for every development query (bench/dev/queries.tsv, with the thesaurus
 * relatives the parser adds) and a few with exact strings: on each whole
 * body (as show and excerpt call it) and on each paragraph (as the
 * snippets of a search do).  Equal spans give equal passages, since the
 * passage choice reads nothing else.  The reference is the tokenizer run
 * once over each whole body, keeping the tokens that equal a query word.
 */
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
#include "buffer.h"
#include "engine.h"
#include "note.h"
#include "searching.h"
#include "snippet.h"

typedef struct token {
	char *text;
	size_t start, end;
} token_t;

typedef struct corpus_note {
	dd_note_t *note;
	token_t *tokens; /* every token of the whole body, DD_TOKENIZE_INDEX */
	size_t n_tokens, cap;
} corpus_note_t;

static corpus_note_t notes[600];
static size_t n_notes;
static dd_engine_t *engine;
static char *queries[64];
static size_t n_queries;

static int keep_token(const dd_token_t *tok, void *ctx)
{
	corpus_note_t *c = ctx;
	if (DD_ARRAY_RESERVE(c->tokens, c->n_tokens, c->cap, 1) != 0)
		return 1;
	c->tokens[c->n_tokens++] = (token_t){ strdup(tok->text), tok->start, tok->end };
	return 0;
}

static int setup(void **state)
{
	(void)state;
	char db[4096];
	dd_error_t err;
	if (!cli_corpus_index("snippet_corpus", db, sizeof db) || dd_engine_open(db, &engine, &err) != DD_OK)
		return -1;
	DIR *d = opendir(CLI_CORPUS_NOTES);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL && n_notes < 600) {
		if (!strstr(e->d_name, ".md"))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", CLI_CORPUS_NOTES, e->d_name);
		corpus_note_t *c = &notes[n_notes++];
		if (dd_note_load(path, &c->note, &err) != DD_OK ||
		    dd_tokenize(dd_engine_tokenizer(engine), c->note->body, c->note->body_len, DD_TOKENIZE_INDEX,
		                keep_token, c, &err) != DD_OK)
			return -1;
	}
	if (d)
		closedir(d);
	/* the development queries, and exact strings mixed with words */
	char *data;
	if (dd_read_file(DD_SOURCE_DIR "/bench/dev/queries.tsv", 1 << 20, &data, NULL, &err) != DD_OK)
		return -1;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line && n_queries < 50; line = strtok_r(NULL, "\n", &save)) {
		char *q = strrchr(line, '\t');
		if (line[0] != '#' && q && q[1])
			queries[n_queries++] = strdup(q + 1);
	}
	free(data);
	const char *more[] = { "\"镇里\" 饮水", "合管办 报账", "自来水厂", "\"村里的路\" 修路 county:石林县" };
	for (size_t i = 0; i < sizeof more / sizeof *more; i++)
		queries[n_queries++] = strdup(more[i]);
	return n_notes >= 500 && n_queries >= 20 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_notes; i++) {
		for (size_t k = 0; k < notes[i].n_tokens; k++)
			free(notes[i].tokens[k].text);
		free(notes[i].tokens);
		dd_note_free(notes[i].note);
	}
	for (size_t i = 0; i < n_queries; i++)
		free(queries[i]);
	dd_engine_close(engine);
	return 0;
}

static int by_start_then_longest(const void *a, const void *b)
{
	const dd_span_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/* What highlighting gave when it tokenized the whole text: the tokens of
 * [lo, hi) equal to a word (offsets from lo), the exact strings found as
 * dd_highlight_spans finds them (that part is unchanged), sorted, the
 * longer of two overlapping kept. */
static size_t reference_spans(const corpus_note_t *c, const dd_parsed_query_t *pq, size_t lo, size_t hi,
                              dd_span_t **out)
{
	dd_span_t *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t k = 0; k < c->n_tokens; k++) {
		const token_t *t = &c->tokens[k];
		if (t->start < lo || t->end > hi)
			continue;
		for (size_t i = 0; i < pq->n_words; i++)
			if (strcmp(pq->words[i], t->text) == 0) {
				assert_int_equal(DD_ARRAY_RESERVE(v, n, cap, 1), 0);
				v[n++] = (dd_span_t){ t->start - lo, t->end - lo, i };
				break;
			}
	}
	dd_parsed_query_t literals_only = *pq;
	literals_only.n_words = 0;
	dd_span_t *lit;
	size_t n_lit;
	dd_error_t err;
	assert_int_equal(dd_highlight_spans(dd_engine_tokenizer(engine), &literals_only, c->note->body + lo, hi - lo,
	                                    &lit, &n_lit, &err),
	                 DD_OK);
	for (size_t i = 0; i < n_lit; i++) {
		assert_int_equal(DD_ARRAY_RESERVE(v, n, cap, 1), 0);
		v[n] = lit[i];
		v[n++].which += pq->n_words; /* literals_only numbered them from 0 */
	}
	free(lit);
	if (n)
		qsort(v, n, sizeof *v, by_start_then_longest);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (w == 0 || v[i].start >= v[w - 1].end)
			v[w++] = v[i];
	*out = v;
	return w;
}

typedef struct range_check {
	const corpus_note_t *note;
	const dd_parsed_query_t *pq;
	const char *query;
	size_t compared, spans;
} range_check_t;

static void check_range(range_check_t *rc, size_t lo, size_t hi)
{
	dd_span_t *want, *got;
	size_t n_want = reference_spans(rc->note, rc->pq, lo, hi, &want), n_got;
	dd_error_t err;
	assert_int_equal(dd_highlight_spans(dd_engine_tokenizer(engine), rc->pq, rc->note->note->body + lo, hi - lo,
	                                    &got, &n_got, &err),
	                 DD_OK);
	if (n_got != n_want || (n_got && memcmp(got, want, n_got * sizeof *got) != 0)) {
		for (size_t i = 0; i < n_got || i < n_want; i++)
			fprintf(stderr, "  %zu: got %s want %s\n", i, i < n_got ? "yes" : "-",
			        i < n_want ? "yes" : "-");
		fail_msg("note %s [%zu, %zu), query '%s': %zu spans, the whole-text tokenizer gives %zu",
		         rc->note->note->id, lo, hi, rc->query, n_got, n_want);
	}
	rc->compared++;
	rc->spans += n_got;
	free(want);
	free(got);
}

static int check_paragraph(size_t number, size_t start, size_t end, void *ctx)
{
	(void)number;
	check_range(ctx, start, end);
	return 0;
}

static void test_spans_equal_whole_text_tokenizing(void **state)
{
	(void)state;
	size_t compared = 0, spans = 0;
	for (size_t q = 0; q < n_queries; q++) {
		dd_parsed_query_t pq;
		dd_error_t err;
		if (dd_engine_parse(engine, queries[q], &pq, &err) != DD_OK)
			fail_msg("%s: %s", queries[q], err.message);
		assert_true(pq.n_words + pq.n_literals > 0);
		for (size_t i = 0; i < n_notes; i++) {
			range_check_t rc = { &notes[i], &pq, queries[q], 0, 0 };
			check_range(&rc, 0, notes[i].note->body_len);
			dd_note_foreach_paragraph(notes[i].note->body, notes[i].note->body_len, check_paragraph, &rc);
			compared += rc.compared;
			spans += rc.spans;
		}
		dd_parsed_query_free(&pq);
	}
	print_message("%zu texts compared, %zu spans\n", compared, spans);
	/* the comparison saw real matches, lots of them */
	assert_true(compared > 50000);
	assert_true(spans > 10000);
}

/* A search's snippets come from those spans: each highlight of each hit
 * of each query marks a query word or string at the right place. */
static void test_search_snippets_mark_query_words(void **state)
{
	(void)state;
	for (size_t q = 0; q < n_queries; q++) {
		dd_search_request_t req = { .text = queries[q], .limit = 20, .snippets = 1 };
		dd_search_result_t res;
		dd_error_t err;
		assert_int_equal(dd_search(engine, &req, &res, &err), DD_OK);
		assert_true(res.n_hits > 0);
		size_t marked = 0;
		for (size_t h = 0; h < res.n_hits; h++) {
			const dd_search_hit_t *hit = &res.hits[h];
			assert_non_null(hit->snippet);
			marked += hit->n_highlights > 0;
		}
		assert_true(marked * 2 >= res.n_hits); /* most snippets show a match */
		dd_search_result_free(&res);
	}
}

int main(void)
{
	alarm(580);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans_equal_whole_text_tokenizing),
		cmocka_unit_test(test_search_snippets_mark_query_words),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
