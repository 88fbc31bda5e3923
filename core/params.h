/*
** params.h - a probe's parameters: validating the descriptor's
** definitions, and resolving a user's key=value list against them
** (defaults, units, ranges, enum choices).
*/
#ifndef DYNO_PARAMS_H
#define DYNO_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"

/* One resolved value.  `text` is what the user gave or the default. */
struct param_value {
	const struct dyno_param *def;
	char *text;          /* owned */
	int from_user;
	union {
		int64_t i;   /* INT */
		double f;    /* FLOAT */
		uint64_t u;  /* SIZE (bytes), DURATION (ns) */
		int b;       /* BOOL */
	} v;
};

struct param_set {
	struct param_value *v; /* owned, one per definition, in order */
	size_t n;
};

/* Nonzero if s matches [a-z][a-z0-9_]* (plugin, probe, parameter and
** metric names). */
int params_name_ok(const char *s);

/* Name of a parameter type ("size", "duration", ...). */
const char *params_type_name(enum dyno_param_type t);

/* Parse text as a value of def; err names the parameter, the value and
** the expected form or range. */
int params_parse(const struct dyno_param *def, const char *text,
		 struct param_value *out, struct dyno_err *err);

/* Check one definition (name, type, choices, default and bounds parse,
** default within bounds).  Used by the loader. */
int params_check_def(const struct dyno_param *def, struct dyno_err *err);

/*
** Resolve "key=value" strings against probe's definitions.  `id` names the
** probe in messages.  On success *out holds every parameter (defaults
** filled); release it with params_free.  On error nothing is left to free.
*/
int params_resolve(const char *id, const struct dyno_param *defs,
		   char *const *kv, size_t nkv, struct param_set *out,
		   struct dyno_err *err);
void params_free(struct param_set *ps);

/* Find a resolved value by name, or NULL. */
const struct param_value *params_get(const struct param_set *ps,
				     const char *name);

/* {"name": typed value, ...}: sizes in bytes, durations in seconds. */
json_t *params_to_json(const struct param_set *ps);

/* A value as JSON, typed as params_to_json does. */
json_t *params_value_json(const struct param_value *pv);

#endif
