/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by bpf/sched_trace.bpf.c and user space: fixed-width types only. */
#ifndef __SCHED_TRACE_H
#define __SCHED_TRACE_H

#define SM_TASK_COMM_LEN 16

enum sm_event_type {
	SM_EV_SWITCH = 1,     /* sched_switch: prev leaves the CPU, next gets it */
	SM_EV_WAKEUP = 2,     /* sched_wakeup: pid becomes runnable, woken by prev_pid (the current task: in irq context the interrupted one, 0 if idle) */
	SM_EV_WAKEUP_NEW = 3, /* sched_wakeup_new: a new task's first wakeup; prev_pid = parent/forker */
	SM_EV_EXIT = 4,       /* sched_process_exit: thread pid exits */
};

/* prev_state values user space cares about. */
#define SM_PREV_PREEMPTED 0u  /* prev was still runnable: involuntary switch */

struct sm_event {
	__u64 ts_ns;        /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u32 type;         /* enum sm_event_type */
	__u32 cpu;
	__u32 pid;          /* subject: next (switch), wakee (wakeup), exiting thread (exit) */
	__u32 tgid;
	__u32 prev_pid;     /* switch: prev; wakeup: waker (current task); exit: 0 */
	__u32 prev_tgid;
	__u64 prev_run_ns;  /* switch: how long prev ran since it was switched in (0 if unknown) */
	__u64 rq_lat_ns;    /* switch: how long next waited runnable, from wakeup or preemption (0 if unknown) */
	__u32 prev_state;   /* switch: prev's __state; SM_PREV_PREEMPTED (0) = still runnable */
	__u32 flags;        /* SM_EVF_* */
	char comm[SM_TASK_COMM_LEN]; /* subject's comm */
};

#define SM_EVF_PREV_KTHREAD (1u << 0) /* switch: prev is a kernel thread */
#define SM_EVF_KTHREAD (1u << 1)      /* subject is a kernel thread */

/* Per-CPU counters (array map "counters", one slot each). */
enum sm_counter {
	SM_CNT_EMITTED = 0,
	SM_CNT_DROPPED = 1,   /* ring buffer full: event lost */
	SM_CNT_WAKEUPS = 2,   /* forced consumer wake-ups (fill threshold reached) */
	SM_NR_COUNTERS,
};

#endif /* __SCHED_TRACE_H */
