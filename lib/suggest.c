/* suggest.c - "did you mean" (see suggest.h).  The plan is walked once;
 * each slip found becomes an edit of a span of the query text, and the
 * edited text, if it finds notes, is the suggestion. */
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "plan.h"
#include "schema.h"
#include "text.h"
#include "tokenizer.h"

typedef struct edit {
	size_t start, end; /* bytes of the query replaced */
	char *text;        /* by this */
} edit_t;

typedef struct suggester {
	dd_engine_t *e;
	dd_db_t *db;
	edit_t *edits;
	size_t n_edits, cap_edits;
	dd_buffer_t notes; /* "no county 石林" parts of the message */
	size_t checks;
	int found_nothing;  /* the query matched no note */
	dd_status_t status; /* the first failure */
	dd_error_t *err;
} suggester_t;

static void fail(suggester_t *sg, dd_status_t st, const char *what)
{
	if (sg->status == DD_OK)
		sg->status = dd_error_set(sg->err, st, "%s", what);
}

static void add_edit(suggester_t *sg, size_t start, size_t end, char *text)
{
	if (!text || DD_ARRAY_RESERVE(sg->edits, sg->n_edits, sg->cap_edits, 1) != 0) {
		free(text);
		fail(sg, DD_ERR_NOMEM, "out of memory");
		return;
	}
	sg->edits[sg->n_edits++] = (edit_t){ start, end, text };
}

/* 1 when some note holds s exactly (its normalised title or body), 0 when
 * none does, -1 when the search failed. */
static int occurs(suggester_t *sg, const char *s)
{
	dd_query_t *q = dd_literal_query(sg->db, s);
	if (!q)
		return -1;
	dd_search_options_t opts;
	memset(&opts, 0, sizeof opts);
	opts.limit = 1;
	dd_results_t *r;
	dd_error_t err;
	int found = -1;
	if (dd_db_search(sg->db, q, &opts, &r, &err) == DD_OK) {
		found = dd_results_count(r) > 0;
		dd_results_free(r);
	}
	dd_query_free(q);
	return found;
}

/* The word of the index w was probably meant to be (malloc'd), or NULL
 * when w is a word of the index, occurs as typed, or is close to none. */
static char *correct_word(suggester_t *sg, const char *w)
{
	if (dd_utf8_length(w, strlen(w)) < DD_SPELLING_MIN_CHARS || dd_db_term_freq(sg->db, w) > 0 ||
	    occurs(sg, w) != 0)
		return NULL;
	size_t chars = dd_utf8_length(w, strlen(w));
	return dd_db_spelling_suggestion(
	    sg->db, w, chars <= DD_SUGGEST_SHORT_CHARS ? DD_SUGGEST_EDITS_SHORT : DD_SUGGEST_EDITS_LONG);
}

/* ---- words ---- */

typedef struct token_span {
	size_t start, end;
	int single; /* one character */
} token_span_t;

typedef struct token_list {
	token_span_t *v;
	size_t n, cap;
	int failed;
} token_list_t;

