/*
** lua_limit.h - a suite's limits (struct suite's max_memory and
** time_limit_ns) inside its Lua state: the allocator that counts the
** state's bytes and refuses past the cap, and the count hook that ends the
** suite at the deadline or once memory ran out.  A limit passed is
** recorded in s->limit_hit; the error raised is one no pcall keeps.
*/
#ifndef DYNO_LUA_LIMIT_H
#define DYNO_LUA_LIMIT_H

#include <stddef.h>

#include <lua.h>

/* The lua_Alloc of a suite's state; ud is the struct suite. */
void *lua_limit_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Store the preallocated error (call once, while the state is set up). */
void lua_limit_open(lua_State *L);

/* Watch L (the thread running) for the limits, if it is not watched yet.
** Threads made later inherit the hook; the hook costs pure Lua code
** about half its speed, so it is set only for a time limit. */
void lua_limit_watch(lua_State *L);

/* Raise the limit error if a limit was passed (the deadline included);
** else return.  The hook calls it; so do the dyno calls that block. */
void lua_limit_check(lua_State *L);

#endif
