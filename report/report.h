/*
** report.h - `dyno report`: a run document (rundoc.h) written as
** Markdown, self-contained HTML with charts, JUnit, TAP, Prometheus text,
** CSV, Google Benchmark JSON, Bencher Metric Format or
** github-action-benchmark JSON.
**
** report_run.c reads the document once into a struct report_run (what
** every writer needs: each record's main metric, the sweeps, which record
** each verdict judged); each report_<format>.c writes one format from it
** (report_formats.h); report.c finds the writer by name in its table.
** Every writer is deterministic: the same document gives the same bytes.
*/
#ifndef DYNO_REPORT_H
#define DYNO_REPORT_H

/* The whole command: argv[0] is "report".  Returns the exit status
** (0 written, 2 bad input or the output could not be written). */
int report_main(int argc, char **argv);

#endif
