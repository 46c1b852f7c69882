/* note_index.c - a note into a Xapian document (schema in note_index.h). */
#include "note_index.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "buffer.h"
#include "text.h"

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The whole file as a string ("" if it does not exist). */
static dd_status_t slurp(const char *path, char **out, dd_error_t *err)
{
	dd_status_t st = dd_read_file(path, 0, out, NULL, err);
	if (st == DD_ERR_NOT_FOUND)
		return (*out = strdup("")) ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	return st;
}

dd_status_t dd_indexing_load(dd_indexing_t *ix, const char *corpus_dir, dd_error_t *err)
{
	char path[4096];
	memset(ix, 0, sizeof *ix);
	dd_status_t st;
	/* A wrong folder must be refused, not read as an empty vocabulary:
	 * indexing with it would rebuild every note without dictionary,
	 * thesaurus or topics and store that emptiness in the index. */
	struct stat dir;
	if (stat(corpus_dir, &dir) != 0 || !S_ISDIR(dir.st_mode))
		return dd_error_set(err, DD_ERR_NOT_FOUND, "%s: no such vocabulary folder", corpus_dir);
	static const char *const needed[] = { "dictionary.txt", "thesaurus.txt", "taxonomy.json" };
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", corpus_dir, needed[i]);
		if (!file_exists(path))
			return dd_error_set(err, DD_ERR_NOT_FOUND,
			                    "%s: not a vocabulary folder (no %s; dictionary.txt, thesaurus.txt and "
			                    "taxonomy.json must all be there)",
			                    corpus_dir, needed[i]);
	}
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
	/* the learned tagging weights, when there are any, tag as much as the
	 * taxonomy does */
	char weights_path[4200];
	char *weights = NULL;
	if (dd_tagger_weights_path(path, weights_path, sizeof weights_path) == 0 && file_exists(weights_path)) {
		if ((st = slurp(weights_path, &weights, err)) != DD_OK)
			goto fail;
		ix->vocabulary = dd_hash_bytes(ix->vocabulary, weights, strlen(weights));
		free(weights);
	}
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
	const char *parts[] = { DD_SCHEMA_VERSION, n->path,     n->id,      n->title, n->author, n->post, n->city,
		                n->county,         n->township, n->village, n->date,  n->tags,   n->body };
	uint64_t h = dd_hash_bytes(DD_HASH_INIT, &vocabulary, sizeof vocabulary);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		h = dd_hash_bytes(h, parts[i], strlen(parts[i]) + 1);
	return h;
}

/* ---- words ---- */

typedef struct word_ctx {
	dd_doc_t *doc;
	unsigned wdf;
	dd_status_t status; /* of the last word added: a failure stops the tokenizer */
	dd_error_t *err;
} word_ctx_t;

static int add_word(const dd_token_t *tok, void *vctx)
{
	word_ctx_t *c = vctx;
	/* Terms beginning with an upper-case ASCII letter would look like
	 * prefixed terms; normalised text is lower-case, so none do. */
	if (tok->len > 240)
		return 0; /* Xapian's term length limit */
	/* No position: no query reads one. */
	c->status = dd_doc_add_term(c->doc, tok->text, c->wdf, c->err);
	return c->status != DD_OK;
}

/* Character pairs over normalised text, without positions: a quoted string
 * is checked against the note's text (dd_literal_query).  A character is a
 * term of its own (C) only where no pair begins with it (before a blank or
 * at the end of the text): the pairs it begins and its C term together hold
 * every occurrence, so a character's notes and count are found from them
 * (dd_character_query) with a quarter fewer terms per note to store.
 * *unpaired_wdf gains the occurrences that begin a pair, so the note's
 * length stays the count of its characters and pairs (DD_PREFIX_LENGTH). */
