/* engine.c - an opened index with its vocabulary (see engine.h). */
#include "engine.h"

#include "note.h"
#include "note_index.h"
#include "plan.h"
#include "ranking.h"
#include "text.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

struct dd_engine {
	dd_db_t *db;
	dd_lexicon_t *lexicon;
	dd_tokenizer_t *tokenizer;
	char *topics_text; /* "key\tname\n" lines, split in place */
	const char **keys, **names;
	size_t n_topics;
};

/* Memory freed at the top of the heap is kept up to this much, not handed
 * back to the kernel.  Xapian frees its per-search buffers at the end of
 * every search and allocates them again at the next: with glibc's default
 * (128 kB, or twice the largest mapping freed) every query shrank and
 * regrew the heap, and the page faults and TLB flushes of that were about
 * 0.8 ms of system time per query at 2,500 notes, a third of the whole.
 * Peak memory is unchanged (the same buffers, kept). */
#define ENGINE_TRIM_THRESHOLD (16u << 20)

dd_status_t dd_engine_open(const char *path, dd_engine_t **out, dd_error_t *err)
{
	*out = NULL;
#ifdef __GLIBC__
	/* process-wide, but an opened engine is what answers queries */
	mallopt(M_TRIM_THRESHOLD, ENGINE_TRIM_THRESHOLD);
#endif
	dd_engine_t *e = calloc(1, sizeof *e);
	if (!e)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	dd_status_t st = dd_db_open_read(path, &e->db, err);
	if (st != DD_OK) {
		free(e);
		if (st == DD_ERR_NOT_FOUND)
			return dd_error_set(err, DD_ERR_NOT_FOUND,
			                    "no index at '%s': build one with `dundian-index --db %s` (see README.md)",
			                    path, path);
		return st;
	}
	if ((st = dd_schema_check(e->db, path, err)) != DD_OK) {
		dd_engine_close(e);
		return st;
	}
	char *dict = dd_db_get_metadata(e->db, DD_META_DICTIONARY, err);
	char *thes = dict ? dd_db_get_metadata(e->db, DD_META_THESAURUS, err) : NULL;
	e->topics_text = thes ? dd_db_get_metadata(e->db, DD_META_TOPICS, err) : NULL;
	if (!e->topics_text || !(e->lexicon = dd_lexicon_new())) {
		free(dict);
		free(thes);
		dd_engine_close(e);
		return err && err->status ? err->status : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	st = dd_lexicon_parse_dictionary(e->lexicon, dict, "index dictionary", err);
	if (st == DD_OK)
		st = dd_lexicon_parse_thesaurus(e->lexicon, thes, "index thesaurus", err);
	free(dict);
	free(thes);
	if (st == DD_OK)
		st = dd_tokenizer_new(e->lexicon, &e->tokenizer, err);
	if (st != DD_OK) {
		dd_engine_close(e);
		return st;
	}
	size_t lines = 0;
	for (const char *p = e->topics_text; *p; p++)
		lines += *p == '\n';
	e->keys = calloc(lines + 1, sizeof *e->keys);
	e->names = calloc(lines + 1, sizeof *e->names);
	if (!e->keys || !e->names) {
		dd_engine_close(e);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	char *save = NULL;
	for (char *line = strtok_r(e->topics_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (tab)
			*tab = '\0';
		e->keys[e->n_topics] = line;
		e->names[e->n_topics] = tab ? tab + 1 : "";
		e->n_topics++;
	}
	*out = e;
	return DD_OK;
}

void dd_engine_close(dd_engine_t *e)
{
	if (!e)
		return;
	dd_db_close(e->db);
	dd_tokenizer_free(e->tokenizer);
	dd_lexicon_free(e->lexicon);
	free(e->topics_text);
	free(e->keys);
	free(e->names);
	free(e);
}

dd_db_t *dd_engine_db(dd_engine_t *e)
{
	return e->db;
}
dd_tokenizer_t *dd_engine_tokenizer(dd_engine_t *e)
{
	return e->tokenizer;
}
const dd_lexicon_t *dd_engine_lexicon(dd_engine_t *e)
{
	return e->lexicon;
}
size_t dd_engine_topic_count(const dd_engine_t *e)
{
	return e->n_topics;
}
const char *dd_engine_topic_key(const dd_engine_t *e, size_t i)
{
	return e->keys[i];
}
const char *dd_engine_topic_name(const dd_engine_t *e, size_t i)
{
	return e->names[i];
}

const char *dd_engine_topic_label(const dd_engine_t *e, const char *key)
{
	for (size_t i = 0; i < e->n_topics; i++)
		if (strcmp(e->keys[i], key) == 0 && e->names[i][0])
			return e->names[i];
	return key;
}

dd_status_t dd_engine_parse(dd_engine_t *e, const char *text, dd_parsed_query_t *out, dd_error_t *err)
{
	dd_plan_options_t popts = { e->tokenizer, e->keys, e->n_topics, e->names };
	dd_ranking_context_t rctx;
	rctx.lexicon = e->lexicon;
	rctx.db = e->db;
	dd_ranking_tuned(&rctx.weights);
	return dd_ranking_parse(&popts, &rctx, text, out, err);
}

static const char *string_of(const cJSON *root, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* The stored fields, in the order of dd_stored_note_t's strings. */
static const char *const stored_fields[] = { "id",       "title",   "author", "post", "city", "county",
	                                     "township", "village", "date",   "path", "body" };
#define N_STORED_FIELDS (sizeof stored_fields / sizeof stored_fields[0])

static const char **stored_field(dd_stored_note_t *n, size_t i)
{
	const char **fields[N_STORED_FIELDS] = { &n->id,       &n->title,   &n->author, &n->post, &n->city, &n->county,
		                                 &n->township, &n->village, &n->date,   &n->path, &n->body };
	return fields[i];
}

/* Copies the fields and tags of root into one block owned by out, so the
 * note outlives the JSON and callers need no JSON library. */
static dd_status_t copy_stored(const cJSON *root, dd_stored_note_t *out, dd_error_t *err)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(root, "tags"), *t;
	size_t bytes = 0, n_tags = 0;
	for (size_t i = 0; i < N_STORED_FIELDS; i++)
		bytes += strlen(string_of(root, stored_fields[i])) + 1;
	cJSON_ArrayForEach(t, tags)
	{
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "key"))) {
			bytes += strlen(string_of(t, "key")) + 1;
			n_tags++;
		}
	}
	out->storage_ = malloc(bytes ? bytes : 1);
	out->tags = calloc(n_tags + 1, sizeof *out->tags);
	if (!out->storage_ || !out->tags)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	char *p = out->storage_;
	for (size_t i = 0; i < N_STORED_FIELDS; i++) {
		const char *v = string_of(root, stored_fields[i]);
		size_t len = strlen(v) + 1;
		memcpy(p, v, len);
		*stored_field(out, i) = p;
		p += len;
	}
	cJSON_ArrayForEach(t, tags)
	{
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "key")))
			continue;
		const char *key = string_of(t, "key");
		size_t len = strlen(key) + 1;
		memcpy(p, key, len);
		const cJSON *score = cJSON_GetObjectItemCaseSensitive(t, "score");
		out->tags[out->n_tags++] =
		    (dd_note_tag_t){ p, p, cJSON_IsNumber(score) ? score->valuedouble : 0.0,
			             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "manual")) };
		p += len;
	}
	out->body_len = strlen(out->body);
	return DD_OK;
}

