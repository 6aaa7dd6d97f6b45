/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: after the BPF programs are loaded and attached (and the state directory, the
 * status socket and schedml's own cgroups exist), the daemon keeps only the capabilities its
 * remaining work needs, empties the bounding, inheritable and ambient sets, and sets no_new_privs.
 * The process stays uid 0: cgroup.procs writes are checked against the writer's euid (v1) and the
 * root-owned files' DAC bits (v2), so no capability is needed to move tasks as root.
 *
 * Measured on kernel 6.18 (docs/hardening.md has the experiment and its output):
 *   CAP_SYS_NICE      always kept: setpriority(), sched_setattr() and /proc/<pid>/timerslack_ns
 *                     on tasks of other users (and any lowering of a nice value, i.e. restoring).
 *   CAP_DAC_OVERRIDE  only with dac_override: mkdir/rmdir of schedml's cgroup when the hierarchy's
 *                     root directory is mode 0555 (cgroup v1 roots on hybrid hosts like this one),
 *                     and /proc/<pid>/autogroup of another user's process (0644, owned by its uid).
 *   CAP_SYS_PTRACE    only with sys_ptrace: readlink(/proc/<pid>/exe) of tasks whose credentials
 *                     are not a subset of ours (exclude-by-exe-path rules).
 *   CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN: never kept. Reading the ring buffer (mmap'd) and the
 *                     counters map through an fd opened before the drop needs none of them.
 * Capabilities can never be regained: a SIGHUP reload that enables a lever needing a dropped
 * capability gets EPERM for it (the actuator logs it once per task).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sm_privs_opts {
	bool dac_override; /* keep CAP_DAC_OVERRIDE (see above) */
	bool sys_ptrace;   /* keep CAP_SYS_PTRACE (see above) */
};

/* The capability mask sm_drop_privileges() keeps for these options (bit n = capability n),
 * before intersecting with what the process actually holds. o may be NULL (defaults). */
uint64_t sm_privs_keep_mask(const struct sm_privs_opts *o);

/*
 * Drop to sm_privs_keep_mask(o) & the permitted set: effective = permitted = that, inheritable,
 * ambient and (when CAP_SETPCAP is held) bounding emptied of everything else, securebits
 * NOROOT|NO_SETUID_FIXUP|NO_CAP_AMBIENT_RAISE locked, no_new_privs set. Must run while the
 * process has a single thread (capabilities are per thread): -EBUSY otherwise. A process that
 * holds no capabilities (non-root dry run) succeeds with nothing to drop. Verifies the result
 * with capget(); -errno on failure (the process may then hold fewer capabilities than asked,
 * never more). o may be NULL.
 */
int sm_drop_privileges(const struct sm_privs_opts *o);

/* Read the calling thread's capability sets (64-bit masks). -errno. Any pointer may be NULL. */
int sm_privs_get(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);

/* Whether uid 0 needs CAP_DAC_OVERRIDE to create or remove a directory in dir (not owned by us,
 * or not owner-writable, as cgroup v1 roots are here: 0555). false if dir can't be stat'ed. */
bool sm_privs_dir_needs_override(const char *dir);

/* "sys_nice,dac_override" (lowercase, without the cap_ prefix); "none" for 0. Returns length. */
size_t sm_privs_format(uint64_t mask, char *buf, size_t len);
