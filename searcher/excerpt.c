/* excerpt.c - `dundian-search excerpt QUERY...`: quotable passages of the
 * best matching notes, each with an exact citation (title, author, post,
 * place, date, note id, paragraph, character offsets in the note body), as
 * text, as Markdown ready to paste, or as one JSON object; or, with --kwic,
 * a keyword-in-context concordance of every occurrence of the query words.
 *
 * Notes are ranked exactly as plain search ranks them; passages are chosen
 * by snippet.h (whole sentences, most different query words first).
 *
 * JSON contract (offsets are character (code point) offsets into the note
 * body as `show ID --json` prints it; start inclusive, end exclusive; text
 * is body[start, end) exactly, without marks; highlights are body-relative
 * and lie inside their passage):
 *   {"query": "…", "total": N,
 *    "excerpts": [{"id", "title", "author", "post", "city", "county",
 *                  "township", "village", "date",
 *                  "passages": [{"text", "paragraph", "start", "end",
 *                                "highlights": [[start, end, kind], …]}]}]}
 * kind is "typed", "relative" or "literal", as in search hits.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "answers.h"
#include "buffer.h"
#include "commands.h"
#include "note_index.h"
#include "text.h"

#define EXCERPT_MAX_CHARS 200

typedef enum { FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_JSON } excerpt_format_t;

typedef struct excerpt_options {
	const char *db_path;
	size_t per_note, context, limit, width;
	int limit_given, width_given, format_given, kwic, marks_given;
	excerpt_format_t format;
	dd_marks_t marks;
} excerpt_options_t;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: dundian-search excerpt [--db DIR] [--per-note N] [--context K] [--limit N]\n"
	        "                              [--format text|markdown|json] QUERY...\n"
	        "       dundian-search excerpt --kwic [--width N] [--db DIR] [--limit N] QUERY...\n"
	        "  for each matching note (best first, as plain search ranks them) its best passages:\n"
	        "  whole sentences, at most about %d characters, matched words marked, with a citation\n"
	        "  (title, author, post, place, date, note id, paragraph, character offsets in the body).\n"
	        "  --per-note N   passages per note (default 2)\n"
	        "  --context K    K more sentences on each side of a passage (default 0)\n"
	        "  --limit N      notes (default 10; with --kwic, every matching note)\n"
	        "  --format F     text (default), markdown (block quotes with citations; words typed and\n"
	        "                 exact strings **bold**, thesaurus relatives *italic*) or json\n"
	        "  --kwic         a concordance: one line per occurrence of the words typed (not their\n"
	        "                 thesaurus relatives), hits aligned in a column, note id first\n"
	        "  --width N      characters of context on each side with --kwic (default 20)\n"
	        "  --marks O,C[,RO,RC]\n"
	        "                 how matches are marked in text: O,C a word typed or an exact string, RO,RC a\n"
	        "                 thesaurus relative the query brought in (default ⟦typed⟧ ⟨relative⟩; bold red\n"
	        "                 and cyan on a terminal); O,C alone marks both alike\n" DD_EXIT_HELP,
	        EXCERPT_MAX_CHARS);
}

static int parse_count(const char *name, const char *text, size_t lo, size_t hi, size_t *out)
{
	return dd_parse_count("dundian-search excerpt", name, text, lo, hi, out);
}

/* ---- one note's passages ---- */

typedef struct note_passages {
	dd_span_t *spans;
	dd_match_kind_t *kinds; /* of each span, for the text marks (NULL: all typed) */
	size_t n_spans;
	dd_passage_t *passages;
	size_t n_passages;
} note_passages_t;

static void note_passages_free(note_passages_t *np)
{
	free(np->spans);
	free(np->kinds);
	free(np->passages);
}

