/*
** family.c - a YOLO family YAML read with libyaml and checked: every
** message is one line naming the file, the line and what was expected.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "family.h"

struct reader {
	yaml_document_t		*doc;
	struct yolo_family	*f;
	char			*err;
	size_t			 errlen;
};

static int
fail(struct reader *r, const yaml_node_t *n, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(r->err, r->errlen, "model %s:%lu: %s", r->f->path,
		    (unsigned long)n->start_mark.line + 1, what);
	else
		snprintf(r->err, r->errlen, "model %s: %s", r->f->path, what);
	return -1;
}

static const char *
scalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* N as a whole number in [LO, HI]; 0 when it is one. */
static int
integer(const yaml_node_t *n, long lo, long hi, int *out)
{
	const char *s = scalar(n);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int
number(const yaml_node_t *n, double *out)
{
	const char *s = scalar(n);
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
boolean(const yaml_node_t *n, int *out)
{
	const char *s = scalar(n);

	if (s == NULL)
		return -1;
	if (strcmp(s, "True") == 0 || strcmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "False") == 0 || strcmp(s, "false") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static yaml_node_t *
item(struct reader *r, const yaml_node_t *seq, int i)
{
	return yaml_document_get_node(r->doc,
	    seq->data.sequence.items.start[i]);
}

static int
items(const yaml_node_t *seq)
{
	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE)
		return -1;
	return (int)(seq->data.sequence.items.top -
	    seq->data.sequence.items.start);
}

static int
read_scales(struct reader *r, const yaml_node_t *map)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return fail(r, map, "scales: a mapping of name: [depth, "
		    "width, max_channels] expected");
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
		struct yolo_scale *s;
		const char *name = scalar(k);

		if (name == NULL || *name == '\0' ||
		    strlen(name) >= sizeof(s->name))
			return fail(r, k, "scales: a short name expected");
		if (r->f->nscales == YOLO_MAXSCALES)
			return fail(r, k, "scales: more than %d",
			    YOLO_MAXSCALES);
		s = &r->f->scales[r->f->nscales++];
		snprintf(s->name, sizeof(s->name), "%s", name);
		if (items(v) != 3 || number(item(r, v, 0), &s->depth) < 0 ||
		    number(item(r, v, 1), &s->width) < 0 ||
		    integer(item(r, v, 2), 1, 1 << 20,
		    &s->max_channels) < 0 || !(s->depth > 0) ||
		    !(s->width > 0))
			return fail(r, v, "scale %s: [depth, width, "
			    "max_channels] (positive) expected", name);
	}
	return 0;
}

static int
read_from(struct reader *r, const yaml_node_t *n, int i,
    struct yolo_layer *l)
{
	int k, v, cnt = items(n);

	if (cnt == -1)
		cnt = 0;
	if (cnt == 0 && n->type == YAML_SEQUENCE_NODE)
		return fail(r, n, "layer %d: from: empty list", i);
	l->nfrom = cnt == 0 ? 1 : cnt;
	if (l->nfrom > YOLO_MAXFROM)
		return fail(r, n, "layer %d: from: more than %d layers", i,
		    YOLO_MAXFROM);
	for (k = 0; k < l->nfrom; k++) {
		const yaml_node_t *e = cnt == 0 ? n : item(r, n, k);

		if (integer(e, -YOLO_MAXLAYERS, YOLO_MAXLAYERS, &v) < 0)
			return fail(r, e, "layer %d: from: %s (a layer "
			    "index expected)", i, scalar(e) ? scalar(e) :
			    "a list");
		if (v == -1 && i == 0) {
			l->from[k] = YOLO_INPUT;
			continue;
		}
		if (v < 0)
			v += i;
		if (v < 0 || v >= i)
			return fail(r, e, "layer %d: from %s is not an "
			    "earlier layer", i, scalar(e));
		l->from[k] = v;
	}
	return 0;
}

/* ARGS for the module, as ultralytics' parse_model reads them. */
static int
read_args(struct reader *r, const yaml_node_t *args, int i,
    struct yolo_layer *l)
{
	const char *mod = yolo_module_name(l->module);
	const char *s;
	int n = items(args), v;

