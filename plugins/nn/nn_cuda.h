/*
** nn_cuda.h - what the CUDA backend offers beyond struct nn_backend: its
** options, whether there is a device, and the device memory a graph holds.
** Defined only where configure found CUDA (NN_HAVE_CUDA): callers test
** that macro.
*/
#ifndef DYNO_NN_CUDA_H
#define DYNO_NN_CUDA_H

#include <stddef.h>

#include "nn.h"

/*
** Before nn_compile() of a graph on NN_CUDA: the device index, whether
** the forward is captured once as a CUDA graph and replayed (GRAPH, the
** default) or its kernels launched one by one per run, and whether
** GELU runs in cuBLASLt's GELU_BIAS epilogue (LT_GELU; off by default: it
** must match the erf GELU, and the GPU test says whether it does).
*/
int	nn_cuda_options(struct nn_graph *, int device, int graph, int lt_gelu);
/* The number of CUDA devices, or 0 with WHY saying why there is none. */
int	nn_cuda_devices(char *why, size_t len);
/* Device memory taken since the start of nn_compile() (cudaMemGetInfo
** before and now: arena, weights, workspace, libraries' own). */
size_t	nn_cuda_mem_bytes(const struct nn_graph *);

#endif
