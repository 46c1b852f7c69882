/* eval_metrics.c - ranking and set-retrieval metrics: see eval_metrics.h. */
#include "eval_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double gain_of_grade(int grade)
{
	return grade > 0 ? pow(2.0, grade) - 1.0 : 0.0;
}

double dd_eval_dcg_at(const int *ranked_grades, size_t n_ranked, size_t k)
{
	double dcg = 0.0;
	size_t n = n_ranked < k ? n_ranked : k;
	for (size_t i = 0; i < n; i++) {
		/* rank = i + 1, discount log2(rank + 1) */
		dcg += gain_of_grade(ranked_grades[i]) / log2((double)i + 2.0);
	}
	return dcg;
}

static int compare_grades_descending(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x < y) - (x > y);
}

double dd_eval_ndcg_at(const int *ranked_grades, size_t n_ranked, const int *all_grades, size_t n_all, size_t k)
{
	if (n_all == 0)
		return 0.0;
	int *ideal = malloc(n_all * sizeof *ideal);
	if (!ideal)
		return 0.0;
	memcpy(ideal, all_grades, n_all * sizeof *ideal);
	qsort(ideal, n_all, sizeof *ideal, compare_grades_descending);
	double ideal_dcg = dd_eval_dcg_at(ideal, n_all, k);
	free(ideal);
	if (ideal_dcg <= 0.0)
		return 0.0;
	return dd_eval_dcg_at(ranked_grades, n_ranked, k) / ideal_dcg;
}

double dd_eval_precision_at(const int *ranked_grades, size_t n_ranked, size_t k)
{
	if (k == 0)
		return 0.0;
	size_t n = n_ranked < k ? n_ranked : k, relevant = 0;
	for (size_t i = 0; i < n; i++)
		if (ranked_grades[i] >= 1)
			relevant++;
	return (double)relevant / (double)k;
}

double dd_eval_average_precision(const int *ranked_grades, size_t n_ranked, size_t n_relevant_total)
{
	if (n_relevant_total == 0)
		return 0.0;
	double sum = 0.0;
	size_t relevant_so_far = 0;
	for (size_t i = 0; i < n_ranked; i++) {
		if (ranked_grades[i] >= 1) {
			relevant_so_far++;
			sum += (double)relevant_so_far / (double)(i + 1);
		}
	}
	return sum / (double)n_relevant_total;
}

double dd_eval_recall_at(const int *ranked_grades, size_t n_ranked, size_t k, size_t n_relevant_total)
{
	if (n_relevant_total == 0)
		return 0.0;
	size_t n = n_ranked < k ? n_ranked : k, relevant = 0;
	for (size_t i = 0; i < n; i++)
		if (ranked_grades[i] >= 1)
			relevant++;
	return (double)relevant / (double)n_relevant_total;
}

static int id_in_list(const char *id, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(id, ids[i]) == 0)
			return 1;
	return 0;
}

dd_eval_set_score_t dd_eval_compare_sets(const char *const *returned, size_t n_returned, const char *const *expected,
                                         size_t n_expected)
{
	size_t distinct_returned = 0, found = 0;
	for (size_t i = 0; i < n_returned; i++) {
		if (id_in_list(returned[i], returned, i))
			continue; /* a duplicate of an earlier hit */
		distinct_returned++;
		if (id_in_list(returned[i], expected, n_expected))
			found++;
	}
	/* expected may hold duplicates too; count it as a set */
	size_t distinct_expected = 0;
	for (size_t i = 0; i < n_expected; i++)
		if (!id_in_list(expected[i], expected, i))
			distinct_expected++;

	dd_eval_set_score_t score;
	score.recall = distinct_expected ? (double)found / (double)distinct_expected : 1.0;
	if (distinct_returned)
		score.precision = (double)found / (double)distinct_returned;
	else
		score.precision = distinct_expected ? 0.0 : 1.0;
	score.exact = found == distinct_expected && found == distinct_returned;
	return score;
}

size_t dd_eval_rank_of(const char *const *ids, size_t n, const char *target)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], target) == 0)
			return i + 1;
	return 0;
}

double dd_eval_reciprocal_rank(size_t rank, size_t limit)
{
	if (rank == 0 || rank > limit)
		return 0.0;
	return 1.0 / (double)rank;
}

int dd_eval_found_at(size_t rank, size_t k)
{
	return rank >= 1 && rank <= k;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double dd_eval_quantile(const double *values, size_t n, double q)
{
	if (n == 0)
		return 0.0;
	double *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		return 0.0;
	memcpy(sorted, values, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, compare_doubles);
	/* nearest rank: the smallest value with at least q*n values at or below it */
	double rank = ceil(q * (double)n - 1e-9); /* 0.95 * 20 must give 19, not 20 */
	size_t index = rank < 1.0 ? 0 : (size_t)rank - 1;
	if (index >= n)
		index = n - 1;
	double value = sorted[index];
	free(sorted);
	return value;
}
