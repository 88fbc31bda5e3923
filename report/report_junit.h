/*
** report_junit.h - JUnit XML of a run: each check a test case (pass ->
** passed, review -> passed with a system-out note, fail -> failure, skip ->
** skipped) and each probe that failed, crashed or timed out an error, so
** any CI shows the verdicts.
*/
#ifndef DYNO_REPORT_JUNIT_H
#define DYNO_REPORT_JUNIT_H

#include <stdio.h>
#include <jansson.h>

#include "err.h"

/* Write the run document doc (suite_document) as JUnit XML to fp. */
void report_junit(FILE *fp, const json_t *doc);

#endif
