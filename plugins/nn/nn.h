/*
** nn.h - the inference engine's model-facing API: tensors, a graph of ops
** built once, compiled once by a backend and replayed per forward.
**
** A model declares its weights (held apart from activations, in the
** framework's layout, fp32 on the host), its input and its ops; nn_compile()
** plans one arena for every activation (buffers reused by liveness) and
** hands the graph to the device's backend, which creates its primitives
** once.  nn_run() replays them.  Shapes are fixed when the graph is built:
** a model builds one graph per batch size.
**
** Builder calls never need checking one by one: the first error sticks
** (nn_error() says it) and every later call returns -1, so a model checks
** once, at nn_compile().
*/
#ifndef DYNO_NN_H
#define DYNO_NN_H

#include <stddef.h>
#include <stdint.h>

#define NN_MAXDIM 5

enum nn_dtype { NN_F32, NN_TF32, NN_F16, NN_BF16 };
enum nn_device { NN_CPU, NN_CUDA };
enum nn_act { NN_ACT_NONE, NN_ACT_GELU_ERF, NN_ACT_SILU };

/* What a weight is, for seeded initialisation (dyno-init-v1). */
enum nn_role {
	NN_ROLE_WEIGHT,		/* linear/conv weight: U(+-1/sqrt(fan_in)) */
	NN_ROLE_BIAS,		/* its bias: the same bound */
	NN_ROLE_NORM_WEIGHT,	/* LayerNorm weight: 1 */
	NN_ROLE_NORM_BIAS,	/* LayerNorm bias: 0 */
	NN_ROLE_EMBED,		/* embeddings, learned tokens: U(+-0.02) */
	NN_ROLE_INDEX,		/* integer indices (I64 in files): 0, 1, ... */
	NN_ROLE_DERIVED		/* computed by the model from other weights */
};

struct nn_graph;

const char	*nn_dtype_name(enum nn_dtype);
int		 nn_dtype_parse(const char *, enum nn_dtype *);

/* NULL when DEVICE computes in DTYPE here, else why not (one sentence). */
const char	*nn_unsupported(enum nn_device, enum nn_dtype);
struct nn_graph	*nn_graph_new(enum nn_device, enum nn_dtype);
void		 nn_graph_free(struct nn_graph *);
const char	*nn_error(const struct nn_graph *);

/*
** Weights: NAME is the framework's state-dict name; DIMS its shape in the
** framework's layout (torch: linear weight [out, in]).  FAN_IN is the
** fan-in of the layer a weight or bias belongs to (ignored otherwise).
*/
int		 nn_weight(struct nn_graph *, const char *name, int ndim,
		    const int64_t *dims, enum nn_role, int64_t fan_in);
int		 nn_weight_count(const struct nn_graph *);
int		 nn_weight_at(const struct nn_graph *, int i);
int		 nn_weight_find(const struct nn_graph *, const char *name);
const char	*nn_name(const struct nn_graph *, int t);
int		 nn_ndim(const struct nn_graph *, int t);
const int64_t	*nn_dims(const struct nn_graph *, int t);
int64_t		 nn_numel(const struct nn_graph *, int t);
float		*nn_weight_host(struct nn_graph *, int t);
enum nn_role	 nn_weight_role(const struct nn_graph *, int t);
int64_t		 nn_weight_fan_in(const struct nn_graph *, int t);
int64_t		 nn_param_count(const struct nn_graph *);

/*
** Activations.  Every op returns its result tensor (or -1).  A tensor is
** dense row-major unless it is a view: nn_view() sees part of another
** tensor's buffer through element strides and an element offset, so a
** head split or a token slice costs no copy.
*/
int	nn_input(struct nn_graph *, int ndim, const int64_t *dims);
/* A new activation for ops to write into through views. */
int	nn_empty(struct nn_graph *, int ndim, const int64_t *dims);
void	nn_output(struct nn_graph *, int t);
int	nn_view(struct nn_graph *, int t, int ndim, const int64_t *dims,
	    const int64_t *strides, int64_t offset);
/* y = act(x W^T + b) over the last axis of X (W: [out, in...], its trailing
** axes flattened, as a conv with a full-width kernel); with ACC >= 0 the result is
** added into ACC (the residual) and ACC's buffer is the result. */
int	nn_linear(struct nn_graph *, int x, int w, int b, enum nn_act,
	    int acc);
