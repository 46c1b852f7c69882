/* tokenizer.c - ICU word breaking plus dictionary merging (see tokenizer.h).
 *
 * ICU runs over the original UTF-8 through a UText, so its boundaries are
 * byte offsets in the original text; each piece is normalised on its own.
 * Pieces are gathered into a small array, then merged greedily from the
 * left: at each piece the longest run of contiguous pieces (at most
 * MAX_MERGE) that spells a dictionary word becomes one token.
 */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "text.h"

#define MAX_MERGE 8

typedef struct piece {
	size_t start, end; /* original byte offsets */
	size_t norm, nlen; /* normalised text: offset into the piece buffer */
	int flags;
} piece_t;

struct dd_tokenizer {
	const dd_lexicon_t *lex;
	UBreakIterator *brk;
	piece_t *pieces;
	size_t n_pieces, cap_pieces;
	char *buf; /* normalised text of all pieces, back to back */
	size_t buf_len, buf_cap;
	char *word; /* scratch for candidate merges */
	size_t word_cap;
	char *folded; /* the text with traditional characters folded (text.h) */
	size_t folded_cap;
};

dd_status_t dd_tokenizer_new(const dd_lexicon_t *lex, dd_tokenizer_t **out, dd_error_t *err)
{
	UErrorCode status = U_ZERO_ERROR;
	dd_tokenizer_t *t = calloc(1, sizeof *t);
	if (!t)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory creating tokenizer");
	t->lex = lex;
	t->brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &status);
	if (U_FAILURE(status)) {
		free(t);
		return dd_error_set(err, DD_ERR_ICU, "ICU word break iterator for zh: %s", u_errorName(status));
	}
	/* ICU loads its Chinese dictionary at the first Han text it breaks:
	 * pay for that here, once, rather than inside the first query. */
	static const UChar warm_up[] = { 0x996E, 0x6C34, 0x5B89, 0x5168, 0 };
	ubrk_setText(t->brk, warm_up, 4, &status);
	while (U_SUCCESS(status) && ubrk_next(t->brk) != UBRK_DONE)
		;
	*out = t;
	return DD_OK;
}

void dd_tokenizer_free(dd_tokenizer_t *t)
{
	if (!t)
		return;
	ubrk_close(t->brk);
	free(t->pieces);
	free(t->buf);
	free(t->word);
	free(t->folded);
	free(t);
}

static int reserve(char **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 256;
	while (c < need)
		c *= 2;
	char *n = realloc(*p, c);
	if (!n)
		return -1;
	*p = n;
	*cap = c;
	return 0;
}

/* Splits text into normalised ICU pieces, skipping spaces and punctuation. */
static dd_status_t collect_pieces(dd_tokenizer_t *t, const char *text, size_t len, dd_error_t *err)
{
	UErrorCode status = U_ZERO_ERROR;
	/* ICU breaks the text with traditional characters folded (the same byte
	 * offsets), so 飲水 breaks as 饮水 does */
	const char *folded = dd_han_folded(text, len, &t->folded, &t->folded_cap);
	if (!folded)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory tokenizing");
	UText *ut = utext_openUTF8(NULL, folded, (int64_t)len, &status);
	if (U_FAILURE(status))
		return dd_error_set(err, DD_ERR_ICU, "ICU cannot open text: %s", u_errorName(status));
	ubrk_setUText(t->brk, ut, &status);
	if (U_FAILURE(status)) {
		utext_close(ut);
		return dd_error_set(err, DD_ERR_ICU, "ICU word break: %s", u_errorName(status));
	}
	t->n_pieces = 0;
	t->buf_len = 0;
	int32_t start = ubrk_first(t->brk);
	for (int32_t end = ubrk_next(t->brk); end != UBRK_DONE; start = end, end = ubrk_next(t->brk)) {
		int32_t rule = ubrk_getRuleStatus(t->brk);
		if (rule < UBRK_WORD_NONE_LIMIT)
			continue; /* spaces, punctuation */
		/* normalised piece straight into the buffer (NFKC may expand a
		 * character several times over, hence the generous room) */
		size_t room = (size_t)(end - start) * 6 + 16;
		if (t->n_pieces == t->cap_pieces) {
			size_t c = t->cap_pieces ? t->cap_pieces * 2 : 256;
			piece_t *p = realloc(t->pieces, c * sizeof *p);
			if (!p) {
				utext_close(ut);
				return dd_error_set(err, DD_ERR_NOMEM, "out of memory tokenizing");
			}
			t->pieces = p;
			t->cap_pieces = c;
		}
		if (reserve(&t->buf, &t->buf_cap, t->buf_len + room + 1) != 0) {
			utext_close(ut);
			return dd_error_set(err, DD_ERR_NOMEM, "out of memory tokenizing");
		}
		size_t nlen = dd_normalize_into(text + start, (size_t)(end - start), t->buf + t->buf_len, room);
		if (nlen == 0)
			continue;
		piece_t *p = &t->pieces[t->n_pieces++];
		p->start = (size_t)start;
		p->end = (size_t)end;
		p->norm = t->buf_len;
		p->nlen = nlen;
		p->flags = 0;
		if (rule >= UBRK_WORD_NUMBER && rule < UBRK_WORD_NUMBER_LIMIT)
			p->flags |= DD_TOKEN_NUMBER;
		size_t i = 0;
		if (dd_is_han(dd_utf8_next(t->buf + t->buf_len, &i)))
			p->flags |= DD_TOKEN_HAN;
		t->buf_len += nlen + 1;
	}
	utext_close(ut);
	return DD_OK;
}

/* Spells pieces [a, b) into t->word; returns its length or 0 if the pieces
 * are not contiguous in the original text. */
