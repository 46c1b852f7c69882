/* xapian_wrap.h - the only door to Xapian.  Everything behind it is C++
 * (xapian_wrap.cc); everything in front of it is C.
 *
 * Shaped by what dundian needs, not a binding of Xapian's API:
 *   - a write side: open, build a document term by term, replace or delete
 *     it by its unique id term, commit as one transaction;
 *   - a query side: compose queries from terms, phrases and operators, run
 *     them with BM25, read back each hit's stored data;
 *   - relevance feedback ("more like this") and value counts for facets.
 * (The bench-only n-gram baseline is implemented in xapian_wrap.cc too, the
 * tree's one C++ file, but declared in xapian_baseline.h, which only bench/
 * includes.)
 *
 * No C++ exception crosses this header.  A call that can fail either returns
 * a dd_status_t with a one-line message in the caller's dd_error_t, or, where
 * its return value is the only channel, says below what it returns on
 * failure.  Messages name the index folder and what went wrong in plain words
 * (a full disk, a read-only file system, missing permission, another writer
 * holding the lock), never Xapian's exception names.
 *
 * Ownership: every *_new / *_open returns an object the caller frees with
 * the matching *_free / *_close.  Query constructors that take sub-queries
 * take ownership of them (the caller must not free them afterwards), so a
 * tree is freed by freeing its root.  Strings returned as `char *` are
 * malloc'd and freed by the caller with free().
 */
#ifndef DD_XAPIAN_WRAP_H
#define DD_XAPIAN_WRAP_H

#include <stddef.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dd_db dd_db_t;
typedef struct dd_doc dd_doc_t;
typedef struct dd_query dd_query_t;
typedef struct dd_results dd_results_t;
typedef struct dd_spelling dd_spelling_t; /* see "spelling" below */

/* ---- databases ---------------------------------------------------- */

/* Opens (creating if needed) a writable index at path.  Fails with
 *   DD_ERR_INVALID  path is a file, not a folder (nothing is written to it);
 *   DD_ERR_INDEX    another writer holds the lock, or the index is damaged;
 *   DD_ERR_IO       the folder cannot be created or written: no permission,
 *                   a read-only file system, no space left on the device
 *                   (the message names which, with the system's reason).
 * A new index (path holds none: it does not exist, or is a folder without
 * an index) is built aside, in the folder path + DD_UNFINISHED, which
 * dd_db_commit puts in place (renamed to path, or its files moved into the
 * folder path) once the transaction is committed: until then nothing at
 * path changes, so a run killed or failing leaves no index, and such a run
 * commits inside its transaction every few hundred documents to keep
 * Xapian's memory bounded.  What a killed run left in that folder is
 * thrown away by the next one (unless another writer is building it: then
 * DD_ERR_INDEX, locked).  When it fails while creating a new index, that
 * folder is removed again.  Sets Xapian's
 * XAPIAN_FLUSH_THRESHOLD (documents buffered in memory before their
 * postings are written to the tables) to a few hundred unless the
 * environment already sets it: memory stays bounded, and flushing inside a
 * transaction commits nothing. */
dd_status_t dd_db_open_write(const char *path, dd_db_t **out, dd_error_t *err);
#define DD_UNFINISHED ".unfinished"

/* A new index (see dd_db_open_write) is written by n threads: the caller's
 * and n - 1 of the wrapper's (at most 4 in all), each into a part of its
 * own in the DD_UNFINISHED folder, which the commit merges into one index
 * (Xapian's compaction, numbering the documents part after part).  Each
 * note's id goes to one part (by its hash), so replacing or deleting it
 * works as in one index.  Inside a transaction dd_db_replace_doc then
 * hands doc's contents to the thread of its part and returns (doc is left
 * empty, and a failure to store it is reported by a later call on db: the
 * next store, dd_db_commit, ...); until the commit, reads other than
 * dd_db_doc_count and those dd_sync makes (dd_spelling_uncount_indexed,
 * dd_db_set_doc_value, dd_db_delete_doc) see the caller's part only.
 * Nothing happens (DD_OK) when db is not a new index, n < 2, or it was
 * called before.  DD_ERR_IO / DD_ERR_INDEX when a part cannot be created. */
