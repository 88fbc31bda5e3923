/* lua_api.c - the `dyno` Lua module: luaL_Reg tables and their l_* functions. */
#include "config.h"

#include <string.h>

#include <lauxlib.h>

#include "clock.h"
#include "lua_api.h"
#include "lua_limit.h"
#include "measure.h"
#include "plugin_loader.h"
#include "suite.h"
#include "tune.h"
#include "units.h"
#include "xmalloc.h"

#include "dyno_lua.h"

#define SUITE(L) ((struct suite *)lua_touserdata(L, lua_upvalueindex(1)))

/* Push j as Lua: objects and arrays become tables, null becomes nil. */
static void
push_json(lua_State *L, const json_t *j)
{
	luaL_checkstack(L, 4, "JSON too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;

		lua_createtable(L, 0, (int)json_object_size(j));
		json_object_foreach((json_t *)j, k, v) {
			push_json(L, v);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;

		lua_createtable(L, (int)json_array_size(j), 0);
		json_array_foreach(j, i, v) {
			push_json(L, v);
			lua_seti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(j));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	default:
		lua_pushnil(L);
	}
}

/*
** Turn the params table at idx into "k=v" strings left on the stack (so
** they live as long as this call) and return a GC-owned array of them.
*/
static char **
params_from_table(lua_State *L, int idx, size_t *nkv)
{
	int base = lua_gettop(L);
	size_t n = 0;
	char **kv;

	if (!lua_isnoneornil(L, idx)) {
		luaL_checktype(L, idx, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, idx) != 0) {
			const char *v;

			if (lua_type(L, -2) != LUA_TSTRING)
				luaL_error(L, "parameter names must be strings");
			if (!lua_isstring(L, -1) && !lua_isboolean(L, -1))
				luaL_error(L, "parameter '%s' must be a string, number "
				    "or boolean, not a %s", lua_tostring(L, -2),
				    luaL_typename(L, -1));
			luaL_checkstack(L, 3, "too many parameters");
			v = luaL_tolstring(L, -1, NULL);
			lua_pushfstring(L, "%s=%s", lua_tostring(L, -3), v);
			lua_insert(L, base + 1 + (int)n);
			n++;
			lua_pop(L, 2);
		}
	}
	kv = lua_newuserdatauv(L, (n + 1) * sizeof(char *), 0);
	for (size_t i = 0; i < n; i++)
		kv[i] = (char *)lua_tostring(L, base + 1 + (int)i);
	kv[n] = NULL;
	*nkv = n;
	return kv;
}

/* Push a record as a result table; _ref finds the record again. */
static void
push_result(lua_State *L, const json_t *rec, size_t ref)
{
	push_json(L, rec);
	lua_pushinteger(L, (lua_Integer)ref);
	lua_setfield(L, -2, "_ref");
}

/* A duration option ("50ms" or seconds as a number) of the table at idx. */
static void
opt_duration(lua_State *L, int idx, const char *key, uint64_t *ns)
{
	struct dyno_err err;

	lua_getfield(L, idx, key);
	if (lua_type(L, -1) == LUA_TNUMBER) {
		double v = lua_tonumber(L, -1);

		if (!(v >= 0))
			luaL_error(L, "option '%s' must not be negative", key);
		*ns = (uint64_t)(v * 1e9);
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		if (units_parse_duration(lua_tostring(L, -1), ns, &err) < 0)
			luaL_error(L, "option '%s': %s", key, err.msg);
	} else if (!lua_isnil(L, -1)) {
		luaL_error(L, "option '%s' must be a duration such as \"50ms\"", key);
	}
	lua_pop(L, 1);
}

