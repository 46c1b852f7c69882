/* note_index.c - a note into a Xapian document (schema in note_index.h). */
#include "note_index.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "text.h"

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The whole file as a string ("" if it does not exist). */
static dd_status_t slurp(const char *path, char **out, dd_error_t *err)
{
	*out = NULL;
	if (!file_exists(path))
		return (*out = strdup("")) ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	FILE *f = fopen(path, "rb");
	if (!f)
		return dd_error_set(err, DD_ERR_IO, "%s: cannot open", path);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += r;
		if (cap - len < 2) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	fclose(f);
	if (!buf)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	buf[len] = '\0';
	*out = buf;
	return DD_OK;
}

dd_status_t dd_indexing_load(dd_indexing_t *ix, const char *corpus_dir, dd_error_t *err)
{
	char path[4096];
	memset(ix, 0, sizeof *ix);
	dd_status_t st;
	if (!(ix->lexicon = dd_lexicon_new()))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	snprintf(path, sizeof path, "%s/dictionary.txt", corpus_dir);
	if ((st = slurp(path, &ix->dictionary_text, err)) != DD_OK ||
	    (st = dd_lexicon_parse_dictionary(ix->lexicon, ix->dictionary_text, path, err)) != DD_OK)
		goto fail;
	snprintf(path, sizeof path, "%s/thesaurus.txt", corpus_dir);
	if ((st = slurp(path, &ix->thesaurus_text, err)) != DD_OK ||
	    (st = dd_lexicon_parse_thesaurus(ix->lexicon, ix->thesaurus_text, path, err)) != DD_OK)
		goto fail;
	snprintf(path, sizeof path, "%s/taxonomy.json", corpus_dir);
	char *taxonomy = NULL;
	if ((st = slurp(path, &taxonomy, err)) != DD_OK)
		goto fail;
	/* the files as written: any edit, even one that leaves the word set
	 * alone, gets every note re-indexed */
	ix->vocabulary = dd_hash_bytes(DD_HASH_INIT, ix->dictionary_text, strlen(ix->dictionary_text) + 1);
	ix->vocabulary = dd_hash_bytes(ix->vocabulary, ix->thesaurus_text, strlen(ix->thesaurus_text) + 1);
	ix->vocabulary = dd_hash_bytes(ix->vocabulary, taxonomy, strlen(taxonomy));
	free(taxonomy);
	if (file_exists(path) && (st = dd_tagger_load(path, &ix->tagger, err)) != DD_OK)
		goto fail;
	size_t n_topics = ix->tagger ? dd_tagger_topic_count(ix->tagger) : 0, cap = 1;
	for (size_t i = 0; i < n_topics; i++)
		cap += strlen(dd_tagger_topic_key(ix->tagger, i)) + strlen(dd_tagger_topic_name(ix->tagger, i)) + 2;
	if (!(ix->topics_text = calloc(1, cap))) {
		st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n_topics; i++)
		sprintf(ix->topics_text + strlen(ix->topics_text), "%s\t%s\n", dd_tagger_topic_key(ix->tagger, i),
			dd_tagger_topic_name(ix->tagger, i));
	if ((st = dd_tokenizer_new(ix->lexicon, &ix->tokenizer, err)) != DD_OK)
		goto fail;
	return DD_OK;
fail:
	dd_indexing_free(ix);
	return st;
}

void dd_indexing_free(dd_indexing_t *ix)
{
	dd_tokenizer_free(ix->tokenizer);
	dd_tagger_free(ix->tagger);
	dd_lexicon_free(ix->lexicon);
	free(ix->dictionary_text);
	free(ix->thesaurus_text);
	free(ix->topics_text);
	memset(ix, 0, sizeof *ix);
}

uint64_t dd_note_fingerprint(const dd_note_t *n, uint64_t vocabulary)
{
	const char *parts[] = {DD_SCHEMA_VERSION, n->path, n->id, n->title, n->author, n->post, n->city,
			       n->county, n->township, n->village, n->date, n->tags, n->body};
	uint64_t h = dd_hash_bytes(DD_HASH_INIT, &vocabulary, sizeof vocabulary);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		h = dd_hash_bytes(h, parts[i], strlen(parts[i]) + 1);
	return h;
}

static const struct {
	const char *field, *prefix;
} filter_prefixes[] = {
	{"author", "A"}, {"post", "XP"}, {"city", "XCI"}, {"county", "XCO"},
	{"township", "XT"}, {"village", "XV"}, {"topic", "K"}, {"id", "Q"},
};

