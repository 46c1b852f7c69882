/* tag_learning.c - labelled notes and learned tagging weights: see tag_learning.h. */
#include "tag_learning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "lexicon.h"
#include "tokenizer.h"

const struct learn_settings learn_defaults = {
	.l2 = 0.3,
	.l1 = 0.003,
	.l2_learned = 0.03,
	.temperature = 0.5,
	.positive = 1.5,
	.iterations = 3000,
	.other_topics = 0,
	.max_words = 100,
	.min_support = 3,
	.min_authors = 2,
	.min_lift = 3.0,
	.calibration_folds = 0,
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
	for (size_t i = 0; i < note->word_count; i++)
		free(note->words[i]);
	free(note->words);
	free(note->text);
	free(note->labelled);
	free(note->evidence);
	memset(note, 0, sizeof *note);
}

struct word_list {
	char **words;
	size_t count, capacity;
	int failed;
};

/* Keeps a token of two or more Han characters. */
static int collect_word(const dd_token_t *token, void *context)
{
	struct word_list *list = context;
	if (!(token->flags & DD_TOKEN_HAN) || token->len < 6 || list->failed)
		return 0;
	char *copy = NULL;
	if (DD_ARRAY_RESERVE(list->words, list->count, list->capacity, 1) || !(copy = malloc(token->len + 1))) {
		list->failed = 1;
		return 1;
	}
	memcpy(copy, token->text, token->len);
	copy[token->len] = '\0';
	list->words[list->count++] = copy;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct words of the note's title and body, sorted.  Returns 0, -1
 * if memory runs out. */
static int read_words(struct labelled_note *note, dd_tokenizer_t *tokenizer)
{
	struct word_list list = { 0 };
	const char *parts[2] = { note->title, note->body };
	for (int i = 0; i < 2 && !list.failed; i++)
		if (dd_tokenize(tokenizer, parts[i], strlen(parts[i]), DD_TOKENIZE_INDEX, collect_word, &list, NULL) !=
		    DD_OK)
			list.failed = 1;
	if (list.failed) {
		for (size_t i = 0; i < list.count; i++)
			free(list.words[i]);
		free(list.words);
		return -1;
	}
	if (list.count)
		qsort(list.words, list.count, sizeof *list.words, compare_strings);
	size_t kept = 0;
	for (size_t i = 0; i < list.count; i++) {
		if (kept && strcmp(list.words[kept - 1], list.words[i]) == 0)
			free(list.words[i]);
		else
			list.words[kept++] = list.words[i];
	}
	note->words = list.words;
	note->word_count = kept;
	return 0;
}

/* Reads the note of one labels line into note. Returns 0 ok, 1 left out
 * (said on stderr), -1 out of memory. */
static int read_note(struct labelled_note *note, const dd_tagger_t *tagger, dd_tokenizer_t *tokenizer, char *line,
                     const char *corpus, const char *program, int *ok)
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
	if (tokenizer && read_words(note, tokenizer)) {
		note_free(note);
		return -1;
	}
	return 0;
}

