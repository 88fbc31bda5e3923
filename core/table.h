/*
** table.h - the human view of results on a terminal: an aligned table per
** record with units scaled (1.23 GB/s, 850 ns).
*/
#ifndef DYNO_TABLE_H
#define DYNO_TABLE_H

#include <stdio.h>
#include <jansson.h>

/* Print one result record: a status line, then one row per metric
** (median, mean, p99, min, max, +-CI, n), then warnings (noisy, CI target
** missed). */
void table_print_record(FILE *fp, const json_t *rec);

#endif
