/*
** model.c - braindecode 1.8's EEGPT encoder (models/eegpt.py:
** _EEGTransformer.forward) as an nn graph: patch embedding, channel
** embedding, summary tokens after the channel tokens, pre-LN blocks
** attending across channels within one time patch, final LayerNorm on
** the summary tokens; output (B, N, S, D).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define PREFIX "target_encoder."

void
eegpt_config_spec(struct eegpt_config *c)
{
	c->chans = 20;
	c->samples = 2048;
	c->patch = 64;
	c->stride = 64;
	c->dim = 512;
	c->depth = 8;
	c->heads = 8;
	c->mlp_ratio = 4.0;
	c->embed_num = 4;
	c->chan_table = 62;
	c->eps = 1e-6f;
}

static int
hidden(const struct eegpt_config *c)
{
	return (int)(c->dim * c->mlp_ratio);
}

/* braindecode's _PatchEmbed._configure_padding: zeros at the end so the
** last patch fits. */
static void
patches(const struct eegpt_config *c, int *n, int *padded)
{
	int rem = (c->samples - c->patch) % c->stride;

	*padded = c->samples + (rem != 0 ? c->stride - rem : 0);
	*n = (*padded - c->patch) / c->stride + 1;
}

double
eegpt_flops(const struct eegpt_config *c)
{
	double d = c->dim, h = hidden(c), l = c->chans + c->embed_num;
	int n, padded;

	patches(c, &n, &padded);
	return 2.0 * n * c->chans * c->patch * d +
	    (double)c->depth * n * (l * 2 * (4 * d * d + 2 * d * h) +
	    4 * l * l * d);
}

static int
check_config(const struct eegpt_config *c, char *err, size_t len)
{
	if (c->chans < 1 || c->samples < 1 || c->patch < 1 || c->stride < 1 ||
	    c->dim < 1 || c->depth < 0 || c->heads < 1 || c->embed_num < 1 ||
	    c->mlp_ratio <= 0 || !(c->eps > 0))
		snprintf(err, len, "eegpt: every size must be positive");
	else if (c->samples < c->patch)
		snprintf(err, len, "eegpt: samples %d is less than a patch "
		    "(%d)", c->samples, c->patch);
	else if (c->dim % c->heads != 0)
		snprintf(err, len, "eegpt: dim %d is not a multiple of heads "
		    "%d", c->dim, c->heads);
	else if (c->stride < c->patch && c->patch % c->stride != 0)
		snprintf(err, len, "eegpt: patch %d is not a multiple of "
		    "stride %d", c->patch, c->stride);
	else if (c->chan_table < c->chans)
		snprintf(err, len, "eegpt: channel table of %d rows for %d "
		    "channels", c->chan_table, c->chans);
	else
		return 0;
	return -1;
}

/* Block K's weight SUFFIX ("norm1.weight"), under braindecode's name. */
static int
weight(struct nn_graph *g, int k, const char *suffix, int ndim,
    const int64_t *dims, enum nn_role role, int64_t fan_in)
{
	char name[128];

	snprintf(name, sizeof(name), PREFIX "blocks.%d.%s", k, suffix);
	return nn_weight(g, name, ndim, dims, role, fan_in);
}

#define V1(a) (int64_t[]){ a }
#define V2(a, b) (int64_t[]){ a, b }

