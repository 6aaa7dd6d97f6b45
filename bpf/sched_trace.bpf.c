// SPDX-License-Identifier: GPL-2.0
/*
 * schedml's scheduling tracer: sched_switch, sched_wakeup, sched_wakeup_new and
 * sched_process_exit into one BPF ring buffer (struct sm_event, bpf/sched_trace.h).
 *
 * Each program exists twice: tp_btf (direct BTF-typed reads, cheapest) and raw_tp (CO-RE
 * probe reads). User space loads the tp_btf set and falls back to raw_tp by feature probe.
 *
 * In-kernel state, like runqlat: the time the current task was switched in on each CPU
 * (-> prev_run_ns), and each runnable task's enqueue time, set at wakeup or when it is
 * preempted while runnable, consumed at switch-in (-> rq_lat_ns).
 *
 * The consumer is woken in batches: records are submitted with BPF_RB_NO_WAKEUP, and with
 * BPF_RB_FORCE_WAKEUP only when the pending data crosses a multiple of wakeup_bytes; user
 * space also drains on its own timer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sched_trace.h"

#define PF_KTHREAD 0x00200000
#define MAX_ENQUEUED 32768

char LICENSE[] SEC("license") = "GPL";

/* Knobs, set by user space between open and load. */
const volatile __u64 wakeup_bytes = 256 * 1024; /* 0: wake the consumer on every event */
const volatile __u32 ignore_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* resized by user space before load */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SM_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} oncpu_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENQUEUED);
	__type(key, __u32);
	__type(value, __u64);
} enqueued_at SEC(".maps");

/* tp_btf flavour: the same, in task-local storage (cheaper than a hash, freed with the task). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_enqueued_at SEC(".maps");

/* task_struct::state was renamed __state in 5.14 (see libbpf-tools core_fixes.bpf.h). */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

struct task_struct___x {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(bool btf, struct task_struct *t)
{
	struct task_struct___x *tx = (void *)t;
	struct task_struct___o *to = (void *)t;

	if (bpf_core_field_exists(tx->__state))
		return btf ? tx->__state : BPF_CORE_READ(tx, __state);
	return btf ? (__u32)to->state : (__u32)BPF_CORE_READ(to, state);
}

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++; /* per-CPU slot: no atomics needed */
}

static __always_inline struct sm_event *reserve(void)
{
	struct sm_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		count(SM_CNT_DROPPED);
	return e;
}

/* Bytes one record takes in the ring: the event plus the 8-byte record header, 8-aligned. */
#define REC_BYTES ((sizeof(struct sm_event) + 8 + 7) & ~7ull)

/*
 * Wake the consumer only when the pending data crosses a multiple of wakeup_bytes: one wake-up
 * per wakeup_bytes of data even when the consumer is slow to run (forcing on every event above
 * the threshold would wake it per event exactly when it is already behind). A crossing missed
 * because another CPU reserved in between is caught at the next multiple, and user space also
 * drains on its own timer.
 */
static __always_inline void submit(struct sm_event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP, avail;

	if (!wakeup_bytes) {
		flags = BPF_RB_FORCE_WAKEUP;
		count(SM_CNT_WAKEUPS);
	} else {
		avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
		if (avail >= wakeup_bytes && avail / wakeup_bytes != (avail - REC_BYTES) / wakeup_bytes) {
			flags = BPF_RB_FORCE_WAKEUP;
			count(SM_CNT_WAKEUPS);
		}
	}
	count(SM_CNT_EMITTED);
	bpf_ringbuf_submit(e, flags);
}

/*
 * `btf` is a compile-time constant once inlined: tp_btf programs read task fields with plain
 * loads (the verifier knows the BTF type), raw_tp programs with CO-RE probe reads.
 */
#define RD(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ(p, field))

static __always_inline void read_comm(bool btf, char *dst, struct task_struct *p)
{
	if (btf) {
		/* Two 8-byte BTF loads instead of a probe-read helper call. */
		((__u64 *)dst)[0] = ((__u64 *)p->comm)[0];
		((__u64 *)dst)[1] = ((__u64 *)p->comm)[1];
	} else {
		bpf_probe_read_kernel(dst, SM_TASK_COMM_LEN, p->comm);
	}
}

