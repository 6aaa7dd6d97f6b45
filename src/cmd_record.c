// SPDX-License-Identifier: GPL-2.0
/*
 * schedml record: every scheduling event to DIR/scheduling_events.log.gz, periodic /proc
 * snapshots to DIR/process_data.json.gz (formats: docs/tracer.md).
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <json-c/json.h>

#include "commands.h"
#include "labels.h"
#include "procdata.h"
#include "procfs.h"
#include "trace_io.h"
#include "tracer.h"
#include "util.h"

#define CMD "record"

struct seen {                 /* a thread we wrote a T line for */
	char comm[SM_COMM_LEN];
	bool failed;              /* /proc had nothing (exited): do not retry each event */
};

struct rec {
	struct sm_trace_writer *tw;
	struct sm_procdata *pd;
	struct sm_labels *rules;
	struct sm_idmap seen;     /* tid -> struct seen */
	struct sm_idmap label;    /* tgid -> int32_t class */
	uint32_t self;
	int werr;                 /* first write error */
	uint64_t events, tasks, labelled;
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
		"Usage: schedml record --out DIR [OPTIONS]\n\n"
		"Record every scheduling event (DIR/scheduling_events.log.gz) and periodic /proc\n"
		"snapshots of every process (DIR/process_data.json.gz) until --duration or Ctrl-C.\n\n"
		"Options:\n"
		"  -o, --out DIR           output directory (created if missing)\n"
		"  -d, --duration TIME     how long to record (e.g. 30, 10s, 2m; default: until Ctrl-C)\n"
		"  -l, --label RULE        stamp a class on matching processes (repeatable):\n"
		"                            CLASS=comm:REGEX  CLASS=pid:N  CLASS=cgroup:PATH\n"
		"                          CLASS is interactive or batch; threads and children inherit\n"
		"  -i, --interval TIME     /proc snapshot interval (default 1s)\n"
		"      --tick TIME         system-context (Y) and tick (K) line interval (default 250ms)\n"
		"  -n, --note TEXT         free-text workload description, stored in the headers\n"
		"  -m, --mode MODE         auto (BPF, else /proc), bpf, proc (default auto)\n"
		"      --ringbuf-size N    BPF ring buffer bytes, power of 2 (default 32M)\n"
		"      --debug             debug logging (libbpf's messages when loading fails)\n"
		"  -h, --help              this help\n\n"
		"Examples:\n"
		"  schedml record --duration 30 --out artifacts/build1 --label batch=comm:^(cc1|ld)$\n"
		"  schedml record -d 60 -o artifacts/web --label interactive=pid:1234 --note 'nginx + ab'\n"
		"  schedml record -d 10 -o /tmp/r --label batch=cgroup:/system.slice/backup.service\n");
}

static void note_werr(struct rec *r, int err)
{
	if (err < 0 && !r->werr)
		r->werr = err;
}

static void write_rec(struct rec *r, const struct sm_trace_rec *tr)
{
	note_werr(r, sm_trace_write(r->tw, tr));
}

/* Label of a process: inherited from its parent, or the first rule it matches. */
static void label_task(struct rec *r, const struct sm_taskinfo *ti)
{
	int32_t *cls, *parent;
	bool created;
	int c;

	if (!sm_labels_count(r->rules) || sm_idmap_get(&r->label, ti->tgid))
		return;
	parent = ti->ppid ? sm_idmap_get(&r->label, ti->ppid) : NULL;
	c = parent ? *parent : sm_labels_match(r->rules, ti);
	if (c <= SM_CLASS_NONE)
		return;
	cls = sm_idmap_put(&r->label, ti->tgid, &created);
	if (!cls)
		return;
	*cls = c;
	{
		struct sm_trace_rec tr = { .kind = SM_REC_LABEL, .label = { ti->tgid, c } };

		write_rec(r, &tr);
		r->labelled++;
	}
}

