/* scaled_corpus.c - copies of the bundled notes with deterministic
 * variation (see scaled_corpus.h for what changes per copy). */
#include "scaled_corpus.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buffer.h"
#include "note.h"

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_note_name(const char *name)
{
	size_t l = strlen(name);
	return name[0] != '.' && l > 3 && strcmp(name + l - 3, ".md") == 0;
}

typedef struct path_list {
	char **items;
	size_t count, capacity;
} path_list_t;

static dd_status_t list_below(const char *dir, path_list_t *out, dd_error_t *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return dd_error_set(err, DD_ERR_IO, "%s: cannot open folder: %s", dir, strerror(errno));
	dd_status_t s = DD_OK;
	struct dirent *e;
	while (s == DD_OK && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		dd_buffer_t path = { 0 };
		dd_buffer_printf(&path, "%s/%s", dir, e->d_name);
		char *p = dd_buffer_take(&path);
		struct stat st;
		if (!p) {
			s = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", dir);
		} else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			s = list_below(p, out, err);
			free(p);
		} else if (is_note_name(e->d_name) && DD_ARRAY_RESERVE(out->items, out->count, out->capacity, 1) == 0) {
			out->items[out->count++] = p;
		} else {
			if (is_note_name(e->d_name))
				s = dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", dir);
			free(p);
		}
	}
	closedir(d);
	return s;
}

dd_status_t dd_scaled_corpus_list(const char *dir, char ***paths, size_t *n, dd_error_t *err)
{
	path_list_t l = { 0 };
	dd_status_t s = list_below(dir, &l, err);
	if (s != DD_OK) {
		dd_scaled_corpus_list_free(l.items, l.count);
		return s;
	}
	if (l.count > 1)
		qsort(l.items, l.count, sizeof *l.items, by_string);
	*paths = l.items;
	*n = l.count;
	return DD_OK;
}

void dd_scaled_corpus_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* Paragraph offsets of a body, collected by dd_note_foreach_paragraph. */
typedef struct paragraphs {
	size_t (*items)[2];
	size_t count, capacity;
	int failed;
} paragraphs_t;

static int collect_paragraph(size_t number, size_t start, size_t end, void *ctx)
{
	(void)number;
	paragraphs_t *p = ctx;
	if (DD_ARRAY_RESERVE(p->items, p->count, p->capacity, 1) != 0) {
		p->failed = 1;
		return 1;
	}
	p->items[p->count][0] = start;
	p->items[p->count][1] = end;
	p->count++;
	return 0;
}

/* date moved by weeks weeks (a valid YYYY-MM-DD stays valid; anything
 * else is copied as it is) */
