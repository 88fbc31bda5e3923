/*
** gpu.c - the gpu plugin: NVIDIA GPUs through the CUDA runtime.  This file
** lists the probes, holds the helpers they share (choosing the device,
** CUDA error messages, event timing) and adds the GPUs to the hardware
** inventory.  Each probe family lives in its own file (probes.h).
**
** The dyno process only loads this plugin and reads its descriptors; every
** CUDA call happens in inventory() or in a probe's callbacks, which the
** core runs in a forked child, so the parent never initialises CUDA.
** cuBLAS is not linked: gemm.c opens it when a gpu.gemm probe starts,
** which keeps loading the plugin (every dyno command does) cheap.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include <dyno/plugin.h>

#include "probes.h"
#include "sysfs.h"

static const struct dyno_probe *const gpu_probes[] = {
	&gpu_copy_probe, &gpu_stream_probe, &gpu_gemm_probe,
	&gpu_launch_probe, &gpu_alloc_probe, &gpu_memory_probe, NULL
};

int
gpu_fail(const struct dyno_host *h, struct dyno_ctx *ctx, const char *what,
	 cudaError_t e)
{
	return h->fail(ctx, "%s: %s (%s)", what, cudaGetErrorString(e),
		       cudaGetErrorName(e));
}

int
gpu_open(const struct dyno_host *h, struct dyno_ctx *ctx,
	 struct cudaDeviceProp *prop)
{
	struct cudaDeviceProp own;
	int dev = (int)h->param_int(ctx, "device");
	int n = 0;
	char buf[64];
	cudaError_t e;

	e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess)
		return h->skip(ctx, "no CUDA device (%s)", cudaGetErrorString(e));
	if (n <= 0)
		return h->skip(ctx, "no CUDA device (%s)",
			       cudaGetErrorString(cudaErrorNoDevice));
	if (dev >= n)
		return h->fail(ctx, "no CUDA device %d: this machine has %d "
			       "(device=0..%d)", dev, n, n - 1);
	if ((e = cudaSetDevice(dev)) != cudaSuccess)
		return gpu_fail(h, ctx, "cannot use the CUDA device", e);
	if (prop == NULL)
		prop = &own;
	if ((e = cudaGetDeviceProperties(prop, dev)) != cudaSuccess)
		return gpu_fail(h, ctx, "cudaGetDeviceProperties", e);
	h->artifact(ctx, "device_name", prop->name);
	snprintf(buf, sizeof(buf), "%d.%d", prop->major, prop->minor);
	h->artifact(ctx, "compute_capability", buf);
	/* The kernels are built for sm_80 and sm_90, plus compute_90 PTX
	** that newer devices compile at load time. */
	if (prop->major < 8)
		return h->skip(ctx, "device %d (%s) has compute capability "
			       "%d.%d; this build's kernels need 8.0 or newer",
			       dev, prop->name, prop->major, prop->minor);
	return DYNO_OK;
}

double
gpu_elapsed_ms(cudaEvent_t a, cudaEvent_t b, cudaError_t *err)
{
	float ms = 0;

	if ((*err = cudaEventSynchronize(b)) != cudaSuccess)
		return -1;
	if ((*err = cudaEventElapsedTime(&ms, a, b)) != cudaSuccess)
		return -1;
	return ms;
}

void
gpu_release(const cudaStream_t *st, int nst, const cudaEvent_t *ev,
	    int nev, void *const *buf, int nbuf)
{
	if (nst > 0 && st[0] != NULL)
		(void)cudaStreamSynchronize(st[0]);
	for (int i = 0; i < nev; i++)
		if (ev[i] != NULL)
			(void)cudaEventDestroy(ev[i]);
	for (int i = 0; i < nst; i++)
		if (st[i] != NULL)
			(void)cudaStreamDestroy(st[i]);
	for (int i = 0; i < nbuf; i++)
		if (buf[i] != NULL)
			(void)cudaFree(buf[i]);
}

uint64_t
gpu_reps(double once_ms, double target_ms, uint64_t max)
{
	double r;

	if (once_ms <= 0)
		return max;
	r = target_ms / once_ms;
	if (r < 1)
		return 1;
	if (r > (double)max)
		return max;
	return (uint64_t)(r + 0.5);
}

void
gpu_fmt_size(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, n, "%.4g %s", v, units[u]);
}

/* --- inventory -------------------------------------------------------- */

/* PCIe generation from a sysfs link speed ("16.0 GT/s PCIe"); 0 if not
** known. */
static int
gpu_pcie_gen(const char *speed)
{
	static const struct { double gts; int gen; } gens[] = {
		{ 2.5, 1 }, { 5, 2 }, { 8, 3 }, { 16, 4 }, { 32, 5 },
		{ 64, 6 }, { 128, 7 }
	};
	double v = strtod(speed, NULL);

	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (v > gens[i].gts * 0.9 && v < gens[i].gts * 1.1)
			return gens[i].gen;
	return 0;
}

static void
gpu_fact_int(const struct dyno_host *h, struct dyno_inventory *sink,
	     const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	h->fact(sink, key, buf);
}

