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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults used when the taxonomy file leaves a setting out. */
#define DEFAULT_THRESHOLD 1.0
#define DEFAULT_TITLE_WEIGHT 3.0
#define DEFAULT_REFERENCE_LENGTH 1000.0
#define DEFAULT_RELATIVE_FLOOR 0.0

struct tagger_term {
	char *text;         /* UTF-8, never empty */
	size_t length;      /* strlen(text) */
	double weight;      /* in effect (learned or hand); may be negative */
	double hand_weight; /* as taxonomy.json gives it; 0 for a learned term */
	size_t pattern;     /* the matcher's number for this text (shared by equal terms) */
};

struct tagger_topic {
	char key[32]; /* NUL-terminated, unique within the tagger */
	char *name;
	char *about;               /* may be an empty string */
	double threshold;          /* in effect: a score >= threshold makes a tag */
	double hand_threshold;     /* as taxonomy.json gives it */
	double raises_others;      /* >= 1; when this topic is a tag, the other
	                            * topics' thresholds are multiplied by it */
	struct tagger_term *terms; /* the taxonomy's terms, then the learned ones */
	size_t term_count;         /* all of them */
	size_t hand_count;         /* terms[0 .. hand_count-1] are the taxonomy's */
	size_t term_capacity;
};

/* Aho-Corasick automaton over the bytes of every distinct term, built once
 * per load: one scan of a text finds every occurrence of every term.
 * Node 0 is the root.  A node's children are a chain of edges through
 * next_sibling; fail is the node of the longest proper suffix of this
 * node's path that is also a path of the trie; pattern is the distinct term
 * spelt by the path (or NO_PATTERN), and output the nearest node on the
 * fail chain (excluding this one) that spells a term (or NO_NODE), so the
 * terms ending at a byte are found without walking the whole chain.
 * Once linked, the automaton is made a complete table: from the node whose
 * row starts at r, byte b leads to delta[r + byte_class[b]] (the bytes no
 * term holds share class 0), which holds the next node's row start
 * (node * class_count), plus DELTA_HIT when a term ends there; so a scan
 * does one lookup per byte and looks at nodes only on a hit. */
#define NO_NODE UINT32_MAX
#define NO_PATTERN SIZE_MAX

struct matcher_edge {
	uint32_t target;
	uint32_t next_sibling; /* NO_NODE ends the chain */
	unsigned char byte;
};

struct matcher_node {
	uint32_t first_edge; /* into edges, or NO_NODE */
	uint32_t fail;
	uint32_t output;
	size_t pattern;
};

struct matcher {
	struct matcher_node *nodes;
	size_t node_count, node_capacity;
	struct matcher_edge *edges; /* edge i leads to node i + 1: each node but the root has one */
	size_t edge_capacity;
	size_t *pattern_length; /* bytes of distinct term p */
	size_t pattern_count, pattern_capacity;
	unsigned char byte_class[256];
	size_t class_count;
	uint32_t *delta; /* node_count * class_count transitions */
};

/* The largest transition table a taxonomy may need (cells of 4 bytes): far
 * above what thousands of terms need, a bound on what a file can make us
 * allocate. */
#define MAX_DELTA_CELLS ((size_t)32 << 20)
#define DELTA_HIT 0x80000000u

struct dd_tagger {
	struct tagger_topic *topics;
	size_t topic_count;
	size_t term_count; /* over all topics */
	struct matcher matcher;
	double title_weight;     /* one title hit counts as this many body hits */
	double reference_length; /* note length (code points) at which no length correction applies */
	double relative_floor;   /* a tag's score must be >= this share of the best score */
};

/* --- the matcher ---------------------------------------------------------- */

/* Child of node along byte, or NO_NODE. */
static uint32_t matcher_child(const struct matcher *m, uint32_t node, unsigned char byte)
{
	for (uint32_t e = m->nodes[node].first_edge; e != NO_NODE; e = m->edges[e].next_sibling)
		if (m->edges[e].byte == byte)
			return m->edges[e].target;
	return NO_NODE;
}

