/* test_query.c - end-to-end tests of the query language through
 * lib/query.h (plan.h parsing, then ranking.h compiling).
 *
 * test_plan.c checks the plan and test_ranking.c the compilation; this
 * file checks that the two together give exactly the Xapian queries the
 * language always gave (ranking must not move when the code does).  The
 * parser runs with a real tokenizer, a small lexicon and no database
 * (db = NULL: every word counts as known), and each result is checked
 * through Xapian's own description of the query tree: default OR,
 * AND/OR/NOT precedence, exclusions, exact strings as phrases of character
 * pairs, field filters, dates, thesaurus expansion, and one clear error
 * (naming the query) for each kind of malformed query.
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
#include "query.h"
#include "tokenizer.h"

typedef struct fixture {
	dd_lexicon_t *lex;
	dd_tokenizer_t *tok;
	dd_query_context_t ctx;
} fixture_t;

static const char *const topics[] = { "water", "homestead", "roads" };

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	dd_error_t err;
	if (!f || !(f->lex = dd_lexicon_new()))
		return -1;
	if (dd_lexicon_parse_dictionary(f->lex, "宅基地\n自来水厂\n", "dict", &err) != DD_OK ||
	    dd_lexicon_parse_thesaurus(f->lex, "water\t饮水 吃水 自来水\nhomestead\t宅基地 建房\n-\t镇里 乡里\n",
	                               "thesaurus", &err) != DD_OK ||
	    dd_tokenizer_new(f->lex, &f->tok, &err) != DD_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	dd_query_context_defaults(&f->ctx);
	f->ctx.tokenizer = f->tok;
	f->ctx.lexicon = f->lex;
	f->ctx.db = NULL;
	f->ctx.topics = topics;
	f->ctx.n_topics = 3;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	dd_tokenizer_free(f->tok);
	dd_lexicon_free(f->lex);
	free(f);
	return 0;
}

/* Parses text (must succeed) and returns the description (malloc'd). */
static char *describe_with(const dd_query_context_t *ctx, const char *text, int *has_text)
{
	dd_parsed_query_t pq;
	dd_error_t err;
	dd_error_clear(&err);
	if (dd_query_parse(ctx, text, &pq, &err) != DD_OK)
		fail_msg("query '%s' should parse, got: %s", text, err.message);
	assert_non_null(pq.query);
	char *d = dd_query_describe(pq.query);
	assert_non_null(d);
	if (has_text)
		*has_text = pq.has_text;
	dd_parsed_query_free(&pq);
	return d;
}

static void expect_query(void **state, const char *text, const char *want)
{
	fixture_t *f = *state;
	char *d = describe_with(&f->ctx, text, NULL);
	char msg[2048];
	int same = strcmp(d, want) == 0;
	if (!same)
		snprintf(msg, sizeof msg, "query '%s'\n  gave     %s\n  expected %s", text, d, want);
	free(d);
	if (!same)
		fail_msg("%s", msg);
}

/* Is term a whole term of description d (not part of a longer one)? */
static int has_term(const char *d, const char *term)
{
	size_t l = strlen(term);
	for (const char *p = strstr(d, term); p; p = strstr(p + 1, term)) {
		char before = p > d ? p[-1] : ' ', after = p[l];
		if ((before == ' ' || before == '(') && (after == ' ' || after == ')'))
			return 1;
	}
	return 0;
}

/* The description contains / lacks a whole term. */
static void expect_contains(void **state, const char *text, const char *piece, int present)
{
	fixture_t *f = *state;
	char *d = describe_with(&f->ctx, text, NULL);
	int found = has_term(d, piece);
	char msg[2048];
	if (found != present)
		snprintf(msg, sizeof msg, "query '%s' gave %s, which should %s '%s'", text, d,
		         present ? "contain" : "not contain", piece);
	free(d);
	if (found != present)
		fail_msg("%s", msg);
}

static void expect_invalid(void **state, const char *text, const char *want)
{
	fixture_t *f = *state;
	dd_parsed_query_t pq;
	dd_error_t err;
	dd_error_clear(&err);
	dd_status_t st = dd_query_parse(&f->ctx, text, &pq, &err);
	if (st != DD_ERR_INVALID)
		fail_msg("query '%s': expected DD_ERR_INVALID, got %d", text, st);
	assert_null(pq.query);
	assert_int_equal(err.status, DD_ERR_INVALID);
	char quoted[512];
	snprintf(quoted, sizeof quoted, "'%s'", text);
	if (!strstr(err.message, quoted))
		fail_msg("message '%s' does not name the query %s", err.message, quoted);
	assert_null(strchr(err.message, '\n'));
	if (want && !strstr(err.message, want))
		fail_msg("message '%s' lacks '%s'", err.message, want);
}

