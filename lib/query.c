/* query.c - dd_query_parse: plan.h then ranking.h (see query.h). */
#include "query.h"

#include <string.h>

void dd_query_context_defaults(dd_query_context_t *ctx)
{
	dd_ranking_t r;
	dd_ranking_defaults(&r);
	memset(ctx, 0, sizeof *ctx);
	ctx->expansion_weight = r.expansion_weight;
	ctx->topic_weight = r.topic_weight;
	ctx->cooccurrence_weight = r.cooccurrence_weight;
}

dd_status_t dd_query_parse(const dd_query_context_t *ctx, const char *text, dd_parsed_query_t *out, dd_error_t *err)
{
	dd_plan_options_t popts = { ctx->tokenizer, ctx->topics, ctx->n_topics, NULL };
	dd_ranking_context_t rctx;
	rctx.lexicon = ctx->lexicon;
	rctx.db = ctx->db;
	dd_ranking_defaults(&rctx.weights);
	rctx.weights.expansion_weight = ctx->expansion_weight;
	rctx.weights.topic_weight = ctx->topic_weight;
	rctx.weights.cooccurrence_weight = ctx->cooccurrence_weight;
	return dd_ranking_parse(&popts, &rctx, text, out, err);
}
