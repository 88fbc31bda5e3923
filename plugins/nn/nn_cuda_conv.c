/*
** nn_cuda_conv.c - the CUDA backend's convolutions: cuDNN 9's graph API,
** conv_fprop with the bias add, SiLU (swish) and the shortcut add fused
** as pointwise ops, on the graph's own layout (NHWC where nn_graph.c
** chooses it), in fp16/bf16 with fp32 accumulation, fp32 (engines that
** use tensor cores on fp32 data passed over) and tf32.
**
** A plan is built once per shape (operation graph, heuristics mode A's
** list, then the fallback list), at compile, and shared by every conv of
** that shape; each conv binds its own pointers in a variant pack.  The
** workspace is the backend's one (cuBLASLt's, grown to the largest plan's
** need): ops run one after another on one stream.
**
** Where no engine takes the whole chain, the next rung is tried: in
** fp16/bf16 the convolution alone writing fp32, the bias, SiLU and
** shortcut in the backend's epilogue kernel reading it (a shortcut added
** to an already rounded SiLU output loses to cancellation: 2.5e-2 against
** 5.9e-3 on the yolo fixture); the shortcut out of cuDNN's graph; the
** convolution alone with the epilogue kernel; the same through dense
** copies of a strided input or output view.  fp16/bf16
** inputs whose channels are not a multiple of 8 (the image: 3) go through
** a zero-padded copy, and their weights are padded to match, so tensor
** cores take them.  The op's impl says which rung it runs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_cuda.h"
#include "nn_cuda_dnn.h"

enum { UID_X = 1, UID_W, UID_B, UID_R, UID_Y, UID_V0 = 10 };

/* The ladder, tried in this order. */
enum rung { RUNG_ALL, RUNG_CONV_F32, RUNG_NO_SHORTCUT, RUNG_CONV, RUNG_DENSE,
    RUNG_N };

#define FUSES_BIAS(r)	((r) == RUNG_ALL || (r) == RUNG_NO_SHORTCUT)
#define FUSES_ADD(r)	((r) == RUNG_ALL)

/* What makes two convs share a plan. */
struct cu_ckey {
	int	rung, dtype;
	int64_t	xd[4], xs[4], yd[4], ys[4], rs[4], kr, ks;
	int64_t	ax, ay, ar;
	int	stride, pad, bias, silu, shortcut;
};

/* A plan, shared by the convs of its shape. */
struct cu_cplan {
	struct cu_ckey	 key;
	struct cu_dgraph gr;
	struct cu_cplan	*next;
};

struct cu_conv {
	struct cu_cplan	*plan;
	struct cu_dgraph packs;		/* holds the variant pack */
	cudnnBackendDescriptor_t pack;
	void		*w;		/* weights, KRSC, channels padded */
	void		*x, *y, *bias, *r;	/* what cuDNN reads and writes */
	void		*xsrc, *ydst;	/* the op's own input and output */
	void		*xbuf, *ybuf;	/* padded or dense copies */
	int		 xcopy, ycopy;
	int		 f32out;	/* cuDNN writes fp32 into s->cf32 */
	struct nnk_walk	 xw, yw;
	/* The epilogue kernel's share. */
	int		 ebias, esilu, eshort;
	struct nnk_img	 yi, ri, fi;
	void		*eb, *er;
};

static int
fail(struct nn_graph *g, struct cu_state *s, const struct cu_conv_args *a)
{
	return nn_set_error(g, "nn: cuda: conv %s (%lld -> %lld channels, "
	    "%lldx%lld): no cuDNN plan at any rung: %s",
	    g->t[g->t[a->w].root].name != NULL ? g->t[g->t[a->w].root].name :
	    "?", (long long)g->t[a->x].dims[1], (long long)g->t[a->w].dims[0],
	    (long long)g->t[a->w].dims[2], (long long)g->t[a->w].dims[3],
	    s->dnn != NULL ? s->dnn->last : "cuDNN not opened");
}

/* Dense channels-last strides for DIMS [N, C, H, W]. */
static void
nhwc(const int64_t *d, int64_t *s)
{
	s[1] = 1;
	s[3] = d[1];
	s[2] = d[1] * d[3];
	s[0] = d[1] * d[3] * d[2];
}

