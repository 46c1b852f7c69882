/* test_tag_learning.c - learning the tagger's weights (bench/tag_learning.h)
 * on small labelled sets written here.
 *
 * Notes about water pipes (水管, a word the test taxonomy does not list)
 * are labelled water: learning from them adds 水管 as a learned term of
 * water, so a new note about pipes is tagged water, which the hand weights
 * never do.  Only the training notes count: with the pipe notes held out,
 * nothing about 水管 is learned; nor is a word holding a numeral (一家家).
 * The learned tagger's weights file reads back to the same tags.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "tag_learning.h"
#include "tagger.h"

static const char *taxonomy = "{ \"tagging\": { \"threshold\": 2.0 },\n"
                              "  \"topics\": [\n"
                              "   { \"key\": \"water\", \"name\": \"饮水安全\",\n"
                              "     \"terms\": { \"自来水\": 2, \"水窖\": 2 } },\n"
                              "   { \"key\": \"tourism\", \"name\": \"乡村旅游\",\n"
                              "     \"terms\": { \"农家乐\": 2, \"民宿\": 2 } }\n"
                              "  ] }\n";

/* id, author, labels, body: six authors, the pipe notes by three of them */
static const struct {
	const char *id, *author, *labels, *body;
} notes[] = {
	{ "T01", "甲", "water", "村里的水管冻裂了，一家家去看水管。" },
	{ "T02", "乙", "water", "水管老化，一家家的水管漏得厉害，群众很着急。" },
	{ "T03", "丙", "water", "新水管铺到了山上，水管接进了每一户。" },
	{ "T04", "甲", "water", "水管又坏了，一家家换了新的水管。" },
	{ "T05", "丁", "tourism", "农家乐开张了，民宿也住满了客人。" },
	{ "T06", "戊", "tourism", "民宿一间间收拾好了，农家乐的菜很香。" },
	{ "T07", "己", "", "今天下雨，大家在屋里开会，说了说天气和庄稼。" },
	{ "T08", "丁", "", "村委会换届，选出了新的班子，会开得很顺。" },
	{ "T09", "戊", "water", "自来水通了，水窖不用了，自来水很干净。" },
	{ "T10", "己", "", "修了一座小桥，孩子上学不用绕路了。" },
};
#define NOTE_COUNT (sizeof notes / sizeof notes[0])

struct fixture {
	char dir[64], taxonomy[128], labels[128], dictionary[128];
	struct labelled_set set;
	dd_tagger_t *hand;
};

