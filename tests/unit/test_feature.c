// SPDX-License-Identifier: GPL-2.0
/* Feature extractor on synthetic event sequences with hand-computed expected values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "feature.h"
#include "replay.h"
#include "trace_io.h"
#include "util.h"

#define MS 1000000ull
#define US 1000ull
#define T0 (1000 * MS)

static struct sm_ftable *new_table(uint32_t max_tasks)
{
	struct sm_fconfig cfg;
	struct sm_ftable *t = NULL;

	sm_fconfig_default(&cfg);
	if (max_tasks)
		cfg.max_tasks = max_tasks;
	assert_int_equal(sm_ftable_new(&cfg, &t), 0);
	return t;
}

static void ev_switch(struct sm_ftable *t, uint64_t ts, uint32_t cpu, uint32_t prev, uint32_t prev_tgid,
		      uint64_t prev_run, uint32_t prev_state, uint32_t next, uint32_t next_tgid,
		      uint64_t rq_lat)
{
	struct sm_event e = { .ts_ns = ts, .type = SM_EV_SWITCH, .cpu = cpu, .pid = next, .tgid = next_tgid,
			      .prev_pid = prev, .prev_tgid = prev_tgid, .prev_run_ns = prev_run,
			      .rq_lat_ns = rq_lat, .prev_state = prev_state };
	snprintf(e.comm, sizeof(e.comm), "t%u", next);
	sm_ftable_event(t, &e);
}

static void ev_wakeup(struct sm_ftable *t, uint64_t ts, uint32_t pid, uint32_t tgid, uint32_t waker,
		      uint32_t waker_tgid)
{
	struct sm_event e = { .ts_ns = ts, .type = SM_EV_WAKEUP, .pid = pid, .tgid = tgid,
			      .prev_pid = waker, .prev_tgid = waker_tgid };
	snprintf(e.comm, sizeof(e.comm), "t%u", pid);
	sm_ftable_event(t, &e);
}

static void ev_exit(struct sm_ftable *t, uint64_t ts, uint32_t pid, uint32_t tgid)
{
	struct sm_event e = { .ts_ns = ts, .type = SM_EV_EXIT, .pid = pid, .tgid = tgid };
	sm_ftable_event(t, &e);
}

static const struct sm_entity *find_thread(const struct sm_ftable *t, uint32_t tid)
{
	const struct sm_entity *e;
	size_t it = 0;

	while ((e = sm_ftable_next_thread(t, &it)))
		if (e->id == tid)
			return e;
	return NULL;
}

/*
 * A periodic sleeper, tid 100: every 10 ms it is woken by tid 200 at k*10ms, runs from +0.1 ms
 * (run-queue latency 100 us) to +1.1 ms (stint 1000 us) and sleeps voluntarily until the next
 * wakeup (sleep 8.9 ms). Expected over a 1 s window: cpu_share 0.100, run mean 1000 us, p90 =
 * midpoint of the 896..1023 us bin = 960 us, sleep mean 8900 us, wait_freq 100/s, vol_ratio
 * 1.000, rq latency mean 100 us, p99 = midpoint of the 96..111 us bin = 104 us; tid 200 has
 * wake_freq 100/s.
 */
static void sleeper(struct sm_ftable *t, uint64_t from, uint64_t to)
{
	for (uint64_t ts = from; ts < to; ts += 10 * MS) {
		ev_wakeup(t, ts, 100, 100, 200, 200);
		ev_switch(t, ts + 100 * US, 0, 0, 0, 0, 0, 100, 100, 100 * US);
		ev_switch(t, ts + 1100 * US, 0, 100, 100, 1000 * US, 1, 0, 0, 0);
	}
}

static void test_table_names(void **state)
{
	(void)state;
	for (int i = 0; i < SM_NR_FEATURES; i++) {
		const struct sm_feature_desc *d = &sm_feature_table[i];
		assert_non_null(d->name);
		assert_non_null(d->unit);
		assert_non_null(d->help);
		assert_true(d->scale >= 1);
		assert_int_equal(sm_feature_lookup(d->name), i);
	}
	assert_int_equal(sm_feature_lookup("cpu_share"), SM_F_CPU_SHARE);
	assert_int_equal(sm_feature_lookup("wake_freq"), SM_F_WAKE_FREQ);
	assert_int_equal(sm_feature_lookup("nope"), -ENOENT);
	assert_int_equal(sm_feature_lookup(NULL), -ENOENT);
}

