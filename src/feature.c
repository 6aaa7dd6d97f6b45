// SPDX-License-Identifier: GPL-2.0
/*
 * Feature extractor: per-thread accumulators fed by scheduler events (or /proc snapshot deltas),
 * turned into per-thread, per-process and per-cgroup feature vectors at every tick.
 *
 * Design (see docs/features.md):
 *  - Everything is preallocated at sm_ftable_new() for cfg.max_tasks threads: the thread and
 *    process slots, an open-addressing hash (tid -> slot, tgid -> slot) with backward-shift
 *    deletion, and a ring of window_ticks buckets per thread. sm_ftable_event() is O(1): no
 *    allocation, no I/O.
 *  - Counters (CPU time, stints, sleeps, wakeups, switches, run-queue latency sums) go into the
 *    current bucket; a tick closes it. Window features sum the last window_ticks buckets.
 *  - Percentiles come from per-thread log-linear histograms (4 sub-buckets per power of two of
 *    microseconds, counts with 8 fraction bits) decayed at every tick by 1/2^ewma_shift.
 *  - A thread that is on a CPU at tick time is credited the CPU time of its ongoing stint, so
 *    a hog that never switches out still shows its CPU share and burst length.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature.h"
#include "util.h"

#define HIST_SUB 4                        /* sub-buckets per power of two */
#define HIST_MAX_LOG 24                   /* up to 2^25 us (~33 s) */
#define HIST_BINS (HIST_SUB + (HIST_MAX_LOG - 1) * HIST_SUB) /* 96 */
#define HIST_ONE 256                      /* one sample in a histogram count (8 fraction bits) */
#define MAX_CPUS 1024
#define MAX_CGROUPS 1024
#define MAX_WINDOW_TICKS 64
#define NIL UINT32_MAX
/* The kernel's TASK_DEAD (include/linux/sched.h, 0x80 since 4.14): a dying task's last
 * switch-out, which comes after its sched_process_exit. */
#define SM_TASK_DEAD 0x0080u

const struct sm_feature_desc sm_feature_table[SM_NR_FEATURES] = {
	[SM_F_CPU_SHARE] = { "cpu_share", "CPUs", 1000,
		"CPU time / wall time over the window (since first seen if younger)" },
	[SM_F_CPU_SHARE_EWMA] = { "cpu_share_ewma", "CPUs", 1000,
		"CPU share of each tick, EWMA with weight 1/2^ewma_shift per tick" },
	[SM_F_RUN_MEAN] = { "run_burst_mean", "us", 1,
		"mean on-CPU stint (switch-in to switch-out) over the window" },
	[SM_F_RUN_P90] = { "run_burst_p90", "us", 1,
		"90th percentile on-CPU stint (decayed log-linear histogram)" },
	[SM_F_SLEEP_MEAN] = { "sleep_mean", "us", 1,
		"mean voluntary sleep (voluntary switch-out to wakeup) over the window" },
	[SM_F_WAIT_FREQ] = { "wait_freq", "/s", 10,
		"wakeups received per second (the task waited for someone), over the window" },
	[SM_F_WAKE_FREQ] = { "wake_freq", "/s", 10,
		"wakeups this task caused in other tasks per second (scx_lavd's wake_freq)" },
	[SM_F_VOL_RATIO] = { "vol_ratio", "ratio", 1000,
		"voluntary / all switch-outs over the window" },
	[SM_F_RQLAT_MEAN] = { "rqlat_mean", "us", 1,
		"mean run-queue latency (runnable to running) over the window" },
	[SM_F_RQLAT_P99] = { "rqlat_p99", "us", 1,
		"99th percentile run-queue latency (decayed log-linear histogram)" },
	[SM_F_NR_THREADS] = { "nr_threads", "threads", 1,
		"threads in the process (/proc, else threads tracked)" },
	[SM_F_KTHREAD] = { "kthread", "bool", 1, "1 for kernel threads" },
	[SM_F_NICE] = { "nice", "nice", 1, "current nice value (/proc)" },
	[SM_F_POLICY] = { "policy", "policy", 1, "current scheduling policy number (/proc)" },
	[SM_F_SYS_LOAD] = { "sys_load", "load", 100, "1-minute load average" },
	[SM_F_SYS_RUNNABLE] = { "sys_runnable", "tasks", 1, "runnable tasks system-wide" },
	[SM_F_SYS_CPUS] = { "sys_cpus", "CPUs", 1, "online CPUs" },
	[SM_F_CHILD_CPU_SHARE] = { "child_cpu_share", "CPUs", 1000,
		"CPU time of child processes it forked that lived and exited within the window "
		"(a fork storm of short jobs), / wall time over the window" },
};

int sm_feature_lookup(const char *name)
{
	if (!name)
		return -ENOENT;
	for (int i = 0; i < SM_NR_FEATURES; i++)
		if (!strcmp(sm_feature_table[i].name, name))
			return i;
	return -ENOENT;
}

void sm_fconfig_default(struct sm_fconfig *cfg)
{
	cfg->max_tasks = 16384;
	cfg->tick_ns = 250000000ull;
	cfg->window_ticks = 4;
	cfg->ewma_shift = 2;
}

/* Decayed log-linear histogram; only bins lo..hi can be non-zero (none when !used). */
struct hist {
	uint32_t c[HIST_BINS];
	uint8_t lo, hi;
	bool used;
};

struct bucket {
	uint64_t run_ns, sleep_ns, rqlat_ns;
	uint64_t child_run_ns;         /* CPU of short-lived child processes that exited */
	uint32_t nr_runs, nr_sleeps, nr_rqlat;
	uint32_t waits, wakes, vol, invol;
};

struct thr {
	uint32_t tid, tgid;
	uint32_t proc;                 /* process slot */
	uint32_t pprev, pnext;         /* thread list of the process */
	uint32_t live_pos;             /* position in t->thr_live */
	uint32_t cpu;                  /* CPU it runs on, NIL if not running */
	uint64_t first_seen;
	uint64_t sleep_start;          /* voluntary switch-out time, 0 if not sleeping */
	uint64_t oncpu_since;          /* switch-in time while running */
	uint64_t credited_ns;          /* CPU time of the ongoing stint already credited at ticks */
	uint32_t forker_tgid;          /* a new process's main thread: the process that forked it */
	int32_t ewma_share;
	bool kthread, info_valid, info_stale, changed, ticked, last_vol, ewma_init;
	struct sm_taskinfo info;
	struct sm_entity ent;
	struct hist hist_run;
	struct hist hist_rq;
};

