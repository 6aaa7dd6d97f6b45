// SPDX-License-Identifier: GPL-2.0
/* schedml trace: the live event stream, human-readable or JSON lines, with a summary. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <json-c/json.h>

#include "commands.h"
#include "labels.h"
#include "tracer.h"
#include "util.h"

#define CMD "trace"
#define MAX_PIDS 64
#define MAX_TASKS 65536
#define NR_SLOTS 27 /* log2 buckets of microseconds, like runqlat */
#define TOP_TASKS 5

struct task {
	char comm[SM_COMM_LEN];
	uint32_t tgid;
	uint64_t switch_ins, rq_sum_ns, rq_max_ns, oncpu_ns, wakeups;
	uint32_t hist[NR_SLOTS];
};

struct trace {
	uint32_t pids[MAX_PIDS];
	size_t npids;
	const char *comm;
	bool json, quiet;
	uint64_t start_ns;
	uint64_t shown, events, snaps;
	struct sm_idmap tasks; /* tid -> struct task */
	bool tasks_full;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: schedml trace [OPTIONS]\n\n"
		"Print scheduling events as they happen (sched_switch, sched_wakeup, sched_wakeup_new,\n"
		"exit), then a summary: events/s, drops, forced consumer wake-ups, and the run-queue\n"
		"latency histogram of the busiest tasks. Without BPF (--mode proc, or auto fallback)\n"
		"it prints per-thread /proc deltas instead.\n\n"
		"Options:\n"
		"  -d, --duration TIME     stop after TIME (e.g. 5, 500ms, 1m; default: Ctrl-C)\n"
		"  -p, --pid N             only events involving thread or process N (repeatable)\n"
		"  -c, --comm SUBSTR       only events involving a task whose comm contains SUBSTR\n"
		"  -j, --json              one JSON object per line (last line: {\"type\":\"summary\",...})\n"
		"  -q, --quiet             no per-event output, only the summary\n"
		"  -m, --mode MODE         auto (BPF, else /proc with a warning), bpf, proc (default auto)\n"
		"      --ringbuf-size N    BPF ring buffer bytes, power of 2 (default 8M)\n"
		"      --wakeup-bytes N    wake the reader when N bytes are pending (default 256k;\n"
		"                          0 wakes it on every event, for comparison only)\n"
		"      --debug             debug logging (libbpf's messages when loading fails)\n"
		"  -h, --help              this help\n\n"
		"Examples:\n"
		"  schedml trace --duration 5 --comm stress\n"
		"  schedml trace -d 10 -p 1234 --json > events.jsonl\n"
		"  schedml trace -d 5 -q            # only the summary (events/s, drops, latency)\n");
}

static struct task *task_of(struct trace *tr, uint32_t tid, uint32_t tgid, const char *comm)
{
	struct task *t = sm_idmap_get(&tr->tasks, tid);
	bool created;

	if (!t) {
		if (tr->tasks.len >= MAX_TASKS) {
			tr->tasks_full = true;
			return NULL;
		}
		t = sm_idmap_put(&tr->tasks, tid, &created);
		if (!t)
			return NULL;
		t->tgid = tgid;
	}
	if (comm)
		memcpy(t->comm, comm, SM_COMM_LEN);
	return t;
}

static bool match_id(const struct trace *tr, uint32_t pid, uint32_t tgid)
{
	for (size_t i = 0; i < tr->npids; i++)
		if (tr->pids[i] == pid || tr->pids[i] == tgid)
			return true;
	return false;
}

static bool match_comm(const struct trace *tr, const char *comm)
{
	char c[SM_COMM_LEN + 1];

	memcpy(c, comm, SM_COMM_LEN);
	c[SM_COMM_LEN] = '\0';
	return strstr(c, tr->comm) != NULL;
}

/* An event matches if its subject or its other task (prev / waker / parent) matches. */
static bool wanted(struct trace *tr, const struct sm_event *e)
{
	bool other = e->type != SM_EV_EXIT && e->prev_pid;

	if (tr->npids && !(match_id(tr, e->pid, e->tgid) ||
			   (other && match_id(tr, e->prev_pid, e->prev_tgid))))
		return false;
	if (tr->comm) {
		struct task *pt = other ? sm_idmap_get(&tr->tasks, e->prev_pid) : NULL;

		if (!match_comm(tr, e->comm) && !(pt && match_comm(tr, pt->comm)))
			return false;
	}
	return true;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case SM_EV_SWITCH: return "switch";
	case SM_EV_WAKEUP: return "wakeup";
	case SM_EV_WAKEUP_NEW: return "wakeup_new";
	case SM_EV_EXIT: return "exit";
	default: return "?";
	}
}

