/* test_loader.c - the plugin loader: good plugins load, each bad fixture is refused with its own message. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_loader.h"
#include "xmalloc.h"

#define FIX(name) TEST_BUILD_DIR "/tests/plugins/" name ".so"

static int
load_one(const char *path, struct dyno_err *e)
{
	struct loader l;
	int rc;

	loader_init(&l);
	rc = loader_load_file(&l, path, e);
	loader_fini(&l);
	return rc;
}

Test(loader, good_plugin_loads)
{
	struct loader l;
	struct dyno_err e = { 0 };
	const struct loader_plugin *pl = NULL;
	const struct dyno_probe *p;

	loader_init(&l);
	cr_assert_eq(loader_load_file(&l, FIX("good"), &e), 0, "%s", e.msg);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.plugins[0].desc->name, "good");
	p = loader_find(&l, "good.rec", &pl);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->name, "rec");
	cr_assert_eq(pl, &l.plugins[0]);
	cr_assert_null(loader_find(&l, "good.nope", NULL));
	cr_assert_null(loader_find(&l, "goodrec", NULL));
	loader_fini(&l);
}

Test(loader, not_a_shared_object)
{
	char dir[] = "/tmp/dyno-test-XXXXXX";
	struct dyno_err e = { 0 };
	char *path;
	FILE *fp;

	cr_assert_not_null(mkdtemp(dir));
	path = xasprintf("%s/text.so", dir);
	fp = fopen(path, "w");
	fputs("this is not an ELF file\n", fp);
	fclose(fp);
	cr_assert_eq(load_one(path, &e), DYNO_EABI);
	cr_assert(strstr(e.msg, "cannot load") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, path) != NULL, "%s", e.msg);
	unlink(path);
	rmdir(dir);
	free(path);
}

Test(loader, no_entry_symbol)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(load_one(FIX("no_entry"), &e), DYNO_EABI);
	cr_assert(strstr(e.msg, "not a dyno plugin (no dyno_plugin_v1 symbol)"),
		  "%s", e.msg);
}

Test(loader, wrong_abi_major)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(load_one(FIX("wrong_abi"), &e), DYNO_EABI);
	cr_assert(strstr(e.msg, "plugin ABI 2, this dyno supports ABI 1"),
		  "%s", e.msg);
}

Test(loader, struct_too_small)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(load_one(FIX("too_small"), &e), DYNO_EABI);
	cr_assert(strstr(e.msg, "struct dyno_plugin too small (size 8"),
		  "%s", e.msg);
}

Test(loader, entry_returns_null_shows_reason)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(load_one(FIX("returns_null"), &e), DYNO_EABI);
	cr_assert(strstr(e.msg, "plugin refused to load: needs "
			 "libfrobnicate.so.3, which is not installed"), "%s", e.msg);
}

Test(loader, bad_descriptor)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(load_one(FIX("bad_descriptor"), &e), DYNO_EABI);
	cr_assert(strstr(e.msg, "must set exactly one of iterate and run"),
		  "%s", e.msg);
}

Test(loader, duplicate_name_keeps_first)
{
	struct loader l;
	struct dyno_err e = { 0 };

	loader_init(&l);
	cr_assert_eq(loader_load_file(&l, FIX("dup_a"), &e), 0, "%s", e.msg);
	cr_assert_eq(loader_load_file(&l, FIX("dup_b"), &e), DYNO_EEXIST);
	cr_assert(strstr(e.msg, "duplicate plugin name 'dup'"), "%s", e.msg);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.plugins[0].desc->version, "a");
	loader_fini(&l);
}

Test(loader, same_file_by_two_paths_loads_once)
{
	struct loader l;
	struct dyno_err e = { 0 };

	loader_init(&l);
	cr_assert_eq(loader_load_file(&l, FIX("good"), &e), 0, "%s", e.msg);
	cr_assert_eq(loader_load_file(&l, TEST_BUILD_DIR "/tests/plugins/./good.so",
				      &e), 0, "%s", e.msg);
	cr_assert_eq(l.n, 1, "no second copy, no duplicate error");
	loader_fini(&l);
}

/* Copy a fixture into dir with mode, return the new path. */
static char *
copy_fixture(const char *src, const char *dir, const char *name, mode_t mode)
{
	char *dst = xasprintf("%s/%s", dir, name);
	char *cmd = xasprintf("cp '%s' '%s'", src, dst);

	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(chmod(dst, mode), 0);
	free(cmd);
	return dst;
}

