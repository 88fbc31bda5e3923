/* nn_dnnl.c - the CPU backend: every op a oneDNN primitive, created once. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dnnl.h>

#include "nn_backend.h"

#define MAXARGS 8

struct dnnl_op {
	dnnl_primitive_t	 prim;
	dnnl_exec_arg_t		 args[MAXARGS];
	int			 nargs;
	char			*impl;
	/* Reorders run before and after it (image ops' operands moved
	** through the stage buffer), owned here. */
	struct dnnl_op		*pre[2];
	int			 npre;
	struct dnnl_op		*post;
	/* An image op on a batch runs image by image (oneDNN 2.6's brgemm
	** convolutions run 3-5x slower per image at N = 8 than at N = 1 on
	** this AVX-512 VM): an argument with a STEP moves by it per image. */
	int			 nimg;
	size_t			 step[MAXARGS];
	unsigned char		*base[MAXARGS];
};

struct dnnl_state {
	dnnl_engine_t		 engine;
	dnnl_stream_t		 stream;
	unsigned char		*arena;
	unsigned char		*scratch;
	size_t			 scratch_bytes;
	/* Dense channels-last copies of the image operands that are not
	** (channel slices): one op's at a time. */
	unsigned char		*stage;
	size_t			 stage_bytes;
	struct dnnl_op		*ops;
	int			 threads;	/* set per run; 0: default */
	/* Memory objects bound to the arena, weights and scratchpad, freed
	** at release; packed weights owned here. */
	int			 cur;		/* the op being built */
	dnnl_memory_t		*mems;
	int			 nmem, memcap;
	void			**owned;
	int			 nowned, ownedcap;
};

static int
fail(struct nn_graph *g, const char *what, dnnl_status_t s)
{
	const struct dnnl_state *st = g->be_state;

	return nn_set_error(g, "nn: op %d (%s): oneDNN %s failed (status %d)",
	    st->cur, nn_op_name(g, st->cur), what, (int)s);
}

/* A view oneDNN cannot describe (overlapping or negative strides). */
static int
bad_layout(struct nn_graph *g)
{
	return fail(g, "memory descriptor", dnnl_invalid_arguments);
}

static dnnl_data_type_t
act_type(const struct nn_graph *g)
{
	return g->dtype == NN_BF16 ? dnnl_bf16 : dnnl_f32;
}

/* T's memory descriptor: its dims and strides, or its channel blocks
** (image_block()), in the activations' type (weights are fp32 on the
** host). */
static dnnl_status_t
md_of(const struct nn_graph *g, int t, dnnl_memory_desc_t *md)
{
	const struct nn_tensor *x = &g->t[t];
	dnnl_dims_t dims, strides;
	dnnl_status_t st;
	int i;

	for (i = 0; i < x->ndim; i++) {
		dims[i] = x->dims[i];
		strides[i] = x->strides[i];
	}
	if (x->blk > 0) {
		/* A slice's images lie its root's image apart (oneDNN's jit
		** kernels take a single image only with its dense stride). */
		st = dnnl_memory_desc_init_by_tag(md, 4, dims, act_type(g),
		    dnnl_nChw16c);
		if (st == dnnl_success && x->dims[0] > 1)
			md->format_desc.blocking.strides[0] = x->strides[0];
		return st;
	}
	return dnnl_memory_desc_init_by_strides(md, x->ndim, dims,
	    g->t[x->root].kind == NN_T_WEIGHT ? dnnl_f32 : act_type(g),
	    strides);
}

/* The same, as a 2-D matrix: every axis but the last folded into rows
** (T must be dense). */
static dnnl_status_t
md_rows(const struct nn_graph *g, int t, dnnl_data_type_t dt,
    dnnl_memory_desc_t *md)
{
	const struct nn_tensor *x = &g->t[t];
	dnnl_dims_t dims = { 1, x->dims[x->ndim - 1] };
	int i;

	for (i = 0; i < x->ndim - 1; i++)
		dims[0] *= x->dims[i];
	return dnnl_memory_desc_init_by_tag(md, 2, dims, dt, dnnl_ab);
}

static void *
data_of(const struct nn_graph *g, const struct dnnl_state *s, int t)
{
	const struct nn_tensor *x = &g->t[t];
	const struct nn_tensor *r = &g->t[x->root];

	if (r->kind == NN_T_WEIGHT)
		return r->host + x->offset;
	return s->arena + r->arena_off + (size_t)x->offset *
	    nn_dtype_size(g->dtype);
}

static int
keep_mem(struct nn_graph *g, struct dnnl_state *s, dnnl_memory_t m)
{
	if (s->nmem == s->memcap) {
		int cap = s->memcap ? 2 * s->memcap : 128;
		dnnl_memory_t *n = realloc(s->mems, cap * sizeof(*n));

		if (n == NULL) {
			dnnl_memory_destroy(m);
			return nn_set_error(g, "nn: out of memory");
		}
		s->mems = n;
		s->memcap = cap;
	}
	s->mems[s->nmem++] = m;
	return 0;
}

static int
keep_buf(struct nn_graph *g, struct dnnl_state *s, void *p)
{
	if (s->nowned == s->ownedcap) {
		int cap = s->ownedcap ? 2 * s->ownedcap : 64;
		void **n = realloc(s->owned, cap * sizeof(*n));

		if (n == NULL) {
			free(p);
			return nn_set_error(g, "nn: out of memory");
		}
		s->owned = n;
		s->ownedcap = cap;
	}
	s->owned[s->nowned++] = p;
	return 0;
}

