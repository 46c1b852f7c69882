/* search.c - `dundian-search [options] QUERY...`: ranked notes with the
 * best passage of each, as text or as one JSON object (the contract other
 * tools read: see README.md).  The search itself is dd_search (searching.h);
 * this file reads the options and prints. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "schema.h"
#include "text.h"

static void usage(FILE *f)
{
	char facet_names[256];
	dd_schema_field_names(DD_FIELD_FACET, facet_names, sizeof facet_names);
	fprintf(f,
	        "usage: dundian-search [--db DIR] [--limit N] [--offset N] [--sort relevance|date] [--json]\n"
	        "                      [--like ID] [--facets FIELD,...] [--no-snippets] [--marks O,C[,RO,RC]]\n"
	        "                      [--explain] [--version] QUERY...\n"
	        "       dundian-search --batch FILE|- [options]   one query per line, one JSON line each\n"
	        "       dundian-search excerpt|show|report|serve ...   (see README.md; `help excerpt` and so on)\n"
	        "query: words, \"exact strings\", AND OR NOT -word ( ), county: author: post: city: township:\n"
	        "       village: topic: id: date:2007-04 date:2007-03-01..2007-03-31\n"
	        "  --db DIR          the index (default $DUNDIAN_DB, else ./index), or a stub file listing\n"
	        "                    its shards ('auto PATH', 'remote HOST:PORT' lines; README.md)\n"
	        "  --limit N         hits to show (default 10, at most 100000)\n"
	        "  --offset N        skip the first N hits\n"
	        "  --sort S          relevance (default) or date (oldest first; also when the query has no words)\n"
	        "  --like ID         notes most like note ID (the query, if any, restricts them)\n"
	        "  --facets F,...    counts over all matches of: %s\n"
	        "  --no-snippets     no passages\n"
	        "  --marks O,C[,RO,RC]\n"
	        "                    how matches are marked in text output: O,C a word typed or an exact\n"
	        "                    string, RO,RC a thesaurus relative the query brought in (default\n"
	        "                    ⟦typed⟧ ⟨relative⟩; bold red and cyan on a terminal); O,C alone marks\n"
	        "                    both alike\n"
	        "  --json            one JSON object; each snippet's matches as \"highlights\" offsets\n"
	        "  --explain         print the query as parsed (the plan) and the final Xapian query on "
	        "stderr\n"
	        "  --batch FILE      answer each line of FILE (- standard input) as a query, in one process:\n"
	        "                    one --json object per line, unformatted; a line that cannot be answered\n"
	        "                    gets {\"line\", \"query\", \"error\"}; exit 0 every line answered, 2 some\n"
	        "                    line refused or FILE unreadable, 3 the index failed\n" DD_EXIT_HELP,
	        facet_names);
}

size_t dd_split_facets(char *copy, const char **names, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *f = strtok_r(copy, ", ", &save); f; f = strtok_r(NULL, ", ", &save)) {
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen |= strcmp(names[i], f) == 0;
		if (!seen && n < max)
			names[n++] = f;
		else if (!seen)
			names[max - 1] = f; /* too many: let dd_search name one it does not know */
	}
	return n;
}

static void print_hit(const dd_search_hit_t *hit, int colour, int snippets, const dd_marks_t *marks)
{
	const dd_stored_note_t *n = &hit->note;
	printf("%s%zu. ", colour ? "\033[1m" : "", hit->rank);
	dd_print_text(stdout, n->title, strlen(n->title));
	printf("%s  [", colour ? "\033[0m" : "");
	dd_print_text(stdout, n->id, strlen(n->id));
	printf("]\n");
	/* author and post · place · date · tags, skipping what is empty; the
	 * line is built first so that it is made safe once */
	char *line = NULL;
	size_t size = 0;
	FILE *l = open_memstream(&line, &size);
	if (!l)
		return;
	int parts = 0;
	if (n->author[0] || n->post[0])
		parts += fprintf(l, "%s%s%s", n->author, n->author[0] && n->post[0] ? " " : "", n->post) > 0;
	if (n->city[0] || n->county[0] || n->township[0] || n->village[0])
		fprintf(l, "%s%s%s%s%s", parts++ ? " · " : "", n->city, n->county, n->township, n->village);
	if (n->date[0])
		fprintf(l, "%s%s", parts++ ? " · " : "", n->date);
	for (size_t t = 0; t < n->n_tags; t++)
		fprintf(l, "%s%s%s",
		        t         ? "、"
		        : parts++ ? " · "
		                  : "",
		        n->tags[t].name, n->tags[t].manual ? "（人工）" : "");
	fclose(l);
	if (size) { /* a note without metadata or tags gets no empty line */
		printf("   ");
		dd_print_text(stdout, line, size);
		printf("\n");
	}
	free(line);
	if (!snippets)
		return;
	/* the highlights are code point offsets: walk to their bytes */
	const char *s = hit->snippet ? hit->snippet : "";
	dd_span_t *spans = calloc(hit->n_highlights + 1, sizeof *spans);
	dd_match_kind_t *kinds = calloc(hit->n_highlights + 1, sizeof *kinds);
	size_t byte = 0, chars = 0, n_spans = 0;
	for (size_t i = 0; spans && kinds && i < hit->n_highlights; i++) {
		kinds[n_spans] = hit->highlights[i].kind;
		while (chars < hit->highlights[i].start && s[byte])
			dd_utf8_next(s, &byte), chars++;
		spans[n_spans].start = byte;
		while (chars < hit->highlights[i].end && s[byte])
			dd_utf8_next(s, &byte), chars++;
		spans[n_spans++].end = byte;
	}
	printf("   ");
	dd_print_marked(stdout, s, 0, strlen(s), spans, kinds, n_spans, marks);
	printf("\n\n");
	free(spans);
	free(kinds);
}

