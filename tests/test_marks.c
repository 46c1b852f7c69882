/* test_marks.c - text output tells a word typed from a thesaurus relative
 * the query brought in: ⟦typed⟧ and ⟨relative⟩ by default in search,
 * excerpt (passages) and show --highlight; exact strings take the typed
 * marks; --marks O,C marks both alike, --marks O,C,RO,RC sets both pairs;
 * anything else is refused with exit 2 and one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_util.h"

/* 自来水 and 吃水 are relatives of 饮水 in corpus/thesaurus.txt (group water). */
static const char *const notes[] = {
	"m1.md",
	"---\nid: M1\ntitle: 泉水村蹲点手记\nauthor: 测试\npost: 县委书记\ncity: 甲市\ncounty: 乙县\ntownship: 丙镇\n"
	"village: 丁村\ndate: 2007-04-01\n---\n\n"
	"全村饮水靠一口老井，去年才通了自来水。\n",
	NULL,
	NULL,
};

static char db[4200];

static int setup(void **state)
{
	(void)state;
	return cli_notes_index("marks_notes", notes, db, sizeof db) ? 0 : -1;
}

/* The output of dundian-search with args (NULL-terminated), exit 0. */
static char *output(const char *first, ...)
{
	const char *args[32] = { "--db", db };
	size_t n = 2;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && n < 31; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	cli_result_t r = cli_run_argv("dundian-search", args);
	if (r.status != 0)
		fail_msg("dundian-search %s ... exited %d: %s", first, r.status, r.err ? r.err : "");
	free(r.err);
	return r.out;
}

static void expect(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("no '%s' in:\n%s", want, out);
}

static void test_default_marks(void **state)
{
	(void)state;
	/* search, excerpt and show all mark the typed word and its relative apart */
	char *outs[] = { output("饮水", (char *)NULL), output("excerpt", "饮水", (char *)NULL),
		         output("show", "M1", "--highlight", "饮水", (char *)NULL) };
	for (size_t i = 0; i < 3; i++) {
		expect(outs[i], "全村⟦饮水⟧靠一口老井，去年才通了⟨自来水⟩。");
		free(outs[i]);
	}
	/* typed both: both typed; quoted: an exact string takes the typed marks */
	char *out = output("饮水", "自来水", (char *)NULL);
	expect(out, "全村⟦饮水⟧靠一口老井，去年才通了⟦自来水⟧。");
	free(out);
	out = output("\"自来水\"", "饮水", (char *)NULL);
	expect(out, "全村⟦饮水⟧靠一口老井，去年才通了⟦自来水⟧。");
	free(out);
	/* typed 自来水: now 饮水 is the relative */
	out = output("excerpt", "自来水", (char *)NULL);
	expect(out, "全村⟨饮水⟩靠一口老井，去年才通了⟦自来水⟧。");
	free(out);
}

static void test_marks_option(void **state)
{
	(void)state;
	/* two marks: every match alike, as before relatives had marks of their own */
	char *outs[] = { output("--marks", "<<,>>", "饮水", (char *)NULL),
		         output("excerpt", "--marks", "<<,>>", "饮水", (char *)NULL),
		         output("show", "M1", "--marks", "<<,>>", "--highlight", "饮水", (char *)NULL) };
	for (size_t i = 0; i < 3; i++) {
		expect(outs[i], "全村<<饮水>>靠一口老井，去年才通了<<自来水>>。");
		assert_null(strstr(outs[i], "⟦"));
		assert_null(strstr(outs[i], "⟨"));
		free(outs[i]);
	}
	/* four: the relatives' pair too */
	char *four[] = { output("--marks", "[[,]],{,}", "饮水", (char *)NULL),
		         output("excerpt", "--marks", "[[,]],{,}", "饮水", (char *)NULL),
		         output("show", "M1", "--marks", "[[,]],{,}", "--highlight", "饮水", (char *)NULL) };
	for (size_t i = 0; i < 3; i++) {
		expect(four[i], "全村[[饮水]]靠一口老井，去年才通了{自来水}。");
		free(four[i]);
	}
	/* the concordance lists typed words only, with the typed marks */
	char *kwic = output("excerpt", "--kwic", "--marks", "[[,]],{,}", "饮水", (char *)NULL);
	expect(kwic, "[[饮水]]");
	assert_null(strstr(kwic, "{"));
	free(kwic);
	/* JSON is unchanged by marks: kinds, not brackets */
	char *json = output("--json", "--marks", "[[,]],{,}", "饮水", (char *)NULL);
	assert_null(strstr(json, "[[饮水]]"));
	assert_null(strstr(json, "{自来水}"));
	expect(json, "\"relative\"");
	free(json);
}

