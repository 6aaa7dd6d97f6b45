// SPDX-License-Identifier: GPL-2.0
/*
 * Replay a recorded trace through a feature table: events, 'T' task info and 'Y' system context
 * go to the table; ticks come from the trace's 'K' lines (the recorder's control ticks) or, for
 * a trace without any, every fcfg.tick_ns of event time. 'L' lines label processes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "replay.h"
#include "trace_io.h"
#include "util.h"

struct label {
	uint32_t tgid; /* 0: empty */
	int32_t cls;
};

struct sm_replay {
	const char *path;
	struct sm_trace_reader *rd;
	struct label *labels; /* open addressing, power-of-two size */
	uint32_t lmask, nlabels;
};

static uint32_t lhash(uint32_t x)
{
	x *= 0x9e3779b1u;
	return x ^ (x >> 16);
}

static int label_put(struct sm_replay *rp, uint32_t tgid, int32_t cls)
{
	if (!tgid)
		return 0;
	if (!rp->labels || (rp->nlabels + 1) * 2 > rp->lmask + 1) {
		uint32_t n = rp->labels ? (rp->lmask + 1) * 2 : 64;
		struct label *nl = calloc(n, sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		for (uint32_t i = 0; rp->labels && i <= rp->lmask; i++) {
			if (!rp->labels[i].tgid)
				continue;
			uint32_t j = lhash(rp->labels[i].tgid) & (n - 1);
			while (nl[j].tgid)
				j = (j + 1) & (n - 1);
			nl[j] = rp->labels[i];
		}
		free(rp->labels);
		rp->labels = nl;
		rp->lmask = n - 1;
	}
	uint32_t j = lhash(tgid) & rp->lmask;
	while (rp->labels[j].tgid && rp->labels[j].tgid != tgid)
		j = (j + 1) & rp->lmask;
	if (!rp->labels[j].tgid)
		rp->nlabels++;
	rp->labels[j].tgid = tgid;
	rp->labels[j].cls = cls;
	return 0;
}

int sm_replay_label(const struct sm_replay *rp, uint32_t tgid)
{
	if (!rp || !rp->labels || !tgid)
		return SM_CLASS_NONE;
	for (uint32_t j = lhash(tgid) & rp->lmask; rp->labels[j].tgid; j = (j + 1) & rp->lmask)
		if (rp->labels[j].tgid == tgid)
			return rp->labels[j].cls;
	return SM_CLASS_NONE;
}

const char *sm_replay_header(const struct sm_replay *rp)
{
	return rp && rp->rd ? sm_trace_header(rp->rd) : "{}";
}

const char *sm_replay_path(const struct sm_replay *rp)
{
	return rp ? rp->path : "";
}

/* Does the trace carry 'K' tick lines? Reads until the first one (or the end). */
static int has_ticks(const char *path, char *err, size_t errlen)
{
	struct sm_trace_reader *rd = NULL;
	struct sm_trace_rec rec;
	int r;

	r = sm_trace_open(path, &rd, err, errlen);
	if (r < 0)
		return r;
	while ((r = sm_trace_next(rd, &rec, err, errlen)) > 0)
		if (rec.kind == SM_REC_TICK)
			break;
	sm_trace_close(rd);
	return r; /* 1: found, 0: none, <0: error */
}

int sm_replay_file(const char *path, const struct sm_replay_opts *o, char *err, size_t errlen)
{
	struct sm_replay rp = { .path = path };
	struct sm_ftable *ft = NULL;
	struct sm_trace_rec rec;
	struct sm_sysctx sys = { 0 };
	bool have_sys = false, k_ticks;
	uint64_t next_tick = 0, last_ts = 0;
	int r;

	if (!o || !o->on_tick) {
		snprintf(err, errlen, "%s: no tick callback", path);
		return -EINVAL;
	}
	r = has_ticks(path, err, errlen);
	if (r < 0)
		return r;
	k_ticks = r > 0;
	r = sm_ftable_new(&o->fcfg, &ft);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot create the feature table: %s", path, strerror(-r));
		return r;
	}
	r = sm_trace_open(path, &rp.rd, err, errlen);
	if (r < 0)
		goto out;
	while ((r = sm_trace_next(rp.rd, &rec, err, errlen)) > 0) {
		switch (rec.kind) {
		case SM_REC_EVENT:
			if (!k_ticks) {
				if (!next_tick)
					next_tick = rec.ev.ts_ns + o->fcfg.tick_ns;
				while (rec.ev.ts_ns >= next_tick) {
					sm_ftable_tick(ft, next_tick, have_sys ? &sys : NULL);
					r = o->on_tick(o->ctx, &rp, ft, next_tick);
					if (r < 0)
						goto out;
					next_tick += o->fcfg.tick_ns;
				}
			}
			if (o->on_event) {
				r = o->on_event(o->ctx, &rp, &rec.ev);
				if (r < 0)
					goto out;
			}
			sm_ftable_event(ft, &rec.ev);
			if (rec.ev.ts_ns > last_ts)
				last_ts = rec.ev.ts_ns;
			break;
		case SM_REC_TASK:
			r = sm_ftable_taskinfo(ft, &rec.task);
			if (r < 0 && r != -ENOSPC) {
				snprintf(err, errlen, "%s: task %u: %s", path, rec.task.pid, strerror(-r));
				goto out;
			}
			break;
		case SM_REC_LABEL:
			r = label_put(&rp, rec.label.tgid, rec.label.cls);
			if (r < 0) {
				snprintf(err, errlen, "%s: %s", path, strerror(-r));
				goto out;
			}
			break;
		case SM_REC_SYS:
			sys = rec.sys;
			have_sys = true;
			break;
		case SM_REC_TICK:
			sm_ftable_tick(ft, rec.tick_ns, have_sys ? &sys : NULL);
			r = o->on_tick(o->ctx, &rp, ft, rec.tick_ns);
			if (r < 0)
				goto out;
			break;
		}
	}
	/* Without 'K' lines, a final tick at the last event closes the trailing partial bucket. */
	if (r == 0 && !k_ticks && next_tick && last_ts > next_tick - o->fcfg.tick_ns) {
		sm_ftable_tick(ft, last_ts, have_sys ? &sys : NULL);
		r = o->on_tick(o->ctx, &rp, ft, last_ts);
	}
out:
	sm_trace_close(rp.rd);
	sm_ftable_free(ft);
	free(rp.labels);
	return r < 0 ? r : 0;
}
