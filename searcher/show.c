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
 *                    "highlights": [[start, end, kind], …]}]}
 * body is always the whole stored body; paragraphs holds every paragraph,
 * or only the one --para asked for.  Offsets are character (code point)
 * offsets into body, start inclusive, end exclusive, the same as
 * `excerpt --format json` prints; highlights appear with --highlight, kind
 * "typed", "relative" or "literal" as in search hits.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "answers.h"
#include "buffer.h"
#include "commands.h"
#include "note.h"
#include "text.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dundian-search show ID [--db DIR] [--para N] [--highlight QUERY] [--marks O,C[,RO,RC]]\n"
	           "                           [--json]\n"
	           "  prints note ID with its metadata, tags and numbered paragraphs (from 1)\n"
	           "  --para N          only paragraph N\n"
	           "  --highlight QUERY mark what QUERY matches: ⟦typed⟧ words and exact strings, ⟨relative⟩\n"
	           "                    words the query brought in (bold red and cyan on a terminal)\n"
	           "  --marks O,C[,RO,RC]  the marks to use instead (O,C alone: both alike)\n"
	           "  --json            one JSON object, offsets in characters of the body\n"
	           "exit: 0 shown, 2 bad usage, no note with that id, --para out of range or bad query,\n"
	           "      3 the index could not be read\n");
}

typedef struct paragraph_list {
	dd_paragraph_t *v;
	size_t n, cap;
	int failed;
} paragraph_list_t;

