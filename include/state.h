/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state file (/run/schedml/state.json): everything schedml changed, with the original values,
 * so that the next start restores what a crashed (SIGKILLed) instance left behind before doing
 * anything else. Written atomically (tmp + fsync + rename) after every change.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "actuator.h"
#include "levers.h"

#define SM_STATE_VERSION 1

/* Serialise the processes that have something applied (others are skipped). -errno. */
int sm_state_write(const char *path, const struct sm_levers *lv, struct sm_act_proc *const *procs, size_t n);
/* Parse a state file: processes (pidfd -1) and the cgroup layout it was written with (copied into
 * *lv's cg_mount/cg_batch/cg_batch_rel when present). -ENOENT if absent; -EINVAL with err set. */
int sm_state_read(const char *path, struct sm_levers *lv, struct sm_act_proc **procs, size_t *n, char *err,
		  size_t errlen);
void sm_state_free(struct sm_act_proc *procs, size_t n); /* accepts NULL */
