/*
** nn_kernels.cu - the CUDA backend's own kernels: softmax and LayerNorm
** (a warp per row, fp32 arithmetic), erf GELU (cuBLASLt's GELU epilogue
** is the tanh approximation; braindecode's nn.GELU is erf), strided
** add/copy for views and broadcasts, fp32 <-> fp16/bf16 conversion,
** attention heads in one launch (fp32/tf32, where cuBLASLt would need a
** call per head), and the image ops cuDNN has no fused form for here:
** max pooling, nearest upsampling, a convolution's bias/SiLU/shortcut
** epilogue.  Compiled by nvcc (flags as plugins/gpu/kernels.cu); called
** from C through nn_kernels.h.
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

/*
** Attention, one head per block: K (rows padded by one against bank
** conflicts) and V in shared memory, a warp per query row, the row's
** scores in the warp's slice of shared memory.
*/
template <typename T>
__global__ static void
attn_kernel(const T *q, const T *k, const T *v, T *o, struct nnk_attn a)
{
	extern __shared__ float sm[];
	int64_t ldk = a.d + 1, bh = blockIdx.x, b = bh / a.h, h = bh % a.h;
	float *ks = sm, *vs = sm + a.lk * ldk;
	float *ps = vs + a.lk * a.d + (threadIdx.x / 32) * a.lk;
	const T *qb = q + b * a.sq[0] + h * a.sq[1];
	const T *kb = k + b * a.sk[0] + h * a.sk[1];
	const T *vb = v + b * a.sv[0] + h * a.sv[1];
	T *ob = o + b * a.so[0] + h * a.so[1];
	int lane = threadIdx.x & 31;

	for (int64_t x = threadIdx.x; x < a.lk * a.d; x += blockDim.x) {
		int64_t j = x / a.d, e = x % a.d;

		ks[j * ldk + e] = ld(kb, j * a.sk[2] + e * a.sk[3]);
		vs[x] = ld(vb, j * a.sv[2] + e * a.sv[3]);
	}
	__syncthreads();
	for (int64_t i = threadIdx.x / 32; i < a.lq; i += NNK_ATTN_WARPS) {
		float mx = -INFINITY, sum = 0;

		for (int64_t j = lane; j < a.lk; j += 32) {
			float acc = 0;

			for (int64_t e = 0; e < a.d; e++)
				acc += ld(qb, i * a.sq[2] + e * a.sq[3]) *
				    ks[j * ldk + e];
			ps[j] = acc * a.scale;
			mx = fmaxf(mx, ps[j]);
		}
		mx = warp_max(mx);
		for (int64_t j = lane; j < a.lk; j += 32) {
			ps[j] = expf(ps[j] - mx);
			sum += ps[j];
		}
		sum = warp_sum(sum);
		__syncwarp();
		for (int64_t e = lane; e < a.d; e += 32) {
			float acc = 0;

			for (int64_t j = 0; j < a.lk; j++)
				acc += ps[j] * vs[j * a.d + e];
			st(ob, i * a.so[2] + e * a.so[3], acc / sum);
		}
		__syncwarp();
	}
}

extern "C" cudaError_t
nnk_attention(enum nnk_type type, const void *q, const void *k,
    const void *v, void *o, const struct nnk_attn *a, cudaStream_t s)
{
	int64_t sm = nnk_attention_smem(a->lk, a->d), n = a->b * a->h;

	if (sm > NNK_ATTN_SMEM_MAX || n < 1 || n > INT32_MAX)
		return cudaErrorInvalidValue;
	NNK_DISPATCH(type, (attn_kernel<T><<<(unsigned)n, NNK_ATTN_WARPS * 32,
	    (size_t)sm, s>>>((const T *)q, (const T *)k, (const T *)v, (T *)o,
	    *a)));
	return cudaGetLastError();
}

/* Element I of an image in [N, C, H, W] order: its indices. */
__device__ static inline void
img_index(const struct nnk_img &m, int64_t i, int64_t *ix)
{
	for (int k = 3; k >= 0; k--) {
		ix[k] = i % m.dims[k];
		i /= m.dims[k];
	}
}