static void test_sleeper(void **state)
{
	struct sm_ftable *t = new_table(0);
	const struct sm_entity *e;

	(void)state;
	for (int k = 0; k < 4; k++) {
		sleeper(t, T0 + k * 250 * MS, T0 + (k + 1) * 250 * MS);
		sm_ftable_tick(t, T0 + (k + 1) * 250 * MS, NULL);
	}
	e = find_thread(t, 100);
	assert_non_null(e);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 100);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE_EWMA], 100);
	assert_int_equal(e->fv.v[SM_F_RUN_MEAN], 1000);
	assert_int_equal(e->fv.v[SM_F_RUN_P90], 960);
	assert_int_equal(e->fv.v[SM_F_SLEEP_MEAN], 8900);
	assert_int_equal(e->fv.v[SM_F_WAIT_FREQ], 1000);
	assert_int_equal(e->fv.v[SM_F_WAKE_FREQ], 0);
	assert_int_equal(e->fv.v[SM_F_VOL_RATIO], 1000);
	assert_int_equal(e->fv.v[SM_F_RQLAT_MEAN], 100);
	assert_int_equal(e->fv.v[SM_F_RQLAT_P99], 104);
	assert_int_equal(e->fv.v[SM_F_NR_THREADS], 1);
	assert_int_equal(e->fv.v[SM_F_KTHREAD], 0);
	assert_int_equal(e->run_ns_window, 100 * MS);
	assert_true(e->info_stale);

	e = find_thread(t, 200);
	assert_non_null(e);
	assert_int_equal(e->fv.v[SM_F_WAKE_FREQ], 1000);
	assert_int_equal(e->fv.v[SM_F_WAIT_FREQ], 0);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 0);

	/* A fifth tick: the window slides (starts at the first tick), same steady values. */
	sleeper(t, T0 + 1000 * MS, T0 + 1250 * MS);
	sm_ftable_tick(t, T0 + 1250 * MS, NULL);
	e = find_thread(t, 100);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 100);
	assert_int_equal(e->fv.v[SM_F_WAIT_FREQ], 1000);
	assert_int_equal(e->fv.v[SM_F_SLEEP_MEAN], 8900);

	/* It stops: after a whole quiet window the rates are 0 and it counts as sleeping. */
	for (int k = 0; k < 4; k++)
		sm_ftable_tick(t, T0 + 1500 * MS + k * 250 * MS, NULL);
	e = find_thread(t, 100);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 0);
	assert_int_equal(e->fv.v[SM_F_WAIT_FREQ], 0);
	assert_int_equal(e->fv.v[SM_F_VOL_RATIO], 1000);
	assert_false(e->changed);

	char buf[1024];
	sm_ftable_tick(t, T0 + 2500 * MS, NULL);
	sm_fvec_format(&find_thread(t, 200)->fv, buf, sizeof(buf));
	assert_non_null(strstr(buf, "cpu_share=0.000 CPUs"));
	sm_ftable_free(t);
}

/* A brand-new hog shows its CPU share and burst after its first tick, though it never switched out. */
static void test_new_hog(void **state)
{
	struct sm_ftable *t = new_table(0);
	const struct sm_entity *e;
	char v[32];

	(void)state;
	/* Unrelated older activity: the table has existed for 10 s. */
	ev_wakeup(t, T0 - 10000 * MS, 5, 5, 0, 0);
	ev_switch(t, T0 + 100 * MS, 1, 0, 0, 0, 0, 300, 300, 0);
	sm_ftable_tick(t, T0 + 250 * MS, NULL);
	e = find_thread(t, 300);
	assert_non_null(e);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 1000);
	assert_int_equal(e->fv.v[SM_F_VOL_RATIO], 0);
	/* Ongoing stint 150 ms: bin 131072..163839 us, midpoint 147456. */
	assert_int_equal(e->fv.v[SM_F_RUN_P90], 147456);
	assert_int_equal(e->fv.v[SM_F_RUN_MEAN], 150000);
	assert_true(e->first_seen_ns == T0 + 100 * MS);
	sm_feature_value_str(SM_F_CPU_SHARE, e->fv.v[SM_F_CPU_SHARE], v, sizeof(v));
	assert_string_equal(v, "1.000 CPUs");

	/* Preempted every 4 ms from now on (tid 301 runs 1 ms in between): involuntary. */
	uint64_t ts = T0 + 250 * MS;
	ev_switch(t, ts, 1, 300, 300, 150 * MS + 0, 0, 301, 301, 0);
	for (ts += 1 * MS; ts < T0 + 500 * MS; ts += 5 * MS) {
		ev_switch(t, ts, 1, 301, 301, 1 * MS, 1, 300, 300, 1 * MS);
		ev_switch(t, ts + 4 * MS, 1, 300, 300, 4 * MS, 0, 301, 301, 0);
	}
	sm_ftable_tick(t, T0 + 500 * MS, NULL);
	e = find_thread(t, 300);
	assert_int_equal(e->fv.v[SM_F_VOL_RATIO], 0);
	/* 150 ms + 50 x 4 ms in 400 ms since first seen */
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 875);
	sm_feature_value_str(SM_F_RUN_P90, e->fv.v[SM_F_RUN_P90], v, sizeof(v));
	assert_true(e->fv.v[SM_F_RUN_P90] >= 3584 && e->fv.v[SM_F_RUN_P90] <= 4095);
	sm_feature_value_str(SM_F_WAIT_FREQ, 4, v, sizeof(v));
	assert_string_equal(v, "0.4/s");
	sm_ftable_free(t);
}

