/* engine.h - an opened index, ready to answer queries: the database, the
 * vocabulary it was built with (read back from its metadata, so queries
 * are tokenized exactly as the notes were), and its topics.  Every
 * dundian-search subcommand starts from one.
 */
#ifndef DD_ENGINE_H
#define DD_ENGINE_H

#include <stddef.h>

#include "lexicon.h"
#include "ranking.h"
#include "snippet.h"
#include "status.h"
#include "tokenizer.h"
#include "xapian_wrap.h"

typedef struct dd_engine dd_engine_t;

/* Opens the index at path.  DD_ERR_NOT_FOUND with a message saying how to
 * build one when there is no index there.  With glibc it also raises the
 * process's M_TRIM_THRESHOLD to 16 MB (engine.c says why): freed heap is
 * kept for the next query rather than given back to the kernel. */
dd_status_t dd_engine_open(const char *path, dd_engine_t **out, dd_error_t *err);
void dd_engine_close(dd_engine_t *e);

dd_db_t *dd_engine_db(dd_engine_t *e);
dd_tokenizer_t *dd_engine_tokenizer(dd_engine_t *e);
const dd_lexicon_t *dd_engine_lexicon(dd_engine_t *e);
size_t dd_engine_topic_count(const dd_engine_t *e);
const char *dd_engine_topic_key(const dd_engine_t *e, size_t i);
const char *dd_engine_topic_name(const dd_engine_t *e, size_t i); /* "" if unknown */
/* Name of the topic with key, or the key itself when unknown. */
const char *dd_engine_topic_label(const dd_engine_t *e, const char *key);

/* Parses a query (plan.h) and compiles it (ranking.h) with the engine's
 * vocabulary, topics and tuned weights (dd_ranking_tuned).  pq->plan is the
 * parsed plan.  The errors of dd_plan_parse and dd_ranking_compile. */
dd_status_t dd_engine_parse(dd_engine_t *e, const char *text, dd_parsed_query_t *out, dd_error_t *err);

/* A tag of a stored note: a topic key with the tagger's confidence, or
 * one set by hand in the note's front matter. */
typedef struct dd_note_tag {
	const char *key;
	const char *name; /* the topic's name; the key until dd_engine_name_tags */
	double score;     /* 0..1; 1 for a manual tag */
	int manual;       /* 1: set by hand (tags: in the front matter) */
} dd_note_tag_t;

/* A note as stored in the index (see note_index.h for the fields).  Every
 * string and the tags belong to the note (never NULL; "" when absent);
 * free with dd_stored_note_free. */
typedef struct dd_stored_note {
	const char *id, *title, *author, *post, *city, *county, *township, *village, *date, *path, *body;
	size_t body_len; /* body is "" unless asked for */
	dd_note_tag_t *tags;
	size_t n_tags;
	char *storage_;    /* private: the strings above */
	char *body_owned_; /* private */
} dd_stored_note_t;

/* Reads a note's stored data (the JSON note_index.c writes).
 * DD_ERR_INDEX when it is not a JSON object; DD_ERR_NOMEM. */
dd_status_t dd_stored_note_parse(const char *data, size_t len, dd_stored_note_t *out, dd_error_t *err);

/* Sets the name of each tag of n to its topic's name in e's taxonomy. */
void dd_engine_name_tags(const dd_engine_t *e, dd_stored_note_t *n);

/* Hit i of a search as a stored note, with its body when with_body; when
 * the hit cannot be read, the status dd_results_error gives. */
dd_status_t dd_results_note(const dd_results_t *res, size_t i, int with_body, dd_stored_note_t *out, dd_error_t *err);
void dd_stored_note_free(dd_stored_note_t *n);

/* Reads note id, with its body and named tags, from the index
 * (DD_ERR_NOT_FOUND "no note ID" if absent). */
dd_status_t dd_engine_get_note(dd_engine_t *e, const char *id, dd_stored_note_t *out, dd_error_t *err);

/* Topic feedback (dd_ranking_topic_feedback with the tuned weights): looks
 * at the best few notes for pq's query and, when one topic clearly
 * dominates their tags, ranks up every note tagged with it (at lower weight
 * than the words typed), so a word outside the thesaurus (种植, 工厂) still
 * finds the notes about its topic.  Only for plain queries (words alone),
 * whose meaning a boost cannot break.  Changes pq->query. */
dd_status_t dd_engine_topic_feedback(dd_engine_t *e, dd_parsed_query_t *pq, dd_error_t *err);
/* The same decision from res, a match of pq's query already made
 * (dd_ranking_feedback_boost with the tuned weights): *boost the query to
 * OR into pq's query, NULL when none.  Leaves pq alone. */
dd_status_t dd_engine_feedback_boost(dd_engine_t *e, const dd_results_t *res, const dd_parsed_query_t *pq,
                                     dd_query_t **boost, dd_error_t *err);

/* Search options with the tuned BM25 parameters (ranking.h), for
 * offset/limit. */
void dd_engine_search_options(dd_search_options_t *opts, size_t offset, size_t limit);

/* The snippet of a stored note (with its body) for a query: the best
 * passage, at most about max_chars characters of whole sentences, as
 * body[*start, *end) in byte offsets, with the query's matches inside it as
 * spans in byte offsets into the body (*spans malloc'd, NULL when none).
 * *start == *end when the body holds no sentence.  weights: how much each
 * query word counts (dd_query_word_weights, computed once per query by the
 * caller; NULL: all 1). */
dd_status_t dd_engine_best_passage(dd_engine_t *e, const dd_parsed_query_t *pq, const double *weights,
                                   const dd_stored_note_t *note, size_t max_chars, size_t *start, size_t *end,
                                   dd_span_t **spans, size_t *n_spans, dd_error_t *err);
#endif