template <typename T>
__global__ static void
maxpool_kernel(const T *x, struct nnk_img xi, T *y, struct nnk_img yi,
    int k, int stride, int pad, int64_t n)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	    i += (int64_t)gridDim.x * blockDim.x) {
		int64_t ix[4];
		float m = -INFINITY;

		img_index(yi, i, ix);
		for (int dy = 0; dy < k; dy++) {
			int64_t r = ix[2] * stride - pad + dy;

			if (r < 0 || r >= xi.dims[2])
				continue;
			for (int dx = 0; dx < k; dx++) {
				int64_t c = ix[3] * stride - pad + dx;

				if (c >= 0 && c < xi.dims[3])
					m = fmaxf(m, ld(x, ix[0] * xi.s[0] +
					    ix[1] * xi.s[1] + r * xi.s[2] +
					    c * xi.s[3]));
			}
		}
		st(y, ix[0] * yi.s[0] + ix[1] * yi.s[1] + ix[2] * yi.s[2] +
		    ix[3] * yi.s[3], m);
	}
}

template <typename T>
__global__ static void
upsample_kernel(const T *x, struct nnk_img xi, T *y, struct nnk_img yi,
    int64_t n)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	    i += (int64_t)gridDim.x * blockDim.x) {
		int64_t ix[4];

		img_index(yi, i, ix);
		st(y, ix[0] * yi.s[0] + ix[1] * yi.s[1] + ix[2] * yi.s[2] +
		    ix[3] * yi.s[3], ld(x, ix[0] * xi.s[0] + ix[1] * xi.s[1] +
		    ix[2] / 2 * xi.s[2] + ix[3] / 2 * xi.s[3]));
	}
}

template <typename T>
__global__ static void
epilogue_kernel(T *y, struct nnk_img yi, const float *src, struct nnk_img si,
    const T *bias, int silu, const T *r, struct nnk_img ri, int64_t n)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	    i += (int64_t)gridDim.x * blockDim.x) {
		int64_t ix[4], o;
		float v;

		img_index(yi, i, ix);
		o = ix[0] * yi.s[0] + ix[1] * yi.s[1] + ix[2] * yi.s[2] +
		    ix[3] * yi.s[3];
		v = src != NULL ? src[ix[0] * si.s[0] + ix[1] * si.s[1] +
		    ix[2] * si.s[2] + ix[3] * si.s[3]] : ld(y, o);
		if (bias != NULL)
			v += ld(bias, ix[1]);
		if (silu)
			v = v / (1.0f + expf(-v));
		if (r != NULL)
			v += ld(r, ix[0] * ri.s[0] + ix[1] * ri.s[1] +
			    ix[2] * ri.s[2] + ix[3] * ri.s[3]);
		st(y, o, v);
	}
}

static int64_t
img_numel(const struct nnk_img *m)
{
	return m->dims[0] * m->dims[1] * m->dims[2] * m->dims[3];
}

extern "C" cudaError_t
nnk_maxpool(enum nnk_type type, const void *x, const struct nnk_img *xi,
    void *y, const struct nnk_img *yi, int k, int stride, int pad,
    cudaStream_t s)
{
	int64_t n = img_numel(yi);

	NNK_DISPATCH(type, (maxpool_kernel<T><<<blocks(n, NNK_TB), NNK_TB, 0,
	    s>>>((const T *)x, *xi, (T *)y, *yi, k, stride, pad, n)));
	return cudaGetLastError();
}

extern "C" cudaError_t
nnk_upsample2x(enum nnk_type type, const void *x, const struct nnk_img *xi,
    void *y, const struct nnk_img *yi, cudaStream_t s)
{
	int64_t n = img_numel(yi);

	NNK_DISPATCH(type, (upsample_kernel<T><<<blocks(n, NNK_TB), NNK_TB, 0,
	    s>>>((const T *)x, *xi, (T *)y, *yi, n)));
	return cudaGetLastError();
}

extern "C" cudaError_t
nnk_epilogue(enum nnk_type type, void *y, const struct nnk_img *yi,
    const float *src, const struct nnk_img *si, const void *bias, int silu,
    const void *r, const struct nnk_img *ri, cudaStream_t s)
{
	int64_t n = img_numel(yi);
	struct nnk_img none = { { 1, 1, 1, 1 }, { 0, 0, 0, 0 } };

	NNK_DISPATCH(type, (epilogue_kernel<T><<<blocks(n, NNK_TB), NNK_TB, 0,
	    s>>>((T *)y, *yi, src, si != NULL ? *si : none, (const T *)bias,
	    silu, (const T *)r, ri != NULL ? *ri : none, n)));
	return cudaGetLastError();
}
