/* segment.c - a query's runs of Han words segmented again by the index's
 * statistics (see segment.h).
 *
 * For each run, a Viterbi pass over its characters: best[e] is the
 * greatest weight of a segmentation of the first e characters, from[e]
 * where its last word starts.  The tokenizer's segmentation is one of the
 * paths, so the best is never worse than it.
 */
#include "segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Characters that begin or end no word of their own making: particles,
 * prepositions, adverbs that ICU sticks to whatever is next (了一, 的是,
 * 才被).  A dictionary word or a word the tokenizer gave may hold them. */
static const char function_chars[] = "的了着过是在和与及把被就也都又才而之所很再还让给从向对";

static int all_han(const char *w, size_t len)
{
	size_t i = 0;
	if (len == 0)
		return 0;
	while (i < len)
		if (!dd_is_han(dd_utf8_next(w, &i)))
			return 0;
	return 1;
}

int dd_segment_is_function_char(const char *c, size_t len)
{
	for (size_t i = 0; function_chars[i];) {
		size_t j = i;
		dd_utf8_next(function_chars, &j);
		if (j - i == len && memcmp(function_chars + i, c, len) == 0)
			return 1;
		i = j;
	}
	return 0;
}

/* One run being segmented: its text, the byte offset of each character,
 * and where the tokenizer's words end. */
typedef struct run {
	const dd_segment_model_t *m;
	const char *text;
	size_t *at; /* at[k]: byte offset of character k; at[chars] = length */
	size_t chars;
	char *locked; /* locked[k]: k is inside a dictionary word the tokenizer gave */
	char *scratch;
} run_t;

static double weight_of(const run_t *r, size_t df)
{
	return log((df > 0 ? (double)df : 0.5) / (double)r->m->docs) - DD_SEGMENT_WORD_COST;
}

/* The weight of characters [s, e) as one word, or -HUGE_VAL when it is no
 * candidate.  given: it is a word the tokenizer gave. */
static double candidate(const run_t *r, size_t s, size_t e, int given)
{
	size_t len = r->at[e] - r->at[s];
	memcpy(r->scratch, r->text + r->at[s], len);
	r->scratch[len] = '\0';
	size_t df = r->m->doc_freq(r->scratch, r->m->ctx);
	if (given || e - s == 1)
		return weight_of(r, df);
	if (e - s > DD_SEGMENT_MAX_CHARS)
		return -HUGE_VAL;
	if (r->m->is_word && r->m->is_word(r->scratch, r->m->ctx))
		return weight_of(r, df);
	if (df == 0 || dd_segment_is_function_char(r->text + r->at[s], r->at[s + 1] - r->at[s]) ||
	    dd_segment_is_function_char(r->text + r->at[e - 1], r->at[e] - r->at[e - 1]))
		return -HUGE_VAL;
	return weight_of(r, df);
}

/* Segments the run; returns the number of words of the best segmentation
 * into cuts (word k is characters [cuts[k], cuts[k + 1])) when it beats the
 * tokenizer's, 0 when the tokenizer's stands, (size_t)-1 out of memory.
 * starts: the character where each of the tokenizer's n words starts. */
static size_t segment_run(run_t *r, const size_t *starts, size_t n, size_t *cuts)
{
	size_t m = r->chars;
	double *best = malloc(sizeof *best * (m + 1));
	size_t *from = malloc(sizeof *from * (m + 1));
	if (!best || !from) {
		free(best);
		free(from);
		return (size_t)-1;
	}
	double given_total = 0;
	for (size_t k = 0; k < n; k++)
		given_total += candidate(r, starts[k], k + 1 < n ? starts[k + 1] : m, 1);
	best[0] = 0;
	for (size_t e = 1; e <= m; e++) {
		best[e] = -HUGE_VAL;
		from[e] = e - 1;
		if (r->locked[e])
			continue;
		for (size_t s = e; s-- > 0;) {
			if (r->locked[s] || best[s] == -HUGE_VAL)
				continue;
			/* a word the tokenizer gave, however long */
			int given = 0;
			for (size_t k = 0; k < n; k++)
				given |= starts[k] == s && (k + 1 < n ? starts[k + 1] : m) == e;
			if (!given && e - s > DD_SEGMENT_MAX_CHARS)
				continue;
			double w = candidate(r, s, e, given);
			if (w != -HUGE_VAL && best[s] + w > best[e]) {
				best[e] = best[s] + w;
				from[e] = s;
			}
		}
	}
	size_t words = 0;
	if (best[m] > given_total + DD_SEGMENT_MARGIN) {
		for (size_t e = m; e > 0; e = from[e])
			words++;
		size_t k = words;
		cuts[k] = m;
		for (size_t e = m; e > 0; e = from[e])
			cuts[--k] = from[e];
	}
	free(best);
	free(from);
	return words;
}