/*
** One pre-LN block on X, in place.  X holds the S sequences of L tokens
** token-major, (L, S, D): row-wise ops (LayerNorm, the linears) see one
** matrix, and attention sees the sequences through strides.
*/
static int
block(struct eegpt_model *m, int x, int k, int64_t s, int64_t l)
{
	const struct eegpt_config *c = &m->cfg;
	struct nn_graph *g = m->g;
	int64_t d = c->dim, hd = d / c->heads, hid = hidden(c);
	int64_t nh = c->heads;
	int n1w, n1b, qkvw, qkvb, pw, pb, n2w, n2b, f1w, f1b, f2w, f2b;
	int h, qkv, q, kt, v, sc, a, f;
	n1w = weight(g, k, "norm1.weight", 1, V1(d),
	    NN_ROLE_NORM_WEIGHT, 0);
	n1b = weight(g, k, "norm1.bias", 1, V1(d),
	    NN_ROLE_NORM_BIAS, 0);
	qkvw = weight(g, k, "attn.qkv.weight", 2, V2(3 * d, d),
	    NN_ROLE_WEIGHT, d);
	qkvb = weight(g, k, "attn.qkv.bias", 1, V1(3 * d),
	    NN_ROLE_BIAS, d);
	pw = weight(g, k, "attn.proj.weight", 2, V2(d, d),
	    NN_ROLE_WEIGHT, d);
	pb = weight(g, k, "attn.proj.bias", 1, V1(d), NN_ROLE_BIAS,
	    d);
	n2w = weight(g, k, "norm2.weight", 1, V1(d),
	    NN_ROLE_NORM_WEIGHT, 0);
	n2b = weight(g, k, "norm2.bias", 1, V1(d),
	    NN_ROLE_NORM_BIAS, 0);
	f1w = weight(g, k, "mlp.fc1.weight", 2, V2(hid, d),
	    NN_ROLE_WEIGHT, d);
	f1b = weight(g, k, "mlp.fc1.bias", 1, V1(hid), NN_ROLE_BIAS,
	    d);
	f2w = weight(g, k, "mlp.fc2.weight", 2, V2(d, hid),
	    NN_ROLE_WEIGHT, hid);
	f2b = weight(g, k, "mlp.fc2.bias", 1, V1(d), NN_ROLE_BIAS,
	    hid);

	h = nn_layernorm(g, x, n1w, n1b, c->eps);
	qkv = nn_linear(g, h, qkvw, qkvb, NN_ACT_NONE, -1);
	/* qkv's last axis is (3, heads, hd): the head split is strides. */
	q = nn_view(g, qkv, 4, (int64_t[]){ s, nh, l, hd },
	    (int64_t[]){ 3 * d, hd, s * 3 * d, 1 }, 0);
	kt = nn_view(g, qkv, 4, (int64_t[]){ s, nh, hd, l },
	    (int64_t[]){ 3 * d, hd, 1, s * 3 * d }, d);
	v = nn_view(g, qkv, 4, (int64_t[]){ s, nh, l, hd },
	    (int64_t[]){ 3 * d, hd, s * 3 * d, 1 }, 2 * d);
	sc = nn_matmul(g, q, kt, (float)(1.0 / sqrt((double)hd)), -1);
	nn_softmax(g, sc);
	a = nn_empty(g, 3, (int64_t[]){ l, s, d });
	nn_matmul(g, sc, v, 1.0f, nn_view(g, a, 4,
	    (int64_t[]){ s, nh, l, hd }, (int64_t[]){ d, hd, s * d, 1 }, 0));
	x = nn_linear(g, a, pw, pb, NN_ACT_NONE, x);
	h = nn_layernorm(g, x, n2w, n2b, c->eps);
	f = nn_linear(g, h, f1w, f1b, NN_ACT_GELU_ERF, -1);
	return nn_linear(g, f, f2w, f2b, NN_ACT_NONE, x);
}

/* Patches (C, B, N, P), channel-major like the tokens, from the input
** (B, C, T): one strided copy, or P/stride when patches overlap (a copy
** cannot read overlapping rows). */
static int
unfold(struct eegpt_model *m, int src)
{
	const struct eegpt_config *c = &m->cfg;
	int64_t b = m->batch, n = m->npatch, ch = c->chans, p = c->patch;
	int64_t t = m->padded, w = c->stride < p ? c->stride : p;
	int out = nn_empty(m->g, 4, (int64_t[]){ ch, b, n, p });
	int64_t j;

	for (j = 0; j < p; j += w)
		nn_copy(m->g, nn_view(m->g, src, 4,
		    (int64_t[]){ ch, b, n, w },
		    (int64_t[]){ t, ch * t, c->stride, 1 }, j),
		    nn_view(m->g, out, 4, (int64_t[]){ ch, b, n, w },
		    (int64_t[]){ b * n * p, n * p, p, 1 }, j));
	return out;
}

int
eegpt_build(struct eegpt_model *m, const struct eegpt_config *c, int batch,
    enum nn_device dev, enum nn_dtype dt, char *err, size_t len)
{
	int64_t b = batch, ch, d, s, l, bn;
	int src, pw, pb, tok, seq, summary, nw, nb, sel, k, x;

	memset(m, 0, sizeof(*m));
	m->in = m->out = m->pad = -1;
	if (check_config(c, err, len) < 0)
		return -1;
	if (batch < 1) {
		snprintf(err, len, "eegpt: batch %d (>= 1 expected)", batch);
		return -1;
	}
	m->cfg = *c;
	m->batch = batch;
	patches(c, &m->npatch, &m->padded);
	if ((m->g = nn_graph_new(dev, dt)) == NULL) {
		snprintf(err, len, "eegpt: out of memory");
		return -1;
	}
	ch = c->chans;
	d = c->dim;
	s = c->embed_num;
	l = ch + s;
	bn = b * m->npatch;

	m->chans_id = nn_weight(m->g, "chans_id", 1, V1(ch),
	    NN_ROLE_INDEX, 0);
	summary = nn_weight(m->g, PREFIX "summary_token", 3,
	    (int64_t[]){ 1, s, d }, NN_ROLE_EMBED, 0);
	pw = nn_weight(m->g, PREFIX "patch_embed.proj.weight", 4,
	    (int64_t[]){ d, 1, 1, c->patch }, NN_ROLE_WEIGHT, c->patch);
	pb = nn_weight(m->g, PREFIX "patch_embed.proj.bias", 1, V1(d),
	    NN_ROLE_BIAS, c->patch);
	m->chan_embed = nn_weight(m->g, PREFIX "chan_embed.weight", 2,
	    V2(c->chan_table, d), NN_ROLE_EMBED, 0);
	m->chan_rows = nn_weight(m->g, "(eegpt: channel embedding rows)", 3,
	    (int64_t[]){ ch, 1, d }, NN_ROLE_DERIVED, 0);

