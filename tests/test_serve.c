/* test_serve.c - `dundian-search serve`, started on a free loopback port
 * against an index of the bundled corpus plus a note full of markup, asked
 * with plain HTTP/1.1 requests over a socket: every endpoint and error
 * status, the API equal to the command line's JSON, the page compiled in,
 * path traversal, bounds, and searching while dundian-index rewrites the
 * index under the server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "cli_util.h"

static char db[4200], notes_dir[4200], corpus_dir[4200], away_dir[4200];
static pid_t server_pid;
static int port;

static const char *const xss_note =
    "---\nid: X0001\ntitle: <script>window.__xss=1</script>\"onerror=&amp;饮水标题\n"
    "author: <img src=x onerror=\"window.__xss=2\">\ncounty: 柳浦县\ndate: 2007-04-01\n---\n\n"
    "脚本测试：<script>window.__xss=4</script>村里的饮水问题，\"onerror=alert(1) &amp; 自来水。\n";

/* ---- a tiny HTTP/1.1 client ---- */

typedef struct response {
	int status;
	char *head; /* status line and headers */
	char *body;
	size_t body_len;
} response_t;

static void response_free(response_t *r)
{
	free(r->head);
	free(r->body);
}

/* Sends "METHOD target HTTP/1.1" (target sent as is, not normalised) and
 * reads the whole answer (the server closes after it). */
