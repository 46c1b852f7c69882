/* tag_learning.h - the labelled notes of bench/dev and learning the
 * tagger's term weights from them (dd-bench-tagging, dd-tagging-train).
 *
 * The model is the tagger's own (lib/tagger.h): a topic's score is the sum
 * over its terms of weight * evidence / length divisor, and the topic is a
 * tag when the score reaches its threshold.  Learning changes the numbers
 * and may add learned terms: for each topic, a logistic regression of "the
 * note is labelled with the topic" on the evidence of its terms, the score
 * minus the threshold over a temperature as the log-odds.  The taxonomy's
 * terms start at the hand weights of taxonomy.json and are pulled back
 * towards them by an L2 penalty, so a term that the labels say little about
 * keeps what the analyst wrote.  The learned terms (the tagger's "learned"
 * weights) are chosen from the training notes only: the other topics'
 * taxonomy terms (a note full of 灌溉 is less likely about drinking water)
 * and words of the notes found mostly in the topic's labelled notes; they
 * start at 0 and an L1 penalty keeps most of them there, so the weights file
 * lists few, each a word an analyst can read and move into taxonomy.json.
 */
#ifndef DD_TAG_LEARNING_H
#define DD_TAG_LEARNING_H

#include <stddef.h>

#include "tagger.h"

struct labelled_note {
	char id[32];
	char author[128];
	char *text;               /* the file, owning title and body */
	const char *title, *body; /* into text */
	unsigned char *labelled;  /* labelled[topic] != 0 if a primary or secondary label */
	double *evidence;         /* per term: dd_tagger_evidence / the length divisor */
	int group;                /* author group, numbered in order of first appearance */
	char **words;             /* distinct tokenizer words of 2+ Han characters, sorted */
	size_t word_count;
};

struct labelled_set {
	struct labelled_note *notes;
	size_t count;
	int group_count;
};

/* Reads the labels file (id TAB primary TAB secondary, comma-separated
 * topic keys; '#' lines skipped) and each note corpus/ID.md (the "title:"
 * and "author:" lines of its front matter, the body after the closing
 * "---"), computing its term evidence with tagger (the taxonomy's terms
 * only) and its words with the tokenizer and the dictionary file (NULL:
 * none).  A note that cannot be
 * read or an unknown label gets one line on stderr (prefixed with
 * program) and is left out or ignored.  Returns 0, 1 when something was
 * left out, -1 when the labels cannot be opened or memory ran out (set is
 * then empty). */
int labelled_set_read(struct labelled_set *set, const dd_tagger_t *tagger, const char *labels, const char *corpus,
                      const char *dictionary, const char *program);
void labelled_set_free(struct labelled_set *set);

struct learn_settings {
	double l2;             /* pull of each weight towards its hand value (0 for a learned term) */
	double l1;             /* pull of each learned term's weight to 0 */
	double l2_learned;     /* the same, squared (as l2 for the taxonomy's terms) */
	double temperature;    /* share of the hand threshold that one unit of log-odds is */
	double positive;       /* weight of a labelled note against an unlabelled one */
	int iterations;        /* of full-batch gradient descent */
	int other_topics;      /* other topics' taxonomy terms may be learned terms */
	size_t max_words;      /* words of the notes a topic may learn (0: none) */
	size_t min_support;    /* training notes a learned term must be found in */
	size_t min_authors;    /* different authors among the topic's notes holding a learned word */
	double min_lift;       /* a word's share of the topic's notes over its share of all */
	int calibration_folds; /* inner author folds choosing the threshold scale (< 2: none) */
};

/* The settings dd-tagging-train and the cross-validation use. */
extern const struct learn_settings learn_defaults;

/* Learns from the notes of set with train[note] != 0 (and nothing else):
 * adds the learned terms chosen to tagger, a tagger as dd_tagger_load_hand
 * returns it (hand weights, no learned terms, the one the set was read
 * with), and puts the learned weights and thresholds in effect.  Returns
 * 0, or -1 if memory runs out. */
int tagging_learn(dd_tagger_t *tagger, const struct labelled_set *set, const unsigned char *train,
                  const struct learn_settings *settings);

/* Learns as tagging_learn from the notes with train[note] != 0, then
 * scales every threshold by the one factor (from 0.6 to 1.2) that gives the
 * best macro F1 in a cross-validation by author inside those notes alone
 * (settings->calibration_folds folds; none: factor 1): the log loss
 * favours precision, F1 weighs recall as much.  *out gets a new tagger of
 * the taxonomy file with the result in effect, *scale the factor.  Returns
 * 0, or -1 if the taxonomy cannot be loaded or memory runs out. */
int tagging_learn_calibrated(const char *taxonomy, const struct labelled_set *set, const unsigned char *train,
                             const struct learn_settings *settings, dd_tagger_t **out, double *scale);

#endif
