// SPDX-License-Identifier: GPL-2.0
/* The policy: score -> decision, with hysteresis, dwell, bounds and a rate limit. Pure. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

static const char *const decision_names[SM_NR_DECISIONS] = {
	[SM_DEC_NEUTRAL] = "neutral",
	[SM_DEC_BATCH] = "batch",
	[SM_DEC_LATENCY] = "latency",
};

const char *sm_decision_name(enum sm_decision_class c)
{
	return (unsigned)c < SM_NR_DECISIONS ? decision_names[c] : "?";
}

void sm_policy_cfg_default(struct sm_policy_cfg *c)
{
	*c = (struct sm_policy_cfg){
		.batch_enter = 350,
		.batch_leave = 550,
		.latency_enter = 800,
		.latency_leave = 650,
		.confirm_ticks = 2,
		.min_dwell_ns = 3000000000ull,
		.min_cpu_share = 200,
		.min_age_ns = 0,
		.latency_enabled = true,
		.batch_cgroup = true,
		.batch_set_policy = true,
		.batch_policy = SCHED_IDLE,
		.batch_set_nice = true,
		.batch_nice = 19,
		.batch_autogroup = true,
		.latency_slice_ns = 1000000,
		.latency_slack_ns = 1000,
		.allow_boost = false,
		.boost_nice = -5,
		.min_nice = -5,
		.max_nice = 19,
		.max_changes = 16,
	};
}

int sm_policy_cfg_validate(const struct sm_policy_cfg *c, const char **field)
{
#define BAD(f) do { *field = f; return -EINVAL; } while (0)
	if (c->batch_enter < 0 || c->batch_enter > 1000)
		BAD("policy.batch_enter");
	if (c->batch_leave <= c->batch_enter || c->batch_leave > 1000)
		BAD("policy.batch_leave");
	if (c->latency_enter < 0 || c->latency_enter > 1000 || c->latency_enter <= c->batch_leave)
		BAD("policy.latency_enter");
	if (c->latency_leave >= c->latency_enter || c->latency_leave <= c->batch_enter)
		BAD("policy.latency_leave");
	if (c->confirm_ticks < 1 || c->confirm_ticks > 1000)
		BAD("policy.confirm_ticks");
	if (c->min_nice < -20 || c->min_nice > 19)
		BAD("bounds.min_nice");
	if (c->max_nice < c->min_nice || c->max_nice > 19)
		BAD("bounds.max_nice");
	if (c->batch_nice < -20 || c->batch_nice > 19)
		BAD("batch.nice");
	if (c->batch_policy != SCHED_OTHER && c->batch_policy != SCHED_BATCH &&
	    c->batch_policy != SCHED_IDLE)
		BAD("batch.policy");
	if (c->boost_nice < -20 || c->boost_nice > 19)
		BAD("latency.boost_nice");
	if (c->latency_slice_ns && (c->latency_slice_ns < 100000 || c->latency_slice_ns > 100000000))
		BAD("latency.slice");
	if (c->latency_slack_ns > 1000000000ull)
		BAD("latency.timer_slack");
	if (c->max_changes < 1)
		BAD("policy.max_changes_per_interval");
#undef BAD
	return 0;
}

static int32_t clamp_nice(const struct sm_policy_cfg *c, int32_t n)
{
	if (n < c->min_nice)
		n = c->min_nice;
	if (n > c->max_nice)
		n = c->max_nice;
	return n;
}

void sm_policy_target(const struct sm_policy_cfg *c, enum sm_decision_class cls, int32_t orig_nice,
		      struct sm_target *t)
{
	*t = (struct sm_target){ 0 };
	switch (cls) {
	case SM_DEC_BATCH:
		t->cgroup_demote = c->batch_cgroup;
		if (c->batch_set_policy && c->batch_policy != SCHED_OTHER) {
			t->set_policy = true;
			t->policy = c->batch_policy;
		}
		if (c->batch_set_nice) {
			/* A demotion never raises a task above its original priority. */
			int32_t n = clamp_nice(c, c->batch_nice);
			if (n > orig_nice) {
				t->set_nice = true;
				t->nice = n;
				t->autogroup = c->batch_autogroup;
			}
		}
		break;
	case SM_DEC_LATENCY:
		if (c->latency_slice_ns) {
			t->set_slice = true;
			t->slice_ns = c->latency_slice_ns;
		}
		if (c->latency_slack_ns) {
			t->set_slack = true;
			t->slack_ns = c->latency_slack_ns;
		}
		if (c->allow_boost) {
			int32_t n = clamp_nice(c, c->boost_nice);
			if (n < orig_nice) {
				t->set_nice = true;
				t->nice = n;
			}
		}
		break;
	default:
		break;
	}
}

size_t sm_target_format(const struct sm_target *t, char *buf, size_t len)
{
	static const char *const pol[] = { "other", "fifo", "rr", "batch", "iso", "idle", "deadline" };
	size_t n = 0;
	int r;

	if (!len)
		return 0;
	buf[0] = '\0';
#define ADD(...)                                                      \
	do {                                                          \
		r = snprintf(buf + n, len - n, __VA_ARGS__);          \
		if (r < 0 || (size_t)r >= len - n)                    \
			return strlen(buf);                           \
		n += (size_t)r;                                       \
	} while (0)
	if (t->cgroup_demote)
		ADD("%scgroup=batch", n ? " " : "");
	if (t->set_policy)
		ADD("%spolicy=%s", n ? " " : "", t->policy < 7 ? pol[t->policy] : "?");
	if (t->set_nice)
		ADD("%snice=%" PRId32 "%s", n ? " " : "", t->nice, t->autogroup ? " autogroup" : "");
	if (t->set_slice)
		ADD("%sslice=%" PRIu64 "us", n ? " " : "", t->slice_ns / 1000);
	if (t->set_slack)
		ADD("%stimer_slack=%" PRIu64 "ns", n ? " " : "", t->slack_ns);
	if (!n)
		ADD("original values");
#undef ADD
	return n;
}

