/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy: maps a process's score (and a little context) to a decision, with hysteresis,
 * a minimum dwell time, bounds and a per-interval rate limit. Pure: no I/O, no globals,
 * no allocation. The daemon owns one struct sm_pstate per process and calls sm_policy_decide()
 * once per control interval.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sm_decision_class {
	SM_DEC_NEUTRAL = 0, /* original values in force */
	SM_DEC_BATCH = 1,   /* demoted: throughput work */
	SM_DEC_LATENCY = 2, /* latency-critical: short slice, small timer slack, optional boost */
	SM_NR_DECISIONS,
};

const char *sm_decision_name(enum sm_decision_class c);

#define SM_POLICY_STARVED_VOL 100 /* <= 10% voluntary switch-outs */
#define SM_POLICY_STARVED_DIV 8

struct sm_policy_cfg {
	int32_t batch_enter;       /* score <= this counts toward batch (default 350) */
	int32_t batch_leave;       /* score >= this counts toward leaving batch (default 550) */
	int32_t latency_enter;     /* score >= this counts toward latency (default 800) */
	int32_t latency_leave;     /* score <= this counts toward leaving latency (default 650) */
	uint32_t confirm_ticks;    /* consecutive ticks needed to change class (default 2) */
	uint64_t min_dwell_ns;     /* a class is kept at least this long (default 3 s) */
	uint32_t min_cpu_share;    /* CPUs x1000 below which a process is not worth demoting (200) */
	uint64_t min_age_ns;       /* processes younger than this are not judged (default 0) */
	bool latency_enabled;      /* latency class allowed at all (needs slice or timer slack lever) */
	/* batch targets */
	bool batch_cgroup;         /* move into the schedml batch cgroup */
	bool batch_set_policy;
	uint32_t batch_policy;     /* SCHED_IDLE (default), SCHED_BATCH or SCHED_OTHER */
	bool batch_set_nice;
	int32_t batch_nice;        /* default 19 */
	bool batch_autogroup;      /* also set the autogroup nice (leaders of their own autogroup) */
	/* latency targets */
	uint64_t latency_slice_ns; /* 0: lever off; else EEVDF custom slice (default 1 ms) */
	uint64_t latency_slack_ns; /* 0: lever off; else timer slack (default 1 us) */
	bool allow_boost;          /* negative nice for latency tasks (default false) */
	int32_t boost_nice;        /* default -5 */
	/* bounds */
	int32_t min_nice;          /* never set a nice below this (default -5) */
	int32_t max_nice;          /* never above this (default 19) */
	uint32_t max_changes;      /* class changes per interval, all processes (default 16) */
};

void sm_policy_cfg_default(struct sm_policy_cfg *c);
/* Checks thresholds and bounds; on error returns -EINVAL and names the field in *field. */
int sm_policy_cfg_validate(const struct sm_policy_cfg *c, const char **field);

/* Per-process decision state, owned by the caller; zero-initialise (neutral, no streak). */
struct sm_pstate {
	uint8_t cls;          /* enum sm_decision_class in force (as decided) */
	uint8_t pending;      /* class the streak counts toward */
	uint32_t streak;      /* consecutive ticks toward pending */
	uint64_t since_ns;    /* when cls was entered (0: never changed) */
};

struct sm_pinput {
	int32_t score;        /* 0..1000, high = latency-critical */
	uint32_t cpu_share;   /* CPUs x1000 over the feature window */
	int32_t vol_ratio;    /* voluntary / all switch-outs x1000; -1 unknown. A task that almost never
			       * sleeps voluntarily (<= SM_POLICY_STARVED_VOL) wants a whole CPU: under
			       * contention its share understates its demand, so the CPU floor is divided
			       * by SM_POLICY_STARVED_DIV for it. */
	uint32_t child_cpu_share; /* CPUs x1000 used by short-lived child processes that exited in
				   * the window (feature child_cpu_share): a fork storm. At or above
				   * min_cpu_share the process is batch whatever its own score: its
				   * jobs live too briefly to be judged, and inherit its demotion. */
	uint64_t age_ns;      /* since the process was first seen */
	int32_t orig_nice;    /* the process's original nice (boost never goes above it unless allowed) */
	uint64_t now_ns;
	uint32_t budget;      /* class changes still allowed in this interval */
};

/* What should be in force for a process. Fields with set_* false are left at their original. */
struct sm_target {
	bool set_nice;
	int32_t nice;
	bool set_policy;
	uint32_t policy;
	bool set_slice;
	uint64_t slice_ns;
	bool set_slack;
	uint64_t slack_ns;
	bool cgroup_demote;
	bool autogroup;       /* also apply nice to the process's autogroup (if it leads one) */
};

struct sm_decision {
	enum sm_decision_class cls; /* class in force after this tick */
	bool changed;               /* cls differs from the previous tick: apply target */
	bool deferred;              /* a change was due but the rate limit refused it */
	struct sm_target target;
	char reason[224];
};

/* One interval for one process: updates *st, fills *d. Pure. */
void sm_policy_decide(const struct sm_policy_cfg *c, const struct sm_pinput *in, struct sm_pstate *st,
		      struct sm_decision *d);
/* The target of a class under c (neutral: nothing set). */
void sm_policy_target(const struct sm_policy_cfg *c, enum sm_decision_class cls, int32_t orig_nice,
		      struct sm_target *t);
/* "cgroup=batch policy=idle nice=19" etc. Returns length. */
size_t sm_target_format(const struct sm_target *t, char *buf, size_t len);
