/* report.c - the figures of an analysts' report (see report.h).
 *
 * Records are copied as they are added; dd_report_finish sorts the notes by
 * id and then derives every figure in a few passes over them.  Because the
 * notes are walked in id order, every id list comes out sorted without
 * further work.  Everything the report allocates hangs off the struct with
 * its size recorded first, so dd_report_free can free a report that failed
 * half-way through finishing.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* A list of strings owned elsewhere (note ids, or county / month names). */
typedef struct string_list {
	const char **items;
	size_t n;
} string_list_t;

typedef struct note_record {
	char *id, *value, *county, *month;
	size_t *topics; /* while adding: indexes into topic_keys; after finishing: rows, ascending */
	size_t n_topics;
	size_t column; /* set by finish */
} note_record_t;

typedef struct topic_pair {
	size_t a, b; /* rows, a < b */
	string_list_t ids;
	double lift;
} topic_pair_t;

struct dd_report {
	dd_report_value_order_t order;
	int finished; /* dd_report_finish was called: no more records */
	int ready;    /* ... and succeeded: the figures below may be read */

	note_record_t *notes;
	size_t n_notes, notes_capacity;
	char **topic_keys; /* known topics, then keys met, in that order */
	size_t n_topic_keys, topic_keys_capacity;

	/* Derived by dd_report_finish.  Each array is allocated only after the
	 * count it is sized by has been recorded. */
	string_list_t all, untagged;
	size_t n_rows;               /* = n_topic_keys */
	const char **row_keys;       /* [n_rows] */
	string_list_t *row_ids;      /* [n_rows] */
	string_list_t *row_counties; /* [n_rows] */
	string_list_t *row_months;   /* [n_rows] */
	size_t *recurrence;          /* [n_rows]: rank -> row */
	size_t n_columns;
	const char **column_values; /* [n_columns] */
	string_list_t *column_ids;  /* [n_columns] */
	string_list_t *cells;       /* [n_rows * n_columns], row-major */
	size_t max_cell;
	topic_pair_t *pairs; /* [n_pairs], ranked */
	size_t n_pairs;
	int *pair_rank; /* [n_rows * n_rows]: rank of pair (a, b), or -1 */
};

static char *copy_string(const char *s)
{
	return strdup(s ? s : "");
}

/* Index of key in r->topic_keys, adding it when absent; -1 if out of memory. */
static long intern_topic(dd_report_t *r, const char *key)
{
	for (size_t i = 0; i < r->n_topic_keys; i++)
		if (strcmp(r->topic_keys[i], key) == 0)
			return (long)i;
	if (r->n_topic_keys == r->topic_keys_capacity) {
		size_t capacity = r->topic_keys_capacity ? r->topic_keys_capacity * 2 : 32;
		char **grown = realloc(r->topic_keys, capacity * sizeof *grown);
		if (!grown)
			return -1;
		r->topic_keys = grown;
		r->topic_keys_capacity = capacity;
	}
	char *copy = copy_string(key);
	if (!copy)
		return -1;
	r->topic_keys[r->n_topic_keys] = copy;
	return (long)r->n_topic_keys++;
}

dd_status_t dd_report_new(const char *const *known_topics, size_t n_known, dd_report_value_order_t order,
                          dd_report_t **out, dd_error_t *err)
{
	*out = NULL;
	dd_report_t *r = calloc(1, sizeof *r);
	if (!r)
		return dd_error_set(err, DD_ERR_NOMEM, "report: out of memory");
	r->order = order;
	for (size_t i = 0; i < n_known; i++) {
		if (known_topics[i] && known_topics[i][0] && intern_topic(r, known_topics[i]) < 0) {
			dd_report_free(r);
			return dd_error_set(err, DD_ERR_NOMEM, "report: out of memory");
		}
	}
	*out = r;
	return DD_OK;
}

static void free_note_record(note_record_t *n)
{
	free(n->id);
	free(n->value);
	free(n->county);
	free(n->month);
	free(n->topics);
}

