/* dundian-search - query the index.  `dundian-search QUERY...` searches;
 * `excerpt`, `show` and `report` are subcommands (see commands.h). */
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

char *dd_join_args(int argc, char **argv, int from)
{
	size_t len = 1;
	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (int i = from; i < argc; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int dd_use_colour(void)
{
	const char *no = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(no && no[0]);
}

void *dd_json_pair(size_t a, size_t b)
{
	cJSON *pair = cJSON_CreateArray();
	cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)a));
	cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)b));
	return pair;
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

typedef int (*subcommand_fn)(int argc, char **argv);

static subcommand_fn find_subcommand(const char *name)
{
	if (strcmp(name, "excerpt") == 0)
		return dd_cmd_excerpt;
	if (strcmp(name, "show") == 0)
		return dd_cmd_show;
	if (strcmp(name, "report") == 0)
		return dd_cmd_report;
	return NULL;
}

int main(int argc, char **argv)
{
	/* The subcommand is the first word, or follows --db DIR:
	 * `dundian-search --db x.db excerpt 饮水` works like
	 * `dundian-search excerpt --db x.db 饮水`. */
	int at = 1;
	while (at < argc && (strcmp(argv[at], "--db") == 0 || strncmp(argv[at], "--db=", 5) == 0))
		at += strcmp(argv[at], "--db") == 0 ? 2 : 1;
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