/*
 * A make -j parent (tgid 400) sleeps while it forks short CPU-bound jobs: child 401 runs 40 ms and
 * exits, child 402 is still running at the tick (30 ms so far) and exits later. A long-lived child
 * (403, first seen 2 s earlier) exiting is not credited: it was judged on its own.
 */
static void test_child_cpu_share(void **state)
{
	const uint64_t B = T0 + 3000 * MS;
	struct sm_ftable *t = new_table(0);
	struct sm_event n = { .type = SM_EV_WAKEUP_NEW, .prev_pid = 400, .prev_tgid = 400 };
	const struct sm_entity *e;

	(void)state;
	/* B: 3 s after T0, so that the long-lived child's start is a valid timestamp. */
	ev_wakeup(t, B - 2000 * MS, 400, 400, 0, 0);
	n.ts_ns = B - 2000 * MS, n.pid = n.tgid = 403;
	sm_ftable_event(t, &n);
	ev_switch(t, B - 1900 * MS, 0, 0, 0, 0, 0, 403, 403, 0);
	ev_switch(t, B + 10 * MS, 0, 403, 403, 1910 * MS, 0, 0, 0, 0);
	ev_exit(t, B + 20 * MS, 403, 403);
	n.ts_ns = B + 100 * MS, n.pid = n.tgid = 401;
	sm_ftable_event(t, &n);
	ev_switch(t, B + 100 * MS, 1, 0, 0, 0, 0, 401, 401, 0);
	ev_exit(t, B + 140 * MS, 401, 401);               /* on CPU for 40 ms as it exits */
	n.ts_ns = B + 200 * MS, n.pid = n.tgid = 402;
	sm_ftable_event(t, &n);
	ev_switch(t, B + 220 * MS, 1, 0, 0, 0, 0, 402, 402, 0);
	sm_ftable_tick(t, B + 250 * MS, NULL);            /* credits 402's 30 ms to 402 itself */
	e = sm_ftable_proc(t, 400);
	assert_non_null(e);
	/* 40 ms of children in the 1 s window: 0.040 CPUs (403's 1.9 s is not counted). */
	assert_int_equal(e->fv.v[SM_F_CHILD_CPU_SHARE], 40);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 0);
	ev_exit(t, B + 300 * MS, 402, 402);               /* 30 ms credited at the tick + 50 ms */
	sm_ftable_tick(t, B + 500 * MS, NULL);
	e = sm_ftable_proc(t, 400);
	assert_int_equal(e->fv.v[SM_F_CHILD_CPU_SHARE], 120);
	/* A thread (not a process) created by 400 does not count as a child. */
	n.ts_ns = B + 600 * MS, n.pid = 404, n.tgid = 400;
	sm_ftable_event(t, &n);
	ev_switch(t, B + 600 * MS, 0, 0, 0, 0, 0, 404, 400, 0);
	ev_exit(t, B + 700 * MS, 404, 400);
	sm_ftable_tick(t, B + 750 * MS, NULL);
	assert_int_equal(sm_ftable_proc(t, 400)->fv.v[SM_F_CHILD_CPU_SHARE], 120);
	/* The window slides past the children. */
	for (uint64_t ts = B + 1000 * MS; ts <= B + 1500 * MS; ts += 250 * MS)
		sm_ftable_tick(t, ts, NULL);
	assert_int_equal(sm_ftable_proc(t, 400)->fv.v[SM_F_CHILD_CPU_SHARE], 0);
	sm_ftable_free(t);
}

