// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

#define MS 1000000ull

static struct sm_decision step(const struct sm_policy_cfg *c, struct sm_pstate *st, int score,
			       unsigned cpu, uint64_t now, uint32_t budget)
{
	struct sm_pinput in = { .score = score, .cpu_share = cpu, .vol_ratio = -1, .age_ns = now,
				.orig_nice = 0, .now_ns = now, .budget = budget };
	struct sm_decision d;

	sm_policy_decide(c, &in, st, &d);
	return d;
}

static void test_defaults_valid(void **state)
{
	struct sm_policy_cfg c;
	const char *f = NULL;

	(void)state;
	sm_policy_cfg_default(&c);
	assert_int_equal(sm_policy_cfg_validate(&c, &f), 0);
	c.batch_leave = c.batch_enter;
	assert_int_equal(sm_policy_cfg_validate(&c, &f), -EINVAL);
	assert_string_equal(f, "policy.batch_leave");
	sm_policy_cfg_default(&c);
	c.max_nice = 20;
	assert_int_equal(sm_policy_cfg_validate(&c, &f), -EINVAL);
	assert_string_equal(f, "bounds.max_nice");
}

/* A fork-storm parent: low CPU itself, high score, but its short-lived children burn CPU. */
static void test_fork_storm_parent(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_pinput in = { .score = 900, .cpu_share = 5, .vol_ratio = 1000, .child_cpu_share = 800,
				.age_ns = 10000 * MS, .now_ns = 250 * MS, .budget = 16 };
	struct sm_decision d;

	(void)state;
	sm_policy_cfg_default(&c);
	sm_policy_decide(&c, &in, &st, &d);
	assert_false(d.changed);
	in.now_ns = 500 * MS;
	sm_policy_decide(&c, &in, &st, &d);
	assert_true(d.changed);
	assert_int_equal(d.cls, SM_DEC_BATCH);
	assert_non_null(strstr(d.reason, "fork storm"));
	/* Its own score says interactive, but while the storm goes on it stays batch. */
	for (int i = 0; i < 40; i++) {
		in.now_ns += 250 * MS;
		sm_policy_decide(&c, &in, &st, &d);
		assert_int_equal(d.cls, SM_DEC_BATCH);
	}
	/* The storm ends: the score decides again (after dwell and confirm ticks). */
	in.child_cpu_share = 0;
	for (int i = 0; i < 4; i++) {
		in.now_ns += 250 * MS;
		sm_policy_decide(&c, &in, &st, &d);
	}
	assert_int_not_equal(d.cls, SM_DEC_BATCH);
	/* Below the floor, children's CPU is not a storm. */
	st = (struct sm_pstate){ 0 };
	in.child_cpu_share = c.min_cpu_share - 1;
	for (int i = 0; i < 4; i++) {
		in.now_ns += 250 * MS;
		sm_policy_decide(&c, &in, &st, &d);
		assert_int_not_equal(d.cls, SM_DEC_BATCH);
	}
}

/* A hog is demoted after confirm_ticks consecutive low scores: 2 ticks of 250 ms. */
static void test_enter_batch_after_confirm(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_decision d;

	(void)state;
	sm_policy_cfg_default(&c);
	d = step(&c, &st, 100, 1000, 250 * MS, 16);
	assert_false(d.changed);
	assert_int_equal(d.cls, SM_DEC_NEUTRAL);
	assert_false(d.target.set_nice);
	d = step(&c, &st, 100, 1000, 500 * MS, 16);
	assert_true(d.changed);
	assert_int_equal(d.cls, SM_DEC_BATCH);
	assert_true(d.target.cgroup_demote);
	assert_true(d.target.set_policy);
	assert_int_equal(d.target.policy, SCHED_IDLE);
	assert_true(d.target.set_nice);
	assert_int_equal(d.target.nice, 19);
	assert_non_null(strstr(d.reason, "batch_enter"));
	/* Staying: no change reported. */
	d = step(&c, &st, 100, 1000, 750 * MS, 16);
	assert_false(d.changed);
	assert_int_equal(d.cls, SM_DEC_BATCH);
}

