/* report_html.c - `dundian-search report --format html`: the report as one
 * self-contained page (inline CSS, charts as inline SVG, no script, nothing
 * fetched, only generic font families), so it can be mailed or opened
 * offline.
 *
 * Sections: a bar chart of notes per topic; a heat map of topics (columns)
 * by the --by field (rows, since there may be a hundred counties) with the
 * count in each cell; the recurrence ranking; the pairs of topics raised
 * together; then the notes behind every figure and the notes themselves.
 * Every bar, cell and row has a tooltip (SVG <title> / HTML title) and
 * links to the list of its notes, whose ids link to the notes' entries.
 * Anchors: t-ROW (a topic), c-ROW-COL (a cell), v-COL (a value), p-RANK
 * (a pair), n-INDEX (a note).
 */
#include <stdlib.h>
#include <string.h>

#include "report_output.h"
#include "text.h"

static void html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

static const char *topic_name(const dd_report_view_t *view, size_t row)
{
	return dd_engine_topic_label(view->engine, dd_report_topic_key(view->report, row));
}

/* "饮水安全 (water)", escaped. */
static void html_topic(FILE *out, const dd_report_view_t *view, size_t row)
{
	const char *key = dd_report_topic_key(view->report, row), *name = topic_name(view, row);
	html_text(out, name);
	if (strcmp(name, key) != 0) {
		fputs(" (", out);
		html_text(out, key);
		fputc(')', out);
	}
}

/* The ids, space-separated (for tooltips), at most `max` then "…". */
static void html_id_text(FILE *out, const char *const *ids, size_t n, size_t max)
{
	for (size_t i = 0; i < n && i < max; i++) {
		fputc(' ', out);
		html_text(out, ids[i]);
	}
	if (n > max)
		fprintf(out, " … (%zu more)", n - max);
}

/* The ids as links to the notes' entries. */
static void html_id_links(FILE *out, const dd_report_view_t *view, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const dd_stored_note_t *note = dd_report_view_note(view, ids[i]);
		if (note) {
			fprintf(out, " <a href=\"#n-%zu\">", (size_t)(note - view->notes));
		} else {
			fputs(" <span>", out);
		}
		html_text(out, ids[i]);
		fputs(note ? "</a>" : "</span>", out);
	}
}

/* Approximate pixel width of s at the 12px font the charts use: a wide
 * (CJK) character is about 12px, a narrow one about 7px. */
static double text_px(const char *s)
{
	return (double)dd_display_width(s, strlen(s)) * 6.5;
}