static void test_process_cgroup(void **state)
{
	struct sm_ftable *t = new_table(0);
	const struct sm_entity *p, *e;
	struct sm_taskinfo ti = { 0 };
	uint32_t tids[8];
	size_t it = 0, n = 0;

	(void)state;
	/* Process 400 has threads 400 and 401, each running 25 ms of every 250 ms bucket,
	 * each woken 10 times per bucket by 500. Process 600 (one thread) runs 50 ms. */
	for (int k = 0; k < 4; k++) {
		uint64_t b = T0 + k * 250 * MS;
		for (int i = 0; i < 10; i++) {
			uint64_t ts = b + i * 25 * MS;
			ev_wakeup(t, ts, 400, 400, 500, 500);
			ev_switch(t, ts + 1 * MS, 0, 0, 0, 0, 0, 400, 400, 0);
			ev_switch(t, ts + 2 * MS + 500 * US, 0, 400, 400, 1500 * US, 1, 0, 0, 0);
			ev_wakeup(t, ts, 401, 400, 500, 500);
			ev_switch(t, ts + 1 * MS, 1, 0, 0, 0, 0, 401, 400, 0);
			ev_switch(t, ts + 2 * MS, 1, 401, 400, 1000 * US, 0, 0, 0, 0);
		}
		ev_switch(t, b + 100 * MS, 1, 0, 0, 0, 0, 600, 600, 0);
		ev_switch(t, b + 150 * MS, 1, 600, 600, 50 * MS, 0, 0, 0, 0);
		sm_ftable_tick(t, b + 250 * MS, NULL);
	}
	p = sm_ftable_proc(t, 400);
	assert_non_null(p);
	assert_int_equal(p->nr_tasks, 2);
	assert_int_equal(p->id, 400);
	/* 40 x 1.5 ms + 40 x 1 ms = 100 ms in 1 s */
	assert_int_equal(p->fv.v[SM_F_CPU_SHARE], 100);
	/* 80 stints, 100 ms: mean 1250 us; p90 falls in the 1.5 ms bin (1280..1535 us) */
	assert_int_equal(p->fv.v[SM_F_RUN_MEAN], 1250);
	assert_int_equal(p->fv.v[SM_F_RUN_P90], 1408);
	assert_int_equal(p->fv.v[SM_F_WAIT_FREQ], 800);
	assert_int_equal(p->fv.v[SM_F_VOL_RATIO], 500);
	assert_int_equal(p->fv.v[SM_F_NR_THREADS], 2);
	assert_int_equal(sm_ftable_proc_threads(t, 400, tids, 8), 2);
	assert_int_equal(sm_ftable_proc(t, 500)->fv.v[SM_F_WAKE_FREQ], 800);

	while ((e = sm_ftable_next_proc(t, &it)))
		n++;
	assert_int_equal(n, 3); /* 400, 500, 600 */

	/* /proc info: nice/policy/nr_threads and cgroups. */
	ti.pid = 400;
	ti.tgid = 400;
	ti.nice = 5;
	ti.policy = 3;
	ti.nr_threads = 7;
	snprintf(ti.comm, sizeof(ti.comm), "worker");
	snprintf(ti.cgroup, sizeof(ti.cgroup), "/jobs");
	assert_int_equal(sm_ftable_taskinfo(t, &ti), 0);
	ti.pid = ti.tgid = 600;
	ti.nice = 0;
	ti.policy = 0;
	ti.nr_threads = 1;
	assert_int_equal(sm_ftable_taskinfo(t, &ti), 0);
	sm_ftable_tick(t, T0 + 1250 * MS, NULL);
	p = sm_ftable_proc(t, 400);
	assert_int_equal(p->fv.v[SM_F_NICE], 5);
	assert_int_equal(p->fv.v[SM_F_POLICY], 3);
	assert_int_equal(p->fv.v[SM_F_NR_THREADS], 7);
	assert_false(p->info_stale);
	assert_string_equal(p->info->comm, "worker");
	assert_string_equal(p->cgroup, "/jobs");
	it = 0;
	e = sm_ftable_next_cgroup(t, &it);
	assert_non_null(e);
	assert_string_equal(e->cgroup, "/jobs");
	assert_null(e->info);
	/* window (250 ms .. 1250 ms): 400 ran 3 x 25 ms... of buckets 2-4 (75 ms), 600 ran 150 ms */
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 225);
	assert_int_equal(e->fv.v[SM_F_NR_THREADS], 8);
	assert_int_equal(e->nr_tasks, 3);
	assert_null(sm_ftable_next_cgroup(t, &it));

	/* A comm change seen in an event marks the thread stale again. */
	struct sm_event ev = { .ts_ns = T0 + 1300 * MS, .type = SM_EV_WAKEUP, .pid = 400, .tgid = 400 };
	snprintf(ev.comm, sizeof(ev.comm), "renamed");
	sm_ftable_event(t, &ev);
	sm_ftable_tick(t, T0 + 1500 * MS, NULL);
	assert_true(sm_ftable_proc(t, 400)->info_stale);

	/* Exits remove threads, then the process. The dying task's last switch-out (TASK_DEAD,
	 * after its exit event) does not bring it back; without an exit event it removes it. */
	ev_exit(t, T0 + 1600 * MS, 401, 400);
	ev_switch(t, T0 + 1601 * MS, 1, 401, 400, 10 * US, 0x80, 0, 0, 0);
	assert_int_equal(sm_ftable_proc_threads(t, 400, tids, 8), 1);
	ev_switch(t, T0 + 1602 * MS, 0, 400, 400, 10 * US, 0x80, 0, 0, 0);
	assert_null(sm_ftable_proc(t, 400));
	ev_exit(t, T0 + 1603 * MS, 400, 400);
	struct sm_fstats st;
	sm_ftable_stats(t, &st);
	assert_int_equal(st.exits, 2);
	assert_int_equal(st.tasks, 2);
	assert_int_equal(st.procs, 2);
	sm_ftable_free(t);
}

