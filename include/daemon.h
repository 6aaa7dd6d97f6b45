/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon: one event loop (epoll over the tracer's ring buffer, a timerfd for the control
 * interval, a signalfd, the status socket), the control step (features -> scores -> policy ->
 * actuator), the state file, the status protocol, sd_notify. `schedml run` is a thin CLI over it.
 */
#pragma once

#include <stdbool.h>

#include "config.h"

struct sm_daemon_opts {
	const char *config_path;   /* NULL: SM_CONFIG_DEFAULT_PATH if it exists, else built-in defaults */
	struct sm_config_overrides ov;
	bool dry_run;              /* decide and log, never apply */
	bool foreground;           /* log to stderr even under systemd */
	int verbose;               /* 0 decisions; 1 + features and explanations; 2 + every score each tick */
	uint64_t duration_ns;      /* stop after this long (0: run until signalled); for tests */
};

/* Load and validate the config (file + overrides) and the model. 0, or -errno with err set to one
 * line naming the file and the field. *cfg is initialised either way (sm_config_free it). */
struct sm_model;
int sm_daemon_load(const struct sm_daemon_opts *o, struct sm_config *cfg, struct sm_model **model,
		   char *err, size_t errlen);
/* Run until SIGTERM/SIGINT (or duration); returns the process exit code. */
int sm_daemon_run(const struct sm_daemon_opts *o);

/* Status protocol: a client sends one line ("status", "pause" or "resume") and reads one JSON
 * object back. Returns the reply (malloc'd) or NULL with -errno in *err. */
char *sm_status_request(const char *socket_path, const char *cmd, int *err);
