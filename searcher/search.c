/* search.c - `dundian-search [options] QUERY...`: ranked notes with the
 * best passage of each, as text or as one JSON object (the contract other
 * tools read: see README.md). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "note_index.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dundian-search [--db DIR] [--limit N] [--offset N] [--sort relevance|date] [--json]\n"
		"                      [--like ID] [--facets topic,county,city,month,author] [--no-snippets] [--explain]\n"
		"                      QUERY...\n"
		"       dundian-search excerpt|show|report ...   (see README.md)\n"
		"query: words, \"exact strings\", AND OR NOT -word ( ), county: author: post: city: township:\n"
		"       village: topic: id: date:2007-04 date:2007-03-01..2007-03-31\n");
}

/* Facet fields are the schema's (schema.h). */
#define N_FACET_FIELDS 16

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct facet_value {
	char *value;
	size_t count;
} facet_value_t;

typedef struct facet_list {
	facet_value_t *v;
	size_t n;
} facet_list_t;

static void collect_facet(const char *value, size_t count, void *ctx)
{
	facet_list_t *l = ctx;
	facet_value_t *v = realloc(l->v, sizeof *v * (l->n + 1));
	if (!v)
		return;
	l->v = v;
	v[l->n].value = strdup(value);
	v[l->n].count = count;
	if (v[l->n].value)
		l->n++;
}

