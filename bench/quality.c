/* quality.c - dd-bench-quality: compares dundian with two baselines on the
 * 200 labelled dev notes, in one run.
 *
 * Systems, each fed the same notes and the same queries:
 *   - dundian, driven through its real binaries (dundian-index once, then
 *     one dundian-search --json process per query);
 *   - SQLite FTS5 with the trigram tokenizer, ranked by bm25(), in memory;
 *   - Xapian's CJK n-gram indexing as omindex does it, through the
 *     baseline functions of lib/xapian_baseline.h.
 *
 * Measures (bench/dev/SCORING.md): nDCG@10, P@10, MAP and recall@100 on the
 * topic queries; recall, precision and the share returned exactly for
 * quoted random Han substrings of 2-6 characters sampled (seeded,
 * reproducibly) from the notes; median and p95 query latency.
 *
 * Notes are parsed here with a few lines of code (front matter + body) on
 * purpose: the bench must not share the parser it is judging.
 */
#define _XOPEN_SOURCE 700

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
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "eval_metrics.h"
#include "status.h"
#include "xapian_baseline.h"

extern char **environ;

#define TOPIC_LIMIT 100     /* SCORING.md: the top 100 ids per query */
#define LITERAL_LIMIT 1000  /* more than there are notes: the whole set */
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
	byte_buffer_t b = {0};
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

typedef struct topic_query {
	char *qid, *target, *text;
} topic_query_t;

typedef struct literal_case {
	char *text;              /* 2-6 Han characters, UTF-8, NFKC */
	size_t chars;
	const char **expected;   /* ids of the notes that contain it */
	size_t expected_count;
} literal_case_t;

