/* scaled_corpus.h - a bigger corpus made from the bundled notes, for the
 * scale benchmarks (dd-bench-index, dd-bench-query, dd-bench-corpus).
 *
 * Copy k (0-based) of every source note is written as OUT/cKKK/ID-KKK.md
 * with cheap deterministic variation, so that copies are different
 * documents with the vocabulary and length of real notes:
 *   - a new id, ID-KKK (the source id and the copy number);
 *   - the paragraphs of the body rotated left by k;
 *   - for k > 0: every ASCII digit d of the body replaced by (d + k) mod 10
 *     (numbers differ), " (k)" after the title, and the date moved k weeks
 *     later;
 *   - the other metadata (author, place, tags) kept.
 * The same source and the same number of copies always give the same
 * bytes.  Nothing here is random.
 */
#ifndef DD_SCALED_CORPUS_H
#define DD_SCALED_CORPUS_H

#include <stddef.h>

#include "status.h"

/* Writes copies x (the .md notes of src_dir, sorted by name) notes under
 * out_dir, creating out_dir and its cKKK folders as needed (existing files
 * of the same name are overwritten).  *made (if not NULL) gets the number
 * written.  DD_ERR_INVALID if copies is 0 or above 999 or a source note is
 * invalid, DD_ERR_IO if a file cannot be read or written. */
dd_status_t dd_scaled_corpus_make(const char *src_dir, const char *out_dir, unsigned copies, size_t *made,
                                  dd_error_t *err);

/* The .md files below dir (recursively, hidden entries skipped), sorted by
 * path.  Free with dd_scaled_corpus_list_free. */
dd_status_t dd_scaled_corpus_list(const char *dir, char ***paths, size_t *n, dd_error_t *err);
void dd_scaled_corpus_list_free(char **paths, size_t n);

/* An edit for the incremental benchmarks: appends one paragraph naming
 * round to the notes below dir whose position in sorted order is a
 * multiple of every (every = 100: 1% of the notes, the first included).
 * *changed (if not NULL) gets how many.  DD_ERR_INVALID if every is 0. */
dd_status_t dd_scaled_corpus_change(const char *dir, size_t every, unsigned round, size_t *changed, dd_error_t *err);

#endif
