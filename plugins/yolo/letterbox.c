/*
** letterbox.c - ultralytics' LetterBox for a square model input, with
** cv2.resize INTER_LINEAR's fixed-point bilinear on uint8, and the
** inverse box map.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "letterbox.h"

/* cv2's INTER_RESIZE_COEF_BITS: weights are 11-bit fixed point. */
#define LB_BITS 11
#define LB_ONE (1 << LB_BITS)

/* The pad value ultralytics fills with, and the /255 of every level
** computed as float(v) / 255.f, as the predictor's `im /= 255`. */
#define LB_PAD 114

/*
** One axis of cv2's resize tables (resize generic, INTER_LINEAR): the
** source position of output d is (d + 0.5) * scale - 0.5 rounded to
** float as cv2 does, the weights (1 - f, f) rounded to 11 bits.  Columns
** (clamp set) take the border pixel with weight 1 past either edge; rows
** keep their weights and read the border row twice, as cv2 does, whose
** two weights then need not add up to 2048.
*/
static void
lb_axis(int src, int dst, int clamp, int *ofs, int16_t *w)
{
	double scale = 1.0 / ((double)dst / src);

	for (int d = 0; d < dst; d++) {
		float f = (float)((d + 0.5) * scale - 0.5);
		int s = (int)floorf(f);

		f -= (float)s;
		if (clamp && s < 0) {
			f = 0;
			s = 0;
		}
		if (clamp && s >= src - 1) {
			f = 0;
			s = src - 1;
		}
		ofs[2 * d] = s < 0 ? 0 : s > src - 1 ? src - 1 : s;
		ofs[2 * d + 1] = s + 1 < 0 ? 0 : s + 1 > src - 1 ? src - 1 : s + 1;
		w[2 * d] = (int16_t)lrintf((1.f - f) * LB_ONE);
		w[2 * d + 1] = (int16_t)lrintf(f * LB_ONE);
	}
}

int
yolo_letterbox_init(struct yolo_letterbox *lb, int src_w, int src_h,
    int imgsz)
{
	double r;

	memset(lb, 0, sizeof *lb);
	if (src_w < 1 || src_h < 1 || imgsz < 1 || src_w > 65536 ||
	    src_h > 65536 || imgsz > 65536)
		return -1;
	/* As LetterBox.get_params: Python's round() is half to even, as
	** nearbyint in the default rounding mode. */
	r = fmin((double)imgsz / src_h, (double)imgsz / src_w);
	lb->src_w = src_w;
	lb->src_h = src_h;
	lb->imgsz = imgsz;
	lb->gain = r;
	lb->new_w = (int)nearbyint(src_w * r);
	lb->new_h = (int)nearbyint(src_h * r);
	if (lb->new_w < 1)
		lb->new_w = 1;
	if (lb->new_h < 1)
		lb->new_h = 1;
	if (lb->new_w > imgsz)
		lb->new_w = imgsz;
	if (lb->new_h > imgsz)
		lb->new_h = imgsz;
	lb->left = (int)nearbyint((imgsz - lb->new_w) / 2.0 - 0.1);
	lb->top = (int)nearbyint((imgsz - lb->new_h) / 2.0 - 0.1);

	lb->xofs = malloc(2 * sizeof *lb->xofs * (size_t)lb->new_w);
	lb->alpha = malloc(2 * sizeof *lb->alpha * (size_t)lb->new_w);
	lb->yofs = malloc(2 * sizeof *lb->yofs * (size_t)lb->new_h);
	lb->beta = malloc(2 * sizeof *lb->beta * (size_t)lb->new_h);
	lb->rows = malloc(2 * 3 * sizeof *lb->rows * (size_t)lb->new_w);
	if (lb->xofs == NULL || lb->alpha == NULL || lb->yofs == NULL ||
	    lb->beta == NULL || lb->rows == NULL) {
		yolo_letterbox_fini(lb);
		return -1;
	}
	lb_axis(src_w, lb->new_w, 1, lb->xofs, lb->alpha);
	lb_axis(src_h, lb->new_h, 0, lb->yofs, lb->beta);
	return 0;
}

void
yolo_letterbox_fini(struct yolo_letterbox *lb)
{
	free(lb->xofs);
	free(lb->alpha);
	free(lb->yofs);
	free(lb->beta);
	free(lb->rows);
	memset(lb, 0, sizeof *lb);
}

