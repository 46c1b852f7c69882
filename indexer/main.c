/* dundian-index - build or update the index of a folder of field notes.
 *
 * Each run mirrors the notes it is given into the index in one Xapian
 * transaction: new notes are added, changed ones re-indexed, notes whose
 * file is gone removed, unchanged ones left alone.  A bad note is reported
 * as "path: what is wrong" and skipped (its previous version, if any, is
 * kept); the exit status says that something was rejected.
 */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lexicon.h"
#include "note.h"
#include "note_index.h"
#include "xapian_wrap.h"

enum { EXIT_REJECTED = 1, EXIT_USAGE = 2, EXIT_FATAL = 3 };

typedef struct path_list {
	char **v;
	size_t n, cap;
} path_list_t;

static int push_path(path_list_t *l, const char *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, sizeof *v * cap);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
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

static int has_note_extension(const char *name)
{
	size_t l = strlen(name);
	return (l > 3 && strcmp(name + l - 3, ".md") == 0) || (l > 4 && strcmp(name + l - 4, ".txt") == 0);
}

/* Adds the notes below dir (recursively); hidden entries are skipped. */
static void walk(const char *dir, path_list_t *out, size_t *errors)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open folder\n", dir);
		(*errors)++;
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t l = strlen(dir) + strlen(e->d_name) + 2;
		char *p = malloc(l);
		if (!p)
			break;
		snprintf(p, l, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		struct stat st;
		if (stat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(p, out, errors);
			else if (S_ISREG(st.st_mode) && has_note_extension(e->d_name))
				push_path(out, p);
		}
		free(p);
	}
	closedir(d);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What the index held before this run, one entry per note. */
typedef struct known_note {
	char *id, *path, *hash;
	int seen; /* 1 when this run found the note again */
} known_note_t;

typedef struct known_list {
	known_note_t *v;
	size_t n, cap;
	dd_db_t *db;
} known_list_t;

static int collect_known(const char *id, void *vctx)
{
	known_list_t *k = vctx;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		known_note_t *v = realloc(k->v, sizeof *v * cap);
		if (!v)
			return 1;
		k->v = v;
		k->cap = cap;
	}
	known_note_t *n = &k->v[k->n];
	memset(n, 0, sizeof *n);
	char term[DD_TERM_MAX + 32];
	dd_schema_id_term(id, term, sizeof term);
	n->id = strdup(id);
	if (dd_db_get_value(k->db, term, DD_SLOT_PATH, &n->path, NULL) != DD_OK ||
	    dd_db_get_value(k->db, term, DD_SLOT_HASH, &n->hash, NULL) != DD_OK || !n->id) {
		free(n->id);
		free(n->path);
		free(n->hash);
		return 0;
	}
	k->n++;
	return 0;
}

static int compare_known(const void *key, const void *entry)
{
	return strcmp((const char *)key, ((const known_note_t *)entry)->id);
}

/* known.v is in id order: Xapian lists the id terms sorted bytewise, as
 * strcmp compares them. */
static known_note_t *find_known(known_list_t *k, const char *id)
{
	return k->n ? bsearch(id, k->v, k->n, sizeof *k->v, compare_known) : NULL;
}

static int compare_key_to_string(const void *key, const void *entry)
{
	return strcmp((const char *)key, *(char *const *)entry);
}

/* Position of path among this run's files (sorted), or -1. */
static long file_index(const path_list_t *files, const char *path)
{
	char **hit = files->n ? bsearch(path, files->v, files->n, sizeof *files->v, compare_key_to_string) : NULL;
	return hit ? (long)(hit - files->v) : -1;
}

/* Ids claimed so far in this run, in a search tree of run_id_t. */
typedef struct run_id {
	const char *id;
	size_t file;
} run_id_t;

static int compare_run_ids(const void *a, const void *b)
{
	return strcmp(((const run_id_t *)a)->id, ((const run_id_t *)b)->id);
}

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

