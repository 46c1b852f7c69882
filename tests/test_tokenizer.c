/* test_tokenizer.c - unit tests of the tokenizer (lib/tokenizer.h), the
 * lexicon it merges words with (lib/lexicon.h) and the normalisation that
 * both rely on (lib/text.h).
 *
 * What must hold: ICU's splits without a dictionary; dictionary merging in
 * query and index mode (parts at the merged word's position); byte offsets
 * that point into the original text even when normalisation changes the
 * length; increasing positions; punctuation never a token; thesaurus groups
 * and topics; errors naming file and line; the normalisation origin map.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "cli_util.h"

#include "lexicon.h"
#include "text.h"
#include "tokenizer.h"

/* --- collecting tokens ----------------------------------------------------- */

#define MAX_TOKENS 64

typedef struct collected {
	size_t n;
	char text[MAX_TOKENS][64];
	size_t start[MAX_TOKENS], end[MAX_TOKENS];
	unsigned position[MAX_TOKENS];
	int flags[MAX_TOKENS];
	size_t stop_after; /* 0: never stop */
} collected_t;

static int collect(const dd_token_t *t, void *ctx)
{
	collected_t *c = ctx;
	if (c->n < MAX_TOKENS) {
		assert_true(t->len < sizeof c->text[0]);
		assert_int_equal(strlen(t->text), t->len); /* NUL-terminated */
		memcpy(c->text[c->n], t->text, t->len + 1);
		c->start[c->n] = t->start;
		c->end[c->n] = t->end;
		c->position[c->n] = t->position;
		c->flags[c->n] = t->flags;
	}
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

static void tokenize(dd_tokenizer_t *tok, const char *text, dd_tokenize_mode_t mode, collected_t *out)
{
	memset(out, 0, sizeof *out);
	dd_error_t err;
	if (dd_tokenize(tok, text, strlen(text), mode, collect, out, &err) != DD_OK)
		fail_msg("tokenizing '%s': %s", text, err.message);
	assert_true(out->n <= MAX_TOKENS);
}

/* "a|b|c" of the token texts, for compact assertions. */
static const char *joined(const collected_t *c, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < c->n; i++) {
		if (i)
			strncat(buf, "|", size - strlen(buf) - 1);
		strncat(buf, c->text[i], size - strlen(buf) - 1);
	}
	return buf;
}

static void assert_tokens(const collected_t *c, const char *want)
{
	char buf[1024];
	assert_string_equal(joined(c, buf, sizeof buf), want);
}

/* Every token's original bytes normalise to its text. */
static void assert_offsets_map_back(const char *original, const collected_t *c)
{
	for (size_t i = 0; i < c->n; i++) {
		assert_true(c->start[i] < c->end[i]);
		assert_true(c->end[i] <= strlen(original));
		char *norm = dd_normalize_string(original + c->start[i], c->end[i] - c->start[i]);
		assert_non_null(norm);
		if (strcmp(norm, c->text[i]) != 0)
			fail_msg("token %zu '%s' maps to original bytes [%zu,%zu) that normalise to '%s'", i,
			         c->text[i], c->start[i], c->end[i], norm);
		free(norm);
	}
}

