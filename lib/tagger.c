/* tagger.c - weighted-term topic tagger driven by the taxonomy file: see tagger.h.
 *
 * The tagger is a table of topics, each with a list of (term, weight) pairs
 * read from JSON.  Scoring a note is plain substring counting: no
 * segmentation is needed because the terms are whole Chinese words or
 * phrases chosen by an analyst.
 */
#include "tagger.h"

#include "buffer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults used when the taxonomy file leaves a setting out. */
#define DEFAULT_THRESHOLD 1.0
#define DEFAULT_TITLE_WEIGHT 3.0
#define DEFAULT_REFERENCE_LENGTH 1000.0
#define DEFAULT_RELATIVE_FLOOR 0.0

struct tagger_term {
	char *text;    /* UTF-8, never empty */
	size_t length; /* strlen(text) */
	double weight; /* may be negative */
};

struct tagger_topic {
	char key[32]; /* NUL-terminated, unique within the tagger */
	char *name;
	char *about;          /* may be an empty string */
	double threshold;     /* a score >= threshold makes a tag */
	double raises_others; /* >= 1; when this topic is a tag, the other
	                       * topics' thresholds are multiplied by it */
	struct tagger_term *terms;
	size_t term_count;
};

struct dd_tagger {
	struct tagger_topic *topics;
	size_t topic_count;
	double title_weight;     /* one title hit counts as this many body hits */
	double reference_length; /* note length (code points) at which no length correction applies */
	double relative_floor;   /* a tag's score must be >= this share of the best score */
};

/* --- loading ------------------------------------------------------------- */

static char *read_whole_file(const char *path, dd_error_t *err)
{
	char *text = NULL;
	dd_status_t st = dd_read_file(path, 0, &text, NULL, err);
	if (st == DD_ERR_NOT_FOUND && err)
		err->status = DD_ERR_IO; /* a taxonomy named but missing cannot be read */
	return st == DD_OK ? text : NULL;
}

static char *copy_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	if (copy)
		memcpy(copy, s, n);
	return copy;
}

/* Reads an optional number field of object; keeps *value when absent.
 * Returns 0 if the field is present but not a number. */
static int read_optional_number(const cJSON *object, const char *field, double *value)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, field);
	if (!item)
		return 1;
	if (!cJSON_IsNumber(item))
		return 0;
	*value = item->valuedouble;
	return 1;
}

static dd_status_t load_settings(dd_tagger_t *tagger, const cJSON *root, double *threshold, const char *path,
                                 dd_error_t *err)
{
	const cJSON *settings = cJSON_GetObjectItemCaseSensitive(root, "tagging");
	if (!settings)
		return DD_OK;
	if (!cJSON_IsObject(settings))
		return dd_error_set(err, DD_ERR_INVALID, "%s: \"tagging\" must be an object", path);
	if (!read_optional_number(settings, "threshold", threshold) ||
	    !read_optional_number(settings, "title_weight", &tagger->title_weight) ||
	    !read_optional_number(settings, "reference_length", &tagger->reference_length) ||
	    !read_optional_number(settings, "relative_floor", &tagger->relative_floor))
		return dd_error_set(err, DD_ERR_INVALID, "%s: the fields of \"tagging\" must be numbers", path);
	if (*threshold <= 0 || tagger->title_weight < 0 || tagger->reference_length <= 0 ||
	    tagger->relative_floor < 0 || tagger->relative_floor > 1)
		return dd_error_set(err, DD_ERR_INVALID,
		                    "%s: \"tagging\" needs threshold > 0, title_weight >= 0, "
		                    "reference_length > 0 and relative_floor in [0,1]",
		                    path);
	return DD_OK;
}

static dd_status_t load_terms(struct tagger_topic *topic, const cJSON *terms, const char *path, dd_error_t *err)
{
	if (!cJSON_IsObject(terms))
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\" needs \"terms\", an object of term: weight",
		                    path, topic->key);
	size_t count = (size_t)cJSON_GetArraySize(terms);
	if (count == 0)
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\" has no terms", path, topic->key);
	topic->terms = calloc(count, sizeof *topic->terms);
	if (!topic->terms)
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	const cJSON *term;
	cJSON_ArrayForEach(term, terms)
	{
		if (!cJSON_IsNumber(term))
			return dd_error_set(err, DD_ERR_INVALID,
			                    "%s: topic \"%s\", term \"%s\": weight must be a number", path, topic->key,
			                    term->string);
		if (term->string[0] == '\0')
			return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\" has an empty term", path,
			                    topic->key);
		struct tagger_term *slot = &topic->terms[topic->term_count];
		slot->text = copy_string(term->string);
		if (!slot->text)
			return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
		slot->length = strlen(slot->text);
		slot->weight = term->valuedouble;
		topic->term_count++;
	}
	return DD_OK;
}

