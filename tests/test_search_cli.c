/* test_search_cli.c - drives the real dundian-search.
 *
 * On an index of the bundled corpus (built once for this program): ranked
 * words bring the right notes first; quoted strings return exactly the
 * notes containing them, checked against the corpus files themselves;
 * filters return only matching notes; the --json contract, paging, date
 * sorting, --like and the error paths.  On a few notes written here with
 * known contents: AND / OR / NOT semantics and ranking order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "lexicon.h"
#include "note.h"
#include "text.h"

/* --- the corpus, read directly from its files ------------------------------ */

typedef struct corpus_note {
	char id[32];
	char *title, *body; /* normalised */
	char *county, *author, *village, *date;
} corpus_note_t;

static corpus_note_t corpus[600];
static size_t n_corpus;
static char corpus_db[4096];

static int by_id(const void *a, const void *b)
{
	return strcmp(((const corpus_note_t *)a)->id, ((const corpus_note_t *)b)->id);
}

static int load_corpus(void)
{
	DIR *d = opendir(CLI_CORPUS_NOTES);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n_corpus < 600) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 3, ".md") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", CLI_CORPUS_NOTES, e->d_name);
		dd_note_t *n;
		dd_error_t err;
		if (dd_note_load(path, &n, &err) != DD_OK) {
			fprintf(stderr, "%s\n", err.message);
			closedir(d);
			return -1;
		}
		corpus_note_t *c = &corpus[n_corpus++];
		snprintf(c->id, sizeof c->id, "%s", n->id);
		c->title = dd_normalize_string(n->title, strlen(n->title));
		c->body = dd_normalize_string(n->body, n->body_len);
		c->county = strdup(n->county);
		c->author = strdup(n->author);
		c->village = strdup(n->village);
		c->date = strdup(n->date);
		dd_note_free(n);
	}
	closedir(d);
	qsort(corpus, n_corpus, sizeof *corpus, by_id);
	return 0;
}

static const corpus_note_t *corpus_note(const char *id)
{
	for (size_t i = 0; i < n_corpus; i++)
		if (strcmp(corpus[i].id, id) == 0)
			return &corpus[i];
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	if (load_corpus() != 0 || n_corpus != 500) {
		fprintf(stderr, "could not read the 500 corpus notes (%zu)\n", n_corpus);
		return -1;
	}
	return cli_corpus_index("search_cli_corpus", corpus_db, sizeof corpus_db) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_corpus; i++) {
		free(corpus[i].title);
		free(corpus[i].body);
		free(corpus[i].county);
		free(corpus[i].author);
		free(corpus[i].village);
		free(corpus[i].date);
	}
	return 0;
}

/* --- running searches ------------------------------------------------------ */

/* Runs dundian-search --db db --json EXTRA... and parses the one JSON
 * object it must print (the caller frees it with cJSON_Delete). */
static cJSON *search_json(const char *db, const char *const *extra, int *status)
{
	const char *args[40];
	size_t n = 0;
	args[n++] = "--db";
	args[n++] = db;
	args[n++] = "--json";
	for (size_t i = 0; extra[i] && n < 39; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	cli_result_t r = cli_run_argv("dundian-search", args);
	if (status)
		*status = r.status;
	if (r.status != 0 && r.status != 1)
		fail_msg("dundian-search %s exited %d: %s", extra[0], r.status, r.err ? r.err : "");
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(r.out, &end, 0);
	if (!root)
		fail_msg("not JSON: '%.200s'", r.out ? r.out : "");
	/* exactly one object: nothing but white space after it */
	for (const char *p = end; *p; p++)
		if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			fail_msg("more than one JSON value on stdout: '%.200s'", end);
	assert_true(cJSON_IsObject(root));
	cli_result_free(&r);
	return root;
}

#define SEARCH(db, ...) search_json((db), (const char *const[]){ __VA_ARGS__, NULL }, NULL)

static const cJSON *hits_of(const cJSON *root)
{
	const cJSON *hits = cJSON_GetObjectItemCaseSensitive(root, "hits");
	assert_true(cJSON_IsArray(hits));
	return hits;
}

static const char *hit_string(const cJSON *hit, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(hit, key);
	if (!cJSON_IsString(v))
		fail_msg("hit field '%s' missing or not a string", key);
	return v->valuestring;
}

static int hit_has_tag(const cJSON *hit, const char *key)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(hit, "tags"), *t;
	cJSON_ArrayForEach(t, tags)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "key");
		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			return 1;
	}
	return 0;
}

static size_t total_of(const cJSON *root)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "total");
	assert_true(cJSON_IsNumber(t));
	return (size_t)t->valuedouble;
}

/* Sorted, space-separated ids of the hits. */
static char *hit_id_set(const cJSON *root)
{
	const cJSON *hits = hits_of(root), *h;
	size_t n = (size_t)cJSON_GetArraySize(hits), k = 0;
	const char **v = calloc(n + 1, sizeof *v);
	cJSON_ArrayForEach(h, hits) v[k++] = hit_string(h, "id");
	qsort(v, n, sizeof *v, cli_by_string);
	char *out = calloc(1, n * 8 + 8);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	free(v);
	return out;
}

