/* ranking.c - the weights, and compiling a plan into a Xapian query (see
 * ranking.h).  The query tree is built from the plan in one walk; the words
 * to highlight are gathered on the way and put in the order they were
 * typed at the end (global filters are compiled after the tree). */
#define _GNU_SOURCE /* memmem */
#include "ranking.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "schema.h"
#include "segment.h"
#include "text.h"

/* ---- weights ---- */

void dd_ranking_defaults(dd_ranking_t *r)
{
	r->bm25_k1 = 1.2;
	r->bm25_b = 0.75;
	r->expansion_weight = 1.0;
	r->neighbour_weight = 0.6;
	r->topic_weight = 0.5;
	r->cooccurrence_weight = 1.0;
	r->feedback_weight = 0.6;
	r->evidence_half = 6.0;
	r->sequence_weight = 1.0;
	r->character_weight = 0.5;
	r->rare_chars = 1.0;
	r->rare_df = 0.02;
	r->long_chunk = 6;
}

void dd_ranking_tuned(dd_ranking_t *r)
{
	dd_ranking_defaults(r);
	const char *env = getenv("DUNDIAN_TUNE");
	if (!env)
		return;
	char *copy = strdup(env), *save = NULL;
	for (char *kv = copy ? strtok_r(copy, ",", &save) : NULL; kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			continue;
		*eq = '\0';
		double v = atof(eq + 1);
		if (strcmp(kv, "k1") == 0)
			r->bm25_k1 = v;
		else if (strcmp(kv, "b") == 0)
			r->bm25_b = v;
		else if (strcmp(kv, "expand") == 0)
			r->expansion_weight = v;
		else if (strcmp(kv, "topic") == 0)
			r->topic_weight = v;
		else if (strcmp(kv, "feedback") == 0)
			r->feedback_weight = v;
		else if (strcmp(kv, "cooccur") == 0)
			r->cooccurrence_weight = v;
		else if (strcmp(kv, "neighbour") == 0)
			r->neighbour_weight = v;
		else if (strcmp(kv, "half") == 0)
			r->evidence_half = v;
		else if (strcmp(kv, "sequence") == 0)
			r->sequence_weight = v;
		else if (strcmp(kv, "char") == 0)
			r->character_weight = v;
		else if (strcmp(kv, "rarechar") == 0)
			r->rare_chars = v;
		else if (strcmp(kv, "raredf") == 0)
			r->rare_df = v;
		else if (strcmp(kv, "long") == 0)
			r->long_chunk = v;
	}
	free(copy);
}

unsigned dd_ranking_tag_wdf(double score)
{
	return 1 + (unsigned)(score * 9 + 0.5);
}

void dd_ranking_search_options(const dd_ranking_t *r, dd_search_options_t *opts, size_t offset, size_t limit)
{
	memset(opts, 0, sizeof *opts);
	opts->offset = offset;
	opts->limit = limit;
	opts->bm25_k1 = r->bm25_k1;
	opts->bm25_b = r->bm25_b;
	/* equal scores by note id: the same order whatever the shards */
	opts->tie_break = 1;
	opts->tie_slot = DD_SLOT_ID;
}

double dd_ranking_coverage(double typed, double related)
{
	return typed + DD_RELATIVE_CAP * (1.0 - exp(-related / DD_RELATIVE_CAP));
}

double dd_ranking_passage_score(double coverage, size_t cover, double hits, size_t chars)
{
	return 100.0 * coverage + 10.0 * 20.0 / (20.0 + (double)cover) + 3.0 * (hits > 5 ? 5 : hits) -
	       0.02 * (double)chars;
}

/* ---- compiling ---- */

/* A word or string to highlight, with where it was typed. */
typedef struct highlight {
	size_t at, seq;
	int literal;
	const char *text; /* borrowed from the plan, or in owned */
} highlight_t;

/* A growable list of sub-queries. */
typedef struct qlist {
	dd_query_t **v;
	size_t n, cap;
} qlist_t;

typedef struct compiler {
	const dd_ranking_context_t *ctx;
	const char *src;
	highlight_t *hl;
	size_t n_hl, cap_hl;
	size_t terms;
	double evidence, evidence_max; /* idf of the typed words: sum, largest */
	char **owned;                  /* texts made here (sequences, prefix words) that hl points into */
	size_t n_owned, cap_owned;
	dd_error_t *err;
	int failed;
	size_t scanned; /* words the query's prefixes listed, together */
	qlist_t boosts; /* what only ranks up what the rest matches */
	int long_chunk; /* compiling the words of a long chunk (a description) */
} compiler_t;

static void fail_nomem(compiler_t *c)
{
	if (!c->failed)
		dd_query_error(c->err, DD_ERR_NOMEM, c->src, "out of memory");
	c->failed = 1;
}

/* Counts n more terms against DD_RANKING_MAX_TERMS. */
static int count_terms(compiler_t *c, size_t n)
{
	c->terms += n;
	if (c->terms > DD_RANKING_MAX_TERMS && !c->failed) {
		dd_query_error(c->err, DD_ERR_INVALID, c->src,
		               "too complex (more than %d terms with the thesaurus relatives): use fewer words",
		               DD_RANKING_MAX_TERMS);
		c->failed = 1;
	}
	return c->failed ? -1 : 0;
}

static void highlight(compiler_t *c, const dd_plan_node_t *n, int literal, const char *text)
{
	if (DD_ARRAY_RESERVE(c->hl, c->n_hl, c->cap_hl, 1) != 0) {
		fail_nomem(c);
		return;
	}
	c->hl[c->n_hl] = (highlight_t){ n->start, c->n_hl, literal, text };
	c->n_hl++;
}

/* Highlights text, a malloc'd string made while compiling: the compiler
 * takes it and frees it at the end (the highlight lists copy it). */
static void highlight_owned(compiler_t *c, const dd_plan_node_t *n, int literal, char *text)
{
	if (DD_ARRAY_RESERVE(c->owned, c->n_owned, c->cap_owned, 1) != 0) {
		free(text);
		fail_nomem(c);
		return;
	}
	c->owned[c->n_owned++] = text;
	highlight(c, n, literal, text);
}

