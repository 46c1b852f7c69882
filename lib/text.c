/* text.c - UTF-8 helpers and the normalisation: NFKC, lower case, and
 * traditional Han characters folded to simplified (see text.h). */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

int dd_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i <= n) /* truncated sequence */
			goto bad;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += n + 1;
	}
	return 1;
bad:
	if (bad_offset)
		*bad_offset = i;
	return 0;
}

uint32_t dd_utf8_next(const char *s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	uint32_t c = p[0];
	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if ((c & 0xE0) == 0xC0) {
		*i += 2;
		return ((c & 0x1F) << 6) | (p[1] & 0x3F);
	}
	if ((c & 0xF0) == 0xE0) {
		*i += 3;
		return ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	}
	*i += 4;
	return ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

size_t dd_utf8_put(char *buf, uint32_t cp)
{
	unsigned char *b = (unsigned char *)buf;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (unsigned char)(0xF0 | (cp >> 18));
	b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t dd_utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

size_t dd_utf8_offset(const char *s, size_t len, size_t cp_index)
{
	size_t i = 0;
	while (i < len && cp_index > 0) {
		dd_utf8_next(s, &i);
		cp_index--;
	}
	return i < len ? i : len;
}

int dd_char_width(uint32_t cp)
{
	if (cp == 0)
		return 0;
	int8_t type = (int8_t)u_charType((UChar32)cp);
	if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_FORMAT_CHAR)
		return 0;
	int ea = u_getIntPropertyValue((UChar32)cp, UCHAR_EAST_ASIAN_WIDTH);
	return (ea == U_EA_WIDE || ea == U_EA_FULLWIDTH) ? 2 : 1;
}

size_t dd_display_width(const char *s, size_t len)
{
	size_t w = 0, i = 0;
	while (i < len)
		w += (size_t)dd_char_width(dd_utf8_next(s, &i));
	return w;
}

int dd_is_blank(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000;
}

int dd_is_han(uint32_t cp)
{
	UErrorCode status = U_ZERO_ERROR;
	return uscript_getScript((UChar32)cp, &status) == USCRIPT_HAN && U_SUCCESS(status);
}

/* ICU's Traditional-Simplified transform, one character at a time, as a
 * table written at build time (han_fold_gen.c, which says why and which
 * characters it leaves alone): dd_han_fold[cp - HAN_FOLD_FIRST] is what cp
 * folds to, 0 if it is left as written.  Every entry is a character of
 * the same range, so folding never changes a text's length in bytes. */
#define HAN_FOLD_FIRST 0x3400
#define HAN_FOLD_LAST 0x9FFF
extern const uint16_t dd_han_fold[HAN_FOLD_LAST - HAN_FOLD_FIRST + 1];

uint32_t dd_han_fold_char(uint32_t cp)
{
	if (cp < HAN_FOLD_FIRST || cp > HAN_FOLD_LAST)
		return cp;
	uint16_t to = dd_han_fold[cp - HAN_FOLD_FIRST];
	return to ? to : cp;
}

const char *dd_han_folded(const char *s, size_t len, char **scratch, size_t *cap)
{
	/* Only a 3-byte sequence led by 0xE3...0xE9 (U+3000...U+9FFF) can
	 * fold, and those bytes never continue a sequence: look at nothing
	 * else, byte by byte (this runs over every text the tokenizer reads). */
	const unsigned char *p = (const unsigned char *)s;
	char *out = NULL;
	for (size_t i = 0; i + 2 < len; i++) {
		if (p[i] < 0xE3 || p[i] > 0xE9)
			continue;
		uint32_t cp = ((uint32_t)(p[i] & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
		uint32_t to = dd_han_fold_char(cp);
		if (to != cp) {
			if (!out) { /* the first character that folds: copy the text */
				if (*cap < len) {
					char *grown = realloc(*scratch, len);
					if (!grown)
						return NULL;
					*scratch = grown;
					*cap = len;
				}
				out = *scratch;
				memcpy(out, s, len);
			}
			dd_utf8_put(out + i, to); /* same length: both in U+3400...U+9FFF */
		}
		i += 2;
	}
	return out ? out : s;
}

/* Appends normalised form of one code point; the common cases (ASCII and
 * characters NFKC leaves alone) skip ICU's normaliser entirely. */
static size_t normalize_char(const UNormalizer2 *nfkc, uint32_t cp, char *out, size_t room)
{
	if (cp < 0x80) {
		out[0] = (char)((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp);
		return 1;
	}
	/* Han ideographs are their own NFKC form and have no case: the bulk
	 * of a note, so they only go through the fold table. */
	if (cp >= HAN_FOLD_FIRST && cp <= HAN_FOLD_LAST) {
		uint16_t to = dd_han_fold[cp - HAN_FOLD_FIRST];
		return dd_utf8_put(out, to ? to : cp);
	}
	/* so are most CJK punctuation marks */
	if ((cp >= 0x3001 && cp <= 0x3035) || (cp >= 0x2018 && cp <= 0x2023))
		return dd_utf8_put(out, cp);
	UErrorCode status = U_ZERO_ERROR;
	UChar src[2], norm[32], lower[64];
	int32_t srclen = 0;
	U16_APPEND_UNSAFE(src, srclen, (UChar32)cp);
	int32_t nlen;
	if (unorm2_isNormalized(nfkc, src, srclen, &status) && U_SUCCESS(status)) {
		memcpy(norm, src, sizeof(UChar) * (size_t)srclen);
		nlen = srclen;
	} else {
		status = U_ZERO_ERROR;
		nlen = unorm2_normalize(nfkc, src, srclen, norm, 32, &status);
		if (U_FAILURE(status))
			return 0;
	}
	status = U_ZERO_ERROR;
	int32_t llen = u_strToLower(lower, 64, norm, nlen, "", &status);
	if (U_FAILURE(status))
		return 0;
	size_t w = 0;
	for (int32_t k = 0; k < llen;) {
		UChar32 c;
		U16_NEXT(lower, k, llen, c);
		if (w + 4 > room)
			break;
		/* a compatibility ideograph (U+F900...) or Kangxi radical NFKC
		 * turned into a unified one is folded like any other */
		w += dd_utf8_put(out + w, dd_han_fold_char((uint32_t)c));
	}
	return w;
}

dd_status_t dd_normalize(const char *s, size_t len, dd_normalized_t *out, dd_error_t *err)
{
	UErrorCode status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
	memset(out, 0, sizeof *out);
	if (U_FAILURE(status))
		return dd_error_set(err, DD_ERR_ICU, "ICU NFKC data unavailable: %s", u_errorName(status));
	size_t cap = len * 2 + 16;
	out->text = malloc(cap + 1);
	out->origin = malloc(sizeof(size_t) * (cap + 1));
	if (!out->text || !out->origin) {
		dd_normalized_free(out);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory normalising text");
	}
	size_t i = 0, w = 0;
	while (i < len) {
		size_t start = i;
		uint32_t cp = dd_utf8_next(s, &i);
		char buf[128];
		size_t n = normalize_char(nfkc, cp, buf, sizeof buf);
		if (w + n > cap) {
			cap = (cap + n) * 2;
			char *t = realloc(out->text, cap + 1);
			size_t *o = t ? realloc(out->origin, sizeof(size_t) * (cap + 1)) : NULL;
			if (t)
				out->text = t;
			if (o)
				out->origin = o;
			if (!t || !o) {
				dd_normalized_free(out);
				return dd_error_set(err, DD_ERR_NOMEM, "out of memory normalising text");
			}
		}
		memcpy(out->text + w, buf, n);
		for (size_t k = 0; k < n; k++)
			out->origin[w + k] = start;
		w += n;
	}
	out->text[w] = '\0';
	out->origin[w] = len;
	out->len = w;
	return DD_OK;
}

void dd_normalized_free(dd_normalized_t *n)
{
	free(n->text);
	free(n->origin);
	n->text = NULL;
	n->origin = NULL;
	n->len = 0;
}

size_t dd_normalize_into(const char *s, size_t len, char *buf, size_t size)
{
	UErrorCode status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
	if (U_FAILURE(status) || size == 0)
		return 0;
	size_t i = 0, w = 0;
	while (i < len) {
		uint32_t cp = dd_utf8_next(s, &i);
		/* straight into buf while it has room for the longest expansion */
		if (size - w > 129) {
			w += normalize_char(nfkc, cp, buf + w, 128);
			continue;
		}
		char one[128];
		size_t n = normalize_char(nfkc, cp, one, sizeof one);
		if (w + n + 1 > size)
			return 0;
		memcpy(buf + w, one, n);
		w += n;
	}
	buf[w] = '\0';
	return w;
}

char *dd_normalize_string(const char *s, size_t len)
{
	dd_normalized_t n;
	if (dd_normalize(s, len, &n, NULL) != DD_OK)
		return NULL;
	free(n.origin);
	return n.text;
}