static dd_status_t load_topic(dd_tagger_t *tagger, const cJSON *item, double default_threshold, const char *path,
                              dd_error_t *err)
{
	size_t index = tagger->topic_count;
	struct tagger_topic *topic = &tagger->topics[index];
	if (!cJSON_IsObject(item))
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic %zu is not an object", path, index + 1);

	const cJSON *key = cJSON_GetObjectItemCaseSensitive(item, "key");
	if (!cJSON_IsString(key) || key->valuestring[0] == '\0' || strlen(key->valuestring) >= sizeof topic->key)
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic %zu needs a \"key\" string of 1 to %zu bytes", path,
		                    index + 1, sizeof topic->key - 1);
	if (dd_tagger_find_topic(tagger, key->valuestring) >= 0)
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic key \"%s\" appears twice", path, key->valuestring);
	/* Counted only now, so that a half-loaded topic is still freed. */
	tagger->topic_count++;
	strcpy(topic->key, key->valuestring);

	const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
	if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\" needs a \"name\" string", path, topic->key);
	const cJSON *about = cJSON_GetObjectItemCaseSensitive(item, "about");
	if (about && !cJSON_IsString(about))
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\": \"about\" must be a string", path,
		                    topic->key);
	topic->name = copy_string(name->valuestring);
	topic->about = copy_string(about ? about->valuestring : "");
	if (!topic->name || !topic->about)
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);

	topic->threshold = default_threshold;
	if (!read_optional_number(item, "threshold", &topic->threshold) || topic->threshold <= 0)
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\": \"threshold\" must be a number > 0", path,
		                    topic->key);
	topic->raises_others = 1.0;
	if (!read_optional_number(item, "raises_others", &topic->raises_others) || topic->raises_others < 1)
		return dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\": \"raises_others\" must be a number >= 1",
		                    path, topic->key);
	return load_terms(topic, cJSON_GetObjectItemCaseSensitive(item, "terms"), path, err);
}

/* 1-based line of position within text, for parse error messages. */
static int line_of(const char *text, const char *position)
{
	int line = 1;
	for (const char *p = text; p < position && *p; p++)
		line += *p == '\n';
	return line;
}

dd_status_t dd_tagger_load(const char *taxonomy_path, dd_tagger_t **out, dd_error_t *err)
{
	*out = NULL;
	char *text = read_whole_file(taxonomy_path, err);
	if (!text)
		return err ? err->status : DD_ERR_IO;

	const char *parse_end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &parse_end, 1);
	if (!root) {
		dd_status_t status = dd_error_set(err, DD_ERR_INVALID, "%s: not valid JSON (line %d)", taxonomy_path,
		                                  parse_end ? line_of(text, parse_end) : 0);
		free(text);
		return status;
	}
	free(text);

	dd_status_t status = DD_OK;
	dd_tagger_t *tagger = calloc(1, sizeof *tagger);
	if (!tagger) {
		cJSON_Delete(root);
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", taxonomy_path);
	}
	tagger->title_weight = DEFAULT_TITLE_WEIGHT;
	tagger->reference_length = DEFAULT_REFERENCE_LENGTH;
	tagger->relative_floor = DEFAULT_RELATIVE_FLOOR;
	double threshold = DEFAULT_THRESHOLD;

	const cJSON *topics = cJSON_GetObjectItemCaseSensitive(root, "topics");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(topics) || cJSON_GetArraySize(topics) == 0) {
		status = dd_error_set(err, DD_ERR_INVALID, "%s: expected an object with a non-empty \"topics\" array",
		                      taxonomy_path);
		goto done;
	}
	status = load_settings(tagger, root, &threshold, taxonomy_path, err);
	if (status != DD_OK)
		goto done;

	tagger->topics = calloc((size_t)cJSON_GetArraySize(topics), sizeof *tagger->topics);
	if (!tagger->topics) {
		status = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", taxonomy_path);
		goto done;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, topics)
	{
		status = load_topic(tagger, item, threshold, taxonomy_path, err);
		if (status != DD_OK)
			goto done;
	}

done:
	cJSON_Delete(root);
	if (status != DD_OK) {
		dd_tagger_free(tagger);
		return status;
	}
	*out = tagger;
	return DD_OK;
}

void dd_tagger_free(dd_tagger_t *tagger)
{
	if (!tagger)
		return;
	for (size_t i = 0; i < tagger->topic_count; i++) {
		struct tagger_topic *topic = &tagger->topics[i];
		for (size_t j = 0; j < topic->term_count; j++)
			free(topic->terms[j].text);
		free(topic->terms);
		free(topic->name);
		free(topic->about);
	}
	free(tagger->topics);
	free(tagger);
}