int dd_filter_term(const char *field, const char *value, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof filter_prefixes / sizeof filter_prefixes[0]; i++) {
		if (strcmp(field, filter_prefixes[i].field) != 0)
			continue;
		/* ids and topic keys are matched as written; names normalised */
		int raw = strcmp(field, "id") == 0;
		char *norm = raw ? strdup(value) : dd_normalize_string(value, strlen(value));
		if (!norm)
			return -1;
		/* trim spaces */
		char *s = norm;
		while (*s == ' ')
			s++;
		size_t l = strlen(s);
		while (l && s[l - 1] == ' ')
			s[--l] = '\0';
		snprintf(buf, size, "%s%s", filter_prefixes[i].prefix, s);
		free(norm);
		return 0;
	}
	return -1;
}

/* ---- words ---- */

typedef struct word_ctx {
	dd_doc_t *doc;
	unsigned base, wdf;
} word_ctx_t;

static int add_word(const dd_token_t *tok, void *vctx)
{
	word_ctx_t *c = vctx;
	/* Terms beginning with an upper-case ASCII letter would look like
	 * prefixed terms; normalised text is lower-case, so none do. */
	if (tok->len > 240)
		return 0; /* Xapian's term length limit */
	dd_doc_add_posting(c->doc, tok->text, c->base + tok->position, c->wdf);
	return 0;
}

/* Character unigrams and positioned bigrams over normalised text. */
static void add_characters(dd_doc_t *doc, const char *text, size_t len, unsigned base)
{
	char term[16];
	size_t i = 0;
	unsigned pos = base;
	uint32_t prev = 0;
	size_t prev_start = 0;
	while (i < len) {
		size_t start = i;
		uint32_t cp = dd_utf8_next(text, &i);
		int space = cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r' || cp == 0x3000;
		if (!space) {
			term[0] = 'C';
			memcpy(term + 1, text + start, i - start);
			term[1 + i - start] = '\0';
			dd_doc_add_term(doc, term, 1);
			if (prev) {
				term[0] = 'B';
				memcpy(term + 1, text + prev_start, i - prev_start);
				term[1 + i - prev_start] = '\0';
				dd_doc_add_posting(doc, term, pos - 1, 1);
			}
		}
		prev = space ? 0 : cp;
		prev_start = start;
		pos++;
	}
}

static void add_filter(dd_doc_t *doc, const char *field, const char *value)
{
	char term[512];
	if (value[0] && dd_filter_term(field, value, term, sizeof term) == 0 && strlen(term) < 240)
		dd_doc_add_boolean_term(doc, term);
}

static dd_status_t parse_manual_tags(dd_indexing_t *ix, const dd_note_t *note, dd_tag_t *tags, size_t *n,
				     size_t max, dd_error_t *err)
{
	char *copy = strdup(note->tags);
	if (!copy)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	char *save = NULL;
	for (char *t = strtok_r(copy, ", ，", &save); t; t = strtok_r(NULL, ", ，", &save)) {
		if (!ix->tagger || dd_tagger_find_topic(ix->tagger, t) < 0) {
			dd_error_set(err, DD_ERR_INVALID, "%s: tags: unknown topic '%s' (see corpus/taxonomy.json)",
				     note->path, t);
			free(copy);
			return DD_ERR_INVALID;
		}
		int dup = 0;
		for (size_t k = 0; k < *n; k++)
			dup |= strcmp(tags[k].key, t) == 0;
		if (dup || *n >= max)
			continue;
		snprintf(tags[*n].key, sizeof tags[*n].key, "%s", t);
		tags[*n].score = 1.0;
		tags[*n].manual = 1;
		(*n)++;
	}
	free(copy);
	return DD_OK;
}