static dd_status_t find_passages(dd_engine_t *e, const dd_parsed_query_t *pq, const double *weights,
                                 const dd_stored_note_t *note, size_t per_note, size_t context, note_passages_t *np,
                                 dd_error_t *err)
{
	memset(np, 0, sizeof *np);
	dd_status_t st =
	    dd_highlight_spans(dd_engine_tokenizer(e), pq, note->body, note->body_len, &np->spans, &np->n_spans, err);
	if (st != DD_OK)
		return st;
	np->kinds = dd_span_kinds(pq, weights, np->spans, np->n_spans);
	if (np->n_spans && !np->kinds)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	dd_passage_options_t popts = { per_note, EXCERPT_MAX_CHARS, context, weights, pq->n_words + pq->n_literals };
	return dd_choose_passages(note->body, note->body_len, np->spans, np->n_spans, &popts, &np->passages,
	                          &np->n_passages, err);
}

/* Character offset of byte offset in the body. */
static size_t char_at(const dd_stored_note_t *note, size_t byte_offset)
{
	return dd_utf8_length(note->body, byte_offset);
}

/* ---- citations ---- */

/* "梁振杰（中共临江市委书记），《标题》，临江市石林县杏林乡兴山村，2007-04-09，
 * N0001 第4段": the parts a note lacks are left out. */
static void add_citation(dd_buffer_t *b, const dd_stored_note_t *note, size_t paragraph,
                         void (*add_text)(dd_buffer_t *, const char *, size_t))
{
	int any = 0;
	if (note->author[0] || note->post[0]) {
		add_text(b, note->author, strlen(note->author));
		if (note->author[0] && note->post[0])
			dd_buffer_puts(b, "（");
		add_text(b, note->post, strlen(note->post));
		if (note->author[0] && note->post[0])
			dd_buffer_puts(b, "）");
		any = 1;
	}
	if (any)
		dd_buffer_puts(b, "，");
	dd_buffer_puts(b, "《");
	add_text(b, note->title, strlen(note->title));
	dd_buffer_puts(b, "》");
	const char *place[4] = { note->city, note->county, note->township, note->village };
	if (place[0][0] || place[1][0] || place[2][0] || place[3][0]) {
		dd_buffer_puts(b, "，");
		for (size_t i = 0; i < 4; i++)
			add_text(b, place[i], strlen(place[i]));
	}
	if (note->date[0]) {
		dd_buffer_puts(b, "，");
		add_text(b, note->date, strlen(note->date));
	}
	dd_buffer_puts(b, "，");
	add_text(b, note->id, strlen(note->id));
	char number[48];
	snprintf(number, sizeof number, " 第%zu段", paragraph);
	dd_buffer_puts(b, number);
}

/* ---- text ---- */

static void add_plain(dd_buffer_t *b, const char *s, size_t len)
{
	dd_buffer_add(b, s, len);
}

/* Prints a passage, each line of it as a quoted line. */
static void print_passage(const dd_stored_note_t *note, const note_passages_t *np, const dd_passage_t *p,
                          const dd_marks_t *marks)
{
	printf("   > ");
	size_t at = p->start;
	while (at < p->end) {
		const char *nl = memchr(note->body + at, '\n', p->end - at);
		size_t stop = nl ? (size_t)(nl - note->body) : p->end;
		dd_print_marked(stdout, note->body, at, stop, np->spans + p->first_span,
		                np->kinds ? np->kinds + p->first_span : NULL, p->n_spans, marks);
		if (nl)
			printf("\n   > ");
		at = nl ? stop + 1 : stop;
	}
}

static void print_text(const dd_stored_note_t *note, const note_passages_t *np, size_t rank, int colour,
                       const dd_marks_t *marks)
{
	printf("%s%zu. ", colour ? "\033[1m" : "", rank);
	dd_print_text(stdout, note->title, strlen(note->title));
	printf("%s  [", colour ? "\033[0m" : "");
	dd_print_text(stdout, note->id, strlen(note->id));
	printf("]\n");
	for (size_t k = 0; k < np->n_passages; k++) {
		const dd_passage_t *p = &np->passages[k];
		print_passage(note, np, p, marks);
		dd_buffer_t cite = { 0 };
		add_citation(&cite, note, p->paragraph, add_plain);
		printf("\n     — ");
		dd_print_text(stdout, cite.s ? cite.s : "", cite.len);
		printf("，字 %zu–%zu\n", char_at(note, p->start), char_at(note, p->end));
		dd_buffer_free(&cite);
	}
	printf("\n");
}