int labelled_set_read(struct labelled_set *set, const dd_tagger_t *tagger, const char *labels, const char *corpus,
                      const char *dictionary, const char *program)
{
	memset(set, 0, sizeof *set);
	dd_error_t err;
	dd_lexicon_t *lexicon = dd_lexicon_new();
	dd_tokenizer_t *tokenizer = NULL;
	if (!lexicon || (dictionary && dd_lexicon_load_dictionary(lexicon, dictionary, &err) != DD_OK) ||
	    dd_tokenizer_new(lexicon, &tokenizer, &err) != DD_OK) {
		fprintf(stderr, "%s: %s\n", program, lexicon ? err.message : "out of memory");
		dd_lexicon_free(lexicon);
		return -1;
	}
	FILE *file = fopen(labels, "r");
	if (!file) {
		fprintf(stderr, "%s: %s: cannot open labels\n", program, labels);
		dd_tokenizer_free(tokenizer);
		dd_lexicon_free(lexicon);
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
		int status = read_note(note, tagger, tokenizer, line, corpus, program, &ok);
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
	dd_tokenizer_free(tokenizer);
	dd_lexicon_free(lexicon);
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

/* One nonzero evidence of a note for a topic's term (j within the topic). */
struct entry {
	size_t j;
	double x;
};

/* The training notes of one topic as sparse rows of evidence. */
struct topic_rows {
	struct entry *entries;
	size_t *row_start; /* rows + 1 */
	unsigned char *label;
	size_t rows;
};

/* One topic: weights w[0 .. count-1] of its terms (the first hand_count the
 * taxonomy's, the rest learned; in: the hand weights and 0, out: learned)
 * and *threshold likewise.  The log-odds of note n being labelled with the
 * topic are (sum_j w[j] x[n][j] - threshold) / tau, tau = temperature * the
 * hand threshold; the loss is the mean weighted log loss plus l2/2 times
 * the squared distance of (w, threshold) from the hand values, plus l1
 * times the absolute learned weights (so most stay 0); a word of the notes
 * (is_word[j]) may only count for the topic, never against it.  Proximal gradient
 * descent with the step 1/L, L bounding the curvature, so it cannot
 * diverge. */
static int learn_topic(const struct topic_rows *r, size_t hand_count, size_t count, const unsigned char *is_word,
                       const struct learn_settings *s, double *w, double *threshold)
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
	for (size_t n = 0; n < r->rows; n++) {
		double c = r->label[n] ? s->positive : 1.0, norm = 1.0;
		for (size_t e = r->row_start[n]; e < r->row_start[n + 1]; e++)
			norm += r->entries[e].x * r->entries[e].x;
		total_weight += c;
		curvature += c * norm;
	}
	if (total_weight == 0) {
		free(hand);
		free(gradient);
		return 0;
	}
	double step =
	    1.0 / (0.25 * curvature / total_weight / (tau * tau) + (s->l2 > s->l2_learned ? s->l2 : s->l2_learned));

	for (int iteration = 0; iteration < s->iterations; iteration++) {
		for (size_t j = 0; j < count; j++)
			gradient[j] = (j < hand_count ? s->l2 : s->l2_learned) * (w[j] - hand[j]);
		double gradient_threshold = s->l2 * (*threshold - hand_threshold);
		for (size_t n = 0; n < r->rows; n++) {
			double score = 0;
			for (size_t e = r->row_start[n]; e < r->row_start[n + 1]; e++)
				score += w[r->entries[e].j] * r->entries[e].x;
			double p = 1.0 / (1.0 + exp(-(score - *threshold) / tau));
			int y = r->label[n];
			double g = (y ? s->positive : 1.0) * (p - y) / total_weight / tau;
			for (size_t e = r->row_start[n]; e < r->row_start[n + 1]; e++)
				gradient[r->entries[e].j] += g * r->entries[e].x;
			gradient_threshold -= g;
		}
		for (size_t j = 0; j < count; j++) {
			w[j] -= step * gradient[j];
			if (j >= hand_count) { /* soft thresholding: the l1 pull to 0 */
				double shrink = step * s->l1;
				w[j] = w[j] > shrink ? w[j] - shrink : w[j] < -shrink ? w[j] + shrink : 0;
				if (is_word[j] && w[j] < 0) /* a word chosen for being frequent in the topic's notes */
					w[j] = 0;
			}
		}
		*threshold -= step * gradient_threshold;
		if (*threshold < 0.05 * hand_threshold) /* a tag must take some evidence */
			*threshold = 0.05 * hand_threshold;
	}
	free(hand);
	free(gradient);
	return 0;
}

/* One (text, note) pair, to count the notes holding each text by sorting. */
struct occurrence {
	const char *text;
	size_t note;
};

static int compare_occurrences(const void *a, const void *b)
{
	const struct occurrence *x = a, *y = b;
	int c = strcmp(x->text, y->text);
	return c ? c : (x->note > y->note) - (x->note < y->note);
}

/* A taxonomy term and its topic, sorted by text to look texts up. */
struct hand_term {
	const char *text;
	size_t topic;
};

static int compare_hand_terms(const void *a, const void *b)
{
	const struct hand_term *x = a, *y = b;
	int c = strcmp(x->text, y->text);
	return c ? c : (x->topic > y->topic) - (x->topic < y->topic);
}

/* A candidate learned term of one topic. */
struct candidate {
	const char *text;
	size_t positive;
	int hand_elsewhere; /* a taxonomy term of another topic */
};

static int compare_candidates(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->hand_elsewhere != y->hand_elsewhere)
		return y->hand_elsewhere - x->hand_elsewhere;
	if (x->positive != y->positive)
		return x->positive < y->positive ? 1 : -1;
	return strcmp(x->text, y->text);
}