dd_status_t dd_stored_note_parse(const char *data, size_t len, dd_stored_note_t *out, dd_error_t *err)
{
	memset(out, 0, sizeof *out);
	cJSON *root = cJSON_ParseWithLength(data, len);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return dd_error_set(err, DD_ERR_INDEX, "a stored note is not valid JSON: rebuild the index");
	}
	dd_status_t st = copy_stored(root, out, err);
	cJSON_Delete(root);
	if (st != DD_OK)
		dd_stored_note_free(out);
	return st;
}

void dd_engine_name_tags(const dd_engine_t *e, dd_stored_note_t *n)
{
	for (size_t i = 0; i < n->n_tags; i++)
		n->tags[i].name = dd_engine_topic_label(e, n->tags[i].key);
}

static dd_status_t attach_body(dd_stored_note_t *n, const char *body, size_t len, dd_error_t *err)
{
	if (!(n->body_owned_ = strndup(body, len))) {
		dd_stored_note_free(n);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	n->body = n->body_owned_;
	n->body_len = len;
	return DD_OK;
}

dd_status_t dd_results_note(const dd_results_t *res, size_t i, int with_body, dd_stored_note_t *out, dd_error_t *err)
{
	size_t len;
	memset(out, 0, sizeof *out);
	const char *data = dd_results_data(res, i, &len);
	/* a failed read says why, rather than "not valid JSON" */
	dd_status_t st = len ? DD_OK : dd_results_error(res, err);
	if (st == DD_OK)
		st = dd_stored_note_parse(data, len, out, err);
	if (st != DD_OK || !with_body)
		return st;
	const char *body = dd_results_value(res, i, DD_SLOT_BODY, &len);
	if ((st = dd_results_error(res, err)) != DD_OK) {
		dd_stored_note_free(out);
		return st;
	}
	return attach_body(out, body, len, err);
}

void dd_stored_note_free(dd_stored_note_t *n)
{
	free(n->body_owned_);
	free(n->storage_);
	free(n->tags);
	memset(n, 0, sizeof *n);
}

dd_status_t dd_engine_get_note(dd_engine_t *e, const char *id, dd_stored_note_t *out, dd_error_t *err)
{
	char term[DD_TERM_MAX + 32];
	dd_schema_id_term(id, term, sizeof term);
	char *data = NULL;
	size_t len = 0;
	memset(out, 0, sizeof *out);
	dd_status_t st = dd_db_get_data(e->db, term, &data, &len, err);
	if (st == DD_ERR_NOT_FOUND)
		return dd_error_set(err, st, "no note %s", id);
	if (st != DD_OK)
		return st;
	st = dd_stored_note_parse(data, len, out, err);
	free(data);
	if (st != DD_OK)
		return st;
	char *body = NULL;
	if ((st = dd_db_get_value(e->db, term, DD_SLOT_BODY, &body, err)) != DD_OK) {
		dd_stored_note_free(out);
		return st;
	}
	st = attach_body(out, body, strlen(body), err);
	free(body);
	if (st == DD_OK)
		dd_engine_name_tags(e, out);
	return st;
}

void dd_engine_search_options(dd_search_options_t *opts, size_t offset, size_t limit)
{
	dd_ranking_t r;
	dd_ranking_tuned(&r);
	dd_ranking_search_options(&r, opts, offset, limit);
}

/* Paragraphs of a note, with how many of the query's words and strings
 * each holds (a cheap substring count on normalised text), so the costly
 * tokenizer runs only where the best passage can be. */
typedef struct paragraph_hits {
	size_t start, end, hits;
	double distinct; /* weighted count of different words present */
} paragraph_hits_t;

typedef struct paragraph_scan {
	const dd_parsed_query_t *pq;
	const double *weights; /* per word, NULL: all 1 */
	const char *body;
	paragraph_hits_t *v;
	size_t n, cap;
	char *buf;
	size_t buf_size;
} paragraph_scan_t;

static int scan_paragraph(size_t number, size_t start, size_t end, void *vctx)
{
	(void)number;
	paragraph_scan_t *s = vctx;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		paragraph_hits_t *v = realloc(s->v, sizeof *v * cap);
		if (!v)
			return 1;
		s->v = v;
		s->cap = cap;
	}
	size_t need = (end - start) * 6 + 16;
	if (need > s->buf_size) {
		char *b = realloc(s->buf, need);
		if (!b)
			return 1;
		s->buf = b;
		s->buf_size = need;
	}
	paragraph_hits_t *p = &s->v[s->n++];
	*p = (paragraph_hits_t){ start, end, 0, 0 };
	if (!dd_normalize_into(s->body + start, end - start, s->buf, s->buf_size))
		return 0;
	const dd_parsed_query_t *pq = s->pq;
	for (size_t i = 0; i < pq->n_words + pq->n_literals; i++) {
		const char *w = i < pq->n_words ? pq->words[i] : pq->literals[i - pq->n_words];
		size_t count = 0;
		for (const char *h = s->buf; (h = strstr(h, w)) != NULL; h += strlen(w))
			count++;
		p->distinct += count > 0 ? (s->weights ? s->weights[i] : 1.0) : 0.0;
		p->hits += count;
	}
	return 0;
}

