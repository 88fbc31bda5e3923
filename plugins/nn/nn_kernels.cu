/*
** nn_kernels.cu - the CUDA backend's own kernels: softmax and LayerNorm
** (a warp per row, fp32 arithmetic), erf GELU (cuBLASLt's GELU epilogue
** is the tanh approximation; braindecode's nn.GELU is erf), strided
** add/copy for views and broadcasts, fp32 <-> fp16/bf16 conversion.
** Compiled by nvcc (flags as plugins/gpu/kernels.cu); called from C
** through nn_kernels.h.
*/
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "nn_kernels.h"

#define NNK_TB	256		/* threads per block */
#define NNK_WARPS (NNK_TB / 32)

template <typename T> __device__ static inline float ld(const T *p, int64_t i);
template <> __device__ inline float ld<float>(const float *p, int64_t i) { return p[i]; }
template <> __device__ inline float ld<__half>(const __half *p, int64_t i) { return __half2float(p[i]); }
template <> __device__ inline float ld<__nv_bfloat16>(const __nv_bfloat16 *p, int64_t i) { return __bfloat162float(p[i]); }

template <typename T> __device__ static inline void st(T *p, int64_t i, float v);
template <> __device__ inline void st<float>(float *p, int64_t i, float v) { p[i] = v; }
template <> __device__ inline void st<__half>(__half *p, int64_t i, float v) { p[i] = __float2half_rn(v); }
template <> __device__ inline void st<__nv_bfloat16>(__nv_bfloat16 *p, int64_t i, float v) { p[i] = __float2bfloat16_rn(v); }

__device__ static inline float
warp_sum(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ static inline float
warp_max(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

static unsigned
blocks(int64_t n, int64_t per_block)
{
	int64_t b = (n + per_block - 1) / per_block;

	return (unsigned)(b < 1 ? 1 : b > (1 << 20) ? (1 << 20) : b);
}

/* Attention rows are short (24 tokens): a warp per row, not a block. */
template <typename T>
__global__ static void
softmax_kernel(T *x, int64_t rows, int64_t n)
{
	int lane = threadIdx.x & 31;

	for (int64_t r = (int64_t)blockIdx.x * NNK_WARPS + threadIdx.x / 32;
	    r < rows; r += (int64_t)gridDim.x * NNK_WARPS) {
		T *p = x + r * n;
		float mx = -INFINITY, s = 0;

		for (int64_t j = lane; j < n; j += 32)
			mx = fmaxf(mx, ld(p, j));
		mx = warp_max(mx);
		for (int64_t j = lane; j < n; j += 32)
			s += expf(ld(p, j) - mx);
		s = warp_sum(s);
		for (int64_t j = lane; j < n; j += 32)
			st(p, j, expf(ld(p, j) - mx) / s);
	}
}

/* Two passes (mean, then the squares about it), as torch: no
** cancellation from E[x^2] - E[x]^2. */
template <typename T>
__global__ static void
layernorm_kernel(const T *x, const T *gamma, const T *beta, T *y,
    int64_t rows, int64_t d, float eps)
{
	int lane = threadIdx.x & 31;

	for (int64_t r = (int64_t)blockIdx.x * NNK_WARPS + threadIdx.x / 32;
	    r < rows; r += (int64_t)gridDim.x * NNK_WARPS) {
		const T *p = x + r * d;
		float m = 0, v = 0, inv;

		for (int64_t j = lane; j < d; j += 32)
			m += ld(p, j);
		m = warp_sum(m) / (float)d;
		for (int64_t j = lane; j < d; j += 32) {
			float c = ld(p, j) - m;

			v += c * c;
		}
		v = warp_sum(v) / (float)d;
		inv = rsqrtf(v + eps);
		for (int64_t j = lane; j < d; j += 32)
			st(y + r * d, j, (ld(p, j) - m) * inv * ld(gamma, j) +
			    ld(beta, j));
	}
}

template <typename T>
__global__ static void
gelu_kernel(const T *src, T *dst, int64_t n, int accumulate)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	    i += (int64_t)gridDim.x * blockDim.x) {
		float v = ld(src, i);

		v = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
		st(dst, i, accumulate ? ld(dst, i) + v : v);
	}
}

template <typename T>
__global__ static void
walk_kernel(const T *a, const T *b, T *out, struct nnk_walk w, int64_t n)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	    i += (int64_t)gridDim.x * blockDim.x) {
		int64_t rest = i, oa = 0, ob = 0, oo = 0;

		for (int k = w.ndim - 1; k >= 0; k--) {
			int64_t ix = rest % w.dims[k];

			rest /= w.dims[k];
			oa += ix * w.sa[k];
			ob += ix * w.sb[k];
			oo += ix * w.so[k];
		}
		st(out, oo, b != NULL ? ld(a, oa) + ld(b, ob) : ld(a, oa));
	}
}

template <typename T>
__global__ static void
convert_kernel(float *f, T *t, int64_t n, int to_type)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	    i += (int64_t)gridDim.x * blockDim.x) {
		if (to_type)
			st(t, i, f[i]);
		else
			f[i] = ld(t, i);
	}
}

/* Instantiates CALL for the storage type TYPE names. */
#define NNK_DISPATCH(type, CALL)					\
	do {								\
		switch (type) {						\
		case NNK_F32: { typedef float T; CALL; break; }		\
		case NNK_F16: { typedef __half T; CALL; break; }	\
		default: { typedef __nv_bfloat16 T; CALL; break; }	\
		}							\
	} while (0)

extern "C" cudaError_t
nnk_softmax(enum nnk_type type, void *x, int64_t rows, int64_t n,
    cudaStream_t s)
{
	NNK_DISPATCH(type, (softmax_kernel<T><<<blocks(rows, NNK_WARPS),
	    NNK_TB, 0, s>>>((T *)x, rows, n)));
	return cudaGetLastError();
}

extern "C" cudaError_t
nnk_layernorm(enum nnk_type type, const void *x, const void *gamma,
    const void *beta, void *y, int64_t rows, int64_t d, float eps,
    cudaStream_t s)
{
	NNK_DISPATCH(type, (layernorm_kernel<T><<<blocks(rows, NNK_WARPS),
	    NNK_TB, 0, s>>>((const T *)x, (const T *)gamma, (const T *)beta,
	    (T *)y, rows, d, eps)));
	return cudaGetLastError();
}

extern "C" cudaError_t
nnk_gelu(enum nnk_type type, const void *src, void *dst, int64_t n,
    int accumulate, cudaStream_t s)
{
	NNK_DISPATCH(type, (gelu_kernel<T><<<blocks(n, NNK_TB), NNK_TB, 0,
	    s>>>((const T *)src, (T *)dst, n, accumulate)));
	return cudaGetLastError();
}

extern "C" cudaError_t
nnk_walk(enum nnk_type type, const void *a, const void *b, void *out,
    const struct nnk_walk *w, cudaStream_t s)
{
	int64_t n = 1;

	for (int k = 0; k < w->ndim; k++)
		n *= w->dims[k];
	NNK_DISPATCH(type, (walk_kernel<T><<<blocks(n, NNK_TB), NNK_TB, 0,
	    s>>>((const T *)a, (const T *)b, (T *)out, *w, n)));
	return cudaGetLastError();
}

extern "C" cudaError_t
nnk_convert(enum nnk_type type, float *f32, void *typed, int64_t n,
    int to_type, cudaStream_t s)
{
	NNK_DISPATCH(type, (convert_kernel<T><<<blocks(n, NNK_TB), NNK_TB, 0,
	    s>>>(f32, (T *)typed, n, to_type)));
	return cudaGetLastError();
}
