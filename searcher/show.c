/* show.c - `dundian-search show ID`: one note (or one paragraph of it) as
 * stored in the index, with its metadata, its tags by their Chinese names
 * and numbered paragraphs; --highlight QUERY marks what the query matches.
 *
 * JSON (--json) is one object:
 *   {"id", "title", "author", "post", "city", "county", "township",
 *    "village", "date", "path", "body",
 *    "tags": [{"key", "name", "score", "manual"}],
 *    "paragraph_count": N,
 *    "paragraphs": [{"number", "start", "end", "text",
 *                    "highlights": [[start, end], …]}]}
 * body is always the whole stored body; paragraphs holds every paragraph,
 * or only the one --para asked for.  Offsets are character (code point)
 * offsets into body, start inclusive, end exclusive, the same as
 * `excerpt --format json` prints; highlights appear with --highlight.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "note.h"
#include "text.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dundian-search show ID [--db DIR] [--para N] [--highlight QUERY] [--json]\n"
	           "  prints note ID with its metadata, tags and numbered paragraphs (from 1)\n"
	           "  --para N          only paragraph N\n"
	           "  --highlight QUERY mark what QUERY matches (【】, or colour on a terminal)\n"
	           "  --json            one JSON object, offsets in characters of the body\n"
	           "exit: 0 shown, 1 no note with that id, 2 bad usage, --para out of range or bad query,\n"
	           "      3 the index could not be read\n");
}

typedef struct paragraph {
	size_t number, start, end; /* byte offsets in the body */
} paragraph_t;

typedef struct paragraph_list {
	paragraph_t *v;
	size_t n, cap;
	int failed;
} paragraph_list_t;

static int collect_paragraph(size_t number, size_t start, size_t end, void *ctx)
{
	paragraph_list_t *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		paragraph_t *v = realloc(l->v, sizeof *v * cap);
		if (!v) {
			l->failed = 1;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (paragraph_t){number, start, end};
	return 0;
}

/* Character offsets of byte offsets into the body, counted on from the
 * last one asked: the paragraphs and their spans are asked in order, so a
 * whole note costs one pass instead of one per paragraph and per span. */
typedef struct char_counter {
	const char *text;
	size_t byte, chars;
} char_counter_t;

static size_t chars_before(char_counter_t *c, size_t byte)
{
	if (byte < c->byte)
		c->byte = c->chars = 0;
	c->chars += dd_utf8_length(c->text + c->byte, byte - c->byte);
	c->byte = byte;
	return c->chars;
}

/* The spans lying wholly inside paragraph p, found from *next on (spans
 * are sorted and disjoint, paragraphs asked in order): first index and
 * count; *next moves past them. */
static size_t spans_of_paragraph(const dd_span_t *spans, size_t n_spans, const paragraph_t *p, size_t *next,
                                 size_t *first)
{
	size_t i = *next;
	while (i < n_spans && spans[i].start < p->start)
		i++;
	*first = i;
	while (i < n_spans && spans[i].end <= p->end)
		i++;
	*next = i;
	return i - *first;
}

/* Can id be a note id (note.h: 1-64 bytes of UTF-8, no blanks, control
 * characters or '/')?  Anything else is refused before it is echoed, so a
 * message never spans lines or sends escapes to the terminal. */
static int plausible_id(const char *id)
{
	size_t len = strlen(id);
	if (len == 0 || len > 64 || !dd_utf8_valid(id, len, NULL))
		return 0;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p <= ' ' || *p == 0x7F || *p == '/')
			return 0;
	return 1;
}

static void print_tags(dd_engine_t *e, const dd_stored_note_t *note)
{
	if (cJSON_GetArraySize(note->tags) <= 0)
		return;
	printf("tags:    ");
	const cJSON *t;
	int first = 1;
	cJSON_ArrayForEach(t, note->tags)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "key");
		const cJSON *manual = cJSON_GetObjectItemCaseSensitive(t, "manual");
		if (!cJSON_IsString(key))
			continue;
		printf("%s%s (%s%s)", first ? "" : "、", dd_engine_topic_label(e, key->valuestring), key->valuestring,
		       cJSON_IsTrue(manual) ? ", by hand" : "");
		first = 0;
	}
	printf("\n");
}

