/*
** lua_state.h - a Lua 5.4 state for suites: libraries opened one by one,
** the sandbox unless --unsafe-lua, the `dyno` module, and the one
** protected call that runs a suite with a traceback on error.
*/
#ifndef DYNO_LUA_STATE_H
#define DYNO_LUA_STATE_H

#include <lua.h>

#include "err.h"

struct suite;

/* A new state bound to s (borrowed; must outlive the state), or NULL with
** err filled.  Its limits are lua_limit.h's: the allocator holds it to
** s->max_memory; a count hook ends it at suite_deadline(s) (set while
** there is a time limit) and once memory ran out (set then, on the main
** thread). */
lua_State *lua_state_new(struct suite *s, struct dyno_err *err);

/* Run the file at path in a protected call.  Returns 0, or -1 with
** "file:line: message" and a traceback in errbuf (left as it was when a
** limit ended the suite: s->limit_hit says which). */
int lua_state_run_file(lua_State *L, const char *path, char *errbuf,
		       size_t n);

void lua_state_close(lua_State *L);

#endif
