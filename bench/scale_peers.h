/* scale_peers.h - what the scale benchmarks (dd-bench-index, dd-bench-query)
 * share: the peers dundian is measured against, built from the same folder
 * of notes, and the measuring of a child process.
 *
 * Each peer reads every note with dd_note_load, as dundian-index does, so
 * reading and parsing cost the same on every row:
 *   - SQLite FTS5 trigram: one table notes(title, body) with
 *     tokenize='trigram', and beside it a plain table meta(id, county, date)
 *     with the same rowids for filters (UNINDEXED columns of a trigram
 *     table give wrong answers to = and LIKE in SQLite 3.40), every note
 *     inserted in one transaction, on disk;
 *   - Xapian CJK n-grams: dd_baseline_ngram_index (omindex's way) of
 *     "title\nbody" into a Xapian database, in one transaction;
 *   - ICU word breaking alone: an ICU word BreakIterator (locale zh, opened
 *     once) over every title and body, counting words; no index.  The floor
 *     any analysis that starts with ICU pays.
 */
#ifndef DD_SCALE_PEERS_H
#define DD_SCALE_PEERS_H

#include <stddef.h>

#include "status.h"

/* Monotonic clock in milliseconds. */
double dd_bench_now_ms(void);

/* $TMPDIR, or /tmp when unset or empty. */
const char *dd_bench_tmpdir(void);

/* Prints the line every table starts with: the cores online, and that the
 * machine was shared, so ratios count, not absolute times. */
void dd_bench_print_machine(void);

/* Parses the --sizes option "1,5,20" into sizes (copies of the bundled
 * notes, each 1..999); returns how many, or 0 after a one-line message
 * naming program on stderr if spec is malformed or has more than max. */
size_t dd_bench_parse_sizes(const char *program, const char *spec, unsigned *sizes, size_t max);

/* Bytes on disk below path (a file, or a folder recursively), by st_blocks;
 * -1 if path cannot be read. */
long long dd_bench_disk_bytes(const char *path);

/* Removes path and everything below it (a benchmark's own scratch folder);
 * quietly does nothing for a missing path. */
void dd_bench_remove_tree(const char *path);

/* The folder of the running program (where dundian-index is too), with no
 * trailing slash; malloc'd, NULL if /proc/self/exe cannot be read. */
char *dd_bench_program_dir(void);

/* What one child process cost: wall time, user + system CPU time and peak
 * resident memory, from wait4's rusage. */
typedef struct dd_bench_cost {
	double wall_s, cpu_s;
	long max_rss_kib;
	int exit_status; /* the child's exit status, or 128 + signal */
} dd_bench_cost_t;

/* Runs argv[0] (a path; no shell, no PATH search) with stdout sent to
 * /dev/null and stderr inherited, waits for it and fills cost.  Returns 0
 * when it ran (whatever its exit status), -1 if it could not be started. */
int dd_bench_run(char *const argv[], dd_bench_cost_t *cost);

/* The peers, over the .md notes below notes_dir; *count gets the number
 * of notes taken.  A note that fails to load stops the build with its
 * message (the generated corpus has none). */
dd_status_t dd_bench_fts5_build(const char *notes_dir, const char *db_file, size_t *count, dd_error_t *err);
dd_status_t dd_bench_ngram_build(const char *notes_dir, const char *db_dir, size_t *count, dd_error_t *err);
dd_status_t dd_bench_icu_words(const char *notes_dir, size_t *count, size_t *words, dd_error_t *err);

#endif
