/*
** model.c - a family's layer table built into an nn graph, for any scale
** (ultralytics' parse_model and its modules' forward, nn/tasks.py and
** nn/modules/block.py): Conv, C2f, SPPF, nn.Upsample, Concat, Detect.
**
** No layer copies a tensor to concatenate it: a Concat's buffer exists
** before the layers feeding it, and they write into its channel slices;
** C2f and SPPF concatenate the same way, and the head's levels write
** into their slices of the one (B, 4 * reg_max + nc, A) output.
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

struct builder {
	struct yolo_model		*m;
	const struct yolo_family	*f;
	const struct yolo_scale		*s;
	struct nn_graph			*g;
	int64_t				 b;
	int	t[YOLO_MAXLAYERS];	/* each layer's output tensor */
	int	dest[YOLO_MAXLAYERS];	/* the concat slice it writes, or -1 */
	int	into[YOLO_MAXLAYERS];	/* the Concat that dest is of */
	int64_t	at[YOLO_MAXLAYERS];	/* and its channel offset there */
	int	cat[YOLO_MAXLAYERS];	/* a Concat's buffer */
};

#define V1(a) (int64_t[]){ a }
#define V4(a, b, c, d) (int64_t[]){ a, b, c, d }

/* ultralytics' parse_model: make_divisible(min(c, max) * width, 8),
** except for a count equal to nc, which it leaves as it is. */
static int
channels(const struct yolo_family *f, const struct yolo_scale *s, int c)
{
	double x;

	if (c == f->nc)
		return c;
	x = (c < s->max_channels ? c : s->max_channels) * s->width;
	return (int)ceil(x / 8) * 8;
}

/* max(round(n * depth), 1) for n > 1, with Python's round (to even). */
static int
repeats(const struct yolo_scale *s, int n)
{
	int r;

	if (n <= 1)
		return n;
	r = (int)nearbyint(n * s->depth);
	return r > 1 ? r : 1;
}

/* Detect's branch widths (ultralytics' Detect.__init__). */
static void
head_widths(const struct yolo_model *m, int ch0, int *c2, int *c3)
{
	*c2 = ch0 / 4;
	if (*c2 < 16)
		*c2 = 16;
	if (*c2 < 4 * m->reg_max)
		*c2 = 4 * m->reg_max;
	*c3 = m->nc < 100 ? m->nc : 100;
	if (*c3 < ch0)
		*c3 = ch0;
}

/* Each layer's channels and size from the table; -1 and ERR when the
** table cannot run at this image size. */
static int
plan(struct yolo_model *m, const struct yolo_family *f,
    const struct yolo_scale *s, char *err, size_t len)
{
	int i, k;

	for (i = 0; i < f->nlayers; i++) {
		const struct yolo_layer *l = &f->layers[i];
		int src = l->from[0];
		int c = src == YOLO_INPUT ? 3 : m->c[src];
		int h = src == YOLO_INPUT ? m->imgsz : m->h[src];
		int w = src == YOLO_INPUT ? m->imgsz : m->w[src];

		switch (l->module) {
		case YOLO_CONV:
			c = channels(f, s, l->c2);
			h = (h + 2 * (l->k / 2) - l->k) / l->s + 1;
			w = (w + 2 * (l->k / 2) - l->k) / l->s + 1;
			break;
		case YOLO_C2F:
		case YOLO_SPPF:
			c = channels(f, s, l->c2);
			break;
		case YOLO_UPSAMPLE:
			h *= 2;
			w *= 2;
			break;
		case YOLO_CONCAT:
			for (c = 0, k = 0; k < l->nfrom; k++) {
				int j = l->from[k];
				int hj = j == YOLO_INPUT ? m->imgsz : m->h[j];
				int wj = j == YOLO_INPUT ? m->imgsz : m->w[j];

				if (hj != h || wj != w) {
					snprintf(err, len, "model %s: layer "
					    "%d: Concat of %dx%d and %dx%d "
					    "at imgsz %d", f->path, i, h, w,
					    hj, wj, m->imgsz);
					return -1;
				}
				c += j == YOLO_INPUT ? 3 : m->c[j];
			}
			break;
		case YOLO_DETECT:
			c = 4 * m->reg_max + m->nc;
			for (k = 0; k < l->nfrom; k++)
				if (l->from[k] == YOLO_INPUT) {
					snprintf(err, len, "model %s: layer "
					    "%d: Detect of the image", f->path,
					    i);
					return -1;
				}
			break;
		}
		if (h < 1 || w < 1 || c < 1) {
			snprintf(err, len, "model %s: layer %d (%s): nothing "
			    "left of the image at imgsz %d", f->path, i,
			    yolo_module_name(l->module), m->imgsz);
			return -1;
		}
		m->c[i] = c;
		m->h[i] = h;
		m->w[i] = w;
	}
	m->nlayers = f->nlayers;
	return 0;
}