/* The class the score argues for, given the class in force (the hysteresis band lives here). */
static enum sm_decision_class wanted(const struct sm_policy_cfg *c, const struct sm_pinput *in,
				     enum sm_decision_class cur, char *why, size_t len)
{
	bool starved = in->vol_ratio >= 0 && in->vol_ratio <= SM_POLICY_STARVED_VOL;
	uint32_t floor = starved ? c->min_cpu_share / SM_POLICY_STARVED_DIV : c->min_cpu_share;
	bool hot = in->cpu_share >= floor;
	bool storm = in->child_cpu_share >= c->min_cpu_share;

	if (storm) {
		snprintf(why, len, "children burn %u.%03u CPUs >= %u.%03u in short jobs (fork storm)",
			 in->child_cpu_share / 1000, in->child_cpu_share % 1000, c->min_cpu_share / 1000,
			 c->min_cpu_share % 1000);
		return SM_DEC_BATCH;
	}
	switch (cur) {
	case SM_DEC_BATCH:
		/* Leave on score only: a demoted hog gets little CPU, so its share says nothing. */
		if (in->score >= c->batch_leave) {
			snprintf(why, len, "score %d >= batch_leave %d", in->score, c->batch_leave);
			return SM_DEC_NEUTRAL;
		}
		snprintf(why, len, "score %d < batch_leave %d", in->score, c->batch_leave);
		return SM_DEC_BATCH;
	case SM_DEC_LATENCY:
		if (in->score <= c->batch_enter && hot) {
			snprintf(why, len, "score %d <= batch_enter %d, cpu %u.%03u >= %u.%03u",
				 in->score, c->batch_enter, in->cpu_share / 1000, in->cpu_share % 1000,
				 floor / 1000, floor % 1000);
			return SM_DEC_BATCH;
		}
		if (in->score <= c->latency_leave || !c->latency_enabled) {
			snprintf(why, len, "score %d <= latency_leave %d", in->score, c->latency_leave);
			return SM_DEC_NEUTRAL;
		}
		snprintf(why, len, "score %d > latency_leave %d", in->score, c->latency_leave);
		return SM_DEC_LATENCY;
	default:
		if (in->score <= c->batch_enter) {
			if (hot) {
				snprintf(why, len, "score %d <= batch_enter %d, cpu %u.%03u >= %u.%03u",
					 in->score, c->batch_enter, in->cpu_share / 1000,
					 in->cpu_share % 1000, floor / 1000, floor % 1000);
				return SM_DEC_BATCH;
			}
			snprintf(why, len, "score %d <= batch_enter %d but cpu %u.%03u < %u.%03u",
				 in->score, c->batch_enter, in->cpu_share / 1000, in->cpu_share % 1000,
				 floor / 1000, floor % 1000);
			return SM_DEC_NEUTRAL;
		}
		if (c->latency_enabled && in->score >= c->latency_enter) {
			snprintf(why, len, "score %d >= latency_enter %d", in->score, c->latency_enter);
			return SM_DEC_LATENCY;
		}
		snprintf(why, len, "score %d in neutral band", in->score);
		return SM_DEC_NEUTRAL;
	}
}

void sm_policy_decide(const struct sm_policy_cfg *c, const struct sm_pinput *in, struct sm_pstate *st,
		      struct sm_decision *d)
{
	enum sm_decision_class cur = st->cls < SM_NR_DECISIONS ? st->cls : SM_DEC_NEUTRAL;
	enum sm_decision_class want;
	char why[96];
	uint32_t need = c->confirm_ticks ? c->confirm_ticks : 1;

	memset(d, 0, sizeof(*d));
	if (in->age_ns < c->min_age_ns) {
		st->streak = 0;
		st->pending = cur;
		d->cls = cur;
		snprintf(d->reason, sizeof(d->reason), "too young (%" PRIu64 " ms)", in->age_ns / 1000000);
		goto out;
	}
	want = wanted(c, in, cur, why, sizeof(why));
	if (want == cur) {
		st->streak = 0;
		st->pending = cur;
		d->cls = cur;
		snprintf(d->reason, sizeof(d->reason), "%s", why);
		goto out;
	}
	if (st->pending == want && st->streak > 0) {
		if (st->streak < UINT32_MAX)
			st->streak++;
	} else {
		st->pending = want;
		st->streak = 1;
	}
	d->cls = cur;
	if (st->streak < need) {
		snprintf(d->reason, sizeof(d->reason), "%s (%u/%u ticks)", why, st->streak, need);
		goto out;
	}
	if (st->since_ns && in->now_ns - st->since_ns < c->min_dwell_ns) {
		snprintf(d->reason, sizeof(d->reason), "%s, holding %s: dwell %" PRIu64 " < %" PRIu64 " ms",
			 why, sm_decision_name(cur), (in->now_ns - st->since_ns) / 1000000,
			 c->min_dwell_ns / 1000000);
		goto out;
	}
	if (in->budget == 0) {
		d->deferred = true;
		snprintf(d->reason, sizeof(d->reason), "%s, deferred: rate limit", why);
		goto out;
	}
	st->cls = want;
	st->pending = want;
	st->streak = 0;
	st->since_ns = in->now_ns ? in->now_ns : 1;
	d->cls = want;
	d->changed = true;
	snprintf(d->reason, sizeof(d->reason), "%s for %u ticks", why, need);
out:
	sm_policy_target(c, d->cls, in->orig_nice, &d->target);
}
