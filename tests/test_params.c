/* test_params.c - parameter resolution: defaults, units, ranges, enums, and the errors users see. */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "params.h"

static const struct dyno_param defs[] = {
	{ .name = "bs", .type = DYNO_PARAM_SIZE, .def = "4KiB", .min = "512",
	  .max = "1MiB" },
	{ .name = "time", .type = DYNO_PARAM_DURATION, .def = "250ms" },
	{ .name = "mode", .type = DYNO_PARAM_ENUM, .def = "read",
	  .choices = "read|write|randread" },
	{ .name = "depth", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "1024" },
	{ .name = "direct", .type = DYNO_PARAM_BOOL, .def = "false" },
	{ .name = "scale", .type = DYNO_PARAM_FLOAT, .def = "0.5" },
	{ .name = "path", .type = DYNO_PARAM_STRING },
	{ NULL }
};

static int
resolve(char **kv, size_t n, struct param_set *ps, struct dyno_err *e)
{
	return params_resolve("t.p", defs, kv, n, ps, e);
}

Test(params, defaults_and_user_values)
{
	char *kv[] = { "path=/tmp", "bs=1.5KiB", "mode=randread", "direct=yes",
		       "time=2s", "depth=12", "scale=25%" };
	struct param_set ps;
	struct dyno_err e = { 0 };

	cr_assert_eq(resolve(kv, 7, &ps, &e), 0, "%s", e.msg);
	cr_assert_eq(ps.n, 7);
	cr_assert_eq(params_get(&ps, "bs")->v.u, 1536);
	cr_assert_eq(params_get(&ps, "time")->v.u, 2000000000u);
	cr_assert_str_eq(params_get(&ps, "mode")->text, "randread");
	cr_assert_eq(params_get(&ps, "depth")->v.i, 12);
	cr_assert_eq(params_get(&ps, "direct")->v.b, 1);
	cr_assert_float_eq(params_get(&ps, "scale")->v.f, 0.25, 1e-12);
	cr_assert_str_eq(params_get(&ps, "path")->text, "/tmp");
	params_free(&ps);

	cr_assert_eq(resolve(kv, 1, &ps, &e), 0, "%s", e.msg);
	cr_assert_eq(params_get(&ps, "bs")->v.u, 4096);
	cr_assert_eq(params_get(&ps, "bs")->from_user, 0);
	cr_assert_eq(params_get(&ps, "time")->v.u, 250000000u);
	params_free(&ps);
}

Test(params, json_is_typed)
{
	char *kv[] = { "path=x", "time=1.5s" };
	struct param_set ps;
	struct dyno_err e;
	json_t *j;

	cr_assert_eq(resolve(kv, 2, &ps, &e), 0);
	j = params_to_json(&ps);
	cr_assert_eq(json_integer_value(json_object_get(j, "bs")), 4096);
	cr_assert_float_eq(json_real_value(json_object_get(j, "time")), 1.5, 1e-12);
	cr_assert(json_is_false(json_object_get(j, "direct")));
	cr_assert_str_eq(json_string_value(json_object_get(j, "mode")), "read");
	json_decref(j);
	params_free(&ps);
}

/* Arrays, not pointers: Criterion runs each case in a fresh process
** where the parent's pointers mean nothing. */
struct bad { char kv[32]; int code; char expect[160]; };

ParameterizedTestParameters(params, errors)
{
	static struct bad cases[] = {
		{ "nope=1", DYNO_EINVAL, "unknown parameter 'nope' for t.p; valid: bs, time, mode, depth, direct, scale, path" },
		{ "bs=2GiB", DYNO_ERANGE, "invalid value '2GiB' for bs: expected 512..1MiB" },
		{ "bs=12parsecs", DYNO_EINVAL, "invalid value '12parsecs' for bs (type size)" },
		{ "mode=append", DYNO_EINVAL, "invalid value 'append' for mode: expected one of read|write|randread" },
		{ "depth=0", DYNO_ERANGE, "invalid value '0' for depth: expected 1..1024" },
		{ "depth=1.5", DYNO_EINVAL, "invalid value '1.5' for depth (type int)" },
		{ "direct=maybe", DYNO_EINVAL, "invalid value 'maybe' for direct (type bool)" },
		{ "time=-1s", DYNO_EINVAL, "invalid value '-1s' for time (type duration)" },
		{ "noequals", DYNO_EINVAL, "invalid argument 'noequals' for t.p: expected key=value" },
		{ "=x", DYNO_EINVAL, "invalid argument '=x' for t.p: expected key=value" },
	};
	return cr_make_param_array(struct bad, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad *c, params, errors)
{
	char *kv[2] = { "path=/x", (char *)c->kv };
	struct param_set ps = { 0 };
	struct dyno_err e = { 0 };

	cr_assert_eq(resolve(kv, 2, &ps, &e), c->code, "%s -> %s", c->kv, e.msg);
	cr_assert(strstr(e.msg, c->expect) != NULL, "got: %s", e.msg);
	cr_assert_null(ps.v);
}

Test(params, missing_required)
{
	struct param_set ps;
	struct dyno_err e = { 0 };

	cr_assert_eq(resolve(NULL, 0, &ps, &e), DYNO_EINVAL);
	cr_assert_str_eq(e.msg, "missing parameter 'path' for t.p: expected path=<string>");
}

Test(params, check_def)
{
	struct dyno_err e;
	struct dyno_param bad_default = { .name = "x", .type = DYNO_PARAM_SIZE,
					  .def = "lots" };
	struct dyno_param out_of_range = { .name = "x", .type = DYNO_PARAM_INT,
					   .def = "5", .max = "4" };
	struct dyno_param no_choices = { .name = "x", .type = DYNO_PARAM_ENUM };
	struct dyno_param bad_name = { .name = "X y", .type = DYNO_PARAM_INT };
	struct dyno_param ok = { .name = "x_1", .type = DYNO_PARAM_INT,
				 .def = "2k", .min = "0" };

	cr_assert_lt(params_check_def(&bad_default, &e), 0);
	cr_assert(strstr(e.msg, "bad default"), "%s", e.msg);
	cr_assert_lt(params_check_def(&out_of_range, &e), 0);
	cr_assert_lt(params_check_def(&no_choices, &e), 0);
	cr_assert_lt(params_check_def(&bad_name, &e), 0);
	cr_assert_eq(params_check_def(&ok, &e), 0);
}
