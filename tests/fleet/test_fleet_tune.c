/* test_fleet_tune.c - dyno tune --fleet: group tunes, fleet-wide keys, the capacity plan, from a fixture fleet document. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "fleet_tune.h"
#include "tune.h"

/* A node's tune as tune_to_json gives it: items (a throughput, from
** fleettest.spin), batch and mode. */
static json_t *
node_tune(int items, int batch, const char *mode)
{
	return json_pack("{s:{s:{}}, s:{s:{s:i, s:i, s:s}},"
	    " s:{s:{s:s, s:s, s:{s:s, s:{}}}, s:{s:s, s:n, s:n},"
	    " s:{s:s, s:n, s:n}}}",
	    "dyno", "skipped",
	    "tune", "work", "items_per_s", items, "batch", batch, "mode", mode,
	    "why", "work.items_per_s", "reason", "median rate", "unit", "op/s",
	    "from", "id", "fleettest.spin", "params",
	    "work.batch", "reason", "fixed", "unit", "from",
	    "work.mode", "reason", "chosen", "unit", "from");
}

static json_t *
node(int rank, int leader, const char *fp, json_t *tune)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:i, s:o}", "rank", rank,
	    "hostname", "h", "fingerprint", fp, "status", "done",
	    "node_leader", leader, "tune", tune);
}

static json_t *
spin_rec(int rank, const char *started, double dur)
{
	return json_pack("{s:s, s:{}, s:s, s:s, s:f, s:{s:i}}", "id",
	    "fleettest.spin", "params", "status", "ok", "started_at", started,
	    "duration_s", dur, "node", "rank", rank);
}

/*
** Group a (fingerprint aaaa): ranks 0 and 1 share a machine (leader 0),
** 100 and 90 a second each, and rank 2 is alone on another, 200.  Group b:
** rank 3 alone, 150.  Everyone's batch is 64; modes differ.
*/
static json_t *
fixture(void)
{
	json_t *nodes = json_pack("[o, o, o, o]",
	    node(0, 0, "aaaa", node_tune(100, 64, "x")),
	    node(1, 0, "aaaa", node_tune(90, 64, "y")),
	    node(2, 2, "aaaa", node_tune(200, 64, "y")),
	    node(3, 3, "bbbb", node_tune(150, 64, "z")));
	json_t *groups = json_pack("[{s:s, s:[i, i, i], s:{}}, {s:s, s:[i], s:{}}]",
	    "fingerprint", "aaaa", "ranks", 0, 1, 2, "hw",
	    "fingerprint", "bbbb", "ranks", 3, "hw");
	json_t *results = json_pack("[o, o, o, o]",
	    spin_rec(0, "2026-12-06T10:00:00.000Z", 1.0),
	    spin_rec(1, "2026-12-06T10:00:00.500Z", 1.0),
	    spin_rec(2, "2026-12-06T10:00:00.000Z", 1.0),
	    spin_rec(3, "2026-12-06T10:00:00.000Z", 1.0));

	return json_pack("{s:o, s:{s:o, s:o}}", "results", results, "fleet",
	    "nodes", nodes, "groups", groups);
}

static double
num(const struct tune *t, const char *key)
{
	const json_t *v = tune_get(t, key);

	cr_assert_not_null(v, "%s is not set", key);
	return json_number_value(v);
}

static const char *
reason(const struct tune *t, const char *key)
{
	json_t *j = tune_to_json(t);
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(
	    json_object_get(json_object_get(j, "why"), key), "reason")));
	json_decref(j);
	return buf;
}

Test(fleet_tune, a_tune_per_group)
{
	json_t *doc = fixture();
	struct dyno_err e;
	struct fleet_tune *ft = fleet_tune_build(doc, "out/dyno-tuned.yaml",
	    "tune.lua", &e);

	cr_assert_not_null(ft, "%s", e.msg);
	cr_assert_eq(ft->ngroups, 2);
	cr_assert_str_eq(ft->g[0].path, "out/dyno-tuned.aaaa.yaml");
	cr_assert_str_eq(ft->g[1].path, "out/dyno-tuned.bbbb.yaml");
	/* The median rank's value (the lower of an even count). */
	cr_assert_eq(num(ft->g[0].t, "work.items_per_s"), 100);
	cr_assert(strstr(reason(ft->g[0].t, "work.items_per_s"),
	    "rank 0's: the median of the group's 3 ranks, which range 90 to "
	    "200") != NULL, "%s", reason(ft->g[0].t, "work.items_per_s"));
	/* Not a number: the most common. */
	cr_assert_str_eq(json_string_value(tune_get(ft->g[0].t, "work.mode")),
	    "y");
	cr_assert_eq(num(ft->g[1].t, "work.items_per_s"), 150);
	/* Fleet-wide: what every group has alike, and the groups. */
	cr_assert_eq(num(ft->fleet, "work.batch"), 64);
	cr_assert_null(tune_get(ft->fleet, "work.items_per_s"));
	cr_assert_null(tune_get(ft->fleet, "work.mode"));
	cr_assert_eq(num(ft->fleet, "fleet.groups.gaaaa.ranks"), 3);
	cr_assert_str_eq(json_string_value(tune_get(ft->fleet,
	    "fleet.groups.gbbbb.tune")), "out/dyno-tuned.bbbb.yaml");
	fleet_tune_free(ft);
	json_decref(doc);
}

