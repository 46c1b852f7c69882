/* sync.c - the mirroring plan of an indexing run and its application to
 * the index (rules in sync.h). */
#include "sync.h"

#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "schema.h"

/* ---- the plan ------------------------------------------------------ */

/* An id claimed by a file of the run: a known note's id (known >= 0, id
 * borrowed from it, the claim in claimed_by), or a new id (copied, the
 * claim in the search tree of claims). */
typedef struct claim {
	char *id;
	size_t file;
	long known;
} claim_t;

struct dd_sync {
	const dd_sync_known_t *known;
	size_t n_known;
	const char *const *paths;
	size_t n_paths;
	unsigned char *seen;     /* per known note: a file of the run claimed its id */
	size_t *claimed_by;      /* per known note: 1 + the file claiming its id now, or 0 */
	claim_t *claims;         /* per file: the id it claimed (id NULL: none) */
	unsigned char *action;   /* per file: its dd_sync_action_t */
	void *claim_tree;        /* the claims with an id, by id */
	dd_sync_counts_t counts; /* removed is counted by dd_sync_counts */
};

static int compare_claims(const void *a, const void *b)
{
	return strcmp(((const claim_t *)a)->id, ((const claim_t *)b)->id);
}

static int compare_known_id(const void *key, const void *entry)
{
	return strcmp((const char *)key, ((const dd_sync_known_t *)entry)->id);
}

static int compare_path(const void *key, const void *entry)
{
	return strcmp((const char *)key, *(const char *const *)entry);
}

/* The known note of id, or -1. */
static long find_known(const dd_sync_t *s, const char *id)
{
	const dd_sync_known_t *k =
	    s->n_known ? bsearch(id, s->known, s->n_known, sizeof *s->known, compare_known_id) : NULL;
	return k ? (long)(k - s->known) : -1;
}

/* The file of the run at path, or -1. */
static long find_file(const dd_sync_t *s, const char *path)
{
	const char *const *p = s->n_paths ? bsearch(path, s->paths, s->n_paths, sizeof *s->paths, compare_path) : NULL;
	return p ? (long)(p - s->paths) : -1;
}

dd_status_t dd_sync_new(const dd_sync_known_t *known, size_t n_known, const char *const *paths, size_t n_paths,
                        dd_sync_t **out, dd_error_t *err)
{
	*out = NULL;
	/* the lookups are binary searches: check the order they rely on */
	for (size_t i = 1; i < n_known; i++)
		if (strcmp(known[i - 1].id, known[i].id) >= 0)
			return dd_error_set(err, DD_ERR_INVALID, "the index's notes are not in id order at '%s'",
			                    known[i].id);
	for (size_t i = 1; i < n_paths; i++)
		if (strcmp(paths[i - 1], paths[i]) >= 0)
			return dd_error_set(err, DD_ERR_INVALID, "the files of the run are not in path order at %s",
			                    paths[i]);
	dd_sync_t *s = calloc(1, sizeof *s);
	if (s) {
		s->seen = calloc(n_known + 1, 1);
		s->claimed_by = calloc(n_known + 1, sizeof *s->claimed_by);
		s->claims = calloc(n_paths + 1, sizeof *s->claims);
		s->action = calloc(n_paths + 1, 1);
	}
	if (!s || !s->seen || !s->claimed_by || !s->claims || !s->action) {
		dd_sync_free(s);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	s->known = known;
	s->n_known = n_known;
	s->paths = paths;
	s->n_paths = n_paths;
	for (size_t i = 0; i < n_paths; i++)
		s->action[i] = DD_SYNC_REJECTED; /* until decided */
	*out = s;
	return DD_OK;
}

/* Gives back the id file claimed, if any. */
static void release_claim(dd_sync_t *s, size_t file)
{
	claim_t *c = &s->claims[file];
	if (!c->id)
		return;
	if (c->known >= 0) {
		s->claimed_by[c->known] = 0;
	} else {
		tdelete(c, &s->claim_tree, compare_claims);
		free(c->id);
	}
	c->id = NULL;
}

void dd_sync_free(dd_sync_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->claims && i < s->n_paths; i++)
		release_claim(s, i);
	free(s->seen);
	free(s->claimed_by);
	free(s->claims);
	free(s->action);
	free(s);
}

/* Who holds id, when file may not claim it: an earlier file of the run,
 * or the index's note of id when its file is another one, still on disk
 * and not part of the run.  NULL when file may claim it. */
static const char *holder_of(const dd_sync_t *s, size_t file, const char *id, long k)
{
	if (k < 0) {
		claim_t probe = { (char *)id, file, -1 };
		claim_t *const *earlier = tfind(&probe, &s->claim_tree, compare_claims);
		return earlier ? s->paths[(*earlier)->file] : NULL;
	}
	if (s->claimed_by[k])
		return s->paths[s->claimed_by[k] - 1];
	const dd_sync_known_t *old = &s->known[k];
	if (strcmp(old->path, s->paths[file]) != 0 && old->exists && find_file(s, old->path) < 0)
		return old->path;
	return NULL;
}

