/* test_faults.c - dundian-index under faults, through the real binaries.
 *
 * - kill -9 at random moments (fixed seed) of re-indexes of a copy of the
 *   bundled corpus, with notes added, changed and deleted between runs:
 *   after each kill the index opens and holds exactly the previous or the
 *   new set of notes, and the next run completes with the new set;
 * - a full disk (a small tmpfs, where this machine lets us mount one): the
 *   indexer says so in one line, exits 3, leaves the previous index as it
 *   was (openable, not grown) and, for a new index, no files at all;
 * - errors that used to mislead: a read-only file system, a folder we may
 *   not write in, a file or a foreign folder given as --db, a missing
 *   parent folder.
 * Mounting needs root (as in CI); where it fails the test says it skipped
 * that part and checks the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "schema.h"
#include "xapian_wrap.h"

/* --- helpers --------------------------------------------------------------- */

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the same sequence of edits and kill moments on every run */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}
static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* Starts dundian-index --quiet --db db notes with stdout and stderr into
 * the files out/err (when given), as user uid when uid >= 0.  Returns the
 * pid. */
static pid_t start_indexer(const char *db, const char *notes, const char *out, const char *err, int uid)
{
	char program[4096];
	snprintf(program, sizeof program, "%s/dundian-index", DD_BIN_DIR);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1);
		dup2(e, 2);
		if (uid >= 0 && (setgid((gid_t)uid) != 0 || setuid((uid_t)uid) != 0))
			_exit(126);
		execl(program, program, "--quiet", "--db", db, notes, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Runs it to the end: the exit status (-1 if killed), stderr in *err_text
 * (malloc'd) when err_text is not NULL. */
static int run_indexer(const char *db, const char *notes, char **err_text, int uid)
{
	char err_file[4096];
	snprintf(err_file, sizeof err_file, "%s/faults-indexer-stderr", DD_TEST_TMP);
	pid_t pid = start_indexer(db, notes, NULL, err_file, uid);
	int ws = 0;
	waitpid(pid, &ws, 0);
	if (err_text) {
		FILE *f = fopen(err_file, "rb");
		*err_text = f ? cli_read_fd_all(fileno(f)) : strdup("");
		if (f)
			fclose(f);
	}
	unlink(err_file);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int collect_id(const char *suffix, void *ctx)
{
	char *ids = ctx;
	size_t len = strlen(ids);
	if (len + strlen(suffix) + 2 < 65536)
		sprintf(ids + len, "%s%s", len ? " " : "", suffix);
	return 0;
}

/* The index's note ids, space-separated in sorted order, into ids (64 KiB);
 * *marked = how many notes hold the term marker (if marker).  Returns 0,
 * or -1 (with the message in ids) when the index does not open. */
static int index_state(const char *db_path, const char *marker, size_t *marked, char *ids)
{
	dd_db_t *db = NULL;
	dd_error_t err;
	ids[0] = '\0';
	if (dd_db_open_read(db_path, &db, &err) != DD_OK) {
		snprintf(ids, 65536, "%s", err.message);
		return -1;
	}
	int st = dd_db_foreach_term(db, DD_PREFIX_ID, collect_id, ids, &err) == DD_OK ? 0 : -1;
	if (marker)
		*marked = dd_db_term_freq(db, marker);
	dd_db_close(db);
	return st;
}

/* Note ids of the .md files in dir, sorted, like index_state's. */
static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
static size_t list_notes(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	size_t n = 0, cap = 1024;
	*names = malloc(cap * sizeof **names);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 3 && strcmp(e->d_name + len - 3, ".md") == 0 && n < cap)
			(*names)[n++] = strndup(e->d_name, len - 3);
	}
	if (d)
		closedir(d);
	qsort(*names, n, sizeof **names, compare_names);
	return n;
}
static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
static void folder_ids(const char *dir, char *ids)
{
	char **names;
	size_t n = list_notes(dir, &names);
	ids[0] = '\0';
	for (size_t i = 0; i < n; i++)
		collect_id(names[i], ids);
	free_names(names, n);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *s = cli_read_fd_all(fileno(f));
	fclose(f);
	return s;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Copies the first n notes of the bundled corpus (all when n is 0) into dir. */
static void copy_corpus(const char *dir, size_t n)
{
	char **names;
	size_t total = list_notes(CLI_CORPUS_NOTES, &names);
	assert_true(total >= 100);
	for (size_t i = 0; i < total && (n == 0 || i < n); i++) {
		char from[8400], to[8400];
		snprintf(from, sizeof from, "%s/%s.md", CLI_CORPUS_NOTES, names[i]);
		snprintf(to, sizeof to, "%s/%s.md", dir, names[i]);
		char *text = read_file(from);
		assert_non_null(text);
		write_file(to, text);
		free(text);
	}
	free_names(names, total);
}

/* One round of edits in dir: adds copies of random notes under new ids,
 * appends the word marker to random notes, deletes random notes. */
static void edit_notes(const char *dir, int round, const char *marker)
{
	char **names;
	size_t n = list_notes(dir, &names);
	assert_true(n > 50);
	char path[8400], to[8400];
	for (int a = 0; a < 2; a++) { /* add */
		snprintf(path, sizeof path, "%s/%s.md", dir, names[rng_below(n)]);
		char *text = read_file(path);
		assert_non_null(text);
		char *id_line = strstr(text, "id: ");
		assert_non_null(id_line);
		char *eol = strchr(id_line, '\n');
		char id[32];
		snprintf(id, sizeof id, "F%02d%d", round, a);
		snprintf(to, sizeof to, "%s/%s.md", dir, id);
		FILE *f = fopen(to, "wb");
		assert_non_null(f);
		fprintf(f, "%.*sid: %s%s", (int)(id_line - text), text, id, eol);
		assert_int_equal(fclose(f), 0);
		free(text);
	}
	for (int c = 0; c < 6; c++) { /* change */
		snprintf(path, sizeof path, "%s/%s.md", dir, names[rng_below(n)]);
		FILE *f = fopen(path, "ab");
		if (!f)
			continue;
		fprintf(f, "\n\n第%d轮补记：%s 故障测试又改了一遍。\n", round, marker);
		assert_int_equal(fclose(f), 0);
	}
	for (int d = 0; d < 2; d++) { /* delete */
		snprintf(path, sizeof path, "%s/%s.md", dir, names[rng_below(n)]);
		unlink(path);
	}
	free_names(names, n);
}

/* How many notes in dir hold marker. */
static size_t count_marked(const char *dir, const char *marker)
{
	char **names;
	size_t n = list_notes(dir, &names), marked = 0;
	for (size_t i = 0; i < n; i++) {
		char path[8400];
		snprintf(path, sizeof path, "%s/%s.md", dir, names[i]);
		char *text = read_file(path);
		marked += text && strstr(text, marker) != NULL;
		free(text);
	}
	free_names(names, n);
	return marked;
}

/* A scratch folder DD_TEST_TMP/name holding notes/ (a copy of the first n
 * bundled notes, all when n is 0) and db/, their index. */
static void index_in_scratch(const char *name, size_t n, char *area, char *notes, char *db)
{
	assert_non_null(cli_scratch(name, area, 4096));
	snprintf(notes, 4200, "%s/notes", area);
	snprintf(db, 4200, "%s/db", area);
	assert_int_equal(mkdir(notes, 0755), 0);
	copy_corpus(notes, n);
	char *err_text = NULL;
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
	free(err_text);
}

/* --- kill -9 ------------------------------------------------------------- */

/* How many runs to kill: 50, fewer under the sanitizers (each run is about
 * five times slower there); DD_FAULT_KILLS overrides. */
static int kill_rounds(void)
{
	const char *env = getenv("DD_FAULT_KILLS");
	if (env && atoi(env) > 0)
		return atoi(env);
#if defined(__SANITIZE_ADDRESS__)
	return 12;
#else
	return 50;
#endif
}

/* What the kills of a test found. */
struct kill_tally {
	int killed_running; /* kills that hit a running indexer */
	int saw_previous;   /* ... after which the index held the previous notes */
	int saw_new;        /* ... or the new ones */
};

/* Starts an indexer on notes, kills it -9 after a random delay up to
 * max_delay seconds, and checks that the index opens and holds either the
 * previous notes (ids prev, none marked) or the new ones (ids want,
 * want_marked holding marker), counting which in *tally. */
static void kill_and_check(const char *db, const char *notes, double max_delay, int round, const char *marker,
                           const char *prev, const char *want, size_t want_marked, struct kill_tally *tally)
{
	static char got[65536];
	size_t marked = 0;
	pid_t pid = start_indexer(db, notes, NULL, NULL, -1);
	useconds_t delay = (useconds_t)(rng_unit() * max_delay * 1e6);
	usleep(delay);
	int ws = 0;
	if (waitpid(pid, &ws, WNOHANG) == 0) {
		tally->killed_running++;
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
	}
	if (index_state(db, marker, &marked, got) != 0)
		fail_msg("round %d: after kill -9 at %u us the index does not open: %s", round, delay, got);
	if (strcmp(got, prev) == 0 && marked == 0)
		tally->saw_previous++;
	else if (strcmp(got, want) == 0 && marked == want_marked)
		tally->saw_new++;
	else
		fail_msg("round %d: after kill -9 at %u us the index holds neither the previous nor the new notes "
		         "(%zu of %zu marked)",
		         round, delay, marked, want_marked);
}

/* Runs the indexer to the end after a kill and checks the index holds the
 * new notes (ids want, want_marked holding marker); returns how long the
 * run took, in seconds. */
static double finish_and_check(const char *db, const char *notes, int round, const char *marker, const char *want,
                               size_t want_marked)
{
	static char got[65536];
	size_t marked = 0;
	char *err_text = NULL;
	double started = now_seconds();
	int status = run_indexer(db, notes, &err_text, -1);
	if (status != 0)
		fail_msg("round %d: the run after the kill exits %d: %s", round, status, err_text);
	free(err_text);
	double span = now_seconds() - started;
	assert_int_equal(index_state(db, marker, &marked, got), 0);
	assert_string_equal(got, want);
	assert_int_equal(marked, want_marked);
	return span;
}

static void test_kill_during_reindex(void **state)
{
	(void)state;
	char area[4096], notes[4200], db[4200];
	index_in_scratch("faults_kill", 0, area, notes, db);
	/* A run here changes about ten notes: have Xapian write its buffered
	 * postings into the tables every three (as a big run does every few
	 * hundred), so kills also land after such flushes inside the run's
	 * transaction, which must commit nothing. */
	assert_int_equal(setenv("XAPIAN_FLUSH_THRESHOLD", "3", 1), 0);

	static char prev[65536], want[65536], got[65536];
	folder_ids(notes, prev);
	size_t marked = 0;
	assert_int_equal(index_state(db, NULL, &marked, got), 0);
	assert_string_equal(got, prev);

	/* Round 0 is not killed: it measures how long a round's run takes, so
	 * the kills can be spread over the whole of a run; each later round
	 * measures it again. */
	double span = 0;
	int rounds = kill_rounds();
	struct kill_tally tally = { 0 };
	for (int round = 0; round <= rounds; round++) {
		char marker[32];
		snprintf(marker, sizeof marker, "zqx%c%c", 'a' + round / 26, 'a' + round % 26);
		edit_notes(notes, round, marker);
		folder_ids(notes, want);
		size_t want_marked = count_marked(notes, marker);
		assert_true(want_marked > 0);

		if (round > 0) {
			kill_and_check(db, notes, span * 1.2, round, marker, prev, want, want_marked, &tally);
		}
		/* the run that finishes a killed one does its whole work again:
		 * the next kill is spread over that long (runs get shorter once
		 * the notes' files are old enough to be signed, lib/sync.c) */
		span = finish_and_check(db, notes, round, marker, want, want_marked);
		memcpy(prev, want, sizeof prev);
	}
	unsetenv("XAPIAN_FLUSH_THRESHOLD");
	print_message("%d kills over runs of %.2f s: %d while running (index then held the previous notes %d "
	              "times, the new %d times)\n",
	              rounds, span, tally.killed_running, tally.saw_previous, tally.saw_new);
	/* The test means something only when kills hit running indexers, and
	 * both outcomes occur. */
	assert_true(tally.killed_running >= rounds / 2);
	assert_true(tally.saw_previous > 0);
}

/* A new index is built in db + DD_UNFINISHED and renamed into place at the
 * end (xapian_wrap.h), committing inside the run every few flushes: a
 * kill -9 at any moment leaves no index at db at all, never a part of one,
 * and the next run throws away what the killed one left and completes. */
static void test_kill_during_new_index(void **state)
{
	(void)state;
	char area[4096], notes[4200], db[4200], unfinished[4300], cmd[9000];
	assert_non_null(cli_scratch("faults_kill_new", area, sizeof area));
	snprintf(notes, sizeof notes, "%s/notes", area);
	snprintf(db, sizeof db, "%s/db", area);
	snprintf(unfinished, sizeof unfinished, "%s%s", db, DD_UNFINISHED);
	assert_int_equal(mkdir(notes, 0755), 0);
	copy_corpus(notes, 150);
	static char want[65536], got[65536];
	folder_ids(notes, want);
	/* commits every 4 x 3 notes, so kills land after some of them */
	assert_int_equal(setenv("XAPIAN_FLUSH_THRESHOLD", "3", 1), 0);
	char *err_text = NULL;
	double started = now_seconds();
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
	free(err_text);
	double span = now_seconds() - started;
	size_t marked;
	assert_int_equal(index_state(db, NULL, &marked, got), 0);
	assert_string_equal(got, want);

	int rounds = kill_rounds() / 4 + 2, killed_running = 0, left_unfinished = 0;
	struct stat st;
	for (int round = 0; round < rounds; round++) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", db);
		assert_int_equal(system(cmd), 0);
		pid_t pid = start_indexer(db, notes, NULL, NULL, -1);
		useconds_t delay = (useconds_t)((0.2 + 0.7 * rng_unit()) * span * 1e6);
		usleep(delay);
		int ws = 0;
		if (waitpid(pid, &ws, WNOHANG) == 0) {
			killed_running++;
			kill(pid, SIGKILL);
			waitpid(pid, &ws, 0);
			if (stat(db, &st) == 0) {
				/* killed after the rename that publishes it (while it
				 * tidied up): then it is the whole new index */
				assert_int_equal(index_state(db, NULL, &marked, got), 0);
				if (strcmp(got, want) != 0)
					fail_msg("round %d: a new index killed after %u us left part of %s", round,
					         delay, db);
			} else {
				/* what it built so far, committed, is not the index */
				snprintf(cmd, sizeof cmd, "%s/iamglass", unfinished);
				left_unfinished += stat(cmd, &st) == 0;
				cli_result_t r = cli_run("dundian-search", "--db", db, "村", (char *)NULL);
				assert_int_equal(r.status, 3);
				assert_non_null(strstr(r.err, "no index"));
				cli_result_free(&r);
			}
		}
		assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
		free(err_text);
		assert_int_equal(index_state(db, NULL, &marked, got), 0);
		assert_string_equal(got, want);
		if (stat(unfinished, &st) == 0)
			fail_msg("round %d: %s is left behind", round, unfinished);
	}
	unsetenv("XAPIAN_FLUSH_THRESHOLD");
	print_message("%d kills of a new index: %d while running, %d after a commit inside the run\n", rounds,
	              killed_running, left_unfinished);
	assert_true(killed_running >= rounds / 2);
	assert_true(left_unfinished > 0);

	/* a finished index left in the unfinished folder (as a kill just
	 * before the rename leaves it) is neither searched nor kept */
	char other[4300];
	snprintf(other, sizeof other, "%s/other", area);
	assert_int_equal(mkdir(other, 0755), 0);
	snprintf(cmd, sizeof cmd, "%s/Z1.md", other);
	write_file(cmd, "---\nid: Z1\ntitle: 不该在的笔记\n---\n这一篇只在旧的 zqxstale 里。\n");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", db);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run_indexer(unfinished, other, &err_text, -1), 0);
	free(err_text);
	assert_int_equal(index_state(unfinished, NULL, &marked, got), 0);
	assert_string_equal(got, "Z1");
	cli_result_t r = cli_run("dundian-search", "--db", db, "zqxstale", (char *)NULL);
	assert_int_equal(r.status, 3);
	cli_result_free(&r);
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
	free(err_text);
	assert_int_equal(index_state(db, NULL, &marked, got), 0);
	assert_string_equal(got, want);
	assert_int_not_equal(stat(unfinished, &st), 0);
	r = cli_run("dundian-search", "--db", db, "zqxstale", (char *)NULL);
	assert_int_equal(r.status, 1);
	cli_result_free(&r);
}

/* A run changing most notes of an index builds the new state aside and
 * exchanges it with the old index folder in one step (sync.c,
 * rebuild_aside; DUNDIAN_REBUILD_MIN brings it down to these 150 notes):
 * a kill -9 at any moment leaves at db an index that opens and holds
 * either every note as the previous run left it or every note as this run
 * does, never a mix, and the next run completes and leaves nothing next
 * to it.  A reader that had the old index open goes on answering from it,
 * and reads the new one once reopened. */
static void test_kill_during_big_reindex(void **state)
{
	(void)state;
	char area[4096], notes[4200], db[4200], unfinished[4300];
	assert_non_null(cli_scratch("faults_kill_big", area, sizeof area));
	snprintf(notes, sizeof notes, "%s/notes", area);
	snprintf(db, sizeof db, "%s/db", area);
	snprintf(unfinished, sizeof unfinished, "%s%s", db, DD_UNFINISHED);
	assert_int_equal(mkdir(notes, 0755), 0);
	copy_corpus(notes, 150);
	char *err_text = NULL;
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
	free(err_text);
	/* commits every 4 x 3 notes aside, so kills land after some */
	assert_int_equal(setenv("XAPIAN_FLUSH_THRESHOLD", "3", 1), 0);
	assert_int_equal(setenv("DUNDIAN_REBUILD_MIN", "20", 1), 0);
	static char prev[65536], want[65536];
	folder_ids(notes, prev);
	size_t all = 0;
	struct stat st;
	double span = 0;
	int rounds = kill_rounds() / 3 + 3, rebuilt = 0;
	struct kill_tally tally = { 0 };
	for (int round = 0; round <= rounds; round++) {
		char marker[32];
		snprintf(marker, sizeof marker, "zqxbig%c%c", 'a' + round / 26, 'a' + round % 26);
		edit_notes(notes, round, marker);
		/* and every note changed: the run rebuilds */
		char **names;
		size_t n = list_notes(notes, &names);
		for (size_t i = 0; i < n; i++) {
			char path[8400];
			snprintf(path, sizeof path, "%s/%s.md", notes, names[i]);
			FILE *f = fopen(path, "ab");
			assert_non_null(f);
			fprintf(f, "\n\n全部重写：%s。\n", marker);
			assert_int_equal(fclose(f), 0);
		}
		free_names(names, n);
		all = n;
		folder_ids(notes, want);
		assert_int_equal(count_marked(notes, marker), all);
		if (round > 0) {
			kill_and_check(db, notes, span * 1.1, round, marker, prev, want, all, &tally);
		}
		/* a reader of the index as it is now */
		dd_db_t *reader = NULL;
		dd_error_t err;
		assert_int_equal(dd_db_open_read(db, &reader, &err), DD_OK);
		size_t reader_had = dd_db_doc_count(reader), reader_marked = dd_db_term_freq(reader, marker);
		ino_t folder = (stat(db, &st), st.st_ino);
		span = finish_and_check(db, notes, round, marker, want, all);
		assert_int_not_equal(stat(unfinished, &st), 0);
		/* the run rebuilt aside, unless a killed one had finished its work
		 * (or the unfinished folder was still locked by the killed run's
		 * lock holder, Xapian's child process: then it wrote in place) */
		assert_int_equal(stat(db, &st), 0);
		if (st.st_ino != folder) {
			rebuilt++;
			/* the reader answers from the old index until reopened */
			assert_int_equal(dd_db_doc_count(reader), reader_had);
			assert_int_equal(dd_db_term_freq(reader, marker), reader_marked);
			int changed = 0;
			assert_int_equal(dd_db_reopen(reader, &changed, &err), DD_OK);
			assert_int_equal(changed, 1);
		}
		int changed = 0;
		assert_int_equal(dd_db_reopen(reader, &changed, &err), DD_OK);
		assert_int_equal(dd_db_doc_count(reader), all);
		assert_int_equal(dd_db_term_freq(reader, marker), all);
		dd_db_close(reader);
		memcpy(prev, want, sizeof prev);
	}
	unsetenv("XAPIAN_FLUSH_THRESHOLD");
	unsetenv("DUNDIAN_REBUILD_MIN");
	print_message("%d kills of a big re-index over runs of %.2f s: %d while running (index then held the "
	              "previous notes %d times, the new %d times); %d runs after them rebuilt aside\n",
	              rounds, span, tally.killed_running, tally.saw_previous, tally.saw_new, rebuilt);
	assert_true(tally.killed_running >= rounds / 2);
	assert_true(rebuilt > rounds / 2);
	assert_true(tally.saw_previous > 0);
}

/* --- a full disk ----------------------------------------------------------- */

static char mount_point[4096];
static int mounted;

static int unmount(void **state)
{
	(void)state;
	if (mounted)
		umount2(mount_point, MNT_DETACH);
	mounted = 0;
	return 0;
}

/* Mounts a tmpfs of size bytes on DD_TEST_TMP/name; 0, or -1 when this
 * machine does not let us (then the caller skips). */
static int mount_tmpfs(const char *name, const char *options)
{
	if (!cli_scratch(name, mount_point, sizeof mount_point))
		return -1;
	if (mount("tmpfs", mount_point, "tmpfs", 0, options) != 0) {
		print_message("skipped: cannot mount a tmpfs on %s (%s): needs root\n", mount_point, strerror(errno));
		return -1;
	}
	mounted = 1;
	return 0;
}

/* Fills the file system holding dir, leaving about leave bytes free. */
static void fill_disk(const char *dir, size_t leave)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/filler", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	static char block[65536];
	memset(block, 'x', sizeof block);
	off_t size = 0;
	ssize_t w;
	while ((w = write(fd, block, sizeof block)) > 0)
		size += w;
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(ftruncate(fd, size > (off_t)leave ? size - (off_t)leave : 0), 0);
	close(fd);
}

