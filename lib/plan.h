/* plan.h - the dundian query language, parsed into a typed plan.
 *
 *   饮水 自来水          words (split by the tokenizer); a note holding more of
 *                       them ranks higher, none is required
 *   自来*               a prefix: any word of the index starting with it (at
 *                       least DD_PLAN_MIN_PREFIX_CHARS characters before the
 *                       '*' or '＊'; a star anywhere else in a word is refused)
 *   "镇里"               exact string: notes whose normalised title or body
 *                       contains it, whatever the word boundaries
 *   a AND b, a OR b, NOT a, -a, ( ... )
 *   county:石林县 author:… post:… city:… township:… village:… id:N0001
 *   topic:water          notes tagged with a topic, by key or by the name
 *                       results show (topic:饮水安全)
 *   date:2007-04-09  date:2007-04  date:2007  date:2007-03-01..2007-03-31
 *                       (either end of a range may be left open)
 *
 * Precedence: NOT binds tightest, then AND, then OR / juxtaposition.  A
 * field filter restricts the whole query (a global filter: values of one
 * field OR-ed, different fields AND-ed) unless it stands next to AND / OR or
 * inside parentheses, where it is an operand that matches without weight.
 * At the top, an operand made of filters and exclusions only (no positive
 * text), not joined by OR, is a global filter as well.
 *
 * The plan is what the user asked for, nothing more: no Xapian, no weights,
 * no thesaurus (ranking.h compiles a plan into a Xapian query).  Every node
 * keeps the byte span of the text it came from.
 *
 * Bounds (a query past one is refused with DD_ERR_INVALID, never cut):
 *   DD_PLAN_MAX_BYTES   bytes of query text
 *   DD_PLAN_MAX_DEPTH   nesting of parentheses
 *   DD_PLAN_MAX_ITEMS   words, exact-string pieces and field values together
 * Under them nothing is dropped: every operand of a 500-way AND is kept.
 */
#ifndef DD_PLAN_H
#define DD_PLAN_H

#include <stddef.h>

#include "status.h"
#include "tokenizer.h"

#define DD_PLAN_MAX_BYTES 4096
#define DD_PLAN_MAX_DEPTH 32
#define DD_PLAN_MAX_ITEMS 1024
/* Characters (code points) a prefix needs before its '*'. */
#define DD_PLAN_MIN_PREFIX_CHARS 2

typedef enum {
	DD_PLAN_WORDS,   /* a chunk of plain text, as its normalised words */
	DD_PLAN_LITERAL, /* a quoted string, as its normalised pieces (all must occur) */
	DD_PLAN_FIELD,   /* field:value (any filter field but date) */
	DD_PLAN_DATE,    /* date:value, a day, month, year or range */
	DD_PLAN_AND,     /* every positive child; NOT children excluded */
	DD_PLAN_OR,      /* any positive child; NOT children excluded */
	DD_PLAN_NOT,     /* one child, excluded (alone: everything but it) */
	DD_PLAN_GROUP,   /* ( ... ): one child */
	DD_PLAN_PREFIX   /* word*: items[0] the normalised prefix */
} dd_plan_kind_t;

typedef enum { DD_DATE_DAY, DD_DATE_MONTH, DD_DATE_YEAR, DD_DATE_RANGE } dd_plan_date_kind_t;

typedef struct dd_plan_node dd_plan_node_t;

/* Invariants: AND / OR have at least two children (a single operand is not
 * wrapped); NOT and GROUP exactly one; a NOT never holds a NOT (double
 * negation cancels).  WORDS has at least one word. */
struct dd_plan_node {
	dd_plan_kind_t kind;
	size_t start, end; /* bytes [start, end) of the query text */
	char *text;        /* WORDS: the chunk as typed; LITERAL: inside the quotes;
	                      FIELD / DATE: the value as typed (topic: the key,
	                      when a topic's name was typed); PREFIX: the word as
	                      typed, without its star */
	char **items;      /* WORDS: words; LITERAL: pieces (normalised);
	                      PREFIX: the prefix (normalised) */
	size_t n_items;
	int expand;     /* WORDS: bring in thesaurus relatives (not when excluded) */
	char field[16]; /* FIELD: lower-case field name ("date" for DATE) */
	dd_plan_date_kind_t date_kind;
	char date_lo[16], date_hi[16]; /* DATE: the day / month / year in lo, or a
	                                  range (either end may be "": open) */
	dd_plan_node_t **children;
	size_t n_children;
};

/* A filter restricting the whole query. */
typedef struct dd_plan_filter {
	char *name;  /* the field, or "(group N)" for a group of filters */
	int negated; /* exclude its notes instead */
	dd_plan_node_t *node;
} dd_plan_filter_t;

typedef struct dd_plan {
	char *text;           /* the query as typed */
	dd_plan_node_t *root; /* NULL: filters only */
	dd_plan_filter_t *filters;
	size_t n_filters;
	int has_text; /* 0: nothing to rank by (caller may sort by date) */
	int plain;    /* 1: only words: no quotes, operators or fields */
} dd_plan_t;

typedef struct dd_plan_options {
	dd_tokenizer_t *tokenizer; /* splits word chunks (required) */
	const char *const *topics; /* known topic keys, for topic: */
	size_t n_topics;           /* 0: any topic is taken as given */
	/* their names (topic:饮水安全 is topic:water), n_topics of them, or
	 * NULL: keys only */
	const char *const *topic_names;
} dd_plan_options_t;

/* Parses text into *out (free with dd_plan_free).  DD_ERR_INVALID with the
 * one-line message "query 'TEXT': what is wrong" for a malformed query
 * (unbalanced quote or parenthesis, unknown field, bad date, dangling
 * operator, unknown topic, empty query, invalid UTF-8, past a bound,
 * the tokenizer failing, a bare '*', a prefix too short or a star inside a
 * word); DD_ERR_NOMEM. */
dd_status_t dd_plan_parse(const dd_plan_options_t *opts, const char *text, dd_plan_t **out, dd_error_t *err);
void dd_plan_free(dd_plan_t *plan);

/* The plan, readably, one node a line (for --explain and tests).  Malloc'd;
 * NULL when out of memory. */
char *dd_plan_describe(const dd_plan_t *plan);

/* Sets err to "query 'QUERY': REASON" on one line: control characters in
 * the query escaped (\n), a long query shortened in the middle so the
 * reason always fits.  Returns status. */
dd_status_t dd_query_error(dd_error_t *err, dd_status_t status, const char *query, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