/* Bind argument ARG of O to MD at PTR. */
static int
bind(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o, int arg,
    const dnnl_memory_desc_t *md, void *ptr)
{
	dnnl_memory_t m;
	dnnl_status_t st;

	if ((st = dnnl_memory_create(&m, md, s->engine, ptr)) != dnnl_success)
		return fail(g, "memory_create", st);
	if (keep_mem(g, s, m) < 0)
		return -1;
	o->args[o->nargs].arg = arg;
	o->args[o->nargs].memory = m;
	o->nargs++;
	return 0;
}

static dnnl_primitive_attr_t
new_attr(void)
{
	dnnl_primitive_attr_t a;

	if (dnnl_primitive_attr_create(&a) != dnnl_success)
		return NULL;
	dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user);
	return a;
}

/* Create O's primitive from PD and remember the scratchpad it needs
** (one scratchpad, the largest, serves every primitive).  PD is kept for
** the caller when PDP is not NULL, else destroyed. */
static int
adopt_pd(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o,
    dnnl_primitive_desc_t pd, dnnl_primitive_desc_t *pdp)
{
	const dnnl_memory_desc_t *sp;
	const char *impl = NULL;
	dnnl_status_t st;
	size_t n;

	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
	o->impl = strdup(impl != NULL ? impl : "?");
	sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
	n = sp != NULL ? dnnl_memory_desc_get_size(sp) : 0;
	if (n > s->scratch_bytes)
		s->scratch_bytes = n;
	if ((st = dnnl_primitive_create(&o->prim, pd)) != dnnl_success) {
		dnnl_primitive_desc_destroy(pd);
		return fail(g, "primitive_create", st);
	}
	if (o->impl == NULL) {
		dnnl_primitive_desc_destroy(pd);
		return nn_set_error(g, "nn: out of memory");
	}
	if (pdp != NULL)
		*pdp = pd;
	else
		dnnl_primitive_desc_destroy(pd);
	return 0;
}

/* O's primitive from its descriptor, with ATTR (NULL: the default one,
** a user scratchpad); PDP as adopt_pd's. */
static int
make_prim(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o,
    const_dnnl_op_desc_t desc, const_dnnl_primitive_attr_t attr,
    dnnl_primitive_desc_t *pdp)
{
	dnnl_primitive_attr_t own = NULL;
	dnnl_primitive_desc_t pd;
	dnnl_status_t st;

	if (attr == NULL && (attr = own = new_attr()) == NULL)
		return nn_set_error(g, "nn: out of memory");
	st = dnnl_primitive_desc_create(&pd, desc, attr, s->engine, NULL);
	if (own != NULL)
		dnnl_primitive_attr_destroy(own);
	if (st != dnnl_success)
		return fail(g, "primitive_desc_create", st);
	return adopt_pd(g, s, o, pd, pdp);
}

/* Reorder SRC (fp32 at PTR) into the layout WANT; the new buffer is the
** backend's. */
static void *
pack(struct nn_graph *g, struct dnnl_state *s, const dnnl_memory_desc_t *src,
    void *ptr, const dnnl_memory_desc_t *want)
{
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t r;
	dnnl_memory_t ms, md;
	dnnl_exec_arg_t args[2];
	dnnl_status_t st;
	void *buf;

	if (posix_memalign(&buf, 64, dnnl_memory_desc_get_size(want)) != 0) {
		nn_set_error(g, "nn: out of memory for packed weights");
		return NULL;
	}
	if (keep_buf(g, s, buf) < 0)
		return NULL;
	st = dnnl_reorder_primitive_desc_create(&pd, src, s->engine, want,
	    s->engine, NULL);
	if (st != dnnl_success) {
		fail(g, "weight reorder", st);
		return NULL;
	}
	st = dnnl_primitive_create(&r, pd);
	dnnl_primitive_desc_destroy(pd);
	if (st != dnnl_success) {
		fail(g, "weight reorder", st);
		return NULL;
	}
	ms = md = NULL;
	st = dnnl_memory_create(&ms, src, s->engine, ptr);
	if (st == dnnl_success)
		st = dnnl_memory_create(&md, want, s->engine, buf);
	if (st == dnnl_success) {
		args[0].arg = DNNL_ARG_FROM;
		args[0].memory = ms;
		args[1].arg = DNNL_ARG_TO;
		args[1].memory = md;
		st = dnnl_primitive_execute(r, s->stream, 2, args);
		dnnl_stream_wait(s->stream);
	}
	if (ms != NULL)
		dnnl_memory_destroy(ms);
	if (md != NULL)
		dnnl_memory_destroy(md);
	dnnl_primitive_destroy(r);
	if (st != dnnl_success) {
		fail(g, "weight reorder", st);
		return NULL;
	}
	return buf;
}