/* The index folder's files and their total size. */
static off_t folder_size(const char *dir, char *names, size_t names_size)
{
	char **entries = NULL;
	DIR *d = opendir(dir);
	assert_non_null(d);
	off_t total = 0;
	size_t n = 0;
	entries = calloc(64, sizeof *entries);
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		if (e->d_name[0] == '.')
			continue;
		char path[4200];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0)
			total += st.st_size;
		entries[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(entries, n, sizeof *entries, compare_names);
	names[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(names + strlen(names), names_size - strlen(names), "%s ", entries[i]);
		free(entries[i]);
	}
	free(entries);
	return total;
}

/* A tmpfs with an index of the first n bundled notes in it: notes (beside
 * the mount point) and db (inside it) are filled in.  -1 when mounting is
 * not allowed here. */
static int index_on_tmpfs(const char *name, const char *options, size_t n, char *notes, char *db)
{
	if (mount_tmpfs(name, options) != 0)
		return -1;
	snprintf(notes, 4200, "%s-notes", mount_point);
	snprintf(db, 4200, "%s/db", mount_point);
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", notes, notes);
	assert_int_equal(system(cmd), 0);
	copy_corpus(notes, n);
	char *err_text = NULL;
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
	free(err_text);
	return 0;
}

static void test_full_disk(void **state)
{
	(void)state;
	char notes[4200], db[4200], cmd[9000];
	if (index_on_tmpfs("faults_disk", "size=12m", 40, notes, db) != 0)
		return;
	char *err_text = NULL;
	static char before_ids[65536], ids[65536], want[65536];
	size_t marked;
	assert_int_equal(index_state(db, NULL, &marked, before_ids), 0);
	char before_files[2048], after_files[2048];
	off_t before_size = folder_size(db, before_files, sizeof before_files);

	/* a re-index that needs more room than is left */
	copy_corpus(notes, 200);
	fill_disk(mount_point, 256 * 1024);
	int status = run_indexer(db, notes, &err_text, -1);
	assert_int_equal(status, 3);
	if (!strstr(err_text, "no space left on device") || count_lines(err_text) != 1)
		fail_msg("a full disk is told as: %s", err_text);
	free(err_text);
	assert_int_equal(index_state(db, NULL, &marked, ids), 0);
	assert_string_equal(ids, before_ids);
	off_t after_size = folder_size(db, after_files, sizeof after_files);
	assert_string_equal(after_files, before_files); /* no lock or temporary file added */
	if (after_size > before_size)
		fail_msg("the index grew from %lld to %lld bytes in a run that failed", (long long)before_size,
		         (long long)after_size);

	/* with room again, the next run completes */
	snprintf(cmd, sizeof cmd, "%s/filler", mount_point);
	unlink(cmd);
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 0);
	free(err_text);
	folder_ids(notes, want);
	assert_int_equal(index_state(db, NULL, &marked, ids), 0);
	assert_string_equal(ids, want);

	/* a new index on a full disk leaves nothing behind */
	char fresh[4200];
	snprintf(fresh, sizeof fresh, "%s/fresh", mount_point);
	fill_disk(mount_point, 0);
	status = run_indexer(fresh, notes, &err_text, -1);
	assert_int_equal(status, 3);
	if (!strstr(err_text, "no space left on device") || count_lines(err_text) != 1)
		fail_msg("a full disk is told as: %s", err_text);
	free(err_text);
	struct stat st;
	if (stat(fresh, &st) == 0) {
		folder_size(fresh, after_files, sizeof after_files);
		fail_msg("a failed new index left %s behind: %s", fresh, after_files);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", notes);
	assert_int_equal(system(cmd), 0);
}

