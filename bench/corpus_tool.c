/* corpus_tool.c - dd-bench-corpus: writes the scaled corpus of the scale
 * benches (scaled_corpus.h) to a folder, to look at it or to index it by
 * hand.
 *
 *   dd-bench-corpus [--from DIR] COPIES OUT
 *
 * COPIES x the notes of DIR (default the bundled corpus/notes) go under
 * OUT/cKKK/.  Exit 0, 1 if a note could not be read or written, 2 on bad
 * arguments.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "scaled_corpus.h"

int main(int argc, char **argv)
{
	const char *from = DD_SOURCE_DIR "/corpus/notes";
	static const struct option options[] = { { "from", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "f:", options, NULL)) != -1) {
		if (c != 'f') {
			fprintf(stderr, "usage: dd-bench-corpus [--from DIR] COPIES OUT\n");
			return 2;
		}
		from = optarg;
	}
	char *end = NULL;
	long copies = optind + 2 == argc ? strtol(argv[optind], &end, 10) : 0;
	if (!end || *end || copies < 1 || copies > 999) {
		fprintf(stderr, "usage: dd-bench-corpus [--from DIR] COPIES OUT   (COPIES from 1 to 999)\n");
		return 2;
	}
	dd_error_t err;
	size_t made;
	if (dd_scaled_corpus_make(from, argv[optind + 1], (unsigned)copies, &made, &err) != DD_OK) {
		fprintf(stderr, "dd-bench-corpus: %s\n", err.message);
		return 1;
	}
	printf("%zu notes in %s\n", made, argv[optind + 1]);
	return 0;
}
