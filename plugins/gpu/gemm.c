/*
** gemm.c - gpu.gemm: C = A x B through cuBLAS (cublasGemmEx, as PyTorch's
** torch.matmul) for fp32, tf32, fp16 and bf16, and through cuBLASLt for
** fp8 (e4m3 inputs, bf16 output; compute capability 8.9 or newer).
**
** Inputs are random, uniform in [-1, 1) (never zeros: tensor cores draw
** less power, and may clock higher, on zeros).  Accumulation is fp32 in
** every precision, as PyTorch does by default.  After warm-up one sample
** is `reps` products between two CUDA events (about 20 ms);
** flops = 2 m n k / time.  After the timed loop, three elements of C are
** compared with a dot product computed on the CPU, in double, from the
** very inputs on the device; a difference beyond what the precision
** explains fails the probe.
**
** cuBLAS is opened here with dlopen, in the probe's process, rather than
** linked: libcublasLt is over 500 MB, and every dyno command loads every
** plugin.  The handles are never dlclose()d: cuBLAS registers exit-time
** handlers, and unmapping it before they run crashes the process.
*/
#include <dlfcn.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>
#include <cublasLt.h>
#include <cublas_v2.h>

#include <dyno/plugin.h>

#include "kernels.h"
#include "probes.h"

#ifndef GPU_CUDA_LIBDIR
#define GPU_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif
#define GEMM_STR2(x) #x
#define GEMM_STR(x) GEMM_STR2(x)
#define GEMM_SONAME(lib) lib ".so." GEMM_STR(CUBLAS_VER_MAJOR)

#define GEMM_SAMPLE_MS 20.0
#define GEMM_WORKSPACE (32u << 20) /* cuBLAS's own default on Hopper */

enum gemm_prec { P_FP32, P_TF32, P_FP16, P_BF16, P_FP8 };
static const char *const gemm_precs[] = { "fp32", "tf32", "fp16", "bf16", "fp8", NULL };

/* The cuBLAS and cuBLASLt entry points the probe uses. */
struct gemm_api {
	__typeof__(&cublasCreate_v2) create;
	__typeof__(&cublasDestroy_v2) destroy;
	__typeof__(&cublasSetStream_v2) set_stream;
	__typeof__(&cublasSetWorkspace_v2) set_workspace;
	__typeof__(&cublasSetMathMode) set_math_mode;
	__typeof__(&cublasGemmEx) gemm_ex;
	__typeof__(&cublasGetStatusString) status_string;
	__typeof__(&cublasLtCreate) lt_create;
	__typeof__(&cublasLtDestroy) lt_destroy;
	__typeof__(&cublasLtMatmulDescCreate) lt_desc_create;
	__typeof__(&cublasLtMatmulDescDestroy) lt_desc_destroy;
	__typeof__(&cublasLtMatmulDescSetAttribute) lt_desc_set;
	__typeof__(&cublasLtMatrixLayoutCreate) lt_layout_create;
	__typeof__(&cublasLtMatrixLayoutDestroy) lt_layout_destroy;
	__typeof__(&cublasLtMatmulPreferenceCreate) lt_pref_create;
	__typeof__(&cublasLtMatmulPreferenceDestroy) lt_pref_destroy;
	__typeof__(&cublasLtMatmulPreferenceSetAttribute) lt_pref_set;
	__typeof__(&cublasLtMatmulAlgoGetHeuristic) lt_heuristic;
	__typeof__(&cublasLtMatmul) lt_matmul;
	__typeof__(&cublasLtGetStatusString) lt_status_string;
};

