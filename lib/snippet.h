/* snippet.h - where a query matches inside a note, and which passage of
 * the note shows it best.
 *
 * Matches are found with the same tokenizer that built the index (for
 * words) and by normalised substring search (for exact strings), so what
 * is marked is what matched.  A passage is a run of whole sentences inside
 * one paragraph, chosen by how many different query words it holds, then
 * how many hits, then how close together they are.
 */
#ifndef DD_SNIPPET_H
#define DD_SNIPPET_H

#include <stddef.h>

#include "query.h"
#include "status.h"
#include "tokenizer.h"

typedef struct dd_span {
	size_t start, end; /* byte offsets in the text */
	size_t which;      /* which query word (< n_words) or string (n_words + i) */
} dd_span_t;

/* Every match of pq's words and exact strings in text[0..len), sorted by
 * start, not overlapping (the longer of two overlapping matches wins).
 * *spans is malloc'd (NULL when none). */
dd_status_t dd_highlight_spans(dd_tokenizer_t *tok, const dd_parsed_query_t *pq, const char *text, size_t len,
			       dd_span_t **spans, size_t *n_spans, dd_error_t *err);

typedef struct dd_passage {
	size_t start, end;  /* byte offsets in the text: whole sentences */
	size_t paragraph;   /* 1-based paragraph number */
	double score;
	size_t first_span, n_spans; /* the spans inside, as indexes into the spans array */
} dd_passage_t;

/* Up to max_passages non-overlapping passages of text, best first, each
 * about max_chars characters at most (a single longer sentence is kept
 * whole), extended by context sentences on each side when context > 0.
 * With no spans, the note's opening sentences.  *out is malloc'd. */
dd_status_t dd_best_passages(const char *text, size_t len, const dd_span_t *spans, size_t n_spans,
			     size_t max_passages, size_t max_chars, size_t context, dd_passage_t **out, size_t *n_out,
			     dd_error_t *err);

/* Writes text[start..end) to a malloc'd string with each span inside
 * wrapped in open/close marks (e.g. "【", "】" or colour escapes). */
char *dd_mark_spans(const char *text, size_t start, size_t end, const dd_span_t *spans, size_t n_spans,
		    const char *open, const char *close);

#endif