static response_t request(const char *method, const char *target)
{
	response_t r = { -1, NULL, NULL, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = { 30, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	char req[16384];
	int n =
	    snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", method, target);
	assert_true(n > 0 && (size_t)n < sizeof req);
	assert_int_equal(write(fd, req, (size_t)n), n);
	char *all = cli_read_fd_all(fd);
	close(fd);
	assert_non_null(all);
	char *end = strstr(all, "\r\n\r\n");
	assert_non_null(end);
	*end = '\0';
	r.head = strdup(all);
	r.body = strdup(end + 4);
	r.body_len = strlen(r.body);
	sscanf(all, "HTTP/1.1 %d", &r.status);
	free(all);
	return r;
}

static response_t get(const char *target)
{
	return request("GET", target);
}

/* The value of header name in r (case-insensitive name), or NULL. */
static const char *header(const response_t *r, const char *name, char *buf, size_t size)
{
	for (const char *line = strstr(r->head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *h = line + 2;
		if (strncasecmp(h, name, strlen(name)) == 0 && h[strlen(name)] == ':') {
			const char *v = h + strlen(name) + 1;
			while (*v == ' ')
				v++;
			const char *e = strstr(v, "\r\n");
			size_t len = e ? (size_t)(e - v) : strlen(v);
			snprintf(buf, size, "%.*s", (int)len, v);
			return buf;
		}
	}
	return NULL;
}

static cJSON *json_of(const response_t *r)
{
	cJSON *o = cJSON_Parse(r->body);
	if (!o)
		fail_msg("not JSON (%d): %s", r->status, r->body);
	return o;
}

/* Asserts status and that the body is {"error": "..."}; returns the message
 * (malloc'd). */
static char *expect_error(const char *target, int status)
{
	response_t r = get(target);
	if (r.status != status)
		fail_msg("%s: status %d, wanted %d: %s", target, r.status, status, r.body);
	char buf[256];
	assert_non_null(header(&r, "Content-Type", buf, sizeof buf));
	assert_string_equal(buf, "application/json; charset=utf-8");
	cJSON *o = json_of(&r);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	assert_true(cJSON_IsString(e) && e->valuestring[0]);
	assert_null(strchr(e->valuestring, '\n'));
	char *message = strdup(e->valuestring);
	cJSON_Delete(o);
	response_free(&r);
	return message;
}

/* The CLI's JSON for args, and the server's for target, must be equal
 * (but elapsed_ms). */
static void expect_same_as_cli(const char *target, const char *const *args)
{
	cli_result_t c = cli_run_argv("dundian-search", args);
	assert_true(c.status == 0 || c.status == 1);
	response_t r = get(target);
	assert_int_equal(r.status, 200);
	cJSON *want = cJSON_Parse(c.out), *got = json_of(&r);
	assert_non_null(want);
	cJSON_DeleteItemFromObject(want, "elapsed_ms");
	assert_non_null(cJSON_GetObjectItemCaseSensitive(got, "elapsed_ms") ? got : want);
	cJSON_DeleteItemFromObject(got, "elapsed_ms");
	if (!cJSON_Compare(want, got, 1))
		fail_msg("%s differs from the CLI:\nserver: %.2000s\ncli: %.2000s", target, r.body, c.out);
	cJSON_Delete(want);
	cJSON_Delete(got);
	response_free(&r);
	cli_result_free(&c);
}

/* ---- the server ---- */

static pid_t start_server(const char *db_path, int *port_out)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execl(DD_BIN_DIR "/dundian-search", "dundian-search", "serve", "--db", db_path, "--port", "0",
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char line[8192];
	size_t len = 0;
	while (len + 1 < sizeof line && read(out[0], line + len, 1) == 1 && line[len] != '\n')
		len++;
	line[len] = '\0';
	close(out[0]);
	const char *at = strstr(line, "at http://127.0.0.1:");
	if (!at) {
		fail_msg("serve printed: '%s'", line);
		return pid;
	}
	assert_non_null(strstr(line, "dundian-search: serving "));
	*port_out = atoi(at + strlen("at http://127.0.0.1:"));
	assert_true(*port_out > 0);
	return pid;
}

static int setup(void **state)
{
	(void)state;
	char root[4096];
	if (!cli_scratch("serve", root, sizeof root))
		return -1;
	snprintf(notes_dir, sizeof notes_dir, "%s/notes", root);
	snprintf(db, sizeof db, "%s/db", root);
	snprintf(corpus_dir, sizeof corpus_dir, "%s/corpus", root);
	snprintf(away_dir, sizeof away_dir, "%s/away", root);
	if (mkdir(notes_dir, 0755) != 0 || cli_write_file(notes_dir, "X0001.md", xss_note) != 0)
		return -1;
	/* a copy of the corpus, so the re-indexing test can take it away */
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", CLI_CORPUS_NOTES, corpus_dir);
	if (system(cmd) != 0)
		return -1;
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", db, corpus_dir, notes_dir, (char *)NULL);
	int ok = r.status == 0;
	cli_result_free(&r);
	if (!ok)
		return -1;
	server_pid = start_server(db, &port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		int ws = 0;
		waitpid(server_pid, &ws, 0);
		/* it stops cleanly on SIGTERM */
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			return -1;
	}
	return 0;
}

/* ---- the tests ---- */

static void test_health(void **state)
{
	(void)state;
	response_t r = get("/api/health");
	assert_int_equal(r.status, 200);
	cJSON *o = json_of(&r);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "status")->valuestring, "ok");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "notes")->valueint, 501);
	cJSON_Delete(o);
	response_free(&r);
}

static void test_search_equals_cli(void **state)
{
	(void)state;
	/* 饮水 = %E9%A5%AE%E6%B0%B4, 柳浦县 = %E6%9F%B3%E6%B5%A6%E5%8E%BF */
	expect_same_as_cli("/api/search?q=%E9%A5%AE%E6%B0%B4&facets=topic,county,month",
	                   (const char *[]){ "--db", db, "--json", "--facets", "topic,county,month", "饮水", NULL });
	expect_same_as_cli(
	    "/api/search?q=%E9%A5%AE%E6%B0%B4+county:%E6%9F%B3%E6%B5%A6%E5%8E%BF&limit=5&offset=3&sort=date",
	    (const char *[]){ "--db", db, "--json", "--limit", "5", "--offset", "3", "--sort", "date",
	                      "饮水 county:柳浦县", NULL });
	expect_same_as_cli("/api/search?like=N0229&limit=5",
	                   (const char *[]){ "--db", db, "--json", "--like", "N0229", "--limit", "5", NULL });
	expect_same_as_cli("/api/search?q=zzzqqq", (const char *[]){ "--db", db, "--json", "zzzqqq", NULL });
	/* did you mean: 饮说 = %E9%A5%AE%E8%AF%B4 */
	expect_same_as_cli("/api/search?q=%E9%A5%AE%E8%AF%B4", (const char *[]){ "--db", db, "--json", "饮说", NULL });
	response_t r = get("/api/search?q=%E9%A5%AE%E8%AF%B4");
	cJSON *o = json_of(&r);
	const cJSON *suggestion = cJSON_GetObjectItemCaseSensitive(o, "suggestion");
	assert_true(cJSON_IsString(suggestion));
	assert_string_equal(suggestion->valuestring, "饮水");
	cJSON_Delete(o);
	response_free(&r);
}