static size_t spell(dd_tokenizer_t *t, size_t a, size_t b)
{
	size_t len = 0;
	for (size_t k = a; k < b; k++) {
		if (k > a && t->pieces[k].start != t->pieces[k - 1].end)
			return 0;
		len += t->pieces[k].nlen;
	}
	if (reserve(&t->word, &t->word_cap, len + 1) != 0)
		return 0;
	size_t w = 0;
	for (size_t k = a; k < b; k++) {
		memcpy(t->word + w, t->buf + t->pieces[k].norm, t->pieces[k].nlen);
		w += t->pieces[k].nlen;
	}
	t->word[w] = '\0';
	return w;
}

static int emit(dd_tokenizer_t *t, size_t a, size_t b, size_t len, unsigned pos, int flags, dd_token_fn fn, void *ctx)
{
	dd_token_t tok;
	tok.text = t->word;
	tok.len = len;
	tok.start = t->pieces[a].start;
	tok.end = t->pieces[b - 1].end;
	tok.position = pos;
	tok.flags = flags | (t->pieces[a].flags & (DD_TOKEN_HAN | DD_TOKEN_NUMBER));
	return fn(&tok, ctx);
}

/* ICU sometimes cuts through a domain word in context (合管办报账 comes out
 * as 合|管|办报|账), so no run of whole pieces spells it.  For Han text,
 * whose normalised form is the original, every dictionary word found in a
 * run of contiguous pieces that does not start and end on piece boundaries
 * is emitted as a part, at the position of the piece it starts in. */
static int dictionary_words_across(dd_tokenizer_t *t, dd_token_fn fn, void *ctx)
{
	size_t max_bytes = dd_lexicon_max_word_bytes(t->lex);
	unsigned pos = 0;
	for (size_t k = 0; k < t->n_pieces; k++) {
		const piece_t *p = &t->pieces[k];
		if (!(p->flags & DD_TOKEN_HAN) || p->nlen != p->end - p->start)
			continue;
		/* each character start inside piece k */
		const char *norm = t->buf + p->norm;
		for (size_t c = 0; c < p->nlen;) {
			size_t clen = 1;
			while (c + clen < p->nlen && ((unsigned char)norm[c + clen] & 0xC0) == 0x80)
				clen++;
			/* spell forward across contiguous identity pieces */
			size_t wl = 0;
			size_t j = k, off = c;
			char word[256];
			while (j < t->n_pieces && wl < max_bytes && wl < sizeof word - 8) {
				const piece_t *q = &t->pieces[j];
				if (j > k && (q->start != t->pieces[j - 1].end || q->nlen != q->end - q->start))
					break;
				const char *qn = t->buf + q->norm;
				size_t l = 1;
				while (off + l < q->nlen && ((unsigned char)qn[off + l] & 0xC0) == 0x80)
					l++;
				if (wl + l >= sizeof word)
					break;
				memcpy(word + wl, qn + off, l);
				wl += l;
				off += l;
				int at_end = off == q->nlen;
				int aligned = c == 0 && at_end;
				if (!aligned && wl > clen && dd_lexicon_has_word(t->lex, word, wl)) {
					word[wl] = '\0';
					dd_token_t tok = { word,           wl,  p->start + c,
						           q->start + off, pos, DD_TOKEN_PART | DD_TOKEN_HAN };
					if (fn(&tok, ctx))
						return 1;
				}
				/* no longer word starts so: nothing more from c */
				if (!dd_lexicon_may_extend(t->lex, word, wl))
					break;
				if (at_end) {
					j++;
					off = 0;
				}
			}
			c += clen;
		}
		pos++;
	}
	return 0;
}

dd_status_t dd_tokenize(dd_tokenizer_t *t, const char *text, size_t len, dd_tokenize_mode_t mode, dd_token_fn fn,
                        void *ctx, dd_error_t *err)
{
	dd_status_t st = collect_pieces(t, text, len, err);
	if (st != DD_OK)
		return st;
	size_t max_bytes = t->lex ? dd_lexicon_max_word_bytes(t->lex) : 0;
	unsigned pos = 0;
	for (size_t a = 0; a < t->n_pieces; pos++) {
		size_t best = a + 1;
		if (t->lex) {
			size_t span = 0;
			for (size_t b = a + 1; b <= t->n_pieces && b - a <= MAX_MERGE; b++) {
				span += t->pieces[b - 1].nlen;
				if (span > max_bytes)
					break;
				if (b - a < 2)
					continue;
				size_t wl = spell(t, a, b);
				if (wl == 0)
					break;
				if (dd_lexicon_has_word(t->lex, t->word, wl))
					best = b;
				/* no longer word starts so: a longer merge spells none */
				if (!dd_lexicon_may_extend(t->lex, t->word, wl))
					break;
			}
		}
		size_t wl = spell(t, a, best);
		if (emit(t, a, best, wl, pos, best - a > 1 ? DD_TOKEN_MERGED : 0, fn, ctx))
			return DD_OK;
		if (mode == DD_TOKENIZE_INDEX && best - a > 1) {
			/* Every piece, and every shorter dictionary word inside. */
			for (size_t i = a; i < best; i++)
				for (size_t j = i + 1; j <= best; j++) {
					if (i == a && j == best)
						continue;
					size_t l = spell(t, i, j);
					if (j - i == 1 || dd_lexicon_has_word(t->lex, t->word, l))
						if (emit(t, i, j, l, pos, DD_TOKEN_PART, fn, ctx))
							return DD_OK;
				}
		}
		a = best;
	}
	if (mode == DD_TOKENIZE_INDEX && t->lex)
		dictionary_words_across(t, fn, ctx);
	return DD_OK;
}
