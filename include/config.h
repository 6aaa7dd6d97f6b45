/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's configuration: a JSON file (json-c), every key optional with a documented default
 * (docs/daemon.md, systemd/config.json). Unknown keys and bad values are errors naming the file
 * and the key. Command-line options override the file (struct sm_config_overrides), and are
 * re-applied when SIGHUP reloads the file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "scope.h"
#include "tracer.h"

#define SM_CONFIG_DEFAULT_PATH "/etc/schedml/config.json"
#define SM_MODEL_DEFAULT_PATH "/usr/local/share/schedml/models/default.json"
#define SM_RUNTIME_DIR "/run/schedml"

struct sm_levers_cfg {
	bool cgroup;        /* batch: move into schedml's minimum-weight cpu cgroup */
	bool systemd_unit;  /* batch: prefer the unit's CPUWeight= via D-Bus when systemd is PID 1 */
	bool policy;        /* batch: sched_setattr policy (batch.policy) on every thread */
	bool nice;          /* batch (and boost): setpriority on every thread */
	bool autogroup;     /* batch: /proc/<pid>/autogroup nice for autogroup leaders */
	bool slice;         /* latency: EEVDF custom slice (sched_runtime on SCHED_OTHER) */
	bool timer_slack;   /* latency: /proc/<pid>/timerslack_ns */
};

struct sm_config {
	char *origin;              /* file it came from, "(defaults)" otherwise */
	uint64_t interval_ns;      /* control interval = feature tick (250 ms) */
	uint32_t window_ticks;     /* feature window in ticks (4) */
	char *model_path;
	enum sm_source_mode source;
	uint64_t ringbuf_bytes;
	uint32_t max_tasks;
	struct sm_scope scope;
	struct sm_exclude exclude;
	struct sm_policy_cfg policy;   /* as configured; the daemon masks it with the detected levers */
	struct sm_levers_cfg levers;
	uint32_t cgroup_weight;    /* v2 cpu.weight of the batch cgroup (1) */
	uint32_t cgroup_shares;    /* v1 cpu.shares of the batch cgroup (2) */
	bool cgroup_idle;          /* set cpu.idle=1 on the batch cgroup instead of a weight (false) */
	char *cgroup_name;         /* "schedml.batch" */
	char *state_file;          /* /run/schedml/state.json */
	bool state_required;       /* true: fail to start without a writable state file */
	char *socket_path;         /* /run/schedml/schedml.sock ("" = no socket) */
};

/* What the command line set; NULL/0 fields leave the file's value. */
struct sm_config_overrides {
	const char *model_path;
	const char *runtime_dir;   /* state file and socket go under it */
	const char *state_file;
	const char *socket_path;
	uint64_t interval_ns;
	int source;                /* -1: keep */
	struct sm_scope scope;     /* non-empty: replaces the file's scope */
};

void sm_config_init(struct sm_config *c);   /* defaults */
void sm_config_free(struct sm_config *c);   /* accepts a zeroed or NULL config */
/* Parse JSON text into c (which starts from defaults). On error: -EINVAL/-ENOMEM and
 * err = "ORIGIN: KEY: problem". */
int sm_config_parse(const char *json, const char *origin, struct sm_config *c, char *err, size_t errlen);
/* Load a file; a missing file is an error (callers decide whether a default path may be absent). */
int sm_config_load(const char *path, struct sm_config *c, char *err, size_t errlen);
int sm_config_apply_overrides(struct sm_config *c, const struct sm_config_overrides *o, char *err,
			      size_t errlen);