/* dd_sync_decide for an id (not NULL) that is known note k's (-1: none). */
static dd_status_t decide(dd_sync_t *s, size_t file, const char *id, long k, const char *fingerprint,
                          dd_sync_decision_t *out, dd_error_t *err)
{
	*out = (dd_sync_decision_t){ DD_SYNC_REJECTED, -1, NULL };
	const char *holder = holder_of(s, file, id, k);
	if (holder) {
		out->action = DD_SYNC_DUPLICATE;
		out->holder = holder;
		s->action[file] = DD_SYNC_DUPLICATE;
		s->counts.rejected++;
		return DD_OK;
	}
	claim_t *c = &s->claims[file];
	c->file = file;
	c->known = k;
	if (k >= 0) {
		c->id = (char *)s->known[k].id;
		s->claimed_by[k] = file + 1;
	} else if (!(c->id = strdup(id))) {
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	} else if (!tsearch(c, &s->claim_tree, compare_claims)) {
		free(c->id);
		c->id = NULL;
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	dd_sync_action_t action = DD_SYNC_ADD;
	if (k >= 0) {
		s->seen[k] = 1;
		action = strcmp(s->known[k].fingerprint, fingerprint) == 0 ? DD_SYNC_UNCHANGED : DD_SYNC_UPDATE;
	}
	if (action == DD_SYNC_ADD)
		s->counts.added++;
	else if (action == DD_SYNC_UPDATE)
		s->counts.updated++;
	else
		s->counts.unchanged++;
	s->action[file] = (unsigned char)action;
	*out = (dd_sync_decision_t){ action, k, NULL };
	return DD_OK;
}

dd_status_t dd_sync_decide(dd_sync_t *s, size_t file, const char *id, const char *fingerprint, dd_sync_decision_t *out,
                           dd_error_t *err)
{
	*out = (dd_sync_decision_t){ DD_SYNC_REJECTED, -1, NULL };
	if (file >= s->n_paths)
		return dd_error_set(err, DD_ERR_INVALID, "file %zu is not one of the run's %zu", file, s->n_paths);
	if (!id) {
		s->counts.rejected++;
		return DD_OK;
	}
	return decide(s, file, id, find_known(s, id), fingerprint, out, err);
}

void dd_sync_withdraw(dd_sync_t *s, size_t file)
{
	if (file >= s->n_paths)
		return;
	dd_sync_action_t action = s->action[file];
	if (action != DD_SYNC_ADD && action != DD_SYNC_UPDATE)
		return;
	if (action == DD_SYNC_ADD)
		s->counts.added--;
	else
		s->counts.updated--;
	s->counts.rejected++;
	s->action[file] = DD_SYNC_REJECTED;
	/* the known note stays seen: its previous version is kept */
	release_claim(s, file);
}

void dd_sync_elsewhere(dd_sync_t *s, size_t file)
{
	if (file >= s->n_paths || s->action[file] == DD_SYNC_ELSEWHERE)
		return;
	s->action[file] = DD_SYNC_ELSEWHERE;
	s->counts.elsewhere++;
}

int dd_sync_removes(const dd_sync_t *s, size_t k)
{
	if (k >= s->n_known || s->seen[k])
		return 0;
	if (!s->known[k].exists)
		return 1;
	long file = find_file(s, s->known[k].path);
	return file >= 0 && (s->claims[file].id != NULL || s->action[file] == DD_SYNC_ELSEWHERE);
}

unsigned dd_sync_shard_of(const char *id, unsigned n_shards)
{
	if (n_shards < 2)
		return 0;
	uint64_t h = 14695981039346656037u; /* FNV-1a, 64 bits */
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 1099511628211u;
	}
	return (unsigned)(h % n_shards);
}

dd_sync_counts_t dd_sync_counts(const dd_sync_t *s)
{
	dd_sync_counts_t c = s->counts;
	for (size_t k = 0; k < s->n_known; k++)
		c.removed += (size_t)dd_sync_removes(s, k);
	return c;
}

/* ---- the application ------------------------------------------------ */

/* The notes of the index before the run, in id-term order, with the
 * file signature stored for each (see file_signature; "" when none) and
 * their order by path (by_path: indexes into v), to find a file's note
 * without reading the file. */
typedef struct known_list {
	dd_sync_known_t *v;
	const char **signature;
	size_t *by_path;
	size_t n, cap, signature_cap, n_by_path;
	/* the block the strings of v and signature live in, as listing the
	 * index's notes left it (not copied: listing them is most of a run
	 * that changes nothing) */
	char *text;
	char **canonical; /* paths check_known_files put in place of stored ones */
	size_t n_canonical, canonical_cap;
	dd_status_t status; /* DD_ERR_NOMEM when collecting ran out */
} known_list_t;

static void free_known(known_list_t *k)
{
	for (size_t i = 0; i < k->n_canonical; i++)
		free(k->canonical[i]);
	free(k->text);
	free(k->canonical);
	free(k->v);
	free(k->signature);
	free(k->by_path);
	*k = (known_list_t){ .status = DD_OK };
}

/* One note of the index, by its id term: its path, fingerprint and file
 * signature (values, in the order of known_slots). */
static const unsigned known_slots[3] = { DD_SLOT_PATH, DD_SLOT_HASH, DD_SLOT_FILE };

static int collect_known(const char *id_term, const char *const *values, void *vctx)
{
	known_list_t *k = vctx;
	/* a document without them is not a note this indexer wrote: the run
	 * treats its id as new (and replaces the document if a note claims it) */
	if (!values[0][0] || !values[1][0])
		return 0;
	if (DD_ARRAY_RESERVE(k->v, k->n, k->cap, 1) != 0 ||
	    DD_ARRAY_RESERVE(k->signature, k->n, k->signature_cap, 1) != 0) {
		k->status = DD_ERR_NOMEM;
		return 1;
	}
	/* The key is the whole id term, which for a very long id is a hash of
	 * it, and the same term is asked of each note of the run (the strings
	 * are kept: known_list_t's text). */
	k->v[k->n] = (dd_sync_known_t){ id_term, values[0], values[1], 0 };
	k->signature[k->n++] = values[2];
	return 0;
}

static const known_list_t *sorting_known; /* qsort has no context argument */

static int compare_known_paths(const void *a, const void *b)
{
	return strcmp(sorting_known->v[*(const size_t *)a].path, sorting_known->v[*(const size_t *)b].path);
}

/* Orders the first n known notes (this shard's) by path, after
 * check_known_files settled them; known_at_path looks among them only. */
static dd_status_t sort_known_by_path(known_list_t *k, size_t n, dd_error_t *err)
{
	if (!(k->by_path = malloc((n + 1) * sizeof *k->by_path)))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		k->by_path[i] = i;
	k->n_by_path = n;
	sorting_known = k;
	qsort(k->by_path, n, sizeof *k->by_path, compare_known_paths);
	sorting_known = NULL;
	return DD_OK;
}

