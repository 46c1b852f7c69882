/* lexicon.c - user dictionary and thesaurus (see lexicon.h).
 *
 * Words live in an open-addressing hash table of owned strings; the table
 * is kept at most half full.  Each word entry also lists the thesaurus
 * groups it belongs to.  A second table holds the hashes of every proper
 * prefix of every word (ending on a character boundary), so the tokenizer
 * stops extending a candidate as soon as no word can start with it.
 */
#include "lexicon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

typedef struct word_entry {
	char *word; /* NULL: empty slot */
	size_t len; /* strlen(word) */
	size_t *groups;
	size_t n_groups;
} word_entry_t;

typedef struct group {
	char *topic;  /* NULL for '-' */
	char **words; /* the synonyms, then the neighbours */
	size_t n_words, n_synonyms;
} group_t;

struct dd_lexicon {
	word_entry_t *slots;
	size_t n_slots, n_words, max_word_bytes;
	/* hashes of the proper prefixes (open addressing, at most half full,
	 * 0 marks an empty slot: a prefix hashing to 0 is stored as 1) */
	uint64_t *prefixes;
	size_t n_prefix_slots, n_prefixes;
	group_t *groups;
	size_t n_groups;
	uint64_t fingerprint;
};

uint64_t dd_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

dd_lexicon_t *dd_lexicon_new(void)
{
	dd_lexicon_t *lex = calloc(1, sizeof *lex);
	if (!lex)
		return NULL;
	lex->n_slots = 1024;
	lex->slots = calloc(lex->n_slots, sizeof *lex->slots);
	lex->n_prefix_slots = 1024;
	lex->prefixes = calloc(lex->n_prefix_slots, sizeof *lex->prefixes);
	if (!lex->slots || !lex->prefixes) {
		free(lex->slots);
		free(lex->prefixes);
		free(lex);
		return NULL;
	}
	lex->fingerprint = DD_HASH_INIT;
	return lex;
}

void dd_lexicon_free(dd_lexicon_t *lex)
{
	if (!lex)
		return;
	for (size_t i = 0; i < lex->n_slots; i++) {
		free(lex->slots[i].word);
		free(lex->slots[i].groups);
	}
	for (size_t g = 0; g < lex->n_groups; g++) {
		for (size_t i = 0; i < lex->groups[g].n_words; i++)
			free(lex->groups[g].words[i]);
		free(lex->groups[g].words);
		free(lex->groups[g].topic);
	}
	free(lex->groups);
	free(lex->slots);
	free(lex->prefixes);
	free(lex);
}

static word_entry_t *find_slot(const dd_lexicon_t *lex, const char *word, size_t len)
{
	size_t mask = lex->n_slots - 1;
	size_t i = (size_t)dd_hash_bytes(DD_HASH_INIT, word, len) & mask;
	for (;;) {
		word_entry_t *e = &lex->slots[i];
		if (!e->word || (e->len == len && memcmp(e->word, word, len) == 0))
			return e;
		i = (i + 1) & mask;
	}
}

static int grow(dd_lexicon_t *lex)
{
	word_entry_t *old = lex->slots;
	size_t old_n = lex->n_slots;
	lex->n_slots *= 2;
	lex->slots = calloc(lex->n_slots, sizeof *lex->slots);
	if (!lex->slots) {
		lex->slots = old;
		lex->n_slots = old_n;
		return -1;
	}
	for (size_t i = 0; i < old_n; i++)
		if (old[i].word)
			*find_slot(lex, old[i].word, old[i].len) = old[i];
	free(old);
	return 0;
}

static uint64_t prefix_hash(const char *word, size_t len)
{
	uint64_t h = dd_hash_bytes(DD_HASH_INIT, word, len);
	return h ? h : 1;
}

/* The slot holding h, or the empty slot where it would go. */
static uint64_t *find_prefix(const dd_lexicon_t *lex, uint64_t h)
{
	size_t mask = lex->n_prefix_slots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask)
		if (lex->prefixes[i] == 0 || lex->prefixes[i] == h)
			return &lex->prefixes[i];
}