/* Same for the corpus notes for which pred holds. */
static char *corpus_id_set(int (*pred)(const corpus_note_t *, const void *), const void *arg)
{
	char *out = calloc(1, n_corpus * 8 + 8);
	for (size_t i = 0; i < n_corpus; i++) {
		if (!pred(&corpus[i], arg))
			continue;
		if (out[0])
			strcat(out, " ");
		strcat(out, corpus[i].id);
	}
	return out;
}

static void assert_same_set(char *got, char *want, const char *what)
{
	int same = strcmp(got, want) == 0;
	char msg[1024] = "";
	if (!same)
		snprintf(msg, sizeof msg, "%s: got %zu chars of ids '%.300s', expected %zu chars '%.300s'", what,
		         strlen(got), got, strlen(want), want);
	free(got);
	free(want);
	if (!same)
		fail_msg("%s", msg);
}

/* --- ranked words ------------------------------------------------------------ */

/* The words of the bundled thesaurus groups holding word, and word. */
static size_t relatives(const char *word, char out[][64], size_t max)
{
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_load_thesaurus(lex, DD_SOURCE_DIR "/corpus/thesaurus.txt", &err), DD_OK);
	size_t groups[8], n = 0;
	snprintf(out[n++], 64, "%s", word);
	size_t ng = dd_lexicon_groups_of(lex, word, groups, 8);
	for (size_t g = 0; g < ng && g < 8; g++)
		for (size_t i = 0; i < dd_lexicon_group_size(lex, groups[g]) && n < max; i++)
			snprintf(out[n++], 64, "%s", dd_lexicon_group_word(lex, groups[g], i));
	dd_lexicon_free(lex);
	return n;
}

static void expect_topical_top5(const char *query, const char *topic)
{
	char words[128][64];
	size_t nw = relatives(query, words, 128);
	assert_true(nw > 3); /* the word has a thesaurus group */
	cJSON *root = SEARCH(corpus_db, "--limit", "5", "--no-snippets", query);
	const cJSON *hits = hits_of(root), *h;
	assert_int_equal(cJSON_GetArraySize(hits), 5);
	assert_true(total_of(root) >= 20);
	cJSON_ArrayForEach(h, hits)
	{
		const char *id = hit_string(h, "id");
		const corpus_note_t *c = corpus_note(id);
		assert_non_null(c);
		if (!hit_has_tag(h, topic))
			fail_msg("%s: hit %s lacks tag %s", query, id, topic);
		int has_word = 0;
		for (size_t i = 0; i < nw && !has_word; i++)
			has_word = strstr(c->title, words[i]) || strstr(c->body, words[i]);
		if (!has_word)
			fail_msg("%s: hit %s holds neither the word nor a relative", query, id);
	}
	/* the top hit holds the typed word itself */
	const corpus_note_t *top = corpus_note(hit_string(cJSON_GetArrayItem(hits, 0), "id"));
	assert_true(strstr(top->title, query) || strstr(top->body, query));
	cJSON_Delete(root);
}

static void test_water_first(void **state)
{
	(void)state;
	expect_topical_top5("饮水", "water");
}

static void test_homestead_first(void **state)
{
	(void)state;
	expect_topical_top5("宅基地", "homestead");
}

/* Issue 9: a word neither the dictionary nor the index knows (五保户,
 * split into 五保 户; 危房改造) is matched whole first: the notes holding
 * it come before the notes about 五保 or 危房 in general, however many
 * relatives those hold.  Before, the 15 notes holding 五保户 lay between
 * ranks 2 and 66. */
static int contains_literal(const corpus_note_t *c, const void *arg);

static void expect_whole_first(const char *word)
{
	char *want = corpus_id_set(contains_literal, word);
	size_t n = want[0] ? 1 : 0;
	for (const char *p = want; *p; p++)
		n += *p == ' ';
	assert_true(n >= 5); /* the corpus holds the word in several notes */
	char limit[16];
	snprintf(limit, sizeof limit, "%zu", n);
	cJSON *root = SEARCH(corpus_db, "--limit", limit, "--no-snippets", word);
	assert_true(total_of(root) > n); /* its pieces find more notes */
	assert_same_set(hit_id_set(root), want, word);
	cJSON_Delete(root);
}

static void test_unknown_word_whole_first(void **state)
{
	(void)state;
	expect_whole_first("五保户");
	expect_whole_first("危房改造");
}

/* The group of a typed synonym is one term in the explanation. */
static void test_explain_shows_synonyms_as_one_term(void **state)
{
	(void)state;
	const char *args[] = { "--db", corpus_db, "--explain", "--no-snippets", "--limit", "1", "饮水", NULL };
	cli_result_t r = cli_run_argv("dundian-search", args);
	assert_int_equal(r.status, 0);
	assert_non_null(r.err);
	assert_non_null(strstr(r.err, "吃水 SYNONYM "));
	assert_null(strstr(r.err, "SYNONYM 水井")); /* a neighbour, not a synonym */
	assert_non_null(strstr(r.err, " * 水井"));
	cli_result_free(&r);
}

