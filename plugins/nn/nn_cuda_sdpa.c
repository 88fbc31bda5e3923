/*
** nn_cuda_sdpa.c - attention (Q K^T scaled, softmax, times V) as one cuDNN
** SDPA operation, through cuDNN's backend (graph) C API, in fp16 and bf16.
**
** The graph builds attention as three ops (plugins/eegpt/model.c); where
** they are exactly that chain, the scores are used by nothing else, and
** cuDNN 9 is there with an SDPA_FWD operation an engine accepts for these
** shapes, the three run as one fused (flash) kernel.  Anything short of
** that leaves the three ops to cuBLASLt and the softmax kernel, and the
** first op's impl says why.  The primitive chain matmul -> softmax ->
** matmul gets no fused engine from backend calls; the SDPA_FWD operation
** does.
**
** cuDNN is opened with dlopen, in the probe's process, for the reasons
** cuBLASLt is (nn_cuda_lt.c), and because a machine may lack it: then
** attention stays on cuBLASLt.  The handle is never dlclose()d.
*/
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cudnn_graph.h>

#include "nn_cuda.h"
#include "nn_cuda_int.h"

#ifndef NN_CUDA_LIBDIR
#define NN_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif
#define SDPA_STR2(x) #x
#define SDPA_STR(x) SDPA_STR2(x)
#define SDPA_SONAME "libcudnn.so." SDPA_STR(CUDNN_MAJOR)

#define SDPA_MAXDESC	24
#define SDPA_MAXCFG	8
/* Deprecated in cuDNN 9 headers (a warning, and -Werror), still wanted
** by the cuDNN 9.0 to 9.x a machine may have: set by value, failures
** ignored. */
#define SDPA_ATTR_GRAPH_HANDLE	((cudnnBackendAttributeName_t)800)
#define SDPA_ATTR_PLAN_HANDLE	((cudnnBackendAttributeName_t)400)

enum { UID_Q = 1, UID_K, UID_V, UID_O, UID_SCALE };

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

static const struct { const char *sym; size_t off; } dnn_syms[] = {
#define DNN_SYM(f, name) { name, offsetof(struct cu_dnn_api, f) }
	DNN_SYM(version, "cudnnGetVersion"),
	DNN_SYM(create, "cudnnCreate"),
	DNN_SYM(destroy, "cudnnDestroy"),
	DNN_SYM(set_stream, "cudnnSetStream"),
	DNN_SYM(status_string, "cudnnGetErrorString"),
	DNN_SYM(last_error, "cudnnGetLastErrorString"),
	DNN_SYM(create_desc, "cudnnBackendCreateDescriptor"),
	DNN_SYM(destroy_desc, "cudnnBackendDestroyDescriptor"),
	DNN_SYM(set, "cudnnBackendSetAttribute"),
	DNN_SYM(get, "cudnnBackendGetAttribute"),
	DNN_SYM(finalize, "cudnnBackendFinalize"),
	DNN_SYM(execute, "cudnnBackendExecute"),
#undef DNN_SYM
};

struct cu_dnn {
	struct cu_dnn_api	 api;
	cudnnHandle_t		 handle;
	int			 ok;
	char			 why[160];
};

/* One attention's plan and what it holds. */
struct cu_sdpa {
	cudnnBackendDescriptor_t d[SDPA_MAXDESC];
	int			 nd;
	cudnnBackendDescriptor_t plan, pack;
	void			*ws;
	float			 scale;	/* by value: read at each execute */
};

/* Records why cuDNN is not used (the first reason only); returns 0. */
static int
why(struct cu_state *s, const char *what, cudnnStatus_t st)
{
	struct cu_dnn *d = s->dnn;
	char last[96] = "";

	if (d->why[0] != '\0')
		return 0;
	if (d->api.last_error != NULL)
		d->api.last_error(last, sizeof(last));
	snprintf(d->why, sizeof(d->why), "%s: %s%s%s", what,
	    d->api.status_string != NULL ? d->api.status_string(st) : "?",
	    last[0] != '\0' ? ": " : "", last);
	return 0;
}

#define DNN(call, what) do {						\
	cudnnStatus_t st_ = (call);					\
	if (st_ != CUDNN_STATUS_SUCCESS)				\
		return why(s, (what), st_);				\
} while (0)

