/* test_note.c - unit tests of note parsing and validation (lib/note.h).
 *
 * Every front matter key, plain .txt notes, CRLF line ends and a BOM, the
 * one-line error of each kind of bad note (it must name the file),
 * paragraph iteration and the calendar check behind dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "note.h"

/* Parses a NUL-terminated text as the note at path; asserts success. */
static dd_note_t *parse_ok(const char *path, const char *text)
{
	dd_note_t *note = NULL;
	dd_error_t err;
	dd_error_clear(&err);
	dd_status_t st = dd_note_parse(path, text, strlen(text), &note, &err);
	if (st != DD_OK)
		fail_msg("%s should parse, got: %s", path, err.message);
	assert_non_null(note);
	return note;
}

/* Asserts that text[0..len) is rejected as invalid with a one-line message
 * naming path and containing want (when not NULL). */
static void expect_bad_len(const char *path, const char *text, size_t len, const char *want)
{
	dd_note_t *note = (dd_note_t *)0x1;
	dd_error_t err;
	dd_error_clear(&err);
	dd_status_t st = dd_note_parse(path, text, len, &note, &err);
	if (st != DD_ERR_INVALID)
		fail_msg("%s: expected DD_ERR_INVALID, got %d", path, st);
	assert_null(note);
	assert_int_equal(err.status, DD_ERR_INVALID);
	assert_non_null(strstr(err.message, path));
	assert_int_equal(strncmp(err.message, path, strlen(path)), 0); /* "PATH: ..." */
	assert_null(strchr(err.message, '\n'));
	if (want && !strstr(err.message, want))
		fail_msg("message '%s' lacks '%s'", err.message, want);
}

static void expect_bad(const char *path, const char *text, const char *want)
{
	expect_bad_len(path, text, strlen(text), want);
}

/* --- front matter --------------------------------------------------------- */

static void test_front_matter_all_keys(void **state)
{
	(void)state;
	const char *text = "---\n"
	                   "id: T0001\n"
	                   "title:  村里的水  \n"
	                   "author: 梁振杰\n"
	                   "post: 中共临江市委书记\n"
	                   "city: 临江市\n"
	                   "county: 石林县\n"
	                   "township: 杏林乡\n"
	                   "village: 兴山村\n"
	                   "date: 2007-04-09\n"
	                   "tags: water, roads\n"
	                   "---\n"
	                   "\n"
	                   "第一段。\n"
	                   "\n"
	                   "\n"
	                   "第二段，  \n"
	                   "还是第二段。\n"
	                   "\n";
	dd_note_t *n = parse_ok("notes/t.md", text);
	assert_string_equal(n->path, "notes/t.md");
	assert_string_equal(n->id, "T0001");
	assert_string_equal(n->title, "村里的水");
	assert_string_equal(n->author, "梁振杰");
	assert_string_equal(n->post, "中共临江市委书记");
	assert_string_equal(n->city, "临江市");
	assert_string_equal(n->county, "石林县");
	assert_string_equal(n->township, "杏林乡");
	assert_string_equal(n->village, "兴山村");
	assert_string_equal(n->date, "2007-04-09");
	assert_string_equal(n->tags, "water, roads");
	/* paragraphs joined by exactly one blank line, trailing spaces and
	 * the final newline dropped */
	assert_string_equal(n->body, "第一段。\n\n第二段，\n还是第二段。");
	assert_int_equal(n->body_len, strlen(n->body));
	dd_note_free(n);
}

static void test_front_matter_missing_keys_are_empty(void **state)
{
	(void)state;
	dd_note_t *n = parse_ok("x/N9.md", "---\ntitle: 只有标题\n---\n正文。\n");
	assert_string_equal(n->id, "N9"); /* from the file name */
	assert_string_equal(n->title, "只有标题");
	assert_string_equal(n->author, "");
	assert_string_equal(n->post, "");
	assert_string_equal(n->city, "");
	assert_string_equal(n->county, "");
	assert_string_equal(n->township, "");
	assert_string_equal(n->village, "");
	assert_string_equal(n->date, "");
	assert_string_equal(n->tags, "");
	assert_string_equal(n->body, "正文。");
	dd_note_free(n);
}

/* --- plain text ------------------------------------------------------------ */

