/* cli_util.h - helpers for tests that drive the real dundian binaries:
 * run a program with arguments (no shell), capture its output and exit
 * status, write small notes into a scratch folder, read JSON results.
 * Header-only (static functions) so every test program can include it. */
#ifndef DD_CLI_UTIL_H
#define DD_CLI_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

typedef struct cli_result {
	int status; /* exit status, or -1 if it did not exit normally */
	char *out;  /* everything written to stdout (NUL-terminated) */
	char *err;  /* everything written to stderr */
} cli_result_t;

__attribute__((unused)) static char *cli_read_fd_all(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t r;
	while (buf && (r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 2) {
			char *b = realloc(buf, cap *= 2);
			if (!b)
				free(buf);
			buf = b;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Runs program (a name in DD_BIN_DIR, e.g. "dundian-search") with the
 * NULL-terminated argv that follows. */
__attribute__((unused)) static cli_result_t cli_run_argv(const char *program, const char *const *args)
{
	cli_result_t r = { -1, NULL, NULL };
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", DD_BIN_DIR, program);
	char out_name[] = "/tmp/dd-cli-out-XXXXXX", err_name[] = "/tmp/dd-cli-err-XXXXXX";
	int out_fd = mkstemp(out_name), err_fd = mkstemp(err_name);
	if (out_fd < 0 || err_fd < 0)
		return r;
	size_t n = 0;
	while (args[n])
		n++;
	const char **argv = calloc(n + 2, sizeof *argv);
	argv[0] = path;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = args[i];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	lseek(out_fd, 0, SEEK_SET);
	lseek(err_fd, 0, SEEK_SET);
	r.out = cli_read_fd_all(out_fd);
	r.err = cli_read_fd_all(err_fd);
	close(out_fd);
	close(err_fd);
	unlink(out_name);
	unlink(err_name);
	free(argv);
	return r;
}

/* cli_run("dundian-search", "--db", db, "饮水", (char *)NULL) */
__attribute__((unused)) static cli_result_t cli_run(const char *program, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, program);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 63)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return cli_run_argv(program, args);
}

__attribute__((unused)) static void cli_result_free(cli_result_t *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* A fresh empty scratch folder DD_TEST_TMP/name (removed first). */
__attribute__((unused)) static const char *cli_scratch(const char *name, char *buf, size_t size)
{
	char cmd[16384];
	snprintf(buf, size, "%s/%s", DD_TEST_TMP, name);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
	if (system(cmd) != 0)
		return NULL;
	return buf;
}

/* Writes text to dir/name (creating dir). Returns 0 on success. */
__attribute__((unused)) static int cli_write_file(const char *dir, const char *name, const char *text)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The ids of the hits of a `dundian-search --json` output, space-separated
 * in rank order, in a malloc'd string ("" when none; NULL if not JSON). */
__attribute__((unused)) static char *cli_hit_ids(const char *json_text)
{
	cJSON *root = cJSON_Parse(json_text);
	if (!root)
		return NULL;
	const cJSON *hits = cJSON_GetObjectItemCaseSensitive(root, "hits"), *h;
	size_t cap = 16 + (size_t)cJSON_GetArraySize(hits) * 16;
	char *ids = calloc(1, cap);
	cJSON_ArrayForEach(h, hits)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(h, "id");
		if (cJSON_IsString(id) && strlen(ids) + strlen(id->valuestring) + 2 < cap) {
			if (ids[0])
				strcat(ids, " ");
			strcat(ids, id->valuestring);
		}
	}
	cJSON_Delete(root);
	return ids;
}

/* qsort's order of strings (an array of char *). */
__attribute__((unused)) static int cli_by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The n strings of v sorted (v is sorted in place) and joined by spaces, in
 * a malloc'd string: id lists compared as sets. */
__attribute__((unused)) static char *cli_sorted_join(char **v, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	qsort(v, n, sizeof *v, cli_by_string);
	char *out = calloc(1, len);
	for (size_t i = 0; out && i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	return out;
}

/* A space-separated list (changed in place) sorted, in a malloc'd string. */
__attribute__((unused)) static char *cli_sorted_words(char *list)
{
	char *v[1024];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(list, " ", &save); t && n < 1024; t = strtok_r(NULL, " ", &save))
		v[n++] = t;
	return cli_sorted_join(v, n);
}

/* Path of the bundled corpus notes and of the repository root. */
#define CLI_CORPUS_NOTES DD_SOURCE_DIR "/corpus/notes"

/* An index of the whole bundled corpus, built once per test program into
 * DD_TEST_TMP/<name> (returns its path, or NULL if indexing failed). */
__attribute__((unused)) static const char *cli_corpus_index(const char *name, char *buf, size_t size)
{
	if (!cli_scratch(name, buf, size))
		return NULL;
	strncat(buf, "/db", size - strlen(buf) - 1);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", buf, CLI_CORPUS_NOTES, (char *)NULL);
	int ok = r.status == 0;
	if (!ok)
		fprintf(stderr, "indexing the corpus failed (%d): %s\n", r.status, r.err ? r.err : "");
	cli_result_free(&r);
	return ok ? buf : NULL;
}

/* An index of a few notes written here: files holds pairs of file name
 * and text, NULL-terminated; they go to DD_TEST_TMP/<name>/notes and the
 * index to DD_TEST_TMP/<name>/db (returned in buf, or NULL on failure). */
__attribute__((unused)) static const char *cli_notes_index(const char *name, const char *const *files, char *buf,
                                                           size_t size)
{
	char root[4096], notes[4200];
	if (!cli_scratch(name, root, sizeof root))
		return NULL;
	snprintf(notes, sizeof notes, "%s/notes", root);
	if (mkdir(notes, 0755) != 0)
		return NULL;
	for (size_t i = 0; files[i] && files[i + 1]; i += 2)
		if (cli_write_file(notes, files[i], files[i + 1]) != 0)
			return NULL;
	snprintf(buf, size, "%s/db", root);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", buf, notes, (char *)NULL);
	int ok = r.status == 0;
	if (!ok)
		fprintf(stderr, "indexing %s failed (%d): %s\n", notes, r.status, r.err ? r.err : "");
	cli_result_free(&r);
	return ok ? buf : NULL;
}

#endif
