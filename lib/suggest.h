/* suggest.h - "did you mean": the query as it was probably meant.
 *
 * Two kinds of slip are caught, both read from the index (no list of its
 * own to keep in step):
 *   - a typo: a word (a chunk of at most DD_SUGGEST_MAX_CHUNK_CHARS
 *     characters) or quoted string typed (饮说, 合做医疗) that is no word
 *     of the index and occurs in no note as typed, replaced by the closest
 *     word of the index's spelling data (xapian_wrap.h): at most
 *     DD_SUGGEST_EDITS_SHORT edits for a word of up to
 *     DD_SUGGEST_SHORT_CHARS characters (one of two characters is already
 *     half the word), DD_SUGGEST_EDITS_LONG for a longer one.  When the
 *     whole chunk has none, each run of single characters the tokenizer
 *     fell back to (饮 说 in 饮说问题) is tried on its own.  Only a chunk
 *     the word breaker split into single characters is a likely typo,
 *     unless the query found nothing (矿山, a word no note holds);
 *   - a filter value the index does not hold (county:石林): the values of
 *     that field starting with it (石林县), read from the index's terms.
 * A corrected query is offered only when it finds notes.
 */
#ifndef DD_SUGGEST_H
#define DD_SUGGEST_H

#include <stddef.h>

#include "engine.h"
#include "ranking.h"
#include "status.h"

#define DD_SUGGEST_SHORT_CHARS 4
#define DD_SUGGEST_EDITS_SHORT 1
#define DD_SUGGEST_EDITS_LONG 2
/* A chunk of words (text between blanks) longer than this is a sentence
 * or a description, not a mistyped word: its characters outside the
 * dictionary are mostly ordinary words (挤窄, 躺半天), so it is left alone. */
#define DD_SUGGEST_MAX_CHUNK_CHARS 6
/* Chunks and filter values looked at, at most: a long query costs no more. */
#define DD_SUGGEST_MAX_CHECKS 8
/* Values starting with a filter value that a message lists, at most. */
#define DD_SUGGEST_MAX_VALUES 5

typedef struct dd_suggestion {
	char *query;   /* the query with its slips corrected, or NULL */
	char *message; /* one line saying so ("did you mean 饮水?", "no county
	                  石林; did you mean county:石林县?"), or NULL */
} dd_suggestion_t;

/* Looks for slips in pq (the parsed query: its plan and text) in e's
 * index; total: the notes it matched (when none did, a chunk the word
 * breaker takes for a word is looked at too).  out is all NULL when there
 * is nothing to suggest.  DD_ERR_NOMEM, DD_ERR_INDEX. */
dd_status_t dd_suggest(dd_engine_t *e, const dd_parsed_query_t *pq, size_t total, dd_suggestion_t *out,
                       dd_error_t *err);
void dd_suggestion_free(dd_suggestion_t *s);

#endif