/* cuDNN opened, its handle on the backend's stream: 1, or 0 with why
** (-1: out of memory). */
static int
dnn_open(struct nn_graph *g, struct cu_state *s)
{
	struct cu_dnn *d;
	char path[512];
	const char *err;
	void *lib;
	size_t i;

	if (s->dnn != NULL)
		return s->dnn->ok;
	if ((d = s->dnn = calloc(1, sizeof(*d))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	snprintf(path, sizeof(path), "%s/%s", NN_CUDA_LIBDIR, SDPA_SONAME);
	(void)dlerror();
	if ((lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL &&
	    (lib = dlopen(SDPA_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		snprintf(d->why, sizeof(d->why), "cannot load %s (%s)",
		    SDPA_SONAME, err != NULL ? err : "not found");
		return 0;
	}
	for (i = 0; i < sizeof(dnn_syms) / sizeof(dnn_syms[0]); i++) {
		void *sym = dlsym(lib, dnn_syms[i].sym);

		if (sym == NULL) {
			snprintf(d->why, sizeof(d->why), "%s has no %s",
			    SDPA_SONAME, dnn_syms[i].sym);
			memset(&d->api, 0, sizeof(d->api));
			return 0;
		}
		memcpy((char *)&d->api + dnn_syms[i].off, &sym, sizeof(sym));
	}
	if (d->api.version() < 90000) {
		snprintf(d->why, sizeof(d->why), "cuDNN %zu (9.0 or newer "
		    "has SDPA)", d->api.version());
		return 0;
	}
	DNN(d->api.create(&d->handle), "cudnnCreate");
	DNN(d->api.set_stream(d->handle, s->stream), "cudnnSetStream");
	d->ok = 1;
	return 1;
}

const char *
cu_sdpa_why(const struct cu_state *s)
{
	return s->dnn != NULL && s->dnn->why[0] != '\0' ? s->dnn->why : NULL;
}

/* A new descriptor of TYPE kept in P (destroyed with it). */
static cudnnStatus_t
make(struct cu_state *s, struct cu_sdpa *p, cudnnBackendDescriptorType_t type,
    cudnnBackendDescriptor_t *out)
{
	cudnnStatus_t st;

	*out = NULL;
	if (p->nd == SDPA_MAXDESC)
		return CUDNN_STATUS_INTERNAL_ERROR;
	if ((st = s->dnn->api.create_desc(type, out)) == CUDNN_STATUS_SUCCESS)
		p->d[p->nd++] = *out;
	return st;
}

static int
tensor(struct cu_state *s, struct cu_sdpa *p, int64_t uid, cudnnDataType_t dt,
    const int64_t *dims, const int64_t *strides, bool by_value,
    cudnnBackendDescriptor_t *t)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	int64_t align = 16;

	DNN(make(s, p, CUDNN_BACKEND_TENSOR_DESCRIPTOR, t),
	    "cudnnBackendCreateDescriptor (tensor)");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1,
	    &dt), "tensor data type");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4,
	    dims), "tensor dimensions");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4,
	    strides), "tensor strides");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid),
	    "tensor id");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1,
	    &align), "tensor alignment");
	if (by_value)
		DNN(a->set(*t, CUDNN_ATTR_TENSOR_IS_BY_VALUE,
		    CUDNN_TYPE_BOOLEAN, 1, &by_value), "tensor by value");
	DNN(a->finalize(*t), "cudnnBackendFinalize (tensor)");
	return 1;
}