/* --- exact strings ------------------------------------------------------------ */

static int contains_literal(const corpus_note_t *c, const void *arg)
{
	const char *s = arg;
	return strstr(c->title, s) != NULL || strstr(c->body, s) != NULL;
}

static void expect_exact_set(const char *literal)
{
	char query[256];
	snprintf(query, sizeof query, "\"%s\"", literal);
	char *norm = dd_normalize_string(literal, strlen(literal));
	cJSON *root = SEARCH(corpus_db, "--limit", "500", "--no-snippets", query);
	char *want = corpus_id_set(contains_literal, norm);
	assert_true(want[0] != '\0');              /* the test needs a string that occurs */
	assert_true(strlen(want) < 500 * 6 - 100); /* ...and not everywhere */
	assert_int_equal(total_of(root), (size_t)cJSON_GetArraySize(hits_of(root)));
	char what[300];
	snprintf(what, sizeof what, "quoted %s", query);
	assert_same_set(hit_id_set(root), want, what);
	cJSON_Delete(root);
	free(norm);
}

static void test_quoted_exact_sets(void **state)
{
	(void)state;
	expect_exact_set("镇里");     /* ICU splits it: 镇|里 */
	expect_exact_set("的水");     /* crosses word boundaries: X的|水 */
	expect_exact_set("报账单");   /* three characters: a phrase of pairs */
	expect_exact_set("窖");       /* a single character */
	expect_exact_set("合作医疗"); /* a dictionary word */
}

/* --- filters ------------------------------------------------------------------ */

static int county_is(const corpus_note_t *c, const void *arg)
{
	return strcmp(c->county, arg) == 0;
}
static int author_is(const corpus_note_t *c, const void *arg)
{
	return strcmp(c->author, arg) == 0;
}
static int in_april_first_half(const corpus_note_t *c, const void *arg)
{
	(void)arg;
	return strcmp(c->date, "2007-04-01") >= 0 && strcmp(c->date, "2007-04-15") <= 0;
}

static void test_filters(void **state)
{
	(void)state;
	cJSON *root = SEARCH(corpus_db, "--limit", "500", "--no-snippets", "county:石林县");
	const cJSON *h;
	cJSON_ArrayForEach(h, hits_of(root)) assert_string_equal(hit_string(h, "county"), "石林县");
	assert_same_set(hit_id_set(root), corpus_id_set(county_is, "石林县"), "county:石林县");
	cJSON_Delete(root);

	root = SEARCH(corpus_db, "--limit", "500", "--no-snippets", "author:梁振杰");
	cJSON_ArrayForEach(h, hits_of(root)) assert_string_equal(hit_string(h, "author"), "梁振杰");
	assert_same_set(hit_id_set(root), corpus_id_set(author_is, "梁振杰"), "author:梁振杰");
	cJSON_Delete(root);

	root = SEARCH(corpus_db, "--limit", "500", "--no-snippets", "date:2007-04-01..2007-04-15");
	cJSON_ArrayForEach(h, hits_of(root))
	{
		const char *d = hit_string(h, "date");
		assert_true(strcmp(d, "2007-04-01") >= 0 && strcmp(d, "2007-04-15") <= 0);
	}
	assert_same_set(hit_id_set(root), corpus_id_set(in_april_first_half, NULL), "date range");
	cJSON_Delete(root);

	/* words restricted by filters */
	root = SEARCH(corpus_db, "--limit", "500", "--no-snippets", "修路", "county:石林县", "date:2007-04");
	assert_true(cJSON_GetArraySize(hits_of(root)) > 0);
	cJSON_ArrayForEach(h, hits_of(root))
	{
		assert_string_equal(hit_string(h, "county"), "石林县");
		assert_int_equal(strncmp(hit_string(h, "date"), "2007-04", 7), 0);
	}
	cJSON_Delete(root);

	/* an excluded county */
	root = SEARCH(corpus_db, "--limit", "500", "--no-snippets", "饮水 -county:石林县");
	assert_true(cJSON_GetArraySize(hits_of(root)) > 0);
	cJSON_ArrayForEach(h, hits_of(root)) assert_string_not_equal(hit_string(h, "county"), "石林县");
	cJSON_Delete(root);
}

/* --- the JSON contract, paging, sorting ------------------------------------- */

