/* fuzz_snippet.c - fuzz target for highlighting and passage choice
 * (snippet.h).  The input is three parts:
 *   line 1  the typed words (split by the tokenizer, as the parser does)
 *   line 2  exact strings, separated by spaces
 *   rest    the text searched
 * The query is built by hand rather than by the parser, so this target
 * tests snippet.c alone.  Spans must be sorted, disjoint and inside the
 * text; passages whole sentences, disjoint, and present whenever a span
 * is (a hit always gets a passage). */
#include "fuzz_common.h"
#include "snippet.h"

typedef struct word_list {
	char **v;
	size_t n, cap;
} word_list_t;

static void add_word(word_list_t *l, const char *w)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], w) == 0)
			return;
	if (l->n == l->cap) {
		char **v = realloc(l->v, sizeof *v * (l->cap = l->cap ? l->cap * 2 : 8));
		FUZZ_CHECK(v != NULL);
		l->v = v;
	}
	l->v[l->n] = strdup(w);
	FUZZ_CHECK(l->v[l->n] != NULL);
	l->n++;
}

static int collect_word(const dd_token_t *t, void *ctx)
{
	add_word(ctx, t->text);
	return 0;
}

/* Splits data at its first newline: *rest after it. */
static size_t line_length(const char *s, size_t len, const char **rest)
{
	const char *nl = memchr(s, '\n', len);
	*rest = nl ? nl + 1 : s + len;
	return nl ? (size_t)(nl - s) : len;
}

static void free_words(word_list_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size;
	if (memchr(s, '\0', size) || !dd_utf8_valid(s, size, NULL))
		return 0;
	const char *line2, *body;
	size_t l1 = line_length(s, size, &line2);
	size_t l2 = line_length(line2, (size_t)(end - line2), &body);
	size_t len = (size_t)(end - body);
	char *typed = strndup(s, l1), *strings = strndup(line2, l2);
	FUZZ_CHECK(typed && strings);

	dd_error_t err;
	word_list_t words = { 0 }, literals = { 0 };
	FUZZ_CHECK(dd_tokenize(fuzz_tokenizer(), typed, l1, DD_TOKENIZE_QUERY, collect_word, &words, &err) == DD_OK);
	for (char *save = NULL, *piece = strtok_r(strings, " ", &save); piece; piece = strtok_r(NULL, " ", &save)) {
		char *norm = dd_normalize_string(piece, strlen(piece));
		if (norm && norm[0])
			add_word(&literals, norm);
		free(norm);
	}
	dd_parsed_query_t pq = { 0 };
	pq.text = typed;
	pq.words = words.v;
	pq.n_words = words.n;
	pq.literals = literals.v;
	pq.n_literals = literals.n;

	dd_span_t *spans = NULL;
	size_t n_spans = 0;
	FUZZ_CHECK(dd_highlight_spans(fuzz_tokenizer(), &pq, body, len, &spans, &n_spans, &err) == DD_OK);
	for (size_t i = 0; i < n_spans; i++) {
		FUZZ_CHECK(spans[i].start < spans[i].end && spans[i].end <= len);
		FUZZ_CHECK(spans[i].which < pq.n_words + pq.n_literals);
		if (i)
			FUZZ_CHECK(spans[i].start >= spans[i - 1].end);
	}

	dd_sentence_t *sentences = NULL;
	size_t n_sentences = 0;
	FUZZ_CHECK(dd_split_sentences(body, len, &sentences, &n_sentences, &err) == DD_OK);
	for (size_t i = 0; i < n_sentences; i++) {
		FUZZ_CHECK(sentences[i].start < sentences[i].end && sentences[i].end <= len);
		FUZZ_CHECK(sentences[i].chars ==
		           dd_utf8_length(body + sentences[i].start, sentences[i].end - sentences[i].start));
		if (i)
			FUZZ_CHECK(sentences[i].start >= sentences[i - 1].end);
	}
	free(sentences);

	/* options vary with the input, so every branch gets its turn */
	uint64_t h = dd_hash_bytes(DD_HASH_INIT, data, size < 64 ? size : 64);
	double *weights = dd_query_word_weights(&pq, typed);
	dd_passage_options_t opts = { 1 + h % 3, 20 + (h >> 8) % 300, (h >> 20) % 3, weights,
		                      weights ? pq.n_words + pq.n_literals : 0 };
	dd_passage_t *passages = NULL;
	size_t n_passages = 0;
	FUZZ_CHECK(dd_choose_passages(body, len, spans, n_spans, &opts, &passages, &n_passages, &err) == DD_OK);
	FUZZ_CHECK(n_passages <= opts.max_passages);
	if (n_spans > 0)
		FUZZ_CHECK(n_passages >= 1 && passages[0].n_spans >= 1 && passages[0].score > 0);
	for (size_t i = 0; i < n_passages; i++) {
		const dd_passage_t *p = &passages[i];
		FUZZ_CHECK(p->start < p->end && p->end <= len);
		FUZZ_CHECK(p->first_span + p->n_spans <= n_spans || p->n_spans == 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(p->end <= passages[j].start || p->start >= passages[j].end);
		char *marked = dd_mark_spans(body, p->start, p->end, spans, n_spans, "【", "】");
		FUZZ_CHECK(marked != NULL);
		FUZZ_CHECK(strlen(marked) == p->end - p->start + p->n_spans * 6);
		free(marked);
	}
	free(passages);
	free(weights);
	free(spans);
	free_words(&words);
	free_words(&literals);
	free(typed);
	free(strings);
	return 0;
}
