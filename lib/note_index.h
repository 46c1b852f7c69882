/* note_index.h - how a note becomes a Xapian document, following the
 * schema (schema.h: its terms, values and field table), and the
 * vocabulary that indexing loads once for all notes.
 */
#ifndef DD_NOTE_INDEX_H
#define DD_NOTE_INDEX_H

#include <stdint.h>

#include "note.h"
#include "ranking.h"
#include "schema.h"
#include "status.h"
#include "tagger.h"
#include "tokenizer.h"
#include "xapian_wrap.h"

/* Everything indexing needs, loaded once. */
typedef struct dd_indexing {
	dd_lexicon_t *lexicon;
	dd_tokenizer_t *tokenizer;
	dd_tagger_t *tagger; /* may be NULL: no automatic tags */
	/* The vocabulary as read, kept in the index's metadata so searching
	 * tokenizes exactly as indexing did: */
	char *dictionary_text, *thesaurus_text;
	char *topics_text;   /* "key<TAB>name" lines */
	uint64_t vocabulary; /* fingerprint of all three and the taxonomy */
} dd_indexing_t;

/* Loads corpus_dir/dictionary.txt, thesaurus.txt and taxonomy.json.
 * DD_ERR_NOT_FOUND when the folder or one of the three files is missing
 * (an empty file is an empty vocabulary); a malformed one is an error. */
dd_status_t dd_indexing_load(dd_indexing_t *ix, const char *corpus_dir, dd_error_t *err);
void dd_indexing_free(dd_indexing_t *ix);

/* Fingerprint of a note's content as the index would store it. */
uint64_t dd_note_fingerprint(const dd_note_t *note, uint64_t vocabulary);

/* Builds the document for note (tags it too).  Manual tags naming an
 * unknown topic give DD_ERR_INVALID naming the note.  fingerprint is
 * stored in DD_SLOT_HASH. */
dd_status_t dd_note_document(dd_indexing_t *ix, const dd_note_t *note, uint64_t fingerprint, dd_doc_t **out,
                             dd_error_t *err);

#endif