static int matcher_init(struct matcher *m)
{
	if (DD_ARRAY_RESERVE(m->nodes, 0, m->node_capacity, 1) != 0)
		return -1;
	m->nodes[0] = (struct matcher_node){ NO_NODE, 0, NO_NODE, NO_PATTERN };
	m->node_count = 1;
	return 0;
}

static void matcher_free(struct matcher *m)
{
	free(m->nodes);
	free(m->edges);
	free(m->pattern_length);
	free(m->delta);
	memset(m, 0, sizeof *m);
}

/* Adds the length bytes of text (length > 0) to the trie and writes the
 * number of that distinct text to *pattern.  Returns 0, or -1 when memory
 * runs out. */
static int matcher_add(struct matcher *m, const char *text, size_t length, size_t *pattern)
{
	uint32_t node = 0;
	for (size_t i = 0; i < length; i++) {
		unsigned char byte = (unsigned char)text[i];
		uint32_t child = matcher_child(m, node, byte);
		if (child == NO_NODE) {
			if (m->node_count >= NO_NODE - 1 ||
			    DD_ARRAY_RESERVE(m->nodes, m->node_count, m->node_capacity, 1) ||
			    DD_ARRAY_RESERVE(m->edges, m->node_count - 1, m->edge_capacity, 1))
				return -1;
			child = (uint32_t)m->node_count++;
			m->nodes[child] = (struct matcher_node){ NO_NODE, 0, NO_NODE, NO_PATTERN };
			m->edges[child - 1] = (struct matcher_edge){ child, m->nodes[node].first_edge, byte };
			m->nodes[node].first_edge = child - 1;
		}
		node = child;
	}
	if (m->nodes[node].pattern == NO_PATTERN) {
		if (DD_ARRAY_RESERVE(m->pattern_length, m->pattern_count, m->pattern_capacity, 1))
			return -1;
		m->pattern_length[m->pattern_count] = length;
		m->nodes[node].pattern = m->pattern_count++;
	}
	*pattern = m->nodes[node].pattern;
	return 0;
}

/* Sets every node's fail and output links, breadth first (a node's fail
 * link is shallower, so it is done before the node), then fills the
 * transition table in the same order.  Returns 0, or -1 when memory runs
 * out. */
static int matcher_link(struct matcher *m)
{
	uint32_t *queue = malloc(m->node_count * sizeof *queue);
	m->delta = calloc(m->node_count * m->class_count, sizeof *m->delta);
	if (!queue || !m->delta) {
		free(queue);
		return -1;
	}
	size_t head = 0, tail = 0;
	for (uint32_t e = m->nodes[0].first_edge; e != NO_NODE; e = m->edges[e].next_sibling)
		queue[tail++] = m->edges[e].target; /* fail 0, output none: set when created */
	while (head < tail) {
		uint32_t node = queue[head++];
		for (uint32_t e = m->nodes[node].first_edge; e != NO_NODE; e = m->edges[e].next_sibling) {
			uint32_t child = m->edges[e].target, fail = m->nodes[node].fail, next;
			while ((next = matcher_child(m, fail, m->edges[e].byte)) == NO_NODE && fail != 0)
				fail = m->nodes[fail].fail;
			if (next == NO_NODE)
				next = 0;
			m->nodes[child].fail = next;
			m->nodes[child].output = m->nodes[next].pattern != NO_PATTERN ? next : m->nodes[next].output;
			queue[tail++] = child;
		}
	}
	/* The root's missing transitions stay 0; another node's missing ones
	 * are its fail node's, already filled (shallower, earlier in queue). */
	for (size_t i = 0; i <= tail; i++) {
		uint32_t node = i == 0 ? 0 : queue[i - 1];
		uint32_t *row = &m->delta[node * m->class_count];
		if (node != 0)
			memcpy(row, &m->delta[m->nodes[node].fail * m->class_count], m->class_count * sizeof *row);
		for (uint32_t e = m->nodes[node].first_edge; e != NO_NODE; e = m->edges[e].next_sibling) {
			const struct matcher_node *target = &m->nodes[m->edges[e].target];
			int hit = target->pattern != NO_PATTERN || target->output != NO_NODE;
			row[m->byte_class[m->edges[e].byte]] =
			    (uint32_t)(m->edges[e].target * m->class_count) | (hit ? DELTA_HIT : 0);
		}
	}
	free(queue);
	return 0;
}