static int
op_linear(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	const struct nn_tensor *w = &g->t[op->in[1]];
	int64_t k = nn_numel(g, op->in[1]) / w->dims[0];
	dnnl_memory_desc_t x, wsrc, wany, b, y;
	const dnnl_memory_desc_t *wpd;
	dnnl_dims_t wd = { k, w->dims[0] };
	dnnl_dims_t ws = { 1, k };
	dnnl_dims_t bd = { 1, w->dims[0] };
	dnnl_matmul_desc_t desc;
	dnnl_primitive_attr_t attr;
	dnnl_post_ops_t po = NULL;
	dnnl_primitive_desc_t pd;
	void *packed;
	int rc;

	if (md_rows(g, op->in[0], act_type(g), &x) != dnnl_success ||
	    md_rows(g, op->out, act_type(g), &y) != dnnl_success)
		return bad_layout(g);
	/* torch's [out, in] weight is the (in, out) matrix in "ba" order. */
	dnnl_memory_desc_init_by_strides(&wsrc, 2, wd, dnnl_f32, ws);
	dnnl_memory_desc_init_by_tag(&wany, 2, wd, act_type(g),
	    dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&b, 2, bd, dnnl_f32, dnnl_ab);
	if (dnnl_matmul_desc_init(&desc, &x, &wany, op->in[2] >= 0 ? &b : NULL,
	    &y) != dnnl_success)
		return fail(g, "matmul descriptor", dnnl_unimplemented);
	if ((attr = new_attr()) == NULL)
		return nn_set_error(g, "nn: out of memory");
	if (op->act != NN_ACT_NONE || op->accumulate) {
		dnnl_post_ops_create(&po);
		if (op->act == NN_ACT_GELU_ERF)
			dnnl_post_ops_append_eltwise(po, 1.0f,
			    dnnl_eltwise_gelu_erf, 0.0f, 0.0f);
		if (op->accumulate)
			dnnl_post_ops_append_sum(po, 1.0f);
		dnnl_primitive_attr_set_post_ops(attr, po);
	}
	rc = make_prim(g, s, o, &desc, attr, &pd);
	if (po != NULL)
		dnnl_post_ops_destroy(po);
	dnnl_primitive_attr_destroy(attr);
	if (rc < 0)
		return -1;
	wpd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	packed = pack(g, s, &wsrc, w->host, wpd);
	rc = packed == NULL ? -1 : 0;
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_SRC, &x, data_of(g, s, op->in[0]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_WEIGHTS, wpd, packed);
	if (rc == 0 && op->in[2] >= 0)
		rc = bind(g, s, o, DNNL_ARG_BIAS, &b, g->t[op->in[2]].host);
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_DST, &y, data_of(g, s, op->out));
	dnnl_primitive_desc_destroy(pd);
	return rc;
}

static int
op_matmul(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t a, b, c;
	dnnl_matmul_desc_t desc;
	dnnl_primitive_attr_t attr;
	int rc;

	if (md_of(g, op->in[0], &a) != dnnl_success ||
	    md_of(g, op->in[1], &b) != dnnl_success ||
	    md_of(g, op->out, &c) != dnnl_success)
		return bad_layout(g);
	if (dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c) != dnnl_success)
		return nn_set_error(g, "nn: matmul: layout not supported");
	if ((attr = new_attr()) == NULL)
		return nn_set_error(g, "nn: out of memory");
	if (op->f != 1.0f)
		dnnl_primitive_attr_set_output_scales(attr, 1, 0, &op->f);
	rc = make_prim(g, s, o, &desc, attr, NULL);
	dnnl_primitive_attr_destroy(attr);
	if (rc < 0)
		return -1;
	rc = bind(g, s, o, DNNL_ARG_SRC, &a, data_of(g, s, op->in[0]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_WEIGHTS, &b,
		    data_of(g, s, op->in[1]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_DST, &c, data_of(g, s, op->out));
	return rc;
}

static int
op_softmax(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t x;
	dnnl_softmax_v2_desc_t desc;
	int rc;

	if (md_of(g, op->in[0], &x) != dnnl_success)
		return bad_layout(g);
	if (dnnl_softmax_v2_forward_desc_init(&desc, dnnl_forward_inference,
	    dnnl_softmax_accurate, &x, &x, x.ndims - 1) != dnnl_success)
		return nn_set_error(g, "nn: softmax: not supported");
	if (make_prim(g, s, o, &desc, NULL, NULL) < 0)
		return -1;
	rc = bind(g, s, o, DNNL_ARG_SRC, &x, data_of(g, s, op->in[0]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_DST, &x, data_of(g, s, op->out));
	return rc;
}

static int
op_layernorm(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t x, y, p;
	dnnl_dims_t pd1 = { nn_numel(g, op->in[1]) };
	dnnl_layer_normalization_desc_t desc;
	int rc;

	if (md_rows(g, op->in[0], act_type(g), &x) != dnnl_success ||
	    md_rows(g, op->out, act_type(g), &y) != dnnl_success)
		return bad_layout(g);
	dnnl_memory_desc_init_by_tag(&p, 1, pd1, dnnl_f32, dnnl_a);
	if (dnnl_layer_normalization_forward_desc_init(&desc,
	    dnnl_forward_inference, &x, NULL, op->f,
	    dnnl_use_scale | dnnl_use_shift) != dnnl_success)
		return nn_set_error(g, "nn: layernorm: not supported");
	if (make_prim(g, s, o, &desc, NULL, NULL) < 0)
		return -1;
	rc = bind(g, s, o, DNNL_ARG_SRC, &x, data_of(g, s, op->in[0]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_SCALE, &p, g->t[op->in[1]].host);
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_SHIFT, &p, g->t[op->in[2]].host);
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_DST, &y, data_of(g, s, op->out));
	return rc;
}

static int
op_gelu(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t x;
	dnnl_eltwise_desc_t desc;
	int rc;

	if (md_of(g, op->in[0], &x) != dnnl_success)
		return bad_layout(g);
	if (dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference,
	    dnnl_eltwise_gelu_erf, &x, 0.0f, 0.0f) != dnnl_success)
		return nn_set_error(g, "nn: gelu: not supported");
	if (make_prim(g, s, o, &desc, NULL, NULL) < 0)
		return -1;
	rc = bind(g, s, o, DNNL_ARG_SRC, &x, data_of(g, s, op->in[0]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_DST, &x, data_of(g, s, op->out));
	return rc;
}

static int
op_add(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t a, b, c;
	dnnl_binary_desc_t desc;
	int rc;

	if (md_of(g, op->in[0], &a) != dnnl_success ||
	    md_of(g, op->in[1], &b) != dnnl_success ||
	    md_of(g, op->out, &c) != dnnl_success)
		return bad_layout(g);
	if (dnnl_binary_desc_init(&desc, dnnl_binary_add, &a, &b, &c) !=
	    dnnl_success)
		return nn_set_error(g, "nn: add: not supported");
	if (make_prim(g, s, o, &desc, NULL, NULL) < 0)
		return -1;
	rc = bind(g, s, o, DNNL_ARG_SRC_0, &a, data_of(g, s, op->in[0]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_SRC_1, &b, data_of(g, s, op->in[1]));
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_DST, &c, data_of(g, s, op->out));
	return rc;
}

/* O: a reorder from A at PA to C at PC. */
static int
make_reorder(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o,
    const dnnl_memory_desc_t *a, void *pa, const dnnl_memory_desc_t *c,
    void *pc)
{
	dnnl_primitive_attr_t attr;
	dnnl_primitive_desc_t pd;
	dnnl_status_t st;
	int rc;

	if ((attr = new_attr()) == NULL)
		return nn_set_error(g, "nn: out of memory");
	st = dnnl_reorder_primitive_desc_create(&pd, a, s->engine, c,
	    s->engine, attr);
	dnnl_primitive_attr_destroy(attr);
	if (st != dnnl_success)
		return fail(g, "reorder", st);
	if (adopt_pd(g, s, o, pd, NULL) < 0)
		return -1;
	rc = bind(g, s, o, DNNL_ARG_FROM, a, pa);
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_TO, c, pc);
	return rc;
}

