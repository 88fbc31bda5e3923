/*
** nn_cuda_sdpa.c - attention (Q K^T scaled, softmax, times V) as one
** fused op: cuDNN's SDPA operation in fp16 and bf16, the backend's own
** kernel in fp32 and tf32.
**
** The graph builds attention as three ops (plugins/eegpt/model.c); where
** they are exactly that chain and the scores are used by nothing else,
** the three run as one.  In fp16/bf16 that is cuDNN 9's SDPA_FWD (flash)
** operation through the graph API (nn_cuda_dnn.c), where an engine
** accepts the shapes; anything short of that leaves the three ops to
** cuBLASLt and the softmax kernel, and the first op's impl says why.  In
** fp32/tf32 cuDNN has no SDPA, and cuBLASLt cannot batch the heads in one
** call: Q, K and V are views into one QKV tensor, so the sequence and head
** axes have strides no single batch stride covers, and the products went
** as a loop of calls per head.  The own kernel takes any strides, one
** (sequence, head) per block, in one launch, fp32 arithmetic throughout
** (tf32 included: these products are a tiny share of the work).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_cuda.h"
#include "nn_cuda_dnn.h"

enum { UID_Q = 1, UID_K, UID_V, UID_O, UID_SCALE };

/* One attention's plan and what it holds. */
struct cu_sdpa {
	struct cu_dgraph	 gr;
	cudnnBackendDescriptor_t pack;
	void			*ws;
	float			 scale;	/* by value: read at each execute */
	/* The backend's own kernel instead (fp32, tf32). */
	int			 kernel;
	struct nnk_attn		 k;
	const void		*q, *kk, *v;
	void			*o;
};

const char *
cu_sdpa_why(const struct cu_state *s)
{
	return s->dnn != NULL && s->dnn->why[0] != '\0' ? s->dnn->why : NULL;
}

/* Keeps the latest failure as the reason SDPA is not used (the first
** such reason only); returns 0. */
static int
not_sdpa(struct cu_state *s)
{
	if (s->dnn != NULL && s->dnn->why[0] == '\0')
		snprintf(s->dnn->why, sizeof(s->dnn->why), "%s", s->dnn->last);
	return 0;
}

/* Q [b, h, sq, d], K^T [b, h, d, skv], V [b, h, skv, d], O as Q: every
** head dimension contiguous, d a multiple of 8 up to 128. */
static int
shapes_fit(const struct nn_graph *g, const struct nn_op *o1,
    const struct nn_op *o3)
{
	const struct nn_tensor *q = &g->t[o1->in[0]], *kt = &g->t[o1->in[1]];
	const struct nn_tensor *v = &g->t[o3->in[1]], *o = &g->t[o3->out];
	int64_t d = q->dims[3];

	return q->ndim == 4 && q->strides[3] == 1 && kt->strides[2] == 1 &&
	    v->strides[3] == 1 && o->strides[3] == 1 && v->dims[3] == d &&
	    d % 8 == 0 && d <= 128 && o3->f == 1.0f;
}

/* The backend's own kernel: any strides, K and V of one head in shared
** memory. */
static int
own_kernel(struct nn_graph *g, struct cu_state *s, int i, struct cu_sdpa *p)
{
	const struct nn_op *o1 = &g->op[i], *o3 = &g->op[i + 2];
	const struct nn_tensor *q = &g->t[o1->in[0]], *kt = &g->t[o1->in[1]];
	const struct nn_tensor *v = &g->t[o3->in[1]], *o = &g->t[o3->out];
	struct nnk_attn *a = &p->k;
	int k;

	a->b = q->dims[0];
	a->h = q->dims[1];
	a->lq = q->dims[2];
	a->lk = kt->dims[3];
	a->d = q->dims[3];
	a->scale = o1->f;
	for (k = 0; k < 4; k++) {
		a->sq[k] = q->strides[k];
		a->sv[k] = v->strides[k];
		a->so[k] = o->strides[k];
	}
	/* K as [b, h, j, e]: K^T's last two axes swapped back. */
	a->sk[0] = kt->strides[0], a->sk[1] = kt->strides[1];
	a->sk[2] = kt->strides[3], a->sk[3] = kt->strides[2];
	p->q = cu_data_of(g, s, o1->in[0]);
	p->kk = cu_data_of(g, s, o1->in[1]);
	p->v = cu_data_of(g, s, o3->in[1]);
	p->o = cu_data_of(g, s, o3->out);
	p->kernel = 1;
	s->ops[i].sdpa = p;
	s->ops[i + 1].fused = s->ops[i + 2].fused = 1;
	snprintf(s->ops[i].impl, sizeof(s->ops[i].impl), "kernel:attention "
	    "(with ops %d and %d; %lld heads of %lld x %lld in one launch)",
	    i + 1, i + 2, (long long)(a->b * a->h), (long long)a->lq,
	    (long long)a->d);
	for (k = 1; k <= 2; k++)
		snprintf(s->ops[i + k].impl, sizeof(s->ops[i + k].impl),
		    "kernel:attention (in op %d)", i);
	return 1;
}

