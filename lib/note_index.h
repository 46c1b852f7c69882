/* note_index.h - how a note becomes a Xapian document: the index schema.
 *
 * Shared by the indexer (which writes documents) and the query code (which
 * must ask for the same terms).  Terms:
 *   word          title and body words (tokenizer.h), with positions; a
 *                 title word counts DD_TITLE_WDF times
 *   B<2 chars>    every pair of adjacent non-space characters of the
 *                 normalised title and body, positioned by character: a
 *                 quoted string is a phrase of its pairs, so it matches
 *                 exactly the notes containing it, whatever the words
 *   C<char>       every single character (for one-character quotes)
 *   Q<id>         the unique id term
 *   A author, XP post, XCI city, XCO county, XT township, XV village,
 *   D<YYYYMMDD>, M<YYYYMM>, Y<YYYY>: filter terms (normalised values)
 *   K<topic>      the note is tagged with topic (filter)
 *   XK<topic>     the same tag with wdf rising with its confidence (ranking)
 *   XM<topic>     the tag was given by hand
 * Values are listed in dd_slot_t.  The document data is a JSON object:
 *   {"id","title","author","post","city","county","township","village",
 *    "date","path","tags":[{"key","score","manual"}]}; the body is in
 * value DD_SLOT_BODY.
 */
#ifndef DD_NOTE_INDEX_H
#define DD_NOTE_INDEX_H

#include <stdint.h>

#include "note.h"
#include "status.h"
#include "tagger.h"
#include "tokenizer.h"
#include "xapian_wrap.h"

#define DD_TITLE_WDF 4
/* Body characters are positioned after the title's, this far apart, so no
 * quoted string matches across the two. */
#define DD_BODY_CHAR_OFFSET 100000u
#define DD_BODY_WORD_OFFSET 1000u
/* Bumped whenever the schema changes, so old indexes get rebuilt. */
#define DD_SCHEMA_VERSION "dundian-schema-5"

typedef enum {
	DD_SLOT_DATE = 0,     /* YYYY-MM-DD, sorts by date */
	DD_SLOT_HASH = 1,     /* fingerprint of the note's content, hex */
	DD_SLOT_COUNTY = 2,
	DD_SLOT_CITY = 3,
	DD_SLOT_MONTH = 4,    /* YYYY-MM */
	DD_SLOT_AUTHOR = 5,
	DD_SLOT_TOPICS = 6,   /* tag keys separated by '\n' */
	DD_SLOT_PATH = 7,     /* source file */
	DD_SLOT_VILLAGE = 8,
	DD_SLOT_TOWNSHIP = 9,
	DD_SLOT_POST = 10,
	DD_SLOT_BODY = 11     /* the body text, kept apart from the data so
	                         listing hits never reads whole notes */
} dd_slot_t;

/* Everything indexing needs, loaded once. */
typedef struct dd_indexing {
	dd_lexicon_t *lexicon;
	dd_tokenizer_t *tokenizer;
	dd_tagger_t *tagger; /* may be NULL: no automatic tags */
	/* The vocabulary as read, kept in the index's metadata so searching
	 * tokenizes exactly as indexing did: */
	char *dictionary_text, *thesaurus_text;
	char *topics_text; /* "key<TAB>name" lines */
	uint64_t vocabulary; /* fingerprint of all three and the taxonomy */
} dd_indexing_t;

/* Loads corpus_dir/dictionary.txt, thesaurus.txt and taxonomy.json (each
 * optional only if absent; a malformed one is an error). */
dd_status_t dd_indexing_load(dd_indexing_t *ix, const char *corpus_dir, dd_error_t *err);
void dd_indexing_free(dd_indexing_t *ix);

/* Fingerprint of a note's content as the index would store it. */
uint64_t dd_note_fingerprint(const dd_note_t *note, uint64_t vocabulary);

/* Builds the document for note (tags it too).  Manual tags naming an
 * unknown topic give DD_ERR_INVALID naming the note.  fingerprint is
 * stored in DD_SLOT_HASH. */
dd_status_t dd_note_document(dd_indexing_t *ix, const dd_note_t *note, uint64_t fingerprint, dd_doc_t **out,
			     dd_error_t *err);

/* Appends to buf the filter term for field = value ("XCO" + normalised
 * value), returning 0, or -1 if the field is not a filter field.  Fields:
 * author post city county township village topic. */
int dd_filter_term(const char *field, const char *value, char *buf, size_t size);

#endif
