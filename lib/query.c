/* query.c - recursive-descent parser for the query language (query.h).
 *
 * The lexer hands out one item at a time: an operator, a parenthesis, a
 * quoted string, a field:value or a chunk of plain text.  The parser builds
 * dd_query_t trees bottom up; field filters are not part of the tree but
 * gathered on the side and applied to the whole query at the end.
 */
#include "query.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "schema.h"
#include "text.h"

typedef enum { ITEM_END, ITEM_WORDS, ITEM_QUOTED, ITEM_FIELD, ITEM_AND, ITEM_OR, ITEM_NOT, ITEM_MINUS, ITEM_OPEN, ITEM_CLOSE } item_kind_t;

typedef struct item {
	item_kind_t kind;
	char *text;   /* words, quoted string or field value (malloc'd) */
	char field[16];
} item_t;

typedef struct filter {
	char *field;
	dd_query_t *q;
	int negated;
} filter_t;

typedef struct parser {
	const dd_query_context_t *ctx;
	const char *src, *p;
	item_t cur;
	dd_error_t *err;
	int failed;
	int structured; /* saw a quote, operator, parenthesis or field */
	int text_items; /* positive words or quoted strings seen */
	item_kind_t prev_kind; /* the item before the current one */
	filter_t *filters;
	size_t n_filters;
	dd_parsed_query_t *out;
} parser_t;

static void fail(parser_t *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parser_t *ps, const char *fmt, ...)
{
	if (ps->failed)
		return;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	dd_error_set(ps->err, DD_ERR_INVALID, "query '%s': %s", ps->src, what);
	ps->failed = 1;
}