/* Conv: conv + folded BN (conv.weight, conv.bias) + SiLU, the shortcut
** ACC added after it; into OUT when OUT >= 0. */
static int
conv(struct builder *b, const char *prefix, int x, int c1, int c2, int k,
    int stride, int acc, int out)
{
	char wn[128], bn[128];
	int64_t fan = (int64_t)c1 * k * k;
	int w, bias;

	snprintf(wn, sizeof(wn), "%s.conv.weight", prefix);
	snprintf(bn, sizeof(bn), "%s.conv.bias", prefix);
	w = nn_weight(b->g, wn, 4, V4(c2, c1, k, k), NN_ROLE_WEIGHT, fan);
	/* NORM_BIAS: seeded, a BN at identity folds to a zero bias. */
	bias = nn_weight(b->g, bn, 1, V1(c2), NN_ROLE_NORM_BIAS, fan);
	return nn_conv2d(b->g, x, w, bias, stride, k / 2, NN_ACT_SILU, acc,
	    out);
}

/* A plain nn.Conv2d 1x1 with bias, no BN, no activation (Detect's last). */
static int
plain(struct builder *b, const char *prefix, int x, int c1, int c2, int out)
{
	char wn[128], bn[128];
	int w, bias;

	snprintf(wn, sizeof(wn), "%s.weight", prefix);
	snprintf(bn, sizeof(bn), "%s.bias", prefix);
	w = nn_weight(b->g, wn, 4, V4(c2, c1, 1, 1), NN_ROLE_WEIGHT, c1);
	bias = nn_weight(b->g, bn, 1, V1(c2), NN_ROLE_BIAS, c1);
	return nn_conv2d(b->g, x, w, bias, 1, 0, NN_ACT_NONE, -1, out);
}

/* C2f: cv1 into the first two slices of the concat, each bottleneck into
** the next slice from the one before, cv2 over all of them. */
static int
c2f(struct builder *b, int i, int x, int c1, int c2, int n, int shortcut,
    int out)
{
	const struct yolo_model *m = b->m;
	char p[96], q[96];
	int hc = c2 / 2, cat, prev, j;

	cat = nn_empty(b->g, 4, V4(b->b, (int64_t)(2 + n) * hc, m->h[i],
	    m->w[i]));
	snprintf(p, sizeof(p), "model.%d.cv1", i);
	conv(b, p, x, c1, 2 * hc, 1, 1, -1, nn_slice(b->g, cat, 1, 0, 2 * hc));
	prev = nn_slice(b->g, cat, 1, hc, hc);
	for (j = 0; j < n; j++) {
		int t, y = nn_slice(b->g, cat, 1, (int64_t)(2 + j) * hc, hc);

		snprintf(p, sizeof(p), "model.%d.m.%d.cv1", i, j);
		snprintf(q, sizeof(q), "model.%d.m.%d.cv2", i, j);
		t = conv(b, p, prev, hc, hc, 3, 1, -1, -1);
		conv(b, q, t, hc, hc, 3, 1, shortcut ? prev : -1, y);
		prev = y;
	}
	snprintf(p, sizeof(p), "model.%d.cv2", i);
	return conv(b, p, cat, (2 + n) * hc, c2, 1, 1, -1, out);
}

