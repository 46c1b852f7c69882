/* report.c - `dundian-search report [QUERY] [--by FIELD] [--format F]
 * [--output FILE] [--cell SPEC]`: over the notes matching QUERY (all notes
 * without one), how many raise each topic broken down by county, city,
 * month or author; how widely each topic recurs; which topics go together.
 * The counting is lib/report.c; this file reads the notes from the index
 * and writes the table, CSV and JSON forms (report_html.c the HTML one).
 *
 * Every figure leads to its notes: JSON and CSV carry the ids next to each
 * count, and `--cell` lists the notes behind one figure of the table:
 *   --cell water=石林县   a cell (topic = column value)
 *   --cell water         a topic (its row total, its recurrence)
 *   --cell =石林县        a column total
 *   --cell water+roads   a pair of topics raised in the same notes
 * A topic may be named by key or by its Chinese name.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "answers.h"
#include "commands.h"
#include "note_index.h"
#include "report_output.h"
#include "text.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dundian-search report [QUERY...] [--db DIR] [--by county|city|month|author]\n"
	           "                             [--format table|csv|json|html] [--output FILE] [--cell SPEC]\n"
	           "  notes per topic by the --by field (default county), how widely each topic recurs,\n"
	           "  which topics are raised together; QUERY as for search (all notes when absent).\n"
	           "  --cell lists the notes behind one figure: TOPIC=VALUE (a cell), TOPIC (a topic),\n"
	           "         =VALUE (a column), TOPIC+TOPIC (a pair); TOPIC is a key or a Chinese name.\n"
	           "  --output FILE (-o) write there instead of to standard output\n" DD_EXIT_HELP);
}

static const char *const by_fields[] = { "county", "city", "month", "author" };
#define N_BY_FIELDS (sizeof by_fields / sizeof by_fields[0])

/* The value of field `by` of a note (month: its YYYY-MM, given). */
static const char *field_of_note(const dd_stored_note_t *note, const char *by, const char *month)
{
	if (strcmp(by, "city") == 0)
		return note->city;
	if (strcmp(by, "author") == 0)
		return note->author;
	if (strcmp(by, "month") == 0)
		return month;
	return note->county;
}

static int by_stored_id(const void *a, const void *b)
{
	return strcmp(((const dd_stored_note_t *)a)->id, ((const dd_stored_note_t *)b)->id);
}

const dd_stored_note_t *dd_report_view_note(const dd_report_view_t *view, const char *id)
{
	dd_stored_note_t key;
	memset(&key, 0, sizeof key);
	key.id = id;
	return bsearch(&key, view->notes, view->n_notes, sizeof *view->notes, by_stored_id);
}

const char *dd_report_value_label(const char *value)
{
	return value && value[0] ? value : "(none)";
}

/* ---- table ---------------------------------------------------------------- */

static size_t width_of(const char *s)
{
	return dd_display_width(s, strlen(s));
}

/* Prints s padded with spaces to display width `width`, on the right
 * (right = 0) or on the left (right = 1). */
static void print_padded(FILE *out, const char *s, size_t width, int right)
{
	size_t w = width_of(s);
	if (right)
		for (size_t i = w; i < width; i++)
			fputc(' ', out);
	fputs(s, out);
	if (!right)
		for (size_t i = w; i < width; i++)
			fputc(' ', out);
}

static void topic_label(const dd_report_view_t *view, const char *key, char *buf, size_t size)
{
	const char *name = dd_engine_topic_label(view->engine, key);
	if (strcmp(name, key) == 0)
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s (%s)", name, key);
}

/* Width the table may use: the terminal's, $COLUMNS, or 120. */
static size_t table_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	const char *columns = getenv("COLUMNS");
	long n = columns ? strtol(columns, NULL, 10) : 0;
	return n >= 40 ? (size_t)n : 120;
}

