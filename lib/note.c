/* note.c - note parsing and validation (see note.h). */
#include "note.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "text.h"

static const char *const known_keys[] = { "id",     "title",    "author",  "post", "city",
	                                  "county", "township", "village", "date", "tags" };
#define N_KEYS (sizeof known_keys / sizeof known_keys[0])

int dd_date_valid(const char *s)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

void dd_note_free(dd_note_t *n)
{
	if (!n)
		return;
	free(n->path);
	free(n->id);
	free(n->title);
	free(n->author);
	free(n->post);
	free(n->city);
	free(n->county);
	free(n->township);
	free(n->village);
	free(n->date);
	free(n->tags);
	free(n->body);
	free(n);
}

static char **field(dd_note_t *n, const char *key)
{
	char **fields[] = { &n->id,     &n->title,    &n->author,  &n->post, &n->city,
		            &n->county, &n->township, &n->village, &n->date, &n->tags };
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(key, known_keys[i]) == 0)
			return fields[i];
	return NULL;
}

static char *dup_trimmed(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	char *p = malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* Joins the body's paragraphs with exactly one blank line between them,
 * dropping trailing spaces of lines and "\r". */
static char *clean_body(const char *s, size_t len, size_t *out_len)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t w = 0, blank_run = 0;
	const char *end = s + len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		const char *a = s, *b = le;
		while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t'))
			b--;
		const char *t = a;
		while (t < b && (*t == ' ' || *t == '\t'))
			t++;
		if (t == b) {
			blank_run++;
		} else {
			if (w > 0) {
				if (blank_run)
					out[w++] = '\n';
				out[w++] = '\n';
			}
			memcpy(out + w, a, (size_t)(b - a));
			w += (size_t)(b - a);
			blank_run = 0;
		}
		s = nl ? nl + 1 : end;
	}
	out[w] = '\0';
	*out_len = w;
	return out;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int dd_note_id_valid(const char *id)
{
	size_t len = strlen(id);
	if (len == 0 || len > 64 || !dd_utf8_valid(id, len, NULL))
		return 0;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (isspace(*p) || iscntrl(*p) || *p == '/')
			return 0;
	return 1;
}

