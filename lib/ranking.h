/* ranking.h - every weight and every ranking step of dundian, in one place.
 *
 * Index time: how much a title word and a topic tag weigh in a document
 * (note_index.c asks here).  Search time: BM25's parameters; compiling a
 * query plan (plan.h) into a Xapian query, with thesaurus expansion, topic
 * evidence and co-occurrence at their weights; topic feedback; and how
 * snippets score a passage.  To change a weight, change this file (and
 * ranking.c); bench/quality and bench/tagging measure the effect.
 *
 * The defaults were chosen with bench/quality.  The variable
 * DUNDIAN_TUNE="k1=1.2,b=0.75,expand=1,neighbour=0.6,topic=0.5,feedback=0.6,
 * cooccur=1,half=6,sequence=1,char=0.5,rarechar=1,raredf=0.02,long=6" overrides the search-time ones
 * (dd_ranking_tuned), for parameter sweeps.
 */
#ifndef DD_RANKING_H
#define DD_RANKING_H

#include <stddef.h>

#include "lexicon.h"
#include "plan.h"
#include "status.h"
#include "xapian_wrap.h"

/* ---- index time ---- */

/* A title word counts this many times a body word. */
#define DD_TITLE_WDF 4

/* The wdf of a note's XK<topic> term for a tag of confidence score in
 * [0, 1]: 1 to 10, so a confident tag ranks its note up more. */
unsigned dd_ranking_tag_wdf(double score);

/* ---- search time ---- */

typedef struct dd_ranking {
	double bm25_k1, bm25_b;     /* BM25 (Xapian's k2 = 0, k3 = 1, min_normlen = 0.5) */
	double expansion_weight;    /* a typed word's synonyms, as one term, relative to the word */
	double neighbour_weight;    /* its topic neighbours (or, for a neighbour, its whole group) */
	double topic_weight;        /* the XK term of a typed word's thesaurus group */
	double cooccurrence_weight; /* all words of one chunk together */
	double feedback_weight;     /* topic feedback, times the topic's share */
	double evidence_half;       /* idf the other typed words sum to when a word's
	                               relatives and topic count half (see below) */
	double sequence_weight;     /* adjacent typed words as their exact character sequence */
	double character_weight;    /* a one-character word inside such a sequence */
	double rare_chars;          /* a rare word of a long chunk: its characters, where it is not */
	double rare_df;             /* a typed word in at most this share of the notes is rare */
	double long_chunk;          /* a chunk of at least this many different words is long */
} dd_ranking_t;

/* The chosen defaults. */
void dd_ranking_defaults(dd_ranking_t *r);
/* The defaults, with DUNDIAN_TUNE's overrides (read at each call). */
void dd_ranking_tuned(dd_ranking_t *r);

/* Search options with r's BM25 parameters, for offset/limit. */
void dd_ranking_search_options(const dd_ranking_t *r, dd_search_options_t *opts, size_t offset, size_t limit);

/* Topic feedback looks at this many best notes, and needs one topic to hold
 * at least this share of their scores. */
#define DD_FEEDBACK_DOCS 10
#define DD_FEEDBACK_SHARE 0.5

/* A compiled query, with what snippets highlight. */
typedef struct dd_parsed_query {
	dd_query_t *query; /* owned */
	char *text;        /* the query as typed (owned) */
	int has_text;      /* 0: filters only (caller may sort by date) */
	int plain;         /* 1: only words: no quotes, operators, fields */
	/* For highlighting: normalised words (typed and expanded) and exact
	 * strings, each list without duplicates, in the order typed. */
	char **words;
	size_t n_words;
	char **literals;
	size_t n_literals;
	/* The prefixes typed (自来 of 自来*), normalised: the words they
	 * brought in are among words and count as typed. */
	char **prefixes;
	size_t n_prefixes;
	dd_plan_t *plan;       /* what it was compiled from (owned) */
	double feedback_scale; /* topic feedback counts this share of its weight */
} dd_parsed_query_t;

void dd_parsed_query_free(dd_parsed_query_t *pq);

typedef struct dd_ranking_context {
	const dd_lexicon_t *lexicon; /* thesaurus; NULL: no expansion */
	dd_db_t *db;                 /* term frequencies; NULL: every word is known */
	dd_ranking_t weights;
} dd_ranking_context_t;

/* Most terms one query may compile to (words, relatives, pairs of exact
 * strings): past it DD_ERR_INVALID "query '...': too complex", so a query
 * cannot make the search run for minutes. */
#define DD_RANKING_MAX_TERMS 20000

/* A prefix (自来*) matches the DD_PREFIX_MAX_WORDS most frequent words of
 * the index starting with it, scored as one term (Xapian's synonym
 * operator) so a prefix weighs like one word however many it brings in.
 * When the query's prefixes list more than DD_PREFIX_MAX_SCAN words
 * together, it is refused (DD_ERR_INVALID "prefix ... matches too many
 * words"), so a query of a thousand prefixes stays quick. */
#define DD_PREFIX_MAX_WORDS 64
#define DD_PREFIX_MAX_SCAN 20000