static void test_cap(void **state)
{
	struct sm_ftable *t = new_table(8);
	struct sm_fstats st;

	(void)state;
	for (uint32_t i = 1; i <= 10; i++)
		ev_wakeup(t, T0 + i, 1000 + i, 1000 + i, 0, 0);
	sm_ftable_stats(t, &st);
	assert_int_equal(st.tasks, 8);
	assert_int_equal(st.cap_hits, 2);
	ev_exit(t, T0 + 100, 1001, 1001);
	ev_wakeup(t, T0 + 200, 2000, 2000, 0, 0);
	sm_ftable_stats(t, &st);
	assert_int_equal(st.tasks, 8);
	assert_int_equal(st.cap_hits, 2);
	assert_non_null(sm_ftable_proc(t, 2000));
	sm_ftable_free(t);
}

/* 10,000 threads in 2,500 processes, with churn: the hash and lists stay consistent. */
static void test_10k(void **state)
{
	struct sm_ftable *t = new_table(0);
	struct sm_fstats st;
	const struct sm_entity *e;
	size_t it = 0, n = 0;
	uint64_t ts = T0;

	(void)state;
	for (uint32_t i = 0; i < 10000; i++) {
		uint32_t tgid = 10000 + (i / 4) * 4, tid = 10000 + i;
		ev_switch(t, ts, i % 2, 0, 0, 0, 0, tid, tgid, 10 * US);
		ev_switch(t, ts + 50 * US, i % 2, tid, tgid, 50 * US, 1, 0, 0, 0);
		ts += 60 * US;
	}
	sm_ftable_tick(t, ts, NULL);
	sm_ftable_stats(t, &st);
	assert_int_equal(st.tasks, 10000);
	assert_int_equal(st.procs, 2500);
	assert_int_equal(st.cap_hits, 0);
	while ((e = sm_ftable_next_thread(t, &it))) {
		assert_int_equal(e->fv.v[SM_F_RUN_MEAN], 50);
		n++;
	}
	assert_int_equal(n, 10000);
	/* Remove every third thread, then check each survivor is still found with its process. */
	for (uint32_t i = 0; i < 10000; i += 3)
		ev_exit(t, ts, 10000 + i, 10000 + (i / 4) * 4);
	for (uint32_t i = 0; i < 10000; i++) {
		uint32_t tids[4];
		uint32_t tgid = 10000 + (i / 4) * 4;
		size_t k = sm_ftable_proc_threads(t, tgid, tids, 4), expect = 0;
		for (uint32_t j = (i / 4) * 4; j < (i / 4) * 4 + 4; j++)
			expect += j % 3 != 0;
		assert_int_equal(k, expect);
	}
	sm_ftable_tick(t, ts + 250 * MS, NULL);
	sm_ftable_stats(t, &st);
	assert_int_equal(st.tasks, 10000 - 3334);
	for (uint32_t i = 0; i < 10000; i++)
		ev_exit(t, ts, 10000 + i, 10000 + (i / 4) * 4);
	sm_ftable_stats(t, &st);
	assert_int_equal(st.tasks, 0);
	assert_int_equal(st.procs, 0);
	sm_ftable_free(t);
}