static size_t term_freq(const compiler_t *c, const char *term)
{
	return c->ctx->db ? dd_db_term_freq(c->ctx->db, term) : 1;
}

static void qlist_push(compiler_t *c, qlist_t *l, dd_query_t *q)
{
	if (DD_ARRAY_RESERVE(l->v, l->n, l->cap, 1) != 0) {
		dd_query_free(q);
		fail_nomem(c);
		return;
	}
	l->v[l->n++] = q;
}

/* Combines the list (taking its queries) and frees it. */
static dd_query_t *qlist_combine(qlist_t *l, dd_query_op_t op)
{
	dd_query_t *q = dd_query_combine(op, l->v, l->n);
	free(l->v);
	memset(l, 0, sizeof *l);
	return q;
}

static void qlist_free(qlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		dd_query_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* The check of an exact string's candidates (dd_query_checked): 1 when
 * the note's normalised title or body holds s (normalised, as the plan
 * gives it), which its character pairs, all in the note but perhaps
 * apart, cannot tell.  The index keeps both normalised in DD_SLOT_TEXT,
 * a NUL between, so this is one memmem: s holds no NUL, so no match
 * spans them. */
static int note_holds(const char *s, dd_candidate_t *note)
{
	size_t len, sl = strlen(s);
	const char *text = dd_candidate_value(note, DD_SLOT_TEXT, &len);
	return sl > 0 && memmem(text, len, s, sl) != NULL;
}

/* The notes holding the character ch (len bytes), weighted by how often:
 * the pairs it begins and its C term, which the index gives it only where
 * it begins no pair (note_index.c), as one term whose wdf is the count of
 * the character in the note. */
static dd_query_t *character_query(const char *ch, size_t len)
{
	char term[16];
	snprintf(term, sizeof term, "%s%.*s", DD_PREFIX_BIGRAM, (int)len, ch);
	dd_query_t *parts[2] = { dd_query_prefix(term), NULL };
	term[0] = DD_PREFIX_CHAR[0];
	parts[1] = dd_query_term(term, 1);
	if (!parts[0] || !parts[1]) {
		dd_query_free(parts[0]);
		dd_query_free(parts[1]);
		return NULL;
	}
	return dd_query_combine(DD_QUERY_SYNONYM, parts, 2);
}

dd_query_t *dd_literal_query(dd_db_t *db, const char *s)
{
	size_t len = strlen(s), n = 0;
	for (size_t i = 0; i < len; n++) {
		/* the index pairs no character with a space (note_index.c) */
		if (dd_is_blank(dd_utf8_next(s, &i)))
			return dd_query_match_nothing();
	}
	if (n == 0)
		return dd_query_match_nothing();
	size_t *starts = malloc(sizeof *starts * (n + 1));
	if (!starts)
		return NULL;
	size_t i = 0;
	for (size_t k = 0; k < n; k++) {
		starts[k] = i;
		dd_utf8_next(s, &i);
	}
	starts[n] = i;
	dd_query_t *q = NULL;
	if (n == 1) {
		q = character_query(s, starts[1] - starts[0]);
		free(starts);
		return q;
	}
	/* the pairs of adjacent characters, as the index holds them (B terms),
	 * without positions: the notes holding them all are checked against
	 * their text, unless s is one pair */
	char **terms = calloc(n - 1, sizeof *terms);
	int ok = terms != NULL;
	for (size_t k = 0; ok && k + 1 < n; k++) {
		size_t l = starts[k + 2 > n ? n : k + 2] - starts[k];
		if ((terms[k] = malloc(l + 2)) != NULL) {
			terms[k][0] = DD_PREFIX_BIGRAM[0];
			memcpy(terms[k] + 1, s + starts[k], l);
			terms[k][l + 1] = '\0';
		}
		ok &= terms[k] != NULL;
	}
	if (ok && n == 2)
		q = dd_query_term(terms[0], 1);
	else if (ok)
		q = dd_query_checked(db, (const char *const *)terms, n - 1, s, note_holds, DD_SLOT_ID_TERM);
	for (size_t k = 0; terms && k + 1 < n; k++)
		free(terms[k]);
	free(terms);
	free(starts);
	return q;
}

/* A word as the index knows it: the term, or its exact string when the
 * index has never seen it. */
static dd_query_t *word_or_string(compiler_t *c, const dd_plan_node_t *n, const char *w, int highlighted)
{
	if (term_freq(c, w) > 0) {
		if (highlighted)
			highlight(c, n, 0, w);
		count_terms(c, 1);
		return dd_query_term(w, 1);
	}
	if (highlighted)
		highlight(c, n, 1, w);
	count_terms(c, dd_utf8_length(w, strlen(w)));
	return dd_literal_query(c->ctx->db, w);
}

static int all_non_ascii(const char *w)
{
	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		if (*p < 0x80)
			return 0;
	return 1;
}

/* An unknown Han word (织袜, a word of the tokenizer's dictionary no note
 * holds) is matched as its exact string, and its characters (袜 in 袜机
 * and 袜厂) rank up at weight each the notes the rest of the query
 * matches: the last resort, so a note holding the string comes first and
 * one holding its characters before one holding neither, while a query
 * whose words no note holds still finds nothing (and gets its "did you
 * mean").  A character in most notes is left out.  unless_word: not for
 * the notes holding w itself (a known word: see rare_word_characters). */