/* Counts into counts[pattern] the non-overlapping occurrences of every
 * distinct term in text, leftmost first: what calling strstr again from the
 * end of each hit counts.  next_free[pattern] is the caller's scratch.
 * Returns the number of code points of text (bytes not continuing a UTF-8
 * sequence), counted on the way. */
static size_t matcher_count(const struct matcher *m, const char *text, size_t *counts, size_t *next_free)
{
	memset(counts, 0, m->pattern_count * sizeof *counts);
	memset(next_free, 0, m->pattern_count * sizeof *next_free);
	const unsigned char *bytes = (const unsigned char *)text;
	size_t code_points = 0;
	uint32_t row = 0;
	for (size_t i = 0; bytes[i]; i++) {
		code_points += (bytes[i] & 0xC0) != 0x80;
		row = m->delta[row + m->byte_class[bytes[i]]];
		if (!(row & DELTA_HIT))
			continue;
		row &= ~DELTA_HIT;
		uint32_t node = (uint32_t)(row / m->class_count);
		uint32_t hit = m->nodes[node].pattern != NO_PATTERN ? node : m->nodes[node].output;
		for (; hit != NO_NODE; hit = m->nodes[hit].output) {
			/* occurrences of one term end in increasing order, so taking
			 * each that starts after the last one taken is leftmost-first */
			size_t pattern = m->nodes[hit].pattern, end = i + 1;
			if (end - m->pattern_length[pattern] >= next_free[pattern]) {
				counts[pattern]++;
				next_free[pattern] = end;
			}
		}
	}
	return code_points;
}

/* Builds the matcher over every term of the loaded topics. */
static dd_status_t build_matcher(dd_tagger_t *tagger, const char *path, dd_error_t *err)
{
	struct matcher *m = &tagger->matcher;
	if (matcher_init(m))
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	m->class_count = 1;
	for (size_t i = 0; i < tagger->topic_count; i++)
		for (size_t j = 0; j < tagger->topics[i].term_count; j++) {
			struct tagger_term *term = &tagger->topics[i].terms[j];
			if (matcher_add(m, term->text, term->length, &term->pattern))
				return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
			for (size_t k = 0; k < term->length; k++) {
				unsigned char byte = (unsigned char)term->text[k];
				if (!m->byte_class[byte])
					m->byte_class[byte] = (unsigned char)m->class_count++;
			}
		}
	if (m->node_count > MAX_DELTA_CELLS / m->class_count)
		return dd_error_set(err, DD_ERR_INVALID, "%s: too many terms (%zu) for the tagger", path,
		                    tagger->term_count);
	if (matcher_link(m))
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	return DD_OK;
}

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
		slot->weight = slot->hand_weight = term->valuedouble;
		topic->term_count++;
	}
	topic->hand_count = topic->term_capacity = topic->term_count;
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
	topic->hand_threshold = topic->threshold;
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

/* dd_tagger_load_hand; the matcher is built only when build is set. */
static dd_status_t load_hand(const char *taxonomy_path, dd_tagger_t **out, int build, dd_error_t *err)
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
		tagger->term_count += tagger->topics[tagger->topic_count - 1].term_count;
	}
	if (build)
		status = build_matcher(tagger, taxonomy_path, err);

done:
	cJSON_Delete(root);
	if (status != DD_OK) {
		dd_tagger_free(tagger);
		return status;
	}
	*out = tagger;
	return DD_OK;
}

dd_status_t dd_tagger_load_hand(const char *taxonomy_path, dd_tagger_t **out, dd_error_t *err)
{
	return load_hand(taxonomy_path, out, 1, err);
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
	matcher_free(&tagger->matcher);
	free(tagger);
}

int dd_tagger_weights_path(const char *taxonomy_path, char *out, size_t size)
{
	size_t length = strlen(taxonomy_path);
	if (length >= 5 && strcmp(taxonomy_path + length - 5, ".json") == 0)
		length -= 5;
	return snprintf(out, size, "%.*s.weights.tsv", (int)length, taxonomy_path) < (int)size ? 0 : -1;
}

