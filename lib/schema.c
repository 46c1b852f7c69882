/* schema.c - the field table and the term helpers of the index schema
 * (schema.h).  Indexing and querying both build their terms here, so the
 * two can never disagree about how a value is spelled in the index. */
#include "schema.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "note.h"
#include "text.h"

#define NOTE_VALUE(member) offsetof(dd_note_t, member)
#define NOT_A_NOTE_VALUE ((size_t)-1)

/* One row per field.  Adding a filter or facet over a value the note
 * already has is one row here. */
static const dd_field_t fields[] = {
	{ "id", DD_PREFIX_ID, DD_NO_SLOT, DD_FIELD_FILTER | DD_FIELD_VERBATIM, NOTE_VALUE(id), 0 },
	{ "title", NULL, DD_NO_SLOT, 0, NOTE_VALUE(title), 0 },
	{ "author", "A", DD_SLOT_AUTHOR, DD_FIELD_FILTER | DD_FIELD_FACET, NOTE_VALUE(author), 0 },
	{ "post", "XP", DD_SLOT_POST, DD_FIELD_FILTER, NOTE_VALUE(post), 0 },
	{ "city", "XCI", DD_SLOT_CITY, DD_FIELD_FILTER | DD_FIELD_FACET, NOTE_VALUE(city), 0 },
	{ "county", "XCO", DD_SLOT_COUNTY, DD_FIELD_FILTER | DD_FIELD_FACET, NOTE_VALUE(county), 0 },
	{ "township", "XT", DD_SLOT_TOWNSHIP, DD_FIELD_FILTER | DD_FIELD_FACET, NOTE_VALUE(township), 0 },
	{ "village", "XV", DD_SLOT_VILLAGE, DD_FIELD_FILTER | DD_FIELD_FACET, NOTE_VALUE(village), 0 },
	/* date: D/M/Y terms by day, month and year (dd_schema_date_term) */
	{ "date", NULL, DD_SLOT_DATE, DD_FIELD_FILTER | DD_FIELD_SORTABLE, NOTE_VALUE(date), 0 },
	{ "month", NULL, DD_SLOT_MONTH, DD_FIELD_FACET, NOTE_VALUE(date), 7 },
	{ "topic", DD_PREFIX_TOPIC, DD_SLOT_TOPICS, DD_FIELD_FILTER | DD_FIELD_FACET | DD_FIELD_VERBATIM,
	  NOT_A_NOTE_VALUE, 0 },
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

const dd_field_t *dd_schema_fields(size_t *n)
{
	*n = N_FIELDS;
	return fields;
}

const dd_field_t *dd_schema_field(const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

void dd_schema_field_names(unsigned flags, char *buf, size_t size)
{
	size_t len = 0;
	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < N_FIELDS && len < size; i++) {
		if ((fields[i].flags & flags) != flags)
			continue;
		int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", fields[i].name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* prefix + s into buf, or prefix + "#" + a hash of s when that would be
 * longer than Xapian allows a term to be. */
static void make_term(const char *prefix, const char *s, size_t len, char *buf, size_t size)
{
	if (strlen(prefix) + len <= DD_TERM_MAX) {
		snprintf(buf, size, "%s%.*s", prefix, (int)len, s);
		return;
	}
	uint64_t h = dd_hash_bytes(DD_HASH_INIT, s, len);
	snprintf(buf, size, "%s#%016" PRIx64 "%zu", prefix, h, len);
}

int dd_schema_filter_term(const dd_field_t *field, const char *value, char *buf, size_t size)
{
	if (!field->prefix)
		return -1;
	int verbatim = (field->flags & DD_FIELD_VERBATIM) != 0;
	char *norm = verbatim ? strdup(value) : dd_normalize_string(value, strlen(value));
	if (!norm)
		return -1;
	const char *s = norm;
	while (*s == ' ')
		s++;
	size_t len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	make_term(field->prefix, s, len, buf, size);
	free(norm);
	return 0;
}

int dd_schema_date_term(const char *v, char *buf, size_t size)
{
	size_t l = strlen(v);
	if (l == 10 && v[4] == '-' && v[7] == '-')
		snprintf(buf, size, "%s%.4s%.2s%.2s", DD_PREFIX_DAY, v, v + 5, v + 8);
	else if (l == 7 && v[4] == '-')
		snprintf(buf, size, "%s%.4s%.2s", DD_PREFIX_MONTH, v, v + 5);
	else if (l == 4)
		snprintf(buf, size, "%s%.4s", DD_PREFIX_YEAR, v);
	else
		return -1;
	return 0;
}

void dd_schema_id_term(const char *id, char *buf, size_t size)
{
	make_term(DD_PREFIX_ID, id, strlen(id), buf, size);
}

void dd_schema_topic_term(const char *key, char *buf, size_t size)
{
	make_term(DD_PREFIX_TOPIC, key, strlen(key), buf, size);
}

void dd_schema_topic_rank_term(const char *key, char *buf, size_t size)
{
	make_term(DD_PREFIX_TOPIC_RANK, key, strlen(key), buf, size);
}

void dd_schema_topic_manual_term(const char *key, char *buf, size_t size)
{
	make_term(DD_PREFIX_TOPIC_MANUAL, key, strlen(key), buf, size);
}

dd_status_t dd_schema_check(dd_db_t *db, const char *path, dd_error_t *err)
{
	char *version = dd_db_get_metadata(db, DD_META_SCHEMA, err);
	if (!version)
		return err ? err->status : DD_ERR_INDEX;
	int same = strcmp(version, DD_SCHEMA_VERSION) == 0;
	dd_status_t st = DD_OK;
	if (!same && !version[0])
		st = dd_error_set(err, DD_ERR_INDEX,
		                  "index '%s' has no schema version: it was not built by dundian-index, or by a "
		                  "very old one; re-index with `dundian-index --db %s`",
		                  path, path);
	else if (!same)
		st = dd_error_set(err, DD_ERR_INDEX,
		                  "index '%s' was built by another version of dundian (%s, this one reads %s): "
		                  "re-index with `dundian-index --db %s`",
		                  path, version, DD_SCHEMA_VERSION, path);
	free(version);
	return st;
}