static int
l_probe(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *id = luaL_checkstring(L, 1);
	const json_t *rec;
	struct measure_opts saved = s->ro.m;
	struct measure_opts m = s->ro.m;
	struct dyno_err err;
	int required = 0;
	size_t nkv;
	char **kv;

	if (!lua_isnoneornil(L, 3)) {
		static const char *const known[] = { "required", "min_time",
			"max_time", "warmup", "min_batch_time", NULL };

		luaL_checktype(L, 3, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 3) != 0) {
			size_t k = 0;

			lua_pop(L, 1);
			while (known[k] && !(lua_type(L, -1) == LUA_TSTRING &&
					     strcmp(known[k], lua_tostring(L, -1)) == 0))
				k++;
			if (known[k] == NULL)
				return luaL_error(L, "dyno.probe: unknown option '%s'; "
				    "expected required, min_time, max_time, warmup, "
				    "min_batch_time", luaL_tolstring(L, -1, NULL));
		}
		lua_getfield(L, 3, "required");
		required = lua_toboolean(L, -1);
		lua_pop(L, 1);
		opt_duration(L, 3, "min_time", &m.min_time_ns);
		opt_duration(L, 3, "max_time", &m.max_time_ns);
		opt_duration(L, 3, "warmup", &m.warmup_ns);
		opt_duration(L, 3, "min_batch_time", &m.min_batch_ns);
		if (measure_opts_check(&m, &err) < 0)
			return luaL_error(L, "%s", err.msg);
	}
	if (runner_interrupted())
		return luaL_error(L, "interrupted by the user");
	lua_limit_check(L);
	kv = params_from_table(L, 2, &nkv);
	s->ro.m = m;
	rec = suite_probe(s, id, kv, nkv, &err);
	s->ro.m = saved;
	lua_limit_check(L);
	if (rec == NULL)
		return luaL_error(L, "%s", err.msg);
	if (required && strcmp(json_string_value(json_object_get(rec, "status")),
			       "ok") != 0)
		return luaL_error(L, "required probe %s %s: %s", id,
		    json_string_value(json_object_get(rec, "status")),
		    json_string_value(json_object_get(rec, "message")));
	push_result(L, rec, json_array_size(s->results) - 1);
	return 1;
}

/* dyno._concurrent(id, params, n) -> list of n results (the prelude's
** dyno.concurrent adds the baseline and the scaling figures). */
static int
l_concurrent(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *id = luaL_checkstring(L, 1);
	lua_Integer n = luaL_checkinteger(L, 3);
	struct dyno_err err;
	size_t nkv;
	char **kv;
	long first;

	luaL_argcheck(L, n >= 1 && n <= 1024, 3, "1..1024 instances expected");
	if (runner_interrupted())
		return luaL_error(L, "interrupted by the user");
	lua_limit_check(L);
	kv = params_from_table(L, 2, &nkv);
	first = suite_concurrent(s, id, kv, nkv, (int)n, &err);
	lua_limit_check(L);
	if (first < 0)
		return luaL_error(L, "%s", err.msg);
	lua_createtable(L, (int)n, 0);
	for (lua_Integer i = 0; i < n; i++) {
		push_result(L, json_array_get(s->results, (size_t)first + (size_t)i),
			    (size_t)first + (size_t)i);
		lua_seti(L, -2, i + 1);
	}
	return 1;
}

/* The record index behind a result table, or a Lua argument error. */
static size_t
check_ref(lua_State *L, int idx)
{
	struct suite *s = SUITE(L);
	lua_Integer ref;
	int isnum;

	luaL_checktype(L, idx, LUA_TTABLE);
	lua_getfield(L, idx, "_ref");
	ref = lua_tointegerx(L, -1, &isnum);
	lua_pop(L, 1);
	if (!isnum || ref < 0 || (size_t)ref >= json_array_size(s->results))
		luaL_argerror(L, idx, "a result of dyno.probe expected");
	return (size_t)ref;
}