dd_status_t dd_tagger_load(const char *taxonomy_path, dd_tagger_t **out, dd_error_t *err)
{
	/* the matcher is built once, with the learned terms when there are
	 * some (reading the weights builds it), else over the hand terms */
	dd_status_t status = load_hand(taxonomy_path, out, 0, err);
	if (status != DD_OK)
		return status;
	char path[4096];
	if (dd_tagger_weights_path(taxonomy_path, path, sizeof path))
		status = dd_error_set(err, DD_ERR_INVALID, "%s: path too long", taxonomy_path);
	else
		status = dd_tagger_read_weights(*out, path, err);
	if (status == DD_ERR_NOT_FOUND)
		status = DD_OK; /* no learned weights: the hand weights stay */
	if (status == DD_OK && !(*out)->matcher.node_count)
		status = build_matcher(*out, taxonomy_path, err);
	if (status != DD_OK) {
		dd_tagger_free(*out);
		*out = NULL;
	}
	return status;
}

/* --- learned weights ----------------------------------------------------- */

/* Index of the term of topic with this text among its first count terms, or -1. */
static long find_term(const struct tagger_topic *topic, size_t count, const char *text)
{
	for (size_t j = 0; j < count; j++)
		if (strcmp(topic->terms[j].text, text) == 0)
			return (long)j;
	return -1;
}

/* Reads a finite number filling the whole of field; returns 0 if it is not one. */
static int parse_number(const char *field, double *value)
{
	char *end;
	errno = 0;
	*value = strtod(field, &end);
	return *field && !*end && errno == 0 && isfinite(*value);
}

/* Drops every learned term, leaving the taxonomy's (the matcher is not
 * rebuilt: the caller does it). */
static void drop_learned_terms(dd_tagger_t *tagger)
{
	tagger->term_count = 0;
	for (size_t i = 0; i < tagger->topic_count; i++) {
		struct tagger_topic *topic = &tagger->topics[i];
		for (size_t j = topic->hand_count; j < topic->term_count; j++)
			free(topic->terms[j].text);
		topic->term_count = topic->hand_count;
		tagger->term_count += topic->term_count;
	}
}

/* Appends a learned term (weight 0) to topic; the matcher is not rebuilt. */
static dd_status_t append_learned_term(struct tagger_topic *topic, const char *text, dd_error_t *err)
{
	if (DD_ARRAY_RESERVE(topic->terms, topic->term_count, topic->term_capacity, 1))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	struct tagger_term *term = &topic->terms[topic->term_count];
	memset(term, 0, sizeof *term);
	if (!(term->text = copy_string(text)))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	term->length = strlen(text);
	topic->term_count++;
	return DD_OK;
}

/* Rebuilds the matcher after the terms changed. */
static dd_status_t rebuild_matcher(dd_tagger_t *tagger, dd_error_t *err)
{
	matcher_free(&tagger->matcher);
	return build_matcher(tagger, "tagger", err);
}

/* A learned term to add, to find repeats by sorting. */
struct new_term {
	size_t topic;
	const char *text;
};

static int compare_new_terms(const void *a, const void *b)
{
	const struct new_term *x = a, *y = b;
	return x->topic != y->topic ? (x->topic < y->topic ? -1 : 1) : strcmp(x->text, y->text);
}

/* The first (topic, text) pair given twice, or NULL; *sorted is the
 * caller's to free, NULL when memory ran out. */
static const struct new_term *find_repeat(const size_t *topics, const char *const *texts, size_t count,
                                          struct new_term **sorted)
{
	*sorted = malloc((count + 1) * sizeof **sorted);
	if (!*sorted)
		return NULL;
	for (size_t i = 0; i < count; i++)
		(*sorted)[i] = (struct new_term){ topics[i], texts[i] };
	qsort(*sorted, count, sizeof **sorted, compare_new_terms);
	for (size_t i = 1; i < count; i++)
		if (compare_new_terms(&(*sorted)[i - 1], &(*sorted)[i]) == 0)
			return &(*sorted)[i];
	return NULL;
}

