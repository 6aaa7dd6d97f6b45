// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <string.h>
#include <cmocka.h>

#include "scope.h"

/* A fake process tree: 1 <- 100 <- 200 <- 300; 1 <- 400. */
static int fake_ppid(void *ctx, uint32_t pid, uint32_t *ppid)
{
	(void)ctx;
	switch (pid) {
	case 100: *ppid = 1; return 0;
	case 200: *ppid = 100; return 0;
	case 300: *ppid = 200; return 0;
	case 400: *ppid = 1; return 0;
	case 1: *ppid = 0; return 0;
	default: return -ESRCH;
	}
}

static struct sm_taskinfo task(uint32_t tgid, uint32_t ppid, uint32_t uid, const char *comm, const char *cg)
{
	struct sm_taskinfo ti = { .pid = tgid, .tgid = tgid, .ppid = ppid, .uid = uid };

	strncpy(ti.comm, comm, sizeof(ti.comm) - 1);
	strncpy(ti.cgroup, cg, sizeof(ti.cgroup) - 1);
	return ti;
}

static void test_scope_parse(void **state)
{
	struct sm_scope s = { 0 }, c = { 0 };
	char buf[128];

	(void)state;
	assert_int_equal(sm_scope_add(&s, "pid:100"), 0);
	assert_int_equal(sm_scope_add(&s, "uid:1000"), 0);
	assert_int_equal(sm_scope_add(&s, "cgroup:/a/b/"), 0);
	assert_int_equal(sm_scope_add(&s, "pid:0"), -EINVAL);
	assert_int_equal(sm_scope_add(&s, "pid:x"), -EINVAL);
	assert_int_equal(sm_scope_add(&s, "cgroup:rel"), -EINVAL);
	assert_int_equal(sm_scope_add(&s, "comm:foo"), -EINVAL);
	assert_int_equal(sm_scope_add(&s, NULL), -EINVAL);
	sm_scope_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "pid:100,uid:1000,cgroup:/a/b");
	assert_int_equal(sm_scope_copy(&c, &s), 0);
	sm_scope_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "pid:100,uid:1000,cgroup:/a/b");
	sm_scope_clear(&s);
	sm_scope_clear(&c);
	sm_scope_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "all");
}

static void test_scope_match(void **state)
{
	struct sm_scope s = { 0 };
	struct sm_taskinfo t;

	(void)state;
	t = task(300, 200, 0, "x", "/");
	assert_true(sm_scope_match(&s, &t, fake_ppid, NULL)); /* empty = all */
	assert_int_equal(sm_scope_add(&s, "pid:100"), 0);
	assert_true(sm_scope_match(&s, &t, fake_ppid, NULL));  /* grandchild */
	t = task(100, 1, 0, "x", "/");
	assert_true(sm_scope_match(&s, &t, fake_ppid, NULL));  /* itself */
	t = task(400, 1, 0, "x", "/");
	assert_false(sm_scope_match(&s, &t, fake_ppid, NULL)); /* sibling */
	t = task(1, 0, 0, "init", "/");
	assert_false(sm_scope_match(&s, &t, fake_ppid, NULL));
	t = task(500, 999, 0, "x", "/");                        /* parent unknown */
	assert_false(sm_scope_match(&s, &t, fake_ppid, NULL));
	sm_scope_clear(&s);

	assert_int_equal(sm_scope_add(&s, "cgroup:/work"), 0);
	t = task(400, 1, 0, "x", "/work/job1");
	assert_true(sm_scope_match(&s, &t, fake_ppid, NULL));
	t = task(400, 1, 0, "x", "/workers");
	assert_false(sm_scope_match(&s, &t, fake_ppid, NULL));
	assert_int_equal(sm_scope_add(&s, "uid:1000"), 0);
	t = task(400, 1, 1000, "x", "/");
	assert_true(sm_scope_match(&s, &t, fake_ppid, NULL));
	sm_scope_clear(&s);
}

static void test_exclude(void **state)
{
	struct sm_exclude x = { 0 };
	struct sm_taskinfo t;
	char buf[128];

	(void)state;
	assert_int_equal(sm_exclude_add_comm(&x, "^(sshd|Xorg)$"), 0);
	assert_int_equal(sm_exclude_add_comm(&x, "(unclosed"), -EINVAL);
	assert_int_equal(sm_exclude_add_exe(&x, "/usr/bin/ffmpeg"), 0);
	assert_int_equal(sm_exclude_add_exe(&x, "ffmpeg"), -EINVAL);
	assert_int_equal(sm_exclude_add_uid(&x, 33), 0);
	assert_int_equal(sm_exclude_add_cgroup(&x, "/system.slice/db.service"), 0);
	t = task(10, 1, 0, "sshd", "/");
	assert_string_equal(sm_exclude_match(&x, &t, NULL, buf, sizeof(buf)), "exclude.comm ^(sshd|Xorg)$");
	t = task(10, 1, 0, "sshd2", "/");
	assert_null(sm_exclude_match(&x, &t, "/usr/bin/sshd", buf, sizeof(buf)));
	assert_non_null(sm_exclude_match(&x, &t, "/usr/bin/ffmpeg", buf, sizeof(buf)));
	t = task(10, 1, 33, "www", "/");
	assert_string_equal(sm_exclude_match(&x, &t, NULL, buf, sizeof(buf)), "exclude.uid 33");
	t = task(10, 1, 0, "pg", "/system.slice/db.service/x");
	assert_non_null(sm_exclude_match(&x, &t, NULL, buf, sizeof(buf)));
	t = task(10, 1, 0, "pg", "/system.slice/db.service2");
	assert_null(sm_exclude_match(&x, &t, NULL, buf, sizeof(buf)));
	sm_exclude_clear(&x);
	sm_exclude_clear(&x);
}

static void test_guard(void **state)
{
	struct sm_taskinfo t;

	(void)state;
	t = task(55, 2, 0, "kworker/0:1", "/");
	t.kthread = true;
	assert_string_equal(sm_guard_reason(&t, 999), "kernel thread");
	t = task(1, 0, 0, "init", "/");
	assert_string_equal(sm_guard_reason(&t, 999), "PID 1");
	t = task(999, 1, 0, "schedml", "/");
	assert_string_equal(sm_guard_reason(&t, 999), "schedml itself");
	t = task(77, 1, 0, "rt", "/");
	t.policy = SCHED_FIFO;
	assert_non_null(sm_guard_reason(&t, 999));
	t.policy = SCHED_DEADLINE;
	assert_non_null(sm_guard_reason(&t, 999));
	t.policy = SCHED_BATCH;
	assert_null(sm_guard_reason(&t, 999));
	assert_true(sm_path_under("/a/b", "/a/"));
	assert_true(sm_path_under("/a", "/"));
	assert_false(sm_path_under("/ab", "/a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_parse),
		cmocka_unit_test(test_scope_match),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_guard),
	};
	return cmocka_run_group_tests_name("scope", tests, NULL, NULL);
}
