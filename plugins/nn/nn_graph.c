/* nn_graph.c - building a graph of ops, checking shapes, planning its arena. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_backend.h"

/* Every buffer starts on a cache line (and an AVX-512 vector). */
#define NN_ALIGN 64

static const char *dtype_names[] = { "fp32", "tf32", "fp16", "bf16" };

const char *
nn_dtype_name(enum nn_dtype d)
{
	return dtype_names[d];
}

int
nn_dtype_parse(const char *s, enum nn_dtype *d)
{
	size_t i;

	for (i = 0; i < sizeof(dtype_names) / sizeof(dtype_names[0]); i++) {
		if (strcmp(s, dtype_names[i]) == 0) {
			*d = (enum nn_dtype)i;
			return 0;
		}
	}
	return -1;
}

size_t
nn_dtype_size(enum nn_dtype d)
{
	return d == NN_F16 || d == NN_BF16 ? 2 : 4;
}

int
nn_set_error(struct nn_graph *g, const char *fmt, ...)
{
	va_list ap;

	if (g->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
nn_error(const struct nn_graph *g)
{
	return g->err[0] != '\0' ? g->err : NULL;
}

const char *
nn_unsupported(enum nn_device device, enum nn_dtype dtype)
{
	if (device == NN_CUDA)
#ifdef NN_HAVE_CUDA
		return nn_backend_cuda.unsupported(dtype);
#else
		return "device cuda: the nn engine has no CUDA backend yet";
#endif
	return nn_backend_dnnl.unsupported(dtype);
}

struct nn_graph *
nn_graph_new(enum nn_device device, enum nn_dtype dtype)
{
	struct nn_graph *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->device = device;
	g->dtype = dtype;
#ifdef NN_HAVE_CUDA
	g->be = device == NN_CPU ? &nn_backend_dnnl : &nn_backend_cuda;
#else
	g->be = device == NN_CPU ? &nn_backend_dnnl : NULL;
#endif
	return g;
}

void
nn_graph_free(struct nn_graph *g)
{
	int i;

	if (g == NULL)
		return;
	if (g->be != NULL && g->be_state != NULL)
		g->be->release(g);
	for (i = 0; i < g->nt; i++) {
		free(g->t[i].name);
		free(g->t[i].host);
	}
	free(g->t);
	free(g->op);
	free(g);
}

struct nn_graph *
nn_graph_clone(const struct nn_graph *g)
{
	struct nn_graph *c;
	int i;

	if (g->compiled || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	*c = *g;
	c->be_state = NULL;
	c->t = malloc((g->tcap > 0 ? g->tcap : 1) * sizeof(*c->t));
	c->op = malloc((g->opcap > 0 ? g->opcap : 1) * sizeof(*c->op));
	if (c->t == NULL || c->op == NULL) {
		free(c->t);
		free(c->op);
		free(c);
		return NULL;
	}
	memcpy(c->t, g->t, g->nt * sizeof(*c->t));
	memcpy(c->op, g->op, g->nop * sizeof(*c->op));
	for (i = 0; i < g->nt; i++) {
		c->t[i].name = NULL;
		c->t[i].host = NULL;
	}
	for (i = 0; i < g->nt; i++) {
		const struct nn_tensor *t = &g->t[i];
		size_t n = t->host != NULL ? (size_t)nn_numel(g, i) : 0;

		if ((t->name != NULL &&
		    (c->t[i].name = strdup(t->name)) == NULL) ||
		    (n > 0 && (c->t[i].host = malloc(n * sizeof(float))) ==
		    NULL)) {
			nn_graph_free(c);
			return NULL;
		}
		if (n > 0)
			memcpy(c->t[i].host, t->host, n * sizeof(float));
	}
	return c;
}

static int64_t
numel(int ndim, const int64_t *dims)
{
	int64_t n = 1;
	int i;

	for (i = 0; i < ndim; i++)
		n *= dims[i];
	return n;
}

static void
dense_strides(struct nn_tensor *t)
{
	int64_t s = 1;
	int i;

	for (i = t->ndim - 1; i >= 0; i--) {
		t->strides[i] = s;
		s *= t->dims[i];
	}
}

int
nn_is_dense(const struct nn_tensor *t)
{
	int64_t s = 1;
	int i;

	if (t->blk > 0)
		return 0;
	for (i = t->ndim - 1; i >= 0; i--) {
		if (t->dims[i] != 1 && t->strides[i] != s)
			return 0;
		s *= t->dims[i];
	}
	return 1;
}

static int
valid(const struct nn_graph *g, int t)
{
	return t >= 0 && t < g->nt;
}

/* A new tensor of KIND; its index, or -1 (the error set). */
static int
new_tensor(struct nn_graph *g, enum nn_tkind kind, int ndim,
    const int64_t *dims)
{
	struct nn_tensor *t;
	int i;

	if (g->err[0] != '\0')
		return -1;
	if (g->compiled)
		return nn_set_error(g, "nn: graph already compiled");
	if (ndim < 1 || ndim > NN_MAXDIM)
		return nn_set_error(g, "nn: %d dimensions (1 to %d expected)",
		    ndim, NN_MAXDIM);
	for (i = 0; i < ndim; i++)
		if (dims[i] < 1)
			return nn_set_error(g, "nn: dimension %d is %lld "
			    "(>= 1 expected)", i, (long long)dims[i]);
	if (g->nt == g->tcap) {
		int cap = g->tcap ? 2 * g->tcap : 64;
		struct nn_tensor *n = realloc(g->t, cap * sizeof(*n));

		if (n == NULL)
			return nn_set_error(g, "nn: out of memory");
		g->t = n;
		g->tcap = cap;
	}
	t = &g->t[g->nt];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->ndim = ndim;
	memcpy(t->dims, dims, ndim * sizeof(*dims));
	dense_strides(t);
	t->root = g->nt;
	t->first = -1;
	t->last = -1;
	t->slice_of = -1;
	t->bytes = (size_t)numel(ndim, dims) * nn_dtype_size(g->dtype);
	return g->nt++;
}

int
nn_weight(struct nn_graph *g, const char *name, int ndim, const int64_t *dims,
    enum nn_role role, int64_t fan_in)
{
	struct nn_tensor *t;
	int i;

	if (g->err[0] == '\0' && nn_weight_find(g, name) >= 0)
		return nn_set_error(g, "nn: weight '%s' declared twice", name);
	if ((i = new_tensor(g, NN_T_WEIGHT, ndim, dims)) < 0)
		return -1;
	t = &g->t[i];
	t->bytes = (size_t)numel(ndim, dims) * sizeof(float);
	t->role = role;
	t->fan_in = fan_in;
	t->pinned = 1;
	t->name = strdup(name);
	t->host = calloc((size_t)numel(ndim, dims), sizeof(float));
	if (t->name == NULL || t->host == NULL)
		return nn_set_error(g, "nn: out of memory for weight '%s'",
		    name);
	return i;
}

int
nn_weight_count(const struct nn_graph *g)
{
	int i, n = 0;

	for (i = 0; i < g->nt; i++)
		n += g->t[i].kind == NN_T_WEIGHT;
	return n;
}

/* The I-th weight's tensor, in declaration order. */
int
nn_weight_at(const struct nn_graph *g, int i)
{
	int k;

	for (k = 0; k < g->nt; k++)
		if (g->t[k].kind == NN_T_WEIGHT && i-- == 0)
			return k;
	return -1;
}

int
nn_weight_find(const struct nn_graph *g, const char *name)
{
	int i;

	for (i = 0; i < g->nt; i++)
		if (g->t[i].kind == NN_T_WEIGHT &&
		    strcmp(g->t[i].name, name) == 0)
			return i;
	return -1;
}

const char *
nn_name(const struct nn_graph *g, int t)
{
	return g->t[t].name;
}

int
nn_ndim(const struct nn_graph *g, int t)
{
	return g->t[t].ndim;
}

const int64_t *
nn_dims(const struct nn_graph *g, int t)
{
	return g->t[t].dims;
}

int64_t
nn_numel(const struct nn_graph *g, int t)
{
	return numel(g->t[t].ndim, g->t[t].dims);
}

float *
nn_weight_host(struct nn_graph *g, int t)
{
	return g->t[t].host;
}

enum nn_role
nn_weight_role(const struct nn_graph *g, int t)
{
	return g->t[t].role;
}

int64_t
nn_weight_fan_in(const struct nn_graph *g, int t)
{
	return g->t[t].fan_in;
}

int64_t
nn_param_count(const struct nn_graph *g)
{
	int64_t n = 0;
	int i;

	for (i = 0; i < g->nt; i++)
		if (g->t[i].kind == NN_T_WEIGHT &&
		    g->t[i].role != NN_ROLE_INDEX &&
		    g->t[i].role != NN_ROLE_DERIVED)
			n += numel(g->t[i].ndim, g->t[i].dims);
	return n;
}

int
nn_input(struct nn_graph *g, int ndim, const int64_t *dims)
{
	int i;

	if ((i = new_tensor(g, NN_T_INPUT, ndim, dims)) >= 0)
		g->t[i].pinned = 1;
	return i;
}

int
nn_empty(struct nn_graph *g, int ndim, const int64_t *dims)
{
	return new_tensor(g, NN_T_ACT, ndim, dims);
}

void
nn_output(struct nn_graph *g, int t)
{
	if (valid(g, t))
		g->t[g->t[t].root].pinned = 1;
}

int
nn_view(struct nn_graph *g, int src, int ndim, const int64_t *dims,
    const int64_t *strides, int64_t offset)
{
	const struct nn_tensor *r;
	int64_t last = offset;
	int i, v;

	if (g->err[0] != '\0')
		return -1;
	if (!valid(g, src))
		return nn_set_error(g, "nn: view of no tensor");
	r = &g->t[g->t[src].root];
	for (i = 0; i < ndim; i++) {
		if (strides[i] < 0)
			return nn_set_error(g, "nn: negative view stride");
		last += (dims[i] - 1) * strides[i];
	}
	if (offset < 0 || (size_t)(last + 1) * (r->kind == NN_T_WEIGHT ?
	    sizeof(float) : nn_dtype_size(g->dtype)) > r->bytes)
		return nn_set_error(g, "nn: view reaches past its buffer");
	if ((v = new_tensor(g, NN_T_VIEW, ndim, dims)) < 0)
		return -1;
	memcpy(g->t[v].strides, strides, ndim * sizeof(*strides));
	g->t[v].offset = offset;
	g->t[v].root = g->t[src].root;
	g->t[v].bytes = 0;
	return v;
}

/* A new dense activation shaped like the first N dims of T plus LAST. */
static int
new_act(struct nn_graph *g, int t, int n, int64_t last)
{
	int64_t dims[NN_MAXDIM];

	memcpy(dims, g->t[t].dims, n * sizeof(*dims));
	if (last > 0)
		dims[n++] = last;
	return new_tensor(g, NN_T_ACT, n, dims);
}

static int
same_dims(const struct nn_tensor *a, const struct nn_tensor *b)
{
	return a->ndim == b->ndim &&
	    memcmp(a->dims, b->dims, a->ndim * sizeof(a->dims[0])) == 0;
}

static int
add_op(struct nn_graph *g, enum nn_opkind kind, int a, int b, int c, int out)
{
	struct nn_op *o;

	if (g->err[0] != '\0' || out < 0)
		return -1;
	if (g->nop == g->opcap) {
		int cap = g->opcap ? 2 * g->opcap : 64;
		struct nn_op *n = realloc(g->op, cap * sizeof(*n));

		if (n == NULL)
			return nn_set_error(g, "nn: out of memory");
		g->op = n;
		g->opcap = cap;
	}
	o = &g->op[g->nop++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->in[0] = a;
	o->in[1] = b;
	o->in[2] = c;
	o->acc = -1;
	o->out = out;
	return out;
}

static int
check_args(struct nn_graph *g, const char *op, int n, const int *ts)
{
	int i;

	if (g->err[0] != '\0')
		return -1;
	for (i = 0; i < n; i++)
		if (!valid(g, ts[i]))
			return nn_set_error(g, "nn: %s: argument %d is not a "
			    "tensor", op, i + 1);
	return 0;
}

int
nn_linear(struct nn_graph *g, int x, int w, int b, enum nn_act act, int acc)
{
	const struct nn_tensor *tx, *tw;
	int args[2] = { x, w }, out;

	if (check_args(g, "linear", 2, args) < 0)
		return -1;
	tx = &g->t[x];
	tw = &g->t[w];
	if (tw->kind != NN_T_WEIGHT || tw->ndim < 2 || nn_numel(g, w) /
	    tw->dims[0] != tx->dims[tx->ndim - 1] || !nn_is_dense(tx))
		return nn_set_error(g, "nn: linear: weight '%s' does not fit "
		    "a dense input of width %lld", tw->name ? tw->name : "?",
		    (long long)tx->dims[tx->ndim - 1]);
	if (b >= 0 && (!valid(g, b) || g->t[b].kind != NN_T_WEIGHT ||
	    nn_numel(g, b) != tw->dims[0]))
		return nn_set_error(g, "nn: linear: bias does not fit '%s'",
		    tw->name);
	if (acc >= 0) {
		if (!valid(g, acc) || g->t[acc].ndim != tx->ndim ||
		    g->t[acc].dims[tx->ndim - 1] != tw->dims[0] ||
		    !nn_is_dense(&g->t[acc]))
			return nn_set_error(g, "nn: linear: residual does "
			    "not fit '%s'", tw->name);
		out = acc;
	} else
		out = new_act(g, x, tx->ndim - 1, tw->dims[0]);
	if (add_op(g, NN_OP_LINEAR, x, w, b, out) < 0)
		return -1;
	g->op[g->nop - 1].act = act;
	g->op[g->nop - 1].accumulate = acc >= 0;
	return out;
}

int
nn_matmul(struct nn_graph *g, int a, int b, float scale, int out)
{
	const struct nn_tensor *ta, *tb;
	int args[2] = { a, b }, n, i;

	if (check_args(g, "matmul", 2, args) < 0)
		return -1;
	ta = &g->t[a];
	tb = &g->t[b];
	n = ta->ndim;
	if (n < 2 || tb->ndim != n || ta->dims[n - 1] != tb->dims[n - 2])
		return nn_set_error(g, "nn: matmul: shapes do not multiply");
	for (i = 0; i < n - 2; i++)
		if (ta->dims[i] != tb->dims[i])
			return nn_set_error(g, "nn: matmul: batch dimension "
			    "%d differs", i);
	if (out >= 0) {
		const struct nn_tensor *to = &g->t[out];

		if (!valid(g, out) || to->ndim != n ||
		    to->dims[n - 1] != tb->dims[n - 1] ||
		    to->dims[n - 2] != ta->dims[n - 2])
			return nn_set_error(g, "nn: matmul: output does not "
			    "fit");
	} else
		out = new_act(g, a, n - 1, tb->dims[n - 1]);
	if (add_op(g, NN_OP_MATMUL, a, b, -1, out) < 0)
		return -1;
	g->op[g->nop - 1].f = scale;
	return out;
}

int
nn_softmax(struct nn_graph *g, int x)
{
	if (check_args(g, "softmax", 1, &x) < 0)
		return -1;
	if (!nn_is_dense(&g->t[x]))
		return nn_set_error(g, "nn: softmax of a strided view");
	return add_op(g, NN_OP_SOFTMAX, x, -1, -1, x);
}

int
nn_gelu(struct nn_graph *g, int x)
{
	if (check_args(g, "gelu", 1, &x) < 0)
		return -1;
	if (!nn_is_dense(&g->t[x]))
		return nn_set_error(g, "nn: gelu of a strided view");
	return add_op(g, NN_OP_GELU, x, -1, -1, x);
}

int
nn_layernorm(struct nn_graph *g, int x, int gamma, int beta, float eps)
{
	int args[3] = { x, gamma, beta }, out;
	int64_t d;

	if (check_args(g, "layernorm", 3, args) < 0)
		return -1;
	d = g->t[x].dims[g->t[x].ndim - 1];
	if (!nn_is_dense(&g->t[x]) || g->t[gamma].kind != NN_T_WEIGHT ||
	    g->t[beta].kind != NN_T_WEIGHT || nn_numel(g, gamma) != d ||
	    nn_numel(g, beta) != d)
		return nn_set_error(g, "nn: layernorm: '%s' does not fit a "
		    "dense input of width %lld", g->t[gamma].name ?
		    g->t[gamma].name : "?", (long long)d);
	out = new_act(g, x, g->t[x].ndim, 0);
	if (add_op(g, NN_OP_LAYERNORM, x, gamma, beta, out) < 0)
		return -1;
	g->op[g->nop - 1].f = eps;
	return out;
}

int
nn_add(struct nn_graph *g, int a, int b, int out)
{
	const struct nn_tensor *ta, *tb;
	int args[2] = { a, b }, i;

	if (check_args(g, "add", 2, args) < 0)
		return -1;
	ta = &g->t[a];
	tb = &g->t[b];
	if (ta->ndim != tb->ndim)
		return nn_set_error(g, "nn: add: ranks differ");
	for (i = 0; i < ta->ndim; i++)
		if (tb->dims[i] != ta->dims[i] && tb->dims[i] != 1)
			return nn_set_error(g, "nn: add: dimension %d does "
			    "not broadcast", i);
	if (out >= 0) {
		if (!valid(g, out) || !same_dims(&g->t[out], ta))
			return nn_set_error(g, "nn: add: output does not fit");
	} else
		out = new_act(g, a, ta->ndim, 0);
	return add_op(g, NN_OP_ADD, a, b, -1, out);
}

int
nn_copy(struct nn_graph *g, int src, int dst)
{
	int args[2] = { src, dst };

	if (check_args(g, "copy", 2, args) < 0)
		return -1;
	if (!same_dims(&g->t[src], &g->t[dst]))
		return nn_set_error(g, "nn: copy: shapes differ");
	return add_op(g, NN_OP_COPY, src, -1, -1, dst);
}

int
nn_slice(struct nn_graph *g, int t, int axis, int64_t start, int64_t len)
{
	const struct nn_tensor *x;
	int64_t dims[NN_MAXDIM];
	int v;

	if (check_args(g, "slice", 1, &t) < 0)
		return -1;
	x = &g->t[t];
	if (axis < 0 || axis >= x->ndim)
		return nn_set_error(g, "nn: slice: axis %d of a %d-D tensor",
		    axis, x->ndim);
	if (start < 0 || len < 1 || start + len > x->dims[axis])
		return nn_set_error(g, "nn: slice: [%lld, %lld) of axis %d "
		    "(size %lld) is not a non-empty range inside it",
		    (long long)start, (long long)(start + len), axis,
		    (long long)x->dims[axis]);
	memcpy(dims, x->dims, x->ndim * sizeof(*dims));
	dims[axis] = len;
	if ((v = nn_view(g, t, x->ndim, dims, x->strides, x->offset +
	    start * x->strides[axis])) < 0)
		return -1;
	g->t[v].slice_of = t;
	g->t[v].slice_axis = axis;
	g->t[v].slice_start = start;
	return v;
}

/* Whether OUT (when >= 0) is an activation shaped [N, C, H, W]; makes
** a new one when OUT < 0.  The result, or -1. */
static int
image_out(struct nn_graph *g, const char *op, int out, int64_t n, int64_t c,
    int64_t h, int64_t w)
{
	int64_t dims[4] = { n, c, h, w };

	if (out < 0)
		return new_tensor(g, NN_T_ACT, 4, dims);
	if (!valid(g, out) || g->t[g->t[out].root].kind == NN_T_WEIGHT ||
	    g->t[out].ndim != 4 || memcmp(g->t[out].dims, dims,
	    sizeof(dims)) != 0)
		return nn_set_error(g, "nn: %s: output is not an activation "
		    "[%lld, %lld, %lld, %lld]", op, (long long)n, (long long)c,
		    (long long)h, (long long)w);
	return out;
}

/* Whether X is a 4-D activation. */
static int
image_in(struct nn_graph *g, const char *op, int x)
{
	if (check_args(g, op, 1, &x) < 0)
		return -1;
	if (g->t[g->t[x].root].kind == NN_T_WEIGHT || g->t[x].ndim != 4)
		return nn_set_error(g, "nn: %s: input is not a 4-D activation "
		    "[N, C, H, W]", op);
	return 0;
}

/* Output size of a K-window with STRIDE and PAD over N, or 0. */
static int64_t
window_out(int64_t n, int64_t k, int stride, int pad)
{
	if (n + 2 * pad < k)
		return 0;
	return (n + 2 * pad - k) / stride + 1;
}

int
nn_conv2d(struct nn_graph *g, int x, int w, int b, int stride, int pad,
    enum nn_act act, int acc, int out)
{
	const struct nn_tensor *tx, *tw;
	int64_t oh, ow;
	int r;

	if (image_in(g, "conv2d", x) < 0 || check_args(g, "conv2d", 1,
	    &w) < 0)
		return -1;
	tx = &g->t[x];
	tw = &g->t[w];
	if (tw->kind != NN_T_WEIGHT || tw->ndim != 4 ||
	    tw->dims[1] != tx->dims[1])
		return nn_set_error(g, "nn: conv2d: weight '%s' is not "
		    "[O, %lld, KH, KW]", tw->name ? tw->name : "?",
		    (long long)tx->dims[1]);
	if (b >= 0 && (!valid(g, b) || g->t[b].kind != NN_T_WEIGHT ||
	    nn_numel(g, b) != tw->dims[0]))
		return nn_set_error(g, "nn: conv2d: bias does not fit '%s' "
		    "(%lld values expected)", tw->name,
		    (long long)tw->dims[0]);
	if (stride < 1 || pad < 0)
		return nn_set_error(g, "nn: conv2d: stride %d, pad %d (>= 1, "
		    ">= 0 expected) for '%s'", stride, pad, tw->name);
	oh = window_out(tx->dims[2], tw->dims[2], stride, pad);
	ow = window_out(tx->dims[3], tw->dims[3], stride, pad);
	if (oh < 1 || ow < 1)
		return nn_set_error(g, "nn: conv2d: kernel of '%s' is larger "
		    "than its padded %lldx%lld input", tw->name,
		    (long long)tx->dims[2], (long long)tx->dims[3]);
	if ((r = image_out(g, "conv2d", out, tx->dims[0], tw->dims[0], oh,
	    ow)) < 0)
		return -1;
	if (acc >= 0 && (!valid(g, acc) || !same_dims(&g->t[acc],
	    &g->t[r])))
		return nn_set_error(g, "nn: conv2d: shortcut does not fit the "
		    "output of '%s'", tw->name);
	if (add_op(g, NN_OP_CONV, x, w, b, r) < 0)
		return -1;
	g->op[g->nop - 1].act = act;
	g->op[g->nop - 1].acc = acc;
	g->op[g->nop - 1].stride = stride;
	g->op[g->nop - 1].pad = pad;
	g->op[g->nop - 1].k = (int)tw->dims[2];
	return r;
}

int
nn_maxpool2d(struct nn_graph *g, int x, int k, int stride, int pad, int out)
{
	const struct nn_tensor *tx;
	int64_t oh, ow;
	int r;

	if (image_in(g, "maxpool2d", x) < 0)
		return -1;
	tx = &g->t[x];
	/* A window of padding only would have no maximum. */
	if (k < 1 || stride < 1 || pad < 0 || 2 * pad > k)
		return nn_set_error(g, "nn: maxpool2d: k %d, stride %d, pad %d "
		    "(k, stride >= 1, 0 <= pad <= k/2 expected)", k, stride,
		    pad);
	oh = window_out(tx->dims[2], k, stride, pad);
	ow = window_out(tx->dims[3], k, stride, pad);
	if (oh < 1 || ow < 1)
		return nn_set_error(g, "nn: maxpool2d: window %d is larger "
		    "than its padded input", k);
	if ((r = image_out(g, "maxpool2d", out, tx->dims[0], tx->dims[1], oh,
	    ow)) < 0 || add_op(g, NN_OP_MAXPOOL, x, -1, -1, r) < 0)
		return -1;
	g->op[g->nop - 1].k = k;
	g->op[g->nop - 1].stride = stride;
	g->op[g->nop - 1].pad = pad;
	return r;
}

int
nn_upsample2x(struct nn_graph *g, int x, int out)
{
	const struct nn_tensor *tx;
	int r;

	if (image_in(g, "upsample2x", x) < 0)
		return -1;
	tx = &g->t[x];
	if ((r = image_out(g, "upsample2x", out, tx->dims[0], tx->dims[1],
	    2 * tx->dims[2], 2 * tx->dims[3])) < 0)
		return -1;
	return add_op(g, NN_OP_UPSAMPLE, x, -1, -1, r);
}

double
nn_flops(const struct nn_graph *g)
{
	double f = 0;
	int i;

	for (i = 0; i < g->nop; i++) {
		const struct nn_op *o = &g->op[i];
		const struct nn_tensor *a = &g->t[o->in[0]];
		const struct nn_tensor *w = &g->t[o->in[1]];

		switch (o->kind) {
		case NN_OP_CONV:
			/* Each output element: C * KH * KW MACs. */
			f += 2.0 * (double)nn_numel(g, o->out) *
			    (double)(nn_numel(g, o->in[1]) / w->dims[0]);
			break;
		case NN_OP_LINEAR:
			f += 2.0 * (double)nn_numel(g, o->in[0]) *
			    (double)w->dims[0];
			break;
		case NN_OP_MATMUL:
			f += 2.0 * (double)nn_numel(g, o->out) *
			    (double)a->dims[a->ndim - 1];
			break;
		default:
			break;
		}
	}
	return f;
}

/* Each buffer's live range: the first and last op touching it. */
static void
liveness(struct nn_graph *g)
{
	int i, k;

	for (i = 0; i < g->nop; i++) {
		int ts[NN_OP_TENSORS];

		nn_op_tensors(&g->op[i], ts);
		for (k = 0; k < NN_OP_TENSORS; k++) {
			struct nn_tensor *r;

			if (ts[k] < 0)
				continue;
			r = &g->t[g->t[ts[k]].root];
			if (r->first < 0)
				r->first = i;
			r->last = i;
		}
	}
}

static size_t
align_up(size_t n)
{
	return (n + NN_ALIGN - 1) / NN_ALIGN * NN_ALIGN;
}

static int
overlap(const struct nn_tensor *a, const struct nn_tensor *b)
{
	int live = a->pinned || b->pinned ||
	    (a->first <= b->last && b->first <= a->last);

	return live && a->arena_off < b->arena_off + align_up(b->bytes) &&
	    b->arena_off < a->arena_off + align_up(a->bytes);
}

static int
by_size(const void *x, const void *y, void *arg)
{
	const struct nn_graph *g = arg;
	size_t a = g->t[*(const int *)x].bytes, b = g->t[*(const int *)y].bytes;

	return a < b ? 1 : a > b ? -1 : *(const int *)x - *(const int *)y;
}

/*
** First fit, largest buffer first: each buffer takes the lowest offset
** where it collides with no placed buffer live at the same time.  Inputs
** and outputs are pinned (live throughout), so the caller may write and
** read them between runs.
*/
static int
plan_arena(struct nn_graph *g)
{
	int *order, n = 0, i, j;
	size_t end = 0;

	if ((order = malloc((g->nt + 1) * sizeof(*order))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	for (i = 0; i < g->nt; i++)
		if ((g->t[i].kind == NN_T_ACT || g->t[i].kind == NN_T_INPUT))
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), by_size, g);
	for (i = 0; i < n; i++) {
		struct nn_tensor *t = &g->t[order[i]];
		int moved = 1;

		t->arena_off = 0;
		while (moved) {
			moved = 0;
			for (j = 0; j < i; j++) {
				const struct nn_tensor *u = &g->t[order[j]];

				if (overlap(t, u)) {
					t->arena_off = u->arena_off +
					    align_up(u->bytes);
					moved = 1;
				}
			}
		}
		if (t->arena_off + align_up(t->bytes) > end)
			end = t->arena_off + align_up(t->bytes);
	}
	free(order);
	g->arena_bytes = end;
	return 0;
}

int
nn_op_image(const struct nn_op *o)
{
	return o->kind == NN_OP_CONV || o->kind == NN_OP_MAXPOOL ||
	    o->kind == NN_OP_UPSAMPLE;
}

void
nn_op_tensors(const struct nn_op *o, int *ts)
{
	ts[0] = o->in[0];
	ts[1] = o->in[1];
	ts[2] = o->in[2];
	ts[3] = o->acc;
	ts[4] = o->out;
}

/*
** Whether image root R may be stored blocked by BLK: its channels fill
** whole blocks and every view of it is a channel slice starting and
** ending on a block (then each is a dense blocked tensor per image).
*/
static int
blockable(const struct nn_graph *g, int r, int blk)
{
	int i;

	if (g->t[r].dims[1] % blk != 0)
		return 0;
	for (i = r + 1; i < g->nt; i++) {
		const struct nn_tensor *v = &g->t[i], *u;
		int64_t start = 0;

		if (v->kind != NN_T_VIEW || v->root != r)
			continue;
		for (u = v; u->kind == NN_T_VIEW; u = &g->t[u->slice_of]) {
			if (u->slice_of < 0 || u->slice_axis != 1)
				return 0;
			start += u->slice_start;
		}
		if (start % blk != 0 || v->dims[1] % blk != 0)
			return 0;
	}
	return 1;
}

/*
** The layout of images: every 4-D activation or input that an image op
** touches is stored the way the backend's image ops run fastest, unless
** a view made by nn_view() fixes its strides or an op that reads dense
** rows uses it: those keep [N, C, H, W] and the backend copies for the
** image ops.  On oneDNN with AVX-512 in fp32 that is blocked nChw16c
** (its jit convolutions there are as fast as its channels-last brgemm
** ones, and a channel slice on a block is dense: C2f's split and every
** concat cost no copy), where the channels and slices fit the blocks;
** an image that does not fit keeps [N, C, H, W] (the network's input:
** 3 channels, which the first convolution takes as it is).  Elsewhere
** it is channels-last (NHWC: oneDNN's AMX bf16 convolutions run only on
** it, and cuDNN's fp16 ones want it too).  Channel slices stay views;
** they are re-derived here from their source.
*/
static void
layout(struct nn_graph *g)
{
	int blk = g->be->image_block != NULL ? g->be->image_block(g) : 0;
	int i, k;

	for (i = 0; i < g->nop; i++) {
		int ts[NN_OP_TENSORS];

		if (!nn_op_image(&g->op[i]))
			continue;
		nn_op_tensors(&g->op[i], ts);
		for (k = 0; k < NN_OP_TENSORS; k++) {
			struct nn_tensor *r;

			if (ts[k] < 0)
				continue;
			r = &g->t[g->t[ts[k]].root];
			if (r->ndim == 4 && r->kind != NN_T_WEIGHT)
				r->image = 1;
		}
	}
	/* nn_view()'s strides are the caller's; linear, softmax, layer norm
	** and GELU read rows of a dense tensor. */
	for (i = 0; i < g->nt; i++)
		if (g->t[i].kind == NN_T_VIEW && g->t[i].slice_of < 0)
			g->t[g->t[i].root].image = 0;
	for (i = 0; i < g->nop; i++) {
		int ts[NN_OP_TENSORS];
		enum nn_opkind o = g->op[i].kind;

		if (o != NN_OP_LINEAR && o != NN_OP_SOFTMAX &&
		    o != NN_OP_LAYERNORM && o != NN_OP_GELU)
			continue;
		nn_op_tensors(&g->op[i], ts);
		for (k = 0; k < NN_OP_TENSORS; k++)
			if (ts[k] >= 0)
				g->t[g->t[ts[k]].root].image = 0;
	}
	for (i = 0; i < g->nt; i++) {
		struct nn_tensor *t = &g->t[i];
		int64_t hw = t->dims[2] * t->dims[3];

		if (t->kind != NN_T_VIEW && t->image && blk > 0) {
			if (!blockable(g, i, blk)) {
				t->image = 0;
				continue;
			}
			t->blk = blk;
			t->strides[3] = blk;
			t->strides[2] = t->dims[3] * blk;
			t->strides[1] = 1;
			t->strides[0] = t->dims[1] * hw;
		} else if (t->kind != NN_T_VIEW && t->image) {
			t->strides[1] = 1;
			t->strides[3] = t->dims[1];
			t->strides[2] = t->dims[3] * t->dims[1];
			t->strides[0] = t->dims[2] * t->strides[2];
		} else if (t->slice_of >= 0) {
			const struct nn_tensor *src = &g->t[t->slice_of];

			memcpy(t->strides, src->strides,
			    t->ndim * sizeof(*t->strides));
			t->blk = src->blk;
			t->offset = src->offset + t->slice_start * (src->blk > 0 ?
			    hw : src->strides[t->slice_axis]);
		}
	}
}

int64_t
nn_image_at(const struct nn_tensor *t, int64_t n, int64_t c, int64_t h,
    int64_t w)
{
	int64_t at = n * t->strides[0] + h * t->strides[2] + w * t->strides[3];

	if (t->blk > 0)
		return at + c / t->blk * t->dims[2] * t->dims[3] * t->blk +
		    c % t->blk;
	return at + c * t->strides[1];
}

int
nn_compile(struct nn_graph *g, int threads)
{
	if (g->err[0] != '\0')
		return -1;
	if (g->compiled)
		return nn_set_error(g, "nn: graph already compiled");
	if (g->be == NULL || nn_unsupported(g->device, g->dtype) != NULL)
		return nn_set_error(g, "nn: %s",
		    nn_unsupported(g->device, g->dtype));
	layout(g);
	liveness(g);
	if (plan_arena(g) < 0)
		return -1;
	if (g->be->compile(g, threads) < 0)
		return -1;
	g->compiled = 1;
	return 0;
}

int
nn_run(struct nn_graph *g)
{
	if (!g->compiled)
		return nn_set_error(g, "nn: run before compile");
	return g->be->run(g);
}

/* Whether T may be written or read as N values: dense, or a whole
** image buffer in its own layout (1), else -1. */
static int
io_check(struct nn_graph *g, int t, size_t n)
{
	if (!g->compiled)
		return nn_set_error(g, "nn: write/read before compile");
	if (!valid(g, t) || g->t[t].kind == NN_T_WEIGHT ||
	    (!nn_is_dense(&g->t[t]) && !g->t[t].image) ||
	    (size_t)nn_numel(g, t) != n)
		return nn_set_error(g, "nn: write/read of %zu values does not "
		    "fit the tensor", n);
	return nn_is_dense(&g->t[t]) ? 0 : 1;
}

/* Between the caller's [N, C, H, W] order (LOGICAL) and an image's
** storage, channels-last or blocked (STORED). */
static void
permute(const struct nn_tensor *t, float *logical, float *stored,
    int to_stored)
{
	int64_t n, c, h, w, i = 0;

	for (n = 0; n < t->dims[0]; n++)
		for (c = 0; c < t->dims[1]; c++)
			for (h = 0; h < t->dims[2]; h++)
				for (w = 0; w < t->dims[3]; w++, i++) {
					int64_t o = nn_image_at(t, n, c, h, w);

					if (to_stored)
						stored[o] = logical[i];
					else
						logical[i] = stored[o];
				}
}

int
nn_write(struct nn_graph *g, int t, const float *src, size_t n)
{
	float *tmp;
	int rc;

	if ((rc = io_check(g, t, n)) <= 0)
		return rc < 0 ? -1 : g->be->write(g, t, src, n);
	if ((tmp = malloc(n * sizeof(*tmp))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	permute(&g->t[t], (float *)src, tmp, 1);
	rc = g->be->write(g, t, tmp, n);
	free(tmp);
	return rc;
}

int
nn_read(struct nn_graph *g, int t, float *dst, size_t n)
{
	float *tmp;
	int rc;

	if ((rc = io_check(g, t, n)) <= 0)
		return rc < 0 ? -1 : g->be->read(g, t, dst, n);
	if ((tmp = malloc(n * sizeof(*tmp))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	rc = g->be->read(g, t, tmp, n);
	permute(&g->t[t], dst, tmp, 0);
	free(tmp);
	return rc;
}

size_t
nn_arena_bytes(const struct nn_graph *g)
{
	return g->arena_bytes;
}

size_t
nn_weight_bytes(const struct nn_graph *g)
{
	size_t n = 0;
	int i;

	for (i = 0; i < g->nt; i++)
		if (g->t[i].kind == NN_T_WEIGHT)
			n += g->t[i].bytes;
	return n;
}

int
nn_op_count(const struct nn_graph *g)
{
	return g->nop;
}

const char *
nn_op_impl(const struct nn_graph *g, int i)
{
	if (!g->compiled || i < 0 || i >= g->nop)
		return NULL;
	return g->be->impl(g, i);
}

int
nn_op_hot(const struct nn_graph *g, int i)
{
	enum nn_opkind k = g->op[i].kind;

	return k == NN_OP_LINEAR || k == NN_OP_MATMUL || k == NN_OP_SOFTMAX ||
	    k == NN_OP_LAYERNORM || k == NN_OP_CONV;
}

const char *
nn_op_name(const struct nn_graph *g, int i)
{
	static const char *names[] = { "linear", "matmul", "softmax",
	    "layernorm", "gelu", "add", "copy", "conv2d", "maxpool2d",
	    "upsample2x" };

	return names[g->op[i].kind];
}
