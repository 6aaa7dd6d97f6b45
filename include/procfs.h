/* SPDX-License-Identifier: GPL-2.0 */
/* /proc readers and parsers. Parsers are pure (tested on fixture text); readers take a proc root. */
#pragma once

#include <stdint.h>

#include "schedml.h"

struct sm_proc_stat {          /* /proc/<pid>/stat fields we use */
	uint32_t pid, ppid;
	char comm[SM_COMM_LEN];
	char state;
	uint64_t utime, stime;     /* clock ticks */
	int32_t nice;
	uint32_t num_threads;
	uint64_t starttime;        /* clock ticks since boot */
	uint32_t flags;            /* PF_* (PF_KTHREAD = 0x00200000) */
	uint32_t policy;
	uint32_t processor;
};

struct sm_proc_schedstat {     /* /proc/<pid>/schedstat */
	uint64_t run_ns, wait_ns, slices;
};

struct sm_proc_status {        /* /proc/<pid>/status fields we use */
	uint32_t tgid, uid, threads;
	uint64_t vol_switches, invol_switches;
	uint64_t vm_rss_kb;
	uint64_t cap_eff;
};

int sm_proc_parse_stat(const char *buf, struct sm_proc_stat *st);
int sm_proc_parse_schedstat(const char *buf, struct sm_proc_schedstat *ss);
int sm_proc_parse_status(const char *buf, struct sm_proc_status *st);
/* From /proc/<pid>/cgroup text: the cpu controller's path (v1 "cpu" hierarchy, else v2 "0::"). */
int sm_proc_parse_cgroup(const char *buf, char *path, size_t len);

/* Read what the feature table needs about one thread. proc_root: "/proc" normally. -errno
 * (-ENOENT/-ESRCH: the task is gone). */
int sm_proc_taskinfo(const char *proc_root, uint32_t tgid, uint32_t tid, struct sm_taskinfo *ti);
int sm_proc_sysctx(const char *proc_root, struct sm_sysctx *sys);

/* Refresh from proc_root the task info of feature-table threads marked info_stale (at most 4096 a
 * call; the rest at the next call); threads whose /proc entry is gone are forgotten (their exit
 * event was lost). Returns how many were refreshed. */
struct sm_ftable;
size_t sm_proc_refresh_stale(struct sm_ftable *ft, const char *proc_root);

/* Walk every thread under proc_root; stops early if fn returns <0 (and returns that). */
typedef int (*sm_proc_task_fn)(void *ctx, uint32_t tgid, uint32_t tid);
int sm_proc_for_each_task(const char *proc_root, sm_proc_task_fn fn, void *ctx);