static void test_search_errors(void **state)
{
	(void)state;
	/* a malformed query: the CLI's message */
	cli_result_t c = cli_run("dundian-search", "--db", db, "饮水 AND (", (char *)NULL);
	assert_int_equal(c.status, 2);
	char *message = expect_error("/api/search?q=%E9%A5%AE%E6%B0%B4%20AND%20(", 400);
	char want[1024];
	snprintf(want, sizeof want, "dundian-search: %s\n", message);
	assert_string_equal(c.err, want);
	free(message);
	cli_result_free(&c);
	/* bounds and bad parameters */
	const char *const bad[] = { "/api/search?q=a&limit=101", "/api/search?q=a&limit=-1",
		                    "/api/search?q=a&limit=ten", "/api/search?q=a&offset=100001",
		                    "/api/search?q=a&sort=size", "/api/search?q=a&facets=colour",
		                    "/api/search?q=%00a",        "/api/search?q=%FF%FE",
		                    "/api/search?q=a&limit=%201" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		free(expect_error(bad[i], 400));
	message = expect_error("/api/search?q=a&limit=101", 400);
	assert_string_equal(message, "limit '101' is not a number from 0 to 100");
	free(message);
	/* a query longer than 4 KB */
	char target[6000] = "/api/search?q=";
	memset(target + strlen(target), 'a', 4097);
	target[14 + 4097] = '\0';
	message = expect_error(target, 400);
	assert_non_null(strstr(message, "too long"));
	free(message);
	free(expect_error("/api/search?like=N9999", 404));
}

static void test_note(void **state)
{
	(void)state;
	expect_same_as_cli("/api/note/N0229?highlight=%E9%A5%AE%E6%B0%B4",
	                   (const char *[]){ "--db", db, "show", "N0229", "--json", "--highlight", "饮水", NULL });
	expect_same_as_cli("/api/note/N0229?para=2",
	                   (const char *[]){ "--db", db, "show", "N0229", "--json", "--para", "2", NULL });
	char *message = expect_error("/api/note/N9999", 404);
	assert_string_equal(message, "no note N9999");
	free(message);
	free(expect_error("/api/note/N0229?para=999", 400));
	free(expect_error("/api/note/N0229?para=0", 400));
	free(expect_error("/api/note/N0229?highlight=(", 400));
	free(expect_error("/api/note/", 404));
}

static void test_excerpt(void **state)
{
	(void)state;
	cli_result_t c = cli_run("dundian-search", "--db", db, "excerpt", "--format", "json", "--limit", "3",
	                         "--per-note", "2", "饮水", (char *)NULL);
	cli_result_t md = cli_run("dundian-search", "--db", db, "excerpt", "--format", "markdown", "--limit", "3",
	                          "--per-note", "2", "饮水", (char *)NULL);
	assert_int_equal(c.status, 0);
	assert_int_equal(md.status, 0);
	response_t r = get("/api/excerpt?q=%E9%A5%AE%E6%B0%B4&limit=3&per_note=2");
	assert_int_equal(r.status, 200);
	cJSON *got = json_of(&r), *want = cJSON_Parse(c.out), *e, *p;
	/* each passage's markdown, in order, is what --format markdown prints */
	char *joined = calloc(1, strlen(md.out) + 1);
	size_t passages = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(got, "excerpts"))
	{
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, "passages"))
		{
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(p, "markdown");
			assert_true(cJSON_IsString(m));
			assert_true(strlen(joined) + strlen(m->valuestring) <= strlen(md.out));
			strcat(joined, m->valuestring);
			cJSON_DeleteItemFromObject(p, "markdown");
			passages++;
		}
	}
	assert_true(passages >= 3);
	assert_string_equal(joined, md.out);
	/* and without markdown the rest is the CLI's JSON */
	assert_true(cJSON_Compare(want, got, 1));
	free(joined);
	cJSON_Delete(got);
	cJSON_Delete(want);
	response_free(&r);
	cli_result_free(&c);
	cli_result_free(&md);
	char *message = expect_error("/api/excerpt", 400);
	assert_string_equal(message, "no query given");
	free(message);
	free(expect_error("/api/excerpt?q=a&per_note=0", 400));
	free(expect_error("/api/excerpt?q=a&limit=1000", 400));
	free(expect_error("/api/excerpt?q=a&context=101", 400));
}