static int
op_copy(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t a, c;

	if (md_of(g, op->in[0], &a) != dnnl_success ||
	    md_of(g, op->out, &c) != dnnl_success)
		return bad_layout(g);
	return make_reorder(g, s, o, &a, data_of(g, s, op->in[0]), &c,
	    data_of(g, s, op->out));
}

/*
** Images.  An image op runs in one layout: blocked nChw16c when one of
** its operands is stored so (image_block()), else channels-last (oneDNN
** 2.6 runs its brgemm convolutions, and AMX ones for bf16, only on dense
** NHWC: a channel slice there has the whole tensor's pixel stride and
** sends every convolution to ref:any).  An operand not dense in that
** layout moves through the stage buffer: a reorder before the op (an
** input) or after it (the output).  A blocked slice is always dense.
*/
static int
is_nhwc(const struct nn_tensor *t)
{
	return t->ndim == 4 && t->strides[1] == 1 &&
	    t->strides[3] == t->dims[1] &&
	    t->strides[2] == t->dims[3] * t->dims[1] &&
	    (t->dims[0] == 1 || t->strides[0] == t->dims[2] * t->strides[2]);
}

/* The channel block OP runs in, 0 for channels-last. */
static int
op_blk(const struct nn_graph *g, const struct nn_op *op)
{
	return g->t[op->out].blk > 0 ? g->t[op->out].blk :
	    g->t[op->in[0]].blk;
}

/* Whether T is dense in layout BLK (per image: slices included). */
static int
native(const struct nn_tensor *t, int blk)
{
	return blk > 0 ? t->blk == blk : is_nhwc(t);
}

/* Whether A and B share elements: two slices of one buffer dense per
** image (native()) overlap when their spans in an image do. */
static int
overlaps(const struct nn_graph *g, int a, int b)
{
	const struct nn_tensor *x = &g->t[a], *y = &g->t[b];

	return x->root == y->root &&
	    x->offset < y->offset + nn_numel(g, b) / y->dims[0] &&
	    y->offset < x->offset + nn_numel(g, a) / x->dims[0];
}

/* A stage slot for T in either layout (channels padded to a block). */
static size_t
stage_size(const struct nn_graph *g, int t)
{
	const struct nn_tensor *x = &g->t[t];

	return (size_t)(nn_numel(g, t) / x->dims[1] * ((x->dims[1] + 15) /
	    16 * 16)) * nn_dtype_size(g->dtype);
}

static size_t
align64(size_t n)
{
	return (n + 63) / 64 * 64;
}

/* The stage buffer one op needs (its input and output slots). */
static size_t
stage_need(const struct nn_graph *g, const struct nn_op *op)
{
	size_t n = 0;
	int blk;

	if (!nn_op_image(op))
		return 0;
	blk = op_blk(g, op);
	if (!native(&g->t[op->in[0]], blk))
		n += align64(stage_size(g, op->in[0]));
	if (!native(&g->t[op->out], blk))
		n += align64(stage_size(g, op->out));
	if (op->acc >= 0)	/* the binary-add form's shortcut */
		n += align64(stage_size(g, op->out));
	return n;
}

static struct dnnl_op *
sub_op(struct nn_graph *g, struct dnnl_op *o, int after)
{
	struct dnnl_op *n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		nn_set_error(g, "nn: out of memory");
		return NULL;
	}
	if (after)
		o->post = n;
	else
		o->pre[o->npre++] = n;
	return n;
}

/* T's descriptor in layout BLK when it is native() there. */
static dnnl_status_t
md_native(const struct nn_graph *g, int t, int blk, dnnl_memory_desc_t *md)
{
	const struct nn_tensor *x = &g->t[t];
	dnnl_dims_t dims = { x->dims[0], x->dims[1], x->dims[2], x->dims[3] };

	if (blk > 0)
		return md_of(g, t, md);
	return dnnl_memory_desc_init_by_tag(md, 4, dims, act_type(g),
	    dnnl_nhwc);
}

/* T as a dense MD in layout BLK: T's memory, or a stage slot at *OFF
** that a reorder fills from T (IN) or empties into T. */
static void *
staged(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o, int t,
    int in, int blk, size_t *off, dnnl_memory_desc_t *md)
{
	const struct nn_tensor *x = &g->t[t];
	dnnl_dims_t dims = { x->dims[0], x->dims[1], x->dims[2], x->dims[3] };
	dnnl_memory_desc_t tm;
	struct dnnl_op *r;
	void *p;

	if (native(x, blk)) {
		if (md_native(g, t, blk, md) != dnnl_success) {
			bad_layout(g);
			return NULL;
		}
		return data_of(g, s, t);
	}
	dnnl_memory_desc_init_by_tag(md, 4, dims, act_type(g), blk > 0 ?
	    dnnl_nChw16c : dnnl_nhwc);
	p = s->stage + *off;
	*off += align64(stage_size(g, t));
	if (md_of(g, t, &tm) != dnnl_success) {
		bad_layout(g);
		return NULL;
	}
	if ((r = sub_op(g, o, !in)) == NULL)
		return NULL;
	if ((in ? make_reorder(g, s, r, &tm, data_of(g, s, t), md, p) :
	    make_reorder(g, s, r, md, p, &tm, data_of(g, s, t))) < 0)
		return NULL;
	return p;
}