/* The SDPA operation in an operation graph, and the first engine
** configuration cuDNN's heuristic offers that makes a plan. */
static int
plan(struct cu_state *s, struct cu_sdpa *p, cudnnBackendDescriptor_t *t)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	static const cudnnBackendAttributeName_t io[5] = {
	    CUDNN_ATTR_OPERATION_SDPA_FWD_QDESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_KDESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_VDESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_ODESC,
	    CUDNN_ATTR_OPERATION_SDPA_FWD_SCALEDESC };
	cudnnBackendDescriptor_t op, graph, heur, cfg[SDPA_MAXCFG], pl;
	cudnnBackendHeurMode_t mode = CUDNN_HEUR_MODE_A;
	cudnnStatus_t st = CUDNN_STATUS_NOT_SUPPORTED;
	int64_t n = 0, k;
	int i;

	DNN(make(s, p, CUDNN_BACKEND_OPERATION_SDPA_FWD_DESCRIPTOR, &op),
	    "cudnnBackendCreateDescriptor (SDPA_FWD)");
	for (i = 0; i < 5; i++)
		DNN(a->set(op, io[i], CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &t[i]),
		    "SDPA_FWD tensors");
	DNN(a->finalize(op), "cudnnBackendFinalize (SDPA_FWD)");
	DNN(make(s, p, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, &graph),
	    "cudnnBackendCreateDescriptor (operation graph)");
	(void)a->set(graph, SDPA_ATTR_GRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1,
	    &s->dnn->handle);
	DNN(a->set(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &op), "operation graph ops");
	DNN(a->finalize(graph), "cudnnBackendFinalize (operation graph)");
	DNN(make(s, p, CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, &heur),
	    "cudnnBackendCreateDescriptor (heuristics)");
	DNN(a->set(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph), "heuristics graph");
	DNN(a->set(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1,
	    &mode), "heuristics mode");
	DNN(a->finalize(heur), "cudnnBackendFinalize (heuristics)");
	DNN(a->get(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &n, NULL), "heuristics count");
	if (n > SDPA_MAXCFG)
		n = SDPA_MAXCFG;
	if (n < 1)
		return why(s, "cuDNN's heuristic offers no engine",
		    CUDNN_STATUS_NOT_SUPPORTED);
	for (k = 0; k < n; k++)
		DNN(make(s, p, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, &cfg[k]),
		    "cudnnBackendCreateDescriptor (engine config)");
	DNN(a->get(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, n, &n, cfg), "heuristics results");
	for (k = 0; k < n; k++) {
		st = a->create_desc(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR,
		    &pl);
		if (st != CUDNN_STATUS_SUCCESS)
			break;
		(void)a->set(pl, SDPA_ATTR_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1,
		    &s->dnn->handle);
		st = a->set(pl, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
		    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cfg[k]);
		if (st == CUDNN_STATUS_SUCCESS)
			st = a->finalize(pl);
		if (st == CUDNN_STATUS_SUCCESS) {
			p->plan = pl;
			return 1;
		}
		(void)a->destroy_desc(pl);
	}
	return why(s, "no engine configuration makes a plan", st);
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

