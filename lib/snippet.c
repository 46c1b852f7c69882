/* snippet.c - highlighting and passage selection (see snippet.h). */
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "text.h"

typedef struct span_list {
	dd_span_t *v;
	size_t n, cap;
} span_list_t;

static int push_span(span_list_t *l, size_t start, size_t end, size_t which)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		dd_span_t *v = realloc(l->v, sizeof *v * cap);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (dd_span_t){start, end, which};
	return 0;
}

typedef struct word_match_ctx {
	const dd_parsed_query_t *pq;
	span_list_t *list;
	int failed;
} word_match_ctx_t;

static int match_word(const dd_token_t *tok, void *vctx)
{
	word_match_ctx_t *c = vctx;
	for (size_t i = 0; i < c->pq->n_words; i++)
		if (strcmp(c->pq->words[i], tok->text) == 0) {
			if (push_span(c->list, tok->start, tok->end, i) != 0)
				c->failed = 1;
			break;
		}
	return c->failed;
}

static int by_start_then_longest(const void *a, const void *b)
{
	const dd_span_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

dd_status_t dd_highlight_spans(dd_tokenizer_t *tok, const dd_parsed_query_t *pq, const char *text, size_t len,
			       dd_span_t **spans, size_t *n_spans, dd_error_t *err)
{
	span_list_t list = {0};
	*spans = NULL;
	*n_spans = 0;
	if (pq->n_words) {
		word_match_ctx_t c = {pq, &list, 0};
		dd_status_t st = dd_tokenize(tok, text, len, DD_TOKENIZE_INDEX, match_word, &c, err);
		if (st != DD_OK || c.failed) {
			free(list.v);
			return st != DD_OK ? st : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		}
	}
	if (pq->n_literals) {
		dd_normalized_t norm;
		dd_status_t st = dd_normalize(text, len, &norm, err);
		if (st != DD_OK) {
			free(list.v);
			return st;
		}
		for (size_t i = 0; i < pq->n_literals; i++) {
			const char *lit = pq->literals[i];
			size_t ll = strlen(lit);
			for (const char *p = norm.text; ll && (p = strstr(p, lit)) != NULL; p++) {
				size_t a = (size_t)(p - norm.text), b = a + ll;
				/* the match must start and end on whole original characters */
				size_t start = norm.origin[a];
				size_t end = b < norm.len ? norm.origin[b] : len;
				if (end > start && push_span(&list, start, end, pq->n_words + i) != 0) {
					dd_normalized_free(&norm);
					free(list.v);
					return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
				}
			}
		}
		dd_normalized_free(&norm);
	}
	if (list.n) {
		qsort(list.v, list.n, sizeof *list.v, by_start_then_longest);
		size_t w = 0;
		for (size_t i = 0; i < list.n; i++)
			if (w == 0 || list.v[i].start >= list.v[w - 1].end)
				list.v[w++] = list.v[i];
		list.n = w;
	}
	*spans = list.v;
	*n_spans = list.n;
	return DD_OK;
}

/* ---- sentences ---- */

typedef struct sentence {
	size_t start, end, chars, paragraph;
} sentence_t;

static int is_sentence_end(uint32_t cp)
{
	return cp == 0x3002 /* 。 */ || cp == 0xFF01 /* ！ */ || cp == 0xFF1F /* ？ */ || cp == 0xFF1B /* ； */ ||
	       cp == '!' || cp == '?' || cp == ';' || cp == 0x2026 /* … */;
}

static int is_closing(uint32_t cp)
{
	return cp == 0x201D /* ” */ || cp == 0x2019 || cp == 0x300D /* 」 */ || cp == 0x300F || cp == 0xFF09 ||
	       cp == ')' || cp == '"' || cp == 0x2026;
}

typedef struct sentence_list {
	sentence_t *v;
	size_t n, cap;
	const char *text;
} sentence_list_t;

static int split_paragraph(size_t number, size_t start, size_t end, void *vctx)
{
	sentence_list_t *l = vctx;
	size_t i = start, s = start;
	while (i < end) {
		uint32_t cp = dd_utf8_next(l->text, &i);
		int boundary = i >= end;
		if (!boundary && (is_sentence_end(cp) || cp == '\n')) {
			/* keep closing quotes and repeated marks with the sentence */
			size_t j = i;
			while (j < end) {
				size_t k = j;
				uint32_t c2 = dd_utf8_next(l->text, &k);
				if (!is_closing(c2) && !is_sentence_end(c2))
					break;
				j = k;
			}
			i = j;
			boundary = 1;
		}
		if (!boundary)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			sentence_t *v = realloc(l->v, sizeof *v * cap);
			if (!v)
				return 1;
			l->v = v;
			l->cap = cap;
		}
		size_t a = s;
		while (a < i && (l->text[a] == ' ' || l->text[a] == '\n'))
			a++;
		if (a < i)
			l->v[l->n++] = (sentence_t){a, i, dd_utf8_length(l->text + a, i - a), number};
		s = i;
	}
	return 0;
}

/* Score of the sentences [a, b]: distinct words dominate, then hits, then
 * closeness (hits per character). */
