/* report_md.c - the Markdown report: renders report_content's blocks. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report_content.h"
#include "report_formats.h"

/* Text in a table cell or list item: a '|' would end the cell and a
** newline the row, and '\' '*' '_' '`' '<' would start markup. */
static void
esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\*`<[]", *s))
			fputc('\\', fp);
		if (*s == '\n' || *s == '\r')
			fputc(' ', fp);
		else
			fputc(*s, fp);
	}
}

static void
md_table(FILE *fp, const struct report_block *b)
{
	for (size_t r = 0; r < b->nrows; r++) {
		fputc('|', fp);
		for (size_t k = 0; k < b->ncols; k++) {
			fputc(' ', fp);
			esc(fp, b->cells[r * b->ncols + k]);
			fputs(" |", fp);
		}
		fputc('\n', fp);
		if (r == 0) {
			fputc('|', fp);
			for (size_t k = 0; k < b->ncols; k++)
				fputs("---|", fp);
			fputc('\n', fp);
		}
	}
	fputc('\n', fp);
}

void
report_md(FILE *fp, const struct report_run *r)
{
	struct report_content c = { 0 };

	report_content_build(&c, r);
	for (size_t i = 0; i < c.n; i++) {
		const struct report_block *b = &c.b[i];

		switch (b->kind) {
		case REPORT_HEADING:
			for (int l = 0; l < b->level; l++)
				fputc('#', fp);
			fputc(' ', fp);
			esc(fp, b->text);
			fputs("\n\n", fp);
			break;
		case REPORT_PARA:
			esc(fp, b->text);
			fputs("\n\n", fp);
			break;
		case REPORT_LIST:
			for (size_t k = 0; k < b->nrows; k++) {
				fputs("- ", fp);
				esc(fp, b->cells[k]);
				fputc('\n', fp);
			}
			fputc('\n', fp);
			break;
		case REPORT_TABLE:
			md_table(fp, b);
			break;
		case REPORT_CHART:
			/* Charts are drawn in the HTML report only; the tables
			** above them hold the same numbers. */
			break;
		}
	}
	report_content_free(&c);
}
