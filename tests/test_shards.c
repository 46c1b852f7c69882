/* test_shards.c - one index in two shards, searched through a Xapian stub:
 * both local (auto), both served by xapian-tcpsrv (remote), and one of
 * each, must answer exactly as the single index of the same notes does:
 * the same hits in the same order with the same scores, the same
 * excerpts, reports, facets, notes and "more like this".
 *
 * The servers are started here on free loopback ports, each in its own
 * process group and told to die with this process (PR_SET_PDEATHSIG), and
 * killed by the group teardown and at exit, so a failing test leaves none
 * running.  Without xapian-tcpsrv (Debian: xapian-tools, which tests/run.sh
 * installs) the program says so and exits 77, which ctest reports as
 * skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#define TCPSRV "xapian-tcpsrv"

static char area[4096], single[4200], shard1[4200], shard2[4200];
static char local_stub[4200], remote_stub[4200], mixed_stub[4200];
static pid_t servers[2];
static int ports[2];

static void stop_servers(void)
{
	for (int i = 0; i < 2; i++) {
		if (servers[i] > 0) {
			kill(-servers[i], SIGKILL); /* its group: the server and its connections */
			kill(servers[i], SIGKILL);
			waitpid(servers[i], NULL, 0);
			servers[i] = 0;
		}
	}
}

/* A loopback port nobody listens on now. */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	int port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Starts xapian-tcpsrv on a free port serving dir; its pid, or -1. */
static pid_t start_server(const char *dir, int *port)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		*port = free_port();
		char port_text[16];
		snprintf(port_text, sizeof port_text, "%d", *port);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			setpgid(0, 0);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			int devnull = open("/dev/null", O_RDWR);
			if (devnull >= 0) {
				dup2(devnull, 0);
				dup2(devnull, 1);
				dup2(devnull, 2); /* it reports each probe of the port */
			}
			execlp(TCPSRV, TCPSRV, "--port", port_text, "--interface", "127.0.0.1", "--quiet", dir,
			       (char *)NULL);
			_exit(127);
		}
		if (pid < 0)
			return -1;
		setpgid(pid, pid);
		/* up to 10 s for it to listen; a port taken meanwhile: try another */
		for (int waited = 0; waited < 200; waited++) {
			if (waitpid(pid, NULL, WNOHANG) == pid)
				break;
			if (accepts(*port))
				return pid;
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

static int has_tcpsrv(void)
{
	return system("command -v " TCPSRV " >/dev/null 2>&1") == 0;
}

/* Indexes the bundled corpus (shard "K/N" of it) into db: how many notes
 * db then holds. */
static size_t index_into(const char *db, const char *shard, const char *expect)
{
	cli_result_t r =
	    shard ? cli_run("dundian-index", "--quiet", "--shard", shard, "--db", db, CLI_CORPUS_NOTES, (char *)NULL)
	          : cli_run("dundian-index", "--quiet", "--db", db, CLI_CORPUS_NOTES, (char *)NULL);
	if (r.status != 0)
		fprintf(stderr, "%s", r.err);
	assert_int_equal(r.status, 0);
	if (expect && !strstr(r.out, expect))
		fail_msg("'%s' not in: %s", expect, r.out);
	const char *holds = strstr(r.out, " holds ");
	size_t n = holds ? strtoul(holds + 7, NULL, 10) : 0;
	cli_result_free(&r);
	return n;
}

static size_t n_single, n_shard1, n_shard2;

static int setup(void **state)
{
	(void)state;
	atexit(stop_servers);
	if (!cli_scratch("shards", area, sizeof area))
		return -1;
	snprintf(single, sizeof single, "%s/single", area);
	snprintf(shard1, sizeof shard1, "%s/shard1", area);
	snprintf(shard2, sizeof shard2, "%s/shard2", area);
	n_single = index_into(single, NULL, "500 added");
	n_shard1 = index_into(shard1, "1/2", "in other shards");
	n_shard2 = index_into(shard2, "2/2", "in other shards");
	for (int i = 0; i < 2; i++)
		if ((servers[i] = start_server(i ? shard2 : shard1, &ports[i])) < 0)
			return -1;
	char text[4400 + 64];
	snprintf(local_stub, sizeof local_stub, "%s/local.stub", area);
	assert_int_equal(cli_write_file(area, "local.stub", "# two shards on this machine\nauto shard1\nauto shard2\n"),
	                 0);
	snprintf(remote_stub, sizeof remote_stub, "%s/remote.stub", area);
	snprintf(text, sizeof text, "remote 127.0.0.1:%d\nremote tcp 127.0.0.1:%d\n", ports[0], ports[1]);
	assert_int_equal(cli_write_file(area, "remote.stub", text), 0);
	snprintf(mixed_stub, sizeof mixed_stub, "%s/mixed.stub", area);
	snprintf(text, sizeof text, "auto %s\nremote 127.0.0.1:%d\n", shard1, ports[1]);
	assert_int_equal(cli_write_file(area, "mixed.stub", text), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_servers();
	return 0;
}

/* The output of a run on db, exit status checked; JSON without the
 * elapsed time (the one member that may differ). */
static char *answer(const char *db, const char *const *args, int expect_status)
{
	const char *argv[40];
	size_t n = 0;
	argv[n++] = "--db";
	argv[n++] = db;
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cli_result_t r = cli_run_argv("dundian-search", argv);
	if (r.status != expect_status)
		fail_msg("dundian-search --db %s %s ...: exit %d, stderr: %s", db, args[0], r.status, r.err);
	char *out = r.out;
	r.out = NULL;
	cli_result_free(&r);
	/* whole JSON objects only: text output starts "1. " */
	cJSON *root = cJSON_ParseWithOpts(out, NULL, 1);
	if (cJSON_IsObject(root)) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, "elapsed_ms");
		free(out);
		out = cJSON_Print(root);
	}
	cJSON_Delete(root);
	return out;
}