/* Heat map colour for a share in [0, 1]: pale to dark blue. */
static void heat_colour(double share, char *buf, size_t size)
{
	const double pale[3] = { 235, 243, 251 }, dark[3] = { 8, 48, 107 };
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = (int)(pale[i] + (dark[i] - pale[i]) * share + 0.5);
	snprintf(buf, size, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static const char *style_sheet =
    "body{font-family:\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",\"Noto Sans CJK SC\","
    "\"Source Han Sans SC\",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222;"
    "line-height:1.5}\n"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ccc}\n"
    "h3{font-size:15px;margin:18px 0 4px}\n"
    ".lead{color:#555;margin-top:0}.hint{color:#666;font-size:13px}\n"
    "svg{display:block;margin:8px 0}svg text{font-size:12px;fill:#222}\n"
    "svg a:hover rect{stroke:#d62728;stroke-width:2}\n"
    ".scroll{overflow-x:auto}\n"
    "table.data{border-collapse:collapse;font-size:14px}\n"
    "table.data th,table.data td{padding:3px 10px;border-bottom:1px solid #e3e3e3;text-align:left;"
    "vertical-align:top}\n"
    "table.data th{background:#f3f5f8}table.data .num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".ids{font-family:monospace;font-size:12px;line-height:1.7}\n"
    "p.figure{margin:2px 0 6px 0}span.cell{white-space:nowrap}\n"
    ":target{background:#fff3b0}\n";

static void bar_chart(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), max = 1, n;
	double label_px = 60;
	for (size_t t = 0; t < rows; t++) {
		dd_report_topic_ids(r, t, &n);
		if (n > max)
			max = n;
		double px = text_px(topic_name(view, t)) + text_px(dd_report_topic_key(r, t)) + 20;
		if (px > label_px)
			label_px = px;
	}
	const double bar_px = 640, row_px = 22;
	double width = label_px + bar_px + 60, height = row_px * (double)rows + 30;
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
	        "aria-label=\"notes per topic\">\n",
	        width, height);
	/* grid lines at round numbers */
	size_t step = max <= 10 ? 1 : max <= 50 ? 10 : max <= 200 ? 25 : 100;
	for (size_t g = 0; g <= max; g += step) {
		double x = label_px + bar_px * (double)g / (double)max;
		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e5e5e5\"/>"
		        "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#777\">%zu</text>\n",
		        x, x, row_px * (double)rows, x, row_px * (double)rows + 16, g);
	}
	for (size_t t = 0; t < rows; t++) {
		const char *const *ids = dd_report_topic_ids(r, t, &n);
		double y = row_px * (double)t, w = bar_px * (double)n / (double)max;
		fprintf(out, "<a href=\"#t-%zu\"><title>", t);
		html_topic(out, view, t);
		fprintf(out, ": %zu note%s —", n, n == 1 ? "" : "s");
		html_id_text(out, ids, n, 40);
		fprintf(out, "</title>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", label_px - 8, y + 15);
		html_topic(out, view, t);
		fprintf(out,
		        "</text><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3a76b0\"/>"
		        "<text x=\"%.1f\" y=\"%.1f\">%zu</text></a>\n",
		        label_px, y + 3, w < 1 && n ? 1 : w, row_px - 6, label_px + w + 5, y + 15, n);
	}
	fputs("</svg>\n", out);
}

