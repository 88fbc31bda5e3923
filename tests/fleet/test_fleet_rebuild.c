/* test_fleet_rebuild.c - dyno fleet rebuild without MPI: a fleet document from a written store and its .nodes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "fleet.h"

static char dir[] = "/tmp/dyno-rebuild-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static char *
put(const char *name, const char *text)
{
	char *path;
	FILE *fp;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

#define REC(rank, med) "{\"schema\": 1, \"id\": \"t.x\", \"params\": {}, " \
	"\"status\": \"ok\", \"metrics\": {\"latency\": {\"unit\": \"s\", " \
	"\"better\": \"lower\", \"n\": 1, \"median\": " #med ", " \
	"\"samples\": [" #med "]}}, \"node\": {\"rank\": " #rank ", " \
	"\"hostname\": \"h" #rank "\", \"local\": 0}}\n"

/* Rank 0 said hello and died; rank 1 finished with a verdict; rank 2
** sent a record and nothing else; the last line was cut mid-write. */
Test(fleet_rebuild, rank0_died, .init = setup, .fini = teardown)
{
	char *store = put("f.jsonl", REC(0, 0.001) REC(1, 0.002) REC(2, 0.003)
	    "{\"schema\": 1, \"id\": \"t.");
	char *nodes = put("f.jsonl.nodes",
	    "{\"rank\": 0, \"tag\": \"hello\", \"message\": {\"rank\": 0, "
	    "\"ranks\": 4, \"hostname\": \"h0\", \"fingerprint\": \"aaaa\"}}\n"
	    "{\"rank\": 1, \"tag\": \"hello\", \"message\": {\"rank\": 1, "
	    "\"ranks\": 4, \"hostname\": \"h1\", \"fingerprint\": \"aaaa\"}}\n"
	    "{\"rank\": 1, \"tag\": \"done\", \"message\": {\"exit_code\": 0, "
	    "\"summary\": {\"probes\": {\"ok\": 1}}, \"verdicts\": "
	    "[{\"id\": \"t.x\", \"verdict\": \"pass\"}]}}\n");
	struct dyno_err e;
	json_t *doc = fleet_rebuild(store, 3.5, &e), *fl, *n;

	cr_assert_not_null(doc, "%s", e.msg);
	fl = json_object_get(doc, "fleet");
	cr_assert_eq(json_array_size(json_object_get(doc, "results")), 3);
	/* Four ranks, as the hellos say, though rank 3 never spoke. */
	cr_assert_eq(json_integer_value(json_object_get(fl, "ranks")), 4);
	n = json_object_get(fl, "nodes");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(n,
	    1), "status")), "done");
	for (int r = 0; r < 4; r += (r == 0 ? 2 : 1)) {
		const char *lost = json_string_value(json_object_get(
		    json_array_get(n, (size_t)r), "lost"));

		cr_assert_not_null(lost, "rank %d not lost", r);
		cr_assert(strstr(lost, "not finished") != NULL);
	}
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(n,
	    0), "fingerprint")), "aaaa");
	cr_assert_eq(json_array_size(json_object_get(doc, "verdicts")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(doc, "summary"), "nodes"), "lost")), 3);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(fl,
	    "rebuilt"), "torn_lines")), 1);
	cr_assert_null(json_object_get(fl, "rank0"));
	/* The statistics: one series, three node medians. */
	cr_assert_eq(json_array_size(json_object_get(json_array_get(
	    json_object_get(fl, "stats"), 0), "node_medians")), 3);
	json_decref(doc);
	free(store);
	free(nodes);
}

Test(fleet_rebuild, bad_stores, .init = setup, .fini = teardown)
{
	char *bad = put("bad.jsonl", "not json\n" REC(0, 0.001));
	char *plain = put("plain.jsonl", "{\"id\": \"t.x\", \"status\": \"ok\"}\n");
	char *empty = put("empty.jsonl", "");
	struct dyno_err e;

	cr_assert_null(fleet_rebuild(bad, 3.5, &e));
	cr_assert(strstr(e.msg, "bad.jsonl:1: expected a JSON object") != NULL,
	    "%s", e.msg);
	cr_assert_null(fleet_rebuild(plain, 3.5, &e));
	cr_assert(strstr(e.msg, "without node.rank: not a fleet store") != NULL,
	    "%s", e.msg);
	cr_assert_null(fleet_rebuild(empty, 3.5, &e));
	cr_assert(strstr(e.msg, "nothing to rebuild") != NULL, "%s", e.msg);
	free(bad);
	free(plain);
	free(empty);
}