static void usage(FILE *f)
{
	fprintf(f, "usage: dundian-index [--db DIR] [--vocabulary DIR] [--quiet] [PATH...]\n"
		   "  PATH        a note (.md or .txt) or a folder searched recursively for them\n"
		   "              (default: the bundled corpus, %s/corpus/notes)\n"
		   "  --db DIR    the index folder (default: $DUNDIAN_DB, else ./index)\n"
		   "  --vocabulary DIR  where dictionary.txt, thesaurus.txt and taxonomy.json are\n"
		   "              (default: %s/corpus)\n"
		   "  --quiet     no progress bar\n"
		   "exit status: 0 all indexed, 1 some notes rejected, 2 usage error, 3 the index could not be updated\n",
		DD_SOURCE_DIR, DD_SOURCE_DIR);
}

int main(int argc, char **argv)
{
	const char *db_path = getenv("DUNDIAN_DB") ? getenv("DUNDIAN_DB") : "index";
	const char *vocabulary_dir = DD_SOURCE_DIR "/corpus";
	int quiet = 0;
	static const struct option options[] = {{"db", required_argument, NULL, 'd'},
						{"vocabulary", required_argument, NULL, 'v'},
						{"quiet", no_argument, NULL, 'q'},
						{"help", no_argument, NULL, 'h'},
						{NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "d:v:qh", options, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'v': vocabulary_dir = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	double started = now_seconds();
	size_t rejected = 0;

	/* The notes of this run, sorted so runs are repeatable. */
	path_list_t files = {0};
	const char *default_root = DD_SOURCE_DIR "/corpus/notes";
	int n_roots = argc - optind;
	for (int i = 0; i < (n_roots ? n_roots : 1); i++) {
		const char *root = n_roots ? argv[optind + i] : default_root;
		struct stat st;
		if (stat(root, &st) != 0) {
			fprintf(stderr, "%s: no such file or folder\n", root);
			rejected++;
		} else if (S_ISDIR(st.st_mode)) {
			walk(root, &files, &rejected);
		} else {
			push_path(&files, root);
		}
	}
	if (files.n > 1)
		qsort(files.v, files.n, sizeof *files.v, compare_strings);

	dd_error_t err;
	dd_indexing_t ix;
	if (dd_indexing_load(&ix, vocabulary_dir, &err) != DD_OK) {
		fprintf(stderr, "dundian-index: %s\n", err.message);
		free_paths(&files);
		return EXIT_FATAL;
	}
	dd_db_t *db;
	if (dd_db_open_write(db_path, &db, &err) != DD_OK) {
		fprintf(stderr, "dundian-index: %s\n", err.message);
		dd_indexing_free(&ix);
		free_paths(&files);
		return EXIT_FATAL;
	}
	known_list_t known = {NULL, 0, 0, db};
	dd_db_foreach_term(db, DD_PREFIX_ID, collect_known, &known, NULL);

	size_t added = 0, updated = 0, removed = 0, unchanged = 0;
	int show_progress = !quiet && isatty(STDERR_FILENO);
	int fatal = dd_db_begin(db, &err) != DD_OK;
	/* ids given by this run, to catch two files claiming one id */
	char **run_ids = calloc(files.n + 1, sizeof *run_ids);
	run_id_t *run_id_entries = calloc(files.n + 1, sizeof *run_id_entries);
	void *run_id_tree = NULL;
	if (!run_ids || !run_id_entries) {
		fprintf(stderr, "dundian-index: out of memory\n");
		fatal = 1;
	}
	for (size_t i = 0; !fatal && i < files.n; i++) {
		const char *path = files.v[i];
		if (show_progress)
			progress(i, files.n, path);
		dd_note_t *note;
		if (dd_note_load(path, &note, &err) != DD_OK) {
			if (show_progress)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "%s\n", err.message);
			rejected++;
			continue;
		}
		const char *clash = NULL;
		run_id_t probe = {note->id, i};
		run_id_t *const *earlier = tfind(&probe, &run_id_tree, compare_run_ids);
		if (earlier)
			clash = files.v[(*earlier)->file];
		known_note_t *old = find_known(&known, note->id);
		struct stat st;
		/* the id belongs to a file that still exists and is not part of this run */
		if (!clash && old && strcmp(old->path, path) != 0 && stat(old->path, &st) == 0 &&
		    file_index(&files, old->path) < 0)
			clash = old->path;
		if (clash) {
			if (show_progress)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "%s: duplicate id '%s' (already used by %s)\n", path, note->id, clash);
			rejected++;
			dd_note_free(note);
			continue;
		}
		run_ids[i] = strdup(note->id);
		if (run_ids[i]) {
			run_id_entries[i] = (run_id_t){run_ids[i], i};
			tsearch(&run_id_entries[i], &run_id_tree, compare_run_ids);
		}
		uint64_t fp = dd_note_fingerprint(note, ix.vocabulary);
		char hash[32];
		snprintf(hash, sizeof hash, "%016" PRIx64, fp);
		if (old)
			old->seen = 1;
		if (old && strcmp(old->hash, hash) == 0) {
			unchanged++;
			dd_note_free(note);
			continue;
		}
		dd_doc_t *doc;
		if (dd_note_document(&ix, note, fp, &doc, &err) != DD_OK) {
			if (show_progress)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "%s\n", err.message);
			rejected++;
			if (run_ids[i])
				tdelete(&run_id_entries[i], &run_id_tree, compare_run_ids);
			free(run_ids[i]);
			run_ids[i] = NULL;
			dd_note_free(note);
			continue;
		}
		char term[DD_TERM_MAX + 32];
		dd_schema_id_term(note->id, term, sizeof term);
		if (dd_db_replace_doc(db, term, doc, &err) != DD_OK) {
			fatal = 1; /* told below, in the one line that ends the run */
		} else if (old) {
			updated++;
		} else {
			added++;
		}
		dd_doc_free(doc);
		dd_note_free(note);
	}
	if (show_progress)
		fprintf(stderr, "\r\033[K");
	/* Notes whose file is gone, or whose file now carries another id. */
	for (size_t i = 0; !fatal && i < known.n; i++) {
		known_note_t *k = &known.v[i];
		struct stat st;
		long j = file_index(&files, k->path);
		int path_in_run = j >= 0 && run_ids[j] != NULL;
		if (k->seen || (stat(k->path, &st) == 0 && !path_in_run))
			continue;
		char term[DD_TERM_MAX + 32];
		dd_schema_id_term(k->id, term, sizeof term);
		if (dd_db_delete_doc(db, term, &err) != DD_OK) {
			fprintf(stderr, "dundian-index: %s\n", err.message);
			fatal = 1;
		} else {
			removed++;
		}
	}
	if (!fatal)
		fatal = dd_db_set_metadata(db, DD_META_DICTIONARY, ix.dictionary_text, &err) != DD_OK ||
			dd_db_set_metadata(db, DD_META_THESAURUS, ix.thesaurus_text, &err) != DD_OK ||
			dd_db_set_metadata(db, DD_META_TOPICS, ix.topics_text, &err) != DD_OK ||
			dd_db_set_metadata(db, DD_META_SCHEMA, DD_SCHEMA_VERSION, &err) != DD_OK;
	if (!fatal && dd_db_commit(db, &err) != DD_OK)
		fatal = 1;
	if (fatal) {
		fprintf(stderr, "dundian-index: %s; the index is left as the last run left it\n", err.message);
		dd_db_cancel(db);
	}
	size_t total = fatal ? 0 : dd_db_doc_count(db);
	dd_db_close(db);
	dd_indexing_free(&ix);
	for (size_t i = 0; run_ids && i < files.n; i++) {
		if (run_ids[i])
			tdelete(&run_id_entries[i], &run_id_tree, compare_run_ids);
		free(run_ids[i]);
	}
	free(run_ids);
	free(run_id_entries);
	free_paths(&files);
	for (size_t i = 0; i < known.n; i++) {
		free(known.v[i].id);
		free(known.v[i].path);
		free(known.v[i].hash);
	}
	free(known.v);
	if (fatal)
		return EXIT_FATAL;
	printf("%zu added, %zu updated, %zu removed, %zu unchanged, %zu rejected in %.2f s; %s holds %zu notes\n",
	       added, updated, removed, unchanged, rejected, now_seconds() - started, db_path, total);
	return rejected ? EXIT_REJECTED : 0;
}
