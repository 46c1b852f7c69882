/* test_plan.c - unit tests of the query plan (lib/plan.h).
 *
 * Parses queries with a real tokenizer and a small dictionary and checks
 * the plan itself, not Xapian's rendering of it: node kinds and nesting,
 * byte spans of what was typed, global filters, dates, has_text / plain,
 * the bounds (a long AND is kept whole or refused, never cut), and that
 * every error is one line naming the query with its reason intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "plan.h"
#include "schema.h"
#include "tokenizer.h"

/* The vocabulary: one dictionary word, no thesaurus (a plan holds none). */
static dd_lexicon_t *lexicon;
static dd_tokenizer_t *tokenizer;
static dd_plan_options_t options;
static const char *const topics[] = { "water", "homestead", "roads" };
static const char *const topic_names[] = { "饮水安全", "宅基地", "道路交通" };

static int setup(void **state)
{
	(void)state;
	dd_error_t err;
	if (!(lexicon = dd_lexicon_new()) || dd_lexicon_parse_dictionary(lexicon, "宅基地\n", "dict", &err) != DD_OK ||
	    dd_tokenizer_new(lexicon, &tokenizer, &err) != DD_OK)
		return -1;
	options = (dd_plan_options_t){ tokenizer, topics, 3, topic_names };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dd_tokenizer_free(tokenizer);
	dd_lexicon_free(lexicon);
	return 0;
}

static dd_plan_t *parse_ok(void **state, const char *text)
{
	(void)state;
	dd_plan_t *plan = NULL;
	dd_error_t err;
	dd_error_clear(&err);
	if (dd_plan_parse(&options, text, &plan, &err) != DD_OK)
		fail_msg("query '%.200s' should parse, got: %s", text, err.message);
	assert_non_null(plan);
	return plan;
}

/* Parses text, which must fail; returns the message (static). */
static const char *parse_error(void **state, const char *text)
{
	(void)state;
	static dd_error_t err;
	dd_plan_t *plan = (dd_plan_t *)1;
	dd_error_clear(&err);
	dd_status_t st = dd_plan_parse(&options, text, &plan, &err);
	if (st != DD_ERR_INVALID)
		fail_msg("query '%.200s': expected DD_ERR_INVALID, got %d", text, st);
	assert_null(plan);
	assert_null(strchr(err.message, '\n'));
	assert_true(strlen(err.message) < sizeof err.message - 1); /* not cut */
	return err.message;
}

static void expect_node(const dd_plan_node_t *n, dd_plan_kind_t kind, size_t start, size_t end, size_t children)
{
	assert_non_null(n);
	assert_int_equal(n->kind, kind);
	assert_int_equal(n->start, start);
	assert_int_equal(n->end, end);
	assert_int_equal(n->n_children, children);
}

static void expect_items(const dd_plan_node_t *n, const char *const *want, size_t count)
{
	assert_int_equal(n->n_items, count);
	for (size_t i = 0; i < count; i++)
		assert_string_equal(n->items[i], want[i]);
}

/* --- structure and spans --------------------------------------------------- */

static void test_words_and_spans(void **state)
{
	dd_plan_t *p = parse_ok(state, "村里 修路");
	expect_node(p->root, DD_PLAN_OR, 0, 13, 2);
	expect_node(p->root->children[0], DD_PLAN_WORDS, 0, 6, 0);
	expect_node(p->root->children[1], DD_PLAN_WORDS, 7, 13, 0);
	assert_string_equal(p->root->children[1]->text, "修路");
	assert_true(p->root->children[0]->expand);
	assert_true(p->has_text);
	assert_true(p->plain);
	assert_int_equal(p->n_filters, 0);
	dd_plan_free(p);

	/* one chunk, several words, normalised; a dictionary word stays whole */
	p = parse_ok(state, "看宅基地Ｈi");
	expect_node(p->root, DD_PLAN_WORDS, 0, strlen("看宅基地Ｈi"), 0);
	const char *const words[] = { "看", "宅基地", "hi" };
	expect_items(p->root, words, 3);
	dd_plan_free(p);
}

