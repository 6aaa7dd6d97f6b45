// SPDX-License-Identifier: GPL-2.0
/* /proc parsers on fixture files (tests/fixtures/proc), and the readers on a fixture proc root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "procfs.h"
#include "util.h"

#define FIX "tests/fixtures/proc"

static char *fixture(const char *name)
{
	char path[256], *buf = NULL;

	snprintf(path, sizeof(path), FIX "/%s", name);
	assert_int_equal(sm_read_file(path, &buf, NULL), 0);
	return buf;
}

static void test_stat_spaces(void **state)
{
	char *b = fixture("stat_spaces");
	struct sm_proc_stat st;

	(void)state;
	assert_int_equal(sm_proc_parse_stat(b, &st), 0);
	assert_int_equal(st.pid, 101);
	assert_string_equal(st.comm, "my (odd) comm");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.utime, 250);
	assert_int_equal(st.stime, 75);
	assert_int_equal(st.nice, 0);
	assert_int_equal(st.num_threads, 2);
	assert_int_equal(st.starttime, 12345);
	assert_int_equal(st.processor, 1);
	assert_int_equal(st.policy, 0);
	assert_false(st.flags & 0x00200000);
	free(b);
}

static void test_stat_kthread_fifo(void **state)
{
	char *b = fixture("stat_kthread"), *f = fixture("stat_fifo");
	struct sm_proc_stat st;

	(void)state;
	assert_int_equal(sm_proc_parse_stat(b, &st), 0);
	assert_string_equal(st.comm, "kthreadd");
	assert_true(st.flags & 0x00200000);
	assert_int_equal(st.nice, -20);
	assert_int_equal(st.ppid, 0);
	assert_int_equal(sm_proc_parse_stat(f, &st), 0);
	assert_int_equal(st.policy, 1);
	assert_int_equal(st.state, 'R');
	free(b);
	free(f);
}

static void test_stat_garbage(void **state)
{
	struct sm_proc_stat st;
	static const char *bad[] = {
		"", "garbage", "12 (x", "12 x) S 1", "(x) S 1 2 3",
		"12 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0",              /* too short */
		"12 (x) S 1 1 1 0 -1 0 0 0 0 0 1a 1 0 0 20 0 1 0 5 0 0",       /* bad utime */
		"12 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 99 1 0 5 0 0",       /* nice out of range */
		"99999999999 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 0",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_true(sm_proc_parse_stat(bad[i], &st) < 0);
}

static void test_schedstat(void **state)
{
	char *b = fixture("schedstat");
	struct sm_proc_schedstat ss;

	(void)state;
	assert_int_equal(sm_proc_parse_schedstat(b, &ss), 0);
	assert_int_equal(ss.run_ns, 1234567);
	assert_int_equal(ss.wait_ns, 89012);
	assert_int_equal(ss.slices, 345);
	assert_true(sm_proc_parse_schedstat("1 2", &ss) < 0);
	assert_true(sm_proc_parse_schedstat("1 2 3 4", &ss) < 0);
	assert_true(sm_proc_parse_schedstat("1 -2 3", &ss) < 0);
	assert_true(sm_proc_parse_schedstat("", &ss) < 0);
	free(b);
}

static void test_status(void **state)
{
	char *u = fixture("status_user"), *k = fixture("status_kthread");
	struct sm_proc_status st;

	(void)state;
	assert_int_equal(sm_proc_parse_status(u, &st), 0);
	assert_int_equal(st.tgid, 100);
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.threads, 2);
	assert_int_equal(st.vol_switches, 150);
	assert_int_equal(st.invol_switches, 7);
	assert_int_equal(st.vm_rss_kb, 2048);
	assert_int_equal(st.cap_eff, 0x1ffffffffffull);
	assert_int_equal(sm_proc_parse_status(k, &st), 0);
	assert_int_equal(st.vm_rss_kb, 0); /* kernel threads have no VmRSS */
	assert_int_equal(st.vol_switches, 3050);
	assert_true(sm_proc_parse_status("Name: x\n", &st) < 0);           /* no Tgid */
	assert_true(sm_proc_parse_status("Tgid:\tabc\n", &st) < 0);
	assert_true(sm_proc_parse_status("Tgid:\t1\nCapEff:\tzz\n", &st) < 0);
	free(u);
	free(k);
}

