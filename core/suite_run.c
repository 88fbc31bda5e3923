/* suite_run.c - run a suite file: the suite model behind a sandboxed Lua state, within its limits. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "lua_state.h"
#include "results.h"
#include "suite.h"

/* How long past the deadline the watchdog waits for the hook. */
#define WATCHDOG_GRACE_S 5

static char watchdog_line[1200];

/* The hook cannot stop a C function that never returns to Lua (a
** pathological string.find): the watchdog ends dyno then, without the
** run document but with every record already in --results. */
static void
on_watchdog(int sig)
{
	(void)sig;
	if (write(STDERR_FILENO, watchdog_line, strlen(watchdog_line)) < 0)
		(void)0;
	_exit(2);
}

void
suite_watchdog(struct suite *s)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	uint64_t d = suite_deadline(s), now = clock_now_ns();
	char msg[sizeof(watchdog_line) - 128];
	struct sigaction sa = { .sa_handler = on_watchdog };

	if (d != 0) {
		uint64_t left = (d > now ? d - now : 0) +
				(uint64_t)WATCHDOG_GRACE_S * 1000000000u;

		suite_limit_message(s, SUITE_LIMIT_TIME, msg, sizeof(msg));
		snprintf(watchdog_line, sizeof(watchdog_line), "dyno: %s, and a "
		    "call that does not return to Lua held it %d s more; stopped "
		    "without the run document\n", msg, WATCHDOG_GRACE_S);
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		it.it_value.tv_sec = (time_t)(left / 1000000000u);
		it.it_value.tv_usec = (suseconds_t)(left % 1000000000u / 1000);
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Off once the suite is over: writing the documents is not its time. */
static void
watchdog_off(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

int
suite_run(struct suite *s, const char *path, struct dyno_err *err)
{
	lua_State *L;
	int rc;

	s->path = path;
	s->host = results_host(s->inventory);
	s->results = json_array();
	s->verdicts = json_array();
	s->start_ns = clock_now_ns();
	suite_watchdog(s);
	L = lua_state_new(s, err);
	if (L == NULL) {
		watchdog_off();
		return err->code;
	}
	rc = lua_state_run_file(L, path, s->script_error,
				sizeof(s->script_error));
	lua_state_close(L);
	watchdog_off();
	if (s->limit_hit != SUITE_LIMIT_NONE) {
		/* One line, no traceback: where the script was is chance. */
		suite_limit_message(s, s->limit_hit, s->script_error,
				    sizeof(s->script_error));
		return dyno_err_set(err, DYNO_ERANGE, "%s", s->script_error);
	}
	if (rc < 0)
		return dyno_err_set(err, DYNO_EINVAL, "%s", s->script_error);
	return 0;
}