dd_status_t dd_tagger_add_terms(dd_tagger_t *tagger, const size_t *topics, const char *const *texts, size_t count,
                                dd_error_t *err)
{
	struct new_term *sorted;
	const struct new_term *repeat = find_repeat(topics, texts, count, &sorted);
	if (!sorted)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	if (repeat) {
		dd_status_t status = dd_error_set(err, DD_ERR_INVALID, "topic \"%s\": the term \"%s\" is given twice",
		                                  tagger->topics[repeat->topic].key, repeat->text);
		free(sorted);
		return status;
	}
	free(sorted);
	for (size_t i = 0; i < count; i++) {
		if (topics[i] >= tagger->topic_count || !texts[i] || !texts[i][0] || strpbrk(texts[i], "\t\r\n"))
			return dd_error_set(err, DD_ERR_INVALID,
			                    "learned term %zu: needs a topic and a text without tabs or line breaks",
			                    i);
		if (find_term(&tagger->topics[topics[i]], tagger->topics[topics[i]].term_count, texts[i]) >= 0)
			return dd_error_set(err, DD_ERR_INVALID, "topic \"%s\" already has the term \"%s\"",
			                    tagger->topics[topics[i]].key, texts[i]);
	}
	dd_status_t status = DD_OK;
	for (size_t i = 0; i < count && status == DD_OK; i++)
		if ((status = append_learned_term(&tagger->topics[topics[i]], texts[i], err)) == DD_OK)
			tagger->term_count++;
	if (status == DD_OK)
		status = rebuild_matcher(tagger, err);
	if (status != DD_OK) { /* back to the taxonomy's terms alone */
		drop_learned_terms(tagger);
		if (rebuild_matcher(tagger, NULL) != DD_OK)
			matcher_free(&tagger->matcher); /* no terms found: every score 0 */
	}
	return status;
}

int dd_tagger_term_is_learned(const dd_tagger_t *tagger, size_t term)
{
	for (size_t i = 0; i < tagger->topic_count; i++) {
		if (term < tagger->topics[i].term_count)
			return term >= tagger->topics[i].hand_count;
		term -= tagger->topics[i].term_count;
	}
	return 0;
}

/* One setting of a weights file, parsed and checked. */
struct weights_line {
	enum { LINE_THRESHOLD, LINE_WEIGHT, LINE_LEARNED } kind;
	size_t topic;
	size_t term;      /* LINE_WEIGHT: the term's index within its topic */
	const char *text; /* LINE_LEARNED: into the file's text */
	double value;
};

/* Parses one line of a weights file (line is cut into fields in place). */
static dd_status_t read_weights_line(const dd_tagger_t *tagger, char *line, struct weights_line *out, const char *where,
                                     dd_error_t *err)
{
	char *field[5];
	size_t fields = 0;
	for (char *p = line; fields < 5; p++) {
		field[fields++] = p;
		if (!(p = strchr(p, '\t')))
			break;
		*p = '\0';
	}
	int is_threshold = fields == 3 && strcmp(field[0], "threshold") == 0;
	int is_weight = fields == 4 && strcmp(field[0], "weight") == 0;
	int is_learned = fields == 4 && strcmp(field[0], "learned") == 0;
	if (!is_threshold && !is_weight && !is_learned)
		return dd_error_set(err, DD_ERR_INVALID,
		                    "%s: expected \"threshold<TAB>topic<TAB>number\", "
		                    "\"weight<TAB>topic<TAB>term<TAB>number\" or "
		                    "\"learned<TAB>topic<TAB>term<TAB>number\"",
		                    where);
	if (!parse_number(field[fields - 1], &out->value) || (is_threshold && out->value <= 0))
		return dd_error_set(err, DD_ERR_INVALID, "%s: \"%s\" is not a %s", where, field[fields - 1],
		                    is_threshold ? "threshold (a number > 0)" : "weight (a number)");
	int topic = dd_tagger_find_topic(tagger, field[1]);
	if (topic < 0)
		return dd_error_set(err, DD_ERR_INVALID,
		                    "%s: no topic \"%s\" in the taxonomy (stale weights: retrain them with "
		                    "dd-tagging-train or remove the file)",
		                    where, field[1]);
	const struct tagger_topic *t = &tagger->topics[topic];
	out->topic = (size_t)topic;
	out->kind = is_threshold ? LINE_THRESHOLD : is_weight ? LINE_WEIGHT : LINE_LEARNED;
	if (is_weight) {
		long term = find_term(t, t->hand_count, field[2]);
		if (term < 0)
			return dd_error_set(err, DD_ERR_INVALID,
			                    "%s: topic \"%s\" has no term \"%s\" in the taxonomy (stale weights: "
			                    "retrain them with dd-tagging-train or remove the file)",
			                    where, field[1], field[2]);
		out->term = (size_t)term;
	} else if (is_learned) {
		if (!field[2][0])
			return dd_error_set(err, DD_ERR_INVALID, "%s: a learned term may not be empty", where);
		if (find_term(t, t->hand_count, field[2]) >= 0)
			return dd_error_set(err, DD_ERR_INVALID,
			                    "%s: \"%s\" is a term of topic \"%s\" in the taxonomy (stale weights: "
			                    "retrain them with dd-tagging-train or remove the file)",
			                    where, field[2], field[1]);
		out->text = field[2];
	}
	return DD_OK;
}

