/* scale_peers.c - the peers of the scale benchmarks and the measuring of a
 * child process (see scale_peers.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "scale_peers.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

#include "note.h"
#include "scaled_corpus.h"
#include "schema.h"
#include "xapian_baseline.h"

double dd_bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *dd_bench_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && t[0] ? t : "/tmp";
}

void dd_bench_print_machine(void)
{
	printf("machine: %ld cores online, shared with other work while this ran: compare ratios, not absolute "
	       "times\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
}

size_t dd_bench_parse_sizes(const char *program, const char *spec, unsigned *sizes, size_t max)
{
	size_t n = 0;
	const char *p = spec;
	while (*p && n < max) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > 999 || (*end && *end != ','))
			break;
		sizes[n++] = (unsigned)v;
		p = *end ? end + 1 : end;
	}
	if (*p || n == 0) {
		fprintf(stderr, "%s: --sizes '%s': a list like 1,5,20 of at most %zu numbers from 1 to 999\n", program,
		        spec, max);
		return 0;
	}
	return n;
}

static long long disk_total;

static int add_blocks(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)flag, (void)ftw;
	disk_total += (long long)st->st_blocks * 512;
	return 0;
}

long long dd_bench_disk_bytes(const char *path)
{
	disk_total = 0;
	if (nftw(path, add_blocks, 16, FTW_PHYS) != 0)
		return -1;
	return disk_total;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void dd_bench_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *dd_bench_program_dir(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	return strdup(dirname(path));
}

int dd_bench_run(char *const argv[], dd_bench_cost_t *cost)
{
	memset(cost, 0, sizeof *cost);
	fflush(NULL);
	double started = dd_bench_now_ms();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "%s: cannot run: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	cost->wall_s = (dd_bench_now_ms() - started) / 1e3;
	cost->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	              (double)ru.ru_stime.tv_usec / 1e6;
	cost->max_rss_kib = ru.ru_maxrss;
	cost->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/* Calls fn for each note below dir, in sorted order, stopping at the first
 * failure. */
static dd_status_t foreach_note(const char *dir, dd_status_t (*fn)(const dd_note_t *note, void *ctx, dd_error_t *err),
                                void *ctx, size_t *count, dd_error_t *err)
{
	char **paths = NULL;
	size_t n = 0;
	*count = 0;
	dd_status_t s = dd_scaled_corpus_list(dir, &paths, &n, err);
	for (size_t i = 0; s == DD_OK && i < n; i++) {
		dd_note_t *note;
		s = dd_note_load(paths[i], &note, err);
		if (s != DD_OK)
			break;
		s = fn(note, ctx, err);
		dd_note_free(note);
		if (s == DD_OK)
			(*count)++;
	}
	dd_scaled_corpus_list_free(paths, n);
	return s;
}

/* ---- SQLite FTS5 trigram ---- */

static dd_status_t fts5_insert(const dd_note_t *note, void *ctx, dd_error_t *err)
{
	sqlite3_stmt **both = ctx;
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = both[i];
		if (i == 0) {
			sqlite3_bind_text(st, 4, note->title, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, note->body, (int)note->body_len, SQLITE_STATIC);
		} else {
			sqlite3_bind_text(st, 1, note->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, note->county, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, note->date, -1, SQLITE_STATIC);
		}
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return dd_error_set(err, DD_ERR_INDEX, "SQLite: inserting %s: %s", note->id,
			                    sqlite3_errmsg(sqlite3_db_handle(st)));
	}
	return DD_OK;
}