static void characters_boost(compiler_t *c, const char *w, double weight, int unless_word)
{
	size_t len = strlen(w), chars = dd_utf8_length(w, len);
	if (chars < 2 || weight <= 0 || !all_non_ascii(w))
		return;
	qlist_t parts = { 0 };
	for (size_t i = 0; i < len && !c->failed;) {
		size_t j = i;
		dd_utf8_next(w, &j);
		dd_query_t *q = character_query(w + i, j - i);
		i = j;
		/* a character in most notes (有 of 你有) singles out none: not
		 * worth reading its long posting lists */
		if (q && c->ctx->db && 2 * dd_db_count_matches(c->ctx->db, q) > dd_db_doc_count(c->ctx->db)) {
			dd_query_free(q);
			continue;
		}
		count_terms(c, 1);
		qlist_push(c, &parts, q);
	}
	if (c->failed || parts.n == 0) {
		qlist_free(&parts);
		return;
	}
	dd_query_t *q = qlist_combine(&parts, DD_QUERY_OR);
	if (unless_word && count_terms(c, 1) == 0) {
		dd_query_t *subs[2] = { q, dd_query_term(w, 1) };
		q = dd_query_combine(DD_QUERY_AND_NOT, subs, 2);
	}
	qlist_push(c, &c->boosts, dd_query_scale(q, weight));
}

/* ---- how much the typed words already say ---- */

/* How rare a typed word is: log(1 + N / df), with N the notes indexed; a
 * word the index never saw counts as one in a single note; 1 without an
 * index.  A one-character word counts at character_weight. */
static double word_idf(const compiler_t *c, const char *w)
{
	if (!c->ctx->db)
		return 1.0;
	double docs = (double)dd_db_doc_count(c->ctx->db), df = (double)term_freq(c, w);
	double idf = log(1.0 + docs / (df > 0 ? df : 1.0));
	return dd_utf8_length(w, strlen(w)) == 1 ? idf * c->ctx->weights.character_weight : idf;
}

/* How much of its full weight the expansion of a word carrying idf counts:
 * 1 when the other typed words say nothing, half when they sum to
 * evidence_half, less the more and rarer they are.  A topical one-word
 * query keeps its relatives; a description of twelve words that single
 * out one note is not drowned by the relatives of each. */
static double expansion_scale(const compiler_t *c, double idf)
{
	double others = c->evidence - idf, half = c->ctx->weights.evidence_half;
	if (others <= 0 || half <= 0)
		return 1.0;
	return half / (half + others);
}

/* ---- one word and its relatives ---- */

/* A rare word typed in a long chunk (a description in the user's own
 * words: 臭气, 摔倒, 睡在) is likely the user's wording rather than the
 * note's, which says the same with other words sharing its characters
 * (臭味, 摔了一跤, 睡这里).  So its characters rank up, at rare_chars,
 * the notes the rest of the query matches that do not hold the word
 * itself: a note holding it has its full weight already, and one
 * holding neither the word nor its characters is not helped.  A short
 * query (a topic, keywords) is left alone: its words are chosen. */
static void rare_word_characters(compiler_t *c, const char *w)
{
	const dd_ranking_t *r = &c->ctx->weights;
	if (!c->long_chunk || !c->ctx->db || r->rare_chars <= 0 || dd_utf8_length(w, strlen(w)) < 2)
		return;
	size_t df = term_freq(c, w);
	if (df > 0 && (double)df <= r->rare_df * (double)dd_db_doc_count(c->ctx->db))
		characters_boost(c, w, r->rare_chars, 1);
}

/* Adds w to the list l unless it is there already or is skip. */
static void add_relative(compiler_t *c, const char ***l, size_t *n, size_t *cap, const char *w, const char *skip)
{
	if (strcmp(w, skip) == 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*l)[i], w) == 0)
			return;
	if (DD_ARRAY_RESERVE(*l, *n, *cap, 1) != 0) {
		fail_nomem(c);
		return;
	}
	(*l)[(*n)++] = w;
}

/* words[0..n) the index holds, as one term (Xapian's synonym operator:
 * their occurrences counted together, one idf for the lot), scaled by
 * weight; each highlighted as a relative of n.  NULL when none is in the
 * index. */
static dd_query_t *relatives_query(compiler_t *c, const dd_plan_node_t *n, const char *const *words, size_t count,
                                   double weight, int as_one)
{
	qlist_t terms = { 0 };
	for (size_t i = 0; i < count && !c->failed; i++) {
		if (term_freq(c, words[i]) == 0)
			continue;
		count_terms(c, 1);
		qlist_push(c, &terms, dd_query_term(words[i], 1));
		highlight(c, n, 0, words[i]);
	}
	if (terms.n == 0 || c->failed) {
		qlist_free(&terms);
		return NULL;
	}
	if (!as_one) {
		for (size_t i = 0; i < terms.n; i++)
			terms.v[i] = dd_query_scale(terms.v[i], weight);
		return qlist_combine(&terms, DD_QUERY_OR);
	}
	return dd_query_scale(qlist_combine(&terms, DD_QUERY_SYNONYM), weight);
}

/* Is w a synonym in one of its groups? */
static int is_synonym(const dd_lexicon_t *lex, const char *w)
{
	size_t ng = dd_lexicon_groups_of(lex, w, NULL, 0);
	size_t groups[8];
	ng = dd_lexicon_groups_of(lex, w, groups, ng < 8 ? ng : 8);
	for (size_t g = 0; g < ng && g < 8; g++)
		for (size_t i = 0; i < dd_lexicon_group_synonyms(lex, groups[g]); i++)
			if (strcmp(dd_lexicon_group_word(lex, groups[g], i), w) == 0)
				return 1;
	return 0;
}

/* One typed word plus, scaled by what the other typed words already say,
 * its synonyms as one term at expansion_weight (Xapian's synonym operator:
 * one idf for the lot), its topic neighbours at neighbour_weight (a typed
 * neighbour brings in its whole group there) and its groups' topics at
 * topic_weight.  part (see sequences): 1, a one-character word inside a
 * sequence, counts at character_weight; 2, a piece of an unknown word,
 * counts at character_weight without relatives or topics, unless it is a
 * topic's synonym (征地 in 征地补偿: the compound asks for the topic). */