int
cu_sdpa_try(struct nn_graph *g, struct cu_state *s, int i)
{
	const struct nn_op *o1 = &g->op[i], *o2 = &g->op[i + 1];
	const struct nn_op *o3 = &g->op[i + 2];
	const struct nn_tensor *sc;
	cudnnBackendDescriptor_t t[5];
	cudnnDataType_t dt = g->dtype == NN_BF16 ? CUDNN_DATA_BFLOAT16 :
	    CUDNN_DATA_HALF;
	int64_t dq[4], dk[4], sk[4], one[4] = { 1, 1, 1, 1 }, uids[5];
	void *ptrs[5];
	struct cu_sdpa *p;
	const struct nn_tensor *kt;
	int64_t wsb = 0;
	int k, r;

	if (i + 2 >= g->nop || o1->kind != NN_OP_MATMUL ||
	    o2->kind != NN_OP_SOFTMAX || o3->kind != NN_OP_MATMUL ||
	    o2->in[0] != o1->out || o3->in[0] != o1->out)
		return 0;
	sc = &g->t[o1->out];
	/* The scores live only from the first op to the third. */
	if (sc->kind != NN_T_ACT || sc->root != o1->out || sc->pinned ||
	    sc->first != i || sc->last != i + 2)
		return 0;
	if ((g->dtype != NN_F16 && g->dtype != NN_BF16) ||
	    (s->flags & NN_CUDA_NO_SDPA) || !shapes_fit(g, o1, o3))
		return 0;
	if ((r = dnn_open(g, s)) <= 0)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return nn_set_error(g, "nn: out of memory");
	kt = &g->t[o1->in[1]];
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
			snprintf(s->dnn->why, sizeof(s->dnn->why), "an operand "
			    "is not 16-byte aligned");
			cu_sdpa_free(s, p);
			return 0;
		}
	for (k = 0; k < 5; k++)
		uids[k] = UID_Q + k;
	r = tensor(s, p, UID_Q, dt, dq, g->t[o1->in[0]].strides, false,
	    &t[0]) &&
	    tensor(s, p, UID_K, dt, dk, sk, false, &t[1]) &&
	    tensor(s, p, UID_V, dt, g->t[o3->in[1]].dims,
	    g->t[o3->in[1]].strides, false, &t[2]) &&
	    tensor(s, p, UID_O, dt, g->t[o3->out].dims, g->t[o3->out].strides,
	    false, &t[3]) &&
	    tensor(s, p, UID_SCALE, CUDNN_DATA_FLOAT, one, one, true, &t[4]) &&
	    plan(s, p, t);
	if (r && s->dnn->api.get(p->plan,
	    CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1,
	    &(int64_t){ 0 }, &wsb) != CUDNN_STATUS_SUCCESS)
		r = why(s, "plan workspace size", CUDNN_STATUS_BAD_PARAM);
	if (r && wsb > 0 && cudaMalloc(&p->ws, (size_t)wsb) != cudaSuccess) {
		cu_sdpa_free(s, p);
		return nn_set_error(g, "nn: cuda: cudaMalloc of %lld bytes "
		    "(cuDNN SDPA workspace) failed", (long long)wsb);
	}
	if (r && make(s, p, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, &p->pack) !=
	    CUDNN_STATUS_SUCCESS)
		r = why(s, "cudnnBackendCreateDescriptor (variant pack)",
		    CUDNN_STATUS_ALLOC_FAILED);
	if (r && (s->dnn->api.set(p->pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS,
	    CUDNN_TYPE_INT64, 5, uids) != CUDNN_STATUS_SUCCESS ||
	    s->dnn->api.set(p->pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS,
	    CUDNN_TYPE_VOID_PTR, 5, ptrs) != CUDNN_STATUS_SUCCESS ||
	    s->dnn->api.set(p->pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE,
	    CUDNN_TYPE_VOID_PTR, 1, &p->ws) != CUDNN_STATUS_SUCCESS ||
	    s->dnn->api.finalize(p->pack) != CUDNN_STATUS_SUCCESS))
		r = why(s, "variant pack", CUDNN_STATUS_BAD_PARAM);
	/* One execution now: a plan cuDNN builds but cannot run stays out. */
	if (r && (s->dnn->api.execute(s->dnn->handle, p->plan, p->pack) !=
	    CUDNN_STATUS_SUCCESS || cudaStreamSynchronize(s->stream) !=
	    cudaSuccess))
		r = why(s, "a first cudnnBackendExecute",
		    CUDNN_STATUS_EXECUTION_FAILED);
	if (!r) {
		cu_sdpa_free(s, p);
		return 0;
	}
	s->ops[i].sdpa = p;
	s->ops[i + 1].fused = s->ops[i + 2].fused = 1;
	snprintf(s->ops[i].impl, sizeof(s->ops[i].impl), "cudnn:sdpa_fwd "
	    "(with ops %d and %d; cuDNN %zu)", i + 1, i + 2,
	    s->dnn->api.version());
	for (k = 1; k <= 2; k++)
		snprintf(s->ops[i + k].impl, sizeof(s->ops[i + k].impl),
		    "cudnn:sdpa_fwd (in op %d)", i);
	return 1;
}

int
cu_sdpa_run(struct nn_graph *g, struct cu_state *s, const struct cu_sdpa *p)
{
	cudnnStatus_t st = s->dnn->api.execute(s->dnn->handle, p->plan,
	    p->pack);

	if (st != CUDNN_STATUS_SUCCESS)
		return nn_set_error(g, "nn: cuda: cudnnBackendExecute (SDPA) "
		    "failed: %s", s->dnn->api.status_string(st));
	return 0;
}

void
cu_sdpa_free(struct cu_state *s, struct cu_sdpa *p)
{
	int i;

	if (p == NULL)
		return;
	if (p->plan != NULL)
		(void)s->dnn->api.destroy_desc(p->plan);
	for (i = p->nd - 1; i >= 0; i--)
		(void)s->dnn->api.destroy_desc(p->d[i]);
	if (p->ws != NULL)
		(void)cudaFree(p->ws);
	free(p);
}

void
cu_dnn_free(struct cu_state *s)
{
	if (s->dnn == NULL)
		return;
	if (s->dnn->handle != NULL)
		(void)s->dnn->api.destroy(s->dnn->handle);
	free(s->dnn);
	s->dnn = NULL;
}
