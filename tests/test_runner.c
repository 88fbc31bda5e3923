/* test_runner.c - isolation: crash, hang (timeout), skip, fail, exit, --no-fork, resources. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "plugin_loader.h"
#include "runner.h"

static struct loader l;

static void
setup(void)
{
	struct dyno_err e = { 0 };

	loader_init(&l);
	cr_assert_eq(loader_load_file(&l, TEST_BUILD_DIR "/tests/plugins/behave.so",
				      &e), 0, "%s", e.msg);
	cr_assert_eq(loader_load_file(&l, TEST_BUILD_DIR "/tests/plugins/good.so",
				      &e), 0, "%s", e.msg);
}

static void
teardown(void)
{
	loader_fini(&l);
}

/* Run id with key=value args; returns the record. */
static json_t *
run(const char *id, char **kv, size_t nkv, int no_fork, uint64_t timeout_ns)
{
	const struct loader_plugin *pl;
	const struct dyno_probe *p = loader_find(&l, id, &pl);
	struct runner_opts o;
	struct param_set ps;
	struct dyno_err e = { 0 };
	json_t *rec;

	cr_assert_not_null(p, "%s", id);
	cr_assert_eq(params_resolve(id, p->params, kv, nkv, &ps, &e), 0, "%s", e.msg);
	runner_opts_default(&o);
	o.no_fork = no_fork;
	o.timeout_ns = timeout_ns;
	o.m.min_time_ns = 20000000;
	o.m.max_time_ns = 300000000;
	o.m.warmup_ns = 1000000;
	o.m.min_batch_ns = 1000000;
	rec = runner_run(pl, p, &ps, &o);
	params_free(&ps);
	return rec;
}

static const char *
str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

TestSuite(runner, .init = setup, .fini = teardown);

Test(runner, crash_is_contained)
{
	json_t *rec = run("behave.crash", NULL, 0, 0, 10000000000u);

	cr_assert_str_eq(str(rec, "status"), "crashed");
	cr_assert(strstr(str(rec, "message"), "crashed (SIGSEGV)"), "%s",
		  str(rec, "message"));
	cr_assert(strstr(str(rec, "message"), "about to crash on purpose"),
		  "%s", str(rec, "message"));
	json_decref(rec);
}

Test(runner, hang_times_out, .timeout = 20)
{
	json_t *rec = run("behave.hang", NULL, 0, 0, 500000000u);

	cr_assert_str_eq(str(rec, "status"), "timeout");
	cr_assert(strstr(str(rec, "message"), "timed out after 0.5 s"), "%s",
		  str(rec, "message"));
	cr_assert_lt(json_real_value(json_object_get(rec, "duration_s")), 5.0);
	json_decref(rec);
}

Test(runner, skip_and_fail_carry_reasons)
{
	json_t *rec = run("behave.skip", NULL, 0, 0, 10000000000u);

	cr_assert_str_eq(str(rec, "status"), "skipped");
	cr_assert_str_eq(str(rec, "message"), "no frobnicator on this machine");
	json_decref(rec);
	rec = run("behave.fail", NULL, 0, 0, 10000000000u);
	cr_assert_str_eq(str(rec, "status"), "failed");
	cr_assert_str_eq(str(rec, "message"), "the device returned garbage");
	/* What it measured before failing is kept. */
	cr_assert_not_null(json_object_get(json_object_get(rec, "metrics"), "x"));
	json_decref(rec);
}

Test(runner, unavailable_probe_skips)
{
	json_t *rec = run("behave.missing", NULL, 0, 0, 10000000000u);

	cr_assert_str_eq(str(rec, "status"), "skipped");
	cr_assert(strstr(str(rec, "message"), "built without libfrob"));
	json_decref(rec);
}

Test(runner, early_exit_is_a_failure)
{
	json_t *rec = run("behave.exit", NULL, 0, 0, 10000000000u);

	cr_assert_str_eq(str(rec, "status"), "failed");
	cr_assert(strstr(str(rec, "message"), "exited with status 3 without a result"),
		  "%s", str(rec, "message"));
	cr_assert(strstr(str(rec, "message"), "exiting early"));
	json_decref(rec);
}

Test(runner, undeclared_metric_fails)
{
	json_t *rec = run("behave.undeclared", NULL, 0, 0, 10000000000u);

	cr_assert_str_eq(str(rec, "status"), "failed");
	cr_assert(strstr(str(rec, "message"), "metric 'nope'"), "%s",
		  str(rec, "message"));
	json_decref(rec);
}

