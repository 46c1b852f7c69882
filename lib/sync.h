/* sync.h - mirroring the notes of one indexing run into the index: the
 * plan (what to do with each note) and its application (doing it).
 *
 * The plan is pure: no disk, no Xapian, only the notes the index held
 * before the run and the notes of the run, so every rule below is
 * unit-tested on its own (tests/test_sync.c).  Its rules:
 *
 *  - The files of a run are decided in path order, one at a time.
 *  - A file whose note was rejected (unreadable, invalid) changes nothing:
 *    whatever note the index held for that file keeps its previous version.
 *  - One id, one file.  A file is a DUPLICATE (rejected) when an earlier
 *    file of the run claimed its id, or when the index holds the id for
 *    another file that still exists and is not part of the run: the first
 *    claimant keeps the id.
 *  - Otherwise its note is ADDED (an id the index does not hold),
 *    UNCHANGED (the fingerprint stored for the id is the note's) or
 *    UPDATED.  The fingerprint covers the path, so a note that moved to
 *    another file is updated, not removed and added.
 *  - A note of the index that no file of the run claimed is REMOVED when
 *    its file is gone, or when its file is part of the run and now holds
 *    another id.  A note whose file exists but is not part of the run is
 *    left alone, so indexing one file or one folder removes nothing else.
 *
 * Paths are compared as strings: they must be given in one canonical form
 * (the application uses realpath), or one folder named two ways would look
 * like two folders claiming the same ids.
 *
 * The plan is built note by note rather than from a finished list so the
 * indexer never holds more than one note in memory, and so a note that is
 * rejected after its decision (its document cannot be built) can give its
 * id back to a later file, as it would if it had been rejected on reading.
 */
#ifndef DD_SYNC_H
#define DD_SYNC_H

#include <stddef.h>

#include "note_index.h"
#include "status.h"
#include "xapian_wrap.h"

/* A note of the index before the run. */
typedef struct dd_sync_known {
	const char *id;          /* its key: any string unique per note (the
	                            application uses the id term) */
	const char *path;        /* its file, canonical */
	const char *fingerprint; /* as stored */
	int exists;              /* the file is still on disk */
} dd_sync_known_t;

typedef enum {
	DD_SYNC_ADD,       /* a new id: add the note */
	DD_SYNC_UPDATE,    /* a known id whose note changed (or moved): replace it */
	DD_SYNC_UNCHANGED, /* leave it */
	DD_SYNC_DUPLICATE, /* rejected: its id is held by another file */
	DD_SYNC_REJECTED,  /* rejected before it had an id (or withdrawn) */
	DD_SYNC_ELSEWHERE  /* its note belongs to another shard (dd_sync_elsewhere) */
} dd_sync_action_t;

typedef struct dd_sync_decision {
	dd_sync_action_t action;
	/* UPDATE, UNCHANGED: the index's note of that id (an index into the
	 * known notes); otherwise -1 */
	long known;
	/* DUPLICATE: the path of the file holding the id (an earlier file of
	 * the run, or the index's); otherwise NULL.  Owned by the plan. */
	const char *holder;
} dd_sync_decision_t;

typedef struct dd_sync_counts {
	size_t added, updated, removed, unchanged, rejected;
	size_t elsewhere; /* notes left to other shards */
} dd_sync_counts_t;

/* ---- shards ---------------------------------------------------------- */

/* The shard, 0 .. n_shards-1, that the note id belongs to: the 64-bit
 * FNV-1a hash of the id's bytes modulo n_shards (stable across runs,
 * machines and versions; `dundian-index --shard K/N` keeps the notes of
 * shard K-1).  0 when n_shards < 2. */
unsigned dd_sync_shard_of(const char *id, unsigned n_shards);

/* ---- the plan (pure) ------------------------------------------------ */

typedef struct dd_sync dd_sync_t;

/* Starts the plan of a run.  known[0..n_known): the index before the run,
 * in increasing strcmp order of id (as Xapian lists its terms), each id
 * once.  paths[0..n_paths): the files of the run, canonical, in increasing
 * strcmp order, each once.  Both arrays and their strings must outlive the
 * plan.  DD_ERR_INVALID when an array is out of order, DD_ERR_NOMEM. */
