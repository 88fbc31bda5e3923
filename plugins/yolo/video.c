/*
** video.c - yolo.pipeline's clip: synthesis, H.264 encoding with
** libx264, decoding with libavcodec (threads or NVDEC) and conversion to
** BGR24 with libswscale.
*/
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "video.h"

struct video_dec {
	char		 *path;
	AVCodecContext	 *ctx;
	AVFrame		 *frame;
	AVPacket	**pkts;
	size_t		  npkts;
	size_t		  next;		/* the packet to send next */
	size_t		  dry;		/* packets sent since the last frame */
	int		  drained;	/* the end of the stream was sent */
	uint64_t	  count;
};

struct video_conv {
	struct SwsContext *sws;
	int		   width, height, fmt;
};

/* err = the formatted head, ": ", libavcodec's words for rc. */
static void averr(char *, size_t, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
averr(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	char what[AV_ERROR_MAX_STRING_SIZE];
	va_list ap;
	size_t n;

	av_strerror(rc, what, sizeof(what));
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (n < errlen)
		snprintf(err + n, errlen - n, ": %s", what);
}

void
video_log_quiet(void)
{
	av_log_set_level(AV_LOG_ERROR);
}

/* A smooth pseudo-random texture: bilinear value noise on 8-pixel
** cells, 0..255.  x and y are never negative. */
static int
texture(unsigned x, unsigned y)
{
	unsigned cx = x >> 3, cy = y >> 3, fx = x & 7, fy = y & 7;
	unsigned v[4], k;

	for (k = 0; k < 4; k++) {
		uint32_t h = (cx + (k & 1)) * 0x9e3779b1u ^
		    (cy + (k >> 1)) * 0x85ebca77u;

		h ^= h >> 15;
		h *= 0x2c1b3c6du;
		h ^= h >> 12;
		v[k] = h & 255;
	}
	return (int)(((8 - fx) * (8 - fy) * v[0] + fx * (8 - fy) * v[1] +
	    (8 - fx) * fy * v[2] + fx * fy * v[3]) / 64);
}

/* Box k's rectangle in frame i: moving at its own speed, bouncing off
** the edges (a triangle wave), so nothing jumps. */
static void
box_at(int k, int i, int width, int height, int *x0, int *y0, int *bw,
    int *bh)
{
	int rx, ry, px, py;

	*bw = width / 8 + k * width / 40;
	*bh = height / 6 + k * height / 50;
	rx = width - *bw;
	ry = height - *bh;
	px = (k * width / 4 + i * (4 + 3 * k)) % (2 * rx);
	py = (k * height / 5 + i * (2 + k)) % (2 * ry);
	*x0 = px < rx ? px : 2 * rx - px;
	*y0 = py < ry ? py : 2 * ry - py;
}

static uint8_t
clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void
video_synth_frame(int i, int width, int height, uint8_t *const planes[3],
    const int strides[3])
{
	static const int box_y[4] = { 30, 220, 90, 180 };
	static const int box_u[4] = { 90, 160, 200, 60 };
	static const int box_v[4] = { 200, 70, 120, 150 };
	int x, y, k;

	/* Background: gradients and a texture panning right and down. */
	for (y = 0; y < height; y++)
		for (x = 0; x < width; x++)
			planes[0][y * strides[0] + x] = clamp8(40 +
			    100 * x / width + 60 * y / height +
			    (texture((unsigned)(x + 2 * i),
			    (unsigned)(y + i)) - 128) * 3 / 8);
	for (y = 0; y < height / 2; y++)
		for (x = 0; x < width / 2; x++) {
			planes[1][y * strides[1] + x] =
			    clamp8(108 + 40 * x / (width / 2));
			planes[2][y * strides[2] + x] =
			    clamp8(148 - 40 * y / (height / 2));
		}
	/* Four boxes of flat colour with a little texture of their own. */
	for (k = 0; k < 4; k++) {
		int x0, y0, bw, bh;

		box_at(k, i, width, height, &x0, &y0, &bw, &bh);
		for (y = y0; y < y0 + bh; y++)
			for (x = x0; x < x0 + bw; x++)
				planes[0][y * strides[0] + x] = clamp8(box_y[k]
				    + (texture((unsigned)(x - x0) * 2,
				    (unsigned)(y - y0) * 2) - 128) / 8);
		for (y = y0 / 2; y < (y0 + bh) / 2; y++)
			for (x = x0 / 2; x < (x0 + bw) / 2; x++) {
				planes[1][y * strides[1] + x] = (uint8_t)box_u[k];
				planes[2][y * strides[2] + x] = (uint8_t)box_v[k];
			}
	}
}

/* Sends f (NULL: the end) and writes every packet out. */
static int
encode_send(AVCodecContext *ctx, AVFrame *f, AVPacket *pkt, FILE *out,
    const char *tmp, char *err, size_t errlen)
{
	int rc = avcodec_send_frame(ctx, f);

	if (rc < 0) {
		averr(err, errlen, rc, "%s: encoding frame %ld", tmp,
		    f != NULL ? (long)f->pts : -1L);
		return -1;
	}
	while ((rc = avcodec_receive_packet(ctx, pkt)) >= 0) {
		size_t n = (size_t)pkt->size;
		size_t w = fwrite(pkt->data, 1, n, out);

		av_packet_unref(pkt);
		if (w != n) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			return -1;
		}
	}
	if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) {
		averr(err, errlen, rc, "%s: encoding", tmp);
		return -1;
	}
	return 0;
}

