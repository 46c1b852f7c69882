/* snippet.c - highlighting, sentence splitting and passage choice (see
 * snippet.h for the rules). */
#include "snippet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "text.h"

typedef struct span_list {
	dd_span_t *v;
	size_t n, cap;
} span_list_t;

static int push_span(span_list_t *l, size_t start, size_t end, size_t which)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		dd_span_t *v = realloc(l->v, sizeof *v * cap);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (dd_span_t){ start, end, which };
	return 0;
}

typedef struct word_match_ctx {
	const dd_parsed_query_t *pq;
	span_list_t *list;
	int failed;
} word_match_ctx_t;

static int match_word(const dd_token_t *tok, void *vctx)
{
	word_match_ctx_t *c = vctx;
	/* the first byte first: most tokens are none of the words */
	for (size_t i = 0; i < c->pq->n_words; i++)
		if (c->pq->words[i][0] == tok->text[0] && strcmp(c->pq->words[i], tok->text) == 0) {
			if (push_span(c->list, tok->start, tok->end, i) != 0)
				c->failed = 1;
			break;
		}
	return c->failed;
}

/* CJK punctuation after which ICU's word breaker always breaks, whatever
 * precedes, and across which the tokenizer never merges (it merges only
 * contiguous pieces, and punctuation is no piece).  Not the marks ICU may
 * keep inside a word (’ . ' in "don’t", "3.5") nor a dash or quote of
 * Latin text. */
static int is_clause_mark(uint32_t cp)
{
	switch (cp) {
	case '\n':
	case 0x3000: /* ideographic space */
	case 0x3001: /* 、 */
	case 0x3002: /* 。 */
	case 0xFF0C: /* ， */
	case 0xFF1B: /* ； */
	case 0xFF1A: /* ： */
	case 0xFF01: /* ！ */
	case 0xFF1F: /* ？ */
	case 0x201C: /* “ */
	case 0x201D: /* ” */
	case 0x300C: /* 「 */
	case 0x300D: /* 」 */
	case 0x300E: /* 『 */
	case 0x300F: /* 』 */
	case 0xFF08: /* （ */
	case 0xFF09: /* ） */
	case 0x3010: /* 【 */
	case 0x3011: /* 】 */
	case 0x300A: /* 《 */
	case 0x300B: /* 》 */
	case 0x2026: /* … */
		return 1;
	default:
		return 0;
	}
}

/* End of the clause starting at byte i: just past the next clause mark
 * that is followed by a Han character, another mark or the end (so no
 * combining mark or joiner after it could tie it to what follows), or len. */
static size_t clause_end(const char *text, size_t len, size_t i)
{
	while (i < len) {
		uint32_t cp = dd_utf8_next(text, &i);
		if (!is_clause_mark(cp))
			continue;
		if (i == len || cp == '\n')
			return i;
		size_t j = i;
		uint32_t next = dd_utf8_next(text, &j);
		if (dd_is_han(next) || is_clause_mark(next))
			return i;
	}
	return len;
}

/* Tokenizes text[start, end) and adds the spans of pq's words (offsets
 * into the whole text). */
static dd_status_t match_range(dd_tokenizer_t *tok, const dd_parsed_query_t *pq, const char *text, size_t start,
                               size_t end, span_list_t *list, dd_error_t *err)
{
	size_t first = list->n;
	word_match_ctx_t c = { pq, list, 0 };
	dd_status_t st = dd_tokenize(tok, text + start, end - start, DD_TOKENIZE_INDEX, match_word, &c, err);
	if (st == DD_OK && c.failed)
		st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	for (size_t i = first; i < list->n; i++) {
		list->v[i].start += start;
		list->v[i].end += start;
	}
	return st;
}

/* The spans of pq's words in text: what tokenizing the whole text and
 * keeping the tokens equal to a word gives, but only the clauses whose
 * normalised text holds one of the words as a substring go through the
 * tokenizer (a token is a run of normalised characters, normalisation is
 * character by character, and a clause ends where the tokenizer's answer
 * cannot depend on what lies beyond: see is_clause_mark).  Adjacent such
 * clauses are tokenized together. */