static void shift_date(const char *date, unsigned weeks, char out[16])
{
	struct tm tm = { 0 };
	snprintf(out, 16, "%s", date);
	if (!dd_date_valid(date) || sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += (int)weeks * 7;
	tm.tm_hour = 12; /* far from midnight: no daylight-saving surprise */
	time_t t = timegm(&tm);
	struct tm moved;
	if (t != (time_t)-1 && gmtime_r(&t, &moved))
		strftime(out, 16, "%Y-%m-%d", &moved);
}

/* One copy of note as the text of a .md file (NULL when out of memory). */
static char *copy_text(const dd_note_t *note, unsigned k)
{
	dd_buffer_t b = { 0 };
	char date[16];
	shift_date(note->date, k, date);
	dd_buffer_printf(&b, "---\nid: %s-%03u\n", note->id, k);
	if (k == 0)
		dd_buffer_printf(&b, "title: %s\n", note->title);
	else
		dd_buffer_printf(&b, "title: %s (%u)\n", note->title, k);
	const char *keys[] = { "author", "post", "city", "county", "township", "village", "date", "tags" };
	const char *values[] = { note->author,   note->post,    note->city, note->county,
		                 note->township, note->village, date,       note->tags };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (values[i][0])
			dd_buffer_printf(&b, "%s: %s\n", keys[i], values[i]);
	dd_buffer_puts(&b, "---\n");
	paragraphs_t p = { 0 };
	dd_note_foreach_paragraph(note->body, note->body_len, collect_paragraph, &p);
	for (size_t i = 0; !p.failed && i < p.count; i++) {
		size_t *para = p.items[(i + k) % p.count];
		size_t start = b.len + 1;
		dd_buffer_puts(&b, "\n");
		dd_buffer_add(&b, note->body + para[0], para[1] - para[0]);
		dd_buffer_puts(&b, "\n");
		for (size_t j = start; k > 0 && !b.failed && j < b.len; j++)
			if (b.s[j] >= '0' && b.s[j] <= '9')
				b.s[j] = (char)('0' + (b.s[j] - '0' + (int)k) % 10);
	}
	free(p.items);
	if (p.failed) {
		dd_buffer_free(&b);
		return NULL;
	}
	return dd_buffer_take(&b);
}

static dd_status_t write_file(const char *path, const char *text, const char *mode, dd_error_t *err)
{
	FILE *f = fopen(path, mode);
	if (!f)
		return dd_error_set(err, DD_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
	size_t len = strlen(text);
	int ok = fwrite(text, 1, len, f) == len;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? DD_OK : dd_error_set(err, DD_ERR_IO, "%s: cannot write", path);
}

static dd_status_t make_dir(const char *path, dd_error_t *err)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return dd_error_set(err, DD_ERR_IO, "%s: cannot create folder: %s", path, strerror(errno));
	return DD_OK;
}

dd_status_t dd_scaled_corpus_make(const char *src_dir, const char *out_dir, unsigned copies, size_t *made,
                                  dd_error_t *err)
{
	if (made)
		*made = 0;
	if (copies == 0 || copies > 999)
		return dd_error_set(err, DD_ERR_INVALID, "copies %u: use 1 to 999", copies);
	char **sources;
	size_t n;
	dd_status_t s = dd_scaled_corpus_list(src_dir, &sources, &n, err);
	if (s != DD_OK)
		return s;
	if (n == 0) {
		dd_scaled_corpus_list_free(sources, n);
		return dd_error_set(err, DD_ERR_INVALID, "%s: no .md notes", src_dir);
	}
	dd_note_t **notes = calloc(n, sizeof *notes);
	if (!notes)
		s = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	for (size_t i = 0; s == DD_OK && i < n; i++)
		s = dd_note_load(sources[i], &notes[i], err);
	s = s == DD_OK ? make_dir(out_dir, err) : s;
	for (unsigned k = 0; s == DD_OK && k < copies; k++) {
		dd_buffer_t dir = { 0 };
		dd_buffer_printf(&dir, "%s/c%03u", out_dir, k);
		if (dir.failed) {
			s = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
			break;
		}
		s = make_dir(dir.s, err);
		for (size_t i = 0; s == DD_OK && i < n; i++) {
			char *text = copy_text(notes[i], k);
			dd_buffer_t path = { 0 };
			dd_buffer_printf(&path, "%s/%s-%03u.md", dir.s, notes[i]->id, k);
			if (!text || path.failed)
				s = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
			else
				s = write_file(path.s, text, "w", err);
			if (s == DD_OK && made)
				(*made)++;
			free(text);
			dd_buffer_free(&path);
		}
		dd_buffer_free(&dir);
	}
	for (size_t i = 0; notes && i < n; i++)
		dd_note_free(notes[i]);
	free(notes);
	dd_scaled_corpus_list_free(sources, n);
	return s;
}

dd_status_t dd_scaled_corpus_change(const char *dir, size_t every, unsigned round, size_t *changed, dd_error_t *err)
{
	if (changed)
		*changed = 0;
	if (every == 0)
		return dd_error_set(err, DD_ERR_INVALID, "change every 0th note: use 1 or more");
	char **paths;
	size_t n;
	dd_status_t s = dd_scaled_corpus_list(dir, &paths, &n, err);
	if (s != DD_OK)
		return s;
	char line[128];
	snprintf(line, sizeof line, "\n\n补记（第%u轮）：又回访了一次，情况照旧。\n", round);
	for (size_t i = 0; s == DD_OK && i < n; i += every) {
		s = write_file(paths[i], line, "a", err);
		if (s == DD_OK && changed)
			(*changed)++;
	}
	dd_scaled_corpus_list_free(paths, n);
	return s;
}
