/* index_scale.c - dd-bench-index: what building an index costs dundian
 * next to its peers, on the same generated notes, at several sizes, in one
 * run (issue 11).
 *
 *   dd-bench-index [--sizes 1,5,20] [--keep]
 *
 * For each size N it writes N x the bundled notes (scaled_corpus.h) under
 * $TMPDIR, then builds, each in its own child process measured by wait4:
 * dundian (the real dundian-index binary next to this program, into a
 * fresh folder), SQLite FTS5 trigram, Xapian CJK n-grams and ICU word
 * breaking alone (scale_peers.h; this program runs itself with --peer so
 * every row is a fresh process whose peak memory is its own).  Then it
 * runs dundian-index again with nothing changed and with 1% of the notes
 * changed.  It prints wall time, CPU time (user + system), peak resident
 * memory and index size per row and dundian's ratio to each peer.  Figures
 * only: nothing is asserted, the exit status only says whether every row
 * ran.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "scale_peers.h"
#include "scaled_corpus.h"

enum { PEER_FTS5, PEER_NGRAM, PEER_ICU, N_PEERS };
static const char *const peer_key[N_PEERS] = { "fts5", "ngram", "icu" };
static const char *const peer_name[N_PEERS] = { "SQLite FTS5 trigram", "Xapian CJK n-grams",
	                                        "ICU word breaking alone" };

/* One measured build: its cost and the size of what it left on disk. */
typedef struct row {
	dd_bench_cost_t cost;
	long long disk; /* bytes, -1 when it builds no index */
	int ok;
} row_t;

typedef struct size_result {
	unsigned copies;
	size_t notes;
	row_t dundian, peers[N_PEERS], unchanged, changed;
	size_t n_changed;
} size_result_t;

/* --peer NAME NOTES OUT: one peer, run as a child of the bench. */
static int run_peer(const char *name, const char *notes, const char *out)
{
	dd_error_t err;
	size_t count = 0, words = 0;
	dd_status_t s;
	if (strcmp(name, peer_key[PEER_FTS5]) == 0)
		s = dd_bench_fts5_build(notes, out, &count, &err);
	else if (strcmp(name, peer_key[PEER_NGRAM]) == 0)
		s = dd_bench_ngram_build(notes, out, &count, &err);
	else if (strcmp(name, peer_key[PEER_ICU]) == 0)
		s = dd_bench_icu_words(notes, &count, &words, &err);
	else {
		fprintf(stderr, "dd-bench-index: --peer %s: use fts5, ngram or icu\n", name);
		return 2;
	}
	if (s != DD_OK) {
		fprintf(stderr, "dd-bench-index: %s: %s\n", name, err.message);
		return 1;
	}
	return 0;
}

static row_t measure(char *const argv[], const char *index_path)
{
	row_t r = { .disk = -1 };
	if (dd_bench_run(argv, &r.cost) != 0) {
		fprintf(stderr, "dd-bench-index: cannot start %s\n", argv[0]);
		return r;
	}
	r.ok = r.cost.exit_status == 0;
	if (!r.ok)
		fprintf(stderr, "dd-bench-index: %s %s exited with status %d\n", argv[0], argv[1], r.cost.exit_status);
	if (index_path)
		r.disk = dd_bench_disk_bytes(index_path);
	return r;
}

static void print_value(double v, int ok, int width, const char *fmt)
{
	if (ok)
		printf(fmt, width, v);
	else
		printf("%*s—", width - 1, "");
}

static void print_row(const char *name, const row_t *r)
{
	printf("  %-30s", name);
	print_value(r->cost.wall_s, r->ok, 10, "%*.2f");
	print_value(r->cost.cpu_s, r->ok, 10, "%*.2f");
	print_value((double)r->cost.max_rss_kib / 1024.0, r->ok, 13, "%*.1f");
	print_value((double)r->disk / 1048576.0, r->ok && r->disk >= 0, 11, "%*.1f");
	printf("\n");
}

static void print_ratio(double a, double b, int ok, int width)
{
	if (ok && b > 0)
		printf("%*.1f×", width - 1, a / b);
	else
		printf("%*s—", width - 1, "");
}