static int
is_nhwc(const struct nn_tensor *t)
{
	int64_t s[4];

	nhwc(t->dims, s);
	return memcmp(s, t->strides, sizeof(s)) == 0;
}

/* The pointwise op MODE on IN (and B), into OUT. */
static int
pointwise(struct cu_state *s, struct cu_dgraph *gr,
    cudnnPointwiseMode_t mode, cudnnBackendDescriptor_t in,
    cudnnBackendDescriptor_t b, cudnnBackendDescriptor_t out,
    cudnnBackendDescriptor_t *op)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	cudnnDataType_t prec = CUDNN_DATA_FLOAT;
	cudnnBackendDescriptor_t pw;
	double beta = 1;	/* SiLU: x sigmoid(1 x), not left to a default */

	if (cu_dnn_make(s, gr, CUDNN_BACKEND_POINTWISE_DESCRIPTOR, &pw) !=
	    CUDNN_STATUS_SUCCESS ||
	    a->set(pw, CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1,
	    &mode) != CUDNN_STATUS_SUCCESS ||
	    a->set(pw, CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1,
	    &prec) != CUDNN_STATUS_SUCCESS ||
	    (mode == CUDNN_POINTWISE_SWISH_FWD && a->set(pw,
	    CUDNN_ATTR_POINTWISE_SWISH_BETA, CUDNN_TYPE_DOUBLE, 1, &beta) !=
	    CUDNN_STATUS_SUCCESS) ||
	    a->finalize(pw) != CUDNN_STATUS_SUCCESS)
		return cu_dnn_fail(s, "pointwise descriptor",
		    CUDNN_STATUS_BAD_PARAM);
	if (cu_dnn_make(s, gr, CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR,
	    op) != CUDNN_STATUS_SUCCESS ||
	    a->set(*op, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &pw) != CUDNN_STATUS_SUCCESS ||
	    a->set(*op, CUDNN_ATTR_OPERATION_POINTWISE_XDESC,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &in) != CUDNN_STATUS_SUCCESS ||
	    (b != NULL && a->set(*op, CUDNN_ATTR_OPERATION_POINTWISE_BDESC,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &b) != CUDNN_STATUS_SUCCESS) ||
	    a->set(*op, CUDNN_ATTR_OPERATION_POINTWISE_YDESC,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &out) != CUDNN_STATUS_SUCCESS ||
	    a->finalize(*op) != CUDNN_STATUS_SUCCESS)
		return cu_dnn_fail(s, "pointwise operation",
		    CUDNN_STATUS_BAD_PARAM);
	return 1;
}