/* args answered by every stub exactly as by the single index. */
static void expect_same(const char *const *args, int expect_status)
{
	char *want = answer(single, args, expect_status);
	if (strlen(want) < 20)
		fail_msg("the single index answers '%s' with '%s'", args[0], want);
	const char *stubs[] = { local_stub, remote_stub, mixed_stub };
	for (size_t i = 0; i < 3; i++) {
		char *got = answer(stubs[i], args, expect_status);
		if (strcmp(want, got) != 0)
			fail_msg(
			    "%s answers '%s' otherwise than the single index:\n--- single\n%.2000s\n--- stub\n%.2000s",
			    stubs[i], args[0], want, got);
		free(got);
	}
	free(want);
}

static void test_shards_split_the_notes(void **state)
{
	(void)state;
	/* each shard has some notes, and together all of them, none twice */
	assert_int_equal(n_single, 500);
	assert_true(n_shard1 > 100 && n_shard2 > 100);
	assert_int_equal(n_shard1 + n_shard2, 500);
	/* each note is found through the stub, whichever shard holds it */
	expect_same((const char *[]){ "show", "N0001", "--json", NULL }, 0);
	expect_same((const char *[]){ "show", "N0002", "--json", NULL }, 0);
	expect_same((const char *[]){ "show", "N0500", "--json", NULL }, 0);
}

static void test_search_equals_single_index(void **state)
{
	(void)state;
	/* development queries (bench/dev/queries.tsv) and every query form */
	static const char *const queries[] = { "饮水安全",      "道路交通",
		                               "医疗保障",      "看病就医",
		                               "合作医疗 报销", "\"镇里\"",
		                               "topic:water",   "宅基地 AND (建房 OR 审批) -城中村" };
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++)
		expect_same((const char *[]){ "--json", "--limit", "30", "--facets", "topic,county,month,author",
		                              queries[i], NULL },
		            0);
	/* second page; filters only (oldest first, same day by id); by date */
	expect_same((const char *[]){ "--json", "--offset", "10", "--limit", "10", "饮水", NULL }, 0);
	expect_same((const char *[]){ "--json", "--limit", "40", "--facets", "topic,month", "county:石林县", NULL }, 0);
	expect_same((const char *[]){ "--json", "--limit", "40", "--sort", "date", "修路", NULL }, 0);
	/* text output too (snippets and marks), and nothing found */
	expect_same((const char *[]){ "合作医疗", NULL }, 0);
	expect_same((const char *[]){ "--json", "county:无此县", NULL }, 1);
	/* more like this: relevance feedback over the shards' statistics */
	expect_same((const char *[]){ "--json", "--like", "N0001", NULL }, 0);
	expect_same((const char *[]){ "--json", "--like", "N0002", NULL }, 0);
}

static void test_excerpt_and_report_equal_single_index(void **state)
{
	(void)state;
	expect_same((const char *[]){ "excerpt", "合作医疗", "--format", "json", NULL }, 0);
	expect_same((const char *[]){ "excerpt", "饮水", "--per-note", "3", "--context", "1", NULL }, 0);
	expect_same((const char *[]){ "report", "--by", "county", "--format", "json", NULL }, 0);
	expect_same((const char *[]){ "report", "饮水", "--by", "month", "--format", "csv", NULL }, 0);
	expect_same((const char *[]){ "report", "--by", "county", "--cell", "water=石林县", NULL }, 0);
}

static void assert_one_line_with(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' not in: %s", needle, text);
	assert_non_null(strchr(text, '\n'));
	assert_null(strchr(text, '\n') + 1 == text + strlen(text) ? NULL : strchr(strchr(text, '\n') + 1, '\n'));
}

