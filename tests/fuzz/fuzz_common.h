/* fuzz_common.h - what the fuzz targets share: the bundled vocabulary
 * (loaded once, as the programs load it) and a check that aborts, so a
 * broken invariant is a crash that libFuzzer and the replay test report.
 *
 * Every fuzz_*.c defines LLVMFuzzerTestOneInput.  Built with -DDD_FUZZ=ON
 * (clang, -fsanitize=fuzzer) it is a libFuzzer program; built normally it
 * is linked with replay_main.c, which feeds it the seed corpus and the
 * regression inputs (ctest fuzz_replay_*). */
#ifndef DD_FUZZ_COMMON_H
#define DD_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "text.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the broken invariant: a plain assert would vanish in a
 * release build, and the replay test must fail in every build. */
#define FUZZ_CHECK(cond)                                                                                               \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);                   \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

/* The corpus's dictionary and thesaurus (DD_SOURCE_DIR/corpus), loaded on
 * first use and kept for the life of the process. */
__attribute__((unused)) static dd_lexicon_t *fuzz_lexicon(void)
{
	static dd_lexicon_t *lex;
	if (!lex) {
		dd_error_t err;
		lex = dd_lexicon_new();
		if (!lex || dd_lexicon_load_dictionary(lex, DD_SOURCE_DIR "/corpus/dictionary.txt", &err) != DD_OK ||
		    dd_lexicon_load_thesaurus(lex, DD_SOURCE_DIR "/corpus/thesaurus.txt", &err) != DD_OK) {
			fprintf(stderr, "fuzz: cannot load the vocabulary: %s\n", lex ? err.message : "no memory");
			abort();
		}
	}
	return lex;
}

__attribute__((unused)) static dd_tokenizer_t *fuzz_tokenizer(void)
{
	static dd_tokenizer_t *tok;
	if (!tok) {
		dd_error_t err;
		if (dd_tokenizer_new(fuzz_lexicon(), &tok, &err) != DD_OK) {
			fprintf(stderr, "fuzz: cannot make the tokenizer: %s\n", err.message);
			abort();
		}
	}
	return tok;
}

/* A NUL-terminated copy of data (cut at its first NUL, as a command line
 * argument would be); NULL when memory runs out. */
__attribute__((unused)) static char *fuzz_string(const uint8_t *data, size_t size)
{
	const void *nul = memchr(data, '\0', size);
	size_t len = nul ? (size_t)((const uint8_t *)nul - data) : size;
	char *s = malloc(len + 1);
	if (s) {
		memcpy(s, data, len);
		s[len] = '\0';
	}
	return s;
}

/* Is message one non-empty line? */
__attribute__((unused)) static int fuzz_one_line(const char *message)
{
	return message[0] != '\0' && strchr(message, '\n') == NULL;
}

#endif
