// SPDX-License-Identifier: GPL-2.0
/* The tracer's /proc source (no BPF needed): deltas per thread, vanished threads, options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <cmocka.h>

#include "tracer.h"
#include "util.h"

struct seen {
	uint32_t self, gone_tid, tid;
	int snaps_self, gone_hits;
	uint64_t run_self, vol_self;
};

static void on_snap(void *ctx, const struct sm_snapdelta *d)
{
	struct seen *s = ctx;

	assert_true(d->ts_ns > 0);
	if (d->pid == s->self) {
		s->snaps_self++;
		s->run_self += d->run_ns;
		s->vol_self += d->vol_switches;
	}
}

static void on_gone(void *ctx, uint32_t pid, uint32_t tgid)
{
	struct seen *s = ctx;

	if (pid == s->tid) {
		assert_int_equal(tgid, s->self);
		s->gone_hits++;
	}
}

static int release_fd[2];

static void *thread_fn(void *arg)
{
	char c;

	__atomic_store_n((uint32_t *)arg, (uint32_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	if (read(release_fd[0], &c, 1) < 0) /* exits once the test has sampled it */
		return NULL;
	return NULL;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Burn ms of *CPU* time (the machine may be busy: wall time says nothing), at most 30 s. */
static void spin_ms(uint64_t ms)
{
	uint64_t end = cpu_ns() + ms * 1000000, deadline = sm_now_ns() + 30000000000ull;

	while (cpu_ns() < end && sm_now_ns() < deadline)
		;
}

static void test_proc_source(void **state)
{
	struct sm_tracer_opts o;
	struct sm_tracer *t;
	struct sm_tracer_stats st;
	struct seen s = { .self = (uint32_t)getpid() };
	pthread_t th;
	int r;

	(void)state;
	sm_tracer_opts_default(&o);
	o.mode = SM_SOURCE_PROC;
	o.proc_interval_ns = 20000000;
	assert_int_equal(sm_tracer_new(&o, NULL, on_snap, on_gone, &s, &t), 0);
	assert_int_equal(sm_tracer_mode(t), SM_SOURCE_PROC);
	assert_string_equal(sm_tracer_mode_name(t), "proc");
	assert_int_equal(sm_tracer_fd(t), -1);
	assert_null(sm_tracer_reason(t));
	assert_int_equal(sm_tracer_consume(t), 0);

	/* A thread that is alive for the first round and gone by the second. */
	assert_int_equal(pipe(release_fd), 0);
	assert_int_equal(pthread_create(&th, NULL, thread_fn, &s.tid), 0);
	while (!__atomic_load_n(&s.tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	assert_int_equal(sm_tracer_sample(t), 0); /* baseline: no deltas yet */
	assert_int_equal(s.snaps_self, 0);
	assert_int_equal(write(release_fd[1], "x", 1), 1);
	pthread_join(th, NULL);
	close(release_fd[0]);
	close(release_fd[1]);
	spin_ms(50);
	usleep(20000);
	assert_int_equal(sm_tracer_sample(t), 0);
	assert_int_equal(s.snaps_self, 1);
	assert_true(s.run_self >= 45000000); /* spun 50 ms of CPU */
	assert_true(s.run_self < 5000000000ull);
	assert_int_equal(s.gone_hits, 1);

	/* poll: waits for the interval, then samples. */
	r = sm_tracer_poll(t, 1000);
	assert_true(r >= 1);
	sm_tracer_stats(t, &st);
	assert_int_equal(st.snapshots, 3);
	assert_int_equal(st.emitted, 0);
	sm_tracer_free(t);
	sm_tracer_free(NULL);
}

static void test_ignore_self(void **state)
{
	struct sm_tracer_opts o;
	struct sm_tracer *t;
	struct seen s = { .self = (uint32_t)getpid() };

	(void)state;
	sm_tracer_opts_default(&o);
	o.mode = SM_SOURCE_PROC;
	o.ignore_tgid = s.self;
	assert_int_equal(sm_tracer_new(&o, NULL, on_snap, NULL, &s, &t), 0);
	assert_int_equal(sm_tracer_sample(t), 0);
	spin_ms(5);
	assert_int_equal(sm_tracer_sample(t), 0);
	assert_int_equal(s.snaps_self, 0);
	sm_tracer_free(t);
}

static void test_refused_and_bad_opts(void **state)
{
	struct sm_tracer_opts o;
	struct sm_tracer *t = NULL;

	(void)state;
	setenv("SCHEDML_REFUSE_BPF", "1", 1);
	sm_tracer_opts_default(&o);
	o.mode = SM_SOURCE_BPF;
	assert_int_equal(sm_tracer_new(&o, NULL, NULL, NULL, NULL, &t), -EPERM);
	assert_null(t);
	assert_non_null(strstr(sm_tracer_reason(NULL), "SCHEDML_REFUSE_BPF"));
	o.mode = SM_SOURCE_AUTO;
	assert_int_equal(sm_tracer_new(&o, NULL, NULL, NULL, NULL, &t), 0);
	assert_int_equal(sm_tracer_mode(t), SM_SOURCE_PROC);
	assert_non_null(strstr(sm_tracer_reason(t), "SCHEDML_REFUSE_BPF"));
	sm_tracer_free(t);
	unsetenv("SCHEDML_REFUSE_BPF");

	sm_tracer_opts_default(&o);
	o.ringbuf_bytes = 3 * 4096; /* not a power of two: an error even in auto mode */
	assert_int_equal(sm_tracer_new(&o, NULL, NULL, NULL, NULL, &t), -EINVAL);
	o.mode = 42;
	assert_int_equal(sm_tracer_new(&o, NULL, NULL, NULL, NULL, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_source),
		cmocka_unit_test(test_ignore_self),
		cmocka_unit_test(test_refused_and_bad_opts),
	};
	return cmocka_run_group_tests_name("tracer_proc", tests, NULL, NULL);
}
