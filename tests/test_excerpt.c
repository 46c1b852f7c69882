/* test_excerpt.c - `dundian-search excerpt` and `dundian-search show`
 * driven as real programs over an index of the whole bundled corpus.
 *
 * The heart of it: for many queries, every passage that `excerpt --format
 * json` prints is exactly the note body (as stored, read back here with
 * note.h from the note file and with `show --json`) at the stated
 * character offsets, holds whole sentences of one paragraph, and every
 * highlight lies inside it and is a word of the query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "engine.h"
#include "note.h"
#include "text.h"

static char db_path[4096];
static dd_engine_t *engine;

static int build_index(void **state)
{
	(void)state;
	if (!cli_corpus_index("excerpt", db_path, sizeof db_path))
		return -1;
	dd_error_t err;
	if (dd_engine_open(db_path, &engine, &err) != DD_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	return 0;
}

static int close_index(void **state)
{
	(void)state;
	dd_engine_close(engine);
	return 0;
}

/* ---- helpers ---- */

/* A note body decoded into code points, with its paragraphs. */
typedef struct body {
	dd_note_t *note;
	uint32_t *cp; /* code points */
	size_t *byte; /* byte offset of code point k; byte[n] = body_len */
	size_t n;
} body_t;

static void body_load(const char *id, body_t *b)
{
	char path[4096];
	dd_error_t err;
	snprintf(path, sizeof path, "%s/%s.md", CLI_CORPUS_NOTES, id);
	if (dd_note_load(path, &b->note, &err) != DD_OK)
		fail_msg("cannot load %s: %s", path, err.message);
	const char *s = b->note->body;
	size_t len = b->note->body_len;
	b->n = dd_utf8_length(s, len);
	b->cp = malloc(sizeof *b->cp * (b->n + 1));
	b->byte = malloc(sizeof *b->byte * (b->n + 1));
	size_t i = 0;
	for (size_t k = 0; k < b->n; k++) {
		b->byte[k] = i;
		b->cp[k] = dd_utf8_next(s, &i);
	}
	b->byte[b->n] = len;
}

static void body_free(body_t *b)
{
	dd_note_free(b->note);
	free(b->cp);
	free(b->byte);
}

/* body[start, end) in characters, as a malloc'd string. */
static char *body_slice(const body_t *b, size_t start, size_t end)
{
	return strndup(b->note->body + b->byte[start], b->byte[end] - b->byte[start]);
}

static int is_terminator(uint32_t c)
{
	return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61 || c == '!' || c == '?';
}

static int is_closer(uint32_t c)
{
	return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F || c == 0xFF09 || c == 0x3011 || c == ')' ||
	       c == '"' || c == '\'';
}

static int is_blank(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000;
}

/* Does a sentence end just before character k (k > 0)?  A terminator,
 * or closers after a terminator or an ellipsis. */
static int sentence_ends_before(const body_t *b, size_t k)
{
	size_t j = k;
	int closers = 0;
	while (j > 0 && (is_closer(b->cp[j - 1]) || is_terminator(b->cp[j - 1]))) {
		if (is_terminator(b->cp[j - 1]))
			return 1;
		closers = 1;
		j--;
	}
	return closers && j > 0 && b->cp[j - 1] == 0x2026;
}

/* Does a sentence start at character k?  Body start, a line start, or
 * after the end of a sentence (blanks between allowed). */
static int starts_sentence(const body_t *b, size_t k)
{
	size_t j = k;
	while (j > 0 && is_blank(b->cp[j - 1])) {
		if (b->cp[j - 1] == '\n')
			return 1;
		j--;
	}
	return j == 0 || sentence_ends_before(b, j);
}

/* Does a sentence end at character k (one past its last)? */
static int ends_sentence(const body_t *b, size_t k)
{
	size_t j = k;
	while (j < b->n && is_blank(b->cp[j])) {
		if (b->cp[j] == '\n')
			return 1;
		j++;
	}
	return j == b->n || sentence_ends_before(b, k);
}