static const struct { const char *sym; size_t off; int lt; } gemm_syms[] = {
#define GEMM_SYM(f, name, lt) { name, offsetof(struct gemm_api, f), lt }
	GEMM_SYM(create, "cublasCreate_v2", 0),
	GEMM_SYM(destroy, "cublasDestroy_v2", 0),
	GEMM_SYM(set_stream, "cublasSetStream_v2", 0),
	GEMM_SYM(set_workspace, "cublasSetWorkspace_v2", 0),
	GEMM_SYM(set_math_mode, "cublasSetMathMode", 0),
	GEMM_SYM(gemm_ex, "cublasGemmEx", 0),
	GEMM_SYM(status_string, "cublasGetStatusString", 0),
	GEMM_SYM(lt_create, "cublasLtCreate", 1),
	GEMM_SYM(lt_destroy, "cublasLtDestroy", 1),
	GEMM_SYM(lt_desc_create, "cublasLtMatmulDescCreate", 1),
	GEMM_SYM(lt_desc_destroy, "cublasLtMatmulDescDestroy", 1),
	GEMM_SYM(lt_desc_set, "cublasLtMatmulDescSetAttribute", 1),
	GEMM_SYM(lt_layout_create, "cublasLtMatrixLayoutCreate", 1),
	GEMM_SYM(lt_layout_destroy, "cublasLtMatrixLayoutDestroy", 1),
	GEMM_SYM(lt_pref_create, "cublasLtMatmulPreferenceCreate", 1),
	GEMM_SYM(lt_pref_destroy, "cublasLtMatmulPreferenceDestroy", 1),
	GEMM_SYM(lt_pref_set, "cublasLtMatmulPreferenceSetAttribute", 1),
	GEMM_SYM(lt_heuristic, "cublasLtMatmulAlgoGetHeuristic", 1),
	GEMM_SYM(lt_matmul, "cublasLtMatmul", 1),
	GEMM_SYM(lt_status_string, "cublasLtGetStatusString", 1),
#undef GEMM_SYM
};

struct gemm_state {
	struct gemm_api api;
	enum gemm_prec prec;
	size_t m, n, k;
	size_t es_in, es_out;          /* element sizes of A/B and of C */
	void *a, *b, *c, *ws;
	cudaStream_t s;
	cudaEvent_t ev[2];
	cublasHandle_t handle;
	cublasLtHandle_t lt;
	cublasLtMatmulDesc_t desc;
	cublasLtMatrixLayout_t la, lb, lc;
	cublasLtMatmulAlgo_t algo;
};

static void
gemm_free(struct gemm_state *st)
{
	if (st == NULL)
		return;
	if (st->s != NULL)
		(void)cudaStreamSynchronize(st->s);
	if (st->la != NULL)
		(void)st->api.lt_layout_destroy(st->la);
	if (st->lb != NULL)
		(void)st->api.lt_layout_destroy(st->lb);
	if (st->lc != NULL)
		(void)st->api.lt_layout_destroy(st->lc);
	if (st->desc != NULL)
		(void)st->api.lt_desc_destroy(st->desc);
	if (st->lt != NULL)
		(void)st->api.lt_destroy(st->lt);
	if (st->handle != NULL)
		(void)st->api.destroy(st->handle);
	/* The stream is idle by now: gpu_release's wait returns at once. */
	gpu_release(&st->s, 1, st->ev, 2,
		    (void *[]){ st->a, st->b, st->c, st->ws }, 4);
	free(st);
}

/* dlopen lib from CUDA's library directory, else by soname. */
static void *
gemm_dlopen(const char *soname)
{
	char path[512];
	void *l;

	snprintf(path, sizeof(path), "%s/%s", GPU_CUDA_LIBDIR, soname);
	if ((l = dlopen(path, RTLD_NOW | RTLD_LOCAL)) != NULL)
		return l;
	return dlopen(soname, RTLD_NOW | RTLD_LOCAL);
}

/* Fills api from libcublas and libcublasLt. */
static int
gemm_load(const struct dyno_host *h, struct dyno_ctx *ctx,
	  struct gemm_api *api)
{
	void *lib[2];
	const char *names[2] = { GEMM_SONAME("libcublas"),
				 GEMM_SONAME("libcublasLt") };

	for (int i = 0; i < 2; i++) {
		(void)dlerror();
		if ((lib[i] = gemm_dlopen(names[i])) == NULL) {
			const char *why = dlerror();

			return h->skip(ctx, "cannot load %s (%s)", names[i],
				       why ? why : "not found");
		}
	}
	for (size_t i = 0; i < sizeof(gemm_syms) / sizeof(gemm_syms[0]); i++) {
		void *sym = dlsym(lib[gemm_syms[i].lt], gemm_syms[i].sym);

		if (sym == NULL)
			return h->fail(ctx, "%s has no %s", names[gemm_syms[i].lt],
				       gemm_syms[i].sym);
		memcpy((char *)api + gemm_syms[i].off, &sym, sizeof(sym));
	}
	return DYNO_OK;
}