/* The known note whose file is path, or -1 (the first when several are). */
static long known_at_path(const known_list_t *k, const char *path)
{
	size_t lo = 0, hi = k->n_by_path;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(k->v[k->by_path[mid]].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->n_by_path && strcmp(k->v[k->by_path[lo]].path, path) == 0 ? (long)k->by_path[lo] : -1;
}

/* How long before the run's reading a file must have last changed for its
 * signature to be trusted: file times have a coarse grain (a clock tick),
 * so a file rewritten with the same size just after it was read could
 * keep its times; one written this recently is read again next run. */
#define SETTLED_SECONDS 2

/* The file's signature: what identifies this version of the file without
 * reading it (size, modification and change times, inode), with the
 * vocabulary and the schema version, which a note's document depends on
 * too (versions: their hash in hex, from signature_versions).  "" when the
 * file changed too recently to be trusted.  buf holds at least 160
 * bytes. */
static void file_signature(const struct stat *st, const struct timespec *now, const char *versions, char *buf)
{
	buf[0] = '\0';
	if (now->tv_sec - st->st_ctim.tv_sec < SETTLED_SECONDS || now->tv_sec - st->st_mtim.tv_sec < SETTLED_SECONDS)
		return;
	snprintf(buf, 160, "%.16s %lld %lld.%09ld %lld.%09ld %llu", versions, (long long)st->st_size,
	         (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
	         (long)st->st_ctim.tv_nsec, (unsigned long long)st->st_ino);
}

/* The first part of every signature of a run: the vocabulary and schema
 * version's hash, 16 hex digits. */
static void signature_versions(uint64_t vocabulary, char out[17])
{
	uint64_t v = dd_hash_bytes(vocabulary, DD_SCHEMA_VERSION, strlen(DD_SCHEMA_VERSION));
	snprintf(out, 17, "%016" PRIx64, v);
}

/* Is path among the run's paths (sorted)? */
static int in_run(const char *const *paths, size_t n, const char *path)
{
	return n && bsearch(path, paths, n, sizeof *paths, compare_path) != NULL;
}

/* Whether each known note's file is still there, and its path in canonical
 * form: an index written by an older dundian may hold a relative or
 * otherwise spelled path to a file of this run.  stat and realpath are
 * only asked of files outside the run. */
static void check_known_files(known_list_t *k, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < k->n; i++) {
		dd_sync_known_t *note = &k->v[i];
		struct stat st;
		if (in_run(paths, n, note->path)) {
			note->exists = 1; /* the walk of the run has just seen it */
			continue;
		}
		note->exists = stat(note->path, &st) == 0;
		if (!note->exists)
			continue;
		char *canonical = realpath(note->path, NULL);
		if (!canonical)
			continue; /* vanished meanwhile, or unreadable: keep its path */
		if (strcmp(canonical, note->path) == 0 ||
		    DD_ARRAY_RESERVE(k->canonical, k->n_canonical, k->canonical_cap, 1) != 0) {
			free(canonical); /* (out of memory: keep its path) */
			continue;
		}
		k->canonical[k->n_canonical++] = canonical;
		note->path = canonical;
	}
}

static void tell_rejected(const dd_sync_events_t *ev, const char *line)
{
	if (ev && ev->rejected)
		ev->rejected(line, ev->ctx);
}

/* Decides file i, the file of known note k whose stored signature is the
 * file's (signed_same), UNCHANGED without reading it, unless an earlier
 * file of the run claimed the note's id; 1 when it did. */
static int unchanged_by_signature(dd_sync_t *plan, const known_list_t *known, long k, size_t i, dd_error_t *err,
                                  dd_status_t *st)
{
	if (holder_of(plan, i, known->v[k].id, k) != NULL)
		return 0;
	dd_sync_decision_t d;
	*st = decide(plan, i, known->v[k].id, k, known->v[k].fingerprint, &d, err);
	return 1;
}

/* ---- a file in three steps: looked at, analysed, written ------------- */

/* What a stat tells of a file of the run, for every file before any is
 * read (look_at_files): a file whose signature is the one stored with its
 * note is not read at all, so a run that changes nothing reads nothing and
 * starts no thread.  Any other file is stat'ed again just before it is
 * read, and that signature is the one stored: a file written just before
 * the run is signed if it has settled by the time it is read, as it would
 * be in a run without this first look. */
typedef struct looked {
	long k_path;     /* the known note whose file this is, or -1 */
	int signed_same; /* k_path's stored signature is this file's */
} looked_t;

/* What reading and analysing a file found: everything the run needs of it
 * that depends neither on the plan (the earlier files' decisions) nor on
 * the index being written, so it can be made on another thread ahead of
 * the writes (analyse_file), then decided and written in file order
 * (write_file).  The document is built whenever the decision can be ADD
 * or UPDATE: unless the index holds the note's id with its fingerprint. */
typedef struct analysed {
	char signature[160]; /* file_signature just before reading ("" when none) */
	int rejected;        /* the note could not be read: error says why */
	int elsewhere;       /* the note belongs to another shard */
	dd_note_t *note;     /* otherwise the note */
	char term[DD_TERM_MAX + 32], hash[32];
	uint64_t fingerprint; /* of note; hash in hex */
	dd_doc_t *doc;        /* its document, when it may be written */
	int counted;          /* doc's words are in its analyser's spelling count */
	int doc_failed;       /* building it failed: error says why */
	dd_error_t error;
} analysed_t;

/* What analysing reads and never changes during the writes. */
typedef struct run_view {
	const known_list_t *known;
	size_t ours; /* known->v[0..ours): this shard's notes, in id order */
	unsigned shard[2];
	const char *const *paths;
	const looked_t *looked; /* per file */
	char versions[17];      /* signature_versions */
	/* A run rebuilding the index aside (rebuild_aside): the index before
	 * the run, which the notes the run leaves as they are are copied from,
	 * and per known note whether the new index holds its id yet; NULL
	 * when the run writes in place. */
	dd_db_t *copy_from;
	unsigned char *held;
} run_view_t;

static void analysed_clear(analysed_t *a)
{
	dd_note_free(a->note);
	dd_doc_free(a->doc);
	a->note = NULL;
	a->doc = NULL;
	a->counted = 0;
}

/* The known note of this shard whose id term is term, or -1. */
static long known_by_id(const run_view_t *view, const char *term)
{
	const dd_sync_known_t *k =
	    view->ours ? bsearch(term, view->known->v, view->ours, sizeof *view->known->v, compare_known_id) : NULL;
	return k ? (long)(k - view->known->v) : -1;
}

/* A file's signature as the first look at the run's files found it. */
typedef struct signature {
	char text[160]; /* file_signature ("" when none) */
} signature_t;

/* Stats every file of the run, into signatures[0..n). */
static void sign_files(const char *const *paths, size_t n, const char *versions, signature_t *signatures)
{
	struct timespec now;
	int have_now = clock_gettime(CLOCK_REALTIME, &now) == 0;
	/* stat by name in the file's folder: the run's files come folder by
	 * folder (sorted paths), and the kernel then walks only the name */
	int dir_fd = -1;
	size_t dir_len = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st_file;
		const char *slash = strrchr(paths[i], '/');
		size_t len = slash ? (size_t)(slash - paths[i]) : 0;
		if (slash && len && (dir_fd < 0 || len != dir_len || strncmp(paths[i], paths[i - 1], len) != 0)) {
			char dir[4096];
			if (dir_fd >= 0)
				close(dir_fd);
			dir_fd = -1;
			if (len < sizeof dir) {
				memcpy(dir, paths[i], len);
				dir[len] = '\0';
				dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				dir_len = len;
			}
		}
		int stated = dir_fd >= 0 && slash && len == dir_len ? fstatat(dir_fd, slash + 1, &st_file, 0)
		                                                    : stat(paths[i], &st_file);
		signatures[i].text[0] = '\0';
		if (stated == 0 && have_now)
			file_signature(&st_file, &now, versions, signatures[i].text);
	}
	if (dir_fd >= 0)
		close(dir_fd);
}