static void heat_map(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), columns = dd_report_value_count(r), max = dd_report_max_cell(r), n;
	size_t n_all;
	dd_report_all_ids(r, &n_all);
	/* the map is transposed: a row per value, a column per topic that
	 * some note raises (shown[k] is the topic row of map column k) */
	size_t *shown = calloc(rows + 1, sizeof *shown), n_shown = 0;
	if (!shown)
		return;
	for (size_t t = 0; t < rows; t++) {
		dd_report_topic_ids(r, t, &n);
		if (n)
			shown[n_shown++] = t;
	}
	double label_px = text_px("total") + 16, header_px = 40;
	for (size_t v = 0; v < columns; v++) {
		double px = text_px(dd_report_value_label(dd_report_value(r, v))) + 16;
		if (px > label_px)
			label_px = px;
	}
	for (size_t k = 0; k < n_shown; k++) {
		size_t t = shown[k];
		/* headers are turned 55 degrees: they rise by sin(55) of their length */
		double px = (text_px(topic_name(view, t)) + text_px(dd_report_topic_key(r, t)) + 12) * 0.75 + 12;
		if (px > header_px)
			header_px = px;
	}
	const double cell_w = 40, cell_h = 20, total_w = 52;
	double width = label_px + cell_w * (double)n_shown + total_w + header_px * 0.7 + 20;
	double height = header_px + cell_h * (double)(columns + 1) + 10;
	fprintf(out,
	        "<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	        "role=\"img\" aria-label=\"topics by %s\">\n",
	        width, height, view->by);
	/* column headers: topic names, turned */
	for (size_t k = 0; k < n_shown; k++) {
		size_t t = shown[k];
		double x = label_px + cell_w * (double)k + cell_w / 2;
		fprintf(out, "<a href=\"#t-%zu\"><text transform=\"translate(%.1f,%.1f) rotate(-55)\">", t, x + 4,
		        header_px - 6);
		html_topic(out, view, t);
		fputs("</text></a>\n", out);
	}
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\">notes</text>\n",
	        label_px + cell_w * (double)n_shown + total_w / 2, header_px - 6);
	for (size_t v = 0; v <= columns; v++) {
		double y = header_px + cell_h * (double)v;
		const char *value = v < columns ? dd_report_value_label(dd_report_value(r, v)) : "total";
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"%s>", label_px - 8, y + 14,
		        v < columns ? "" : " font-weight=\"bold\"");
		if (v < columns)
			fprintf(out, "<a href=\"#v-%zu\">", v);
		html_text(out, value);
		fprintf(out, "%s</text>\n", v < columns ? "</a>" : "");
		for (size_t k = 0; k < n_shown; k++) {
			size_t t = shown[k];
			double x = label_px + cell_w * (double)k;
			const char *const *ids;
			if (v < columns)
				ids = dd_report_cell_ids(r, t, v, &n);
			else
				ids = dd_report_topic_ids(r, t, &n);
			if (n == 0) {
				fprintf(out, "<g><title>");
				html_topic(out, view, t);
				fputs(" × ", out);
				html_text(out, value);
				fprintf(out,
				        ": no notes</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				        "fill=\"#fafafa\" stroke=\"#ececec\"/></g>\n",
				        x, y, cell_w, cell_h);
				continue;
			}
			char colour[16];
			double share = v < columns ? (double)n / (double)(max ? max : 1) : 0;
			if (v < columns)
				heat_colour(share, colour, sizeof colour);
			else
				snprintf(colour, sizeof colour, "#eeeeee");
			if (v < columns)
				fprintf(out, "<a href=\"#c-%zu-%zu\"><title>", t, v);
			else
				fprintf(out, "<a href=\"#t-%zu\"><title>", t);
			html_topic(out, view, t);
			fputs(" × ", out);
			html_text(out, value);
			fprintf(out, ": %zu note%s —", n, n == 1 ? "" : "s");
			html_id_text(out, ids, n, 40);
			fprintf(
			    out,
			    "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
			    "stroke=\"#ffffff\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"%s>%zu</text></a>\n",
			    x, y, cell_w, cell_h, colour, x + cell_w / 2, y + 14,
			    share > 0.5 ? " style=\"fill:#ffffff\"" : "", n);
		}
		/* the row total: notes with this value */
		size_t total;
		if (v < columns)
			dd_report_value_ids(r, v, &total);
		else
			total = n_all;
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-weight=\"bold\">%zu</text>\n",
		        label_px + cell_w * (double)n_shown + total_w - 8, y + 14, total);
	}
	fputs("</svg></div>\n", out);
	free(shown);
}

static void recurrence_table(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), most = 1;
	for (size_t t = 0; t < rows; t++) {
		size_t counties;
		dd_report_topic_counties(r, t, &counties);
		if (counties > most)
			most = counties;
	}
	fputs("<table class=\"data\"><tr><th class=\"num\">rank</th><th>topic</th><th>counties</th>"
	      "<th class=\"num\">months</th><th class=\"num\">notes</th><th>notes behind it</th></tr>\n",
	      out);
	for (size_t rank = 0; rank < rows; rank++) {
		size_t t = dd_report_recurrence_topic(r, rank), nc, nm, n;
		const char *const *counties = dd_report_topic_counties(r, t, &nc);
		const char *const *months = dd_report_topic_months(r, t, &nm);
		dd_report_topic_ids(r, t, &n);
		fprintf(out, "<tr title=\"");
		html_text(out, topic_name(view, t));
		fprintf(out, " recurs in %zu count%s, %zu month%s, %zu note%s\"><td class=\"num\">%zu</td><td>", nc,
		        nc == 1 ? "y" : "ies", nm, nm == 1 ? "" : "s", n, n == 1 ? "" : "s", rank + 1);
		html_topic(out, view, t);
		fprintf(out, "</td><td><svg width=\"190\" height=\"14\" style=\"display:inline;margin:0;"
		             "vertical-align:middle\"><title>");
		for (size_t i = 0; i < nc; i++) {
			html_text(out, counties[i]);
			fputs(i + 1 < nc ? "、" : "", out);
		}
		fprintf(out,
		        "</title><rect x=\"0\" y=\"2\" width=\"%.1f\" height=\"10\" fill=\"#3a76b0\"/>"
		        "<text x=\"%.1f\" y=\"12\">%zu</text></svg></td><td class=\"num\" title=\"",
		        150.0 * (double)nc / (double)most, 150.0 * (double)nc / (double)most + 4, nc);
		for (size_t i = 0; i < nm; i++) {
			html_text(out, months[i]);
			fputs(i + 1 < nm ? " " : "", out);
		}
		fprintf(out, "\">%zu</td><td class=\"num\">%zu</td><td><a href=\"#t-%zu\">%zu note%s</a></td></tr>\n",
		        nm, n, t, n, n == 1 ? "" : "s");
	}
	fputs("</table>\n", out);
}

