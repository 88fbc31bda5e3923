/* fleet_compare.c - what dyno compare needs of fleet documents: node keys and fleet-wide records. */
#include "config.h"

#include "fleet_compare.h"
#include "xmalloc.h"

char *
fleet_compare_node(const json_t *rec)
{
	const json_t *node = json_object_get(rec, "node");
	const char *host;
	json_int_t local;

	if (!json_is_object(node))
		return NULL;
	if (json_is_true(json_object_get(node, "fleet")))
		return xstrdup("fleet");
	host = json_string_value(json_object_get(node, "hostname"));
	local = json_integer_value(json_object_get(node, "local"));
	if (local > 0)
		return xasprintf("%s#%" JSON_INTEGER_FORMAT, host ? host : "?",
		    local);
	return xstrdup(host ? host : "?");
}

void
fleet_compare_prepare(json_t *doc)
{
	const json_t *stats = json_object_get(json_object_get(doc, "fleet"),
	    "stats"), *s;
	json_t *results = json_object_get(doc, "results");
	size_t i;

	json_array_foreach(stats, i, s) {
		const json_t *d = json_object_get(s, "distribution");
		json_t *m = json_pack("{s:O, s:O?, s:O, s:O?, s:O}",
		    "unit", json_object_get(s, "unit"),
		    "better", json_object_get(s, "better"),
		    "n", json_object_get(s, "count"),
		    "median", json_object_get(d, "p50"),
		    "histogram", json_object_get(s, "histogram"));
		json_t *rec = json_pack("{s:O, s:O, s:s, s:s, s:{s:b}, s:{s:o}}",
		    "id", json_object_get(s, "id"),
		    "params", json_object_get(s, "params"),
		    "status", "ok", "message", "",
		    "node", "fleet", 1,
		    "metrics", json_string_value(json_object_get(s, "metric")),
		    m);

		if (rec != NULL)
			json_array_append_new(results, rec);
	}
}
