/*
** report_content_int.h - how a report_content is built: the blocks
** (report_content_blocks.c) that report_content.c (the text sections, the
** order of all) and report_content_charts.c (the sections with charts)
** add.  Calls go one way: content -> charts -> blocks.  Not for the
** renderers.
*/
#ifndef DYNO_REPORT_CONTENT_INT_H
#define DYNO_REPORT_CONTENT_INT_H

#include <stddef.h>
#include <dyno/plugin.h>

#include "report_content.h"

/* report_content_blocks.c */

/* A new zeroed block of kind at the end of c. */
struct report_block *report_add(struct report_content *c,
				enum report_kind kind);
void report_heading(struct report_content *c, int level, const char *fmt,
		    ...) DYNO_PRINTF(3, 4);
void report_para(struct report_content *c, const char *fmt, ...)
	DYNO_PRINTF(2, 3);
/* A table of ncols columns whose header is the ncols strings that follow
** (copied), or with ncols 0 a list; cells appended row by row. */
struct report_block *report_table(struct report_content *c, size_t ncols,
				  ...);
/* A whole row of ncols strings (copied). */
void report_row(struct report_block *b, const char *const *v);

/* Bytes with binary prefixes, as hardware is sold: 32 KiB, 1.5 GiB. */
const char *report_bytes(double v, char *buf, size_t n);
/* "lo .. hi" of a metric's ci95, "-" when it has none. */
const char *report_ci(const json_t *m, char *buf, size_t n);
/* Record i of the run. */
const json_t *report_rec(const struct report_run *r, size_t i);
/* Metric name of record rec, NULL when name is NULL or absent. */
const json_t *report_metric(const json_t *rec, const char *name);

/* The sections that carry charts (report_content_charts.c). */
void report_sweeps_section(struct report_content *c,
			   const struct report_run *r);
void report_latency_section(struct report_content *c,
			    const struct report_run *r);
/* A fleet run's nodes, heatmap and distributions (report_fleet.c);
** nothing for a run of one machine. */
void report_fleet_section(struct report_content *c,
			  const struct report_run *r);

#endif
