/* searching.h - the one search pipeline: query text (and/or a "more like
 * this" seed) in, typed hits out.  Every caller goes through dd_search:
 * dundian-search and its excerpt and report subcommands, the latency bench
 * and any server, so they rank, sort, count and cut snippets alike.
 *
 * The pipeline: parse (dd_engine_parse) -> topic feedback (plain queries,
 * not with like) -> "more like this" -> search options (the engine's
 * ranking defaults) -> oldest first when the query has no text to rank by
 * (or sort = date) -> run -> read the hits -> snippets with highlight
 * spans -> facet counts.  A first page (offset + limit <= 50) of a plain
 * query in relevance order, without facets or explain, takes topic
 * feedback and the run as one match: the feedback is decided from the
 * match's best notes and its boost added to the notes matched
 * (dd_results_boost), with the same hits, order and total as matching
 * twice (falling back to that when a note outside those matched could
 * enter the page).
 *
 *   dd_search_request_t req = {.text = "饮水", .limit = 10, .snippets = 1};
 *   dd_search_result_t res;
 *   if (dd_search(engine, &req, &res, &err) == DD_OK) { ... }
 *   dd_search_result_free(&res);
 */
#ifndef DD_SEARCHING_H
#define DD_SEARCHING_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "query.h"
#include "snippet.h"
#include "status.h"
#include "suggest.h"

/* limit / check_at_least: every note of the index. */
#define DD_SEARCH_ALL SIZE_MAX
/* offset and limit above this are refused (DD_ERR_INVALID): no caller
 * pages that far, and it keeps offset + limit from wrapping. */
#define DD_SEARCH_MAX_OFFSET 1000000000u
/* Snippet length when the request leaves snippet_chars 0. */
#define DD_SEARCH_SNIPPET_CHARS 120

typedef enum {
	DD_SORT_RELEVANCE = 0, /* best first; oldest first anyway when the query has no text */
	DD_SORT_DATE           /* oldest first */
} dd_search_sort_t;

typedef struct dd_search_request {
	const char *text;     /* the query as typed; NULL or "": every note (or every note like like_id) */
	const char *like_id;  /* "more like this" seed note id, or NULL; the seed is never a hit */
	size_t offset, limit; /* the page of hits; limit DD_SEARCH_ALL: every match */
	dd_search_sort_t sort;
	const char *const *facets; /* facet field names (see dd_search_facet_fields) */
	size_t n_facets;
	int snippets;          /* 1: cut a snippet (best passage) for each hit */
	size_t snippet_chars;  /* about this many characters (0: DD_SEARCH_SNIPPET_CHARS) */
	int bodies;            /* 1: hits carry their note's body */
	int no_feedback;       /* 1: match exactly what the query says, without the notes topic
	                          feedback brings in (the report counts matches, not ranks them) */
	size_t check_at_least; /* total is exact up to this many (0: Xapian's default;
	                          DD_SEARCH_ALL: always exact) */
	int explain;           /* 1: result.explain holds the final query */
	int suggest;           /* 1: result.suggestion says what the query was probably
	                          meant to be, when it holds a slip (suggest.h) */
} dd_search_request_t;

/* A highlighted run of a snippet: code point offsets, start inclusive,
 * end exclusive. */
typedef struct dd_highlight {
	size_t start, end;
	dd_match_kind_t kind; /* a typed word, a thesaurus relative or an exact string */
} dd_highlight_t;

typedef struct dd_search_hit {
	size_t rank;                /* 1-based over the whole result (offset + 1 for the first) */
	double score;               /* relevance (meaningless when sorted by date) */
	dd_stored_note_t note;      /* id, metadata, tags with their names; body when asked */
	char *snippet;              /* plain text (no marks), NULL unless snippets were asked */
	dd_highlight_t *highlights; /* the query's matches inside snippet, in order */
	size_t n_highlights;
} dd_search_hit_t;

typedef struct dd_facet_value {
	char *value;
	const char *name; /* topic facet: the topic's name (the key when unknown); else value */
	size_t count;     /* notes among all matches */
} dd_facet_value_t;

typedef struct dd_facet {
	const char *field;        /* as asked */
	dd_facet_value_t *values; /* most notes first, ties by value */
	size_t n_values;
} dd_facet_t;

typedef struct dd_search_result {
	size_t total; /* matches (estimated past check_at_least) */
	dd_search_hit_t *hits;
	size_t n_hits;
	dd_facet_t *facets; /* one per requested field, in the order asked */
	size_t n_facets;
	double elapsed_ms;          /* answering (parse, search, hits, snippets), not opening the index */
	dd_parsed_query_t query;    /* the parsed text (words and strings for highlighting);
	                               all zero when there was no text */
	char *explain;              /* the final query described, when asked */
	dd_suggestion_t suggestion; /* "did you mean", when asked (all NULL: none) */
} dd_search_result_t;

/* Runs the request.  On failure res is empty (safe to free) and:
 * DD_ERR_INVALID a malformed query, an unknown facet field, offset or limit
 * past DD_SEARCH_MAX_OFFSET;
 * DD_ERR_NOT_FOUND no note like_id; DD_ERR_INDEX / DD_ERR_NOMEM otherwise. */
dd_status_t dd_search(dd_engine_t *e, const dd_search_request_t *req, dd_search_result_t *res, dd_error_t *err);

void dd_search_result_free(dd_search_result_t *res);

/* The facet fields a request may name (the schema's, schema.h),
 * NULL-terminated. */
const char *const *dd_search_facet_fields(void);

#endif