/* Write a T line for a thread (first sighting, or comm changed). */
static void task_info(struct rec *r, uint32_t tgid, uint32_t tid, const char *comm)
{
	struct sm_trace_rec tr = { .kind = SM_REC_TASK };
	struct seen *s;
	bool created;

	if (tid == 0 || tgid == r->self)
		return;
	s = sm_idmap_put(&r->seen, tid, &created);
	if (!s)
		return;
	if (!created && (s->failed || !comm || !strncmp(s->comm, comm, SM_COMM_LEN)))
		return;
	if (sm_proc_taskinfo("/proc", tgid, tid, &tr.task) < 0) {
		s->failed = true;
		if (comm)
			memcpy(s->comm, comm, SM_COMM_LEN);
		return;
	}
	/* Keep the comm the event saw so a later event with the same comm does not re-read. */
	memcpy(s->comm, comm ? comm : tr.task.comm, SM_COMM_LEN);
	s->failed = false;
	r->tasks++;
	write_rec(r, &tr);
	label_task(r, &tr.task);
}

static int on_event(void *ctx, const struct sm_event *e)
{
	struct rec *r = ctx;
	struct sm_trace_rec tr = { .kind = SM_REC_EVENT, .ev = *e };

	r->events++;
	if (e->type == SM_EV_WAKEUP_NEW && e->prev_tgid != e->tgid && sm_labels_count(r->rules)) {
		int32_t *p = sm_idmap_get(&r->label, e->prev_tgid), *c;
		bool created;

		/* A labelled process's child inherits its label, even before /proc shows it. */
		if (p && !sm_idmap_get(&r->label, e->tgid) &&
		    (c = sm_idmap_put(&r->label, e->tgid, &created))) {
			struct sm_trace_rec lr = { .kind = SM_REC_LABEL, .label = { e->tgid, *p } };

			*c = *p;
			write_rec(r, &lr);
			r->labelled++;
		}
	}
	if (e->type != SM_EV_EXIT)
		task_info(r, e->tgid, e->pid, e->comm);
	write_rec(r, &tr);
	if (e->type == SM_EV_EXIT)
		sm_idmap_del(&r->seen, e->pid);
	return 0;
}

static int inventory_cb(void *ctx, uint32_t tgid, uint32_t tid)
{
	task_info(ctx, tgid, tid, NULL);
	return 0;
}

static int label_of(void *ctx, uint32_t pid)
{
	struct rec *r = ctx;
	int32_t *cls = sm_idmap_get(&r->label, pid);

	return cls ? *cls : SM_CLASS_NONE;
}

