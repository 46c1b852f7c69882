/* test_eval_metrics.c - hand-computed cases for the quality bench's metrics
 * (bench/eval_metrics.c).  Each expected value is worked out in the
 * comment next to it, so a failing case can be checked with a pencil. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "eval_metrics.h"

#define EPSILON 1e-9

static void test_dcg_sums_discounted_gains(void **state)
{
	(void)state;
	/* 3/log2(2) + 1/log2(3) + 0 = 3 + 0.6309297535714574 */
	const int ranked[] = { 2, 1, 0 };
	assert_float_equal(dd_eval_dcg_at(ranked, 3, 10), 3.6309297535714574, EPSILON);
	/* only the first rank counts at k = 1 */
	assert_float_equal(dd_eval_dcg_at(ranked, 3, 1), 3.0, EPSILON);
	assert_float_equal(dd_eval_dcg_at(ranked, 0, 10), 0.0, EPSILON);
}

static void test_ndcg_of_ideal_ranking_is_one(void **state)
{
	(void)state;
	const int ranked[] = { 2, 2, 1, 0 };
	const int labels[] = { 0, 1, 2, 0, 2, 0 }; /* any order */
	assert_float_equal(dd_eval_ndcg_at(ranked, 4, labels, 6, 10), 1.0, EPSILON);
}

static void test_ndcg_of_mixed_ranking(void **state)
{
	(void)state;
	/* DCG = 3 + 0 + 1/log2(4) + 0 + 3/log2(6) = 3 + 0.5 + 1.1605584217 = 4.6605584217
	 * ideal {2,2,1,1}: 3 + 3/log2(3) + 1/log2(4) + 1/log2(5)
	 *                = 3 + 1.8927892607 + 0.5 + 0.4306765581 = 5.8234658188
	 * nDCG = 0.8003066502 */
	const int ranked[] = { 2, 0, 1, 0, 2 };
	const int labels[] = { 2, 2, 1, 1, 0, 0, 0 };
	assert_float_equal(dd_eval_ndcg_at(ranked, 5, labels, 7, 10), 0.8003066501511268, EPSILON);
}

