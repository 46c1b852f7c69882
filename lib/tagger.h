/* tagger.h - tags a note with the topics of the issue taxonomy.
 *
 * All tagging knowledge lives in the taxonomy file (corpus/taxonomy.json),
 * not in code: each topic has a key, a Chinese name, an English "about", and
 * a table of weighted Chinese terms; the file also holds the threshold a
 * topic's score must reach.  An analyst changes the tagger by editing that
 * file; adding a topic needs no code change.  The file looks like
 *
 *   { "tagging": { "threshold": 3.0, "title_weight": 3.0,
 *                  "reference_length": 1000, "relative_floor": 0.0 },
 *     "topics": [ { "key": "water", "name": "饮水安全", "about": "...",
 *                   "threshold": 3.0,              (optional, overrides)
 *                   "raises_others": 1.0,          (optional, see below)
 *                   "terms": { "自来水": 2.0, "水窖": 1.5, ... } }, ... ] }
 *
 * "tagging" and each of its fields are optional (defaults shown above, with
 * threshold 1.0 when absent); key (< 32 bytes, unique), name and terms are
 * required.  Weights may be negative to hold back a topic.
 *
 * How a note is scored, per topic: every term found as a substring of the
 * title or body adds weight * log2(1 + hits), where a title hit counts as
 * title_weight body hits; the sum is divided by sqrt(note length /
 * reference_length).  A topic whose score reaches its threshold, and at
 * least relative_floor times the best topic's score, is a tag.  A topic with
 * raises_others > 1 (a reflection on the whole visit, which recaps every
 * issue in passing) multiplies the other topics' thresholds by that factor
 * when it is itself a tag.
 */
#ifndef DD_TAGGER_H
#define DD_TAGGER_H

#include <stddef.h>

#include "status.h"

typedef struct dd_tagger dd_tagger_t; /* opaque */

typedef struct dd_tag {
	char key[32]; /* topic key, e.g. "water" */
	double score; /* confidence in (0,1]; 0.5 means "just at threshold" */
	int manual;   /* 1 if a person set the tag; the tagger always writes 0 */
} dd_tag_t;

/* Loads the taxonomy and its tagging terms from taxonomy_path.
 * Returns DD_OK and a new tagger in *out (free it with dd_tagger_free);
 * DD_ERR_IO if the file cannot be read; DD_ERR_INVALID if it is not JSON or
 * breaks the format (the message names the file and the topic at fault);
 * DD_ERR_NOMEM if memory runs out.  On failure *out is set to NULL. */
dd_status_t dd_tagger_load(const char *taxonomy_path, dd_tagger_t **out, dd_error_t *err);

/* Frees a tagger; NULL is allowed. */
void dd_tagger_free(dd_tagger_t *tagger);

/* Number of topics, and the key / Chinese name / threshold of topic i
 * (0 <= i < count; strings are owned by the tagger). */
size_t dd_tagger_topic_count(const dd_tagger_t *tagger);
const char *dd_tagger_topic_key(const dd_tagger_t *tagger, size_t i);
const char *dd_tagger_topic_name(const dd_tagger_t *tagger, size_t i);
double dd_tagger_topic_threshold(const dd_tagger_t *tagger, size_t i);

/* Index of the topic with this key, or -1. */
int dd_tagger_find_topic(const dd_tagger_t *tagger, const char *key);

/* Raw score of every topic for one note, written to scores[0 ..
 * topic_count-1] (the caller's array).  Useful to study thresholds. */
void dd_tagger_score(const dd_tagger_t *tagger, const char *title, const char *body, double *scores);

/* Tags one note: title and body are its UTF-8 text (either may be NULL).
 * Writes up to max tags, best first, and returns how many were written. */
size_t dd_tagger_tag(const dd_tagger_t *tagger, const char *title, const char *body, dd_tag_t *out, size_t max);

#endif
