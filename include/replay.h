/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replaying a recorded trace through the feature table: the one code path that `score --trace`,
 * `train` and `eval` share with the daemon's live loop.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "feature.h"

struct sm_replay;

/* At each tick (the trace's 'K' lines; every fcfg.tick_ns of event time if it has none),
 * after sm_ftable_tick(). Return <0 to stop (returned by sm_replay_file). */
typedef int (*sm_replay_tick_fn)(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft,
				 uint64_t now_ns);
/* Optionally, every event before the feature table sees it (eval's kernel agreement). */
typedef int (*sm_replay_event_fn)(void *ctx, const struct sm_replay *rp, const struct sm_event *e);

struct sm_replay_opts {
	struct sm_fconfig fcfg;
	sm_replay_tick_fn on_tick;
	sm_replay_event_fn on_event; /* may be NULL */
	void *ctx;
};

/* 0 at end of file; -errno with err = "FILE:LINE: problem" on a bad trace. */
int sm_replay_file(const char *path, const struct sm_replay_opts *o, char *err, size_t errlen);
/* The class a recording stamped on a process (SM_CLASS_NONE if unlabelled). */
int sm_replay_label(const struct sm_replay *rp, uint32_t tgid);
const char *sm_replay_header(const struct sm_replay *rp); /* the trace header's JSON */
const char *sm_replay_path(const struct sm_replay *rp);