static void test_operators(void **state)
{
	/* a AND b OR c: OR(AND(a, b), c) */
	dd_plan_t *p = parse_ok(state, "a AND b OR c");
	expect_node(p->root, DD_PLAN_OR, 0, 12, 2);
	expect_node(p->root->children[0], DD_PLAN_AND, 0, 7, 2);
	expect_node(p->root->children[1], DD_PLAN_WORDS, 11, 12, 0);
	assert_false(p->plain);
	assert_true(p->has_text);
	dd_plan_free(p);

	/* NOT binds tightest; its span covers the operator */
	p = parse_ok(state, "x AND NOT y");
	expect_node(p->root, DD_PLAN_AND, 0, 11, 2);
	expect_node(p->root->children[1], DD_PLAN_NOT, 6, 11, 1);
	expect_node(p->root->children[1]->children[0], DD_PLAN_WORDS, 10, 11, 0);
	assert_false(p->root->children[1]->children[0]->expand); /* excluded: not expanded */
	dd_plan_free(p);

	/* double negation cancels */
	p = parse_ok(state, "NOT NOT a");
	expect_node(p->root, DD_PLAN_WORDS, 8, 9, 0);
	assert_true(p->root->expand);
	dd_plan_free(p);

	/* parentheses: a GROUP node; (b OR c) */
	p = parse_ok(state, "a AND (b OR c)");
	expect_node(p->root, DD_PLAN_AND, 0, 14, 2);
	expect_node(p->root->children[1], DD_PLAN_GROUP, 6, 14, 1);
	expect_node(p->root->children[1]->children[0], DD_PLAN_OR, 7, 13, 2);
	dd_plan_free(p);

	/* a lone exclusion at the top is a filter excluding it */
	p = parse_ok(state, "a -b");
	expect_node(p->root, DD_PLAN_WORDS, 0, 1, 0);
	assert_int_equal(p->n_filters, 1);
	assert_true(p->filters[0].negated);
	assert_string_equal(p->filters[0].name, "(group 0)");
	expect_node(p->filters[0].node, DD_PLAN_WORDS, 3, 4, 0);
	assert_false(p->filters[0].node->expand);
	dd_plan_free(p);

	/* only an exclusion: no text to rank by */
	p = parse_ok(state, "-a");
	assert_null(p->root);
	assert_false(p->has_text);
	dd_plan_free(p);
}

static void test_literals(void **state)
{
	dd_plan_t *p = parse_ok(state, "村里 \"宅基 地\"");
	expect_node(p->root->children[1], DD_PLAN_LITERAL, 7, 19, 0); /* the quotes included */
	assert_string_equal(p->root->children[1]->text, "宅基 地");
	const char *const pieces[] = { "宅基", "地" };
	expect_items(p->root->children[1], pieces, 2);
	assert_false(p->plain);
	dd_plan_free(p);
	/* Chinese quotes, normalised */
	p = parse_ok(state, "“ＡＢ”");
	const char *const ab[] = { "ab" };
	expect_items(p->root, ab, 1);
	dd_plan_free(p);
}

static void test_fields_and_filters(void **state)
{
	dd_plan_t *p = parse_ok(state, "county:石林县 村里 -author:梁 date:2007-04");
	expect_node(p->root, DD_PLAN_WORDS, 17, 23, 0);
	assert_int_equal(p->n_filters, 3);
	assert_string_equal(p->filters[0].name, "county");
	expect_node(p->filters[0].node, DD_PLAN_FIELD, 0, 16, 0);
	assert_string_equal(p->filters[0].node->field, "county");
	assert_string_equal(p->filters[0].node->text, "石林县");
	assert_false(p->filters[0].negated);
	assert_string_equal(p->filters[1].name, "author");
	assert_true(p->filters[1].negated);
	assert_int_equal(p->filters[2].node->kind, DD_PLAN_DATE);
	assert_int_equal(p->filters[2].node->date_kind, DD_DATE_MONTH);
	assert_string_equal(p->filters[2].node->date_lo, "2007-04");
	assert_true(p->has_text);
	assert_false(p->plain);
	dd_plan_free(p);

	/* next to OR, a field is an operand of the tree */
	p = parse_ok(state, "county:a OR county:b");
	expect_node(p->root, DD_PLAN_OR, 0, 20, 2);
	assert_int_equal(p->root->children[0]->kind, DD_PLAN_FIELD);
	assert_int_equal(p->n_filters, 0);
	assert_false(p->has_text);
	dd_plan_free(p);

	/* a group of filters restricts the whole query */
	p = parse_ok(state, "(county:a OR county:b) 宅基地");
	expect_node(p->root, DD_PLAN_WORDS, 23, 32, 0);
	assert_int_equal(p->n_filters, 1);
	assert_string_equal(p->filters[0].name, "(group 0)");
	assert_int_equal(p->filters[0].node->kind, DD_PLAN_GROUP);
	dd_plan_free(p);

	p = parse_ok(state, "date:2007-03-01.. TOPIC:water");
	assert_int_equal(p->n_filters, 2);
	assert_int_equal(p->filters[0].node->date_kind, DD_DATE_RANGE);
	assert_string_equal(p->filters[0].node->date_lo, "2007-03-01");
	assert_string_equal(p->filters[0].node->date_hi, "");
	assert_string_equal(p->filters[1].node->field, "topic");
	assert_null(p->root);
	dd_plan_free(p);
}