/* The kinds of the highlights listed at path (an array of [start, end,
 * kind]) as one string, "typed,relative". */
static void kinds_of(const cJSON *highlights, char *out, size_t size)
{
	const cJSON *h;
	out[0] = '\0';
	cJSON_ArrayForEach(h, highlights)
	{
		assert_int_equal(cJSON_GetArraySize(h), 3);
		const cJSON *kind = cJSON_GetArrayItem(h, 2);
		assert_true(cJSON_IsString(kind));
		if (out[0])
			strncat(out, ",", size - strlen(out) - 1);
		strncat(out, kind->valuestring, size - strlen(out) - 1);
	}
}

static void test_json_kinds_in_excerpt_and_show(void **state)
{
	(void)state;
	char kinds[64];
	char *out = output("excerpt", "--format", "json", "饮水", (char *)NULL);
	cJSON *o = cJSON_Parse(out);
	const cJSON *passage =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	                           cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "excerpts"), 0), "passages"),
	                       0);
	kinds_of(cJSON_GetObjectItemCaseSensitive(passage, "highlights"), kinds, sizeof kinds);
	assert_string_equal(kinds, "typed,relative");
	cJSON_Delete(o);
	free(out);
	/* typed 自来水 and a quoted 老井: the kinds follow what was typed */
	out = output("show", "M1", "--json", "--highlight", "自来水 \"老井\"", (char *)NULL);
	o = cJSON_Parse(out);
	const cJSON *para = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "paragraphs"), 0);
	kinds_of(cJSON_GetObjectItemCaseSensitive(para, "highlights"), kinds, sizeof kinds);
	assert_string_equal(kinds, "relative,literal,typed");
	cJSON_Delete(o);
	free(out);
}

static void test_markdown_marks_relatives_apart(void **state)
{
	(void)state;
	char *out = output("excerpt", "--format", "markdown", "饮水", (char *)NULL);
	expect(out, "> 全村**饮水**靠一口老井，去年才通了*自来水*。");
	free(out);
	out = output("excerpt", "--format", "markdown", "饮水", "\"老井\"", (char *)NULL);
	expect(out, "> 全村**饮水**靠一口**老井**，去年才通了*自来水*。");
	free(out);
}

static void test_bad_marks(void **state)
{
	(void)state;
	const char *bad[] = { "<<", "a,b,c", "a,b,c,d,e", ",b", "a,", "a,b,,d", "a,b,c,", "a\tb,c" };
	const char *prefix[][3] = { { NULL }, { "excerpt", NULL }, { "show", "M1", NULL } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		for (size_t p = 0; p < 3; p++) {
			const char *args[12];
			size_t n = 0;
			for (size_t k = 0; prefix[p][k]; k++)
				args[n++] = prefix[p][k];
			args[n++] = "--db";
			args[n++] = db;
			args[n++] = "--marks";
			args[n++] = bad[i];
			args[n++] = p == 2 ? "--highlight" : "饮水";
			if (p == 2)
				args[n++] = "饮水";
			args[n] = NULL;
			cli_result_t r = cli_run_argv("dundian-search", args);
			assert_int_equal(r.status, 2);
			assert_non_null(strstr(r.err, "--marks"));
			assert_non_null(strstr(r.err, "RELATIVE_OPEN"));
			assert_string_equal(r.out, "");
			cli_result_free(&r);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_marks),
		cmocka_unit_test(test_marks_option),
		cmocka_unit_test(test_json_kinds_in_excerpt_and_show),
		cmocka_unit_test(test_markdown_marks_relatives_apart),
		cmocka_unit_test(test_bad_marks),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
