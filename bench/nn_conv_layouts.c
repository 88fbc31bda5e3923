/*
** nn_conv_layouts.c - oneDNN's convolutions, one shape at a time, in the
** two layouts the nn engine can store images in: channels-last (NHWC)
** and blocked (nChw16c), each with the engine's bias and SiLU post-ops,
** weights in the layout oneDNN picks.  It shows what a layout costs in
** kernels alone, apart from the copies it saves or needs (the engine's
** choice: layout() in plugins/nn/nn_graph.c).
**
** Reads oneDNN verbose problem descriptors, one per line
** ("mb1_ic16oc32_ih320oh160kh3sh2dh0ph1_iw320ow160kw3sw2dw0pw1"), as
** bench/nn-conv-layouts.sh extracts them from a yolo.infer run; prints
** each shape's best time and implementation per layout, then the sums.
** An input of fewer than 16 channels (the image) is NCHW in the blocked
** run, as the engine keeps it.
** Usage: nn_conv_layouts [fp32|bf16] < shapes
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dnnl.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Fill a memory object with small non-zero values (no denormals). */
static void
fill(dnnl_memory_t m)
{
	const dnnl_memory_desc_t *md;
	unsigned char *p;
	size_t i, n;

	dnnl_memory_get_memory_desc(m, &md);
	dnnl_memory_get_data_handle(m, (void **)&p);
	n = dnnl_memory_desc_get_size(md);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(0x3c + i % 3);
}

/* Best seconds per run of one conv of shape P in layout TAG, or < 0. */
static double
time_conv(dnnl_engine_t e, dnnl_stream_t s, const long *p,
    dnnl_format_tag_t tag, dnnl_data_type_t dt, const char **impl)
{
	dnnl_dims_t xd = { 1, p[0], p[2], p[8] }, yd = { 1, p[1], p[3], p[9] };
	dnnl_dims_t wd = { p[1], p[0], p[4], p[10] }, bd = { p[1] };
	dnnl_dims_t st = { p[5], p[11] }, pad = { p[7], p[13] };
	dnnl_memory_desc_t x, w, b, y;
	dnnl_convolution_desc_t cd;
	dnnl_primitive_attr_t attr;
	dnnl_post_ops_t po;
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t prim;
	dnnl_memory_t m[4];
	dnnl_exec_arg_t args[4];
	static const int which[4] = { DNNL_ARG_SRC, DNNL_ARG_WEIGHTS,
	    DNNL_ARG_BIAS, DNNL_ARG_DST };
	double best = -1;
	int i, r;

	dnnl_memory_desc_init_by_tag(&x, 4, xd, dt, tag == dnnl_nChw16c &&
	    p[0] < 16 ? dnnl_nchw : tag);
	dnnl_memory_desc_init_by_tag(&y, 4, yd, dt, tag);
	dnnl_memory_desc_init_by_tag(&w, 4, wd, dt, dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&b, 1, bd, dnnl_f32, dnnl_a);
	if (dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference,
	    dnnl_convolution_direct, &x, &w, &b, &y, st, pad, pad) !=
	    dnnl_success)
		return -1;
	dnnl_primitive_attr_create(&attr);
	dnnl_post_ops_create(&po);
	dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_swish, 1.0f, 0);
	dnnl_primitive_attr_set_post_ops(attr, po);
	r = dnnl_primitive_desc_create(&pd, &cd, attr, e, NULL);
	dnnl_post_ops_destroy(po);
	dnnl_primitive_attr_destroy(attr);
	if (r != dnnl_success)
		return -1;
	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, impl);
	if (strncmp(*impl, "ref:", 4) == 0) {
		/* Minutes per shape, and not what the engine would run. */
		dnnl_primitive_desc_destroy(pd);
		return -2;
	}
	for (i = 0; i < 4; i++) {
		const dnnl_memory_desc_t *md = i == 2 ? &b :
		    dnnl_primitive_desc_query_md(pd, i == 0 ? dnnl_query_src_md :
		    i == 1 ? dnnl_query_weights_md : dnnl_query_dst_md, 0);

		dnnl_memory_create(&m[i], md, e, DNNL_MEMORY_ALLOCATE);
		fill(m[i]);
		args[i].arg = which[i];
		args[i].memory = m[i];
	}
	dnnl_primitive_create(&prim, pd);
	*impl = strdup(*impl);
	for (i = 0; i < 3; i++)
		dnnl_primitive_execute(prim, s, 4, args);
	for (r = 0; r < 5; r++) {
		double t0 = now(), t;

		for (i = 0; i < 10; i++)
			dnnl_primitive_execute(prim, s, 4, args);
		dnnl_stream_wait(s);
		t = (now() - t0) / 10;
		if (best < 0 || t < best)
			best = t;
	}
	dnnl_primitive_destroy(prim);
	dnnl_primitive_desc_destroy(pd);
	for (i = 0; i < 4; i++)
		dnnl_memory_destroy(m[i]);
	return best;
}