/* Puts the settings of a whole, checked file in effect. */
static dd_status_t apply_weights(dd_tagger_t *tagger, const struct weights_line *lines, size_t count, const char *path,
                                 dd_error_t *err)
{
	size_t learned = 0;
	for (size_t i = 0; i < count; i++)
		learned += lines[i].kind == LINE_LEARNED;
	size_t *topics = malloc((learned + 1) * sizeof *topics);
	const char **texts = malloc((learned + 1) * sizeof *texts);
	dd_status_t status = DD_OK;
	if (!topics || !texts) {
		status = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
		goto done;
	}
	learned = 0;
	for (size_t i = 0; i < count; i++)
		if (lines[i].kind == LINE_LEARNED) {
			topics[learned] = lines[i].topic;
			texts[learned++] = lines[i].text;
		}
	/* a learned term given twice is refused before anything changes */
	struct new_term *sorted;
	const struct new_term *repeat = find_repeat(topics, texts, learned, &sorted);
	if (repeat)
		status = dd_error_set(err, DD_ERR_INVALID, "%s: topic \"%s\": the term \"%s\" is given twice", path,
		                      tagger->topics[repeat->topic].key, repeat->text);
	else if (!sorted)
		status = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	free(sorted);
	if (status != DD_OK)
		goto done;
	drop_learned_terms(tagger);
	if ((status = dd_tagger_add_terms(tagger, topics, texts, learned, err)) != DD_OK) {
		if (status == DD_ERR_INVALID && err) { /* too many terms for the matcher */
			char message[sizeof err->message];
			memcpy(message, err->message, sizeof message);
			status = dd_error_set(err, DD_ERR_INVALID, "%s: %s", path, message);
		}
		goto done;
	}
	/* hand values first, then the file's over them */
	for (size_t i = 0; i < tagger->topic_count; i++) {
		struct tagger_topic *topic = &tagger->topics[i];
		topic->threshold = topic->hand_threshold;
		for (size_t j = 0; j < topic->term_count; j++)
			topic->terms[j].weight = topic->terms[j].hand_weight;
	}
	for (size_t i = 0; i < count; i++) {
		struct tagger_topic *topic = &tagger->topics[lines[i].topic];
		if (lines[i].kind == LINE_THRESHOLD)
			topic->threshold = lines[i].value;
		else if (lines[i].kind == LINE_WEIGHT)
			topic->terms[lines[i].term].weight = lines[i].value;
		else
			topic->terms[find_term(topic, topic->term_count, lines[i].text)].weight = lines[i].value;
	}
done:
	free(topics);
	free(texts);
	return status;
}

