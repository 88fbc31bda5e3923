/*
** nn_cuda.c - the CUDA backend: linear layers and batched matmuls through
** cuBLASLt (bias in its epilogue, the residual through beta = 1),
** attention fused (nn_cuda_sdpa.c), convolutions through cuDNN's graph
** (nn_cuda_conv.c), softmax, LayerNorm, erf GELU, adds, strided copies,
** max pooling and nearest upsampling in own kernels (nn_kernels.cu), the
** whole forward captured once as a CUDA graph.
**
** Every tensor on the device, weights included, is stored in the graph's
** precision (fp32 for fp32 and tf32, else fp16 or bf16); cuBLASLt and the
** kernels accumulate in fp32.  Weights are converted once, at compile.
**
** cuBLASLt is dlopen()ed (nn_cuda_lt.c); the runtime (libcudart, small,
** no device touched until the first call) is linked.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_cuda.h"
#include "nn_cuda_int.h"

static void cu_release(struct nn_graph *);

int
nn_cuda_devices(char *why, size_t len)
{
	cudaError_t e;
	int n = 0;

	if ((e = cudaGetDeviceCount(&n)) != cudaSuccess) {
		snprintf(why, len, "%s", cudaGetErrorString(e));
		return 0;
	}
	if (n == 0)
		snprintf(why, len, "cudaGetDeviceCount found none");
	return n;
}

static struct cu_state *
cu_state(struct nn_graph *g)
{
	struct cu_state *s = g->be_state;

	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL)
		g->be_state = s;
	return s;
}

int
nn_cuda_options(struct nn_graph *g, int device, unsigned flags)
{
	struct cu_state *s;

	if (g->device != NN_CUDA || g->compiled)
		return nn_set_error(g, "nn: cuda options for a graph not on "
		    "cuda, or already compiled");
	if (device < 0)
		return nn_set_error(g, "nn: cuda device %d (>= 0 expected)",
		    device);
	if ((s = cu_state(g)) == NULL)
		return nn_set_error(g, "nn: out of memory");
	s->device = device;
	s->flags = flags;
	return 0;
}

const char *
nn_cuda_eager_why(const struct nn_graph *g)
{
	const struct cu_state *s = g->be_state;

	return s != NULL && s->eager_why[0] != '\0' ? s->eager_why : NULL;
}

size_t
nn_cuda_mem_bytes(const struct nn_graph *g)
{
	const struct cu_state *s = g->be_state;
	size_t fr = 0, total = 0;

	if (s == NULL || !g->compiled ||
	    cudaMemGetInfo(&fr, &total) != cudaSuccess)
		return 0;
	return s->free_before > fr ? s->free_before - fr : 0;
}

static size_t
align_up(size_t n)
{
	return (n + CU_ALIGN - 1) / CU_ALIGN * CU_ALIGN;
}

/* Where T's first element lives on the device. */
unsigned char *
cu_data_of(const struct nn_graph *g, const struct cu_state *s, int t)
{
	const struct nn_tensor *x = &g->t[t];
	const struct nn_tensor *r = &g->t[x->root];

	if (r->kind == NN_T_WEIGHT)
		return s->weights + s->woff[x->root] +
		    (size_t)x->offset * s->el;
	return s->arena + r->arena_off + (size_t)x->offset * s->el;
}

/* Stage N fp32 values (grown on demand; write, read and weight upload
** only, never inside the captured forward). */
static int
stage(struct nn_graph *g, struct cu_state *s, size_t n)
{
	if (n * sizeof(float) <= s->stage_bytes)
		return 0;
	if (s->stage != NULL)
		CU(cudaFree(s->stage), "cudaFree (staging buffer)");
	s->stage = NULL;
	s->stage_bytes = 0;
	CU(cudaMalloc((void **)&s->stage, n * sizeof(float)),
	    "cudaMalloc (staging buffer)");
	s->stage_bytes = n * sizeof(float);
	return 0;
}