dd_status_t dd_report_add(dd_report_t *r, const dd_report_record_t *record, dd_error_t *err)
{
	if (r->finished)
		return dd_error_set(err, DD_ERR_INVALID, "report: note %s added after the report was finished",
		                    record->id ? record->id : "");
	if (!record->id || !record->id[0])
		return dd_error_set(err, DD_ERR_INVALID, "report: a note without an id");
	if (r->n_notes == r->notes_capacity) {
		size_t capacity = r->notes_capacity ? r->notes_capacity * 2 : 256;
		note_record_t *grown = realloc(r->notes, capacity * sizeof *grown);
		if (!grown)
			return dd_error_set(err, DD_ERR_NOMEM, "report: out of memory");
		r->notes = grown;
		r->notes_capacity = capacity;
	}
	note_record_t n = { 0 };
	n.id = copy_string(record->id);
	n.value = copy_string(record->value);
	n.county = copy_string(record->county);
	n.month = copy_string(record->month);
	n.topics = calloc(record->n_topics + 1, sizeof *n.topics);
	int ok = n.id && n.value && n.county && n.month && n.topics;
	for (size_t i = 0; ok && i < record->n_topics; i++) {
		const char *key = record->topics[i];
		if (!key || !key[0])
			continue;
		long index = intern_topic(r, key);
		if (index < 0) {
			ok = 0;
			break;
		}
		size_t k = 0;
		while (k < n.n_topics && n.topics[k] != (size_t)index)
			k++;
		if (k == n.n_topics)
			n.topics[n.n_topics++] = (size_t)index;
	}
	if (!ok) {
		free_note_record(&n);
		return dd_error_set(err, DD_ERR_NOMEM, "report: out of memory");
	}
	r->notes[r->n_notes++] = n;
	return DD_OK;
}

static void free_lists(string_list_t *lists, size_t n)
{
	if (!lists)
		return;
	for (size_t i = 0; i < n; i++)
		free(lists[i].items);
	free(lists);
}

void dd_report_free(dd_report_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_notes; i++)
		free_note_record(&r->notes[i]);
	free(r->notes);
	for (size_t i = 0; i < r->n_topic_keys; i++)
		free(r->topic_keys[i]);
	free(r->topic_keys);
	free(r->all.items);
	free(r->untagged.items);
	free(r->row_keys);
	free_lists(r->row_ids, r->n_rows);
	free_lists(r->row_counties, r->n_rows);
	free_lists(r->row_months, r->n_rows);
	free(r->recurrence);
	free(r->column_values);
	free_lists(r->column_ids, r->n_columns);
	free_lists(r->cells, r->n_rows * r->n_columns);
	if (r->pairs)
		for (size_t i = 0; i < r->n_pairs; i++)
			free(r->pairs[i].ids.items);
	free(r->pairs);
	free(r->pair_rank);
	free(r);
}

/* ---- finishing --------------------------------------------------------- */

static int by_note_id(const void *a, const void *b)
{
	return strcmp(((const note_record_t *)a)->id, ((const note_record_t *)b)->id);
}

