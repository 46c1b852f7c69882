/* test_fold.c - traditional Han characters folded to simplified in the one
 * normalisation (lib/text.h), and what that buys everywhere it is used.
 *
 * What must hold: the table agrees with ICU's Traditional-Simplified
 * transform character by character (but for the simplified characters it
 * leaves as written), never changes a character's UTF-8 length and is
 * idempotent; origins still point at the original characters; the word
 * breaker breaks a traditional text as its simplified form; on notes written
 * here and on the bundled corpus, a traditional query finds what its
 * simplified form finds and the other way round, 醫保 finds 医保 and not
 * 低保, quoted traditional strings match simplified text, and highlights in
 * a traditional note (search, excerpt, show) mark its own characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utrans.h>
#include <unicode/ustring.h>

#include "cli_util.h"

#include "lexicon.h"
#include "text.h"
#include "tokenizer.h"

/* --- the table -------------------------------------------------------------- */

/* Every Han character of U+3400..U+9FFF folds as ICU's transform maps it on
 * its own, except the simplified characters kept as written. */
static void test_table_is_icus_transform(void **state)
{
	(void)state;
	UErrorCode status = U_ZERO_ERROR;
	UChar id[32];
	u_uastrcpy(id, "Traditional-Simplified");
	UTransliterator *tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
	assert_true(U_SUCCESS(status));
	const char *kept = "乾俱吒姊著藉跤苎阪";
	size_t folding = 0, kept_seen = 0;
	for (uint32_t cp = 0x3400; cp <= 0x9FFF; cp++) {
		UChar buf[16];
		int32_t len = 0, limit;
		U16_APPEND_UNSAFE(buf, len, (UChar32)cp);
		limit = len;
		utrans_transUChars(tr, buf, &len, 16, 0, &limit, &status);
		assert_true(U_SUCCESS(status));
		uint32_t icu = len == 1 ? buf[0] : cp;
		uint32_t ours = dd_han_fold_char(cp);
		char utf8[8];
		utf8[dd_utf8_put(utf8, cp)] = '\0';
		if (strstr(kept, utf8)) {
			assert_int_not_equal(icu, cp); /* ICU would change it: we do not */
			assert_int_equal(ours, cp);
			kept_seen++;
			continue;
		}
		/* a chain (薴 -> 苧 -> 苎) is followed to its end */
		if (ours != icu)
			assert_int_equal(dd_han_fold_char(icu), ours);
		folding += ours != cp;
		/* same length, idempotent */
		char a[8], b[8];
		assert_int_equal(dd_utf8_put(a, ours), dd_utf8_put(b, cp));
		assert_int_equal(dd_han_fold_char(ours), ours);
	}
	utrans_close(tr);
	assert_int_equal(kept_seen, 9);
	assert_true(folding > 2000); /* ICU 72: 2844 */
	/* nothing outside the table's range moves */
	assert_int_equal(dd_han_fold_char('a'), 'a');
	assert_int_equal(dd_han_fold_char(0x20000), 0x20000);
	assert_int_equal(dd_han_fold_char(0x3001), 0x3001);
}

/* --- the normalisation ------------------------------------------------------ */

static void test_normalize_folds_with_origins(void **state)
{
	(void)state;
	const struct {
		const char *in, *out;
	} cases[] = {
		{ "飲水", "饮水" },
		{ "養老", "养老" },
		{ "醫保", "医保" },
		{ "鎮裏", "镇里" },
		{ "鎮裡的自來水", "镇里的自来水" },
		{ "饮水 医保 镇里", "饮水 医保 镇里" }, /* simplified: unchanged */
		{ "摔了一跤、著名的乾隆年間、精神慰藉", "摔了一跤、著名的乾隆年间、精神慰藉" }, /* kept as written */
		{ "Ａ級飲用水", "a级饮用水" },                                                  /* with NFKC and case */
		{ "\xEF\xA4\x87", "龟" }, /* U+F907, a compatibility ideograph: NFKC 龜, then folded */
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char *s = dd_normalize_string(cases[c].in, strlen(cases[c].in));
		assert_non_null(s);
		assert_string_equal(s, cases[c].out);
		free(s);
		char buf[256];
		assert_int_equal(dd_normalize_into(cases[c].in, strlen(cases[c].in), buf, sizeof buf),
		                 strlen(cases[c].out));
		assert_string_equal(buf, cases[c].out);
	}
	/* every folded byte comes from its own original character */
	const char *text = "在鎮裏飲水";
	dd_normalized_t n;
	dd_error_t err;
	assert_int_equal(dd_normalize(text, strlen(text), &n, &err), DD_OK);
	assert_string_equal(n.text, "在镇里饮水");
	for (size_t k = 0; k < n.len; k++)
		assert_int_equal(n.origin[k], k / 3 * 3);
	assert_int_equal(n.origin[n.len], strlen(text));
	dd_normalized_free(&n);
}