/* --- words and operators --------------------------------------------------- */

static void test_words_default_or(void **state)
{
	expect_query(state, "村里 修路", "Query((村里 OR 修路))");
	/* one chunk of several words: any word, and all of them together ranked up */
	expect_query(state, "村里修路", "Query(((村里 OR 修路) OR 1 * (村里 AND 修路)))");
	expect_query(state, "村里　修路", "Query((村里 OR 修路))"); /* ideographic space */
	expect_query(state, "Ｈello", "Query(hello)");              /* normalised */
	expect_query(state, "村里", "Query(村里)");
	/* a dictionary word is one term */
	expect_contains(state, "看宅基地", "宅基地", 1);
	expect_contains(state, "看宅基地", "基地", 0);
	expect_contains(state, "看宅基地", "宅", 0);
}

static void test_and_or_not_precedence(void **state)
{
	expect_query(state, "a AND b", "Query((a AND b))");
	expect_query(state, "a AND b AND c", "Query((a AND b AND c))");
	expect_query(state, "a OR b OR c", "Query((a OR b OR c))");
	expect_query(state, "a AND b OR c", "Query(((a AND b) OR c))");
	expect_query(state, "a OR b AND c", "Query((a OR (b AND c)))");
	expect_query(state, "(a OR b) AND c", "Query(((a OR b) AND c))");
	expect_query(state, "a AND (b OR c)", "Query((a AND (b OR c)))");
	/* lower-case and/or are words */
	expect_query(state, "a and b", "Query((a OR and OR b))");
}

static void test_not_and_minus(void **state)
{
	expect_query(state, "NOT a", "Query((<alldocuments> AND_NOT a))");
	expect_query(state, "-a", "Query((<alldocuments> AND_NOT a))");
	expect_query(state, "a -b", "Query((a AND_NOT b))");
	expect_query(state, "a NOT b", "Query((a AND_NOT b))");
	expect_query(state, "a b -c", "Query(((a OR b) AND_NOT c))");
	expect_query(state, "a NOT (b OR c)", "Query((a AND_NOT (b OR c)))");
	expect_query(state, "a AND (b OR NOT c)", "Query((a AND (b AND_NOT c)))");
}

/* NOT binds tighter than AND: "a AND NOT b" is a without b. */
static void test_not_binds_tighter_than_and(void **state)
{
	expect_query(state, "a AND NOT b", "Query((a AND_NOT b))");
	expect_query(state, "a AND -b", "Query((a AND_NOT b))");
	expect_query(state, "NOT a AND b", "Query((b AND_NOT a))");
	expect_query(state, "a AND b AND NOT c", "Query(((a AND b) AND_NOT c))");
}

static void test_minus_before_quote_or_group(void **state)
{
	expect_query(state, "a NOT \"镇里\"", "Query((a AND_NOT B镇里))");
	/* '-' excludes a quoted string or a group just like NOT */
	expect_query(state, "a -\"镇里\"", "Query((a AND_NOT B镇里))");
	expect_query(state, "a -(b OR c)", "Query((a AND_NOT (b OR c)))");
}

/* --- exact strings --------------------------------------------------------- */

static void test_quoted_strings(void **state)
{
	fixture_t *f = *state;
	expect_query(state, "\"镇里\"", "Query(B镇里)");
	expect_query(state, "“镇里”", "Query(B镇里)"); /* Chinese quotes */
	expect_query(state, "\"宅基地\"", "Query(((B宅基 AND B基地) FILTER PostingSource(CheckedSource(宅基地))))");
	expect_query(state, "\"村里吃水难\"",
	             "Query(((B村里 AND B里吃 AND B吃水 AND B水难) FILTER PostingSource(CheckedSource(村里吃水难))))");
	expect_query(state, "\"水\"", "Query((WILDCARD SYNONYM B水 SYNONYM C水))");
	expect_query(state, "\"ＡＢ\"", "Query(Bab)");
	/* spaces split an exact string into pieces that must all occur */
	expect_query(state, "\"宅基 地\"", "Query((B宅基 AND (WILDCARD SYNONYM B地 SYNONYM C地)))");
	/* a quoted string next to words is OR-ed with them */
	expect_query(state, "村里 \"镇里\"", "Query((村里 OR B镇里))");

	dd_parsed_query_t pq;
	dd_error_t err;
	assert_int_equal(dd_query_parse(&f->ctx, "\"镇里\" \"宅基 地\" \"镇里\"", &pq, &err), DD_OK);
	assert_int_equal(pq.n_literals, 3); /* 镇里, 宅基, 地: no duplicates */
	assert_string_equal(pq.literals[0], "镇里");
	assert_string_equal(pq.literals[1], "宅基");
	assert_string_equal(pq.literals[2], "地");
	assert_int_equal(pq.n_words, 0);
	assert_true(pq.has_text);
	dd_parsed_query_free(&pq);

	dd_query_t *q = dd_literal_query(NULL, "abc");
	char *d = dd_query_describe(q);
	assert_string_equal(d, "Query(((Bab AND Bbc) FILTER PostingSource(CheckedSource(abc))))");
	free(d);
	dd_query_free(q);
	/* nothing to match: the same as dd_query_match_nothing() */
	q = dd_literal_query(NULL, "");
	dd_query_t *nothing = dd_query_match_nothing();
	d = dd_query_describe(q);
	char *dn = dd_query_describe(nothing);
	assert_string_equal(d, dn);
	free(d);
	free(dn);
	dd_query_free(q);
	dd_query_free(nothing);
}

