/* test_report.c - analysts' reports: the counting in lib/report.c on
 * hand-made records, and `dundian-search report` end to end.
 *
 * The command is tested on six notes written here with manual tags and a
 * test vocabulary whose topics' terms appear in no note, so every tag is
 * known in advance: the counts, the CSV and JSON shapes, --cell, and bad
 * input.  On the bundled corpus it checks the report's shape (every topic,
 * every id a real note) and that it agrees with `dundian-search` itself:
 * topic:water finds exactly the report's water notes, and --facets counts
 * equal the report's totals for the same query.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, strdup */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "report.h"
#include "status.h"
#include "text.h"

#ifndef DD_SOURCE_DIR
#define DD_SOURCE_DIR "."
#endif

/* --- helpers -------------------------------------------------------------- */

/* ids[0..n) joined by spaces into buf. */
static const char *joined(const char *const *ids, size_t n, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, ids[i], size - strlen(buf) - 1);
	}
	return buf;
}

/* The ids an accessor returns, joined into buf: an accessor call that sets
 * n, sequenced before n is read (uses locals list, n and buf). */
#define JOINED(accessor_call) (list = (accessor_call), joined(list, n, buf, sizeof buf))

/* The strings of a JSON array joined by spaces, malloc'd. */
static char *json_joined(const cJSON *array)
{
	size_t len = 1;
	const cJSON *item;
	cJSON_ArrayForEach(item, array) len += strlen(cJSON_IsString(item) ? item->valuestring : "") + 1;
	char *s = calloc(1, len);
	cJSON_ArrayForEach(item, array)
	{
		if (s[0])
			strcat(s, " ");
		strcat(s, cJSON_IsString(item) ? item->valuestring : "");
	}
	return s;
}

static const cJSON *get(const cJSON *object, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
	if (!item)
		fail_msg("no \"%s\" in the JSON", name);
	return item;
}

static double number(const cJSON *object, const char *name)
{
	const cJSON *item = get(object, name);
	assert_true(cJSON_IsNumber(item));
	return item->valuedouble;
}

static const char *string(const cJSON *object, const char *name)
{
	const cJSON *item = get(object, name);
	assert_true(cJSON_IsString(item));
	return item->valuestring;
}

/* The element of array whose member `name` is the string value, or NULL. */
static const cJSON *find_by(const cJSON *array, const char *name, const char *value)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, array)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, name);
		if (cJSON_IsString(m) && strcmp(m->valuestring, value) == 0)
			return item;
	}
	return NULL;
}

/* Number of lines of s (a last line without '\n' counts). */
static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '\n';
	return n + (s[0] && s[strlen(s) - 1] != '\n');
}

/* --- lib/report.c on hand-made records ------------------------------------- */

static const char *const known_topics[] = { "water", "roads", "school" };

/* Four notes: N3 and N1 in column A, N2 in B, N4 with nothing at all. */
static dd_report_t *hand_made_report(dd_report_value_order_t order)
{
	static const char *const t_water_roads[] = { "water", "roads" };
	static const char *const t_water[] = { "water" };
	static const char *const t_roads_water_water[] = { "roads", "water", "water" };
	const dd_report_record_t records[] = {
		{ "N3", "A", "X", "2007-03", t_water_roads, 2 },
		{ "N1", "A", "X", "2007-04", t_water, 1 },
		{ "N2", "B", "Y", "2007-03", t_roads_water_water, 3 },
		{ "N4", "", "", "", NULL, 0 },
	};
	dd_report_t *r;
	dd_error_t err;
	assert_int_equal(dd_report_new(known_topics, 3, order, &r, &err), DD_OK);
	for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
		assert_int_equal(dd_report_add(r, &records[i], &err), DD_OK);
	assert_int_equal(dd_report_finish(r, &err), DD_OK);
	return r;
}

