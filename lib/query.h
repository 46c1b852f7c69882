/* query.h - the dundian query language, parsed into a Xapian query.
 *
 *   饮水 自来水          words (split by the tokenizer); a note holding more of
 *                       them ranks higher, none is required
 *   "镇里"               exact string: notes whose normalised title or body
 *                       contains it, whatever the word boundaries
 *   a AND b, a OR b, NOT a, -a, ( ... )
 *   county:石林县 author:… post:… city:… township:… village:… id:N0001
 *   topic:water          notes tagged with a topic
 *   date:2007-04-09  date:2007-04  date:2007  date:2007-03-01..2007-03-31
 *                       (either end of a range may be left open)
 *
 * Precedence: NOT binds tightest, then AND, then OR / juxtaposition.  Field
 * filters restrict the whole query (values of one field OR-ed, different
 * fields AND-ed).  A typed word also brings in its thesaurus relatives and
 * its group's topic at lower weight; a word the index has never seen falls
 * back to its characters (an exact-string match).
 */
#ifndef DD_QUERY_H
#define DD_QUERY_H

#include <stddef.h>

#include "lexicon.h"
#include "status.h"
#include "tokenizer.h"
#include "xapian_wrap.h"

typedef struct dd_query_context {
	dd_tokenizer_t *tokenizer;
	const dd_lexicon_t *lexicon;  /* thesaurus; may be NULL */
	dd_db_t *db;                  /* for term frequencies; may be NULL */
	const char *const *topics;    /* known topic keys (for topic:) */
	size_t n_topics;
	double expansion_weight;      /* thesaurus relatives, relative to 1 */
	double topic_weight;          /* tag boost of a word's topic */
	double cooccurrence_weight;   /* all words of one chunk together */
} dd_query_context_t;

/* Sensible defaults for the weights (chosen by bench/quality). */
void dd_query_context_defaults(dd_query_context_t *ctx);

typedef struct dd_parsed_query {
	dd_query_t *query;    /* owned */
	char *text;           /* the query as typed (owned) */
	int has_text;         /* 0: filters only (caller may sort by date) */
	int plain;            /* 1: only words: no quotes, operators, fields */
	/* For highlighting: normalised words (typed and expanded) and exact
	 * strings, each list without duplicates. */
	char **words;
	size_t n_words;
	char **literals;
	size_t n_literals;
} dd_parsed_query_t;

/* Parses text.  DD_ERR_INVALID with a message "query 'TEXT': what is
 * wrong" for a malformed query (unbalanced quote or parenthesis, unknown
 * field, bad date, dangling operator, unknown topic, empty query). */
dd_status_t dd_query_parse(const dd_query_context_t *ctx, const char *text, dd_parsed_query_t *out,
			   dd_error_t *err);
void dd_parsed_query_free(dd_parsed_query_t *pq);

/* The exact-string query for normalised s (a phrase of its character
 * pairs, or its character when it has one). */
dd_query_t *dd_literal_query(const char *normalized);

#endif