/* cv2's horizontal pass: one source row to 3 new_w sums (x 2048). */
static void
lb_hrow(const struct yolo_letterbox *lb, const uint8_t *s, int *d)
{
	for (int x = 0; x < lb->new_w; x++) {
		const uint8_t *p0 = s + 3 * lb->xofs[2 * x];
		const uint8_t *p1 = s + 3 * lb->xofs[2 * x + 1];
		int a0 = lb->alpha[2 * x], a1 = lb->alpha[2 * x + 1];

		d[3 * x] = p0[0] * a0 + p1[0] * a1;
		d[3 * x + 1] = p0[1] * a0 + p1[1] * a1;
		d[3 * x + 2] = p0[2] * a0 + p1[2] * a1;
	}
}

void
yolo_letterbox_run(struct yolo_letterbox *lb, const uint8_t *src,
    size_t stride, enum yolo_order order, float *out)
{
	float lut[256], pad;
	size_t plane = (size_t)lb->imgsz * lb->imgsz;
	float *ch[3];
	int *r0 = lb->rows, *r1 = lb->rows + 3 * lb->new_w;
	int have0 = -1, have1 = -1;	/* the source rows r0, r1 hold */
	int n = lb->imgsz, w = lb->new_w;

	for (int i = 0; i < 256; i++)
		lut[i] = (float)i / 255.f;
	pad = lut[LB_PAD];
	/* Output planes R, G, B from source bytes 2, 1, 0 (BGR) or 0, 1, 2. */
	for (int c = 0; c < 3; c++)
		ch[order == YOLO_BGR ? 2 - c : c] = out + (size_t)c * plane;

	for (int y = 0; y < n; y++) {
		int sy = y - lb->top;

		if (sy < 0 || sy >= lb->new_h) {
			for (int c = 0; c < 3; c++)
				for (int x = 0; x < n; x++)
					ch[c][(size_t)y * n + x] = pad;
			continue;
		}
		int y0 = lb->yofs[2 * sy], y1 = lb->yofs[2 * sy + 1];
		int b0 = lb->beta[2 * sy], b1 = lb->beta[2 * sy + 1];

		/* Rows move forward only: reuse what the last output row made. */
		if (have0 != y0) {
			if (have1 == y0) {
				int *t = r0;

				r0 = r1;
				r1 = t;
				have0 = y0;
				have1 = -1;
			} else {
				lb_hrow(lb, src + (size_t)y0 * stride, r0);
				have0 = y0;
			}
		}
		if (have1 != y1) {
			lb_hrow(lb, src + (size_t)y1 * stride, r1);
			have1 = y1;
		}
		for (int c = 0; c < 3; c++) {
			float *o = ch[c] + (size_t)y * n;

			for (int x = 0; x < lb->left; x++)
				o[x] = pad;
			for (int x = 0; x < w; x++) {
				/* cv2's vertical pass as its SIMD code
				** (VResizeLinearVec_32s8u) rounds, which x86
				** takes for every pixel: sums / 16 times the
				** weight's high 16 bits, then / 4 rounded. */
				int v = ((((r0[3 * x + c] >> 4) * b0) >> 16) +
				    (((r1[3 * x + c] >> 4) * b1) >> 16) + 2) >> 2;

				v = v < 0 ? 0 : v > 255 ? 255 : v;
				o[lb->left + x] = lut[v];
			}
			for (int x = lb->left + w; x < n; x++)
				o[x] = pad;
		}
	}
}

void
yolo_letterbox_unmap(const struct yolo_letterbox *lb, float *boxes,
    size_t n, size_t step)
{
	/* scale_boxes: the gain of each axis from LetterBox's rounded size,
	** the pad as LetterBox's left/top, in float32 as torch does it. */
	float gx = (float)((double)lb->new_w / lb->src_w);
	float gy = (float)((double)lb->new_h / lb->src_h);
	float l = (float)lb->left, t = (float)lb->top;
	float w = (float)lb->src_w, h = (float)lb->src_h;

	for (size_t i = 0; i < n; i++) {
		float *b = boxes + i * step;

		b[0] = (b[0] - l) / gx;
		b[1] = (b[1] - t) / gy;
		b[2] = (b[2] - l) / gx;
		b[3] = (b[3] - t) / gy;
		b[0] = fminf(fmaxf(b[0], 0), w);
		b[1] = fminf(fmaxf(b[1], 0), h);
		b[2] = fminf(fmaxf(b[2], 0), w);
		b[3] = fminf(fmaxf(b[3], 0), h);
	}
}