/* Notes that score the same: a single index lists them in the order they
 * were indexed (Xapian's document numbers), shards interleave them; both
 * must give id order, on every page, whatever the file names. */
static void test_ties_in_id_order(void **state)
{
	(void)state;
	char root[4400], notes[4500], one[4500], parts[2][4500], stub[4600];
	snprintf(root, sizeof root, "%s/ties", area);
	snprintf(notes, sizeof notes, "%s/notes", root);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(notes, 0755), 0);
	/* file names in the reverse order of the ids: indexing goes by path */
	for (int i = 0; i < 24; i++) {
		char name[32], text[512];
		snprintf(name, sizeof name, "f%02d.md", 23 - i);
		snprintf(text, sizeof text,
		         "---\nid: T%02d\ntitle: 同一天\ndate: 2007-05-01\ncounty: 平县\n---\n村里修路，路面硬化了。\n",
		         i);
		assert_int_equal(cli_write_file(notes, name, text), 0);
	}
	snprintf(one, sizeof one, "%s/one", root);
	cli_result_t r = cli_run("dundian-index", "--quiet", "--db", one, notes, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	for (int k = 0; k < 2; k++) {
		char shard[8];
		snprintf(shard, sizeof shard, "%d/2", k + 1);
		snprintf(parts[k], sizeof parts[k], "%s/part%d", root, k + 1);
		r = cli_run("dundian-index", "--quiet", "--shard", shard, "--db", parts[k], notes, (char *)NULL);
		assert_int_equal(r.status, 0);
		cli_result_free(&r);
	}
	assert_int_equal(cli_write_file(root, "ties.stub", "auto part1\nauto part2\n"), 0);
	snprintf(stub, sizeof stub, "%s/ties.stub", root);
	static const char *const pages[][2] = { { "0", "24" }, { "0", "5" }, { "3", "5" }, { "20", "10" } };
	static const char *const queries[] = { "修路", "county:平县", "\"路面\"" };
	for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
		for (size_t p = 0; p < sizeof pages / sizeof *pages; p++) {
			const char *args[] = { "--json",    "--offset", pages[p][0], "--limit",
				               pages[p][1], queries[q], NULL };
			char *a = answer(one, args, 0), *b = answer(stub, args, 0);
			char *ids = cli_hit_ids(a), want[256] = "";
			int from = atoi(pages[p][0]), n = atoi(pages[p][1]);
			for (int i = from; i < from + n && i < 24; i++) {
				char id[24];
				snprintf(id, sizeof id, "%sT%02d", want[0] ? " " : "", i);
				strcat(want, id);
			}
			if (strcmp(ids, want) != 0)
				fail_msg("%s, page %s+%s: %s, not in id order %s", queries[q], pages[p][0], pages[p][1],
				         ids, want);
			assert_string_equal(a, b);
			free(ids);
			free(a);
			free(b);
		}
	}
}

