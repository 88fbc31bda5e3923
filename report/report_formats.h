/*
** report_formats.h - the format writers that report.c registers in its
** {name, writer} table.  Each writes its whole format from a report_run
** (report_run.h) and knows nothing of the others or of the command.
** The JUnit writer is declared in report_junit.h: `dyno run --junit`
** calls it too.
*/
#ifndef DYNO_REPORT_FORMATS_H
#define DYNO_REPORT_FORMATS_H

#include <stdio.h>
#include <jansson.h>

#include "report_run.h"

/* The text formats; each writes its whole format to fp. */
void report_md(FILE *fp, const struct report_run *r);
void report_html(FILE *fp, const struct report_run *r);
void report_tap(FILE *fp, const struct report_run *r);
void report_prom(FILE *fp, const struct report_run *r);
void report_csv(FILE *fp, const struct report_run *r);
/* The JSON formats: new references, dumped by report.c. */
json_t *report_gbench(const struct report_run *r);
json_t *report_bmf(const struct report_run *r);
/* github-action-benchmark: the entries whose better direction is bigger
** (bigger != 0) or smaller. */
json_t *report_gab(const struct report_run *r, int bigger);

#endif