/* The first look at the run's files (sign_files), on a thread of its own
 * while the calling thread lists the index's notes: a run that changes
 * nothing is mostly these two, and neither needs the other.  The files
 * are taken a chunk at a time, so the calling thread, done with the
 * index, looks at what is left alongside (signing_finish). */
typedef struct signing {
	const char *const *paths;
	size_t n;
	char versions[17]; /* signature_versions */
	signature_t *signatures;
	pthread_mutex_t lock;
	size_t next; /* the first file no thread took yet (under lock) */
	pthread_t thread;
	int threaded; /* thread runs sign_some */
	int finished;
} signing_t;

/* Signs chunks of files until none is left. */
static void sign_some(signing_t *sg)
{
	enum { CHUNK = 256 };
	for (;;) {
		pthread_mutex_lock(&sg->lock);
		size_t from = sg->next, to = from + CHUNK < sg->n ? from + CHUNK : sg->n;
		sg->next = to;
		pthread_mutex_unlock(&sg->lock);
		if (from >= to)
			return;
		sign_files(sg->paths + from, to - from, sg->versions, sg->signatures + from);
	}
}

static void *signing_main(void *arg)
{
	sign_some(arg);
	return NULL;
}

/* Starts the first look at paths[0..n): on a thread when threaded and
 * one can be had.  DD_ERR_NOMEM. */
static dd_status_t signing_start(signing_t *sg, const char *const *paths, size_t n, uint64_t vocabulary, int threaded,
                                 dd_error_t *err)
{
	*sg = (signing_t){ .paths = paths, .n = n };
	signature_versions(vocabulary, sg->versions);
	if (!(sg->signatures = malloc((n + 1) * sizeof *sg->signatures)))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&sg->lock, NULL);
	sg->threaded = threaded && pthread_create(&sg->thread, NULL, signing_main, sg) == 0;
	return DD_OK;
}

/* The signatures, once the first look is over: this thread signs what
 * is left, then waits for the other. */
static const signature_t *signing_finish(signing_t *sg)
{
	if (!sg->finished) {
		sign_some(sg);
		if (sg->threaded)
			pthread_join(sg->thread, NULL);
		sg->finished = 1;
	}
	return sg->signatures;
}

/* Ends the first look (unless signing_start failed) and frees it. */
static void signing_free(signing_t *sg)
{
	if (!sg->signatures)
		return;
	if (sg->threaded && !sg->finished) {
		/* no file is left to take: the thread ends after its chunk */
		pthread_mutex_lock(&sg->lock);
		sg->next = sg->n;
		pthread_mutex_unlock(&sg->lock);
		pthread_join(sg->thread, NULL);
	}
	pthread_mutex_destroy(&sg->lock);
	free(sg->signatures);
	sg->signatures = NULL;
}

/* Decides from the first look (signatures) which files are signed_same.
 * *n_to_read gets how many files are not.  DD_ERR_NOMEM. */
static dd_status_t look_at_files(const known_list_t *known, const char *const *paths, size_t n,
                                 const signature_t *signatures, looked_t **out, size_t *n_to_read, dd_error_t *err)
{
	looked_t *looked = calloc(n + 1, sizeof *looked);
	if (!looked)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	*n_to_read = 0;
	for (size_t i = 0; i < n; i++) {
		const char *signature = signatures[i].text;
		looked_t *l = &looked[i];
		l->k_path = known_at_path(known, paths[i]);
		l->signed_same = l->k_path >= 0 && signature[0] && strcmp(known->signature[l->k_path], signature) == 0;
		*n_to_read += !l->signed_same;
	}
	*out = looked;
	return DD_OK;
}

/* Reads and analyses file i into *a (cleared first) with ix, whose
 * tokenizer only the calling thread uses.  Never fails: what goes wrong is
 * kept in *a for write_file to tell. */
static void analyse_file(const run_view_t *view, dd_indexing_t *ix, size_t i, analysed_t *a)
{
	analysed_clear(a);
	a->rejected = a->elsewhere = a->doc_failed = 0;
	/* stat before reading: a file changed meanwhile keeps a signature
	 * that is not its own, and is read again next run */
	a->signature[0] = '\0';
	struct stat st_file;
	struct timespec now;
	if (stat(view->paths[i], &st_file) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0)
		file_signature(&st_file, &now, view->versions, a->signature);
	const char *signature = a->signature;
	if (dd_note_load(view->paths[i], &a->note, &a->error) != DD_OK) {
		a->note = NULL;
		a->rejected = 1;
		return;
	}
	if (dd_sync_shard_of(a->note->id, view->shard[1]) != view->shard[0]) {
		a->elsewhere = 1;
		analysed_clear(a);
		return;
	}
	dd_schema_id_term(a->note->id, a->term, sizeof a->term);
	a->fingerprint = dd_note_fingerprint(a->note, ix->vocabulary);
	snprintf(a->hash, sizeof a->hash, "%016" PRIx64, a->fingerprint);
	long k = known_by_id(view, a->term);
	if (k >= 0 && strcmp(view->known->v[k].fingerprint, a->hash) == 0)
		return; /* UNCHANGED, or a DUPLICATE: no document either way */
	if (dd_note_document(ix, a->note, a->fingerprint, &a->doc, &a->error) != DD_OK ||
	    dd_doc_set_value(a->doc, DD_SLOT_FILE, signature, strlen(signature), &a->error) != DD_OK) {
		dd_doc_free(a->doc);
		a->doc = NULL;
		a->doc_failed = 1;
	}
}

