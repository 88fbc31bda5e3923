/*
** model.h - braindecode's EEGPT encoder as an nn graph: configuration,
** weights under braindecode's state-dict names, one forward per batch.
*/
#ifndef DYNO_EEGPT_MODEL_H
#define DYNO_EEGPT_MODEL_H

#include <stddef.h>

#include "nn.h"

struct eegpt_config {
	int	chans;		/* input channels C */
	int	samples;	/* samples per window T */
	int	patch;		/* samples per patch (64) */
	int	stride;		/* between patches (braindecode: 32; we: 64) */
	int	dim;		/* D */
	int	depth;		/* transformer blocks */
	int	heads;
	double	mlp_ratio;	/* hidden = (int)(D * ratio) */
	int	embed_num;	/* summary tokens S */
	int	chan_table;	/* rows of the channel embedding (62) */
	float	eps;		/* every LayerNorm's */
};

struct eegpt_model {
	struct eegpt_config	 cfg;
	struct nn_graph		*g;
	int			 batch;
	int			 npatch;	/* N */
	int			 padded;	/* T after end padding */
	int			 in, out, pad;
	int			 chans_id, chan_embed, chan_rows;
};

/* The spec's configuration: 20 channels, 2048 samples, D 512, depth 8. */
void	eegpt_config_spec(struct eegpt_config *);
/* Declare weights and ops for BATCH windows; on error, -1 and ERR. */
int	eegpt_build(struct eegpt_model *, const struct eegpt_config *,
	    int batch, enum nn_device, enum nn_dtype, char *err, size_t len);
/* After the weights are in (nn_load_safetensors or nn_init_seeded):
** derive the model's constants, compile for THREADS (0: leave as is). */
int	eegpt_compile(struct eegpt_model *, int threads, char *err,
	    size_t len);
/* X: batch x C x T floats in; Y: batch x N x S x D floats out. */
int	eegpt_forward(struct eegpt_model *, const float *x, float *y,
	    char *err, size_t len);
size_t	eegpt_in_len(const struct eegpt_model *);
size_t	eegpt_out_len(const struct eegpt_model *);
/* Floating-point operations of one window's forward (matmuls only). */
double	eegpt_flops(const struct eegpt_config *);
void	eegpt_free(struct eegpt_model *);

#endif
