/* main.c - the dyno command line: argument parsing and subcommand dispatch. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw.h"
#include "params.h"
#include "plugin_loader.h"
#include "compare.h"
#include "report.h"
#include "report_junit.h"
#include "results.h"
#include "runner.h"
#include "scaffold.h"
#include "serve.h"
#include "suite.h"
#include "table.h"
#include "tune.h"
#include "units.h"
#include "xmalloc.h"

/* Exit codes: 0 ok, 1 a check failed (suites), 2 bad input or a probe
** that did not produce a result. */
#define EXIT_USAGE 2
#define EXIT_PROBE 2

/* Options every command accepts, gathered before dispatch. */
struct global {
	char **plugin_dirs;
	size_t nplugin_dirs;
};

struct command {
	const char *name;
	int (*fn)(struct global *g, int argc, char **argv);
	const char *summary;  /* one line for dyno --help */
	const char *usage;
	const char *help;
};

static void usage_error(const char *fmt, ...) DYNO_PRINTF(1, 2);

/* One line on stderr and exit 2: the form every bad input takes. */
static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dyno: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static void
load_plugins(struct global *g, struct loader *l, int quiet)
{
	loader_init(l);
	loader_load_all(l, g->plugin_dirs, g->nplugin_dirs);
	if (!quiet)
		for (size_t i = 0; i < l->nerrors; i++)
			fprintf(stderr, "dyno: warning: %s\n", l->errors[i]);
}

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

static void
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				JSON_REAL_PRECISION(9));

	if (s != NULL) {
		puts(s);
		free(s);
	}
}

static int
has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

/* Refuse any option but the allowed ones (and positional args). */
static void
check_args(const char *cmd, int argc, char **argv, const char *const *allowed,
	   int max_pos)
{
	int pos = 0;

	for (int i = 1; i < argc; i++) {
		int ok = 0;

		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (++pos > max_pos)
				usage_error("%s: unexpected argument '%s' "
				    "(see dyno %s --help)", cmd, argv[i], cmd);
			continue;
		}
		for (size_t k = 0; allowed[k]; k++)
			if (strcmp(argv[i], allowed[k]) == 0)
				ok = 1;
		if (!ok)
			usage_error("%s: unknown option '%s' (see dyno %s --help)",
				    cmd, argv[i], cmd);
	}
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

/* Find a probe or exit 2 with the closest names. */
static const struct dyno_probe *
find_or_die(struct loader *l, const char *id, const struct loader_plugin **pl)
{
	const struct dyno_probe *p = loader_find(l, id, pl);
	char near[512];

	if (p != NULL)
		return p;
	loader_suggest(l, id, near, sizeof(near));
	if (near[0])
		usage_error("unknown probe '%s'; did you mean: %s?", id, near);
	usage_error("unknown probe '%s'; dyno list shows the %zu loaded plugins' "
		    "probes", id, l->n);
	return NULL;
}

static const struct dyno_metric iterate_metrics[] = {
	{ "time", "s", DYNO_BETTER_LOWER, "time per operation" },
	{ "rate", "op/s", DYNO_BETTER_HIGHER, "operations per second" },
	{ "bandwidth", "B/s", DYNO_BETTER_HIGHER,
	  "bytes per second (probes that set bytes per operation)" },
	{ NULL, NULL, 0, NULL }
};

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
	metrics = p->iterate ? iterate_metrics : p->metrics;
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
			    "{s:s, s:s, s:s, s:s?}", "name", metrics[i].name,
			    "unit", metrics[i].unit, "better",
			    metrics[i].better == DYNO_BETTER_HIGHER ? "higher" : "lower",
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

static uint64_t
opt_duration(const char *opt, const char *val)
{
	struct dyno_err e;
	uint64_t ns;

	if (units_parse_duration(val, &ns, &e) < 0)
		usage_error("%s: %s", opt, e.msg);
	return ns;
}

/* Measurement options every running command takes. */
#define MEASURE_LONGOPTS \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "no-fork", no_argument, NULL, 'n' }, \
	{ "min-time", required_argument, NULL, 'm' }, \
	{ "max-time", required_argument, NULL, 'M' }, \
	{ "warmup", required_argument, NULL, 'w' }, \
	{ "min-batch-time", required_argument, NULL, 'b' }, \
	{ "ci-target", required_argument, NULL, 'c' }