Test(fleet_tune, capacity_plan)
{
	json_t *doc = fixture();
	struct dyno_err e;
	struct fleet_tune *ft = fleet_tune_build(doc, "t.yaml", "tune.lua", &e);
	const struct tune *t;

	cr_assert_eq(fleet_tune_plan(ft, doc, "work.items_per_s", 1000, &e), 0,
	    "%s", e.msg);
	t = ft->fleet;
	/* Group a: 190 a node with 2 instances, 200 with 1: one is best;
	** an instance keeps (190 / 2) / (200 / 1) with two on a node. */
	cr_assert_eq(num(t, "capacity.gaaaa.instances_per_node"), 1);
	cr_assert_eq(num(t, "capacity.gaaaa.node_throughput"), 200);
	cr_assert_float_eq(num(t, "capacity.gaaaa.scaling_efficiency"), 0.475,
	    1e-9);
	cr_assert_eq(num(t, "capacity.gaaaa.nodes"), 2);
	cr_assert_eq(num(t, "capacity.gaaaa.nodes_needed"), 5);
	cr_assert(strstr(reason(t, "capacity.gaaaa.instances_per_node"),
	    "overlapped 50%") != NULL, "%s",
	    reason(t, "capacity.gaaaa.instances_per_node"));
	/* Group b: one node of one instance; no efficiency measured. */
	cr_assert_eq(num(t, "capacity.gbbbb.nodes_needed"), 7);
	cr_assert_null(tune_get(t, "capacity.gbbbb.scaling_efficiency"));
	cr_assert_eq(num(t, "capacity.fleet_throughput"), 540);
	cr_assert(json_is_false(tune_get(t, "capacity.meets_target")));
	cr_assert_eq(num(t, "capacity.add_nodes"), 3);
	cr_assert_str_eq(json_string_value(tune_get(t, "capacity.add_group")),
	    "gaaaa");
	fleet_tune_free(ft);

	/* A key no rank set: an error, the group tunes untouched. */
	ft = fleet_tune_build(doc, "t.yaml", "tune.lua", &e);
	cr_assert_eq(fleet_tune_plan(ft, doc, "work.nothing", 10, &e),
	    DYNO_EINVAL);
	cr_assert(strstr(e.msg, "no rank's tune has work.nothing") != NULL,
	    "%s", e.msg);
	cr_assert_null(tune_get(ft->fleet, "capacity.target.key"));
	cr_assert_eq(num(ft->g[0].t, "work.items_per_s"), 100);
	fleet_tune_free(ft);
	json_decref(doc);
}

Test(fleet_tune, target_parse)
{
	struct dyno_err e;
	char key[64];
	double v;

	cr_assert_eq(fleet_target_parse("eeg.recordings_per_hour=20000", key,
	    sizeof(key), &v, &e), 0);
	cr_assert_str_eq(key, "eeg.recordings_per_hour");
	cr_assert_eq(v, 20000);
	cr_assert_eq(fleet_target_parse("eeg.recordings_per_hour", key,
	    sizeof(key), &v, &e), DYNO_EINVAL);
	cr_assert(strstr(e.msg, "expected KEY=NUMBER") != NULL, "%s", e.msg);
	cr_assert_eq(fleet_target_parse("x=lots", key, sizeof(key), &v, &e),
	    DYNO_EINVAL);
	cr_assert(strstr(e.msg, "'lots' is not a number above 0") != NULL);
	cr_assert_eq(fleet_target_parse("x=-1", key, sizeof(key), &v, &e),
	    DYNO_EINVAL);
	cr_assert_eq(fleet_target_parse("X=1", key, sizeof(key), &v, &e),
	    DYNO_EINVAL);
}

Test(fleet_tune, not_a_fleet_document)
{
	json_t *doc = json_pack("{s:[]}", "results");
	struct dyno_err e;

	cr_assert_null(fleet_tune_build(doc, "t.yaml", "s.lua", &e));
	cr_assert(strstr(e.msg, "no fleet.nodes") != NULL);
	json_decref(doc);
}