static void test_json_contract(void **state)
{
	(void)state;
	cJSON *root = SEARCH(corpus_db, "--limit", "20", "饮水");
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(root, "query");
	assert_true(cJSON_IsString(q));
	assert_string_equal(q->valuestring, "饮水");
	size_t total = total_of(root);
	const cJSON *hits = hits_of(root), *h;
	assert_int_equal(cJSON_GetArraySize(hits), 20);
	assert_true(total >= 20);
	static const char *const strings[] = { "id",     "title",    "author",  "post", "city",
		                               "county", "township", "village", "date", "snippet" };
	double last_score = 1e300;
	int rank = 0;
	cJSON_ArrayForEach(h, hits)
	{
		rank++;
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(h, "rank");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(h, "score");
		assert_true(cJSON_IsNumber(r));
		assert_true(cJSON_IsNumber(s));
		assert_int_equal((int)r->valuedouble, rank);
		assert_true(s->valuedouble <= last_score);
		assert_true(s->valuedouble > 0);
		last_score = s->valuedouble;
		for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
			(void)hit_string(h, strings[k]);
		/* the stored fields are the note's own */
		const corpus_note_t *c = corpus_note(hit_string(h, "id"));
		assert_non_null(c);
		assert_string_equal(hit_string(h, "county"), c->county);
		assert_string_equal(hit_string(h, "date"), c->date);
		assert_true(hit_string(h, "snippet")[0] != '\0');
		assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(h, "tags")));
	}
	cJSON_Delete(root);

	/* nothing found: still one object, exit status 1 */
	int status = -1;
	root = search_json(corpus_db, (const char *const[]){ "\"不可能出现的一串字\"", NULL }, &status);
	assert_int_equal(status, 1);
	assert_int_equal(total_of(root), 0);
	assert_int_equal(cJSON_GetArraySize(hits_of(root)), 0);
	cJSON_Delete(root);
}

static char *ids_in_order(const cJSON *root)
{
	char *s = cJSON_PrintUnformatted(root);
	char *ids = cli_hit_ids(s);
	free(s);
	return ids;
}

static void test_paging(void **state)
{
	(void)state;
	cJSON *all = SEARCH(corpus_db, "--limit", "10", "--no-snippets", "合作医疗", "报销");
	cJSON *p1 = SEARCH(corpus_db, "--limit", "5", "--no-snippets", "合作医疗", "报销");
	cJSON *p2 = SEARCH(corpus_db, "--limit", "5", "--offset", "5", "--no-snippets", "合作医疗", "报销");
	char *a = ids_in_order(all), *x = ids_in_order(p1), *y = ids_in_order(p2);
	char joined[512];
	snprintf(joined, sizeof joined, "%s %s", x, y);
	assert_string_equal(joined, a);
	assert_int_equal(total_of(all), total_of(p1));
	assert_int_equal(total_of(all), total_of(p2));
	const cJSON *first = cJSON_GetArrayItem(hits_of(p2), 0);
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(first, "rank")->valuedouble, 6);
	free(a);
	free(x);
	free(y);
	cJSON_Delete(all);
	cJSON_Delete(p1);
	cJSON_Delete(p2);

	/* an offset past the end: no hits, same total */
	int status = -1;
	cJSON *past = search_json(corpus_db, (const char *const[]){ "--offset", "100000", "饮水", NULL }, &status);
	assert_int_equal(cJSON_GetArraySize(hits_of(past)), 0);
	assert_true(total_of(past) > 0);
	cJSON_Delete(past);
}

static void expect_sorted_by_date(cJSON *root)
{
	const cJSON *h;
	const char *prev = NULL;
	int direction = 0, n = 0;
	cJSON_ArrayForEach(h, hits_of(root))
	{
		const char *d = hit_string(h, "date");
		assert_int_equal(strlen(d), 10);
		if (prev) {
			int c = strcmp(prev, d);
			if (c != 0) {
				int dir = c < 0 ? 1 : -1;
				if (direction && dir != direction)
					fail_msg("dates not in order: %s then %s", prev, d);
				direction = dir;
			}
		}
		prev = d;
		n++;
	}
	assert_true(n >= 10);
	assert_true(direction != 0);
}

static void test_sort_by_date(void **state)
{
	(void)state;
	cJSON *root = SEARCH(corpus_db, "--limit", "60", "--no-snippets", "--sort", "date", "饮水");
	expect_sorted_by_date(root);
	cJSON_Delete(root);
	/* filters only sort by date on their own */
	root = SEARCH(corpus_db, "--limit", "60", "--no-snippets", "topic:water");
	expect_sorted_by_date(root);
	cJSON_Delete(root);
}

static void test_like(void **state)
{
	(void)state;
	const corpus_note_t *seed = corpus_note("N0001");
	assert_non_null(seed);
	cJSON *root = SEARCH(corpus_db, "--limit", "10", "--no-snippets", "--like", "N0001");
	const cJSON *hits = hits_of(root), *h;
	assert_int_equal(cJSON_GetArraySize(hits), 10);
	int same_story = 0, rank = 0, top_same = 0;
	cJSON_ArrayForEach(h, hits)
	{
		rank++;
		assert_string_not_equal(hit_string(h, "id"), "N0001");
		int same = strcmp(hit_string(h, "village"), seed->village) == 0 ||
		           strcmp(hit_string(h, "author"), seed->author) == 0;
		same_story += same;
		if (rank <= 2)
			top_same += same;
	}
	/* the other notes of the same stay rank high */
	assert_int_equal(top_same, 2);
	assert_true(same_story >= 3);
	cJSON_Delete(root);

	/* an unknown seed is a usage error naming it */
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--like", "N9999", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "N9999"));
	cli_result_free(&r);
}

