/*
** pipeline.c - the yolo.pipeline probe's work: an H.264 clip (the
** probe's own, or the user's) decoded, converted to BGR, letterboxed,
** through the network a batch at a time, its head decoded and NMS'd,
** each stage timed.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "decode.h"
#include "heavy.h"
#include "letterbox.h"
#include "model.h"
#include "model_params.h"
#include "nms.h"
#include "pipeline.h"
#include "video.h"

enum stage { DECODE, CONVERT, LETTERBOX, INFER, NMS, NSTAGES };

static const char *const stage_metric[NSTAGES] = {
	"decode_s", "convert_s", "letterbox_s", "infer_s", "nms_s"
};

struct pipe {
	struct video_dec	*dec;
	struct video_conv	*conv;
	uint8_t			*bgr;
	int			 width, height, stride;
	int			 full;		/* stages=all */
	int			 batch;
	/* The network and its pre- and post-processing (stages=all). */
	struct yolo_model	 m;
	struct yolo_letterbox	 lb;
	struct yolo_decoder	 yd;
	struct yolo_nms		 nms;
	struct yolo_nms_cfg	 cfg;
	int			 have_m, have_lb, have_yd, have_nms;
	float			*x, *y;
	size_t			 in_img, out_img;	/* floats per image */
	struct yolo_det		*cand, *kept;
	/* Seconds in each stage and frames, over the measured run. */
	double			 total[NSTAGES];
	uint64_t		 frames;
};

static void
pipe_free(struct pipe *p)
{
	video_dec_close(p->dec);
	video_conv_free(p->conv);
	free(p->bgr);
	if (p->have_nms)
		yolo_nms_fini(&p->nms);
	if (p->have_yd)
		yolo_decoder_fini(&p->yd);
	if (p->have_lb)
		yolo_letterbox_fini(&p->lb);
	if (p->have_m)
		yolo_free(&p->m);
	free(p->x);
	free(p->y);
	free(p->cand);
	free(p->kept);
	free(p);
}

/* The clip to decode: the user's, or the probe's own made now in its
** scratch directory. */
static int
clip_path(const struct dyno_host *h, struct dyno_ctx *ctx, char *path,
    size_t n, struct video_clip *c)
{
	const char *user = h->param_str(ctx, "clip");
	char err[512], what[160];
	uint64_t t0;

	c->width = (int)h->param_int(ctx, "width");
	c->height = (int)h->param_int(ctx, "height");
	c->frames = (int)h->param_int(ctx, "frames");
	c->fps = (int)h->param_int(ctx, "fps");
	c->crf = (int)h->param_int(ctx, "crf");
	if (user[0] != '\0') {
		snprintf(path, n, "%s", user);
		c->frames = 0;	/* unknown */
		return DYNO_OK;
	}
	if (c->width % 2 != 0 || c->height % 2 != 0)
		return h->fail(ctx, "width %d, height %d: H.264 4:2:0 needs "
		    "even sizes", c->width, c->height);
	if ((size_t)snprintf(path, n, "%s/clip.h264", h->scratch_dir(ctx)) >= n)
		return h->fail(ctx, "scratch directory path too long");
	t0 = h->now_ns();
	if (video_encode(path, c, err, sizeof(err)) < 0)
		return h->skip(ctx, "cannot make the clip: %s", err);
	snprintf(what, sizeof(what), "%.1f s", (h->now_ns() - t0) / 1e9);
	h->artifact(ctx, "clip_encode", what);
	return DYNO_OK;
}

/*
** Decodes the clip once, whole: a corrupt file fails here, before any
** measurement; the converter is made for the decoder's frames; the
** probe's own clip is checked frame by frame against what was encoded.
** Then rewinds.
*/
static int
check_clip(const struct dyno_host *h, struct dyno_ctx *ctx, struct pipe *p,
    const char *path, const struct video_clip *c)
{
	char err[512], what[256];
	double psnr, worst = INFINITY;
	uint64_t n = 0;
	AVFrame *f;
	int rc, fmt = -1;

	while ((rc = video_dec_next(p->dec, 0, &f, err, sizeof(err))) == 1) {
		if (n == 0) {
			p->width = f->width;
			p->height = f->height;
			fmt = f->format;
			p->conv = video_conv_new(f->width, f->height, f->format,
			    err, sizeof(err));
			if (p->conv == NULL)
				return h->fail(ctx, "%s: %s", path, err);
			p->stride = 3 * f->width;
			p->bgr = malloc((size_t)p->stride * (size_t)f->height);
			if (p->bgr == NULL)
				return h->fail(ctx, "out of memory");
		} else if (f->width != p->width || f->height != p->height ||
		    f->format != fmt)
			return h->fail(ctx, "%s: frame %llu is %dx%d, the first "
			    "%dx%d: expected one size and format", path,
			    (unsigned long long)n, f->width, f->height,
			    p->width, p->height);
		if (video_conv_run(p->conv, f, p->bgr, p->stride) < 0)
			return h->fail(ctx, "%s: frame %llu: conversion to BGR "
			    "failed", path, (unsigned long long)n);
		if (c->frames > 0 && (psnr = video_psnr(f, (int)n)) >= 0 &&
		    psnr < worst)
			worst = psnr;
		n++;
	}
	if (rc < 0)
		return h->fail(ctx, "%s", err);
	if (n == 0)
		return h->fail(ctx, "%s: no frame decoded; expected a raw "
		    "H.264 (Annex-B) stream", path);
	if (c->frames > 0 && n != (uint64_t)c->frames)
		return h->fail(ctx, "%s: %llu frames decoded, %d encoded", path,
		    (unsigned long long)n, c->frames);
	if (c->frames > 0 && isfinite(worst))
		snprintf(what, sizeof(what), "%dx%d, %llu frames at %d fps, "
		    "libx264 CRF %d; worst frame PSNR %.1f dB", p->width,
		    p->height, (unsigned long long)n, c->fps, c->crf, worst);
	else
		snprintf(what, sizeof(what), "%s: %dx%d, %llu frames", path,
		    p->width, p->height, (unsigned long long)n);
	h->artifact(ctx, "clip", what);
	video_dec_rewind(p->dec);
	return DYNO_OK;
}