	m->in = nn_input(m->g, 3, (int64_t[]){ b, ch, c->samples });
	src = m->in;
	if (m->padded != c->samples) {
		/* Its tail is zeroed once, at compile; never reused. */
		m->pad = nn_empty(m->g, 3, (int64_t[]){ b, ch, m->padded });
		nn_output(m->g, m->pad);
		nn_copy(m->g, m->in, nn_view(m->g, m->pad, 3,
		    (int64_t[]){ b, ch, c->samples },
		    (int64_t[]){ ch * m->padded, m->padded, 1 }, 0));
		src = m->pad;
	}
	tok = nn_linear(m->g, unfold(m, src), pw, pb, NN_ACT_NONE, -1);
	/* The B*N sequences token-major: C channel tokens (each with its
	** channel's embedding), then S summary tokens, as braindecode
	** concatenates them. */
	seq = nn_empty(m->g, 3, (int64_t[]){ l, bn, d });
	nn_add(m->g, nn_view(m->g, tok, 3, (int64_t[]){ ch, bn, d },
	    (int64_t[]){ bn * d, d, 1 }, 0), m->chan_rows,
	    nn_view(m->g, seq, 3, (int64_t[]){ ch, bn, d },
	    (int64_t[]){ bn * d, d, 1 }, 0));
	nn_copy(m->g, nn_view(m->g, summary, 3, (int64_t[]){ s, bn, d },
	    (int64_t[]){ d, 0, 1 }, 0),
	    nn_view(m->g, seq, 3, (int64_t[]){ s, bn, d },
	    (int64_t[]){ bn * d, d, 1 }, ch * bn * d));
	x = seq;
	for (k = 0; k < c->depth; k++)
		x = block(m, x, k, bn, l);
	nw = nn_weight(m->g, PREFIX "norm.weight", 1, V1(d),
	    NN_ROLE_NORM_WEIGHT, 0);
	nb = nn_weight(m->g, PREFIX "norm.bias", 1, V1(d),
	    NN_ROLE_NORM_BIAS, 0);
	/* The summary tokens are the last S*B*N rows: normalised there,
	** then turned sequence-major, (B, N, S, D). */
	sel = nn_layernorm(m->g, nn_view(m->g, x, 2, (int64_t[]){ s * bn, d },
	    (int64_t[]){ d, 1 }, ch * bn * d), nw, nb, c->eps);
	m->out = nn_empty(m->g, 3, (int64_t[]){ bn, s, d });
	nn_copy(m->g, nn_view(m->g, sel, 3, (int64_t[]){ bn, s, d },
	    (int64_t[]){ d, bn * d, 1 }, 0), m->out);
	nn_output(m->g, m->out);
	if (nn_error(m->g) != NULL) {
		snprintf(err, len, "%s", nn_error(m->g));
		eegpt_free(m);
		return -1;
	}
	return 0;
}

int
eegpt_compile(struct eegpt_model *m, int threads, char *err, size_t len)
{
	const struct eegpt_config *c = &m->cfg;
	const float *ids = nn_weight_host(m->g, m->chans_id);
	const float *table = nn_weight_host(m->g, m->chan_embed);
	float *rows = nn_weight_host(m->g, m->chan_rows);
	int i;

	for (i = 0; i < c->chans; i++) {
		float id = ids[i];

		if (!(id >= 0 && id < c->chan_table) || id != floorf(id)) {
			snprintf(err, len, "eegpt: chans_id[%d] = %g (an "
			    "integer in [0, %d) expected)", i, id,
			    c->chan_table);
			return -1;
		}
		memcpy(rows + (size_t)i * c->dim, table + (size_t)id * c->dim,
		    c->dim * sizeof(float));
	}
	if (nn_compile(m->g, threads) < 0) {
		snprintf(err, len, "%s", nn_error(m->g));
		return -1;
	}
	if (m->pad >= 0) {
		size_t n = (size_t)nn_numel(m->g, m->pad);
		float *z = calloc(n, sizeof(*z));

		if (z == NULL || nn_write(m->g, m->pad, z, n) < 0) {
			free(z);
			snprintf(err, len, "eegpt: out of memory");
			return -1;
		}
		free(z);
	}
	return 0;
}

size_t
eegpt_in_len(const struct eegpt_model *m)
{
	return (size_t)m->batch * m->cfg.chans * m->cfg.samples;
}

size_t
eegpt_out_len(const struct eegpt_model *m)
{
	return (size_t)m->batch * m->npatch * m->cfg.embed_num * m->cfg.dim;
}

int
eegpt_forward(struct eegpt_model *m, const float *x, float *y, char *err,
    size_t len)
{
	if (nn_write(m->g, m->in, x, eegpt_in_len(m)) < 0 ||
	    nn_run(m->g) < 0 ||
	    nn_read(m->g, m->out, y, eegpt_out_len(m)) < 0) {
		snprintf(err, len, "%s", nn_error(m->g));
		return -1;
	}
	return 0;
}

void
eegpt_free(struct eegpt_model *m)
{
	nn_graph_free(m->g);
	m->g = NULL;
}
