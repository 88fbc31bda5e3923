/*
** fuzz_h264.c - libFuzzer target for yolo.pipeline's clip reader
** (plugins/yolo/video.c): any bytes as a user's clip= file, opened,
** split into packets and decoded whole with two threads; it must end in
** frames or a one-line error naming the file, never a crash or a leak.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "video.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct video_dec *d;
	AVFrame *f;
	char path[64], err[512];
	size_t off = 0;
	int fd, rc, n = 0;

	video_log_quiet();
	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) < 0)
		return 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0) {
			close(fd);
			return 0;
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	d = video_dec_open(path, VIDEO_DEC_CPU, 2, err, sizeof(err));
	if (d == NULL) {
		if (strncmp(err, path, strlen(path)) != 0 ||
		    strchr(err, '\n') != NULL)
			abort();
		close(fd);
		return 0;
	}
	/* A few hundred frames at most: a tiny frame size can make many. */
	while ((rc = video_dec_next(d, 0, &f, err, sizeof(err))) == 1 &&
	    ++n < 300)
		;
	if (rc < 0 && (strncmp(err, path, strlen(path)) != 0 ||
	    strchr(err, '\n') != NULL))
		abort();
	video_dec_close(d);
	close(fd);
	return 0;
}
