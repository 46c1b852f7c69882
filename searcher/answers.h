/* answers.h - the JSON answers the command line prints with --json and the
 * server (serve.c) sends from /api/: each built by one function here, so
 * the two can never disagree.  The search answer is dd_json_search
 * (commands.h); the others follow.  Each returns a cJSON object (as void *,
 * so callers need not include cJSON) for the caller to print or send and
 * free, or NULL with err set:
 * DD_ERR_INVALID a malformed query or an out-of-range parameter (exit 2,
 * HTTP 400), DD_ERR_NOT_FOUND an unknown note (exit 2, HTTP 404), anything
 * else the index failing (exit 3, HTTP 500).  Messages are the CLI's
 * without the program's name. */
#ifndef DD_ANSWERS_H
#define DD_ANSWERS_H

#include <stddef.h>

#include "engine.h"
#include "searching.h"

/* ---- show ID ---- */

typedef struct dd_paragraph {
	size_t number, start, end; /* byte offsets in the body */
} dd_paragraph_t;

/* A note ready to show: its paragraphs, the ones shown [from, to), and the
 * query's matches (byte offsets into the body) when highlighting. */
typedef struct dd_note_view {
	dd_stored_note_t note;
	dd_paragraph_t *paragraphs;
	size_t n_paragraphs, from, to;
	dd_span_t *spans;
	dd_match_kind_t *kinds; /* of each span: typed, relative or exact string */
	size_t n_spans;
	int highlighting;
} dd_note_view_t;

/* Reads note id; para 0: every paragraph, else only that one (1-based);
 * highlight: a query whose matches to mark, or NULL.  Errors: a malformed
 * highlight query ("--highlight: ..."), an unknown note, para out of range
 * (DD_ERR_INVALID), an empty body (DD_ERR_INDEX). */
dd_status_t dd_note_view_open(dd_engine_t *e, const char *id, size_t para, const char *highlight, dd_note_view_t *view,
                              dd_error_t *err);
void dd_note_view_free(dd_note_view_t *view);

/* show --json (the contract at the top of show.c). */
void *dd_json_note_view(const dd_note_view_t *view);

/* ---- excerpt ---- */

/* excerpt --format json for query text: the best limit notes, per_note
 * passages each with context more sentences; with_markdown: each passage
 * also carries "markdown", the block `excerpt --format markdown` prints
 * for it, byte for byte. */
void *dd_json_excerpts(dd_engine_t *e, const char *text, size_t limit, size_t per_note, size_t context,
                       int with_markdown, dd_error_t *err);

/* ---- report ---- */

/* report --format json of the notes matching text ("" all) by field by
 * (county, city, month or author; another is DD_ERR_INVALID). */
void *dd_json_report(dd_engine_t *e, const char *text, const char *by, dd_error_t *err);

#endif
