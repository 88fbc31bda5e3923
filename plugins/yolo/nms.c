/*
** nms.c - ultralytics' non_max_suppression (predict defaults, best
** class per box, class-aware), bit for bit with torchvision's CPU NMS:
** sorted once, IoU computed on the fly against the kept boxes of the
** candidate's class only, stopping at max_det.
*/
#include <stdlib.h>
#include <string.h>

#include "nms.h"

/* Radix sort: 3 passes of 11 bits over 32-bit keys. */
#define NMS_RADIX_BITS 11
#define NMS_RADIX (1u << NMS_RADIX_BITS)


int
yolo_nms_init(struct yolo_nms *w, size_t cap, int nc)
{
	memset(w, 0, sizeof *w);
	if (cap < 1 || cap > (size_t)1 << 30 || nc < 1 || nc > 65535)
		return -1;
	w->cap = cap;
	w->nc = nc;
	w->key = malloc(cap * sizeof *w->key);
	w->tmp = malloc(cap * sizeof *w->tmp);
	w->idx = malloc(cap * sizeof *w->idx);
	w->idx2 = malloc(cap * sizeof *w->idx2);
	w->best = malloc(cap * sizeof *w->best);
	w->bcls = malloc(cap * sizeof *w->bcls);
	w->head = malloc((size_t)nc * sizeof *w->head);
	w->kbox = malloc(4 * cap * sizeof *w->kbox);
	w->karea = malloc(cap * sizeof *w->karea);
	w->knext = malloc(cap * sizeof *w->knext);
	if (w->key == NULL || w->tmp == NULL || w->idx == NULL ||
	    w->idx2 == NULL || w->best == NULL || w->bcls == NULL ||
	    w->head == NULL || w->kbox == NULL || w->karea == NULL ||
	    w->knext == NULL) {
		yolo_nms_fini(w);
		return -1;
	}
	for (int c = 0; c < nc; c++)
		w->head[c] = -1;
	return 0;
}

void
yolo_nms_fini(struct yolo_nms *w)
{
	free(w->key);
	free(w->tmp);
	free(w->idx);
	free(w->idx2);
	free(w->best);
	free(w->bcls);
	free(w->head);
	free(w->kbox);
	free(w->karea);
	free(w->knext);
	memset(w, 0, sizeof *w);
}

size_t
yolo_nms_select(struct yolo_nms *w, const float *pred, size_t n,
    const struct yolo_nms_cfg *cfg, struct yolo_det *out)
{
	size_t k = 0;

	yolo_best_class(w->best, w->bcls, pred + 4 * n, n, w->nc);
	for (size_t a = 0; a < n; a++) {
		struct yolo_det *o;
		float hw, hh;

		if (!(w->best[a] > cfg->conf))
			continue;
		/* xywh2xyxy */
		hw = pred[2 * n + a] / 2;
		hh = pred[3 * n + a] / 2;
		o = &out[k++];
		o->box[0] = pred[a] - hw;
		o->box[1] = pred[n + a] - hh;
		o->box[2] = pred[a] + hw;
		o->box[3] = pred[n + a] + hh;
		o->score = w->best[a];
		o->cls = w->bcls[a];
		o->anchor = (int)a;
	}
	return k;
}

/* A key whose ascending order is the scores' descending order. */
static unsigned
nms_key(float score)
{
	unsigned u;

	memcpy(&u, &score, sizeof u);
	u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
	return ~u;
}

/* Stable LSD radix sort of w->idx[0..n) by w->key: equal scores keep the
** candidates' order, as torchvision's stable sort. */
static void
nms_sort(struct yolo_nms *w, size_t n)
{
	size_t count[NMS_RADIX];
	unsigned *k = w->key, *kt = w->tmp, *ix = w->idx, *it = w->idx2;

	for (unsigned shift = 0; shift < 32; shift += NMS_RADIX_BITS) {
		size_t sum = 0;

		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(k[i] >> shift) & (NMS_RADIX - 1)]++;
		for (size_t b = 0; b < NMS_RADIX; b++) {
			size_t c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t p = count[(k[i] >> shift) & (NMS_RADIX - 1)]++;

			kt[p] = k[i];
			it[p] = ix[i];
		}
		unsigned *t = k;

		k = kt;
		kt = t;
		t = ix;
		ix = it;
		it = t;
	}
	/* Three passes: the sorted order is in the second buffers. */
	if (ix != w->idx)
		memcpy(w->idx, ix, n * sizeof *ix);
}

