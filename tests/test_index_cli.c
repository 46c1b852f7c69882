/* test_index_cli.c - drives the real dundian-index on notes written here.
 *
 * Each run's summary line must count exactly what happened (added,
 * updated, removed, unchanged, rejected); a bad note is reported on one
 * stderr line naming its file, sets exit status 1 and leaves the rest of
 * the run (and the note's previous version) in the index; two files
 * claiming one id are caught.  The index is then read back through the
 * library to check what it really holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "note_index.h"
#include "xapian_wrap.h"

/* --- helpers --------------------------------------------------------------- */

typedef struct summary {
	size_t added, updated, removed, unchanged, rejected, total;
} summary_t;

/* A scratch area: DD_TEST_TMP/name/notes and DD_TEST_TMP/name/db. */
typedef struct area {
	char root[4096], notes[4200], db[4200];
} area_t;

static void make_area(area_t *a, const char *name)
{
	assert_non_null(cli_scratch(name, a->root, sizeof a->root));
	snprintf(a->notes, sizeof a->notes, "%s/notes", a->root);
	snprintf(a->db, sizeof a->db, "%s/db", a->root);
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", a->notes);
	assert_int_equal(system(cmd), 0);
}

static void write_note(const area_t *a, const char *name, const char *text)
{
	assert_int_equal(cli_write_file(a->notes, name, text), 0);
}

static void remove_note(const area_t *a, const char *name)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", a->notes, name);
	assert_int_equal(unlink(path), 0);
}

/* A valid Markdown note. */
static void write_md(const area_t *a, const char *file, const char *id, const char *title, const char *body)
{
	char text[4096];
	snprintf(text, sizeof text,
	         "---\nid: %s\ntitle: %s\nauthor: 测试员\ncounty: 石林县\ndate: 2007-04-09\n---\n\n%s\n", id, title,
	         body);
	write_note(a, file, text);
}

/* Runs dundian-index on the area's notes (or the paths given). */
static cli_result_t run_index(const area_t *a, const char *path)
{
	return cli_run("dundian-index", "--quiet", "--db", a->db, path ? path : a->notes, (char *)NULL);
}

/* Parses the one summary line on stdout (fails the test if it is not there). */
static summary_t parse_summary(const cli_result_t *r, const char *db)
{
	summary_t s;
	double seconds;
	char holder[4300], noun[16];
	assert_non_null(r->out);
	if (sscanf(r->out,
	           "%zu added, %zu updated, %zu removed, %zu unchanged, %zu rejected in %lf s; %4299s holds %zu %15s",
	           &s.added, &s.updated, &s.removed, &s.unchanged, &s.rejected, &seconds, holder, &s.total, noun) != 9)
		fail_msg("no summary line in stdout '%s' (stderr '%s')", r->out, r->err ? r->err : "");
	assert_string_equal(holder, db);
	assert_string_equal(noun, s.total == 1 ? "note" : "notes");
	/* exactly one line */
	const char *nl = strchr(r->out, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, "");
	return s;
}

static void expect_summary(const cli_result_t *r, const char *db, size_t added, size_t updated, size_t removed,
                           size_t unchanged, size_t rejected, size_t total)
{
	summary_t s = parse_summary(r, db);
	if (s.added != added || s.updated != updated || s.removed != removed || s.unchanged != unchanged ||
	    s.rejected != rejected || s.total != total)
		fail_msg(
		    "summary '%s' expected %zu added, %zu updated, %zu removed, %zu unchanged, %zu rejected, %zu notes",
		    r->out, added, updated, removed, unchanged, rejected, total);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The stored data and body of note id in the index at db ("" when absent;
 * malloc'd). */
static char *stored_data(const char *db_path, const char *id)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_read(db_path, &db, &err) != DD_OK)
		fail_msg("%s", err.message);
	char term[256], *data = NULL;
	snprintf(term, sizeof term, "Q%s", id);
	char *body = NULL;
	if (dd_db_get_data(db, term, &data, NULL, &err) != DD_OK)
		data = strdup("");
	else if (dd_db_get_value(db, term, DD_SLOT_BODY, &body, &err) == DD_OK) {
		/* metadata JSON, then the body (kept in its own value slot) */
		char *both = malloc(strlen(data) + strlen(body) + 2);
		sprintf(both, "%s\n%s", data, body);
		free(data);
		data = both;
	}
	free(body);
	dd_db_close(db);
	return data;
}

/* Number of notes in the index holding term. */
static size_t notes_with_term(const char *db_path, const char *term)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_read(db_path, &db, &err) != DD_OK)
		fail_msg("%s", err.message);
	size_t n = dd_db_term_freq(db, term);
	dd_db_close(db);
	return n;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay ? hay : "(null)", needle);
}

/* Kills (SIGKILL) every process whose parent is parent, but self. */
static void kill_children_of(pid_t parent, pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || pid == self)
			continue;
		char path[64], buf[1024];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* "pid (name) state ppid ...": the name may hold spaces */
		const char *end = strrchr(buf, ')');
		char state;
		int ppid;
		if (end && sscanf(end + 1, " %c %d", &state, &ppid) == 2 && ppid == (int)parent)
			kill(pid, SIGKILL);
	}
	if (d)
		closedir(d);
}

/* run_index, bounded: a run still going after `seconds` is killed by a
 * watchdog process (cli_run then gives status -1), so a hang (a FIFO read
 * while holding the lock, an endless walk) fails the test instead of
 * stalling it. */
static cli_result_t run_index_bounded(const area_t *a, const char *path, unsigned seconds)
{
	pid_t test = getpid();
	fflush(NULL);
	pid_t watchdog = fork();
	assert_true(watchdog >= 0);
	if (watchdog == 0) {
		sleep(seconds);
		kill_children_of(test, getpid());
		_exit(0);
	}
	cli_result_t r = run_index(a, path);
	kill(watchdog, SIGKILL);
	waitpid(watchdog, NULL, 0);
	if (r.status == -1)
		fail_msg("dundian-index %s did not finish within %u s", path ? path : a->notes, seconds);
	return r;
}

/* The note id is stored with the path dir/file. */
static void assert_stored_path(const char *db, const char *id, const char *dir, const char *file)
{
	char want[4600];
	snprintf(want, sizeof want, "\"path\":\"%s/%s\"", dir, file);
	char *data = stored_data(db, id);
	assert_contains(data, want);
	free(data);
}

/* Whether every line of text names path and holds what. */
static void assert_one_line_about(const char *text, const char *path, const char *what)
{
	assert_int_equal(count_lines(text), 1);
	assert_contains(text, path);
	assert_contains(text, what);
}

/* --- tests ------------------------------------------------------------------ */

