/*
** cudnn_cpu.c - the cuDNN backend calls the CUDA backend makes, done on
** the CPU as the operations are documented, built as libcudnn.so.9 for
** make check-nn-cuda-host: SDPA_FWD (softmax(scale Q K^T) V per batch
** and head, any strides), and graphs of a convolution forward (cross-
** correlation, NCHW dims, any strides) followed by pointwise ADD and
** SWISH_FWD ops through virtual fp32 tensors.
**
** With NN_CUDA_HOST_NOCAPTURE set it refuses to execute while a stream is
** captured, so the backend's way back to cuBLASLt gets run too.  The
** backend's ways down for convolutions are run by refusing plans:
** NN_CUDA_HOST_CONV=noshortcut refuses a second pointwise ADD, =conv any
** pointwise op, =dense also a convolution whose X or Y is not packed
** channels-last.  The heuristics' mode A offers nothing when
** NN_CUDA_HOST_FALLBACK is set, so the fallback list is asked.
*/
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cudnn_graph.h>
#include <library_types.h>

#include "cpu.h"

#define CPU_MAXOPS	8
#define CPU_MAXPACK	8

/* Every descriptor, whatever its type: the fields its type uses. */
struct cpu_dnn {
	int		 type, dt, virt;
	int64_t		 dims[4], strides[4], uid;
	struct cpu_dnn	*t[5];		/* SDPA: Q, K, V, O, scale */
	/* Convolution: X, W, Y, its descriptor; pointwise: X, B, Y, its. */
	struct cpu_dnn	*x, *w, *y, *b, *desc;
	int64_t		 cstride[2], cpad[2], cpost[2], cdil[2];
	int		 mode, spatial, conv_mode;
	double		 swish_beta;	/* cuDNN's default: 1 */
	struct cpu_dnn	*ops[CPU_MAXOPS], *graph;
	int		 nops, heur;
	int64_t		 uids[CPU_MAXPACK];
	void		*ptrs[CPU_MAXPACK];
	int		 npack;
	int		 final;
};

struct cpu_sdpa {
	const struct cpu_dnn	*op;
	void			*p[5];
};

/* A graph's execution: each real tensor's pointer (by uid), each
** virtual one's fp32 buffer. */
struct cpu_run {
	const struct cpu_dnn	*graph;
	int64_t			 uids[CPU_MAXPACK];
	void			*ptrs[CPU_MAXPACK];
	int			 npack;
};

size_t
cudnnGetVersion(void)
{
	return CUDNN_VERSION;
}