struct proc {
	uint32_t tgid;
	uint32_t head;                 /* first thread slot, NIL if none */
	uint32_t nr;                   /* threads tracked */
	uint32_t live_pos;
	struct sm_entity ent;
	uint32_t cg;                   /* cgroup slot at the last tick, NIL if none */
};

/* Aggregation scratch (a thread, a process or a cgroup). */
struct agg {
	struct bucket w;               /* window sums */
	struct bucket last;            /* the bucket just closed */
	uint64_t first_seen;
	uint64_t ongoing_ns;           /* longest ongoing stint among running threads */
	uint32_t nr_ongoing;
	int64_t ewma_sum;
	uint32_t nr_tasks;
	bool any_last_vol;
	struct hist hist_run;
	struct hist hist_rq;
};

struct cgslot {
	char path[SM_CGROUP_LEN];
	uint32_t hash;
	uint32_t nr_threads;
	struct agg a;
	struct sm_entity ent;
};

struct htab {
	uint32_t mask;
	uint32_t *key;   /* 0 = empty (ids are never 0 here) */
	uint32_t *val;
};

struct cpu_run {
	uint32_t tid;    /* 0: idle/unknown */
};

struct sm_ftable {
	struct sm_fconfig cfg;
	struct thr *thr;
	struct bucket *ring;           /* max_tasks x window_ticks */
	uint32_t *thr_free;            /* stack of free thread slots */
	uint32_t nr_thr_free;
	uint32_t *thr_live;            /* dense list of used thread slots */
	uint32_t nr_thr_live;
	struct proc *proc;
	uint32_t *proc_free;
	uint32_t nr_proc_free;
	uint32_t *proc_live;
	uint32_t nr_proc_live;
	struct htab thash, phash;
	struct cpu_run cpus[MAX_CPUS];
	struct cgslot *cg;
	uint32_t nr_cg;
	uint32_t *cghash;              /* 2*MAX_CGROUPS entries: slot+1, 0 empty */
	uint32_t head;                 /* current bucket index in every ring */
	uint64_t tick_ts[MAX_WINDOW_TICKS + 1];
	uint64_t nr_ticks;
	uint64_t start_ns;             /* first timestamp seen (event or tick) */
	uint64_t last_tick_ns;
	struct sm_sysctx sys;
	struct sm_fstats st;
};

/* ---- small helpers ---- */

static inline int32_t sat32(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t)v;
}

static inline uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static inline void sat_add32(uint32_t *c, uint32_t n)
{
	*c = (*c > UINT32_MAX - n) ? UINT32_MAX : *c + n;
}

/* Log-linear bin of a value in microseconds. */
static inline unsigned hist_bin(uint64_t us)
{
	if (us < HIST_SUB)
		return (unsigned)us;
	unsigned msb = 63 - (unsigned)__builtin_clzll(us);
	if (msb > HIST_MAX_LOG)
		return HIST_BINS - 1;
	unsigned sub = (unsigned)(us >> (msb - 2)) & (HIST_SUB - 1);
	return HIST_SUB + (msb - 2) * HIST_SUB + sub;
}

/* Representative value (midpoint) of a bin, in microseconds. */
static uint64_t hist_value(unsigned bin)
{
	if (bin < HIST_SUB)
		return bin;
	unsigned msb = (bin - HIST_SUB) / HIST_SUB + 2;
	unsigned sub = (bin - HIST_SUB) % HIST_SUB;
	uint64_t width = 1ull << (msb - 2);
	uint64_t lo = (1ull << msb) + sub * width;
	return lo + width / 2;
}

static inline void hist_add(struct hist *h, unsigned bin, uint32_t n)
{
	sat_add32(&h->c[bin], n);
	if (!h->used) {
		h->lo = h->hi = (uint8_t)bin;
		h->used = true;
	} else if (bin < h->lo) {
		h->lo = (uint8_t)bin;
	} else if (bin > h->hi) {
		h->hi = (uint8_t)bin;
	}
}

static void hist_merge(struct hist *d, const struct hist *h)
{
	if (!h->used)
		return;
	for (unsigned i = h->lo; i <= h->hi; i++)
		if (h->c[i])
			hist_add(d, i, h->c[i]);
}

/* Multiply by (1 - 1/2^sh); counts under 1/16 of a sample are dropped. */
static void hist_decay(struct hist *h, unsigned sh)
{
	if (!h->used)
		return;
	for (unsigned i = h->lo; i <= h->hi; i++) {
		uint32_t c = h->c[i];
		c -= c >> sh;
		h->c[i] = c < HIST_ONE / 16 ? 0 : c;
	}
	while (h->lo < h->hi && !h->c[h->lo])
		h->lo++;
	while (h->hi > h->lo && !h->c[h->hi])
		h->hi--;
	if (!h->c[h->lo])
		h->used = false;
}

/* Smallest bin value with at least pct/100 of the samples at or below it (0 if empty). */
static uint64_t hist_pct(const struct hist *h, unsigned pct)
{
	uint64_t total = 0, acc = 0;

	if (!h->used)
		return 0;
	for (unsigned i = h->lo; i <= h->hi; i++)
		total += h->c[i];
	if (!total)
		return 0;
	uint64_t need = (total * pct + 99) / 100;
	for (unsigned i = h->lo; i <= h->hi; i++) {
		acc += h->c[i];
		if (acc >= need)
			return hist_value(i);
	}
	return hist_value(h->hi);
}

/* ---- hash tables (linear probing, backward-shift deletion) ---- */

static int htab_init(struct htab *h, uint32_t min_entries)
{
	uint32_t n = 16;

	while (n < min_entries * 2)
		n <<= 1;
	h->mask = n - 1;
	h->key = calloc(n, sizeof(*h->key));
	h->val = calloc(n, sizeof(*h->val));
	return (h->key && h->val) ? 0 : -ENOMEM;
}

static void htab_free(struct htab *h)
{
	free(h->key);
	free(h->val);
}

