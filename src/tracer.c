// SPDX-License-Identifier: GPL-2.0
/*
 * The event source. BPF: open the skeleton, set the knobs, load and attach the tp_btf
 * programs, or (feature probe: the tp_btf set fails to load or attach) the raw_tp twins;
 * then drain the ring buffer with libbpf's ring_buffer API. /proc: sample schedstat and
 * status of every thread each proc_interval_ns and report deltas.
 *
 * The only file that includes the skeleton. Never logs: returns -errno and keeps a short
 * reason for the caller (sm_tracer_reason()).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "procfs.h"
#include "tracer.h"
#include "util.h"
#include "sched_trace.skel.h"

#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"

struct proc_ent {
	uint32_t tid, tgid;
	uint64_t run_ns, wait_ns, slices, vol, invol;
};

struct proc_vec {
	struct proc_ent *v;
	size_t n, cap;
};

struct sm_tracer {
	enum sm_source_mode mode;  /* BPF or PROC: what runs */
	bool raw_tp;
	struct sm_tracer_opts opts;
	sm_event_fn on_event;
	sm_snap_fn on_snap;
	sm_gone_fn on_gone;
	void *ctx;
	uint64_t consumed, snapshots;
	char reason[256];          /* why AUTO fell back to /proc ("" if it did not) */

	/* BPF */
	struct sched_trace_bpf *skel;
	struct ring_buffer *rb;

	/* /proc */
	struct proc_vec prev, cur;
	uint64_t next_sample_ns;
	bool have_prev;
	int delivered;
};

static __thread char last_reason[256];

_printf_(1, 2) static void set_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_reason, sizeof(last_reason), fmt, ap);
	va_end(ap);
}

const char *sm_tracer_reason(const struct sm_tracer *t)
{
	if (t)
		return t->reason[0] ? t->reason : NULL;
	return last_reason[0] ? last_reason : NULL;
}

static const char *const source_names[] = {
	[SM_SOURCE_AUTO] = "auto", [SM_SOURCE_BPF] = "bpf", [SM_SOURCE_PROC] = "proc",
};

