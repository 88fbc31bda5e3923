/*
** cudnn_cpu.c - the cuDNN backend calls the CUDA backend makes for its
** SDPA_FWD operation, done on the CPU as the operation is documented
** (softmax(scale Q K^T) V per batch and head, any strides), built as
** libcudnn.so.9 for make check-nn-cuda-host.  With
** NN_CUDA_HOST_NOCAPTURE set it refuses to execute while a stream is
** captured, so the backend's way back to cuBLASLt gets run too.
*/
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cudnn_graph.h>
#include <library_types.h>

#include "cpu.h"

/* Every descriptor, whatever its type: the fields its type uses. */
struct cpu_dnn {
	int		 type, dt;
	int64_t		 dims[4], strides[4], uid;
	struct cpu_dnn	*t[5];		/* SDPA: Q, K, V, O, scale */
	struct cpu_dnn	*op, *graph;
	int64_t		 uids[5];
	void		*ptrs[5];
	int		 final;
};

struct cpu_sdpa {
	const struct cpu_dnn	*op;
	void			*p[5];
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
	*d = p;
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnBackendDestroyDescriptor(cudnnBackendDescriptor_t d)
{
	free(d);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnBackendFinalize(cudnnBackendDescriptor_t d)
{
	((struct cpu_dnn *)d)->final = 1;
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnBackendSetAttribute(cudnnBackendDescriptor_t desc,
    cudnnBackendAttributeName_t a, cudnnBackendAttributeType_t type,
    int64_t n, const void *v)
{
	struct cpu_dnn *d = desc, *const *dv = v;

	(void)type;
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
		d->op = *dv;
		break;
	case CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH:
		d->graph = *dv;
		break;
	case CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG:
		d->graph = (*dv)->graph;
		break;
	case CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS:
		memcpy(d->uids, v, (size_t)n * sizeof(int64_t));
		break;
	case CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS:
		memcpy(d->ptrs, v, (size_t)n * sizeof(void *));
		break;
	case CUDNN_ATTR_TENSOR_IS_BY_VALUE:
	case CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT:
	case CUDNN_ATTR_ENGINEHEUR_MODE:
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
		*count = 1;
		if (want >= 1)
			((struct cpu_dnn **)out)[0]->graph = d->graph;
		return CUDNN_STATUS_SUCCESS;
	}
	if (a == CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE) {
		*(int64_t *)out = 0;
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

cudnnStatus_t
cudnnBackendExecute(cudnnHandle_t h, cudnnBackendDescriptor_t plan,
    cudnnBackendDescriptor_t pack)
{
	const struct cpu_dnn *pl = plan, *pk = pack;
	struct cpu_sdpa *x;
	int i, j;

	(void)h;
	if (getenv("NN_CUDA_HOST_NOCAPTURE") != NULL && cpu_capturing())
		return CUDNN_STATUS_NOT_SUPPORTED;
	if (pl->graph == NULL || pl->graph->op == NULL || !pk->final ||
	    (x = malloc(sizeof(*x))) == NULL)
		return CUDNN_STATUS_BAD_PARAM;
	x->op = pl->graph->op;
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
