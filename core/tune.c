/* tune.c - the tune: keys with reasons, written atomically as YAML, env or JSON, and checked. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "results.h"
#include "tune.h"
#include "xmalloc.h"

/* Long enough for any sensible key, short enough for a stack buffer. */
#define KEY_MAX 255
/* A tune read back is small; a hand-edited or hostile file whose aliases
** expand a short text into a huge tree is refused instead. */
#define READ_DEPTH_MAX 32
#define READ_NODES_MAX 100000

struct entry {
	char *key;
	json_t *value;
	char *unit;	/* NULL: none */
	char *why;
	json_t *from;	/* NULL: the value came from the inventory */
};

struct tune {
	struct entry *v;	/* in the order keys were first set */
	size_t n, cap;
	json_t *index;		/* dotted key -> its position in v */
	json_t *groups;		/* each proper prefix of a key -> that key */
	char date[32];
	json_t *fingerprint;	/* string or null */
	json_t *suite;		/* string or null */
	json_t *hardware;	/* object */
	json_t *skipped;	/* object: part -> reason */
};

/* A growing byte buffer: each writer renders the whole file in memory
** first, so the only I/O is one write of a finished text. */
struct buf {
	char *p;
	size_t len, cap;
};

/* jansson returns NULL only when out of memory (inputs are checked before
** they reach it); the core treats that as fatal, like xmalloc. */
static json_t *
jcheck(json_t *j)
{
	if (j == NULL) {
		fprintf(stderr, "dyno: out of memory building JSON\n");
		exit(2);
	}
	return j;
}

static void
jset(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, jcheck(v)) != 0)
		jcheck(NULL);
}

static int
utf8_ok(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/* A JSON string for a header fact; text that is not UTF-8 (which no
** writer could encode) keeps its ASCII and shows the rest as '?'. */
static json_t *
text(const char *s)
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

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/*
** The shortest text that reads back as exactly v, and that every YAML
** reader takes for a float: YAML 1.1 readers (PyYAML) need a '.', so 2
** becomes "2.0" and 1e+20 "1.0e+20" rather than an integer or a string.
*/
static void
fmt_real(double v, char *out, size_t n)
{
	char tmp[40], *e;
	double a = fabs(v);

	/* Plain decimals where they are short ("30.0", not "3.0e+01"): an
	** env file feeds shell arithmetic and people read the YAML. */
	if (a == 0 || (a >= 1e-4 && a < 1e15)) {
		for (int prec = 0; prec <= 17; prec++) {
			snprintf(tmp, sizeof(tmp), "%.*f", prec, v);
			if (strtod(tmp, NULL) == v) {
				snprintf(out, n, "%s%s", tmp,
					 strchr(tmp, '.') ? "" : ".0");
				return;
			}
		}
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (strchr(tmp, '.') != NULL)
		snprintf(out, n, "%s", tmp);
	else if ((e = strchr(tmp, 'e')) != NULL)
		snprintf(out, n, "%.*s.0%s", (int)(e - tmp), tmp, e);
	else
		snprintf(out, n, "%s.0", tmp);
}

/* Text of a scalar value (string, integer, real, boolean, null). */
static const char *
scalar_text(const json_t *v, char *tmp, size_t n)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(tmp, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	case JSON_REAL:
		fmt_real(json_real_value(v), tmp, n);
		return tmp;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
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
	t->fingerprint = text(fingerprint);
	t->suite = text(suite);
	t->hardware = jcheck(json_is_object(hardware) ?
	    json_deep_copy(hardware) : json_object());
}

void
tune_note_skip(struct tune *t, const char *part, const char *reason)
{
	json_t *p;

	if (part == NULL)
		return;
	p = text(part);
	jset(t->skipped, json_string_value(p), text(reason ? reason : ""));
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

/* ---- YAML ------------------------------------------------------------ */

static int
yaml_out(void *data, unsigned char *buffer, size_t size)
{
	buf_add(data, (const char *)buffer, size);
	return 1;
}

/* Plain scalars are read back by type, so a key is written plain only
** when every reader takes it for the same string: an identifier that is
** not one of YAML 1.1's booleans or nulls ("on", "no", "null"). */
static int
plain_key_ok(const char *s)
{
	static const char *const words[] = { "y", "n", "yes", "no", "true",
	    "false", "on", "off", "null" };

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	      *s == '_'))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	return 1;
}

static int
emit_scalar(yaml_emitter_t *em, const char *s, int quoted)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (const yaml_char_t *)s, (int)strlen(s), !quoted, quoted,
	    quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE))
		return -1;
	return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

