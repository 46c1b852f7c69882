/* plan.c - recursive-descent parser for the query language (plan.h).
 *
 * The lexer hands out one item at a time: an operator, a parenthesis, a
 * quoted string, a field:value or a chunk of plain text.  The parser builds
 * plan nodes bottom up; global filters are gathered on the side.  Lists of
 * operands grow as needed: the only limits are the bounds of plan.h,
 * checked up front (bytes), while descending (depth) and per item.
 */
#include "plan.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "note.h"
#include "schema.h"
#include "text.h"

/* ---- one-line errors ---- */

/* How much of a query an error message shows, escaped: the message buffer
 * holds 512 bytes and the reason must fit after it. */
#define SHOWN_QUERY_BYTES 160

/* Bytes that byte c takes once escaped so the message stays on one line. */
static size_t escaped_size(unsigned char c)
{
	return c == '\n' || c == '\r' || c == '\t' ? 2 : c < 0x20 || c == 0x7f ? 4 : 1;
}

/* Appends s[0..len) to buf at *used, escaped (buf must have room). */
static void append_escaped(char *buf, size_t size, size_t *used, const char *s, size_t len)
{
	for (size_t i = 0; i < len && *used + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == '\t')
			*used += (size_t)snprintf(buf + *used, size - *used, "\\%c",
			                          c == '\n'   ? 'n'
			                          : c == '\r' ? 'r'
			                                      : 't');
		else if (escaped_size(c) == 4)
			*used += (size_t)snprintf(buf + *used, size - *used, "\\x%02x", c);
		else
			buf[(*used)++] = (char)c;
	}
	buf[*used] = '\0';
}

static int continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

dd_status_t dd_query_error(dd_error_t *err, dd_status_t status, const char *query, const char *fmt, ...)
{
	char what[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	size_t len = strlen(query), total = 0;
	for (size_t i = 0; i < len && total <= SHOWN_QUERY_BYTES; i++)
		total += escaped_size((unsigned char)query[i]);
	char shown[SHOWN_QUERY_BYTES + 32];
	size_t used = 0;
	if (total <= SHOWN_QUERY_BYTES) {
		append_escaped(shown, sizeof shown, &used, query, len);
	} else {
		/* the beginning and the end, where mistakes usually are, each
		 * cut on a character boundary */
		size_t head = 0, tail = len, room = 0;
		while (head < len && room + escaped_size((unsigned char)query[head]) <= SHOWN_QUERY_BYTES / 2)
			room += escaped_size((unsigned char)query[head++]);
		while (head > 0 && continuation(query[head]))
			head--;
		for (room = 0;
		     tail > head && room + escaped_size((unsigned char)query[tail - 1]) <= SHOWN_QUERY_BYTES / 2;)
			room += escaped_size((unsigned char)query[--tail]);
		while (tail < len && continuation(query[tail]))
			tail++;
		append_escaped(shown, sizeof shown, &used, query, head);
		used += (size_t)snprintf(shown + used, sizeof shown - used, "…");
		append_escaped(shown, sizeof shown, &used, query + tail, len - tail);
	}
	char safe_what[sizeof what + 64];
	used = 0;
	append_escaped(safe_what, sizeof safe_what, &used, what, strlen(what));
	return dd_error_set(err, status, "query '%s': %s", shown, safe_what);
}

/* ---- nodes ---- */

static dd_plan_node_t *node_new(dd_plan_kind_t kind, size_t start, size_t end)
{
	dd_plan_node_t *n = calloc(1, sizeof *n);
	if (n) {
		n->kind = kind;
		n->start = start;
		n->end = end;
	}
	return n;
}

static void node_free(dd_plan_node_t *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_items; i++)
		free(n->items[i]);
	free(n->items);
	for (size_t i = 0; i < n->n_children; i++)
		node_free(n->children[i]);
	free(n->children);
	free(n->text);
	free(n);
}

static int push_ptr(void ***list, size_t *n, void *p)
{
	void **l = realloc(*list, sizeof *l * (*n + 1));
	if (!l)
		return -1;
	l[(*n)++] = p;
	*list = l;
	return 0;
}