/* --- fields and dates ------------------------------------------------------ */

static void test_field_filters(void **state)
{
	int has_text = -1;
	fixture_t *f = *state;
	expect_query(state, "county:石林县 村里", "Query((村里 FILTER XCO石林县))");
	expect_query(state, "村里 county:石林县", "Query((村里 FILTER XCO石林县))");
	expect_query(state, "author:梁振杰 a", "Query((a FILTER A梁振杰))");
	expect_query(state, "post:书记 a", "Query((a FILTER XP书记))");
	expect_query(state, "city:临江市 a", "Query((a FILTER XCI临江市))");
	expect_query(state, "township:杏林乡 a", "Query((a FILTER XT杏林乡))");
	expect_query(state, "village:兴山村 a", "Query((a FILTER XV兴山村))");
	expect_query(state, "id:N0001 a", "Query((a FILTER QN0001))");
	expect_query(state, "topic:water a", "Query((a FILTER Kwater))");
	expect_query(state, "county:\"石林 县\" a", "Query((a FILTER XCO石林 县))");
	expect_query(state, "county:Ｓ县 a", "Query((a FILTER XCOs县))"); /* names normalised */
	/* values of one field OR-ed, fields AND-ed */
	expect_query(state, "county:石林县 county:兴山县 author:梁振杰 a",
	             "Query((a FILTER ((XCO石林县 OR XCO兴山县) AND A梁振杰)))");
	/* excluded field value */
	expect_query(state, "-county:兴山县 a", "Query((a AND_NOT XCO兴山县))");
	/* filters alone: match all, restricted; has_text tells the caller */
	char *d = describe_with(&f->ctx, "county:石林县", &has_text);
	assert_string_equal(d, "Query((<alldocuments> FILTER XCO石林县))");
	assert_int_equal(has_text, 0);
	free(d);
	d = describe_with(&f->ctx, "county:石林县 a", &has_text);
	assert_int_equal(has_text, 1);
	free(d);
	/* field names are case-insensitive */
	expect_query(state, "County:石林县 a", "Query((a FILTER XCO石林县))");
}

static void test_dates(void **state)
{
	expect_query(state, "date:2007-04-09", "Query((<alldocuments> FILTER D20070409))");
	expect_query(state, "date:2007-04", "Query((<alldocuments> FILTER M200704))");
	expect_query(state, "date:2007", "Query((<alldocuments> FILTER Y2007))");
	expect_query(state, "date:2007-03-01..2007-03-31",
	             "Query((<alldocuments> FILTER VALUE_RANGE 0 2007-03-01 2007-03-31))");
	expect_query(state, "date:2007-03-01..", "Query((<alldocuments> FILTER VALUE_GE 0 2007-03-01))");
	expect_query(state, "date:..2007-03-31", "Query((<alldocuments> FILTER VALUE_LE 0 2007-03-31))");
	expect_query(state, "date:2008-02-29 a", "Query((a FILTER D20080229))");
	expect_query(state, "date:2007-04 date:2007-05 a", "Query((a FILTER (M200704 OR M200705)))");
	expect_query(state, "date:2007 county:石林县 a", "Query((a FILTER (Y2007 AND XCO石林县)))");
}

/* --- thesaurus expansion --------------------------------------------------- */

