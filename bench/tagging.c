/* tagging.c - dd-bench-tagging: how well the tagger agrees with labelled notes.
 *
 *   dd-bench-tagging [ROOT] [--corpus DIR] [--labels FILE] [--taxonomy FILE]
 *                    [--fold K/N] [--errors]
 *
 * Tags every note listed in the labels file and compares the tags with the
 * note's primary + secondary labels (bench/dev/SCORING.md): prints per-topic
 * precision, recall, F1 and support, then micro and macro averages.
 * Paths default to corpus/notes, bench/dev/labels.tsv and
 * corpus/taxonomy.json under ROOT (default: the current folder).
 * --fold K/N keeps only the notes of author groups K, K+N, K+2N, ... (groups
 * numbered 0.. in order of first appearance in the labels; an author's notes
 * form one group), so one can tune on some authors and test on others.
 * --errors also lists, per note, the missed (-) and wrong (+) tags.
 *
 * Notes are parsed minimally here: the "title:" line of the front matter,
 * and everything after the closing "---" as the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "status.h"
#include "tagger.h"

#define MAX_TAGS 8
#define MAX_NOTES 4096

struct labelled_note {
	char id[32];
	char author[128];
	unsigned char *labelled; /* labelled[topic] != 0 if the topic is a label */
	unsigned char *tagged;   /* tagged[topic] != 0 if the tagger chose it */
	int group;               /* author group, in order of first appearance */
};

static char *read_file(const char *path)
{
	char *text = NULL;
	return dd_read_file(path, 0, &text, NULL, NULL) == DD_OK ? text : NULL;
}

/* Splits a note file in place into its title, author and body. Returns 0 if
 * the front matter is missing. */
static int split_note(char *text, char **title, char **author, char **body)
{
	*title = *author = "";
	if (strncmp(text, "---\n", 4) != 0)
		return 0;
	char *line = text + 4;
	while (*line) {
		char *end = strchr(line, '\n');
		if (!end)
			return 0;
		*end = '\0';
		if (strcmp(line, "---") == 0) {
			*body = end + 1;
			return 1;
		}
		if (strncmp(line, "title:", 6) == 0)
			*title = line + 6 + strspn(line + 6, " ");
		else if (strncmp(line, "author:", 7) == 0)
			*author = line + 7 + strspn(line + 7, " ");
		line = end + 1;
	}
	return 0;
}