void dd_plan_free(dd_plan_t *plan)
{
	if (!plan)
		return;
	node_free(plan->root);
	for (size_t i = 0; i < plan->n_filters; i++) {
		free(plan->filters[i].name);
		node_free(plan->filters[i].node);
	}
	free(plan->filters);
	free(plan->text);
	free(plan);
}

/* ---- parser state ---- */

typedef enum {
	ITEM_END,
	ITEM_WORDS,
	ITEM_PREFIX, /* a word ending in a star: its text without the star */
	ITEM_QUOTED,
	ITEM_FIELD,
	ITEM_AND,
	ITEM_OR,
	ITEM_NOT,
	ITEM_MINUS,
	ITEM_OPEN,
	ITEM_CLOSE
} item_kind_t;

typedef struct item {
	item_kind_t kind;
	char *text; /* words, quoted string or field value (malloc'd) */
	char field[16];
	size_t start, end; /* bytes of the whole item */
} item_t;

typedef struct parser {
	const dd_plan_options_t *opts;
	const char *src, *p;
	item_t cur;
	dd_error_t *err;
	int failed;
	int structured;        /* saw a quote, operator, parenthesis or field */
	int text_items;        /* positive words or quoted strings seen */
	size_t items;          /* words, pieces and values, against DD_PLAN_MAX_ITEMS */
	item_kind_t prev_kind; /* the item before the current one */
	dd_plan_t *plan;
} parser_t;