static void test_report_matrix(void **state)
{
	(void)state;
	dd_report_t *r = hand_made_report(DD_REPORT_VALUES_BY_COUNT);
	char buf[256];
	size_t n;
	const char *const *list;
	/* rows by notes: water 3, roads 2, school 0 (kept: it is known) */
	assert_int_equal(dd_report_topic_count(r), 3);
	assert_string_equal(dd_report_topic_key(r, 0), "water");
	assert_string_equal(dd_report_topic_key(r, 1), "roads");
	assert_string_equal(dd_report_topic_key(r, 2), "school");
	assert_null(dd_report_topic_key(r, 3));
	assert_int_equal(dd_report_find_topic(r, "roads"), 1);
	assert_int_equal(dd_report_find_topic(r, "nope"), -1);
	assert_string_equal(JOINED(dd_report_topic_ids(r, 0, &n)), "N1 N2 N3");
	assert_string_equal(JOINED(dd_report_topic_ids(r, 1, &n)), "N2 N3");
	dd_report_topic_ids(r, 2, &n);
	assert_int_equal(n, 0);
	/* columns by notes, ties by value: A (2), "" (1), B (1) */
	assert_int_equal(dd_report_value_count(r), 3);
	assert_string_equal(dd_report_value(r, 0), "A");
	assert_string_equal(dd_report_value(r, 1), "");
	assert_string_equal(dd_report_value(r, 2), "B");
	assert_int_equal(dd_report_find_value(r, "B"), 2);
	assert_int_equal(dd_report_find_value(r, "C"), -1);
	assert_string_equal(JOINED(dd_report_value_ids(r, 0, &n)), "N1 N3");
	assert_string_equal(JOINED(dd_report_value_ids(r, 1, &n)), "N4");
	/* cells, with their notes */
	assert_string_equal(JOINED(dd_report_cell_ids(r, 0, 0, &n)), "N1 N3");
	assert_int_equal(dd_report_cell(r, 0, 0), 2);
	assert_int_equal(dd_report_cell(r, 0, 1), 0);
	assert_string_equal(JOINED(dd_report_cell_ids(r, 0, 2, &n)), "N2");
	assert_string_equal(JOINED(dd_report_cell_ids(r, 1, 0, &n)), "N3");
	assert_int_equal(dd_report_cell(r, 2, 0), 0);
	assert_int_equal(dd_report_cell(r, 9, 9), 0);
	assert_int_equal(dd_report_max_cell(r), 2);
	/* every note, and the one without topics */
	assert_string_equal(JOINED(dd_report_all_ids(r, &n)), "N1 N2 N3 N4");
	assert_string_equal(JOINED(dd_report_untagged_ids(r, &n)), "N4");
	dd_report_free(r);
}

static void test_report_recurrence_and_pairs(void **state)
{
	(void)state;
	dd_report_t *r = hand_made_report(DD_REPORT_VALUES_BY_COUNT);
	char buf[256];
	size_t n, a, b;
	const char *const *list;
	/* water: counties X Y, months 03 04; roads: X Y, 03 only */
	assert_string_equal(JOINED(dd_report_topic_counties(r, 0, &n)), "X Y");
	assert_string_equal(JOINED(dd_report_topic_months(r, 0, &n)), "2007-03 2007-04");
	assert_string_equal(JOINED(dd_report_topic_counties(r, 1, &n)), "X Y");
	assert_string_equal(JOINED(dd_report_topic_months(r, 1, &n)), "2007-03");
	dd_report_topic_counties(r, 2, &n);
	assert_int_equal(n, 0);
	assert_int_equal(dd_report_recurrence_topic(r, 0), 0);
	assert_int_equal(dd_report_recurrence_topic(r, 1), 1);
	assert_int_equal(dd_report_recurrence_topic(r, 2), 2);
	/* one pair, water + roads, in N2 and N3 (N2's repeated water counts once) */
	assert_int_equal(dd_report_pair_count(r), 1);
	dd_report_pair(r, 0, &a, &b);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_string_equal(JOINED(dd_report_pair_ids(r, 0, &n)), "N2 N3");
	assert_float_equal(dd_report_pair_lift(r, 0), 2.0 * 4 / (3.0 * 2), 1e-9);
	assert_int_equal(dd_report_find_pair(r, 1, 0), 0);
	assert_int_equal(dd_report_find_pair(r, 0, 2), -1);
	assert_int_equal(dd_report_find_pair(r, 0, 7), -1);
	dd_report_free(r);
}

/* Recurrence ranks by counties before notes; a key not known is a row too. */
static void test_report_ranking_and_unknown_topics(void **state)
{
	(void)state;
	static const char *const t_a[] = { "a" }, *const t_b[] = { "b" }, *const t_ab[] = { "a", "b" };
	const dd_report_record_t records[] = {
		{ "1", "v", "X", "2007-03", t_a, 1 },  { "2", "v", "X", "2007-03", t_a, 1 },
		{ "3", "v", "X", "2007-03", t_ab, 2 }, { "4", "w", "Y", "2007-04", t_b, 1 },
		{ "5", "w", "Z", "2007-04", t_b, 1 },
	};
	dd_report_t *r;
	dd_error_t err;
	assert_int_equal(dd_report_new(NULL, 0, DD_REPORT_VALUES_BY_NAME, &r, &err), DD_OK);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(dd_report_add(r, &records[i], &err), DD_OK);
	assert_int_equal(dd_report_finish(r, &err), DD_OK);
	/* rows: both have 3 notes, so first met first: a, b */
	assert_int_equal(dd_report_topic_count(r), 2);
	assert_string_equal(dd_report_topic_key(r, 0), "a");
	assert_string_equal(dd_report_topic_key(r, 1), "b");
	/* b is in 3 counties and 2 months, a in 1 and 1: b recurs more */
	assert_int_equal(dd_report_recurrence_topic(r, 0), 1);
	assert_int_equal(dd_report_recurrence_topic(r, 1), 0);
	/* values by name */
	assert_string_equal(dd_report_value(r, 0), "v");
	assert_string_equal(dd_report_value(r, 1), "w");
	dd_report_free(r);
}