typedef struct fixture {
	dd_lexicon_t *lex;
	dd_tokenizer_t *plain; /* no dictionary */
	dd_tokenizer_t *dict;  /* with lex */
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	dd_error_t err;
	if (!f || !(f->lex = dd_lexicon_new())) {
		free(f);
		return -1;
	}
	if (dd_lexicon_parse_dictionary(f->lex, "# words kept whole\n宅基地\n宅基地证\n自来水厂\n\n镇里\n", "test-dict",
	                                &err) != DD_OK ||
	    dd_lexicon_parse_thesaurus(
	        f->lex, "# comment\nwater\t饮水 吃水 自来水\nhomestead\t宅基地 建房\n-\t自来水 自来水厂\n",
	        "test-thesaurus", &err) != DD_OK) {
		fprintf(stderr, "%s\n", err.message);
		dd_lexicon_free(f->lex);
		free(f);
		return -1;
	}
	if (dd_tokenizer_new(NULL, &f->plain, &err) != DD_OK || dd_tokenizer_new(f->lex, &f->dict, &err) != DD_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	dd_tokenizer_free(f->plain);
	dd_tokenizer_free(f->dict);
	dd_lexicon_free(f->lex);
	free(f);
	return 0;
}

/* --- ICU and the dictionary ------------------------------------------------ */

static void test_icu_split_without_dictionary(void **state)
{
	fixture_t *f = *state;
	collected_t c;
	tokenize(f->plain, "宅基地", DD_TOKENIZE_INDEX, &c);
	assert_tokens(&c, "宅|基地");
	assert_int_equal(c.start[0], 0);
	assert_int_equal(c.end[0], 3);
	assert_int_equal(c.start[1], 3);
	assert_int_equal(c.end[1], 9);
	assert_int_equal(c.position[0], 0);
	assert_int_equal(c.position[1], 1);
	assert_true(c.flags[0] & DD_TOKEN_HAN);
	assert_false(c.flags[0] & (DD_TOKEN_MERGED | DD_TOKEN_PART));
	assert_false(c.flags[1] & (DD_TOKEN_MERGED | DD_TOKEN_PART));
}

static void test_dictionary_merge_query_mode(void **state)
{
	fixture_t *f = *state;
	collected_t c;
	tokenize(f->dict, "宅基地", DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "宅基地");
	assert_int_equal(c.start[0], 0);
	assert_int_equal(c.end[0], 9);
	assert_int_equal(c.position[0], 0);
	assert_true(c.flags[0] & DD_TOKEN_MERGED);
	assert_true(c.flags[0] & DD_TOKEN_HAN);

	tokenize(f->dict, "村里自来水厂通水了", DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "村里|自来水厂|通|水|了");
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.position[i], i);
		assert_false(c.flags[i] & DD_TOKEN_PART);
	}
}

static void test_dictionary_merge_index_mode_parts(void **state)
{
	fixture_t *f = *state;
	collected_t c;
	tokenize(f->dict, "看宅基地", DD_TOKENIZE_INDEX, &c);
	assert_tokens(&c, "看|宅基地|宅|基地");
	assert_int_equal(c.position[0], 0);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(c.position[i], 1); /* parts share the word's position */
	assert_true(c.flags[1] & DD_TOKEN_MERGED);
	assert_false(c.flags[1] & DD_TOKEN_PART);
	assert_true(c.flags[2] & DD_TOKEN_PART);
	assert_true(c.flags[3] & DD_TOKEN_PART);
	assert_int_equal(c.start[2], 3);
	assert_int_equal(c.end[2], 6);
	assert_int_equal(c.start[3], 6);
	assert_int_equal(c.end[3], 12);
	assert_offsets_map_back("看宅基地", &c);

	/* a shorter dictionary word inside a merged one is a part as well */
	tokenize(f->dict, "宅基地证", DD_TOKENIZE_INDEX, &c);
	assert_string_equal(c.text[0], "宅基地证");
	assert_true(c.flags[0] & DD_TOKEN_MERGED);
	int has_inner = 0;
	for (size_t i = 1; i < c.n; i++) {
		assert_true(c.flags[i] & DD_TOKEN_PART);
		assert_int_equal(c.position[i], 0);
		if (strcmp(c.text[i], "宅基地") == 0) {
			has_inner = 1;
			assert_int_equal(c.start[i], 0);
			assert_int_equal(c.end[i], 9);
		}
	}
	assert_true(has_inner);
	assert_offsets_map_back("宅基地证", &c);

	/* query mode: the longest word only */
	tokenize(f->dict, "宅基地证", DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "宅基地证");
}