/* A stub named name holding text is refused: exit 3, one line with message. */
static void refused_stub(const char *name, const char *text, const char *message)
{
	char path[4400];
	assert_int_equal(cli_write_file(area, name, text), 0);
	snprintf(path, sizeof path, "%s/%s", area, name);
	cli_result_t r = cli_run("dundian-search", "--db", path, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line_with(r.err, message);
	cli_result_free(&r);
}

static void test_bad_stubs(void **state)
{
	(void)state;
	char path[4400], text[256];
	/* a bad line is named */
	assert_int_equal(cli_write_file(area, "bad.stub", "auto shard1\nremote nowhere\n"), 0);
	snprintf(path, sizeof path, "%s/bad.stub", area);
	cli_result_t r = cli_run("dundian-search", "--db", path, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line_with(r.err, "bad.stub:2:");
	cli_result_free(&r);
	/* a shard that is not there, and a server that does not answer */
	assert_int_equal(cli_write_file(area, "missing.stub", "auto shard1\nauto shard9\n"), 0);
	snprintf(path, sizeof path, "%s/missing.stub", area);
	r = cli_run("dundian-search", "--db", path, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line_with(r.err, "shard9");
	cli_result_free(&r);
	int dead = free_port();
	snprintf(text, sizeof text, "auto shard1\nremote 127.0.0.1:%d\n", dead);
	assert_int_equal(cli_write_file(area, "dead.stub", text), 0);
	snprintf(path, sizeof path, "%s/dead.stub", area);
	r = cli_run("dundian-search", "--db", path, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	snprintf(text, sizeof text, "127.0.0.1:%d", dead);
	assert_one_line_with(r.err, text);
	cli_result_free(&r);
	/* shards built with different vocabularies are refused, not mixed */
	char other[4400];
	snprintf(other, sizeof other, "%s/othervocab", area);
	assert_int_equal(mkdir(other, 0755), 0);
	char cmd[9000];
	snprintf(cmd, sizeof cmd,
	         "cp '%s'/corpus/*.txt '%s'/corpus/taxonomy.json '%s' && echo 新造词语 >> '%s/dictionary.txt'",
	         DD_SOURCE_DIR, DD_SOURCE_DIR, other, other);
	assert_int_equal(system(cmd), 0);
	char shard3[4400];
	snprintf(shard3, sizeof shard3, "%s/shard3", area);
	r = cli_run("dundian-index", "--quiet", "--vocabulary", other, "--shard", "2/2", "--db", shard3,
	            CLI_CORPUS_NOTES, (char *)NULL);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	assert_int_equal(cli_write_file(area, "mixedvocab.stub", "auto shard1\nauto shard3\n"), 0);
	snprintf(path, sizeof path, "%s/mixedvocab.stub", area);
	r = cli_run("dundian-search", "--db", path, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line_with(r.err, "hold different dictionary");
	cli_result_free(&r);
	/* the same stub as Xapian's stub folder (XAPIANDB): checked alike */
	char folder[4500];
	snprintf(folder, sizeof folder, "%s/mixedvocab.d", area);
	assert_int_equal(mkdir(folder, 0755), 0);
	assert_int_equal(cli_write_file(folder, "XAPIANDB", "auto ../shard1\nauto ../shard3\n"), 0);
	r = cli_run("dundian-search", "--db", folder, "饮水", (char *)NULL);
	assert_int_equal(r.status, 3);
	assert_one_line_with(r.err, "hold different dictionary");
	cli_result_free(&r);
	/* a shard listed twice, however spelled, would count its notes twice */
	refused_stub("twice.stub", "auto shard1\nauto shard2\nauto ./shard1/\n",
	             "twice.stub:3: the shard ./shard1/ is listed twice");
	snprintf(text, sizeof text, "remote 127.0.0.1:%d\nremote tcp 127.0.0.1:%d\n", ports[0], ports[0]);
	refused_stub("twice-remote.stub", text, "is listed twice");
}

/* Xapian's own form of a stub, a folder holding XAPIANDB, answers as the
 * stub file does. */
static void test_stub_folder(void **state)
{
	(void)state;
	char folder[4500];
	snprintf(folder, sizeof folder, "%s/stubdir", area);
	assert_int_equal(mkdir(folder, 0755), 0);
	assert_int_equal(cli_write_file(folder, "XAPIANDB", "auto ../shard1\nauto ../shard2\n"), 0);
	const char *args[] = { "--json", "--limit", "20", "合作医疗", NULL };
	char *a = answer(single, args, 0), *b = answer(folder, args, 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_shard_option(void **state)
{
	(void)state;
	static const char *const bad[] = { "0/2", "3/2", "2", "1/0", "a/b", "1/2x", "-1/2", "1/5000", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cli_result_t r = cli_run("dundian-index", "--quiet", "--shard", bad[i], "--db", single,
		                         CLI_CORPUS_NOTES, (char *)NULL);
		assert_int_equal(r.status, 2);
		assert_one_line_with(r.err, "bad --shard");
		cli_result_free(&r);
	}
	/* a shard already built: a second run changes nothing, and the notes of
	 * the other shard are neither errors nor removals */
	cli_result_t r =
	    cli_run("dundian-index", "--quiet", "--shard", "1/2", "--db", shard1, CLI_CORPUS_NOTES, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0 added, 0 updated, 0 removed"));
	assert_non_null(strstr(r.out, "0 rejected"));
	cli_result_free(&r);
	/* the single index made shard 1 of 2: it keeps its notes of shard 1 and
	 * removes the others, and then answers as the shard built fresh */
	r = cli_run("dundian-index", "--quiet", "--shard", "1/2", "--db", single, CLI_CORPUS_NOTES, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0 added, 0 updated"));
	cli_result_free(&r);
	const char *args[] = { "--json", "--limit", "50", "--facets", "county", "饮水", NULL };
	char *want = answer(shard1, args, 0), *got = answer(single, args, 0);
	assert_string_equal(want, got);
	free(want);
	free(got);
}

int main(void)
{
	if (!has_tcpsrv()) {
		printf("SKIP: %s is not installed (Debian: apt-get install xapian-tools); the shard tests need it\n",
		       TCPSRV);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shards_split_the_notes),
		cmocka_unit_test(test_search_equals_single_index),
		cmocka_unit_test(test_excerpt_and_report_equal_single_index),
		cmocka_unit_test(test_ties_in_id_order),
		cmocka_unit_test(test_bad_stubs),
		cmocka_unit_test(test_stub_folder),
		cmocka_unit_test(test_shard_option), /* last: it turns the single index into a shard */
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
