/* note.h - reading and validating one field note.
 *
 * A note is a UTF-8 file.  A Markdown note (.md) opens with a front matter
 * block: a line `---`, then `key: value` lines, then `---`.  Known keys:
 * id, title, author, post, city, county, township, village, date (ISO
 * YYYY-MM-DD), tags (comma-separated topic keys, set by hand).  The body
 * follows: paragraphs separated by blank lines.  A plain text note (.txt,
 * or a .md with no front matter) has no metadata: its id is the file name
 * without extension and its title its first line.
 *
 * All strings are the original text (for display); matching normalises.
 */
#ifndef DD_NOTE_H
#define DD_NOTE_H

#include <stddef.h>

#include "status.h"

typedef struct dd_note {
	char *path;
	char *id, *title, *author, *post, *city, *county, *township, *village, *date, *tags;
	/* missing metadata is "" (never NULL); id, title and body are non-empty */
	char *body; /* paragraphs joined by "\n\n", no trailing newline */
	size_t body_len;
} dd_note_t;

/* Parses a note held in memory (data need not be NUL-terminated).  path
 * names it in messages and gives the id of a plain-text note.  On a bad
 * note returns DD_ERR_INVALID with a message "PATH: what is wrong". */
dd_status_t dd_note_parse(const char *path, const char *data, size_t len, dd_note_t **out, dd_error_t *err);

/* Reads and parses the file at path (DD_ERR_IO if it cannot be read). */
dd_status_t dd_note_load(const char *path, dd_note_t **out, dd_error_t *err);

void dd_note_free(dd_note_t *note);

/* Can id be a note's id: 1 to 64 bytes of UTF-8 with no blank, control
 * character or '/'?  Ids are typed by users and echoed in messages, so an
 * ESC or a line break in one would reach the terminal or split a line. */
int dd_note_id_valid(const char *id);

/* Is s an ISO calendar date YYYY-MM-DD that exists? */
int dd_date_valid(const char *s);

/* Paragraphs of a body: calls fn(number from 1, start, end) with byte
 * offsets into body, for each paragraph; stops when fn returns non-zero. */
void dd_note_foreach_paragraph(const char *body, size_t len,
                               int (*fn)(size_t number, size_t start, size_t end, void *ctx), void *ctx);

#endif
