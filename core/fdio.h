/*
** fdio.h - writing to a file descriptor in full: the one loop that
** carries on after a signal (EINTR) and after a short write (pipes,
** sockets, full disks report how far they got).
*/
#ifndef DYNO_FDIO_H
#define DYNO_FDIO_H

#include <stddef.h>

/* Write all n bytes of p to fd.  Returns 0, or -1 with errno set (EIO
** when the kernel wrote nothing and said no error). */
int fdio_write_all(int fd, const void *p, size_t n);

#endif
