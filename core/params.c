/* params.c - parse, check and resolve probe parameters against their definitions. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "units.h"
#include "xmalloc.h"

const char *
params_type_name(enum dyno_param_type t)
{
	switch (t) {
	case DYNO_PARAM_INT: return "int";
	case DYNO_PARAM_FLOAT: return "float";
	case DYNO_PARAM_SIZE: return "size";
	case DYNO_PARAM_DURATION: return "duration";
	case DYNO_PARAM_BOOL: return "bool";
	case DYNO_PARAM_STRING: return "string";
	case DYNO_PARAM_ENUM: return "enum";
	}
	return "?";
}

/* Nonzero if name is one of the '|'-separated choices. */
static int
in_choices(const char *choices, const char *name)
{
	size_t len = strlen(name);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

int
params_name_ok(const char *s)
{
	if (s == NULL || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

/* Parse text into v by type only (no range check). */
static int
parse_typed(const struct dyno_param *def, const char *text,
	    struct param_value *pv, struct dyno_err *err)
{
	switch (def->type) {
	case DYNO_PARAM_INT:
		return units_parse_int(text, &pv->v.i, err);
	case DYNO_PARAM_FLOAT:
		return units_parse_float(text, &pv->v.f, err);
	case DYNO_PARAM_SIZE:
		return units_parse_size(text, &pv->v.u, err);
	case DYNO_PARAM_DURATION:
		return units_parse_duration(text, &pv->v.u, err);
	case DYNO_PARAM_BOOL:
		return units_parse_bool(text, &pv->v.b, err);
	case DYNO_PARAM_STRING:
		return 0;
	case DYNO_PARAM_ENUM:
		if (def->choices == NULL || !in_choices(def->choices, text))
			return dyno_err_set(err, DYNO_EINVAL,
			    "expected one of %s", def->choices ? def->choices : "(none)");
		return 0;
	}
	return dyno_err_set(err, DYNO_EINVAL, "unknown parameter type %d",
			    (int)def->type);
}

/* -1, 0, 1 comparing a and b as values of def's type. */
static int
cmp_typed(const struct dyno_param *def, const struct param_value *a,
	  const struct param_value *b)
{
	switch (def->type) {
	case DYNO_PARAM_INT:
		return (a->v.i > b->v.i) - (a->v.i < b->v.i);
	case DYNO_PARAM_FLOAT:
		return (a->v.f > b->v.f) - (a->v.f < b->v.f);
	case DYNO_PARAM_SIZE:
	case DYNO_PARAM_DURATION:
		return (a->v.u > b->v.u) - (a->v.u < b->v.u);
	default:
		return 0;
	}
}

static int
has_range(const struct dyno_param *def)
{
	return def->type == DYNO_PARAM_INT || def->type == DYNO_PARAM_FLOAT ||
	       def->type == DYNO_PARAM_SIZE || def->type == DYNO_PARAM_DURATION;
}

static void
range_text(const struct dyno_param *def, char *buf, size_t n)
{
	if (def->min && def->max)
		snprintf(buf, n, "%s..%s", def->min, def->max);
	else if (def->min)
		snprintf(buf, n, ">= %s", def->min);
	else if (def->max)
		snprintf(buf, n, "<= %s", def->max);
	else
		snprintf(buf, n, "any");
}

int
params_parse(const struct dyno_param *def, const char *text,
	     struct param_value *out, struct dyno_err *err)
{
	struct param_value pv = { .def = def };
	struct dyno_err e = { 0 };
	char range[128];

	if (parse_typed(def, text, &pv, &e) < 0) {
		if (def->type == DYNO_PARAM_ENUM)
			return dyno_err_set(err, DYNO_EINVAL,
			    "invalid value '%s' for %s: %s", text, def->name, e.msg);
		return dyno_err_set(err, DYNO_EINVAL,
		    "invalid value '%s' for %s (type %s): %s", text, def->name,
		    params_type_name(def->type), e.msg);
	}
	if (has_range(def)) {
		struct param_value bound = { .def = def };

		range_text(def, range, sizeof(range));
		if (def->min && parse_typed(def, def->min, &bound, NULL) == 0 &&
		    cmp_typed(def, &pv, &bound) < 0)
			return dyno_err_set(err, DYNO_ERANGE,
			    "invalid value '%s' for %s: expected %s", text,
			    def->name, range);
		if (def->max && parse_typed(def, def->max, &bound, NULL) == 0 &&
		    cmp_typed(def, &pv, &bound) > 0)
			return dyno_err_set(err, DYNO_ERANGE,
			    "invalid value '%s' for %s: expected %s", text,
			    def->name, range);
	}
	pv.text = xstrdup(text);
	*out = pv;
	return 0;
}

int
params_check_def(const struct dyno_param *def, struct dyno_err *err)
{
	struct param_value pv;
	struct dyno_err e;
	const char *bounds[2] = { def->min, def->max };

	if (!params_name_ok(def->name))
		return dyno_err_set(err, DYNO_EINVAL,
		    "parameter name '%s' must match [a-z][a-z0-9_]*",
		    def->name ? def->name : "(null)");
	if (def->type < DYNO_PARAM_INT || def->type > DYNO_PARAM_ENUM)
		return dyno_err_set(err, DYNO_EINVAL,
		    "parameter '%s' has unknown type %d", def->name, (int)def->type);
	if (def->type == DYNO_PARAM_ENUM &&
	    (def->choices == NULL || def->choices[0] == '\0'))
		return dyno_err_set(err, DYNO_EINVAL,
		    "enum parameter '%s' has no choices", def->name);
	for (int i = 0; i < 2; i++) {
		struct param_value b = { .def = def };

		if (bounds[i] && (!has_range(def) ||
				  parse_typed(def, bounds[i], &b, &e) < 0))
			return dyno_err_set(err, DYNO_EINVAL,
			    "parameter '%s' has a bad %s bound '%s'", def->name,
			    i ? "max" : "min", bounds[i]);
	}
	if (def->def != NULL) {
		if (params_parse(def, def->def, &pv, &e) < 0)
			return dyno_err_set(err, DYNO_EINVAL,
			    "parameter '%s' has a bad default: %s", def->name, e.msg);
		free(pv.text);
	}
	return 0;
}

static size_t
count_defs(const struct dyno_param *defs)
{
	size_t n = 0;

	while (defs != NULL && defs[n].name != NULL)
		n++;
	return n;
}

static void
list_names(const struct dyno_param *defs, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; defs && defs[i].name && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s",
					i ? ", " : "", defs[i].name);
	if (buf[0] == '\0')
		snprintf(buf, n, "(none)");
}

int
params_resolve(const char *id, const struct dyno_param *defs,
	       char *const *kv, size_t nkv, struct param_set *out,
	       struct dyno_err *err)
{
	struct param_set ps = { 0 };
	char names[160];
	int rc;

	ps.n = count_defs(defs);
	ps.v = xcalloc(ps.n ? ps.n : 1, sizeof(*ps.v));
	for (size_t i = 0; i < ps.n; i++)
		ps.v[i].def = &defs[i];

	for (size_t k = 0; k < nkv; k++) {
		const char *eq = strchr(kv[k], '=');
		size_t klen;
		size_t i;

		if (eq == NULL || eq == kv[k]) {
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "invalid argument '%s' for %s: expected key=value",
			    kv[k], id);
			goto fail;
		}
		klen = (size_t)(eq - kv[k]);
		for (i = 0; i < ps.n; i++)
			if (strlen(defs[i].name) == klen &&
			    strncmp(defs[i].name, kv[k], klen) == 0)
				break;
		if (i == ps.n) {
			list_names(defs, names, sizeof(names));
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "unknown parameter '%.*s' for %s; valid: %s",
			    (int)klen, kv[k], id, names);
			goto fail;
		}
		free(ps.v[i].text);
		ps.v[i].text = NULL;
		rc = params_parse(&defs[i], eq + 1, &ps.v[i], err);
		if (rc < 0)
			goto fail;
		ps.v[i].from_user = 1;
	}
	for (size_t i = 0; i < ps.n; i++) {
		if (ps.v[i].text != NULL)
			continue;
		if (defs[i].def == NULL) {
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "missing parameter '%s' for %s: expected %s=<%s>",
			    defs[i].name, id, defs[i].name,
			    params_type_name(defs[i].type));
			goto fail;
		}
		rc = params_parse(&defs[i], defs[i].def, &ps.v[i], err);
		if (rc < 0)
			goto fail;
	}
	*out = ps;
	return 0;
fail:
	params_free(&ps);
	return rc;
}

void
params_free(struct param_set *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].text);
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

const struct param_value *
params_get(const struct param_set *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].def->name, name) == 0)
			return &ps->v[i];
	return NULL;
}

json_t *
params_value_json(const struct param_value *pv)
{
	switch (pv->def->type) {
	case DYNO_PARAM_INT:
		return json_integer(pv->v.i);
	case DYNO_PARAM_FLOAT:
		return json_real(pv->v.f);
	case DYNO_PARAM_SIZE:
		return json_integer((json_int_t)pv->v.u);
	case DYNO_PARAM_DURATION:
		return json_real((double)pv->v.u / 1e9);
	case DYNO_PARAM_BOOL:
		return json_boolean(pv->v.b);
	default:
		return json_string(pv->text);
	}
}

json_t *
params_to_json(const struct param_set *ps)
{
	json_t *o = json_object();

	for (size_t i = 0; i < ps->n; i++)
		json_object_set_new(o, ps->v[i].def->name,
				    params_value_json(&ps->v[i]));
	return o;
}
