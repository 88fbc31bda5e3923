/*
** cudart_cpu.c - the CUDA runtime calls and nn kernels the CUDA backend
** makes, done on the CPU, so that make check-nn-cuda-host runs the
** backend's host logic (layouts, strides, capture and replay, fallbacks)
** where there is no GPU.  Nothing here is timed or stands for CUDA's
** numbers: make check-gpu is the check on a device.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>
#include <library_types.h>

#include "cpu.h"
#include "nn_kernels.h"

struct cpu_call {
	void	(*fn)(void *);
	void	 *arg;
};

struct cpu_graph {
	struct cpu_call	*c;
	int		 n, cap;
};

static struct cpu_graph *capturing;
static size_t allocated;

void
cpu_submit(void (*fn)(void *), void *arg)
{
	struct cpu_graph *g = capturing;

	if (g == NULL) {
		fn(arg);
		free(arg);
		return;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		if ((g->c = realloc(g->c, g->cap * sizeof(*g->c))) == NULL)
			abort();
	}
	g->c[g->n].fn = fn;
	g->c[g->n++].arg = arg;
}

int
cpu_capturing(void)
{
	return capturing != NULL;
}

float
cpu_load(int t, const void *p, int64_t i)
{
	uint32_t u;
	float f;

	if (t == CUDA_R_32F)
		return ((const float *)p)[i];
	if (t == CUDA_R_16F)
		return (float)((const _Float16 *)p)[i];
	u = (uint32_t)((const uint16_t *)p)[i] << 16;
	memcpy(&f, &u, 4);
	return f;
}

void
cpu_store(int t, void *p, int64_t i, float v)
{
	uint32_t u;

	if (t == CUDA_R_32F)
		((float *)p)[i] = v;
	else if (t == CUDA_R_16F)
		((_Float16 *)p)[i] = (_Float16)v;
	else {
		memcpy(&u, &v, 4);
		u += 0x7fff + ((u >> 16) & 1);
		((uint16_t *)p)[i] = (uint16_t)(u >> 16);
	}
}

cudaError_t
cudaGetDeviceCount(int *n)
{
	*n = 1;
	return cudaSuccess;
}

cudaError_t
cudaSetDevice(int d)
{
	(void)d;
	return cudaSuccess;
}

cudaError_t
cudaMalloc(void **p, size_t n)
{
	*p = aligned_alloc(256, (n + 255) / 256 * 256);
	allocated += n;
	return *p != NULL ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t
cudaFree(void *p)
{
	free(p);
	return cudaSuccess;
}

cudaError_t
cudaMemGetInfo(size_t *fr, size_t *total)
{
	*total = (size_t)80 << 30;
	*fr = *total - allocated;
	return cudaSuccess;
}

cudaError_t
cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags)
{
	(void)flags;
	*s = (cudaStream_t)malloc(1);
	return cudaSuccess;
}

cudaError_t
cudaStreamDestroy(cudaStream_t s)
{
	free(s);
	return cudaSuccess;
}

cudaError_t
cudaStreamSynchronize(cudaStream_t s)
{
	(void)s;
	return cudaSuccess;
}

struct cpu_copy {
	void		*dst;
	const void	*src;
	size_t		 n;
	int		 value;		/* memset's, when SRC is NULL */
};

static void
copy_fn(void *arg)
{
	struct cpu_copy *c = arg;

	if (c->src != NULL)
		memcpy(c->dst, c->src, c->n);
	else
		memset(c->dst, c->value, c->n);
}

static cudaError_t
copy(void *dst, const void *src, size_t n, int value)
{
	struct cpu_copy *c = malloc(sizeof(*c));

	if (c == NULL)
		return cudaErrorMemoryAllocation;
	c->dst = dst;
	c->src = src;
	c->n = n;
	c->value = value;
	cpu_submit(copy_fn, c);
	return cudaSuccess;
}

cudaError_t
cudaMemcpyAsync(void *dst, const void *src, size_t n, enum cudaMemcpyKind k,
    cudaStream_t s)
{
	(void)k;
	(void)s;
	return copy(dst, src, n, 0);
}

cudaError_t
cudaMemsetAsync(void *dst, int value, size_t n, cudaStream_t s)
{
	(void)s;
	return copy(dst, NULL, n, value);
}

const char *
cudaGetErrorString(cudaError_t e)
{
	return e == cudaSuccess ? "no error" : "error (CPU stand-in)";
}

cudaError_t
cudaGetLastError(void)
{
	return cudaSuccess;
}