static void test_han_folded_keeps_offsets(void **state)
{
	(void)state;
	char *scratch = NULL;
	size_t cap = 0;
	const char *plain = "村里饮水 ok";
	assert_ptr_equal(dd_han_folded(plain, strlen(plain), &scratch, &cap), plain); /* nothing folds */
	assert_null(scratch);
	const char *trad = "Ａ村裏飲水，１號";
	const char *f = dd_han_folded(trad, strlen(trad), &scratch, &cap);
	assert_ptr_equal(f, scratch);
	/* Han folded, everything else (full-width letters, digits) as it was */
	assert_memory_equal(f, "Ａ村里饮水，１号", strlen(trad));
	/* the scratch is reused, and a text folding nothing is still itself */
	f = dd_han_folded("養", strlen("養"), &scratch, &cap);
	assert_ptr_equal(f, scratch);
	assert_memory_equal(f, "养", strlen("养"));
	assert_ptr_equal(dd_han_folded(plain, strlen(plain), &scratch, &cap), plain);
	free(scratch);
}

/* --- the word breaker -------------------------------------------------------- */

typedef struct tokens {
	size_t n;
	char text[64][64];
	size_t start[64], end[64];
} tokens_t;

static int collect(const dd_token_t *t, void *ctx)
{
	tokens_t *c = ctx;
	if (c->n < 64 && t->len < 64) {
		memcpy(c->text[c->n], t->text, t->len + 1);
		c->start[c->n] = t->start;
		c->end[c->n] = t->end;
		c->n++;
	}
	return 0;
}

/* A traditional sentence gives the tokens of its simplified form, at the
 * same byte offsets (ICU's dictionary alone breaks 兩邊新房擠窄 otherwise). */
static void test_traditional_breaks_as_simplified(void **state)
{
	(void)state;
	dd_error_t err;
	dd_lexicon_t *lex = dd_lexicon_new();
	assert_int_equal(dd_lexicon_load_dictionary(lex, DD_SOURCE_DIR "/corpus/dictionary.txt", &err), DD_OK);
	dd_tokenizer_t *tok;
	assert_int_equal(dd_tokenizer_new(lex, &tok, &err), DD_OK);
	const char *pairs[][2] = {
		{ "老灌渠被两边新房挤窄淤塞抽水泵也坏了", "老灌渠被兩邊新房擠窄淤塞抽水泵也壞了" },
		{ "村小撤并后一二年级的小孩只能到镇上住校", "村小撤並後一二年級的小孩只能到鎮上住校" },
		{ "自己开拖拉机翻车受伤合作医疗说不给报", "自己開拖拉機翻車受傷合作醫療說不給報" },
	};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
		for (int mode = 0; mode < 2; mode++) {
			tokens_t a = { 0 }, b = { 0 };
			dd_tokenize_mode_t m = mode ? DD_TOKENIZE_INDEX : DD_TOKENIZE_QUERY;
			assert_int_equal(dd_tokenize(tok, pairs[p][0], strlen(pairs[p][0]), m, collect, &a, &err),
			                 DD_OK);
			assert_int_equal(dd_tokenize(tok, pairs[p][1], strlen(pairs[p][1]), m, collect, &b, &err),
			                 DD_OK);
			assert_true(a.n > 3);
			assert_int_equal(a.n, b.n);
			for (size_t i = 0; i < a.n; i++) {
				assert_string_equal(a.text[i], b.text[i]);
				assert_int_equal(a.start[i], b.start[i]);
				assert_int_equal(a.end[i], b.end[i]);
			}
		}
	dd_tokenizer_free(tok);
	dd_lexicon_free(lex);
}

/* --- searching notes written here -------------------------------------------- */

#define NOTE_HEAD(id, title)                                                                                              \
	"---\nid: " id "\ntitle: " title "\nauthor: 测试\npost: 县委书记\ncity: 甲市\ncounty: 乙县\ntownship: " \
	"丙镇\nvillage: 丁村\ndate: 2007-04-01\n---\n\n"

static const char *const notes[] = {
	"t1.md",
	NOTE_HEAD("T1", "長坪村蹲點手記") "鎮裏今年打了三口深井，村民飲水不再靠挑。\n\n"
	                                  "醫保報銷的明白紙貼在村部門口。\n",
	"s1.md",
	NOTE_HEAD("S1", "石桥村蹲点手记") "镇里派人来修了水窖，老人饮水方便多了。\n",
	"s2.md",
	NOTE_HEAD("S2", "河口村蹲点手记") "村里的医保参保率今年到了九成。\n",
	"s3.md",
	NOTE_HEAD("S3", "柳湾村蹲点手记") "低保户名单在村部张榜公示，一共十一户。\n",
	NULL,
	NULL,
};

