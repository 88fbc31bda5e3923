/* test_yolo_post.c - the yolo plugin's host pre/post-processing
** (plugins/yolo letterbox.c, decode.c, nms.c) against ultralytics' on the
** committed fixture (tests/fixtures/yolo/post, scripts/yolo-post-fixture.py:
** LetterBox with cv2, Detect's decode, non_max_suppression with
** torchvision), on tests/fixtures/yolo's letterbox, decode and NMS cases
** (scripts/export-yolo.py), and against double-precision and brute-force
** references.
** YOLO_POST_FIXTURE_DIR in the environment points it at another
** fixture directory (tests/yolo_post_cv2.sh makes one with fresh sizes). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "decode.h"
#include "letterbox.h"
#include "nms.h"

static const char *
fixdir(void)
{
	const char *d = getenv("YOLO_POST_FIXTURE_DIR");

	return d != NULL && *d != '\0' ? d : YOLO_POST_FIXTURE_DIR;
}

/* The whole of file `name` in directory `dir`; *len its size in bytes. */
static void *
slurp_in(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	void *buf;
	long n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open fixture %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n, "short read of %s",
	    path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The whole of fixture file `name`. */
static void *
slurp(const char *name, size_t *len)
{
	return slurp_in(fixdir(), name, len);
}

/* Simple deterministic generator for the references (splitmix64). */
static uint64_t
mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
unif(uint64_t *s)
{
	return (double)(mix(s) >> 11) / 9007199254740992.0;
}

/* --- letterbox --------------------------------------------------------- */

Test(letterbox, matches_cv2_within_one_level)
{
	size_t len, tot = 0, exact = 0;
	char *txt = slurp("letterbox.txt", &len), *line, *save = NULL;
	int frames = 0;

	txt[len] = '\0';
	for (line = strtok_r(txt, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int w, h, sz, nw, nh, top, left;
		struct yolo_letterbox lb;
		char name[64];
		uint8_t *src, *ref;
		float *out, *out2;
		size_t sl, rl;

		if (line[0] == '#')
			continue;
		cr_assert_eq(sscanf(line, "%d %d %d %d %d %d %d", &w, &h, &sz,
		    &nw, &nh, &top, &left), 7, "bad line: %s", line);
		cr_assert_eq(yolo_letterbox_init(&lb, w, h, sz), 0);
		cr_expect_eq(lb.new_w, nw, "%dx%d: new_w %d, LetterBox's %d",
		    w, h, lb.new_w, nw);
		cr_expect_eq(lb.new_h, nh, "%dx%d: new_h %d, LetterBox's %d",
		    w, h, lb.new_h, nh);
		cr_expect_eq(lb.top, top, "%dx%d: top %d, LetterBox's %d", w, h,
		    lb.top, top);
		cr_expect_eq(lb.left, left, "%dx%d: left %d, LetterBox's %d",
		    w, h, lb.left, left);
		snprintf(name, sizeof name, "%dx%d.bgr.u8", w, h);
		src = slurp(name, &sl);
		cr_assert_eq(sl, (size_t)w * h * 3);
		snprintf(name, sizeof name, "%dx%d.lb.u8", w, h);
		ref = slurp(name, &rl);
		cr_assert_eq(rl, (size_t)sz * sz * 3);
		out = malloc(3 * (size_t)sz * sz * sizeof *out);
		out2 = malloc(3 * (size_t)sz * sz * sizeof *out2);
		cr_assert(out != NULL && out2 != NULL);
		yolo_letterbox_run(&lb, src, (size_t)w * 3, YOLO_BGR, out);
		for (int y = 0; y < sz; y++)
			for (int x = 0; x < sz; x++)
				for (int c = 0; c < 3; c++) {
					/* ours: plane c is R, G, B; cv2's HWC BGR */
					float v = out[((size_t)c * sz + y) * sz + x];
					int want = ref[((size_t)y * sz + x) * 3 + 2 - c];
					int got = (int)lrintf(v * 255.f);

					cr_assert_eq(v, (float)got / 255.f,
					    "%dx%d (%d,%d,%d): %g is not a level / 255",
					    w, h, x, y, c, v);
					cr_assert_leq(abs(got - want), 1,
					    "%dx%d (%d,%d) channel %d: %d, cv2 %d",
					    w, h, x, y, c, got, want);
					exact += got == want;
					tot++;
				}
		/* RGB input gives the same planes. */
		for (size_t i = 0; i < (size_t)w * h; i++) {
			uint8_t t = src[3 * i];

			src[3 * i] = src[3 * i + 2];
			src[3 * i + 2] = t;
		}
		yolo_letterbox_run(&lb, src, (size_t)w * 3, YOLO_RGB, out2);
		cr_assert_arr_eq(out, out2, 3 * (size_t)sz * sz * sizeof *out);
		free(out);
		free(out2);
		free(src);
		free(ref);
		yolo_letterbox_fini(&lb);
		frames++;
	}
	free(txt);
	cr_assert_gt(frames, 0);
	/* Equal to cv2 on x86, whose rows take its SIMD code; its scalar
	** rounding (other CPUs) differs by one level at most. */
	cr_expect_eq(exact, tot,
	    "only %zu of %zu levels equal cv2's", exact, tot);
	cr_log_info("letterbox: %zu of %zu levels equal to cv2's, the rest within 1",
	    exact, tot);
}

Test(letterbox, strided_rows_and_exact_copy)
{
	/* 64x64 into 64: a copy; rows padded to 200 bytes read right. */
	enum { W = 64, S = 200 };
	uint8_t *src = malloc(S * W);
	float *out = malloc(3 * W * W * sizeof *out);
	struct yolo_letterbox lb;
	uint64_t s = 5;

	cr_assert(src != NULL && out != NULL);
	for (int i = 0; i < S * W; i++)
		src[i] = (uint8_t)mix(&s);
	cr_assert_eq(yolo_letterbox_init(&lb, W, W, W), 0);
	yolo_letterbox_run(&lb, src, S, YOLO_BGR, out);
	for (int y = 0; y < W; y++)
		for (int x = 0; x < W; x++)
			for (int c = 0; c < 3; c++)
				cr_assert_eq(out[(c * W + y) * W + x],
				    (float)src[y * S + 3 * x + 2 - c] / 255.f);
	yolo_letterbox_fini(&lb);
	free(src);
	free(out);
}

Test(letterbox, unmap_as_scale_boxes)
{
	struct yolo_letterbox lb;
	/* 1280x720 into 640: gain 0.5, 640x360, top 140. */
	float b[2][4] = { { 0, 140, 640, 500 }, { -10, 100, 320.5f, 700 } };

	cr_assert_eq(yolo_letterbox_init(&lb, 1280, 720, 640), 0);
	cr_assert_eq(lb.new_w, 640);
	cr_assert_eq(lb.new_h, 360);
	cr_assert_eq(lb.top, 140);
	cr_assert_eq(lb.left, 0);
	yolo_letterbox_unmap(&lb, &b[0][0], 2, 4);
	cr_expect_float_eq(b[0][0], 0.f, 1e-6);
	cr_expect_float_eq(b[0][1], 0.f, 1e-6);
	cr_expect_float_eq(b[0][2], 1280.f, 1e-3);
	cr_expect_float_eq(b[0][3], 720.f, 1e-3);
	cr_expect_float_eq(b[1][0], 0.f, 1e-6);	/* clipped */
	cr_expect_float_eq(b[1][1], 0.f, 1e-6);
	cr_expect_float_eq(b[1][2], 641.f, 1e-3);
	cr_expect_float_eq(b[1][3], 720.f, 1e-6);
	yolo_letterbox_fini(&lb);
}

Test(letterbox, refuses_bad_sizes)
{
	struct yolo_letterbox lb;

	cr_expect_eq(yolo_letterbox_init(&lb, 0, 10, 64), -1);
	cr_expect_eq(yolo_letterbox_init(&lb, 10, -1, 64), -1);
	cr_expect_eq(yolo_letterbox_init(&lb, 10, 10, 0), -1);
	cr_expect_eq(yolo_letterbox_init(&lb, 100000, 10, 64), -1);
}

/* --- decode ------------------------------------------------------------ */

Test(decode, anchors)
{
	cr_expect_eq(yolo_anchors(640), 8400);
	cr_expect_eq(yolo_anchors(64), 84);
	cr_expect_eq(yolo_anchors(100), 0);
	cr_expect_eq(yolo_anchors(0), 0);
	cr_expect_eq(yolo_anchors(-32), 0);
}

Test(decode, refuses_bad_sizes)
{
	struct yolo_decoder d;

	cr_expect_eq(yolo_decoder_init(&d, 100, 80), -1);
	cr_expect_eq(yolo_decoder_init(&d, 640, 0), -1);
}

/* |got - want| <= tol * max(scale, |want|): boxes take the input size as
** scale, since float32 rounds their terms (up to (grid + 16) * stride
** pixels) before they cancel; scores take 1. */
static void
expect_close(const float *got, const float *want, size_t n, double tol,
    double scale, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)got[i] - want[i]);

		cr_assert_leq(e, tol * fmax(scale, fabs(want[i])),
		    "%s[%zu]: %.9g, want %.9g", what, i, got[i], want[i]);
	}
}

