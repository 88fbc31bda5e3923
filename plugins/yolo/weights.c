/*
** weights.c - a YOLO model's weights from a safetensors file with
** ultralytics' names: fused (X.conv.weight, X.conv.bias) or as trained
** (X.conv.weight and X.bn.*, BN folded here in double precision).
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "safetensors.h"

struct loader {
	struct nn_graph		*g;
	const char		*path;
	const struct st_file	*f;
	char			*used;	/* per file tensor */
	char			*err;
	size_t			 len;
};

static int
ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void
shape_str(char *buf, size_t len, int ndim, const int64_t *dims)
{
	size_t off;
	int i;

	off = (size_t)snprintf(buf, len, "[");
	for (i = 0; i < ndim && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lld",
		    i ? ", " : "", (long long)dims[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

/* File tensor NAME, checked to have shape DIMS and a float dtype. */
static const struct st_tensor *
find(struct loader *l, const char *name, int ndim, const int64_t *dims)
{
	const struct st_tensor *s;
	char want[96], got[96];
	int k;

	if ((k = st_find(l->f, name)) < 0) {
		snprintf(l->err, l->len, "weights %s: tensor '%s' missing",
		    l->path, name);
		return NULL;
	}
	s = &l->f->t[k];
	if (s->ndim != ndim || memcmp(s->dims, dims, ndim *
	    sizeof(dims[0])) != 0) {
		shape_str(want, sizeof(want), ndim, dims);
		shape_str(got, sizeof(got), s->ndim, s->dims);
		snprintf(l->err, l->len, "weights %s: tensor '%s': shape %s "
		    "(%s expected)", l->path, name, got, want);
		return NULL;
	}
	if (s->dtype == ST_I64) {
		snprintf(l->err, l->len, "weights %s: tensor '%s': dtype I64 "
		    "(F32, F16 or BF16 expected)", l->path, name);
		return NULL;
	}
	l->used[k] = 1;
	return s;
}

/* Conv PREFIX's bias: the file's (fused), or its BN folded into the
** weight W (already loaded) and the bias B. */
static int
fold(struct loader *l, const char *prefix, int w, int b)
{
	static const char *const part[] = {
		"weight", "bias", "running_mean", "running_var"
	};
	const struct st_tensor *s[4];
	const int64_t *dims = nn_dims(l->g, b);
	char name[200];
	float *v[4], *wh = nn_weight_host(l->g, w), *bh;
	int64_t o, k, n = dims[0], per = nn_numel(l->g, w) / n;
	int i, rc = -1;

	snprintf(name, sizeof(name), "%s.conv.bias", prefix);
	bh = nn_weight_host(l->g, b);
	if (st_find(l->f, name) >= 0) {
		snprintf(name, sizeof(name), "%s.bn.weight", prefix);
		if (st_find(l->f, name) >= 0) {
			snprintf(l->err, l->len, "weights %s: '%s.conv.bias' "
			    "and '%s.bn.*' both there (fused or not, not "
			    "both)", l->path, prefix, prefix);
			return -1;
		}
		snprintf(name, sizeof(name), "%s.conv.bias", prefix);
		if ((s[0] = find(l, name, 1, dims)) == NULL)
			return -1;
		st_to_f32(s[0], bh);
		return 0;
	}
	memset(v, 0, sizeof(v));
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%s.bn.%s", prefix, part[i]);
		if ((s[i] = find(l, name, 1, dims)) == NULL)
			goto out;
		if ((v[i] = malloc((size_t)n * sizeof(float))) == NULL) {
			snprintf(l->err, l->len, "weights %s: out of memory",
			    l->path);
			goto out;
		}
		st_to_f32(s[i], v[i]);
	}
	for (o = 0; o < n; o++) {
		double var = v[3][o], sc;

		if (!(var >= 0)) {
			snprintf(l->err, l->len, "weights %s: tensor "
			    "'%s.bn.running_var': %g at %lld (>= 0 "
			    "expected)", l->path, prefix, var, (long long)o);
			goto out;
		}
		sc = v[0][o] / sqrt(var + YOLO_BN_EPS);
		for (k = 0; k < per; k++)
			wh[o * per + k] = (float)(wh[o * per + k] * sc);
		bh[o] = (float)(v[1][o] - v[2][o] * sc);
	}
	snprintf(name, sizeof(name), "%s.bn.num_batches_tracked", prefix);
	if ((i = st_find(l->f, name)) >= 0)
		l->used[i] = 1;
	rc = 0;
out:
	for (i = 0; i < 4; i++)
		free(v[i]);
	return rc;
}

/* The DFL's fixed weights: 0 .. reg_max - 1, or the file is not YOLOv8's. */
static int
dfl(struct loader *l, int k, int reg_max)
{
	const struct st_tensor *s = &l->f->t[k];
	float v[64];
	int i;

	if (s->dtype == ST_I64 || s->ndim != 4 || s->dims[0] != 1 ||
	    s->dims[1] != reg_max || s->dims[2] != 1 || s->dims[3] != 1) {
		snprintf(l->err, l->len, "weights %s: tensor '%s': not "
		    "[1, %d, 1, 1] floats", l->path, s->name, reg_max);
		return -1;
	}
	st_to_f32(s, v);
	for (i = 0; i < reg_max; i++)
		if (v[i] != (float)i) {
			snprintf(l->err, l->len, "weights %s: tensor '%s': "
			    "%g at %d (the DFL's fixed 0..%d expected)",
			    l->path, s->name, v[i], i, reg_max - 1);
			return -1;
		}
	l->used[k] = 1;
	return 0;
}

static int
load(struct loader *l, int reg_max)
{
	char prefix[160], wname[176];
	int i, k;

	/* Weights first: a fold scales them in place. */
	for (i = 0; i < nn_weight_count(l->g); i++) {
		int t = nn_weight_at(l->g, i);
		const char *name = nn_name(l->g, t);
		const struct st_tensor *s;

		if (ends(name, ".conv.bias"))
			continue;
		if ((s = find(l, name, nn_ndim(l->g, t), nn_dims(l->g, t))) ==
		    NULL)
			return -1;
		st_to_f32(s, nn_weight_host(l->g, t));
	}
	for (i = 0; i < nn_weight_count(l->g); i++) {
		int t = nn_weight_at(l->g, i), w;
		const char *name = nn_name(l->g, t);
		size_t n = strlen(name);

		if (!ends(name, ".conv.bias"))
			continue;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(n - 10), name);
		snprintf(wname, sizeof(wname), "%s.conv.weight", prefix);
		if ((w = nn_weight_find(l->g, wname)) < 0) {
			snprintf(l->err, l->len, "yolo: '%s' without its "
			    "weight", name);
			return -1;
		}
		if (fold(l, prefix, w, t) < 0)
			return -1;
	}
	for (k = 0; k < l->f->n; k++) {
		if (l->used[k])
			continue;
		if (ends(l->f->t[k].name, ".dfl.conv.weight")) {
			if (dfl(l, k, reg_max) < 0)
				return -1;
			continue;
		}
		snprintf(l->err, l->len, "weights %s: tensor '%s' is not one "
		    "the model has", l->path, l->f->t[k].name);
		return -1;
	}
	return 0;
}

int
yolo_load(struct yolo_model *m, const char *path, char *err, size_t len)
{
	struct loader l;
	struct st_file f;
	struct stat sb;
	char why[200];
	void *map;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, len, "weights %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(err, len, "weights %s: not a regular file", path);
		return -1;
	}
	map = sb.st_size > 0 ? mmap(NULL, (size_t)sb.st_size, PROT_READ,
	    MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, len, "weights %s: %s", path, strerror(errno));
		return -1;
	}
	if (st_parse(map, (size_t)sb.st_size, &f, why, sizeof(why)) < 0)
		snprintf(err, len, "weights %s: %s", path, why);
	else {
		memset(&l, 0, sizeof(l));
		l.g = m->g;
		l.path = path;
		l.f = &f;
		l.err = err;
		l.len = len;
		if ((l.used = calloc((size_t)f.n + 1, 1)) == NULL)
			snprintf(err, len, "weights %s: out of memory", path);
		else
			rc = load(&l, m->reg_max);
		free(l.used);
		st_free(&f);
	}
	if (map != NULL)
		munmap(map, (size_t)sb.st_size);
	return rc;
}
