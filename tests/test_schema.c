/* test_schema.c - the index schema (lib/schema.h): the field table, the
 * terms indexing and querying both build from it, a long field value still
 * found by its filter, and an index of another schema version refused with
 * one line telling how to rebuild it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_util.h"
#include "engine.h"
#include "schema.h"

static void test_field_table(void **state)
{
	(void)state;
	size_t n;
	const dd_field_t *fields = dd_schema_fields(&n);
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		/* every field is found by its name, and no two share a slot */
		assert_ptr_equal(dd_schema_field(fields[i].name), &fields[i]);
		for (size_t j = i + 1; j < n; j++)
			if (fields[i].slot != DD_NO_SLOT)
				assert_int_not_equal(fields[i].slot, fields[j].slot);
		/* a facet is counted from a value slot */
		if (fields[i].flags & DD_FIELD_FACET)
			assert_int_not_equal(fields[i].slot, DD_NO_SLOT);
	}
	assert_null(dd_schema_field("weather"));
	assert_int_equal(dd_schema_field("county")->slot, DD_SLOT_COUNTY);
	assert_true(dd_schema_field("date")->flags & DD_FIELD_SORTABLE);
	assert_false(dd_schema_field("title")->flags & DD_FIELD_FILTER);

	char names[256];
	dd_schema_field_names(DD_FIELD_FACET, names, sizeof names);
	assert_string_equal(names, "author, city, county, township, village, month, topic");
	dd_schema_field_names(DD_FIELD_FILTER, names, sizeof names);
	assert_non_null(strstr(names, "county"));
	assert_null(strstr(names, "month"));
	/* a buffer too small is cut, never overrun */
	char tiny[8];
	dd_schema_field_names(DD_FIELD_FILTER, tiny, sizeof tiny);
	assert_true(strlen(tiny) < sizeof tiny);
}

static void test_terms(void **state)
{
	(void)state;
	char term[DD_TERM_MAX + 32];
	/* names are normalised (NFKC, lower case) and trimmed */
	assert_int_equal(dd_schema_filter_term(dd_schema_field("county"), " 石林县 ", term, sizeof term), 0);
	assert_string_equal(term, "XCO石林县");
	assert_int_equal(dd_schema_filter_term(dd_schema_field("author"), "ＡＢＣ", term, sizeof term), 0);
	assert_string_equal(term, "Aabc");
	/* ids and topic keys as written */
	assert_int_equal(dd_schema_filter_term(dd_schema_field("id"), "N0001", term, sizeof term), 0);
	assert_string_equal(term, "QN0001");
	assert_int_equal(dd_schema_filter_term(dd_schema_field("topic"), "water", term, sizeof term), 0);
	assert_string_equal(term, "Kwater");
	/* date has no single prefix: it has three */
	assert_int_equal(dd_schema_filter_term(dd_schema_field("date"), "2007", term, sizeof term), -1);
	assert_int_equal(dd_schema_date_term("2007-04-09", term, sizeof term), 0);
	assert_string_equal(term, "D20070409");
	assert_int_equal(dd_schema_date_term("2007-04", term, sizeof term), 0);
	assert_string_equal(term, "M200704");
	assert_int_equal(dd_schema_date_term("2007", term, sizeof term), 0);
	assert_string_equal(term, "Y2007");
	assert_int_equal(dd_schema_date_term("20070409", term, sizeof term), -1);

	dd_schema_id_term("N0042", term, sizeof term);
	assert_string_equal(term, "QN0042");
	dd_schema_topic_term("water", term, sizeof term);
	assert_string_equal(term, "Kwater");
	dd_schema_topic_rank_term("water", term, sizeof term);
	assert_string_equal(term, "XKwater");
	dd_schema_topic_manual_term("water", term, sizeof term);
	assert_string_equal(term, "XMwater");

	/* a value too long for a Xapian term becomes a hash of it: short
	 * enough, the same every time, different for another value */
	char long_value[400], other[400], a[DD_TERM_MAX + 32], b[DD_TERM_MAX + 32];
	memset(long_value, 'x', sizeof long_value - 1);
	long_value[sizeof long_value - 1] = '\0';
	memcpy(other, long_value, sizeof other);
	other[100] = 'y';
	assert_int_equal(dd_schema_filter_term(dd_schema_field("village"), long_value, a, sizeof a), 0);
	assert_true(strlen(a) <= DD_TERM_MAX);
	assert_int_equal(strncmp(a, "XV#", 3), 0);
	assert_int_equal(dd_schema_filter_term(dd_schema_field("village"), long_value, b, sizeof b), 0);
	assert_string_equal(a, b);
	assert_int_equal(dd_schema_filter_term(dd_schema_field("village"), other, b, sizeof b), 0);
	assert_string_not_equal(a, b);
}