static void test_report_values_by_name(void **state)
{
	(void)state;
	dd_report_t *r = hand_made_report(DD_REPORT_VALUES_BY_NAME);
	assert_string_equal(dd_report_value(r, 0), "");
	assert_string_equal(dd_report_value(r, 1), "A");
	assert_string_equal(dd_report_value(r, 2), "B");
	dd_report_free(r);
}

static void test_report_errors(void **state)
{
	(void)state;
	dd_report_t *r;
	dd_error_t err;
	size_t n;
	const dd_report_record_t first = { "N1", "A", "X", "2007-03", NULL, 0 },
	                         nameless = { "", "A", "X", "", NULL, 0 };
	assert_int_equal(dd_report_new(known_topics, 3, DD_REPORT_VALUES_BY_COUNT, &r, &err), DD_OK);
	/* before finishing nothing is reported */
	assert_int_equal(dd_report_add(r, &first, &err), DD_OK);
	assert_int_equal(dd_report_topic_count(r), 0);
	dd_report_all_ids(r, &n);
	assert_int_equal(n, 0);
	assert_int_equal(dd_report_add(r, &nameless, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "without an id"));
	assert_int_equal(dd_report_add(r, &first, &err), DD_OK);
	assert_int_equal(dd_report_finish(r, &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "N1"));
	assert_int_equal(dd_report_topic_count(r), 0);
	assert_int_equal(dd_report_add(r, &first, &err), DD_ERR_INVALID);
	dd_report_free(r);

	/* an empty report is a report */
	assert_int_equal(dd_report_new(known_topics, 3, DD_REPORT_VALUES_BY_COUNT, &r, &err), DD_OK);
	assert_int_equal(dd_report_finish(r, &err), DD_OK);
	assert_int_equal(dd_report_topic_count(r), 3);
	assert_int_equal(dd_report_value_count(r), 0);
	assert_int_equal(dd_report_pair_count(r), 0);
	assert_int_equal(dd_report_max_cell(r), 0);
	assert_int_equal(dd_report_finish(r, &err), DD_ERR_INVALID);
	dd_report_free(r);
	dd_report_free(NULL);
}

/* --- the command on notes written here ----------------------------------- */

static char small_db[4096];

/* A taxonomy whose terms are in no note: every tag is a manual one. */
static const char *test_taxonomy =
    "{\"tagging\": {\"threshold\": 3.0},\n"
    " \"topics\": [\n"
    "  {\"key\": \"water\", \"name\": \"饮水安全\", \"about\": \"drinking water\", \"terms\": {\"qqwaterqq\": 5}},\n"
    "  {\"key\": \"roads\", \"name\": \"道路交通\", \"about\": \"roads\", \"terms\": {\"qqroadsqq\": 5}},\n"
    "  {\"key\": \"school\", \"name\": \"教育与留守儿童\", \"about\": \"schools\", \"terms\": {\"qqschoolqq\": 5}}]}\n";

static int write_note(const char *dir, const char *id, const char *county, const char *date, const char *tags)
{
	char name[64], text[2048];
	snprintf(name, sizeof name, "%s.md", id);
	snprintf(text, sizeof text,
	         "---\nid: %s\ntitle: 手记%s\nauthor: 王明\ncity: 试验市\ncounty: %s\ndate: %s\n%s%s%s---\n\n"
	         "今天上午到村里走了走，和几位老人聊了一会儿天。\n",
	         id, id, county, date, tags[0] ? "tags: " : "", tags, tags[0] ? "\n" : "");
	return cli_write_file(dir, name, text);
}

