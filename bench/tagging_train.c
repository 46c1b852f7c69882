/* tagging_train.c - dd-tagging-train: learns the tagger's weights from the
 * labelled notes and writes them next to the taxonomy.
 *
 *   dd-tagging-train [ROOT] [--corpus DIR] [--labels FILE] [--taxonomy FILE]
 *                    [--out FILE]
 *
 * Learns from every note of the labels file (bench/tag_learning.h; the
 * settings that `dd-bench-tagging --cv` cross-validates) starting from the
 * hand weights of the taxonomy, and writes the result to --out, by default
 * the taxonomy's weights file (corpus/taxonomy.weights.tsv), which the
 * tagger then loads.  Re-run it after editing taxonomy.json: a weights file
 * naming a term the taxonomy no longer has is refused as stale.  Paths
 * default as dd-bench-tagging's.  Exit 0 written, 1 an error, 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tag_learning.h"
#include "tagger.h"

#define PROGRAM "dd-tagging-train"

int main(int argc, char **argv)
{
	const char *root = ".", *corpus = NULL, *labels = NULL, *taxonomy = NULL, *out = NULL, *dictionary = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			corpus = argv[++i];
		else if (strcmp(argv[i], "--labels") == 0 && i + 1 < argc)
			labels = argv[++i];
		else if (strcmp(argv[i], "--taxonomy") == 0 && i + 1 < argc)
			taxonomy = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--dictionary") == 0 && i + 1 < argc)
			dictionary = argv[++i];
		else if (argv[i][0] != '-')
			root = argv[i];
		else {
			fprintf(stderr, "usage: " PROGRAM " [ROOT] [--corpus DIR] [--labels FILE] [--taxonomy FILE] "
			                "[--out FILE]\n");
			return 2;
		}
	}
	char corpus_buf[4096], labels_buf[4096], taxonomy_buf[4096], out_buf[4096], dictionary_buf[4096];
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
	if (!out) {
		if (dd_tagger_weights_path(taxonomy, out_buf, sizeof out_buf)) {
			fprintf(stderr, PROGRAM ": %s: path too long\n", taxonomy);
			return 2;
		}
		out = out_buf;
	}

	dd_error_t err;
	dd_tagger_t *tagger;
	if (dd_tagger_load_hand(taxonomy, &tagger, &err) != DD_OK) {
		fprintf(stderr, PROGRAM ": %s\n", err.message);
		return 1;
	}
	struct labelled_set set;
	int status = labelled_set_read(&set, tagger, labels, corpus, dictionary, PROGRAM) ? 1 : 0;
	unsigned char *train = malloc(set.count + 1);
	if (status == 0 && !train) {
		fprintf(stderr, PROGRAM ": out of memory\n");
		status = 1;
	}
	if (status == 0 && set.count == 0) {
		fprintf(stderr, PROGRAM ": %s: no labelled notes\n", labels);
		status = 1;
	}
	if (status == 0) {
		memset(train, 1, set.count);
		dd_tagger_t *learned_tagger;
		double scale;
		if (tagging_learn_calibrated(taxonomy, &set, train, &learn_defaults, &learned_tagger, &scale)) {
			fprintf(stderr, PROGRAM ": out of memory\n");
			status = 1;
		} else {
			dd_tagger_free(tagger); /* the hand tagger the notes were read with */
			tagger = learned_tagger;
		}
	}
	if (status == 0) {
		size_t learned = 0, learned_all = 0, terms = dd_tagger_term_count(tagger);
		for (size_t t = 0; t < terms; t++) {
			double weight;
			dd_tagger_term_text(tagger, t, NULL, &weight);
			learned += dd_tagger_term_is_learned(tagger, t) && weight != 0;
			learned_all += dd_tagger_term_is_learned(tagger, t);
		}
		char comment[1024];
		snprintf(comment, sizeof comment,
		         "Learned tagging weights for taxonomy.json (lib/tagger.h): written by dd-tagging-train from\n"
		         "the %zu labelled notes of bench/dev/labels.tsv (l2 %g, learned terms l1 %g and l2 %g, "
		         "temperature\n"
		         "%g, positive weight %g, %d iterations, up to %zu words a topic each found by %zu or more\n"
		         "authors; bench/tag_learning.h), from the hand\n"
		         "weights. \"learned\" lines are terms taxonomy.json does not list for that topic (another\n"
		         "topic's term, or a word of the labelled notes). Do not edit: edit taxonomy.json (a learned\n"
		         "word worth keeping belongs there) and re-run dd-tagging-train, or delete this file to tag\n"
		         "with the hand weights. Held-out figures: dd-bench-tagging --cv 5.",
		         set.count, learn_defaults.l2, learn_defaults.l1, learn_defaults.l2_learned,
		         learn_defaults.temperature, learn_defaults.positive, learn_defaults.iterations,
		         learn_defaults.max_words, learn_defaults.min_authors);
		if (dd_tagger_write_weights(tagger, out, comment, &err) != DD_OK) {
			fprintf(stderr, PROGRAM ": %s\n", err.message);
			status = 1;
		} else
			printf(
			    "%s: weights of %zu taxonomy terms, %zu learned terms and %zu thresholds learned from %zu "
			    "notes\n",
			    out, terms - learned_all, learned, dd_tagger_topic_count(tagger), set.count);
	}
	free(train);
	labelled_set_free(&set);
	dd_tagger_free(tagger);
	return status;
}
