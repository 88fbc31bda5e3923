/* lua_limit.c - a suite's limits inside Lua: the counting allocator and the hook that ends the suite. */
#include "config.h"

#include <stdlib.h>

#include <lauxlib.h>

#include "clock.h"
#include "lua_limit.h"
#include "suite.h"

/* Registry key of the preallocated error the hook raises: raising must
** not need memory the cap refuses. */
static const char limit_key = 'L';

static void limit_hook(lua_State *L, lua_Debug *ar);

void
lua_limit_open(lua_State *L)
{
	lua_pushliteral(L, "the suite passed a limit");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &limit_key);
}

/*
** The allocator counts the state's bytes and refuses growth past the cap.
** Lua answers a refusal with a full collection and one retry, so only a
** second refusal in a row is the suite's memory really running out; from
** then on every growth is refused, so a pcall that catches "not enough
** memory" cannot go on filling.
*/
void *
lua_limit_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct suite *s = ud;
	size_t old = ptr != NULL ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		s->lua_bytes -= old;
		return NULL;
	}
	if (nsize > old && s->max_memory > 0 &&
	    (s->limit_hit == SUITE_LIMIT_MEMORY ||
	     s->lua_bytes > s->max_memory ||
	     nsize - old > s->max_memory - s->lua_bytes)) {
		if (++s->lua_refused >= 2 && s->limit_hit == SUITE_LIMIT_NONE) {
			suite_limit_hit(s, SUITE_LIMIT_MEMORY);
			/* Without a time limit nothing watches: start now.
			** Lua allows setting a hook at any point (lua.c does
			** it from a signal handler). */
			if (s->lua != NULL)
				lua_sethook(s->lua, limit_hook, LUA_MASKCOUNT, 1);
		}
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p == NULL)
		return NULL;
	s->lua_refused = 0;
	s->lua_bytes = s->lua_bytes - old + nsize;
	if (s->lua_bytes > s->lua_peak)
		s->lua_peak = s->lua_bytes;
	return p;
}

/*
** The count hook: past the deadline, or once memory ran out, raise.  From
** then on it fires at every instruction, so a pcall that catches the error
** gets no further than its next instruction.
*/
static void
limit_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_limit_check(L);
}

void
lua_limit_check(lua_State *L)
{
	struct suite *s;
	uint64_t deadline;

	lua_getallocf(L, (void **)&s);
	deadline = suite_deadline(s);
	if (s->limit_hit == SUITE_LIMIT_NONE && deadline != 0 &&
	    clock_now_ns() >= deadline)
		suite_limit_hit(s, SUITE_LIMIT_TIME);
	if (s->limit_hit == SUITE_LIMIT_NONE)
		return;
	lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &limit_key);
	lua_error(L);
}

void
lua_limit_watch(lua_State *L)
{
	if (lua_gethook(L) != limit_hook)
		lua_sethook(L, limit_hook, LUA_MASKCOUNT, 10000);
}
