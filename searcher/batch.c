/* batch.c - `dundian-search --batch FILE [options]`: one query per line of
 * FILE (`-`: standard input), answered in one process with the index
 * opened once, one JSON line out per line in: the object `--json` prints
 * (dd_json_search), unformatted, or for a line that cannot be answered
 * {"line": N, "query": "...", "error": "..."} ("query" left out when the
 * line is not valid UTF-8 or too long).  The options of the command line
 * (--limit, --facets, --like, --no-snippets...) apply to every line.
 *
 * Lines end at '\n' (a '\r' before it is dropped); a last line without
 * one counts.  A line longer than the query language allows
 * (DD_PLAN_MAX_BYTES) is not kept in memory: its bytes are skipped and it
 * gets an error line, as does one holding a NUL byte or invalid UTF-8. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "plan.h"
#include "text.h"

/* One line of the input: at most DD_PLAN_MAX_BYTES kept, the rest counted. */
typedef struct batch_line {
	char text[DD_PLAN_MAX_BYTES + 1];
	size_t len;      /* bytes kept in text */
	size_t total;    /* bytes of the whole line (without its '\n') */
	int has_nul;     /* a NUL byte among them */
	int has_newline; /* ended by '\n' (not by the end of the input) */
} batch_line_t;

/* Reads the next line into l; 0 at the end of the input. */
static int read_line(FILE *in, batch_line_t *l)
{
	int c;
	l->len = l->total = 0;
	l->has_nul = l->has_newline = 0;
	while ((c = getc_unlocked(in)) != EOF) {
		if (c == '\n') {
			l->has_newline = 1;
			break;
		}
		l->has_nul |= c == '\0';
		if (l->len < DD_PLAN_MAX_BYTES)
			l->text[l->len++] = (char)c;
		l->total++;
	}
	if (l->total <= DD_PLAN_MAX_BYTES && l->len && l->text[l->len - 1] == '\r') {
		l->len--;
		l->total--;
	}
	l->text[l->len] = '\0';
	return l->has_newline || l->total > 0;
}

/* Prints obj on one line and frees it; -1 when stdout fails. */
static int print_line(cJSON *obj)
{
	char *s = obj ? cJSON_PrintUnformatted(obj) : NULL;
	cJSON_Delete(obj);
	if (!s)
		return -1;
	int ok = fputs(s, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
	free(s);
	return ok ? 0 : -1;
}

static int print_error(size_t number, const char *query, const char *message)
{
	cJSON *obj = cJSON_CreateObject();
	cJSON_AddNumberToObject(obj, "line", (double)number);
	if (query)
		cJSON_AddStringToObject(obj, "query", query);
	cJSON_AddStringToObject(obj, "error", message);
	return print_line(obj);
}

static int answer_lines(dd_engine_t *e, const dd_search_request_t *base, FILE *in)
{
	batch_line_t *l = malloc(sizeof *l);
	if (!l) {
		fprintf(stderr, "dundian-search: out of memory\n");
		return DD_EXIT_INDEX;
	}
	int status = DD_EXIT_OK, out_failed = 0;
	size_t bad_at;
	for (size_t number = 1; !out_failed && read_line(in, l); number++) {
		char message[256];
		const char *why = NULL;
		if (l->total > DD_PLAN_MAX_BYTES) {
			snprintf(message, sizeof message, "line too long (%zu bytes; at most %d)", l->total,
			         DD_PLAN_MAX_BYTES);
			why = message;
		} else if (l->has_nul) {
			why = "the line holds a NUL byte";
		} else if (!dd_utf8_valid(l->text, l->len, &bad_at)) {
			snprintf(message, sizeof message, "the line is not valid UTF-8 (byte %zu)", bad_at + 1);
			why = message;
		}
		if (why) {
			out_failed = print_error(number, NULL, why) != 0;
			if (status == DD_EXIT_OK)
				status = DD_EXIT_USAGE;
			continue;
		}
		dd_search_request_t req = *base;
		req.text = l->text;
		dd_search_result_t res;
		dd_error_t err;
		dd_status_t st = l->len || req.like_id ? dd_search(e, &req, &res, &err)
		                                       : dd_error_set(&err, DD_ERR_INVALID, "the query is empty");
		if (st != DD_OK) {
			out_failed = print_error(number, l->text, err.message) != 0;
			int line_status =
			    st == DD_ERR_INVALID || st == DD_ERR_NOT_FOUND ? DD_EXIT_USAGE : DD_EXIT_INDEX;
			if (line_status > status)
				status = line_status;
			continue;
		}
		if (res.explain)
			fprintf(stderr, "%s\n", res.explain);
		out_failed = print_line(dd_json_search(&req, &res)) != 0;
		dd_search_result_free(&res);
	}
	if (ferror(in)) {
		fprintf(stderr, "dundian-search: --batch: the input could not be read\n");
		status = DD_EXIT_USAGE > status ? DD_EXIT_USAGE : status;
	}
	if (out_failed) {
		fprintf(stderr, "dundian-search: --batch: the output could not be written\n");
		status = DD_EXIT_INDEX;
	}
	free(l);
	return status;
}

int dd_cmd_search_batch(const char *db_path, const dd_search_request_t *req, const char *path, int has_query)
{
	if (has_query) {
		fprintf(stderr, "dundian-search: --batch reads its queries from %s: give no QUERY\n", path);
		return DD_EXIT_USAGE;
	}
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct stat sb;
	if (!in || (fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode) && (errno = EISDIR))) {
		fprintf(stderr, "dundian-search: --batch '%.200s': %s\n", path, strerror(errno));
		if (in && in != stdin)
			fclose(in);
		return DD_EXIT_USAGE;
	}
	int status = DD_EXIT_OK;
	dd_engine_t *e = dd_open_engine_or_complain(db_path, &status);
	if (e) {
		status = answer_lines(e, req, in);
		dd_engine_close(e);
	}
	if (in != stdin)
		fclose(in);
	return status;
}