/* Strings quoted, everything else plain: "08" stays a string, 1.5 a
** number, true a boolean. */
static int
emit_json(yaml_emitter_t *em, const json_t *v)
{
	yaml_event_t ev;
	const char *k;
	const json_t *x;
	char tmp[64];
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE) || !yaml_emitter_emit(em, &ev))
			return -1;
		json_object_foreach((json_t *)v, k, x)
			if (emit_scalar(em, k, !plain_key_ok(k)) != 0 ||
			    emit_json(em, x) != 0)
				return -1;
		return yaml_mapping_end_event_initialize(&ev) &&
		    yaml_emitter_emit(em, &ev) ? 0 : -1;
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_SEQUENCE_STYLE) || !yaml_emitter_emit(em, &ev))
			return -1;
		json_array_foreach(v, i, x)
			if (emit_json(em, x) != 0)
				return -1;
		return yaml_sequence_end_event_initialize(&ev) &&
		    yaml_emitter_emit(em, &ev) ? 0 : -1;
	default:
		return emit_scalar(em, scalar_text(v, tmp, sizeof(tmp)),
		    json_is_string(v));
	}
}

/* The launcher keys sit at the top level beside "dyno" and "why". */
static int
emit_tune(yaml_emitter_t *em, const json_t *doc)
{
	const json_t *values = json_object_get(doc, "tune"), *x;
	yaml_event_t ev;
	const char *k;

	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(em, &ev) ||
	    !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(em, &ev) ||
	    !yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE) || !yaml_emitter_emit(em, &ev))
		return -1;
	if (emit_scalar(em, "dyno", 0) != 0 ||
	    emit_json(em, json_object_get(doc, "dyno")) != 0)
		return -1;
	json_object_foreach((json_t *)values, k, x)
		if (emit_scalar(em, k, !plain_key_ok(k)) != 0 ||
		    emit_json(em, x) != 0)
			return -1;
	if (emit_scalar(em, "why", 0) != 0 ||
	    emit_json(em, json_object_get(doc, "why")) != 0)
		return -1;
	return yaml_mapping_end_event_initialize(&ev) &&
	    yaml_emitter_emit(em, &ev) &&
	    yaml_document_end_event_initialize(&ev, 1) &&
	    yaml_emitter_emit(em, &ev) &&
	    yaml_stream_end_event_initialize(&ev) &&
	    yaml_emitter_emit(em, &ev) ? 0 : -1;
}

int
tune_write_yaml(const struct tune *t, const char *path,
		struct dyno_err *err)
{
	yaml_emitter_t em;
	struct buf b = { 0 };
	json_t *doc;
	int rc;

	if (!yaml_emitter_initialize(&em))
		return dyno_err_set(err, DYNO_ENOMEM,
		    "cannot write '%s': libyaml cannot start", path);
	yaml_emitter_set_output(&em, yaml_out, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_indent(&em, 2);
	/* No folding: a long reason stays on one line for grep. */
	yaml_emitter_set_width(&em, -1);
	doc = tune_to_json(t);
	if (emit_tune(&em, doc) != 0)
		rc = dyno_err_set(err, DYNO_EINVAL,
		    "cannot write '%s': libyaml: %s", path,
		    em.problem ? em.problem : "emitter error");
	else
		rc = results_write_atomic(path, b.p ? b.p : "", b.len, err);
	yaml_emitter_delete(&em);
	json_decref(doc);
	free(b.p);
	return rc;
}

/* ---- env and JSON ---------------------------------------------------- */

/* Keys under this prefix are environment variables for the launcher. */
#define LAUNCHER_ENV "launcher.env."

/* Characters a shell takes literally in a word. */
static int
shell_plain(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("_./:-", *s) != NULL))
			return 0;
	return 1;
}

/* Printable text for the comment line: a fingerprint holding a newline
** must not end the comment. */
static void
buf_comment(struct buf *b, const json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "none";

	for (; *s; s++)
		buf_add(b, (unsigned char)*s < 0x20 || *s == 0x7f ? "?" : s,
		    1);
}