static void test_thesaurus_expansion(void **state)
{
	fixture_t *f = *state;
	/* the typed word at full weight, relatives scaled, the topic boost */
	char *d = describe_with(&f->ctx, "饮水", NULL);
	assert_int_equal(strncmp(d, "Query((饮水 OR ", strlen("Query((饮水 OR ")), 0);
	/* the synonyms as one term */
	assert_non_null(strstr(d, "* (吃水 SYNONYM 自来水)"));
	assert_non_null(strstr(d, "XKwater"));
	assert_null(strstr(d, "宅基地"));
	assert_null(strstr(d, "* 饮水")); /* not its own relative */
	free(d);
	/* the weight is the context's */
	dd_query_context_t ctx = f->ctx;
	ctx.expansion_weight = 0.25;
	ctx.topic_weight = 2;
	d = describe_with(&ctx, "饮水", NULL);
	assert_non_null(strstr(d, "0.25 * (吃水 SYNONYM 自来水)"));
	assert_non_null(strstr(d, "2 * XKwater"));
	free(d);
	/* a group without a topic adds no XK term */
	d = describe_with(&f->ctx, "镇里", NULL);
	assert_non_null(strstr(d, "乡里"));
	assert_null(strstr(d, "XK"));
	free(d);
	/* a word outside the thesaurus is just itself */
	expect_query(state, "修路", "Query(修路)");
	/* an excluded word is not expanded */
	expect_query(state, "村里 -饮水", "Query((村里 AND_NOT 饮水))");
	/* no lexicon: no expansion */
	ctx = f->ctx;
	ctx.lexicon = NULL;
	d = describe_with(&ctx, "饮水", NULL);
	assert_string_equal(d, "Query(饮水)");
	free(d);

	/* the words for highlighting: typed and expanded, no duplicates */
	dd_parsed_query_t pq;
	dd_error_t err;
	assert_int_equal(dd_query_parse(&f->ctx, "饮水 吃水 宅基地", &pq, &err), DD_OK);
	int saw[5] = { 0 };
	const char *want[] = { "饮水", "吃水", "自来水", "宅基地", "建房" };
	for (size_t i = 0; i < pq.n_words; i++) {
		for (size_t k = 0; k < 5; k++)
			if (strcmp(pq.words[i], want[k]) == 0)
				saw[k]++;
	}
	for (size_t k = 0; k < 5; k++)
		assert_int_equal(saw[k], 1);
	assert_int_equal(pq.n_words, 5);
	assert_int_equal(pq.n_literals, 0);
	dd_parsed_query_free(&pq);
}

/* --- errors ---------------------------------------------------------------- */

static void test_malformed_queries(void **state)
{
	expect_invalid(state, "村里 \"镇里", "quote");
	expect_invalid(state, "\"", "quote");
	expect_invalid(state, "(村里 OR 镇里", "parenthes");
	expect_invalid(state, "村里)", "parenthes");
	expect_invalid(state, "((a)", "parenthes");
	expect_invalid(state, "()", NULL);
	expect_invalid(state, "weather:晴 村里", "weather");
	expect_invalid(state, "county: 村里", NULL); /* a field without value */
	expect_invalid(state, "date:2007-02-30", "2007-02-30");
	expect_invalid(state, "date:2007-13-01", "2007-13-01");
	expect_invalid(state, "date:2007-13", "2007-13");
	expect_invalid(state, "date:07-04-09", "07-04-09");
	expect_invalid(state, "date:yesterday", "yesterday");
	expect_invalid(state, "date:2007-03-31..2007-03-01", "2007-03-31..2007-03-01");
	expect_invalid(state, "date:..", NULL);
	expect_invalid(state, "村里 AND", "AND");
	expect_invalid(state, "AND 村里", "AND");
	expect_invalid(state, "村里 OR", "OR");
	expect_invalid(state, "OR 村里", "OR");
	expect_invalid(state, "村里 AND OR 镇里", NULL);
	expect_invalid(state, "NOT", "NOT");
	expect_invalid(state, "村里 NOT", "NOT");
	expect_invalid(state, "topic:weather 村里", "weather");
	expect_invalid(state, "", "empty");
	expect_invalid(state, "   ", "empty");
	expect_invalid(state, "，。！", "no word to search");
	expect_invalid(state, "abcdefghijklmnopqrstuvwxyz:x", "unknown field");
	expect_invalid(state, "\"\"", NULL);
}

/* An unclosed quote right after an operator or a field used to crash the
 * parser (NULL text handed on after the lexer had failed). */