static dd_query_t *word_query(compiler_t *c, const dd_plan_node_t *n, const char *w, int part)
{
	const dd_ranking_context_t *ctx = c->ctx;
	int expand = n->expand && ctx->lexicon != NULL;
	if (part == 2 && expand && is_synonym(ctx->lexicon, w))
		part = 0;
	dd_query_t *main_q = word_or_string(c, n, w, 1);
	/* not for an excluded word (-织袜 removes the notes holding 织袜 only),
	 * nor for one the thesaurus knows (道路交通: its relatives) */
	if (n->expand && term_freq(c, w) == 0 && !(expand && dd_lexicon_groups_of(ctx->lexicon, w, NULL, 0) > 0))
		characters_boost(c, w, ctx->weights.character_weight * (part ? ctx->weights.character_weight : 1), 0);
	if (part)
		main_q = dd_query_scale(main_q, ctx->weights.character_weight);
	else if (n->expand)
		rare_word_characters(c, w);
	if (!expand || part == 2)
		return main_q;
	size_t ng = dd_lexicon_groups_of(ctx->lexicon, w, NULL, 0);
	if (ng == 0)
		return main_q;
	size_t *groups = malloc(sizeof *groups * ng);
	if (!groups) {
		fail_nomem(c);
		return main_q;
	}
	ng = dd_lexicon_groups_of(ctx->lexicon, w, groups, ng);
	const char **syn = NULL, **nb = NULL;
	size_t n_syn = 0, cap_syn = 0, n_nb = 0, cap_nb = 0;
	for (size_t g = 0; g < ng && !c->failed; g++) {
		size_t size = dd_lexicon_group_size(ctx->lexicon, groups[g]);
		size_t n_synonyms = dd_lexicon_group_synonyms(ctx->lexicon, groups[g]);
		int typed_synonym = 0;
		for (size_t i = 0; i < n_synonyms; i++)
			typed_synonym |= strcmp(dd_lexicon_group_word(ctx->lexicon, groups[g], i), w) == 0;
		for (size_t i = 0; i < size && !c->failed; i++) {
			const char *v = dd_lexicon_group_word(ctx->lexicon, groups[g], i);
			if (typed_synonym && i < n_synonyms)
				add_relative(c, &syn, &n_syn, &cap_syn, v, w);
			else
				add_relative(c, &nb, &n_nb, &cap_nb, v, w);
		}
	}
	/* a word both a synonym and a neighbour (two groups) is a synonym */
	size_t kept = 0;
	for (size_t i = 0; i < n_nb; i++) {
		int dup = 0;
		for (size_t j = 0; j < n_syn && !dup; j++)
			dup = strcmp(nb[i], syn[j]) == 0;
		if (!dup)
			nb[kept++] = nb[i];
	}
	n_nb = kept;
	double scale = expansion_scale(c, word_idf(c, w));
	qlist_t subs = { 0 };
	qlist_push(c, &subs, main_q);
	if (!c->failed && n_syn)
		qlist_push(c, &subs, relatives_query(c, n, syn, n_syn, ctx->weights.expansion_weight * scale, 1));
	if (!c->failed && n_nb)
		qlist_push(c, &subs, relatives_query(c, n, nb, n_nb, ctx->weights.neighbour_weight * scale, 0));
	for (size_t g = 0; g < ng && !c->failed; g++) {
		const char *topic = dd_lexicon_group_topic(ctx->lexicon, groups[g]);
		if (topic) {
			char term[DD_TERM_MAX + 32];
			dd_schema_topic_rank_term(topic, term, sizeof term);
			count_terms(c, 1);
			qlist_push(c, &subs, dd_query_scale(dd_query_term(term, 1), ctx->weights.topic_weight * scale));
		}
	}
	free(syn);
	free(nb);
	free(groups);
	return qlist_combine(&subs, DD_QUERY_OR);
}

/* ---- a chunk of words ---- */

/* Most characters of a run of adjacent words matched as one sequence. */
#define SEQUENCE_MAX_CHARS 6

/* Is items[a..b] (inclusive) a run the user typed without a break (the
 * concatenation occurs in the normalised chunk), of at most
 * SEQUENCE_MAX_CHARS characters, with no ASCII and not itself a term?
 * Then *out is the malloc'd concatenation. */
static int sequence_of(compiler_t *c, const dd_plan_node_t *n, const char *chunk, size_t a, size_t b, char **out)
{
	*out = NULL;
	size_t bytes = 0, chars = 0;
	for (size_t i = a; i <= b; i++) {
		if (!all_non_ascii(n->items[i]))
			return 0;
		bytes += strlen(n->items[i]);
		chars += dd_utf8_length(n->items[i], strlen(n->items[i]));
	}
	if (chars > SEQUENCE_MAX_CHARS)
		return 0;
	char *seq = malloc(bytes + 1);
	if (!seq) {
		fail_nomem(c);
		return 0;
	}
	seq[0] = '\0';
	for (size_t i = a; i <= b; i++)
		strcat(seq, n->items[i]);
	if (!strstr(chunk, seq) || term_freq(c, seq) > 0) {
		free(seq);
		return 0;
	}
	*out = seq;
	return 1;
}

/* A short chunk typed as one word that neither the dictionary nor the
 * index knows (五保户, split into 五保 户): its malloc'd normalised
 * sequence, or NULL. */
static char *unknown_word(compiler_t *c, const dd_plan_node_t *n)
{
	if (n->n_items < 2)
		return NULL;
	char *chunk = dd_normalize_string(n->text, strlen(n->text)), *seq = NULL;
	if (!chunk)
		fail_nomem(c);
	else if (sequence_of(c, n, chunk, 0, n->n_items - 1, &seq) && strcmp(seq, chunk) != 0) {
		/* typed with a break inside (a space, a mark): not one word */
		free(seq);
		seq = NULL;
	}
	free(chunk);
	return seq;
}

/* What a sequence the index never holds as a term says: it is at most as
 * common as its rarest character pair (B term). */