static void test_cgroup(void **state)
{
	char *h = fixture("cgroup_v1_hybrid"), *v2 = fixture("cgroup_v2"), *none = fixture("cgroup_none");
	char path[SM_CGROUP_LEN], tiny[4];

	(void)state;
	assert_int_equal(sm_proc_parse_cgroup(h, path, sizeof(path)), 0);
	assert_string_equal(path, "/schedml/batch"); /* the v1 cpu controller wins on hybrid hosts */
	assert_int_equal(sm_proc_parse_cgroup(v2, path, sizeof(path)), 0);
	assert_string_equal(path, "/system.slice/nginx.service");
	assert_int_equal(sm_proc_parse_cgroup(none, path, sizeof(path)), -ENOENT); /* cpuacct is not cpu */
	assert_int_equal(sm_proc_parse_cgroup(v2, tiny, sizeof(tiny)), -ENAMETOOLONG);
	assert_int_equal(sm_proc_parse_cgroup("", path, sizeof(path)), -ENOENT);
	free(h);
	free(v2);
	free(none);
}

static void test_taskinfo_root(void **state)
{
	struct sm_taskinfo ti;

	(void)state;
	assert_int_equal(sm_proc_taskinfo(FIX "/root", 100, 101, &ti), 0);
	assert_int_equal(ti.pid, 101);
	assert_int_equal(ti.tgid, 100);
	assert_int_equal(ti.ppid, 1);
	assert_int_equal(ti.uid, 1000);
	assert_int_equal(ti.nr_threads, 2);
	assert_int_equal(ti.start_time, 12345);
	assert_false(ti.kthread);
	assert_string_equal(ti.comm, "my (odd) comm");
	assert_string_equal(ti.cgroup, "/system.slice/nginx.service");
	assert_int_equal(sm_proc_taskinfo(FIX "/root", 2, 2, &ti), 0);
	assert_true(ti.kthread);
	assert_int_equal(ti.nice, -20);
	assert_string_equal(ti.cgroup, "/");
	assert_int_equal(sm_proc_taskinfo(FIX "/root", 100, 999, &ti), -ESRCH);
}

static void test_sysctx_root(void **state)
{
	struct sm_sysctx sys;

	(void)state;
	assert_int_equal(sm_proc_sysctx(FIX "/root", &sys), 0);
	assert_int_equal(sys.nr_cpus, 2);
	assert_int_equal(sys.nr_running, 3);
	assert_int_equal(sys.load1_x100, 157);
	assert_true(sys.ts_ns > 0);
	assert_true(sm_proc_sysctx(FIX "/nonexistent", &sys) < 0);
}

struct walk {
	uint32_t tids[8];
	size_t n;
};

static int walk_cb(void *ctx, uint32_t tgid, uint32_t tid)
{
	struct walk *w = ctx;

	assert_true(tgid == 100 || tgid == 2);
	if (w->n < 8)
		w->tids[w->n++] = tid;
	return 0;
}

static int cancel_cb(void *ctx, uint32_t tgid, uint32_t tid)
{
	(void)tgid;
	(void)tid;
	++*(int *)ctx;
	return -ECANCELED;
}

static void test_for_each(void **state)
{
	struct walk w = { 0 };
	int calls = 0;
	bool seen100 = false, seen101 = false, seen2 = false;

	(void)state;
	assert_int_equal(sm_proc_for_each_task(FIX "/root", walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	for (size_t i = 0; i < w.n; i++) {
		seen100 |= w.tids[i] == 100;
		seen101 |= w.tids[i] == 101;
		seen2 |= w.tids[i] == 2;
	}
	assert_true(seen100 && seen101 && seen2);
	/* The walk stops at the first callback that returns <0, and returns that. */
	assert_int_equal(sm_proc_for_each_task(FIX "/root", cancel_cb, &calls), -ECANCELED);
	assert_int_equal(calls, 1);
	assert_int_equal(sm_proc_for_each_task(FIX "/nonexistent", walk_cb, &w), -ENOENT);
}

static void test_live_self(void **state)
{
	struct sm_taskinfo ti;
	struct sm_sysctx sys;

	(void)state;
	assert_int_equal(sm_proc_taskinfo("/proc", (uint32_t)getpid(), (uint32_t)getpid(), &ti), 0);
	assert_string_equal(ti.comm, "test_procfs");
	assert_int_equal(ti.tgid, (uint32_t)getpid());
	assert_int_equal(sm_proc_sysctx("/proc", &sys), 0);
	assert_true(sys.nr_cpus >= 1);
	assert_true(sys.nr_running >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_spaces),
		cmocka_unit_test(test_stat_kthread_fifo),
		cmocka_unit_test(test_stat_garbage),
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_taskinfo_root),
		cmocka_unit_test(test_sysctx_root),
		cmocka_unit_test(test_for_each),
		cmocka_unit_test(test_live_self),
	};
	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