	if (n < 0)
		return fail(r, args, "layer %d: %s: args: a list expected",
		    i, mod);
	switch (l->module) {
	case YOLO_CONV:
		l->k = l->s = 1;
		if (n < 1 || n > 3 ||
		    integer(item(r, args, 0), 1, 1 << 20, &l->c2) < 0 ||
		    (n > 1 && integer(item(r, args, 1), 1, 15, &l->k) < 0) ||
		    (n > 2 && integer(item(r, args, 2), 1, 16, &l->s) < 0))
			return fail(r, args, "layer %d: Conv: args: [channels, "
			    "kernel, stride] expected", i);
		break;
	case YOLO_C2F:
		if (n < 1 || n > 2 ||
		    integer(item(r, args, 0), 1, 1 << 20, &l->c2) < 0 ||
		    (n > 1 && boolean(item(r, args, 1), &l->shortcut) < 0))
			return fail(r, args, "layer %d: C2f: args: [channels, "
			    "shortcut] expected", i);
		break;
	case YOLO_SPPF:
		l->k = 5;
		if (n < 1 || n > 2 ||
		    integer(item(r, args, 0), 1, 1 << 20, &l->c2) < 0 ||
		    (n > 1 && integer(item(r, args, 1), 1, 15, &l->k) < 0) ||
		    l->k % 2 == 0)
			return fail(r, args, "layer %d: SPPF: args: [channels, "
			    "odd kernel] expected", i);
		break;
	case YOLO_UPSAMPLE:
		if (n != 3 || (s = scalar(item(r, args, 0))) == NULL ||
		    strcmp(s, "None") != 0 ||
		    integer(item(r, args, 1), 2, 2, &v) < 0 ||
		    (s = scalar(item(r, args, 2))) == NULL ||
		    strcmp(s, "nearest") != 0)
			return fail(r, args, "layer %d: nn.Upsample: args: "
			    "[None, 2, \"nearest\"] expected", i);
		break;
	case YOLO_CONCAT:
		if (n != 1 || integer(item(r, args, 0), 1, 1, &v) < 0)
			return fail(r, args, "layer %d: Concat: args: [1] "
			    "(channels) expected", i);
		break;
	case YOLO_DETECT:
		if (n != 1 || (s = scalar(item(r, args, 0))) == NULL ||
		    (strcmp(s, "nc") != 0 && (integer(item(r, args, 0), 1,
		    1 << 16, &v) < 0 || v != r->f->nc)))
			return fail(r, args, "layer %d: Detect: args: [nc] "
			    "expected", i);
		break;
	}
	return 0;
}

static const char *const module_names[] = {
	"Conv", "C2f", "SPPF", "nn.Upsample", "Concat", "Detect"
};

const char *
yolo_module_name(enum yolo_module m)
{
	return module_names[m];
}

static int
read_layer(struct reader *r, const yaml_node_t *row)
{
	struct yolo_family *f = r->f;
	struct yolo_layer *l;
	const char *mod;
	int i = f->nlayers;
	size_t m;

	if (i == YOLO_MAXLAYERS)
		return fail(r, row, "more than %d layers", YOLO_MAXLAYERS);
	l = &f->layers[i];
	memset(l, 0, sizeof(*l));
	l->line = (int)row->start_mark.line + 1;
	if (items(row) != 4)
		return fail(r, row, "layer %d: [from, repeats, module, args] "
		    "expected", i);
	if ((mod = scalar(item(r, row, 2))) == NULL)
		return fail(r, row, "layer %d: module: a name expected", i);
	for (m = 0; m < sizeof(module_names) / sizeof(module_names[0]); m++)
		if (strcmp(mod, module_names[m]) == 0)
			break;
	if (m == sizeof(module_names) / sizeof(module_names[0]))
		return fail(r, item(r, row, 2), "layer %d: unknown module "
		    "'%s' (Conv, C2f, SPPF, nn.Upsample, Concat or Detect "
		    "expected)", i, mod);
	l->module = (enum yolo_module)m;
	if (read_from(r, item(r, row, 0), i, l) < 0)
		return -1;
	if (integer(item(r, row, 1), 1, 1024, &l->repeats) < 0)
		return fail(r, item(r, row, 1), "layer %d: repeats: a "
		    "positive count expected", i);
	if (l->repeats != 1 && l->module != YOLO_C2F)
		return fail(r, item(r, row, 1), "layer %d: %s: repeats %d "
		    "(only C2f repeats)", i, mod, l->repeats);
	if ((l->module == YOLO_CONCAT || l->module == YOLO_DETECT) ?
	    l->nfrom < 1 : l->nfrom != 1)
		return fail(r, item(r, row, 0), "layer %d: %s: from: %s",
		    i, mod, l->nfrom == 1 ? "a list expected" :
		    "one layer expected");
	if (read_args(r, item(r, row, 3), i, l) < 0)
		return -1;
	f->nlayers++;
	return 0;
}

static int
read_table(struct reader *r, const yaml_node_t *seq, const char *key)
{
	int i, n = items(seq);

	if (n < 0)
		return fail(r, seq, "%s: a list of layers expected", key);
	for (i = 0; i < n; i++)
		if (read_layer(r, item(r, seq, i)) < 0)
			return -1;
	return 0;
}