/* Apply one measurement option; 0 if c is not one of them. */
static int
measure_opt(int c, const char *arg, struct runner_opts *ro, int *timeout_set)
{
	struct dyno_err e;

	switch (c) {
	case 't': ro->timeout_ns = opt_duration("--timeout", arg);
		  *timeout_set = 1; return 1;
	case 'n': ro->no_fork = 1; return 1;
	case 'm': ro->m.min_time_ns = opt_duration("--min-time", arg); return 1;
	case 'M': ro->m.max_time_ns = opt_duration("--max-time", arg); return 1;
	case 'w': ro->m.warmup_ns = opt_duration("--warmup", arg); return 1;
	case 'b': ro->m.min_batch_ns = opt_duration("--min-batch-time", arg);
		  return 1;
	case 'c':
		if (units_parse_float(arg, &ro->m.ci_target, &e) < 0)
			usage_error("--ci-target: %s", e.msg);
		return 1;
	}
	return 0;
}

/* After parsing: check the measurement options and derive the timeout. */
static void
measure_opts_done(struct runner_opts *ro, int timeout_set)
{
	struct dyno_err e;

	if (measure_opts_check(&ro->m, &e) < 0)
		usage_error("%s", e.msg);
	if (!timeout_set && ro->m.max_time_ns * 3 + 10000000000u > ro->timeout_ns)
		ro->timeout_ns = ro->m.max_time_ns * 3 + 10000000000u;
}

/* getopt's complaint about argv[optind - 1], as one line. */
static void
bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		usage_error("%s: option '%s' needs a value (see dyno %s --help)",
			    cmd, argv[optind - 1], cmd);
	usage_error("%s: unknown option '%s' (see dyno %s --help)", cmd,
		    argv[optind - 1], cmd);
}

/* The full inventory with plugins' facts and the fingerprint. */
static json_t *
inventory(const struct loader *l, const struct runner_opts *o)
{
	struct dyno_err e;
	json_t *inv = hw_collect(&e);

	if (inv == NULL) {
		fprintf(stderr, "dyno: warning: hardware inventory: %s\n", e.msg);
		inv = json_object();
	}
	if (l != NULL)
		runner_inventory(l, o, inv);
	hw_fingerprint(inv);
	return inv;
}

static json_t *
host_info(const struct loader *l, const struct runner_opts *o)
{
	json_t *inv = inventory(l, o), *hi;
	char name[256] = "";

	gethostname(name, sizeof(name) - 1);
	hi = json_pack("{s:O, s:s}", "fingerprint",
		       json_object_get(inv, "fingerprint"), "hostname", name);
	json_decref(inv);
	return hi;
}

static int
cmd_probe(struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		MEASURE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct runner_opts ro;
	const struct loader_plugin *pl;
	const struct dyno_probe *p;
	struct param_set ps;
	struct dyno_err e;
	const char *out = NULL, *id;
	int json = 0, fd = -1, c, rc = 0, timeout_set = 0;
	struct loader l;
	json_t *rec, *hi;
	const char *status;

	runner_opts_default(&ro);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'o': out = optarg; break;
		default:
			if (!measure_opt(c, optarg, &ro, &timeout_set))
				bad_option("probe", c, argv);
		}
	}
	measure_opts_done(&ro, timeout_set);
	/* GNU getopt moved the key=value pairs after the options. */
	if (optind >= argc)
		usage_error("probe: missing probe id: expected dyno probe "
			    "<plugin.probe> [key=value ...]");
	id = argv[optind];
	load_plugins(g, &l, json);
	p = find_or_die(&l, id, &pl);
	if (params_resolve(id, p->params, argv + optind + 1,
			   (size_t)(argc - optind - 1), &ps, &e) < 0)
		usage_error("%s", e.msg);
	/* Fail before measuring anything if results can't be kept. */
	if (out != NULL && (fd = results_open(out, &e)) < 0)
		usage_error("%s", e.msg);
	ro.progress = !json && isatty(STDERR_FILENO);
	hi = host_info(&l, &ro);
	ro.host = hi;
	rec = runner_run(pl, p, &ps, &ro);
	if (fd >= 0 && results_append(fd, rec, &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		rc = EXIT_PROBE;
	}
	if (json)
		print_json(rec);
	else
		table_print_record(stdout, rec);
	status = json_string_value(json_object_get(rec, "status"));
	if (status == NULL || (strcmp(status, "ok") != 0 &&
			       strcmp(status, "skipped") != 0))
		rc = EXIT_PROBE;
	if (runner_interrupted())
		rc = 130;
	if (fd >= 0)
		close(fd);
	json_decref(rec);
	json_decref(hi);
	params_free(&ps);
	loader_fini(&l);
	return rc;
}

