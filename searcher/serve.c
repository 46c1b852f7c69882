/* serve.c - `dundian-search serve [--port 8080] [--bind 127.0.0.1] [--db DIR]`:
 * the web page (web/, compiled in: web_assets.h) and the JSON API it reads,
 * on libmicrohttpd with a pool of threads.
 *
 *   GET /api/search?q=&limit=&offset=&sort=&facets=&like=   as `--json`
 *   GET /api/note/ID?para=&highlight=                       as `show --json`
 *   GET /api/excerpt?q=&per_note=&context=&limit=           as `excerpt --format json`,
 *                                                           each passage with its "markdown"
 *   GET /api/report?q=&by=                                  as `report --format json`
 *   GET /api/topics                                         [{"key", "name"}]
 *   GET /api/health                                         {"status": "ok", "notes": N}
 *
 * Every answer is built by the same function as the command line's JSON
 * (answers.h).  Errors are {"error": "one line"}: 400 a malformed query or
 * a bad parameter, 404 an unknown note or path, 405 anything but GET/HEAD,
 * 500 the index failing (also logged on stderr).
 *
 * Safe by default: read-only, on loopback unless --bind says otherwise,
 * nothing read from disk but the index (the page is in the binary, paths
 * are matched against a fixed table, so no path can reach the file
 * system), parameters bounded.
 *
 * Each worker thread has its own engine (lib/engine.h: a Xapian reader is
 * not shared between threads); before each request it is brought to the
 * index's latest revision, and opened anew when that changed (the
 * vocabulary may have too).  A request that still fails on the index (the
 * indexer committed twice meanwhile and the revision it read was recycled)
 * is answered once more on a fresh engine, so a search during re-indexing
 * does not fail. */
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "answers.h"
#include "commands.h"
#include "text.h"
#include "web_assets.h"

/* Bounds on what a request may ask for. */
#define MAX_QUERY_BYTES 4096 /* q, highlight */
#define MAX_PARAM_BYTES 256  /* every other parameter */
#define MAX_PAGE 100         /* limit: hits or notes per page */
#define MAX_OFFSET 100000
#define DEFAULT_THREADS 4

/* The page's own policy (web/index.html says the same in a meta tag),
 * sent with every answer. */
#define CSP                                                                                                            \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "           \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

typedef struct server {
	char db_path[PATH_MAX];
	pthread_key_t worker_key; /* -> worker_t of the calling thread */
} server_t;

typedef struct worker {
	dd_engine_t *engine;
} worker_t;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: dundian-search serve [--port N] [--bind ADDRESS] [--db DIR] [--threads N]\n"
	        "  serves the web page and the JSON API (see README.md, \"Web interface\")\n"
	        "  --port N      TCP port (default 8080; 0: any free port, printed)\n"
	        "  --bind ADDR   the address to listen on (default 127.0.0.1, this machine only;\n"
	        "                0.0.0.0 or :: lets other machines in)\n"
	        "  --threads N   worker threads (default %d)\n"
	        "  stops on Ctrl-C (SIGINT) or SIGTERM\n"
	        "exit: 0 stopped cleanly, 2 bad usage or address, 3 the index could not be read\n",
	        DEFAULT_THREADS);
}

/* ---- engines, one per worker thread ---- */

static void worker_free(void *p)
{
	worker_t *w = p;
	dd_engine_close(w->engine);
	free(w);
}

/* The calling thread's engine at the index's latest revision (fresh: a new
 * one whatever the revision), or NULL with err set. */
static dd_engine_t *worker_engine(server_t *s, int fresh, dd_error_t *err)
{
	worker_t *w = pthread_getspecific(s->worker_key);
	if (!w) {
		if (!(w = calloc(1, sizeof *w)) || pthread_setspecific(s->worker_key, w) != 0) {
			free(w);
			dd_error_set(err, DD_ERR_NOMEM, "out of memory");
			return NULL;
		}
	}
	if (w->engine && !fresh) {
		int changed = 0;
		if (dd_db_reopen(dd_engine_db(w->engine), &changed, err) == DD_OK && !changed)
			return w->engine;
	}
	dd_engine_close(w->engine);
	w->engine = NULL;
	if (dd_engine_open(s->db_path, &w->engine, err) != DD_OK) {
		/* whatever opening said, for a client it is the server failing */
		err->status = DD_ERR_INDEX;
		return NULL;
	}
	return w->engine;
}

