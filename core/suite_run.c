/* suite_run.c - run a suite file: the suite model behind a sandboxed Lua state. */
#include "config.h"

#include "lua_state.h"
#include "results.h"
#include "suite.h"

int
suite_run(struct suite *s, const char *path, struct dyno_err *err)
{
	lua_State *L;
	int rc;

	s->path = path;
	s->host = results_host(s->inventory);
	s->results = json_array();
	s->verdicts = json_array();
	L = lua_state_new(s, err);
	if (L == NULL)
		return err->code;
	rc = lua_state_run_file(L, path, s->script_error,
				sizeof(s->script_error));
	lua_state_close(L);
	if (rc < 0)
		return dyno_err_set(err, DYNO_EINVAL, "%s", s->script_error);
	return 0;
}
