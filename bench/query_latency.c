/* query_latency.c - dd-bench-query: how fast dundian answers next to its
 * peers, in process, on the same generated notes at several sizes (issue
 * 11).
 *
 *   dd-bench-query [--sizes 1,5,20] [--rounds 3] [--strings 100] [--seed S] [--keep]
 *
 * For each size N it writes N x the bundled notes (scaled_corpus.h), builds
 * a dundian index with the real dundian-index binary and the two peers of
 * scale_peers.h (SQLite FTS5 trigram on disk, Xapian CJK n-grams), opens
 * each once as a long-running caller would, and times a page of 10 results
 * for three classes of queries, without and with snippets:
 *   - words: the topic queries of bench/dev/queries.tsv;
 *   - quoted strings: 2-6 consecutive Han characters of a note's body, drawn
 *     with splitmix64 from the seed (so every system gets the same strings);
 *   - filters: each word query with county:X, and with date:YYYY-MM, the
 *     values taken from notes drawn with the same generator.
 * One untimed round warms the caches, then --rounds timed rounds (dundian's
 * engine opened afresh before each: it remembers exact strings checked, see
 * measure); it prints
 * p50 and p99 (nearest rank) per class, system and mode, and dundian's
 * ratio to each peer.  A last row per class, "dundian --batch", runs the
 * same rounds through one `dundian-search --batch FILE --limit 10` process
 * (the way a user times a batch of queries: README.md): the p50 and p99 of
 * the elapsed_ms its JSON lines report, and after the hits the process's
 * CPU time (user + system, start-up and JSON output included) per query,
 * without and with snippets.  Figures only: nothing is asserted.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "buffer.h"
#include "engine.h"
#include "searching.h"
#include "eval_metrics.h"
#include "note.h"
#include "scale_peers.h"
#include "scaled_corpus.h"
#include "schema.h"
#include "xapian_baseline.h"

#define PAGE 10

enum { CLASS_WORDS, CLASS_STRINGS, CLASS_FILTERS, N_CLASSES };
static const char *const class_name[N_CLASSES] = { "words", "quoted strings", "filters" };
enum { SYS_DUNDIAN, SYS_FTS5, SYS_NGRAM, N_SYSTEMS };
static const char *const system_name[N_SYSTEMS] = { "dundian", "SQLite FTS5 trigram", "Xapian CJK n-grams" };

/* One query, spelled for each system: dundian's query language, and the
 * bare text (a word or an exact string) with optional filter values for
 * the peers. */
typedef struct bench_query {
	char *dundian, *text, *county, *month;
	int literal;
} bench_query_t;

typedef struct query_set {
	bench_query_t *items;
	size_t count, capacity;
} query_set_t;

/* The systems under test, opened once per size. */
typedef struct systems {
	dd_engine_t *engine;
	char db[4096]; /* dundian's index, reopened before each round (measure) */
	sqlite3 *fts5;
	sqlite3_stmt *match[2], *like[2]; /* [with snippets] */
	dd_db_t *ngram;
} systems_t;

/* p50 and p99 of one (class, system, mode); ran = 0 when not applicable. */
typedef struct figure {
	double p50, p99, hits; /* hits: mean number returned per query */
	size_t failed;
	int ran;
} figure_t;

/* ---- dundian ---- */

/* The whole answer to one query, as dundian-search gives it: the one
 * search pipeline (searching.h), a page of limit hits with their stored
 * notes and, with snippets, each one's best passage. */
static dd_status_t dundian_answer(dd_engine_t *e, const char *text, size_t limit, int snippets, size_t *hits,
                                  dd_error_t *err)
{
	dd_search_request_t req = { .text = text, .limit = limit, .snippets = snippets };
	dd_search_result_t res;
	dd_status_t s = dd_search(e, &req, &res, err);
	*hits = s == DD_OK ? res.n_hits : 0;
	dd_search_result_free(&res);
	return s;
}

/* ---- SQLite FTS5 trigram ---- */

/* A trigram index cannot match under 3 characters: such strings are found
 * by scanning the table with instr() (unranked, in row order), with a
 * crude snippet around the first occurrence.  Not LIKE: SQLite 3.40's
 * trigram tables answer LIKE '%xx%' with nothing.  Filters read the plain
 * table meta (scale_peers.h); '' for ?3 or ?4 means no filter. */