/* Paragraph number (from 1) of character k: blank lines separate them. */
static size_t paragraph_of(const body_t *b, size_t k)
{
	size_t number = 1;
	for (size_t j = 1; j < k && j < b->n; j++)
		if (b->cp[j] == '\n' && b->cp[j - 1] == '\n' && (j + 1 >= b->n || b->cp[j + 1] != '\n'))
			number++;
	return number;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Is the normalised s one of pq's words or strings? */
static int is_query_word(const dd_parsed_query_t *pq, const char *s)
{
	char *norm = dd_normalize_string(s, strlen(s));
	int found = 0;
	for (size_t i = 0; i < pq->n_words && !found; i++)
		found = strcmp(norm, pq->words[i]) == 0;
	for (size_t i = 0; i < pq->n_literals && !found; i++)
		found = strcmp(norm, pq->literals[i]) == 0;
	free(norm);
	return found;
}

static size_t number_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v))
		fail_msg("'%s' is not a number", key);
	return (size_t)v->valuedouble;
}

static const char *string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsString(v))
		fail_msg("'%s' is not a string", key);
	return v->valuestring;
}

/* Checks every passage of `excerpt --format json QUERY` against the note
 * bodies; returns the number of passages checked. */
static size_t check_excerpts(const char *query, const char *per_note, const char *context)
{
	cli_result_t r = cli_run("dundian-search", "excerpt", "--db", db_path, "--format", "json", "--limit", "15",
	                         "--per-note", per_note, "--context", context, query, (char *)NULL);
	if (r.status != 0)
		fail_msg("excerpt '%s' exited %d: %s", query, r.status, r.err);
	cJSON *root = cJSON_Parse(r.out);
	assert_non_null(root);
	assert_string_equal(string_of(root, "query"), query);
	dd_parsed_query_t pq;
	dd_error_t err;
	assert_int_equal(dd_engine_parse(engine, query, &pq, &err), DD_OK);

	/* same notes in the same order as plain search */
	cli_result_t s = cli_run("dundian-search", "--db", db_path, "--json", "--limit", "15", query, (char *)NULL);
	char *search_ids = cli_hit_ids(s.out);
	char excerpt_ids[4096] = "";
	const cJSON *excerpts = cJSON_GetObjectItemCaseSensitive(root, "excerpts"), *e;
	assert_true(cJSON_GetArraySize(excerpts) > 0);
	size_t checked = 0;
	cJSON_ArrayForEach(e, excerpts)
	{
		const char *id = string_of(e, "id");
		if (excerpt_ids[0])
			strcat(excerpt_ids, " ");
		strcat(excerpt_ids, id);
		body_t b;
		body_load(id, &b);
		assert_string_equal(string_of(e, "title"), b.note->title);
		assert_string_equal(string_of(e, "author"), b.note->author);
		assert_string_equal(string_of(e, "post"), b.note->post);
		assert_string_equal(string_of(e, "county"), b.note->county);
		assert_string_equal(string_of(e, "village"), b.note->village);
		assert_string_equal(string_of(e, "date"), b.note->date);
		const cJSON *passages = cJSON_GetObjectItemCaseSensitive(e, "passages"), *p;
		size_t n_passages = (size_t)cJSON_GetArraySize(passages);
		assert_true(n_passages >= 1);
		assert_true(n_passages <= (size_t)atoi(per_note));
		size_t previous_end[16], previous_start[16], n_previous = 0;
		cJSON_ArrayForEach(p, passages)
		{
			size_t start = number_of(p, "start"), end = number_of(p, "end");
			const char *text = string_of(p, "text");
			assert_true(start < end);
			assert_true(end <= b.n);
			/* the exact text of the body at those offsets */
			char *slice = body_slice(&b, start, end);
			if (strcmp(slice, text) != 0)
				fail_msg("%s [%zu, %zu) for '%s': '%s' is not the body's '%s'", id, start, end, query,
				         text, slice);
			free(slice);
			/* whole sentences inside one paragraph */
			if (!starts_sentence(&b, start))
				fail_msg("%s passage at %zu for '%s' starts inside a sentence: %s", id, start, query,
				         text);
			if (!ends_sentence(&b, end))
				fail_msg("%s passage ending at %zu for '%s' ends inside a sentence: %s", id, end, query,
				         text);
			assert_false(is_blank(b.cp[start]));
			assert_false(is_blank(b.cp[end - 1]));
			assert_null(strstr(text, "\n\n"));
			assert_int_equal(number_of(p, "paragraph"), paragraph_of(&b, start));
			/* at most about 200 characters, unless context was asked for
			 * or one sentence is longer */
			if (strcmp(context, "0") == 0 && end - start > 200) {
				dd_sentence_t *sentences;
				size_t n_sentences;
				assert_int_equal(dd_split_sentences(text, strlen(text), &sentences, &n_sentences, NULL),
				                 DD_OK);
				assert_int_equal(n_sentences, 1);
				free(sentences);
			}
			/* passages of a note do not overlap */
			for (size_t k = 0; k < n_previous; k++)
				assert_true(end <= previous_start[k] || start >= previous_end[k]);
			if (n_previous < 16) {
				previous_start[n_previous] = start;
				previous_end[n_previous++] = end;
			}
			/* highlights: sorted, inside the passage, each a query word */
			const cJSON *highlights = cJSON_GetObjectItemCaseSensitive(p, "highlights"), *h;
			assert_true(cJSON_IsArray(highlights));
			size_t last = start;
			cJSON_ArrayForEach(h, highlights)
			{
				assert_int_equal(cJSON_GetArraySize(h), 3);
				assert_true(cJSON_IsString(cJSON_GetArrayItem(h, 2)));
				size_t hs = (size_t)cJSON_GetArrayItem(h, 0)->valuedouble;
				size_t he = (size_t)cJSON_GetArrayItem(h, 1)->valuedouble;
				assert_true(hs >= last);
				assert_true(hs < he);
				assert_true(he <= end);
				last = he;
				char *word = body_slice(&b, hs, he);
				if (!is_query_word(&pq, word))
					fail_msg("%s highlight [%zu, %zu) '%s' is not a word of '%s'", id, hs, he, word,
					         query);
				free(word);
			}
			/* a query with words marks something in the note's first passage */
			if (checked == 0 && (pq.n_words || pq.n_literals))
				assert_true(cJSON_GetArraySize(highlights) > 0);
			checked++;
		}
		body_free(&b);
	}
	if (strcmp(search_ids, excerpt_ids) != 0)
		fail_msg("'%s': excerpt ranks %s, search ranks %s", query, excerpt_ids, search_ids);
	free(search_ids);
	cli_result_free(&s);
	dd_parsed_query_free(&pq);
	cJSON_Delete(root);
	cli_result_free(&r);
	return checked;
}

