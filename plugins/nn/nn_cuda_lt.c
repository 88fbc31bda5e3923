/*
** nn_cuda_lt.c - the CUDA backend's products through cuBLASLt: linear
** layers (bias in the epilogue, the residual through beta = 1) and batched
** matmuls over strided views, each planned once (descriptors, layouts, the
** heuristic's algorithm for its shape and alignment) and replayed.
**
** cuBLASLt is opened here with dlopen, in the probe's process, as the gpu
** plugin opens cuBLAS (plugins/gpu/gemm.c): it is hundreds of MB, and every
** dyno command loads every plugin.  The handle is never dlclose()d:
** cuBLASLt's exit-time handlers must find it mapped.
*/
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_cuda.h"
#include "nn_cuda_int.h"

#ifndef NN_CUDA_LIBDIR
#define NN_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif
#define CU_STR2(x) #x
#define CU_STR(x) CU_STR2(x)
#define CU_LT_SONAME "libcublasLt.so." CU_STR(CUBLAS_VER_MAJOR)

static const struct { const char *sym; size_t off; } cu_syms[] = {
#define CU_SYM(f, name) { name, offsetof(struct cu_api, f) }
	CU_SYM(create, "cublasLtCreate"),
	CU_SYM(destroy, "cublasLtDestroy"),
	CU_SYM(desc_create, "cublasLtMatmulDescCreate"),
	CU_SYM(desc_destroy, "cublasLtMatmulDescDestroy"),
	CU_SYM(desc_set, "cublasLtMatmulDescSetAttribute"),
	CU_SYM(layout_create, "cublasLtMatrixLayoutCreate"),
	CU_SYM(layout_destroy, "cublasLtMatrixLayoutDestroy"),
	CU_SYM(layout_set, "cublasLtMatrixLayoutSetAttribute"),
	CU_SYM(pref_create, "cublasLtMatmulPreferenceCreate"),
	CU_SYM(pref_destroy, "cublasLtMatmulPreferenceDestroy"),
	CU_SYM(pref_set, "cublasLtMatmulPreferenceSetAttribute"),
	CU_SYM(heuristic, "cublasLtMatmulAlgoGetHeuristic"),
	CU_SYM(matmul, "cublasLtMatmul"),
	CU_SYM(status_string, "cublasLtGetStatusString"),
#undef CU_SYM
};

