/* report_output.h - what `dundian-search report` hands to its output
 * formats: the finished report (lib/report.h) plus what the index knows
 * about the notes behind it (titles, dates, places) and the topic names.
 * report.c builds it and writes table, csv and json; report_html.c writes
 * the HTML page. */
#ifndef DD_REPORT_OUTPUT_H
#define DD_REPORT_OUTPUT_H

#include <stdio.h>

#include "engine.h"
#include "report.h"

typedef struct dd_report_view {
	dd_engine_t *engine;           /* topic names */
	const dd_report_t *report;     /* finished */
	const char *query;             /* as typed; "" for all notes */
	const char *by;                /* the field of the matrix columns: county, city, month, author */
	const dd_stored_note_t *notes; /* every note of the report, sorted by id */
	size_t n_notes;
} dd_report_view_t;

/* The stored note with this id, or NULL. */
const dd_stored_note_t *dd_report_view_note(const dd_report_view_t *view, const char *id);

/* How a column value is shown: the value, or "(none)" for notes without one. */
const char *dd_report_value_label(const char *value);

/* Writes the whole report as one self-contained HTML page (inline CSS and
 * SVG, nothing fetched).  Returns 0, or -1 if writing failed. */
int dd_report_write_html(FILE *out, const dd_report_view_t *view);

#endif
