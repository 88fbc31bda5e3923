/*
** kernels.h - the gpu plugin's device code, as C functions: each launches
** one kernel on a stream and returns cudaGetLastError() of that launch
** (kernels.cu).  Private to plugins/gpu.
*/
#ifndef GPU_KERNELS_H
#define GPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types the fill kernel writes. */
enum gpu_elem {
	GPU_E_F32 = 0,
	GPU_E_F16 = 1,
	GPU_E_BF16 = 2,
	GPU_E_F8E4M3 = 3
};

/* STREAM operations over float4 vectors (16 bytes each). */
enum gpu_stream_op {
	GPU_S_READ = 0,  /* s += a[i] (the sum is kept live) */
	GPU_S_WRITE = 1, /* a[i] = q */
	GPU_S_COPY = 2,  /* c[i] = a[i] */
	GPU_S_TRIAD = 3  /* a[i] = b[i] + q * c[i] */
};

/* An empty kernel, <<<1, 1>>>: the launch itself is what is timed. */
cudaError_t gpu_k_empty(cudaStream_t s);

/* n elements of type t at p, uniform in [-1, 1), a pure function of
** (seed, index), so the same call always writes the same values. */
cudaError_t gpu_k_fill(enum gpu_elem t, void *p, size_t n, uint64_t seed,
		       cudaStream_t s);

/* One STREAM pass over n4 float4 vectors of a (and b, c as op needs). */
cudaError_t gpu_k_stream(enum gpu_stream_op op, void *a, const void *b,
			 void *c, size_t n4, float q, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif /* GPU_KERNELS_H */