/* cuBLASLt from CUDA's library directory, else by soname. */
int
cu_load_lt(struct nn_graph *g, struct cu_api *api)
{
	char path[512];
	const char *why;
	void *lib;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", NN_CUDA_LIBDIR, CU_LT_SONAME);
	(void)dlerror();
	if ((lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL &&
	    (lib = dlopen(CU_LT_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return nn_set_error(g, "nn: cuda: cannot load %s (%s)",
		    CU_LT_SONAME, why != NULL ? why : "not found");
	}
	for (i = 0; i < sizeof(cu_syms) / sizeof(cu_syms[0]); i++) {
		void *sym = dlsym(lib, cu_syms[i].sym);

		if (sym == NULL)
			return nn_set_error(g, "nn: cuda: %s has no %s",
			    CU_LT_SONAME, cu_syms[i].sym);
		memcpy((char *)api + cu_syms[i].off, &sym, sizeof(sym));
	}
	return 0;
}

/* The largest power of two up to 256 dividing every address in P[]. */
static uint32_t
alignment(const unsigned char *const *p, int n)
{
	uint32_t a = 256;
	int i;

	for (i = 0; i < n; i++)
		while (a > 1 && (uintptr_t)p[i] % a != 0)
			a /= 2;
	return a;
}

/* M's descriptor (EPI with BIAS), the algorithm cuBLASLt's heuristic
** picks for it, once. */
static int
mm_plan(struct nn_graph *g, struct cu_state *s, struct cu_mm *m,
    cublasOperation_t ta, cublasOperation_t tb, cublasLtEpilogue_t epi,
    const void *bias, const char *what)
{
	cublasLtMatmulPreference_t pref;
	cublasLtMatmulHeuristicResult_t res;
	const unsigned char *ptrs[3];
	uint64_t wsb = CU_WORKSPACE;
	uint32_t al[3];
	int64_t i;
	int k, found = 0;
	cublasStatus_t st;

	LT(s->api.desc_create(&m->desc, s->ct, CUDA_R_32F),
	    "cublasLtMatmulDescCreate");
	LT(s->api.desc_set(m->desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta,
	    sizeof(ta)), "cublasLtMatmulDescSetAttribute (TRANSA)");
	LT(s->api.desc_set(m->desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb,
	    sizeof(tb)), "cublasLtMatmulDescSetAttribute (TRANSB)");
	LT(s->api.desc_set(m->desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi,
	    sizeof(epi)), "cublasLtMatmulDescSetAttribute (EPILOGUE)");
	if (bias != NULL)
		LT(s->api.desc_set(m->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
		    &bias, sizeof(bias)),
		    "cublasLtMatmulDescSetAttribute (BIAS_POINTER)");
	/* The worst alignment over every call of the loop. */
	for (k = 0; k < 3; k++)
		al[k] = 256;
	for (i = 0; i < (m->nloop > 0 ? m->nloop : 1); i++) {
		for (k = 0; k < 3; k++) {
			const unsigned char *base = k == 0 ? m->a : k == 1 ?
			    m->b : m->c;

			ptrs[k] = base + (m->loop != NULL ?
			    (size_t)m->loop[3 * i + k] * s->el : 0);
			if (alignment(&ptrs[k], 1) < al[k])
				al[k] = alignment(&ptrs[k], 1);
		}
	}
	LT(s->api.pref_create(&pref), "cublasLtMatmulPreferenceCreate");
	st = s->api.pref_set(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
	    &wsb, sizeof(wsb));
	if (st == CUBLAS_STATUS_SUCCESS)
		st = s->api.pref_set(pref,
		    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al[0],
		    sizeof(al[0]));
	if (st == CUBLAS_STATUS_SUCCESS)
		st = s->api.pref_set(pref,
		    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al[1],
		    sizeof(al[1]));
	if (st == CUBLAS_STATUS_SUCCESS)
		st = s->api.pref_set(pref,
		    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al[2],
		    sizeof(al[2]));
	if (st == CUBLAS_STATUS_SUCCESS)
		st = s->api.pref_set(pref,
		    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al[2],
		    sizeof(al[2]));
	if (st == CUBLAS_STATUS_SUCCESS)
		st = s->api.heuristic(s->lt, m->desc, m->la, m->lb, m->lc,
		    m->lc, pref, 1, &res, &found);
	(void)s->api.pref_destroy(pref);
	if (st != CUBLAS_STATUS_SUCCESS)
		return nn_set_error(g, "nn: cuda: %s: "
		    "cublasLtMatmulAlgoGetHeuristic failed: %s", what,
		    s->api.status_string(st));
	if (found < 1)
		return nn_set_error(g, "nn: cuda: %s: cuBLASLt has no "
		    "algorithm for this product", what);
	m->algo = res.algo;
	return 0;
}

static int
layout(struct nn_graph *g, struct cu_state *s, cublasLtMatrixLayout_t *l,
    int64_t rows, int64_t cols, int64_t ld, int32_t batch, int64_t stride)
{
	LT(s->api.layout_create(l, s->dt, (uint64_t)rows, (uint64_t)cols, ld),
	    "cublasLtMatrixLayoutCreate");
	if (batch > 1) {
		LT(s->api.layout_set(*l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
		    &batch, sizeof(batch)),
		    "cublasLtMatrixLayoutSetAttribute (BATCH_COUNT)");
		LT(s->api.layout_set(*l,
		    CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
		    sizeof(stride)),
		    "cublasLtMatrixLayoutSetAttribute (STRIDED_BATCH_OFFSET)");
	}
	return 0;
}

/*
** y = x W^T + b: in cuBLASLt's column-major terms y^T (N x rows) =
** W (stored K x N, transposed) times x^T (K x rows).  The bias is the
** epilogue's; a residual is C with beta = 1 (C and D one buffer).
*/
int
cu_op_linear(struct nn_graph *g, struct cu_state *s, const struct nn_op *op,
    struct cu_op *o)
{
	const struct nn_tensor *w = &g->t[op->in[1]];
	const char *name = g->t[w->root].name;
	int64_t n = w->dims[0], k = nn_numel(g, op->in[1]) / n;
	int64_t rows = nn_numel(g, op->in[0]) / k;
	cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_DEFAULT;
	struct cu_mm *m;
	const void *bias;
	int gelu = op->act == NN_ACT_GELU_ERF;

	if ((m = o->mm = calloc(1, sizeof(*m))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	m->a = cu_data_of(g, s, op->in[1]);
	m->b = cu_data_of(g, s, op->in[0]);
	m->c = m->out = cu_data_of(g, s, op->out);
	m->alpha = 1;
	m->beta = op->accumulate ? 1 : 0;
	m->n = rows * n;
	/* act(xW + b) + residual: the product goes to the scratch buffer,
	** the GELU kernel adds it into the residual. */
	if (gelu && op->accumulate) {
		m->c = s->tmp;
		m->beta = 0;
		m->gelu_from_tmp = 1;
	}
	m->gelu = gelu && !((s->flags & NN_CUDA_LT_GELU) && !op->accumulate);
	bias = op->in[2] >= 0 ? cu_data_of(g, s, op->in[2]) : NULL;
	if (bias != NULL)
		epi = gelu && !m->gelu ? CUBLASLT_EPILOGUE_GELU_BIAS :
		    CUBLASLT_EPILOGUE_BIAS;
	else if (gelu && !m->gelu)
		epi = CUBLASLT_EPILOGUE_GELU;
	if (layout(g, s, &m->la, k, n, k, 1, 0) < 0 ||
	    layout(g, s, &m->lb, k, rows, k, 1, 0) < 0 ||
	    layout(g, s, &m->lc, n, rows, n, 1, 0) < 0 ||
	    mm_plan(g, s, m, CUBLAS_OP_T, CUBLAS_OP_N, epi, bias, name) < 0)
		return -1;
	snprintf(o->impl, sizeof(o->impl), "cublasLt%s%s%s",
	    bias != NULL ? ":bias" : "", gelu ? (m->gelu ?
	    "+gelu_erf kernel" : ":gelu epilogue") : "",
	    op->accumulate ? "+residual" : "");
	return 0;
}

/* A batch axis of a matmul: its size and its stride in A, B and C. */
struct cu_axis {
	int64_t	n, sa, sb, sc;
};

/*
** C = scale A B over the last two axes, any strides with one unit stride
** per matrix.  Column-major, C^T (N x M) = B^T A^T: cuBLASLt's A is our
** B, its B our A.  Batch axes that are one in memory merge; the largest
** remaining one is cuBLASLt's strided batch, the others a loop of calls
** (attention's heads: 8 calls, each over every sequence).
*/
int
cu_op_matmul(struct nn_graph *g, struct cu_state *s, const struct nn_op *op,
    struct cu_op *o)
{
	const struct nn_tensor *a = &g->t[op->in[0]], *b = &g->t[op->in[1]];
	const struct nn_tensor *c = &g->t[op->out];
	int nd = a->ndim, nax = 0, big = -1, i, j;
	int64_t mm = a->dims[nd - 2], kk = a->dims[nd - 1];
	int64_t nn = b->dims[nd - 1];
	int64_t sam = a->strides[nd - 2], sak = a->strides[nd - 1];
	int64_t sbk = b->strides[nd - 2], sbn = b->strides[nd - 1];
	int64_t scm = c->strides[nd - 2], scn = c->strides[nd - 1];
	int64_t lda, ldb, ldc, l, rest;
	struct cu_axis ax[NN_MAXDIM], lt = { 1, 0, 0, 0 };
	cublasOperation_t ta, tb;
	struct cu_mm *m;

	if (scn != 1 && nn != 1)
		return nn_set_error(g, "nn: cuda: matmul: the output's rows "
		    "are not contiguous");
	ldc = scm > nn ? scm : nn;
	/* cuBLASLt's A: our B, N x K column-major (rows contiguous) or its
	** transpose. */
	if (sbn == 1 || nn == 1) {
		ta = CUBLAS_OP_N;
		lda = sbk > nn ? sbk : nn;
	} else if (sbk == 1 || kk == 1) {
		ta = CUBLAS_OP_T;
		lda = sbn > kk ? sbn : kk;
	} else
		return nn_set_error(g, "nn: cuda: matmul: the right operand "
		    "has no unit stride");
	if (sak == 1 || kk == 1) {
		tb = CUBLAS_OP_N;
		ldb = sam > kk ? sam : kk;
	} else if (sam == 1 || mm == 1) {
		tb = CUBLAS_OP_T;
		ldb = sak > mm ? sak : mm;
	} else
		return nn_set_error(g, "nn: cuda: matmul: the left operand "
		    "has no unit stride");
	for (i = 0; i < nd - 2; i++) {
		struct cu_axis x = { a->dims[i], a->strides[i], b->strides[i],
		    c->strides[i] };

		if (x.n == 1)
			continue;
		if (nax > 0 && ax[nax - 1].sa == x.sa * x.n &&
		    ax[nax - 1].sb == x.sb * x.n &&
		    ax[nax - 1].sc == x.sc * x.n) {
			ax[nax - 1].n *= x.n;
			ax[nax - 1].sa = x.sa;
			ax[nax - 1].sb = x.sb;
			ax[nax - 1].sc = x.sc;
			continue;
		}
		ax[nax++] = x;
	}
	for (i = 0; i < nax; i++)
		if (big < 0 || ax[i].n > ax[big].n)
			big = i;
	if (big >= 0) {
		lt = ax[big];
		if (lt.n > INT32_MAX)
			return nn_set_error(g, "nn: cuda: matmul: batch of "
			    "%lld", (long long)lt.n);
	}
	if ((m = o->mm = calloc(1, sizeof(*m))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	m->a = cu_data_of(g, s, op->in[1]);
	m->b = cu_data_of(g, s, op->in[0]);
	m->c = m->out = cu_data_of(g, s, op->out);
	m->alpha = op->f;
	m->beta = 0;
	m->nloop = 1;
	for (i = 0; i < nax; i++)
		if (i != big)
			m->nloop *= ax[i].n;
	if ((m->loop = calloc(3 * m->nloop, sizeof(*m->loop))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	for (l = 0; l < m->nloop; l++) {
		rest = l;
		for (j = nax - 1; j >= 0; j--) {
			int64_t ix;

			if (j == big)
				continue;
			ix = rest % ax[j].n;
			rest /= ax[j].n;
			m->loop[3 * l] += ix * ax[j].sb;
			m->loop[3 * l + 1] += ix * ax[j].sa;
			m->loop[3 * l + 2] += ix * ax[j].sc;
		}
	}
	if (layout(g, s, &m->la, ta == CUBLAS_OP_N ? nn : kk,
	    ta == CUBLAS_OP_N ? kk : nn, lda, (int32_t)lt.n, lt.sb) < 0 ||
	    layout(g, s, &m->lb, tb == CUBLAS_OP_N ? kk : mm,
	    tb == CUBLAS_OP_N ? mm : kk, ldb, (int32_t)lt.n, lt.sa) < 0 ||
	    layout(g, s, &m->lc, nn, mm, ldc, (int32_t)lt.n, lt.sc) < 0 ||
	    mm_plan(g, s, m, ta, tb, CUBLASLT_EPILOGUE_DEFAULT, NULL,
	    "matmul") < 0)
		return -1;
	snprintf(o->impl, sizeof(o->impl), "cublasLt:batch %lld x %lld calls",
	    (long long)lt.n, (long long)m->nloop);
	return 0;
}

int
cu_run_mm(struct nn_graph *g, struct cu_state *s, const struct cu_mm *m)
{
	int64_t i;

	for (i = 0; i < (m->nloop > 0 ? m->nloop : 1); i++) {
		const int64_t *off = m->loop != NULL ? m->loop + 3 * i :
		    (const int64_t[3]){ 0, 0, 0 };
		unsigned char *c = m->c + (size_t)off[2] * s->el;

		LT(s->api.matmul(s->lt, m->desc, &m->alpha,
		    m->a + (size_t)off[0] * s->el, m->la,
		    m->b + (size_t)off[1] * s->el, m->lb, &m->beta, c, m->lc,
		    c, m->lc, &m->algo, s->ws, CU_WORKSPACE, s->stream),
		    "cublasLtMatmul");
	}
	if (m->gelu)
		CU(nnk_gelu(s->kt, m->c, m->out, m->n, m->gelu_from_tmp,
		    s->stream), "the GELU kernel");
	return 0;
}

void
cu_mm_free(struct cu_state *s, struct cu_mm *m)
{
	if (m == NULL)
		return;
	if (m->la != NULL)
		(void)s->api.layout_destroy(m->la);
	if (m->lb != NULL)
		(void)s->api.layout_destroy(m->lb);
	if (m->lc != NULL)
		(void)s->api.layout_destroy(m->lc);
	if (m->desc != NULL)
		(void)s->api.desc_destroy(m->desc);
	free(m->loop);
	free(m);
}
