// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "state.h"
#include "util.h"

static char dir[] = "/tmp/schedml-test-state.XXXXXX";

static void test_roundtrip(void **state)
{
	struct sm_levers lv = { 0 }, lv2 = { 0 };
	struct sm_act_proc a = { .tgid = 4242, .start_time = 777, .pidfd = -1, .comm = "hog",
				 .cg_moved = true, .o_cgroup = "/user/1", .ag_set = true, .o_ag_nice = 0,
				 .s_ag_nice = 19, .unit_set = true, .unit = "x.service",
				 .o_unit_weight = UINT64_MAX, .s_unit_weight = 1 };
	struct sm_act_proc idle = { .tgid = 5, .pidfd = -1 }; /* nothing applied: not written */
	struct sm_act_thread th[2] = {
		{ .tid = 4242, .start_time = 777, .o_policy = 0, .o_nice = -2, .o_runtime = 0, .o_slack = 50000,
		  .applied = true, .s_policy = 5, .s_nice = 19, .s_runtime = 0 },
		{ .tid = 4243, .start_time = 778, .o_policy = 3, .o_nice = 1, .o_runtime = 2000000, .o_slack = 1,
		  .applied = true, .s_policy = 5, .s_nice = 19, .slack_set = true, .s_slack = 1000 },
	};
	struct sm_act_proc *list[2] = { &a, &idle }, *got = NULL;
	char path[256], err[256];
	size_t n = 0;

	(void)state;
	a.t = th;
	a.n = a.cap = 2;
	snprintf(lv.cg_mount, sizeof(lv.cg_mount), "/sys/fs/cgroup/cpu");
	snprintf(lv.cg_batch, sizeof(lv.cg_batch), "/sys/fs/cgroup/cpu/schedml.batch");
	snprintf(lv.cg_batch_rel, sizeof(lv.cg_batch_rel), "/schedml.batch");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(sm_state_write(path, &lv, list, 2), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_not_equal(access(path, W_OK | R_OK), -1);
	assert_int_equal(sm_state_read(path, &lv2, &got, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(lv2.cg_batch_rel, "/schedml.batch");
	assert_string_equal(lv2.cg_mount, "/sys/fs/cgroup/cpu");
	assert_int_equal(got[0].tgid, 4242);
	assert_int_equal(got[0].start_time, 777);
	assert_int_equal(got[0].pidfd, -1);
	assert_string_equal(got[0].comm, "hog");
	assert_true(got[0].cg_moved);
	assert_string_equal(got[0].o_cgroup, "/user/1");
	assert_true(got[0].ag_set);
	assert_int_equal(got[0].s_ag_nice, 19);
	assert_true(got[0].unit_set);
	assert_string_equal(got[0].unit, "x.service");
	assert_true(got[0].o_unit_weight == UINT64_MAX);
	assert_int_equal(got[0].s_unit_weight, 1);
	assert_int_equal(got[0].n, 2);
	assert_memory_equal(&got[0].t[0], &th[0], sizeof(th[0]));
	assert_memory_equal(&got[0].t[1], &th[1], sizeof(th[1]));
	assert_int_equal(got[0].o_nice, -2);
	sm_state_free(got, n);
	unlink(path);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void test_malformed(void **state)
{
	struct sm_levers lv = { 0 };
	struct sm_act_proc *got = NULL;
	char path[256], err[256];
	size_t n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), -ENOENT);
	write_file(path, "{not json");
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not valid JSON"));
	write_file(path, "{\"version\":99,\"procs\":[]}");
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));
	write_file(path, "{\"version\":1,\"procs\":[{\"tgid\":1,\"start_time\":1}]}");
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "procs[0]"));
	write_file(path, "{\"version\":1,\"procs\":[{\"tgid\":10,\"start_time\":1,\"comm\":\"x\",\"cg_moved\":true,"
			 "\"o_cgroup\":\"/../../etc\",\"ag_set\":false,\"o_ag_nice\":0,\"s_ag_nice\":0,\"threads\":[]}]}");
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), -EINVAL);
	write_file(path, "{\"version\":1,\"procs\":[{\"tgid\":10,\"start_time\":1,\"comm\":\"x\",\"cg_moved\":false,"
			 "\"o_cgroup\":\"\",\"ag_set\":false,\"o_ag_nice\":0,\"s_ag_nice\":0,\"threads\":"
			 "[{\"tid\":10,\"start_time\":1,\"o_policy\":0,\"o_nice\":99}]}]}");
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), -EINVAL);
	write_file(path, "{\"version\":1,\"procs\":[]}");
	assert_int_equal(sm_state_read(path, &lv, &got, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	sm_state_free(got, n);
	sm_state_free(NULL, 0);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests_name("state", tests, setup, teardown);
}