/* SPPF: cv1, then three K x K max pools each of the one before, all four
** concatenated into cv2. */
static int
sppf(struct builder *b, int i, int x, int c1, int c2, int k, int out)
{
	const struct yolo_model *m = b->m;
	char p[96];
	int hc = c1 / 2, cat, j;

	cat = nn_empty(b->g, 4, V4(b->b, 4 * (int64_t)hc, m->h[i], m->w[i]));
	snprintf(p, sizeof(p), "model.%d.cv1", i);
	conv(b, p, x, c1, hc, 1, 1, -1, nn_slice(b->g, cat, 1, 0, hc));
	for (j = 1; j < 4; j++)
		nn_maxpool2d(b->g, nn_slice(b->g, cat, 1, (int64_t)(j - 1) * hc,
		    hc), k, 1, k / 2, nn_slice(b->g, cat, 1, (int64_t)j * hc,
		    hc));
	snprintf(p, sizeof(p), "model.%d.cv2", i);
	return conv(b, p, cat, 4 * hc, c2, 1, 1, -1, out);
}

/*
** Detect: per level, the box branch (two Convs, a plain 1x1 to
** 4 * reg_max) and the class branch (two Convs, a plain 1x1 to nc),
** written into the level's anchors of the output: a (B, C, H, W) view of
** (B, 4 * reg_max + nc, A) with strides (C_all * A, A, W, 1), which is
** ultralytics' cat(box, cls) then flatten and cat over levels.
*/
static int
detect(struct builder *b, int i)
{
	struct yolo_model *m = b->m;
	const struct yolo_layer *l = &b->f->layers[i];
	int64_t no = 4 * m->reg_max + m->nc, a = 0, off = 0;
	char p[96], q[96], r[96];
	int c2, c3, k;

	head_widths(m, m->c[l->from[0]], &c2, &c3);
	for (k = 0; k < l->nfrom; k++)
		a += (int64_t)m->h[l->from[k]] * m->w[l->from[k]];
	m->anchors = a;
	m->out = nn_empty(b->g, 3, (int64_t[]){ b->b, no, a });
	for (k = 0; k < l->nfrom; k++) {
		int j = l->from[k], x = b->t[j], ch = m->c[j];
		int64_t hw = (int64_t)m->h[j] * m->w[j];
		int t;

		m->levels[k] = x;
		snprintf(p, sizeof(p), "model.%d.cv2.%d.0", i, k);
		snprintf(q, sizeof(q), "model.%d.cv2.%d.1", i, k);
		snprintf(r, sizeof(r), "model.%d.cv2.%d.2", i, k);
		t = conv(b, p, x, ch, c2, 3, 1, -1, -1);
		t = conv(b, q, t, c2, c2, 3, 1, -1, -1);
		plain(b, r, t, c2, 4 * m->reg_max, nn_view(b->g, m->out, 4,
		    V4(b->b, 4 * m->reg_max, m->h[j], m->w[j]),
		    V4(no * a, a, m->w[j], 1), off));
		snprintf(p, sizeof(p), "model.%d.cv3.%d.0", i, k);
		snprintf(q, sizeof(q), "model.%d.cv3.%d.1", i, k);
		snprintf(r, sizeof(r), "model.%d.cv3.%d.2", i, k);
		t = conv(b, p, x, ch, c3, 3, 1, -1, -1);
		t = conv(b, q, t, c3, c3, 3, 1, -1, -1);
		plain(b, r, t, c3, m->nc, nn_view(b->g, m->out, 4,
		    V4(b->b, m->nc, m->h[j], m->w[j]),
		    V4(no * a, a, m->w[j], 1), 4 * m->reg_max * a + off));
		off += hw;
	}
	m->nlevels = l->nfrom;
	nn_output(b->g, m->out);
	return m->out;
}

/* Each Concat's buffer, before any layer runs, and the slice of it each
** feeding layer writes into (the first Concat that takes it; a layer
** feeding a second one is copied there). */
static void
concats(struct builder *b)
{
	const struct yolo_family *f = b->f;
	const struct yolo_model *m = b->m;
	int i, k;

	for (i = 0; i < f->nlayers; i++)
		b->dest[i] = b->into[i] = b->cat[i] = -1;
	for (i = 0; i < f->nlayers; i++) {
		const struct yolo_layer *l = &f->layers[i];
		int64_t off = 0;

		if (l->module != YOLO_CONCAT)
			continue;
		b->cat[i] = nn_empty(b->g, 4, V4(b->b, m->c[i], m->h[i],
		    m->w[i]));
		for (k = 0; k < l->nfrom; k++) {
			int j = l->from[k];
			int cj = j == YOLO_INPUT ? 3 : m->c[j];

			if (j != YOLO_INPUT && b->dest[j] < 0) {
				b->dest[j] = nn_slice(b->g, b->cat[i], 1, off,
				    cj);
				b->into[j] = i;
				b->at[j] = off;
			}
			off += cj;
		}
	}
}