static const char *
opt_field(lua_State *L, int idx, const char *key)
{
	const char *v;

	if (lua_isnoneornil(L, idx))
		return NULL;
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_getfield(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		luaL_error(L, "option '%s' must be a string", key);
	v = lua_tostring(L, -1);
	/* Left on the stack so the string outlives this call's use of it. */
	return v;
}

static int
l_check(lua_State *L)
{
	struct suite *s = SUITE(L);
	size_t ref = check_ref(L, 1);
	const char *expr = luaL_checkstring(L, 2);
	const char *review = opt_field(L, 3, "review");
	const char *name = opt_field(L, 3, "name");
	struct dyno_err err;
	const char *v = suite_check(s, ref, expr, review, name, &err);

	if (v == NULL)
		return luaL_error(L, "%s", err.msg);
	lua_pushstring(L, v);
	return 1;
}

/* dyno.probes() -> list of {id, style, summary, needs_gpu}; style is
** "iterate", "run" or "unavailable" (see dyno.has for why). */
static int
l_probes(lua_State *L)
{
	struct suite *s = SUITE(L);
	lua_Integer k = 0;

	lua_newtable(L);
	for (size_t i = 0; i < s->loader->n; i++) {
		const struct dyno_plugin *d = s->loader->plugins[i].desc;

		for (size_t j = 0; d->probes && d->probes[j]; j++) {
			const struct dyno_probe *p = d->probes[j];

			lua_createtable(L, 0, 4);
			lua_pushfstring(L, "%s.%s", d->name, p->name);
			lua_setfield(L, -2, "id");
			lua_pushstring(L, p->unavailable_reason ? "unavailable" :
					  p->iterate ? "iterate" : "run");
			lua_setfield(L, -2, "style");
			lua_pushstring(L, p->summary ? p->summary : "");
			lua_setfield(L, -2, "summary");
			lua_pushboolean(L, (p->flags & DYNO_PROBE_NEEDS_GPU) != 0);
			lua_setfield(L, -2, "needs_gpu");
			lua_seti(L, -2, ++k);
		}
	}
	return 1;
}

static int
l_tune_skip(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *part = luaL_checkstring(L, 1);
	const char *reason = luaL_checkstring(L, 2);

	if (s->tune != NULL)
		tune_note_skip(s->tune, part, reason);
	return 0;
}

static int
l_hw(lua_State *L)
{
	push_json(L, SUITE(L)->inventory);
	return 1;
}

static int
l_has(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *id = luaL_checkstring(L, 1);
	const struct dyno_probe *p = loader_find(s->loader, id, NULL);
	const json_t *gpus = json_object_get(s->inventory, "gpus");

	if (p == NULL) {
		lua_pushboolean(L, 0);
		lua_pushfstring(L, "no probe '%s' is installed", id);
		return 2;
	}
	if (p->unavailable_reason != NULL) {
		lua_pushboolean(L, 0);
		lua_pushstring(L, p->unavailable_reason);
		return 2;
	}
	if ((p->flags & DYNO_PROBE_NEEDS_GPU) && json_array_size(gpus) == 0) {
		lua_pushboolean(L, 0);
		lua_pushfstring(L, "%s needs a GPU and the inventory lists none", id);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* dyno.param(name, default): -D name=value, typed like the default. */
static int
l_param(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *name = luaL_checkstring(L, 1);
	size_t len = strlen(name);
	const char *val = NULL;
	struct dyno_err err;
	int b;

	for (size_t i = 0; i < s->ndefines; i++)
		if (strncmp(s->defines[i], name, len) == 0 &&
		    s->defines[i][len] == '=')
			val = s->defines[i] + len + 1;
	if (val == NULL) {
		lua_settop(L, 2);
		return 1;
	}
	switch (lua_type(L, 2)) {
	case LUA_TNUMBER:
		if (lua_stringtonumber(L, val) == 0)
			return luaL_error(L, "-D %s=%s: expected a number", name, val);
		return 1;
	case LUA_TBOOLEAN:
		if (units_parse_bool(val, &b, &err) < 0)
			return luaL_error(L, "-D %s=%s: expected true or false",
					  name, val);
		lua_pushboolean(L, b);
		return 1;
	default:
		lua_pushstring(L, val);
		return 1;
	}
}

static json_t *
lua_to_scalar(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING:
		return json_string(lua_tostring(L, idx));
	default:
		return NULL;
	}
}

static int
l_tune_set(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *key = luaL_checkstring(L, 1);
	const char *why = luaL_checkstring(L, 3);
	const char *unit = opt_field(L, 4, "unit");
	json_t *from = NULL, *value;
	struct dyno_err err;
	int rc;

	luaL_argexpected(L, lua_type(L, 2) == LUA_TBOOLEAN ||
			 lua_type(L, 2) == LUA_TNUMBER ||
			 lua_type(L, 2) == LUA_TSTRING, 2, "string, number or boolean");
	if (s->tune == NULL)
		return luaL_error(L, "dyno.tune.set: this run keeps no tune");
	if (!lua_isnoneornil(L, 4)) {
		lua_getfield(L, 4, "from");
		if (!lua_isnil(L, -1)) {
			size_t ref = check_ref(L, lua_gettop(L));
			const json_t *rec = json_array_get(s->results, ref);

			from = json_pack("{s:O, s:O?}", "id", json_object_get(rec, "id"),
					 "params", json_object_get(rec, "params"));
		}
		lua_pop(L, 1);
	}
	/* Everything that can raise is done: now own C memory briefly. */
	value = lua_to_scalar(L, 2);
	rc = tune_set(s->tune, key, value, unit, why, from, &err);
	json_decref(value);
	json_decref(from);
	if (rc < 0)
		return luaL_error(L, "dyno.tune.set: %s", err.msg);
	return 0;
}

/* The arguments joined like print() does. */
static const char *
joined(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, ' ');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

static int
l_log(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *msg = joined(L);

	/* Under --json, s->out is stderr: stdout carries only the JSON. */
	fprintf(s->out, "%s\n", msg);
	return 0;
}

static int
l_warn(lua_State *L)
{
	const char *msg = joined(L);
	lua_Debug ar;

	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) &&
	    ar.currentline > 0)
		fprintf(stderr, "warning: %s:%d: %s\n", ar.short_src,
			ar.currentline, msg);
	else
		fprintf(stderr, "warning: %s\n", msg);
	return 0;
}