static void test_unclosed_quote_after_operator(void **state)
{
	static const char *const queries[] = {
		"-\"", "NOT \"",           "a OR \"", "饮水 AND \"修路", "a OR date:\"", "a OR topic:\"",
		"(\"", "a AND county:\"x", "－\"",    "NOT NOT \"a",     "a AND (\"b",
	};
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
		expect_invalid(state, queries[i], "quote");
}

static void test_unknown_topic_needs_topic_list(void **state)
{
	fixture_t *f = *state;
	dd_parsed_query_t pq;
	dd_error_t err;
	/* with topics known, an unknown one is an error listing them */
	assert_int_equal(dd_query_parse(&f->ctx, "topic:nosuch", &pq, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "nosuch"));
	assert_non_null(strstr(err.message, "water"));
	assert_non_null(strstr(err.message, "roads"));
	/* with no topic list (n_topics = 0) the filter is taken as given */
	dd_query_context_t ctx = f->ctx;
	ctx.n_topics = 0;
	char *d = describe_with(&ctx, "topic:nosuch", NULL);
	assert_string_equal(d, "Query((<alldocuments> FILTER Knosuch))");
	free(d);
	/* invalid UTF-8 is rejected, not crashed on */
	assert_int_equal(dd_query_parse(&f->ctx, "村\xE6", &pq, &err), DD_ERR_INVALID);
	assert_null(pq.query);
}

/* Errors stay on one line and keep their reason, whatever the query
 * holds; a query past the bounds is refused, never cut. */
static void test_errors_one_line_and_bounded(void **state)
{
	fixture_t *f = *state;
	dd_parsed_query_t pq;
	dd_error_t err;
	assert_int_equal(dd_query_parse(&f->ctx, "a AND\n", &pq, &err), DD_ERR_INVALID);
	assert_null(strchr(err.message, '\n'));
	assert_non_null(strstr(err.message, "'a AND\\n'"));
	char q[DD_PLAN_MAX_BYTES + 8];
	memset(q, 'a', sizeof q - 1);
	q[sizeof q - 1] = '\0';
	q[10] = ' ';
	assert_int_equal(dd_query_parse(&f->ctx, q, &pq, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "too long"));
	assert_null(pq.query);
	/* under the bound: whole, with its plan */
	q[DD_PLAN_MAX_BYTES] = '\0';
	assert_int_equal(dd_query_parse(&f->ctx, q, &pq, &err), DD_OK);
	assert_non_null(pq.plan);
	assert_int_equal(pq.plan->root->n_children, 2);
	dd_parsed_query_free(&pq);
}

/* The full-width minus excludes like '-' (typed by Chinese input methods,
 * and how dundian-search hands on words that start with '-'). */
static void test_full_width_minus(void **state)
{
	expect_query(state, "a －b", "Query((a AND_NOT b))");
	expect_query(state, "a －\"镇里\"", "Query((a AND_NOT B镇里))");
}

/* Filters next to AND / OR are operands; a filter group restricts the
 * whole query; a filter-only query has no text to rank by. */
static void test_filters_as_operands(void **state)
{
	fixture_t *f = *state;
	expect_query(state, "county:石林县 OR county:桃田县", "Query((0 * XCO石林县 OR 0 * XCO桃田县))");
	expect_query(state, "topic:water AND topic:roads",
	             "Query((<alldocuments> FILTER (0 * Kwater AND 0 * Kroads)))");
	expect_query(state, "(county:石林县 OR county:桃田县) 宅基地",
	             "Query(((宅基地 OR 1 * 建房 OR 0.5 * XKhomestead) FILTER (0 * XCO石林县 OR 0 * XCO桃田县)))");
	int has_text = -1;
	char *d = describe_with(&f->ctx, "county:石林县 OR county:桃田县", &has_text);
	free(d);
	assert_int_equal(has_text, 0);
	d = describe_with(&f->ctx, "宅基地 county:石林县", &has_text);
	free(d);
	assert_int_equal(has_text, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_default_or),
		cmocka_unit_test(test_and_or_not_precedence),
		cmocka_unit_test(test_not_and_minus),
		cmocka_unit_test(test_not_binds_tighter_than_and),
		cmocka_unit_test(test_minus_before_quote_or_group),
		cmocka_unit_test(test_quoted_strings),
		cmocka_unit_test(test_field_filters),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_thesaurus_expansion),
		cmocka_unit_test(test_filters_as_operands),
		cmocka_unit_test(test_full_width_minus),
		cmocka_unit_test(test_malformed_queries),
		cmocka_unit_test(test_unclosed_quote_after_operator),
		cmocka_unit_test(test_unknown_topic_needs_topic_list),
		cmocka_unit_test(test_errors_one_line_and_bounded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