static void test_add_rerun_edit_delete_add(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_cycle");
	write_md(&a, "A1.md", "A1", "村里吃水难", "村民每天挑水走两公里。");
	write_md(&a, "A2.md", "A2", "修路的事", "村道还是土路，下雨走不了。");
	write_md(&a, "A3.md", "A3", "合作医疗", "报账要跑县合管办。");

	cli_result_t r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 3, 0, 0, 0, 0, 3);
	assert_string_equal(r.err, ""); /* --quiet: nothing on stderr */
	cli_result_free(&r);
	assert_int_equal(notes_with_term(a.db, "QA1"), 1);
	assert_int_equal(notes_with_term(a.db, "XCO石林县"), 3);

	/* nothing changed */
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 3, 0, 3);
	cli_result_free(&r);

	/* edit one */
	write_md(&a, "A2.md", "A2", "修路的事", "村道硬化了，班车通到村口。");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 1, 0, 2, 0, 3);
	cli_result_free(&r);
	char *data = stored_data(a.db, "A2");
	assert_contains(data, "班车通到村口");
	assert_null(strstr(data, "下雨走不了"));
	free(data);
	assert_int_equal(notes_with_term(a.db, "班车"), 1);

	/* delete one */
	remove_note(&a, "A3.md");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 1, 2, 0, 2);
	cli_result_free(&r);
	assert_int_equal(notes_with_term(a.db, "QA3"), 0);

	/* add one */
	write_md(&a, "A4.md", "A4", "养老", "老人领到了养老金。");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 1, 0, 0, 2, 0, 3);
	cli_result_free(&r);
	assert_int_equal(notes_with_term(a.db, "QA4"), 1);

	/* metadata for the searcher is stored */
	dd_db_t *db = NULL;
	dd_error_t err;
	assert_int_equal(dd_db_open_read(a.db, &db, &err), DD_OK);
	char *schema = dd_db_get_metadata(db, "schema", &err);
	assert_non_null(schema);
	assert_true(schema[0] != '\0');
	free(schema);
	char *dict = dd_db_get_metadata(db, "dictionary", &err);
	assert_non_null(strstr(dict, "宅基地"));
	free(dict);
	dd_db_close(db);
}

static void test_bad_notes_rejected(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_bad");
	write_md(&a, "B1.md", "B1", "好笔记", "一切正常。");
	write_note(&a, "B2.md", "---\nid: B2\ntitle: 坏编码\n---\n\n正文\xE6\xB0。\n");
	write_note(&a, "B3.md", "---\nid: B3\ntitle: 没关上\n");
	write_md(&a, "B4.md", "B4", "又一篇好的", "也正常。");

	cli_result_t r = run_index(&a, NULL);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 2, 0, 0, 0, 2, 2);
	/* one line per bad note, each "path: what is wrong" */
	assert_int_equal(count_lines(r.err), 2);
	char want[4400];
	snprintf(want, sizeof want, "%s/B2.md: ", a.notes);
	assert_contains(r.err, want);
	assert_non_null(strstr(strstr(r.err, want), "UTF-8"));
	snprintf(want, sizeof want, "%s/B3.md: ", a.notes);
	assert_contains(r.err, want);
	const char *line = r.err;
	while (*line) {
		assert_int_equal(strncmp(line, a.notes, strlen(a.notes)), 0);
		line = strchr(line, '\n') + 1;
	}
	cli_result_free(&r);

	/* the index still answers, with the good notes */
	assert_int_equal(notes_with_term(a.db, "QB1"), 1);
	assert_int_equal(notes_with_term(a.db, "QB4"), 1);
	assert_int_equal(notes_with_term(a.db, "QB2"), 0);
	cli_result_t s = cli_run("dundian-search", "--db", a.db, "--json", "正常", (char *)NULL);
	assert_int_equal(s.status, 0);
	char *ids = cli_hit_ids(s.out);
	assert_non_null(ids);
	assert_non_null(strstr(ids, "B1"));
	assert_non_null(strstr(ids, "B4"));
	free(ids);
	cli_result_free(&s);

	/* rejected again on the next run, the good ones unchanged */
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 0, 0, 0, 2, 2, 2);
	cli_result_free(&r);

	/* fixed: added */
	write_md(&a, "B2.md", "B2", "修好了", "编码没问题了。");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 1); /* B3 is still bad */
	expect_summary(&r, a.db, 1, 0, 0, 2, 1, 3);
	assert_int_equal(count_lines(r.err), 1);
	cli_result_free(&r);
}

static void test_note_turning_bad_keeps_previous_version(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_turns_bad");
	write_md(&a, "K1.md", "K1", "水窖", "村里修了三十口水窖。");
	write_md(&a, "K2.md", "K2", "学校", "村小只剩一个老师。");
	cli_result_t r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);

	write_note(&a, "K1.md", "---\nid: K1\ntitle: 水窖\ndate: 2007-02-30\n---\n\n改坏了。\n");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 0, 0, 0, 1, 1, 2);
	assert_int_equal(count_lines(r.err), 1);
	assert_contains(r.err, "K1.md");
	assert_contains(r.err, "2007-02-30");
	cli_result_free(&r);
	/* the previous version is still there and searchable */
	char *data = stored_data(a.db, "K1");
	assert_contains(data, "三十口水窖");
	free(data);
	assert_int_equal(notes_with_term(a.db, "水窖"), 1);
	cli_result_t s = cli_run("dundian-search", "--db", a.db, "--json", "水窖", (char *)NULL);
	assert_int_equal(s.status, 0);
	char *ids = cli_hit_ids(s.out);
	assert_non_null(ids);
	assert_string_equal(ids, "K1");
	free(ids);
	cli_result_free(&s);
}

static void test_duplicate_ids(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_duplicate");
	write_md(&a, "first.md", "D1", "第一篇", "第一篇的正文。");
	write_md(&a, "second.md", "D1", "第二篇", "第二篇的正文。");
	write_md(&a, "other.md", "D2", "别的", "别的正文。");
	cli_result_t r = run_index(&a, NULL);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 2, 0, 0, 0, 1, 2);
	assert_int_equal(count_lines(r.err), 1);
	char first[4400], second[4400];
	snprintf(first, sizeof first, "%s/first.md", a.notes);
	snprintf(second, sizeof second, "%s/second.md", a.notes);
	assert_contains(r.err, first);
	assert_contains(r.err, second);
	assert_contains(r.err, "D1");
	cli_result_free(&r);
	/* the first in path order wins */
	char *data = stored_data(a.db, "D1");
	assert_contains(data, "第一篇的正文");
	free(data);

	/* a later run adding a third claimant, outside the first run */
	area_t b;
	make_area(&b, "index_duplicate_later");
	write_md(&b, "x.md", "X1", "甲", "甲的正文。");
	r = run_index(&b, NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	char elsewhere[4400];
	snprintf(elsewhere, sizeof elsewhere, "%s/extra", b.root);
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", elsewhere);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cli_write_file(elsewhere, "y.md", "---\nid: X1\ntitle: 乙\n---\n乙的正文。\n"), 0);
	r = cli_run("dundian-index", "--quiet", "--db", b.db, elsewhere, (char *)NULL);
	assert_int_equal(r.status, 1);
	expect_summary(&r, b.db, 0, 0, 0, 0, 1, 1);
	assert_contains(r.err, "y.md");
	assert_contains(r.err, "x.md");
	cli_result_free(&r);
	data = stored_data(b.db, "X1");
	assert_contains(data, "甲的正文");
	free(data);
}