/* dyno.units.parse(text, unit) -> number, or nil and a message. */
static int
l_units_parse(lua_State *L)
{
	const char *text = luaL_checkstring(L, 1);
	const char *unit = luaL_optstring(L, 2, "");
	struct dyno_err err;
	double v;

	if (units_parse_value(text, unit, &v, &err) < 0) {
		luaL_pushfail(L);
		lua_pushstring(L, err.msg);
		return 2;
	}
	lua_pushnumber(L, v);
	return 1;
}

static int
l_units_format(lua_State *L)
{
	double v = luaL_checknumber(L, 1);
	const char *unit = luaL_optstring(L, 2, "");
	char buf[64];

	lua_pushstring(L, units_format(v, unit, buf, sizeof(buf)));
	return 1;
}

/* A size option ("64MiB", or bytes as a number) of the table at idx;
** *set tells whether it was there. */
static void
opt_size(lua_State *L, int idx, const char *key, uint64_t *bytes, int *set)
{
	struct dyno_err err;

	lua_getfield(L, idx, key);
	*set = !lua_isnil(L, -1);
	if (lua_type(L, -1) == LUA_TNUMBER) {
		double v = lua_tonumber(L, -1);

		if (!(v >= 0 && v < 1.8e19))
			luaL_error(L, "option '%s' must be a size in bytes", key);
		*bytes = (uint64_t)v;
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		if (units_parse_size(lua_tostring(L, -1), bytes, &err) < 0)
			luaL_error(L, "option '%s': %s", key, err.msg);
	} else if (*set) {
		luaL_error(L, "option '%s' must be a size such as \"1GiB\"", key);
	}
	lua_pop(L, 1);
}

/*
** dyno.limit([{time = DURATION, memory = SIZE}]) -> the limits in force:
** {time = seconds, memory = bytes} (nil where there is none), and
** elapsed (seconds since the suite started) and used (bytes the state
** holds).  A limit may only come down: one above the command line's is
** capped to it.  time counts from the start of the suite.
*/
static int
l_limit(lua_State *L)
{
	struct suite *s = SUITE(L);

	if (!lua_isnoneornil(L, 1)) {
		uint64_t ns = 0, bytes = 0;
		int has_time, has_mem;

		luaL_checktype(L, 1, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 1) != 0) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING ||
			    (strcmp(lua_tostring(L, -1), "time") != 0 &&
			     strcmp(lua_tostring(L, -1), "memory") != 0))
				return luaL_error(L, "dyno.limit: unknown option '%s'; "
				    "expected time, memory",
				    luaL_tolstring(L, -1, NULL));
		}
		lua_getfield(L, 1, "time");
		has_time = !lua_isnil(L, -1);
		lua_pop(L, 1);
		opt_duration(L, 1, "time", &ns);
		opt_size(L, 1, "memory", &bytes, &has_mem);
		if ((has_time && ns == 0) || (has_mem && bytes == 0))
			return luaL_error(L, "dyno.limit: a limit must be above 0");
		if (has_time && (s->time_limit_ns == 0 || ns < s->time_limit_ns)) {
			s->time_limit_ns = ns;
			s->time_by_suite = 1;
			suite_watchdog(s);
		}
		if (has_mem && (s->max_memory == 0 || bytes < s->max_memory)) {
			/* Garbage is not what the suite holds. */
			lua_gc(L, LUA_GCCOLLECT);
			s->max_memory = bytes;
			s->memory_by_suite = 1;
			if (s->lua_bytes > bytes)
				suite_limit_hit(s, SUITE_LIMIT_MEMORY);
		}
		lua_limit_watch(L);
		lua_limit_check(L);
	}
	lua_createtable(L, 0, 4);
	if (s->time_limit_ns) {
		lua_pushnumber(L, (double)s->time_limit_ns / 1e9);
		lua_setfield(L, -2, "time");
	}
	if (s->max_memory) {
		lua_pushinteger(L, (lua_Integer)s->max_memory);
		lua_setfield(L, -2, "memory");
	}
	lua_pushnumber(L, (double)(clock_now_ns() - s->start_ns) / 1e9);
	lua_setfield(L, -2, "elapsed");
	lua_pushinteger(L, (lua_Integer)s->lua_bytes);
	lua_setfield(L, -2, "used");
	return 1;
}