static double sequence_idf(const compiler_t *c, const char *seq)
{
	if (!c->ctx->db)
		return 1.0;
	size_t len = strlen(seq), i = 0, rarest = (size_t)-1;
	while (i < len) {
		size_t j = i;
		dd_utf8_next(seq, &j);
		if (j >= len)
			break;
		size_t k = j;
		dd_utf8_next(seq, &k);
		char term[64];
		snprintf(term, sizeof term, "%s%.*s", DD_PREFIX_BIGRAM, (int)(k - i), seq + i);
		size_t df = term_freq(c, term);
		if (df < rarest)
			rarest = df;
		i = j;
	}
	double docs = (double)dd_db_doc_count(c->ctx->db);
	return log(1.0 + docs / (rarest > 0 && rarest != (size_t)-1 ? (double)rarest : 1.0));
}

/* Two one-character function words (才被, 了的): rare together perhaps,
 * but saying nothing of what a note is about, so not a sequence. */
static int function_pair(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return dd_utf8_length(a, la) == 1 && dd_utf8_length(b, lb) == 1 && dd_segment_is_function_char(a, la) &&
	       dd_segment_is_function_char(b, lb);
}

/* The exact character sequences of a chunk's adjacent words (as much as
 * one word each: a phrase weighs the sum of its character pairs, so it is
 * divided by their number).  An unknown word (above) is matched whole
 * first: its pieces are marked 2 in part and count at character_weight,
 * relatives and topics included, so the notes holding 五保户 come before
 * those about 五保 in general.  In a longer chunk each pair of adjacent
 * words is a sequence, and a one-character word in one is marked 1 (it
 * counts at character_weight; the sequence carries it). */
static void sequences(compiler_t *c, const dd_plan_node_t *n, qlist_t *out, char *part)
{
	double weight = c->ctx->weights.sequence_weight;
	if (n->n_items < 2 || weight <= 0)
		return;
	char *whole = unknown_word(c, n);
	if (whole) {
		size_t chars = dd_utf8_length(whole, strlen(whole));
		count_terms(c, chars);
		qlist_push(c, out, dd_query_scale(dd_literal_query(c->ctx->db, whole), weight));
		highlight_owned(c, n, 1, whole);
		memset(part, 2, n->n_items);
		return;
	}
	char *chunk = dd_normalize_string(n->text, strlen(n->text));
	if (!chunk) {
		fail_nomem(c);
		return;
	}
	for (size_t i = 0; i + 1 < n->n_items && !c->failed; i++) {
		char *seq;
		if (function_pair(n->items[i], n->items[i + 1]) || !sequence_of(c, n, chunk, i, i + 1, &seq))
			continue;
		size_t chars = dd_utf8_length(seq, strlen(seq));
		count_terms(c, chars);
		qlist_push(c, out, dd_query_scale(dd_literal_query(c->ctx->db, seq), weight / (double)(chars - 1)));
		highlight_owned(c, n, 1, seq);
		for (size_t k = i; k <= i + 1; k++)
			if (dd_utf8_length(n->items[k], strlen(n->items[k])) == 1)
				part[k] = 1;
	}
	free(chunk);
}

/* Is the chunk's word i one of its words before i? */
static int typed_before(const dd_plan_node_t *n, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(n->items[i], n->items[j]) == 0)
			return 1;
	return 0;
}

/* Sums word_idf over the different words of the expanded chunks (the
 * words whose relatives and topics the query brings in), an unknown word
 * (above) counting as one. */
static void gather_evidence(compiler_t *c, const dd_plan_node_t *n)
{
	if (n->kind == DD_PLAN_NOT)
		return;
	for (size_t i = 0; i < n->n_children; i++)
		gather_evidence(c, n->children[i]);
	if (n->kind != DD_PLAN_WORDS || !n->expand)
		return;
	char *whole = unknown_word(c, n);
	if (whole) {
		/* an unknown word says what its sequence says */
		double idf = sequence_idf(c, whole);
		free(whole);
		c->evidence += idf;
		if (idf > c->evidence_max)
			c->evidence_max = idf;
		return;
	}
	for (size_t i = 0; i < n->n_items; i++) {
		if (!typed_before(n, i)) {
			double idf = word_idf(c, n->items[i]);
			c->evidence += idf;
			if (idf > c->evidence_max)
				c->evidence_max = idf;
		}
	}
}

/* Plain text: its words OR-ed, with their exact sequences (above).  When
 * one chunk holds several words (河道污染 → 河道 污染), notes holding all
 * of them are ranked up: a note about river pollution beats one that
 * mentions river channels many times. */
static dd_query_t *words_query(compiler_t *c, const dd_plan_node_t *n)
{
	qlist_t subs = { 0 }, mains = { 0 };
	int together = n->n_items >= 2 && n->expand && c->ctx->weights.cooccurrence_weight > 0;
	char *part = calloc(n->n_items, 1);
	if (!part) {
		fail_nomem(c);
		return NULL;
	}
	size_t distinct = 0;
	for (size_t i = 0; i < n->n_items; i++)
		distinct += !typed_before(n, i);
	c->long_chunk = c->ctx->weights.long_chunk > 0 && (double)distinct >= c->ctx->weights.long_chunk;
	if (n->expand)
		sequences(c, n, &subs, part);
	for (size_t i = 0; i < n->n_items && !c->failed; i++) {
		if (together)
			qlist_push(c, &mains, word_or_string(c, n, n->items[i], 0));
		qlist_push(c, &subs, word_query(c, n, n->items[i], part[i]));
	}
	free(part);
	c->long_chunk = 0;
	if (c->failed) {
		qlist_free(&subs);
		qlist_free(&mains);
		return NULL;
	}
	if (!together)
		return qlist_combine(&subs, DD_QUERY_OR);
	dd_query_t *all = dd_query_scale(qlist_combine(&mains, DD_QUERY_AND), c->ctx->weights.cooccurrence_weight);
	dd_query_t *parts[2] = { qlist_combine(&subs, DD_QUERY_OR), all };
	return dd_query_combine(DD_QUERY_OR, parts, 2);
}