/* A run rebuilding the index aside keeps known note k as the index held
 * it: copied into db, the new index, with the signature of its file when
 * not NULL (a file signed anew).  DD_ERR_INDEX, DD_ERR_NOMEM. */
static dd_status_t copy_known(const run_view_t *view, dd_db_t *db, dd_spelling_t *spelling, long k,
                              const char *signature, dd_error_t *err)
{
	view->held[k] = 1;
	return dd_db_copy_doc(db, view->copy_from, view->known->v[k].id, DD_SLOT_FILE, signature, spelling, err);
}

/* Decides and writes file i, not signed_same, from its analysis *a, on the
 * thread that owns db (ix: that thread's).  A note that cannot be read or
 * made into a document (even for want of memory: it may be a huge file)
 * is rejected; only a failure of the index or of the plan ends the run. */
static dd_status_t write_analysed(dd_sync_t *plan, const run_view_t *view, dd_db_t *db, dd_indexing_t *ix,
                                  dd_spelling_t *spelling, size_t i, analysed_t *a, const dd_sync_events_t *ev,
                                  int *wrote, dd_error_t *err)
{
	const char *path = view->paths[i], *signature = a->signature;
	dd_sync_decision_t d;
	if (a->rejected) {
		tell_rejected(ev, a->error.message);
		return dd_sync_decide(plan, i, NULL, NULL, &d, err);
	}
	if (a->elsewhere) {
		dd_sync_elsewhere(plan, i);
		return DD_OK;
	}
	dd_status_t st = dd_sync_decide(plan, i, a->term, a->hash, &d, err);
	if (st == DD_OK && d.action == DD_SYNC_DUPLICATE) {
		char line[8192];
		snprintf(line, sizeof line, "%s: duplicate id '%s' (already used by %s)", path, a->note->id, d.holder);
		tell_rejected(ev, line);
	}
	int signed_anew = st == DD_OK && d.action == DD_SYNC_UNCHANGED && signature[0] &&
	                  strcmp(view->known->signature[d.known], signature) != 0;
	if (st == DD_OK && d.action == DD_SYNC_UNCHANGED && view->copy_from) {
		*wrote = 1;
		st = copy_known(view, db, spelling, d.known, signed_anew ? signature : NULL, err);
	} else if (signed_anew) {
		/* the same note, but a file not yet signed as it is now (new, or
		 * touched): sign it, so the next run need not read it */
		dd_error_t db_err;
		if ((st = dd_db_set_doc_value(db, a->term, DD_SLOT_FILE, signature, &db_err)) != DD_OK)
			dd_error_set(err, st, "%s: %s", path, db_err.message);
		*wrote = 1;
	}
	if (st != DD_OK || (d.action != DD_SYNC_ADD && d.action != DD_SYNC_UPDATE)) {
		/* counted by its analyser, but not stored */
		if (st == DD_OK && a->counted)
			st = dd_spelling_uncount_doc(spelling, a->doc, err);
		return st;
	}
	if (!a->doc && !a->doc_failed) /* not foreseen by analyse_file: cannot happen, but stay correct */
		analyse_file(view, ix, i, a);
	if (!a->doc) {
		tell_rejected(ev, a->error.message);
		dd_sync_withdraw(plan, i);
		return DD_OK;
	}
	*wrote = 1;
	/* the spelling data: the words of the version replaced out, the new in */
	dd_error_t db_err;
	if ((view->copy_from || (st = dd_spelling_uncount_indexed(spelling, db, a->term, err)) == DD_OK) &&
	    (a->counted || (st = dd_spelling_count_doc(spelling, a->doc, err)) == DD_OK) &&
	    (st = dd_db_replace_doc(db, a->term, a->doc, &db_err)) != DD_OK)
		dd_error_set(err, st, "%s: %s", path, db_err.message);
	if (st == DD_OK && view->held && d.known >= 0)
		view->held[d.known] = 1;
	return st;
}

/* Decides a signed_same file i: UNCHANGED without reading it, unless an
 * earlier file of the run claimed its note's id; then it is read and
 * analysed here after all (ix: this thread's). */
static dd_status_t write_signed(dd_sync_t *plan, const run_view_t *view, dd_db_t *db, dd_indexing_t *ix,
                                dd_spelling_t *spelling, size_t i, const dd_sync_events_t *ev, int *wrote,
                                dd_error_t *err)
{
	dd_status_t st;
	const looked_t *l = &view->looked[i];
	if (unchanged_by_signature(plan, view->known, l->k_path, i, err, &st)) {
		if (st == DD_OK && view->copy_from) {
			*wrote = 1;
			st = copy_known(view, db, spelling, l->k_path, NULL, err);
		}
		return st;
	}
	analysed_t a = { 0 };
	analyse_file(view, ix, i, &a);
	st = write_analysed(plan, view, db, ix, spelling, i, &a, ev, wrote, err);
	analysed_clear(&a);
	return st;
}

/* ---- the pipeline: analysing threads ahead of the writing one -------- */

/* The files to read (to_read[0..n), in file order) are analysed by
 * `analysers` threads while the calling thread, the only one that touches
 * the index, decides and writes every file in order, so a run writes the
 * same documents and tells the same rejections in the same order as with
 * no thread at all.  Analyses wait in a ring of `depth` slots: the t-th
 * file to read in slots[t % depth], taken by an analyser only when the
 * (t - depth)-th has been written (bounded memory).  Each analyser has its
 * own tokenizer (ICU break iterator); the lexicon, tagger and the run's
 * view are only read.  A document is made by an analyser, then used by the
 * writer alone, then freed by the analyser that takes its slot next
 * (freeing is work too): a Xapian object is never used by two threads at
 * once, and the ring's lock orders each hand-over. */
