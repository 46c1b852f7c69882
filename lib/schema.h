/* schema.h - the index schema: every term prefix, value slot, query field
 * and metadata key of a dundian index, in one place.
 *
 * A note becomes one Xapian document (note_index.c writes it, the query
 * code asks for the same terms):
 *   word          title and body words (tokenizer.h), without positions
 *                 (no query reads them)
 *   B<2 chars>    every pair of adjacent non-space characters of the
 *                 normalised title and body, without positions: a quoted
 *                 string matches the notes holding all its pairs whose
 *                 normalised title or body (DD_SLOT_TEXT), checked in
 *                 the match, holds it exactly (dd_literal_query),
 *                 whatever the words
 *   C<char>       every single character (for one-character quotes)
 *   Q<id>         the unique id term
 *   field terms   one boolean term per filter field of dd_schema_fields()
 *                 (A author, XP post, XCI city, XCO county, XT township,
 *                 XV village, D/M/Y date by day, month and year)
 *   K<topic>      the note is tagged with topic (filter)
 *   XK<topic>     the same tag, its wdf rising with the confidence (ranking)
 *   XM<topic>     the tag was set by hand
 * Values are the dd_slot_t below.  The document data is a JSON object:
 *   {"id","title","author","post","city","county","township","village",
 *    "date","path","tags":[{"key","score","manual"}]}; the body is in value
 * DD_SLOT_BODY.  The index's spelling data holds every word of the notes
 * with the number of notes holding it ("did you mean", suggest.h), kept
 * right by each indexing run (sync.c, xapian_wrap.h).
 *
 * Adding a query filter or facet over a front matter key the note already
 * has is one row of the field table in schema.c.
 */
#ifndef DD_SCHEMA_H
#define DD_SCHEMA_H

#include <stddef.h>

#include "status.h"
#include "xapian_wrap.h"

/* Bumped whenever the terms or values a note gives change: an index built
 * with another version is refused by searching (re-index it) and every
 * note of it is rebuilt by the next indexing run. */
#define DD_SCHEMA_VERSION                                                                                              \
	"dundian-schema-15" /* 8: Han folded; 9: spelling data; 10: file signatures, no word positions;                \
	                       11: no bigram positions; 12: C terms only for characters no pair begins with;           \
	                       13: the body in the data; 14: the body back in its value;                               \
	                       15: the normalised text in DD_SLOT_TEXT */

/* Xapian refuses terms longer than this (xapian_wrap.h); longer field
 * values are indexed by a hash (see dd_schema_filter_term). */
#define DD_TERM_MAX DD_TERM_MAX_BYTES

typedef enum {
	DD_SLOT_DATE = 0, /* YYYY-MM-DD, sorts by date */
	DD_SLOT_HASH = 1, /* fingerprint of the note's content, hex */
	DD_SLOT_COUNTY = 2,
	DD_SLOT_CITY = 3,
	DD_SLOT_MONTH = 4, /* YYYY-MM */
	DD_SLOT_AUTHOR = 5,
	DD_SLOT_TOPICS = 6, /* tag keys separated by '\n' */
	DD_SLOT_PATH = 7,   /* source file */
	DD_SLOT_VILLAGE = 8,
	DD_SLOT_TOWNSHIP = 9,
	DD_SLOT_POST = 10,
	DD_SLOT_BODY = 11, /* the body text, kept apart from the data so
	                      listing hits never reads whole notes */
	/* Orders that do not depend on how notes were indexed or sharded:
	 * Xapian's document numbers do, so ties are broken by these. */
	DD_SLOT_ID = 12,      /* the note id: equal relevance, by id */
	DD_SLOT_DATE_ID = 13, /* date, tab, id: by date, then id */
	DD_SLOT_FILE = 14,    /* the signature of the file as indexed (its size,
	                         times and inode, with the vocabulary): a re-index
	                         skips reading a file whose signature is the same;
	                         "" for a file too fresh to trust (lib/sync.c) */
	DD_SLOT_ID_TERM = 15, /* the id term (Q...), so listing every note
	                         reads one value stream, not a look-up per note */
	DD_SLOT_TEXT = 16     /* the normalised title, a NUL byte, the normalised
	                         body: what an exact string's candidates are
	                         checked against (dd_literal_query), one memmem
	                         each; the NUL keeps a string (which holds
	                         neither a NUL nor a blank) from spanning the two */
} dd_slot_t;