/* ---- excerpt ---- */

static const char *const queries[] = {
	"合作医疗",     "饮水",     "宅基地",       "\"镇里\"",      "低保",
	"修路",         "报账",     "自来水",       "危房",          "留守儿童",
	"土地流转",     "村干部",   "养老保险",     "污水",          "合作社",
	"茶叶",         "补贴",     "学校 老师",    "饮水 NOT 修路", "county:石林县 饮水",
	"\"一千块钱\"", "外出打工", "date:2007-04", "topic:water",
};

static void test_every_passage_is_the_body_at_its_offsets(void **state)
{
	(void)state;
	size_t total = 0;
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
		total += check_excerpts(queries[i], "3", "0");
	assert_true(total > 200);
}

static void test_passages_with_context_are_the_body_too(void **state)
{
	(void)state;
	check_excerpts("合作医疗", "2", "2");
	check_excerpts("\"镇里\"", "1", "1");
	check_excerpts("宅基地 审批", "4", "1");
}

static void test_context_widens_the_same_passage(void **state)
{
	(void)state;
	cli_result_t a = cli_run("dundian-search", "excerpt", "--db", db_path, "--format", "json", "--limit", "1",
	                         "--per-note", "1", "饮水", (char *)NULL);
	cli_result_t b = cli_run("dundian-search", "excerpt", "--db", db_path, "--format", "json", "--limit", "1",
	                         "--per-note", "1", "--context", "1", "饮水", (char *)NULL);
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	cJSON *ja = cJSON_Parse(a.out), *jb = cJSON_Parse(b.out);
	const cJSON *pa =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	                           cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ja, "excerpts"), 0), "passages"),
	                       0);
	const cJSON *pb =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	                           cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(jb, "excerpts"), 0), "passages"),
	                       0);
	assert_true(number_of(pb, "start") <= number_of(pa, "start"));
	assert_true(number_of(pb, "end") >= number_of(pa, "end"));
	assert_non_null(strstr(string_of(pb, "text"), string_of(pa, "text")));
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	cli_result_free(&a);
	cli_result_free(&b);
}