typedef struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t filled_cond; /* a slot was filled: the writer waits */
	pthread_cond_t room_cond;   /* a slot was written, or stop: analysers wait */
	analysed_t *slots;
	unsigned char *filled; /* per slot: its analysis is done */
	size_t depth;
	size_t next;    /* the next file to read that an analyser takes */
	size_t written; /* files to read that the writer is done with */
	int stop;
	/* read only while the threads run */
	const run_view_t *view;
	const size_t *to_read;
	size_t n;
} pipeline_t;

typedef struct analyser {
	pipeline_t *pipe;
	dd_indexing_t ix; /* the run's, with a tokenizer of its own */
	pthread_t thread;
	/* the words of the documents it made (analysed_t's counted), added to
	 * the run's count when it stops: counting is off the writing thread */
	dd_spelling_t *spelling;
	int spelling_failed; /* out of memory while counting */
} analyser_t;

static void *analyser_main(void *arg)
{
	analyser_t *an = arg;
	pipeline_t *p = an->pipe;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->next < p->n && p->next >= p->written + p->depth)
			pthread_cond_wait(&p->room_cond, &p->lock);
		if (p->stop || p->next >= p->n)
			break;
		size_t t = p->next++;
		pthread_mutex_unlock(&p->lock);
		/* the slot is this thread's alone until it is marked filled */
		analysed_t *a = &p->slots[t % p->depth];
		analyse_file(p->view, &an->ix, p->to_read[t], a);
		if (a->doc && an->spelling && !an->spelling_failed) {
			if (dd_spelling_count_doc(an->spelling, a->doc, NULL) == DD_OK)
				a->counted = 1;
			else
				an->spelling_failed = 1; /* counted in part: the run fails */
		}
		pthread_mutex_lock(&p->lock);
		p->filled[t % p->depth] = 1;
		pthread_cond_signal(&p->filled_cond);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* How many threads work when the caller leaves it to the run: one per
 * core, at most 4 (the writer is the slower half, so more analysers than
 * that wait). */
static unsigned default_jobs(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores < 1 ? 1 : cores > 4 ? 4 : (unsigned)cores;
}

/* Starts up to `wanted` analysers (fewer when a tokenizer or a thread
 * cannot be had: with none, the run analyses on the writing thread);
 * their number in *started. */
static void pipeline_start(pipeline_t *p, analyser_t *an, unsigned wanted, const dd_indexing_t *ix, unsigned *started)
{
	*started = 0;
	for (unsigned t = 0; t < wanted; t++) {
		an[t].pipe = p;
		an[t].ix = *ix;
		an[t].ix.tokenizer = NULL;
		an[t].spelling = dd_spelling_new(); /* NULL: the writer counts */
		an[t].spelling_failed = 0;
		dd_error_t tok_err;
		if (dd_tokenizer_new(ix->lexicon, &an[t].ix.tokenizer, &tok_err) != DD_OK) {
			dd_spelling_free(an[t].spelling);
			break;
		}
		if (pthread_create(&an[t].thread, NULL, analyser_main, &an[t]) != 0) {
			dd_tokenizer_free(an[t].ix.tokenizer);
			dd_spelling_free(an[t].spelling);
			break;
		}
		(*started)++;
	}
}

/* Stops and joins the analysers, adds their spelling counts to spelling,
 * then frees every analysis left.  DD_ERR_NOMEM when an analyser could not
 * count. */
static dd_status_t pipeline_stop(pipeline_t *p, analyser_t *an, unsigned started, dd_spelling_t *spelling,
                                 dd_error_t *err)
{
	dd_status_t st = DD_OK;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->room_cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned t = 0; t < started; t++) {
		pthread_join(an[t].thread, NULL);
		dd_tokenizer_free(an[t].ix.tokenizer);
		if (st == DD_OK && an[t].spelling_failed)
			st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		if (st == DD_OK && an[t].spelling)
			st = dd_spelling_merge(spelling, an[t].spelling, err);
		dd_spelling_free(an[t].spelling);
	}
	for (size_t s = 0; s < p->depth; s++)
		analysed_clear(&p->slots[s]);
	return st;
}

/* Looks at, analyses and writes every file of the run, in order: with
 * analysers when jobs > 1 and more than one file is to be read, else each
 * file on this thread. */
static dd_status_t write_files(dd_sync_t *plan, run_view_t *view, size_t n_to_read, dd_db_t *db, dd_indexing_t *ix,
                               dd_spelling_t *spelling, size_t n, unsigned jobs, const dd_sync_events_t *events,
                               int *wrote, dd_error_t *err)
{
	enum { MAX_ANALYSERS = 15, SLOTS_PER_ANALYSER = 8 };
	const looked_t *looked = view->looked; /* look_at_files */
	dd_status_t st = DD_OK;
	unsigned wanted = jobs > 1 && n_to_read > 1 ? jobs - 1 : 0;
	if (wanted > MAX_ANALYSERS)
		wanted = MAX_ANALYSERS;
	pipeline_t p = { .depth = wanted ? (size_t)wanted * SLOTS_PER_ANALYSER : 1, .view = view, .n = n_to_read };
	size_t *to_read = malloc((n_to_read + 1) * sizeof *to_read);
	p.slots = calloc(p.depth, sizeof *p.slots);
	p.filled = calloc(p.depth, 1);
	if (!to_read || !p.slots || !p.filled) {
		free(to_read);
		free(p.slots);
		free(p.filled);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0, t = 0; i < n; i++)
		if (!looked[i].signed_same)
			to_read[t++] = i;
	p.to_read = to_read;
	analyser_t analysers[MAX_ANALYSERS];
	unsigned started = 0;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.filled_cond, NULL);
	pthread_cond_init(&p.room_cond, NULL);
	pipeline_start(&p, analysers, wanted, ix, &started);
	for (size_t i = 0, t = 0; st == DD_OK && i < n; i++) {
		if (events && events->file)
			events->file(i, n, view->paths[i], events->ctx);
		if (looked[i].signed_same) {
			st = write_signed(plan, view, db, ix, spelling, i, events, wrote, err);
			continue;
		}
		analysed_t *a = &p.slots[t % p.depth];
		if (!started) {
			analyse_file(view, ix, i, a);
			st = write_analysed(plan, view, db, ix, spelling, i, a, events, wrote, err);
			analysed_clear(a);
			t++;
			continue;
		}
		pthread_mutex_lock(&p.lock);
		while (!p.filled[t % p.depth])
			pthread_cond_wait(&p.filled_cond, &p.lock);
		pthread_mutex_unlock(&p.lock);
		st = write_analysed(plan, view, db, ix, spelling, i, a, events, wrote, err);
		/* the analyser that takes the slot next frees it, off this thread */
		pthread_mutex_lock(&p.lock);
		p.filled[t % p.depth] = 0;
		p.written = ++t;
		pthread_cond_broadcast(&p.room_cond);
		pthread_mutex_unlock(&p.lock);
	}
	dd_error_t stop_err;
	dd_status_t stopped = pipeline_stop(&p, analysers, started, spelling, &stop_err);
	if (st == DD_OK && stopped != DD_OK)
		st = dd_error_set(err, stopped, "%s", stop_err.message);
	pthread_cond_destroy(&p.room_cond);
	pthread_cond_destroy(&p.filled_cond);
	pthread_mutex_destroy(&p.lock);
	free(p.slots);
	free(p.filled);
	free(to_read);
	return st;
}