dd_status_t dd_db_set_writers(dd_db_t *db, unsigned n, dd_error_t *err);

/* Opens an existing index for reading.  DD_ERR_NOT_FOUND if nothing is at
 * path or it is an empty folder; DD_ERR_INVALID if path is a folder
 * holding something other than an index, or a file that is not a stub
 * ("'PATH' is a file, not a dundian index"); DD_ERR_INDEX / DD_ERR_IO when
 * the index is damaged or unreadable.
 *
 * path may also be a stub: a text file listing the shards of one index,
 * one a line, in Xapian's stub format ('#' starts a comment line):
 *   auto PATH         an index folder (relative to the stub's folder)
 *   remote HOST:PORT  an index served by xapian-tcpsrv (also written
 *                     "remote tcp HOST:PORT"; an IPv6 HOST in [brackets])
 * The shards are searched as one index (Xapian combines their statistics,
 * so scores are a single index's).  DD_ERR_INVALID for a line that is
 * none of these or a stub listing no shard (the message names the line);
 * DD_ERR_INDEX when a shard cannot be opened or reached (naming it). */
dd_status_t dd_db_open_read(const char *path, dd_db_t **out, dd_error_t *err);

/* Brings a database opened for reading to the latest committed revision
 * (a long-lived reader, such as the server's, calls it before each request
 * so the indexer's commits show and its old revisions are not read after
 * they are recycled).  *changed = 1 when there was a newer revision.
 * Over a stub, a remote shard that dropped the connection (xapian-tcpsrv
 * closes idle ones) is connected again and the stub read again (*changed
 * = 1).  DD_ERR_INDEX if the index cannot be read any more. */
dd_status_t dd_db_reopen(dd_db_t *db, int *changed, dd_error_t *err);

/* Closes the database; an open transaction is cancelled, not committed.
 * A new index never committed is removed again (its DD_UNFINISHED folder),
 * so a first run that fails leaves nothing behind; one changed outside a
 * transaction is committed and put in place.  Cannot fail in a way the caller could
 * act on: the lock is released whatever Xapian reports. */
void dd_db_close(dd_db_t *db);

/* Number of documents; 0 when Xapian cannot tell (a damaged index). */
size_t dd_db_doc_count(const dd_db_t *db);

/* Transactions: all changes between begin and commit become visible
 * together, or not at all if the process dies in between.  A commit that
 * fails leaves the index as the last commit left it.  After a failed change
 * or commit the index files are cut back to their size at opening, so a
 * full disk does not stay full of a run that was thrown away. */
dd_status_t dd_db_begin(dd_db_t *db, dd_error_t *err);
/* A new index is put in place by its commit (see dd_db_open_write);
 * DD_ERR_IO when it cannot be (it is then removed on close). */
dd_status_t dd_db_commit(dd_db_t *db, dd_error_t *err);
/* Drops the open transaction (nothing happens without one) and cuts the
 * index files back as above.  Never fails: if Xapian refuses to cancel,
 * closing the database drops the transaction all the same. */
void dd_db_cancel(dd_db_t *db);

/* Replacing an index whole, in bounded memory: a run that rewrites most
 * of an index builds its new state aside, as a new index is built, then
 * puts it in place in one step.
 *
 * dd_db_open_replacement starts an empty index to take the place of db's
 * (opened by dd_db_open_write on an existing index, outside a
 * transaction), in the folder path + DD_UNFINISHED: written like a new
 * index (committed inside its transaction every few hundred documents, so
 * Xapian's memory stays flat; never synced until the end), while db keeps
 * the index's lock, so no other writer starts meanwhile, and stays as it
 * is for reading (dd_db_copy_doc).  What a killed run left in that folder
 * is thrown away first (and by the next dd_db_open_write on the index).
 * Fails with DD_ERR_IO when the file system cannot exchange two folders
 * in one step (renameat2 RENAME_EXCHANGE: NFS, for one): the caller then
 * writes in place; DD_ERR_INVALID when db is not as said; DD_ERR_INDEX /
 * DD_ERR_IO when the folder cannot be created.
 *
 * dd_db_replace_commit commits replacement's transaction, compacts and
 * syncs it, and exchanges it with db's index folder in one step: killed at
 * any moment, the run leaves at db's path either the old index or the new
 * one, whole.  db is then opened again on the new index (if another writer
 * took its lock in that instant, db only reads it, and dd_db_begin on it
 * fails with DD_ERR_INDEX) and the old index is removed; a reader that has
 * the old one open goes on reading it until dd_db_reopen, which opens the
 * new one.  replacement is freed whatever happens; on failure db is the
 * old index, untouched.  Closing a replacement instead (dd_db_close)
 * throws it away. */