/* /proc snapshot deltas: the approximate features. */
static void test_snapshot(void **state)
{
	struct sm_ftable *t = new_table(0);
	struct sm_snapdelta d = { .ts_ns = T0, .pid = 700, .tgid = 700 };
	const struct sm_entity *e;

	(void)state;
	sm_ftable_snapshot(t, &d); /* baseline */
	d.ts_ns = T0 + 250 * MS;
	d.run_ns = 100 * MS;
	d.wait_ns = 10 * MS;
	d.slices = 100;
	d.vol_switches = 90;
	d.invol_switches = 10;
	sm_ftable_snapshot(t, &d);
	sm_ftable_tick(t, T0 + 250 * MS, NULL);
	e = find_thread(t, 700);
	assert_non_null(e);
	assert_int_equal(e->fv.v[SM_F_CPU_SHARE], 400);
	assert_int_equal(e->fv.v[SM_F_RUN_MEAN], 1000);
	assert_int_equal(e->fv.v[SM_F_RUN_P90], 960);
	assert_int_equal(e->fv.v[SM_F_RQLAT_MEAN], 100);
	assert_int_equal(e->fv.v[SM_F_VOL_RATIO], 900);
	assert_int_equal(e->fv.v[SM_F_WAIT_FREQ], 3600);
	assert_int_equal(e->fv.v[SM_F_SLEEP_MEAN], 1555); /* (250 - 110) ms / 90 */
	sm_ftable_forget(t, 700);
	assert_null(find_thread(t, 700));
	sm_ftable_free(t);
}

/* kthread from the event flags, system context from the tick, policy/nice from /proc info. */
static void test_context(void **state)
{
	struct sm_ftable *t = new_table(0);
	struct sm_sysctx sys = { .ts_ns = T0, .nr_cpus = 2, .nr_running = 5, .load1_x100 = 123 };
	struct sm_event e = { .ts_ns = T0, .type = SM_EV_SWITCH, .cpu = 0, .pid = 2, .tgid = 2,
			      .prev_pid = 0, .flags = SM_EVF_KTHREAD };
	struct sm_taskinfo ti = { .pid = 3, .tgid = 3, .policy = 5, .nice = -3, .nr_threads = 1 };
	const struct sm_entity *k, *u;
	char v[32];

	(void)state;
	snprintf(e.comm, sizeof(e.comm), "kworker/0:1");
	sm_ftable_event(t, &e);
	/* kthread 2 switches to 3, flagged as the previous task being a kernel thread */
	ev_switch(t, T0 + 1 * MS, 0, 0, 0, 0, 0, 0, 0, 0);
	struct sm_event f = { .ts_ns = T0 + 2 * MS, .type = SM_EV_SWITCH, .pid = 3, .tgid = 3,
			      .prev_pid = 2, .prev_tgid = 2, .prev_run_ns = 2 * MS, .prev_state = 1,
			      .flags = SM_EVF_PREV_KTHREAD };
	sm_ftable_event(t, &f);
	assert_int_equal(sm_ftable_taskinfo(t, &ti), 0);
	sm_ftable_tick(t, T0 + 250 * MS, &sys);
	k = find_thread(t, 2);
	u = find_thread(t, 3);
	assert_int_equal(k->fv.v[SM_F_KTHREAD], 1);
	assert_int_equal(u->fv.v[SM_F_KTHREAD], 0);
	assert_string_equal(k->info->comm, "kworker/0:1");
	assert_int_equal(u->fv.v[SM_F_POLICY], 5);
	assert_int_equal(u->fv.v[SM_F_NICE], -3);
	assert_int_equal(k->fv.v[SM_F_NICE], 0);
	for (const struct sm_entity *x = k; x; x = x == k ? u : NULL) {
		assert_int_equal(x->fv.v[SM_F_SYS_CPUS], 2);
		assert_int_equal(x->fv.v[SM_F_SYS_RUNNABLE], 5);
		assert_int_equal(x->fv.v[SM_F_SYS_LOAD], 123);
	}
	sm_feature_value_str(SM_F_SYS_LOAD, 123, v, sizeof(v));
	assert_string_equal(v, "1.23");
	/* No context given: the last one stays. */
	sm_ftable_tick(t, T0 + 500 * MS, NULL);
	assert_int_equal(find_thread(t, 3)->fv.v[SM_F_SYS_RUNNABLE], 5);
	assert_int_equal(sm_ftable_proc(t, 2)->fv.v[SM_F_KTHREAD], 1);
	sm_ftable_free(t);
}