static void print_note(dd_engine_t *e, const dd_stored_note_t *note, const paragraph_list_t *paragraphs, size_t from,
                       size_t to, const dd_span_t *spans, size_t n_spans, int highlighting)
{
	int colour = dd_use_colour();
	const char *open = colour ? "\033[1;31m" : "【", *close = colour ? "\033[0m" : "】";
	printf("%s%s%s  [%s]\n", colour ? "\033[1m" : "", note->title, colour ? "\033[0m" : "", note->id);
	if (note->author[0] || note->post[0])
		printf("author:  %s%s%s%s\n", note->author, note->author[0] && note->post[0] ? "（" : "", note->post,
		       note->author[0] && note->post[0] ? "）" : "");
	if (note->city[0] || note->county[0] || note->township[0] || note->village[0])
		printf("place:   %s%s%s%s\n", note->city, note->county, note->township, note->village);
	if (note->date[0])
		printf("date:    %s\n", note->date);
	print_tags(e, note);
	if (note->path && note->path[0])
		printf("file:    %s\n", note->path);
	printf("paragraphs: %zu", paragraphs->n);
	if (highlighting) {
		size_t shown = 0;
		for (size_t i = 0; i < n_spans; i++)
			if (spans[i].start >= paragraphs->v[from].start && spans[i].end <= paragraphs->v[to - 1].end)
				shown++;
		printf("   hits: %zu", shown);
	}
	printf("\n");
	size_t next_span = 0;
	for (size_t k = from; k < to; k++) {
		const paragraph_t *p = &paragraphs->v[k];
		size_t first, count = spans_of_paragraph(spans, n_spans, p, &next_span, &first);
		char *marked = dd_mark_spans(note->body, p->start, p->end, spans + first, count, open, close);
		printf("\n[%zu] %s\n", p->number, marked ? marked : "");
		free(marked);
	}
}

static cJSON *json_note(dd_engine_t *e, const dd_stored_note_t *note, const paragraph_list_t *paragraphs, size_t from,
                        size_t to, const dd_span_t *spans, size_t n_spans, int highlighting)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", note->id);
	dd_stored_note_add_fields(o, note);
	cJSON_AddStringToObject(o, "path", note->path ? note->path : "");
	cJSON *tags = cJSON_AddArrayToObject(o, "tags");
	const cJSON *t;
	cJSON_ArrayForEach(t, note->tags)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "key");
		if (!cJSON_IsString(key))
			continue;
		cJSON *tag = cJSON_CreateObject();
		cJSON_AddStringToObject(tag, "key", key->valuestring);
		cJSON_AddStringToObject(tag, "name", dd_engine_topic_label(e, key->valuestring));
		const cJSON *score = cJSON_GetObjectItemCaseSensitive(t, "score");
		cJSON_AddNumberToObject(tag, "score", cJSON_IsNumber(score) ? score->valuedouble : 0.0);
		cJSON_AddBoolToObject(tag, "manual", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "manual")));
		cJSON_AddItemToArray(tags, tag);
	}
	cJSON_AddStringToObject(o, "body", note->body);
	cJSON_AddNumberToObject(o, "paragraph_count", (double)paragraphs->n);
	cJSON *list = cJSON_AddArrayToObject(o, "paragraphs");
	char_counter_t counter = {note->body, 0, 0};
	size_t next_span = 0;
	for (size_t k = from; k < to; k++) {
		const paragraph_t *p = &paragraphs->v[k];
		cJSON *jp = cJSON_CreateObject();
		cJSON_AddNumberToObject(jp, "number", (double)p->number);
		size_t start = chars_before(&counter, p->start);
		cJSON_AddNumberToObject(jp, "start", (double)start);
		cJSON_AddNumberToObject(jp, "end",
		                        (double)(start + dd_utf8_length(note->body + p->start, p->end - p->start)));
		char *text = strndup(note->body + p->start, p->end - p->start);
		cJSON_AddStringToObject(jp, "text", text ? text : "");
		free(text);
		cJSON *highlights = highlighting ? cJSON_AddArrayToObject(jp, "highlights") : NULL;
		size_t first, count = spans_of_paragraph(spans, n_spans, p, &next_span, &first);
		for (size_t i = first; highlights && i < first + count; i++) {
			size_t start = chars_before(&counter, spans[i].start);
			cJSON_AddItemToArray(highlights, dd_json_pair(start, chars_before(&counter, spans[i].end)));
		}
		cJSON_AddItemToArray(list, jp);
	}
	return o;
}