static void test_markdown_quotes_with_citations(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "excerpt", "--db", db_path, "--format", "markdown", "--per-note",
	                         "1", "报账", "id:N0001", (char *)NULL);
	assert_int_equal(r.status, 0);
	/* one block quote, the hit in bold, then the citation */
	assert_true(strncmp(r.out, "> ", 2) == 0);
	assert_non_null(strstr(r.out, "**报账**"));
	const char *cite = strstr(r.out, "\n\n— ");
	assert_non_null(cite);
	const char *expected =
	    "\n\n— 梁振杰（中共临江市委书记），《蹲点手记之一：垭口以上》，临江市石林县杏林乡兴山村，"
	    "2007-04-09，N0001 第";
	assert_true(strncmp(cite, expected, strlen(expected)) == 0);
	size_t paragraph = (size_t)atoi(cite + strlen(expected));
	assert_non_null(strstr(cite + strlen(expected), "段\n"));
	/* the quote, marks removed, is that paragraph's text */
	body_t b;
	body_load("N0001", &b);
	char quote[8192] = "";
	size_t n = 0;
	for (const char *p = r.out + 2; p < cite && n + 1 < sizeof quote; p++)
		if (*p != '*') /* the marks: **typed**, *relative* */
			quote[n++] = *p;
	quote[n] = '\0';
	assert_non_null(strstr(b.note->body, quote));
	size_t offset = dd_utf8_length(b.note->body, (size_t)(strstr(b.note->body, quote) - b.note->body));
	assert_int_equal(paragraph_of(&b, offset), paragraph);
	body_free(&b);
	cli_result_free(&r);

	/* several notes: every quote line is quoted, every quote is cited */
	r = cli_run("dundian-search", "excerpt", "--db", db_path, "--format", "markdown", "--limit", "5", "合作医疗",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	size_t quotes = 0, citations = 0;
	int in_quote = 0;
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "> ", 2) == 0) {
			quotes += !in_quote;
			in_quote = 1;
		} else {
			assert_true(strncmp(line, "— ", strlen("— ")) == 0);
			assert_non_null(strstr(line, "》，"));
			assert_non_null(strstr(line, "段"));
			citations++;
			in_quote = 0;
		}
	}
	assert_true(quotes >= 5);
	assert_int_equal(quotes, citations);
	cli_result_free(&r);
}

/* Markdown shows a note's & < > as written: "&amp;" in a note must not
 * render as "&", nor "<b>" as markup; text output takes --marks. */
static void test_markdown_entities_and_marks(void **state)
{
	(void)state;
	char db[4200];
	const char *const files[] = { "E1.md",
		                      "---\nid: E1\ntitle: 账目 & <b>明细</b>\ndate: 2007-01-01\n---\n"
		                      "报账单上写着&amp;和<b>加粗</b>，a > b 也照抄。\n",
		                      NULL };
	assert_non_null(cli_notes_index("excerpt_entities", files, db, sizeof db));
	cli_result_t r;
	r = cli_run("dundian-search", "excerpt", "--db", db, "--format", "markdown", "报账", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "写着&amp;amp;和&lt;b&gt;加粗&lt;/b&gt;，a &gt; b 也照抄"));
	assert_non_null(strstr(r.out, "《账目 &amp; &lt;b&gt;明细&lt;/b&gt;》"));
	assert_null(strstr(r.out, "<b>"));
	cli_result_free(&r);

	r = cli_run("dundian-search", "excerpt", "--db", db, "--marks", "[[,]]", "报账", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "> [[报账]]单上写着&amp;和<b>加粗</b>"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "excerpt", "--db", db, "--kwic", "--marks", "[[,]]", "报账", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[[报账]]单上"));
	cli_result_free(&r);
}

static void test_text_output(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "excerpt", "--db", db_path, "--limit", "3", "低保", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "1. ", 3) == 0);
	assert_non_null(strstr(r.out, "⟦低保⟧"));
	assert_non_null(strstr(r.out, "\n2. "));
	assert_non_null(strstr(r.out, "\n3. "));
	assert_null(strstr(r.out, "\n4. "));
	assert_non_null(strstr(r.out, "notes matched"));
	cli_result_free(&r);
}