/* The operation graph for K and its plan: 1, or 0 (why in dnn->last). */
static int
build(struct nn_graph *g, struct cu_state *s, const struct cu_ckey *k,
    struct cu_dgraph *gr)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	cudnnDataType_t dt = cu_dnn_type(g), f32 = CUDNN_DATA_FLOAT;
	cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
	cudnnBackendDescriptor_t x, w, y, b = NULL, r = NULL, cur, next;
	cudnnBackendDescriptor_t conv, ops[4];
	int64_t wd[4], ws[4], bd[4], bs[4], vs[4], two = 2;
	int64_t one2[2] = { 1, 1 }, st2[2], pad2[2], uid = UID_V0;
	int nops = 0, left, fb, fs, fr;
	float alpha = 1, beta = 0;

	fb = k->bias && FUSES_BIAS(k->rung);
	fs = k->silu && FUSES_BIAS(k->rung);
	fr = k->shortcut && FUSES_ADD(k->rung);
	left = fb + fs + fr;
	wd[0] = k->yd[1], wd[1] = k->xd[1], wd[2] = k->kr, wd[3] = k->ks;
	nhwc(wd, ws);
	bd[0] = 1, bd[1] = k->yd[1], bd[2] = bd[3] = 1;
	bs[0] = k->yd[1], bs[1] = 1, bs[2] = bs[3] = k->yd[1];
	nhwc(k->yd, vs);
	st2[0] = st2[1] = k->stride;
	pad2[0] = pad2[1] = k->pad;
	if (!cu_dnn_tensor(s, gr, UID_X, dt, 4, k->xd, k->xs, k->ax, 0, &x) ||
	    !cu_dnn_tensor(s, gr, UID_W, dt, 4, wd, ws, 16, 0, &w) ||
	    !cu_dnn_tensor(s, gr, UID_Y, k->rung == RUNG_CONV_F32 ? f32 : dt,
	    4, k->yd, k->ys, k->ay, 0, &y) ||
	    (fb && !cu_dnn_tensor(s, gr, UID_B, dt, 4, bd, bs, 16, 0, &b)) ||
	    (fr && !cu_dnn_tensor(s, gr, UID_R, dt, 4, k->yd, k->rs, k->ar, 0,
	    &r)))
		return 0;
	if (cu_dnn_make(s, gr, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, &conv) !=
	    CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE,
	    1, &f32) != CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_CONV_MODE,
	    CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode) != CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64,
	    1, &two) != CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2,
	    one2) != CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES,
	    CUDNN_TYPE_INT64, 2, st2) != CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64,
	    2, pad2) != CUDNN_STATUS_SUCCESS ||
	    a->set(conv, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS,
	    CUDNN_TYPE_INT64, 2, pad2) != CUDNN_STATUS_SUCCESS ||
	    a->finalize(conv) != CUDNN_STATUS_SUCCESS)
		return cu_dnn_fail(s, "convolution descriptor",
		    CUDNN_STATUS_BAD_PARAM);
	/* The product stays in fp32, virtual, through the pointwise ops. */
	if (left == 0)
		cur = y;
	else if (!cu_dnn_tensor(s, gr, uid++, f32, 4, k->yd, vs, 16,
	    CU_DT_VIRTUAL, &cur))
		return 0;
	if (cu_dnn_make(s, gr, CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
	    &ops[nops]) != CUDNN_STATUS_SUCCESS ||
	    a->set(ops[nops], CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x) != CUDNN_STATUS_SUCCESS ||
	    a->set(ops[nops], CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w) != CUDNN_STATUS_SUCCESS ||
	    a->set(ops[nops], CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cur) != CUDNN_STATUS_SUCCESS ||
	    a->set(ops[nops], CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv) != CUDNN_STATUS_SUCCESS ||
	    a->set(ops[nops], CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA,
	    CUDNN_TYPE_FLOAT, 1, &alpha) != CUDNN_STATUS_SUCCESS ||
	    a->set(ops[nops], CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA,
	    CUDNN_TYPE_FLOAT, 1, &beta) != CUDNN_STATUS_SUCCESS ||
	    a->finalize(ops[nops]) != CUDNN_STATUS_SUCCESS)
		return cu_dnn_fail(s, "convolution forward operation",
		    CUDNN_STATUS_BAD_PARAM);
	nops++;
	if (fb) {
		next = --left == 0 ? y : NULL;
		if (next == NULL && !cu_dnn_tensor(s, gr, uid++, f32, 4, k->yd,
		    vs, 16, CU_DT_VIRTUAL, &next))
			return 0;
		if (!pointwise(s, gr, CUDNN_POINTWISE_ADD, cur, b, next,
		    &ops[nops++]))
			return 0;
		cur = next;
	}
	if (fs) {
		next = --left == 0 ? y : NULL;
		if (next == NULL && !cu_dnn_tensor(s, gr, uid++, f32, 4, k->yd,
		    vs, 16, CU_DT_VIRTUAL, &next))
			return 0;
		if (!pointwise(s, gr, CUDNN_POINTWISE_SWISH_FWD, cur, NULL,
		    next, &ops[nops++]))
			return 0;
		cur = next;
	}
	if (fr && !pointwise(s, gr, CUDNN_POINTWISE_ADD, cur, r, y,
	    &ops[nops++]))
		return 0;
	return cu_dnn_plan(s, gr, ops, nops, g->dtype == NN_F32);
}

/* K's plan from the cache, or built and kept: NULL when none is made. */
static struct cu_cplan *
plan_for(struct nn_graph *g, struct cu_state *s, const struct cu_ckey *k)
{
	struct cu_cplan *p;

	for (p = s->cplans; p != NULL; p = p->next)
		if (memcmp(&p->key, k, sizeof(*k)) == 0)
			return p->gr.plan != NULL ? p : NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		nn_set_error(g, "nn: out of memory");
		return NULL;
	}
	p->key = *k;
	p->next = s->cplans;
	s->cplans = p;
	/* A shape no engine takes is remembered too: not asked twice. */
	if (!build(g, s, k, &p->gr)) {
		cu_dgraph_free(s, &p->gr);
		return NULL;
	}
	return p;
}