static void test_offsets_point_into_original(void **state)
{
	fixture_t *f = *state;
	const char *text = "ＡＢＣ１２３ Hello，World。宅基地";
	collected_t c;
	tokenize(f->dict, text, DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "abc123|hello|world|宅基地");
	/* ＡＢＣ１２３ is 6 full-width characters of 3 bytes each */
	assert_int_equal(c.start[0], 0);
	assert_int_equal(c.end[0], 18);
	assert_int_equal(c.start[1], 19);
	assert_int_equal(c.end[1], 24);
	assert_memory_equal(text + c.start[1], "Hello", 5);
	assert_memory_equal(text + c.start[2], "World", 5);
	assert_memory_equal(text + c.start[3], "宅基地", strlen("宅基地"));
	assert_int_equal(c.end[3], strlen(text));
	assert_offsets_map_back(text, &c);
	/* upper case Latin is lower-cased; full-width digits flagged as a number */
	tokenize(f->plain, "ＡＢＣ １２３ ICU", DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "abc|123|icu");
	assert_true(c.flags[1] & DD_TOKEN_NUMBER);
	assert_false(c.flags[1] & DD_TOKEN_HAN);
	assert_offsets_map_back("ＡＢＣ １２３ ICU", &c);
}

static void test_positions_increase_and_punctuation_skipped(void **state)
{
	fixture_t *f = *state;
	const char *text = "“镇里说，”宅基地——自来水厂！！（2007年）……好。";
	collected_t c;
	tokenize(f->dict, text, DD_TOKENIZE_INDEX, &c);
	assert_true(c.n >= 6);
	unsigned last = 0;
	size_t last_start = 0;
	for (size_t i = 0; i < c.n; i++) {
		/* no token is punctuation: every one holds a letter or digit */
		assert_null(strstr(c.text[i], "，"));
		assert_null(strstr(c.text[i], "“"));
		assert_null(strstr(c.text[i], "！"));
		assert_null(strstr(c.text[i], "（"));
		assert_null(strstr(c.text[i], "…"));
		assert_null(strstr(c.text[i], "—"));
		if (c.flags[i] & DD_TOKEN_PART) {
			assert_int_equal(c.position[i], last);
			assert_true(c.start[i] >= last_start);
		} else {
			if (i > 0)
				assert_int_equal(c.position[i], last + 1); /* consecutive */
			else
				assert_int_equal(c.position[i], 0);
			assert_true(c.start[i] >= last_start);
			last = c.position[i];
			last_start = c.start[i];
		}
	}
	assert_offsets_map_back(text, &c);

	tokenize(f->dict, "，。！？、；：「」『』（）—— …… ,.!?", DD_TOKENIZE_INDEX, &c);
	assert_int_equal(c.n, 0);
	tokenize(f->dict, "", DD_TOKENIZE_INDEX, &c);
	assert_int_equal(c.n, 0);
}

static void test_callback_stops(void **state)
{
	fixture_t *f = *state;
	collected_t c;
	memset(&c, 0, sizeof c);
	c.stop_after = 2;
	dd_error_t err;
	const char *text = "一 二 三 四 五";
	assert_int_equal(dd_tokenize(f->plain, text, strlen(text), DD_TOKENIZE_QUERY, collect, &c, &err), DD_OK);
	assert_int_equal(c.n, 2);
}

static void test_dictionary_words_normalised(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_add_word(lex, "ＷｉＦｉ信号", &err), DD_OK);
	assert_true(dd_lexicon_has_word(lex, "wifi信号", strlen("wifi信号")));
	assert_false(dd_lexicon_has_word(lex, "ＷｉＦｉ信号", strlen("ＷｉＦｉ信号")));
	assert_false(dd_lexicon_has_word(lex, "wifi", 4));
	assert_int_equal(dd_lexicon_word_count(lex), 1);
	assert_int_equal(dd_lexicon_max_word_bytes(lex), strlen("wifi信号"));
	dd_lexicon_free(lex);
}

/* The tokenizer stops extending a candidate word when the lexicon says no
 * longer word starts with it: that must hold for every prefix of every
 * word of the bundled dictionary and thesaurus, else a merge or a part
 * would be lost. */
static int all_prefixes_extend(const dd_lexicon_t *lex, const char *word)
{
	char *norm = dd_normalize_string(word, strlen(word));
	size_t len = norm ? strlen(norm) : 0;
	int ok = norm != NULL;
	for (size_t k = 1; ok && k < len; k++)
		if (((unsigned char)norm[k] & 0xC0) != 0x80)
			ok = dd_lexicon_may_extend(lex, norm, k);
	free(norm);
	return ok;
}