/* --- errors ------------------------------------------------------------------ */

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void expect_malformed(const char *query)
{
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, query, (char *)NULL);
	if (r.status != 2)
		fail_msg("query '%s': exit %d, expected 2", query, r.status);
	assert_int_equal(count_lines(r.err), 1);
	if (!strstr(r.err, query))
		fail_msg("message '%s' does not name the query '%s'", r.err, query);
	assert_string_equal(r.out, "");
	cli_result_free(&r);
}

static void test_malformed_queries(void **state)
{
	(void)state;
	expect_malformed("饮水 \"镇里");
	expect_malformed("(饮水 OR 吃水");
	expect_malformed("weather:晴");
	expect_malformed("date:2007-02-30");
	expect_malformed("date:2007-04-30..2007-04-01");
	expect_malformed("饮水 AND");
	expect_malformed("topic:weather");
}

static void test_missing_index(void **state)
{
	(void)state;
	char dir[4096], path[4200];
	assert_non_null(cli_scratch("search_cli_missing", dir, sizeof dir));
	snprintf(path, sizeof path, "%s/no-index", dir);
	cli_result_t r = cli_run("dundian-search", "--db", path, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "dundian-index"));
	assert_non_null(strstr(r.err, path));
	assert_int_equal(count_lines(r.err), 1);
	assert_string_equal(r.out, "");
	cli_result_free(&r);
}

/* --- semantics on notes written here ---------------------------------------- */

static char small_db[4200];

static void build_small_index(void)
{
	char root[4096], notes[4200];
	assert_non_null(cli_scratch("search_cli_small", root, sizeof root));
	snprintf(notes, sizeof notes, "%s/notes", root);
	snprintf(small_db, sizeof small_db, "%s/db", root);
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", notes);
	assert_int_equal(system(cmd), 0);
	/* 磨坊 and 石桥 are in no thesaurus group, so there is no expansion */
	assert_int_equal(
	    cli_write_file(notes, "P1.md",
	                   "---\nid: P1\ntitle: 磨坊\ndate: 2007-01-01\n---\n村东头那间老房子，现在没人用了。\n"),
	    0);
	assert_int_equal(cli_write_file(notes, "P2.md",
	                                "---\nid: P2\ntitle: 村里见闻\ndate: 2007-01-02\n---\n"
	                                "路过一间磨坊，又走过一座石桥，天就黑了，我们在村委会住下。\n"),
	                 0);
	assert_int_equal(
	    cli_write_file(notes, "P3.md",
	                   "---\nid: P3\ntitle: 石桥\ndate: 2007-01-03\n---\n石桥年久失修，石桥下面的水很浅。\n"),
	    0);
	assert_int_equal(
	    cli_write_file(notes, "P4.md",
	                   "---\nid: P4\ntitle: 杂记\ndate: 2007-01-04\n---\n今天下了一天的雨，哪里也没去。\n"),
	    0);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", small_db, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
}

static char *small_ids(const char *query, int sorted)
{
	int status = -1;
	cJSON *root = search_json(small_db, (const char *const[]){ "--no-snippets", query, NULL }, &status);
	char *ids = sorted ? hit_id_set(root) : ids_in_order(root);
	cJSON_Delete(root);
	return ids;
}

static void expect_small(const char *query, int sorted, const char *want)
{
	char *got = small_ids(query, sorted);
	int same = strcmp(got, want) == 0;
	char msg[512] = "";
	if (!same)
		snprintf(msg, sizeof msg, "query '%s' on the small notes: got '%s', expected '%s'", query, got, want);
	free(got);
	if (!same)
		fail_msg("%s", msg);
}

static void test_boolean_semantics(void **state)
{
	(void)state;
	build_small_index();
	/* the title word ranks above a single mention in the body */
	expect_small("磨坊", 0, "P1 P2");
	expect_small("石桥", 0, "P3 P2");
	/* OR of words by default */
	expect_small("磨坊 石桥", 1, "P1 P2 P3");
	expect_small("磨坊 OR 石桥", 1, "P1 P2 P3");
	/* AND */
	expect_small("磨坊 AND 石桥", 1, "P2");
	/* exclusion */
	expect_small("磨坊 -石桥", 1, "P1");
	expect_small("磨坊 NOT 石桥", 1, "P1");
	expect_small("NOT 磨坊", 1, "P3 P4");
	expect_small("(磨坊 OR 石桥) -村里", 1, "P1 P3");
	expect_small("\"一座石桥\"", 1, "P2");
}

