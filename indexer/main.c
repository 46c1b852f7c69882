/* dundian-index - build or update the index of a folder of field notes.
 *
 * This program finds the notes (the folder walk), shows progress and
 * prints what happened; the mirroring itself (what to add, update, remove
 * or leave alone, in one Xapian transaction) is lib/sync.h.  A bad note
 * is reported as "path: what is wrong" and skipped (its previous version,
 * if any, is kept); so is anything in the way of the walk that is not a
 * note or a folder.  The exit status says that something was rejected.
 *
 * Every file is named by its canonical path (realpath), so one folder
 * given as a relative or an absolute path, or reached through a symbolic
 * link, is the same folder; no folder is walked twice, so links cannot
 * make the walk endless or index a note twice.
 */
#define _GNU_SOURCE /* tdestroy */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "note_index.h"
#include "sync.h"
#include "xapian_wrap.h"

enum { EXIT_REJECTED = 1, EXIT_USAGE = 2, EXIT_FATAL = 3 };

typedef struct path_list {
	char **v;
	size_t n, cap;
} path_list_t;

static int push_path(path_list_t *l, const char *p)
{
	if (DD_ARRAY_RESERVE(l->v, l->n, l->cap, 1) != 0)
		return -1;
	return (l->v[l->n] = strdup(p)) ? (int)(l->n++, 0) : -1;
}

static void free_paths(path_list_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the paths (runs are repeatable, and sync.h decides in path order)
 * and drops repeats: a file given twice, or reached through a link too. */
static void sort_unique(path_list_t *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof *l->v, compare_strings);
	size_t kept = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[kept - 1]) == 0)
			free(l->v[i]);
		else
			l->v[kept++] = l->v[i];
	}
	l->n = kept;
}

static int has_note_extension(const char *name)
{
	size_t l = strlen(name);
	return (l > 3 && strcmp(name + l - 3, ".md") == 0) || (l > 4 && strcmp(name + l - 4, ".txt") == 0);
}

/* ---- the folder walk ------------------------------------------------ */

/* A folder, by what names it whatever the path: device and inode. */
typedef struct folder_id {
	dev_t dev;
	ino_t ino;
} folder_id_t;

typedef struct walk {
	path_list_t files; /* the notes of the run, canonical paths */
	void *folders;     /* folder_id_t of every folder walked */
	size_t skipped;    /* paths reported and left out */
} walk_t;

static int compare_folder_ids(const void *a, const void *b)
{
	const folder_id_t *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Records the folder; 0 when it was walked already (a link to a folder
 * seen before, or to a parent: following it again would index its notes
 * twice or never end). */
static int first_visit(walk_t *w, const struct stat *st)
{
	folder_id_t *id = malloc(sizeof *id);
	if (!id)
		return 0;
	*id = (folder_id_t){ st->st_dev, st->st_ino };
	folder_id_t **slot = tsearch(id, &w->folders, compare_folder_ids);
	if (slot && *slot == id)
		return 1;
	free(id);
	return 0;
}

static void skip(walk_t *w, const char *path, const char *why)
{
	fprintf(stderr, "%s: %s, skipped\n", path, why);
	w->skipped++;
}

/* Why stat failed on path, which lstat found: a link going nowhere. */
static const char *link_problem(int error)
{
	return error == ELOOP ? "symbolic link loop" : error == ENOENT ? "broken symbolic link" : strerror(error);
}

static void walk_folder(walk_t *w, const char *dir, const struct stat *st);

/* One entry of a folder: path is dir/name, canonical unless name is a
 * link; type is its d_type (DT_UNKNOWN when the file system does not say).  Anything that is not a note nor a folder is
 * left out; with a word when it might have been one. */
static void walk_entry(walk_t *w, const char *path, const char *name, unsigned char type)
{
	/* A regular file, as the folder listing says: no stat needed (the run
	 * looks at each note's file anyway, sync.h). */
	if (type == DT_REG) {
		if (has_note_extension(name) && push_path(&w->files, path) != 0)
			skip(w, path, "out of memory");
		return;
	}
	struct stat st;
	if (lstat(path, &st) != 0)
		return; /* gone since the folder was listed */
	int link = S_ISLNK(st.st_mode);
	if (link && stat(path, &st) != 0) {
		skip(w, path, link_problem(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode) && !has_note_extension(name))
		return;
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		/* reading a FIFO would block, a device never end */
		skip(w, path, "not a regular file");
		return;
	}
	char *canonical = link ? realpath(path, NULL) : strdup(path);
	if (!canonical) {
		skip(w, path, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode))
		walk_folder(w, canonical, &st);
	else if (push_path(&w->files, canonical) != 0)
		skip(w, path, "out of memory");
	free(canonical);
}

/* Adds the notes below dir (canonical; recursively, each folder once);
 * hidden entries are skipped. */
static void walk_folder(walk_t *w, const char *dir, const struct stat *st)
{
	if (!first_visit(w, st))
		return;
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open folder\n", dir);
		w->skipped++;
		return;
	}
	int root = strcmp(dir, "/") == 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t l = strlen(dir) + strlen(e->d_name) + 2;
		char *p = malloc(l);
		if (!p) {
			skip(w, dir, "out of memory");
			break;
		}
		snprintf(p, l, "%s%s%s", dir, root ? "" : "/", e->d_name);
		walk_entry(w, p, e->d_name, e->d_type);
		free(p);
	}
	closedir(d);
}