static int collect_token(const dd_token_t *tok, void *vctx)
{
	token_list_t *l = vctx;
	if (DD_ARRAY_RESERVE(l->v, l->n, l->cap, 1) != 0) {
		l->failed = 1;
		return 1;
	}
	l->v[l->n++] = (token_span_t){ tok->start, tok->end, dd_utf8_length(tok->text, tok->len) == 1 };
	return 0;
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* The chunk (normalised) with its slips corrected (malloc'd), or NULL:
 * the whole chunk first, else each run of single characters the
 * tokenizer fell back to.  Chinese text the word breaker takes for words
 * (矿山, a word no note holds) is no slip: only a chunk where it fell back
 * to single characters (饮 说, 合 做 医疗) is looked at. */
static char *correct_chunk(suggester_t *sg, const char *norm)
{
	token_list_t toks = { 0 };
	dd_error_t err;
	if (dd_tokenize(dd_engine_tokenizer(sg->e), norm, strlen(norm), DD_TOKENIZE_QUERY, collect_token, &toks,
	                &err) != DD_OK ||
	    toks.failed) {
		free(toks.v);
		return NULL; /* the plan tokenized it already: only memory can fail */
	}
	int fell_back = ascii(norm) || sg->found_nothing;
	for (size_t i = 0; i < toks.n; i++)
		fell_back |= toks.v[i].single;
	char *whole = fell_back ? correct_word(sg, norm) : NULL;
	if (whole || !fell_back) {
		free(toks.v);
		return whole;
	}
	dd_buffer_t out = { 0 };
	size_t at = 0;
	int changed = 0;
	for (size_t i = 0; i < toks.n; i++) {
		size_t j = i;
		while (toks.v[i].single && j + 1 < toks.n && toks.v[j + 1].single &&
		       toks.v[j + 1].start == toks.v[j].end)
			j++;
		if (j == i)
			continue;
		char *run = strndup(norm + toks.v[i].start, toks.v[j].end - toks.v[i].start);
		char *better = run ? correct_word(sg, run) : NULL;
		if (better) {
			dd_buffer_add(&out, norm + at, toks.v[i].start - at);
			dd_buffer_puts(&out, better);
			at = toks.v[j].end;
			changed = 1;
		}
		free(run);
		free(better);
		i = j;
	}
	free(toks.v);
	if (!changed) {
		dd_buffer_free(&out);
		return NULL;
	}
	dd_buffer_puts(&out, norm + at);
	return dd_buffer_take(&out);
}

static void words_slip(suggester_t *sg, const dd_plan_node_t *n)
{
	char *norm = dd_normalize_string(n->text, strlen(n->text));
	if (!norm) {
		fail(sg, DD_ERR_NOMEM, "out of memory");
		return;
	}
	char *better =
	    dd_utf8_length(norm, strlen(norm)) <= DD_SUGGEST_MAX_CHUNK_CHARS ? correct_chunk(sg, norm) : NULL;
	free(norm);
	if (better)
		add_edit(sg, n->start, n->end, better);
}

/* A quoted string: each piece no note holds, corrected. */
static void literal_slip(suggester_t *sg, const dd_plan_node_t *n)
{
	dd_buffer_t out = { 0 };
	int changed = 0;
	dd_buffer_puts(&out, "\"");
	for (size_t i = 0; i < n->n_items; i++) {
		char *better = occurs(sg, n->items[i]) == 0 ? correct_word(sg, n->items[i]) : NULL;
		dd_buffer_printf(&out, "%s%s", i ? " " : "", better ? better : n->items[i]);
		changed |= better != NULL;
		free(better);
	}
	dd_buffer_puts(&out, "\"");
	if (changed)
		add_edit(sg, n->start, n->end, dd_buffer_take(&out));
	else
		dd_buffer_free(&out);
}

/* ---- filter values ---- */

typedef struct value_list {
	const char *typed; /* normalised value typed */
	char *v[DD_SUGGEST_MAX_VALUES + 1];
	size_t n;
	int failed;
} value_list_t;

static int collect_value(const char *suffix, void *vctx)
{
	value_list_t *l = vctx;
	size_t len = strlen(l->typed) + strlen(suffix) + 1;
	if (!(l->v[l->n] = malloc(len))) {
		l->failed = 1;
		return 1;
	}
	snprintf(l->v[l->n++], len, "%s%s", l->typed, suffix);
	return l->n > DD_SUGGEST_MAX_VALUES;
}

/* field:value that no note has: the values starting with it. */
static void field_slip(suggester_t *sg, const dd_plan_node_t *n)
{
	const dd_field_t *f = dd_schema_field(n->field);
	char term[DD_TERM_MAX + 32];
	if (!f || !f->prefix || (f->flags & DD_FIELD_VERBATIM) ||
	    dd_schema_filter_term(f, n->text, term, sizeof term) != 0 || dd_db_term_freq(sg->db, term) > 0)
		return;
	value_list_t values = { term + strlen(f->prefix), { 0 }, 0, 0 };
	dd_error_t err;
	if (dd_db_foreach_term(sg->db, term, collect_value, &values, &err) != DD_OK || values.failed) {
		for (size_t i = 0; i < values.n; i++)
			free(values.v[i]);
		return;
	}
	if (values.n == 0)
		return;
	dd_buffer_printf(&sg->notes, "%sno %s %s", sg->notes.len ? "; " : "", f->name, n->text);
	if (values.n == 1) {
		size_t len = strlen(f->name) + strlen(values.v[0]) + 2;
		char *replacement = malloc(len);
		if (replacement)
			snprintf(replacement, len, "%s:%s", f->name, values.v[0]);
		add_edit(sg, n->start, n->end, replacement);
	} else {
		dd_buffer_printf(&sg->notes, " (values starting with it: ");
		for (size_t i = 0; i < values.n && i < DD_SUGGEST_MAX_VALUES; i++)
			dd_buffer_printf(&sg->notes, "%s%s", i ? ", " : "", values.v[i]);
		dd_buffer_printf(&sg->notes, "%s)", values.n > DD_SUGGEST_MAX_VALUES ? ", …" : "");
	}
	for (size_t i = 0; i < values.n; i++)
		free(values.v[i]);
}

/* ---- the walk ---- */

static void visit(suggester_t *sg, const dd_plan_node_t *n)
{
	if (!n || sg->status != DD_OK || n->kind == DD_PLAN_NOT)
		return;
	switch (n->kind) {
	case DD_PLAN_WORDS:
	case DD_PLAN_LITERAL:
	case DD_PLAN_FIELD:
		if (sg->checks++ >= DD_SUGGEST_MAX_CHECKS)
			return;
		if (n->kind == DD_PLAN_WORDS)
			words_slip(sg, n);
		else if (n->kind == DD_PLAN_LITERAL)
			literal_slip(sg, n);
		else
			field_slip(sg, n);
		return;
	default:
		for (size_t i = 0; i < n->n_children; i++)
			visit(sg, n->children[i]);
	}
}

static int by_start(const void *a, const void *b)
{
	const edit_t *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Whether query finds any note. */
static int finds_notes(dd_engine_t *e, const char *query)
{
	dd_parsed_query_t pq;
	dd_error_t err;
	if (dd_engine_parse(e, query, &pq, &err) != DD_OK)
		return 0;
	dd_search_options_t opts;
	dd_engine_search_options(&opts, 0, 1);
	dd_results_t *r;
	int found = 0;
	if (dd_db_search(dd_engine_db(e), pq.query, &opts, &r, &err) == DD_OK) {
		found = dd_results_count(r) > 0;
		dd_results_free(r);
	}
	dd_parsed_query_free(&pq);
	return found;
}

dd_status_t dd_suggest(dd_engine_t *e, const dd_parsed_query_t *pq, size_t total, dd_suggestion_t *out, dd_error_t *err)
{
	memset(out, 0, sizeof *out);
	const dd_plan_t *plan = pq->plan;
	if (!plan || !plan->text)
		return DD_OK;
	suggester_t sg = { e, dd_engine_db(e), NULL, 0, 0, { 0 }, 0, total == 0, DD_OK, err };
	visit(&sg, plan->root);
	for (size_t i = 0; i < plan->n_filters; i++)
		if (!plan->filters[i].negated)
			visit(&sg, plan->filters[i].node);
	dd_buffer_t query = { 0 };
	if (sg.status == DD_OK && sg.n_edits) {
		qsort(sg.edits, sg.n_edits, sizeof *sg.edits, by_start);
		size_t at = 0;
		for (size_t i = 0; i < sg.n_edits; i++) {
			if (sg.edits[i].start < at)
				continue; /* spans never overlap; be safe */
			dd_buffer_add(&query, plan->text + at, sg.edits[i].start - at);
			dd_buffer_puts(&query, sg.edits[i].text);
			at = sg.edits[i].end;
		}
		dd_buffer_puts(&query, plan->text + at);
		out->query = dd_buffer_take(&query);
		if (!out->query)
			fail(&sg, DD_ERR_NOMEM, "out of memory");
		else if (!finds_notes(e, out->query)) {
			free(out->query);
			out->query = NULL;
		}
	}
	for (size_t i = 0; i < sg.n_edits; i++)
		free(sg.edits[i].text);
	free(sg.edits);
	if (sg.status == DD_OK && (out->query || sg.notes.len)) {
		dd_buffer_t m = { 0 };
		dd_buffer_puts(&m, sg.notes.len ? sg.notes.s : "");
		if (out->query)
			dd_buffer_printf(&m, "%sdid you mean %s?", sg.notes.len ? "; " : "", out->query);
		if (!(out->message = dd_buffer_take(&m)))
			fail(&sg, DD_ERR_NOMEM, "out of memory");
	}
	dd_buffer_free(&sg.notes);
	if (sg.status != DD_OK)
		dd_suggestion_free(out);
	return sg.status;
}

void dd_suggestion_free(dd_suggestion_t *s)
{
	free(s->query);
	free(s->message);
	memset(s, 0, sizeof *s);
}
