/*
** nn_kernels.h - the CUDA backend's own kernels, as C functions: each
** launches on a stream and returns cudaGetLastError() of its launch
** (nn_kernels.cu).  Element type NNK_* is the activations' storage type;
** arithmetic is fp32 in every one.  Private to plugins/nn.
*/
#ifndef DYNO_NN_KERNELS_H
#define DYNO_NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nnk_type { NNK_F32 = 0, NNK_F16 = 1, NNK_BF16 = 2 };

#define NNK_MAXDIM 5

/* An element-wise walk over DIMS: element i of the walk is at
** sum(index_k * stride_k) in each operand (a stride of 0 broadcasts). */
struct nnk_walk {
	int	ndim;
	int64_t	dims[NNK_MAXDIM];
	int64_t	sa[NNK_MAXDIM];		/* first operand */
	int64_t	sb[NNK_MAXDIM];		/* second operand (add only) */
	int64_t	so[NNK_MAXDIM];		/* output */
};

/* Row-wise over the last axis of ROWS x N dense rows, in place. */
cudaError_t nnk_softmax(enum nnk_type, void *x, int64_t rows, int64_t n,
    cudaStream_t);
/* y = (x - mean) / sqrt(var + eps) * gamma + beta over rows of D. */
cudaError_t nnk_layernorm(enum nnk_type, const void *x, const void *gamma,
    const void *beta, void *y, int64_t rows, int64_t d, float eps,
    cudaStream_t);
/* dst = gelu_erf(src), or dst += gelu_erf(src) with ACCUMULATE; N
** elements, dense. */
cudaError_t nnk_gelu(enum nnk_type, const void *src, void *dst, int64_t n,
    int accumulate, cudaStream_t);
/* out = a + b (B == NULL: out = a), through W's strides. */
cudaError_t nnk_walk(enum nnk_type, const void *a, const void *b, void *out,
    const struct nnk_walk *w, cudaStream_t);
/* Attention heads: O = softmax(SCALE Q K^T) V for each of B x H heads,
** Q and O [lq, d], K and V [lk, d]; strides (elements) over the axes
** (b, h, row, e) of each.  One block per head, K and V in shared memory. */
struct nnk_attn {
	int64_t	b, h, lq, lk, d;
	int64_t	sq[4], sk[4], sv[4], so[4];
	float	scale;
};

#define NNK_ATTN_SMEM_MAX	(48 << 10)	/* without opting in */
#define NNK_ATTN_WARPS		8

/* The shared memory one head takes (K padded against bank conflicts). */
static inline int64_t
nnk_attention_smem(int64_t lk, int64_t d)
{
	return (lk * (d + 1) + lk * d + NNK_ATTN_WARPS * lk) *
	    (int64_t)sizeof(float);
}

cudaError_t nnk_attention(enum nnk_type, const void *q, const void *k,
    const void *v, void *o, const struct nnk_attn *, cudaStream_t);

/* A 4-D image's logical [N, C, H, W] dims and their strides (elements). */
struct nnk_img {
	int64_t	dims[4];
	int64_t	s[4];
};

/* Max over K x K windows, STRIDE, PAD (padding never wins). */
cudaError_t nnk_maxpool(enum nnk_type, const void *x, const struct nnk_img *,
    void *y, const struct nnk_img *, int k, int stride, int pad,
    cudaStream_t);
/* Nearest-neighbour, 2x in H and W. */
cudaError_t nnk_upsample2x(enum nnk_type, const void *x,
    const struct nnk_img *, void *y, const struct nnk_img *, cudaStream_t);
/* y = act(src + bias[c]) + r, SRC fp32 through its own strides, or Y
** itself in place when SRC is NULL; BIAS (C values) and R may be NULL;
** SILU: x sigmoid(x), else none.  What cuDNN does not fuse. */
cudaError_t nnk_epilogue(enum nnk_type, void *y, const struct nnk_img *,
    const float *src, const struct nnk_img *, const void *bias, int silu,
    const void *r, const struct nnk_img *, cudaStream_t);

/* N fp32 values into TYPE (TO_TYPE), or TYPE into fp32 (!TO_TYPE). */
cudaError_t nnk_convert(enum nnk_type, float *f32, void *typed,
    int64_t n, int to_type, cudaStream_t);

#ifdef __cplusplus
}
#endif

#endif