/* A PATH of the command line: a folder to walk or a note. */
static void walk_root(walk_t *w, const char *root)
{
	struct stat st;
	if (stat(root, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			fprintf(stderr, "%s: no such file or folder\n", root);
			w->skipped++;
		} else {
			skip(w, root, errno == ELOOP ? "symbolic link loop" : strerror(errno));
		}
		return;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		skip(w, root, "not a regular file or folder");
		return;
	}
	char *canonical = realpath(root, NULL);
	if (!canonical)
		skip(w, root, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		walk_folder(w, canonical, &st);
	else if (push_path(&w->files, canonical) != 0)
		skip(w, root, "out of memory");
	free(canonical);
}

/* ---- output ----------------------------------------------------------- */

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(size_t done, size_t total, const char *what)
{
	int width = 30, filled = total ? (int)((double)done / (double)total * width) : width;
	fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu %s", filled, "==============================", width - filled, "",
	        done, total, what);
	fflush(stderr);
}

static void on_file(size_t i, size_t n, const char *path, void *ctx)
{
	if (*(const int *)ctx)
		progress(i, n, path);
}

static void on_rejected(const char *message, void *ctx)
{
	if (*(const int *)ctx)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s\n", message);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: dundian-index [--db DIR] [--vocabulary DIR] [--shard K/N] [--jobs N] [--quiet] [PATH...]\n"
	        "  PATH        a note (.md or .txt) or a folder searched recursively for them\n"
	        "              (default: the bundled corpus, %s/corpus/notes)\n"
	        "  --db DIR    the index folder (default: $DUNDIAN_DB, else ./index)\n"
	        "  --vocabulary DIR  where dictionary.txt, thesaurus.txt and taxonomy.json are\n"
	        "              (default: %s/corpus; all three must be there)\n"
	        "  --shard K/N index only shard K of N (1 <= K <= N <= 4096): the notes whose id\n"
	        "              hashes to it (FNV-1a of the id, modulo N); see README.md\n"
	        "  --jobs N    threads, the writing one included (1 <= N <= 16; default: one per core,\n"
	        "              at most 4): N - 1 read and analyse the next notes while one writes;\n"
	        "              the index is the same whatever N\n"
	        "  --quiet     no progress bar\n"
	        "exit status: 0 all indexed, 1 some notes rejected or paths skipped, 2 usage error (or a wrong\n"
	        "vocabulary folder), 3 the index could not be updated\n",
	        DD_SOURCE_DIR, DD_SOURCE_DIR);
}

/* "K/N" with 1 <= K <= N <= 4096 into *k (from 0) and *n; -1 if not. */
static int parse_shard(const char *text, unsigned *k, unsigned *n)
{
	char *end;
	errno = 0;
	if (text[0] < '1' || text[0] > '9')
		return -1;
	unsigned long a = strtoul(text, &end, 10);
	if (errno || *end != '/' || end[1] < '1' || end[1] > '9')
		return -1;
	unsigned long b = strtoul(end + 1, &end, 10);
	if (errno || *end || a > b || b > 4096)
		return -1;
	*k = (unsigned)a - 1;
	*n = (unsigned)b;
	return 0;
}