static int add_prefix(dd_lexicon_t *lex, uint64_t h)
{
	if ((lex->n_prefixes + 1) * 2 > lex->n_prefix_slots) {
		uint64_t *old = lex->prefixes;
		size_t old_n = lex->n_prefix_slots;
		if (!(lex->prefixes = calloc(old_n * 2, sizeof *lex->prefixes))) {
			lex->prefixes = old;
			return -1;
		}
		lex->n_prefix_slots = old_n * 2;
		for (size_t i = 0; i < old_n; i++)
			if (old[i])
				*find_prefix(lex, old[i]) = old[i];
		free(old);
	}
	uint64_t *slot = find_prefix(lex, h);
	if (!*slot) {
		*slot = h;
		lex->n_prefixes++;
	}
	return 0;
}

/* Records every proper prefix of word that ends on a character boundary. */
static int add_prefixes(dd_lexicon_t *lex, const char *word, size_t len)
{
	for (size_t k = 1; k < len; k++)
		if (((unsigned char)word[k] & 0xC0) != 0x80 && add_prefix(lex, prefix_hash(word, k)) != 0)
			return -1;
	return 0;
}

/* Adds an already normalised word; returns its entry or NULL (no memory). */
static word_entry_t *add_normalized(dd_lexicon_t *lex, const char *word)
{
	size_t len = strlen(word);
	if ((lex->n_words + 1) * 2 > lex->n_slots && grow(lex) != 0)
		return NULL;
	word_entry_t *e = find_slot(lex, word, len);
	if (!e->word) {
		if (add_prefixes(lex, word, len) != 0 || !(e->word = strdup(word)))
			return NULL;
		e->len = len;
		lex->n_words++;
		if (len > lex->max_word_bytes)
			lex->max_word_bytes = len;
		lex->fingerprint = dd_hash_bytes(lex->fingerprint, word, len + 1);
	}
	return e;
}

dd_status_t dd_lexicon_add_word(dd_lexicon_t *lex, const char *word, dd_error_t *err)
{
	char *norm = dd_normalize_string(word, strlen(word));
	if (!norm)
		return dd_error_set(err, DD_ERR_NOMEM, "cannot normalise dictionary word '%s'", word);
	word_entry_t *e = norm[0] ? add_normalized(lex, norm) : NULL;
	int ok = !norm[0] || e != NULL;
	free(norm);
	return ok ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory adding '%s'", word);
}

int dd_lexicon_has_word(const dd_lexicon_t *lex, const char *word, size_t len)
{
	return len > 0 && find_slot(lex, word, len)->word != NULL;
}

int dd_lexicon_may_extend(const dd_lexicon_t *lex, const char *word, size_t len)
{
	return len == 0 || *find_prefix(lex, prefix_hash(word, len)) != 0;
}

size_t dd_lexicon_max_word_bytes(const dd_lexicon_t *lex)
{
	return lex->max_word_bytes;
}
size_t dd_lexicon_word_count(const dd_lexicon_t *lex)
{
	return lex->n_words;
}
size_t dd_lexicon_group_count(const dd_lexicon_t *lex)
{
	return lex->n_groups;
}
uint64_t dd_lexicon_fingerprint(const dd_lexicon_t *lex)
{
	return lex->fingerprint;
}

size_t dd_lexicon_groups_of(const dd_lexicon_t *lex, const char *word, size_t *groups, size_t max)
{
	word_entry_t *e = find_slot(lex, word, strlen(word));
	if (!e->word)
		return 0;
	for (size_t i = 0; i < e->n_groups && i < max; i++)
		groups[i] = e->groups[i];
	return e->n_groups;
}

size_t dd_lexicon_group_size(const dd_lexicon_t *lex, size_t group)
{
	return lex->groups[group].n_words;
}

const char *dd_lexicon_group_word(const dd_lexicon_t *lex, size_t group, size_t i)
{
	return lex->groups[group].words[i];
}

size_t dd_lexicon_group_synonyms(const dd_lexicon_t *lex, size_t group)
{
	return lex->groups[group].n_synonyms;
}

const char *dd_lexicon_group_topic(const dd_lexicon_t *lex, size_t group)
{
	return lex->groups[group].topic;
}

/* Reads a file line by line, calling fn on each non-comment, non-blank
 * line with its 1-based number.  Strips "\r\n". */
typedef dd_status_t (*line_fn)(dd_lexicon_t *, char *, size_t, const char *, dd_error_t *);

static dd_status_t each_line_of(FILE *f, const char *path, line_fn fn, dd_lexicon_t *lex, dd_error_t *err)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	dd_status_t st = DD_OK;
	while (st == DD_OK && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!dd_utf8_valid(line, (size_t)n, NULL)) {
			st = dd_error_set(err, DD_ERR_INVALID, "%s:%zu: not valid UTF-8", path, lineno);
			break;
		}
		char *p = line;
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		st = fn(lex, p, lineno, path, err);
	}
	free(line);
	fclose(f);
	return st;
}