int
video_encode(const char *path, const struct video_clip *c, char *err,
    size_t errlen)
{
	const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
	AVCodecContext *ctx = NULL;
	AVFrame *f = NULL;
	AVPacket *pkt = NULL;
	FILE *out = NULL;
	char tmp[4096], crf[16];
	int i, rc = -1;

	if (codec == NULL) {
		snprintf(err, errlen, "%s: this libavcodec has no libx264 "
		    "encoder (Debian's libavcodec59 has; a build without "
		    "--enable-libx264 has not)", path);
		return -1;
	}
	if (c->width < 16 || c->height < 16 || c->width % 2 != 0 ||
	    c->height % 2 != 0 || c->frames < 1 || c->fps < 1) {
		snprintf(err, errlen, "%s: clip %dx%d, %d frames at %d fps: "
		    "expected an even size of at least 16x16, frames and fps "
		    ">= 1", path, c->width, c->height, c->frames, c->fps);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((ctx = avcodec_alloc_context3(codec)) == NULL ||
	    (f = av_frame_alloc()) == NULL || (pkt = av_packet_alloc()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	ctx->width = c->width;
	ctx->height = c->height;
	ctx->pix_fmt = AV_PIX_FMT_YUV420P;
	ctx->time_base = (AVRational){ 1, c->fps };
	ctx->framerate = (AVRational){ c->fps, 1 };
	/* A key frame every 2 s, as streaming cameras send them. */
	ctx->gop_size = 2 * c->fps;
	ctx->thread_count = 0;
	snprintf(crf, sizeof(crf), "%d", c->crf);
	if (av_opt_set(ctx->priv_data, "preset", "veryfast", 0) < 0 ||
	    av_opt_set(ctx->priv_data, "crf", crf, 0) < 0) {
		snprintf(err, errlen, "%s: libx264 refused preset veryfast "
		    "or crf %s", path, crf);
		goto out;
	}
	if ((rc = avcodec_open2(ctx, codec, NULL)) < 0) {
		averr(err, errlen, rc, "%s: opening libx264", path);
		rc = -1;
		goto out;
	}
	rc = -1;
	f->format = AV_PIX_FMT_YUV420P;
	f->width = c->width;
	f->height = c->height;
	if (av_frame_get_buffer(f, 0) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if ((out = fopen(tmp, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < c->frames; i++) {
		/* The encoder may still hold the last frame's buffer. */
		if (av_frame_make_writable(f) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		video_synth_frame(i, c->width, c->height, f->data, f->linesize);
		f->pts = i;
		if (encode_send(ctx, f, pkt, out, tmp, err, errlen) < 0)
			goto out;
	}
	if (encode_send(ctx, NULL, pkt, out, tmp, err, errlen) < 0)
		goto out;
	if (fclose(out) != 0) {
		out = NULL;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	out = NULL;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (out != NULL)
		fclose(out);
	if (rc != 0)
		remove(tmp);
	av_packet_free(&pkt);
	av_frame_free(&f);
	avcodec_free_context(&ctx);
	return rc;
}

/* The whole file, with libavcodec's zeroed padding after it. */
static uint8_t *
slurp(const char *path, size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file; expected a raw H.264 "
		    "(Annex-B) stream", path);
		fclose(f);
		return NULL;
	}
	*n = (size_t)st.st_size;
	if ((buf = malloc(*n + AV_INPUT_BUFFER_PADDING_SIZE)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, *n, f) != *n) {
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	memset(buf + *n, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	return buf;
}

static int
add_packet(struct video_dec *d, const uint8_t *data, int n)
{
	AVPacket **p, *pkt;

	if ((p = realloc(d->pkts, (d->npkts + 1) * sizeof(*p))) == NULL)
		return -1;
	d->pkts = p;
	if ((pkt = av_packet_alloc()) == NULL)
		return -1;
	if (av_new_packet(pkt, n) < 0) {
		av_packet_free(&pkt);
		return -1;
	}
	memcpy(pkt->data, data, (size_t)n);
	d->pkts[d->npkts++] = pkt;
	return 0;
}

/* Splits the stream into packets, one per coded frame, once: decoding
** then measures the decoder, not the parser. */
static int
split(struct video_dec *d, const uint8_t *buf, size_t n, char *err,
    size_t errlen)
{
	AVCodecParserContext *p = av_parser_init(AV_CODEC_ID_H264);
	const uint8_t *data = buf;
	uint8_t *out;
	int outn, used, last = 0;

	if (p == NULL) {
		snprintf(err, errlen, "%s: libavcodec has no H.264 parser",
		    d->path);
		return -1;
	}
	while (!last) {
		int chunk = n > (1 << 20) ? 1 << 20 : (int)n;

		last = n == 0;
		used = av_parser_parse2(p, d->ctx, &out, &outn,
		    last ? NULL : data, chunk, AV_NOPTS_VALUE,
		    AV_NOPTS_VALUE, 0);
		if (used < 0) {
			averr(err, errlen, used, "%s: parsing H.264",
			    d->path);
			av_parser_close(p);
			return -1;
		}
		data += used;
		n -= (size_t)used;
		if (outn > 0 && add_packet(d, out, outn) < 0) {
			snprintf(err, errlen, "%s: out of memory", d->path);
			av_parser_close(p);
			return -1;
		}
	}
	av_parser_close(p);
	if (d->npkts == 0) {
		snprintf(err, errlen, "%s: no H.264 frame in it; expected a "
		    "raw H.264 (Annex-B) stream", d->path);
		return -1;
	}
	return 0;
}

struct video_dec *
video_dec_open(const char *path, enum video_decoder which, int threads,
    char *err, size_t errlen)
{
	const AVCodec *codec;
	struct video_dec *d;
	uint8_t *buf;
	size_t n;
	int rc;

	codec = which == VIDEO_DEC_NVDEC ?
	    avcodec_find_decoder_by_name("h264_cuvid") :
	    avcodec_find_decoder(AV_CODEC_ID_H264);
	if (codec == NULL) {
		snprintf(err, errlen, "%s: this libavcodec has no %s decoder",
		    path, which == VIDEO_DEC_NVDEC ? "h264_cuvid (NVDEC)" :
		    "H.264");
		return NULL;
	}
	/* libavcodec loads NVDEC's library when the decoder opens, and
	** says only EPERM when it is not there: name it. */
	if (which == VIDEO_DEC_NVDEC) {
		void *lib = dlopen("libnvcuvid.so.1", RTLD_NOW | RTLD_LOCAL);

		if (lib == NULL) {
			snprintf(err, errlen, "%s: no libnvcuvid.so.1 (the NVIDIA "
			    "driver's NVDEC library): %s", path, dlerror());
			return NULL;
		}
		dlclose(lib);
	}
	if ((buf = slurp(path, &n, err, errlen)) == NULL)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->path = strdup(path)) == NULL ||
	    (d->ctx = avcodec_alloc_context3(codec)) == NULL ||
	    (d->frame = av_frame_alloc()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (split(d, buf, n, err, errlen) < 0)
		goto fail;
	free(buf);
	buf = NULL;
	d->ctx->thread_count = which == VIDEO_DEC_NVDEC ? 1 : threads;
	d->ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
	/* A damaged stream is an error, never concealed frames. */
	d->ctx->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM |
	    AV_EF_BUFFER;
	if ((rc = avcodec_open2(d->ctx, codec, NULL)) < 0) {
		averr(err, errlen, rc, "%s: opening the %s decoder", path,
		    codec->name);
		goto fail;
	}
	return d;
fail:
	free(buf);
	video_dec_close(d);
	return NULL;
}

static int
dec_error(struct video_dec *d, int rc, char *err, size_t errlen)
{
	averr(err, errlen, rc, "%s: corrupt H.264 stream at frame %ld",
	    d->path, (long)d->count);
	return -1;
}

int
video_dec_next(struct video_dec *d, int loop, AVFrame **frame, char *err,
    size_t errlen)
{
	int rc;

	for (;;) {
		rc = avcodec_receive_frame(d->ctx, d->frame);
		if (rc == 0) {
			if (d->frame->decode_error_flags != 0 ||
			    (d->frame->flags & AV_FRAME_FLAG_CORRUPT))
				return dec_error(d, AVERROR_INVALIDDATA, err,
				    errlen);
			d->count++;
			d->dry = 0;
			*frame = d->frame;
			return 1;
		}
		if (rc == AVERROR_EOF)
			return 0;
		if (rc != AVERROR(EAGAIN))
			return dec_error(d, rc, err, errlen);
		if (d->next == d->npkts) {
			if (loop)
				d->next = 0;
			else if (!d->drained) {
				d->drained = 1;
				if ((rc = avcodec_send_packet(d->ctx,
				    NULL)) < 0)
					return dec_error(d, rc, err, errlen);
				continue;
			} else
				return 0;
		}
		rc = avcodec_send_packet(d->ctx, d->pkts[d->next]);
		if (rc < 0 && rc != AVERROR(EAGAIN))
			return dec_error(d, rc, err, errlen);
		if (rc == 0)
			d->next++;
		/* A looped stream without a decodable frame would spin; a
		** frame thread holds a packet each, reordering 16 more. */
		if (rc == 0 && ++d->dry > d->npkts +
		    (size_t)d->ctx->thread_count + 64) {
			snprintf(err, errlen, "%s: no frame decoded from %zu "
			    "packets; expected a raw H.264 (Annex-B) stream",
			    d->path, d->dry);
			return -1;
		}
	}
}

void
video_dec_rewind(struct video_dec *d)
{
	avcodec_flush_buffers(d->ctx);
	d->next = 0;
	d->drained = 0;
}

uint64_t
video_dec_count(const struct video_dec *d)
{
	return d->count;
}

const char *
video_dec_name(const struct video_dec *d)
{
	return d->ctx->codec->name;
}

int
video_dec_threads(const struct video_dec *d)
{
	return d->ctx->thread_count;
}

void
video_dec_close(struct video_dec *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->npkts; i++)
		av_packet_free(&d->pkts[i]);
	free(d->pkts);
	av_frame_free(&d->frame);
	avcodec_free_context(&d->ctx);
	free(d->path);
	free(d);
}

struct video_conv *
video_conv_new(int width, int height, int fmt, char *err, size_t errlen)
{
	struct video_conv *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Bilinear: the chroma upsampling OpenCV's cvtColor does. */
	c->sws = sws_getContext(width, height, (enum AVPixelFormat)fmt, width,
	    height, AV_PIX_FMT_BGR24, SWS_BILINEAR, NULL, NULL, NULL);
	if (c->sws == NULL) {
		snprintf(err, errlen, "libswscale cannot convert %dx%d %s "
		    "to BGR24", width, height,
		    av_get_pix_fmt_name((enum AVPixelFormat)fmt) != NULL ?
		    av_get_pix_fmt_name((enum AVPixelFormat)fmt) : "?");
		free(c);
		return NULL;
	}
	c->width = width;
	c->height = height;
	c->fmt = fmt;
	return c;
}

int
video_conv_run(struct video_conv *c, const AVFrame *f, uint8_t *bgr,
    int stride)
{
	uint8_t *dst[4] = { bgr, NULL, NULL, NULL };
	int dst_stride[4] = { stride, 0, 0, 0 };

	if (f->width != c->width || f->height != c->height ||
	    f->format != c->fmt)
		return -1;
	return sws_scale(c->sws, (const uint8_t *const *)f->data,
	    f->linesize, 0, c->height, dst, dst_stride) == c->height ? 0 : -1;
}

void
video_conv_free(struct video_conv *c)
{
	if (c == NULL)
		return;
	sws_freeContext(c->sws);
	free(c);
}

double
video_psnr(const AVFrame *f, int i)
{
	uint8_t *planes[3];
	int strides[3], p, x, y, w, h;
	double se = 0, n = 0;

	if (f->format != AV_PIX_FMT_YUV420P)
		return -1;
	strides[0] = f->width;
	strides[1] = strides[2] = f->width / 2;
	planes[0] = malloc((size_t)f->width * (size_t)f->height * 3 / 2);
	if (planes[0] == NULL)
		return -1;
	planes[1] = planes[0] + (size_t)f->width * (size_t)f->height;
	planes[2] = planes[1] + (size_t)f->width * (size_t)f->height / 4;
	video_synth_frame(i, f->width, f->height, planes, strides);
	for (p = 0; p < 3; p++) {
		w = p == 0 ? f->width : f->width / 2;
		h = p == 0 ? f->height : f->height / 2;
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				double e = (double)f->data[p][y * f->linesize[p]
				    + x] - planes[p][y * strides[p] + x];

				se += e * e;
			}
		n += (double)w * h;
	}
	free(planes[0]);
	if (se == 0)
		return INFINITY;
	return 10 * log10(255.0 * 255.0 / (se / n));
}
