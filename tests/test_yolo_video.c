/* test_yolo_video.c - yolo.pipeline's clip (plugins/yolo/video.c): the
** frames decoded from the probe's own H.264 clip match the frames encoded
** (PSNR above PSNR_MIN on every frame, and below it against another
** frame, so the bound tells frames apart), 1 and N decoder threads give
** the same frames, a looped or rewound stream repeats them, corrupt or missing
** files are one-line errors naming the file, and BGR24 conversion is
** BT.601's. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <libavutil/pixfmt.h>

#include "video.h"

/* At CRF 23 (libx264's default) the synthetic clip decodes at 40 dB or
** more on every frame; 30 dB is where compression damage starts to show. */
#define PSNR_MIN 30.0

static const struct video_clip clip = {
	.width = 320, .height = 192, .frames = 40, .fps = 10, .crf = 23
};

static char dir[] = "/tmp/test_yolo_video.XXXXXX";
static char path[256];

static void
make_clip(void)
{
	char err[512];

	video_log_quiet();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/clip.h264", dir);
	cr_assert_eq(video_encode(path, &clip, err, sizeof(err)), 0, "%s",
	    err);
}

static void
remove_dir(void)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/clip.h264", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bad.h264", dir);
	unlink(p);
	rmdir(dir);
}

TestSuite(video, .init = make_clip, .fini = remove_dir);

/* FNV-1a over a frame's visible samples. */
static uint64_t
frame_hash(const AVFrame *f)
{
	uint64_t h = 14695981039346656037ull;
	int p, x, y;

	for (p = 0; p < 3; p++) {
		int w = p == 0 ? f->width : f->width / 2;
		int ht = p == 0 ? f->height : f->height / 2;

		for (y = 0; y < ht; y++)
			for (x = 0; x < w; x++) {
				h ^= f->data[p][y * f->linesize[p] + x];
				h *= 1099511628211ull;
			}
	}
	return h;
}