int
tune_write_env(const struct tune *t, const char *path, struct dyno_err *err)
{
	struct buf b = { 0 };
	json_t *names = jcheck(json_object());
	int rc = 0;

	buf_str(&b, "# dyno tune ");
	buf_str(&b, t->date);
	buf_str(&b, " fingerprint ");
	buf_comment(&b, t->fingerprint);
	buf_str(&b, "\n");
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		const struct entry *e = &t->v[i];
		char name[KEY_MAX + 1], tmp[64];
		const json_t *other;
		const char *s;

		/* launcher.env.x is the variable X itself, which a launcher
		** exports as it is (CUDA_VISIBLE_DEVICES). */
		const char *k = strncmp(e->key, LAUNCHER_ENV,
		    sizeof(LAUNCHER_ENV) - 1) == 0 ?
		    e->key + sizeof(LAUNCHER_ENV) - 1 : e->key;

		for (size_t j = 0; ; j++) {
			char c = k[j];

			name[j] = c == '.' ? '_' :
			    (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
			if (c == '\0')
				break;
		}
		/* "a.b_c" and "a_b.c" are both A_B_C: the second would
		** silently override the first in the shell. */
		if ((other = json_object_get(names, name)) != NULL) {
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "cannot write '%s': tune keys '%s' and '%s' are "
			    "both %s in an env file", path,
			    json_string_value(other), e->key, name);
			break;
		}
		jset(names, name, json_string(e->key));
		buf_str(&b, name);
		buf_str(&b, "=");
		s = scalar_text(e->value, tmp, sizeof(tmp));
		if (!json_is_string(e->value) || shell_plain(s)) {
			buf_str(&b, s);
		} else {
			buf_str(&b, "'");
			for (; *s; s++)
				if (*s == '\'')
					buf_str(&b, "'\\''");
				else
					buf_add(&b, s, 1);
			buf_str(&b, "'");
		}
		buf_str(&b, "\n");
	}
	if (rc == 0)
		rc = results_write_atomic(path, b.p, b.len, err);
	json_decref(names);
	free(b.p);
	return rc;
}

int
tune_write_json(const struct tune *t, const char *path, struct dyno_err *err)
{
	json_t *doc = tune_to_json(t);
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct buf b = { 0 };
	int rc;

	json_decref(doc);
	if (s == NULL)
		jcheck(NULL);
	buf_str(&b, s);
	buf_str(&b, "\n");
	free(s);
	rc = results_write_atomic(path, b.p, b.len, err);
	free(b.p);
	return rc;
}

/* ---- reading back ---------------------------------------------------- */

struct reader {
	yaml_document_t *doc;
	const char *path;
	size_t nodes;
	struct dyno_err *err;
};

static int
scalar_is(const yaml_node_t *n, const char *s)
{
	return n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length == strlen(s) &&
	    memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* The value of key in map, or NULL. */
static yaml_node_t *
map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	yaml_node_t *found = NULL;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k != NULL && scalar_is(k, key))
			found = yaml_document_get_node(doc, p->value);
	}
	return found;
}

/* A plain scalar by the YAML 1.2 core schema, which is what the writer
** produces; a quoted one is always a string. */
static json_t *
scalar_json(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length, digits;
	char *end;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
	    n->data.scalar.style != YAML_ANY_SCALAR_STYLE)
		return json_stringn(s, len);
	if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
		return json_null();
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		return json_true();
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		return json_false();
	digits = strspn(s + (*s == '-' || *s == '+'), "0123456789");
	if (digits > 0 && digits + (*s == '-' || *s == '+') == len) {
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0)
			return json_integer((json_int_t)v);
	}
	if (strspn(s, "+-0123456789.eE") == len && strpbrk(s, "0123456789")) {
		double d = strtod(s, &end);

		if (*end == '\0')
			return json_real(d);
	}
	return json_stringn(s, len);
}

static int
node_json(struct reader *r, const yaml_node_t *n, int depth, json_t **out)
{
	json_t *v;

	if (++r->nodes > READ_NODES_MAX || depth > READ_DEPTH_MAX)
		return dyno_err_set(r->err, DYNO_EINVAL,
		    "%s:%zu: nested too deeply or too large for a tune",
		    r->path, n->start_mark.line + 1);
	switch (n->type) {
	case YAML_MAPPING_NODE:
		v = jcheck(json_object());
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
			yaml_node_t *x = yaml_document_get_node(r->doc,
			    p->value);
			json_t *xv;

			if (k == NULL || x == NULL ||
			    k->type != YAML_SCALAR_NODE) {
				json_decref(v);
				return dyno_err_set(r->err, DYNO_EINVAL,
				    "%s:%zu: a map key is not a plain text",
				    r->path, n->start_mark.line + 1);
			}
			if (node_json(r, x, depth + 1, &xv) != 0) {
				json_decref(v);
				return DYNO_EINVAL;
			}
			jset(v, (const char *)k->data.scalar.value, xv);
		}
		break;
	case YAML_SEQUENCE_NODE:
		v = jcheck(json_array());
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			yaml_node_t *x = yaml_document_get_node(r->doc, *i);
			json_t *xv;

			if (x == NULL) {
				json_decref(v);
				return dyno_err_set(r->err, DYNO_EINVAL,
				    "%s:%zu: malformed list", r->path,
				    n->start_mark.line + 1);
			}
			if (node_json(r, x, depth + 1, &xv) != 0) {
				json_decref(v);
				return DYNO_EINVAL;
			}
			json_array_append_new(v, xv);
		}
		break;
	default:
		/* A string that is not UTF-8 cannot be held: libyaml has
		** already refused such input, so this is only for safety. */
		if ((v = scalar_json(n)) == NULL)
			return dyno_err_set(r->err, DYNO_EINVAL,
			    "%s:%zu: a value is not UTF-8 text", r->path,
			    n->start_mark.line + 1);
		break;
	}
	*out = v;
	return 0;
}