static dd_status_t match_words(dd_tokenizer_t *tok, const dd_parsed_query_t *pq, const char *text, size_t len,
                               span_list_t *list, dd_error_t *err)
{
	char small[1024], *buf = small;
	size_t buf_size = sizeof small;
	size_t run_start = 0, run_end = 0; /* clauses waiting to be tokenized */
	dd_status_t st = DD_OK;
	for (size_t at = 0; at < len && st == DD_OK;) {
		size_t end = clause_end(text, len, at);
		size_t need = (end - at) * 6 + 16;
		if (need > buf_size) {
			char *b = realloc(buf == small ? NULL : buf, need);
			if (!b) {
				st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
				break;
			}
			buf = b;
			buf_size = need;
		}
		int candidate = 0;
		if (dd_normalize_into(text + at, end - at, buf, buf_size))
			for (size_t i = 0; i < pq->n_words && !candidate; i++)
				candidate = strstr(buf, pq->words[i]) != NULL;
		if (candidate) {
			if (run_end != at) {
				if (run_end > run_start)
					st = match_range(tok, pq, text, run_start, run_end, list, err);
				run_start = at;
			}
			run_end = end;
		}
		at = end;
	}
	if (st == DD_OK && run_end > run_start)
		st = match_range(tok, pq, text, run_start, run_end, list, err);
	if (buf != small)
		free(buf);
	return st;
}

/* Spaces and control characters (NFKC has made every Unicode space an
 * ASCII one): a quoted string's match is marked without those at its ends,
 * which a reader cannot see and which lie outside every sentence. */
static int is_blank_byte(char c)
{
	return (unsigned char)c <= 0x20 || c == 0x7f;
}

