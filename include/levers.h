/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which levers the kernel and the host actually offer, detected once at start (never from the
 * kernel version): the cpu controller's cgroup hierarchy (v2 cpu.weight first, v1 cpu.shares as
 * the fallback), systemd as PID 1 with a system bus, autogroup, EEVDF custom slices (probed on
 * ourselves) and writable timer slack.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sm_cgroup_mode {
	SM_CG_NONE = 0,
	SM_CG_V2 = 1,  /* cgroup2 hierarchy with the cpu controller: cpu.weight / cpu.idle */
	SM_CG_V1 = 2,  /* v1 hierarchy with the cpu controller: cpu.shares / cpu.idle */
};

struct sm_levers {
	enum sm_cgroup_mode cg_mode;
	char cg_mount[PATH_MAX];   /* mount point of the hierarchy with the cpu controller */
	char cg_batch[PATH_MAX];   /* schedml's batch cgroup directory (absolute) */
	char cg_batch_rel[256];    /* the same, as /proc/<pid>/cgroup shows it ("/schedml.batch") */
	bool cg_enable_cpu;        /* v2: the root's subtree_control lacks +cpu (must be enabled) */
	bool systemd;              /* systemd is PID 1 and the system bus answers */
	bool autogroup;            /* kernel.sched_autogroup_enabled = 1 */
	bool slice;                /* sched_setattr honours sched_runtime on SCHED_OTHER */
	uint64_t default_slice_ns; /* the slice a task has without a custom one (read on ourselves) */
	bool timer_slack;          /* /proc/<pid>/timerslack_ns is writable */
	char why_cg[160];          /* human notes for the start-up log */
	char why_systemd[160];
	char why_slice[160];
};

/* Find the cpu hierarchy from mountinfo text (pure; tested on fixtures). cg_name: batch dir name. */
int sm_levers_parse_mountinfo(const char *mountinfo, const char *cg_name, struct sm_levers *l);
/* Detect everything on this host. Probes the slice on the calling thread and restores it. */
int sm_levers_detect(struct sm_levers *l, const char *cg_name);
/* "cgroup=v1:/sys/fs/cgroup/cpu systemd=no autogroup=yes slice=yes timer_slack=yes". */
size_t sm_levers_format(const struct sm_levers *l, char *buf, size_t len);