static void
check_rec(json_t *rec)
{
	json_t *m = json_object_get(json_object_get(rec, "metrics"), "value");

	cr_assert_str_eq(str(rec, "status"), "ok", "%s", str(rec, "message"));
	cr_assert_str_eq(str(rec, "id"), "good.rec");
	cr_assert_str_eq(str(rec, "plugin_version"), "1.2.3");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(rec, "params"),
							"count")), 5);
	cr_assert_not_null(m);
	cr_assert_eq(json_integer_value(json_object_get(m, "n")), 5);
	/* 1.5, 2.5, ... 5.5: median 3.5, min 1.5, max 5.5 */
	cr_assert_float_eq(json_real_value(json_object_get(m, "median")), 3.5, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(m, "min")), 1.5, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(m, "max")), 5.5, 1e-9);
	cr_assert_eq(json_array_size(json_object_get(m, "samples")), 5);
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(rec, "artifacts"), "mode")), "up");
}

Test(runner, run_probe_in_child)
{
	char *kv[] = { "count=5" };
	json_t *rec = run("good.rec", kv, 1, 0, 10000000000u);

	check_rec(rec);
	cr_assert_str_eq(str(rec, "isolation"), "fork");
	json_decref(rec);
}

Test(runner, run_probe_no_fork)
{
	char *kv[] = { "count=5" };
	json_t *rec = run("good.rec", kv, 1, 1, 10000000000u);

	check_rec(rec);
	cr_assert_str_eq(str(rec, "isolation"), "none");
	json_decref(rec);
}

Test(runner, peak_rss_is_reported)
{
	char *kv[] = { "size=64MiB" };
	json_t *rec = run("behave.alloc", kv, 1, 0, 10000000000u);
	json_t *res = json_object_get(rec, "resources");

	cr_assert_str_eq(str(rec, "status"), "ok");
	cr_assert_gt(json_integer_value(json_object_get(res, "peak_rss_bytes")),
		     64 * 1024 * 1024);
	cr_assert_geq(json_real_value(json_object_get(res, "user_s")) +
		      json_real_value(json_object_get(res, "sys_s")), 0.0);
	json_decref(rec);
}

Test(runner, iterate_probe_reports_time_and_rate)
{
	json_t *rec = run("good.iter", NULL, 0, 0, 10000000000u);
	json_t *m = json_object_get(rec, "metrics");
	double t, r;

	cr_assert_str_eq(str(rec, "status"), "ok", "%s", str(rec, "message"));
	t = json_real_value(json_object_get(json_object_get(m, "time"), "median"));
	r = json_real_value(json_object_get(json_object_get(m, "rate"), "median"));
	cr_assert_gt(t, 0.0);
	cr_assert_lt(t, 1e-6);
	/* rate is per-batch 1/time: medians agree within rounding. */
	cr_assert_float_eq(r * t, 1.0, 0.05);
	cr_assert_null(json_object_get(m, "bandwidth"));
	json_decref(rec);
}

Test(runner, plugin_inventory_facts_merge)
{
	struct runner_opts o;
	json_t *inv = json_pack("{s:{s:i}, s:[{s:s}, {s:s}]}", "cpu", "logical_cpus", 2,
				"network", "name", "eth8", "name", "eth9");
	json_t *gpu0, *gpu1, *net;

	runner_opts_default(&o);
	runner_inventory(&l, &o, inv);
	gpu0 = json_array_get(json_object_get(inv, "gpus"), 0);
	gpu1 = json_array_get(json_object_get(inv, "gpus"), 1);
	cr_assert_not_null(gpu0);
	cr_assert_str_eq(json_string_value(json_object_get(gpu0, "name")), "Fake GPU 9000");
	cr_assert_eq(json_integer_value(json_object_get(gpu0, "memory")), 1073741824);
	cr_assert_float_eq(json_real_value(json_object_get(gpu0, "clock_ghz")), 1.98, 1e-9);
	cr_assert_str_eq(json_string_value(json_object_get(gpu1, "name")), "Fake GPU 9001");
	/* The core's own facts stay, even when a plugin names them. */
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(inv, "cpu"),
							"logical_cpus")), 2);
	/* A named entry of a core array gets the plugin's facts. */
	net = json_object_get(inv, "network");
	cr_assert(json_is_array(net));
	cr_assert_eq(json_array_size(net), 2);
	cr_assert_null(json_object_get(json_array_get(net, 0), "offloads"));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(net, 1),
							   "offloads")), "tso=on");
	json_decref(inv);
}