static char small_db[4200];

static int build_small_index(void **state)
{
	(void)state;
	char root[4096], notes[4200], cmd[9000];
	if (!cli_scratch("schema", root, sizeof root))
		return -1;
	snprintf(notes, sizeof notes, "%s/notes", root);
	snprintf(small_db, sizeof small_db, "%s/db", root);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", notes);
	if (system(cmd) != 0)
		return -1;
	/* a village name of 300 bytes: longer than a Xapian term may be */
	char note[2048], village[400] = "";
	for (int i = 0; i < 100; i++)
		strcat(village, "长");
	snprintf(note, sizeof note,
	         "---\nid: S1\ntitle: 长名字的村\nvillage: %s\ncounty: 石林县\n---\n村里的路修好了。\n", village);
	if (cli_write_file(notes, "S1.md", note) != 0 ||
	    cli_write_file(notes, "S2.md", "---\nid: S2\ntitle: 短名字\nvillage: 短村\n---\n村里的路还没修。\n") != 0)
		return -1;
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", small_db, notes, (char *)NULL);
	int ok = r.status == 0;
	if (!ok)
		fprintf(stderr, "indexing failed (%d): %s\n", r.status, r.err ? r.err : "");
	cli_result_free(&r);
	return ok ? 0 : -1;
}

static void test_long_value_found_by_filter(void **state)
{
	(void)state;
	char query[512] = "village:";
	for (int i = 0; i < 100; i++)
		strcat(query, "长");
	cli_result_t r = cli_run("dundian-search", "--db", small_db, "--json", "--no-snippets", query, (char *)NULL);
	assert_int_equal(r.status, 0);
	char *ids = cli_hit_ids(r.out);
	assert_non_null(ids);
	assert_string_equal(ids, "S1");
	free(ids);
	cli_result_free(&r);
	/* one character fewer is another value */
	query[strlen(query) - 3] = '\0';
	r = cli_run("dundian-search", "--db", small_db, "--json", query, (char *)NULL);
	assert_int_equal(r.status, 1);
	cli_result_free(&r);
}

static void test_other_schema_refused(void **state)
{
	(void)state;
	char copy[4300], cmd[13000];
	snprintf(copy, sizeof copy, "%s-old", small_db);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", copy, small_db, copy);
	assert_int_equal(system(cmd), 0);

	/* as an older dundian would have left it */
	dd_db_t *db;
	dd_error_t err;
	assert_int_equal(dd_db_open_write(copy, &db, &err), DD_OK);
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	assert_int_equal(dd_db_set_metadata(db, DD_META_SCHEMA, "dundian-schema-5", &err), DD_OK);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	dd_db_close(db);

	dd_engine_t *e = NULL;
	assert_int_equal(dd_engine_open(copy, &e, &err), DD_ERR_INDEX);
	assert_null(e);
	assert_non_null(strstr(err.message, "dundian-schema-5"));
	assert_non_null(strstr(err.message, "re-index"));

	cli_result_t r = cli_run("dundian-search", "--db", copy, "路", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "re-index"));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
	cli_result_free(&r);

	/* re-indexing brings it back */
	char notes[4300];
	snprintf(notes, sizeof notes, "%s", small_db);
	notes[strlen(notes) - 3] = '\0';
	strcat(notes, "/notes");
	r = cli_run("dundian-index", "--quiet", "--db", copy, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	assert_int_equal(dd_engine_open(copy, &e, &err), DD_OK);
	dd_engine_close(e);
	r = cli_run("dundian-search", "--db", copy, "--json", "路", (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_terms),
		cmocka_unit_test_setup(test_long_value_found_by_filter, build_small_index),
		cmocka_unit_test_setup(test_other_schema_refused, build_small_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
