/* excerpt.c - placeholder, being written. */
#include "commands.h"
int dd_cmd_excerpt(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dundian-search excerpt: not available yet\n");
	return DD_EXIT_USAGE;
}