static void test_lexicon_prefixes(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	assert_int_equal(dd_lexicon_add_word(lex, "自来水厂", &err), DD_OK);
	assert_int_equal(dd_lexicon_add_word(lex, "自来水", &err), DD_OK);
	assert_true(dd_lexicon_may_extend(lex, "自", strlen("自")));
	assert_true(dd_lexicon_may_extend(lex, "自来水", strlen("自来水")));
	assert_false(dd_lexicon_may_extend(lex, "自来水厂", strlen("自来水厂")));
	assert_false(dd_lexicon_may_extend(lex, "来水", strlen("来水")));
	assert_false(dd_lexicon_may_extend(lex, "水厂", strlen("水厂")));
	dd_lexicon_free(lex);

	lex = dd_lexicon_new();
	assert_int_equal(dd_lexicon_load_dictionary(lex, DD_SOURCE_DIR "/corpus/dictionary.txt", &err), DD_OK);
	assert_int_equal(dd_lexicon_load_thesaurus(lex, DD_SOURCE_DIR "/corpus/thesaurus.txt", &err), DD_OK);
	size_t checked = 0;
	for (size_t g = 0; g < dd_lexicon_group_count(lex); g++)
		for (size_t i = 0; i < dd_lexicon_group_size(lex, g); i++, checked++)
			assert_true(all_prefixes_extend(lex, dd_lexicon_group_word(lex, g, i)));
	char *data = NULL;
	assert_int_equal(dd_read_file(DD_SOURCE_DIR "/corpus/dictionary.txt", 1 << 22, &data, NULL, &err), DD_OK);
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r#")] = '\0';
		if (line[0] && !isspace((unsigned char)line[0])) {
			assert_true(all_prefixes_extend(lex, line));
			checked++;
		}
	}
	free(data);
	assert_true(checked > 500);
	dd_lexicon_free(lex);
}

/* --- thesaurus ------------------------------------------------------------- */

static int group_has(const dd_lexicon_t *lex, size_t g, const char *word)
{
	for (size_t i = 0; i < dd_lexicon_group_size(lex, g); i++)
		if (strcmp(dd_lexicon_group_word(lex, g, i), word) == 0)
			return 1;
	return 0;
}

static void test_thesaurus_groups_and_topics(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(dd_lexicon_group_count(f->lex), 3);
	size_t groups[8];
	/* 饮水: one group, topic water */
	assert_int_equal(dd_lexicon_groups_of(f->lex, "饮水", groups, 8), 1);
	assert_string_equal(dd_lexicon_group_topic(f->lex, groups[0]), "water");
	assert_int_equal(dd_lexicon_group_size(f->lex, groups[0]), 3);
	assert_true(group_has(f->lex, groups[0], "吃水"));
	assert_true(group_has(f->lex, groups[0], "自来水"));
	assert_false(group_has(f->lex, groups[0], "宅基地"));
	/* 自来水: in two groups, the second without a topic */
	assert_int_equal(dd_lexicon_groups_of(f->lex, "自来水", groups, 8), 2);
	int with_topic = 0, without = 0;
	for (size_t i = 0; i < 2; i++) {
		const char *t = dd_lexicon_group_topic(f->lex, groups[i]);
		if (t && strcmp(t, "water") == 0)
			with_topic++;
		else if (!t)
			without++;
	}
	assert_int_equal(with_topic, 1);
	assert_int_equal(without, 1);
	/* max bounds what is written but not what is returned */
	size_t one[1] = { 999 };
	assert_int_equal(dd_lexicon_groups_of(f->lex, "自来水", one, 1), 2);
	assert_true(one[0] < 3);
	/* not in any group */
	assert_int_equal(dd_lexicon_groups_of(f->lex, "镇里", groups, 8), 0);
	assert_int_equal(dd_lexicon_groups_of(f->lex, "不存在", groups, 8), 0);
	/* every thesaurus word is a dictionary word */
	assert_true(dd_lexicon_has_word(f->lex, "吃水", strlen("吃水")));
	assert_true(dd_lexicon_has_word(f->lex, "建房", strlen("建房")));
}

