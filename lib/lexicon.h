/* lexicon.h - the domain vocabulary: a user dictionary of words that the
 * tokenizer must keep whole (宅基地, 新农合, ...) and a thesaurus of groups
 * of related words, each group optionally tied to a topic of the taxonomy.
 *
 * Files (both UTF-8, '#' starts a comment line):
 *   dictionary.txt  one word per line
 *   thesaurus.txt   TOPIC<TAB>synonym synonym ... | neighbour neighbour ...
 *                   (TOPIC a key or '-'; the '|' and the neighbours are
 *                   optional: a line without '|' is all synonyms)
 * A group's synonyms are ways of saying the same thing (饮水 吃水 自来水
 * 供水); its neighbours are words of the same topic that mean something
 * else (水井, 水费).  Ranking weighs the two apart.
 * Every thesaurus word is also a dictionary word.  Words are stored
 * normalised (see text.h), so lookups take normalised text.
 */
#ifndef DD_LEXICON_H
#define DD_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct dd_lexicon dd_lexicon_t;

/* An empty lexicon (NULL when out of memory). */
dd_lexicon_t *dd_lexicon_new(void);
void dd_lexicon_free(dd_lexicon_t *lex);

/* Adds the words of a dictionary file / the groups of a thesaurus file.
 * DD_ERR_IO if the file cannot be read; DD_ERR_INVALID, naming the file and
 * line, for a malformed line. */
dd_status_t dd_lexicon_load_dictionary(dd_lexicon_t *lex, const char *path, dd_error_t *err);
dd_status_t dd_lexicon_load_thesaurus(dd_lexicon_t *lex, const char *path, dd_error_t *err);

/* The same from text held in memory; name stands for the file in messages. */
dd_status_t dd_lexicon_parse_dictionary(dd_lexicon_t *lex, const char *text, const char *name, dd_error_t *err);
dd_status_t dd_lexicon_parse_thesaurus(dd_lexicon_t *lex, const char *text, const char *name, dd_error_t *err);

/* Adds one word (normalised here). */
dd_status_t dd_lexicon_add_word(dd_lexicon_t *lex, const char *word, dd_error_t *err);

/* Is the normalised word[0..len) a dictionary word? */
int dd_lexicon_has_word(const dd_lexicon_t *lex, const char *word, size_t len);

/* 0 when no dictionary word starts with the normalised word[0..len) and
 * is longer (so a caller extending a candidate can stop); 1 when one may
 * (a hash of the prefixes: rarely 1 without one, never 0 with one). */
int dd_lexicon_may_extend(const dd_lexicon_t *lex, const char *word, size_t len);

/* Longest dictionary word, in bytes. */
size_t dd_lexicon_max_word_bytes(const dd_lexicon_t *lex);

size_t dd_lexicon_word_count(const dd_lexicon_t *lex);
size_t dd_lexicon_group_count(const dd_lexicon_t *lex);

/* Thesaurus groups holding the normalised word: writes up to max group
 * numbers into groups and returns how many there are. */
size_t dd_lexicon_groups_of(const dd_lexicon_t *lex, const char *word, size_t *groups, size_t max);
size_t dd_lexicon_group_size(const dd_lexicon_t *lex, size_t group);
const char *dd_lexicon_group_word(const dd_lexicon_t *lex, size_t group, size_t i);
/* The group's words [0, n) are its synonyms (before the '|'), the rest
 * its neighbours: returns n (the group's size when it has no '|'). */
size_t dd_lexicon_group_synonyms(const dd_lexicon_t *lex, size_t group);
/* The group's topic key, or NULL for '-'. */
const char *dd_lexicon_group_topic(const dd_lexicon_t *lex, size_t group);

/* A fingerprint of everything loaded, so an index can tell that it was
 * built with another vocabulary and must be rebuilt. */
uint64_t dd_lexicon_fingerprint(const dd_lexicon_t *lex);

/* FNV-1a 64-bit hash, continuing from h (start with DD_HASH_INIT). */
#define DD_HASH_INIT 14695981039346656037ULL
uint64_t dd_hash_bytes(uint64_t h, const void *data, size_t len);

#endif