/* ---- Markdown ---- */

/* Appends s with the characters Markdown would read as markup escaped,
 * and & < > as HTML entities, so that "&amp;" in a note shows as written
 * instead of as "&" (a backslash does not stop entities). */
static void add_markdown(dd_buffer_t *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '&')
			dd_buffer_puts(b, "&amp;");
		else if (s[i] == '<')
			dd_buffer_puts(b, "&lt;");
		else if (s[i] == '>')
			dd_buffer_puts(b, "&gt;");
		else {
			if (s[i] && strchr("\\`*_[]#|~", s[i]))
				dd_buffer_add(b, "\\", 1);
			dd_buffer_add(b, s + i, 1);
		}
	}
}

/* The Markdown emphasis of span i: bold for a typed word or an exact
 * string, italics for a thesaurus relative the query brought in. */
static const char *markdown_mark(const note_passages_t *np, size_t i)
{
	return np->kinds && np->kinds[i] == DD_MATCH_RELATIVE ? "*" : "**";
}

/* Appends a passage line by line, each line a block quote line; a line
 * that would start a list or a heading has its first mark escaped. */
static void add_quote(dd_buffer_t *b, const dd_stored_note_t *note, const note_passages_t *np, const dd_passage_t *p)
{
	size_t pos = p->start, next_span = p->first_span, span_end = p->first_span + p->n_spans;
	int line_start = 1;
	while (pos < p->end) {
		if (line_start) {
			dd_buffer_puts(b, "> ");
			const char *line = note->body + pos;
			size_t digits = 0;
			while (pos + digits < p->end && line[digits] >= '0' && line[digits] <= '9')
				digits++;
			int hit_at_start = next_span < span_end && np->spans[next_span].start <= pos + digits;
			if (!hit_at_start &&
			    ((line[0] == '-' || line[0] == '+') ||
			     (digits && pos + digits < p->end && (line[digits] == '.' || line[digits] == ')')))) {
				dd_buffer_add(b, line, digits);
				dd_buffer_puts(b, "\\");
				dd_buffer_add(b, line + digits, 1);
				pos += digits + 1;
			}
			line_start = 0;
			continue;
		}
		while (next_span < span_end && np->spans[next_span].start < pos)
			next_span++; /* never happens with spans from dd_highlight_spans */
		if (next_span < span_end && np->spans[next_span].start == pos) {
			/* typed words and exact strings in bold, relatives in italics;
			 * adjacent hits of one kind share a run: **住院统筹**, not
			 * **住院****统筹** */
			const char *mark = markdown_mark(np, next_span);
			dd_buffer_puts(b, mark);
			while (next_span < span_end && np->spans[next_span].start == pos &&
			       strcmp(markdown_mark(np, next_span), mark) == 0) {
				const dd_span_t *s = &np->spans[next_span++];
				add_markdown(b, note->body + s->start, s->end - s->start);
				pos = s->end;
			}
			dd_buffer_puts(b, mark);
			continue;
		}
		size_t stop = next_span < span_end ? np->spans[next_span].start : p->end;
		const char *newline = memchr(note->body + pos, '\n', stop - pos);
		if (newline)
			stop = (size_t)(newline - note->body);
		add_markdown(b, note->body + pos, stop - pos);
		pos = stop;
		if (newline) {
			dd_buffer_puts(b, "\n");
			pos++;
			line_start = 1;
		}
	}
}

/* The Markdown block of passage k ("> …\n\n— citation\n\n"), made safe
 * for a terminal as it is printed: malloc'd, NULL when out of memory. */