static void test_describe(void **state)
{
	dd_plan_t *p = parse_ok(state, "a AND -\"镇里\" county:x");
	char *d = dd_plan_describe(p);
	assert_non_null(d);
	const char *want = "plan: has_text\n"
	                   "  AND [0,15)\n"
	                   "    WORDS [0,1) a\n"
	                   "    NOT [6,15)\n"
	                   "      LITERAL [7,15) 镇里\n"
	                   "filter county:\n"
	                   "  FIELD [16,24) county:x\n";
	assert_string_equal(d, want);
	free(d);
	dd_plan_free(p);
}

/* --- bounds ------------------------------------------------------------------ */

/* "w0 AND w1 AND ... w(n-1)" (malloc'd). */
static char *long_and(size_t n, const char *op)
{
	char *s = malloc(n * 16 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%sw%zu", i ? op : "", i);
	return s;
}

static void test_long_and_is_exact(void **state)
{
	/* 300 operands (issue 12: only 256 were kept): all there */
	char *q = long_and(300, " AND ");
	dd_plan_t *p = parse_ok(state, q);
	expect_node(p->root, DD_PLAN_AND, 0, strlen(q), 300);
	assert_string_equal(p->root->children[299]->items[0], "w299");
	dd_plan_free(p);
	free(q);
	/* 600 operands, OR-ed by juxtaposition */
	q = long_and(600, " ");
	p = parse_ok(state, q);
	assert_int_equal(p->root->n_children, 600);
	dd_plan_free(p);
	free(q);
	/* 40 filter groups (32 were kept, and the rest leaked) */
	char buf[2048] = "宅基地";
	for (int i = 0; i < 40; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (county:c%d)", i);
	p = parse_ok(state, buf);
	assert_int_equal(p->n_filters, 40);
	dd_plan_free(p);
	/* 70 quoted pieces */
	strcpy(buf, "\"");
	for (int i = 0; i < 70; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "p%d ", i);
	strcat(buf, "\"");
	p = parse_ok(state, buf);
	assert_int_equal(p->root->n_items, 70);
	dd_plan_free(p);
}

static void test_bounds_refused(void **state)
{
	/* more words than DD_PLAN_MAX_ITEMS, under the byte bound: "a b c ..." */
	char *q = malloc(DD_PLAN_MAX_ITEMS * 2 + 8);
	size_t len = 0;
	for (size_t i = 0; i <= DD_PLAN_MAX_ITEMS; i++)
		len += (size_t)sprintf(q + len, "%s%c", i ? " " : "", 'a' + (int)(i % 26));
	assert_true(strlen(q) <= DD_PLAN_MAX_BYTES);
	const char *m = parse_error(state, q);
	assert_non_null(strstr(m, "too many words"));
	free(q);

	/* longer than DD_PLAN_MAX_BYTES */
	q = malloc(DD_PLAN_MAX_BYTES + 2);
	memset(q, 'a', DD_PLAN_MAX_BYTES + 1);
	q[DD_PLAN_MAX_BYTES + 1] = '\0';
	m = parse_error(state, q);
	assert_non_null(strstr(m, "too long"));
	assert_true(strncmp(m, "query '", 7) == 0);
	free(q);

	/* nesting: 32 levels are fine, 33 are not */
	char buf[256] = "";
	for (int i = 0; i < DD_PLAN_MAX_DEPTH; i++)
		strcat(buf, "(");
	strcat(buf, "a");
	for (int i = 0; i < DD_PLAN_MAX_DEPTH; i++)
		strcat(buf, ")");
	dd_plan_free(parse_ok(state, buf));
	char deeper[300];
	snprintf(deeper, sizeof deeper, "(%s)", buf);
	assert_non_null(strstr(parse_error(state, deeper), "nested too deeply"));
}

/* --- errors --------------------------------------------------------------------- */

static void test_error_messages_one_line(void **state)
{
	/* a newline in the query is shown escaped */
	const char *m = parse_error(state, "村里\nAND");
	assert_non_null(strstr(m, "'村里\\nAND'"));
	/* a long query: shortened, the reason kept whole */
	char q[3000];
	size_t len = 0;
	while (len < 2800)
		len += (size_t)sprintf(q + len, "村里 ");
	strcpy(q + len, "weather:晴");
	m = parse_error(state, q);
	char reason[300] = "unknown field 'weather:' (known: ";
	dd_schema_field_names(DD_FIELD_FILTER, reason + strlen(reason), sizeof reason - strlen(reason) - 1);
	strcat(reason, ")");
	assert_non_null(strstr(m, reason));
	assert_non_null(strstr(m, "…"));
	assert_non_null(strstr(m, "weather:晴':")); /* the end of the query is shown */
	/* control characters shown escaped take room too: the reason still fits */
	memset(q, '\x01', 1000);
	strcpy(q + 1000, " AND");
	m = parse_error(state, q);
	assert_non_null(strstr(m, "\\x01"));
	assert_non_null(strstr(m, "': the query ends where a word was expected (after NOT, AND, OR or '-')"));
	/* an unclosed quote after an operator: an error, not a crash */
	assert_non_null(strstr(parse_error(state, "a OR \""), "quote"));
	assert_non_null(strstr(parse_error(state, "topic:nosuch"), "known: water, homestead, roads"));
	/* blanks are an empty query; marks alone say quotes search them */
	assert_non_null(strstr(parse_error(state, " \t "), "the query is empty"));
	assert_non_null(strstr(parse_error(state, "，。！"), "no word to search"));
	assert_non_null(strstr(parse_error(state, "\xF0\x9F\x98\x80"), "put them in quotes"));
	/* a field name longer than any field's is an unknown field, not words */
	m = parse_error(state, "abcdefghijklmnopqrstuvwxyz:x");
	assert_non_null(strstr(m, "unknown field 'abcdefghijklmno"));
	assert_non_null(strstr(m, "known: id, author"));
	assert_non_null(strstr(parse_error(state, "村\xE6"), "UTF-8"));
}

/* --- prefixes and topic names --------------------------------------------------- */

static void test_prefixes(void **state)
{
	dd_plan_t *p = parse_ok(state, "自来* 饮水");
	assert_int_equal(p->root->kind, DD_PLAN_OR);
	const dd_plan_node_t *n = p->root->children[0];
	expect_node(n, DD_PLAN_PREFIX, 0, 7, 0);
	assert_int_equal(n->n_items, 1);
	assert_string_equal(n->items[0], "自来");
	assert_string_equal(n->text, "自来");
	assert_true(p->has_text);
	assert_false(p->plain);
	dd_plan_free(p);
	/* normalised (full-width letters, upper case); the full-width star too */
	p = parse_ok(state, "ＡＢ＊");
	assert_int_equal(p->root->kind, DD_PLAN_PREFIX);
	assert_string_equal(p->root->items[0], "ab");
	dd_plan_free(p);
	/* excluded, and inside operators */
	p = parse_ok(state, "饮水 -自来*");
	assert_int_equal(p->n_filters, 1);
	assert_true(p->filters[0].negated);
	assert_int_equal(p->filters[0].node->kind, DD_PLAN_PREFIX);
	dd_plan_free(p);
	char *d = NULL;
	p = parse_ok(state, "(自来* OR 吃水) AND 村里");
	assert_non_null(d = dd_plan_describe(p));
	assert_non_null(strstr(d, "PREFIX [1,8) 自来*"));
	free(d);
	dd_plan_free(p);
	/* quoted, a star is searched as it is */
	p = parse_ok(state, "\"自来*\"");
	assert_int_equal(p->root->kind, DD_PLAN_LITERAL);
	dd_plan_free(p);
	/* refused, each with one line */
	assert_non_null(strstr(parse_error(state, "*"), "a bare '*' matches every word"));
	assert_non_null(strstr(parse_error(state, "饮水 ＊"), "a bare '*'"));
	assert_non_null(strstr(parse_error(state, "自*"), "prefix '自*' is too short"));
	assert_non_null(strstr(parse_error(state, "a*"), "too short"));
	assert_non_null(strstr(parse_error(state, "自*来"), "'*' may only end a word"));
	assert_non_null(strstr(parse_error(state, "自来**"), "'*' may only end a word"));
	assert_non_null(strstr(parse_error(state, "**"), "'*' may only end a word"));
}

static void test_topic_names(void **state)
{
	dd_plan_t *by_name = parse_ok(state, "topic:饮水安全"), *by_key = parse_ok(state, "topic:water");
	assert_int_equal(by_name->n_filters, 1);
	assert_string_equal(by_name->filters[0].node->text, "water");
	assert_string_equal(by_key->filters[0].node->text, "water");
	assert_string_equal(by_name->filters[0].name, by_key->filters[0].name);
	dd_plan_free(by_name);
	dd_plan_free(by_key);
	/* a name that is also a word elsewhere does not confuse the key list */
	by_name = parse_ok(state, "饮水 OR topic:宅基地");
	assert_string_equal(by_name->root->children[1]->text, "homestead");
	dd_plan_free(by_name);
	assert_non_null(strstr(parse_error(state, "topic:饮水"), "unknown topic '饮水'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_and_spans), cmocka_unit_test(test_operators),
		cmocka_unit_test(test_literals),        cmocka_unit_test(test_fields_and_filters),
		cmocka_unit_test(test_describe),        cmocka_unit_test(test_long_and_is_exact),
		cmocka_unit_test(test_bounds_refused),  cmocka_unit_test(test_error_messages_one_line),
		cmocka_unit_test(test_prefixes),        cmocka_unit_test(test_topic_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