static void write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	assert_int_equal(fclose(file), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	strcpy(f->dir, "/tmp/dd-test-tag-learning-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->taxonomy, sizeof f->taxonomy, "%s/taxonomy.json", f->dir);
	snprintf(f->labels, sizeof f->labels, "%s/labels.tsv", f->dir);
	snprintf(f->dictionary, sizeof f->dictionary, "%s/dictionary.txt", f->dir);
	write_file(f->taxonomy, taxonomy);
	write_file(f->dictionary, "水管\n民宿\n一家家\n");
	FILE *labels = fopen(f->labels, "w");
	assert_non_null(labels);
	fprintf(labels, "# id\tprimary\tsecondary\n");
	for (size_t n = 0; n < NOTE_COUNT; n++) {
		char path[192], text[512];
		snprintf(path, sizeof path, "%s/%s.md", f->dir, notes[n].id);
		snprintf(text, sizeof text, "---\nid: %s\ntitle: 手记\nauthor: %s\n---\n\n%s\n", notes[n].id,
		         notes[n].author, notes[n].body);
		write_file(path, text);
		fprintf(labels, "%s\t%s\t\n", notes[n].id, notes[n].labels);
	}
	assert_int_equal(fclose(labels), 0);
	dd_error_t err;
	assert_int_equal(dd_tagger_load_hand(f->taxonomy, &f->hand, &err), DD_OK);
	assert_int_equal(labelled_set_read(&f->set, f->hand, f->labels, f->dir, f->dictionary, "test"), 0);
	assert_int_equal(f->set.count, NOTE_COUNT);
	assert_int_equal(f->set.group_count, 6);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	labelled_set_free(&f->set);
	dd_tagger_free(f->hand);
	char path[192];
	for (size_t n = 0; n < NOTE_COUNT; n++) {
		snprintf(path, sizeof path, "%s/%s.md", f->dir, notes[n].id);
		unlink(path);
	}
	unlink(f->taxonomy);
	unlink(f->labels);
	unlink(f->dictionary);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The weight of the learned term text of topic in tagger, or -1e9 if it has none. */
static double learned_weight(const dd_tagger_t *tagger, const char *key, const char *text)
{
	int topic = dd_tagger_find_topic(tagger, key);
	for (size_t t = 0; t < dd_tagger_term_count(tagger); t++) {
		size_t of;
		double weight;
		const char *term = dd_tagger_term_text(tagger, t, &of, &weight);
		if ((int)of == topic && dd_tagger_term_is_learned(tagger, t) && strcmp(term, text) == 0)
			return weight;
	}
	return -1e9;
}

static int tags_with(const dd_tagger_t *tagger, const char *body, const char *key)
{
	dd_tag_t tags[4];
	size_t count = dd_tagger_tag(tagger, "", body, tags, 4);
	for (size_t i = 0; i < count; i++)
		if (strcmp(tags[i].key, key) == 0)
			return 1;
	return 0;
}

static const char *new_pipe_note = "下午去看了水管，水管的问题还没解决。";

/* The defaults but for the lift: in this small set half the notes are
 * about water, so no word can be 3 times as frequent in them. */
static struct learn_settings test_settings(void)
{
	struct learn_settings settings = learn_defaults;
	settings.min_lift = 1.5;
	return settings;
}

/* The words of each note come from the tokenizer with the dictionary. */
static void test_notes_hold_their_words(void **state)
{
	struct fixture *f = *state;
	const struct labelled_note *note = &f->set.notes[0];
	int pipes = 0;
	for (size_t i = 0; i < note->word_count; i++) {
		pipes += strcmp(note->words[i], "水管") == 0;
		assert_true(strlen(note->words[i]) >= 6); /* two Han characters or more */
		if (i)
			assert_true(strcmp(note->words[i - 1], note->words[i]) < 0); /* sorted, distinct */
	}
	assert_int_equal(pipes, 1);
	assert_true(f->set.notes[0].labelled[0] && !f->set.notes[0].labelled[1]);
	assert_int_equal(f->set.notes[0].group, f->set.notes[3].group); /* both by 甲 */
}

/* Learning from every note adds 水管 to water: the new note is tagged. */
static void test_learns_a_word_of_the_notes(void **state)
{
	struct fixture *f = *state;
	assert_false(tags_with(f->hand, new_pipe_note, "water"));
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(dd_tagger_load_hand(f->taxonomy, &tagger, &err), DD_OK);
	unsigned char train[NOTE_COUNT];
	memset(train, 1, sizeof train);
	struct learn_settings settings = test_settings();
	assert_int_equal(tagging_learn(tagger, &f->set, train, &settings), 0);
	assert_true(learned_weight(tagger, "water", "水管") > 0);
	assert_true(learned_weight(tagger, "tourism", "水管") <= 0);
	assert_true(tags_with(tagger, new_pipe_note, "water"));
	assert_false(tags_with(tagger, new_pipe_note, "tourism"));
	/* a taxonomy term is never learned again for its own topic, nor a word
	 * holding a numeral (一家家, in three pipe notes); and a learned word
	 * only ever counts for its topic */
	assert_true(learned_weight(tagger, "water", "自来水") == -1e9);
	assert_true(learned_weight(tagger, "water", "一家家") == -1e9);
	for (size_t t = 0; t < dd_tagger_term_count(tagger); t++) {
		double weight;
		dd_tagger_term_text(tagger, t, NULL, &weight);
		assert_true(!dd_tagger_term_is_learned(tagger, t) || weight >= 0);
	}

	/* written and read back into a hand tagger: the same tags */
	char path[192];
	snprintf(path, sizeof path, "%s/taxonomy.weights.tsv", f->dir);
	assert_int_equal(dd_tagger_write_weights(tagger, path, "test", &err), DD_OK);
	dd_tagger_t *loaded;
	assert_int_equal(dd_tagger_load(f->taxonomy, &loaded, &err), DD_OK);
	unlink(path);
	assert_true(fabs(learned_weight(loaded, "water", "水管") - learned_weight(tagger, "water", "水管")) < 1e-5);
	assert_true(tags_with(loaded, new_pipe_note, "water"));
	dd_tagger_free(loaded);
	dd_tagger_free(tagger);

	/* no words allowed: nothing learned about 水管 */
	settings.max_words = 0;
	assert_int_equal(dd_tagger_load_hand(f->taxonomy, &tagger, &err), DD_OK);
	assert_int_equal(tagging_learn(tagger, &f->set, train, &settings), 0);
	assert_true(learned_weight(tagger, "water", "水管") == -1e9);
	dd_tagger_free(tagger);
}

/* Only the training notes count: without the pipe notes 水管 is never a candidate. */
static void test_learns_from_the_training_notes_only(void **state)
{
	struct fixture *f = *state;
	unsigned char train[NOTE_COUNT];
	for (size_t n = 0; n < NOTE_COUNT; n++)
		train[n] = strstr(notes[n].body, "水管") == NULL;
	dd_error_t err;
	dd_tagger_t *tagger;
	assert_int_equal(dd_tagger_load_hand(f->taxonomy, &tagger, &err), DD_OK);
	struct learn_settings settings = test_settings();
	assert_int_equal(tagging_learn(tagger, &f->set, train, &settings), 0);
	assert_true(learned_weight(tagger, "water", "水管") == -1e9);
	assert_false(tags_with(tagger, new_pipe_note, "water"));
	dd_tagger_free(tagger);

	/* two pipe notes are below min_support (3): still nothing */
	for (size_t n = 0; n < NOTE_COUNT; n++)
		train[n] = n != 0 && n != 1;
	assert_int_equal(dd_tagger_load_hand(f->taxonomy, &tagger, &err), DD_OK);
	settings.min_support = 3;
	assert_int_equal(tagging_learn(tagger, &f->set, train, &settings), 0);
	assert_true(learned_weight(tagger, "water", "水管") == -1e9);
	dd_tagger_free(tagger);
}

/* A word has to be found by min_authors different authors: the two pipe
 * notes of 甲 alone (a word of one writer's village, as a place name is)
 * teach 水管 only when one author is enough. */
static void test_learned_word_needs_several_authors(void **state)
{
	struct fixture *f = *state;
	unsigned char train[NOTE_COUNT];
	for (size_t n = 0; n < NOTE_COUNT; n++)
		train[n] = strstr(notes[n].body, "水管") == NULL || strcmp(notes[n].author, "甲") == 0;
	struct learn_settings settings = test_settings();
	settings.min_support = 2;
	assert_true(settings.min_authors >= 2);
	for (size_t authors = 1; authors <= 2; authors++) {
		dd_error_t err;
		dd_tagger_t *tagger;
		assert_int_equal(dd_tagger_load_hand(f->taxonomy, &tagger, &err), DD_OK);
		settings.min_authors = authors;
		assert_int_equal(tagging_learn(tagger, &f->set, train, &settings), 0);
		if (authors == 1)
			assert_true(learned_weight(tagger, "water", "水管") > 0);
		else
			assert_true(learned_weight(tagger, "water", "水管") == -1e9);
		dd_tagger_free(tagger);
	}
}

/* Calibrating the thresholds inside the training notes gives one scale
 * from the grid and a tagger that still learned the word. */
static void test_calibrated_learning(void **state)
{
	struct fixture *f = *state;
	unsigned char train[NOTE_COUNT];
	memset(train, 1, sizeof train);
	struct learn_settings settings = test_settings();
	settings.calibration_folds = 2;
	settings.min_support = 2; /* each inner fold sees about half the pipe notes */
	dd_tagger_t *tagger;
	double scale;
	assert_int_equal(tagging_learn_calibrated(f->taxonomy, &f->set, train, &settings, &tagger, &scale), 0);
	assert_true(scale >= 0.6 && scale <= 1.2);
	assert_true(learned_weight(tagger, "water", "水管") > 0);
	dd_tagger_free(tagger);
	/* a taxonomy that cannot be read: -1, no tagger */
	assert_int_equal(tagging_learn_calibrated("/nonexistent/t.json", &f->set, train, &settings, &tagger, &scale),
	                 -1);
	assert_null(tagger);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notes_hold_their_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learns_a_word_of_the_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learns_from_the_training_notes_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learned_word_needs_several_authors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calibrated_learning, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
