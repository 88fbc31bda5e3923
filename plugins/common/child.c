/*
** child.c - a server child that dies with its probe (child.h).
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "child.h"

/* write() of a C string, ignoring the result: only for the child's last
** words, where nothing else is async-signal-safe. */
static void
child_say(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s));
}

pid_t
child_spawn(const char *path, const char *const *argv, int in_fd,
	    int out_fd, int err_fd, int cpu)
{
	pid_t parent = getpid(), pid;
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0 && cpu < CPU_SETSIZE)
		CPU_SET(cpu, &set);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;

		/* Only async-signal-safe calls until exec. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (cpu >= 0 && sched_setaffinity(0, sizeof(set), &set) != 0) {
			child_say(err_fd, "cannot pin the server to its cpu\n");
			_exit(127);
		}
		if (in_fd >= 0)
			dup2(in_fd, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execv(path, (char *const *)argv);
		child_say(STDERR_FILENO, "cannot execute ");
		child_say(STDERR_FILENO, path);
		child_say(STDERR_FILENO, "\n");
		_exit(127);
	}
	return pid;
}
