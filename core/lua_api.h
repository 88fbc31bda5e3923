/*
** lua_api.h - the `dyno` Lua module: dyno.probe, check, hw, has, param,
** tune.set, log, warn, units, concurrent, limit, and (from the prelude) sweep and
** repeat.
*/
#ifndef DYNO_LUA_API_H
#define DYNO_LUA_API_H

#include <lua.h>

struct suite;

/* Build the module with s as every function's upvalue, run the prelude,
** and leave the module table on the stack.  May raise (call it inside a
** protected call). */
void lua_api_open(lua_State *L, struct suite *s);

#endif