dd_status_t dd_db_open_replacement(dd_db_t *db, dd_db_t **out, dd_error_t *err);
dd_status_t dd_db_replace_commit(dd_db_t *db, dd_db_t *replacement, dd_error_t *err);

/* Metadata: small named strings stored with the index.  get returns a
 * malloc'd string ("" when unset) or NULL on error.  Over a stub every
 * shard is read: shards holding different values are an error
 * (DD_ERR_INDEX, naming the key and the shards), so an index whose shards
 * were built with another schema or vocabulary is never half used. */
dd_status_t dd_db_set_metadata(dd_db_t *db, const char *key, const char *value, dd_error_t *err);
char *dd_db_get_metadata(dd_db_t *db, const char *key, dd_error_t *err);

/* Calls fn(term + strlen(prefix), ctx) for every term that starts with
 * prefix, in sorted order; stops early when fn returns non-zero. */
dd_status_t dd_db_foreach_term(dd_db_t *db, const char *prefix, int (*fn)(const char *suffix, void *ctx), void *ctx,
                               dd_error_t *err);

/* Number of documents holding term (0 if none, and 0 when Xapian cannot
 * tell: a damaged index). */
size_t dd_db_term_freq(dd_db_t *db, const char *term);

/* Number of documents q matches, counted exactly (0 when Xapian cannot
 * tell: a damaged index or q NULL). */
size_t dd_db_count_matches(dd_db_t *db, const dd_query_t *q);

/* The stored data and one value of the document holding the unique term
 * idterm.  DD_ERR_NOT_FOUND if there is none.  *data / *value are
 * malloc'd, with their lengths in *len when len is not NULL. */
dd_status_t dd_db_get_data(dd_db_t *db, const char *idterm, char **data, size_t *len, dd_error_t *err);
dd_status_t dd_db_get_value(dd_db_t *db, const char *idterm, unsigned slot, char **value, dd_error_t *err);

/* Everything stored of the document holding idterm, as text: one line per
 * term ("term T WDF POSITIONS..."), in term order, then per value ("value
 * SLOT BYTES") and the data ("data BYTES"), to compare two indexes
 * document by document.  *out malloc'd, its length in *len when len is not
 * NULL.  DD_ERR_NOT_FOUND if there is none. */
dd_status_t dd_db_describe_doc(dd_db_t *db, const char *idterm, char **out, size_t *len, dd_error_t *err);

/* Calls fn(term, values, ctx) for every document with a value in slot
 * term_slot that is a term of the document starting with prefix (a unique
 * term the document's writer keeps in that slot too), and for every other
 * term starting with prefix (found by a look-up), in term order, with the
 * document's values slots[0..n) ("" where it has none).  The strings fn
 * gets are borrowed for the call, or, when kept is not NULL, until the
 * caller frees *kept (the one block they all live in; NULL on failure).
 * Each slot is read in one pass, so listing every note of a big index
 * costs no look-up per note.  Stops early when fn returns non-zero.
 * DD_ERR_NOMEM, or the index's failure. */
dd_status_t dd_db_foreach_term_values(dd_db_t *db, const char *prefix, unsigned term_slot, const unsigned *slots,
                                      size_t n, int (*fn)(const char *term, const char *const *values, void *ctx),
                                      void *ctx, char **kept, dd_error_t *err);

/* Stores in `to` the document `from` holds with unique term idterm, as it
 * is but for value slot set to value (unless value is NULL), and counts
 * its words in spelling (unless NULL) as dd_spelling_count_doc does: a
 * replacement index keeps the notes a run leaves alone without analysing
 * them again.  DD_ERR_NOT_FOUND if from holds no such document. */
dd_status_t dd_db_copy_doc(dd_db_t *to, dd_db_t *from, const char *idterm, unsigned slot, const char *value,
                           dd_spelling_t *spelling, dd_error_t *err);