static __always_inline int handle_switch(bool btf, bool preempt, struct task_struct *prev,
					 struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, prev_pid, next_pid, state, next_tgid, prev_tgid;
	bool skip_prev, skip_next;
	__u64 *since, *enq, run = 0, lat = 0;
	struct sm_event *e;

	prev_pid = RD(btf, prev, pid);
	next_pid = RD(btf, next, pid);
	state = preempt ? 0 : task_state(btf, prev);

	since = bpf_map_lookup_elem(&oncpu_since, &zero);
	if (since) {
		if (*since)
			run = now - *since;
		*since = now;
	}
	/* prev stays runnable (preempted, or yielded while TASK_RUNNING): it waits from now. */
	if (btf) {
		if (state == 0 && prev_pid) {
			enq = bpf_task_storage_get(&task_enqueued_at, prev, 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (enq)
				*enq = now;
		}
		if (next_pid) {
			enq = bpf_task_storage_get(&task_enqueued_at, next, 0, 0);
			if (enq && *enq) {
				if (now > *enq)
					lat = now - *enq;
				*enq = 0;
			}
		}
	} else {
		if (state == 0 && prev_pid)
			bpf_map_update_elem(&enqueued_at, &prev_pid, &now, BPF_ANY);
		if (next_pid) {
			enq = bpf_map_lookup_elem(&enqueued_at, &next_pid);
			if (enq) {
				if (now > *enq)
					lat = now - *enq;
				bpf_map_delete_elem(&enqueued_at, &next_pid);
			}
		}
	}

	/*
	 * The ignored process (the consumer itself) is reported as pid 0, like idle: a switch is
	 * dropped only when both sides are ignored, so the other side's stint is never lost.
	 */
	next_tgid = RD(btf, next, tgid);
	prev_tgid = RD(btf, prev, tgid);
	skip_next = ignore_tgid && next_tgid == ignore_tgid;
	skip_prev = ignore_tgid && prev_tgid == ignore_tgid;
	if (skip_next && skip_prev)
		return 0;
	e = reserve();
	if (!e)
		return 0;
	e->ts_ns = now;
	e->type = SM_EV_SWITCH;
	e->cpu = bpf_get_smp_processor_id();
	e->pid = skip_next ? 0 : next_pid;
	e->tgid = skip_next ? 0 : next_tgid;
	e->prev_pid = skip_prev ? 0 : prev_pid;
	e->prev_tgid = skip_prev ? 0 : prev_tgid;
	e->prev_run_ns = skip_prev ? 0 : run;
	e->rq_lat_ns = skip_next ? 0 : lat;
	e->prev_state = skip_prev ? 0 : state;
	e->flags = (!skip_prev && (RD(btf, prev, flags) & PF_KTHREAD) ? SM_EVF_PREV_KTHREAD : 0) |
		   (!skip_next && (RD(btf, next, flags) & PF_KTHREAD) ? SM_EVF_KTHREAD : 0);
	if (skip_next)
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	else
		read_comm(btf, e->comm, next);
	submit(e);
	return 0;
}

static __always_inline int handle_wakeup(bool btf, struct task_struct *p, __u32 type)
{
	__u64 now = bpf_ktime_get_ns(), cur = bpf_get_current_pid_tgid();
	__u32 pid = RD(btf, p, pid), tgid;
	struct sm_event *e;

	if (btf) {
		__u64 *enq = bpf_task_storage_get(&task_enqueued_at, p, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (enq)
			*enq = now;
	} else if (pid) {
		bpf_map_update_elem(&enqueued_at, &pid, &now, BPF_ANY);
	}
	tgid = RD(btf, p, tgid);
	if (ignore_tgid && tgid == ignore_tgid)
		return 0;
	e = reserve();
	if (!e)
		return 0;
	e->ts_ns = now;
	e->type = type;
	e->cpu = bpf_get_smp_processor_id();
	e->pid = pid;
	e->tgid = tgid;
	e->prev_pid = (__u32)cur;
	e->prev_tgid = cur >> 32;
	e->prev_run_ns = 0;
	e->rq_lat_ns = 0;
	e->prev_state = 0;
	e->flags = (RD(btf, p, flags) & PF_KTHREAD) ? SM_EVF_KTHREAD : 0;
	read_comm(btf, e->comm, p);
	submit(e);
	return 0;
}

static __always_inline int handle_exit(bool btf, struct task_struct *p)
{
	__u32 pid = RD(btf, p, pid), tgid;
	struct sm_event *e;

	if (!btf)
		bpf_map_delete_elem(&enqueued_at, &pid);
	tgid = RD(btf, p, tgid);
	if (ignore_tgid && tgid == ignore_tgid)
		return 0;
	e = reserve();
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->type = SM_EV_EXIT;
	e->cpu = bpf_get_smp_processor_id();
	e->pid = pid;
	e->tgid = tgid;
	e->prev_pid = 0;
	e->prev_tgid = 0;
	e->prev_run_ns = 0;
	e->rq_lat_ns = 0;
	e->prev_state = 0;
	e->flags = (RD(btf, p, flags) & PF_KTHREAD) ? SM_EVF_KTHREAD : 0;
	read_comm(btf, e->comm, p);
	submit(e);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(true, preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_sched_wakeup, struct task_struct *p)
{
	return handle_wakeup(true, p, SM_EV_WAKEUP);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_sched_wakeup_new, struct task_struct *p)
{
	return handle_wakeup(true, p, SM_EV_WAKEUP_NEW);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_sched_process_exit, struct task_struct *p)
{
	return handle_exit(true, p);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(false, preempt, prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_sched_wakeup, struct task_struct *p)
{
	return handle_wakeup(false, p, SM_EV_WAKEUP);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_sched_wakeup_new, struct task_struct *p)
{
	return handle_wakeup(false, p, SM_EV_WAKEUP_NEW);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_sched_process_exit, struct task_struct *p)
{
	return handle_exit(false, p);
}