static char notes_db[4200];

static int setup(void **state)
{
	(void)state;
	return cli_notes_index("fold_notes", notes, notes_db, sizeof notes_db) ? 0 : -1;
}

/* The ids a query finds, space-separated, best first. */
static char *ids_of(const char *db, const char *query)
{
	cli_result_t r =
	    cli_run("dundian-search", "--db", db, "--json", "--limit", "1000", "--no-snippets", query, (char *)NULL);
	assert_true(r.status == 0 || r.status == 1);
	char *ids = cli_hit_ids(r.out);
	assert_non_null(ids);
	cli_result_free(&r);
	return ids;
}

static void assert_same_hits(const char *db, const char *a, const char *b, const char *want)
{
	char *x = ids_of(db, a), *y = ids_of(db, b);
	if (strcmp(x, y) != 0)
		fail_msg("'%s' finds [%s] but '%s' finds [%s]", a, x, b, y);
	if (want && strcmp(x, want) != 0)
		fail_msg("'%s' finds [%s], not [%s]", a, x, want);
	free(x);
	free(y);
}

static void test_both_ways_on_notes(void **state)
{
	(void)state;
	/* a simplified query finds the traditional note, and the other way */
	assert_same_hits(notes_db, "饮水", "飲水", NULL);
	char *ids = ids_of(notes_db, "饮水");
	assert_non_null(strstr(ids, "T1"));
	assert_non_null(strstr(ids, "S1"));
	free(ids);
	assert_same_hits(notes_db, "\"镇里\"", "\"鎮裏\"", NULL);
	assert_same_hits(notes_db, "\"镇里\"", "\"鎮裡\"", NULL);
	ids = ids_of(notes_db, "\"鎮裏\"");
	assert_true(strcmp(ids, "T1 S1") == 0 || strcmp(ids, "S1 T1") == 0);
	free(ids);
	/* 醫保 is 医保 (T1 writes 醫保, S2 医保), never 低保 by its 保 */
	char *yi = ids_of(notes_db, "醫保");
	assert_non_null(strstr(yi, "T1"));
	assert_non_null(strstr(yi, "S2"));
	assert_null(strstr(yi, "S3"));
	free(yi);
	assert_same_hits(notes_db, "医保", "醫保", NULL);
	/* the title is folded too */
	assert_same_hits(notes_db, "\"长坪村\"", "\"長坪村\"", "T1");
}

/* The characters [start, end) of the UTF-8 string s, as a new string. */
static char *chars(const char *s, size_t start, size_t end)
{
	size_t a = dd_utf8_offset(s, strlen(s), start), b = dd_utf8_offset(s, strlen(s), end);
	return strndup(s + a, b - a);
}