Test(decode, matches_ultralytics_detect)
{
	struct yolo_decoder d;
	size_t hl, yl, a;
	float *head = slurp("head.f32", &hl), *want = slurp("decoded.f32", &yl);
	float *out;
	int nc = 4;

	cr_assert_eq(yolo_decoder_init(&d, 64, nc), 0);
	a = d.anchors;
	cr_assert_eq(hl, (64 + (size_t)nc) * a * sizeof(float));
	cr_assert_eq(yl, (4 + (size_t)nc) * a * sizeof(float));
	out = malloc(yl);
	cr_assert_not_null(out);
	yolo_decode(&d, head, out);
	expect_close(out, want, 4 * a, 1e-5, 64, "decoded boxes");
	expect_close(out + 4 * a, want + 4 * a, (size_t)nc * a, 1e-5, 1,
	    "decoded scores");
	free(out);
	free(head);
	free(want);
	yolo_decoder_fini(&d);
}

/* Detect's decode in double, straight from the spec. */
static void
ref_decode(const float *head, int imgsz, int nc, double *out)
{
	size_t n = yolo_anchors(imgsz), a = 0;

	for (int s = 8; s <= 32; s *= 2)
		for (int gy = 0; gy < imgsz / s; gy++)
			for (int gx = 0; gx < imgsz / s; gx++, a++) {
				double dist[4];

				for (int j = 0; j < 4; j++) {
					double m = -INFINITY, z = 0, e = 0;

					for (int k = 0; k < 16; k++)
						m = fmax(m, head[(j * 16 + k) * n + a]);
					for (int k = 0; k < 16; k++) {
						double p = exp(head[(j * 16 + k) * n + a] - m);

						z += p;
						e += k * p;
					}
					dist[j] = e / z;
				}
				out[a] = (gx + 0.5 + (dist[2] - dist[0]) / 2) * s;
				out[n + a] = (gy + 0.5 + (dist[3] - dist[1]) / 2) * s;
				out[2 * n + a] = (dist[0] + dist[2]) * s;
				out[3 * n + a] = (dist[1] + dist[3]) * s;
				for (int c = 0; c < nc; c++)
					out[(4 + c) * n + a] = 1 /
					    (1 + exp(-(double)head[(64 + c) * n + a]));
			}
}

