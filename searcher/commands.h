/* commands.h - the subcommands of dundian-search, one file each.
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the exit status: 0 found, 1 nothing found, 2 bad usage or query,
 * 3 the index could not be read. */
#ifndef DD_COMMANDS_H
#define DD_COMMANDS_H

#include <stdio.h>

#include "engine.h"

enum { DD_EXIT_OK = 0, DD_EXIT_NONE = 1, DD_EXIT_USAGE = 2, DD_EXIT_INDEX = 3 };

int dd_cmd_search(int argc, char **argv);
int dd_cmd_excerpt(int argc, char **argv);
int dd_cmd_show(int argc, char **argv);
int dd_cmd_report(int argc, char **argv);

/* The index folder: --db, else $DUNDIAN_DB, else ./index. */
const char *dd_default_db(void);

/* Opens the engine, printing the error (and returning NULL) on failure. */
dd_engine_t *dd_open_engine_or_complain(const char *db_path, int *exit_status);

/* Joins argv[from..argc) with spaces into a malloc'd query string. */
char *dd_join_args(int argc, char **argv, int from);

/* Should output be coloured (stdout a terminal, NO_COLOR unset)? */
int dd_use_colour(void);

/* [a, b] as a JSON array of two numbers (offsets). */
void *dd_json_pair(size_t a, size_t b);

/* Prints a cJSON object followed by a newline and frees it. */
void dd_print_json(void *cjson_object);

#endif