static int by_count(const void *a, const void *b)
{
	const facet_value_t *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* Parses "topic,county" into schema fields; returns -1 naming a bad field. */
static int parse_facets(const char *spec, const dd_field_t **which, size_t *n)
{
	char *copy = strdup(spec), *save = NULL;
	*n = 0;
	if (!copy)
		return -1;
	for (char *name = strtok_r(copy, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
		const dd_field_t *f = dd_schema_field(name);
		if (!f || !(f->flags & DD_FIELD_FACET)) {
			char known[256];
			dd_schema_field_names(DD_FIELD_FACET, known, sizeof known);
			fprintf(stderr, "dundian-search: unknown facet '%s' (known: %s)\n", name, known);
			free(copy);
			return -1;
		}
		if (*n < N_FACET_FIELDS)
			which[(*n)++] = f;
	}
	free(copy);
	return 0;
}

static void print_place(const dd_stored_note_t *n)
{
	printf("%s%s%s%s", n->city, n->county, n->township, n->village);
}

int dd_cmd_search(int argc, char **argv)
{
	const char *db_path = dd_default_db(), *like = NULL, *facets_spec = NULL;
	long limit = 10, offset = 0;
	int json = 0, by_date = 0, explain = 0, snippets = 1;
	static const struct option options[] = {
		{"db", required_argument, NULL, 'd'},     {"limit", required_argument, NULL, 'n'},
		{"offset", required_argument, NULL, 'o'}, {"sort", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},          {"like", required_argument, NULL, 'l'},
		{"facets", required_argument, NULL, 'f'}, {"explain", no_argument, NULL, 'x'},
		{"no-snippets", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "d:n:o:s:jl:f:xh", options, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'n':
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 0 || limit > 100000) {
				fprintf(stderr, "dundian-search: --limit '%s' is not a number from 0 to 100000\n", optarg);
				return DD_EXIT_USAGE;
			}
			break;
		case 'o':
			offset = strtol(optarg, &end, 10);
			if (*end || offset < 0) {
				fprintf(stderr, "dundian-search: --offset '%s' is not a number >= 0\n", optarg);
				return DD_EXIT_USAGE;
			}
			break;
		case 's':
			if (strcmp(optarg, "date") == 0)
				by_date = 1;
			else if (strcmp(optarg, "relevance") != 0) {
				fprintf(stderr, "dundian-search: --sort '%s': use relevance or date\n", optarg);
				return DD_EXIT_USAGE;
			}
			break;
		case 'j': json = 1; break;
		case 'l': like = optarg; break;
		case 'f': facets_spec = optarg; break;
		case 'x': explain = 1; break;
		case 'S': snippets = 0; break;
		case 'h': usage(stdout); return DD_EXIT_OK;
		default: usage(stderr); return DD_EXIT_USAGE;
		}
	}
	const dd_field_t *facet_which[N_FACET_FIELDS];
	size_t n_facets = 0;
	if (facets_spec && parse_facets(facets_spec, facet_which, &n_facets) != 0)
		return DD_EXIT_USAGE;
	char *text = dd_join_args(argc, argv, optind);
	if (!text || (!text[0] && !like)) {
		free(text);
		usage(stderr);
		return DD_EXIT_USAGE;
	}
	int status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(db_path, &status);
	if (!e) {
		free(text);
		return status;
	}
	/* elapsed_ms: answering the query (parse, search, snippets), not
	 * opening the index, which a long-running caller does once */
	double started = now_ms();
	dd_error_t err;
	dd_parsed_query_t pq = {0};
	if (text[0] && dd_engine_parse(e, text, &pq, &err) != DD_OK) {
		fprintf(stderr, "dundian-search: %s\n", err.message);
		dd_engine_close(e);
		free(text);
		return DD_EXIT_USAGE;
	}
	if (text[0] && !like && dd_engine_topic_feedback(e, &pq, &err) != DD_OK) {
		fprintf(stderr, "dundian-search: %s\n", err.message);
		dd_parsed_query_free(&pq);
		dd_engine_close(e);
		free(text);
		return DD_EXIT_INDEX;
	}
	dd_query_t *q = pq.query;
	pq.query = NULL;
	if (like) {
		/* More like this: the seed note's best terms, the seed excluded,
		 * restricted by whatever the query text says. */
		char seed[DD_TERM_MAX + 32];
		dd_schema_id_term(like, seed, sizeof seed);
		const char *idterms[1] = {seed};
		const char *prefixes[2] = {"", DD_PREFIX_TOPIC_RANK};
		dd_query_t *lq;
		if (dd_db_like_query(dd_engine_db(e), idterms, 1, 40, prefixes, 2, &lq, &err) != DD_OK) {
			fprintf(stderr, "dundian-search: --like %s: %s\n", like, err.message);
			dd_query_free(q);
			dd_parsed_query_free(&pq);
			dd_engine_close(e);
			free(text);
			return err.status == DD_ERR_NOT_FOUND ? DD_EXIT_USAGE : DD_EXIT_INDEX;
		}
		dd_query_t *parts[2] = {lq, dd_query_term(seed, 1)};
		lq = dd_query_combine(DD_QUERY_AND_NOT, parts, 2);
		if (q) {
			dd_query_t *f[2] = {lq, q};
			lq = dd_query_combine(DD_QUERY_FILTER, f, 2);
		}
		q = lq;
		pq.has_text = 1;
	}
	if (explain) {
		/* what was typed, as the parser understood it, then what runs */
		char *p = pq.plan ? dd_plan_describe(pq.plan) : NULL;
		if (p)
			fputs(p, stderr);
		free(p);
		char *d = dd_query_describe(q);
		fprintf(stderr, "query: %s\n", d ? d : "?");
		free(d);
	}
	dd_search_options_t opts;
	dd_engine_search_options(&opts, (size_t)offset, (size_t)limit);
	opts.check_at_least = dd_db_doc_count(dd_engine_db(e));
	if (by_date || !pq.has_text) {
		opts.sort_by_value = 1;
		opts.sort_slot = DD_SLOT_DATE;
		opts.sort_descending = 0;
	}
	unsigned slots[N_FACET_FIELDS];
	for (size_t i = 0; i < n_facets; i++)
		slots[i] = (unsigned)facet_which[i]->slot;
	opts.facet_slots = slots;
	opts.facet_slot_count = n_facets;
	dd_results_t *res = NULL;
	if (dd_db_search(dd_engine_db(e), q, &opts, &res, &err) != DD_OK) {
		fprintf(stderr, "dundian-search: %s\n", err.message);
		dd_query_free(q);
		dd_parsed_query_free(&pq);
		dd_engine_close(e);
		free(text);
		return DD_EXIT_INDEX;
	}
	int colour = !json && dd_use_colour();
	const char *open = colour ? "\033[1;31m" : "【", *close = colour ? "\033[0m" : "】";
	cJSON *root = NULL, *hits = NULL;
	if (json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "query", text);
		if (like)
			cJSON_AddStringToObject(root, "like", like);
		cJSON_AddNumberToObject(root, "total", (double)dd_results_total(res));
		hits = cJSON_AddArrayToObject(root, "hits");
	}
	size_t count = dd_results_count(res);
	for (size_t i = 0; i < count; i++) {
		dd_stored_note_t note;
		if (dd_results_note(res, i, snippets, &note, &err) != DD_OK) {
			fprintf(stderr, "dundian-search: %s\n", err.message);
			status = DD_EXIT_INDEX;
			continue;
		}
		char *snippet = snippets ? dd_engine_snippet(e, &pq, &note, 120, open, close, &err) : NULL;
		size_t rank = (size_t)offset + i + 1;
		if (json) {
			cJSON *h = cJSON_CreateObject();
			cJSON_AddNumberToObject(h, "rank", (double)rank);
			cJSON_AddStringToObject(h, "id", note.id);
			cJSON_AddNumberToObject(h, "score", (double)(long long)(dd_results_score(res, i) * 1000) / 1000.0);
			dd_stored_note_add_fields(h, &note);
			cJSON_AddStringToObject(h, "snippet", snippet ? snippet : "");
			cJSON_AddItemToObject(h, "tags", note.tags ? cJSON_Duplicate(note.tags, 1) : cJSON_CreateArray());
			cJSON_AddItemToArray(hits, h);
		} else {
			printf("%s%zu. %s%s  [%s]\n", colour ? "\033[1m" : "", rank, note.title, colour ? "\033[0m" : "",
			       note.id);
			/* author and post · place · date · tags, skipping what is empty */
			int parts = 0;
			printf("   ");
			if (note.author[0] || note.post[0])
				parts += printf("%s%s%s", note.author, note.author[0] && note.post[0] ? " " : "", note.post) > 0;
			if (note.city[0] || note.county[0] || note.township[0] || note.village[0]) {
				printf("%s", parts++ ? " · " : "");
				print_place(&note);
			}
			if (note.date[0])
				printf("%s%s", parts++ ? " · " : "", note.date);
			if (cJSON_GetArraySize(note.tags) > 0) {
				printf("%s", parts++ ? " · " : "");
				const cJSON *t;
				int first = 1;
				cJSON_ArrayForEach(t, note.tags)
				{
					const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "key");
					const cJSON *manual = cJSON_GetObjectItemCaseSensitive(t, "manual");
					if (cJSON_IsString(k))
						printf("%s%s%s", first ? "" : "、", dd_engine_topic_label(e, k->valuestring),
						       cJSON_IsTrue(manual) ? "（人工）" : "");
					first = 0;
				}
			}
			printf("\n   %s\n\n", snippet ? snippet : "");
		}
		free(snippet);
		dd_stored_note_free(&note);
	}
	/* facets: values by count */
	cJSON *jf = json && n_facets ? cJSON_AddObjectToObject(root, "facets") : NULL;
	for (size_t f = 0; f < n_facets; f++) {
		facet_list_t l = {0};
		dd_results_foreach_facet(res, f, collect_facet, &l);
		qsort(l.v, l.n, sizeof *l.v, by_count);
		const char *name = facet_which[f]->name;
		int is_topic = facet_which[f]->slot == DD_SLOT_TOPICS;
		cJSON *arr = jf ? cJSON_AddArrayToObject(jf, name) : NULL;
		if (!json)
			printf("%s:", name);
		for (size_t k = 0; k < l.n; k++) {
			if (arr) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "value", l.v[k].value);
				if (is_topic)
					cJSON_AddStringToObject(o, "name", dd_engine_topic_label(e, l.v[k].value));
				cJSON_AddNumberToObject(o, "count", (double)l.v[k].count);
				cJSON_AddItemToArray(arr, o);
			} else {
				printf("%s %s (%zu)", k ? "," : "",
				       is_topic ? dd_engine_topic_label(e, l.v[k].value) : l.v[k].value, l.v[k].count);
			}
			free(l.v[k].value);
		}
		if (!json)
			printf("\n");
		free(l.v);
	}
	size_t total = dd_results_total(res);
	if (json) {
		cJSON_AddNumberToObject(root, "elapsed_ms", (double)(long long)((now_ms() - started) * 1000) / 1000.0);
		dd_print_json(root);
	} else {
		if (n_facets)
			printf("\n");
		if (count == 0 && total > 0)
			printf("%zu notes matched (none from rank %ld on)\n", total, offset + 1);
		else if (count < total)
			printf("%zu notes matched; showing %ld-%zu\n", total, offset + 1, (size_t)offset + count);
		else
			printf("%zu note%s matched\n", total, total == 1 ? "" : "s");
	}
	dd_results_free(res);
	dd_query_free(q);
	dd_parsed_query_free(&pq);
	dd_engine_close(e);
	free(text);
	if (status == DD_EXIT_OK && total == 0)
		status = DD_EXIT_NONE;
	return status;
}