static void print_size(const size_result_t *r, long long notes_bytes)
{
	printf("\n%u× — %zu notes, %.1f MB of note files\n", r->copies, r->notes, (double)notes_bytes / 1048576.0);
	printf("  %-30s%10s%10s%13s%11s\n", "system", "wall s", "CPU s", "peak RSS MB", "index MB");
	print_row("dundian (dundian-index)", &r->dundian);
	for (int p = 0; p < N_PEERS; p++)
		print_row(peer_name[p], &r->peers[p]);
	printf("  %-30s%10s%10s%13s%11s\n", "dundian ÷ peer", "wall", "CPU", "peak RSS", "index");
	for (int p = 0; p < N_PEERS; p++) {
		const row_t *d = &r->dundian, *q = &r->peers[p];
		int ok = d->ok && q->ok;
		printf("  ÷ %-28s", peer_name[p]);
		print_ratio(d->cost.wall_s, q->cost.wall_s, ok, 10);
		print_ratio(d->cost.cpu_s, q->cost.cpu_s, ok, 10);
		print_ratio((double)d->cost.max_rss_kib, (double)q->cost.max_rss_kib, ok, 13);
		print_ratio((double)d->disk, (double)q->disk, ok && q->disk > 0, 11);
		printf("\n");
	}
	printf("  %-30s%10s%10s%13s%11s\n", "dundian-index again", "wall s", "CPU s", "peak RSS MB", "÷ full");
	char changed[64];
	snprintf(changed, sizeof changed, "%zu notes changed (1%%)", r->n_changed);
	const row_t *again[2] = { &r->unchanged, &r->changed };
	const char *names[2] = { "nothing changed", changed };
	for (int i = 0; i < 2; i++) {
		printf("  %-30s", names[i]);
		print_value(again[i]->cost.wall_s, again[i]->ok, 10, "%*.2f");
		print_value(again[i]->cost.cpu_s, again[i]->ok, 10, "%*.2f");
		print_value((double)again[i]->cost.max_rss_kib / 1024.0, again[i]->ok, 13, "%*.1f");
		if (again[i]->ok && r->dundian.ok && r->dundian.cost.wall_s > 0)
			printf("%10.1f%%", 100.0 * again[i]->cost.wall_s / r->dundian.cost.wall_s);
		else
			printf("%10s—", "");
		printf("\n");
	}
	fflush(stdout);
}

static void print_summary(const size_result_t *r, size_t n)
{
	printf("\nSummary: dundian ÷ SQLite FTS5 trigram (1.0 = as fast / as small; above 1, dundian costs more)\n");
	printf("  %-6s%8s%10s%10s%10s%10s%12s%12s%12s\n", "size", "notes", "wall", "CPU", "peak RSS", "index",
	       "dundian s", "unchanged s", "1% changed");
	for (size_t i = 0; i < n; i++) {
		const row_t *d = &r[i].dundian, *q = &r[i].peers[PEER_FTS5];
		int ok = d->ok && q->ok;
		printf("  %4u× %8zu", r[i].copies, r[i].notes);
		print_ratio(d->cost.wall_s, q->cost.wall_s, ok, 10);
		print_ratio(d->cost.cpu_s, q->cost.cpu_s, ok, 10);
		print_ratio((double)d->cost.max_rss_kib, (double)q->cost.max_rss_kib, ok, 10);
		print_ratio((double)d->disk, (double)q->disk, ok && q->disk > 0, 10);
		print_value(d->cost.wall_s, d->ok, 12, "%*.2f");
		print_value(r[i].unchanged.cost.wall_s, r[i].unchanged.ok, 12, "%*.2f");
		print_value(r[i].changed.cost.wall_s, r[i].changed.ok, 12, "%*.2f");
		printf("\n");
	}
}

static char *path_join(const char *dir, const char *name)
{
	dd_buffer_t b = { 0 };
	dd_buffer_printf(&b, "%s/%s", dir, name);
	return dd_buffer_take(&b);
}

/* dir/fmt with fmt's %u the number of copies */
static char *path_in(const char *dir, const char *fmt, unsigned copies)
{
	dd_buffer_t b = { 0 };
	dd_buffer_printf(&b, "%s/", dir);
	dd_buffer_printf(&b, fmt, copies);
	return dd_buffer_take(&b);
}