static int by_note_value(const void *a, const void *b)
{
	const note_record_t *const *x = a, *const *y = b;
	int c = strcmp((*x)->value, (*y)->value);
	if (c)
		return c;
	return *x < *y ? -1 : *x > *y;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t size_max(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Sorting with context: qsort has none, so the comparators below read the
 * report being finished from here (finishing is not re-entrant). */
static const dd_report_t *sorting_report;
static const size_t *sorting_counts;

/* Columns: most notes first, ties by value. */
static int by_column_count(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (sorting_counts[x] != sorting_counts[y])
		return sorting_counts[x] > sorting_counts[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Rows: most notes first, ties in the order the keys were known or met. */
static int by_topic_count(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (sorting_counts[x] != sorting_counts[y])
		return sorting_counts[x] > sorting_counts[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Recurrence: counties, then months, then notes, then row. */
static int by_recurrence(const void *a, const void *b)
{
	const dd_report_t *r = sorting_report;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (r->row_counties[x].n != r->row_counties[y].n)
		return r->row_counties[x].n > r->row_counties[y].n ? -1 : 1;
	if (r->row_months[x].n != r->row_months[y].n)
		return r->row_months[x].n > r->row_months[y].n ? -1 : 1;
	if (r->row_ids[x].n != r->row_ids[y].n)
		return r->row_ids[x].n > r->row_ids[y].n ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int by_pair_count(const void *a, const void *b)
{
	const topic_pair_t *x = a, *y = b;
	if (x->ids.n != y->ids.n)
		return x->ids.n > y->ids.n ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

static int by_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Allocates each list's items for the count already in its n, then sets n
 * back to 0 so a second pass can append.  Returns 0, or -1 out of memory. */
static int allocate_lists(string_list_t *lists, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		lists[i].items = calloc(lists[i].n + 1, sizeof *lists[i].items);
		if (!lists[i].items)
			return -1;
		lists[i].n = 0;
	}
	return 0;
}

/* The distinct strings among the notes of row `row`, picked by field
 * (offsetof a char * in note_record_t), sorted; empty strings left out. */
static int distinct_of_row(const dd_report_t *r, size_t row, size_t field, string_list_t *out)
{
	out->items = calloc(r->row_ids[row].n + 1, sizeof *out->items);
	if (!out->items)
		return -1;
	out->n = 0;
	for (size_t i = 0; i < r->n_notes; i++) {
		const note_record_t *n = &r->notes[i];
		const char *s = *(char *const *)((const char *)n + field);
		if (!s[0] || !bsearch(&row, n->topics, n->n_topics, sizeof *n->topics, by_size))
			continue;
		out->items[out->n++] = s;
	}
	qsort(out->items, out->n, sizeof *out->items, by_string);
	size_t kept = 0;
	for (size_t i = 0; i < out->n; i++)
		if (kept == 0 || strcmp(out->items[kept - 1], out->items[i]) != 0)
			out->items[kept++] = out->items[i];
	out->n = kept;
	return 0;
}

/* The columns: distinct values, ordered, each note given its column. */
static int finish_columns(dd_report_t *r)
{
	note_record_t **by_value = calloc(r->n_notes + 1, sizeof *by_value);
	size_t *name_rank = calloc(r->n_notes + 1, sizeof *name_rank);
	size_t *counts = calloc(r->n_notes + 1, sizeof *counts);
	size_t *order = calloc(r->n_notes + 1, sizeof *order);
	size_t *column_of = calloc(r->n_notes + 1, sizeof *column_of);
	const char **names = calloc(r->n_notes + 1, sizeof *names);
	int ok = by_value && name_rank && counts && order && column_of && names;
	if (ok) {
		for (size_t i = 0; i < r->n_notes; i++)
			by_value[i] = &r->notes[i];
		qsort(by_value, r->n_notes, sizeof *by_value, by_note_value);
		/* name_rank[k]: index among distinct values, by name, of by_value[k] */
		size_t distinct = 0;
		for (size_t k = 0; k < r->n_notes; k++) {
			if (k == 0 || strcmp(by_value[k - 1]->value, by_value[k]->value) != 0)
				names[distinct++] = by_value[k]->value;
			name_rank[k] = distinct - 1;
			counts[distinct - 1]++;
		}
		for (size_t v = 0; v < distinct; v++)
			order[v] = v;
		if (r->order == DD_REPORT_VALUES_BY_COUNT) {
			sorting_counts = counts;
			qsort(order, distinct, sizeof *order, by_column_count);
		}
		r->column_values = calloc(distinct + 1, sizeof *r->column_values);
		r->column_ids = calloc(distinct + 1, sizeof *r->column_ids);
		ok = r->column_values && r->column_ids;
		if (ok) {
			r->n_columns = distinct;
			for (size_t c = 0; c < distinct; c++) {
				r->column_values[c] = names[order[c]];
				column_of[order[c]] = c;
			}
			for (size_t k = 0; k < r->n_notes; k++)
				by_value[k]->column = column_of[name_rank[k]];
		}
	}
	free(by_value);
	free(name_rank);
	free(counts);
	free(order);
	free(column_of);
	free(names);
	return ok ? 0 : -1;
}

/* The rows: topics ordered by notes; each note's topics become rows. */
static int finish_rows(dd_report_t *r)
{
	size_t n = r->n_topic_keys;
	size_t *counts = calloc(n + 1, sizeof *counts);
	size_t *order = calloc(n + 1, sizeof *order);
	size_t *row_of = calloc(n + 1, sizeof *row_of);
	r->row_keys = calloc(n + 1, sizeof *r->row_keys);
	int ok = counts && order && row_of && r->row_keys;
	if (ok) {
		for (size_t i = 0; i < r->n_notes; i++)
			for (size_t k = 0; k < r->notes[i].n_topics; k++)
				counts[r->notes[i].topics[k]]++;
		for (size_t t = 0; t < n; t++)
			order[t] = t;
		sorting_counts = counts;
		qsort(order, n, sizeof *order, by_topic_count);
		for (size_t row = 0; row < n; row++) {
			r->row_keys[row] = r->topic_keys[order[row]];
			row_of[order[row]] = row;
		}
		for (size_t i = 0; i < r->n_notes; i++) {
			note_record_t *note = &r->notes[i];
			for (size_t k = 0; k < note->n_topics; k++)
				note->topics[k] = row_of[note->topics[k]];
			qsort(note->topics, note->n_topics, sizeof *note->topics, by_size);
		}
	}
	free(counts);
	free(order);
	free(row_of);
	return ok ? 0 : -1;
}

/* Note lists of rows, columns and cells, and the untagged notes. */
static int finish_matrix(dd_report_t *r)
{
	r->all.items = calloc(r->n_notes + 1, sizeof *r->all.items);
	r->untagged.items = calloc(r->n_notes + 1, sizeof *r->untagged.items);
	r->row_ids = calloc(r->n_rows + 1, sizeof *r->row_ids);
	r->cells = calloc(r->n_rows * r->n_columns + 1, sizeof *r->cells);
	if (!r->all.items || !r->untagged.items || !r->row_ids || !r->cells)
		return -1;
	/* first pass: counts */
	for (size_t i = 0; i < r->n_notes; i++) {
		const note_record_t *n = &r->notes[i];
		r->column_ids[n->column].n++;
		for (size_t k = 0; k < n->n_topics; k++) {
			r->row_ids[n->topics[k]].n++;
			r->cells[n->topics[k] * r->n_columns + n->column].n++;
		}
	}
	if (allocate_lists(r->row_ids, r->n_rows) || allocate_lists(r->column_ids, r->n_columns) ||
	    allocate_lists(r->cells, r->n_rows * r->n_columns))
		return -1;
	/* second pass: the ids, in id order */
	for (size_t i = 0; i < r->n_notes; i++) {
		const note_record_t *n = &r->notes[i];
		r->all.items[r->all.n++] = n->id;
		if (n->n_topics == 0)
			r->untagged.items[r->untagged.n++] = n->id;
		string_list_t *column = &r->column_ids[n->column];
		column->items[column->n++] = n->id;
		for (size_t k = 0; k < n->n_topics; k++) {
			string_list_t *row = &r->row_ids[n->topics[k]];
			row->items[row->n++] = n->id;
			string_list_t *cell = &r->cells[n->topics[k] * r->n_columns + n->column];
			cell->items[cell->n++] = n->id;
			r->max_cell = size_max(r->max_cell, cell->n);
		}
	}
	return 0;
}

static int finish_recurrence(dd_report_t *r)
{
	r->row_counties = calloc(r->n_rows + 1, sizeof *r->row_counties);
	r->row_months = calloc(r->n_rows + 1, sizeof *r->row_months);
	r->recurrence = calloc(r->n_rows + 1, sizeof *r->recurrence);
	if (!r->row_counties || !r->row_months || !r->recurrence)
		return -1;
	for (size_t row = 0; row < r->n_rows; row++) {
		if (distinct_of_row(r, row, offsetof(note_record_t, county), &r->row_counties[row]) ||
		    distinct_of_row(r, row, offsetof(note_record_t, month), &r->row_months[row]))
			return -1;
		r->recurrence[row] = row;
	}
	sorting_report = r;
	qsort(r->recurrence, r->n_rows, sizeof *r->recurrence, by_recurrence);
	return 0;
}

static int finish_pairs(dd_report_t *r)
{
	size_t rows = r->n_rows;
	r->pair_rank = malloc((rows * rows + 1) * sizeof *r->pair_rank);
	size_t *counts = calloc(rows * rows + 1, sizeof *counts);
	if (!r->pair_rank || !counts) {
		free(counts);
		return -1;
	}
	for (size_t i = 0; i < rows * rows; i++)
		r->pair_rank[i] = -1;
	size_t n_pairs = 0;
	for (size_t i = 0; i < r->n_notes; i++) {
		const note_record_t *n = &r->notes[i];
		for (size_t x = 0; x < n->n_topics; x++)
			for (size_t y = x + 1; y < n->n_topics; y++)
				if (counts[n->topics[x] * rows + n->topics[y]]++ == 0)
					n_pairs++;
	}
	r->pairs = calloc(n_pairs + 1, sizeof *r->pairs);
	if (!r->pairs) {
		free(counts);
		return -1;
	}
	for (size_t a = 0; a < rows; a++)
		for (size_t b = a + 1; b < rows; b++)
			if (counts[a * rows + b]) {
				topic_pair_t *p = &r->pairs[r->n_pairs++];
				p->a = a;
				p->b = b;
				p->ids.n = counts[a * rows + b];
				p->lift = (double)p->ids.n * (double)r->n_notes /
				          ((double)r->row_ids[a].n * (double)r->row_ids[b].n);
			}
	free(counts);
	qsort(r->pairs, r->n_pairs, sizeof *r->pairs, by_pair_count);
	for (size_t k = 0; k < r->n_pairs; k++) {
		const topic_pair_t *p = &r->pairs[k];
		r->pair_rank[p->a * rows + p->b] = r->pair_rank[p->b * rows + p->a] = (int)k;
		r->pairs[k].ids.items = calloc(p->ids.n + 1, sizeof *p->ids.items);
		if (!r->pairs[k].ids.items)
			return -1;
		r->pairs[k].ids.n = 0;
	}
	for (size_t i = 0; i < r->n_notes; i++) {
		const note_record_t *n = &r->notes[i];
		for (size_t x = 0; x < n->n_topics; x++)
			for (size_t y = x + 1; y < n->n_topics; y++) {
				topic_pair_t *p = &r->pairs[r->pair_rank[n->topics[x] * rows + n->topics[y]]];
				p->ids.items[p->ids.n++] = n->id;
			}
	}
	return 0;
}

dd_status_t dd_report_finish(dd_report_t *r, dd_error_t *err)
{
	if (r->finished)
		return dd_error_set(err, DD_ERR_INVALID, "report: finished twice");
	r->finished = 1;
	if (r->n_notes > 1) /* qsort wants a non-NULL array even when empty */
		qsort(r->notes, r->n_notes, sizeof *r->notes, by_note_id);
	for (size_t i = 1; i < r->n_notes; i++)
		if (strcmp(r->notes[i - 1].id, r->notes[i].id) == 0) {
			dd_error_set(err, DD_ERR_INVALID, "report: note %s added twice", r->notes[i].id);
			r->n_rows = r->n_columns = 0;
			return DD_ERR_INVALID;
		}
	if (finish_columns(r) || finish_rows(r))
		goto out_of_memory;
	r->n_rows = r->n_topic_keys;
	if (finish_matrix(r) || finish_recurrence(r) || finish_pairs(r))
		goto out_of_memory;
	r->ready = 1;
	return DD_OK;
out_of_memory:
	return dd_error_set(err, DD_ERR_NOMEM, "report: out of memory");
}

/* ---- accessors ---------------------------------------------------------- */

/* The items of a list (never NULL, so callers may loop on *n = 0). */
static const char *const *items_of(const string_list_t *list, size_t *n)
{
	static const char *const none[1] = { NULL };
	if (!list || !list->items) {
		*n = 0;
		return none;
	}
	*n = list->n;
	return list->items;
}

const char *const *dd_report_all_ids(const dd_report_t *r, size_t *n)
{
	return items_of(r->ready ? &r->all : NULL, n);
}

const char *const *dd_report_untagged_ids(const dd_report_t *r, size_t *n)
{
	return items_of(r->ready ? &r->untagged : NULL, n);
}

size_t dd_report_topic_count(const dd_report_t *r)
{
	return r->ready ? r->n_rows : 0;
}

const char *dd_report_topic_key(const dd_report_t *r, size_t t)
{
	return r->ready && t < r->n_rows ? r->row_keys[t] : NULL;
}

int dd_report_find_topic(const dd_report_t *r, const char *key)
{
	for (size_t t = 0; r->ready && key && t < r->n_rows; t++)
		if (strcmp(r->row_keys[t], key) == 0)
			return (int)t;
	return -1;
}

const char *const *dd_report_topic_ids(const dd_report_t *r, size_t t, size_t *n)
{
	return items_of(r->ready && t < r->n_rows ? &r->row_ids[t] : NULL, n);
}

size_t dd_report_value_count(const dd_report_t *r)
{
	return r->ready ? r->n_columns : 0;
}

const char *dd_report_value(const dd_report_t *r, size_t v)
{
	return r->ready && v < r->n_columns ? r->column_values[v] : NULL;
}

int dd_report_find_value(const dd_report_t *r, const char *value)
{
	for (size_t v = 0; r->ready && value && v < r->n_columns; v++)
		if (strcmp(r->column_values[v], value) == 0)
			return (int)v;
	return -1;
}

const char *const *dd_report_value_ids(const dd_report_t *r, size_t v, size_t *n)
{
	return items_of(r->ready && v < r->n_columns ? &r->column_ids[v] : NULL, n);
}

const char *const *dd_report_cell_ids(const dd_report_t *r, size_t t, size_t v, size_t *n)
{
	int inside = r->ready && t < r->n_rows && v < r->n_columns;
	return items_of(inside ? &r->cells[t * r->n_columns + v] : NULL, n);
}

size_t dd_report_cell(const dd_report_t *r, size_t t, size_t v)
{
	size_t n;
	dd_report_cell_ids(r, t, v, &n);
	return n;
}

size_t dd_report_max_cell(const dd_report_t *r)
{
	return r->ready ? r->max_cell : 0;
}

const char *const *dd_report_topic_counties(const dd_report_t *r, size_t t, size_t *n)
{
	return items_of(r->ready && t < r->n_rows ? &r->row_counties[t] : NULL, n);
}

const char *const *dd_report_topic_months(const dd_report_t *r, size_t t, size_t *n)
{
	return items_of(r->ready && t < r->n_rows ? &r->row_months[t] : NULL, n);
}

size_t dd_report_recurrence_topic(const dd_report_t *r, size_t rank)
{
	return r->ready && rank < r->n_rows ? r->recurrence[rank] : 0;
}

size_t dd_report_pair_count(const dd_report_t *r)
{
	return r->ready ? r->n_pairs : 0;
}

void dd_report_pair(const dd_report_t *r, size_t rank, size_t *topic_a, size_t *topic_b)
{
	int inside = r->ready && rank < r->n_pairs;
	*topic_a = inside ? r->pairs[rank].a : 0;
	*topic_b = inside ? r->pairs[rank].b : 0;
}

const char *const *dd_report_pair_ids(const dd_report_t *r, size_t rank, size_t *n)
{
	return items_of(r->ready && rank < r->n_pairs ? &r->pairs[rank].ids : NULL, n);
}

double dd_report_pair_lift(const dd_report_t *r, size_t rank)
{
	return r->ready && rank < r->n_pairs ? r->pairs[rank].lift : 0.0;
}

int dd_report_find_pair(const dd_report_t *r, size_t topic_a, size_t topic_b)
{
	if (!r->ready || topic_a >= r->n_rows || topic_b >= r->n_rows)
		return -1;
	return r->pair_rank[topic_a * r->n_rows + topic_b];
}