/* --- topics -------------------------------------------------------------- */

size_t dd_tagger_topic_count(const dd_tagger_t *tagger)
{
	return tagger->topic_count;
}

const char *dd_tagger_topic_key(const dd_tagger_t *tagger, size_t i)
{
	return i < tagger->topic_count ? tagger->topics[i].key : NULL;
}

const char *dd_tagger_topic_name(const dd_tagger_t *tagger, size_t i)
{
	return i < tagger->topic_count ? tagger->topics[i].name : NULL;
}

double dd_tagger_topic_threshold(const dd_tagger_t *tagger, size_t i)
{
	return i < tagger->topic_count ? tagger->topics[i].threshold : 0.0;
}

int dd_tagger_find_topic(const dd_tagger_t *tagger, const char *key)
{
	for (size_t i = 0; i < tagger->topic_count; i++)
		if (strcmp(tagger->topics[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* --- scoring ------------------------------------------------------------- */

/* Non-overlapping occurrences of term in text. */
static size_t count_hits(const char *text, const char *term, size_t term_length)
{
	size_t hits = 0;
	for (const char *p = strstr(text, term); p; p = strstr(p + term_length, term))
		hits++;
	return hits;
}

/* Unicode code points in a UTF-8 string: bytes that do not continue a sequence. */
static size_t count_code_points(const char *text)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

void dd_tagger_score(const dd_tagger_t *tagger, const char *title, const char *body, double *scores)
{
	if (!title)
		title = "";
	if (!body)
		body = "";

	/* Longer notes mention more things in passing; dividing by the square
	 * root of the length keeps a long note from collecting every topic,
	 * while a short note is not boosted past the reference length / 4. */
	double length = (double)(count_code_points(title) + count_code_points(body));
	if (length < tagger->reference_length / 4)
		length = tagger->reference_length / 4;
	double length_factor = sqrt(length / tagger->reference_length);

	for (size_t i = 0; i < tagger->topic_count; i++) {
		const struct tagger_topic *topic = &tagger->topics[i];
		double sum = 0;
		for (size_t j = 0; j < topic->term_count; j++) {
			const struct tagger_term *term = &topic->terms[j];
			double hits = (double)count_hits(body, term->text, term->length) +
			              tagger->title_weight * (double)count_hits(title, term->text, term->length);
			if (hits > 0)
				sum += term->weight * log2(1 + hits);
		}
		scores[i] = sum / length_factor;
	}
}

size_t dd_tagger_tag(const dd_tagger_t *tagger, const char *title, const char *body, dd_tag_t *out, size_t max)
{
	size_t n = tagger->topic_count;
	if (max == 0 || n == 0)
		return 0;
	double *scores = malloc(n * sizeof *scores);
	size_t *order = malloc(n * sizeof *order);
	if (!scores || !order) {
		free(scores);
		free(order);
		return 0;
	}
	dd_tagger_score(tagger, title, body, scores);

	/* A topic such as a reflection on the whole visit recaps every issue in
	 * passing; when it is a tag, the others must clear a higher bar.  The
	 * largest raise of the topics over their own threshold applies. */
	double best = 0, raise = 1;
	for (size_t i = 0; i < n; i++) {
		if (scores[i] > best)
			best = scores[i];
		if (scores[i] >= tagger->topics[i].threshold && tagger->topics[i].raises_others > raise)
			raise = tagger->topics[i].raises_others;
	}

	/* Keep the topics over both thresholds, then sort them by how far over
	 * their own threshold they are (insertion sort: there are few). */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tagger_topic *topic = &tagger->topics[i];
		double bar = topic->raises_others < raise ? raise * topic->threshold : topic->threshold;
		if (scores[i] < bar || scores[i] < tagger->relative_floor * best)
			continue;
		size_t at = kept++;
		double ratio = scores[i] / topic->threshold;
		while (at > 0 && scores[order[at - 1]] / tagger->topics[order[at - 1]].threshold < ratio) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = i;
	}

	size_t written = 0;
	for (; written < kept && written < max; written++) {
		size_t i = order[written];
		dd_tag_t *tag = &out[written];
		memcpy(tag->key, tagger->topics[i].key, sizeof tag->key);
		/* Confidence: 0.5 at the threshold, approaching 1 as the score
		 * grows: 1 - 2^-(score/threshold). */
		tag->score = 1.0 - exp2(-scores[i] / tagger->topics[i].threshold);
		tag->manual = 0;
	}
	free(scores);
	free(order);
	return written;
}
