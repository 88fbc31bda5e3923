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

/* Write the run document in (a path) in format fmt (md, html, ...) to
** the file out, atomically, or to stdout when out is NULL.  Returns the
** exit status of dyno report (0 written, 2 an unknown format, an
** unreadable document or an output that could not be written); the
** reason is on stderr. */
int report_write(const char *in, const char *fmt, const char *out);

#endif