/* Sets value slot of the stored document holding idterm, leaving its
 * terms and data as they are (Xapian then rewrites only its values).
 * DD_ERR_NOT_FOUND if there is no such document. */
dd_status_t dd_db_set_doc_value(dd_db_t *db, const char *idterm, unsigned slot, const char *value, dd_error_t *err);

/* ---- documents (write side) ---------------------------------------- */

/* A new empty document, or NULL when out of memory. */
dd_doc_t *dd_doc_new(void);
void dd_doc_free(dd_doc_t *doc);

/* Xapian's limit on the length of a term, in bytes. */
#define DD_TERM_MAX_BYTES 245

/* Building a document.  Each call returns DD_OK, or DD_ERR_INVALID for an
 * empty term or one longer than DD_TERM_MAX_BYTES, or DD_ERR_NOMEM.  A
 * failed call also marks the document incomplete, and dd_db_replace_doc
 * refuses an incomplete document: a note is never stored half built, even
 * by a caller that ignores a status. */
/* A term at a position (for phrase matching), adding wdf_inc to its wdf. */
dd_status_t dd_doc_add_posting(dd_doc_t *doc, const char *term, unsigned pos, unsigned wdf_inc, dd_error_t *err);
/* A term without position. */
dd_status_t dd_doc_add_term(dd_doc_t *doc, const char *term, unsigned wdf_inc, dd_error_t *err);
/* A filter term: no wdf, no effect on the document length. */
dd_status_t dd_doc_add_boolean_term(dd_doc_t *doc, const char *term, dd_error_t *err);
dd_status_t dd_doc_set_value(dd_doc_t *doc, unsigned slot, const char *value, size_t len, dd_error_t *err);
dd_status_t dd_doc_set_data(dd_doc_t *doc, const char *data, size_t len, dd_error_t *err);
/* Stores doc as the document with unique term idterm (which the document
 * gets as a boolean term), replacing any older one.  doc stays owned by the
 * caller (emptied when another thread writes it: dd_db_set_writers).  DD_ERR_INVALID, without touching the index, if
 * building doc failed (see above). */
dd_status_t dd_db_replace_doc(dd_db_t *db, const char *idterm, dd_doc_t *doc, dd_error_t *err);
dd_status_t dd_db_delete_doc(dd_db_t *db, const char *idterm, dd_error_t *err);

/* ---- queries ------------------------------------------------------- */

typedef enum {
	DD_QUERY_AND,
	DD_QUERY_OR,
	DD_QUERY_AND_NOT,   /* first AND NOT (any of the rest) */
	DD_QUERY_AND_MAYBE, /* first, ranked up by the rest */
	DD_QUERY_FILTER,    /* first, restricted to the rest (no weight) */
	DD_QUERY_SYNONYM    /* one term made of several */
} dd_query_op_t;

/* Query constructors return NULL only when out of memory; dd_query_combine
 * skips NULL subs, and dd_query_scale passes a NULL q through, so a tree
 * built from them is NULL or complete, never partly built. */

/* A term, with query frequency wqf (1 normally). */
dd_query_t *dd_query_term(const char *term, unsigned wqf);
/* Every term beginning with prefix, as one term (Xapian's wildcard,
 * combined as a synonym: its wdf in a document is the sum of theirs). */
dd_query_t *dd_query_prefix(const char *prefix);
/* Terms at consecutive positions (window 0 = exactly adjacent). */
dd_query_t *dd_query_phrase(const char *const *terms, size_t n, unsigned window);
/* A document whose text a dd_query_checked query checks: its value in slot
 * and its data ("" when it has none), valid until the next call on c. */
typedef struct dd_candidate dd_candidate_t;
const char *dd_candidate_value(dd_candidate_t *c, unsigned slot, size_t *len);
const char *dd_candidate_data(dd_candidate_t *c, size_t *len);
/* 1 when the document c holds key, 0 when it does not, -1 when out of
 * memory (the search then fails). */
typedef int (*dd_candidate_check_t)(const char *key, dd_candidate_t *c);