static int push_word(char ***v, size_t *n, const char *s, size_t len)
{
	char *w = malloc(len + 1);
	char **g = realloc(*v, sizeof **v * (*n + 1));
	if (!w || !g) {
		free(w);
		if (g)
			*v = g;
		return -1;
	}
	memcpy(w, s, len);
	w[len] = '\0';
	*v = g;
	g[(*n)++] = w;
	return 0;
}

static void free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Segments the run of words[a..b) (their concatenation, text, of len
 * bytes), appending the words chosen to *v; *changed set when they differ
 * from the tokenizer's.  -1 out of memory. */
static int segment_words(const dd_segment_model_t *m, char *const *words, size_t a, size_t b, const char *text,
                         size_t len, char ***v, size_t *nv, int *changed)
{
	run_t r = { m, text, NULL, dd_utf8_length(text, len), NULL, NULL };
	size_t n = b - a;
	r.at = malloc(sizeof *r.at * (r.chars + 1));
	r.locked = calloc(r.chars + 1, 1);
	r.scratch = malloc(len + 1);
	size_t *starts = malloc(sizeof *starts * n), *cuts = malloc(sizeof *cuts * (r.chars + 1));
	int rc = -1;
	if (!r.at || !r.locked || !r.scratch || !starts || !cuts)
		goto done;
	for (size_t i = 0, k = 0; k <= r.chars; k++) {
		r.at[k] = i;
		if (i < len)
			dd_utf8_next(text, &i);
	}
	/* the tokenizer's words: where each starts, and the inside of the
	 * dictionary words among them, which no cut may fall in */
	size_t ch = 0;
	for (size_t k = 0; k < n; k++) {
		size_t wl = strlen(words[a + k]), wc = dd_utf8_length(words[a + k], wl);
		starts[k] = ch;
		if (wc > 1 && m->is_word && m->is_word(words[a + k], m->ctx))
			memset(r.locked + ch + 1, 1, wc - 1);
		ch += wc;
	}
	size_t got = segment_run(&r, starts, n, cuts);
	if (got == (size_t)-1)
		goto done;
	rc = 0;
	if (got == 0) {
		for (size_t k = 0; k < n && rc == 0; k++)
			rc = push_word(v, nv, words[a + k], strlen(words[a + k]));
	} else {
		*changed = 1;
		for (size_t k = 0; k < got && rc == 0; k++)
			rc = push_word(v, nv, text + r.at[cuts[k]], r.at[cuts[k + 1]] - r.at[cuts[k]]);
	}
done:
	free(r.at);
	free(r.locked);
	free(r.scratch);
	free(starts);
	free(cuts);
	return rc;
}

dd_status_t dd_segment_query_words(const dd_segment_model_t *m, const char *chunk, char *const *words, size_t n,
                                   char ***out, size_t *n_out, dd_error_t *err)
{
	*out = NULL;
	*n_out = 0;
	if (n < 2 || m->docs == 0)
		return DD_OK;
	char **v = NULL;
	size_t nv = 0;
	int changed = 0;
	char *text = NULL;
	size_t cursor = 0; /* where in chunk the next word is looked for */
	for (size_t a = 0; a < n;) {
		size_t la = strlen(words[a]);
		const char *found = strstr(chunk + cursor, words[a]);
		if (found)
			cursor = (size_t)(found - chunk) + la;
		/* the run of all-Han words from a typed without a break */
		size_t b = a + 1, tl = la;
		if (found && all_han(words[a], la))
			while (b < n && all_han(words[b], strlen(words[b])) &&
			       strncmp(chunk + cursor, words[b], strlen(words[b])) == 0) {
				cursor += strlen(words[b]);
				tl += strlen(words[b]);
				b++;
			}
		int rc;
		if (b - a < 2) {
			rc = push_word(&v, &nv, words[a], la);
		} else {
			rc = (text = malloc(tl + 1)) ? 0 : -1;
			if (rc == 0) {
				memcpy(text, found, tl);
				text[tl] = '\0';
				rc = segment_words(m, words, a, b, text, tl, &v, &nv, &changed);
			}
			free(text);
			text = NULL;
		}
		if (rc != 0) {
			free_words(v, nv);
			return dd_error_set(err, DD_ERR_NOMEM, "out of memory segmenting a query");
		}
		a = b;
	}
	if (!changed) {
		free_words(v, nv);
		return DD_OK;
	}
	*out = v;
	*n_out = nv;
	return DD_OK;
}