/* --- errors that misled ---------------------------------------------------- */

static void assert_one_line(const char *text, const char *want, const char *not_want)
{
	if (!strstr(text, want) || count_lines(text) != 1 || (not_want && strstr(text, not_want)))
		fail_msg("expected one line with '%s'%s%s, got: %s", want, not_want ? " and without " : "",
		         not_want ? not_want : "", text);
}

static void test_read_only_file_system(void **state)
{
	(void)state;
	char notes[4200], db[4200], fresh[4200], cmd[9000];
	if (index_on_tmpfs("faults_ro", "size=8m", 5, notes, db) != 0)
		return;
	snprintf(fresh, sizeof fresh, "%s/fresh", mount_point);
	char *err_text = NULL;
	assert_int_equal(mount("tmpfs", mount_point, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=8m"), 0);
	assert_int_equal(run_indexer(db, notes, &err_text, -1), 3);
	assert_one_line(err_text, "read-only file system", "locked");
	free(err_text);
	assert_int_equal(run_indexer(fresh, notes, &err_text, -1), 3);
	assert_one_line(err_text, "read-only file system", "mkdir");
	free(err_text);
	/* searching it still works */
	cli_result_t r = cli_run("dundian-search", "--db", db, "--json", "村", (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", notes);
	assert_int_equal(system(cmd), 0);
}

static void test_no_permission(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: needs root to run the indexer as another user\n");
		return;
	}
	char area[4096], notes[4200], db[4200], fresh[4200];
	index_in_scratch("faults_perm", 5, area, notes, db);
	snprintf(fresh, sizeof fresh, "%s/fresh", area);
	char *err_text = NULL;
	/* the index (root's, 0755) as user nobody: may read, may not write */
	assert_int_equal(chmod(area, 0755), 0);
	assert_int_equal(run_indexer(db, notes, &err_text, 65534), 3);
	assert_one_line(err_text, "no permission to write", "locked");
	free(err_text);
	assert_int_equal(run_indexer(fresh, notes, &err_text, 65534), 3);
	assert_one_line(err_text, "no permission to create the index", "mkdir");
	free(err_text);
}

static void test_not_an_index(void **state)
{
	(void)state;
	char area[4096], file[4200], missing[4200], cmd[9000];
	assert_non_null(cli_scratch("faults_not_index", area, sizeof area));
	snprintf(file, sizeof file, "%s/plain.txt", area);
	write_file(file, "not an index\n");
	const char *note = CLI_CORPUS_NOTES "/N0001.md";

	/* a regular file: neither read as an index nor written over */
	const char *files[] = { file, "/etc/passwd" };
	for (size_t i = 0; i < 2; i++) {
		cli_result_t r = cli_run("dundian-search", "--db", files[i], "饮水", (char *)NULL);
		assert_int_equal(r.status, 3);
		assert_one_line(r.err, "is a file, not a dundian index", "Error");
		assert_null(strstr(r.err, "build one"));
		cli_result_free(&r);
		r = cli_run("dundian-index", "--quiet", "--db", files[i], note, (char *)NULL);
		assert_int_equal(r.status, 3);
		assert_one_line(r.err, "is a file, not a dundian index", "Error");
		cli_result_free(&r);
	}
	char *text = read_file(file);
	assert_string_equal(text, "not an index\n");
	free(text);

	/* a folder holding something else */
	cli_result_t r = cli_run("dundian-search", "--db", DD_SOURCE_DIR "/corpus", "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line(r.err, "not a dundian index", "build one");
	cli_result_free(&r);

	/* a missing parent folder: the reason, not "mkdir failed" */
	snprintf(missing, sizeof missing, "%s/no/such/db", area);
	r = cli_run("dundian-index", "--quiet", "--db", missing, note, (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line(r.err, "parent folder does not exist", "mkdir failed");
	cli_result_free(&r);
	snprintf(cmd, sizeof cmd, "%s/no", area);
	struct stat st;
	assert_int_not_equal(stat(cmd, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_an_index),
		cmocka_unit_test(test_no_permission),
		cmocka_unit_test_teardown(test_read_only_file_system, unmount),
		cmocka_unit_test_teardown(test_full_disk, unmount),
		cmocka_unit_test(test_kill_during_reindex),
		cmocka_unit_test(test_kill_during_new_index),
		cmocka_unit_test(test_kill_during_big_reindex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