dd_status_t dd_sync_new(const dd_sync_known_t *known, size_t n_known, const char *const *paths, size_t n_paths,
                        dd_sync_t **out, dd_error_t *err);
void dd_sync_free(dd_sync_t *s);

/* Decides file (an index into paths; files are decided in increasing
 * order, each once) whose note has key id and fingerprint, or whose note
 * was rejected when id is NULL (fingerprint is then not read).  The plan
 * copies what it keeps.  DD_ERR_NOMEM. */
dd_status_t dd_sync_decide(dd_sync_t *s, size_t file, const char *id, const char *fingerprint, dd_sync_decision_t *out,
                           dd_error_t *err);

/* The note of file, decided ADD or UPDATE, is rejected after all (its
 * document could not be built): it counts as rejected, a later file may
 * claim its id, and the index keeps the note's previous version. */
void dd_sync_withdraw(dd_sync_t *s, size_t file);

/* The note of file belongs to another shard: it claims no id here, is
 * counted as elsewhere, and a note the index holds for that file is
 * removed (its file now holds a note of another shard), as for a file
 * holding another id.  Called instead of dd_sync_decide. */
void dd_sync_elsewhere(dd_sync_t *s, size_t file);

/* Whether known note k is removed by the run (meaningful once every file
 * is decided). */
int dd_sync_removes(const dd_sync_t *s, size_t k);

/* What the run does, removals included (once every file is decided). */
dd_sync_counts_t dd_sync_counts(const dd_sync_t *s);

/* ---- the application ---------------------------------------------- */

/* What a run tells its caller while it goes; any member may be NULL. */
typedef struct dd_sync_events {
	/* before file i of n is written (a progress bar) */
	void (*file)(size_t i, size_t n, const char *path, void *ctx);
	/* a rejected note: one line, "path: what is wrong" */
	void (*rejected)(const char *message, void *ctx);
	void *ctx;
} dd_sync_events_t;

/* Mirrors the notes of the files paths[0..n) (canonical: realpath's form;
 * in increasing strcmp order; each once) into db by the plan above, in one
 * transaction (or, when the run changes many notes of an existing index,
 * into a new index built aside and exchanged with db's in one step:
 * dd_db_open_replacement; db is then the new index), with the vocabulary ix (stored in the index's metadata
 * with the schema version).  A rejected note is told to events and counted;
 * it does not stop the run.  *counts gets what was done.  When the index
 * fails (DD_ERR_INDEX, DD_ERR_NOMEM, DD_ERR_INVALID for unsorted paths),
 * nothing of the run is kept: the index stays as the last run left it. */
dd_status_t dd_sync_mirror(dd_db_t *db, dd_indexing_t *ix, const char *const *paths, size_t n,
                           const dd_sync_events_t *events, dd_sync_counts_t *counts, dd_error_t *err);

/* The same for shard `shard` (0 .. n_shards-1) of an index split in
 * n_shards by dd_sync_shard_of: the notes of other shards are left out
 * (counted in counts->elsewhere, neither rejected nor removed), and a note
 * the index holds that belongs to another shard (the index was built
 * unsharded, or in another number of shards) is removed.  dd_sync_mirror
 * is shard 0 of 1, with jobs 0.
 *
 * jobs: how many threads work, the calling one included (0: one per core
 * online, at most 4).  With jobs > 1, jobs - 1 threads read and analyse the
 * next notes (parse, tokenize, tag, build the document) while the calling
 * thread, the only one that touches db, decides and writes them in path
 * order: the index, the counts and the rejections told (same lines, same
 * order, all on the calling thread) are those of jobs 1.  ix is only read
 * by the other threads; each makes a tokenizer of its own.  With jobs > 1
 * one more thread also stats the run's files while the calling thread
 * lists the index's notes (the two halves of a run that changes nothing). */
dd_status_t dd_sync_mirror_shard(dd_db_t *db, dd_indexing_t *ix, unsigned shard, unsigned n_shards, unsigned jobs,
                                 const char *const *paths, size_t n, const dd_sync_events_t *events,
                                 dd_sync_counts_t *counts, dd_error_t *err);

#endif