static void write_matrix_table(FILE *out, const dd_report_view_t *view, size_t width)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), columns = dd_report_value_count(r), n_all;
	dd_report_all_ids(r, &n_all);
	char label[256], number[32];
	size_t label_width = width_of("total");
	for (size_t t = 0; t < rows; t++) {
		size_t n;
		dd_report_topic_ids(r, t, &n);
		topic_label(view, dd_report_topic_key(r, t), label, sizeof label);
		if (n && width_of(label) > label_width)
			label_width = width_of(label);
	}
	/* column widths: header or widest number; the last column is the total */
	size_t *column_width = calloc(columns + 1, sizeof *column_width);
	if (!column_width)
		return;
	for (size_t v = 0; v <= columns; v++) {
		size_t n_ids;
		const char *header = v < columns ? dd_report_value_label(dd_report_value(r, v)) : "total";
		if (v < columns)
			dd_report_value_ids(r, v, &n_ids);
		else
			n_ids = n_all;
		snprintf(number, sizeof number, "%zu", n_ids); /* the column's largest number */
		column_width[v] = width_of(header) > strlen(number) ? width_of(header) : strlen(number);
	}
	/* columns go in blocks that fit the width, the row labels repeated */
	size_t first = 0;
	while (first <= columns) {
		size_t used = label_width, last = first;
		while (last <= columns && (last == first || used + 2 + column_width[last] <= width))
			used += 2 + column_width[last++];
		if (first > 0 || last <= columns)
			fprintf(out, "%s(columns %zu-%zu of %zu)\n", first ? "\n" : "", first + 1, last, columns + 1);
		print_padded(out, "topic", label_width, 0);
		for (size_t v = first; v < last; v++) {
			fputs("  ", out);
			print_padded(out, v < columns ? dd_report_value_label(dd_report_value(r, v)) : "total",
			             column_width[v], 1);
		}
		fputc('\n', out);
		for (size_t t = 0; t <= rows; t++) {
			size_t row_total = 1;
			if (t < rows)
				dd_report_topic_ids(r, t, &row_total);
			if (row_total == 0)
				continue; /* topics no note raises: listed once below the table */
			if (t < rows)
				topic_label(view, dd_report_topic_key(r, t), label, sizeof label);
			print_padded(out, t < rows ? label : "total", label_width, 0);
			for (size_t v = first; v < last; v++) {
				size_t n;
				if (t < rows && v < columns)
					n = dd_report_cell(r, t, v);
				else if (t < rows)
					dd_report_topic_ids(r, t, &n);
				else if (v < columns)
					dd_report_value_ids(r, v, &n);
				else
					n = n_all;
				snprintf(number, sizeof number, "%zu", n);
				fputs("  ", out);
				print_padded(out, n ? number : ".", column_width[v], 1);
			}
			fputc('\n', out);
		}
		first = last;
	}
	free(column_width);
}