static int
cmd_hw(struct global *g, int argc, char **argv)
{
	static const char *const allowed[] = { "--json", "--no-plugins", NULL };
	struct runner_opts ro;
	struct dyno_err e;
	struct loader l;
	json_t *inv;

	check_args("hw", argc, argv, allowed, 0);
	runner_opts_default(&ro);
	ro.timeout_ns = 30000000000u;
	inv = hw_collect(&e);
	if (inv == NULL)
		usage_error("hw: %s", e.msg);
	if (!has_flag(argc, argv, "--no-plugins")) {
		load_plugins(g, &l, 1);
		runner_inventory(&l, &ro, inv);
		loader_fini(&l);
	}
	hw_fingerprint(inv);
	if (has_flag(argc, argv, "--json"))
		print_json(inv);
	else
		hw_print(stdout, inv);
	json_decref(inv);
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

/* The facts a tune is bound to; a tune read on other hardware names
** which of these differ. */
static json_t *
hardware_summary(const json_t *inv)
{
	const json_t *cpu = json_object_get(inv, "cpu");
	const json_t *gpus = json_object_get(inv, "gpus");
	json_t *h = json_object();
	const char *keys[] = { "model", "physical_cores", "logical_cpus", NULL };
	size_t i;
	json_t *g;

	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(cpu, keys[i]);
		char k[32];

		snprintf(k, sizeof(k), "cpu.%s", keys[i]);
		if (v != NULL)
			json_object_set(h, k, v);
	}
	/* Whole GiB, as the fingerprint: a few MiB move between boots. */
	if (json_is_integer(json_object_get(json_object_get(inv, "memory"), "total")))
		json_object_set_new(h, "memory.total_gib", json_integer(
		    json_integer_value(json_object_get(json_object_get(inv,
		    "memory"), "total")) >> 30));
	json_array_foreach(gpus, i, g) {
		char k[32];

		snprintf(k, sizeof(k), "gpu.%zu.name", i);
		if (json_object_get(g, "name"))
			json_object_set(h, k, json_object_get(g, "name"));
	}
	return h;
}

/* Options of run and tune. */
struct suite_args {
	struct runner_opts ro;
	char **defines;
	size_t ndefines;
	const char *out, *junit, *results, *outdir;
	const char *yaml, *env, *json_tune, *check, *suite;
	int unsafe, json, quick;
};

static void
add_define(struct suite_args *a, char *kv)
{
	if (strchr(kv, '=') == NULL || kv[0] == '=')
		usage_error("-D '%s': expected -D name=value", kv);
	a->defines = xreallocarray(a->defines, a->ndefines + 1, sizeof(char *));
	a->defines[a->ndefines++] = kv;
}

static void
parse_suite_args(const char *cmd, int argc, char **argv, struct suite_args *a)
{
	static const struct option longopts[] = {
		{ "define", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'O' },
		{ "junit", required_argument, NULL, 'J' },
		{ "results", required_argument, NULL, 'R' },
		{ "output-dir", required_argument, NULL, 'd' },
		{ "unsafe-lua", no_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "suite", required_argument, NULL, 's' },
		{ "env", required_argument, NULL, 'E' },
		{ "tune-json", required_argument, NULL, 'T' },
		{ "check", required_argument, NULL, 'C' },
		{ "quick", no_argument, NULL, 'q' },
		MEASURE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c, timeout_set = 0;
	int is_tune = strcmp(cmd, "tune") == 0;

	memset(a, 0, sizeof(*a));
	runner_opts_default(&a->ro);
	a->outdir = ".";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":D:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'D': add_define(a, optarg); break;
		case 'O': a->out = optarg; break;
		case 'o':
			if (!is_tune)
				usage_error("run: unknown option '-o' (dyno run writes "
				    "its document with --out)");
			a->yaml = optarg;
			break;
		case 'J': a->junit = optarg; break;
		case 'R': a->results = optarg; break;
		case 'd': a->outdir = optarg; break;
		case 'U': a->unsafe = 1; break;
		case 'j': a->json = 1; break;
		case 's': case 'E': case 'T': case 'C': case 'q':
			if (!is_tune)
				bad_option(cmd, '?', argv);
			if (c == 's') a->suite = optarg;
			if (c == 'E') a->env = optarg;
			if (c == 'T') a->json_tune = optarg;
			if (c == 'C') a->check = optarg;
			if (c == 'q') a->quick = 1;
			break;
		default:
			if (!measure_opt(c, optarg, &a->ro, &timeout_set))
				bad_option(cmd, c, argv);
		}
	}
	measure_opts_done(&a->ro, timeout_set);
}