static void test_report_and_topics(void **state)
{
	(void)state;
	expect_same_as_cli("/api/report?q=%E9%A5%AE%E6%B0%B4&by=month",
	                   (const char *[]){ "--db", db, "report", "饮水", "--by", "month", "--format", "json", NULL });
	expect_same_as_cli("/api/report", (const char *[]){ "--db", db, "report", "--format", "json", NULL });
	char *message = expect_error("/api/report?by=colour", 400);
	assert_string_equal(message, "unknown --by 'colour' (use county, city, month or author)");
	free(message);
	response_t r = get("/api/topics");
	assert_int_equal(r.status, 200);
	cJSON *o = json_of(&r), *t;
	assert_true(cJSON_GetArraySize(o) >= 10);
	int water = 0;
	cJSON_ArrayForEach(t, o)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "key");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
		assert_true(cJSON_IsString(key) && cJSON_IsString(name));
		if (strcmp(key->valuestring, "water") == 0)
			water = strcmp(name->valuestring, "饮水安全") == 0;
	}
	assert_true(water);
	cJSON_Delete(o);
	response_free(&r);
}

/* Every file of the page is served from the binary, byte for byte, with
 * its type and the security headers. */
static void test_page(void **state)
{
	(void)state;
	const char *const pages[][3] = { { "/", "index.html", "text/html; charset=utf-8" },
		                         { "/app.js", "app.js", "text/javascript; charset=utf-8" },
		                         { "/style.css", "style.css", "text/css; charset=utf-8" } };
	for (size_t i = 0; i < 3; i++) {
		response_t r = get(pages[i][0]);
		assert_int_equal(r.status, 200);
		char buf[512], path[4096];
		assert_string_equal(header(&r, "Content-Type", buf, sizeof buf), pages[i][2]);
		assert_string_equal(header(&r, "X-Content-Type-Options", buf, sizeof buf), "nosniff");
		assert_non_null(header(&r, "Content-Security-Policy", buf, sizeof buf));
		assert_non_null(strstr(buf, "default-src 'self'; script-src 'self'"));
		snprintf(path, sizeof path, "%s/web/%s", DD_SOURCE_DIR, pages[i][1]);
		int fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		char *want = cli_read_fd_all(fd);
		close(fd);
		assert_string_equal(r.body, want);
		free(want);
		response_free(&r);
	}
	/* the state in the query string still gets the page */
	response_t r = get("/?q=%E9%A5%AE%E6%B0%B4");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<script src=\"app.js\">"));
	response_free(&r);
}

static void test_traversal_and_unknown_paths(void **state)
{
	(void)state;
	const char *const paths[] = { "/../../../../etc/passwd",
		                      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		                      "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
		                      "/web/../../etc/passwd",
		                      "//etc/passwd",
		                      "/etc/passwd",
		                      "/api/note/../../etc/passwd",
		                      "/api/note/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		                      "/index.html/..",
		                      "/app.js/",
		                      "/api/searchx",
		                      "/api",
		                      "/web/app.js",
		                      "/CMakeLists.txt",
		                      "http://127.0.0.1/etc/passwd" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		response_t r = get(paths[i]);
		if (r.status != 404 && r.status != 400)
			fail_msg("%s: %d", paths[i], r.status);
		assert_null(strstr(r.body, "root:"));
		response_free(&r);
	}
}

