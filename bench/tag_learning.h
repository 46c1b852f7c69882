/* tag_learning.h - the labelled notes of bench/dev and learning the
 * tagger's term weights from them (dd-bench-tagging, dd-tagging-train).
 *
 * The model is the tagger's own (lib/tagger.h): a topic's score is the sum
 * over its terms of weight * evidence / length divisor, and the topic is a
 * tag when the score reaches its threshold.  Learning changes only the
 * numbers: for each topic, a logistic regression of "the note is labelled
 * with the topic" on the evidence of that topic's terms, the score minus the
 * threshold over a temperature as the log-odds, started at the hand weights
 * of taxonomy.json and pulled back towards them by an L2 penalty, so a term
 * that the labels say little about keeps what the analyst wrote.  Every
 * term stays the analyst's; nothing is learned about words the taxonomy
 * does not list.
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
};

struct labelled_set {
	struct labelled_note *notes;
	size_t count;
	int group_count;
};

/* Reads the labels file (id TAB primary TAB secondary, comma-separated
 * topic keys; '#' lines skipped) and each note corpus/ID.md (the "title:"
 * and "author:" lines of its front matter, the body after the closing
 * "---"), computing its term evidence with tagger.  A note that cannot be
 * read or an unknown label gets one line on stderr (prefixed with
 * program) and is left out or ignored.  Returns 0, 1 when something was
 * left out, -1 when the labels cannot be opened or memory ran out (set is
 * then empty). */
int labelled_set_read(struct labelled_set *set, const dd_tagger_t *tagger, const char *labels, const char *corpus,
                      const char *program);
void labelled_set_free(struct labelled_set *set);

struct learn_settings {
	double l2;          /* pull of each weight towards its hand value */
	double temperature; /* share of the hand threshold that one unit of log-odds is */
	double positive;    /* weight of a labelled note against an unlabelled one */
	int iterations;     /* of full-batch gradient descent */
};

/* The settings dd-tagging-train and the cross-validation use. */
extern const struct learn_settings learn_defaults;

/* Learns term weights (weights[dd_tagger_term_count]) and thresholds
 * (thresholds[dd_tagger_topic_count]) from the notes of set with
 * train[note] != 0.  hand is the tagger with its hand weights in effect.
 * Returns 0, or -1 if memory runs out. */
int tagging_learn(const dd_tagger_t *hand, const struct labelled_set *set, const unsigned char *train,
                  const struct learn_settings *settings, double *weights, double *thresholds);

#endif
