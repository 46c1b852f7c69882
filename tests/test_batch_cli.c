/* test_batch_cli.c - drives `dundian-search --batch` on an index of the
 * bundled corpus: every line gets the object a single `--json` run prints
 * for it (compared field by field, elapsed_ms aside), whether the queries
 * come from a file or standard input; a bad line in the middle gets one
 * error line and the lines after it are still answered; hostile input (a
 * huge line, a NUL byte, invalid UTF-8, a missing file or a folder) gets
 * one line and exit status 2, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"

static char corpus_db[4096], scratch[4096];

static int setup(void **state)
{
	(void)state;
	if (!cli_corpus_index("batch_cli_corpus", corpus_db, sizeof corpus_db))
		return -1;
	return cli_scratch("batch_cli_files", scratch, sizeof scratch) ? 0 : -1;
}

/* Runs dundian-search with args and the file at stdin_path as standard
 * input. */
static cli_result_t run_with_stdin(const char *stdin_path, const char *const *args)
{
	cli_result_t r = { -1, NULL, NULL };
	int saved = dup(0), fd = open(stdin_path, O_RDONLY);
	if (saved < 0 || fd < 0)
		return r;
	/* cli_run_argv points the child's stdin at /dev/null: run it by hand */
	char path[4096];
	snprintf(path, sizeof path, "%s/dundian-search", DD_BIN_DIR);
	char out_name[] = "/tmp/dd-batch-out-XXXXXX";
	int out_fd = mkstemp(out_name);
	size_t n = 0;
	while (args[n])
		n++;
	const char **argv = calloc(n + 2, sizeof *argv);
	argv[0] = path;
	memcpy(argv + 1, args, n * sizeof *args);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd, 0);
		dup2(out_fd, 1);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	lseek(out_fd, 0, SEEK_SET);
	r.out = cli_read_fd_all(out_fd);
	r.err = strdup("");
	close(out_fd);
	unlink(out_name);
	close(fd);
	close(saved);
	free(argv);
	return r;
}

/* Writes bytes (len of them) to scratch/name; the path in buf. */
static const char *write_input(const char *name, const char *bytes, size_t len, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", scratch, name);
	FILE *f = fopen(buf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The lines of out as parsed JSON objects (each line must be one). */
static size_t json_lines(const char *out, cJSON **objs, size_t max)
{
	size_t n = 0;
	for (const char *p = out; *p && n < max;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl); /* every line ends */
		char *line = strndup(p, (size_t)(nl - p));
		objs[n] = cJSON_Parse(line);
		if (!objs[n])
			fail_msg("not a JSON line: %s", line);
		free(line);
		n++;
		p = nl + 1;
	}
	return n;
}

/* obj without its elapsed_ms (which differs between runs). */
static cJSON *without_time(cJSON *obj)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "elapsed_ms");
	return obj;
}

static const char *const queries[] = { "饮水",        "合作医疗 报销",      "\"镇里\"",   "宅基地 AND (建房 OR 审批)",
	                               "(unbalanced", "修路 county:石林县", "topic:water" };
#define N_QUERIES (sizeof queries / sizeof queries[0])
#define BAD_LINE 5 /* 1-based: "(unbalanced" */

static void check_against_single_runs(const char *out)
{
	cJSON *lines[32];
	size_t n = json_lines(out, lines, 32);
	assert_int_equal(n, N_QUERIES);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 == BAD_LINE) {
			assert_int_equal(cJSON_GetObjectItem(lines[i], "line")->valuedouble, BAD_LINE);
			assert_string_equal(cJSON_GetObjectItem(lines[i], "query")->valuestring, queries[i]);
			assert_non_null(strstr(cJSON_GetObjectItem(lines[i], "error")->valuestring, "unbalanced"));
			assert_null(cJSON_GetObjectItem(lines[i], "hits"));
			cJSON_Delete(lines[i]);
			continue;
		}
		cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--json", "--limit", "5", "--facets",
		                         "county,topic", queries[i], (char *)NULL);
		assert_int_equal(r.status, 0);
		cJSON *single = without_time(cJSON_Parse(r.out));
		assert_non_null(single);
		assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(single, "hits")) > 0);
		if (!cJSON_Compare(single, without_time(lines[i]), 1)) {
			char *a = cJSON_PrintUnformatted(single), *b = cJSON_PrintUnformatted(lines[i]);
			fail_msg("line %zu differs from a single run:\n%s\n%s", i + 1, a, b);
		}
		cJSON_Delete(single);
		cJSON_Delete(lines[i]);
		cli_result_free(&r);
	}
}