static int setup_small(void **state)
{
	(void)state;
	char dir[1024], notes[2048], vocabulary[2048];
	if (!cli_scratch("report-small", dir, sizeof dir))
		return -1;
	snprintf(notes, sizeof notes, "%s/notes", dir);
	snprintf(vocabulary, sizeof vocabulary, "%s/vocabulary", dir);
	snprintf(small_db, sizeof small_db, "%s/db", dir);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s'", notes, vocabulary);
	if (system(cmd) != 0)
		return -1;
	if (cli_write_file(vocabulary, "taxonomy.json", test_taxonomy) ||
	    cli_write_file(vocabulary, "dictionary.txt", "") || cli_write_file(vocabulary, "thesaurus.txt", ""))
		return -1;
	if (write_note(notes, "T1", "甲县", "2007-03-05", "water, roads") ||
	    write_note(notes, "T2", "甲县", "2007-04-02", "water") ||
	    write_note(notes, "T3", "乙县", "2007-03-10", "roads, water") ||
	    write_note(notes, "T4", "乙县", "2007-03-11", "school") ||
	    write_note(notes, "T5", "丙县", "2007-04-20", "") ||
	    write_note(notes, "T6", "丙县", "2007-04-21", "roads, school"))
		return -1;
	cli_result_t r =
	    cli_run("dundian-index", "--quiet", "--db", small_db, "--vocabulary", vocabulary, notes, (char *)NULL);
	int ok = r.status == 0;
	if (!ok)
		fprintf(stderr, "indexing the test notes failed (%d): %s\n", r.status, r.err);
	cli_result_free(&r);
	return ok ? 0 : -1;
}

static void test_cli_json_counts(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "report", "--db", small_db, "--format", "json", (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	assert_non_null(root);
	assert_int_equal(number(root, "notes"), 6);
	assert_string_equal(string(root, "by"), "county");
	char *s = json_joined(get(get(root, "untagged"), "ids"));
	assert_string_equal(s, "T5");
	free(s);
	/* the matrix: water 甲县 T1 T2, 乙县 T3; roads 3 notes; school 2 */
	const cJSON *matrix = get(root, "matrix");
	assert_int_equal(cJSON_GetArraySize(matrix), 3);
	const cJSON *water = find_by(matrix, "topic", "water");
	assert_non_null(water);
	assert_string_equal(string(water, "name"), "饮水安全");
	assert_int_equal(number(water, "count"), 3);
	const cJSON *cells = get(water, "cells");
	assert_int_equal(cJSON_GetArraySize(cells), 3); /* one per county, zero cells too */
	const cJSON *cell = find_by(cells, "value", "甲县");
	assert_int_equal(number(cell, "count"), 2);
	s = json_joined(get(cell, "ids"));
	assert_string_equal(s, "T1 T2");
	free(s);
	cell = find_by(cells, "value", "丙县");
	assert_int_equal(number(cell, "count"), 0);
	assert_int_equal(cJSON_GetArraySize(get(cell, "ids")), 0);
	assert_int_equal(number(find_by(matrix, "topic", "roads"), "count"), 3);
	assert_int_equal(number(find_by(matrix, "topic", "school"), "count"), 2);
	/* column totals count every note, the untagged one too */
	const cJSON *bing = find_by(get(root, "values"), "value", "丙县");
	assert_int_equal(number(bing, "count"), 2);
	/* recurrence: roads (3 counties), water (2, 2 months, 3 notes), school */
	const cJSON *recurrence = get(root, "recurrence");
	assert_string_equal(string(cJSON_GetArrayItem(recurrence, 0), "topic"), "roads");
	assert_int_equal(number(cJSON_GetArrayItem(recurrence, 0), "counties"), 3);
	assert_int_equal(number(cJSON_GetArrayItem(recurrence, 0), "months"), 2);
	assert_string_equal(string(cJSON_GetArrayItem(recurrence, 1), "topic"), "water");
	assert_int_equal(number(cJSON_GetArrayItem(recurrence, 1), "counties"), 2);
	s = json_joined(get(cJSON_GetArrayItem(recurrence, 1), "county_list"));
	assert_string_equal(s, "乙县 甲县"); /* bytewise order */
	free(s);
	assert_string_equal(string(cJSON_GetArrayItem(recurrence, 2), "topic"), "school");
	/* pairs: water + roads in T1 T3, roads + school in T6 */
	const cJSON *pairs = get(root, "cooccurrence");
	assert_int_equal(cJSON_GetArraySize(pairs), 2);
	s = json_joined(get(cJSON_GetArrayItem(pairs, 0), "topics"));
	assert_true(strcmp(s, "water roads") == 0 || strcmp(s, "roads water") == 0);
	free(s);
	assert_int_equal(number(cJSON_GetArrayItem(pairs, 0), "count"), 2);
	s = json_joined(get(cJSON_GetArrayItem(pairs, 0), "ids"));
	assert_string_equal(s, "T1 T3");
	free(s);
	s = json_joined(get(cJSON_GetArrayItem(pairs, 1), "ids"));
	assert_string_equal(s, "T6");
	free(s);
	cJSON_Delete(root);
	cli_result_free(&r);
}

static void test_cli_csv_shape(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "report", "--db", small_db, "--format", "csv", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "section,topic,topic_name,county,count,counties,months,ids\n", 58) == 0);
	assert_non_null(strstr(r.out, "\ncell,water,饮水安全,甲县,2,,,T1 T2\n"));
	assert_non_null(strstr(r.out, "\ncell,water,饮水安全,乙县,1,,,T3\n"));
	assert_null(strstr(r.out, "\ncell,water,饮水安全,丙县,")); /* no rows for empty cells */
	assert_non_null(strstr(r.out, "\ntopic,roads,道路交通,,3,3,2,T1 T3 T6\n"));
	assert_non_null(strstr(r.out, "\ntopic,water,饮水安全,,3,2,2,T1 T2 T3\n"));
	assert_non_null(strstr(r.out, "\nvalue,,,丙县,2,,,T5 T6\n"));
	assert_non_null(strstr(r.out, "\npair,water+roads,饮水安全+道路交通,,2,,,T1 T3\n"));
	assert_non_null(strstr(r.out, "\nuntagged,,,,1,,,T5\n"));
	assert_non_null(strstr(r.out, "\nall,,,,6,,,T1 T2 T3 T4 T5 T6\n"));
	/* every line has the header's eight fields (no field here holds a comma) */
	for (const char *line = r.out; *line;) {
		const char *end = strchr(line, '\n');
		assert_non_null(end);
		size_t commas = 0;
		for (const char *p = line; p < end; p++)
			commas += *p == ',';
		assert_int_equal(commas, 7);
		line = end + 1;
	}
	cli_result_free(&r);

	/* --by month: months in order, the column named after the field */
	r = cli_run("dundian-search", "report", "--db", small_db, "--format", "csv", "--by", "month", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "section,topic,topic_name,month,", 31) == 0);
	assert_non_null(strstr(r.out, "\ncell,water,饮水安全,2007-03,2,,,T1 T3\n"));
	assert_non_null(strstr(r.out, "\ncell,water,饮水安全,2007-04,1,,,T2\n"));
	assert_true(strstr(r.out, "\nvalue,,,2007-03,") < strstr(r.out, "\nvalue,,,2007-04,"));
	cli_result_free(&r);
}