static void test_txt_note(void **state)
{
	(void)state;
	dd_note_t *n = parse_ok("/some/dir/村里见闻.txt", "  村里见闻  \n\n今天下雨。\n\n明天晴。\n");
	assert_string_equal(n->id, "村里见闻");
	assert_string_equal(n->title, "村里见闻");
	assert_string_equal(n->body, "今天下雨。\n\n明天晴。");
	assert_string_equal(n->author, "");
	assert_string_equal(n->date, "");
	dd_note_free(n);

	/* title directly followed by the body, no blank line */
	n = parse_ok("a/b.txt", "标题\n正文第一行\n正文第二行");
	assert_string_equal(n->id, "b");
	assert_string_equal(n->title, "标题");
	assert_string_equal(n->body, "正文第一行\n正文第二行");
	dd_note_free(n);

	/* a .md without front matter is plain text too */
	n = parse_ok("c/plain.md", "平平的标题\n\n正文。");
	assert_string_equal(n->id, "plain");
	assert_string_equal(n->title, "平平的标题");
	assert_string_equal(n->body, "正文。");
	dd_note_free(n);
}

static void test_crlf_and_bom(void **state)
{
	(void)state;
	const char *text = "\xEF\xBB\xBF---\r\n"
	                   "id: C1\r\n"
	                   "title: 回车换行\r\n"
	                   "date: 2008-02-29\r\n"
	                   "---\r\n"
	                   "\r\n"
	                   "第一段。\r\n"
	                   "\r\n"
	                   "第二段。\r\n";
	dd_note_t *n = parse_ok("crlf.md", text);
	assert_string_equal(n->id, "C1");
	assert_string_equal(n->title, "回车换行");
	assert_string_equal(n->date, "2008-02-29");
	assert_string_equal(n->body, "第一段。\n\n第二段。");
	assert_null(strchr(n->body, '\r'));
	dd_note_free(n);

	n = parse_ok("dir/bom.txt", "\xEF\xBB\xBF标题\r\n\r\n正文。\r\n");
	assert_string_equal(n->title, "标题"); /* no BOM in the title */
	assert_string_equal(n->body, "正文。");
	dd_note_free(n);
}

/* --- errors ---------------------------------------------------------------- */

static void test_error_invalid_utf8(void **state)
{
	(void)state;
	expect_bad("bad/utf8.md", "---\ntitle: \xE6\xB0\n---\n正文\n", "UTF-8");
	expect_bad("bad/latin1.txt", "caf\xE9 au lait\n\nbody", "UTF-8");
	/* overlong encoding of '/' and an encoded surrogate */
	expect_bad("bad/overlong.txt", "t\n\nab\xC0\xAF", "UTF-8");
	expect_bad("bad/surrogate.txt", "t\n\n\xED\xA0\x80", "UTF-8");
}

static void test_error_unclosed_front_matter(void **state)
{
	(void)state;
	expect_bad("bad/unclosed.md", "---\nid: U1\ntitle: 没关上\n", "not closed");
	expect_bad("bad/unclosed2.md", "---\nid: U1\ntitle: 没关上\ndate: 2007-01-02", "not closed");
	/* a forgotten closing line with a body after it is rejected too */
	expect_bad("bad/unclosed3.md", "---\nid: U1\ntitle: 没关上\n\n正文。\n", NULL);
}

static void test_error_unknown_key(void **state)
{
	(void)state;
	expect_bad("bad/key.md", "---\nid: K1\ntitle: 标题\nweather: 晴\n---\n正文。\n", "weather");
}

static void test_error_duplicate_key(void **state)
{
	(void)state;
	expect_bad("bad/dup.md", "---\nid: D1\ntitle: 一\ntitle: 二\n---\n正文。\n", "title");
	expect_bad("bad/dup2.md", "---\nid: D1\ndate: 2007-01-01\nid: D2\ntitle: 一\n---\n正文。\n", "twice");
}

static void test_error_bad_dates(void **state)
{
	(void)state;
	expect_bad("bad/d1.md", "---\ntitle: 一\ndate: 2007-02-30\n---\n正文。\n", "2007-02-30");
	expect_bad("bad/d2.md", "---\ntitle: 一\ndate: 2007-13-01\n---\n正文。\n", "2007-13-01");
	expect_bad("bad/d3.md", "---\ntitle: 一\ndate: 07-04-09\n---\n正文。\n", "07-04-09");
	expect_bad("bad/d4.md", "---\ntitle: 一\ndate: 2007-4-9\n---\n正文。\n", "2007-4-9");
	expect_bad("bad/d5.md", "---\ntitle: 一\ndate: 2007-02-29\n---\n正文。\n", "2007-02-29");
}