static int by_start_then_longest(const void *a, const void *b)
{
	const dd_span_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

dd_status_t dd_highlight_spans(dd_tokenizer_t *tok, const dd_parsed_query_t *pq, const char *text, size_t len,
                               dd_span_t **spans, size_t *n_spans, dd_error_t *err)
{
	span_list_t list = { 0 };
	*spans = NULL;
	*n_spans = 0;
	if (pq->n_words) {
		dd_status_t st = match_words(tok, pq, text, len, &list, err);
		if (st != DD_OK) {
			free(list.v);
			return st;
		}
	}
	if (pq->n_literals) {
		dd_normalized_t norm;
		dd_status_t st = dd_normalize(text, len, &norm, err);
		if (st != DD_OK) {
			free(list.v);
			return st;
		}
		for (size_t i = 0; i < pq->n_literals; i++) {
			const char *lit = pq->literals[i];
			size_t ll = strlen(lit);
			for (const char *p = norm.text; ll && (p = strstr(p, lit)) != NULL; p++) {
				size_t a = (size_t)(p - norm.text), b = a + ll;
				/* the match must start and end on whole original characters */
				size_t start = norm.origin[a];
				size_t end = b < norm.len ? norm.origin[b] : len;
				while (start < end && is_blank_byte(text[start]))
					start++;
				while (end > start && is_blank_byte(text[end - 1]))
					end--;
				if (end > start && push_span(&list, start, end, pq->n_words + i) != 0) {
					dd_normalized_free(&norm);
					free(list.v);
					return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
				}
			}
		}
		dd_normalized_free(&norm);
	}
	if (list.n) {
		qsort(list.v, list.n, sizeof *list.v, by_start_then_longest);
		size_t w = 0;
		for (size_t i = 0; i < list.n; i++)
			if (w == 0 || list.v[i].start >= list.v[w - 1].end)
				list.v[w++] = list.v[i];
		list.n = w;
	}
	*spans = list.v;
	*n_spans = list.n;
	return DD_OK;
}

/* ---- query word weights ---- */

double *dd_query_word_weights(const dd_parsed_query_t *pq, const char *query_text)
{
	size_t n = pq->n_words + pq->n_literals;
	if (n == 0)
		return NULL;
	double *weights = malloc(sizeof *weights * n);
	char *typed = dd_normalize_string(query_text, strlen(query_text));
	if (!weights || !typed) {
		free(weights);
		free(typed);
		return NULL;
	}
	for (size_t i = 0; i < pq->n_words; i++) {
		weights[i] = strstr(typed, pq->words[i]) ? 1.0 : DD_RELATIVE_WEIGHT;
		/* a word a typed prefix (自来*) brought in counts as typed */
		for (size_t k = 0; k < pq->n_prefixes; k++)
			if (strncmp(pq->words[i], pq->prefixes[k], strlen(pq->prefixes[k])) == 0)
				weights[i] = 1.0;
	}
	for (size_t i = 0; i < pq->n_literals; i++)
		weights[pq->n_words + i] = 1.0;
	free(typed);
	return weights;
}

dd_match_kind_t dd_match_kind(const dd_parsed_query_t *pq, const double *weights, size_t which)
{
	if (which >= pq->n_words)
		return DD_MATCH_LITERAL;
	return weights && weights[which] < 1.0 ? DD_MATCH_RELATIVE : DD_MATCH_TYPED;
}

const char *dd_match_kind_name(dd_match_kind_t kind)
{
	return kind == DD_MATCH_RELATIVE ? "relative" : kind == DD_MATCH_LITERAL ? "literal" : "typed";
}

/* ---- sentences ---- */

/* Marks that end a sentence by themselves. */
static int is_terminator(uint32_t cp)
{
	return cp == 0x3002 /* 。 */ || cp == 0xFF01 /* ！ */ || cp == 0xFF1F /* ？ */ || cp == 0xFF61 /* ｡ */ ||
	       cp == '!' || cp == '?';
}

/* Closing quotes and brackets that stay with the sentence they close. */
static int is_closer(uint32_t cp)
{
	return cp == 0x201D /* ” */ || cp == 0x2019 /* ’ */ || cp == 0x300D /* 」 */ || cp == 0x300F /* 』 */ ||
	       cp == 0xFF09 /* ） */ || cp == 0x3011 /* 】 */ || cp == ')' || cp == '"' || cp == '\'';
}

/* Code point at text[i] without advancing (i < end). */
static uint32_t peek(const char *text, size_t i)
{
	return dd_utf8_next(text, &i);
}

typedef struct sentence_list {
	dd_sentence_t *v;
	size_t n, cap;
	const char *text;
	int failed;
} sentence_list_t;

/* Adds text[start, end) as a sentence of paragraph, blanks trimmed. */
static void add_sentence(sentence_list_t *l, size_t start, size_t end, size_t paragraph)
{
	while (start < end) {
		size_t next = start;
		if (!dd_is_blank(dd_utf8_next(l->text, &next)))
			break;
		start = next;
	}
	while (end > start) {
		size_t last = end - 1;
		while (last > start && ((unsigned char)l->text[last] & 0xC0) == 0x80)
			last--;
		if (!dd_is_blank(peek(l->text, last)))
			break;
		end = last;
	}
	if (start == end)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		dd_sentence_t *v = realloc(l->v, sizeof *v * cap);
		if (!v) {
			l->failed = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (dd_sentence_t){ start, end, dd_utf8_length(l->text + start, end - start), paragraph };
}

/* Past the closers and terminators that follow position i. */
static size_t skip_closing(const char *text, size_t i, size_t end)
{
	while (i < end) {
		size_t next = i;
		uint32_t cp = dd_utf8_next(text, &next);
		if (!is_closer(cp) && !is_terminator(cp))
			break;
		i = next;
	}
	return i;
}

static int split_paragraph(size_t number, size_t start, size_t end, void *vctx)
{
	sentence_list_t *l = vctx;
	const char *text = l->text;
	size_t sentence_start = start, i = start;
	while (i < end && !l->failed) {
		size_t next = i;
		uint32_t cp = dd_utf8_next(text, &next);
		if (cp == '\n') {
			add_sentence(l, sentence_start, i, number);
			sentence_start = i = next;
		} else if (is_terminator(cp)) {
			i = skip_closing(text, next, end);
			add_sentence(l, sentence_start, i, number);
			sentence_start = i;
		} else if (cp == 0x2026 /* … */) {
			/* 那……那你也不能 goes on; 来不及办……” ends. */
			while (next < end && peek(text, next) == 0x2026)
				dd_utf8_next(text, &next);
			if (next < end && is_closer(peek(text, next))) {
				i = skip_closing(text, next, end);
				add_sentence(l, sentence_start, i, number);
				sentence_start = i;
			} else {
				i = next;
			}
		} else {
			i = next;
		}
	}
	add_sentence(l, sentence_start, end, number);
	return l->failed;
}

dd_status_t dd_split_sentences(const char *text, size_t len, dd_sentence_t **out, size_t *n_out, dd_error_t *err)
{
	sentence_list_t l = { NULL, 0, 0, text, 0 };
	*out = NULL;
	*n_out = 0;
	dd_note_foreach_paragraph(text, len, split_paragraph, &l);
	if (l.failed) {
		free(l.v);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	*out = l.v;
	*n_out = l.n;
	return DD_OK;
}

/* ---- passage choice ---- */

/* What the scorer knows about the text: sentences, and each span's
 * position in characters. */
typedef struct scorer {
	const dd_sentence_t *sentences;
	size_t n_sentences, len; /* sentences, and the text's length in bytes */
	const dd_span_t *spans;
	size_t n_spans;
	size_t *span_char_start, *span_char_end;
	const dd_passage_options_t *opts;
	size_t *stamp; /* stamp[which] == window: which already counted */
	size_t window;
	size_t *inside; /* indexes of the spans inside the current window */
	size_t *needed; /* per which: occurrences inside the cover being slid */
} scorer_t;

static double weight_of(const scorer_t *sc, size_t which)
{
	if (sc->opts->weights && which < sc->opts->n_weights)
		return sc->opts->weights[which];
	return 1.0;
}

/* Index of the first span starting at or after byte lo. */
static size_t first_span_from(const scorer_t *sc, size_t lo)
{
	size_t a = 0, b = sc->n_spans;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (sc->spans[mid].start < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Length in characters of the shortest stretch of the window holding
 * every different word the window holds (the classic minimum window over
 * the k spans inside, in order). */
static size_t shortest_cover(scorer_t *sc, size_t k, size_t distinct)
{
	size_t best = (size_t)-1, have = 0, left = 0;
	for (size_t right = 0; right < k; right++) {
		if (sc->needed[sc->spans[sc->inside[right]].which]++ == 0)
			have++;
		while (have == distinct) {
			size_t length = sc->span_char_end[sc->inside[right]] - sc->span_char_start[sc->inside[left]];
			if (length < best)
				best = length;
			if (--sc->needed[sc->spans[sc->inside[left]].which] == 0)
				have--;
			left++;
		}
	}
	for (size_t j = left; j < k; j++)
		sc->needed[sc->spans[sc->inside[j]].which] = 0;
	return best;
}

/* Where a window ending with sentence b ends for its hits: the start of
 * the next sentence, or the end of the text. */
static size_t window_end(const scorer_t *sc, size_t b)
{
	return b + 1 < sc->n_sentences ? sc->sentences[b + 1].start : sc->len;
}

/* What window_score gives a window holding no hit.  Not a negative number:
 * the shortness term makes a window holding a hit negative too once its
 * sentences pass a few thousand characters, and such a hit must still get
 * its passage. */
#define NO_HIT (-HUGE_VAL)

/* Score of the sentences [a, b] (chars characters), or NO_HIT when no hit
 * lies inside: dd_ranking_passage_score of the different words (weighted:
 * a thesaurus relative counts for little), the shortest stretch holding
 * them all, the weighted hits and the length. */
static double window_score(scorer_t *sc, size_t a, size_t b, size_t chars)
{
	/* up to the next sentence: a hit may end in the blanks after b */
	size_t lo = sc->sentences[a].start, hi = window_end(sc, b);
	double typed = 0, related = 0, hits = 0;
	size_t k = 0, distinct = 0;
	sc->window++;
	for (size_t i = first_span_from(sc, lo); i < sc->n_spans && sc->spans[i].start < hi; i++) {
		const dd_span_t *s = &sc->spans[i];
		if (s->end > hi)
			continue;
		double w = weight_of(sc, s->which);
		if (sc->stamp[s->which] != sc->window) {
			sc->stamp[s->which] = sc->window;
			*(w >= 1.0 ? &typed : &related) += w;
			distinct++;
		}
		hits += w;
		sc->inside[k++] = i;
	}
	if (k == 0)
		return NO_HIT;
	size_t cover = shortest_cover(sc, k, distinct);
	return dd_ranking_passage_score(dd_ranking_coverage(typed, related), cover, hits, chars);
}

/* The spans lying wholly inside [lo, hi): first index and count. */
static void spans_inside(const dd_span_t *spans, size_t n_spans, size_t lo, size_t hi, size_t *first, size_t *count)
{
	*first = 0;
	*count = 0;
	for (size_t i = 0; i < n_spans; i++) {
		if (spans[i].start < lo || spans[i].end > hi)
			continue;
		if (*count == 0)
			*first = i;
		(*count)++;
	}
}

/* The score a passage with hits reports: window scores mapped by an
 * increasing function onto the positive numbers, so passages still compare
 * between calls as their windows do, a passage with hits always scores
 * above the 0 of the opening passage of a note without hits, and a caller
 * keeping "the best passage above -1 or 0" never drops a hit in a very
 * long sentence. */
static double reported_score(double window)
{
	return window >= 1 ? window : exp(window - 1);
}

/* Character offset of byte target, walking on from a cursor (restarting
 * from the beginning when target lies behind it). */
static size_t char_offset(const char *text, size_t target, size_t *cursor_byte, size_t *cursor_char)
{
	if (target < *cursor_byte)
		*cursor_byte = *cursor_char = 0;
	*cursor_char += dd_utf8_length(text + *cursor_byte, target - *cursor_byte);
	*cursor_byte = target;
	return *cursor_char;
}

dd_status_t dd_choose_passages(const char *text, size_t len, const dd_span_t *spans, size_t n_spans,
                               const dd_passage_options_t *opts, dd_passage_t **out, size_t *n_out, dd_error_t *err)
{
	*out = NULL;
	*n_out = 0;
	dd_sentence_t *sentences;
	size_t n_sentences;
	dd_status_t st = dd_split_sentences(text, len, &sentences, &n_sentences, err);
	if (st != DD_OK)
		return st;
	if (n_sentences == 0 || opts->max_passages == 0) {
		free(sentences);
		return DD_OK;
	}
	size_t max_which = 0;
	for (size_t i = 0; i < n_spans; i++)
		if (spans[i].which > max_which)
			max_which = spans[i].which;
	dd_passage_t *res = calloc(opts->max_passages, sizeof *res);
	char *used = calloc(n_sentences, 1), *has_hit = calloc(n_sentences, 1);
	size_t *stamp = calloc(max_which + 1, sizeof *stamp);
	size_t *needed = calloc(max_which + 1, sizeof *needed);
	size_t *char_start = calloc(n_spans + 1, sizeof *char_start);
	size_t *char_end = calloc(n_spans + 1, sizeof *char_end);
	size_t *inside = calloc(n_spans + 1, sizeof *inside);
	if (!res || !used || !has_hit || !stamp || !needed || !char_start || !char_end || !inside) {
		free(res);
		res = NULL;
		st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		goto done;
	}
	size_t cursor_byte = 0, cursor_char = 0, k = 0;
	for (size_t i = 0; i < n_spans; i++) {
		char_start[i] = char_offset(text, spans[i].start, &cursor_byte, &cursor_char);
		char_end[i] = char_offset(text, spans[i].end, &cursor_byte, &cursor_char);
		/* a sentence is worth starting a window at when a hit starts in it */
		while (k < n_sentences && sentences[k].end <= spans[i].start)
			k++;
		if (k < n_sentences && sentences[k].start <= spans[i].start)
			has_hit[k] = 1;
	}
	scorer_t sc = { sentences, n_sentences, len,   spans, n_spans, char_start,
		        char_end,  opts,        stamp, 0,     inside,  needed };
	size_t n = 0;
	while (n < opts->max_passages) {
		double best = NO_HIT;
		size_t best_a = 0, best_b = 0;
		if (n_spans == 0) {
			/* no hits: the opening sentences */
			best = 0;
			size_t chars = sentences[0].chars;
			while (best_b + 1 < n_sentences && sentences[best_b + 1].paragraph == sentences[0].paragraph &&
			       chars + sentences[best_b + 1].chars <= opts->max_chars)
				chars += sentences[++best_b].chars;
		}
		for (size_t a = 0; a < n_sentences && n_spans; a++) {
			if (used[a] || !has_hit[a])
				continue;
			size_t chars = 0;
			int holds_hit = 0;
			/* within a's paragraph, or past it while no window from a
			 * holds a hit yet: an exact string may run over a
			 * paragraph break */
			for (size_t b = a; b < n_sentences && !used[b] &&
			                   (sentences[b].paragraph == sentences[a].paragraph || !holds_hit);
			     b++) {
				chars += sentences[b].chars;
				/* past max_chars only while no window from a holds a
				 * hit yet: an exact string running over several
				 * sentences is kept whole, as a long sentence is */
				if (b > a && chars > opts->max_chars && holds_hit)
					break;
				double score = window_score(&sc, a, b, chars);
				holds_hit |= score != NO_HIT;
				/* strictly better only: on a tie the earlier, shorter window stays */
				if (score != NO_HIT && (best == NO_HIT || score > best + 1e-9)) {
					best = score;
					best_a = a;
					best_b = b;
				}
			}
		}
		if (best == NO_HIT)
			break;
		for (size_t c = 0; c < opts->context; c++) {
			if (best_a > 0 && !used[best_a - 1] &&
			    sentences[best_a - 1].paragraph == sentences[best_a].paragraph)
				best_a--;
			if (best_b + 1 < n_sentences && !used[best_b + 1] &&
			    sentences[best_b + 1].paragraph == sentences[best_b].paragraph)
				best_b++;
		}
		for (size_t s = best_a; s <= best_b; s++)
			used[s] = 1;
		dd_passage_t *p = &res[n++];
		p->start = sentences[best_a].start;
		p->end = sentences[best_b].end;
		/* a hit ending in the blanks after the window ends the passage */
		for (size_t i = first_span_from(&sc, p->start); i < n_spans && spans[i].start < p->end; i++)
			if (spans[i].end > p->end && spans[i].end <= window_end(&sc, best_b))
				p->end = spans[i].end;
		p->paragraph = sentences[best_a].paragraph;
		p->score = n_spans ? reported_score(best) : 0;
		spans_inside(spans, n_spans, p->start, p->end, &p->first_span, &p->n_spans);
		if (n_spans == 0)
			break;
	}
	if (n == 0) {
		free(res);
		res = NULL;
	}
	*out = res;
	*n_out = n;
done:
	free(used);
	free(has_hit);
	free(stamp);
	free(needed);
	free(inside);
	free(char_start);
	free(char_end);
	free(sentences);
	return st;
}

dd_status_t dd_best_passages(const char *text, size_t len, const dd_span_t *spans, size_t n_spans, size_t max_passages,
                             size_t max_chars, size_t context, dd_passage_t **out, size_t *n_out, dd_error_t *err)
{
	dd_passage_options_t opts = { max_passages, max_chars, context, NULL, 0 };
	return dd_choose_passages(text, len, spans, n_spans, &opts, out, n_out, err);
}

char *dd_mark_spans(const char *text, size_t start, size_t end, const dd_span_t *spans, size_t n_spans,
                    const char *open, const char *close)
{
	size_t ol = strlen(open), cl = strlen(close);
	size_t cap = end - start + 1;
	for (size_t i = 0; i < n_spans; i++)
		cap += ol + cl;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t w = 0, pos = start;
	for (size_t i = 0; i < n_spans; i++) {
		if (spans[i].start < pos || spans[i].end > end)
			continue;
		memcpy(out + w, text + pos, spans[i].start - pos);
		w += spans[i].start - pos;
		memcpy(out + w, open, ol);
		w += ol;
		memcpy(out + w, text + spans[i].start, spans[i].end - spans[i].start);
		w += spans[i].end - spans[i].start;
		memcpy(out + w, close, cl);
		w += cl;
		pos = spans[i].end;
	}
	memcpy(out + w, text + pos, end - pos);
	w += end - pos;
	out[w] = '\0';
	return out;
}