static void test_cli_table(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "report", "--db", small_db, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Report on all 6 notes"));
	/* the header and the water row are aligned by display width: the
	 * count under 甲县 ends in the same column as the header */
	const char *header = strstr(r.out, "\ntopic  "), *row = strstr(r.out, "\n饮水安全 (water)");
	assert_non_null(header);
	assert_non_null(row);
	const char *jia = strstr(header, "甲县");
	assert_non_null(jia);
	jia += strlen("甲县");
	size_t header_end = dd_display_width(header + 1, (size_t)(jia - header - 1));
	const char *digit = row + 1 + strlen("饮水安全 (water)"), *row_end = strchr(row + 1, '\n');
	/* the third number of the row is under the third column, 甲县 */
	for (int column = 0; column < 3; column++) {
		while (*digit == ' ')
			digit++;
		if (column < 2)
			while (*digit && *digit != ' ')
				digit++;
	}
	while (*digit && *digit != ' ' && digit < row_end)
		digit++;
	assert_int_equal(dd_display_width(row + 1, (size_t)(digit - row - 1)), header_end);
	assert_true(strncmp(digit - 1, "2", 1) == 0);
	assert_non_null(strstr(r.out, "道路交通 (roads)"));
	assert_non_null(strstr(r.out, "--cell"));
	cli_result_free(&r);
}

static void test_cli_cell(void **state)
{
	(void)state;
	/* a cell, by key and by Chinese name */
	cli_result_t r = cli_run("dundian-search", "report", "--db", small_db, "--cell", "water=甲县", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "2 notes"));
	assert_non_null(strstr(r.out, "\nT1  2007-03-05"));
	assert_non_null(strstr(r.out, "\nT2  2007-04-02"));
	assert_null(strstr(r.out, "T3"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "report", "--db", small_db, "--format", "json", "--cell", "饮水安全=甲县",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	assert_non_null(root);
	char *s = json_joined(get(root, "ids"));
	assert_string_equal(s, "T1 T2");
	free(s);
	assert_string_equal(string(cJSON_GetArrayItem(get(root, "notes"), 0), "title"), "手记T1");
	cJSON_Delete(root);
	cli_result_free(&r);
	/* a pair, a topic, a column, as csv */
	r = cli_run("dundian-search", "report", "--db", small_db, "--format", "csv", "--cell", "roads+water",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "id,date,city,county,author,title\nT1,2007-03-05,试验市,甲县,王明,手记T1\n"
	                           "T3,2007-03-10,试验市,乙县,王明,手记T3\n");
	cli_result_free(&r);
	r = cli_run("dundian-search", "report", "--db", small_db, "--format", "json", "--cell", "school", (char *)NULL);
	root = cJSON_Parse(r.out);
	s = json_joined(get(root, "ids"));
	assert_string_equal(s, "T4 T6");
	free(s);
	cJSON_Delete(root);
	cli_result_free(&r);
	r = cli_run("dundian-search", "report", "--db", small_db, "--format", "json", "--by", "month", "--cell",
	            "=2007-04", (char *)NULL);
	root = cJSON_Parse(r.out);
	s = json_joined(get(root, "ids"));
	assert_string_equal(s, "T2 T5 T6");
	free(s);
	cJSON_Delete(root);
	cli_result_free(&r);
	/* an empty cell: nothing found */
	r = cli_run("dundian-search", "report", "--db", small_db, "--cell", "water=丙县", (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "0 notes"));
	cli_result_free(&r);
	/* a query narrows the report, filters included */
	r = cli_run("dundian-search", "report", "--db", small_db, "--format", "json", "county:甲县", (char *)NULL);
	assert_int_equal(r.status, 0);
	root = cJSON_Parse(r.out);
	s = json_joined(get(root, "ids"));
	assert_string_equal(s, "T1 T2");
	free(s);
	cJSON_Delete(root);
	cli_result_free(&r);
}

/* One line on stderr, nothing on stdout, exit 2. */
static void assert_usage_error(cli_result_t r, const char *mention)
{
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, mention));
	cli_result_free(&r);
}