static char *note_json(const dd_note_t *n, const dd_tag_t *tags, size_t n_tags)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", n->id);
	cJSON_AddStringToObject(o, "title", n->title);
	cJSON_AddStringToObject(o, "author", n->author);
	cJSON_AddStringToObject(o, "post", n->post);
	cJSON_AddStringToObject(o, "city", n->city);
	cJSON_AddStringToObject(o, "county", n->county);
	cJSON_AddStringToObject(o, "township", n->township);
	cJSON_AddStringToObject(o, "village", n->village);
	cJSON_AddStringToObject(o, "date", n->date);
	cJSON_AddStringToObject(o, "path", n->path);
	cJSON *arr = cJSON_AddArrayToObject(o, "tags");
	for (size_t i = 0; arr && i < n_tags; i++) {
		cJSON *t = cJSON_CreateObject();
		if (!t)
			break;
		cJSON_AddStringToObject(t, "key", tags[i].key);
		cJSON_AddNumberToObject(t, "score", (double)(long)(tags[i].score * 1000 + 0.5) / 1000.0);
		cJSON_AddBoolToObject(t, "manual", tags[i].manual);
		cJSON_AddItemToArray(arr, t);
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

#define MAX_TAGS 64

dd_status_t dd_note_document(dd_indexing_t *ix, const dd_note_t *note, uint64_t fingerprint, dd_doc_t **out,
			     dd_error_t *err)
{
	*out = NULL;
	dd_tag_t tags[MAX_TAGS];
	size_t n_tags = 0;
	dd_status_t st = parse_manual_tags(ix, note, tags, &n_tags, MAX_TAGS, err);
	if (st != DD_OK)
		return st;
	if (ix->tagger) {
		dd_tag_t autos[MAX_TAGS];
		size_t n_auto = dd_tagger_tag(ix->tagger, note->title, note->body, autos, MAX_TAGS);
		for (size_t i = 0; i < n_auto && n_tags < MAX_TAGS; i++) {
			int dup = 0;
			for (size_t k = 0; k < n_tags; k++)
				dup |= strcmp(tags[k].key, autos[i].key) == 0;
			if (!dup)
				tags[n_tags++] = autos[i];
		}
	}

	dd_doc_t *doc = dd_doc_new();
	if (!doc)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	word_ctx_t wc = {doc, 0, DD_TITLE_WDF};
	if ((st = dd_tokenize(ix->tokenizer, note->title, strlen(note->title), DD_TOKENIZE_INDEX, add_word, &wc, err)))
		goto fail;
	wc.base = DD_BODY_WORD_OFFSET;
	wc.wdf = 1;
	if ((st = dd_tokenize(ix->tokenizer, note->body, note->body_len, DD_TOKENIZE_INDEX, add_word, &wc, err)))
		goto fail;

	char *nt = dd_normalize_string(note->title, strlen(note->title));
	char *nb = dd_normalize_string(note->body, note->body_len);
	if (!nt || !nb) {
		free(nt);
		free(nb);
		st = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", note->path);
		goto fail;
	}
	add_characters(doc, nt, strlen(nt), 0);
	add_characters(doc, nb, strlen(nb), DD_BODY_CHAR_OFFSET);
	free(nt);
	free(nb);

	add_filter(doc, "author", note->author);
	add_filter(doc, "post", note->post);
	add_filter(doc, "city", note->city);
	add_filter(doc, "county", note->county);
	add_filter(doc, "township", note->township);
	add_filter(doc, "village", note->village);
	char term[64], topics[MAX_TAGS * 33] = "";
	if (note->date[0]) {
		snprintf(term, sizeof term, "D%.4s%.2s%.2s", note->date, note->date + 5, note->date + 8);
		dd_doc_add_boolean_term(doc, term);
		snprintf(term, sizeof term, "M%.4s%.2s", note->date, note->date + 5);
		dd_doc_add_boolean_term(doc, term);
		snprintf(term, sizeof term, "Y%.4s", note->date);
		dd_doc_add_boolean_term(doc, term);
		dd_doc_set_value(doc, DD_SLOT_DATE, note->date, 10);
		dd_doc_set_value(doc, DD_SLOT_MONTH, note->date, 7);
	}
	for (size_t i = 0; i < n_tags; i++) {
		snprintf(term, sizeof term, "K%.31s", tags[i].key);
		dd_doc_add_boolean_term(doc, term);
		snprintf(term, sizeof term, "XK%.31s", tags[i].key);
		dd_doc_add_term(doc, term, 1 + (unsigned)(tags[i].score * 9 + 0.5));
		if (tags[i].manual) {
			snprintf(term, sizeof term, "XM%.31s", tags[i].key);
			dd_doc_add_boolean_term(doc, term);
		}
		if (i)
			strcat(topics, "\n");
		strcat(topics, tags[i].key);
	}
	dd_doc_set_value(doc, DD_SLOT_TOPICS, topics, strlen(topics));
	dd_doc_set_value(doc, DD_SLOT_COUNTY, note->county, strlen(note->county));
	dd_doc_set_value(doc, DD_SLOT_CITY, note->city, strlen(note->city));
	dd_doc_set_value(doc, DD_SLOT_AUTHOR, note->author, strlen(note->author));
	dd_doc_set_value(doc, DD_SLOT_VILLAGE, note->village, strlen(note->village));
	dd_doc_set_value(doc, DD_SLOT_TOWNSHIP, note->township, strlen(note->township));
	dd_doc_set_value(doc, DD_SLOT_POST, note->post, strlen(note->post));
	dd_doc_set_value(doc, DD_SLOT_PATH, note->path, strlen(note->path));
	dd_doc_set_value(doc, DD_SLOT_BODY, note->body, note->body_len);
	char hash[32];
	snprintf(hash, sizeof hash, "%016" PRIx64, fingerprint);
	dd_doc_set_value(doc, DD_SLOT_HASH, hash, strlen(hash));

	char *json = note_json(note, tags, n_tags);
	if (!json) {
		st = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", note->path);
		goto fail;
	}
	dd_doc_set_data(doc, json, strlen(json));
	free(json);
	*out = doc;
	return DD_OK;
fail:
	dd_doc_free(doc);
	return st;
}
