/* snippet.h - where a query matches inside a note, and which passages of
 * the note show it best.
 *
 * Matches are found with the same tokenizer that built the index (for
 * words) and by normalised substring search (for exact strings), so what
 * is marked is what matched.  Only the clauses (text between CJK
 * punctuation) whose normalised text holds a query word go through the
 * tokenizer: the spans are those of tokenizing the whole text, for a
 * fraction of the work (tests/test_snippet_corpus.c checks it on the
 * corpus).
 *
 * A sentence ends after 。！？!? (with any closing quotes or brackets and
 * repeated marks that follow), after an ellipsis …… that is followed by a
 * closing quote, at a line break and at the end of a paragraph.  Commas,
 * colons and semicolons never end a sentence.  Blanks (spaces, tabs, line
 * breaks, the ideographic space) at either end are not part of it.
 *
 * A passage is a run of whole sentences inside one paragraph, so it never
 * starts or ends inside a sentence or a character.  Passages are chosen by
 * the weighted number of different query words they hold, then by how
 * many hits, then by how close together the hits are, then by shortness.
 *
 * All offsets here are byte offsets into the text that was passed in;
 * text.h's dd_utf8_length turns them into character (code point) offsets.
 */
#ifndef DD_SNIPPET_H
#define DD_SNIPPET_H

#include <stddef.h>

#include "ranking.h"
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

/* How much each query word counts when passages are compared, indexed like
 * dd_span_t.which: 1 for a word or exact string whose normalised form the
 * user typed (it occurs in the normalised query_text), DD_RELATIVE_WEIGHT
 * for the thesaurus relatives the parser added.  So a passage holding the
 * typed word beats one holding many of its relatives.  Returns a malloc'd
 * array of pq->n_words + pq->n_literals weights, NULL when that is 0 or
 * memory runs out (NULL weights mean "all 1" to dd_choose_passages).
 * DD_RELATIVE_WEIGHT lives in ranking.h with the other weights. */
double *dd_query_word_weights(const dd_parsed_query_t *pq, const char *query_text);

/* What a span matched: a word the user typed, a thesaurus relative the
 * parser added, or an exact string (quoted, or a word the index never saw,
 * matched as its characters). */
typedef enum { DD_MATCH_TYPED, DD_MATCH_RELATIVE, DD_MATCH_LITERAL } dd_match_kind_t;

/* The kind of dd_span_t.which, given the weights of dd_query_word_weights
 * (NULL: every word typed). */
dd_match_kind_t dd_match_kind(const dd_parsed_query_t *pq, const double *weights, size_t which);

/* "typed", "relative" or "literal". */
const char *dd_match_kind_name(dd_match_kind_t kind);

typedef struct dd_sentence {
	size_t start, end; /* byte offsets: first character, one past the last */
	size_t chars;      /* code points in [start, end) */
	size_t paragraph;  /* 1-based paragraph number (dd_note_foreach_paragraph) */
} dd_sentence_t;

/* The sentences of text[0..len) (valid UTF-8, paragraphs separated by
 * blank lines), in order, never empty.  *out is malloc'd (NULL when the
 * text holds no sentence). */
dd_status_t dd_split_sentences(const char *text, size_t len, dd_sentence_t **out, size_t *n_out, dd_error_t *err);

typedef struct dd_passage {
	size_t start, end;          /* byte offsets in the text: whole sentences */
	size_t paragraph;           /* 1-based paragraph number */
	double score;               /* comparable between calls: higher is better */
	size_t first_span, n_spans; /* the spans inside, as indexes into the spans array */
} dd_passage_t;

typedef struct dd_passage_options {
	size_t max_passages;   /* at most this many passages */
	size_t max_chars;      /* a passage's sentences hold at most about this many
	                          characters (a single longer sentence is kept whole) */
	size_t context;        /* then this many more sentences each side, inside the
	                          paragraph and not overlapping another passage */
	const double *weights; /* per query word (see dd_query_word_weights); NULL: all 1 */
	size_t n_weights;
} dd_passage_options_t;

/* Up to opts->max_passages non-overlapping passages of text holding hits,
 * best first.  With no spans at all, one passage: the note's opening
 * sentences (up to max_chars).  *out is malloc'd (NULL when none). */
dd_status_t dd_choose_passages(const char *text, size_t len, const dd_span_t *spans, size_t n_spans,
                               const dd_passage_options_t *opts, dd_passage_t **out, size_t *n_out, dd_error_t *err);

/* dd_choose_passages with every query word weighing 1. */
dd_status_t dd_best_passages(const char *text, size_t len, const dd_span_t *spans, size_t n_spans, size_t max_passages,
                             size_t max_chars, size_t context, dd_passage_t **out, size_t *n_out, dd_error_t *err);

/* Writes text[start..end) to a malloc'd string with each span lying wholly
 * inside wrapped in open/close marks (e.g. "【", "】" or colour escapes).
 * NULL when memory runs out. */
char *dd_mark_spans(const char *text, size_t start, size_t end, const dd_span_t *spans, size_t n_spans,
                    const char *open, const char *close);

#endif
