/*
** nn_gemm_peak.c - the machine's measured fp32 GEMM rate through the nn
** engine (oneDNN's matmul), the denominator of eegpt.infer's "fraction
** of peak": the best rate over a few large shapes, each the best of
** several runs.  Usage: nn_gemm_peak [threads [seconds-per-shape]].
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Best GFLOP/s of y = x W^T, x M x K, W N x K, within SECONDS. */
static double
rate(int64_t m, int64_t k, int64_t n, int threads, double seconds)
{
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int64_t xd[2] = { m, k }, wd[2] = { n, k };
	double best = 0, t0, t;
	float *x;
	int64_t i;
	int tx, tw;

	tx = nn_input(g, 2, xd);
	tw = nn_weight(g, "w", 2, wd, NN_ROLE_WEIGHT, k);
	nn_output(g, nn_linear(g, tx, tw, -1, NN_ACT_NONE, -1));
	nn_init_seeded(g, 1);
	if (nn_compile(g, threads) < 0 || (x = malloc(m * k * 4)) == NULL) {
		fprintf(stderr, "nn_gemm_peak: %s\n", nn_error(g) ?
		    nn_error(g) : "out of memory");
		exit(1);
	}
	for (i = 0; i < m * k; i++)
		x[i] = nn_init_value("x", 1, (uint64_t)i, 1.0);
	nn_write(g, tx, x, (size_t)(m * k));
	nn_run(g);
	t0 = now();
	do {
		t = now();
		nn_run(g);
		t = now() - t;
		if (2.0 * m * k * n / t / 1e9 > best)
			best = 2.0 * m * k * n / t / 1e9;
	} while (now() - t0 < seconds);
	free(x);
	nn_graph_free(g);
	return best;
}

int
main(int argc, char **argv)
{
	/* EEGPT's fc1 at batch 8, its qkv at batch 32, a square. */
	static const int64_t shapes[][3] = {
		{ 6144, 512, 2048 }, { 24576, 512, 1536 }, { 4096, 4096, 4096 }
	};
	int threads = argc > 1 ? atoi(argv[1]) : 0;
	double seconds = argc > 2 ? atof(argv[2]) : 3, best = 0, r;
	size_t i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		r = rate(shapes[i][0], shapes[i][1], shapes[i][2], threads,
		    seconds);
		printf("nn-gemm-peak: %lldx%lldx%lld  %.1f GFLOP/s\n",
		    (long long)shapes[i][0], (long long)shapes[i][1],
		    (long long)shapes[i][2], r);
		if (r > best)
			best = r;
	}
	printf("nn-gemm-peak: fp32 peak %.1f GFLOP/s (threads %d, 0: "
	    "OpenMP's default)\n", best, threads);
	return 0;
}