/* Highlights in the traditional note mark its own characters. */
static void test_highlights_in_a_traditional_note(void **state)
{
	(void)state;
	/* search: the snippet's highlights */
	cli_result_t r = cli_run("dundian-search", "--db", notes_db, "--json", "id:T1 饮水 \"镇里\"", (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	const cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "hits"), 0);
	const char *snippet = cJSON_GetObjectItemCaseSensitive(hit, "snippet")->valuestring;
	const cJSON *h, *hl = cJSON_GetObjectItemCaseSensitive(hit, "highlights");
	int typed = 0, literal = 0;
	cJSON_ArrayForEach(h, hl)
	{
		char *marked = chars(snippet, (size_t)cJSON_GetArrayItem(h, 0)->valuedouble,
		                     (size_t)cJSON_GetArrayItem(h, 1)->valuedouble);
		const char *kind = cJSON_GetArrayItem(h, 2)->valuestring;
		if (strcmp(marked, "飲水") == 0 && strcmp(kind, "typed") == 0)
			typed++;
		if (strcmp(marked, "鎮裏") == 0 && strcmp(kind, "literal") == 0)
			literal++;
		free(marked);
	}
	assert_int_equal(typed, 1);
	assert_int_equal(literal, 1);
	cJSON_Delete(root);
	cli_result_free(&r);

	/* text output marks the original characters */
	r = cli_run("dundian-search", "--db", notes_db, "id:T1", "饮水", "\"镇里\"", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "⟦鎮裏⟧今年打了三口深井，村民⟦飲水⟧不再靠挑"));
	cli_result_free(&r);

	/* excerpt: body offsets of the passage's highlights */
	r = cli_run("dundian-search", "excerpt", "--db", notes_db, "--format", "json", "医保", (char *)NULL);
	assert_int_equal(r.status, 0);
	root = cJSON_Parse(r.out);
	const cJSON *ex, *found = NULL;
	cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(root, "excerpts"))
	{
		if (strcmp(cJSON_GetObjectItemCaseSensitive(ex, "id")->valuestring, "T1") == 0)
			found = ex;
	}
	assert_non_null(found);
	const cJSON *passage = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(found, "passages"), 0);
	const char *ptext = cJSON_GetObjectItemCaseSensitive(passage, "text")->valuestring;
	size_t pstart = (size_t)cJSON_GetObjectItemCaseSensitive(passage, "start")->valuedouble;
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(passage, "highlights"), 0);
	assert_non_null(first);
	char *marked = chars(ptext, (size_t)cJSON_GetArrayItem(first, 0)->valuedouble - pstart,
	                     (size_t)cJSON_GetArrayItem(first, 1)->valuedouble - pstart);
	assert_string_equal(marked, "醫保");
	free(marked);
	cJSON_Delete(root);
	cli_result_free(&r);

	/* show --highlight, text and JSON */
	r = cli_run("dundian-search", "show", "T1", "--db", notes_db, "--highlight", "养老 饮水", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "村民⟦飲水⟧不再"));
	cli_result_free(&r);
	r = cli_run("dundian-search", "show", "T1", "--db", notes_db, "--json", "--para", "1", "--highlight",
	            "\"镇里\"", (char *)NULL);
	assert_int_equal(r.status, 0);
	root = cJSON_Parse(r.out);
	const char *body = cJSON_GetObjectItemCaseSensitive(root, "body")->valuestring;
	const cJSON *para = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "paragraphs"), 0);
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(para, "highlights"), 0);
	assert_non_null(first);
	marked = chars(body, (size_t)cJSON_GetArrayItem(first, 0)->valuedouble,
	               (size_t)cJSON_GetArrayItem(first, 1)->valuedouble);
	assert_string_equal(marked, "鎮裏");
	free(marked);
	cJSON_Delete(root);
	cli_result_free(&r);
}

/* --- the bundled corpus ------------------------------------------------------ */

static void test_bundled_corpus(void **state)
{
	(void)state;
	char db[4096];
	assert_non_null(cli_corpus_index("fold_corpus", db, sizeof db));
	/* the same notes in the same order, whichever script is typed */
	const char *pairs[][2] = {
		{ "饮水", "飲水" },
		{ "养老", "養老" },
		{ "\"镇里\"", "\"鎮裏\"" },
		{ "医保", "醫保" },
		{ "自来水 供水", "自來水 供水" },
		{ "合作医疗 报销", "合作醫療 報銷" },
		{ "\"新农合\"", "\"新農合\"" },
	};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		char *ids = ids_of(db, pairs[p][0]);
		assert_true(strlen(ids) > 0);
		free(ids);
		assert_same_hits(db, pairs[p][0], pairs[p][1], NULL);
	}
	/* 醫保 lands on notes about 医保 (and its relatives), never on a lone
	 * 保 or on 低保, as it did when 醫 was unknown and only 保 matched */
	cli_result_t r = cli_run("dundian-search", "--db", db, "--json", "--limit", "20", "醫保", (char *)NULL);
	assert_int_equal(r.status, 0);
	cJSON *root = cJSON_Parse(r.out);
	const cJSON *h;
	size_t hits = 0, typed = 0;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(root, "hits"))
	{
		const char *snippet = cJSON_GetObjectItemCaseSensitive(h, "snippet")->valuestring;
		const cJSON *span;
		cJSON_ArrayForEach(span, cJSON_GetObjectItemCaseSensitive(h, "highlights"))
		{
			char *marked = chars(snippet, (size_t)cJSON_GetArrayItem(span, 0)->valuedouble,
			                     (size_t)cJSON_GetArrayItem(span, 1)->valuedouble);
			assert_string_not_equal(marked, "保");
			assert_string_not_equal(marked, "低保");
			if (strcmp(marked, "医保") == 0)
				typed += strcmp(cJSON_GetArrayItem(span, 2)->valuestring, "typed") == 0;
			free(marked);
		}
		hits++;
	}
	assert_int_equal(hits, 20);
	assert_true(typed >= 5);
	cJSON_Delete(root);
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_icus_transform),
		cmocka_unit_test(test_normalize_folds_with_origins),
		cmocka_unit_test(test_han_folded_keeps_offsets),
		cmocka_unit_test(test_traditional_breaks_as_simplified),
		cmocka_unit_test(test_both_ways_on_notes),
		cmocka_unit_test(test_highlights_in_a_traditional_note),
		cmocka_unit_test(test_bundled_corpus),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