static void pair_table(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t pairs = dd_report_pair_count(r);
	if (pairs == 0) {
		fputs("<p>No two topics are raised in the same note.</p>\n", out);
		return;
	}
	fputs("<table class=\"data\"><tr><th class=\"num\">rank</th><th>topics</th><th class=\"num\">notes</th>"
	      "<th class=\"num\" title=\"how many times more often than if the two topics were unrelated\">lift</th>"
	      "<th>notes behind it</th></tr>\n",
	      out);
	for (size_t p = 0; p < pairs; p++) {
		size_t a, b, n;
		dd_report_pair(r, p, &a, &b);
		const char *const *ids = dd_report_pair_ids(r, p, &n);
		fprintf(out, "<tr title=\"");
		html_id_text(out, ids, n, 40);
		fprintf(out, "\"><td class=\"num\">%zu</td><td>", p + 1);
		html_topic(out, view, a);
		fputs(" + ", out);
		html_topic(out, view, b);
		fprintf(
		    out,
		    "</td><td class=\"num\">%zu</td><td class=\"num\">%.2f</td><td><a href=\"#p-%zu\">%zu note%s</a>"
		    "</td></tr>\n",
		    n, dd_report_pair_lift(r, p), p + 1, n, n == 1 ? "" : "s");
	}
	fputs("</table>\n", out);
}

static void notes_behind(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t rows = dd_report_topic_count(r), columns = dd_report_value_count(r), n;
	const char *const *ids;
	fputs("<h3>By topic, and by topic and ", out);
	html_text(out, view->by);
	fputs("</h3>\n", out);
	for (size_t t = 0; t < rows; t++) {
		ids = dd_report_topic_ids(r, t, &n);
		fprintf(out, "<p class=\"figure\" id=\"t-%zu\"><b>", t);
		html_topic(out, view, t);
		fprintf(out, "</b>: %zu note%s <span class=\"ids\">", n, n == 1 ? "" : "s");
		html_id_links(out, view, ids, n);
		fputs("</span></p>\n<p class=\"figure ids\" style=\"margin-left:2em\">", out);
		for (size_t v = 0; v < columns; v++) {
			ids = dd_report_cell_ids(r, t, v, &n);
			if (!n)
				continue;
			fprintf(out, "<span class=\"cell\" id=\"c-%zu-%zu\">", t, v);
			html_text(out, dd_report_value_label(dd_report_value(r, v)));
			fprintf(out, " (%zu):", n);
			html_id_links(out, view, ids, n);
			fputs("</span> · ", out);
		}
		fputs("</p>\n", out);
	}
	fputs("<h3>By ", out);
	html_text(out, view->by);
	fputs("</h3>\n<p class=\"figure ids\">", out);
	for (size_t v = 0; v < columns; v++) {
		ids = dd_report_value_ids(r, v, &n);
		fprintf(out, "<span id=\"v-%zu\">", v);
		html_text(out, dd_report_value_label(dd_report_value(r, v)));
		fprintf(out, " (%zu):", n);
		html_id_links(out, view, ids, n);
		fputs("</span><br>\n", out);
	}
	fputs("</p>\n<h3>By pair of topics</h3>\n", out);
	for (size_t p = 0; p < dd_report_pair_count(r); p++) {
		size_t a, b;
		dd_report_pair(r, p, &a, &b);
		ids = dd_report_pair_ids(r, p, &n);
		fprintf(out, "<p class=\"figure\" id=\"p-%zu\">", p + 1);
		html_topic(out, view, a);
		fputs(" + ", out);
		html_topic(out, view, b);
		fprintf(out, " (%zu): <span class=\"ids\">", n);
		html_id_links(out, view, ids, n);
		fputs("</span></p>\n", out);
	}
	ids = dd_report_untagged_ids(r, &n);
	fprintf(out, "<h3>Notes raising no topic</h3>\n<p class=\"figure ids\">%s", n ? "" : "none");
	html_id_links(out, view, ids, n);
	fputs("</p>\n", out);
}