int main(int argc, char **argv)
{
	const char *db_path = getenv("DUNDIAN_DB") ? getenv("DUNDIAN_DB") : "index";
	const char *vocabulary_dir = DD_SOURCE_DIR "/corpus";
	int quiet = 0;
	unsigned shard = 0, n_shards = 1, jobs = 0;
	static const struct option options[] = { { "db", required_argument, NULL, 'd' },
		                                 { "shard", required_argument, NULL, 's' },
		                                 { "vocabulary", required_argument, NULL, 'v' },
		                                 { "jobs", required_argument, NULL, 'j' },
		                                 { "quiet", no_argument, NULL, 'q' },
		                                 { "help", no_argument, NULL, 'h' },
		                                 { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "d:v:j:qh", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'v':
			vocabulary_dir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			if (parse_shard(optarg, &shard, &n_shards) != 0) {
				fprintf(
				    stderr,
				    "dundian-index: bad --shard '%s': give K/N, shard K of N, 1 <= K <= N <= 4096\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j': {
			char *end;
			errno = 0;
			unsigned long j = strtoul(optarg, &end, 10);
			if (optarg[0] < '1' || optarg[0] > '9' || errno || *end || j > 16) {
				fprintf(stderr, "dundian-index: bad --jobs '%s': give a number of threads, 1 to 16\n",
				        optarg);
				return EXIT_USAGE;
			}
			jobs = (unsigned)j;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	double started = now_seconds();

	/* the vocabulary first: a wrong folder must not cost a walk, nor
	 * replace the index's vocabulary with an empty one */
	dd_error_t err;
	dd_indexing_t ix;
	dd_status_t st = dd_indexing_load(&ix, vocabulary_dir, &err);
	if (st != DD_OK) {
		fprintf(stderr, "dundian-index: %s\n", err.message);
		return st == DD_ERR_NOT_FOUND || st == DD_ERR_INVALID ? EXIT_USAGE : EXIT_FATAL;
	}

	walk_t w = { 0 };
	const char *default_root = DD_SOURCE_DIR "/corpus/notes";
	int n_roots = argc - optind;
	for (int i = 0; i < (n_roots ? n_roots : 1); i++)
		walk_root(&w, n_roots ? argv[optind + i] : default_root);
	tdestroy(w.folders, free);
	sort_unique(&w.files);

	dd_db_t *db;
	if (dd_db_open_write(db_path, &db, &err) != DD_OK) {
		fprintf(stderr, "dundian-index: %s\n", err.message);
		dd_indexing_free(&ix);
		free_paths(&w.files);
		return EXIT_FATAL;
	}
	int show_progress = !quiet && isatty(STDERR_FILENO);
	dd_sync_events_t events = { on_file, on_rejected, &show_progress };
	dd_sync_counts_t done;
	int fatal = dd_sync_mirror_shard(db, &ix, shard, n_shards, jobs, (const char *const *)w.files.v, w.files.n,
	                                 &events, &done, &err) != DD_OK;
	if (show_progress)
		fprintf(stderr, "\r\033[K");
	if (fatal)
		fprintf(stderr, "dundian-index: %s; the index is left as the last run left it\n", err.message);
	size_t total = fatal ? 0 : dd_db_doc_count(db);
	dd_db_close(db);
	dd_indexing_free(&ix);
	free_paths(&w.files);
	if (fatal)
		return EXIT_FATAL;
	size_t rejected = done.rejected + w.skipped;
	char elsewhere[64] = "";
	if (n_shards > 1)
		snprintf(elsewhere, sizeof elsewhere, ", %zu in other shards", done.elsewhere);
	printf("%zu added, %zu updated, %zu removed, %zu unchanged, %zu rejected%s in %.2f s; %s holds %zu note%s\n",
	       done.added, done.updated, done.removed, done.unchanged, rejected, elsewhere, now_seconds() - started,
	       db_path, total, total == 1 ? "" : "s");
	return rejected ? EXIT_REJECTED : 0;
}