dd_status_t dd_note_parse(const char *path, const char *data, size_t len, dd_note_t **out, dd_error_t *err)
{
	*out = NULL;
	size_t bad;
	if (!dd_utf8_valid(data, len, &bad))
		return dd_error_set(err, DD_ERR_INVALID, "%s: not valid UTF-8 (byte %zu)", path, bad);
	if (memchr(data, '\0', len))
		return dd_error_set(err, DD_ERR_INVALID, "%s: contains a NUL byte", path);
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	dd_note_t *n = calloc(1, sizeof *n);
	if (!n || !(n->path = strdup(path)))
		goto nomem;
	const char *p = data, *end = data + len;
	size_t lineno = 1;
	int has_front = len >= 3 && memcmp(p, "---", 3) == 0 &&
	                (len == 3 || p[3] == '\n' || (p[3] == '\r' && len > 4 && p[4] == '\n'));
	if (has_front) {
		p = memchr(p, '\n', (size_t)(end - p));
		p = p ? p + 1 : end;
		int closed = 0;
		while (p < end) {
			lineno++;
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			size_t ll = (size_t)(le - p);
			if (ll && p[ll - 1] == '\r')
				ll--;
			const char *line = p;
			p = nl ? nl + 1 : end;
			if (ll >= 3 && memcmp(line, "---", 3) == 0) {
				int only_dashes = 1;
				for (size_t k = 3; k < ll; k++)
					if (line[k] != ' ')
						only_dashes = 0;
				if (only_dashes) {
					closed = 1;
					break;
				}
			}
			size_t t = 0;
			while (t < ll && isspace((unsigned char)line[t]))
				t++;
			if (t == ll)
				continue; /* blank line inside front matter */
			const char *colon = memchr(line, ':', ll);
			if (!colon) {
				dd_note_free(n);
				return dd_error_set(err, DD_ERR_INVALID,
				                    "%s:%zu: front matter line is not 'key: value'", path, lineno);
			}
			char key[32];
			size_t kl = (size_t)(colon - line);
			while (kl && isspace((unsigned char)line[kl - 1]))
				kl--;
			if (kl == 0 || kl >= sizeof key) {
				dd_note_free(n);
				return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: bad front matter key", path, lineno);
			}
			memcpy(key, line, kl);
			key[kl] = '\0';
			char **slot = field(n, key);
			if (!slot) {
				dd_note_free(n);
				return dd_error_set(
				    err, DD_ERR_INVALID,
				    "%s:%zu: unknown front matter key '%s' (known: id, title, author, post, "
				    "city, county, township, village, date, tags)",
				    path, lineno, key);
			}
			if (*slot) {
				dd_note_free(n);
				return dd_error_set(err, DD_ERR_INVALID, "%s:%zu: key '%s' given twice", path, lineno,
				                    key);
			}
			if (!(*slot = dup_trimmed(colon + 1, (size_t)(line + ll - colon - 1))))
				goto nomem;
		}
		if (!closed) {
			dd_note_free(n);
			return dd_error_set(err, DD_ERR_INVALID, "%s: front matter is not closed by a '---' line",
			                    path);
		}
	}
	if (!(n->body = clean_body(p, (size_t)(end - p), &n->body_len)))
		goto nomem;
	if (!has_front) {
		/* Plain text: the first line is the title, the rest the body. */
		const char *nl = memchr(n->body, '\n', n->body_len);
		size_t tl = nl ? (size_t)(nl - n->body) : n->body_len;
		if (!(n->title = dup_trimmed(n->body, tl)))
			goto nomem;
		const char *b = nl ? nl : n->body + n->body_len;
		while (*b == '\n')
			b++;
		size_t rest = n->body_len - (size_t)(b - n->body);
		memmove(n->body, b, rest + 1);
		n->body_len = rest;
		if (n->body_len == 0 && n->title[0]) {
			/* A one-line note: the line is both title and body. */
			free(n->body);
			if (!(n->body = strdup(n->title)))
				goto nomem;
			n->body_len = strlen(n->body);
		}
	}
	if (!n->id) {
		const char *base = base_name(path);
		const char *dot = strrchr(base, '.');
		if (!(n->id = dup_trimmed(base, dot ? (size_t)(dot - base) : strlen(base))))
			goto nomem;
	}
	if (!dd_note_id_valid(n->id)) {
		/* the id is echoed unless it would break the message's line */
		int printable = 1;
		for (const unsigned char *p = (const unsigned char *)n->id; *p; p++)
			printable &= !iscntrl(*p);
		dd_error_set(err, DD_ERR_INVALID,
		             "%s: bad id '%s' (1-64 characters, no spaces, control characters or '/')", path,
		             printable ? n->id : "?");
		dd_note_free(n);
		return DD_ERR_INVALID;
	}
	if (n->date && n->date[0] && !dd_date_valid(n->date)) {
		dd_error_set(err, DD_ERR_INVALID, "%s: date '%s' is not an ISO date (YYYY-MM-DD)", path, n->date);
		dd_note_free(n);
		return DD_ERR_INVALID;
	}
	if (n->body_len == 0) {
		dd_note_free(n);
		return dd_error_set(err, DD_ERR_INVALID, "%s: the note has no body text", path);
	}
	if (!n->title || !n->title[0]) {
		dd_note_free(n);
		return dd_error_set(err, DD_ERR_INVALID, "%s: the note has no title", path);
	}
	char **all[] = { &n->author, &n->post, &n->city, &n->county, &n->township, &n->village, &n->date, &n->tags };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!*all[i] && !(*all[i] = strdup("")))
			goto nomem;
	*out = n;
	return DD_OK;
nomem:
	dd_note_free(n);
	return dd_error_set(err, DD_ERR_NOMEM, "%s: out of memory", path);
}

dd_status_t dd_note_load(const char *path, dd_note_t **out, dd_error_t *err)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	dd_status_t st = dd_read_file(path, 0, &buf, &len, err);
	if (st == DD_ERR_NOT_FOUND && err)
		err->status = st = DD_ERR_IO; /* a note named but missing cannot be read */
	if (st != DD_OK)
		return st;
	st = dd_note_parse(path, buf, len, out, err);
	free(buf);
	return st;
}

void dd_note_foreach_paragraph(const char *body, size_t len, int (*fn)(size_t, size_t, size_t, void *), void *ctx)
{
	size_t number = 1, start = 0;
	while (start < len) {
		const char *sep = NULL;
		for (size_t i = start; i + 1 < len; i++)
			if (body[i] == '\n' && body[i + 1] == '\n') {
				sep = body + i;
				break;
			}
		size_t end = sep ? (size_t)(sep - body) : len;
		if (fn(number++, start, end, ctx))
			return;
		start = end;
		while (start < len && body[start] == '\n')
			start++;
	}
}