static void note_list(FILE *out, const dd_report_view_t *view)
{
	fputs("<table class=\"data\"><tr><th>id</th><th>date</th><th>place</th><th>author</th><th>title</th>"
	      "<th>topics</th></tr>\n",
	      out);
	for (size_t i = 0; i < view->n_notes; i++) {
		const dd_stored_note_t *note = &view->notes[i];
		fprintf(out, "<tr id=\"n-%zu\"><td class=\"ids\">", i);
		html_text(out, note->id);
		fputs("</td><td>", out);
		html_text(out, note->date);
		fputs("</td><td>", out);
		html_text(out, note->city);
		html_text(out, note->county);
		html_text(out, note->township);
		html_text(out, note->village);
		fputs("</td><td>", out);
		html_text(out, note->author);
		fputs("</td><td>", out);
		html_text(out, note->title);
		fputs("</td><td>", out);
		for (size_t t = 0; t < note->n_tags; t++) {
			fputs(t ? "、" : "", out);
			html_text(out, note->tags[t].name);
			if (note->tags[t].manual)
				fputs("<sup title=\"tagged by hand\">*</sup>", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

int dd_report_write_html(FILE *out, const dd_report_view_t *view)
{
	const dd_report_t *r = view->report;
	size_t n_all, n_untagged;
	dd_report_all_ids(r, &n_all);
	dd_report_untagged_ids(r, &n_untagged);
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>蹲点手记 report: ",
	      out);
	html_text(out, view->query[0] ? view->query : "all notes");
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style_sheet);
	fputs("<h1>蹲点手记 · topics report</h1>\n<p class=\"lead\">", out);
	if (view->query[0]) {
		fprintf(out, "%zu note%s matching <b>", n_all, n_all == 1 ? "" : "s");
		html_text(out, view->query);
		fputs("</b>", out);
	} else {
		fprintf(out, "All %zu note%s", n_all, n_all == 1 ? "" : "s");
	}
	fprintf(out, "; %zu raise no topic. Broken down by ", n_untagged);
	html_text(out, view->by);
	fputs(".</p>\n<p class=\"hint\">Hover over a bar or cell for its notes; click it for the list of "
	      "notes behind it. A note may raise several topics, so totals count notes, not tags.</p>\n",
	      out);

	fputs("<h2>1. Notes per topic</h2>\n", out);
	bar_chart(out, view);
	fputs("<h2>2. Topics by ", out);
	html_text(out, view->by);
	fputs("</h2>\n<p class=\"hint\">Each cell: notes of that ", out);
	html_text(out, view->by);
	fputs(" raising that topic; darker is more. Right: notes per row; bottom: notes per topic.</p>\n", out);
	heat_map(out, view);
	fputs("<h2>3. How widely each topic recurs</h2>\n<p class=\"hint\">Ranked by the number of distinct "
	      "counties, then months, then notes.</p>\n",
	      out);
	recurrence_table(out, view);
	fputs("<h2>4. Topics raised in the same notes</h2>\n<p class=\"hint\">Lift: how many times more often "
	      "the two topics meet than if they were unrelated.</p>\n",
	      out);
	pair_table(out, view);
	fputs("<h2>5. The notes behind each figure</h2>\n", out);
	notes_behind(out, view);
	fputs("<h2>6. Notes</h2>\n", out);
	note_list(out, view);
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}