/* Moves the known notes of other shards (by their id term, DD_PREFIX_ID
 * and the id) behind the others, keeping each part in id order; *ours
 * gets how many are this shard's.  DD_ERR_NOMEM. */
static dd_status_t keep_shard(known_list_t *k, const unsigned shard[2], size_t *ours, dd_error_t *err)
{
	size_t prefix = strlen(DD_PREFIX_ID), n_others = 0;
	*ours = 0;
	if (shard[1] < 2) {
		*ours = k->n;
		return DD_OK;
	}
	dd_sync_known_t *others = malloc((k->n ? k->n : 1) * sizeof *others);
	const char **other_signatures = malloc((k->n ? k->n : 1) * sizeof *other_signatures);
	if (!others || !other_signatures) {
		free(others);
		free(other_signatures);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < k->n; i++) {
		if (dd_sync_shard_of(k->v[i].id + prefix, shard[1]) == shard[0]) {
			k->signature[*ours] = k->signature[i];
			k->v[(*ours)++] = k->v[i];
		} else {
			other_signatures[n_others] = k->signature[i];
			others[n_others++] = k->v[i];
		}
	}
	if (n_others) { /* k->v is NULL when the index is empty */
		memcpy(k->v + *ours, others, n_others * sizeof *others);
		memcpy(k->signature + *ours, other_signatures, n_others * sizeof *other_signatures);
	}
	free(others);
	free(other_signatures);
	return DD_OK;
}

/* Stores metadata key = value unless the index holds that already. */
static dd_status_t set_metadata_if_changed(dd_db_t *db, const char *key, const char *value, int *wrote, dd_error_t *err)
{
	char *held = dd_db_get_metadata(db, key, err);
	if (!held)
		return err ? err->status : DD_ERR_NOMEM;
	int same = strcmp(held, value) == 0;
	free(held);
	if (same)
		return DD_OK;
	*wrote = 1;
	return dd_db_set_metadata(db, key, value, err);
}

/* ---- a run rewriting much of the index: a new index built aside ------ */

/* Xapian keeps the values of every note a transaction changes in memory
 * until it commits (some 4.5 KB a note), so a run changing many notes of
 * an index in place grows with them (10,000 notes edited: 86 MB, against
 * 41 MB building them anew, and an index twice the size, uncompacted).
 * Building aside costs about as much CPU whatever the share changed (the
 * changed notes analysed, the others copied at about half the cost of
 * analysing one: 10,000 notes, every file touched, 1,000 / 2,500 /
 * 10,000 changed: 29 / 40 / 43 s, in place 7 / 14 / 45 s, but 78 / 80 / 86
 * MB against 41), so a run builds aside when it changes
 * three quarters of the index's notes, where the CPU is about even, or
 * REBUILD_ALWAYS notes whatever the share (memory then matters more),
 * and never fewer than REBUILD_MIN; then it puts the new index in place
 * in one step (dd_db_replace_commit). */
enum { REBUILD_MIN = 1024, REBUILD_ALWAYS = 16384 };

/* How many notes the run changes, up to `enough`: the index's notes it
 * drops (files gone, other shards), and the files to read whose note is
 * new or differs from the index's, read and parsed only (no document
 * built, the signed_same files not read). */
static size_t count_changes(const run_view_t *view, size_t n, uint64_t vocabulary, size_t enough)
{
	size_t changed = view->known->n - view->ours;
	for (size_t k = 0; k < view->ours; k++)
		changed += !view->known->v[k].exists;
	for (size_t i = 0; i < n && changed < enough; i++) {
		dd_note_t *note;
		dd_error_t ignored;
		if (view->looked[i].signed_same || dd_note_load(view->paths[i], &note, &ignored) != DD_OK)
			continue;
		if (dd_sync_shard_of(note->id, view->shard[1]) == view->shard[0]) {
			char term[DD_TERM_MAX + 32], hash[32];
			dd_schema_id_term(note->id, term, sizeof term);
			snprintf(hash, sizeof hash, "%016" PRIx64, dd_note_fingerprint(note, vocabulary));
			long k = known_by_id(view, term);
			changed += k < 0 || strcmp(view->known->v[k].fingerprint, hash) != 0;
		}
		dd_note_free(note);
	}
	return changed;
}

/* Whether the run builds a new index aside (see REBUILD_MIN), and if so
 * the new index in *fresh, with the view set to copy from db.  A new
 * index, or a file system that cannot switch folders in one step, is
 * written in place (*fresh NULL). */