static int collect_paragraph(size_t number, size_t start, size_t end, void *ctx)
{
	paragraph_list_t *l = ctx;
	if (DD_ARRAY_RESERVE(l->v, l->n, l->cap, 1) != 0) {
		l->failed = 1;
		return 1;
	}
	l->v[l->n++] = (dd_paragraph_t){ number, start, end };
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
static size_t spans_of_paragraph(const dd_span_t *spans, size_t n_spans, const dd_paragraph_t *p, size_t *next,
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

/* Prints "label" and a note's text made safe for the terminal. */
static void print_field(const char *label, const char *text)
{
	fputs(label, stdout);
	dd_print_text(stdout, text, strlen(text));
	fputc('\n', stdout);
}

static void print_tags(const dd_stored_note_t *note)
{
	if (note->n_tags == 0)
		return;
	printf("tags:    ");
	for (size_t i = 0; i < note->n_tags; i++) {
		const dd_note_tag_t *t = &note->tags[i];
		printf("%s", i ? "、" : "");
		dd_print_text(stdout, t->name, strlen(t->name));
		printf(" (");
		dd_print_text(stdout, t->key, strlen(t->key));
		printf("%s)", t->manual ? ", by hand" : "");
	}
	printf("\n");
}

static void print_note(const dd_note_view_t *view, const dd_marks_t *marks, int colour)
{
	const dd_stored_note_t *note = &view->note;
	const dd_span_t *spans = view->spans;
	size_t n_spans = view->n_spans;
	printf("%s", colour ? "\033[1m" : "");
	dd_print_text(stdout, note->title, strlen(note->title));
	printf("%s  [", colour ? "\033[0m" : "");
	dd_print_text(stdout, note->id, strlen(note->id));
	printf("]\n");
	char line[4096];
	if (note->author[0] || note->post[0]) {
		snprintf(line, sizeof line, "%s%s%s%s", note->author, note->author[0] && note->post[0] ? "（" : "",
		         note->post, note->author[0] && note->post[0] ? "）" : "");
		print_field("author:  ", line);
	}
	if (note->city[0] || note->county[0] || note->township[0] || note->village[0]) {
		snprintf(line, sizeof line, "%s%s%s%s", note->city, note->county, note->township, note->village);
		print_field("place:   ", line);
	}
	if (note->date[0])
		print_field("date:    ", note->date);
	print_tags(note);
	if (note->path[0])
		print_field("file:    ", note->path);
	printf("paragraphs: %zu", view->n_paragraphs);
	if (view->highlighting) {
		size_t shown = 0;
		for (size_t i = 0; i < n_spans; i++)
			if (spans[i].start >= view->paragraphs[view->from].start &&
			    spans[i].end <= view->paragraphs[view->to - 1].end)
				shown++;
		printf("   hits: %zu", shown);
	}
	printf("\n");
	size_t next_span = 0;
	for (size_t k = view->from; k < view->to; k++) {
		const dd_paragraph_t *p = &view->paragraphs[k];
		size_t first, count = spans_of_paragraph(spans, n_spans, p, &next_span, &first);
		printf("\n[%zu] ", p->number);
		dd_print_marked(stdout, note->body, p->start, p->end, spans + first,
		                view->kinds ? view->kinds + first : NULL, count, marks);
		printf("\n");
	}
}

void *dd_json_note_view(const dd_note_view_t *view)
{
	const dd_stored_note_t *note = &view->note;
	const dd_span_t *spans = view->spans;
	size_t n_spans = view->n_spans;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", note->id);
	dd_json_add_note_fields(o, note);
	cJSON_AddStringToObject(o, "path", note->path);
	cJSON_AddItemToObject(o, "tags", dd_json_tags(note));
	cJSON_AddStringToObject(o, "body", note->body);
	cJSON_AddNumberToObject(o, "paragraph_count", (double)view->n_paragraphs);
	cJSON *list = cJSON_AddArrayToObject(o, "paragraphs");
	char_counter_t counter = { note->body, 0, 0 };
	size_t next_span = 0;
	for (size_t k = view->from; k < view->to; k++) {
		const dd_paragraph_t *p = &view->paragraphs[k];
		cJSON *jp = cJSON_CreateObject();
		size_t start = chars_before(&counter, p->start);
		cJSON_AddNumberToObject(jp, "number", (double)p->number);
		cJSON_AddNumberToObject(jp, "start", (double)start);
		cJSON_AddNumberToObject(jp, "end",
		                        (double)(start + dd_utf8_length(note->body + p->start, p->end - p->start)));
		char *text = strndup(note->body + p->start, p->end - p->start);
		cJSON_AddStringToObject(jp, "text", text ? text : "");
		free(text);
		cJSON *highlights = view->highlighting ? cJSON_AddArrayToObject(jp, "highlights") : NULL;
		size_t first, count = spans_of_paragraph(spans, n_spans, p, &next_span, &first);
		for (size_t i = first; highlights && i < first + count; i++) {
			size_t from = chars_before(&counter, spans[i].start);
			dd_match_kind_t kind = view->kinds ? view->kinds[i] : DD_MATCH_TYPED;
			cJSON_AddItemToArray(highlights,
			                     dd_json_highlight(from, chars_before(&counter, spans[i].end), kind));
		}
		cJSON_AddItemToArray(list, jp);
	}
	return o;
}

int dd_cmd_show(int argc, char **argv)
{
	const char *db_path = dd_default_db(), *highlight = NULL;
	long para = 0;
	int json = 0, marks_given = 0;
	dd_marks_t marks;
	static const struct option options[] = { { "db", required_argument, NULL, 'd' },
		                                 { "para", required_argument, NULL, 'p' },
		                                 { "highlight", required_argument, NULL, 'H' },
		                                 { "json", no_argument, NULL, 'j' },
		                                 { "marks", required_argument, NULL, 'm' },
		                                 { "help", no_argument, NULL, 'h' },
		                                 { NULL, 0, NULL, 0 } };
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
		case 'm':
			if (dd_parse_marks(optarg, &marks) != 0) {
				fprintf(stderr, "dundian-search show: --marks '%s': " DD_MARKS_HELP "\n", optarg);
				return DD_EXIT_USAGE;
			}
			marks_given = 1;
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
	int status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(db_path, &status);
	if (!e)
		return status;
	dd_error_t err;
	dd_note_view_t view;
	dd_status_t st = dd_note_view_open(e, id, (size_t)para, highlight, &view, &err);
	if (st != DD_OK) {
		fprintf(stderr, "dundian-search show: %s\n", err.message);
		status = st == DD_ERR_NOT_FOUND || st == DD_ERR_INVALID ? DD_EXIT_USAGE : DD_EXIT_INDEX;
	} else if (json) {
		dd_print_json(dd_json_note_view(&view));
	} else {
		int colour = dd_use_colour();
		if (!marks_given)
			marks = dd_default_marks(colour);
		print_note(&view, &marks, colour);
	}
	dd_note_view_free(&view);
	dd_engine_close(e);
	return status;
}

dd_status_t dd_note_view_open(dd_engine_t *e, const char *id, size_t para, const char *highlight, dd_note_view_t *view,
                              dd_error_t *err)
{
	memset(view, 0, sizeof *view);
	if (!dd_note_id_valid(id))
		return dd_error_set(
		    err, DD_ERR_INVALID,
		    "the id given is not a note id (1-64 characters, no blanks, control characters or '/')");
	dd_parsed_query_t pq = { 0 };
	if (highlight && dd_engine_parse(e, highlight, &pq, err) != DD_OK) {
		char message[sizeof err->message];
		snprintf(message, sizeof message, "%s", err->message);
		return dd_error_set(err, DD_ERR_INVALID, "--highlight: %s", message);
	}
	dd_status_t st = dd_engine_get_note(e, id, &view->note, err);
	if (st != DD_OK) {
		if (highlight)
			dd_parsed_query_free(&pq);
		return st;
	}
	const dd_stored_note_t *note = &view->note;
	paragraph_list_t paragraphs = { 0 };
	dd_note_foreach_paragraph(note->body, note->body_len, collect_paragraph, &paragraphs);
	view->paragraphs = paragraphs.v;
	view->n_paragraphs = paragraphs.n;
	view->highlighting = highlight != NULL;
	if (paragraphs.failed)
		st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	else if (para && para > paragraphs.n)
		st = dd_error_set(err, DD_ERR_INVALID, "--para %zu is out of range: note %s has %zu paragraph%s", para,
		                  id, paragraphs.n, paragraphs.n == 1 ? "" : "s");
	else if (highlight)
		st = dd_highlight_spans(dd_engine_tokenizer(e), &pq, note->body, note->body_len, &view->spans,
		                        &view->n_spans, err);
	if (st == DD_OK && view->n_spans) {
		double *weights = dd_query_word_weights(&pq, highlight);
		view->kinds = dd_span_kinds(&pq, weights, view->spans, view->n_spans);
		free(weights);
		if (!view->kinds)
			st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	if (st == DD_OK && paragraphs.n == 0)
		st = dd_error_set(err, DD_ERR_INDEX, "note %s has an empty body", id);
	view->from = para ? para - 1 : 0;
	view->to = para ? para : paragraphs.n;
	if (highlight)
		dd_parsed_query_free(&pq);
	if (st != DD_OK)
		dd_note_view_free(view);
	return st;
}

void dd_note_view_free(dd_note_view_t *view)
{
	dd_stored_note_free(&view->note);
	free(view->spans);
	free(view->kinds);
	free(view->paragraphs);
	memset(view, 0, sizeof *view);
}