/* An exact string: its pieces must all occur. */
static dd_query_t *literal_query(compiler_t *c, const dd_plan_node_t *n)
{
	qlist_t parts = { 0 };
	for (size_t i = 0; i < n->n_items && !c->failed; i++) {
		count_terms(c, dd_utf8_length(n->items[i], strlen(n->items[i])));
		qlist_push(c, &parts, dd_literal_query(c->ctx->db, n->items[i]));
		highlight(c, n, 1, n->items[i]);
	}
	return qlist_combine(&parts, DD_QUERY_AND);
}

/* ---- prefixes (自来*) ---- */

typedef struct prefixed_word {
	char *word;
	size_t freq;
} prefixed_word_t;

typedef struct prefix_scan {
	compiler_t *c;
	const char *prefix;
	prefixed_word_t *v;
	size_t n, cap, seen;
} prefix_scan_t;

static int scan_prefixed_word(const char *suffix, void *vctx)
{
	prefix_scan_t *s = vctx;
	if (++s->seen + s->c->scanned > DD_PREFIX_MAX_SCAN)
		return 1;
	size_t pl = strlen(s->prefix), sl = strlen(suffix);
	char *w = malloc(pl + sl + 1);
	if (!w || DD_ARRAY_RESERVE(s->v, s->n, s->cap, 1) != 0) {
		free(w);
		fail_nomem(s->c);
		return 1;
	}
	memcpy(w, s->prefix, pl);
	memcpy(w + pl, suffix, sl + 1);
	s->v[s->n++] = (prefixed_word_t){ w, term_freq(s->c, w) };
	return 0;
}

/* The words of the index starting with the prefix: the most frequent
 * DD_PREFIX_MAX_WORDS as one synonym, each highlighted as typed. */
static dd_query_t *prefix_query(compiler_t *c, const dd_plan_node_t *n)
{
	const char *prefix = n->items[0];
	prefix_scan_t s = { c, prefix, NULL, 0, 0, 0 };
	if (!c->ctx->db) {
		/* no index to list words from: the prefix as a word */
		highlight(c, n, 0, prefix);
		count_terms(c, 1);
		return dd_query_term(prefix, 1);
	}
	dd_error_t err;
	if (dd_db_foreach_term(c->ctx->db, prefix, scan_prefixed_word, &s, &err) != DD_OK && !c->failed) {
		dd_query_error(c->err, err.status, c->src, "%s", err.message);
		c->failed = 1;
	}
	c->scanned += s.seen;
	if (c->scanned > DD_PREFIX_MAX_SCAN && !c->failed) {
		dd_query_error(c->err, DD_ERR_INVALID, c->src,
		               "prefix '%s*' matches too many words (the query's prefixes more than %d together): "
		               "type more of the word",
		               n->text, DD_PREFIX_MAX_SCAN);
		c->failed = 1;
	}
	/* keep the most frequent: a partial selection sort, the list is short */
	size_t keep = s.n < DD_PREFIX_MAX_WORDS ? s.n : DD_PREFIX_MAX_WORDS;
	for (size_t i = 0; i < keep; i++) {
		size_t best = i;
		for (size_t j = i + 1; j < s.n; j++)
			if (s.v[j].freq > s.v[best].freq)
				best = j;
		prefixed_word_t w = s.v[i];
		s.v[i] = s.v[best];
		s.v[best] = w;
	}
	qlist_t terms = { 0 };
	for (size_t i = 0; i < keep && !c->failed; i++) {
		count_terms(c, 1);
		qlist_push(c, &terms, dd_query_term(s.v[i].word, 1));
	}
	if (!c->failed && DD_ARRAY_RESERVE(c->owned, c->n_owned, c->cap_owned, keep) != 0)
		fail_nomem(c);
	for (size_t i = 0; i < s.n; i++) {
		if (i < keep && !c->failed) {
			/* the compiler keeps the words until highlighting is done */
			highlight(c, n, 0, s.v[i].word);
			c->owned[c->n_owned++] = s.v[i].word;
		} else {
			free(s.v[i].word);
		}
	}
	free(s.v);
	if (c->failed) {
		qlist_free(&terms);
		return NULL;
	}
	return qlist_combine(&terms, DD_QUERY_SYNONYM);
}

static dd_query_t *field_query(compiler_t *c, const dd_plan_node_t *n)
{
	count_terms(c, 1);
	if (n->kind == DD_PLAN_DATE && n->date_kind == DD_DATE_RANGE)
		return dd_query_value_range(DD_SLOT_DATE, n->date_lo[0] ? n->date_lo : NULL,
		                            n->date_hi[0] ? n->date_hi : NULL);
	char term[DD_TERM_MAX + 32];
	/* the plan checked the field name and the date's shape */
	int st = n->kind == DD_PLAN_DATE ? dd_schema_date_term(n->date_lo, term, sizeof term)
	                                 : dd_schema_filter_term(dd_schema_field(n->field), n->text, term, sizeof term);
	if (st != 0) {
		fail_nomem(c);
		return NULL;
	}
	return dd_query_term(term, 1);
}

static dd_query_t *compile_node(compiler_t *c, const dd_plan_node_t *n);

/* Positives combined with op, exclusions removed; exclusions alone:
 * everything except them. */
static dd_query_t *compile_list(compiler_t *c, const dd_plan_node_t *n, dd_query_op_t op)
{
	qlist_t pos = { 0 }, neg = { 0 };
	for (size_t i = 0; i < n->n_children && !c->failed; i++) {
		const dd_plan_node_t *child = n->children[i];
		if (child->kind == DD_PLAN_NOT)
			qlist_push(c, &neg, compile_node(c, child->children[0]));
		else
			qlist_push(c, &pos, compile_node(c, child));
	}
	if (c->failed) {
		qlist_free(&pos);
		qlist_free(&neg);
		return NULL;
	}
	dd_query_t *q = pos.n ? qlist_combine(&pos, op) : dd_query_match_all();
	free(pos.v);
	if (!neg.n)
		return q;
	dd_query_t *subs[2] = { q, qlist_combine(&neg, DD_QUERY_OR) };
	return dd_query_combine(DD_QUERY_AND_NOT, subs, 2);
}