/* Display width of line up to (not including) the first ⟦. */
static size_t width_before_hit(const char *line)
{
	const char *mark = strstr(line, "⟦");
	assert_non_null(mark);
	return dd_display_width(line, (size_t)(mark - line));
}

static void test_kwic_lines_align(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "excerpt", "--db", db_path, "--kwic", "报账", (char *)NULL);
	assert_int_equal(r.status, 0);
	size_t lines = 0, column = 0;
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		size_t w = width_before_hit(line);
		if (lines++ == 0)
			column = w;
		assert_int_equal(w, column);
		/* the note id first, the typed word marked, its text from the note */
		char id[64];
		assert_int_equal(sscanf(line, "%63s", id), 1);
		assert_non_null(strstr(line, "⟦报账⟧"));
		body_t b;
		body_load(id, &b);
		assert_non_null(strstr(b.note->body, "报账"));
		/* up to 20 characters of context each side, shown on one line */
		const char *right = strstr(line, "⟧") + strlen("⟧");
		assert_true(dd_utf8_length(right, strlen(right)) <= 20);
		assert_null(strchr(line, '\t'));
		body_free(&b);
	}
	/* one line per occurrence of the word as the index's tokenizer sees
	 * it (it may not see one inside a longer run such as 合管办报账) */
	dd_parsed_query_t pq;
	assert_int_equal(dd_engine_parse(engine, "报账", &pq, NULL), DD_OK);
	size_t tokens = 0;
	for (int n = 1; n <= 500; n++) {
		char id[16];
		snprintf(id, sizeof id, "N%04d", n);
		body_t b;
		body_load(id, &b);
		dd_span_t *spans;
		size_t n_spans;
		assert_int_equal(dd_highlight_spans(dd_engine_tokenizer(engine), &pq, b.note->body, b.note->body_len,
		                                    &spans, &n_spans, NULL),
		                 DD_OK);
		for (size_t i = 0; i < n_spans; i++)
			tokens += spans[i].which < pq.n_words && strcmp(pq.words[spans[i].which], "报账") == 0;
		free(spans);
		body_free(&b);
	}
	dd_parsed_query_free(&pq);
	assert_int_equal(lines, tokens);
	assert_true(lines >= 9);
	cli_result_free(&r);

	/* as an exact string: every occurrence in every note body */
	r = cli_run("dundian-search", "excerpt", "--db", db_path, "--kwic", "\"报账\"", (char *)NULL);
	assert_int_equal(r.status, 0);
	size_t expected = 0;
	for (int n = 1; n <= 500; n++) {
		char id[16];
		snprintf(id, sizeof id, "N%04d", n);
		body_t b;
		body_load(id, &b);
		for (const char *p = b.note->body; (p = strstr(p, "报账")) != NULL; p++)
			expected++;
		body_free(&b);
	}
	assert_int_equal(count_lines(r.out), expected);
	assert_int_equal(expected, 11);
	cli_result_free(&r);

	/* a narrower width, and a word whose contexts cross paragraphs */
	r = cli_run("dundian-search", "excerpt", "--db", db_path, "--kwic", "--width", "6", "--limit", "20", "\"镇里\"",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	lines = 0;
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		size_t w = width_before_hit(line);
		if (lines++ == 0)
			column = w;
		assert_int_equal(w, column);
		/* left context: at most 6 characters besides the id and the padding */
		const char *mark = strstr(line, "⟦");
		size_t chars = 0;
		for (const char *c = line + strcspn(line, " "); c < mark; c++)
			if (*c != ' ' && ((unsigned char)*c & 0xC0) != 0x80)
				chars++;
		assert_true(chars <= 6);
	}
	assert_true(lines >= 20);
	cli_result_free(&r);
}

/* ---- show ---- */

