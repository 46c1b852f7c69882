/* tokenizer.h - the one tokenizer of dundian.
 *
 * The indexer, the query parser and the snippet code all call it, so they
 * never disagree about what a word is.  Text is split with ICU's word break
 * iterator (locale zh), each piece normalised (text.h), then adjacent
 * pieces whose concatenation is a dictionary word (lexicon.h) are merged,
 * longest first: ICU's 宅|基地 becomes one token 宅基地.
 *
 * In DD_TOKENIZE_INDEX mode a merged word is followed by its parts and by
 * any shorter dictionary words inside it, all with the same position and
 * the DD_TOKEN_PART flag, so a note saying 自来水厂 is also found by 自来水.
 * Queries use DD_TOKENIZE_QUERY: whole words only.
 */
#ifndef DD_TOKENIZER_H
#define DD_TOKENIZER_H

#include <stddef.h>

#include "lexicon.h"
#include "status.h"

enum {
	DD_TOKEN_HAN = 1,    /* made of Han characters */
	DD_TOKEN_MERGED = 2, /* dictionary merge of several ICU pieces */
	DD_TOKEN_PART = 4,   /* a part of the preceding merged token */
	DD_TOKEN_NUMBER = 8  /* digits */
};

typedef struct dd_token {
	const char *text;  /* normalised, NUL-terminated; valid during the callback */
	size_t len;        /* bytes of text */
	size_t start, end; /* byte offsets in the original text */
	unsigned position; /* word position, 0-based; parts share their word's */
	int flags;
} dd_token_t;

typedef enum { DD_TOKENIZE_INDEX, DD_TOKENIZE_QUERY } dd_tokenize_mode_t;

/* Return non-zero to stop tokenizing. */
typedef int (*dd_token_fn)(const dd_token_t *token, void *ctx);

typedef struct dd_tokenizer dd_tokenizer_t;

/* A tokenizer using lex (borrowed; may be NULL for no dictionary). */
dd_status_t dd_tokenizer_new(const dd_lexicon_t *lex, dd_tokenizer_t **out, dd_error_t *err);
void dd_tokenizer_free(dd_tokenizer_t *tok);

/* Tokenizes text[0..len) (valid UTF-8), calling fn for each token in
 * order.  Positions start at 0. */
dd_status_t dd_tokenize(dd_tokenizer_t *tok, const char *text, size_t len, dd_tokenize_mode_t mode, dd_token_fn fn,
                        void *ctx, dd_error_t *err);

#endif