int sm_source_mode_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(source_names); i++)
		if (!strcmp(s, source_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *sm_source_name(enum sm_source_mode m)
{
	return (unsigned)m < ARRAY_SIZE(source_names) ? source_names[m] : "?";
}

bool sm_ringbuf_size_ok(uint64_t b)
{
	long page = sysconf(_SC_PAGESIZE);

	return b >= (uint64_t)(page > 0 ? page : 4096) && !(b & (b - 1)) && b <= (1ull << 30);
}

void sm_tracer_opts_default(struct sm_tracer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = SM_SOURCE_AUTO;
	o->ringbuf_bytes = 8u << 20;
	o->wakeup_bytes = 256u << 10;
	o->proc_interval_ns = 250000000ull;
	o->ignore_tgid = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char buf[512];
	size_t n;

	if (level == LIBBPF_DEBUG || sm_log_level() < SM_LOG_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, args);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	sm_log(SM_LOG_DEBUG, "%s", buf); /* libbpf prefixes its own messages */
	return 0;
}

/* ---- BPF source ---- */

static int on_rb_event(void *ctx, void *data, size_t size)
{
	struct sm_tracer *t = ctx;
	int r;

	if (size < sizeof(struct sm_event))
		return 0; /* cannot happen: the BPF side only submits whole events */
	t->consumed++;
	r = t->on_event ? t->on_event(t->ctx, data) : 0;
	return r < 0 ? r : 0;
}

static void set_autoload(struct sched_trace_bpf *skel, bool btf)
{
	struct bpf_program *tp[] = {
		skel->progs.tp_sched_switch, skel->progs.tp_sched_wakeup,
		skel->progs.tp_sched_wakeup_new, skel->progs.tp_sched_process_exit,
	};
	struct bpf_program *raw[] = {
		skel->progs.raw_sched_switch, skel->progs.raw_sched_wakeup,
		skel->progs.raw_sched_wakeup_new, skel->progs.raw_sched_process_exit,
	};

	for (size_t i = 0; i < ARRAY_SIZE(tp); i++) {
		bpf_program__set_autoload(tp[i], btf);
		bpf_program__set_autoload(raw[i], !btf);
	}
}

/* Open, set knobs, load and attach one flavour. 0 or -errno (reason set). */
static int bpf_try(struct sm_tracer *t, const char *btf_path, bool btf)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct sched_trace_bpf *skel;
	const char *what = btf ? "tp_btf" : "raw_tp";
	int r;

	if (strcmp(btf_path, DEFAULT_BTF) != 0)
		oo.btf_custom_path = btf_path;
	skel = sched_trace_bpf__open_opts(&oo);
	if (!skel) {
		r = -errno;
		set_reason("opening the BPF object failed: %s", strerror(-r));
		return r;
	}
	/* At most a quarter of the ring: a threshold the ring can never reach would leave the
	 * consumer asleep until the next control tick, dropping all but one ring's worth of events
	 * per tick (seen with ringbuf_size 4k under hackbench: tests/integ/t_fault_ringbuf_storm.sh). */
	skel->rodata->wakeup_bytes = t->opts.wakeup_bytes < t->opts.ringbuf_bytes / 4
					     ? t->opts.wakeup_bytes : t->opts.ringbuf_bytes / 4;
	skel->rodata->ignore_tgid = t->opts.ignore_tgid;
	r = bpf_map__set_max_entries(skel->maps.rb, (uint32_t)t->opts.ringbuf_bytes);
	if (r < 0) {
		set_reason("setting the ring buffer size failed: %s", strerror(-r));
		goto fail;
	}
	set_autoload(skel, btf);
	/* tp_btf keeps enqueue times in task storage: shrink the raw_tp flavour's hash. */
	if (btf)
		bpf_map__set_max_entries(skel->maps.enqueued_at, 1);
	r = sched_trace_bpf__load(skel);
	if (r < 0) {
		set_reason("loading the %s BPF programs failed: %s%s", what, strerror(-r),
			   r == -EPERM ? " (needs root, or CAP_BPF and CAP_PERFMON)" : "");
		goto fail;
	}
	r = sched_trace_bpf__attach(skel);
	if (r < 0) {
		set_reason("attaching the %s BPF programs failed: %s", what, strerror(-r));
		goto fail;
	}
	t->skel = skel;
	t->raw_tp = !btf;
	return 0;
fail:
	sched_trace_bpf__destroy(skel);
	return r;
}

static int bpf_start(struct sm_tracer *t)
{
	const char *btf_path = getenv("SCHEDML_BTF");
	const char *refuse = getenv("SCHEDML_REFUSE_BPF"), *no_tp_btf;
	uint64_t rb = t->opts.ringbuf_bytes;
	long page = sysconf(_SC_PAGESIZE);
	int r;

	if (refuse && !strcmp(refuse, "1")) {
		set_reason("BPF refused by SCHEDML_REFUSE_BPF=1");
		return -EPERM;
	}
	if (!sm_ringbuf_size_ok(rb)) {
		set_reason("ring buffer size %" PRIu64 " must be a power of 2 between %ld and 1G", rb,
			   page);
		return -EINVAL;
	}
	if (!btf_path || !*btf_path)
		btf_path = DEFAULT_BTF;
	if (access(btf_path, R_OK) < 0) {
		r = -errno;
		set_reason("kernel BTF %s not readable (%s): CO-RE needs CONFIG_DEBUG_INFO_BTF",
			   btf_path, strerror(errno));
		return r;
	}
	libbpf_set_print(libbpf_print);

	/* Feature probe: tp_btf first, raw_tp if that set does not load or attach.
	 * SCHEDML_NO_TP_BTF=1 skips the first step (to test the raw_tp path). */
	no_tp_btf = getenv("SCHEDML_NO_TP_BTF");
	r = no_tp_btf && !strcmp(no_tp_btf, "1") ? -ENOTSUP : bpf_try(t, btf_path, true);
	if (r < 0 && r != -EPERM)
		r = bpf_try(t, btf_path, false);
	if (r < 0)
		return r;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.rb), on_rb_event, t, NULL);
	if (!t->rb) {
		r = -errno;
		set_reason("creating the ring buffer consumer failed: %s", strerror(-r));
		sched_trace_bpf__destroy(t->skel);
		t->skel = NULL;
		return r;
	}
	t->mode = SM_SOURCE_BPF;
	return 0;
}