static char state_char(uint32_t s)
{
	/* TASK_* bits: 1 S (interruptible), 2 D (uninterruptible), 4 T, 8 t, 0x10 X, 0x20 Z... */
	if (s == 0)
		return 'R';
	if (s & 1)
		return 'S';
	if (s & 2)
		return 'D';
	if (s & 4)
		return 'T';
	if (s & 8)
		return 't';
	if (s & 0x30)
		return 'X';
	return 'I';
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3fs", (double)ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, len, "%.3fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
}

static void print_event(struct trace *tr, const struct sm_event *e)
{
	double t = e->ts_ns >= tr->start_ns ? (double)(e->ts_ns - tr->start_ns) / 1e9
					     : -(double)(tr->start_ns - e->ts_ns) / 1e9;
	char comm[SM_COMM_LEN + 1];

	memcpy(comm, e->comm, SM_COMM_LEN);
	comm[SM_COMM_LEN] = '\0';
	if (tr->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", json_object_new_string(type_name(e->type)));
		json_object_object_add(o, "ts_ns", json_object_new_uint64(e->ts_ns));
		json_object_object_add(o, "cpu", json_object_new_int64(e->cpu));
		json_object_object_add(o, "pid", json_object_new_int64(e->pid));
		json_object_object_add(o, "tgid", json_object_new_int64(e->tgid));
		json_object_object_add(o, "comm", json_object_new_string(comm));
		json_object_object_add(o, "prev_pid", json_object_new_int64(e->prev_pid));
		json_object_object_add(o, "prev_tgid", json_object_new_int64(e->prev_tgid));
		if (e->type == SM_EV_SWITCH) {
			json_object_object_add(o, "prev_run_ns", json_object_new_uint64(e->prev_run_ns));
			json_object_object_add(o, "rq_lat_ns", json_object_new_uint64(e->rq_lat_ns));
			json_object_object_add(o, "prev_state", json_object_new_int64(e->prev_state));
		}
		json_object_object_add(o, "kthread", json_object_new_boolean(e->flags & SM_EVF_KTHREAD));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	printf("%12.6f cpu%-2u %-10s %7u/%-7u %-16s", t, e->cpu, type_name(e->type), e->pid, e->tgid, comm);
	switch (e->type) {
	case SM_EV_SWITCH: {
		char run[32], lat[32];

		fmt_ns(run, sizeof(run), e->prev_run_ns);
		fmt_ns(lat, sizeof(lat), e->rq_lat_ns);
		printf(" prev=%u/%u ran=%s state=%c rq_lat=%s\n", e->prev_pid, e->prev_tgid,
		       e->prev_run_ns ? run : "?", state_char(e->prev_state), lat);
		break;
	}
	case SM_EV_WAKEUP:
		printf(" waker=%u/%u\n", e->prev_pid, e->prev_tgid);
		break;
	case SM_EV_WAKEUP_NEW:
		printf(" parent=%u/%u\n", e->prev_pid, e->prev_tgid);
		break;
	default:
		putchar('\n');
	}
}

static unsigned slot_of(uint64_t ns)
{
	uint64_t us = ns / 1000;
	unsigned s = 0;

	while (us) {
		s++;
		us >>= 1;
	}
	return s < NR_SLOTS ? s : NR_SLOTS - 1;
}

static int on_event(void *ctx, const struct sm_event *e)
{
	struct trace *tr = ctx;
	struct task *t;

	tr->events++;
	t = task_of(tr, e->pid, e->tgid, e->comm);
	if (t) {
		if (e->type == SM_EV_SWITCH && e->pid) {
			t->switch_ins++;
			t->rq_sum_ns += e->rq_lat_ns;
			if (e->rq_lat_ns > t->rq_max_ns)
				t->rq_max_ns = e->rq_lat_ns;
			t->hist[slot_of(e->rq_lat_ns)]++;
		} else if (e->type == SM_EV_WAKEUP) {
			t->wakeups++;
		}
	}
	if (e->type == SM_EV_SWITCH && e->prev_pid) {
		struct task *p = task_of(tr, e->prev_pid, e->prev_tgid, NULL);

		if (p)
			p->oncpu_ns += e->prev_run_ns;
	}
	if (!tr->quiet && wanted(tr, e)) {
		tr->shown++;
		print_event(tr, e);
	}
	return 0;
}

static void on_snap(void *ctx, const struct sm_snapdelta *d)
{
	struct trace *tr = ctx;
	double t = (double)(d->ts_ns - tr->start_ns) / 1e9;

	tr->snaps++;
	if (tr->quiet || (tr->npids && !match_id(tr, d->pid, d->tgid)))
		return;
	if (tr->comm) {
		char path[96], comm[64];

		snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", d->tgid, d->pid);
		if (sm_read_small(path, comm, sizeof(comm)) < 0 || !strstr(comm, tr->comm))
			return;
	}
	if (!d->run_ns && !d->slices && !d->vol_switches && !d->invol_switches)
		return; /* idle since the last round */
	tr->shown++;
	if (tr->json) {
		printf("{\"type\":\"snapshot\",\"ts_ns\":%" PRIu64 ",\"pid\":%u,\"tgid\":%u,\"run_ns\":%" PRIu64
		       ",\"wait_ns\":%" PRIu64 ",\"slices\":%" PRIu64 ",\"vol_switches\":%" PRIu64
		       ",\"invol_switches\":%" PRIu64 "}\n", d->ts_ns, d->pid, d->tgid, d->run_ns,
		       d->wait_ns, d->slices, d->vol_switches, d->invol_switches);
	} else {
		printf("%12.6f snapshot %7u/%-7u run=%.3fms wait=%.3fms slices=%" PRIu64 " vol=%" PRIu64
		       " invol=%" PRIu64 "\n", t, d->pid, d->tgid, (double)d->run_ns / 1e6,
		       (double)d->wait_ns / 1e6, d->slices, d->vol_switches, d->invol_switches);
	}
}

static void print_hist(const uint32_t *h)
{
	unsigned last = 0;
	uint32_t max = 0;

	for (unsigned i = 0; i < NR_SLOTS; i++) {
		if (h[i])
			last = i;
		if (h[i] > max)
			max = h[i];
	}
	printf("     usecs               : count    distribution\n");
	for (unsigned i = 0; i <= last; i++) {
		uint64_t lo = i ? 1ull << (i - 1) : 0, hi = (1ull << i) - 1;
		unsigned stars = max ? (unsigned)((uint64_t)h[i] * 40 / max) : 0;
		char bar[41];

		memset(bar, '*', stars);
		memset(bar + stars, ' ', 40 - stars);
		bar[40] = '\0';
		printf("%10" PRIu64 " -> %-10" PRIu64 ": %-8u |%s|\n", lo, hi, h[i], bar);
	}
}

static void summary(struct trace *tr, const struct sm_tracer *t, double secs)
{
	struct sm_tracer_stats st;
	const struct task *top[TOP_TASKS] = { 0 };
	uint32_t topid[TOP_TASKS] = { 0 };
	size_t it = 0;
	uint32_t tid;
	const struct task *k;

	sm_tracer_stats(t, &st);
	/* Busiest tasks by switch-ins (not idle). */
	while ((k = sm_idmap_next(&tr->tasks, &it, &tid))) {
		if (!tid || !k->switch_ins || (tr->npids && !match_id(tr, tid, k->tgid)) ||
		    (tr->comm && !match_comm(tr, k->comm)))
			continue;
		for (int i = 0; i < TOP_TASKS; i++) {
			if (!top[i] || k->switch_ins > top[i]->switch_ins) {
				memmove(&top[i + 1], &top[i], (TOP_TASKS - i - 1) * sizeof(top[0]));
				memmove(&topid[i + 1], &topid[i], (TOP_TASKS - i - 1) * sizeof(topid[0]));
				top[i] = k;
				topid[i] = tid;
				break;
			}
		}
	}
	if (tr->json) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "type", json_object_new_string("summary"));
		json_object_object_add(o, "source", json_object_new_string(sm_tracer_mode_name(t)));
		json_object_object_add(o, "seconds", json_object_new_double(secs));
		json_object_object_add(o, "events", json_object_new_uint64(st.consumed));
		json_object_object_add(o, "events_per_s", json_object_new_double(secs > 0 ? (double)st.consumed / secs : 0));
		json_object_object_add(o, "emitted", json_object_new_uint64(st.emitted));
		json_object_object_add(o, "dropped", json_object_new_uint64(st.dropped));
		json_object_object_add(o, "wakeups", json_object_new_uint64(st.wakeups));
		json_object_object_add(o, "snapshots", json_object_new_uint64(st.snapshots));
		json_object_object_add(o, "shown", json_object_new_uint64(tr->shown));
		json_object_object_add(o, "bpf_run_ns", json_object_new_uint64(st.bpf_run_ns));
		json_object_object_add(o, "bpf_run_cnt", json_object_new_uint64(st.bpf_run_cnt));
		json_object_object_add(o, "bpf_ns_per_event",
				       json_object_new_double(st.bpf_run_cnt ? (double)st.bpf_run_ns / (double)st.bpf_run_cnt : 0));
		for (int i = 0; i < TOP_TASKS && top[i]; i++) {
			json_object *x = json_object_new_object(), *h = json_object_new_array();
			char comm[SM_COMM_LEN + 1];

			memcpy(comm, top[i]->comm, SM_COMM_LEN);
			comm[SM_COMM_LEN] = '\0';
			json_object_object_add(x, "pid", json_object_new_int64(topid[i]));
			json_object_object_add(x, "tgid", json_object_new_int64(top[i]->tgid));
			json_object_object_add(x, "comm", json_object_new_string(comm));
			json_object_object_add(x, "switch_ins", json_object_new_uint64(top[i]->switch_ins));
			json_object_object_add(x, "wakeups", json_object_new_uint64(top[i]->wakeups));
			json_object_object_add(x, "oncpu_ns", json_object_new_uint64(top[i]->oncpu_ns));
			json_object_object_add(x, "rq_lat_avg_ns", json_object_new_uint64(top[i]->rq_sum_ns / top[i]->switch_ins));
			json_object_object_add(x, "rq_lat_max_ns", json_object_new_uint64(top[i]->rq_max_ns));
			for (int s = 0; s < NR_SLOTS; s++)
				json_object_array_add(h, json_object_new_int64(top[i]->hist[s]));
			json_object_object_add(x, "rq_lat_log2_us", h);
			json_object_array_add(arr, x);
		}
		json_object_object_add(o, "top", arr);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	printf("\n%.2f s, source %s: %" PRIu64 " events (%.0f/s), %" PRIu64 " dropped, %" PRIu64
	       " forced wake-ups, %" PRIu64 " shown%s\n", secs, sm_tracer_mode_name(t), st.consumed,
	       secs > 0 ? (double)st.consumed / secs : 0.0, st.dropped, st.wakeups, tr->shown,
	       tr->tasks_full ? " (task table full: summary partial)" : "");
	if (st.bpf_run_cnt)
		printf("BPF cost: %.0f ns per event (%" PRIu64 " program runs; kernel.bpf_stats_enabled=1)\n",
		       (double)st.bpf_run_ns / (double)st.bpf_run_cnt, st.bpf_run_cnt);
	if (sm_tracer_mode(t) == SM_SOURCE_PROC) {
		printf("%" PRIu64 " /proc rounds, %" PRIu64 " thread deltas (no run-queue latency without BPF)\n",
		       st.snapshots, tr->snaps);
		return;
	}
	for (int i = 0; i < TOP_TASKS && top[i]; i++) {
		char comm[SM_COMM_LEN + 1], avg[32], max[32], cpu[32];

		memcpy(comm, top[i]->comm, SM_COMM_LEN);
		comm[SM_COMM_LEN] = '\0';
		fmt_ns(avg, sizeof(avg), top[i]->rq_sum_ns / top[i]->switch_ins);
		fmt_ns(max, sizeof(max), top[i]->rq_max_ns);
		fmt_ns(cpu, sizeof(cpu), top[i]->oncpu_ns);
		printf("\ntid %u/%u %s: %" PRIu64 " switch-ins, %" PRIu64 " wakeups, on-CPU %s, "
		       "run-queue latency avg %s max %s\n", topid[i], top[i]->tgid, comm,
		       top[i]->switch_ins, top[i]->wakeups, cpu, avg, max);
		print_hist(top[i]->hist);
	}
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ringbuf-size", required_argument, NULL, 'R' },
		{ "wakeup-bytes", required_argument, NULL, 'W' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sm_tracer_opts to;
	struct sm_tracer *t = NULL;
	struct trace tr = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t duration_ns = 0, end;
	static char outbuf[1 << 16];
	int c, m, r, ret = 1;

	sm_tracer_opts_default(&to);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:p:c:jqm:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (sm_parse_duration_ns(optarg, &duration_ns) < 0 || duration_ns == 0)
				return sm_usage_error(CMD, "--duration: bad duration '%s'", optarg);
			break;
		case 'p':
			if (tr.npids == MAX_PIDS)
				return sm_usage_error(CMD, "--pid: at most %d", MAX_PIDS);
			if (sm_parse_u32(optarg, &tr.pids[tr.npids]) < 0 || tr.pids[tr.npids] == 0)
				return sm_usage_error(CMD, "--pid: bad pid '%s'", optarg);
			tr.npids++;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) >= SM_COMM_LEN)
				return sm_usage_error(CMD, "--comm: '%s' must be 1 to %d characters", optarg, SM_COMM_LEN - 1);
			tr.comm = optarg;
			break;
		case 'j':
			tr.json = true;
			break;
		case 'q':
			tr.quiet = true;
			break;
		case 'm':
			if ((m = sm_source_mode_parse(optarg)) < 0)
				return sm_usage_error(CMD, "--mode: '%s' is not auto, bpf or proc", optarg);
			to.mode = (enum sm_source_mode)m;
			break;
		case 'R':
			if (sm_parse_size(optarg, &to.ringbuf_bytes) < 0 || !sm_ringbuf_size_ok(to.ringbuf_bytes))
				return sm_usage_error(CMD, "--ringbuf-size: '%s' is not a power of 2 between 4k and 1G", optarg);
			break;
		case 'W':
			if (sm_parse_size(optarg, &to.wakeup_bytes) < 0)
				return sm_usage_error(CMD, "--wakeup-bytes: bad size '%s'", optarg);
			break;
		case 'D':
			sm_log_set_level(SM_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return sm_usage_error(CMD, "option '%s' needs an argument", argv[optind - 1]);
		default:
			return sm_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sm_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (to.wakeup_bytes >= to.ringbuf_bytes)
		return sm_usage_error(CMD, "--wakeup-bytes must be below the ring buffer size");

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (sm_idmap_init(&tr.tasks, sizeof(struct task)) < 0) {
		log_err("Out of memory");
		return 1;
	}
	to.ignore_tgid = (uint32_t)getpid();
	r = sm_tracer_new(&to, on_event, on_snap, NULL, &tr, &t);
	if (r < 0) {
		log_err("Failed to start the BPF tracer: %s", sm_tracer_reason(NULL) ?: strerror(-r));
		goto out;
	}
	if (sm_tracer_reason(t))
		log_warn("BPF unavailable (%s): falling back to /proc snapshots (low fidelity)",
			 sm_tracer_reason(t));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	tr.start_ns = sm_now_ns();
	end = duration_ns ? tr.start_ns + duration_ns : UINT64_MAX;
	fprintf(stderr, "schedml: tracing (source %s)%s\n", sm_tracer_mode_name(t),
		duration_ns ? "" : "; Ctrl-C to stop");
	while (!stop_requested) {
		uint64_t now = sm_now_ns();
		int timeout = 100;

		if (now >= end)
			break;
		if (end - now < 100000000ull)
			timeout = (int)((end - now + 999999) / 1000000);
		r = sm_tracer_poll(t, timeout);
		if (r < 0 && r != -EINTR) {
			log_err("Failed to read events: %s", strerror(-r));
			goto out;
		}
		fflush(stdout);
	}
	sm_tracer_consume(t);
	summary(&tr, t, (double)(sm_now_ns() - tr.start_ns) / 1e9);
	ret = 0;
out:
	fflush(stdout);
	sm_tracer_free(t);
	sm_idmap_free(&tr.tasks);
	return ret;
}
