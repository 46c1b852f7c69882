/* quality.c - dd-bench-quality: compares dundian with three peers, side by
 * side in one run.
 *
 * Systems, each fed the same notes and the same queries:
 *   - dundian, driven through its real binaries (dundian-index once, then
 *     one dundian-search --json process per query);
 *   - SQLite FTS5 with the trigram tokenizer, ranked by bm25(), in memory;
 *   - Xapian's CJK n-gram indexing as omindex does it, through the
 *     baseline functions of lib/xapian_baseline.h;
 *   - ICU words + Xapian BM25: ICU's own word break iterator (locale zh,
 *     nothing of dundian's tokenizer, dictionary or thesaurus), each word a
 *     term, a query its words OR-ed: what a plain design would give.
 *
 * Measures (bench/dev/SCORING.md), in three parts that can be run alone:
 *   - topic: nDCG@10, P@10, MAP and recall@100 on the topic queries over
 *     the 200 labelled notes;
 *   - literal: recall, precision and the share returned exactly for quoted
 *     random Han substrings of 2-6 characters sampled (seeded,
 *     reproducibly) from the labelled notes;
 *   - items: known-item search over the whole corpus: the reciprocal rank
 *     of the one note each query looks for and found@10, per query style
 *     (named by the qid's letters: DR keywords, DE a half-remembered
 *     sentence, DA a plain description) and all together;
 * and median and p95 query latency.
 *
 * Notes are parsed here with a few lines of code (front matter + body) on
 * purpose: the bench must not share the parser it is judging.
 */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "eval_metrics.h"
#include "schema.h"
#include "status.h"
#include "xapian_baseline.h"
#include "xapian_wrap.h"

extern char **environ;

#define TOPIC_LIMIT 100    /* SCORING.md: the top 100 ids per query */
#define LITERAL_LIMIT 1000 /* more than there are notes: the whole set */
#define ITEM_LIMIT 100     /* SCORING.md: the top 100 ids per known-item query */
#define ITEM_FOUND_AT 10   /* found@10 */
#define DEFAULT_LITERAL_COUNT 300
#define DEFAULT_SEED UINT64_C(0x5eed0dd1a2b3c4d5)
#define LITERAL_MIN_CHARS 2
#define LITERAL_MAX_CHARS 6
#define EXAMPLES_SHOWN 5

/* room for a dd_error_t message (512) with some context around it */
typedef char bench_message_t[1024];

/* ---- small helpers -------------------------------------------------- */