static void tick(struct rec *r)
{
	struct sm_trace_rec tr = { .kind = SM_REC_SYS };

	if (sm_proc_sysctx("/proc", &tr.sys) == 0)
		write_rec(r, &tr);
	tr.kind = SM_REC_TICK;
	tr.tick_ns = sm_now_ns();
	write_rec(r, &tr);
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static json_object *header(int argc, char **argv, const char *note, const char *source,
			   uint64_t tick_ns, uint64_t interval_ns, uint64_t ringbuf, char **labels,
			   size_t nlabels)
{
	json_object *o = json_object_new_object(), *cmd = json_object_new_array(), *lab = json_object_new_array();
	struct timespec rt, mono;
	struct utsname u;
	char host[256] = "";

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	json_object_object_add(o, "schedml_version", json_object_new_string(SCHEDML_VERSION));
	json_object_object_add(o, "host", json_object_new_string(host));
	json_object_object_add(o, "kernel", json_object_new_string(u.release));
	json_object_object_add(o, "machine", json_object_new_string(u.machine));
	json_object_object_add(o, "start_realtime_ns",
			       json_object_new_uint64((uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec));
	json_object_object_add(o, "start_monotonic_ns",
			       json_object_new_uint64((uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec));
	json_object_object_add(o, "nr_cpus", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(o, "clk_tck", json_object_new_int((int)sysconf(_SC_CLK_TCK)));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "tick_ns", json_object_new_uint64(tick_ns));
	json_object_object_add(o, "interval_ns", json_object_new_uint64(interval_ns));
	json_object_object_add(o, "ringbuf_bytes", json_object_new_uint64(ringbuf));
	json_object_object_add(o, "recorder_pid", json_object_new_int((int)getpid()));
	for (int i = 0; i < argc; i++)
		json_object_array_add(cmd, json_object_new_string(argv[i]));
	json_object_object_add(o, "command", cmd);
	for (size_t i = 0; i < nlabels; i++)
		json_object_array_add(lab, json_object_new_string(labels[i]));
	json_object_object_add(o, "labels", lab);
	json_object_object_add(o, "note", json_object_new_string(note ? note : ""));
	return o;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "tick", required_argument, NULL, 'T' },
		{ "note", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ringbuf-size", required_argument, NULL, 'R' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sm_tracer_opts to;
	struct sm_tracer *tracer = NULL;
	struct rec r = { 0 };
	struct sm_tracer_stats st;
	const char *out = NULL, *note = NULL;
	uint64_t duration_ns = 0, interval_ns = 1000000000ull, tick_ns = 250000000ull;
	uint64_t start, next_tick, next_snap, end;
	char **labels = NULL, path[4096], err[256];
	size_t nlabels = 0;
	json_object *hdr = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, m, ret = 1, rr;

	sm_tracer_opts_default(&to);
	/* Recording formats and compresses every event: give bursts more room than `trace`. */
	to.ringbuf_bytes = 32u << 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:d:l:i:n:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'd':
			if (sm_parse_duration_ns(optarg, &duration_ns) < 0 || duration_ns == 0) {
				ret = sm_usage_error(CMD, "--duration: bad duration '%s'", optarg);
				goto out;
			}
			break;
		case 'l': {
			char **nl;

			if (sm_labels_add(&r.rules, optarg, err, sizeof(err)) < 0) {
				ret = sm_usage_error(CMD, "--label %s", err);
				goto out;
			}
			nl = realloc(labels, (nlabels + 1) * sizeof(*labels));
			if (!nl)
				goto out;
			labels = nl;
			labels[nlabels++] = optarg;
			break;
		}
		case 'i':
			if (sm_parse_duration_ns(optarg, &interval_ns) < 0 || interval_ns < 10000000ull) {
				ret = sm_usage_error(CMD, "--interval: bad interval '%s' (at least 10ms)", optarg);
				goto out;
			}
			break;
		case 'T':
			if (sm_parse_duration_ns(optarg, &tick_ns) < 0 || tick_ns < 10000000ull) {
				ret = sm_usage_error(CMD, "--tick: bad interval '%s' (at least 10ms)", optarg);
				goto out;
			}
			break;
		case 'n':
			note = optarg;
			break;
		case 'm':
			if ((m = sm_source_mode_parse(optarg)) < 0) {
				ret = sm_usage_error(CMD, "--mode: '%s' is not auto, bpf or proc", optarg);
				goto out;
			}
			to.mode = (enum sm_source_mode)m;
			break;
		case 'R':
			if (sm_parse_size(optarg, &to.ringbuf_bytes) < 0 || !sm_ringbuf_size_ok(to.ringbuf_bytes)) {
				ret = sm_usage_error(CMD, "--ringbuf-size: '%s' is not a power of 2 between 4k and 1G", optarg);
				goto out;
			}
			break;
		case 'D':
			sm_log_set_level(SM_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		case ':':
			ret = sm_usage_error(CMD, "option '%s' needs an argument", argv[optind - 1]);
			goto out;
		default:
			ret = sm_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		ret = sm_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!out) {
		ret = sm_usage_error(CMD, "--out DIR is required");
		goto out;
	}

	rr = mkdir_p(out);
	if (rr == 0 && access(out, W_OK | X_OK) < 0)
		rr = -errno;
	if (rr < 0) {
		log_err("Cannot write to output directory %s: %s", out, strerror(-rr));
		goto out;
	}
	if (sm_idmap_init(&r.seen, sizeof(struct seen)) < 0 || sm_idmap_init(&r.label, sizeof(int32_t)) < 0) {
		log_err("Out of memory");
		goto out;
	}
	r.self = (uint32_t)getpid();
	to.ignore_tgid = r.self;
	/* Without BPF the recorder's own /proc snapshots (process_data) are the data: the tracer's
	 * per-thread /proc rounds would only be read and thrown away. */
	to.proc_interval_ns = UINT64_MAX / 4;
	rr = sm_tracer_new(&to, on_event, NULL, NULL, &r, &tracer);
	if (rr < 0) {
		log_err("Failed to start the BPF tracer: %s", sm_tracer_reason(NULL) ?: strerror(-rr));
		goto out;
	}
	if (sm_tracer_reason(tracer))
		log_warn("BPF unavailable (%s): recording /proc snapshots only, no scheduling events",
			 sm_tracer_reason(tracer));

	hdr = header(argc, argv, note, sm_tracer_mode_name(tracer), tick_ns, interval_ns,
		     to.ringbuf_bytes, labels, nlabels);
	snprintf(path, sizeof(path), "%s/scheduling_events.log.gz", out);
	rr = sm_trace_writer_open(path, json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), &r.tw);
	if (rr < 0) {
		log_err("Cannot write %s: %s", path, strerror(-rr));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/process_data.json.gz", out);
	json_object_object_add(hdr, "schedml_process_data", json_object_new_int(1));
	rr = sm_procdata_open(path, json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), &r.pd);
	if (rr < 0) {
		log_err("Cannot write %s: %s", path, strerror(-rr));
		goto out;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Inventory: a T line (and label) for every thread alive at the start. */
	sm_proc_for_each_task("/proc", inventory_cb, &r);
	start = sm_now_ns();
	end = duration_ns ? start + duration_ns : UINT64_MAX;
	next_tick = start;
	next_snap = start;
	log_info("Recording to %s (source %s)%s", out, sm_tracer_mode_name(tracer),
		 duration_ns ? "" : "; Ctrl-C to stop");
	while (!stop_requested && !r.werr) {
		uint64_t now = sm_now_ns(), due = next_tick < next_snap ? next_tick : next_snap;
		int timeout_ms;

		if (due > end)
			due = end;
		if (now >= due) {
			sm_tracer_consume(tracer); /* events before the tick line */
			if (now >= end)
				break;
			if (now >= next_tick) {
				tick(&r);
				next_tick += tick_ns;
				if (next_tick <= now)
					next_tick = now + tick_ns;
			}
			if (now >= next_snap) {
				note_werr(&r, sm_procdata_snapshot(r.pd, "/proc", now, r.self, label_of, &r));
				next_snap += interval_ns;
				if (next_snap <= now)
					next_snap = now + interval_ns;
			}
			continue;
		}
		timeout_ms = (int)((due - now + 999999) / 1000000);
		rr = sm_tracer_poll(tracer, timeout_ms);
		if (rr < 0 && rr != -EINTR) {
			log_err("Failed to read events: %s", strerror(-rr));
			goto out;
		}
	}
	sm_tracer_consume(tracer);
	tick(&r);
	sm_tracer_stats(tracer, &st);
	{
		double secs = (double)(sm_now_ns() - start) / 1e9;

		log_info("Recorded %.1f s: %" PRIu64 " events (%.0f/s), %" PRIu64 " dropped, %" PRIu64
			 " forced wake-ups, %" PRIu64 " tasks, %" PRIu64 " labelled processes, source %s",
			 secs, r.events, secs > 0 ? (double)r.events / secs : 0.0, st.dropped, st.wakeups,
			 r.tasks, r.labelled, sm_tracer_mode_name(tracer));
	}
	ret = 0;
out:
	sm_tracer_free(tracer);
	if (r.tw) {
		rr = sm_trace_writer_close(r.tw);
		note_werr(&r, rr);
	}
	note_werr(&r, sm_procdata_close(r.pd));
	if (r.werr && ret == 0) {
		log_err("Failed to write to %s: %s", out ? out : "?", strerror(-r.werr));
		ret = 1;
	}
	json_object_put(hdr);
	sm_idmap_free(&r.seen);
	sm_idmap_free(&r.label);
	sm_labels_free(r.rules);
	free(labels);
	return ret;
}