/* Marks each comma-separated key of list in labelled[]; warns on unknown keys. */
static void mark_labels(const dd_tagger_t *tagger, char *list, unsigned char *labelled, const char *id)
{
	for (char *key = strtok(list, ","); key; key = strtok(NULL, ",")) {
		key += strspn(key, " ");
		if (!*key)
			continue;
		int topic = dd_tagger_find_topic(tagger, key);
		if (topic < 0)
			fprintf(stderr, "dd-bench-tagging: %s: unknown label \"%s\"\n", id, key);
		else
			labelled[topic] = 1;
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static double f1(double precision, double recall)
{
	return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

int main(int argc, char **argv)
{
	const char *root = ".", *corpus = NULL, *labels = NULL, *taxonomy = NULL;
	int fold = -1, folds = 0, show_errors = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			corpus = argv[++i];
		else if (strcmp(argv[i], "--labels") == 0 && i + 1 < argc)
			labels = argv[++i];
		else if (strcmp(argv[i], "--taxonomy") == 0 && i + 1 < argc)
			taxonomy = argv[++i];
		else if (strcmp(argv[i], "--fold") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d/%d", &fold, &folds) != 2 || folds < 1 || fold < 0 || fold >= folds) {
				fprintf(stderr, "dd-bench-tagging: --fold wants K/N with 0 <= K < N\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--errors") == 0)
			show_errors = 1;
		else if (argv[i][0] != '-')
			root = argv[i];
		else {
			fprintf(stderr, "usage: dd-bench-tagging [ROOT] [--corpus DIR] [--labels FILE] "
			                "[--taxonomy FILE] [--fold K/N] [--errors]\n");
			return 2;
		}
	}
	char corpus_buf[4096], labels_buf[4096], taxonomy_buf[4096];
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
	if (dd_tagger_load(taxonomy, &tagger, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-tagging: %s\n", err.message);
		return 1;
	}
	size_t topic_count = dd_tagger_topic_count(tagger);

	FILE *label_file = fopen(labels, "r");
	if (!label_file) {
		fprintf(stderr, "dd-bench-tagging: %s: cannot open labels\n", labels);
		dd_tagger_free(tagger);
		return 1;
	}
	struct labelled_note *notes = calloc(MAX_NOTES, sizeof *notes);
	size_t note_count = 0;
	int group_count = 0, status = 0;
	char line[4096];
	while (notes && fgets(line, sizeof line, label_file) && note_count < MAX_NOTES) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *primary = strchr(line, '\t');
		char *secondary = primary ? strchr(primary + 1, '\t') : NULL;
		if (primary)
			*primary++ = '\0';
		if (secondary)
			*secondary++ = '\0';

		struct labelled_note *note = &notes[note_count];
		char path[4096];
		if (strlen(line) >= sizeof note->id ||
		    (size_t)snprintf(path, sizeof path, "%s/%s.md", corpus, line) >= sizeof path) {
			fprintf(stderr, "dd-bench-tagging: %s: note id too long\n", line);
			status = 1;
			continue;
		}
		strcpy(note->id, line);
		char *text = read_file(path), *title, *author, *body;
		if (!text || !split_note(text, &title, &author, &body)) {
			fprintf(stderr, "dd-bench-tagging: %s: cannot read note\n", path);
			free(text);
			status = 1;
			continue;
		}
		snprintf(note->author, sizeof note->author, "%s", author);
		note->group = -1;
		for (size_t j = 0; j < note_count; j++)
			if (strcmp(notes[j].author, note->author) == 0)
				note->group = notes[j].group;
		if (note->group < 0)
			note->group = group_count++;

		note->labelled = calloc(topic_count, 1);
		note->tagged = calloc(topic_count, 1);
		if (!note->labelled || !note->tagged) {
			free(text);
			free(note->labelled);
			free(note->tagged);
			fprintf(stderr, "dd-bench-tagging: out of memory\n");
			status = 1;
			break;
		}
		if (primary)
			mark_labels(tagger, primary, note->labelled, note->id);
		if (secondary)
			mark_labels(tagger, secondary, note->labelled, note->id);

		dd_tag_t tags[MAX_TAGS];
		size_t tag_count = dd_tagger_tag(tagger, title, body, tags, MAX_TAGS);
		for (size_t t = 0; t < tag_count; t++)
			note->tagged[dd_tagger_find_topic(tagger, tags[t].key)] = 1;
		free(text);
		note_count++;
	}
	fclose(label_file);

	/* Count per topic over the notes in the chosen fold. */
	size_t *true_pos = calloc(topic_count, sizeof *true_pos);
	size_t *false_pos = calloc(topic_count, sizeof *false_pos);
	size_t *false_neg = calloc(topic_count, sizeof *false_neg);
	size_t evaluated = 0;
	for (size_t n = 0; true_pos && false_pos && false_neg && n < note_count; n++) {
		struct labelled_note *note = &notes[n];
		if (folds && note->group % folds != fold)
			continue;
		evaluated++;
		int printed = 0;
		for (size_t t = 0; t < topic_count; t++) {
			true_pos[t] += note->labelled[t] && note->tagged[t];
			false_pos[t] += !note->labelled[t] && note->tagged[t];
			false_neg[t] += note->labelled[t] && !note->tagged[t];
			if (show_errors && note->labelled[t] != note->tagged[t]) {
				if (!printed)
					printf("%s", note->id);
				printed = 1;
				printf(" %c%s", note->tagged[t] ? '+' : '-', dd_tagger_topic_key(tagger, t));
			}
		}
		if (printed)
			printf("\n");
	}

	printf("%-12s %9s %9s %9s %8s\n", "topic", "precision", "recall", "F1", "support");
	size_t sum_tp = 0, sum_fp = 0, sum_fn = 0, macro_topics = 0;
	double macro_p = 0, macro_r = 0, macro_f = 0;
	for (size_t t = 0; true_pos && false_pos && false_neg && t < topic_count; t++) {
		double p = ratio((double)true_pos[t], (double)(true_pos[t] + false_pos[t]));
		double r = ratio((double)true_pos[t], (double)(true_pos[t] + false_neg[t]));
		size_t support = true_pos[t] + false_neg[t];
		printf("%-12s %9.3f %9.3f %9.3f %8zu\n", dd_tagger_topic_key(tagger, t), p, r, f1(p, r), support);
		sum_tp += true_pos[t];
		sum_fp += false_pos[t];
		sum_fn += false_neg[t];
		/* Macro averages are over topics that occur in the labels or
		 * were tagged, so an unused topic does not count as a 0. */
		if (support + false_pos[t] > 0) {
			macro_p += p;
			macro_r += r;
			macro_f += f1(p, r);
			macro_topics++;
		}
	}
	double micro_p = ratio((double)sum_tp, (double)(sum_tp + sum_fp));
	double micro_r = ratio((double)sum_tp, (double)(sum_tp + sum_fn));
	printf("%-12s %9.3f %9.3f %9.3f %8zu\n", "micro", micro_p, micro_r, f1(micro_p, micro_r), sum_tp + sum_fn);
	printf("%-12s %9.3f %9.3f %9.3f %8zu\n", "macro", ratio(macro_p, (double)macro_topics),
	       ratio(macro_r, (double)macro_topics), ratio(macro_f, (double)macro_topics), sum_tp + sum_fn);
	printf("notes: %zu of %zu labelled%s\n", evaluated, note_count, folds ? " (one fold of author groups)" : "");

	for (size_t n = 0; notes && n < note_count; n++) {
		free(notes[n].labelled);
		free(notes[n].tagged);
	}
	free(notes);
	free(true_pos);
	free(false_pos);
	free(false_neg);
	dd_tagger_free(tagger);
	return status;
}