static void test_thesaurus_word_merges_in_tokenizer(void **state)
{
	fixture_t *f = *state;
	collected_t c;
	/* 建房 comes only from the thesaurus; ICU alone splits it */
	tokenize(f->plain, "他要建房", DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "他要|建|房");
	tokenize(f->dict, "他要建房", DD_TOKENIZE_QUERY, &c);
	assert_tokens(&c, "他要|建房");
	assert_int_equal(c.position[1], 1);
	/* two merged words in a row keep consecutive positions */
	tokenize(f->dict, "宅基地建房", DD_TOKENIZE_INDEX, &c);
	assert_tokens(&c, "宅基地|宅|基地|建房|建|房");
	unsigned want[] = { 0, 0, 0, 1, 1, 1 };
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(c.position[i], want[i]);
	assert_offsets_map_back("宅基地建房", &c);
}

static void test_thesaurus_errors(void **state)
{
	(void)state;
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	dd_error_clear(&err);
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, "# ok\nwater\t饮水\nno tab here\n", "thes.txt", &err),
	                 DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "thes.txt:3"));
	assert_null(strchr(err.message, '\n'));
	dd_lexicon_free(lex);

	lex = dd_lexicon_new();
	assert_int_equal(dd_lexicon_parse_thesaurus(lex, "water\t饮水\n\nroads\t\n", "t2.txt", &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "t2.txt:3"));
	dd_lexicon_free(lex);

	lex = dd_lexicon_new();
	assert_int_equal(dd_lexicon_parse_dictionary(lex, "宅基地\n两个 词\n", "dict.txt", &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "dict.txt:2"));
	dd_lexicon_free(lex);

	lex = dd_lexicon_new();
	assert_int_equal(dd_lexicon_parse_dictionary(lex, "好\n\xE5\xAE\n", "dict8.txt", &err), DD_ERR_INVALID);
	assert_non_null(strstr(err.message, "dict8.txt:2"));
	dd_lexicon_free(lex);
}

static void test_thesaurus_files(void **state)
{
	(void)state;
	char dir[4096], path[4200];
	assert_non_null(cli_scratch("tokenizer_lexicon", dir, sizeof dir));
	assert_int_equal(cli_write_file(dir, "thesaurus.txt", "roads\t修路 公路\r\nbad line\r\n"), 0);
	assert_int_equal(cli_write_file(dir, "good.txt", "roads\t修路 公路\r\n-\t乡里 镇里\n"), 0);
	dd_lexicon_t *lex = dd_lexicon_new();
	dd_error_t err;
	snprintf(path, sizeof path, "%s/thesaurus.txt", dir);
	assert_int_equal(dd_lexicon_load_thesaurus(lex, path, &err), DD_ERR_INVALID);
	char want[4300];
	snprintf(want, sizeof want, "%s:2", path);
	assert_non_null(strstr(err.message, want));
	dd_lexicon_free(lex);

	lex = dd_lexicon_new();
	snprintf(path, sizeof path, "%s/good.txt", dir);
	assert_int_equal(dd_lexicon_load_thesaurus(lex, path, &err), DD_OK);
	size_t g[4];
	assert_int_equal(dd_lexicon_groups_of(lex, "公路", g, 4), 1);
	assert_string_equal(dd_lexicon_group_topic(lex, g[0]), "roads");
	assert_true(group_has(lex, g[0], "修路")); /* no "\r" kept */
	assert_int_equal(dd_lexicon_groups_of(lex, "镇里", g, 4), 1);
	assert_null(dd_lexicon_group_topic(lex, g[0]));
	uint64_t fp = dd_lexicon_fingerprint(lex);
	assert_int_equal(dd_lexicon_add_word(lex, "新词", &err), DD_OK);
	assert_true(dd_lexicon_fingerprint(lex) != fp);

	snprintf(path, sizeof path, "%s/missing.txt", dir);
	assert_int_equal(dd_lexicon_load_thesaurus(lex, path, &err), DD_ERR_IO);
	assert_non_null(strstr(err.message, path));
	assert_int_equal(dd_lexicon_load_dictionary(lex, path, &err), DD_ERR_IO);
	dd_lexicon_free(lex);

	/* the bundled thesaurus loads and puts 饮水 in the water group */
	lex = dd_lexicon_new();
	assert_int_equal(dd_lexicon_load_dictionary(lex, DD_SOURCE_DIR "/corpus/dictionary.txt", &err), DD_OK);
	assert_int_equal(dd_lexicon_load_thesaurus(lex, DD_SOURCE_DIR "/corpus/thesaurus.txt", &err), DD_OK);
	size_t gs[8];
	size_t ng = dd_lexicon_groups_of(lex, "饮水", gs, 8);
	assert_true(ng >= 1);
	int water = 0;
	for (size_t i = 0; i < ng && i < 8; i++) {
		const char *t = dd_lexicon_group_topic(lex, gs[i]);
		water |= t && strcmp(t, "water") == 0 && group_has(lex, gs[i], "吃水");
	}
	assert_true(water);
	dd_lexicon_free(lex);
}