/* A streak is broken by a single tick outside the band. */
static void test_streak_reset(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };

	(void)state;
	sm_policy_cfg_default(&c);
	assert_false(step(&c, &st, 100, 1000, 1 * MS, 16).changed);
	assert_false(step(&c, &st, 500, 1000, 2 * MS, 16).changed);
	assert_false(step(&c, &st, 100, 1000, 3 * MS, 16).changed);
	assert_true(step(&c, &st, 100, 1000, 4 * MS, 16).changed);
}

/* Hysteresis: a score between batch_enter and batch_leave neither enters nor leaves. */
static void test_hysteresis_and_dwell(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_decision d;
	uint64_t t = 1000 * MS;

	(void)state;
	sm_policy_cfg_default(&c);
	step(&c, &st, 100, 1000, t, 16);
	assert_true(step(&c, &st, 100, 1000, t + 250 * MS, 16).changed);
	/* In the band: stays batch for a long time. */
	for (int i = 2; i < 40; i++) {
		d = step(&c, &st, 450, 1000, t + i * 250 * MS, 16);
		assert_int_equal(d.cls, SM_DEC_BATCH);
		assert_false(d.changed);
	}
	/* Leaves only after confirm ticks of >= batch_leave. */
	memset(&st, 0, sizeof(st));
	step(&c, &st, 100, 1000, t, 16);
	step(&c, &st, 100, 1000, t + 250 * MS, 16);
	/* Dwell: high scores 0.5 s after entering are held. */
	d = step(&c, &st, 900, 1000, t + 500 * MS, 16);
	assert_false(d.changed);
	d = step(&c, &st, 900, 1000, t + 750 * MS, 16);
	assert_false(d.changed);
	assert_non_null(strstr(d.reason, "dwell"));
	/* After 3 s the leave goes through. */
	d = step(&c, &st, 900, 1000, t + 3250 * MS, 16);
	assert_true(d.changed);
	assert_int_equal(d.cls, SM_DEC_NEUTRAL);
	assert_false(d.target.set_nice);
	assert_false(d.target.cgroup_demote);
}

/* A low score without CPU use is not worth demoting; a demoted task starved of CPU stays. */
static void test_cpu_floor(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };

	(void)state;
	sm_policy_cfg_default(&c);
	for (int i = 1; i < 10; i++)
		assert_false(step(&c, &st, 50, 100, i * 250 * MS, 16).changed);
	assert_int_equal(st.cls, SM_DEC_NEUTRAL);
	step(&c, &st, 50, 900, 3000 * MS, 16);
	assert_true(step(&c, &st, 50, 900, 3250 * MS, 16).changed);
	for (int i = 0; i < 20; i++)
		assert_int_equal(step(&c, &st, 50, 10, 3500 * MS + i * 250 * MS, 16).cls, SM_DEC_BATCH);
}

/* Under heavy contention a hog that never sleeps gets a small share: the floor is divided by 8. */
static void test_starved_hog(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_pinput in = { .score = 50, .cpu_share = 40, .vol_ratio = 20, .now_ns = 1, .budget = 16 };
	struct sm_decision d;

	(void)state;
	sm_policy_cfg_default(&c);
	sm_policy_decide(&c, &in, &st, &d);
	in.now_ns = 2;
	sm_policy_decide(&c, &in, &st, &d);
	assert_true(d.changed);
	assert_int_equal(d.cls, SM_DEC_BATCH);
	assert_non_null(strstr(d.reason, ">= 0.025"));
	/* The same share from a task that sleeps voluntarily is not worth it. */
	memset(&st, 0, sizeof(st));
	in.vol_ratio = 600;
	for (int i = 1; i < 6; i++) {
		in.now_ns = (uint64_t)i;
		sm_policy_decide(&c, &in, &st, &d);
		assert_false(d.changed);
	}
	/* Starved but below even the divided floor: not worth it. */
	memset(&st, 0, sizeof(st));
	in.vol_ratio = 0;
	in.cpu_share = 10;
	for (int i = 1; i < 6; i++) {
		in.now_ns = (uint64_t)i;
		sm_policy_decide(&c, &in, &st, &d);
		assert_false(d.changed);
	}
}