static dd_query_t *compile_node(compiler_t *c, const dd_plan_node_t *n)
{
	switch (n->kind) {
	case DD_PLAN_WORDS:
		return words_query(c, n);
	case DD_PLAN_LITERAL:
		return literal_query(c, n);
	case DD_PLAN_PREFIX:
		return prefix_query(c, n);
	case DD_PLAN_FIELD:
	case DD_PLAN_DATE:
		/* an operand: it selects, the words rank */
		return dd_query_scale(field_query(c, n), 0);
	case DD_PLAN_AND:
		return compile_list(c, n, DD_QUERY_AND);
	case DD_PLAN_OR:
		return compile_list(c, n, DD_QUERY_OR);
	case DD_PLAN_GROUP:
		return compile_node(c, n->children[0]);
	case DD_PLAN_NOT: {
		/* alone (compile_list takes NOT children apart): everything but it */
		dd_query_t *subs[2] = { dd_query_match_all(), compile_node(c, n->children[0]) };
		return dd_query_combine(DD_QUERY_AND_NOT, subs, 2);
	}
	}
	return NULL;
}

/* A global filter's query: a field alone, or a group ("(group N)") compiled
 * like any part of the tree. */
static dd_query_t *filter_query(compiler_t *c, const dd_plan_filter_t *f)
{
	return f->name[0] != '(' ? field_query(c, f->node) : compile_node(c, f->node);
}

/* Filters: one field's values OR-ed, fields AND-ed, exclusions removed. */
static dd_query_t *apply_filters(compiler_t *c, const dd_plan_t *plan, dd_query_t *q)
{
	qlist_t and_parts = { 0 }, excluded = { 0 };
	char *done = calloc(plan->n_filters + 1, 1);
	if (!done)
		fail_nomem(c);
	for (size_t i = 0; i < plan->n_filters && !c->failed; i++) {
		const dd_plan_filter_t *f = &plan->filters[i];
		if (done[i])
			continue;
		if (f->negated) {
			qlist_push(c, &excluded, filter_query(c, f));
			continue;
		}
		qlist_t same = { 0 };
		for (size_t j = i; j < plan->n_filters && !c->failed; j++) {
			const dd_plan_filter_t *g = &plan->filters[j];
			if (!done[j] && !g->negated && strcmp(g->name, f->name) == 0) {
				qlist_push(c, &same, filter_query(c, g));
				done[j] = 1;
			}
		}
		qlist_push(c, &and_parts, qlist_combine(&same, DD_QUERY_OR));
	}
	free(done);
	if (c->failed) {
		qlist_free(&and_parts);
		qlist_free(&excluded);
		dd_query_free(q);
		return NULL;
	}
	if (and_parts.n) {
		dd_query_t *subs[2] = { q, qlist_combine(&and_parts, DD_QUERY_AND) };
		q = dd_query_combine(DD_QUERY_FILTER, subs, 2);
	}
	free(and_parts.v);
	if (excluded.n) {
		dd_query_t *subs[2] = { q, qlist_combine(&excluded, DD_QUERY_OR) };
		q = dd_query_combine(DD_QUERY_AND_NOT, subs, 2);
	}
	free(excluded.v);
	return q;
}