dd_status_t dd_tagger_read_weights(dd_tagger_t *tagger, const char *path, dd_error_t *err)
{
	char *text = NULL;
	dd_status_t status = dd_read_file(path, 16u << 20, &text, NULL, err);
	if (status != DD_OK)
		return status;
	struct weights_line *lines = NULL;
	size_t count = 0, capacity = 0;
	/* seen[]: each term's weight, then each topic's threshold (a learned
	 * term given twice is caught when the terms are added) */
	unsigned char *seen = calloc(tagger->term_count + tagger->topic_count, 1);
	if (!seen) {
		free(text);
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	}
	size_t *first = malloc((tagger->topic_count + 1) * sizeof *first); /* hand term numbering */
	if (!first) {
		free(text);
		free(seen);
		return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
	}
	for (size_t i = 0, t = 0; i < tagger->topic_count; i++) {
		first[i] = t;
		t += tagger->topics[i].hand_count;
	}
	int line_number = 0;
	for (char *line = text; line && status == DD_OK;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		line_number++;
		size_t length = strlen(line);
		if (length && line[length - 1] == '\r')
			line[length - 1] = '\0';
		if (line[0] && line[0] != '#') {
			char where[4200];
			snprintf(where, sizeof where, "%s:%d", path, line_number);
			if (DD_ARRAY_RESERVE(lines, count, capacity, 1))
				status = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
			else
				status = read_weights_line(tagger, line, &lines[count], where, err);
			const struct weights_line *l = &lines[count];
			if (status == DD_OK && l->kind != LINE_LEARNED) {
				int is_weight = l->kind == LINE_WEIGHT;
				size_t slot = is_weight ? first[l->topic] + l->term : tagger->term_count + l->topic;
				const struct tagger_topic *topic = &tagger->topics[l->topic];
				if (seen[slot]++)
					status = dd_error_set(
					    err, DD_ERR_INVALID, "%s: %s of topic \"%s\"%s%s%s given twice", where,
					    line, topic->key, is_weight ? ", term \"" : "",
					    is_weight ? topic->terms[l->term].text : "", is_weight ? "\"" : "");
			}
			count += status == DD_OK;
		}
		line = end ? end + 1 : NULL;
	}
	if (status == DD_OK)
		status = apply_weights(tagger, lines, count, path, err);
	free(text);
	free(lines);
	free(seen);
	free(first);
	return status;
}

void dd_tagger_set_weights(dd_tagger_t *tagger, const double *term_weights, const double *thresholds)
{
	for (size_t i = 0, t = 0; i < tagger->topic_count; i++) {
		struct tagger_topic *topic = &tagger->topics[i];
		topic->threshold = thresholds ? thresholds[i] : topic->hand_threshold;
		for (size_t j = 0; j < topic->term_count; j++, t++)
			topic->terms[j].weight = term_weights ? term_weights[t] : topic->terms[j].hand_weight;
	}
}

void dd_tagger_set_thresholds(dd_tagger_t *tagger, const double *thresholds)
{
	for (size_t i = 0; i < tagger->topic_count; i++)
		tagger->topics[i].threshold = thresholds[i];
}

