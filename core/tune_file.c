/* tune_file.c - the tune's files: written atomically as YAML, env or JSON, and a YAML tune read back for --check. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "results.h"
#include "strbuf.h"
#include "tune.h"
#include "tune_int.h"
#include "xmalloc.h"

/* A tune read back is small; a hand-edited or hostile file whose aliases
** expand a short text into a huge tree is refused instead. */
#define READ_DEPTH_MAX 32
#define READ_NODES_MAX 100000

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

/* ---- YAML ------------------------------------------------------------ */

static int
yaml_out(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, (const char *)buffer, size);
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
	struct strbuf b = STRBUF_INIT;
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
		rc = results_write_atomic(path, b.s ? b.s : "", b.len, err);
	yaml_emitter_delete(&em);
	json_decref(doc);
	strbuf_fini(&b);
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
env_comment(struct strbuf *b, const json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "none";

	for (; *s; s++)
		strbuf_add(b, (unsigned char)*s < 0x20 || *s == 0x7f ? "?" : s,
		    1);
}

int
tune_write_env(const struct tune *t, const char *path, struct dyno_err *err)
{
	struct strbuf b = STRBUF_INIT;
	json_t *names = jcheck(json_object());
	int rc = 0;

	strbuf_addstr(&b, "# dyno tune ");
	strbuf_addstr(&b, t->date);
	strbuf_addstr(&b, " fingerprint ");
	env_comment(&b, t->fingerprint);
	strbuf_addstr(&b, "\n");
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
		strbuf_addstr(&b, name);
		strbuf_addstr(&b, "=");
		s = scalar_text(e->value, tmp, sizeof(tmp));
		if (!json_is_string(e->value) || shell_plain(s)) {
			strbuf_addstr(&b, s);
		} else {
			strbuf_addstr(&b, "'");
			for (; *s; s++)
				if (*s == '\'')
					strbuf_addstr(&b, "'\\''");
				else
					strbuf_add(&b, s, 1);
			strbuf_addstr(&b, "'");
		}
		strbuf_addstr(&b, "\n");
	}
	if (rc == 0)
		rc = results_write_atomic(path, b.s, b.len, err);
	json_decref(names);
	strbuf_fini(&b);
	return rc;
}

int
tune_write_json(const struct tune *t, const char *path, struct dyno_err *err)
{
	json_t *doc = tune_to_json(t);
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct strbuf b = STRBUF_INIT;
	int rc;

	json_decref(doc);
	if (s == NULL)
		jcheck(NULL);
	strbuf_addstr(&b, s);
	strbuf_addstr(&b, "\n");
	free(s);
	rc = results_write_atomic(path, b.s, b.len, err);
	strbuf_fini(&b);
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
		cur = tune_text(fingerprint);
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