static void test_file_equals_single_runs(void **state)
{
	(void)state;
	char text[4096] = "", path[4200];
	for (size_t i = 0; i < N_QUERIES; i++) {
		strcat(text, queries[i]);
		strcat(text, i == 1 ? "\r\n" : "\n"); /* a CRLF line too */
	}
	write_input("queries.txt", text, strlen(text), path, sizeof path);
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--batch", path, "--limit", "5", "--facets",
	                         "county,topic", (char *)NULL);
	assert_int_equal(r.status, 2); /* one line refused */
	check_against_single_runs(r.out);
	cli_result_free(&r);

	/* the same from standard input, the last line without its newline */
	text[strlen(text) - 1] = '\0';
	write_input("queries-stdin.txt", text, strlen(text), path, sizeof path);
	const char *args[] = { "--db", corpus_db, "--limit", "5", "--facets", "county,topic", "--batch", "-", NULL };
	r = run_with_stdin(path, args);
	assert_int_equal(r.status, 2);
	check_against_single_runs(r.out);
	cli_result_free(&r);
}

static void test_all_answered_exit_zero(void **state)
{
	(void)state;
	char path[4200];
	const char text[] = "饮水\n不存在的词组合zzqx\n\"镇里\"\n";
	write_input("good.txt", text, sizeof text - 1, path, sizeof path);
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--batch", path, "--no-snippets", (char *)NULL);
	assert_int_equal(r.status, 0); /* a line matching nothing is still answered */
	cJSON *lines[8];
	assert_int_equal(json_lines(r.out, lines, 8), 3);
	assert_true(cJSON_GetObjectItem(lines[0], "total")->valuedouble > 0);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(lines[0], "hits"), 0), "snippet")->valuestring,
	    "");
	for (int i = 0; i < 3; i++)
		cJSON_Delete(lines[i]);
	cli_result_free(&r);
}

static void test_hostile_lines(void **state)
{
	(void)state;
	size_t huge = 200000;
	char *text = malloc(huge + 64), path[4200];
	assert_non_null(text);
	size_t len = 0;
	len += (size_t)sprintf(text + len, "饮水\n");
	memset(text + len, 'a', huge);
	len += huge;
	text[len++] = '\n';
	memcpy(text + len, "ab\0cd\n", 6);
	len += 6;
	memcpy(text + len, "\xe9\xa5\n", 3); /* a character cut short */
	len += 3;
	len += (size_t)sprintf(text + len, "\n修路\n");
	write_input("hostile.txt", text, len, path, sizeof path);
	free(text);
	cli_result_t r = cli_run("dundian-search", "--db", corpus_db, "--batch", path, "--limit", "1", (char *)NULL);
	assert_int_equal(r.status, 2);
	cJSON *lines[8];
	assert_int_equal(json_lines(r.out, lines, 8), 6);
	const char *errors[] = { NULL, "too long", "NUL", "UTF-8", "empty", NULL };
	for (int i = 0; i < 6; i++) {
		cJSON *error = cJSON_GetObjectItem(lines[i], "error");
		if (!errors[i]) {
			assert_null(error);
			assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(lines[i], "hits")), 1);
		} else {
			assert_non_null(error);
			assert_non_null(strstr(error->valuestring, errors[i]));
			assert_int_equal(cJSON_GetObjectItem(lines[i], "line")->valuedouble, i + 1);
		}
		cJSON_Delete(lines[i]);
	}
	cli_result_free(&r);

	/* a missing file, a folder, a query as well: one line each, exit 2 */
	const char *missing[] = { "--db", corpus_db, "--batch", "/nonexistent/queries.txt", NULL };
	const char *folder[] = { "--db", corpus_db, "--batch", scratch, NULL };
	const char *both[] = { "--db", corpus_db, "--batch", path, "饮水", NULL };
	const char *const *cases[] = { missing, folder, both };
	for (int i = 0; i < 3; i++) {
		r = cli_run_argv("dundian-search", cases[i]);
		assert_int_equal(r.status, 2);
		assert_string_equal(r.out, "");
		assert_non_null(strchr(r.err, '\n'));
		assert_string_equal(strchr(r.err, '\n'), "\n"); /* one line */
		cli_result_free(&r);
	}
	/* a missing index: exit 3 */
	const char *no_index[] = { "--db", "/nonexistent/db", "--batch", path, NULL };
	r = cli_run_argv("dundian-search", no_index);
	assert_int_equal(r.status, 3);
	cli_result_free(&r);
}

int main(void)
{
	alarm(580); /* a hung program fails the run instead of stalling it */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_equals_single_runs),
		cmocka_unit_test(test_all_answered_exit_zero),
		cmocka_unit_test(test_hostile_lines),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