/* --- normalisation --------------------------------------------------------- */

static void test_normalize_origin_map(void **state)
{
	(void)state;
	const char *text = "Ａb１ 村Ｚ";
	dd_normalized_t n;
	dd_error_t err;
	assert_int_equal(dd_normalize(text, strlen(text), &n, &err), DD_OK);
	assert_string_equal(n.text, "ab1 村z");
	assert_int_equal(n.len, strlen("ab1 村z"));
	/* Ａ(0..3) b(3) １(4..7) ' '(7) 村(8..11) Ｚ(11..14) */
	size_t want[] = { 0, 3, 4, 7, 8, 8, 8, 11 };
	for (size_t k = 0; k < n.len; k++)
		assert_int_equal(n.origin[k], want[k]);
	assert_int_equal(n.origin[n.len], strlen(text));
	for (size_t k = 1; k <= n.len; k++)
		assert_true(n.origin[k] >= n.origin[k - 1]);
	dd_normalized_free(&n);

	/* a compatibility character expanding to several: ㎏ -> kg, ﬁ -> fi */
	const char *t2 = "1㎏ﬁ";
	assert_int_equal(dd_normalize(t2, strlen(t2), &n, &err), DD_OK);
	assert_string_equal(n.text, "1kgfi");
	size_t want2[] = { 0, 1, 1, 4, 4, 7 };
	for (size_t k = 0; k <= n.len; k++)
		assert_int_equal(n.origin[k], want2[k]);
	dd_normalized_free(&n);

	char *s = dd_normalize_string("ＨＥＬＬＯ Wörld", strlen("ＨＥＬＬＯ Wörld"));
	assert_string_equal(s, "hello wörld");
	free(s);

	assert_int_equal(dd_normalize("", 0, &n, &err), DD_OK);
	assert_int_equal(n.len, 0);
	assert_string_equal(n.text, "");
	assert_int_equal(n.origin[0], 0);
	dd_normalized_free(&n);
}

static void test_utf8_helpers(void **state)
{
	(void)state;
	size_t bad = 0;
	assert_true(dd_utf8_valid("村里 ok", strlen("村里 ok"), NULL));
	assert_false(dd_utf8_valid("ab\xE6\x9D", 4, &bad));
	assert_int_equal(bad, 2);
	assert_false(dd_utf8_valid("\xC0\x80", 2, &bad)); /* overlong NUL */
	assert_int_equal(bad, 0);
	assert_int_equal(dd_utf8_length("村里ab", strlen("村里ab")), 4);
	assert_int_equal(dd_utf8_offset("村里ab", strlen("村里ab"), 2), 6);
	assert_true(dd_is_han(0x6751)); /* 村 */
	assert_false(dd_is_han('a'));
	assert_int_equal(dd_display_width("村a", strlen("村a")), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icu_split_without_dictionary),
		cmocka_unit_test(test_dictionary_merge_query_mode),
		cmocka_unit_test(test_dictionary_merge_index_mode_parts),
		cmocka_unit_test(test_offsets_point_into_original),
		cmocka_unit_test(test_positions_increase_and_punctuation_skipped),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_dictionary_words_normalised),
		cmocka_unit_test(test_lexicon_prefixes),
		cmocka_unit_test(test_thesaurus_groups_and_topics),
		cmocka_unit_test(test_thesaurus_word_merges_in_tokenizer),
		cmocka_unit_test(test_thesaurus_errors),
		cmocka_unit_test(test_thesaurus_files),
		cmocka_unit_test(test_normalize_origin_map),
		cmocka_unit_test(test_utf8_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