static double window_score(const sentence_t *s, size_t a, size_t b, const dd_span_t *spans, size_t n_spans,
			   size_t *first, size_t *count)
{
	size_t lo = s[a].start, hi = s[b].end;
	size_t distinct = 0, hits = 0;
	size_t seen[64];
	size_t n_seen = 0;
	*first = n_spans;
	for (size_t i = 0; i < n_spans; i++) {
		if (spans[i].start < lo || spans[i].end > hi)
			continue;
		if (*first == n_spans)
			*first = i;
		hits++;
		int dup = 0;
		for (size_t k = 0; k < n_seen; k++)
			dup |= seen[k] == spans[i].which;
		if (!dup) {
			if (n_seen < 64)
				seen[n_seen++] = spans[i].which;
			distinct++;
		}
	}
	*count = hits;
	if (*first == n_spans)
		*first = 0;
	size_t chars = 0;
	for (size_t k = a; k <= b; k++)
		chars += s[k].chars;
	return (double)distinct * 100.0 + (double)(hits > 10 ? 10 : hits) * 5.0 +
	       (chars ? 20.0 * (double)hits / (double)chars : 0.0);
}

dd_status_t dd_best_passages(const char *text, size_t len, const dd_span_t *spans, size_t n_spans,
			     size_t max_passages, size_t max_chars, size_t context, dd_passage_t **out, size_t *n_out,
			     dd_error_t *err)
{
	*out = NULL;
	*n_out = 0;
	sentence_list_t sl = {NULL, 0, 0, text};
	dd_note_foreach_paragraph(text, len, split_paragraph, &sl);
	if (sl.n == 0 || max_passages == 0) {
		free(sl.v);
		return DD_OK;
	}
	dd_passage_t *res = calloc(max_passages, sizeof *res);
	char *used = calloc(sl.n, 1);
	if (!res || !used) {
		free(res);
		free(used);
		free(sl.v);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	size_t n = 0;
	while (n < max_passages) {
		double best = -1;
		size_t ba = 0, bb = 0, bfirst = 0, bcount = 0;
		for (size_t a = 0; a < sl.n; a++) {
			if (used[a])
				continue;
			size_t chars = 0;
			for (size_t b = a; b < sl.n && !used[b] && sl.v[b].paragraph == sl.v[a].paragraph; b++) {
				chars += sl.v[b].chars;
				if (b > a && chars > max_chars)
					break;
				size_t first, count;
				double sc = window_score(sl.v, a, b, spans, n_spans, &first, &count);
				if (n_spans && count == 0)
					continue;
				/* prefer the shorter window when scores tie */
				if (sc > best + 1e-9) {
					best = sc;
					ba = a;
					bb = b;
					bfirst = first;
					bcount = count;
				}
				if (!n_spans)
					break; /* no hits: the opening sentences */
			}
			if (!n_spans && best >= 0)
				break;
		}
		if (best < 0)
			break;
		if (!n_spans) {
			/* grow the opening passage up to max_chars */
			size_t chars = sl.v[ba].chars;
			while (bb + 1 < sl.n && sl.v[bb + 1].paragraph == sl.v[ba].paragraph &&
			       chars + sl.v[bb + 1].chars <= max_chars)
				chars += sl.v[++bb].chars;
		}
		for (size_t c = 0; c < context; c++) {
			if (ba > 0 && !used[ba - 1] && sl.v[ba - 1].paragraph == sl.v[ba].paragraph)
				ba--;
			if (bb + 1 < sl.n && !used[bb + 1] && sl.v[bb + 1].paragraph == sl.v[bb].paragraph)
				bb++;
		}
		size_t first = bfirst, count = bcount;
		window_score(sl.v, ba, bb, spans, n_spans, &first, &count);
		for (size_t k = ba; k <= bb; k++)
			used[k] = 1;
		res[n++] = (dd_passage_t){sl.v[ba].start, sl.v[bb].end, sl.v[ba].paragraph, best, first, count};
		if (!n_spans)
			break;
	}
	free(used);
	free(sl.v);
	*out = res;
	*n_out = n;
	return DD_OK;
}

char *dd_mark_spans(const char *text, size_t start, size_t end, const dd_span_t *spans, size_t n_spans,
		    const char *open, const char *close)
{
	size_t ol = strlen(open), cl = strlen(close);
	size_t cap = end - start + 1;
	for (size_t i = 0; i < n_spans; i++)
		cap += ol + cl;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t w = 0, pos = start;
	for (size_t i = 0; i < n_spans; i++) {
		if (spans[i].start < pos || spans[i].end > end)
			continue;
		memcpy(out + w, text + pos, spans[i].start - pos);
		w += spans[i].start - pos;
		memcpy(out + w, open, ol);
		w += ol;
		memcpy(out + w, text + spans[i].start, spans[i].end - spans[i].start);
		w += spans[i].end - spans[i].start;
		memcpy(out + w, close, cl);
		w += cl;
		pos = spans[i].end;
	}
	memcpy(out + w, text + pos, end - pos);
	w += end - pos;
	out[w] = '\0';
	return out;
}
