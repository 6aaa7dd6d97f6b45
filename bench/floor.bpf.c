// SPDX-License-Identifier: GPL-2.0
/*
 * The physical floor of tracing overhead: the same four scheduler tracepoints schedml's tracer
 * uses, each program doing nothing but one per-CPU counter increment. Loaded by bench/floorload.c
 * (no skeleton); tp_btf programs, with raw_tp twins for kernels where tp_btf cannot attach.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} floor_counts SEC(".maps");

static __always_inline int bump(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&floor_counts, &k);

	if (v)
		(*v)++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch) { return bump(0); }
SEC("tp_btf/sched_wakeup")
int BPF_PROG(floor_wakeup) { return bump(1); }
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(floor_wakeup_new) { return bump(2); }
SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_exit) { return bump(3); }

SEC("raw_tp/sched_switch")
int floor_switch_raw(void *ctx) { return bump(0); }
SEC("raw_tp/sched_wakeup")
int floor_wakeup_raw(void *ctx) { return bump(1); }
SEC("raw_tp/sched_wakeup_new")
int floor_wakeup_new_raw(void *ctx) { return bump(2); }
SEC("raw_tp/sched_process_exit")
int floor_exit_raw(void *ctx) { return bump(3); }