/* ---- parameters ---- */

/* The query parameter name: *out is NULL when absent.  DD_ERR_INVALID when
 * it is longer than max bytes, holds a NUL or is not UTF-8. */
static dd_status_t param(struct MHD_Connection *c, const char *name, size_t max, const char **out, dd_error_t *err)
{
	const char *v = NULL;
	size_t len = 0;
	*out = NULL;
	if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &len) != MHD_YES || !v)
		return DD_OK;
	if (len > max)
		return dd_error_set(err, DD_ERR_INVALID, "%s is too long: %zu bytes, at most %zu", name, len, max);
	if (strlen(v) != len || !dd_utf8_valid(v, len, NULL))
		return dd_error_set(err, DD_ERR_INVALID, "%s is not UTF-8 text", name);
	*out = v;
	return DD_OK;
}

/* A whole number parameter from lo to hi; *out keeps its default when
 * absent. */
static dd_status_t count_param(struct MHD_Connection *c, const char *name, size_t lo, size_t hi, size_t *out,
                               dd_error_t *err)
{
	const char *v;
	dd_status_t st = param(c, name, MAX_PARAM_BYTES, &v, err);
	if (st != DD_OK || !v)
		return st;
	return dd_read_count(name, v, lo, hi, out, err);
}

/* ---- the endpoints: each fills *out or returns an error ---- */

typedef dd_status_t (*endpoint_fn)(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out,
                                   dd_error_t *err);

static dd_status_t api_search(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out, dd_error_t *err)
{
	(void)id;
	/* the command line's defaults, so the same query answers the same */
	dd_search_request_t req = { .limit = 10, .snippets = 1, .check_at_least = DD_SEARCH_ALL, .suggest = 1 };
	const char *sort, *facets;
	dd_status_t st;
	if ((st = param(c, "q", MAX_QUERY_BYTES, &req.text, err)) != DD_OK ||
	    (st = param(c, "like", MAX_PARAM_BYTES, &req.like_id, err)) != DD_OK ||
	    (st = param(c, "sort", MAX_PARAM_BYTES, &sort, err)) != DD_OK ||
	    (st = param(c, "facets", MAX_PARAM_BYTES, &facets, err)) != DD_OK ||
	    (st = count_param(c, "limit", 0, MAX_PAGE, &req.limit, err)) != DD_OK ||
	    (st = count_param(c, "offset", 0, MAX_OFFSET, &req.offset, err)) != DD_OK)
		return st;
	if (req.like_id && !req.like_id[0])
		req.like_id = NULL;
	if (sort && strcmp(sort, "date") == 0)
		req.sort = DD_SORT_DATE;
	else if (sort && sort[0] && strcmp(sort, "relevance") != 0)
		return dd_error_set(err, DD_ERR_INVALID, "sort '%s': use relevance or date", sort);
	const char *facet_names[32];
	char facets_copy[MAX_PARAM_BYTES + 1];
	snprintf(facets_copy, sizeof facets_copy, "%s", facets ? facets : "");
	req.n_facets = dd_split_facets(facets_copy, facet_names, sizeof facet_names / sizeof facet_names[0]);
	req.facets = facet_names;
	dd_search_result_t res;
	if ((st = dd_search(e, &req, &res, err)) == DD_OK) {
		*out = dd_json_search(&req, &res);
		if (!*out)
			st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	dd_search_result_free(&res);
	return st;
}

static dd_status_t api_note(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out, dd_error_t *err)
{
	const char *highlight;
	size_t para = 0;
	dd_status_t st;
	if ((st = param(c, "highlight", MAX_QUERY_BYTES, &highlight, err)) != DD_OK ||
	    (st = count_param(c, "para", 1, 1000000, &para, err)) != DD_OK)
		return st;
	if (highlight && !highlight[0])
		highlight = NULL;
	dd_note_view_t view;
	if ((st = dd_note_view_open(e, id, para, highlight, &view, err)) == DD_OK) {
		*out = dd_json_note_view(&view);
		if (!*out)
			st = dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	dd_note_view_free(&view);
	return st;
}

static dd_status_t api_excerpt(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out, dd_error_t *err)
{
	(void)id;
	const char *q;
	size_t per_note = 2, context = 0, limit = 10;
	dd_status_t st;
	if ((st = param(c, "q", MAX_QUERY_BYTES, &q, err)) != DD_OK ||
	    (st = count_param(c, "per_note", 1, 100, &per_note, err)) != DD_OK ||
	    (st = count_param(c, "context", 0, 100, &context, err)) != DD_OK ||
	    (st = count_param(c, "limit", 1, MAX_PAGE, &limit, err)) != DD_OK)
		return st;
	*out = dd_json_excerpts(e, q, limit, per_note, context, 1, err);
	return *out ? DD_OK : err->status;
}

static dd_status_t api_report(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out, dd_error_t *err)
{
	(void)id;
	const char *q, *by;
	dd_status_t st;
	if ((st = param(c, "q", MAX_QUERY_BYTES, &q, err)) != DD_OK ||
	    (st = param(c, "by", MAX_PARAM_BYTES, &by, err)) != DD_OK)
		return st;
	*out = dd_json_report(e, q ? q : "", by && by[0] ? by : "county", err);
	return *out ? DD_OK : err->status;
}

static dd_status_t api_topics(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out, dd_error_t *err)
{
	(void)c;
	(void)id;
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; list && i < dd_engine_topic_count(e); i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "key", dd_engine_topic_key(e, i));
		cJSON_AddStringToObject(t, "name", dd_engine_topic_label(e, dd_engine_topic_key(e, i)));
		cJSON_AddItemToArray(list, t);
	}
	*out = list;
	return list ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
}

