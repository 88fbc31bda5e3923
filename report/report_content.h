/*
** report_content.h - what the Markdown and HTML reports say, as a list of
** blocks (headings, paragraphs, lists, tables, charts) built once from a
** run, so the two formats cannot drift apart; report_md.c and
** report_html.c only render it.  Text is plain (unescaped): each renderer
** escapes for its own syntax.
*/
#ifndef DYNO_REPORT_CONTENT_H
#define DYNO_REPORT_CONTENT_H

#include <stddef.h>

#include "report_run.h"

/* One line of a chart; lo/hi (the error bar) NULL when it has none. */
struct report_series {
	char *title;
	size_t n;
	double *x, *y, *lo, *hi;
};

struct report_chart {
	char *title, *xlabel, *ylabel;
	int logx;            /* 0: linear x; 2 or 10: log x in that base */
	int xbytes;          /* x is a size in bytes: tics as 4KiB, 1MiB */
	int nines;           /* x is a percentile p in (0, 100): drawn at
			     ** -log10(1 - p/100), so p50..p99.9 spread out */
	char **xcat;         /* categorical x (x = 0..nxcat-1), or NULL */
	size_t nxcat;
	struct report_series *s;
	size_t ns;
	double *mark;        /* vertical lines at these x (cache levels) */
	char **mark_label;
	size_t nmarks;
};

enum report_kind {
	REPORT_HEADING, REPORT_PARA, REPORT_LIST, REPORT_TABLE, REPORT_CHART
};

struct report_block {
	enum report_kind kind;
	int level;           /* heading level, 1.. */
	char *text;          /* heading, paragraph; chart: its caption */
	char **cells;        /* table: nrows rows of ncols (row 0: header);
			     ** list: nrows items (ncols 1) */
	size_t ncols, nrows;
	struct report_chart *chart;
};

struct report_content {
	struct report_block *b;
	size_t n, cap;
};

/* Build the report of run r into c (which the caller zeroes first). */
void report_content_build(struct report_content *c,
			  const struct report_run *r);
/* Free everything c holds. */
void report_content_free(struct report_content *c);

#endif