int
main(int argc, char **argv)
{
	dnnl_data_type_t dt = argc > 1 && strcmp(argv[1], "bf16") == 0 ?
	    dnnl_bf16 : dnnl_f32;
	dnnl_engine_t e;
	dnnl_stream_t s;
	double sum[2] = { 0, 0 };
	char line[256];
	int n = 0;

	if (dnnl_engine_create(&e, dnnl_cpu, 0) != dnnl_success ||
	    dnnl_stream_create(&s, e, dnnl_stream_default_flags) !=
	    dnnl_success) {
		fprintf(stderr, "nn_conv_layouts: no oneDNN CPU engine\n");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		static const dnnl_format_tag_t tags[2] = { dnnl_nhwc,
		    dnnl_nChw16c };
		const char *impl[2] = { "?", "?" };
		double t[2];
		long p[14];
		int k;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "mb1_ic%ldoc%ld_ih%ldoh%ldkh%ldsh%lddh%ldph%ld_"
		    "iw%ldow%ldkw%ldsw%lddw%ldpw%ld", &p[0], &p[1], &p[2], &p[3],
		    &p[4], &p[5], &p[6], &p[7], &p[8], &p[9], &p[10], &p[11],
		    &p[12], &p[13]) != 14) {
			fprintf(stderr, "nn_conv_layouts: '%s' is not a oneDNN "
			    "conv problem (mb1_icXocY_ih..._iw...)\n", line);
			return 1;
		}
		for (k = 0; k < 2; k++) {
			t[k] = time_conv(e, s, p, tags[k], dt, &impl[k]);
			if (t[k] == -2) {
				printf("nn-conv-layouts: %s: skipped: oneDNN has "
				    "only its reference code for %s in %s here\n",
				    dt == dnnl_bf16 ? "bf16" : "fp32", line,
				    k ? "nChw16c" : "nhwc");
				return 0;
			}
			if (t[k] < 0) {
				fprintf(stderr, "nn_conv_layouts: %s: no %s "
				    "convolution\n", line, k ? "nChw16c" :
				    "nhwc");
				return 1;
			}
			sum[k] += t[k];
		}
		printf("%-52s nhwc %8.3f ms %-32s nChw16c %8.3f ms %s\n", line,
		    t[0] * 1e3, impl[0], t[1] * 1e3, impl[1]);
		free((char *)impl[0]);
		free((char *)impl[1]);
		n++;
	}
	printf("nn-conv-layouts: %s, %d convolutions: nhwc %.3f ms, nChw16c "
	    "%.3f ms (nChw16c/nhwc %.3f)\n", dt == dnnl_bf16 ? "bf16" : "fp32",
	    n, sum[0] * 1e3, sum[1] * 1e3, sum[0] > 0 ? sum[1] / sum[0] : 0);
	dnnl_stream_destroy(s);
	dnnl_engine_destroy(e);
	return 0;
}