static dd_status_t api_health(dd_engine_t *e, struct MHD_Connection *c, const char *id, cJSON **out, dd_error_t *err)
{
	(void)c;
	(void)id;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddNumberToObject(o, "notes", (double)dd_db_doc_count(dd_engine_db(e)));
	*out = o;
	return o ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
}

static const struct {
	const char *path;
	endpoint_fn fn;
} endpoints[] = { { "/api/search", api_search },
	          { "/api/excerpt", api_excerpt },
	          { "/api/report", api_report },
	          { "/api/topics", api_topics },
	          { "/api/health", api_health } };

#define NOTE_PREFIX "/api/note/"

/* ---- answering ---- */

static void add_common_headers(struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return MHD_NO; /* out of memory: drop the connection */
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	add_common_headers(r, "application/json; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", message);
	return send_json(c, status, o);
}

static unsigned http_status(dd_status_t st)
{
	switch (st) {
	case DD_OK:
		return MHD_HTTP_OK;
	case DD_ERR_INVALID:
		return MHD_HTTP_BAD_REQUEST;
	case DD_ERR_NOT_FOUND:
		return MHD_HTTP_NOT_FOUND;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static enum MHD_Result answer_api(server_t *s, struct MHD_Connection *c, endpoint_fn fn, const char *id)
{
	dd_error_t err = { DD_OK, "" };
	cJSON *out = NULL;
	dd_engine_t *e = worker_engine(s, 0, &err);
	dd_status_t st = e ? fn(e, c, id, &out, &err) : err.status;
	if (http_status(st) == MHD_HTTP_INTERNAL_SERVER_ERROR) {
		/* the index changed under the reader: once more on a fresh one */
		cJSON_Delete(out);
		out = NULL;
		dd_error_clear(&err);
		e = worker_engine(s, 1, &err);
		st = e ? fn(e, c, id, &out, &err) : err.status;
	}
	if (st == DD_OK)
		return send_json(c, MHD_HTTP_OK, out);
	cJSON_Delete(out);
	if (http_status(st) == MHD_HTTP_INTERNAL_SERVER_ERROR)
		fprintf(stderr, "dundian-search serve: %s\n", err.message);
	return send_error(c, http_status(st), err.message[0] ? err.message : dd_status_name(st));
}

static enum MHD_Result answer_asset(struct MHD_Connection *c, const dd_web_asset_t *a)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(a->size, (void *)(uintptr_t)a->data, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	add_common_headers(r, a->type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	server_t *s = cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: GET only");
	/* The first call brings the headers only: answering then counts as an
	 * early answer and closes the connection, so wait for the second and
	 * keep it alive.  A body sent with a GET is read and ignored. */
	static int headers_seen;
	if (!*con_cls) {
		*con_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* url is the path, percent-decoded, without the query string: it is
	 * only ever compared with this fixed table */
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
		if (strcmp(url, endpoints[i].path) == 0)
			return answer_api(s, c, endpoints[i].fn, NULL);
	if (strncmp(url, NOTE_PREFIX, strlen(NOTE_PREFIX)) == 0) {
		const char *id = url + strlen(NOTE_PREFIX);
		if (!id[0] || strchr(id, '/') || strlen(id) > MAX_PARAM_BYTES || !dd_utf8_valid(id, strlen(id), NULL))
			return send_error(c, MHD_HTTP_NOT_FOUND, "no such note");
		return answer_api(s, c, api_note, id);
	}
	const char *page = strcmp(url, "/") == 0 ? "/index.html" : url;
	for (size_t i = 0; i < dd_web_asset_count; i++)
		if (strcmp(page, dd_web_assets[i].path) == 0)
			return answer_asset(c, &dd_web_assets[i]);
	return send_error(c, MHD_HTTP_NOT_FOUND, "no such path");
}

/* ---- the command ---- */

static int parse_bind(const char *text, unsigned port, struct sockaddr_storage *addr, int *ipv6)
{
	memset(addr, 0, sizeof *addr);
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*ipv6 = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*ipv6 = 1;
		return 0;
	}
	return -1;
}

int dd_cmd_serve(int argc, char **argv)
{
	const char *db_path = dd_default_db(), *bind = "127.0.0.1";
	size_t port = 8080, threads = DEFAULT_THREADS;
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },   { "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' }, { "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 }
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:p:b:t:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'p':
			if (dd_parse_count("dundian-search serve", "port", optarg, 0, 65535, &port) != 0)
				return DD_EXIT_USAGE;
			break;
		case 'b':
			bind = optarg;
			break;
		case 't':
			if (dd_parse_count("dundian-search serve", "threads", optarg, 1, 64, &threads) != 0)
				return DD_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return DD_EXIT_OK;
		default:
			usage(stderr);
			return DD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dundian-search serve: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return DD_EXIT_USAGE;
	}
	struct sockaddr_storage addr;
	int ipv6;
	if (parse_bind(bind, (unsigned)port, &addr, &ipv6) != 0) {
		fprintf(stderr, "dundian-search serve: --bind '%s' is not an IPv4 or IPv6 address\n", bind);
		return DD_EXIT_USAGE;
	}
	static server_t s;
	if (!realpath(db_path, s.db_path))
		snprintf(s.db_path, sizeof s.db_path, "%s", db_path);
	/* the index must open now, not at the first request */
	int status = DD_EXIT_OK;
	dd_engine_t *probe = dd_open_engine_or_complain(s.db_path, &status);
	if (!probe)
		return status;
	dd_engine_close(probe);
	if (pthread_key_create(&s.worker_key, worker_free) != 0) {
		fprintf(stderr, "dundian-search serve: out of memory\n");
		return DD_EXIT_INDEX;
	}
	/* SIGINT and SIGTERM are waited for below: blocked first, so the
	 * server's threads (which inherit the mask) never take them */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, handle, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
	if (!d) {
		fprintf(stderr,
		        "dundian-search serve: cannot listen on %s port %zu (in use, or not an address of "
		        "this machine?)\n",
		        bind, port);
		pthread_key_delete(s.worker_key);
		return DD_EXIT_USAGE;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : (unsigned)port;
	printf("dundian-search: serving %s at http://%s%s%s:%u/\n", s.db_path, ipv6 ? "[" : "", bind, ipv6 ? "]" : "",
	       bound);
	fflush(stdout);
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "dundian-search serve: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
	/* joins the workers, whose engines their thread's key closes */
	MHD_stop_daemon(d);
	pthread_key_delete(s.worker_key);
	return DD_EXIT_OK;
}
