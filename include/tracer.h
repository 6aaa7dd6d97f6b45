/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event source: the BPF tracer (tp_btf, or raw_tp when tp_btf can't attach, chosen by
 * feature probe) or, when BPF is unavailable or refused, /proc snapshots (low fidelity).
 * Only src/tracer.c includes the BPF skeleton.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "feature.h"

enum sm_source_mode {
	SM_SOURCE_AUTO = 0,  /* BPF, falling back to /proc with a warning */
	SM_SOURCE_BPF,       /* BPF or fail */
	SM_SOURCE_PROC,      /* /proc snapshots only */
};

struct sm_tracer_opts {
	enum sm_source_mode mode;
	uint64_t ringbuf_bytes;    /* ring buffer size (power of 2, >= page size); default 8 MiB */
	uint64_t wakeup_bytes;     /* wake the consumer when this much data is pending; default 256 KiB */
	uint64_t proc_interval_ns; /* /proc source sampling interval; default 250 ms */
	uint32_t ignore_tgid;      /* do not emit events whose subject is this process (0: none) */
};

void sm_tracer_opts_default(struct sm_tracer_opts *o);

/* "auto", "bpf" or "proc" -> the mode, else -EINVAL. */
int sm_source_mode_parse(const char *s);
const char *sm_source_name(enum sm_source_mode m);
/* A ring buffer size the tracer accepts: a power of 2 from the page size to 1 GiB. */
bool sm_ringbuf_size_ok(uint64_t bytes);

/* Called for every event (BPF source) from sm_tracer_consume(). Return <0 to stop consuming. */
typedef int (*sm_event_fn)(void *ctx, const struct sm_event *e);
/* Called per thread per round (/proc source) from sm_tracer_sample(). */
typedef void (*sm_snap_fn)(void *ctx, const struct sm_snapdelta *d);
/* Called when the /proc source sees a thread vanish. */
typedef void (*sm_gone_fn)(void *ctx, uint32_t pid, uint32_t tgid);

struct sm_tracer_stats {
	uint64_t emitted;   /* events the BPF side submitted */
	uint64_t dropped;   /* events lost: ring buffer full */
	uint64_t consumed;  /* events delivered to on_event */
	uint64_t wakeups;   /* forced consumer wake-ups */
	uint64_t snapshots; /* /proc rounds taken */
	uint64_t bpf_run_ns;  /* time spent in this tracer's BPF programs (kernel.bpf_stats_enabled=1) */
	uint64_t bpf_run_cnt; /* their invocations (0 while bpf_stats is off) */
};

struct sm_tracer;

/* Open, set knobs, load, attach (or fall back). -errno; on failure nothing is left attached. */
int sm_tracer_new(const struct sm_tracer_opts *o, sm_event_fn on_event, sm_snap_fn on_snap,
		  sm_gone_fn on_gone, void *ctx, struct sm_tracer **out);
void sm_tracer_free(struct sm_tracer *t); /* accepts NULL */

/* An fd to epoll for readability (ring buffer), or -1 for the /proc source. */
int sm_tracer_fd(const struct sm_tracer *t);
/* Drain every pending event (no waiting). Returns events consumed or -errno. */
int sm_tracer_consume(struct sm_tracer *t);
/* /proc source: take one round of snapshots (no-op for BPF). -errno. */
int sm_tracer_sample(struct sm_tracer *t);
/* Simple loop helper: wait up to timeout_ms, then consume/sample. Returns events or -errno. */
int sm_tracer_poll(struct sm_tracer *t, int timeout_ms);

enum sm_source_mode sm_tracer_mode(const struct sm_tracer *t);
const char *sm_tracer_mode_name(const struct sm_tracer *t); /* "tp_btf", "raw_tp" or "proc" */
void sm_tracer_stats(const struct sm_tracer *t, struct sm_tracer_stats *st);
/* t != NULL: why SM_SOURCE_AUTO fell back to /proc (NULL if it did not).
 * t == NULL: why the last sm_tracer_new() on this thread failed (NULL if unknown).
 * Environment: SCHEDML_REFUSE_BPF=1 makes BPF unavailable (tests); SCHEDML_BTF=PATH uses
 * another kernel BTF file for CO-RE; SCHEDML_NO_TP_BTF=1 skips tp_btf (tests the raw_tp path). */
const char *sm_tracer_reason(const struct sm_tracer *t);