static char *passage_markdown(const dd_stored_note_t *note, const note_passages_t *np, size_t k)
{
	dd_buffer_t b = { 0 };
	add_quote(&b, note, np, &np->passages[k]);
	dd_buffer_puts(&b, "\n\n— ");
	add_citation(&b, note, np->passages[k].paragraph, add_markdown);
	dd_buffer_puts(&b, "\n\n");
	char *safe = NULL;
	size_t size = 0;
	FILE *f = b.failed ? NULL : open_memstream(&safe, &size);
	if (f) {
		dd_print_text(f, b.s ? b.s : "", b.len);
		if (fclose(f) != 0) {
			free(safe);
			safe = NULL;
		}
	}
	dd_buffer_free(&b);
	return safe;
}

static void print_markdown(const dd_stored_note_t *note, const note_passages_t *np)
{
	for (size_t k = 0; k < np->n_passages; k++) {
		char *block = passage_markdown(note, np, k);
		if (block)
			fputs(block, stdout);
		free(block);
	}
}

/* ---- JSON ---- */

static cJSON *json_excerpt(const dd_stored_note_t *note, const note_passages_t *np, int with_markdown)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", note->id);
	dd_json_add_note_fields(o, note);
	cJSON *passages = cJSON_AddArrayToObject(o, "passages");
	for (size_t k = 0; k < np->n_passages; k++) {
		const dd_passage_t *p = &np->passages[k];
		cJSON *jp = cJSON_CreateObject();
		char *text = strndup(note->body + p->start, p->end - p->start);
		cJSON_AddStringToObject(jp, "text", text ? text : "");
		free(text);
		cJSON_AddNumberToObject(jp, "paragraph", (double)p->paragraph);
		size_t start = char_at(note, p->start);
		cJSON_AddNumberToObject(jp, "start", (double)start);
		cJSON_AddNumberToObject(jp, "end",
		                        (double)(start + dd_utf8_length(note->body + p->start, p->end - p->start)));
		cJSON *highlights = cJSON_AddArrayToObject(jp, "highlights");
		for (size_t i = p->first_span; i < p->first_span + p->n_spans; i++) {
			const dd_span_t *s = &np->spans[i];
			dd_match_kind_t kind = np->kinds ? np->kinds[i] : DD_MATCH_TYPED;
			cJSON_AddItemToArray(highlights,
			                     dd_json_highlight(char_at(note, s->start), char_at(note, s->end), kind));
		}
		if (with_markdown) {
			char *block = passage_markdown(note, np, k);
			cJSON_AddStringToObject(jp, "markdown", block ? block : "");
			free(block);
		}
		cJSON_AddItemToArray(passages, jp);
	}
	return o;
}

void *dd_json_excerpts(dd_engine_t *e, const char *text, size_t limit, size_t per_note, size_t context,
                       int with_markdown, dd_error_t *err)
{
	if (!text || !text[0]) {
		dd_error_set(err, DD_ERR_INVALID, "no query given");
		return NULL;
	}
	/* notes ranked exactly as plain search ranks them */
	dd_search_request_t req = {
		.text = text, .limit = limit, .bodies = 1, .check_at_least = DD_SEARCH_ALL, .suggest = 1
	};
	dd_search_result_t res;
	if (dd_search(e, &req, &res, err) != DD_OK)
		return NULL;
	double *weights = dd_query_word_weights(&res.query, text);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "query", text);
	cJSON_AddNumberToObject(root, "total", (double)res.total);
	dd_json_add_suggestion(root, &res.suggestion);
	cJSON *excerpts = cJSON_AddArrayToObject(root, "excerpts");
	for (size_t i = 0; root && i < res.n_hits; i++) {
		const dd_stored_note_t *note = &res.hits[i].note;
		note_passages_t np;
		if (find_passages(e, &res.query, weights, note, per_note, context, &np, err) != DD_OK) {
			char message[sizeof err->message];
			snprintf(message, sizeof message, "%s", err->message);
			dd_error_set(err, err->status, "%s: %s", note->id, message);
			cJSON_Delete(root);
			root = NULL;
			break;
		}
		cJSON_AddItemToArray(excerpts, json_excerpt(note, &np, with_markdown));
		note_passages_free(&np);
	}
	free(weights);
	dd_search_result_free(&res);
	return root;
}