static void print_facets(const dd_search_result_t *res)
{
	for (size_t f = 0; f < res->n_facets; f++) {
		const dd_facet_t *facet = &res->facets[f];
		printf("%s:", facet->field);
		for (size_t k = 0; k < facet->n_values; k++) {
			printf("%s ", k ? "," : "");
			dd_print_text(stdout, facet->values[k].name, strlen(facet->values[k].name));
			printf(" (%zu)", facet->values[k].count);
		}
		printf("\n");
	}
	if (res->n_facets)
		printf("\n");
}

static void print_summary(const dd_search_result_t *res, size_t offset)
{
	if (res->n_hits == 0 && res->total > 0)
		printf("%zu notes matched (none from rank %zu on)\n", res->total, offset + 1);
	else if (res->n_hits < res->total)
		printf("%zu notes matched; showing %zu-%zu\n", res->total, offset + 1, offset + res->n_hits);
	else
		printf("%zu note%s matched\n", res->total, res->total == 1 ? "" : "s");
}

int dd_cmd_search(int argc, char **argv)
{
	const char *db_path = dd_default_db(), *facets_spec = NULL, *batch_path = NULL;
	dd_search_request_t req = { .limit = 10, .snippets = 1, .check_at_least = DD_SEARCH_ALL, .suggest = 1 };
	int json = 0, marks_given = 0;
	dd_marks_t marks;
	/* no short form that another subcommand gives another meaning
	 * (-o is report's --output, -f excerpt's and report's --format) */
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },     { "limit", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'O' }, { "sort", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },         { "like", required_argument, NULL, 'L' },
		{ "facets", required_argument, NULL, 'f' }, { "explain", no_argument, NULL, 'x' },
		{ "no-snippets", no_argument, NULL, 'S' },  { "marks", required_argument, NULL, 'm' },
		{ "version", no_argument, NULL, 'V' },      { "help", no_argument, NULL, 'h' },
		{ "batch", required_argument, NULL, 'B' },  { NULL, 0, NULL, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "d:n:s:jxh", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'n':
			if (dd_parse_count("dundian-search", "limit", optarg, 0, 100000, &req.limit) != 0)
				return DD_EXIT_USAGE;
			break;
		case 'O':
			if (dd_parse_count("dundian-search", "offset", optarg, 0, DD_SEARCH_MAX_OFFSET, &req.offset) !=
			    0)
				return DD_EXIT_USAGE;
			break;
		case 's':
			if (strcmp(optarg, "date") == 0)
				req.sort = DD_SORT_DATE;
			else if (strcmp(optarg, "relevance") == 0)
				req.sort = DD_SORT_RELEVANCE;
			else {
				fprintf(stderr, "dundian-search: --sort '%s': use relevance or date\n", optarg);
				return DD_EXIT_USAGE;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'L':
			req.like_id = optarg;
			break;
		case 'f':
			facets_spec = optarg;
			break;
		case 'x':
			req.explain = 1;
			break;
		case 'S':
			req.snippets = 0;
			break;
		case 'm':
			if (dd_parse_marks(optarg, &marks) != 0) {
				fprintf(stderr, "dundian-search: --marks '%s': " DD_MARKS_HELP "\n", optarg);
				return DD_EXIT_USAGE;
			}
			marks_given = 1;
			break;
		case 'B':
			batch_path = optarg;
			break;
		case 'V':
			dd_print_version();
			return DD_EXIT_OK;
		case 'h':
			usage(stdout);
			return DD_EXIT_OK;
		default:
			usage(stderr);
			return DD_EXIT_USAGE;
		}
	}
	const char *facet_names[32];
	char *facets_copy = facets_spec ? strdup(facets_spec) : NULL;
	if (facets_copy)
		req.n_facets = dd_split_facets(facets_copy, facet_names, sizeof facet_names / sizeof facet_names[0]);
	req.facets = facet_names;
	if (batch_path) {
		int status = dd_cmd_search_batch(db_path, &req, batch_path, optind < argc);
		free(facets_copy);
		return status;
	}
	char *text = dd_join_args(argc, argv, optind);
	if (!text || (!text[0] && !req.like_id)) {
		free(text);
		free(facets_copy);
		usage(stderr);
		return DD_EXIT_USAGE;
	}
	req.text = text;
	int status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(db_path, &status);
	if (!e) {
		free(text);
		free(facets_copy);
		return status;
	}
	dd_error_t err;
	dd_search_result_t res;
	dd_status_t st = dd_search(e, &req, &res, &err);
	if (st != DD_OK) {
		if (req.like_id && st == DD_ERR_NOT_FOUND)
			fprintf(stderr, "dundian-search: --like %s: %s\n", req.like_id, err.message);
		else
			fprintf(stderr, "dundian-search: %s\n", err.message);
		status = st == DD_ERR_INVALID || st == DD_ERR_NOT_FOUND ? DD_EXIT_USAGE : DD_EXIT_INDEX;
	} else {
		if (res.explain)
			fprintf(stderr, "%s\n", res.explain);
		dd_print_hint("dundian-search", res.suggestion.message);
		if (json) {
			dd_print_json(dd_json_search(&req, &res));
		} else {
			int colour = dd_use_colour();
			if (!marks_given)
				marks = dd_default_marks(colour);
			for (size_t i = 0; i < res.n_hits; i++)
				print_hit(&res.hits[i], colour, req.snippets, &marks);
			print_facets(&res);
			print_summary(&res, req.offset);
		}
		if (res.total == 0)
			status = DD_EXIT_NONE;
	}
	dd_search_result_free(&res);
	dd_engine_close(e);
	free(text);
	free(facets_copy);
	return status;
}
