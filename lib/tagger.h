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
 *
 * Learned weights.  The weights and thresholds in effect may come from a
 * second file next to the taxonomy, taxonomy.weights.tsv for taxonomy.json,
 * written by dd-tagging-train (bench/) from labelled notes.  It is plain
 * text, one setting a line (fields separated by one tab; '#' starts a
 * comment line):
 *
 *   threshold	water	5.8             the topic's threshold
 *   weight	water	自来水	2.41       a taxonomy term's weight for its topic
 *   learned	water	接水	0.8         a learned term: a word the taxonomy does
 *   learned	water	灌溉	-0.6        not list for that topic (another topic's
 *                                     term, or a word of the labelled notes)
 *
 * A term or threshold the file leaves out keeps its hand value; a learned
 * term counts only for the topic its line names, as a taxonomy term would
 * (weight * log2(1 + hits), negative weights holding the topic back).  A
 * topic or "weight" term the taxonomy does not have, or a "learned" term
 * that the taxonomy lists for that topic, makes the file stale, and it is
 * refused.  No file: the hand weights of taxonomy.json.  The taxonomy stays
 * the readable source: to keep a learned word for good, an analyst adds it
 * to taxonomy.json and retrains.

 * Finding terms is one pass over the note's bytes (an Aho-Corasick
 * automaton over every distinct term, built at load), counting each term's
 * non-overlapping occurrences leftmost first.
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

/* Loads the taxonomy and its tagging terms from taxonomy_path, and the
 * learned weights next to it when that file exists (dd_tagger_weights_path).
 * Returns DD_OK and a new tagger in *out (free it with dd_tagger_free);
 * DD_ERR_IO if the taxonomy cannot be read; DD_ERR_INVALID if it is not JSON
 * or breaks the format (the message names the file and the topic at fault),
 * or if the weights file exists but is malformed or stale (the message
 * names it and the line); DD_ERR_NOMEM if memory runs out.  On failure
 * *out is set to NULL. */
dd_status_t dd_tagger_load(const char *taxonomy_path, dd_tagger_t **out, dd_error_t *err);

/* The same, with the hand weights only: no weights file is read. */
dd_status_t dd_tagger_load_hand(const char *taxonomy_path, dd_tagger_t **out, dd_error_t *err);

/* Writes into out (size bytes) the weights file that goes with a taxonomy:
 * its path with ".json" replaced by (or, without it, followed by)
 * ".weights.tsv".  Returns 0, or -1 if it does not fit. */
int dd_tagger_weights_path(const char *taxonomy_path, char *out, size_t size);

/* Puts the weights of the file at path in effect (over the hand weights:
 * what the file leaves out gets its hand value), its learned terms
 * replacing any the tagger had.  Returns DD_OK; DD_ERR_NOT_FOUND if there is
 * no such file; DD_ERR_IO if it cannot be read; DD_ERR_INVALID, with
 * "PATH:LINE: what is wrong", if a line is malformed, names a topic or term
 * the taxonomy lacks, learns a term the taxonomy has, or repeats a setting
 * ("PATH: what is wrong" for a learned term given twice); the tagger is
 * unchanged on those failures; DD_ERR_NOMEM if memory runs out (the tagger
 * may then have lost its learned terms). */
dd_status_t dd_tagger_read_weights(dd_tagger_t *tagger, const char *path, dd_error_t *err);

/* Writes the weights in effect to path in the format above, comment (may
 * be NULL; may span lines) as '#' lines on top.  DD_ERR_IO if it cannot be
 * written, DD_ERR_INVALID if a term holds a tab or line break. */
dd_status_t dd_tagger_write_weights(const dd_tagger_t *tagger, const char *path, const char *comment, dd_error_t *err);

/* Puts weights in effect: term_weights[dd_tagger_term_count] and
 * thresholds[dd_tagger_topic_count] (each > 0); NULL for either restores the
 * hand values (0 for a learned term). */
void dd_tagger_set_weights(dd_tagger_t *tagger, const double *term_weights, const double *thresholds);

/* Puts thresholds[dd_tagger_topic_count] (each > 0) in effect, the weights
 * staying as they are. */
void dd_tagger_set_thresholds(dd_tagger_t *tagger, const double *thresholds);

/* Adds count learned terms, texts[i] to topic topics[i], each of weight 0
 * until weights are set; they are numbered after their topic's other terms
 * (so the numbers of the later topics' terms move).  Returns DD_OK;
 * DD_ERR_INVALID if a topic is out of range, a text is empty or holds a
 * tab or line break, the topic already has that term, or a pair is given
 * twice; DD_ERR_NOMEM if memory runs out (the tagger then has no learned
 * terms left).  On DD_ERR_INVALID the tagger is unchanged. */
dd_status_t dd_tagger_add_terms(dd_tagger_t *tagger, const size_t *topics, const char *const *texts, size_t count,
                                dd_error_t *err);

/* 1 if term (numbered as below) is a learned one, 0 if the taxonomy's. */
int dd_tagger_term_is_learned(const dd_tagger_t *tagger, size_t term);

/* Frees a tagger; NULL is allowed. */
void dd_tagger_free(dd_tagger_t *tagger);

/* Number of topics, and the key / Chinese name / threshold in effect of topic i
 * (0 <= i < count; strings are owned by the tagger). */
size_t dd_tagger_topic_count(const dd_tagger_t *tagger);
const char *dd_tagger_topic_key(const dd_tagger_t *tagger, size_t i);
const char *dd_tagger_topic_name(const dd_tagger_t *tagger, size_t i);
double dd_tagger_topic_threshold(const dd_tagger_t *tagger, size_t i);

/* Index of the topic with this key, or -1. */
int dd_tagger_find_topic(const dd_tagger_t *tagger, const char *key);

/* The terms of all topics are numbered 0 .. dd_tagger_term_count - 1, topic
 * after topic, each topic's in file order, then its learned terms.  dd_tagger_term_text returns the
 * text of term (owned by the tagger; NULL if out of range) and, when the
 * pointers are not NULL, its topic and the weight in effect. */
size_t dd_tagger_term_count(const dd_tagger_t *tagger);
const char *dd_tagger_term_text(const dd_tagger_t *tagger, size_t term, size_t *topic, double *weight);

/* counts[term] = non-overlapping occurrences of each term in text (NULL:
 * none), leftmost first.  Returns 0, or -1 if memory runs out. */
int dd_tagger_count_terms(const dd_tagger_t *tagger, const char *text, size_t *counts);

/* Evidence of each term in one note: evidence[term] = log2(1 + hits), hits
 * counting title occurrences title_weight times (0 when absent).  Returns
 * the length divisor, so that a topic's score is the sum over its terms of
 * weight * evidence / divisor.  When memory runs out every evidence is 0. */
double dd_tagger_evidence(const dd_tagger_t *tagger, const char *title, const char *body, double *evidence);

/* Raw score of every topic for one note, written to scores[0 ..
 * topic_count-1] (the caller's array; all 0 if memory runs out, so the
 * note gets no tag).  Useful to study thresholds. */
void dd_tagger_score(const dd_tagger_t *tagger, const char *title, const char *body, double *scores);

/* Tags one note: title and body are its UTF-8 text (either may be NULL).
 * Writes up to max tags, best first, and returns how many were written. */
size_t dd_tagger_tag(const dd_tagger_t *tagger, const char *title, const char *body, dd_tag_t *out, size_t max);

#endif