/*
** Whether box b (offset, area ba) overlaps kept box k by more than iou,
** computed as torchvision's nms_kernel does, in float, then the ratio
** against the double threshold.
*/
static int
nms_overlaps(const float *kb, float ka, const float *b, float ba,
    double iou)
{
	float xx1 = kb[0] < b[0] ? b[0] : kb[0];
	float xx2 = kb[2] < b[2] ? kb[2] : b[2];
	float yy1, yy2, iw, ih, inter;

	if (!(xx2 > xx1))
		return 0;	/* w = 0: IoU 0, or NaN if both areas are */
	yy1 = kb[1] < b[1] ? b[1] : kb[1];
	yy2 = kb[3] < b[3] ? kb[3] : b[3];
	if (!(yy2 > yy1))
		return 0;
	iw = xx2 - xx1;
	ih = yy2 - yy1;
	inter = iw * ih;
	return (double)(inter / (ka + ba - inter)) > iou;
}

size_t
yolo_nms_run(struct yolo_nms *w, const struct yolo_nms_cfg *cfg,
    const struct yolo_det *cand, size_t n, struct yolo_det *out)
{
	size_t m, kept = 0;
	float lo = 0, hi = 0;
	int all;

	if (n == 0 || cfg->max_det < 1)
		return 0;
	if (n > w->cap)
		n = w->cap;
	for (size_t i = 0; i < n; i++) {
		w->key[i] = nms_key(cand[i].score);
		w->idx[i] = (unsigned)i;
	}
	nms_sort(w, n);
	m = n < (size_t)cfg->max_nms ? n : (size_t)cfg->max_nms;

	/* Boxes of different classes are max_wh apart and cannot overlap
	** unless some box spans about that much: then every kept box is
	** compared, as torchvision compares them, not only the class's. */
	lo = cand[w->idx[0]].box[0];
	hi = cand[w->idx[0]].box[2];
	for (size_t i = 0; i < m; i++) {
		const float *b = cand[w->idx[i]].box;

		lo = b[0] < lo ? b[0] : lo;
		hi = b[2] > hi ? b[2] : hi;
	}
	all = !(hi - lo < cfg->max_wh - 16.f);

	for (size_t i = 0; i < m && kept < (size_t)cfg->max_det; i++) {
		const struct yolo_det *c = &cand[w->idx[i]];
		float off = (float)c->cls * cfg->max_wh, b[4], area;
		int supp = 0;

		if (c->cls < 0 || c->cls >= w->nc)
			continue;	/* not a class of this NMS */
		b[0] = c->box[0] + off;
		b[1] = c->box[1] + off;
		b[2] = c->box[2] + off;
		b[3] = c->box[3] + off;
		area = (b[2] - b[0]) * (b[3] - b[1]);
		if (all) {
			for (size_t k = 0; k < kept && !supp; k++)
				supp = nms_overlaps(w->kbox + 4 * k, w->karea[k],
				    b, area, cfg->iou);
		} else {
			for (int k = w->head[c->cls]; k >= 0 && !supp;
			    k = w->knext[k])
				supp = nms_overlaps(w->kbox + 4 * k, w->karea[k],
				    b, area, cfg->iou);
		}
		if (supp)
			continue;
		memcpy(w->kbox + 4 * kept, b, sizeof b);
		w->karea[kept] = area;
		w->knext[kept] = w->head[c->cls];
		w->head[c->cls] = (int)kept;
		out[kept++] = *c;
	}
	for (size_t k = 0; k < kept; k++)
		w->head[out[k].cls] = -1;
	return kept;
}
