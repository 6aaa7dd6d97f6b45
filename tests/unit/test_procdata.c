// SPDX-License-Identifier: GPL-2.0
/* process_data.json.gz writer on the fixture proc root: gzip JSON lines, read back with json-c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <zlib.h>
#include <json-c/json.h>
#include <cmocka.h>

#include "procdata.h"
#include "schedml.h"
#include "util.h"

#define ROOT "tests/fixtures/proc/root"

static int label_100(void *ctx, uint32_t pid)
{
	(void)ctx;
	return pid == 100 ? SM_CLASS_BATCH : SM_CLASS_NONE;
}

static json_object *next_obj(gzFile gz)
{
	char line[8192];

	if (!gzgets(gz, line, sizeof(line)))
		return NULL;
	assert_non_null(strchr(line, '\n'));
	return json_tokener_parse(line);
}

static int64_t geti(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("missing key %s", k);
	return json_object_get_int64(v);
}

static const char *gets_(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("missing key %s", k);
	return json_object_get_string(v);
}

static void test_snapshot(void **state)
{
	char path[] = "/tmp/schedml-pd-XXXXXX";
	struct sm_procdata *w;
	json_object *o, *v;
	int fd = mkstemp(path), seen = 0;
	gzFile gz;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sm_procdata_open(path, "{\"schedml_process_data\":1}", &w), 0);
	assert_int_equal(sm_procdata_snapshot(w, ROOT, 42, 0, label_100, NULL), 2);
	assert_int_equal(sm_procdata_snapshot(w, ROOT, 43, 2, NULL, NULL), 1); /* skip pid 2 */
	assert_int_equal(sm_procdata_close(w), 0);

	gz = gzopen(path, "rb");
	assert_non_null(gz);
	assert_int_equal(gzdirect(gz), 0); /* really gzip */
	o = next_obj(gz);
	assert_non_null(o);
	assert_int_equal(geti(o, "schedml_process_data"), 1);
	json_object_put(o);
	while ((o = next_obj(gz))) {
		int64_t pid = geti(o, "pid");

		seen++;
		assert_true(geti(o, "ts_ns") == 42 || geti(o, "ts_ns") == 43);
		if (pid == 100) {
			assert_string_equal(gets_(o, "comm"), "mainthread");
			assert_int_equal(geti(o, "ppid"), 1);
			assert_int_equal(geti(o, "uid"), 1000);
			assert_int_equal(geti(o, "utime"), 250);
			assert_int_equal(geti(o, "stime"), 75);
			assert_int_equal(geti(o, "run_ns"), 7000000); /* summed over both threads */
			assert_int_equal(geti(o, "wait_ns"), 1500);
			assert_int_equal(geti(o, "slices"), 70);
			assert_int_equal(geti(o, "vol_switches"), 300);
			assert_int_equal(geti(o, "invol_switches"), 14);
			assert_int_equal(geti(o, "threads"), 2);
			assert_int_equal(geti(o, "rss_kb"), 2048);
			assert_int_equal(geti(o, "nice"), 0);
			assert_string_equal(gets_(o, "state"), "S");
			assert_string_equal(gets_(o, "cgroup"), "/system.slice/nginx.service");
			assert_false(json_object_get_boolean(json_object_object_get(o, "kthread")));
			if (geti(o, "ts_ns") == 42)
				assert_string_equal(gets_(o, "label"), "batch");
			else
				assert_false(json_object_object_get_ex(o, "label", &v));
		} else {
			assert_int_equal(pid, 2);
			assert_int_equal(geti(o, "ts_ns"), 42);
			assert_string_equal(gets_(o, "comm"), "kthreadd");
			assert_true(json_object_get_boolean(json_object_object_get(o, "kthread")));
			assert_int_equal(geti(o, "nice"), -20);
			assert_int_equal(geti(o, "rss_kb"), 0);
			assert_false(json_object_object_get_ex(o, "label", &v));
		}
		json_object_put(o);
	}
	assert_int_equal(seen, 3);
	gzclose(gz);
	unlink(path);
}

static void test_errors(void **state)
{
	struct sm_procdata *w = NULL;
	char path[] = "/tmp/schedml-pd-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sm_procdata_open("/nonexistent/dir/p.gz", "{}", &w), -ENOENT);
	assert_int_equal(sm_procdata_open(path, "{\n}", &w), -EINVAL);
	assert_int_equal(sm_procdata_open(path, "{}", &w), 0);
	assert_int_equal(sm_procdata_snapshot(w, "/nonexistent", 1, 0, NULL, NULL), -ENOENT);
	assert_int_equal(sm_procdata_close(w), 0);
	assert_int_equal(sm_procdata_close(NULL), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("procdata", tests, NULL, NULL);
}