static int by_hits(const void *a, const void *b)
{
	const paragraph_hits_t *x = a, *y = b;
	if (x->distinct != y->distinct)
		return x->distinct > y->distinct ? -1 : 1;
	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

dd_status_t dd_engine_best_passage(dd_engine_t *e, const dd_parsed_query_t *pq, const double *weights,
                                   const dd_stored_note_t *note, size_t max_chars, size_t *start, size_t *end,
                                   dd_span_t **spans, size_t *n_spans, dd_error_t *err)
{
	*start = *end = 0;
	*spans = NULL;
	*n_spans = 0;
	paragraph_scan_t scan = { pq, weights, note->body, NULL, 0, 0, NULL, 0 };
	dd_note_foreach_paragraph(note->body, note->body_len, scan_paragraph, &scan);
	free(scan.buf);
	if (scan.n > 1)
		qsort(scan.v, scan.n, sizeof *scan.v, by_hits);
	size_t tries = scan.n < DD_SNIPPET_PARAGRAPHS ? scan.n : DD_SNIPPET_PARAGRAPHS;
	/* the runner-up paragraph is worth tokenizing only if it holds the
	 * query's words as well as the best one does */
	if (tries > 1 && (scan.v[1].hits == 0 || scan.v[1].distinct + 1e-9 < scan.v[0].distinct))
		tries = 1;
	double best_score = -1;
	dd_status_t st = DD_OK;
	dd_passage_options_t popts = { 1, max_chars, 0, weights, weights ? pq->n_words + pq->n_literals : 0 };
	for (size_t k = 0; k < tries && st == DD_OK; k++) {
		size_t at = scan.v[k].start, len = scan.v[k].end - at;
		dd_span_t *found = NULL;
		size_t n_found = 0;
		dd_passage_t *passages = NULL;
		size_t n_passages = 0;
		st = dd_highlight_spans(e->tokenizer, pq, note->body + at, len, &found, &n_found, err);
		if (st == DD_OK)
			st = dd_choose_passages(note->body + at, len, found, n_found, &popts, &passages, &n_passages,
			                        err);
		if (st == DD_OK && n_passages && passages[0].score > best_score) {
			/* keep the passage's spans, moved to body offsets */
			const dd_passage_t *p = &passages[0];
			if (p->n_spans)
				memmove(found, found + p->first_span, p->n_spans * sizeof *found);
			for (size_t i = 0; i < p->n_spans; i++) {
				found[i].start += at;
				found[i].end += at;
			}
			free(*spans);
			*spans = found;
			*n_spans = p->n_spans;
			found = NULL;
			*start = at + p->start;
			*end = at + p->end;
			best_score = p->score;
		}
		free(found);
		free(passages);
	}
	free(scan.v);
	if (st != DD_OK) {
		free(*spans);
		*spans = NULL;
		*n_spans = 0;
		*start = *end = 0;
	}
	return st;
}

dd_status_t dd_engine_topic_feedback(dd_engine_t *e, dd_parsed_query_t *pq, dd_error_t *err)
{
	dd_ranking_t r;
	dd_ranking_tuned(&r);
	return dd_ranking_topic_feedback(&r, e->db, e->keys, e->n_topics, pq, err);
}

dd_status_t dd_engine_feedback_boost(dd_engine_t *e, const dd_results_t *res, const dd_parsed_query_t *pq,
                                     dd_query_t **boost, dd_error_t *err)
{
	dd_ranking_t r;
	dd_ranking_tuned(&r);
	return dd_ranking_feedback_boost(&r, e->keys, e->n_topics, res, pq, boost, err);
}
