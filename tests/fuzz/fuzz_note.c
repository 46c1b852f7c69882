/* fuzz_note.c - fuzz target for the note parser (note.h): any bytes either
 * parse into a note that keeps note.h's promises or give a one-line
 * message. */
#include "fuzz_common.h"
#include "note.h"

typedef struct paragraph_walk {
	size_t len, last_end, count;
	const char *body;
} paragraph_walk_t;

static int check_paragraph(size_t number, size_t start, size_t end, void *ctx)
{
	paragraph_walk_t *w = ctx;
	FUZZ_CHECK(number == ++w->count);
	FUZZ_CHECK(start >= w->last_end && start < end && end <= w->len);
	FUZZ_CHECK(w->body[start] != '\n' && w->body[end - 1] != '\n');
	w->last_end = end;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dd_note_t *note = NULL;
	dd_error_t err;
	if (dd_note_parse("fuzz/N0001.md", (const char *)data, size, &note, &err) != DD_OK) {
		FUZZ_CHECK(note == NULL);
		FUZZ_CHECK(fuzz_one_line(err.message));
		return 0;
	}
	const char *fields[] = { note->id,     note->title,    note->author,  note->post, note->city,
		                 note->county, note->township, note->village, note->date, note->tags };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		FUZZ_CHECK(fields[i] != NULL);
		FUZZ_CHECK(dd_utf8_valid(fields[i], strlen(fields[i]), NULL));
	}
	FUZZ_CHECK(note->id[0] && note->title[0] && note->body_len > 0);
	FUZZ_CHECK(strlen(note->body) == note->body_len);
	FUZZ_CHECK(dd_utf8_valid(note->body, note->body_len, NULL));
	FUZZ_CHECK(!note->date[0] || dd_date_valid(note->date));
	paragraph_walk_t walk = { note->body_len, 0, 0, note->body };
	dd_note_foreach_paragraph(note->body, note->body_len, check_paragraph, &walk);
	FUZZ_CHECK(walk.count >= 1);
	dd_note_free(note);

	/* the date check on arbitrary text */
	char *s = fuzz_string(data, size);
	if (s) {
		(void)dd_date_valid(s);
		free(s);
	}
	return 0;
}
