/*
** nn_cuda_dnn.c - cuDNN for the CUDA backend: opened with dlopen, in the
** probe's process, for the reasons cuBLASLt is (nn_cuda_lt.c), and
** because a machine may lack it; and the graph (backend) API's steps
** every fused operation takes: tensors, an operation graph, the
** heuristics' engine configurations tried in order until one makes a
** plan, a variant pack, an execution.  The handle is never dlclose()d.
*/
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_cuda.h"
#include "nn_cuda_dnn.h"

#ifndef NN_CUDA_LIBDIR
#define NN_CUDA_LIBDIR "/usr/local/cuda/lib64"
#endif
#define DNN_STR2(x) #x
#define DNN_STR(x) DNN_STR2(x)
#define DNN_SONAME "libcudnn.so." DNN_STR(CUDNN_MAJOR)

#define DNN_MAXCFG	8
#define DNN_MAXNOTE	16
/* Deprecated in cuDNN 9 headers (a warning, and -Werror), still wanted
** by the cuDNN 9.0 to 9.x a machine may have: set by value, failures
** ignored. */
#define DNN_ATTR_GRAPH_HANDLE	((cudnnBackendAttributeName_t)800)
#define DNN_ATTR_PLAN_HANDLE	((cudnnBackendAttributeName_t)400)

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

int
cu_dnn_fail(struct cu_state *s, const char *what, cudnnStatus_t st)
{
	struct cu_dnn *d = s->dnn;
	char last[96] = "";

	if (d->api.last_error != NULL)
		d->api.last_error(last, sizeof(last));
	snprintf(d->last, sizeof(d->last), "%s: %s%s%s", what,
	    d->api.status_string != NULL ? d->api.status_string(st) : "?",
	    last[0] != '\0' ? ": " : "", last);
	return 0;
}

#define DNN(call, what) do {						\
	cudnnStatus_t st_ = (call);					\
	if (st_ != CUDNN_STATUS_SUCCESS)				\
		return cu_dnn_fail(s, (what), st_);			\
} while (0)

int
cu_dnn_open(struct nn_graph *g, struct cu_state *s)
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
	snprintf(path, sizeof(path), "%s/%s", NN_CUDA_LIBDIR, DNN_SONAME);
	(void)dlerror();
	if ((lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL &&
	    (lib = dlopen(DNN_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		snprintf(d->last, sizeof(d->last), "cannot load %s (%s)",
		    DNN_SONAME, err != NULL ? err : "not found");
		return 0;
	}
	for (i = 0; i < sizeof(dnn_syms) / sizeof(dnn_syms[0]); i++) {
		void *sym = dlsym(lib, dnn_syms[i].sym);

		if (sym == NULL) {
			snprintf(d->last, sizeof(d->last), "%s has no %s",
			    DNN_SONAME, dnn_syms[i].sym);
			memset(&d->api, 0, sizeof(d->api));
			return 0;
		}
		memcpy((char *)&d->api + dnn_syms[i].off, &sym, sizeof(sym));
	}
	if (d->api.version() < 90000) {
		snprintf(d->last, sizeof(d->last), "cuDNN %zu (the backend "
		    "wants 9.0 or newer)", d->api.version());
		return 0;
	}
	DNN(d->api.create(&d->handle), "cudnnCreate");
	DNN(d->api.set_stream(d->handle, s->stream), "cudnnSetStream");
	d->ok = 1;
	return 1;
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

cudnnDataType_t
cu_dnn_type(const struct nn_graph *g)
{
	return g->dtype == NN_F16 ? CUDNN_DATA_HALF : g->dtype == NN_BF16 ?
	    CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

int64_t
cu_dnn_align(const void *p)
{
	int64_t a = 16;

	while (a > 1 && (uintptr_t)p % (uintptr_t)a != 0)
		a /= 2;
	return a;
}

cudnnStatus_t
cu_dnn_make(struct cu_state *s, struct cu_dgraph *gr,
    cudnnBackendDescriptorType_t type, cudnnBackendDescriptor_t *out)
{
	cudnnStatus_t st;

	*out = NULL;
	if (gr->nd == CU_DNN_MAXDESC)
		return CUDNN_STATUS_INTERNAL_ERROR;
	if ((st = s->dnn->api.create_desc(type, out)) == CUDNN_STATUS_SUCCESS)
		gr->d[gr->nd++] = *out;
	return st;
}

int
cu_dnn_tensor(struct cu_state *s, struct cu_dgraph *gr, int64_t uid,
    cudnnDataType_t dt, int ndim, const int64_t *dims,
    const int64_t *strides, int64_t align, unsigned flags,
    cudnnBackendDescriptor_t *t)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	bool yes = true;

	DNN(cu_dnn_make(s, gr, CUDNN_BACKEND_TENSOR_DESCRIPTOR, t),
	    "cudnnBackendCreateDescriptor (tensor)");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1,
	    &dt), "tensor data type");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, ndim,
	    dims), "tensor dimensions");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, ndim,
	    strides), "tensor strides");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid),
	    "tensor id");
	DNN(a->set(*t, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1,
	    &align), "tensor alignment");
	if (flags & CU_DT_VIRTUAL)
		DNN(a->set(*t, CUDNN_ATTR_TENSOR_IS_VIRTUAL,
		    CUDNN_TYPE_BOOLEAN, 1, &yes), "tensor virtual");
	if (flags & CU_DT_BY_VALUE)
		DNN(a->set(*t, CUDNN_ATTR_TENSOR_IS_BY_VALUE,
		    CUDNN_TYPE_BOOLEAN, 1, &yes), "tensor by value");
	DNN(a->finalize(*t), "cudnnBackendFinalize (tensor)");
	return 1;
}