static void write_table(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), n_all, n_untagged;
	dd_report_all_ids(r, &n_all);
	dd_report_untagged_ids(r, &n_untagged);
	char label[256], label_b[256], number[32];
	if (view->query[0])
		fprintf(out, "Report on the %zu note%s matching: %s\n\n", n_all, n_all == 1 ? "" : "s", view->query);
	else
		fprintf(out, "Report on all %zu note%s\n\n", n_all, n_all == 1 ? "" : "s");
	if (n_all == 0) {
		fprintf(out, "No note matches.\n");
		return;
	}

	fprintf(out,
	        "1. Notes per topic by %s (a note may raise several topics; totals count notes; "
	        "%zu note%s raise none)\n\n",
	        view->by, n_untagged, n_untagged == 1 ? "" : "s");
	write_matrix_table(out, view, table_width());
	size_t silent = 0;
	for (size_t t = 0; t < rows; t++) {
		size_t n;
		dd_report_topic_ids(r, t, &n);
		if (n == 0) {
			fprintf(out, "%s%s", silent++ ? ", " : "\nNo note raises: ",
			        dd_engine_topic_label(view->engine, dd_report_topic_key(r, t)));
		}
	}
	if (silent)
		fputc('\n', out);

	fprintf(out, "\n2. How widely each topic recurs (distinct counties and months among its notes)\n\n");
	size_t label_width = width_of("topic");
	for (size_t t = 0; t < rows; t++) {
		size_t n;
		dd_report_topic_ids(r, t, &n);
		topic_label(view, dd_report_topic_key(r, t), label, sizeof label);
		if (n && width_of(label) > label_width)
			label_width = width_of(label);
	}
	fprintf(out, "rank  ");
	print_padded(out, "topic", label_width, 0);
	fprintf(out, "  counties  months  notes\n");
	for (size_t rank = 0; rank < rows; rank++) {
		size_t t = dd_report_recurrence_topic(r, rank), counties, months, notes;
		dd_report_topic_counties(r, t, &counties);
		dd_report_topic_months(r, t, &months);
		dd_report_topic_ids(r, t, &notes);
		if (notes == 0)
			continue;
		topic_label(view, dd_report_topic_key(r, t), label, sizeof label);
		fprintf(out, "%4zu  ", rank + 1);
		print_padded(out, label, label_width, 0);
		fprintf(out, "  %8zu  %6zu  %5zu\n", counties, months, notes);
	}

	size_t pairs = dd_report_pair_count(r), shown = 0;
	fprintf(out, "\n3. Topics raised in the same notes (pairs by notes; lift: how many times more often "
	             "than if unrelated)\n\n");
	size_t pair_width = width_of("topics");
	for (size_t p = 0; p < pairs; p++) {
		size_t a, b, n;
		dd_report_pair(r, p, &a, &b);
		dd_report_pair_ids(r, p, &n);
		if (n < 2)
			continue;
		topic_label(view, dd_report_topic_key(r, a), label, sizeof label);
		topic_label(view, dd_report_topic_key(r, b), label_b, sizeof label_b);
		size_t w = width_of(label) + 3 + width_of(label_b);
		if (w > pair_width)
			pair_width = w;
	}
	fprintf(out, "rank  ");
	print_padded(out, "topics", pair_width, 0);
	fprintf(out, "  notes  lift\n");
	for (size_t p = 0; p < pairs; p++) {
		size_t a, b, n;
		dd_report_pair(r, p, &a, &b);
		dd_report_pair_ids(r, p, &n);
		if (n < 2)
			continue;
		topic_label(view, dd_report_topic_key(r, a), label, sizeof label);
		topic_label(view, dd_report_topic_key(r, b), label_b, sizeof label_b);
		char both[600];
		snprintf(both, sizeof both, "%s + %s", label, label_b);
		snprintf(number, sizeof number, "%.2f", dd_report_pair_lift(r, p));
		fprintf(out, "%4zu  ", p + 1);
		print_padded(out, both, pair_width, 0);
		fprintf(out, "  %5zu  %4s\n", n, number);
		shown++;
	}
	if (shown < pairs)
		fprintf(out, "(and %zu pair%s sharing a single note: see --format csv or json)\n", pairs - shown,
		        pairs - shown == 1 ? "" : "s");

	const char *example_value = dd_report_value_count(r) ? dd_report_value(r, 0) : "VALUE";
	const char *example_topic = rows ? dd_report_topic_key(r, 0) : "TOPIC";
	fprintf(out,
	        "\nThe notes behind a figure: add --cell %s=%s (a cell), --cell %s (a topic), "
	        "--cell =%s (a column), --cell A+B (a pair)\n",
	        example_topic, example_value[0] ? example_value : "(none)", example_topic,
	        example_value[0] ? example_value : "(none)");
}

/* ---- csv -------------------------------------------------------------------- */

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void csv_ids(FILE *out, const char *const *ids, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(ids[i]) + 1;
	char *joined = malloc(len);
	if (!joined)
		return;
	joined[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(joined, " ");
		strcat(joined, ids[i]);
	}
	csv_field(out, joined);
	free(joined);
}

/* One row: section,topic,topic_name,<by>,count,counties,months,ids.
 * counties and months are written only when >= 0. */
static void csv_row(FILE *out, const char *section, const char *topic, const char *name, const char *value,
                    size_t count, long counties, long months, const char *const *ids, size_t n_ids)
{
	csv_field(out, section);
	fputc(',', out);
	csv_field(out, topic);
	fputc(',', out);
	csv_field(out, name);
	fputc(',', out);
	csv_field(out, value);
	fprintf(out, ",%zu,", count);
	if (counties >= 0)
		fprintf(out, "%ld", counties);
	fputc(',', out);
	if (months >= 0)
		fprintf(out, "%ld", months);
	fputc(',', out);
	csv_ids(out, ids, n_ids);
	fputc('\n', out);
}

