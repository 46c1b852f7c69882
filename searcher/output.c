/* output.c - what the subcommands print in common: note text made safe for
 * a terminal, highlight marks, and the JSON of notes, tags and search hits
 * (built here only, so every JSON output spells a note the same way). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "text.h"

/* Characters a note may hold that must not reach a terminal as they are:
 * C0 controls but tab and line feed (ESC starts escape sequences), DEL,
 * C1 controls and the bidirectional overrides that reorder what follows. */
static int unsafe(uint32_t cp)
{
	return (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void dd_print_text(FILE *out, const char *s, size_t len)
{
	size_t i = 0, from = 0;
	while (i < len) {
		size_t at = i;
		uint32_t cp = dd_utf8_next(s, &i);
		if (i > len)
			i = len;
		if (!unsafe(cp))
			continue;
		fwrite(s + from, 1, at - from, out);
		fputs("\xEF\xBF\xBD", out); /* U+FFFD, in place of the character */
		from = i;
	}
	fwrite(s + from, 1, len - from, out);
}

void dd_print_marked(FILE *out, const char *text, size_t start, size_t end, const dd_span_t *spans,
                     const dd_match_kind_t *kinds, size_t n_spans, const dd_marks_t *marks)
{
	size_t at = start;
	for (size_t i = 0; i < n_spans; i++) {
		if (spans[i].start < at || spans[i].end > end)
			continue;
		int relative = kinds && kinds[i] == DD_MATCH_RELATIVE;
		dd_print_text(out, text + at, spans[i].start - at);
		fputs(relative ? marks->relative_open : marks->open, out);
		dd_print_text(out, text + spans[i].start, spans[i].end - spans[i].start);
		fputs(relative ? marks->relative_close : marks->close, out);
		at = spans[i].end;
	}
	dd_print_text(out, text + at, end - at);
}

dd_match_kind_t *dd_span_kinds(const dd_parsed_query_t *pq, const double *weights, const dd_span_t *spans,
                               size_t n_spans)
{
	dd_match_kind_t *kinds = n_spans ? malloc(sizeof *kinds * n_spans) : NULL;
	for (size_t i = 0; kinds && i < n_spans; i++)
		kinds[i] = dd_match_kind(pq, weights, spans[i].which);
	return kinds;
}

dd_marks_t dd_default_marks(int colour)
{
	/* ⟦ ⟧ (mathematical white square brackets) for what was typed, ⟨ ⟩
	 * (mathematical angle brackets) for relatives: unlike 【】 and 〈〉,
	 * which notes write themselves, no note is written with them.  On a
	 * terminal relatives are cyan, not bold, as the web page shows them
	 * in blue. */
	return colour ? (dd_marks_t){ "\033[1;31m", "\033[0m", "\033[36m", "\033[0m" }
	              : (dd_marks_t){ "⟦", "⟧", "⟨", "⟩" };
}

int dd_parse_marks(const char *spec, dd_marks_t *marks)
{
	static char buf[256];
	if (strlen(spec) >= sizeof buf)
		return -1;
	for (const char *p = spec; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			return -1;
	memcpy(buf, spec, strlen(spec) + 1);
	char *part[4];
	size_t n = 0;
	for (char *p = buf;; p++) {
		char *comma = strchr(p, ',');
		if (n == 4)
			return -1; /* a fifth mark */
		part[n++] = p;
		if (!comma)
			break;
		*comma = '\0';
		p = comma;
	}
	if (n != 2 && n != 4)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (!part[k][0])
			return -1;
	marks->open = part[0];
	marks->close = part[1];
	marks->relative_open = part[n == 4 ? 2 : 0];
	marks->relative_close = part[n == 4 ? 3 : 1];
	return 0;
}

/* ---- JSON ---- */

void dd_json_add_note_fields(void *object, const dd_stored_note_t *n)
{
	const char *const fields[][2] = { { "title", n->title },     { "author", n->author },
		                          { "post", n->post },       { "city", n->city },
		                          { "county", n->county },   { "township", n->township },
		                          { "village", n->village }, { "date", n->date } };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		cJSON_AddStringToObject(object, fields[i][0], fields[i][1]);
}

void *dd_json_tags(const dd_stored_note_t *n)
{
	cJSON *tags = cJSON_CreateArray();
	for (size_t i = 0; tags && i < n->n_tags; i++) {
		cJSON *tag = cJSON_CreateObject();
		cJSON_AddStringToObject(tag, "key", n->tags[i].key);
		cJSON_AddStringToObject(tag, "name", n->tags[i].name);
		cJSON_AddNumberToObject(tag, "score", n->tags[i].score);
		cJSON_AddBoolToObject(tag, "manual", n->tags[i].manual);
		cJSON_AddItemToArray(tags, tag);
	}
	return tags;
}

static double rounded(double x)
{
	return (double)(long long)(x * 1000) / 1000.0;
}

static cJSON *json_hit(const dd_search_hit_t *hit, int snippets)
{
	cJSON *h = cJSON_CreateObject();
	cJSON_AddNumberToObject(h, "rank", (double)hit->rank);
	cJSON_AddStringToObject(h, "id", hit->note.id);
	cJSON_AddNumberToObject(h, "score", rounded(hit->score));
	dd_json_add_note_fields(h, &hit->note);
	cJSON_AddStringToObject(h, "snippet", hit->snippet ? hit->snippet : "");
	cJSON *highlights = cJSON_AddArrayToObject(h, "highlights");
	for (size_t i = 0; snippets && i < hit->n_highlights; i++) {
		const dd_highlight_t *s = &hit->highlights[i];
		cJSON_AddItemToArray(highlights, dd_json_highlight(s->start, s->end, s->kind));
	}
	cJSON_AddItemToObject(h, "tags", dd_json_tags(&hit->note));
	return h;
}

void dd_json_add_suggestion(void *object, const dd_suggestion_t *s)
{
	if (s->query)
		cJSON_AddStringToObject(object, "suggestion", s->query);
	if (s->message)
		cJSON_AddStringToObject(object, "hint", s->message);
}

void dd_print_hint(const char *program, const char *hint)
{
	if (!hint)
		return;
	/* the hint quotes the query: shown like any text of it, on one line */
	fprintf(stderr, "%s: ", program);
	dd_print_text(stderr, hint, strlen(hint));
	fputc('\n', stderr);
}

void *dd_json_search(const dd_search_request_t *req, const dd_search_result_t *res)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "query", req->text ? req->text : "");
	if (req->like_id)
		cJSON_AddStringToObject(root, "like", req->like_id);
	cJSON_AddNumberToObject(root, "total", (double)res->total);
	dd_json_add_suggestion(root, &res->suggestion);
	cJSON *hits = cJSON_AddArrayToObject(root, "hits");
	for (size_t i = 0; i < res->n_hits; i++)
		cJSON_AddItemToArray(hits, json_hit(&res->hits[i], req->snippets));
	cJSON *facets = res->n_facets ? cJSON_AddObjectToObject(root, "facets") : NULL;
	for (size_t f = 0; f < res->n_facets; f++) {
		const dd_facet_t *facet = &res->facets[f];
		cJSON *values = cJSON_AddArrayToObject(facets, facet->field);
		for (size_t k = 0; k < facet->n_values; k++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "value", facet->values[k].value);
			if (strcmp(facet->field, "topic") == 0)
				cJSON_AddStringToObject(o, "name", facet->values[k].name);
			cJSON_AddNumberToObject(o, "count", (double)facet->values[k].count);
			cJSON_AddItemToArray(values, o);
		}
	}
	cJSON_AddNumberToObject(root, "elapsed_ms", rounded(res->elapsed_ms));
	return root;
}