static void test_cli_bad_input(void **state)
{
	(void)state;
	assert_usage_error(cli_run("dundian-search", "report", "--db", small_db, "--by", "town", (char *)NULL),
	                   "--by 'town'");
	assert_usage_error(cli_run("dundian-search", "report", "--db", small_db, "--format", "pdf", (char *)NULL),
	                   "--format 'pdf'");
	assert_usage_error(cli_run("dundian-search", "report", "--db", small_db, "--cell", "nope=甲县", (char *)NULL),
	                   "unknown topic 'nope'");
	assert_usage_error(cli_run("dundian-search", "report", "--db", small_db, "--cell", "water+nope", (char *)NULL),
	                   "unknown topic 'nope'");
	assert_usage_error(cli_run("dundian-search", "report", "--db", small_db, "topic:nope", (char *)NULL), "nope");
	assert_usage_error(
	    cli_run("dundian-search", "report", "--db", small_db, "--format", "html", "--cell", "water", (char *)NULL),
	    "--cell");
	cli_result_t r = cli_run("dundian-search", "report", "--db", DD_TEST_TMP "/no-such-index", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_int_equal(count_lines(r.err), 1);
	cli_result_free(&r);
}

static void test_cli_html(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof path, "%s/report-small/report.html", DD_TEST_TMP);
	cli_result_t r =
	    cli_run("dundian-search", "report", "--db", small_db, "--format", "html", "--output", path, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	cli_result_free(&r);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char html[1 << 20];
	size_t len = fread(html, 1, sizeof html - 1, f);
	fclose(f);
	html[len] = '\0';
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "<svg"));
	/* self-contained: no scripts, no fetched resources */
	assert_null(strstr(html, "<script"));
	size_t links = 0, namespaces = 0;
	for (const char *p = html; (p = strstr(p, "http")) != NULL; p++)
		links++;
	for (const char *p = html; (p = strstr(p, "xmlns=\"http://www.w3.org/2000/svg\"")) != NULL; p++)
		namespaces++;
	assert_int_equal(links, namespaces); /* the only URLs are SVG's namespace */
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "@import"));
	assert_null(strstr(html, "url("));
	assert_non_null(strstr(html, "sans-serif"));
	/* the water x 甲县 cell: a tooltip naming its notes, a link to them */
	/* (columns by notes, ties bytewise: 丙县 乙县 甲县; water is row 0) */
	assert_non_null(strstr(html, "<a href=\"#c-0-2\"><title>饮水安全 (water) × 甲县: 2 notes — T1 T2</title>"));
	const char *list = strstr(html, "id=\"c-0-2\">");
	assert_non_null(list);
	const char *expected = "id=\"c-0-2\">甲县 (2): <a href=\"#n-0\">T1</a> <a href=\"#n-1\">T2</a></span>";
	assert_true(strncmp(list, expected, strlen(expected)) == 0);
	assert_non_null(strstr(html, "<tr id=\"n-0\"><td class=\"ids\">T1</td>"));
}

/* --- the bundled corpus ------------------------------------------------------- */

static char corpus_db[4096];

static int setup_corpus(void **state)
{
	(void)state;
	return cli_corpus_index("report-corpus", corpus_db, sizeof corpus_db) ? 0 : -1;
}