/* Fails the probe with a cuBLAS status; for use with `goto out`. */
#define BL_CK(call, what)                                               \
	do {                                                            \
		cublasStatus_t bl_s_ = (call);                          \
		if (bl_s_ != CUBLAS_STATUS_SUCCESS) {                   \
			rc = h->fail(ctx, "%s: %s (cuBLAS status %d)",  \
				     (what), st->api.status_string(bl_s_), \
				     (int)bl_s_);                       \
			goto out;                                       \
		}                                                       \
	} while (0)

/* fp8 through cuBLASLt: A is stored k x m and used transposed (the
** layout fp8 kernels need), B k x n, C and D m x n in bf16. */
static int
gemm_setup_lt(const struct dyno_host *h, struct dyno_ctx *ctx,
	      struct gemm_state *st)
{
	cublasLtMatmulPreference_t pref = NULL;
	cublasLtMatmulHeuristicResult_t res;
	cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
	size_t ws = GEMM_WORKSPACE;
	int found = 0, rc = DYNO_OK;

	BL_CK(st->api.lt_create(&st->lt), "cublasLtCreate");
	BL_CK(st->api.lt_desc_create(&st->desc, CUBLAS_COMPUTE_32F, CUDA_R_32F),
	      "cublasLtMatmulDescCreate");
	BL_CK(st->api.lt_desc_set(st->desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta,
	      sizeof(ta)), "cublasLtMatmulDescSetAttribute");
	BL_CK(st->api.lt_desc_set(st->desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb,
	      sizeof(tb)), "cublasLtMatmulDescSetAttribute");
	BL_CK(st->api.lt_layout_create(&st->la, CUDA_R_8F_E4M3, st->k, st->m,
	      (int64_t)st->k), "cublasLtMatrixLayoutCreate");
	BL_CK(st->api.lt_layout_create(&st->lb, CUDA_R_8F_E4M3, st->k, st->n,
	      (int64_t)st->k), "cublasLtMatrixLayoutCreate");
	BL_CK(st->api.lt_layout_create(&st->lc, CUDA_R_16BF, st->m, st->n,
	      (int64_t)st->m), "cublasLtMatrixLayoutCreate");
	BL_CK(st->api.lt_pref_create(&pref), "cublasLtMatmulPreferenceCreate");
	BL_CK(st->api.lt_pref_set(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
	      &ws, sizeof(ws)), "cublasLtMatmulPreferenceSetAttribute");
	BL_CK(st->api.lt_heuristic(st->lt, st->desc, st->la, st->lb, st->lc,
	      st->lc, pref, 1, &res, &found), "cublasLtMatmulAlgoGetHeuristic");
	if (found < 1) {
		rc = h->fail(ctx, "cuBLASLt has no fp8 algorithm for m=%zu n=%zu "
			     "k=%zu on this device", st->m, st->n, st->k);
		goto out;
	}
	st->algo = res.algo;
out:
	if (pref != NULL)
		(void)st->api.lt_pref_destroy(pref);
	return rc;
}