/* A tid reused by another process (its exit event was lost): the old thread is dropped. */
static void test_tid_reuse(void **state)
{
	struct sm_ftable *t = new_table(0);
	uint32_t tids[4];

	(void)state;
	ev_wakeup(t, T0, 800, 800, 0, 0);
	ev_wakeup(t, T0 + 1 * MS, 801, 800, 0, 0);
	assert_int_equal(sm_ftable_proc_threads(t, 800, tids, 4), 2);
	ev_switch(t, T0 + 2 * MS, 0, 0, 0, 0, 0, 801, 900, 0);
	assert_int_equal(sm_ftable_proc_threads(t, 800, tids, 4), 1);
	assert_int_equal(sm_ftable_proc_threads(t, 900, tids, 4), 1);
	assert_int_equal(tids[0], 801);
	ev_switch(t, T0 + 3 * MS, 0, 800, 950, 1 * MS, 1, 0, 0, 0);
	assert_null(sm_ftable_proc(t, 800));
	assert_int_equal(sm_ftable_proc_threads(t, 950, tids, 4), 1);
	sm_ftable_free(t);
}

/* ---- replay ---- */

struct rctx {
	int ticks, events, stop_after;
	uint64_t last_tick;
	int32_t cpu_share_100, sys_cpus, label_100, label_200;
	char header[256];
};

static int r_tick(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft, uint64_t now)
{
	struct rctx *c = ctx;
	const struct sm_entity *p = sm_ftable_proc(ft, 100);

	c->ticks++;
	c->last_tick = now;
	c->cpu_share_100 = p ? p->fv.v[SM_F_CPU_SHARE] : -1;
	c->sys_cpus = p ? p->fv.v[SM_F_SYS_CPUS] : -1;
	c->label_100 = sm_replay_label(rp, 100);
	c->label_200 = sm_replay_label(rp, 200);
	snprintf(c->header, sizeof(c->header), "%s", sm_replay_header(rp));
	assert_non_null(strstr(sm_replay_path(rp), "trace"));
	return c->stop_after && c->ticks >= c->stop_after ? -ECANCELED : 0;
}

static int r_event(void *ctx, const struct sm_replay *rp, const struct sm_event *e)
{
	(void)rp;
	(void)e;
	((struct rctx *)ctx)->events++;
	return 0;
}

/* 1.1 s of tid 100 running 1 ms every 10 ms; K lines every 250 ms when with_k. */
static void write_trace(const char *path, bool with_k)
{
	struct sm_trace_writer *w = NULL;
	struct sm_trace_rec r;

	assert_int_equal(sm_trace_writer_open(path, "{\"note\":\"unit test\"}", &w), 0);
	memset(&r, 0, sizeof(r));
	r.kind = SM_REC_LABEL;
	r.label.tgid = 100;
	r.label.cls = SM_CLASS_INTERACTIVE;
	assert_int_equal(sm_trace_write(w, &r), 0);
	memset(&r, 0, sizeof(r));
	r.kind = SM_REC_SYS;
	r.sys = (struct sm_sysctx){ .ts_ns = T0, .nr_cpus = 2, .nr_running = 1, .load1_x100 = 50 };
	assert_int_equal(sm_trace_write(w, &r), 0);
	memset(&r, 0, sizeof(r));
	r.kind = SM_REC_TASK;
	r.task = (struct sm_taskinfo){ .pid = 100, .tgid = 100, .nr_threads = 1 };
	snprintf(r.task.comm, sizeof(r.task.comm), "sleeper");
	snprintf(r.task.cgroup, sizeof(r.task.cgroup), "/");
	assert_int_equal(sm_trace_write(w, &r), 0);
	for (uint64_t ts = T0; ts < T0 + 1100 * MS; ts += 10 * MS) {
		memset(&r, 0, sizeof(r));
		r.kind = SM_REC_EVENT;
		r.ev = (struct sm_event){ .ts_ns = ts, .type = SM_EV_SWITCH, .pid = 100, .tgid = 100 };
		snprintf(r.ev.comm, sizeof(r.ev.comm), "sleeper");
		assert_int_equal(sm_trace_write(w, &r), 0);
		r.ev = (struct sm_event){ .ts_ns = ts + 1 * MS, .type = SM_EV_SWITCH, .prev_pid = 100,
					  .prev_tgid = 100, .prev_run_ns = 1 * MS, .prev_state = 1 };
		assert_int_equal(sm_trace_write(w, &r), 0);
		if (with_k && (ts - T0) % (250 * MS) == 240 * MS) {
			memset(&r, 0, sizeof(r));
			r.kind = SM_REC_TICK;
			r.tick_ns = ts + 10 * MS;
			assert_int_equal(sm_trace_write(w, &r), 0);
		}
	}
	assert_int_equal(sm_trace_writer_close(w), 0);
}