static void test_not_binds_tighter_than_and(void **state)
{
	(void)state;
	build_small_index();
	expect_small("磨坊 AND NOT 石桥", 1, "P1");
	expect_small("NOT 石桥 AND 磨坊", 1, "P1");
}

static void test_minus_before_quote(void **state)
{
	(void)state;
	build_small_index();
	expect_small("\"石桥\" NOT \"一座\"", 1, "P3");
	expect_small("\"石桥\" -\"一座\"", 1, "P3");
}

/* A chunk of several words ranks the notes holding all of them first:
 * 河道污染 is about polluted rivers, not the many notes on river channels
 * (which mention 河道 often and 污染 never). */
static void test_chunk_words_together_first(void **state)
{
	(void)state;
	int status = -1;
	cJSON *root =
	    search_json(corpus_db, (const char *const[]){ "--no-snippets", "--limit", "3", "河道污染", NULL }, &status);
	assert_int_equal(status, 0);
	const cJSON *hit;
	cJSON_ArrayForEach(hit, cJSON_GetObjectItemCaseSensitive(root, "hits"))
	{
		const char *id = cJSON_GetObjectItemCaseSensitive(hit, "id")->valuestring;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.md", CLI_CORPUS_NOTES, id);
		dd_note_t *note;
		dd_error_t err;
		assert_int_equal(dd_note_load(path, &note, &err), DD_OK);
		if (!strstr(note->body, "污染"))
			fail_msg("%s is in the top 3 for 河道污染 without 污染", id);
		dd_note_free(note);
	}
	cJSON_Delete(root);
}

/* Query words starting with '-' may be separate arguments, in any place. */
static void test_minus_words_as_arguments(void **state)
{
	(void)state;
	cli_result_t split = cli_run("dundian-search", "--db", corpus_db, "--json", "--no-snippets", "饮水", "AND",
	                             "-自来水", "-county:柳浦县", (char *)NULL);
	cli_result_t whole = cli_run("dundian-search", "--db", corpus_db, "--json", "--no-snippets",
	                             "饮水 AND -自来水 -county:柳浦县", (char *)NULL);
	assert_int_equal(split.status, 0);
	assert_int_equal(whole.status, 0);
	char *a = cli_hit_ids(split.out), *b = cli_hit_ids(whole.out);
	assert_string_equal(a, b);
	assert_non_null(strstr(split.out, "\"饮水 AND -自来水 -county:柳浦县\""));
	free(a);
	free(b);
	cli_result_free(&split);
	cli_result_free(&whole);
}

/* A subcommand may follow --db: `dundian-search --db X show N0001`. */
static void test_subcommand_after_db(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "show", "N0001", "--para", "1", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "车到垭口就停了"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "--db", corpus_db, "excerpt", "报账", "--format", "json", "--limit", "1",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(root, "excerpts"));
	cJSON_Delete(root);
	cli_result_free(&r);
}

/* Manual tags: shown as such in text and JSON, and filterable. */
static void test_manual_tags(void **state)
{
	(void)state;
	char root[4096], notes[4200], db[4200];
	assert_non_null(cli_scratch("search_cli_manual", root, sizeof root));
	snprintf(notes, sizeof notes, "%s/notes", root);
	snprintf(db, sizeof db, "%s/db", root);
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", notes);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(
	    cli_write_file(notes, "M1.md",
	                   "---\nid: M1\ntitle: 磨坊\ncounty: 石林县\ndate: 2007-01-01\ntags: roads, school\n---\n"
	                   "村东头那间老磨坊，现在没人用了。\n"),
	    0);
	assert_int_equal(
	    cli_write_file(notes, "M2.md", "---\nid: M2\ntitle: 磨坊旁\ndate: 2007-01-02\n---\n磨坊旁边的老槐树。\n"),
	    0);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", db, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);

	r = cli_run("dundian-search", "--db", db, "磨坊", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "道路交通（人工）"));
	assert_non_null(strstr(r.out, "教育与留守儿童（人工）"));
	cli_result_free(&r);

	int status = -1;
	cJSON *root_json = search_json(db, (const char *const[]){ "topic:school", NULL }, &status);
	assert_int_equal(status, 0);
	char *ids = ids_in_order(root_json);
	assert_string_equal(ids, "M1");
	const cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root_json, "hits"), 0);
	const cJSON *tag = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(hit, "tags"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tag, "manual")));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(tag, "key")->valuestring, "roads");
	free(ids);
	cJSON_Delete(root_json);

	/* an unknown topic in tags rejects that note, with its path */
	assert_int_equal(cli_write_file(notes, "M3.md", "---\nid: M3\ntitle: 坏标签\ntags: weather\n---\n正文。\n"), 0);
	r = cli_run("dundian-index", "--quiet", "--db", db, notes, (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "M3.md: tags: unknown topic 'weather'"));
	cli_result_free(&r);
}

/* --- output (issue 12) -------------------------------------------------------- */

/* JSON snippets are plain text; "highlights" are code point offsets of the
 * matches in them. */
