/* segment.h - choosing a query's segmentation by what the index holds.
 *
 * The tokenizer (tokenizer.h) splits a query as ICU splits text, which is
 * sometimes the wrong way for the words around it: 躺半天才 comes out as
 * 躺|半|天才, while the notes say 半天 and rarely 天才.  A run of Han words
 * typed without a break is segmented again by a unigram model over the
 * index's statistics (the way jieba segments, with the index as its word
 * list): each candidate word weighs log(df / N) less a constant for being
 * a word, where df is the number of notes holding it as a term; the
 * segmentation of greatest total weight wins, and replaces the
 * tokenizer's only when it is clearly better.  A candidate is a
 * character, a word the tokenizer gave, a dictionary word, or a term of
 * the index of several characters that neither starts nor ends with a
 * function character (了一 and 的是 are not words).  A dictionary word the
 * tokenizer gave is never split.  Pure: the statistics come from
 * callbacks, so it is tested without an index.
 */
#ifndef DD_SEGMENT_H
#define DD_SEGMENT_H

#include <stddef.h>

#include "status.h"

typedef struct dd_segment_model {
	/* notes holding word (normalised, NUL-terminated) as a term; 0: none */
	size_t (*doc_freq)(const char *word, void *ctx);
	/* non-zero when word is a dictionary (or thesaurus) word */
	int (*is_word)(const char *word, void *ctx);
	void *ctx;
	size_t docs; /* notes indexed: N */
} dd_segment_model_t;

/* The longest candidate word, in characters, that is not a word the
 * tokenizer gave. */
#define DD_SEGMENT_MAX_CHARS 4
/* The weight a new segmentation must exceed the tokenizer's by, in
 * natural log units (a factor of e in probability). */
#define DD_SEGMENT_MARGIN 1.0
/* What being one word costs (log of about the number of different words a
 * note holds), so that fewer, longer words win when the statistics agree. */
#define DD_SEGMENT_WORD_COST 5.5

/* Is c[0..len) one character that begins or ends no word of its own
 * making (了, 的, 被, 才...)? */
int dd_segment_is_function_char(const char *c, size_t len);

/* words[0..n) are the tokenizer's words of chunk (the normalised text they
 * came from).  Each run of two or more adjacent all-Han words whose
 * concatenation occurs in chunk (typed without a break) is segmented
 * again as above.  On DD_OK *out is NULL when the tokenizer's words stand,
 * else a malloc'd array of *n_out malloc'd words (the caller frees them).
 * DD_ERR_NOMEM. */
dd_status_t dd_segment_query_words(const dd_segment_model_t *m, const char *chunk, char *const *words, size_t n,
                                   char ***out, size_t *n_out, dd_error_t *err);

#endif