static cJSON *report_json(const char *by, const char *query)
{
	cli_result_t r = query ? cli_run("dundian-search", "report", "--db", corpus_db, "--format", "json", "--by", by,
	                                 query, (char *)NULL)
	                       : cli_run("dundian-search", "report", "--db", corpus_db, "--format", "json", "--by", by,
	                                 (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	assert_non_null(root);
	cli_result_free(&r);
	return root;
}

/* Every id of an array is a note of the corpus and among the report's ids. */
static void assert_real_ids(const cJSON *ids, const cJSON *all)
{
	const cJSON *id;
	cJSON_ArrayForEach(id, ids)
	{
		assert_true(cJSON_IsString(id));
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.md", CLI_CORPUS_NOTES, id->valuestring);
		if (access(path, R_OK) != 0)
			fail_msg("%s: no such note", id->valuestring);
		const cJSON *other;
		int found = 0;
		cJSON_ArrayForEach(other, all) found |= strcmp(other->valuestring, id->valuestring) == 0;
		assert_true(found);
	}
}

static void test_corpus_shape(void **state)
{
	(void)state;
	cJSON *root = report_json("county", NULL);
	assert_int_equal(number(root, "notes"), 500);
	const cJSON *all = get(root, "ids");
	assert_int_equal(cJSON_GetArraySize(all), 500);
	assert_real_ids(all, all);
	const cJSON *matrix = get(root, "matrix"), *values = get(root, "values"), *row, *cell, *v;
	assert_int_equal(cJSON_GetArraySize(matrix), 22);
	assert_true(cJSON_GetArraySize(values) >= 10);
	size_t county_notes = 0;
	cJSON_ArrayForEach(v, values)
	{
		assert_true(strlen(string(v, "value")) > 0); /* every note has a county */
		assert_int_equal(number(v, "count"), cJSON_GetArraySize(get(v, "ids")));
		county_notes += (size_t)number(v, "count");
	}
	assert_int_equal(county_notes, 500);
	cJSON_ArrayForEach(row, matrix)
	{
		assert_true(strlen(string(row, "name")) > 0);
		assert_string_not_equal(string(row, "name"), string(row, "topic")); /* a Chinese name */
		assert_int_equal(number(row, "count"), cJSON_GetArraySize(get(row, "ids")));
		assert_int_equal(cJSON_GetArraySize(get(row, "cells")), cJSON_GetArraySize(values));
		size_t counties_with_notes = 0, cell_sum = 0;
		cJSON_ArrayForEach(cell, get(row, "cells"))
		{
			size_t count = (size_t)number(cell, "count");
			assert_int_equal(count, cJSON_GetArraySize(get(cell, "ids")));
			assert_real_ids(get(cell, "ids"), get(row, "ids"));
			counties_with_notes += count > 0;
			cell_sum += count;
		}
		/* by county, a row's cells add up to its notes, and the
		 * recurrence's county count is its non-empty cells */
		assert_int_equal(cell_sum, number(row, "count"));
		const cJSON *rec = find_by(get(root, "recurrence"), "topic", string(row, "topic"));
		assert_non_null(rec);
		assert_int_equal(number(rec, "counties"), counties_with_notes);
		assert_int_equal(number(rec, "count"), number(row, "count"));
	}
	/* recurrence is ranked */
	const cJSON *rec, *previous = NULL;
	cJSON_ArrayForEach(rec, get(root, "recurrence"))
	{
		if (previous)
			assert_true(number(previous, "counties") >= number(rec, "counties"));
		previous = rec;
	}
	/* pairs are ranked and their notes carry both topics */
	const cJSON *pair;
	previous = NULL;
	cJSON_ArrayForEach(pair, get(root, "cooccurrence"))
	{
		if (previous)
			assert_true(number(previous, "count") >= number(pair, "count"));
		previous = pair;
		assert_int_equal(number(pair, "count"), cJSON_GetArraySize(get(pair, "ids")));
		for (int k = 0; k < 2; k++) {
			const char *topic = cJSON_GetArrayItem(get(pair, "topics"), k)->valuestring;
			assert_real_ids(get(pair, "ids"), get(find_by(matrix, "topic", topic), "ids"));
		}
	}
	assert_true(cJSON_GetArraySize(get(root, "cooccurrence")) > 0);
	cJSON_Delete(root);
}

/* `dundian-search topic:water` finds exactly the report's water notes. */
static void test_corpus_topic_filter(void **state)
{
	(void)state;
	cJSON *root = report_json("county", NULL);
	char *report_ids = json_joined(get(find_by(get(root, "matrix"), "topic", "water"), "ids"));
	cJSON_Delete(root);
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--json", "--limit", "1000", "--sort", "date",
	                         "topic:water", (char *)NULL);
	assert_int_equal(r.status, 0);
	/* hits come by date: sort them as the report's are */
	cJSON *hits = cJSON_Parse(r.out);
	assert_non_null(hits);
	size_t n = (size_t)cJSON_GetArraySize(get(hits, "hits"));
	char **ids = calloc(n + 1, sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = strdup(string(cJSON_GetArrayItem(get(hits, "hits"), (int)i), "id"));
	cJSON_Delete(hits);
	cli_result_free(&r);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(ids[i], ids[j]) > 0) {
				char *t = ids[i];
				ids[i] = ids[j];
				ids[j] = t;
			}
	char *search_ids = calloc(1, 16 * n + 16);
	joined((const char *const *)ids, n, search_ids, 16 * n + 16);
	assert_true(n > 0);
	assert_string_equal(search_ids, report_ids);
	/* and a report over topic:water has just those notes */
	root = report_json("month", "topic:water");
	char *filtered = json_joined(get(root, "ids"));
	assert_string_equal(filtered, report_ids);
	assert_int_equal(number(find_by(get(root, "matrix"), "topic", "water"), "count"), n);
	free(filtered);
	cJSON_Delete(root);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(search_ids);
	free(report_ids);
}

/* --facets topic,county,month counts equal the report's for the same query. */
static void assert_facets_agree(const char *query)
{
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--json", "--limit", "0", "--facets",
	                         "topic,county,month", query, (char *)NULL);
	assert_true(r.status == 0 || r.status == 1);
	cJSON *search = cJSON_Parse(r.out);
	assert_non_null(search);
	cli_result_free(&r);
	const cJSON *facets = get(search, "facets"), *f;
	cJSON *by_county = report_json("county", query), *by_month = report_json("month", query);
	assert_int_equal(number(by_county, "notes"), number(search, "total"));
	/* topics: the report's row totals (rows with no notes have no facet) */
	size_t topics_with_notes = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, get(by_county, "matrix")) topics_with_notes += number(row, "count") > 0;
	assert_int_equal(cJSON_GetArraySize(get(facets, "topic")), topics_with_notes);
	cJSON_ArrayForEach(f, get(facets, "topic"))
	{
		const cJSON *rrow = find_by(get(by_county, "matrix"), "topic", string(f, "value"));
		assert_non_null(rrow);
		assert_int_equal(number(f, "count"), number(rrow, "count"));
		assert_string_equal(string(f, "name"), string(rrow, "name"));
	}
	/* counties and months: the column totals */
	const char *fields[2] = { "county", "month" };
	cJSON *reports[2] = { by_county, by_month };
	for (int k = 0; k < 2; k++) {
		assert_int_equal(cJSON_GetArraySize(get(facets, fields[k])),
		                 cJSON_GetArraySize(get(reports[k], "values")));
		cJSON_ArrayForEach(f, get(facets, fields[k]))
		{
			const cJSON *value = find_by(get(reports[k], "values"), "value", string(f, "value"));
			if (!value)
				fail_msg("%s %s: in the facets, not in the report", fields[k], string(f, "value"));
			assert_int_equal(number(f, "count"), number(value, "count"));
		}
	}
	cJSON_Delete(by_county);
	cJSON_Delete(by_month);
	cJSON_Delete(search);
}