/*
** dyno.fleet.barrier([name]) -> true, or false and why.  In a fleet run
** (dyno run --fleet) every rank waits here until every rank came to the
** barrier, at most --fleet-timeout; outside one it returns true at once.
** Either way the suite goes on: a barrier that failed says why.
*/
static int
l_fleet_barrier(lua_State *L)
{
	struct suite *s = SUITE(L);
	const char *name = luaL_optstring(L, 1, "barrier");
	char why[256];

	if (s->fleet_barrier == NULL ||
	    s->fleet_barrier(s->fleet, name, why, sizeof(why)) == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_pushboolean(L, 0);
	lua_pushstring(L, why);
	return 2;
}

static const luaL_Reg dyno_funcs[] = {
	{ "limit", l_limit },
	{ "probe", l_probe },
	{ "check", l_check },
	{ "probes", l_probes },
	{ "hw", l_hw },
	{ "has", l_has },
	{ "param", l_param },
	{ "log", l_log },
	{ "_concurrent", l_concurrent },
	{ "warn", l_warn },
	{ NULL, NULL }
};

static const luaL_Reg tune_funcs[] = {
	{ "set", l_tune_set },
	{ "skip", l_tune_skip },
	{ NULL, NULL }
};

static const luaL_Reg units_funcs[] = {
	{ "parse", l_units_parse },
	{ "format", l_units_format },
	{ NULL, NULL }
};

static const luaL_Reg fleet_funcs[] = {
	{ "barrier", l_fleet_barrier },
	{ NULL, NULL }
};

static void
sub(lua_State *L, const char *name, const luaL_Reg *funcs, struct suite *s)
{
	lua_newtable(L);
	lua_pushlightuserdata(L, s);
	luaL_setfuncs(L, funcs, 1);
	lua_setfield(L, -2, name);
}

void
lua_api_open(lua_State *L, struct suite *s)
{
	lua_newtable(L);
	lua_pushlightuserdata(L, s);
	luaL_setfuncs(L, dyno_funcs, 1);
	sub(L, "tune", tune_funcs, s);
	sub(L, "units", units_funcs, s);
	sub(L, "fleet", fleet_funcs, s);
	if (s->fleet_size > 0) {
		/* rank and size only in a fleet: a suite asks `if
		** dyno.fleet.rank then`. */
		lua_getfield(L, -1, "fleet");
		lua_pushinteger(L, s->fleet_rank);
		lua_setfield(L, -2, "rank");
		lua_pushinteger(L, s->fleet_size);
		lua_setfield(L, -2, "size");
		lua_pop(L, 1);
	}
	lua_pushstring(L, PACKAGE_VERSION);
	lua_setfield(L, -2, "version");
	lua_pushstring(L, s->outdir);
	lua_setfield(L, -2, "output_dir");
	/* print() goes where dyno.log goes: stderr under --json. */
	lua_pushlightuserdata(L, s);
	lua_pushcclosure(L, l_log, 1);
	lua_setglobal(L, "print");
	/* The prelude adds what is policy rather than mechanism. */
	if (luaL_loadbuffer(L, dyno_lua, sizeof(dyno_lua) - 1, "=dyno.lua") !=
	    LUA_OK)
		lua_error(L);
	lua_pushvalue(L, -2);
	lua_call(L, 1, 0);
}