static void test_txt_notes_and_moves(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_txt");
	write_note(&a, "村口记事.txt", "村口记事\n\n老槐树下有人下棋。\n");
	write_md(&a, "M1.md", "M1", "搬家的笔记", "这篇会被挪走。");
	cli_result_t r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 2, 0, 0, 0, 0, 2);
	cli_result_free(&r);
	char *data = stored_data(a.db, "村口记事");
	assert_contains(data, "\"title\":\"村口记事\"");
	assert_contains(data, "老槐树下有人下棋");
	free(data);

	/* a file moved to a subfolder keeps its id: updated, not removed + added */
	char sub[4400], from[4400], to[4500];
	snprintf(sub, sizeof sub, "%s/sub", a.notes);
	snprintf(from, sizeof from, "%s/M1.md", a.notes);
	snprintf(to, sizeof to, "%s/M1.md", sub);
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' && mv '%s' '%s'", sub, from, to);
	assert_int_equal(system(cmd), 0);
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 1, 0, 1, 0, 2);
	cli_result_free(&r);
	data = stored_data(a.db, "M1");
	assert_contains(data, "sub/M1.md");
	free(data);

	/* hidden files and other extensions are ignored */
	write_note(&a, ".hidden.md", "---\nid: H\ntitle: 藏\n---\n藏着。\n");
	write_note(&a, "readme.rst", "not a note\n");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 2, 0, 2);
	cli_result_free(&r);

	/* a single file can be given instead of a folder */
	area_t b;
	make_area(&b, "index_single_file");
	write_md(&b, "S1.md", "S1", "单篇", "只索引这一篇。");
	write_md(&b, "S2.md", "S2", "另一篇", "这篇不给。");
	char one[4400];
	snprintf(one, sizeof one, "%s/S1.md", b.notes);
	r = run_index(&b, one);
	assert_int_equal(r.status, 0);
	expect_summary(&r, b.db, 1, 0, 0, 0, 0, 1);
	cli_result_free(&r);
}

static void test_missing_path(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_missing");
	char missing[4400];
	snprintf(missing, sizeof missing, "%s/no-such-folder", a.root);
	cli_result_t r = run_index(&a, missing);
	assert_true(r.status != 0);
	assert_contains(r.err, missing);
	assert_int_equal(count_lines(r.err), 1);
	cli_result_free(&r);

	/* usage errors */
	r = cli_run("dundian-index", "--no-such-option", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "usage");
	cli_result_free(&r);
	r = cli_run("dundian-index", "--help", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "--db");
	cli_result_free(&r);
}

static void test_index_locked(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_locked");
	write_md(&a, "L1.md", "L1", "锁", "正文。");
	cli_result_t r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	dd_db_t *db = NULL;
	dd_error_t err;
	assert_int_equal(dd_db_open_write(a.db, &db, &err), DD_OK);
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 3);
	assert_contains(r.err, "locked");
	assert_string_equal(r.out, "");
	cli_result_free(&r);
	dd_db_close(db);
}

static void test_bundled_corpus(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_cli_corpus");
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", a.db, CLI_CORPUS_NOTES, (char *)NULL);
	if (r.status != 0)
		fail_msg("indexing the corpus exited %d: %s", r.status, r.err);
	expect_summary(&r, a.db, 500, 0, 0, 0, 0, 500);
	assert_string_equal(r.err, "");
	cli_result_free(&r);
	/* the default PATH is the bundled corpus: everything unchanged */
	r = cli_run("dundian-index", "--quiet", "--db", a.db, (char *)NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 500, 0, 500);
	cli_result_free(&r);
	assert_int_equal(notes_with_term(a.db, "QN0001"), 1);
	assert_int_equal(notes_with_term(a.db, "QN0500"), 1);
	assert_true(notes_with_term(a.db, "XCO石林县") > 0);
}

/* Killed in the middle of a run, the indexer leaves the index exactly as
 * the previous run left it; the next run then does the whole job. */
static void test_killed_run_leaves_index_intact(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_cli_killed");
	write_md(&a, "K1.md", "K1", "第一篇", "老槐树下有人下棋。");
	write_md(&a, "K2.md", "K2", "第二篇", "村口的石桥修好了。");
	cli_result_t r = run_index(&a, NULL);
	expect_summary(&r, a.db, 2, 0, 0, 0, 0, 2);
	cli_result_free(&r);
	/* 500 more notes: a run long enough to be killed halfway */
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "cp '%s'/*.md '%s'/", CLI_CORPUS_NOTES, a.notes);
	assert_int_equal(system(cmd), 0);
	char program[4096];
	snprintf(program, sizeof program, "%s/dundian-index", DD_BIN_DIR);
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(program, program, "--quiet", "--db", a.db, a.notes, (char *)NULL);
		_exit(127);
	}
	usleep(700 * 1000);
	kill(pid, SIGKILL);
	int ws = 0;
	waitpid(pid, &ws, 0);
	if (!WIFSIGNALED(ws)) {
		/* it finished first on this machine: nothing left to check */
		skip();
	}
	/* the two notes of the first run, no more, no less, and a usable index */
	assert_int_equal(notes_with_term(a.db, "QK1"), 1);
	assert_int_equal(notes_with_term(a.db, "QK2"), 1);
	assert_int_equal(notes_with_term(a.db, "QN0001"), 0);
	r = cli_run("dundian-search", "--db", a.db, "--json", "石桥", (char *)NULL);
	assert_int_equal(r.status, 0);
	char *ids = cli_hit_ids(r.out);
	assert_string_equal(ids, "K2");
	free(ids);
	cli_result_free(&r);
	/* the next run adds all 500 */
	r = run_index(&a, NULL);
	expect_summary(&r, a.db, 500, 0, 0, 2, 0, 502);
	cli_result_free(&r);
}

/* A note rejected only when its document is built (a tag naming no topic)
 * keeps its previous version, and frees its id for a later file. */