static int add_unique(char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], s) == 0)
			return 0;
	char **l = realloc(*list, sizeof *l * (*n + 1));
	if (!l)
		return -1;
	*list = l;
	if (!(l[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

/* ---- lexer ---- */

static int is_space_at(const char *p, size_t *len)
{
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
		*len = 1;
		return 1;
	}
	if (strncmp(p, "\xE3\x80\x80", 3) == 0) { /* U+3000 ideographic space */
		*len = 3;
		return 1;
	}
	return 0;
}

/* Opening quote at p: returns its length and the closing quote's bytes. */
static size_t open_quote(const char *p, const char **close)
{
	if (*p == '"') {
		*close = "\"";
		return 1;
	}
	if (strncmp(p, "\xE2\x80\x9C", 3) == 0) { /* “ */
		*close = "\xE2\x80\x9D";
		return 3;
	}
	return 0;
}

static int ends_chunk(const char *p)
{
	size_t l;
	const char *c = NULL;
	return *p == '\0' || is_space_at(p, &l) || *p == '(' || *p == ')' || open_quote(p, &c);
}

static char *read_quoted(parser_t *ps)
{
	const char *close = NULL;
	size_t ql = open_quote(ps->p, &close);
	if (!ql || !close)
		return NULL;
	const char *start = ps->p + ql;
	const char *end = strstr(start, close);
	if (!end) {
		fail(ps, "unbalanced quote: a '\"' is opened but never closed");
		return NULL;
	}
	ps->p = end + strlen(close);
	return strndup(start, (size_t)(end - start));
}

static void lex_item(parser_t *ps);

static void next_item(parser_t *ps)
{
	ps->prev_kind = ps->cur.kind;
	lex_item(ps);
	if (ps->cur.kind != ITEM_WORDS && ps->cur.kind != ITEM_END)
		ps->structured = 1;
}

static void lex_item(parser_t *ps)
{
	free(ps->cur.text);
	memset(&ps->cur, 0, sizeof ps->cur);
	size_t sl;
	while (is_space_at(ps->p, &sl))
		ps->p += sl;
	const char *p = ps->p, *close = NULL;
	if (*p == '\0') {
		ps->cur.kind = ITEM_END;
		return;
	}
	if (*p == '(' || *p == ')') {
		ps->cur.kind = *p == '(' ? ITEM_OPEN : ITEM_CLOSE;
		ps->p++;
		return;
	}
	if (open_quote(p, &close)) {
		ps->cur.kind = ITEM_QUOTED;
		ps->cur.text = read_quoted(ps);
		return;
	}
	/* '-' or the full-width '－' (U+FF0D) right before a word excludes it */
	size_t space_len, minus_len = *p == '-' ? 1 : strncmp(p, "\xEF\xBC\x8D", 3) == 0 ? 3 : 0;
	if (minus_len && p[minus_len] && p[minus_len] != ')' && !is_space_at(p + minus_len, &space_len)) {
		ps->cur.kind = ITEM_MINUS;
		ps->p += minus_len;
		return;
	}
	const char *e = p;
	while (!ends_chunk(e))
		e++;
	size_t len = (size_t)(e - p);
	if ((len == 3 && memcmp(p, "AND", 3) == 0) || (len == 2 && memcmp(p, "OR", 2) == 0) ||
	    (len == 3 && memcmp(p, "NOT", 3) == 0)) {
		ps->cur.kind = p[0] == 'A' ? ITEM_AND : p[0] == 'O' ? ITEM_OR : ITEM_NOT;
		ps->p = e;
		return;
	}
	/* field:value — an ASCII name, a colon, then the value or a quote */
	const char *f = p;
	while (f < e && isalpha((unsigned char)*f))
		f++;
	if (f > p && f < e + 1 && *f == ':' && (size_t)(f - p) < sizeof ps->cur.field) {
		ps->cur.kind = ITEM_FIELD;
		memcpy(ps->cur.field, p, (size_t)(f - p));
		for (char *c = ps->cur.field; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		ps->p = f + 1;
		if (open_quote(ps->p, &close)) {
			ps->cur.text = read_quoted(ps);
		} else {
			const char *v = ps->p;
			while (!ends_chunk(ps->p))
				ps->p++;
			ps->cur.text = strndup(v, (size_t)(ps->p - v));
		}
		if (ps->cur.text && !ps->cur.text[0] && !ps->failed)
			fail(ps, "field '%s:' has no value", ps->cur.field);
		return;
	}
	ps->cur.kind = ITEM_WORDS;
	ps->cur.text = strndup(p, len);
	ps->p = e;
}

/* ---- building blocks ---- */

dd_query_t *dd_literal_query(const char *s)
{
	size_t len = strlen(s), i = 0, n = 0;
	size_t starts[1024];
	while (i < len && n < 1023) {
		starts[n++] = i;
		dd_utf8_next(s, &i);
	}
	starts[n] = i;
	char term[16];
	if (n == 0)
		return dd_query_match_nothing();
	if (n == 1) {
		snprintf(term, sizeof term, "%s%.*s", DD_PREFIX_CHAR, (int)(starts[1] - starts[0]), s);
		return dd_query_term(term, 1);
	}
	char **terms = calloc(n - 1, sizeof *terms);
	if (!terms)
		return NULL;
	for (size_t k = 0; k + 1 < n; k++) {
		size_t l = starts[k + 2 > n ? n : k + 2] - starts[k];
		terms[k] = malloc(l + 2);
		if (terms[k]) {
			terms[k][0] = DD_PREFIX_BIGRAM[0];
			memcpy(terms[k] + 1, s + starts[k], l);
			terms[k][l + 1] = '\0';
		}
	}
	int ok = 1;
	for (size_t k = 0; k + 1 < n; k++)
		ok &= terms[k] != NULL;
	dd_query_t *q = ok ? dd_query_phrase((const char *const *)terms, n - 1, (unsigned)(n - 1)) : NULL;
	for (size_t k = 0; k + 1 < n; k++)
		free(terms[k]);
	free(terms);
	return q;
}

/* An exact string: whitespace splits it into pieces that must all occur. */
static dd_query_t *quoted_query(parser_t *ps, const char *raw)
{
	char *norm = dd_normalize_string(raw, strlen(raw));
	if (!norm) {
		fail(ps, "out of memory");
		return NULL;
	}
	dd_query_t *parts[64];
	size_t n = 0;
	char *save = NULL;
	for (char *piece = strtok_r(norm, " \t\n", &save); piece && n < 64; piece = strtok_r(NULL, " \t\n", &save)) {
		if (strcmp(piece, "\xE3\x80\x80") == 0)
			continue;
		parts[n++] = dd_literal_query(piece);
		add_unique(&ps->out->literals, &ps->out->n_literals, piece);
	}
	free(norm);
	if (n == 0) {
		fail(ps, "empty quoted string");
		return NULL;
	}
	return dd_query_combine(DD_QUERY_AND, parts, n);
}

static size_t term_freq(const parser_t *ps, const char *term)
{
	return ps->ctx->db ? dd_db_term_freq(ps->ctx->db, term) : 1;
}

/* One typed word: itself (or its characters when the index has never seen
 * it), plus its thesaurus relatives and their topics at lower weight. */
static dd_query_t *word_query(parser_t *ps, const char *w, int expand)
{
	const dd_query_context_t *ctx = ps->ctx;
	dd_query_t *main_q;
	if (term_freq(ps, w) > 0) {
		main_q = dd_query_term(w, 1);
		add_unique(&ps->out->words, &ps->out->n_words, w);
	} else {
		main_q = dd_literal_query(w);
		add_unique(&ps->out->literals, &ps->out->n_literals, w);
	}
	if (!expand || !ctx->lexicon)
		return main_q;
	size_t groups[32];
	size_t ng = dd_lexicon_groups_of(ctx->lexicon, w, groups, 32);
	if (ng > 32)
		ng = 32;
	dd_query_t *subs[512];
	size_t n = 0;
	subs[n++] = main_q;
	char term[DD_TERM_MAX + 32];
	for (size_t g = 0; g < ng; g++) {
		size_t size = dd_lexicon_group_size(ctx->lexicon, groups[g]);
		for (size_t i = 0; i < size && n < 500; i++) {
			const char *v = dd_lexicon_group_word(ctx->lexicon, groups[g], i);
			if (strcmp(v, w) == 0 || term_freq(ps, v) == 0)
				continue;
			subs[n++] = dd_query_scale(dd_query_term(v, 1), ctx->expansion_weight);
			add_unique(&ps->out->words, &ps->out->n_words, v);
		}
		const char *topic = dd_lexicon_group_topic(ctx->lexicon, groups[g]);
		if (topic && n < 510) {
			dd_schema_topic_rank_term(topic, term, sizeof term);
			subs[n++] = dd_query_scale(dd_query_term(term, 1), ctx->topic_weight);
		}
	}
	return dd_query_combine(DD_QUERY_OR, subs, n);
}

typedef struct chunk_ctx {
	parser_t *ps;
	dd_query_t **subs;
	dd_query_t **mains; /* each word alone, without relatives */
	size_t n, cap;
	int expand;
} chunk_ctx_t;

static int chunk_word(const dd_token_t *tok, void *vctx)
{
	chunk_ctx_t *c = vctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		dd_query_t **s = realloc(c->subs, sizeof *s * cap);
		if (s)
			c->subs = s;
		dd_query_t **m = s ? realloc(c->mains, sizeof *m * cap) : NULL;
		if (!m)
			return 1;
		c->mains = m;
		c->cap = cap;
	}
	c->mains[c->n] = term_freq(c->ps, tok->text) > 0 ? dd_query_term(tok->text, 1) : dd_literal_query(tok->text);
	c->subs[c->n++] = word_query(c->ps, tok->text, c->expand);
	return 0;
}

/* Plain text: its words OR-ed (NULL if it holds no word at all). */
/* Plain text: its words OR-ed (NULL if it holds no word at all).  When
 * one chunk holds several words (河道污染 → 河道 污染), notes holding all of
 * them, and notes holding the chunk as written, are ranked up: a note about
 * river pollution beats one that mentions river channels many times. */
static dd_query_t *words_query(parser_t *ps, const char *text, int expand)
{
	chunk_ctx_t c = {ps, NULL, NULL, 0, 0, expand};
	dd_error_t err;
	dd_status_t st = dd_tokenize(ps->ctx->tokenizer, text, strlen(text), DD_TOKENIZE_QUERY, chunk_word, &c, &err);
	if (st != DD_OK) {
		fail(ps, "%s", err.message);
		for (size_t i = 0; i < c.n; i++) {
			dd_query_free(c.subs[i]);
			dd_query_free(c.mains[i]);
		}
		free(c.subs);
		free(c.mains);
		return NULL;
	}
	dd_query_t *q = NULL;
	if (c.n >= 2 && expand && ps->ctx->cooccurrence_weight > 0) {
		dd_query_t *all = dd_query_scale(dd_query_combine(DD_QUERY_AND, c.mains, c.n),
						 ps->ctx->cooccurrence_weight);
		dd_query_t *parts[2] = {dd_query_combine(DD_QUERY_OR, c.subs, c.n), all};
		q = dd_query_combine(DD_QUERY_OR, parts, 2);
	} else {
		for (size_t i = 0; i < c.n; i++)
			dd_query_free(c.mains[i]);
		q = c.n ? dd_query_combine(DD_QUERY_OR, c.subs, c.n) : NULL;
	}
	free(c.subs);
	free(c.mains);
	return q;
}

static dd_query_t *date_query(parser_t *ps, const char *v)
{
	char term[32];
	const char *dots = strstr(v, "..");
	if (dots) {
		char lo[16] = "", hi[16] = "";
		size_t ll = (size_t)(dots - v);
		if (ll >= sizeof lo || strlen(dots + 2) >= sizeof hi) {
			fail(ps, "bad date range '%s' (expected YYYY-MM-DD..YYYY-MM-DD)", v);
			return NULL;
		}
		memcpy(lo, v, ll);
		strcpy(hi, dots + 2);
		if ((lo[0] && !dd_date_valid(lo)) || (hi[0] && !dd_date_valid(hi)) || (!lo[0] && !hi[0])) {
			fail(ps, "bad date range '%s' (expected YYYY-MM-DD..YYYY-MM-DD)", v);
			return NULL;
		}
		if (lo[0] && hi[0] && strcmp(lo, hi) > 0) {
			fail(ps, "date range '%s' ends before it starts", v);
			return NULL;
		}
		return dd_query_value_range(DD_SLOT_DATE, lo[0] ? lo : NULL, hi[0] ? hi : NULL);
	}
	size_t l = strlen(v);
	int digits_ok = 1;
	for (size_t i = 0; i < l; i++)
		if (!(isdigit((unsigned char)v[i]) || ((i == 4 || i == 7) && v[i] == '-')))
			digits_ok = 0;
	int valid = (l == 10 && dd_date_valid(v)) ||
		    (l == 7 && digits_ok && v[4] == '-' && atoi(v + 5) >= 1 && atoi(v + 5) <= 12) || (l == 4 && digits_ok);
	if (!valid || dd_schema_date_term(v, term, sizeof term) != 0) {
		fail(ps, "bad date '%s' (expected YYYY-MM-DD, YYYY-MM, YYYY or a range A..B)", v);
		return NULL;
	}
	return dd_query_term(term, 1);
}

static dd_query_t *field_query(parser_t *ps, const char *field, const char *value)
{
	dd_query_t *q = NULL;
	if (strcmp(field, "date") == 0) {
		q = date_query(ps, value);
	} else if (strcmp(field, "topic") == 0 && ps->ctx->n_topics) {
		int known = 0;
		for (size_t i = 0; i < ps->ctx->n_topics; i++)
			known |= strcmp(ps->ctx->topics[i], value) == 0;
		if (!known) {
			char list[1024] = "";
			for (size_t i = 0; i < ps->ctx->n_topics; i++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
					 ps->ctx->topics[i]);
			fail(ps, "unknown topic '%s' (known: %s)", value, list);
			return NULL;
		}
	}
	if (!q && !ps->failed) {
		char term[DD_TERM_MAX + 32];
		const dd_field_t *f = dd_schema_field(field);
		if (!f || !(f->flags & DD_FIELD_FILTER) || dd_schema_filter_term(f, value, term, sizeof term) != 0) {
			char known[256];
			dd_schema_field_names(DD_FIELD_FILTER, known, sizeof known);
			fail(ps, "unknown field '%s:' (known: %s)", field, known);
			return NULL;
		}
		q = dd_query_term(term, 1);
	}
	return q;
}

/* A filter that restricts the whole query (see apply_filters). */
static void add_global_filter(parser_t *ps, const char *field, dd_query_t *q, int negated)
{
	filter_t *f = realloc(ps->filters, sizeof *f * (ps->n_filters + 1));
	if (!f) {
		dd_query_free(q);
		fail(ps, "out of memory");
		return;
	}
	ps->filters = f;
	f[ps->n_filters].field = strdup(field);
	f[ps->n_filters].q = q;
	f[ps->n_filters].negated = negated;
	ps->n_filters++;
}

/* ---- grammar ---- */

static dd_query_t *parse_expr(parser_t *ps, int depth);

/* A primary; *negative tells the caller to exclude it.  Returns NULL for
 * items that hold no query of their own (filters, punctuation only). */
static dd_query_t *parse_unary(parser_t *ps, int depth, int *negative)
{
	*negative = 0;
	while (ps->cur.kind == ITEM_NOT || ps->cur.kind == ITEM_MINUS) {
		*negative = !*negative;
		next_item(ps);
	}
	/* the lexer may have failed on this item (an unclosed quote): its
	 * text is then NULL and must not be used */
	if (ps->failed)
		return NULL;
	dd_query_t *q = NULL;
	switch (ps->cur.kind) {
	case ITEM_OPEN:
		next_item(ps);
		if (ps->cur.kind == ITEM_CLOSE) {
			fail(ps, "empty parentheses");
			return NULL;
		}
		q = parse_expr(ps, depth + 1);
		if (ps->failed) {
			dd_query_free(q);
			return NULL;
		}
		if (ps->cur.kind != ITEM_CLOSE) {
			dd_query_free(q);
			fail(ps, "unbalanced parenthesis: '(' is never closed");
			return NULL;
		}
		next_item(ps);
		return q;
	case ITEM_WORDS:
		ps->text_items += !*negative;
		q = words_query(ps, ps->cur.text, !*negative);
		next_item(ps);
		return q;
	case ITEM_QUOTED:
		ps->text_items += !*negative;
		q = quoted_query(ps, ps->cur.text);
		next_item(ps);
		return q;
	case ITEM_FIELD: {
		/* Next to AND / OR, or inside parentheses, a filter is an operand
		 * like any other (matching without weight); elsewhere it restricts
		 * the whole query, so `饮水 county:石林县` means water notes in that
		 * county, not water notes or that county's notes. */
		int operand = depth > 0 || ps->prev_kind == ITEM_AND || ps->prev_kind == ITEM_OR;
		char field[sizeof ps->cur.field];
		memcpy(field, ps->cur.field, sizeof field);
		q = field_query(ps, ps->cur.field, ps->cur.text);
		next_item(ps);
		operand |= ps->cur.kind == ITEM_AND || ps->cur.kind == ITEM_OR;
		if (!q)
			return NULL;
		if (operand)
			return dd_query_scale(q, 0);
		add_global_filter(ps, field, q, *negative);
		return NULL;
	}
	case ITEM_END:
		fail(ps, "the query ends where a word was expected (after NOT, AND, OR or '-')");
		return NULL;
	case ITEM_CLOSE:
		fail(ps, "unbalanced parenthesis: ')' without '('");
		return NULL;
	default:
		fail(ps, "'%s' needs a word before it", ps->cur.kind == ITEM_AND ? "AND" : "OR");
		return NULL;
	}
}

typedef struct list {
	dd_query_t *pos[256], *neg[256];
	size_t n_pos, n_neg;
} list_t;

static void list_add(list_t *l, dd_query_t *q, int negative)
{
	if (!q)
		return;
	if (negative && l->n_neg < 256)
		l->neg[l->n_neg++] = q;
	else if (!negative && l->n_pos < 256)
		l->pos[l->n_pos++] = q;
	else
		dd_query_free(q);
}

static void list_free(list_t *l)
{
	for (size_t i = 0; i < l->n_pos; i++)
		dd_query_free(l->pos[i]);
	for (size_t i = 0; i < l->n_neg; i++)
		dd_query_free(l->neg[i]);
	l->n_pos = l->n_neg = 0;
}

/* Combines positives with op, then removes the negatives.  Only negatives:
 * everything except them. */
static dd_query_t *list_build(list_t *l, dd_query_op_t op)
{
	if (l->n_pos == 0 && l->n_neg == 0)
		return NULL;
	dd_query_t *pos = l->n_pos ? dd_query_combine(op, l->pos, l->n_pos) : dd_query_match_all();
	if (!l->n_neg)
		return pos;
	dd_query_t *subs[2] = {pos, dd_query_combine(DD_QUERY_OR, l->neg, l->n_neg)};
	return dd_query_combine(DD_QUERY_AND_NOT, subs, 2);
}

/* A run of items joined by AND.  When every item is negative, returns
 * their OR and sets *negative, so the caller excludes them from its own
 * list (`a -b` is a AND NOT b, not a OR (everything but b)). */
static dd_query_t *parse_and(parser_t *ps, int depth, int *negative)
{
	list_t *l = calloc(1, sizeof *l);
	*negative = 0;
	if (!l) {
		fail(ps, "out of memory");
		return NULL;
	}
	int neg = 0;
	dd_query_t *q = parse_unary(ps, depth, &neg);
	list_add(l, q, neg);
	while (!ps->failed && ps->cur.kind == ITEM_AND) {
		next_item(ps);
		if (ps->failed)
			break;
		q = parse_unary(ps, depth, &neg);
		list_add(l, q, neg);
	}
	q = NULL;
	if (ps->failed) {
		list_free(l);
	} else if (l->n_pos == 0 && l->n_neg > 0) {
		q = dd_query_combine(DD_QUERY_OR, l->neg, l->n_neg);
		*negative = 1;
	} else {
		q = list_build(l, DD_QUERY_AND);
	}
	free(l);
	return q;
}

static dd_query_t *parse_expr(parser_t *ps, int depth)
{
	if (depth > 32) {
		fail(ps, "parentheses nested too deeply");
		return NULL;
	}
	list_t *l = calloc(1, sizeof *l);
	if (!l) {
		fail(ps, "out of memory");
		return NULL;
	}
	size_t operands = 0;
	while (!ps->failed && ps->cur.kind != ITEM_END && ps->cur.kind != ITEM_CLOSE) {
		if (ps->cur.kind == ITEM_OR) {
			if (operands == 0) {
				fail(ps, "'OR' needs a word before it");
				break;
			}
			next_item(ps);
			if (ps->cur.kind == ITEM_END || ps->cur.kind == ITEM_CLOSE) {
				fail(ps, "'OR' needs a word after it");
				break;
			}
		}
		int explicit_or = ps->prev_kind == ITEM_OR;
		int text_before = ps->text_items;
		/* A negative on its own in an OR list excludes from the whole list. */
		int negative = 0;
		dd_query_t *q = parse_and(ps, depth, &negative);
		operands++;
		/* At the top, a group of filters only, not joined by OR, restricts
		 * the whole query like a single filter: (county:A OR county:B) 饮水 */
		if (q && depth == 0 && !explicit_or && ps->cur.kind != ITEM_OR && ps->text_items == text_before &&
		    !ps->failed) {
			char name[32];
			snprintf(name, sizeof name, "(group %zu)", ps->n_filters);
			add_global_filter(ps, name, q, negative);
			continue;
		}
		list_add(l, q, negative);
	}
	dd_query_t *q = NULL;
	if (ps->failed)
		list_free(l);
	else
		q = list_build(l, DD_QUERY_OR);
	free(l);
	return q;
}

void dd_query_context_defaults(dd_query_context_t *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->expansion_weight = 0.5;
	ctx->topic_weight = 1.0;
	ctx->cooccurrence_weight = 1.0;
}

void dd_parsed_query_free(dd_parsed_query_t *pq)
{
	dd_query_free(pq->query);
	for (size_t i = 0; i < pq->n_words; i++)
		free(pq->words[i]);
	for (size_t i = 0; i < pq->n_literals; i++)
		free(pq->literals[i]);
	free(pq->words);
	free(pq->literals);
	free(pq->text);
	memset(pq, 0, sizeof *pq);
}

/* Filters: one field's values OR-ed, fields AND-ed, exclusions removed. */
static dd_query_t *apply_filters(parser_t *ps, dd_query_t *q)
{
	dd_query_t *and_parts[32];
	size_t n_and = 0;
	dd_query_t *excluded[64];
	size_t n_excl = 0;
	for (size_t i = 0; i < ps->n_filters; i++) {
		filter_t *f = &ps->filters[i];
		if (!f->q)
			continue;
		if (f->negated) {
			if (n_excl < 64)
				excluded[n_excl++] = f->q;
			else
				dd_query_free(f->q);
			f->q = NULL;
			continue;
		}
		dd_query_t *same[64];
		size_t n_same = 0;
		for (size_t j = i; j < ps->n_filters; j++) {
			filter_t *g = &ps->filters[j];
			if (g->q && !g->negated && strcmp(g->field, f->field) == 0 && n_same < 64) {
				same[n_same++] = g->q;
				g->q = NULL;
			}
		}
		if (n_and < 32)
			and_parts[n_and++] = dd_query_combine(DD_QUERY_OR, same, n_same);
	}
	if (n_and) {
		dd_query_t *subs[2] = {q, dd_query_combine(DD_QUERY_AND, and_parts, n_and)};
		q = dd_query_combine(DD_QUERY_FILTER, subs, 2);
	}
	if (n_excl) {
		dd_query_t *subs[2] = {q, dd_query_combine(DD_QUERY_OR, excluded, n_excl)};
		q = dd_query_combine(DD_QUERY_AND_NOT, subs, 2);
	}
	return q;
}

dd_status_t dd_query_parse(const dd_query_context_t *ctx, const char *text, dd_parsed_query_t *out, dd_error_t *err)
{
	memset(out, 0, sizeof *out);
	parser_t ps = {0};
	ps.ctx = ctx;
	ps.src = ps.p = text;
	ps.err = err;
	ps.out = out;
	if (!dd_utf8_valid(text, strlen(text), NULL))
		return dd_error_set(err, DD_ERR_INVALID, "query is not valid UTF-8");
	next_item(&ps);
	dd_query_t *q = ps.failed ? NULL : parse_expr(&ps, 0);
	if (!ps.failed && ps.cur.kind == ITEM_CLOSE)
		fail(&ps, "unbalanced parenthesis: ')' without '('");
	if (!ps.failed && !q && ps.n_filters == 0)
		fail(&ps, "the query is empty");
	free(ps.cur.text);
	if (!ps.failed) {
		out->text = strdup(text);
		out->has_text = q != NULL && ps.text_items > 0;
		out->plain = out->has_text && !ps.structured;
		out->query = apply_filters(&ps, q ? q : dd_query_match_all());
	} else {
		dd_query_free(q);
	}
	for (size_t i = 0; i < ps.n_filters; i++) {
		free(ps.filters[i].field);
		dd_query_free(ps.filters[i].q);
	}
	free(ps.filters);
	if (ps.failed) {
		dd_parsed_query_free(out);
		return DD_ERR_INVALID;
	}
	return DD_OK;
}
