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

/* How the CUDA backend builds a graph (nn_cuda_options' FLAGS). */
#define NN_CUDA_EAGER	0x1	/* launch each op per run: no CUDA graph */
#define NN_CUDA_LT_GELU	0x2	/* GELU in cuBLASLt's epilogue (see below) */
#define NN_CUDA_NO_SDPA	0x4	/* attention as GEMMs + softmax, not fused */

/*
** Before nn_compile() of a graph on NN_CUDA: the device index and FLAGS.
** By default the forward is captured once as a CUDA graph and replayed,
** GELU is the backend's own erf kernel (cuBLASLt's epilogue must be shown
** to be erf first: tests/test_nn_cuda says which it is), and attention
** is one fused op: cuDNN's SDPA operation in fp16/bf16 where cuDNN has
** it, the backend's own kernel in fp32/tf32.
*/
int	nn_cuda_options(struct nn_graph *, int device, unsigned flags);
/* NULL when the forward replays as a CUDA graph (or NN_CUDA_EAGER asked
** for none), else why it runs op by op: a cuDNN convolution engine that
** would not be captured. */
const char *nn_cuda_eager_why(const struct nn_graph *);
/* The number of CUDA devices, or 0 with WHY saying why there is none. */
int	nn_cuda_devices(char *why, size_t len);
/* Device memory taken since the start of nn_compile() (cudaMemGetInfo
** before and now: arena, weights, workspace, libraries' own). */
size_t	nn_cuda_mem_bytes(const struct nn_graph *);

#endif
