/*
** letterbox.h - ultralytics' LetterBox for a square model input: resize
** keeping the aspect ratio, pad with 114, BGR or RGB to RGB, HWC to CHW,
** /255 into floats; and the map from model-input boxes back to the frame.
*/
#ifndef YOLO_LETTERBOX_H
#define YOLO_LETTERBOX_H

#include <stddef.h>
#include <stdint.h>

/* Pixel order of the source frame. */
enum yolo_order {
	YOLO_BGR,	/* OpenCV's, what ultralytics' predictor takes */
	YOLO_RGB
};

/*
** The plan for one frame size (src_w x src_h) into an imgsz x imgsz
** input, and its interpolation tables.  Fill with yolo_letterbox_init,
** free with yolo_letterbox_fini; yolo_letterbox_run writes into the
** tables' row buffers, so one per thread.
*/
struct yolo_letterbox {
	int src_w, src_h, imgsz;
	double gain;		/* r = min(imgsz / h, imgsz / w) */
	int new_w, new_h;	/* round(w r), round(h r), at least 1 */
	int top, left;		/* round(pad / 2 - 0.1) */
	/* Interpolation: source column (in bytes, 3 channels) and 11-bit
	** weights per output column, source row and weights per output row. */
	int *xofs;
	int16_t *alpha;		/* 2 per output column */
	int *yofs;
	int16_t *beta;		/* 2 per output row */
	int *rows;		/* two horizontally resized rows, 3 new_w each */
};

/*
** Plans the letterbox of a src_w x src_h frame into imgsz x imgsz.
** Returns 0, or -1 (nothing allocated) when a size is not positive or
** too large (over 65536), or memory runs out.
*/
int yolo_letterbox_init(struct yolo_letterbox *lb, int src_w, int src_h,
	    int imgsz);
void yolo_letterbox_fini(struct yolo_letterbox *lb);

/*
** Letterboxes one frame: src is src_h rows of src_w packed 3-byte pixels,
** `stride` bytes apart, in `order`; out is 3 x imgsz x imgsz floats,
** channels R, G, B, each value / 255.  The resize is cv2.resize
** INTER_LINEAR's on uint8 (half-pixel centres, 11-bit fixed-point
** weights, the rounding of its x86 SIMD rows): equal to cv2 5.1's on the
** fixture, level for level.
*/
void yolo_letterbox_run(struct yolo_letterbox *lb, const uint8_t *src,
	    size_t stride, enum yolo_order order, float *out);

/*
** Maps n boxes (x1, y1, x2, y2, `step` floats apart) from the model
** input back to the frame in place, as ultralytics' scale_boxes does:
** minus the pad, over the per-axis gain of the rounded size, clipped to
** the frame.
*/
void yolo_letterbox_unmap(const struct yolo_letterbox *lb, float *boxes,
	    size_t n, size_t step);

#endif /* YOLO_LETTERBOX_H */