Test(decode, matches_double_reference)
{
	const int imgsz = 128, nc = 7;
	struct yolo_decoder d;
	size_t n = yolo_anchors(imgsz), rows = 4 + nc;
	float *head = malloc((64 + nc) * n * sizeof *head);
	float *out = malloc(rows * n * sizeof *out);
	double *ref = malloc(rows * n * sizeof *ref);
	uint64_t s = 42;

	cr_assert(head != NULL && out != NULL && ref != NULL);
	for (size_t i = 0; i < (64 + nc) * n; i++)
		head[i] = (float)(unif(&s) * 16 - 8);
	cr_assert_eq(yolo_decoder_init(&d, imgsz, nc), 0);
	yolo_decode(&d, head, out);
	ref_decode(head, imgsz, nc, ref);
	/* Boxes: float32 rounding of terms up to (grid + 16) * stride
	** pixels, so within 1e-6 of imgsz + 512; scores within 1e-6. */
	for (size_t i = 0; i < rows * n; i++)
		cr_assert_leq(fabs(out[i] - ref[i]),
		    i < 4 * n ? 1e-6 * (imgsz + 512) : 1e-6,
		    "[%zu]: %.9g, double %.12g", i, out[i], ref[i]);
	free(head);
	free(out);
	free(ref);
	yolo_decoder_fini(&d);
}

/* --- nms --------------------------------------------------------------- */