static void write_csv(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), columns = dd_report_value_count(r), n;
	const char *const *ids;
	fprintf(out, "section,topic,topic_name,%s,count,counties,months,ids\n", view->by);
	for (size_t t = 0; t < rows; t++) {
		const char *key = dd_report_topic_key(r, t);
		for (size_t v = 0; v < columns; v++) {
			ids = dd_report_cell_ids(r, t, v, &n);
			if (n)
				csv_row(out, "cell", key, dd_engine_topic_label(view->engine, key),
				        dd_report_value(r, v), n, -1, -1, ids, n);
		}
	}
	for (size_t rank = 0; rank < rows; rank++) {
		size_t t = dd_report_recurrence_topic(r, rank), counties, months;
		const char *key = dd_report_topic_key(r, t);
		dd_report_topic_counties(r, t, &counties);
		dd_report_topic_months(r, t, &months);
		ids = dd_report_topic_ids(r, t, &n);
		csv_row(out, "topic", key, dd_engine_topic_label(view->engine, key), "", n, (long)counties,
		        (long)months, ids, n);
	}
	for (size_t v = 0; v < columns; v++) {
		ids = dd_report_value_ids(r, v, &n);
		csv_row(out, "value", "", "", dd_report_value(r, v), n, -1, -1, ids, n);
	}
	for (size_t p = 0; p < dd_report_pair_count(r); p++) {
		size_t a, b;
		dd_report_pair(r, p, &a, &b);
		const char *ka = dd_report_topic_key(r, a), *kb = dd_report_topic_key(r, b);
		char keys[128], names[512];
		snprintf(keys, sizeof keys, "%s+%s", ka, kb);
		snprintf(names, sizeof names, "%s+%s", dd_engine_topic_label(view->engine, ka),
		         dd_engine_topic_label(view->engine, kb));
		ids = dd_report_pair_ids(r, p, &n);
		csv_row(out, "pair", keys, names, "", n, -1, -1, ids, n);
	}
	ids = dd_report_untagged_ids(r, &n);
	csv_row(out, "untagged", "", "", "", n, -1, -1, ids, n);
	ids = dd_report_all_ids(r, &n);
	csv_row(out, "all", "", "", "", n, -1, -1, ids, n);
}

/* ---- json ------------------------------------------------------------------- */

static cJSON *json_ids(const char *const *ids, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ids[i]));
	return a;
}

static cJSON *json_strings(const char *const *s, size_t n)
{
	return json_ids(s, n);
}

