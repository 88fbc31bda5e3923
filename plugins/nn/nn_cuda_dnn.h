/*
** nn_cuda_dnn.h - cuDNN for the CUDA backend: the library opened with
** dlopen, and the graph (backend) API's descriptors made, planned and
** executed, shared by attention (nn_cuda_sdpa.c) and convolution
** (nn_cuda_conv.c).  Private to plugins/nn.
*/
#ifndef DYNO_NN_CUDA_DNN_H
#define DYNO_NN_CUDA_DNN_H

#include <stdbool.h>
#include <stdint.h>

#include <cudnn_graph.h>

#include "nn_cuda_int.h"

#define CU_DNN_MAXDESC	48

struct cu_dnn_api {
	__typeof__(&cudnnGetVersion) version;
	__typeof__(&cudnnCreate) create;
	__typeof__(&cudnnDestroy) destroy;
	__typeof__(&cudnnSetStream) set_stream;
	__typeof__(&cudnnGetErrorString) status_string;
	__typeof__(&cudnnGetLastErrorString) last_error;
	__typeof__(&cudnnBackendCreateDescriptor) create_desc;
	__typeof__(&cudnnBackendDestroyDescriptor) destroy_desc;
	__typeof__(&cudnnBackendSetAttribute) set;
	__typeof__(&cudnnBackendGetAttribute) get;
	__typeof__(&cudnnBackendFinalize) finalize;
	__typeof__(&cudnnBackendExecute) execute;
};

struct cu_dnn {
	struct cu_dnn_api	 api;
	cudnnHandle_t		 handle;
	int			 ok;
	char			 why[200];	/* why SDPA is not used */
	char			 last[200];	/* the latest failure */
};

/* One operation graph's descriptors and the plan chosen for it. */
struct cu_dgraph {
	cudnnBackendDescriptor_t d[CU_DNN_MAXDESC];
	int			 nd;
	cudnnBackendDescriptor_t plan;
	int64_t			 ws;		/* its workspace, bytes */
	int64_t			 engine;	/* the engine's global index */
	const char		*mode;		/* the heuristic that offered it */
};

/* Tensor flags for cu_dnn_tensor(). */
#define CU_DT_VIRTUAL	0x1	/* lives only inside a fused graph */
#define CU_DT_BY_VALUE	0x2	/* a host scalar */

/* cuDNN opened and its handle on the backend's stream: 1, or 0 with
** why in s->dnn->last (-1: out of memory, nn_error() says). */
int	cu_dnn_open(struct nn_graph *, struct cu_state *);
/* Records WHAT failed with ST in s->dnn->last; returns 0. */
int	cu_dnn_fail(struct cu_state *, const char *what, cudnnStatus_t st);
/* A new descriptor of TYPE kept in G (destroyed with it). */
cudnnStatus_t cu_dnn_make(struct cu_state *, struct cu_dgraph *,
	    cudnnBackendDescriptorType_t, cudnnBackendDescriptor_t *);
/* A finalized tensor descriptor of NDIM DIMS and STRIDES (elements),
** ALIGN bytes: 1, or 0 (cu_dnn_fail()). */
int	cu_dnn_tensor(struct cu_state *, struct cu_dgraph *, int64_t uid,
	    cudnnDataType_t, int ndim, const int64_t *dims,
	    const int64_t *strides, int64_t align, unsigned flags,
	    cudnnBackendDescriptor_t *);
/* The operation graph of OPS, and the first engine configuration that
** makes a plan: heuristics mode A's list, then the fallback list;
** with NO_TF32 an engine noted as using tensor cores on fp32 data is
** passed over.  1, or 0 (cu_dnn_fail()). */
int	cu_dnn_plan(struct cu_state *, struct cu_dgraph *,
	    cudnnBackendDescriptor_t *ops, int nops, bool no_tf32);
/* A finalized variant pack of N (uid, pointer) pairs and WS, kept in G
** as *PACK: 1, or 0 (cu_dnn_fail()). */
int	cu_dnn_pack(struct cu_state *, struct cu_dgraph *, int n,
	    const int64_t *uids, void *const *ptrs, void *ws,
	    cudnnBackendDescriptor_t *pack);
int	cu_dnn_execute(struct nn_graph *, struct cu_state *,
	    cudnnBackendDescriptor_t plan, cudnnBackendDescriptor_t pack,
	    const char *what);
void	cu_dgraph_free(struct cu_state *, struct cu_dgraph *);
/* cuDNN's storage type for the graph's precision. */
cudnnDataType_t cu_dnn_type(const struct nn_graph *);
/* The largest power of two up to 16 dividing P (a tensor's alignment). */
int64_t	cu_dnn_align(const void *p);

#endif