static void test_unknown_tag_rejected_late(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_unknown_tag");
	write_md(&a, "T1.md", "T1", "标签", "原来的正文。");
	cli_result_t r = run_index(&a, NULL);
	expect_summary(&r, a.db, 1, 0, 0, 0, 0, 1);
	cli_result_free(&r);

	write_note(&a, "T1.md", "---\nid: T1\ntitle: 标签\ntags: no-such-topic\n---\n改过的正文。\n");
	write_note(&a, "U1.md", "---\nid: U2\ntitle: 先来\ntags: no-such-topic\n---\n先来的正文。\n");
	write_md(&a, "U2.md", "U2", "后到", "后到的正文。");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 1, 0, 0, 0, 2, 2);
	assert_int_equal(count_lines(r.err), 2);
	assert_contains(r.err, "T1.md: tags: unknown topic 'no-such-topic'");
	assert_contains(r.err, "U1.md: tags: unknown topic 'no-such-topic'");
	assert_null(strstr(r.err, "duplicate"));
	cli_result_free(&r);
	char *data = stored_data(a.db, "T1");
	assert_contains(data, "原来的正文");
	free(data);
	data = stored_data(a.db, "U2");
	assert_contains(data, "后到的正文");
	free(data);
}

/* One folder named by a relative or an absolute path, or spelled another
 * way, is the same folder: nothing is a duplicate of itself (issue 11). */
static void test_same_folder_by_relative_path(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_relative");
	write_md(&a, "R1.md", "R1", "相对路径", "同一个文件夹。");
	write_md(&a, "R2.md", "R2", "绝对路径", "还是同一个文件夹。");
	cli_result_t r = run_index(&a, NULL);
	expect_summary(&r, a.db, 2, 0, 0, 0, 0, 2);
	cli_result_free(&r);

	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(a.root), 0);
	const char *forms[] = { "notes", "./notes/", "notes/../notes", "../index_relative/notes" };
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		r = run_index(&a, forms[i]);
		if (r.status != 0)
			fail_msg("indexing '%s' exited %d: %s", forms[i], r.status, r.err);
		expect_summary(&r, a.db, 0, 0, 0, 2, 0, 2);
		assert_string_equal(r.err, "");
		cli_result_free(&r);
	}
	/* one note by its relative path */
	r = run_index(&a, "notes/R1.md");
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 1, 0, 2);
	cli_result_free(&r);
	assert_int_equal(chdir(cwd), 0);

	/* and back by the absolute path: the stored path never changed */
	r = run_index(&a, NULL);
	expect_summary(&r, a.db, 0, 0, 0, 2, 0, 2);
	cli_result_free(&r);
	assert_stored_path(a.db, "R1", a.notes, "R1.md");
}

/* An index written by an older dundian holds the path as it was typed,
 * relative here: the same file given by its absolute path is that note
 * (updated to the canonical path), not a duplicate of it. */
static void test_relative_path_stored_by_an_older_indexer(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_relative_stored");
	write_md(&a, "O1.md", "O1", "旧索引", "路径是相对的。");
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(a.root), 0);

	/* what an older run from a.root with PATH "notes" wrote */
	dd_error_t err;
	dd_indexing_t ix;
	assert_int_equal(dd_indexing_load(&ix, DD_SOURCE_DIR "/corpus", &err), DD_OK);
	dd_note_t *note;
	assert_int_equal(dd_note_load("notes/O1.md", &note, &err), DD_OK);
	dd_doc_t *doc;
	assert_int_equal(dd_note_document(&ix, note, dd_note_fingerprint(note, ix.vocabulary), &doc, &err), DD_OK);
	dd_db_t *db;
	assert_int_equal(dd_db_open_write(a.db, &db, &err), DD_OK);
	assert_int_equal(dd_db_begin(db, &err), DD_OK);
	char term[DD_TERM_MAX + 32];
	dd_schema_id_term("O1", term, sizeof term);
	assert_int_equal(dd_db_replace_doc(db, term, doc, &err), DD_OK);
	assert_int_equal(dd_db_commit(db, &err), DD_OK);
	dd_db_close(db);
	dd_doc_free(doc);
	dd_note_free(note);
	dd_indexing_free(&ix);
	assert_stored_path(a.db, "O1", "notes", "O1.md");

	cli_result_t r = run_index(&a, NULL);
	if (r.status != 0)
		fail_msg("exit %d: %s", r.status, r.err);
	expect_summary(&r, a.db, 0, 1, 0, 0, 0, 1);
	cli_result_free(&r);
	assert_int_equal(chdir(cwd), 0);
	assert_stored_path(a.db, "O1", a.notes, "O1.md");
}

/* A FIFO is never opened: reading it would block the run, holding the
 * index's write lock, until someone writes to it. */
static void test_fifo_skipped_not_read(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_fifo");
	write_md(&a, "F1.md", "F1", "管道", "不是笔记的东西别读。");
	char fifo[4400];
	snprintf(fifo, sizeof fifo, "%s/pipe.md", a.notes);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	/* given as the PATH */
	cli_result_t r = run_index_bounded(&a, fifo, 20);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 0, 0, 0, 0, 1, 0);
	assert_one_line_about(r.err, fifo, "not a regular file");
	cli_result_free(&r);

	/* inside a folder: one line too, the rest indexed */
	r = run_index_bounded(&a, NULL, 20);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 1, 0, 0, 0, 1, 1);
	assert_one_line_about(r.err, fifo, "not a regular file");
	cli_result_free(&r);
}

/* Inside a folder, anything named like a note that cannot be one gets a
 * line of its own: a socket, a broken link, a loop of file links.  Other
 * names are not notes and are passed over in silence. */
static void test_odd_entries_reported(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_odd_entries");
	write_md(&a, "E1.md", "E1", "正常的", "正常的正文。");
	char cwd[4096], path[4500];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(a.notes), 0);
	/* a socket (bound by a relative name: sun_path is short) */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof addr.sun_path, "socket.md");
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	assert_int_equal(symlink("nowhere.md", "broken.md"), 0);
	assert_int_equal(symlink("loop-b.md", "loop-a.md"), 0);
	assert_int_equal(symlink("loop-a.md", "loop-b.md"), 0);
	/* not named like notes: silence */
	assert_int_equal(mkfifo("pipe", 0600), 0);
	assert_int_equal(chdir(cwd), 0);

	cli_result_t r = run_index_bounded(&a, NULL, 20);
	assert_int_equal(r.status, 1);
	expect_summary(&r, a.db, 1, 0, 0, 0, 4, 1);
	assert_int_equal(count_lines(r.err), 4);
	const struct {
		const char *name, *why;
	} expected[] = { { "socket.md", "not a regular file" },
		         { "broken.md", "broken symbolic link" },
		         { "loop-a.md", "symbolic link loop" },
		         { "loop-b.md", "symbolic link loop" } };
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		snprintf(path, sizeof path, "%s/%s: %s", a.notes, expected[i].name, expected[i].why);
		assert_contains(r.err, path);
	}
	assert_null(strstr(r.err, "pipe:"));
	cli_result_free(&r);
	close(fd);
}

/* Links to folders are followed, but no folder twice: links to "." or to a
 * parent cannot make the walk endless, and a note reached by two ways (a
 * folder link, a file link, two PATHs) is indexed once, not a duplicate. */