dd_status_t dd_bench_fts5_build(const char *notes_dir, const char *db_file, size_t *count, dd_error_t *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *insert = NULL, *insert_meta = NULL;
	*count = 0;
	unlink(db_file);
	if (sqlite3_open(db_file, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
	                 "CREATE VIRTUAL TABLE notes USING fts5(title, body, tokenize='trigram');"
	                 "CREATE TABLE meta(id TEXT, county TEXT, date TEXT); BEGIN;",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO notes(title, body) VALUES (?4, ?5);", -1, &insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO meta(rowid, id, county, date) VALUES (last_insert_rowid(), ?1, ?2, ?3)",
	                       -1, &insert_meta, NULL) != SQLITE_OK) {
		sqlite3_finalize(insert);
		dd_status_t s =
		    dd_error_set(err, DD_ERR_INDEX, "SQLite: %s: %s", db_file, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return s;
	}
	sqlite3_stmt *both[2] = { insert, insert_meta };
	dd_status_t s = foreach_note(notes_dir, fts5_insert, both, count, err);
	sqlite3_finalize(insert);
	sqlite3_finalize(insert_meta);
	if (s == DD_OK && sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		s = dd_error_set(err, DD_ERR_INDEX, "SQLite: commit: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	return s;
}

/* ---- Xapian CJK n-grams ---- */

static dd_status_t ngram_insert(const dd_note_t *note, void *ctx, dd_error_t *err)
{
	char term[DD_TERM_MAX + 32];
	dd_schema_id_term(note->id, term, sizeof term);
	size_t tl = strlen(note->title);
	char *text = malloc(tl + 1 + note->body_len + 1);
	if (!text)
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", note->id);
	memcpy(text, note->title, tl);
	text[tl] = '\n';
	memcpy(text + tl + 1, note->body, note->body_len);
	text[tl + 1 + note->body_len] = '\0';
	dd_status_t s = dd_baseline_ngram_index(ctx, term, text, err);
	free(text);
	return s;
}

dd_status_t dd_bench_ngram_build(const char *notes_dir, const char *db_dir, size_t *count, dd_error_t *err)
{
	dd_db_t *db;
	*count = 0;
	dd_bench_remove_tree(db_dir);
	dd_status_t s = dd_db_open_write(db_dir, &db, err);
	if (s != DD_OK)
		return s;
	s = dd_db_begin(db, err);
	if (s == DD_OK)
		s = foreach_note(notes_dir, ngram_insert, db, count, err);
	if (s == DD_OK)
		s = dd_db_commit(db, err);
	dd_db_close(db);
	return s;
}

/* ---- ICU word breaking alone ---- */

typedef struct icu_pass {
	UBreakIterator *brk;
	UChar *text;
	int32_t capacity;
	size_t words;
} icu_pass_t;

static dd_status_t icu_count(icu_pass_t *p, const char *s, int32_t len, dd_error_t *err)
{
	UErrorCode status = U_ZERO_ERROR;
	int32_t n16 = 0;
	u_strFromUTF8(p->text, p->capacity, &n16, s, len, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR) {
		UChar *grown = realloc(p->text, sizeof *grown * (size_t)(n16 + 1));
		if (!grown)
			return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		p->text = grown;
		p->capacity = n16 + 1;
		status = U_ZERO_ERROR;
		u_strFromUTF8(p->text, p->capacity, &n16, s, len, &status);
	}
	if (U_FAILURE(status))
		return dd_error_set(err, DD_ERR_ICU, "ICU: %s", u_errorName(status));
	ubrk_setText(p->brk, p->text, n16, &status);
	while (U_SUCCESS(status) && ubrk_next(p->brk) != UBRK_DONE)
		if (ubrk_getRuleStatus(p->brk) != UBRK_WORD_NONE)
			p->words++;
	return U_SUCCESS(status) ? DD_OK : dd_error_set(err, DD_ERR_ICU, "ICU: %s", u_errorName(status));
}

static dd_status_t icu_note(const dd_note_t *note, void *ctx, dd_error_t *err)
{
	dd_status_t s = icu_count(ctx, note->title, -1, err);
	return s == DD_OK ? icu_count(ctx, note->body, (int32_t)note->body_len, err) : s;
}

dd_status_t dd_bench_icu_words(const char *notes_dir, size_t *count, size_t *words, dd_error_t *err)
{
	icu_pass_t p = { 0 };
	UErrorCode status = U_ZERO_ERROR;
	*count = *words = 0;
	p.brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &status);
	if (U_FAILURE(status))
		return dd_error_set(err, DD_ERR_ICU, "ICU: word break iterator: %s", u_errorName(status));
	dd_status_t s = foreach_note(notes_dir, icu_note, &p, count, err);
	*words = p.words;
	ubrk_close(p.brk);
	free(p.text);
	return s;
}
