/* show.c - placeholder, being written. */
#include "commands.h"
int dd_cmd_show(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dundian-search show: not available yet\n");
	return DD_EXIT_USAGE;
}