static void test_folder_links_followed_once(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_links");
	write_md(&a, "L1.md", "L1", "链接", "顶层的笔记。");
	char sub[4400], other[4400], link[4500], cmd[16384];
	snprintf(sub, sizeof sub, "%s/sub", a.notes);
	snprintf(other, sizeof other, "%s/other", a.root);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s'", sub, other);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cli_write_file(sub, "L2.md", "---\nid: L2\ntitle: 子目录\n---\n子目录的笔记。\n"), 0);
	assert_int_equal(cli_write_file(other, "L3.md", "---\nid: L3\ntitle: 别处\n---\n别处的笔记。\n"), 0);
	const struct {
		const char *target, *dir, *name;
	} links[] = { { ".", a.notes, "self" },
		      { ".", a.notes, "again" },
		      { "..", sub, "up" },
		      { "../../other", sub, "elsewhere" },
		      { "L1.md", a.notes, "alias.md" } };
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(link, sizeof link, "%s/%s", links[i].dir, links[i].name);
		assert_int_equal(symlink(links[i].target, link), 0);
	}
	cli_result_t r = run_index_bounded(&a, NULL, 30);
	if (r.status != 0)
		fail_msg("exit %d: %s", r.status, r.err);
	expect_summary(&r, a.db, 3, 0, 0, 0, 0, 3);
	assert_string_equal(r.err, "");
	cli_result_free(&r);

	/* the other folder given too, and a note twice: still once each */
	snprintf(link, sizeof link, "%s/L1.md", a.notes);
	r = cli_run("dundian-index", "--quiet", "--db", a.db, a.notes, other, link, link, (char *)NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 3, 0, 3);
	assert_string_equal(r.err, "");
	cli_result_free(&r);
	assert_stored_path(a.db, "L3", other, "L3.md");
}

/* A wrong --vocabulary folder is refused (exit 2, one line) before the
 * index is touched: never a re-index with an empty vocabulary. */
static void test_wrong_vocabulary_refused(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_vocabulary");
	write_md(&a, "V1.md", "V1", "宅基地", "宅基地审批的事。");
	cli_result_t r = run_index(&a, NULL);
	expect_summary(&r, a.db, 1, 0, 0, 0, 0, 1);
	cli_result_free(&r);

	char missing[4400], empty[4400], partial[4400], file[4500], cmd[16384];
	snprintf(missing, sizeof missing, "%s/no-such-vocabulary", a.root);
	snprintf(empty, sizeof empty, "%s/empty", a.root);
	snprintf(partial, sizeof partial, "%s/partial", a.root);
	snprintf(file, sizeof file, "%s/V1.md", a.notes);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s' && cp '%s/corpus/dictionary.txt' '%s/corpus/thesaurus.txt' '%s'/",
	         empty, partial, DD_SOURCE_DIR, DD_SOURCE_DIR, partial);
	assert_int_equal(system(cmd), 0);
	const struct {
		const char *dir, *says;
	} wrong[] = { { missing, "no such vocabulary folder" },
		      { file, "no such vocabulary folder" },
		      { empty, "dictionary.txt" },
		      { partial, "taxonomy.json" } };
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		r = cli_run("dundian-index", "--quiet", "--db", a.db, "--vocabulary", wrong[i].dir, a.notes,
		            (char *)NULL);
		assert_int_equal(r.status, 2);
		assert_string_equal(r.out, "");
		assert_one_line_about(r.err, wrong[i].dir, wrong[i].says);
		cli_result_free(&r);
	}
	/* the stored vocabulary and the note are as the first run left them */
	dd_db_t *db = NULL;
	dd_error_t err;
	assert_int_equal(dd_db_open_read(a.db, &db, &err), DD_OK);
	char *dict = dd_db_get_metadata(db, DD_META_DICTIONARY, &err);
	assert_non_null(dict);
	assert_non_null(strstr(dict, "宅基地"));
	free(dict);
	dd_db_close(db);
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 1, 0, 1);
	cli_result_free(&r);
}

/* The file signature stored with note id ("" when none; malloc'd). */
static char *stored_signature(const char *db_path, const char *id)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_read(db_path, &db, &err) != DD_OK)
		fail_msg("%s", err.message);
	char term[256], *value = NULL;
	snprintf(term, sizeof term, "Q%s", id);
	if (dd_db_get_value(db, term, DD_SLOT_FILE, &value, &err) != DD_OK)
		fail_msg("%s", err.message);
	dd_db_close(db);
	return value;
}