static dd_status_t add_characters(dd_doc_t *doc, const char *text, size_t len, unsigned *paired, dd_error_t *err)
{
	char term[16];
	size_t i = 0, prev_start = 0;
	int prev = 0; /* the character before i is not blank */
	while (i < len) {
		size_t start = i;
		uint32_t cp = dd_utf8_next(text, &i);
		int space = dd_is_blank(cp);
		dd_status_t st = DD_OK;
		if (prev && !space) {
			term[0] = DD_PREFIX_BIGRAM[0];
			memcpy(term + 1, text + prev_start, i - prev_start);
			term[1 + i - prev_start] = '\0';
			st = dd_doc_add_term(doc, term, 1, err);
			(*paired)++;
		} else if (prev) {
			term[0] = DD_PREFIX_CHAR[0];
			memcpy(term + 1, text + prev_start, start - prev_start);
			term[1 + start - prev_start] = '\0';
			st = dd_doc_add_term(doc, term, 1, err);
		}
		if (st != DD_OK)
			return st;
		prev = !space;
		prev_start = start;
	}
	if (prev) {
		term[0] = DD_PREFIX_CHAR[0];
		memcpy(term + 1, text + prev_start, len - prev_start);
		term[1 + len - prev_start] = '\0';
		return dd_doc_add_term(doc, term, 1, err);
	}
	return DD_OK;
}

/* The note's value of a field (its front matter value, cut to the
 * field's length), or NULL when the field has none of its own. */
static const char *field_value(const dd_field_t *f, const dd_note_t *note, size_t *len)
{
	if (f->note_offset == (size_t)-1)
		return NULL;
	const char *v = *(char *const *)((const char *)note + f->note_offset);
	*len = strlen(v);
	if (f->value_length && *len > f->value_length)
		*len = f->value_length;
	return v;
}

/* Filter terms and values of every field of the schema with a value; stops
 * at the first failure (err holds it). */
static dd_status_t add_fields(dd_doc_t *doc, const dd_note_t *note, dd_error_t *err)
{
	size_t n;
	const dd_field_t *fields = dd_schema_fields(&n);
	char term[DD_TERM_MAX + 32];
	dd_status_t st = DD_OK;
	for (size_t i = 0; st == DD_OK && i < n; i++) {
		const dd_field_t *f = &fields[i];
		size_t len;
		const char *v = field_value(f, note, &len);
		if (!v || !v[0] || f->prefix == NULL || strcmp(f->prefix, DD_PREFIX_ID) == 0)
			continue; /* the id term is the document's own (dd_db_replace_doc) */
		if (dd_schema_filter_term(f, v, term, sizeof term) == 0)
			st = dd_doc_add_boolean_term(doc, term, err);
	}
	if (note->date[0]) {
		/* by day, month and year, so date:2007-04 is one term */
		static const size_t lengths[] = { 10, 7, 4 };
		for (size_t k = 0; st == DD_OK && k < 3; k++) {
			char part[16];
			snprintf(part, sizeof part, "%.*s", (int)lengths[k], note->date);
			if (dd_schema_date_term(part, term, sizeof term) == 0)
				st = dd_doc_add_boolean_term(doc, term, err);
		}
	}
	for (size_t i = 0; st == DD_OK && i < n; i++) {
		size_t len;
		const char *v = field_value(&fields[i], note, &len);
		if (v && fields[i].slot != DD_NO_SLOT && (v[0] || fields[i].slot != DD_SLOT_DATE))
			st = dd_doc_set_value(doc, (unsigned)fields[i].slot, v, len, err);
	}
	return st;
}