/* A convolution's descriptor with OP's post-ops: the activation, then
** the shortcut as a sum (BINARY 0) or as a binary add of Y (1). */
static dnnl_status_t
conv_pd(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    const dnnl_convolution_desc_t *desc, const dnnl_memory_desc_t *y,
    int binary, dnnl_primitive_desc_t *pd)
{
	dnnl_primitive_attr_t attr;
	dnnl_post_ops_t po = NULL;
	dnnl_status_t st;

	(void)g;
	if ((attr = new_attr()) == NULL)
		return dnnl_out_of_memory;
	if (op->act != NN_ACT_NONE || op->acc >= 0) {
		dnnl_post_ops_create(&po);
		if (op->act == NN_ACT_SILU)
			dnnl_post_ops_append_eltwise(po, 1.0f,
			    dnnl_eltwise_swish, 1.0f, 0.0f);
		else if (op->act == NN_ACT_GELU_ERF)
			dnnl_post_ops_append_eltwise(po, 1.0f,
			    dnnl_eltwise_gelu_erf, 0.0f, 0.0f);
		if (op->acc >= 0 && binary)
			dnnl_post_ops_append_binary(po, dnnl_binary_add, y);
		else if (op->acc >= 0)
			dnnl_post_ops_append_sum(po, 1.0f);
		dnnl_primitive_attr_set_post_ops(attr, po);
	}
	st = dnnl_primitive_desc_create(pd, desc, attr, s->engine, NULL);
	if (po != NULL)
		dnnl_post_ops_destroy(po);
	dnnl_primitive_attr_destroy(attr);
	return st;
}

static int
is_ref(dnnl_primitive_desc_t pd)
{
	const char *impl = NULL;

	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
	return impl == NULL || strncmp(impl, "ref:", 4) == 0;
}

/*
** The convolution of OP from X1 to Y1 (one image each when run image by
** image).  The shortcut goes in as a sum post-op (the output holds it
** first), the only form brgemm takes; oneDNN 2.6 has no other jit
** convolution with an eltwise then a sum (blocked, below AVX-512, under
** valgrind), but has one with an eltwise then a binary add: that form
** is taken there (*BINARY set).
*/
static dnnl_status_t
conv_make(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    const dnnl_memory_desc_t *x1, const dnnl_memory_desc_t *y1,
    dnnl_primitive_desc_t *pd, int *binary)
{
	const struct nn_tensor *w = &g->t[op->in[1]];
	dnnl_dims_t wd = { w->dims[0], w->dims[1], w->dims[2], w->dims[3] };
	dnnl_dims_t bd = { w->dims[0] };
	dnnl_dims_t st = { op->stride, op->stride }, pad = { op->pad, op->pad };
	dnnl_memory_desc_t wany, b;
	dnnl_convolution_desc_t desc;
	dnnl_primitive_desc_t alt;
	dnnl_status_t ds;

	*binary = 0;
	dnnl_memory_desc_init_by_tag(&wany, 4, wd, act_type(g),
	    dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&b, 1, bd, dnnl_f32, dnnl_a);
	if (dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference,
	    dnnl_convolution_direct, x1, &wany, op->in[2] >= 0 ? &b : NULL, y1,
	    st, pad, pad) != dnnl_success)
		return dnnl_unimplemented;
	if ((ds = conv_pd(g, s, op, &desc, y1, 0, pd)) != dnnl_success)
		return ds;
	if (op->acc >= 0 && is_ref(*pd) &&
	    conv_pd(g, s, op, &desc, y1, 1, &alt) == dnnl_success) {
		if (is_ref(alt))
			dnnl_primitive_desc_destroy(alt);
		else {
			dnnl_primitive_desc_destroy(*pd);
			*pd = alt;
			*binary = 1;
		}
	}
	return dnnl_success;
}

/* FULL's one image, for an op run image by image (O->nimg > 1). */
static const dnnl_memory_desc_t *
one_image(const struct dnnl_op *o, const dnnl_memory_desc_t *full,
    dnnl_memory_desc_t *one)
{
	if (o->nimg <= 1)
		return full;
	/* Dense, as oneDNN's jit kernels want to see one image: a slice's
	** image stride is its root's, unused when N = 1. */
	*one = *full;
	one->dims[0] = one->padded_dims[0] = 1;
	one->format_desc.blocking.strides[0] = full->padded_dims[1] *
	    full->padded_dims[2] * full->padded_dims[3];
	return one;
}

/* Bind ARG to image 0 (MD) of a batch laid out as FULL at PTR. */
static int
bind_img(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o,
    int arg, const dnnl_memory_desc_t *md, const dnnl_memory_desc_t *full,
    void *ptr)
{
	if (bind(g, s, o, arg, md, ptr) < 0)
		return -1;
	if (o->nimg > 1) {
		o->step[o->nargs - 1] = (size_t)full->format_desc.blocking.
		    strides[0] * nn_dtype_size(g->dtype);
		o->base[o->nargs - 1] = ptr;
	}
	return 0;
}

