/*
** model.h - a YOLO family's scale built as an nn graph from its layer
** table (family.h): weights under ultralytics' state-dict names (each
** Conv's BN folded: conv.weight and conv.bias), one forward per batch,
** the raw head (B, 4 * reg_max + nc, A) as output.
*/
#ifndef DYNO_YOLO_MODEL_H
#define DYNO_YOLO_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "family.h"
#include "nn.h"

/* At most this many images of a CPU batch run at once. */
#define YOLO_MAXLANES 64

/* BN's eps in ultralytics' Conv (trained checkpoints and init alike). */
#define YOLO_BN_EPS 1e-3

struct yolo_model {
	struct nn_graph	*g;
	int		 batch, imgsz;
	/* The graph's batch, and forwards of it per batch: on the CPU one
	** image at a time (gbatch 1, runs = batch), as oneDNN 2.6's brgemm
	** convolutions are slower per image at N > 1 and one image's
	** activations stay in cache from layer to layer; on CUDA the whole
	** batch in one graph. */
	int		 gbatch, runs;
	/* On the CPU the runs of a batch go side by side in NLANES threads,
	** each with its own copy of the graph on 1 thread (LANE[0] is G):
	** at 2 threads two images in parallel beat one image on two threads
	** by 9-13% (docs/performance.md), as the small layers leave a
	** thread team waiting at every primitive's barrier. */
	struct nn_graph	*lane[YOLO_MAXLANES];
	int		 nlanes;
	int		 nc, reg_max;
	int		 in, out;		/* tensors */
	int		 levels[YOLO_MAXFROM];	/* Detect's inputs (P3, P4, P5) */
	int		 nlevels;
	int64_t		 anchors;		/* A */
	/* Per layer, from the table: out channels, height, width. */
	int		 c[YOLO_MAXLAYERS], h[YOLO_MAXLAYERS],
			 w[YOLO_MAXLAYERS];
	int		 nlayers;
};

/* Declare weights and ops of scale S of F for BATCH images of IMGSZ
** square; on error -1 and one line in ERR. */
int	yolo_build(struct yolo_model *, const struct yolo_family *f,
	    const struct yolo_scale *s, int batch, int imgsz, enum nn_device,
	    enum nn_dtype, char *err, size_t len);
/* dyno-init-v1 with SEED: conv weights drawn as nn_init_seeded draws
** them, each BN at identity (weight 1, bias 0, mean 0, var 1), folded. */
void	yolo_init_seeded(struct yolo_model *, uint64_t seed);
/* Weights from a safetensors file, fused (conv.weight + conv.bias) or
** not (conv.weight + bn.*: folded here); weights.c. */
int	yolo_load(struct yolo_model *, const char *path, char *err,
	    size_t len);
/* Compile for THREADS (0: one per CPU): a batch of several images on
** the CPU runs as up to THREADS single-threaded lanes. */
int	yolo_compile(struct yolo_model *, int threads, char *err,
	    size_t len);
/* X: batch x 3 x imgsz x imgsz floats in; Y: the raw head out. */
int	yolo_forward(struct yolo_model *, const float *x, float *y,
	    char *err, size_t len);
size_t	yolo_in_len(const struct yolo_model *);
size_t	yolo_out_len(const struct yolo_model *);
/* Parameters as ultralytics counts them after fusing (the DFL's fixed
** reg_max weights included). */
int64_t	yolo_params(const struct yolo_model *);
/* 2 x the multiply-accumulates of one forward of the whole batch. */
double	yolo_flops(const struct yolo_model *);
void	yolo_free(struct yolo_model *);

#endif
