/* cmd_list.c - dyno list, describe and new-plugin: the plugins, a new one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctx.h"
#include "params.h"
#include "scaffold.h"
#include "xmalloc.h"

static int cmd_list(struct global *, int, char **);
static int cmd_describe(struct global *, int, char **);
static int cmd_new_plugin(struct global *, int, char **);

const struct command cmd_list_entry = {
	.name = "list",
	.fn = cmd_list,
	.summary = "list every plugin and probe found",
	.usage = "dyno list [--json]",
	.help = "List every plugin and probe found, one line each."
};

const struct command cmd_describe_entry = {
	.name = "describe",
	.fn = cmd_describe,
	.summary = "a probe's parameters and metrics",
	.usage = "dyno describe <plugin.probe> [--json]",
	.help =
	    "Show a probe's summary, parameters (type, default, range, help) and\n"
	    "metrics (unit, whether higher or lower is better)."
};

const struct command cmd_new_plugin_entry = {
	.name = "new-plugin",
	.fn = cmd_new_plugin,
	.summary = "write a ready-to-build plugin skeleton",
	.usage = "dyno new-plugin NAME [DIR]",
	.help =
	    "Write a ready-to-build out-of-tree plugin into DIR (default\n"
	    "dyno-NAME): NAME.c, a Makefile using pkg-config dyno-plugin, test.sh."
};

static const char *
style_of(const struct dyno_probe *p)
{
	if (p->unavailable_reason)
		return "unavailable";
	return p->iterate ? "iterate" : "run";
}

static json_t *
flags_json(uint32_t flags)
{
	json_t *a = json_array();

	if (flags & DYNO_PROBE_NEEDS_GPU)
		json_array_append_new(a, json_string("needs_gpu"));
	if (flags & DYNO_PROBE_EXCLUSIVE)
		json_array_append_new(a, json_string("exclusive"));
	if (flags & DYNO_PROBE_WRITES_DISK)
		json_array_append_new(a, json_string("writes_disk"));
	return a;
}

static int
cmd_list(struct global *g, int argc, char **argv)
{
	static const char *const allowed[] = { "--json", NULL };
	int json = has_flag(argc, argv, "--json");
	struct loader l;

	check_args("list", argc, argv, allowed, 0);
	load_plugins(g, &l, json);
	if (json) {
		json_t *out = json_object(), *plugins = json_array();
		json_t *errs = json_array(), *dirs = json_array();

		for (size_t i = 0; i < l.n; i++) {
			const struct dyno_plugin *d = l.plugins[i].desc;
			json_t *probes = json_array();

			for (size_t j = 0; d->probes && d->probes[j]; j++) {
				const struct dyno_probe *p = d->probes[j];

				json_array_append_new(probes, json_pack(
				    "{s:s++, s:s, s:s?, s:s, s:o, s:s?}",
				    "id", d->name, ".", p->name,
				    "name", p->name, "summary", p->summary,
				    "style", style_of(p), "flags",
				    flags_json(p->flags), "unavailable_reason",
				    p->unavailable_reason));
			}
			json_array_append_new(plugins, json_pack(
			    "{s:s, s:s, s:s?, s:s, s:o}", "name", d->name,
			    "version", d->version, "summary", d->summary,
			    "path", l.plugins[i].path, "probes", probes));
		}
		for (size_t i = 0; i < l.nerrors; i++)
			json_array_append_new(errs, json_string(l.errors[i]));
		for (size_t i = 0; i < l.ndirs; i++)
			json_array_append_new(dirs, json_string(l.dirs[i]));
		json_object_set_new(out, "plugins", plugins);
		json_object_set_new(out, "errors", errs);
		json_object_set_new(out, "search_path", dirs);
		print_json(out);
		json_decref(out);
	} else {
		size_t width = 0;

		for (size_t i = 0; i < l.n; i++) {
			const struct dyno_plugin *d = l.plugins[i].desc;

			for (size_t j = 0; d->probes && d->probes[j]; j++) {
				size_t w = strlen(d->name) + 1 +
					   strlen(d->probes[j]->name);
				if (w > width)
					width = w;
			}
		}
		for (size_t i = 0; i < l.n; i++) {
			const struct dyno_plugin *d = l.plugins[i].desc;

			for (size_t j = 0; d->probes && d->probes[j]; j++) {
				const struct dyno_probe *p = d->probes[j];
				char id[160];

				snprintf(id, sizeof(id), "%s.%s", d->name, p->name);
				printf("%-*s  %-7s  %s\n", (int)width, id,
				       p->unavailable_reason ? "n/a" : style_of(p),
				       p->summary ? p->summary : "");
			}
		}
		if (l.n == 0)
			fprintf(stderr, "dyno: no plugins found (searched %zu "
				"directories; see dyno list --json)\n", l.ndirs);
	}
	loader_fini(&l);
	return 0;
}

static int
cmd_describe(struct global *g, int argc, char **argv)
{
	static const char *const allowed[] = { "--json", NULL };
	const struct loader_plugin *pl;
	const struct dyno_probe *p;
	const struct dyno_metric *metrics;
	const char *id = NULL;
	int json = has_flag(argc, argv, "--json");
	struct loader l;

	check_args("describe", argc, argv, allowed, 1);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			id = argv[i];
	if (id == NULL)
		usage_error("describe: missing probe id: expected dyno describe "
			    "<plugin.probe>");
	load_plugins(g, &l, 1);
	p = find_or_die(&l, id, &pl);
	metrics = p->iterate ? ctx_iterate_metrics : p->metrics;
	if (json) {
		json_t *params = json_array(), *mets = json_array(), *out;

		for (size_t i = 0; p->params && p->params[i].name; i++) {
			const struct dyno_param *d = &p->params[i];

			json_array_append_new(params, json_pack(
			    "{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}",
			    "name", d->name, "type", params_type_name(d->type),
			    "default", d->def, "min", d->min, "max", d->max,
			    "choices", d->choices, "help", d->help));
		}
		for (size_t i = 0; metrics && metrics[i].name; i++)
			json_array_append_new(mets, json_pack(
			    "{s:s, s:s, s:s, s:b, s:s?}", "name", metrics[i].name,
			    "unit", metrics[i].unit, "better",
			    metrics[i].better == DYNO_BETTER_HIGHER ? "higher" : "lower",
			    "headline", i < ctx_headline_count(p),
			    "help", metrics[i].help));
		out = json_pack("{s:s, s:s?, s:s, s:s, s:o, s:s?, s:o, s:o}",
		    "id", id, "summary", p->summary, "style", style_of(p),
		    "plugin_version", pl->desc->version,
		    "flags", flags_json(p->flags),
		    "unavailable_reason", p->unavailable_reason,
		    "params", params, "metrics", mets);
		print_json(out);
		json_decref(out);
	} else {
		printf("%s — %s\n", id, p->summary ? p->summary : "");
		printf("  plugin %s %s (%s), %s probe\n", pl->desc->name,
		       pl->desc->version, pl->path, style_of(p));
		if (p->unavailable_reason)
			printf("  unavailable: %s\n", p->unavailable_reason);
		if (p->flags) {
			json_t *f = flags_json(p->flags);
			size_t i;
			json_t *v;

			printf("  flags:");
			json_array_foreach(f, i, v)
				printf(" %s", json_string_value(v));
			printf("\n");
			json_decref(f);
		}
		printf("\nparameters:\n");
		if (p->params == NULL || p->params[0].name == NULL)
			printf("  (none)\n");
		for (size_t i = 0; p->params && p->params[i].name; i++) {
			const struct dyno_param *d = &p->params[i];
			char range[160] = "";

			if (d->choices)
				snprintf(range, sizeof(range), "one of %s", d->choices);
			else if (d->min || d->max)
				snprintf(range, sizeof(range), "%s..%s",
					 d->min ? d->min : "", d->max ? d->max : "");
			printf("  %-14s %-9s default %-10s %-22s %s\n", d->name,
			       params_type_name(d->type), d->def ? d->def : "(required)",
			       range, d->help ? d->help : "");
		}
		printf("\nmetrics:\n");
		for (size_t i = 0; metrics && metrics[i].name; i++)
			printf("  %-14s %-6s %-7s %s\n", metrics[i].name,
			       metrics[i].unit[0] ? metrics[i].unit : "-",
			       metrics[i].better == DYNO_BETTER_HIGHER ?
			       "higher" : "lower", metrics[i].help ? metrics[i].help : "");
	}
	loader_fini(&l);
	return 0;
}

static int
cmd_new_plugin(struct global *g, int argc, char **argv)
{
	static const char *const allowed[] = { NULL };
	const char *pos[2] = { NULL, NULL };
	struct dyno_err e;
	char *dir;
	int n = 0, rc;

	(void)g;
	check_args("new-plugin", argc, argv, allowed, 2);
	for (int i = 1; i < argc; i++)
		pos[n++] = argv[i];
	if (pos[0] == NULL)
		usage_error("new-plugin: missing name: expected dyno new-plugin "
			    "NAME [DIR]");
	dir = pos[1] ? xstrdup(pos[1]) : xasprintf("dyno-%s", pos[0]);
	rc = scaffold_write(pos[0], dir, &e);
	if (rc < 0) {
		free(dir);
		usage_error("new-plugin: %s", e.msg);
	}
	printf("wrote %s/%s.c, %s/Makefile, %s/test.sh\n"
	       "next: cd %s && make && make check\n", dir, pos[0], dir, dir, dir);
	free(dir);
	return 0;
}