cudaError_t
cudaStreamBeginCapture(cudaStream_t s, enum cudaStreamCaptureMode m)
{
	(void)s;
	(void)m;
	if (capturing != NULL)
		return cudaErrorIllegalState;
	capturing = calloc(1, sizeof(*capturing));
	return capturing != NULL ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t
cudaStreamEndCapture(cudaStream_t s, cudaGraph_t *g)
{
	(void)s;
	*g = (cudaGraph_t)capturing;
	capturing = NULL;
	return cudaSuccess;
}

cudaError_t
cudaGraphInstantiate(cudaGraphExec_t *e, cudaGraph_t g,
    unsigned long long flags)
{
	(void)flags;
	*e = (cudaGraphExec_t)g;
	return cudaSuccess;
}

cudaError_t
cudaGraphUpload(cudaGraphExec_t e, cudaStream_t s)
{
	(void)e;
	(void)s;
	return cudaSuccess;
}

cudaError_t
cudaGraphLaunch(cudaGraphExec_t e, cudaStream_t s)
{
	struct cpu_graph *g = (struct cpu_graph *)e;
	int i;

	(void)s;
	for (i = 0; i < g->n; i++)
		g->c[i].fn(g->c[i].arg);
	return cudaSuccess;
}

cudaError_t
cudaGraphExecDestroy(cudaGraphExec_t e)
{
	(void)e;
	return cudaSuccess;
}

cudaError_t
cudaGraphDestroy(cudaGraph_t graph)
{
	struct cpu_graph *g = (struct cpu_graph *)graph;
	int i;

	for (i = 0; i < g->n; i++)
		free(g->c[i].arg);
	free(g->c);
	free(g);
	return cudaSuccess;
}

/* nn_kernels.h on the CPU: the same arithmetic, in fp32. */
enum { K_SOFTMAX, K_LAYERNORM, K_GELU, K_WALK, K_CONVERT };

struct cpu_kernel {
	int		 kind, t;	/* t: a CUDA type */
	const void	*a, *b, *c;
	void		*y;
	float		*f;
	int64_t		 rows, n;
	float		 eps;
	int		 flag;		/* GELU: accumulate; convert: to T */
	struct nnk_walk	 w;
};

static void
softmax(const struct cpu_kernel *k)
{
	int64_t r, j, n = k->n;

	for (r = 0; r < k->rows; r++) {
		float mx = -INFINITY, s = 0;

		for (j = 0; j < n; j++)
			mx = fmaxf(mx, cpu_load(k->t, k->y, r * n + j));
		for (j = 0; j < n; j++)
			s += expf(cpu_load(k->t, k->y, r * n + j) - mx);
		for (j = 0; j < n; j++)
			cpu_store(k->t, k->y, r * n + j,
			    expf(cpu_load(k->t, k->y, r * n + j) - mx) / s);
	}
}

static void
layernorm(const struct cpu_kernel *k)
{
	int64_t r, j, d = k->n;

	for (r = 0; r < k->rows; r++) {
		float m = 0, v = 0, c;

		for (j = 0; j < d; j++)
			m += cpu_load(k->t, k->a, r * d + j);
		m /= (float)d;
		for (j = 0; j < d; j++) {
			c = cpu_load(k->t, k->a, r * d + j) - m;
			v += c * c;
		}
		v /= (float)d;
		for (j = 0; j < d; j++)
			cpu_store(k->t, k->y, r * d + j,
			    (cpu_load(k->t, k->a, r * d + j) - m) /
			    sqrtf(v + k->eps) * cpu_load(k->t, k->b, j) +
			    cpu_load(k->t, k->c, j));
	}
}

static void
walk(const struct cpu_kernel *k)
{
	int64_t n = 1, i, rest, ix, oa, ob, oo;
	int d;

	for (d = 0; d < k->w.ndim; d++)
		n *= k->w.dims[d];
	for (i = 0; i < n; i++) {
		rest = i;
		oa = ob = oo = 0;
		for (d = k->w.ndim - 1; d >= 0; d--) {
			ix = rest % k->w.dims[d];
			rest /= k->w.dims[d];
			oa += ix * k->w.sa[d];
			ob += ix * k->w.sb[d];
			oo += ix * k->w.so[d];
		}
		cpu_store(k->t, k->y, oo, cpu_load(k->t, k->a, oa) +
		    (k->b != NULL ? cpu_load(k->t, k->b, ob) : 0));
	}
}

static void
kernel_fn(void *arg)
{
	const struct cpu_kernel *k = arg;
	int64_t i;
	float v;

	switch (k->kind) {
	case K_SOFTMAX:
		softmax(k);
		break;
	case K_LAYERNORM:
		layernorm(k);
		break;
	case K_GELU:
		for (i = 0; i < k->n; i++) {
			v = cpu_load(k->t, k->a, i);
			v = 0.5f * v * (1 + erff(v * 0.70710678f));
			cpu_store(k->t, k->y, i, k->flag ?
			    cpu_load(k->t, k->y, i) + v : v);
		}
		break;
	case K_WALK:
		walk(k);
		break;
	case K_CONVERT:
		for (i = 0; i < k->n; i++)
			if (k->flag)
				cpu_store(k->t, k->y, i, k->f[i]);
			else
				k->f[i] = cpu_load(k->t, k->y, i);
		break;
	}
}

static cudaError_t
kernel(struct cpu_kernel k, enum nnk_type t)
{
	struct cpu_kernel *p = malloc(sizeof(*p));

	if (p == NULL)
		return cudaErrorMemoryAllocation;
	k.t = t == NNK_F16 ? CUDA_R_16F : t == NNK_BF16 ? CUDA_R_16BF :
	    CUDA_R_32F;
	*p = k;
	cpu_submit(kernel_fn, p);
	return cudaSuccess;
}

cudaError_t
nnk_softmax(enum nnk_type t, void *x, int64_t rows, int64_t n, cudaStream_t s)
{
	(void)s;
	return kernel((struct cpu_kernel){ .kind = K_SOFTMAX, .y = x,
	    .rows = rows, .n = n }, t);
}

cudaError_t
nnk_layernorm(enum nnk_type t, const void *x, const void *gamma,
    const void *beta, void *y, int64_t rows, int64_t d, float eps,
    cudaStream_t s)
{
	(void)s;
	return kernel((struct cpu_kernel){ .kind = K_LAYERNORM, .a = x,
	    .b = gamma, .c = beta, .y = y, .rows = rows, .n = d, .eps = eps },
	    t);
}

cudaError_t
nnk_gelu(enum nnk_type t, const void *src, void *dst, int64_t n,
    int accumulate, cudaStream_t s)
{
	(void)s;
	return kernel((struct cpu_kernel){ .kind = K_GELU, .a = src, .y = dst,
	    .n = n, .flag = accumulate }, t);
}

cudaError_t
nnk_walk(enum nnk_type t, const void *a, const void *b, void *out,
    const struct nnk_walk *w, cudaStream_t s)
{
	(void)s;
	return kernel((struct cpu_kernel){ .kind = K_WALK, .a = a, .b = b,
	    .y = out, .w = *w }, t);
}

cudaError_t
nnk_convert(enum nnk_type t, float *f32, void *typed, int64_t n, int to_type,
    cudaStream_t s)
{
	(void)s;
	return kernel((struct cpu_kernel){ .kind = K_CONVERT, .f = f32,
	    .y = typed, .n = n, .flag = to_type }, t);
}

/* The attention and image kernels, on the CPU. */
struct cpu_attn {
	int		 t;
	const void	*q, *k, *v;
	void		*o;
	struct nnk_attn	 a;
};

static void
attn_fn(void *arg)
{
	const struct cpu_attn *x = arg;
	const struct nnk_attn *a = &x->a;
	int64_t b, h, i, j, e;
	float *p, mx, sum, acc;

	if ((p = malloc((size_t)a->lk * sizeof(*p))) == NULL)
		abort();
	for (b = 0; b < a->b; b++)
	for (h = 0; h < a->h; h++)
	for (i = 0; i < a->lq; i++) {
		int64_t qo = b * a->sq[0] + h * a->sq[1] + i * a->sq[2];

		mx = -INFINITY;
		for (j = 0; j < a->lk; j++) {
			int64_t ko = b * a->sk[0] + h * a->sk[1] + j * a->sk[2];

			for (acc = 0, e = 0; e < a->d; e++)
				acc += cpu_load(x->t, x->q, qo + e * a->sq[3]) *
				    cpu_load(x->t, x->k, ko + e * a->sk[3]);
			p[j] = acc * a->scale;
			mx = fmaxf(mx, p[j]);
		}
		for (sum = 0, j = 0; j < a->lk; j++)
			sum += p[j] = expf(p[j] - mx);
		for (e = 0; e < a->d; e++) {
			for (acc = 0, j = 0; j < a->lk; j++)
				acc += p[j] * cpu_load(x->t, x->v, b * a->sv[0] +
				    h * a->sv[1] + j * a->sv[2] + e * a->sv[3]);
			cpu_store(x->t, x->o, b * a->so[0] + h * a->so[1] +
			    i * a->so[2] + e * a->so[3], acc / sum);
		}
	}
	free(p);
}

static int
cuda_t(enum nnk_type t)
{
	return t == NNK_F16 ? CUDA_R_16F : t == NNK_BF16 ? CUDA_R_16BF :
	    CUDA_R_32F;
}

cudaError_t
nnk_attention(enum nnk_type t, const void *q, const void *k, const void *v,
    void *o, const struct nnk_attn *a, cudaStream_t s)
{
	struct cpu_attn *x;

	(void)s;
	if (nnk_attention_smem(a->lk, a->d) > NNK_ATTN_SMEM_MAX)
		return cudaErrorInvalidValue;
	if ((x = malloc(sizeof(*x))) == NULL)
		return cudaErrorMemoryAllocation;
	*x = (struct cpu_attn){ cuda_t(t), q, k, v, o, *a };
	cpu_submit(attn_fn, x);
	return cudaSuccess;
}

enum { I_POOL, I_UP, I_EPI };

struct cpu_img {
	int		 kind, t;
	const void	*x, *b, *r;
	const float	*src;
	void		*y;
	struct nnk_img	 xi, yi, ri, si;
	int		 k, stride, pad, silu;
};

static int64_t
img_at(const struct nnk_img *m, int64_t n, int64_t c, int64_t h, int64_t w)
{
	return n * m->s[0] + c * m->s[1] + h * m->s[2] + w * m->s[3];
}

static void
img_fn(void *arg)
{
	const struct cpu_img *x = arg;
	const struct nnk_img *yi = &x->yi, *xi = &x->xi;
	int64_t n, c, h, w, dy, dx;
	float v;

	for (n = 0; n < yi->dims[0]; n++)
	for (c = 0; c < yi->dims[1]; c++)
	for (h = 0; h < yi->dims[2]; h++)
	for (w = 0; w < yi->dims[3]; w++) {
		switch (x->kind) {
		case I_POOL:
			v = -INFINITY;
			for (dy = 0; dy < x->k; dy++)
			for (dx = 0; dx < x->k; dx++) {
				int64_t r = h * x->stride - x->pad + dy;
				int64_t q = w * x->stride - x->pad + dx;

				if (r >= 0 && r < xi->dims[2] && q >= 0 &&
				    q < xi->dims[3])
					v = fmaxf(v, cpu_load(x->t, x->x,
					    img_at(xi, n, c, r, q)));
			}
			break;
		case I_UP:
			v = cpu_load(x->t, x->x, img_at(xi, n, c, h / 2,
			    w / 2));
			break;
		default:
			v = x->src != NULL ? x->src[img_at(&x->si, n, c, h,
			    w)] : cpu_load(x->t, x->y, img_at(yi, n, c, h, w));
			if (x->b != NULL)
				v += cpu_load(x->t, x->b, c);
			if (x->silu)
				v = v / (1 + expf(-v));
			if (x->r != NULL)
				v += cpu_load(x->t, x->r, img_at(&x->ri, n, c,
				    h, w));
			break;
		}
		cpu_store(x->t, x->y, img_at(yi, n, c, h, w), v);
	}
}

static cudaError_t
img_submit(struct cpu_img k, enum nnk_type t)
{
	struct cpu_img *p = malloc(sizeof(*p));

	if (p == NULL)
		return cudaErrorMemoryAllocation;
	k.t = cuda_t(t);
	*p = k;
	cpu_submit(img_fn, p);
	return cudaSuccess;
}

cudaError_t
nnk_maxpool(enum nnk_type t, const void *x, const struct nnk_img *xi, void *y,
    const struct nnk_img *yi, int k, int stride, int pad, cudaStream_t s)
{
	(void)s;
	return img_submit((struct cpu_img){ .kind = I_POOL, .x = x, .y = y,
	    .xi = *xi, .yi = *yi, .k = k, .stride = stride, .pad = pad }, t);
}

cudaError_t
nnk_upsample2x(enum nnk_type t, const void *x, const struct nnk_img *xi,
    void *y, const struct nnk_img *yi, cudaStream_t s)
{
	(void)s;
	return img_submit((struct cpu_img){ .kind = I_UP, .x = x, .y = y,
	    .xi = *xi, .yi = *yi }, t);
}

cudaError_t
nnk_epilogue(enum nnk_type t, void *y, const struct nnk_img *yi,
    const float *src, const struct nnk_img *si, const void *bias, int silu,
    const void *r, const struct nnk_img *ri, cudaStream_t s)
{
	(void)s;
	return img_submit((struct cpu_img){ .kind = I_EPI, .y = y, .b = bias,
	    .r = r, .src = src, .yi = *yi, .ri = r != NULL ? *ri : *yi,
	    .si = src != NULL ? *si : *yi, .silu = silu }, t);
}