/* Write doc (JSON) or JUnit atomically; report failure on stderr. */
static int
write_doc(const char *path, const json_t *doc, int junit)
{
	struct dyno_err e;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (junit) {
		FILE *fp = open_memstream(&data, &len);

		if (fp == NULL)
			return -1;
		report_junit(fp, doc);
		fclose(fp);
	} else {
		data = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				  JSON_REAL_PRECISION(9));
		len = data ? strlen(data) : 0;
	}
	rc = results_write_atomic(path, data ? data : "", len, &e);
	if (rc < 0)
		fprintf(stderr, "dyno: %s\n", e.msg);
	free(data);
	return rc;
}

/* Everything a suite needs before it starts; exits 2 on bad input. */
static void
suite_prepare(struct global *g, struct suite_args *a, const char *path,
	      struct loader *l, struct suite *s, json_t **inv)
{
	struct dyno_err e;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		usage_error("cannot read suite '%s': %s", path, strerror(errno));
	fclose(fp);
	if (a->out && results_check_writable(a->out, &e) < 0)
		usage_error("--out: %s", e.msg);
	if (a->junit && results_check_writable(a->junit, &e) < 0)
		usage_error("--junit: %s", e.msg);
	if (access(a->outdir, W_OK) < 0)
		usage_error("--output-dir '%s': %s", a->outdir, strerror(errno));
	suite_init(s);
	if (a->results && (s->results_fd = results_open(a->results, &e)) < 0)
		usage_error("--results: %s", e.msg);
	load_plugins(g, l, a->json);
	*inv = inventory(l, &a->ro);
	s->loader = l;
	s->ro = a->ro;
	s->inventory = *inv;
	s->defines = a->defines;
	s->ndefines = a->ndefines;
	s->outdir = a->outdir;
	s->unsafe = a->unsafe;
	s->quiet = a->json;
	s->out = a->json ? stderr : stdout;
}

/* A suite run as dyno run and dyno tune share it. */
struct session {
	struct suite s;
	struct loader l;
	struct tune *t;
	json_t *inv, *hw, *doc;
	int rc, code;
};

/* Prepare, run the suite, print the summary, write --out and --junit. */
static void
session_run(struct global *g, struct suite_args *a, const char *path,
	    struct session *x)
{
	struct dyno_err e;

	suite_prepare(g, a, path, &x->l, &x->s, &x->inv);
	x->t = tune_new();
	x->hw = hardware_summary(x->inv);
	tune_set_header(x->t, json_string_value(json_object_get(x->inv,
			"fingerprint")), x->hw, path);
	x->s.tune = x->t;
	x->rc = suite_run(&x->s, path, &e);
	if (x->rc < 0 && !x->s.script_error[0])
		snprintf(x->s.script_error, sizeof(x->s.script_error), "%s", e.msg);
	suite_print_summary(&x->s, a->json ? stderr : stdout);
	x->doc = suite_document(&x->s);
	x->code = suite_exit_code(&x->s, x->rc);
	if (a->out && write_doc(a->out, x->doc, 0) < 0)
		x->code = 2;
	if (a->junit && write_doc(a->junit, x->doc, 1) < 0)
		x->code = 2;
}

/* Print the document under --json, free everything; the exit code. */
static int
session_end(struct suite_args *a, struct session *x)
{
	if (a->json)
		print_json(x->doc);
	if (runner_interrupted())
		x->code = 130;
	json_decref(x->doc);
	json_decref(x->hw);
	json_decref(x->inv);
	tune_free(x->t);
	if (x->s.results_fd >= 0)
		close(x->s.results_fd);
	suite_fini(&x->s);
	loader_fini(&x->l);
	free(a->defines);
	return x->code;
}

static int
cmd_run(struct global *g, int argc, char **argv)
{
	struct suite_args a;
	struct session x;

	parse_suite_args("run", argc, argv, &a);
	if (optind != argc - 1)
		usage_error("run: expected one suite file: dyno run SUITE.lua "
			    "[-D name=value ...]");
	session_run(g, &a, argv[optind], &x);
	return session_end(&a, &x);
}

/* The shipped suite `name`: from the source tree when running from the
** build tree, else from the installed suites directory. */
static char *
shipped_suite(const char *name)
{
	return xasprintf("%s/%s", loader_in_build_tree() ? DYNO_SRC_SUITE_DIR :
			 DYNO_SUITE_DIR, name);
}