static int
gemm_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct cudaDeviceProp prop;
	struct gemm_state *st;
	const char *prec = h->param_str(ctx, "precision");
	size_t need, free_b = 0, total_b = 0;
	char a[32], b[32];
	int rc = gpu_open(h, ctx, &prop);

	if (rc != DYNO_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return h->fail(ctx, "out of memory");
	for (int i = 0; gemm_precs[i] != NULL; i++)
		if (strcmp(prec, gemm_precs[i]) == 0)
			st->prec = (enum gemm_prec)i;
	st->m = (size_t)h->param_int(ctx, "m");
	st->n = (size_t)h->param_int(ctx, "n");
	st->k = (size_t)h->param_int(ctx, "k");
	st->es_in = st->prec == P_FP32 || st->prec == P_TF32 ? 4 :
		    st->prec == P_FP8 ? 1 : 2;
	st->es_out = st->prec == P_FP32 || st->prec == P_TF32 ? 4 : 2;
	if (st->prec == P_FP8) {
		if (prop.major * 10 + prop.minor < 89) {
			rc = h->skip(ctx, "fp8 needs compute capability 8.9 or "
				     "newer; device %s is %d.%d", prop.name,
				     prop.major, prop.minor);
			goto out;
		}
		if (st->m % 16 || st->n % 16 || st->k % 16) {
			rc = h->fail(ctx, "fp8 needs m, n and k to be multiples "
				     "of 16 (cuBLASLt's fp8 kernels)");
			goto out;
		}
	}
	need = (st->m * st->k + st->k * st->n) * st->es_in +
	       st->m * st->n * st->es_out + GEMM_WORKSPACE;
	GPU_CK(h, ctx, cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
	if (need > free_b) {
		gpu_fmt_size(a, sizeof(a), need);
		gpu_fmt_size(b, sizeof(b), free_b);
		rc = h->fail(ctx, "m=%zu n=%zu k=%zu in %s needs %s and the "
			     "device has %s free", st->m, st->n, st->k, prec, a, b);
		goto out;
	}
	if ((rc = gemm_load(h, ctx, &st->api)) != DYNO_OK)
		goto out;
	GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s, cudaStreamNonBlocking),
	       "creating a stream");
	for (int i = 0; i < 2; i++)
		GPU_CK(h, ctx, cudaEventCreate(&st->ev[i]), "creating an event");
	GPU_CK(h, ctx, cudaMalloc(&st->a, st->m * st->k * st->es_in), "allocating A");
	GPU_CK(h, ctx, cudaMalloc(&st->b, st->k * st->n * st->es_in), "allocating B");
	GPU_CK(h, ctx, cudaMalloc(&st->c, st->m * st->n * st->es_out), "allocating C");
	GPU_CK(h, ctx, cudaMalloc(&st->ws, GEMM_WORKSPACE), "allocating the workspace");
	{
		enum gpu_elem e = st->prec == P_FP16 ? GPU_E_F16 :
				  st->prec == P_BF16 ? GPU_E_BF16 :
				  st->prec == P_FP8 ? GPU_E_F8E4M3 : GPU_E_F32;

		GPU_CK(h, ctx, gpu_k_fill(e, st->a, st->m * st->k, 11, st->s),
		       "filling A");
		GPU_CK(h, ctx, gpu_k_fill(e, st->b, st->k * st->n, 12, st->s),
		       "filling B");
	}
	GPU_CK(h, ctx, cudaMemsetAsync(st->c, 0, st->m * st->n * st->es_out,
	       st->s), "clearing C");
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s), "filling the inputs");
	if (st->prec == P_FP8) {
		if ((rc = gemm_setup_lt(h, ctx, st)) != DYNO_OK)
			goto out;
	} else {
		BL_CK(st->api.create(&st->handle), "cublasCreate");
		BL_CK(st->api.set_stream(st->handle, st->s), "cublasSetStream");
		BL_CK(st->api.set_workspace(st->handle, st->ws, GEMM_WORKSPACE),
		      "cublasSetWorkspace");
		BL_CK(st->api.set_math_mode(st->handle, st->prec == P_TF32 ?
		      CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
		      "cublasSetMathMode");
	}
	h->artifact(ctx, "library", st->prec == P_FP8 ?
		    "cuBLASLt (cublasLtMatmul, e4m3 x e4m3 -> bf16)" :
		    "cuBLAS (cublasGemmEx, fp32 accumulation)");
	*state = st;
	return DYNO_OK;
out:
	gemm_free(st);
	return rc;
}

static void
gemm_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	gemm_free(state);
}

/* One C = A x B on the probe's stream. */
static cublasStatus_t
gemm_once(struct gemm_state *st)
{
	static const float one = 1.0f, zero = 0.0f;
	cudaDataType_t t = st->prec == P_FP16 ? CUDA_R_16F :
			   st->prec == P_BF16 ? CUDA_R_16BF : CUDA_R_32F;
	cublasComputeType_t ct = st->prec == P_TF32 ?
				 CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;

	if (st->prec == P_FP8)
		return st->api.lt_matmul(st->lt, st->desc, &one, st->a, st->la,
					 st->b, st->lb, &zero, st->c, st->lc,
					 st->c, st->lc, &st->algo, st->ws,
					 GEMM_WORKSPACE, st->s);
	return st->api.gemm_ex(st->handle, CUBLAS_OP_N, CUBLAS_OP_N,
			       (int)st->m, (int)st->n, (int)st->k, &one,
			       st->a, t, (int)st->m, st->b, t, (int)st->k,
			       &zero, st->c, t, (int)st->m, ct,
			       CUBLAS_GEMM_DEFAULT);
}

