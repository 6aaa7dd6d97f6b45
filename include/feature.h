/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Feature extractor: turns the event stream into per-task, per-process and per-cgroup feature
 * vectors. One code path for the daemon, `schedml score`, `train` and `eval`.
 *
 * Every feature is an int32 in the unit of the table below, times its scale (fixed point).
 * Models refer to features by name (sm_feature_table[i].name).
 */
#pragma once

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "sched_trace.h"
#include "schedml.h"

enum sm_feature_id {
	SM_F_CPU_SHARE,      /* cpu_share: CPU time / wall time over the window; CPUs, scale 1000 */
	SM_F_CPU_SHARE_EWMA, /* cpu_share_ewma: same, EWMA over ticks; CPUs, scale 1000 */
	SM_F_RUN_MEAN,       /* run_burst_mean: mean on-CPU stint; us */
	SM_F_RUN_P90,        /* run_burst_p90: 90th percentile stint; us */
	SM_F_SLEEP_MEAN,     /* sleep_mean: mean voluntary sleep (switch-out to wakeup); us */
	SM_F_WAIT_FREQ,      /* wait_freq: wakeups received per second; 1/s, scale 10 */
	SM_F_WAKE_FREQ,      /* wake_freq: wakeups caused in other tasks per second (scx_lavd); 1/s, scale 10 */
	SM_F_VOL_RATIO,      /* vol_ratio: voluntary / all switch-outs; ratio, scale 1000 */
	SM_F_RQLAT_MEAN,     /* rqlat_mean: run-queue latency mean; us */
	SM_F_RQLAT_P99,      /* rqlat_p99: run-queue latency 99th percentile; us */
	SM_F_NR_THREADS,     /* nr_threads: threads in the process; count */
	SM_F_KTHREAD,        /* kthread: 1 for kernel threads; bool */
	SM_F_NICE,           /* nice: current nice; nice units */
	SM_F_POLICY,         /* policy: current scheduling policy number */
	SM_F_SYS_LOAD,       /* sys_load: 1-minute load average; scale 100 */
	SM_F_SYS_RUNNABLE,   /* sys_runnable: runnable tasks system-wide; count */
	SM_F_SYS_CPUS,       /* sys_cpus: online CPUs; count */
	SM_F_CHILD_CPU_SHARE, /* child_cpu_share: CPU of short-lived child processes it forked that
			       * exited in the window / wall time (a fork storm); CPUs, scale 1000 */
	SM_NR_FEATURES,
};

struct sm_feature_desc {
	const char *name;   /* stable name used by model files */
	const char *unit;   /* human unit of the real value */
	int32_t scale;      /* stored value = real value * scale */
	const char *help;
};

extern const struct sm_feature_desc sm_feature_table[SM_NR_FEATURES];

/* Index of a feature by name, or -ENOENT. */
int sm_feature_lookup(const char *name);

struct sm_fvec {
	int32_t v[SM_NR_FEATURES];
};

struct sm_fconfig {
	uint32_t max_tasks;    /* threads tracked at most (default 16384); excess counted, not tracked */
	uint64_t tick_ns;      /* control interval: one window bucket per tick (default 250 ms) */
	uint32_t window_ticks; /* sliding window length in ticks (default 4, i.e. 1 s) */
	uint32_t ewma_shift;   /* EWMA weight of a new tick = 1/2^shift (default 2) */
};

void sm_fconfig_default(struct sm_fconfig *cfg);

struct sm_ftable;

/* One tracked entity (thread, process or cgroup) as seen at the last tick. */
struct sm_entity {
	uint32_t id;          /* tid (thread), tgid (process); 0 for a cgroup */
	uint32_t tgid;
	const struct sm_taskinfo *info; /* NULL for a cgroup; for a process: its main thread */
	const char *cgroup;   /* cgroup path ("" if unknown) */
	struct sm_fvec fv;
	uint64_t first_seen_ns;
	uint64_t run_ns_window; /* CPU time in the window, for weighting/guard rails */
	uint32_t nr_tasks;      /* threads aggregated (1 for a thread) */
	bool changed;           /* had events since the previous tick */
	bool info_stale;        /* no taskinfo yet or comm changed: caller should refresh from /proc */
};

struct sm_fstats {
	uint64_t events;       /* events consumed */
	uint64_t tasks;        /* threads tracked now */
	uint64_t procs;        /* processes tracked now */
	uint64_t cap_hits;     /* events for new tasks dropped because max_tasks was reached */
	uint64_t exits;        /* threads removed on exit */
	uint64_t unknown;      /* events skipped as malformed */
};

int sm_ftable_new(const struct sm_fconfig *cfg, struct sm_ftable **out);
void sm_ftable_free(struct sm_ftable *t); /* accepts NULL */

/* Hot path: O(1), no allocation, no I/O. */
void sm_ftable_event(struct sm_ftable *t, const struct sm_event *e);
/* Attach or refresh what /proc knows of a thread (creates the thread if unknown). -errno. */
int sm_ftable_taskinfo(struct sm_ftable *t, const struct sm_taskinfo *ti);
/* Close the current window bucket at now_ns and recompute every vector. */
void sm_ftable_tick(struct sm_ftable *t, uint64_t now_ns, const struct sm_sysctx *sys);

/* Iterate entities as of the last tick: *iter starts at 0; returns NULL at the end. */
const struct sm_entity *sm_ftable_next_thread(const struct sm_ftable *t, size_t *iter);
const struct sm_entity *sm_ftable_next_proc(const struct sm_ftable *t, size_t *iter);
const struct sm_entity *sm_ftable_next_cgroup(const struct sm_ftable *t, size_t *iter);
const struct sm_entity *sm_ftable_proc(const struct sm_ftable *t, uint32_t tgid);
/* Thread ids of a process (up to max); returns how many. */
size_t sm_ftable_proc_threads(const struct sm_ftable *t, uint32_t tgid, uint32_t *tids, size_t max);

void sm_ftable_stats(const struct sm_ftable *t, struct sm_fstats *st);

/* "cpu_share=0.987 CPUs run_burst_p90=4000us ..." for debug output. */
size_t sm_fvec_format(const struct sm_fvec *fv, char *buf, size_t len);
/* One fixed-point value in real units: "0.987 CPUs", "4000us", "0.4/s", "0.950". Returns length. */
size_t sm_feature_value_str(int feature, int32_t v, char *buf, size_t len);

/*
 * Low-fidelity input (no BPF): deltas of one thread's /proc counters since its previous snapshot
 * (schedstat: run_ns, wait_ns, slices; status: voluntary/nonvoluntary_ctxt_switches).
 */
struct sm_snapdelta {
	uint64_t ts_ns;
	uint32_t pid, tgid;
	uint64_t run_ns;          /* on-CPU time */
	uint64_t wait_ns;         /* runnable but waiting */
	uint64_t slices;          /* times it was switched in */
	uint64_t vol_switches;
	uint64_t invol_switches;
};
void sm_ftable_snapshot(struct sm_ftable *t, const struct sm_snapdelta *d);
/* Forget a thread (exited; seen by the /proc source as a vanished directory). */
void sm_ftable_forget(struct sm_ftable *t, uint32_t pid);