static cJSON *build_json(const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), columns = dd_report_value_count(r), n;
	const char *const *ids;
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "query", view->query);
	cJSON_AddStringToObject(root, "by", view->by);
	ids = dd_report_all_ids(r, &n);
	cJSON_AddNumberToObject(root, "notes", (double)n);
	cJSON_AddItemToObject(root, "ids", json_ids(ids, n));
	ids = dd_report_untagged_ids(r, &n);
	cJSON *untagged = cJSON_AddObjectToObject(root, "untagged");
	cJSON_AddNumberToObject(untagged, "count", (double)n);
	cJSON_AddItemToObject(untagged, "ids", json_ids(ids, n));

	cJSON *values = cJSON_AddArrayToObject(root, "values");
	for (size_t v = 0; v < columns; v++) {
		cJSON *o = cJSON_CreateObject();
		ids = dd_report_value_ids(r, v, &n);
		cJSON_AddStringToObject(o, "value", dd_report_value(r, v));
		cJSON_AddNumberToObject(o, "count", (double)n);
		cJSON_AddItemToObject(o, "ids", json_ids(ids, n));
		cJSON_AddItemToArray(values, o);
	}
	/* the matrix: one entry per topic, one cell per value (in "values" order) */
	cJSON *matrix = cJSON_AddArrayToObject(root, "matrix");
	for (size_t t = 0; t < rows; t++) {
		const char *key = dd_report_topic_key(r, t);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "topic", key);
		cJSON_AddStringToObject(o, "name", dd_engine_topic_label(view->engine, key));
		ids = dd_report_topic_ids(r, t, &n);
		cJSON_AddNumberToObject(o, "count", (double)n);
		cJSON_AddItemToObject(o, "ids", json_ids(ids, n));
		cJSON *cells = cJSON_AddArrayToObject(o, "cells");
		for (size_t v = 0; v < columns; v++) {
			cJSON *c = cJSON_CreateObject();
			ids = dd_report_cell_ids(r, t, v, &n);
			cJSON_AddStringToObject(c, "value", dd_report_value(r, v));
			cJSON_AddNumberToObject(c, "count", (double)n);
			cJSON_AddItemToObject(c, "ids", json_ids(ids, n));
			cJSON_AddItemToArray(cells, c);
		}
		cJSON_AddItemToArray(matrix, o);
	}
	cJSON *recurrence = cJSON_AddArrayToObject(root, "recurrence");
	for (size_t rank = 0; rank < rows; rank++) {
		size_t t = dd_report_recurrence_topic(r, rank), nc, nm;
		const char *key = dd_report_topic_key(r, t);
		const char *const *counties = dd_report_topic_counties(r, t, &nc);
		const char *const *months = dd_report_topic_months(r, t, &nm);
		ids = dd_report_topic_ids(r, t, &n);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "rank", (double)(rank + 1));
		cJSON_AddStringToObject(o, "topic", key);
		cJSON_AddStringToObject(o, "name", dd_engine_topic_label(view->engine, key));
		cJSON_AddNumberToObject(o, "counties", (double)nc);
		cJSON_AddNumberToObject(o, "months", (double)nm);
		cJSON_AddNumberToObject(o, "count", (double)n);
		cJSON_AddItemToObject(o, "county_list", json_strings(counties, nc));
		cJSON_AddItemToObject(o, "month_list", json_strings(months, nm));
		cJSON_AddItemToObject(o, "ids", json_ids(ids, n));
		cJSON_AddItemToArray(recurrence, o);
	}
	cJSON *pairs = cJSON_AddArrayToObject(root, "cooccurrence");
	for (size_t p = 0; p < dd_report_pair_count(r); p++) {
		size_t a, b;
		dd_report_pair(r, p, &a, &b);
		const char *keys[2] = { dd_report_topic_key(r, a), dd_report_topic_key(r, b) };
		const char *names[2] = { dd_engine_topic_label(view->engine, keys[0]),
			                 dd_engine_topic_label(view->engine, keys[1]) };
		ids = dd_report_pair_ids(r, p, &n);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "rank", (double)(p + 1));
		cJSON_AddItemToObject(o, "topics", json_strings(keys, 2));
		cJSON_AddItemToObject(o, "names", json_strings(names, 2));
		cJSON_AddNumberToObject(o, "count", (double)n);
		cJSON_AddNumberToObject(o, "lift",
		                        (double)(long long)(dd_report_pair_lift(r, p) * 1000 + 0.5) / 1000.0);
		cJSON_AddItemToObject(o, "ids", json_ids(ids, n));
		cJSON_AddItemToArray(pairs, o);
	}
	return root;
}

static int write_json(FILE *out, cJSON *root)
{
	char *text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return -1;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	return 0;
}

/* ---- --cell ------------------------------------------------------------------ */

/* The row of a topic named by key or Chinese name; -1 (with a message
 * printed) if the index knows no such topic. */
static int resolve_topic(const dd_report_view_t *view, const char *spec, const char *whole)
{
	const char *key = spec;
	for (size_t i = 0; i < dd_engine_topic_count(view->engine); i++)
		if (strcmp(dd_engine_topic_name(view->engine, i), spec) == 0)
			key = dd_engine_topic_key(view->engine, i);
	int row = dd_report_find_topic(view->report, key);
	if (row < 0)
		fprintf(stderr,
		        "dundian-search: --cell '%s': unknown topic '%s' (a key from corpus/taxonomy.json, "
		        "or its Chinese name)\n",
		        whole, spec);
	return row;
}