static int
concat(struct builder *b, int i)
{
	const struct yolo_layer *l = &b->f->layers[i];
	int64_t off = 0;
	int k;

	for (k = 0; k < l->nfrom; k++) {
		int j = l->from[k];
		int src = j == YOLO_INPUT ? b->m->in : b->t[j];
		int cj = j == YOLO_INPUT ? 3 : b->m->c[j];

		/* Written there already unless another Concat took it. */
		if (j == YOLO_INPUT || b->into[j] != i || b->at[j] != off)
			nn_copy(b->g, src, nn_slice(b->g, b->cat[i], 1, off,
			    cj));
		off += cj;
	}
	return b->cat[i];
}

static int
layer(struct builder *b, int i)
{
	const struct yolo_layer *l = &b->f->layers[i];
	struct yolo_model *m = b->m;
	int src = l->from[0];
	int x = src == YOLO_INPUT ? m->in : b->t[src];
	int c1 = src == YOLO_INPUT ? 3 : m->c[src];
	char p[96];

	switch (l->module) {
	case YOLO_CONV:
		snprintf(p, sizeof(p), "model.%d", i);
		return conv(b, p, x, c1, m->c[i], l->k, l->s, -1, b->dest[i]);
	case YOLO_C2F:
		return c2f(b, i, x, c1, m->c[i], repeats(b->s, l->repeats),
		    l->shortcut, b->dest[i]);
	case YOLO_SPPF:
		return sppf(b, i, x, c1, m->c[i], l->k, b->dest[i]);
	case YOLO_UPSAMPLE:
		return nn_upsample2x(b->g, x, b->dest[i]);
	case YOLO_CONCAT:
		return concat(b, i);
	case YOLO_DETECT:
		return detect(b, i);
	}
	return -1;
}

int
yolo_build(struct yolo_model *m, const struct yolo_family *f,
    const struct yolo_scale *s, int batch, int imgsz, enum nn_device dev,
    enum nn_dtype dt, char *err, size_t len)
{
	struct builder b;
	int i;