/* ---- /proc source ---- */

static int vec_push(struct proc_vec *v, const struct proc_ent *e)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct proc_ent *nv = reallocarray(v->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *e;
	return 0;
}

static int collect_task(void *ctx, uint32_t tgid, uint32_t tid)
{
	struct sm_tracer *t = ctx;
	char path[128], buf[4096];
	struct sm_proc_schedstat ss;
	struct sm_proc_status st;
	struct proc_ent e = { .tid = tid, .tgid = tgid };

	if (t->opts.ignore_tgid && tgid == t->opts.ignore_tgid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/schedstat", tgid, tid);
	if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_schedstat(buf, &ss) < 0)
		return 0; /* vanished (or no schedstat): not fatal */
	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", tgid, tid);
	if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_status(buf, &st) < 0)
		return 0;
	e.run_ns = ss.run_ns;
	e.wait_ns = ss.wait_ns;
	e.slices = ss.slices;
	e.vol = st.vol_switches;
	e.invol = st.invol_switches;
	return vec_push(&t->cur, &e);
}

static int cmp_ent(const void *a, const void *b)
{
	const struct proc_ent *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int sm_tracer_sample(struct sm_tracer *t)
{
	struct proc_vec tmp;
	uint64_t now;
	size_t i = 0, j = 0;
	int r;

	if (!t || t->mode != SM_SOURCE_PROC)
		return 0;
	t->cur.n = 0;
	t->delivered = 0;
	r = sm_proc_for_each_task("/proc", collect_task, t);
	if (r < 0)
		return r;
	now = sm_now_ns();
	qsort(t->cur.v, t->cur.n, sizeof(*t->cur.v), cmp_ent);
	/* Merge the two sorted rounds: deltas for survivors, "gone" for the vanished. */
	while (t->have_prev && (i < t->prev.n || j < t->cur.n)) {
		struct proc_ent *p = i < t->prev.n ? &t->prev.v[i] : NULL;
		struct proc_ent *c = j < t->cur.n ? &t->cur.v[j] : NULL;

		if (p && (!c || p->tid < c->tid)) {
			if (t->on_gone)
				t->on_gone(t->ctx, p->tid, p->tgid);
			i++;
		} else if (c && (!p || c->tid < p->tid)) {
			j++; /* new: its first delta comes next round */
		} else {
			if (p->tgid != c->tgid || c->run_ns < p->run_ns) {
				/* tid reused by another task: the old one is gone */
				if (t->on_gone)
					t->on_gone(t->ctx, p->tid, p->tgid);
			} else if (t->on_snap) {
				struct sm_snapdelta d = {
					.ts_ns = now, .pid = c->tid, .tgid = c->tgid,
					.run_ns = c->run_ns - p->run_ns,
					.wait_ns = sub0(c->wait_ns, p->wait_ns),
					.slices = sub0(c->slices, p->slices),
					.vol_switches = sub0(c->vol, p->vol),
					.invol_switches = sub0(c->invol, p->invol),
				};
				t->on_snap(t->ctx, &d);
				t->delivered++;
			}
			i++;
			j++;
		}
	}
	tmp = t->prev;
	t->prev = t->cur;
	t->cur = tmp;
	t->have_prev = true;
	t->snapshots++;
	t->next_sample_ns = now + t->opts.proc_interval_ns;
	return 0;
}

/* ---- common ---- */

int sm_tracer_new(const struct sm_tracer_opts *o, sm_event_fn on_event, sm_snap_fn on_snap,
		  sm_gone_fn on_gone, void *ctx, struct sm_tracer **out)
{
	struct sm_tracer *t;
	int r;

	last_reason[0] = '\0';
	if (!o || !out)
		return -EINVAL;
	if (o->mode != SM_SOURCE_AUTO && o->mode != SM_SOURCE_BPF && o->mode != SM_SOURCE_PROC)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->opts = *o;
	if (!t->opts.proc_interval_ns)
		t->opts.proc_interval_ns = 250000000ull;
	t->on_event = on_event;
	t->on_snap = on_snap;
	t->on_gone = on_gone;
	t->ctx = ctx;

	if (o->mode != SM_SOURCE_PROC) {
		r = bpf_start(t);
		if (r == 0) {
			*out = t;
			return 0;
		}
		if (o->mode == SM_SOURCE_BPF || r == -EINVAL) {
			free(t);
			return r;
		}
		snprintf(t->reason, sizeof(t->reason), "%s", last_reason);
	}
	t->mode = SM_SOURCE_PROC;
	t->next_sample_ns = 0;
	*out = t;
	return 0;
}

void sm_tracer_free(struct sm_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	sched_trace_bpf__destroy(t->skel);
	free(t->prev.v);
	free(t->cur.v);
	free(t);
}

int sm_tracer_fd(const struct sm_tracer *t)
{
	if (!t || t->mode != SM_SOURCE_BPF)
		return -1;
	return ring_buffer__epoll_fd(t->rb);
}

int sm_tracer_consume(struct sm_tracer *t)
{
	if (!t || t->mode != SM_SOURCE_BPF)
		return 0;
	return ring_buffer__consume(t->rb);
}

int sm_tracer_poll(struct sm_tracer *t, int timeout_ms)
{
	int r;

	if (!t)
		return -EINVAL;
	if (t->mode == SM_SOURCE_BPF) {
		r = ring_buffer__poll(t->rb, timeout_ms);
		if (r < 0)
			return r;
		r = ring_buffer__consume(t->rb);
		return r;
	}
	/* /proc: sleep until the next round is due (at most timeout_ms), then take it. */
	{
		uint64_t now = sm_now_ns();

		if (now < t->next_sample_ns) {
			uint64_t wait_ms = (t->next_sample_ns - now + 999999) / 1000000;

			if (timeout_ms >= 0 && wait_ms > (uint64_t)timeout_ms)
				wait_ms = (uint64_t)timeout_ms;
			if (poll(NULL, 0, (int)wait_ms) < 0 && errno == EINTR)
				return -EINTR;
			if (sm_now_ns() < t->next_sample_ns)
				return 0;
		}
		r = sm_tracer_sample(t);
		return r < 0 ? r : t->delivered;
	}
}

enum sm_source_mode sm_tracer_mode(const struct sm_tracer *t)
{
	return t ? t->mode : SM_SOURCE_AUTO;
}

const char *sm_tracer_mode_name(const struct sm_tracer *t)
{
	if (!t)
		return "none";
	if (t->mode == SM_SOURCE_PROC)
		return "proc";
	return t->raw_tp ? "raw_tp" : "tp_btf";
}

void sm_tracer_stats(const struct sm_tracer *t, struct sm_tracer_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!t)
		return;
	st->consumed = t->consumed;
	st->snapshots = t->snapshots;
	if (t->mode == SM_SOURCE_BPF && t->skel) {
		int ncpu = libbpf_num_possible_cpus();
		int fd = bpf_map__fd(t->skel->maps.counters);
		uint64_t *vals;

		if (ncpu <= 0)
			return;
		vals = calloc((size_t)ncpu, sizeof(*vals));
		if (!vals)
			return;
		for (uint32_t k = 0; k < SM_NR_COUNTERS; k++) {
			uint64_t sum = 0;

			if (bpf_map_lookup_elem(fd, &k, vals) < 0)
				continue;
			for (int c = 0; c < ncpu; c++)
				sum += vals[c];
			if (k == SM_CNT_EMITTED)
				st->emitted = sum;
			else if (k == SM_CNT_DROPPED)
				st->dropped = sum;
			else if (k == SM_CNT_WAKEUPS)
				st->wakeups = sum;
		}
		free(vals);
		/* Per-program cost, counted by the kernel while kernel.bpf_stats_enabled=1. */
		{
			struct bpf_program *prog;

			bpf_object__for_each_program(prog, t->skel->obj) {
				struct bpf_prog_info info;
				uint32_t len = sizeof(info);
				int pfd = bpf_program__fd(prog);

				memset(&info, 0, sizeof(info));
				if (pfd < 0 || bpf_obj_get_info_by_fd(pfd, &info, &len) < 0)
					continue;
				st->bpf_run_ns += info.run_time_ns;
				st->bpf_run_cnt += info.run_cnt;
			}
		}
	}
}