/*
** The convolution's input: in layout BLK, or, where the op runs blocked
** and the input is not (the network's 3-channel image, [N, C, H, W]),
** as it is when oneDNN has a jit convolution for that (it has for few
** channels), else staged.  Its descriptor is *X, the chosen primitive's
** *PD.
*/
static void *
conv_src(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o,
    const struct nn_op *op, int blk, size_t *off, dnnl_memory_desc_t *x,
    const dnnl_memory_desc_t *y1, dnnl_primitive_desc_t *pd, int *binary)
{
	dnnl_memory_desc_t x1s;
	dnnl_status_t ds;
	void *px;

	if (blk > 0 && !native(&g->t[op->in[0]], blk) &&
	    md_of(g, op->in[0], x) == dnnl_success) {
		if (conv_make(g, s, op, one_image(o, x, &x1s), y1, pd,
		    binary) == dnnl_success) {
			if (!is_ref(*pd))
				return data_of(g, s, op->in[0]);
			dnnl_primitive_desc_destroy(*pd);
		}
	}
	if ((px = staged(g, s, o, op->in[0], 1, blk, off, x)) == NULL)
		return NULL;
	if ((ds = conv_make(g, s, op, one_image(o, x, &x1s), y1, pd,
	    binary)) != dnnl_success) {
		fail(g, "convolution", ds);
		return NULL;
	}
	return px;
}

static int
op_conv(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	const struct nn_tensor *w = &g->t[op->in[1]];
	dnnl_memory_desc_t x, y, x1s, y1s, a1s, wsrc, b, am;
	const dnnl_memory_desc_t *wpd, *x1, *y1, *a1;
	dnnl_dims_t wd = { w->dims[0], w->dims[1], w->dims[2], w->dims[3] };
	dnnl_dims_t bd = { w->dims[0] };
	dnnl_primitive_desc_t pd;
	struct dnnl_op *r;
	size_t off = 0;
	void *px, *py, *pa = NULL, *packed;
	int rc, binary = 0, blk = op_blk(g, op);

	o->nimg = (int)g->t[op->in[0]].dims[0];
	if ((py = staged(g, s, o, op->out, 0, blk, &off, &y)) == NULL)
		return -1;
	y1 = one_image(o, &y, &y1s);
	if ((px = conv_src(g, s, o, op, blk, &off, &x, y1, &pd, &binary)) ==
	    NULL)
		return -1;
	x1 = one_image(o, &x, &x1s);
	if (adopt_pd(g, s, o, pd, &pd) < 0)
		return -1;
	rc = 0;
	am = y;
	if (op->acc >= 0 && binary && native(&g->t[op->acc], blk) &&
	    !overlaps(g, op->acc, op->out)) {
		/* The binary add reads the shortcut where it is. */
		pa = data_of(g, s, op->acc);
		if (md_native(g, op->acc, blk, &am) != dnnl_success)
			rc = bad_layout(g);
	} else if (op->acc >= 0 && (binary || op->acc != op->out ||
	    py != data_of(g, s, op->out))) {
		dnnl_memory_desc_t tm;

		pa = binary ? s->stage + off : py;
		if (md_of(g, op->acc, &tm) != dnnl_success)
			rc = bad_layout(g);
		else if ((r = sub_op(g, o, 0)) == NULL || make_reorder(g, s, r,
		    &tm, data_of(g, s, op->acc), &y, pa) < 0)
			rc = -1;
	}
	a1 = one_image(o, &am, &a1s);
	dnnl_memory_desc_init_by_tag(&wsrc, 4, wd, dnnl_f32, dnnl_oihw);
	dnnl_memory_desc_init_by_tag(&b, 1, bd, dnnl_f32, dnnl_a);
	wpd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	packed = rc == 0 ? pack(g, s, &wsrc, w->host, wpd) : NULL;
	rc = packed == NULL ? -1 : 0;
	if (rc == 0)
		rc = bind_img(g, s, o, DNNL_ARG_SRC, x1, &x, px);
	if (rc == 0)
		rc = bind(g, s, o, DNNL_ARG_WEIGHTS, wpd, packed);
	if (rc == 0 && op->in[2] >= 0)
		rc = bind(g, s, o, DNNL_ARG_BIAS, &b, g->t[op->in[2]].host);
	if (rc == 0)
		rc = bind_img(g, s, o, DNNL_ARG_DST, y1, &y, py);
	if (rc == 0 && binary)
		rc = bind_img(g, s, o, DNNL_ARG_ATTR_MULTIPLE_POST_OP(op->act !=
		    NN_ACT_NONE) | DNNL_ARG_SRC_1, a1, &am, pa);
	dnnl_primitive_desc_destroy(pd);
	return rc;
}

static int
op_maxpool(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t x, y, x1s, y1s;
	const dnnl_memory_desc_t *x1, *y1;
	dnnl_dims_t st = { op->stride, op->stride }, k = { op->k, op->k };
	dnnl_dims_t pad = { op->pad, op->pad };
	dnnl_pooling_desc_t desc;
	size_t off = 0;
	void *px, *py;
	int rc, blk = op_blk(g, op);

	o->nimg = (int)g->t[op->in[0]].dims[0];
	if ((px = staged(g, s, o, op->in[0], 1, blk, &off, &x)) == NULL ||
	    (py = staged(g, s, o, op->out, 0, blk, &off, &y)) == NULL)
		return -1;
	x1 = one_image(o, &x, &x1s);
	y1 = one_image(o, &y, &y1s);
	/* pooling_max never takes a padded element. */
	if (dnnl_pooling_forward_desc_init(&desc, dnnl_forward_inference,
	    dnnl_pooling_max, x1, y1, st, k, pad, pad) != dnnl_success)
		return fail(g, "pooling descriptor", dnnl_unimplemented);
	if (make_prim(g, s, o, &desc, NULL, NULL) < 0)
		return -1;
	rc = bind_img(g, s, o, DNNL_ARG_SRC, x1, &x, px);
	if (rc == 0)
		rc = bind_img(g, s, o, DNNL_ARG_DST, y1, &y, py);
	return rc;
}

