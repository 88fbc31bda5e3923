/*
** child.h - starting a server a probe needs (redis-server, dyno serve) as
** a child that cannot outlive the probe.  Compiled into each plugin that
** uses it.
*/
#ifndef DYNO_PLUGINS_CHILD_H
#define DYNO_PLUGINS_CHILD_H

#include <sys/types.h>

/*
** Forks and execs `path` with `argv`, its stdin, stdout and stderr the
** given descriptors, pinned to `cpu` when >= 0.  The child gets the signal
** mask cleared and PR_SET_PDEATHSIG(SIGKILL), so it dies with the thread
** that started it, even under --no-fork or a kill -9 of the probe (the
** runner's timeout kills the process group, but --no-fork has none).  A
** failure in the child before exec is one line on err_fd and exit 127.
** Returns the pid, or -errno when fork fails.  The caller closes its
** copies of the descriptors.
*/
pid_t child_spawn(const char *path, const char *const *argv, int in_fd,
		  int out_fd, int err_fd, int cpu);

#endif /* DYNO_PLUGINS_CHILD_H */
