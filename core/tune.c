/* tune.c - the tune in memory: keys with values, units, reasons and provenance, checked as they are set. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "tune.h"
#include "tune_int.h"
#include "xmalloc.h"

static int
utf8_ok(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

json_t *
tune_text(const char *s)
{
	char *c;
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	c = xstrdup(s);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = jcheck(json_string(c));
	free(c);
	return j;
}


static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_NULL: return "null";
	default: return "a scalar";
	}
}

/* ---- the tune in memory ---------------------------------------------- */

struct tune *
tune_new(void)
{
	struct tune *t = xcalloc(1, sizeof(*t));

	t->index = jcheck(json_object());
	t->groups = jcheck(json_object());
	t->fingerprint = json_null();
	t->suite = json_null();
	t->hardware = jcheck(json_object());
	t->skipped = jcheck(json_object());
	/* The date the tune was made; every writer then shows the same one. */
	results_timestamp(t->date, sizeof(t->date));
	return t;
}

static void
entry_clear(struct entry *e)
{
	json_decref(e->value);
	json_decref(e->from);
	free(e->unit);
	free(e->why);
}

void
tune_free(struct tune *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		entry_clear(&t->v[i]);
		free(t->v[i].key);
	}
	free(t->v);
	json_decref(t->index);
	json_decref(t->groups);
	json_decref(t->fingerprint);
	json_decref(t->suite);
	json_decref(t->hardware);
	json_decref(t->skipped);
	free(t);
}

static int
check_key(const char *key, struct dyno_err *err)
{
	size_t len, seg;
	int start = 1;

	if (key == NULL)
		return dyno_err_set(err, DYNO_EINVAL, "tune key is missing");
	len = strlen(key);
	if (len == 0 || len > KEY_MAX)
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%.64s' must be 1 to %d characters long",
		    key, KEY_MAX);
	for (const char *p = key; *p; p++) {
		char c = *p;

		if (start && !(c >= 'a' && c <= 'z'))
			goto bad;
		if (c == '.')
			start = 1;
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '_')
			start = 0;
		else
			goto bad;
	}
	if (start)
		goto bad;
	/* The YAML file puts the header and the reasons beside the launcher
	** keys at the top level, so these two names cannot be keys. */
	seg = strcspn(key, ".");
	if ((seg == 4 && strncmp(key, "dyno", 4) == 0) ||
	    (seg == 3 && strncmp(key, "why", 3) == 0))
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s' is reserved: 'dyno' and 'why' hold the "
		    "header and the reasons", key);
	return 0;
bad:
	return dyno_err_set(err, DYNO_EINVAL,
	    "tune key '%s' is invalid: expected dotted segments each "
	    "matching [a-z][a-z0-9_]*, like 'cpu.workers'", key);
}

static int
check_from(const char *key, const json_t *from, struct dyno_err *err)
{
	const json_t *id, *params;

	if (from == NULL || json_is_null(from))
		return 0;
	if (!json_is_object(from))
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s': from must be an object {\"id\", \"params\"} "
		    "or null, not %s", key, type_name(from));
	id = json_object_get(from, "id");
	params = json_object_get(from, "params");
	if (!json_is_string(id) || json_string_length(id) == 0)
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s': from needs a result id string", key);
	if (params != NULL && !json_is_object(params) && !json_is_null(params))
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s': from.params must be an object", key);
	return 0;
}

/* "cpu" and "cpu.workers" cannot both be keys: in the nested YAML map
** one would have to be a value and a map at once. */
static int
check_prefix(const struct tune *t, const char *key, struct dyno_err *err)
{
	char pre[KEY_MAX + 1];
	const json_t *g;

	for (size_t i = 0; key[i]; i++) {
		if (key[i] != '.')
			continue;
		memcpy(pre, key, i);
		pre[i] = '\0';
		if (json_object_get(t->index, pre) != NULL)
			return dyno_err_set(err, DYNO_EINVAL,
			    "tune key '%s' conflicts with '%s': a key cannot be "
			    "both a value and a group of keys", key, pre);
	}
	if ((g = json_object_get(t->groups, key)) != NULL)
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s' conflicts with '%s': a key cannot be both a "
		    "value and a group of keys", key, json_string_value(g));
	return 0;
}

static int
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

int
tune_set(struct tune *t, const char *key, const json_t *value,
	 const char *unit, const char *why, const json_t *from,
	 struct dyno_err *err)
{
	const json_t *pos;
	struct entry *e;
	int rc;

