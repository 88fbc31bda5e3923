/*
** nn_backend.h - what a backend sees of a graph, and what it provides.
**
** The graph (nn_graph.c) owns the tensors, the ops and the arena plan;
** a backend (nn_dnnl.c for the CPU; a CUDA one beside it later) turns
** the ops into its primitives at compile, runs them, and owns the device
** memory: the arena and its own copies of the weights, in whatever
** layout its primitives prefer.  Model code never sees a backend.
*/
#ifndef DYNO_NN_BACKEND_H
#define DYNO_NN_BACKEND_H

#include "nn.h"

enum nn_tkind { NN_T_WEIGHT, NN_T_INPUT, NN_T_ACT, NN_T_VIEW };

struct nn_tensor {
	enum nn_tkind	 kind;
	int		 ndim;
	int64_t		 dims[NN_MAXDIM];
	int64_t		 strides[NN_MAXDIM];	/* in elements */
	int64_t		 offset;		/* elements into root's buffer */
	int		 root;			/* the tensor owning the buffer */
	/* Buffers (root tensors) only. */
	size_t		 bytes;
	int		 first, last;		/* ops that touch it */
	int		 pinned;		/* never shares its bytes */
	size_t		 arena_off;
	/* Weights only. */
	char		*name;
	float		*host;
	enum nn_role	 role;
	int64_t		 fan_in;
	/* Views made by nn_slice(): re-derived from SLICE_OF when the
	** layout pass changes their root's strides; -1 otherwise. */
	int		 slice_of;
	int		 slice_axis;
	int64_t		 slice_start;
	int		 image;		/* root restrided channels-last */
	/* Channels blocked by BLK (oneDNN's nChw16c: [N][C/BLK][H][W][BLK]),
	** 0 when STRIDES say where each element is.  A blocked tensor's
	** strides[0] is its image stride; a channel slice of it starting
	** on a block is a dense blocked tensor of its own in each image. */
	int		 blk;
};

enum nn_opkind {
	NN_OP_LINEAR, NN_OP_MATMUL, NN_OP_SOFTMAX, NN_OP_LAYERNORM,
	NN_OP_GELU, NN_OP_ADD, NN_OP_COPY,
	NN_OP_CONV, NN_OP_MAXPOOL, NN_OP_UPSAMPLE
};

struct nn_op {
	enum nn_opkind	 kind;
	int		 in[3];		/* -1 when absent */
	int		 out;
	enum nn_act	 act;
	int		 accumulate;	/* out += result (linear) */
	float		 f;		/* matmul scale, layer norm eps */
	/* Images: conv's shortcut (added after the activation; may be
	** OUT itself) or -1; conv and pool geometry (square). */
	int		 acc;
	int		 k, stride, pad;
};

/* An op reads or writes at most these tensors: in[0..2], acc, out. */
#define NN_OP_TENSORS 5

struct nn_backend {
	const char	*name;
	/* Create primitives, allocate the arena (nn_arena_bytes()), copy
	** the weights into the backend's layouts. */
	int		(*compile)(struct nn_graph *, int threads);
	int		(*run)(struct nn_graph *);
	int		(*write)(struct nn_graph *, int t, const float *,
			    size_t);
	int		(*read)(struct nn_graph *, int t, float *, size_t);
	const char	*(*impl)(const struct nn_graph *, int op);
	const char	*(*unsupported)(enum nn_dtype);
	void		(*release)(struct nn_graph *);
	/* The channel block images are stored in on this graph's device
	** and precision (16: nChw16c), 0 for channels-last; may be NULL. */
	int		(*image_block)(const struct nn_graph *);
};

struct nn_graph {
	enum nn_device		 device;
	enum nn_dtype		 dtype;
	struct nn_tensor	*t;
	int			 nt, tcap;
	struct nn_op		*op;
	int			 nop, opcap;
	size_t			 arena_bytes;
	int			 compiled;
	const struct nn_backend	*be;
	void			*be_state;
	char			 err[256];
};

extern const struct nn_backend nn_backend_dnnl;
extern const struct nn_backend nn_backend_cuda;

int	nn_set_error(struct nn_graph *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Whether T is dense row-major (its strides are its dims'). */
int	nn_is_dense(const struct nn_tensor *);
/* Whether op I reads or writes a 4-D image tensor (conv, pool,
** upsample), and its tensors as an array of NN_OP_TENSORS (-1 absent). */
int	nn_op_image(const struct nn_op *);
void	nn_op_tensors(const struct nn_op *, int *);
/* Element (N, C, H, W) of the 4-D tensor T, counted from T's offset. */
int64_t	nn_image_at(const struct nn_tensor *, int64_t n, int64_t c, int64_t h,
	    int64_t w);
size_t	nn_dtype_size(enum nn_dtype);

#endif