#define FTS5_FILTER "(?3 = '' OR meta.county = ?3) AND (?4 = '' OR substr(meta.date, 1, length(?4)) = ?4)"
static const char *const fts5_sql[2][2] = {
	{ "SELECT meta.id, notes.title, meta.county, meta.date FROM notes JOIN meta ON meta.rowid = notes.rowid "
	  "WHERE notes MATCH ?1 AND " FTS5_FILTER " ORDER BY bm25(notes) LIMIT ?2",
	  "SELECT meta.id, notes.title, meta.county, meta.date, snippet(notes, 1, '【', '】', '…', 32) "
	  "FROM notes JOIN meta ON meta.rowid = notes.rowid "
	  "WHERE notes MATCH ?1 AND " FTS5_FILTER " ORDER BY bm25(notes) LIMIT ?2" },
	{ "SELECT meta.id, notes.title, meta.county, meta.date FROM meta JOIN notes ON notes.rowid = meta.rowid "
	  "WHERE (instr(notes.title, ?1) > 0 OR instr(notes.body, ?1) > 0) AND " FTS5_FILTER " LIMIT ?2",
	  "SELECT meta.id, notes.title, meta.county, meta.date, substr(notes.body, max(1, instr(notes.body, ?1) - 20), "
	  "60) FROM meta JOIN notes ON notes.rowid = meta.rowid "
	  "WHERE (instr(notes.title, ?1) > 0 OR instr(notes.body, ?1) > 0) AND " FTS5_FILTER " LIMIT ?2" }
};

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int fts5_answer(systems_t *sys, const bench_query_t *q, size_t limit, int snippets, size_t *hits,
                       dd_error_t *err)
{
	int short_text = utf8_chars(q->text) < 3;
	sqlite3_stmt *st = short_text ? sys->like[snippets] : sys->match[snippets];
	dd_buffer_t pattern = { 0 }, county = { 0 }, month = { 0 };
	if (short_text) {
		dd_buffer_puts(&pattern, q->text);
	} else { /* one FTS5 phrase: "..." with inner quotes doubled */
		dd_buffer_puts(&pattern, "\"");
		for (const char *p = q->text; *p; p++)
			dd_buffer_add(&pattern, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
		dd_buffer_puts(&pattern, "\"");
	}
	dd_buffer_puts(&county, q->county ? q->county : "");
	dd_buffer_puts(&month, q->month ? q->month : "");
	*hits = 0;
	int rc = SQLITE_NOMEM;
	if (!pattern.failed && !county.failed && !month.failed) {
		sqlite3_bind_text(st, 1, pattern.s, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)limit);
		sqlite3_bind_text(st, 3, county.s, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, month.s, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			/* read what a caller shows: the columns as text */
			for (int c = 0; c < sqlite3_column_count(st); c++)
				(void)sqlite3_column_text(st, c);
			(*hits)++;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	if (rc != SQLITE_DONE)
		dd_error_set(err, DD_ERR_INDEX, "SQLite: %s: %s", q->text, sqlite3_errmsg(sys->fts5));
	dd_buffer_free(&pattern);
	dd_buffer_free(&county);
	dd_buffer_free(&month);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- Xapian CJK n-grams ---- */

static int ngram_answer(systems_t *sys, const bench_query_t *q, size_t limit, size_t *hits, dd_error_t *err)
{
	dd_query_t *query = dd_baseline_ngram_query(q->text, q->literal);
	*hits = 0;
	if (!query) {
		dd_error_set(err, DD_ERR_INVALID, "Xapian n-grams: cannot parse %s", q->text);
		return -1;
	}
	dd_search_options_t opts;
	memset(&opts, 0, sizeof opts);
	opts.limit = limit;
	dd_results_t *res = NULL;
	dd_status_t s = dd_db_search(sys->ngram, query, &opts, &res, err);
	for (size_t i = 0; s == DD_OK && i < dd_results_count(res); i++)
		*hits += dd_results_id(res, i) != NULL;
	dd_results_free(res);
	dd_query_free(query);
	return s == DD_OK ? 0 : -1;
}

/* One query on one system; -1 on failure.  0 hits counts as an answer. */
static int answer(systems_t *sys, int system, const bench_query_t *q, int snippets, size_t *hits, dd_error_t *err)
{
	switch (system) {
	case SYS_DUNDIAN:
		return dundian_answer(sys->engine, q->dundian, PAGE, snippets, hits, err) == DD_OK ? 0 : -1;
	case SYS_FTS5:
		return fts5_answer(sys, q, PAGE, snippets, hits, err);
	default:
		return ngram_answer(sys, q, PAGE, hits, err);
	}
}

/* ---- the queries ---- */

/* splitmix64 (Steele, Lea, Flood 2014): tiny and the same everywhere. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t below(uint64_t *state, size_t n)
{
	return n ? (size_t)(splitmix64(state) % n) : 0;
}

static void query_set_free(query_set_t *qs)
{
	for (size_t i = 0; i < qs->count; i++) {
		free(qs->items[i].dundian);
		free(qs->items[i].text);
		free(qs->items[i].county);
		free(qs->items[i].month);
	}
	free(qs->items);
	memset(qs, 0, sizeof *qs);
}

/* Adds a query (taking ownership of the strings); -1 when out of memory. */
static int query_add(query_set_t *qs, char *dundian, char *text, char *county, char *month, int literal)
{
	if (!dundian || !text || DD_ARRAY_RESERVE(qs->items, qs->count, qs->capacity, 1) != 0) {
		free(dundian), free(text), free(county), free(month);
		return -1;
	}
	qs->items[qs->count++] = (bench_query_t){ dundian, text, county, month, literal };
	return 0;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return s;
}

/* The topic queries of a queries.tsv (qid, kind, target, query). */
static int load_words(const char *path, query_set_t *qs)
{
	char *data;
	dd_error_t err;
	if (dd_read_file(path, 1 << 20, &data, NULL, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-query: %s\n", err.message);
		return -1;
	}
	char *save = NULL;
	for (char *line = strtok_r(data, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		char *f[4] = { line, NULL, NULL, NULL };
		for (int i = 1; i < 4 && f[i - 1]; i++)
			if ((f[i] = strchr(f[i - 1], '\t')) != NULL)
				*f[i]++ = '\0';
		if (line[0] == '#' || !f[3] || strcmp(f[1], "topic") != 0 || !f[3][0])
			continue;
		if (query_add(qs, strdup(f[3]), strdup(f[3]), NULL, NULL, 0) != 0)
			break;
	}
	free(data);
	return 0;
}

static int is_han(UChar32 c)
{
	UErrorCode status = U_ZERO_ERROR;
	return c >= 0 && uscript_getScript(c, &status) == USCRIPT_HAN && U_SUCCESS(status);
}

/* A run of len Han characters from body, or NULL after a few misses. */
static char *han_substring(const char *body, size_t body_len, uint64_t *rng)
{
	size_t *offsets = malloc(sizeof *offsets * (body_len + 1)), n = 0;
	UChar32 *cps = malloc(sizeof *cps * (body_len + 1));
	char *found = NULL;
	for (int32_t i = 0; offsets && cps && i < (int32_t)body_len;) {
		offsets[n] = (size_t)i;
		U8_NEXT(body, i, (int32_t)body_len, cps[n]);
		n++;
		offsets[n] = (size_t)i;
	}
	for (int attempt = 0; offsets && cps && !found && attempt < 50 && n >= 6; attempt++) {
		size_t len = 2 + below(rng, 5), start = below(rng, n - len + 1), k = 0;
		while (k < len && is_han(cps[start + k]))
			k++;
		if (k == len)
			found = strndup(body + offsets[start], offsets[start + len] - offsets[start]);
	}
	free(offsets);
	free(cps);
	return found;
}

/* Quoted strings and filters from notes drawn with rng. */
static int sample_queries(char **paths, size_t n_paths, size_t n_strings, uint64_t seed, query_set_t *words,
                          query_set_t *strings, query_set_t *filters)
{
	uint64_t rng = seed;
	dd_error_t err;
	for (size_t tries = 0; strings->count < n_strings && tries < n_strings * 20; tries++) {
		dd_note_t *note;
		if (dd_note_load(paths[below(&rng, n_paths)], &note, &err) != DD_OK) {
			fprintf(stderr, "dd-bench-query: %s\n", err.message);
			return -1;
		}
		char *s = han_substring(note->body, note->body_len, &rng);
		dd_note_free(note);
		if (s && query_add(strings, format("\"%s\"", s), s, NULL, NULL, 1) != 0)
			return -1;
	}
	for (size_t i = 0; i < words->count; i++) {
		dd_note_t *note;
		if (dd_note_load(paths[below(&rng, n_paths)], &note, &err) != DD_OK) {
			fprintf(stderr, "dd-bench-query: %s\n", err.message);
			return -1;
		}
		const char *w = words->items[i].text;
		int ok = query_add(filters, format("%s county:%s", w, note->county), strdup(w), strdup(note->county),
		                   NULL, 0) == 0 &&
		         query_add(filters, format("%s date:%.7s", w, note->date), strdup(w), NULL,
		                   format("%.7s", note->date), 0) == 0;
		dd_note_free(note);
		if (!ok)
			return -1;
	}
	return 0;
}

/* ---- measuring ---- */

static figure_t measure(systems_t *sys, int system, const query_set_t *qs, int snippets, int rounds)
{
	figure_t f = { 0 };
	f.ran = 1;
	double *ms = calloc(qs->count * (size_t)rounds + 1, sizeof *ms);
	size_t n = 0;
	dd_error_t err;
	for (int r = -1; ms && r < rounds; r++) { /* round -1 warms up, untimed */
		/* Each round on a fresh engine: a handle remembers what the
		 * check of an exact string said (dd_query_checked), so the same
		 * strings again would be answered from memory, which no peer
		 * does.  The operating system's page cache stays warm. */
		if (system == SYS_DUNDIAN && sys->db[0]) {
			dd_engine_close(sys->engine);
			sys->engine = NULL;
			if (dd_engine_open(sys->db, &sys->engine, &err) != DD_OK) {
				fprintf(stderr, "dd-bench-query: %s\n", err.message);
				f.failed++;
				break;
			}
		}
		for (size_t i = 0; i < qs->count; i++) {
			double started = dd_bench_now_ms();
			size_t hits = 0;
			int rc = answer(sys, system, &qs->items[i], snippets, &hits, &err);
			double took = dd_bench_now_ms() - started;
			if (rc != 0) {
				if (r == 0 && f.failed++ == 0)
					fprintf(stderr, "dd-bench-query: %s: %s\n", system_name[system], err.message);
			} else if (r >= 0) {
				ms[n++] = took;
				f.hits += (double)hits;
			}
		}
	}
	f.hits = n ? f.hits / (double)n : 0;
	f.p50 = dd_eval_quantile(ms, n, 0.50);
	f.p99 = dd_eval_quantile(ms, n, 0.99);
	free(ms);
	return f;
}

/* The same rounds through one `dundian-search --batch` process: p50/p99
 * of the elapsed_ms of its JSON lines (the first round untimed), and the
 * process's CPU time per query in *cpu_ms. */
static figure_t measure_batch(const char *root, const char *search_bin, const char *db, const query_set_t *qs,
                              int snippets, int rounds, double *cpu_ms)
{
	figure_t f = { 0 };
	char in_path[4200], out_path[4200];
	snprintf(in_path, sizeof in_path, "%s/batch-queries.txt", root);
	snprintf(out_path, sizeof out_path, "%s/batch-answers.jsonl", root);
	FILE *in = fopen(in_path, "w");
	for (int r = -1; in && r < rounds; r++)
		for (size_t i = 0; i < qs->count; i++)
			fprintf(in, "%s\n", qs->items[i].dundian);
	if (!in || fclose(in) != 0)
		return f;
	char *argv[] = { (char *)search_bin,
		         "--db",
		         (char *)db,
		         "--batch",
		         in_path,
		         "--limit",
		         "10",
		         snippets ? NULL : "--no-snippets",
		         NULL };
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return f;
	*cpu_ms = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e3 +
	          ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e3;
	*cpu_ms /= (double)(qs->count * (size_t)(rounds + 1));
	char *data = NULL;
	dd_error_t err;
	if (dd_read_file(out_path, 1u << 30, &data, NULL, &err) != DD_OK)
		return f;
	double *ms = calloc(qs->count * (size_t)rounds + 1, sizeof *ms);
	size_t n = 0, line = 0;
	char *save = NULL;
	for (char *l = strtok_r(data, "\n", &save); ms && l; l = strtok_r(NULL, "\n", &save), line++) {
		cJSON *o = cJSON_Parse(l);
		const cJSON *elapsed = cJSON_GetObjectItemCaseSensitive(o, "elapsed_ms");
		if (!cJSON_IsNumber(elapsed))
			f.failed++;
		else if (line >= qs->count) {
			ms[n++] = elapsed->valuedouble;
			f.hits += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "hits"));
		}
		cJSON_Delete(o);
	}
	f.ran = 1;
	f.hits = n ? f.hits / (double)n : 0;
	f.p50 = dd_eval_quantile(ms, n, 0.50);
	f.p99 = dd_eval_quantile(ms, n, 0.99);
	free(ms);
	free(data);
	return f;
}

static void print_pair(const figure_t *f)
{
	if (f->ran)
		printf("%9.2f%9.2f", f->p50, f->p99);
	else
		printf("%8s—%8s—", "", "");
}

static void print_ratio(const figure_t *d, const figure_t *p)
{
	if (d->ran && p->ran && p->p50 > 0 && p->p99 > 0)
		printf("%8.1f×%8.1f×", d->p50 / p->p50, d->p99 / p->p99);
	else
		printf("%8s—%8s—", "", "");
}

static void systems_close(systems_t *sys)
{
	if (sys->engine)
		dd_engine_close(sys->engine);
	for (int i = 0; i < 2; i++) {
		sqlite3_finalize(sys->match[i]);
		sqlite3_finalize(sys->like[i]);
	}
	sqlite3_close(sys->fts5);
	if (sys->ngram)
		dd_db_close(sys->ngram);
	memset(sys, 0, sizeof *sys);
}

/* Builds the three indexes of notes under root and opens them. */
static int systems_build(const char *root, const char *notes, const char *index_bin, unsigned copies, systems_t *sys,
                         double build_s[N_SYSTEMS])
{
	char db[4096], fts5[4096], ngram[4096];
	snprintf(db, sizeof db, "%s/dundian-%ux", root, copies);
	snprintf(fts5, sizeof fts5, "%s/fts5-%ux.sqlite", root, copies);
	snprintf(ngram, sizeof ngram, "%s/ngram-%ux", root, copies);
	memset(sys, 0, sizeof *sys);
	char *argv[] = { (char *)index_bin, "--quiet", "--db", db, (char *)notes, NULL };
	dd_bench_cost_t cost;
	dd_error_t err;
	size_t count;
	fprintf(stderr, "dd-bench-query: %u×: building the indexes\n", copies);
	if (dd_bench_run(argv, &cost) != 0 || cost.exit_status != 0) {
		fprintf(stderr, "dd-bench-query: dundian-index failed (status %d)\n", cost.exit_status);
		return -1;
	}
	build_s[SYS_DUNDIAN] = cost.wall_s;
	double t = dd_bench_now_ms();
	if (dd_bench_fts5_build(notes, fts5, &count, &err) != DD_OK)
		goto failed;
	build_s[SYS_FTS5] = (dd_bench_now_ms() - t) / 1e3;
	t = dd_bench_now_ms();
	if (dd_bench_ngram_build(notes, ngram, &count, &err) != DD_OK)
		goto failed;
	build_s[SYS_NGRAM] = (dd_bench_now_ms() - t) / 1e3;
	snprintf(sys->db, sizeof sys->db, "%s", db);
	if (dd_engine_open(db, &sys->engine, &err) != DD_OK || dd_db_open_read(ngram, &sys->ngram, &err) != DD_OK)
		goto failed;
	if (sqlite3_open_v2(fts5, &sys->fts5, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		dd_error_set(&err, DD_ERR_INDEX, "SQLite: %s: cannot open", fts5);
		goto failed;
	}
	for (int like = 0; like < 2; like++)
		for (int snip = 0; snip < 2; snip++)
			if (sqlite3_prepare_v2(sys->fts5, fts5_sql[like][snip], -1,
			                       like ? &sys->like[snip] : &sys->match[snip], NULL) != SQLITE_OK) {
				dd_error_set(&err, DD_ERR_INDEX, "SQLite: %s", sqlite3_errmsg(sys->fts5));
				goto failed;
			}
	return 0;
failed:
	fprintf(stderr, "dd-bench-query: %s\n", err.message);
	systems_close(sys);
	return -1;
}

static int bench_size(const char *root, const char *index_bin, unsigned copies, int rounds, size_t n_strings,
                      uint64_t seed, int keep)
{
	char notes[4096], db[4096], search_bin[4200];
	snprintf(notes, sizeof notes, "%s/notes-%ux", root, copies);
	snprintf(db, sizeof db, "%s/dundian-%ux", root, copies);
	snprintf(search_bin, sizeof search_bin, "%.*s/dundian-search", (int)(strrchr(index_bin, '/') - index_bin),
	         index_bin);
	dd_error_t err;
	size_t made = 0, n_paths = 0;
	char **paths = NULL;
	query_set_t sets[N_CLASSES] = { { 0 } };
	systems_t sys = { 0 };
	double build_s[N_SYSTEMS] = { 0 };
	int failed = 0;
	fprintf(stderr, "dd-bench-query: %u×: writing the notes\n", copies);
	if (dd_scaled_corpus_make(DD_SOURCE_DIR "/corpus/notes", notes, copies, &made, &err) != DD_OK ||
	    dd_scaled_corpus_list(notes, &paths, &n_paths, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-query: %s\n", err.message);
		return 1;
	}
	if (load_words(DD_SOURCE_DIR "/bench/dev/queries.tsv", &sets[CLASS_WORDS]) != 0 ||
	    sample_queries(paths, n_paths, n_strings, seed, &sets[CLASS_WORDS], &sets[CLASS_STRINGS],
	                   &sets[CLASS_FILTERS]) != 0 ||
	    systems_build(root, notes, index_bin, copies, &sys, build_s) != 0)
		failed = 1;
	if (!failed) {
		printf("\n%u× — %zu notes; index build wall time (for orientation; dd-bench-index measures builds): "
		       "dundian %.1f s, FTS5 %.1f s, Xapian n-grams %.1f s\n",
		       copies, made, build_s[SYS_DUNDIAN], build_s[SYS_FTS5], build_s[SYS_NGRAM]);
		printf("  %-22s%-21s%18s%18s%18s%18s\n", "", "", "no snippets ms", "with snippets ms", "dundian ÷ peer",
		       "÷ peer, snippets");
		printf("  %-22s%-21s%9s%9s%9s%9s%9s%9s%9s%9s%7s\n", "queries", "system", "p50", "p99", "p50", "p99",
		       "p50", "p99", "p50", "p99", "hits");
	}
	for (int c = 0; !failed && c < N_CLASSES; c++) {
		figure_t fig[N_SYSTEMS][2];
		for (int s = 0; s < N_SYSTEMS; s++)
			for (int snip = 0; snip < 2; snip++) {
				/* the n-gram baseline has no snippets here and no filter fields */
				int na = s == SYS_NGRAM && (snip || c == CLASS_FILTERS);
				fprintf(stderr, "dd-bench-query: %u×: %s, %s%s\n", copies, class_name[c],
				        system_name[s], snip ? ", snippets" : "");
				figure_t none = { 0 };
				fig[s][snip] = none;
				if (!na)
					fig[s][snip] = measure(&sys, s, &sets[c], snip, rounds);
				failed |= fig[s][snip].failed > 0;
			}
		for (int s = 0; s < N_SYSTEMS; s++) {
			char label[64] = "";
			if (s == 0)
				snprintf(label, sizeof label, "%s (%zu)", class_name[c], sets[c].count);
			printf("  %-*s%-*s", 22 + (int)(strlen(label) - utf8_chars(label)), label,
			       21 + (int)(strlen(system_name[s]) - utf8_chars(system_name[s])), system_name[s]);
			print_pair(&fig[s][0]);
			print_pair(&fig[s][1]);
			if (s > 0) {
				print_ratio(&fig[0][0], &fig[s][0]);
				print_ratio(&fig[0][1], &fig[s][1]);
			} else {
				printf("%36s", "");
			}
			if (fig[s][0].ran)
				printf("%7.1f", fig[s][0].hits);
			else
				printf("%6s—", "");
			for (int snip = 0; snip < 2; snip++)
				if (fig[s][snip].failed)
					printf("  (%zu failed%s)", fig[s][snip].failed, snip ? ", snippets" : "");
			printf("\n");
		}
		figure_t batch[2];
		double cpu_ms[2] = { 0, 0 };
		for (int snip = 0; snip < 2; snip++) {
			fprintf(stderr, "dd-bench-query: %u×: %s, dundian-search --batch%s\n", copies, class_name[c],
			        snip ? ", snippets" : "");
			batch[snip] = measure_batch(root, search_bin, db, &sets[c], snip, rounds, &cpu_ms[snip]);
			failed |= !batch[snip].ran || batch[snip].failed > 0;
		}
		printf("  %-22s%-21s", "", "dundian --batch");
		print_pair(&batch[0]);
		print_pair(&batch[1]);
		printf("%36s%7.1f  cpu/query %.2f / %.2f ms", "", batch[0].hits, cpu_ms[0], cpu_ms[1]);
		for (int snip = 0; snip < 2; snip++)
			if (batch[snip].failed)
				printf("  (%zu failed%s)", batch[snip].failed, snip ? ", snippets" : "");
		printf("\n");
		fflush(stdout);
	}
	systems_close(&sys);
	for (int c = 0; c < N_CLASSES; c++)
		query_set_free(&sets[c]);
	dd_scaled_corpus_list_free(paths, n_paths);
	if (!keep) {
		char path[4096];
		dd_bench_remove_tree(notes);
		const char *fmts[] = { "%s/dundian-%ux", "%s/fts5-%ux.sqlite", "%s/ngram-%ux" };
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof path, fmts[i], root, copies);
			dd_bench_remove_tree(path);
		}
	}
	return failed;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dd-bench-query [--sizes 1,5,20] [--rounds N] [--strings N] [--seed S] [--keep]\n");
}

int main(int argc, char **argv)
{
	unsigned sizes[32] = { 1, 5, 20 };
	size_t n_sizes = 3;
	long rounds = 3, n_strings = 100;
	uint64_t seed = 42;
	int keep = 0;
	static const struct option options[] = { { "sizes", required_argument, NULL, 'z' },
		                                 { "rounds", required_argument, NULL, 'r' },
		                                 { "strings", required_argument, NULL, 'n' },
		                                 { "seed", required_argument, NULL, 's' },
		                                 { "keep", no_argument, NULL, 'k' },
		                                 { "help", no_argument, NULL, 'h' },
		                                 { NULL, 0, NULL, 0 } };
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "z:r:n:s:kh", options, NULL)) != -1) {
		switch (c) {
		case 'z':
			if ((n_sizes = dd_bench_parse_sizes("dd-bench-query", optarg, sizes, 32)) == 0)
				return 2;
			break;
		case 'r':
		case 'n': {
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 100000) {
				fprintf(stderr, "dd-bench-query: --%s '%s': a number from 1 to 100000\n",
				        c == 'r' ? "rounds" : "strings", optarg);
				return 2;
			}
			*(c == 'r' ? &rounds : &n_strings) = v;
			break;
		}
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || !optarg[0]) {
				fprintf(stderr, "dd-bench-query: --seed '%s': a number\n", optarg);
				return 2;
			}
			break;
		case 'k':
			keep = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	char *dir = dd_bench_program_dir(), index_bin[4200], root[2048];
	snprintf(index_bin, sizeof index_bin, "%s/dundian-index", dir ? dir : ".");
	free(dir);
	for (int b = 0; b < 2; b++) {
		char bin[4300];
		snprintf(bin, sizeof bin, "%.*s/%s", (int)(strlen(index_bin) - strlen("/dundian-index")), index_bin,
		         b ? "dundian-search" : "dundian-index");
		if (access(bin, X_OK) != 0) {
			fprintf(stderr, "dd-bench-query: %s is missing: build first (cmake --build build)\n", bin);
			return 1;
		}
	}
	snprintf(root, sizeof root, "%s/dd-bench-query-XXXXXX", dd_bench_tmpdir());
	if (!mkdtemp(root)) {
		fprintf(stderr, "dd-bench-query: cannot create a folder under %s\n", dd_bench_tmpdir());
		return 1;
	}
	printf("dd-bench-query: a page of %d results, in process, each index opened once\n", PAGE);
	dd_bench_print_machine();
	printf("%ld timed rounds after one untimed; %ld quoted strings, seed %" PRIu64 "; p50/p99 nearest rank\n",
	       rounds, n_strings, seed);
	int failed = 0;
	for (size_t i = 0; i < n_sizes; i++)
		failed |= bench_size(root, index_bin, sizes[i], (int)rounds, (size_t)n_strings, seed, keep);
	if (keep)
		printf("\nkept: %s\n", root);
	else
		dd_bench_remove_tree(root);
	return failed ? 1 : 0;
}
