/* report.c - placeholder, being written. */
#include "commands.h"
int dd_cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dundian-search report: not available yet\n");
	return DD_EXIT_USAGE;
}