int
cu_upload(struct nn_graph *g, struct cu_state *s, void *dst, const float *host,
    size_t n)
{
	if (s->kt == NNK_F32) {
		CU(cudaMemcpyAsync(dst, host, n * sizeof(float),
		    cudaMemcpyHostToDevice, s->stream),
		    "cudaMemcpyAsync (write)");
	} else {
		if (stage(g, s, n) < 0)
			return -1;
		CU(cudaMemcpyAsync(s->stage, host, n * sizeof(float),
		    cudaMemcpyHostToDevice, s->stream),
		    "cudaMemcpyAsync (write)");
		CU(nnk_convert(s->kt, s->stage, dst, (int64_t)n, 1, s->stream),
		    "the conversion kernel (write)");
	}
	CU(cudaStreamSynchronize(s->stream), "cudaStreamSynchronize (write)");
	return 0;
}

/* T's strides as a walk's, 0 along axes that broadcast to DIMS. */
static void
walk_strides(const struct nn_tensor *t, const int64_t *dims, int64_t *out)
{
	int i;

	for (i = 0; i < t->ndim; i++)
		out[i] = t->dims[i] == 1 && dims[i] != 1 ? 0 : t->strides[i];
}

/* T as the image kernels take it. */
static void
img(const struct nn_tensor *t, struct nnk_img *m)
{
	memcpy(m->dims, t->dims, sizeof(m->dims));
	memcpy(m->s, t->strides, sizeof(m->s));
}

/* The image ops that are the backend's own kernels. */
static int
run_image(struct nn_graph *g, struct cu_state *s, const struct nn_op *op)
{
	struct nnk_img xi, yi;

	img(&g->t[op->in[0]], &xi);
	img(&g->t[op->out], &yi);
	if (op->kind == NN_OP_MAXPOOL)
		CU(nnk_maxpool(s->kt, cu_data_of(g, s, op->in[0]), &xi,
		    cu_data_of(g, s, op->out), &yi, op->k, op->stride, op->pad,
		    s->stream), "the maxpool kernel");
	else
		CU(nnk_upsample2x(s->kt, cu_data_of(g, s, op->in[0]), &xi,
		    cu_data_of(g, s, op->out), &yi, s->stream),
		    "the upsample kernel");
	return 0;
}