static void test_error_empty_body(void **state)
{
	(void)state;
	expect_bad("bad/empty.md", "---\nid: E1\ntitle: 空\n---\n\n  \n\n", "body");
	expect_bad("bad/empty2.md", "---\nid: E1\ntitle: 空\n---", "body");
	expect_bad("bad/nothing.txt", "", NULL);
	expect_bad("bad/blank.txt", "\n \n\t\n", NULL);
}

static void test_error_bad_id(void **state)
{
	(void)state;
	expect_bad("bad/id1.md", "---\nid: N 1\ntitle: 一\n---\n正文。\n", "N 1");
	expect_bad("bad/id2.md", "---\nid: a/b\ntitle: 一\n---\n正文。\n", "a/b");
	expect_bad("bad/id3.md", "---\nid:\ntitle: 一\n---\n正文。\n", "id");
	char long_id[200] = "---\nid: ";
	for (int i = 0; i < 65; i++)
		strcat(long_id, "x");
	strcat(long_id, "\ntitle: 一\n---\n正文。\n");
	expect_bad("bad/id4.md", long_id, "id");
	/* control characters: an ESC would reach the terminal whenever the id
	 * is shown; a line break in a file name would split the message */
	expect_bad("bad/id5.md", "---\nid: N\x1b[31m1\ntitle: 一\n---\n正文。\n", "control characters");
	expect_bad("bad/id6.md", "---\nid: N\x01\ntitle: 一\n---\n正文。\n", "bad id");
	expect_bad("bad/N\x7f.txt", "标题\n正文。\n", "bad id");
}

static void test_error_nul_and_no_title(void **state)
{
	(void)state;
	const char text[] = "---\ntitle: 一\n---\n正\0文\n";
	expect_bad_len("bad/nul.md", text, sizeof text - 1, NULL);
	expect_bad("bad/notitle.md", "---\nid: T1\nauthor: 某人\n---\n正文。\n", "title");
	expect_bad("bad/colon.md", "---\ntitle: 一\nno colon here\n---\n正文。\n", NULL);
}

static void test_load_from_file(void **state)
{
	(void)state;
	char dir[4096];
	assert_non_null(cli_scratch("note_load", dir, sizeof dir));
	assert_int_equal(cli_write_file(dir, "F7.md", "---\ntitle: 文件\ndate: 2000-02-29\n---\n文件正文。\n"), 0);
	char path[4200];
	snprintf(path, sizeof path, "%s/F7.md", dir);
	dd_note_t *n = NULL;
	dd_error_t err;
	assert_int_equal(dd_note_load(path, &n, &err), DD_OK);
	assert_string_equal(n->id, "F7");
	assert_string_equal(n->path, path);
	assert_string_equal(n->body, "文件正文。");
	dd_note_free(n);

	snprintf(path, sizeof path, "%s/missing.md", dir);
	n = (dd_note_t *)0x1;
	assert_int_equal(dd_note_load(path, &n, &err), DD_ERR_IO);
	assert_null(n);
	assert_non_null(strstr(err.message, path));

	/* a bad file on disk names its path */
	assert_int_equal(cli_write_file(dir, "bad.md", "---\ntitle: 坏\n正文\n"), 0);
	snprintf(path, sizeof path, "%s/bad.md", dir);
	assert_int_equal(dd_note_load(path, &n, &err), DD_ERR_INVALID);
	assert_int_equal(strncmp(err.message, path, strlen(path)), 0);
}

static void test_bundled_corpus_note(void **state)
{
	(void)state;
	dd_note_t *n = NULL;
	dd_error_t err;
	assert_int_equal(dd_note_load(DD_SOURCE_DIR "/corpus/notes/N0001.md", &n, &err), DD_OK);
	assert_string_equal(n->id, "N0001");
	assert_string_equal(n->county, "石林县");
	assert_string_equal(n->village, "兴山村");
	assert_string_equal(n->date, "2007-04-09");
	assert_int_equal(strncmp(n->body, "车到垭口就停了。", strlen("车到垭口就停了。")), 0);
	dd_note_free(n);
}

/* --- paragraphs ------------------------------------------------------------ */

typedef struct para_log {
	size_t n;
	size_t number[8], start[8], end[8];
	size_t stop_after;
} para_log_t;

