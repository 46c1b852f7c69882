/* tagging.c - dd-bench-tagging: how well the tagger agrees with labelled notes.
 *
 *   dd-bench-tagging [ROOT] [--corpus DIR] [--labels FILE] [--taxonomy FILE]
 *                    [--hand] [--fold K/N] [--errors]
 *   dd-bench-tagging [ROOT] --cv K [--l2 X] [--l1 X] [--l2-learned X]
 *                    [--temperature X] [--positive X] [--words N]
 *                    [--min-support N] [--min-lift X] [--other-topics]
 *                    [--calibration-folds N] [--dictionary FILE]
 *   dd-bench-tagging [ROOT] --speed ROUNDS [--hand]
 *
 * Tags every note listed in the labels file and compares the tags with the
 * note's primary + secondary labels (bench/dev/SCORING.md): prints per-topic
 * precision, recall, F1 and support, then micro and macro averages.
 * Paths default to corpus/notes, bench/dev/labels.tsv and
 * corpus/taxonomy.json under ROOT (default: the current folder).  The
 * tagger is loaded as the indexer loads it: with the learned weights next
 * to the taxonomy (taxonomy.weights.tsv) when there are some, which were
 * learned from these very labels, so those figures are not held-out ones;
 * --hand uses the hand weights of taxonomy.json alone.
 * --fold K/N keeps only the notes of author groups K, K+N, K+2N, ... (groups
 * numbered 0.. in order of first appearance in the labels; an author's notes
 * form one group), so one can tune on some authors and test on others.
 * --errors also lists, per note, the missed (-) and wrong (+) tags.
 *
 * --cv K: author-fold cross-validation.  The author groups are split into K
 * folds as --fold does; for each fold, a tagger is learned
 * (bench/tag_learning.h: weights, thresholds and learned words) from the
 * notes of the other folds only and the fold's notes are tagged with it.
 * Prints, per topic and as micro and macro averages pooled over all
 * held-out notes, the hand weights' P/R/F1 next to the learned ones', then
 * each fold's macro F1, learned terms and threshold scale.  The other
 * options change the learning settings (struct learn_settings); the words
 * of the notes come from the tokenizer with the dictionary
 * (corpus/dictionary.txt under ROOT unless --dictionary says otherwise).
 *
 * --speed ROUNDS: CPU time (user + system, getrusage) of tagging every note
 * of the corpus folder ROUNDS times, reading excluded.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "buffer.h"
#include "status.h"
#include "tag_learning.h"
#include "tagger.h"

#define MAX_TAGS 8
#define PROGRAM "dd-bench-tagging"

/* Per-topic counts of true positives, false positives and false negatives. */
struct confusion {
	size_t *true_pos, *false_pos, *false_neg;
};

static int confusion_new(struct confusion *c, size_t topics)
{
	c->true_pos = calloc(topics + 1, sizeof *c->true_pos);
	c->false_pos = calloc(topics + 1, sizeof *c->false_pos);
	c->false_neg = calloc(topics + 1, sizeof *c->false_neg);
	return c->true_pos && c->false_pos && c->false_neg ? 0 : -1;
}