static int
tune_check_cmd(struct global *g, struct suite_args *a)
{
	struct runner_opts ro;
	struct dyno_err e;
	struct loader l;
	json_t *inv, *hw;
	char diff[2048] = "";
	int rc;

	runner_opts_default(&ro);
	load_plugins(g, &l, 1);
	inv = inventory(&l, &ro);
	hw = hardware_summary(inv);
	rc = tune_check(a->check, json_string_value(json_object_get(inv,
			"fingerprint")), hw, diff, sizeof(diff), &e);
	json_decref(hw);
	json_decref(inv);
	loader_fini(&l);
	if (rc < 0)
		usage_error("tune --check: %s", e.msg);
	if (rc == 0)
		printf("%s: made for this hardware (fingerprint matches)\n", a->check);
	else
		printf("%s: made for other hardware:\n%s", a->check, diff);
	return rc == 0 ? 0 : 1;
}

static int
cmd_tune(struct global *g, int argc, char **argv)
{
	struct suite_args a;
	struct dyno_err e;
	struct session x;
	char *suite;
	int code;

	parse_suite_args("tune", argc, argv, &a);
	if (optind != argc)
		usage_error("tune: unexpected argument '%s' (see dyno tune --help)",
			    argv[optind]);
	if (a.check)
		return tune_check_cmd(g, &a);
	if (!a.yaml)
		a.yaml = "dyno-tuned.yaml";
	if (results_check_writable(a.yaml, &e) < 0)
		usage_error("-o: %s", e.msg);
	if (a.env && results_check_writable(a.env, &e) < 0)
		usage_error("--env: %s", e.msg);
	if (a.json_tune && results_check_writable(a.json_tune, &e) < 0)
		usage_error("--tune-json: %s", e.msg);
	if (a.quick)
		add_define(&a, "quick=true");
	suite = a.suite ? xstrdup(a.suite) : shipped_suite("tune.lua");
	session_run(g, &a, suite, &x);
	/* A suite that broke, or was stopped, leaves the previous tune. */
	if (x.rc < 0 || runner_interrupted()) {
		fprintf(stderr, "dyno: tune: the suite failed; %s left as it was\n",
			a.yaml);
	} else if ((a.env && tune_write_env(x.t, a.env, &e) < 0) ||
		   (a.json_tune && tune_write_json(x.t, a.json_tune, &e) < 0) ||
		   tune_write_yaml(x.t, a.yaml, &e) < 0) {
		/* The YAML is written last: a launcher reads it, and it stays
		** the previous one if another file could not be written. */
		fprintf(stderr, "dyno: %s\n", e.msg);
		x.code = 2;
	} else {
		fprintf(a.json ? stderr : stdout, "wrote %s (%zu keys)%s%s%s%s\n",
			a.yaml, tune_count(x.t), a.env ? ", " : "",
			a.env ? a.env : "", a.json_tune ? ", " : "",
			a.json_tune ? a.json_tune : "");
	}
	code = session_end(&a, &x);
	free(suite);
	return code;
}

static int
cmd_serve(struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "max-msg", required_argument, NULL, 'm' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "busy-poll", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	struct serve_opts so;
	struct dyno_err e;
	int64_t v;
	int c;

	(void)g;
	serve_opts_default(&so);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			so.bind = optarg;
			break;
		case 'p':
			if (units_parse_int(optarg, &v, &e) < 0)
				usage_error("serve: --port: %s", e.msg);
			if (v < 0 || v > 65535)
				usage_error("serve: --port: '%s' is out of range "
					    "(expected 0 to 65535)", optarg);
			so.port = (int)v;
			break;
		case 'c':
			if (units_parse_int(optarg, &v, &e) < 0)
				usage_error("serve: --max-conns: %s", e.msg);
			if (v < 1 || v > 1000000)
				usage_error("serve: --max-conns: '%s' is out of "
					    "range (expected 1 to 1000000)", optarg);
			so.max_conns = (unsigned)v;
			break;
		case 'm':
			if (units_parse_size(optarg, &so.max_msg, &e) < 0)
				usage_error("serve: --max-msg: %s", e.msg);
			/* Hello sizes are 32-bit. */
			if (so.max_msg < 1 || so.max_msg > UINT32_MAX)
				usage_error("serve: --max-msg: '%s' is out of "
					    "range (expected 1B to 4GiB-1)", optarg);
			break;
		case 'i':
			so.idle_ns = opt_duration("serve: --idle-timeout", optarg);
			break;
		case 't':
			if (units_parse_int(optarg, &v, &e) < 0)
				usage_error("serve: --threads: %s", e.msg);
			if (v < 1 || v > 1024)
				usage_error("serve: --threads: '%s' is out of "
					    "range (expected 1 to 1024)", optarg);
			so.threads = (unsigned)v;
			break;
		case 'B':
			so.busy_poll_ns = opt_duration("serve: --busy-poll",
						       optarg);
			if (so.busy_poll_ns > 1000000000u)
				usage_error("serve: --busy-poll: '%s' is out of "
					    "range (expected 0 to 1s)", optarg);
			break;
		default:
			bad_option("serve", c, argv);
		}
	}
	if (optind < argc)
		usage_error("serve: unexpected argument '%s' (see dyno serve "
			    "--help)", argv[optind]);
	if (serve_run(&so, &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		return 2;
	}
	return 0;
}