/* ---- concordance ---- */

typedef struct kwic_line {
	char *id, *left, *hit, *right;
} kwic_line_t;

typedef struct kwic_lines {
	kwic_line_t *v;
	size_t n, cap;
} kwic_lines_t;

/* Appends code point cp, showing any blank (a line break too) as a single
 * space: returns 1 if a character was added. */
static int add_context_char(dd_buffer_t *b, uint32_t cp, int *last_was_space)
{
	if (cp == '\n' || cp == '\r' || cp == '\t' || cp == ' ' || cp == 0x3000) {
		if (*last_was_space)
			return 0;
		*last_was_space = 1;
		dd_buffer_add(b, " ", 1);
		return 1;
	}
	*last_was_space = 0;
	char utf8[4];
	dd_buffer_add(b, utf8, dd_utf8_put(utf8, cp));
	return 1;
}

/* Up to width characters of body after byte offset from. */
static char *context_after(const dd_stored_note_t *note, size_t from, size_t width)
{
	dd_buffer_t b = { 0 };
	int last_was_space = 0;
	for (size_t i = from, count = 0; i < note->body_len && count < width;)
		count += (size_t)add_context_char(&b, dd_utf8_next(note->body, &i), &last_was_space);
	return dd_buffer_take(&b);
}

/* Up to width characters of body before byte offset to. */
static char *context_before(const dd_stored_note_t *note, size_t to, size_t width)
{
	/* walk back over width characters (blank runs counting once), then
	 * copy forwards from there */
	size_t i = to, count = 0;
	int in_blank = 0;
	while (i > 0 && count < width) {
		size_t prev = i - 1;
		while (prev > 0 && ((unsigned char)note->body[prev] & 0xC0) == 0x80)
			prev--;
		size_t probe = prev;
		uint32_t cp = dd_utf8_next(note->body, &probe);
		int blank = cp == '\n' || cp == '\r' || cp == '\t' || cp == ' ' || cp == 0x3000;
		if (!(blank && in_blank))
			count++;
		in_blank = blank;
		i = prev;
	}
	/* a blank run cut at the edge still shows as one space */
	while (in_blank && i > 0 && (note->body[i - 1] == '\n' || note->body[i - 1] == ' '))
		i--;
	dd_buffer_t b = { 0 };
	int last_was_space = 0;
	for (size_t k = i; k < to;)
		add_context_char(&b, dd_utf8_next(note->body, &k), &last_was_space);
	return dd_buffer_take(&b);
}

/* Adds a line for each hit of a word or string the user typed (weight 1;
 * thesaurus relatives are left out of a concordance). */
static int collect_kwic(kwic_lines_t *lines, const dd_stored_note_t *note, const dd_span_t *spans, size_t n_spans,
                        const double *weights, size_t width)
{
	for (size_t i = 0; i < n_spans; i++) {
		if (weights && weights[spans[i].which] < 1.0)
			continue;
		if (lines->n == lines->cap) {
			size_t cap = lines->cap ? lines->cap * 2 : 64;
			kwic_line_t *v = realloc(lines->v, sizeof *v * cap);
			if (!v)
				return -1;
			lines->v = v;
			lines->cap = cap;
		}
		kwic_line_t *l = &lines->v[lines->n++];
		l->id = strdup(note->id);
		l->left = context_before(note, spans[i].start, width);
		l->hit = strndup(note->body + spans[i].start, spans[i].end - spans[i].start);
		l->right = context_after(note, spans[i].end, width);
		if (!l->id || !l->left || !l->hit || !l->right)
			return -1;
	}
	return 0;
}

/* Prints the lines with ids, left contexts and hits in aligned columns:
 * the left context is padded to the widest it can be (width characters
 * of two columns each). */