static dd_status_t each_line(const char *path, line_fn fn, dd_lexicon_t *lex, dd_error_t *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return dd_error_set(err, DD_ERR_IO, "%s: cannot open", path);
	return each_line_of(f, path, fn, lex, err);
}

static dd_status_t each_line_text(const char *text, const char *name, line_fn fn, dd_lexicon_t *lex, dd_error_t *err)
{
	if (!text[0])
		return DD_OK;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	if (!f)
		return dd_error_set(err, DD_ERR_NOMEM, "%s: cannot read", name);
	return each_line_of(f, name, fn, lex, err);
}

static dd_status_t dictionary_line(dd_lexicon_t *lex, char *line, size_t lineno, const char *path, dd_error_t *err)
{
	char *end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strpbrk(line, " \t"))
		return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: one word a line expected, got '%s'", path, lineno,
		                    line);
	return dd_lexicon_add_word(lex, line, err);
}

dd_status_t dd_lexicon_load_dictionary(dd_lexicon_t *lex, const char *path, dd_error_t *err)
{
	return each_line(path, dictionary_line, lex, err);
}

static dd_status_t thesaurus_line(dd_lexicon_t *lex, char *line, size_t lineno, const char *path, dd_error_t *err)
{
	char *tab = strchr(line, '\t');
	if (!tab)
		return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: expected 'TOPIC<TAB>words', no tab found", path,
		                    lineno);
	*tab = '\0';
	const char *topic = line;
	if (!topic[0] || strpbrk(topic, " "))
		return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: bad topic key '%s'", path, lineno, topic);
	group_t *groups = realloc(lex->groups, sizeof *groups * (lex->n_groups + 1));
	if (!groups)
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory reading %s", path);
	lex->groups = groups;
	size_t gi = lex->n_groups;
	group_t *g = &groups[gi];
	memset(g, 0, sizeof *g);
	if (strcmp(topic, "-") != 0 && !(g->topic = strdup(topic)))
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory reading %s", path);
	lex->n_groups++;
	lex->fingerprint = dd_hash_bytes(lex->fingerprint, topic, strlen(topic) + 1);
	char *save = NULL;
	int bar = 0; /* the '|' between synonyms and neighbours was seen */
	for (char *w = strtok_r(tab + 1, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "|") == 0) {
			if (bar || g->n_words == 0)
				return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: '|' must come once, after a synonym",
				                    path, lineno);
			bar = 1;
			g->n_synonyms = g->n_words;
			lex->fingerprint = dd_hash_bytes(lex->fingerprint, "|", 2);
			continue;
		}
		char *norm = dd_normalize_string(w, strlen(w));
		if (!norm)
			return dd_error_set(err, DD_ERR_NOMEM, "out of memory reading %s", path);
		word_entry_t *e = add_normalized(lex, norm);
		char **words = e ? realloc(g->words, sizeof *words * (g->n_words + 1)) : NULL;
		size_t *gl = words ? realloc(e->groups, sizeof *gl * (e->n_groups + 1)) : NULL;
		if (words)
			g->words = words;
		if (!gl) {
			free(norm);
			return dd_error_set(err, DD_ERR_NOMEM, "out of memory reading %s", path);
		}
		e->groups = gl;
		if (e->n_groups == 0 || gl[e->n_groups - 1] != gi)
			gl[e->n_groups++] = gi;
		g->words[g->n_words++] = norm;
	}
	if (!bar)
		g->n_synonyms = g->n_words;
	if (g->n_words == 0)
		return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: group has no words", path, lineno);
	return DD_OK;
}

dd_status_t dd_lexicon_load_thesaurus(dd_lexicon_t *lex, const char *path, dd_error_t *err)
{
	return each_line(path, thesaurus_line, lex, err);
}

dd_status_t dd_lexicon_parse_dictionary(dd_lexicon_t *lex, const char *text, const char *name, dd_error_t *err)
{
	return each_line_text(text, name, dictionary_line, lex, err);
}

dd_status_t dd_lexicon_parse_thesaurus(dd_lexicon_t *lex, const char *text, const char *name, dd_error_t *err)
{
	return each_line_text(text, name, thesaurus_line, lex, err);
}