/* The documents holding every term of terms[0..n) (weighted as their AND)
 * that check accepts for key.  check runs inside the match, on each
 * document holding all the terms, so totals, facets and pages count only
 * the accepted ones.  xapian-tcpsrv cannot run check: when db is a stub
 * with a remote shard, the accepted documents are found here (over db) and
 * named by their id terms, read from value slot id_slot.  db may be NULL
 * (a local index).  When db is a reader, the query remembers what check
 * said of each document for the revision of the index it searches, so
 * searching it twice (topic feedback, then the page) checks each
 * candidate once; a reopened reader's next search checks afresh.  NULL
 * when out of memory. */
dd_query_t *dd_query_checked(dd_db_t *db, const char *const *terms, size_t n, const char *key,
                             dd_candidate_check_t check, unsigned id_slot);
/* Combines subs[0..n) (taking ownership; NULL entries are skipped).  An
 * empty combination is a query that matches nothing. */
dd_query_t *dd_query_combine(dd_query_op_t op, dd_query_t **subs, size_t n);
/* Multiplies the weight of q's matches by factor (0 = boolean). */
dd_query_t *dd_query_scale(dd_query_t *q, double factor);
/* Documents whose value in slot lies in [low, high] (strings compare
 * bytewise; NULL means unbounded). */
dd_query_t *dd_query_value_range(unsigned slot, const char *low, const char *high);
/* Every document (weight 0). */
dd_query_t *dd_query_match_all(void);
/* Matches nothing. */
dd_query_t *dd_query_match_nothing(void);
dd_query_t *dd_query_copy(const dd_query_t *q);
void dd_query_free(dd_query_t *q);
/* Xapian's description of the query (for tests and --explain); NULL when
 * out of memory. */
char *dd_query_describe(const dd_query_t *q);

/* ---- searching ----------------------------------------------------- */

typedef struct dd_search_options {
	size_t offset, limit;
	int sort_by_value; /* 0: relevance; else sort by value slot sort_slot */
	unsigned sort_slot;
	int sort_descending;
	/* relevance order only: when tie_break, hits of equal weight are
	 * ordered by value slot tie_slot (ascending), not by Xapian's document
	 * number, which depends on the order of indexing and on the shards */
	int tie_break;
	unsigned tie_slot;
	double bm25_k1, bm25_b;      /* used as given; both 0: Xapian's defaults */
	size_t check_at_least;       /* exact total up to this many (0: default) */
	const unsigned *facet_slots; /* value slots to count over all matches */
	size_t facet_slot_count;
} dd_search_options_t;

dd_status_t dd_db_search(dd_db_t *db, const dd_query_t *q, const dd_search_options_t *opts, dd_results_t **out,
                         dd_error_t *err);
void dd_results_free(dd_results_t *r);
/* r, a match of a query in relevance order with ties by opts->tie_slot
 * (dd_db_search with tie_break, from offset 0), taken as the match of that
 * query OR boost (NULL: the query alone): its first `candidates` hits get
 * boost's weight added and are ordered again the same way, and r keeps
 * hits [opts->offset, opts->offset + opts->limit) of them.  A hit of r past
 * the candidates bounds the weight of every match left out; when some note
 * outside the candidates could still weigh enough to enter those hits,
 * *whole is 0 and r holds only the candidates (the caller searches again);
 * else 1.  r's total becomes the query's (r's own: exact or estimated as
 * r's match counted) plus the notes boost matches and q does not (counted
 * as r's were: exactly up to opts->check_at_least, all when it is the
 * number of notes; none when q ORs boost's term in already).  q: the query
 * r matched.  DD_ERR_INDEX or DD_ERR_NOMEM on failure. */
dd_status_t dd_results_boost(dd_results_t *r, const dd_query_t *q, const dd_query_t *boost,
                             const dd_search_options_t *opts, size_t candidates, int *whole, dd_error_t *err);
/* Counts and scores are computed by dd_db_search and cannot fail; i must be
 * below dd_results_count. */
/* Estimated number of matches (exact when below check_at_least). */
size_t dd_results_total(const dd_results_t *r);
size_t dd_results_count(const dd_results_t *r);
double dd_results_score(const dd_results_t *r, size_t i);

/* A hit's document is read only when asked for, so these reads can fail
 * after the search succeeded: typically a re-index committed twice since
 * the search, or out of memory.  On failure each returns "" (length 0, never
 * NULL) and dd_results_error reports it.  Stored data is never empty, so ""
 * from dd_results_data, like "" from dd_results_id, always means failure. */
