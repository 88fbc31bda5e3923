/* fdio.c - writing to a file descriptor in full (fdio.h). */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "fdio.h"

int
fdio_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}
