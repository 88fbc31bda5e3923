/*
** nn_probe.h - what the model probes (eegpt.infer, yolo.infer) share: the
** process's peak-memory mark and the measured loop of forwards with its
** metrics (latency, the throughput, flops, host and device memory).
*/
#ifndef DYNO_NN_PROBE_H
#define DYNO_NN_PROBE_H

#include <stddef.h>

#include <dyno/plugin.h>

#include "nn.h"

/* The memory metrics every model probe's descriptor lists. */
#define NN_PROBE_MEM_METRICS \
	{ .name = "host_mem_peak", .unit = "B", .better = DYNO_BETTER_LOWER, \
	  .help = "peak resident memory of the probe process from setup on (weights, arena, libraries)" }, \
	{ .name = "gpu_mem_peak", .unit = "B", .better = DYNO_BETTER_LOWER, \
	  .help = "device=cuda: device memory the compiled model holds (arena, weights, workspace, libraries; cudaMemGetInfo before and after compile)" }

struct nn_probe_loop {
	/* One forward of MODEL: X in, Y out; -1 with ERR set on failure. */
	int		(*forward)(void *model, const float *x, float *y,
			    char *err, size_t errlen);
	void		*model;
	struct nn_graph	*g;
	const float	*x;
	float		*y;
	size_t		 out_len;
	int		 batch;
	double		 flops;		/* per forward */
	const char	*rate;		/* "windows_per_s", "fps" */
	const char	*what;		/* "the encoder", for a bad output */
	int		 cuda;		/* record gpu_mem_peak */
	int		 resets_hwm;	/* nn_probe_reset_hwm() worked */
};

/* The `device` and `precision` parameters; DYNO_OK, or the failure. */
int	nn_probe_target(const struct dyno_host *, struct dyno_ctx *,
	    enum nn_device *, enum nn_dtype *);
/* The `graph` parameter, before compile: on CUDA, graph=false launches
** each op per run instead of replaying the captured forward.  -1 with
** nn_error() set. */
int	nn_probe_graph_option(const struct dyno_host *, struct dyno_ctx *,
	    struct nn_graph *);
/* Reset the kernel's peak-RSS mark so host_mem_peak counts from here on
** (Linux >= 4.0); 0 when it could not. */
int	nn_probe_reset_hwm(void);
/* Which implementation each kind of op got, with counts ("conv2d
** brgconv:avx512_core x39, ..."), for an artifact: a slow path shows in
** every result. */
void	nn_probe_kernels(const struct nn_graph *, char *buf, size_t len);
/* One unmeasured forward (the first touches of the arena and weights),
** then the artifacts "arena" (its bytes) and "kernels". */
int	nn_probe_warm(const struct dyno_host *, struct dyno_ctx *,
	    const struct nn_probe_loop *);
/* Forwards until the host says stop, each timed and its output checked
** finite; then the memory metrics. */
int	nn_probe_run(const struct dyno_host *, struct dyno_ctx *,
	    const struct nn_probe_loop *);

#endif