static void test_methods(void **state)
{
	(void)state;
	const char *const methods[] = { "POST", "PUT", "DELETE", "OPTIONS" };
	for (size_t i = 0; i < 4; i++) {
		response_t r = request(methods[i], "/api/search?q=a");
		assert_int_equal(r.status, 405);
		char buf[64];
		assert_string_equal(header(&r, "Allow", buf, sizeof buf), "GET, HEAD");
		response_free(&r);
	}
}

/* The markup of a note comes back as JSON strings, exactly as written. */
static void test_markup_note_is_data(void **state)
{
	(void)state;
	response_t r = get("/api/note/X0001");
	assert_int_equal(r.status, 200);
	cJSON *o = json_of(&r);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "title")->valuestring,
	                    "<script>window.__xss=1</script>\"onerror=&amp;饮水标题");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "author")->valuestring,
	                    "<img src=x onerror=\"window.__xss=2\">");
	/* the quote is escaped inside the JSON string */
	assert_non_null(strstr(r.body, "\\\"onerror=&amp;"));
	cJSON_Delete(o);
	response_free(&r);
}

/* dundian-index empties the index (the corpus taken away: only the markup
 * note is left) and fills it again while the server answers searches:
 * none fails. */
static void test_search_while_reindexing(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t indexer = fork();
	if (indexer == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		if (rename(corpus_dir, away_dir) != 0)
			_exit(1);
		cli_result_t a = cli_run("dundian-index", "--quiet", "--db", db, notes_dir, (char *)NULL);
		if (rename(away_dir, corpus_dir) != 0)
			_exit(1);
		cli_result_t b = cli_run("dundian-index", "--quiet", "--db", db, corpus_dir, notes_dir, (char *)NULL);
		_exit(a.status == 0 && b.status == 0 ? 0 : 1);
	}
	size_t requests = 0, small = 0, full = 0;
	int ws = 0;
	while (waitpid(indexer, &ws, WNOHANG) == 0) {
		response_t r = get("/api/search?q=%E9%A5%AE%E6%B0%B4&facets=topic");
		if (r.status != 200)
			fail_msg("a search during re-indexing failed (%d): %s", r.status, r.body);
		cJSON *o = json_of(&r);
		int total = cJSON_GetObjectItemCaseSensitive(o, "total")->valueint;
		small += total == 1;
		full += total > 1;
		cJSON_Delete(o);
		response_free(&r);
		response_t n = get("/api/note/X0001");
		assert_int_equal(n.status, 200);
		response_free(&n);
		requests++;
	}
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_true(requests > 10);
	/* it saw the index shrink (only the markup note holds 饮水 then) */
	assert_true(small > 0);
	/* and grow back */
	response_t r = get("/api/health");
	assert_non_null(strstr(r.body, "\"notes\":501"));
	response_free(&r);
	(void)full;
}

static void test_bad_usage(void **state)
{
	(void)state;
	cli_result_t r = cli_run("dundian-search", "serve", "--db", db, "--bind", "localhost:80", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--bind"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "serve", "--db", db, "--port", "70000", (char *)NULL);
	assert_int_equal(r.status, 2);
	cli_result_free(&r);
	r = cli_run("dundian-search", "serve", "--db", DD_TEST_TMP "/no-such-index", "--port", "0", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "no index"));
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),        cmocka_unit_test(test_search_equals_cli),
		cmocka_unit_test(test_search_errors), cmocka_unit_test(test_note),
		cmocka_unit_test(test_excerpt),       cmocka_unit_test(test_report_and_topics),
		cmocka_unit_test(test_page),          cmocka_unit_test(test_traversal_and_unknown_paths),
		cmocka_unit_test(test_methods),       cmocka_unit_test(test_markup_note_is_data),
		cmocka_unit_test(test_bad_usage),     cmocka_unit_test(test_search_while_reindexing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