/* Batched C = SCALE * A B over the last two axes (any strides); the result
** is written into OUT when OUT >= 0 (a view), else into a new tensor. */
int	nn_matmul(struct nn_graph *, int a, int b, float scale, int out);
int	nn_softmax(struct nn_graph *, int x);		/* last axis, in place */
int	nn_layernorm(struct nn_graph *, int x, int gamma, int beta,
	    float eps);					/* last axis */
int	nn_gelu(struct nn_graph *, int x);		/* erf GELU, in place */
/* A + B, B broadcast (its size-1 axes), into OUT or a new tensor. */
int	nn_add(struct nn_graph *, int a, int b, int out);
/* Copy SRC into DST (same dims, any strides); DST is the result. */
int	nn_copy(struct nn_graph *, int src, int dst);

/*
** Images.  A 4-D activation's dims are always the framework's logical
** [N, C, H, W]; its strides are the layout the backend prefers (which
** may be channels-last or blocked), so model code never computes strides
** for them: it takes channel ranges with nn_slice(), and a concat is ops
** writing into slices of one nn_empty() tensor (OUT).  The layout is
** chosen at nn_compile() for every 4-D tensor an image op touches, unless
** an nn_view() of it or a dense-row op fixes [N, C, H, W]: blocked by 16
** channels on oneDNN in fp32 with AVX-512, where a slice on a block is
** dense and costs nothing; channels-last elsewhere, where oneDNN 2.6
** convolves only dense tensors, so a slice costs a copy inside the op
** (its implementation, nn_op_impl(), then ends in "+copy").
** nn_write() and nn_read() always take [N, C, H, W] order.
*/
/* T's elements [START, START + LEN) along AXIS, as a view (of any
** tensor, views included). */
int	nn_slice(struct nn_graph *, int t, int axis, int64_t start,
	    int64_t len);
/* y = act(conv(x, W) + b) (+ ACC when ACC >= 0, after the activation, as
** a residual shortcut; ACC may be OUT itself); W: [O, C, KH, KW], B: [O]
** or -1; square STRIDE and zero padding PAD; into OUT (a view, not
** overlapping X) when OUT >= 0. */
int	nn_conv2d(struct nn_graph *, int x, int w, int b, int stride,
	    int pad, enum nn_act, int acc, int out);
/* Max over K x K windows (padding never wins). */
int	nn_maxpool2d(struct nn_graph *, int x, int k, int stride, int pad,
	    int out);
/* Nearest-neighbour upsampling by 2 in H and W. */
int	nn_upsample2x(struct nn_graph *, int x, int out);
/* 2 x the multiply-accumulates of the convolutions, linears, matmuls. */
double	nn_flops(const struct nn_graph *);

/* A copy of an uncompiled G, weights included, to compile and run beside
** it (NULL when out of memory or G is compiled). */
struct nn_graph	*nn_graph_clone(const struct nn_graph *);
/* The threads a CPU graph compiled with THREADS computes on (0: OpenMP's
** default, one per CPU); each run sets them for the thread running it,
** so graphs compiled for 1 thread run side by side in their own threads. */
int	nn_cpu_threads(int threads);
int	nn_compile(struct nn_graph *, int threads);
int	nn_run(struct nn_graph *);
int	nn_write(struct nn_graph *, int t, const float *src, size_t n);
int	nn_read(struct nn_graph *, int t, float *dst, size_t n);
size_t	nn_arena_bytes(const struct nn_graph *);
size_t	nn_weight_bytes(const struct nn_graph *);
int	nn_op_count(const struct nn_graph *);
/* The backend's implementation of op I ("brg:avx512_core", ...), and
** whether the op is a hot one (linear, matmul, softmax, layer norm,
** conv). */
const char *nn_op_impl(const struct nn_graph *, int i);
int	nn_op_hot(const struct nn_graph *, int i);
const char *nn_op_name(const struct nn_graph *, int i);

/* Weights from a safetensors file, every declared one checked. */
int	nn_load_safetensors(struct nn_graph *, const char *path);
/* Weights from dyno-init-v1 with SEED (docs/probes.md, eegpt). */
void	nn_init_seeded(struct nn_graph *, uint64_t seed);
uint64_t nn_init_draw(const char *name, uint64_t seed, uint64_t i);
float	nn_init_value(const char *name, uint64_t seed, uint64_t i,
	    double bound);
double	nn_init_bound(enum nn_role, int64_t fan_in);

#endif