/* Compiles plan (taking ownership: it ends in out->plan, or is freed on
 * failure) into out.
 *   - With an index, each chunk's words (of a chunk not excluded) are
 *     first segmented again by the index's statistics where the
 *     tokenizer's cut is clearly the less likely (segment.h: 躺半天才 is
 *     躺 半天 才, not 躺 半 天才); out->plan holds the words chosen.
 *   - A typed word the index holds is a term, one it has never seen its
 *     exact string; the characters of a Han word of that kind the
 *     thesaurus does not know (织袜) rank up at character_weight the notes
 *     the rest of the query matches (袜 in 袜机), a last resort that
 *     finds nothing alone (a character in most notes left out).
 *   - A word that is not excluded brings in, from its thesaurus groups
 *     (lexicon.h), its synonyms as one term (DD_QUERY_SYNONYM) at
 *     expansion_weight, its neighbours at neighbour_weight, and its groups'
 *     topics (XK terms) at topic_weight: all three times
 *     evidence_half / (evidence_half + E), E the idf (log(1 + N/df)) summed
 *     over the other different typed words, so the expansion and the topic
 *     prior step back as the typed words grow in number and rarity.  Topic
 *     feedback is scaled alike (feedback_scale).
 *   - An unknown word (a short chunk typed as one, of several words, that
 *     is not a term itself: 五保户 → 五保 户) is matched as its exact
 *     character sequence at sequence_weight; its pieces count at
 *     character_weight without relatives or topics, unless a piece is a
 *     topic's synonym (征地 in 征地补偿).  In a longer chunk each pair of
 *     adjacent words is matched as its sequence too (as much as one word),
 *     a one-character word in one counting at character_weight; not two
 *     one-character function words (才被: segment.h).
 *   - In a long chunk (at least long_chunk different words: a
 *     description in the user's words), a word of two characters or more
 *     in at most rare_df of the notes is likely the user's wording, not
 *     the note's: its characters (those in at most half the notes) rank
 *     up at rare_chars the notes the rest matches that lack the word
 *     (臭气 → 臭 of 臭味, 摔倒 → 摔 of 摔了一跤).
 *   - A chunk of several words ranks up notes holding all of them
 *     (cooccurrence_weight); a field operand matches without weight; global
 *     filters restrict (one field's values OR-ed, fields AND-ed, exclusions
 *     removed).
 * DD_ERR_INVALID past DD_RANKING_MAX_TERMS, DD_ERR_NOMEM. */
dd_status_t dd_ranking_compile(const dd_ranking_context_t *ctx, dd_plan_t *plan, dd_parsed_query_t *out,
                               dd_error_t *err);

/* dd_plan_parse with popts, then dd_ranking_compile with ctx: a query
 * from text in one call.  The errors of both. */
dd_status_t dd_ranking_parse(const dd_plan_options_t *popts, const dd_ranking_context_t *ctx, const char *text,
                             dd_parsed_query_t *out, dd_error_t *err);

/* The exact-string query for normalised s over db (NULL: a local index):
 * its character when it has one, its character pair when two, else the
 * notes holding all its pairs whose normalised title or body holds s
 * (dd_query_checked), weighted as the pairs' AND; nothing for "" or a
 * string with a space (no pair holds one).  NULL when out of memory. */
dd_query_t *dd_literal_query(dd_db_t *db, const char *normalized);

/* Topic feedback: searches pq's query for the DD_FEEDBACK_DOCS best notes
 * and, when one topic (of topics[0..n_topics)) holds at least
 * DD_FEEDBACK_SHARE of their scores, ORs in that topic's XK term at
 * feedback_weight times its share times pq->feedback_scale, so a word outside the thesaurus still
 * finds the notes about its topic.  Only for plain queries; changes
 * pq->query.  The search's status on failure. */
dd_status_t dd_ranking_topic_feedback(const dd_ranking_t *r, dd_db_t *db, const char *const *topics, size_t n_topics,
                                      dd_parsed_query_t *pq, dd_error_t *err);
/* The decision of topic feedback from res, a match of pq's query in
 * relevance order (ties by note id) holding at least its DD_FEEDBACK_DOCS
 * best notes: *boost the query that dd_ranking_topic_feedback ORs into
 * pq's query (its topic's XK term, scaled), or NULL when feedback leaves
 * the query alone.  DD_ERR_NOMEM on failure. */
dd_status_t dd_ranking_feedback_boost(const dd_ranking_t *r, const char *const *topics, size_t n_topics,
                                      const dd_results_t *res, const dd_parsed_query_t *pq, dd_query_t **boost,
                                      dd_error_t *err);

/* ---- passages (snippet.c) ---- */

/* A thesaurus relative's weight in a passage, against 1 for a typed word. */
#define DD_RELATIVE_WEIGHT 0.1
/* The best paragraphs (by a cheap count) that a snippet tokenizes. */
#define DD_SNIPPET_PARAGRAPHS 2

/* Whatever their number, the relatives in a passage count for less than
 * this, so one typed word outweighs them all. */
#define DD_RELATIVE_CAP 0.5
/* The coverage of a passage holding typed words of total weight typed and
 * relatives of total weight related (each different word once): typed
 * plus related, with related bounded by DD_RELATIVE_CAP (about related
 * while it is small, flattening as it grows). */
double dd_ranking_coverage(double typed, double related);

/* Score of a passage of chars characters holding words of total weight
 * coverage (each different word once), all within a stretch of cover
 * characters, with hits weighted occurrences: different words dominate,
 * then closeness, then hits (at most 5 count), then shortness. */
double dd_ranking_passage_score(double coverage, size_t cover, double hits, size_t chars);

#endif
