/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by every stage of schedml (tracer, features, scorer, policy, actuator). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SCHEDML_VERSION "0.1.0"

#define SM_COMM_LEN 16
#define SM_CGROUP_LEN 256

/* Behaviour classes; the label a recording stamps and the class a model predicts. */
enum sm_class {
	SM_CLASS_NONE = 0,
	SM_CLASS_INTERACTIVE = 1, /* latency-critical: wakes often, runs briefly */
	SM_CLASS_BATCH = 2,       /* throughput: long bursts, rarely sleeps */
	SM_NR_CLASSES,
};

const char *sm_class_name(enum sm_class c);
/* Returns the class for "interactive"/"batch"/"none", or -EINVAL. */
int sm_class_parse(const char *s);

/* System context, sampled each control interval (from /proc or a trace's 'Y' line). */
struct sm_sysctx {
	uint64_t ts_ns;       /* CLOCK_MONOTONIC, same clock as bpf_ktime_get_ns() */
	uint32_t nr_cpus;     /* online CPUs */
	uint32_t nr_running;  /* runnable tasks (procs_running in /proc/stat) */
	uint32_t load1_x100;  /* 1-minute load average * 100 */
};

/* What events do not carry: read from /proc/<tgid>/task/<tid>, or from a trace's 'T' line. */
struct sm_taskinfo {
	uint32_t pid;         /* thread id */
	uint32_t tgid;        /* process id */
	uint32_t ppid;
	uint32_t uid;
	int32_t nice;
	uint32_t policy;      /* SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, ... */
	uint32_t nr_threads;  /* threads in the process */
	bool kthread;         /* PF_KTHREAD */
	uint64_t start_time;  /* /proc/<pid>/stat field 22 (clock ticks since boot): detects PID reuse */
	char comm[SM_COMM_LEN];
	char cgroup[SM_CGROUP_LEN]; /* cgroup path of the cpu controller (v2 path, or v1 cpu path) */
};