static void test_corpus_facets_agree(void **state)
{
	(void)state;
	assert_facets_agree("饮水");
	assert_facets_agree("date:2007-03");
	assert_facets_agree("topic:roads 修路");
}

static void test_corpus_table_and_html(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "report", "--db", corpus_db, "--by", "city", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Report on all 500 notes"));
	assert_non_null(strstr(r.out, "饮水安全 (water)"));
	assert_non_null(strstr(r.out, "2. How widely each topic recurs"));
	assert_non_null(strstr(r.out, "3. Topics raised in the same notes"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "report", "--db", corpus_db, "--format", "html", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "</html>"));
	assert_null(strstr(r.out, "<script"));
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_report_matrix),
		cmocka_unit_test(test_report_recurrence_and_pairs),
		cmocka_unit_test(test_report_ranking_and_unknown_topics),
		cmocka_unit_test(test_report_values_by_name),
		cmocka_unit_test(test_report_errors),
	};
	const struct CMUnitTest small[] = {
		cmocka_unit_test(test_cli_json_counts), cmocka_unit_test(test_cli_csv_shape),
		cmocka_unit_test(test_cli_table),       cmocka_unit_test(test_cli_cell),
		cmocka_unit_test(test_cli_bad_input),   cmocka_unit_test(test_cli_html),
	};
	const struct CMUnitTest corpus[] = {
		cmocka_unit_test(test_corpus_shape),
		cmocka_unit_test(test_corpus_topic_filter),
		cmocka_unit_test(test_corpus_facets_agree),
		cmocka_unit_test(test_corpus_table_and_html),
	};
	int failed = cmocka_run_group_tests_name("report (lib)", unit, NULL, NULL);
	failed += cmocka_run_group_tests_name("report (test notes)", small, setup_small, NULL);
	failed += cmocka_run_group_tests_name("report (bundled corpus)", corpus, setup_corpus, NULL);
	return failed;
}
