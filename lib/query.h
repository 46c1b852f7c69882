/* query.h - parsing and compiling a query in one call, for callers that
 * hold a tokenizer, a lexicon and a database rather than an engine (tests,
 * tools).  A thin layer: the language is plan.h, the weights and the
 * compilation ranking.h; engine.h's dd_engine_parse does the same with an
 * opened index.
 */
#ifndef DD_QUERY_H
#define DD_QUERY_H

#include <stddef.h>

#include "lexicon.h"
#include "plan.h"
#include "ranking.h"
#include "status.h"
#include "tokenizer.h"
#include "xapian_wrap.h"

typedef struct dd_query_context {
	dd_tokenizer_t *tokenizer;
	const dd_lexicon_t *lexicon; /* thesaurus; may be NULL */
	dd_db_t *db;                 /* for term frequencies; may be NULL */
	const char *const *topics;   /* known topic keys (for topic:) */
	size_t n_topics;
	double expansion_weight;    /* thesaurus relatives, relative to 1 */
	double topic_weight;        /* tag boost of a word's topic */
	double cooccurrence_weight; /* all words of one chunk together */
} dd_query_context_t;

/* The weights of dd_ranking_defaults, no tokenizer, lexicon or database. */
void dd_query_context_defaults(dd_query_context_t *ctx);

/* dd_plan_parse, then dd_ranking_compile with ctx's weights (the other
 * weights at their defaults).  The errors of both. */
dd_status_t dd_query_parse(const dd_query_context_t *ctx, const char *text, dd_parsed_query_t *out, dd_error_t *err);

#endif