dd_status_t dd_tagger_write_weights(const dd_tagger_t *tagger, const char *path, const char *comment, dd_error_t *err)
{
	for (size_t i = 0; i < tagger->topic_count; i++)
		for (size_t j = 0; j < tagger->topics[i].term_count; j++)
			if (strpbrk(tagger->topics[i].terms[j].text, "\t\r\n"))
				return dd_error_set(err, DD_ERR_INVALID,
				                    "topic \"%s\": a term holding a tab or a line break cannot be "
				                    "written to a weights file",
				                    tagger->topics[i].key);
	FILE *file = fopen(path, "w");
	if (!file)
		return dd_error_set(err, DD_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
	for (const char *line = comment; line && *line;) {
		size_t length = strcspn(line, "\n");
		fprintf(file, "# %.*s\n", (int)length, line);
		line += length + (line[length] == '\n');
	}
	for (size_t i = 0; i < tagger->topic_count; i++) {
		const struct tagger_topic *topic = &tagger->topics[i];
		fprintf(file, "threshold\t%s\t%.6g\n", topic->key, topic->threshold);
		for (size_t j = 0; j < topic->term_count; j++) {
			const struct tagger_term *term = &topic->terms[j];
			if (j < topic->hand_count)
				fprintf(file, "weight\t%s\t%s\t%.6g\n", topic->key, term->text, term->weight);
			else if (term->weight != 0) /* a learned term of weight 0 does nothing */
				fprintf(file, "learned\t%s\t%s\t%.6g\n", topic->key, term->text, term->weight);
		}
	}
	if (ferror(file) | fclose(file))
		return dd_error_set(err, DD_ERR_IO, "%s: cannot write", path);
	return DD_OK;
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

size_t dd_tagger_term_count(const dd_tagger_t *tagger)
{
	return tagger->term_count;
}

const char *dd_tagger_term_text(const dd_tagger_t *tagger, size_t term, size_t *topic, double *weight)
{
	for (size_t i = 0; i < tagger->topic_count; i++) {
		if (term < tagger->topics[i].term_count) {
			if (topic)
				*topic = i;
			if (weight)
				*weight = tagger->topics[i].terms[term].weight;
			return tagger->topics[i].terms[term].text;
		}
		term -= tagger->topics[i].term_count;
	}
	return NULL;
}

/* Counts of each distinct term in title and body (the matcher's numbering)
 * in one allocation: title counts, body counts, scratch; *code_points gets
 * the code points of both.  NULL when memory runs out. */
static size_t *count_patterns(const dd_tagger_t *tagger, const char *title, const char *body, size_t *code_points)
{
	size_t n = tagger->matcher.pattern_count;
	size_t *counts = malloc((3 * n + 1) * sizeof *counts);
	if (!counts)
		return NULL;
	*code_points = matcher_count(&tagger->matcher, title, counts, counts + 2 * n) +
	               matcher_count(&tagger->matcher, body, counts + n, counts + 2 * n);
	return counts;
}

int dd_tagger_count_terms(const dd_tagger_t *tagger, const char *text, size_t *counts)
{
	size_t code_points;
	size_t *patterns = count_patterns(tagger, "", text ? text : "", &code_points);
	if (!patterns)
		return -1;
	size_t t = 0;
	for (size_t i = 0; i < tagger->topic_count; i++)
		for (size_t j = 0; j < tagger->topics[i].term_count; j++)
			counts[t++] = patterns[tagger->matcher.pattern_count + tagger->topics[i].terms[j].pattern];
	free(patterns);
	return 0;
}

double dd_tagger_evidence(const dd_tagger_t *tagger, const char *title, const char *body, double *evidence)
{
	if (!title)
		title = "";
	if (!body)
		body = "";

	size_t code_points = 0;
	size_t *counts = count_patterns(tagger, title, body, &code_points);

	/* Longer notes mention more things in passing; dividing by the square
	 * root of the length keeps a long note from collecting every topic,
	 * while a short note is not boosted past the reference length / 4. */
	double length = (double)code_points;
	if (length < tagger->reference_length / 4)
		length = tagger->reference_length / 4;
	double length_factor = sqrt(length / tagger->reference_length);

	size_t n = tagger->matcher.pattern_count, t = 0;
	for (size_t i = 0; i < tagger->topic_count; i++)
		for (size_t j = 0; j < tagger->topics[i].term_count; j++, t++) {
			size_t pattern = tagger->topics[i].terms[j].pattern;
			double hits =
			    counts ? (double)counts[n + pattern] + tagger->title_weight * (double)counts[pattern] : 0;
			evidence[t] = hits > 0 ? log2(1 + hits) : 0;
		}
	free(counts);
	return length_factor;
}

void dd_tagger_score(const dd_tagger_t *tagger, const char *title, const char *body, double *scores)
{
	double *evidence = malloc((tagger->term_count + 1) * sizeof *evidence);
	double length_factor = evidence ? dd_tagger_evidence(tagger, title, body, evidence) : 1;
	for (size_t i = 0, t = 0; i < tagger->topic_count; i++) {
		const struct tagger_topic *topic = &tagger->topics[i];
		double sum = 0;
		for (size_t j = 0; j < topic->term_count; j++, t++)
			if (evidence && evidence[t] > 0)
				sum += topic->terms[j].weight * evidence[t];
		scores[i] = sum / length_factor;
	}
	free(evidence);
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