/* Opens the decoder the parameters ask for; NVDEC's absence is a note
** (decoder=auto) or a skip (decoder=nvdec). */
static int
open_decoder(const struct dyno_host *h, struct dyno_ctx *ctx,
    struct pipe *p, const char *path, const struct video_clip *c)
{
	const char *which = h->param_str(ctx, "decoder");
	int cuda = strcmp(h->param_str(ctx, "device"), "cuda") == 0;
	int threads = (int)h->param_int(ctx, "decode_threads");
	char err[512], note[600], what[64];

	if (strcmp(which, "nvdec") == 0 ||
	    (strcmp(which, "auto") == 0 && cuda)) {
		p->dec = video_dec_open(path, VIDEO_DEC_NVDEC, 1, err,
		    sizeof(err));
		if (p->dec != NULL && check_clip(h, ctx, p, path, c) == DYNO_OK)
			goto opened;
		if (p->dec == NULL && strcmp(which, "nvdec") == 0)
			return h->skip(ctx, "NVDEC: %s", err);
		if (p->dec != NULL)
			return DYNO_FAIL;	/* check_clip said why */
		snprintf(note, sizeof(note), "skipped: %s; decoding on the "
		    "CPU", err);
		h->artifact(ctx, "nvdec", note);
	} else if (cuda)
		h->artifact(ctx, "nvdec", "skipped: decoder=cpu");
	p->dec = video_dec_open(path, VIDEO_DEC_CPU, threads, err, sizeof(err));
	if (p->dec == NULL)
		return h->fail(ctx, "%s", err);
	if (check_clip(h, ctx, p, path, c) != DYNO_OK)
		return DYNO_FAIL;
opened:
	snprintf(what, sizeof(what), "%s, %d threads", video_dec_name(p->dec),
	    video_dec_threads(p->dec));
	h->artifact(ctx, "decoder", what);
	return DYNO_OK;
}

/* The network and its pre- and post-processing, for the clip's frames. */
static int
open_network(const struct dyno_host *h, struct dyno_ctx *ctx,
    struct pipe *p)
{
	struct yolo_nms_cfg cfg = YOLO_NMS_DEFAULTS;
	int rc;

	rc = yolo_model_setup(h, ctx, p->batch,
	    (int)h->param_int(ctx, "threads"), &p->m);
	if (rc != DYNO_OK)
		return rc;
	p->have_m = 1;
	p->cfg = cfg;
	if (yolo_letterbox_init(&p->lb, p->width, p->height,
	    p->m.imgsz) < 0)
		return h->fail(ctx, "letterbox of %dx%d frames into %d: "
		    "sizes out of range or out of memory", p->width, p->height,
		    p->m.imgsz);
	p->have_lb = 1;
	if (yolo_decoder_init(&p->yd, p->m.imgsz, p->m.nc) < 0)
		return h->fail(ctx, "out of memory");
	p->have_yd = 1;
	if (yolo_nms_init(&p->nms, (size_t)p->m.anchors, p->m.nc) < 0)
		return h->fail(ctx, "out of memory");
	p->have_nms = 1;
	p->in_img = yolo_in_len(&p->m) / (size_t)p->batch;
	p->out_img = yolo_out_len(&p->m) / (size_t)p->batch;
	p->x = malloc(yolo_in_len(&p->m) * sizeof(*p->x));
	p->y = malloc(yolo_out_len(&p->m) * sizeof(*p->y));
	p->cand = malloc((size_t)p->m.anchors * sizeof(*p->cand));
	p->kept = malloc((size_t)cfg.max_det * sizeof(*p->kept));
	if (p->x == NULL || p->y == NULL || p->cand == NULL || p->kept == NULL)
		return h->fail(ctx, "out of memory");
	return DYNO_OK;
}

