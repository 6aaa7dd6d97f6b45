// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: event decoding, the trace line format round trip, and the feature
 * extractor's hot path on adversarial input (pids 0 and ~0, unknown tasks, exits of strangers,
 * time going backwards, a full table, bogus /proc deltas).
 *
 * The input is a program: each step starts with one opcode byte, followed by its payload:
 *   0: an event exactly as the ring buffer delivers it (struct sm_event bytes): it is written as
 *      a trace line (sm_trace_format_line), parsed back (sm_trace_parse_line) and must come back
 *      identical (comm as the writer keeps it: up to 15 bytes, to its first NUL), then goes to
 *      sm_ftable_event() as the daemon's ring-buffer callback does
 *   1: a tick: u32 milliseconds to advance (time may also go back: high bit), sm_sysctx bytes
 *   2: sm_taskinfo bytes (strings NUL-terminated, as /proc readers guarantee)
 *   3: sm_snapdelta bytes (the /proc source)
 *   4: u32 pid to forget
 * The first byte picks the table's shape (small max_tasks to hit the cap, window, EWMA).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "trace_io.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static bool take(struct in *in, void *out, size_t len)
{
	if (in->n < len)
		return false;
	memcpy(out, in->p, len);
	in->p += len;
	in->n -= len;
	return true;
}

static void roundtrip(const struct sm_event *e)
{
	struct sm_trace_rec a = { .kind = SM_REC_EVENT }, b;
	char line[4096], err[256];
	size_t n;

	a.ev = *e;
	if (sm_trace_format_line(&a, line, sizeof(line)) < 0) {
		if (e->type >= SM_EV_SWITCH && e->type <= SM_EV_EXIT)
			abort(); /* every valid event can be written */
		return;
	}
	if (sm_trace_parse_line(line, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "written event does not parse: '%s': %s\n", line, err);
		abort();
	}
	/* What the writer keeps of comm. */
	n = strnlen(a.ev.comm, sizeof(a.ev.comm) - 1);
	memset(a.ev.comm + n, 0, sizeof(a.ev.comm) - n);
	if (memcmp(&a.ev, &b.ev, sizeof(a.ev)) != 0) {
		fprintf(stderr, "event changed in the round trip: '%s'\n", line);
		abort();
	}
}

static void walk(const struct sm_ftable *t, uint32_t max_tasks)
{
	const struct sm_entity *en;
	struct sm_fstats st;
	uint32_t tids[64];
	char buf[2048];
	size_t it;

	for (it = 0; (en = sm_ftable_next_thread(t, &it));)
		if (sm_fvec_format(&en->fv, buf, sizeof(buf)) >= sizeof(buf))
			abort();
	for (it = 0; (en = sm_ftable_next_proc(t, &it));) {
		sm_fvec_format(&en->fv, buf, sizeof(buf));
		if (sm_ftable_proc_threads(t, en->tgid, tids, 64) > 64)
			abort();
		if (sm_ftable_proc(t, en->tgid) == NULL)
			abort(); /* iterated process can be looked up */
	}
	for (it = 0; (en = sm_ftable_next_cgroup(t, &it));)
		sm_fvec_format(&en->fv, buf, sizeof(buf));
	sm_ftable_stats(t, &st);
	if (st.tasks > max_tasks)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct sm_ftable *t = NULL;
	struct sm_fconfig cfg;
	uint64_t now = 1000000000ull;
	uint8_t shape, op;

	if (!take(&in, &shape, 1))
		return 0;
	sm_fconfig_default(&cfg);
	cfg.max_tasks = (shape & 1) ? 8 : 256;
	cfg.window_ticks = 1 + ((shape >> 1) & 7);
	cfg.ewma_shift = (shape >> 4) & 7;
	if (sm_ftable_new(&cfg, &t) < 0)
		return 0;
	for (int steps = 0; steps < 4096 && take(&in, &op, 1); steps++) {
		switch (op % 5) {
		case 0: {
			struct sm_event e;

			if (!take(&in, &e, sizeof(e)))
				goto out;
			roundtrip(&e);
			sm_ftable_event(t, &e);
			break;
		}
		case 1: {
			struct sm_sysctx sys;
			uint32_t ms;

			if (!take(&in, &ms, sizeof(ms)) || !take(&in, &sys, sizeof(sys)))
				goto out;
			if (ms & 0x80000000u)
				now -= (uint64_t)(ms & 0xffff) * 1000000ull; /* a clock step back */
			else
				now += (uint64_t)(ms & 0xfffff) * 1000000ull;
			sys.ts_ns = now;
			sm_ftable_tick(t, now, &sys);
			walk(t, cfg.max_tasks);
			break;
		}
		case 2: {
			struct sm_taskinfo ti;
			uint8_t kb;

			if (!take(&in, &ti, sizeof(ti)))
				goto out;

			memcpy(&kb, &ti.kthread, 1); /* raw bytes: make the bool a valid bool */
			ti.kthread = kb & 1;
			ti.comm[sizeof(ti.comm) - 1] = '\0';
			ti.cgroup[sizeof(ti.cgroup) - 1] = '\0';
			(void)sm_ftable_taskinfo(t, &ti);
			break;
		}
		case 3: {
			struct sm_snapdelta d;

			if (!take(&in, &d, sizeof(d)))
				goto out;
			sm_ftable_snapshot(t, &d);
			break;
		}
		case 4: {
			uint32_t pid;

			if (!take(&in, &pid, sizeof(pid)))
				goto out;
			sm_ftable_forget(t, pid);
			break;
		}
		}
	}
out:
	sm_ftable_tick(t, now + 250000000ull, NULL);
	walk(t, cfg.max_tasks);
	sm_ftable_free(t);
	return 0;
}