static void print_kwic(const kwic_lines_t *lines, size_t width, const dd_marks_t *marks)
{
	size_t id_width = 0;
	for (size_t i = 0; i < lines->n; i++) {
		size_t w = dd_display_width(lines->v[i].id, strlen(lines->v[i].id));
		if (w > id_width)
			id_width = w;
	}
	for (size_t i = 0; i < lines->n; i++) {
		const kwic_line_t *l = &lines->v[i];
		size_t idw = dd_display_width(l->id, strlen(l->id));
		size_t leftw = dd_display_width(l->left, strlen(l->left));
		dd_print_text(stdout, l->id, strlen(l->id));
		printf("%*s  %*s", (int)(id_width - idw), "", (int)(2 * width > leftw ? 2 * width - leftw : 0), "");
		dd_print_text(stdout, l->left, strlen(l->left));
		fputs(marks->open, stdout);
		dd_print_text(stdout, l->hit, strlen(l->hit));
		fputs(marks->close, stdout);
		dd_print_text(stdout, l->right, strlen(l->right));
		putchar('\n');
	}
}

static void kwic_lines_free(kwic_lines_t *lines)
{
	for (size_t i = 0; i < lines->n; i++) {
		free(lines->v[i].id);
		free(lines->v[i].left);
		free(lines->v[i].hit);
		free(lines->v[i].right);
	}
	free(lines->v);
}

/* ---- the command ---- */

static int parse_options(int argc, char **argv, excerpt_options_t *o)
{
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },      { "per-note", required_argument, NULL, 'p' },
		{ "context", required_argument, NULL, 'c' }, { "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },  { "kwic", no_argument, NULL, 'k' },
		{ "width", required_argument, NULL, 'w' },   { "marks", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 }
	};
	*o = (excerpt_options_t){
		dd_default_db(), 2, 0, 10, 20, 0, 0, 0, 0, 0, FORMAT_TEXT, { NULL, NULL, NULL, NULL }
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:p:c:n:f:kw:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db_path = optarg;
			break;
		case 'p':
			if (parse_count("per-note", optarg, 1, 100, &o->per_note) != 0)
				return DD_EXIT_USAGE;
			break;
		case 'c':
			if (parse_count("context", optarg, 0, 100, &o->context) != 0)
				return DD_EXIT_USAGE;
			break;
		case 'n':
			if (parse_count("limit", optarg, 1, 100000, &o->limit) != 0)
				return DD_EXIT_USAGE;
			o->limit_given = 1;
			break;
		case 'w':
			if (parse_count("width", optarg, 1, 500, &o->width) != 0)
				return DD_EXIT_USAGE;
			o->width_given = 1;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0)
				o->format = FORMAT_MARKDOWN;
			else if (strcmp(optarg, "json") == 0)
				o->format = FORMAT_JSON;
			else {
				fprintf(stderr, "dundian-search excerpt: --format '%s': use text, markdown or json\n",
				        optarg);
				return DD_EXIT_USAGE;
			}
			o->format_given = 1;
			break;
		case 'k':
			o->kwic = 1;
			break;
		case 'm':
			if (dd_parse_marks(optarg, &o->marks) != 0) {
				fprintf(stderr, "dundian-search excerpt: --marks '%s': " DD_MARKS_HELP "\n", optarg);
				return DD_EXIT_USAGE;
			}
			o->marks_given = 1;
			break;
		case 'h':
			usage(stdout);
			return DD_EXIT_OK;
		default:
			usage(stderr);
			return DD_EXIT_USAGE;
		}
	}
	if (o->kwic && o->format_given && o->format != FORMAT_TEXT) {
		fprintf(stderr, "dundian-search excerpt: --kwic prints a text concordance; drop --format\n");
		return DD_EXIT_USAGE;
	}
	if (o->width_given && !o->kwic) {
		fprintf(stderr, "dundian-search excerpt: --width applies to --kwic only\n");
		return DD_EXIT_USAGE;
	}
	return -1;
}