static int
cmd_report(struct global *g, int argc, char **argv)
{
	(void)g;
	return report_main(argc, argv);
}

static int
cmd_compare(struct global *g, int argc, char **argv)
{
	(void)g;
	return compare_main(argc, argv);
}

static int cmd_help(struct global *g, int argc, char **argv);

static const struct command commands[] = {
	{ "list", cmd_list, "list every plugin and probe found", "dyno list [--json]",
	  "List every plugin and probe found, one line each." },
	{ "describe", cmd_describe, "a probe's parameters and metrics",
	  "dyno describe <plugin.probe> [--json]",
	  "Show a probe's summary, parameters (type, default, range, help) and\n"
	  "metrics (unit, whether higher or lower is better)." },
	{ "probe", cmd_probe, "run one probe, isolated, and print its result",
	  "dyno probe <plugin.probe> [key=value ...] [--json] [--out FILE]\n"
	  "           [--timeout 60s] [--no-fork] [--min-time 0.5s] [--max-time 10s]\n"
	  "           [--warmup 100ms] [--min-batch-time 10ms] [--ci-target 2%]",
	  "Run one probe in an isolated child process and print its result.\n"
	  "  --json            print the result record (JSON) on stdout\n"
	  "  --out FILE        append the record to FILE (JSON lines, fsynced)\n"
	  "  --timeout D       kill the probe after D (default: 60s, or 3x\n"
	  "                    max-time + 10s if that is longer)\n"
	  "  --no-fork         run in the dyno process (debugging)\n"
	  "  --min-time D      measure at least D\n"
	  "  --max-time D      measure at most D\n"
	  "  --warmup D        run unmeasured for D first (iterate probes)\n"
	  "  --min-batch-time D  one timed batch lasts at least D\n"
	  "  --ci-target P     stop when the 95% CI half-width is within P of\n"
	  "                    the mean\n"
	  "Exit status: 0 ok or skipped, 2 bad input or the probe failed,\n"
	  "crashed or timed out." },
	{ "run", cmd_run, "run a Lua suite: probes, checks, verdicts",
	  "dyno run SUITE.lua [-D name=value ...] [--out run.json] [--junit FILE]\n"
	  "         [--results FILE] [--output-dir DIR] [--unsafe-lua] [--json]\n"
	  "         [measurement options as for dyno probe]",
	  "Run a suite.  Prints each probe's result and each check's verdict as\n"
	  "it goes, then a summary.\n"
	  "  -D, --define NAME=VALUE  a value for dyno.param(NAME, default)\n"
	  "  --out FILE        write the run document (JSON) to FILE\n"
	  "  --junit FILE      write JUnit XML: each check a test case\n"
	  "  --results FILE    append every probe's record to FILE (JSON lines)\n"
	  "  --output-dir DIR  where the suite may write files (default: .)\n"
	  "  --unsafe-lua      give the suite os.execute, io.popen, C modules\n"
	  "  --json            print the run document on stdout, the rest on stderr\n"
	  "Exit status: 0 every check passed (or review), 1 a check failed,\n"
	  "2 a probe failed or the script raised an error, or bad input." },
	{ "tune", cmd_tune, "run the tuning suite and write the tune",
	  "dyno tune [--suite FILE] [-o dyno-tuned.yaml] [--env FILE]\n"
	  "          [--tune-json FILE] [--quick] [-D name=value ...]\n"
	  "          [--out run.json] [--junit FILE] [--results FILE]\n"
	  "dyno tune --check FILE",
	  "Run the tuning suite (default: the shipped tune.lua) and write the\n"
	  "tune: a YAML file a launcher reads (nested keys, a dyno: header with\n"
	  "the hardware fingerprint, a why: map of reasons), written atomically.\n"
	  "  -o FILE           the YAML tune (default dyno-tuned.yaml)\n"
	  "  --env FILE        also KEY=value lines (CPU_WORKERS=2)\n"
	  "  --tune-json FILE  also the tune as JSON\n"
	  "  --quick           shorter measurements (-D quick=true)\n"
	  "  --check FILE      is FILE made for this hardware?  Exit 0 yes,\n"
	  "                    1 no (and what differs), 2 unreadable\n"
	  "Other options as for dyno run.  If the suite raises an error the\n"
	  "previous tune file is left untouched." },
	{ "hw", cmd_hw, "hardware inventory and its fingerprint",
	  "dyno hw [--json] [--no-plugins]",
	  "Print the hardware inventory (CPU, caches, NUMA, memory, OS, disks,\n"
	  "network, and what plugins add, e.g. GPUs) and its fingerprint." },
	{ "serve", cmd_serve, "the peer for network probes (TCP, UDP, HTTP)",
	  "dyno serve [--bind 127.0.0.1] [--port 7478] [--max-conns 1024]\n"
	  "           [--max-msg 16MiB] [--idle-timeout 30s] [--threads 1]\n"
	  "           [--busy-poll 0]",
	  "Serve the network plugin's protocol (serve/wire.h) until SIGTERM or\n"
	  "SIGINT: TCP round trips, sink and source streams, an HTTP/1.1\n"
	  "subset (GET /, GET /bytes/N, POST, PUT) and UDP echo, all on one\n"
	  "port.  The first line on stdout is \"dyno serve: listening on\n"
	  "HOST:PORT\"; refused and timed-out clients are logged on stderr.\n"
	  "  --bind ADDR       address to listen on (default 127.0.0.1; give\n"
	  "                    0.0.0.0 or :: to accept other machines)\n"
	  "  --port N          TCP and UDP port (default 7478; 0: any free one)\n"
	  "  --max-conns N     connections served at once; more are accepted,\n"
	  "                    logged and closed (default 1024)\n"
	  "  --max-msg SIZE    largest hello size, HTTP body or /bytes/N\n"
	  "                    (default 16MiB)\n"
	  "  --idle-timeout D  close a connection idle for D (default 30s;\n"
	  "                    0: never)\n"
	  "  --threads N       N event loops on N threads, sharing the port\n"
	  "                    with SO_REUSEPORT (default 1)\n"
	  "  --busy-poll D     while a sink or source stream is open, poll for\n"
	  "                    up to D (at most 1s) before sleeping, so the\n"
	  "                    sender need not wake this CPU (default 0:\n"
	  "                    sleep between reads, as iperf3 -s does)\n"
	  "Exit status: 0 after SIGTERM or SIGINT, 2 bad input or the port\n"
	  "could not be bound." },
	{ "report", cmd_report, "a run as Markdown, HTML, JUnit, Prometheus, CSV...",
	  "dyno report RUN.json [--format md|html|junit|tap|prom|csv|gbench|bmf|gab]\n"
	  "            [-o FILE]",
	  "Write a run document (dyno run --out), a result record or a results\n"
	  "file in another format, on stdout or atomically to FILE.\n"
	  "  --format md       Markdown: host, a table per plugin, sweeps, latency\n"
	  "                    percentiles, thresholds, tune, warnings (default)\n"
	  "  --format html     the same in one self-contained file, with charts\n"
	  "                    drawn by gnuplot (DYNO_GNUPLOT=none: no charts)\n"
	  "  --format junit    JUnit XML: each check a test case\n"
	  "  --format tap      TAP 13: each check a test point (for prove)\n"
	  "  --format prom     Prometheus text format: a gauge per statistic\n"
	  "  --format csv      one row per record, metric and statistic\n"
	  "  --format gbench   Google Benchmark JSON (for its compare.py)\n"
	  "  --format bmf      Bencher Metric Format JSON\n"
	  "  --format gab      github-action-benchmark JSON: -o out.json writes\n"
	  "                    out-bigger.json and out-smaller.json\n"
	  "  -o, --output FILE write FILE instead of stdout\n"
	  "Exit status: 0 written, 2 bad input or FILE could not be written.\n"
	  "See docs/reports.md." },
	{ "compare", cmd_compare, "two runs, metric by metric, with verdicts",
	  "dyno compare BASE.json NEW.json [--max-regression 5%] [--alpha 0.05]\n"
	  "             [--format text|md|json] [--seed N] [--ignore-host]",
	  "Compare two runs (run documents, result records or results files),\n"
	  "probe by probe (same id, params and instance) and metric by metric:\n"
	  "base and new medians, their ratio with a 95% bootstrap CI, the\n"
	  "Mann-Whitney U p-value, and a verdict: improved, regressed,\n"
	  "unchanged, inconclusive or not comparable, with the reason.\n"
	  "  --max-regression T  change beyond which a metric has regressed or\n"
	  "                      improved: 5% or 0.05 (default 5%)\n"
	  "  --alpha A           significance level of the U test (default 0.05)\n"
	  "  --format F          text (default), md (a table for a pull request)\n"
	  "                      or json\n"
	  "  --seed N            bootstrap seed (fixed by default: same output\n"
	  "                      for the same input)\n"
	  "  --ignore-host       compare runs from different hardware (still\n"
	  "                      warned about)\n"
	  "Exit status: 0 no regression, 1 a metric regressed beyond\n"
	  "--max-regression with p < alpha, 2 bad input." },
	{ "new-plugin", cmd_new_plugin, "write a ready-to-build plugin skeleton",
	  "dyno new-plugin NAME [DIR]",
	  "Write a ready-to-build out-of-tree plugin into DIR (default\n"
	  "dyno-NAME): NAME.c, a Makefile using pkg-config dyno-plugin, test.sh." },
	{ "help", cmd_help, "help on a command", "dyno help [COMMAND]",
	  "Show help." },
	{ NULL, NULL, NULL, NULL, NULL }
};