/* Fixture rows x1 y1 x2 y2 conf cls anchor against our detections. */
static void
expect_dets(const struct yolo_det *got, size_t n, const char *file,
    double tol, double scale)
{
	size_t len;
	float *want = slurp(file, &len);

	cr_assert_eq(len % (7 * sizeof(float)), 0);
	cr_assert_eq(n, len / (7 * sizeof(float)), "%s: %zu kept, ultralytics %zu",
	    file, n, len / (7 * sizeof(float)));
	for (size_t i = 0; i < n; i++) {
		const float *w = want + 7 * i;

		cr_assert_eq(got[i].anchor, (int)w[6],
		    "%s: detection %zu is anchor %d, ultralytics' %d", file, i,
		    got[i].anchor, (int)w[6]);
		cr_assert_eq(got[i].cls, (int)w[5], "%s: detection %zu", file, i);
		expect_close(&got[i].score, &w[4], 1, tol, 1, file);
		expect_close(got[i].box, w, 4, tol, scale, file);
	}
	free(want);
}

static void
nms_fixture(float conf, const char *file)
{
	size_t tl, pl, n, k, kept;
	char *txt = slurp("nms.txt", &tl), *p;
	int nc;
	float *pred;
	struct yolo_nms w;
	struct yolo_nms_cfg cfg = YOLO_NMS_DEFAULTS;
	struct yolo_det *cand, *out;

	txt[tl] = '\0';
	p = strchr(txt, '\n');
	cr_assert_not_null(p);
	cr_assert_eq(sscanf(p + 1, "%d %zu", &nc, &n), 2);
	pred = slurp("nms.pred.f32", &pl);
	cr_assert_eq(pl, (4 + (size_t)nc) * n * sizeof(float));
	cr_assert_eq(yolo_nms_init(&w, n, nc), 0);
	cand = malloc(n * sizeof *cand);
	out = malloc((size_t)cfg.max_det * sizeof *out);
	cr_assert(cand != NULL && out != NULL);
	cfg.conf = conf;
	k = yolo_nms_select(&w, pred, n, &cfg, cand);
	kept = yolo_nms_run(&w, &cfg, cand, k, out);
	/* Same arithmetic as torch's float32: equal to the bit. */
	expect_dets(out, kept, file, 0, 1);
	free(cand);
	free(out);
	free(pred);
	free(txt);
	yolo_nms_fini(&w);
}

Test(nms, matches_ultralytics_at_conf_025)
{
	nms_fixture(0.25f, "nms.conf25.f32");
}

Test(nms, matches_ultralytics_at_conf_0001_cut_by_max_det)
{
	nms_fixture(0.001f, "nms.conf001.f32");
}

Test(nms, decoded_head_matches_ultralytics)
{
	struct yolo_decoder d;
	struct yolo_nms w;
	struct yolo_nms_cfg cfg = YOLO_NMS_DEFAULTS;
	size_t hl, k, kept;
	float *head = slurp("head.f32", &hl);
	struct yolo_det *cand, *out;

	cr_assert_eq(yolo_decoder_init(&d, 64, 4), 0);
	cr_assert_eq(yolo_nms_init(&w, d.anchors, 4), 0);
	cand = malloc(d.anchors * sizeof *cand);
	out = malloc((size_t)cfg.max_det * sizeof *out);
	cr_assert(cand != NULL && out != NULL);
	k = yolo_decode_candidates(&d, head, cfg.conf, cand);
	kept = yolo_nms_run(&w, &cfg, cand, k, out);
	expect_dets(out, kept, "decoded.nms.f32", 1e-5, 64);
	free(cand);
	free(out);
	free(head);
	yolo_nms_fini(&w);
	yolo_decoder_fini(&d);
}