/* Decodes path whole with `threads` threads; the frames' hashes. */
static uint64_t *
decode_all(int threads, int *n)
{
	struct video_dec *d;
	uint64_t *h = calloc((size_t)clip.frames + 1, sizeof(*h));
	AVFrame *f;
	char err[512];
	int rc;

	cr_assert_not_null(h);
	d = video_dec_open(path, VIDEO_DEC_CPU, threads, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	*n = 0;
	while ((rc = video_dec_next(d, 0, &f, err, sizeof(err))) == 1) {
		cr_assert_lt(*n, clip.frames, "more frames than encoded");
		h[(*n)++] = frame_hash(f);
	}
	cr_assert_eq(rc, 0, "%s", err);
	video_dec_close(d);
	return h;
}

Test(video, every_frame_decodes_above_the_psnr_bound)
{
	struct video_dec *d;
	double psnr, worst = INFINITY, other;
	AVFrame *f;
	char err[512];
	int i = 0, rc;

	d = video_dec_open(path, VIDEO_DEC_CPU, 1, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	while ((rc = video_dec_next(d, 0, &f, err, sizeof(err))) == 1) {
		cr_assert_eq(f->format, AV_PIX_FMT_YUV420P);
		cr_assert_eq(f->width, clip.width);
		cr_assert_eq(f->height, clip.height);
		psnr = video_psnr(f, i);
		cr_assert_gt(psnr, PSNR_MIN, "frame %d: PSNR %.2f dB", i, psnr);
		if (psnr < worst)
			worst = psnr;
		/* The bound tells frames apart: 5 frames on, boxes and
		** texture have moved. */
		other = video_psnr(f, i + 5);
		cr_assert_lt(other, PSNR_MIN, "frame %d against %d: %.2f dB",
		    i, i + 5, other);
		i++;
	}
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(i, clip.frames, "%d frames decoded, %d encoded", i,
	    clip.frames);
	cr_assert_eq(video_dec_count(d), (uint64_t)clip.frames);
	cr_log_info("%dx%d, %d frames, CRF %d: worst frame PSNR %.2f dB",
	    clip.width, clip.height, clip.frames, clip.crf, worst);
	video_dec_close(d);
}

Test(video, threads_give_the_same_frames)
{
	int n1, n3, i;
	uint64_t *h1 = decode_all(1, &n1), *h3 = decode_all(3, &n3);

	cr_assert_eq(n1, clip.frames);
	cr_assert_eq(n3, n1);
	for (i = 0; i < n1; i++)
		cr_assert_eq(h1[i], h3[i], "frame %d differs", i);
	/* Not all one frame: the hashes see the motion. */
	cr_assert_neq(h1[0], h1[1]);
	free(h1);
	free(h3);
}

Test(video, a_looped_stream_repeats_its_frames)
{
	struct video_dec *d;
	uint64_t *once;
	AVFrame *f;
	char err[512];
	int n, i;

	once = decode_all(2, &n);
	d = video_dec_open(path, VIDEO_DEC_CPU, 2, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	for (i = 0; i < 2 * clip.frames + 7; i++) {
		cr_assert_eq(video_dec_next(d, 1, &f, err, sizeof(err)), 1,
		    "%s", err);
		cr_assert_eq(frame_hash(f), once[i % clip.frames],
		    "looped frame %d is not frame %d", i, i % clip.frames);
	}
	video_dec_close(d);
	free(once);
}

Test(video, a_rewound_decoder_decodes_the_clip_again)
{
	struct video_dec *d;
	uint64_t *once;
	AVFrame *f;
	char err[512];
	int n, i, pass, rc;

	once = decode_all(1, &n);
	d = video_dec_open(path, VIDEO_DEC_CPU, 2, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; (rc = video_dec_next(d, 0, &f, err,
		    sizeof(err))) == 1; i++)
			cr_assert_eq(frame_hash(f), once[i],
			    "pass %d frame %d", pass, i);
		cr_assert_eq(rc, 0, "%s", err);
		cr_assert_eq(i, n, "pass %d: %d frames", pass, i);
		video_dec_rewind(d);
	}
	video_dec_close(d);
	free(once);
}

/* Writes the first n bytes of the clip (or n random bytes) to bad.h264. */
static void
write_bad(size_t n, int random)
{
	FILE *in = fopen(path, "rb"), *out;
	char p[300];
	size_t i;

	cr_assert_not_null(in);
	snprintf(p, sizeof(p), "%s/bad.h264", dir);
	out = fopen(p, "wb");
	cr_assert_not_null(out);
	srand(7);
	for (i = 0; i < n; i++) {
		int c = random ? rand() & 255 : fgetc(in);

		cr_assert_neq(c, EOF);
		fputc(c, out);
	}
	fclose(in);
	cr_assert_eq(fclose(out), 0);
	snprintf(path + strlen(path) - strlen("clip.h264"),
	    sizeof(path) - (strlen(path) - strlen("clip.h264")), "bad.h264");
}

/* Opening and decoding path whole fails with one line naming it. */
static void
assert_fails(const char *what)
{
	struct video_dec *d;
	AVFrame *f;
	char err[512] = "";
	int rc = -1;

	d = video_dec_open(path, VIDEO_DEC_CPU, 2, err, sizeof(err));
	if (d != NULL) {
		while ((rc = video_dec_next(d, 0, &f, err, sizeof(err))) == 1)
			;
		/* A clean end must at least have lost frames. */
		if (rc == 0 && video_dec_count(d) < (uint64_t)clip.frames) {
			snprintf(err, sizeof(err), "%s: short", path);
			rc = -2;
		}
		video_dec_close(d);
	}
	cr_assert_neq(rc, 0, "%s: decoded whole", what);
	cr_assert(rc == -2 || strstr(err, path) == err,
	    "%s: error does not start with the file: %s", what, err);
	cr_assert_null(strchr(err, '\n'), "%s: more than one line", what);
	cr_log_info("%s: %s", what, err);
}

static long
clip_size(void)
{
	FILE *f = fopen(path, "rb");
	long n;

	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

Test(video, a_truncated_clip_is_an_error)
{
	write_bad((size_t)clip_size() * 3 / 5, 0);
	assert_fails("truncated");
}

Test(video, random_bytes_are_an_error)
{
	struct video_dec *d;
	AVFrame *f;
	char err[512] = "";
	int rc = -1;

	write_bad(64 << 10, 1);
	d = video_dec_open(path, VIDEO_DEC_CPU, 1, err, sizeof(err));
	if (d != NULL) {
		while ((rc = video_dec_next(d, 0, &f, err, sizeof(err))) == 1)
			;
		video_dec_close(d);
	}
	cr_assert_eq(rc, -1, "random bytes decoded");
	cr_assert(strstr(err, path) == err, "%s", err);
	cr_assert_null(strchr(err, '\n'));
}

Test(video, missing_and_empty_files_are_errors)
{
	char err[512];
	FILE *f;

	snprintf(path + strlen(path) - strlen("clip.h264"), 16, "none.h264");
	cr_assert_null(video_dec_open(path, VIDEO_DEC_CPU, 1, err,
	    sizeof(err)));
	cr_assert(strstr(err, path) == err, "%s", err);
	snprintf(path + strlen(path) - strlen("none.h264"), 16, "bad.h264");
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_null(video_dec_open(path, VIDEO_DEC_CPU, 1, err,
	    sizeof(err)));
	cr_assert(strstr(err, "empty") != NULL, "%s", err);
}

Test(video, an_unwritable_clip_leaves_nothing)
{
	char p[300], err[512];

	snprintf(p, sizeof(p), "%s/no/such/dir/clip.h264", dir);
	cr_assert_eq(video_encode(p, &clip, err, sizeof(err)), -1);
	cr_assert(strstr(err, p) == err, "%s", err);
	cr_assert_neq(access(p, F_OK), 0);
}

/* BT.601 limited range, as libswscale and OpenCV convert. */
static uint8_t
c8(double v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
}

Test(video, conversion_is_bt601_limited_range)
{
	struct video_conv *c;
	AVFrame *f = av_frame_alloc();
	uint8_t *bgr;
	char err[256];
	int x, y, stride = clip.width * 3 + 32, checked = 0;

	cr_assert_not_null(f);
	f->format = AV_PIX_FMT_YUV420P;
	f->width = clip.width;
	f->height = clip.height;
	cr_assert_eq(av_frame_get_buffer(f, 0), 0);
	video_synth_frame(3, clip.width, clip.height, f->data, f->linesize);
	bgr = malloc((size_t)stride * (size_t)clip.height);
	cr_assert_not_null(bgr);
	c = video_conv_new(clip.width, clip.height, AV_PIX_FMT_YUV420P, err,
	    sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(video_conv_run(c, f, bgr, stride), 0);
	/* Where chroma is flat over the neighbours (the gradients change
	** slowly), the bilinear upsampling leaves it as it is. */
	for (y = 8; y < clip.height - 8; y += 13)
		for (x = 8; x < clip.width - 8; x += 17) {
			double Y = f->data[0][y * f->linesize[0] + x] - 16;
			double U = f->data[1][y / 2 * f->linesize[1] + x / 2];
			double V = f->data[2][y / 2 * f->linesize[2] + x / 2];
			const uint8_t *px = bgr + y * stride + x * 3;
			int flat = 1, k;

			for (k = -1; k <= 1; k++)
				flat &= abs(f->data[1][y / 2 * f->linesize[1]
				    + x / 2 + k] - (int)U) <= 1 &&
				    abs(f->data[2][(y / 2 + k) * f->linesize[2]
				    + x / 2] - (int)V) <= 1 &&
				    abs(f->data[1][(y / 2 + k) * f->linesize[1]
				    + x / 2] - (int)U) <= 1 &&
				    abs(f->data[2][y / 2 * f->linesize[2] + x / 2
				    + k] - (int)V) <= 1;
			if (!flat)
				continue;
			checked++;
			U -= 128;
			V -= 128;
			cr_assert_leq(abs(px[2] - c8(1.164 * Y + 1.596 * V)), 3,
			    "R at %d,%d", x, y);
			cr_assert_leq(abs(px[1] - c8(1.164 * Y - 0.392 * U -
			    0.813 * V)), 3, "G at %d,%d", x, y);
			cr_assert_leq(abs(px[0] - c8(1.164 * Y + 2.017 * U)), 3,
			    "B at %d,%d", x, y);
		}
	cr_assert_gt(checked, 100, "only %d pixels checked", checked);
	/* Another format than the converter's is refused. */
	f->format = AV_PIX_FMT_NV12;
	cr_assert_eq(video_conv_run(c, f, bgr, stride), -1);
	video_conv_free(c);
	free(bgr);
	av_frame_free(&f);
}
