/*
** nn_conv_peak.c - the fp32 (or bf16) rate of yolov8n-like convolutions
** through the nn engine (oneDNN), to set beside nn_gemm_peak's: a 3x3
** conv on a dense image, the same reading and writing channel slices
** (free where images are blocked; on channels-last, the reorders C2f's
** views cost), and a 1x1.  Each the best of several runs.
** Usage: nn_conv_peak [threads [seconds-per-shape [bf16]]].
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Best GFLOP/s of a K x K conv C -> O on an N x C x HW x HW input, with
** SiLU; SLICED: input and output are channel halves of tensors twice as
** wide. */
static double
rate(int64_t n, int64_t c, int64_t o, int64_t k, int64_t hw, int sliced,
    enum nn_dtype dt, int threads, double seconds, const char **impl)
{
	struct nn_graph *g = nn_graph_new(NN_CPU, dt);
	int64_t xd[4] = { n, sliced ? 2 * c : c, hw, hw };
	int64_t yd[4] = { n, sliced ? 2 * o : o, hw, hw };
	int64_t wd[4] = { o, c, k, k }, bd[1] = { o }, i, nx;
	double best = 0, t0, t, flops;
	float *x;
	int tx, ty, y;
	static char keep[128];

	tx = nn_input(g, 4, xd);
	ty = sliced ? nn_empty(g, 4, yd) : -1;
	y = nn_conv2d(g, sliced ? nn_slice(g, tx, 1, c, c) : tx,
	    nn_weight(g, "w", 4, wd, NN_ROLE_WEIGHT, c * k * k),
	    nn_weight(g, "b", 1, bd, NN_ROLE_BIAS, c * k * k), 1, (int)k / 2,
	    NN_ACT_SILU, -1, sliced ? nn_slice(g, ty, 1, 0, o) : -1);
	nn_output(g, sliced ? ty : y);
	nn_init_seeded(g, 1);
	nx = nn_numel(g, tx);
	if (nn_compile(g, threads) < 0 || (x = malloc(nx * 4)) == NULL) {
		fprintf(stderr, "nn_conv_peak: %s\n", nn_error(g) ?
		    nn_error(g) : "out of memory");
		exit(1);
	}
	snprintf(keep, sizeof(keep), "%s", nn_op_impl(g, 0));
	*impl = keep;
	flops = nn_flops(g);
	for (i = 0; i < nx; i++)
		x[i] = nn_init_value("x", 1, (uint64_t)i, 1.0);
	nn_write(g, tx, x, (size_t)nx);
	nn_run(g);
	t0 = now();
	do {
		t = now();
		nn_run(g);
		t = now() - t;
		if (flops / t / 1e9 > best)
			best = flops / t / 1e9;
	} while (now() - t0 < seconds);
	free(x);
	nn_graph_free(g);
	return best;
}

int
main(int argc, char **argv)
{
	/* N, C, O, K, HW, sliced. */
	static const int64_t shapes[][6] = {
		{ 1, 64, 64, 3, 80, 0 }, { 1, 64, 64, 3, 80, 1 },
		{ 8, 64, 64, 3, 80, 0 }, { 1, 128, 64, 1, 80, 0 },
		{ 1, 32, 32, 3, 160, 0 }, { 1, 32, 32, 3, 160, 1 }
	};
	int threads = argc > 1 ? atoi(argv[1]) : 0;
	double seconds = argc > 2 ? atof(argv[2]) : 3, r;
	enum nn_dtype dt = argc > 3 && strcmp(argv[3], "bf16") == 0 ?
	    NN_BF16 : NN_F32;
	const char *impl;
	size_t i;

	if (nn_unsupported(NN_CPU, dt) != NULL) {
		printf("nn-conv-peak: skipped: %s\n", nn_unsupported(NN_CPU,
		    dt));
		return 0;
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const int64_t *s = shapes[i];

		r = rate(s[0], s[1], s[2], s[3], s[4], (int)s[5], dt, threads,
		    seconds, &impl);
		printf("nn-conv-peak: %s n%lld %lld->%lld k%lld %lldx%lld%s  "
		    "%.1f GFLOP/s (%s)\n", nn_dtype_name(dt), (long long)s[0],
		    (long long)s[1], (long long)s[2], (long long)s[3],
		    (long long)s[4], (long long)s[4], s[5] ? " sliced" : "",
		    r, impl);
	}
	return 0;
}