/* The forward, once: on the stream, or into the graph being captured. */
static int
run_ops(struct nn_graph *g, struct cu_state *s)
{
	int i;

	for (i = 0; i < g->nop; i++) {
		const struct nn_op *op = &g->op[i];
		const struct nn_tensor *x = &g->t[op->in[0]];
		int64_t last = x->dims[x->ndim - 1];
		struct nnk_walk w;

		if (s->ops[i].fused)
			continue;
		if (s->ops[i].sdpa != NULL) {
			if (cu_sdpa_run(g, s, s->ops[i].sdpa) < 0)
				return -1;
			continue;
		}
		switch (op->kind) {
		case NN_OP_LINEAR:
		case NN_OP_MATMUL:
			if (cu_run_mm(g, s, s->ops[i].mm) < 0)
				return -1;
			break;
		case NN_OP_SOFTMAX:
			CU(nnk_softmax(s->kt, cu_data_of(g, s, op->in[0]),
			    nn_numel(g, op->in[0]) / last, last, s->stream),
			    "the softmax kernel");
			break;
		case NN_OP_LAYERNORM:
			CU(nnk_layernorm(s->kt, cu_data_of(g, s, op->in[0]),
			    cu_data_of(g, s, op->in[1]),
			    cu_data_of(g, s, op->in[2]),
			    cu_data_of(g, s, op->out), nn_numel(g, op->in[0]) /
			    last, last, op->f, s->stream),
			    "the LayerNorm kernel");
			break;
		case NN_OP_GELU:
			CU(nnk_gelu(s->kt, cu_data_of(g, s, op->in[0]),
			    cu_data_of(g, s, op->out),
			    nn_numel(g, op->in[0]), 0,
			    s->stream), "the GELU kernel");
			break;
		case NN_OP_ADD:
		case NN_OP_COPY:
			memset(&w, 0, sizeof(w));
			w.ndim = x->ndim;
			memcpy(w.dims, x->dims, x->ndim * sizeof(*x->dims));
			memcpy(w.sa, x->strides, x->ndim * sizeof(*x->strides));
			memcpy(w.so, g->t[op->out].strides,
			    x->ndim * sizeof(*x->strides));
			if (op->kind == NN_OP_ADD)
				walk_strides(&g->t[op->in[1]], x->dims, w.sb);
			CU(nnk_walk(s->kt, cu_data_of(g, s, op->in[0]),
			    op->kind == NN_OP_ADD ?
			    cu_data_of(g, s, op->in[1]) :
			    NULL, cu_data_of(g, s, op->out), &w, s->stream),
			    op->kind == NN_OP_ADD ? "the add kernel" :
			    "the copy kernel");
			break;
		case NN_OP_CONV:
			if (cu_run_conv(g, s, s->ops[i].conv) < 0)
				return -1;
			break;
		case NN_OP_MAXPOOL:
		case NN_OP_UPSAMPLE:
			if (run_image(g, s, op) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* Every weight once into the device, in the graph's precision. */
static int
upload_weights(struct nn_graph *g, struct cu_state *s)
{
	size_t total = 0;
	char *conv_w;
	int i;

	if ((s->woff = calloc(g->nt, sizeof(*s->woff))) == NULL ||
	    (conv_w = calloc(g->nt, 1)) == NULL)
		return nn_set_error(g, "nn: out of memory");
	/* Convolutions keep their weights in their own layout
	** (nn_cuda_conv.c): not here too. */
	for (i = 0; i < g->nop; i++)
		if (g->op[i].kind == NN_OP_CONV)
			conv_w[g->t[g->op[i].in[1]].root] = 1;
	for (i = 0; i < g->nt; i++) {
		if (g->t[i].kind != NN_T_WEIGHT || conv_w[i])
			continue;
		s->woff[i] = total;
		total += align_up((size_t)nn_numel(g, i) * s->el);
	}
	if (cudaMalloc((void **)&s->weights, total ? total : CU_ALIGN) !=
	    cudaSuccess) {
		free(conv_w);
		return nn_set_error(g, "nn: cuda: cudaMalloc (weights) failed");
	}
	for (i = 0; i < g->nt; i++)
		if (g->t[i].kind == NN_T_WEIGHT && !conv_w[i] &&
		    cu_upload(g, s, s->weights + s->woff[i], g->t[i].host,
		    (size_t)nn_numel(g, i)) < 0) {
			free(conv_w);
			return -1;
		}
	free(conv_w);
	return 0;
}

static int
cu_setup(struct nn_graph *g, struct cu_state *s)
{
	size_t total, tmp = 0;
	int n = 0, i;

	CU(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
	if (s->device >= n)
		return nn_set_error(g, "nn: no CUDA device %d: this machine "
		    "has %d", s->device, n);
	CU(cudaSetDevice(s->device), "cudaSetDevice");
	CU(cudaFree(NULL), "creating the CUDA context (cudaFree(0))");
	CU(cudaMemGetInfo(&s->free_before, &total), "cudaMemGetInfo");
	if (cu_load_lt(g, &s->api) < 0)
		return -1;
	LT(s->api.create(&s->lt), "cublasLtCreate");
	CU(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking),
	    "cudaStreamCreateWithFlags");
	CU(cudaMalloc((void **)&s->arena, g->arena_bytes ? g->arena_bytes :
	    CU_ALIGN), "cudaMalloc (arena)");
	/* Pinned inputs are read before anything writes them. */
	CU(cudaMemsetAsync(s->arena, 0, g->arena_bytes, s->stream),
	    "cudaMemsetAsync (arena)");
	CU(cudaMalloc((void **)&s->ws, CU_WORKSPACE),
	    "cudaMalloc (cuBLASLt workspace)");
	s->ws_bytes = CU_WORKSPACE;
	for (i = 0; i < g->nop; i++)
		if (g->op[i].kind == NN_OP_LINEAR && g->op[i].accumulate &&
		    g->op[i].act != NN_ACT_NONE &&
		    (size_t)nn_numel(g, g->op[i].out) * s->el > tmp)
			tmp = (size_t)nn_numel(g, g->op[i].out) * s->el;
	if (tmp > 0)
		CU(cudaMalloc((void **)&s->tmp, tmp), "cudaMalloc (scratch)");
	s->tmp_bytes = tmp;
	return upload_weights(g, s);
}

/* The forward, captured once into a CUDA graph, instantiated, uploaded. */
static int
capture(struct nn_graph *g, struct cu_state *s)
{
	cudaError_t e;
	int rc;

	CU(cudaStreamBeginCapture(s->stream, cudaStreamCaptureModeThreadLocal),
	    "cudaStreamBeginCapture");
	rc = run_ops(g, s);
	e = cudaStreamEndCapture(s->stream, &s->graph);
	if (rc < 0)
		return -1;
	CU(e, "cudaStreamEndCapture");
	CU(cudaGraphInstantiate(&s->exec, s->graph, 0), "cudaGraphInstantiate");
	CU(cudaGraphUpload(s->exec, s->stream), "cudaGraphUpload");
	CU(cudaStreamSynchronize(s->stream), "the CUDA graph's upload");
	return 0;
}

/* Op I, a convolution, planned (nn_cuda_conv.c). */
static int
conv(struct nn_graph *g, struct cu_state *s, int i)
{
	const struct nn_op *op = &g->op[i];
	struct cu_conv_args a;

	if (op->act != NN_ACT_NONE && op->act != NN_ACT_SILU)
		return nn_set_error(g, "nn: cuda: conv2d with an activation "
		    "other than SiLU");
	a.x = op->in[0];
	a.w = op->in[1];
	a.b = op->in[2];
	a.acc = op->acc;
	a.y = op->out;
	a.stride = op->stride;
	a.pad = op->pad;
	a.silu = op->act == NN_ACT_SILU;
	return cu_op_conv(g, s, &a, &s->ops[i]);
}

/* The workspace grown to the largest conv plan's, then every conv's
** pointers bound. */
static int
bind_convs(struct nn_graph *g, struct cu_state *s)
{
	size_t need = s->ws_bytes, f32 = 0;
	int i;

	for (i = 0; i < g->nop; i++) {
		if ((size_t)cu_conv_ws(&s->ops[i]) > need)
			need = (size_t)cu_conv_ws(&s->ops[i]);
		if (cu_conv_f32_bytes(g, &s->ops[i], i) > f32)
			f32 = cu_conv_f32_bytes(g, &s->ops[i], i);
	}
	if (f32 > 0)
		CU(cudaMalloc((void **)&s->cf32, f32),
		    "cudaMalloc (convolutions' fp32 products)");
	if (need > s->ws_bytes) {
		CU(cudaFree(s->ws), "cudaFree (workspace)");
		s->ws = NULL;
		CU(cudaMalloc((void **)&s->ws, need), "cudaMalloc (workspace)");
		s->ws_bytes = need;
	}
	for (i = 0; i < g->nop; i++)
		if (s->ops[i].conv != NULL && cu_conv_bind(g, s, &s->ops[i]) < 0)
			return -1;
	return 0;
}

static int
cu_compile(struct nn_graph *g, int threads)
{
	static int (*const make[])(struct nn_graph *, struct cu_state *,
	    const struct nn_op *, struct cu_op *) = {
		[NN_OP_LINEAR] = cu_op_linear, [NN_OP_MATMUL] = cu_op_matmul
	};
	static const char *own[] = { [NN_OP_SOFTMAX] = "kernel:softmax",
	    [NN_OP_LAYERNORM] = "kernel:layernorm", [NN_OP_GELU] =
	    "kernel:gelu_erf", [NN_OP_ADD] = "kernel:add", [NN_OP_COPY] =
	    "kernel:copy", [NN_OP_MAXPOOL] = "kernel:maxpool",
	    [NN_OP_UPSAMPLE] = "kernel:upsample2x_nearest" };
	struct cu_state *s;
	int i;

	(void)threads;
	if ((s = cu_state(g)) == NULL)
		return nn_set_error(g, "nn: out of memory");
	s->el = nn_dtype_size(g->dtype);
	s->kt = g->dtype == NN_F16 ? NNK_F16 : g->dtype == NN_BF16 ?
	    NNK_BF16 : NNK_F32;
	s->dt = g->dtype == NN_F16 ? CUDA_R_16F : g->dtype == NN_BF16 ?
	    CUDA_R_16BF : CUDA_R_32F;
	s->ct = g->dtype == NN_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 :
	    CUBLAS_COMPUTE_32F;
	if (cu_setup(g, s) < 0)
		goto bad;
	if ((s->ops = calloc(g->nop, sizeof(*s->ops))) == NULL) {
		nn_set_error(g, "nn: out of memory");
		goto bad;
	}
	for (i = 0; i < g->nop; i++) {
		enum nn_opkind k = g->op[i].kind;
		int r;

		if (s->ops[i].fused)
			continue;
		if ((r = cu_sdpa_try(g, s, i)) < 0)
			goto bad;
		if (r > 0)
			continue;
		if (k == NN_OP_LINEAR || k == NN_OP_MATMUL) {
			if (make[k](g, s, &g->op[i], &s->ops[i]) < 0)
				goto bad;
		} else if (k == NN_OP_CONV) {
			if (conv(g, s, i) < 0)
				goto bad;
		} else
			snprintf(s->ops[i].impl, sizeof(s->ops[i].impl), "%s",
			    own[k]);
		if (k == NN_OP_MATMUL && i + 1 < g->nop &&
		    g->op[i + 1].kind == NN_OP_SOFTMAX &&
		    (cu_sdpa_why(s) != NULL || s->note[0] != '\0')) {
			size_t n = strlen(s->ops[i].impl);

			snprintf(s->ops[i].impl + n, sizeof(s->ops[i].impl) - n,
			    " (no cuDNN SDPA: %s)", cu_sdpa_why(s) != NULL ?
			    cu_sdpa_why(s) : s->note);
		}
	}
	if (bind_convs(g, s) < 0)
		goto bad;
	/* One run outside capture: cuBLASLt and lazily loaded modules do
	** their first-call work here, not inside the graph. */
	if (run_ops(g, s) < 0)
		goto bad;
	if (cudaStreamSynchronize(s->stream) != cudaSuccess) {
		nn_set_error(g, "nn: cuda: the first forward failed: %s",
		    cudaGetErrorString(cudaGetLastError()));
		goto bad;
	}
	if (!(s->flags & NN_CUDA_EAGER) && capture(g, s) < 0) {
		unsigned flags = s->flags;
		int dev = s->device, fused = 0, convs = 0;
		char note[sizeof(s->note)];

		for (i = 0; i < g->nop; i++) {
			fused |= cu_sdpa_dnn(s->ops[i].sdpa);
			convs |= s->ops[i].conv != NULL;
		}
		if (!fused && !convs)
			goto bad;
		if (!fused) {
			/* A convolution engine would not go into the graph:
			** the forward runs eagerly, and says why. */
			snprintf(s->eager_why, sizeof(s->eager_why), "%s",
			    g->err);
			if (s->graph != NULL)
				(void)cudaGraphDestroy(s->graph);
			s->graph = NULL;
			g->err[0] = '\0';
			(void)cudaGetLastError();
			s->flags |= NN_CUDA_EAGER;
			return 0;
		}
		/* cuDNN's engine would not go into the graph: the whole
		** backend again, attention on cuBLASLt. */
		snprintf(note, sizeof(note), "with it the forward did not "
		    "capture as a CUDA graph: %.100s", g->err);
		cu_release(g);
		g->err[0] = '\0';
		(void)cudaGetLastError();
		if ((s = cu_state(g)) == NULL)
			return nn_set_error(g, "nn: out of memory");
		s->device = dev;
		s->flags = flags | NN_CUDA_NO_SDPA;
		memcpy(s->note, note, sizeof(note));
		return cu_compile(g, threads);
	}
	return 0;
bad:
	cu_release(g);
	return -1;
}

static int
cu_run(struct nn_graph *g)
{
	struct cu_state *s = g->be_state;

	if (s->exec != NULL)
		CU(cudaGraphLaunch(s->exec, s->stream), "cudaGraphLaunch");
	else if (run_ops(g, s) < 0)
		return -1;
	CU(cudaStreamSynchronize(s->stream), "the forward");
	return 0;
}

static int
cu_write(struct nn_graph *g, int t, const float *src, size_t n)
{
	struct cu_state *s = g->be_state;

	return cu_upload(g, s, cu_data_of(g, s, t), src, n);
}

static int
cu_read(struct nn_graph *g, int t, float *dst, size_t n)
{
	struct cu_state *s = g->be_state;
	const void *p = cu_data_of(g, s, t);

	if (s->kt != NNK_F32) {
		if (stage(g, s, n) < 0)
			return -1;
		CU(nnk_convert(s->kt, s->stage, (void *)p, (int64_t)n, 0,
		    s->stream), "the conversion kernel (read)");
		p = s->stage;
	}
	CU(cudaMemcpyAsync(dst, p, n * sizeof(float), cudaMemcpyDeviceToHost,
	    s->stream), "cudaMemcpyAsync (read)");
	CU(cudaStreamSynchronize(s->stream), "cudaStreamSynchronize (read)");
	return 0;
}

/* Every precision runs on the GPU; whether there is one is the question.
** Static strings (the caller keeps the pointer): the common reasons by
** name, nn_cuda_devices() has the runtime's own words. */
static const char *
cu_unsupported(enum nn_dtype dt)
{
	int n = 0;

	(void)dt;
	switch (cudaGetDeviceCount(&n)) {
	case cudaSuccess:
		return n > 0 ? NULL : "device cuda: no CUDA device";
	case cudaErrorNoDevice:
		return "device cuda: no CUDA device (cudaErrorNoDevice)";
	case cudaErrorInsufficientDriver:
		return "device cuda: no usable CUDA device: the driver is "
		    "older than the CUDA runtime (cudaErrorInsufficientDriver)";
	default:
		return "device cuda: no usable CUDA device "
		    "(cudaGetDeviceCount failed)";
	}
}

static const char *
cu_impl(const struct nn_graph *g, int i)
{
	const struct cu_state *s = g->be_state;

	return s->ops[i].impl;
}

static void
cu_release(struct nn_graph *g)
{
	struct cu_state *s = g->be_state;
	int i;

	if (s == NULL)
		return;
	if (s->stream != NULL)
		(void)cudaStreamSynchronize(s->stream);
	if (s->exec != NULL)
		(void)cudaGraphExecDestroy(s->exec);
	if (s->graph != NULL)
		(void)cudaGraphDestroy(s->graph);
	for (i = 0; s->ops != NULL && i < g->nop; i++) {
		cu_mm_free(s, s->ops[i].mm);
		cu_sdpa_free(s, s->ops[i].sdpa);
		cu_conv_free(s, s->ops[i].conv);
	}
	cu_cplans_free(s);
	cu_dnn_free(s);
	if (s->lt != NULL)
		(void)s->api.destroy(s->lt);
	if (s->arena != NULL)
		(void)cudaFree(s->arena);
	if (s->weights != NULL)
		(void)cudaFree(s->weights);
	if (s->ws != NULL)
		(void)cudaFree(s->ws);
	if (s->tmp != NULL)
		(void)cudaFree(s->tmp);
	if (s->cf32 != NULL)
		(void)cudaFree(s->cf32);
	if (s->stage != NULL)
		(void)cudaFree(s->stage);
	if (s->stream != NULL)
		(void)cudaStreamDestroy(s->stream);
	free(s->ops);
	free(s->woff);
	free(s);
	g->be_state = NULL;
}

const struct nn_backend nn_backend_cuda = {
	.name = "cuda",
	.compile = cu_compile,
	.run = cu_run,
	.write = cu_write,
	.read = cu_read,
	.impl = cu_impl,
	.unsupported = cu_unsupported,
	.release = cu_release,
};