static int by_position(const void *a, const void *b)
{
	const highlight_t *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int add_unique(char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], s) == 0)
			return 0;
	char **l = realloc(*list, sizeof *l * (*n + 1));
	if (!l)
		return -1;
	*list = l;
	if (!(l[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

/* The prefixes typed (not excluded), into out->prefixes. */
static void collect_prefixes(compiler_t *c, const dd_plan_node_t *n, dd_parsed_query_t *out)
{
	if (!n || c->failed || n->kind == DD_PLAN_NOT)
		return;
	if (n->kind == DD_PLAN_PREFIX && add_unique(&out->prefixes, &out->n_prefixes, n->items[0]) != 0)
		fail_nomem(c);
	for (size_t i = 0; i < n->n_children; i++)
		collect_prefixes(c, n->children[i], out);
}

void dd_parsed_query_free(dd_parsed_query_t *pq)
{
	dd_query_free(pq->query);
	for (size_t i = 0; i < pq->n_words; i++)
		free(pq->words[i]);
	for (size_t i = 0; i < pq->n_literals; i++)
		free(pq->literals[i]);
	for (size_t i = 0; i < pq->n_prefixes; i++)
		free(pq->prefixes[i]);
	free(pq->words);
	free(pq->literals);
	free(pq->prefixes);
	free(pq->text);
	dd_plan_free(pq->plan);
	memset(pq, 0, sizeof *pq);
}

/* ---- segmenting a chunk again (segment.h) ---- */

static size_t segment_doc_freq(const char *word, void *ctx)
{
	return term_freq(ctx, word);
}

static int segment_is_word(const char *word, void *ctx)
{
	const compiler_t *c = ctx;
	return c->ctx->lexicon && dd_lexicon_has_word(c->ctx->lexicon, word, strlen(word));
}

/* The words of each chunk whose relatives the query brings in, segmented
 * again by the index's statistics where the tokenizer's cut is clearly the
 * worse one (躺半天才: 躺 半天 才, not 躺 半 天才), so the words the notes
 * use are the ones looked for.  Without an index the tokenizer's words
 * stand. */
static void resegment(compiler_t *c, dd_plan_node_t *n)
{
	if (!c->ctx->db || c->failed || n->kind == DD_PLAN_NOT)
		return;
	for (size_t i = 0; i < n->n_children; i++)
		resegment(c, n->children[i]);
	if (n->kind != DD_PLAN_WORDS || !n->expand || n->n_items < 2)
		return;
	char *chunk = dd_normalize_string(n->text, strlen(n->text));
	dd_segment_model_t model = { segment_doc_freq, segment_is_word, c, dd_db_doc_count(c->ctx->db) };
	char **words = NULL;
	size_t n_words = 0;
	dd_error_t err;
	if (!chunk || dd_segment_query_words(&model, chunk, n->items, n->n_items, &words, &n_words, &err) != DD_OK) {
		free(chunk);
		fail_nomem(c);
		return;
	}
	free(chunk);
	if (!words)
		return;
	for (size_t i = 0; i < n->n_items; i++)
		free(n->items[i]);
	free(n->items);
	n->items = words;
	n->n_items = n_words;
}

dd_status_t dd_ranking_compile(const dd_ranking_context_t *ctx, dd_plan_t *plan, dd_parsed_query_t *out,
                               dd_error_t *err)
{
	memset(out, 0, sizeof *out);
	out->plan = plan;
	compiler_t c = { .ctx = ctx, .src = plan->text, .err = err };
	if (plan->root)
		resegment(&c, plan->root);
	if (plan->root)
		gather_evidence(&c, plan->root);
	out->feedback_scale = expansion_scale(&c, c.evidence_max);
	dd_query_t *q = plan->root ? compile_node(&c, plan->root) : dd_query_match_all();
	if (!c.failed && !q)
		fail_nomem(&c);
	if (!c.failed && c.boosts.n) {
		dd_query_t *subs[2] = { q, qlist_combine(&c.boosts, DD_QUERY_OR) };
		q = dd_query_combine(DD_QUERY_AND_MAYBE, subs, 2);
		if (!q)
			fail_nomem(&c);
	}
	qlist_free(&c.boosts);
	q = c.failed ? (dd_query_free(q), NULL) : apply_filters(&c, plan, q);
	if (!c.failed && !q)
		fail_nomem(&c);
	out->query = q;
	/* the words to highlight, in the order typed */
	if (c.n_hl > 1)
		qsort(c.hl, c.n_hl, sizeof *c.hl, by_position);
	for (size_t i = 0; i < c.n_hl && !c.failed; i++) {
		int st = c.hl[i].literal ? add_unique(&out->literals, &out->n_literals, c.hl[i].text)
		                         : add_unique(&out->words, &out->n_words, c.hl[i].text);
		if (st != 0)
			fail_nomem(&c);
	}
	free(c.hl);
	for (size_t i = 0; i < c.n_owned; i++)
		free(c.owned[i]);
	free(c.owned);
	if (!c.failed)
		collect_prefixes(&c, plan->root, out);
	for (size_t i = 0; i < plan->n_filters; i++)
		collect_prefixes(&c, plan->filters[i].node, out);
	if (!c.failed && !(out->text = strdup(plan->text)))
		fail_nomem(&c);
	if (c.failed) {
		dd_status_t st = err && err->status ? err->status : DD_ERR_NOMEM;
		dd_parsed_query_free(out);
		return st;
	}
	out->has_text = plan->has_text;
	out->plain = plan->plain;
	return DD_OK;
}

dd_status_t dd_ranking_parse(const dd_plan_options_t *popts, const dd_ranking_context_t *ctx, const char *text,
                             dd_parsed_query_t *out, dd_error_t *err)
{
	memset(out, 0, sizeof *out);
	dd_plan_t *plan;
	dd_status_t st = dd_plan_parse(popts, text, &plan, err);
	return st != DD_OK ? st : dd_ranking_compile(ctx, plan, out, err);
}

/* ---- topic feedback ---- */

dd_status_t dd_ranking_feedback_boost(const dd_ranking_t *r, const char *const *topics, size_t n_topics,
                                      const dd_results_t *res, const dd_parsed_query_t *pq, dd_query_t **boost,
                                      dd_error_t *err)
{
	*boost = NULL;
	if (!pq->plain || n_topics == 0)
		return DD_OK;
	double *weight = calloc(n_topics, sizeof *weight), total = 0;
	if (!weight)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	size_t n = dd_results_count(res);
	if (n > DD_FEEDBACK_DOCS)
		n = DD_FEEDBACK_DOCS;
	for (size_t i = 0; i < n; i++) {
		double w = dd_results_score(res, i);
		total += w;
		/* the note's tag keys, one a line (DD_SLOT_TOPICS): no JSON to parse */
		size_t len;
		const char *tags = dd_results_value(res, i, DD_SLOT_TOPICS, &len);
		for (const char *p = tags, *end = tags + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t kl = nl ? (size_t)(nl - p) : (size_t)(end - p);
			for (size_t j = 0; j < n_topics; j++)
				if (strlen(topics[j]) == kl && memcmp(topics[j], p, kl) == 0)
					weight[j] += w;
			p += kl + 1;
		}
	}
	size_t best = 0;
	for (size_t j = 1; j < n_topics; j++)
		if (weight[j] > weight[best])
			best = j;
	double share = total > 0 ? weight[best] / total : 0;
	free(weight);
	/* Too few notes to judge, or no clear topic: leave the query alone. */
	if (n < 3 || share < DD_FEEDBACK_SHARE)
		return DD_OK;
	char term[DD_TERM_MAX + 32];
	dd_schema_topic_rank_term(topics[best], term, sizeof term);
	*boost = dd_query_scale(dd_query_term(term, 1), r->feedback_weight * share * pq->feedback_scale);
	return *boost ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
}

dd_status_t dd_ranking_topic_feedback(const dd_ranking_t *r, dd_db_t *db, const char *const *topics, size_t n_topics,
                                      dd_parsed_query_t *pq, dd_error_t *err)
{
	if (!pq->plain || n_topics == 0)
		return DD_OK;
	dd_search_options_t opts;
	dd_ranking_search_options(r, &opts, 0, DD_FEEDBACK_DOCS);
	dd_results_t *res;
	dd_status_t st = dd_db_search(db, pq->query, &opts, &res, err);
	if (st != DD_OK)
		return st;
	dd_query_t *boost;
	st = dd_ranking_feedback_boost(r, topics, n_topics, res, pq, &boost, err);
	dd_results_free(res);
	if (st != DD_OK || !boost)
		return st;
	dd_query_t *subs[2] = { pq->query, boost };
	pq->query = dd_query_combine(DD_QUERY_OR, subs, 2);
	return pq->query ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
}