static void test_json_highlights(void **state)
{
	(void)state;
	int status = -1;
	cJSON *root = search_json(corpus_db, (const char *const[]){ "--limit", "10", "\"吃水\"", NULL }, &status);
	assert_int_equal(status, 0);
	const cJSON *h;
	size_t checked = 0;
	cJSON_ArrayForEach(h, hits_of(root))
	{
		const char *snippet = hit_string(h, "snippet");
		const cJSON *pair, *highlights = cJSON_GetObjectItemCaseSensitive(h, "highlights");
		assert_true(cJSON_GetArraySize(highlights) > 0);
		cJSON_ArrayForEach(pair, highlights)
		{
			size_t start = (size_t)cJSON_GetArrayItem(pair, 0)->valuedouble;
			size_t end = (size_t)cJSON_GetArrayItem(pair, 1)->valuedouble;
			/* walk to the bytes of [start, end) */
			size_t byte = 0, from = 0;
			for (size_t c = 0; c < end; c++) {
				if (c == start)
					from = byte;
				assert_true(snippet[byte] != '\0');
				dd_utf8_next(snippet, &byte);
			}
			assert_int_equal(byte - from, strlen("吃水"));
			assert_memory_equal(snippet + from, "吃水", byte - from);
			checked++;
		}
		assert_null(strstr(snippet, "⟦"));
	}
	assert_true(checked >= 10);
	cJSON_Delete(root);
}

/* Text marks: ⟦⟧ by default, so a note's own 【情况】 heading stays apart
 * from the matches; --marks sets them. */
static void test_text_marks(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--limit", "1", "id:N0229", "吃水", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "【情况】"));
	assert_non_null(strstr(r.out, "⟦吃水⟧"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "--db", corpus_db, "--limit", "1", "--marks", "<<,>>", "id:N0229", "吃水",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "<<吃水>>"));
	assert_null(strstr(r.out, "⟦"));
	cli_result_free(&r);
	const char *bad[] = { "", ",", "<<", "a,b,c", "\033[31m,x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = cli_run("dundian-search", "--db", corpus_db, "--marks", bad[i], "吃水", (char *)NULL);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, "--marks"));
		cli_result_free(&r);
	}
}

/* ESC and other control characters in a note never reach the terminal
 * raw; JSON escapes them. */
static void test_control_characters(void **state)
{
	(void)state;
	char db[4200];
	const char *const files[] = {
		"C1.md",
		"---\nid: C1\ntitle: 磨坊\033[2J标题\nauthor: 张\033]0;x\a三\ndate: 2007-01-01\n---\n"
		"村东头那间老磨坊\033[31m，现在没人用了\x7f。\n",
		NULL
	};
	assert_non_null(cli_notes_index("search_cli_controls", files, db, sizeof db));
	cli_result_t r;
	const char *const commands[][7] = { { "--db", db, "磨坊", NULL },
		                            { "--db", db, "show", "C1", NULL },
		                            { "--db", db, "excerpt", "磨坊", NULL },
		                            { "--db", db, "excerpt", "--kwic", "磨坊", NULL },
		                            { "--db", db, "excerpt", "--format", "markdown", "磨坊", NULL },
		                            { "--db", db, "report", "--by", "author", NULL },
		                            { "--db", db, "report", "--cell", "=", NULL } };
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		r = cli_run_argv("dundian-search", commands[i]);
		assert_int_equal(r.status, 0);
		for (const char *c = r.out; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\n')
				fail_msg("%s: control character %#x in the output", commands[i][2], *c);
		assert_null(strchr(r.out, 0x7f));
		assert_non_null(strstr(r.out, "\xEF\xBF\xBD")); /* U+FFFD in their place */
		cli_result_free(&r);
	}
	int status = -1;
	cJSON *json = search_json(db, (const char *const[]){ "磨坊", NULL }, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(hit_string(cJSON_GetArrayItem(hits_of(json), 0), "title"), "\033[2J"));
	cJSON_Delete(json);
}

/* --no-snippets: one line of metadata per hit, no blank lines. */
static void test_no_snippets_lines(void **state)
{
	(void)state;
	cli_result_t r =
	    cli_run("dundian-search", "--db", corpus_db, "--limit", "3", "--no-snippets", "饮水", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "\n\n"));
	assert_int_equal(count_lines(r.out), 3 * 2 + 1);
	cli_result_free(&r);

	/* a plain-text note has no metadata or tags: no empty line for them */
	char root[4096], db[4200];
	assert_non_null(cli_scratch("no_snippets_bare", root, sizeof root));
	assert_int_equal(cli_write_file(root, "bare.txt", "石磨\n村口的石磨还在转。\n"), 0);
	snprintf(db, sizeof db, "%s/db", root);
	r = cli_run("dundian-index", "--quiet", "--db", db, root, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	r = cli_run("dundian-search", "--db", db, "--no-snippets", "石磨", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "1. 石磨  [bare]\n1 note matched\n");
	cli_result_free(&r);
}