static void test_replay(void **state)
{
	char dir[] = "/tmp/test_feature.XXXXXX", path[300], err[256];
	struct sm_replay_opts o = { .on_tick = r_tick, .on_event = r_event };
	struct rctx c = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/trace_k.log.gz", dir);
	sm_fconfig_default(&o.fcfg);
	o.ctx = &c;

	/* K lines: ticks exactly there (4: at 250, 500, 750, 1000 ms). */
	write_trace(path, true);
	assert_int_equal(sm_replay_file(path, &o, err, sizeof(err)), 0);
	assert_int_equal(c.ticks, 4);
	assert_true(c.last_tick == T0 + 1000 * MS);
	assert_int_equal(c.events, 220);
	assert_int_equal(c.cpu_share_100, 100);
	assert_int_equal(c.sys_cpus, 2);
	assert_int_equal(c.label_100, SM_CLASS_INTERACTIVE);
	assert_int_equal(c.label_200, SM_CLASS_NONE);
	assert_non_null(strstr(c.header, "unit test"));

	/* A callback error stops the replay and is returned. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(sm_replay_file(path, &o, err, sizeof(err)), -ECANCELED);
	assert_int_equal(c.ticks, 2);
	unlink(path);

	/* No K lines: a tick every 250 ms of event time, and a final one at the last event. */
	snprintf(path, sizeof(path), "%s/trace_nok.log.gz", dir);
	write_trace(path, false);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sm_replay_file(path, &o, err, sizeof(err)), 0);
	assert_int_equal(c.ticks, 5);
	assert_true(c.last_tick == T0 + 1091 * MS);
	/* window 250..1091 ms: 3 x 25 ms + 10 ms of CPU in 841 ms */
	assert_int_equal(c.cpu_share_100, 101);
	unlink(path);

	/* A bad line: FILE:LINE: problem. */
	snprintf(path, sizeof(path), "%s/trace_bad.log", dir);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "# schedml-trace 1 {}\nK 5\nS 1 2\n");
	fclose(f);
	memset(&c, 0, sizeof(c));
	assert_true(sm_replay_file(path, &o, err, sizeof(err)) < 0);
	char want[320];
	snprintf(want, sizeof(want), "%s:3:", path);
	assert_non_null(strstr(err, want));
	unlink(path);
	assert_true(sm_replay_file("/nonexistent/trace", &o, err, sizeof(err)) < 0);
	rmdir(dir);
}

static void test_bad_config(void **state)
{
	struct sm_fconfig cfg;
	struct sm_ftable *t = NULL;

	(void)state;
	sm_fconfig_default(&cfg);
	assert_int_equal(cfg.max_tasks, 16384);
	assert_int_equal(cfg.tick_ns, 250 * MS);
	assert_int_equal(cfg.window_ticks, 4);
	assert_int_equal(cfg.ewma_shift, 2);
	cfg.window_ticks = 0;
	assert_int_equal(sm_ftable_new(&cfg, &t), -EINVAL);
	sm_fconfig_default(&cfg);
	cfg.max_tasks = 0;
	assert_int_equal(sm_ftable_new(&cfg, &t), -EINVAL);
	sm_ftable_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_names),
		cmocka_unit_test(test_sleeper),
		cmocka_unit_test(test_new_hog),
		cmocka_unit_test(test_child_cpu_share),
		cmocka_unit_test(test_process_cgroup),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_10k),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_tid_reuse),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