static inline uint32_t htab_get(const struct htab *h, uint32_t k)
{
	if (!k)
		return NIL; /* 0 marks an empty slot: never a key (found by tests/fuzz/fuzz_event) */
	for (uint32_t i = hash32(k) & h->mask;; i = (i + 1) & h->mask) {
		if (h->key[i] == k)
			return h->val[i];
		if (!h->key[i])
			return NIL;
	}
}

static inline void htab_put(struct htab *h, uint32_t k, uint32_t v)
{
	uint32_t i = hash32(k) & h->mask;

	while (h->key[i] && h->key[i] != k)
		i = (i + 1) & h->mask;
	h->key[i] = k;
	h->val[i] = v;
}

static inline void htab_del(struct htab *h, uint32_t k)
{
	uint32_t i = hash32(k) & h->mask;

	while (h->key[i] != k) {
		if (!h->key[i])
			return;
		i = (i + 1) & h->mask;
	}
	for (uint32_t j = i;;) {
		h->key[i] = 0;
		for (;;) {
			j = (j + 1) & h->mask;
			if (!h->key[j])
				return;
			uint32_t home = hash32(h->key[j]) & h->mask;
			/* Move j back to i unless its home lies cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		h->key[i] = h->key[j];
		h->val[i] = h->val[j];
		i = j;
	}
}

/* ---- table ---- */

int sm_ftable_new(const struct sm_fconfig *cfg, struct sm_ftable **out)
{
	struct sm_ftable *t;
	uint32_t n;

	if (!cfg || !cfg->max_tasks || cfg->max_tasks > (1u << 22) || !cfg->tick_ns ||
	    !cfg->window_ticks || cfg->window_ticks > MAX_WINDOW_TICKS || cfg->ewma_shift > 16)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	n = cfg->max_tasks;
	t->thr = calloc(n, sizeof(*t->thr));
	t->ring = calloc((size_t)n * cfg->window_ticks, sizeof(*t->ring));
	t->thr_free = calloc(n, sizeof(uint32_t));
	t->thr_live = calloc(n, sizeof(uint32_t));
	t->proc = calloc(n, sizeof(*t->proc));
	t->proc_free = calloc(n, sizeof(uint32_t));
	t->proc_live = calloc(n, sizeof(uint32_t));
	t->cg = calloc(MAX_CGROUPS, sizeof(*t->cg));
	t->cghash = calloc(2 * MAX_CGROUPS, sizeof(uint32_t));
	if (!t->thr || !t->ring || !t->thr_free || !t->thr_live || !t->proc || !t->proc_free ||
	    !t->proc_live || !t->cg || !t->cghash || htab_init(&t->thash, n) < 0 ||
	    htab_init(&t->phash, n) < 0) {
		sm_ftable_free(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		t->thr_free[i] = n - 1 - i;
		t->proc_free[i] = n - 1 - i;
	}
	t->nr_thr_free = t->nr_proc_free = n;
	*out = t;
	return 0;
}

void sm_ftable_free(struct sm_ftable *t)
{
	if (!t)
		return;
	free(t->thr);
	free(t->ring);
	free(t->thr_free);
	free(t->thr_live);
	free(t->proc);
	free(t->proc_free);
	free(t->proc_live);
	free(t->cg);
	free(t->cghash);
	htab_free(&t->thash);
	htab_free(&t->phash);
	free(t);
}

static inline struct bucket *cur_bucket(struct sm_ftable *t, uint32_t slot)
{
	return &t->ring[(size_t)slot * t->cfg.window_ticks + t->head];
}

static uint32_t proc_get(struct sm_ftable *t, uint32_t tgid)
{
	uint32_t p = htab_get(&t->phash, tgid);

	if (p != NIL)
		return p;
	if (!t->nr_proc_free)
		return NIL; /* cannot happen: at most one process per thread */
	p = t->proc_free[--t->nr_proc_free];
	memset(&t->proc[p], 0, sizeof(t->proc[p]));
	t->proc[p].tgid = tgid;
	t->proc[p].head = NIL;
	t->proc[p].cg = NIL;
	t->proc[p].live_pos = t->nr_proc_live;
	t->proc_live[t->nr_proc_live++] = p;
	htab_put(&t->phash, tgid, p);
	return p;
}

static void proc_put(struct sm_ftable *t, uint32_t p)
{
	struct proc *pr = &t->proc[p];
	uint32_t last = t->proc_live[--t->nr_proc_live];

	t->proc_live[pr->live_pos] = last;
	t->proc[last].live_pos = pr->live_pos;
	htab_del(&t->phash, pr->tgid);
	pr->tgid = 0;
	t->proc_free[t->nr_proc_free++] = p;
}

/* Repoint a process's info at its main thread (or any thread). */
static void proc_pick_info(struct sm_ftable *t, struct proc *pr)
{
	const struct thr *best = NULL;

	for (uint32_t s = pr->head; s != NIL; s = t->thr[s].pnext) {
		best = best ? best : &t->thr[s];
		if (t->thr[s].tid == pr->tgid) {
			best = &t->thr[s];
			break;
		}
	}
	pr->ent.info = best ? &best->info : NULL;
	pr->ent.cgroup = best ? best->info.cgroup : "";
}

static void thr_reset_stats(struct sm_ftable *t, uint32_t s, uint64_t ts)
{
	struct thr *th = &t->thr[s];

	memset(&t->ring[(size_t)s * t->cfg.window_ticks], 0,
	       sizeof(struct bucket) * t->cfg.window_ticks);
	memset(&th->hist_run, 0, sizeof(th->hist_run));
	memset(&th->hist_rq, 0, sizeof(th->hist_rq));
	memset(&th->ent.fv, 0, sizeof(th->ent.fv));
	th->first_seen = ts;
	th->sleep_start = 0;
	th->credited_ns = 0;
	th->ewma_share = 0;
	th->ewma_init = false;
	th->ticked = false;
	th->last_vol = false;
}

static void thr_remove(struct sm_ftable *t, uint32_t s);

/* Find or create a thread; NIL when the table is full (counted). A known tid seen with another
 * tgid is a reused tid whose exit we missed: the old thread is dropped. */
static uint32_t thr_get(struct sm_ftable *t, uint32_t tid, uint32_t tgid, uint64_t ts)
{
	uint32_t s = htab_get(&t->thash, tid);
	struct thr *th;

	if (s != NIL) {
		if (!tgid || t->thr[s].tgid == tgid)
			return s;
		thr_remove(t, s);
		t->st.exits++;
	}
	if (!tid)
		return NIL; /* pid 0 (idle, or a bogus event) is never tracked: 0 is the empty key */
	if (!t->nr_thr_free) {
		t->st.cap_hits++;
		return NIL;
	}
	s = t->thr_free[--t->nr_thr_free];
	th = &t->thr[s];
	memset(th, 0, offsetof(struct thr, hist_run));
	thr_reset_stats(t, s, ts);
	th->tid = tid;
	th->tgid = tgid ? tgid : tid;
	th->cpu = NIL;
	th->info_stale = true;
	th->info.pid = tid;
	th->info.tgid = th->tgid;
	th->ent.id = tid;
	th->ent.tgid = th->tgid;
	th->ent.info = &th->info;
	th->ent.cgroup = th->info.cgroup;
	th->ent.nr_tasks = 1;
	th->ent.info_stale = true;
	th->live_pos = t->nr_thr_live;
	t->thr_live[t->nr_thr_live++] = s;
	htab_put(&t->thash, tid, s);

	uint32_t p = proc_get(t, th->tgid);
	struct proc *pr = &t->proc[p];
	th->proc = p;
	th->pprev = NIL;
	th->pnext = pr->head;
	if (pr->head != NIL)
		t->thr[pr->head].pprev = s;
	pr->head = s;
	pr->nr++;
	if (!pr->ent.info || tid == th->tgid)
		proc_pick_info(t, pr);
	return s;
}

static void thr_remove(struct sm_ftable *t, uint32_t s)
{
	struct thr *th = &t->thr[s];
	struct proc *pr = &t->proc[th->proc];
	uint32_t last;

	if (th->cpu != NIL && th->cpu < MAX_CPUS && t->cpus[th->cpu].tid == th->tid)
		t->cpus[th->cpu].tid = 0;
	if (th->pprev != NIL)
		t->thr[th->pprev].pnext = th->pnext;
	else
		pr->head = th->pnext;
	if (th->pnext != NIL)
		t->thr[th->pnext].pprev = th->pprev;
	pr->nr--;
	if (!pr->nr)
		proc_put(t, th->proc);
	else if (pr->ent.info == &th->info)
		proc_pick_info(t, pr);

	last = t->thr_live[--t->nr_thr_live];
	t->thr_live[th->live_pos] = last;
	t->thr[last].live_pos = th->live_pos;
	htab_del(&t->thash, th->tid);
	th->tid = 0;
	t->thr_free[t->nr_thr_free++] = s;
}

static void note_comm(struct thr *th, const char *comm)
{
	char c[SM_COMM_LEN];

	if (!comm[0])
		return;
	memcpy(c, comm, SM_COMM_LEN - 1);
	c[SM_COMM_LEN - 1] = 0;
	if (strcmp(c, th->info.comm)) {
		memcpy(th->info.comm, c, SM_COMM_LEN);
		if (th->info_valid)
			th->info_stale = true; /* exec or prctl(PR_SET_NAME): refresh from /proc */
	}
}

static void switch_out(struct sm_ftable *t, const struct sm_event *e)
{
	uint32_t s;
	struct thr *th;
	struct bucket *b;
	uint64_t run = e->prev_run_ns;

	if (!e->prev_pid)
		return; /* idle */
	s = htab_get(&t->thash, e->prev_pid);
	if (e->prev_state & SM_TASK_DEAD) {
		/* Its last switch-out: never (re)create it; drop it if the exit event was lost. */
		if (s != NIL && (!e->prev_tgid || t->thr[s].tgid == e->prev_tgid)) {
			thr_remove(t, s);
			t->st.exits++;
		}
		return;
	}
	if (s == NIL || (e->prev_tgid && t->thr[s].tgid != e->prev_tgid)) {
		/* First sight: it ran run ns before this event; count that as seen. */
		uint64_t seen = e->ts_ns > run ? e->ts_ns - run : e->ts_ns;
		s = thr_get(t, e->prev_pid, e->prev_tgid, seen);
		if (s == NIL)
			return;
	}
	th = &t->thr[s];
	b = cur_bucket(t, s);
	th->changed = true;
	if (!th->first_seen)
		th->first_seen = e->ts_ns > run ? e->ts_ns - run : e->ts_ns;
	if (e->flags & SM_EVF_PREV_KTHREAD)
		th->kthread = true;
	b->run_ns += run > th->credited_ns ? run - th->credited_ns : 0;
	th->credited_ns = 0;
	if (run) {
		b->nr_runs++;
		hist_add(&th->hist_run, hist_bin(run / 1000), HIST_ONE);
	}
	if (e->prev_state != SM_PREV_PREEMPTED) {
		b->vol++;
		th->last_vol = true;
		th->sleep_start = e->ts_ns;
	} else {
		b->invol++;
		th->last_vol = false;
	}
	if (th->cpu != NIL && th->cpu < MAX_CPUS && t->cpus[th->cpu].tid == th->tid)
		t->cpus[th->cpu].tid = 0;
	th->cpu = NIL;
}

static void switch_in(struct sm_ftable *t, const struct sm_event *e)
{
	uint32_t s;
	struct thr *th;

	if (e->cpu < MAX_CPUS)
		t->cpus[e->cpu].tid = 0;
	if (!e->pid)
		return; /* idle */
	s = thr_get(t, e->pid, e->tgid, e->ts_ns);
	if (s == NIL)
		return;
	th = &t->thr[s];
	th->changed = true;
	if (!th->first_seen)
		th->first_seen = e->ts_ns; /* known from /proc before any event */
	if (e->flags & SM_EVF_KTHREAD)
		th->kthread = true;
	note_comm(th, e->comm);
	if (e->rq_lat_ns) {
		struct bucket *b = cur_bucket(t, s);
		b->rqlat_ns += e->rq_lat_ns;
		b->nr_rqlat++;
		hist_add(&th->hist_rq, hist_bin(e->rq_lat_ns / 1000), HIST_ONE);
	}
	th->oncpu_since = e->ts_ns;
	th->credited_ns = 0;
	if (e->cpu < MAX_CPUS) {
		th->cpu = e->cpu;
		t->cpus[e->cpu].tid = e->pid;
	} else {
		th->cpu = NIL;
	}
}

static void wakeup(struct sm_ftable *t, const struct sm_event *e, bool is_new)
{
	uint32_t s = thr_get(t, e->pid, e->tgid, e->ts_ns);
	struct thr *th;

	if (s == NIL)
		return;
	th = &t->thr[s];
	th->changed = true;
	if (!th->first_seen)
		th->first_seen = e->ts_ns;
	if (e->flags & SM_EVF_KTHREAD)
		th->kthread = true;
	note_comm(th, e->comm);
	if (is_new) {
		/* A new process (not a thread): remember who forked it, for child_cpu_share. */
		if (e->pid == e->tgid && e->prev_tgid && e->prev_tgid != e->tgid)
			th->forker_tgid = e->prev_tgid;
		return;
	}
	struct bucket *b = cur_bucket(t, s);
	b->waits++;
	if (th->sleep_start && e->ts_ns >= th->sleep_start) {
		b->sleep_ns += e->ts_ns - th->sleep_start;
		b->nr_sleeps++;
	}
	th->sleep_start = 0;
	if (e->prev_pid && e->prev_pid != e->pid) {
		uint32_t w = thr_get(t, e->prev_pid, e->prev_tgid, e->ts_ns);
		if (w != NIL) {
			cur_bucket(t, w)->wakes++;
			t->thr[w].changed = true;
		}
	}
}

/*
 * A short-lived child process exits: credit the CPU it used to the process that forked it, so a
 * parent that keeps spawning CPU-bound jobs too short to be judged (make -j) shows it. Only a
 * child whose whole life fits in the window counts: a long-lived child is judged on its own.
 */
static void credit_forker(struct sm_ftable *t, uint32_t s, uint64_t now)
{
	const struct thr *th = &t->thr[s];
	const struct bucket *r = &t->ring[(size_t)s * t->cfg.window_ticks];
	uint64_t run = 0;
	uint32_t p;

	if (!th->forker_tgid || th->tid != th->tgid ||
	    now - th->first_seen > t->cfg.tick_ns * t->cfg.window_ticks)
		return;
	p = htab_get(&t->phash, th->forker_tgid);
	if (p == NIL || t->proc[p].head == NIL)
		return;
	for (uint32_t i = 0; i < t->cfg.window_ticks; i++)
		run += r[i].run_ns;
	/* It is on a CPU as it exits: its last stint ends after this event. */
	if (th->cpu != NIL && now > th->oncpu_since && now - th->oncpu_since > th->credited_ns)
		run += now - th->oncpu_since - th->credited_ns;
	cur_bucket(t, t->proc[p].head)->child_run_ns += run;
	t->thr[t->proc[p].head].changed = true;
}

void sm_ftable_event(struct sm_ftable *t, const struct sm_event *e)
{
	uint32_t s;

	if (!t->start_ns || e->ts_ns < t->start_ns)
		t->start_ns = e->ts_ns;
	t->st.events++;
	switch (e->type) {
	case SM_EV_SWITCH:
		switch_out(t, e);
		switch_in(t, e);
		break;
	case SM_EV_WAKEUP:
		wakeup(t, e, false);
		break;
	case SM_EV_WAKEUP_NEW:
		wakeup(t, e, true);
		break;
	case SM_EV_EXIT:
		s = htab_get(&t->thash, e->pid);
		if (s != NIL) {
			credit_forker(t, s, e->ts_ns);
			thr_remove(t, s);
			t->st.exits++;
		}
		break;
	default:
		t->st.unknown++;
		break;
	}
}

int sm_ftable_taskinfo(struct sm_ftable *t, const struct sm_taskinfo *ti)
{
	uint32_t s;
	struct thr *th;

	if (!ti || !ti->pid)
		return -EINVAL;
	s = htab_get(&t->thash, ti->pid);
	if (s != NIL && ti->tgid && t->thr[s].tgid != ti->tgid) {
		/* The tid now belongs to another process: the old thread is gone. */
		thr_remove(t, s);
		s = NIL;
	}
	if (s == NIL) {
		s = thr_get(t, ti->pid, ti->tgid, t->last_tick_ns ? t->last_tick_ns : t->start_ns);
		if (s == NIL)
			return -ENOSPC;
	}
	th = &t->thr[s];
	if (th->info_valid && ti->start_time && th->info.start_time &&
	    ti->start_time != th->info.start_time)
		thr_reset_stats(t, s, t->last_tick_ns); /* PID reuse */
	th->info = *ti;
	th->info.pid = th->tid;
	th->info.tgid = th->tgid;
	th->info.comm[SM_COMM_LEN - 1] = 0;
	th->info.cgroup[SM_CGROUP_LEN - 1] = 0;
	th->info_valid = true;
	th->info_stale = false;
	th->ent.info_stale = false;
	if (ti->kthread)
		th->kthread = true;
	return 0;
}

void sm_ftable_forget(struct sm_ftable *t, uint32_t pid)
{
	uint32_t s = htab_get(&t->thash, pid);

	if (s != NIL) {
		thr_remove(t, s);
		t->st.exits++;
	}
}

void sm_ftable_snapshot(struct sm_ftable *t, const struct sm_snapdelta *d)
{
	uint32_t s;
	struct thr *th;
	struct bucket *b;
	uint64_t n;

	if (!d->pid)
		return;
	if (!t->start_ns || d->ts_ns < t->start_ns)
		t->start_ns = d->ts_ns;
	t->st.events++;
	s = thr_get(t, d->pid, d->tgid, d->ts_ns);
	if (s == NIL)
		return;
	th = &t->thr[s];
	b = cur_bucket(t, s);
	th->changed = d->run_ns || d->slices || d->vol_switches || d->invol_switches;
	b->run_ns += d->run_ns;
	n = d->slices > UINT32_MAX ? UINT32_MAX : d->slices;
	if (n) {
		/* No stint distribution: every slice counted at the mean stint (p90 ~ mean). */
		b->nr_runs += (uint32_t)n;
		hist_add(&th->hist_run, hist_bin(d->run_ns / n / 1000), (uint32_t)(n > UINT32_MAX / HIST_ONE ? UINT32_MAX : n * HIST_ONE));
		b->rqlat_ns += d->wait_ns;
		b->nr_rqlat += (uint32_t)n;
		hist_add(&th->hist_rq, hist_bin(d->wait_ns / n / 1000), (uint32_t)(n > UINT32_MAX / HIST_ONE ? UINT32_MAX : n * HIST_ONE));
	}
	n = d->vol_switches > UINT32_MAX ? UINT32_MAX : d->vol_switches;
	b->vol += (uint32_t)n;
	b->waits += (uint32_t)n; /* every voluntary sleep ends in a wakeup */
	b->invol += (uint32_t)(d->invol_switches > UINT32_MAX ? UINT32_MAX : d->invol_switches);
	if (d->vol_switches || d->invol_switches)
		th->last_vol = d->vol_switches >= d->invol_switches;
	/* Sleep: the part of the interval neither running nor waiting, over the sleeps. */
	if (th->oncpu_since && d->ts_ns > th->oncpu_since && d->vol_switches) {
		uint64_t span = d->ts_ns - th->oncpu_since, busy = d->run_ns + d->wait_ns;
		if (span > busy) {
			b->sleep_ns += span - busy;
			b->nr_sleeps += (uint32_t)n;
		}
	}
	th->oncpu_since = d->ts_ns; /* reused as "previous snapshot time" (no CPU tracking here) */
	th->cpu = NIL;
}

/* ---- tick ---- */

static void agg_add_thread(struct sm_ftable *t, struct agg *a, uint32_t s, uint64_t now)
{
	const struct thr *th = &t->thr[s];
	const struct bucket *r = &t->ring[(size_t)s * t->cfg.window_ticks];

	for (uint32_t i = 0; i < t->cfg.window_ticks; i++) {
		a->w.run_ns += r[i].run_ns;
		a->w.child_run_ns += r[i].child_run_ns;
		a->w.sleep_ns += r[i].sleep_ns;
		a->w.rqlat_ns += r[i].rqlat_ns;
		a->w.nr_runs += r[i].nr_runs;
		a->w.nr_sleeps += r[i].nr_sleeps;
		a->w.nr_rqlat += r[i].nr_rqlat;
		a->w.waits += r[i].waits;
		a->w.wakes += r[i].wakes;
		a->w.vol += r[i].vol;
		a->w.invol += r[i].invol;
	}
	a->last.run_ns += r[t->head].run_ns;
	hist_merge(&a->hist_run, &th->hist_run);
	hist_merge(&a->hist_rq, &th->hist_rq);
	if (!a->nr_tasks || th->first_seen < a->first_seen)
		a->first_seen = th->first_seen;
	if (th->cpu != NIL && now > th->oncpu_since) {
		uint64_t on = now - th->oncpu_since;
		if (on > a->ongoing_ns)
			a->ongoing_ns = on;
		a->nr_ongoing++;
		/* The ongoing stint counts as one sample (not stored). */
		a->w.nr_runs++;
		hist_add(&a->hist_run, hist_bin(on / 1000), HIST_ONE);
	}
	a->ewma_sum += th->ewma_share;
	if (th->last_vol)
		a->any_last_vol = true;
	a->nr_tasks++;
}

static void agg_add_agg(struct agg *a, const struct agg *b)
{
	a->w.run_ns += b->w.run_ns;
	a->w.child_run_ns += b->w.child_run_ns;
	a->w.sleep_ns += b->w.sleep_ns;
	a->w.rqlat_ns += b->w.rqlat_ns;
	a->w.nr_runs += b->w.nr_runs;
	a->w.nr_sleeps += b->w.nr_sleeps;
	a->w.nr_rqlat += b->w.nr_rqlat;
	a->w.waits += b->w.waits;
	a->w.wakes += b->w.wakes;
	a->w.vol += b->w.vol;
	a->w.invol += b->w.invol;
	a->last.run_ns += b->last.run_ns;
	hist_merge(&a->hist_run, &b->hist_run);
	hist_merge(&a->hist_rq, &b->hist_rq);
	if (!a->nr_tasks || b->first_seen < a->first_seen)
		a->first_seen = b->first_seen;
	if (b->ongoing_ns > a->ongoing_ns)
		a->ongoing_ns = b->ongoing_ns;
	a->nr_ongoing += b->nr_ongoing;
	a->ewma_sum += b->ewma_sum;
	a->any_last_vol |= b->any_last_vol;
	a->nr_tasks += b->nr_tasks;
}

static int32_t per_sec(uint64_t count, uint64_t span_ns, int32_t scale)
{
	if (!span_ns)
		return 0;
	return sat32((int64_t)((unsigned __int128)count * scale * 1000000000ull / span_ns));
}

static void agg_finish(const struct sm_ftable *t, const struct agg *a, uint64_t now,
		       uint64_t window_start, struct sm_fvec *fv, uint32_t nr_threads,
		       bool kthread, const struct sm_taskinfo *info, bool per_thread)
{
	uint64_t from = a->first_seen > window_start ? a->first_seen : window_start;
	uint64_t span = now > from ? now - from : 0;
	int64_t v;

	memset(fv, 0, sizeof(*fv));
	if (span) {
		v = (int64_t)((unsigned __int128)a->w.run_ns * 1000 / span);
		if (per_thread && v > 1000)
			v = 1000;
		fv->v[SM_F_CPU_SHARE] = sat32(v);
	}
	fv->v[SM_F_CPU_SHARE_EWMA] = sat32(a->ewma_sum);
	/* Over the window (at most its length): not bounded by the parent's own age. */
	if (now > window_start) {
		uint64_t wspan = now - window_start, wlen = t->cfg.tick_ns * t->cfg.window_ticks;

		if (wspan > wlen)
			wspan = wlen;
		fv->v[SM_F_CHILD_CPU_SHARE] = sat32((int64_t)((unsigned __int128)a->w.child_run_ns *
							      1000 / wspan));
	}
	if (a->w.nr_runs) {
		/* The ongoing stint's CPU time is already in run_ns (credited); it is one sample. */
		fv->v[SM_F_RUN_MEAN] = sat32((int64_t)(a->w.run_ns / a->w.nr_runs / 1000));
	}
	fv->v[SM_F_RUN_P90] = sat32((int64_t)hist_pct(&a->hist_run, 90));
	if (a->w.nr_sleeps)
		fv->v[SM_F_SLEEP_MEAN] = sat32((int64_t)(a->w.sleep_ns / a->w.nr_sleeps / 1000));
	fv->v[SM_F_WAIT_FREQ] = per_sec(a->w.waits, span, 10);
	fv->v[SM_F_WAKE_FREQ] = per_sec(a->w.wakes, span, 10);
	if (a->w.vol + a->w.invol)
		fv->v[SM_F_VOL_RATIO] = (int32_t)((uint64_t)a->w.vol * 1000 / (a->w.vol + a->w.invol));
	else
		fv->v[SM_F_VOL_RATIO] = (a->any_last_vol && !a->nr_ongoing) ? 1000 : 0;
	if (a->w.nr_rqlat)
		fv->v[SM_F_RQLAT_MEAN] = sat32((int64_t)(a->w.rqlat_ns / a->w.nr_rqlat / 1000));
	fv->v[SM_F_RQLAT_P99] = sat32((int64_t)hist_pct(&a->hist_rq, 99));
	fv->v[SM_F_NR_THREADS] = (int32_t)(nr_threads > INT32_MAX ? INT32_MAX : nr_threads);
	fv->v[SM_F_KTHREAD] = kthread;
	if (info) {
		fv->v[SM_F_NICE] = info->nice;
		fv->v[SM_F_POLICY] = (int32_t)info->policy;
	}
	fv->v[SM_F_SYS_LOAD] = (int32_t)(t->sys.load1_x100 > INT32_MAX ? INT32_MAX : t->sys.load1_x100);
	fv->v[SM_F_SYS_RUNNABLE] = (int32_t)(t->sys.nr_running > INT32_MAX ? INT32_MAX : t->sys.nr_running);
	fv->v[SM_F_SYS_CPUS] = (int32_t)(t->sys.nr_cpus > INT32_MAX ? INT32_MAX : t->sys.nr_cpus);
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static uint32_t cg_get(struct sm_ftable *t, const char *path)
{
	uint32_t h = hash_str(path), n = 2 * MAX_CGROUPS;

	for (uint32_t i = h & (n - 1);; i = (i + 1) & (n - 1)) {
		uint32_t v = t->cghash[i];
		if (!v) {
			if (t->nr_cg >= MAX_CGROUPS)
				return NIL;
			struct cgslot *c = &t->cg[t->nr_cg];
			memset(&c->a, 0, sizeof(c->a));
			c->ent.changed = false;
			snprintf(c->path, sizeof(c->path), "%s", path);
			c->hash = h;
			c->nr_threads = 0;
			t->cghash[i] = ++t->nr_cg;
			return t->nr_cg - 1;
		}
		if (t->cg[v - 1].hash == h && !strcmp(t->cg[v - 1].path, path))
			return v - 1;
	}
}

void sm_ftable_tick(struct sm_ftable *t, uint64_t now, const struct sm_sysctx *sys)
{
	const uint32_t W = t->cfg.window_ticks;
	uint64_t window_start, last_start, bucket_ns;
	struct agg a;

	if (sys)
		t->sys = *sys;
	if (!t->start_ns || now < t->start_ns)
		t->start_ns = now;
	/* The oldest bucket of the window began at the tick W ticks ago. */
	window_start = t->nr_ticks >= W ? t->tick_ts[(t->nr_ticks - W) % (MAX_WINDOW_TICKS + 1)]
					: t->start_ns;
	last_start = t->nr_ticks ? t->last_tick_ns : t->start_ns;

	/* Credit the ongoing stints of running threads. */
	for (uint32_t c = 0; c < MAX_CPUS; c++) {
		uint32_t tid = t->cpus[c].tid, s;
		if (!tid)
			continue;
		s = htab_get(&t->thash, tid);
		if (s == NIL || t->thr[s].cpu != c) {
			t->cpus[c].tid = 0;
			continue;
		}
		struct thr *th = &t->thr[s];
		uint64_t on = now > th->oncpu_since ? now - th->oncpu_since : 0;
		if (on > th->credited_ns) {
			cur_bucket(t, s)->run_ns += on - th->credited_ns;
			th->credited_ns = on;
		}
	}

	/* Threads. */
	for (uint32_t i = 0; i < t->nr_thr_live; i++) {
		uint32_t s = t->thr_live[i];
		struct thr *th = &t->thr[s];
		const struct bucket *b = cur_bucket(t, s);
		uint64_t from = th->first_seen > last_start ? th->first_seen : last_start;

		bucket_ns = now > from ? now - from : 0;
		if (bucket_ns) {
			int64_t share = (int64_t)((unsigned __int128)b->run_ns * 1000 / bucket_ns);
			if (share > 1000)
				share = 1000;
			if (!th->ewma_init) {
				th->ewma_share = (int32_t)share;
				th->ewma_init = true;
			} else {
				th->ewma_share += (int32_t)((share - th->ewma_share) /
							    (int64_t)(1 << t->cfg.ewma_shift));
			}
		}
		memset(&a, 0, sizeof(a));
		agg_add_thread(t, &a, s, now);
		uint32_t nthr = t->proc[th->proc].nr;
		if (th->info_valid && th->info.nr_threads)
			nthr = th->info.nr_threads;
		agg_finish(t, &a, now, window_start, &th->ent.fv, nthr, th->kthread,
			   th->info_valid ? &th->info : NULL, true);
		th->ent.first_seen_ns = th->first_seen;
		th->ent.run_ns_window = a.w.run_ns;
		th->ent.changed = th->changed;
		th->ent.info_stale = th->info_stale;
		th->ent.cgroup = th->info.cgroup;
		th->ent.info = &th->info;
		th->changed = false;
		th->ticked = true;
	}

	/* Processes and cgroups. */
	t->nr_cg = 0;
	memset(t->cghash, 0, 2 * MAX_CGROUPS * sizeof(uint32_t));
	for (uint32_t i = 0; i < t->nr_proc_live; i++) {
		uint32_t p = t->proc_live[i];
		struct proc *pr = &t->proc[p];
		const struct thr *main = NULL;
		bool changed = false, stale = false;

		memset(&a, 0, sizeof(a));
		for (uint32_t s = pr->head; s != NIL; s = t->thr[s].pnext) {
			agg_add_thread(t, &a, s, now);
			changed |= t->thr[s].ent.changed;
		}
		proc_pick_info(t, pr);
		if (pr->ent.info)
			main = (const struct thr *)((const char *)pr->ent.info - offsetof(struct thr, info));
		stale = main ? main->info_stale : true;
		uint32_t nthr = (main && main->info_valid && main->info.nr_threads) ? main->info.nr_threads
										   : pr->nr;
		agg_finish(t, &a, now, window_start, &pr->ent.fv, nthr, main && main->kthread,
			   main && main->info_valid ? &main->info : NULL, false);
		pr->ent.id = pr->tgid;
		pr->ent.tgid = pr->tgid;
		pr->ent.first_seen_ns = a.first_seen;
		pr->ent.run_ns_window = a.w.run_ns;
		pr->ent.nr_tasks = pr->nr;
		pr->ent.changed = changed;
		pr->ent.info_stale = stale;
		pr->cg = NIL;
		if (main && main->info_valid && main->info.cgroup[0]) {
			uint32_t c = cg_get(t, main->info.cgroup);
			if (c != NIL) {
				agg_add_agg(&t->cg[c].a, &a);
				t->cg[c].nr_threads += nthr;
				t->cg[c].ent.changed |= changed;
				pr->cg = c;
			}
		}
	}
	for (uint32_t c = 0; c < t->nr_cg; c++) {
		struct cgslot *cg = &t->cg[c];
		agg_finish(t, &cg->a, now, window_start, &cg->ent.fv, cg->nr_threads, false, NULL, false);
		cg->ent.id = 0;
		cg->ent.tgid = 0;
		cg->ent.info = NULL;
		cg->ent.cgroup = cg->path;
		cg->ent.first_seen_ns = cg->a.first_seen;
		cg->ent.run_ns_window = cg->a.w.run_ns;
		cg->ent.nr_tasks = cg->a.nr_tasks;
		cg->ent.info_stale = false;
	}

	/* Close the bucket: advance every ring, decay the histograms. */
	t->head = (t->head + 1) % W;
	for (uint32_t i = 0; i < t->nr_thr_live; i++) {
		uint32_t s = t->thr_live[i];
		struct thr *th = &t->thr[s];
		uint32_t sh = t->cfg.ewma_shift;

		memset(cur_bucket(t, s), 0, sizeof(struct bucket));
		/* Counts carry 8 fraction bits: a sample weighs 1, (1-1/2^sh) a tick later, ... */
		hist_decay(&th->hist_run, sh);
		hist_decay(&th->hist_rq, sh);
	}
	t->tick_ts[t->nr_ticks % (MAX_WINDOW_TICKS + 1)] = now;
	t->nr_ticks++;
	t->last_tick_ns = now;
}

/* ---- iteration ---- */

const struct sm_entity *sm_ftable_next_thread(const struct sm_ftable *t, size_t *iter)
{
	while (*iter < t->nr_thr_live) {
		const struct thr *th = &t->thr[t->thr_live[(*iter)++]];
		if (th->ticked)
			return &th->ent;
	}
	return NULL;
}

const struct sm_entity *sm_ftable_next_proc(const struct sm_ftable *t, size_t *iter)
{
	while (*iter < t->nr_proc_live) {
		const struct proc *pr = &t->proc[t->proc_live[(*iter)++]];
		if (pr->ent.id == pr->tgid && pr->ent.nr_tasks)
			return &pr->ent;
	}
	return NULL;
}

const struct sm_entity *sm_ftable_next_cgroup(const struct sm_ftable *t, size_t *iter)
{
	if (*iter < t->nr_cg)
		return &t->cg[(*iter)++].ent;
	return NULL;
}

const struct sm_entity *sm_ftable_proc(const struct sm_ftable *t, uint32_t tgid)
{
	uint32_t p = htab_get(&t->phash, tgid);

	return p == NIL ? NULL : &t->proc[p].ent;
}

size_t sm_ftable_proc_threads(const struct sm_ftable *t, uint32_t tgid, uint32_t *tids, size_t max)
{
	uint32_t p = htab_get(&t->phash, tgid);
	size_t n = 0;

	if (p == NIL)
		return 0;
	for (uint32_t s = t->proc[p].head; s != NIL && n < max; s = t->thr[s].pnext)
		tids[n++] = t->thr[s].tid;
	return n;
}

void sm_ftable_stats(const struct sm_ftable *t, struct sm_fstats *st)
{
	*st = t->st;
	st->tasks = t->nr_thr_live;
	st->procs = t->nr_proc_live;
}

size_t sm_fvec_format(const struct sm_fvec *fv, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < SM_NR_FEATURES; i++) {
		char v[32];
		sm_feature_value_str(i, fv->v[i], v, sizeof(v));
		int n = snprintf(buf + off, len > off ? len - off : 0, "%s%s=%s", i ? " " : "",
				 sm_feature_table[i].name, v);
		if (n > 0)
			off += (size_t)n;
	}
	return off;
}

size_t sm_feature_value_str(int f, int32_t v, char *buf, size_t len)
{
	const struct sm_feature_desc *d;
	const char *sep = "", *unit = "";
	char num[48];
	int n;

	if (f < 0 || f >= SM_NR_FEATURES)
		return (size_t)snprintf(buf, len, "%d", v);
	d = &sm_feature_table[f];
	if (d->scale > 1) {
		int digits = d->scale >= 1000 ? 3 : d->scale >= 100 ? 2 : 1;
		int64_t pw = digits == 3 ? 1000 : digits == 2 ? 100 : 10;
		int64_t a = v < 0 ? -(int64_t)v : v;
		snprintf(num, sizeof(num), "%s%" PRId64 ".%0*" PRId64, v < 0 ? "-" : "", a / d->scale,
			 digits, a % d->scale * pw / d->scale);
	} else {
		snprintf(num, sizeof(num), "%d", v);
	}
	if (!strcmp(d->unit, "us") || !strcmp(d->unit, "/s")) {
		unit = d->unit;
	} else if (!strcmp(d->unit, "CPUs") || !strcmp(d->unit, "threads") ||
		   !strcmp(d->unit, "tasks")) {
		sep = " ";
		unit = d->unit;
	}
	n = snprintf(buf, len, "%s%s%s", num, sep, unit);
	return n < 0 ? 0 : (size_t)n;
}
