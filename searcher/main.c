/* dundian-search - query the index.  `dundian-search QUERY...` searches;
 * `excerpt`, `show`, `report` and `serve` are subcommands (see commands.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "commands.h"

const char *dd_default_db(void)
{
	const char *env = getenv("DUNDIAN_DB");
	return env && env[0] ? env : "index";
}

dd_engine_t *dd_open_engine_or_complain(const char *db_path, int *exit_status)
{
	dd_engine_t *e;
	dd_error_t err;
	if (dd_engine_open(db_path, &e, &err) != DD_OK) {
		fprintf(stderr, "dundian-search: %s\n", err.message);
		*exit_status = DD_EXIT_INDEX;
		return NULL;
	}
	return e;
}

#define MAX_SHIELDED 256
static char *shielded_args[MAX_SHIELDED], *original_args[MAX_SHIELDED];
static size_t n_shielded;

/* The argument as the user typed it (undoes shield_query_word). */
static const char *unshielded(const char *arg)
{
	for (size_t i = 0; i < n_shielded; i++)
		if (shielded_args[i] == arg)
			return original_args[i];
	return arg;
}

static void free_shielded(void)
{
	for (size_t i = 0; i < n_shielded; i++)
		free(shielded_args[i]);
	n_shielded = 0;
}

static char *shield_query_word(char *arg)
{
	const unsigned char *a = (const unsigned char *)arg;
	if (a[0] != '-' || !a[1] || a[1] == '-')
		return arg;
	if (!(a[1] >= 0x80 || a[1] == '"' || a[1] == '(' || strchr(arg, ':')))
		return arg;
	char *shielded = n_shielded < MAX_SHIELDED ? malloc(strlen(arg) + 3) : NULL;
	if (!shielded)
		return arg;
	sprintf(shielded, "\xEF\xBC\x8D%s", arg + 1);
	shielded_args[n_shielded] = shielded;
	original_args[n_shielded++] = arg;
	return shielded;
}

char *dd_join_args(int argc, char **argv, int from)
{
	size_t len = 1;
	for (int i = from; i < argc; i++)
		len += strlen(unshielded(argv[i])) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = from; i < argc; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, unshielded(argv[i]));
	}
	return s;
}

int dd_use_colour(void)
{
	const char *no = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(no && no[0]);
}

void *dd_json_highlight(size_t a, size_t b, dd_match_kind_t kind)
{
	cJSON *span = cJSON_CreateArray();
	cJSON_AddItemToArray(span, cJSON_CreateNumber((double)a));
	cJSON_AddItemToArray(span, cJSON_CreateNumber((double)b));
	cJSON_AddItemToArray(span, cJSON_CreateString(dd_match_kind_name(kind)));
	return span;
}

void dd_print_json(void *object)
{
	char *s = cJSON_Print(object);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	cJSON_Delete(object);
}

void dd_print_version(void)
{
	printf("dundian-search %s\n", DD_VERSION);
}

dd_status_t dd_read_count(const char *name, const char *text, size_t lo, size_t max, size_t *out, dd_error_t *err)
{
	char *end;
	errno = 0;
	/* strtoull would take "-1" and " 5": only digits */
	unsigned long long v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
	if (!(text[0] >= '0' && text[0] <= '9') || *end || errno == ERANGE || v < lo || v > max)
		return dd_error_set(err, DD_ERR_INVALID, "%s '%.100s' is not a number from %zu to %zu", name, text, lo,
		                    max);
	*out = (size_t)v;
	return DD_OK;
}

int dd_parse_count(const char *command, const char *name, const char *text, size_t lo, size_t max, size_t *out)
{
	char option[64];
	snprintf(option, sizeof option, "--%s", name);
	dd_error_t err;
	if (dd_read_count(option, text, lo, max, out, &err) != DD_OK) {
		fprintf(stderr, "%s: %s\n", command, err.message);
		return -1;
	}
	return 0;
}

typedef int (*subcommand_fn)(int argc, char **argv);

static subcommand_fn find_subcommand(const char *name)
{
	if (strcmp(name, "excerpt") == 0)
		return dd_cmd_excerpt;
	if (strcmp(name, "show") == 0)
		return dd_cmd_show;
	if (strcmp(name, "report") == 0)
		return dd_cmd_report;
	if (strcmp(name, "serve") == 0)
		return dd_cmd_serve;
	return NULL;
}

/* A query word may start with '-' (-城中村, -county:石林县, -"镇里"), which
 * getopt would take for an option.  Such words are handed on with the
 * full-width minus (U+FF0D) the query language also reads as NOT, so they
 * stay in place among the other words; dd_join_args gives back what was
 * typed.  Short ASCII options (-n) and words like -abc, which could be
 * either, are left alone: quote the query. */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		argv[i] = shield_query_word(argv[i]);
	atexit(free_shielded);
	/* The subcommand is the first word, or follows --db DIR:
	 * `dundian-search --db x.db excerpt 饮水` works like
	 * `dundian-search excerpt --db x.db 饮水`. */
	int at = 1;
	while (at < argc && (strcmp(argv[at], "--db") == 0 || strncmp(argv[at], "--db=", 5) == 0))
		at += strcmp(argv[at], "--db") == 0 ? 2 : 1;
	if (at < argc && strcmp(argv[at], "--version") == 0) {
		dd_print_version();
		return DD_EXIT_OK;
	}
	/* `help` and `help SUBCOMMAND` show help; they are not searched for */
	if (at < argc && strcmp(argv[at], "help") == 0 && at + 1 >= argc - 1) {
		subcommand_fn about = at + 1 < argc ? find_subcommand(argv[at + 1]) : dd_cmd_search;
		char help[] = "--help";
		char *help_argv[3] = { argv[at + 1 < argc ? at + 1 : at], help, NULL };
		if (about)
			return about(2, help_argv);
	}
	subcommand_fn sub = at < argc ? find_subcommand(argv[at]) : NULL;
	if (!sub)
		return dd_cmd_search(argc, argv);
	char *sub_argv[argc + 1];
	int n = 0;
	sub_argv[n++] = argv[at];
	for (int i = 1; i < argc; i++)
		if (i != at)
			sub_argv[n++] = argv[i];
	sub_argv[n] = NULL;
	return sub(n, sub_argv);
}