static void rebuild_aside(run_view_t *view, dd_db_t *db, size_t n, size_t n_to_read, uint64_t vocabulary,
                          dd_db_t **fresh)
{
	*fresh = NULL;
	/* DUNDIAN_REBUILD_MIN sets how many changes are enough instead (tests
	 * and measures: small indexes, small parts) */
	const char *env = getenv("DUNDIAN_REBUILD_MIN");
	long set = env ? atol(env) : 0;
	size_t most = view->known->n / 4 * 3;
	size_t need = set > 0                 ? (size_t)set
	              : most < REBUILD_MIN    ? REBUILD_MIN
	              : most > REBUILD_ALWAYS ? REBUILD_ALWAYS
	                                      : most;
	if (n_to_read + view->known->n - view->ours < need || count_changes(view, n, vocabulary, need) < need)
		return;
	dd_error_t ignored;
	if (dd_db_open_replacement(db, fresh, &ignored) != DD_OK)
		return;
	if (!(view->held = calloc(view->known->n + 1, 1))) {
		dd_db_close(*fresh);
		*fresh = NULL;
		return;
	}
	view->copy_from = db;
}

dd_status_t dd_sync_mirror(dd_db_t *db, dd_indexing_t *ix, const char *const *paths, size_t n,
                           const dd_sync_events_t *events, dd_sync_counts_t *counts, dd_error_t *err)
{
	return dd_sync_mirror_shard(db, ix, 0, 1, 0, paths, n, events, counts, err);
}

dd_status_t dd_sync_mirror_shard(dd_db_t *db, dd_indexing_t *ix, unsigned shard_index, unsigned n_shards, unsigned jobs,
                                 const char *const *paths, size_t n, const dd_sync_events_t *events,
                                 dd_sync_counts_t *counts, dd_error_t *err)
{
	*counts = (dd_sync_counts_t){ 0 };
	const unsigned shard[2] = { shard_index, n_shards };
	if (!jobs)
		jobs = default_jobs();
	/* the files are looked at while the index's notes are listed */
	signing_t signing;
	dd_status_t st = signing_start(&signing, paths, n, ix->vocabulary, jobs > 1, err);
	if (st != DD_OK)
		return st;
	known_list_t known = { .status = DD_OK };
	/* room for every note at once: growing would copy (and touch anew)
	 * what is there */
	size_t n_docs = dd_db_doc_count(db);
	if (n_docs && (DD_ARRAY_RESERVE(known.v, 0, known.cap, n_docs) != 0 ||
	               DD_ARRAY_RESERVE(known.signature, 0, known.signature_cap, n_docs) != 0))
		known.status = DD_ERR_NOMEM;
	if (known.status == DD_OK)
		st = dd_db_foreach_term_values(db, DD_PREFIX_ID, DD_SLOT_ID_TERM, known_slots, 3, collect_known, &known,
		                               &known.text, err);
	if (st == DD_OK && known.status != DD_OK)
		st = dd_error_set(err, known.status, "out of memory");
	dd_sync_t *plan = NULL;
	size_t ours = 0;
	if (st == DD_OK) {
		check_known_files(&known, paths, n);
		st = keep_shard(&known, shard, &ours, err);
	}
	if (st == DD_OK)
		st = sort_known_by_path(&known, ours, err);
	if (st == DD_OK)
		st = dd_sync_new(known.v, ours, paths, n, &plan, err);
	if (st != DD_OK) {
		signing_free(&signing);
		free_known(&known);
		return st;
	}
	run_view_t view = { &known, ours, { shard_index, n_shards }, paths, NULL, "", NULL, NULL };
	looked_t *looked = NULL;
	size_t n_to_read = 0;
	memcpy(view.versions, signing.versions, sizeof view.versions);
	st = look_at_files(&known, paths, n, signing_finish(&signing), &looked, &n_to_read, err);
	signing_free(&signing);
	view.looked = looked;
	/* where the run writes: in place, or a new index built aside */
	dd_db_t *fresh = NULL;
	if (st == DD_OK)
		rebuild_aside(&view, db, n, n_to_read, ix->vocabulary, &fresh);
	dd_db_t *to = fresh ? fresh : db;
	dd_spelling_t *spelling = dd_spelling_new();
	/* a new index is written by two threads (parts merged by the commit):
	 * Xapian's writing is most of a first run's work (one for a new
	 * index built aside, which copies from the old one) */
	if (st == DD_OK)
		st = spelling ? dd_db_set_writers(db, jobs > 1 ? 2 : 1, err)
		              : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	if (st == DD_OK)
		st = dd_db_begin(to, err);
	int wrote = 0;
	if (st == DD_OK)
		st = write_files(plan, &view, n_to_read, to, ix, spelling, n, jobs, events, &wrote, err);
	free(looked);
	view.looked = NULL;
	/* the index's notes no file of the run claimed: removed, or, in a new
	 * index, copied */
	for (size_t k = 0; st == DD_OK && k < known.n; k++) {
		int removed = k >= ours || dd_sync_removes(plan, k);
		if (fresh && !removed && !view.held[k])
			st = copy_known(&view, to, spelling, (long)k, NULL, err);
		else if (!fresh && removed &&
		         (st = dd_spelling_uncount_indexed(spelling, db, known.v[k].id, err)) == DD_OK)
			st = dd_db_delete_doc(db, known.v[k].id, err);
		wrote |= removed;
	}
	if (st == DD_OK)
		st = dd_spelling_apply(spelling, to, err);
	dd_spelling_free(spelling);
	const char *const metadata[][2] = { { DD_META_DICTIONARY, ix->dictionary_text },
		                            { DD_META_THESAURUS, ix->thesaurus_text },
		                            { DD_META_TOPICS, ix->topics_text },
		                            { DD_META_SCHEMA, DD_SCHEMA_VERSION } };
	for (size_t m = 0; st == DD_OK && m < sizeof metadata / sizeof *metadata; m++)
		st = set_metadata_if_changed(to, metadata[m][0], metadata[m][1], &wrote, err);
	if (fresh) {
		/* the new index takes the old one's place, or is thrown away */
		if (st == DD_OK)
			st = dd_db_replace_commit(db, fresh, err);
		else
			dd_db_close(fresh);
		free(view.held);
	} else if (st == DD_OK && wrote) {
		st = dd_db_commit(db, err);
	} else {
		/* a run that changes nothing commits nothing: no new revision
		 * to write and sync */
		dd_db_cancel(db);
	}
	if (st != DD_OK && !fresh)
		dd_db_cancel(db);
	if (st == DD_OK) {
		*counts = dd_sync_counts(plan);
		counts->removed += known.n - ours;
	}
	dd_sync_free(plan);
	free_known(&known);
	return st;
}