static int
pipeline_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    void **state)
{
	struct video_clip c;
	struct pipe *p;
	char path[4096];
	int rc;

	video_log_quiet();
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return h->fail(ctx, "out of memory");
	p->full = strcmp(h->param_str(ctx, "stages"), "all") == 0;
	p->batch = (int)h->param_int(ctx, "batch");
	if ((rc = clip_path(h, ctx, path, sizeof(path), &c)) != DYNO_OK ||
	    (rc = open_decoder(h, ctx, p, path, &c)) != DYNO_OK ||
	    (p->full && (rc = open_network(h, ctx, p)) != DYNO_OK)) {
		pipe_free(p);
		return rc;
	}
	*state = p;
	return DYNO_OK;
}

static void
pipeline_teardown(const struct dyno_host *h, struct dyno_ctx *ctx,
    void *state)
{
	(void)h;
	(void)ctx;
	pipe_free(state);
}

/* One batch of frames through every stage; the seconds of each in t. */
static int
one_batch(const struct dyno_host *h, struct dyno_ctx *ctx, struct pipe *p,
    double t[NSTAGES])
{
	char err[512];
	AVFrame *f;
	uint64_t t0, t1;
	size_t n;
	int i;

	memset(t, 0, NSTAGES * sizeof(*t));
	for (i = 0; i < p->batch; i++) {
		t0 = h->now_ns();
		if (video_dec_next(p->dec, 1, &f, err, sizeof(err)) != 1)
			return h->fail(ctx, "%s", err);
		t1 = h->now_ns();
		t[DECODE] += (t1 - t0) / 1e9;
		if (video_conv_run(p->conv, f, p->bgr, p->stride) < 0)
			return h->fail(ctx, "frame %llu: conversion to BGR "
			    "failed", (unsigned long long)video_dec_count(p->dec));
		t0 = h->now_ns();
		t[CONVERT] += (t0 - t1) / 1e9;
		if (!p->full)
			continue;
		yolo_letterbox_run(&p->lb, p->bgr, (size_t)p->stride, YOLO_BGR,
		    p->x + (size_t)i * p->in_img);
		t[LETTERBOX] += (h->now_ns() - t0) / 1e9;
	}
	if (!p->full)
		return DYNO_OK;
	t0 = h->now_ns();
	if (yolo_forward(&p->m, p->x, p->y, err, sizeof(err)) < 0)
		return h->fail(ctx, "%s", err);
	t1 = h->now_ns();
	t[INFER] = (t1 - t0) / 1e9;
	for (i = 0; i < p->batch; i++) {
		n = yolo_decode_candidates(&p->yd, p->y + (size_t)i * p->out_img,
		    p->cfg.conf, p->cand);
		n = yolo_nms_run(&p->nms, &p->cfg, p->cand, n, p->kept);
		yolo_letterbox_unmap(&p->lb, p->kept[0].box, n,
		    sizeof(*p->kept) / sizeof(float));
	}
	t[NMS] = (h->now_ns() - t1) / 1e9;
	return DYNO_OK;
}

static int
pipeline_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct pipe *p = state;
	double t[NSTAGES], all, worst = -1;
	char what[128];
	int s, bound = DECODE, nstages = p->full ? NSTAGES : LETTERBOX;

	/* One unmeasured batch: the decoder's threads and the network's
	** first touches. */
	if (one_batch(h, ctx, p, t) != DYNO_OK)
		return DYNO_FAIL;
	do {
		uint64_t t0 = h->now_ns();

		if (one_batch(h, ctx, p, t) != DYNO_OK)
			return DYNO_FAIL;
		all = (h->now_ns() - t0) / 1e9;
		h->record(ctx, "fps", p->batch / all);
		for (s = 0; s < nstages; s++) {
			h->record(ctx, stage_metric[s], t[s] / p->batch);
			p->total[s] += t[s];
		}
		p->frames += (uint64_t)p->batch;
	} while (!h->should_stop(ctx));
	/* One frame after another, the slowest stage bounds the rate. */
	for (all = 0, s = 0; s < nstages; s++) {
		all += p->total[s];
		if (p->total[s] > worst) {
			worst = p->total[s];
			bound = s;
		}
	}
	snprintf(what, sizeof(what), "%.*s (%.0f%% of the time per frame)",
	    (int)(strlen(stage_metric[bound]) - 2), stage_metric[bound],
	    all > 0 ? 100 * worst / all : 0);
	h->artifact(ctx, "bound_by", what);
	return DYNO_OK;
}

const struct heavy_probe yolo_pipeline_impl = {
	.name = "pipeline",
	.setup = pipeline_setup,
	.teardown = pipeline_teardown,
	.run = pipeline_run,
};