int dd_cmd_excerpt(int argc, char **argv)
{
	excerpt_options_t o;
	int status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;
	char *text = dd_join_args(argc, argv, optind);
	if (!text || !text[0]) {
		free(text);
		fprintf(stderr, "dundian-search excerpt: no query given\n");
		usage(stderr);
		return DD_EXIT_USAGE;
	}
	status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(o.db_path, &status);
	if (!e) {
		free(text);
		return status;
	}
	dd_error_t err = { DD_OK, "" };
	if (o.format == FORMAT_JSON && !o.kwic) {
		cJSON *root = dd_json_excerpts(e, text, o.limit, o.per_note, o.context, 0, &err);
		if (root) {
			cJSON *total = cJSON_GetObjectItemCaseSensitive(root, "total");
			const cJSON *hint = cJSON_GetObjectItemCaseSensitive(root, "hint");
			dd_print_hint("dundian-search excerpt", cJSON_IsString(hint) ? hint->valuestring : NULL);
			status = cJSON_IsNumber(total) && total->valuedouble > 0 ? DD_EXIT_OK : DD_EXIT_NONE;
			dd_print_json(root);
		} else {
			fprintf(stderr, "dundian-search excerpt: %s\n", err.message);
			status = err.status == DD_ERR_INVALID ? DD_EXIT_USAGE : DD_EXIT_INDEX;
		}
		dd_engine_close(e);
		free(text);
		return status;
	}
	/* notes ranked exactly as plain search ranks them */
	dd_search_request_t req = { .text = text,
		                    .limit = o.kwic && !o.limit_given ? DD_SEARCH_ALL : o.limit,
		                    .bodies = 1,
		                    .check_at_least = DD_SEARCH_ALL,
		                    .suggest = 1 };
	dd_search_result_t res;
	dd_status_t st = dd_search(e, &req, &res, &err);
	if (st != DD_OK) {
		fprintf(stderr, "dundian-search excerpt: %s\n", err.message);
		dd_engine_close(e);
		free(text);
		return st == DD_ERR_INVALID ? DD_EXIT_USAGE : DD_EXIT_INDEX;
	}
	dd_print_hint("dundian-search excerpt", res.suggestion.message);
	const dd_parsed_query_t *pq = &res.query;
	double *weights = dd_query_word_weights(pq, text);
	int colour = o.format == FORMAT_TEXT && dd_use_colour();
	if (!o.marks_given)
		o.marks = dd_default_marks(colour);
	kwic_lines_t lines = { 0 };
	size_t count = res.n_hits;
	for (size_t i = 0; i < count; i++) {
		const dd_stored_note_t note = res.hits[i].note;
		note_passages_t np;
		if (o.kwic) {
			if (dd_highlight_spans(dd_engine_tokenizer(e), pq, note.body, note.body_len, &np.spans,
			                       &np.n_spans, &err) != DD_OK ||
			    collect_kwic(&lines, &note, np.spans, np.n_spans, weights, o.width) != 0) {
				fprintf(stderr, "dundian-search excerpt: %s: %s\n", note.id,
				        err.message[0] ? err.message : "out of memory");
				status = DD_EXIT_INDEX;
			}
			free(np.spans);
		} else if (find_passages(e, pq, weights, &note, o.per_note, o.context, &np, &err) != DD_OK) {
			fprintf(stderr, "dundian-search excerpt: %s: %s\n", note.id, err.message);
			status = DD_EXIT_INDEX;
		} else {
			if (o.format == FORMAT_MARKDOWN)
				print_markdown(&note, &np);
			else
				print_text(&note, &np, i + 1, colour, &o.marks);
			note_passages_free(&np);
		}
	}
	size_t total = res.total;
	if (o.kwic)
		print_kwic(&lines, o.width, &o.marks);
	else if (o.format == FORMAT_TEXT) {
		if (count < total)
			printf("%zu notes matched; showing the best %zu\n", total, count);
		else
			printf("%zu note%s matched\n", total, total == 1 ? "" : "s");
	}
	kwic_lines_free(&lines);
	free(weights);
	dd_search_result_free(&res);
	dd_engine_close(e);
	free(text);
	if (status == DD_EXIT_OK && total == 0)
		status = DD_EXIT_NONE;
	return status;
}