/* The PCIe link of the device at bus id `bus` ("0000:3B:00.0"), from
** /sys/bus/pci/devices: the maximum generation and width, and under
** state (not fingerprinted: an idle GPU trains its link down) the
** current ones. */
static void
gpu_inventory_pcie(const struct dyno_host *h, struct dyno_inventory *sink,
		   int i, const char *bus)
{
	static const char *const what[][2] = {
		{ "current_link_speed", "state.pcie_gen" },
		{ "current_link_width", "state.pcie_width" },
		{ "max_link_speed", "pcie.max_gen" },
		{ "max_link_width", "pcie.max_width" },
	};
	char id[64], buf[64], key[64];
	size_t k;

	for (k = 0; bus[k] != '\0' && k < sizeof(id) - 1; k++)
		id[k] = (char)tolower((unsigned char)bus[k]);
	id[k] = '\0';
	snprintf(key, sizeof(key), "gpus.%d.pci_bus_id", i);
	h->fact(sink, key, id);
	for (k = 0; k < sizeof(what) / sizeof(what[0]); k++) {
		if (sysfs_line(buf, sizeof(buf), "/sys/bus/pci/devices/%s/%s", id,
			       what[k][0]) < 0)
			continue;
		snprintf(key, sizeof(key), "gpus.%d.%s", i, what[k][1]);
		if (strstr(what[k][0], "speed") != NULL) {
			int gen = gpu_pcie_gen(buf);

			if (gen > 0)
				gpu_fact_int(h, sink, key, gen);
		} else if (strtol(buf, NULL, 10) > 0) {
			gpu_fact_int(h, sink, key, strtol(buf, NULL, 10));
		}
	}
}

/* One device's facts under gpus.<i>. */
static void
gpu_inventory_device(const struct dyno_host *h, struct dyno_inventory *sink,
		     int i)
{
	static const struct { enum cudaDeviceAttr a; const char *key; } attrs[] = {
		{ cudaDevAttrClockRate, "clock_khz" },
		{ cudaDevAttrMemoryClockRate, "memory_clock_khz" },
	};
	struct cudaDeviceProp p;
	char key[64], buf[128];
	size_t free_b = 0, total_b = 0;
	const unsigned char *u;
	int v;

	if (cudaGetDeviceProperties(&p, i) != cudaSuccess)
		return;
#define GPU_KEY(name) (snprintf(key, sizeof(key), "gpus.%d.%s", i, name), key)
	h->fact(sink, GPU_KEY("name"), p.name);
	u = (const unsigned char *)p.uuid.bytes;
	snprintf(buf, sizeof(buf), "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
		 u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
	h->fact(sink, GPU_KEY("uuid"), buf);
	/* As nvidia-smi's compute_cap; cc_major and cc_minor are exact. */
	snprintf(buf, sizeof(buf), "%d.%d", p.major, p.minor);
	h->fact(sink, GPU_KEY("compute_capability"), buf);
	gpu_fact_int(h, sink, GPU_KEY("cc_major"), p.major);
	gpu_fact_int(h, sink, GPU_KEY("cc_minor"), p.minor);
	gpu_fact_int(h, sink, GPU_KEY("sms"), p.multiProcessorCount);
	gpu_fact_int(h, sink, GPU_KEY("memory_total"), (long long)p.totalGlobalMem);
	if (cudaSetDevice(i) == cudaSuccess &&
	    cudaMemGetInfo(&free_b, &total_b) == cudaSuccess)
		gpu_fact_int(h, sink, GPU_KEY("state.memory_free"), (long long)free_b);
	gpu_fact_int(h, sink, GPU_KEY("l2_bytes"), p.l2CacheSize);
	gpu_fact_int(h, sink, GPU_KEY("memory_bus_width_bits"), p.memoryBusWidth);
	for (size_t k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++)
		if (cudaDeviceGetAttribute(&v, attrs[k].a, i) == cudaSuccess &&
		    v > 0)
			gpu_fact_int(h, sink, GPU_KEY(attrs[k].key), v);
	if (cudaDeviceGetPCIBusId(buf, (int)sizeof(buf), i) == cudaSuccess)
		gpu_inventory_pcie(h, sink, i, buf);
#undef GPU_KEY
}

/*
** The GPUs CUDA sees, as gpus.N.*, and the CUDA software under cuda.*:
** runtime and driver versions (as CUDA encodes them: 13000 for 13.0; the
** driver's under cuda.state, as a driver update leaves the hardware), the
** device count and a status that says
** why there is no GPU when there is none.  Runs in a child process.
*/
static int
gpu_inventory(const struct dyno_host *h, struct dyno_inventory *sink)
{
	char buf[256];
	int n = 0, v = 0;
	cudaError_t e;

	/* CUDA's own encoding, 1000 x major + 10 x minor: 13000 is 13.0
	** (a text "12.10" would read back as the number 12.1). */
	if (cudaRuntimeGetVersion(&v) == cudaSuccess && v > 0)
		gpu_fact_int(h, sink, "cuda.runtime_version", v);
	if (cudaDriverGetVersion(&v) == cudaSuccess && v > 0)
		gpu_fact_int(h, sink, "cuda.state.driver_version", v);
	e = cudaGetDeviceCount(&n);
	if (e == cudaSuccess && n <= 0)
		e = cudaErrorNoDevice;
	if (e != cudaSuccess) {
		snprintf(buf, sizeof(buf), "no CUDA device (%s)",
			 cudaGetErrorString(e));
		h->fact(sink, "cuda.status", buf);
		h->fact(sink, "cuda.devices", "0");
		return DYNO_OK;
	}
	h->fact(sink, "cuda.status", "ok");
	gpu_fact_int(h, sink, "cuda.devices", n);
	for (int i = 0; i < n; i++)
		gpu_inventory_device(h, sink, i);
	return DYNO_OK;
}

static const struct dyno_plugin gpu_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "gpu",
	.version = "1.0.0",
	.summary = "NVIDIA GPUs (CUDA): copies, memory bandwidth, GEMM, launch and allocation latency",
	.probes = gpu_probes,
	.inventory = gpu_inventory,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &gpu_plugin;
}
