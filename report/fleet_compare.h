/*
** fleet_compare.h - dyno compare of two fleet documents: records pair
** node by node (host and the rank's place on it, not the rank number,
** which a scheduler may give to another host), and the fleet-wide
** distributions (fleet.stats) become records of their own, node "fleet".
*/
#ifndef DYNO_FLEET_COMPARE_H
#define DYNO_FLEET_COMPARE_H

#include <jansson.h>

/* "host" (the node's first rank), "host#2" (its third), "fleet" (the
** fleet-wide record), or NULL for a record of a run of one machine.
** Malloc'd. */
char *fleet_compare_node(const json_t *rec);

/* Append to doc's results one record per series of fleet.stats, with
** the merged histogram as its metric.  Nothing for a non-fleet doc. */
void fleet_compare_prepare(json_t *doc);

#endif