/* Stored data of hit i (not NUL-free: use len).  Owned by r. */
const char *dd_results_data(const dd_results_t *r, size_t i, size_t *len);
/* Value slot of hit i (owned by r, valid until the next call for the same
 * hit). */
const char *dd_results_value(const dd_results_t *r, size_t i, unsigned slot, size_t *len);
/* Every document id term matched by hit i starts with 'Q'; returned
 * without the prefix.  Owned by r. */
const char *dd_results_id(const dd_results_t *r, size_t i);
/* DD_OK if every read of a hit so far succeeded; else the status of the
 * first failure, with its message in err. */
dd_status_t dd_results_error(const dd_results_t *r, dd_error_t *err);
/* Facet counts over all matches for facet slot f (index into
 * opts->facet_slots): fn(value, count, ctx) per distinct value.  Counted
 * by dd_db_search; nothing here can fail. */
void dd_results_foreach_facet(const dd_results_t *r, size_t f, void (*fn)(const char *value, size_t count, void *ctx),
                              void *ctx);

/* More like this: a query of the nterms best terms (with prefix among
 * prefixes, "" = unprefixed) of the documents with the given id terms, by
 * Xapian's relevance feedback (ESet).  The seed documents are excluded
 * from the query by the caller if wanted. */
dd_status_t dd_db_like_query(dd_db_t *db, const char *const *idterms, size_t n_ids, size_t nterms,
                             const char *const *prefixes, size_t n_prefixes, dd_query_t **out, dd_error_t *err);

/* ---- spelling ("did you mean") ------------------------------------ */

/* The index's spelling data holds each word of its notes (an unprefixed
 * term of DD_SPELLING_MIN_CHARS to DD_SPELLING_MAX_BYTES, without ASCII
 * digits) with the number of notes holding it.  An indexing run counts
 * what it adds and removes in memory (a dd_spelling_t) and writes the
 * differences in one pass before its commit: no call per word. */
#define DD_SPELLING_MIN_CHARS 2
#define DD_SPELLING_MAX_BYTES 64

/* A new empty count, or NULL when out of memory. */
dd_spelling_t *dd_spelling_new(void);
void dd_spelling_free(dd_spelling_t *s);
/* +1 for each word of doc (a document about to be stored).  DD_ERR_NOMEM. */
dd_status_t dd_spelling_count_doc(dd_spelling_t *s, const dd_doc_t *doc, dd_error_t *err);
/* -1 for each word of doc: one counted, then not stored.  DD_ERR_NOMEM. */
dd_status_t dd_spelling_uncount_doc(dd_spelling_t *s, const dd_doc_t *doc, dd_error_t *err);
/* Adds the counts of from to into, and empties from (so threads can each
 * count on their own).  DD_ERR_NOMEM, into then holding part of them. */
dd_status_t dd_spelling_merge(dd_spelling_t *into, dd_spelling_t *from, dd_error_t *err);
/* -1 for each word of the document db holds with unique term idterm
 * (nothing when there is none): called before it is replaced or deleted.
 * DD_ERR_INDEX / DD_ERR_NOMEM. */
dd_status_t dd_spelling_uncount_indexed(dd_spelling_t *s, dd_db_t *db, const char *idterm, dd_error_t *err);
/* Writes the counts into db's spelling data (inside its transaction, so
 * they are committed or dropped with it) and empties s. */
dd_status_t dd_spelling_apply(dd_spelling_t *s, dd_db_t *db, dd_error_t *err);

/* The word of the spelling data closest to word within max_edit_distance
 * (edits counted in code points; among the closest, the one sharing the
 * longest beginning with word, then the one in most notes), or NULL when
 * there is none, word is itself a word of it or shorter than
 * DD_SPELLING_MIN_CHARS, or on error.  Malloc'd. */
char *dd_db_spelling_suggestion(dd_db_t *db, const char *word, unsigned max_edit_distance);
/* Number of notes the spelling data counts for word (0: not in it). */
size_t dd_db_spelling_freq(dd_db_t *db, const char *word);

#ifdef __cplusplus
}
#endif

#endif
