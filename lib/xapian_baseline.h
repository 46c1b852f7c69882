/* xapian_baseline.h - Xapian's own CJK n-gram indexing and query parsing,
 * the baseline that bench/quality compares dundian with.  Bench-only: no
 * program and nothing in lib/ includes this header.  The code lives in
 * xapian_wrap.cc only because dundian keeps all its C++ in that one file;
 * it is not part of the library's contract (xapian_wrap.h).
 */
#ifndef DD_XAPIAN_BASELINE_H
#define DD_XAPIAN_BASELINE_H

#include "status.h"
#include "xapian_wrap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Indexes text as omindex would (TermGenerator with FLAG_CJK_NGRAM) into
 * the document with unique term idterm. */
dd_status_t dd_baseline_ngram_index(dd_db_t *db, const char *idterm, const char *text, dd_error_t *err);
/* Parses query with Xapian's QueryParser (FLAG_CJK_NGRAM, default OR);
 * NULL when Xapian cannot parse it or out of memory. */
dd_query_t *dd_baseline_ngram_query(const char *query, int phrase);

#ifdef __cplusplus
}
#endif

#endif