/* torchvision's nms_kernel on class-offset boxes, every pair. */
static size_t
ref_nms(const struct yolo_det *c, size_t n, const struct yolo_nms_cfg *cfg,
    int *keep)
{
	size_t *order = malloc(n * sizeof *order), kept = 0;
	char *sup = calloc(n, 1);
	float (*b)[4] = malloc(n * sizeof *b), *area = malloc(n * sizeof *area);

	cr_assert(order != NULL && sup != NULL && b != NULL && area != NULL);
	for (size_t i = 0; i < n; i++) {
		float off = (float)c[i].cls * cfg->max_wh;

		for (int j = 0; j < 4; j++)
			b[i][j] = c[i].box[j] + off;
		area[i] = (b[i][2] - b[i][0]) * (b[i][3] - b[i][1]);
		order[i] = i;
	}
	/* stable insertion sort, descending */
	for (size_t i = 1; i < n; i++) {
		size_t v = order[i], j = i;

		while (j > 0 && c[order[j - 1]].score < c[v].score) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	for (size_t oi = 0; oi < n; oi++) {
		size_t i = order[oi];

		if (sup[i])
			continue;
		keep[kept++] = (int)i;
		for (size_t oj = oi + 1; oj < n; oj++) {
			size_t j = order[oj];
			float xx1, yy1, xx2, yy2, ww, hh, inter, ovr;

			if (sup[j])
				continue;
			xx1 = fmaxf(b[i][0], b[j][0]);
			yy1 = fmaxf(b[i][1], b[j][1]);
			xx2 = fminf(b[i][2], b[j][2]);
			yy2 = fminf(b[i][3], b[j][3]);
			ww = fmaxf(0, xx2 - xx1);
			hh = fmaxf(0, yy2 - yy1);
			inter = ww * hh;
			ovr = inter / (area[i] + area[j] - inter);
			if (ovr > cfg->iou)
				sup[j] = 1;
		}
	}
	free(order);
	free(sup);
	free(b);
	free(area);
	return kept < (size_t)cfg->max_det ? kept : (size_t)cfg->max_det;
}

static void
brute(uint64_t seed, size_t n, int nc, double span, int max_det)
{
	struct yolo_det *c = malloc(n * sizeof *c), *out;
	int *keep = malloc(n * sizeof *keep);
	struct yolo_nms w;
	struct yolo_nms_cfg cfg = YOLO_NMS_DEFAULTS;
	size_t kept, want;
	uint64_t s = seed;

	cfg.max_det = max_det;
	out = malloc((size_t)max_det * sizeof *out);
	cr_assert(c != NULL && keep != NULL && out != NULL);
	for (size_t i = 0; i < n; i++) {
		double x = unif(&s) * 300, y = unif(&s) * 300;
		double bw = 5 + unif(&s) * span, bh = 5 + unif(&s) * 60;

		c[i].box[0] = (float)x;
		c[i].box[1] = (float)y;
		c[i].box[2] = (float)(x + bw);
		c[i].box[3] = (float)(y + bh);
		/* coarse scores: many ties */
		c[i].score = (float)(floor(unif(&s) * 40) / 40);
		c[i].cls = (int)(mix(&s) % (uint64_t)nc);
		c[i].anchor = (int)i;
	}
	cr_assert_eq(yolo_nms_init(&w, n, nc), 0);
	kept = yolo_nms_run(&w, &cfg, c, n, out);
	want = ref_nms(c, n, &cfg, keep);
	cr_assert_eq(kept, want, "seed %llu: %zu kept, reference %zu",
	    (unsigned long long)seed, kept, want);
	for (size_t i = 0; i < kept; i++)
		cr_assert_eq(out[i].anchor, keep[i], "seed %llu: detection %zu",
		    (unsigned long long)seed, i);
	/* The scratch is clean for the next call: same answer again. */
	cr_assert_eq(yolo_nms_run(&w, &cfg, c, n, out), kept);
	yolo_nms_fini(&w);
	free(c);
	free(keep);
	free(out);
}

Test(nms, equals_brute_force_torchvision)
{
	for (uint64_t seed = 1; seed <= 20; seed++)
		brute(seed, 1500, 1 + (int)(seed % 5), 60, 300);
}

Test(nms, max_det_cuts_in_order)
{
	brute(7, 3000, 3, 20, 25);
}

Test(nms, boxes_wider_than_the_class_offset)
{
	/* Boxes up to 9000 px wide overlap other classes' after the offset:
	** torchvision then suppresses across classes, and so must we. */
	brute(99, 800, 4, 9000, 300);
}

Test(nms, refuses_bad_sizes)
{
	struct yolo_nms w;

	cr_expect_eq(yolo_nms_init(&w, 0, 80), -1);
	cr_expect_eq(yolo_nms_init(&w, 100, 0), -1);
}

/* --- i19-ref's fixtures (tests/fixtures/yolo: scripts/export-yolo.py) --- */

/* LetterBox and the predictor's tensor of two frames (h x w). */
static void
ref_letterbox(const char *name, int h, int w)
{
	char f[64];
	size_t il, tl;
	uint8_t *in;
	float *want, *out = malloc(3 * 64 * 64 * sizeof *out);
	struct yolo_letterbox lb;

	snprintf(f, sizeof f, "letterbox-%s.in.bin", name);
	in = slurp_in(YOLO_FIXTURE_DIR, f, &il);
	cr_assert_eq(il, (size_t)h * w * 3);
	snprintf(f, sizeof f, "letterbox-%s.tensor.bin", name);
	want = slurp_in(YOLO_FIXTURE_DIR, f, &tl);
	cr_assert_eq(tl, 3 * 64 * 64 * sizeof(float));
	cr_assert_not_null(out);
	cr_assert_eq(yolo_letterbox_init(&lb, w, h, 64), 0);
	yolo_letterbox_run(&lb, in, (size_t)w * 3, YOLO_BGR, out);
	for (size_t i = 0; i < 3 * 64 * 64; i++)
		cr_assert_eq(out[i], want[i], "%s [%zu]: %.9g, ultralytics %.9g",
		    name, i, out[i], want[i]);
	yolo_letterbox_fini(&lb);
	free(in);
	free(want);
	free(out);
}

Test(ref_fixture, letterbox_down_and_up_to_the_bit)
{
	ref_letterbox("down", 97, 83);
	ref_letterbox("up", 23, 35);
}

Test(ref_fixture, decode_of_the_tiny_model)
{
	struct yolo_decoder d;
	size_t hl, yl, a;
	float *head = slurp_in(YOLO_FIXTURE_DIR, "tiny-torch.head.f32", &hl);
	float *want = slurp_in(YOLO_FIXTURE_DIR, "tiny-torch.decoded.f32", &yl);
	float *out;

	cr_assert_eq(yolo_decoder_init(&d, 64, 4), 0);
	a = d.anchors;
	cr_assert_eq(hl, 2 * 68 * a * sizeof(float));
	cr_assert_eq(yl, 2 * 8 * a * sizeof(float));
	out = malloc(8 * a * sizeof *out);
	cr_assert_not_null(out);
	for (size_t b = 0; b < 2; b++) {
		yolo_decode(&d, head + b * 68 * a, out);
		expect_close(out, want + b * 8 * a, 4 * a, 1e-5, 64, "boxes");
		expect_close(out + 4 * a, want + b * 8 * a + 4 * a, 4 * a, 1e-5, 1,
		    "scores");
	}
	free(out);
	free(head);
	free(want);
	yolo_decoder_fini(&d);
}

Test(ref_fixture, nms_of_two_images)
{
	enum { NC = 5, N = 400 };
	size_t cl, dl, row = 0;
	float *pred = slurp_in(YOLO_FIXTURE_DIR, "nms-candidates.bin", &cl);
	float *det = slurp_in(YOLO_FIXTURE_DIR, "nms-detections.bin", &dl);
	struct yolo_nms w;
	struct yolo_nms_cfg cfg = YOLO_NMS_DEFAULTS;
	struct yolo_det cand[N], out[300];

	cr_assert_eq(cl, 2 * (4 + NC) * N * sizeof(float));
	cr_assert_eq(dl % (8 * sizeof(float)), 0);
	cr_assert_eq(yolo_nms_init(&w, N, NC), 0);
	for (int b = 0; b < 2; b++) {
		size_t k = yolo_nms_select(&w, pred + (size_t)b * (4 + NC) * N, N,
		    &cfg, cand);
		size_t kept = yolo_nms_run(&w, &cfg, cand, k, out);

		for (size_t i = 0; i < kept; i++, row++) {
			const float *r = det + 8 * row;

			cr_assert_lt(row, dl / (8 * sizeof(float)),
			    "image %d: more kept than ultralytics", b);
			cr_assert_eq((int)r[0], b, "image %d: %zu kept, ultralytics "
			    "fewer", b, kept);
			cr_assert_eq(out[i].anchor, (int)r[1],
			    "image %d detection %zu: anchor %d, ultralytics %d", b,
			    i, out[i].anchor, (int)r[1]);
			cr_assert_eq(out[i].cls, (int)r[7]);
			cr_assert_eq(out[i].score, r[6]);
			expect_close(out[i].box, r + 2, 4, 1e-6, 640, "box");
		}
	}
	cr_assert_eq(row, dl / (8 * sizeof(float)), "%zu kept, ultralytics %zu",
	    row, dl / (8 * sizeof(float)));
	yolo_nms_fini(&w);
	free(pred);
	free(det);
}
