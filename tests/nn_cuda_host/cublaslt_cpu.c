/*
** cublaslt_cpu.c - the cuBLASLt calls the CUDA backend makes, done on the
** CPU (a loop over the column-major layouts, batches and epilogues as
** cuBLASLt's documentation defines them), built as libcublasLt.so.13 for
** make check-nn-cuda-host.  The GELU epilogue is the tanh approximation
** here, so the test's "which GELU" line reads tanh: it says nothing of
** the real library's.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cublasLt.h>

#include "cpu.h"

struct cpu_desc {
	int		 ta, tb, epi;
	const void	*bias;
};

struct cpu_layout {
	cudaDataType_t	 dt;
	uint64_t	 rows, cols;
	int64_t		 ld, stride;
	int32_t		 batch;
};

struct cpu_mm {
	struct cpu_desc		 d;
	struct cpu_layout	 a, b, c;
	float			 alpha, beta;
	const void		*pa, *pb;
	void			*pc;
};

cublasStatus_t
cublasLtCreate(cublasLtHandle_t *h)
{
	*h = (cublasLtHandle_t)malloc(1);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtDestroy(cublasLtHandle_t h)
{
	free(h);
	return CUBLAS_STATUS_SUCCESS;
}

const char *
cublasLtGetStatusString(cublasStatus_t s)
{
	return s == CUBLAS_STATUS_SUCCESS ? "success" : "error (CPU stand-in)";
}

cublasStatus_t
cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *d, cublasComputeType_t ct,
    cudaDataType_t scale)
{
	(void)ct;
	(void)scale;
	*d = (cublasLtMatmulDesc_t)calloc(1, sizeof(struct cpu_desc));
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t d)
{
	free(d);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t desc,
    cublasLtMatmulDescAttributes_t a, const void *v, size_t n)
{
	struct cpu_desc *d = (struct cpu_desc *)desc;

	(void)n;
	switch (a) {
	case CUBLASLT_MATMUL_DESC_TRANSA:
		d->ta = *(const int *)v != CUBLAS_OP_N;
		break;
	case CUBLASLT_MATMUL_DESC_TRANSB:
		d->tb = *(const int *)v != CUBLAS_OP_N;
		break;
	case CUBLASLT_MATMUL_DESC_EPILOGUE:
		d->epi = *(const int *)v;
		break;
	case CUBLASLT_MATMUL_DESC_BIAS_POINTER:
		memcpy(&d->bias, v, sizeof(d->bias));
		break;
	default:
		return CUBLAS_STATUS_INVALID_VALUE;
	}
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *l, cudaDataType t,
    uint64_t rows, uint64_t cols, int64_t ld)
{
	struct cpu_layout *p;

	if (ld < (int64_t)rows)
		return CUBLAS_STATUS_INVALID_VALUE;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CUBLAS_STATUS_ALLOC_FAILED;
	p->dt = t;
	p->rows = rows;
	p->cols = cols;
	p->ld = ld;
	p->batch = 1;
	*l = (cublasLtMatrixLayout_t)p;
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t l)
{
	free(l);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t l,
    cublasLtMatrixLayoutAttribute_t a, const void *v, size_t n)
{
	struct cpu_layout *p = (struct cpu_layout *)l;

	(void)n;
	if (a == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT)
		p->batch = *(const int32_t *)v;
	else if (a == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET)
		p->stride = *(const int64_t *)v;
	else
		return CUBLAS_STATUS_INVALID_VALUE;
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *p)
{
	*p = (cublasLtMatmulPreference_t)malloc(1);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t p)
{
	free(p);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t p,
    cublasLtMatmulPreferenceAttributes_t a, const void *v, size_t n)
{
	(void)p;
	(void)a;
	(void)v;
	(void)n;
	return CUBLAS_STATUS_SUCCESS;
}

/* Refuses what cuBLASLt would: operands that do not multiply. */
cublasStatus_t
cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t h, cublasLtMatmulDesc_t desc,
    cublasLtMatrixLayout_t la, cublasLtMatrixLayout_t lb,
    cublasLtMatrixLayout_t lc, cublasLtMatrixLayout_t ld,
    cublasLtMatmulPreference_t pref, int want,
    cublasLtMatmulHeuristicResult_t *res, int *found)
{
	const struct cpu_desc *d = (const struct cpu_desc *)desc;
	const struct cpu_layout *a = (const void *)la, *b = (const void *)lb;
	const struct cpu_layout *c = (const void *)lc;
	uint64_t m = d->ta ? a->cols : a->rows, k = d->ta ? a->rows : a->cols;
	uint64_t k2 = d->tb ? b->cols : b->rows, n = d->tb ? b->rows : b->cols;

	(void)h;
	(void)ld;
	(void)pref;
	(void)want;
	*found = 0;
	if (k != k2 || c->rows != m || c->cols != n || a->batch != c->batch ||
	    b->batch != c->batch)
		return CUBLAS_STATUS_INVALID_VALUE;
	memset(res, 0, sizeof(*res));
	*found = 1;
	return CUBLAS_STATUS_SUCCESS;
}

