/*
** nn_cuda_int.h - what the CUDA backend's files share: its state, the
** cuBLASLt entry points it opens, and error macros that turn a failed call
** into nn_set_error() naming the call.  Private to plugins/nn.
*/
#ifndef DYNO_NN_CUDA_INT_H
#define DYNO_NN_CUDA_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>
#include <cublasLt.h>

#include "nn_backend.h"
#include "nn_kernels.h"

#define CU_WORKSPACE	(32u << 20)	/* cuBLAS's own default on Hopper */
#define CU_ALIGN	256		/* every device buffer's start */

struct cu_api {
	__typeof__(&cublasLtCreate) create;
	__typeof__(&cublasLtDestroy) destroy;
	__typeof__(&cublasLtMatmulDescCreate) desc_create;
	__typeof__(&cublasLtMatmulDescDestroy) desc_destroy;
	__typeof__(&cublasLtMatmulDescSetAttribute) desc_set;
	__typeof__(&cublasLtMatrixLayoutCreate) layout_create;
	__typeof__(&cublasLtMatrixLayoutDestroy) layout_destroy;
	__typeof__(&cublasLtMatrixLayoutSetAttribute) layout_set;
	__typeof__(&cublasLtMatmulPreferenceCreate) pref_create;
	__typeof__(&cublasLtMatmulPreferenceDestroy) pref_destroy;
	__typeof__(&cublasLtMatmulPreferenceSetAttribute) pref_set;
	__typeof__(&cublasLtMatmulAlgoGetHeuristic) heuristic;
	__typeof__(&cublasLtMatmul) matmul;
	__typeof__(&cublasLtGetStatusString) status_string;
};

/* One cuBLASLt product, made NLOOP times at element offsets LOOP[3 i]
** (its A), LOOP[3 i + 1] (its B) and LOOP[3 i + 2] (C and D). */
struct cu_mm {
	cublasLtMatmulDesc_t	 desc;
	cublasLtMatrixLayout_t	 la, lb, lc;
	cublasLtMatmulAlgo_t	 algo;
	float			 alpha, beta;
	const unsigned char	*a, *b;
	unsigned char		*c, *out;	/* out: the GELU's */
	int64_t			 nloop;
	int64_t			*loop;
	/* GELU after the product: in place, or from the scratch buffer
	** added into C (a GELU layer with a residual). */
	int			 gelu, gelu_from_tmp;
	int64_t			 n;		/* elements of C */
};

struct cu_sdpa;			/* nn_cuda_sdpa.c */
struct cu_dnn;			/* nn_cuda_dnn.c */
struct cu_conv;			/* nn_cuda_conv.c */
struct cu_cplan;

/* A convolution as nn_cuda.c reads it from the graph's op. */
struct cu_conv_args {
	int	x, w, b, acc, y;	/* tensors; B, ACC -1 when absent */
	int	stride, pad, silu;
};

struct cu_op {
	struct cu_mm		*mm;
	struct cu_conv		*conv;
	struct cu_sdpa		*sdpa;		/* this op and the next two */
	int			 fused;		/* in an earlier op's SDPA */
	char			 impl[200];
};

struct cu_state {
	struct cu_api		 api;
	int			 device;
	unsigned		 flags;		/* NN_CUDA_* */
	enum nnk_type		 kt;
	cudaDataType_t		 dt;
	cublasComputeType_t	 ct;
	size_t			 el;
	cudaStream_t		 stream;
	cublasLtHandle_t	 lt;
	unsigned char		*arena, *weights, *ws, *tmp;
	float			*stage;
	size_t			 stage_bytes, tmp_bytes;
	size_t			*woff;		/* per tensor, weights only */
	struct cu_op		*ops;
	struct cu_dnn		*dnn;		/* cuDNN, once tried */
	struct cu_cplan		*cplans;	/* conv plans, one per shape */
	size_t			 ws_bytes;	/* s->ws's size */
	float			*cf32;		/* convs' fp32 products */
	char			 note[160];	/* why SDPA was left out */
	char			 eager_why[256];	/* why no CUDA graph */
	cudaGraph_t		 graph;
	cudaGraphExec_t		 exec;
	size_t			 free_before;
};

#define CU(call, what) do {						\
	cudaError_t e_ = (call);					\
	if (e_ != cudaSuccess)						\
		return nn_set_error(g, "nn: cuda: %s failed: %s", (what), \
		    cudaGetErrorString(e_));				\
} while (0)

#define LT(call, what) do {						\
	cublasStatus_t b_ = (call);					\
	if (b_ != CUBLAS_STATUS_SUCCESS)				\
		return nn_set_error(g, "nn: cuda: %s failed: %s "	\
		    "(cuBLASLt status %d)", (what),			\
		    s->api.status_string(b_), (int)b_);			\
} while (0)

/* HOST (N fp32 values) into the device buffer DST of the graph's type,
** synchronously (compile and write only). */
int		 cu_upload(struct nn_graph *, struct cu_state *, void *dst,
		    const float *host, size_t n);
/* Device address of T's first element. */
unsigned char	*cu_data_of(const struct nn_graph *, const struct cu_state *,
		    int t);
/* nn_cuda_lt.c: cuBLASLt opened, linear and matmul ops planned (the
** algorithm chosen once per shape), run, freed. */
int		 cu_load_lt(struct nn_graph *, struct cu_api *);
int		 cu_op_linear(struct nn_graph *, struct cu_state *,
		    const struct nn_op *, struct cu_op *);
int		 cu_op_matmul(struct nn_graph *, struct cu_state *,
		    const struct nn_op *, struct cu_op *);
int		 cu_run_mm(struct nn_graph *, struct cu_state *,
		    const struct cu_mm *);
void		 cu_mm_free(struct cu_state *, struct cu_mm *);
/* nn_cuda_sdpa.c: ops I..I+2 (QK^T scaled, softmax, times V) as one cuDNN
** SDPA operation: 1 when done (the plan made and tried once), 0 when not
** (cu_sdpa_why() says why, or NULL where the ops are no attention), -1 on
** an error of the backend itself. */
int		 cu_sdpa_try(struct nn_graph *, struct cu_state *, int i);
const char	*cu_sdpa_why(const struct cu_state *);
/* Whether P is cuDNN's (not the own kernel's). */
int		 cu_sdpa_dnn(const struct cu_sdpa *);
int		 cu_sdpa_run(struct nn_graph *, struct cu_state *,
		    const struct cu_sdpa *);
void		 cu_sdpa_free(struct cu_state *, struct cu_sdpa *);
void		 cu_dnn_free(struct cu_state *);
/* nn_cuda_conv.c: a convolution planned (cuDNN's graph, a plan per
** shape), its workspace need, its pointers bound once the workspace is
** there, run, freed. */
int		 cu_op_conv(struct nn_graph *, struct cu_state *,
		    const struct cu_conv_args *, struct cu_op *);
int64_t		 cu_conv_ws(const struct cu_op *);
/* The fp32 scratch op OP's conv writes into (s->cf32), or 0. */
size_t		 cu_conv_f32_bytes(const struct nn_graph *,
		    const struct cu_op *, int op);
int		 cu_conv_bind(struct nn_graph *, struct cu_state *,
		    struct cu_op *);
int		 cu_run_conv(struct nn_graph *, struct cu_state *,
		    const struct cu_conv *);
void		 cu_conv_free(struct cu_state *, struct cu_conv *);
void		 cu_cplans_free(struct cu_state *);

#endif