cudnnStatus_t
cudnnCreate(cudnnHandle_t *h)
{
	*h = (cudnnHandle_t)malloc(1);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnDestroy(cudnnHandle_t h)
{
	free(h);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetStream(cudnnHandle_t h, cudaStream_t s)
{
	(void)h;
	(void)s;
	return CUDNN_STATUS_SUCCESS;
}

const char *
cudnnGetErrorString(cudnnStatus_t s)
{
	return s == CUDNN_STATUS_SUCCESS ? "success" : "error (CPU stand-in)";
}

void
cudnnGetLastErrorString(char *msg, size_t n)
{
	if (n > 0)
		msg[0] = '\0';
}

cudnnStatus_t
cudnnBackendCreateDescriptor(cudnnBackendDescriptorType_t type,
    cudnnBackendDescriptor_t *d)
{
	struct cpu_dnn *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return CUDNN_STATUS_ALLOC_FAILED;
	p->type = type;
	p->swish_beta = 1;
	*d = p;
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnBackendDestroyDescriptor(cudnnBackendDescriptor_t d)
{
	free(d);
	return CUDNN_STATUS_SUCCESS;
}

/* Whether T is packed channels-last. */
static int
nhwc(const struct cpu_dnn *t)
{
	return t->strides[1] == 1 && t->strides[3] == t->dims[1] &&
	    t->strides[2] == t->dims[1] * t->dims[3] &&
	    t->strides[0] == t->strides[2] * t->dims[2];
}

/* Whether a plan for GRAPH is refused (NN_CUDA_HOST_CONV). */
static int
refused(const struct cpu_dnn *graph)
{
	const char *how = getenv("NN_CUDA_HOST_CONV");
	int i, adds = 0, pw = 0, conv = -1;

	if (how == NULL || graph == NULL)
		return 0;
	for (i = 0; i < graph->nops; i++) {
		const struct cpu_dnn *o = graph->ops[i];

		if (o->type == CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR) {
			pw++;
			adds += o->desc->mode == CUDNN_POINTWISE_ADD;
		} else if (o->type ==
		    CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR)
			conv = i;
	}
	if (conv < 0)
		return 0;
	if (strcmp(how, "noshortcut") == 0)
		return adds > 1;
	if (strcmp(how, "conv") == 0)
		return pw > 0;
	if (strcmp(how, "dense") == 0)
		return pw > 0 || !nhwc(graph->ops[conv]->x) ||
		    !nhwc(graph->ops[conv]->y);
	return 0;
}

cudnnStatus_t
cudnnBackendFinalize(cudnnBackendDescriptor_t desc)
{
	struct cpu_dnn *d = desc;

	if (d->type == CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR &&
	    (d->graph == NULL || refused(d->graph)))
		return CUDNN_STATUS_NOT_SUPPORTED;
	if (d->type == CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR &&
	    (d->spatial != 2 || d->conv_mode != CUDNN_CROSS_CORRELATION ||
	    d->cdil[0] != 1 || d->cdil[1] != 1 || d->cpad[0] != d->cpost[0] ||
	    d->cpad[1] != d->cpost[1]))
		return CUDNN_STATUS_NOT_SUPPORTED;
	d->final = 1;
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnBackendSetAttribute(cudnnBackendDescriptor_t desc,
    cudnnBackendAttributeName_t a, cudnnBackendAttributeType_t type,
    int64_t n, const void *v)
{
	struct cpu_dnn *d = desc, *const *dv = v;

	switch ((int)a) {
	case CUDNN_ATTR_TENSOR_DATA_TYPE:
		d->dt = *(const int *)v;
		break;
	case CUDNN_ATTR_TENSOR_DIMENSIONS:
	case CUDNN_ATTR_TENSOR_STRIDES:
		if (n != 4)
			return CUDNN_STATUS_NOT_SUPPORTED;
		memcpy(a == CUDNN_ATTR_TENSOR_DIMENSIONS ? d->dims :
		    d->strides, v, sizeof(d->dims));
		break;
	case CUDNN_ATTR_TENSOR_IS_VIRTUAL:
		d->virt = *(const bool *)v;
		break;
	case CUDNN_ATTR_CONVOLUTION_COMP_TYPE:
		break;
	case CUDNN_ATTR_CONVOLUTION_CONV_MODE:
		d->conv_mode = *(const int *)v;
		break;
	case CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS:
		d->spatial = (int)*(const int64_t *)v;
		break;
	case CUDNN_ATTR_CONVOLUTION_DILATIONS:
	case CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES:
	case CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS:
	case CUDNN_ATTR_CONVOLUTION_POST_PADDINGS:
		if (n != 2)
			return CUDNN_STATUS_NOT_SUPPORTED;
		memcpy(a == CUDNN_ATTR_CONVOLUTION_DILATIONS ? d->cdil :
		    a == CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES ? d->cstride :
		    a == CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS ? d->cpad :
		    d->cpost, v, 2 * sizeof(int64_t));
		break;
	case CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X:
	case CUDNN_ATTR_OPERATION_POINTWISE_XDESC:
		d->x = *dv;
		break;
	case CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W:
		d->w = *dv;
		break;
	case CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y:
	case CUDNN_ATTR_OPERATION_POINTWISE_YDESC:
		d->y = *dv;
		break;
	case CUDNN_ATTR_OPERATION_POINTWISE_BDESC:
		d->b = *dv;
		break;
	case CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC:
	case CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR:
		d->desc = *dv;
		break;
	case CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA:
	case CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA:
		if (*(const float *)v != (a ==
		    CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA ? 1.0f :
		    0.0f))
			return CUDNN_STATUS_NOT_SUPPORTED;
		break;
	case CUDNN_ATTR_POINTWISE_MODE:
		d->mode = *(const int *)v;
		if (d->mode != CUDNN_POINTWISE_ADD &&
		    d->mode != CUDNN_POINTWISE_SWISH_FWD)
			return CUDNN_STATUS_NOT_SUPPORTED;
		break;
	case CUDNN_ATTR_POINTWISE_MATH_PREC:
		break;
	case CUDNN_ATTR_POINTWISE_SWISH_BETA:
		if (type != CUDNN_TYPE_DOUBLE || n != 1)
			return CUDNN_STATUS_BAD_PARAM;
		d->swish_beta = *(const double *)v;
		break;
	case CUDNN_ATTR_TENSOR_UNIQUE_ID:
		d->uid = *(const int64_t *)v;
		break;
	case CUDNN_ATTR_OPERATION_SDPA_FWD_QDESC:
	case CUDNN_ATTR_OPERATION_SDPA_FWD_KDESC:
	case CUDNN_ATTR_OPERATION_SDPA_FWD_VDESC:
	case CUDNN_ATTR_OPERATION_SDPA_FWD_ODESC:
		d->t[a - CUDNN_ATTR_OPERATION_SDPA_FWD_QDESC] = *dv;
		break;
	case CUDNN_ATTR_OPERATION_SDPA_FWD_SCALEDESC:
		d->t[4] = *dv;
		break;
	case CUDNN_ATTR_OPERATIONGRAPH_OPS:
		if (n > CPU_MAXOPS)
			return CUDNN_STATUS_NOT_SUPPORTED;
		memcpy(d->ops, v, (size_t)n * sizeof(*d->ops));
		d->nops = (int)n;
		break;
	case CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH:
		d->graph = *dv;
		break;
	case CUDNN_ATTR_ENGINEHEUR_MODE:
		d->heur = *(const int *)v;
		break;
	case CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG:
		d->graph = (*dv)->graph;
		break;
	case CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS:
	case CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS:
		if (n > CPU_MAXPACK)
			return CUDNN_STATUS_NOT_SUPPORTED;
		if (a == CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS)
			memcpy(d->uids, v, (size_t)n * sizeof(int64_t));
		else
			memcpy(d->ptrs, v, (size_t)n * sizeof(void *));
		d->npack = (int)n;
		break;
	case CUDNN_ATTR_TENSOR_IS_BY_VALUE:
	case CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT:
	case CUDNN_ATTR_VARIANT_PACK_WORKSPACE:
	case 400:	/* the handles the backend sets by value */
	case 800:
		break;
	default:
		return CUDNN_STATUS_NOT_SUPPORTED;
	}
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnBackendGetAttribute(cudnnBackendDescriptor_t const desc,
    cudnnBackendAttributeName_t a, cudnnBackendAttributeType_t type,
    int64_t want, int64_t *count, void *out)
{
	struct cpu_dnn *d = desc;

	(void)type;
	if (a == CUDNN_ATTR_ENGINEHEUR_RESULTS) {
		*count = d->heur == CUDNN_HEUR_MODE_A &&
		    getenv("NN_CUDA_HOST_FALLBACK") != NULL ? 0 : 1;
		if (want >= 1 && *count >= 1)
			((struct cpu_dnn **)out)[0]->graph = d->graph;
		return CUDNN_STATUS_SUCCESS;
	}
	if (a == CUDNN_ATTR_ENGINECFG_ENGINE) {
		*count = 1;
		((struct cpu_dnn **)out)[0]->graph = d->graph;
		return CUDNN_STATUS_SUCCESS;
	}
	if (a == CUDNN_ATTR_ENGINE_GLOBAL_INDEX) {
		*count = 1;
		*(int64_t *)out = 0;
		return CUDNN_STATUS_SUCCESS;
	}
	if (a == CUDNN_ATTR_ENGINE_NUMERICAL_NOTE) {
		*count = 0;
		return CUDNN_STATUS_SUCCESS;
	}
	if (a == CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE) {
		/* Past cuBLASLt's 32 MiB: the backend's workspace grows. */
		*(int64_t *)out = d->graph != NULL && d->graph->nops > 0 &&
		    d->graph->ops[0]->type ==
		    CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR ?
		    (int64_t)40 << 20 : 0;
		return CUDNN_STATUS_SUCCESS;
	}
	return CUDNN_STATUS_NOT_SUPPORTED;
}

static int
cuda_type(int dnn_type)
{
	return dnn_type == CUDNN_DATA_HALF ? CUDA_R_16F :
	    dnn_type == CUDNN_DATA_BFLOAT16 ? CUDA_R_16BF : CUDA_R_32F;
}

static int64_t
at(const struct cpu_dnn *t, int64_t b, int64_t h, int64_t i, int64_t e)
{
	return b * t->strides[0] + h * t->strides[1] + i * t->strides[2] +
	    e * t->strides[3];
}

static void
sdpa_fn(void *arg)
{
	const struct cpu_sdpa *x = arg;
	const struct cpu_dnn *q = x->op->t[0], *k = x->op->t[1];
	const struct cpu_dnn *v = x->op->t[2], *o = x->op->t[3];
	float scale = *(const float *)x->p[4], *p, mx, sum, acc;
	int64_t b, h, i, j, e, sk = k->dims[2], d = q->dims[3];

	if ((p = malloc((size_t)sk * sizeof(*p))) == NULL)
		abort();
	for (b = 0; b < q->dims[0]; b++)
	for (h = 0; h < q->dims[1]; h++)
	for (i = 0; i < q->dims[2]; i++) {
		mx = -INFINITY;
		for (j = 0; j < sk; j++) {
			p[j] = 0;
			for (e = 0; e < d; e++)
				p[j] += cpu_load(cuda_type(q->dt), x->p[0],
				    at(q, b, h, i, e)) *
				    cpu_load(cuda_type(k->dt), x->p[1],
				    at(k, b, h, j, e));
			p[j] *= scale;
			mx = fmaxf(mx, p[j]);
		}
		for (sum = 0, j = 0; j < sk; j++)
			sum += p[j] = expf(p[j] - mx);
		for (e = 0; e < d; e++) {
			for (acc = 0, j = 0; j < sk; j++)
				acc += p[j] / sum * cpu_load(cuda_type(v->dt),
				    x->p[2], at(v, b, h, j, e));
			cpu_store(cuda_type(o->dt), x->p[3], at(o, b, h, i, e),
			    acc);
		}
	}
	free(p);
}

/* A virtual tensor's fp32 buffer, or a real one's pointer. */
struct cpu_val {
	const struct cpu_dnn	*t;
	void			*p;
	int			 own;
};

static void *
val(struct cpu_val *v, int *nv, const struct cpu_run *r,
    const struct cpu_dnn *t)
{
	int64_t n = 1;
	int i;

	for (i = 0; i < *nv; i++)
		if (v[i].t == t)
			return v[i].p;
	v[*nv].t = t;
	v[*nv].own = t->virt;
	v[*nv].p = NULL;
	if (t->virt) {
		for (i = 0; i < 4; i++)
			n += (t->dims[i] - 1) * t->strides[i];
		if ((v[*nv].p = calloc((size_t)n, sizeof(float))) == NULL)
			abort();
	} else
		for (i = 0; i < r->npack; i++)
			if (r->uids[i] == t->uid)
				v[*nv].p = r->ptrs[i];
	return v[(*nv)++].p;
}

static float
get(const struct cpu_dnn *t, const void *p, const int64_t *ix)
{
	int64_t o = 0;
	int i;

	for (i = 0; i < 4; i++)
		o += (t->dims[i] == 1 ? 0 : ix[i]) * t->strides[i];
	return t->virt ? ((const float *)p)[o] : cpu_load(cuda_type(t->dt), p,
	    o);
}

static void
put(const struct cpu_dnn *t, void *p, const int64_t *ix, float x)
{
	int64_t o = 0;
	int i;

	for (i = 0; i < 4; i++)
		o += ix[i] * t->strides[i];
	if (t->virt)
		((float *)p)[o] = x;
	else
		cpu_store(cuda_type(t->dt), p, o, x);
}

static void
conv(const struct cpu_dnn *op, const void *x, const void *w, void *y)
{
	const struct cpu_dnn *tx = op->x, *tw = op->w, *ty = op->y;
	const struct cpu_dnn *c = op->desc;
	int64_t o[4], ix[4], iw[4];

	for (o[0] = 0; o[0] < ty->dims[0]; o[0]++)
	for (o[1] = 0; o[1] < ty->dims[1]; o[1]++)
	for (o[2] = 0; o[2] < ty->dims[2]; o[2]++)
	for (o[3] = 0; o[3] < ty->dims[3]; o[3]++) {
		float acc = 0;

		ix[0] = o[0];
		iw[0] = o[1];
		for (iw[1] = 0; iw[1] < tw->dims[1]; iw[1]++)
		for (iw[2] = 0; iw[2] < tw->dims[2]; iw[2]++)
		for (iw[3] = 0; iw[3] < tw->dims[3]; iw[3]++) {
			ix[1] = iw[1];
			ix[2] = o[2] * c->cstride[0] - c->cpad[0] + iw[2];
			ix[3] = o[3] * c->cstride[1] - c->cpad[1] + iw[3];
			if (ix[2] < 0 || ix[2] >= tx->dims[2] || ix[3] < 0 ||
			    ix[3] >= tx->dims[3])
				continue;
			acc += get(tx, x, ix) * get(tw, w, iw);
		}
		put(ty, y, o, acc);
	}
}

static void
pointwise(const struct cpu_dnn *op, const void *x, const void *b, void *y)
{
	const struct cpu_dnn *ty = op->y;
	int64_t o[4];
	float v;

	for (o[0] = 0; o[0] < ty->dims[0]; o[0]++)
	for (o[1] = 0; o[1] < ty->dims[1]; o[1]++)
	for (o[2] = 0; o[2] < ty->dims[2]; o[2]++)
	for (o[3] = 0; o[3] < ty->dims[3]; o[3]++) {
		v = get(op->x, x, o);
		if (op->desc->mode == CUDNN_POINTWISE_ADD)
			v += get(op->b, b, o);
		else
			v = v / (1 + expf(-(float)op->desc->swish_beta * v));
		put(ty, y, o, v);
	}
}

static void
graph_fn(void *arg)
{
	const struct cpu_run *r = arg;
	struct cpu_val v[4 * CPU_MAXOPS];
	int i, nv = 0;

	for (i = 0; i < r->graph->nops; i++) {
		const struct cpu_dnn *o = r->graph->ops[i];

		if (o->type ==
		    CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR)
			conv(o, val(v, &nv, r, o->x), val(v, &nv, r, o->w),
			    val(v, &nv, r, o->y));
		else
			pointwise(o, val(v, &nv, r, o->x), o->b != NULL ?
			    val(v, &nv, r, o->b) : NULL, val(v, &nv, r, o->y));
	}
	for (i = 0; i < nv; i++)
		if (v[i].own)
			free(v[i].p);
}

cudnnStatus_t
cudnnBackendExecute(cudnnHandle_t h, cudnnBackendDescriptor_t plan,
    cudnnBackendDescriptor_t pack)
{
	const struct cpu_dnn *pl = plan, *pk = pack;
	struct cpu_sdpa *x;
	struct cpu_run *r;
	int i, j;

	(void)h;
	if (getenv("NN_CUDA_HOST_NOCAPTURE") != NULL && cpu_capturing())
		return CUDNN_STATUS_NOT_SUPPORTED;
	if (!pl->final || pl->graph == NULL || pl->graph->nops < 1 ||
	    !pk->final)
		return CUDNN_STATUS_BAD_PARAM;
	if (pl->graph->ops[0]->type !=
	    CUDNN_BACKEND_OPERATION_SDPA_FWD_DESCRIPTOR) {
		/* Every real tensor of the graph must have its pointer. */
		for (i = 0; i < pl->graph->nops; i++) {
			const struct cpu_dnn *o = pl->graph->ops[i];
			const struct cpu_dnn *ts[4] = { o->x, o->w, o->b, o->y };

			for (j = 0; j < 4; j++) {
				int k, found = 0;

				if (ts[j] == NULL || ts[j]->virt)
					continue;
				for (k = 0; k < pk->npack; k++)
					found |= pk->uids[k] == ts[j]->uid &&
					    pk->ptrs[k] != NULL;
				if (!found)
					return CUDNN_STATUS_BAD_PARAM;
			}
		}
		if ((r = malloc(sizeof(*r))) == NULL)
			return CUDNN_STATUS_ALLOC_FAILED;
		r->graph = pl->graph;
		r->npack = pk->npack;
		memcpy(r->uids, pk->uids, sizeof(r->uids));
		memcpy(r->ptrs, pk->ptrs, sizeof(r->ptrs));
		cpu_submit(graph_fn, r);
		return CUDNN_STATUS_SUCCESS;
	}
	if ((x = malloc(sizeof(*x))) == NULL)
		return CUDNN_STATUS_BAD_PARAM;
	x->op = pl->graph->ops[0];
	for (i = 0; i < 5; i++) {
		x->p[i] = NULL;
		for (j = 0; j < 5; j++)
			if (pk->uids[j] == x->op->t[i]->uid)
				x->p[i] = pk->ptrs[j];
		if (x->p[i] == NULL) {
			free(x);
			return CUDNN_STATUS_BAD_PARAM;
		}
	}
	cpu_submit(sdpa_fn, x);
	return CUDNN_STATUS_SUCCESS;
}