static int log_paragraph(size_t number, size_t start, size_t end, void *ctx)
{
	para_log_t *l = ctx;
	if (l->n < 8) {
		l->number[l->n] = number;
		l->start[l->n] = start;
		l->end[l->n] = end;
	}
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

static void test_paragraphs(void **state)
{
	(void)state;
	dd_note_t *n = parse_ok("p.md", "---\ntitle: 段落\n---\n甲一\n甲二\n\n\n乙。\n\n丙丙丙\n");
	assert_string_equal(n->body, "甲一\n甲二\n\n乙。\n\n丙丙丙");
	para_log_t log = { 0 };
	dd_note_foreach_paragraph(n->body, n->body_len, log_paragraph, &log);
	assert_int_equal(log.n, 3);
	const char *want[] = { "甲一\n甲二", "乙。", "丙丙丙" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(log.number[i], i + 1);
		assert_int_equal(log.end[i] - log.start[i], strlen(want[i]));
		assert_memory_equal(n->body + log.start[i], want[i], strlen(want[i]));
	}
	/* stops when the callback says so */
	para_log_t one = { .stop_after = 1 };
	dd_note_foreach_paragraph(n->body, n->body_len, log_paragraph, &one);
	assert_int_equal(one.n, 1);
	/* a single paragraph */
	para_log_t single = { 0 };
	dd_note_foreach_paragraph("只有一段", strlen("只有一段"), log_paragraph, &single);
	assert_int_equal(single.n, 1);
	assert_int_equal(single.start[0], 0);
	assert_int_equal(single.end[0], strlen("只有一段"));
	dd_note_free(n);
}

/* --- dates ----------------------------------------------------------------- */

static void test_date_valid(void **state)
{
	(void)state;
	assert_true(dd_date_valid("2007-04-09"));
	assert_true(dd_date_valid("2008-02-29"));  /* divisible by 4 */
	assert_true(dd_date_valid("2000-02-29"));  /* divisible by 400 */
	assert_false(dd_date_valid("1900-02-29")); /* by 100, not 400 */
	assert_false(dd_date_valid("2007-02-29"));
	assert_true(dd_date_valid("2007-02-28"));
	assert_false(dd_date_valid("2007-02-30"));
	assert_true(dd_date_valid("2007-12-31"));
	assert_false(dd_date_valid("2007-04-31"));
	assert_true(dd_date_valid("2007-01-31"));
	assert_false(dd_date_valid("2007-13-01"));
	assert_false(dd_date_valid("2007-00-10"));
	assert_false(dd_date_valid("2007-01-00"));
	assert_false(dd_date_valid("07-04-09"));
	assert_false(dd_date_valid("2007-4-09"));
	assert_false(dd_date_valid("2007/04/09"));
	assert_false(dd_date_valid("2007-04-09 "));
	assert_false(dd_date_valid("2007-0a-09"));
	assert_false(dd_date_valid(""));
}

/* One rule for ids, shared by the parser and `show`. */
static void test_id_valid(void **state)
{
	(void)state;
	assert_true(dd_note_id_valid("N0001"));
	assert_true(dd_note_id_valid("松田村-3"));
	const char *bad[] = { "", "a b", "a/b", "N\x1b[31m", "a\nb", "\xFF\xFE", "N\x7F" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(dd_note_id_valid(bad[i]));
	char long_id[80];
	memset(long_id, 'x', 65);
	long_id[65] = '\0';
	assert_false(dd_note_id_valid(long_id));
	long_id[64] = '\0';
	assert_true(dd_note_id_valid(long_id));
}

/* Loading refuses what is not a regular file at once (a FIFO would
 * block), and a missing file is a read error naming it. */
static void test_load_refuses_fifo_and_missing(void **state)
{
	(void)state;
	char dir[] = "/tmp/dd-note-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/pipe.md", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	dd_note_t *note = NULL;
	dd_error_t err;
	assert_int_equal(dd_note_load(path, &note, &err), DD_ERR_INVALID);
	assert_null(note);
	assert_non_null(strstr(err.message, "not a regular file"));
	unlink(path);
	assert_int_equal(dd_note_load(path, &note, &err), DD_ERR_IO);
	assert_non_null(strstr(err.message, path));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_front_matter_all_keys),
		cmocka_unit_test(test_front_matter_missing_keys_are_empty),
		cmocka_unit_test(test_txt_note),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_error_invalid_utf8),
		cmocka_unit_test(test_error_unclosed_front_matter),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_bad_dates),
		cmocka_unit_test(test_error_empty_body),
		cmocka_unit_test(test_error_bad_id),
		cmocka_unit_test(test_error_nul_and_no_title),
		cmocka_unit_test(test_load_from_file),
		cmocka_unit_test(test_bundled_corpus_note),
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_load_refuses_fifo_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