static void
print_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dyno [--plugin-dir DIR ...] COMMAND [ARGS]\n\n"
	    "dyno measures what a machine really does for a workload.\n\n"
	    "commands:\n");
	for (size_t i = 0; commands[i].name; i++)
		fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp,
	    "\noptions:\n"
	    "  --plugin-dir DIR  look for plugins in DIR first (repeatable)\n"
	    "  --version         print the version\n"
	    "  --help            this text; dyno COMMAND --help for a command\n\n"
	    "Plugins are searched in --plugin-dir, $DYNO_PLUGIN_PATH, the build\n"
	    "tree (when run from it), then %s.\n", DYNO_PLUGIN_DIR);
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; commands[i].name; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
command_help(const struct command *c)
{
	printf("usage: %s\n\n%s\n", c->usage, c->help);
}

static int
cmd_help(struct global *g, int argc, char **argv)
{
	const struct command *c;

	(void)g;
	if (argc < 2) {
		print_usage(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (c == NULL)
		usage_error("help: unknown command '%s'", argv[1]);
	command_help(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct global g = { 0 };
	const struct command *c;
	char **rest;
	int nrest = 0, rc;

	json_set_alloc_funcs(xmalloc, free);
	/* --plugin-dir is global: take it out wherever it appears. */
	rest = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--plugin-dir") == 0) {
			if (i + 1 >= argc)
				usage_error("--plugin-dir needs a directory");
			g.plugin_dirs = xreallocarray(g.plugin_dirs,
			    g.nplugin_dirs + 1, sizeof(char *));
			g.plugin_dirs[g.nplugin_dirs++] = argv[++i];
		} else if (strncmp(argv[i], "--plugin-dir=", 13) == 0) {
			g.plugin_dirs = xreallocarray(g.plugin_dirs,
			    g.nplugin_dirs + 1, sizeof(char *));
			g.plugin_dirs[g.nplugin_dirs++] = argv[i] + 13;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (nrest == 0) {
		print_usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (strcmp(rest[0], "--version") == 0 || strcmp(rest[0], "-V") == 0) {
		printf("dyno %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
		       DYNO_ABI_MAJOR, DYNO_ABI_MINOR);
		rc = 0;
		goto out;
	}
	if (strcmp(rest[0], "--help") == 0 || strcmp(rest[0], "-h") == 0) {
		print_usage(stdout);
		rc = 0;
		goto out;
	}
	c = find_command(rest[0]);
	if (c == NULL) {
		if (rest[0][0] == '-')
			usage_error("unknown option '%s' (see dyno --help)", rest[0]);
		usage_error("unknown command '%s' (see dyno --help)", rest[0]);
	}
	for (int i = 1; i < nrest; i++)
		if (strcmp(rest[i], "--help") == 0 || strcmp(rest[i], "-h") == 0) {
			command_help(c);
			rc = 0;
			goto out;
		}
	rc = c->fn(&g, nrest, rest);
out:
	free(rest);
	free(g.plugin_dirs);
	return rc;
}
