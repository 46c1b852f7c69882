/* tag_learning.c - labelled notes and learned tagging weights: see tag_learning.h. */
#include "tag_learning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

const struct learn_settings learn_defaults = {
	.l2 = 0.3,
	.temperature = 0.5,
	.positive = 1.5,
	.iterations = 3000,
};

/* --- reading ------------------------------------------------------------- */

/* Finds in place the title, author and body of a note file. Returns 0 if
 * the front matter is missing. */
static int split_note(char *text, const char **title, const char **author, const char **body)
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

/* Marks each comma-separated key of list in labelled[]; returns 0 if a key
 * is not a topic (said on stderr). */
static int mark_labels(const dd_tagger_t *tagger, char *list, unsigned char *labelled, const char *id,
                       const char *program)
{
	int ok = 1;
	for (char *key = strtok(list, ","); key; key = strtok(NULL, ",")) {
		key += strspn(key, " ");
		if (!*key)
			continue;
		int topic = dd_tagger_find_topic(tagger, key);
		if (topic < 0) {
			fprintf(stderr, "%s: %s: unknown label \"%s\"\n", program, id, key);
			ok = 0;
		} else
			labelled[topic] = 1;
	}
	return ok;
}

static void note_free(struct labelled_note *note)
{
	free(note->text);
	free(note->labelled);
	free(note->evidence);
	memset(note, 0, sizeof *note);
}

/* Reads the note of one labels line into note. Returns 0 ok, 1 left out
 * (said on stderr), -1 out of memory. */
static int read_note(struct labelled_note *note, const dd_tagger_t *tagger, char *line, const char *corpus,
                     const char *program, int *ok)
{
	char *primary = strchr(line, '\t');
	char *secondary = primary ? strchr(primary + 1, '\t') : NULL;
	if (primary)
		*primary++ = '\0';
	if (secondary)
		*secondary++ = '\0';
	char path[4096];
	if (strlen(line) >= sizeof note->id ||
	    (size_t)snprintf(path, sizeof path, "%s/%s.md", corpus, line) >= sizeof path) {
		fprintf(stderr, "%s: %s: note id too long\n", program, line);
		return 1;
	}
	strcpy(note->id, line);
	const char *author;
	if (dd_read_file(path, 0, &note->text, NULL, NULL) != DD_OK ||
	    !split_note(note->text, &note->title, &author, &note->body)) {
		fprintf(stderr, "%s: %s: cannot read note\n", program, path);
		note_free(note);
		return 1;
	}
	snprintf(note->author, sizeof note->author, "%s", author);
	size_t topics = dd_tagger_topic_count(tagger), terms = dd_tagger_term_count(tagger);
	note->labelled = calloc(topics, 1);
	note->evidence = malloc((terms + 1) * sizeof *note->evidence);
	if (!note->labelled || !note->evidence) {
		note_free(note);
		return -1;
	}
	if (primary && !mark_labels(tagger, primary, note->labelled, note->id, program))
		*ok = 0;
	if (secondary && !mark_labels(tagger, secondary, note->labelled, note->id, program))
		*ok = 0;
	double divisor = dd_tagger_evidence(tagger, note->title, note->body, note->evidence);
	for (size_t t = 0; t < terms; t++)
		note->evidence[t] /= divisor;
	return 0;
}

int labelled_set_read(struct labelled_set *set, const dd_tagger_t *tagger, const char *labels, const char *corpus,
                      const char *program)
{
	memset(set, 0, sizeof *set);
	FILE *file = fopen(labels, "r");
	if (!file) {
		fprintf(stderr, "%s: %s: cannot open labels\n", program, labels);
		return -1;
	}
	size_t capacity = 0;
	int ok = 1, failed = 0;
	char line[4096];
	while (!failed && fgets(line, sizeof line, file)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (DD_ARRAY_RESERVE(set->notes, set->count, capacity, 1)) {
			failed = 1;
			break;
		}
		struct labelled_note *note = &set->notes[set->count];
		memset(note, 0, sizeof *note);
		int status = read_note(note, tagger, line, corpus, program, &ok);
		if (status < 0)
			failed = 1;
		if (status != 0) {
			ok = 0;
			continue;
		}
		note->group = -1;
		for (size_t j = 0; j < set->count; j++)
			if (strcmp(set->notes[j].author, note->author) == 0)
				note->group = set->notes[j].group;
		if (note->group < 0)
			note->group = set->group_count++;
		set->count++;
	}
	fclose(file);
	if (failed) {
		fprintf(stderr, "%s: out of memory\n", program);
		labelled_set_free(set);
		return -1;
	}
	return ok ? 0 : 1;
}