static void test_show_prints_the_right_paragraph(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "show", "N0001", "--db", db_path, "--para", "4", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "蹲点手记之一：垭口以上"));
	assert_non_null(strstr(r.out, "梁振杰"));
	assert_non_null(strstr(r.out, "2007-04-09"));
	assert_non_null(strstr(r.out, "临江市石林县杏林乡兴山村"));
	assert_non_null(strstr(r.out, "\n[4] 说到新型农村合作医疗，屋里一下子热闹起来。"));
	assert_null(strstr(r.out, "[3]"));
	assert_null(strstr(r.out, "[5]"));
	assert_null(strstr(r.out, "车到垭口就停了"));
	cli_result_free(&r);

	/* the whole note: every paragraph numbered */
	r = cli_run("dundian-search", "show", "--db", db_path, "N0001", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\n[1] 车到垭口就停了。"));
	assert_non_null(strstr(r.out, "\n[7] 回到罗家已经快11点"));
	/* tags with their Chinese names */
	assert_non_null(strstr(r.out, "医疗保障 (medins)"));
	cli_result_free(&r);

	/* highlighting */
	r = cli_run("dundian-search", "show", "N0001", "--db", db_path, "--para", "6", "--highlight", "报账",
	            (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "二是研究在乡里设⟦报账⟧代办点"));
	cli_result_free(&r);
}

static void test_show_json_body_and_offsets(void **state)
{
	(void)state;
	const char *ids[] = { "N0001", "N0147", "N0027", "N0298" };
	for (size_t i = 0; i < 4; i++) {
		cli_result_t r = cli_run("dundian-search", "show", ids[i], "--db", db_path, "--json", "--highlight",
		                         "合作医疗 低保", (char *)NULL);
		assert_int_equal(r.status, 0);
		cJSON *o = cJSON_Parse(r.out);
		assert_non_null(o);
		body_t b;
		body_load(ids[i], &b);
		assert_string_equal(string_of(o, "body"), b.note->body);
		assert_string_equal(string_of(o, "id"), ids[i]);
		const cJSON *paragraphs = cJSON_GetObjectItemCaseSensitive(o, "paragraphs"), *p;
		assert_int_equal((size_t)cJSON_GetArraySize(paragraphs), number_of(o, "paragraph_count"));
		size_t expected_number = 1;
		cJSON_ArrayForEach(p, paragraphs)
		{
			assert_int_equal(number_of(p, "number"), expected_number++);
			char *slice = body_slice(&b, number_of(p, "start"), number_of(p, "end"));
			assert_string_equal(slice, string_of(p, "text"));
			free(slice);
			assert_int_equal(paragraph_of(&b, number_of(p, "start")), number_of(p, "number"));
		}
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags"), *t;
		cJSON_ArrayForEach(t, tags)
		{
			assert_true(strlen(string_of(t, "name")) > 0);
			assert_true(strcmp(string_of(t, "name"), string_of(t, "key")) != 0);
		}
		body_free(&b);
		cJSON_Delete(o);
		cli_result_free(&r);
	}
	/* --para: one paragraph, the body still whole */
	cli_result_t r =
	    cli_run("dundian-search", "show", "N0001", "--db", db_path, "--json", "--para", "7", (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *o = cJSON_Parse(r.out);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "paragraphs")), 1);
	assert_int_equal(number_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "paragraphs"), 0), "number"),
	                 7);
	assert_int_equal(number_of(o, "paragraph_count"), 7);
	cJSON_Delete(o);
	cli_result_free(&r);
}

/* ---- errors ---- */

/* Runs and checks: exit status, nothing on stdout, one line on stderr
 * holding needle. */
static void assert_one_line_error(int expected_status, const char *needle, const char *const *args)
{
	cli_result_t r = cli_run_argv("dundian-search", args);
	if (r.status != expected_status)
		fail_msg("%s %s: exit %d, expected %d (%s)", args[0], args[1], r.status, expected_status, r.err);
	assert_int_equal(count_lines(r.err), 1);
	if (!strstr(r.err, needle))
		fail_msg("'%s' does not name '%s'", r.err, needle);
	assert_string_equal(r.out, "");
	cli_result_free(&r);
}

