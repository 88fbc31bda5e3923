/*
** probes.h - the gpu plugin's probe descriptors and the helpers its
** probe files share (gpu.c).  Private to plugins/gpu.
*/
#ifndef GPU_PROBES_H
#define GPU_PROBES_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#include <dyno/plugin.h>

/* copy.c: host<->device and device<->device copies; STREAM kernels */
extern const struct dyno_probe gpu_copy_probe;
extern const struct dyno_probe gpu_stream_probe;
/* gemm.c: cuBLAS / cuBLASLt matrix products */
extern const struct dyno_probe gpu_gemm_probe;
/* latency.c: launches, allocations, the largest allocation */
extern const struct dyno_probe gpu_launch_probe;
extern const struct dyno_probe gpu_alloc_probe;
extern const struct dyno_probe gpu_memory_probe;

/* The `device` parameter every probe takes; list it first. */
#define GPU_PARAM_DEVICE                                                \
	{ .name = "device", .type = DYNO_PARAM_INT, .def = "0",         \
	  .min = "0", .max = "1023",                                    \
	  .help = "CUDA device index (as CUDA_VISIBLE_DEVICES leaves them)" }

/*
** Selects the probe's `device`: skips the probe when CUDA has no device
** here ("no CUDA device (<cudaGetErrorString>)"), fails it for an index
** past the last device, else makes it current, fills *prop when prop is
** not NULL, and adds the device's name as an artifact.  Returns DYNO_OK,
** DYNO_SKIP or DYNO_FAIL (the reason already given to the host).
*/
int gpu_open(const struct dyno_host *h, struct dyno_ctx *ctx,
	     struct cudaDeviceProp *prop);

/* h->fail(ctx, "<what>: <cudaGetErrorString> (<cudaGetErrorName>)"). */
int gpu_fail(const struct dyno_host *h, struct dyno_ctx *ctx,
	     const char *what, cudaError_t e);

/*
** Runs `call`; on error fails the probe with `what` and the CUDA error
** and jumps to `out`.  Needs `int rc` and an `out:` label in scope.
*/
#define GPU_CK(h, ctx, call, what)                                      \
	do {                                                            \
		cudaError_t gpu_e_ = (call);                            \
		if (gpu_e_ != cudaSuccess) {                            \
			rc = gpu_fail((h), (ctx), (what), gpu_e_);      \
			goto out;                                       \
		}                                                       \
	} while (0)

/* Milliseconds between two recorded events, after waiting for `b`; a
** negative value (and *err set) on error. */
double gpu_elapsed_ms(cudaEvent_t a, cudaEvent_t b, cudaError_t *err);

/* How many operations of `once_ms` make one sample of about target_ms
** (at least 1, at most max). */
uint64_t gpu_reps(double once_ms, double target_ms, uint64_t max);

/*
** Releases what a probe's state holds on the device, any of it NULL: waits
** for the work queued on the first stream, then destroys the nev events
** and the nst streams and frees the nbuf device buffers, in that order.
** Every error path of a setup and the teardown end here.
*/
void gpu_release(const cudaStream_t *st, int nst, const cudaEvent_t *ev,
		 int nev, void *const *buf, int nbuf);

/* A size for messages: "256 MiB", "1.5 GiB", "123 B". */
void gpu_fmt_size(char *buf, size_t n, uint64_t bytes);

#endif /* GPU_PROBES_H */