/* Lists the notes behind one figure.  Returns the exit status. */
static int write_cell(FILE *out, const dd_report_view_t *view, const char *spec, const char *format)
{
	const dd_report_t *r = view->report;
	char *copy = strdup(spec), description[1024];
	if (!copy)
		return DD_EXIT_INDEX;
	const char *const *ids = NULL;
	size_t n = 0;
	char *plus = strchr(copy, '+'), *equals = strchr(copy, '=');
	cJSON *cell = cJSON_CreateObject();
	if (plus && !equals) {
		*plus = '\0';
		int a = resolve_topic(view, copy, spec), b = a < 0 ? -1 : resolve_topic(view, plus + 1, spec);
		if (a < 0 || b < 0) {
			free(copy);
			cJSON_Delete(cell);
			return DD_EXIT_USAGE;
		}
		int rank = dd_report_find_pair(r, (size_t)a, (size_t)b);
		if (rank >= 0)
			ids = dd_report_pair_ids(r, (size_t)rank, &n);
		const char *ka = dd_report_topic_key(r, (size_t)a), *kb = dd_report_topic_key(r, (size_t)b);
		snprintf(description, sizeof description, "%s (%s) + %s (%s)", dd_engine_topic_label(view->engine, ka),
		         ka, dd_engine_topic_label(view->engine, kb), kb);
		const char *keys[2] = { ka, kb };
		cJSON_AddItemToObject(cell, "topics", json_strings(keys, 2));
	} else {
		const char *value = NULL;
		int row = -1;
		if (equals) {
			*equals = '\0';
			value = strcmp(equals + 1, "(none)") == 0 ? "" : equals + 1;
		}
		if (copy[0] && (row = resolve_topic(view, copy, spec)) < 0) {
			free(copy);
			cJSON_Delete(cell);
			return DD_EXIT_USAGE;
		}
		if (!copy[0] && !value) {
			fprintf(stderr,
			        "dundian-search: --cell '%s': expected TOPIC=VALUE, TOPIC, =VALUE or TOPIC+TOPIC\n",
			        spec);
			free(copy);
			cJSON_Delete(cell);
			return DD_EXIT_USAGE;
		}
		int column = value ? dd_report_find_value(r, value) : -1;
		const char *key = row >= 0 ? dd_report_topic_key(r, (size_t)row) : NULL;
		if (row >= 0 && value) {
			if (column >= 0)
				ids = dd_report_cell_ids(r, (size_t)row, (size_t)column, &n);
			snprintf(description, sizeof description, "%s (%s), %s %s",
			         dd_engine_topic_label(view->engine, key), key, view->by, dd_report_value_label(value));
		} else if (row >= 0) {
			ids = dd_report_topic_ids(r, (size_t)row, &n);
			snprintf(description, sizeof description, "%s (%s)", dd_engine_topic_label(view->engine, key),
			         key);
		} else {
			if (column >= 0)
				ids = dd_report_value_ids(r, (size_t)column, &n);
			snprintf(description, sizeof description, "%s %s", view->by, dd_report_value_label(value));
		}
		if (key)
			cJSON_AddStringToObject(cell, "topic", key);
		if (value)
			cJSON_AddStringToObject(cell, view->by, value);
	}
	free(copy);
	if (strcmp(format, "json") == 0) {
		cJSON_AddStringToObject(cell, "cell", spec);
		cJSON_AddStringToObject(cell, "description", description);
		cJSON_AddNumberToObject(cell, "count", (double)n);
		cJSON_AddItemToObject(cell, "ids", json_ids(ids, n));
		cJSON *notes = cJSON_AddArrayToObject(cell, "notes");
		for (size_t i = 0; i < n; i++) {
			const dd_stored_note_t *note = dd_report_view_note(view, ids[i]);
			if (!note)
				continue;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", note->id);
			cJSON_AddStringToObject(o, "title", note->title);
			cJSON_AddStringToObject(o, "date", note->date);
			cJSON_AddStringToObject(o, "city", note->city);
			cJSON_AddStringToObject(o, "county", note->county);
			cJSON_AddStringToObject(o, "author", note->author);
			cJSON_AddItemToArray(notes, o);
		}
		write_json(out, cell);
	} else {
		cJSON_Delete(cell);
		if (strcmp(format, "csv") == 0)
			fprintf(out, "id,date,city,county,author,title\n");
		else
			fprintf(out, "%s: %zu note%s\n", description, n, n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			const dd_stored_note_t *note = dd_report_view_note(view, ids[i]);
			if (!note)
				continue;
			if (strcmp(format, "csv") == 0) {
				const char *fields[6] = { note->id,     note->date,   note->city,
					                  note->county, note->author, note->title };
				for (size_t f = 0; f < 6; f++) {
					if (f)
						fputc(',', out);
					csv_field(out, fields[f]);
				}
				fputc('\n', out);
			} else {
				fprintf(out, "%s  %s  %s%s  %s  %s\n", note->id, note->date, note->city, note->county,
				        note->author, note->title);
			}
		}
	}
	return n ? DD_EXIT_OK : DD_EXIT_NONE;
}

