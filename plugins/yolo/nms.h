/*
** nms.h - ultralytics' non_max_suppression for YOLOv8 detection:
** candidates above conf, best class, class-aware greedy IoU NMS.
*/
#ifndef YOLO_NMS_H
#define YOLO_NMS_H

#include <stddef.h>

#include "decode.h"

/* Settings, as ultralytics' predict defaults in YOLO_NMS_DEFAULTS. */
struct yolo_nms_cfg {
	float conf;	/* keep scores > conf (compared in float, as torch) */
	double iou;	/* suppress IoU > iou (compared in double, as torchvision) */
	int max_det;	/* keep at most this many */
	int max_nms;	/* the best this many candidates go into NMS */
	float max_wh;	/* class offset of class-aware NMS, in pixels */
};
#define YOLO_NMS_DEFAULTS \
	{ .conf = 0.25f, .iou = 0.7, .max_det = 300, .max_nms = 30000, \
	  .max_wh = 7680.f }

/*
** Scratch for up to `cap` candidates of `nc` classes; one per thread.
** yolo_nms_init returns 0, or -1 (nothing allocated) on bad sizes or no
** memory; yolo_nms_fini frees it.
*/
struct yolo_nms {
	size_t cap;
	int nc;
	unsigned *key, *tmp;	/* radix sort keys */
	unsigned *idx, *idx2;	/* candidate order */
	float *best;		/* select: each anchor's best score */
	int *bcls;		/* and its class */
	int *head;		/* per class: last kept of the class, or -1 */
	/* Kept boxes (offset by class), their areas and class chains. */
	float *kbox;
	float *karea;
	int *knext;
};
int yolo_nms_init(struct yolo_nms *w, size_t cap, int nc);
void yolo_nms_fini(struct yolo_nms *w);

/*
** Non_max_suppression's first steps on a decoded prediction (4 + nc rows
** of n <= w->cap anchors, nc = w->nc: cx, cy, w, h, scores, as
** yolo_decode writes): the anchors
** whose best score is above cfg->conf, their boxes as xyxy, into out
** (room for n) in anchor order.  Returns how many.
*/
size_t yolo_nms_select(struct yolo_nms *w, const float *pred, size_t n,
	    const struct yolo_nms_cfg *cfg, struct yolo_det *out);

/*
** Greedy class-aware NMS of n candidates (n <= w->cap, classes < w->nc)
** as torchvision.ops.nms on boxes offset by cls * max_wh: by score,
** higher first, equal scores in candidate order (torchvision's CPU
** kernel sorts stably); a candidate is kept unless a kept box of its
** class overlaps it by IoU > cfg->iou; the first max_det kept.  Only the
** best cfg->max_nms go in.  Writes the kept detections to out (room for
** max_det) best first and returns how many.
*/
size_t yolo_nms_run(struct yolo_nms *w, const struct yolo_nms_cfg *cfg,
	    const struct yolo_det *cand, size_t n, struct yolo_det *out);

#endif /* YOLO_NMS_H */
