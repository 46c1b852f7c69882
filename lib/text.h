/* text.h - UTF-8 checks and the one normalisation every part of dundian
 * uses for matching: NFKC (full-width digits and letters become ASCII,
 * compatibility forms fold), lower-casing, and traditional Han characters
 * folded to simplified ones (ICU's Traditional-Simplified transform applied
 * character by character: 飲水 -> 饮水, 醫保 -> 医保, 鎮裏 -> 镇里).  The
 * indexer, the query parser, quoted strings and highlighting all go through
 * it, so a traditional note is found by a simplified query and the other way
 * round.
 *
 * The original text is kept for display; a dd_normalized_t remembers, for
 * every code point of the normalised text, where it came from in the
 * original, so matches found in normalised text map back exactly.
 */
#ifndef DD_TEXT_H
#define DD_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Returns 1 if s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates), else 0 and, when bad_offset is not NULL, the byte offset of
 * the first bad byte. */
int dd_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Decodes the code point at s[*i] (s must be valid UTF-8) and advances *i. */
uint32_t dd_utf8_next(const char *s, size_t *i);

/* Appends the UTF-8 encoding of cp to buf (room for 4 bytes); returns the
 * number of bytes written. */
size_t dd_utf8_put(char *buf, uint32_t cp);

/* Number of code points in s[0..len). */
size_t dd_utf8_length(const char *s, size_t len);

/* Byte offset of code point number cp_index in s (or len past the end). */
size_t dd_utf8_offset(const char *s, size_t len, size_t cp_index);

/* Terminal display width: 2 for wide (CJK, full-width) characters, 0 for
 * combining marks, 1 otherwise. */
int dd_char_width(uint32_t cp);
size_t dd_display_width(const char *s, size_t len);

/* Han (CJK ideograph) code point? */
int dd_is_han(uint32_t cp);

/* A blank: space, tab, line break or the ideographic space.  No character
 * pair of the index holds one (note_index.c), and sentences are trimmed
 * of them (snippet.c). */
int dd_is_blank(uint32_t cp);

/* The simplified character the normalisation folds Han character cp to
 * (飲 -> 饮), or cp itself (simplified characters, characters the fold
 * leaves alone, anything not Han).  The result is always a code point of
 * the same UTF-8 length; folding it again changes nothing. */
uint32_t dd_han_fold_char(uint32_t cp);

/* s[0..len) (valid UTF-8) with only its Han characters folded, byte for
 * byte as long as the original, so that offsets into it are offsets into
 * s: what the word breaker reads, so a traditional text breaks as its
 * simplified form does.  Returns s itself when nothing folds, else a copy
 * in *scratch (grown as needed, *cap its size; the caller frees it), or
 * NULL when out of memory. */
const char *dd_han_folded(const char *s, size_t len, char **scratch, size_t *cap);

/* A normalised copy of a text.
 *   text      NUL-terminated normalised UTF-8
 *   len       its length in bytes
 *   origin[k] byte offset in the original of the character that produced
 *             the byte text[k]; origin[len] = length of the original.
 * Invariant: every byte of one normalised code point has the same origin,
 * and origins never decrease. */
typedef struct dd_normalized {
	char *text;
	size_t len;
	size_t *origin;
} dd_normalized_t;

/* Normalises s[0..len) (valid UTF-8) character by character.  Returns
 * DD_ERR_ICU or DD_ERR_NOMEM on failure.  Free with dd_normalized_free. */
dd_status_t dd_normalize(const char *s, size_t len, dd_normalized_t *out, dd_error_t *err);
void dd_normalized_free(dd_normalized_t *n);

/* Normalises s[0..len) into buf (NUL-terminated) without allocating;
 * returns the length, or 0 if it does not fit (or s is empty). */
size_t dd_normalize_into(const char *s, size_t len, char *buf, size_t size);

/* Convenience: a malloc'd normalised copy of s (NULL on failure). */
char *dd_normalize_string(const char *s, size_t len);

#endif