/* Whether a word of the notes holds a numeral or a function character (了
 * 的 一 个 ...): such tokens (了一, 七十, 坐在) say nothing an analyst
 * could read as a topic's evidence. */
static int is_function_word(const char *text)
{
	static const char *const stop[] = { "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "百",
		                            "千", "万", "两", "几", "了", "的", "着", "过", "个", "是", "在", "这",
		                            "那", "有", "也", "就", "都", "又", "还", "把", "被", "说", "得", "地",
		                            "们", "我", "你", "他", "她", "它", "不", "没", "很", "和", "跟", "到" };
	for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
		if (strstr(text, stop[i]))
			return 1;
	return 0;
}

/* Chooses, from the training notes only, the learned terms each topic may
 * weigh and adds them to tagger (which has none yet): the other topics'
 * taxonomy terms found in at least min_support training notes (evidence
 * for or against), and the words of the notes (tokenizer words of two or
 * more Han characters, none a numeral or function character, not a
 * taxonomy term) found in at least min_support training notes
 * labelled with the topic, by at least min_authors different authors (a
 * word of one writer's village, a place or a person, says nothing of
 * the topic elsewhere), and at least min_lift times as often in those as
 * in all training notes, the max_words most frequent.  Returns 0, -1 if
 * memory runs out. */
