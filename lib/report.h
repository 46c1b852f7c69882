/* report.h - the figures of an analysts' report over a set of notes: how
 * many notes raise each topic, broken down by one field (county, city,
 * month or author); how widely each topic recurs (in how many counties and
 * months); which topics are raised together in the same notes.  Every
 * figure comes with the ids of the notes behind it, so a reader can always
 * go from a number to the notes.
 *
 * A report is built from plain records, one per note, so it needs no index
 * (the searcher fills it from search results; tests fill it by hand):
 *
 *   dd_report_t *r;
 *   dd_report_new(known_keys, n_known, DD_REPORT_VALUES_BY_COUNT, &r, &err);
 *   for each note: dd_report_add(r, &record, &err);
 *   dd_report_finish(r, &err);
 *   ... accessors ...
 *   dd_report_free(r);
 *
 * Vocabulary used below:
 *   topic   a row of the matrix: every known topic (even with no notes),
 *           then any other tag key met in the records; rows are ordered by
 *           number of notes, most first, ties in the order known/met.
 *   value   a column: a distinct value of the chosen field among the notes
 *           ("" for notes that lack it), ordered as asked at dd_report_new.
 *   cell    the notes that carry topic t and have value v.
 *   pair    two topics carried by the same notes (only pairs with at least
 *           one note), ranked by number of notes, most first.
 * A note may carry several topics, so a column total (notes with value v)
 * is not the sum of its cells, and a row total (notes with topic t) counts
 * each note once however many topics it has.
 *
 * Id lists returned by accessors are sorted by id (bytewise), owned by the
 * report and valid until dd_report_free.  Accessors are meaningful only
 * after a successful dd_report_finish; before it they report nothing (0 /
 * empty lists).  Indexes out of range also give 0 / empty lists / NULL.
 */
#ifndef DD_REPORT_H
#define DD_REPORT_H

#include <stddef.h>

#include "status.h"

typedef struct dd_report dd_report_t; /* opaque */

/* One note as the report sees it.  Strings are copied by dd_report_add;
 * NULL counts as "". */
typedef struct dd_report_record {
	const char *id;            /* required, unique among the records */
	const char *value;         /* value of the field the matrix is broken down by */
	const char *county;        /* where, for recurrence */
	const char *month;         /* when (YYYY-MM), for recurrence */
	const char *const *topics; /* tag keys; a repeated key counts once */
	size_t n_topics;
} dd_report_record_t;

typedef enum {
	DD_REPORT_VALUES_BY_COUNT, /* most notes first, ties by value (bytewise) */
	DD_REPORT_VALUES_BY_NAME   /* by value, bytewise (months come out in order) */
} dd_report_value_order_t;

/* A new, empty report.  known_topics (n_known keys, may be NULL when
 * n_known is 0) are the rows the report always has, e.g. the taxonomy's
 * topics; they are copied.  DD_ERR_NOMEM on failure (*out NULL). */
dd_status_t dd_report_new(const char *const *known_topics, size_t n_known, dd_report_value_order_t order,
                          dd_report_t **out, dd_error_t *err);

/* Adds one note.  DD_ERR_INVALID if the id is empty or the report is
 * already finished; DD_ERR_NOMEM if memory runs out. */
dd_status_t dd_report_add(dd_report_t *r, const dd_report_record_t *record, dd_error_t *err);

/* Computes every figure.  DD_ERR_INVALID naming the id if two records
 * share one; DD_ERR_NOMEM if memory runs out.  Call once. */
dd_status_t dd_report_finish(dd_report_t *r, dd_error_t *err);

/* Frees the report; NULL is allowed. */
void dd_report_free(dd_report_t *r);

/* ---- notes ---------------------------------------------------------- */

/* All the notes (*n = how many). */
const char *const *dd_report_all_ids(const dd_report_t *r, size_t *n);
/* The notes that carry no topic at all. */
const char *const *dd_report_untagged_ids(const dd_report_t *r, size_t *n);

/* ---- the topic x value matrix ---------------------------------------- */

size_t dd_report_topic_count(const dd_report_t *r);
const char *dd_report_topic_key(const dd_report_t *r, size_t t);
/* Row of the topic with this key, or -1. */
int dd_report_find_topic(const dd_report_t *r, const char *key);
/* Notes that carry topic t (*n is its row total). */
const char *const *dd_report_topic_ids(const dd_report_t *r, size_t t, size_t *n);

size_t dd_report_value_count(const dd_report_t *r);
const char *dd_report_value(const dd_report_t *r, size_t v);
/* Column of this value (exact bytes), or -1. */
int dd_report_find_value(const dd_report_t *r, const char *value);
/* Notes with value v (*n is its column total, untagged notes included). */
const char *const *dd_report_value_ids(const dd_report_t *r, size_t v, size_t *n);

/* Notes that carry topic t and have value v (*n is the cell's count). */
const char *const *dd_report_cell_ids(const dd_report_t *r, size_t t, size_t v, size_t *n);
size_t dd_report_cell(const dd_report_t *r, size_t t, size_t v);
/* The largest cell count (0 for an empty report), to scale a heat map. */
size_t dd_report_max_cell(const dd_report_t *r);

/* ---- recurrence ------------------------------------------------------ */

/* Distinct non-empty counties / months among the notes of topic t, sorted
 * (bytewise); *n is how many. */
const char *const *dd_report_topic_counties(const dd_report_t *r, size_t t, size_t *n);
const char *const *dd_report_topic_months(const dd_report_t *r, size_t t, size_t *n);
/* The topic (row index) ranked rank-th (0 = first) by how widely it
 * recurs: most counties, then most months, then most notes, then row
 * order.  Every topic is ranked, those with no notes last. */
size_t dd_report_recurrence_topic(const dd_report_t *r, size_t rank);

/* ---- co-occurrence --------------------------------------------------- */

/* Number of pairs of topics that share at least one note. */
size_t dd_report_pair_count(const dd_report_t *r);
/* The rank-th pair (0 = the most notes; ties by row order of the first,
 * then the second topic): its topics as row indexes, *topic_a < *topic_b. */
void dd_report_pair(const dd_report_t *r, size_t rank, size_t *topic_a, size_t *topic_b);
/* Notes that carry both topics of the rank-th pair. */
const char *const *dd_report_pair_ids(const dd_report_t *r, size_t rank, size_t *n);
/* How many times more often the pair occurs than if its two topics were
 * independent: count * notes / (notes of a * notes of b). */
double dd_report_pair_lift(const dd_report_t *r, size_t rank);
/* Rank of the pair of rows a and b (either order), or -1 if they share no
 * note. */
int dd_report_find_pair(const dd_report_t *r, size_t topic_a, size_t topic_b);

#endif
