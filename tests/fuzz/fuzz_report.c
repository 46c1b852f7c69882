/* fuzz_report.c - fuzz target for the report's counting (report.h), fed
 * from memory: one record per line, tab-separated
 *   id  value  county  month  topic,topic,...
 * The first byte picks the column order.  Every accessor is called over
 * its whole range (and one past it), and the figures must agree. */
#include "fuzz_common.h"
#include "report.h"

static const char *const known[] = { "water", "roads", "clinic", "school" };

#define MAX_TOPICS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *text = fuzz_string(data + 1, size - 1);
	if (!text)
		return 0;
	dd_report_t *r;
	dd_error_t err;
	dd_report_value_order_t order = data[0] & 1 ? DD_REPORT_VALUES_BY_NAME : DD_REPORT_VALUES_BY_COUNT;
	FUZZ_CHECK(dd_report_new(known, data[0] & 2 ? 0 : 4, order, &r, &err) == DD_OK);
	size_t added = 0;
	int failed = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *col[5] = { "", "", "", "", "" };
		char *p = line;
		for (int c = 0; c < 5 && p; c++) {
			col[c] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		const char *topics[MAX_TOPICS];
		size_t n_topics = 0;
		for (char *s2 = NULL, *t = strtok_r(col[4], ",", &s2); t && n_topics < MAX_TOPICS;
		     t = strtok_r(NULL, ",", &s2))
			topics[n_topics++] = t;
		dd_report_record_t rec = { col[0], col[1], col[2], col[3], topics, n_topics };
		if (dd_report_add(r, &rec, &err) == DD_OK)
			added++;
		else
			FUZZ_CHECK(!col[0][0] && fuzz_one_line(err.message));
	}
	if (dd_report_finish(r, &err) != DD_OK) {
		FUZZ_CHECK(fuzz_one_line(err.message));
		failed = 1;
	}
	size_t n_all = 0, n_untagged = 0, n;
	dd_report_all_ids(r, &n_all);
	dd_report_untagged_ids(r, &n_untagged);
	FUZZ_CHECK(failed || n_all == added);
	FUZZ_CHECK(n_untagged <= n_all);
	size_t topics = dd_report_topic_count(r), values = dd_report_value_count(r), max_cell = 0;
	for (size_t t = 0; t <= topics; t++) {
		size_t row = 0;
		const char *const *ids = dd_report_topic_ids(r, t, &row);
		for (size_t i = 1; i < row; i++)
			FUZZ_CHECK(strcmp(ids[i - 1], ids[i]) < 0);
		FUZZ_CHECK(row <= n_all);
		const char *key = dd_report_topic_key(r, t);
		if (t < topics)
			FUZZ_CHECK(key && dd_report_find_topic(r, key) == (int)t);
		dd_report_topic_counties(r, t, &n);
		dd_report_topic_months(r, t, &n);
		for (size_t v = 0; v <= values; v++) {
			size_t cell = dd_report_cell(r, t, v);
			dd_report_cell_ids(r, t, v, &n);
			FUZZ_CHECK(n == cell && cell <= row);
			if (cell > max_cell)
				max_cell = cell;
		}
	}
	FUZZ_CHECK(max_cell == dd_report_max_cell(r));
	for (size_t v = 0; v <= values; v++) {
		const char *value = dd_report_value(r, v);
		dd_report_value_ids(r, v, &n);
		if (v < values)
			FUZZ_CHECK(value && dd_report_find_value(r, value) >= 0);
	}
	for (size_t k = 0; k < topics; k++)
		FUZZ_CHECK(dd_report_recurrence_topic(r, k) < topics);
	size_t pairs = dd_report_pair_count(r);
	for (size_t k = 0; k <= pairs; k++) {
		size_t a = 0, b = 0;
		dd_report_pair(r, k, &a, &b);
		dd_report_pair_ids(r, k, &n);
		(void)dd_report_pair_lift(r, k);
		if (k < pairs) {
			FUZZ_CHECK(a < b && b < topics && n >= 1);
			FUZZ_CHECK(dd_report_find_pair(r, a, b) == (int)k && dd_report_find_pair(r, b, a) == (int)k);
		}
	}
	dd_report_free(r);
	free(text);
	return 0;
}