static int add_candidates(dd_tagger_t *tagger, const struct labelled_set *set, const unsigned char *train,
                          const struct learn_settings *s)
{
	size_t topics = dd_tagger_topic_count(tagger), terms = dd_tagger_term_count(tagger);
	struct occurrence *occurrences = NULL;
	size_t occurrence_count = 0, capacity = 0, train_count = 0;
	struct hand_term *hand = malloc((terms + 1) * sizeof *hand);
	size_t *positives = calloc(topics + 1, sizeof *positives);
	/* author_stamp[group] == stamp: an author already counted for this word */
	size_t *author_stamp = calloc((size_t)set->group_count + 1, sizeof *author_stamp), stamp = 0;
	struct candidate *candidates = NULL;
	size_t candidate_count = 0, candidate_capacity = 0;
	size_t *add_topics = NULL, add_count = 0, topics_capacity = 0, texts_capacity = 0;
	const char **add_texts = NULL;
	int status = -1;
	if (!hand || !positives || !author_stamp)
		goto done;
	for (size_t t = 0; t < terms; t++)
		hand[t].text = dd_tagger_term_text(tagger, t, &hand[t].topic, NULL);
	if (terms)
		qsort(hand, terms, sizeof *hand, compare_hand_terms);

	/* what each training note holds: its words and the taxonomy terms found */
	for (size_t n = 0; n < set->count; n++) {
		if (!train[n])
			continue;
		train_count++;
		const struct labelled_note *note = &set->notes[n];
		for (size_t k = 0; k < topics; k++)
			positives[k] += note->labelled[k] != 0;
		if (DD_ARRAY_RESERVE(occurrences, occurrence_count, capacity, note->word_count + terms))
			goto done;
		for (size_t i = 0; i < note->word_count; i++)
			occurrences[occurrence_count++] = (struct occurrence){ note->words[i], n };
		for (size_t t = 0; t < terms; t++)
			if (note->evidence[t] > 0)
				occurrences[occurrence_count++] =
				    (struct occurrence){ dd_tagger_term_text(tagger, t, NULL, NULL), n };
	}
	if (occurrence_count)
		qsort(occurrences, occurrence_count, sizeof *occurrences, compare_occurrences);

	for (size_t k = 0; k < topics; k++) {
		candidate_count = 0;
		for (size_t i = 0; i < occurrence_count;) {
			size_t end = i, all = 0, positive = 0, authors = 0;
			stamp++;
			for (; end < occurrence_count && strcmp(occurrences[end].text, occurrences[i].text) == 0; end++)
				if (end == i || occurrences[end].note != occurrences[end - 1].note) {
					const struct labelled_note *note = &set->notes[occurrences[end].note];
					all++;
					if (!note->labelled[k])
						continue;
					positive++;
					if (author_stamp[note->group] != stamp) {
						author_stamp[note->group] = stamp;
						authors++;
					}
				}
			const char *text = occurrences[i].text;
			i = end;
			/* the topics listing text in the taxonomy */
			size_t low = 0, high = terms;
			while (low < high) {
				size_t mid = (low + high) / 2;
				if (strcmp(hand[mid].text, text) < 0)
					low = mid + 1;
				else
					high = mid;
			}
			int own = 0, elsewhere = 0;
			for (; low < terms && strcmp(hand[low].text, text) == 0; low++) {
				own |= hand[low].topic == k;
				elsewhere |= hand[low].topic != k;
			}
			if (own)
				continue;
			int keep_other = s->other_topics && elsewhere && all >= s->min_support;
			int keep_word =
			    !elsewhere && positive >= s->min_support && authors >= s->min_authors && positives[k] > 0 &&
			    !is_function_word(text) &&
			    (double)positive / (double)positives[k] >= s->min_lift * (double)all / (double)train_count;
			if (!keep_other && !keep_word)
				continue;
			if (DD_ARRAY_RESERVE(candidates, candidate_count, candidate_capacity, 1))
				goto done;
			candidates[candidate_count++] = (struct candidate){ text, positive, keep_other };
		}
		if (candidate_count) /* (qsort wants an array, even of nothing) */
			qsort(candidates, candidate_count, sizeof *candidates, compare_candidates);
		size_t words = 0;
		for (size_t c = 0; c < candidate_count; c++) {
			if (!candidates[c].hand_elsewhere && words++ >= s->max_words)
				break;
			if (DD_ARRAY_RESERVE(add_topics, add_count, topics_capacity, 1) ||
			    DD_ARRAY_RESERVE(add_texts, add_count, texts_capacity, 1))
				goto done;
			add_topics[add_count] = k;
			add_texts[add_count++] = candidates[c].text;
		}
	}
	dd_error_t err;
	status = dd_tagger_add_terms(tagger, add_topics, add_texts, add_count, &err) == DD_OK ? 0 : -1;
done:
	free(occurrences);
	free(hand);
	free(positives);
	free(author_stamp);
	free(candidates);
	free(add_topics);
	free(add_texts);
	return status;
}

