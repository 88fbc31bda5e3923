/*
** decode.h - YOLOv8's Detect head output decoded on the host: anchors,
** DFL softmax, boxes in input pixels, sigmoid class scores.
*/
#ifndef YOLO_DECODE_H
#define YOLO_DECODE_H

#include <stddef.h>

/* Bins per box side (reg_max): the head has 4 * YOLO_REG_MAX box rows. */
#define YOLO_REG_MAX 16

/* One detection or NMS candidate: a box (x1, y1, x2, y2) in model-input
** pixels, its best class score and class, and its anchor. */
struct yolo_det {
	float box[4];
	float score;
	int cls;
	int anchor;
};

/*
** The anchors of one input size and the scratch of one image's decode.
** yolo_decoder_init fills it; yolo_decoder_fini frees it.  Decoding
** writes the scratch: one decoder per thread.
*/
struct yolo_decoder {
	int imgsz, nc;
	size_t anchors;		/* (imgsz/8)^2 + (imgsz/16)^2 + (imgsz/32)^2 */
	float *ax, *ay;		/* anchor centres in grid units */
	float *stride;
	float *best;		/* scratch: each anchor's best class logit */
	int *cls;		/* scratch: its class */
};

/*
** Returns the anchors of an imgsz input (imgsz a positive multiple of
** 32), or 0.
*/
size_t yolo_anchors(int imgsz);

/*
** Prepares the decode of a (4 * 16 + nc, anchors) head for imgsz.
** Returns 0, or -1 (nothing allocated) when imgsz is not a positive
** multiple of 32, nc is not in 1..65535, or memory runs out.
*/
int yolo_decoder_init(struct yolo_decoder *d, int imgsz, int nc);
void yolo_decoder_fini(struct yolo_decoder *d);

/*
** Decodes one image's raw head (64 + nc rows of `anchors` floats) into
** what ultralytics' Detect returns in inference: 4 + nc rows of anchors,
** cx, cy, w, h in input pixels, then the nc sigmoid scores.
*/
void yolo_decode(const struct yolo_decoder *d, const float *head,
	    float *out);

/*
** Decodes only the anchors whose best sigmoid score is above conf (as
** non_max_suppression's first filter), into out (room for `anchors`), in
** anchor order, boxes as ultralytics' xywh2xyxy of the decoded xywh.
** Returns how many.
*/
size_t yolo_decode_candidates(struct yolo_decoder *d, const float *head,
	    float conf, struct yolo_det *out);

/*
** cls.max(1) over nc rows of n values (sc[c * n + a]): each column's
** largest value into best[a] and the first row that has it into bcls[a].
** The scan of every class score is most of NMS's time: vectorised.
*/
void yolo_best_class(float *best, int *bcls, const float *sc, size_t n,
	    int nc);

#endif /* YOLO_DECODE_H */