Test(loader, world_writable_file_refused)
{
	char dir[] = "/tmp/dyno-test-XXXXXX";
	struct dyno_err e = { 0 };
	char *path;

	cr_assert_not_null(mkdtemp(dir));
	path = copy_fixture(FIX("good"), dir, "good.so", 0666);
	cr_assert_eq(load_one(path, &e), DYNO_EPERM);
	cr_assert(strstr(e.msg, "world-writable"), "%s", e.msg);
	unlink(path);
	rmdir(dir);
	free(path);
}

Test(loader, world_writable_dir_refused_rest_loads)
{
	char bad[] = "/tmp/dyno-test-XXXXXX", ok[] = "/tmp/dyno-test-XXXXXX";
	struct loader l;
	char *p1, *p2, *p3, *p4;

	cr_assert_not_null(mkdtemp(bad));
	cr_assert_not_null(mkdtemp(ok));
	cr_assert_eq(chmod(bad, 0777), 0);
	p1 = copy_fixture(FIX("good"), bad, "good.so", 0644);
	p2 = copy_fixture(FIX("good"), ok, "good.so", 0644);
	p3 = copy_fixture(FIX("no_entry"), ok, "a_no_entry.so", 0644);
	p4 = copy_fixture(FIX("dup_a"), ok, "z_dup.so", 0644);
	loader_init(&l);
	cr_assert_eq(loader_load_dir(&l, bad), 0);
	cr_assert_eq(l.nerrors, 1);
	cr_assert(strstr(l.errors[0], "world-writable"), "%s", l.errors[0]);
	/* One bad file in a directory does not stop the others. */
	cr_assert_eq(loader_load_dir(&l, ok), 2);
	cr_assert_eq(l.nerrors, 2);
	cr_assert(strstr(l.errors[1], "not a dyno plugin"), "%s", l.errors[1]);
	loader_fini(&l);
	unlink(p1); unlink(p2); unlink(p3); unlink(p4);
	rmdir(bad); rmdir(ok);
	free(p1); free(p2); free(p3); free(p4);
}

Test(loader, empty_and_long_paths_refused)
{
	struct dyno_err e = { 0 };
	char *longp = xmalloc(5000);

	cr_assert_eq(load_one("", &e), DYNO_EINVAL);
	memset(longp, 'a', 4999);
	longp[0] = '/';
	longp[4999] = '\0';
	cr_assert_eq(load_one(longp, &e), DYNO_EINVAL);
	cr_assert(strstr(e.msg, "too long"), "%s", e.msg);
	free(longp);
}

Test(loader, missing_file)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(load_one("/nonexistent/dir/x.so", &e), DYNO_ENOENT);
	cr_assert(strstr(e.msg, "/nonexistent/dir/x.so"), "%s", e.msg);
}

Test(loader, env_path_and_suggestions)
{
	struct loader l;
	char buf[256];
	char *dir = xasprintf("%s/tests/plugins", TEST_BUILD_DIR);
	char *extra[] = { dir };

	loader_init(&l);
	unsetenv("DYNO_PLUGIN_PATH");
	loader_load_all(&l, extra, 1);
	cr_assert_str_eq(l.dirs[0], dir);
	cr_assert_not_null(loader_find(&l, "good.iter", NULL));
	cr_assert_not_null(loader_find(&l, "behave.crash", NULL));
	loader_suggest(&l, "good.itr", buf, sizeof(buf));
	cr_assert(strncmp(buf, "good.iter", 9) == 0, "%s", buf);
	loader_suggest(&l, "crash", buf, sizeof(buf));
	cr_assert(strstr(buf, "behave.crash"), "%s", buf);
	loader_suggest(&l, "zzzzzzzzzzzzzzzzzzzz", buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
	loader_fini(&l);

	loader_init(&l);
	setenv("DYNO_PLUGIN_PATH", dir, 1);
	loader_load_all(&l, NULL, 0);
	cr_assert_str_eq(l.dirs[0], dir);
	cr_assert_not_null(loader_find(&l, "good.rec", NULL));
	loader_fini(&l);
	free(dir);
}
