/* searching.c - the one search pipeline (see searching.h).  The steps and their
 * order are those dundian-search has always taken; ranking itself lives
 * behind dd_engine_parse, dd_engine_topic_feedback and
 * dd_engine_search_options. */
#include "searching.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buffer.h"
#include "plan.h"
#include "schema.h"
#include "text.h"

/* The facet fields are the schema's (schema.h). */
#define MAX_FACETS 32

const char *const *dd_search_facet_fields(void)
{
	static const char *names[MAX_FACETS + 1];
	size_t n_fields, n = 0;
	const dd_field_t *fields = dd_schema_fields(&n_fields);
	for (size_t i = 0; i < n_fields && n < MAX_FACETS; i++)
		if (fields[i].flags & DD_FIELD_FACET)
			names[n++] = fields[i].name;
	names[n] = NULL;
	return names;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The slots of the requested facet fields, or DD_ERR_INVALID naming the
 * unknown one. */
static dd_status_t facet_slots(const dd_search_request_t *req, unsigned *slots, dd_error_t *err)
{
	if (req->n_facets > MAX_FACETS)
		return dd_error_set(err, DD_ERR_INVALID, "at most %d facet fields", MAX_FACETS);
	for (size_t i = 0; i < req->n_facets; i++) {
		const dd_field_t *f = dd_schema_field(req->facets[i]);
		if (!f || !(f->flags & DD_FIELD_FACET) || f->slot == DD_NO_SLOT) {
			char known[256];
			dd_schema_field_names(DD_FIELD_FACET, known, sizeof known);
			return dd_error_set(err, DD_ERR_INVALID, "unknown facet '%s' (known: %s)", req->facets[i],
			                    known);
		}
		slots[i] = (unsigned)f->slot;
	}
	return DD_OK;
}

/* More like this: the seed note's best terms, the seed excluded,
 * restricted by whatever the query text says (q, consumed). */
static dd_status_t like_query(dd_engine_t *e, const char *id, dd_query_t *q, dd_query_t **out, dd_error_t *err)
{
	char seed[DD_TERM_MAX + 32];
	dd_schema_id_term(id, seed, sizeof seed);
	const char *idterms[1] = { seed };
	const char *prefixes[2] = { "", DD_PREFIX_TOPIC_RANK };
	dd_query_t *lq;
	dd_status_t st = dd_db_like_query(dd_engine_db(e), idterms, 1, 40, prefixes, 2, &lq, err);
	if (st != DD_OK) {
		dd_query_free(q);
		return st == DD_ERR_NOT_FOUND ? dd_error_set(err, st, "no note %s", id) : st;
	}
	dd_query_t *parts[2] = { lq, dd_query_term(seed, 1) };
	lq = dd_query_combine(DD_QUERY_AND_NOT, parts, 2);
	if (q) {
		dd_query_t *f[2] = { lq, q };
		lq = dd_query_combine(DD_QUERY_FILTER, f, 2);
	}
	*out = lq;
	return lq ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
}

typedef struct facet_collect {
	dd_facet_t *facet;
	size_t cap;
	int failed;
} facet_collect_t;

static void collect_facet(const char *value, size_t count, void *ctx)
{
	facet_collect_t *c = ctx;
	dd_facet_t *f = c->facet;
	if (c->failed)
		return;
	if (DD_ARRAY_RESERVE(f->values, f->n_values, c->cap, 1) != 0) {
		c->failed = 1;
		return;
	}
	char *copy = strdup(value);
	if (!copy) {
		c->failed = 1;
		return;
	}
	dd_facet_value_t *added = &f->values[f->n_values++];
	added->value = copy;
	added->name = copy;
	added->count = count;
}

static int by_count(const void *a, const void *b)
{
	const dd_facet_value_t *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

static dd_status_t read_facets(dd_engine_t *e, const dd_search_request_t *req, const unsigned *slots,
                               const dd_results_t *found, dd_search_result_t *res, dd_error_t *err)
{
	if (!req->n_facets)
		return DD_OK;
	if (!(res->facets = calloc(req->n_facets, sizeof *res->facets)))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	for (size_t f = 0; f < req->n_facets; f++) {
		dd_facet_t *facet = &res->facets[res->n_facets++];
		facet->field = req->facets[f];
		facet_collect_t c = { facet, 0, 0 };
		dd_results_foreach_facet(found, f, collect_facet, &c);
		if (c.failed)
			return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		if (facet->n_values > 1)
			qsort(facet->values, facet->n_values, sizeof *facet->values, by_count);
		if (slots[f] == DD_SLOT_TOPICS)
			for (size_t k = 0; k < facet->n_values; k++)
				facet->values[k].name = dd_engine_topic_label(e, facet->values[k].value);
	}
	return DD_OK;
}

/* The hit's snippet as plain text with its highlights in code points. */
static dd_status_t cut_snippet(dd_engine_t *e, const dd_parsed_query_t *pq, const double *weights, size_t max_chars,
                               dd_search_hit_t *hit, dd_error_t *err)
{
	const dd_stored_note_t *note = &hit->note;
	size_t start, end, n_spans;
	dd_span_t *spans;
	dd_status_t st = dd_engine_best_passage(e, pq, weights, note, max_chars, &start, &end, &spans, &n_spans, err);
	if (st != DD_OK)
		return st;
	hit->snippet = strndup(note->body + start, end - start);
	hit->highlights = calloc(n_spans + 1, sizeof *hit->highlights);
	if (!hit->snippet || !hit->highlights) {
		free(spans);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	/* spans are in order: count code points forwards once */
	size_t at = start, chars = 0;
	for (size_t i = 0; i < n_spans; i++) {
		chars += dd_utf8_length(note->body + at, spans[i].start - at);
		size_t len = dd_utf8_length(note->body + spans[i].start, spans[i].end - spans[i].start);
		dd_highlight_t *h = &hit->highlights[hit->n_highlights++];
		h->start = chars;
		h->end = chars + len;
		h->kind = dd_match_kind(pq, weights, spans[i].which);
		chars += len;
		at = spans[i].end;
	}
	free(spans);
	return DD_OK;
}

static dd_status_t read_hits(dd_engine_t *e, const dd_search_request_t *req, const dd_results_t *found,
                             dd_search_result_t *res, dd_error_t *err)
{
	size_t count = dd_results_count(found);
	if (!(res->hits = calloc(count + 1, sizeof *res->hits)))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	size_t max_chars = req->snippet_chars ? req->snippet_chars : DD_SEARCH_SNIPPET_CHARS;
	/* typed words count more than their thesaurus relatives: once per query */
	const dd_parsed_query_t *pq = &res->query;
	double *weights = req->snippets && pq->text ? dd_query_word_weights(pq, pq->text) : NULL;
	dd_status_t st = DD_OK;
	for (size_t i = 0; i < count && st == DD_OK; i++) {
		dd_search_hit_t *hit = &res->hits[res->n_hits];
		if ((st = dd_results_note(found, i, req->bodies || req->snippets, &hit->note, err)) != DD_OK)
			break;
		res->n_hits++;
		dd_engine_name_tags(e, &hit->note);
		hit->rank = req->offset + i + 1;
		hit->score = dd_results_score(found, i);
		if (req->snippets && (st = cut_snippet(e, pq, weights, max_chars, hit, err)) != DD_OK)
			break;
		if (!req->bodies && hit->note.body_len) {
			/* read for the snippet only */
			free(hit->note.body_owned_);
			hit->note.body_owned_ = NULL;
			hit->note.body = "";
			hit->note.body_len = 0;
		}
	}
	free(weights);
	return st;
}

/* The hits, facets and suggestion of a match (consumed); res freed on
 * failure. */
static dd_status_t finish(dd_engine_t *e, const dd_search_request_t *req, const unsigned *slots, dd_results_t *found,
                          dd_search_result_t *res, double started, dd_error_t *err)
{
	res->total = dd_results_total(found);
	dd_status_t st = read_hits(e, req, found, res, err);
	if (st == DD_OK)
		st = read_facets(e, req, slots, found, res, err);
	dd_results_free(found);
	if (st == DD_OK && req->suggest && res->query.plan)
		st = dd_suggest(e, &res->query, res->total, &res->suggestion, err);
	if (st != DD_OK) {
		dd_search_result_free(res);
		return st;
	}
	res->elapsed_ms = now_ms() - started;
	return DD_OK;
}

/* A first page in relevance order, without facets or --explain: topic
 * feedback can be decided from the page's own match (match_with_feedback)
 * instead of a match of its own. */
#define FEEDBACK_PAGE_MAX 50
/* match_with_feedback's window: a candidate for every this many notes */
#define FEEDBACK_WINDOW_NOTES 250
static int one_match(const dd_search_request_t *req)
{
	return req->sort != DD_SORT_DATE && !req->n_facets && !req->explain && req->limit != DD_SEARCH_ALL &&
	       req->offset + req->limit <= FEEDBACK_PAGE_MAX;
}

/* Topic feedback and its page in one match, where dd_engine_topic_feedback
 * matches pq's query for its DD_FEEDBACK_DOCS best notes, then the page is
 * matched again with the feedback's boost ORed in: this matches the query
 * for a few times the page's notes, decides the feedback from their best,
 * adds the boost's weight to them (dd_results_boost) and keeps the page,
 * when no note outside them could weigh enough to enter it.  When one
 * could, the boost goes into pq's query as dd_engine_topic_feedback puts
 * it and *found is NULL: the caller matches as usual. */
static dd_status_t match_with_feedback(dd_engine_t *e, const dd_search_request_t *req, dd_parsed_query_t *pq,
                                       dd_results_t **found, dd_error_t *err)
{
	*found = NULL;
	size_t page = req->offset + req->limit;
	/* A larger index holds more notes weighing close to the page's last
	 * one, which the boost could lift into it: the window grows with the
	 * index (at 50,000 notes, 30 candidates sent every query to a second
	 * match; FEEDBACK_WINDOW_NOTES) */
	size_t candidates = 3 * (page > DD_FEEDBACK_DOCS ? page : DD_FEEDBACK_DOCS);
	size_t by_size = dd_db_doc_count(dd_engine_db(e)) / FEEDBACK_WINDOW_NOTES;
	if (candidates < by_size)
		candidates = by_size;
	dd_search_options_t opts;
	dd_engine_search_options(&opts, 0, candidates + 1);
	opts.check_at_least =
	    req->check_at_least == DD_SEARCH_ALL ? dd_db_doc_count(dd_engine_db(e)) : req->check_at_least;
	dd_results_t *r;
	dd_status_t st = dd_db_search(dd_engine_db(e), pq->query, &opts, &r, err);
	if (st != DD_OK)
		return st;
	dd_query_t *boost = NULL;
	int whole = 0;
	st = dd_engine_feedback_boost(e, r, pq, &boost, err);
	if (st == DD_OK) {
		opts.offset = req->offset;
		opts.limit = req->limit;
		st = dd_results_boost(r, pq->query, boost, &opts, candidates, &whole, err);
	}
	if (st == DD_OK && whole) {
		*found = r;
		dd_query_free(boost);
		return DD_OK;
	}
	dd_results_free(r);
	if (st == DD_OK && boost) {
		dd_query_t *subs[2] = { pq->query, boost };
		pq->query = dd_query_combine(DD_QUERY_OR, subs, 2);
		return pq->query ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	dd_query_free(boost);
	return st;
}

static dd_status_t check_request(const dd_search_request_t *req, dd_error_t *err)
{
	if (req->offset > DD_SEARCH_MAX_OFFSET)
		return dd_error_set(err, DD_ERR_INVALID, "offset %zu is past %u", req->offset, DD_SEARCH_MAX_OFFSET);
	if (req->limit != DD_SEARCH_ALL && req->limit > DD_SEARCH_MAX_OFFSET)
		return dd_error_set(err, DD_ERR_INVALID, "limit %zu is past %u", req->limit, DD_SEARCH_MAX_OFFSET);
	return DD_OK;
}

dd_status_t dd_search(dd_engine_t *e, const dd_search_request_t *req, dd_search_result_t *res, dd_error_t *err)
{
	memset(res, 0, sizeof *res);
	double started = now_ms();
	unsigned slots[MAX_FACETS + 1];
	dd_status_t st = check_request(req, err);
	if (st == DD_OK)
		st = facet_slots(req, slots, err);
	if (st != DD_OK)
		return st;
	int has_text = req->text && req->text[0], like = req->like_id && req->like_id[0];
	if (has_text && (st = dd_engine_parse(e, req->text, &res->query, err)) != DD_OK)
		return st;
	size_t doc_count = dd_db_doc_count(dd_engine_db(e));
	if (has_text && !like && !req->no_feedback && res->query.plain && res->query.has_text && one_match(req)) {
		/* topic feedback and the page from one match (match_with_feedback) */
		dd_results_t *found = NULL;
		if ((st = match_with_feedback(e, req, &res->query, &found, err)) != DD_OK) {
			dd_search_result_free(res);
			return st;
		}
		if (found) {
			dd_query_free(res->query.query);
			res->query.query = NULL;
			return finish(e, req, slots, found, res, started, err);
		}
	} else if (has_text && !like && !req->no_feedback &&
	           (st = dd_engine_topic_feedback(e, &res->query, err)) != DD_OK) {
		dd_search_result_free(res);
		return st;
	}
	dd_query_t *q = has_text ? res->query.query : like ? NULL : dd_query_match_all();
	res->query.query = NULL;
	int ranked = res->query.has_text;
	if (like) {
		if ((st = like_query(e, req->like_id, q, &q, err)) != DD_OK) {
			dd_search_result_free(res);
			return st;
		}
		ranked = 1;
	}
	if (req->explain) {
		/* what was typed, as the parser understood it, then what runs */
		char *plan = res->query.plan ? dd_plan_describe(res->query.plan) : NULL;
		char *final = dd_query_describe(q);
		size_t len = (plan ? strlen(plan) : 0) + (final ? strlen(final) : 1) + 16;
		if ((res->explain = malloc(len)) != NULL)
			snprintf(res->explain, len, "%squery: %s", plan ? plan : "", final ? final : "?");
		free(plan);
		free(final);
	}

	dd_search_options_t opts;
	dd_engine_search_options(&opts, req->offset, req->limit == DD_SEARCH_ALL ? doc_count : req->limit);
	opts.check_at_least = req->check_at_least == DD_SEARCH_ALL ? doc_count : req->check_at_least;
	if (req->sort == DD_SORT_DATE || !ranked) {
		/* nothing to rank by: oldest first (same day: by id) */
		opts.sort_by_value = 1;
		opts.sort_slot = DD_SLOT_DATE_ID;
		opts.sort_descending = 0;
	}
	opts.facet_slots = slots;
	opts.facet_slot_count = req->n_facets;
	dd_results_t *found = NULL;
	st = dd_db_search(dd_engine_db(e), q, &opts, &found, err);
	dd_query_free(q);
	if (st != DD_OK) {
		dd_search_result_free(res);
		return st;
	}
	return finish(e, req, slots, found, res, started, err);
}

void dd_search_result_free(dd_search_result_t *res)
{
	for (size_t i = 0; i < res->n_hits; i++) {
		dd_stored_note_free(&res->hits[i].note);
		free(res->hits[i].snippet);
		free(res->hits[i].highlights);
	}
	free(res->hits);
	for (size_t f = 0; f < res->n_facets; f++) {
		for (size_t k = 0; k < res->facets[f].n_values; k++)
			free(res->facets[f].values[k].value);
		free(res->facets[f].values);
	}
	free(res->facets);
	dd_parsed_query_free(&res->query);
	free(res->explain);
	dd_suggestion_free(&res->suggestion);
	memset(res, 0, sizeof *res);
}