int tagging_learn(dd_tagger_t *tagger, const struct labelled_set *set, const unsigned char *train,
                  const struct learn_settings *settings)
{
	if (settings->max_words > 0 || settings->other_topics) {
		if (add_candidates(tagger, set, train, settings))
			return -1;
	}
	size_t topics = dd_tagger_topic_count(tagger), terms = dd_tagger_term_count(tagger);
	double *weights = malloc((terms + 1) * sizeof *weights),
	       *thresholds = malloc((topics + 1) * sizeof *thresholds);
	double *evidence = malloc((terms + 1) * sizeof *evidence);
	unsigned char *is_word = malloc(terms + 1);
	struct topic_rows rows = { 0 };
	rows.row_start = malloc((set->count + 1) * sizeof *rows.row_start);
	rows.label = malloc(set->count + 1);
	struct entry *all = NULL; /* every training note's nonzero evidence, note after note */
	size_t *note_start = malloc((set->count + 1) * sizeof *note_start), all_count = 0, all_capacity = 0;
	size_t entry_capacity = 0;
	int status = -1;
	if (!weights || !thresholds || !evidence || !is_word || !rows.row_start || !rows.label || !note_start)
		goto done;
	for (size_t t = 0; t < terms; t++)
		dd_tagger_term_text(tagger, t, NULL, &weights[t]);
	for (size_t k = 0; k < topics; k++)
		thresholds[k] = dd_tagger_topic_threshold(tagger, k);
	for (size_t n = 0; n < set->count; n++) {
		note_start[n] = all_count;
		if (!train[n])
			continue;
		double divisor = dd_tagger_evidence(tagger, set->notes[n].title, set->notes[n].body, evidence);
		for (size_t t = 0; t < terms; t++)
			if (evidence[t] > 0) {
				if (DD_ARRAY_RESERVE(all, all_count, all_capacity, 1))
					goto done;
				all[all_count++] = (struct entry){ t, evidence[t] / divisor };
			}
	}
	note_start[set->count] = all_count;

	size_t first = 0;
	for (size_t k = 0; k < topics; k++) {
		size_t count = 0, hand_count = 0, topic;
		while (first + count < terms && dd_tagger_term_text(tagger, first + count, &topic, NULL) && topic == k)
			hand_count += !dd_tagger_term_is_learned(tagger, first + count++);
		/* the topic's rows: the training notes' entries in [first, first+count) */
		rows.rows = 0;
		size_t used = 0;
		for (size_t n = 0; n < set->count; n++) {
			if (!train[n])
				continue;
			rows.row_start[rows.rows] = used;
			rows.label[rows.rows] = set->notes[n].labelled[k] != 0;
			for (size_t e = note_start[n]; e < note_start[n + 1]; e++)
				if (all[e].j >= first && all[e].j < first + count) {
					if (DD_ARRAY_RESERVE(rows.entries, used, entry_capacity, 1))
						goto done;
					rows.entries[used++] = (struct entry){ all[e].j - first, all[e].x };
				}
			rows.rows++;
		}
		rows.row_start[rows.rows] = used;
		for (size_t j = 0; j < count; j++) {
			const char *text = dd_tagger_term_text(tagger, first + j, NULL, NULL);
			is_word[j] = j >= hand_count;
			for (size_t t = 0; t < terms && is_word[j]; t++)
				is_word[j] = dd_tagger_term_is_learned(tagger, t) ||
				             strcmp(dd_tagger_term_text(tagger, t, NULL, NULL), text) != 0;
		}
		if (learn_topic(&rows, hand_count, count, is_word, settings, weights + first, &thresholds[k]))
			goto done;
		first += count;
	}
	dd_tagger_set_weights(tagger, weights, thresholds);
	status = 0;
done:
	free(weights);
	free(thresholds);
	free(evidence);
	free(is_word);
	free(rows.row_start);
	free(rows.label);
	free(rows.entries);
	free(all);
	free(note_start);
	return status;
}

/* --- calibrating the thresholds ------------------------------------------ */

/* The threshold scales calibration tries. */
static const double calibration_scales[] = { 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2 };
#define SCALE_COUNT (sizeof calibration_scales / sizeof calibration_scales[0])

/* Tags the notes with use[note] != 0 with tagger, each threshold scale
 * times base, and adds to counts[3 * topic + 0, 1, 2] the true positives,
 * false positives and false negatives.  thresholds is scratch. */
static void count_scaled(dd_tagger_t *tagger, const struct labelled_set *set, const unsigned char *use, double scale,
                         const double *base, double *thresholds, size_t *counts)
{
	size_t topics = dd_tagger_topic_count(tagger);
	for (size_t k = 0; k < topics; k++)
		thresholds[k] = scale * base[k];
	dd_tagger_set_thresholds(tagger, thresholds);
	for (size_t n = 0; n < set->count; n++) {
		if (!use[n])
			continue;
		dd_tag_t tags[16];
		unsigned char tagged[256] = { 0 };
		size_t count = dd_tagger_tag(tagger, set->notes[n].title, set->notes[n].body, tags, 16);
		for (size_t i = 0; i < count; i++)
			tagged[dd_tagger_find_topic(tagger, tags[i].key)] = 1;
		for (size_t k = 0; k < topics && k < 256; k++) {
			int y = set->notes[n].labelled[k] != 0;
			counts[3 * k] += y && tagged[k];
			counts[3 * k + 1] += !y && tagged[k];
			counts[3 * k + 2] += y && !tagged[k];
		}
	}
	dd_tagger_set_thresholds(tagger, base);
}