/* Whether CFG's engine computes fp32 data on tensor cores (TF32). */
static int
uses_tf32(struct cu_state *s, cudnnBackendDescriptor_t cfg, int64_t *index)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	cudnnBackendNumericalNote_t notes[DNN_MAXNOTE];
	cudnnBackendDescriptor_t e;
	int64_t n = 0, i;
	int tc = 0;

	*index = -1;
	if (a->create_desc(CUDNN_BACKEND_ENGINE_DESCRIPTOR, &e) !=
	    CUDNN_STATUS_SUCCESS)
		return 1;
	if (a->get(cfg, CUDNN_ATTR_ENGINECFG_ENGINE,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n, &e) != CUDNN_STATUS_SUCCESS) {
		(void)a->destroy_desc(e);
		return 1;	/* unknown: not taken where it matters */
	}
	(void)a->get(e, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1,
	    &n, index);
	n = 0;
	if (a->get(e, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
	    CUDNN_TYPE_NUMERICAL_NOTE, DNN_MAXNOTE, &n, notes) !=
	    CUDNN_STATUS_SUCCESS)
		tc = 1;
	for (i = 0; i < n && i < DNN_MAXNOTE; i++)
		if (notes[i] == CUDNN_NUMERICAL_NOTE_TENSOR_CORE ||
		    notes[i] == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS)
			tc = 1;
	(void)a->destroy_desc(e);
	return tc;
}

/* The configurations heuristics MODE offers for GRAPH, each tried. */
static int
try_mode(struct cu_state *s, struct cu_dgraph *gr,
    cudnnBackendDescriptor_t graph, cudnnBackendHeurMode_t mode,
    bool no_tf32, cudnnStatus_t *st)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	cudnnBackendDescriptor_t heur, cfg[DNN_MAXCFG], pl;
	int64_t n = 0, k, index;

	DNN(cu_dnn_make(s, gr, CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, &heur),
	    "cudnnBackendCreateDescriptor (heuristics)");
	DNN(a->set(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph), "heuristics graph");
	DNN(a->set(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1,
	    &mode), "heuristics mode");
	DNN(a->finalize(heur), "cudnnBackendFinalize (heuristics)");
	DNN(a->get(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &n, NULL), "heuristics count");
	if (n > DNN_MAXCFG)
		n = DNN_MAXCFG;
	for (k = 0; k < n; k++)
		DNN(cu_dnn_make(s, gr, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR,
		    &cfg[k]), "cudnnBackendCreateDescriptor (engine config)");
	if (n > 0)
		DNN(a->get(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
		    CUDNN_TYPE_BACKEND_DESCRIPTOR, n, &n, cfg),
		    "heuristics results");
	for (k = 0; k < n; k++) {
		if (uses_tf32(s, cfg[k], &index) && no_tf32)
			continue;
		*st = a->create_desc(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR,
		    &pl);
		if (*st != CUDNN_STATUS_SUCCESS)
			return 0;
		(void)a->set(pl, DNN_ATTR_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1,
		    &s->dnn->handle);
		*st = a->set(pl, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
		    CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cfg[k]);
		if (*st == CUDNN_STATUS_SUCCESS)
			*st = a->finalize(pl);
		if (*st == CUDNN_STATUS_SUCCESS &&
		    a->get(pl, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
		    CUDNN_TYPE_INT64, 1, &(int64_t){ 0 }, &gr->ws) ==
		    CUDNN_STATUS_SUCCESS) {
			gr->plan = pl;
			gr->engine = index;
			return 1;
		}
		(void)a->destroy_desc(pl);
	}
	return 0;
}