static void fail(parser_t *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(parser_t *ps, const char *fmt, ...)
{
	if (ps->failed)
		return;
	char what[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	dd_query_error(ps->err, DD_ERR_INVALID, ps->src, "%s", what);
	ps->failed = 1;
}

static void fail_nomem(parser_t *ps)
{
	if (!ps->failed)
		dd_query_error(ps->err, DD_ERR_NOMEM, ps->src, "out of memory");
	ps->failed = 1;
}

/* Counts one more word, piece or value against the bound. */
static int count_item(parser_t *ps)
{
	if (++ps->items > DD_PLAN_MAX_ITEMS) {
		fail(ps, "too many words, quoted pieces and field values (at most %d)", DD_PLAN_MAX_ITEMS);
		return -1;
	}
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
	char *s = strndup(start, (size_t)(end - start));
	if (!s)
		fail_nomem(ps);
	return s;
}

static void lex_item(parser_t *ps);

/* Whether [p, e) holds a star ('*' or the full-width '＊'); *at gets the
 * offset of the first. */
static int star_at(const char *p, const char *e, size_t *at)
{
	for (const char *c = p; c < e; c++)
		if (*c == '*' || (e - c >= 3 && memcmp(c, "\xEF\xBC\x8A", 3) == 0)) {
			*at = (size_t)(c - p);
			return 1;
		}
	return 0;
}

static void next_item(parser_t *ps)
{
	ps->prev_kind = ps->cur.kind;
	lex_item(ps);
	ps->cur.end = (size_t)(ps->p - ps->src);
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
	ps->cur.start = (size_t)(p - ps->src);
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
	if (f > p && f < e + 1 && *f == ':' && (size_t)(f - p) >= sizeof ps->cur.field) {
		/* no field has so long a name: say so, rather than search the
		 * name and value as words */
		char known[256];
		dd_schema_field_names(DD_FIELD_FILTER, known, sizeof known);
		fail(ps, "unknown field '%.*s…:' (known: %s)", (int)sizeof ps->cur.field - 1, p, known);
		return;
	}
	if (f > p && f < e + 1 && *f == ':') {
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
			if (!(ps->cur.text = strndup(v, (size_t)(ps->p - v))))
				fail_nomem(ps);
		}
		if (ps->cur.text && !ps->cur.text[0] && !ps->failed)
			fail(ps, "field '%s:' has no value", ps->cur.field);
		return;
	}
	ps->cur.kind = ITEM_WORDS;
	size_t at;
	if (star_at(p, e, &at) && !ps->failed) {
		/* 自来*: a prefix; a star anywhere else is refused rather than
		 * dropped, which would silently search something else */
		size_t star_len = p[at] == '*' ? 1 : 3;
		if (at == 0 && star_len == len) {
			fail(ps, "a bare '*' matches every word: put at least %d characters before it, as in 自来*",
			     DD_PLAN_MIN_PREFIX_CHARS);
			return;
		}
		if (at + star_len != len) {
			fail(ps, "'*' may only end a word, as in 自来* (put the query in quotes to search a '*')");
			return;
		}
		ps->cur.kind = ITEM_PREFIX;
		len = at;
	}
	if (!(ps->cur.text = strndup(p, len)))
		fail_nomem(ps);
	ps->p = e;
}

/* ---- leaves ---- */

typedef struct chunk_ctx {
	parser_t *ps;
	dd_plan_node_t *node;
} chunk_ctx_t;

static int chunk_word(const dd_token_t *tok, void *vctx)
{
	chunk_ctx_t *c = vctx;
	if (count_item(c->ps) != 0)
		return 1;
	char *w = strdup(tok->text);
	if (!w || push_ptr((void ***)&c->node->items, &c->node->n_items, w) != 0) {
		free(w);
		fail_nomem(c->ps);
		return 1;
	}
	return 0;
}

/* Plain text: a WORDS node of its words, or NULL when it holds none (only
 * punctuation) or on failure. */
static dd_plan_node_t *words_node(parser_t *ps, int expand)
{
	dd_plan_node_t *n = node_new(DD_PLAN_WORDS, ps->cur.start, ps->cur.end);
	if (!n || !(n->text = strdup(ps->cur.text))) {
		node_free(n);
		fail_nomem(ps);
		return NULL;
	}
	n->expand = expand;
	chunk_ctx_t c = { ps, n };
	dd_error_t err;
	dd_status_t st =
	    dd_tokenize(ps->opts->tokenizer, n->text, strlen(n->text), DD_TOKENIZE_QUERY, chunk_word, &c, &err);
	if (st != DD_OK)
		fail(ps, "%s", err.message);
	if (ps->failed || n->n_items == 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* word*: a PREFIX node of the normalised word (NULL after failing). */
static dd_plan_node_t *prefix_node(parser_t *ps)
{
	dd_plan_node_t *n = node_new(DD_PLAN_PREFIX, ps->cur.start, ps->cur.end);
	char *norm = dd_normalize_string(ps->cur.text, strlen(ps->cur.text));
	if (!n || !norm || !(n->text = strdup(ps->cur.text)) || push_ptr((void ***)&n->items, &n->n_items, norm) != 0) {
		free(norm);
		node_free(n);
		fail_nomem(ps);
		return NULL;
	}
	if (dd_utf8_length(norm, strlen(norm)) < DD_PLAN_MIN_PREFIX_CHARS)
		fail(ps, "prefix '%s*' is too short: put at least %d characters before the '*'", n->text,
		     DD_PLAN_MIN_PREFIX_CHARS);
	else
		count_item(ps);
	if (ps->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* An exact string: whitespace splits it into pieces that must all occur. */
static dd_plan_node_t *literal_node(parser_t *ps)
{
	dd_plan_node_t *n = node_new(DD_PLAN_LITERAL, ps->cur.start, ps->cur.end);
	char *norm = dd_normalize_string(ps->cur.text, strlen(ps->cur.text));
	if (!n || !norm || !(n->text = strdup(ps->cur.text))) {
		free(norm);
		node_free(n);
		fail_nomem(ps);
		return NULL;
	}
	char *save = NULL;
	for (char *piece = strtok_r(norm, " \t\n", &save); piece; piece = strtok_r(NULL, " \t\n", &save)) {
		if (strcmp(piece, "\xE3\x80\x80") == 0)
			continue;
		if (count_item(ps) != 0)
			break;
		char *copy = strdup(piece);
		if (!copy || push_ptr((void ***)&n->items, &n->n_items, copy) != 0) {
			free(copy);
			fail_nomem(ps);
			break;
		}
	}
	free(norm);
	if (!ps->failed && n->n_items == 0)
		fail(ps, "empty quoted string");
	if (ps->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* date:v into n (DATE); 0, or -1 after failing. */
static int parse_date(parser_t *ps, dd_plan_node_t *n, const char *v)
{
	const char *dots = strstr(v, "..");
	if (dots) {
		char lo[16] = "", hi[16] = "";
		size_t ll = (size_t)(dots - v);
		if (ll >= sizeof lo || strlen(dots + 2) >= sizeof hi) {
			fail(ps, "bad date range '%s' (expected YYYY-MM-DD..YYYY-MM-DD)", v);
			return -1;
		}
		memcpy(lo, v, ll);
		strcpy(hi, dots + 2);
		if ((lo[0] && !dd_date_valid(lo)) || (hi[0] && !dd_date_valid(hi)) || (!lo[0] && !hi[0])) {
			fail(ps, "bad date range '%s' (expected YYYY-MM-DD..YYYY-MM-DD)", v);
			return -1;
		}
		if (lo[0] && hi[0] && strcmp(lo, hi) > 0) {
			fail(ps, "date range '%s' ends before it starts", v);
			return -1;
		}
		n->date_kind = DD_DATE_RANGE;
		snprintf(n->date_lo, sizeof n->date_lo, "%s", lo);
		snprintf(n->date_hi, sizeof n->date_hi, "%s", hi);
		return 0;
	}
	size_t l = strlen(v);
	int digits_ok = 1;
	for (size_t i = 0; i < l; i++)
		if (!(isdigit((unsigned char)v[i]) || ((i == 4 || i == 7) && v[i] == '-')))
			digits_ok = 0;
	if (l == 10 && dd_date_valid(v)) {
		n->date_kind = DD_DATE_DAY;
	} else if (l == 7 && digits_ok && v[4] == '-' && atoi(v + 5) >= 1 && atoi(v + 5) <= 12) {
		n->date_kind = DD_DATE_MONTH;
	} else if (l == 4 && digits_ok) {
		n->date_kind = DD_DATE_YEAR;
	} else {
		fail(ps, "bad date '%s' (expected YYYY-MM-DD, YYYY-MM, YYYY or a range A..B)", v);
		return -1;
	}
	snprintf(n->date_lo, sizeof n->date_lo, "%s", v);
	return 0;
}

/* The current field item as a FIELD or DATE node (NULL after failing). */
static dd_plan_node_t *field_node(parser_t *ps)
{
	const char *field = ps->cur.field, *value = ps->cur.text;
	int is_date = strcmp(field, "date") == 0;
	dd_plan_node_t *n = node_new(is_date ? DD_PLAN_DATE : DD_PLAN_FIELD, ps->cur.start, ps->cur.end);
	if (!n || !(n->text = strdup(value))) {
		node_free(n);
		fail_nomem(ps);
		return NULL;
	}
	memcpy(n->field, field, sizeof n->field);
	if (count_item(ps) != 0 || (is_date && parse_date(ps, n, value) != 0)) {
		node_free(n);
		return NULL;
	}
	if (!is_date && strcmp(field, "topic") == 0 && ps->opts->n_topics) {
		int known = 0;
		for (size_t i = 0; i < ps->opts->n_topics; i++)
			known |= strcmp(ps->opts->topics[i], value) == 0;
		/* the name results show stands for its key */
		for (size_t i = 0; !known && ps->opts->topic_names && i < ps->opts->n_topics; i++) {
			const char *name = ps->opts->topic_names[i];
			if (name && name[0] && strcmp(name, value) == 0) {
				char *key = strdup(ps->opts->topics[i]);
				if (!key) {
					node_free(n);
					fail_nomem(ps);
					return NULL;
				}
				free(n->text);
				n->text = key;
				known = 1;
			}
		}
		if (!known) {
			char list[1024] = "";
			for (size_t i = 0; i < ps->opts->n_topics; i++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
				         ps->opts->topics[i]);
			fail(ps, "unknown topic '%s' (known: %s)", value, list);
			node_free(n);
			return NULL;
		}
	}
	const dd_field_t *f = dd_schema_field(field);
	if (!f || !(f->flags & DD_FIELD_FILTER)) {
		char known[256];
		dd_schema_field_names(DD_FIELD_FILTER, known, sizeof known);
		fail(ps, "unknown field '%s:' (known: %s)", field, known);
		node_free(n);
		return NULL;
	}
	return n;
}

static void add_global_filter(parser_t *ps, const char *name, dd_plan_node_t *node, int negated)
{
	dd_plan_t *plan = ps->plan;
	dd_plan_filter_t *f = realloc(plan->filters, sizeof *f * (plan->n_filters + 1));
	char *copy = strdup(name);
	if (!f || !copy) {
		if (f)
			plan->filters = f;
		free(copy);
		node_free(node);
		fail_nomem(ps);
		return;
	}
	plan->filters = f;
	dd_plan_filter_t *added = &f[plan->n_filters++];
	added->name = copy;
	added->negated = negated;
	added->node = node;
}

/* ---- grammar ---- */

static dd_plan_node_t *parse_expr(parser_t *ps, int depth);

/* A node whose kind wraps one child. */
static dd_plan_node_t *wrap(parser_t *ps, dd_plan_kind_t kind, dd_plan_node_t *child, size_t start, size_t end)
{
	dd_plan_node_t *n = node_new(kind, start, end);
	if (!n || push_ptr((void ***)&n->children, &n->n_children, child) != 0) {
		node_free(n);
		node_free(child);
		fail_nomem(ps);
		return NULL;
	}
	return n;
}

/* A primary; *negative tells the caller to exclude it.  Returns NULL for
 * items that hold no query of their own (global filters, punctuation). */
static dd_plan_node_t *parse_unary(parser_t *ps, int depth, int *negative, size_t *start)
{
	*negative = 0;
	*start = ps->cur.start; /* of the NOT or '-' too */
	while (ps->cur.kind == ITEM_NOT || ps->cur.kind == ITEM_MINUS) {
		*negative = !*negative;
		next_item(ps);
	}
	/* the lexer may have failed on this item (an unclosed quote): its
	 * text is then NULL and must not be used */
	if (ps->failed)
		return NULL;
	dd_plan_node_t *n = NULL;
	switch (ps->cur.kind) {
	case ITEM_OPEN: {
		size_t open = ps->cur.start;
		next_item(ps);
		if (ps->cur.kind == ITEM_CLOSE) {
			fail(ps, "empty parentheses");
			return NULL;
		}
		n = parse_expr(ps, depth + 1);
		if (ps->failed) {
			node_free(n);
			return NULL;
		}
		if (ps->cur.kind != ITEM_CLOSE) {
			node_free(n);
			fail(ps, "unbalanced parenthesis: '(' is never closed");
			return NULL;
		}
		size_t end = ps->cur.end;
		next_item(ps);
		return n ? wrap(ps, DD_PLAN_GROUP, n, open, end) : NULL;
	}
	case ITEM_WORDS:
		ps->text_items += !*negative;
		n = words_node(ps, !*negative);
		next_item(ps);
		return n;
	case ITEM_PREFIX:
		ps->text_items += !*negative;
		n = prefix_node(ps);
		next_item(ps);
		return n;
	case ITEM_QUOTED:
		ps->text_items += !*negative;
		n = literal_node(ps);
		next_item(ps);
		return n;
	case ITEM_FIELD: {
		/* Next to AND / OR, or inside parentheses, a filter is an operand
		 * like any other (matching without weight); elsewhere it restricts
		 * the whole query, so `饮水 county:石林县` means water notes in that
		 * county, not water notes or that county's notes. */
		int operand = depth > 0 || ps->prev_kind == ITEM_AND || ps->prev_kind == ITEM_OR;
		n = field_node(ps);
		next_item(ps);
		operand |= ps->cur.kind == ITEM_AND || ps->cur.kind == ITEM_OR;
		if (!n || operand)
			return n;
		add_global_filter(ps, n->field, n, *negative);
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

/* Operands of one AND or OR list, positives and exclusions in order. */
typedef struct list {
	dd_plan_node_t **v;
	size_t n, n_pos;
} list_t;

static void list_free(list_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void list_add(parser_t *ps, list_t *l, dd_plan_node_t *n, int negative, size_t start)
{
	if (!n)
		return;
	if (negative && !(n = wrap(ps, DD_PLAN_NOT, n, start < n->start ? start : n->start, n->end)))
		return;
	if (push_ptr((void ***)&l->v, &l->n, n) != 0) {
		node_free(n);
		fail_nomem(ps);
		return;
	}
	l->n_pos += !negative;
}

/* The list as one node of kind (NULL if empty; a single operand as is). */
static dd_plan_node_t *list_build(parser_t *ps, list_t *l, dd_plan_kind_t kind)
{
	if (ps->failed || l->n == 0) {
		list_free(l);
		return NULL;
	}
	if (l->n == 1) {
		dd_plan_node_t *n = l->v[0];
		free(l->v);
		return n;
	}
	dd_plan_node_t *n = node_new(kind, l->v[0]->start, l->v[l->n - 1]->end);
	if (!n) {
		list_free(l);
		fail_nomem(ps);
		return NULL;
	}
	n->children = l->v;
	n->n_children = l->n;
	return n;
}

/* Unwraps the NOT nodes of an all-negative list into the OR of what they
 * exclude, which the caller excludes (`a -b` is a AND NOT b, not a OR
 * (everything but b)). */
static dd_plan_node_t *unwrap_negatives(parser_t *ps, list_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		dd_plan_node_t *excluded = l->v[i];
		l->v[i] = excluded->children[0];
		excluded->n_children = 0;
		node_free(excluded);
	}
	return list_build(ps, l, DD_PLAN_OR);
}

/* A run of items joined by AND.  When every item is negative, returns
 * their OR and sets *negative. */
static dd_plan_node_t *parse_and(parser_t *ps, int depth, int *negative)
{
	list_t l = { 0 };
	*negative = 0;
	int neg = 0;
	size_t start;
	dd_plan_node_t *n = parse_unary(ps, depth, &neg, &start);
	list_add(ps, &l, n, neg, start);
	while (!ps->failed && ps->cur.kind == ITEM_AND) {
		next_item(ps);
		if (ps->failed)
			break;
		n = parse_unary(ps, depth, &neg, &start);
		list_add(ps, &l, n, neg, start);
	}
	if (ps->failed) {
		list_free(&l);
		return NULL;
	}
	if (l.n_pos == 0 && l.n > 0) {
		*negative = 1;
		return unwrap_negatives(ps, &l);
	}
	return list_build(ps, &l, DD_PLAN_AND);
}

static dd_plan_node_t *parse_expr(parser_t *ps, int depth)
{
	if (depth > DD_PLAN_MAX_DEPTH) {
		fail(ps, "parentheses nested too deeply");
		return NULL;
	}
	list_t l = { 0 };
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
		dd_plan_node_t *n = parse_and(ps, depth, &negative);
		operands++;
		/* At the top, a group of filters only, not joined by OR, restricts
		 * the whole query like a single filter: (county:A OR county:B) 饮水 */
		if (n && depth == 0 && !explicit_or && ps->cur.kind != ITEM_OR && ps->text_items == text_before &&
		    !ps->failed) {
			char name[32];
			snprintf(name, sizeof name, "(group %zu)", ps->plan->n_filters);
			add_global_filter(ps, name, n, negative);
			continue;
		}
		list_add(ps, &l, n, negative, n ? n->start : 0);
	}
	return list_build(ps, &l, DD_PLAN_OR);
}

dd_status_t dd_plan_parse(const dd_plan_options_t *opts, const char *text, dd_plan_t **out, dd_error_t *err)
{
	*out = NULL;
	size_t len = strlen(text);
	if (!dd_utf8_valid(text, len, NULL))
		return dd_error_set(err, DD_ERR_INVALID, "query is not valid UTF-8");
	if (len > DD_PLAN_MAX_BYTES)
		return dd_query_error(err, DD_ERR_INVALID, text, "too long (%zu bytes; at most %d)", len,
		                      DD_PLAN_MAX_BYTES);
	parser_t ps = { 0 };
	ps.opts = opts;
	ps.src = ps.p = text;
	ps.err = err;
	if (!(ps.plan = calloc(1, sizeof *ps.plan)) || !(ps.plan->text = strdup(text))) {
		dd_plan_free(ps.plan);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	next_item(&ps);
	dd_plan_node_t *root = ps.failed ? NULL : parse_expr(&ps, 0);
	if (!ps.failed && ps.cur.kind == ITEM_CLOSE)
		fail(&ps, "unbalanced parenthesis: ')' without '('");
	if (!ps.failed && !root && ps.plan->n_filters == 0) {
		/* nothing but blanks, or only marks no word is made of */
		int blank = 1;
		for (const char *c = text; *c && blank; c++)
			blank = *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' || *c == '\v' || *c == '\f';
		if (blank)
			fail(&ps, "the query is empty");
		else
			fail(&ps, "the query holds no word to search (only punctuation, symbols or emoji): put them in "
			          "quotes to search them exactly");
	}
	free(ps.cur.text);
	dd_plan_t *plan = ps.plan;
	plan->root = root;
	if (ps.failed) {
		dd_plan_free(plan);
		return err && err->status ? err->status : DD_ERR_INVALID;
	}
	plan->has_text = root != NULL && ps.text_items > 0;
	plan->plain = plan->has_text && !ps.structured;
	*out = plan;
	return DD_OK;
}

/* ---- description ---- */

static const char *const kind_names[] = { "WORDS", "LITERAL", "FIELD", "DATE", "AND", "OR", "NOT", "GROUP", "PREFIX" };

static void describe_node(dd_buffer_t *b, const dd_plan_node_t *n, int indent)
{
	dd_buffer_printf(b, "%*s%s [%zu,%zu)", indent * 2, "", kind_names[n->kind], n->start, n->end);
	switch (n->kind) {
	case DD_PLAN_WORDS:
	case DD_PLAN_LITERAL:
		for (size_t i = 0; i < n->n_items; i++)
			dd_buffer_printf(b, " %s", n->items[i]);
		if (n->kind == DD_PLAN_WORDS && !n->expand)
			dd_buffer_printf(b, " (not expanded)");
		break;
	case DD_PLAN_FIELD:
		dd_buffer_printf(b, " %s:%s", n->field, n->text);
		break;
	case DD_PLAN_PREFIX:
		dd_buffer_printf(b, " %s*", n->items[0]);
		break;
	case DD_PLAN_DATE:
		if (n->date_kind == DD_DATE_RANGE)
			dd_buffer_printf(b, " date:%s..%s", n->date_lo[0] ? n->date_lo : "*",
			                 n->date_hi[0] ? n->date_hi : "*");
		else
			dd_buffer_printf(b, " date:%s (%s)", n->date_lo,
			                 n->date_kind == DD_DATE_DAY     ? "day"
			                 : n->date_kind == DD_DATE_MONTH ? "month"
			                                                 : "year");
		break;
	default:
		break;
	}
	dd_buffer_printf(b, "\n");
	for (size_t i = 0; i < n->n_children; i++)
		describe_node(b, n->children[i], indent + 1);
}

char *dd_plan_describe(const dd_plan_t *plan)
{
	dd_buffer_t b = { 0 };
	dd_buffer_printf(&b, "plan:%s%s\n", plan->has_text ? " has_text" : " filters_only",
	                 plan->plain ? " plain" : "");
	if (plan->root)
		describe_node(&b, plan->root, 1);
	else
		dd_buffer_printf(&b, "  (every note)\n");
	for (size_t i = 0; i < plan->n_filters; i++) {
		dd_buffer_printf(&b, "filter %s%s:\n", plan->filters[i].name,
		                 plan->filters[i].negated ? " (excluded)" : "");
		describe_node(&b, plan->filters[i].node, 1);
	}
	return dd_buffer_take(&b);
}
