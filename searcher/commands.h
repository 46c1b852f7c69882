/* commands.h - the subcommands of dundian-search, one file each.
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the exit status: 0 found, 1 nothing found, 2 bad usage or query
 * (a note id that does not exist included), 3 the index could not be read. */
#ifndef DD_COMMANDS_H
#define DD_COMMANDS_H

#include <stdio.h>

#include "engine.h"
#include "searching.h"

enum { DD_EXIT_OK = 0, DD_EXIT_NONE = 1, DD_EXIT_USAGE = 2, DD_EXIT_INDEX = 3 };

int dd_cmd_search(int argc, char **argv);
int dd_cmd_excerpt(int argc, char **argv);
int dd_cmd_show(int argc, char **argv);
int dd_cmd_report(int argc, char **argv);
int dd_cmd_serve(int argc, char **argv);
/* `dundian-search --batch PATH` (batch.c): each line of PATH ("-": stdin)
 * answered as req's text, one JSON line each; has_query: QUERY words were
 * given too (refused). */
int dd_cmd_search_batch(const char *db_path, const dd_search_request_t *req, const char *path, int has_query);

/* The index folder: --db, else $DUNDIAN_DB, else ./index. */
const char *dd_default_db(void);

/* Opens the engine, printing the error (and returning NULL) on failure. */
dd_engine_t *dd_open_engine_or_complain(const char *db_path, int *exit_status);

/* Joins argv[from..argc) with spaces into a malloc'd query string. */
char *dd_join_args(int argc, char **argv, int from);

/* Splits "topic,county" into a request's facet field names (in place in
 * copy; a repeated field counts once); returns how many.  dd_search
 * rejects unknown ones. */
size_t dd_split_facets(char *copy, const char **names, size_t max);

/* Should output be coloured (stdout a terminal, NO_COLOR unset)? */
int dd_use_colour(void);

/* A highlight as JSON: [a, b, "typed"|"relative"|"literal"], the offsets
 * and what matched there (the same form in search, excerpt and show). */
void *dd_json_highlight(size_t a, size_t b, dd_match_kind_t kind);

/* Prints a cJSON object followed by a newline and frees it. */
void dd_print_json(void *cjson_object);

/* The exit-status lines every help screen ends with. */
#define DD_EXIT_HELP                                                                                                   \
	"exit: 0 found, 1 nothing found, 2 bad usage, bad query or unknown note id,\n"                                 \
	"      3 the index could not be read\n"

/* Prints "dundian-search VERSION". */
void dd_print_version(void);

/* Parses a whole number from 0 to max for option --name (an empty text
 * is not 0).  Prints one line naming the option and returns -1 when it is
 * not one. */
int dd_parse_count(const char *command, const char *name, const char *text, size_t lo, size_t max, size_t *out);
/* The same check, with the message ("NAME 'TEXT' is not a number from LO
 * to MAX") in err (DD_ERR_INVALID) instead of printed. */
dd_status_t dd_read_count(const char *name, const char *text, size_t lo, size_t max, size_t *out, dd_error_t *err);

/* ---- output.c: what the subcommands print in common ---- */

/* Writes len bytes of note text, each character that could drive a
 * terminal (ESC and other controls but tab and line feed, bidirectional
 * overrides) replaced by U+FFFD. */
void dd_print_text(FILE *out, const char *s, size_t len);

/* How a match is marked in text output: a word typed or an exact string
 * with open/close, a thesaurus relative the query brought in with
 * relative_open/relative_close, so the reader tells them apart. */
typedef struct dd_marks {
	const char *open, *close;
	const char *relative_open, *relative_close;
} dd_marks_t;

/* On a terminal, colour: typed words bold red, relatives cyan; else
 * ⟦typed⟧ and ⟨relative⟩ (notes use 【】 themselves, and neither pair). */
dd_marks_t dd_default_marks(int colour);

/* --marks: "OPEN,CLOSE" marks every match alike; "OPEN,CLOSE,ROPEN,RCLOSE"
 * marks relatives with the last two.  Each mark non-empty, without commas
 * or control characters; marks point into a static buffer.  -1 if
 * malformed (then print DD_MARKS_HELP). */
int dd_parse_marks(const char *spec, dd_marks_t *marks);
#define DD_MARKS_HELP "give OPEN,CLOSE or OPEN,CLOSE,RELATIVE_OPEN,RELATIVE_CLOSE (e.g. '<<,>>' or '<<,>>,<,>')"

/* What each span matched (dd_match_kind): a malloc'd array indexed like
 * spans, NULL when n_spans is 0 or memory runs out (NULL kinds: all typed). */
dd_match_kind_t *dd_span_kinds(const dd_parsed_query_t *pq, const double *weights, const dd_span_t *spans,
                               size_t n_spans);

/* text[start, end) made safe with dd_print_text, each span lying wholly
 * inside wrapped in the marks its kind takes (kinds indexed like spans;
 * NULL: every span typed). */
void dd_print_marked(FILE *out, const char *text, size_t start, size_t end, const dd_span_t *spans,
                     const dd_match_kind_t *kinds, size_t n_spans, const dd_marks_t *marks);

/* Adds a note's title, author, post, city, county, township, village and
 * date to a JSON object (the fields every JSON output shares). */
void dd_json_add_note_fields(void *cjson_object, const dd_stored_note_t *n);

/* A note's tags as a JSON array of {"key", "name", "score", "manual"}. */
void *dd_json_tags(const dd_stored_note_t *n);

/* The JSON object of a search (README.md's contract). */
void *dd_json_search(const dd_search_request_t *req, const dd_search_result_t *res);

/* "Did you mean" (suggest.h) into a JSON object: "suggestion", the query
 * corrected, and "hint", the line saying so, each when there is one. */
void dd_json_add_suggestion(void *cjson_object, const dd_suggestion_t *s);
/* The hint on stderr, one line after "program: ", when there is one. */
void dd_print_hint(const char *program, const char *hint);

#endif