/* Queues reps products between ev[0] and ev[1]; a cuBLAS status, with a
** CUDA error in *ce. */
static cublasStatus_t
gemm_batch(struct gemm_state *st, uint64_t reps, cudaError_t *ce)
{
	cublasStatus_t s = CUBLAS_STATUS_SUCCESS;

	if ((*ce = cudaEventRecord(st->ev[0], st->s)) != cudaSuccess)
		return CUBLAS_STATUS_EXECUTION_FAILED;
	for (uint64_t r = 0; r < reps && s == CUBLAS_STATUS_SUCCESS; r++)
		s = gemm_once(st);
	if (s != CUBLAS_STATUS_SUCCESS)
		return s;
	if ((*ce = cudaGetLastError()) != cudaSuccess ||
	    (*ce = cudaEventRecord(st->ev[1], st->s)) != cudaSuccess)
		return CUBLAS_STATUS_EXECUTION_FAILED;
	return CUBLAS_STATUS_SUCCESS;
}

/* --- the element check -------------------------------------------------- */

static float
gemm_f16(uint16_t v)
{
	int sign = v >> 15, e = (v >> 10) & 31, m = v & 1023;
	double x = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) :
		   ldexp(1024 + m, e - 25);

	return (float)(sign ? -x : x);
}

static float
gemm_bf16(uint16_t v)
{
	uint32_t u = (uint32_t)v << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static float
gemm_e4m3(uint8_t v)
{
	int sign = v >> 7, e = (v >> 3) & 15, m = v & 7;
	double x = e == 0 ? ldexp(m, -9) : (e == 15 && m == 7) ? NAN :
		   ldexp(8 + m, e - 10);

	return (float)(sign ? -x : x);
}

/* Element i of a buffer of the given element size, as a float. */
static double
gemm_val(const unsigned char *p, size_t i, size_t es, enum gemm_prec prec)
{
	uint16_t u16;
	float f;

	if (es == 4) {
		memcpy(&f, p + 4 * i, 4);
		return f;
	}
	if (es == 1)
		return gemm_e4m3(p[i]);
	memcpy(&u16, p + 2 * i, 2);
	return prec == P_FP16 ? gemm_f16(u16) : gemm_bf16(u16);
}

/*
** Checks C(i, j) against a double-precision dot product of row i of A and
** column j of B as stored on the device.  The tolerance is what the
** precision explains: rounding of the inputs inside the GPU (tf32 keeps
** 10 mantissa bits), of the output (fp16 11 bits, bf16 8), and fp32
** accumulation (with fp8's reduced-precision tensor-core accumulation
** allowed for).
*/
static int
gemm_check_one(const struct dyno_host *h, struct dyno_ctx *ctx,
	       struct gemm_state *st, size_t i, size_t j, unsigned char *ra,
	       unsigned char *cb)
{
	static const double in_eps[] = { 0, 0x1p-9, 0, 0, 0 };
	static const double out_eps[] = { 0x1p-23, 0x1p-23, 0x1p-10, 0x1p-7, 0x1p-7 };
	static const double acc_eps[] = { 1e-5, 1e-5, 1e-5, 1e-5, 1e-3 };
	unsigned char cv[4];
	double ref = 0, sabs = 0, got, tol;
	int rc = DYNO_OK;

	if (st->prec == P_FP8)
		GPU_CK(h, ctx, cudaMemcpy(ra, (char *)st->a + i * st->k,
		       st->k, cudaMemcpyDeviceToHost), "reading A back");
	else
		GPU_CK(h, ctx, cudaMemcpy2D(ra, st->es_in,
		       (char *)st->a + i * st->es_in, st->m * st->es_in,
		       st->es_in, st->k, cudaMemcpyDeviceToHost),
		       "reading A back");
	GPU_CK(h, ctx, cudaMemcpy(cb, (char *)st->b + j * st->k * st->es_in,
	       st->k * st->es_in, cudaMemcpyDeviceToHost), "reading B back");
	GPU_CK(h, ctx, cudaMemcpy(cv, (char *)st->c + (i + j * st->m) *
	       st->es_out, st->es_out, cudaMemcpyDeviceToHost), "reading C back");
	for (size_t l = 0; l < st->k; l++) {
		double p = gemm_val(ra, l, st->es_in, st->prec) *
			   gemm_val(cb, l, st->es_in, st->prec);

		ref += p;
		sabs += fabs(p);
	}
	got = gemm_val(cv, 0, st->es_out, st->prec == P_FP8 ? P_BF16 : st->prec);
	tol = in_eps[st->prec] * sabs + out_eps[st->prec] * fabs(ref) +
	      acc_eps[st->prec] * sabs + 1e-6;
	if (!(fabs(got - ref) <= tol))
		rc = h->fail(ctx, "wrong result: C(%zu,%zu) = %.7g, the CPU's dot "
			     "product gives %.7g (tolerance %.3g for %s)", i, j,
			     got, ref, tol, gemm_precs[st->prec]);
out:
	return rc;
}

static int
gemm_check(const struct dyno_host *h, struct dyno_ctx *ctx,
	   struct gemm_state *st)
{
	size_t pos[3][2] = { { 0, 0 }, { st->m - 1, st->n - 1 },
			     { st->m / 2, st->n / 3 } };
	unsigned char *ra = malloc(st->k * st->es_in);
	unsigned char *cb = malloc(st->k * st->es_in);
	int rc = DYNO_OK;

	if (ra == NULL || cb == NULL) {
		rc = h->fail(ctx, "out of memory for the result check");
		goto out;
	}
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s), "matrix product");
	for (int p = 0; p < 3 && rc == DYNO_OK; p++)
		rc = gemm_check_one(h, ctx, st, pos[p][0], pos[p][1], ra, cb);
	if (rc == DYNO_OK)
		h->artifact(ctx, "verified", "3 elements of C match a CPU dot product");
