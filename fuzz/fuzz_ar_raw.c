/*
** fuzz_ar_raw.c - libFuzzer target for the autoreject plugin's raw
** recording reader (ar_read_raw): the input up to its first NUL byte is
** the JSON header, the rest the float64 samples.  Both go to the reader
** as files (memfds named by /proc/self/fd paths), as a user's would.
** The EDF reader is left to its tests: its parsing is libedf's.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ar.h"
#include "input.h"

/* A memfd holding n bytes of d, its path in path; the fd or -1. */
static int
memfile(const uint8_t *d, size_t n, char *path, size_t pathn)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < n) {
		ssize_t w = write(fd, d + off, n - off);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	snprintf(path, pathn, "/proc/self/fd/%d", fd);
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t hn = nul ? (size_t)(nul - data) : size;
	char hp[64], dp[64], err[256];
	struct ar_epochs ep;
	int hf, df;

	hf = memfile(data, hn, hp, sizeof(hp));
	df = nul ? memfile(nul + 1, size - hn - 1, dp, sizeof(dp))
		 : memfile(data, 0, dp, sizeof(dp));
	if (hf >= 0 && df >= 0) {
		memset(&ep, 0, sizeof(ep));
		if (ar_read_raw(dp, hp, 1.0, &ep, err, sizeof(err)) == 0) {
			(void)ar_check_finite(&ep, "fuzz", err, sizeof(err));
			ar_epochs_free(&ep);
		} else if (memchr(err, '\n', strnlen(err, sizeof(err))) != NULL) {
			__builtin_trap();  /* errors are one line */
		}
	}
	if (hf >= 0)
		close(hf);
	if (df >= 0)
		close(df);
	return 0;
}
