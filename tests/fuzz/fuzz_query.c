/* fuzz_query.c - fuzz target for the query parser: with the bundled
 * vocabulary and no index, any text either parses or gives a message; it
 * never crashes, hangs or leaks. */
#include "fuzz_common.h"
#include "plan.h"
#include "query.h"

/* The topic keys of corpus/taxonomy.json, for topic: filters. */
static const char *const topics[] = { "water",   "roads",   "medins",   "clinic",     "homestead",  "pollution",
	                              "pension", "land",    "school",   "jobs",       "farming",    "business",
	                              "relief",  "cadres",  "disputes", "irrigation", "sanitation", "migrants",
	                              "credit",  "culture", "safety",   "style" };

/* The one call into the parser, so that moving to another parser API is a
 * change of this function only. */
static dd_status_t parse_query(const char *text, dd_parsed_query_t *out, dd_error_t *err)
{
	dd_query_context_t ctx;
	dd_query_context_defaults(&ctx);
	ctx.tokenizer = fuzz_tokenizer();
	ctx.lexicon = fuzz_lexicon();
	ctx.db = NULL;
	ctx.topics = topics;
	ctx.n_topics = sizeof topics / sizeof topics[0];
	return dd_query_parse(&ctx, text, out, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	if (!text)
		return 0;
	dd_parsed_query_t pq;
	dd_error_t err;
	if (parse_query(text, &pq, &err) == DD_OK) {
		FUZZ_CHECK(pq.query != NULL && pq.text != NULL);
		for (size_t i = 0; i < pq.n_words; i++)
			FUZZ_CHECK(pq.words[i] && pq.words[i][0]);
		for (size_t i = 0; i < pq.n_literals; i++)
			FUZZ_CHECK(pq.literals[i] != NULL);
		/* the plan --explain prints */
		FUZZ_CHECK(pq.plan != NULL);
		char *plan = dd_plan_describe(pq.plan);
		FUZZ_CHECK(plan != NULL);
		free(plan);
		dd_parsed_query_free(&pq);
	} else {
		/* one line, naming what is wrong */
		FUZZ_CHECK(err.message[0] != '\0' && strchr(err.message, '\n') == NULL);
	}
	free(text);
	return 0;
}