/* One size: corpus, four builds, two incremental runs.  0 if all ran. */
static int bench_size(const char *root, const char *index_bin, const char *self, unsigned copies, size_result_t *r,
                      int keep)
{
	memset(r, 0, sizeof *r);
	r->copies = copies;
	char *notes = path_in(root, "notes-%ux", copies), *db = path_in(root, "dundian-%ux", copies);
	char *peer_out[N_PEERS] = { path_in(root, "fts5-%ux.sqlite", copies), path_in(root, "ngram-%ux", copies),
		                    strdup("-") };
	dd_error_t err;
	int failed = 0;
	fprintf(stderr, "dd-bench-index: %u×: writing the notes\n", copies);
	if (dd_scaled_corpus_make(DD_SOURCE_DIR "/corpus/notes", notes, copies, &r->notes, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-index: %s\n", err.message);
		failed = 1;
	}
	long long notes_bytes = failed ? 0 : dd_bench_disk_bytes(notes);
	char *index_argv[] = { (char *)index_bin, "--quiet", "--db", db, notes, NULL };
	if (!failed) {
		fprintf(stderr, "dd-bench-index: %u×: dundian\n", copies);
		r->dundian = measure(index_argv, db);
		for (int p = 0; p < N_PEERS; p++) {
			fprintf(stderr, "dd-bench-index: %u×: %s\n", copies, peer_name[p]);
			char *argv[] = { (char *)self, "--peer", (char *)peer_key[p], notes, peer_out[p], NULL };
			r->peers[p] = measure(argv, p == PEER_ICU ? NULL : peer_out[p]);
		}
		fprintf(stderr, "dd-bench-index: %u×: dundian again\n", copies);
		r->unchanged = measure(index_argv, db);
		if (dd_scaled_corpus_change(notes, 100, 1, &r->n_changed, &err) != DD_OK) {
			fprintf(stderr, "dd-bench-index: %s\n", err.message);
			failed = 1;
		} else {
			r->changed = measure(index_argv, db);
		}
		failed |= !r->dundian.ok || !r->unchanged.ok || !r->changed.ok;
		for (int p = 0; p < N_PEERS; p++)
			failed |= !r->peers[p].ok;
	}
	print_size(r, notes_bytes);
	if (!keep) {
		dd_bench_remove_tree(notes);
		dd_bench_remove_tree(db);
		dd_bench_remove_tree(peer_out[PEER_FTS5]);
		dd_bench_remove_tree(peer_out[PEER_NGRAM]);
	}
	free(notes);
	free(db);
	for (int p = 0; p < N_PEERS; p++)
		free(peer_out[p]);
	return failed;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dd-bench-index [--sizes 1,5,20] [--keep]\n"
	           "  --sizes LIST  copies of the bundled notes per size (1..999 each; 100 = 50,000 notes)\n"
	           "  --keep        keep the notes and indexes under $TMPDIR (the folder is printed)\n");
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--peer") == 0)
		return run_peer(argv[2], argv[3], argv[4]);
	unsigned sizes[32] = { 1, 5, 20 };
	size_t n_sizes = 3;
	int keep = 0;
	static const struct option options[] = { { "sizes", required_argument, NULL, 's' },
		                                 { "keep", no_argument, NULL, 'k' },
		                                 { "help", no_argument, NULL, 'h' },
		                                 { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "s:kh", options, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((n_sizes = dd_bench_parse_sizes("dd-bench-index", optarg, sizes, 32)) == 0)
				return 2;
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
	char *dir = dd_bench_program_dir();
	char *index_bin = dir ? path_join(dir, "dundian-index") : NULL;
	char *self = dir ? path_join(dir, "dd-bench-index") : NULL;
	if (!index_bin || !self || access(index_bin, X_OK) != 0 || access(self, X_OK) != 0) {
		fprintf(stderr, "dd-bench-index: dundian-index is not next to this program: build first "
		                "(cmake --build build)\n");
		free(dir), free(index_bin), free(self);
		return 1;
	}
	char *root = path_join(dd_bench_tmpdir(), "dd-bench-index-XXXXXX");
	if (!root || !mkdtemp(root)) {
		fprintf(stderr, "dd-bench-index: cannot create a folder under %s\n", dd_bench_tmpdir());
		free(dir), free(index_bin), free(self), free(root);
		return 1;
	}
	printf("dd-bench-index: building an index of the same notes with dundian and its peers\n");
	dd_bench_print_machine();
	printf("each row is one child process: wall time, user + system CPU time and peak resident memory from "
	       "wait4\n");
	size_result_t *results = calloc(n_sizes, sizeof *results);
	int failed = !results;
	for (size_t i = 0; results && i < n_sizes; i++)
		failed |= bench_size(root, index_bin, self, sizes[i], &results[i], keep);
	if (results)
		print_summary(results, n_sizes);
	if (keep)
		printf("\nkept: %s\n", root);
	else
		dd_bench_remove_tree(root);
	free(results);
	free(dir), free(index_bin), free(self), free(root);
	return failed ? 1 : 0;
}