out:
	free(ra);
	free(cb);
	return rc;
}

static int
gemm_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct gemm_state *st = state;
	double flop = 2.0 * (double)st->m * (double)st->n * (double)st->k;
	cudaError_t ce = cudaSuccess;
	cublasStatus_t bs;
	uint64_t reps;
	double ms;
	int rc = DYNO_OK;

	bs = gemm_batch(st, 3, &ce);
	GPU_CK(h, ctx, ce, "warm-up matrix product");
	BL_CK(bs, "warm-up matrix product");
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s), "warm-up matrix product");
	/* Check before timing too: a wrong kernel fails fast. */
	if ((rc = gemm_check(h, ctx, st)) != DYNO_OK)
		goto out;
	bs = gemm_batch(st, 1, &ce);
	GPU_CK(h, ctx, ce, "matrix product");
	BL_CK(bs, "matrix product");
	if ((ms = gpu_elapsed_ms(st->ev[0], st->ev[1], &ce)) < 0)
		GPU_CK(h, ctx, ce, "matrix product");
	reps = gpu_reps(ms, GEMM_SAMPLE_MS, 10000);
	while (!h->should_stop(ctx)) {
		bs = gemm_batch(st, reps, &ce);
		GPU_CK(h, ctx, ce, "matrix product");
		BL_CK(bs, "matrix product");
		if ((ms = gpu_elapsed_ms(st->ev[0], st->ev[1], &ce)) < 0)
			GPU_CK(h, ctx, ce, "matrix product");
		if (ms > 0)
			h->record(ctx, "flops", flop * (double)reps / (ms / 1e3));
	}
	rc = gemm_check(h, ctx, st);
out:
	return rc;
}

static const struct dyno_param gemm_params[] = {
	GPU_PARAM_DEVICE,
	{ .name = "m", .type = DYNO_PARAM_INT, .def = "8192", .min = "1",
	  .max = "65536", .help = "rows of A and C" },
	{ .name = "n", .type = DYNO_PARAM_INT, .def = "8192", .min = "1",
	  .max = "65536", .help = "columns of B and C" },
	{ .name = "k", .type = DYNO_PARAM_INT, .def = "8192", .min = "1",
	  .max = "65536", .help = "columns of A, rows of B" },
	{ .name = "precision", .type = DYNO_PARAM_ENUM, .def = "fp32",
	  .choices = "fp32|tf32|fp16|bf16|fp8",
	  .help = "input type (fp32 accumulation throughout); fp8 is e4m3, compute capability 8.9+" },
	{ NULL }
};

static const struct dyno_metric gemm_metrics[] = {
	{ .name = "flops", .unit = "FLOP/s", .better = DYNO_BETTER_HIGHER,
	  .help = "2 m n k floating-point operations per product, per second" },
	{ NULL }
};

const struct dyno_probe gpu_gemm_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "gemm",
	.summary = "Matrix product throughput (cuBLAS / cuBLASLt) in fp32, tf32, fp16, bf16 or fp8",
	.params = gemm_params,
	.metrics = gemm_metrics,
	.flags = DYNO_PROBE_NEEDS_GPU | DYNO_PROBE_EXCLUSIVE,
	.setup = gemm_setup,
	.teardown = gemm_teardown,
	.run = gemm_run,
};