static void
img_of(const struct nn_tensor *t, struct nnk_img *m)
{
	memcpy(m->dims, t->dims, sizeof(m->dims));
	memcpy(m->s, t->strides, sizeof(m->s));
}

/* WALK copies DIMS from strides FROM into strides TO. */
static void
walk_of(struct nnk_walk *w, const int64_t *dims, const int64_t *from,
    const int64_t *to)
{
	memset(w, 0, sizeof(*w));
	w->ndim = 4;
	memcpy(w->dims, dims, 4 * sizeof(*dims));
	memcpy(w->sa, from, 4 * sizeof(*from));
	memcpy(w->so, to, 4 * sizeof(*to));
}

/* The weights [O, C, KH, KW] (host, fp32) as [O, KH, KW, CP] on the
** device, channels past C zero. */
static int
upload_krsc(struct nn_graph *g, struct cu_state *s, struct cu_conv *c,
    int w, int64_t cp)
{
	const int64_t *d = g->t[w].dims;
	const float *src = g->t[w].host;
	int64_t o, ch, i, hw = d[2] * d[3], n = d[0] * hw * cp;
	float *h;
	int rc;

	if (g->t[w].kind != NN_T_WEIGHT || !nn_is_dense(&g->t[w]))
		return nn_set_error(g, "nn: cuda: conv weights must be a "
		    "weight tensor of their own");
	if ((h = calloc((size_t)n, sizeof(*h))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	for (o = 0; o < d[0]; o++)
		for (ch = 0; ch < d[1]; ch++)
			for (i = 0; i < hw; i++)
				h[(o * hw + i) * cp + ch] =
				    src[(o * d[1] + ch) * hw + i];
	if (cudaMalloc(&c->w, (size_t)n * s->el) != cudaSuccess) {
		free(h);
		return nn_set_error(g, "nn: cuda: cudaMalloc (conv weights) "
		    "failed");
	}
	rc = cu_upload(g, s, c->w, h, (size_t)n);
	free(h);
	return rc;
}

int
cu_op_conv(struct nn_graph *g, struct cu_state *s,
    const struct cu_conv_args *a, struct cu_op *o)
{
	const struct nn_tensor *x = &g->t[a->x], *y = &g->t[a->y];
	const struct nn_tensor *w = &g->t[a->w];
	struct cu_conv *c;
	struct cu_ckey k;
	int64_t cp = x->dims[1], xd[4], xs[4], ys[4];
	int r, pad8, n, rung, alias;

	if ((r = cu_dnn_open(g, s)) <= 0)
		return r < 0 ? -1 : nn_set_error(g, "nn: cuda: conv needs "
		    "cuDNN: %s", s->dnn->last);
	if ((c = o->conv = calloc(1, sizeof(*c))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	pad8 = (g->dtype == NN_F16 || g->dtype == NN_BF16) && cp % 8 != 0;
	if (pad8)
		cp = (cp + 7) / 8 * 8;
	if (upload_krsc(g, s, c, a->w, cp) < 0)
		return -1;
	/*
	** The shortcut in the output's own place: cuDNN's product must not
	** land on it before it is added, so the output goes through a copy
	** (no fused add either: an engine reading and writing one buffer
	** is nowhere promised to work).
	*/
	alias = a->acc >= 0 && g->t[a->acc].root == g->t[a->y].root &&
	    g->t[a->acc].offset == g->t[a->y].offset;
	c->bias = a->b >= 0 ? cu_data_of(g, s, a->b) : NULL;
	c->r = a->acc >= 0 ? cu_data_of(g, s, a->acc) : NULL;
	for (k.rung = RUNG_ALL; k.rung < RUNG_N; k.rung++) {
		if ((k.rung == RUNG_ALL && alias) ||
		    (k.rung == RUNG_CONV_F32 && g->dtype != NN_F16 &&
		    g->dtype != NN_BF16) ||
		    (k.rung == RUNG_NO_SHORTCUT && a->acc < 0) ||
		    (k.rung == RUNG_CONV && a->b < 0 && !a->silu &&
		    a->acc < 0) ||
		    (k.rung == RUNG_DENSE && is_nhwc(x) && is_nhwc(y)))
			continue;
		rung = k.rung;
		/* Compared with memcmp: padding bytes zero too. */
		memset(&k, 0, sizeof(k));
		k.rung = rung;
		k.dtype = g->dtype;
		memcpy(xd, x->dims, sizeof(xd));
		xd[1] = cp;
		memcpy(k.xd, xd, sizeof(xd));
		memcpy(k.yd, y->dims, sizeof(k.yd));
		nhwc(xd, xs);
		nhwc(y->dims, ys);
		/* Padded or dense: the input through a buffer of its own. */
		c->xcopy = pad8 || (k.rung == RUNG_DENSE && !is_nhwc(x));
		c->f32out = k.rung == RUNG_CONV_F32;
		c->ycopy = !c->f32out && ((k.rung == RUNG_DENSE &&
		    !is_nhwc(y)) || alias);
		memcpy(k.xs, c->xcopy ? xs : x->strides, sizeof(k.xs));
		memcpy(k.ys, c->ycopy || c->f32out ? ys : y->strides,
		    sizeof(k.ys));
		if (a->acc >= 0)
			memcpy(k.rs, g->t[a->acc].strides, sizeof(k.rs));
		k.kr = w->dims[2];
		k.ks = w->dims[3];
		k.ax = c->xcopy ? 16 : cu_dnn_align(cu_data_of(g, s, a->x));
		k.ay = c->ycopy || c->f32out ? 16 :
		    cu_dnn_align(cu_data_of(g, s, a->y));
		k.ar = a->acc >= 0 ? cu_dnn_align(c->r) : 16;
		k.stride = a->stride;
		k.pad = a->pad;
		k.bias = a->b >= 0;
		k.silu = a->silu;
		k.shortcut = a->acc >= 0;
		if ((c->plan = plan_for(g, s, &k)) != NULL)
			break;
		if (nn_error(g) != NULL)
			return -1;
	}
	if (c->plan == NULL)
		return fail(g, s, a);
	if (c->xcopy) {
		CU(cudaMalloc(&c->xbuf, (size_t)(xd[0] * xd[1] * xd[2] *
		    xd[3]) * s->el), "cudaMalloc (conv input copy)");
		CU(cudaMemsetAsync(c->xbuf, 0, (size_t)(xd[0] * xd[1] * xd[2] *
		    xd[3]) * s->el, s->stream), "cudaMemsetAsync (conv input)");
		walk_of(&c->xw, x->dims, x->strides, xs);
	}
	if (c->ycopy) {
		CU(cudaMalloc(&c->ybuf, (size_t)nn_numel(g, a->y) * s->el),
		    "cudaMalloc (conv output copy)");
		walk_of(&c->yw, y->dims, ys, y->strides);
	}
	c->xsrc = cu_data_of(g, s, a->x);
	c->ydst = cu_data_of(g, s, a->y);
	c->x = c->xcopy ? c->xbuf : c->xsrc;
	c->y = c->ycopy ? c->ybuf : c->ydst;
	c->ebias = a->b >= 0 && !FUSES_BIAS(k.rung);
	c->esilu = a->silu && !FUSES_BIAS(k.rung);
	c->eshort = a->acc >= 0 && !FUSES_ADD(k.rung);
	c->eb = c->ebias ? c->bias : NULL;
	c->er = c->eshort ? c->r : NULL;
	img_of(y, &c->yi);
	if (c->ycopy)
		memcpy(c->yi.s, ys, sizeof(ys));
	if (a->acc >= 0)
		img_of(&g->t[a->acc], &c->ri);
	/* The fp32 product, dense, to the epilogue (which always runs). */
	memcpy(c->fi.dims, y->dims, sizeof(c->fi.dims));
	memcpy(c->fi.s, ys, sizeof(ys));
	n = snprintf(o->impl, sizeof(o->impl), "cudnn:conv%s%s%s%s (engine "
	    "%lld from %s)", FUSES_BIAS(k.rung) && a->b >= 0 ? "+bias" : "",
	    FUSES_BIAS(k.rung) && a->silu ? "+silu" : "",
	    FUSES_ADD(k.rung) && a->acc >= 0 ? "+add" : "",
	    c->f32out ? " to fp32" : "", (long long)c->plan->gr.engine,
	    c->plan->gr.mode);
	if (c->ebias || c->esilu || c->eshort || c->f32out)
		n += snprintf(o->impl + n, sizeof(o->impl) - n,
		    " + kernel:%s%s%s%s", c->ebias ? "bias" : "",
		    c->esilu ? "+silu" : "", c->eshort ? "+add" : "",
		    c->f32out ? " from fp32" : "");
	if (pad8)
		n += snprintf(o->impl + n, sizeof(o->impl) - n, ", input "
		    "padded to %lld channels", (long long)cp);
	if (k.rung == RUNG_DENSE)
		n += snprintf(o->impl + n, sizeof(o->impl) - n, ", through "
		    "dense copies");
	else if (c->ycopy)
		snprintf(o->impl + n, sizeof(o->impl) - n, ", output through "
		    "a copy (the shortcut is the output)");
	return 0;
}

int64_t
cu_conv_ws(const struct cu_op *o)
{
	return o->conv != NULL ? o->conv->plan->gr.ws : 0;
}

size_t
cu_conv_f32_bytes(const struct nn_graph *g, const struct cu_op *o, int op)
{
	return o->conv != NULL && o->conv->f32out ?
	    (size_t)nn_numel(g, g->op[op].out) * sizeof(float) : 0;
}

int
cu_conv_bind(struct nn_graph *g, struct cu_state *s, struct cu_op *o)
{
	struct cu_conv *c = o->conv;
	int64_t uids[5];
	void *ptrs[5];
	int n = 0;

	if (c->f32out)
		c->y = s->cf32;
	uids[n] = UID_X, ptrs[n++] = c->x;
	uids[n] = UID_W, ptrs[n++] = c->w;
	uids[n] = UID_Y, ptrs[n++] = c->y;
	if (c->plan->key.bias && FUSES_BIAS(c->plan->key.rung))
		uids[n] = UID_B, ptrs[n++] = c->bias;
	if (c->plan->key.shortcut && FUSES_ADD(c->plan->key.rung))
		uids[n] = UID_R, ptrs[n++] = c->r;
	if (!cu_dnn_pack(s, &c->packs, n, uids, ptrs, s->ws, &c->pack))
		return nn_set_error(g, "nn: cuda: conv: %s", s->dnn->last);
	return 0;
}

int
cu_run_conv(struct nn_graph *g, struct cu_state *s, const struct cu_conv *c)
{
	if (c->xcopy)
		CU(nnk_walk(s->kt, c->xsrc, NULL, c->xbuf, &c->xw, s->stream),
		    "the copy kernel (conv input)");
	if (cu_dnn_execute(g, s, c->plan->gr.plan, c->pack, "conv") < 0)
		return -1;
	if (c->f32out)
		CU(nnk_epilogue(s->kt, c->ydst, &c->yi, (const float *)c->y,
		    &c->fi, c->eb, c->esilu, c->er, &c->ri, s->stream),
		    "the conv epilogue kernel");
	else if (c->ebias || c->esilu || c->eshort)
		CU(nnk_epilogue(s->kt, c->y, &c->yi, NULL, NULL, c->eb,
		    c->esilu, c->er, &c->ri, s->stream),
		    "the conv epilogue kernel");
	if (c->ycopy)
		CU(nnk_walk(s->kt, c->ybuf, NULL, c->ydst, &c->yw, s->stream),
		    "the copy kernel (conv output)");
	return 0;
}

void
cu_conv_free(struct cu_state *s, struct cu_conv *c)
{
	if (c == NULL)
		return;
	if (s->dnn != NULL)
		cu_dgraph_free(s, &c->packs);
	if (c->w != NULL)
		(void)cudaFree(c->w);
	if (c->xbuf != NULL)
		(void)cudaFree(c->xbuf);
	if (c->ybuf != NULL)
		(void)cudaFree(c->ybuf);
	free(c);
}

void
cu_cplans_free(struct cu_state *s)
{
	struct cu_cplan *p, *next;

	for (p = s->cplans; p != NULL; p = next) {
		next = p->next;
		if (s->dnn != NULL)
			cu_dgraph_free(s, &p->gr);
		free(p);
	}
	s->cplans = NULL;
}