	if ((rc = check_key(key, err)) != 0)
		return rc;
	if (value == NULL || !(json_is_string(value) ||
	    json_is_integer(value) || json_is_real(value) ||
	    json_is_boolean(value)))
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s': value must be a string, integer, real or "
		    "boolean, not %s", key,
		    value == NULL ? "missing or not finite" : type_name(value));
	if (why == NULL || blank(why))
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s' needs a reason: why is empty", key);
	if (!utf8_ok(why) || (unit != NULL && !utf8_ok(unit)))
		return dyno_err_set(err, DYNO_EINVAL,
		    "tune key '%s': why and unit must be UTF-8 text", key);
	if ((rc = check_from(key, from, err)) != 0)
		return rc;
	pos = json_object_get(t->index, key);
	if (pos != NULL) {
		e = &t->v[json_integer_value(pos)];
		entry_clear(e);
	} else {
		if ((rc = check_prefix(t, key, err)) != 0)
			return rc;
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
		}
		e = &t->v[t->n];
		e->key = xstrdup(key);
		jset(t->index, key, json_integer((json_int_t)t->n));
		for (size_t i = 0; key[i]; i++) {
			char pre[KEY_MAX + 1];

			if (key[i] != '.')
				continue;
			memcpy(pre, key, i);
			pre[i] = '\0';
			if (json_object_get(t->groups, pre) == NULL)
				jset(t->groups, pre, json_string(key));
		}
		t->n++;
	}
	e->value = jcheck(json_deep_copy(value));
	e->unit = unit != NULL && *unit ? xstrdup(unit) : NULL;
	e->why = xstrdup(why);
	e->from = from != NULL && !json_is_null(from) ?
	    jcheck(json_deep_copy(from)) : NULL;
	return 0;
}

void
tune_set_header(struct tune *t, const char *fingerprint,
		 const json_t *hardware, const char *suite)
{
	json_decref(t->fingerprint);
	json_decref(t->suite);
	json_decref(t->hardware);
	t->fingerprint = tune_text(fingerprint);
	t->suite = tune_text(suite);
	t->hardware = jcheck(json_is_object(hardware) ?
	    json_deep_copy(hardware) : json_object());
}

void
tune_note_skip(struct tune *t, const char *part, const char *reason)
{
	json_t *p;

	if (part == NULL)
		return;
	p = tune_text(part);
	jset(t->skipped, json_string_value(p), tune_text(reason ? reason : ""));
	json_decref(p);
}

size_t
tune_count(const struct tune *t)
{
	return t->n;
}

const json_t *
tune_get(const struct tune *t, const char *key)
{
	const json_t *pos;

	if (key == NULL || (pos = json_object_get(t->index, key)) == NULL)
		return NULL;
	return t->v[json_integer_value(pos)].value;
}

static json_t *
header_json(const struct tune *t)
{
	json_t *h = jcheck(json_object());

	jset(h, "version", json_string(PACKAGE_VERSION));
	jset(h, "date", json_string(t->date));
	jset(h, "fingerprint", json_deep_copy(t->fingerprint));
	jset(h, "suite", json_deep_copy(t->suite));
	jset(h, "hardware", json_deep_copy(t->hardware));
	if (json_object_size(t->skipped) > 0)
		jset(h, "skipped", json_deep_copy(t->skipped));
	return h;
}

/* The values as nested maps, {"cpu": {"workers": 2}}, a launcher reads. */
static json_t *
nested_json(const struct tune *t)
{
	json_t *root = jcheck(json_object());

	for (size_t i = 0; i < t->n; i++) {
		char k[KEY_MAX + 1], *seg = k, *dot;
		json_t *obj = root, *child;

		snprintf(k, sizeof(k), "%s", t->v[i].key);
		while ((dot = strchr(seg, '.')) != NULL) {
			*dot = '\0';
			if ((child = json_object_get(obj, seg)) == NULL) {
				child = jcheck(json_object());
				jset(obj, seg, child);
			}
			obj = child;
			seg = dot + 1;
		}
		jset(obj, seg, json_deep_copy(t->v[i].value));
	}
	return root;
}

static json_t *
why_json(const struct tune *t)
{
	json_t *why = jcheck(json_object());

	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];
		json_t *w = jcheck(json_object());

		jset(w, "reason", json_string(e->why));
		jset(w, "unit", e->unit ? json_string(e->unit) : json_null());
		jset(w, "from", e->from ? json_deep_copy(e->from) :
		    json_null());
		jset(why, e->key, w);
	}
	return why;
}

json_t *
tune_to_json(const struct tune *t)
{
	json_t *root = jcheck(json_object());

	jset(root, "dyno", header_json(t));
	jset(root, "tune", nested_json(t));
	jset(root, "why", why_json(t));
	return root;
}