/* ---- the command ---------------------------------------------------------------- */

/* Reads every note matching text (all notes when empty) into notes (sorted
 * by id) and a new finished report of them by field `by`. */
static dd_status_t gather(dd_engine_t *e, const char *text, const char *by, dd_report_t **report_out,
                          dd_stored_note_t **notes_out, size_t *n_out, dd_error_t *err)
{
	*report_out = NULL;
	*notes_out = NULL;
	*n_out = 0;
	size_t k = 0;
	while (k < N_BY_FIELDS && strcmp(by_fields[k], by) != 0)
		k++;
	if (k == N_BY_FIELDS)
		return dd_error_set(err, DD_ERR_INVALID, "unknown --by '%s' (use county, city, month or author)", by);
	dd_report_t *report = NULL;
	size_t n_known = dd_engine_topic_count(e);
	const char **known = calloc(n_known + 1, sizeof *known);
	for (size_t i = 0; known && i < n_known; i++)
		known[i] = dd_engine_topic_key(e, i);
	dd_report_value_order_t order = strcmp(by, "month") == 0 ? DD_REPORT_VALUES_BY_NAME : DD_REPORT_VALUES_BY_COUNT;
	dd_status_t st = known ? dd_report_new(known, n_known, order, &report, err)
	                       : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	free(known);
	if (st != DD_OK)
		return st;
	/* every match, counted as the query says: no topic feedback, whose
	 * extra notes serve ranking, not counting */
	dd_search_request_t req = { .text = text,
		                    .limit = DD_SEARCH_ALL,
		                    .sort = DD_SORT_DATE,
		                    .no_feedback = 1,
		                    .check_at_least = DD_SEARCH_ALL };
	dd_search_result_t res;
	if ((st = dd_search(e, &req, &res, err)) != DD_OK) {
		dd_report_free(report);
		return st;
	}
	dd_stored_note_t *notes = calloc(res.n_hits + 1, sizeof *notes);
	if (!notes) {
		dd_search_result_free(&res);
		dd_report_free(report);
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	size_t n = 0;
	for (size_t i = 0; i < res.n_hits && st == DD_OK; i++) {
		/* the report keeps the notes: take them from the result */
		dd_stored_note_t *note = &notes[n++];
		*note = res.hits[i].note;
		memset(&res.hits[i].note, 0, sizeof res.hits[i].note);
		char month[8] = "";
		if (strlen(note->date) >= 7)
			snprintf(month, sizeof month, "%.7s", note->date);
		const char **topics = calloc(note->n_tags + 1, sizeof *topics);
		for (size_t t = 0; topics && t < note->n_tags; t++)
			topics[t] = note->tags[t].key;
		dd_report_record_t record = { note->id, field_of_note(note, by, month), note->county, month,
			                      topics,   topics ? note->n_tags : 0 };
		st = topics ? dd_report_add(report, &record, err) : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		free(topics);
	}
	dd_search_result_free(&res);
	if (st == DD_OK)
		st = dd_report_finish(report, err);
	qsort(notes, n, sizeof *notes, by_stored_id);
	*report_out = report;
	*notes_out = notes;
	*n_out = n;
	return st;
}

static void free_gathered(dd_report_t *report, dd_stored_note_t *notes, size_t n_notes)
{
	for (size_t i = 0; i < n_notes; i++)
		dd_stored_note_free(&notes[i]);
	free(notes);
	dd_report_free(report);
}

void *dd_json_report(dd_engine_t *e, const char *text, const char *by, dd_error_t *err)
{
	dd_report_t *report;
	dd_stored_note_t *notes;
	size_t n_notes;
	cJSON *root = NULL;
	if (gather(e, text ? text : "", by, &report, &notes, &n_notes, err) == DD_OK) {
		dd_report_view_t view = { e, report, text ? text : "", by, notes, n_notes };
		root = build_json(&view);
		if (!root)
			dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	free_gathered(report, notes, n_notes);
	return root;
}

int dd_cmd_report(int argc, char **argv)
{
	const char *db_path = dd_default_db(), *by = "county", *format = "table", *output = NULL, *cell = NULL;
	static const struct option options[] = { { "db", required_argument, NULL, 'd' },
		                                 { "by", required_argument, NULL, 'b' },
		                                 { "format", required_argument, NULL, 'f' },
		                                 { "output", required_argument, NULL, 'o' },
		                                 { "cell", required_argument, NULL, 'c' },
		                                 { "help", no_argument, NULL, 'h' },
		                                 { NULL, 0, NULL, 0 } };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:b:f:o:c:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'c':
			cell = optarg;
			break;
		case 'h':
			usage(stdout);
			return DD_EXIT_OK;
		default:
			usage(stderr);
			return DD_EXIT_USAGE;
		}
	}
	size_t k = 0;
	while (k < N_BY_FIELDS && strcmp(by_fields[k], by) != 0)
		k++;
	if (k == N_BY_FIELDS) {
		fprintf(stderr, "dundian-search report: unknown --by '%s' (use county, city, month or author)\n", by);
		return DD_EXIT_USAGE;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "html") != 0) {
		fprintf(stderr, "dundian-search report: unknown --format '%s' (use table, csv, json or html)\n",
		        format);
		return DD_EXIT_USAGE;
	}
	if (cell && strcmp(format, "html") == 0) {
		fprintf(stderr, "dundian-search report: --cell lists notes as table, csv or json, not html\n");
		return DD_EXIT_USAGE;
	}
	char *text = dd_join_args(argc, argv, optind);
	if (!text) {
		fprintf(stderr, "dundian-search report: out of memory\n");
		return DD_EXIT_INDEX;
	}
	int status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(db_path, &status);
	if (!e) {
		free(text);
		return status;
	}
	dd_report_t *report = NULL;
	dd_error_t err;
	dd_stored_note_t *notes = NULL;
	size_t n_notes = 0;
	dd_status_t st = gather(e, text, by, &report, &notes, &n_notes, &err);
	if (st != DD_OK) {
		fprintf(stderr, "dundian-search: %s\n", err.message);
		status = st == DD_ERR_INVALID ? DD_EXIT_USAGE : DD_EXIT_INDEX;
	}
	if (status == DD_EXIT_OK) {
		dd_report_view_t view = { e, report, text, by, notes, n_notes };
		FILE *out = output ? fopen(output, "w") : stdout;
		if (!out) {
			fprintf(stderr, "dundian-search report: cannot write '%s'\n", output);
			status = DD_EXIT_USAGE;
		} else {
			/* text for people is written whole first, then made safe
			 * for a terminal (a note's ESC must not reach it) */
			int text = strcmp(format, "table") == 0;
			char *written = NULL;
			size_t written_len = 0;
			FILE *to = text ? open_memstream(&written, &written_len) : out;
			if (!to)
				to = out;
			if (cell)
				status = write_cell(to, &view, cell, format);
			else if (strcmp(format, "csv") == 0)
				write_csv(to, &view);
			else if (strcmp(format, "json") == 0)
				write_json(to, build_json(&view));
			else if (strcmp(format, "html") == 0)
				dd_report_write_html(to, &view);
			else
				write_table(to, &view);
			if (to != out) {
				fclose(to);
				dd_print_text(out, written, written_len);
			}
			free(written);
			if (!cell && n_notes == 0)
				status = DD_EXIT_NONE;
			int failed = ferror(out);
			if (out == stdout)
				failed |= fflush(out);
			else
				failed |= fclose(out);
			if (failed) {
				fprintf(stderr, "dundian-search report: cannot write '%s'\n",
				        output ? output : "stdout");
				status = DD_EXIT_INDEX;
			}
		}
	}
	free_gathered(report, notes, n_notes);
	dd_engine_close(e);
	free(text);
	return status;
}