static void test_rate_limit(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_decision d;

	(void)state;
	sm_policy_cfg_default(&c);
	step(&c, &st, 0, 1000, 1 * MS, 0);
	d = step(&c, &st, 0, 1000, 2 * MS, 0);
	assert_false(d.changed);
	assert_true(d.deferred);
	assert_non_null(strstr(d.reason, "rate limit"));
	d = step(&c, &st, 0, 1000, 3 * MS, 1);
	assert_true(d.changed);
}

static void test_latency_and_bounds(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_decision d;
	struct sm_target t;

	(void)state;
	sm_policy_cfg_default(&c);
	step(&c, &st, 950, 10, 1 * MS, 16);
	d = step(&c, &st, 950, 10, 2 * MS, 16);
	assert_true(d.changed);
	assert_int_equal(d.cls, SM_DEC_LATENCY);
	assert_true(d.target.set_slice);
	assert_int_equal(d.target.slice_ns, 1000000);
	assert_true(d.target.set_slack);
	assert_false(d.target.set_nice); /* no boost unless allowed */

	c.allow_boost = true;
	c.boost_nice = -15;
	sm_policy_target(&c, SM_DEC_LATENCY, 0, &t);
	assert_true(t.set_nice);
	assert_int_equal(t.nice, -5); /* min_nice bound */
	sm_policy_target(&c, SM_DEC_LATENCY, -10, &t);
	assert_false(t.set_nice);     /* never lower than it already is */

	/* A demotion never raises priority: a task at nice 19 asked for nice 10 keeps 19. */
	c.batch_nice = 10;
	sm_policy_target(&c, SM_DEC_BATCH, 19, &t);
	assert_false(t.set_nice);
	sm_policy_target(&c, SM_DEC_BATCH, 0, &t);
	assert_true(t.set_nice);
	assert_int_equal(t.nice, 10);
	c.max_nice = 5;
	sm_policy_target(&c, SM_DEC_BATCH, 0, &t);
	assert_int_equal(t.nice, 5);

	/* Latency disabled: a high score stays neutral. */
	memset(&st, 0, sizeof(st));
	c.latency_enabled = false;
	for (int i = 1; i < 10; i++)
		assert_int_equal(step(&c, &st, 999, 10, i * MS, 16).cls, SM_DEC_NEUTRAL);
}

static void test_min_age_and_format(void **state)
{
	struct sm_policy_cfg c;
	struct sm_pstate st = { 0 };
	struct sm_pinput in = { .score = 0, .cpu_share = 1000, .vol_ratio = -1, .age_ns = 10 * MS,
				.now_ns = 10 * MS, .budget = 16 };
	struct sm_decision d;
	char buf[128];

	(void)state;
	sm_policy_cfg_default(&c);
	c.min_age_ns = 500 * MS;
	for (int i = 0; i < 5; i++) {
		sm_policy_decide(&c, &in, &st, &d);
		assert_false(d.changed);
	}
	assert_non_null(strstr(d.reason, "too young"));
	sm_policy_target(&c, SM_DEC_BATCH, 0, &d.target);
	sm_target_format(&d.target, buf, sizeof(buf));
	assert_string_equal(buf, "cgroup=batch policy=idle nice=19 autogroup");
	sm_policy_target(&c, SM_DEC_NEUTRAL, 0, &d.target);
	sm_target_format(&d.target, buf, sizeof(buf));
	assert_string_equal(buf, "original values");
	assert_int_equal(sm_target_format(&d.target, buf, 4), 3);
	assert_string_equal(sm_decision_name(SM_DEC_LATENCY), "latency");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_valid),
		cmocka_unit_test(test_enter_batch_after_confirm),
		cmocka_unit_test(test_fork_storm_parent),
		cmocka_unit_test(test_streak_reset),
		cmocka_unit_test(test_hysteresis_and_dwell),
		cmocka_unit_test(test_cpu_floor),
		cmocka_unit_test(test_starved_hog),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_latency_and_bounds),
		cmocka_unit_test(test_min_age_and_format),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