static void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p) {
		fprintf(stderr, "dd-bench-quality: out of memory\n");
		exit(2);
	}
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fprintf(stderr, "dd-bench-quality: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *copy = xmalloc(n + 1);
	memcpy(copy, s, n);
	copy[n] = '\0';
	return copy;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* printf into a fresh malloc'd string */
static char *xformat(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xformat(const char *fmt, ...)
{
	char first_try[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(first_try, sizeof first_try, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0, first_try[0] = '\0';
	char *s = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof first_try) {
		memcpy(s, first_try, (size_t)n + 1);
		return s;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A growable byte buffer, always NUL-terminated. */
typedef struct byte_buffer {
	char *data;
	size_t len, cap;
} byte_buffer_t;

static void buffer_append(byte_buffer_t *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buffer_free(byte_buffer_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Reads a whole file, dropping '\r' so CRLF files parse like LF ones.
 * NULL (with errno set) if it cannot be read. */
static char *read_text_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	byte_buffer_t b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		size_t kept = 0;
		for (size_t i = 0; i < n; i++)
			if (chunk[i] != '\r')
				chunk[kept++] = chunk[i];
		buffer_append(&b, chunk, kept);
	}
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		buffer_free(&b);
		errno = EIO;
		return NULL;
	}
	if (!b.data)
		buffer_append(&b, "", 0);
	return b.data;
}

static size_t utf8_char_count(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Trims ASCII whitespace from both ends in place; returns the new start. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* A list of note ids returned by one search. */
typedef struct id_list {
	char **ids;
	size_t count, cap;
} id_list_t;

static void id_list_add(id_list_t *list, const char *id)
{
	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 64;
		list->ids = xrealloc(list->ids, list->cap * sizeof *list->ids);
	}
	list->ids[list->count++] = xstrdup(id);
}

static void id_list_clear(id_list_t *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->ids[i]);
	list->count = 0;
}

static void id_list_free(id_list_t *list)
{
	id_list_clear(list);
	free(list->ids);
	list->ids = NULL;
	list->cap = 0;
}

/* ---- the dev set: labels, queries, notes ----------------------------- */

typedef struct bench_note {
	char *id;
	char *path;
	char *title, *body;           /* as written in the file */
	char *nfkc_title, *nfkc_body; /* NFKC, for the literal ground truth */
	char *primary_topics;         /* "water,roads" (may be "") */
	char *secondary_topics;
} bench_note_t;

/* One line of queries.tsv or items.tsv: for a topic query target is the
 * topic key, for a known-item query the id of the one note looked for. */
typedef struct dev_query {
	char *qid, *target, *text;
} dev_query_t;

typedef struct literal_case {
	char *text; /* 2-6 Han characters, UTF-8, NFKC */
	size_t chars;
	const char **expected; /* ids of the notes that contain it */
	size_t expected_count;
} literal_case_t;

typedef struct dev_set {
	bench_note_t *notes;
	size_t note_count;
	dev_query_t *queries;
	size_t query_count;
	size_t skipped_queries; /* of a kind other than topic */
	literal_case_t *literals;
	size_t literal_count;
	dev_query_t *items;
	size_t item_count;
	size_t skipped_items; /* of a kind other than item */
	bench_note_t *corpus; /* every note of corpus/notes, for the items */
	size_t corpus_count;
} dev_set_t;

/* Splits line at tabs into at most max_fields fields (in place). */
static size_t split_tabs(char *line, char **fields, size_t max_fields)
{
	size_t n = 0;
	char *p = line;
	while (n < max_fields) {
		fields[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static int topic_listed(const char *list, const char *topic)
{
	size_t topic_len = strlen(topic);
	const char *p = list;
	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		size_t len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == topic_len && memcmp(p, topic, len) == 0)
			return 1;
		p = end;
	}
	return 0;
}

/* SCORING.md: 2 for a primary topic, 1 for a secondary one, else 0. */
static int note_grade(const bench_note_t *note, const char *topic)
{
	if (topic_listed(note->primary_topics, topic))
		return 2;
	if (topic_listed(note->secondary_topics, topic))
		return 1;
	return 0;
}

static int load_labels(dev_set_t *dev, const char *path, bench_message_t err)
{
	char *text = read_text_file(path);
	if (!text) {
		snprintf(err, sizeof(bench_message_t), "cannot read labels %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || trim(line)[0] == '\0')
			continue;
		char *fields[3] = { "", "", "" };
		split_tabs(line, fields, 3);
		char *id = trim(fields[0]);
		if (dev->note_count == cap) {
			cap = cap ? cap * 2 : 256;
			dev->notes = xrealloc(dev->notes, cap * sizeof *dev->notes);
		}
		bench_note_t *note = &dev->notes[dev->note_count++];
		memset(note, 0, sizeof *note);
		note->id = xstrdup(id);
		note->primary_topics = xstrdup(trim(fields[1]));
		note->secondary_topics = xstrdup(trim(fields[2]));
	}
	free(text);
	if (dev->note_count == 0) {
		snprintf(err, sizeof(bench_message_t), "no labelled notes in %s", path);
		return -1;
	}
	return 0;
}

/* Reads the queries of kind `kind` from a qid/kind/target/query file into
 * *out (*count of them); lines of other kinds are counted in *skipped. */
static int load_query_file(const char *path, const char *kind, dev_query_t **out, size_t *count, size_t *skipped,
                           bench_message_t err)
{
	char *text = read_text_file(path);
	if (!text) {
		snprintf(err, sizeof(bench_message_t), "cannot read queries %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || trim(line)[0] == '\0')
			continue;
		char *fields[4];
		if (split_tabs(line, fields, 4) < 4) {
			snprintf(err, sizeof(bench_message_t), "%s: malformed line (want qid, kind, target, query): %s",
			         path, line);
			free(text);
			return -1;
		}
		if (strcmp(trim(fields[1]), kind) != 0) {
			(*skipped)++;
			continue;
		}
		if (*count == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		dev_query_t *q = &(*out)[(*count)++];
		q->qid = xstrdup(trim(fields[0]));
		q->target = xstrdup(trim(fields[2]));
		q->text = xstrdup(trim(fields[3]));
	}
	free(text);
	if (*count == 0) {
		snprintf(err, sizeof(bench_message_t), "no %s queries in %s", kind, path);
		return -1;
	}
	return 0;
}

/* Front matter between two "---" lines (only title is needed), then the
 * body: everything after the closing line, trimmed. */
static int parse_note_file(bench_note_t *note, char *text, bench_message_t err)
{
	if (strncmp(text, "---\n", 4) != 0) {
		snprintf(err, sizeof(bench_message_t), "%s: no front matter (first line is not ---)", note->path);
		return -1;
	}
	char *front = text + 4;
	char *close = strstr(front, "\n---\n");
	char *body;
	if (close) {
		body = close + 5;
	} else {
		size_t n = strlen(front);
		if (n >= 4 && strcmp(front + n - 4, "\n---") == 0) {
			close = front + n - 4;
			body = front + n;
		} else {
			snprintf(err, sizeof(bench_message_t), "%s: front matter is not closed by ---", note->path);
			return -1;
		}
	}
	*close = '\0';
	char *save = NULL;
	for (char *line = strtok_r(front, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "title:", 6) != 0)
			continue;
		char *value = trim(line + 6);
		size_t n = strlen(value);
		if (n >= 2 &&
		    ((value[0] == '"' && value[n - 1] == '"') || (value[0] == '\'' && value[n - 1] == '\''))) {
			value[n - 1] = '\0';
			value++;
		}
		note->title = xstrdup(value);
	}
	if (!note->title)
		note->title = xstrdup("");
	note->body = xstrdup(trim(body));
	return 0;
}

/* UTF-8 -> NFKC UTF-16 (malloc'd, *len code units).  NULL on ICU error. */
static UChar *nfkc_utf16(const char *utf8, int32_t *len)
{
	UErrorCode status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
	if (U_FAILURE(status))
		return NULL;
	int32_t src_len = 0;
	status = U_ZERO_ERROR;
	u_strFromUTF8(NULL, 0, &src_len, utf8, -1, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
		return NULL;
	UChar *src = xmalloc(((size_t)src_len + 1) * sizeof *src);
	status = U_ZERO_ERROR;
	u_strFromUTF8(src, src_len + 1, NULL, utf8, -1, &status);
	if (U_FAILURE(status)) {
		free(src);
		return NULL;
	}
	status = U_ZERO_ERROR;
	int32_t out_len = unorm2_normalize(nfkc, src, src_len, NULL, 0, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
		free(src);
		return NULL;
	}
	UChar *out = xmalloc(((size_t)out_len + 1) * sizeof *out);
	status = U_ZERO_ERROR;
	unorm2_normalize(nfkc, src, src_len, out, out_len + 1, &status);
	free(src);
	if (U_FAILURE(status)) {
		free(out);
		return NULL;
	}
	*len = out_len;
	return out;
}

static char *utf16_to_utf8(const UChar *s, int32_t len)
{
	UErrorCode status = U_ZERO_ERROR;
	int32_t n = 0;
	u_strToUTF8(NULL, 0, &n, s, len, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
		return NULL;
	char *out = xmalloc((size_t)n + 1);
	status = U_ZERO_ERROR;
	u_strToUTF8(out, n + 1, NULL, s, len, &status);
	if (U_FAILURE(status)) {
		free(out);
		return NULL;
	}
	return out;
}

/* Reads corpus/notes/ID.md for a note whose id is set. */
static int read_note(bench_note_t *note, const char *repo, bench_message_t err)
{
	note->path = xformat("%s/corpus/notes/%s.md", repo, note->id);
	char *text = read_text_file(note->path);
	if (!text) {
		snprintf(err, sizeof(bench_message_t), "cannot read note %s: %s", note->path, strerror(errno));
		return -1;
	}
	int rc = parse_note_file(note, text, err);
	free(text);
	return rc;
}

static int load_notes(dev_set_t *dev, const char *repo, bench_message_t err)
{
	for (size_t i = 0; i < dev->note_count; i++) {
		bench_note_t *note = &dev->notes[i];
		if (read_note(note, repo, err) != 0)
			return -1;
		int32_t len;
		UChar *title16 = nfkc_utf16(note->title, &len);
		note->nfkc_title = title16 ? utf16_to_utf8(title16, len) : NULL;
		free(title16);
		UChar *body16 = nfkc_utf16(note->body, &len);
		note->nfkc_body = body16 ? utf16_to_utf8(body16, len) : NULL;
		free(body16);
		if (!note->nfkc_title || !note->nfkc_body) {
			snprintf(err, sizeof(bench_message_t), "%s: ICU could not NFKC-normalise the note", note->path);
			return -1;
		}
	}
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every note of corpus/notes (each *.md, in name order), for the known-item
 * queries, which SCORING.md runs over the whole corpus; and every item's
 * target must be one of them. */
static int load_corpus(dev_set_t *dev, const char *repo, bench_message_t err)
{
	char *dir_path = xformat("%s/corpus/notes", repo);
	DIR *dir = opendir(dir_path);
	if (!dir) {
		snprintf(err, sizeof(bench_message_t), "cannot read the corpus folder %s: %s", dir_path,
		         strerror(errno));
		free(dir_path);
		return -1;
	}
	char **ids = NULL;
	size_t count = 0, cap = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		size_t n = strlen(entry->d_name);
		if (entry->d_name[0] == '.' || n <= 3 || strcmp(entry->d_name + n - 3, ".md") != 0)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 512;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[count++] = xstrndup(entry->d_name, n - 3);
	}
	closedir(dir);
	free(dir_path);
	if (count > 1)
		qsort(ids, count, sizeof *ids, compare_strings);
	dev->corpus = xmalloc((count ? count : 1) * sizeof *dev->corpus);
	memset(dev->corpus, 0, (count ? count : 1) * sizeof *dev->corpus);
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		dev->corpus[dev->corpus_count++].id = ids[i]; /* the note owns it now */
		if (rc == 0 && read_note(&dev->corpus[i], repo, err) != 0)
			rc = -1;
	}
	free(ids);
	if (rc != 0)
		return -1;
	if (count == 0) {
		snprintf(err, sizeof(bench_message_t), "no notes (*.md) in %s/corpus/notes", repo);
		return -1;
	}
	for (size_t q = 0; q < dev->item_count; q++) {
		size_t i = 0;
		while (i < dev->corpus_count && strcmp(dev->corpus[i].id, dev->items[q].target) != 0)
			i++;
		if (i == dev->corpus_count) {
			snprintf(err, sizeof(bench_message_t),
			         "known-item query %s looks for %s, which is not in %s/corpus/notes", dev->items[q].qid,
			         dev->items[q].target, repo);
			return -1;
		}
	}
	return 0;
}

/* ---- literal strings: seeded sampling and ground truth ---------------- */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, and the same on every
 * platform, so a seed names one sample forever. */
static uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t random_below(uint64_t *state, size_t n)
{
	return (size_t)(splitmix64_next(state) % (uint64_t)n);
}

static int is_han(UChar32 c)
{
	UErrorCode status = U_ZERO_ERROR;
	return uscript_getScript(c, &status) == USCRIPT_HAN && U_SUCCESS(status);
}

/* One NFKC text (a title or a body) as code points. */
typedef struct code_point_text {
	UChar32 *chars;
	size_t len;
} code_point_text_t;

static code_point_text_t to_code_points(const char *utf8)
{
	code_point_text_t t = { 0 };
	UErrorCode status = U_ZERO_ERROR;
	int32_t n16 = 0;
	u_strFromUTF8(NULL, 0, &n16, utf8, -1, &status);
	UChar *s16 = xmalloc(((size_t)n16 + 1) * sizeof *s16);
	status = U_ZERO_ERROR;
	u_strFromUTF8(s16, n16 + 1, NULL, utf8, -1, &status);
	t.chars = xmalloc(((size_t)n16 + 1) * sizeof *t.chars);
	for (int32_t i = 0; i < n16;) {
		UChar32 c;
		U16_NEXT(s16, i, n16, c);
		t.chars[t.len++] = c;
	}
	free(s16);
	return t;
}

static void compute_literal_truth(dev_set_t *dev, literal_case_t *lit)
{
	lit->expected = xmalloc(dev->note_count * sizeof *lit->expected);
	lit->expected_count = 0;
	for (size_t i = 0; i < dev->note_count; i++) {
		const bench_note_t *note = &dev->notes[i];
		if (strstr(note->nfkc_title, lit->text) || strstr(note->nfkc_body, lit->text))
			lit->expected[lit->expected_count++] = note->id;
	}
}

/* Samples `count` distinct strings: a start drawn uniformly over every Han
 * character of every NFKC title and body, a length drawn uniformly from
 * 2..6; a draw that would run past the end of a Han run is redrawn. */
static int sample_literals(dev_set_t *dev, size_t count, uint64_t seed, bench_message_t err)
{
	size_t text_count = dev->note_count * 2;
	code_point_text_t *texts = xmalloc(text_count * sizeof *texts);
	size_t han_total = 0;
	for (size_t i = 0; i < dev->note_count; i++) {
		texts[2 * i] = to_code_points(dev->notes[i].nfkc_title);
		texts[2 * i + 1] = to_code_points(dev->notes[i].nfkc_body);
	}
	/* every Han position, as (text, offset) */
	typedef struct {
		uint32_t text, offset;
	} han_position_t;
	for (size_t t = 0; t < text_count; t++)
		for (size_t k = 0; k < texts[t].len; k++)
			han_total += is_han(texts[t].chars[k]);
	han_position_t *positions = xmalloc(han_total * sizeof *positions);
	size_t p = 0;
	for (size_t t = 0; t < text_count; t++)
		for (size_t k = 0; k < texts[t].len; k++)
			if (is_han(texts[t].chars[k]))
				positions[p++] = (han_position_t){ (uint32_t)t, (uint32_t)k };

	int rc = 0;
	dev->literals = xmalloc((count ? count : 1) * sizeof *dev->literals);
	dev->literal_count = 0;
	uint64_t state = seed;
	size_t attempts = 0, max_attempts = count * 1000 + 1000;
	while (dev->literal_count < count && han_total > 0 && attempts++ < max_attempts) {
		han_position_t start = positions[random_below(&state, han_total)];
		size_t chars = LITERAL_MIN_CHARS + random_below(&state, LITERAL_MAX_CHARS - LITERAL_MIN_CHARS + 1);
		const code_point_text_t *text = &texts[start.text];
		if (start.offset + chars > text->len)
			continue;
		int all_han = 1;
		for (size_t k = 0; k < chars && all_han; k++)
			all_han = is_han(text->chars[start.offset + k]);
		if (!all_han)
			continue;
		UChar buf16[LITERAL_MAX_CHARS * 2];
		int32_t len16 = 0;
		for (size_t k = 0; k < chars; k++) {
			UBool error = 0;
			U16_APPEND(buf16, len16, (int32_t)(sizeof buf16 / sizeof *buf16), text->chars[start.offset + k],
			           error);
			(void)error;
		}
		char *utf8 = utf16_to_utf8(buf16, len16);
		if (!utf8)
			continue;
		int duplicate = 0;
		for (size_t i = 0; i < dev->literal_count && !duplicate; i++)
			duplicate = strcmp(dev->literals[i].text, utf8) == 0;
		if (duplicate) {
			free(utf8);
			continue;
		}
		literal_case_t *lit = &dev->literals[dev->literal_count++];
		lit->text = utf8;
		lit->chars = chars;
		compute_literal_truth(dev, lit);
	}
	if (dev->literal_count < count) {
		snprintf(err, sizeof(bench_message_t), "could only sample %zu distinct literal strings of %zu",
		         dev->literal_count, count);
		rc = -1;
	}
	for (size_t t = 0; t < text_count; t++)
		free(texts[t].chars);
	free(texts);
	free(positions);
	return rc;
}

static void notes_free(bench_note_t *notes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		bench_note_t *n = &notes[i];
		free(n->id);
		free(n->path);
		free(n->title);
		free(n->body);
		free(n->nfkc_title);
		free(n->nfkc_body);
		free(n->primary_topics);
		free(n->secondary_topics);
	}
	free(notes);
}

static void queries_free(dev_query_t *queries, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(queries[i].qid);
		free(queries[i].target);
		free(queries[i].text);
	}
	free(queries);
}

static void dev_set_free(dev_set_t *dev)
{
	notes_free(dev->notes, dev->note_count);
	notes_free(dev->corpus, dev->corpus_count);
	queries_free(dev->queries, dev->query_count);
	queries_free(dev->items, dev->item_count);
	for (size_t i = 0; i < dev->literal_count; i++) {
		free(dev->literals[i].text);
		free(dev->literals[i].expected);
	}
	free(dev->literals);
}

/* ---- the systems under test ------------------------------------------ */

/* A search engine as the bench sees it.  open indexes the given notes;
 * search returns ranked ids for a topic query (literal = 0) or the
 * matching ids for a quoted literal string (literal = 1), with the latency
 * the bench should count for it. */
typedef struct bench_system bench_system_t;
struct bench_system {
	const char *name;       /* row label */
	const char *short_name; /* per-query column label */
	int (*open)(bench_system_t *sys, const bench_note_t *notes, size_t note_count, bench_message_t err);
	int (*search)(bench_system_t *sys, const char *text, int literal, size_t limit, id_list_t *out,
	              double *latency_ms, bench_message_t err);
	void (*close)(bench_system_t *sys);
	/* a sentence or two for the notes under the table (malloc'd or NULL) */
	char *(*describe)(bench_system_t *sys);
	void *state;
	const char *work_dir; /* a private temporary folder */
	const char *build_dir;
};

/* -- dundian, through its binaries -- */

typedef struct dundian_state {
	char *index_program, *search_program, *db_dir;
	size_t latency_from_engine, latency_from_wall_clock;
	double index_ms;
} dundian_state_t;

/* Runs argv (no shell) with stdin from /dev/null, collecting stdout and
 * stderr.  0 if it ran (whatever its exit status, in *exit_status: the
 * exit code, or 128 + signal), -1 if it could not be started. */
static int run_program(char *const argv[], byte_buffer_t *out, byte_buffer_t *errout, int *exit_status, double *wall_ms,
                       bench_message_t err)
{
	int out_pipe[2], err_pipe[2];
	if (pipe(out_pipe) != 0) {
		snprintf(err, sizeof(bench_message_t), "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(err_pipe) != 0) {
		snprintf(err, sizeof(bench_message_t), "pipe: %s", strerror(errno));
		close(out_pipe[0]);
		close(out_pipe[1]);
		return -1;
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
	posix_spawn_file_actions_addclose(&actions, out_pipe[1]);
	posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
	posix_spawn_file_actions_addclose(&actions, err_pipe[1]);

	double started = now_ms();
	pid_t pid;
	int spawn_error = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (spawn_error != 0) {
		snprintf(err, sizeof(bench_message_t), "cannot run %s: %s", argv[0], strerror(spawn_error));
		close(out_pipe[0]);
		close(err_pipe[0]);
		return -1;
	}

	/* read both pipes until both close, so neither can fill up and block */
	struct pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
	byte_buffer_t *sinks[2] = { out, errout };
	int open_count = 2;
	while (open_count > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[65536];
			ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
			if (n > 0) {
				buffer_append(sinks[i], chunk, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_count--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);

	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, sizeof(bench_message_t), "waitpid %s: %s", argv[0], strerror(errno));
			return -1;
		}
	}
	*wall_ms = now_ms() - started;
	if (WIFEXITED(status))
		*exit_status = WEXITSTATUS(status);
	else
		*exit_status = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 0;
}

/* The last line of a program's stderr, for error messages. */
static const char *last_line(byte_buffer_t *b)
{
	if (!b->data)
		return "(no message)";
	char *s = trim(b->data);
	char *nl = strrchr(s, '\n');
	return nl ? nl + 1 : (*s ? s : "(no message)");
}

static int dundian_open(bench_system_t *sys, const bench_note_t *notes, size_t note_count, bench_message_t err)
{
	dundian_state_t *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	sys->state = st;
	st->index_program = xformat("%s/bin/dundian-index", sys->build_dir);
	st->search_program = xformat("%s/bin/dundian-search", sys->build_dir);
	st->db_dir = xformat("%s/dundian-db", sys->work_dir);
	const char *programs[2] = { st->index_program, st->search_program };
	for (int i = 0; i < 2; i++) {
		if (access(programs[i], X_OK) != 0) {
			snprintf(
			    err, sizeof(bench_message_t),
			    "%s is missing (%s): build dundian first, e.g. cmake -S . -B build && cmake --build build,"
			    " or point --build-dir at your build folder",
			    programs[i], strerror(errno));
			return -1;
		}
	}
	char **argv = xmalloc((note_count + 4) * sizeof *argv);
	size_t argc = 0;
	argv[argc++] = st->index_program;
	argv[argc++] = "--db";
	argv[argc++] = st->db_dir;
	for (size_t i = 0; i < note_count; i++)
		argv[argc++] = notes[i].path;
	argv[argc] = NULL;
	byte_buffer_t out = { 0 }, errout = { 0 };
	int exit_status = 0;
	int rc = run_program(argv, &out, &errout, &exit_status, &st->index_ms, err);
	free(argv);
	if (rc == 0 && exit_status != 0) {
		snprintf(err, sizeof(bench_message_t), "dundian-index failed (exit %d): %s", exit_status,
		         last_line(&errout));
		rc = -1;
	}
	buffer_free(&out);
	buffer_free(&errout);
	return rc;
}

static int dundian_search(bench_system_t *sys, const char *text, int literal, size_t limit, id_list_t *out,
                          double *latency_ms, bench_message_t err)
{
	dundian_state_t *st = sys->state;
	char limit_text[32];
	snprintf(limit_text, sizeof limit_text, "%zu", limit);
	/* a literal string goes to the engine with its quotes: "子串" */
	char *query = literal ? xformat("\"%s\"", text) : xstrdup(text);
	/* The ids are all the bench needs: no snippets, as any tool reading
	 * ids would ask (snippet cost is measured by bench/latency). */
	char *argv[] = { st->search_program, "--db",     st->db_dir, "--json", "--no-snippets",
		         "--limit",          limit_text, query,      NULL };
	byte_buffer_t stdout_text = { 0 }, stderr_text = { 0 };
	int exit_status = 0;
	double wall_ms = 0;
	int rc = run_program(argv, &stdout_text, &stderr_text, &exit_status, &wall_ms, err);
	if (rc == 0 && exit_status != 0) {
		snprintf(err, sizeof(bench_message_t), "dundian-search %s failed (exit %d): %s", query, exit_status,
		         last_line(&stderr_text));
		rc = -1;
	}
	cJSON *json = NULL;
	if (rc == 0) {
		json = cJSON_ParseWithLength(stdout_text.data ? stdout_text.data : "", stdout_text.len);
		const cJSON *hits = json ? cJSON_GetObjectItemCaseSensitive(json, "hits") : NULL;
		if (stdout_text.len == 0) {
			snprintf(err, sizeof(bench_message_t), "dundian-search %s printed nothing (expected JSON)",
			         query);
			rc = -1;
		} else if (!cJSON_IsArray(hits)) {
			snprintf(err, sizeof(bench_message_t),
			         "dundian-search %s: output is not a JSON object with a"
			         " \"hits\" array: %.80s",
			         query, stdout_text.data);
			rc = -1;
		} else {
			const cJSON *hit;
			cJSON_ArrayForEach(hit, hits)
			{
				const cJSON *id = cJSON_GetObjectItemCaseSensitive(hit, "id");
				if (cJSON_IsString(id) && id->valuestring)
					id_list_add(out, id->valuestring);
			}
			const cJSON *elapsed = cJSON_GetObjectItemCaseSensitive(json, "elapsed_ms");
			if (cJSON_IsNumber(elapsed)) {
				*latency_ms = elapsed->valuedouble;
				st->latency_from_engine++;
			} else {
				*latency_ms = wall_ms;
				st->latency_from_wall_clock++;
			}
		}
	}
	cJSON_Delete(json);
	buffer_free(&stdout_text);
	buffer_free(&stderr_text);
	free(query);
	return rc;
}

static void dundian_close(bench_system_t *sys)
{
	dundian_state_t *st = sys->state;
	if (!st)
		return;
	free(st->index_program);
	free(st->search_program);
	free(st->db_dir);
	free(st);
	sys->state = NULL;
}

static char *dundian_describe(bench_system_t *sys)
{
	dundian_state_t *st = sys->state;
	if (!st)
		return NULL;
	const char *latency;
	if (st->latency_from_engine + st->latency_from_wall_clock == 0)
		latency = "not measured (no query succeeded)";
	else if (st->latency_from_wall_clock == 0)
		latency = "elapsed_ms reported by dundian-search (time inside the engine)";
	else if (st->latency_from_engine == 0)
		latency = "process wall time (dundian-search printed no elapsed_ms), so it includes"
		          " starting the process and opening the index";
	else
		latency = "a mix of elapsed_ms and process wall time (some outputs lacked elapsed_ms)";
	return xformat("dundian: latency is %s; indexing (dundian-index, wall) took %.0f ms.", latency, st->index_ms);
}

/* -- SQLite FTS5, trigram tokenizer -- */

typedef struct fts5_state {
	sqlite3 *db;
	sqlite3_stmt *match, *like;
	size_t topic_fallbacks, literal_fallbacks;
	double index_ms;
} fts5_state_t;

static int fts5_fail(fts5_state_t *st, const char *what, bench_message_t err)
{
	snprintf(err, sizeof(bench_message_t), "SQLite: %s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

static int fts5_open(bench_system_t *sys, const bench_note_t *notes, size_t note_count, bench_message_t err)
{
	fts5_state_t *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	sys->state = st;
	if (sqlite3_open(":memory:", &st->db) != SQLITE_OK)
		return fts5_fail(st, "open", err);
	double started = now_ms();
	if (sqlite3_exec(st->db,
	                 "CREATE VIRTUAL TABLE notes USING fts5(id UNINDEXED, title, body, tokenize='trigram');"
	                 "BEGIN;",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return fts5_fail(st, "create the fts5 table", err);
	sqlite3_stmt *insert;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO notes(id, title, body) VALUES (?1, ?2, ?3)", -1, &insert, NULL) !=
	    SQLITE_OK)
		return fts5_fail(st, "prepare insert", err);
	for (size_t i = 0; i < note_count; i++) {
		const bench_note_t *note = &notes[i];
		sqlite3_bind_text(insert, 1, note->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(insert, 2, note->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(insert, 3, note->body, -1, SQLITE_STATIC);
		if (sqlite3_step(insert) != SQLITE_DONE) {
			sqlite3_finalize(insert);
			return fts5_fail(st, "insert", err);
		}
		sqlite3_reset(insert);
	}
	sqlite3_finalize(insert);
	if (sqlite3_exec(st->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		return fts5_fail(st, "commit", err);
	st->index_ms = now_ms() - started;
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM notes WHERE notes MATCH ?1 ORDER BY bm25(notes) LIMIT ?2", -1,
	                       &st->match, NULL) != SQLITE_OK)
		return fts5_fail(st, "prepare match", err);
	/* shorter than a trigram: a plain scan, in note order (no ranking) */
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT id FROM notes WHERE title LIKE ?1 ESCAPE '\\' OR body LIKE ?1 ESCAPE '\\'"
	                       " ORDER BY rowid LIMIT ?2",
	                       -1, &st->like, NULL) != SQLITE_OK)
		return fts5_fail(st, "prepare like", err);
	return 0;
}

/* "text" as an FTS5 string: inside double quotes, quotes doubled. */
static char *fts5_phrase(const char *text)
{
	byte_buffer_t b = { 0 };
	buffer_append(&b, "\"", 1);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			buffer_append(&b, "\"\"", 2);
		else
			buffer_append(&b, p, 1);
	}
	buffer_append(&b, "\"", 1);
	return b.data;
}

/* %text% for LIKE, with %, _ and \ escaped by \. */
static char *like_pattern(const char *text)
{
	byte_buffer_t b = { 0 };
	buffer_append(&b, "%", 1);
	for (const char *p = text; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buffer_append(&b, "\\", 1);
		buffer_append(&b, p, 1);
	}
	buffer_append(&b, "%", 1);
	return b.data;
}

/* Length in bytes of the space (ASCII blank or U+3000) at s, or 0. */
static size_t space_at(const char *s)
{
	if (*s == ' ' || *s == '\t')
		return 1;
	return strncmp(s, "\xe3\x80\x80", 3) == 0 ? 3 : 0;
}

/* A ranked query as an FTS5 expression: each piece between spaces a quoted
 * phrase, the phrases OR-ed, as a user typing keywords means them (a topic
 * query is one piece, so one phrase).  A piece under 3 characters cannot
 * match a trigram and is left out; NULL when no piece is left. */
static char *fts5_ranked_expression(const char *text)
{
	byte_buffer_t b = { 0 };
	const char *p = text;
	while (*p) {
		size_t n;
		while ((n = space_at(p)) > 0)
			p += n;
		const char *end = p;
		while (*end && space_at(end) == 0)
			end++;
		char *piece = xstrndup(p, (size_t)(end - p));
		if (utf8_char_count(piece) >= 3) {
			char *phrase = fts5_phrase(piece);
			if (b.len)
				buffer_append(&b, " OR ", 4);
			buffer_append(&b, phrase, strlen(phrase));
			free(phrase);
		}
		free(piece);
		p = end;
	}
	return b.data;
}

static int fts5_search(bench_system_t *sys, const char *text, int literal, size_t limit, id_list_t *out,
                       double *latency_ms, bench_message_t err)
{
	fts5_state_t *st = sys->state;
	double started = now_ms();
	char *pattern = literal ? (utf8_char_count(text) < 3 ? NULL : fts5_phrase(text)) : fts5_ranked_expression(text);
	int short_string = pattern == NULL;
	sqlite3_stmt *stmt = short_string ? st->like : st->match;
	if (short_string)
		pattern = like_pattern(text);
	if (short_string && literal)
		st->literal_fallbacks++;
	else if (short_string)
		st->topic_fallbacks++;
	sqlite3_bind_text(stmt, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		id_list_add(out, (const char *)sqlite3_column_text(stmt, 0));
	*latency_ms = now_ms() - started;
	int result = 0;
	if (rc != SQLITE_DONE) {
		snprintf(err, sizeof(bench_message_t), "SQLite: query %s: %s", pattern, sqlite3_errmsg(st->db));
		result = -1;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	free(pattern);
	return result;
}

static void fts5_close(bench_system_t *sys)
{
	fts5_state_t *st = sys->state;
	if (!st)
		return;
	sqlite3_finalize(st->match);
	sqlite3_finalize(st->like);
	sqlite3_close(st->db);
	free(st);
	sys->state = NULL;
}

static char *fts5_describe(bench_system_t *sys)
{
	fts5_state_t *st = sys->state;
	if (!st)
		return NULL;
	return xformat("SQLite FTS5: in-memory table over title and body, each query a quoted phrase ranked by"
	               " bm25() (a query with spaces: its pieces of 3 or more characters as phrases OR-ed);"
	               " strings under 3 characters cannot match a trigram, so they fall back to an"
	               " unranked LIKE '%%...%%' scan in note order (%zu topic, %zu literal queries);"
	               " latency in process; indexing took %.0f ms.",
	               st->topic_fallbacks, st->literal_fallbacks, st->index_ms);
}

/* -- Xapian CJK n-grams (omindex's way), through the wrapper -- */

/* The state of both Xapian peers (the n-gram one has no break iterator). */
typedef struct xapian_state {
	dd_db_t *db;
	double index_ms;
	UBreakIterator *words; /* ICU words: the word break iterator */
	size_t empty_queries;  /* ICU words: queries with no word at all */
} xapian_state_t;

/* Runs query (NULL: it could not be built) on st->db with BM25 at Xapian's
 * defaults, appending the ids of up to limit hits to out and freeing the
 * query; *latency_ms from started. */
static int xapian_run_query(xapian_state_t *st, const char *peer, dd_query_t *query, const char *text, size_t limit,
                            id_list_t *out, double started, double *latency_ms, bench_message_t err)
{
	if (!query) {
		snprintf(err, sizeof(bench_message_t), "%s: cannot build the query for %s", peer, text);
		return -1;
	}
	dd_search_options_t opts;
	memset(&opts, 0, sizeof opts);
	opts.limit = limit;
	dd_results_t *results = NULL;
	dd_error_t e;
	dd_error_clear(&e);
	dd_status_t s = dd_db_search(st->db, query, &opts, &results, &e);
	if (s == DD_OK) {
		size_t n = dd_results_count(results);
		for (size_t i = 0; i < n; i++)
			id_list_add(out, dd_results_id(results, i));
		s = dd_results_error(results, &e); /* a hit whose id could not be read */
	}
	*latency_ms = now_ms() - started;
	dd_results_free(results);
	dd_query_free(query);
	if (s != DD_OK) {
		snprintf(err, sizeof(bench_message_t), "%s: query %s: %s", peer, text, e.message);
		return -1;
	}
	return 0;
}

/* Indexes one note's text (title, blank line, body) as the document with
 * unique term idterm. */
typedef dd_status_t (*xapian_index_fn)(xapian_state_t *st, const char *idterm, const char *text, dd_error_t *e);

/* Builds a Xapian peer's index of the notes in folder dir_name of the work
 * folder, one transaction, timed. */
static int xapian_build(bench_system_t *sys, const char *peer, const char *dir_name, xapian_index_fn index_note,
                        const bench_note_t *notes, size_t note_count, bench_message_t err)
{
	xapian_state_t *st = sys->state;
	char *dir = xformat("%s/%s", sys->work_dir, dir_name);
	dd_error_t e;
	dd_error_clear(&e);
	double started = now_ms();
	dd_status_t s = dd_db_open_write(dir, &st->db, &e);
	free(dir);
	if (s == DD_OK)
		s = dd_db_begin(st->db, &e);
	for (size_t i = 0; s == DD_OK && i < note_count; i++) {
		const bench_note_t *note = &notes[i];
		char *idterm = xformat(DD_PREFIX_ID "%s", note->id);
		char *text = xformat("%s\n\n%s", note->title, note->body);
		s = index_note(st, idterm, text, &e);
		free(idterm);
		free(text);
	}
	if (s == DD_OK)
		s = dd_db_commit(st->db, &e);
	st->index_ms = now_ms() - started;
	if (s != DD_OK) {
		snprintf(err, sizeof(bench_message_t), "%s: %s (%s)", peer, e.message, dd_status_name(s));
		return -1;
	}
	return 0;
}

static dd_status_t ngram_index_note(xapian_state_t *st, const char *idterm, const char *text, dd_error_t *e)
{
	return dd_baseline_ngram_index(st->db, idterm, text, e);
}

static int xapian_open(bench_system_t *sys, const bench_note_t *notes, size_t note_count, bench_message_t err)
{
	xapian_state_t *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	sys->state = st;
	return xapian_build(sys, "Xapian n-gram baseline", "xapian-ngram-db", ngram_index_note, notes, note_count, err);
}

static int xapian_search(bench_system_t *sys, const char *text, int literal, size_t limit, id_list_t *out,
                         double *latency_ms, bench_message_t err)
{
	xapian_state_t *st = sys->state;
	double started = now_ms();
	return xapian_run_query(st, "Xapian n-gram baseline", dd_baseline_ngram_query(text, literal), text, limit, out,
	                        started, latency_ms, err);
}

static void xapian_close(bench_system_t *sys)
{
	xapian_state_t *st = sys->state;
	if (!st)
		return;
	if (st->db)
		dd_db_close(st->db);
	if (st->words)
		ubrk_close(st->words);
	free(st);
	sys->state = NULL;
}

static char *xapian_describe(bench_system_t *sys)
{
	xapian_state_t *st = sys->state;
	if (!st)
		return NULL;
	return xformat("Xapian CJK n-grams: title and body through TermGenerator with FLAG_CJK_NGRAM (as"
	               " omindex), ranked (topic and known-item) queries by QueryParser (default OR; the n-grams of"
	               " one run of Han characters must all match), literal strings as a phrase;"
	               " latency in process; indexing took %.0f ms.",
	               st->index_ms);
}

/* -- ICU words + Xapian BM25: the plain design, through the wrapper's
 * generic document and query calls -- */

/* A text's words by ICU's word break iterator (locale zh: ICU's own
 * breaking of Han runs with its built-in word list, nothing of dundian's
 * tokenizer, dictionary or thesaurus), after NFKC and case folding, as a
 * list of UTF-8 strings.  Spaces and punctuation (rule status
 * UBRK_WORD_NONE) are no words; a word longer than a Xapian term may be is
 * dropped. */
static dd_status_t icu_words(UBreakIterator *bi, const char *utf8, id_list_t *words, dd_error_t *e)
{
	int32_t len = 0;
	UChar *nfkc = nfkc_utf16(utf8, &len);
	if (!nfkc)
		return dd_error_set(e, DD_ERR_ICU, "ICU could not NFKC-normalise %.80s", utf8);
	UErrorCode status = U_ZERO_ERROR;
	UChar *folded = xmalloc(((size_t)len * 3 + 1) * sizeof *folded); /* folding may grow a text */
	int32_t folded_len = u_strFoldCase(folded, len * 3 + 1, nfkc, len, U_FOLD_CASE_DEFAULT, &status);
	free(nfkc);
	if (U_SUCCESS(status))
		ubrk_setText(bi, folded, folded_len, &status);
	if (U_FAILURE(status)) {
		free(folded);
		return dd_error_set(e, DD_ERR_ICU, "ICU word break: %s", u_errorName(status));
	}
	for (int32_t start = ubrk_first(bi), end = ubrk_next(bi); end != UBRK_DONE; start = end, end = ubrk_next(bi)) {
		if (ubrk_getRuleStatus(bi) < UBRK_WORD_NONE_LIMIT)
			continue;
		char *word = utf16_to_utf8(folded + start, end - start);
		if (word && *word && strlen(word) <= DD_TERM_MAX_BYTES)
			id_list_add(words, word);
		free(word);
	}
	/* the iterator must not keep pointing at freed text */
	status = U_ZERO_ERROR;
	ubrk_setText(bi, NULL, 0, &status);
	free(folded);
	return DD_OK;
}

/* Each word a term at its position (from 1), so a literal string can be
 * a phrase of words. */
static dd_status_t icu_index_note(xapian_state_t *st, const char *idterm, const char *text, dd_error_t *e)
{
	id_list_t words = { 0 };
	dd_status_t s = icu_words(st->words, text, &words, e);
	if (s != DD_OK)
		return s;
	dd_doc_t *doc = dd_doc_new();
	if (!doc) {
		id_list_free(&words);
		return dd_error_set(e, DD_ERR_NOMEM, "out of memory for the document %s", idterm);
	}
	for (size_t w = 0; s == DD_OK && w < words.count; w++)
		s = dd_doc_add_posting(doc, words.ids[w], (unsigned)w + 1, 1, e);
	if (s == DD_OK)
		s = dd_db_replace_doc(st->db, idterm, doc, e);
	dd_doc_free(doc);
	id_list_free(&words);
	return s;
}

static int icu_open(bench_system_t *sys, const bench_note_t *notes, size_t note_count, bench_message_t err)
{
	xapian_state_t *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	sys->state = st;
	UErrorCode status = U_ZERO_ERROR;
	st->words = ubrk_open(UBRK_WORD, "zh", NULL, 0, &status);
	if (U_FAILURE(status)) {
		st->words = NULL;
		snprintf(err, sizeof(bench_message_t), "ICU words: cannot open a zh word break iterator: %s",
		         u_errorName(status));
		return -1;
	}
	return xapian_build(sys, "ICU words + Xapian", "xapian-icu-words-db", icu_index_note, notes, note_count, err);
}

/* A ranked query: the distinct words OR-ed, a repeated word with a higher
 * query frequency (as QueryParser would); a literal string: the phrase of
 * its words. */
static dd_query_t *icu_query(const id_list_t *words, int literal)
{
	if (words->count == 0)
		return dd_query_match_nothing();
	if (literal)
		return dd_query_phrase((const char *const *)words->ids, words->count, 0);
	dd_query_t **terms = xmalloc(words->count * sizeof *terms);
	size_t n = 0;
	for (size_t w = 0; w < words->count; w++) {
		size_t earlier = 0;
		while (earlier < w && strcmp(words->ids[earlier], words->ids[w]) != 0)
			earlier++;
		if (earlier < w)
			continue; /* counted with its first occurrence */
		unsigned wqf = 1;
		for (size_t later = w + 1; later < words->count; later++)
			wqf += strcmp(words->ids[later], words->ids[w]) == 0;
		terms[n++] = dd_query_term(words->ids[w], wqf);
	}
	dd_query_t *query = dd_query_combine(DD_QUERY_OR, terms, n);
	free(terms);
	return query;
}

static int icu_search(bench_system_t *sys, const char *text, int literal, size_t limit, id_list_t *out,
                      double *latency_ms, bench_message_t err)
{
	xapian_state_t *st = sys->state;
	double started = now_ms();
	id_list_t words = { 0 };
	dd_error_t e;
	if (icu_words(st->words, text, &words, &e) != DD_OK) {
		id_list_free(&words);
		snprintf(err, sizeof(bench_message_t), "ICU words + Xapian: %s", e.message);
		return -1;
	}
	st->empty_queries += words.count == 0;
	dd_query_t *query = icu_query(&words, literal);
	id_list_free(&words);
	return xapian_run_query(st, "ICU words + Xapian", query, text, limit, out, started, latency_ms, err);
}

static char *icu_describe(bench_system_t *sys)
{
	xapian_state_t *st = sys->state;
	if (!st)
		return NULL;
	return xformat("ICU words + Xapian BM25: title and body NFKC-normalised and case-folded, broken into"
	               " words by ICU's word break iterator (locale zh; spaces and punctuation dropped), each"
	               " word a positioned term; a query is its words OR-ed, BM25 with Xapian's defaults; a"
	               " literal string is the phrase of its words, so a string whose words ICU breaks"
	               " differently inside a note is missed; %zu queries had no word; latency in process"
	               " (breaking the query included); indexing took %.0f ms.",
	               st->empty_queries, st->index_ms);
}

/* ---- running and scoring ------------------------------------------- */

typedef struct system_run {
	bench_system_t *sys;        /* over the labelled notes: topics, literals */
	bench_system_t *corpus_sys; /* the same engine over the whole corpus: items */
	int opened;
	bench_message_t open_error;
	int corpus_opened;
	bench_message_t corpus_open_error;
	double corpus_index_ms; /* wall time of corpus_sys->open */
	size_t *item_rank;      /* per known-item query: the target's rank, 0 = not in the top 100 */
	double *item_latencies;
	size_t item_latency_count;
	double *ndcg, *precision10, *average_precision, *recall100; /* per topic query */
	dd_eval_set_score_t *literal_scores;                        /* per literal */
	size_t *literal_returned;
	double *latencies; /* of the queries that ran: topic queries, then literal strings */
	size_t latency_count;
	size_t topic_latency_count; /* the first ones, from topic queries */
	size_t failed_queries;
	bench_message_t first_query_error;
} system_run_t;

static size_t note_index(const dev_set_t *dev, const char *id)
{
	for (size_t i = 0; i < dev->note_count; i++)
		if (strcmp(dev->notes[i].id, id) == 0)
			return i;
	return SIZE_MAX;
}

static void record_query_error(system_run_t *run, const bench_message_t err)
{
	if (run->failed_queries++ == 0)
		snprintf(run->first_query_error, sizeof run->first_query_error, "%s", err);
}

/* Topic queries and literal strings over the labelled notes (none when
 * the dev set holds none: --only). */
static void run_system(system_run_t *run, const dev_set_t *dev)
{
	bench_system_t *sys = run->sys;
	size_t nq = dev->query_count, nl = dev->literal_count;
	if (nq + nl == 0)
		return;
	run->ndcg = calloc(nq ? nq : 1, sizeof(double));
	run->precision10 = calloc(nq ? nq : 1, sizeof(double));
	run->average_precision = calloc(nq ? nq : 1, sizeof(double));
	run->recall100 = calloc(nq ? nq : 1, sizeof(double));
	run->literal_scores = calloc(nl ? nl : 1, sizeof(dd_eval_set_score_t));
	run->literal_returned = calloc(nl ? nl : 1, sizeof(size_t));
	run->latencies = calloc(nq + nl, sizeof(double));
	if (!run->ndcg || !run->precision10 || !run->average_precision || !run->recall100 || !run->literal_scores ||
	    !run->literal_returned || !run->latencies) {
		fprintf(stderr, "dd-bench-quality: out of memory\n");
		exit(2);
	}

	fprintf(stderr, "dd-bench-quality: %s: indexing %zu notes...\n", sys->name, dev->note_count);
	if (sys->open(sys, dev->notes, dev->note_count, run->open_error) != 0)
		return;
	run->opened = 1;

	int *all_grades = xmalloc(dev->note_count * sizeof *all_grades);
	int *ranked_grades = xmalloc(TOPIC_LIMIT * sizeof *ranked_grades);
	id_list_t hits = { 0 };
	bench_message_t err;
	fprintf(stderr, "dd-bench-quality: %s: %zu topic queries, %zu literal strings...\n", sys->name, nq, nl);
	for (size_t q = 0; q < nq; q++) {
		const dev_query_t *query = &dev->queries[q];
		size_t relevant_total = 0;
		for (size_t i = 0; i < dev->note_count; i++) {
			all_grades[i] = note_grade(&dev->notes[i], query->target);
			relevant_total += all_grades[i] >= 1;
		}
		id_list_clear(&hits);
		double latency = 0;
		if (sys->search(sys, query->text, 0, TOPIC_LIMIT, &hits, &latency, err) != 0) {
			record_query_error(run, err);
			id_list_clear(&hits);
		} else {
			run->latencies[run->latency_count++] = latency;
		}
		size_t ranked = hits.count < TOPIC_LIMIT ? hits.count : TOPIC_LIMIT;
		for (size_t r = 0; r < ranked; r++) {
			size_t i = note_index(dev, hits.ids[r]);
			ranked_grades[r] = i == SIZE_MAX ? 0 : all_grades[i];
		}
		run->ndcg[q] = dd_eval_ndcg_at(ranked_grades, ranked, all_grades, dev->note_count, 10);
		run->precision10[q] = dd_eval_precision_at(ranked_grades, ranked, 10);
		run->average_precision[q] = dd_eval_average_precision(ranked_grades, ranked, relevant_total);
		run->recall100[q] = dd_eval_recall_at(ranked_grades, ranked, TOPIC_LIMIT, relevant_total);
	}
	run->topic_latency_count = run->latency_count;
	for (size_t l = 0; l < nl; l++) {
		const literal_case_t *lit = &dev->literals[l];
		id_list_clear(&hits);
		double latency = 0;
		if (sys->search(sys, lit->text, 1, LITERAL_LIMIT, &hits, &latency, err) != 0) {
			record_query_error(run, err);
			id_list_clear(&hits);
		} else {
			run->latencies[run->latency_count++] = latency;
		}
		run->literal_scores[l] =
		    dd_eval_compare_sets((const char *const *)hits.ids, hits.count, lit->expected, lit->expected_count);
		run->literal_returned[l] = hits.count;
	}
	id_list_free(&hits);
	free(ranked_grades);
	free(all_grades);
}

/* Known-item queries over the whole corpus: the rank of each target. */
static void run_items(system_run_t *run, const dev_set_t *dev)
{
	bench_system_t *sys = run->corpus_sys;
	size_t ni = dev->item_count;
	if (ni == 0)
		return;
	run->item_rank = calloc(ni, sizeof(size_t));
	run->item_latencies = calloc(ni, sizeof(double));
	if (!run->item_rank || !run->item_latencies) {
		fprintf(stderr, "dd-bench-quality: out of memory\n");
		exit(2);
	}
	fprintf(stderr, "dd-bench-quality: %s: indexing the whole corpus, %zu notes...\n", sys->name,
	        dev->corpus_count);
	double started = now_ms();
	if (sys->open(sys, dev->corpus, dev->corpus_count, run->corpus_open_error) != 0)
		return;
	run->corpus_index_ms = now_ms() - started;
	run->corpus_opened = 1;
	fprintf(stderr, "dd-bench-quality: %s: %zu known-item queries...\n", sys->name, ni);
	id_list_t hits = { 0 };
	bench_message_t err;
	for (size_t q = 0; q < ni; q++) {
		id_list_clear(&hits);
		double latency = 0;
		if (sys->search(sys, dev->items[q].text, 0, ITEM_LIMIT, &hits, &latency, err) != 0) {
			record_query_error(run, err);
			id_list_clear(&hits);
		} else {
			run->item_latencies[run->item_latency_count++] = latency;
		}
		size_t ranked = hits.count < ITEM_LIMIT ? hits.count : ITEM_LIMIT;
		run->item_rank[q] = dd_eval_rank_of((const char *const *)hits.ids, ranked, dev->items[q].target);
	}
	id_list_free(&hits);
}

static void system_run_free(system_run_t *run)
{
	free(run->item_rank);
	free(run->item_latencies);
	free(run->ndcg);
	free(run->precision10);
	free(run->average_precision);
	free(run->recall100);
	free(run->literal_scores);
	free(run->literal_returned);
	free(run->latencies);
}

static double mean(const double *values, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += values[i];
	return n ? sum / (double)n : 0.0;
}

/* "%.3f" of value, or "-" when the part was not run (--only). */
static const char *figure(char *buf, size_t size, int measured, double value)
{
	if (measured)
		snprintf(buf, size, "%.3f", value);
	else
		snprintf(buf, size, "-");
	return buf;
}

static void print_summary_table(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	size_t nq = dev->query_count, nl = dev->literal_count;
	printf("%-30s %7s %6s %6s %6s | %7s %7s %9s | %7s %7s\n", "system", "nDCG@10", "P@10", "MAP", "R@100",
	       "lit.rec", "lit.pre", "exact", "med ms", "p95 ms");
	printf("%-30s %7s %6s %6s %6s | %7s %7s %9s | %7s %7s\n", "------", "-------", "----", "---", "-----",
	       "-------", "-------", "-----", "------", "------");
	for (size_t s = 0; s < run_count; s++) {
		system_run_t *run = &runs[s];
		if (!run->opened) {
			printf("%-30s   (not run: see below)\n", run->sys->name);
			continue;
		}
		size_t exact = 0;
		double recall_sum = 0, precision_sum = 0;
		for (size_t l = 0; l < nl; l++) {
			recall_sum += run->literal_scores[l].recall;
			precision_sum += run->literal_scores[l].precision;
			exact += (size_t)run->literal_scores[l].exact;
		}
		char exact_text[32] = "-", median_text[32] = "-", p95_text[32] = "-";
		if (nl)
			snprintf(exact_text, sizeof exact_text, "%zu/%zu", exact, nl);
		if (run->latency_count) {
			snprintf(median_text, sizeof median_text, "%.2f",
			         dd_eval_quantile(run->latencies, run->latency_count, 0.5));
			snprintf(p95_text, sizeof p95_text, "%.2f",
			         dd_eval_quantile(run->latencies, run->latency_count, 0.95));
		}
		char f[6][16];
		printf("%-30s %7s %6s %6s %6s | %7s %7s %9s | %7s %7s", run->sys->name,
		       figure(f[0], sizeof f[0], nq > 0, mean(run->ndcg, nq)),
		       figure(f[1], sizeof f[1], nq > 0, mean(run->precision10, nq)),
		       figure(f[2], sizeof f[2], nq > 0, mean(run->average_precision, nq)),
		       figure(f[3], sizeof f[3], nq > 0, mean(run->recall100, nq)),
		       figure(f[4], sizeof f[4], nl > 0, nl ? recall_sum / (double)nl : 0.0),
		       figure(f[5], sizeof f[5], nl > 0, nl ? precision_sum / (double)nl : 0.0), exact_text,
		       median_text, p95_text);
		if (run->failed_queries)
			printf("  (%zu queries failed: see below)", run->failed_queries);
		printf("\n");
	}
}

/* ---- known items: per style ------------------------------------------ */

/* A known-item query's style: the letters its qid starts with (DR01 ->
 * "DR"), so a set with other styles is grouped the same way. */
static void item_style(const char *qid, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size && ((qid[n] >= 'A' && qid[n] <= 'Z') || (qid[n] >= 'a' && qid[n] <= 'z'))) {
		buf[n] = qid[n];
		n++;
	}
	buf[n] = '\0';
}

static const struct {
	const char *style, *name;
} known_styles[] = {
	{ "DR", "keywords" },
	{ "DE", "half-remembered sentence" },
	{ "DA", "plain description" },
};
enum { KNOWN_STYLE_COUNT = sizeof known_styles / sizeof known_styles[0] };

/* The styles present, known ones first in the order above, then any other
 * in order of appearance; returns how many (at most max). */
static size_t item_styles(const dev_set_t *dev, char styles[][16], size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < KNOWN_STYLE_COUNT; k++) {
		for (size_t q = 0; q < dev->item_count; q++) {
			char style[16];
			item_style(dev->items[q].qid, style, sizeof style);
			if (strcmp(style, known_styles[k].style) == 0 && n < max) {
				snprintf(styles[n++], 16, "%s", style);
				break;
			}
		}
	}
	for (size_t q = 0; q < dev->item_count; q++) {
		char style[16];
		item_style(dev->items[q].qid, style, sizeof style);
		int seen = 0;
		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(styles[i], style) == 0;
		if (!seen && n < max)
			snprintf(styles[n++], 16, "%s", style);
	}
	return n;
}

/* One cell "MRR / found@10" of the items of one style (NULL: all). */
static void item_cell(const system_run_t *run, const dev_set_t *dev, const char *style, char *cell, size_t size,
                      size_t *count)
{
	double rr_sum = 0;
	size_t found = 0, n = 0;
	for (size_t q = 0; q < dev->item_count; q++) {
		char own[16];
		item_style(dev->items[q].qid, own, sizeof own);
		if (style && strcmp(own, style) != 0)
			continue;
		n++;
		if (run->corpus_opened) {
			rr_sum += dd_eval_reciprocal_rank(run->item_rank[q], ITEM_LIMIT);
			found += (size_t)dd_eval_found_at(run->item_rank[q], ITEM_FOUND_AT);
		}
	}
	*count = n;
	if (!run->corpus_opened || n == 0)
		snprintf(cell, size, "-");
	else
		snprintf(cell, size, "%.3f / %.3f", rr_sum / (double)n, (double)found / (double)n);
}

static void print_item_table(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	printf("\nKnown-item search over the whole corpus (%zu notes), %zu queries: MRR / found@%d\n",
	       dev->corpus_count, dev->item_count, ITEM_FOUND_AT);
	printf("%-30s %3s", "style", "n");
	for (size_t s = 0; s < run_count; s++)
		printf("  %-*s", s + 1 < run_count ? 13 : 0, runs[s].sys->short_name);
	printf("\n");
	enum { MAX_STYLES = 32 };
	char styles[MAX_STYLES][16];
	size_t style_count = item_styles(dev, styles, MAX_STYLES);
	for (size_t i = 0; i <= style_count; i++) {
		const char *style = i < style_count ? styles[i] : NULL;
		char label[64];
		if (!style) {
			snprintf(label, sizeof label, "all");
		} else {
			const char *name = "";
			for (size_t k = 0; k < KNOWN_STYLE_COUNT; k++)
				if (strcmp(style, known_styles[k].style) == 0)
					name = known_styles[k].name;
			snprintf(label, sizeof label, "%-3s %s", style, name);
		}
		char cells[16][32];
		size_t n = 0;
		for (size_t s = 0; s < run_count && s < 16; s++)
			item_cell(&runs[s], dev, style, cells[s], sizeof cells[s], &n);
		printf("%-30s %3zu", label, n);
		for (size_t s = 0; s < run_count && s < 16; s++)
			printf("  %-*s", s + 1 < run_count ? 13 : 0, cells[s]);
		printf("\n");
	}
	for (size_t s = 0; s < run_count; s++)
		if (!runs[s].corpus_opened)
			printf("%s was not run over the corpus: see below\n", runs[s].sys->name);
}

static void print_item_ranks(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	printf("\nRank of the target per known-item query (- = not in the top %d)\n", ITEM_LIMIT);
	printf("%-6s %-8s", "qid", "target");
	for (size_t s = 0; s < run_count; s++)
		printf(" %8s", runs[s].sys->short_name);
	printf("  query\n");
	for (size_t q = 0; q < dev->item_count; q++) {
		const dev_query_t *item = &dev->items[q];
		printf("%-6s %-8s", item->qid, item->target);
		for (size_t s = 0; s < run_count; s++) {
			if (runs[s].corpus_opened && runs[s].item_rank[q])
				printf(" %8zu", runs[s].item_rank[q]);
			else
				printf(" %8s", "-");
		}
		printf("  %s\n", item->text);
	}
}

static void print_per_query_table(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	printf("\nnDCG@10 per topic query\n");
	printf("%-6s %-12s", "qid", "topic");
	for (size_t s = 0; s < run_count; s++)
		printf(" %8s", runs[s].sys->short_name);
	printf("  query\n");
	for (size_t q = 0; q < dev->query_count; q++) {
		const dev_query_t *query = &dev->queries[q];
		printf("%-6s %-12s", query->qid, query->target);
		for (size_t s = 0; s < run_count; s++) {
			if (runs[s].opened)
				printf(" %8.3f", runs[s].ndcg[q]);
			else
				printf(" %8s", "-");
		}
		printf("  %s\n", query->text);
	}
}

/* Literal misses by string length, and a few examples, per system. */
static void print_literal_details(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	printf("\nLiteral strings returned exactly, by length in characters\n");
	printf("%-8s", "system");
	for (int c = LITERAL_MIN_CHARS; c <= LITERAL_MAX_CHARS; c++)
		printf(" %11d", c);
	printf("\n");
	for (size_t s = 0; s < run_count; s++) {
		if (!runs[s].opened)
			continue;
		printf("%-8s", runs[s].sys->short_name);
		for (size_t c = LITERAL_MIN_CHARS; c <= LITERAL_MAX_CHARS; c++) {
			size_t total = 0, exact = 0;
			for (size_t l = 0; l < dev->literal_count; l++) {
				if (dev->literals[l].chars != c)
					continue;
				total++;
				exact += (size_t)runs[s].literal_scores[l].exact;
			}
			char cell[32];
			snprintf(cell, sizeof cell, "%zu/%zu", exact, total);
			printf(" %11s", cell);
		}
		printf("\n");
	}
	for (size_t s = 0; s < run_count; s++) {
		if (!runs[s].opened)
			continue;
		size_t shown = 0;
		for (size_t l = 0; l < dev->literal_count && shown < EXAMPLES_SHOWN; l++) {
			const dd_eval_set_score_t *score = &runs[s].literal_scores[l];
			if (score->exact)
				continue;
			if (shown++ == 0)
				printf("\nNot exact for %s (first %d): string, expected, returned, recall, precision\n",
				       runs[s].sys->name, EXAMPLES_SHOWN);
			printf("  \"%s\"  %zu  %zu  %.2f  %.2f\n", dev->literals[l].text,
			       dev->literals[l].expected_count, runs[s].literal_returned[l], score->recall,
			       score->precision);
		}
	}
}

/* "name median / p95" of some latencies into a line being built, if any. */
static void append_latency(byte_buffer_t *line, const char *name, const double *values, size_t n)
{
	if (n == 0)
		return;
	char *part = xformat("%s%s %.2f / %.2f", line->len ? ", " : "", name, dd_eval_quantile(values, n, 0.5),
	                     dd_eval_quantile(values, n, 0.95));
	buffer_append(line, part, strlen(part));
	free(part);
}

static void print_notes(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	int labelled_part = dev->query_count + dev->literal_count > 0, item_part = dev->item_count > 0;
	printf("\nNotes\n");
	if (labelled_part)
		printf("- Latency in the table: median and p95 over every topic query and literal string that"
		       " ran; known-item queries (over the whole corpus) are given apart below.\n");
	for (size_t s = 0; s < run_count; s++) {
		system_run_t *run = &runs[s];
		if (labelled_part && !run->opened)
			printf("- %s was not run on the labelled notes: %s\n", run->sys->name, run->open_error);
		if (item_part && !run->corpus_opened)
			printf("- %s was not run on the whole corpus: %s\n", run->sys->name, run->corpus_open_error);
		bench_system_t *described = run->opened ? run->sys : run->corpus_opened ? run->corpus_sys : NULL;
		if (!described)
			continue;
		char *text = described->describe ? described->describe(described) : NULL;
		if (text)
			printf("- %s\n", text);
		free(text);
		if (run->corpus_opened)
			printf("  indexing the whole corpus (%zu notes) for the known items took %.0f ms (wall).\n",
			       dev->corpus_count, run->corpus_index_ms);
		byte_buffer_t line = { 0 };
		size_t topic_count = run->topic_latency_count, literal_count = run->latency_count - topic_count;
		append_latency(&line, "topic queries", run->latencies, topic_count);
		append_latency(&line, "literal strings", run->latencies + topic_count, literal_count);
		append_latency(&line, "known items", run->item_latencies, run->item_latency_count);
		if (line.len)
			printf("  latency median / p95 ms: %s\n", line.data);
		buffer_free(&line);
		if (run->failed_queries)
			printf("- %s: %zu of %zu queries failed and were scored as returning nothing; the first: %s\n",
			       run->sys->name, run->failed_queries,
			       run->failed_queries + run->latency_count + run->item_latency_count,
			       run->first_query_error);
	}
}

/* ---- temporary folder ---------------------------------------------- */

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "dd-bench-quality: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- main ------------------------------------------------------------ */

/* The parts of a run (--only). */
enum {
	PART_TOPIC = 1u << 0,
	PART_LITERAL = 1u << 1,
	PART_ITEMS = 1u << 2,
	PART_ALL = PART_TOPIC | PART_LITERAL | PART_ITEMS
};

/* "topic,items" -> PART_TOPIC | PART_ITEMS; 0 on an unknown name. */
static unsigned parse_parts(const char *list)
{
	unsigned parts = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 5 && strncmp(p, "topic", 5) == 0)
			parts |= PART_TOPIC;
		else if (n == 7 && strncmp(p, "literal", 7) == 0)
			parts |= PART_LITERAL;
		else if (n == 5 && strncmp(p, "items", 5) == 0)
			parts |= PART_ITEMS;
		else
			return 0;
		p += n;
		if (*p == ',' && *++p == '\0')
			return 0; /* a trailing comma */
	}
	return parts;
}

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: dd-bench-quality [--build-dir DIR] [--repo DIR] [--queries FILE] [--labels FILE]\n"
	        "                        [--items FILE] [--literal N] [--seed S] [--only PARTS]\n"
	        "\n"
	        "Compares dundian, SQLite FTS5 (trigram, bm25), Xapian CJK n-grams and ICU words + Xapian\n"
	        "BM25, side by side: nDCG@10, P@10, MAP, recall@100 on the topic queries over the labelled\n"
	        "dev notes; recall, precision and exact matches on N random quoted Han substrings of them;\n"
	        "MRR and found@10 of the known-item queries over the whole corpus, per style; median and\n"
	        "p95 latency.\n"
	        "\n"
	        "  --repo DIR       project checkout (default: .)\n"
	        "  --build-dir DIR  where bin/dundian-index and bin/dundian-search are (default: REPO/build)\n"
	        "  --queries FILE   default: REPO/bench/dev/queries.tsv\n"
	        "  --labels FILE    default: REPO/bench/dev/labels.tsv\n"
	        "  --items FILE     known-item queries (default: REPO/bench/dev/items.tsv)\n"
	        "  --literal N      number of random literal strings (default: %d)\n"
	        "  --seed S         seed of the literal sample (default: 0x%" PRIx64 ")\n"
	        "  --only PARTS     run only these parts, comma-separated: topic, literal, items\n"
	        "                   (default: all three)\n"
	        "\n"
	        "Exit status: 0 if every system ran every query, 1 if a system or a query failed (the\n"
	        "tables are still printed), 2 on bad input or options.\n",
	        DEFAULT_LITERAL_COUNT, DEFAULT_SEED);
}

int main(int argc, char **argv)
{
	const char *repo = ".", *build_dir = NULL, *queries_path = NULL, *labels_path = NULL, *items_path = NULL;
	size_t literal_count = DEFAULT_LITERAL_COUNT;
	uint64_t seed = DEFAULT_SEED;
	unsigned parts = PART_ALL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "dd-bench-quality: %s needs a value (or is unknown)\n", arg);
			usage(stderr);
			return 2;
		}
		const char *value = argv[++i];
		char *end = NULL;
		if (strcmp(arg, "--repo") == 0) {
			repo = value;
		} else if (strcmp(arg, "--build-dir") == 0) {
			build_dir = value;
		} else if (strcmp(arg, "--queries") == 0) {
			queries_path = value;
		} else if (strcmp(arg, "--labels") == 0) {
			labels_path = value;
		} else if (strcmp(arg, "--items") == 0) {
			items_path = value;
		} else if (strcmp(arg, "--only") == 0) {
			parts = parse_parts(value);
			if (!parts) {
				fprintf(stderr,
				        "dd-bench-quality: --only wants topic, literal or items (comma-separated),"
				        " not %s\n",
				        value);
				return 2;
			}
		} else if (strcmp(arg, "--literal") == 0) {
			errno = 0;
			unsigned long long n = strtoull(value, &end, 10);
			if (errno || !*value || *end || value[0] == '-') {
				fprintf(stderr, "dd-bench-quality: --literal wants a count, not %s\n", value);
				return 2;
			}
			literal_count = (size_t)n;
		} else if (strcmp(arg, "--seed") == 0) {
			errno = 0;
			seed = strtoull(value, &end, 0);
			if (errno || !*value || *end || value[0] == '-') {
				fprintf(stderr, "dd-bench-quality: --seed wants a number, not %s\n", value);
				return 2;
			}
		} else {
			fprintf(stderr, "dd-bench-quality: unknown option %s\n", arg);
			usage(stderr);
			return 2;
		}
	}
	char *default_build = xformat("%s/build", repo);
	char *default_queries = xformat("%s/bench/dev/queries.tsv", repo);
	char *default_labels = xformat("%s/bench/dev/labels.tsv", repo);
	char *default_items = xformat("%s/bench/dev/items.tsv", repo);
	if (!build_dir)
		build_dir = default_build;
	if (!queries_path)
		queries_path = default_queries;
	if (!labels_path)
		labels_path = default_labels;
	if (!items_path)
		items_path = default_items;
	if (!(parts & PART_LITERAL))
		literal_count = 0;

	int exit_code = 0;
	dev_set_t dev;
	memset(&dev, 0, sizeof dev);
	bench_message_t err = "";
	char *work_dir = NULL, *corpus_dir = NULL;
	int labelled_part = (parts & (PART_TOPIC | PART_LITERAL)) != 0;
	if ((labelled_part && (load_labels(&dev, labels_path, err) != 0 || load_notes(&dev, repo, err) != 0)) ||
	    ((parts & PART_TOPIC) &&
	     load_query_file(queries_path, "topic", &dev.queries, &dev.query_count, &dev.skipped_queries, err) != 0) ||
	    ((parts & PART_LITERAL) && sample_literals(&dev, literal_count, seed, err) != 0) ||
	    ((parts & PART_ITEMS) &&
	     (load_query_file(items_path, "item", &dev.items, &dev.item_count, &dev.skipped_items, err) != 0 ||
	      load_corpus(&dev, repo, err) != 0))) {
		fprintf(stderr, "dd-bench-quality: %s\n", err);
		exit_code = 2;
		goto done;
	}

	const char *tmp = getenv("TMPDIR");
	work_dir = xformat("%s/dd-bench-quality-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work_dir)) {
		fprintf(stderr, "dd-bench-quality: cannot create a temporary folder %s: %s\n", work_dir,
		        strerror(errno));
		exit_code = 2;
		goto done;
	}
	/* the whole-corpus indexes live apart from the labelled ones */
	corpus_dir = xformat("%s/corpus", work_dir);
	if (mkdir(corpus_dir, 0700) != 0) {
		fprintf(stderr, "dd-bench-quality: cannot create %s: %s\n", corpus_dir, strerror(errno));
		remove_tree(work_dir);
		exit_code = 2;
		goto done;
	}

	bench_system_t systems[] = {
		{ "dundian", "dundian", dundian_open, dundian_search, dundian_close, dundian_describe, NULL, work_dir,
		  build_dir },
		{ "SQLite FTS5 trigram, bm25", "fts5", fts5_open, fts5_search, fts5_close, fts5_describe, NULL,
		  work_dir, build_dir },
		{ "Xapian CJK n-grams (omindex)", "xapian", xapian_open, xapian_search, xapian_close, xapian_describe,
		  NULL, work_dir, build_dir },
		{ "ICU words + Xapian BM25", "icuwords", icu_open, icu_search, xapian_close, icu_describe, NULL,
		  work_dir, build_dir },
	};
	enum { SYSTEM_COUNT = sizeof systems / sizeof systems[0] };
	bench_system_t corpus_systems[SYSTEM_COUNT];
	system_run_t runs[SYSTEM_COUNT];
	memset(runs, 0, sizeof runs);
	for (size_t s = 0; s < SYSTEM_COUNT; s++) {
		corpus_systems[s] = systems[s];
		corpus_systems[s].work_dir = corpus_dir;
		runs[s].sys = &systems[s];
		runs[s].corpus_sys = &corpus_systems[s];
		run_system(&runs[s], &dev);
		run_items(&runs[s], &dev);
		if (labelled_part && !runs[s].opened) {
			fprintf(stderr, "dd-bench-quality: %s: %s\n", systems[s].name, runs[s].open_error);
			exit_code = 1;
		}
		if ((parts & PART_ITEMS) && !runs[s].corpus_opened) {
			fprintf(stderr, "dd-bench-quality: %s (whole corpus): %s\n", systems[s].name,
			        runs[s].corpus_open_error);
			exit_code = 1;
		}
		if (runs[s].failed_queries)
			exit_code = 1;
	}

	if (labelled_part) {
		printf("dd-bench-quality: %zu dev notes", dev.note_count);
		if (parts & PART_TOPIC)
			printf(", %zu topic queries", dev.query_count);
		if (dev.skipped_queries)
			printf(" (%zu of other kinds skipped)", dev.skipped_queries);
		if (parts & PART_LITERAL)
			printf(", %zu literal strings of %d-%d Han characters (seed 0x%" PRIx64 ")", dev.literal_count,
			       LITERAL_MIN_CHARS, LITERAL_MAX_CHARS, seed);
		printf("\n\n");
		print_summary_table(runs, SYSTEM_COUNT, &dev);
	}
	if (parts & PART_ITEMS) {
		print_item_table(runs, SYSTEM_COUNT, &dev);
		if (dev.skipped_items)
			printf("(%zu lines of other kinds in the items file skipped)\n", dev.skipped_items);
	}
	if (parts & PART_TOPIC)
		print_per_query_table(runs, SYSTEM_COUNT, &dev);
	if (parts & PART_ITEMS)
		print_item_ranks(runs, SYSTEM_COUNT, &dev);
	if (parts & PART_LITERAL)
		print_literal_details(runs, SYSTEM_COUNT, &dev);
	print_notes(runs, SYSTEM_COUNT, &dev);

	for (size_t s = 0; s < SYSTEM_COUNT; s++) {
		systems[s].close(&systems[s]);
		corpus_systems[s].close(&corpus_systems[s]);
		system_run_free(&runs[s]);
	}
	remove_tree(work_dir);

done:
	free(work_dir);
	free(corpus_dir);
	dev_set_free(&dev);
	free(default_build);
	free(default_queries);
	free(default_labels);
	free(default_items);
	return exit_code;
}