static void test_errors(void **state)
{
	(void)state;
	const char *unknown_id[] = { "show", "N9999", "--db", db_path, NULL };
	assert_one_line_error(2, "no note N9999", unknown_id);
	const char *para_range[] = { "show", "N0001", "--db", db_path, "--para", "8", NULL };
	assert_one_line_error(2, "--para 8", para_range);
	const char *para_zero[] = { "show", "N0001", "--db", db_path, "--para", "0", NULL };
	assert_one_line_error(2, "--para", para_zero);
	const char *para_text[] = { "show", "N0001", "--db", db_path, "--para", "four", NULL };
	assert_one_line_error(2, "four", para_text);
	const char *bad_highlight[] = { "show", "N0001", "--db", db_path, "--highlight", "(饮水", NULL };
	assert_one_line_error(2, "饮水", bad_highlight);
	const char *bad_query[] = { "excerpt", "--db", db_path, "\"饮水", NULL };
	assert_one_line_error(2, "饮水", bad_query);
	const char *bad_field[] = { "excerpt", "--db", db_path, "--format", "json", "nosuchfield:x", NULL };
	assert_one_line_error(2, "nosuchfield", bad_field);
	const char *bad_format[] = { "excerpt", "--db", db_path, "--format", "html", "饮水", NULL };
	assert_one_line_error(2, "html", bad_format);
	const char *bad_per_note[] = { "excerpt", "--db", db_path, "--per-note", "0", "饮水", NULL };
	assert_one_line_error(2, "--per-note", bad_per_note);
	const char *bad_width[] = { "excerpt", "--db", db_path, "--kwic", "--width", "x", "饮水", NULL };
	assert_one_line_error(2, "--width", bad_width);
	const char *no_index[] = { "excerpt", "--db", DD_TEST_TMP "/no-such-index", "饮水", NULL };
	cli_result_t r = cli_run_argv("dundian-search", no_index);
	assert_int_equal(r.status, 3);
	cli_result_free(&r);

	/* nothing found: exit 1, an empty but valid JSON answer */
	r = cli_run("dundian-search", "excerpt", "--db", db_path, "--format", "json", "\"没有这样一句话\"",
	            (char *)NULL);
	assert_int_equal(r.status, 1);
	cJSON *o = cJSON_Parse(r.out);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "excerpts")), 0);
	cJSON_Delete(o);
	cli_result_free(&r);
}

/* Ordinary search snippets still come from the same passage choice. */
static void test_search_snippets_still_work(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "--db", db_path, "--json", "--limit", "5", "宅基地", (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *o = cJSON_Parse(r.out);
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(o, "hits"))
	{
		/* the snippet is plain text: whole sentences of the body, with
		 * the matches as code point offsets into it */
		const char *plain = string_of(h, "snippet");
		const cJSON *highlights = cJSON_GetObjectItemCaseSensitive(h, "highlights"), *pair;
		assert_true(cJSON_GetArraySize(highlights) > 0);
		size_t chars = dd_utf8_length(plain, strlen(plain)), last_end = 0;
		cJSON_ArrayForEach(pair, highlights)
		{
			size_t start = (size_t)cJSON_GetArrayItem(pair, 0)->valuedouble;
			size_t end = (size_t)cJSON_GetArrayItem(pair, 1)->valuedouble;
			assert_true(last_end <= start && start < end && end <= chars);
			last_end = end;
		}
		body_t b;
		body_load(string_of(h, "id"), &b);
		const char *at = strstr(b.note->body, plain);
		assert_non_null(at);
		size_t start = dd_utf8_length(b.note->body, (size_t)(at - b.note->body));
		assert_true(starts_sentence(&b, start));
		assert_true(ends_sentence(&b, start + dd_utf8_length(plain, strlen(plain))));
		body_free(&b);
	}
	cJSON_Delete(o);
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_passage_is_the_body_at_its_offsets),
		cmocka_unit_test(test_passages_with_context_are_the_body_too),
		cmocka_unit_test(test_context_widens_the_same_passage),
		cmocka_unit_test(test_markdown_quotes_with_citations),
		cmocka_unit_test(test_markdown_entities_and_marks),
		cmocka_unit_test(test_text_output),
		cmocka_unit_test(test_kwic_lines_align),
		cmocka_unit_test(test_show_prints_the_right_paragraph),
		cmocka_unit_test(test_show_json_body_and_offsets),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_search_snippets_still_work),
	};
	return cmocka_run_group_tests(tests, build_index, close_index);
}