static int
op_upsample(struct nn_graph *g, struct dnnl_state *s, const struct nn_op *op,
    struct dnnl_op *o)
{
	dnnl_memory_desc_t x, y, x1s, y1s;
	const dnnl_memory_desc_t *x1, *y1;
	dnnl_resampling_desc_t desc;
	size_t off = 0;
	void *px, *py;
	int rc, blk = op_blk(g, op);

	o->nimg = (int)g->t[op->in[0]].dims[0];
	if ((px = staged(g, s, o, op->in[0], 1, blk, &off, &x)) == NULL ||
	    (py = staged(g, s, o, op->out, 0, blk, &off, &y)) == NULL)
		return -1;
	x1 = one_image(o, &x, &x1s);
	y1 = one_image(o, &y, &y1s);
	/* Factor 2: output pixel o reads input o / 2, as torch's nearest. */
	if (dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference,
	    dnnl_resampling_nearest, NULL, x1, y1) != dnnl_success)
		return fail(g, "resampling descriptor", dnnl_unimplemented);
	if (make_prim(g, s, o, &desc, NULL, NULL) < 0)
		return -1;
	rc = bind_img(g, s, o, DNNL_ARG_SRC, x1, &x, px);
	if (rc == 0)
		rc = bind_img(g, s, o, DNNL_ARG_DST, y1, &y, py);
	return rc;
}

static void dnnl_release(struct nn_graph *);