/* Macro F1 of counts (topics neither labelled nor tagged left out). */
static double macro_f1(const size_t *counts, size_t topics)
{
	double sum = 0;
	size_t used = 0;
	for (size_t k = 0; k < topics; k++) {
		size_t tp = counts[3 * k], fp = counts[3 * k + 1], fn = counts[3 * k + 2];
		if (tp + fp + fn == 0)
			continue;
		sum += 2.0 * (double)tp / (double)(2 * tp + fp + fn);
		used++;
	}
	return used ? sum / (double)used : 0;
}

int tagging_learn_calibrated(const char *taxonomy, const struct labelled_set *set, const unsigned char *train,
                             const struct learn_settings *settings, dd_tagger_t **out, double *scale)
{
	*out = NULL;
	*scale = 1.0;
	dd_error_t err;
	dd_tagger_t *tagger = NULL;
	int inner_folds = settings->calibration_folds, status = -1;
	size_t topics = 0;
	unsigned char *inner_train = malloc(set->count + 1), *held_out = malloc(set->count + 1);
	int *inner_fold = malloc((set->count + 1) * sizeof *inner_fold),
	    *rank = malloc(((size_t)set->group_count + 1) * sizeof *rank);
	size_t *counts = NULL;
	double *base = NULL, *thresholds = NULL;
	if (!inner_train || !held_out || !inner_fold || !rank)
		goto done;
	/* the training author groups, numbered in order, go to inner folds in turn */
	int ranked = 0;
	for (int g = 0; g < set->group_count; g++)
		rank[g] = -1;
	for (size_t n = 0; n < set->count; n++)
		if (train[n] && rank[set->notes[n].group] < 0)
			rank[set->notes[n].group] = ranked++;
	for (size_t n = 0; n < set->count; n++)
		inner_fold[n] = train[n] && inner_folds > 1 ? rank[set->notes[n].group] % inner_folds : -1;

	for (int fold = 0; inner_folds > 1 && fold < inner_folds && fold < ranked; fold++) {
		for (size_t n = 0; n < set->count; n++) {
			inner_train[n] = train[n] && inner_fold[n] != fold;
			held_out[n] = train[n] && inner_fold[n] == fold;
		}
		dd_tagger_free(tagger);
		tagger = NULL;
		if (dd_tagger_load_hand(taxonomy, &tagger, &err) != DD_OK ||
		    tagging_learn(tagger, set, inner_train, settings))
			goto done;
		if (!counts) {
			topics = dd_tagger_topic_count(tagger);
			counts = calloc(SCALE_COUNT * 3 * topics + 1, sizeof *counts);
			base = malloc((topics + 1) * sizeof *base);
			thresholds = malloc((topics + 1) * sizeof *thresholds);
			if (!counts || !base || !thresholds)
				goto done;
		}
		for (size_t k = 0; k < topics; k++)
			base[k] = dd_tagger_topic_threshold(tagger, k);
		for (size_t i = 0; i < SCALE_COUNT; i++)
			count_scaled(tagger, set, held_out, calibration_scales[i], base, thresholds,
			             counts + i * 3 * topics);
	}
	if (counts) {
		double best = -1;
		for (size_t i = 0; i < SCALE_COUNT; i++) {
			double f1 = macro_f1(counts + i * 3 * topics, topics);
			/* ties go to the scale nearest 1 */
			if (f1 > best + 1e-12 ||
			    (f1 > best - 1e-12 && fabs(calibration_scales[i] - 1) < fabs(*scale - 1))) {
				best = f1;
				*scale = calibration_scales[i];
			}
		}
	}

	dd_tagger_free(tagger);
	tagger = NULL;
	if (dd_tagger_load_hand(taxonomy, &tagger, &err) != DD_OK || tagging_learn(tagger, set, train, settings))
		goto done;
	topics = dd_tagger_topic_count(tagger);
	free(thresholds);
	if (!(thresholds = malloc((topics + 1) * sizeof *thresholds)))
		goto done;
	for (size_t k = 0; k < topics; k++)
		thresholds[k] = *scale * dd_tagger_topic_threshold(tagger, k);
	dd_tagger_set_thresholds(tagger, thresholds);
	*out = tagger;
	tagger = NULL;
	status = 0;
done:
	dd_tagger_free(tagger);
	free(inner_train);
	free(held_out);
	free(inner_fold);
	free(rank);
	free(counts);
	free(base);
	free(thresholds);
	return status;
}