static dd_status_t parse_manual_tags(dd_indexing_t *ix, const dd_note_t *note, dd_tag_t *tags, size_t *n, size_t max,
                                     dd_error_t *err)
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
	word_ctx_t wc = { doc, DD_TITLE_WDF, DD_OK, err };
	if ((st = dd_tokenize(ix->tokenizer, note->title, strlen(note->title), DD_TOKENIZE_INDEX, add_word, &wc, err)))
		goto fail;
	if ((st = wc.status))
		goto doc_fail;
	wc.wdf = 1;
	if ((st = dd_tokenize(ix->tokenizer, note->body, note->body_len, DD_TOKENIZE_INDEX, add_word, &wc, err)))
		goto fail;
	if ((st = wc.status))
		goto doc_fail;

	char *nt = dd_normalize_string(note->title, strlen(note->title));
	char *nb = dd_normalize_string(note->body, note->body_len);
	if (!nt || !nb) {
		free(nt);
		free(nb);
		st = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", note->path);
		goto fail;
	}
	unsigned paired = 0;
	st = add_characters(doc, nt, strlen(nt), &paired, err);
	if (st == DD_OK)
		st = add_characters(doc, nb, strlen(nb), &paired, err);
	if (st == DD_OK && paired)
		st = dd_doc_add_term(doc, DD_PREFIX_LENGTH, paired, err);
	/* From here on each step runs only while all before it succeeded, so
	 * err keeps the first failure. */
	if (st == DD_OK)
		st = add_fields(doc, note, err);
	char term[DD_TERM_MAX + 32], topics[MAX_TAGS * 33] = "";
	for (size_t i = 0; st == DD_OK && i < n_tags; i++) {
		dd_schema_topic_term(tags[i].key, term, sizeof term);
		st = dd_doc_add_boolean_term(doc, term, err);
		dd_schema_topic_rank_term(tags[i].key, term, sizeof term);
		if (st == DD_OK)
			st = dd_doc_add_term(doc, term, dd_ranking_tag_wdf(tags[i].score), err);
		if (st == DD_OK && tags[i].manual) {
			dd_schema_topic_manual_term(tags[i].key, term, sizeof term);
			st = dd_doc_add_boolean_term(doc, term, err);
		}
		if (i)
			strcat(topics, "\n");
		strcat(topics, tags[i].key);
	}
	char hash[32], date_id[160], id_term[DD_TERM_MAX + 32];
	snprintf(hash, sizeof hash, "%016" PRIx64, fingerprint);
	/* ids are at most 64 bytes and dates 10 (note.c) */
	snprintf(date_id, sizeof date_id, "%s\t%s", note->date ? note->date : "", note->id);
	dd_schema_id_term(note->id, id_term, sizeof id_term);
	/* the normalised title and body, a NUL between (schema.h) */
	size_t nt_len = strlen(nt), nb_len = strlen(nb);
	char *text = malloc(nt_len + 1 + nb_len);
	if (!text && st == DD_OK)
		st = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", note->path);
	if (text) {
		memcpy(text, nt, nt_len + 1);
		memcpy(text + nt_len + 1, nb, nb_len);
	}
	free(nt);
	free(nb);
	const struct {
		unsigned slot;
		const char *value;
		size_t len;
	} values[] = {
		{ DD_SLOT_TOPICS, topics, strlen(topics) },    { DD_SLOT_PATH, note->path, strlen(note->path) },
		{ DD_SLOT_BODY, note->body, note->body_len },  { DD_SLOT_HASH, hash, strlen(hash) },
		{ DD_SLOT_ID, note->id, strlen(note->id) },    { DD_SLOT_DATE_ID, date_id, strlen(date_id) },
		{ DD_SLOT_ID_TERM, id_term, strlen(id_term) }, { DD_SLOT_TEXT, text, nt_len + 1 + nb_len },
	};
	for (size_t i = 0; st == DD_OK && i < sizeof values / sizeof *values; i++)
		st = dd_doc_set_value(doc, values[i].slot, values[i].value, values[i].len, err);
	free(text);
	if (st != DD_OK)
		goto doc_fail;

	char *json = note_json(note, tags, n_tags);
	if (!json) {
		st = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", note->path);
		goto fail;
	}
	st = dd_doc_set_data(doc, json, strlen(json), err);
	free(json);
	if (st != DD_OK)
		goto doc_fail;
	*out = doc;
	return DD_OK;
doc_fail:
	/* The wrapper's message says what failed, not in which note: reject
	 * the whole note rather than index half of it. */
	if (err) {
		char why[sizeof err->message];
		snprintf(why, sizeof why, "%s", err->message);
		dd_error_set(err, st, "%s: not indexed: %s", note->path, why);
	}
fail:
	dd_doc_free(doc);
	return st;
}