void labelled_set_free(struct labelled_set *set)
{
	for (size_t n = 0; n < set->count; n++)
		note_free(&set->notes[n]);
	free(set->notes);
	memset(set, 0, sizeof *set);
}

/* --- learning ------------------------------------------------------------ */

/* One topic: weights w[0 .. count-1] of its terms first .. first+count-1
 * (in: the hand weights, out: learned) and *threshold likewise.  The
 * log-odds of note n being labelled with the topic are
 * (sum_j w[j] x[n][j] - threshold) / tau, tau = temperature * the hand
 * threshold; the loss is the mean weighted log loss plus l2/2 times the
 * squared distance of (w, threshold) from the hand values.  Plain gradient
 * descent with the step 1/L, L bounding the curvature, so it cannot diverge. */
static int learn_topic(const struct labelled_set *set, const unsigned char *train, size_t topic, size_t first,
                       size_t count, const struct learn_settings *s, double *w, double *threshold)
{
	double *hand = malloc((count + 1) * sizeof *hand), *gradient = malloc((count + 1) * sizeof *gradient);
	if (!hand || !gradient) {
		free(hand);
		free(gradient);
		return -1;
	}
	memcpy(hand, w, count * sizeof *w);
	double hand_threshold = *threshold, tau = s->temperature * hand_threshold;

	double total_weight = 0, curvature = 0;
	for (size_t n = 0; n < set->count; n++) {
		if (!train[n])
			continue;
		const struct labelled_note *note = &set->notes[n];
		double c = note->labelled[topic] ? s->positive : 1.0, norm = 1.0;
		for (size_t j = 0; j < count; j++)
			norm += note->evidence[first + j] * note->evidence[first + j];
		total_weight += c;
		curvature += c * norm;
	}
	if (total_weight == 0) {
		free(hand);
		free(gradient);
		return 0;
	}
	double step = 1.0 / (0.25 * curvature / total_weight / (tau * tau) + s->l2);

	for (int iteration = 0; iteration < s->iterations; iteration++) {
		for (size_t j = 0; j < count; j++)
			gradient[j] = s->l2 * (w[j] - hand[j]);
		double gradient_threshold = s->l2 * (*threshold - hand_threshold);
		for (size_t n = 0; n < set->count; n++) {
			if (!train[n])
				continue;
			const struct labelled_note *note = &set->notes[n];
			const double *x = note->evidence + first;
			double score = 0;
			for (size_t j = 0; j < count; j++)
				score += w[j] * x[j];
			double p = 1.0 / (1.0 + exp(-(score - *threshold) / tau));
			int y = note->labelled[topic] != 0;
			double g = (y ? s->positive : 1.0) * (p - y) / total_weight / tau;
			for (size_t j = 0; j < count; j++)
				gradient[j] += g * x[j];
			gradient_threshold -= g;
		}
		for (size_t j = 0; j < count; j++)
			w[j] -= step * gradient[j];
		*threshold -= step * gradient_threshold;
		if (*threshold < 0.05 * hand_threshold) /* a tag must take some evidence */
			*threshold = 0.05 * hand_threshold;
	}
	free(hand);
	free(gradient);
	return 0;
}

int tagging_learn(const dd_tagger_t *hand, const struct labelled_set *set, const unsigned char *train,
                  const struct learn_settings *settings, double *weights, double *thresholds)
{
	size_t topics = dd_tagger_topic_count(hand), terms = dd_tagger_term_count(hand);
	for (size_t t = 0; t < terms; t++)
		dd_tagger_term_text(hand, t, NULL, &weights[t]);
	size_t first = 0;
	for (size_t k = 0; k < topics; k++) {
		size_t count = 0, topic;
		while (first + count < terms && dd_tagger_term_text(hand, first + count, &topic, NULL) && topic == k)
			count++;
		thresholds[k] = dd_tagger_topic_threshold(hand, k);
		if (learn_topic(set, train, k, first, count, settings, weights + first, &thresholds[k]))
			return -1;
		first += count;
	}
	return 0;
}