static void expect_usage_error(const char *const *args, const char *needle)
{
	cli_result_t r = cli_run_argv("dundian-search", args);
	if (r.status != 2)
		fail_msg("%s: exit %d, expected 2", needle, r.status);
	assert_string_equal(r.out, "");
	if (needle && !strstr(r.err, needle))
		fail_msg("message '%s' does not say '%s'", r.err, needle);
	cli_result_free(&r);
}

/* Numbers that are not numbers, out of range, and the short options that
 * meant something else in another subcommand. */
static void test_bad_numbers_and_options(void **state)
{
	(void)state;
	expect_usage_error((const char *const[]){ "--db", corpus_db, "--limit", "", "饮水", NULL }, "--limit ''");
	expect_usage_error((const char *const[]){ "--db", corpus_db, "--offset", "", "饮水", NULL }, "--offset ''");
	expect_usage_error((const char *const[]){ "--db", corpus_db, "--offset", "4294967296", "饮水", NULL },
	                   "4294967296");
	expect_usage_error((const char *const[]){ "--db", corpus_db, "--offset", "-1", "饮水", NULL }, "--offset");
	expect_usage_error((const char *const[]){ "--db", corpus_db, "--limit", "5x", "饮水", NULL }, "--limit");
	expect_usage_error((const char *const[]){ "--db", corpus_db, "-o", "5", "饮水", NULL }, NULL);
	expect_usage_error((const char *const[]){ "--db", corpus_db, "-l", "N0001", NULL }, NULL);
	expect_usage_error((const char *const[]){ "--db", corpus_db, "--facets", "weather", "饮水", NULL }, "weather");
	/* the largest offset is accepted: nothing from there on */
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--offset", "1000000000", "饮水", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "none from rank 1000000001 on"));
	cli_result_free(&r);
}

/* An unknown note id is a usage error, worded alike, for show and --like. */
static void test_unknown_note(void **state)
{
	(void)state;
	cli_result_t show = cli_run("dundian-search", "--db", corpus_db, "show", "N9999", (char *)NULL);
	cli_result_t like = cli_run("dundian-search", "--db", corpus_db, "--like", "N9999", (char *)NULL);
	assert_int_equal(show.status, 2);
	assert_int_equal(like.status, show.status);
	assert_string_equal(show.err, "dundian-search show: no note N9999\n");
	assert_non_null(strstr(like.err, "no note N9999\n"));
	assert_int_equal(count_lines(like.err), 1);
	cli_result_free(&show);
	cli_result_free(&like);
}

/* help is help, not a query; --version; help screens list exit codes and
 * every facet field. */
static void test_help_and_version(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "help", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: dundian-search"));
	const char *fields[] = { "topic", "county", "city", "month", "author", "village", "township" };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		char facet[32];
		snprintf(facet, sizeof facet, "%s,", fields[i]);
		if (!strstr(r.out, facet) && !strstr(r.out, fields[i]))
			fail_msg("help does not name facet field %s", fields[i]);
	}
	assert_non_null(strstr(r.out, "exit: 0 found, 1 nothing found, 2"));
	cli_result_free(&r);
	const char *subcommands[] = { "excerpt", "show", "report" };
	for (size_t i = 0; i < 3; i++) {
		r = cli_run("dundian-search", "help", subcommands[i], (char *)NULL);
		assert_int_equal(r.status, 0);
		char usage[64];
		snprintf(usage, sizeof usage, "usage: dundian-search %s", subcommands[i]);
		assert_non_null(strstr(r.out, usage));
		assert_non_null(strstr(r.out, "exit: 0"));
		cli_result_free(&r);
	}
	r = cli_run("dundian-search", "--version", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "dundian-search ", 15) == 0);
	assert_int_equal(count_lines(r.out), 1);
	cli_result_free(&r);
}

int main(void)
{
	alarm(580); /* a hung program fails the run instead of stalling it */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_water_first),
		cmocka_unit_test(test_homestead_first),
		cmocka_unit_test(test_unknown_word_whole_first),
		cmocka_unit_test(test_explain_shows_synonyms_as_one_term),
		cmocka_unit_test(test_quoted_exact_sets),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_sort_by_date),
		cmocka_unit_test(test_like),
		cmocka_unit_test(test_malformed_queries),
		cmocka_unit_test(test_missing_index),
		cmocka_unit_test(test_boolean_semantics),
		cmocka_unit_test(test_not_binds_tighter_than_and),
		cmocka_unit_test(test_minus_before_quote),
		cmocka_unit_test(test_manual_tags),
		cmocka_unit_test(test_subcommand_after_db),
		cmocka_unit_test(test_minus_words_as_arguments),
		cmocka_unit_test(test_chunk_words_together_first),
		cmocka_unit_test(test_json_highlights),
		cmocka_unit_test(test_text_marks),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_no_snippets_lines),
		cmocka_unit_test(test_bad_numbers_and_options),
		cmocka_unit_test(test_unknown_note),
		cmocka_unit_test(test_help_and_version),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