#define DD_NO_SLOT (-1)

/* Term prefixes that are not a field's. */
#define DD_PREFIX_ID "Q"
#define DD_PREFIX_BIGRAM "B"
#define DD_PREFIX_CHAR "C" /* a character no pair begins with (note_index.c) */
/* One term per note whose wdf is the count of characters that begin a pair
 * and have no C term of their own: the note's length stays its characters
 * plus its pairs, as BM25 reads it. */
#define DD_PREFIX_LENGTH "XL"
#define DD_PREFIX_TOPIC "K"
#define DD_PREFIX_TOPIC_RANK "XK"
#define DD_PREFIX_TOPIC_MANUAL "XM"
#define DD_PREFIX_DAY "D"
#define DD_PREFIX_MONTH "M"
#define DD_PREFIX_YEAR "Y"

/* Metadata keys of an index. */
#define DD_META_SCHEMA "schema"         /* DD_SCHEMA_VERSION */
#define DD_META_DICTIONARY "dictionary" /* dictionary.txt as read */
#define DD_META_THESAURUS "thesaurus"   /* thesaurus.txt as read */
#define DD_META_TOPICS "topics"         /* "key<TAB>name" lines */

typedef enum {
	DD_FIELD_FILTER = 1u << 0,   /* name:value in the query language */
	DD_FIELD_FACET = 1u << 1,    /* --facets, report --by */
	DD_FIELD_SORTABLE = 1u << 2, /* --sort */
	DD_FIELD_VERBATIM = 1u << 3  /* filter values matched as written,
	                                not normalised (ids, topic keys) */
} dd_field_flags_t;

typedef struct dd_field {
	const char *name;   /* in queries, --facets, --by and JSON */
	const char *prefix; /* its filter terms; NULL: none (date has three) */
	int slot;           /* value slot holding it, or DD_NO_SLOT */
	unsigned flags;     /* dd_field_flags_t */
	/* offset of its value (char *) in dd_note_t, or (size_t)-1 when the
	 * field is not a front matter value of its own (month, topic) */
	size_t note_offset;
	/* When not 0, only the first value_length bytes of that front matter
	 * value are the field's (month: the date cut to YYYY-MM). */
	size_t value_length;
} dd_field_t;

/* Every field, in a fixed order; *n gets how many. */
const dd_field_t *dd_schema_fields(size_t *n);

/* The field called name, or NULL. */
const dd_field_t *dd_schema_field(const char *name);

/* The names of the fields having every flag in flags, ", "-separated,
 * into buf (for messages such as "unknown field (known: ...)"). */
void dd_schema_field_names(unsigned flags, char *buf, size_t size);

/* The filter term for field = value: prefix + the value (normalised and
 * trimmed unless DD_FIELD_VERBATIM; a value that would make a term longer
 * than DD_TERM_MAX is replaced by a hash of it, the same at indexing and
 * query time).  Returns 0, or -1 when the field has no filter terms of its
 * own or memory ran out. */
int dd_schema_filter_term(const dd_field_t *field, const char *value, char *buf, size_t size);

/* The date term for "YYYY-MM-DD" (D), "YYYY-MM" (M) or "YYYY" (Y) into
 * buf; -1 when value has none of these shapes (not checked further). */
int dd_schema_date_term(const char *value, char *buf, size_t size);

/* The unique id term of note id (a hash when the id is too long). */
void dd_schema_id_term(const char *id, char *buf, size_t size);

/* Topic terms: filter (K), ranking (XK) and set-by-hand (XM). */
void dd_schema_topic_term(const char *key, char *buf, size_t size);
void dd_schema_topic_rank_term(const char *key, char *buf, size_t size);
void dd_schema_topic_manual_term(const char *key, char *buf, size_t size);

/* Checks that the index at path (db) was built with this schema.
 * DD_ERR_INDEX with a message saying to re-index when it was not. */
dd_status_t dd_schema_check(dd_db_t *db, const char *path, dd_error_t *err);

#endif
