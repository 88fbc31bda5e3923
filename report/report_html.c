/*
** report_html.c - the HTML report: one self-contained file (styles
** inline, charts as data: URIs, nothing fetched) with the content of the
** Markdown report and the charts gnuplot drew (report_plot.c).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_content.h"
#include "report_formats.h"
#include "report_plot.h"
#include "xmalloc.h"

static void
esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

static void
base64(FILE *fp, const unsigned char *s, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		fputc(t[(v >> 18) & 63], fp);
		fputc(t[(v >> 12) & 63], fp);
		fputc(i + 1 < n ? t[(v >> 6) & 63] : '=', fp);
		fputc(i + 2 < n ? t[v & 63] : '=', fp);
	}
}

static const char style[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Helvetica,"
	"Arial,sans-serif;margin:0;background:#fafafa;color:#222}\n"
	"main{max-width:1100px;margin:0 auto;padding:1.5em 2em;"
	"background:#fff}\n"
	"h1{font-size:1.6em;border-bottom:2px solid #345;padding-bottom:.3em}\n"
	"h2{font-size:1.3em;margin-top:1.8em;color:#234}\n"
	"h3{font-size:1.05em;margin-top:1.4em}\n"
	"table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}\n"
	"th,td{border:1px solid #ccd;padding:.25em .6em;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#eef1f5}\n"
	"tr:nth-child(even) td{background:#f7f8fa}\n"
	"figure{margin:1em 0}\n"
	"figure img{max-width:100%;height:auto;border:1px solid #dde}\n"
	"figcaption{font-size:.85em;color:#555}\n"
	".note{background:#fff6d5;border:1px solid #e5c95a;padding:.5em .8em}\n"
	".v-pass{color:#176f2c;font-weight:600}\n"
	".v-review{color:#8a6100;font-weight:600}\n"
	".v-fail{color:#b3261e;font-weight:600}\n"
	".v-skip{color:#666;font-weight:600}\n";

/* A verdict cell gets a colour; other cells are plain. */
static void
td(FILE *fp, const char *s)
{
	static const char *const vs[] = { "pass", "review", "fail", "skip",
					  NULL };

	for (size_t i = 0; vs[i]; i++)
		if (strcmp(s, vs[i]) == 0) {
			fprintf(fp, "<td class=\"v-%s\">%s</td>", s, s);
			return;
		}
	fputs("<td>", fp);
	esc(fp, s);
	fputs("</td>", fp);
}

static void
html_table(FILE *fp, const struct report_block *b)
{
	fputs("<table>\n", fp);
	for (size_t r = 0; r < b->nrows; r++) {
		fputs("<tr>", fp);
		for (size_t k = 0; k < b->ncols; k++) {
			const char *s = b->cells[r * b->ncols + k];

			if (r == 0) {
				fputs("<th>", fp);
				esc(fp, s);
				fputs("</th>", fp);
			} else {
				td(fp, s);
			}
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

void
report_html(FILE *fp, const struct report_run *r)
{
	struct report_content c = { 0 };
	struct report_chart **charts;
	char **svg;
	char why[512] = "";
	size_t nch = 0, ci = 0, i;
	int drawn, noted = 0;

	report_content_build(&c, r);
	charts = xcalloc(c.n + 1, sizeof *charts);
	svg = xcalloc(c.n + 1, sizeof *svg);
	for (i = 0; i < c.n; i++)
		if (c.b[i].kind == REPORT_CHART)
			charts[nch++] = c.b[i].chart;
	drawn = report_plot(charts, nch, svg, why, sizeof why) == 0;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<link rel=\"icon\" href=\"data:,\">\n<title>", fp);
	esc(fp, c.n > 0 ? c.b[0].text : "dyno report");
	fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
		style);
	for (i = 0; i < c.n; i++) {
		const struct report_block *b = &c.b[i];

		/* Say once, before the first section, why charts are
		** missing. */
		if (!drawn && nch > 0 && !noted && b->kind == REPORT_HEADING &&
		    b->level == 2) {
			fputs("<p class=\"note\">Charts need gnuplot: ", fp);
			esc(fp, why);
			fputs(". The tables hold the same numbers.</p>\n", fp);
			noted = 1;
		}
		switch (b->kind) {
		case REPORT_HEADING:
			fprintf(fp, "<h%d>", b->level);
			esc(fp, b->text);
			fprintf(fp, "</h%d>\n", b->level);
			break;
		case REPORT_PARA:
			fputs("<p>", fp);
			esc(fp, b->text);
			fputs("</p>\n", fp);
			break;
		case REPORT_LIST:
			fputs("<ul>\n", fp);
			for (size_t k = 0; k < b->nrows; k++) {
				fputs("<li>", fp);
				esc(fp, b->cells[k]);
				fputs("</li>\n", fp);
			}
			fputs("</ul>\n", fp);
			break;
		case REPORT_TABLE:
			html_table(fp, b);
			break;
		case REPORT_CHART:
			if (drawn && svg[ci]) {
				fputs("<figure><img alt=\"", fp);
				esc(fp, b->chart->title);
				fputs("\" src=\"data:image/svg+xml;base64,", fp);
				base64(fp, (const unsigned char *)svg[ci],
				       strlen(svg[ci]));
				fputs("\"><figcaption>", fp);
				esc(fp, b->text);
				fputs("</figcaption></figure>\n", fp);
			}
			ci++;
			break;
		}
	}
	fputs("</main>\n</body>\n</html>\n", fp);
	for (i = 0; i < nch; i++)
		free(svg[i]);
	free(svg);
	free(charts);
	report_content_free(&c);
}
