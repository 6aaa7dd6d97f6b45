/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The actuator: every syscall and file write that changes a task or a cgroup lives here.
 * A struct sm_act_proc remembers, per process and per thread, the values in force before
 * schedml's first change (nice, policy, slice, timer slack, cgroup, autogroup nice) and what
 * schedml set, so that it can (a) apply a target to threads that appear later, (b) notice that
 * someone else changed a value after schedml did, and (c) restore exactly what it changed and
 * nothing the operator changed since. A pidfd pins the process: a recycled PID is never touched.
 * Functions return -errno: -ESRCH = the process is gone; -EPERM/-EINVAL = permanent for it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "levers.h"
#include "policy.h"
#include "schedml.h"

struct sm_act_thread {
	uint32_t tid;
	uint64_t start_time;   /* /proc stat field 22: guards against tid reuse */
	/* in force before schedml's first change */
	uint32_t o_policy;
	int32_t o_nice;
	uint64_t o_runtime;    /* 0 = no custom slice */
	uint64_t o_slack;
	/* what schedml set (meaningful when applied) */
	bool applied;
	uint32_t s_policy;
	int32_t s_nice;
	uint64_t s_runtime;
	bool slack_set;
	uint64_t s_slack;
	bool seen;             /* scratch: present in the last walk */
};

struct sm_act_proc {
	uint32_t tgid;
	uint64_t start_time;
	int pidfd;             /* -1 when not pinned (restoring from a state file) */
	char comm[SM_COMM_LEN];
	/* the process's reference originals (its main thread's), for threads born after a change */
	uint32_t o_policy;
	int32_t o_nice;
	uint64_t o_runtime;
	uint64_t o_slack;
	bool have_ref;
	/* cgroup */
	bool cg_moved;
	char o_cgroup[SM_CGROUP_LEN]; /* the cpu hierarchy path it came from */
	/* autogroup */
	bool ag_set;
	int32_t o_ag_nice, s_ag_nice;
	/* threads */
	struct sm_act_thread *t;
	size_t n, cap;
	/* systemd unit lever: the unit's CPUWeight= instead of a move (single-process units) */
	bool unit_set;
	char unit[128];
	uint64_t o_unit_weight, s_unit_weight; /* UINT64_MAX: not set ("[not set]") */
	struct sm_target target; /* the target last applied (all-false: neutral) */
};

struct sm_act_ctx {
	const struct sm_levers *lv;
	bool use_cgroup;       /* lever switches, masked by detection */
	bool use_autogroup;
	bool use_slice;
	bool use_slack;
	uint32_t cg_weight;    /* v2 cpu.weight */
	uint32_t cg_shares;    /* v1 cpu.shares */
	bool cg_idle;          /* cpu.idle=1 instead of a weight */
	void *bus;             /* sd_bus * to the system bus: the unit lever (NULL: off) */
};

/* Create (or reuse) schedml's batch cgroup and set its weight. -errno. */
int sm_act_cgroup_setup(const struct sm_act_ctx *a);
/* Remove the batch cgroup if empty (-EBUSY if not). */
int sm_act_cgroup_teardown(const struct sm_act_ctx *a);

/* Pin a process: pidfd_open + start-time check. -ESRCH if gone or recycled. */
int sm_act_proc_open(struct sm_act_proc *p, uint32_t tgid, uint64_t start_time, const char *comm);
void sm_act_proc_close(struct sm_act_proc *p); /* frees threads, closes the pidfd; accepts NULL */
/* Whether anything schedml set is still recorded as in force. */
bool sm_act_proc_active(const struct sm_act_proc *p);

/* Bring the process (every thread, new ones included) to target t; a neutral target restores.
 * Threads already at what schedml set are not touched. Returns the number of syscalls/writes
 * that changed something (>= 0), or -errno. */
int sm_act_apply(const struct sm_act_ctx *a, struct sm_act_proc *p, const struct sm_target *t);
/* A child of a process schedml changed inherits its cgroup, nice, SCHED_IDLE and timer slack:
 * record those as schedml's (the parent's originals are the child's), so they are restored too.
 * child must be opened. Returns how many items were adopted (0: nothing inherited) or -errno. */
int sm_act_adopt(const struct sm_act_ctx *a, struct sm_act_proc *child, const struct sm_act_proc *parent);
/* Compare what is in force with what schedml set. 1 = someone else changed something (what says
 * which), 0 = as set, -ESRCH = gone. */
int sm_act_check(const struct sm_act_ctx *a, const struct sm_act_proc *p, char *what, size_t len);
/* Restore every original value still as schedml set it (never overwrite the operator's). */
int sm_act_restore(const struct sm_act_ctx *a, struct sm_act_proc *p);

/* Slice probe on the calling thread: sets a custom slice, reads it back, restores. */
int sm_act_probe_slice(bool *supported, uint64_t *default_slice_ns);
/* Read a task's policy/nice/runtime (sched_getattr). */
int sm_act_read_sched(uint32_t tid, uint32_t *policy, int32_t *nice, uint64_t *runtime);
/* /proc/<pid>/stat starttime. */
int sm_act_start_time(uint32_t pid, uint64_t *start_time);