/* An op that moves an operand through the stage buffer says so in its
** implementation ("brgconv:avx512_core+copy"): the kernels artifact
** and the tests see where a layout costs copies. */
static int
mark_copies(struct nn_graph *g, struct dnnl_op *o)
{
	char *n;

	if (o->npre == 0 && o->post == NULL)
		return 0;
	if ((n = malloc(strlen(o->impl) + sizeof("+copy"))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	strcpy(n, o->impl);
	strcat(n, "+copy");
	free(o->impl);
	o->impl = n;
	return 0;
}

static int
add_scratch(struct nn_graph *g, struct dnnl_state *s, struct dnnl_op *o,
    const dnnl_memory_desc_t *sp)
{
	dnnl_memory_t m;

	if (dnnl_memory_create(&m, sp, s->engine, s->scratch) !=
	    dnnl_success || keep_mem(g, s, m) < 0)
		return -1;
	o->args[o->nargs].arg = DNNL_ARG_SCRATCHPAD;
	o->args[o->nargs].memory = m;
	o->nargs++;
	return 0;
}

static dnnl_status_t
exec(struct dnnl_state *s, const struct dnnl_op *o)
{
	dnnl_status_t st = dnnl_success;
	int i, k;

	if (o->nimg <= 1)
		return dnnl_primitive_execute(o->prim, s->stream, o->nargs,
		    o->args);
	for (i = 0; i < o->nimg && st == dnnl_success; i++) {
		for (k = 0; k < o->nargs; k++)
			if (o->step[k] != 0)
				dnnl_memory_set_data_handle(o->args[k].memory,
				    o->base[k] + (size_t)i * o->step[k]);
		st = dnnl_primitive_execute(o->prim, s->stream, o->nargs,
		    o->args);
	}
	return st;
}

static int
dnnl_compile(struct nn_graph *g, int threads)
{
	static int (*const make[])(struct nn_graph *, struct dnnl_state *,
	    const struct nn_op *, struct dnnl_op *) = {
		[NN_OP_LINEAR] = op_linear, [NN_OP_MATMUL] = op_matmul,
		[NN_OP_SOFTMAX] = op_softmax, [NN_OP_LAYERNORM] = op_layernorm,
		[NN_OP_GELU] = op_gelu, [NN_OP_ADD] = op_add,
		[NN_OP_COPY] = op_copy, [NN_OP_CONV] = op_conv,
		[NN_OP_MAXPOOL] = op_maxpool, [NN_OP_UPSAMPLE] = op_upsample
	};
	struct dnnl_state *s;
	dnnl_memory_desc_t sp;
	dnnl_dims_t sd;
	int i, k;

	if (threads > 0)
		omp_set_num_threads(threads);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	g->be_state = s;
	s->threads = threads > 0 ? threads : 0;
	if (dnnl_engine_create(&s->engine, dnnl_cpu, 0) != dnnl_success ||
	    dnnl_stream_create(&s->stream, s->engine,
	    dnnl_stream_default_flags) != dnnl_success)
		goto bad;
	if (posix_memalign((void **)&s->arena, 64,
	    g->arena_bytes ? g->arena_bytes : 64) != 0 ||
	    (s->ops = calloc(g->nop, sizeof(*s->ops))) == NULL) {
		nn_set_error(g, "nn: out of memory for a %zu-byte arena",
		    g->arena_bytes);
		goto bad;
	}
	for (i = 0; i < g->nop; i++)
		if (stage_need(g, &g->op[i]) > s->stage_bytes)
			s->stage_bytes = stage_need(g, &g->op[i]);
	if (s->stage_bytes > 0 &&
	    posix_memalign((void **)&s->stage, 64, s->stage_bytes) != 0) {
		nn_set_error(g, "nn: out of memory for a %zu-byte stage",
		    s->stage_bytes);
		goto bad;
	}
	for (i = 0; i < g->nop; i++) {
		s->cur = i;
		if ((size_t)g->op[i].kind >= sizeof(make) / sizeof(make[0]) ||
		    make[g->op[i].kind] == NULL) {
			nn_set_error(g, "nn: %s is not supported on the CPU "
			    "yet", nn_op_name(g, i));
			goto bad;
		}
		if (make[g->op[i].kind](g, s, &g->op[i], &s->ops[i]) < 0 ||
		    mark_copies(g, &s->ops[i]) < 0)
			goto bad;
	}
	sd[0] = (dnnl_dim_t)(s->scratch_bytes ? s->scratch_bytes : 1);
	if (posix_memalign((void **)&s->scratch, 64, sd[0]) != 0) {
		nn_set_error(g, "nn: out of memory for the scratchpad");
		goto bad;
	}
	dnnl_memory_desc_init_by_tag(&sp, 1, sd, dnnl_u8, dnnl_a);
	for (i = 0; i < g->nop; i++) {
		struct dnnl_op *o = &s->ops[i];

		for (k = 0; k < o->npre; k++)
			if (add_scratch(g, s, o->pre[k], &sp) < 0)
				goto bad;
		if (add_scratch(g, s, o, &sp) < 0 || (o->post != NULL &&
		    add_scratch(g, s, o->post, &sp) < 0))
			goto bad;
	}
	return 0;
bad:
	nn_set_error(g, "nn: oneDNN setup failed");
	dnnl_release(g);
	return -1;
}

static int
dnnl_run(struct nn_graph *g)
{
	struct dnnl_state *s = g->be_state;
	dnnl_status_t st;
	int i;

	/* OpenMP's thread count is the calling thread's own setting. */
	if (s->threads > 0 && omp_get_max_threads() != s->threads)
		omp_set_num_threads(s->threads);
	for (i = 0; i < g->nop; i++) {
		const struct dnnl_op *o = &s->ops[i];
		int k;

		st = dnnl_success;
		for (k = 0; k < o->npre && st == dnnl_success; k++)
			st = exec(s, o->pre[k]);
		if (st == dnnl_success)
			st = exec(s, o);
		if (st == dnnl_success && o->post != NULL)
			st = exec(s, o->post);
		if (st != dnnl_success)
			return nn_set_error(g, "nn: %s (op %d) failed "
			    "(status %d)", nn_op_name(g, i), i, (int)st);
	}
	dnnl_stream_wait(s->stream);
	return 0;
}

/* bf16 is the top half of an fp32, rounded to nearest even. */
static uint16_t
to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static float
from_bf16(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static int
dnnl_write(struct nn_graph *g, int t, const float *src, size_t n)
{
	void *p = data_of(g, g->be_state, t);
	size_t i;

	if (g->dtype != NN_BF16) {
		memcpy(p, src, n * sizeof(*src));
		return 0;
	}
	for (i = 0; i < n; i++)
		((uint16_t *)p)[i] = to_bf16(src[i]);
	return 0;
}

static int
dnnl_read(struct nn_graph *g, int t, float *dst, size_t n)
{
	const void *p = data_of(g, g->be_state, t);
	size_t i;

	if (g->dtype != NN_BF16) {
		memcpy(dst, p, n * sizeof(*dst));
		return 0;
	}
	for (i = 0; i < n; i++)
		dst[i] = from_bf16(((const uint16_t *)p)[i]);
	return 0;
}

static const char *
dnnl_unsupported(enum nn_dtype dt)
{
	if (dt == NN_F16 || dt == NN_TF32)
		return "precision fp16 and tf32 are GPU precisions (cpu: fp32 "
		    "or bf16)";
	/* The ISA values are bit sets (avx2_vnni > avx512_core_bf16). */
	if (dt == NN_BF16 && (dnnl_get_effective_cpu_isa() &
	    dnnl_cpu_isa_avx512_core_bf16) != dnnl_cpu_isa_avx512_core_bf16)
		return "precision bf16: this CPU has no AVX512-BF16";
	return NULL;
}

int
nn_cpu_threads(int threads)
{
	return threads > 0 ? threads : omp_get_max_threads();
}

/* Images in fp32 go blocked where oneDNN has its AVX-512 jit
** convolutions (layout() in nn_graph.c says why); bf16 ones stay
** channels-last for AMX, and so does everything below AVX-512. */
static int
dnnl_image_block(const struct nn_graph *g)
{
	if (g->dtype == NN_BF16 || (dnnl_get_effective_cpu_isa() &
	    dnnl_cpu_isa_avx512_core) != dnnl_cpu_isa_avx512_core)
		return 0;
	return 16;
}

static const char *
dnnl_impl(const struct nn_graph *g, int i)
{
	const struct dnnl_state *s = g->be_state;

	return s->ops[i].impl;
}

static void
free_op(struct dnnl_op *o, int owned)
{
	if (o == NULL)
		return;
	if (o->prim != NULL)
		dnnl_primitive_destroy(o->prim);
	free(o->impl);
	if (owned)
		free(o);
}

static void
dnnl_release(struct nn_graph *g)
{
	struct dnnl_state *s = g->be_state;
	int i;

	if (s == NULL)
		return;
	if (s->ops != NULL) {
		for (i = 0; i < g->nop; i++) {
			int k;

			for (k = 0; k < s->ops[i].npre; k++)
				free_op(s->ops[i].pre[k], 1);
			free_op(s->ops[i].post, 1);
			free_op(&s->ops[i], 0);
		}
	}
	for (i = 0; i < s->nmem; i++)
		dnnl_memory_destroy(s->mems[i]);
	for (i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	if (s->stream != NULL)
		dnnl_stream_destroy(s->stream);
	if (s->engine != NULL)
		dnnl_engine_destroy(s->engine);
	free(s->mems);
	free(s->owned);
	free(s->ops);
	free(s->arena);
	free(s->scratch);
	free(s->stage);
	free(s);
	g->be_state = NULL;
}

const struct nn_backend nn_backend_dnnl = {
	.name = "onednn",
	.compile = dnnl_compile,
	.run = dnnl_run,
	.write = dnnl_write,
	.read = dnnl_read,
	.impl = dnnl_impl,
	.unsupported = dnnl_unsupported,
	.release = dnnl_release,
	.image_block = dnnl_image_block,
};