typedef struct dev_set {
	bench_note_t *notes;
	size_t note_count;
	topic_query_t *queries;
	size_t query_count;
	size_t skipped_queries;  /* of a kind other than topic */
	literal_case_t *literals;
	size_t literal_count;
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
		char *fields[3] = {"", "", ""};
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

static int load_queries(dev_set_t *dev, const char *path, bench_message_t err)
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
		if (strcmp(trim(fields[1]), "topic") != 0) {
			dev->skipped_queries++;
			continue;
		}
		if (dev->query_count == cap) {
			cap = cap ? cap * 2 : 32;
			dev->queries = xrealloc(dev->queries, cap * sizeof *dev->queries);
		}
		topic_query_t *q = &dev->queries[dev->query_count++];
		q->qid = xstrdup(trim(fields[0]));
		q->target = xstrdup(trim(fields[2]));
		q->text = xstrdup(trim(fields[3]));
	}
	free(text);
	if (dev->query_count == 0) {
		snprintf(err, sizeof(bench_message_t), "no topic queries in %s", path);
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
		if (n >= 2 && ((value[0] == '"' && value[n - 1] == '"') || (value[0] == '\'' && value[n - 1] == '\''))) {
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

static int load_notes(dev_set_t *dev, const char *repo, bench_message_t err)
{
	for (size_t i = 0; i < dev->note_count; i++) {
		bench_note_t *note = &dev->notes[i];
		note->path = xformat("%s/corpus/notes/%s.md", repo, note->id);
		char *text = read_text_file(note->path);
		if (!text) {
			snprintf(err, sizeof(bench_message_t), "cannot read note %s: %s", note->path, strerror(errno));
			return -1;
		}
		int rc = parse_note_file(note, text, err);
		free(text);
		if (rc != 0)
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
	code_point_text_t t = {0};
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
	typedef struct { uint32_t text, offset; } han_position_t;
	for (size_t t = 0; t < text_count; t++)
		for (size_t k = 0; k < texts[t].len; k++)
			han_total += is_han(texts[t].chars[k]);
	han_position_t *positions = xmalloc(han_total * sizeof *positions);
	size_t p = 0;
	for (size_t t = 0; t < text_count; t++)
		for (size_t k = 0; k < texts[t].len; k++)
			if (is_han(texts[t].chars[k]))
				positions[p++] = (han_position_t){(uint32_t)t, (uint32_t)k};

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
			U16_APPEND(buf16, len16, (int32_t)(sizeof buf16 / sizeof *buf16),
				   text->chars[start.offset + k], error);
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

static void dev_set_free(dev_set_t *dev)
{
	for (size_t i = 0; i < dev->note_count; i++) {
		bench_note_t *n = &dev->notes[i];
		free(n->id);
		free(n->path);
		free(n->title);
		free(n->body);
		free(n->nfkc_title);
		free(n->nfkc_body);
		free(n->primary_topics);
		free(n->secondary_topics);
	}
	free(dev->notes);
	for (size_t i = 0; i < dev->query_count; i++) {
		free(dev->queries[i].qid);
		free(dev->queries[i].target);
		free(dev->queries[i].text);
	}
	free(dev->queries);
	for (size_t i = 0; i < dev->literal_count; i++) {
		free(dev->literals[i].text);
		free(dev->literals[i].expected);
	}
	free(dev->literals);
}

/* ---- the systems under test ------------------------------------------ */

/* A search engine as the bench sees it.  open indexes the dev notes;
 * search returns ranked ids for a topic query (literal = 0) or the
 * matching ids for a quoted literal string (literal = 1), with the latency
 * the bench should count for it. */
typedef struct bench_system bench_system_t;
struct bench_system {
	const char *name;      /* row label */
	const char *short_name; /* per-query column label */
	int (*open)(bench_system_t *sys, const dev_set_t *dev, bench_message_t err);
	int (*search)(bench_system_t *sys, const char *text, int literal, size_t limit,
		      id_list_t *out, double *latency_ms, bench_message_t err);
	void (*close)(bench_system_t *sys);
	/* a sentence or two for the notes under the table (malloc'd or NULL) */
	char *(*describe)(bench_system_t *sys);
	void *state;
	const char *work_dir;  /* a private temporary folder */
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
static int run_program(char *const argv[], byte_buffer_t *out, byte_buffer_t *errout,
		       int *exit_status, double *wall_ms, bench_message_t err)
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
	struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
	byte_buffer_t *sinks[2] = {out, errout};
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

static int dundian_open(bench_system_t *sys, const dev_set_t *dev, bench_message_t err)
{
	dundian_state_t *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	sys->state = st;
	st->index_program = xformat("%s/bin/dundian-index", sys->build_dir);
	st->search_program = xformat("%s/bin/dundian-search", sys->build_dir);
	st->db_dir = xformat("%s/dundian-db", sys->work_dir);
	const char *programs[2] = {st->index_program, st->search_program};
	for (int i = 0; i < 2; i++) {
		if (access(programs[i], X_OK) != 0) {
			snprintf(err, sizeof(bench_message_t),
				 "%s is missing (%s): build dundian first, e.g. cmake -S . -B build && cmake --build build,"
				 " or point --build-dir at your build folder",
				 programs[i], strerror(errno));
			return -1;
		}
	}
	char **argv = xmalloc((dev->note_count + 4) * sizeof *argv);
	size_t argc = 0;
	argv[argc++] = st->index_program;
	argv[argc++] = "--db";
	argv[argc++] = st->db_dir;
	for (size_t i = 0; i < dev->note_count; i++)
		argv[argc++] = dev->notes[i].path;
	argv[argc] = NULL;
	byte_buffer_t out = {0}, errout = {0};
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

static int dundian_search(bench_system_t *sys, const char *text, int literal, size_t limit,
			  id_list_t *out, double *latency_ms, bench_message_t err)
{
	dundian_state_t *st = sys->state;
	char limit_text[32];
	snprintf(limit_text, sizeof limit_text, "%zu", limit);
	/* a literal string goes to the engine with its quotes: "子串" */
	char *query = literal ? xformat("\"%s\"", text) : xstrdup(text);
	/* The ids are all the bench needs: no snippets, as any tool reading
	 * ids would ask (snippet cost is measured by bench/latency). */
	char *argv[] = {st->search_program, "--db", st->db_dir, "--json", "--no-snippets", "--limit", limit_text, query, NULL};
	byte_buffer_t stdout_text = {0}, stderr_text = {0};
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
			snprintf(err, sizeof(bench_message_t), "dundian-search %s printed nothing (expected JSON)", query);
			rc = -1;
		} else if (!cJSON_IsArray(hits)) {
			snprintf(err, sizeof(bench_message_t), "dundian-search %s: output is not a JSON object with a"
				 " \"hits\" array: %.80s", query, stdout_text.data);
			rc = -1;
		} else {
			const cJSON *hit;
			cJSON_ArrayForEach(hit, hits) {
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
	return xformat("dundian: latency is %s; indexing (dundian-index, wall) took %.0f ms.",
		       latency, st->index_ms);
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

static int fts5_open(bench_system_t *sys, const dev_set_t *dev, bench_message_t err)
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
	if (sqlite3_prepare_v2(st->db, "INSERT INTO notes(id, title, body) VALUES (?1, ?2, ?3)", -1, &insert,
			       NULL) != SQLITE_OK)
		return fts5_fail(st, "prepare insert", err);
	for (size_t i = 0; i < dev->note_count; i++) {
		const bench_note_t *note = &dev->notes[i];
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
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM notes WHERE notes MATCH ?1 ORDER BY bm25(notes) LIMIT ?2",
			       -1, &st->match, NULL) != SQLITE_OK)
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
	byte_buffer_t b = {0};
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
	byte_buffer_t b = {0};
	buffer_append(&b, "%", 1);
	for (const char *p = text; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buffer_append(&b, "\\", 1);
		buffer_append(&b, p, 1);
	}
	buffer_append(&b, "%", 1);
	return b.data;
}

static int fts5_search(bench_system_t *sys, const char *text, int literal, size_t limit,
		       id_list_t *out, double *latency_ms, bench_message_t err)
{
	fts5_state_t *st = sys->state;
	double started = now_ms();
	int short_string = utf8_char_count(text) < 3;
	sqlite3_stmt *stmt = short_string ? st->like : st->match;
	char *pattern = short_string ? like_pattern(text) : fts5_phrase(text);
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
		       " bm25(); strings under 3 characters cannot match a trigram, so they fall back to an"
		       " unranked LIKE '%%...%%' scan in note order (%zu topic, %zu literal queries);"
		       " latency in process; indexing took %.0f ms.",
		       st->topic_fallbacks, st->literal_fallbacks, st->index_ms);
}

/* -- Xapian CJK n-grams (omindex's way), through the wrapper -- */

typedef struct xapian_state {
	dd_db_t *db;
	double index_ms;
} xapian_state_t;

static int xapian_open(bench_system_t *sys, const dev_set_t *dev, bench_message_t err)
{
	xapian_state_t *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	sys->state = st;
	char *dir = xformat("%s/xapian-ngram-db", sys->work_dir);
	dd_error_t e;
	dd_error_clear(&e);
	double started = now_ms();
	dd_status_t s = dd_db_open_write(dir, &st->db, &e);
	free(dir);
	if (s == DD_OK)
		s = dd_db_begin(st->db, &e);
	for (size_t i = 0; s == DD_OK && i < dev->note_count; i++) {
		const bench_note_t *note = &dev->notes[i];
		char *idterm = xformat("Q%s", note->id);
		char *text = xformat("%s\n\n%s", note->title, note->body);
		s = dd_baseline_ngram_index(st->db, idterm, text, &e);
		free(idterm);
		free(text);
	}
	if (s == DD_OK)
		s = dd_db_commit(st->db, &e);
	st->index_ms = now_ms() - started;
	if (s != DD_OK) {
		snprintf(err, sizeof(bench_message_t), "Xapian n-gram baseline: %s (%s)", e.message,
			 dd_status_name(s));
		return -1;
	}
	return 0;
}

static int xapian_search(bench_system_t *sys, const char *text, int literal, size_t limit,
			 id_list_t *out, double *latency_ms, bench_message_t err)
{
	xapian_state_t *st = sys->state;
	double started = now_ms();
	dd_query_t *query = dd_baseline_ngram_query(text, literal);
	if (!query) {
		snprintf(err, sizeof(bench_message_t), "Xapian n-gram baseline: cannot parse query %s", text);
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
		for (size_t i = 0; i < n; i++) {
			const char *id = dd_results_id(results, i);
			id_list_add(out, id ? id : "");
		}
	}
	*latency_ms = now_ms() - started;
	dd_results_free(results);
	dd_query_free(query);
	if (s != DD_OK) {
		snprintf(err, sizeof(bench_message_t), "Xapian n-gram baseline: query %s: %s", text, e.message);
		return -1;
	}
	return 0;
}

static void xapian_close(bench_system_t *sys)
{
	xapian_state_t *st = sys->state;
	if (!st)
		return;
	if (st->db)
		dd_db_close(st->db);
	free(st);
	sys->state = NULL;
}

static char *xapian_describe(bench_system_t *sys)
{
	xapian_state_t *st = sys->state;
	if (!st)
		return NULL;
	return xformat("Xapian CJK n-grams: title and body through TermGenerator with FLAG_CJK_NGRAM (as"
		       " omindex), topic queries by QueryParser (default OR), literal strings as a phrase;"
		       " latency in process; indexing took %.0f ms.",
		       st->index_ms);
}

/* ---- running and scoring ------------------------------------------- */

typedef struct system_run {
	bench_system_t *sys;
	int opened;
	bench_message_t open_error;
	double *ndcg, *precision10, *average_precision, *recall100; /* per topic query */
	dd_eval_set_score_t *literal_scores;                          /* per literal */
	size_t *literal_returned;
	double *latencies;  /* of the queries that ran: topic queries, then literal strings */
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

static void run_system(system_run_t *run, const dev_set_t *dev)
{
	bench_system_t *sys = run->sys;
	size_t nq = dev->query_count, nl = dev->literal_count;
	run->ndcg = calloc(nq, sizeof(double));
	run->precision10 = calloc(nq, sizeof(double));
	run->average_precision = calloc(nq, sizeof(double));
	run->recall100 = calloc(nq, sizeof(double));
	run->literal_scores = calloc(nl ? nl : 1, sizeof(dd_eval_set_score_t));
	run->literal_returned = calloc(nl ? nl : 1, sizeof(size_t));
	run->latencies = calloc(nq + nl, sizeof(double));
	if (!run->ndcg || !run->precision10 || !run->average_precision || !run->recall100 ||
	    !run->literal_scores || !run->literal_returned || !run->latencies) {
		fprintf(stderr, "dd-bench-quality: out of memory\n");
		exit(2);
	}

	fprintf(stderr, "dd-bench-quality: %s: indexing %zu notes...\n", sys->name, dev->note_count);
	if (sys->open(sys, dev, run->open_error) != 0)
		return;
	run->opened = 1;

	int *all_grades = xmalloc(dev->note_count * sizeof *all_grades);
	int *ranked_grades = xmalloc(TOPIC_LIMIT * sizeof *ranked_grades);
	id_list_t hits = {0};
	bench_message_t err;
	fprintf(stderr, "dd-bench-quality: %s: %zu topic queries, %zu literal strings...\n", sys->name, nq, nl);
	for (size_t q = 0; q < nq; q++) {
		const topic_query_t *query = &dev->queries[q];
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
		run->literal_scores[l] = dd_eval_compare_sets((const char *const *)hits.ids, hits.count,
							      lit->expected, lit->expected_count);
		run->literal_returned[l] = hits.count;
	}
	id_list_free(&hits);
	free(ranked_grades);
	free(all_grades);
}

static void system_run_free(system_run_t *run)
{
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

static void print_summary_table(system_run_t *runs, size_t run_count, const dev_set_t *dev)
{
	size_t nl = dev->literal_count;
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
		size_t nq = dev->query_count, exact = 0;
		double recall_sum = 0, precision_sum = 0;
		for (size_t l = 0; l < nl; l++) {
			recall_sum += run->literal_scores[l].recall;
			precision_sum += run->literal_scores[l].precision;
			exact += (size_t)run->literal_scores[l].exact;
		}
		char exact_text[32], median_text[32] = "-", p95_text[32] = "-";
		snprintf(exact_text, sizeof exact_text, "%zu/%zu", exact, nl);
		if (run->latency_count) {
			snprintf(median_text, sizeof median_text, "%.2f",
				 dd_eval_quantile(run->latencies, run->latency_count, 0.5));
			snprintf(p95_text, sizeof p95_text, "%.2f",
				 dd_eval_quantile(run->latencies, run->latency_count, 0.95));
		}
		printf("%-30s %7.3f %6.3f %6.3f %6.3f | %7.3f %7.3f %9s | %7s %7s", run->sys->name,
		       mean(run->ndcg, nq), mean(run->precision10, nq), mean(run->average_precision, nq),
		       mean(run->recall100, nq), nl ? recall_sum / (double)nl : 0.0,
		       nl ? precision_sum / (double)nl : 0.0, exact_text, median_text, p95_text);
		if (run->failed_queries)
			printf("  (%zu queries failed: see below)", run->failed_queries);
		printf("\n");
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
		const topic_query_t *query = &dev->queries[q];
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

static void print_notes(system_run_t *runs, size_t run_count)
{
	printf("\nNotes\n");
	printf("- Latency: median and p95 over every query that ran (topic queries and literal strings).\n");
	for (size_t s = 0; s < run_count; s++) {
		system_run_t *run = &runs[s];
		if (!run->opened) {
			printf("- %s was not run: %s\n", run->sys->name, run->open_error);
			continue;
		}
		char *text = run->sys->describe ? run->sys->describe(run->sys) : NULL;
		if (text)
			printf("- %s\n", text);
		free(text);
		const double *topic = run->latencies, *literal = run->latencies + run->topic_latency_count;
		size_t topic_count = run->topic_latency_count, literal_count = run->latency_count - topic_count;
		printf("  latency median / p95 ms: topic queries %.2f / %.2f, literal strings %.2f / %.2f\n",
		       dd_eval_quantile(topic, topic_count, 0.5), dd_eval_quantile(topic, topic_count, 0.95),
		       dd_eval_quantile(literal, literal_count, 0.5), dd_eval_quantile(literal, literal_count, 0.95));
		if (run->failed_queries)
			printf("- %s: %zu of %zu queries failed and were scored as returning nothing; the first: %s\n",
			       run->sys->name, run->failed_queries, run->failed_queries + run->latency_count,
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

static void usage(FILE *to)
{
	fprintf(to,
		"usage: dd-bench-quality [--build-dir DIR] [--repo DIR] [--queries FILE] [--labels FILE]\n"
		"                        [--literal N] [--seed S]\n"
		"\n"
		"Compares dundian, SQLite FTS5 (trigram, bm25) and Xapian CJK n-grams on the labelled\n"
		"dev notes: nDCG@10, P@10, MAP, recall@100 on the topic queries; recall, precision and\n"
		"exact matches on N random quoted Han substrings; median and p95 latency.\n"
		"\n"
		"  --repo DIR       project checkout (default: .)\n"
		"  --build-dir DIR  where bin/dundian-index and bin/dundian-search are (default: REPO/build)\n"
		"  --queries FILE   default: REPO/bench/dev/queries.tsv\n"
		"  --labels FILE    default: REPO/bench/dev/labels.tsv\n"
		"  --literal N      number of random literal strings (default: %d)\n"
		"  --seed S         seed of the literal sample (default: 0x%" PRIx64 ")\n"
		"\n"
		"Exit status: 0 if every system ran every query, 1 if a system or a query failed (the\n"
		"table is still printed), 2 on bad input or options.\n",
		DEFAULT_LITERAL_COUNT, DEFAULT_SEED);
}

int main(int argc, char **argv)
{
	const char *repo = ".", *build_dir = NULL, *queries_path = NULL, *labels_path = NULL;
	size_t literal_count = DEFAULT_LITERAL_COUNT;
	uint64_t seed = DEFAULT_SEED;
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
	if (!build_dir)
		build_dir = default_build;
	if (!queries_path)
		queries_path = default_queries;
	if (!labels_path)
		labels_path = default_labels;

	int exit_code = 0;
	dev_set_t dev;
	memset(&dev, 0, sizeof dev);
	bench_message_t err = "";
	char *work_dir = NULL;
	if (load_labels(&dev, labels_path, err) != 0 || load_queries(&dev, queries_path, err) != 0 ||
	    load_notes(&dev, repo, err) != 0 || sample_literals(&dev, literal_count, seed, err) != 0) {
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

	bench_system_t systems[] = {
		{"dundian", "dundian", dundian_open, dundian_search, dundian_close, dundian_describe, NULL,
		 work_dir, build_dir},
		{"SQLite FTS5 trigram, bm25", "fts5", fts5_open, fts5_search, fts5_close, fts5_describe, NULL,
		 work_dir, build_dir},
		{"Xapian CJK n-grams (omindex)", "xapian", xapian_open, xapian_search, xapian_close,
		 xapian_describe, NULL, work_dir, build_dir},
	};
	enum { SYSTEM_COUNT = sizeof systems / sizeof systems[0] };
	system_run_t runs[SYSTEM_COUNT];
	memset(runs, 0, sizeof runs);
	for (size_t s = 0; s < SYSTEM_COUNT; s++) {
		runs[s].sys = &systems[s];
		run_system(&runs[s], &dev);
		if (!runs[s].opened) {
			fprintf(stderr, "dd-bench-quality: %s: %s\n", systems[s].name, runs[s].open_error);
			exit_code = 1;
		} else if (runs[s].failed_queries) {
			exit_code = 1;
		}
	}

	printf("dd-bench-quality: %zu dev notes, %zu topic queries", dev.note_count, dev.query_count);
	if (dev.skipped_queries)
		printf(" (%zu of other kinds skipped)", dev.skipped_queries);
	printf(", %zu literal strings of %d-%d Han characters (seed 0x%" PRIx64 ")\n\n", dev.literal_count,
	       LITERAL_MIN_CHARS, LITERAL_MAX_CHARS, seed);
	print_summary_table(runs, SYSTEM_COUNT, &dev);
	print_per_query_table(runs, SYSTEM_COUNT, &dev);
	print_literal_details(runs, SYSTEM_COUNT, &dev);
	print_notes(runs, SYSTEM_COUNT);

	for (size_t s = 0; s < SYSTEM_COUNT; s++) {
		systems[s].close(&systems[s]);
		system_run_free(&runs[s]);
	}
	remove_tree(work_dir);

done:
	free(work_dir);
	dev_set_free(&dev);
	free(default_build);
	free(default_queries);
	free(default_labels);
	return exit_code;
}
