/* fuzz_tokenizer.c - fuzz target for UTF-8 handling, normalisation and the
 * tokenizer (text.h, tokenizer.h): every offset they give back lies inside
 * the text, on a character boundary.  (Positions are not checked for order:
 * the dictionary words found across pieces come last, at their own.) */
#include "fuzz_common.h"

typedef struct token_walk {
	const char *text;
	size_t len;
	int any;
} token_walk_t;

static int on_char_boundary(const char *s, size_t len, size_t i)
{
	return i == len || (i < len && ((unsigned char)s[i] & 0xC0) != 0x80);
}

static int check_token(const dd_token_t *t, void *ctx)
{
	token_walk_t *w = ctx;
	FUZZ_CHECK(t->text != NULL && strlen(t->text) == t->len && t->len > 0);
	FUZZ_CHECK(dd_utf8_valid(t->text, t->len, NULL));
	FUZZ_CHECK(t->start < t->end && t->end <= w->len);
	FUZZ_CHECK(on_char_boundary(w->text, w->len, t->start) && on_char_boundary(w->text, w->len, t->end));
	FUZZ_CHECK(!(t->flags & DD_TOKEN_PART) || w->any);
	w->any = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t bad = (size_t)-1;
	if (!dd_utf8_valid(text, size, &bad)) {
		FUZZ_CHECK(bad < size);
		FUZZ_CHECK(dd_utf8_valid(text, bad, NULL));
		return 0;
	}
	/* text holding a NUL never reaches them: a note with one is refused,
	 * and a query is a C string */
	if (memchr(text, '\0', size))
		return 0;
	size_t chars = dd_utf8_length(text, size);
	FUZZ_CHECK(chars <= size);
	FUZZ_CHECK(dd_utf8_offset(text, size, chars) == size);
	FUZZ_CHECK(dd_utf8_offset(text, size, chars / 2) <= size);
	FUZZ_CHECK(dd_display_width(text, size) <= 2 * chars);
	for (size_t i = 0; i < size;) {
		char buf[4];
		size_t at = i;
		uint32_t cp = dd_utf8_next(text, &i);
		FUZZ_CHECK(i > at && i - at <= 4);
		FUZZ_CHECK(dd_utf8_put(buf, cp) == i - at && memcmp(buf, text + at, i - at) == 0);
	}

	dd_normalized_t norm;
	dd_error_t err;
	if (dd_normalize(text, size, &norm, &err) == DD_OK) {
		FUZZ_CHECK(strlen(norm.text) == norm.len);
		FUZZ_CHECK(dd_utf8_valid(norm.text, norm.len, NULL));
		FUZZ_CHECK(norm.origin[norm.len] == size);
		for (size_t k = 0; k < norm.len; k++) {
			FUZZ_CHECK(norm.origin[k] < size || (size == 0 && norm.origin[k] == 0));
			FUZZ_CHECK(on_char_boundary(text, size, norm.origin[k]));
			if (k)
				FUZZ_CHECK(norm.origin[k] >= norm.origin[k - 1]);
			if (((unsigned char)norm.text[k] & 0xC0) == 0x80)
				FUZZ_CHECK(norm.origin[k] == norm.origin[k - 1]);
		}
		char small[64];
		size_t n = dd_normalize_into(text, size, small, sizeof small);
		FUZZ_CHECK(n == 0 || (n < sizeof small && n == norm.len && memcmp(small, norm.text, n) == 0));
		dd_normalized_free(&norm);
	}

	token_walk_t walk = { text, size, 0 };
	FUZZ_CHECK(dd_tokenize(fuzz_tokenizer(), text, size, DD_TOKENIZE_INDEX, check_token, &walk, &err) == DD_OK);
	token_walk_t query_walk = { text, size, 0 };
	FUZZ_CHECK(dd_tokenize(fuzz_tokenizer(), text, size, DD_TOKENIZE_QUERY, check_token, &query_walk, &err) ==
	           DD_OK);
	return 0;
}
