/*
** decode.c - YOLOv8's head decoded on the host as ultralytics' Detect
** does it (make_anchors, DFL, dist2bbox, sigmoid), for every anchor or
** for NMS's candidates only.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const int dec_strides[3] = { 8, 16, 32 };

size_t
yolo_anchors(int imgsz)
{
	size_t n = 0;

	if (imgsz < 32 || imgsz % 32 != 0 || imgsz > 65536)
		return 0;
	for (int l = 0; l < 3; l++) {
		size_t g = (size_t)(imgsz / dec_strides[l]);

		n += g * g;
	}
	return n;
}

int
yolo_decoder_init(struct yolo_decoder *d, int imgsz, int nc)
{
	size_t a, n = yolo_anchors(imgsz);

	memset(d, 0, sizeof *d);
	if (n == 0 || nc < 1 || nc > 65535)
		return -1;
	d->imgsz = imgsz;
	d->nc = nc;
	d->anchors = n;
	d->ax = malloc(n * sizeof *d->ax);
	d->ay = malloc(n * sizeof *d->ay);
	d->stride = malloc(n * sizeof *d->stride);
	d->best = malloc(n * sizeof *d->best);
	d->cls = malloc(n * sizeof *d->cls);
	if (d->ax == NULL || d->ay == NULL || d->stride == NULL ||
	    d->best == NULL || d->cls == NULL) {
		yolo_decoder_fini(d);
		return -1;
	}
	/* make_anchors: per level, rows then columns, cell centres. */
	a = 0;
	for (int l = 0; l < 3; l++) {
		int g = imgsz / dec_strides[l];

		for (int y = 0; y < g; y++)
			for (int x = 0; x < g; x++, a++) {
				d->ax[a] = (float)x + 0.5f;
				d->ay[a] = (float)y + 0.5f;
				d->stride[a] = (float)dec_strides[l];
			}
	}
	return 0;
}

void
yolo_decoder_fini(struct yolo_decoder *d)
{
	free(d->ax);
	free(d->ay);
	free(d->stride);
	free(d->best);
	free(d->cls);
	memset(d, 0, sizeof *d);
}

/* DFL: the expected bin of one side's 16 logits (`step` apart), softmax
** with the max subtracted as torch's softmax does. */
static float
dec_dfl(const float *p, size_t step)
{
	float v[YOLO_REG_MAX], m = p[0], sum = 0, dist = 0;

	for (int k = 1; k < YOLO_REG_MAX; k++)
		if (p[k * step] > m)
			m = p[k * step];
	for (int k = 0; k < YOLO_REG_MAX; k++) {
		v[k] = expf(p[k * step] - m);
		sum += v[k];
	}
	for (int k = 0; k < YOLO_REG_MAX; k++)
		dist += (float)k * (v[k] / sum);
	return dist;
}

/* dist2bbox(xywh=True) * stride for anchor a: cx, cy, w, h. */
static void
dec_box(const struct yolo_decoder *d, const float *head, size_t a,
    float xywh[4])
{
	size_t n = d->anchors;
	const float *p = head + a;
	float l = dec_dfl(p, n);
	float t = dec_dfl(p + YOLO_REG_MAX * n, n);
	float r = dec_dfl(p + 2 * YOLO_REG_MAX * n, n);
	float b = dec_dfl(p + 3 * YOLO_REG_MAX * n, n);
	float x1 = d->ax[a] - l, y1 = d->ay[a] - t;
	float x2 = d->ax[a] + r, y2 = d->ay[a] + b;
	float s = d->stride[a];

	xywh[0] = (x1 + x2) / 2 * s;
	xywh[1] = (y1 + y2) / 2 * s;
	xywh[2] = (x2 - x1) * s;
	xywh[3] = (y2 - y1) * s;
}

/* GCC's -O2 vectorises only loops that need no runtime checks; this one
** needs them, and vectorised runs three times as fast (x86-64: 180 us
** against 540 us for 80 classes x 8400). */
/* Anchors per block of the best-class scan. */
#define DEC_BLOCK 512

#if defined(__GNUC__) && !defined(__clang__)
#define DEC_VECTORISE __attribute__((optimize("vect-cost-model=cheap")))
#else
#define DEC_VECTORISE
#endif

/* Anchors in blocks, classes inside, so each row is read along memory
** and a block's running best stays in L1; masks, not branches, so the
** loop vectorises. */
DEC_VECTORISE void
yolo_best_class(float *best, int *bcls, const float *sc, size_t n, int nc)
{
	memcpy(best, sc, n * sizeof *best);
	memset(bcls, 0, n * sizeof *bcls);
	for (size_t a0 = 0; a0 < n; a0 += DEC_BLOCK) {
		size_t len = n - a0 < DEC_BLOCK ? n - a0 : DEC_BLOCK;
		float *restrict b = best + a0;
		int *restrict bc = bcls + a0;

		for (int c = 1; c < nc; c++) {
			const float *restrict row = sc + (size_t)c * n + a0;

			for (size_t a = 0; a < len; a++) {
				float v = row[a], o = b[a];
				int m = -(v > o);

				b[a] = v > o ? v : o;
				bc[a] = (bc[a] & ~m) | (c & m);
			}
		}
	}
}

static float
dec_sigmoid(float x)
{
	return 1.f / (1.f + expf(-x));
}

void
yolo_decode(const struct yolo_decoder *d, const float *head, float *out)
{
	size_t n = d->anchors;
	const float *cls = head + 4 * YOLO_REG_MAX * n;

	for (size_t a = 0; a < n; a++) {
		float xywh[4];

		dec_box(d, head, a, xywh);
		for (int j = 0; j < 4; j++)
			out[j * n + a] = xywh[j];
	}
	for (size_t i = 0; i < (size_t)d->nc * n; i++)
		out[4 * n + i] = dec_sigmoid(cls[i]);
}

size_t
yolo_decode_candidates(struct yolo_decoder *d, const float *head,
    float conf, struct yolo_det *out)
{
	size_t n = d->anchors, k = 0;
	const float *cls = head + 4 * YOLO_REG_MAX * n;

	/* sigmoid is monotonic: the best logit picks the best score. */
	yolo_best_class(d->best, d->cls, cls, n, d->nc);
	for (size_t a = 0; a < n; a++) {
		float s = dec_sigmoid(d->best[a]), xywh[4];
		struct yolo_det *o;

		if (!(s > conf))
			continue;
		/* Where sigmoid rounds two logits to one score, torch's max
		** over scores keeps the first class that has it. */
		if (s == 1.f)
			for (int c = 0; c < d->cls[a]; c++)
				if (dec_sigmoid(cls[(size_t)c * n + a]) == s) {
					d->cls[a] = c;
					break;
				}
		dec_box(d, head, a, xywh);
		o = &out[k++];
		o->box[0] = xywh[0] - xywh[2] / 2;
		o->box[1] = xywh[1] - xywh[3] / 2;
		o->box[2] = xywh[0] + xywh[2] / 2;
		o->box[3] = xywh[1] + xywh[3] / 2;
		o->score = s;
		o->cls = d->cls[a];
		o->anchor = (int)a;
	}
	return k;
}
