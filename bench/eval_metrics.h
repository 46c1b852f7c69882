/* eval_metrics.h - ranking and set-retrieval metrics for the quality bench.
 *
 * Pure functions over arrays, no I/O, so they can be unit-tested by hand
 * (tests/test_eval_metrics.c).  The definitions follow bench/dev/SCORING.md:
 *
 *   - a ranked result list is given as the relevance grade of each returned
 *     note, in rank order (grade 2 = primary topic, 1 = secondary, 0 = not
 *     relevant or not labelled);
 *   - "relevant" means grade >= 1;
 *   - nDCG@k uses gain 2^grade - 1 and discount log2(rank + 1) (rank from 1),
 *     with the ideal ordering built from the grades of every labelled note.
 *
 * Degenerate cases are defined, never NaN: when nothing is relevant (or the
 * ideal DCG is 0) nDCG, MAP and recall are 0.
 */
#ifndef DD_EVAL_METRICS_H
#define DD_EVAL_METRICS_H

#include <stddef.h>

/* Discounted cumulative gain of the first k entries of ranked_grades
 * (fewer if n_ranked < k). */
double dd_eval_dcg_at(const int *ranked_grades, size_t n_ranked, size_t k);

/* nDCG@k: DCG@k of the ranking divided by the DCG@k of the best possible
 * ordering of all_grades (the grades of every labelled note for this query,
 * in any order; the array is not modified).  0 when the ideal DCG is 0. */
double dd_eval_ndcg_at(const int *ranked_grades, size_t n_ranked, const int *all_grades, size_t n_all, size_t k);

/* Share of the first k ranks holding a relevant note.  Ranks past the end
 * of a short result list count as not relevant (the divisor is always k);
 * 0 when k is 0. */
double dd_eval_precision_at(const int *ranked_grades, size_t n_ranked, size_t k);

/* Average precision: the sum of precision@r over the ranks r of relevant
 * returned notes, divided by n_relevant_total (all relevant notes, returned
 * or not).  0 when n_relevant_total is 0. */
double dd_eval_average_precision(const int *ranked_grades, size_t n_ranked, size_t n_relevant_total);

/* Share of all n_relevant_total relevant notes found in the first k ranks;
 * 0 when n_relevant_total is 0. */
double dd_eval_recall_at(const int *ranked_grades, size_t n_ranked, size_t k, size_t n_relevant_total);

/* How a returned set of notes compares with the expected set (literal
 * search).  Both are arrays of ids; duplicates in `returned` are counted
 * once.  Conventions:
 *   recall    = |returned ∩ expected| / |expected|   (1 if expected empty)
 *   precision = |returned ∩ expected| / |returned|   (1 if returned empty
 *               and expected empty, 0 if returned empty but expected not)
 *   exact     = 1 if the two sets are equal, else 0. */
typedef struct dd_eval_set_score {
	double recall;
	double precision;
	int exact;
} dd_eval_set_score_t;

dd_eval_set_score_t dd_eval_compare_sets(const char *const *returned, size_t n_returned, const char *const *expected,
                                         size_t n_expected);

/* Known-item search: the note the user is looking for, in a ranked list
 * of ids.  The 1-based rank of the first occurrence of target in ids[0..n),
 * or 0 when it is not there. */
size_t dd_eval_rank_of(const char *const *ids, size_t n, const char *target);

/* Reciprocal rank: 1 / rank for a rank in 1..limit, 0 for rank 0 (not
 * returned) or a rank past limit (SCORING.md: the top 100 count).  Its mean
 * over queries is the MRR. */
double dd_eval_reciprocal_rank(size_t rank, size_t limit);

/* found@k: 1 when the rank is in 1..k, else 0 (its mean is the share of
 * queries whose target is in the top k). */
int dd_eval_found_at(size_t rank, size_t k);

/* The value at quantile q (0..1) of values[0..n), by the nearest-rank
 * method on a sorted copy (values is not modified): the median of
 * {1,2,3,4} is 2, its p95 is 4.  0 when n is 0. */
double dd_eval_quantile(const double *values, size_t n, double q);

#endif