int
cu_dnn_plan(struct cu_state *s, struct cu_dgraph *gr,
    cudnnBackendDescriptor_t *ops, int nops, bool no_tf32)
{
	const struct cu_dnn_api *a = &s->dnn->api;
	cudnnBackendDescriptor_t graph;
	cudnnStatus_t st = CUDNN_STATUS_NOT_SUPPORTED;

	DNN(cu_dnn_make(s, gr, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR,
	    &graph), "cudnnBackendCreateDescriptor (operation graph)");
	(void)a->set(graph, DNN_ATTR_GRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1,
	    &s->dnn->handle);
	DNN(a->set(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS,
	    CUDNN_TYPE_BACKEND_DESCRIPTOR, nops, ops), "operation graph ops");
	DNN(a->finalize(graph), "cudnnBackendFinalize (operation graph)");
	s->dnn->last[0] = '\0';
	if (try_mode(s, gr, graph, CUDNN_HEUR_MODE_A, no_tf32, &st)) {
		gr->mode = "heuristics A";
		return 1;
	}
	if (try_mode(s, gr, graph, CUDNN_HEUR_MODE_FALLBACK, no_tf32, &st)) {
		gr->mode = "fallback list";
		return 1;
	}
	if (s->dnn->last[0] != '\0')
		return 0;
	return cu_dnn_fail(s, no_tf32 ? "no engine configuration without "
	    "TF32 makes a plan" : "no engine configuration makes a plan", st);
}

int
cu_dnn_pack(struct cu_state *s, struct cu_dgraph *gr, int n,
    const int64_t *uids, void *const *ptrs, void *ws,
    cudnnBackendDescriptor_t *pack)
{
	const struct cu_dnn_api *a = &s->dnn->api;

	DNN(cu_dnn_make(s, gr, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, pack),
	    "cudnnBackendCreateDescriptor (variant pack)");
	DNN(a->set(*pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64,
	    n, uids), "variant pack ids");
	DNN(a->set(*pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS,
	    CUDNN_TYPE_VOID_PTR, n, ptrs), "variant pack pointers");
	DNN(a->set(*pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE,
	    CUDNN_TYPE_VOID_PTR, 1, &ws), "variant pack workspace");
	DNN(a->finalize(*pack), "cudnnBackendFinalize (variant pack)");
	return 1;
}

int
cu_dnn_execute(struct nn_graph *g, struct cu_state *s,
    cudnnBackendDescriptor_t plan, cudnnBackendDescriptor_t pack,
    const char *what)
{
	cudnnStatus_t st = s->dnn->api.execute(s->dnn->handle, plan, pack);

	if (st != CUDNN_STATUS_SUCCESS)
		return nn_set_error(g, "nn: cuda: cudnnBackendExecute (%s) "
		    "failed: %s", what, s->dnn->api.status_string(st));
	return 0;
}

void
cu_dgraph_free(struct cu_state *s, struct cu_dgraph *gr)
{
	int i;

	if (gr->plan != NULL)
		(void)s->dnn->api.destroy_desc(gr->plan);
	gr->plan = NULL;
	for (i = gr->nd - 1; i >= 0; i--)
		(void)s->dnn->api.destroy_desc(gr->d[i]);
	gr->nd = 0;
}
