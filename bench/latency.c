/* latency.c - dd-bench-latency: how fast dundian answers and how much
 * memory it takes, in process, on an index of the bundled corpus.
 *
 *   dd-bench-latency [--db DIR] [--queries FILE] [--rounds N]
 *
 * Builds nothing itself: index first (`dundian-index --db DIR`).  For each
 * query of the queries file (default bench/dev/queries.tsv plus
 * bench/paraphrase-queries.tsv) and a set of literal strings, it times
 * over N rounds the whole query as dundian-search answers it (dd_search:
 * the top 10 with snippets), and apart its phases: parsing (with topic
 * feedback), the search with metadata, and the snippets (the rest); then prints
 * median and p95 per phase, the index size on disk and the peak resident
 * memory of this process.  Figures only: nothing is asserted.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine.h"
#include "searching.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, by_value);
	size_t k = (size_t)(p * (double)(n - 1) + 0.5);
	return v[k];
}

/* Queries: the 4th column of each non-comment line of a queries.tsv. */
static size_t read_queries(const char *path, char ***out, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "dd-bench-latency: %s: cannot open\n", path);
		return n;
	}
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		char *q = line;
		for (int tab = 0; tab < 3 && q; tab++)
			q = (q = strchr(q, '\t')) ? q + 1 : NULL;
		if (!q || !*q)
			continue;
		char **grown = realloc(*out, sizeof **out * (n + 1));
		if (!grown)
			break;
		*out = grown;
		(*out)[n++] = strdup(q);
	}
	fclose(f);
	return n;
}

static long long dir_size(const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "du -sk '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	long long kb = -1;
	if (p) {
		if (fscanf(p, "%lld", &kb) != 1)
			kb = -1;
		pclose(p);
	}
	return kb;
}

/* Milliseconds dd_search takes for req; exits on failure. */
static double time_search(dd_engine_t *e, const dd_search_request_t *req)
{
	dd_error_t err;
	dd_search_result_t res;
	double a = now_ms();
	if (dd_search(e, req, &res, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-latency: %s\n", err.message);
		exit(1);
	}
	double ms = now_ms() - a;
	dd_search_result_free(&res);
	return ms;
}

int main(int argc, char **argv)
{
	const char *db_path = "index", *queries_path = NULL;
	int rounds = 20;
	static const struct option options[] = { { "db", required_argument, NULL, 'd' },
		                                 { "queries", required_argument, NULL, 'q' },
		                                 { "rounds", required_argument, NULL, 'r' },
		                                 { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "d:q:r:", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'q':
			queries_path = optarg;
			break;
		case 'r':
			rounds = atoi(optarg) > 0 ? atoi(optarg) : 1;
			break;
		default:
			fprintf(stderr, "usage: dd-bench-latency [--db DIR] [--queries FILE] [--rounds N]\n");
			return 2;
		}
	}
	char **queries = NULL;
	size_t n = 0;
	if (queries_path) {
		n = read_queries(queries_path, &queries, n);
	} else {
		n = read_queries(DD_SOURCE_DIR "/bench/dev/queries.tsv", &queries, n);
		n = read_queries(DD_SOURCE_DIR "/bench/paraphrase-queries.tsv", &queries, n);
	}
	static const char *const literals[] = { "\"镇里\"",   "\"报账\"", "\"吃水\"",       "\"合作医疗\"",
		                                "\"老百姓\"", "\"水\"",   "\"一千多块钱\"", "\"村委会\"" };
	size_t n_words = n;
	for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++) {
		char **grown = realloc(queries, sizeof *queries * (n + 1));
		if (!grown)
			return 1;
		queries = grown;
		queries[n++] = strdup(literals[i]);
	}

	double t0 = now_ms();
	dd_engine_t *e;
	dd_error_t err;
	if (dd_engine_open(db_path, &e, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-latency: %s\n", err.message);
		return 1;
	}
	double open_ms = now_ms() - t0;

	size_t total = n * (size_t)rounds;
	double *parse = calloc(total, sizeof *parse), *search = calloc(total, sizeof *search);
	double *snippet = calloc(total, sizeof *snippet), *whole = calloc(total, sizeof *whole);
	double *whole_words = calloc(total, sizeof *whole_words), *whole_literal = calloc(total, sizeof *whole_literal);
	size_t k = 0, kw = 0, kl = 0;
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++, k++) {
			/* the whole query as dundian-search answers it (dd_search),
			 * then, to split it into phases, the same without snippets
			 * and the parse with topic feedback alone */
			dd_search_request_t req = {
				.text = queries[i], .limit = 10, .snippets = 1, .check_at_least = DD_SEARCH_ALL
			};
			double whole_ms = time_search(e, &req), plain_ms, a = now_ms();
			dd_parsed_query_t pq;
			if (dd_engine_parse(e, queries[i], &pq, &err) != DD_OK ||
			    dd_engine_topic_feedback(e, &pq, &err) != DD_OK) {
				fprintf(stderr, "dd-bench-latency: %s\n", err.message);
				return 1;
			}
			dd_parsed_query_free(&pq);
			double parse_ms = now_ms() - a;
			req.snippets = 0;
			plain_ms = time_search(e, &req);
			parse[k] = parse_ms;
			search[k] = plain_ms > parse_ms ? plain_ms - parse_ms : 0;
			snippet[k] = whole_ms > plain_ms ? whole_ms - plain_ms : 0;
			whole[k] = whole_ms;
			if (i < n_words)
				whole_words[kw++] = whole_ms;
			else
				whole_literal[kl++] = whole_ms;
		}
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("dd-bench-latency: %zu queries (%zu word queries, %zu quoted strings) x %d rounds on %s (%zu notes)\n\n",
	       n, n_words, n - n_words, rounds, db_path, dd_db_doc_count(dd_engine_db(e)));
	printf("%-38s %9s %9s\n", "phase (ms)", "median", "p95");
	printf("%-38s %9.3f %9.3f\n", "parse + topic feedback", percentile(parse, total, 0.5),
	       percentile(parse, total, 0.95));
	printf("%-38s %9.3f %9.3f\n", "search, top 10 with metadata", percentile(search, total, 0.5),
	       percentile(search, total, 0.95));
	printf("%-38s %9.3f %9.3f\n", "snippets of the top 10", percentile(snippet, total, 0.5),
	       percentile(snippet, total, 0.95));
	printf("%-38s %9.3f %9.3f\n", "whole query (a page of 10 results)", percentile(whole, total, 0.5),
	       percentile(whole, total, 0.95));
	printf("%-38s %9.3f %9.3f\n", "  word queries", percentile(whole_words, kw, 0.5),
	       percentile(whole_words, kw, 0.95));
	printf("%-38s %9.3f %9.3f\n", "  quoted strings", percentile(whole_literal, kl, 0.5),
	       percentile(whole_literal, kl, 0.95));
	printf("\nopening the index (vocabulary, ICU): %.1f ms\n", open_ms);
	printf("index on disk: %lld KiB\n", dir_size(db_path));
	printf("peak resident memory of this process: %ld KiB\n", ru.ru_maxrss);
	dd_engine_close(e);
	for (size_t i = 0; i < n; i++)
		free(queries[i]);
	free(queries);
	free(parse);
	free(search);
	free(snippet);
	free(whole);
	free(whole_words);
	free(whole_literal);
	return 0;
}