static ino_t inode_of(const char *dir, const char *name)
{
	char path[4400];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* A re-index does not read a file whose size, times and inode are those
 * it had when indexed, once it is old enough for its times to be trusted
 * (lib/sync.c); any edit, a touch, or another vocabulary is still seen,
 * and a run that changes nothing writes no new revision. */
static void test_settled_files_not_read_again(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_signature");
	write_md(&a, "S1.md", "S1", "村里吃水难", "村民每天挑水走两公里。");
	write_md(&a, "S2.md", "S2", "修路的事", "村道还是土路，下雨走不了。");
	write_md(&a, "S3.md", "S3", "合作医疗", "报账要跑县合管办。");
	/* a file written just now is not signed: its times may not move on
	 * the next edit */
	cli_result_t r = run_index(&a, NULL);
	expect_summary(&r, a.db, 3, 0, 0, 0, 0, 3);
	cli_result_free(&r);
	char *sig = stored_signature(a.db, "S1");
	assert_string_equal(sig, "");
	free(sig);

	sleep(3);
	/* the same notes, now settled: signed without being rewritten */
	r = run_index(&a, NULL);
	expect_summary(&r, a.db, 0, 0, 0, 3, 0, 3);
	cli_result_free(&r);
	char *first = stored_signature(a.db, "S2");
	assert_true(first[0] != '\0');
	char *data = stored_data(a.db, "S2");
	assert_contains(data, "下雨走不了");
	free(data);
	assert_int_equal(notes_with_term(a.db, "下雨"), 1);

	/* nothing changed: no file read, and no new revision (Xapian renames
	 * a new version file into place for each) */
	ino_t version = inode_of(a.db, "iamglass");
	r = run_index(&a, NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 0, 0, 3, 0, 3);
	cli_result_free(&r);
	assert_true(inode_of(a.db, "iamglass") == version);

	/* an edit of the same size, right after the signing run, is seen */
	write_md(&a, "S2.md", "S2", "修路的事", "村道还是土路，下雪走不了。");
	r = run_index(&a, NULL);
	expect_summary(&r, a.db, 0, 1, 0, 2, 0, 3);
	cli_result_free(&r);
	data = stored_data(a.db, "S2");
	assert_contains(data, "下雪走不了");
	free(data);
	assert_int_equal(notes_with_term(a.db, "B下雪"), 1);
	assert_int_equal(notes_with_term(a.db, "B下雨"), 0);

	/* a touched file is read again, found unchanged, and signed anew once
	 * settled, its document otherwise as it was */
	char path[4400];
	snprintf(path, sizeof path, "%s/S1.md", a.notes);
	assert_int_equal(utimensat(AT_FDCWD, path, NULL, 0), 0);
	char *before = stored_signature(a.db, "S1");
	sleep(3);
	r = run_index(&a, NULL);
	expect_summary(&r, a.db, 0, 0, 0, 3, 0, 3);
	cli_result_free(&r);
	char *after = stored_signature(a.db, "S1");
	assert_true(after[0] != '\0');
	assert_string_not_equal(after, before);
	free(before);
	free(after);
	data = stored_data(a.db, "S1");
	assert_contains(data, "挑水走两公里");
	free(data);
	assert_int_equal(notes_with_term(a.db, "B挑水"), 1);
	assert_int_equal(notes_with_term(a.db, "XCO石林县"), 3);

	/* another vocabulary: every note is rebuilt, signed or not */
	char vocabulary[4400], cmd[16384];
	snprintf(vocabulary, sizeof vocabulary, "%s/vocabulary", a.root);
	snprintf(cmd, sizeof cmd,
	         "mkdir -p '%s' && cp '%s/corpus/dictionary.txt' '%s/corpus/thesaurus.txt' "
	         "'%s/corpus/taxonomy.json' '%s'/ && echo 土路 >> '%s/dictionary.txt'",
	         vocabulary, DD_SOURCE_DIR, DD_SOURCE_DIR, DD_SOURCE_DIR, vocabulary, vocabulary);
	assert_int_equal(system(cmd), 0);
	r = cli_run("dundian-index", "--quiet", "--db", a.db, "--vocabulary", vocabulary, a.notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	expect_summary(&r, a.db, 0, 3, 0, 0, 0, 3);
	cli_result_free(&r);
	free(first);
}

/* Note k of the many-notes area: the folder and file of the k-th in path
 * order (300 in a/, 50 in b/, 250 in c/). */
static void many_name(size_t k, char *name, size_t size)
{
	const char *folder = k < 300 ? "a" : k < 350 ? "b" : "c";
	snprintf(name, size, "%s/M%04zu.md", folder, k);
}

/* Rewrites note k of the many-notes area with weather (a one-character
 * word of the same size each time), then gives it back its modification
 * time: only its change time tells the edit. */
static void many_rewrite(const area_t *a, size_t k, const char *weather)
{
	char name[64], id[16], body[128], path[4500];
	many_name(k, name, sizeof name);
	snprintf(id, sizeof id, "M%04zu", k);
	snprintf(path, sizeof path, "%s/%s", a->notes, name);
	struct stat before;
	int existed = stat(path, &before) == 0;
	snprintf(body, sizeof body, "第%zu号记录：下%s天路难走。", k, weather);
	write_md(a, name, id, "天气", body);
	if (existed) {
		const struct timespec times[2] = { before.st_atim, before.st_mtim };
		assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	}
}

/* The first look at the files (lib/sync.c) signs them in chunks on two
 * threads (or one, with --jobs 1), folder by folder: an edit that keeps a
 * file's size and modification time is seen wherever the file falls, at
 * either end of a chunk or of a folder, with either number of threads. */
static void test_signatures_across_folders_and_threads(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_many_signatures");
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/a' '%s/b' '%s/c'", a.notes, a.notes, a.notes);
	assert_int_equal(system(cmd), 0);
	enum { MANY = 600 };
	for (size_t k = 0; k < MANY; k++)
		many_rewrite(&a, k, "雨");
	cli_result_t r = run_index(&a, NULL);
	expect_summary(&r, a.db, MANY, 0, 0, 0, 0, MANY);
	cli_result_free(&r);
	sleep(3);
	r = run_index(&a, NULL); /* settled: every file signed */
	expect_summary(&r, a.db, 0, 0, 0, MANY, 0, MANY);
	cli_result_free(&r);
	/* the ends of the chunks of 256 files and of the folders */
	static const size_t edges[2][6] = { { 0, 255, 299, 350, 511, 599 }, { 1, 256, 300, 349, 512, 598 } };
	static const char *const jobs[2] = { "1", "2" };
	for (size_t round = 0; round < 2; round++) {
		for (size_t e = 0; e < 6; e++)
			many_rewrite(&a, edges[round][e], "雪");
		sleep(3); /* settled again: the signatures differ in the change time alone */
		r = cli_run("dundian-index", "--quiet", "--jobs", jobs[round], "--db", a.db, a.notes, (char *)NULL);
		expect_summary(&r, a.db, 0, 6, 0, MANY - 6, 0, MANY);
		cli_result_free(&r);
		r = cli_run("dundian-index", "--quiet", "--jobs", jobs[round], "--db", a.db, a.notes, (char *)NULL);
		expect_summary(&r, a.db, 0, 0, 0, MANY, 0, MANY);
		cli_result_free(&r);
		assert_int_equal(notes_with_term(a.db, "B下雪"), 6 * (round + 1));
	}
}

/* ---- --jobs: the index does not depend on the threads ---------------- */

static int collect_id_term(const char *suffix, void *ctx)
{
	char **list = ctx;
	size_t old = *list ? strlen(*list) : 0;
	char *grown = realloc(*list, old + strlen(suffix) + 2);
	assert_non_null(grown);
	sprintf(grown + old, "%s\n", suffix);
	*list = grown;
	return 0;
}

typedef struct spelling_list {
	dd_db_t *db;
	char *text;
	size_t len;
} spelling_list_t;

/* "spelling WORD COUNT" for a term of the index that is a word of its
 * spelling data. */
static int collect_spelling(const char *term, void *ctx)
{
	spelling_list_t *l = ctx;
	size_t n = dd_db_spelling_freq(l->db, term);
	if (!n)
		return 0;
	char *grown = realloc(l->text, l->len + strlen(term) + 40);
	assert_non_null(grown);
	l->text = grown;
	l->len += (size_t)sprintf(l->text + l->len, "spelling %s %zu\n", term, n);
	return 0;
}

/* Every stored document of the index at db, one after the other in id
 * order, as dd_db_describe_doc gives it, less the file signature (it holds
 * the file's times only once they are settled, which depends on when each
 * run happened to read the file); then the spelling data of its words. */
static char *describe_index(const char *db_path)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	if (dd_db_open_read(db_path, &db, &err) != DD_OK)
		fail_msg("%s", err.message);
	char *ids = NULL;
	assert_int_equal(dd_db_foreach_term(db, DD_PREFIX_ID, collect_id_term, &ids, &err), DD_OK);
	char signature[32];
	snprintf(signature, sizeof signature, "value %u ", (unsigned)DD_SLOT_FILE);
	size_t len = 0;
	char *all = strdup("");
	for (char *id = ids, *nl; id && (nl = strchr(id, '\n')); id = nl + 1) {
		*nl = '\0';
		char term[512], *doc = NULL;
		snprintf(term, sizeof term, "%s%s", DD_PREFIX_ID, id);
		if (dd_db_describe_doc(db, term, &doc, NULL, &err) != DD_OK)
			fail_msg("%s", err.message);
		size_t more = strlen(term) + strlen(doc) + 8;
		char *grown = realloc(all, len + more + 1);
		assert_non_null(grown);
		all = grown;
		len += (size_t)sprintf(all + len, "== %s\n", term);
		for (char *line = doc, *end; *line; line = end + 1) {
			end = strchr(line, '\n');
			if (!end)
				break;
			if (strncmp(line, signature, strlen(signature)) == 0)
				continue;
			memcpy(all + len, line, (size_t)(end - line + 1));
			len += (size_t)(end - line + 1);
		}
		all[len] = '\0';
		free(doc);
	}
	free(ids);
	spelling_list_t words = { db, NULL, 0 };
	assert_int_equal(dd_db_foreach_term(db, "", collect_spelling, &words, &err), DD_OK);
	assert_true(words.len > 1000); /* the notes' words are there */
	char *grown = realloc(all, len + words.len + 1);
	assert_non_null(grown);
	all = grown;
	memcpy(all + len, words.text, words.len);
	all[len + words.len] = '\0';
	free(words.text);
	dd_db_close(db);
	return all;
}

/* stdout without the run's time, which differs */
static void drop_seconds(char *out)
{
	char *in = strstr(out, " rejected in ");
	char *semicolon = in ? strchr(in, ';') : NULL;
	if (in && semicolon)
		memmove(in + strlen(" rejected"), semicolon, strlen(semicolon) + 1);
}

/* Runs dundian-index --jobs 1 into db1 and --jobs 4 into db4 on the same
 * notes: same exit status, same counts, the same rejection lines in the
 * same order, and document for document the same index. */
static void index_both_ways(const area_t *a, const char *db1, const char *db4, size_t n_notes, size_t n_rejected)
{
	cli_result_t one = cli_run("dundian-index", "--quiet", "--jobs", "1", "--db", db1, a->notes, (char *)NULL);
	cli_result_t four = cli_run("dundian-index", "--quiet", "--jobs", "4", "--db", db4, a->notes, (char *)NULL);
	assert_int_equal(one.status, n_rejected ? 1 : 0);
	assert_int_equal(four.status, one.status);
	assert_int_equal(count_lines(one.err), n_rejected);
	assert_string_equal(four.err, one.err);
	assert_int_equal(parse_summary(&one, db1).total, n_notes);
	char *at = strstr(one.out, db1), *at4 = strstr(four.out, db4);
	assert_non_null(at);
	assert_non_null(at4);
	*at = *at4 = '\0'; /* the db paths differ */
	drop_seconds(one.out);
	drop_seconds(four.out);
	assert_string_equal(four.out, one.out);
	cli_result_free(&one);
	cli_result_free(&four);
	char *d1 = describe_index(db1), *d4 = describe_index(db4);
	assert_true(strlen(d1) > n_notes * 1000); /* terms, positions, values and data of each */
	if (strcmp(d1, d4) != 0) {
		size_t i = 0;
		while (d1[i] == d4[i])
			i++;
		fail_msg("--jobs 4 wrote another index than --jobs 1, from byte %zu: '%.200s' vs '%.200s'", i,
		         d1 + (i > 100 ? i - 100 : 0), d4 + (i > 100 ? i - 100 : 0));
	}
	free(d1);
	free(d4);
}

/* Analysing on other threads while one writes (sync.h) changes nothing:
 * 99 bundled notes with bad ones between them (unreadable, a duplicate id,
 * an unknown topic found only while building the document), then a run
 * that edits, removes and adds. */
static void test_jobs_write_the_same_index(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_jobs");
	char db1[4300], db4[4300], cmd[16384];
	snprintf(db1, sizeof db1, "%s/db1", a.root);
	snprintf(db4, sizeof db4, "%s/db4", a.root);
	snprintf(cmd, sizeof cmd, "cp '%s'/N00*.md '%s'/", CLI_CORPUS_NOTES, a.notes);
	assert_int_equal(system(cmd), 0);
	write_note(&a, "N0020a.md", "---\nid: BAD1\ntitle: 坏编码\n---\n\n正文\xE6\xB0。\n");
	write_note(&a, "N0040a.md", "---\nid: N0003\ntitle: 重号\n---\n\n和第三篇同号。\n");
	write_note(&a, "N0060a.md", "---\nid: LATE1\ntitle: 标签\ntags: no-such-topic\n---\n正文。\n");
	write_note(&a, "N0080a.md", "---\nid: BAD2\ntitle: 没关上\n");
	write_note(&a, "N0080b.md", "---\nid: LATE1\ntitle: 后到\n---\n后到的也用这个号。\n");
	index_both_ways(&a, db1, db4, 100, 4);

	/* edits, a new note, a removal, a note taking the freed id, and the bad ones again */
	write_md(&a, "N0005.md", "N0005", "改过的标题", "村里新修了水窖，吃水不难了。");
	write_md(&a, "N0150.md", "N0150", "新来的", "合管办搬到了乡里。");
	remove_note(&a, "N0090.md");
	write_note(&a, "N0099z.md", "---\nid: N0090\ntitle: 接手\n---\n原来那篇没了，这篇用它的号。\n");
	index_both_ways(&a, db1, db4, 101, 4);
}

/* ---- a run rewriting most of the index: rebuilt aside ----------------- */

/* The folder's inode: a run that rebuilds the index aside puts another
 * folder in its place (xapian_wrap.h, dd_db_replace_commit). */
static ino_t folder_inode(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Appends a line to every .md note of folder. */
static void edit_every_note(const char *folder, const char *line)
{
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "for f in '%s'/*.md; do printf '\\n%s\\n' >> \"$f\"; done", folder, line);
	assert_int_equal(system(cmd), 0);
}

/* The text answers of dundian-search over db to a few queries (words,
 * an exact string, a filter, facets, a mistyped word that the spelling
 * data corrects), one after the other. */
static char *answers(const char *db)
{
	const char *queries[] = { "饮水", "合作医疗 报销", "\"镇里\"", "修路 county:石林县", "zqxbig 村", "饮说" };
	char *all = strdup("");
	for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
		cli_result_t r = cli_run("dundian-search", "--db", db, "--limit", "20", "--facets", "county,topic",
		                         queries[q], (char *)NULL);
		char *grown = realloc(all, strlen(all) + strlen(r.out) + strlen(r.err) + 8);
		assert_non_null(grown);
		all = grown;
		strcat(all, r.out);
		strcat(all, r.err);
		cli_result_free(&r);
	}
	return all;
}

