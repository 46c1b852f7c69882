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

int main(int argc, char **argv)
{
	if (argc >= 2) {
		if (strcmp(argv[1], "excerpt") == 0)
			return dd_cmd_excerpt(argc - 1, argv + 1);
		if (strcmp(argv[1], "show") == 0)
			return dd_cmd_show(argc - 1, argv + 1);
		if (strcmp(argv[1], "report") == 0)
			return dd_cmd_report(argc - 1, argv + 1);
	}
	return dd_cmd_search(argc, argv);
}