static void confusion_free(struct confusion *c)
{
	free(c->true_pos);
	free(c->false_pos);
	free(c->false_neg);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static double f1(double precision, double recall)
{
	return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

/* Precision, recall and F1 of one topic. */
static void topic_prf(const struct confusion *c, size_t t, double prf[3])
{
	prf[0] = ratio((double)c->true_pos[t], (double)(c->true_pos[t] + c->false_pos[t]));
	prf[1] = ratio((double)c->true_pos[t], (double)(c->true_pos[t] + c->false_neg[t]));
	prf[2] = f1(prf[0], prf[1]);
}

/* Micro and macro P/R/F1.  Macro averages are over topics that occur in
 * the labels or were tagged, so an unused topic does not count as a 0. */
static void averages(const struct confusion *c, size_t topics, double micro[3], double macro[3])
{
	size_t sum_tp = 0, sum_fp = 0, sum_fn = 0, macro_topics = 0;
	macro[0] = macro[1] = macro[2] = 0;
	for (size_t t = 0; t < topics; t++) {
		double prf[3];
		topic_prf(c, t, prf);
		sum_tp += c->true_pos[t];
		sum_fp += c->false_pos[t];
		sum_fn += c->false_neg[t];
		if (c->true_pos[t] + c->false_neg[t] + c->false_pos[t] > 0) {
			for (int i = 0; i < 3; i++)
				macro[i] += prf[i];
			macro_topics++;
		}
	}
	for (int i = 0; i < 3; i++)
		macro[i] = ratio(macro[i], (double)macro_topics);
	micro[0] = ratio((double)sum_tp, (double)(sum_tp + sum_fp));
	micro[1] = ratio((double)sum_tp, (double)(sum_tp + sum_fn));
	micro[2] = f1(micro[0], micro[1]);
}

/* Tags note with tagger and adds the comparison with its labels to c;
 * with show_errors prints the note's missed (-) and wrong (+) tags. */
static void tag_and_count(const dd_tagger_t *tagger, const struct labelled_note *note, struct confusion *c,
                          int show_errors)
{
	size_t topics = dd_tagger_topic_count(tagger);
	unsigned char tagged[256] = { 0 };
	dd_tag_t tags[MAX_TAGS];
	size_t tag_count = dd_tagger_tag(tagger, note->title, note->body, tags, MAX_TAGS);
	for (size_t t = 0; t < tag_count; t++)
		tagged[dd_tagger_find_topic(tagger, tags[t].key)] = 1;
	int printed = 0;
	for (size_t t = 0; t < topics; t++) {
		c->true_pos[t] += note->labelled[t] && tagged[t];
		c->false_pos[t] += !note->labelled[t] && tagged[t];
		c->false_neg[t] += note->labelled[t] && !tagged[t];
		if (show_errors && (note->labelled[t] != 0) != tagged[t]) {
			if (!printed)
				printf("%s", note->id);
			printed = 1;
			printf(" %c%s", tagged[t] ? '+' : '-', dd_tagger_topic_key(tagger, t));
		}
	}
	if (printed)
		printf("\n");
}

/* The original report: one tagger, the notes of one fold or all. */
static void report_plain(const dd_tagger_t *tagger, const struct labelled_set *set, int fold, int folds,
                         int show_errors, struct confusion *c)
{
	size_t topics = dd_tagger_topic_count(tagger), evaluated = 0;
	for (size_t n = 0; n < set->count; n++) {
		if (folds && set->notes[n].group % folds != fold)
			continue;
		evaluated++;
		tag_and_count(tagger, &set->notes[n], c, show_errors);
	}
	printf("%-12s %9s %9s %9s %8s\n", "topic", "precision", "recall", "F1", "support");
	size_t support_all = 0;
	for (size_t t = 0; t < topics; t++) {
		double prf[3];
		topic_prf(c, t, prf);
		size_t support = c->true_pos[t] + c->false_neg[t];
		support_all += support;
		printf("%-12s %9.3f %9.3f %9.3f %8zu\n", dd_tagger_topic_key(tagger, t), prf[0], prf[1], prf[2],
		       support);
	}
	double micro[3], macro[3];
	averages(c, topics, micro, macro);
	printf("%-12s %9.3f %9.3f %9.3f %8zu\n", "micro", micro[0], micro[1], micro[2], support_all);
	printf("%-12s %9.3f %9.3f %9.3f %8zu\n", "macro", macro[0], macro[1], macro[2], support_all);
	printf("notes: %zu of %zu labelled%s\n", evaluated, set->count, folds ? " (one fold of author groups)" : "");
}

/* Author-fold cross-validation: hand weights next to weights learned
 * without the held-out fold.  tagger holds the hand weights on entry and
 * on return.  Returns 0, or -1 if memory runs out. */
static int report_cross_validation(dd_tagger_t *tagger, const char *taxonomy, const struct labelled_set *set, int folds,
                                   const struct learn_settings *settings)
{
	size_t topics = dd_tagger_topic_count(tagger);
	struct confusion hand = { 0 }, learned = { 0 }, one = { 0 };
	unsigned char *train = malloc(set->count + 1);
	double *fold_macro = calloc((size_t)folds * 2, sizeof *fold_macro);
	size_t *fold_learned = calloc((size_t)folds, sizeof *fold_learned);
	double *fold_scale = calloc((size_t)folds, sizeof *fold_scale);
	dd_tagger_t *fold_tagger = NULL;
	int status = -1;
	if (!train || !fold_macro || !fold_learned || !fold_scale || confusion_new(&hand, topics) ||
	    confusion_new(&learned, topics))
		goto done;
	for (size_t n = 0; n < set->count; n++)
		tag_and_count(tagger, &set->notes[n], &hand, 0);
	for (int fold = 0; fold < folds; fold++) {
		size_t held_out = 0;
		for (size_t n = 0; n < set->count; n++) {
			train[n] = set->notes[n].group % folds != fold;
			held_out += !train[n];
		}
		if (held_out == 0)
			continue;
		dd_tagger_free(fold_tagger);
		if (tagging_learn_calibrated(taxonomy, set, train, settings, &fold_tagger, &fold_scale[fold]))
			goto done;
		for (size_t t = 0; t < dd_tagger_term_count(fold_tagger); t++) {
			double weight;
			dd_tagger_term_text(fold_tagger, t, NULL, &weight);
			fold_learned[fold] += dd_tagger_term_is_learned(fold_tagger, t) && weight != 0;
		}
		for (int side = 0; side < 2; side++) {
			const dd_tagger_t *with = side ? fold_tagger : tagger;
			if (confusion_new(&one, topics))
				goto done;
			for (size_t n = 0; n < set->count; n++)
				if (!train[n]) {
					tag_and_count(with, &set->notes[n], &one, 0);
					if (side)
						tag_and_count(with, &set->notes[n], &learned, 0);
				}
			double micro[3], macro[3];
			averages(&one, topics, micro, macro);
			fold_macro[2 * fold + side] = macro[2];
			confusion_free(&one);
			memset(&one, 0, sizeof one);
		}
	}

	printf("author-fold cross-validation: %d folds of %d authors' %zu labelled notes; each fold tagged with "
	       "weights learned from the other folds only\n",
	       folds, set->group_count, set->count);
	printf("learning: l2 %g, temperature %g, positive weight %g, %d iterations; learned terms (l1 %g, l2 %g): "
	       "other topics' terms %s, up to %zu words a topic (in >= %zu notes by >= %zu authors, lift >= %g); "
	       "threshold "
	       "calibration folds %d\n",
	       settings->l2, settings->temperature, settings->positive, settings->iterations, settings->l1,
	       settings->l2_learned, settings->other_topics ? "yes" : "no", settings->max_words, settings->min_support,
	       settings->min_authors, settings->min_lift, settings->calibration_folds);
	printf("%-12s %27s   %27s %8s\n", "", "hand weights (taxonomy)", "learned (held-out folds)", "");
	printf("%-12s %9s %8s %8s   %9s %8s %8s %8s\n", "topic", "precision", "recall", "F1", "precision", "recall",
	       "F1", "support");
	size_t support_all = 0;
	for (size_t t = 0; t < topics; t++) {
		double a[3], b[3];
		topic_prf(&hand, t, a);
		topic_prf(&learned, t, b);
		size_t support = hand.true_pos[t] + hand.false_neg[t];
		support_all += support;
		printf("%-12s %9.3f %8.3f %8.3f   %9.3f %8.3f %8.3f %8zu\n", dd_tagger_topic_key(tagger, t), a[0], a[1],
		       a[2], b[0], b[1], b[2], support);
	}
	double hand_micro[3], hand_macro[3], micro[3], macro[3];
	averages(&hand, topics, hand_micro, hand_macro);
	averages(&learned, topics, micro, macro);
	printf("%-12s %9.3f %8.3f %8.3f   %9.3f %8.3f %8.3f %8zu\n", "micro", hand_micro[0], hand_micro[1],
	       hand_micro[2], micro[0], micro[1], micro[2], support_all);
	printf("%-12s %9.3f %8.3f %8.3f   %9.3f %8.3f %8.3f %8zu\n", "macro", hand_macro[0], hand_macro[1],
	       hand_macro[2], macro[0], macro[1], macro[2], support_all);
	printf("macro F1 per fold (hand -> learned):");
	for (int fold = 0; fold < folds; fold++)
		printf(" %d: %.3f -> %.3f", fold, fold_macro[2 * fold], fold_macro[2 * fold + 1]);
	printf("\nlearned terms of nonzero weight, threshold scale per fold:");
	for (int fold = 0; fold < folds; fold++)
		printf(" %d: %zu, %.2f", fold, fold_learned[fold], fold_scale[fold]);
	printf("\n");
	status = 0;
done:
	dd_tagger_free(fold_tagger);
	free(train);
	free(fold_macro);
	free(fold_learned);
	free(fold_scale);
	confusion_free(&hand);
	confusion_free(&learned);
	confusion_free(&one);
	if (status)
		fprintf(stderr, PROGRAM ": out of memory\n");
	return status;
}

/* Tags every note file of corpus rounds times; prints the CPU time. */
static int report_speed(const dd_tagger_t *tagger, const char *corpus, int rounds)
{
	DIR *dir = opendir(corpus);
	if (!dir) {
		fprintf(stderr, PROGRAM ": %s: cannot open the corpus folder\n", corpus);
		return 1;
	}
	struct {
		char *text;
		const char *title, *body;
	} *notes = NULL;
	size_t count = 0, capacity = 0, bytes = 0;
	int status = 0;
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		size_t length = strlen(entry->d_name);
		char path[4096];
		if (length < 4 || strcmp(entry->d_name + length - 3, ".md") != 0 ||
		    (size_t)snprintf(path, sizeof path, "%s/%s", corpus, entry->d_name) >= sizeof path)
			continue;
		if (DD_ARRAY_RESERVE(notes, count, capacity, 1)) {
			status = -1;
			break;
		}
		char *text;
		if (dd_read_file(path, 0, &text, NULL, NULL) != DD_OK) {
			fprintf(stderr, PROGRAM ": %s: cannot read note\n", path);
			continue;
		}
		/* the title line and the body after the front matter, as the labelled notes */
		char *title = strstr(text, "\ntitle:"), *end = strstr(text + 3, "\n---\n");
		notes[count].text = text;
		notes[count].title = "";
		if (title && (!end || title < end)) {
			title += 7;
			title += strspn(title, " ");
			title[strcspn(title, "\n")] = '\0';
			notes[count].title = title;
		}
		notes[count].body = end ? end + 5 : text;
		bytes += strlen(notes[count].title) + strlen(notes[count].body);
		count++;
	}
	closedir(dir);
	if (status) {
		fprintf(stderr, PROGRAM ": out of memory\n");
	} else if (count == 0) {
		fprintf(stderr, PROGRAM ": %s: no notes\n", corpus);
		status = 1;
	} else {
		struct rusage before, after;
		size_t tags = 0;
		getrusage(RUSAGE_SELF, &before);
		for (int round = 0; round < rounds; round++)
			for (size_t n = 0; n < count; n++) {
				dd_tag_t out[MAX_TAGS];
				tags += dd_tagger_tag(tagger, notes[n].title, notes[n].body, out, MAX_TAGS);
			}
		getrusage(RUSAGE_SELF, &after);
		double cpu = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
		             (double)(after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
		             1e-6 * (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
		             1e-6 * (double)(after.ru_stime.tv_usec - before.ru_stime.tv_usec);
		printf("tagging speed: %zu notes (%.1f KB each) x %d rounds: %.3f s CPU (user+sys), %.1f us per note, "
		       "%.0f MB/s; %zu tags\n",
		       count, (double)bytes / (double)count / 1024, rounds, cpu, 1e6 * cpu / ((double)count * rounds),
		       cpu > 0 ? (double)bytes * rounds / cpu / 1e6 : 0.0, tags);
	}
	for (size_t n = 0; n < count; n++)
		free(notes[n].text);
	free(notes);
	return status ? 1 : 0;
}

static int parse_double(const char *text, double *value)
{
	char *end;
	*value = strtod(text, &end);
	return *text && !*end && *value >= 0;
}

int main(int argc, char **argv)
{
	const char *root = ".", *corpus = NULL, *labels = NULL, *taxonomy = NULL, *dictionary = NULL;
	int fold = -1, folds = 0, show_errors = 0, hand_only = 0, cv_folds = 0, speed_rounds = 0, bad = 0;
	struct learn_settings settings = learn_defaults;
	for (int i = 1; i < argc && !bad; i++) {
		if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			corpus = argv[++i];
		else if (strcmp(argv[i], "--labels") == 0 && i + 1 < argc)
			labels = argv[++i];
		else if (strcmp(argv[i], "--taxonomy") == 0 && i + 1 < argc)
			taxonomy = argv[++i];
		else if (strcmp(argv[i], "--fold") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d/%d", &fold, &folds) != 2 || folds < 1 || fold < 0 || fold >= folds) {
				fprintf(stderr, PROGRAM ": --fold wants K/N with 0 <= K < N\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--cv") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d", &cv_folds) != 1 || cv_folds < 2 || cv_folds > 1000) {
				fprintf(stderr, PROGRAM ": --cv wants a number of folds from 2 to 1000\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d", &speed_rounds) != 1 || speed_rounds < 1 || speed_rounds > 100000) {
				fprintf(stderr, PROGRAM ": --speed wants a number of rounds from 1 to 100000\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--l2") == 0 && i + 1 < argc)
			bad = !parse_double(argv[++i], &settings.l2);
		else if (strcmp(argv[i], "--l2-learned") == 0 && i + 1 < argc)
			bad = !parse_double(argv[++i], &settings.l2_learned);
		else if (strcmp(argv[i], "--l1") == 0 && i + 1 < argc)
			bad = !parse_double(argv[++i], &settings.l1);
		else if (strcmp(argv[i], "--min-lift") == 0 && i + 1 < argc)
			bad = !parse_double(argv[++i], &settings.min_lift);
		else if (strcmp(argv[i], "--words") == 0 && i + 1 < argc)
			bad = sscanf(argv[++i], "%zu", &settings.max_words) != 1;
		else if (strcmp(argv[i], "--min-support") == 0 && i + 1 < argc)
			bad = sscanf(argv[++i], "%zu", &settings.min_support) != 1;
		else if (strcmp(argv[i], "--min-authors") == 0 && i + 1 < argc)
			bad = sscanf(argv[++i], "%zu", &settings.min_authors) != 1;
		else if (strcmp(argv[i], "--calibration-folds") == 0 && i + 1 < argc)
			bad = sscanf(argv[++i], "%d", &settings.calibration_folds) != 1;
		else if (strcmp(argv[i], "--other-topics") == 0)
			settings.other_topics = 1;
		else if (strcmp(argv[i], "--dictionary") == 0 && i + 1 < argc)
			dictionary = argv[++i];
		else if (strcmp(argv[i], "--temperature") == 0 && i + 1 < argc)
			bad = !parse_double(argv[++i], &settings.temperature) || settings.temperature == 0;
		else if (strcmp(argv[i], "--positive") == 0 && i + 1 < argc)
			bad = !parse_double(argv[++i], &settings.positive) || settings.positive == 0;
		else if (strcmp(argv[i], "--errors") == 0)
			show_errors = 1;
		else if (strcmp(argv[i], "--hand") == 0)
			hand_only = 1;
		else if (argv[i][0] != '-')
			root = argv[i];
		else
			bad = 1;
	}
	if (bad) {
		fprintf(stderr, "usage: " PROGRAM " [ROOT] [--corpus DIR] [--labels FILE] [--taxonomy FILE] "
		                "[--dictionary FILE] [--hand] [--fold K/N] [--errors] | --cv K [--l2 X] [--l1 X] "
		                "[--temperature X] [--positive X] [--words N] [--min-support N] [--min-lift X] "
		                "[--l2-learned X] [--other-topics] [--calibration-folds N] | --speed ROUNDS\n");
		return 2;
	}
	char corpus_buf[4096], labels_buf[4096], taxonomy_buf[4096], dictionary_buf[4096];
	if (!dictionary) {
		snprintf(dictionary_buf, sizeof dictionary_buf, "%s/corpus/dictionary.txt", root);
		dictionary = dictionary_buf;
	}
	if (!corpus) {
		snprintf(corpus_buf, sizeof corpus_buf, "%s/corpus/notes", root);
		corpus = corpus_buf;
	}
	if (!labels) {
		snprintf(labels_buf, sizeof labels_buf, "%s/bench/dev/labels.tsv", root);
		labels = labels_buf;
	}
	if (!taxonomy) {
		snprintf(taxonomy_buf, sizeof taxonomy_buf, "%s/corpus/taxonomy.json", root);
		taxonomy = taxonomy_buf;
	}

	dd_error_t err;
	dd_tagger_t *tagger;
	/* cross-validation starts from the hand weights whatever the file holds */
	dd_status_t loaded = hand_only || cv_folds ? dd_tagger_load_hand(taxonomy, &tagger, &err)
	                                           : dd_tagger_load(taxonomy, &tagger, &err);
	if (loaded != DD_OK) {
		fprintf(stderr, PROGRAM ": %s\n", err.message);
		return 1;
	}
	if (speed_rounds) {
		int status = report_speed(tagger, corpus, speed_rounds);
		dd_tagger_free(tagger);
		return status;
	}
	struct labelled_set set;
	int status = labelled_set_read(&set, tagger, labels, corpus, cv_folds ? dictionary : NULL, PROGRAM);
	if (status < 0) {
		dd_tagger_free(tagger);
		return 1;
	}
	struct confusion counts = { 0 };
	if (cv_folds) {
		if (report_cross_validation(tagger, taxonomy, &set, cv_folds, &settings))
			status = 1;
	} else if (confusion_new(&counts, dd_tagger_topic_count(tagger)) == 0)
		report_plain(tagger, &set, fold, folds, show_errors, &counts);
	else {
		fprintf(stderr, PROGRAM ": out of memory\n");
		status = 1;
	}
	confusion_free(&counts);
	labelled_set_free(&set);
	dd_tagger_free(tagger);
	return status;
}