static void test_ndcg_cuts_at_k(void **state)
{
	(void)state;
	const int ranked[] = { 1, 2 };
	const int labels[] = { 2, 1, 0, 0 };
	/* k = 1: 1 / 3 */
	assert_float_equal(dd_eval_ndcg_at(ranked, 2, labels, 4, 1), 1.0 / 3.0, EPSILON);
	/* k = 2: (1 + 3/log2 3) / (3 + 1/log2 3) = 2.8927892607 / 3.6309297536 */
	assert_float_equal(dd_eval_ndcg_at(ranked, 2, labels, 4, 2), 0.7967075809905066, EPSILON);
	/* a relevant note at rank 11 adds nothing to nDCG@10 */
	const int late[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	assert_float_equal(dd_eval_ndcg_at(late, 11, labels, 4, 10), 0.0, EPSILON);
}

static void test_ndcg_without_relevant_notes_is_zero(void **state)
{
	(void)state;
	const int ranked[] = { 0, 0 };
	const int labels[] = { 0, 0, 0 };
	assert_float_equal(dd_eval_ndcg_at(ranked, 2, labels, 3, 10), 0.0, EPSILON);
	assert_float_equal(dd_eval_ndcg_at(ranked, 2, labels, 0, 10), 0.0, EPSILON);
}

static void test_precision_counts_short_lists_against_k(void **state)
{
	(void)state;
	/* 2 relevant among 5 returned: 2 / 10, not 2 / 5 */
	const int ranked[] = { 1, 0, 2, 0, 0 };
	assert_float_equal(dd_eval_precision_at(ranked, 5, 10), 0.2, EPSILON);
	assert_float_equal(dd_eval_precision_at(ranked, 5, 3), 2.0 / 3.0, EPSILON);
	assert_float_equal(dd_eval_precision_at(ranked, 0, 10), 0.0, EPSILON);
	assert_float_equal(dd_eval_precision_at(ranked, 5, 0), 0.0, EPSILON);
	/* grade 1 and grade 2 both count */
	const int full[] = { 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 0 };
	assert_float_equal(dd_eval_precision_at(full, 11, 10), 1.0, EPSILON);
}

static void test_average_precision(void **state)
{
	(void)state;
	/* relevant at ranks 1 and 3, 3 relevant in all: (1/1 + 2/3) / 3 = 5/9 */
	const int ranked[] = { 1, 0, 2, 0 };
	assert_float_equal(dd_eval_average_precision(ranked, 4, 3), 5.0 / 9.0, EPSILON);
	/* every relevant note first: 1 */
	const int perfect[] = { 2, 1, 0 };
	assert_float_equal(dd_eval_average_precision(perfect, 3, 2), 1.0, EPSILON);
	/* relevant at ranks 2 and 4 of 2: (1/2 + 2/4) / 2 = 0.5 */
	const int late[] = { 0, 1, 0, 1 };
	assert_float_equal(dd_eval_average_precision(late, 4, 2), 0.5, EPSILON);
	assert_float_equal(dd_eval_average_precision(ranked, 4, 0), 0.0, EPSILON);
	assert_float_equal(dd_eval_average_precision(ranked, 0, 3), 0.0, EPSILON);
}

static void test_recall_at_k(void **state)
{
	(void)state;
	const int ranked[] = { 1, 0, 2 };
	/* 1 of 4 relevant in the top 2, 2 of 4 in the top 100 */
	assert_float_equal(dd_eval_recall_at(ranked, 3, 2, 4), 0.25, EPSILON);
	assert_float_equal(dd_eval_recall_at(ranked, 3, 100, 4), 0.5, EPSILON);
	assert_float_equal(dd_eval_recall_at(ranked, 3, 100, 0), 0.0, EPSILON);
}

static void test_compare_sets_partial_overlap(void **state)
{
	(void)state;
	const char *returned[] = { "N0001", "N0002", "N0003" };
	const char *expected[] = { "N0002", "N0001", "N0004" };
	dd_eval_set_score_t score = dd_eval_compare_sets(returned, 3, expected, 3);
	assert_float_equal(score.recall, 2.0 / 3.0, EPSILON);
	assert_float_equal(score.precision, 2.0 / 3.0, EPSILON);
	assert_int_equal(score.exact, 0);
}

static void test_compare_sets_exact_with_duplicates(void **state)
{
	(void)state;
	const char *returned[] = { "N0007", "N0007", "N0003" };
	const char *expected[] = { "N0003", "N0007" };
	dd_eval_set_score_t score = dd_eval_compare_sets(returned, 3, expected, 2);
	assert_float_equal(score.recall, 1.0, EPSILON);
	assert_float_equal(score.precision, 1.0, EPSILON);
	assert_int_equal(score.exact, 1);
}

static void test_compare_sets_superset_and_subset(void **state)
{
	(void)state;
	const char *many[] = { "N0001", "N0002", "N0003", "N0004" };
	const char *one[] = { "N0002" };
	/* returned too much: recall 1, precision 1/4 */
	dd_eval_set_score_t score = dd_eval_compare_sets(many, 4, one, 1);
	assert_float_equal(score.recall, 1.0, EPSILON);
	assert_float_equal(score.precision, 0.25, EPSILON);
	assert_int_equal(score.exact, 0);
	/* returned too little: recall 1/4, precision 1 */
	score = dd_eval_compare_sets(one, 1, many, 4);
	assert_float_equal(score.recall, 0.25, EPSILON);
	assert_float_equal(score.precision, 1.0, EPSILON);
	assert_int_equal(score.exact, 0);
}

static void test_compare_sets_empty(void **state)
{
	(void)state;
	const char *expected[] = { "N0001" };
	/* nothing returned for something expected: a miss on both counts */
	dd_eval_set_score_t score = dd_eval_compare_sets(NULL, 0, expected, 1);
	assert_float_equal(score.recall, 0.0, EPSILON);
	assert_float_equal(score.precision, 0.0, EPSILON);
	assert_int_equal(score.exact, 0);
	/* nothing returned, nothing expected: exact */
	score = dd_eval_compare_sets(NULL, 0, NULL, 0);
	assert_float_equal(score.recall, 1.0, EPSILON);
	assert_float_equal(score.precision, 1.0, EPSILON);
	assert_int_equal(score.exact, 1);
}

static void test_rank_of_target(void **state)
{
	(void)state;
	const char *hits[] = { "N0005", "N0009", "N0002", "N0009" };
	assert_int_equal(dd_eval_rank_of(hits, 4, "N0005"), 1);
	/* the first occurrence counts */
	assert_int_equal(dd_eval_rank_of(hits, 4, "N0009"), 2);
	assert_int_equal(dd_eval_rank_of(hits, 4, "N0002"), 3);
	/* absent, or a prefix of a returned id: not found */
	assert_int_equal(dd_eval_rank_of(hits, 4, "N0001"), 0);
	assert_int_equal(dd_eval_rank_of(hits, 4, "N000"), 0);
	assert_int_equal(dd_eval_rank_of(NULL, 0, "N0005"), 0);
}

static void test_reciprocal_rank(void **state)
{
	(void)state;
	assert_float_equal(dd_eval_reciprocal_rank(1, 100), 1.0, EPSILON);
	assert_float_equal(dd_eval_reciprocal_rank(4, 100), 0.25, EPSILON);
	assert_float_equal(dd_eval_reciprocal_rank(100, 100), 0.01, EPSILON);
	/* not returned, or past the cut-off: 0 */
	assert_float_equal(dd_eval_reciprocal_rank(0, 100), 0.0, EPSILON);
	assert_float_equal(dd_eval_reciprocal_rank(101, 100), 0.0, EPSILON);
	/* MRR of ranks 1, 2, missing: (1 + 0.5 + 0) / 3 = 0.5 */
	double sum =
	    dd_eval_reciprocal_rank(1, 100) + dd_eval_reciprocal_rank(2, 100) + dd_eval_reciprocal_rank(0, 100);
	assert_float_equal(sum / 3.0, 0.5, EPSILON);
}

static void test_found_at_k(void **state)
{
	(void)state;
	assert_int_equal(dd_eval_found_at(1, 10), 1);
	assert_int_equal(dd_eval_found_at(10, 10), 1);
	assert_int_equal(dd_eval_found_at(11, 10), 0);
	assert_int_equal(dd_eval_found_at(0, 10), 0);
	assert_int_equal(dd_eval_found_at(1, 0), 0);
}

static void test_quantile_nearest_rank(void **state)
{
	(void)state;
	const double four[] = { 4.0, 1.0, 3.0, 2.0 };
	assert_float_equal(dd_eval_quantile(four, 4, 0.5), 2.0, EPSILON);
	assert_float_equal(dd_eval_quantile(four, 4, 0.95), 4.0, EPSILON);
	assert_float_equal(dd_eval_quantile(four, 4, 0.0), 1.0, EPSILON);
	/* the input is left unsorted */
	assert_float_equal(four[0], 4.0, EPSILON);
	double twenty[20];
	for (int i = 0; i < 20; i++)
		twenty[i] = 20.0 - i; /* 20, 19, ..., 1 */
	/* 0.95 * 20 = 19: the 19th smallest value */
	assert_float_equal(dd_eval_quantile(twenty, 20, 0.95), 19.0, EPSILON);
	assert_float_equal(dd_eval_quantile(twenty, 20, 0.5), 10.0, EPSILON);
	const double one[] = { 7.5 };
	assert_float_equal(dd_eval_quantile(one, 1, 0.95), 7.5, EPSILON);
	assert_float_equal(dd_eval_quantile(NULL, 0, 0.5), 0.0, EPSILON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcg_sums_discounted_gains),
		cmocka_unit_test(test_ndcg_of_ideal_ranking_is_one),
		cmocka_unit_test(test_ndcg_of_mixed_ranking),
		cmocka_unit_test(test_ndcg_cuts_at_k),
		cmocka_unit_test(test_ndcg_without_relevant_notes_is_zero),
		cmocka_unit_test(test_precision_counts_short_lists_against_k),
		cmocka_unit_test(test_average_precision),
		cmocka_unit_test(test_recall_at_k),
		cmocka_unit_test(test_compare_sets_partial_overlap),
		cmocka_unit_test(test_compare_sets_exact_with_duplicates),
		cmocka_unit_test(test_compare_sets_superset_and_subset),
		cmocka_unit_test(test_compare_sets_empty),
		cmocka_unit_test(test_rank_of_target),
		cmocka_unit_test(test_reciprocal_rank),
		cmocka_unit_test(test_found_at_k),
		cmocka_unit_test(test_quantile_nearest_rank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
