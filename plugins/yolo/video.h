/*
** video.h - yolo.pipeline's video: the probe's own H.264 clip (a
** synthetic moving pattern encoded with libavcodec's libx264), its
** decoder (libavcodec, decode_threads threads, or NVDEC) and the
** conversion of decoded frames to BGR24 (libswscale).  Linked into the
** implementation library only (heavy.h): never in `dyno list`.
*/
#ifndef YOLO_VIDEO_H
#define YOLO_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include <libavutil/frame.h>

/* libavcodec's and libx264's messages to stderr: errors only (the
** process's log level; probes and tests call it once). */
void	video_log_quiet(void);

/* The clip the probe makes: its size, length, rate and x264's CRF. */
struct video_clip {
	int	width, height;	/* even */
	int	frames;
	int	fps;
	int	crf;		/* 0 (lossless) .. 51 */
};

/*
** Frame i of the synthetic clip, YUV 4:2:0 (planes[0..2] with their
** strides): gradients, a panning textured background and boxes moving
** across it, so the encoder meets motion and detail as in real footage.
** A pure function of (i, width, height): tests compare decoded frames
** against it.
*/
void	video_synth_frame(int i, int width, int height, uint8_t *const planes[3],
	    const int strides[3]);

/*
** Encodes clip c as a raw Annex-B H.264 stream into path with libx264
** (preset veryfast, a key frame every 2 s, x264's B-frames): written to
** path.tmp and renamed, so path is whole or absent.  0, or -1 with one
** line in err (no libx264 in this libavcodec, a write error).
*/
int	video_encode(const char *path, const struct video_clip *c, char *err,
	    size_t errlen);

/* Which decoder video_dec_open uses. */
enum video_decoder {
	VIDEO_DEC_CPU,		/* libavcodec's h264, with threads */
	VIDEO_DEC_NVDEC		/* h264_cuvid: NVDEC, frames to host (NV12) */
};

struct video_dec;

/*
** Opens the raw H.264 stream in path: reads it whole, splits it into
** packets (libavcodec's parser) and opens the decoder with `threads`
** threads (0: libavcodec's choice; frame and slice threading).  Decoding
** errors are fatal (err_recognition explode), so a corrupt clip fails
** instead of giving damaged frames.  NULL with one line in err naming
** path.
*/
struct video_dec *video_dec_open(const char *path, enum video_decoder which,
	    int threads, char *err, size_t errlen);

/*
** The next frame in display order, borrowed until the next call: 1 and
** *frame set, 0 at the end of the stream (loop 0) or -1 with one line
** in err naming the file and the frame.  With loop set the stream is
** fed again from its start, never drained: a camera that never stops
** (the clip's GOPs are closed, so the joins decode as they are).
*/
int	video_dec_next(struct video_dec *d, int loop, AVFrame **frame,
	    char *err, size_t errlen);

/* Back to the stream's first packet, the decoder flushed (after a pass
** that ended, or to drop what it holds). */
void	video_dec_rewind(struct video_dec *d);

/* Frames returned since open. */
uint64_t video_dec_count(const struct video_dec *d);

/* The decoder's name ("h264", "h264_cuvid") and its threads. */
const char *video_dec_name(const struct video_dec *d);
int	video_dec_threads(const struct video_dec *d);

void	video_dec_close(struct video_dec *d);

struct video_conv;

/*
** A converter of width x height frames of pixel format fmt (an
** AVPixelFormat: YUV420P from libavcodec, NV12 from NVDEC) to packed
** BGR24, as OpenCV hands frames to ultralytics.  NULL with err set.
*/
struct video_conv *video_conv_new(int width, int height, int fmt, char *err,
	    size_t errlen);

/* Converts f into bgr (height rows of stride bytes, stride >= 3 width). */
int	video_conv_run(struct video_conv *c, const AVFrame *f, uint8_t *bgr,
	    int stride);

void	video_conv_free(struct video_conv *c);

/*
** PSNR in dB of frame f against frame i of the synthetic clip, over all
** samples of the three planes (peak 255); INFINITY when identical.
** f must be YUV420P of the clip's size; -1 otherwise.
*/
double	video_psnr(const AVFrame *f, int i);

#endif /* YOLO_VIDEO_H */