/* Parse path and take dyno.fingerprint and dyno.hardware out of it. */
static int
read_header(const char *path, json_t **fp_out, json_t **hw_out,
	    struct dyno_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *dyno, *n;
	struct reader r = { &doc, path, 0, err };
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return dyno_err_set(err, errno == ENOENT ? DYNO_ENOENT :
		    DYNO_EIO, "cannot read tune '%s': %s", path,
		    strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return dyno_err_set(err, DYNO_ENOMEM,
		    "cannot read tune '%s': libyaml cannot start", path);
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		if (ferror(fp))
			rc = dyno_err_set(err, DYNO_EIO,
			    "cannot read tune '%s': %s", path,
			    strerror(errno));
		else if (parser.error == YAML_READER_ERROR)
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "%s: not a YAML tune: %s at byte %zu", path,
			    parser.problem ? parser.problem : "bad input",
			    parser.problem_offset);
		else
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "%s:%zu: not a YAML tune: %s%s%s", path,
			    parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "syntax error",
			    parser.context ? " " : "",
			    parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(fp);
		return rc;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		rc = dyno_err_set(err, DYNO_EINVAL,
		    "%s:1: not a dyno tune: the file is empty", path);
	} else if ((dyno = map_get(&doc, root, "dyno")) == NULL ||
		   dyno->type != YAML_MAPPING_NODE) {
		rc = dyno_err_set(err, DYNO_EINVAL,
		    "%s:%zu: not a dyno tune: no 'dyno:' header map", path,
		    (dyno ? dyno : root)->start_mark.line + 1);
	} else {
		n = map_get(&doc, dyno, "fingerprint");
		if (n == NULL)
			*fp_out = json_null();
		else
			rc = node_json(&r, n, 0, fp_out);
		n = map_get(&doc, dyno, "hardware");
		if (rc != 0) {
			/* err already says why */
		} else if (n == NULL) {
			*hw_out = jcheck(json_object());
		} else if (n->type != YAML_MAPPING_NODE) {
			rc = dyno_err_set(err, DYNO_EINVAL,
			    "%s:%zu: dyno.hardware is not a map", path,
			    n->start_mark.line + 1);
		} else {
			rc = node_json(&r, n, 0, hw_out);
		}
		if (rc != 0) {
			json_decref(*fp_out);
			*fp_out = NULL;
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

/* A fact for a diff line, on one line whatever the file held. */
static void
show(const json_t *v, char *out, size_t n)
{
	char *s;

	if (v == NULL || json_is_null(v)) {
		snprintf(out, n, "(none)");
		return;
	}
	s = json_is_string(v) ? xstrdup(json_string_value(v)) :
	    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (s == NULL)
		jcheck(NULL);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	snprintf(out, n, "'%s'", s);
	free(s);
}

static void
add_diff(char *diff, size_t n, const char *what, const json_t *tv,
	 const json_t *cv)
{
	char a[160], b[160];
	size_t len;

	if (diff == NULL || n == 0)
		return;
	len = strlen(diff);
	show(tv, a, sizeof(a));
	show(cv, b, sizeof(b));
	snprintf(diff + len, n - len, "%s: tune %s, this machine %s\n", what,
	    a, b);
}

int
tune_check(const char *path, const char *fingerprint,
	   const json_t *hardware, char *diff, size_t n,
	   struct dyno_err *err)
{
	json_t *tfp = NULL, *thw = NULL, *cur;
	const json_t *x;
	const char *k;
	int rc, differ = 0;

	if (diff != NULL && n > 0)
		diff[0] = '\0';
	if ((rc = read_header(path, &tfp, &thw, err)) != 0)
		return rc;
	if (fingerprint != NULL) {
		cur = text(fingerprint);
		if (!json_equal(tfp, cur)) {
			add_diff(diff, n, "fingerprint", tfp, cur);
			differ = 1;
		}
		json_decref(cur);
	}
	if (json_is_object(hardware)) {
		json_object_foreach(thw, k, x) {
			const json_t *c = json_object_get(hardware, k);

			/* A null fact is no fact: the same as a missing one. */
			if (c == NULL ? !json_is_null(x) : !json_equal(x, c)) {
				add_diff(diff, n, k, x, c);
				differ = 1;
			}
		}
		json_object_foreach((json_t *)hardware, k, x)
			if (json_object_get(thw, k) == NULL &&
			    !json_is_null(x)) {
				add_diff(diff, n, k, NULL, x);
				differ = 1;
			}
	}
	json_decref(tfp);
	json_decref(thw);
	return differ;
}