int
cu_sdpa_try(struct nn_graph *g, struct cu_state *s, int i)
{
	const struct nn_op *o1 = &g->op[i], *o2 = &g->op[i + 1];
	const struct nn_op *o3 = &g->op[i + 2];
	const struct nn_tensor *sc;
	cudnnBackendDescriptor_t t[5], op;
	static const cudnnBackendAttributeName_t io[5] = {
	    CUDNN_ATTR_OPERATION_SDPA_FWD_QDESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_KDESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_VDESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_ODESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_SCALEDESC };
	cudnnDataType_t dt = cu_dnn_type(g);
	int64_t dq[4], dk[4], sk[4], one[4] = { 1, 1, 1, 1 }, uids[5];
	void *ptrs[5];
	struct cu_sdpa *p;
	const struct nn_tensor *kt;
	int k, r;

	if (i + 2 >= g->nop || o1->kind != NN_OP_MATMUL ||
	    o2->kind != NN_OP_SOFTMAX || o3->kind != NN_OP_MATMUL ||
	    o2->in[0] != o1->out || o3->in[0] != o1->out)
		return 0;
	sc = &g->t[o1->out];
	/* The scores live only from the first op to the third. */
	if (sc->kind != NN_T_ACT || sc->root != o1->out || sc->pinned ||
	    sc->first != i || sc->last != i + 2 || g->t[o1->in[0]].ndim != 4 ||
	    o3->f != 1.0f || (s->flags & NN_CUDA_NO_SDPA))
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	kt = &g->t[o1->in[1]];
	if (g->dtype == NN_F32 || g->dtype == NN_TF32) {
		if (nnk_attention_smem(kt->dims[3], g->t[o1->in[0]].dims[3]) <=
		    NNK_ATTN_SMEM_MAX)
			return own_kernel(g, s, i, p);
		free(p);
		return 0;
	}
	if (!shapes_fit(g, o1, o3)) {
		free(p);
		return 0;
	}
	if ((r = cu_dnn_open(g, s)) <= 0) {
		free(p);
		return r < 0 ? r : not_sdpa(s);
	}
	memcpy(dq, g->t[o1->in[0]].dims, sizeof(dq));
	/* K as cuDNN takes it: K^T's last two axes swapped back. */
	dk[0] = kt->dims[0], dk[1] = kt->dims[1];
	dk[2] = kt->dims[3], dk[3] = kt->dims[2];
	sk[0] = kt->strides[0], sk[1] = kt->strides[1];
	sk[2] = kt->strides[3], sk[3] = kt->strides[2];
	ptrs[0] = cu_data_of(g, s, o1->in[0]);
	ptrs[1] = cu_data_of(g, s, o1->in[1]);
	ptrs[2] = cu_data_of(g, s, o3->in[1]);
	ptrs[3] = cu_data_of(g, s, o3->out);
	ptrs[4] = &p->scale;
	p->scale = o1->f;
	for (k = 0; k < 4; k++)
		if ((uintptr_t)ptrs[k] % 16 != 0) {
			snprintf(s->dnn->last, sizeof(s->dnn->last), "an "
			    "operand is not 16-byte aligned");
			cu_sdpa_free(s, p);
			return not_sdpa(s);
		}
	for (k = 0; k < 5; k++)
		uids[k] = UID_Q + k;
	r = cu_dnn_tensor(s, &p->gr, UID_Q, dt, 4, dq,
	    g->t[o1->in[0]].strides, 16, 0, &t[0]) &&
	    cu_dnn_tensor(s, &p->gr, UID_K, dt, 4, dk, sk, 16, 0, &t[1]) &&
	    cu_dnn_tensor(s, &p->gr, UID_V, dt, 4, g->t[o3->in[1]].dims,
	    g->t[o3->in[1]].strides, 16, 0, &t[2]) &&
	    cu_dnn_tensor(s, &p->gr, UID_O, dt, 4, g->t[o3->out].dims,
	    g->t[o3->out].strides, 16, 0, &t[3]) &&
	    cu_dnn_tensor(s, &p->gr, UID_SCALE, CUDNN_DATA_FLOAT, 4, one, one,
	    16, CU_DT_BY_VALUE, &t[4]);
	if (r && cu_dnn_make(s, &p->gr,
	    CUDNN_BACKEND_OPERATION_SDPA_FWD_DESCRIPTOR, &op) !=
	    CUDNN_STATUS_SUCCESS)
		r = cu_dnn_fail(s, "cudnnBackendCreateDescriptor (SDPA_FWD)",
		    CUDNN_STATUS_NOT_SUPPORTED);
	for (k = 0; r && k < 5; k++)
		if (s->dnn->api.set(op, io[k], CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
		    &t[k]) != CUDNN_STATUS_SUCCESS)
			r = cu_dnn_fail(s, "SDPA_FWD tensors",
			    CUDNN_STATUS_BAD_PARAM);
	if (r && s->dnn->api.finalize(op) != CUDNN_STATUS_SUCCESS)
		r = cu_dnn_fail(s, "cudnnBackendFinalize (SDPA_FWD)",
		    CUDNN_STATUS_NOT_SUPPORTED);
	r = r && cu_dnn_plan(s, &p->gr, &op, 1, false);
	if (r && p->gr.ws > 0 && cudaMalloc(&p->ws, (size_t)p->gr.ws) !=
	    cudaSuccess) {
		cu_sdpa_free(s, p);
		return nn_set_error(g, "nn: cuda: cudaMalloc of %lld bytes "
		    "(cuDNN SDPA workspace) failed", (long long)p->gr.ws);
	}
	r = r && cu_dnn_pack(s, &p->gr, 5, uids, ptrs, p->ws, &p->pack);
	/* One execution now: a plan cuDNN builds but cannot run stays out. */
	if (r && (s->dnn->api.execute(s->dnn->handle, p->gr.plan, p->pack) !=
	    CUDNN_STATUS_SUCCESS || cudaStreamSynchronize(s->stream) !=
	    cudaSuccess))
		r = cu_dnn_fail(s, "a first cudnnBackendExecute",
		    CUDNN_STATUS_EXECUTION_FAILED);
	if (!r) {
		cu_sdpa_free(s, p);
		return not_sdpa(s);
	}
	s->ops[i].sdpa = p;
	s->ops[i + 1].fused = s->ops[i + 2].fused = 1;
	snprintf(s->ops[i].impl, sizeof(s->ops[i].impl), "cudnn:sdpa_fwd "
	    "(with ops %d and %d; cuDNN %zu, engine %lld from %s)", i + 1,
	    i + 2, s->dnn->api.version(), (long long)p->gr.engine,
	    p->gr.mode);
	for (k = 1; k <= 2; k++)
		snprintf(s->ops[i + k].impl, sizeof(s->ops[i + k].impl),
		    "cudnn:sdpa_fwd (in op %d)", i);
	return 1;
}

int
cu_sdpa_dnn(const struct cu_sdpa *p)
{
	return p != NULL && !p->kernel;
}

int
cu_sdpa_run(struct nn_graph *g, struct cu_state *s, const struct cu_sdpa *p)
{
	if (!p->kernel)
		return cu_dnn_execute(g, s, p->gr.plan, p->pack, "SDPA");
	CU(nnk_attention(s->kt, p->q, p->kk, p->v, p->o, &p->k, s->stream),
	    "the attention kernel");
	return 0;
}

void
cu_sdpa_free(struct cu_state *s, struct cu_sdpa *p)
{
	if (p == NULL)
		return;
	if (s->dnn != NULL)
		cu_dgraph_free(s, &p->gr);
	if (p->ws != NULL)
		(void)cudaFree(p->ws);
	free(p);
}