static void
matmul_fn(void *arg)
{
	const struct cpu_mm *x = arg;
	const struct cpu_layout *a = &x->a, *b = &x->b, *c = &x->c;
	uint64_t i, j, l, k = x->d.ta ? a->rows : a->cols;
	int64_t ia, ib, ic;
	int32_t bt;
	double s;

	for (bt = 0; bt < c->batch; bt++)
	for (j = 0; j < c->cols; j++)
	for (i = 0; i < c->rows; i++) {
		s = 0;
		for (l = 0; l < k; l++) {
			ia = bt * a->stride + (int64_t)(x->d.ta ?
			    i * a->ld + l : l * a->ld + i);
			ib = bt * b->stride + (int64_t)(x->d.tb ?
			    l * b->ld + j : j * b->ld + l);
			s += (double)cpu_load(a->dt, x->pa, ia) *
			    cpu_load(b->dt, x->pb, ib);
		}
		ic = bt * c->stride + (int64_t)(j * c->ld + i);
		s *= x->alpha;
		if (x->beta != 0)
			s += x->beta * cpu_load(c->dt, x->pc, ic);
		if (x->d.epi == CUBLASLT_EPILOGUE_BIAS ||
		    x->d.epi == CUBLASLT_EPILOGUE_GELU_BIAS)
			s += cpu_load(c->dt, x->d.bias, (int64_t)i);
		if (x->d.epi == CUBLASLT_EPILOGUE_GELU ||
		    x->d.epi == CUBLASLT_EPILOGUE_GELU_BIAS)
			s = 0.5 * s * (1 + tanh(sqrt(2 / M_PI) *
			    (s + 0.044715 * s * s * s)));
		cpu_store(c->dt, x->pc, ic, (float)s);
	}
}

cublasStatus_t
cublasLtMatmul(cublasLtHandle_t h, cublasLtMatmulDesc_t desc,
    const void *alpha, const void *A, cublasLtMatrixLayout_t la,
    const void *B, cublasLtMatrixLayout_t lb, const void *beta, const void *C,
    cublasLtMatrixLayout_t lc, void *D, cublasLtMatrixLayout_t ld,
    const cublasLtMatmulAlgo_t *algo, void *ws, size_t wsb, cudaStream_t s)
{
	struct cpu_mm *x;

	(void)h;
	(void)ld;
	(void)algo;
	(void)ws;
	(void)wsb;
	(void)s;
	if (C != D)
		return CUBLAS_STATUS_NOT_SUPPORTED;	/* not what nn asks */
	if ((x = malloc(sizeof(*x))) == NULL)
		return CUBLAS_STATUS_ALLOC_FAILED;
	x->d = *(const struct cpu_desc *)desc;
	x->a = *(const struct cpu_layout *)la;
	x->b = *(const struct cpu_layout *)lb;
	x->c = *(const struct cpu_layout *)lc;
	x->alpha = *(const float *)alpha;
	x->beta = *(const float *)beta;
	x->pa = A;
	x->pb = B;
	x->pc = D;
	cpu_submit(matmul_fn, x);
	return CUBLAS_STATUS_SUCCESS;
}