/* A run changing most notes of an index builds the whole new state aside
 * and switches it in (sync.c, rebuild_aside; DUNDIAN_REBUILD_MIN brings
 * it down to these few notes).  What it leaves is, document for document,
 * what the same runs leave writing in place, including the notes such a
 * run must keep as they were: a note of a folder outside the run, a note
 * whose file turned bad (its previous version), a duplicate id, a note
 * moved to another file; and it answers queries as a fresh build does. */
static void test_big_reindex_rebuilt_aside(void **state)
{
	(void)state;
	area_t a;
	make_area(&a, "index_big");
	char cmd[16384], extra[4300], fresh[4300], in_place[4300];
	snprintf(extra, sizeof extra, "%s/extra", a.root);
	snprintf(fresh, sizeof fresh, "%s/fresh", a.root);
	snprintf(in_place, sizeof in_place, "%s/in_place", a.root);
	snprintf(cmd, sizeof cmd, "cp '%s'/N00*.md '%s'/ && mkdir '%s' && cp '%s'/N01[0-2]*.md '%s'/", CLI_CORPUS_NOTES,
	         a.notes, extra, CLI_CORPUS_NOTES, extra);
	assert_int_equal(system(cmd), 0);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", a.db, a.notes, extra, (char *)NULL);
	expect_summary(&r, a.db, 129, 0, 0, 0, 0, 129);
	cli_result_free(&r);
	/* its twin, which the same run updates in place */
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", a.db, in_place);
	assert_int_equal(system(cmd), 0);
	ino_t before = folder_inode(a.db), before_in_place = folder_inode(in_place);
	edit_every_note(a.notes, "补记：zqxbig 又去了一趟村里。");
	remove_note(&a, "N0007.md");
	write_md(&a, "N0200.md", "N0200", "新来的", "合管办搬到了乡里，zqxbig 也来了。");
	write_note(&a, "N0011.md", "---\nid: N0011\ntitle: 没关上\n"); /* turns bad: kept as it was */
	write_note(&a, "N0012a.md", "---\nid: N0013\ntitle: 重号\n---\n\n和第十三篇同号。\n");
	snprintf(cmd, sizeof cmd, "mv '%s/N0020.md' '%s/N0020moved.md'", a.notes, a.notes);
	assert_int_equal(system(cmd), 0);
	/* 129 notes, 99 changed: rebuilt aside when 10 changes are enough, in
	 * place when no run is big enough */
	assert_int_equal(setenv("DUNDIAN_REBUILD_MIN", "10", 1), 0);
	r = run_index(&a, NULL);
	assert_int_equal(setenv("DUNDIAN_REBUILD_MIN", "1000000", 1), 0);
	cli_result_t r2 = cli_run("dundian-index", "--quiet", "--db", in_place, a.notes, (char *)NULL);
	unsetenv("DUNDIAN_REBUILD_MIN");
	expect_summary(&r, a.db, 1, 97, 1, 0, 2, 129);
	expect_summary(&r2, in_place, 1, 97, 1, 0, 2, 129);
	assert_int_equal(count_lines(r.err), 2);
	assert_string_equal(r.err, r2.err);
	cli_result_free(&r);
	cli_result_free(&r2);
	assert_true(folder_inode(a.db) != before);
	assert_true(folder_inode(in_place) == before_in_place);
	snprintf(cmd, sizeof cmd, "%s%s", a.db, DD_UNFINISHED);
	struct stat st;
	assert_int_not_equal(stat(cmd, &st), 0);
	char *aside = describe_index(a.db), *kept = describe_index(in_place);
	assert_true(strlen(aside) > 129 * 1000);
	assert_non_null(strstr(aside, "== QN0011\n")); /* the bad note's previous version */
	assert_non_null(strstr(aside, "== QN0120\n")); /* outside the run */
	if (strcmp(aside, kept) != 0) {
		size_t i = 0;
		while (aside[i] == kept[i])
			i++;
		fail_msg("rebuilt aside, the index differs from byte %zu: '%.200s' vs '%.200s'", i,
		         aside + (i > 100 ? i - 100 : 0), kept + (i > 100 ? i - 100 : 0));
	}
	free(aside);
	free(kept);

	/* the same answers as a fresh build of the same notes; a run changing
	 * nothing after it changes nothing */
	cli_result_t f = cli_run("dundian-index", "--quiet", "--db", fresh, a.notes, extra, (char *)NULL);
	assert_int_equal(f.status, 1); /* the bad note and the duplicate */
	cli_result_free(&f);
	remove_note(&a, "N0011.md"); /* its previous version is not in the fresh build */
	assert_int_equal(setenv("DUNDIAN_REBUILD_MIN", "10", 1), 0);
	r = run_index(&a, NULL);
	expect_summary(&r, a.db, 0, 0, 1, 98, 1, 128);
	cli_result_free(&r);
	f = cli_run("dundian-index", "--quiet", "--db", fresh, a.notes, extra, (char *)NULL);
	cli_result_free(&f);
	/* all edited again, removed and added back: rebuilt aside once more */
	before = folder_inode(a.db);
	edit_every_note(a.notes, "再补一笔。");
	edit_every_note(extra, "再补一笔。");
	r = cli_run("dundian-index", "--quiet", "--db", a.db, a.notes, extra, (char *)NULL);
	unsetenv("DUNDIAN_REBUILD_MIN");
	expect_summary(&r, a.db, 0, 128, 0, 0, 1, 128);
	cli_result_free(&r);
	assert_true(folder_inode(a.db) != before);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fresh);
	assert_int_equal(system(cmd), 0);
	f = cli_run("dundian-index", "--quiet", "--db", fresh, a.notes, extra, (char *)NULL);
	assert_int_equal(f.status, 1);
	cli_result_free(&f);
	char *got = answers(a.db), *want = answers(fresh);
	assert_non_null(strstr(got, "zqxbig"));
	assert_non_null(strstr(got, "did you mean"));
	assert_string_equal(got, want);
	free(got);
	free(want);
}

int main(void)
{
	alarm(500); /* a hung program fails the test instead of stalling it */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_rerun_edit_delete_add),
		cmocka_unit_test(test_bad_notes_rejected),
		cmocka_unit_test(test_note_turning_bad_keeps_previous_version),
		cmocka_unit_test(test_duplicate_ids),
		cmocka_unit_test(test_txt_notes_and_moves),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_index_locked),
		cmocka_unit_test(test_bundled_corpus),
		cmocka_unit_test(test_killed_run_leaves_index_intact),
		cmocka_unit_test(test_unknown_tag_rejected_late),
		cmocka_unit_test(test_same_folder_by_relative_path),
		cmocka_unit_test(test_relative_path_stored_by_an_older_indexer),
		cmocka_unit_test(test_fifo_skipped_not_read),
		cmocka_unit_test(test_odd_entries_reported),
		cmocka_unit_test(test_folder_links_followed_once),
		cmocka_unit_test(test_wrong_vocabulary_refused),
		cmocka_unit_test(test_settled_files_not_read_again),
		cmocka_unit_test(test_signatures_across_folders_and_threads),
		cmocka_unit_test(test_jobs_write_the_same_index),
		cmocka_unit_test(test_big_reindex_rebuilt_aside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