int dd_cmd_show(int argc, char **argv)
{
	const char *db_path = dd_default_db(), *highlight = NULL;
	long para = 0;
	int json = 0;
	static const struct option options[] = {{"db", required_argument, NULL, 'd'},
	                                        {"para", required_argument, NULL, 'p'},
	                                        {"highlight", required_argument, NULL, 'H'},
	                                        {"json", no_argument, NULL, 'j'},
	                                        {"help", no_argument, NULL, 'h'},
	                                        {NULL, 0, NULL, 0}};
	int c;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:p:H:jh", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'p':
			para = strtol(optarg, &end, 10);
			if (!optarg[0] || *end || para < 1) {
				fprintf(stderr,
				        "dundian-search show: --para '%s' is not a paragraph number (1, 2, ...)\n",
				        optarg);
				return DD_EXIT_USAGE;
			}
			break;
		case 'H':
			highlight = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return DD_EXIT_OK;
		default:
			usage(stderr);
			return DD_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "dundian-search show: %s\n",
		        (argc - optind) > 0 ? "give one note id" : "which note? give its id");
		usage(stderr);
		return DD_EXIT_USAGE;
	}
	const char *id = argv[optind];
	if (!plausible_id(id)) {
		fprintf(stderr, "dundian-search show: the id given is not a note id (1-64 characters, no blanks, "
		                "control characters or '/')\n");
		return DD_EXIT_USAGE;
	}
	int status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(db_path, &status);
	if (!e)
		return status;
	dd_error_t err;
	dd_parsed_query_t pq = {0};
	if (highlight && dd_engine_parse(e, highlight, &pq, &err) != DD_OK) {
		fprintf(stderr, "dundian-search show: --highlight: %s\n", err.message);
		dd_engine_close(e);
		return DD_EXIT_USAGE;
	}
	dd_stored_note_t note;
	dd_status_t st = dd_engine_get_note(e, id, &note, &err);
	if (st != DD_OK) {
		if (st == DD_ERR_NOT_FOUND)
			fprintf(stderr, "dundian-search show: no note with id '%s' (index: %s)\n", id, db_path);
		else
			fprintf(stderr, "dundian-search show: note '%s': %s\n", id, err.message);
		if (highlight)
			dd_parsed_query_free(&pq);
		dd_engine_close(e);
		return st == DD_ERR_NOT_FOUND ? DD_EXIT_NONE : DD_EXIT_INDEX;
	}
	paragraph_list_t paragraphs = {0};
	dd_note_foreach_paragraph(note.body, note.body_len, collect_paragraph, &paragraphs);
	dd_span_t *spans = NULL;
	size_t n_spans = 0;
	if (paragraphs.failed) {
		fprintf(stderr, "dundian-search show: out of memory\n");
		status = DD_EXIT_INDEX;
	} else if (para && (size_t)para > paragraphs.n) {
		fprintf(stderr, "dundian-search show: --para %ld is out of range: note %s has %zu paragraph%s\n", para,
		        id, paragraphs.n, paragraphs.n == 1 ? "" : "s");
		status = DD_EXIT_USAGE;
	} else if (highlight && dd_highlight_spans(dd_engine_tokenizer(e), &pq, note.body, note.body_len, &spans,
	                                           &n_spans, &err) != DD_OK) {
		fprintf(stderr, "dundian-search show: %s\n", err.message);
		status = DD_EXIT_INDEX;
	} else if (paragraphs.n == 0) {
		fprintf(stderr, "dundian-search show: note %s has an empty body\n", id);
		status = DD_EXIT_INDEX;
	} else {
		size_t from = para ? (size_t)para - 1 : 0, to = para ? (size_t)para : paragraphs.n;
		if (json)
			dd_print_json(json_note(e, &note, &paragraphs, from, to, spans, n_spans, highlight != NULL));
		else
			print_note(e, &note, &paragraphs, from, to, spans, n_spans, highlight != NULL);
	}
	free(spans);
	free(paragraphs.v);
	dd_stored_note_free(&note);
	if (highlight)
		dd_parsed_query_free(&pq);
	dd_engine_close(e);
	return status;
}
