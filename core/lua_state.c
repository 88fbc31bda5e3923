/* lua_state.c - suite states: library opening, the sandbox, and the pcall+traceback boundary. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua_api.h"
#include "lua_limit.h"
#include "lua_state.h"
#include "plugin_loader.h"
#include "suite.h"
#include "xmalloc.h"

/* Never luaL_openlibs: each library is a decision.  io, os and package
** are opened and then cut down unless the suite is trusted. */
static const luaL_Reg libs[] = {
	{ LUA_GNAME, luaopen_base },
	{ LUA_LOADLIBNAME, luaopen_package },
	{ LUA_COLIBNAME, luaopen_coroutine },
	{ LUA_TABLIBNAME, luaopen_table },
	{ LUA_IOLIBNAME, luaopen_io },
	{ LUA_OSLIBNAME, luaopen_os },
	{ LUA_STRLIBNAME, luaopen_string },
	{ LUA_MATHLIBNAME, luaopen_math },
	{ LUA_UTF8LIBNAME, luaopen_utf8 },
	{ NULL, NULL }
};

/* Replaces a function a sandboxed suite may not call. */
static int
refuse(lua_State *L)
{
	return luaL_error(L, "%s is disabled in suites (run dyno with "
	    "--unsafe-lua to allow it)", lua_tostring(L, lua_upvalueindex(1)));
}

static void
disable(lua_State *L, const char *lib, const char *fn)
{
	lua_getglobal(L, lib);
	lua_pushfstring(L, "%s.%s", lib, fn);
	lua_pushcclosure(L, refuse, 1);
	lua_setfield(L, -2, fn);
	lua_pop(L, 1);
}

/* Nonzero if path (existing or not) resolves inside dir. */
static int
inside(const char *dir, const char *path)
{
	char rdir[PATH_MAX], rpath[PATH_MAX], *copy, *d;
	size_t n;
	int ok = 0;

	if (realpath(dir, rdir) == NULL)
		return 0;
	if (realpath(path, rpath) == NULL) {
		char *copy2 = xstrdup(path);

		copy = xstrdup(path);
		d = dirname(copy);
		if (realpath(d, rpath) != NULL) {
			size_t len = strlen(rpath);

			snprintf(rpath + len, sizeof(rpath) - len, "/%s",
				 basename(copy2));
		} else {
			rpath[0] = '\0';
		}
		free(copy);
		free(copy2);
		if (rpath[0] == '\0')
			return 0;
	}
	n = strlen(rdir);
	ok = strncmp(rpath, rdir, n) == 0 &&
	     (rpath[n] == '/' || rpath[n] == '\0' || strcmp(rdir, "/") == 0);
	return ok;
}

/* io.open that writes only inside the output directory. */
static int
safe_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	const char *mode = luaL_optstring(L, 2, "r");
	const char *outdir = lua_tostring(L, lua_upvalueindex(2));

	if (strpbrk(mode, "wa+") != NULL && !inside(outdir, path))
		return luaL_error(L, "io.open: writing '%s' is outside the output "
		    "directory '%s' (use --output-dir, or --unsafe-lua)", path,
		    outdir);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* load, loadfile and dofile take text only: crafted bytecode can break
** the interpreter's memory safety. */
static const char text_only[] =
	"local load, loadfile = load, loadfile\n"
	"_G.load = function(chunk, name, mode, env)\n"
	"  return load(chunk, name, 't', env)\n"
	"end\n"
	"_G.loadfile = function(file, mode, env)\n"
	"  return loadfile(file, 't', env)\n"
	"end\n"
	"_G.dofile = function(file)\n"
	"  local f = assert(_G.loadfile(file))\n"
	"  return f()\n"
	"end\n";

static void
sandbox(lua_State *L, const struct suite *s)
{
	static const char *const os_off[] = { "execute", "remove", "rename",
		"exit", "tmpname", "setlocale", NULL };
	static const char *const io_off[] = { "popen", "output", "input",
		"tmpfile", NULL };

	for (size_t i = 0; os_off[i]; i++)
		disable(L, "os", os_off[i]);
	for (size_t i = 0; io_off[i]; i++)
		disable(L, "io", io_off[i]);
	disable(L, "package", "loadlib");
	lua_getglobal(L, "io");
	lua_getfield(L, -1, "open");
	lua_pushstring(L, s->outdir);
	lua_pushcclosure(L, safe_open, 2);
	lua_setfield(L, -2, "open");
	lua_pop(L, 1);
	/* No C modules: keep the preload and Lua-file searchers only. */
	lua_getglobal(L, "package");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	lua_getfield(L, -1, "searchers");
	lua_pushnil(L);
	lua_seti(L, -2, 4);
	lua_pushnil(L);
	lua_seti(L, -2, 3);
	lua_pop(L, 2);
	if (luaL_loadbuffer(L, text_only, sizeof(text_only) - 1, "=sandbox") ||
	    lua_pcall(L, 0, 0, 0))
		lua_error(L);
}

/* require finds modules next to the suite, then in the shipped suites. */
static void
set_path(lua_State *L, const struct suite *s)
{
	char *copy = xstrdup(s->path ? s->path : ".");
	const char *dir = dirname(copy);

	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s/?.lua", dir, dir,
			loader_in_build_tree() ? DYNO_SRC_SUITE_DIR : DYNO_SUITE_DIR);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	free(copy);
}

static int
setup(lua_State *L)
{
	struct suite *s = lua_touserdata(L, 1);

	for (const luaL_Reg *lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	set_path(L, s);
	if (!s->unsafe)
		sandbox(L, s);
	lua_limit_open(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_api_open(L, s);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "dyno");
	lua_setglobal(L, "dyno");
	return 0;
}


lua_State *
lua_state_new(struct suite *s, struct dyno_err *err)
{
	lua_State *L = lua_newstate(lua_limit_alloc, s);

	if (L == NULL) {
		dyno_err_set(err, DYNO_ENOMEM, "cannot create a Lua state");
		return NULL;
	}
	luaL_checkversion(L);
	/* Coroutines inherit the hook when they are made: set it first.
	** A count hook halves the speed of pure Lua code, so it is set only
	** for a time limit; the memory limit needs it only once passed. */
	if (s->time_limit_ns > 0)
		lua_limit_watch(L);
	lua_pushcfunction(L, setup);
	lua_pushlightuserdata(L, s);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		dyno_err_set(err, DYNO_EINVAL, "cannot set up Lua: %s",
			     lua_tostring(L, -1));
		lua_close(L);
		return NULL;
	}
	s->lua = L;
	return L;
}

/* Message handler: the error plus a traceback; non-string errors are
** described, never dereferenced. */
static int
msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
					      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int
lua_state_run_file(lua_State *L, const char *path, char *errbuf, size_t n)
{
	int base;

	lua_pushcfunction(L, msgh);
	base = lua_gettop(L);
	if (luaL_loadfilex(L, path, "t") != LUA_OK ||
	    lua_pcall(L, 0, 0, base) != LUA_OK) {
		const char *m = lua_tostring(L, -1);
		struct suite *s;

		lua_getallocf(L, (void **)&s);
		if (s->limit_hit != SUITE_LIMIT_NONE) {
			lua_settop(L, base - 1);
			return -1;
		}

		snprintf(errbuf, n, "%s", m ? m : "(unknown error)");
		lua_settop(L, base - 1);
		return -1;
	}
	lua_settop(L, base - 1);
	return 0;
}

void
lua_state_close(lua_State *L)
{
	struct suite *s;

	if (L == NULL)
		return;
	lua_getallocf(L, (void **)&s);
	s->lua = NULL;
	lua_close(L);
}
