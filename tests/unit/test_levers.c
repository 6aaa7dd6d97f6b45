// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "levers.h"
#include "util.h"

static int put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(s, f);
	return fclose(f) ? -errno : 0;
}

/* This host: hybrid, cpu on v1, a v2 tree without the cpu controller. */
static const char hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"41 31 0:38 / /nonexistent/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void test_hybrid(void **state)
{
	struct sm_levers l = { 0 };
	char buf[512];

	(void)state;
	assert_int_equal(sm_levers_parse_mountinfo(hybrid, "schedml.batch", &l), 0);
	assert_int_equal(l.cg_mode, SM_CG_V1);
	assert_string_equal(l.cg_mount, "/sys/fs/cgroup/cpu");
	assert_string_equal(l.cg_batch, "/sys/fs/cgroup/cpu/schedml.batch");
	assert_string_equal(l.cg_batch_rel, "/schedml.batch");
	assert_non_null(strstr(l.why_cg, "v1 cpu.shares"));
	assert_non_null(strstr(l.why_cg, "v2 tree has no cpu controller"));
	sm_levers_format(&l, buf, sizeof(buf));
	assert_non_null(strstr(buf, "cgroup=v1:/sys/fs/cgroup/cpu/schedml.batch"));
}

/* "cpu,cpuacct" co-mounted counts; "cpuacct" or "cpuset" alone do not. */
static void test_comount_and_none(void **state)
{
	struct sm_levers l = { 0 };

	(void)state;
	assert_int_equal(sm_levers_parse_mountinfo(
				 "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
				 "x", &l), 0);
	assert_int_equal(l.cg_mode, SM_CG_V1);
	assert_string_equal(l.cg_mount, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(sm_levers_parse_mountinfo(
				 "33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
				 "34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n", "x", &l), 0);
	assert_int_equal(l.cg_mode, SM_CG_NONE);
	assert_int_equal(sm_levers_parse_mountinfo("", "x", &l), 0);
	assert_int_equal(l.cg_mode, SM_CG_NONE);
}

/* Pure v2 with the cpu controller (a fake hierarchy in a temp dir), subtree_control without cpu. */
static void test_v2(void **state)
{
	char dir[] = "/tmp/schedml-test-levers.XXXXXX", mi[512], path[256];
	struct sm_levers l = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	assert_int_equal(put(path, "cpuset cpu io memory pids\n"), 0);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	assert_int_equal(put(path, "memory pids\n"), 0);
	snprintf(mi, sizeof(mi), "25 1 0:22 / %s rw - cgroup2 cgroup2 rw,nsdelegate\n"
				 "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", dir);
	assert_int_equal(sm_levers_parse_mountinfo(mi, "schedml.batch", &l), 0);
	assert_int_equal(l.cg_mode, SM_CG_V2);
	assert_string_equal(l.cg_mount, dir);
	assert_true(l.cg_enable_cpu);
	assert_string_equal(l.cg_batch_rel, "/schedml.batch");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	assert_int_equal(put(path, "cpu memory\n"), 0);
	assert_int_equal(sm_levers_parse_mountinfo(mi, "schedml.batch", &l), 0);
	assert_false(l.cg_enable_cpu);
	/* v2 without cpu in controllers: the v1 cpu hierarchy wins. */
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	assert_int_equal(put(path, "cpuset io memory\n"), 0);
	assert_int_equal(sm_levers_parse_mountinfo(mi, "schedml.batch", &l), 0);
	assert_int_equal(l.cg_mode, SM_CG_V1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_comount_and_none),
		cmocka_unit_test(test_v2),
	};
	return cmocka_run_group_tests_name("levers", tests, NULL, NULL);
}
