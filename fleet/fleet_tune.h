/*
** fleet_tune.h - dyno tune --fleet: from a fleet document, one tune per
** fingerprint group, the fleet-wide keys and, given a target, a capacity
** plan (how many nodes of each group a throughput needs).
*/
#ifndef DYNO_FLEET_TUNE_H
#define DYNO_FLEET_TUNE_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"

struct tune;

struct fleet_tune_group {
	char *fingerprint;
	char *path;               /* the group's YAML: -o's name with .<fp> */
	struct tune *t;           /* NULL: no rank of the group sent a tune */
};

struct fleet_tune {
	struct fleet_tune_group *g;
	size_t ngroups;
	struct tune *fleet;       /* fleet-wide keys and the capacity plan */
};

/*
** Parse -D target=KEY=VALUE (a tune key and a number above 0).  Returns
** 0, or DYNO_EINVAL with a message naming the input.  key gets at most n
** bytes.
*/
int fleet_target_parse(const char *s, char *key, size_t n, double *value,
		       struct dyno_err *err);

/*
** The group tunes and the fleet-wide tune from doc (a fleet document:
** fleet.nodes with each node's tune, fleet.groups).  yaml is the
** fleet-wide file's path, from which each group's is named; suite goes
** in the headers.  Returns NULL with err set when doc is no fleet
** document.  Free with fleet_tune_free.
*/
struct fleet_tune *fleet_tune_build(const json_t *doc, const char *yaml,
				    const char *suite, struct dyno_err *err);

/*
** The capacity plan for target of key (a throughput a node's ranks each
** set, e.g. eeg.recordings_per_hour): its keys (capacity.*) join the
** fleet-wide tune.  Returns 0, or DYNO_EINVAL when no rank set key to a
** number above 0 (the group tunes stay as they are).
*/
int fleet_tune_plan(struct fleet_tune *ft, const json_t *doc,
		    const char *key, double target, struct dyno_err *err);
void fleet_tune_free(struct fleet_tune *ft);

#endif