static int
read_family(struct reader *r, const yaml_node_t *root)
{
	struct yolo_family *f = r->f;
	const yaml_node_t *scales = NULL, *backbone = NULL, *head = NULL;
	yaml_node_pair_t *p;
	int i, seen_nc = 0;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return fail(r, root, "a mapping (nc, scales, backbone, head) "
		    "expected");
	f->reg_max = 16;
	for (p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
		const char *key = scalar(k), *s;

		if (key == NULL)
			return fail(r, k, "a key expected");
		if (strcmp(key, "nc") == 0) {
			if (integer(v, 1, 1 << 16, &f->nc) < 0)
				return fail(r, v, "nc: a positive count "
				    "expected");
			seen_nc = 1;
		} else if (strcmp(key, "reg_max") == 0) {
			if (integer(v, 1, 64, &f->reg_max) < 0)
				return fail(r, v, "reg_max: 1..64 expected");
		} else if (strcmp(key, "scale") == 0) {
			if ((s = scalar(v)) == NULL ||
			    strlen(s) >= sizeof(f->scale))
				return fail(r, v, "scale: a scale's name "
				    "expected");
			snprintf(f->scale, sizeof(f->scale), "%s", s);
		} else if (strcmp(key, "scales") == 0)
			scales = v;
		else if (strcmp(key, "backbone") == 0)
			backbone = v;
		else if (strcmp(key, "head") == 0)
			head = v;
		else
			return fail(r, k, "unknown key '%s' (nc, reg_max, "
			    "scale, scales, backbone, head expected)", key);
	}
	if (!seen_nc)
		return fail(r, NULL, "nc: missing");
	if (scales == NULL)
		return fail(r, NULL, "scales: missing");
	if (backbone == NULL || head == NULL)
		return fail(r, NULL, "%s: missing", backbone == NULL ?
		    "backbone" : "head");
	/* Detect's args name nc: the layers come after it. */
	if (read_scales(r, scales) < 0 ||
	    read_table(r, backbone, "backbone") < 0 ||
	    read_table(r, head, "head") < 0)
		return -1;
	if (f->nlayers == 0)
		return fail(r, NULL, "no layers");
	for (i = 0; i < f->nlayers - 1; i++)
		if (f->layers[i].module == YOLO_DETECT)
			return fail(r, NULL, "layer %d: Detect is not the "
			    "last layer", i);
	if (f->layers[f->nlayers - 1].module != YOLO_DETECT)
		return fail(r, head, "the last layer is not Detect");
	if (f->scale[0] != '\0' && yolo_family_scale(f, f->scale) == NULL)
		return fail(r, NULL, "scale %s: not one of scales", f->scale);
	return 0;
}

int
yolo_family_parse(const char *text, size_t len, const char *name,
    struct yolo_family *f, char *err, size_t errlen)
{
	struct reader r;
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", name);
	r.f = f;
	r.err = err;
	r.errlen = errlen;
	r.doc = &doc;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "model %s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "model %s:%lu: %s", name,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		return -1;
	}
	rc = read_family(&r, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int
yolo_family_load(const char *path, struct yolo_family *f, char *err,
    size_t errlen)
{
	FILE *fp;
	char *buf;
	long n;
	int rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "model %s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) < 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) < 0 || n > (1 << 20)) {
		fclose(fp);
		snprintf(err, errlen, "model %s: not a family YAML (a "
		    "readable file under 1 MiB expected)", path);
		return -1;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "model %s: out of memory", path);
		return -1;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		snprintf(err, errlen, "model %s: %s", path, ferror(fp) ?
		    strerror(errno) : "short read");
		rc = -1;
	} else
		rc = yolo_family_parse(buf, (size_t)n, path, f, err, errlen);
	free(buf);
	fclose(fp);
	return rc;
}

const struct yolo_scale *
yolo_family_scale(const struct yolo_family *f, const char *name)
{
	int i;

	for (i = 0; i < f->nscales; i++)
		if (strcmp(f->scales[i].name, name) == 0)
			return &f->scales[i];
	return NULL;
}

static int
is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') != NULL ||
	    (n > 5 && strcmp(s + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(s + n - 4, ".yml") == 0);
}

int
yolo_family_open(const char *model, const char *dir, struct yolo_family *f,
    const struct yolo_scale **scale, char *err, size_t errlen)
{
	char path[512];
	const char *want;

	if (is_path(model)) {
		if (yolo_family_load(model, f, err, errlen) < 0)
			return -1;
		if (f->scale[0] == '\0') {
			snprintf(err, errlen, "model %s: scale: missing (the "
			    "name of one of its scales expected)", model);
			return -1;
		}
		want = f->scale;
	} else {
		if (strncmp(model, "yolov8", 6) != 0 || strlen(model) != 7) {
			snprintf(err, errlen, "model %s: unknown (yolov8n, "
			    "yolov8s, yolov8m or a family YAML path "
			    "expected)", model);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/yolov8.yaml", dir);
		if (yolo_family_load(path, f, err, errlen) < 0)
			return -1;
		want = model + 6;
	}
	if ((*scale = yolo_family_scale(f, want)) == NULL) {
		if (is_path(model))
			snprintf(err, errlen, "model %s: scale %s: not one of "
			    "its scales", model, want);
		else
			snprintf(err, errlen, "model %s: unknown (yolov8n, "
			    "yolov8s, yolov8m or a family YAML path "
			    "expected)", model);
		return -1;
	}
	return 0;
}