	memset(m, 0, sizeof(*m));
	m->in = m->out = -1;
	if (batch < 1) {
		snprintf(err, len, "yolo: batch %d (>= 1 expected)", batch);
		return -1;
	}
	if (imgsz < 32 || imgsz % 32 != 0) {
		snprintf(err, len, "yolo: imgsz %d (a multiple of 32 "
		    "expected)", imgsz);
		return -1;
	}
	m->batch = batch;
	m->gbatch = dev == NN_CPU ? 1 : batch;
	m->runs = batch / m->gbatch;
	m->imgsz = imgsz;
	m->nc = f->nc;
	m->reg_max = f->reg_max;
	if (plan(m, f, s, err, len) < 0)
		return -1;
	if ((m->g = nn_graph_new(dev, dt)) == NULL) {
		snprintf(err, len, "yolo: out of memory");
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.m = m;
	b.f = f;
	b.s = s;
	b.g = m->g;
	b.b = m->gbatch;
	m->in = nn_input(m->g, 4, V4(b.b, 3, imgsz, imgsz));
	concats(&b);
	for (i = 0; i < f->nlayers; i++)
		b.t[i] = layer(&b, i);
	if (nn_error(m->g) != NULL) {
		snprintf(err, len, "%s", nn_error(m->g));
		yolo_free(m);
		return -1;
	}
	return 0;
}

void
yolo_init_seeded(struct yolo_model *m, uint64_t seed)
{
	double scale = 1.0 / sqrt(1.0 + YOLO_BN_EPS);
	int i;

	nn_init_seeded(m->g, seed);
	/* A BN at identity still divides by sqrt(1 + eps) once folded. */
	for (i = 0; i < nn_weight_count(m->g); i++) {
		int t = nn_weight_at(m->g, i);
		const char *name = nn_name(m->g, t);
		size_t n = strlen(name);
		float *w = nn_weight_host(m->g, t);
		int64_t k;

		if (n < 12 || strcmp(name + n - 12, ".conv.weight") != 0)
			continue;
		for (k = 0; k < nn_numel(m->g, t); k++)
			w[k] = (float)(w[k] * scale);
	}
}

int
yolo_compile(struct yolo_model *m, int threads, char *err, size_t len)
{
	int n = nn_cpu_threads(threads), k;

	m->lane[0] = m->g;
	m->nlanes = 1;
	/* Several runs per batch only on the CPU (gbatch 1). */
	if (m->runs > 1 && n > 1) {
		m->nlanes = n < m->runs ? n : m->runs;
		if (m->nlanes > YOLO_MAXLANES)
			m->nlanes = YOLO_MAXLANES;
		for (k = 1; k < m->nlanes; k++)
			if ((m->lane[k] = nn_graph_clone(m->g)) == NULL) {
				snprintf(err, len, "yolo: out of memory for "
				    "lane %d of %d", k, m->nlanes);
				return -1;
			}
	}
	for (k = 0; k < m->nlanes; k++)
		if (nn_compile(m->lane[k], m->nlanes > 1 ? 1 : threads) < 0) {
			snprintf(err, len, "%s", nn_error(m->lane[k]));
			return -1;
		}
	return 0;
}

size_t
yolo_in_len(const struct yolo_model *m)
{
	return (size_t)m->batch * 3 * m->imgsz * m->imgsz;
}

size_t
yolo_out_len(const struct yolo_model *m)
{
	return (size_t)m->batch * (4 * m->reg_max + m->nc) * m->anchors;
}

/* One lane's share of a batch: images LANE, LANE + NLANES, ... */
struct lane_job {
	struct yolo_model	*m;
	int			 lane;
	const float		*x;
	float			*y;
	int			 rc;
};

static void *
lane_run(void *arg)
{
	struct lane_job *j = arg;
	struct yolo_model *m = j->m;
	struct nn_graph *g = m->lane[j->lane];
	size_t in = yolo_in_len(m) / (size_t)m->runs;
	size_t out = yolo_out_len(m) / (size_t)m->runs;
	int i;

	j->rc = 0;
	for (i = j->lane; i < m->runs && j->rc == 0; i += m->nlanes)
		if (nn_write(g, m->in, j->x + (size_t)i * in, in) < 0 ||
		    nn_run(g) < 0 ||
		    nn_read(g, m->out, j->y + (size_t)i * out, out) < 0)
			j->rc = -1;
	return NULL;
}

int
yolo_forward(struct yolo_model *m, const float *x, float *y, char *err,
    size_t len)
{
	struct lane_job job[YOLO_MAXLANES];
	pthread_t tid[YOLO_MAXLANES];
	int k, started = 1;

	for (k = 0; k < m->nlanes; k++) {
		job[k].m = m;
		job[k].lane = k;
		job[k].x = x;
		job[k].y = y;
	}
	/* Lane 0 in this thread, the others each in its own. */
	for (k = 1; k < m->nlanes; k++, started++)
		if (pthread_create(&tid[k], NULL, lane_run, &job[k]) != 0)
			break;
	/* A lane whose thread could not start runs here too. */
	for (k = started; k < m->nlanes; k++)
		lane_run(&job[k]);
	lane_run(&job[0]);
	for (k = 1; k < started; k++)
		pthread_join(tid[k], NULL);
	for (k = 0; k < m->nlanes; k++)
		if (job[k].rc < 0) {
			snprintf(err, len, "%s", nn_error(m->lane[k]));
			return -1;
		}
	return 0;
}

int64_t
yolo_params(const struct yolo_model *m)
{
	return nn_param_count(m->g) + m->reg_max;
}

double
yolo_flops(const struct yolo_model *m)
{
	return nn_flops(m->g) * m->runs;
}

void
yolo_free(struct yolo_model *m)
{
	int k;

	for (k = 1; k < m->nlanes; k++)
		nn_graph_free(m->lane[k]);
	m->nlanes = 0;
	nn_graph_free(m->g);
	m->g = NULL;
}
